// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - start-up of passt and pasta
 *
 * Theory of operation: one binary, two modes, chosen by the name it's run
 * as (pasta is a link to passt). Start-up parses the command line, completes
 * the configuration from the host, opens everything we'll ever need (log,
 * capture and PID files, the UNIX socket or the tap device), then forks to
 * background unless told not to, and runs the single epoll loop of loop.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "conf/conf.h"
#include "conf/ctx.h"
#include "ctl/ctl.h"
#include "frontend/pcap.h"
#include "flow/flow.h"
#include "flow/listen.h"
#include "flow/autofwd.h"
#include "flow/tcp.h"
#include "flow/udp.h"
#include "frontend/tap.h"
#include "loop.h"
#include "ns/pasta.h"
#include "util/epoll_ref.h"
#include "util/file.h"
#include "policy/fwd.h"
#include "sandbox/sandbox.h"
#include "util/log.h"
#include "util/util.h"

static struct ctx ctx;

/**
 * write_pid_file() - write a PID to the PID file, if one was requested
 * @fd:		open PID file, or -1
 * @pid:	PID to write
 */
static void write_pid_file(int fd, pid_t pid)
{
	char buf[32];
	int n;

	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%i\n", pid);
	if (write(fd, buf, n) != n)
		log_warn("Can't write PID file: %s", strerror(errno));
	close(fd);
}

/**
 * daemonise() - fork to background, the parent writes the PID file and exits
 * @c:		execution context
 * @pid_fd:	open PID file, or -1
 */
static void daemonise(const struct ctx *c, int pid_fd)
{
	pid_t pid;
	int null;

	/* passt: the background process starts a PID namespace */
	sandbox_pidns(c);
	pid = fork();

	if (pid < 0) {
		log_perror("fork");
		exit(EXIT_FAILURE);
	}
	if (pid) {
		write_pid_file(pid_fd, pid);
		_exit(EXIT_SUCCESS);
	}
	if (pid_fd >= 0)
		close(pid_fd);

	setsid();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	log_stderr_closed();
}

/**
 * raise_fd_limit() - raise the soft limit on open files to the hard one
 *
 * Every TCP connection and forwarded port takes a descriptor.
 */
static void raise_fd_limit(void)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim))
		return;
	lim.rlim_cur = lim.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &lim))
		log_debug("Can't raise the limit of open files: %s",
			  strerror(errno));
}

/**
 * flow_limit_from_fds() - size the flow table to what descriptors can hold
 *
 * Each flow takes a descriptor at least: with a limit on open files below
 * FLOW_MAX plus the forwarded ports plus FLOW_FD_SPARE, the table is used up
 * to what's left, so that the shares of each kind of flow (see flow.c) are
 * shares of what can really be opened.
 */
static void flow_limit_from_fds(void)
{
	struct rlimit lim;
	rlim_t fixed = listen_count() + FLOW_FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &lim) || lim.rlim_cur == RLIM_INFINITY ||
	    lim.rlim_cur >= fixed + FLOW_MAX)
		return;
	flow_set_limit(lim.rlim_cur > fixed ? (unsigned int)(lim.rlim_cur -
							     fixed) : 0);
	log_info("Open files limited to %llu: at most %u flows",
		 (unsigned long long)lim.rlim_cur, flow_get_stats()->limit);
}

/**
 * signals_init() - route SIGCHLD through a signalfd in the epoll set
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure
 */
static int signals_init(struct ctx *c)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
#ifdef SECCOMP_SELFTEST
	sigaddset(&set, SIGUSR2);
#endif
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (epoll_add_ref(c->epollfd, EPOLL_TYPE_SIGNAL, fd, EPOLLIN))
		return -errno;
	return 0;
}

/**
 * stats_at_exit() - log host isolation and egress counters as we exit
 */
