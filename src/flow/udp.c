// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udp.c - UDP flows between the guest and host sockets
 *
 * Theory of operation
 *
 * UDP has no connections, but its traffic comes in flows: a guest socket
 * talks to one peer, from one port, to one port. The first datagram from the
 * guest with a new (source address, source port, destination address,
 * destination port) creates a FLOW_UDP entry in the flow table, hashed by its
 * guest side, holding an ordinary non-blocking UDP socket on the host,
 * connect()ed to the destination. The kernel picks the local port. Later
 * datagrams of the flow are written to that socket as they are. Being
 * connected, the socket only receives from that peer: whatever
 * it receives goes back to the guest, in batches (recvmmsg() into the
 * payload areas of prepared frames, then one tap_send_frames()), from the
 * destination address and port to the guest's address and port.
 *
 * Batches from the guest: a frontend that keeps the frames of a wake-up in
 * place until it calls udp_flush() (udp_batch_begin()) lets us queue the
 * consecutive datagrams of one flow, up to UDP_SEND_BATCH of them and a
 * payload of UDP_PAYLOAD_MAX, instead of sending each at once. A datagram
 * of another flow, a full batch, the flow closing or udp_flush() send
 * them: with a single sendmsg() and UDP_SEGMENT if all but the last have
 * the size of the first (the kernel cuts them apart again, at the device
 * or at the receiving socket, so the peer sees the guest's datagrams),
 * with one sendmmsg() otherwise, or if the host's kernel refused a
 * segmented send on that socket once (the route's MTU is too small for
 * unfragmented datagrams, no checksum offload on the way: UDP_SEGMENT
 * can't fragment). A segmented send of UDP_YIELD_MIN datagrams or more is
 * followed by sched_yield(): if the receiving process shares our CPU (a
 * peer on the host, with few CPUs), it gets to read the batch before we
 * queue the next one on top, instead of finding its socket buffer full
 * (bench rows 6 and 6r: 1.12 against 0.94 Gbit/s received at -b 0, 4.3 %
 * against 10.6 % lost at 1 Gbit/s, and a fifth less CPU time per GiB).
 * Errors are handled datagram by datagram as below; a
 * full socket buffer drops the rest of the batch, counted. The last
 * flow's guest side doubles as a one-entry cache in front of the flow
 * table's hash. Without a batch (vhost-user copies each frame into one
 * buffer), datagrams go at once, one send() each.
 *
 * Errors: with IP_RECVERR (IPV6_RECVERR) on, ICMP errors for the socket come
 * in its error queue with a copy of the datagram we sent, as far as the
 * error quoted it. Destination unreachable errors (network, host, port
 * unreachable, administratively prohibited; for IPv6 no route, address and
 * port unreachable, administratively prohibited and the policy codes) are
 * relayed to the guest with the same type and code, quoting the IP header
 * and UDP header of the guest's datagram as we rebuild them from the flow
 * and the payload we got back, within the usual limits (576 bytes for an
 * ICMP error, 1280 for ICMPv6). The guest's socket then fails as a socket on
 * the host would (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EACCES); as on any
 * Linux host, the errors RFC 1122 calls soft (network and host unreachable,
 * IPv6 no route and address unreachable) only reach sockets with IP_RECVERR
 * or IPV6_RECVERR set. Other errors (fragmentation needed, time exceeded)
 * concern our socket's packets, not the guest's, and are dropped.
 *
 * Our own sends fail too: connect() or send() with ENETUNREACH (no route on
 * the host), EHOSTUNREACH ("unreachable" route), EACCES ("prohibit" route)
 * or EPERM (a firewall) answer the datagram with the matching ICMP error
 * (see icmp_err_from_errno()), quoting it as the guest sent it; a send()
 * failing with an error already in the queue (one that arrived since we last
 * read it) has that error relayed instead. A failed connect() leaves no
 * flow: the next datagram tries again.
 *
 * The source of a relayed error is the destination the guest addressed if
 * the destination reported the error itself (the offender in the error
 * queue is the peer: port unreachable, a firewall on the peer), and the
 * guest's gateway otherwise: a router on the way, or the host itself for
 * local failures, is what the gateway stands for in the guest's view of the
 * network, and it keeps ping and traceroute style output sensible ("From
 * <gateway>: Destination Host Unreachable") without showing the guest
 * addresses of the host's network.
 *
 * Datagrams the guest sends to broadcast or multicast addresses are dropped
 * and counted, never sent out: we have no broadcast domain to loop them in.
 * Datagrams from the host peer that don't fit the guest's MTU are dropped
 * and counted too.
 *
 * Forwarded ports (-u, or -t's port numbers): for every port of every rule
 * we bind a UDP socket on the host (0.0.0.0 and :: with IPV6_V6ONLY without
 * an address in the rule), shared by all the flows that come in through
 * it, with IP_PKTINFO (IPV6_RECVPKTINFO) on. A datagram arriving there from
 * a peer is looked up by the host side of the flows: peer address and port,
 * the local address the datagram was sent to (from its control data; the
 * rule's bind address if that's missing), the local port. A new peer opens
 * a FLOW_UDP whose host side is that, and whose guest side, as
 * fwd_inbound_guest_side() decides, goes from the peer (or the gateway, for
 * peers on the host itself) to the guest's address and the target port of
 * the rule. Such a flow is hashed by both sides: the guest's replies find it
 * by the guest side as any other flow, and go out with sendmsg() to the
 * peer on the shared socket, which flows never close, from the local address
 * of the host side (IP_PKTINFO, IPV6_PKTINFO), so that a peer that wrote to
 * one of several addresses of the host hears back from that one. A peer
 * writing from one port to two of our addresses makes two host sides with
 * one guest side: the first flow keeps it, datagrams of the second are
 * dropped until it expires. Errors on the shared socket aren't read: a
 * failed sendmsg() is answered as above, from its errno.
 *
 * Flows have no end but idleness: after UDP_IDLE_MS without traffic in
 * either direction the socket is closed and the entry freed. A full table
 * refuses new flows (the datagram is dropped, flow.c counts the refusal).
 */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "flow/icmp.h"
#include "flow/listen.h"
#include "flow/udp.h"
#include "flow/udp_splice.h"
#include "frontend/tap.h"
#include "policy/fwd.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"
#include "wire/checksum.h"
#include "wire/pkt.h"

/* UDP_IDLE_MS - a flow without traffic in either direction for this long is
 * closed: 180 s, the usual conntrack timeout of a UDP "stream" (a flow that
 * saw replies), so that keep-alives sized for NATs keep our flows alive too.
 */
#define UDP_IDLE_MS		(180ULL * 1000)
#define UDP_TIMER_MS		1000	/* how often idle flows are looked for */

#define UDP_BATCH		32	/* datagrams read per wake-up */
#define UDP_SEND_BATCH		64	/* guest datagrams of a flow per send */
#define UDP_YIELD_MIN		8	/* batches this long yield the CPU */
#define UDP_PAYLOAD_MAX		(65535 - IP4_HLEN - UDP_HLEN)
#define UDP_FRAME_SIZE		(UDP6_PAYLOAD_OFF + UDP_PAYLOAD_MAX)

/* Control data of datagrams to forwarded ports: the local address */
#define UDP_PKTINFO_SPACE	CMSG_SPACE(sizeof(struct in6_pktinfo))

/**
 * struct udp_flow - one UDP flow, an entry of the flow table
 * @f:		common flow header: type, sides
 * @sock:	connected host socket, or the shared socket of a forwarded port
 * @inbound:	flow from a forwarded port: @sock isn't ours, send with
 *		sendto(), hashed by the host side too
 * @scope:	interface of a link-local IPv6 host peer: where its datagrams
 *		came from (inbound), or fwd_scope6() (outbound)
 * @last_active: time of the last datagram in either direction, ms
 * @no_gso:	a segmented send (UDP_SEGMENT) failed on @sock for a reason
 *		other than a full buffer: send datagram by datagram
 */
struct udp_flow {
	struct flow_common f;
	int sock;
	bool inbound;
	bool no_gso;
	uint32_t scope;
	uint64_t last_active;
};

FLOW_TYPE_CHECK(struct udp_flow);

/**
 * struct udp_stats - counters of datagrams we didn't forward
 * @dropped_bcast:	to broadcast or multicast addresses, from the guest
 * @dropped_big:	from the host peer, larger than the guest's MTU
 * @dropped_err:	from the guest, the send to the host peer failed (and no
 *			ICMP error told the guest), or the flow closed with
 *			the datagram still queued
 */
static struct udp_stats {
	unsigned long dropped_bcast;
	unsigned long dropped_big;
	unsigned long dropped_err;
} udp_stats;

static uint8_t udp_frames[UDP_BATCH][UDP_FRAME_SIZE];
static uint64_t udp_last_timer;

/**
 * struct udp_batch - datagrams of one flow from the guest, not sent yet
 * @on:		the frontend keeps its frames in place until udp_flush()
 * @idx:	flow of the queued datagrams, -1 if none is queued
 * @n:		number of datagrams queued
 * @bytes:	their payload bytes, all together
 * @iov:	payload of each datagram, in the frontend's frame buffer
 * @l4:		UDP header of each, to quote it in an ICMP error
 * @l4_len:	length of the UDP datagram from there
 * @mm:		message headers for sendmmsg(), one for each datagram
 */
static struct udp_batch {
	bool on;
	int idx;
	unsigned int n;
	size_t bytes;
	struct iovec iov[UDP_SEND_BATCH];
	const uint8_t *l4[UDP_SEND_BATCH];
	size_t l4_len[UDP_SEND_BATCH];
	struct mmsghdr mm[UDP_SEND_BATCH];
} udp_batch = { .idx = -1 };

static void udp_batch_send(struct ctx *c);

/**
 * udp_batch_drain() - send the datagrams queued for a flow about to close
 * @c:		execution context
 * @idx:	flow index
 */
static void udp_batch_drain(struct ctx *c, int idx)
{
	if (udp_batch.idx == idx)
		udp_batch_send(c);
}

/**
 * udp_at() - flow for a flow table index
 * @idx:	flow index
 *
 * Return: pointer to the UDP flow
 */
static struct udp_flow *udp_at(unsigned int idx)
{
	return FLOW_AS(idx, struct udp_flow);
}

/**
 * udp_flow_close() - close the socket of a flow and free its entry
 * @c:		execution context
 * @uf:		flow
 */
static void udp_flow_close(const struct ctx *c, struct udp_flow *uf)
{
	unsigned int idx = (unsigned int)((union flow *)uf - flowtab);

	/* Callers that can send queued datagrams did so (udp_batch_drain()):
	 * anything left is dropped with the flow
	 */
	if (udp_batch.idx == (int)idx) {
		udp_stats.dropped_err += udp_batch.n;
		udp_batch.n = 0;
		udp_batch.bytes = 0;
		udp_batch.idx = -1;
	}

	if (uf->sock >= 0 && !uf->inbound) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, uf->sock, NULL);
		close(uf->sock);
	}
	uf->sock = -1;
	flow_hash_remove(idx, FLOW_SIDE_GUEST);
	flow_hash_remove(idx, FLOW_SIDE_HOST);
	flow_free(idx);
}

/**
 * udp_guest_gone() - the guest went away: close a flow
 * @c:		execution context
 * @idx:	flow index of a FLOW_UDP flow
 *
 * The socket of an outbound flow is closed; an inbound one only loses its
 * entry (the forwarded port's socket stays).
 */
void udp_guest_gone(struct ctx *c, int idx)
{
	udp_batch_drain(c, idx);
	udp_flow_close(c, udp_at((unsigned int)idx));
}

/**
 * udp_flow_evict() - close an idle flow to make room in the flow table
 * @c:		execution context
 * @idx:	flow index of a FLOW_UDP flow
 */
void udp_flow_evict(struct ctx *c, int idx)
{
	udp_batch_drain(c, idx);
	udp_flow_close(c, udp_at((unsigned int)idx));
}

/**
 * udp_flow_last_active() - time of the last datagram of a flow
 * @idx:	flow index of a FLOW_UDP flow
 *
 * Return: milliseconds, see now_ms()
 */
uint64_t udp_flow_last_active(int idx)
{
	return udp_at((unsigned int)idx)->last_active;
}

/**
 * udp_dst_is_bcast() - is a guest's IPv4 destination a broadcast address
 * @c:		execution context
 * @dst:	destination address
 *
 * Return: true for multicast, the limited broadcast, and the directed
 *	   broadcast address of the guest's subnet
 */
static bool udp_dst_is_bcast(const struct ctx *c, struct in_addr dst)
{
	struct in_addr mask;

	if (!ip4_is_unicast(dst))
		return true;
	if (c->ip4.prefix_len <= 0 || c->ip4.prefix_len >= 31)
		return false;
	mask = ip4_netmask(c->ip4.prefix_len);
	return (dst.s_addr & ~mask.s_addr) == ~mask.s_addr &&
	       ip4_same_subnet(dst, c->ip4.addr, c->ip4.prefix_len);
}

/**
 * udp_icmp_err() - send the guest an ICMP error about one of its datagrams
 * @c:		execution context
 * @g:		guest side of the flow
 * @from_peer:	the destination itself reported the error
 * @type:	ICMP or ICMPv6 type
 * @code:	code
 * @data:	payload of the datagram, may be NULL if @quoted is 0
 * @len:	length of the whole payload (the UDP length is @len + 8)
 * @quoted:	bytes of payload available at @data
 *
 * The UDP header of the quote is rebuilt from the flow, without checksum
 * (receivers of ICMP errors don't check it), see icmp_err_to_guest().
 */
static void udp_icmp_err(struct ctx *c, const struct flowside *g,
			 bool from_peer, uint8_t type, uint8_t code,
			 const uint8_t *data, size_t len, size_t quoted)
{
	static uint8_t l4[UDP_HLEN + ICMP6_ERR_QUOTE_MAX];
	struct udp_hdr uh;

	if (len > 65535 - UDP_HLEN)
		return;
	quoted = MIN(quoted, sizeof(l4) - UDP_HLEN);

	uh.sport = htons(g->eport);
	uh.dport = htons(g->oport);
	uh.len = htons((uint16_t)(UDP_HLEN + len));
	uh.check = 0;
	memcpy(l4, &uh, sizeof(uh));
	if (quoted)
		memcpy(l4 + UDP_HLEN, data, quoted);

	icmp_err_to_guest(c, g, from_peer, type, code, IPPROTO_UDP, l4,
			  UDP_HLEN + len, UDP_HLEN + quoted);
}

/**
 * udp_sockaddr() - socket address for an address and port
 * @a:		address
 * @port:	port, host order
 * @scope:	interface of a link-local IPv6 address, 0 for none
 * @sa:		socket address to fill
 *
 * Return: length of the socket address
 */
static socklen_t udp_sockaddr(const union inany_addr *a, uint16_t port,
			      unsigned int scope, struct sockaddr_storage *sa)
{
	const struct in_addr *a4 = inany_v4(a);

	memset(sa, 0, sizeof(*sa));
	if (a4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)sa;

		sin->sin_family = AF_INET;
		sin->sin_addr = *a4;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->a6;
		sin6->sin6_port = htons(port);
		if (IN6_IS_ADDR_LINKLOCAL(&a->a6))
			sin6->sin6_scope_id = scope;
		return sizeof(*sin6);
	}
}

