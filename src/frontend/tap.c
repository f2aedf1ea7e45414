// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tap.c - frames in and out: qemu's stream socket (passt), tap device (pasta)
 *
 * Theory of operation: this module knows framing, not IP.
 *
 * passt: qemu connects to a UNIX stream socket (-netdev stream) and each
 * Ethernet frame travels behind a 4-byte, big-endian length. We read as much
 * as the socket has into one static buffer, walk the complete frames in it,
 * and keep a trailing partial frame for the next read by moving it to the
 * start of the buffer. A length that can't be an Ethernet frame means we lost
 * the framing: there's no way to find the next frame boundary again, so the
 * client is disconnected. Only one client is served at a time: further
 * connections are accepted and closed at once. Once the client goes away,
 * flow_guest_gone() closes every flow it had (its TCP peers see a reset),
 * so that nothing of it reaches the next client, which may then connect,
 * unless --one-off was given.
 *
 * pasta: the tap device returns one frame per read() and takes one frame per
 * write(). Reads are batched per wake-up, up to a bound, so a busy guest
 * can't starve the rest of the loop. The frames of a wake-up go one after
 * the other in the buffer and stay there until the end of the batch, so
 * that UDP can send a flow's datagrams together (udp_batch_begin(),
 * udp_flush()); the stream socket's frames stay in its buffer until the
 * walk through them is done, too. The device has a virtio-net header
 * (IFF_VNET_HDR, wire/vnet.c) in front of every frame, set up by
 * tap_dev_offload(): it lets our TCP segments go with the pseudo-header
 * sum only (NEEDS_CSUM, see tap_l4_csum()), and the namespace's
 * kernel hand us TCP and UDP frames without computing their checksums
 * (TUN_F_CSUM) and TCP super-frames of up to IP_PKT_MAX bytes whatever the
 * MTU (TUN_F_TSO4, TUN_F_TSO6). A header that doesn't match what we enabled
 * drops its frame (counted as malformed and as bad_vnet).
 *
 * Output: tap_send_frames() takes many frames at once. On the stream, they
 * go out in a single sendmsg() with the length headers interleaved. Senders
 * of bulk data first ask tap_room() how much the socket takes without
 * blocking, and send no more than that; if it's not enough, they ask to be
 * woken up (tap_wait_writable()) and resume once the socket drains. A frame
 * the kernel still took only in part must be completed, or the stream would
 * lose its framing: its remainder is kept aside and written first, as soon
 * as the socket is writable, and nothing else is sent meanwhile. Frames not
 * taken at all are dropped and counted, as a full link would drop them.
 *
 * Every frame in either direction is passed to the pcap hook.
 *
 * Bulk senders (TCP data) may instead borrow the frame buffers first
 * (tap_lend()): they get room for the headers of each frame, in one piece,
 * and the payload buffers of all frames as one vector, read data from their
 * socket straight into them, write the headers in place, and commit the
 * frames they filled (tap_lend_commit()), which also gives the others back.
 * On the stream socket and the tap device the buffers are ours, sized by
 * tap_room(), and the commit sends them as above; with vhost-user they are
 * the guest's own receive buffers (vu_net.c), so the data is copied once,
 * by the kernel, from the socket into the guest. Nothing else may be sent
 * between the two calls.
 *
 * vhost-user (--vhost-user): the same socket, listening or given, carries
 * the vhost-user control protocol instead (vhost_user.c), and frames go
 * through virtqueues in guest memory (vu_net.c). tap_send_frames(),
 * tap_room(), tap_lend() and tap_wait_writable() hand over to vu_net.c
 * then, so that the flows never need to know which way their frames go.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/if_tun.h>
#include <linux/sock_diag.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "flow/tcp.h"
#include "flow/udp.h"
#include "frontend/pcap.h"
#include "frontend/tap.h"
#include "frontend/vhost_user.h"
#include "svc/dispatch.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"
#include "wire/vnet.h"

#define SOCK_PATH_FMT		"/tmp/passt_%i.socket"
#define SOCK_PATH_PROBE_MAX	64

