// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loop.c - the epoll loop: events to their handlers, timers, signals
 *
 * Theory of operation: every descriptor in the epoll set carries a typed
 * reference (util/epoll_ref.h), and loop_dispatch() is a switch on its type
 * that calls the owning module's handler. The flow timers hang off one
 * periodic timerfd (created by tcp_init()): on each tick, loop_timers() runs
 * every module's timer, and each decides by itself whether it has anything
 * due. The tick comes every 50 ms while a TCP connection has a deadline
 * (retransmissions, handshakes), and every second once none had one for a
 * second: the other timers count in seconds, and an idle process wakes up
 * once a second, not twenty times (tcp_deadline_set(), tcp_timer()).
 * loop_run() is the loop of the real program; the fuzzers call
 * loop_dispatch() and loop_timers() themselves, between the frames they feed,
 * so they go through the same handlers in the same way.
 */

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>

#include "conf/ctx.h"
#include "ctl/ctl.h"
#include "flow/autofwd.h"
#include "flow/flow.h"
#include "flow/icmp.h"
#include "flow/listen.h"
#include "flow/tcp.h"
#include "flow/tcp_splice.h"
#include "flow/udp.h"
#include "flow/udp_splice.h"
#include "frontend/tap.h"
#include "frontend/vhost_user.h"
#include "loop.h"
#include "ns/pasta.h"
#include "policy/egress.h"
#include "policy/fwd.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"

#define EPOLL_EVENTS_MAX	64

/* Busy polling, see loop_wait(): what it caught and what it cost */
static struct loop_busy_poll_stats busy_poll_stats;

/* Polling starts after this many dispatches in a row moved at most
 * BUSY_POLL_BYTES_SMALL bytes of frames each, and the last this many that
 * moved frames at all moved them both to and from the guest: requests and
 * responses, not bulk transfers (whose wake-ups are few for the data they
 * move) nor one-way streams of small datagrams (nobody waits for an
 * answer). Dispatches without frames (spliced connections, timers) don't
 * count for the direction.
 */
#define BUSY_POLL_STREAK	4
#define BUSY_POLL_BYTES_SMALL	4096

/**
 * stats_log() - log flow and frame counters, on SIGUSR1
 * @c:		execution context
 */
static void stats_log(const struct ctx *c)
{
	const struct fwd_guest_drops *gd = fwd_guest_drop_stats();
	const struct flow_stats *fs = flow_get_stats();
	const struct frame_stats *st = &c->stats;

	log_msg(LOG_NOTICE, "flows: %u in use, max %u, refused %llu, "
		"%llu closed as the guest left, %llu stale events",
		(unsigned int)fs->in_use, (unsigned int)fs->max_in_use,
		(unsigned long long)fs->alloc_fail,
		(unsigned long long)fs->guest_gone,
		(unsigned long long)fs->stale_events);
	log_msg(LOG_NOTICE, "flow shares (of %u): guest %u in use, %lu "
		"refused; host %u, %lu; local %u, %lu; %lu idle evicted",
		fs->limit, fs->kind_in_use[FLOW_KIND_GUEST],
		fs->refused[FLOW_KIND_GUEST], fs->kind_in_use[FLOW_KIND_HOST],
		fs->refused[FLOW_KIND_HOST], fs->kind_in_use[FLOW_KIND_SPLICE],
		fs->refused[FLOW_KIND_SPLICE], fs->evicted);
	log_msg(LOG_NOTICE, "frames: %llu in, %llu out, %llu dropped out, "
		"%llu malformed, %llu unhandled, %llu oversized out, of the "
		"malformed %llu with a bad virtio-net header",
		(unsigned long long)st->frames_in,
		(unsigned long long)st->frames_out,
		(unsigned long long)st->frames_dropped_out,
		(unsigned long long)st->malformed,
		(unsigned long long)st->unhandled,
		(unsigned long long)st->frames_oversized,
		(unsigned long long)st->bad_vnet);
	log_msg(LOG_NOTICE, "guest drops: to loopback %llu TCP, %llu UDP, "
		"%llu ICMP",
		(unsigned long long)gd->loopback_tcp,
		(unsigned long long)gd->loopback_udp,
		(unsigned long long)gd->loopback_icmp);
	log_msg(LOG_NOTICE, "listening sockets: %lu accepts failed for lack "
		"of descriptors, paused %lu times",
		listen_get_stats()->accept_failed, listen_get_stats()->pauses);
	tcp_guard_stats_log(LOG_NOTICE);
	log_msg(LOG_NOTICE, "TCP: %lu send buffers set larger, as the kernel "
		"kept them small", tcp_sndbuf_set_count());
	udp_stats_log(LOG_NOTICE);
	if (c->mode == MODE_PASTA) {
		tcp_splice_stats_log(LOG_NOTICE);
		udp_splice_stats_log(LOG_NOTICE);
	}
	fwd_isolation_stats_log(c, LOG_NOTICE);
	fwd_egress_stats_log(c, LOG_NOTICE);
	log_msg(LOG_NOTICE, "busy polling: %llu caught an event, %llu slept "
		"after all, %llu us spent polling",
		(unsigned long long)busy_poll_stats.hits,
		(unsigned long long)busy_poll_stats.misses,
		(unsigned long long)busy_poll_stats.spun_us);
	if (c->vhost_user)
		log_msg(LOG_NOTICE, "vhost-user: %llu frames dropped for "
			"lack of receive buffers, %llu receive chains too "
			"short for the header returned empty, %llu broken "
			"rings",
			(unsigned long long)vu_dev.dropped_rx,
			(unsigned long long)vu_dev.short_rx,
			(unsigned long long)vu_dev.bad_rings);
}

