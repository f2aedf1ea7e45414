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
 *   4. Everything else goes where the guest sent it, except for the host's
 *	own addresses by value: loopback (127.0.0.0/8, ::1), 0.0.0.0/8 and
 *	::, also IPv4-mapped. A guest has no business sending those (its
 *	kernel keeps them to itself), and a host socket would reach the host
 *	itself with them, whatever --map-host-loopback says. Only a mapping
 *	above may produce such a target; otherwise the flow is dropped,
 *	with no answer, and counted (fwd_guest_drop_stats), whether or not
 *	host isolation is on.
 *
 * Then, still before any host socket exists, fwd_host_policy() applies host
 * isolation (--no-map-host). Without the option it allows everything. With
 * it, the default is refusal for anything that would reach the host's own
 * network namespace, wherever the guest found the address:
 *
 *   - allowed first: the DNS forwarder (step 1 above, port 53 to the
 *     configured resolver only), and ports on --host-allow-tcp or
 *     --host-allow-udp (echo requests with --host-allow-ping), whatever host
 *     address the guest used;
 *   - refused by value: the --map-host-loopback and --map-guest-addr
 *     addresses, loopback, 0.0.0.0/8 and ::, multicast, 255.255.255.255;
 *   - anything else is looked up in the host's routing tables
 *     (RTM_GETROUTE on c->fd_route, opened at start-up): only RTN_UNICAST
 *     leaves the host. Local, broadcast and anycast routes are the host,
 *     whatever interface has the address and whenever it was added; a
 *     failed lookup is refused. No route at all (or a prohibit route) is
 *     allowed: the socket fails as it would without the option.
 *
 * Then fwd_egress_policy() applies the egress rules (--egress-allow,
 * --egress-deny, --egress-default, see policy/egress.c) to the target, the
 * real destination once the mappings above are resolved. The DNS forwarder
 * is allowed unless a rule names the resolver's own address.
 *
 * The caller refuses a flow with a TCP RST or an ICMP "administratively
 * prohibited" error, or drops it with --host-refuse drop, whichever policy
 * refused it; fwd_guest_target() counts it, per policy and reason, and logs
 * it with the reason or the egress rule that matched (at most FWD_LOG_BURST
 * lines per FWD_LOG_WINDOW_MS, both policies together).
 * pasta's -T and -U auto forwarding consult fwd_host_port_allowed() too.
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
#include "ns/netlink.h"
#include "policy/egress.h"
#include "policy/fwd.h"
#include "util/clock.h"
#include "util/log.h"

#define DNS_PORT	53

#define FWD_LOG_WINDOW_MS	1000	/* refusal log: rate limit window */
#define FWD_LOG_BURST		10	/* lines logged per window, at most */

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
 * fwd_host_port_allowed() - is a host port on the host isolation allow-list
 * @c:		execution context
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 * @port:	destination port (ignored for ICMP)
 *
 * Return: true if --host-allow-tcp or --host-allow-udp has @port, or, for
 *	   ICMP echo, if --host-allow-ping was given
 */
bool fwd_host_port_allowed(const struct ctx *c, uint8_t proto, uint16_t port)
{
	const uint8_t *map;

	switch (proto) {
	case IPPROTO_TCP:
		map = c->host_allow_tcp;
		break;
	case IPPROTO_UDP:
		map = c->host_allow_udp;
		break;
	default:
		return c->host_allow_ping;
	}
	return port && (map[port / 8] & (1U << (port % 8)));
}

/**
 * fwd_static_host() - host addresses told by their value alone
 * @a:		destination on the host, IPv4-mapped for IPv4
 *
 * Return: the refusal for loopback, unspecified ("this network", 0.0.0.0/8),
 *	   multicast and limited broadcast addresses, FWD_ALLOWED otherwise
 */
static enum fwd_refusal fwd_static_host(const union inany_addr *a)
{
	const struct in_addr *a4 = inany_v4(a);

