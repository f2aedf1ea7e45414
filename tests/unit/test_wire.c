// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_wire.c - parsers and builders of the wire layer: valid input,
 * every truncation, and malformed variants
 *
 * Truncated frames are copied to heap buffers of their exact size, so that
 * AddressSanitizer catches any read past the end.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "wire/pkt.h"
#include "wire/checksum.h"
#include "wire/dns.h"
#include "wire/dhcp.h"
#include "wire/dhcpv6.h"
#include "wire/ndp.h"

static uint8_t frame[2048];

/* Parse a copy of the first @len bytes of @f, in a buffer of that size */
static enum parse_result parse_copy(const uint8_t *f, size_t len,
				    struct pkt *p)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum parse_result rc;

	memcpy(copy, f, len);
	rc = pkt_parse(copy, len, p);
	free(copy);
	return rc;
}

/* Every strict truncation of a valid frame must not parse as valid */
static void check_truncations(const uint8_t *f, size_t full)
{
	struct pkt p;
	size_t len;

	for (len = 0; len < full; len++)
		CHECK(parse_copy(f, len, &p) == PARSE_MALFORMED);
	CHECK(parse_copy(f, full, &p) == PARSE_OK);
}

/* Fix the IPv4 header checksum after editing a header at ETH_HLEN */
static void ip4_fix_csum(uint8_t *f)
{
	size_t hlen = (size_t)(f[ETH_HLEN] & 0xf) * 4;
	uint16_t c;

	f[ETH_HLEN + 10] = f[ETH_HLEN + 11] = 0;
	c = csum(f + ETH_HLEN, hlen, 0);
	memcpy(f + ETH_HLEN + 10, &c, 2);
}

TEST(eth_basic)
{
	struct pkt p;
	size_t len;

	memset(frame, 0, 64);
	eth_build(frame, sizeof(frame), mac_broadcast, tf_guest_mac, 0x8100);
	for (len = 0; len < ETH_HLEN; len++)
		CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
	CHECK(parse_copy(frame, 64, &p) == PARSE_UNHANDLED);	/* VLAN */

	eth_build(frame, sizeof(frame), mac_broadcast, tf_guest_mac, 0x0100);
	CHECK(parse_copy(frame, 64, &p) == PARSE_UNHANDLED);	/* 802.3 */

	eth_build(frame, sizeof(frame), tf_guest_mac, mac_broadcast, 0x86dd);
	CHECK(parse_copy(frame, 64, &p) == PARSE_MALFORMED);	/* mcast src */

	CHECK_EQ(eth_build(frame, 13, mac_broadcast, tf_guest_mac, 1), 0);
}

TEST(arp_parse_and_truncate)
{
	uint8_t spa[4] = { 192, 0, 2, 10 }, tpa[4] = { 192, 0, 2, 1 };
	struct pkt p;
	size_t len;

	len = eth_build(frame, sizeof(frame), mac_broadcast, tf_guest_mac,
			ETHERTYPE_ARP);
	len += arp_build(frame + len, sizeof(frame) - len, ARP_OP_REQUEST,
			 tf_guest_mac, spa, mac_zero, tpa);
	CHECK_EQ(len, 42);
	check_truncations(frame, len);

	CHECK(pkt_parse(frame, len, &p) == PARSE_OK);
	CHECK(p.arp != NULL);
	CHECK_EQ(ntohs(p.arp->op), ARP_OP_REQUEST);
	CHECK_MEM(p.arp->tpa, tpa, 4);

	memset(frame + len, 0, 18);	/* padding to 60 bytes is fine */
	CHECK(parse_copy(frame, 60, &p) == PARSE_OK);

	frame[ETH_HLEN + 1] = 6;	/* hardware type 6: not Ethernet */
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
	frame[ETH_HLEN + 1] = 1;
	frame[ETH_HLEN + 5] = 16;	/* protocol address length */
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
}

