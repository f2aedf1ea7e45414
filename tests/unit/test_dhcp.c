// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dhcp.c - DHCP server: client messages like udhcpc and dhclient send,
 * replies checked field by field
 */

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "svc/dispatch.h"
#include "wire/pkt.h"
#include "wire/dhcp.h"

static struct ctx c;
static uint8_t frame[FRAME_MAX], reply[FRAME_MAX];
static const uint32_t xid = 0x3903f326;

/* Build a DHCP request in @msg, udhcpc style, with extra raw options */
static size_t dhcp_msg(uint8_t *msg, uint8_t type, const char *ciaddr,
		       bool broadcast, const uint8_t *extra, size_t extra_len)
{
	struct bootp_msg *m = (struct bootp_msg *)msg;
	const uint8_t common[] = {
		DHCP_OPT_CLIENT_ID, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
		DHCP_OPT_MAX_MSG_SIZE, 2, 0x02, 0x40,		/* 576 */
		DHCP_OPT_PARAM_LIST, 10, 1, 3, 6, 12, 15, 28, 42, 51, 54, 119,
		60, 12, 'u', 'd', 'h', 'c', 'p', ' ', '1', '.', '3', '6', '.',
		'1',
	};
	size_t len = sizeof(*m);
	struct in_addr ci = tf_ip4(ciaddr);

	memset(msg, 0, 548);
	m->op = BOOTREQUEST;
	m->htype = 1;
	m->hlen = 6;
	m->xid = htonl(xid);
	m->flags = htons(broadcast ? BOOTP_FLAG_BROADCAST : 0);
	memcpy(m->ciaddr, &ci, 4);
	memcpy(m->chaddr, tf_guest_mac, 6);
	m->magic = htonl(DHCP_MAGIC);

	msg[len++] = DHCP_OPT_MSG_TYPE;
	msg[len++] = 1;
	msg[len++] = type;
	memcpy(msg + len, common, sizeof(common));
	len += sizeof(common);
	if (extra_len)
		memcpy(msg + len, extra, extra_len);
	len += extra_len;
	msg[len++] = DHCP_OPT_END;

	return len;
}

/* Send a DHCP message from the guest, return the reply length */
static size_t send_dhcp(uint8_t type, const char *src, const char *ciaddr,
			bool broadcast, const uint8_t *extra, size_t extra_len)
{
	uint8_t msg[1500];
	size_t len = dhcp_msg(msg, type, ciaddr, broadcast, extra, extra_len);

	len = tf_udp4(frame, sizeof(frame), src, 68, "255.255.255.255", 67,
		      msg, len);
	return dispatch_frame(&c, frame, len, reply, sizeof(reply));
}

/* Validate the reply frame and its UDP checksum; index its options */
static const struct bootp_msg *check_reply(size_t len, struct pkt *p,
					   struct dhcp_opts *o)
{
	const struct bootp_msg *m;
	uint32_t ph = 0;
	size_t i;

	CHECK(pkt_parse(reply, len, p) == PARSE_OK);
	CHECK_MEM(p->eth->src, tf_our_mac, 6);
	CHECK_EQ(p->af, AF_INET);
	CHECK_EQ(p->proto, IPPROTO_UDP);
	CHECK_EQ(p->src4.s_addr, tf_ip4("192.0.2.1").s_addr);
	CHECK_EQ(p->sport, 67);
	CHECK_EQ(p->dport, 68);
	CHECK(p->payload_len >= BOOTP_MIN_LEN);
	CHECK(p->l3_len <= 576);

	/* UDP checksum, by the bytewise reference */
	for (i = 0; i < 4; i += 2) {
		ph += tf_be16((const uint8_t *)&p->src4 + i);
		ph += tf_be16((const uint8_t *)&p->dst4 + i);
	}
	ph += IPPROTO_UDP + p->l4_len;
	CHECK_EQ(tf_ref_csum(p->l4, p->l4_len, ph), 0);
	/* IP header checksum, likewise */
	CHECK_EQ(tf_ref_csum(p->l3, 20, 0), 0);