	if (a4) {
		uint32_t h = ntohl(a4->s_addr);

		if ((h >> 24) == 0)
			return FWD_REFUSED_UNSPEC;
		if ((h >> 24) == IN_LOOPBACKNET)
			return FWD_REFUSED_LOOPBACK;
		if ((h >> 28) == 0xe)
			return FWD_REFUSED_MCAST;
		if (h == INADDR_BROADCAST)
			return FWD_REFUSED_BCAST;
		return FWD_ALLOWED;
	}

	if (IN6_IS_ADDR_UNSPECIFIED(&a->a6))
		return FWD_REFUSED_UNSPEC;
	if (IN6_IS_ADDR_LOOPBACK(&a->a6))
		return FWD_REFUSED_LOOPBACK;
	if (IN6_IS_ADDR_MULTICAST(&a->a6))
		return FWD_REFUSED_MCAST;
	return FWD_ALLOWED;
}

/**
 * fwd_host_policy() - host isolation: may a new guest flow use this target
 * @c:		execution context
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 * @dst:	destination as the guest addressed it
 * @target:	host address the flow would use (see fwd_guest_target())
 * @port:	destination port (ignored for ICMP)
 * @dns:	@target is the resolver of --dns-forward, port 53
 * @route_type:	kernel route lookup in the host's namespace
 *
 * This is the one decision every new guest flow goes through, before any
 * host socket exists. Without --no-map-host, everything is allowed. With it,
 * the DNS forwarder and the allow-list are, and so is any target the kernel
 * would route away from the host: the lookup answers RTN_UNICAST. Anything
 * else, the mappings to the host, addresses told by their value, and local,
 * broadcast, anycast or failed lookups, is refused. A lookup the kernel
 * answers with an error (no route, a prohibit or blackhole route) is
 * allowed: the host socket would fail the same way, and the guest hears of
 * it as for any other destination.
 *
 * Return: FWD_ALLOWED, or why the flow is refused
 */
enum fwd_refusal fwd_host_policy(const struct ctx *c, uint8_t proto,
				 const union inany_addr *dst,
				 const union inany_addr *target, uint16_t port,
				 bool dns, fwd_route_fn route_type)
{
	enum fwd_refusal why;
	int type;

	if (!c->no_map_host || dns || fwd_host_port_allowed(c, proto, port))
		return FWD_ALLOWED;

	if (fwd_is4(dst, c->ip4.map_host_loopback) ||
	    fwd_is6(dst, &c->ip6.map_host_loopback))
		return FWD_REFUSED_MAP_LOOPBACK;
	if (fwd_is4(dst, c->ip4.map_guest_addr) ||
	    fwd_is6(dst, &c->ip6.map_guest_addr))
		return FWD_REFUSED_MAP_GUEST;

	if ((why = fwd_static_host(target)))
		return why;

	type = route_type(c, target);
	switch (type) {
	case RTN_UNICAST:
		return FWD_ALLOWED;
	case RTN_BROADCAST:
		return FWD_REFUSED_BCAST;
	case RTN_MULTICAST:
		return FWD_REFUSED_MCAST;
	case -ENETUNREACH:
	case -EHOSTUNREACH:
	case -EACCES:
	case -EPERM:
	case -EINVAL:
		return FWD_ALLOWED;
	default:
		return type < 0 ? FWD_REFUSED_LOOKUP : FWD_REFUSED_LOCAL;
	}
}

/**
 * fwd_refusal_str() - reason for a refusal, as logged
 * @why:	refusal
 *
 * Return: short description
 */