TEST(ip4_udp_parse)
{
	const char payload[] = "hello, world";
	struct pkt p;
	size_t len;

	len = tf_udp4(frame, sizeof(frame), "192.0.2.10", 1234, "192.0.2.1",
		      53, payload, sizeof(payload));
	CHECK_EQ(len, 42 + sizeof(payload));
	check_truncations(frame, len);

	CHECK(pkt_parse(frame, len, &p) == PARSE_OK);
	CHECK_EQ(p.af, AF_INET);
	CHECK_EQ(p.proto, IPPROTO_UDP);
	CHECK_EQ(p.src4.s_addr, tf_ip4("192.0.2.10").s_addr);
	CHECK_EQ(p.dst4.s_addr, tf_ip4("192.0.2.1").s_addr);
	CHECK_EQ(p.sport, 1234);
	CHECK_EQ(p.dport, 53);
	CHECK_EQ(p.payload_len, sizeof(payload));
	CHECK_EQ(p.l3_len, 20 + 8 + sizeof(payload));
	CHECK_MEM(p.payload, payload, sizeof(payload));

	/* The UDP checksum we built is right, by the reference too */
	CHECK_EQ(csum(p.l4, p.l4_len,
		      csum_ip4_pseudo(&p.src4, &p.dst4, IPPROTO_UDP,
				      (uint16_t)p.l4_len)), 0);

	/* Ethernet padding after the IP packet is ignored */
	memset(frame + len, 0xee, 20);
	CHECK(pkt_parse(frame, len + 20, &p) == PARSE_OK);
	CHECK_EQ(p.payload_len, sizeof(payload));
}

TEST(ip4_malformed)
{
	const char payload[8] = "abcdefg";
	struct pkt p;
	size_t len;

	len = tf_udp4(frame, sizeof(frame), "192.0.2.10", 1, "192.0.2.1", 2,
		      payload, sizeof(payload));

	frame[ETH_HLEN] = 0x55;			/* version 5 */
	ip4_fix_csum(frame);
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);

	frame[ETH_HLEN] = 0x44;			/* IHL 4 */
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);

	frame[ETH_HLEN] = 0x4f;			/* IHL past total length */
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);

	frame[ETH_HLEN] = 0x45;
	ip4_fix_csum(frame);
	CHECK(parse_copy(frame, len, &p) == PARSE_OK);
	frame[ETH_HLEN + 8] ^= 1;		/* TTL: checksum now wrong */
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
	frame[ETH_HLEN + 8] ^= 1;

	frame[ETH_HLEN + 3] += 1;		/* total length past the end */
	ip4_fix_csum(frame);
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
	frame[ETH_HLEN + 3] -= 2;		/* shorter than UDP length */
	ip4_fix_csum(frame);
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
	frame[ETH_HLEN + 3] += 1;
	ip4_fix_csum(frame);

	frame[ETH_HLEN + 20 + 5] = 7;		/* UDP length 7 */
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
	frame[ETH_HLEN + 20 + 5] = 16;		/* UDP length 16 */
	CHECK(parse_copy(frame, len, &p) == PARSE_OK);

	frame[ETH_HLEN + 6] = 0x20;		/* more fragments */
	ip4_fix_csum(frame);
	CHECK(parse_copy(frame, len, &p) == PARSE_UNHANDLED);
	frame[ETH_HLEN + 6] = 0x00;		/* offset 8 */
	frame[ETH_HLEN + 7] = 0x01;
	ip4_fix_csum(frame);
	CHECK(parse_copy(frame, len, &p) == PARSE_UNHANDLED);
}

TEST(ip4_options)
{
	uint8_t f[64] = { 0 };
	struct in_addr s = tf_ip4("192.0.2.10"), d = tf_ip4("192.0.2.1");
	struct pkt p;
	size_t len = ETH_HLEN + 24 + 8;

	eth_build(f, sizeof(f), tf_our_mac, tf_guest_mac, ETHERTYPE_IP);
	ip4_build(f + ETH_HLEN, 64, IPPROTO_UDP, &s, &d, 4 + 8, 64);
	f[ETH_HLEN] = 0x46;			/* one word of options: NOPs */
	memset(f + ETH_HLEN + 20, 1, 4);
	ip4_fix_csum(f);
	f[ETH_HLEN + 24 + 1] = 9;		/* UDP source port 9 */
	f[ETH_HLEN + 24 + 5] = 8;		/* UDP length 8 */

	CHECK(pkt_parse(f, len, &p) == PARSE_OK);
	CHECK_EQ(p.sport, 9);
	CHECK_EQ(p.payload_len, 0);
	check_truncations(f, len);
}

