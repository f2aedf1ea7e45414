// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_arp.c - arbitrary bytes as the payload of an ARP frame
 *
 * First byte: configuration variant; then the ARP packet, behind a valid
 * Ethernet header.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ctx.h"
#include "wire/eth.h"

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
	static struct ctx c;
	uint8_t *frame;
	size_t len;

	if (size < 1 || size > 4096)
		return 0;

	fuzz_ctx_init(&c, data[0]);
	len = ETH_HLEN + size - 1;
	frame = malloc(len);
	eth_build(frame, len, mac_broadcast, src, ETHERTYPE_ARP);
	memcpy(frame + ETH_HLEN, data + 1, size - 1);
	fuzz_dispatch(&c, frame, len, data[0] & 0x80);
	free(frame);

	return 0;
}