/**
 * udp_flow_new() - open a flow for a new guest side
 * @c:		execution context
 * @af:		AF_INET or AF_INET6
 * @key:	guest side of the new flow
 * @err:	set to the errno of a failed connect() (or EHOSTUNREACH without
 *		a resolver for --dns-forward, EACCES if host isolation
 *		refuses the flow, unless --host-refuse drop), 0 for other
 *		failures
 *
 * Return: the new flow, NULL on failure
 *
 * #syscalls socket:a0=AF_INET,AF_INET6:a1=SOCK_DGRAM_NB:a2=IPPROTO_UDP
 * #syscalls setsockopt bind connect
 */
static struct udp_flow *udp_flow_new(struct ctx *c, int af,
				     const struct flowside *key, int *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_storage sa;
	struct udp_flow *uf;
	int idx, s, rc, one = 1;
	socklen_t sl;

	*err = 0;
	idx = flow_alloc(c, FLOW_UDP, FLOW_SIDE_GUEST);
	if (idx < 0) {
		log_debug("UDP: flow table full, dropping datagram");
		return NULL;
	}

	uf = udp_at(idx);
	uf->f.side[FLOW_SIDE_GUEST] = *key;
	uf->f.side[FLOW_SIDE_HOST].eaddr = key->oaddr;
	uf->f.side[FLOW_SIDE_HOST].eport = key->oport;
	uf->sock = -1;
	uf->no_gso = false;

	rc = fwd_guest_target(c, IPPROTO_UDP, key,
			      &uf->f.side[FLOW_SIDE_HOST].eaddr);
	if (rc) {
		if (rc == -EHOSTUNREACH)
			log_debug("UDP: no resolver to forward DNS to");
		/* Host isolation: administratively prohibited, or nothing;
		 * nothing for a loopback destination without a mapping
		 */
		if (rc != -EADDRNOTAVAIL &&
		    (rc != -EACCES || !c->host_refuse_drop))
			*err = -rc;
		goto fail;
	}

	s = sock_open(af, SOCK_DGRAM_NB, IPPROTO_UDP);
	if (s < 0) {
		log_debug("UDP: socket: %s", strerror(errno));
		goto fail;
	}
	uf->sock = s;
	if (fwd_outbound_bind(c, s, &uf->f.side[FLOW_SIDE_HOST].eaddr, 0))
		goto fail;

	if (af == AF_INET)
		setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	else
		setsockopt(s, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));

	uf->scope = fwd_scope6(c, &uf->f.side[FLOW_SIDE_HOST].eaddr.a6);
	sl = udp_sockaddr(&uf->f.side[FLOW_SIDE_HOST].eaddr, key->oport,
			  uf->scope, &sa);
	if (connect(s, (struct sockaddr *)&sa, sl)) {
		*err = errno;
		log_debug("UDP: connect: %s", strerror(errno));
		goto fail;
	}

	ev.data.u64 = flow_epoll_ref(EPOLL_TYPE_UDP, idx, FLOW_SIDE_HOST);
	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, s, &ev)) {
		log_debug("UDP: epoll_ctl: %s", strerror(errno));
		goto fail;
	}

	if (flow_hash_insert(idx, FLOW_SIDE_GUEST)) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, s, NULL);
		goto fail;
	}
	return uf;

