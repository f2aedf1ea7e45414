/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * eth.h - Ethernet II headers and MAC addresses
 */
#ifndef WIRE_ETH_H
#define WIRE_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/ethernet.h>

#ifndef ETHERTYPE_QINQ
#define ETHERTYPE_QINQ		0x88a8	/* IEEE 802.1ad service tag */
#endif
/* IP_PKT_MAX - the largest IP packet we build or accept, whatever the IP
 * version: IPv4's limit, kept for IPv6 (no jumbograms), so that one bound
 * holds for every frame buffer, the tap device and qemu's stream framing.
 * FRAME_MAX - the largest Ethernet frame: such a packet after the header.
 */
#define IP_PKT_MAX		65535
#define FRAME_MAX		(ETH_HLEN + IP_PKT_MAX)

#define ETHERTYPE_MIN		0x0600	/* below: 802.3 length field */

/**
 * struct eth_hdr - Ethernet II header, as on the wire (alignment 1)
 * @dst:	destination MAC address
 * @src:	source MAC address
 * @type:	EtherType, network order
 */
struct eth_hdr {
	uint8_t dst[ETH_ALEN];
	uint8_t src[ETH_ALEN];
	uint16_t type;
} __attribute__((packed));

extern const uint8_t mac_broadcast[ETH_ALEN];
extern const uint8_t mac_zero[ETH_ALEN];

/**
 * mac_is_multicast() - tell if a MAC address is a group address
 * @mac:	address to check
 *
 * Return: true for multicast and broadcast addresses
 */
static inline bool mac_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;
}

size_t eth_build(uint8_t *buf, size_t size, const uint8_t *dst,
		 const uint8_t *src, uint16_t type);

#endif /* WIRE_ETH_H */
