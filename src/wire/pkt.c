// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pkt.c - a validated view of one Ethernet frame, and frame builders
 *
 * Theory of operation
 *
 * pkt_parse() is the single entry point for guest bytes: Ethernet, then ARP
 * or IPv4 / IPv6, then the UDP, TCP or ICMP header. Each layer is bounded by
 * the one below (IP total or payload length, UDP length, TCP data offset),
 * and each length is checked before use, so that every pointer in struct pkt
 * lies within the frame. Other upper layer protocols are left with @l4 set
 * and no ports.
 *
 * The frame_*_build() helpers write Ethernet, IP and upper layer headers in
 * front of a payload the caller already placed at UDP4_PAYLOAD_OFF,
 * UDP6_PAYLOAD_OFF or (for ICMPv6, header included) ICMP6_OFF, and fill
 * checksums. They copy no data, so they suit the data path as well. A frame
 * longer than FRAME_MAX (an IP packet over IP_PKT_MAX, IPv6 included) or
 * than the buffer is refused: nothing is written, and they return 0.
 * frame_icmp4_err_build() and frame_icmp6_err_build() do the same for ICMP
 * and ICMPv6 errors around a quoted packet at ICMP4_ERR_QUOTE_OFF or
 * ICMP6_ERR_QUOTE_OFF, which they cut to the limits of RFC 1812 and
 * RFC 4443 (576 and 1280 bytes for the whole error).
 */

#include <string.h>
#include <arpa/inet.h>

#include "wire/pkt.h"
#include "wire/checksum.h"

/**
 * pkt_parse_l4() - validate the upper layer header of an IP packet
 * @p:		frame view, with @proto, @l4 and @l4_len set
 *
 * Return: PARSE_OK or PARSE_MALFORMED
 */
static enum parse_result pkt_parse_l4(struct pkt *p)
{
	switch (p->proto) {
	case IPPROTO_UDP: {
		struct udp_view uv;

		if (udp_parse(p->l4, p->l4_len, &uv))
			return PARSE_MALFORMED;
		p->sport = uv.sport;
		p->dport = uv.dport;
		p->payload = uv.payload;
		p->payload_len = uv.payload_len;
		break;
	}
	case IPPROTO_TCP: {
		struct tcp_view tv;

		if (tcp_parse(p->l4, p->l4_len, &tv))
			return PARSE_MALFORMED;
		p->sport = tv.sport;
		p->dport = tv.dport;
		p->payload = tv.payload;
		p->payload_len = tv.payload_len;
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		struct icmp_view iv;

		if ((p->proto == IPPROTO_ICMP) != (p->af == AF_INET))
			break;		/* ICMP over IPv6 or the other way */
		if (icmp_parse(p->l4, p->l4_len, &iv))
			return PARSE_MALFORMED;
		p->icmp_type = iv.type;
		p->icmp_code = iv.code;
		p->payload = iv.body;
		p->payload_len = iv.body_len;
		break;
	}
	default:
		break;
	}

	return PARSE_OK;
}

/**
 * pkt_parse() - validate a frame from the guest, layer by layer
 * @frame:	Ethernet frame
 * @len:	its length
 * @p:		view to fill; also filled as far as it got on failure
 *
 * Return: PARSE_OK, PARSE_UNHANDLED (VLAN tags, 802.3 length frames, other
 *	   EtherTypes, IP fragments...), or PARSE_MALFORMED
 */
enum parse_result pkt_parse(const uint8_t *frame, size_t len, struct pkt *p)
{
	enum parse_result rc;

	memset(p, 0, sizeof(*p));
	p->frame = frame;
	p->len = len;
	p->af = AF_UNSPEC;

	if (len < ETH_HLEN)
		return PARSE_MALFORMED;

	p->eth = (const struct eth_hdr *)frame;
	p->ethertype = ntohs(p->eth->type);
	if (mac_is_multicast(p->eth->src))
		return PARSE_MALFORMED;

