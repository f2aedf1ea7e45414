// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhost_user.c - passt as a vhost-user back-end: the control protocol
 *
 * Theory of operation
 *
 * With --vhost-user, the UNIX socket passt listens on (or the one given
 * with --fd) carries the vhost-user protocol (qemu's
 * docs/interop/vhost-user.rst) instead of Ethernet frames: the front-end,
 * qemu, keeps the virtio-net device and its configuration space, and hands
 * us the data path. Messages are a 12-byte header (request, flags with the
 * version, payload size) and a small payload; file descriptors travel as
 * SCM_RIGHTS ancillary data with the header. We read a message whole
 * (the socket is blocking, with a timeout, once epoll said a message
 * starts), act on it and reply when the request asks for one, or when the
 * front-end set NEED_REPLY and REPLY_ACK was negotiated.
 *
 * The sequence qemu follows: features (GET/SET_FEATURES, with
 * VHOST_USER_F_PROTOCOL_FEATURES the protocol features too), SET_OWNER,
 * SET_MEM_TABLE (up to VU_REGIONS_MAX regions, a memfd each, which we map
 * once, shared, replacing the previous table), then for each of the two
 * queues SET_VRING_NUM, SET_VRING_BASE, SET_VRING_ADDR, SET_VRING_KICK
 * (the queue starts), SET_VRING_CALL and, with protocol features,
 * SET_VRING_ENABLE. GET_VRING_BASE stops a queue and returns where we
 * stopped, for the next start (a guest reset, or qemu stopping).
 *
 * Offered: VIRTIO_F_VERSION_1, VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_GUEST_CSUM
 * (every frame we build carries correct checksums already, so we tell the
 * guest it needn't verify them), and the protocol feature REPLY_ACK. Not
 * offered, so refused in negotiation: packed rings, indirect descriptors,
 * event index, multiqueue, checksum offload from the guest, segmentation
 * offloads (TSO, UFO), migration (dirty logging), IOMMU. One queue pair.
 *
 * The guest writes the rings, so virtqueue.c checks every index, address
 * and length against the memory table. A queue whose rules the guest broke
 * is marked broken (logged, counted in vu_dev.bad_rings) and left alone
 * until the front-end sets it up again; the rest of passt keeps serving.
 * A front-end that breaks the protocol itself (bad sizes, versions,
 * indices) is disconnected.
 *
 * When the front-end goes away, everything it gave us goes: mappings and
 * eventfds are released, and the next front-end starts from scratch (or
 * passt exits, with --one-off), as with the stream socket.
 *
 * The data path, frames in and out of the queues, is in vu_net.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "frontend/tap.h"
#include "frontend/vhost_user.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/util.h"

/* Front-end requests we know */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_RESET_DEVICE = 34,
};

#define VU_VERSION		0x1
#define VU_FLAG_VERSION_MASK	0x3
#define VU_FLAG_REPLY		(1U << 2)
#define VU_FLAG_NEED_REPLY	(1U << 3)

#define VU_HDR_LEN		12
#define VU_FDS_MAX		VU_REGIONS_MAX
#define VU_TIMEOUT_S		1	/* rest of a message, or a reply */
#define VU_BROKEN_LOG_BURST	5	/* "invalid queue" lines a second */

#define VU_VRING_IDX_MASK	0xff
#define VU_VRING_NOFD		(1ULL << 8)

/* Feature bits */
#define VIRTIO_NET_F_GUEST_CSUM	1
#define VIRTIO_NET_F_MRG_RXBUF	15
#define VU_F_PROTOCOL_FEATURES	30
#define VIRTIO_F_VERSION_1	32
#define VU_PROTOCOL_F_REPLY_ACK	3

#define BIT64(n)		(1ULL << (n))

#define VU_FEATURES		(BIT64(VIRTIO_F_VERSION_1) |		\
				 BIT64(VIRTIO_NET_F_MRG_RXBUF) |	\
				 BIT64(VIRTIO_NET_F_GUEST_CSUM) |	\
				 BIT64(VU_F_PROTOCOL_FEATURES))
#define VU_PROTOCOL_FEATURES	BIT64(VU_PROTOCOL_F_REPLY_ACK)

/**
 * struct vu_vring_state - payload: a queue index and a number
 */
struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

/**
 * struct vu_vring_addr - payload of SET_VRING_ADDR
 */
struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

