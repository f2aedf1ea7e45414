// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ndp.c - Neighbor Discovery messages and options (RFC 4861)
 *
 * Options are type, length in units of 8 bytes (never 0), value. RFC 4861
 * (6.1, 7.1) requires silently discarding messages where any option has
 * length 0; we also reject options running past the end.
 */

#include "wire/ndp.h"

/**
 * ndp_opts_valid() - tell if a list of NDP options is well-formed
 * @opts:	start of the options
 * @len:	their total length
 *
 * Return: true if every option has a non-zero length and fits
 */
bool ndp_opts_valid(const uint8_t *opts, size_t len)
{
	size_t off = 0;

	while (off < len) {
		size_t opt_len;

		if (len - off < 2)
			return false;
		opt_len = (size_t)opts[off + 1] * 8;
		if (!opt_len || opt_len > len - off)
			return false;
		off += opt_len;
	}

	return true;
}

/**
 * ndp_opt_find() - find the first option of a type in a valid list
 * @opts:	start of the options, validated by ndp_opts_valid()
 * @len:	their total length
 * @type:	option type
 *
 * Return: pointer to the option (type byte), NULL if absent
 */
const uint8_t *ndp_opt_find(const uint8_t *opts, size_t len, uint8_t type)
{
	size_t off = 0;

	while (off + 2 <= len && opts[off + 1]) {
		size_t opt_len = (size_t)opts[off + 1] * 8;

		if (opt_len > len - off)
			return NULL;
		if (opts[off] == type)
			return opts + off;
		off += opt_len;
	}

	return NULL;
}

/**
 * ndp_opt_lla_put() - append a link-layer address option
 * @w:		writer
 * @type:	NDP_OPT_SLLA or NDP_OPT_TLLA
 * @mac:	Ethernet address
 *
 * Return: true if written
 */
bool ndp_opt_lla_put(struct wbuf *w, uint8_t type, const uint8_t *mac)
{
	uint8_t opt[8] = { type, 1 };

	opt[2] = mac[0];
	opt[3] = mac[1];
	opt[4] = mac[2];
	opt[5] = mac[3];
	opt[6] = mac[4];
	opt[7] = mac[5];

	return wbuf_put(w, opt, sizeof(opt));
}