	m = dhcp_parse(p->payload, p->payload_len, o);
	CHECK(m != NULL);
	if (!m)
		return NULL;
	CHECK_EQ(m->op, BOOTREPLY);
	CHECK_EQ(m->htype, 1);
	CHECK_EQ(m->hlen, 6);
	CHECK_EQ(ntohl(m->xid), xid);
	CHECK_MEM(m->chaddr, tf_guest_mac, 6);
	return m;
}

static const uint8_t search_enc[] = {
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	3, 'l', 'a', 'b', 0xc0, 0x00,
};

TEST(discover_offer)
{
	struct dhcp_opts o;
	struct pkt p;
	const struct bootp_msg *m;
	size_t len;

	tf_ctx_init(&c);
	len = send_dhcp(DHCPDISCOVER, "0.0.0.0", "0.0.0.0", false, NULL, 0);
	CHECK(len > 0);
	CHECK_EQ(c.stats.dhcp_replies, 1);
	CHECK_EQ(c.stats.frames_in, 1);
	CHECK(c.seen.mac_known);
	CHECK_MEM(c.seen.mac, tf_guest_mac, 6);
	CHECK_EQ(c.seen.addr4.s_addr, 0);

	m = check_reply(len, &p, &o);
	if (!m)
		return;
	CHECK_MEM(p.eth->dst, tf_guest_mac, 6);
	CHECK_EQ(p.dst4.s_addr, INADDR_BROADCAST);
	CHECK_MEM(m->yiaddr, "\xc0\x00\x02\x0a", 4);
	CHECK_MEM(m->ciaddr, "\0\0\0\0", 4);

	CHECK_EQ(o.len[DHCP_OPT_MSG_TYPE], 1);
	CHECK_EQ(o.val[DHCP_OPT_MSG_TYPE][0], DHCPOFFER);
	CHECK_EQ(o.len[DHCP_OPT_SERVER_ID], 4);
	CHECK_MEM(o.val[DHCP_OPT_SERVER_ID], "\xc0\x00\x02\x01", 4);
	CHECK_EQ(o.len[DHCP_OPT_LEASE_TIME], 4);
	CHECK_EQ(tf_be32(o.val[DHCP_OPT_LEASE_TIME]), 0xffffffff);
	CHECK_EQ(o.len[DHCP_OPT_NETMASK], 4);
	CHECK_MEM(o.val[DHCP_OPT_NETMASK], "\xff\xff\xff\x00", 4);
	CHECK_EQ(o.len[DHCP_OPT_ROUTER], 4);
	CHECK_MEM(o.val[DHCP_OPT_ROUTER], "\xc0\x00\x02\x01", 4);
	CHECK_EQ(o.len[DHCP_OPT_DNS], 8);
	CHECK_MEM(o.val[DHCP_OPT_DNS], "\xc0\x00\x02\x35\xc6\x33\x64\x35", 8);
	CHECK_EQ(o.len[DHCP_OPT_MTU], 2);
	CHECK_EQ(tf_be16(o.val[DHCP_OPT_MTU]), 65520);
	CHECK_EQ(o.len[DHCP_OPT_SEARCH], sizeof(search_enc));
	CHECK_MEM(o.val[DHCP_OPT_SEARCH], search_enc, sizeof(search_enc));
	CHECK(!o.val[DHCP_OPT_CLASSLESS]);
	CHECK_EQ(o.len[DHCP_OPT_CLIENT_ID], 7);
	CHECK_MEM(o.val[DHCP_OPT_CLIENT_ID], "\x01\x52\x54\x00\x12\x34\x56",
		  7);
}

