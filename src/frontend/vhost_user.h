/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * vhost_user.h - passt as a vhost-user back-end of a virtio-net device
 */
#ifndef FRONTEND_VHOST_USER_H
#define FRONTEND_VHOST_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "frontend/virtqueue.h"
#include "util/epoll_ref.h"

struct ctx;
struct tap_lend;

#define VU_RX		0	/* queue index: frames to the guest */
#define VU_TX		1	/* frames from the guest */
#define VU_QUEUES	2

/**
 * struct vu_queue - one virtqueue and what the front-end told us about it
 * @vq:		ring state
 * @num:	size, from SET_VRING_NUM
 * @desc_uva:	descriptor table, front-end address (SET_VRING_ADDR)
 * @avail_uva:	available ring, front-end address
 * @used_uva:	used ring, front-end address
 * @addr_set:	SET_VRING_ADDR was given
 * @started:	the kick descriptor came (SET_VRING_KICK), not stopped since
 * @enabled:	SET_VRING_ENABLE 1, or implied without protocol features
 * @kick_fd:	eventfd the guest's notifications come in, or -1
 * @call_fd:	eventfd we signal the guest with, or -1
 * @err_fd:	eventfd for errors (unused), or -1
 */
struct vu_queue {
	struct vq vq;
	unsigned int num;
	uint64_t desc_uva, avail_uva, used_uva;
	bool addr_set;
	bool started;
	bool enabled;
	int kick_fd;
	int call_fd;
	int err_fd;
};

/**
 * struct vu_dev - the device, one per passt (one front-end at a time)
 * @mem:	guest memory, mapped
 * @q:		the receive and transmit queues
 * @features:	virtio features the front-end acknowledged
 * @protocol_features: vhost-user protocol features acknowledged
 * @hdr_len:	length of the virtio-net header, 10 or 12 bytes
 * @mrg_rxbuf:	a frame to the guest may span several chains
 * @csum_valid:	VIRTIO_NET_F_GUEST_CSUM: frames to the guest are marked as
 *		having valid checksums (they do: we build them)
 * @writers_waiting: a sender asked to be woken up when buffers come
 * @bad_rings:	rings we found broken, since start
 * @dropped_rx:	frames for the guest dropped for lack of buffers
 * @short_rx:	receive chains too short for the virtio-net header, given
 *		back empty, since start
 */
struct vu_dev {
	struct vu_mem mem;
	struct vu_queue q[VU_QUEUES];
	uint64_t features;
	uint64_t protocol_features;
	unsigned int hdr_len;
	bool mrg_rxbuf;
	bool csum_valid;
	bool writers_waiting;
	uint64_t bad_rings;
	uint64_t dropped_rx;
	uint64_t short_rx;
};

extern struct vu_dev vu_dev;

void vu_init(void);
int vu_connected(struct ctx *c, int fd);
void vu_cmd_handler(struct ctx *c, uint32_t events);
void vu_kick_handler(struct ctx *c, union epoll_ref ref);
void vu_reset(struct ctx *c);
void vu_queue_broken(struct vu_queue *q, const char *what);
bool vu_queue_ready(const struct vu_queue *q);
void vu_signal(struct vu_queue *q);

/* vu_net.c: frames through the queues */
size_t vu_send_frames(struct ctx *c, const struct iovec *frames, size_t n);
size_t vu_room(const struct ctx *c);
void vu_wait_writable(struct ctx *c);
size_t vu_lend(struct ctx *c, struct tap_lend *l, size_t hdr_len,
	       size_t frame_len, size_t total);
size_t vu_lend_commit(struct ctx *c, struct tap_lend *l, unsigned int n,
		      const size_t *len);
void vu_tx(struct ctx *c);
void vu_rx_buffers(struct ctx *c);

#endif /* FRONTEND_VHOST_USER_H */
