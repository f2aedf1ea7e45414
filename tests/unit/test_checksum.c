// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_checksum.c - Internet checksum against known vectors and a bytewise
 * reference implementation
 */

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "wire/checksum.h"

/* Checksum as stored in the packet, read back in host order */
static uint16_t stored(uint16_t c)
{
	return ntohs(c);
}

TEST(rfc1071_example)
{
	/* RFC 1071, 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	CHECK_EQ(stored(csum(b, sizeof(b), 0)), (uint16_t)~0xddf2);
}

TEST(ipv4_header_vector)
{
	/* A well-known header whose checksum is b861 */
	uint8_t h[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
			0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01,
			0xc0, 0xa8, 0x00, 0xc7 };

	CHECK_EQ(csum(h, sizeof(h), 0), 0);
	h[10] = h[11] = 0;
	CHECK_EQ(stored(csum(h, sizeof(h), 0)), 0xb861);
}

TEST(empty_and_zero)
{
	uint8_t z[64] = { 0 };

	CHECK_EQ(csum(z, 0, 0), 0xffff);
	CHECK_EQ(csum(z, sizeof(z), 0), 0xffff);
}

TEST(odd_length_and_alignment_vs_reference)
{
	static uint8_t buf[4096 + 16];
	uint32_t seed = 12345;
	size_t i, off, len;

	for (i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (uint8_t)(seed >> 16);
	}

	for (off = 0; off < 9; off++) {
		for (len = 0; len < 300; len++)
			CHECK_EQ(stored(csum(buf + off, len, 0)),
				 tf_ref_csum(buf + off, len, 0));
		CHECK_EQ(stored(csum(buf + off, 4096, 0)),
			 tf_ref_csum(buf + off, 4096, 0));
	}

	/* All 0xff: the largest partial sums, end-around carries */
	memset(buf, 0xff, sizeof(buf));
	for (len = 0; len < 100; len++)
		CHECK_EQ(stored(csum(buf, len, 0)), tf_ref_csum(buf, len, 0));
	CHECK_EQ(stored(csum(buf, 4096, 0)), tf_ref_csum(buf, 4096, 0));
}

TEST(chained_partial_sums)
{
	uint8_t buf[200];
	size_t i, split;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);

	for (split = 0; split <= sizeof(buf); split += 2) {
		uint32_t s = csum_partial(buf, split, 0);

		CHECK_EQ(csum(buf + split, sizeof(buf) - split, s),
			 csum(buf, sizeof(buf), 0));
	}
}

TEST(iov_odd_boundaries)
{
	uint8_t buf[301];
	struct iovec iov[5];
	size_t i, a, b;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 1);

	/* Three pieces cut anywhere, odd lengths included, after a header
	 * sum of even length, as frames lent by the frontend have them
	 */
	for (a = 0; a <= 40; a++) {
		for (b = a; b <= 120; b += 3) {
			uint32_t s = csum_partial(buf, 20, 0);

			iov[0] = (struct iovec){ buf + 20, a };
			iov[1] = (struct iovec){ buf + 20 + a, b - a };
			iov[2] = (struct iovec){ buf + 20 + b,
						 sizeof(buf) - 20 - b };
			CHECK_EQ(csum_fold(csum_iov(iov, 3, sizeof(buf) - 20,
						    s)),
				 csum(buf, sizeof(buf), 0));
			/* Only the first bytes asked for */
			CHECK_EQ(csum_fold(csum_iov(iov, 3, b, s)),
				 csum(buf, 20 + b, 0));
		}
	}

	/* Zero-length buffers and a length over the total */
	iov[0] = (struct iovec){ buf, 0 };
	iov[1] = (struct iovec){ buf, 7 };
	iov[2] = (struct iovec){ buf + 7, 0 };
	iov[3] = (struct iovec){ buf + 7, 9 };
	iov[4] = (struct iovec){ buf + 16, 1 };
	CHECK_EQ(csum_fold(csum_iov(iov, 5, 1000, 0)), csum(buf, 17, 0));
}

TEST(ipv4_pseudo_header)
{
	/* Pseudo-header laid out in memory, summed by the reference */
	uint8_t ph[12] = { 192, 0, 2, 1, 192, 0, 2, 10, 0, 17, 0x01, 0x2c };
	uint8_t src[4] = { 192, 0, 2, 1 }, dst[4] = { 192, 0, 2, 10 };
	uint8_t data[300];
	uint32_t ref = 0;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	for (i = 0; i < sizeof(ph); i += 2)
		ref += (uint32_t)ph[i] << 8 | ph[i + 1];

	CHECK_EQ(stored(csum(data, sizeof(data),
			     csum_ip4_pseudo(src, dst, 17, 300))),
		 tf_ref_csum(data, sizeof(data), ref));
}

TEST(ipv6_pseudo_header)
{
	struct in6_addr s = tf_ip6("2001:db8::1"), d = tf_ip6("fe80::abcd");
	uint8_t ph[40] = { 0 }, data[77];
	uint32_t ref = 0;
	size_t i;

	memcpy(ph, &s, 16);
	memcpy(ph + 16, &d, 16);
	ph[35] = 77;
	ph[39] = 58;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(255 - i);
	for (i = 0; i < sizeof(ph); i += 2)
		ref += (uint32_t)ph[i] << 8 | ph[i + 1];

	CHECK_EQ(stored(csum(data, sizeof(data),
			     csum_ip6_pseudo(&s, &d, 58, 77))),
		 tf_ref_csum(data, sizeof(data), ref));

	/* Length above 16 bits (jumbogram-sized) folds in correctly */
	memset(ph + 32, 0, 8);
	ph[33] = 0x01;
	ph[34] = 0x00;
	ph[35] = 0x02;
	ph[39] = 17;
	ref = 0;
	for (i = 0; i < sizeof(ph); i += 2)
		ref += (uint32_t)ph[i] << 8 | ph[i + 1];
	CHECK_EQ(stored(csum(data, 0, csum_ip6_pseudo(&s, &d, 17, 0x10002))),
		 tf_ref_csum(data, 0, ref));
}

TEST(incremental_update)
{
	uint8_t h[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
			0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
			0xc0, 0xa8, 0x00, 0xc7 };
	uint8_t newaddr[4] = { 10, 0, 0, 1 };
	uint16_t c = csum(h, sizeof(h), 0), c2;

	memcpy(h + 10, &c, 2);
	c2 = csum_replace(c, h + 12, newaddr, 4);
	memcpy(h + 12, newaddr, 4);
	memcpy(h + 10, &c2, 2);
	CHECK_EQ(csum(h, sizeof(h), 0), 0);

	/* TTL decrement: one 16-bit word with TTL and protocol */
	{
		uint8_t old[2] = { h[8], h[9] }, nw[2] = { (uint8_t)(h[8] - 1),
							   h[9] };

		c2 = csum_replace(c2, old, nw, 2);
		h[8]--;
		memcpy(h + 10, &c2, 2);
		CHECK_EQ(csum(h, sizeof(h), 0), 0);
	}
}

UNIT_MAIN()