/**
 * struct vu_mem_region - one region in SET_MEM_TABLE
 */
struct vu_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

/**
 * struct vu_mem_table - payload of SET_MEM_TABLE
 */
struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region r[VU_REGIONS_MAX];
};

/**
 * struct vu_msg - a message, header and payload
 */
struct vu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_mem_table mem;
	} p;
} __attribute__((packed));

struct vu_dev vu_dev;

/* Descriptors that came with the message being handled */
static int vu_fds[VU_FDS_MAX];
static unsigned int vu_nfds;

/**
 * vu_queue_clear() - forget a queue: close its eventfds, reset its state
 * @c:		execution context
 * @q:		queue
 */
static void vu_queue_clear(struct ctx *c, struct vu_queue *q)
{
	if (q->kick_fd >= 0) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, q->kick_fd, NULL);
		close(q->kick_fd);
	}
	if (q->call_fd >= 0)
		close(q->call_fd);
	if (q->err_fd >= 0)
		close(q->err_fd);
	memset(q, 0, sizeof(*q));
	q->kick_fd = q->call_fd = q->err_fd = -1;
}

/**
 * vu_mem_unmap() - release the mappings of a memory table
 * @m:		memory table, emptied
 *
 * #syscalls:vu munmap
 */
static void vu_mem_unmap(struct vu_mem *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		munmap(m->r[i].map, m->r[i].map_len);
	memset(m, 0, sizeof(*m));
}

/**
 * vu_init() - the device before any front-end: no memory, no queues
 */
void vu_init(void)
{
	unsigned int i;

	memset(&vu_dev, 0, sizeof(vu_dev));
	for (i = 0; i < VU_QUEUES; i++)
		vu_dev.q[i].kick_fd = vu_dev.q[i].call_fd =
			vu_dev.q[i].err_fd = -1;
	vu_dev.hdr_len = 12;
}

/**
 * vu_reset() - the front-end left: release everything it gave us
 * @c:		execution context
 */
void vu_reset(struct ctx *c)
{
	unsigned int i;
	uint64_t bad = vu_dev.bad_rings, dropped = vu_dev.dropped_rx;
	uint64_t short_rx = vu_dev.short_rx;

	for (i = 0; i < VU_QUEUES; i++)
		vu_queue_clear(c, &vu_dev.q[i]);
	vu_mem_unmap(&vu_dev.mem);
	vu_init();
	vu_dev.bad_rings = bad;
	vu_dev.dropped_rx = dropped;
	vu_dev.short_rx = short_rx;
}

/**
 * vu_queue_ready() - can frames go through this queue now?
 * @q:		queue
 *
 * Return: true if started, enabled, in guest memory and not broken
 */
bool vu_queue_ready(const struct vu_queue *q)
{
	return q->started && q->enabled && q->vq.desc && !q->vq.broken;
}

/**
 * vu_queue_broken() - the guest broke the rules of a queue: log and count
 * @q:		queue, already marked broken by virtqueue.c
 * @what:	which queue, for the message
 */
void vu_queue_broken(struct vu_queue *q, const char *what)
{
	static struct log_limit limit;

	q->vq.broken = true;
	vu_dev.bad_rings++;
	/* A guest resetting its device in a loop can break it again and
	 * again: a few lines a second at most, the counter has the rest
	 */
	if (!log_limit_pass(&limit, now_ms(), VU_BROKEN_LOG_BURST, 1000))
		return;
	log_err("vhost-user: invalid %s queue from the guest (%llu so far): "
		"queue stopped until the front-end sets it up again", what,
		(unsigned long long)vu_dev.bad_rings);
}

/**
 * vu_signal() - interrupt the guest for a queue, if it has a call eventfd
 * @q:		queue
 *
 * #syscalls:vu write
 */
void vu_signal(struct vu_queue *q)
{
	uint64_t one = 1;

	if (q->call_fd >= 0 && write(q->call_fd, &one, sizeof(one)) < 0)
		log_debug("vhost-user: can't signal the guest: %s",
			  strerror(errno));
}

/**
 * vu_queue_attach() - find a queue's rings in guest memory, if it can be
 * @q:		queue
 *
 * Until the addresses, the size and a memory table are all known, the queue
 * has no rings: the pointers a previous table gave it must not outlive
 * that table (a front-end may replace it with an empty one).
 *
 * Return: 0 if attached or not all known yet, -1 if they aren't valid
 */
