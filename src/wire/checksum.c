// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * checksum.c - the Internet checksum (RFC 1071) and its pseudo-headers
 *
 * Theory of operation
 *
 * The ones' complement sum of 16-bit words doesn't depend on the byte order
 * the words are loaded with, as long as the final result is stored back with
 * the same order: we sum the buffer as native-endian 64-bit words, with
 * end-around carry, and fold down to 16 bits. Values returned here are
 * therefore "in memory order", that is, ready to be copied with memcpy() into
 * a checksum field (they are network-order values held in a uint16_t).
 *
 * Partial sums (csum_partial()) can be chained over several buffers, as long
 * as every buffer but the last one has an even length. Pseudo-header sums
 * are partial sums too, to be passed as initial value for the header and
 * payload sum. csum() gives the final value; over a block that includes a
 * correct checksum field it gives 0.
 *
 * Loads use memcpy(), so buffers may sit at any alignment.
 */

#include <stdbool.h>
#include <string.h>
#include <arpa/inet.h>

#include "wire/checksum.h"

/**
 * add_carry() - add two 64-bit values with end-around carry
 * @a:		first addend
 * @b:		second addend
 *
 * Return: ones' complement sum of @a and @b
 */
static inline uint64_t add_carry(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

/**
 * fold64() - fold a 64-bit ones' complement sum to 32 bits
 * @acc:	sum to fold
 *
 * Return: 32-bit sum, same ones' complement value
 */
static inline uint32_t fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffULL) + (acc >> 32);
	acc = (acc & 0xffffffffULL) + (acc >> 32);
	return (uint32_t)acc;
}

/**
 * csum_partial() - add the 16-bit words of a buffer to a running sum
 * @buf:	data, any alignment
 * @len:	length of @buf in bytes: odd only for the last chunk
 * @sum:	running sum, 0 to start
 *
 * Return: new running sum, not folded to 16 bits nor inverted
 */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum, w0, w1, w2, w3;

	while (len >= 32) {
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		memcpy(&w2, p + 16, 8);
		memcpy(&w3, p + 24, 8);
		acc = add_carry(acc, w0);
		acc = add_carry(acc, w1);
		acc = add_carry(acc, w2);
		acc = add_carry(acc, w3);
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&w0, p, 8);
		acc = add_carry(acc, w0);
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		acc = add_carry(acc, w);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		acc = add_carry(acc, w);
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t tail[2] = { p[0], 0 };
		uint16_t w;

		memcpy(&w, tail, 2);
		acc = add_carry(acc, w);
	}

	return fold64(acc);
}

/**
 * csum_iov() - add the bytes of several buffers, taken as one, to a sum
 * @iov:	buffers, of any lengths (odd ones too) and alignment
 * @n:		number of buffers
 * @len:	bytes to sum from the start of @iov, at most their total
 * @sum:	running sum, of data of even length so far
 *
 * A buffer that starts at an odd offset of the whole contributes its sum
 * with the bytes of each word swapped (RFC 1071, 2.B: byte order
 * independence), so the buffers needn't be split at even lengths.
 *
 * Return: new running sum, not folded to 16 bits nor inverted
 */
uint32_t csum_iov(const struct iovec *iov, size_t n, size_t len, uint32_t sum)
{
	uint64_t acc = sum;
	bool odd = false;
	size_t i;

	for (i = 0; i < n && len; i++) {
		size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;
		uint32_t part = csum_partial(iov[i].iov_base, k, 0);

		part = (part & 0xffff) + (part >> 16);
		part = (part & 0xffff) + (part >> 16);
		if (odd)
			part = (uint16_t)(part << 8 | part >> 8);
		acc += part;
		odd ^= k & 1;
		len -= k;
	}
	return fold64(acc);
}

/**
 * csum_fold() - fold a running sum to 16 bits and invert it
 * @sum:	running sum from csum_partial() or pseudo-header helpers
 *
 * Return: checksum, in network order, ready to be stored with memcpy()
 */
uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * csum() - checksum of a buffer, on top of a running sum
 * @buf:	data, any alignment
 * @len:	length of @buf
 * @sum:	initial running sum (e.g. from a pseudo-header), or 0
 *
 * Return: checksum in network order; 0 over data with a valid checksum
 */
uint16_t csum(const void *buf, size_t len, uint32_t sum)
{
	return csum_fold(csum_partial(buf, len, sum));
}

/**
 * csum_ip4_pseudo() - running sum of the IPv4 pseudo-header (RFC 768)
 * @src:	source address, 4 bytes in network order
 * @dst:	destination address, 4 bytes in network order
 * @proto:	upper layer protocol number
 * @l4_len:	length of upper layer header and payload, host order
 *
 * Return: running sum to pass to csum_partial() or csum()
 */
uint32_t csum_ip4_pseudo(const void *src, const void *dst, uint8_t proto,
			 uint16_t l4_len)
{
	uint64_t acc = csum_partial(src, 4, csum_partial(dst, 4, 0));

	acc += htons(proto);
	acc += htons(l4_len);

	return fold64(acc);
}

/**
 * csum_ip6_pseudo() - running sum of the IPv6 pseudo-header (RFC 8200, 8.1)
 * @src:	source address, 16 bytes in network order
 * @dst:	destination address, 16 bytes in network order
 * @proto:	upper layer protocol number (next header)
 * @l4_len:	length of upper layer header and payload, host order
 *
 * Return: running sum to pass to csum_partial() or csum()
 */
uint32_t csum_ip6_pseudo(const void *src, const void *dst, uint8_t proto,
			 uint32_t l4_len)
{
	uint64_t acc = csum_partial(src, 16, csum_partial(dst, 16, 0));

	acc += htonl(l4_len) & 0xffff;
	acc += htonl(l4_len) >> 16;
	acc += htons(proto);

	return fold64(acc);
}

/**
 * csum_replace() - update a checksum for changed data (RFC 1624, eqn. 3)
 * @check:	current checksum field, network order
 * @old:	old data, @len bytes
 * @new_:	new data, @len bytes, at the same (even) offset
 * @len:	length of the change, even
 *
 * Return: updated checksum field, network order
 */
uint16_t csum_replace(uint16_t check, const void *old, const void *new_,
		      size_t len)
{
	const uint8_t *o = old;
	uint64_t acc = (uint16_t)~check;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		uint16_t w;

		memcpy(&w, o + i, 2);
		acc += (uint16_t)~w;
	}
	acc = fold64(acc);

	return csum_fold(csum_partial(new_, len, (uint32_t)acc));
}
