/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ip6.h - IPv6 headers and extension headers (RFC 8200)
 */
#ifndef WIRE_IP6_H
#define WIRE_IP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include "wire/wire.h"

#define IP6_HLEN		40
#define IP6_EXT_MAX		8	/* extension headers we walk, at most */
#define IP6_DEFAULT_HOP_LIMIT	64

/**
 * struct ip6_fixed_hdr - fixed IPv6 header, as on the wire
 * @ver_tc_flow: version (4 bits, 6), traffic class, flow label
 * @payload_len: payload length (extension headers included), network order
 * @nexthdr:	next header
 * @hop_limit:	hop limit
 * @saddr:	source address
 * @daddr:	destination address
 */
struct ip6_fixed_hdr {
	uint32_t ver_tc_flow;
	uint16_t payload_len;
	uint8_t nexthdr;
	uint8_t hop_limit;
	uint8_t saddr[16];
	uint8_t daddr[16];
} __attribute__((packed));

/**
 * struct ip6_view - validated IPv6 packet
 * @hdr:	fixed header
 * @src:	source address
 * @dst:	destination address
 * @hop_limit:	hop limit
 * @proto:	upper layer protocol, after extension headers
 * @l4:		upper layer data
 * @l4_len:	length of @l4, bounded by the payload length
 */
struct ip6_view {
	const struct ip6_fixed_hdr *hdr;
	struct in6_addr src;
	struct in6_addr dst;
	uint8_t hop_limit;
	uint8_t proto;
	const uint8_t *l4;
	size_t l4_len;
};

enum parse_result ip6_parse(const uint8_t *buf, size_t len,
			    struct ip6_view *v);
size_t ip6_build(uint8_t *buf, size_t size, uint8_t nexthdr,
		 const struct in6_addr *src, const struct in6_addr *dst,
		 size_t payload_len, uint8_t hop_limit);
void ip6_mcast_mac(const struct in6_addr *a, uint8_t *mac);
bool ip6_same_prefix(const struct in6_addr *a, const struct in6_addr *b,
		     int prefix_len);

extern const struct in6_addr ip6_all_nodes;

/**
 * ip6_eq() - compare two IPv6 addresses
 * @a:		first address
 * @b:		second address
 *
 * Return: true if equal
 */
static inline bool ip6_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/**
 * ip6_is_unspec() - tell if an address is ::
 * @a:		address
 *
 * Return: true for the unspecified address
 */
static inline bool ip6_is_unspec(const struct in6_addr *a)
{
	static const struct in6_addr any;

	return ip6_eq(a, &any);
}

/**
 * ip6_is_multicast() - tell if an address is multicast (ff00::/8)
 * @a:		address
 *
 * Return: true for multicast addresses
 */
static inline bool ip6_is_multicast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

/**
 * ip6_is_link_local() - tell if an address is link-local unicast (fe80::/10)
 * @a:		address
 *
 * Return: true for link-local unicast addresses
 */
static inline bool ip6_is_link_local(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

#endif /* WIRE_IP6_H */
