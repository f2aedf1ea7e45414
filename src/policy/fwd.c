// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fwd.c - where new flows go: guest flows on the host, host flows in the guest
 *
 * Theory of operation
 *
 * Flows from the guest. Every TCP connection, UDP flow and ICMP echo flow the
 * guest opens asks fwd_guest_target() once, before any host socket is used,
 * which host address to talk to for the destination the guest used. The
 * guest side of the flow keeps the address the guest used, so that replies
 * are translated back without any further lookup: frames to the guest are
 * always built from the guest side. In order:
 *
 *   1. --dns-forward: UDP and TCP traffic to port 53 of the forwarding
 *	address goes to the host's resolver (--dns-host, or the first one
 *	configured). This comes first, so it wins over the mappings below
 *	when the guest's resolver address is also a mapped one.
 *   2. --map-host-loopback ADDR (default: the gateway given to the guest,
 *	per IP version; none with --no-map-gw): ADDR stands for the host
 *	itself, reached on its loopback address of the same IP version,
 *	127.0.0.1 or ::1. The guest has no other way to reach services that
 *	listen on the host's loopback interface.
 *   3. --map-guest-addr ADDR (default: none): the guest's own address is a
 *	copy of the host's, so the guest can't reach the host by that
 *	address; ADDR stands for it instead, and goes to the host's address
 *	(or, if the host has none, to the address given to the guest).
 *   4. Everything else goes where the guest sent it.
 *
 * Then fwd_outbound_bind(), right after the host socket is created, applies
 * -o (source address) and --outbound-if4/6 (SO_BINDTODEVICE) for the target's
 * IP version, in the same bind() that sets a port or echo identifier the
 * caller wants. Sockets to loopback targets are left alone: the loopback
 * interface can't be reached from another interface or source address.
 *
 * Flows from the host, to a forwarded port (-t, -u), ask
 * fwd_inbound_guest_side() for the addresses the guest sees. The guest is
 * always the endpoint, at the address it uses. The peer appears as itself,
 * unless it is local to the host, in which case the guest couldn't tell it
 * from itself, or couldn't answer it at all:
 *
 *   - a loopback peer appears as the --map-host-loopback address of the
 *     guest's IP version, so that the guest's replies, and new connections
 *     to that address, come back to the host's loopback;
 *   - the host's own address appears as the --map-guest-addr address, if
 *     there is one, for the same reason;
 *   - any other local peer, or one of the above without a mapping, appears
 *     as the gateway (or, without one, as our own address on the link):
 *     known to be a valid address on the guest's link, but not necessarily
 *     one that leads back to the peer for new connections.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "policy/fwd.h"
#include "util/log.h"

#define DNS_PORT	53

/**
 * fwd_is4() - tell whether an address is a given, configured IPv4 address
 * @a:		address
 * @v4:		IPv4 address, INADDR_ANY if not configured
 *
 * Return: true if @v4 is configured and @a is that address
 */
static bool fwd_is4(const union inany_addr *a, struct in_addr v4)
{
	const struct in_addr *a4 = inany_v4(a);

	return a4 && v4.s_addr && a4->s_addr == v4.s_addr;
}

/**
 * fwd_is6() - tell whether an address is a given, configured IPv6 address
 * @a:		address
 * @v6:		IPv6 address, unspecified if not configured
 *
 * Return: true if @v6 is configured and @a is that address
 */
static bool fwd_is6(const union inany_addr *a, const struct in6_addr *v6)
{
	return !inany_v4(a) && !IN6_IS_ADDR_UNSPECIFIED(v6) &&
	       IN6_ARE_ADDR_EQUAL(&a->a6, v6);
}

/**
 * fwd_host_self4() - the host's own IPv4 address, as --map-guest-addr sees it
 * @c:		execution context
 *
 * Return: address of the template interface, or the guest's if there's none
 */
static struct in_addr fwd_host_self4(const struct ctx *c)
{
	return c->ip4.host_addr.s_addr ? c->ip4.host_addr : c->ip4.addr;
}

/**
 * fwd_host_self6() - the host's own IPv6 address, as --map-guest-addr sees it
 * @c:		execution context
 *
 * Return: address of the template interface, or the guest's if there's none
 */
