// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl.c - the control socket (-c, --conf-path): accept, read, reply
 *
 * Theory of operation
 * -------------------
 *
 * With -c PATH, a UNIX stream socket listens at PATH, created at start-up
 * before the sandbox (the sandbox later hides the file system: the socket
 * stays reachable through its path from outside). It has mode 0600, and
 * every client's credentials (SO_PEERCRED) must show our own user: others
 * are refused and logged. A live listener already at PATH is an error at
 * start, a stale socket file is replaced, anything else at PATH is left
 * alone and is an error.
 *
 * Clients are served one at a time, to completion, by the main loop and
 * never by blocking it: while one is served, the listening socket is out of
 * the epoll set and further clients wait in its backlog. A client has
 * CTL_TIMEOUT_MS to send a complete request (msg.c) and, while we write the
 * reply, to take each part of it: a client that sends nothing, sends
 * garbage or stops reading is dropped, after at most that long. Reads are
 * bounded by CTL_REQ_MAX, writes go through a fixed buffer refilled by the
 * handlers (handlers.c) as the client takes it, so that the reply to a
 * listing of every flow needs no more memory than a short one.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "conf/ctx.h"
#include "ctl/ctl.h"
#include "ctl/ctl_int.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"

static struct ctl_client ctl_client = { .fd = -1 };
static int ctl_fd = -1;		/* listening socket */
static int ctl_self_fd = -1;	/* socketpair end: our own credentials */
static bool ctl_paused;		/* out of descriptors: not accepting */

/**
 * ctl_peer_uid() - user of the process at the other end of a socket
 * @s:		connected UNIX socket
 * @uid:	set to the peer's user id, as our user namespace sees it
 *
 * Return: 0 on success, -1 on failure
 */
static int ctl_peer_uid(int s, uid_t *uid)
{
	struct ucred cr;
	socklen_t sl = sizeof(cr);

	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &sl) ||
	    sl != sizeof(cr))
		return -1;
	*uid = cr.uid;
	return 0;
}

/**
 * ctl_path_check() - make room for the socket at a path
 * @path:	path of the control socket
 *
 * Return: 0 if the path is free (or was a stale socket, now removed),
 *	   -errno with the reason logged otherwise
 */
static int ctl_path_check(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int s, rc;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		log_err("Control socket %s: %s", path, strerror(errno));
		return rc;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("Control socket %s: exists and is not a socket", path);
		return -EEXIST;
	}

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memcpy(sa.sun_path, path, strlen(path));
	if (!connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		close(s);
		log_err("Control socket %s is in use by a running process",
			path);
		return -EADDRINUSE;
	}
	rc = errno;
	close(s);
	if (rc != ECONNREFUSED) {
		log_err("Control socket %s: %s", path, strerror(rc));
		return -rc;
	}
	if (unlink(path) && errno != ENOENT) {
		rc = -errno;
		log_err("Can't remove stale control socket %s: %s", path,
			strerror(errno));
		return rc;
	}
	log_info("Replacing stale control socket %s", path);
	return 0;
}

/**
 * ctl_init() - listen on the control socket, if -c was given
 * @c:		execution context, with the epoll set
 *
 * Return: 0 on success or without -c, -errno on failure (logged)
 */
int ctl_init(struct ctx *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int pair[2], rc;
	mode_t mask;

	if (!*c->ctl_path)
		return 0;
	if (strlen(c->ctl_path) >= sizeof(sa.sun_path)) {
		log_err("Control socket path too long: %s", c->ctl_path);
		return -ENAMETOOLONG;
	}
	if ((rc = ctl_path_check(c->ctl_path)))
		return rc;

	/* Our own credentials, translated as a client's will be: the
	 * sandbox may move us to another user namespace
	 */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair)) {
		rc = -errno;
		log_perror("Control socket: socketpair");
		return rc;
	}
	close(pair[1]);
	ctl_self_fd = pair[0];

	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (ctl_fd < 0) {
		rc = -errno;
		log_perror("Control socket");
		return rc;
	}
	memcpy(sa.sun_path, c->ctl_path, strlen(c->ctl_path));
	mask = umask(0177);		/* mode 0600 from the start */
	rc = bind(ctl_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (rc || listen(ctl_fd, CTL_BACKLOG)) {
		rc = -errno;
		log_err("Can't listen on control socket %s: %s", c->ctl_path,
			strerror(errno));
		close(ctl_fd);
		ctl_fd = -1;
		return rc;
	}
	if (epoll_add_ref(c->epollfd, EPOLL_TYPE_CTL_LISTEN, ctl_fd,
			  EPOLLIN)) {
		rc = -errno;
		log_perror("Control socket: epoll_ctl");
		return rc;
	}
	ctl_handlers_init(c);
	log_info("Control socket: %s", c->ctl_path);
	return 0;
}

/**
 * ctl_listen_set() - watch the listening socket, or stop watching it
 * @c:		execution context
 * @on:		watch it
 */
