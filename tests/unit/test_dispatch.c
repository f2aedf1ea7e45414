// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dispatch.c - counters, learning about the guest, and frames nobody
 * handles yet
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "svc/dispatch.h"
#include "wire/pkt.h"

static struct ctx c;
static uint8_t frame[FRAME_MAX], reply[FRAME_MAX];

TEST(counters_and_learning)
{
	const uint8_t mld[] = {		/* MLDv2 report, after HBH */
		143, 0, 0, 0, 0, 0, 0, 0,
	};
	struct in6_addr s = tf_ip6("fe80::2"), d = tf_ip6("ff02::16");
	size_t len;

	tf_ctx_init(&c);

	/* UDP to some port: valid, unhandled for now; source learnt */
	len = tf_udp4(frame, sizeof(frame), "192.0.2.55", 1000, "192.0.2.1",
		      53, "q", 1);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.frames_in, 1);
	CHECK_EQ(c.stats.unhandled, 1);
	CHECK_EQ(c.seen.addr4.s_addr, tf_ip4("192.0.2.55").s_addr);
	CHECK(c.seen.mac_known);

	/* 0.0.0.0 is not learnt */
	len = tf_udp4(frame, sizeof(frame), "0.0.0.0", 1000, "192.0.2.1",
		      53, "q", 1);
	dispatch_frame(&c, frame, len, reply, sizeof(reply));
	CHECK_EQ(c.seen.addr4.s_addr, tf_ip4("192.0.2.55").s_addr);

	/* Global and link-local IPv6 sources */
	len = tf_udp6(frame, sizeof(frame), "2001:db8:1:2::77", 1000,
		      "2001:db8::53", 53, "q", 1);
	dispatch_frame(&c, frame, len, reply, sizeof(reply));
	CHECK(tf_ip6_eq(&c.seen.addr6, "2001:db8:1:2::77"));
	len = tf_udp6(frame, sizeof(frame), "fe80::77", 1000,
		      "2001:db8::53", 53, "q", 1);
	dispatch_frame(&c, frame, len, reply, sizeof(reply));
	CHECK(tf_ip6_eq(&c.seen.addr6_ll, "fe80::77"));
	CHECK(tf_ip6_eq(&c.seen.addr6, "2001:db8:1:2::77"));

	/* MLD report behind a Hop-by-Hop header with router alert */
	memset(frame, 0, 128);
	eth_build(frame, sizeof(frame), mac_broadcast, tf_guest_mac,
		  ETHERTYPE_IPV6);
	ip6_build(frame + ETH_HLEN, 100, 0, &s, &d, 8 + sizeof(mld), 1);
	frame[ETH_HLEN + 40] = 58;
	frame[ETH_HLEN + 42] = 5;
	frame[ETH_HLEN + 43] = 2;
	memcpy(frame + ETH_HLEN + 48, mld, sizeof(mld));
	len = ETH_HLEN + 40 + 8 + sizeof(mld);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.unhandled, 5);
	CHECK_EQ(c.stats.malformed, 0);

	/* VLAN tagged: unhandled, but the MAC is still learnt */
	memset(frame, 0, 64);
	eth_build(frame, sizeof(frame), mac_broadcast, tf_our_mac, 0x8100);
	CHECK_EQ(dispatch_frame(&c, frame, 64, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.unhandled, 6);
	CHECK_MEM(c.seen.mac, tf_our_mac, 6);

	/* Runt: malformed, nothing learnt */
	CHECK_EQ(dispatch_frame(&c, frame, 10, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.malformed, 1);
	CHECK_EQ(c.stats.frames_in, 7);
	CHECK_EQ(c.stats.frames_out, 0);
}

TEST(random_frames_stay_in_bounds)
{
	static uint8_t buf[2048];
	uint32_t seed = 1;
	int i;

	tf_ctx_init(&c);
	for (i = 0; i < 20000; i++) {
		size_t len, j, n, r;
		uint8_t *copy;

		/* Start from a valid frame of some kind, then mutate it */
		switch (i % 4) {
		case 0:
			len = tf_udp4(buf, sizeof(buf), "0.0.0.0", 68,
				      "255.255.255.255", 67, frame, 300);
			break;
		case 1:
			len = tf_udp6(buf, sizeof(buf), "fe80::2", 546,
				      "ff02::1:2", 547, frame, 64);
			break;
		case 2:
			len = tf_icmp6(buf, sizeof(buf), "fe80::2", "ff02::2",
				       "\x85\0\0\0\0\0\0\0\x01\x01\0\0\0\0\0",
				       16);
			break;
		default:
			len = 60;
			break;
		}
		for (n = 0; n < 8; n++) {
			seed = seed * 1103515245 + 12345;
			j = (seed >> 8) % len;
			buf[j] = (uint8_t)(seed >> 20);
		}
		seed = seed * 1103515245 + 12345;
		len -= (seed >> 8) % 16 < len ? (seed >> 8) % 16 : 0;

		copy = malloc(len ? len : 1);
		memcpy(copy, buf, len);
		seed = seed * 1103515245 + 12345;
		r = (seed >> 4) % 1600;
		CHECK(dispatch_frame(&c, copy, len, reply, r) <= r);
		free(copy);
	}
	CHECK_EQ(c.stats.frames_in, 20000);
	CHECK_EQ(c.stats.frames_in, c.stats.malformed + c.stats.unhandled +
		 c.stats.arp_replies + c.stats.dhcp_replies +
		 c.stats.ndp_replies + c.stats.dhcpv6_replies);
}

UNIT_MAIN()
