// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pkt_helpers.c - build guest frames and a test context for unit tests
 *
 * Addresses are documentation ones: 192.0.2.0/24 and 2001:db8::/32.
 */

#include <string.h>
#include <arpa/inet.h>

#include "pkt_helpers.h"
#include "policy/fwd.h"
#include "wire/pkt.h"

const uint8_t tf_guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t tf_our_mac[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

/**
 * tf_ip4() - parse an IPv4 address, for tests
 * @s:		dotted quad
 *
 * Return: address
 */
struct in_addr tf_ip4(const char *s)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, s, &a);
	return a;
}

/**
 * tf_mapped_ctx_init() - a context as conf_derive() leaves it, with mappings
 * @c:		context to fill
 *
 * IPv4: host and guest 192.0.2.2, gateway 192.0.2.1, --map-guest-addr
 * 192.0.2.200. IPv6: host and guest 2001:db8:1::2, gateway fe80::1,
 * --map-guest-addr 2001:db8::200. --map-host-loopback at its default, the
 * gateways. No route lookup socket, no isolation, no egress rules.
 */
void tf_mapped_ctx_init(struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->fd_route = -1;
	c->ip4.enabled = c->ip6.enabled = true;
	c->ip4.addr = tf_ip4("192.0.2.2");
	c->ip4.host_addr = c->ip4.addr;
	c->ip4.gw = tf_ip4("192.0.2.1");
	c->ip4.our_addr = c->ip4.gw;
	c->ip4.map_guest_addr = tf_ip4("192.0.2.200");
	c->ip6.addr = tf_ip6("2001:db8:1::2");
	c->ip6.host_addr = c->ip6.addr;
	c->ip6.gw = tf_ip6("fe80::1");
	c->ip6.our_ll = c->ip6.gw;
	c->ip6.map_guest_addr = tf_ip6("2001:db8::200");
	fwd_map_defaults(c);
}

/**
 * tf_inany() - parse an IPv4 or IPv6 address as an inany one, for tests
 * @s:		address text
 *
 * Return: address, IPv4-mapped for IPv4; unspecified if @s isn't one
 */
union inany_addr tf_inany(const char *s)
{
	union inany_addr a;
	struct in_addr a4;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a4) == 1)
		inany_from_v4(&a, a4);
	else if (inet_pton(AF_INET6, s, &a.a6) != 1)
		memset(&a, 0, sizeof(a));
	return a;
}

/**
 * tf_ip6() - parse an IPv6 address, for tests
 * @s:		address text
 *
 * Return: address
 */
struct in6_addr tf_ip6(const char *s)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;

	inet_pton(AF_INET6, s, &a);
	return a;
}

/**
 * tf_ctx_init() - fill a context as conf would, with documentation values
 * @c:		context to fill
 */
void tf_ctx_init(struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_PASST;
	memcpy(c->our_mac, tf_our_mac, 6);
	c->mtu = 65520;

	c->ip4.enabled = true;
	c->ip4.addr = tf_ip4("192.0.2.10");
	c->ip4.prefix_len = 24;
	c->ip4.gw = tf_ip4("192.0.2.1");
	c->ip4.our_addr = tf_ip4("192.0.2.1");
	c->ip4.dns[0] = tf_ip4("192.0.2.53");
	c->ip4.dns[1] = tf_ip4("198.51.100.53");
	c->ip4.dns_count = 2;

	c->ip6.enabled = true;
	c->ip6.addr = tf_ip6("2001:db8:1:2::10");
	c->ip6.prefix_len = 64;
	c->ip6.gw = tf_ip6("fe80::1");
	c->ip6.our_ll = tf_ip6("fe80::1");
	c->ip6.dns[0] = tf_ip6("2001:db8::53");
	c->ip6.dns_count = 1;

	strcpy(c->search[0], "example.com");
	strcpy(c->search[1], "lab.example.com");
	c->search_count = 2;
}

/**
 * tf_udp4() - build a UDP over IPv4 frame from the guest
 * @frame:	buffer
 * @size:	its size
 * @src:	source address text
 * @sport:	source port
 * @dst:	destination address text
 * @dport:	destination port
 * @payload:	UDP payload
 * @len:	its length
 *
 * Return: frame length
 */
size_t tf_udp4(uint8_t *frame, size_t size, const char *src, uint16_t sport,
	       const char *dst, uint16_t dport, const void *payload,
	       size_t len)
{
	struct in_addr s = tf_ip4(src), d = tf_ip4(dst);
	const uint8_t *dmac = mac_broadcast;

	memcpy(frame + UDP4_PAYLOAD_OFF, payload, len);
	return frame_udp4_build(frame, size, dmac, tf_guest_mac, &s, sport,
				&d, dport, len);
}

/**
 * tf_udp6() - build a UDP over IPv6 frame from the guest
 * @frame:	buffer
 * @size:	its size
 * @src:	source address text
 * @sport:	source port
 * @dst:	destination address text
 * @dport:	destination port
 * @payload:	UDP payload
 * @len:	its length
 *
 * Return: frame length
 */
size_t tf_udp6(uint8_t *frame, size_t size, const char *src, uint16_t sport,
	       const char *dst, uint16_t dport, const void *payload,
	       size_t len)
{
	struct in6_addr s = tf_ip6(src), d = tf_ip6(dst);
	uint8_t dmac[6];

	ip6_mcast_mac(&d, dmac);
	memcpy(frame + UDP6_PAYLOAD_OFF, payload, len);
	return frame_udp6_build(frame, size, dmac, tf_guest_mac, &s, sport,
				&d, dport, len, 1);
}

/**
 * tf_icmp6() - build an ICMPv6 frame from the guest, hop limit 255
 * @frame:	buffer
 * @size:	its size
 * @src:	source address text
 * @dst:	destination address text
 * @msg:	ICMPv6 message, checksum field ignored
 * @len:	its length
 *
 * Return: frame length
 */
size_t tf_icmp6(uint8_t *frame, size_t size, const char *src,
		const char *dst, const void *msg, size_t len)
{
	struct in6_addr s = tf_ip6(src), d = tf_ip6(dst);
	uint8_t dmac[6];

	ip6_mcast_mac(&d, dmac);
	memcpy(frame + ICMP6_OFF, msg, len);
	return frame_icmp6_build(frame, size, dmac, tf_guest_mac, &s, &d, len,
				 255);
}

/**
 * tf_be16() - read a big-endian 16-bit value
 * @p:		bytes
 *
 * Return: value
 */
uint16_t tf_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * tf_be32() - read a big-endian 32-bit value
 * @p:		bytes
 *
 * Return: value
 */
uint32_t tf_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/**
 * tf_ref_csum() - obviously correct Internet checksum, bytewise
 * @p:		data
 * @len:	length
 * @sum:	initial sum of big-endian 16-bit words
 *
 * Return: checksum, host order (as read big-endian from the packet)
 */
uint16_t tf_ref_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i < len; i++)
		sum += (i % 2) ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * tf_ip6_eq() - compare an address with a text one
 * @a:		address
 * @s:		address text
 *
 * Return: true if equal
 */
bool tf_ip6_eq(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = tf_ip6(s);

	return !memcmp(a, &b, sizeof(b));
}
