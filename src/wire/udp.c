// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udp.c - UDP headers (RFC 768)
 *
 * The checksum is not verified here: the built-in services answer anyway,
 * and the data path hands payloads to kernel sockets that don't care. Use
 * csum() with csum_ip4_pseudo() or csum_ip6_pseudo() where it matters.
 */

#include <arpa/inet.h>

#include "wire/udp.h"

/**
 * udp_parse() - validate a UDP header against the IP payload length
 * @buf:	UDP header, from the IP layer's upper layer data
 * @len:	length of upper layer data
 * @v:		view to fill on success
 *
 * Return: PARSE_OK, or PARSE_MALFORMED if truncated or the UDP length
 *	   doesn't fit. A UDP length shorter than @len is fine (trailing
 *	   bytes are ignored)
 */
enum parse_result udp_parse(const uint8_t *buf, size_t len,
			    struct udp_view *v)
{
	const struct udp_hdr *uh = (const struct udp_hdr *)buf;
	size_t udp_len;

	if (len < sizeof(*uh))
		return PARSE_MALFORMED;

	udp_len = ntohs(uh->len);
	if (udp_len < sizeof(*uh) || udp_len > len)
		return PARSE_MALFORMED;

	v->hdr = uh;
	v->sport = ntohs(uh->sport);
	v->dport = ntohs(uh->dport);
	v->payload = buf + sizeof(*uh);
	v->payload_len = udp_len - sizeof(*uh);

	return PARSE_OK;
}