#define STREAM_HDR_LEN		4
#define STREAM_BUF_SIZE		(1 << 20)
#define TAP_READ_BATCH		64	/* frames per wake-up, tap device */
#define SEND_BATCH		256	/* frames per sendmsg() */
#define STREAM_SNDBUF		(4 << 20)	/* asked, capped by wmem_max */

#define ETH_HDR_LEN		14
#define TAP_FRAME_ALIGN		64	/* frames of a batch start this aligned */

/* Receive buffer: room for a full buffer of frames plus one partial one */
static uint8_t stream_buf[STREAM_BUF_SIZE + FRAME_MAX + STREAM_HDR_LEN];
static size_t stream_have;

static uint8_t reply_buf[FRAME_MAX];

/* Frames of ours lent to senders (tap_lend_own()): headers, then payload */
static uint8_t lend_buf[TAP_LEND_FRAMES][TAP_LEND_HDR_MAX + IP_PKT_MAX];

static void tap_stream_sndbuf(int fd);
static void tap_vnet_bad(struct ctx *c, const struct vnet_hdr *h,
			 enum vnet_result rc);

/* Rest of a frame the stream socket took only in part */
static uint8_t stream_tail[FRAME_MAX + STREAM_HDR_LEN];
static size_t stream_tail_len, stream_tail_off;
static bool tap_writers_waiting;

/* pasta: the tap device has a virtio-net header (IFF_VNET_HDR), and the
 * offloads (VNET_OFF_*) we enabled on it
 */
static bool tap_vnet_hdr;
static unsigned int tap_offloads;
static struct log_limit tap_vnet_log;

/**
 * tap_sock_try() - try to bind a listening UNIX socket at a path
 * @path:	socket path
 * @probe:	true if the path is one of the default ones we probe
 *
 * An existing socket file with nobody listening is stale: remove it and take
 * the path. One with a listener belongs to another instance.
 *
 * Return: listening socket, -EADDRINUSE if taken, other -errno on failure
 */
static int tap_sock_try(const char *path, bool probe)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;

	if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -EADDRINUSE;
	}
	if (errno == ECONNREFUSED) {
		unlink(path);
	} else if (errno != ENOENT) {
		rc = -errno;
		close(fd);
		/* Not a socket we could ever use: skip it when probing */
		return probe ? -EADDRINUSE : rc;
	}
	close(fd);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 0)) {
		rc = -errno;
		close(fd);
		return rc == -EADDRINUSE && !probe ? -EADDRINUSE : rc;
	}
	return fd;
}

/**
 * tap_sock_init() - set up the passt side: listening socket, or a given one
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int tap_sock_init(struct ctx *c)
{
	int fd, i;

	if (c->vhost_user)
		vu_init();

	if (c->fd_given >= 0) {
		int flags = fcntl(c->fd_given, F_GETFL);

		if (flags < 0)
			return -errno;
		/* vhost-user reads each message whole: blocking socket */
		if (c->vhost_user)
			flags &= ~O_NONBLOCK;
		else
			flags |= O_NONBLOCK;
		if (fcntl(c->fd_given, F_SETFL, flags) < 0)
			return -errno;
		c->fd_tap = c->fd_given;
		if (c->vhost_user)
			return vu_connected(c, c->fd_tap);
		tap_stream_sndbuf(c->fd_tap);
		return 0;
	}

	if (*c->sock_path) {
		fd = tap_sock_try(c->sock_path, false);
		if (fd < 0) {
			log_err("Can't bind UNIX socket at %s: %s",
				c->sock_path, strerror(-fd));
			return fd;
		}
	} else {
		for (i = 1, fd = -EADDRINUSE; i <= SOCK_PATH_PROBE_MAX; i++) {
			snprintf(c->sock_path, sizeof(c->sock_path),
				 SOCK_PATH_FMT, i);
			fd = tap_sock_try(c->sock_path, true);
			if (fd != -EADDRINUSE)
				break;
		}
		if (fd < 0) {
			log_err("No free UNIX socket path from "
				SOCK_PATH_FMT " to " SOCK_PATH_FMT ": %s", 1,
				SOCK_PATH_PROBE_MAX, strerror(-fd));
			return fd;
		}
	}

	c->fd_tap_listen = fd;
	log_info("UNIX domain socket bound at %s", c->sock_path);
	log_info("Connect qemu (7.2 or later) with:");
	if (c->vhost_user) {
		log_info("    -chardev socket,id=c,path=%s -netdev vhost-user,"
			 "id=net0,chardev=c -device virtio-net-pci,netdev=net0",
			 c->sock_path);
		log_info("    -object memory-backend-memfd,id=m,share=on,"
			 "size=MEMSIZE -numa node,memdev=m");
		return 0;
	}
	log_info("    -netdev stream,id=net0,server=off,addr.type=unix,"
		 "addr.path=%s -device virtio-net-pci,netdev=net0",
		 c->sock_path);
	return 0;
}

