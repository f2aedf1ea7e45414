// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_host_policy.c - host isolation (--no-map-host): fwd_host_policy() over
 * arbitrary configurations, destinations and route lookup answers
 *
 * The input describes a context (mappings, host addresses with the answer
 * the fake route lookup gives for each, allow-lists, flags) and one new
 * guest flow. The target is mapped from the destination as
 * fwd_guest_target() does. The property checked: a flow to a destination
 * local to the host is never allowed, unless isolation is off, the flow is
 * the DNS forwarder's, or its port (for ICMP: --host-allow-ping) is on the
 * allow-list. Local means loopback, unspecified (0.0.0.0/8, ::), multicast,
 * limited broadcast, one of the mapped addresses, or a target the route
 * lookup doesn't answer with RTN_UNICAST or one of the errors for
 * destinations without a usable route.
 *
 * Input layout, zero-padded if short:
 *
 *   0		flags: bit 0 --no-map-host, 1 --host-allow-ping, 2 DNS, 3 no
 *		--map-host-loopback, 4 no --map-guest-addr, 5-6 protocol (TCP,
 *		UDP, ICMP, ICMPv6), 7 unused
 *   1		destination: bit 0 IPv6; bits 1-3 where it comes from: 0-3 the
 *		bytes below, 4 a host address (index in bits 4-5), 5 the
 *		loopback mapping, 6 the guest address mapping, 7 the gateway;
 *		bits 6-7: the host address that is the resolver, for DNS
 *   2-3	destination port
 *   4-5	a port on --host-allow-tcp (0: none)
 *   6-7	a port on --host-allow-udp (0: none)
 *   8		answer of the route lookup for addresses not listed below
 *   9-24	destination address (IPv4: first 4 bytes)
 *   25-28	--map-host-loopback, IPv4
 *   29-44	--map-host-loopback, IPv6
 *   45-48	--map-guest-addr, IPv4
 *   49-64	--map-guest-addr, IPv6
 *   65-...	FUZZ_HOSTS host addresses, 17 bytes each: answer (bit 7:
 *		IPv4, from the first 4 address bytes), then the address
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conf/ctx.h"
#include "ns/netlink.h"
#include "policy/fwd.h"

#define FUZZ_HOSTS	4
#define FUZZ_IN_LEN	(65 + FUZZ_HOSTS * 17)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Route lookup answers an input byte selects (modulo the count) */
static const int answers[] = {
	RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_ANYCAST, RTN_MULTICAST,
	RTN_UNSPEC, RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT, RTN_THROW,
	RTN_NAT, RTN_XRESOLVE, 255,
	-ENETUNREACH, -EHOSTUNREACH, -EACCES, -EPERM, -EINVAL,
	-ETIMEDOUT, -ENOENT, -EBADF, -ENOBUFS, -EAFNOSUPPORT, -EIO,
	RTN_UNICAST, RTN_LOCAL,
};

/**
 * struct fuzz_state - what the fake route lookup knows
 * @host:	host addresses
 * @answer:	answer for each of them
 * @other:	answer for anything else
 * @calls:	lookups done
 * @last:	address of the last lookup
 */
static struct fuzz_state {
	union inany_addr host[FUZZ_HOSTS];
	int answer[FUZZ_HOSTS];
	int other;
	int calls;
	union inany_addr last;
} st;

/**
 * answer_for() - what the fake route lookup answers for an address
 * @a:		address
 *
 * Return: RTN_* type or negative error code
 */
static int answer_for(const union inany_addr *a)
{
	int i;

	for (i = 0; i < FUZZ_HOSTS; i++)
		if (inany_equals(&st.host[i], a))
			return st.answer[i];
	return st.other;
}

/**
 * fake_route_type() - fwd_route_fn answering from the input
 * @c:		execution context (unused)
 * @a:		address
 *
 * Return: RTN_* type or negative error code
 */
static int fake_route_type(const struct ctx *c, const union inany_addr *a)
{
	(void)c;
	st.calls++;
	st.last = *a;
	return answer_for(a);
}