	switch (p->ethertype) {
	case ETHERTYPE_ARP:
		p->arp = arp_parse(frame + ETH_HLEN, len - ETH_HLEN);
		return p->arp ? PARSE_OK : PARSE_MALFORMED;
	case ETHERTYPE_IP: {
		struct ip4_view v;

		rc = ip4_parse(frame + ETH_HLEN, len - ETH_HLEN, &v);
		if (rc == PARSE_MALFORMED)
			return rc;
		p->af = AF_INET;
		p->l3 = frame + ETH_HLEN;
		p->l3_len = v.tot_len;
		p->src4 = v.src;
		p->dst4 = v.dst;
		p->ttl = v.ttl;
		p->proto = v.proto;
		if (rc != PARSE_OK)
			return rc;
		p->l4 = v.l4;
		p->l4_len = v.l4_len;
		break;
	}
	case ETHERTYPE_IPV6: {
		struct ip6_view v;

		rc = ip6_parse(frame + ETH_HLEN, len - ETH_HLEN, &v);
		if (rc == PARSE_MALFORMED)
			return rc;
		p->af = AF_INET6;
		p->l3 = frame + ETH_HLEN;
		p->l3_len = IP6_HLEN + ntohs(v.hdr->payload_len);
		p->src6 = v.src;
		p->dst6 = v.dst;
		p->ttl = v.hop_limit;
		if (rc != PARSE_OK)
			return rc;
		p->proto = v.proto;
		p->l4 = v.l4;
		p->l4_len = v.l4_len;
		break;
	}
	default:
		/* VLAN tags, 802.3 length frames, anything else */
		return PARSE_UNHANDLED;
	}

	return pkt_parse_l4(p);
}

/**
 * frame_udp4_build() - complete a UDP over IPv4 frame around a payload
 * @frame:	frame buffer, payload already at UDP4_PAYLOAD_OFF
 * @size:	size of @frame
 * @dmac:	destination MAC address
 * @smac:	source MAC address
 * @src:	source address
 * @sport:	source port, host order
 * @dst:	destination address
 * @dport:	destination port, host order
 * @payload_len: length of the payload
 *
 * Return: frame length, 0 if it doesn't fit in @size or in FRAME_MAX
 */
size_t frame_udp4_build(uint8_t *frame, size_t size, const uint8_t *dmac,
			const uint8_t *smac, const struct in_addr *src,
			uint16_t sport, const struct in_addr *dst,
			uint16_t dport, size_t payload_len)
{
	struct udp_hdr *uh = (struct udp_hdr *)(frame + ETH_HLEN + IP4_HLEN);
	size_t udp_len = UDP_HLEN + payload_len;
	uint16_t check;

	if (size < UDP4_PAYLOAD_OFF || payload_len > size - UDP4_PAYLOAD_OFF ||
	    udp_len > IP_PKT_MAX - IP4_HLEN)
		return 0;

	eth_build(frame, size, dmac, smac, ETHERTYPE_IP);
	ip4_build(frame + ETH_HLEN, size - ETH_HLEN, IPPROTO_UDP, src, dst,
		  udp_len, IP4_DEFAULT_TTL);

	uh->sport = htons(sport);
	uh->dport = htons(dport);
	uh->len = htons((uint16_t)udp_len);
	uh->check = 0;
	check = csum(uh, udp_len,
		     csum_ip4_pseudo(src, dst, IPPROTO_UDP,
				     (uint16_t)udp_len));
	uh->check = check ? check : 0xffff;

	return UDP4_PAYLOAD_OFF + payload_len;
}

