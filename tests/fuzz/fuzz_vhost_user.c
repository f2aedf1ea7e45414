// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_vhost_user.c - the vhost-user control protocol (frontend/vhost_user.c)
 * from a hostile front-end, with the data path live behind it
 *
 * Theory of operation
 *
 * The harness is the front-end, qemu's part: it holds one end of a
 * connected socket pair, passt's end went through vu_connected() as an
 * accepted connection would, and it writes messages there, with
 * descriptors (memfds for memory tables, eventfds for queues) as
 * SCM_RIGHTS. After each operation, vu_cmd_handler() runs as the epoll
 * loop would run it, and the harness reads what passt replied. Between
 * messages, the guest side acts on what the messages set up: it writes the
 * memory it shares with passt (descriptor tables, rings), kicks the queues
 * (vu_kick_handler(), frames from the guest down to dispatch), and the host
 * sends the guest frames (vu_send_frames()). So a message that changes the
 * memory table, the rings or a queue's state while the queues run meets a
 * data path that uses them.
 *
 * The harness always writes messages whole, so that passt never waits for
 * the rest of one (it would, for a second, as for a slow front-end), except
 * in the operation that ends the connection: a truncated message, then the
 * harness's end closed.
 *
 * Input: operations until the end, each an opcode byte (low 3 bits) and its
 * arguments; see fuzz_op().
 *
 * Invariants, each an abort() or a sanitizer report:
 *  - passt reads and writes guest memory only inside the mappings of the
 *    current memory table (AddressSanitizer can't see into the mappings,
 *    but a ring left pointing into a table that was replaced faults);
 *  - once the front-end is gone, everything it gave passt is released: no
 *    mapping (vu_dev.mem empty), no descriptor left open, both queues
 *    cleared; a new connection starts from nothing.
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "fuzz_ctx.h"
#include "fuzz_guest.h"
#include "flow/flow.h"
#include "frontend/tap.h"
#include "frontend/vhost_user.h"
#include "frontend/virtqueue.h"
#include "util/log.h"
#include "util/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requests, as frontend/vhost_user.c numbers them (the protocol's) */
#define REQ_GET_FEATURES		1
#define REQ_SET_FEATURES		2
#define REQ_SET_OWNER			3
#define REQ_SET_MEM_TABLE		5
#define REQ_SET_VRING_NUM		8
#define REQ_SET_VRING_ADDR		9
#define REQ_SET_VRING_BASE		10
#define REQ_GET_VRING_BASE		11
#define REQ_SET_VRING_KICK		12
#define REQ_SET_VRING_CALL		13
#define REQ_SET_PROTOCOL_FEATURES	16
#define REQ_SET_VRING_ENABLE		18

#define HDR_LEN		12
#define PAYLOAD_MAX	(8 + VU_REGIONS_MAX * 32)	/* a memory table */
#define FLAG_VERSION	0x1
#define FLAG_NEED_REPLY	(1U << 3)

#define FEATURES	((1ULL << 32) | (1ULL << 30) | (1ULL << 15) | \
			 (1ULL << 1))	/* as offered: see vhost_user.c */

#define MEM_UVA		0x7f0000000000ULL	/* front-end addresses */
#define MEM_GPA		0x100000ULL		/* guest addresses */
#define MEM_MAX		(1 << 20)		/* one region, at most */

static struct ctx c;
static int fe = -1;			/* the front-end's end */
static int fds_before = -1;

/* The memory table the harness set up last (sane set-up), shared, and
 * the queue size it gave both queues
 */
static uint8_t *mem;
static size_t mem_len;
static unsigned int mem_num;

/* Frames the host sends the guest (op_frames()) */
static uint8_t frame[2048];

/**
 * fe_send() - write a message, whole, with descriptors
 * @buf:	header and payload
 * @len:	their length
 * @fds:	descriptors to pass, or NULL
 * @nfds:	their number
 */

