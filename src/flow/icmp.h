/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * icmp.h - ICMP and ICMPv6 echo flows through ping sockets
 */
#ifndef FLOW_ICMP_H
#define FLOW_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/epoll_ref.h"

struct ctx;
struct pkt;

bool icmp_tap_handler(struct ctx *c, const struct pkt *p);
void icmp_sock_handler(struct ctx *c, union epoll_ref ref);
void icmp_timer(struct ctx *c);

#endif /* FLOW_ICMP_H */
