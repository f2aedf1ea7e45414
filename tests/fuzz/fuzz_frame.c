// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_frame.c - arbitrary bytes as an Ethernet frame from the guest
 *
 * The first input byte picks a configuration variant (see fuzz_ctx_init());
 * its top bit selects a small reply buffer. The rest is the frame, copied to
 * a buffer of its exact size so that any read past the end is caught.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ctx.h"

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
	static struct ctx c;
	uint8_t *frame;

	if (size < 1)
		return 0;

	fuzz_ctx_init(&c, data[0]);
	frame = malloc(size - 1 ? size - 1 : 1);
	memcpy(frame, data + 1, size - 1);
	fuzz_dispatch(&c, frame, size - 1, data[0] & 0x80);
	free(frame);

	return 0;
}
