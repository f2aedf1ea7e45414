// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dispatch.c - hand one frame from the guest to whatever handles it
 *
 * Theory of operation
 *
 * Every frame from the guest is validated once, by pkt_parse(), into a
 * struct pkt view (addresses, protocol, upper layer offsets and payload).
 * From valid frames, even unhandled ones, we learn the guest's MAC address
 * and the addresses it uses. Then:
 *
 *	ARP				-> arp_answer()
 *	IPv4, UDP to port 67		-> dhcp_answer()
 *	IPv6, ICMPv6 RS or NS		-> ndp_answer()
 *	IPv6, UDP to port 547		-> dhcpv6_answer()
 *	anything else			-> dispatch_l4(): TCP, UDP, ICMP echo flows
 *
 * A service turned off (--no-dhcp, --no-ndp, --no-dhcpv6) doesn't take its
 * frames: they go to dispatch_l4() as any other. DHCP and DHCPv6 requests
 * are then UDP like any other: to a unicast address (a server the guest
 * knows of), a UDP flow forwards them; to a broadcast or multicast address,
 * they're dropped and counted as unhandled. Router and Neighbor
 * Solicitations are nobody's business then: unhandled too.
 *
 * Counters: frames_in for every frame; malformed for frames failing
 * validation (by pkt_parse() or the service); unhandled for valid frames
 * nobody answers (including requests a service chose to ignore); the
 * per-service reply counters when a reply is returned. frames_out is left
 * to whoever sends the reply.
 */

#include <string.h>
#include <arpa/inet.h>

#include "conf/ctx.h"
#include "svc/dispatch.h"
#include "svc/svc.h"
#include "flow/icmp.h"
#include "flow/tcp.h"
#include "flow/udp.h"
#include "wire/pkt.h"
#include "wire/dhcp.h"
#include "wire/dhcpv6.h"
#include "util/log.h"

/**
 * dispatch_learn() - learn the guest's MAC and addresses from a valid frame
 * @c:		execution context, seen addresses updated
 * @p:		validated frame
 */
static void dispatch_learn(struct ctx *c, const struct pkt *p)
{
	struct guest_seen *s = &c->seen;

	memcpy(s->mac, p->eth->src, ETH_ALEN);
	s->mac_known = true;

	if (p->arp) {
		struct in_addr spa;

		memcpy(&spa, p->arp->spa, sizeof(spa));
		if (ip4_is_unicast(spa))
			s->addr4 = spa;
	} else if (p->af == AF_INET) {
		if (ip4_is_unicast(p->src4))
			s->addr4 = p->src4;
	} else if (p->af == AF_INET6) {
		if (ip6_is_link_local(&p->src6))
			s->addr6_ll = p->src6;
		else if (!ip6_is_unspec(&p->src6) &&
			 !ip6_is_multicast(&p->src6) &&
			 !IN6_IS_ADDR_LOOPBACK(&p->src6))
			s->addr6 = p->src6;
	}
}

/**
 * dispatch_l4() - hand a frame to the TCP, UDP and ICMP flow handlers
 * @c:		execution context
 * @p:		validated frame, not for a built-in service
 * @reply:	buffer for a reply frame
 * @size:	size of @reply
 * @reply_len:	set to the reply length on SVC_REPLY
 *
 * Return: SVC_CONSUMED if a flow handler took the frame, SVC_IGNORE if
 *	   nobody handles it
 */
