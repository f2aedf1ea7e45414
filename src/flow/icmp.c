// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * icmp.c - ICMP and ICMPv6 echo flows through ping sockets
 *
 * Theory of operation
 *
 * We can't send raw ICMP without privileges, but Linux offers "ping sockets"
 * (SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6) to users whose group is in
 * net.ipv4.ping_group_range: they send echo requests and receive the matching
 * echo replies, with the kernel owning the identifier field (a ping socket's
 * "port") and the checksum.
 *
 * An echo request from the guest is looked up by (guest address, identifier,
 * destination) in the flow table, as FLOW_PING4 or FLOW_PING6 with the
 * identifier as both ports of the guest side. A new one gets its own ping
 * socket, which we try to bind to the guest's identifier, so that the peer
 * sees the same one; if that's taken, the kernel picks one when we first
 * send. The request's type, code, sequence number and data go out with
 * sendto(); the kernel sets the identifier and checksum.
 *
 * Each reply read from the socket becomes an echo reply to the guest from the
 * destination address, with the guest's identifier put back (whatever the
 * kernel's was), the peer's sequence number and data, and the checksum
 * computed again.
 *
 * Errors: ping sockets have IP_RECVERR (IPV6_RECVERR) on, so ICMP errors
 * about our requests come in their error queue with the request as the
 * kernel sent it. Destination unreachable errors are relayed to the guest
 * as udp.c relays them for UDP flows, with icmp_err_to_guest() below: same
 * type and code, the source being the destination if it reported the error
 * itself and the guest's gateway otherwise, and a quote of the guest's
 * request: its IP header rebuilt from the flow, the echo header with the
 * guest's identifier back in place (checksum recomputed over what we have)
 * and the data. A sendto() failing on the host (no route, "unreachable" or
 * "prohibit" route, firewall) gets the matching error too, quoting the
 * request as the guest sent it. So a ping to an unreachable address shows
 * "Destination Host Unreachable" (or "Net", or "Packet filtered") rather
 * than silence.
 *
 * If ping sockets aren't permitted, we say so once, at warning level, and
 * drop echo requests. Flows idle for ICMP_IDLE_MS are closed.
 */

#include <errno.h>
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
#include "flow/icmp.h"
#include "frontend/tap.h"
#include "policy/fwd.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"
#include "wire/checksum.h"
#include "wire/pkt.h"

#define ICMP_IDLE_MS		(60ULL * 1000)	/* like ping flows in NATs */
#define ICMP_TIMER_MS		1000
#define ICMP_BATCH		8		/* errors read per wake-up */
#define ICMP_MSG_MAX		(65535 - IP4_HLEN)
#define ICMP_FRAME_SIZE		(ETH_HLEN + IP6_HLEN + ICMP_MSG_MAX)

/**
 * struct ping_flow - one echo flow, an entry of the flow table
 * @f:		common flow header: type, sides (eport, oport: identifier)
 * @sock:	ping socket
 * @last_active: time of the last request or reply, ms
 */
struct ping_flow {
	struct flow_common f;
	int sock;
	uint64_t last_active;
};

FLOW_TYPE_CHECK(struct ping_flow);

static uint8_t icmp_frame[ICMP_FRAME_SIZE];
static uint64_t icmp_last_timer;
static bool icmp_eperm_logged;

/**
 * ping_at() - echo flow for a flow table index
 * @idx:	flow index
 *
 * Return: pointer to the flow
 */
static struct ping_flow *ping_at(unsigned int idx)
{
	return FLOW_AS(idx, struct ping_flow);
}

/**
 * icmp_flow_close() - close the socket of a flow and free its entry
 * @c:		execution context
 * @pf:		flow
 */
static void icmp_flow_close(const struct ctx *c, struct ping_flow *pf)
{
	int idx = (int)((union flow *)pf - flowtab);

	if (pf->sock >= 0) {
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, pf->sock, NULL);
		close(pf->sock);
	}
	pf->sock = -1;
	flow_free(idx);
}

/**
 * icmp_guest_gone() - the guest went away: close an echo flow
 * @c:		execution context
 * @idx:	flow index of a FLOW_PING4 or FLOW_PING6 flow
 */