/**
 * tap_stream_type() - epoll type of the connected socket or tap device
 * @c:		execution context
 *
 * Return: EPOLL_TYPE_VU_CMD, EPOLL_TYPE_TAP_STREAM or EPOLL_TYPE_TAP_DEV
 */
static enum epoll_type tap_stream_type(const struct ctx *c)
{
	if (c->mode != MODE_PASST)
		return EPOLL_TYPE_TAP_DEV;
	return c->vhost_user ? EPOLL_TYPE_VU_CMD : EPOLL_TYPE_TAP_STREAM;
}

/**
 * tap_register() - add the frontend descriptors to the epoll set
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure
 */
int tap_register(struct ctx *c)
{
	if (c->fd_tap_listen >= 0 &&
	    epoll_add_ref(c->epollfd, EPOLL_TYPE_TAP_LISTEN,
			  c->fd_tap_listen, EPOLLIN))
		return -errno;

	if (c->fd_tap >= 0 &&
	    epoll_add_ref(c->epollfd, tap_stream_type(c), c->fd_tap,
			  EPOLLIN | EPOLLRDHUP))
		return -errno;

	return 0;
}

/**
 * tap_client_gone() - the qemu client disconnected or broke the framing
 * @c:		execution context
 */
void tap_client_gone(struct ctx *c)
{
	unsigned int n;

	if (c->vhost_user)
		vu_reset(c);
	epoll_ctl(c->epollfd, EPOLL_CTL_DEL, c->fd_tap, NULL);
	close(c->fd_tap);
	c->fd_tap = -1;
	stream_have = 0;
	stream_tail_len = stream_tail_off = 0;
	tap_writers_waiting = false;
	memset(&c->seen, 0, sizeof(c->seen));

	/* Nothing of this guest's flows may reach the next client */
	n = flow_guest_gone(c);
	if (n)
		log_info("Closed %u flows of the client", n);

	if (c->one_off) {
		log_info("Client closed connection, exiting");
		exit(EXIT_SUCCESS);
	}
	log_info("Client closed connection, waiting for the next one");
}

/**
 * tap_stream_sndbuf() - ask for a large send buffer on the stream socket
 * @fd:		connected socket
 *
 * The kernel caps what we get at net.core.wmem_max, but a few frames of
 * 64 KiB more in flight make a difference.
 */
static void tap_stream_sndbuf(int fd)
{
	int size = STREAM_SNDBUF;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/**
 * tap_listen_handler() - accept a qemu connection, or refuse a second one
 * @c:		execution context
 *
 * #syscalls:passt accept4
 */
void tap_listen_handler(struct ctx *c)
{
	int fd = accept4(c->fd_tap_listen, NULL, NULL, SOCK_CLOEXEC |
			 (c->vhost_user ? 0 : SOCK_NONBLOCK));

	if (fd < 0)
		return;

	if (c->fd_tap >= 0) {
		log_info("Refusing a second client: one is connected");
		close(fd);
		return;
	}

	if (c->vhost_user) {
		int rc = vu_connected(c, fd);

		if (rc) {
			log_err("vhost-user: can't set up the socket: %s",
				strerror(-rc));
			close(fd);
			return;
		}
	}
	c->fd_tap = fd;
	stream_have = 0;
	if (!c->vhost_user)
		tap_stream_sndbuf(fd);
	if (epoll_add_ref(c->epollfd, tap_stream_type(c), fd,
			  EPOLLIN | EPOLLRDHUP)) {
		log_perror("epoll_ctl");
		close(fd);
		c->fd_tap = -1;
		return;
	}
	log_info("Client connected");
}

/**
 * tap_stream_events() - set the epoll events of the connected stream socket
 * @c:		execution context
 * @out:	also wait for EPOLLOUT
 */
static void tap_stream_events(const struct ctx *c, bool out)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP_STREAM, .fd = c->fd_tap };
	struct epoll_event ev = { .data.u64 = ref.u64,
				  .events = EPOLLIN | EPOLLRDHUP };

	if (out)
		ev.events |= EPOLLOUT;
	epoll_ctl(c->epollfd, EPOLL_CTL_MOD, c->fd_tap, &ev);
}

