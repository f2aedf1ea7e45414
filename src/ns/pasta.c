// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pasta.c - pasta's namespaces: create or join them, set up the tap device
 *
 * Theory of operation: pasta's own sockets live in the namespace it was
 * started in (the "host"), while the tap device and a netlink socket must be
 * created inside the target network namespace. An unprivileged process can't
 * go back to the host's network namespace once it left it, so the process
 * itself never moves: short-lived clones sharing our memory and file table
 * (CLONE_VM | CLONE_FILES) enter the target namespace, open what we need,
 * and exit. Descriptors opened there stay bound to that namespace and are
 * usable by us afterwards.
 *
 * To be allowed into the target network namespace, we first join its user
 * namespace (setns() with CLONE_NEWUSER), which gives us every capability
 * there, as we own it, or its creator does with our user ID. With
 * --netns-only (implied by --netns without --userns) we stay in our user
 * namespace and need the capability in it already, as Podman's rootless
 * setup provides.
 *
 * Without a PID or --netns, we fork a child that creates a new user and
 * network namespace, maps our user and group IDs to root in it, and waits
 * until we've set the network up before it executes the command (by default
 * the user's shell). pasta stays in the foreground, and exits with the
 * command's exit status once it's gone.
 *
 * We quit when the namespace goes away: the spawned command exits, the
 * process given by PID exits (pidfd), or the bind-mounted namespace file is
 * deleted (inotify on its directory), unless --no-netns-quit. Quitting waits
 * (up to --exit-linger) for connections the namespace opened to deliver
 * what they still carry: see flow_exit().
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "frontend/tap.h"
#include "ns/netlink.h"
#include "ns/pasta.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/userdb.h"
#include "util/util.h"

#define NS_CALL_STACK_SIZE	(256 * 1024)

static int pasta_userns_fd = -1;
static int pasta_netns_fd = -1;
static int pasta_nl_ns = -1;		/* netlink socket in the namespace */
static unsigned int pasta_ns_ifi;	/* tap device index, namespace */
static pid_t pasta_child_pid;		/* spawned command */
static int pasta_go_fd = -1;		/* tells the child to exec */

static char pasta_inotify_name[NAME_MAX + 1];

/**
 * struct ns_call_arg - what a clone entering the namespace runs
 * @netns_fd:	target network namespace
 * @fn:		function to run there
 * @arg:	its argument
 * @rc:		its return value, or -errno if entering the namespace failed
 */
struct ns_call_arg {
	int netns_fd;
	int (*fn)(void *arg);
	void *arg;
	int rc;
};

/**
 * ns_call_trampoline() - enter the network namespace and run the function
 * @arg:	struct ns_call_arg
 *
 * Return: doesn't: the clone ends with _exit(), that is, exit_group(), as
 *	   returning would end it with exit(), one more call to allow. With
 *	   no CLONE_THREAD, its thread group is the clone alone. The sanitizer
 *	   build, which has no seccomp filter, returns instead: ASan warns
 *	   about a no-return call on a stack it doesn't know.
 */
static int ns_call_trampoline(void *arg)
{
	struct ns_call_arg *a = arg;

	if (setns(a->netns_fd, CLONE_NEWNET))
		a->rc = -errno;
	else
		a->rc = a->fn(a->arg);
#ifdef SANITIZER_BUILD
	return 0;
#else
	_exit(0);
#endif
}

/**
 * ns_call() - run a function in the target network namespace
 * @netns_fd:	namespace descriptor
 * @fn:		function, shares our memory and file descriptor table
 * @arg:	its argument
 *
 * Return: what @fn returned, or -errno if it couldn't run
 *
 * The filter allows clone() with these flags only, so no namespace can be
 * created after start-up, and setns() into network namespaces only.
 *
 * #syscalls:pasta clone:a0=CLONE_VM|CLONE_VFORK|CLONE_FILES|SIGCHLD
 * #syscalls:pasta setns:a1=CLONE_NEWNET wait4
 */
static int ns_call(int netns_fd, int (*fn)(void *arg), void *arg)
{
	static char stack[NS_CALL_STACK_SIZE] __attribute__((aligned(64)));
	struct ns_call_arg a = { netns_fd, fn, arg, -ECHILD };
	int status;
	pid_t pid;

	pid = clone(ns_call_trampoline, stack + sizeof(stack),
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &a);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return a.rc;
}

/* NS_SOCK_POOL - TCP sockets kept ready in the target namespace, per IP
 * version, for spliced connections: each socket() there costs a clone(), so
 * the timer refills a batch at a time, off the connection's path
 */