static const struct in6_addr *fwd_host_self6(const struct ctx *c)
{
	return IN6_IS_ADDR_UNSPECIFIED(&c->ip6.host_addr) ? &c->ip6.addr :
							    &c->ip6.host_addr;
}

/**
 * fwd_guest_target() - host address for a new flow from the guest
 * @c:		execution context
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 * @dst:	destination as the guest addressed it
 * @port:	destination port (ignored for ICMP)
 * @target:	address to use on the host
 *
 * Return: 0, or -EHOSTUNREACH for the DNS forwarding address without a
 *	   resolver to forward to
 */
int fwd_guest_target(const struct ctx *c, uint8_t proto,
		     const union inany_addr *dst, uint16_t port,
		     union inany_addr *target)
{
	bool dns = port == DNS_PORT &&
		   (proto == IPPROTO_UDP || proto == IPPROTO_TCP);

	*target = *dst;

	if (inany_v4(dst)) {
		if (dns && fwd_is4(dst, c->ip4.dns_match)) {
			if (!c->ip4.dns_host.s_addr)
				return -EHOSTUNREACH;
			inany_from_v4(target, c->ip4.dns_host);
		} else if (fwd_is4(dst, c->ip4.map_host_loopback)) {
			struct in_addr lo = { htonl(INADDR_LOOPBACK) };

			inany_from_v4(target, lo);
		} else if (fwd_is4(dst, c->ip4.map_guest_addr)) {
			inany_from_v4(target, fwd_host_self4(c));
		}
		return 0;
	}

	if (dns && fwd_is6(dst, &c->ip6.dns_match)) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
			return -EHOSTUNREACH;
		target->a6 = c->ip6.dns_host;
	} else if (fwd_is6(dst, &c->ip6.map_host_loopback)) {
		target->a6 = in6addr_loopback;
	} else if (fwd_is6(dst, &c->ip6.map_guest_addr)) {
		target->a6 = *fwd_host_self6(c);
	}
	return 0;
}

/**
 * fwd_outbound_bind() - apply -o and --outbound-if4/6 to a new host socket
 * @c:		execution context
 * @s:		socket, of the IP version of @dst, not bound yet
 * @dst:	address the socket will talk to (after fwd_guest_target())
 * @port:	port (ICMP echo: identifier) to bind if it's free, 0 for any
 *
 * Binds @s to the interface of --outbound-if4/6 and to the address of -o for
 * the IP version of @dst, if given, unless @dst is a loopback address. A
 * @port that's taken is given up for an ephemeral one (the kernel's choice).
 * With nothing to bind, @s is left alone.
 *
 * Return: 0 on success, -errno on failure (logged at debug level)
 */
int fwd_outbound_bind(const struct ctx *c, int s, const union inany_addr *dst,
		      uint16_t port)
{
	bool v4 = inany_v4(dst) != NULL, lo = inany_is_loopback(dst);
	const char *ifname = v4 ? c->outbound_if4 : c->outbound_if6;
	struct sockaddr_storage sa;
	in_port_t *sport;
	bool addr;
	int one = 1, rc;
	socklen_t sl;

	addr = !lo && (v4 ? c->outbound4.s_addr != 0 :
			    !IN6_IS_ADDR_UNSPECIFIED(&c->outbound6));

	if (!lo && *ifname &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname))) {
		rc = -errno;
		log_debug("Outbound socket: can't bind to interface %s: %s",
			  ifname, strerror(errno));
		return rc;
	}
	if (!addr && !port)
		return 0;

	memset(&sa, 0, sizeof(sa));
	if (v4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		sin->sin_family = AF_INET;
		if (addr)
			sin->sin_addr = c->outbound4;
		sport = &sin->sin_port;
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;

		sin6->sin6_family = AF_INET6;
		if (addr) {
			sin6->sin6_addr = c->outbound6;
			if (IN6_IS_ADDR_LINKLOCAL(&c->outbound6))
				sin6->sin6_scope_id = c->ifi6;
		}
		sport = &sin6->sin6_port;
		sl = sizeof(*sin6);
	}

	if (port) {
		*sport = htons(port);
		if (!bind(s, (struct sockaddr *)&sa, sl))
			return 0;
		rc = -errno;
		log_debug("Outbound socket: port %u not bound: %s", port,
			  strerror(-rc));
		/* Without an address to bind, any port will do */
		if (!addr)
			return 0;
		if (rc != -EADDRINUSE)
			return rc;
		*sport = 0;
	}

	/* Only an address: pick the port at connect(), as for any socket */
	setsockopt(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sl)) {
		rc = -errno;
		log_debug("Outbound socket: can't bind to -o address: %s",
			  strerror(errno));
		return rc;
	}
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
 * fwd_peer_is_self() - tell whether a peer has the host's own address
 * @c:		execution context
 * @peer:	peer address
 *
 * Return: true if @peer is what --map-guest-addr stands for, in its IP version
 */
