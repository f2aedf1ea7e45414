// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vu_net.c - vhost-user: Ethernet frames in and out of the virtqueues
 *
 * Theory of operation
 *
 * Every frame in either direction has a virtio-net header in front of it
 * (virtio 1.x, 5.1.6): 12 bytes with VIRTIO_F_VERSION_1 or MRG_RXBUF, 10
 * without. We offer no transmit offloads, so on transmit we skip it. On
 * receive we write zeroes, except num_buffers and, if the guest took
 * VIRTIO_NET_F_GUEST_CSUM, the checksum flags (vu_hdr_flags()): a TCP
 * segment built with only the pseudo-header sum (tap_l4_csum() false) is
 * marked VIRTIO_NET_HDR_F_NEEDS_CSUM, with csum_start and csum_offset
 * pointing at its TCP header and checksum field, so that the guest
 * completes the sum if it forwards the segment (and trusts it if it's the
 * destination, as Linux does for CHECKSUM_PARTIAL); every other frame has
 * correct checksums, as we computed them, and is marked DATA_VALID.
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
 * told beforehand how much fits (vu_room()), so this is rare. A chain too
 * short to start a frame, shorter than the virtio-net header (zero-length
 * descriptors only, say), goes back at once, used and empty, and counted
 * (vu_short_chain()): keeping it would stall the queue. Senders that
 * found no room ask to be woken up (vu_wait_writable()): when the guest
 * adds buffers it kicks the receive queue, and we resume them.
 *
 * Lending (vu_lend(), see tap_lend()): for bulk data, a sender borrows the
 * receive chains themselves, and the kernel copies the data from its socket
 * straight into guest memory. Each frame starts a new chain, whose first
 * buffer must hold the virtio-net header and the sender's headers in one
 * piece; the payload follows in the rest of that chain and, with
 * MRG_RXBUF, in as many further chains as it needs (without, the chain's
 * size bounds the frame). Every chain is taken with vq_pop(), so every
 * address handed out was checked against the memory table, as read once
 * from the descriptors: if the guest rewrites them meanwhile, we still only
 * write where the checked copy pointed, inside its memory. Chains are
 * taken in ring order and a read fills the frames in order, so at commit
 * the chains not written to are the last ones taken, and go back with
 * vq_unpop(). If the first chain offered can't hold the headers (a guest
 * that splits the virtio-net header off, as legacy drivers did), buffers
 * of ours are lent instead, and the frames are copied as above.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conf/ctx.h"
#include "flow/tcp.h"
#include "frontend/pcap.h"
#include "frontend/tap.h"
#include "frontend/vhost_user.h"
#include "wire/vnet.h"
#include "svc/dispatch.h"
#include "util/log.h"
#include "util/util.h"

#define VU_TX_BATCH		256	/* chains from the guest per wake-up */
#define VU_HDR_MAX		12
#define VU_HDR_NUM_BUFFERS	10	/* offset of num_buffers */
#define VU_HDR_CSUM_START	6	/* offset of csum_start (le16) */
#define VU_HDR_CSUM_OFFSET	8	/* offset of csum_offset (le16) */
#define VU_ROOM_CHAINS		VQ_SIZE_MAX	/* looked at by vu_room() */

/* A frame from the guest, with its header */
static uint8_t vu_tx_buf[VU_HDR_MAX + FRAME_MAX];

/**
 * struct vu_lent - receive chains lent out by vu_lend(), in the order taken
 * @chains:	chains taken
 * @head:	head index of each
 * @cap:	bytes of its frame each chain takes, virtio-net header included
 * @first:	index of the first chain of each frame, then @chains
 */
static struct vu_lent {
	unsigned int chains;
	uint16_t head[VQ_SIZE_MAX];
	size_t cap[VQ_SIZE_MAX];
	unsigned int first[TAP_LEND_FRAMES + 1];
} vu_lent;