#define NS_SOCK_POOL		16

static int ns_sock_pool[2][NS_SOCK_POOL];	/* [0]: IPv4, [1]: IPv6 */
static int ns_sock_pool_count[2];
static bool ns_sock_pool_off[2];	/* socket() failed there: no retries */

/**
 * struct ns_socket_arg - sockets to create in the namespace
 * @domain:	AF_INET or AF_INET6
 * @type:	SOCK_STREAM or SOCK_DGRAM, with flags
 * @protocol:	protocol, 0 for the default
 * @fds:	where to store the descriptors
 * @count:	how many to create
 */
struct ns_socket_arg {
	int domain;
	int type;
	int protocol;
	int *fds;
	int count;
};

/**
 * ns_socket_fn() - in the namespace: create sockets
 * @arg:	struct ns_socket_arg
 *
 * Return: number of sockets created, -errno if none could be
 */
static int ns_socket_fn(void *arg)
{
	struct ns_socket_arg *a = arg;
	int i;

	for (i = 0; i < a->count; i++) {
		int s = sock_open(a->domain, a->type, a->protocol);

		if (s < 0)
			return i ? i : -errno;
		a->fds[i] = s;
	}
	return i;
}

/**
 * pasta_ns_pool_refill() - top up the pool of TCP sockets in the namespace
 *
 * Called on the timer tick, and by pasta_ns_socket() when a pool is empty.
 */
void pasta_ns_pool_refill(void)
{
	int v;

	if (pasta_netns_fd < 0)
		return;

	for (v = 0; v < 2; v++) {
		struct ns_socket_arg a = {
			.domain = v ? AF_INET6 : AF_INET,
			.type = SOCK_STREAM_NB,
			.protocol = IPPROTO_TCP,
			.fds = ns_sock_pool[v] + ns_sock_pool_count[v],
			.count = NS_SOCK_POOL - ns_sock_pool_count[v],
		};
		int n;

		if (ns_sock_pool_off[v] ||
		    ns_sock_pool_count[v] > NS_SOCK_POOL / 2)
			continue;
		n = ns_call(pasta_netns_fd, ns_socket_fn, &a);
		if (n > 0)
			ns_sock_pool_count[v] += n;
		else
			ns_sock_pool_off[v] = true;
	}
}

/**
 * pasta_ns_socket() - create a socket in the target network namespace
 * @domain:	AF_INET or AF_INET6
 * @type:	socket type and flags, as for socket(2)
 * @protocol:	protocol, as for socket(2)
 *
 * A socket belongs to the namespace it was created in for its whole life:
 * bind(), listen() and connect() on it work on that namespace from here.
 * Non-blocking TCP sockets come from a pool.
 *
 * Return: socket descriptor, or -errno on failure
 */
int pasta_ns_socket(int domain, int type, int protocol)
{
	int v = domain == AF_INET6;
	struct ns_socket_arg a = { domain, type, protocol, NULL, 1 };
	int fd = -1, rc;

	if (pasta_netns_fd < 0)
		return -ENOENT;

	if ((domain == AF_INET || domain == AF_INET6) &&
	    type == SOCK_STREAM_NB &&
	    (protocol == 0 || protocol == IPPROTO_TCP)) {
		if (!ns_sock_pool_count[v])
			pasta_ns_pool_refill();
		if (ns_sock_pool_count[v])
			return ns_sock_pool[v][--ns_sock_pool_count[v]];
	}

	a.fds = &fd;
	rc = ns_call(pasta_netns_fd, ns_socket_fn, &a);
	return rc < 0 ? rc : fd;
}

/**
 * ns_open_fn() - in the namespace: open a file read-only
 * @arg:	path; /proc/net/... there shows the namespace's view
 *
 * Return: descriptor, or -errno
 */
