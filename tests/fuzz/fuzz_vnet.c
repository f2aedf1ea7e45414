// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_vnet.c - arbitrary bytes as a read from pasta's tap device: a
 * virtio-net header, then a frame
 *
 * The first input byte picks the offloads we enabled (VNET_OFF_*, low three
 * bits). A header vnet_check() accepts must describe its frame: the
 * checksum completed for a capture stays within the frame (the frame is
 * copied to a buffer of its exact size, so that any access past the end is
 * caught), and the header we would write in front of the same frame passes
 * the check too.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/vnet.h"

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
	unsigned int offloads;
	struct vnet_hdr h, ours;
	uint8_t *frame;
	size_t len;

	if (size < 1 + VNET_HDR_LEN)
		return 0;

	offloads = data[0] & (VNET_OFF_CSUM | VNET_OFF_TSO4 | VNET_OFF_TSO6);
	memcpy(&h, data + 1, VNET_HDR_LEN);
	len = size - 1 - VNET_HDR_LEN;
	frame = malloc(len ? len : 1);
	memcpy(frame, data + 1 + VNET_HDR_LEN, len);

	if (vnet_check(&h, frame, len, offloads) == VNET_OK) {
		if ((h.flags & VNET_F_NEEDS_CSUM) &&
		    (size_t)h.csum_start + h.csum_offset + 2 > len)
			abort();
		vnet_csum_complete(&h, frame, len);
	}

	vnet_hdr_for_frame(&ours, frame, len, data[0] & 0x80);
	if (vnet_check(&ours, frame, len, VNET_OFF_CSUM) != VNET_OK)
		abort();
	if (ours.hdr_len > len)
		abort();

	free(frame);
	return 0;
}
