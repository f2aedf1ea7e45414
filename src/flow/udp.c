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
 * datagrams of the flow are written to that socket as they are, one send()
 * each. Being connected, the socket only receives from that peer: whatever
 * it receives goes back to the guest, in batches (recvmmsg() into the
 * payload areas of prepared frames, then one tap_send_frames()), from the
 * destination address and port to the guest's address and port.
 *
 * Errors: with IP_RECVERR (IPV6_RECVERR) on, ICMP errors for the socket come
 * in its error queue with a copy of the datagram we sent. A port unreachable
 * (ECONNREFUSED) becomes an ICMP (ICMPv6) port unreachable to the guest,
 * quoting the IP header and UDP header of the guest's datagram as we
 * reconstruct them from the flow, and as much payload as fits in the usual
 * limits, so that the guest's socket sees ECONNREFUSED too. A send() failing
 * with ECONNREFUSED (an error reported before we read the queue) is answered
 * the same way, quoting that datagram.
 *
 * Datagrams the guest sends to broadcast or multicast addresses are dropped
 * and counted, never sent out: we have no broadcast domain to loop them in.
 * Datagrams from the host peer that don't fit the guest's MTU are dropped
 * and counted too.
 *
 * Forwarded ports (-u, or -t's port numbers): for every port of every rule
 * we bind a UDP socket on the host (0.0.0.0 and :: with IPV6_V6ONLY without
 * an address in the rule), shared by all the flows that come in through
 * it. A datagram arriving there from a peer is looked up by the host side
 * of the flows (peer address and port, the rule's bind address, the local
 * port): a new peer opens a FLOW_UDP whose host side is that, and whose
 * guest side, as fwd_inbound_guest_side() decides, goes from the peer (or
 * the gateway, for peers on the host itself) to the guest's address and the
 * target port of the rule. Such a flow is hashed by both sides: the guest's
 * replies find it by the guest side as any other flow, and go out with
 * sendto() to the peer on the shared socket, which flows never close.
 *
 * Flows have no end but idleness: after UDP_IDLE_MS without traffic in
 * either direction the socket is closed and the entry freed. A full table
 * refuses new flows (the datagram is dropped, flow.c counts the refusal).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "flow/udp.h"
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
#define UDP_PAYLOAD_MAX		(65535 - IP4_HLEN - UDP_HLEN)
#define UDP_FRAME_SIZE		(UDP6_PAYLOAD_OFF + UDP_PAYLOAD_MAX)

/* ICMP errors quote at most this much of the offending packet: what fits in
 * a 576-byte IPv4 datagram, and in a 1280-byte IPv6 one
 */
#define UDP_QUOTE4_MAX		(576 - IP4_HLEN - ICMP_HLEN)
#define UDP_QUOTE6_MAX		(1280 - IP6_HLEN - ICMP_HLEN)

/**
 * struct udp_flow - one UDP flow, an entry of the flow table
 * @f:		common flow header: type, sides
 * @sock:	connected host socket, or the shared socket of a forwarded port
 * @inbound:	flow from a forwarded port: @sock isn't ours, send with
 *		sendto(), hashed by the host side too
 * @last_active: time of the last datagram in either direction, ms
 */
struct udp_flow {
	struct flow_common f;
	int sock;
	bool inbound;
	uint64_t last_active;
};

FLOW_TYPE_CHECK(struct udp_flow);

/**
 * struct udp_stats - counters of datagrams we didn't forward
 * @dropped_bcast:	to broadcast or multicast addresses, from the guest
 * @dropped_big:	from the host peer, larger than the guest's MTU
 * @dropped_err:	send() to the host peer failed
 */
static struct udp_stats {
	unsigned long dropped_bcast;
	unsigned long dropped_big;
	unsigned long dropped_err;
} udp_stats;

static uint8_t udp_frames[UDP_BATCH][UDP_FRAME_SIZE];
static uint8_t udp_err_frame[ETH_HLEN + IP6_HLEN + ICMP_HLEN +
			     UDP_QUOTE6_MAX];
static uint64_t udp_last_timer;

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
 * udp_unreach() - send the guest a port unreachable for one of its datagrams
 * @c:		execution context
 * @g:		guest side of the flow
 * @data:	payload of the datagram, may be NULL
 * @len:	length of the whole payload (the UDP length is @len + 8)
 * @quoted:	bytes of payload available at @data
 */
static void udp_unreach(struct ctx *c, const struct flowside *g,
			const uint8_t *data, size_t len, size_t quoted)
{
	const struct in_addr *src4 = inany_v4(&g->oaddr);
	uint8_t *frame = udp_err_frame;
	struct udp_hdr uh;
	size_t ip_hlen, icmp_len, flen;
	uint8_t *icmp, *inner;

	if (!c->seen.mac_known || len > 65535 - IP6_HLEN - UDP_HLEN)
		return;

	ip_hlen = src4 ? IP4_HLEN : IP6_HLEN;
	icmp = frame + ETH_HLEN + ip_hlen;
	inner = icmp + ICMP_HLEN;
	quoted = MIN(quoted, (src4 ? UDP_QUOTE4_MAX : UDP_QUOTE6_MAX) -
			     ip_hlen - UDP_HLEN);
	icmp_len = ICMP_HLEN + ip_hlen + UDP_HLEN + quoted;

	memset(icmp, 0, ICMP_HLEN);
	uh.sport = htons(g->eport);
	uh.dport = htons(g->oport);
	uh.len = htons((uint16_t)(UDP_HLEN + len));
	uh.check = 0;		/* not verified by receivers of ICMP errors */
	memcpy(inner + ip_hlen, &uh, sizeof(uh));
	if (quoted)
		memcpy(inner + ip_hlen + UDP_HLEN, data, quoted);

	if (src4) {
		const struct in_addr *dst4 = inany_v4(&g->eaddr);
		uint16_t check;

		/* The guest's datagram, as it was: guest to peer */
		ip4_build(inner, IP4_HLEN, IPPROTO_UDP, dst4, src4,
			  UDP_HLEN + len, IP4_DEFAULT_TTL);
		icmp[0] = 3;	/* destination unreachable */
		icmp[1] = 3;	/* port unreachable */
		check = csum(icmp, icmp_len, 0);
		memcpy(icmp + 2, &check, sizeof(check));
		ip4_build(frame + ETH_HLEN, IP4_HLEN, IPPROTO_ICMP, src4,
			  dst4, icmp_len, IP4_DEFAULT_TTL);
		eth_build(frame, ETH_HLEN, c->seen.mac, c->our_mac,
			  ETHERTYPE_IP);
		flen = ETH_HLEN + IP4_HLEN + icmp_len;
	} else {
		ip6_build(inner, IP6_HLEN, IPPROTO_UDP, &g->eaddr.a6,
			  &g->oaddr.a6, UDP_HLEN + len, 64);
		icmp[0] = 1;	/* destination unreachable */
		icmp[1] = 4;	/* port unreachable */
		flen = frame_icmp6_build(frame, sizeof(udp_err_frame),
					 c->seen.mac, c->our_mac,
					 &g->oaddr.a6, &g->eaddr.a6, icmp_len,
					 64);
		if (!flen)
			return;
	}

	tap_send(c, frame, flen);
}

/**
 * udp_sockaddr() - socket address for an address and port
 * @c:		execution context
 * @a:		address
 * @port:	port, host order
 * @sa:		socket address to fill
 *
 * Return: length of the socket address
 */
static socklen_t udp_sockaddr(const struct ctx *c, const union inany_addr *a,
			      uint16_t port, struct sockaddr_storage *sa)
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
			sin6->sin6_scope_id = c->ifi6;
		return sizeof(*sin6);
	}
}