const char *fwd_refusal_str(enum fwd_refusal why)
{
	static const char *const str[FWD_REFUSAL_COUNT] = {
		[FWD_ALLOWED]			= "allowed",
		[FWD_REFUSED_MAP_LOOPBACK]	= "host loopback mapping",
		[FWD_REFUSED_MAP_GUEST]		= "host address mapping",
		[FWD_REFUSED_LOOPBACK]		= "loopback address",
		[FWD_REFUSED_UNSPEC]		= "unspecified address",
		[FWD_REFUSED_BCAST]		= "broadcast address",
		[FWD_REFUSED_MCAST]		= "multicast address",
		[FWD_REFUSED_LOCAL]		= "host address",
		[FWD_REFUSED_LOOKUP]		= "route lookup failed",
		[FWD_REFUSED_EGRESS_RULE]	= "egress rule",
		[FWD_REFUSED_EGRESS_DEFAULT]	= "egress default",
	};

	return (unsigned int)why < FWD_REFUSAL_COUNT ? str[why] : "?";
}

/**
 * fwd_egress_policy() - egress policy: may a new guest flow reach its target
 * @c:		execution context
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 * @target:	real destination (see fwd_guest_target())
 * @port:	destination port (ignored for ICMP)
 * @dns:	@target is the resolver of --dns-forward, port 53
 * @rule:	set to the rule that decided, -1 for none or the default
 *
 * Return: FWD_ALLOWED, FWD_REFUSED_EGRESS_RULE or FWD_REFUSED_EGRESS_DEFAULT
 */
enum fwd_refusal fwd_egress_policy(const struct ctx *c, uint8_t proto,
				   const union inany_addr *target,
				   uint16_t port, bool dns, int *rule)
{
	if (egress_allowed(c->egress, target, proto, port, dns, rule))
		return FWD_ALLOWED;
	return *rule < 0 ? FWD_REFUSED_EGRESS_DEFAULT : FWD_REFUSED_EGRESS_RULE;
}

/**
 * fwd_scope6() - interface a host socket to an IPv6 address is scoped to
 * @c:		execution context
 * @a:		destination on the host
 *
 * Return: 0 unless @a is link-local; for a link-local resolver of
 *	   --dns-forward, the interface it was given with, if any; otherwise
 *	   the interface of --outbound-if6, if given, as the socket is bound
 *	   to it, or the template interface
 */
unsigned int fwd_scope6(const struct ctx *c, const struct in6_addr *a)
{
	if (!IN6_IS_ADDR_LINKLOCAL(a))
		return 0;
	if (c->ip6.dns_host_scope && IN6_ARE_ADDR_EQUAL(a, &c->ip6.dns_host))
		return c->ip6.dns_host_scope;
	return c->outbound_ifi6 ? c->outbound_ifi6 : c->ifi6;
}

/**
 * fwd_route_type() - route type to a host address, by asking the kernel
 * @c:		execution context
 * @a:		address, IPv4-mapped for IPv4
 *
 * The lookup is made as the host socket will connect (fwd_outbound_bind()):
 * from the -o address and through the --outbound-if4/6 interface, if given,
 * and, for a link-local IPv6 address, through the interface it's scoped to.
 * Loopback targets, which those don't apply to, never get here.
 *
 * Return: RTN_* type, or negative error code
 */
static int fwd_route_type(const struct ctx *c, const union inany_addr *a)
{
	const struct in_addr *a4 = inany_v4(a);
	unsigned int oif;

	if (c->fd_route < 0)
		return -EBADF;
	if (a4)
		return nl_route_type(c->fd_route, AF_INET, a4, c->outbound_ifi4,
				     c->outbound4.s_addr ? &c->outbound4 :
							   NULL);
	oif = fwd_scope6(c, &a->a6);
	if (!oif)
		oif = c->outbound_ifi6;
	return nl_route_type(c->fd_route, AF_INET6, &a->a6, oif,
			     IN6_IS_ADDR_UNSPECIFIED(&c->outbound6) ? NULL :
			     &c->outbound6);
}

static struct fwd_isolation_stats fwd_iso_stats;
static struct fwd_guest_drops fwd_drops;
static struct fwd_egress_stats fwd_egress_stats;
static struct log_limit fwd_log_limit;	/* refusal lines, both policies */

