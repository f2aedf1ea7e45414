/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * pkt_helpers.h - build guest frames and a test context for unit tests
 */
#ifndef PKT_HELPERS_H
#define PKT_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "conf/ctx.h"
#include "flow/flow.h"

extern const uint8_t tf_guest_mac[6];
extern const uint8_t tf_our_mac[6];

void tf_ctx_init(struct ctx *c);
void tf_mapped_ctx_init(struct ctx *c);
struct in_addr tf_ip4(const char *s);
struct in6_addr tf_ip6(const char *s);
union inany_addr tf_inany(const char *s);
size_t tf_udp4(uint8_t *frame, size_t size, const char *src, uint16_t sport,
	       const char *dst, uint16_t dport, const void *payload,
	       size_t len);
size_t tf_udp6(uint8_t *frame, size_t size, const char *src, uint16_t sport,
	       const char *dst, uint16_t dport, const void *payload,
	       size_t len);
size_t tf_icmp6(uint8_t *frame, size_t size, const char *src,
		const char *dst, const void *msg, size_t len);
bool tf_ip6_eq(const struct in6_addr *a, const char *s);
uint16_t tf_be16(const uint8_t *p);
uint32_t tf_be32(const uint8_t *p);
uint16_t tf_ref_csum(const uint8_t *p, size_t len, uint32_t sum);

#endif /* PKT_HELPERS_H */
