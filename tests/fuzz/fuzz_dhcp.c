// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_dhcp.c - arbitrary bytes as a DHCP message
 *
 * First byte: configuration variant; then the UDP payload, sent from
 * 0.0.0.0:68 to 255.255.255.255:67 with valid Ethernet, IPv4 and UDP
 * headers, so that every input reaches the DHCP parser.
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
	struct in_addr any = { 0 }, bcast = { INADDR_BROADCAST };
	static struct ctx c;
	uint8_t *frame;
	size_t len;

	if (size < 1 || size > 8192)
		return 0;

	fuzz_ctx_init(&c, data[0]);
	len = UDP4_PAYLOAD_OFF + size - 1;
	frame = malloc(len);
	memcpy(frame + UDP4_PAYLOAD_OFF, data + 1, size - 1);
	len = frame_udp4_build(frame, len, mac_broadcast, src, &any, 68,
			       &bcast, 67, size - 1);
	if (len)
		fuzz_dispatch(&c, frame, len, data[0] & 0x80);
	free(frame);

	return 0;
}
