/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * loop.h - the epoll loop: events to their handlers, timers, signals
 */
#ifndef LOOP_H
#define LOOP_H

struct ctx;
struct epoll_event;

void loop_timers(struct ctx *c);
void loop_dispatch(struct ctx *c, const struct epoll_event *ev);
void __attribute__((noreturn)) loop_run(struct ctx *c);

#endif /* LOOP_H */