/* A frame lent, gathered for the capture */
static uint8_t vu_pcap_buf[FRAME_MAX];

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
 * vu_hdr_flags() - checksum flags of the virtio-net header for a frame
 * @c:		execution context
 * @vh:		virtio-net header in front of the frame, zeroed
 * @frame:	start of the frame (at least its headers)
 * @len:	bytes of the frame at @frame
 *
 * Without VIRTIO_NET_F_GUEST_CSUM, the flags stay 0 and every frame carries
 * complete checksums (tap_l4_csum() is true). With it, a TCP segment whose
 * checksum field holds only the pseudo-header sum gets NEEDS_CSUM and where
 * to complete it; anything else is checksummed, and DATA_VALID.
 */
static void vu_hdr_flags(const struct ctx *c, uint8_t *vh, const uint8_t *frame,
			 size_t len)
{
	struct vnet_hdr h;

	if (!vu_dev.csum_valid)
		return;

	vnet_hdr_for_frame(&h, frame, len, !tap_l4_csum(c));
	if (!(h.flags & VNET_F_NEEDS_CSUM)) {
		vh[0] = VNET_F_DATA_VALID;
		return;
	}
	vh[0] = VNET_F_NEEDS_CSUM;
	vh[VU_HDR_CSUM_START] = (uint8_t)h.csum_start;
	vh[VU_HDR_CSUM_START + 1] = (uint8_t)(h.csum_start >> 8);
	vh[VU_HDR_CSUM_OFFSET] = (uint8_t)h.csum_offset;
	vh[VU_HDR_CSUM_OFFSET + 1] = (uint8_t)(h.csum_offset >> 8);
}

/**
 * vu_short_chain() - count, and log now and then, a receive chain that can't
 *		      start a frame
 * @ch:		the chain, shorter than the virtio-net header (made of
 *		zero-length descriptors, say)
 *
 * Such a chain can't take a frame's header in one piece, and with merged
 * buffers num_buffers would have nowhere to go: the guest's driver would
 * read the frame's first buffer as a runt and the next one as a frame with a
 * wrong count. It goes back used and empty (a driver drops a buffer shorter
 * than the header), and the frame goes to the next chain: waiting for the
 * guest to replace it would stall the queue for good.
 */