/* Build an IPv6 frame with raw extension headers before an ICMPv6 echo */
static size_t ip6_ext_frame(uint8_t *f, uint8_t first_nh,
			    const uint8_t *ext, size_t ext_len)
{
	struct in6_addr s = tf_ip6("2001:db8::10"), d = tf_ip6("2001:db8::1");
	uint8_t echo[12] = { 128, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g' };

	eth_build(f, 2048, tf_our_mac, tf_guest_mac, ETHERTYPE_IPV6);
	ip6_build(f + ETH_HLEN, 2048, first_nh, &s, &d,
		  ext_len + sizeof(echo), 64);
	memcpy(f + ETH_HLEN + IP6_HLEN, ext, ext_len);
	memcpy(f + ETH_HLEN + IP6_HLEN + ext_len, echo, sizeof(echo));
	return ETH_HLEN + IP6_HLEN + ext_len + sizeof(echo);
}

TEST(ip6_extension_headers)
{
	/* Hop-by-Hop (router alert), Destination Options, Routing with no
	 * segments left, atomic Fragment, then ICMPv6
	 */
	const uint8_t ext[] = {
		60, 0, 5, 2, 0, 0, 1, 0,		/* HBH -> DSTOPTS */
		43, 1, 1, 10, 0, 0, 0, 0,		/* DSTOPTS, 16 bytes */
		0, 0, 0, 0, 0, 0, 0, 0,
		44, 0, 4, 0, 0, 0, 0, 0,		/* ROUTING, 0 left */
		58, 0, 0, 0, 0, 0, 0, 42,		/* atomic FRAGMENT */
	};
	uint8_t ext2[sizeof(ext)];
	struct pkt p;
	size_t len;

	len = ip6_ext_frame(frame, 0, ext, sizeof(ext));
	CHECK(pkt_parse(frame, len, &p) == PARSE_OK);
	CHECK_EQ(p.af, AF_INET6);
	CHECK_EQ(p.proto, IPPROTO_ICMPV6);
	CHECK_EQ(p.icmp_type, 128);
	CHECK_EQ(p.l4_len, 12);
	CHECK_EQ(p.payload_len, 4);
	CHECK_MEM(p.payload, "ping", 4);
	check_truncations(frame, len);

	/* A non-atomic fragment */
	memcpy(ext2, ext, sizeof(ext));
	ext2[sizeof(ext) - 5] = 1;			/* M flag */
	len = ip6_ext_frame(frame, 0, ext2, sizeof(ext2));
	CHECK(parse_copy(frame, len, &p) == PARSE_UNHANDLED);

	/* Routing header with segments left */
	memcpy(ext2, ext, sizeof(ext));
	ext2[24 + 3] = 1;
	len = ip6_ext_frame(frame, 0, ext2, sizeof(ext2));
	CHECK(parse_copy(frame, len, &p) == PARSE_UNHANDLED);

	/* Hop-by-Hop not first */
	memcpy(ext2, ext, sizeof(ext));
	ext2[0] = 0;
	len = ip6_ext_frame(frame, 0, ext2, sizeof(ext2));
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);

	/* Extension header length past the payload */
	memcpy(ext2, ext, sizeof(ext));
	ext2[9] = 200;
	len = ip6_ext_frame(frame, 0, ext2, sizeof(ext2));
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);

	/* No Next Header */
	memcpy(ext2, ext, sizeof(ext));
	ext2[32] = 59;
	len = ip6_ext_frame(frame, 0, ext2, sizeof(ext2));
	CHECK(parse_copy(frame, len, &p) == PARSE_UNHANDLED);
}

TEST(ip6_extension_chain_bounded)
{
	uint8_t ext[8 * 12];
	struct pkt p;
	size_t len, i;

	/* 12 Destination Options headers: more than we walk */
	for (i = 0; i < 12; i++) {
		memset(ext + i * 8, 0, 8);
		ext[i * 8] = i == 11 ? 58 : 60;
	}
	len = ip6_ext_frame(frame, 60, ext, sizeof(ext));
	CHECK(parse_copy(frame, len, &p) == PARSE_UNHANDLED);

	/* 7 of them are fine */
	ext[6 * 8] = 58;
	len = ip6_ext_frame(frame, 60, ext, 7 * 8);
	CHECK(pkt_parse(frame, len, &p) == PARSE_OK);
	CHECK_EQ(p.proto, IPPROTO_ICMPV6);
}

