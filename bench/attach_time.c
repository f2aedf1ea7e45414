// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * attach_time - how long a tool takes to attach to an existing network
 *		 namespace and make it usable, and its memory at that moment
 *
 *   attach_time -n PID -a ADDR -d DST -p PORT -u UID [-l LOG] [-w SECONDS]
 *		 [-v] -- TOOL [ARG...]
 *
 * Run as root in HOST's network namespace. PID is a process in the target
 * namespace (NS); TOOL is started as UID (user and group, no supplementary
 * groups, no capabilities) in HOST's namespace, with its output to LOG
 * (default /dev/null), and is expected to configure NS.
 *
 * The clock starts right before fork() and stops when NS is usable, the
 * same criterion for every tool:
 *
 *   1. from NS, a UDP socket connected to DST:PORT gets ADDR as its source
 *	address (ADDR is configured, and a route to DST exists), then
 *   2. from NS, a TCP connection to DST:PORT is established, and one byte
 *	written comes back (DST:PORT is an echo server, 'tcp_rr -s').
 *
 * Step 1 is checked again on every rtnetlink notification (links,
 * addresses, routes) in NS and at least every millisecond, so that
 * polling doesn't take CPU time from the tool that is starting. Once it
 * passes, step 2 starts a connection, and another one every ATTEMPT_MS
 * while none has echoed (up to MAX_ATTEMPTS open at a time, the oldest
 * closed to make room): a tool that drops the first SYN costs ATTEMPT_MS,
 * not the kernel's one-second retransmission, and a slow but working
 * attempt (a loaded machine) is never given up for a new one.
 *
 * Then it sums VmRSS of TOOL's process and all its descendants, stops them
 * (SIGTERM, SIGKILL after one second), and prints one line:
 *
 *   ready_ms=T rss_kib=N procs=N
 *
 * With -v, it also says on stderr when step 1 passed and when each
 * connection of step 2 started.
 *
 * Exit status 1 and a message on stderr if TOOL exits before NS is usable,
 * or NS isn't usable within SECONDS (default 10), or NS was already usable
 * before TOOL started.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"

#define MAX_PROCS	64
#define ATTEMPT_MS	10	/* a new connection this often until one echoes */
#define MAX_ATTEMPTS	32	/* connections open at a time */

/* Step 1: a UDP socket connected to dst gets addr as its source */
static int routed(const struct sockaddr_storage *dst, socklen_t dl,
		  const struct sockaddr_storage *addr)
{
	struct sockaddr_storage src;
	socklen_t sl = sizeof(src);
	int s, ok = 0;

	s = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die_errno("socket");
	if (!connect(s, (const struct sockaddr *)dst, dl) &&
	    !getsockname(s, (struct sockaddr *)&src, &sl)) {
		if (dst->ss_family == AF_INET)
			ok = ((struct sockaddr_in *)&src)->sin_addr.s_addr ==
			     ((struct sockaddr_in *)addr)->sin_addr.s_addr;
		else
			ok = !memcmp(&((struct sockaddr_in6 *)&src)->sin6_addr,
				     &((struct sockaddr_in6 *)addr)->sin6_addr,
				     sizeof(struct in6_addr));
	}
	close(s);
	return ok;
}

/* Step 2: TCP connections to the echo server, overlapping */
struct attempt {
	int fd;			/* -1: free slot */
	int sent;		/* the byte went out, waiting for the echo */
	double started;
};

