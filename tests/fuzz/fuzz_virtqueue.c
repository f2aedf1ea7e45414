// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_virtqueue.c - hostile descriptor tables and ring states against the
 * split-ring walk (frontend/virtqueue.c) and the vhost-user data path
 * (frontend/vu_net.c)
 *
 * Guest memory is two regions, each its own heap allocation of exactly its
 * size, so that AddressSanitizer reports any access outside them; every
 * buffer a walk hands out is also checked against them explicitly, and
 * written or read whole.
 *
 * Input: 8 bytes of set-up (queue size, ring offsets, region sizes, start
 * index, mode), then the contents of region 0 (descriptor table, rings,
 * buffers), then bytes used as "guest writes" between operations, which
 * change descriptors and ring indices while we walk them, as a guest could.
 *
 * Modes: walk the ring directly (vq_pop, vq_push, vq_unpop, vq_publish); or
 * send frames to the guest through it (vu_room, vu_send_frames); or take
 * frames from it (vu_tx, down to the dispatch of each frame); or borrow
 * its buffers for frames (tap_lend, as TCP does), write all of them, let
 * the guest change the ring meanwhile, and commit some (tap_lend_commit).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ctx.h"
#include "frontend/tap.h"
#include "frontend/vhost_user.h"
#include "frontend/virtqueue.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define R0_GPA		0x10000ULL
#define R1_GPA		0x80000ULL
#define R0_UVA		0x7f0000000000ULL
#define R1_UVA		0x7f0000100000ULL

static uint8_t *reg[2];
static size_t reg_len[2];

/**
 * in_regions() - is a buffer entirely inside one of the regions?
 * @p:		start
 * @len:	length
 *
 * Return: true if so
 */
static int in_regions(const void *p, size_t len)
{
	int i;

	for (i = 0; i < 2; i++) {
		const uint8_t *b = p;

		if (b >= reg[i] && len <= reg_len[i] &&
		    (size_t)(b - reg[i]) <= reg_len[i] - len)
			return 1;
	}
	return 0;
}

/**
 * check_chain() - every buffer of a chain lies in guest memory; touch it
 * @ch:		chain
 * @writable:	write to the buffers, else read them
 */
static void check_chain(const struct vq_chain *ch, int writable)
{
	volatile uint8_t sink = 0;
	unsigned int i;

	if (ch->n > VQ_CHAIN_MAX)
		abort();
	for (i = 0; i < ch->n; i++) {
		size_t k;

		if (!in_regions(ch->iov[i].iov_base, ch->iov[i].iov_len)) {
			fprintf(stderr, "buffer outside guest memory\n");
			abort();
		}
		if (writable) {
			memset(ch->iov[i].iov_base, 0xa5, ch->iov[i].iov_len);
		} else {
			for (k = 0; k < ch->iov[i].iov_len; k += 64)
				sink ^= ((uint8_t *)ch->iov[i].iov_base)[k];
		}
	}
	(void)sink;
}

/**
 * guest_write() - the guest changes a few bytes of region 0 meanwhile
 * @data:	input, advanced
 * @size:	bytes left, updated
 */
static void guest_write(const uint8_t **data, size_t *size)
{
	size_t off;

	if (*size < 4)
		return;
	off = ((size_t)(*data)[0] | (size_t)(*data)[1] << 8) % reg_len[0];
	reg[0][off] = (*data)[2];
	if (off + 1 < reg_len[0])
		reg[0][off + 1] = (*data)[3];
	*data += 4;
	*size -= 4;
}

/**
 * lend_once() - borrow receive buffers, fill them, commit some frames
 * @c:		context
 * @op:		operation byte: sizes and how many frames to commit
 * @data:	input, advanced by guest_write()
 * @size:	bytes left, updated
 */