static void stats_at_exit(void)
{
	const struct fwd_isolation_stats *is = fwd_isolation_get_stats();
	const struct fwd_egress_stats *es = fwd_egress_get_stats();

	fwd_isolation_stats_log(&ctx, is->refused_tcp + is->refused_udp +
				      is->refused_icmp ? LOG_WARNING :
							 LOG_INFO);
	fwd_egress_stats_log(&ctx, es->refused_tcp + es->refused_udp +
				   es->refused_icmp ? LOG_WARNING : LOG_INFO);
}

/**
 * logging_init() - set up log sinks and verbosity from the command line
 * @c:		execution context
 */
static void logging_init(const struct ctx *c)
{
	if (c->trace)
		log_set_level(LOG_TRACE);
	else if (c->debug)
		log_set_level(LOG_DEBUG);
	else if (c->quiet)
		log_set_level(LOG_WARNING);
	else
		log_set_level(LOG_INFO);

	if (*c->log_file) {
		int rc = log_open_file(c->log_file, c->log_size);

		if (rc) {
			fprintf(stderr, "Can't open log file %s: %s\n",
				c->log_file, strerror(-rc));
			exit(EXIT_FAILURE);
		}
		return;
	}

	/* Debug output goes to standard error only, not to the system log */
	log_to_syslog(!c->debug);
	log_to_stderr(true);
}

/**
 * stdio_detach() - no terminal after start-up: standard streams to /dev/null
 * @c:		execution context
 *
 * In the foreground, the standard streams may be the user's terminal, and a
 * process that holds a terminal can type into it (TIOCSTI) for the shell to
 * run. Standard input and output go to /dev/null, and so does standard
 * error, unless the log goes there: then it stays, and the seccomp filter
 * allows no ioctl() on it anyway. A descriptor given with --fd stays.
 */
static void stdio_detach(const struct ctx *c)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), fd;

	if (null < 0) {
		log_warn("Can't open /dev/null: %s", strerror(errno));
		return;
	}
	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fd == null || fd == c->fd_given ||
		    (fd == STDERR_FILENO && log_stderr_active()))
			continue;
		dup2(null, fd);
	}
	if (null > STDERR_FILENO)
		close(null);
}

/**
 * close_inherited_fds() - close descriptors inherited from the parent
 * @argc:	argument count
 * @argv:	arguments, of which only -F/--fd is looked at here
 *
 * libvirt (9.0) starts us with its PID file open and locked, and any
 * launcher may leak more: a sandboxed process has no business keeping them
 * for its whole life, least of all a writable PID file, whose content
 * libvirt later takes as the process to kill, and pasta would pass them on
 * to the command it spawns. Everything but the standard streams and the
 * descriptor of --fd (passt only) goes, before we open anything. A kernel
 * without close_range() (before 5.9) leaves them open.
 */
static void close_inherited_fds(int argc, char **argv)
{
	static const struct option fd_opt[] = {
		{ "fd",	required_argument,	NULL,	'F' },
		{ 0 },
	};
	int opterr_saved = opterr, opt;
	long keep = -1;

	/* Options in any order ("-"), no complaints (":", opterr): the real
	 * parsing, in conf_parse(), reports what's wrong
	 */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "-:F:", fd_opt, NULL)) != -1) {
		char *end;

		if (opt != 'F')
			continue;
		errno = 0;
		keep = strtol(optarg, &end, 10);
		if (errno || end == optarg || *end || keep > INT_MAX)
			keep = -1;
	}
	opterr = opterr_saved;
	optind = 0;		/* conf_parse() starts over, from scratch */

	if (keep <= STDERR_FILENO) {
		close_range(STDERR_FILENO + 1, ~0U, 0);
		return;
	}
	if (keep > STDERR_FILENO + 1)
		close_range(STDERR_FILENO + 1, keep - 1, 0);
	close_range(keep + 1, ~0U, 0);
}

/**
 * main() - entry point for both passt and pasta
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0 once done, 1 on failure, or the spawned command's status (pasta)
 */