void icmp_guest_gone(struct ctx *c, int idx)
{
	icmp_flow_close(c, ping_at((unsigned int)idx));
}

/**
 * icmp_flow_evict() - close an idle echo flow to make room in the flow table
 * @c:		execution context
 * @idx:	flow index of a FLOW_PING4 or FLOW_PING6 flow
 */
void icmp_flow_evict(struct ctx *c, int idx)
{
	icmp_flow_close(c, ping_at((unsigned int)idx));
}

/**
 * icmp_flow_last_active() - time of the last request or reply of a flow
 * @idx:	flow index of a FLOW_PING4 or FLOW_PING6 flow
 *
 * Return: milliseconds, see now_ms()
 */
uint64_t icmp_flow_last_active(int idx)
{
	return ping_at((unsigned int)idx)->last_active;
}

/**
 * icmp_sockaddr() - socket address for an address, port zero
 * @c:		execution context
 * @a:		address
 * @sa:		socket address to fill
 *
 * Return: length of the socket address
 */
static socklen_t icmp_sockaddr(const struct ctx *c, const union inany_addr *a,
			       struct sockaddr_storage *sa)
{
	const struct in_addr *a4 = inany_v4(a);

	memset(sa, 0, sizeof(*sa));
	if (a4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)sa;

		sin->sin_family = AF_INET;
		sin->sin_addr = *a4;
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->a6;
		sin6->sin6_scope_id = fwd_scope6(c, &a->a6);
		return sizeof(*sin6);
	}
}

/**
 * icmp_flow_sock() - ping socket of a flow
 * @idx:	flow index of a FLOW_PING4 or FLOW_PING6 flow
 *
 * Return: socket, -1 if none
 */
int icmp_flow_sock(int idx)
{
	return ping_at((unsigned int)idx)->sock;
}

/**
 * icmp_flow_new() - open a ping socket for a new echo flow
 * @c:		execution context
 * @af:		AF_INET or AF_INET6
 * @key:	guest side of the flow
 * @err:	set to EACCES if host isolation refuses the flow (unless
 *		--host-refuse drop), 0 otherwise (also for a loopback
 *		destination without a mapping: dropped, no answer)
 *
 * Return: the new flow, NULL on failure
 *
 * #syscalls socket:a0=AF_INET:a1=SOCK_DGRAM_NB:a2=IPPROTO_ICMP
 * #syscalls socket:a0=AF_INET6:a1=SOCK_DGRAM_NB:a2=IPPROTO_ICMPV6
 * #syscalls setsockopt bind
 */
static struct ping_flow *icmp_flow_new(struct ctx *c, int af,
				       const struct flowside *key, int *err)
{
	enum flow_type type = af == AF_INET ? FLOW_PING4 : FLOW_PING6;
	struct epoll_event ev = { .events = EPOLLIN };
	union inany_addr target;
	struct ping_flow *pf;
	int idx, s, rc, one = 1;

	/* Policy first: no socket for a refused flow */
	*err = 0;
	rc = fwd_guest_target(c, af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6,
			      key, &target);
	if (rc) {
		/* Nothing for a loopback destination without a mapping */
		if (rc == -EACCES && !c->host_refuse_drop)
			*err = EACCES;
		return NULL;
	}

	s = sock_open(af, SOCK_DGRAM_NB,
		   af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (s < 0) {
		if ((errno == EACCES || errno == EPERM) &&
		    !icmp_eperm_logged) {
			log_warn("ICMP echo: ping sockets not permitted, see "
				 "net.ipv4.ping_group_range");
			icmp_eperm_logged = true;
		} else {
			log_debug("ICMP echo: socket: %s", strerror(errno));
		}
		return NULL;
	}

	idx = flow_alloc(c, type, FLOW_SIDE_GUEST);
	if (idx < 0) {
		log_debug("ICMP echo: flow table full, dropping request");
		close(s);
		return NULL;
	}
	pf = ping_at(idx);
	pf->f.side[FLOW_SIDE_GUEST] = *key;
	pf->sock = s;

	/* ICMP errors about our requests, in the error queue */
	if (af == AF_INET)
		setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	else
		setsockopt(s, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));

	pf->f.side[FLOW_SIDE_HOST].eaddr = target;

	/* Keep the guest's identifier if we can: it's the "port". With -o,
	 * the source address goes in the same bind()
	 */
	if (fwd_outbound_bind(c, s, &pf->f.side[FLOW_SIDE_HOST].eaddr,
			      key->eport)) {
		icmp_flow_close(c, pf);
		return NULL;
	}

	ev.data.u64 = flow_epoll_ref(EPOLL_TYPE_PING, idx, FLOW_SIDE_HOST);
	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, s, &ev) ||
	    flow_hash_insert(idx, FLOW_SIDE_GUEST)) {
		icmp_flow_close(c, pf);
		return NULL;
	}
	return pf;
}