/**
 * tap_flush_tail() - write what's left of a partly sent frame
 * @c:		execution context
 *
 * Return: true if nothing is left, false if some still waits for room
 */
static bool tap_flush_tail(struct ctx *c)
{
	while (stream_tail_off < stream_tail_len) {
		ssize_t n = send(c->fd_tap, stream_tail + stream_tail_off,
				 stream_tail_len - stream_tail_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		stream_tail_off += n;
	}
	stream_tail_len = stream_tail_off = 0;
	return true;
}

/**
 * tap_keep_tail() - keep the unsent rest of a frame, to send it first
 * @c:		execution context
 * @iov:	what's left of the frame: the rest of its length header,
 *		if any, and of its data
 * @iovcnt:	elements in @iov, 1 or 2
 */
static void tap_keep_tail(struct ctx *c, const struct iovec *iov, int iovcnt)
{
	int i;

	stream_tail_len = stream_tail_off = 0;
	for (i = 0; i < iovcnt; i++) {
		memcpy(stream_tail + stream_tail_len, iov[i].iov_base,
		       iov[i].iov_len);
		stream_tail_len += iov[i].iov_len;
	}
	tap_stream_events(c, true);
}

/**
 * tap_room() - bytes of frames the guest link takes now without blocking
 * @c:		execution context
 *
 * For the stream socket, that's the free part of its send buffer, counted
 * conservatively: the kernel accounts buffer memory, not payload. A tap
 * device doesn't block.
 *
 * Both figures come from one SO_MEMINFO: the send buffer size, and what's
 * queued in it (the SIOCOUTQ figure of a UNIX stream socket), so that
 * passt needs no ioctl() after start-up.
 *
 * Return: bytes, SIZE_MAX for no limit
 */
size_t tap_room(const struct ctx *c)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t sl = sizeof(mem);
	uint32_t sndbuf, outq;

	if (c->fd_tap < 0)
		return 0;
	if (c->mode != MODE_PASST)
		return SIZE_MAX;
	if (c->vhost_user)
		return vu_room(c);
	if (stream_tail_len)
		return 0;
	if (getsockopt(c->fd_tap, SOL_SOCKET, SO_MEMINFO, mem, &sl) ||
	    sl <= sizeof(mem[0]) * MAX(SK_MEMINFO_SNDBUF,
				       SK_MEMINFO_WMEM_ALLOC))
		return 0;
	sndbuf = mem[SK_MEMINFO_SNDBUF];
	outq = mem[SK_MEMINFO_WMEM_ALLOC];
	if (outq >= sndbuf)
		return 0;
	return (size_t)(sndbuf - outq) / 4 * 3;
}

/**
 * tap_lend_own() - lend frame buffers of ours
 * @l:		filled with the buffers
 * @hdr_len:	header bytes in front of each payload, TAP_LEND_HDR_MAX at most
 * @frame_len:	payload bytes per frame
 * @total:	payload bytes wanted, over all frames
 * @room:	bytes the link takes now, SIZE_MAX for no limit
 * @overhead:	bytes the link adds to each frame (framing)
 *
 * Return: payload bytes lent; 0 if the link hasn't room for one whole frame
 */
