// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_window.c - TCP translation: the window we advertise to the guest
 *
 * Theory of operation
 *
 * Data from the guest goes straight into the host socket's send buffer, and
 * we acknowledge only what the kernel took, so the window we advertise is
 * what the send buffer still takes: tcp_wnd_update() asks the kernel for the
 * buffer's size and the memory its queue uses (SO_MEMINFO) and advertises
 * three quarters of the difference. When that gets too small to be worth a
 * segment, we ask epoll to tell us once the buffer drains
 * (tcp_wait_sock_room()), and send a window update then.
 *
 * Linux grows the send buffer of a socket only once it found it short,
 * which never happens if the host peer takes the data as fast as we write
 * it: tcp_sndbuf_grow() sets such a buffer larger, once, when it kept the
 * guest waiting, if the host's limits allow a buffer as large as the
 * kernel's own tuning would make (tcp_window_init() finds out at start-up).
 */

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "flow/tcp.h"
#include "flow/tcp_conn.h"
#include "util/log.h"
#include "util/util.h"

/* tcp_sndbuf_grow(): a send buffer below TCP_SNDBUF_SMALL found starved
 * TCP_SNDBUF_STARVED times is set to TCP_SNDBUF_SET, which the kernel
 * doubles, if that gives at least TCP_SNDBUF_BIG
 */
#define TCP_SNDBUF_SMALL	(256 * 1024)
#define TCP_SNDBUF_STARVED	4
#define TCP_SNDBUF_BIG		(1024 * 1024)
#define TCP_SNDBUF_SET		(2 * 1024 * 1024)

static unsigned long tcp_sndbuf_set;	/* tcp_sndbuf_grow() did, in total */
static uint32_t tcp_sndbuf_max;		/* what it gets, tcp_sndbuf_probe() */

/**
 * tcp_sndbuf_grow() - set a send buffer the kernel doesn't grow by itself
 * @conn:	connection
 * @sndbuf:	size of the send buffer now, bytes
 * @queued:	memory its queue uses now, bytes
 * @left:	window left of the last measurement, bytes
 *
 * Linux grows a socket's send buffer, with the congestion window, only once
 * it found the buffer short: a write that came up short, or a poll while it
 * was full. We never write more than fits, and poll only once our window got
 * low. If the host peer takes the data as we write it (a local one), the
 * buffer never fills, and keeps its first size: 69,120 bytes for a 1,460
 * byte MSS with BBR, 46,080 with CUBIC. Our window, three quarters of that,
 * then keeps the guest waiting for each ACK, with segments of half of it.
 *
 * When TCP_SNDBUF_STARVED measurements found the window used up while the
 * buffer was small and empty, set SO_SNDBUF, once: the kernel makes it twice
 * the size asked for, at most twice net.core.wmem_max, and stops tuning it.
 * Only if that's at least TCP_SNDBUF_BIG (tcp_sndbuf_probe()), as large as
 * autotuning would make it: a smaller one slows down connections that were
 * about to grow their buffer. Debian's default net.core.wmem_max, 212,992,
 * gives 425,984: on the bench, a round of 7.5 Gbit/s instead of 11.8.
 *
 * Return: size of the send buffer, bytes
 */
static uint32_t tcp_sndbuf_grow(struct tcp_conn *conn, uint32_t sndbuf,
				uint32_t queued, uint32_t left)
{
	int size = TCP_SNDBUF_SET, now = 0;
	socklen_t sl = sizeof(now);

	if (tcp_sndbuf_max < TCP_SNDBUF_BIG ||
	    (conn->flags & TCPF_SNDBUF_SET) ||
	    !(conn->flags & TCPF_ESTABLISHED) || queued ||
	    sndbuf >= TCP_SNDBUF_SMALL || left >= conn->wnd_measured / 4 ||
	    ++conn->sndbuf_starved < TCP_SNDBUF_STARVED)
		return sndbuf;

	conn->flags |= TCPF_SNDBUF_SET;
	if (setsockopt(conn->sock, SOL_SOCKET, SO_SNDBUF, &size,
		       sizeof(size)) ||
	    getsockopt(conn->sock, SOL_SOCKET, SO_SNDBUF, &now, &sl))
		return sndbuf;
	tcp_sndbuf_set++;
	log_debug("TCP: send buffer %u stayed empty and small while the guest "
		  "waited: set to %i", sndbuf, now);
	return (uint32_t)now;
}