TEST(request_ack_and_nak)
{
	const uint8_t good[] = { DHCP_OPT_REQ_ADDR, 4, 192, 0, 2, 10,
				 DHCP_OPT_SERVER_ID, 4, 192, 0, 2, 1 };
	const uint8_t bad[] = { DHCP_OPT_REQ_ADDR, 4, 192, 0, 2, 99 };
	const uint8_t other[] = { DHCP_OPT_REQ_ADDR, 4, 192, 0, 2, 10,
				  DHCP_OPT_SERVER_ID, 4, 192, 0, 2, 2 };
	const struct bootp_msg *m;
	struct dhcp_opts o;
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);
	len = send_dhcp(DHCPREQUEST, "0.0.0.0", "0.0.0.0", false,
			good, sizeof(good));
	m = check_reply(len, &p, &o);
	if (!m)
		return;
	CHECK_EQ(o.val[DHCP_OPT_MSG_TYPE][0], DHCPACK);
	CHECK_MEM(m->yiaddr, "\xc0\x00\x02\x0a", 4);
	CHECK(o.val[DHCP_OPT_LEASE_TIME] != NULL);

	len = send_dhcp(DHCPREQUEST, "0.0.0.0", "0.0.0.0", false,
			bad, sizeof(bad));
	m = check_reply(len, &p, &o);
	if (!m)
		return;
	CHECK_EQ(o.val[DHCP_OPT_MSG_TYPE][0], DHCPNAK);
	CHECK_MEM(m->yiaddr, "\0\0\0\0", 4);
	CHECK_MEM(p.eth->dst, mac_broadcast, 6);
	CHECK_EQ(p.dst4.s_addr, INADDR_BROADCAST);
	CHECK(o.val[DHCP_OPT_SERVER_ID] != NULL);
	CHECK(!o.val[DHCP_OPT_LEASE_TIME]);
	CHECK(!o.val[DHCP_OPT_ROUTER]);

	/* Another server's REQUEST: not ours to answer */
	CHECK_EQ(send_dhcp(DHCPREQUEST, "0.0.0.0", "0.0.0.0", false,
			   other, sizeof(other)), 0);
	CHECK_EQ(c.stats.unhandled, 1);
	CHECK_EQ(c.stats.dhcp_replies, 2);
}

TEST(renew_unicast_and_inform)
{
	const struct bootp_msg *m;
	struct dhcp_opts o;
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);

	/* RENEWING: ciaddr set, no option 50 */
	len = send_dhcp(DHCPREQUEST, "192.0.2.10", "192.0.2.10", false,
			NULL, 0);
	m = check_reply(len, &p, &o);
	if (!m)
		return;
	CHECK_EQ(o.val[DHCP_OPT_MSG_TYPE][0], DHCPACK);
	CHECK_EQ(p.dst4.s_addr, tf_ip4("192.0.2.10").s_addr);
	CHECK_MEM(p.eth->dst, tf_guest_mac, 6);
	CHECK_MEM(m->ciaddr, "\xc0\x00\x02\x0a", 4);
	CHECK_EQ(c.seen.addr4.s_addr, tf_ip4("192.0.2.10").s_addr);

	/* Renewing another address: NAK */
	len = send_dhcp(DHCPREQUEST, "192.0.2.77", "192.0.2.77", false,
			NULL, 0);
	m = check_reply(len, &p, &o);
	if (!m)
		return;
	CHECK_EQ(o.val[DHCP_OPT_MSG_TYPE][0], DHCPNAK);

	/* INFORM: configuration, no address, no lease */
	len = send_dhcp(DHCPINFORM, "192.0.2.77", "192.0.2.77", false,
			NULL, 0);
	m = check_reply(len, &p, &o);
	if (!m)
		return;
	CHECK_EQ(o.val[DHCP_OPT_MSG_TYPE][0], DHCPACK);
	CHECK_MEM(m->yiaddr, "\0\0\0\0", 4);
	CHECK_MEM(m->ciaddr, "\xc0\x00\x02\x4d", 4);
	CHECK(!o.val[DHCP_OPT_LEASE_TIME]);
	CHECK(o.val[DHCP_OPT_DNS] != NULL);
	CHECK_EQ(p.dst4.s_addr, tf_ip4("192.0.2.77").s_addr);
}

