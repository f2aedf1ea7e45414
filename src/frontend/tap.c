// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tap.c - frames in and out: qemu's stream socket (passt), tap device (pasta)
 *
 * Theory of operation: this module knows framing, not IP.
 *
 * passt: qemu connects to a UNIX stream socket (-netdev stream) and each
 * Ethernet frame travels behind a 4-byte, big-endian length. We read as much
 * as the socket has into one static buffer, walk the complete frames in it,
 * and keep a trailing partial frame for the next read by moving it to the
 * start of the buffer. A length that can't be an Ethernet frame means we lost
 * the framing: there's no way to find the next frame boundary again, so the
 * client is disconnected. Only one client is served at a time: further
 * connections are accepted and closed at once. Once the client goes away,
 * the next one may connect, unless --one-off was given.
 *
 * pasta: the tap device returns one frame per read() and takes one frame per
 * write(). Reads are batched per wake-up, up to a bound, so a busy guest
 * can't starve the rest of the loop.
 *
 * Output: tap_send_frames() takes many frames at once. On the stream, they
 * go out in a single sendmsg() with the length headers interleaved. A frame
 * the kernel took only in part must be completed, or the stream would lose
 * its framing: the remainder is written blocking, with a bounded wait, and a
 * client that won't take it within that time is disconnected. Frames not
 * taken at all are dropped and counted, as a full link would drop them.
 *
 * Every frame in either direction is passed to the pcap hook.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "conf/ctx.h"
#include "flow/tcp.h"
#include "frontend/pcap.h"
#include "frontend/tap.h"
#include "svc/dispatch.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"

#define SOCK_PATH_FMT		"/tmp/passt_%i.socket"
#define SOCK_PATH_PROBE_MAX	64

#define STREAM_HDR_LEN		4
#define STREAM_BUF_SIZE		(1 << 20)
#define TAP_READ_BATCH		64	/* frames per wake-up, tap device */
#define SEND_BATCH		256	/* frames per sendmsg() */
#define REMAINDER_TIMEOUT_MS	1000

#define ETH_HDR_LEN		14

/* Receive buffer: room for a full buffer of frames plus one partial one */
static uint8_t stream_buf[STREAM_BUF_SIZE + FRAME_MAX + STREAM_HDR_LEN];
static size_t stream_have;

static uint8_t reply_buf[FRAME_MAX];

/**
 * tap_sock_try() - try to bind a listening UNIX socket at a path
 * @path:	socket path
 * @probe:	true if the path is one of the default ones we probe
 *
 * An existing socket file with nobody listening is stale: remove it and take
 * the path. One with a listener belongs to another instance.
 *
 * Return: listening socket, -EADDRINUSE if taken, other -errno on failure
 */
static int tap_sock_try(const char *path, bool probe)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;

	if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -EADDRINUSE;
	}
	if (errno == ECONNREFUSED) {
		unlink(path);
	} else if (errno != ENOENT) {
		rc = -errno;
		close(fd);
		/* Not a socket we could ever use: skip it when probing */
		return probe ? -EADDRINUSE : rc;
	}
	close(fd);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 0)) {
		rc = -errno;
		close(fd);
		return rc == -EADDRINUSE && !probe ? -EADDRINUSE : rc;
	}
	return fd;
}

/**
 * tap_sock_init() - set up the passt side: listening socket, or a given one
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int tap_sock_init(struct ctx *c)
{
	int fd, i;

	if (c->fd_given >= 0) {
		int flags = fcntl(c->fd_given, F_GETFL);

		if (flags < 0 ||
		    fcntl(c->fd_given, F_SETFL, flags | O_NONBLOCK) < 0)
			return -errno;
		c->fd_tap = c->fd_given;
		return 0;
	}

	if (*c->sock_path) {
		fd = tap_sock_try(c->sock_path, false);
		if (fd < 0) {
			log_err("Can't bind UNIX socket at %s: %s",
				c->sock_path, strerror(-fd));
			return fd;
		}
	} else {
		for (i = 1, fd = -EADDRINUSE; i <= SOCK_PATH_PROBE_MAX; i++) {
			snprintf(c->sock_path, sizeof(c->sock_path),
				 SOCK_PATH_FMT, i);
			fd = tap_sock_try(c->sock_path, true);
			if (fd != -EADDRINUSE)
				break;
		}
		if (fd < 0) {
			log_err("No free UNIX socket path from "
				SOCK_PATH_FMT " to " SOCK_PATH_FMT ": %s", 1,
				SOCK_PATH_PROBE_MAX, strerror(-fd));
			return fd;
		}
	}

	c->fd_tap_listen = fd;
	log_info("UNIX domain socket bound at %s", c->sock_path);
	log_info("Connect qemu (7.2 or later) with:");
	log_info("    -netdev stream,id=net0,server=off,addr.type=unix,"
		 "addr.path=%s -device virtio-net-pci,netdev=net0",
		 c->sock_path);
	return 0;
}

/**
 * tap_register() - add the frontend descriptors to the epoll set
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure
 */
