/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tcp.h - TCP translation between the guest and host sockets
 */
#ifndef FLOW_TCP_H
#define FLOW_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/epoll_ref.h"

struct ctx;
struct pkt;

int tcp_init(struct ctx *c);
void tcp_peek_off_use(bool on);
const char *tcp_flow_state(int idx);
int tcp_flow_sock(int idx);
void tcp_tap_handler(struct ctx *c, const struct pkt *p);
void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events);
void tcp_listen_handler(struct ctx *c, union epoll_ref ref);
void tcp_flush(struct ctx *c);
void tcp_ack_hold_set(bool on);
bool tcp_ack_held(void);
void tcp_ack_release(struct ctx *c);
void tcp_guard_stats_log(int level);
unsigned long tcp_sndbuf_set_count(void);
void tcp_guest_gone(struct ctx *c, int idx);
void tcp_tap_writable(struct ctx *c);
void tcp_timer(struct ctx *c, uint64_t now_ms);
bool tcp_sock_fin_acked(int s);
bool tcp_flow_drained(int idx);

#endif /* FLOW_TCP_H */