/**
 * stats_changed() - tell whether counters changed since the last call
 * @c:		execution context
 *
 * Return: true if frames came, went or were dropped on the way to the
 * guest, or flows or connections were refused
 */
static bool stats_changed(const struct ctx *c)
{
	const struct fwd_isolation_stats *is = fwd_isolation_get_stats();
	const struct flow_stats *fs = flow_get_stats();
	const struct fwd_guest_drops *gd = fwd_guest_drop_stats();
	const struct fwd_egress_stats *es = fwd_egress_get_stats();
	static uint64_t last;
	uint64_t sum;

	sum = c->stats.frames_in + c->stats.frames_out +
	      c->stats.frames_dropped_out + fs->alloc_fail + is->refused_tcp +
	      is->refused_udp + is->refused_icmp + gd->loopback_tcp +
	      gd->loopback_udp + gd->loopback_icmp + es->refused_tcp +
	      es->refused_udp + es->refused_icmp + vu_dev.dropped_rx +
	      vu_dev.short_rx + vu_dev.bad_rings +
	      listen_get_stats()->accept_failed;
	if (sum == last)
		return false;
	last = sum;
	return true;
}

/**
 * stats_timer() - log counters every --stats seconds, if they changed
 * @c:		execution context
 * @now:	current time, ms
 */
static void stats_timer(const struct ctx *c, uint64_t now)
{
	static uint64_t next;

	if (!c->stats_delay || now < next)
		return;
	next = now + c->stats_delay * 1000ULL;
	if (stats_changed(c))
		stats_log(c);
}

/**
 * signal_handler() - read pending signals from the signalfd
 * @c:		execution context
 * @fd:		signalfd
 */
static void signal_handler(const struct ctx *c, int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			pasta_child_exited();
		else if (si.ssi_signo == SIGUSR1)
			stats_log(c);
		else if (si.ssi_signo == SIGTERM)
			exit(EXIT_SUCCESS);
#ifdef SECCOMP_SELFTEST
		/* Test-only build (make build/test/passt-selftest): a call
		 * that no #syscalls annotation allows, to prove it's fatal
		 */
		else if (si.ssi_signo == SIGUSR2)
			syscall(SYS_getcwd, NULL, 0);
#endif
	}
}

/**
 * loop_timers() - run the timers of every module
 * @c:		execution context
 *
 * Each timer looks at its own deadlines, so calling this more often than
 * the tick does no harm.
 */
void loop_timers(struct ctx *c)
{
	uint64_t now = now_ms();

	tcp_timer(c, now);
	udp_timer(c);
	icmp_timer(c);
	stats_timer(c, now);
	ctl_timer(c, now);
	if (c->mode == MODE_PASTA) {
		pasta_ns_pool_refill();
		autofwd_timer(c, now);
		udp_splice_timer(c, now);
	}
}

/**
 * loop_dispatch() - hand one epoll event to the handler of its descriptor
 * @c:		execution context
 * @ev:		event, as epoll_wait() returned it
 */