/**
 * fwd_refusal_note() - count and log (rate-limited) a refused flow
 * @c:		execution context
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 * @g:		guest side of the flow
 * @target:	real destination
 * @why:	reason
 * @rule:	egress rule that refused it, -1 for none or the default
 */
static void fwd_refusal_note(const struct ctx *c, uint8_t proto,
			     const struct flowside *g,
			     const union inany_addr *target,
			     enum fwd_refusal why, int rule)
{
	char src[INANY_ADDRSTRLEN], dst[INANY_ADDRSTRLEN];
	char to[INANY_ADDRSTRLEN + 8] = "";
	bool icmp = proto != IPPROTO_TCP && proto != IPPROTO_UDP;
	bool egress = why == FWD_REFUSED_EGRESS_RULE ||
		      why == FWD_REFUSED_EGRESS_DEFAULT;
	const char *what = egress ? "Egress policy" : "Host isolation";
	const char *reason = egress ? egress_spec(c->egress, rule) :
				      fwd_refusal_str(why);
	uint64_t *tcp, *udp, *icmpn, *suppressed;
	uint64_t now = now_ms();
	bool allowed;

	if (egress) {
		tcp = &fwd_egress_stats.refused_tcp;
		udp = &fwd_egress_stats.refused_udp;
		icmpn = &fwd_egress_stats.refused_icmp;
		suppressed = &fwd_egress_stats.log_suppressed;
		if (why == FWD_REFUSED_EGRESS_RULE)
			fwd_egress_stats.by_rule++;
		else
			fwd_egress_stats.by_default++;
	} else {
		tcp = &fwd_iso_stats.refused_tcp;
		udp = &fwd_iso_stats.refused_udp;
		icmpn = &fwd_iso_stats.refused_icmp;
		suppressed = &fwd_iso_stats.log_suppressed;
	}
	if (proto == IPPROTO_TCP)
		(*tcp)++;
	else if (proto == IPPROTO_UDP)
		(*udp)++;
	else
		(*icmpn)++;

	allowed = log_limit_pass(&fwd_log_limit, now, FWD_LOG_BURST,
				 FWD_LOG_WINDOW_MS);
	if (fwd_log_limit.count == 1 && fwd_log_limit.dropped)
		log_msg(LOG_WARNING, "Refused flows: %u not logged in "
			"the last %u ms", fwd_log_limit.dropped,
			FWD_LOG_WINDOW_MS);
	if (!allowed) {
		(*suppressed)++;
		return;
	}

	inany_ntop(&g->eaddr, src, sizeof(src));
	inany_ntop(&g->oaddr, dst, sizeof(dst));
	if (egress && !inany_equals(target, &g->oaddr)) {
		strcpy(to, " via ");
		inany_ntop(target, to + 5, sizeof(to) - 5);
	}
	if (icmp)
		log_msg(LOG_WARNING, "%s: refused %s echo from %s to %s%s (%s)",
			what, proto == IPPROTO_ICMP ? "ICMP" : "ICMPv6",
			src, dst, to, reason);
	else
		log_msg(LOG_WARNING, "%s: refused %s from %s:%u to %s:%u%s "
			"(%s)", what, proto == IPPROTO_TCP ? "TCP" : "UDP",
			src, g->eport, dst, g->oport, to, reason);
}

/**
 * fwd_is_host_by_value() - is an address the host itself, whatever the routes
 * @a:		address, IPv4-mapped for IPv4
 *
 * Return: true for 127.0.0.0/8, 0.0.0.0/8, ::1 and ::
 */
static bool fwd_is_host_by_value(const union inany_addr *a)
{
	enum fwd_refusal why = fwd_static_host(a);

	return why == FWD_REFUSED_LOOPBACK || why == FWD_REFUSED_UNSPEC;
}

