/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fwd.h - where new flows go: guest flows on the host, host flows in the guest
 */
#ifndef POLICY_FWD_H
#define POLICY_FWD_H

#include <stdint.h>

#include "flow/flow.h"

struct ctx;

int fwd_guest_target(const struct ctx *c, uint8_t proto,
		     const union inany_addr *dst, uint16_t port,
		     union inany_addr *target);

int fwd_outbound_bind(const struct ctx *c, int s, const union inany_addr *dst,
		      uint16_t port);

int fwd_inbound_guest_side(const struct ctx *c, const union inany_addr *peer,
			   uint16_t peer_port, uint16_t port,
			   struct flowside *g);

void fwd_map_defaults(struct ctx *c);

#endif /* POLICY_FWD_H */
