// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * arp.c - ARP packets for IPv4 over Ethernet (RFC 826)
 */

#include <string.h>
#include <arpa/inet.h>

#include "wire/arp.h"

/**
 * arp_parse() - validate an ARP packet for IPv4 over Ethernet
 * @buf:	ARP packet, after the Ethernet header
 * @len:	bytes available at @buf (trailing padding is fine)
 *
 * Return: view of the packet, NULL if too short or not IPv4 over Ethernet
 */
const struct arp_pkt *arp_parse(const uint8_t *buf, size_t len)
{
	const struct arp_pkt *ap = (const struct arp_pkt *)buf;

	if (len < sizeof(*ap))
		return NULL;

	if (ntohs(ap->htype) != ARP_HW_ETHER ||
	    ntohs(ap->ptype) != ETHERTYPE_IP ||
	    ap->hlen != ETH_ALEN || ap->plen != 4)
		return NULL;

	return ap;
}

/**
 * arp_build() - write an ARP packet for IPv4 over Ethernet
 * @buf:	where to write it, after the Ethernet header
 * @size:	space at @buf
 * @op:		ARP_OP_REQUEST or ARP_OP_REPLY
 * @sha:	sender hardware address
 * @spa:	sender IPv4 address, 4 bytes network order
 * @tha:	target hardware address
 * @tpa:	target IPv4 address, 4 bytes network order
 *
 * Return: length written, 0 if it doesn't fit
 */
size_t arp_build(uint8_t *buf, size_t size, uint16_t op,
		 const uint8_t *sha, const void *spa,
		 const uint8_t *tha, const void *tpa)
{
	struct arp_pkt *ap = (struct arp_pkt *)buf;

	if (size < sizeof(*ap))
		return 0;

	ap->htype = htons(ARP_HW_ETHER);
	ap->ptype = htons(ETHERTYPE_IP);
	ap->hlen = ETH_ALEN;
	ap->plen = 4;
	ap->op = htons(op);
	memcpy(ap->sha, sha, ETH_ALEN);
	memcpy(ap->spa, spa, 4);
	memcpy(ap->tha, tha, ETH_ALEN);
	memcpy(ap->tpa, tpa, 4);

	return sizeof(*ap);
}