/**
 * udp_flow_new() - open a flow for a new guest side
 * @c:		execution context
 * @af:		AF_INET or AF_INET6
 * @key:	guest side of the new flow
 *
 * Return: the new flow, NULL on failure
 */
static struct udp_flow *udp_flow_new(struct ctx *c, int af,
				     const struct flowside *key)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_UDP };
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_storage sa;
	struct udp_flow *uf;
	int idx, s, one = 1;
	socklen_t sl;

	idx = flow_alloc(FLOW_UDP);
	if (idx < 0) {
		log_debug("UDP: flow table full, dropping datagram");
		return NULL;
	}

	uf = udp_at(idx);
	memset(uf, 0, sizeof(*uf));
	uf->f.type = FLOW_UDP;
	uf->f.side[FLOW_SIDE_GUEST] = *key;
	uf->f.side[FLOW_SIDE_HOST].eaddr = key->oaddr;
	uf->f.side[FLOW_SIDE_HOST].eport = key->oport;
	uf->sock = -1;

	if (fwd_guest_target(c, IPPROTO_UDP, &key->oaddr, key->oport,
			     &uf->f.side[FLOW_SIDE_HOST].eaddr)) {
		log_debug("UDP: no resolver to forward DNS to");
		goto fail;
	}

	s = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (s < 0) {
		log_debug("UDP: socket: %s", strerror(errno));
		goto fail;
	}
	uf->sock = s;

	if (af == AF_INET)
		setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	else
		setsockopt(s, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));

	sl = udp_sockaddr(c, &uf->f.side[FLOW_SIDE_HOST].eaddr, key->oport,
			  &sa);
	if (connect(s, (struct sockaddr *)&sa, sl)) {
		log_debug("UDP: connect: %s", strerror(errno));
		goto fail;
	}

	ref.fd = s;
	ref.index = (uint32_t)idx;
	ev.data.u64 = ref.u64;
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
	int sidx;

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

	sidx = flow_lookup(FLOW_UDP, FLOW_SIDE_GUEST, &key);
	if (sidx >= 0)
		uf = udp_at(FLOW_SIDX_IDX(sidx));
	else
		uf = udp_flow_new(c, p->af, &key);
	if (!uf)
		return false;

	uf->last_active = now_ms();
	if (uf->inbound) {
		const struct flowside *h = &uf->f.side[FLOW_SIDE_HOST];
		struct sockaddr_storage sa;
		socklen_t sl = udp_sockaddr(c, &h->eaddr, h->eport, &sa);

		if (sendto(uf->sock, p->payload, p->payload_len, 0,
			   (struct sockaddr *)&sa, sl) < 0) {
			udp_stats.dropped_err++;
			log_trace("UDP: sendto: %s", strerror(errno));
			return false;
		}
		return true;
	}
	if (send(uf->sock, p->payload, p->payload_len, 0) < 0) {
		if (errno == ECONNREFUSED) {
			udp_unreach(c, &uf->f.side[FLOW_SIDE_GUEST],
				    p->payload, p->payload_len,
				    p->payload_len);
			return true;
		}
		udp_stats.dropped_err++;
		log_trace("UDP: send: %s", strerror(errno));
		return false;
	}
	return true;
}