static void lend_once(struct ctx *c, uint8_t op, const uint8_t **data,
		      size_t *size)
{
	static size_t lens[TAP_LEND_FRAMES];
	static struct tap_lend l;
	size_t hdr_len = (op & 1) ? 54 : 74, frame_len, total, left;
	unsigned int f, i, n;

	frame_len = 1 + (size_t)(op >> 1 & 7) * 700;
	total = 1 + (size_t)(op >> 4) * 1500;
	left = tap_lend(c, &l, hdr_len, frame_len, total);
	if (left > total || l.n > TAP_LEND_FRAMES ||
	    l.first[l.n] > TAP_LEND_IOV || (left && !l.n))
		abort();

	for (f = 0; f < l.n; f++) {
		size_t cap = 0;

		if (!l.own && !in_regions(l.hdr[f] - vu_dev.hdr_len,
					  vu_dev.hdr_len + hdr_len)) {
			fprintf(stderr, "headers outside guest memory\n");
			abort();
		}
		memset(l.hdr[f], 0x3c, hdr_len);
		for (i = l.first[f]; i < l.first[f + 1]; i++) {
			if (!l.own && !in_regions(l.iov[i].iov_base,
						  l.iov[i].iov_len)) {
				fprintf(stderr, "payload outside guest memory\n");
				abort();
			}
			memset(l.iov[i].iov_base, 0xc3, l.iov[i].iov_len);
			cap += l.iov[i].iov_len;
		}
		if (cap != l.cap[f] || !cap || cap > frame_len)
			abort();
	}

	guest_write(data, size);

	/* As a read fills them: all full but the last, or anything */
	n = l.n ? (op * 7U) % (l.n + 1) : 0;
	left = (op & 0x80) ? left / 2 + 1 : left;
	for (f = 0; f < n; f++) {
		if (op & 0x40)
			lens[f] = (f * 131U + op) % (l.cap[f] + 1);
		else
			lens[f] = MIN(left, l.cap[f]);
		left -= MIN(left, lens[f]);
	}
	if (tap_lend_commit(c, &l, n, lens) > n)
		abort();
}

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	input
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[2048];
	static struct vq_chain ch;
	static struct ctx c;
	struct vu_queue *q;
	unsigned int num, mode, i;
	uint16_t start;
	bool mrg;
	uint64_t desc, avail, used;
	size_t fill;

	if (size < 8)
		return 0;

	num = 1U << (data[0] % 11);			/* 1 to 1024 */
	reg_len[0] = 256 + (size_t)data[1] * 96;	/* up to 24 KiB */
	reg_len[1] = 1 + (size_t)data[2] * 16;
	/* Ring areas anywhere in region 0, aligned or not, in it or not */
	desc = R0_UVA + (size_t)(data[3] & 0x3f) * 64 - 8 * !!(data[7] & 0x40);
	avail = desc + (size_t)num * 16 + (data[4] & 0x7);
	used = avail + 6 + (size_t)num * 2 + (data[5] & 0x1f);
	mode = data[7] % 4;
	mrg = data[6] & 0x80;
	start = (uint16_t)(data[6] * 257);

	reg[0] = malloc(reg_len[0]);
	reg[1] = malloc(reg_len[1]);
	fill = size - 8 < reg_len[0] ? size - 8 : reg_len[0];
	memset(reg[0], 0, reg_len[0]);
	memcpy(reg[0], data + 8, fill);
	memset(reg[1], 0x5a, reg_len[1]);
	data += 8 + fill;
	size -= 8 + fill;

	fuzz_ctx_init(&c, 0);
	c.mode = MODE_PASST;
	c.vhost_user = true;	/* replies go back through vu_send_frames() */
	c.fd_tap = 0;		/* "connected": never used as a descriptor */
	vu_init();
	vu_dev.mem.n = 2;
	vu_dev.mem.r[0] = (struct vu_region){ .gpa = R0_GPA,
		.size = reg_len[0], .uva = R0_UVA, .host = reg[0] };
	vu_dev.mem.r[1] = (struct vu_region){ .gpa = R1_GPA,
		.size = reg_len[1], .uva = R1_UVA, .host = reg[1] };
	vu_dev.mrg_rxbuf = mrg;
	vu_dev.hdr_len = vu_dev.mrg_rxbuf ? 12 : 10;
	vu_dev.csum_valid = start & 0x40;

	q = &vu_dev.q[mode == 2 ? VU_TX : VU_RX];
	q->num = num;
	q->vq.last_avail = q->vq.used_idx = start;
	if (vq_attach(&q->vq, &vu_dev.mem, num, desc, avail, used))
		goto out;
	if (!in_regions((const void *)q->vq.desc, (size_t)num * 16) ||
	    !in_regions((const void *)q->vq.avail, 6 + (size_t)num * 2) ||
	    !in_regions((const void *)q->vq.used, 6 + (size_t)num * 8))
		abort();
	q->started = q->enabled = true;

	for (i = 0; i < 64 && size; i++) {
		uint8_t op = data[0];

		data++;
		size--;
		guest_write(&data, &size);

		if (mode == 0) {
			int rc = vq_pop(&q->vq, &vu_dev.mem, op & 1, &ch);

			if (rc < 0) {
				if (!q->vq.broken)
					abort();
				break;
			}
			if (rc) {
				check_chain(&ch, op & 1);
				if (op & 2)
					vq_unpop(&q->vq, 1);
				else
					vq_push(&q->vq, ch.head,
						(uint32_t)ch.len);
			}
			if (op & 4)
				vq_publish(&q->vq);
		} else if (mode == 1) {
			struct iovec f[3];
			unsigned int k;

			for (k = 0; k < 3; k++) {
				f[k].iov_base = frame;
				f[k].iov_len = 14 + ((op >> k) & 1) * 1500 +
					       k * 37;
			}
			(void)vu_room(&c);
			(void)vu_send_frames(&c, f, 1 + op % 3);
		} else if (mode == 2) {
			vu_tx(&c);
		} else {
			lend_once(&c, op, &data, &size);
		}
		if (q->vq.broken)
			break;
	}

out:
	free(reg[0]);
	free(reg[1]);
	memset(&vu_dev, 0, sizeof(vu_dev));
	return 0;
}
