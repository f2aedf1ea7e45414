// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * siphash.c - SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012)
 *
 * Four 64-bit state words are initialised from the key and four constants
 * (the ASCII of "somepseudorandomlygeneratedbytes"). The message is consumed
 * as little-endian 64-bit words, each one mixed in with two rounds; the last
 * word carries the leftover bytes and the message length modulo 256 in its
 * top byte. Four more rounds finalise, and the output is the XOR of the state.
 *
 * Used to hash flow keys: with a secret key, a guest or a remote peer can't
 * pick addresses and ports that pile up in one hash bucket.
 */

#include <string.h>

#include "flow/siphash.h"

/**
 * le64() - load a little-endian 64-bit word from unaligned memory
 * @p:		eight bytes
 *
 * Return: the value
 */
static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/**
 * rotl64() - rotate a 64-bit word left
 * @x:		value
 * @b:		bits, 1 to 63
 *
 * Return: rotated value
 */
static inline uint64_t rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/**
 * sipround() - one SipRound over the state
 * @v:		state words v0..v3
 */
static inline void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl64(v[1], 13);
	v[1] ^= v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = rotl64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rotl64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rotl64(v[1], 17);
	v[1] ^= v[2];
	v[2] = rotl64(v[2], 32);
}

/**
 * siphash_key_from_bytes() - set a key from its 16-byte representation
 * @key:	key to set
 * @bytes:	key bytes, k0 first, each half little-endian
 */
void siphash_key_from_bytes(struct siphash_key *key,
			    const uint8_t bytes[SIPHASH_KEY_LEN])
{
	key->k[0] = le64(bytes);
	key->k[1] = le64(bytes + 8);
}

/**
 * siphash_2_4() - SipHash-2-4 of a byte string
 * @key:	secret key
 * @data:	message
 * @len:	message length in bytes
 *
 * Return: 64-bit hash; the reference implementation stores it little-endian
 */
uint64_t siphash_2_4(const struct siphash_key *key, const void *data,
		     size_t len)
{
	const uint8_t *p = data, *end = p + (len & ~(size_t)7);
	uint64_t v[4], m;
	size_t left = len & 7;

	v[0] = key->k[0] ^ 0x736f6d6570736575ULL;	/* "somepseu" */
	v[1] = key->k[1] ^ 0x646f72616e646f6dULL;	/* "dorandom" */
	v[2] = key->k[0] ^ 0x6c7967656e657261ULL;	/* "lygenera" */
	v[3] = key->k[1] ^ 0x7465646279746573ULL;	/* "tedbytes" */

	for (; p < end; p += 8) {
		m = le64(p);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}

	m = (uint64_t)len << 56;
	while (left--)
		m |= (uint64_t)p[left] << (8 * left);

	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;

	v[2] ^= 0xff;
	sipround(v);
	sipround(v);
	sipround(v);
	sipround(v);

	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
