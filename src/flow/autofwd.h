/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * autofwd.h - pasta: automatic port forwarding (-t, -u, -T, -U auto)
 */
#ifndef FLOW_AUTOFWD_H
#define FLOW_AUTOFWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctx;
struct nlmsghdr;

size_t procnet_parse(const char *buf, size_t len, bool tcp, uint16_t eph,
		     uint8_t *bitmap);
uint16_t diag_msg_port(const struct nlmsghdr *nh, bool tcp, uint16_t eph);
int autofwd_init(struct ctx *c);
void autofwd_timer(struct ctx *c, uint64_t now);

#endif /* FLOW_AUTOFWD_H */