/* Start a non-blocking connection in slot at, closing what was there */
static void attempt_start(struct attempt *at,
			  const struct sockaddr_storage *dst, socklen_t dl)
{
	int one = 1;

	if (at->fd >= 0)
		close(at->fd);
	at->sent = 0;
	at->started = now_s();
	at->fd = socket(dst->ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (at->fd < 0)
		die_errno("socket");
	setsockopt(at->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(at->fd, (const struct sockaddr *)dst, dl) &&
	    errno != EINPROGRESS) {
		close(at->fd);
		at->fd = -1;
	}
}

/* Handle revents on attempt at: return 1 if the echo came back */
static int attempt_step(struct attempt *at, short revents)
{
	socklen_t el = sizeof(int);
	int err = 0;
	char b = 'x';

	if (!revents)
		return 0;
	if (!at->sent) {
		if (!getsockopt(at->fd, SOL_SOCKET, SO_ERROR, &err, &el) &&
		    !err && write(at->fd, &b, 1) == 1) {
			at->sent = 1;
			return 0;
		}
	} else if (read(at->fd, &b, 1) == 1) {
		return 1;
	} else if (errno == EAGAIN) {
		return 0;
	}
	close(at->fd);		/* refused, reset, or closed: a new one */
	at->fd = -1;
	return 0;
}

/* Parent process id of pid, from /proc/PID/stat, or -1 */
static int ppid_of(int pid)
{
	char path[64], buf[512], *p;
	int fd, ppid = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* comm may contain spaces */
	if (p && sscanf(p + 1, " %*c %d", &ppid) != 1)
		ppid = -1;
	return ppid;
}

/* Fill pids with root and its descendants, return how many */
static int tree(int root, int *pids)
{
	int n = 1, grew = 1;
	struct dirent *d;
	DIR *dir;

	pids[0] = root;
	while (grew && n < MAX_PROCS) {
		grew = 0;
		dir = opendir("/proc");
		if (!dir)
			die_errno("/proc");
		while ((d = readdir(dir)) && n < MAX_PROCS) {
			int pid = atoi(d->d_name), pp, i, known = 0;

			if (pid <= 0)
				continue;
			for (i = 0; i < n; i++)
				known |= pids[i] == pid;
			if (known)
				continue;
			pp = ppid_of(pid);
			for (i = 0; i < n; i++) {
				if (pids[i] == pp) {
					pids[n++] = pid;
					grew = 1;
					break;
				}
			}
		}
		closedir(dir);
	}
	return n;
}

/* VmRSS of pid, kiB, 0 if gone */
static long rss_kib(int pid)
{
	char path[64], line[256];
	long kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Stop child and its descendants: SIGTERM, then SIGKILL after 1 s */
static void stop(int child)
{
	int pids[MAX_PROCS], n = tree(child, pids), i, st;
	double t = now_s();

	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	while (waitpid(child, &st, WNOHANG) == 0 && now_s() - t < 1)
		usleep(1000);
	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	waitpid(child, &st, 0);
}

/* Child: back to HOST's namespace, drop to uid, run the tool */
static void __attribute__((noreturn)) run_tool(int host_ns, uid_t uid,
					       const char *log, char **argv)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (setns(host_ns, CLONE_NEWNET) || fd < 0 ||
	    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

int main(int argc, char **argv)
{
	const char *ns_pid = NULL, *addr = NULL, *dst = NULL;
	struct sockaddr_storage a, d;
	int port = 0, opt, host_ns, ns, nl, child, st, n, i;
	const char *log = "/dev/null";
	struct sockaddr_nl snl = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
			     RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_IFADDR |
			     RTMGRP_IPV6_ROUTE,
	};
	double limit = 10, t0, t1, routed_at = 0, last = 0;
	int verbose = 0, attempts = 0, done;
	struct attempt at[MAX_ATTEMPTS];
	int pids[MAX_PROCS];
	uid_t uid = 65534;
	char path[64];
	socklen_t dl;
	long rss = 0;

	while ((opt = getopt(argc, argv, "n:a:d:p:u:l:w:v")) != -1) {
		switch (opt) {
		case 'n': ns_pid = optarg; break;
		case 'a': addr = optarg; break;
		case 'd': dst = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'u': uid = atoi(optarg); break;
		case 'l': log = optarg; break;
		case 'w': limit = atof(optarg); break;
		case 'v': verbose = 1; break;
		default: die("usage: see the comment in attach_time.c");
		}
	}
	if (!ns_pid || !addr || !dst || !port || optind >= argc)
		die("usage: attach_time -n PID -a ADDR -d DST -p PORT -u UID "
		    "[-l LOG] [-w SECONDS] -- TOOL [ARG...]");
	sockaddr_of(addr, 0, &a);
	dl = sockaddr_of(dst, port, &d);
	if (a.ss_family != d.ss_family)
		die("ADDR and DST: not the same family");

	host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%s/ns/net", ns_pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (host_ns < 0 || ns < 0)
		die_errno("namespace");
	if (setns(ns, CLONE_NEWNET))
		die_errno("setns");
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_ROUTE);
	if (nl < 0 || bind(nl, (struct sockaddr *)&snl, sizeof(snl)))
		die_errno("netlink");
	if (routed(&d, dl, &a))
		die("namespace already configured before the tool started");

	t0 = now_s();
	child = fork();
	if (child < 0)
		die_errno("fork");
	if (!child)
		run_tool(host_ns, uid, log, argv + optind);

	for (i = 0; i < MAX_ATTEMPTS; i++)
		at[i].fd = -1;
	for (done = 0; !done; ) {
		struct pollfd pfd[MAX_ATTEMPTS + 1] = { { nl, POLLIN, 0 } };
		char buf[8192];
		double t;

		for (i = 0; i < MAX_ATTEMPTS; i++) {
			pfd[i + 1].fd = at[i].fd;
			pfd[i + 1].events = at[i].sent ? POLLIN : POLLOUT;
		}
		if (poll(pfd, MAX_ATTEMPTS + 1, 1) < 0 && errno != EINTR)
			die_errno("poll");
		if (pfd[0].revents)
			while (recv(nl, buf, sizeof(buf), 0) > 0)
				;
		if (waitpid(child, &st, WNOHANG) == child) {
			fprintf(stderr, "error: tool exited (status %d) "
				"before the namespace was usable\n",
				WIFEXITED(st) ? WEXITSTATUS(st) :
				128 + WTERMSIG(st));
			return 1;
		}
		for (i = 0; i < MAX_ATTEMPTS && !done; i++)
			if (at[i].fd >= 0)
				done = attempt_step(&at[i], pfd[i + 1].revents);
		if (done)
			break;

		t = now_s();
		if (!routed_at && routed(&d, dl, &a)) {
			routed_at = t;
			if (verbose)
				fprintf(stderr, "routed at %.3f ms\n",
					(t - t0) * 1e3);
		}
		if (routed_at && t - last >= ATTEMPT_MS / 1e3) {
			struct attempt *slot = &at[0];

			for (i = 0; i < MAX_ATTEMPTS; i++) {
				if (at[i].fd < 0) {
					slot = &at[i];
					break;
				}
				if (at[i].started < slot->started)
					slot = &at[i];
			}
			if (verbose)
				fprintf(stderr, "attempt %d at %.3f ms\n",
					++attempts, (t - t0) * 1e3);
			attempt_start(slot, &d, dl);
			last = t;
		}
		if (t - t0 > limit) {
			stop(child);
			fprintf(stderr, "error: namespace not usable within "
				"%.0f s\n", limit);
			return 1;
		}
	}
	t1 = now_s();

	n = tree(child, pids);
	for (i = 0; i < n; i++)
		rss += rss_kib(pids[i]);
	stop(child);
	printf("ready_ms=%.3f rss_kib=%ld procs=%d\n", (t1 - t0) * 1e3, rss,
	       n);
	return 0;
}
