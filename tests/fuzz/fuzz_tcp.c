// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_tcp.c - arbitrary bytes as a TCP header with options and data
 *
 * The TCP handler reads guest segments through tcp_parse() and picks the
 * MSS and window scale options with tcp_opt_find(): both must stay within
 * the segment, whatever its data offset and option lengths say. The views
 * must tile the segment exactly (header, options, data), a well-formed
 * header must be accepted, and an option value can't be longer than the
 * options area nor be copied past the size given. Sockets are never opened
 * here.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * opt_check() - look an option up, and check what tcp_opt_find() says
 * @v:		validated segment
 * @kind:	option kind
 * @val_size:	size of the value buffer given
 *
 * The value's length can't exceed the options area less kind and length,
 * and no more than @val_size bytes may be written: the rest of the buffer
 * keeps its fill pattern.
 */
static void opt_check(const struct tcp_view *v, uint8_t kind,
		      size_t val_size)
{
	uint8_t val[48];
	size_t i;
	int n;

	memset(val, 0xa5, sizeof(val));
	n = tcp_opt_find(v, kind, val, val_size);
	if (n < -1 || (n >= 0 && (size_t)n + 2 > v->opts_len))
		abort();
	for (i = val_size; i < sizeof(val); i++)
		if (val[i] != 0xa5)
			abort();
}

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
	size_t hdr_len;
	uint8_t *seg;
	int kind;

	if (size > 4096)
		return 0;

	/* An exact-size copy, so any read past the end is caught */
	seg = malloc(size ? size : 1);
	memcpy(seg, data, size);

	if (tcp_parse(seg, size, &v) == PARSE_OK) {
		/* The views tile the segment: fixed header, options, data */
		hdr_len = (size_t)(seg[12] >> 4) * 4;
		if (hdr_len < TCP_HLEN || hdr_len > size ||
		    v.opts != seg + TCP_HLEN ||
		    v.opts_len != hdr_len - TCP_HLEN ||
		    v.payload != seg + hdr_len ||
		    v.payload_len != size - hdr_len)
			abort();

		for (kind = 0; kind < 10; kind++)
			opt_check(&v, (uint8_t)kind, 40);
		opt_check(&v, 2, 2);
		opt_check(&v, 3, 1);
		opt_check(&v, 3, 0);
	} else if (size >= TCP_HLEN && (size_t)(data[12] >> 4) * 4 >= TCP_HLEN &&
		   (size_t)(data[12] >> 4) * 4 <= size) {
		abort();	/* a well-formed header refused */
	}

	free(seg);
	return 0;
}