/**
 * get_inany() - an address from input bytes
 * @a:		address to set
 * @p:		16 bytes
 * @v4:		take the first 4 bytes as an IPv4 address
 */
static void get_inany(union inany_addr *a, const uint8_t *p, bool v4)
{
	if (v4) {
		struct in_addr a4;

		memcpy(&a4, p, 4);
		inany_from_v4(a, a4);
	} else {
		memcpy(a, p, 16);
	}
}

/**
 * static_local() - is an address local to the host by its value alone
 * @a:		address
 *
 * Return: true for loopback, unspecified, multicast and limited broadcast
 */
static bool static_local(const union inany_addr *a)
{
	const struct in_addr *a4 = inany_v4(a);

	if (a4) {
		uint32_t h = ntohl(a4->s_addr);

		return (h >> 24) == 0 || (h >> 24) == 127 ||
		       (h >> 28) == 0xe || h == 0xffffffff;
	}
	return IN6_IS_ADDR_UNSPECIFIED(&a->a6) ||
	       IN6_IS_ADDR_LOOPBACK(&a->a6) || a->a6.s6_addr[0] == 0xff;
}

/**
 * answer_ok() - is a route lookup answer one that lets a flow through
 * @type:	RTN_* type or negative error code
 *
 * Return: true for RTN_UNICAST, and errors for destinations without a
 *	   usable route
 */
static bool answer_ok(int type)
{
	return type == RTN_UNICAST || type == -ENETUNREACH ||
	       type == -EHOSTUNREACH || type == -EACCES || type == -EPERM ||
	       type == -EINVAL;
}

/**
 * mapped() - is an address a configured mapping of its IP version
 * @a:		address
 * @v4:		IPv4 mapping, INADDR_ANY if none
 * @v6:		IPv6 mapping, unspecified if none
 *
 * Return: true if @a is @v4 or @v6, and that one is configured
 */