fail:
	if (uf->sock >= 0)
		close(uf->sock);
	uf->sock = -1;
	flow_free(idx);
	return NULL;
}

/**
 * udp_sock_errqueue() - relay ICMP errors queued on a flow's socket
 * @c:		execution context
 * @uf:		flow, with a connected socket of its own
 *
 * Return: number of errors relayed to the guest
 */
static int udp_sock_errqueue(struct ctx *c, struct udp_flow *uf)
{
	const struct flowside *h = &uf->f.side[FLOW_SIDE_HOST];
	const struct flowside *g = &uf->f.side[FLOW_SIDE_GUEST];
	bool v4 = inany_v4(&g->oaddr) != NULL;
	uint8_t data[ICMP6_ERR_QUOTE_MAX];
	struct sock_extended_err ee;
	union inany_addr offender;
	socklen_t sl = sizeof(int);
	int i, err, sent = 0;
	uint8_t type, code;
	ssize_t n;

	for (i = 0; i < UDP_BATCH; i++) {
		n = icmp_errqueue_recv(uf->sock, data, sizeof(data), &ee,
				       &offender);
		if (n < 0)
			break;
		if (!icmp_err_from_ee(&ee, v4, &type, &code))
			continue;

		/* The payload comes back as we sent it, as far as the ICMP
		 * error quoted it: quote that, and take it as its length
		 */
		udp_icmp_err(c, g, inany_equals(&offender, &h->eaddr), type,
			     code, data, (size_t)n, (size_t)n);
		sent++;
	}

	/* Clear the pending error, if any, so that reads go on */
	getsockopt(uf->sock, SOL_SOCKET, SO_ERROR, &err, &sl);
	return sent;
}