TEST(ip6_udp_parse)
{
	const char payload[] = "datagram";
	struct pkt p;
	size_t len;

	len = tf_udp6(frame, sizeof(frame), "fe80::10", 546, "ff02::1:2",
		      547, payload, sizeof(payload));
	CHECK_EQ(len, 62 + sizeof(payload));
	check_truncations(frame, len);
	CHECK(pkt_parse(frame, len, &p) == PARSE_OK);
	CHECK_EQ(p.sport, 546);
	CHECK_EQ(p.dport, 547);
	CHECK_EQ(p.ttl, 1);
	CHECK_MEM(p.payload, payload, sizeof(payload));
	CHECK_EQ(csum(p.l4, p.l4_len,
		      csum_ip6_pseudo(&p.src6, &p.dst6, IPPROTO_UDP,
				      (uint32_t)p.l4_len)), 0);
	/* Destination MAC is the multicast mapping of ff02::1:2 */
	CHECK_MEM(frame, "\x33\x33\x00\x01\x00\x02", 6);

	frame[ETH_HLEN] = 0x40;			/* version 4 */
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
}

TEST(ip6_v4mapped_rejected)
{
	/* IPv4-mapped: never on the wire, and a way around IPv4 checks */
	static const char *const mapped[] = {
		"::ffff:127.0.0.1", "::ffff:192.0.2.1", "::ffff:0.0.0.0",
		"::ffff:255.255.255.255", "::ffff:224.0.0.1",
	};
	/* Close to it, but not IPv4-mapped */
	static const char *const other[] = {
		"::fffe:1.2.3.4",	/* one off */
		"64:ff9b::1.2.3.4",	/* NAT64 well-known prefix */
		"::1.2.3.4",		/* IPv4-compatible, deprecated */
		"::ffff:0:1.2.3.4",	/* SIIT IPv4-translated */
		"::1:ffff:1.2.3.4",	/* non-zero before ffff */
		"1::ffff:1.2.3.4",	/* non-zero first word */
		"::ffff",		/* ffff in the last word */
	};
	const uint8_t echo[] = { 128, 0, 0, 0, 0, 1, 0, 1 };
	struct ip6_view v;
	struct pkt p;
	size_t len, i;

	for (i = 0; i < sizeof(mapped) / sizeof(mapped[0]); i++) {
		len = tf_udp6(frame, sizeof(frame), mapped[i], 4000,
			      "2001:db8::1", 53, "q", 1);
		CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
		CHECK(ip6_parse(frame + ETH_HLEN, len - ETH_HLEN, &v) ==
		      PARSE_MALFORMED);

		len = tf_udp6(frame, sizeof(frame), "2001:db8::2", 4000,
			      mapped[i], 53, "q", 1);
		CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);

		len = tf_udp6(frame, sizeof(frame), mapped[i], 4000,
			      mapped[i], 53, "q", 1);
		CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);

		len = tf_icmp6(frame, sizeof(frame), "fe80::2", mapped[i],
			       echo, sizeof(echo));
		CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);
	}

	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		struct in6_addr a = tf_ip6(other[i]);

		CHECK(!IN6_IS_ADDR_V4MAPPED(&a));

		len = tf_udp6(frame, sizeof(frame), other[i], 4000,
			      "2001:db8::1", 53, "q", 1);
		CHECK(parse_copy(frame, len, &p) == PARSE_OK);
		CHECK(!memcmp(&p.src6, &a, sizeof(a)));

		len = tf_udp6(frame, sizeof(frame), "2001:db8::2", 4000,
			      other[i], 53, "q", 1);
		CHECK(parse_copy(frame, len, &p) == PARSE_OK);
		CHECK(!memcmp(&p.dst6, &a, sizeof(a)));
		CHECK(ip6_parse(frame + ETH_HLEN, len - ETH_HLEN, &v) ==
		      PARSE_OK);
		CHECK(!memcmp(&v.dst, &a, sizeof(a)));

		len = tf_icmp6(frame, sizeof(frame), "fe80::2", other[i],
			       echo, sizeof(echo));
		CHECK(parse_copy(frame, len, &p) == PARSE_OK);
		CHECK_EQ(p.proto, IPPROTO_ICMPV6);
	}
}

