/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * loop.h - the epoll loop: events to their handlers, timers, signals
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

struct ctx;
struct epoll_event;

/**
 * struct loop_busy_poll_stats - what busy polling caught and cost
 * @hits:	polls that found an event before the budget ran out
 * @misses:	polls that found none, followed by a sleep
 * @spun_us:	time spent polling, microseconds
 */
struct loop_busy_poll_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t spun_us;
};

/* Default --busy-poll budget, and the largest accepted, microseconds */
#define BUSY_POLL_US_DEFAULT	200
#define BUSY_POLL_US_MAX	1000

const struct loop_busy_poll_stats *loop_busy_poll_get_stats(void);

void loop_timers(struct ctx *c);
void loop_dispatch(struct ctx *c, const struct epoll_event *ev);
void __attribute__((noreturn)) loop_run(struct ctx *c);

#endif /* LOOP_H */
