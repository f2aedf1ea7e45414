// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_tcp.c - arbitrary bytes as a TCP header with options and data
 *
 * The TCP handler reads guest segments through tcp_parse() and picks the
 * MSS and window scale options with tcp_opt_find(): both must stay within
 * the segment, whatever its data offset and option lengths say. Sockets
 * are never opened here.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	input: a TCP segment
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_view v;
	uint8_t *seg, val[40];
	int kind;

	if (size > 4096)
		return 0;

	/* An exact-size copy, so any read past the end is caught */
	seg = malloc(size ? size : 1);
	memcpy(seg, data, size);

	if (tcp_parse(seg, size, &v) == PARSE_OK) {
		for (kind = 0; kind < 10; kind++)
			tcp_opt_find(&v, (uint8_t)kind, val, sizeof(val));
		tcp_opt_find(&v, 2, val, 2);
		tcp_opt_find(&v, 3, val, 1);
		tcp_opt_find(&v, 3, val, 0);
		if (v.payload_len)
			(void)v.payload[v.payload_len - 1];
	}

	free(seg);
	return 0;
}
