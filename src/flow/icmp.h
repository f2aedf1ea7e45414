/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * icmp.h - ICMP and ICMPv6 echo flows through ping sockets
 */
#ifndef FLOW_ICMP_H
#define FLOW_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/epoll_ref.h"

struct ctx;
struct pkt;
struct flowside;
struct sock_extended_err;
union inany_addr;

bool icmp_tap_handler(struct ctx *c, const struct pkt *p);
void icmp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events);
void icmp_timer(struct ctx *c);
int icmp_flow_sock(int idx);
void icmp_guest_gone(struct ctx *c, int idx);

bool icmp_err_from_ee(const struct sock_extended_err *ee, bool v4,
		      uint8_t *type, uint8_t *code);
bool icmp_err_from_errno(int err, bool v4, uint8_t *type, uint8_t *code);
void icmp_err_src(const struct ctx *c, const struct flowside *g,
		  bool from_peer, union inany_addr *src);
ssize_t icmp_errqueue_recv(int s, uint8_t *buf, size_t size,
			   struct sock_extended_err *ee,
			   union inany_addr *offender);
void icmp_err_to_guest(struct ctx *c, const struct flowside *g,
		       bool from_peer, uint8_t type, uint8_t code,
		       uint8_t proto, const uint8_t *l4, size_t l4_len,
		       size_t avail);
void icmp_flow_evict(struct ctx *c, int idx);
uint64_t icmp_flow_last_active(int idx);

#endif /* FLOW_ICMP_H */
