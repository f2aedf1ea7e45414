// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_vnet.c - the virtio-net header of pasta's tap device: what we accept
 * from the namespace (vnet_check()), the checksum we complete for captures,
 * and the header we put in front of our frames
 */

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/vnet.h"

#define ALL	(VNET_OFF_CSUM | VNET_OFF_TSO4 | VNET_OFF_TSO6)

static uint8_t frame[FRAME_MAX];

/**
 * tcp_frame() - an Ethernet frame with a TCP segment, partial checksum
 * @v6:		IPv6, otherwise IPv4
 * @payload:	payload bytes (filled with a pattern)
 *
 * Return: frame length; the TCP header starts at 34 (IPv4) or 54 (IPv6)
 */
static size_t tcp_frame(bool v6, size_t payload)
{
	size_t l4 = ETH_HLEN + (v6 ? IP6_HLEN : IP4_HLEN), i;
	size_t l4_len = 20 + payload;
	uint16_t type = htons(v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP), check;
	struct in6_addr s6 = tf_ip6("2001:db8::1"), d6 = tf_ip6("2001:db8::2");
	struct in_addr s4 = tf_ip4("192.0.2.1"), d4 = tf_ip4("192.0.2.2");
	uint32_t sum;

	memset(frame, 0, l4 + 20);
	memcpy(frame + 12, &type, 2);
	if (v6) {
		ip6_build(frame + ETH_HLEN, IP6_HLEN, IPPROTO_TCP, &s6, &d6,
			  l4_len, 64);
		sum = csum_ip6_pseudo(&s6, &d6, IPPROTO_TCP, l4_len);
	} else {
		ip4_build(frame + ETH_HLEN, IP4_HLEN, IPPROTO_TCP, &s4, &d4,
			  l4_len, 64);
		sum = csum_ip4_pseudo(&s4, &d4, IPPROTO_TCP, l4_len);
	}
	frame[l4 + 12] = 5 << 4;		/* data offset */
	for (i = 0; i < payload; i++)
		frame[l4 + 20 + i] = (uint8_t)(i * 7 + 3);
	check = (uint16_t)~csum_fold(sum);
	memcpy(frame + l4 + 16, &check, 2);
	return l4 + l4_len;
}

/**
 * gso_hdr() - the header the kernel gives a TCP super-frame
 * @v6:		IPv6, otherwise IPv4
 *
 * Return: header
 */
static struct vnet_hdr gso_hdr(bool v6)
{
	struct vnet_hdr h = {
		.flags = VNET_F_NEEDS_CSUM,
		.gso_type = v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4,
		.hdr_len = v6 ? 74 : 54,
		.gso_size = 1448,
		.csum_start = v6 ? 54 : 34,
		.csum_offset = 16,
	};

	return h;
}

TEST(vnet_plain_frames)
{
	struct vnet_hdr h = { 0 };
	size_t len = tcp_frame(false, 100);

	CHECK_EQ(vnet_check(&h, frame, len, 0), VNET_OK);
	h.flags = VNET_F_DATA_VALID;
	CHECK_EQ(vnet_check(&h, frame, len, 0), VNET_OK);
	h.flags = 4;				/* RSC_INFO: never ours */
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_FLAGS);
	h.flags = 0x80;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_FLAGS);
}

TEST(vnet_needs_csum_bounds)
{
	struct vnet_hdr h = { .flags = VNET_F_NEEDS_CSUM, .csum_start = 34,
			      .csum_offset = 16 };
	size_t len = tcp_frame(false, 0);	/* 54 bytes */

	CHECK_EQ(vnet_check(&h, frame, len, VNET_OFF_CSUM), VNET_OK);
	/* Not enabled */
	CHECK_EQ(vnet_check(&h, frame, len, 0), VNET_BAD_CSUM);
	/* Field's last byte is the frame's last byte: fine; one more isn't */
	h.csum_offset = (uint16_t)(len - 34 - 2);
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_OK);
	h.csum_offset++;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_CSUM);
	h.csum_offset = 0xffff;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_CSUM);
	/* Start past the end, at the end, inside the Ethernet header */
	h.csum_offset = 0;
	h.csum_start = 0xffff;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_CSUM);
	h.csum_start = (uint16_t)len;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_CSUM);
	h.csum_start = 13;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_CSUM);
}

