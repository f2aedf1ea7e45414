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