/**
 * icmp_sock_errqueue() - relay ICMP errors about echo requests to the guest
 * @c:		execution context
 * @pf:		flow, with errors in the queue of its ping socket
 *
 * Return: number of errors relayed
 */
static int icmp_sock_errqueue(struct ctx *c, const struct ping_flow *pf)
{
	const struct flowside *g = &pf->f.side[FLOW_SIDE_GUEST];
	bool v4 = pf->f.type == FLOW_PING4;
	uint16_t id = htons(g->eport), check;
	uint8_t buf[ICMP6_ERR_QUOTE_MAX];
	struct sock_extended_err ee;
	union inany_addr offender;
	uint8_t type, code;
	int i, sent = 0;
	ssize_t n;

	for (i = 0; i < ICMP_BATCH; i++) {
		n = icmp_errqueue_recv(pf->sock, buf, sizeof(buf), &ee,
				       &offender);
		if (n < 0)
			break;
		if (n < ICMP_HLEN || !icmp_err_from_ee(&ee, v4, &type, &code))
			continue;

		/* The request as the kernel sent it: put the guest's
		 * identifier back, and checksum what we have of it (a cut
		 * copy can't be verified anyway)
		 */
		memcpy(buf + 4, &id, sizeof(id));
		buf[2] = buf[3] = 0;
		if (v4)
			check = csum(buf, (size_t)n, 0);
		else
			check = csum(buf, (size_t)n,
				     csum_ip6_pseudo(&g->eaddr.a6,
						     &g->oaddr.a6,
						     IPPROTO_ICMPV6,
						     (uint32_t)n));
		memcpy(buf + 2, &check, sizeof(check));

		icmp_err_to_guest(c, g, inany_equals(&offender,
				  &pf->f.side[FLOW_SIDE_HOST].eaddr),
				  type, code,
				  v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, buf,
				  (size_t)n, (size_t)n);
		sent++;
	}
	return sent;
}

/**
 * icmp_tap_handler() - handle an ICMP or ICMPv6 echo request from the guest
 * @c:		execution context
 * @p:		validated frame holding an echo request
 *
 * Return: true if the request was sent on (or answered with an error),
 *	   false if it was dropped
 */