/**
 * fwd_guest_drop_note() - count and log (debug) a flow to the host by value
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 * @g:		guest side of the flow
 */
static void fwd_guest_drop_note(uint8_t proto, const struct flowside *g)
{
	char dst[INANY_ADDRSTRLEN];

	if (proto == IPPROTO_TCP)
		fwd_drops.loopback_tcp++;
	else if (proto == IPPROTO_UDP)
		fwd_drops.loopback_udp++;
	else
		fwd_drops.loopback_icmp++;

	inany_ntop(&g->oaddr, dst, sizeof(dst));
	log_debug("Dropping flow from the guest to %s: loopback or "
		  "unspecified address without a mapping", dst);
}

/**
 * fwd_guest_drop_stats() - counters of guest flows dropped by their target
 *
 * Return: pointer to the counters
 */
const struct fwd_guest_drops *fwd_guest_drop_stats(void)
{
	return &fwd_drops;
}

/**
 * fwd_guest_target() - host address for a new flow from the guest
 * @c:		execution context
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 * @g:		guest side of the flow: @g->oaddr and @g->oport are where the
 *		guest sent it (the port is ignored for ICMP)
 * @target:	address to use on the host
 *
 * Maps the destination (see the theory of operation), then asks
 * fwd_host_policy() and fwd_egress_policy(): a refused flow is counted and
 * logged here, and the caller refuses it as c->host_refuse_drop says.
 *
 * Return: 0, -EHOSTUNREACH for the DNS forwarding address without a
 *	   resolver to forward to, -EADDRNOTAVAIL for a loopback or
 *	   unspecified destination no mapping produced (counted here: drop
 *	   the flow without an answer), -EACCES if host isolation or the
 *	   egress policy refuses the flow
 */
int fwd_guest_target(const struct ctx *c, uint8_t proto,
		     const struct flowside *g, union inany_addr *target)
{
	const union inany_addr *dst = &g->oaddr;
	bool dns = g->oport == DNS_PORT &&
		   (proto == IPPROTO_UDP || proto == IPPROTO_TCP);
	bool mapped = true;
	enum fwd_refusal why;
	int rule = -1;

	*target = *dst;

	if (inany_v4(dst)) {
		if (dns && fwd_is4(dst, c->ip4.dns_match)) {
			if (!c->ip4.dns_host.s_addr)
				return -EHOSTUNREACH;
			inany_from_v4(target, c->ip4.dns_host);
		} else if (fwd_is4(dst, c->ip4.map_host_loopback)) {
			struct in_addr lo = { htonl(INADDR_LOOPBACK) };

			inany_from_v4(target, lo);
			dns = false;
		} else if (fwd_is4(dst, c->ip4.map_guest_addr)) {
			inany_from_v4(target, fwd_host_self4(c));
			dns = false;
		} else {
			dns = false;
			mapped = false;
		}
	} else if (dns && fwd_is6(dst, &c->ip6.dns_match)) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
			return -EHOSTUNREACH;
		target->a6 = c->ip6.dns_host;
	} else {
		dns = false;
		if (fwd_is6(dst, &c->ip6.map_host_loopback))
			target->a6 = in6addr_loopback;
		else if (fwd_is6(dst, &c->ip6.map_guest_addr))
			target->a6 = *fwd_host_self6(c);
		else
			mapped = false;
	}

	if (!mapped && fwd_is_host_by_value(target)) {
		fwd_guest_drop_note(proto, g);
		return -EADDRNOTAVAIL;
	}

	why = fwd_host_policy(c, proto, dst, target, g->oport, dns,
			      fwd_route_type);
	if (why == FWD_ALLOWED)
		why = fwd_egress_policy(c, proto, target, g->oport, dns, &rule);
	if (why == FWD_ALLOWED)
		return 0;
	fwd_refusal_note(c, proto, g, target, why, rule);
	return -EACCES;
}

