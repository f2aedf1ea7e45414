/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * listen.h - sockets bound on the host for forwarded ports (-t, -u)
 */
#ifndef FLOW_LISTEN_H
#define FLOW_LISTEN_H

#include <stdint.h>

struct ctx;
struct port_fwd;

int listen_init(struct ctx *c, const struct port_fwd *fwd, uint8_t proto);

#endif /* FLOW_LISTEN_H */
