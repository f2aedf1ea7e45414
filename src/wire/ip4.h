/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ip4.h - IPv4 headers (RFC 791)
 */
#ifndef WIRE_IP4_H
#define WIRE_IP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "wire/wire.h"

#define IP4_HLEN		20	/* without options */
#define IP4_DEFAULT_TTL		64
#define IP4_FLAG_DF		0x4000
#define IP4_FLAG_MF		0x2000
#define IP4_FRAG_OFF_MASK	0x1fff

/**
 * struct ip4_hdr - IPv4 header without options, as on the wire
 * @ver_ihl:	version (high nibble, 4) and header length in 32-bit words
 * @tos:	DSCP and ECN
 * @tot_len:	total length, network order
 * @id:		identification, network order
 * @frag_off:	flags and fragment offset, network order
 * @ttl:	time to live
 * @proto:	upper layer protocol
 * @check:	header checksum
 * @saddr:	source address
 * @daddr:	destination address
 */
struct ip4_hdr {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off;
	uint8_t ttl;
	uint8_t proto;
	uint16_t check;
	uint8_t saddr[4];
	uint8_t daddr[4];
} __attribute__((packed));

/**
 * struct ip4_view - validated IPv4 packet
 * @hdr:	header
 * @hdr_len:	header length including options
 * @tot_len:	total length from the header, validated against the buffer
 * @src:	source address
 * @dst:	destination address
 * @proto:	upper layer protocol
 * @ttl:	time to live
 * @l4:		upper layer data (after header and options)
 * @l4_len:	length of @l4, bounded by @tot_len
 */
struct ip4_view {
	const struct ip4_hdr *hdr;
	size_t hdr_len;
	size_t tot_len;
	struct in_addr src;
	struct in_addr dst;
	uint8_t proto;
	uint8_t ttl;
	const uint8_t *l4;
	size_t l4_len;
};

enum parse_result ip4_parse(const uint8_t *buf, size_t len,
			    struct ip4_view *v);
size_t ip4_build(uint8_t *buf, size_t size, uint8_t proto,
		 const struct in_addr *src, const struct in_addr *dst,
		 size_t l4_len, uint8_t ttl);
bool ip4_same_subnet(struct in_addr a, struct in_addr b, int prefix_len);
struct in_addr ip4_netmask(int prefix_len);

/**
 * ip4_is_unicast() - tell if an address can be a unicast source
 * @a:		address, network order
 *
 * Return: false for 0.0.0.0, multicast, limited broadcast and class E
 */
static inline bool ip4_is_unicast(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return h && (h >> 28) != 0xe && (h >> 28) != 0xf;
}

#endif /* WIRE_IP4_H */
