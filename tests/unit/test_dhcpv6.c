// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dhcpv6.c - DHCPv6 server: SOLICIT with and without Rapid Commit,
 * REQUEST, RENEW, CONFIRM, INFORMATION-REQUEST, foreign server identifiers
 */

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "svc/dispatch.h"
#include "wire/pkt.h"
#include "wire/dhcpv6.h"

static struct ctx c;
static uint8_t frame[FRAME_MAX], reply[FRAME_MAX];

static const uint8_t client_id[] = {	/* DUID-LLT */
	0, 1, 0, 1, 0x2c, 0x1f, 0x9a, 0x10, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
};
static const uint8_t our_duid[] = { 0, 3, 0, 1,
				    0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

/* Build and send a message: type, xid 0xabcdef, client ID if @cid, an
 * IA_NA with IAID 0x01020304 if @ia, then @extra raw options
 */
static size_t send_v6(uint8_t type, bool cid, bool ia, const uint8_t *extra,
		      size_t extra_len)
{
	uint8_t msg[512] = { type, 0xab, 0xcd, 0xef };
	struct wbuf w;
	size_t len;

	wbuf_init(&w, msg + 4, sizeof(msg) - 4);
	if (cid)
		dhcpv6_opt_put(&w, DHCPV6_OPT_CLIENTID, client_id,
			       sizeof(client_id));
	if (ia) {
		const uint8_t ia_na[12] = { 1, 2, 3, 4, 0, 0, 14, 16,
					    0, 0, 22, 96 };

		dhcpv6_opt_put(&w, DHCPV6_OPT_IA_NA, ia_na, sizeof(ia_na));
	}
	{
		const uint8_t oro[] = { 0, 23, 0, 24 };

		dhcpv6_opt_put(&w, DHCPV6_OPT_ORO, oro, sizeof(oro));
	}
	if (extra_len)
		wbuf_put(&w, extra, extra_len);

	len = tf_udp6(frame, sizeof(frame), "fe80::5054:ff:fe12:3456", 546,
		      "ff02::1:2", 547, msg, 4 + w.len);
	return dispatch_frame(&c, frame, len, reply, sizeof(reply));
}

/* Validate the reply frame; return its options */
static bool check_reply(size_t len, struct pkt *p, uint8_t type)
{
	uint32_t ph = 0;
	size_t i;

	CHECK(len > 0);
	if (!len)
		return false;
	CHECK(pkt_parse(reply, len, p) == PARSE_OK);
	CHECK_MEM(p->eth->dst, tf_guest_mac, 6);
	CHECK_MEM(p->eth->src, tf_our_mac, 6);
	CHECK(tf_ip6_eq(&p->src6, "fe80::1"));
	CHECK(tf_ip6_eq(&p->dst6, "fe80::5054:ff:fe12:3456"));
	CHECK_EQ(p->sport, 547);
	CHECK_EQ(p->dport, 546);

	for (i = 0; i < 16; i += 2) {
		ph += tf_be16(p->src6.s6_addr + i);
		ph += tf_be16(p->dst6.s6_addr + i);
	}
	ph += IPPROTO_UDP + p->l4_len;
	CHECK_EQ(tf_ref_csum(p->l4, p->l4_len, ph), 0);

	CHECK_EQ(p->payload[0], type);
	CHECK_MEM(p->payload + 1, "\xab\xcd\xef", 3);
	CHECK(dhcpv6_opts_valid(p->payload + 4, p->payload_len - 4));
	return true;
}

/* Find option @code in the reply */
static bool opt(const struct pkt *p, uint16_t code, struct dhcpv6_opt *o)
{
	return dhcpv6_opt_find(p->payload + 4, p->payload_len - 4, code, o);
}

/* Check the IA_NA of a reply carries our address */
static void check_ia_na(const struct pkt *p)
{
	struct dhcpv6_opt o, a;

	CHECK(opt(p, DHCPV6_OPT_IA_NA, &o));
	CHECK_EQ(o.len, 12 + 4 + 24);
	CHECK_MEM(o.val, "\x01\x02\x03\x04", 4);
	CHECK_EQ(tf_be32(o.val + 4), 7 * 24 * 3600 / 2);
	CHECK_EQ(tf_be32(o.val + 8), 7 * 24 * 3600 / 5 * 4);
	CHECK(dhcpv6_opt_find(o.val + 12, o.len - 12, DHCPV6_OPT_IAADDR, &a));
	CHECK_EQ(a.len, 24);
	CHECK(tf_ip6_eq((const struct in6_addr *)a.val, "2001:db8:1:2::10"));
	CHECK_EQ(tf_be32(a.val + 16), 7 * 24 * 3600);
	CHECK_EQ(tf_be32(a.val + 20), 7 * 24 * 3600);
}

/* Check client and server identifiers, DNS and domain list */
static void check_common(const struct pkt *p)
{
	const uint8_t domains[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0,
	};
	struct dhcpv6_opt o;

	CHECK(opt(p, DHCPV6_OPT_CLIENTID, &o));
	CHECK_EQ(o.len, sizeof(client_id));
	CHECK_MEM(o.val, client_id, sizeof(client_id));
	CHECK(opt(p, DHCPV6_OPT_SERVERID, &o));
	CHECK_EQ(o.len, sizeof(our_duid));
	CHECK_MEM(o.val, our_duid, sizeof(our_duid));
	CHECK(opt(p, DHCPV6_OPT_DNS, &o));
	CHECK_EQ(o.len, 16);
	CHECK(tf_ip6_eq((const struct in6_addr *)o.val, "2001:db8::53"));
	CHECK(opt(p, DHCPV6_OPT_DOMAIN_LIST, &o));
	CHECK_EQ(o.len, sizeof(domains));
	CHECK_MEM(o.val, domains, sizeof(domains));
}

TEST(solicit_advertise)
{
	struct dhcpv6_opt o;
	struct pkt p;

	tf_ctx_init(&c);
	if (!check_reply(send_v6(DHCPV6_SOLICIT, true, true, NULL, 0), &p,
			 DHCPV6_ADVERTISE))
		return;
	check_common(&p);
	check_ia_na(&p);
	CHECK(!opt(&p, DHCPV6_OPT_RAPID_COMMIT, &o));
	CHECK_EQ(c.stats.dhcpv6_replies, 1);
}

TEST(solicit_rapid_commit)
{
	const uint8_t rc[] = { 0, DHCPV6_OPT_RAPID_COMMIT, 0, 0 };
	struct dhcpv6_opt o;
	struct pkt p;

	tf_ctx_init(&c);
	if (!check_reply(send_v6(DHCPV6_SOLICIT, true, true, rc, sizeof(rc)),
			 &p, DHCPV6_REPLY))
		return;
	check_common(&p);
	check_ia_na(&p);
	CHECK(opt(&p, DHCPV6_OPT_RAPID_COMMIT, &o));
	CHECK_EQ(o.len, 0);
}

TEST(request_renew_rebind)
{
	uint8_t sid[4 + sizeof(our_duid)] = { 0, DHCPV6_OPT_SERVERID, 0,
					      sizeof(our_duid) };
	struct pkt p;

	tf_ctx_init(&c);
	memcpy(sid + 4, our_duid, sizeof(our_duid));
	if (check_reply(send_v6(DHCPV6_REQUEST, true, true, sid, sizeof(sid)),
			&p, DHCPV6_REPLY)) {
		check_common(&p);
		check_ia_na(&p);
	}
	if (check_reply(send_v6(DHCPV6_RENEW, true, true, sid, sizeof(sid)),
			&p, DHCPV6_REPLY))
		check_ia_na(&p);
	if (check_reply(send_v6(DHCPV6_REBIND, true, true, NULL, 0),
			&p, DHCPV6_REPLY))
		check_ia_na(&p);

	/* Another server's identifier */
	sid[sizeof(sid) - 1] ^= 1;
	CHECK_EQ(send_v6(DHCPV6_REQUEST, true, true, sid, sizeof(sid)), 0);
	/* SOLICIT must not carry one */
	sid[sizeof(sid) - 1] ^= 1;
	CHECK_EQ(send_v6(DHCPV6_SOLICIT, true, true, sid, sizeof(sid)), 0);
	/* No client identifier */
	CHECK_EQ(send_v6(DHCPV6_REQUEST, false, true, NULL, 0), 0);
	CHECK_EQ(c.stats.unhandled, 3);
	CHECK_EQ(c.stats.dhcpv6_replies, 3);
}

TEST(second_ia_na_no_addrs)
{
	const uint8_t ia2[] = { 0, 3, 0, 12, 9, 9, 9, 9, 0, 0, 0, 0,
				0, 0, 0, 0 };
	struct dhcpv6_opt o;
	size_t off = 0;
	struct pkt p;
	int n = 0;

	tf_ctx_init(&c);
	if (!check_reply(send_v6(DHCPV6_REQUEST, true, true, ia2, sizeof(ia2)),
			 &p, DHCPV6_REPLY))
		return;
	while (dhcpv6_opt_next(p.payload + 4, p.payload_len - 4, &off, &o)) {
		struct dhcpv6_opt s;

		if (o.code != DHCPV6_OPT_IA_NA)
			continue;
		if (n++ == 1) {
			CHECK_MEM(o.val, "\x09\x09\x09\x09", 4);
			CHECK(dhcpv6_opt_find(o.val + 12, o.len - 12,
					      DHCPV6_OPT_STATUS, &s));
			CHECK_EQ(tf_be16(s.val), DHCPV6_STATUS_NO_ADDRS);
		}
	}
	CHECK_EQ(n, 2);
}

TEST(confirm)
{
	uint8_t ia[4 + 12 + 4 + 24] = { 0, 3, 0, 40, 1, 2, 3, 4 };
	struct in6_addr a = tf_ip6("2001:db8:1:2::10");
	struct dhcpv6_opt o;
	struct pkt p;

	tf_ctx_init(&c);
	ia[16] = 0;
	ia[17] = DHCPV6_OPT_IAADDR;
	ia[19] = 24;
	memcpy(ia + 20, &a, 16);
	if (check_reply(send_v6(DHCPV6_CONFIRM, true, false, ia, sizeof(ia)),
			&p, DHCPV6_REPLY)) {
		CHECK(opt(&p, DHCPV6_OPT_STATUS, &o));
		CHECK_EQ(tf_be16(o.val), DHCPV6_STATUS_SUCCESS);
		CHECK(!opt(&p, DHCPV6_OPT_IA_NA, &o));
	}

	a = tf_ip6("2001:db8:9::10");
	memcpy(ia + 20, &a, 16);
	if (check_reply(send_v6(DHCPV6_CONFIRM, true, false, ia, sizeof(ia)),
			&p, DHCPV6_REPLY)) {
		CHECK(opt(&p, DHCPV6_OPT_STATUS, &o));
		CHECK_EQ(tf_be16(o.val), DHCPV6_STATUS_NOT_ON_LINK);
	}
}

TEST(information_request)
{
	struct dhcpv6_opt o;
	struct pkt p;

	tf_ctx_init(&c);
	if (!check_reply(send_v6(DHCPV6_INFO_REQUEST, false, false, NULL, 0),
			 &p, DHCPV6_REPLY))
		return;
	CHECK(!opt(&p, DHCPV6_OPT_CLIENTID, &o));
	CHECK(opt(&p, DHCPV6_OPT_SERVERID, &o));
	CHECK(opt(&p, DHCPV6_OPT_DNS, &o));
	CHECK(!opt(&p, DHCPV6_OPT_IA_NA, &o));

	c.no_dhcp_dns = true;
	c.no_dhcp_search = true;
	if (!check_reply(send_v6(DHCPV6_INFO_REQUEST, true, false, NULL, 0),
			 &p, DHCPV6_REPLY))
		return;
	CHECK(opt(&p, DHCPV6_OPT_CLIENTID, &o));
	CHECK(!opt(&p, DHCPV6_OPT_DNS, &o));
	CHECK(!opt(&p, DHCPV6_OPT_DOMAIN_LIST, &o));
}

TEST(disabled_and_malformed)
{
	const uint8_t trunc[] = { 0, 1, 0, 9, 1 };
	uint8_t copy[256];
	size_t full, n;

	tf_ctx_init(&c);
	c.no_dhcpv6 = true;
	CHECK_EQ(send_v6(DHCPV6_SOLICIT, true, true, NULL, 0), 0);
	CHECK_EQ(c.stats.unhandled, 1);
	c.no_dhcpv6 = false;

	CHECK_EQ(send_v6(DHCPV6_SOLICIT, true, true, trunc, sizeof(trunc)), 0);
	CHECK_EQ(c.stats.malformed, 1);
	CHECK_EQ(send_v6(DHCPV6_ADVERTISE, true, true, NULL, 0), 0);
	CHECK_EQ(c.stats.unhandled, 2);

	/* Every truncation of a valid SOLICIT */
	send_v6(DHCPV6_SOLICIT, true, true, NULL, 0);
	full = UDP6_PAYLOAD_OFF + 4 + 4 + sizeof(client_id) + 16 + 8;
	CHECK(dispatch_frame(&c, frame, full, reply, sizeof(reply)) > 0);
	for (n = 0; n < full; n++) {
		memcpy(copy, frame, n);
		CHECK_EQ(dispatch_frame(&c, copy, n, reply, sizeof(reply)), 0);
	}
	for (n = 0; n < 400; n++)
		CHECK(dispatch_frame(&c, frame, full, reply, n) <= n);
}

UNIT_MAIN()
