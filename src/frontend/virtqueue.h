/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * virtqueue.h - guest memory regions and split virtqueues, bounds-checked
 */
#ifndef FRONTEND_VIRTQUEUE_H
#define FRONTEND_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VU_REGIONS_MAX		8	/* memory regions per table */
#define VQ_SIZE_MAX		1024	/* descriptors per queue */
#define VQ_CHAIN_MAX		64	/* buffers in one descriptor chain */

/* Descriptor flags (virtio 1.x, 2.7.5) */
#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4

#define VRING_AVAIL_F_NO_INTERRUPT	1

/**
 * struct vu_region - one region of guest memory, mapped in our process
 * @gpa:	guest physical address of its start
 * @size:	length in bytes
 * @uva:	its address in the front-end's (qemu's) process
 * @host:	its address in ours
 * @map:	what mmap() returned (the region starts at an offset in it)
 * @map_len:	length of @map
 */
struct vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint8_t *host;
	void *map;
	size_t map_len;
};

/**
 * struct vu_mem - the guest's memory table
 * @r:		regions
 * @n:		regions in use
 */
struct vu_mem {
	struct vu_region r[VU_REGIONS_MAX];
	unsigned int n;
};

/**
 * struct vring_desc - split ring descriptor, as the guest writes it
 */
struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/**
 * struct vq - one split virtqueue, our side of it
 * @num:	queue size (descriptors), 0 if not set up
 * @desc:	descriptor table, in guest memory
 * @avail:	available ring: flags, idx, ring[num], (used_event)
 * @used:	used ring: flags, idx, ring[num] of {id, len}, (avail_event)
 * @last_avail:	next index of the available ring we'll look at
 * @used_idx:	next index of the used ring we'll write
 * @used_pending: used entries written but not yet published
 * @broken:	the guest gave us a ring we refuse to walk further
 */
struct vq {
	unsigned int num;
	volatile struct vring_desc *desc;
	volatile uint16_t *avail;
	volatile uint8_t *used;
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t used_pending;
	bool broken;
};

/**
 * struct vq_chain - one descriptor chain the guest made available
 * @head:	index of its first descriptor, to return it in the used ring
 * @iov:	its buffers, in our address space
 * @n:		buffers in @iov
 * @len:	total length of the buffers
 */
struct vq_chain {
	uint16_t head;
	struct iovec iov[VQ_CHAIN_MAX];
	unsigned int n;
	size_t len;
};

void *vu_mem_gpa(const struct vu_mem *m, uint64_t gpa, uint64_t len);
void *vu_mem_uva(const struct vu_mem *m, uint64_t uva, uint64_t len);
int vq_attach(struct vq *q, const struct vu_mem *m, unsigned int num,
	      uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva);
int vq_avail_count(struct vq *q);
int vq_pop(struct vq *q, const struct vu_mem *m, bool writable,
	   struct vq_chain *ch);
void vq_unpop(struct vq *q, unsigned int n);
void vq_push(struct vq *q, uint16_t head, uint32_t len);
bool vq_publish(struct vq *q);
uint16_t vq_used_idx_read(const struct vq *q);

#endif /* FRONTEND_VIRTQUEUE_H */