/**
 * frame_udp6_build() - complete a UDP over IPv6 frame around a payload
 * @frame:	frame buffer, payload already at UDP6_PAYLOAD_OFF
 * @size:	size of @frame
 * @dmac:	destination MAC address
 * @smac:	source MAC address
 * @src:	source address
 * @sport:	source port, host order
 * @dst:	destination address
 * @dport:	destination port, host order
 * @payload_len: length of the payload
 * @hop_limit:	hop limit
 *
 * Return: frame length, 0 if it doesn't fit in @size or in FRAME_MAX
 */
size_t frame_udp6_build(uint8_t *frame, size_t size, const uint8_t *dmac,
			const uint8_t *smac, const struct in6_addr *src,
			uint16_t sport, const struct in6_addr *dst,
			uint16_t dport, size_t payload_len, uint8_t hop_limit)
{
	struct udp_hdr *uh = (struct udp_hdr *)(frame + ETH_HLEN + IP6_HLEN);
	size_t udp_len = UDP_HLEN + payload_len;
	uint16_t check;

	if (size < UDP6_PAYLOAD_OFF || payload_len > size - UDP6_PAYLOAD_OFF ||
	    udp_len > IP_PKT_MAX - IP6_HLEN)
		return 0;

	eth_build(frame, size, dmac, smac, ETHERTYPE_IPV6);
	ip6_build(frame + ETH_HLEN, size - ETH_HLEN, IPPROTO_UDP, src, dst,
		  udp_len, hop_limit);

	uh->sport = htons(sport);
	uh->dport = htons(dport);
	uh->len = htons((uint16_t)udp_len);
	uh->check = 0;
	check = csum(uh, udp_len,
		     csum_ip6_pseudo(src, dst, IPPROTO_UDP,
				     (uint32_t)udp_len));
	uh->check = check ? check : 0xffff;

	return UDP6_PAYLOAD_OFF + payload_len;
}

/**
 * frame_icmp6_build() - complete an ICMPv6 frame around a message
 * @frame:	frame buffer, ICMPv6 message (header included, checksum
 *		ignored) already at ICMP6_OFF
 * @size:	size of @frame
 * @dmac:	destination MAC address
 * @smac:	source MAC address
 * @src:	source address
 * @dst:	destination address
 * @icmp_len:	length of the ICMPv6 message
 * @hop_limit:	hop limit (255 for Neighbor Discovery)
 *
 * Return: frame length, 0 if it doesn't fit in @size or in FRAME_MAX
 */
size_t frame_icmp6_build(uint8_t *frame, size_t size, const uint8_t *dmac,
			 const uint8_t *smac, const struct in6_addr *src,
			 const struct in6_addr *dst, size_t icmp_len,
			 uint8_t hop_limit)
{
	struct icmp_hdr *ih = (struct icmp_hdr *)(frame + ICMP6_OFF);
	uint16_t check;

	if (size < ICMP6_OFF + ICMP_HLEN || icmp_len < ICMP_HLEN ||
	    icmp_len > size - ICMP6_OFF || icmp_len > IP_PKT_MAX - IP6_HLEN)
		return 0;

	eth_build(frame, size, dmac, smac, ETHERTYPE_IPV6);
	ip6_build(frame + ETH_HLEN, size - ETH_HLEN, IPPROTO_ICMPV6, src, dst,
		  icmp_len, hop_limit);

	ih->check = 0;
	check = csum(ih, icmp_len,
		     csum_ip6_pseudo(src, dst, IPPROTO_ICMPV6,
				     (uint32_t)icmp_len));
	ih->check = check;

	return ICMP6_OFF + icmp_len;
}

/**
 * frame_icmp4_err_build() - complete an ICMP error frame around a quote
 * @frame:	frame buffer, offending packet (IP header first) already at
 *		ICMP4_ERR_QUOTE_OFF
 * @size:	size of @frame
 * @dmac:	destination MAC address
 * @smac:	source MAC address
 * @src:	source address of the error
 * @dst:	destination address of the error
 * @type:	ICMP type, e.g. 3 (destination unreachable)
 * @code:	ICMP code
 * @quote_len:	length of the offending packet at ICMP4_ERR_QUOTE_OFF, cut
 *		to ICMP4_ERR_QUOTE_MAX here
 *
 * The four bytes after the checksum (unused, or MTU for code 4) are zero.
 *
 * Return: frame length, 0 if it doesn't fit in @size
 */