bool icmp_tap_handler(struct ctx *c, const struct pkt *p)
{
	enum flow_type type = p->af == AF_INET ? FLOW_PING4 : FLOW_PING6;
	struct sockaddr_storage sa;
	uint8_t etype, ecode;
	struct flowside key;
	struct ping_flow *pf;
	uint16_t id;
	socklen_t sl;
	int sidx, err;

	if (c->no_icmp || !p->l4 || p->l4_len < ICMP_HLEN)
		return false;

	memset(&key, 0, sizeof(key));
	if (p->af == AF_INET) {
		if (!ip4_is_unicast(p->dst4) || !ip4_is_unicast(p->src4))
			return false;
		inany_from_v4(&key.eaddr, p->src4);
		inany_from_v4(&key.oaddr, p->dst4);
	} else {
		if (IN6_IS_ADDR_MULTICAST(&p->dst6) ||
		    IN6_IS_ADDR_UNSPECIFIED(&p->dst6))
			return false;
		key.eaddr.a6 = p->src6;
		key.oaddr.a6 = p->dst6;
	}
	memcpy(&id, p->l4 + 4, sizeof(id));
	key.eport = key.oport = ntohs(id);

	sidx = flow_lookup(type, FLOW_SIDE_GUEST, &key);
	if (sidx >= 0)
		pf = ping_at(FLOW_SIDX_IDX(sidx));
	else
		pf = icmp_flow_new(c, p->af, &key, &err);
	if (!pf) {
		if (!err || !icmp_err_from_errno(err, p->af == AF_INET,
						 &etype, &ecode))
			return false;
		/* Refused by host isolation: administratively prohibited */
		icmp_err_to_guest(c, &key, false, etype, ecode, p->proto,
				  p->l4, p->l4_len, p->l4_len);
		return true;
	}

	pf->last_active = now_ms();
	sl = icmp_sockaddr(c, &pf->f.side[FLOW_SIDE_HOST].eaddr, &sa);
	if (sendto(pf->sock, p->l4, p->l4_len, 0, (struct sockaddr *)&sa,
		   sl) >= 0) {
		flow_count(&pf->f, FLOW_SIDE_GUEST, p->l4_len,
			   pf->last_active);
	} else {
		err = errno;
		log_trace("ICMP echo: sendto: %s", strerror(err));
		/* A pending error fails sendto(): it's also in the queue */
		if (icmp_sock_errqueue(c, pf))
			return true;
		if (!icmp_err_from_errno(err, p->af == AF_INET, &etype,
					 &ecode))
			return false;
		/* No route on the host, say: tell the guest, as a router */
		icmp_err_to_guest(c, &pf->f.side[FLOW_SIDE_GUEST], false,
				  etype, ecode, p->proto, p->l4, p->l4_len,
				  p->l4_len);
	}
	return true;
}

/**
 * icmp_reply_to_guest() - pass an echo reply read from a ping socket on to
 *			   the guest
 * @c:		execution context
 * @pf:		flow
 * @n:		length of the reply, at icmp_frame's ICMP header
 */
static void icmp_reply_to_guest(struct ctx *c, const struct ping_flow *pf,
				size_t n)
{
	const struct flowside *g = &pf->f.side[FLOW_SIDE_GUEST];
	bool v4 = pf->f.type == FLOW_PING4;
	size_t hl = ETH_HLEN + (v4 ? IP4_HLEN : IP6_HLEN);
	uint16_t id = htons(g->eport), check;
	uint8_t *msg = icmp_frame + hl;

	/* The guest's identifier, whatever the kernel's was */
	memcpy(msg + 4, &id, sizeof(id));

	if (v4) {
		const struct in_addr *src = inany_v4(&g->oaddr);
		const struct in_addr *dst = inany_v4(&g->eaddr);

		if (msg[0] != ICMP_ECHO_REPLY)
			return;
		msg[2] = msg[3] = 0;
		check = csum(msg, n, 0);
		memcpy(msg + 2, &check, sizeof(check));
		ip4_build(icmp_frame + ETH_HLEN, IP4_HLEN, IPPROTO_ICMP, src,
			  dst, n, IP4_DEFAULT_TTL);
		eth_build(icmp_frame, ETH_HLEN, c->seen.mac, c->our_mac,
			  ETHERTYPE_IP);
		tap_send(c, icmp_frame, hl + n);
	} else {
		size_t flen;

		if (msg[0] != ICMP6_ECHO_REPLY)
			return;
		flen = frame_icmp6_build(icmp_frame, sizeof(icmp_frame),
					 c->seen.mac, c->our_mac, &g->oaddr.a6,
					 &g->eaddr.a6, n, 64);
		if (flen)
			tap_send(c, icmp_frame, flen);
		else
			c->stats.frames_oversized++;
	}
}

/**
 * icmp_sock_handler() - echo replies (and errors) on a ping socket, to the
 *			 guest
 * @c:		execution context
 * @ref:	epoll reference of the flow, see flow_epoll_ref()
 * @events:	epoll events
 *
 * One reply per wake-up: the socket is level-triggered, so the next wait
 * returns at once if more are queued, and a single echo in flight (ping's
 * usual way) costs no read that finds nothing.
 *
 * #syscalls recvmsg sendto
 */
