/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * icmp.h - ICMP (RFC 792) and ICMPv6 (RFC 4443) headers
 */
#ifndef WIRE_ICMP_H
#define WIRE_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

#define ICMP_HLEN		8	/* type, code, checksum, 4 more */

#define ICMP_ECHO_REPLY		0
#define ICMP_ECHO_REQUEST	8

/* Destination unreachable, and the codes we relay (prefixed ICMP4_ and
 * ICMP6_ so as not to clash with the C library's and the kernel's names)
 */
#define ICMP4_DEST_UNREACH	3
#define ICMP4_NET_UNREACH	0	/* ENETUNREACH */
#define ICMP4_HOST_UNREACH	1	/* EHOSTUNREACH */
#define ICMP4_PORT_UNREACH	3	/* ECONNREFUSED */
#define ICMP4_NET_UNKNOWN	6	/* ENETUNREACH */
#define ICMP4_HOST_UNKNOWN	7	/* EHOSTDOWN */
#define ICMP4_NET_PROHIB	9	/* ENETUNREACH */
#define ICMP4_HOST_PROHIB	10	/* EHOSTUNREACH */
#define ICMP4_ADMIN_PROHIB	13	/* EHOSTUNREACH: "packet filtered" */

#define ICMP6_DEST_UNREACH	1
#define ICMP6_NOROUTE		0	/* ENETUNREACH */
#define ICMP6_ADMIN_PROHIB	1	/* EACCES */
#define ICMP6_ADDR_UNREACH	3	/* EHOSTUNREACH */
#define ICMP6_PORT_UNREACH	4	/* ECONNREFUSED */
#define ICMP6_POLICY_FAIL	5	/* EACCES */
#define ICMP6_REJECT_ROUTE	6	/* EACCES */

#define ICMP6_ECHO_REQUEST	128
#define ICMP6_ECHO_REPLY	129
#define ICMP6_RS		133
#define ICMP6_RA		134
#define ICMP6_NS		135
#define ICMP6_NA		136

/**
 * struct icmp_hdr - ICMP or ICMPv6 header, as on the wire
 * @type:	message type
 * @code:	message code
 * @check:	checksum (ICMPv6: with the IPv6 pseudo-header)
 * @rest:	type-specific, e.g. identifier and sequence for echo
 */
struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	uint8_t rest[4];
} __attribute__((packed));

/**
 * struct icmp_view - validated ICMP or ICMPv6 message
 * @hdr:	header
 * @type:	message type
 * @code:	message code
 * @body:	data after the 8-byte header
 * @body_len:	length of @body
 */
struct icmp_view {
	const struct icmp_hdr *hdr;
	uint8_t type;
	uint8_t code;
	const uint8_t *body;
	size_t body_len;
};

enum parse_result icmp_parse(const uint8_t *buf, size_t len,
			     struct icmp_view *v);

#endif /* WIRE_ICMP_H */
