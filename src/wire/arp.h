/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * arp.h - ARP packets for IPv4 over Ethernet (RFC 826)
 */
#ifndef WIRE_ARP_H
#define WIRE_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/ethernet.h>

#define ARP_HW_ETHER		1
#define ARP_OP_REQUEST		1
#define ARP_OP_REPLY		2

/**
 * struct arp_pkt - ARP packet for IPv4 over Ethernet, as on the wire
 * @htype:	hardware type, network order (1: Ethernet)
 * @ptype:	protocol type, network order (0x0800: IPv4)
 * @hlen:	hardware address length (6)
 * @plen:	protocol address length (4)
 * @op:		operation, network order
 * @sha:	sender hardware address
 * @spa:	sender protocol (IPv4) address
 * @tha:	target hardware address
 * @tpa:	target protocol (IPv4) address
 */
struct arp_pkt {
	uint16_t htype;
	uint16_t ptype;
	uint8_t hlen;
	uint8_t plen;
	uint16_t op;
	uint8_t sha[ETH_ALEN];
	uint8_t spa[4];
	uint8_t tha[ETH_ALEN];
	uint8_t tpa[4];
} __attribute__((packed));

const struct arp_pkt *arp_parse(const uint8_t *buf, size_t len);
size_t arp_build(uint8_t *buf, size_t size, uint16_t op,
		 const uint8_t *sha, const void *spa,
		 const uint8_t *tha, const void *tpa);

#endif /* WIRE_ARP_H */
