// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udp_splice.c - pasta: local UDP traffic relayed socket to socket
 *
 * Theory of operation
 *
 * As for TCP (tcp_splice.c), datagrams between the host's loopback and the
 * namespace don't need the tap device. Two cases:
 *
 * - a datagram to a -U port: the socket bound on the namespace's loopback
 *   receives it from a peer in the namespace, and we send it on from a
 *   socket of the host, connected to the host's loopback address of the
 *   same IP version, at the rule's target port
 * - a datagram to a -u port from the host's loopback (unless --no-splice):
 *   the socket bound on the host receives it, and we send it on from a
 *   socket of the namespace, connected to the namespace's own address (its
 *   loopback with --host-lo-to-ns-lo), as TCP does
 *
 * The first datagram from a peer creates a FLOW_UDP_SPLICE entry, hashed by
 * the receiving side (peer address and port, forwarded port), holding the
 * connected socket we opened on the other side. Later datagrams from that
 * peer go out of the same socket; what that socket receives (replies) goes
 * back to the peer from the forwarded port's socket, with sendto(). Both
 * directions move batches: recvmmsg() on one socket, sendmmsg() on the
 * other, with no frame built and no header touched.
 *
 * Flows end after UDP_SPLICE_IDLE_MS without datagrams in either direction,
 * like UDP flows through the tap device. Errors (no listener on the target
 * port, for example) drop the datagram: the local peer sees what a lost
 * datagram looks like.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "flow/listen.h"
#include "flow/tcp_splice.h"
#include "flow/udp_splice.h"
#include "ns/pasta.h"
#include "policy/portspec.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"

#define UDP_SPLICE_IDLE_MS	(180ULL * 1000)	/* as UDP flows */
#define UDP_SPLICE_TIMER_MS	1000
#define UDP_SPLICE_BATCH	32
#define UDP_SPLICE_DGRAM_MAX	65536

/**
 * struct udp_splice_flow - relayed local UDP traffic of one peer
 * @f:		common flow header; FLOW_SIDE_GUEST is the namespace side,
 *		FLOW_SIDE_HOST the host side
 * @listen_fd:	forwarded port's socket, on the receiving side (not ours)
 * @sock:	our socket on the other side, connected to the target
 * @recv_side:	side of @listen_fd and of the peer
 * @last_active: time of the last datagram in either direction, ms
 */
struct udp_splice_flow {
	struct flow_common f;
	int listen_fd;
	int sock;
	uint8_t recv_side;
	uint64_t last_active;
};

FLOW_TYPE_CHECK(struct udp_splice_flow);

/**
 * struct udp_splice_stats - counters of relayed local datagrams
 * @flows:	flows created
 * @dropped:	datagrams we couldn't pass on
 */
static struct udp_splice_stats {
	unsigned long flows;
	unsigned long dropped;
} udp_splice_stats;

static uint8_t udp_splice_buf[UDP_SPLICE_BATCH][UDP_SPLICE_DGRAM_MAX];
static uint64_t udp_splice_last_timer;

/**
 * udp_splice_at() - flow for a flow table index
 * @idx:	flow index
 *
 * Return: pointer to the flow
 */
static struct udp_splice_flow *udp_splice_at(unsigned int idx)
{
	return FLOW_AS(idx, struct udp_splice_flow);
}

/**
 * udp_splice_close() - close our socket, unhash and free the flow
 * @c:		execution context
 * @uf:		flow
 */
static void udp_splice_close(const struct ctx *c, struct udp_splice_flow *uf)
{
	int idx = (int)((union flow *)uf - flowtab);

	if (uf->sock >= 0) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, uf->sock, NULL);
		close(uf->sock);
	}
	flow_hash_remove(idx, uf->recv_side);
	flow_free(idx);
}

/**
 * udp_splice_evict() - close an idle flow to make room in the flow table
 * @c:		execution context
 * @idx:	flow index of a FLOW_UDP_SPLICE flow
 */
void udp_splice_evict(struct ctx *c, int idx)
{
	udp_splice_close(c, udp_splice_at((unsigned int)idx));
}

