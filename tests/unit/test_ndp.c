// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ndp.c - Neighbor and Router Solicitations, NA and RA checked field by
 * field
 */

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "svc/dispatch.h"
#include "wire/pkt.h"
#include "wire/ndp.h"

static struct ctx c;
static uint8_t frame[FRAME_MAX], reply[FRAME_MAX];

/* ICMPv6 checksum of a reply, by the bytewise reference */
static void check_icmp6_csum(const struct pkt *p)
{
	uint32_t ph = 0;
	size_t i;

	for (i = 0; i < 16; i += 2) {
		ph += tf_be16(p->src6.s6_addr + i);
		ph += tf_be16(p->dst6.s6_addr + i);
	}
	ph += IPPROTO_ICMPV6 + p->l4_len;
	CHECK_EQ(tf_ref_csum(p->l4, p->l4_len, ph), 0);
}

/* Send an NS for @target from @src to @dst, with or without SLLA */
static size_t send_ns(const char *src, const char *dst, const char *target,
		      bool slla)
{
	uint8_t msg[32] = { ICMP6_NS, 0 };
	struct in6_addr t = tf_ip6(target);
	size_t len;

	memcpy(msg + 8, &t, 16);
	msg[24] = NDP_OPT_SLLA;
	msg[25] = 1;
	memcpy(msg + 26, tf_guest_mac, 6);
	len = tf_icmp6(frame, sizeof(frame), src, dst, msg, slla ? 32 : 24);
	return dispatch_frame(&c, frame, len, reply, sizeof(reply));
}

/* Send an RS from @src */
static size_t send_rs(const char *src, bool slla)
{
	uint8_t msg[16] = { ICMP6_RS, 0 };
	size_t len;

	msg[8] = NDP_OPT_SLLA;
	msg[9] = 1;
	memcpy(msg + 10, tf_guest_mac, 6);
	len = tf_icmp6(frame, sizeof(frame), src, "ff02::2", msg,
		       slla ? 16 : 8);
	return dispatch_frame(&c, frame, len, reply, sizeof(reply));
}

TEST(ns_na)
{
	struct in6_addr t = tf_ip6("2001:db8:1:2::1");
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);
	len = send_ns("fe80::5054:ff:fe12:3456", "ff02::1:ff00:1",
		      "2001:db8:1:2::1", true);
	CHECK_EQ(len, ICMP6_OFF + 32);
	CHECK_EQ(c.stats.ndp_replies, 1);
	CHECK(tf_ip6_eq(&c.seen.addr6_ll, "fe80::5054:ff:fe12:3456"));

	CHECK(pkt_parse(reply, len, &p) == PARSE_OK);
	CHECK_MEM(p.eth->dst, tf_guest_mac, 6);
	CHECK_MEM(p.eth->src, tf_our_mac, 6);
	CHECK_EQ(p.ttl, 255);
	CHECK(ip6_eq(&p.src6, &t));
	CHECK(tf_ip6_eq(&p.dst6, "fe80::5054:ff:fe12:3456"));
	CHECK_EQ(p.icmp_type, ICMP6_NA);
	CHECK_EQ(p.icmp_code, 0);
	check_icmp6_csum(&p);
	CHECK_EQ(p.l4[4], NDP_NA_ROUTER | NDP_NA_SOLICITED | NDP_NA_OVERRIDE);
	CHECK_MEM(p.l4 + 8, &t, 16);
	CHECK_EQ(p.l4[24], NDP_OPT_TLLA);
	CHECK_EQ(p.l4[25], 1);
	CHECK_MEM(p.l4 + 26, tf_our_mac, 6);

	/* Without source link-layer option, for the gateway: same */
	CHECK(send_ns("fe80::5054:ff:fe12:3456", "ff02::1:ff00:1", "fe80::1",
		      false) > 0);
}

