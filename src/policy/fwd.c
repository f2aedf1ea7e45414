// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fwd.c - where new flows from the guest go on the host
 *
 * Theory of operation: every TCP connection and UDP flow the guest opens
 * asks fwd_guest_target() once, before any host socket exists, which host
 * address to connect to for the destination the guest used. The guest side
 * of the flow keeps the address the guest used, so replies are translated
 * back without any further lookup: frames to the guest are always built
 * from the guest side.
 *
 * Mappings so far: --dns-forward, that is, UDP and TCP traffic to port 53
 * of the forwarding address goes to the host's resolver (--dns-host, or the
 * first one configured). Everything else goes where the guest sent it.
 *
 * The other direction, flows from the host to a forwarded port (-t, -u),
 * asks fwd_inbound_guest_side() for the addresses the guest sees: the peer
 * as itself, or the gateway if the peer is the host itself.
 */

#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "conf/ctx.h"
#include "policy/fwd.h"

#define DNS_PORT	53

/**
 * fwd_guest_target() - host address for a new flow from the guest
 * @c:		execution context
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @dst:	destination as the guest addressed it
 * @port:	destination port
 * @target:	address to connect to on the host
 *
 * Return: 0, or -EHOSTUNREACH for the DNS forwarding address without a
 *	   resolver to forward to
 */
int fwd_guest_target(const struct ctx *c, uint8_t proto,
		     const union inany_addr *dst, uint16_t port,
		     union inany_addr *target)
{
	const struct in_addr *dst4 = inany_v4(dst);

	*target = *dst;
	if (port != DNS_PORT ||
	    (proto != IPPROTO_UDP && proto != IPPROTO_TCP))
		return 0;

	if (dst4) {
		if (!c->ip4.dns_match.s_addr ||
		    dst4->s_addr != c->ip4.dns_match.s_addr)
			return 0;
		if (!c->ip4.dns_host.s_addr)
			return -EHOSTUNREACH;
		inany_from_v4(target, c->ip4.dns_host);
		return 0;
	}

	if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match) ||
	    !IN6_ARE_ADDR_EQUAL(&dst->a6, &c->ip6.dns_match))
		return 0;
	if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
		return -EHOSTUNREACH;
	target->a6 = c->ip6.dns_host;
	return 0;
}

/**
 * fwd_peer_is_local() - tell whether a host peer address is the host itself
 * @c:		execution context
 * @peer:	peer address
 *
 * Such peers can't appear as themselves in the guest: loopback addresses,
 * the host's address (which the guest shares), the guest's own address.
 *
 * Return: true if the peer is local to the host
 */
static bool fwd_peer_is_local(const struct ctx *c,
			      const union inany_addr *peer)
{
	const struct in_addr *a4 = inany_v4(peer);

	if (inany_is_loopback(peer) || inany_is_unspecified(peer))
		return true;
	if (a4)
		return a4->s_addr == c->ip4.host_addr.s_addr ||
		       a4->s_addr == c->ip4.addr.s_addr ||
		       a4->s_addr == c->seen.addr4.s_addr;
	return IN6_ARE_ADDR_EQUAL(&peer->a6, &c->ip6.host_addr) ||
	       IN6_ARE_ADDR_EQUAL(&peer->a6, &c->ip6.addr) ||
	       IN6_ARE_ADDR_EQUAL(&peer->a6, &c->seen.addr6);
}

/**
 * fwd_inbound_guest_side() - guest side of a new flow from the host
 * @c:		execution context
 * @peer:	address of the host-side peer
 * @peer_port:	its port
 * @port:	target port in the guest (after translation)
 * @g:		guest side to fill
 *
 * The guest sees the flow (TCP connection or UDP datagrams to a forwarded
 * port) coming from the peer's own address, unless that's local to the
 * host (see the man page, NOTES): then from the gateway.
 * A peer of an IP version the guest doesn't have also appears as the gateway.
 *
 * Return: 0 on success, -1 if the guest has no address to reach
 */
int fwd_inbound_guest_side(const struct ctx *c, const union inany_addr *peer,
			   uint16_t peer_port, uint16_t port,
			   struct flowside *g)
{
	bool v4 = inany_v4(peer) != NULL, local;

	if (v4 && !c->ip4.enabled)
		v4 = false;
	else if (!v4 && !c->ip6.enabled)
		v4 = true;
	local = fwd_peer_is_local(c, peer) ||
		(inany_v4(peer) != NULL) != v4;

	memset(g, 0, sizeof(*g));
	g->eport = port;
	g->oport = peer_port;

	if (v4) {
		struct in_addr gw = c->ip4.gw.s_addr ? c->ip4.gw :
				    c->ip4.our_addr;

		inany_from_v4(&g->eaddr, c->seen.addr4.s_addr ?
			      c->seen.addr4 : c->ip4.addr);
		if (local) {
			if (!gw.s_addr)
				return -1;
			inany_from_v4(&g->oaddr, gw);
		} else {
			g->oaddr = *peer;
		}
	} else {
		g->eaddr.a6 = IN6_IS_ADDR_UNSPECIFIED(&c->seen.addr6) ?
			      c->ip6.addr : c->seen.addr6;
		if (local)
			g->oaddr.a6 = IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw) ?
				      c->ip6.our_ll : c->ip6.gw;
		else
			g->oaddr = *peer;
	}
	return 0;
}