TEST(vnet_gso_accepted)
{
	struct vnet_hdr h4 = gso_hdr(false), h6 = gso_hdr(true);
	size_t len;

	len = tcp_frame(false, 60000);
	CHECK_EQ(vnet_check(&h4, frame, len, ALL), VNET_OK);
	CHECK_EQ(vnet_check(&h4, frame, len, VNET_OFF_CSUM | VNET_OFF_TSO4),
		 VNET_OK);
	len = tcp_frame(true, 60000);
	CHECK_EQ(vnet_check(&h6, frame, len, ALL), VNET_OK);
}

TEST(vnet_gso_refused)
{
	struct vnet_hdr h = gso_hdr(false);
	size_t len = tcp_frame(false, 3000);

	/* Not enabled */
	CHECK_EQ(vnet_check(&h, frame, len, VNET_OFF_CSUM | VNET_OFF_TSO6),
		 VNET_BAD_GSO);
	/* ECN, UDP, USO, unknown: never enabled */
	h.gso_type = VNET_GSO_TCPV4 | VNET_GSO_ECN;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	h.gso_type = VNET_GSO_UDP;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	h.gso_type = VNET_GSO_UDP_L4;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	h.gso_type = 42;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	/* IPv6 type on an IPv4 frame, and the other way around */
	h.gso_type = VNET_GSO_TCPV6;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	h = gso_hdr(true);
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	len = tcp_frame(true, 3000);
	h = gso_hdr(false);
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	/* Without a partial checksum, segment size, or off the TCP header */
	h = gso_hdr(true);
	h.flags = 0;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	h = gso_hdr(true);
	h.gso_size = 0;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	h = gso_hdr(true);
	h.csum_start = 34;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	h = gso_hdr(true);
	h.csum_offset = 6;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	/* Not TCP */
	h = gso_hdr(true);
	frame[ETH_HLEN + 6] = IPPROTO_UDP;
	CHECK_EQ(vnet_check(&h, frame, len, ALL), VNET_BAD_GSO);
	/* Truncated before the TCP header ends */
	h = gso_hdr(false);
	len = tcp_frame(false, 0);
	CHECK_EQ(vnet_check(&h, frame, 50, ALL), VNET_BAD_CSUM);
}

TEST(vnet_csum_completed)
{
	struct vnet_hdr h = gso_hdr(false);
	size_t len = tcp_frame(false, 1001);	/* odd length */
	uint32_t sum;

	vnet_csum_complete(&h, frame, len);
	sum = csum_ip4_pseudo(frame + ETH_HLEN + 12, frame + ETH_HLEN + 16,
			      IPPROTO_TCP, len - 34);
	CHECK_EQ(csum(frame + 34, len - 34, sum), 0);

	h = gso_hdr(true);
	len = tcp_frame(true, 4000);
	vnet_csum_complete(&h, frame, len);
	sum = csum_ip6_pseudo(frame + ETH_HLEN + 8, frame + ETH_HLEN + 24,
			      IPPROTO_TCP, len - 54);
	CHECK_EQ(csum(frame + 54, len - 54, sum), 0);
}

TEST(vnet_hdr_for_our_frames)
{
	struct vnet_hdr h;
	size_t len = tcp_frame(false, 500);

	vnet_hdr_for_frame(&h, frame, len, true);
	CHECK_EQ(h.flags, VNET_F_NEEDS_CSUM);
	CHECK_EQ(h.gso_type, VNET_GSO_NONE);
	CHECK_EQ(h.csum_start, 34);
	CHECK_EQ(h.csum_offset, 16);
	CHECK_EQ(h.hdr_len, 54);
	/* What we send passes our own check too */
	CHECK_EQ(vnet_check(&h, frame, len, VNET_OFF_CSUM), VNET_OK);

	vnet_hdr_for_frame(&h, frame, len, false);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.hdr_len, 54);

	len = tcp_frame(true, 500);
	vnet_hdr_for_frame(&h, frame, len, true);
	CHECK_EQ(h.csum_start, 54);
	CHECK_EQ(h.hdr_len, 74);

	/* Not TCP: nothing to say */
	len = tf_udp4(frame, sizeof(frame), "192.0.2.1", 1, "192.0.2.2", 2,
		      "x", 1);
	vnet_hdr_for_frame(&h, frame, len, true);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.hdr_len, 0);
	CHECK_EQ(h.csum_start, 0);
}

UNIT_MAIN()
