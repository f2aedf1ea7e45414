/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * pkt.h - a validated view of one Ethernet frame, and frame builders
 */
#ifndef WIRE_PKT_H
#define WIRE_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "wire/wire.h"
#include "wire/eth.h"
#include "wire/arp.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/udp.h"
#include "wire/tcp.h"
#include "wire/icmp.h"

/* Where upper layer data starts in frames built by the helpers below:
 * callers write the payload there first, then call the builder
 */
#define UDP4_PAYLOAD_OFF	(ETH_HLEN + IP4_HLEN + UDP_HLEN)
#define UDP6_PAYLOAD_OFF	(ETH_HLEN + IP6_HLEN + UDP_HLEN)
#define ICMP6_OFF		(ETH_HLEN + IP6_HLEN)

/* ICMP and ICMPv6 errors: the quoted packet (the offending IP header and
 * what follows) starts after the ICMP header; errors are kept within the
 * minimum MTU of their IP version (RFC 1812 4.3.2.3, RFC 4443 2.4 (c)), so
 * quotes are cut to these lengths
 */
#define ICMP4_ERR_QUOTE_OFF	(ETH_HLEN + IP4_HLEN + ICMP_HLEN)
#define ICMP6_ERR_QUOTE_OFF	(ETH_HLEN + IP6_HLEN + ICMP_HLEN)
#define ICMP4_ERR_QUOTE_MAX	(576 - IP4_HLEN - ICMP_HLEN)
#define ICMP6_ERR_QUOTE_MAX	(1280 - IP6_HLEN - ICMP_HLEN)

/**
 * struct pkt - one validated frame, every pointer within the frame
 * @frame:	start of the Ethernet header
 * @len:	frame length
 * @eth:	Ethernet header
 * @ethertype:	EtherType, host order
 * @arp:	ARP packet, if @ethertype is ETHERTYPE_ARP
 * @af:		AF_INET or AF_INET6 for IP packets, AF_UNSPEC otherwise
 * @l3:		IP header
 * @l3_len:	IP packet length, from its header (padding excluded)
 * @src4:	IPv4 source address
 * @dst4:	IPv4 destination address
 * @src6:	IPv6 source address
 * @dst6:	IPv6 destination address
 * @ttl:	IPv4 TTL or IPv6 hop limit
 * @proto:	upper layer protocol (after IPv6 extension headers)
 * @l4:		upper layer header
 * @l4_len:	length of upper layer header and data
 * @sport:	UDP or TCP source port, host order
 * @dport:	UDP or TCP destination port, host order
 * @icmp_type:	ICMP or ICMPv6 type
 * @icmp_code:	ICMP or ICMPv6 code
 * @payload:	data after the UDP, TCP (with options) or 8-byte ICMP header
 * @payload_len: length of @payload
 */
struct pkt {
	const uint8_t *frame;
	size_t len;
	const struct eth_hdr *eth;
	uint16_t ethertype;

	const struct arp_pkt *arp;

	int af;
	const uint8_t *l3;
	size_t l3_len;
	struct in_addr src4;
	struct in_addr dst4;
	struct in6_addr src6;
	struct in6_addr dst6;
	uint8_t ttl;

	uint8_t proto;
	const uint8_t *l4;
	size_t l4_len;
	uint16_t sport;
	uint16_t dport;
	uint8_t icmp_type;
	uint8_t icmp_code;
	const uint8_t *payload;
	size_t payload_len;
};

enum parse_result pkt_parse(const uint8_t *frame, size_t len, struct pkt *p);

size_t frame_udp4_build(uint8_t *frame, size_t size, const uint8_t *dmac,
			const uint8_t *smac, const struct in_addr *src,
			uint16_t sport, const struct in_addr *dst,
			uint16_t dport, size_t payload_len);
size_t frame_udp6_build(uint8_t *frame, size_t size, const uint8_t *dmac,
			const uint8_t *smac, const struct in6_addr *src,
			uint16_t sport, const struct in6_addr *dst,
			uint16_t dport, size_t payload_len, uint8_t hop_limit);
size_t frame_icmp6_build(uint8_t *frame, size_t size, const uint8_t *dmac,
			 const uint8_t *smac, const struct in6_addr *src,
			 const struct in6_addr *dst, size_t icmp_len,
			 uint8_t hop_limit);
size_t frame_icmp4_err_build(uint8_t *frame, size_t size,
			     const uint8_t *dmac, const uint8_t *smac,
			     const struct in_addr *src,
			     const struct in_addr *dst, uint8_t type,
			     uint8_t code, size_t quote_len);
size_t frame_icmp6_err_build(uint8_t *frame, size_t size,
			     const uint8_t *dmac, const uint8_t *smac,
			     const struct in6_addr *src,
			     const struct in6_addr *dst, uint8_t type,
			     uint8_t code, size_t quote_len);
bool icmp6_csum_ok(const struct pkt *p);

#endif /* WIRE_PKT_H */
