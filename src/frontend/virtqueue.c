// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtqueue.c - guest memory regions and split virtqueues, bounds-checked
 *
 * Theory of operation
 *
 * With vhost-user, the guest's memory is shared with us: the front-end
 * (qemu) hands us its regions as file descriptors, which vhost_user.c maps,
 * and this file only ever looks at guest memory through the table of those
 * mappings (struct vu_mem). Two kinds of addresses point into it: ring
 * addresses, given by the front-end in its own address space (uva), and
 * buffer addresses in descriptors, written by the guest driver as guest
 * physical addresses (gpa). vu_mem_gpa() and vu_mem_uva() turn either into
 * a pointer of ours only if the whole range, address plus length, lies in
 * one region, with the arithmetic checked for overflow: a range that
 * straddles two regions or leaves them is refused, never clamped.
 *
 * A split virtqueue (virtio 1.x, 2.7) is three areas: the descriptor table,
 * the available ring, where the driver publishes heads of descriptor
 * chains, and the used ring, where we return them with the length we wrote.
 * Everything in the first two is written by the guest, possibly while we
 * read it, so it is hostile input, read once into a local copy and checked
 * before use:
 *
 *   - the available index may move ahead of our last position by at most
 *     the queue size;
 *   - a head, and every "next" index, must be below the queue size;
 *   - a chain may not be longer than the queue (a longer one loops), nor
 *     hold more than VQ_CHAIN_MAX buffers;
 *   - each buffer must lie in guest memory (see above), and be writable
 *     for the receive queue, readable for the transmit queue;
 *   - indirect descriptors aren't negotiated, so a guest using them is
 *     broken too.
 *
 * Any violation marks the queue broken: we stop walking it until the
 * front-end sets it up again, and the caller logs and counts it. The ring
 * indices we keep are our own: the guest can't make us reuse or skip a
 * used slot.
 *
 * This file does no I/O and keeps no global state, so that the fuzzer
 * (tests/fuzz/fuzz_virtqueue.c) can run it against a plain buffer.
 */

#include <endian.h>
#include <string.h>

#include "frontend/virtqueue.h"

#define AVAIL_FLAGS	0	/* uint16_t indices in the available ring */
#define AVAIL_IDX	1
#define AVAIL_RING	2

#define USED_IDX_OFF	2	/* byte offsets in the used ring */
#define USED_RING_OFF	4
#define USED_ELEM_LEN	8

/**
 * vu_region_find() - look up a range of addresses in the memory table
 * @m:		memory table
 * @addr:	start of the range
 * @len:	its length
 * @uva:	@addr is a front-end address, not a guest physical one
 *
 * Return: pointer to @addr in our mapping, NULL unless the whole range lies
 *	   in one region
 */