static enum svc_verdict dispatch_l4(struct ctx *c, const struct pkt *p,
				    uint8_t *reply, size_t size,
				    size_t *reply_len)
{
	(void)reply;
	(void)size;
	(void)reply_len;

	/* Only the real program hands frames on: unit tests and fuzzers
	 * leave flows_on unset, so they never open a socket
	 */
	if (!c->flows_on)
		return SVC_IGNORE;

	switch (p->proto) {
	case IPPROTO_TCP:
		if (c->no_tcp)
			return SVC_IGNORE;
		tcp_tap_handler(c, p);
		return SVC_CONSUMED;
	case IPPROTO_UDP:
		if (c->no_udp)
			return SVC_IGNORE;
		return udp_tap_handler(c, p) ? SVC_CONSUMED : SVC_IGNORE;
	case IPPROTO_ICMP:
		if (c->no_icmp || p->af != AF_INET ||
		    p->icmp_type != ICMP_ECHO_REQUEST || p->icmp_code)
			return SVC_IGNORE;
		return icmp_tap_handler(c, p) ? SVC_CONSUMED : SVC_IGNORE;
	case IPPROTO_ICMPV6:
		if (c->no_icmp || p->af != AF_INET6 ||
		    p->icmp_type != ICMP6_ECHO_REQUEST || p->icmp_code)
			return SVC_IGNORE;
		return icmp_tap_handler(c, p) ? SVC_CONSUMED : SVC_IGNORE;
	default:
		return SVC_IGNORE;
	}
}

/**
 * dispatch_frame() - validate a frame from the guest and answer it
 * @c:		execution context: guest_seen and frame_stats updated
 * @frame:	Ethernet frame, any alignment
 * @len:	length of @frame
 * @reply:	buffer for one reply frame (FRAME_MAX bytes is always enough)
 * @reply_size:	size of @reply
 *
 * Return: length of the reply frame written to @reply, 0 if none
 */
size_t dispatch_frame(struct ctx *c, const uint8_t *frame, size_t len,
		      uint8_t *reply, size_t reply_size)
{
	enum svc_verdict verdict;
	uint64_t *replies = NULL;
	enum parse_result rc;
	size_t reply_len = 0;
	struct pkt p;

	c->stats.frames_in++;
	c->stats.bytes_in += len;

	rc = pkt_parse(frame, len, &p);
	if (rc == PARSE_MALFORMED) {
		c->stats.malformed++;
		log_trace("dropping malformed frame, %zu bytes", len);
		return 0;
	}

	dispatch_learn(c, &p);

	if (rc == PARSE_UNHANDLED) {
		c->stats.unhandled++;
		log_trace("unhandled frame, EtherType 0x%04x, %zu bytes",
			  p.ethertype, len);
		return 0;
	}

	if (p.arp) {
		verdict = arp_answer(c, &p, reply, reply_size, &reply_len);
		replies = &c->stats.arp_replies;
	} else if (p.af == AF_INET && p.proto == IPPROTO_UDP &&
		   p.dport == DHCP_SERVER_PORT && !c->no_dhcp) {
		verdict = dhcp_answer(c, &p, reply, reply_size, &reply_len);
		replies = &c->stats.dhcp_replies;
	} else if (p.af == AF_INET6 && p.proto == IPPROTO_ICMPV6 &&
		   (p.icmp_type == ICMP6_NS || p.icmp_type == ICMP6_RS) &&
		   !c->no_ndp) {
		verdict = ndp_answer(c, &p, reply, reply_size, &reply_len);
		replies = &c->stats.ndp_replies;
	} else if (p.af == AF_INET6 && p.proto == IPPROTO_UDP &&
		   p.dport == DHCPV6_SERVER_PORT && !c->no_dhcpv6) {
		verdict = dhcpv6_answer(c, &p, reply, reply_size, &reply_len);
		replies = &c->stats.dhcpv6_replies;
	} else {
		verdict = dispatch_l4(c, &p, reply, reply_size, &reply_len);
	}

	switch (verdict) {
	case SVC_REPLY:
		if (replies)
			(*replies)++;
		return reply_len;
	case SVC_CONSUMED:
		return 0;
	case SVC_MALFORMED:
		c->stats.malformed++;
		log_trace("dropping malformed request, %zu bytes", len);
		return 0;
	case SVC_IGNORE:
	default:
		c->stats.unhandled++;
		return 0;
	}
}
