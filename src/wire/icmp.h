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
