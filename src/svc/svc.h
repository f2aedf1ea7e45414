/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * svc.h - built-in services answering the guest: common definitions
 *
 * Each service takes a frame validated by pkt_parse(), and either writes one
 * reply frame, ignores the request (disabled, not for us, nothing to say),
 * or finds it malformed at its own layer. Services read the configuration
 * in struct ctx and keep no state: what we learn about the guest is updated
 * by the dispatcher, as are the counters.
 */
#ifndef SVC_SVC_H
#define SVC_SVC_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct pkt;

/**
 * enum svc_verdict - what a service made of a request
 * @SVC_IGNORE:		no reply: disabled, or nothing to answer
 * @SVC_REPLY:		reply frame written
 * @SVC_MALFORMED:	no reply: invalid at the service's layer
 * @SVC_CONSUMED:	taken by a flow handler, which replies by itself
 */
enum svc_verdict {
	SVC_IGNORE = 0,
	SVC_REPLY,
	SVC_MALFORMED,
	SVC_CONSUMED,
};

enum svc_verdict arp_answer(const struct ctx *c, const struct pkt *p,
			    uint8_t *reply, size_t size, size_t *reply_len);
enum svc_verdict dhcp_answer(const struct ctx *c, const struct pkt *p,
			     uint8_t *reply, size_t size, size_t *reply_len);
enum svc_verdict ndp_answer(const struct ctx *c, const struct pkt *p,
			    uint8_t *reply, size_t size, size_t *reply_len);
enum svc_verdict dhcpv6_answer(const struct ctx *c, const struct pkt *p,
			       uint8_t *reply, size_t size,
			       size_t *reply_len);

#endif /* SVC_SVC_H */