int tap_register(struct ctx *c)
{
	if (c->fd_tap_listen >= 0 &&
	    epoll_add_ref(c->epollfd, EPOLL_TYPE_TAP_LISTEN,
			  c->fd_tap_listen, EPOLLIN))
		return -errno;

	if (c->fd_tap >= 0 &&
	    epoll_add_ref(c->epollfd, c->mode == MODE_PASST ?
			  EPOLL_TYPE_TAP_STREAM : EPOLL_TYPE_TAP_DEV,
			  c->fd_tap, EPOLLIN | EPOLLRDHUP))
		return -errno;

	return 0;
}

/**
 * tap_client_gone() - the qemu client disconnected or broke the framing
 * @c:		execution context
 */
static void tap_client_gone(struct ctx *c)
{
	epoll_ctl(c->epollfd, EPOLL_CTL_DEL, c->fd_tap, NULL);
	close(c->fd_tap);
	c->fd_tap = -1;
	stream_have = 0;
	memset(&c->seen, 0, sizeof(c->seen));

	if (c->one_off) {
		log_info("Client closed connection, exiting");
		exit(EXIT_SUCCESS);
	}
	log_info("Client closed connection, waiting for the next one");
}

/**
 * tap_listen_handler() - accept a qemu connection, or refuse a second one
 * @c:		execution context
 */
void tap_listen_handler(struct ctx *c)
{
	int fd = accept4(c->fd_tap_listen, NULL, NULL,
			 SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;

	if (c->fd_tap >= 0) {
		log_info("Refusing a second client: one is connected");
		close(fd);
		return;
	}

	c->fd_tap = fd;
	stream_have = 0;
	if (epoll_add_ref(c->epollfd, EPOLL_TYPE_TAP_STREAM, fd,
			  EPOLLIN | EPOLLRDHUP)) {
		log_perror("epoll_ctl");
		close(fd);
		c->fd_tap = -1;
		return;
	}
	log_info("Client connected");
}

/**
 * tap_write_remainder() - finish writing a partly sent frame on the stream
 * @fd:		stream socket
 * @iov:	vector of what's left to send, modified
 * @iovcnt:	elements in @iov
 *
 * Return: 0 once all of it is written, -1 if the client doesn't take it in
 *	   time or the socket fails
 */
static int tap_write_remainder(int fd, struct iovec *iov, int iovcnt)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int i = 0;

	while (i < iovcnt) {
		struct msghdr mh = { .msg_iov = iov + i,
				     .msg_iovlen = iovcnt - i };
		ssize_t n;

		if (!iov[i].iov_len) {
			i++;
			continue;
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (poll(&pfd, 1, REMAINDER_TIMEOUT_MS) <= 0)
				return -1;
			continue;
		}
		while (n && i < iovcnt) {
			size_t take = MIN((size_t)n, iov[i].iov_len);

			iov[i].iov_base = (char *)iov[i].iov_base + take;
			iov[i].iov_len -= take;
			n -= take;
			if (!iov[i].iov_len)
				i++;
		}
	}
	return 0;
}

/**
 * tap_send_stream() - send frames on the qemu stream socket, one sendmsg()
 * @c:		execution context
 * @frames:	one element per frame
 * @n:		number of frames, at most SEND_BATCH
 *
 * Return: number of frames sent whole
 */
static size_t tap_send_stream(struct ctx *c, const struct iovec *frames,
			      size_t n)
{
	static uint32_t hdr[SEND_BATCH];
	static struct iovec iov[SEND_BATCH * 2];
	struct msghdr mh = { .msg_iov = iov };
	size_t i, done;
	ssize_t sent;

	for (i = 0; i < n; i++) {
		hdr[i] = htonl((uint32_t)frames[i].iov_len);
		iov[i * 2].iov_base = &hdr[i];
		iov[i * 2].iov_len = STREAM_HDR_LEN;
		iov[i * 2 + 1] = frames[i];
	}
	mh.msg_iovlen = n * 2;

	sent = sendmsg(c->fd_tap, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sent < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_debug("Stream write failed: %s", strerror(errno));
		return 0;
	}

	/* Find how many frames went out whole, and complete a partial one */
	for (i = 0, done = 0; i < n * 2; i++) {
		if ((size_t)sent < iov[i].iov_len) {
			iov[i].iov_base = (char *)iov[i].iov_base + sent;
			iov[i].iov_len -= sent;
			if (sent || (i & 1)) {
				int end = (i & 1) ? i + 1 : i + 2;

				if (tap_write_remainder(c->fd_tap, iov + i,
							end - i)) {
					log_err("Client doesn't read: "
						"disconnecting");
					tap_client_gone(c);
					return done;
				}
				done++;
			}
			break;
		}
		sent -= iov[i].iov_len;
		if (i & 1)
			done++;
	}
	return done;
}