void icmp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	struct ping_flow *pf;
	size_t hl, max;
	int sidx;
	ssize_t n;

	if ((sidx = flow_epoll_sidx(ref)) < 0)
		return;
	pf = ping_at((unsigned int)FLOW_SIDX_IDX(sidx));
	if ((pf->f.type != FLOW_PING4 && pf->f.type != FLOW_PING6) ||
	    pf->sock < 0)
		return;
	hl = ETH_HLEN + (pf->f.type == FLOW_PING4 ? IP4_HLEN : IP6_HLEN);

	if (events & EPOLLERR)
		icmp_sock_errqueue(c, pf);
	if (!(events & EPOLLIN))
		return;

	max = FRAME_MAX - hl;	/* with -m 0 too */
	if (c->mtu && (size_t)c->mtu > hl - ETH_HLEN)
		max = MIN(max, (size_t)c->mtu - (hl - ETH_HLEN));

	n = recv_msg(pf->sock, icmp_frame + hl, max, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		/* A pending error: it's also in the queue */
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			icmp_sock_errqueue(c, pf);
		return;
	}
	pf->last_active = now_ms();
	if ((size_t)n > max || n < ICMP_HLEN || !c->seen.mac_known)
		return;
	flow_count(&pf->f, FLOW_SIDE_HOST, (size_t)n, pf->last_active);
	icmp_reply_to_guest(c, pf, (size_t)n);
}

/**
 * icmp_timer() - close echo flows idle for longer than ICMP_IDLE_MS
 * @c:		execution context
 *
 * Called on every tick; looks at the table at most every ICMP_TIMER_MS.
 */
void icmp_timer(struct ctx *c)
{
	uint64_t now = now_ms();
	int i;

	if (!clock_due(now, icmp_last_timer, ICMP_TIMER_MS))
		return;
	icmp_last_timer = now;

	flow_foreach(i) {
		struct ping_flow *pf = ping_at(i);

		if (pf->f.type != FLOW_PING4 && pf->f.type != FLOW_PING6)
			continue;
		if (now - pf->last_active > ICMP_IDLE_MS)
			icmp_flow_close(c, pf);
	}
}

/**
 * icmp_err_from_ee() - ICMP error to relay for one from a socket's queue
 * @ee:		extended error read from the error queue of a host socket
 * @v4:		the guest side of the flow is IPv4 (ICMP, not ICMPv6)
 * @type:	ICMP or ICMPv6 type to send the guest, set on success
 * @code:	code to send the guest, set on success
 *
 * Only destination unreachable errors are relayed, with their code as it
 * came: network, host, port unreachable and administratively prohibited
 * (IPv4 codes 0, 1, 3, 6, 7, 9, 10, 13; IPv6 codes 0, 1, 3, 4, 5, 6). Others
 * (fragmentation needed, time exceeded...) say something about our socket's
 * packets, not the guest's.
 *
 * Return: true if the error is to be relayed
 */
bool icmp_err_from_ee(const struct sock_extended_err *ee, bool v4,
		      uint8_t *type, uint8_t *code)
{
	if (v4) {
		if (ee->ee_origin != SO_EE_ORIGIN_ICMP ||
		    ee->ee_type != ICMP4_DEST_UNREACH)
			return false;
		switch (ee->ee_code) {
		case ICMP4_NET_UNREACH:
		case ICMP4_HOST_UNREACH:
		case ICMP4_PORT_UNREACH:
		case ICMP4_NET_UNKNOWN:
		case ICMP4_HOST_UNKNOWN:
		case ICMP4_NET_PROHIB:
		case ICMP4_HOST_PROHIB:
		case ICMP4_ADMIN_PROHIB:
			break;
		default:
			return false;
		}
	} else {
		if (ee->ee_origin != SO_EE_ORIGIN_ICMP6 ||
		    ee->ee_type != ICMP6_DEST_UNREACH)
			return false;
		switch (ee->ee_code) {
		case ICMP6_NOROUTE:
		case ICMP6_ADMIN_PROHIB:
		case ICMP6_ADDR_UNREACH:
		case ICMP6_PORT_UNREACH:
		case ICMP6_POLICY_FAIL:
		case ICMP6_REJECT_ROUTE:
			break;
		default:
			return false;
		}
	}

	*type = ee->ee_type;
	*code = ee->ee_code;
	return true;
}