/**
 * udp_splice_last_active() - time of the last datagram of a flow
 * @idx:	flow index of a FLOW_UDP_SPLICE flow
 *
 * Return: milliseconds, see now_ms()
 */
uint64_t udp_splice_last_active(int idx)
{
	return udp_splice_at((unsigned int)idx)->last_active;
}

/**
 * udp_splice_flow_get() - find or create the flow of a peer
 * @c:		execution context
 * @recv_side:	side the datagram arrived on
 * @listen_fd:	socket it arrived on
 * @peer:	its source address
 * @peer_port:	its source port
 * @port:	forwarded port it was sent to
 * @target:	target port, on the other side
 *
 * Return: flow, or NULL if it couldn't be created
 */
static struct udp_splice_flow *udp_splice_flow_get(struct ctx *c,
						   int recv_side,
						   int listen_fd,
						   const union inany_addr *peer,
						   uint16_t peer_port,
						   uint16_t port,
						   uint16_t target)
{
	int other = !recv_side, idx, sidx, s, af;
	struct udp_splice_flow *uf;
	struct sockaddr_storage sa;
	struct flowside key;
	union inany_addr taddr;
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t sl;

	memset(&key, 0, sizeof(key));
	key.eaddr = *peer;
	key.eport = peer_port;
	key.oport = port;

	sidx = flow_lookup(FLOW_UDP_SPLICE, recv_side, &key);
	if (sidx >= 0)
		return udp_splice_at((unsigned int)FLOW_SIDX_IDX(sidx));

	splice_target(c, recv_side, peer, &taddr);
	af = inany_v4(&taddr) ? AF_INET : AF_INET6;

	idx = flow_alloc(c, FLOW_UDP_SPLICE, recv_side);
	if (idx < 0)
		return NULL;
	uf = udp_splice_at((unsigned int)idx);
	uf->f.side[recv_side] = key;
	uf->f.side[other].eaddr = taddr;
	uf->f.side[other].eport = target;
	uf->listen_fd = listen_fd;
	uf->recv_side = (uint8_t)recv_side;
	uf->sock = -1;
	uf->last_active = now_ms();

	if (other == FLOW_SIDE_GUEST)
		s = pasta_ns_socket(af, SOCK_DGRAM_NB, IPPROTO_UDP);
	else
		s = sock_open(af, SOCK_DGRAM_NB,
			   IPPROTO_UDP);
	if (s < 0)
		goto fail;
	uf->sock = s;

	sl = inany_to_sockaddr(&taddr, target, &sa);
	if (connect(s, (struct sockaddr *)&sa, sl))
		goto fail;

	ev.data.u64 = flow_epoll_ref(EPOLL_TYPE_UDP_SPLICE, idx, other);
	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, s, &ev))
		goto fail;

	if (flow_hash_insert(idx, recv_side)) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, s, NULL);
		goto fail;
	}
	udp_splice_stats.flows++;
	return uf;

fail:
	log_debug("UDP splice: can't relay to port %u: %s", target,
		  strerror(errno));
	if (uf->sock >= 0)
		close(uf->sock);
	flow_free(idx);
	return NULL;
}

/**
 * udp_splice_mmsg_init() - point message headers at the datagram buffers
 * @mm:		message headers, UDP_SPLICE_BATCH of them
 * @iov:	their I/O vectors
 * @names:	source address buffers, or NULL not to ask for them
 */
static void udp_splice_mmsg_init(struct mmsghdr *mm, struct iovec *iov,
				 struct sockaddr_storage *names)
{
	int i;

	memset(mm, 0, sizeof(*mm) * UDP_SPLICE_BATCH);
	for (i = 0; i < UDP_SPLICE_BATCH; i++) {
		iov[i].iov_base = udp_splice_buf[i];
		iov[i].iov_len = UDP_SPLICE_DGRAM_MAX;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		if (names) {
			mm[i].msg_hdr.msg_name = &names[i];
			mm[i].msg_hdr.msg_namelen = sizeof(names[i]);
		}
	}
}

