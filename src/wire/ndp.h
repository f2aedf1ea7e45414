/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ndp.h - Neighbor Discovery messages and options (RFC 4861)
 */
#ifndef WIRE_NDP_H
#define WIRE_NDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wbuf.h"

#define NDP_HOP_LIMIT		255

#define NDP_OPT_SLLA		1	/* source link-layer address */
#define NDP_OPT_TLLA		2	/* target link-layer address */
#define NDP_OPT_PREFIX		3
#define NDP_OPT_MTU		5
#define NDP_OPT_RDNSS		25	/* RFC 8106 */
#define NDP_OPT_DNSSL		31	/* RFC 8106 */

#define NDP_NA_ROUTER		0x80
#define NDP_NA_SOLICITED	0x40
#define NDP_NA_OVERRIDE		0x20

#define NDP_RA_MANAGED		0x80
#define NDP_RA_OTHER		0x40

#define NDP_PREFIX_ONLINK	0x80
#define NDP_PREFIX_AUTO		0x40

/**
 * struct ndp_ns - Neighbor Solicitation, as on the wire
 * @type:	ICMP6_NS
 * @code:	0
 * @check:	ICMPv6 checksum
 * @reserved:	zero
 * @target:	target address
 */
struct ndp_ns {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	uint32_t reserved;
	uint8_t target[16];
} __attribute__((packed));

/**
 * struct ndp_na - Neighbor Advertisement, as on the wire
 * @type:	ICMP6_NA
 * @code:	0
 * @check:	ICMPv6 checksum
 * @flags:	NDP_NA_* flags
 * @reserved:	zero
 * @target:	target address
 */
struct ndp_na {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	uint8_t flags;
	uint8_t reserved[3];
	uint8_t target[16];
} __attribute__((packed));

/**
 * struct ndp_rs - Router Solicitation, as on the wire
 * @type:	ICMP6_RS
 * @code:	0
 * @check:	ICMPv6 checksum
 * @reserved:	zero
 */
struct ndp_rs {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	uint32_t reserved;
} __attribute__((packed));

/**
 * struct ndp_ra - Router Advertisement, as on the wire
 * @type:	ICMP6_RA
 * @code:	0
 * @check:	ICMPv6 checksum
 * @cur_hop_limit: hop limit hosts should use, 0: unspecified
 * @flags:	NDP_RA_* flags
 * @lifetime:	router lifetime in seconds, network order
 * @reachable:	reachable time in ms, network order, 0: unspecified
 * @retrans:	retransmission timer in ms, network order, 0: unspecified
 */
struct ndp_ra {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	uint8_t cur_hop_limit;
	uint8_t flags;
	uint16_t lifetime;
	uint32_t reachable;
	uint32_t retrans;
} __attribute__((packed));

bool ndp_opts_valid(const uint8_t *opts, size_t len);
const uint8_t *ndp_opt_find(const uint8_t *opts, size_t len, uint8_t type);
bool ndp_opt_lla_put(struct wbuf *w, uint8_t type, const uint8_t *mac);

#endif /* WIRE_NDP_H */
