// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vu_net.c - vhost-user: Ethernet frames in and out of the virtqueues
 *
 * Theory of operation
 *
 * Every frame in either direction has a virtio-net header in front of it
 * (virtio 1.x, 5.1.6): 12 bytes with VIRTIO_F_VERSION_1 or MRG_RXBUF, 10
 * without. We offer no offloads, so the header carries nothing for us: on
 * transmit we skip it, on receive we write zeroes, except num_buffers, and
 * the flag VIRTIO_NET_HDR_F_DATA_VALID if the guest took
 * VIRTIO_NET_F_GUEST_CSUM: every frame we send has correct checksums, as we
 * computed them, so the guest may skip verifying them again.
 *
 * Guest to passt (transmit queue): when the guest kicks, we take the chains
 * it made available, at most VU_TX_BATCH per wake-up (then we kick
 * ourselves, so that other events get their turn), copy each into a
 * buffer of ours before looking at it (the guest could change the bytes
 * under a parser otherwise), and hand the frame to the same dispatch as
 * the stream socket does. Chains go back to the guest as used, with length
 * 0, and one interrupt covers the batch.
 *
 * passt to guest (receive queue): tap_send_frames() lands here. Each frame
 * goes into as many receive chains as it needs with MRG_RXBUF (the header's
 * num_buffers says how many), or into one without. A frame that doesn't fit
 * in what the guest offers gives its chains back and is dropped, as are the
 * frames after it: the guest will see them as lost, and the senders are
 * told beforehand how much fits (vu_room()), so this is rare. Senders that
 * found no room ask to be woken up (vu_wait_writable()): when the guest
 * adds buffers it kicks the receive queue, and we resume them.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conf/ctx.h"
#include "flow/tcp.h"
#include "frontend/pcap.h"
#include "frontend/tap.h"
#include "frontend/vhost_user.h"
#include "svc/dispatch.h"
#include "util/log.h"
#include "util/util.h"

#define VU_TX_BATCH		256	/* chains from the guest per wake-up */
#define VU_HDR_MAX		12
#define VU_HDR_NUM_BUFFERS	10	/* offset of num_buffers */
#define VU_HDR_F_DATA_VALID	2	/* in the flags, byte 0 */
#define VU_ROOM_CHAINS		VQ_SIZE_MAX	/* looked at by vu_room() */

/* A frame from the guest, with its header */
static uint8_t vu_tx_buf[VU_HDR_MAX + FRAME_MAX];

/**
 * vu_chain_read() - copy the start of a chain into a buffer
 * @ch:		chain
 * @buf:	destination
 * @size:	its size
 *
 * Return: bytes copied, SIZE_MAX if the chain is longer than @size
 */
static size_t vu_chain_read(const struct vq_chain *ch, uint8_t *buf,
			    size_t size)
{
	size_t off = 0;
	unsigned int i;

	if (ch->len > size)
		return SIZE_MAX;
	for (i = 0; i < ch->n; i++) {
		memcpy(buf + off, ch->iov[i].iov_base, ch->iov[i].iov_len);
		off += ch->iov[i].iov_len;
	}
	return off;
}

/**
 * vu_tx() - frames the guest sent: dispatch them, return the chains
 * @c:		execution context
 */
void vu_tx(struct ctx *c)
{
	struct vu_queue *q = &vu_dev.q[VU_TX];
	static struct vq_chain ch;
	int i;

	if (!vu_queue_ready(q))
		return;

	for (i = 0; i < VU_TX_BATCH; i++) {
		int rc = vq_pop(&q->vq, &vu_dev.mem, false, &ch);
		size_t len;

		if (rc < 0) {
			vu_queue_broken(q, "transmit");
			break;
		}
		if (!rc)
			break;

		len = vu_chain_read(&ch, vu_tx_buf, sizeof(vu_tx_buf));
		c->stats.frames_in++;
		if (len == SIZE_MAX || len < vu_dev.hdr_len + 14)
			c->stats.malformed++;
		else
			tap_frame_in(c, vu_tx_buf + vu_dev.hdr_len,
				     len - vu_dev.hdr_len);
		vq_push(&q->vq, ch.head, 0);
		if (c->fd_tap < 0)
			return;		/* front-end gone meanwhile */
	}

	if (vq_publish(&q->vq))
		vu_signal(q);

	/* More left: come back after the other events */
	if (i == VU_TX_BATCH && q->kick_fd >= 0) {
		uint64_t one = 1;

		if (write(q->kick_fd, &one, sizeof(one)) < 0)
			log_debug("vhost-user: self-kick: %s", strerror(errno));
	}

	tcp_flush(c);
}

/**
 * vu_chain_fill() - write the next bytes of a frame into a chain
 * @ch:		chain
 * @src:	header and frame
 * @si:		index of the next source element, updated
 * @so:		offset in it, updated
 *
 * Return: bytes written
 */
static size_t vu_chain_fill(const struct vq_chain *ch, const struct iovec *src,
			    unsigned int *si, size_t *so)
{
	size_t written = 0;
	unsigned int i;

	for (i = 0; i < ch->n && *si < 2; i++) {
		size_t off = 0;

		while (off < ch->iov[i].iov_len && *si < 2) {
			size_t k = MIN(ch->iov[i].iov_len - off,
				       src[*si].iov_len - *so);

			memcpy((uint8_t *)ch->iov[i].iov_base + off,
			       (const uint8_t *)src[*si].iov_base + *so, k);
			off += k;
			*so += k;
			written += k;
			if (*so == src[*si].iov_len) {
				(*si)++;
				*so = 0;
			}
		}
	}
	return written;
}

