// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dns.c - domain names in DNS wire format (RFC 1035, 3.1 and 4.1.4)
 *
 * Theory of operation
 *
 * A name like "example.com" (a trailing dot is optional) becomes a sequence
 * of length-prefixed labels closed by a zero byte: 7 example 3 com 0. Lists
 * of names are simply concatenated. The DHCP domain search option (RFC 3397)
 * allows compression: a name may end with a two-byte pointer (0xc0 | offset)
 * to a suffix already written, offsets counted from the start of the list.
 * The NDP DNSSL option (RFC 8106) and DHCPv6 option 24 (RFC 3646) forbid it.
 *
 * For compression, we remember where each label written in full starts, and
 * which text suffix it begins; for each suffix of a new name, longest first,
 * we look for the same suffix (case-insensitively) among those.
 *
 * Names with empty labels, labels longer than 63 bytes, or longer than 255
 * bytes once encoded are skipped.
 */

#include <string.h>
#include <strings.h>

#include "wire/dns.h"
#include "wire/wbuf.h"

#define DNS_PTR_MAX	0x3fff	/* largest offset a pointer can hold */
#define DNS_SUFFIX_MAX	256	/* suffixes we remember for compression */

/**
 * struct dns_suffix - a suffix written in full, for compression
 * @text:	suffix in text form, within the caller's name
 * @off:	offset of its first label in the list
 */
struct dns_suffix {
	const char *text;
	size_t off;
};

/**
 * text_len() - length of a name or suffix without its trailing dot
 * @s:		name
 *
 * Return: length of @s, a final '.' excluded
 */
static size_t text_len(const char *s)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == '.')
		n--;
	return n;
}

/**
 * suffix_eq() - compare two names, ignoring case and trailing dots
 * @a:		first name
 * @b:		second name
 *
 * Return: true if they are the same name
 */
static bool suffix_eq(const char *a, const char *b)
{
	size_t la = text_len(a), lb = text_len(b);

	return la == lb && !strncasecmp(a, b, la);
}

/**
 * name_encode() - encode one name, optionally ending with a pointer
 * @name:	name in text form
 * @w:		writer, for the whole list (offsets are relative to its start)
 * @sfx:	remembered suffixes for compression, NULL not to compress
 * @nsfx:	number of entries in @sfx, updated
 *
 * Return: true if written, false (nothing written) if invalid or no room
 */
static bool name_encode(const char *name, struct wbuf *w,
			struct dns_suffix *sfx, int *nsfx)
{
	size_t start = w->len, len = text_len(name), pos = 0;
	int nsfx_start = nsfx ? *nsfx : 0;

	if (!len)
		return false;

	while (pos < len) {
		const char *label = name + pos, *dot;
		size_t label_len;
		int i;

		for (i = 0; sfx && i < *nsfx; i++) {
			uint16_t ptr = (uint16_t)(0xc000 | sfx[i].off);

			if (!suffix_eq(label, sfx[i].text))
				continue;
			if (!wbuf_be16(w, ptr))
				goto fail;
			return true;
		}

		dot = memchr(label, '.', len - pos);
		label_len = dot ? (size_t)(dot - label) : len - pos;
		if (!label_len || label_len > DNS_LABEL_MAX)
			goto fail;

		if (sfx && *nsfx < DNS_SUFFIX_MAX && w->len <= DNS_PTR_MAX) {
			sfx[*nsfx].text = label;
			sfx[*nsfx].off = w->len;
			(*nsfx)++;
		}

		if (!wbuf_u8(w, (uint8_t)label_len) ||
		    !wbuf_put(w, label, label_len))
			goto fail;
		if (w->len - start > DNS_NAME_MAX - 1)
			goto fail;

		pos += label_len + 1;
	}

	if (wbuf_u8(w, 0))
		return true;

fail:
	w->len = start;
	if (nsfx)
		*nsfx = nsfx_start;
	return false;
}

/**
 * dns_name_encode() - encode one domain name, uncompressed
 * @name:	name in text form, trailing dot optional
 * @out:	output buffer
 * @size:	size of @out
 *
 * Return: encoded length, 0 if the name is invalid or doesn't fit
 */
size_t dns_name_encode(const char *name, uint8_t *out, size_t size)
{
	struct wbuf w;

	wbuf_init(&w, out, size);
	if (!name_encode(name, &w, NULL, NULL))
		return 0;
	return w.len;
}

/**
 * dns_search_encode() - encode a list of domain names
 * @names:	first name, NUL-terminated
 * @stride:	distance between names in bytes (size of one array row)
 * @count:	number of names
 * @compress:	use compression pointers (RFC 3397 allows them)
 * @out:	output buffer
 * @size:	size of @out
 *
 * Return: encoded length; names that are invalid or don't fit are skipped
 */
size_t dns_search_encode(const char *names, size_t stride, int count,
			 bool compress, uint8_t *out, size_t size)
{
	struct dns_suffix sfx[DNS_SUFFIX_MAX];
	struct wbuf w;
	int i, nsfx = 0;

	wbuf_init(&w, out, size);
	for (i = 0; i < count; i++) {
		const char *name = names + (size_t)i * stride;

		if (compress)
			name_encode(name, &w, sfx, &nsfx);
		else
			name_encode(name, &w, NULL, NULL);
	}

	return w.len;
}