static int vu_queue_attach(struct vu_queue *q)
{
	if (!q->addr_set || !q->num || !vu_dev.mem.n) {
		q->vq.desc = NULL;
		q->vq.avail = NULL;
		q->vq.used = NULL;
		return 0;
	}
	return vq_attach(&q->vq, &vu_dev.mem, q->num, q->desc_uva,
			 q->avail_uva, q->used_uva);
}

/**
 * vu_set_mem_table() - map the regions of a new memory table
 * @msg:	SET_MEM_TABLE message
 *
 * The new table replaces the old one only if every region maps; queues
 * are looked up again in it. A region's file must be as large as the table
 * says, or touching the mapping past its end would fault.
 *
 * Return: 0 on success, -1 on failure
 *
 * #syscalls:vu mmap:a2=PROT_READ|PROT_WRITE:a3=MAP_SHARED|MAP_NORESERVE
 * #syscalls:vu lseek
 */
static int vu_set_mem_table(const struct vu_msg *msg)
{
	static struct vu_mem_table table;
	const struct vu_mem_table *t = &table;
	struct vu_mem m = { 0 };
	unsigned int i;

	memcpy(&table, (const uint8_t *)msg + VU_HDR_LEN, sizeof(table));

	if (msg->size < 8 || t->nregions > VU_REGIONS_MAX ||
	    msg->size < 8 + t->nregions * sizeof(t->r[0]) ||
	    t->nregions != vu_nfds) {
		log_err("vhost-user: bad memory table (%u regions, %u fds)",
			t->nregions, vu_nfds);
		return -1;
	}

	for (i = 0; i < t->nregions; i++) {
		const struct vu_mem_region *r = &t->r[i];
		struct vu_region *mr = &m.r[i];
		uint64_t len = r->size + r->mmap_offset;
		off_t end;
		void *p;

		if (!r->size || len < r->size || len > SIZE_MAX ||
		    r->gpa + r->size < r->gpa || r->uva + r->size < r->uva)
			goto fail;
		end = lseek(vu_fds[i], 0, SEEK_END);
		if (end < 0 || (uint64_t)end < len) {
			log_err("vhost-user: region %u: file of %lld bytes, "
				"table needs %llu", i, (long long)end,
				(unsigned long long)len);
			goto fail;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, vu_fds[i], 0);
		if (p == MAP_FAILED) {
			log_err("vhost-user: can't map region %u: %s", i,
				strerror(errno));
			goto fail;
		}
		mr->map = p;
		mr->map_len = len;
		mr->host = (uint8_t *)p + r->mmap_offset;
		mr->gpa = r->gpa;
		mr->size = r->size;
		mr->uva = r->uva;
		m.n++;
		log_debug("vhost-user: region %u: guest 0x%llx, 0x%llx bytes",
			  i, (unsigned long long)r->gpa,
			  (unsigned long long)r->size);
	}

	vu_mem_unmap(&vu_dev.mem);
	vu_dev.mem = m;
	for (i = 0; i < VU_QUEUES; i++) {
		struct vu_queue *q = &vu_dev.q[i];

		if (vu_queue_attach(q) || (q->started && !q->vq.desc))
			log_err("vhost-user: queue %u not in new memory table",
				i);
	}
	return 0;

fail:
	vu_mem_unmap(&m);
	return -1;
}

/**
 * vu_queue_of() - the queue a message is about
 * @index:	queue index from the message
 *
 * Return: queue, NULL (logged) if there's no such queue
 */
static struct vu_queue *vu_queue_of(uint32_t index)
{
	if (index >= VU_QUEUES) {
		log_err("vhost-user: no queue %u (one queue pair only)", index);
		return NULL;
	}
	return &vu_dev.q[index];
}

/**
 * vu_take_fd() - the descriptor of a SET_VRING_KICK/CALL/ERR message
 * @msg:	message
 * @fd:	where to store it: -1 if the message says there's none
 *
 * Return: 0 on success, -1 if the message and its descriptors don't agree
 */
static int vu_take_fd(const struct vu_msg *msg, int *fd)
{
	*fd = -1;
	if (msg->size < sizeof(uint64_t))
		return -1;
	if (msg->p.u64 & VU_VRING_NOFD)
		return vu_nfds ? -1 : 0;
	if (vu_nfds != 1)
		return -1;
	*fd = vu_fds[0];
	vu_nfds = 0;
	return 0;
}

