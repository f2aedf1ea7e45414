/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * udp.h - UDP flows between the guest and host sockets
 */
#ifndef FLOW_UDP_H
#define FLOW_UDP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/epoll_ref.h"

struct ctx;
struct pkt;

bool udp_tap_handler(struct ctx *c, const struct pkt *p);
void udp_batch_begin(void);
void udp_flush(struct ctx *c);
void udp_stats_log(int level);
void udp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events);
void udp_timer(struct ctx *c);
void udp_guest_gone(struct ctx *c, int idx);
void udp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events);
void udp_listen_sockopts(int s, int af);
void udp_listen_closed(const struct ctx *c, int sock);
void udp_flow_evict(struct ctx *c, int idx);
uint64_t udp_flow_last_active(int idx);
int udp_flow_sock(int idx);

#endif /* FLOW_UDP_H */