/**
 * udp_send_err() - answer a datagram the host didn't send, if we should
 * @c:		execution context
 * @uf:		flow, NULL if it couldn't be opened
 * @key:	guest side of the flow
 * @p:		the guest's datagram
 * @err:	errno of the failed connect(), send() or sendto()
 *
 * An error pending on a flow's socket fails the next send(): that error is
 * also in the error queue, relayed from there, quoting the datagram it's
 * about. Otherwise (no route on the host, say), the guest gets an ICMP error
 * quoting this datagram, from its gateway, as if that were the router (from
 * the destination for ECONNREFUSED).
 *
 * Return: true if the guest was told
 */
static bool udp_send_err(struct ctx *c, struct udp_flow *uf,
			 const struct flowside *key, const struct pkt *p,
			 int err)
{
	uint8_t type, code;

	if (uf && !uf->inbound && udp_sock_errqueue(c, uf))
		return true;
	if (!icmp_err_from_errno(err, p->af == AF_INET, &type, &code))
		return false;

	/* The guest's UDP header and payload, as they came. A refusal can
	 * only be the peer's
	 */
	icmp_err_to_guest(c, key, err == ECONNREFUSED, type, code,
			  IPPROTO_UDP, p->l4, p->l4_len, p->l4_len);
	return true;
}

/**
 * udp_send_inbound() - send a guest's datagram on a forwarded port's socket
 * @c:		execution context
 * @uf:		inbound flow
 * @p:		the guest's datagram
 *
 * The socket is shared and bound to a wildcard address (or the rule's): the
 * datagram goes to the peer from the local address the peer sent its first
 * datagram to, with IP_PKTINFO or IPV6_PKTINFO, if we know it.
 *
 * Return: bytes sent, -1 on failure with errno set
 */
