// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dhcp.c - BOOTP/DHCP messages and options (RFC 2131, RFC 2132)
 *
 * Theory of operation
 *
 * Options follow the magic cookie as code, length, value triplets, with pad
 * (0) and end (255) as single bytes. With option overload (52), the file
 * and sname fields carry more options, which we parse after the main area,
 * in that order (RFC 2131, 4.1). Each area is parsed on its own bounds: an
 * option running past the end of its area ends the parsing of that area,
 * and what was found before is kept. Only the first occurrence of an option
 * counts: we don't concatenate split options (RFC 3396), none of the ones we
 * read needs it.
 *
 * dhcp_opt_put() writes options, splitting values longer than 255 bytes
 * into consecutive options with the same code (RFC 3396), as needed for a
 * long domain search list.
 */

#include <string.h>
#include <arpa/inet.h>

#include "wire/dhcp.h"

/**
 * dhcp_opts_area() - record options found in one area of a message
 * @p:		start of the area
 * @len:	its length
 * @o:		table of options, filled for codes not seen yet
 */
static void dhcp_opts_area(const uint8_t *p, size_t len, struct dhcp_opts *o)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i], opt_len;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END || len - i < 2)
			return;

		opt_len = p[i + 1];
		if (opt_len > len - i - 2)
			return;

		if (!o->val[code]) {
			o->val[code] = p + i + 2;
			o->len[code] = opt_len;
		}
		i += 2 + (size_t)opt_len;
	}
}

/**
 * dhcp_parse() - validate a DHCP message and index its options
 * @buf:	UDP payload
 * @len:	its length
 * @o:		table of options to fill
 *
 * Return: fixed part of the message, NULL if too short or not DHCP
 */
const struct bootp_msg *dhcp_parse(const uint8_t *buf, size_t len,
				   struct dhcp_opts *o)
{
	const struct bootp_msg *m = (const struct bootp_msg *)buf;
	const uint8_t *overload;

	memset(o, 0, sizeof(*o));
	if (len < sizeof(*m) || ntohl(m->magic) != DHCP_MAGIC)
		return NULL;

	dhcp_opts_area(buf + sizeof(*m), len - sizeof(*m), o);

	overload = o->val[DHCP_OPT_OVERLOAD];
	if (overload && o->len[DHCP_OPT_OVERLOAD] == 1) {
		uint8_t which = overload[0];

		if (which & DHCP_OVERLOAD_FILE)
			dhcp_opts_area(m->file, sizeof(m->file), o);
		if (which & DHCP_OVERLOAD_SNAME)
			dhcp_opts_area(m->sname, sizeof(m->sname), o);
	}

	return m;
}

/**
 * dhcp_opt_put() - append an option, split in 255-byte pieces if needed
 * @w:		writer
 * @code:	option code
 * @val:	value
 * @len:	length of @val, may be 0
 *
 * Return: true if written, false (nothing written) if it doesn't fit
 */
bool dhcp_opt_put(struct wbuf *w, uint8_t code, const void *val, size_t len)
{
	size_t start = w->len, done = 0;
	const uint8_t *v = val;

	do {
		size_t piece = len - done > 255 ? 255 : len - done;

		if (!wbuf_u8(w, code) || !wbuf_u8(w, (uint8_t)piece) ||
		    !wbuf_put(w, v + done, piece)) {
			w->len = start;
			return false;
		}
		done += piece;
	} while (done < len);

	return true;
}
