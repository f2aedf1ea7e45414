/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tap.h - frames in and out: qemu's stream socket (passt), tap device (pasta)
 */
#ifndef FRONTEND_TAP_H
#define FRONTEND_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct ctx;

#define TAP_LEND_FRAMES		128	/* frames lent at a time */
#define TAP_LEND_IOV		1024	/* their payload buffers (UIO_MAXIOV) */
#define TAP_LEND_HDR_MAX	128	/* header bytes in front of a payload */

/**
 * struct tap_lend - buffers the frontend lends a sender for frames
 * @n:		frames lent
 * @hdr_len:	header bytes each frame has in front of its payload
 * @own:	buffers are ours (copied or written out at commit), not the
 *		guest's
 * @hdr:	room for the headers of each frame, @hdr_len bytes in one
 *		piece
 * @cap:	payload bytes each frame takes, at most the length asked
 * @first:	index in @iov of the first payload buffer of each frame, and
 *		at @n, the number of buffers in use
 * @iov:	payload buffers of all frames, in order: one recvmsg() into
 *		them fills frame after frame
 */
struct tap_lend {
	unsigned int n;
	size_t hdr_len;
	bool own;
	uint8_t *hdr[TAP_LEND_FRAMES];
	size_t cap[TAP_LEND_FRAMES];
	unsigned int first[TAP_LEND_FRAMES + 1];
	struct iovec iov[TAP_LEND_IOV];
};

int tap_sock_init(struct ctx *c);
int tap_register(struct ctx *c);
void tap_listen_handler(struct ctx *c);
void tap_stream_handler(struct ctx *c, uint32_t events);
void tap_dev_handler(struct ctx *c, uint32_t events);
int tap_dev_offload(int fd);
size_t tap_send_frames(struct ctx *c, const struct iovec *frames, size_t n);
size_t tap_send(struct ctx *c, const uint8_t *frame, size_t len);
size_t tap_room(const struct ctx *c);
size_t tap_lend(struct ctx *c, struct tap_lend *l, size_t hdr_len,
		size_t frame_len, size_t total);
size_t tap_lend_own(struct tap_lend *l, size_t hdr_len, size_t frame_len,
		    size_t total, size_t room, size_t overhead);
size_t tap_lend_commit(struct ctx *c, struct tap_lend *l, unsigned int n,
		       const size_t *len);
bool tap_l4_csum(const struct ctx *c);
void tap_wait_writable(struct ctx *c);
void tap_frame_in(struct ctx *c, const uint8_t *frame, size_t len);
void tap_client_gone(struct ctx *c);

#endif /* FRONTEND_TAP_H */
