// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandbox.c - what the process gives up once it's set up
 *
 * Theory of operation
 *
 * passt and pasta parse bytes from an untrusted guest for as long as they
 * run. Everything they'll ever need from the file system and from privileged
 * interfaces is opened during start-up; then, before the main loop, the
 * process sheds what it doesn't need any more, so that a mistake in a parser
 * can't reach beyond a process with no files, no privileges and a short list
 * of system calls. In the order main() calls these:
 *
 *   1. sandbox_runas(), right after the configuration, the log, capture and
 *	PID files are opened: if started as root of the initial user
 *	namespace (or with --runas), become the --runas user, by default
 *	nobody. Everything else runs as that user, as it would for an
 *	unprivileged start.
 *   2. sandbox_userns(), passt only, once the listening socket and forwarded
 *	ports are bound: a new user namespace mapping only our own user and
 *	group IDs, in which we hold the capabilities for the next steps.
 *	pasta has joined the user namespace of the namespace it serves already
 *	(see ns/pasta.c), or, with --netns-only, runs in one where it has them.
 *   3. sandbox_pidns(), passt only, when it goes to the background: the
 *	background process is the first process of a new PID namespace, and
 *	can't see or signal any other.
 *   4. sandbox_isolate(), right before the main loop: new mount, IPC and UTS
 *	namespaces; the root directory becomes an empty, read-only tmpfs
 *	(pivot_root(), then the old root is detached; chroot() where the
 *	root is the initial ramfs, which can't be pivoted); every capability is
 *	dropped from the effective, permitted, inheritable, ambient and
 *	bounding sets, except, in pasta, CAP_SYS_ADMIN in its own user
 *	namespace, which lets short-lived clones enter the served network
 *	namespace for new sockets (ns/pasta.c); no_new_privs is set.
 *   5. sandbox_seccomp(): a seccomp-BPF allow-list of system calls, with
 *	kill-process as the default action. The lists of passt and pasta are
 *	generated at build time (tools/seccomp.sh) from "#syscalls"
 *	annotations next to the code that needs each call, which can also
 *	restrict its arguments (socket families and types, clone flags...):
 *	the program is built from that (sandbox/filter.c); "make seccomp"
 *	prints the lists and the checks.
 *
 * A step the kernel refuses (user namespaces disabled, say) is logged, and
 * the others still apply. The sanitizer build (make asan) installs no
 * seccomp filter, as the sanitizers' own run-time needs many more calls, and
 * keeps /proc visible in the empty root, for the leak checker.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>		/* setgroups() */
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "conf/ctx.h"
#include "sandbox/filter.h"
#include "sandbox/sandbox.h"
#include "util/log.h"
#include "util/userdb.h"
#include "util/util.h"

#include "seccomp.h"	/* build/gen: seccomp_passt[], _pasta[], _vu[] */

#if defined(__x86_64__)
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_I386
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_RISCV64
#else
#error "Unknown architecture: add its AUDIT_ARCH_ value for seccomp"
#endif

#ifdef SECCOMP_DISCOVER
static int sandbox_discover_fd = STDERR_FILENO;
static const char *sandbox_discover_mode = "?";
#endif

#define NOBODY_ID	65534	/* if there's no "nobody" in the user database */

/* Empty root candidates: any existing directory will do, as the mount is in
 * our own mount namespace and goes away with it
 */
static const char *const sandbox_root_dirs[] = { "/tmp", "/dev", "/run",
						 "/proc" };

/**
 * sandbox_runas_parse() - parse --runas UID|UID:GID|LOGIN|LOGIN:GROUP
 * @spec:	option value
 * @uid:	user ID, set on success
 * @gid:	group ID, set on success: the GROUP part, or the user's primary
 *		group, or, for a numeric UID unknown to the user database, the
 *		same number
 *
 * Names are looked up in /etc/passwd and /etc/group (userdb.c), at
 * start-up only.
 *
 * Return: 0 on success, -EINVAL for a malformed value, -ENOENT for an
 * unknown name
 */
int sandbox_runas_parse(const char *spec, uid_t *uid, gid_t *gid)
{
	char user[LOGIN_NAME_MAX + 1], line[USERDB_LINE_MAX], *group;
	struct userdb_ent e;
	unsigned int id;

	if (!*spec || strlen(spec) >= sizeof(user))
		return -EINVAL;
	strcpy(user, spec);
	group = strchr(user, ':');
	if (group) {
		*group++ = '\0';
		if (!*group || !*user)
			return -EINVAL;
	}

	if (userdb_id(user, &id)) {
		*uid = (uid_t)id;
		*gid = userdb_find(USERDB_PASSWD, true, NULL, *uid, &e, line,
				   sizeof(line)) ? (gid_t)id : (gid_t)e.gid;
	} else {
		if (userdb_find(USERDB_PASSWD, true, user, 0, &e, line,
				sizeof(line)))
			return -ENOENT;
		*uid = (uid_t)e.id;
		*gid = (gid_t)e.gid;
	}

	if (group) {
		if (userdb_id(group, &id)) {
			*gid = (gid_t)id;
		} else {
			if (userdb_find(USERDB_GROUP, false, group, 0, &e, line,
					sizeof(line)))
				return -ENOENT;
			*gid = (gid_t)e.id;
		}
	}
	return 0;
}

/**
 * sandbox_root_is_real() - are we in the initial user namespace?
 *
 * There, and only there, the user ID map is the identity over the whole
 * range: "0 0 4294967295". Root of any other user namespace is some
 * unprivileged user outside it, for example rootless Podman, which starts
 * pasta as UID 0 of its own user namespace.
 *
 * Return: true in the initial user namespace, or if the map can't be read
 */
static bool sandbox_root_is_real(void)
{
	unsigned long inside, outside, count;
	char buf[128];
	ssize_t n;
	int fd;

	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	if (sscanf(buf, "%lu %lu %lu", &inside, &outside, &count) != 3)
		return true;
	return !inside && !outside && count == 0xffffffffUL;
}

/**
 * sandbox_runas() - change to the --runas user, or nobody if started as root
 * @c:		execution context
 *
 * Root of a user namespace other than the initial one keeps its identity:
 * its capabilities there are what pasta needs to join the namespaces it
 * serves (--netns-only), and it's unprivileged outside anyway.
 *
 * Exits with status 1 if an explicit --runas can't be applied.
 */
void sandbox_runas(const struct ctx *c)
{
	uid_t uid = c->runas_uid;
	gid_t gid = c->runas_gid;

	if (!c->runas_given) {
		char line[USERDB_LINE_MAX];
		struct userdb_ent e;

		if (geteuid() || !sandbox_root_is_real())
			return;
		if (userdb_find(USERDB_PASSWD, true, "nobody", 0, &e, line,
				sizeof(line))) {
			uid = NOBODY_ID;
			gid = NOBODY_ID;
		} else {
			uid = (uid_t)e.id;
			gid = (gid_t)e.gid;
		}
	}
	if (uid == geteuid() && gid == getegid() && uid == getuid())
		return;

	/* passt's socket was bound first thing, as root: let the new user
	 * (and qemu, run as that user) use it, while we may still chown()
	 */
	if (!geteuid() && c->mode == MODE_PASST && *c->sock_path &&
	    c->fd_tap_listen >= 0 && chown(c->sock_path, uid, gid))
		log_warn("Can't give %s to UID %u: %s", c->sock_path,
			 (unsigned int)uid, strerror(errno));

	/* Supplementary groups go first, while we may still drop them */
	if (setgroups(0, NULL) && errno != EPERM)
		goto fail;
	if (setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		goto fail;

	/* Changing from root made us non-dumpable: /proc/self files, the ID
	 * maps of a user namespace we create among them, would stay root's
	 */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	log_debug("Running as UID %u, GID %u", (unsigned int)uid,
		  (unsigned int)gid);
	return;
fail:
	if (c->runas_given) {
		log_err("Can't change to UID %u, GID %u (--runas needs root or "
			"CAP_SETUID and CAP_SETGID): %s", (unsigned int)uid,
			(unsigned int)gid, strerror(errno));
		exit(EXIT_FAILURE);
	}
	log_warn("Started as root, but can't change to UID %u, GID %u: %s",
		 (unsigned int)uid, (unsigned int)gid, strerror(errno));
}

/**
 * sandbox_write() - write a short string to a /proc file
 * @path:	file
 * @s:		text
 *
 * Return: 0 on success, -errno on failure
 */
static int sandbox_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/**
 * sandbox_userns() - passt: move to a user namespace of our own
 * @c:		execution context
 *
 * Our user and group IDs map to themselves, so files and sockets look the
 * same from outside; in the new namespace, we hold the capabilities that
 * the PID, mount, IPC and UTS namespaces need.
 */
void sandbox_userns(const struct ctx *c)
{
	unsigned int uid = (unsigned int)geteuid();
	unsigned int gid = (unsigned int)getegid();
	char map[64];

	if (c->mode != MODE_PASST)
		return;

	if (unshare(CLONE_NEWUSER)) {
		log_warn("Sandbox: can't create a user namespace: %s",
			 strerror(errno));
		return;
	}
	snprintf(map, sizeof(map), "%u %u 1", uid, uid);
	if (sandbox_write("/proc/self/uid_map", map))
		log_warn("Sandbox: can't write user ID map");
	if (sandbox_write("/proc/self/setgroups", "deny"))
		log_debug("Sandbox: can't disable setgroups()");
	snprintf(map, sizeof(map), "%u %u 1", gid, gid);
	if (sandbox_write("/proc/self/gid_map", map))
		log_warn("Sandbox: can't write group ID map");
}

/**
 * sandbox_exit_handler() - leave at once on SIGTERM, until the signalfd is
 *			    in place
 * @sig:	signal number, unused
 *
 * The first process of a PID namespace ignores signals without a handler.
 */
static void sandbox_exit_handler(int sig)
{
	(void)sig;
	_exit(EXIT_SUCCESS);
}

/**
 * sandbox_pidns() - passt: put the next child in a new PID namespace
 * @c:		execution context
 *
 * Called right before the fork() that sends passt to the background: the
 * child is the first process (PID 1) of the new namespace.
 *
 * Return: true if the next child will be in a new PID namespace
 */
bool sandbox_pidns(const struct ctx *c)
{
	if (c->mode != MODE_PASST)
		return false;
	if (unshare(CLONE_NEWPID)) {
		log_debug("Sandbox: no PID namespace: %s", strerror(errno));
		return false;
	}
	signal(SIGTERM, sandbox_exit_handler);
	signal(SIGQUIT, sandbox_exit_handler);
	return true;
}

/**
 * sandbox_empty_root() - make an empty, read-only tmpfs our root directory
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int sandbox_empty_root(void)
{
	const char *dir = NULL;
	struct stat st;
	unsigned int i;

	if (mount("", "/", "", MS_REC | MS_PRIVATE, NULL)) {
		log_warn("Sandbox: can't make mounts private: %s",
			 strerror(errno));
		return -errno;
	}

	for (i = 0; i < ARRAY_SIZE(sandbox_root_dirs); i++) {
		if (!stat(sandbox_root_dirs[i], &st) && S_ISDIR(st.st_mode)) {
			dir = sandbox_root_dirs[i];
			break;
		}
	}
	if (!dir) {
		log_warn("Sandbox: no directory to mount an empty root on");
		return -ENOENT;
	}

	if (mount("", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "nr_inodes=4,size=4k,mode=0555") || chdir(dir)) {
		log_warn("Sandbox: can't mount an empty root: %s",
			 strerror(errno));
		return -errno;
	}

#ifdef SANITIZER_BUILD
	/* The leak checker reads /proc/self/maps at exit */
	if (mkdir("proc", 0555) ||
	    mount("/proc", "proc", NULL, MS_BIND | MS_REC, NULL))
		log_debug("Sandbox: no /proc for the sanitizers: %s",
			  strerror(errno));
#endif

	if (mount("", ".", "", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
		  MS_NOEXEC, NULL)) {
		log_warn("Sandbox: can't make the empty root read-only: %s",
			 strerror(errno));
		return -errno;
	}

	/* The initial ramfs (rootfs) can't be pivoted away from: where it's
	 * the root file system, chroot() into the empty root instead. The
	 * old root stays mounted, out of reach: getting back needs chroot(),
	 * mount() or a directory opened before, which the capabilities and
	 * the seccomp filter we set next leave us none of
	 */
	if (syscall(SYS_pivot_root, ".", ".")) {
		if (errno != EINVAL || chroot(".") || chdir("/")) {
			log_warn("Sandbox: can't switch to the empty root: %s",
				 strerror(errno));
			return -errno;
		}
		log_debug("Sandbox: the root is the initial ramfs, which can't "
			  "be pivoted: chroot() into the empty root");
		return 0;
	}
	if (umount2(".", MNT_DETACH) || chdir("/")) {
		log_warn("Sandbox: can't detach the old root: %s",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/**
 * sandbox_caps() - drop every capability but the one pasta keeps
 * @c:		execution context
 */
static void sandbox_caps(const struct ctx *c)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int keep = c->mode == MODE_PASTA ? CAP_SYS_ADMIN : -1;
	int cap;

	/* The bounding set first: dropping from it needs CAP_SETPCAP */
	for (cap = 0; cap < 64; cap++) {
		if (cap == keep)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break;	/* past the last capability */
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

	memset(data, 0, sizeof(data));
	if (keep >= 0) {
		data[keep / 32].effective = 1U << (keep % 32);
		data[keep / 32].permitted = 1U << (keep % 32);
	}
	if (syscall(SYS_capset, &hdr, data))
		log_warn("Sandbox: can't drop capabilities: %s",
			 strerror(errno));
}

/**
 * sandbox_isolate() - new mount, IPC and UTS namespaces, an empty root, and
 *		       no capabilities
 * @c:		execution context
 *
 * Call once everything the main loop needs is open.
 */
void sandbox_isolate(const struct ctx *c)
{
	/* The time zone file can't be read later: syslog() wants it once */
	tzset();

#ifdef SECCOMP_DISCOVER
	sandbox_discover_fd = open("/tmp/seccomp-discover.log",
				   O_WRONLY | O_APPEND | O_CLOEXEC);
	if (sandbox_discover_fd < 0)
		sandbox_discover_fd = STDERR_FILENO;
#endif

	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS))
		log_warn("Sandbox: can't detach mount, IPC and UTS "
			 "namespaces: %s", strerror(errno));
	else
		sandbox_empty_root();

	sandbox_caps(c);

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		log_warn("Sandbox: can't set no_new_privs: %s",
			 strerror(errno));
}

#ifdef SECCOMP_DISCOVER
/* A development build (make seccomp-discover): calls outside the list are
 * reported on standard error and fail with ENOSYS, instead of killing us, so
 * that one run of the test suite finds every missing annotation
 */
#include <ucontext.h>


/**
 * sandbox_sigsys() - report a system call the filter refused
 * @sig:	SIGSYS
 * @si:		its information: si_syscall
 * @uc:		context, to set the call's return value
 */
static void sandbox_sigsys(int sig, siginfo_t *si, void *uc)
{
	char buf[64];
	int n;

	(void)sig;
	n = snprintf(buf, sizeof(buf), "seccomp: would kill: %s syscall %d\n",
		     sandbox_discover_mode, si->si_syscall);
	if (write(sandbox_discover_fd, buf, (size_t)n) < 0)
		n = 0;
#if defined(__x86_64__)
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#else
	(void)uc;
#endif
}
#define SANDBOX_DEFAULT_ACTION	SECCOMP_RET_TRAP
#else
#define SANDBOX_DEFAULT_ACTION	SECCOMP_RET_KILL_PROCESS
#endif

/* Calls refused by their arguments get an errno of their own where an
 * annotation says so: a socket of another family fails as on a kernel
 * without that family, and callers (the system logger's reconnection in
 * libc, for one) carry on.
 *
 * #syscalls socket:errno=EAFNOSUPPORT
 */

/**
 * sandbox_seccomp() - install the allow-list of the current mode
 * @c:		execution context
 *
 * The filter checks the architecture, then the call number against each
 * allowed one, then the call's arguments if its annotations give checks
 * (sandbox/filter.c); anything else kills the process (SIGSYS). Exits with
 * status 1 if the filter can't be built or installed.
 */
void sandbox_seccomp(const struct ctx *c)
{
#ifdef SANITIZER_BUILD
	(void)c;
	log_debug("Sandbox: sanitizer build, no seccomp filter");
#else
	static struct sock_filter f[BPF_MAXINSNS];
	bool pasta = c->mode == MODE_PASTA;
	const struct sandbox_call *calls = seccomp_passt;
	size_t n = ARRAY_SIZE(seccomp_passt);
	struct sock_fprog prog = { .filter = f };
	int len;

	if (pasta) {
		calls = seccomp_pasta;
		n = ARRAY_SIZE(seccomp_pasta);
	} else if (c->vhost_user) {
		/* Its own list: the passt one, and what vhost-user needs */
		calls = seccomp_vu;
		n = ARRAY_SIZE(seccomp_vu);
	}

	len = sandbox_filter_build(calls, n, SANDBOX_AUDIT_ARCH,
				   SANDBOX_DEFAULT_ACTION, f, ARRAY_SIZE(f));
	if (len < 0) {
		log_err("Sandbox: can't build the seccomp filter: %s",
			strerror(-len));
		exit(EXIT_FAILURE);
	}
	prog.len = (unsigned short)len;

#ifdef SECCOMP_DISCOVER
	{
		struct sigaction sa = { .sa_sigaction = sandbox_sigsys,
					.sa_flags = SA_SIGINFO };

		sigaction(SIGSYS, &sa, NULL);
		sandbox_discover_mode = pasta ? "pasta" : "passt";
	}
#endif

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)) {
		log_err("Sandbox: can't install the seccomp filter: %s",
			strerror(errno));
		exit(EXIT_FAILURE);
	}
	log_debug("Sandbox: %zu system calls allowed, filter of %i "
		  "instructions", n, len);
#endif
}