/**
 * icmp_err_from_errno() - ICMP error for a local failure to send or connect
 * @err:	errno from connect(), send() or sendto() on a host socket
 * @v4:		the guest side of the flow is IPv4 (ICMP, not ICMPv6)
 * @type:	ICMP or ICMPv6 type to send the guest, set on success
 * @code:	code to send the guest, set on success
 *
 * The code is the one that makes the guest's socket see the same error as
 * a socket on the host, where the two IP versions allow it: ENETUNREACH (no
 * route) and EHOSTUNREACH ("unreachable" route) as network and host (IPv6:
 * address) unreachable, ECONNREFUSED as port unreachable, EACCES
 * ("prohibit" route) and EPERM (firewall) as administratively prohibited:
 * EACCES in an IPv6 guest, EHOSTUNREACH in an IPv4 one, which has no code
 * for EACCES.
 *
 * Return: true if @err is one to relay
 */
bool icmp_err_from_errno(int err, bool v4, uint8_t *type, uint8_t *code)
{
	switch (err) {
	case ENETUNREACH:
		*code = v4 ? ICMP4_NET_UNREACH : ICMP6_NOROUTE;
		break;
	case EHOSTUNREACH:
		*code = v4 ? ICMP4_HOST_UNREACH : ICMP6_ADDR_UNREACH;
		break;
	case ECONNREFUSED:
		*code = v4 ? ICMP4_PORT_UNREACH : ICMP6_PORT_UNREACH;
		break;
	case EACCES:
	case EPERM:
		*code = v4 ? ICMP4_ADMIN_PROHIB : ICMP6_ADMIN_PROHIB;
		break;
	default:
		return false;
	}

	*type = v4 ? ICMP4_DEST_UNREACH : ICMP6_DEST_UNREACH;
	return true;
}

/**
 * icmp_err_src() - source address of an ICMP error to the guest
 * @c:		execution context
 * @g:		guest side of the flow the error is about
 * @from_peer:	the destination itself reported the error
 * @src:	source address to use, set
 *
 * The destination the guest addressed if it reported the error itself
 * (port unreachable, or a firewall on the peer); otherwise the guest's
 * gateway, standing for the router that reported it or for the host itself
 * (our own link address without a gateway, the destination without
 * either).
 */
void icmp_err_src(const struct ctx *c, const struct flowside *g,
		  bool from_peer, union inany_addr *src)
{
	*src = g->oaddr;
	if (from_peer)
		return;

	if (inany_v4(&g->oaddr)) {
		if (c->ip4.gw.s_addr)
			inany_from_v4(src, c->ip4.gw);
		else if (c->ip4.our_addr.s_addr)
			inany_from_v4(src, c->ip4.our_addr);
	} else {
		if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw))
			src->a6 = c->ip6.gw;
		else if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.our_ll))
			src->a6 = c->ip6.our_ll;
	}
}

/**
 * icmp_errqueue_recv() - read one entry of the error queue of a host socket
 * @s:		socket, with IP_RECVERR or IPV6_RECVERR set
 * @buf:	buffer for the data the error is about, as the socket sent it
 *		(UDP: payload; ping socket: ICMP header and data), as far as
 *		the ICMP error quoted it
 * @size:	size of @buf
 * @ee:		extended error, set (all zero if the entry has none)
 * @offender:	address that reported the error, set (unspecified if none)
 *
 * Return: bytes of data at @buf, -1 if the queue is empty
 */