static void *vu_region_find(const struct vu_mem *m, uint64_t addr,
			    uint64_t len, bool uva)
{
	unsigned int i;

	for (i = 0; i < m->n && i < VU_REGIONS_MAX; i++) {
		const struct vu_region *r = &m->r[i];
		uint64_t start = uva ? r->uva : r->gpa, off;

		if (addr < start)
			continue;
		off = addr - start;
		if (off >= r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

/**
 * vu_mem_gpa() - translate a guest physical range to a pointer of ours
 * @m:		memory table
 * @gpa:	guest physical address
 * @len:	length of the range
 *
 * Return: pointer, NULL if the range isn't all in one region
 */
void *vu_mem_gpa(const struct vu_mem *m, uint64_t gpa, uint64_t len)
{
	return vu_region_find(m, gpa, len, false);
}

/**
 * vu_mem_uva() - translate a front-end (qemu) range to a pointer of ours
 * @m:		memory table
 * @uva:	address in the front-end's process
 * @len:	length of the range
 *
 * Return: pointer, NULL if the range isn't all in one region
 */
void *vu_mem_uva(const struct vu_mem *m, uint64_t uva, uint64_t len)
{
	return vu_region_find(m, uva, len, true);
}

/**
 * vq_attach() - find the three areas of a queue in guest memory
 * @q:		queue, indices kept
 * @m:		memory table
 * @num:	queue size: a power of two, at most VQ_SIZE_MAX
 * @desc_uva:	descriptor table, front-end address
 * @avail_uva:	available ring, front-end address
 * @used_uva:	used ring, front-end address
 *
 * Return: 0 on success, -1 if the size is invalid, or an area doesn't lie
 *	   in guest memory or isn't aligned as virtio asks
 */
int vq_attach(struct vq *q, const struct vu_mem *m, unsigned int num,
	      uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva)
{
	void *desc, *avail, *used;

	q->desc = NULL;
	q->avail = NULL;
	q->used = NULL;
	if (!num || num > VQ_SIZE_MAX || (num & (num - 1)))
		return -1;
	if ((desc_uva & 15) || (avail_uva & 1) || (used_uva & 3))
		return -1;

	desc = vu_mem_uva(m, desc_uva, (uint64_t)num * 16);
	avail = vu_mem_uva(m, avail_uva, 6 + (uint64_t)num * 2);
	used = vu_mem_uva(m, used_uva, 6 + (uint64_t)num * USED_ELEM_LEN);
	if (!desc || !avail || !used)
		return -1;

	q->num = num;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->used_pending = 0;
	q->broken = false;
	return 0;
}

/**
 * vq_used_idx_read() - the index the used ring currently shows
 * @q:		attached queue
 *
 * Return: used index, as last published (by us or a previous back-end)
 */
uint16_t vq_used_idx_read(const struct vq *q)
{
	return le16toh(*(volatile uint16_t *)(q->used + USED_IDX_OFF));
}

/**
 * vq_avail_count() - chains the guest made available that we didn't take
 * @q:		attached queue
 *
 * Return: count, -1 if the available index is impossible (queue broken)
 */
int vq_avail_count(struct vq *q)
{
	uint16_t idx, n;

	if (q->broken || !q->avail)
		return -1;
	idx = le16toh(q->avail[AVAIL_IDX]);
	/* Ring entries are read after the index that covers them */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);

	n = (uint16_t)(idx - q->last_avail);
	if (n > q->num) {
		q->broken = true;
		return -1;
	}
	return n;
}

/**
 * vq_pop() - take the next available chain, checking every descriptor
 * @q:		attached queue
 * @m:		memory table
 * @writable:	we write to the buffers (receive queue), or read them
 * @ch:		the chain, filled on success
 *
 * Return: 1 with @ch filled, 0 if nothing is available, -1 if the guest
 *	   broke the rules (queue marked broken, nothing taken)
 */
int vq_pop(struct vq *q, const struct vu_mem *m, bool writable,
	   struct vq_chain *ch)
{
	unsigned int steps;
	uint16_t i;
	int n = vq_avail_count(q);

	if (n <= 0)
		return n;

	ch->n = 0;
	ch->len = 0;
	i = le16toh(q->avail[AVAIL_RING + q->last_avail % q->num]);
	if (i >= q->num)
		goto broken;
	ch->head = i;

	for (steps = 0; ; steps++) {
		struct vring_desc d;
		void *p;

		/* One read of each field: the guest may change them */
		d.addr = le64toh(q->desc[i].addr);
		d.len = le32toh(q->desc[i].len);
		d.flags = le16toh(q->desc[i].flags);
		d.next = le16toh(q->desc[i].next);

		if (steps >= q->num || (d.flags & VRING_DESC_F_INDIRECT) ||
		    !(d.flags & VRING_DESC_F_WRITE) != !writable)
			goto broken;

		if (d.len) {
			p = vu_mem_gpa(m, d.addr, d.len);
			if (!p || ch->n >= VQ_CHAIN_MAX)
				goto broken;
			ch->iov[ch->n].iov_base = p;
			ch->iov[ch->n].iov_len = d.len;
			ch->n++;
			ch->len += d.len;
		}

		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= q->num)
			goto broken;
		i = d.next;
	}

	q->last_avail++;
	return 1;

broken:
	q->broken = true;
	return -1;
}

/**
 * vq_unpop() - give back the last chains taken, for a frame that didn't fit
 * @q:		queue
 * @n:		chains to give back, all taken since the last vq_push()
 */
void vq_unpop(struct vq *q, unsigned int n)
{
	q->last_avail = (uint16_t)(q->last_avail - n);
}

/**
 * vq_push() - return a chain to the guest, unpublished until vq_publish()
 * @q:		attached queue
 * @head:	head index of the chain, as vq_pop() gave it
 * @len:	bytes we wrote into its buffers
 */
void vq_push(struct vq *q, uint16_t head, uint32_t len)
{
	volatile uint8_t *e = q->used + USED_RING_OFF +
			      (size_t)(q->used_idx % q->num) * USED_ELEM_LEN;

	*(volatile uint32_t *)e = htole32(head);
	*(volatile uint32_t *)(e + 4) = htole32(len);
	q->used_idx++;
	q->used_pending++;
}

/**
 * vq_publish() - make pushed chains visible to the guest
 * @q:		attached queue
 *
 * Return: true if the guest wants an interrupt for them
 */
bool vq_publish(struct vq *q)
{
	uint16_t flags;

	if (!q->used_pending)
		return false;

	/* Entries first, then the index that covers them */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*(volatile uint16_t *)(q->used + USED_IDX_OFF) = htole16(q->used_idx);
	q->used_pending = 0;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = le16toh(q->avail[AVAIL_FLAGS]);
	return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}