TEST(tcp_header_view)
{
	uint8_t seg[28] = { 0 };
	struct in_addr s = tf_ip4("192.0.2.10"), d = tf_ip4("192.0.2.1");
	struct tcp_view tv;
	uint8_t mss[2];
	struct pkt p;
	size_t len;

	seg[1] = 80;				/* source port */
	seg[3] = 22;
	seg[12] = 7 << 4;			/* data offset: 28 bytes */
	seg[13] = TCP_SYN;
	seg[20] = 1;				/* NOP */
	seg[21] = 2;				/* MSS 1460 */
	seg[22] = 4;
	seg[23] = 0x05;
	seg[24] = 0xb4;
	seg[25] = 0;				/* EOL */

	CHECK(tcp_parse(seg, sizeof(seg), &tv) == PARSE_OK);
	CHECK_EQ(tv.sport, 80);
	CHECK_EQ(tv.dport, 22);
	CHECK_EQ(tv.flags, TCP_SYN);
	CHECK_EQ(tv.opts_len, 8);
	CHECK_EQ(tv.payload_len, 0);
	CHECK_EQ(tcp_opt_find(&tv, 2, mss, sizeof(mss)), 2);
	CHECK_EQ(tf_be16(mss), 1460);
	CHECK_EQ(tcp_opt_find(&tv, 3, NULL, 0), -1);

	CHECK(tcp_parse(seg, 27, &tv) == PARSE_MALFORMED);
	seg[12] = 4 << 4;
	CHECK(tcp_parse(seg, sizeof(seg), &tv) == PARSE_MALFORMED);
	seg[12] = 7 << 4;
	seg[22] = 40;				/* option past the end */
	CHECK(tcp_parse(seg, sizeof(seg), &tv) == PARSE_OK);
	CHECK_EQ(tcp_opt_find(&tv, 2, mss, sizeof(mss)), -1);
	seg[22] = 4;

	eth_build(frame, sizeof(frame), tf_our_mac, tf_guest_mac,
		  ETHERTYPE_IP);
	ip4_build(frame + ETH_HLEN, 100, IPPROTO_TCP, &s, &d, sizeof(seg), 64);
	memcpy(frame + ETH_HLEN + IP4_HLEN, seg, sizeof(seg));
	len = ETH_HLEN + IP4_HLEN + sizeof(seg);
	check_truncations(frame, len);
	CHECK(pkt_parse(frame, len, &p) == PARSE_OK);
	CHECK_EQ(p.proto, IPPROTO_TCP);
	CHECK_EQ(p.dport, 22);
}

TEST(icmp_wrong_family_and_short)
{
	uint8_t msg[8] = { 8, 0 };
	struct in_addr s = tf_ip4("192.0.2.10"), d = tf_ip4("192.0.2.1");
	struct pkt p;
	size_t len;

	eth_build(frame, sizeof(frame), tf_our_mac, tf_guest_mac,
		  ETHERTYPE_IP);
	ip4_build(frame + ETH_HLEN, 100, IPPROTO_ICMP, &s, &d, 4, 64);
	memcpy(frame + ETH_HLEN + IP4_HLEN, msg, 4);
	len = ETH_HLEN + IP4_HLEN + 4;
	CHECK(parse_copy(frame, len, &p) == PARSE_MALFORMED);

	/* ICMPv6 over IPv4 is just an unknown protocol */
	ip4_build(frame + ETH_HLEN, 100, IPPROTO_ICMPV6, &s, &d, 4, 64);
	CHECK(pkt_parse(frame, len, &p) == PARSE_OK);
	CHECK_EQ(p.icmp_type, 0);
}

