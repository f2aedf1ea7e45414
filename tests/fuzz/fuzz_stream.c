// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_stream.c - the framing of qemu's stream netdev, through tap.c
 *
 * qemu sends each frame behind a 4-byte, big-endian length. The input is a
 * list of writes to the guest end of a real socket pair whose other end is
 * passt's connected socket: raw bytes, length headers (valid, oversized,
 * huge), frame bodies and whole frames of any size, so that frames end up
 * split across reads, several per read, or cut by the end of the stream.
 * Between writes, the epoll loop (loop_dispatch(), so tap_stream_handler())
 * reads what arrived, unless the write asks to be batched with the next.
 *
 * A reference model of the framing, applied to the same bytes, says how many
 * frames passt must have taken in (frames_in), and whether it must have
 * dropped the client for a length over FRAME_MAX. At the end, the guest
 * closes its end; passt must notice, and leak no descriptor. What passt
 * sends back (ARP replies) must be framed, each frame within FRAME_MAX.
 *
 * Input: byte 0, the fuzz_ctx_init() variant; then operations, each an
 * opcode byte (low 2 bits: the kind, bit 6: don't run the loop after it)
 * and its arguments:
 *	0	raw bytes: length byte N, then N + 1 bytes
 *	1	a length header: 3 bytes, big-endian; bit 7 of the opcode
 *		turns it into 0xffffffff minus that
 *	2	N bytes of frame body (an ARP request, then zeros): 2 bytes N
 *	3	a whole frame, header and body: bits 2-4 of the opcode pick its
 *		length, 0 (2 bytes follow), 13, 14, 42, FRAME_MAX - 1,
 *		FRAME_MAX, FRAME_MAX + 1, 65535
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "fuzz_ctx.h"
#include "fuzz_guest.h"
#include "flow/flow.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * struct frame_model - reference reassembly of the stream, byte by byte
 * @hdr:	length header being collected
 * @hdr_have:	bytes of it collected
 * @body_left:	bytes of the current frame still to come, after the header
 * @in_body:	the header is complete, the body is coming
 * @frames:	complete frames
 * @bad:	a length over FRAME_MAX came: the client must be dropped
 */
struct frame_model {
	uint8_t hdr[4];
	int hdr_have;
	uint32_t body_left;
	int in_body;
	unsigned long frames;
	int bad;
};

/**
 * model_feed() - run bytes through the reference reassembly
 * @m:		model
 * @len:	number of bytes (their values only matter in headers)
 * @buf:	the bytes
 */
static void model_feed(struct frame_model *m, const uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len && !m->bad) {
		if (m->in_body) {
			size_t take = len - i < m->body_left ? len - i :
							       m->body_left;

			m->body_left -= (uint32_t)take;
			i += take;
			if (!m->body_left) {
				m->in_body = 0;
				m->frames++;
			}
			continue;
		}
		m->hdr[m->hdr_have++] = buf[i++];
		if (m->hdr_have < 4)
			continue;
		m->hdr_have = 0;
		m->body_left = (uint32_t)m->hdr[0] << 24 |
			       (uint32_t)m->hdr[1] << 16 |
			       (uint32_t)m->hdr[2] << 8 | m->hdr[3];
		if (m->body_left > FRAME_MAX)
			m->bad = 1;
		else if (!m->body_left)
			m->frames++;
		else
			m->in_body = 1;
	}
}

static struct ctx c;
static struct fuzz_guest guest;
static int fds_before = -1;

/* Frame body: an ARP request from the guest for the gateway, then zeros */
static uint8_t body[FRAME_MAX + 65536] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 192, 0, 2, 10,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 192, 0, 2, 1,
};

/**
 * send_model() - write bytes to passt and feed them to the model
 * @m:		model
 * @buf:	bytes
 * @len:	their number
 *
 * Return: 0 if written, -1 if passt dropped the client meanwhile
 */
static int send_model(struct frame_model *m, const uint8_t *buf, size_t len)
{
	int rc = fuzz_guest_write(&c, &guest, buf, len);

	/* Only what passt could read counts: after a bad length, nothing */
	model_feed(m, buf, len);
	return rc;
}

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	input, see the comment at the top
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t lens[8] = { 0, 13, 14, 42, FRAME_MAX - 1,
					  FRAME_MAX, FRAME_MAX + 1, 65535 };
	struct frame_model m = { 0 };
	size_t i = 1;
	int rounds;

	if (size < 1 || size > 4096)
		return 0;

	if (fds_before < 0) {
		log_set_level(LOG_CRIT);
		fuzz_ctx_init(&c, 0);
		c.epollfd = epoll_create1(EPOLL_CLOEXEC);
		if (c.epollfd < 0)
			abort();
		fds_before = fuzz_fd_scan(false);
	}

	{
		int epollfd = c.epollfd;

		fuzz_ctx_init(&c, data[0]);
		c.epollfd = epollfd;
	}
	c.mode = MODE_PASST;
	c.fd_tap_listen = c.fd_given = c.fd_route = -1;
	fuzz_guest_connect(&c, &guest);

	while (i < size && c.fd_tap >= 0) {
		uint8_t op = data[i++], hdr[4];
		size_t n;
		uint32_t len;

		switch (op & 3) {
		case 0:
			if (i >= size)
				break;
			n = (size_t)data[i++] + 1;
			if (n > size - i)
				n = size - i;
			send_model(&m, data + i, n);
			i += n;
			break;
		case 1:
			if (size - i < 3) {
				i = size;
				break;
			}
			len = (uint32_t)data[i] << 16 | data[i + 1] << 8 |
			      data[i + 2];
			i += 3;
			if (op & 0x80)
				len = 0xffffffffU - len;
			len = htonl(len);
			memcpy(hdr, &len, 4);
			send_model(&m, hdr, 4);
			break;
		case 2:
			if (size - i < 2) {
				i = size;
				break;
			}
			n = (size_t)data[i] << 8 | data[i + 1];
			i += 2;
			send_model(&m, body, n);
			break;
		case 3:
			len = lens[(op >> 2) & 7];
			if (!((op >> 2) & 7)) {
				if (size - i < 2) {
					i = size;
					break;
				}
				len = (uint32_t)data[i] << 8 | data[i + 1];
				i += 2;
			}
			n = len;
			len = htonl(len);
			memcpy(hdr, &len, 4);
			if (!send_model(&m, hdr, 4))
				send_model(&m, body, n);
			break;
		}

		if (!(op & 0x40))
			fuzz_loop(&c, 8);
		fuzz_guest_read(&guest, NULL, NULL);
	}

	/* Whatever is still queued is read; then the guest goes away */
	fuzz_loop(&c, 64);
	fuzz_guest_read(&guest, NULL, NULL);
	if (!m.bad && c.fd_tap < 0)
		abort();	/* dropped a client that kept the framing */
	close(guest.fd);
	guest.fd = -1;
	for (rounds = 0; c.fd_tap >= 0 && rounds < 64; rounds++)
		fuzz_loop(&c, 1);

	if (c.fd_tap >= 0)
		abort();	/* the end of the stream went unnoticed */
	if (c.stats.frames_in != m.frames)
		abort();	/* framing differs from the model */
	if (flow_get_stats()->in_use)
		abort();
	if (fuzz_fd_scan(false) != fds_before) {
		fuzz_fd_scan(true);
		abort();	/* descriptor leak */
	}

	return 0;
}
