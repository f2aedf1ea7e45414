/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tcp_splice.h - pasta: local TCP connections joined socket to socket
 */
#ifndef FLOW_TCP_SPLICE_H
#define FLOW_TCP_SPLICE_H

#include <stdint.h>

#include "flow/flow.h"
#include "util/epoll_ref.h"

struct ctx;

void tcp_splice_conn_new(struct ctx *c, int s, int accepted_side,
			 const union inany_addr *peer, uint16_t peer_port,
			 uint16_t port);
void tcp_splice_sock_handler(struct ctx *c, union epoll_ref ref,
			     uint32_t events);
void tcp_splice_stats_log(int level);
bool tcp_splice_drained(int idx);
const char *tcp_splice_flow_state(int idx);
int tcp_splice_flow_sock(int idx, int side);
void splice_target(const struct ctx *c, int recv_side,
		   const union inany_addr *peer, union inany_addr *target);

#endif /* FLOW_TCP_SPLICE_H */