static int ns_open_fn(void *arg)
{
	int fd = open((const char *)arg, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/**
 * pasta_ns_open() - open a file from inside the target network namespace
 * @path:	path, such as /proc/net/tcp
 *
 * Files of /proc/net opened there keep showing that namespace's sockets.
 *
 * Return: descriptor, or -errno on failure
 */
int pasta_ns_open(const char *path)
{
	if (pasta_netns_fd < 0)
		return -ENOENT;
	return ns_call(pasta_netns_fd, ns_open_fn, (void *)path);
}

/**
 * write_file() - write a string to a file, for /proc/self/{uid,gid}_map
 * @path:	file path
 * @s:		string
 *
 * Return: 0 on success, -errno on failure
 */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(s);

	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

/**
 * pasta_child() - spawned process: new namespaces, wait, run the command
 * @c:		execution context
 * @ready_fd:	pipe to report that the namespaces exist
 * @go_fd:	pipe that returns when the network is set up
 * @uid:	our user ID, mapped to root in the new user namespace
 * @gid:	our group ID, mapped likewise
 */
static void __attribute__((noreturn))
pasta_child(const struct ctx *c, int ready_fd, int go_fd, uid_t uid,
	    gid_t gid)
{
	char buf[64], line[USERDB_LINE_MAX], *shell_argv[2];
	const char *shell;
	sigset_t none;
	char go;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
		fprintf(stderr, "Can't create user and network namespace: "
			"%s\n", strerror(errno));
		_exit(EXIT_FAILURE);
	}

	write_file("/proc/self/setgroups", "deny");
	snprintf(buf, sizeof(buf), "0 %u 1", uid);
	if (write_file("/proc/self/uid_map", buf))
		_exit(EXIT_FAILURE);
	snprintf(buf, sizeof(buf), "0 %u 1", gid);
	if (write_file("/proc/self/gid_map", buf))
		_exit(EXIT_FAILURE);

	if (write(ready_fd, "r", 1) != 1)
		_exit(EXIT_FAILURE);
	close(ready_fd);

	if (read(go_fd, &go, 1) != 1)
		_exit(EXIT_FAILURE);
	close(go_fd);

	if (c->pasta_argc) {
		execvp(c->pasta_argv[0], c->pasta_argv);
		fprintf(stderr, "Can't run %s: %s\n", c->pasta_argv[0],
			strerror(errno));
		_exit(127);
	}

	shell = getenv("SHELL");
	if (!shell || !*shell) {
		struct userdb_ent e;

		shell = !userdb_find(USERDB_PASSWD, true, NULL, uid, &e, line,
				     sizeof(line)) && *e.shell ? e.shell :
								 "/bin/sh";
	}
	shell_argv[0] = (char *)shell;
	shell_argv[1] = NULL;
	execv(shell, shell_argv);
	fprintf(stderr, "Can't run %s: %s\n", shell, strerror(errno));
	_exit(127);
}

/**
 * pasta_spawn() - fork the process that creates the namespaces
 * @c:		execution context, namespace paths filled on return
 *
 * Return: 0 on success, -errno on failure
 */
static int pasta_spawn(struct ctx *c)
{
	int ready[2], go[2];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char r;

	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
		return -errno;

	pasta_child_pid = fork();
	if (pasta_child_pid < 0)
		return -errno;
	if (!pasta_child_pid) {
		close(ready[0]);
		close(go[1]);
		pasta_child(c, ready[1], go[0], uid, gid);
	}

	close(ready[1]);
	close(go[0]);
	pasta_go_fd = go[1];

	if (read(ready[0], &r, 1) != 1) {
		close(ready[0]);
		return -ECHILD;
	}
	close(ready[0]);

	snprintf(c->userns_path, sizeof(c->userns_path), "/proc/%i/ns/user",
		 pasta_child_pid);
	snprintf(c->netns_path, sizeof(c->netns_path), "/proc/%i/ns/net",
		 pasta_child_pid);
	return 0;
}

/**
 * pasta_open_tap() - in the namespace: tap device, netlink socket, lo up
 * @arg:	execution context
 *
 * Return: 0 on success, -errno on failure
 */
static int pasta_open_tap(void *arg)
{
	struct ctx *c = arg;
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI |
				     IFF_VNET_HDR };
	int fd, rc;
	unsigned int lo;

	pasta_nl_ns = nl_open();
	if (pasta_nl_ns < 0)
		return pasta_nl_ns;

	lo = if_nametoindex("lo");
	if (lo && (rc = nl_link_up(pasta_nl_ns, lo, 0)) < 0)
		log_warn("Can't bring up lo in the namespace: %s",
			 strerror(-rc));

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	memcpy(ifr.ifr_name, c->ns_ifname, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((rc = tap_dev_offload(fd)) < 0) {
		close(fd);
		return rc;
	}

	pasta_ns_ifi = if_nametoindex(c->ns_ifname);
	if (!pasta_ns_ifi) {
		close(fd);
		return -ENODEV;
	}
	c->fd_tap = fd;
	return 0;
}

/**
 * pasta_config_family() - --config-net for one IP version
 * @c:		execution context
 * @nl:		netlink socket in our own namespace
 * @af:		AF_INET or AF_INET6
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int pasta_config_family(struct ctx *c, int nl, int af)
{
	bool v4 = af == AF_INET;
	unsigned int ifi = v4 ? c->ifi4 : c->ifi6;
	bool addr_given = v4 ? c->ip4.addr_given : c->ip6.addr_given;
	bool gw_given = v4 ? c->ip4.gw_given : c->ip6.gw_given;
	const void *addr = v4 ? (void *)&c->ip4.addr : (void *)&c->ip6.addr;
	const void *gw = v4 ? (void *)&c->ip4.gw : (void *)&c->ip6.gw;
	int prefix = v4 ? c->ip4.prefix_len : 64;
	const char *fam = v4 ? "IPv4" : "IPv6";
	bool have_gw;
	int rc;

	if (v4)
		have_gw = c->ip4.gw.s_addr != 0;
	else
		have_gw = !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw);

	if (!v4 && c->ip6.prefix_len)
		prefix = c->ip6.prefix_len;

	if (addr_given || c->no_copy_addrs || !ifi)
		rc = nl_addr_add(pasta_nl_ns, af, pasta_ns_ifi, addr, prefix);
	else
		rc = nl_addrs_copy(nl, ifi, pasta_nl_ns, pasta_ns_ifi, af);
	if (rc < 0) {
		log_err("Can't set %s address in the namespace: %s", fam,
			strerror(-rc));
		return rc;
	}

	if (gw_given || c->no_copy_routes || !ifi) {
		if (have_gw)
			rc = nl_route_add_default(pasta_nl_ns, af,
						  pasta_ns_ifi, gw);
	} else {
		rc = nl_routes_copy(nl, ifi, pasta_nl_ns, pasta_ns_ifi, af);
	}
	if (rc < 0) {
		log_err("Can't set %s routes in the namespace: %s", fam,
			strerror(-rc));
		return rc;
	}
	return 0;
}

/**
 * pasta_config_net() - set up the tap device in the namespace
 * @c:		execution context
 *
 * Always: the MAC address from --ns-mac-addr. With --config-net: MTU,
 * link up, addresses and routes.
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int pasta_config_net(struct ctx *c)
{
	int nl, rc = 0, mtu;

	if (c->ns_mac_set) {
		rc = nl_link_set_mac(pasta_nl_ns, pasta_ns_ifi, c->ns_mac);
		if (rc < 0) {
			log_err("Can't set MAC address of %s: %s",
				c->ns_ifname, strerror(-rc));
			return rc;
		}
	}

	/* Frames to the namespace go to the tap's MAC address, even before
	 * the namespace sent anything
	 */
	if (!nl_link_get(pasta_nl_ns, pasta_ns_ifi, c->seen.mac, &mtu))
		c->seen.mac_known = true;

	if (!c->config_net)
		return 0;

	rc = nl_link_up(pasta_nl_ns, pasta_ns_ifi, c->mtu);
	if (rc < 0) {
		log_err("Can't bring up %s: %s", c->ns_ifname, strerror(-rc));
		return rc;
	}

	nl = nl_open();
	if (nl < 0)
		return nl;
	if (c->ip4.enabled && (rc = pasta_config_family(c, nl, AF_INET)))
		goto out;
	if (c->ip6.enabled)
		rc = pasta_config_family(c, nl, AF_INET6);
out:
	close(nl);
	return rc;
}