ssize_t icmp_errqueue_recv(int s, uint8_t *buf, size_t size,
			   struct sock_extended_err *ee,
			   union inany_addr *offender)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
				    sizeof(struct sockaddr_in6))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	memset(ee, 0, sizeof(*ee));
	memset(offender, 0, sizeof(*offender));

	n = recvmsg(s, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return -1;

	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		const uint8_t *d = CMSG_DATA(cm);
		struct sockaddr_in6 sin6;
		struct sockaddr_in sin;
		size_t dlen;
		sa_family_t af;

		if (!(cm->cmsg_level == IPPROTO_IP &&
		      cm->cmsg_type == IP_RECVERR) &&
		    !(cm->cmsg_level == IPPROTO_IPV6 &&
		      cm->cmsg_type == IPV6_RECVERR))
			continue;
		dlen = cm->cmsg_len - CMSG_LEN(0);
		if (dlen < sizeof(*ee))
			continue;
		memcpy(ee, d, sizeof(*ee));

		/* The offender follows, see SO_EE_OFFENDER() */
		d += sizeof(*ee);
		dlen -= sizeof(*ee);
		if (dlen < sizeof(af))
			continue;
		memcpy(&af, d, sizeof(af));
		if (af == AF_INET && dlen >= sizeof(sin)) {
			memcpy(&sin, d, sizeof(sin));
			inany_from_v4(offender, sin.sin_addr);
		} else if (af == AF_INET6 && dlen >= sizeof(sin6)) {
			memcpy(&sin6, d, sizeof(sin6));
			offender->a6 = sin6.sin6_addr;
		}
	}

	return n;
}

/**
 * icmp_err_to_guest() - send the guest a destination unreachable (or other
 *			 error) about a packet it sent
 * @c:		execution context
 * @g:		guest side of the flow: the offending packet went from @g->eaddr
 *		to @g->oaddr
 * @from_peer:	the destination itself reported the error, see icmp_err_src()
 * @type:	ICMP type (guest side IPv4) or ICMPv6 type (IPv6)
 * @code:	code
 * @proto:	upper layer protocol of the offending packet
 * @l4:		its upper layer header and data, as far as we have them
 * @l4_len:	its whole upper layer length, for the quoted IP header
 * @avail:	bytes at @l4, at most @l4_len
 *
 * The quote is the IP header of the packet as the guest sent it (rebuilt
 * from @g), then @l4, cut to the usual limits (576 bytes for the whole
 * ICMP error, 1280 for ICMPv6).
 */
void icmp_err_to_guest(struct ctx *c, const struct flowside *g,
		       bool from_peer, uint8_t type, uint8_t code,
		       uint8_t proto, const uint8_t *l4, size_t l4_len,
		       size_t avail)
{
	static uint8_t frame[ICMP6_ERR_QUOTE_OFF + ICMP6_ERR_QUOTE_MAX];
	const struct in_addr *gst4 = inany_v4(&g->eaddr);
	const struct in_addr *dst4 = inany_v4(&g->oaddr);
	union inany_addr src;
	size_t flen;

	if (!c->seen.mac_known || (!gst4) != (!dst4))
		return;
	avail = MIN(avail, l4_len);
	icmp_err_src(c, g, from_peer, &src);

	if (gst4) {
		uint8_t *q = frame + ICMP4_ERR_QUOTE_OFF;

		if (!ip4_build(q, IP4_HLEN, proto, gst4, dst4, l4_len,
			       IP4_DEFAULT_TTL))
			return;
		avail = MIN(avail, (size_t)ICMP4_ERR_QUOTE_MAX - IP4_HLEN);
		memcpy(q + IP4_HLEN, l4, avail);
		flen = frame_icmp4_err_build(frame, sizeof(frame),
					     c->seen.mac, c->our_mac,
					     inany_v4(&src), gst4, type, code,
					     IP4_HLEN + avail);
	} else {
		uint8_t *q = frame + ICMP6_ERR_QUOTE_OFF;

		if (!ip6_build(q, IP6_HLEN, proto, &g->eaddr.a6, &g->oaddr.a6,
			       l4_len, IP6_DEFAULT_HOP_LIMIT))
			return;
		avail = MIN(avail, (size_t)ICMP6_ERR_QUOTE_MAX - IP6_HLEN);
		memcpy(q + IP6_HLEN, l4, avail);
		flen = frame_icmp6_err_build(frame, sizeof(frame),
					     c->seen.mac, c->our_mac,
					     &src.a6, &g->eaddr.a6, type, code,
					     IP6_HLEN + avail);
	}

	if (flen)
		tap_send(c, frame, flen);
}
