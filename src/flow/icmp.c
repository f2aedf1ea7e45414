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
 * If ping sockets aren't permitted, we say so once, at warning level, and
 * drop echo requests. Flows idle for ICMP_IDLE_MS are closed.
 */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "flow/icmp.h"
#include "frontend/tap.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"
#include "wire/checksum.h"
#include "wire/pkt.h"

#define ICMP_IDLE_MS		(60ULL * 1000)	/* like ping flows in NATs */
#define ICMP_TIMER_MS		1000
#define ICMP_BATCH		8		/* replies read per wake-up */
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
		if (IN6_IS_ADDR_LINKLOCAL(&a->a6))
			sin6->sin6_scope_id = c->ifi6;
		return sizeof(*sin6);
	}
}

/**
 * icmp_flow_new() - open a ping socket for a new echo flow
 * @c:		execution context
 * @af:		AF_INET or AF_INET6
 * @key:	guest side of the flow
 *
 * Return: the new flow, NULL on failure
 */
static struct ping_flow *icmp_flow_new(struct ctx *c, int af,
				       const struct flowside *key)
{
	enum flow_type type = af == AF_INET ? FLOW_PING4 : FLOW_PING6;
	union epoll_ref ref = { .type = EPOLL_TYPE_PING };
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_storage sa;
	struct ping_flow *pf;
	int idx, s;

	s = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
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

	idx = flow_alloc(type);
	if (idx < 0) {
		log_debug("ICMP echo: flow table full, dropping request");
		close(s);
		return NULL;
	}
	pf = ping_at(idx);
	memset(pf, 0, sizeof(*pf));
	pf->f.type = type;
	pf->f.side[FLOW_SIDE_GUEST] = *key;
	pf->f.side[FLOW_SIDE_HOST].eaddr = key->oaddr;
	pf->sock = s;

	/* Keep the guest's identifier if we can: it's the "port" */
	memset(&sa, 0, sizeof(sa));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(key->eport);
		if (bind(s, (struct sockaddr *)sin, sizeof(*sin)))
			log_debug("ICMP echo: identifier %u taken",
				  key->eport);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(key->eport);
		if (bind(s, (struct sockaddr *)sin6, sizeof(*sin6)))
			log_debug("ICMP echo: identifier %u taken",
				  key->eport);
	}

	ref.fd = s;
	ref.index = (uint32_t)idx;
	ev.data.u64 = ref.u64;
	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, s, &ev) ||
	    flow_hash_insert(idx, FLOW_SIDE_GUEST)) {
		icmp_flow_close(c, pf);
		return NULL;
	}
	return pf;
}

/**
 * icmp_tap_handler() - handle an ICMP or ICMPv6 echo request from the guest
 * @c:		execution context
 * @p:		validated frame holding an echo request
 *
 * Return: true if the request was sent on, false if it was dropped
 */
bool icmp_tap_handler(struct ctx *c, const struct pkt *p)
{
	enum flow_type type = p->af == AF_INET ? FLOW_PING4 : FLOW_PING6;
	struct sockaddr_storage sa;
	struct flowside key;
	struct ping_flow *pf;
	uint16_t id;
	socklen_t sl;
	int sidx;

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
		pf = icmp_flow_new(c, p->af, &key);
	if (!pf)
		return false;

	pf->last_active = now_ms();
	sl = icmp_sockaddr(c, &key.oaddr, &sa);
	if (sendto(pf->sock, p->l4, p->l4_len, 0, (struct sockaddr *)&sa,
		   sl) < 0) {
		log_trace("ICMP echo: sendto: %s", strerror(errno));
		return false;
	}
	return true;
}

/**
 * icmp_sock_handler() - echo replies on a ping socket, to the guest
 * @c:		execution context
 * @ref:	epoll reference: socket and flow index
 */
void icmp_sock_handler(struct ctx *c, union epoll_ref ref)
{
	const struct flowside *g;
	struct ping_flow *pf;
	size_t hl;
	bool v4;
	int i;

	if (!flow_is_live(ref.index))
		return;
	pf = ping_at(ref.index);
	if ((pf->f.type != FLOW_PING4 && pf->f.type != FLOW_PING6) ||
	    pf->sock != ref.fd)
		return;
	g = &pf->f.side[FLOW_SIDE_GUEST];
	v4 = pf->f.type == FLOW_PING4;
	hl = ETH_HLEN + (v4 ? IP4_HLEN : IP6_HLEN);

	for (i = 0; i < ICMP_BATCH; i++) {
		uint8_t *msg = icmp_frame + hl;
		uint16_t id = htons(g->eport), check;
		size_t max = ICMP_MSG_MAX;
		ssize_t n;

		if (c->mtu && (size_t)c->mtu > hl - ETH_HLEN)
			max = MIN(max, (size_t)c->mtu - (hl - ETH_HLEN));

		n = recv(pf->sock, msg, max, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			break;
		pf->last_active = now_ms();
		if ((size_t)n > max || n < ICMP_HLEN || !c->seen.mac_known)
			continue;

		/* The guest's identifier, whatever the kernel's was */
		memcpy(msg + 4, &id, sizeof(id));

		if (v4) {
			const struct in_addr *src = inany_v4(&g->oaddr);
			const struct in_addr *dst = inany_v4(&g->eaddr);

			if (msg[0] != ICMP_ECHO_REPLY)
				continue;
			msg[2] = msg[3] = 0;
			check = csum(msg, (size_t)n, 0);
			memcpy(msg + 2, &check, sizeof(check));
			ip4_build(icmp_frame + ETH_HLEN, IP4_HLEN,
				  IPPROTO_ICMP, src, dst, (size_t)n,
				  IP4_DEFAULT_TTL);
			eth_build(icmp_frame, ETH_HLEN, c->seen.mac,
				  c->our_mac, ETHERTYPE_IP);
			tap_send(c, icmp_frame, hl + (size_t)n);
		} else {
			size_t flen;

			if (msg[0] != ICMP6_ECHO_REPLY)
				continue;
			flen = frame_icmp6_build(icmp_frame, sizeof(icmp_frame),
						 c->seen.mac, c->our_mac,
						 &g->oaddr.a6, &g->eaddr.a6,
						 (size_t)n, 64);
			if (flen)
				tap_send(c, icmp_frame, flen);
		}
	}
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

	if (now - icmp_last_timer < ICMP_TIMER_MS)
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
