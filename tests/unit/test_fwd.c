// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_fwd.c - unit tests for the host target of new guest flows
 */

#include <arpa/inet.h>
#include <errno.h>

#include "conf/conf.h"
#include "policy/fwd.h"
#include "unit.h"

static struct ctx c;

/**
 * addr() - an inany address from text
 * @s:		IPv4 or IPv6 address
 *
 * Return: the address
 */
static union inany_addr addr(const char *s)
{
	union inany_addr a;
	struct in_addr a4;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a4) == 1)
		inany_from_v4(&a, a4);
	else
		inet_pton(AF_INET6, s, &a.a6);
	return a;
}

/**
 * setup() - a context forwarding 192.0.2.53 and 2001:db8::53
 */
static void setup(void)
{
	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET, "192.0.2.53", &c.ip4.dns_match);
	inet_pton(AF_INET, "127.0.0.53", &c.ip4.dns_host);
	inet_pton(AF_INET6, "2001:db8::53", &c.ip6.dns_match);
	inet_pton(AF_INET6, "2001:db8::1", &c.ip6.dns_host);
}

TEST(dns_mapped)
{
	union inany_addr dst, t, want;

	setup();
	dst = addr("192.0.2.53");
	want = addr("127.0.0.53");
	CHECK_EQ(fwd_guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &want));
	CHECK_EQ(fwd_guest_target(&c, IPPROTO_TCP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &want));

	dst = addr("2001:db8::53");
	want = addr("2001:db8::1");
	CHECK_EQ(fwd_guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &want));
}

TEST(others_unchanged)
{
	union inany_addr dst, t;

	setup();
	dst = addr("192.0.2.53");
	CHECK_EQ(fwd_guest_target(&c, IPPROTO_UDP, &dst, 54, &t), 0);
	CHECK(inany_equals(&t, &dst));
	CHECK_EQ(fwd_guest_target(&c, IPPROTO_ICMP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &dst));

	dst = addr("192.0.2.54");
	CHECK_EQ(fwd_guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &dst));

	/* IPv4 forwarding address, as IPv6 destination: not mapped */
	dst = addr("::192.0.2.53");
	CHECK_EQ(fwd_guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &dst));
}

TEST(no_resolver)
{
	union inany_addr dst, t;

	setup();
	c.ip4.dns_host.s_addr = 0;
	dst = addr("192.0.2.53");
	CHECK_EQ(fwd_guest_target(&c, IPPROTO_UDP, &dst, 53, &t),
		 -EHOSTUNREACH);

	/* Without --dns-forward, nothing is mapped */
	memset(&c, 0, sizeof(c));
	CHECK_EQ(fwd_guest_target(&c, IPPROTO_UDP, &dst, 53, &t), 0);
	CHECK(inany_equals(&t, &dst));
}

TEST(resolv_host_includes_loopback)
{
	memset(&c, 0, sizeof(c));
	conf_read_resolv(&c, "nameserver 127.0.0.53\nnameserver 192.0.2.1\n"
			 "nameserver ::1\n", true, false);
	CHECK_EQ(c.ip4.dns_count, 1);
	CHECK_EQ(ntohl(c.ip4.dns_host.s_addr), 0x7f000035);
	CHECK(IN6_IS_ADDR_LOOPBACK(&c.ip6.dns_host));
	CHECK_EQ(c.ip6.dns_count, 0);
}

UNIT_MAIN()
