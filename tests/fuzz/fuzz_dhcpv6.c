// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_dhcpv6.c - arbitrary bytes as a DHCPv6 message
 *
 * First byte: configuration variant; then the UDP payload, sent from
 * fe80::2 port 546 to ff02::1:2 port 547 with valid headers.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ctx.h"
#include "wire/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	input
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t src[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	static const uint8_t dst[6] = { 0x33, 0x33, 0, 1, 0, 2 };
	struct in6_addr s, d;
	static struct ctx c;
	uint8_t *frame;
	size_t len;

	if (size < 1 || size > 8192)
		return 0;

	fuzz_ctx_init(&c, data[0]);
	inet_pton(AF_INET6, "fe80::2", &s);
	inet_pton(AF_INET6, "ff02::1:2", &d);
	len = UDP6_PAYLOAD_OFF + size - 1;
	frame = malloc(len);
	memcpy(frame + UDP6_PAYLOAD_OFF, data + 1, size - 1);
	len = frame_udp6_build(frame, len, dst, src, &s, 546, &d, 547,
			       size - 1, 1);
	if (len)
		fuzz_dispatch(&c, frame, len, data[0] & 0x80);
	free(frame);

	return 0;
}