size_t frame_icmp4_err_build(uint8_t *frame, size_t size,
			     const uint8_t *dmac, const uint8_t *smac,
			     const struct in_addr *src,
			     const struct in_addr *dst, uint8_t type,
			     uint8_t code, size_t quote_len)
{
	struct icmp_hdr *ih = (struct icmp_hdr *)(frame + ETH_HLEN + IP4_HLEN);
	size_t icmp_len;

	if (quote_len > ICMP4_ERR_QUOTE_MAX)
		quote_len = ICMP4_ERR_QUOTE_MAX;
	if (size < ICMP4_ERR_QUOTE_OFF ||
	    quote_len > size - ICMP4_ERR_QUOTE_OFF)
		return 0;
	icmp_len = ICMP_HLEN + quote_len;

	eth_build(frame, size, dmac, smac, ETHERTYPE_IP);
	ip4_build(frame + ETH_HLEN, size - ETH_HLEN, IPPROTO_ICMP, src, dst,
		  icmp_len, IP4_DEFAULT_TTL);

	memset(ih, 0, sizeof(*ih));
	ih->type = type;
	ih->code = code;
	ih->check = csum(ih, icmp_len, 0);

	return ICMP4_ERR_QUOTE_OFF + quote_len;
}

/**
 * frame_icmp6_err_build() - complete an ICMPv6 error frame around a quote
 * @frame:	frame buffer, offending packet (IPv6 header first) already at
 *		ICMP6_ERR_QUOTE_OFF
 * @size:	size of @frame
 * @dmac:	destination MAC address
 * @smac:	source MAC address
 * @src:	source address of the error
 * @dst:	destination address of the error
 * @type:	ICMPv6 type, e.g. 1 (destination unreachable)
 * @code:	ICMPv6 code
 * @quote_len:	length of the offending packet at ICMP6_ERR_QUOTE_OFF, cut
 *		to ICMP6_ERR_QUOTE_MAX here
 *
 * The four bytes after the checksum (unused, or MTU for type 2) are zero.
 *
 * Return: frame length, 0 if it doesn't fit in @size
 */
size_t frame_icmp6_err_build(uint8_t *frame, size_t size,
			     const uint8_t *dmac, const uint8_t *smac,
			     const struct in6_addr *src,
			     const struct in6_addr *dst, uint8_t type,
			     uint8_t code, size_t quote_len)
{
	struct icmp_hdr *ih = (struct icmp_hdr *)(frame + ICMP6_OFF);

	if (quote_len > ICMP6_ERR_QUOTE_MAX)
		quote_len = ICMP6_ERR_QUOTE_MAX;
	if (size < ICMP6_ERR_QUOTE_OFF ||
	    quote_len > size - ICMP6_ERR_QUOTE_OFF)
		return 0;

	memset(ih, 0, sizeof(*ih));
	ih->type = type;
	ih->code = code;

	return frame_icmp6_build(frame, size, dmac, smac, src, dst,
				 ICMP_HLEN + quote_len, IP6_DEFAULT_HOP_LIMIT);
}

/**
 * icmp6_csum_ok() - verify the checksum of an ICMPv6 message
 * @p:		frame view with an ICMPv6 message
 *
 * Return: true if the checksum is correct
 */
bool icmp6_csum_ok(const struct pkt *p)
{
	if (p->af != AF_INET6 || p->proto != IPPROTO_ICMPV6 || !p->l4)
		return false;

	return !csum(p->l4, p->l4_len,
		     csum_ip6_pseudo(&p->src6, &p->dst6, IPPROTO_ICMPV6,
				     (uint32_t)p->l4_len));
}
