/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tcp.h - TCP headers (RFC 9293)
 */
#ifndef WIRE_TCP_H
#define WIRE_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

#define TCP_HLEN	20	/* without options */

#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define TCP_URG		0x20
#define TCP_ECE		0x40
#define TCP_CWR		0x80

/**
 * struct tcp_hdr - TCP header without options, as on the wire
 * @sport:	source port, network order
 * @dport:	destination port, network order
 * @seq:	sequence number, network order
 * @ack:	acknowledgement number, network order
 * @doff:	data offset in 32-bit words (high nibble)
 * @flags:	TCP_* flags
 * @window:	receive window, network order
 * @check:	checksum
 * @urg_ptr:	urgent pointer, network order
 */
struct tcp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t doff;
	uint8_t flags;
	uint16_t window;
	uint16_t check;
	uint16_t urg_ptr;
} __attribute__((packed));

/**
 * struct tcp_view - validated TCP segment, values in host order
 * @hdr:	header
 * @sport:	source port
 * @dport:	destination port
 * @seq:	sequence number
 * @ack:	acknowledgement number
 * @flags:	TCP_* flags
 * @window:	window, not scaled
 * @opts:	options, between the fixed header and data
 * @opts_len:	length of @opts
 * @payload:	data
 * @payload_len: length of @payload
 */
struct tcp_view {
	const struct tcp_hdr *hdr;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t window;
	const uint8_t *opts;
	size_t opts_len;
	const uint8_t *payload;
	size_t payload_len;
};

enum parse_result tcp_parse(const uint8_t *buf, size_t len,
			    struct tcp_view *v);
int tcp_opt_find(const struct tcp_view *v, uint8_t kind, uint8_t *val,
		 size_t val_size);

#endif /* WIRE_TCP_H */
