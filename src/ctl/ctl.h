/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl.h - the control socket (-c, --conf-path): run-time changes to port
 * forwarding, flow listing and counters, for the pesto client
 */
#ifndef CTL_CTL_H
#define CTL_CTL_H

#include <stdint.h>

#include "util/epoll_ref.h"

struct ctx;

#define CTL_TIMEOUT_MS		2000	/* a client must make progress */
#define CTL_BACKLOG		16	/* clients waiting for their turn */

int ctl_init(struct ctx *c);
void ctl_listen_handler(struct ctx *c);
void ctl_client_handler(struct ctx *c, union epoll_ref ref, uint32_t events);
void ctl_timer(struct ctx *c, uint64_t now);

#endif /* CTL_CTL_H */
