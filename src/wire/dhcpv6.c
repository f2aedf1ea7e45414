// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dhcpv6.c - DHCPv6 messages and options (RFC 8415)
 *
 * Theory of operation
 *
 * After the 4-byte header (type, transaction ID), a message is a list of
 * options: 16-bit code, 16-bit length, value. Some options (IA_NA) carry
 * a list of options themselves. dhcpv6_opt_next() walks one list, checking
 * each length against what's left; dhcpv6_opts_valid() tells if a whole
 * list is well-formed, so that a message can be rejected at once.
 *
 * For output, dhcpv6_opt_begin() and dhcpv6_opt_end() bracket an option
 * whose value is built piecewise (e.g. IA_NA around IAADDR), the length
 * being filled in at the end.
 */

#include <string.h>
#include <arpa/inet.h>

#include "wire/dhcpv6.h"

/**
 * dhcpv6_opt_next() - get the option at an offset in a list, advance
 * @opts:	start of the option list
 * @len:	its length
 * @off:	offset of the option, updated to the next one on success
 * @opt:	option to fill
 *
 * Return: true if an option was found, false at the end or if truncated
 */
bool dhcpv6_opt_next(const uint8_t *opts, size_t len, size_t *off,
		     struct dhcpv6_opt *opt)
{
	uint16_t code, opt_len;

	if (*off >= len || len - *off < 4)
		return false;

	memcpy(&code, opts + *off, 2);
	memcpy(&opt_len, opts + *off + 2, 2);
	opt_len = ntohs(opt_len);
	if (opt_len > len - *off - 4)
		return false;

	opt->code = ntohs(code);
	opt->val = opts + *off + 4;
	opt->len = opt_len;
	*off += 4 + (size_t)opt_len;

	return true;
}

/**
 * dhcpv6_opts_valid() - tell if a list of options is well-formed
 * @opts:	start of the option list
 * @len:	its length
 *
 * Return: true if every option fits, with nothing left over
 */
bool dhcpv6_opts_valid(const uint8_t *opts, size_t len)
{
	struct dhcpv6_opt opt;
	size_t off = 0;

	while (dhcpv6_opt_next(opts, len, &off, &opt))
		;

	return off == len;
}

/**
 * dhcpv6_opt_find() - find the first option with a given code in a list
 * @opts:	start of the option list
 * @len:	its length
 * @code:	option code
 * @opt:	option to fill
 *
 * Return: true if found
 */
bool dhcpv6_opt_find(const uint8_t *opts, size_t len, uint16_t code,
		     struct dhcpv6_opt *opt)
{
	size_t off = 0;

	while (dhcpv6_opt_next(opts, len, &off, opt)) {
		if (opt->code == code)
			return true;
	}

	return false;
}

/**
 * dhcpv6_opt_put() - append an option
 * @w:		writer
 * @code:	option code
 * @val:	value, NULL for zeroes
 * @len:	length of @val
 *
 * Return: true if written, false (nothing written) if it doesn't fit
 */
bool dhcpv6_opt_put(struct wbuf *w, uint16_t code, const void *val,
		    size_t len)
{
	size_t start = w->len;

	if (len > 65535 || !wbuf_be16(w, code) ||
	    !wbuf_be16(w, (uint16_t)len) || !wbuf_put(w, val, len)) {
		w->len = start;
		return false;
	}

	return true;
}

/**
 * dhcpv6_opt_begin() - start an option whose value follows piecewise
 * @w:		writer
 * @code:	option code
 * @start:	set to the offset of the option, for dhcpv6_opt_end()
 *
 * Return: true if the option header was written
 */
bool dhcpv6_opt_begin(struct wbuf *w, uint16_t code, size_t *start)
{
	*start = w->len;
	if (!wbuf_be16(w, code) || !wbuf_be16(w, 0)) {
		w->len = *start;
		return false;
	}

	return true;
}

/**
 * dhcpv6_opt_end() - fill in the length of an option from dhcpv6_opt_begin()
 * @w:		writer
 * @start:	offset from dhcpv6_opt_begin()
 */
void dhcpv6_opt_end(struct wbuf *w, size_t start)
{
	uint16_t len = htons((uint16_t)(w->len - start - 4));

	memcpy(w->buf + start + 2, &len, 2);
}