/**
 * pasta_open_ns() - open the target namespaces and join the user namespace
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int pasta_open_ns(struct ctx *c)
{
	if (!c->netns_only && *c->userns_path) {
		pasta_userns_fd = open(c->userns_path, O_RDONLY | O_CLOEXEC);
		if (pasta_userns_fd < 0) {
			log_err("Can't open user namespace %s: %s",
				c->userns_path, strerror(errno));
			return -errno;
		}
	}

	pasta_netns_fd = open(c->netns_path, O_RDONLY | O_CLOEXEC);
	if (pasta_netns_fd < 0) {
		log_err("Can't open network namespace %s: %s", c->netns_path,
			strerror(errno));
		return -errno;
	}

	if (pasta_userns_fd >= 0 && setns(pasta_userns_fd, CLONE_NEWUSER)) {
		log_err("Can't join user namespace %s: %s", c->userns_path,
			strerror(errno));
		return -errno;
	}
	return 0;
}

/**
 * pasta_start() - create or join the namespaces, create the tap device
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int pasta_start(struct ctx *c)
{
	int rc;

	if (c->pasta_pid) {
		snprintf(c->netns_path, sizeof(c->netns_path),
			 "/proc/%i/ns/net", c->pasta_pid);
		if (!c->netns_only && !*c->userns_path)
			snprintf(c->userns_path, sizeof(c->userns_path),
				 "/proc/%i/ns/user", c->pasta_pid);
	} else if (!*c->netns_path) {
		rc = pasta_spawn(c);
		if (rc) {
			log_err("Can't create namespaces: %s", strerror(-rc));
			return rc;
		}
		c->foreground = true;
	}

	rc = pasta_open_ns(c);
	if (rc)
		return rc;

	rc = ns_call(pasta_netns_fd, pasta_open_tap, c);
	if (rc) {
		log_err("Can't create tap device %s in the namespace: %s",
			c->ns_ifname, strerror(-rc));
		return rc;
	}

	return pasta_config_net(c);
}

/**
 * pasta_proc_pid() - the process of a namespace path under /proc/PID/
 * @path:	namespace path
 *
 * A namespace file in /proc goes away with its process, and inotify doesn't
 * work on /proc: we watch the process instead.
 *
 * Return: PID, or 0 if @path isn't of that form
 */