/**
 * fwd_isolation_init() - open what host isolation needs, if enabled
 * @c:		execution context
 *
 * Return: 0 on success, negative error code on failure (logged)
 */
int fwd_isolation_init(struct ctx *c)
{
	int fd;

	if (!c->no_map_host)
		return 0;
	fd = nl_open();
	if (fd < 0) {
		log_err("Host isolation: can't open netlink socket for route "
			"lookups: %s", strerror(-fd));
		return fd;
	}
	c->fd_route = fd;
	return 0;
}

/**
 * fwd_egress_init() - log the egress rules as expanded, at debug level
 * @c:		execution context
 */
void fwd_egress_init(const struct ctx *c)
{
	char buf[EGRESS_SPEC_MAX + 128];
	unsigned int i;

	if (!egress_active(c->egress))
		return;
	log_info("Egress policy: %u rules, default %s", c->egress->rule_count,
		 c->egress->default_deny ? "deny" : "allow");
	for (i = 0; i < c->egress->rule_count; i++) {
		egress_rule_fmt(c->egress, (int)i, buf, sizeof(buf));
		log_debug("Egress rule %u: %s", i + 1, buf);
	}
}

/**
 * fwd_isolation_get_stats() - host isolation counters
 *
 * Return: pointer to the counters
 */
const struct fwd_isolation_stats *fwd_isolation_get_stats(void)
{
	return &fwd_iso_stats;
}

/**
 * fwd_isolation_stats_log() - log host isolation counters, if enabled
 * @c:		execution context
 * @level:	log level
 */
void fwd_isolation_stats_log(const struct ctx *c, int level)
{
	if (!c->no_map_host)
		return;
	log_msg(level, "Host isolation: refused %llu TCP, %llu UDP, %llu "
		"ICMP; %llu refusals not logged",
		(unsigned long long)fwd_iso_stats.refused_tcp,
		(unsigned long long)fwd_iso_stats.refused_udp,
		(unsigned long long)fwd_iso_stats.refused_icmp,
		(unsigned long long)fwd_iso_stats.log_suppressed);
}

/**
 * fwd_egress_get_stats() - egress policy counters
 *
 * Return: pointer to the counters
 */
const struct fwd_egress_stats *fwd_egress_get_stats(void)
{
	return &fwd_egress_stats;
}

/**
 * fwd_egress_stats_log() - log egress policy counters, if there's a policy
 * @c:		execution context
 * @level:	log level
 */
void fwd_egress_stats_log(const struct ctx *c, int level)
{
	const struct fwd_egress_stats *s = &fwd_egress_stats;

	if (!egress_active(c->egress))
		return;
	log_msg(level, "Egress policy: refused %llu TCP, %llu UDP, %llu ICMP; "
		"%llu by a rule, %llu by default; %llu refusals not logged",
		(unsigned long long)s->refused_tcp,
		(unsigned long long)s->refused_udp,
		(unsigned long long)s->refused_icmp,
		(unsigned long long)s->by_rule,
		(unsigned long long)s->by_default,
		(unsigned long long)s->log_suppressed);
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
			sin6->sin6_scope_id = fwd_scope6(c, &c->outbound6);
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
 * @to:		target address in the guest (a rule's "PORT:TOADDR/PORT"),
 *		NULL for the guest's own address
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
			   uint16_t peer_port, const union inany_addr *to,
			   uint16_t port, struct flowside *g)
{
	bool v4 = inany_v4(peer) != NULL, local, lo, self;

	if (to)
		v4 = inany_v4(to) != NULL;
	else if (v4 && !c->ip4.enabled)
		v4 = false;
	else if (!v4 && !c->ip6.enabled)
		v4 = true;
	if ((v4 && !c->ip4.enabled) || (!v4 && !c->ip6.enabled))
		return -1;
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
		if (to)
			g->eaddr = *to;
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
		if (to)
			g->eaddr = *to;
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