size_t tap_lend_own(struct tap_lend *l, size_t hdr_len, size_t frame_len,
		    size_t total, size_t room, size_t overhead)
{
	size_t lent = 0, frames = TAP_LEND_FRAMES;

	l->n = 0;
	l->own = true;
	l->hdr_len = hdr_len;
	l->first[0] = 0;
	frame_len = MIN(frame_len, (size_t)IP_PKT_MAX);
	if (hdr_len > TAP_LEND_HDR_MAX || !frame_len)
		return 0;
	if (room != SIZE_MAX)
		frames = MIN(frames, room / (frame_len + hdr_len + overhead));

	while (l->n < frames && lent < total) {
		uint8_t *payload = lend_buf[l->n] + TAP_LEND_HDR_MAX;
		size_t cap = MIN(frame_len, total - lent);

		l->hdr[l->n] = payload - hdr_len;
		l->cap[l->n] = cap;
		l->iov[l->n].iov_base = payload;
		l->iov[l->n].iov_len = cap;
		lent += cap;
		l->n++;
		l->first[l->n] = l->n;
	}
	return lent;
}

/**
 * tap_lend() - lend buffers for frames to the guest, to fill in place
 * @c:		execution context
 * @l:		filled with the buffers
 * @hdr_len:	header bytes in front of each payload, TAP_LEND_HDR_MAX at most
 * @frame_len:	payload bytes per frame, at most: a frame may take less
 *		(see @l->cap)
 * @total:	payload bytes wanted, over all frames
 *
 * Only as much as the link to the guest takes now is lent. Until the
 * buffers are committed or given back (tap_lend_commit()), nothing else may
 * be sent to the guest.
 *
 * Return: payload bytes lent, 0 if none: then tap_wait_writable() applies
 */
size_t tap_lend(struct ctx *c, struct tap_lend *l, size_t hdr_len,
		size_t frame_len, size_t total)
{
	l->n = 0;
	l->first[0] = 0;
	if (c->fd_tap < 0 || hdr_len > TAP_LEND_HDR_MAX || !frame_len ||
	    !total)
		return 0;
	if (c->vhost_user)
		return vu_lend(c, l, hdr_len, frame_len, total);
	return tap_lend_own(l, hdr_len, frame_len, total, tap_room(c),
			    c->mode == MODE_PASST ? STREAM_HDR_LEN : 0);
}

/**
 * tap_lend_commit() - send the first frames lent, give the others back
 * @c:		execution context
 * @l:		buffers from tap_lend()
 * @n:		frames to send, from the first one, @l->n at most
 * @len:	payload bytes of each frame, at most its @l->cap; all but the
 *		last one should be full, as a read fills them
 *
 * Return: frames sent; the others of the @n are dropped and counted
 */
size_t tap_lend_commit(struct ctx *c, struct tap_lend *l, unsigned int n,
		       const size_t *len)
{
	static struct iovec out[TAP_LEND_FRAMES];
	unsigned int i;

	n = MIN(n, l->n);
	if (!l->own)
		return vu_lend_commit(c, l, n, len);

	for (i = 0; i < n; i++) {
		out[i].iov_base = l->hdr[i];
		out[i].iov_len = l->hdr_len + MIN(len[i], l->cap[i]);
	}
	l->n = 0;
	return n ? tap_send_frames(c, out, n) : 0;
}

/**
 * tap_l4_csum() - do frames to the guest need complete TCP checksums?
 * @c:		execution context
 *
 * A frontend that tells the guest its frames are checksummed already
 * (vhost-user with VIRTIO_NET_F_GUEST_CSUM, vu_net.c), or asks it to
 * complete them (pasta's tap device with its virtio-net header, wire/vnet.c)
 * spares the builders the checksum over the payload. Builders getting false
 * leave the folded, not inverted, pseudo-header sum in the TCP checksum
 * field instead, as Linux does for CHECKSUM_PARTIAL. qemu's stream socket
 * carries no such header: always true there.
 *
 * While a capture is written, checksums are always filled in, so that the
 * capture shows frames exactly as valid as they are.
 *
 * Return: true if TCP checksums must be complete, false if the pseudo-header
 *	   sum is enough
 */
bool tap_l4_csum(const struct ctx *c)
{
	if (pcap_active())
		return true;
	if (c->mode != MODE_PASST)
		return !tap_vnet_hdr;
	if (c->vhost_user)
		return !vu_dev.csum_valid;
	return true;
}