/**
 * udp_splice_send() - relay one datagram already read from a forwarded port
 * @c:		execution context
 * @recv_side:	FLOW_SIDE_HOST for -u (udp.c reads those sockets)
 * @fd:		socket of the forwarded port
 * @peer:	source of the datagram
 * @port:	forwarded port
 * @target:	target port on the other side
 * @buf:	datagram
 * @len:	its length
 *
 * #syscalls:pasta recvmmsg sendmmsg sendto connect
 * #syscalls:pasta socket:a0=AF_INET,AF_INET6:a1=SOCK_DGRAM_NB:a2=IPPROTO_UDP
 */
void udp_splice_send(struct ctx *c, int recv_side, int fd,
		     const struct sockaddr_storage *peer, uint16_t port,
		     uint16_t target, const void *buf, size_t len)
{
	struct udp_splice_flow *uf;
	union inany_addr pa;
	uint16_t pport;

	inany_from_sockaddr(peer, &pa, &pport);
	uf = udp_splice_flow_get(c, recv_side, fd, &pa, pport, port, target);
	if (!uf || send(uf->sock, buf, len, MSG_DONTWAIT) < 0) {
		udp_splice_stats.dropped++;
		return;
	}
	uf->last_active = now_ms();
	flow_count(&uf->f, uf->recv_side, len, uf->last_active);
}

/**
 * udp_splice_listen() - datagrams arriving at a forwarded port, relayed
 * @c:		execution context
 * @recv_side:	side of @fd: FLOW_SIDE_GUEST for -U (namespace)
 * @fd:		socket of the forwarded port
 * @port:	forwarded port
 * @target:	target port on the other side
 *
 * Reads a batch from @fd and sends each run of datagrams from the same peer
 * with one sendmmsg().
 */
static void udp_splice_listen(struct ctx *c, int recv_side, int fd,
			      uint16_t port, uint16_t target)
{
	static struct sockaddr_storage peers[UDP_SPLICE_BATCH];
	struct mmsghdr mm[UDP_SPLICE_BATCH];
	struct iovec iov[UDP_SPLICE_BATCH];
	uint64_t now = now_ms();
	int n, start;

	udp_splice_mmsg_init(mm, iov, peers);
	n = recvmmsg(fd, mm, UDP_SPLICE_BATCH, MSG_DONTWAIT, NULL);

	for (start = 0; start < n; ) {
		struct udp_splice_flow *uf;
		union inany_addr pa;
		uint16_t pport;
		int end, k, sent;

		inany_from_sockaddr(&peers[start], &pa, &pport);
		for (end = start + 1; end < n; end++) {
			union inany_addr pb;
			uint16_t qport;

			inany_from_sockaddr(&peers[end], &pb, &qport);
			if (!inany_equals(&pa, &pb) || pport != qport)
				break;
		}

		uf = udp_splice_flow_get(c, recv_side, fd, &pa, pport, port,
					 target);
		if (!uf) {
			udp_splice_stats.dropped += (unsigned long)(end - start);
			start = end;
			continue;
		}

		for (k = start; k < end; k++) {
			iov[k].iov_len = mm[k].msg_len;
			mm[k].msg_hdr.msg_name = NULL;
			mm[k].msg_hdr.msg_namelen = 0;
		}
		sent = sendmmsg(uf->sock, &mm[start],
				(unsigned int)(end - start), MSG_DONTWAIT);
		if (sent < end - start)
			udp_splice_stats.dropped +=
				(unsigned long)(end - start - MAX(sent, 0));
		uf->last_active = now;
		for (k = start; k < start + MAX(sent, 0); k++)
			flow_count(&uf->f, uf->recv_side, mm[k].msg_len, now);
		start = end;
	}
}

/**
 * udp_splice_sock_handler() - replies on our socket, back to the peer
 * @c:		execution context
 * @ref:	epoll reference of the flow, see flow_epoll_ref()
 * @events:	epoll events
 */