static void ctl_listen_set(const struct ctx *c, bool on)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_CTL_LISTEN, .fd = ctl_fd };
	struct epoll_event ev = { .events = on ? EPOLLIN : 0,
				  .data.u64 = ref.u64 };

	epoll_ctl(c->epollfd, EPOLL_CTL_MOD, ctl_fd, &ev);
}

/**
 * ctl_client_close() - drop the client, take the next one
 * @c:		execution context
 */
static void ctl_client_close(const struct ctx *c)
{
	struct ctl_client *cl = &ctl_client;

	if (cl->fd < 0)
		return;
	epoll_ctl(c->epollfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	cl->fd = -1;
	ctl_listen_set(c, true);
}

/**
 * ctl_listen_handler() - accept a client, if it's our user
 * @c:		execution context
 *
 * #syscalls accept4 getsockopt
 */
void ctl_listen_handler(struct ctx *c)
{
	struct ctl_client *cl = &ctl_client;
	uid_t uid = (uid_t)-1, self = 0;
	int s;

	if (cl->fd >= 0)
		return;		/* one at a time */

	s = accept4(ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0) {
		/* Out of descriptors: the listener would stay readable, try
		 * again on the next tick instead of spinning
		 */
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			ctl_listen_set(c, false);
			ctl_paused = true;
		}
		return;
	}

	if (ctl_peer_uid(s, &uid) || ctl_peer_uid(ctl_self_fd, &self) ||
	    uid != self) {
		log_warn("Control socket: refused a client of user %u",
			 (unsigned int)uid);
		close(s);
		return;
	}

	memset(cl, 0, offsetof(struct ctl_client, in));
	cl->fd = s;
	cl->deadline = now_ms() + CTL_TIMEOUT_MS;
	if (epoll_add_ref(c->epollfd, EPOLL_TYPE_CTL, s, EPOLLIN | EPOLLRDHUP)) {
		close(s);
		cl->fd = -1;
		return;
	}
	ctl_listen_set(c, false);
}

/**
 * ctl_client_write() - send what's buffered, refilling from the handler
 * @c:		execution context
 *
 * #syscalls sendto
 */
static void ctl_client_write(struct ctx *c)
{
	struct ctl_client *cl = &ctl_client;

	for (;;) {
		ssize_t n;

		if (cl->out_off == cl->out_len) {
			cl->out_off = cl->out_len = 0;
			if (cl->done) {
				ctl_client_close(c);
				return;
			}
			ctl_reply_fill(c, cl);
			continue;
		}
		n = send(cl->fd, cl->out + cl->out_off,
			 cl->out_len - cl->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			ctl_client_close(c);
			return;
		}
		cl->out_off += (size_t)n;
		cl->deadline = now_ms() + CTL_TIMEOUT_MS;
	}
}

/**
 * ctl_client_reply() - the request is complete, or bad: start the reply
 * @c:		execution context
 */
static void ctl_client_reply(struct ctx *c)
{
	struct ctl_client *cl = &ctl_client;
	union epoll_ref ref = { .type = EPOLL_TYPE_CTL, .fd = cl->fd };
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = ref.u64 };

	cl->replying = true;
	shutdown(cl->fd, SHUT_RD);
	epoll_ctl(c->epollfd, EPOLL_CTL_MOD, cl->fd, &ev);
	ctl_client_write(c);
}

/**
 * ctl_client_handler() - events on the client's socket
 * @c:		execution context
 * @ref:	epoll reference
 * @events:	epoll events
 *
 * #syscalls read shutdown
 */
void ctl_client_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	struct ctl_client *cl = &ctl_client;
	char err[CTL_ERR_MAX];
	ssize_t n;
	int rc;

	if (ref.fd != cl->fd)
		return;		/* stale */

	if (cl->replying) {
		if (events & (EPOLLERR | EPOLLHUP))
			ctl_client_close(c);
		else
			ctl_client_write(c);
		return;
	}

	n = read(cl->fd, cl->in + cl->in_len, CTL_REQ_MAX - cl->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		ctl_client_close(c);	/* gone before a whole request */
		return;
	}
	cl->in_len += (size_t)n;
	cl->deadline = now_ms() + CTL_TIMEOUT_MS;

	rc = ctl_req_parse(cl->in, cl->in_len, &cl->req, err, sizeof(err));
	if (rc == -EAGAIN)
		return;
	if (rc) {
		log_debug("Control socket: bad request: %s", err);
		ctl_reply_error(cl, "%s", err);
	} else {
		ctl_request_run(c, cl);
	}
	ctl_client_reply(c);
}

/**
 * ctl_timer() - drop a client that stopped making progress
 * @c:		execution context
 * @now:	current time, ms
 */
void ctl_timer(struct ctx *c, uint64_t now)
{
	struct ctl_client *cl = &ctl_client;

	if (ctl_paused && cl->fd < 0) {
		ctl_paused = false;
		ctl_listen_set(c, true);
	}
	if (cl->fd < 0 || now < cl->deadline)
		return;
	log_info("Control socket: client timed out, dropped");
	ctl_client_close(c);
}