/**
 * tap_wait_writable() - a sender needs room: wake it up when there is some
 * @c:		execution context
 *
 * Once the stream socket drains, tcp_tap_writable() resumes the senders.
 */
void tap_wait_writable(struct ctx *c)
{
	if (c->vhost_user) {
		vu_wait_writable(c);
		return;
	}
	if (c->mode != MODE_PASST || c->fd_tap < 0 || tap_writers_waiting)
		return;
	tap_writers_waiting = true;
	tap_stream_events(c, true);
}

/**
 * tap_stream_writable() - the stream socket has room again
 * @c:		execution context
 */
static void tap_stream_writable(struct ctx *c)
{
	if (!tap_flush_tail(c))
		return;
	tap_stream_events(c, false);
	if (tap_writers_waiting) {
		tap_writers_waiting = false;
		tcp_tap_writable(c);
	}
}

/**
 * tap_send_stream() - send frames on the qemu stream socket, one sendmsg()
 * @c:		execution context
 * @frames:	one element per frame
 * @n:		number of frames, at most SEND_BATCH
 *
 * Return: number of frames sent whole
 */
static size_t tap_send_stream(struct ctx *c, const struct iovec *frames,
			      size_t n)
{
	static uint32_t hdr[SEND_BATCH];
	static struct iovec iov[SEND_BATCH * 2];
	struct msghdr mh = { .msg_iov = iov };
	size_t i, done;
	ssize_t sent;

	if (stream_tail_len && !tap_flush_tail(c))
		return 0;

	for (i = 0; i < n; i++) {
		hdr[i] = htonl((uint32_t)frames[i].iov_len);
		iov[i * 2].iov_base = &hdr[i];
		iov[i * 2].iov_len = STREAM_HDR_LEN;
		iov[i * 2 + 1] = frames[i];
	}
	mh.msg_iovlen = n * 2;

	sent = sendmsg(c->fd_tap, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sent < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_debug("Stream write failed: %s", strerror(errno));
		return 0;
	}

	/* Find how many frames went out whole, and keep the rest of a
	 * partial one to send it first
	 */
	for (i = 0, done = 0; i < n * 2; i++) {
		if ((size_t)sent < iov[i].iov_len) {
			iov[i].iov_base = (char *)iov[i].iov_base + sent;
			iov[i].iov_len -= sent;
			if (sent || (i & 1)) {
				int end = (i & 1) ? i + 1 : i + 2;

				tap_keep_tail(c, iov + i, end - i);
				done++;
			}
			break;
		}
		sent -= iov[i].iov_len;
		if (i & 1)
			done++;
	}
	return done;
}

/**
 * tap_dev_write() - write one frame to pasta's tap device
 * @c:		execution context
 * @frame:	Ethernet frame
 * @partial:	TCP checksums hold the pseudo-header sum only
 *
 * #syscalls:pasta write writev
 *
 * Return: what write() or writev() returned
 */
static ssize_t tap_dev_write(const struct ctx *c, const struct iovec *frame,
			     bool partial)
{
	struct vnet_hdr h;
	struct iovec iov[2];

	if (!tap_vnet_hdr)
		return write(c->fd_tap, frame->iov_base, frame->iov_len);

	vnet_hdr_for_frame(&h, frame->iov_base, frame->iov_len, partial);
	iov[0].iov_base = &h;
	iov[0].iov_len = VNET_HDR_LEN;
	iov[1] = *frame;
	return writev(c->fd_tap, iov, 2);
}

/**
 * tap_send_frames() - send frames to the guest
 * @c:		execution context
 * @frames:	one element per frame, each a complete Ethernet frame
 * @n:		number of frames
 *
 * A frame over FRAME_MAX is never sent: builders refuse to make one, and
 * if one got here anyway, it's dropped and counted (frames_oversized), and
 * the frames after it go on.
 *
 * Return: number of frames sent; the others are dropped and counted
 */