TEST(dns_encoding)
{
	char names[4][32] = { "example.com", "lab.example.com.",
			      "EXAMPLE.com", "a..b" };
	uint8_t out[256];
	size_t len;

	len = dns_name_encode("example.com", out, sizeof(out));
	CHECK_EQ(len, 13);
	CHECK_MEM(out, "\x07" "example" "\x03" "com" "\x00", 13);
	CHECK_EQ(dns_name_encode("example.com.", out, sizeof(out)), 13);
	CHECK_EQ(dns_name_encode("example.com", out, 12), 0);
	CHECK_EQ(dns_name_encode("", out, sizeof(out)), 0);
	CHECK_EQ(dns_name_encode(".", out, sizeof(out)), 0);
	CHECK_EQ(dns_name_encode(".com", out, sizeof(out)), 0);

	/* Uncompressed list; the invalid name is skipped */
	len = dns_search_encode(names[0], sizeof(names[0]), 4, false,
				out, sizeof(out));
	CHECK_EQ(len, 13 + 17 + 13);
	CHECK_MEM(out, "\x07" "example" "\x03" "com" "\x00"
		       "\x03" "lab" "\x07" "example" "\x03" "com" "\x00"
		       "\x07" "EXAMPLE" "\x03" "com" "\x00", 43);

	/* Compressed, as in the example of RFC 3397 section 2 */
	len = dns_search_encode(names[0], sizeof(names[0]), 4, true,
				out, sizeof(out));
	CHECK_EQ(len, 13 + 6 + 2);
	CHECK_MEM(out, "\x07" "example" "\x03" "com" "\x00"
		       "\x03" "lab" "\xc0\x00"
		       "\xc0\x00", 21);

	/* Output too small for the second name: it's skipped, the third
	 * (a pointer) still fits
	 */
	len = dns_search_encode(names[0], sizeof(names[0]), 3, true, out, 16);
	CHECK_EQ(len, 15);
	CHECK_MEM(out + 13, "\xc0\x00", 2);
}

TEST(dns_label_limits)
{
	char name[300];
	uint8_t out[300];

	memset(name, 'a', 63);
	strcpy(name + 63, ".com");
	CHECK_EQ(dns_name_encode(name, out, sizeof(out)), 1 + 63 + 4 + 1);
	memset(name, 'a', 64);
	strcpy(name + 64, ".com");
	CHECK_EQ(dns_name_encode(name, out, sizeof(out)), 0);

	/* Labels of 63, 63, 63 and 62: 256 bytes encoded, over the limit */
	memset(name, 'b', 255);
	name[63] = name[127] = name[191] = '.';
	name[254] = 0;
	CHECK_EQ(dns_name_encode(name, out, sizeof(out)), 0);
	name[253] = 0;				/* 255 bytes: fits */
	CHECK_EQ(dns_name_encode(name, out, sizeof(out)), 255);
}

TEST(dhcp_options_overload_and_truncation)
{
	uint8_t msg[DHCP_MIN_LEN + 16] = { 0 };
	struct bootp_msg *m = (struct bootp_msg *)msg;
	struct dhcp_opts o;
	uint8_t *opt = msg + DHCP_MIN_LEN;

	m->magic = htonl(DHCP_MAGIC);
	opt[0] = DHCP_OPT_PAD;
	opt[1] = DHCP_OPT_MSG_TYPE;
	opt[2] = 1;
	opt[3] = DHCPDISCOVER;
	opt[4] = DHCP_OPT_OVERLOAD;
	opt[5] = 1;
	opt[6] = DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME;
	opt[7] = DHCP_OPT_REQ_ADDR;		/* runs past the end */
	opt[8] = 200;

	/* Options in file and sname, the last one running off its field */
	m->file[0] = DHCP_OPT_MAX_MSG_SIZE;
	m->file[1] = 2;
	m->file[2] = 0x05;
	m->file[3] = 0xdc;
	m->file[4] = DHCP_OPT_END;
	m->sname[0] = DHCP_OPT_CLIENT_ID;
	m->sname[1] = 3;
	m->sname[2] = 1;
	m->sname[3] = 2;
	m->sname[4] = 3;
	m->sname[60] = DHCP_OPT_PARAM_LIST;
	m->sname[61] = 10;

	CHECK(dhcp_parse(msg, DHCP_MIN_LEN - 1, &o) == NULL);
	CHECK(dhcp_parse(msg, sizeof(msg), &o) == m);
	CHECK(o.val[DHCP_OPT_MSG_TYPE] && o.val[DHCP_OPT_MSG_TYPE][0] == 1);
	CHECK(!o.val[DHCP_OPT_REQ_ADDR]);
	CHECK_EQ(o.len[DHCP_OPT_MAX_MSG_SIZE], 2);
	CHECK_EQ(o.len[DHCP_OPT_CLIENT_ID], 3);
	CHECK(!o.val[DHCP_OPT_PARAM_LIST]);

	m->magic = 0;
	CHECK(dhcp_parse(msg, sizeof(msg), &o) == NULL);
}