static ssize_t udp_send_inbound(const struct ctx *c,
				const struct udp_flow *uf, const struct pkt *p)
{
	const struct flowside *h = &uf->f.side[FLOW_SIDE_HOST];
	const struct in_addr *local4 = inany_v4(&h->oaddr);
	union {
		char buf[UDP_PKTINFO_SPACE];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = (void *)p->payload,
			     .iov_len = p->payload_len };
	struct sockaddr_storage sa;
	struct msghdr mh = {
		.msg_name = &sa,
		.msg_namelen = udp_sockaddr(&h->eaddr, h->eport, uf->scope,
					    &sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct cmsghdr *cm;

	if (inany_is_unspecified(&h->oaddr))
		return sendmsg(uf->sock, &mh, 0);

	memset(&cbuf, 0, sizeof(cbuf));
	mh.msg_control = cbuf.buf;
	cm = (struct cmsghdr *)(void *)cbuf.buf;
	if (local4) {
		struct in_pktinfo pi = { .ipi_spec_dst = *local4 };

		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_addr = h->oaddr.a6 };

		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	return sendmsg(uf->sock, &mh, 0);
}

/**
 * udp_batch_fail() - a queued datagram wasn't sent: tell the guest, or count
 * @c:		execution context
 * @uf:		flow
 * @i:		index of the datagram in the batch
 * @err:	errno of the failed send
 */
static void udp_batch_fail(struct ctx *c, struct udp_flow *uf, unsigned int i,
			   int err)
{
	const struct flowside *g = &uf->f.side[FLOW_SIDE_GUEST];
	struct pkt p = { .af = inany_v4(&g->oaddr) ? AF_INET : AF_INET6,
			 .l4 = udp_batch.l4[i], .l4_len = udp_batch.l4_len[i] };

	log_trace("UDP: send: %s", strerror(err));
	if (!udp_send_err(c, uf, g, &p, err))
		udp_stats.dropped_err++;
}

/**
 * udp_batch_gso() - send the queued datagrams as one, segmented by the kernel
 * @uf:		flow, with a connected socket of its own
 *
 * With UDP_SEGMENT, one sendmsg() passes one buffer through the host's
 * stack, cut into datagrams of the given size, the last one possibly
 * shorter, at the device or at the receiving socket. It applies when all
 * the datagrams but the last have the size of the first, the last isn't
 * larger, and none is empty. The sizes the peer sees are the guest's.
 *
 * Return: 1 if sent, 0 if the socket's buffer is full (nothing sent), -1 if
 *	   the batch doesn't qualify or the kernel refused the segmented send
 *	   (then @uf->no_gso is set, if it was the kernel)
 */
static int udp_batch_gso(struct udp_flow *uf)
{
	size_t seg = udp_batch.iov[0].iov_len;
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} cbuf;
	struct msghdr mh = { .msg_iov = udp_batch.iov,
			     .msg_iovlen = udp_batch.n,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	uint16_t gso = (uint16_t)seg;
	struct cmsghdr *cm;
	unsigned int i;

	if (uf->no_gso || udp_batch.n < 2 || !seg ||
	    udp_batch.bytes > UDP_PAYLOAD_MAX)
		return -1;
	for (i = 1; i < udp_batch.n; i++) {
		size_t len = udp_batch.iov[i].iov_len;

		if (!len || len > seg || (len < seg && i != udp_batch.n - 1))
			return -1;
	}

	memset(&cbuf, 0, sizeof(cbuf));
	cm = (struct cmsghdr *)(void *)cbuf.buf;
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(gso));
	memcpy(CMSG_DATA(cm), &gso, sizeof(gso));

	while (sendmsg(uf->sock, &mh, 0) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return 0;
		/* Too large for the route's MTU, no checksum offload on the
		 * way, IPsec, an old kernel: datagram by datagram from now
		 * on. An error pending on the socket fails this too: the
		 * datagrams go again one by one, and the first one reports
		 */
		if (errno == EINVAL || errno == EIO || errno == EMSGSIZE ||
		    errno == ENOPROTOOPT || errno == EOPNOTSUPP)
			uf->no_gso = true;
		return -1;
	}
	return 1;
}

/**
 * udp_batch_send() - send the datagrams queued for one flow, and empty it
 * @c:		execution context
 *
 * One segmented sendmsg() if the batch qualifies (udp_batch_gso()), one
 * sendmmsg() for all of them otherwise. A datagram the kernel refuses is
 * answered or counted as udp_tap_handler() would do it, and the following
 * ones go on, in order; with the socket's buffer full, the rest of the
 * batch is dropped and counted. A long segmented batch yields the CPU
 * after it (UDP_YIELD_MIN).
 *
 * #syscalls sendmmsg sched_yield
 */
static void udp_batch_send(struct ctx *c)
{
	struct udp_flow *uf;
	unsigned int i, n = udp_batch.n;
	int rc;

	if (!n)
		return;
	uf = udp_at((unsigned int)udp_batch.idx);

	if (n == 1) {
		while (send(uf->sock, udp_batch.iov[0].iov_base,
			    udp_batch.iov[0].iov_len, 0) < 0) {
			if (errno == EINTR)
				continue;
			udp_batch_fail(c, uf, 0, errno);
			goto out;
		}
		flow_count(&uf->f, FLOW_SIDE_GUEST, udp_batch.bytes,
			   uf->last_active);
		goto out;
	}

	rc = udp_batch_gso(uf);
	if (rc == 1) {
		flow_count(&uf->f, FLOW_SIDE_GUEST, udp_batch.bytes,
			   uf->last_active);
		/* The receiver may be on our CPU: let it read */
		if (n >= UDP_YIELD_MIN)
			sched_yield();
		goto out;
	}
	if (rc == 0) {
		udp_stats.dropped_err += n;
		goto out;
	}

	for (i = 0; i < n; i++) {
		memset(&udp_batch.mm[i], 0, sizeof(udp_batch.mm[i]));
		udp_batch.mm[i].msg_hdr.msg_iov = &udp_batch.iov[i];
		udp_batch.mm[i].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < n; ) {
		int sent = sendmmsg(uf->sock, udp_batch.mm + i, n - i, 0);
		int err = errno;
		int k;

		if (sent > 0) {
			for (k = 0; k < sent; k++)
				flow_count(&uf->f, FLOW_SIDE_GUEST,
					   udp_batch.iov[i + k].iov_len,
					   uf->last_active);
			i += (unsigned int)sent;
			continue;
		}
		if (sent < 0 && err == EINTR)
			continue;
		if (sent < 0 && (err == EAGAIN || err == EWOULDBLOCK ||
				 err == ENOBUFS)) {
			udp_stats.dropped_err += n - i;
			break;
		}
		udp_batch_fail(c, uf, i, sent < 0 ? err : EIO);
		i++;
	}
out:
	udp_batch.n = 0;
	udp_batch.bytes = 0;
	udp_batch.idx = -1;
}

/**
 * udp_batch_add() - queue a guest datagram of an outbound flow
 * @c:		execution context
 * @uf:		flow, with a connected socket of its own
 * @p:		the guest's datagram, in place until udp_flush()
 *
 * A full batch goes first: at most UDP_SEND_BATCH datagrams, and a
 * payload that fits one segmented send.
 */
static void udp_batch_add(struct ctx *c, struct udp_flow *uf,
			  const struct pkt *p)
{
	unsigned int n;

	if (udp_batch.n && (udp_batch.n == UDP_SEND_BATCH ||
			    udp_batch.bytes + p->payload_len > UDP_PAYLOAD_MAX))
		udp_batch_send(c);

	n = udp_batch.n++;
	udp_batch.idx = (int)((union flow *)uf - flowtab);
	udp_batch.iov[n].iov_base = (void *)p->payload;
	udp_batch.iov[n].iov_len = p->payload_len;
	udp_batch.l4[n] = p->l4;
	udp_batch.l4_len[n] = p->l4_len;
	udp_batch.bytes += p->payload_len;
}

/**
 * udp_batch_begin() - the frontend keeps its frames in place until
 *		       udp_flush(): datagrams may be queued until then
 */
void udp_batch_begin(void)
{
	udp_batch.on = true;
}

/**
 * udp_flush() - send what's queued, and send datagrams at once from now on
 * @c:		execution context
 *
 * Frontends call it before they reuse the buffer their frames are in.
 */
void udp_flush(struct ctx *c)
{
	udp_batch_send(c);
	udp_batch.on = false;
}

/**
 * udp_tap_handler() - handle a UDP datagram from the guest
 * @c:		execution context
 * @p:		validated frame holding a UDP datagram
 *
 * Return: true if the datagram was sent on (or answered with an error),
 *	   false if it was dropped
 */
bool udp_tap_handler(struct ctx *c, const struct pkt *p)
{
	struct flowside key;
	struct udp_flow *uf;
	int sidx, err = 0;

	if (c->no_udp || !p->l4 || p->l4_len < UDP_HLEN || !p->dport)
		return false;

	memset(&key, 0, sizeof(key));
	if (p->af == AF_INET) {
		if (udp_dst_is_bcast(c, p->dst4) || !ip4_is_unicast(p->src4)) {
			udp_stats.dropped_bcast++;
			return false;
		}
		inany_from_v4(&key.eaddr, p->src4);
		inany_from_v4(&key.oaddr, p->dst4);
	} else {
		if (IN6_IS_ADDR_MULTICAST(&p->dst6) ||
		    IN6_IS_ADDR_UNSPECIFIED(&p->dst6) ||
		    IN6_IS_ADDR_MULTICAST(&p->src6)) {
			udp_stats.dropped_bcast++;
			return false;
		}
		key.eaddr.a6 = p->src6;
		key.oaddr.a6 = p->dst6;
	}
	key.eport = p->sport;
	key.oport = p->dport;

	/* The flow of the datagrams queued so far, most likely, or another
	 * one: then those go first
	 */
	uf = NULL;
	if (udp_batch.idx >= 0) {
		uf = udp_at((unsigned int)udp_batch.idx);
		if (!flowside_eq(&uf->f.side[FLOW_SIDE_GUEST], &key)) {
			udp_batch_send(c);
			uf = NULL;
		}
	}
	if (!uf) {
		sidx = flow_lookup(FLOW_UDP, FLOW_SIDE_GUEST, &key);
		if (sidx >= 0)
			uf = udp_at(FLOW_SIDX_IDX(sidx));
		else
			uf = udp_flow_new(c, p->af, &key, &err);
	}
	if (!uf)
		return err && udp_send_err(c, NULL, &key, p, err);

	uf->last_active = now_ms();
	if (udp_batch.on && !uf->inbound) {
		udp_batch_add(c, uf, p);
		return true;
	}
	if (uf->inbound) {
		if (udp_send_inbound(c, uf, p) < 0) {
			err = errno;
			log_trace("UDP: sendmsg: %s", strerror(err));
			if (udp_send_err(c, uf, &uf->f.side[FLOW_SIDE_GUEST], p,
					 err))
				return true;
			udp_stats.dropped_err++;
			return false;
		}
		flow_count(&uf->f, FLOW_SIDE_GUEST, p->payload_len,
			   uf->last_active);
		return true;
	}
	if (send(uf->sock, p->payload, p->payload_len, 0) < 0) {
		err = errno;
		log_trace("UDP: send: %s", strerror(err));
		if (udp_send_err(c, uf, &uf->f.side[FLOW_SIDE_GUEST], p, err))
			return true;
		udp_stats.dropped_err++;
		return false;
	}
	flow_count(&uf->f, FLOW_SIDE_GUEST, p->payload_len, uf->last_active);
	return true;
}

/**
 * udp_sock_handler() - datagrams (or errors) from the host peer of a flow
 * @c:		execution context
 * @ref:	epoll reference of the flow, see flow_epoll_ref()
 * @events:	epoll events
 *
 * #syscalls recvmmsg recvmsg sendmsg sendto
 */
void udp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH], out[UDP_BATCH];
	const struct flowside *g;
	struct udp_flow *uf;
	size_t off, max, nout = 0;
	bool v4;
	int n, i, sidx;

	if ((sidx = flow_epoll_sidx(ref)) < 0)
		return;
	uf = udp_at((unsigned int)FLOW_SIDX_IDX(sidx));
	if (uf->f.type != FLOW_UDP || uf->sock < 0 || uf->inbound)
		return;
	g = &uf->f.side[FLOW_SIDE_GUEST];
	v4 = inany_v4(&g->oaddr) != NULL;

	if (events & EPOLLERR)
		udp_sock_errqueue(c, uf);
	if (!(events & EPOLLIN))
		return;

	off = v4 ? UDP4_PAYLOAD_OFF : UDP6_PAYLOAD_OFF;
	max = FRAME_MAX - off;	/* one frame, with -m 0 too */
	if (c->mtu) {
		size_t hl = (v4 ? IP4_HLEN : IP6_HLEN) + UDP_HLEN;

		max = (size_t)c->mtu > hl ? (size_t)c->mtu - hl : 0;
		max = MIN(max, FRAME_MAX - off);
	}

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = udp_frames[i] + off;
		iov[i].iov_len = max;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}

	n = recvmmsg(uf->sock, mm, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		/* A pending error: it's also in the queue */
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			udp_sock_errqueue(c, uf);
		return;
	}
	uf->last_active = now_ms();

	if (!c->seen.mac_known)
		return;

	for (i = 0; i < n; i++) {
		size_t len = mm[i].msg_len, flen;

		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			udp_stats.dropped_big++;
			continue;
		}
		if (v4)
			flen = frame_udp4_build(udp_frames[i], UDP_FRAME_SIZE,
						c->seen.mac, c->our_mac,
						inany_v4(&g->oaddr), g->oport,
						inany_v4(&g->eaddr), g->eport,
						len);
		else
			flen = frame_udp6_build(udp_frames[i], UDP_FRAME_SIZE,
						c->seen.mac, c->our_mac,
						&g->oaddr.a6, g->oport,
						&g->eaddr.a6, g->eport, len,
						64);
		if (!flen) {
			c->stats.frames_oversized++;
			continue;
		}
		out[nout].iov_base = udp_frames[i];
		flow_count(&uf->f, FLOW_SIDE_HOST, len, uf->last_active);
		out[nout].iov_len = flen;
		nout++;
	}
	if (nout)
		tap_send_frames(c, out, nout);
}