TEST(broadcast_flag)
{
	struct dhcp_opts o;
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);
	len = send_dhcp(DHCPDISCOVER, "0.0.0.0", "0.0.0.0", true, NULL, 0);
	if (!check_reply(len, &p, &o))
		return;
	CHECK_MEM(p.eth->dst, mac_broadcast, 6);
	CHECK_EQ(tf_be16(p.payload + 10), BOOTP_FLAG_BROADCAST);
}


TEST(gateway_outside_subnet_options)
{
	const uint8_t routes[] = { 32, 198, 51, 100, 1, 0, 0, 0, 0,
				   0, 198, 51, 100, 1 };
	struct dhcp_opts o;
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);
	c.ip4.gw = tf_ip4("198.51.100.1");
	len = send_dhcp(DHCPDISCOVER, "0.0.0.0", "0.0.0.0", false, NULL, 0);
	if (!check_reply(len, &p, &o))
		return;
	CHECK_EQ(o.len[DHCP_OPT_CLASSLESS], sizeof(routes));
	CHECK_MEM(o.val[DHCP_OPT_CLASSLESS], routes, sizeof(routes));
	CHECK_EQ(o.len[DHCP_OPT_ROUTER], 4);
	CHECK_MEM(o.val[DHCP_OPT_ROUTER], routes + 10, 4);

	/* A /32 address: the gateway is always outside */
	c.ip4.gw = tf_ip4("192.0.2.1");
	c.ip4.prefix_len = 32;
	len = send_dhcp(DHCPDISCOVER, "0.0.0.0", "0.0.0.0", false, NULL, 0);
	if (!check_reply(len, &p, &o))
		return;
	CHECK(o.val[DHCP_OPT_CLASSLESS] != NULL);
	CHECK_MEM(o.val[DHCP_OPT_NETMASK], "\xff\xff\xff\xff", 4);

	/* No gateway: neither option */
	c.ip4.gw.s_addr = 0;
	len = send_dhcp(DHCPDISCOVER, "0.0.0.0", "0.0.0.0", false, NULL, 0);
	if (!check_reply(len, &p, &o))
		return;
	CHECK(!o.val[DHCP_OPT_CLASSLESS]);
	CHECK(!o.val[DHCP_OPT_ROUTER]);
}

TEST(disabled_options)
{
	struct dhcp_opts o;
	struct pkt p;
	size_t len;

	tf_ctx_init(&c);
	c.no_dhcp_dns = true;
	c.no_dhcp_search = true;
	c.mtu = 0;
	len = send_dhcp(DHCPDISCOVER, "0.0.0.0", "0.0.0.0", false, NULL, 0);
	if (!check_reply(len, &p, &o))
		return;
	CHECK(!o.val[DHCP_OPT_DNS]);
	CHECK(!o.val[DHCP_OPT_SEARCH]);
	CHECK(!o.val[DHCP_OPT_MTU]);
	CHECK_EQ(p.payload_len, BOOTP_MIN_LEN);		/* padded */

	c.no_dhcp = true;
	CHECK_EQ(send_dhcp(DHCPDISCOVER, "0.0.0.0", "0.0.0.0", false,
			   NULL, 0), 0);
	c.no_dhcp = false;
	c.ip4.enabled = false;
	CHECK_EQ(send_dhcp(DHCPDISCOVER, "0.0.0.0", "0.0.0.0", false,
			   NULL, 0), 0);
	CHECK_EQ(c.stats.unhandled, 2);
}