TEST(dhcp_long_option_split)
{
	uint8_t val[600], out[700];
	struct wbuf w;
	size_t i;

	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)i;
	wbuf_init(&w, out, sizeof(out));
	CHECK(dhcp_opt_put(&w, 119, val, sizeof(val)));
	CHECK_EQ(w.len, 600 + 3 * 2);
	CHECK_EQ(out[0], 119);
	CHECK_EQ(out[1], 255);
	CHECK_EQ(out[257], 119);
	CHECK_EQ(out[258], 255);
	CHECK_EQ(out[514], 119);
	CHECK_EQ(out[515], 90);
	CHECK_MEM(out + 259, val + 255, 255);

	wbuf_init(&w, out, 605);		/* one byte short */
	CHECK(!dhcp_opt_put(&w, 119, val, sizeof(val)));
	CHECK_EQ(w.len, 0);
}

TEST(dhcpv6_option_walk)
{
	const uint8_t opts[] = { 0, 1, 0, 2, 0xaa, 0xbb,
				 0, 14, 0, 0,
				 0, 3, 0, 4, 1, 2, 3 };	/* truncated */
	struct dhcpv6_opt o;
	size_t off = 0;

	CHECK(dhcpv6_opt_next(opts, sizeof(opts), &off, &o));
	CHECK_EQ(o.code, 1);
	CHECK_EQ(o.len, 2);
	CHECK(dhcpv6_opt_next(opts, sizeof(opts), &off, &o));
	CHECK_EQ(o.code, 14);
	CHECK_EQ(o.len, 0);
	CHECK(!dhcpv6_opt_next(opts, sizeof(opts), &off, &o));
	CHECK(!dhcpv6_opts_valid(opts, sizeof(opts)));
	CHECK(dhcpv6_opts_valid(opts, 10));
	CHECK(!dhcpv6_opts_valid(opts, 9));
	CHECK(dhcpv6_opt_find(opts, sizeof(opts), 14, &o));
	CHECK(!dhcpv6_opt_find(opts, sizeof(opts), 3, &o));
}

TEST(ndp_option_validation)
{
	const uint8_t ok[] = { 1, 1, 1, 2, 3, 4, 5, 6,
			       5, 1, 0, 0, 0, 0, 5, 0xdc };
	const uint8_t zero[] = { 1, 0, 1, 2, 3, 4, 5, 6 };
	const uint8_t past[] = { 1, 2, 1, 2, 3, 4, 5, 6 };

	CHECK(ndp_opts_valid(ok, sizeof(ok)));
	CHECK(ndp_opts_valid(ok, 0));
	CHECK(!ndp_opts_valid(ok, 9));
	CHECK(!ndp_opts_valid(zero, sizeof(zero)));
	CHECK(!ndp_opts_valid(past, sizeof(past)));
	CHECK(ndp_opt_find(ok, sizeof(ok), 5) == ok + 8);
	CHECK(ndp_opt_find(ok, sizeof(ok), 2) == NULL);
}

TEST(builders_refuse_small_buffers)
{
	struct in_addr a = tf_ip4("192.0.2.1");
	struct in6_addr b = tf_ip6("fe80::1");

	CHECK_EQ(frame_udp4_build(frame, UDP4_PAYLOAD_OFF + 9, mac_broadcast,
				  tf_our_mac, &a, 1, &a, 2, 10), 0);
	CHECK_EQ(frame_udp4_build(frame, UDP4_PAYLOAD_OFF + 10, mac_broadcast,
				  tf_our_mac, &a, 1, &a, 2, 10),
		 UDP4_PAYLOAD_OFF + 10);
	CHECK_EQ(frame_udp6_build(frame, 20, mac_broadcast, tf_our_mac, &b, 1,
				  &b, 2, 0, 64), 0);
	CHECK_EQ(frame_icmp6_build(frame, ICMP6_OFF + 7, mac_broadcast,
				   tf_our_mac, &b, &b, 8, 255), 0);
	CHECK_EQ(ip4_build(frame, 100, 17, &a, &a, 65516, 64), 0);
}