/**
 * tcp_sndbuf_probe() - find the send buffer tcp_sndbuf_grow() would get
 *
 * Return: SO_SNDBUF of a socket set to TCP_SNDBUF_SET, 0 on failure
 */
static uint32_t tcp_sndbuf_probe(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	int size = TCP_SNDBUF_SET, now = 0;
	socklen_t sl = sizeof(now);

	if (s < 0)
		return 0;
	if (setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) ||
	    getsockopt(s, SOL_SOCKET, SO_SNDBUF, &now, &sl) || now < 0)
		now = 0;
	close(s);
	return (uint32_t)now;
}

/**
 * tcp_wnd_update() - compute the window we advertise from the socket state
 * @c:		execution context
 * @conn:	connection, @wnd_to_guest updated
 */
void tcp_wnd_update(const struct ctx *c, struct tcp_conn *conn)
{
	uint32_t mem[SK_MEMINFO_VARS], wnd, free_mem, sndbuf;
	uint32_t max = 65535U << conn->ws_to_guest;
	socklen_t sl = sizeof(mem);

	/* The kernel takes writes while the memory its send queue uses is
	 * below the send buffer size. That memory includes the overhead of
	 * buffers, so the payload that still fits is somewhat less than the
	 * free memory: count three quarters of it. Advertising more would
	 * make writes come up short and drop guest data we acknowledged
	 * the window for.
	 */
	if (getsockopt(conn->sock, SOL_SOCKET, SO_MEMINFO, mem, &sl) ||
	    sl < sizeof(uint32_t) * (SK_MEMINFO_WMEM_QUEUED + 1))
		return;
	sndbuf = tcp_sndbuf_grow(conn, mem[SK_MEMINFO_SNDBUF],
				 mem[SK_MEMINFO_WMEM_QUEUED], conn->wnd_to_guest);
	free_mem = sndbuf > mem[SK_MEMINFO_WMEM_QUEUED] ?
		   sndbuf - mem[SK_MEMINFO_WMEM_QUEUED] : 0;
	wnd = free_mem / 4 * 3;
	conn->wnd_to_guest = conn->wnd_measured = MIN(wnd, max);
	log_trace("TCP: window %u (sndbuf %u, queued memory %u)",
		  conn->wnd_to_guest, sndbuf, mem[SK_MEMINFO_WMEM_QUEUED]);

	/* What doesn't survive scaling is a closed window for the guest */
	if (!(conn->wnd_to_guest >> conn->ws_to_guest))
		conn->wnd_to_guest = 0;

	/* A small window is as good as closed: a guest avoiding the silly
	 * window syndrome won't send less than a full segment until the
	 * window opens. Ask for a wake-up once the send buffer drains,
	 * then send a window update. The kernel wakes us once a third of
	 * the buffer is free, which is above this threshold, so this can't
	 * turn into a loop of wake-ups.
	 */
	if (conn->wnd_to_guest < MIN((uint32_t)conn->mss,
				     (uint32_t)sndbuf / 4) &&
	    (conn->flags & TCPF_ESTABLISHED) &&
	    !(conn->flags & TCPF_SOCK_FULL)) {
		log_trace("TCP: window low, waiting for EPOLLOUT");
		tcp_wait_sock_room(c, conn);
	}
}

/**
 * tcp_sndbuf_set_count() - send buffers set larger by tcp_sndbuf_grow()
 *
 * Return: count since start
 */
unsigned long tcp_sndbuf_set_count(void)
{
	return tcp_sndbuf_set;
}

/**
 * tcp_window_init() - find out what tcp_sndbuf_grow() would get, at start-up
 */
void tcp_window_init(void)
{
	tcp_sndbuf_max = tcp_sndbuf_probe();
}