TEST(long_search_list_and_max_message_size)
{
	const uint8_t big[] = { DHCP_OPT_MAX_MSG_SIZE, 2, 0x05, 0xdc };
	struct dhcp_opts o;
	struct pkt p;
	size_t len;
	int i;

	tf_ctx_init(&c);
	for (i = 0; i < MAX_SEARCH; i++) {
		memset(c.search[i], 'a' + i, 60);
		strcpy(c.search[i] + 60, ".example.org");
	}
	c.search_count = MAX_SEARCH;

	/* 576 bytes: the search list doesn't fit, the rest is there */
	len = send_dhcp(DHCPDISCOVER, "0.0.0.0", "0.0.0.0", false, NULL, 0);
	if (!check_reply(len, &p, &o))
		return;
	CHECK(!o.val[DHCP_OPT_SEARCH]);
	CHECK(o.val[DHCP_OPT_DNS] != NULL);
	CHECK(o.val[DHCP_OPT_MTU] != NULL);

	/* 1500 bytes (option 57 appears first, so it wins): split option
	 * 119, first piece 255 bytes
	 */
	{
		uint8_t msg[1500];
		size_t mlen;

		mlen = dhcp_msg(msg, DHCPDISCOVER, "0.0.0.0", false, NULL, 0);
		memmove(msg + 240 + 3 + sizeof(big), msg + 240 + 3,
			mlen - 243);
		memcpy(msg + 243, big, sizeof(big));
		mlen += sizeof(big);
		mlen = tf_udp4(frame, sizeof(frame), "0.0.0.0", 68,
			       "255.255.255.255", 67, msg, mlen);
		len = dispatch_frame(&c, frame, mlen, reply, sizeof(reply));
	}
	CHECK(pkt_parse(reply, len, &p) == PARSE_OK);
	CHECK(p.l3_len > 576 && p.l3_len <= 1500);
	dhcp_parse(p.payload, p.payload_len, &o);
	CHECK_EQ(o.len[DHCP_OPT_SEARCH], 255);
	CHECK_EQ(o.val[DHCP_OPT_SEARCH][0], 60);
}

TEST(ignored_and_malformed)
{
	uint8_t msg[1500];
	size_t len;

	tf_ctx_init(&c);
	CHECK_EQ(send_dhcp(DHCPRELEASE, "192.0.2.10", "192.0.2.10", false,
			   NULL, 0), 0);
	CHECK_EQ(send_dhcp(DHCPDECLINE, "0.0.0.0", "0.0.0.0", false,
			   NULL, 0), 0);
	CHECK_EQ(c.stats.unhandled, 2);

	/* Too short for BOOTP */
	len = dhcp_msg(msg, DHCPDISCOVER, "0.0.0.0", false, NULL, 0);
	len = tf_udp4(frame, sizeof(frame), "0.0.0.0", 68,
		      "255.255.255.255", 67, msg, 239);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.malformed, 1);

	/* A BOOTREPLY from the guest, and BOOTP without message type */
	len = dhcp_msg(msg, DHCPDISCOVER, "0.0.0.0", false, NULL, 0);
	msg[0] = BOOTREPLY;
	len = tf_udp4(frame, sizeof(frame), "0.0.0.0", 68,
		      "255.255.255.255", 67, msg, len);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);
	len = dhcp_msg(msg, DHCPDISCOVER, "0.0.0.0", false, NULL, 0);
	msg[240] = DHCP_OPT_PAD;
	msg[241] = DHCP_OPT_PAD;
	msg[242] = DHCP_OPT_PAD;
	len = tf_udp4(frame, sizeof(frame), "0.0.0.0", 68,
		      "255.255.255.255", 67, msg, len);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.unhandled, 4);
	CHECK_EQ(c.stats.dhcp_replies, 0);
}

TEST(every_truncation_and_small_reply_buffer)
{
	uint8_t msg[1500];
	size_t len, full, n;

	tf_ctx_init(&c);
	len = dhcp_msg(msg, DHCPDISCOVER, "0.0.0.0", false, NULL, 0);
	full = tf_udp4(frame, sizeof(frame), "0.0.0.0", 68,
		       "255.255.255.255", 67, msg, len);

	for (n = 0; n < full; n++) {
		uint8_t copy[1500];

		memcpy(copy, frame, n);
		CHECK_EQ(dispatch_frame(&c, copy, n, reply, sizeof(reply)), 0);
	}
	CHECK_EQ(c.stats.malformed, full);

	/* Reply buffers too small: no reply, no overflow */
	for (n = 0; n < 400; n++)
		CHECK(dispatch_frame(&c, frame, full, reply, n) <= n);
	CHECK(dispatch_frame(&c, frame, full, reply, 342) == 342);
}

UNIT_MAIN()