/**
 * udp_sock_errqueue() - read the error queue of a socket, answer refusals
 * @c:		execution context
 * @uf:		flow
 */
static void udp_sock_errqueue(struct ctx *c, struct udp_flow *uf)
{
	uint8_t data[UDP_QUOTE6_MAX];
	char cbuf[CMSG_SPACE(sizeof(struct sock_extended_err) +
			     sizeof(struct sockaddr_in6))];
	int err, i;

	for (i = 0; i < UDP_BATCH; i++) {
		struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		const struct sock_extended_err *ee = NULL;
		struct cmsghdr *cm;
		ssize_t n;

		n = recvmsg(uf->sock, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0)
			break;

		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if ((cm->cmsg_level == IPPROTO_IP &&
			     cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 &&
			     cm->cmsg_type == IPV6_RECVERR))
				ee = (const struct sock_extended_err *)
				     (void *)CMSG_DATA(cm);
		}
		if (!ee || ee->ee_errno != ECONNREFUSED)
			continue;
		if (ee->ee_origin != SO_EE_ORIGIN_ICMP &&
		    ee->ee_origin != SO_EE_ORIGIN_ICMP6)
			continue;

		/* The payload comes back as we sent it: quote it. A
		 * truncated copy still tells its length by the return value
		 */
		udp_unreach(c, &uf->f.side[FLOW_SIDE_GUEST], data,
			    (size_t)n, MIN((size_t)n, sizeof(data)));
	}

	/* Clear the pending error, if any, so that reads go on */
	{
		socklen_t sl = sizeof(err);

		getsockopt(uf->sock, SOL_SOCKET, SO_ERROR, &err, &sl);
	}
}

/**
 * udp_sock_handler() - datagrams (or errors) from the host peer of a flow
 * @c:		execution context
 * @ref:	epoll reference: socket and flow index
 * @events:	epoll events
 */
