/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * udp.h - UDP headers (RFC 768)
 */
#ifndef WIRE_UDP_H
#define WIRE_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

#define UDP_HLEN	8

/**
 * struct udp_hdr - UDP header, as on the wire
 * @sport:	source port, network order
 * @dport:	destination port, network order
 * @len:	length of header and payload, network order
 * @check:	checksum (0: none, IPv4 only)
 */
struct udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint16_t check;
} __attribute__((packed));

/**
 * struct udp_view - validated UDP datagram
 * @hdr:	header
 * @sport:	source port, host order
 * @dport:	destination port, host order
 * @payload:	data after the header
 * @payload_len: length of @payload, from the UDP length field, validated
 */
struct udp_view {
	const struct udp_hdr *hdr;
	uint16_t sport;
	uint16_t dport;
	const uint8_t *payload;
	size_t payload_len;
};

enum parse_result udp_parse(const uint8_t *buf, size_t len,
			    struct udp_view *v);

#endif /* WIRE_UDP_H */