void udp_splice_sock_handler(struct ctx *c, union epoll_ref ref,
			     uint32_t events)
{
	struct mmsghdr mm[UDP_SPLICE_BATCH];
	struct iovec iov[UDP_SPLICE_BATCH];
	struct udp_splice_flow *uf;
	struct sockaddr_storage sa;
	const struct flowside *p;
	socklen_t sl;
	int n, i, sent, sidx;

	if ((sidx = flow_epoll_sidx(ref)) < 0 ||
	    FLOW(FLOW_SIDX_IDX(sidx))->f.type != FLOW_UDP_SPLICE)
		return;
	uf = udp_splice_at((unsigned int)FLOW_SIDX_IDX(sidx));
	if (uf->sock < 0)
		return;

	if (events & EPOLLERR) {
		int err;

		sl = sizeof(err);
		getsockopt(uf->sock, SOL_SOCKET, SO_ERROR, &err, &sl);
	}

	udp_splice_mmsg_init(mm, iov, NULL);
	n = recvmmsg(uf->sock, mm, UDP_SPLICE_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;

	p = &uf->f.side[uf->recv_side];
	sl = inany_to_sockaddr(&p->eaddr, p->eport, &sa);
	for (i = 0; i < n; i++) {
		iov[i].iov_len = mm[i].msg_len;
		mm[i].msg_hdr.msg_name = &sa;
		mm[i].msg_hdr.msg_namelen = sl;
	}
	sent = sendmmsg(uf->listen_fd, mm, (unsigned int)n, MSG_DONTWAIT);
	if (sent < n)
		udp_splice_stats.dropped += (unsigned long)(n - MAX(sent, 0));
	uf->last_active = now_ms();
	for (i = 0; i < MAX(sent, 0); i++)
		flow_count(&uf->f, !uf->recv_side, mm[i].msg_len,
			   uf->last_active);
}

/**
 * udp_splice_timer() - close idle flows
 * @c:		execution context
 * @now:	current time, ms
 */
void udp_splice_timer(struct ctx *c, uint64_t now)
{
	int idx;

	if (!clock_due(now, udp_splice_last_timer,
		       UDP_SPLICE_TIMER_MS))
		return;
	udp_splice_last_timer = now;

	flow_foreach(idx) {
		struct udp_splice_flow *uf;

		if (FLOW(idx)->f.type != FLOW_UDP_SPLICE)
			continue;
		uf = udp_splice_at((unsigned int)idx);
		if (now - uf->last_active >= UDP_SPLICE_IDLE_MS)
			udp_splice_close(c, uf);
	}
}

/**
 * udp_splice_listen_ns_handler() - datagrams at a -U port in the namespace
 * @c:		execution context
 * @ref:	epoll reference: socket and its registry slot (flow/listen.c)
 * @events:	epoll events
 */
void udp_splice_listen_ns_handler(struct ctx *c, union epoll_ref ref,
				  uint32_t events)
{
	const struct port_spec_rule *r;
	uint16_t port, target;
	bool stale;

	(void)events;
	r = listen_ref_rule(c, ref, &port, &stale);
	if (stale)
		return;
	target = r ? port_rule_target(r, port) : port;
	udp_splice_listen(c, FLOW_SIDE_GUEST, ref.fd, port, target);
}

/**
 * udp_splice_listen_closed() - close the flows relayed from a forwarded port
 * @c:		execution context
 * @fd:		socket of the forwarded port, about to be closed
 */
void udp_splice_listen_closed(const struct ctx *c, int fd)
{
	int i;

	flow_foreach(i) {
		struct udp_splice_flow *uf;

		if (FLOW(i)->f.type != FLOW_UDP_SPLICE)
			continue;
		uf = udp_splice_at((unsigned int)i);
		if (uf->listen_fd == fd)
			udp_splice_close(c, uf);
	}
}

/**
 * udp_splice_stats_log() - log the counters of relayed local datagrams
 * @level:	log level
 */
void udp_splice_stats_log(int level)
{
	log_msg(level, "UDP splice: %lu flows, %lu datagrams dropped",
		udp_splice_stats.flows, udp_splice_stats.dropped);
}