/**
 * udp_timer() - close flows idle for longer than UDP_IDLE_MS
 * @c:		execution context
 *
 * Called on every tick; looks at the table at most every UDP_TIMER_MS.
 */
void udp_timer(struct ctx *c)
{
	uint64_t now = now_ms();
	int i;

	if (!clock_due(now, udp_last_timer, UDP_TIMER_MS))
		return;
	udp_last_timer = now;

	flow_foreach(i) {
		struct udp_flow *uf = udp_at(i);

		if (uf->f.type != FLOW_UDP)
			continue;
		if (now - uf->last_active > UDP_IDLE_MS)
			udp_flow_close(c, uf);
	}
}

/**
 * udp_stats_log() - log the counters of datagrams we didn't forward
 * @level:	log level
 */
void udp_stats_log(int level)
{
	log_msg(level, "UDP: dropped %lu from the guest to broadcast or "
		"multicast, %lu the host didn't take, %lu too large for the "
		"guest", udp_stats.dropped_bcast, udp_stats.dropped_err,
		udp_stats.dropped_big);
}

/**
 * udp_flow_sock() - host socket of a flow
 * @idx:	flow index of a FLOW_UDP flow
 *
 * Return: socket (shared, for a flow that came in on a forwarded port),
 *	   -1 if none
 */