size_t tap_send_frames(struct ctx *c, const struct iovec *frames, size_t n)
{
	size_t sent = 0, i;

	for (i = 0; i < n; i++) {
		if (frames[i].iov_len > FRAME_MAX)
			break;
	}
	if (i < n) {
		sent = tap_send_frames(c, frames, i);
		c->stats.frames_oversized++;
		c->stats.frames_dropped_out++;
		if (sent < i) {
			c->stats.frames_dropped_out += n - i - 1;
			return sent;
		}
		return sent + tap_send_frames(c, frames + i + 1, n - i - 1);
	}

	if (c->fd_tap < 0) {
		c->stats.frames_dropped_out += n;
		return 0;
	}
	if (c->vhost_user)
		return vu_send_frames(c, frames, n);

	if (c->mode == MODE_PASST) {
		while (sent < n && c->fd_tap >= 0) {
			size_t batch = MIN(n - sent, (size_t)SEND_BATCH);
			size_t k = tap_send_stream(c, frames + sent, batch);

			for (i = 0; i < k; i++)
				pcap_frame(frames[sent + i].iov_base,
					   frames[sent + i].iov_len);
			sent += k;
			if (k < batch)
				break;
		}
	} else {
		bool partial = tap_vnet_hdr && !tap_l4_csum(c);

		for (; sent < n; sent++) {
			if (tap_dev_write(c, &frames[sent], partial) < 0)
				break;
			pcap_frame(frames[sent].iov_base,
				   frames[sent].iov_len);
		}
	}

	c->stats.frames_out += sent;
	for (i = 0; i < sent; i++)
		c->stats.bytes_out += frames[i].iov_len;
	c->stats.frames_dropped_out += n - sent;
	return sent;
}

/**
 * tap_send() - send one frame to the guest
 * @c:		execution context
 * @frame:	Ethernet frame
 * @len:	its length
 *
 * Return: 1 if sent, 0 if dropped
 */
size_t tap_send(struct ctx *c, const uint8_t *frame, size_t len)
{
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = len };

	return tap_send_frames(c, &iov, 1);
}

/**
 * tap_frame_in() - pass one frame from the guest on, send any reply
 * @c:		execution context
 * @frame:	Ethernet frame
 * @len:	its length
 */
void tap_frame_in(struct ctx *c, const uint8_t *frame, size_t len)
{
	size_t reply_len;

	pcap_frame(frame, len);
	reply_len = dispatch_frame(c, frame, len, reply_buf,
				   sizeof(reply_buf));
	if (reply_len)
		tap_send(c, reply_buf, reply_len);
}

/**
 * tap_stream_handler() - read frames from the qemu stream socket
 * @c:		execution context
 * @events:	epoll events
 *
 * #syscalls:passt recvmsg sendmsg
 */
void tap_stream_handler(struct ctx *c, uint32_t events)
{
	bool gone = events & (EPOLLHUP | EPOLLERR);
	size_t off = 0;
	ssize_t n;

	if (events & EPOLLOUT) {
		tap_stream_writable(c);
		if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
			return;
	}

	n = recv_msg(c->fd_tap, stream_buf + stream_have,
		     STREAM_BUF_SIZE + FRAME_MAX + STREAM_HDR_LEN - stream_have,
		     MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		       errno != EINTR)) {
		tap_client_gone(c);
		return;
	}
	if (n > 0)
		stream_have += n;

	/* Frames stay in the buffer until the loop is done */
	udp_batch_begin();
	while (stream_have - off >= STREAM_HDR_LEN) {
		uint32_t len;

		memcpy(&len, stream_buf + off, sizeof(len));
		len = ntohl(len);

		if (len > FRAME_MAX) {
			log_err("Bad frame length %u from client: "
				"disconnecting", len);
			c->stats.malformed++;
			udp_flush(c);
			tap_client_gone(c);
			return;
		}
		if (stream_have - off - STREAM_HDR_LEN < len)
			break;

		off += STREAM_HDR_LEN;
		if (len < ETH_HDR_LEN) {
			c->stats.frames_in++;
			c->stats.malformed++;
		} else {
			tap_frame_in(c, stream_buf + off, len);
			if (c->fd_tap < 0) {
				udp_flush(c);
				return;
			}
		}
		off += len;
	}

	udp_flush(c);
	tcp_flush(c);

	if (off) {
		memmove(stream_buf, stream_buf + off, stream_have - off);
		stream_have -= off;
	}

	if (gone || (events & EPOLLRDHUP && n <= 0))
		tap_client_gone(c);
}

