// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * icmp.c - ICMP (RFC 792) and ICMPv6 (RFC 4443) headers
 *
 * Every ICMP and ICMPv6 message we care about has at least 8 bytes. The
 * checksum is left to the user of the view (it needs the IPv6 pseudo-header
 * for ICMPv6).
 */

#include "wire/icmp.h"

/**
 * icmp_parse() - validate an ICMP or ICMPv6 header
 * @buf:	ICMP header, from the IP layer's upper layer data
 * @len:	length of upper layer data
 * @v:		view to fill on success
 *
 * Return: PARSE_OK, or PARSE_MALFORMED if shorter than 8 bytes
 */
enum parse_result icmp_parse(const uint8_t *buf, size_t len,
			     struct icmp_view *v)
{
	const struct icmp_hdr *ih = (const struct icmp_hdr *)buf;

	if (len < sizeof(*ih))
		return PARSE_MALFORMED;

	v->hdr = ih;
	v->type = ih->type;
	v->code = ih->code;
	v->body = buf + sizeof(*ih);
	v->body_len = len - sizeof(*ih);

	return PARSE_OK;
}
