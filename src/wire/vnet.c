// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnet.c - the virtio-net header in front of frames on pasta's tap device
 *
 * Theory of operation
 *
 * pasta opens its tap device with IFF_VNET_HDR: every frame read or written
 * has a struct vnet_hdr in front. It's how the two sides tell each other
 * about checksums and segmentation, and what it says about a frame from the
 * namespace is as hostile as the frame itself.
 *
 * From the namespace, vnet_check() accepts only what we enabled with
 * TUNSETOFFLOAD: a partial checksum (NEEDS_CSUM) whose start and field lie
 * within the frame, after the Ethernet header; and, with TSO, TCP
 * super-frames (GSO) whose type matches the frame's IP version and
 * protocol, whose checksum is the TCP one, and without ECN (not enabled).
 * We never verify the TCP or UDP checksums of guest frames anyway (the data
 * goes into sockets, whose kernel checksums it again), so a partial checksum
 * changes nothing for the flows; vnet_csum_complete() completes one only
 * for a capture. A GSO frame is one IP packet as long as its length fields
 * say, within IP_PKT_MAX: TCP takes it as one big segment.
 *
 * To the namespace, vnet_hdr_for_frame() marks a TCP segment whose checksum
 * holds only the pseudo-header sum as NEEDS_CSUM: the kernel trusts it for
 * local delivery, and completes it if it forwards the packet. Other frames
 * go without flags: their checksums are complete, and the tap device
 * ignores DATA_VALID (a flag for receivers; the kernel is the sender here).
 * @hdr_len of a TCP frame covers the headers: the tap device copies
 * that much into the linear part of the socket buffer and the payload into
 * pages, instead of asking for one large contiguous allocation.
 */

#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/vnet.h"

#define TCP_CSUM_OFF		16	/* checksum field in the TCP header */
#define TCP_HLEN_MIN		20

/**
 * vnet_l4_start() - where the TCP header of a plain IPv4 or IPv6 frame is
 * @frame:	Ethernet frame
 * @len:	its length
 * @gso_type:	out: VNET_GSO_TCPV4 or VNET_GSO_TCPV6
 *
 * Only the fixed headers are looked at: IPv4 options are skipped, IPv6
 * extension headers make it not TCP.
 *
 * Return: offset of the TCP header, 0 if the frame doesn't carry TCP, or
 *	   has no room for a TCP header
 */
static size_t vnet_l4_start(const uint8_t *frame, size_t len,
			    uint8_t *gso_type)
{
	uint16_t type;
	size_t off;

	if (len < ETH_HLEN)
		return 0;
	memcpy(&type, frame + 12, sizeof(type));
	type = ntohs(type);

	if (type == ETHERTYPE_IP) {
		if (len < ETH_HLEN + IP4_HLEN ||
		    (frame[ETH_HLEN] >> 4) != 4 ||
		    frame[ETH_HLEN + 9] != IPPROTO_TCP)
			return 0;
		off = ETH_HLEN + (size_t)(frame[ETH_HLEN] & 0xf) * 4;
		*gso_type = VNET_GSO_TCPV4;
	} else if (type == ETHERTYPE_IPV6) {
		if (len < ETH_HLEN + IP6_HLEN ||
		    (frame[ETH_HLEN] >> 4) != 6 ||
		    frame[ETH_HLEN + 6] != IPPROTO_TCP)
			return 0;
		off = ETH_HLEN + IP6_HLEN;
		*gso_type = VNET_GSO_TCPV6;
	} else {
		return 0;
	}

	if (off < ETH_HLEN + IP4_HLEN || len < off + TCP_HLEN_MIN)
		return 0;
	return off;
}

/**
 * vnet_check() - validate a virtio-net header from the namespace
 * @h:		header, copied out of the read buffer
 * @frame:	the Ethernet frame after it
 * @len:	length of @frame
 * @offloads:	VNET_OFF_* we enabled on the device
 *
 * Return: VNET_OK, or what's wrong with it
 */
enum vnet_result vnet_check(const struct vnet_hdr *h, const uint8_t *frame,
			    size_t len, unsigned int offloads)
{
	uint8_t type = VNET_GSO_NONE;
	size_t l4;

	if (h->flags & ~(VNET_F_NEEDS_CSUM | VNET_F_DATA_VALID))
		return VNET_BAD_FLAGS;

	if (h->flags & VNET_F_NEEDS_CSUM) {
		if (!(offloads & VNET_OFF_CSUM) || h->csum_start < ETH_HLEN ||
		    h->csum_start >= len ||
		    (size_t)h->csum_offset + 2 > len - h->csum_start)
			return VNET_BAD_CSUM;
	}

	switch (h->gso_type) {
	case VNET_GSO_NONE:
		return VNET_OK;
	case VNET_GSO_TCPV4:
		if (!(offloads & VNET_OFF_TSO4))
			return VNET_BAD_GSO;
		break;
	case VNET_GSO_TCPV6:
		if (!(offloads & VNET_OFF_TSO6))
			return VNET_BAD_GSO;
		break;
	default:	/* UDP, USO, ECN: never enabled */
		return VNET_BAD_GSO;
	}

	/* A TCP super-frame: partial TCP checksum, segment size, matching
	 * IP version and protocol
	 */
	l4 = vnet_l4_start(frame, len, &type);
	if (!l4 || type != h->gso_type || !h->gso_size ||
	    !(h->flags & VNET_F_NEEDS_CSUM) || h->csum_start != l4 ||
	    h->csum_offset != TCP_CSUM_OFF)
		return VNET_BAD_GSO;

	return VNET_OK;
}

/**
 * vnet_csum_complete() - complete a partial checksum, for a capture
 * @h:		header that passed vnet_check() with @frame and @len
 * @frame:	Ethernet frame, its checksum field written
 * @len:	length of @frame
 */
void vnet_csum_complete(const struct vnet_hdr *h, uint8_t *frame, size_t len)
{
	uint16_t check;

	if (!(h->flags & VNET_F_NEEDS_CSUM))
		return;
	check = csum(frame + h->csum_start, len - h->csum_start, 0);
	memcpy(frame + h->csum_start + h->csum_offset, &check, sizeof(check));
}

/**
 * vnet_hdr_for_frame() - header for a frame to the namespace
 * @h:		header to fill
 * @frame:	Ethernet frame we built
 * @len:	its length
 * @partial:	TCP checksums hold only the pseudo-header sum
 *		(tap_l4_csum() was false)
 */
void vnet_hdr_for_frame(struct vnet_hdr *h, const uint8_t *frame, size_t len,
			bool partial)
{
	uint8_t type;
	size_t l4;

	size_t thl;

	memset(h, 0, sizeof(*h));
	l4 = vnet_l4_start(frame, len, &type);
	if (!l4)
		return;

	thl = (size_t)(frame[l4 + 12] >> 4) * 4;
	if (thl >= TCP_HLEN_MIN && l4 + thl <= len)
		h->hdr_len = (uint16_t)(l4 + thl);
	if (partial) {
		h->flags = VNET_F_NEEDS_CSUM;
		h->csum_start = (uint16_t)l4;
		h->csum_offset = TCP_CSUM_OFF;
	}
}