static void fe_send(const void *buf, size_t len, const int *fds,
		    unsigned int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * (VU_REGIONS_MAX + 2))];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fe < 0)
		return;
	if (nfds) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	/* A message fits in the socket buffer; passt may have hung up */
	if (sendmsg(fe, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len &&
	    errno != EPIPE && errno != ECONNRESET)
		abort();
}

/**
 * run() - let passt handle what the front-end sent, read its replies
 */
static void run(void)
{
	uint8_t buf[512];

	if (c.fd_tap >= 0)
		vu_cmd_handler(&c, EPOLLIN);
	while (fe >= 0 && recv(fe, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/**
 * msg() - send a message with a payload, and let passt handle it
 * @req:	request
 * @payload:	payload, or NULL
 * @size:	its size
 * @fds:	descriptors to pass, or NULL
 * @nfds:	their number
 */
static void msg(uint32_t req, const void *payload, uint32_t size,
		const int *fds, unsigned int nfds)
{
	uint8_t buf[HDR_LEN + PAYLOAD_MAX];
	uint32_t flags = FLAG_VERSION | FLAG_NEED_REPLY;

	memcpy(buf, &req, 4);
	memcpy(buf + 4, &flags, 4);
	memcpy(buf + 8, &size, 4);
	if (size)
		memcpy(buf + HDR_LEN, payload, size);
	fe_send(buf, HDR_LEN + size, fds, nfds);
	run();
}

/**
 * msg_u64() - send a message with a 64-bit payload
 * @req:	request
 * @v:		payload
 * @fd:		descriptor to pass, -1 for none
 */
static void msg_u64(uint32_t req, uint64_t v, int fd)
{
	msg(req, &v, sizeof(v), &fd, fd >= 0);
}

/**
 * msg_state() - send a message with a queue index and a number
 * @req:	request
 * @index:	queue index
 * @num:	number
 */
static void msg_state(uint32_t req, uint32_t index, uint32_t num)
{
	uint32_t p[2] = { index, num };

	msg(req, p, sizeof(p), NULL, 0);
}

/**
 * memfd_sized() - an anonymous file of a given size
 * @len:	size
 *
 * Return: descriptor, -1 on failure
 */
static int memfd_sized(size_t len)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd >= 0 && ftruncate(fd, (off_t)len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/**
 * mem_release() - the harness lets go of its view of the shared memory
 */
static void mem_release(void)
{
	if (mem)
		munmap(mem, mem_len);
	mem = NULL;
	mem_len = 0;
	mem_num = 0;
}

/**
 * op_setup() - the set-up qemu does: features, owner, a memory table of one
 *		region, both queues with their rings in it, started
 * @d:		arguments: memory size (in 16 KiB), queue size selector
 *		(bits 0-2), features (bit 3: no mergeable buffers, 4: no
 *		protocol features), which queues to start (bits 5-6)
 * @n:		bytes available
 *
 * Return: bytes used
 */
static size_t op_setup(const uint8_t *d, size_t n)
{
	uint64_t features = FEATURES;
	unsigned int num, i;
	int fd;

	if (n < 2)
		return n;
	num = 1U << (d[1] & 7);		/* 1 to 128 */
	if (d[1] & 0x08)
		features &= ~(1ULL << 15);
	if (d[1] & 0x10)
		features &= ~(1ULL << 30);

	msg(REQ_GET_FEATURES, NULL, 0, NULL, 0);
	msg_u64(REQ_SET_FEATURES, features, -1);
	msg_u64(REQ_SET_PROTOCOL_FEATURES, 1ULL << 3, -1);
	msg(REQ_SET_OWNER, NULL, 0, NULL, 0);

	mem_release();
	mem_num = num;
	mem_len = (size_t)(1 + d[0] % (MEM_MAX / 16384)) * 16384;
	fd = memfd_sized(mem_len);
	if (fd < 0)
		abort();
	mem = mmap(NULL, mem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		abort();
	{
		uint64_t table[1 + 4] = { 1, MEM_GPA, mem_len, MEM_UVA, 0 };

		msg(REQ_SET_MEM_TABLE, table, sizeof(table), &fd, 1);
	}
	close(fd);

	for (i = 0; i < VU_QUEUES; i++) {
		/* Rings of queue i in the i-th quarter of the memory */
		uint64_t base = MEM_UVA + i * (mem_len / 4);
		uint64_t addr[5] = { i, base, base + num * 16 + 1024,
				     base + num * 16, 0 };
		int kick, call;

		if (!(d[1] & (0x20 << i)))
			continue;
		addr[0] = i;	/* index, flags 0 */
		msg_state(REQ_SET_VRING_NUM, i, num);
		msg_state(REQ_SET_VRING_BASE, i, 0);
		/* desc, used, avail: the payload's order */
		msg(REQ_SET_VRING_ADDR, addr, 40, NULL, 0);
		kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		msg_u64(REQ_SET_VRING_KICK, i, kick);
		msg_u64(REQ_SET_VRING_CALL, i, call);
		close(kick);
		close(call);
		msg_state(REQ_SET_VRING_ENABLE, i, 1);
	}
	return 2;
}

/**
 * op_msg() - a message built from input bytes
 * @d:		arguments: request (its value modulo 40), flags selector,
 *		payload size (modulo PAYLOAD_MAX + 8: a size over the
 *		payload union's is refused), descriptor selector, then the
 *		payload
 * @n:		bytes available
 *
 * Descriptors: bits 0-1 of the selector: none, an eventfd, a memfd of the
 * size of bits 2-5 (in 16 KiB, 0: empty), or as many memfds as bits 2-5 say
 * (up to VU_REGIONS_MAX + 2: more than a message may bring), each 64 KiB.
 *
 * Return: bytes used
 */
static size_t op_msg(const uint8_t *d, size_t n)
{
	uint8_t buf[HDR_LEN + PAYLOAD_MAX + 8];
	uint32_t req, flags, size;
	int fds[VU_REGIONS_MAX + 2];
	unsigned int nfds = 0, i;
	size_t len;

	if (n < 4)
		return n;
	req = d[0] % 40;
	flags = (d[1] & 0x80) ? d[1] : FLAG_VERSION | (d[1] & FLAG_NEED_REPLY);
	size = d[2] % (PAYLOAD_MAX + 8);
	switch (d[3] & 3) {
	case 1:
		fds[nfds++] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		break;
	case 2:
		fds[nfds++] = memfd_sized((size_t)((d[3] >> 2) & 15) * 16384);
		break;
	case 3:
		for (i = 0; i < MIN(1U + ((d[3] >> 2) & 15),
				    (unsigned int)VU_REGIONS_MAX + 2); i++)
			fds[nfds++] = memfd_sized(65536);
		break;
	}
	for (i = 0; i < nfds; i++) {
		if (fds[i] < 0)
			abort();
	}

	len = MIN((size_t)size, n - 4);
	memcpy(buf, &req, 4);
	memcpy(buf + 4, &flags, 4);
	memcpy(buf + 8, &size, 4);
	memset(buf + HDR_LEN, 0, size);
	memcpy(buf + HDR_LEN, d + 4, len);
	if (size > PAYLOAD_MAX) {
		/* Refused from the header alone: don't send what passt
		 * wouldn't read
		 */
		fe_send(buf, HDR_LEN, fds, nfds);
	} else {
		fe_send(buf, HDR_LEN + size, fds, nfds);
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	run();
	return 4 + len;
}

/**
 * op_mem_table() - a memory table of regions built from input bytes, with
 *		    a memfd each
 * @d:		arguments: region count (0 to VU_REGIONS_MAX, and one more
 *		descriptor than regions if bit 7), then per region: file size
 *		(in 16 KiB), guest address and front-end address selectors,
 *		size selector, offset selector
 * @n:		bytes available
 *
 * The addresses are picked near the sane set-up's, so that regions overlap
 * it, each other, or leave the rings out.
 *
 * Return: bytes used
 */
static size_t op_mem_table(const uint8_t *d, size_t n)
{
	uint64_t table[1 + VU_REGIONS_MAX * 4] = { 0 };
	int fds[VU_REGIONS_MAX + 1];
	unsigned int nr, nfds, i;
	size_t used = 1;

	if (n < 1)
		return n;
	nr = (d[0] & 0x7f) % (VU_REGIONS_MAX + 1);
	if (n < 1 + nr * 5)
		return n;
	table[0] = nr;
	for (i = 0; i < nr; i++, used += 5) {
		const uint8_t *r = d + used;
		size_t flen = (size_t)(r[0] % 64) * 16384;

		fds[i] = memfd_sized(flen);
		if (fds[i] < 0)
			abort();
		table[1 + i * 4] = MEM_GPA + (uint64_t)(int8_t)r[1] * 4096;
		table[2 + i * 4] = r[3] == 0xff ? ~0ULL - 4096 :
				   (uint64_t)r[3] * 4096;
		table[3 + i * 4] = MEM_UVA + (uint64_t)(int8_t)r[2] * 4096;
		table[4 + i * 4] = (uint64_t)(r[4] & 0x7f) * 4096;
	}
	nfds = nr;
	if (d[0] & 0x80) {
		fds[nfds] = eventfd(0, EFD_CLOEXEC);
		if (fds[nfds] < 0)
			abort();
		nfds++;
	}
	msg(REQ_SET_MEM_TABLE, table, 8 + nr * 32, fds, nfds);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return used;
}

/**
 * op_write_mem() - the guest writes the memory of the sane set-up
 * @d:		arguments: offset (2 bytes, in 16-byte units), length, bytes
 * @n:		bytes available
 *
 * Return: bytes used
 */
static size_t op_write_mem(const uint8_t *d, size_t n)
{
	size_t off, len;

	if (n < 3)
		return n;
	off = (size_t)(d[0] << 8 | d[1]) * 16;
	len = MIN((size_t)d[2], n - 3);
	if (mem && off < mem_len)
		memcpy(mem + off, d + 3, MIN(len, mem_len - off));
	return 3 + len;
}

/**
 * op_kick() - the guest kicks a queue
 * @d:		arguments: bit 0, the queue; bits 1-7, a value for its
 *		available index (in the sane set-up's layout), 0: unchanged
 * @n:		bytes available
 *
 * Return: bytes used
 */
static size_t op_kick(const uint8_t *d, size_t n)
{
	unsigned int i;
	union epoll_ref ref = { .type = EPOLL_TYPE_VU_KICK };
	uint64_t one = 1;

	if (n < 1)
		return n;
	i = d[0] & 1;
	if (mem && (d[0] >> 1)) {
		/* avail ring: flags, idx, as op_setup() placed it */
		size_t avail = i * (mem_len / 4) + mem_num * 16;

		if (avail + 4 <= mem_len) {
			uint16_t idx = d[0] >> 1;

			memcpy(mem + avail + 2, &idx, 2);
		}
	}
	if (vu_dev.q[i].kick_fd >= 0) {
		if (write(vu_dev.q[i].kick_fd, &one, sizeof(one)) < 0)
			abort();
		ref.fd = vu_dev.q[i].kick_fd;
		ref.index = i;
		vu_kick_handler(&c, ref);
	}
	run();
	return 1;
}

/**
 * op_frames() - the host sends the guest frames
 * @d:		arguments: count (1 to 8), length selector
 * @n:		bytes available
 *
 * Return: bytes used
 */
static size_t op_frames(const uint8_t *d, size_t n)
{
	struct iovec iov[8];
	unsigned int i, k;

	if (n < 2)
		return n;
	k = 1 + (d[0] & 7);
	for (i = 0; i < k; i++) {
		iov[i].iov_base = frame;
		iov[i].iov_len = 14 + (size_t)d[1] * 7 % (sizeof(frame) - 14);
	}
	if (c.fd_tap >= 0)
		vu_send_frames(&c, iov, k);
	run();
	return 2;
}

/**
 * fe_connect() - a front-end connects
 */
static void fe_connect(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	fe = sv[0];
	if (vu_connected(&c, sv[1]))
		abort();
}

/**
 * released() - passt let go of everything the front-end gave it
 */
static void released(void)
{
	unsigned int i;

	if (vu_dev.mem.n)
		abort();
	for (i = 0; i < VU_QUEUES; i++) {
		const struct vu_queue *q = &vu_dev.q[i];

		if (q->kick_fd >= 0 || q->call_fd >= 0 || q->err_fd >= 0 ||
		    q->vq.desc || q->started)
			abort();
	}
	if (fuzz_fd_scan(false) != fds_before) {
		fprintf(stderr, "descriptors left after the front-end\n");
		fuzz_fd_scan(true);
		abort();
	}
}

/**
 * fe_gone() - the front-end goes away, mid-message if @trunc: everything it
 *	       gave passt must be released
 * @trunc:	bytes of a message header to send first, 0 for none
 */
static void fe_gone(size_t trunc)
{
	static const uint8_t part[HDR_LEN] = { REQ_SET_FEATURES, 0, 0, 0,
					       FLAG_VERSION, 0, 0, 0, 8 };

	if (fe >= 0) {
		if (trunc)
			fe_send(part, MIN(trunc, sizeof(part)), NULL, 0);
		close(fe);
		fe = -1;
	}
	mem_release();
	if (c.fd_tap >= 0)
		vu_cmd_handler(&c, EPOLLIN | EPOLLHUP);
	if (c.fd_tap >= 0)
		abort();	/* EOF or HUP: the front-end is gone */
	released();
}

/**
 * fuzz_op() - one operation
 * @d:		opcode, then arguments
 * @n:		bytes available
 *
 * Opcodes (low 3 bits): 0 the sane set-up (op_setup()), 1 a message from
 * bytes (op_msg()), 2 a memory table from bytes (op_mem_table()), 3 the
 * guest writes shared memory, 4 the guest kicks a queue, 5 the host sends
 * frames, 6 the front-end goes (a truncated message first if bits 3-4 say
 * how long) and another one connects, 7 a message from bytes, with the
 * harness's memory dropped first. Where passt hangs up, the front-end
 * connects again.
 *
 * Return: bytes used
 */
static size_t fuzz_op(const uint8_t *d, size_t n)
{
	uint8_t op = d[0];
	size_t used = 1;

	d++;
	n--;
	switch (op & 7) {
	case 0:
		used += op_setup(d, n);
		break;
	case 1:
		used += op_msg(d, n);
		break;
	case 2:
		used += op_mem_table(d, n);
		break;
	case 3:
		used += op_write_mem(d, n);
		break;
	case 4:
		used += op_kick(d, n);
		break;
	case 5:
		used += op_frames(d, n);
		break;
	case 6:
		fe_gone(((op >> 3) & 3) * 4);
		fe_connect();
		break;
	default:
		mem_release();
		used += op_msg(d, n);
	}

	/* passt hung up on a front-end that broke the protocol: it let go of
	 * everything (the harness closed its own descriptors by now), and
	 * the front-end connects again, as qemu's reconnect= would
	 */
	if (c.fd_tap < 0) {
		fe_gone(0);
		fe_connect();
	}
	return used;
}

/**
 * LLVMFuzzerInitialize() - libFuzzer set-up: context, flow table, epoll
 * @argc:	unused
 * @argv:	unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int i;

	(void)argc;
	(void)argv;

	log_set_level(getenv("FUZZ_VU_TRACE") ? LOG_TRACE : LOG_CRIT);
	log_to_stderr(true);
	fuzz_ctx_init(&c, 0);
	c.mode = MODE_PASST;
	c.vhost_user = true;
	c.fd_tap = c.fd_tap_listen = -1;
	c.epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c.epollfd < 0 || flow_init())
		abort();
	vu_init();
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 13 + 1);
	memset(frame, 0xff, 6);		/* broadcast */
	fds_before = fuzz_fd_scan(false);
	return 0;
}

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	operations, see fuzz_op()
 * @size:	their length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;

	if (size > 4096)
		return 0;
	fe_connect();
	while (i < size)
		i += fuzz_op(data + i, size - i);
	fe_gone(0);
	return 0;
}