/**
 * vu_set_kick() - a queue's kick eventfd: the queue starts
 * @c:		execution context
 * @q:		queue
 * @index:	its index
 * @fd:		eventfd, or -1 (polling, which we don't do)
 *
 * Return: 0 on success, -1 on failure
 */
static int vu_set_kick(struct ctx *c, struct vu_queue *q, uint32_t index,
		       int fd)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_VU_KICK, .fd = fd,
				.index = index };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ref.u64 };

	if (q->kick_fd >= 0) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, q->kick_fd, NULL);
		close(q->kick_fd);
	}
	q->kick_fd = fd;
	if (fd < 0) {
		log_err("vhost-user: queue %u without kick eventfd: polling "
			"isn't supported", index);
		return -1;
	}
	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, fd, &ev)) {
		log_perror("vhost-user: epoll_ctl");
		return -1;
	}

	if (vu_queue_attach(q)) {
		log_err("vhost-user: queue %u rings not in guest memory", index);
		return -1;
	}
	q->started = true;
	if (!(vu_dev.features & BIT64(VU_F_PROTOCOL_FEATURES)))
		q->enabled = true;
	if (q->vq.desc) {
		/* Resume after the last chain a previous back-end used */
		q->vq.used_idx = vq_used_idx_read(&q->vq);
		q->vq.used_pending = 0;
	}
	log_debug("vhost-user: queue %u started at %u", index,
		  q->vq.last_avail);
	return 0;
}

/**
 * vu_reply() - send a reply to the message being handled
 * @c:		execution context
 * @msg:	request, its header reused
 * @payload:	reply payload
 * @len:	its length
 *
 * Return: 0 on success, -1 if it couldn't be sent
 *
 * #syscalls:vu sendto
 */