void loop_dispatch(struct ctx *c, const struct epoll_event *ev)
{
	union epoll_ref ref = { .u64 = ev->data.u64 };
	uint32_t events = ev->events;
	uint64_t expirations;

	switch (ref.type) {
	case EPOLL_TYPE_TAP_LISTEN:
		tap_listen_handler(c);
		break;
	case EPOLL_TYPE_TAP_STREAM:
		/* Stale events after a disconnection */
		if (ref.fd == c->fd_tap)
			tap_stream_handler(c, events);
		break;
	case EPOLL_TYPE_TAP_DEV:
		tap_dev_handler(c, events);
		break;
	case EPOLL_TYPE_VU_CMD:
		if (ref.fd == c->fd_tap)
			vu_cmd_handler(c, events);
		break;
	case EPOLL_TYPE_VU_KICK:
		vu_kick_handler(c, ref);
		break;
	case EPOLL_TYPE_SIGNAL:
		signal_handler(c, ref.fd);
		break;
	case EPOLL_TYPE_NS_PIDFD:
		/* Level-triggered: stop watching, or we spin */
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, ref.fd, NULL);
		log_info("Namespace process exited, exiting");
		flow_exit(EXIT_SUCCESS);
		break;
	case EPOLL_TYPE_NS_INOTIFY:
		pasta_inotify_handler(ref.fd);
		break;
	case EPOLL_TYPE_TIMER:
		if (read(ref.fd, &expirations, sizeof(expirations)) < 0)
			break;
		loop_timers(c);
		break;
	case EPOLL_TYPE_TCP:
		tcp_sock_handler(c, ref, events);
		break;
	case EPOLL_TYPE_TCP_LISTEN:
	case EPOLL_TYPE_TCP_LISTEN_NS:
		tcp_listen_handler(c, ref);
		break;
	case EPOLL_TYPE_TCP_SPLICE:
		tcp_splice_sock_handler(c, ref, events);
		break;
	case EPOLL_TYPE_UDP_LISTEN_NS:
		udp_splice_listen_ns_handler(c, ref, events);
		break;
	case EPOLL_TYPE_UDP_SPLICE:
		udp_splice_sock_handler(c, ref, events);
		break;
	case EPOLL_TYPE_UDP:
		udp_sock_handler(c, ref, events);
		break;
	case EPOLL_TYPE_UDP_LISTEN:
		udp_listen_handler(c, ref, events);
		break;
	case EPOLL_TYPE_PING:
		icmp_sock_handler(c, ref, events);
		break;
	case EPOLL_TYPE_CTL_LISTEN:
		ctl_listen_handler(c);
		break;
	case EPOLL_TYPE_CTL:
		ctl_client_handler(c, ref, events);
		break;
	default:
		break;
	}
}

/**
 * loop_busy_poll_get_stats() - counters of busy polling
 *
 * Return: pointer to the counters
 */
const struct loop_busy_poll_stats *loop_busy_poll_get_stats(void)
{
	return &busy_poll_stats;
}

/**
 * now_ns() - monotonic time in nanoseconds, for busy polling
 *
 * Return: nanoseconds
 */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/**
 * loop_wait() - wait for events, polling first if events came close together
 * @c:		execution context
 * @events:	array of EPOLL_EVENTS_MAX events to fill
 * @moved_in:	bytes of frames the previous dispatch took from the guest
 * @moved_out:	bytes of frames the previous dispatch gave to the guest
 *
 * Waking a sleeping process costs tens of microseconds on a virtual machine
 * (an inter-processor interrupt, a halted virtual CPU to resume), twice per
 * request and response through us. If the previous wait ended within the
 * budget, the last BUSY_POLL_STREAK dispatches each moved little data, and
 * frames went both ways lately (requests and responses, connections set up
 * and closed; see BUSY_POLL_STREAK), the next event is likely to come as
 * soon, and somebody waits for it: poll without sleeping for up to the
 * budget, then sleep. A wait longer than the budget turns polling off until
 * a wait is short again, so idle or sparse traffic costs at most one budget
 * of polling per burst. A bulk transfer doesn't poll: its wake-ups are few
 * for the data they move, and polling would take CPU time from the
 * processes at both ends (TCP into the namespace lost up to 13% of its
 * rate before this rule). Nor does a one-way stream of datagrams (UDP at
 * 1 Gbit/s from the namespace lost 17% instead of 13%, and took 20% more
 * CPU time, before the both-ways rule). Each round of polling yields the
 * CPU first: on a machine with few CPUs, the process that will send the
 * next event (or receive what we just forwarded) may be waiting for ours
 * (without the yield, UDP at 1 Gbit/s lost 36% instead of 24% on two CPUs,
 * where the receiver ran short of CPU time). While polling, TCP holds the
 * ACKs of the guest's FINs for the host peers' FINs to carry
 * (tcp_ack_hold_set()) for up to the budget (loop_ack_deadline()), and
 * sends them before we sleep.
 *
 * Return: epoll_wait()'s return value
 */