static void vu_short_chain(const struct vq_chain *ch)
{
	uint64_t n = ++vu_dev.short_rx;

	if (!(n & (n - 1)))	/* 1, 2, 4, 8... */
		log_warn("vhost-user: receive chain %u holds %zu bytes, less "
			 "than the %u-byte header: returned empty (%llu so "
			 "far)", ch->head, ch->len, vu_dev.hdr_len,
			 (unsigned long long)n);
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

	for (sent = 0; sent < n; sent++) {
		struct iovec src[2] = {
			{ .iov_base = (void *)hdr, .iov_len = vu_dev.hdr_len },
			frames[sent],
		};
		size_t so = 0, total = vu_dev.hdr_len + frames[sent].iov_len;
		unsigned int si = 0, nch = 0, i;
		size_t done = 0;

		memset(hdr, 0, sizeof(hdr));
		vu_hdr_flags(c, hdr, frames[sent].iov_base,
			     frames[sent].iov_len);
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
			if (!nch && cur->len < vu_dev.hdr_len) {
				vu_short_chain(cur);
				vq_push(&q->vq, cur->head, 0);
				continue;
			}
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
		c->stats.bytes_out += frames[sent].iov_len;
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

/**
 * vu_lend_pop() - take the next receive chain for lending
 * @q:		receive queue
 * @ch:		filled with the chain
 * @iovcnt:	payload buffers lent so far
 *
 * Return: 1 with @ch taken, 0 if none is available or its buffers wouldn't
 *	   fit in what's left of a struct tap_lend, -1 if the ring is broken
 */
static int vu_lend_pop(struct vu_queue *q, struct vq_chain *ch,
		       unsigned int iovcnt)
{
	int rc;

	if (vu_lent.chains >= VQ_SIZE_MAX)
		return 0;
	rc = vq_pop(&q->vq, &vu_dev.mem, true, ch);
	if (rc <= 0)
		return rc;
	if (iovcnt + ch->n > TAP_LEND_IOV) {
		vq_unpop(&q->vq, 1);
		return 0;
	}
	vu_lent.head[vu_lent.chains] = ch->head;
	vu_lent.cap[vu_lent.chains] = 0;
	vu_lent.chains++;
	return 1;
}

/**
 * vu_lend_append() - add the buffers of a chain to the payload lent
 * @ch:		chain, taken with vu_lend_pop()
 * @skip:	bytes at its start that aren't payload (headers)
 * @want:	payload bytes still wanted for the frame
 * @l:		lent buffers, updated
 * @iovcnt:	payload buffers in @l, updated
 *
 * Return: payload bytes added
 */
static size_t vu_lend_append(const struct vq_chain *ch, size_t skip,
			     size_t want, struct tap_lend *l,
			     unsigned int *iovcnt)
{
	size_t got = 0;
	unsigned int i;

	for (i = 0; i < ch->n && got < want; i++) {
		size_t len = ch->iov[i].iov_len, k;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		k = MIN(len - skip, want - got);
		l->iov[*iovcnt].iov_base = (uint8_t *)ch->iov[i].iov_base + skip;
		l->iov[*iovcnt].iov_len = k;
		(*iovcnt)++;
		got += k;
		skip = 0;
	}
	return got;
}

/**
 * vu_lend() - lend the guest's receive buffers for frames, see tap_lend()
 * @c:		execution context
 * @l:		filled with the buffers
 * @hdr_len:	header bytes in front of each payload
 * @frame_len:	payload bytes per frame, at most
 * @total:	payload bytes wanted
 *
 * Return: payload bytes lent, 0 if none
 */
size_t vu_lend(struct ctx *c, struct tap_lend *l, size_t hdr_len,
	       size_t frame_len, size_t total)
{
	struct vu_queue *q = &vu_dev.q[VU_RX];
	size_t head_len = vu_dev.hdr_len + hdr_len, lent = 0;
	static struct vq_chain ch;
	unsigned int iovcnt = 0;

	vu_lent.chains = 0;
	vu_lent.first[0] = 0;
	l->n = 0;
	l->own = false;
	l->hdr_len = hdr_len;
	l->first[0] = 0;
	if (!vu_queue_ready(q))
		return 0;

	while (l->n < TAP_LEND_FRAMES && lent < total) {
		size_t want = MIN(frame_len, total - lent), have;
		unsigned int f = l->n;
		int rc = vu_lend_pop(q, &ch, iovcnt);

		if (rc < 0)
			goto broken;
		if (!rc)
			break;
		if (!ch.n || ch.iov[0].iov_len < head_len ||
		    (!vu_dev.mrg_rxbuf && ch.len <= head_len)) {
			/* No room for the headers in one piece (a chain of
			 * zero-length descriptors has no buffer at all: its
			 * iov[0] would be a previous chain's)
			 */
			vq_unpop(&q->vq, 1);
			vu_lent.chains--;
			if (!f)
				return tap_lend_own(l, hdr_len, frame_len,
						    total, vu_room(c), 0);
			break;
		}

		l->hdr[f] = (uint8_t *)ch.iov[0].iov_base + vu_dev.hdr_len;
		if (!vu_dev.mrg_rxbuf)
			want = MIN(want, ch.len - head_len);
		have = vu_lend_append(&ch, head_len, want, l, &iovcnt);
		vu_lent.cap[vu_lent.chains - 1] = head_len + have;
		while (have < want && vu_dev.mrg_rxbuf) {
			size_t k;

			rc = vu_lend_pop(q, &ch, iovcnt);
			if (rc < 0)
				goto broken;
			if (!rc)
				break;
			k = vu_lend_append(&ch, 0, want - have, l, &iovcnt);
			vu_lent.cap[vu_lent.chains - 1] = k;
			have += k;
		}

		if (!have) {
			/* Not a byte of payload fits: give its chains back */
			vq_unpop(&q->vq, vu_lent.chains - vu_lent.first[f]);
			vu_lent.chains = vu_lent.first[f];
			iovcnt = l->first[f];
			break;
		}
		l->cap[f] = have;
		lent += have;
		l->n++;
		l->first[l->n] = iovcnt;
		vu_lent.first[l->n] = vu_lent.chains;
		if (have < want)
			break;		/* ring ran dry */
	}
	return lent;

broken:
	vq_unpop(&q->vq, vu_lent.chains);
	vu_lent.chains = 0;
	l->n = 0;
	vu_queue_broken(q, "receive");
	return 0;
}

/**
 * vu_lend_pcap() - record a frame lent and filled
 * @l:		lent buffers
 * @f:		frame
 * @len:	its payload bytes
 */
static void vu_lend_pcap(const struct tap_lend *l, unsigned int f, size_t len)
{
	size_t off = l->hdr_len;
	unsigned int i;

	memcpy(vu_pcap_buf, l->hdr[f], l->hdr_len);
	for (i = l->first[f]; i < l->first[f + 1] && len; i++) {
		size_t k = MIN(len, l->iov[i].iov_len);

		memcpy(vu_pcap_buf + off, l->iov[i].iov_base, k);
		off += k;
		len -= k;
	}
	pcap_frame(vu_pcap_buf, off);
}

/**
 * vu_lend_commit() - hand frames lent by vu_lend() to the guest
 * @c:		execution context
 * @l:		lent buffers
 * @n:		frames to send, from the first one
 * @len:	payload bytes of each
 *
 * Each frame's chains go to the used ring with the bytes written in each,
 * and its virtio-net header says how many chains it took. The chains after
 * those of the last frame sent go back to the available ring. A frame that
 * isn't the last one but wasn't filled keeps all its chains (the ones not
 * written to, with length 0), as only the last ones can be given back.
 *
 * Return: @n, frames sent
 */
size_t vu_lend_commit(struct ctx *c, struct tap_lend *l, unsigned int n,
		      const size_t *len)
{
	struct vu_queue *q = &vu_dev.q[VU_RX];
	size_t vh_len = vu_dev.hdr_len;
	unsigned int f, k = 0;

	for (f = 0; f < n; f++) {
		size_t plen = MIN(len[f], l->cap[f]);
		size_t left = vh_len + l->hdr_len + plen;
		uint8_t *vh = l->hdr[f] - vh_len;
		unsigned int nbuf;

		for (k = vu_lent.first[f]; k < vu_lent.first[f + 1]; k++) {
			size_t used = MIN(left, vu_lent.cap[k]);

			if (!used && f == n - 1)
				break;
			vq_push(&q->vq, vu_lent.head[k], (uint32_t)used);
			left -= used;
		}
		nbuf = k - vu_lent.first[f];

		c->stats.bytes_out += l->hdr_len + plen;
		memset(vh, 0, vh_len);
		vu_hdr_flags(c, vh, l->hdr[f], l->hdr_len);
		if (vh_len >= VU_HDR_NUM_BUFFERS + 2) {
			vh[VU_HDR_NUM_BUFFERS] = (uint8_t)nbuf;
			vh[VU_HDR_NUM_BUFFERS + 1] = (uint8_t)(nbuf >> 8);
		}
		if (pcap_active())
			vu_lend_pcap(l, f, plen);
	}

	vq_unpop(&q->vq, vu_lent.chains - k);
	vu_lent.chains = 0;
	l->n = 0;
	if (vq_publish(&q->vq))
		vu_signal(q);
	c->stats.frames_out += n;
	return n;
}