static bool fwd_peer_is_self(const struct ctx *c,
			     const union inany_addr *peer)
{
	return fwd_is4(peer, fwd_host_self4(c)) ||
	       fwd_is6(peer, fwd_host_self6(c));
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
 * port) coming from the peer's own address, unless that's local to the host
 * (see the theory of operation above, and the man page, NOTES): then from
 * the --map-host-loopback address for loopback peers, from the
 * --map-guest-addr address for the host's own address, and otherwise (or
 * without such a mapping) from the gateway. A peer of an IP version the guest
 * doesn't have is local as well.
 *
 * Return: 0 on success, -1 if the guest has no address to reach
 */
int fwd_inbound_guest_side(const struct ctx *c, const union inany_addr *peer,
			   uint16_t peer_port, uint16_t port,
			   struct flowside *g)
{
	bool v4 = inany_v4(peer) != NULL, local, lo, self;

	if (v4 && !c->ip4.enabled)
		v4 = false;
	else if (!v4 && !c->ip6.enabled)
		v4 = true;
	local = fwd_peer_is_local(c, peer) ||
		(inany_v4(peer) != NULL) != v4;
	lo = inany_is_loopback(peer);
	self = !lo && fwd_peer_is_self(c, peer);

	memset(g, 0, sizeof(g[0]));
	g->eport = port;
	g->oport = peer_port;

	if (v4) {
		struct in_addr gw = c->ip4.gw.s_addr ? c->ip4.gw :
				    c->ip4.our_addr;

		inany_from_v4(&g->eaddr, c->seen.addr4.s_addr ?
			      c->seen.addr4 : c->ip4.addr);
		if (!local)
			g->oaddr = *peer;
		else if (lo && c->ip4.map_host_loopback.s_addr)
			inany_from_v4(&g->oaddr, c->ip4.map_host_loopback);
		else if (self && c->ip4.map_guest_addr.s_addr)
			inany_from_v4(&g->oaddr, c->ip4.map_guest_addr);
		else if (gw.s_addr)
			inany_from_v4(&g->oaddr, gw);
		else
			return -1;
	} else {
		g->eaddr.a6 = IN6_IS_ADDR_UNSPECIFIED(&c->seen.addr6) ?
			      c->ip6.addr : c->seen.addr6;
		if (!local)
			g->oaddr = *peer;
		else if (lo &&
			 !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
			g->oaddr.a6 = c->ip6.map_host_loopback;
		else if (self &&
			 !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr))
			g->oaddr.a6 = c->ip6.map_guest_addr;
		else
			g->oaddr.a6 = IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw) ?
				      c->ip6.our_ll : c->ip6.gw;
	}
	return 0;
}

/**
 * fwd_map_defaults() - fill the address mappings left to their defaults
 * @c:		execution context, with gateways known
 *
 * --map-host-loopback defaults to the gateway of each IP version, unless
 * it's "none" (or --no-map-gw). Called once configuration is complete.
 */
void fwd_map_defaults(struct ctx *c)
{
	if (c->no_map_gw)
		return;
	if (!c->ip4.map_host_loopback.s_addr)
		c->ip4.map_host_loopback = c->ip4.gw;
	if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		c->ip6.map_host_loopback = c->ip6.gw;
}
