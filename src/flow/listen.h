/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * listen.h - sockets bound for forwarded ports (-t, -u, -T, -U)
 */
#ifndef FLOW_LISTEN_H
#define FLOW_LISTEN_H

#include <stdint.h>

struct ctx;
struct port_fwd;

int listen_init(struct ctx *c, const struct port_fwd *fwd, uint8_t proto);
int listen_auto_port(struct ctx *c, const struct port_fwd *fwd, uint8_t proto,
		     int af, uint16_t port);

#endif /* FLOW_LISTEN_H */
