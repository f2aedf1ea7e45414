// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_virtqueue.c - the split-ring walk and guest memory translation:
 * exact region boundaries, overflowing ranges, and each way a guest can
 * break a ring
 */

#include <stdint.h>
#include <string.h>

#include "frontend/virtqueue.h"
#include "unit.h"

#define GPA	0x100000ULL
#define UVA	0x7f0000000000ULL
#define SIZE	8192
#define NUM	8
#define DESC	0	/* offsets in the region */
#define AVAIL	256
#define USED	512

static uint8_t mem[SIZE] __attribute__((aligned(16)));
static struct vu_mem m;
static struct vq q;

/**
 * setup() - one region, a queue of NUM descriptors, nothing available
 */
static void setup(void)
{
	memset(mem, 0, sizeof(mem));
	memset(&m, 0, sizeof(m));
	memset(&q, 0, sizeof(q));
	m.n = 1;
	m.r[0] = (struct vu_region){ .gpa = GPA, .size = SIZE, .uva = UVA,
				     .host = mem };
	CHECK(!vq_attach(&q, &m, NUM, UVA + DESC, UVA + AVAIL, UVA + USED));
}

/**
 * desc() - write descriptor i
 */
static void desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	struct vring_desc d = { addr, len, flags, next };

	memcpy(mem + DESC + i * 16, &d, sizeof(d));
}

/**
 * avail() - make chain head available at slot idx, and idx + 1 the index
 */
static void avail(uint16_t slot, uint16_t head, uint16_t idx)
{
	memcpy(mem + AVAIL + 4 + (slot % NUM) * 2, &head, 2);
	memcpy(mem + AVAIL + 2, &idx, 2);
}

TEST(test_translate_bounds)
{
	setup();
	CHECK(vu_mem_gpa(&m, GPA, SIZE) == mem);
	CHECK(vu_mem_gpa(&m, GPA + 100, SIZE - 100) == mem + 100);
	CHECK(!vu_mem_gpa(&m, GPA + 100, SIZE - 99));	/* one past */
	CHECK(!vu_mem_gpa(&m, GPA - 1, 2));
	CHECK(!vu_mem_gpa(&m, GPA + SIZE, 0));
	CHECK(!vu_mem_gpa(&m, GPA + 8, UINT64_MAX));	/* wraps */
	CHECK(!vu_mem_gpa(&m, UINT64_MAX, 2));
	CHECK(vu_mem_uva(&m, UVA + 1, 1) == mem + 1);
	CHECK(!vu_mem_uva(&m, GPA, 1));
}

TEST(test_attach_refuses)
{
	setup();
	CHECK(vq_attach(&q, &m, 6, UVA, UVA + AVAIL, UVA + USED));
	CHECK(vq_attach(&q, &m, 2048, UVA, UVA + AVAIL, UVA + USED));
	CHECK(vq_attach(&q, &m, NUM, UVA + 8, UVA + AVAIL, UVA + USED));
	CHECK(vq_attach(&q, &m, NUM, UVA, UVA + AVAIL, UVA + SIZE - 8));
	CHECK(!vq_attach(&q, &m, NUM, UVA, UVA + AVAIL, UVA + USED));
}

TEST(test_chain_ok)
{
	struct vq_chain ch;

	setup();
	desc(0, GPA + 4096, 100, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	desc(3, GPA + SIZE - 50, 50, VRING_DESC_F_WRITE, 0);
	avail(0, 0, 1);
	CHECK(vq_pop(&q, &m, true, &ch) == 1);
	CHECK(ch.head == 0 && ch.n == 2 && ch.len == 150);
	CHECK(ch.iov[1].iov_base == mem + SIZE - 50);
	CHECK(vq_pop(&q, &m, true, &ch) == 0);
	vq_push(&q, ch.head, 150);
	CHECK(vq_publish(&q));
	CHECK(vq_used_idx_read(&q) == 1);
}

TEST(test_buffer_past_region)
{
	struct vq_chain ch;

	setup();
	desc(0, GPA + SIZE - 50, 51, VRING_DESC_F_WRITE, 0);
	avail(0, 0, 1);
	CHECK(vq_pop(&q, &m, true, &ch) == -1 && q.broken);
	CHECK(vq_pop(&q, &m, true, &ch) == -1);	/* stays broken */
}

TEST(test_loop)
{
	struct vq_chain ch;

	setup();
	desc(0, GPA + 4096, 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(1, GPA + 4096, 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	avail(0, 0, 1);
	CHECK(vq_pop(&q, &m, true, &ch) == -1 && q.broken);
}

TEST(test_bad_indices_and_flags)
{
	struct vq_chain ch;

	setup();
	desc(0, GPA + 4096, 10, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, NUM);
	avail(0, 0, 1);
	CHECK(vq_pop(&q, &m, true, &ch) == -1);		/* next >= num */

	setup();
	avail(0, NUM, 1);
	CHECK(vq_pop(&q, &m, true, &ch) == -1);		/* head >= num */

	setup();
	desc(0, GPA + 4096, 16, VRING_DESC_F_INDIRECT, 0);
	avail(0, 0, 1);
	CHECK(vq_pop(&q, &m, false, &ch) == -1);	/* indirect */

	setup();
	desc(0, GPA + 4096, 16, 0, 0);
	avail(0, 0, 1);
	CHECK(vq_pop(&q, &m, true, &ch) == -1);		/* read-only */

	setup();
	avail(0, 0, NUM + 1);
	CHECK(vq_avail_count(&q) == -1 && q.broken);	/* index jump */
}

TEST(test_unpop_and_wrap)
{
	struct vq_chain ch;
	unsigned int i;

	setup();
	q.last_avail = q.used_idx = 65534;
	desc(0, GPA + 4096, 10, 0, 0);
	for (i = 0; i < 4; i++)
		avail((uint16_t)(65534 + i), 0, (uint16_t)(65535 + i));
	CHECK(vq_avail_count(&q) == 4);
	CHECK(vq_pop(&q, &m, false, &ch) == 1);
	CHECK(vq_pop(&q, &m, false, &ch) == 1);
	vq_unpop(&q, 2);
	CHECK(q.last_avail == 65534);
	for (i = 0; i < 4; i++) {
		CHECK(vq_pop(&q, &m, false, &ch) == 1);
		vq_push(&q, ch.head, 0);
	}
	CHECK(vq_publish(&q));
	CHECK(vq_used_idx_read(&q) == 2);
}

UNIT_MAIN()
