/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * udp_splice.h - pasta: local UDP traffic relayed socket to socket
 */
#ifndef FLOW_UDP_SPLICE_H
#define FLOW_UDP_SPLICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/epoll_ref.h"

struct ctx;

void udp_splice_send(struct ctx *c, int recv_side, int fd,
		     const struct sockaddr_storage *peer, uint16_t port,
		     uint16_t target, const void *buf, size_t len);
void udp_splice_sock_handler(struct ctx *c, union epoll_ref ref,
			     uint32_t events);
void udp_splice_listen_ns_handler(struct ctx *c, union epoll_ref ref,
				  uint32_t events);
void udp_splice_timer(struct ctx *c, uint64_t now);
void udp_splice_stats_log(int level);
void udp_splice_listen_closed(const struct ctx *c, int fd);
void udp_splice_evict(struct ctx *c, int idx);
uint64_t udp_splice_last_active(int idx);

#endif /* FLOW_UDP_SPLICE_H */