/**
 * vu_set_num_buffers() - write num_buffers into the header of a frame
 * @ch:		first chain of the frame
 * @n:		chains it took
 */
static void vu_set_num_buffers(const struct vq_chain *ch, uint16_t n)
{
	uint8_t v[2] = { (uint8_t)n, (uint8_t)(n >> 8) };	/* LE */
	size_t off = VU_HDR_NUM_BUFFERS;
	unsigned int i, k = 0;

	for (i = 0; i < ch->n && k < 2; i++) {
		size_t len = ch->iov[i].iov_len;

		while (off < len && k < 2)
			((uint8_t *)ch->iov[i].iov_base)[off++] = v[k++];
		off -= MIN(off, len);
	}
}

/**
 * vu_send_frames() - send frames to the guest through the receive queue
 * @c:		execution context
 * @frames:	one element per frame, each a complete Ethernet frame
 * @n:		number of frames
 *
 * Return: number of frames sent; the others are dropped and counted
 */
size_t vu_send_frames(struct ctx *c, const struct iovec *frames, size_t n)
{
	static uint16_t heads[VQ_SIZE_MAX];
	static uint32_t lens[VQ_SIZE_MAX];
	static struct vq_chain first, ch;
	struct vu_queue *q = &vu_dev.q[VU_RX];
	static uint8_t hdr[VU_HDR_MAX];
	size_t sent;

	if (!vu_queue_ready(q))
		goto out;

	hdr[0] = vu_dev.csum_valid ? VU_HDR_F_DATA_VALID : 0;

	for (sent = 0; sent < n; sent++) {
		struct iovec src[2] = {
			{ .iov_base = (void *)hdr, .iov_len = vu_dev.hdr_len },
			frames[sent],
		};
		size_t so = 0, total = vu_dev.hdr_len + frames[sent].iov_len;
		unsigned int si = 0, nch = 0, i;
		size_t done = 0;

		while (done < total) {
			struct vq_chain *cur = nch ? &ch : &first;
			int rc;

			if (nch && (!vu_dev.mrg_rxbuf || nch >= q->num))
				break;
			rc = vq_pop(&q->vq, &vu_dev.mem, true, cur);
			if (rc < 0) {
				vq_unpop(&q->vq, nch);
				vu_queue_broken(q, "receive");
				goto out_publish;
			}
			if (!rc)
				break;
			heads[nch] = cur->head;
			lens[nch] = (uint32_t)vu_chain_fill(cur, src, &si, &so);
			done += lens[nch];
			nch++;
		}

		if (done < total) {
			/* No room for all of it: give the chains back */
			vq_unpop(&q->vq, nch);
			break;
		}

		if (vu_dev.hdr_len >= VU_HDR_NUM_BUFFERS + 2)
			vu_set_num_buffers(&first, (uint16_t)nch);
		for (i = 0; i < nch; i++)
			vq_push(&q->vq, heads[i], lens[i]);
		pcap_frame(frames[sent].iov_base, frames[sent].iov_len);
	}

out_publish:
	if (vq_publish(&q->vq))
		vu_signal(q);
	c->stats.frames_out += sent;
	c->stats.frames_dropped_out += n - sent;
	vu_dev.dropped_rx += n - sent;
	return sent;

out:
	c->stats.frames_dropped_out += n;
	vu_dev.dropped_rx += n;
	return 0;
}

/**
 * vu_room() - bytes of frames the guest's receive buffers take now
 * @c:		execution context
 *
 * The chains the guest made available are walked (with the usual checks)
 * and given back. Each frame also needs a header.
 *
 * Return: bytes, 0 if the queue isn't usable
 */
size_t vu_room(const struct ctx *c)
{
	struct vu_queue *q = &vu_dev.q[VU_RX];
	static struct vq_chain ch;
	unsigned int n;
	size_t room = 0;

	(void)c;
	if (!vu_queue_ready(q))
		return 0;

	for (n = 0; n < VU_ROOM_CHAINS; n++) {
		int rc = vq_pop(&q->vq, &vu_dev.mem, true, &ch);

		if (rc <= 0) {
			if (rc < 0) {
				vq_unpop(&q->vq, n);
				vu_queue_broken(q, "receive");
				return 0;
			}
			break;
		}
		room += ch.len > vu_dev.hdr_len ? ch.len - vu_dev.hdr_len : 0;
		if (!vu_dev.mrg_rxbuf) {
			n++;
			break;
		}
	}
	vq_unpop(&q->vq, n);
	return room;
}

/**
 * vu_wait_writable() - a sender needs room: wake it when buffers come
 * @c:		execution context
 */
void vu_wait_writable(struct ctx *c)
{
	(void)c;
	vu_dev.writers_waiting = true;
}

/**
 * vu_rx_buffers() - the guest added receive buffers: resume senders
 * @c:		execution context
 */
void vu_rx_buffers(struct ctx *c)
{
	if (!vu_dev.writers_waiting || !vu_queue_ready(&vu_dev.q[VU_RX]))
		return;
	vu_dev.writers_waiting = false;
	tcp_tap_writable(c);
}
