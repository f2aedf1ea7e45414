// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * eth.c - Ethernet II headers and MAC addresses
 */

#include <string.h>
#include <arpa/inet.h>

#include "wire/eth.h"

const uint8_t mac_broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const uint8_t mac_zero[ETH_ALEN];

/**
 * eth_build() - write an Ethernet II header
 * @buf:	where to write it
 * @size:	space at @buf
 * @dst:	destination MAC address
 * @src:	source MAC address
 * @type:	EtherType, host order
 *
 * Return: header length (ETH_HLEN), 0 if it doesn't fit in @size
 */
size_t eth_build(uint8_t *buf, size_t size, const uint8_t *dst,
		 const uint8_t *src, uint16_t type)
{
	struct eth_hdr *eh = (struct eth_hdr *)buf;

	if (size < sizeof(*eh))
		return 0;

	memcpy(eh->dst, dst, ETH_ALEN);
	memcpy(eh->src, src, ETH_ALEN);
	eh->type = htons(type);

	return sizeof(*eh);
}