int udp_flow_sock(int idx)
{
	return udp_at((unsigned int)idx)->sock;
}

/**
 * udp_listen_closed() - close the flows that came in through a shared socket
 * @c:		execution context
 * @sock:	shared socket of a forwarded port, about to be closed
 *
 * Their replies would go out through that socket: it's going away (the
 * rule was removed at run time), and its number may be reused.
 */
void udp_listen_closed(const struct ctx *c, int sock)
{
	int i;

	flow_foreach(i) {
		struct udp_flow *uf = udp_at(i);

		if (uf->f.type == FLOW_UDP && uf->inbound && uf->sock == sock)
			udp_flow_close(c, uf);
	}
}

/**
 * udp_flow_inbound() - find or open the flow of a datagram to a forwarded port
 * @c:		execution context
 * @h:		host side: peer, bind address and local port
 * @sock:	shared socket of the forwarded port
 * @to:		target address in the guest, NULL for the guest's address
 * @target:	port in the guest
 *
 * Return: the flow, NULL if there's none and it can't be opened
 */
static struct udp_flow *udp_flow_inbound(struct ctx *c,
					 const struct flowside *h, int sock,
					 const union inany_addr *to,
					 uint16_t target)
{
	struct flowside g;
	struct udp_flow *uf;
	int sidx, idx;

	sidx = flow_lookup(FLOW_UDP, FLOW_SIDE_HOST, h);
	if (sidx >= 0)
		return udp_at(FLOW_SIDX_IDX(sidx));

	if (fwd_inbound_guest_side(c, &h->eaddr, h->eport, to, target, &g)) {
		log_debug("UDP: no guest to forward port %u to", h->oport);
		return NULL;
	}

	idx = flow_alloc(c, FLOW_UDP, FLOW_SIDE_HOST);
	if (idx < 0) {
		log_debug("UDP: flow table full, dropping datagram");
		return NULL;
	}
	uf = udp_at(idx);
	uf->f.side[FLOW_SIDE_GUEST] = g;
	uf->f.side[FLOW_SIDE_HOST] = *h;
	uf->sock = sock;
	uf->inbound = true;
	uf->no_gso = true;

	/* Two host peers can map to one guest side (both local to the host,
	 * same port): the first one keeps it until it expires
	 */
	if (flow_hash_insert(idx, FLOW_SIDE_GUEST)) {
		log_debug("UDP: guest side taken, dropping datagram to %u",
			  h->oport);
		uf->sock = -1;
		flow_free(idx);
		return NULL;
	}
	if (flow_hash_insert(idx, FLOW_SIDE_HOST)) {
		flow_hash_remove(idx, FLOW_SIDE_GUEST);
		uf->sock = -1;
		flow_free(idx);
		return NULL;
	}
	return uf;
}

/**
 * udp_listen_sockopts() - options of a socket bound for a forwarded port
 * @s:		UDP socket
 * @af:		its family, AF_INET or AF_INET6
 *
 * Datagrams come with the local address they were sent to (IP_PKTINFO,
 * IPV6_RECVPKTINFO), which replies go out from.
 */
void udp_listen_sockopts(int s, int af)
{
	int one = 1;

	if (af == AF_INET)
		setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else
		setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			   sizeof(one));
}

/**
 * udp_pktinfo_local() - local address a datagram was received on
 * @mh:		message header of the datagram, with its control data
 * @local:	local address, set on success
 *
 * For IPv4, the address the kernel would reply from (ipi_spec_dst): the
 * destination, or, for a broadcast, the address of the interface. For IPv6,
 * the destination, unless it's a multicast address.
 *
 * Return: true if the control data had a usable address
 */
static bool udp_pktinfo_local(struct msghdr *mh, union inany_addr *local)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			if (!pi.ipi_spec_dst.s_addr)
				return false;
			inany_from_v4(local, pi.ipi_spec_dst);
			return true;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr) ||
			    IN6_IS_ADDR_UNSPECIFIED(&pi.ipi6_addr))
				return false;
			local->a6 = pi.ipi6_addr;
			return true;
		}
	}
	return false;
}

