/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * vnet.h - the virtio-net header in front of frames on pasta's tap device
 */
#ifndef WIRE_VNET_H
#define WIRE_VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* struct virtio_net_hdr (virtio 1.x, 5.1.6, without num_buffers), in the
 * tap device's byte order: the host's, as we never set TUNSETVNETLE/BE
 */
#define VNET_HDR_LEN		10

#define VNET_F_NEEDS_CSUM	1	/* csum_start/csum_offset are valid */
#define VNET_F_DATA_VALID	2	/* checksum known to be good */

#define VNET_GSO_NONE		0
#define VNET_GSO_TCPV4		1
#define VNET_GSO_UDP		3
#define VNET_GSO_TCPV6		4
#define VNET_GSO_UDP_L4		5
#define VNET_GSO_ECN		0x80

/* Offloads we may enable (TUNSETOFFLOAD), as vnet_check() takes them */
#define VNET_OFF_CSUM		(1U << 0)
#define VNET_OFF_TSO4		(1U << 1)
#define VNET_OFF_TSO6		(1U << 2)

/**
 * struct vnet_hdr - virtio-net header, as on the tap device (alignment 1)
 * @flags:	VNET_F_*
 * @gso_type:	VNET_GSO_*
 * @hdr_len:	length of the headers of a GSO frame (a hint on transmit)
 * @gso_size:	payload of each segment a GSO frame stands for
 * @csum_start:	with NEEDS_CSUM: where the sum starts, from the frame start
 * @csum_offset: with NEEDS_CSUM: checksum field, from @csum_start
 */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
} __attribute__((packed));

/**
 * enum vnet_result - verdict on a header from the namespace
 * @VNET_OK:		consistent with the frame and the offloads we enabled
 * @VNET_BAD_FLAGS:	flags we don't know
 * @VNET_BAD_CSUM:	NEEDS_CSUM pointing outside the frame or the headers
 * @VNET_BAD_GSO:	segmentation we didn't enable, or inconsistent with
 *			the frame (IP version, protocol, sizes)
 */
enum vnet_result {
	VNET_OK = 0,
	VNET_BAD_FLAGS,
	VNET_BAD_CSUM,
	VNET_BAD_GSO,
};

enum vnet_result vnet_check(const struct vnet_hdr *h, const uint8_t *frame,
			    size_t len, unsigned int offloads);
void vnet_csum_complete(const struct vnet_hdr *h, uint8_t *frame,
			size_t len);
void vnet_hdr_for_frame(struct vnet_hdr *h, const uint8_t *frame, size_t len,
			bool partial);

#endif /* WIRE_VNET_H */
