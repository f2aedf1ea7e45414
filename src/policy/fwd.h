/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fwd.h - where new flows from the guest go on the host
 */
#ifndef POLICY_FWD_H
#define POLICY_FWD_H

#include <stdint.h>

#include "flow/flow.h"

struct ctx;

int fwd_guest_target(const struct ctx *c, uint8_t proto,
		     const union inany_addr *dst, uint16_t port,
		     union inany_addr *target);

#endif /* POLICY_FWD_H */