/**
 * udp_listen_handler() - datagrams to a forwarded port, from any peer
 * @c:		execution context
 * @ref:	epoll reference: shared socket, rule and port in @index
 * @events:	epoll events
 */
void udp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	static const struct port_spec_rule wildcard = { .af = AF_UNSPEC };
	const struct port_spec_rule *r;
	union inany_addr to, *top = NULL;
	uint16_t port, target;
	bool stale;
	struct sockaddr_storage peers[UDP_BATCH];
	union {
		char buf[UDP_PKTINFO_SPACE];
		struct cmsghdr align;
	} cmsgs[UDP_BATCH];
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH], out[UDP_BATCH];
	/* One frame holds a payload of at most these, with -m 0 too */
	size_t max4 = FRAME_MAX - UDP4_PAYLOAD_OFF, nout = 0;
	size_t max6 = FRAME_MAX - UDP6_PAYLOAD_OFF;
	/* Read at the IPv6 payload offset: IPv4 frames start further on */
	const size_t shift = UDP6_PAYLOAD_OFF - UDP4_PAYLOAD_OFF;
	struct flowside h;
	uint64_t now;
	int n, i;

	(void)events;

	r = listen_ref_rule(c, ref, &port, &stale);
	if (stale)
		return;
	target = r ? port_rule_target(r, port) : port;
	if (!r)
		r = &wildcard;
	if (r->taf == AF_INET) {
		inany_from_v4(&to, r->taddr.a4);
		top = &to;
	} else if (r->taf == AF_INET6) {
		inany_from_v6(&to, &r->taddr.a6);
		top = &to;
	}

	if (c->mtu) {
		size_t hl4 = IP4_HLEN + UDP_HLEN, hl6 = IP6_HLEN + UDP_HLEN;

		max4 = (size_t)c->mtu > hl4 ? (size_t)c->mtu - hl4 : 0;
		max6 = (size_t)c->mtu > hl6 ? (size_t)c->mtu - hl6 : 0;
		max4 = MIN(max4, FRAME_MAX - UDP4_PAYLOAD_OFF);
		max6 = MIN(max6, FRAME_MAX - UDP6_PAYLOAD_OFF);
	}

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = udp_frames[i] + UDP6_PAYLOAD_OFF;
		iov[i].iov_len = MIN(max4, UDP_FRAME_SIZE - UDP6_PAYLOAD_OFF);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &peers[i];
		mm[i].msg_hdr.msg_namelen = sizeof(peers[i]);
		mm[i].msg_hdr.msg_control = cmsgs[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof(cmsgs[i].buf);
	}

	n = recvmmsg(ref.fd, mm, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	now = now_ms();

	memset(&h, 0, sizeof(h));
	h.oport = port;

	for (i = 0; i < n; i++) {
		size_t len = mm[i].msg_len, flen;
		const struct flowside *g;
		struct udp_flow *uf;

		if (peers[i].ss_family != AF_INET &&
		    peers[i].ss_family != AF_INET6)
			continue;
		inany_from_sockaddr(&peers[i], &h.eaddr, &h.eport);
		if (peers[i].ss_family == AF_INET)
			inany_from_v4(&h.oaddr, r->af == AF_INET ? r->addr.a4 :
					       (struct in_addr){ 0 });
		else
			h.oaddr.a6 = r->af == AF_INET6 ? r->addr.a6 :
						       in6addr_any;
		/* The host side holds the real local address: flows of one
		 * peer to two addresses of ours are two flows, each replying
		 * from its own address. Without one, the rule's (or none)
		 */
		udp_pktinfo_local(&mm[i].msg_hdr, &h.oaddr);

		/* pasta: from the host's loopback, relay socket to socket
		 * (udp_splice.c); with --splice-only, nothing else
		 */
		if (c->mode == MODE_PASTA && !c->no_splice && !top &&
		    inany_is_loopback(&h.eaddr)) {
			if (!(mm[i].msg_hdr.msg_flags & MSG_TRUNC))
				udp_splice_send(c, FLOW_SIDE_HOST, ref.fd,
						&peers[i], port, target,
						iov[i].iov_base, len);
			continue;
		}
		if (c->splice_only)
			continue;

		if (!c->seen.mac_known || c->fd_tap < 0 || c->no_udp)
			continue;
		uf = udp_flow_inbound(c, &h, ref.fd, top, target);
		if (!uf)
			continue;
		uf->last_active = now;
		if (peers[i].ss_family == AF_INET6)
			uf->scope = ((struct sockaddr_in6 *)&peers[i])->
				    sin6_scope_id;
		g = &uf->f.side[FLOW_SIDE_GUEST];

		if (inany_v4(&g->oaddr)) {
			if ((mm[i].msg_hdr.msg_flags & MSG_TRUNC) ||
			    len > max4) {
				udp_stats.dropped_big++;
				continue;
			}
			flen = frame_udp4_build(udp_frames[i] + shift,
						UDP_FRAME_SIZE - shift,
						c->seen.mac, c->our_mac,
						inany_v4(&g->oaddr), g->oport,
						inany_v4(&g->eaddr), g->eport,
						len);
			out[nout].iov_base = udp_frames[i] + shift;
		} else {
			if ((mm[i].msg_hdr.msg_flags & MSG_TRUNC) ||
			    len > max6) {
				udp_stats.dropped_big++;
				continue;
			}
			flen = frame_udp6_build(udp_frames[i], UDP_FRAME_SIZE,
						c->seen.mac, c->our_mac,
						&g->oaddr.a6, g->oport,
						&g->eaddr.a6, g->eport, len,
						64);
			out[nout].iov_base = udp_frames[i];
		}
		if (!flen) {
			c->stats.frames_oversized++;
			continue;
		}
		flow_count(&uf->f, FLOW_SIDE_HOST, len, now);
		out[nout].iov_len = flen;
		nout++;
	}
	if (nout)
		tap_send_frames(c, out, nout);
}

