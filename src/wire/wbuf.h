/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * wbuf.h - bounded writer for building messages
 *
 * A struct wbuf tracks how much of a buffer was written. Every write checks
 * the space left and either writes everything or nothing, returning false,
 * so builders can try an optional item and carry on without it.
 */
#ifndef WIRE_WBUF_H
#define WIRE_WBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * struct wbuf - bounded writer
 * @buf:	start of the buffer
 * @size:	its size
 * @len:	bytes written so far
 */
struct wbuf {
	uint8_t *buf;
	size_t size;
	size_t len;
};

/**
 * wbuf_init() - start writing to a buffer
 * @w:		writer to set up
 * @buf:	buffer
 * @size:	size of @buf
 */
static inline void wbuf_init(struct wbuf *w, uint8_t *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->len = 0;
}

/**
 * wbuf_room() - space left
 * @w:		writer
 *
 * Return: bytes that can still be written
 */
static inline size_t wbuf_room(const struct wbuf *w)
{
	return w->size - w->len;
}

/**
 * wbuf_put() - append bytes
 * @w:		writer
 * @data:	bytes to append, may be NULL to append zeroes
 * @len:	how many
 *
 * Return: true if written, false (and nothing written) if they don't fit
 */
static inline bool wbuf_put(struct wbuf *w, const void *data, size_t len)
{
	if (len > wbuf_room(w))
		return false;
	if (data)
		memcpy(w->buf + w->len, data, len);
	else
		memset(w->buf + w->len, 0, len);
	w->len += len;
	return true;
}

/**
 * wbuf_u8() - append a byte
 * @w:		writer
 * @v:		value
 *
 * Return: true if written
 */
static inline bool wbuf_u8(struct wbuf *w, uint8_t v)
{
	return wbuf_put(w, &v, 1);
}

/**
 * wbuf_be16() - append a 16-bit value in network order
 * @w:		writer
 * @v:		value, host order
 *
 * Return: true if written
 */
static inline bool wbuf_be16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_put(w, b, 2);
}

/**
 * wbuf_be32() - append a 32-bit value in network order
 * @w:		writer
 * @v:		value, host order
 *
 * Return: true if written
 */
static inline bool wbuf_be32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_put(w, b, 4);
}

#endif /* WIRE_WBUF_H */
