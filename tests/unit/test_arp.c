// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_arp.c - ARP replies, and requests we must leave alone
 */

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "svc/dispatch.h"
#include "wire/pkt.h"

static struct ctx c;
static uint8_t frame[FRAME_MAX], reply[FRAME_MAX];

/* Send an ARP request, padded to 60 bytes as Ethernet drivers do */
static size_t send_arp(uint16_t op, const char *spa, const char *tpa)
{
	struct in_addr s = tf_ip4(spa), t = tf_ip4(tpa);
	size_t len;

	memset(frame, 0, 60);
	len = eth_build(frame, sizeof(frame), mac_broadcast, tf_guest_mac,
			ETHERTYPE_ARP);
	arp_build(frame + len, sizeof(frame) - len, op, tf_guest_mac, &s,
		  mac_zero, &t);
	return dispatch_frame(&c, frame, 60, reply, sizeof(reply));
}

TEST(request_reply)
{
	const struct arp_pkt *ap;
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);
	len = send_arp(ARP_OP_REQUEST, "192.0.2.10", "192.0.2.1");
	CHECK_EQ(len, 42);
	CHECK_EQ(c.stats.arp_replies, 1);
	CHECK_EQ(c.seen.addr4.s_addr, tf_ip4("192.0.2.10").s_addr);

	CHECK(pkt_parse(reply, len, &p) == PARSE_OK);
	CHECK_MEM(p.eth->dst, tf_guest_mac, 6);
	CHECK_MEM(p.eth->src, tf_our_mac, 6);
	CHECK_EQ(p.ethertype, ETHERTYPE_ARP);
	ap = p.arp;
	CHECK_EQ(ntohs(ap->op), ARP_OP_REPLY);
	CHECK_MEM(ap->sha, tf_our_mac, 6);
	CHECK_MEM(ap->spa, "\xc0\x00\x02\x01", 4);
	CHECK_MEM(ap->tha, tf_guest_mac, 6);
	CHECK_MEM(ap->tpa, "\xc0\x00\x02\x0a", 4);

	/* Any other address, also off-link */
	CHECK_EQ(send_arp(ARP_OP_REQUEST, "192.0.2.10", "203.0.113.7"), 42);
	CHECK_MEM(reply + 14 + 14, "\xcb\x00\x71\x07", 4);
}

TEST(guest_addresses_gratuitous_and_probes)
{
	tf_ctx_init(&c);
	/* The assigned address */
	CHECK_EQ(send_arp(ARP_OP_REQUEST, "192.0.2.77", "192.0.2.10"), 0);
	CHECK_EQ(c.seen.addr4.s_addr, tf_ip4("192.0.2.77").s_addr);
	/* Gratuitous */
	CHECK_EQ(send_arp(ARP_OP_REQUEST, "192.0.2.20", "192.0.2.20"), 0);
	/* Probes: for the guest's address, and for some other one */
	CHECK_EQ(send_arp(ARP_OP_REQUEST, "0.0.0.0", "192.0.2.10"), 0);
	CHECK_EQ(send_arp(ARP_OP_REQUEST, "0.0.0.0", "192.0.2.30"), 0);
	/* Replies from the guest */
	CHECK_EQ(send_arp(ARP_OP_REPLY, "192.0.2.10", "192.0.2.1"), 0);
	CHECK_EQ(c.stats.unhandled, 5);
	CHECK_EQ(c.stats.arp_replies, 0);

	/* A probe for our own address is defended */
	CHECK_EQ(send_arp(ARP_OP_REQUEST, "0.0.0.0", "192.0.2.1"), 42);
	CHECK_MEM(reply + 14 + 24, "\0\0\0\0", 4);

	c.ip4.enabled = false;
	CHECK_EQ(send_arp(ARP_OP_REQUEST, "192.0.2.10", "192.0.2.1"), 0);
}

TEST(truncated_and_small_buffer)
{
	uint8_t copy[64];
	size_t n;

	tf_ctx_init(&c);
	send_arp(ARP_OP_REQUEST, "192.0.2.10", "192.0.2.1");
	for (n = 0; n < 42; n++) {
		memcpy(copy, frame, n);
		CHECK_EQ(dispatch_frame(&c, copy, n, reply, sizeof(reply)), 0);
	}
	CHECK_EQ(c.stats.malformed, 42);
	for (n = 0; n < 42; n++)
		CHECK_EQ(dispatch_frame(&c, frame, 42, reply, n), 0);
	CHECK_EQ(dispatch_frame(&c, frame, 42, reply, 42), 42);
}

UNIT_MAIN()