TEST(ns_for_guest_addresses_ignored)
{
	tf_ctx_init(&c);
	CHECK_EQ(send_ns("fe80::5054:ff:fe12:3456", "ff02::1:ff00:10",
			 "2001:db8:1:2::10", true), 0);
	/* The link-local source was learnt by the first NS */
	CHECK_EQ(send_ns("2001:db8:1:2::99", "ff02::1:ff12:3456",
			 "fe80::5054:ff:fe12:3456", true), 0);
	CHECK(tf_ip6_eq(&c.seen.addr6, "2001:db8:1:2::99"));
	CHECK_EQ(send_ns("fe80::5054:ff:fe12:3456", "ff02::1:ff00:99",
			 "2001:db8:1:2::99", true), 0);
	CHECK_EQ(c.stats.ndp_replies, 0);
	CHECK_EQ(c.stats.unhandled, 3);
}

TEST(ns_dad)
{
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);
	/* DAD for an address the guest picks: stay quiet */
	CHECK_EQ(send_ns("::", "ff02::1:ff00:42", "2001:db8:1:2::42", false),
		 0);
	CHECK_EQ(send_ns("::", "ff02::1:ff12:3456", "fe80::5054:ff:fe12:3456",
			 false), 0);
	/* SLLA from :: is invalid */
	CHECK_EQ(send_ns("::", "ff02::1:ff00:1", "fe80::1", true), 0);
	CHECK_EQ(c.stats.malformed, 1);

	/* DAD for our own address: defend it, to all nodes, no S flag */
	len = send_ns("::", "ff02::1:ff00:1", "fe80::1", false);
	CHECK(pkt_parse(reply, len, &p) == PARSE_OK);
	CHECK(ip6_eq(&p.dst6, &ip6_all_nodes));
	CHECK_MEM(p.eth->dst, "\x33\x33\x00\x00\x00\x01", 6);
	CHECK_EQ(p.l4[4], NDP_NA_ROUTER | NDP_NA_OVERRIDE);
	check_icmp6_csum(&p);
	CHECK(ip6_is_unspec(&c.seen.addr6));
}

TEST(ns_invalid)
{
	uint8_t msg[24] = { ICMP6_NS, 0 };
	struct in6_addr t = tf_ip6("ff02::1");
	size_t len;

	tf_ctx_init(&c);
	/* Multicast target */
	memcpy(msg + 8, &t, 16);
	len = tf_icmp6(frame, sizeof(frame), "fe80::2", "ff02::1", msg, 24);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);

	/* Hop limit not 255 */
	t = tf_ip6("fe80::1");
	memcpy(msg + 8, &t, 16);
	len = tf_icmp6(frame, sizeof(frame), "fe80::2", "ff02::1", msg, 24);
	frame[ETH_HLEN + 7] = 64;
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);

	/* Bad checksum */
	len = tf_icmp6(frame, sizeof(frame), "fe80::2", "ff02::1", msg, 24);
	frame[ICMP6_OFF + 2] ^= 0x10;
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);

	/* Too short, code not 0 */
	len = tf_icmp6(frame, sizeof(frame), "fe80::2", "ff02::1", msg, 20);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);
	msg[1] = 1;
	len = tf_icmp6(frame, sizeof(frame), "fe80::2", "ff02::1", msg, 24);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.malformed, 5);

	/* Valid again */
	msg[1] = 0;
	len = tf_icmp6(frame, sizeof(frame), "fe80::2", "ff02::1", msg, 24);
	CHECK(dispatch_frame(&c, frame, len, reply, sizeof(reply)) > 0);
}

/* Find an option of @type in the RA at p->l4 */
static const uint8_t *ra_opt(const struct pkt *p, uint8_t type)
{
	CHECK(ndp_opts_valid(p->l4 + 16, p->l4_len - 16));
	return ndp_opt_find(p->l4 + 16, p->l4_len - 16, type);
}