static int loop_wait(struct ctx *c, struct epoll_event *events,
		     uint64_t moved_in, uint64_t moved_out)
{
	static unsigned int small_streak, since_in, since_out;
	uint64_t budget = (uint64_t)c->busy_poll_us * 1000, start, t;
	static uint64_t last_wait_ns = UINT64_MAX;
	int n;

	if (!budget)
		return epoll_wait(c->epollfd, events, EPOLL_EVENTS_MAX, -1);

	if (moved_in + moved_out > BUSY_POLL_BYTES_SMALL)
		small_streak = 0;
	else if (small_streak < BUSY_POLL_STREAK)
		small_streak++;
	if (moved_in || moved_out) {	/* spliced data, timers: neither */
		since_in = moved_in ? 0 : MIN(since_in + 1, BUSY_POLL_STREAK);
		since_out = moved_out ? 0 :
			    MIN(since_out + 1, BUSY_POLL_STREAK);
	}

	start = now_ns();
	if (last_wait_ns < budget && small_streak >= BUSY_POLL_STREAK &&
	    since_in < BUSY_POLL_STREAK && since_out < BUSY_POLL_STREAK) {
		tcp_ack_hold_set(true);
		n = epoll_wait(c->epollfd, events, EPOLL_EVENTS_MAX, 0);
		if (n)
			goto out;

		do {
			sched_yield();
			n = epoll_wait(c->epollfd, events, EPOLL_EVENTS_MAX, 0);
			t = now_ns();
			if (n) {
				busy_poll_stats.hits += n > 0;
				busy_poll_stats.spun_us += (t - start) / 1000;
				last_wait_ns = t - start;
				return n;
			}
		} while (t - start < budget);

		busy_poll_stats.misses++;
		busy_poll_stats.spun_us += (t - start) / 1000;
	}

	/* Nothing to hold ACKs for while we sleep */
	tcp_ack_release(c);
	tcp_ack_hold_set(false);
	n = epoll_wait(c->epollfd, events, EPOLL_EVENTS_MAX, -1);
out:
	last_wait_ns = now_ns() - start;
	return n;
}

/**
 * loop_ack_deadline() - send ACKs TCP held for longer than the polling budget
 * @c:		execution context
 *
 * Polls that catch events keep us from sleeping, which would send them
 * (loop_wait()): bound the wait here, from the first dispatch that found
 * ACKs held.
 */
static void loop_ack_deadline(struct ctx *c)
{
	static uint64_t held_since;
	uint64_t t;

	if (!c->busy_poll_us || !tcp_ack_held()) {
		held_since = 0;
		return;
	}
	t = now_ns();
	if (!held_since) {
		held_since = t;
	} else if (t - held_since >= (uint64_t)c->busy_poll_us * 1000) {
		tcp_ack_release(c);
		held_since = 0;
	}
}

/**
 * loop_run() - wait for events and dispatch them, forever
 * @c:		execution context
 *
 * now_ms() and the log's timestamps read the clock through the vDSO, which
 * falls back to the system call where the clock source has no vDSO support
 * (some virtual machines): clock_gettime is allowed for that.
 *
 * #syscalls epoll_wait epoll_ctl read close exit_group clock_gettime
 * #syscalls sched_yield
 */
void loop_run(struct ctx *c)
{
	struct epoll_event events[EPOLL_EVENTS_MAX];
	uint64_t moved_in = 0, moved_out = 0;

	for (;;) {
		int n = loop_wait(c, events, moved_in, moved_out);
		uint64_t in = c->stats.bytes_in, out = c->stats.bytes_out;
		int i;

		if (n < 0 && errno != EINTR) {
			log_perror("epoll_wait");
			exit(EXIT_FAILURE);
		}

		for (i = 0; i < n; i++)
			loop_dispatch(c, &events[i]);
		loop_ack_deadline(c);
		moved_in = c->stats.bytes_in - in;
		moved_out = c->stats.bytes_out - out;

		listen_resume_check(c, now_ms());
		if (flow_exiting())
			flow_exit_poll(now_ms());
	}
}
