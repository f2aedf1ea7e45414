/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * checksum.h - the Internet checksum (RFC 1071) and its pseudo-headers
 */
#ifndef WIRE_CHECKSUM_H
#define WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
uint32_t csum_iov(const struct iovec *iov, size_t n, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);
uint16_t csum(const void *buf, size_t len, uint32_t sum);
uint32_t csum_ip4_pseudo(const void *src, const void *dst, uint8_t proto,
			 uint16_t l4_len);
uint32_t csum_ip6_pseudo(const void *src, const void *dst, uint8_t proto,
			 uint32_t l4_len);
uint16_t csum_replace(uint16_t check, const void *old, const void *new_,
		      size_t len);

#endif /* WIRE_CHECKSUM_H */