/**
 * untouched() - is a buffer still filled with one byte value
 * @buf:	buffer
 * @len:	its length
 * @v:		the value
 *
 * Return: true if every byte is @v
 */
static bool untouched(const uint8_t *buf, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != v)
			return false;
	}
	return true;
}

TEST(builders_refuse_over_frame_max)
{
	static uint8_t big[FRAME_MAX + 256];
	struct in_addr a = tf_ip4("192.0.2.1");
	struct in6_addr b = tf_ip6("2001:db8::1");
	size_t max6 = FRAME_MAX - UDP6_PAYLOAD_OFF;
	size_t max4 = FRAME_MAX - UDP4_PAYLOAD_OFF;

	/* One byte over: refused, and nothing written (a big enough buffer,
	 * so that only the frame limit can refuse)
	 */
	memset(big, 0xa5, sizeof(big));
	CHECK_EQ(frame_udp6_build(big, sizeof(big), mac_broadcast, tf_our_mac,
				  &b, 1, &b, 2, max6 + 1, 64), 0);
	CHECK_EQ(frame_udp4_build(big, sizeof(big), mac_broadcast, tf_our_mac,
				  &a, 1, &a, 2, max4 + 1), 0);
	CHECK_EQ(frame_icmp6_build(big, sizeof(big), mac_broadcast, tf_our_mac,
				   &b, &b, FRAME_MAX - ICMP6_OFF + 1, 64), 0);
	CHECK_EQ(ip6_build(big, sizeof(big), 17, &b, &b,
			   IP_PKT_MAX - IP6_HLEN + 1, 64), 0);
	CHECK(untouched(big, sizeof(big), 0xa5));

	/* At the limit: exactly FRAME_MAX */
	CHECK_EQ(frame_udp6_build(big, sizeof(big), mac_broadcast, tf_our_mac,
				  &b, 1, &b, 2, max6, 64), FRAME_MAX);
	CHECK_EQ(frame_udp4_build(big, sizeof(big), mac_broadcast, tf_our_mac,
				  &a, 1, &a, 2, max4), FRAME_MAX);
	CHECK_EQ(frame_icmp6_build(big, sizeof(big), mac_broadcast, tf_our_mac,
				   &b, &b, FRAME_MAX - ICMP6_OFF, 64), FRAME_MAX);
}

TEST(ip6_helpers)
{
	struct in6_addr a = tf_ip6("2001:db8:1:2::10");
	struct in6_addr b = tf_ip6("2001:db8:1:2:ffff::1");
	struct in6_addr m = tf_ip6("ff02::1:ff00:10");
	uint8_t mac[6];

	CHECK(ip6_same_prefix(&a, &b, 64));
	CHECK(!ip6_same_prefix(&a, &b, 65));
	CHECK(ip6_same_prefix(&a, &b, 0));
	ip6_mcast_mac(&m, mac);
	CHECK_MEM(mac, "\x33\x33\xff\x00\x00\x10", 6);
	CHECK(ip6_is_link_local(&ip6_all_nodes) == false);
	CHECK(ip6_is_multicast(&ip6_all_nodes));
	CHECK(ip4_same_subnet(tf_ip4("192.0.2.1"), tf_ip4("192.0.2.200"), 24));
	CHECK(!ip4_same_subnet(tf_ip4("192.0.2.1"), tf_ip4("192.0.3.1"), 24));
	CHECK_EQ(ip4_netmask(20).s_addr, tf_ip4("255.255.240.0").s_addr);
	CHECK_EQ(ip4_netmask(0).s_addr, 0);
	CHECK_EQ(ip4_netmask(32).s_addr, 0xffffffff);
}

UNIT_MAIN()
