// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ip4.c - IPv4 headers (RFC 791)
 *
 * Theory of operation
 *
 * ip4_parse() checks version, header length and total length against the
 * bytes we actually have, and the header checksum: the kernel (tap) and qemu
 * (socket back-ends don't get checksum offload) always fill it, and it's a
 * cheap way to throw away garbage early. Bytes past the total length are
 * link-layer padding and are ignored. Fragments are valid but unhandled: we
 * don't reassemble.
 */

#include <string.h>
#include <arpa/inet.h>

#include "wire/ip4.h"
#include "wire/checksum.h"

/**
 * ip4_parse() - validate an IPv4 header and find the upper layer data
 * @buf:	IPv4 packet, after the Ethernet header
 * @len:	bytes available at @buf
 * @v:		view to fill on success
 *
 * Return: PARSE_OK, PARSE_UNHANDLED for fragments, PARSE_MALFORMED otherwise
 */
enum parse_result ip4_parse(const uint8_t *buf, size_t len,
			    struct ip4_view *v)
{
	const struct ip4_hdr *ih = (const struct ip4_hdr *)buf;
	size_t hdr_len, tot_len;
	uint16_t frag;

	if (len < sizeof(*ih) || (ih->ver_ihl >> 4) != 4)
		return PARSE_MALFORMED;

	hdr_len = (size_t)(ih->ver_ihl & 0xf) * 4;
	tot_len = ntohs(ih->tot_len);
	if (hdr_len < IP4_HLEN || hdr_len > tot_len || tot_len > len)
		return PARSE_MALFORMED;

	if (csum(buf, hdr_len, 0))
		return PARSE_MALFORMED;

	memset(v, 0, sizeof(*v));
	v->hdr = ih;
	v->hdr_len = hdr_len;
	v->tot_len = tot_len;
	memcpy(&v->src, ih->saddr, 4);
	memcpy(&v->dst, ih->daddr, 4);
	v->proto = ih->proto;
	v->ttl = ih->ttl;
	v->l4 = buf + hdr_len;
	v->l4_len = tot_len - hdr_len;

	frag = ntohs(ih->frag_off);
	if ((frag & IP4_FLAG_MF) || (frag & IP4_FRAG_OFF_MASK))
		return PARSE_UNHANDLED;

	return PARSE_OK;
}

/**
 * ip4_build() - write an IPv4 header without options, with its checksum
 * @buf:	where to write it
 * @size:	space at @buf
 * @proto:	upper layer protocol
 * @src:	source address
 * @dst:	destination address
 * @l4_len:	length of upper layer data that will follow
 * @ttl:	time to live
 *
 * Return: header length (IP4_HLEN), 0 if it doesn't fit or too long
 */
size_t ip4_build(uint8_t *buf, size_t size, uint8_t proto,
		 const struct in_addr *src, const struct in_addr *dst,
		 size_t l4_len, uint8_t ttl)
{
	struct ip4_hdr *ih = (struct ip4_hdr *)buf;
	uint16_t check;

	if (size < sizeof(*ih) || l4_len > 65535 - sizeof(*ih))
		return 0;

	ih->ver_ihl = 0x45;
	ih->tos = 0;
	ih->tot_len = htons((uint16_t)(sizeof(*ih) + l4_len));
	ih->id = 0;
	ih->frag_off = htons(IP4_FLAG_DF);
	ih->ttl = ttl;
	ih->proto = proto;
	ih->check = 0;
	memcpy(ih->saddr, src, 4);
	memcpy(ih->daddr, dst, 4);

	check = csum(ih, sizeof(*ih), 0);
	ih->check = check;

	return sizeof(*ih);
}

/**
 * ip4_netmask() - netmask for a prefix length
 * @prefix_len:	prefix length, clamped to 0..32
 *
 * Return: netmask, network order
 */
struct in_addr ip4_netmask(int prefix_len)
{
	struct in_addr m;

	if (prefix_len <= 0)
		m.s_addr = 0;
	else if (prefix_len >= 32)
		m.s_addr = 0xffffffff;
	else
		m.s_addr = htonl(~((1U << (32 - prefix_len)) - 1));

	return m;
}

/**
 * ip4_same_subnet() - tell if two addresses share a prefix
 * @a:		first address
 * @b:		second address
 * @prefix_len:	prefix length
 *
 * Return: true if the first @prefix_len bits of @a and @b match
 */
bool ip4_same_subnet(struct in_addr a, struct in_addr b, int prefix_len)
{
	struct in_addr m = ip4_netmask(prefix_len);

	return !((a.s_addr ^ b.s_addr) & m.s_addr);
}