/**
 * tap_send_frames() - send frames to the guest
 * @c:		execution context
 * @frames:	one element per frame, each a complete Ethernet frame
 * @n:		number of frames
 *
 * Return: number of frames sent; the others are dropped and counted
 */
size_t tap_send_frames(struct ctx *c, const struct iovec *frames, size_t n)
{
	size_t sent = 0, i;

	if (c->fd_tap < 0) {
		c->stats.frames_dropped_out += n;
		return 0;
	}

	if (c->mode == MODE_PASST) {
		while (sent < n && c->fd_tap >= 0) {
			size_t batch = MIN(n - sent, (size_t)SEND_BATCH);
			size_t k = tap_send_stream(c, frames + sent, batch);

			for (i = 0; i < k; i++)
				pcap_frame(frames[sent + i].iov_base,
					   frames[sent + i].iov_len);
			sent += k;
			if (k < batch)
				break;
		}
	} else {
		for (; sent < n; sent++) {
			if (write(c->fd_tap, frames[sent].iov_base,
				  frames[sent].iov_len) < 0)
				break;
			pcap_frame(frames[sent].iov_base,
				   frames[sent].iov_len);
		}
	}

	c->stats.frames_out += sent;
	c->stats.frames_dropped_out += n - sent;
	return sent;
}

/**
 * tap_send() - send one frame to the guest
 * @c:		execution context
 * @frame:	Ethernet frame
 * @len:	its length
 *
 * Return: 1 if sent, 0 if dropped
 */
size_t tap_send(struct ctx *c, const uint8_t *frame, size_t len)
{
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = len };

	return tap_send_frames(c, &iov, 1);
}

/**
 * tap_handle_frame() - pass one frame from the guest on, send any reply
 * @c:		execution context
 * @frame:	Ethernet frame
 * @len:	its length
 */
static void tap_handle_frame(struct ctx *c, const uint8_t *frame, size_t len)
{
	size_t reply_len;

	pcap_frame(frame, len);
	reply_len = dispatch_frame(c, frame, len, reply_buf,
				   sizeof(reply_buf));
	if (reply_len)
		tap_send(c, reply_buf, reply_len);
}

/**
 * tap_stream_handler() - read frames from the qemu stream socket
 * @c:		execution context
 * @events:	epoll events
 */
void tap_stream_handler(struct ctx *c, uint32_t events)
{
	bool gone = events & (EPOLLHUP | EPOLLERR);
	size_t off = 0;
	ssize_t n;

	n = recv(c->fd_tap, stream_buf + stream_have,
		 STREAM_BUF_SIZE + FRAME_MAX + STREAM_HDR_LEN - stream_have,
		 MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		       errno != EINTR)) {
		tap_client_gone(c);
		return;
	}
	if (n > 0)
		stream_have += n;

	while (stream_have - off >= STREAM_HDR_LEN) {
		uint32_t len;

		memcpy(&len, stream_buf + off, sizeof(len));
		len = ntohl(len);

		if (len > FRAME_MAX) {
			log_err("Bad frame length %u from client: "
				"disconnecting", len);
			c->stats.malformed++;
			tap_client_gone(c);
			return;
		}
		if (stream_have - off - STREAM_HDR_LEN < len)
			break;

		off += STREAM_HDR_LEN;
		if (len < ETH_HDR_LEN) {
			c->stats.frames_in++;
			c->stats.malformed++;
		} else {
			tap_handle_frame(c, stream_buf + off, len);
			if (c->fd_tap < 0)
				return;
		}
		off += len;
	}

	tcp_flush(c);

	if (off) {
		memmove(stream_buf, stream_buf + off, stream_have - off);
		stream_have -= off;
	}

	if (gone || (events & EPOLLRDHUP && n <= 0))
		tap_client_gone(c);
}

/**
 * tap_dev_handler() - read frames from the tap device
 * @c:		execution context
 * @events:	epoll events
 */
void tap_dev_handler(struct ctx *c, uint32_t events)
{
	int i;

	if (events & (EPOLLHUP | EPOLLERR)) {
		log_err("Tap device error: exiting");
		exit(EXIT_FAILURE);
	}

	for (i = 0; i < TAP_READ_BATCH; i++) {
		ssize_t n = read(c->fd_tap, stream_buf, FRAME_MAX);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n < ETH_HDR_LEN) {
			c->stats.frames_in++;
			c->stats.malformed++;
			continue;
		}
		tap_handle_frame(c, stream_buf, n);
	}
	tcp_flush(c);
}
