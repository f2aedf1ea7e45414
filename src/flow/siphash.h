/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * siphash.h - SipHash-2-4, a keyed 64-bit hash for hash tables
 */
#ifndef FLOW_SIPHASH_H
#define FLOW_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN		16

/**
 * struct siphash_key - 128-bit secret, as two little-endian 64-bit halves
 * @k:		k0 (key bytes 0..7) and k1 (key bytes 8..15)
 */
struct siphash_key {
	uint64_t k[2];
};

void siphash_key_from_bytes(struct siphash_key *key,
			    const uint8_t bytes[SIPHASH_KEY_LEN]);
uint64_t siphash_2_4(const struct siphash_key *key, const void *data,
		     size_t len);

#endif /* FLOW_SIPHASH_H */