int main(int argc, char **argv)
{
	struct ctx *c = &ctx;
	char name_buf[PATH_MAX];
	const char *name;
	int pid_fd = -1;

	snprintf(name_buf, sizeof(name_buf), "%s", argv[0]);
	name = basename(name_buf);
	c->mode = strncmp(name, "pasta", 5) ? MODE_PASST : MODE_PASTA;
	log_set_name(c->mode == MODE_PASTA ? "pasta" : "passt");
	close_inherited_fds(argc, argv);

	/* A client going away must not kill us: writes fail with EPIPE */
	signal(SIGPIPE, SIG_IGN);

	conf_parse(c, argc, argv);
	logging_init(c);

	/* passt: listen first. libvirt starts qemu right after us, and
	 * qemu 7.2 tries to connect once: everything slower comes after
	 */
	if (c->mode == MODE_PASST && tap_sock_init(c))
		exit(EXIT_FAILURE);

	conf_derive(c);
	fwd_egress_init(c);
	if (fwd_isolation_init(c))
		exit(EXIT_FAILURE);

	if (*c->pcap_file) {
		int rc = pcap_open(c->pcap_file);

		if (rc) {
			log_err("Can't open capture file %s: %s",
				c->pcap_file, strerror(-rc));
			exit(EXIT_FAILURE);
		}
		log_info("Saving packet capture to %s", c->pcap_file);
	}

	if (*c->pid_file) {
		pid_fd = file_open_output(c->pid_file, false, 0644);
		if (pid_fd < 0) {
			log_err("Can't open PID file %s: %s", c->pid_file,
				strerror(-pid_fd));
			exit(EXIT_FAILURE);
		}
	}

	/* Root (or --runas) becomes another user before anything else */
	sandbox_runas(c);

	raise_fd_limit();

	c->epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epollfd < 0) {
		log_perror("epoll_create1");
		exit(EXIT_FAILURE);
	}

	/* The control socket, as our user, before the sandbox hides paths */
	if (ctl_init(c))
		exit(EXIT_FAILURE);

	if (c->mode == MODE_PASTA) {
		/* Watch the namespace as soon as we're in it: it may go away
		 * while we set up the rest
		 */
		if (pasta_start(c))
			exit(EXIT_FAILURE);
		if (pasta_watch_ns(c)) {
			log_perror("Can't watch the namespace");
			exit(EXIT_FAILURE);
		}
	}

	if (flow_init()) {
		log_err("Can't initialise the flow table");
		exit(EXIT_FAILURE);
	}
	if (!c->no_tcp && listen_init(c, &c->tcp_in, IPPROTO_TCP))
		exit(EXIT_FAILURE);
	if (!c->no_udp && listen_init(c, &c->udp_in, IPPROTO_UDP))
		exit(EXIT_FAILURE);
	if (c->mode == MODE_PASTA && !c->no_tcp &&
	    listen_init(c, &c->tcp_out, IPPROTO_TCP))
		exit(EXIT_FAILURE);
	if (c->mode == MODE_PASTA && !c->no_udp &&
	    listen_init(c, &c->udp_out, IPPROTO_UDP))
		exit(EXIT_FAILURE);
	if (autofwd_init(c))
		exit(EXIT_FAILURE);
	flow_limit_from_fds();
	if (c->mode == MODE_PASTA)
		pasta_ns_pool_refill();

	/* passt: a user namespace of its own, for the sandbox */
	sandbox_userns(c);

	conf_print(c);

	if (!c->foreground)
		daemonise(c, pid_fd);
	else
		write_pid_file(pid_fd, getpid());

	c->flows_on = true;

	flow_exit_linger_set(c->exit_linger_ms);

	if (tap_register(c) || signals_init(c) || tcp_init(c)) {
		log_perror("Can't set up event loop");
		exit(EXIT_FAILURE);
	}

	if (c->mode == MODE_PASTA)
		pasta_release_child();

	/* Logs nothing for policies that are off, and the egress policy
	 * can be set through the control socket later
	 */
	atexit(stats_at_exit);

	stdio_detach(c);
	sandbox_isolate(c);
	sandbox_seccomp(c);

	loop_run(c);
}
