// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_ndp.c - arbitrary bytes as an ICMPv6 message, checksum fixed up
 *
 * First byte: configuration variant; second byte: its low bit picks the
 * unspecified address as source (DAD, solicitations before an address);
 * then the ICMPv6 message, sent with hop limit 255 and a valid checksum so
 * that every input reaches the NDP parser.
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
	static const uint8_t dst[6] = { 0x33, 0x33, 0, 0, 0, 2 };
	struct in6_addr s, d;
	static struct ctx c;
	uint8_t *frame;
	size_t len;

	if (size < 2 || size > 8192)
		return 0;

	fuzz_ctx_init(&c, data[0]);
	inet_pton(AF_INET6, (data[1] & 1) ? "::" : "fe80::2", &s);
	inet_pton(AF_INET6, "ff02::2", &d);
	len = ICMP6_OFF + size - 2;
	frame = malloc(len);
	memcpy(frame + ICMP6_OFF, data + 2, size - 2);
	len = frame_icmp6_build(frame, len, dst, src, &s, &d, size - 2, 255);
	if (len)
		fuzz_dispatch(&c, frame, len, data[0] & 0x80);
	free(frame);

	return 0;
}