TEST(rs_ra)
{
	const uint8_t dnssl[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0,
	};
	struct in6_addr prefix = tf_ip6("2001:db8:1:2::");
	const uint8_t *o;
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);
	len = send_rs("fe80::5054:ff:fe12:3456", true);
	CHECK(len > 0);
	CHECK(pkt_parse(reply, len, &p) == PARSE_OK);
	CHECK_MEM(p.eth->dst, tf_guest_mac, 6);
	CHECK(ip6_eq(&p.src6, &c.ip6.our_ll));
	CHECK(tf_ip6_eq(&p.dst6, "fe80::5054:ff:fe12:3456"));
	CHECK_EQ(p.ttl, 255);
	CHECK_EQ(p.icmp_type, ICMP6_RA);
	check_icmp6_csum(&p);
	CHECK_EQ(p.l4[4], 64);				/* cur hop limit */
	CHECK_EQ(p.l4[5], NDP_RA_MANAGED | NDP_RA_OTHER);
	CHECK_EQ(tf_be16(p.l4 + 6), 65535);
	CHECK_EQ(tf_be32(p.l4 + 8), 0);
	CHECK_EQ(tf_be32(p.l4 + 12), 0);

	o = ra_opt(&p, NDP_OPT_SLLA);
	CHECK(o && o[1] == 1 && !memcmp(o + 2, tf_our_mac, 6));

	o = ra_opt(&p, NDP_OPT_MTU);
	CHECK(o && o[1] == 1 && tf_be32(o + 4) == 65520);

	o = ra_opt(&p, NDP_OPT_PREFIX);
	CHECK(o != NULL);
	if (o) {
		CHECK_EQ(o[1], 4);
		CHECK_EQ(o[2], 64);
		CHECK_EQ(o[3], NDP_PREFIX_ONLINK | NDP_PREFIX_AUTO);
		CHECK_EQ(tf_be32(o + 4), 0xffffffff);
		CHECK_EQ(tf_be32(o + 8), 0xffffffff);
		CHECK_MEM(o + 16, &prefix, 16);
	}

	o = ra_opt(&p, NDP_OPT_RDNSS);
	CHECK(o != NULL);
	if (o) {
		CHECK_EQ(o[1], 3);
		CHECK_MEM(o + 8, &c.ip6.dns[0], 16);
	}

	o = ra_opt(&p, NDP_OPT_DNSSL);
	CHECK(o != NULL);
	if (o) {
		CHECK_EQ(o[1], 1 + 32 / 8);
		CHECK_MEM(o + 8, dnssl, sizeof(dnssl));
		CHECK_MEM(o + 8 + sizeof(dnssl), "\0\0", 2);	/* padding */
	}
}

TEST(rs_variants)
{
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);
	c.no_dhcpv6 = true;
	c.no_dhcp_dns = true;
	c.no_dhcp_search = true;
	c.mtu = 1000;				/* below the IPv6 minimum */

	/* From :: (no SLLA allowed): to all nodes */
	len = send_rs("::", false);
	CHECK(pkt_parse(reply, len, &p) == PARSE_OK);
	CHECK(ip6_eq(&p.dst6, &ip6_all_nodes));
	CHECK_MEM(p.eth->dst, "\x33\x33\x00\x00\x00\x01", 6);
	CHECK_EQ(p.l4[5], 0);
	CHECK(!ra_opt(&p, NDP_OPT_MTU));
	CHECK(!ra_opt(&p, NDP_OPT_RDNSS));
	CHECK(!ra_opt(&p, NDP_OPT_DNSSL));
	CHECK(ra_opt(&p, NDP_OPT_PREFIX) != NULL);
	check_icmp6_csum(&p);

	CHECK_EQ(send_rs("::", true), 0);
	CHECK_EQ(c.stats.malformed, 1);

	c.no_ra = true;
	CHECK_EQ(send_rs("fe80::2", true), 0);
	c.no_ra = false;
	c.no_ndp = true;
	CHECK_EQ(send_rs("fe80::2", true), 0);
	CHECK_EQ(send_ns("fe80::2", "ff02::1:ff00:1", "fe80::1", true), 0);
	c.no_ndp = false;
	c.ip6.enabled = false;
	CHECK_EQ(send_rs("fe80::2", true), 0);
	CHECK_EQ(c.stats.unhandled, 4);
}

TEST(rs_every_truncation_and_small_buffers)
{
	uint8_t copy[256];
	size_t full, n;

	tf_ctx_init(&c);
	send_rs("fe80::2", true);
	full = ICMP6_OFF + 16;
	for (n = 0; n < full; n++) {
		memcpy(copy, frame, n);
		CHECK_EQ(dispatch_frame(&c, copy, n, reply, sizeof(reply)), 0);
	}
	CHECK_EQ(c.stats.malformed, full);

	for (n = 0; n < 300; n++)
		CHECK(dispatch_frame(&c, frame, full, reply, n) <= n);
}

UNIT_MAIN()
