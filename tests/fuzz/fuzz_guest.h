/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz_guest.h - the guest end of passt's stream socket, for the fuzz targets
 * that go through the frontend (tap.c) and the epoll loop (loop.c)
 *
 * The harness plays qemu: it holds one end of a socket pair whose other end
 * is the frontend's connected socket (c->fd_tap), registered in the epoll
 * set by tap_register() as the real program does after accept(). Everything
 * passt sends is read back here, unframed, and every frame's length checked
 * against FRAME_MAX.
 */
#ifndef FUZZ_GUEST_H
#define FUZZ_GUEST_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "flow/tcp.h"
#include "frontend/tap.h"
#include "loop.h"
#include "svc/dispatch.h"

#define FUZZ_STREAM_HDR	4

/**
 * struct fuzz_guest - the guest end of the link, and what came out of it
 * @fd:		our end of the socket pair, -1 if none
 * @buf:	bytes read, not yet a whole frame
 * @have:	bytes in @buf
 * @frames:	frames received
 * @bytes:	bytes of frames received
 * @seqpacket:	pasta: one frame per datagram, no length headers
 */
struct fuzz_guest {
	int fd;
	uint8_t buf[FUZZ_STREAM_HDR + FRAME_MAX + 65536];
	size_t have;
	unsigned long frames;
	unsigned long bytes;
	int seqpacket;
};

/* fuzz_frame_fn - called for each frame the guest receives */
typedef void (*fuzz_frame_fn)(void *arg, const uint8_t *frame, size_t len);

/**
 * fuzz_fd_scan() - count the sockets and anonymous inodes (epoll, timerfd)
 *		    the process has open: what flows and the frontend open
 * @dump:	also list every open descriptor on standard error
 *
 * Pipes and files aren't counted: libFuzzer and the sanitizers open some of
 * their own as they go.
 *
 * Return: count
 */
static inline int fuzz_fd_scan(bool dump)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		abort();
	while ((e = readdir(d))) {
		char path[300], target[256];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (dump)
			fprintf(stderr, "fd %s: %s\n", e->d_name, target);
		if (!strncmp(target, "socket:", 7) ||
		    !strncmp(target, "anon_inode:", 11))
			n++;
	}
	closedir(d);
	return n;
}

/**
 * fuzz_guest_connect() - connect a new guest: socket pair, epoll registration
 * @c:		context, MODE_PASST (stream) or MODE_PASTA (one frame per
 *		datagram, as the tap device)
 * @g:		guest end to set up
 */
static inline void fuzz_guest_connect(struct ctx *c, struct fuzz_guest *g)
{
	int type = c->mode == MODE_PASST ? SOCK_STREAM : SOCK_SEQPACKET;
	int sv[2], size = 4 << 20;

	if (socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
		abort();
	if (type == SOCK_SEQPACKET) {
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	}
	c->fd_tap = sv[0];
	if (tap_register(c))
		abort();
	g->fd = sv[1];
	g->have = 0;
	g->seqpacket = type == SOCK_SEQPACKET;
}

/* fuzz_busy_poll - fuzz_loop() acts as the main loop does while it polls */
static bool fuzz_busy_poll;

/**
 * fuzz_loop() - run the epoll loop without waiting, as the real one would
 * @c:		context
 * @rounds:	most rounds of epoll_wait()
 *
 * With fuzz_busy_poll, each round is a poll of loop_wait() (src/loop.c):
 * TCP holds ACKs of FINs through the rounds, and sends what nothing took
 * along once there's nothing more, as the real loop does before it sleeps.
 *
 * Return: number of events handled
 */
static inline int fuzz_loop(struct ctx *c, int rounds)
{
	struct epoll_event ev[64];
	int total = 0;

	while (rounds--) {
		int n, i;

		tcp_ack_hold_set(fuzz_busy_poll);
		n = epoll_wait(c->epollfd, ev, 64, 0);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			loop_dispatch(c, &ev[i]);
		total += n;
	}
	tcp_ack_release(c);
	tcp_ack_hold_set(false);
	return total;
}

/**
 * fuzz_guest_frame_ok() - check one frame passt sent to the guest
 * @len:	its length
 *
 * Aborts (a finding for the fuzzer) if the frame is over FRAME_MAX or
 * shorter than an Ethernet header.
 */
static inline void fuzz_guest_frame_ok(size_t len)
{
	if (len > FRAME_MAX || len < 14)
		abort();
}

/**
 * fuzz_guest_read() - read what passt sent to the guest, frame by frame
 * @g:		guest end
 * @fn:		called for each frame, or NULL
 * @arg:	argument for @fn
 *
 * Return: number of frames read
 */
static inline int fuzz_guest_read(struct fuzz_guest *g, fuzz_frame_fn fn,
				  void *arg)
{
	int frames = 0;

	if (g->fd < 0)
		return 0;

	for (;;) {
		size_t off = 0;
		ssize_t n;

		/* A datagram is one frame: MSG_TRUNC gives its real length */
		n = recv(g->fd, g->buf + g->have, sizeof(g->buf) - g->have,
			 MSG_DONTWAIT | (g->seqpacket ? MSG_TRUNC : 0));
		if (n <= 0)
			break;

		if (g->seqpacket) {
			fuzz_guest_frame_ok((size_t)n);
			if ((size_t)n > sizeof(g->buf))
				abort();
			if (fn)
				fn(arg, g->buf, (size_t)n);
			g->frames++;
			g->bytes += (size_t)n;
			frames++;
			continue;
		}

		g->have += (size_t)n;
		while (g->have - off >= FUZZ_STREAM_HDR) {
			uint32_t len;

			memcpy(&len, g->buf + off, sizeof(len));
			len = ntohl(len);
			fuzz_guest_frame_ok(len);
			if (g->have - off - FUZZ_STREAM_HDR < len)
				break;
			off += FUZZ_STREAM_HDR;
			if (fn)
				fn(arg, g->buf + off, len);
			off += len;
			g->frames++;
			g->bytes += len;
			frames++;
		}
		memmove(g->buf, g->buf + off, g->have - off);
		g->have -= off;
	}
	return frames;
}

/**
 * fuzz_guest_write() - write bytes on the guest end, running the loop when
 *			the socket is full so that passt drains it
 * @c:		context
 * @g:		guest end
 * @buf:	bytes (a frame, for the tap device)
 * @len:	their number
 *
 * Return: 0 if all was written, -1 if passt went away meanwhile
 */
static inline int fuzz_guest_write(struct ctx *c, struct fuzz_guest *g,
				   const uint8_t *buf, size_t len)
{
	int stuck = 0;

	while (len) {
		ssize_t n;

		if (c->fd_tap < 0 || g->fd < 0)
			return -1;
		n = send(g->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN || ++stuck > 64)
				return -1;
			fuzz_loop(c, 4);
			fuzz_guest_read(g, NULL, NULL);
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

#endif /* FUZZ_GUEST_H */