static bool mapped(const union inany_addr *a, struct in_addr v4,
		   const struct in6_addr *v6)
{
	const struct in_addr *a4 = inany_v4(a);

	if (a4)
		return v4.s_addr && a4->s_addr == v4.s_addr;
	return !IN6_IS_ADDR_UNSPECIFIED(v6) && !memcmp(&a->a6, v6, 16);
}

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	input, see the layout above
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP, IPPROTO_ICMPV6 };
	static struct ctx c;
	uint8_t in[FUZZ_IN_LEN] = { 0 };
	union inany_addr dst, target;
	uint16_t port, ptcp, pudp;
	bool v6, dns, local, allowed_port;
	enum fwd_refusal why;
	const char *s;
	uint8_t proto;
	int i, src;

	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));

	memset(&c, 0, sizeof(c));
	c.fd_route = -1;
	c.ip4.enabled = c.ip6.enabled = true;
	inet_pton(AF_INET, "192.0.2.2", &c.ip4.addr);
	c.ip4.host_addr = c.ip4.addr;
	inet_pton(AF_INET, "192.0.2.1", &c.ip4.gw);
	inet_pton(AF_INET6, "2001:db8::2", &c.ip6.addr);
	c.ip6.host_addr = c.ip6.addr;
	inet_pton(AF_INET6, "fe80::1", &c.ip6.gw);

	c.no_map_host = in[0] & 0x01;
	c.host_allow_ping = in[0] & 0x02;
	dns = in[0] & 0x04;
	if (!(in[0] & 0x08)) {
		memcpy(&c.ip4.map_host_loopback, in + 25, 4);
		memcpy(&c.ip6.map_host_loopback, in + 29, 16);
	}
	if (!(in[0] & 0x10)) {
		memcpy(&c.ip4.map_guest_addr, in + 45, 4);
		memcpy(&c.ip6.map_guest_addr, in + 49, 16);
	}
	proto = protos[(in[0] >> 5) & 3];

	port = (uint16_t)(in[2] << 8 | in[3]);
	ptcp = (uint16_t)(in[4] << 8 | in[5]);
	pudp = (uint16_t)(in[6] << 8 | in[7]);
	if (ptcp)
		c.host_allow_tcp[ptcp / 8] |= (uint8_t)(1U << (ptcp % 8));
	if (pudp)
		c.host_allow_udp[pudp / 8] |= (uint8_t)(1U << (pudp % 8));

	st.other = answers[in[8] % (sizeof(answers) / sizeof(answers[0]))];
	for (i = 0; i < FUZZ_HOSTS; i++) {
		const uint8_t *h = in + 65 + i * 17;

		st.answer[i] = answers[(h[0] & 0x7f) %
				       (sizeof(answers) / sizeof(answers[0]))];
		get_inany(&st.host[i], h + 1, h[0] & 0x80);
	}

	/* The destination */
	v6 = in[1] & 0x01;
	src = (in[1] >> 1) & 7;
	get_inany(&dst, in + 9, !v6);
	if (src == 4) {
		dst = st.host[(in[1] >> 4) & 3];
	} else if (src == 5) {
		if (v6)
			dst.a6 = c.ip6.map_host_loopback;
		else
			inany_from_v4(&dst, c.ip4.map_host_loopback);
	} else if (src == 6) {
		if (v6)
			dst.a6 = c.ip6.map_guest_addr;
		else
			inany_from_v4(&dst, c.ip4.map_guest_addr);
	} else if (src == 7) {
		if (v6)
			dst.a6 = c.ip6.gw;
		else
			inany_from_v4(&dst, c.ip4.gw);
	}

	/* The target, as fwd_guest_target() maps it */
	target = dst;
	if (dns) {
		target = st.host[(in[1] >> 6) & 3];
	} else if (mapped(&dst, c.ip4.map_host_loopback,
			  &c.ip6.map_host_loopback)) {
		if (inany_v4(&dst)) {
			struct in_addr lo = { htonl(INADDR_LOOPBACK) };

			inany_from_v4(&target, lo);
		} else {
			target.a6 = in6addr_loopback;
		}
	} else if (mapped(&dst, c.ip4.map_guest_addr,
			  &c.ip6.map_guest_addr)) {
		if (inany_v4(&dst))
			inany_from_v4(&target, c.ip4.host_addr);
		else
			target.a6 = c.ip6.host_addr;
	}

	st.calls = 0;
	memset(&st.last, 0, sizeof(st.last));
	why = fwd_host_policy(&c, proto, &dst, &target, port, dns,
			      fake_route_type);

	/* Sane results */
	if ((unsigned int)why >= FWD_REFUSAL_COUNT)
		__builtin_trap();
	s = fwd_refusal_str(why);
	if (!s || !*s || !strcmp(s, "?"))
		__builtin_trap();
	if (st.calls > 1)
		__builtin_trap();
	if (st.calls && !inany_equals(&st.last, &target))
		__builtin_trap();

	if (proto == IPPROTO_TCP)
		allowed_port = port && port == ptcp;
	else if (proto == IPPROTO_UDP)
		allowed_port = port && port == pudp;
	else
		allowed_port = c.host_allow_ping;

	/* Nothing is refused without isolation, the DNS forwarder, or an
	 * allowed port, and none of those needs a lookup
	 */
	if (!c.no_map_host || dns || allowed_port) {
		if (why != FWD_ALLOWED || st.calls)
			__builtin_trap();
		return 0;
	}

	/* Otherwise, nothing local to the host gets through */
	local = static_local(&dst) || static_local(&target) ||
		mapped(&dst, c.ip4.map_host_loopback,
		       &c.ip6.map_host_loopback) ||
		mapped(&dst, c.ip4.map_guest_addr, &c.ip6.map_guest_addr) ||
		!answer_ok(answer_for(&target));
	if (local && why == FWD_ALLOWED)
		__builtin_trap();

	/* ...and anything else does */
	if (!local && why != FWD_ALLOWED)
		__builtin_trap();

	return 0;
}