/**
 * tap_dev_handler() - read frames from the tap device
 * @c:		execution context
 * @events:	epoll events
 *
 * #syscalls:pasta read write
 */
void tap_dev_handler(struct ctx *c, uint32_t events)
{
	size_t off = 0;
	int i;

	if (events & (EPOLLHUP | EPOLLERR)) {
		log_err("Tap device error: exiting");
		exit(EXIT_FAILURE);
	}

	/* Frames go one after the other in the buffer, and stay there until
	 * the flows had them all: UDP sends a flow's datagrams together
	 */
	udp_batch_begin();
	for (i = 0; i < TAP_READ_BATCH; i++) {
		size_t hl = tap_vnet_hdr ? VNET_HDR_LEN : 0;
		struct vnet_hdr h;
		uint8_t *frame;
		size_t len;
		ssize_t n;

		if (off + hl + FRAME_MAX + 1 > sizeof(stream_buf)) {
			udp_flush(c);
			udp_batch_begin();
			off = 0;
		}
		/* One byte more than the largest frame: a longer one shows */
		n = read(c->fd_tap, stream_buf + off, hl + FRAME_MAX + 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((size_t)n < hl + ETH_HDR_LEN ||
		    (size_t)n > hl + FRAME_MAX) {
			c->stats.frames_in++;
			c->stats.malformed++;
			continue;
		}
		frame = stream_buf + off + hl;
		len = (size_t)n - hl;
		if (tap_vnet_hdr) {
			enum vnet_result rc;

			memcpy(&h, stream_buf + off, sizeof(h));
			rc = vnet_check(&h, frame, len, tap_offloads);
			if (rc != VNET_OK) {
				tap_vnet_bad(c, &h, rc);
				continue;
			}
			/* Captures show complete checksums */
			if (pcap_active())
				vnet_csum_complete(&h, frame, len);
		}
		tap_frame_in(c, frame, len);
		off += ROUND_UP((size_t)n, TAP_FRAME_ALIGN);
	}
	udp_flush(c);
	tcp_flush(c);
}

/**
 * tap_vnet_bad() - drop and count a frame with a bad virtio-net header
 * @c:		execution context
 * @h:		the header
 * @rc:		what vnet_check() found
 */
static void tap_vnet_bad(struct ctx *c, const struct vnet_hdr *h,
			 enum vnet_result rc)
{
	static const char *const what[] = {
		[VNET_BAD_FLAGS] = "flags",
		[VNET_BAD_CSUM] = "checksum offsets",
		[VNET_BAD_GSO] = "segmentation",
	};

	c->stats.frames_in++;
	c->stats.malformed++;
	c->stats.bad_vnet++;
	if (log_limit_pass(&tap_vnet_log, now_ms(), 1, 1000))
		log_warn("Dropped a frame from the namespace: bad %s in its "
			 "virtio-net header (flags 0x%x, gso_type %u, csum "
			 "%u+%u)", what[rc], h->flags, h->gso_type,
			 h->csum_start, h->csum_offset);
}

/**
 * tap_dev_offload() - set up the virtio-net header of pasta's tap device
 * @fd:		tap device, opened with IFF_VNET_HDR
 *
 * The header is the 10-byte one, without num_buffers. Offloads the kernel
 * doesn't take are left off: frames then come with complete checksums,
 * and segmented to the MTU, as without a header.
 *
 * Return: 0 on success, -errno if the header can't be used
 */
int tap_dev_offload(int fd)
{
	unsigned int off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	int sz = VNET_HDR_LEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &sz))
		return -errno;
	tap_vnet_hdr = true;

	if (!ioctl(fd, TUNSETOFFLOAD, off)) {
		tap_offloads = VNET_OFF_CSUM | VNET_OFF_TSO4 | VNET_OFF_TSO6;
	} else if (!ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM)) {
		tap_offloads = VNET_OFF_CSUM;
		log_debug("Tap device: no segmentation offload: %s",
			  strerror(errno));
	} else {
		tap_offloads = 0;
		log_debug("Tap device: no checksum offload: %s",
			  strerror(errno));
	}
	return 0;
}