static int vu_reply(const struct ctx *c, const struct vu_msg *msg,
		    const void *payload, size_t len)
{
	struct vu_msg r = { .request = msg->request,
			    .flags = VU_VERSION | VU_FLAG_REPLY,
			    .size = (uint32_t)len };

	memcpy(&r.p, payload, len);
	if (send(c->fd_tap, &r, VU_HDR_LEN + len, MSG_NOSIGNAL) !=
	    (ssize_t)(VU_HDR_LEN + len)) {
		log_err("vhost-user: can't reply: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/**
 * vu_handle() - act on one message
 * @c:		execution context
 * @msg:	message, payload size checked against the union
 * @replied:	set if the request itself has a reply, sent here
 *
 * Return: 0 on success, 1 if the request failed (acknowledged as such),
 *	   -1 if the front-end broke the protocol (disconnect)
 */
static int vu_handle(struct ctx *c, struct vu_msg *msg, bool *replied)
{
	struct vu_queue *q;
	uint64_t u;
	int fd;

	*replied = false;
	switch (msg->request) {
	case VU_GET_FEATURES:
		u = VU_FEATURES;
		*replied = true;
		return vu_reply(c, msg, &u, sizeof(u));
	case VU_SET_FEATURES:
		if (msg->size < sizeof(uint64_t))
			return -1;
		if (msg->p.u64 & ~(uint64_t)VU_FEATURES) {
			log_err("vhost-user: features 0x%llx not offered",
				(unsigned long long)(msg->p.u64 &
						     ~(uint64_t)VU_FEATURES));
			return 1;
		}
		vu_dev.features = msg->p.u64;
		vu_dev.mrg_rxbuf = !!(vu_dev.features &
				      BIT64(VIRTIO_NET_F_MRG_RXBUF));
		vu_dev.csum_valid = !!(vu_dev.features &
				       BIT64(VIRTIO_NET_F_GUEST_CSUM));
		vu_dev.hdr_len = (vu_dev.features &
				  (BIT64(VIRTIO_F_VERSION_1) |
				   BIT64(VIRTIO_NET_F_MRG_RXBUF))) ? 12 : 10;
		log_debug("vhost-user: features 0x%llx",
			  (unsigned long long)vu_dev.features);
		return 0;
	case VU_GET_PROTOCOL_FEATURES:
		u = VU_PROTOCOL_FEATURES;
		*replied = true;
		return vu_reply(c, msg, &u, sizeof(u));
	case VU_SET_PROTOCOL_FEATURES:
		if (msg->size < sizeof(uint64_t))
			return -1;
		vu_dev.protocol_features = msg->p.u64 & VU_PROTOCOL_FEATURES;
		return 0;
	case VU_GET_QUEUE_NUM:
		u = 1;
		*replied = true;
		return vu_reply(c, msg, &u, sizeof(u));
	case VU_SET_OWNER:
	case VU_SEND_RARP:
		return 0;
	case VU_RESET_OWNER:
	case VU_RESET_DEVICE:
		vu_reset(c);
		return 0;
	case VU_SET_MEM_TABLE:
		return vu_set_mem_table(msg) ? 1 : 0;
	case VU_SET_VRING_NUM:
		if (msg->size < sizeof(msg->p.state) ||
		    !(q = vu_queue_of(msg->p.state.index)))
			return -1;
		u = msg->p.state.num;
		if (!u || u > VQ_SIZE_MAX || (u & (u - 1))) {
			log_err("vhost-user: bad queue size %llu",
				(unsigned long long)u);
			return 1;
		}
		q->num = (unsigned int)u;
		return 0;
	case VU_SET_VRING_ADDR:
		if (msg->size < sizeof(msg->p.addr) ||
		    !(q = vu_queue_of(msg->p.addr.index)))
			return -1;
		q->desc_uva = msg->p.addr.desc;
		q->avail_uva = msg->p.addr.avail;
		q->used_uva = msg->p.addr.used;
		q->addr_set = true;
		if (vu_queue_attach(q)) {
			log_err("vhost-user: queue %u rings not in guest memory",
				msg->p.addr.index);
			return 1;
		}
		return 0;
	case VU_SET_VRING_BASE:
		if (msg->size < sizeof(msg->p.state) ||
		    !(q = vu_queue_of(msg->p.state.index)))
			return -1;
		q->vq.last_avail = (uint16_t)msg->p.state.num;
		q->vq.used_idx = (uint16_t)msg->p.state.num;
		q->vq.broken = false;
		return 0;
	case VU_GET_VRING_BASE: {
		struct vu_vring_state s;

		if (msg->size < sizeof(msg->p.state) ||
		    !(q = vu_queue_of(msg->p.state.index)))
			return -1;
		/* Stop the queue: no more kicks, nothing more taken */
		if (q->vq.desc && vq_publish(&q->vq))
			vu_signal(q);
		if (q->kick_fd >= 0) {
			epoll_ctl(c->epollfd, EPOLL_CTL_DEL, q->kick_fd, NULL);
			close(q->kick_fd);
			q->kick_fd = -1;
		}
		q->started = false;
		s.index = msg->p.state.index;
		s.num = q->vq.last_avail;
		log_debug("vhost-user: queue %u stopped at %u", s.index, s.num);
		*replied = true;
		return vu_reply(c, msg, &s, sizeof(s));
	}
	case VU_SET_VRING_KICK:
		if (vu_take_fd(msg, &fd) ||
		    !(q = vu_queue_of(msg->p.u64 & VU_VRING_IDX_MASK))) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (vu_set_kick(c, q, msg->p.u64 & VU_VRING_IDX_MASK, fd))
			return 1;
		if (q == &vu_dev.q[VU_RX])
			vu_rx_buffers(c);
		return 0;
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		if (vu_take_fd(msg, &fd) ||
		    !(q = vu_queue_of(msg->p.u64 & VU_VRING_IDX_MASK))) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (msg->request == VU_SET_VRING_CALL) {
			if (q->call_fd >= 0)
				close(q->call_fd);
			q->call_fd = fd;
		} else {
			if (q->err_fd >= 0)
				close(q->err_fd);
			q->err_fd = fd;
		}
		return 0;
	case VU_SET_VRING_ENABLE:
		if (msg->size < sizeof(msg->p.state) ||
		    !(q = vu_queue_of(msg->p.state.index)))
			return -1;
		q->enabled = !!msg->p.state.num;
		log_debug("vhost-user: queue %u %s", msg->p.state.index,
			  q->enabled ? "enabled" : "disabled");
		if (q->enabled && q == &vu_dev.q[VU_RX])
			vu_rx_buffers(c);
		return 0;
	default:
		log_warn("vhost-user: request %u not supported", msg->request);
		return 1;
	}
}

/**
 * vu_recv() - read a message whole, with its descriptors
 * @c:		execution context
 * @msg:	message, filled
 *
 * Return: 1 if a message was read, 0 if none is there, -1 if the front-end
 *	   is gone or broke the framing
 *
 * #syscalls:vu recvmsg
 */
static int vu_recv(const struct ctx *c, struct vu_msg *msg)
{
	char cbuf[CMSG_SPACE(sizeof(int) * VU_FDS_MAX)];
	struct iovec iov = { .iov_base = msg, .iov_len = VU_HDR_LEN };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n;

	vu_nfds = 0;
	n = recvmsg(c->fd_tap, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;

	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t i, k;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (vu_nfds < VU_FDS_MAX)
				vu_fds[vu_nfds++] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		log_err("vhost-user: too many descriptors with a message");
		return -1;
	}

	/* The rest of the header, then the payload: they're on their way */
	if (n < VU_HDR_LEN &&
	    recv_msg(c->fd_tap, (uint8_t *)msg + n, VU_HDR_LEN - n,
		     MSG_WAITALL) != VU_HDR_LEN - n)
		return -1;
	if ((msg->flags & VU_FLAG_VERSION_MASK) != VU_VERSION ||
	    msg->size > sizeof(msg->p)) {
		log_err("vhost-user: bad message (request %u, flags 0x%x, "
			"size %u)", msg->request, msg->flags, msg->size);
		return -1;
	}
	memset(&msg->p, 0, sizeof(msg->p));
	if (msg->size &&
	    recv_msg(c->fd_tap, &msg->p, msg->size, MSG_WAITALL) !=
	    (ssize_t)msg->size)
		return -1;
	return 1;
}

/**
 * vu_close_fds() - close descriptors of a message that nobody took
 */
static void vu_close_fds(void)
{
	while (vu_nfds)
		close(vu_fds[--vu_nfds]);
}

/**
 * vu_cmd_handler() - messages from the front-end on the control socket
 * @c:		execution context
 * @events:	epoll events
 */
void vu_cmd_handler(struct ctx *c, uint32_t events)
{
	static struct vu_msg msg;
	int i;

	for (i = 0; i < 64; i++) {
		bool replied;
		int rc = vu_recv(c, &msg);

		if (rc == 0)
			break;
		if (rc < 0) {
			vu_close_fds();
			tap_client_gone(c);
			return;
		}

		log_trace("vhost-user: request %u, size %u", msg.request,
			  msg.size);
		rc = vu_handle(c, &msg, &replied);
		vu_close_fds();
		if (rc < 0) {
			log_err("vhost-user: front-end broke the protocol "
				"(request %u): disconnecting", msg.request);
			tap_client_gone(c);
			return;
		}
		if (!replied && (msg.flags & VU_FLAG_NEED_REPLY) &&
		    (vu_dev.protocol_features &
		     BIT64(VU_PROTOCOL_F_REPLY_ACK))) {
			uint64_t status = rc ? 1 : 0;

			if (vu_reply(c, &msg, &status, sizeof(status))) {
				tap_client_gone(c);
				return;
			}
		}
	}

	if (events & (EPOLLHUP | EPOLLERR))
		tap_client_gone(c);
}

/**
 * vu_connected() - a front-end connected: prepare the control socket
 * @c:		execution context
 * @fd:		connected socket, becomes c->fd_tap
 *
 * The socket, accepted or given, is blocking (the caller made sure), with a
 * timeout we set here: a message whose start arrived is
 * read whole, and replies are written whole. The device state is clean:
 * vu_init() at start, vu_reset() when the previous front-end left.
 *
 * Return: 0 on success, -errno on failure
 *
 * #syscalls:vu setsockopt
 */
int vu_connected(struct ctx *c, int fd)
{
	struct timeval tv = { .tv_sec = VU_TIMEOUT_S };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;

	c->fd_tap = fd;
	return 0;
}

/**
 * vu_kick_handler() - the guest notified a queue
 * @c:		execution context
 * @ref:	epoll reference: kick eventfd, queue index
 */
void vu_kick_handler(struct ctx *c, union epoll_ref ref)
{
	uint64_t count;

	if (ref.index >= VU_QUEUES || vu_dev.q[ref.index].kick_fd != ref.fd)
		return;		/* stale: replaced or stopped */

	if (read(ref.fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_debug("vhost-user: kick: %s", strerror(errno));

	if (ref.index == VU_TX)
		vu_tx(c);
	else
		vu_rx_buffers(c);
}