static int pasta_proc_pid(const char *path)
{
	char *end;
	long pid;

	if (strncmp(path, "/proc/", 6))
		return 0;
	pid = strtol(path + 6, &end, 10);
	if (end == path + 6 || *end != '/' || pid <= 0 || pid > INT_MAX)
		return 0;
	return (int)pid;
}

/**
 * pasta_watch_ns() - arrange to quit when the namespace goes away
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure
 */
int pasta_watch_ns(struct ctx *c)
{
	if (pasta_child_pid)
		return 0;	/* SIGCHLD tells us */

	if (!c->pasta_pid && !c->no_netns_quit)
		c->pasta_pid = pasta_proc_pid(c->netns_path);

	if (c->pasta_pid) {
		int fd = (int)syscall(SYS_pidfd_open, c->pasta_pid, 0);

		if (fd < 0 && errno == ESRCH) {
			log_info("Namespace process exited, exiting");
			exit(EXIT_SUCCESS);
		}
		if (fd < 0) {
			log_warn("Can't watch process %i: %s", c->pasta_pid,
				 strerror(errno));
			return 0;
		}
		return epoll_add_ref(c->epollfd, EPOLL_TYPE_NS_PIDFD, fd,
				     EPOLLIN) ? -errno : 0;
	}

	if (!c->no_netns_quit && strncmp(c->netns_path, "/proc/", 6)) {
		char dir[PATH_MAX], base[PATH_MAX];
		int fd;

		strcpy(dir, c->netns_path);
		strcpy(base, c->netns_path);
		snprintf(pasta_inotify_name, sizeof(pasta_inotify_name), "%s",
			 basename(base));

		fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (inotify_add_watch(fd, dirname(dir), IN_DELETE) < 0) {
			log_warn("Can't watch %s: %s", dirname(dir),
				 strerror(errno));
			close(fd);
			return 0;
		}
		/* Deleted before the watch was in place: no event will come */
		if (access(c->netns_path, F_OK) && errno == ENOENT) {
			log_info("Namespace %s is gone, exiting",
				 pasta_inotify_name);
			exit(EXIT_SUCCESS);
		}
		return epoll_add_ref(c->epollfd, EPOLL_TYPE_NS_INOTIFY, fd,
				     EPOLLIN) ? -errno : 0;
	}
	return 0;
}

/**
 * pasta_release_child() - let the spawned command run: network is ready
 */
void pasta_release_child(void)
{
	if (pasta_go_fd < 0)
		return;
	if (write(pasta_go_fd, "g", 1) != 1)
		log_warn("Can't start the command: %s", strerror(errno));
	close(pasta_go_fd);
	pasta_go_fd = -1;
}

/**
 * pasta_child_exited() - on SIGCHLD: quit with the command's status if done,
 * once the namespace's connections delivered their data (see flow_exit())
 *
 * #syscalls:pasta wait4
 */
void pasta_child_exited(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != pasta_child_pid)
			continue;
		if (WIFEXITED(status))
			flow_exit(WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			flow_exit(128 + WTERMSIG(status));
	}
}

/**
 * pasta_inotify_handler() - quit if the namespace file was deleted
 * @fd:		inotify descriptor
 */
void pasta_inotify_handler(int fd)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(fd, buf, sizeof(buf));
	ssize_t off = 0;

	while (n > 0 && off + (ssize_t)sizeof(struct inotify_event) <= n) {
		struct inotify_event *ev = (struct inotify_event *)(buf + off);

		if (ev->len && !strcmp(ev->name, pasta_inotify_name)) {
			log_info("Namespace %s is gone, exiting",
				 pasta_inotify_name);
			flow_exit(EXIT_SUCCESS);
		}
		off += sizeof(*ev) + ev->len;
	}
}
