// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ip6.c - IPv6 headers and extension headers (RFC 8200)
 *
 * Theory of operation
 *
 * ip6_parse() bounds the packet by its payload length (bytes after that are
 * link-layer padding), then walks at most IP6_EXT_MAX extension headers:
 * Hop-by-Hop Options (first only), Destination Options and Routing headers
 * are skipped by their length, fragments other than atomic ones are
 * unhandled (we don't reassemble), and so are routing headers with segments
 * left (not for us), ESP, AH and "No Next Header". Every length comes from
 * the packet, so each one is checked against what is left before use.
 */

#include <string.h>
#include <arpa/inet.h>

#include "wire/eth.h"
#include "wire/ip6.h"

#define IP6_NH_HOPOPTS		0
#define IP6_NH_ROUTING		43
#define IP6_NH_FRAGMENT		44
#define IP6_NH_ESP		50
#define IP6_NH_AH		51
#define IP6_NH_NONE		59
#define IP6_NH_DSTOPTS		60

const struct in6_addr ip6_all_nodes = {
	.s6_addr = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }
};

/**
 * ip6_parse() - validate an IPv6 header, skip extension headers
 * @buf:	IPv6 packet, after the Ethernet header
 * @len:	bytes available at @buf
 * @v:		view to fill on success
 *
 * Return: PARSE_OK, PARSE_UNHANDLED (fragments, IPsec, no next header, too
 *	   many extension headers), or PARSE_MALFORMED
 */
enum parse_result ip6_parse(const uint8_t *buf, size_t len,
			    struct ip6_view *v)
{
	const struct ip6_fixed_hdr *ih = (const struct ip6_fixed_hdr *)buf;
	size_t off = IP6_HLEN, end;
	uint8_t nh;
	int i;

	if (len < sizeof(*ih) || (buf[0] >> 4) != 6)
		return PARSE_MALFORMED;

	end = IP6_HLEN + (size_t)ntohs(ih->payload_len);
	if (end > len)
		return PARSE_MALFORMED;

	memset(v, 0, sizeof(*v));
	v->hdr = ih;
	memcpy(&v->src, ih->saddr, 16);
	memcpy(&v->dst, ih->daddr, 16);
	v->hop_limit = ih->hop_limit;

	/* IPv4-mapped addresses never appear on the wire (RFC 4291, 2.5.5.2),
	 * and our IPv6 sockets would take them for IPv4 ones: a way around
	 * any check on IPv4 destinations
	 */
	if (IN6_IS_ADDR_V4MAPPED(&v->src) || IN6_IS_ADDR_V4MAPPED(&v->dst))
		return PARSE_MALFORMED;

	nh = ih->nexthdr;
	for (i = 0; i < IP6_EXT_MAX; i++) {
		size_t ext_len;

		switch (nh) {
		case IP6_NH_HOPOPTS:
			if (i)
				return PARSE_MALFORMED;
			/* fall through */
		case IP6_NH_DSTOPTS:
		case IP6_NH_ROUTING:
			if (end - off < 8)
				return PARSE_MALFORMED;
			ext_len = ((size_t)buf[off + 1] + 1) * 8;
			if (ext_len > end - off)
				return PARSE_MALFORMED;
			if (nh == IP6_NH_ROUTING && buf[off + 3])
				return PARSE_UNHANDLED;	/* segments left */
			break;
		case IP6_NH_FRAGMENT: {
			uint16_t frag;

			if (end - off < 8)
				return PARSE_MALFORMED;
			memcpy(&frag, buf + off + 2, 2);
			if (ntohs(frag) & 0xfff9)	/* offset or M flag */
				return PARSE_UNHANDLED;
			ext_len = 8;
			break;
		}
		case IP6_NH_ESP:
		case IP6_NH_AH:
		case IP6_NH_NONE:
			return PARSE_UNHANDLED;
		default:
			v->proto = nh;
			v->l4 = buf + off;
			v->l4_len = end - off;
			return PARSE_OK;
		}

		nh = buf[off];
		off += ext_len;
	}

	return PARSE_UNHANDLED;
}

/**
 * ip6_build() - write an IPv6 header
 * @buf:	where to write it
 * @size:	space at @buf
 * @nexthdr:	upper layer protocol
 * @src:	source address
 * @dst:	destination address
 * @payload_len: length of the data that will follow
 * @hop_limit:	hop limit
 *
 * Return: header length (IP6_HLEN), 0 if it doesn't fit in @size, or the
 *	   packet would be longer than IP_PKT_MAX
 */
size_t ip6_build(uint8_t *buf, size_t size, uint8_t nexthdr,
		 const struct in6_addr *src, const struct in6_addr *dst,
		 size_t payload_len, uint8_t hop_limit)
{
	struct ip6_fixed_hdr *ih = (struct ip6_fixed_hdr *)buf;

	if (size < sizeof(*ih) || payload_len > IP_PKT_MAX - sizeof(*ih))
		return 0;

	ih->ver_tc_flow = htonl(6U << 28);
	ih->payload_len = htons((uint16_t)payload_len);
	ih->nexthdr = nexthdr;
	ih->hop_limit = hop_limit;
	memcpy(ih->saddr, src, 16);
	memcpy(ih->daddr, dst, 16);

	return sizeof(*ih);
}

/**
 * ip6_mcast_mac() - Ethernet address for an IPv6 multicast group (RFC 2464)
 * @a:		multicast address
 * @mac:	MAC address to fill, 33:33 and the last 32 bits of @a
 */
void ip6_mcast_mac(const struct in6_addr *a, uint8_t *mac)
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, &a->s6_addr[12], 4);
}

/**
 * ip6_same_prefix() - tell if two addresses share a prefix
 * @a:		first address
 * @b:		second address
 * @prefix_len:	prefix length, 0 to 128
 *
 * Return: true if the first @prefix_len bits match
 */
bool ip6_same_prefix(const struct in6_addr *a, const struct in6_addr *b,
		     int prefix_len)
{
	int bytes, bits;

	if (prefix_len <= 0)
		return true;
	if (prefix_len > 128)
		prefix_len = 128;

	bytes = prefix_len / 8;
	bits = prefix_len % 8;
	if (memcmp(a->s6_addr, b->s6_addr, (size_t)bytes))
		return false;
	if (!bits)
		return true;

	return !((a->s6_addr[bytes] ^ b->s6_addr[bytes]) &
		 (uint8_t)(0xff << (8 - bits)));
}
