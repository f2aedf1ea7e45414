// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp.c - TCP headers (RFC 9293)
 *
 * A view only, for the flow layer: the checksum is not verified here.
 */

#include <string.h>
#include <arpa/inet.h>

#include "wire/tcp.h"

#define TCP_OPT_EOL	0
#define TCP_OPT_NOP	1

/**
 * tcp_parse() - validate a TCP header and find options and data
 * @buf:	TCP header, from the IP layer's upper layer data
 * @len:	length of upper layer data
 * @v:		view to fill on success
 *
 * Return: PARSE_OK, or PARSE_MALFORMED if truncated or the data offset is
 *	   out of bounds
 */
enum parse_result tcp_parse(const uint8_t *buf, size_t len,
			    struct tcp_view *v)
{
	const struct tcp_hdr *th = (const struct tcp_hdr *)buf;
	size_t hdr_len;

	if (len < sizeof(*th))
		return PARSE_MALFORMED;

	hdr_len = (size_t)(th->doff >> 4) * 4;
	if (hdr_len < sizeof(*th) || hdr_len > len)
		return PARSE_MALFORMED;

	v->hdr = th;
	v->sport = ntohs(th->sport);
	v->dport = ntohs(th->dport);
	v->seq = ntohl(th->seq);
	v->ack = ntohl(th->ack);
	v->flags = th->flags;
	v->window = ntohs(th->window);
	v->opts = buf + sizeof(*th);
	v->opts_len = hdr_len - sizeof(*th);
	v->payload = buf + hdr_len;
	v->payload_len = len - hdr_len;

	return PARSE_OK;
}

/**
 * tcp_opt_find() - find a TCP option and copy its value
 * @v:		validated segment
 * @kind:	option kind (e.g. 2: MSS, 3: window scale)
 * @val:	buffer for the value (after kind and length), may be NULL
 * @val_size:	size of @val
 *
 * Return: length of the option value, -1 if absent or malformed. At most
 *	   @val_size bytes are copied
 */
int tcp_opt_find(const struct tcp_view *v, uint8_t kind, uint8_t *val,
		 size_t val_size)
{
	size_t off = 0;

	while (off < v->opts_len) {
		uint8_t k = v->opts[off], l;

		if (k == TCP_OPT_EOL)
			return -1;
		if (k == TCP_OPT_NOP) {
			off++;
			continue;
		}
		if (v->opts_len - off < 2)
			return -1;
		l = v->opts[off + 1];
		if (l < 2 || l > v->opts_len - off)
			return -1;
		if (k == kind) {
			if (val)
				memcpy(val, v->opts + off + 2,
				       (size_t)l - 2 < val_size ?
				       (size_t)l - 2 : val_size);
			return l - 2;
		}
		off += l;
	}

	return -1;
}
