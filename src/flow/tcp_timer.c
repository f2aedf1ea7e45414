// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_timer.c - TCP translation: the tick, and the timers of connections
 *
 * Theory of operation
 *
 * Timers are coarse: there is no timer per connection, only a deadline
 * (conn->deadline, ms on the tcp_now clock) that a periodic tick, a timerfd
 * in the main loop's epoll set, compares with the time. When it passed,
 * tcp_timer_conn() does what the connection waits for: it gives up on a
 * connect() to the host or on a guest that never answers, repeats a SYN or
 * SYN-ACK, retransmits unacknowledged data (tcp_rewind(), with exponential
 * back-off from TCP_RTO_MIN_MS and at most TCP_RETRIES_MAX tries), or
 * probes a closed window. The same walk resets connections idle for
 * TCP_IDLE_MS.
 *
 * The tick is short (TCP_TICK_MS) only while some connection has a
 * deadline: setting one (tcp_deadline_set()) brings it back, and
 * TCP_TICK_IDLE_AFTER ticks without any let it go to TCP_TICK_IDLE_MS, so
 * that an idle process wakes up once a second, not twenty times.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "flow/tcp.h"
#include "flow/tcp_conn.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"

#define TCP_TICK_MS		50
/* TCP_TICK_IDLE_MS - the period of the tick once no connection has had a
 * deadline for TCP_TICK_IDLE_AFTER ticks: the other timers count in seconds.
 * The test-only fast clock (TEST_TIME_SCALE) keeps the short period, so
 * that its flows still expire in a fraction of a second.
 */
#define TCP_TICK_IDLE_MS	(TEST_TIME_SCALE > 1 ? TCP_TICK_MS : 1000)
#define TCP_TICK_IDLE_AFTER	20
#define TCP_RETRIES_MAX		8
#define TCP_IDLE_MS		(2ULL * 3600 * 1000)

static int tcp_timer_fd = -1;
static bool tcp_tick_idle;		/* tick at TCP_TICK_IDLE_MS */
static unsigned int tcp_tick_quiet;	/* ticks since a deadline was set */

/**
 * tcp_tick_set() - arm the tick timer with its short or its idle period
 * @idle:	TCP_TICK_IDLE_MS instead of TCP_TICK_MS
 *
 * #syscalls timerfd_settime
 */
static void tcp_tick_set(bool idle)
{
	long ms = idle ? TCP_TICK_IDLE_MS : TCP_TICK_MS;
	struct itimerspec its = {
		.it_interval = { ms / 1000, (ms % 1000) * 1000000L },
		.it_value = { ms / 1000, (ms % 1000) * 1000000L },
	};

	if (tcp_timer_fd < 0 || timerfd_settime(tcp_timer_fd, 0, &its, NULL))
		return;
	tcp_tick_idle = idle;
}

/**
 * tcp_deadline_set() - set the time of a connection's next timer action
 * @conn:	connection
 * @when:	time, ms (tcp_now based), not 0
 *
 * An idle tick goes back to its short period first: a retransmission can't
 * wait for a tick of a second.
 */
void tcp_deadline_set(struct tcp_conn *conn, uint64_t when)
{
	conn->deadline = when;
	tcp_tick_quiet = 0;
	if (tcp_tick_idle)
		tcp_tick_set(false);
}

/**
 * tcp_timer_conn() - timer actions for one connection whose deadline passed
 * @c:		execution context
 * @conn:	connection
 */
static void tcp_timer_conn(struct ctx *c, struct tcp_conn *conn)
{
	if (conn->flags & TCPF_CONNECTING) {
		log_debug("TCP: connect timed out");
		tcp_send_ctl(c, conn, TCP_RST | TCP_ACK, conn->seq_to_guest);
		tcp_conn_close(c, conn, false);
		return;
	}

	if (++conn->retries > TCP_RETRIES_MAX) {
		log_debug("TCP: guest doesn't answer, resetting");
		tcp_conn_reset(c, conn);
		return;
	}

	if (conn->flags & TCPF_SYNACK_SENT) {
		tcp_send_ctl(c, conn, TCP_SYN | TCP_ACK,
			     conn->seq_to_guest - 1);
	} else if (conn->flags & TCPF_SYN_SENT) {
		tcp_send_ctl(c, conn, TCP_SYN, conn->seq_to_guest - 1);
	} else if (conn->seq_max != conn->seq_ack_from_guest) {
		tcp_rewind(c, conn);
	} else if (!conn->wnd_from_guest) {
		/* Window probe: an ACK makes the guest tell its window */
		tcp_send_ctl(c, conn, TCP_ACK, conn->seq_to_guest - 1);
	} else {
		conn->retries = 0;
		conn->deadline = 0;
		return;
	}
	tcp_deadline_set(conn, tcp_now +
			 ((uint64_t)TCP_RTO_MIN_MS << conn->retries));
}

/**
 * tcp_timer() - periodic tick: handshake, retransmission and idle timers
 * @c:		execution context
 * @now:	monotonic time, ms
 */
void tcp_timer(struct ctx *c, uint64_t now)
{
	bool pending = false;
	int i;

	tcp_now = now;
	flow_foreach(i) {
		struct tcp_conn *conn = conn_at(i);

		if (conn->f.type != FLOW_TCP)
			continue;

		if (now - conn->last_active > TCP_IDLE_MS) {
			tcp_conn_reset(c, conn);
			continue;
		}
		if (conn->deadline && now >= conn->deadline)
			tcp_timer_conn(c, conn);
		if (conn->f.type == FLOW_TCP && conn->deadline)
			pending = true;
	}

	/* No deadline for a while: nothing needs the short tick */
	if (pending)
		tcp_tick_quiet = 0;
	else if (!tcp_tick_idle && ++tcp_tick_quiet >= TCP_TICK_IDLE_AFTER)
		tcp_tick_set(true);
}

/**
 * tcp_timer_init() - create the tick's timer, short period, in the epoll set
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_timer_init(struct ctx *c)
{
	struct itimerspec its = {
		.it_interval = { 0, TCP_TICK_MS * 1000000L },
		.it_value = { 0, TCP_TICK_MS * 1000000L },
	};

	tcp_timer_fd = timerfd_create(CLOCK_MONOTONIC,
				      TFD_NONBLOCK | TFD_CLOEXEC);
	if (tcp_timer_fd < 0)
		return -errno;
	if (timerfd_settime(tcp_timer_fd, 0, &its, NULL))
		return -errno;
	if (epoll_add_ref(c->epollfd, EPOLL_TYPE_TIMER, tcp_timer_fd,
			  EPOLLIN))
		return -errno;
	return 0;
}