void udp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH], out[UDP_BATCH];
	const struct flowside *g;
	struct udp_flow *uf;
	size_t off, max, nout = 0;
	bool v4;
	int n, i;

	if (!flow_is_live(ref.index))
		return;
	uf = udp_at(ref.index);
	if (uf->f.type != FLOW_UDP || uf->sock != ref.fd || uf->inbound)
		return;
	g = &uf->f.side[FLOW_SIDE_GUEST];
	v4 = inany_v4(&g->oaddr) != NULL;

	if (events & EPOLLERR)
		udp_sock_errqueue(c, uf);
	if (!(events & EPOLLIN))
		return;

	off = v4 ? UDP4_PAYLOAD_OFF : UDP6_PAYLOAD_OFF;
	max = UDP_PAYLOAD_MAX;
	if (c->mtu) {
		size_t hl = (v4 ? IP4_HLEN : IP6_HLEN) + UDP_HLEN;

		max = (size_t)c->mtu > hl ? (size_t)c->mtu - hl : 0;
		max = MIN(max, (size_t)UDP_PAYLOAD_MAX);
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
		if (n < 0 && errno == ECONNREFUSED)
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
		if (!flen)
			continue;
		out[nout].iov_base = udp_frames[i];
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

	if (now - udp_last_timer < UDP_TIMER_MS)
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
 * udp_flow_inbound() - find or open the flow of a datagram to a forwarded port
 * @c:		execution context
 * @h:		host side: peer, bind address and local port
 * @sock:	shared socket of the forwarded port
 * @target:	port in the guest
 *
 * Return: the flow, NULL if there's none and it can't be opened
 */
static struct udp_flow *udp_flow_inbound(struct ctx *c,
					 const struct flowside *h, int sock,
					 uint16_t target)
{
	struct flowside g;
	struct udp_flow *uf;
	int sidx, idx;

	sidx = flow_lookup(FLOW_UDP, FLOW_SIDE_HOST, h);
	if (sidx >= 0)
		return udp_at(FLOW_SIDX_IDX(sidx));

	if (fwd_inbound_guest_side(c, &h->eaddr, h->eport, target, &g)) {
		log_debug("UDP: no guest to forward port %u to", h->oport);
		return NULL;
	}

	idx = flow_alloc(FLOW_UDP);
	if (idx < 0) {
		log_debug("UDP: flow table full, dropping datagram");
		return NULL;
	}
	uf = udp_at(idx);
	memset(uf, 0, sizeof(*uf));
	uf->f.type = FLOW_UDP;
	uf->f.side[FLOW_SIDE_GUEST] = g;
	uf->f.side[FLOW_SIDE_HOST] = *h;
	uf->sock = sock;
	uf->inbound = true;

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
 * udp_listen_handler() - datagrams to a forwarded port, from any peer
 * @c:		execution context
 * @ref:	epoll reference: shared socket, rule and port in @index
 * @events:	epoll events
 */
void udp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	const struct port_spec_rule *r = &c->udp_in.rules[ref.index >> 16];
	uint16_t port = ref.index & 0xffff;
	struct sockaddr_storage peers[UDP_BATCH];
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH], out[UDP_BATCH];
	size_t max4 = UDP_PAYLOAD_MAX, max6 = UDP_PAYLOAD_MAX, nout = 0;
	/* Read at the IPv6 payload offset: IPv4 frames start further on */
	const size_t shift = UDP6_PAYLOAD_OFF - UDP4_PAYLOAD_OFF;
	struct flowside h;
	uint64_t now;
	int n, i;

	(void)events;

	if (c->mtu) {
		size_t hl4 = IP4_HLEN + UDP_HLEN, hl6 = IP6_HLEN + UDP_HLEN;

		max4 = (size_t)c->mtu > hl4 ? (size_t)c->mtu - hl4 : 0;
		max6 = (size_t)c->mtu > hl6 ? (size_t)c->mtu - hl6 : 0;
		max4 = MIN(max4, (size_t)UDP_PAYLOAD_MAX);
		max6 = MIN(max6, (size_t)UDP_PAYLOAD_MAX);
	}

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = udp_frames[i] + UDP6_PAYLOAD_OFF;
		iov[i].iov_len = MIN(max4, UDP_FRAME_SIZE - UDP6_PAYLOAD_OFF);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &peers[i];
		mm[i].msg_hdr.msg_namelen = sizeof(peers[i]);
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

		if (peers[i].ss_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)&peers[i];

			inany_from_v4(&h.eaddr, sin->sin_addr);
			h.eport = ntohs(sin->sin_port);
			inany_from_v4(&h.oaddr, r->af == AF_INET ? r->addr.a4 :
					       (struct in_addr){ 0 });
		} else if (peers[i].ss_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 =
				(const void *)&peers[i];

			h.eaddr.a6 = sin6->sin6_addr;
			h.eport = ntohs(sin6->sin6_port);
			h.oaddr.a6 = r->af == AF_INET6 ? r->addr.a6 :
						       in6addr_any;
		} else {
			continue;
		}

		if (!c->seen.mac_known || c->fd_tap < 0 || c->no_udp)
			continue;
		uf = udp_flow_inbound(c, &h, ref.fd, port_rule_target(r, port));
		if (!uf)
			continue;
		uf->last_active = now;
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
		if (!flen)
			continue;
		out[nout].iov_len = flen;
		nout++;
	}
	if (nout)
		tap_send_frames(c, out, nout);
}

