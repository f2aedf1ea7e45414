// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ndp.c - answer Neighbor and Router Solicitations (RFC 4861)
 *
 * Theory of operation
 *
 * As with ARP, we pose as every other node on the link: a Neighbor
 * Solicitation for any address but the guest's own gets a Neighbor
 * Advertisement with our MAC address, flagged as coming from a router,
 * solicited, and overriding any cached entry. The NA comes from the target
 * address itself, as its owner would send it.
 *
 * Duplicate Address Detection (source ::) asks whether anybody uses an
 * address the guest is about to take: the guest picks link-local, SLAAC and
 * privacy addresses we can't know in advance, so answering for arbitrary
 * addresses would leave it with none. We only defend the addresses we use
 * ourselves (our link-local address, and the configured gateway), with an
 * unsolicited NA to all nodes.
 *
 * A Router Solicitation gets a Router Advertisement from our link-local
 * address: the /64 prefix of the assigned address, on-link and for
 * autonomous configuration, the MTU, DNS resolvers (RDNSS) and search list
 * (DNSSL, RFC 8106), and the M and O flags when DHCPv6 is enabled. Lifetimes
 * are infinite, the router lifetime is the largest one (RFC 8319), as we
 * don't send periodic advertisements. The reply is unicast to the
 * soliciting link-local address, or sent to all nodes.
 *
 * Incoming messages are checked as RFC 4861 requires: hop limit 255 (not
 * forwarded by a router), code 0, ICMPv6 checksum, minimum length, option
 * lengths, no source link-layer option from the unspecified address.
 */

#include <string.h>
#include <arpa/inet.h>

#include "conf/ctx.h"
#include "svc/svc.h"
#include "wire/pkt.h"
#include "wire/ndp.h"
#include "wire/dns.h"
#include "util/log.h"
#include "util/util.h"

#define NDP_ROUTER_LIFETIME	65535	/* seconds, RFC 8319 maximum */
#define NDP_INFINITE		0xffffffffU
#define NDP_RA_HOP_LIMIT	64
#define NDP_PREFIX_LEN		64
#define NDP_DNSSL_MAX		(255 * 8 - 8)	/* option length limit */

/**
 * ndp_is_guest_addr() - tell if an address belongs to the guest
 * @c:		execution context
 * @a:		address
 *
 * Return: true if assigned to the guest or seen as its source
 */
static bool ndp_is_guest_addr(const struct ctx *c, const struct in6_addr *a)
{
	return ip6_eq(a, &c->ip6.addr) ||
	       (!ip6_is_unspec(&c->seen.addr6) && ip6_eq(a, &c->seen.addr6)) ||
	       (!ip6_is_unspec(&c->seen.addr6_ll) &&
		ip6_eq(a, &c->seen.addr6_ll));
}

/**
 * ndp_is_our_addr() - tell if an address is one we use on the link
 * @c:		execution context
 * @a:		address
 *
 * Return: true for our link-local address and the configured gateway
 */
static bool ndp_is_our_addr(const struct ctx *c, const struct in6_addr *a)
{
	return ip6_eq(a, &c->ip6.our_ll) ||
	       (!ip6_is_unspec(&c->ip6.gw) && ip6_eq(a, &c->ip6.gw));
}

/**
 * ndp_ns_answer() - reply to a Neighbor Solicitation
 * @c:		execution context
 * @p:		validated frame with an NS, checksum and hop limit checked
 * @reply:	buffer for the reply frame
 * @size:	size of @reply
 * @reply_len:	set to the reply length on SVC_REPLY
 *
 * Return: SVC_REPLY, SVC_IGNORE, or SVC_MALFORMED
 */
static enum svc_verdict ndp_ns_answer(const struct ctx *c,
				      const struct pkt *p, uint8_t *reply,
				      size_t size, size_t *reply_len)
{
	const struct ndp_ns *ns = (const struct ndp_ns *)p->l4;
	bool dad = ip6_is_unspec(&p->src6);
	uint8_t mcast_mac[ETH_ALEN];
	const struct in6_addr *dst;
	const uint8_t *opts, *dmac;
	struct in6_addr target;
	struct ndp_na *na;
	size_t opts_len;
	struct wbuf w;

	if (p->l4_len < sizeof(*ns))
		return SVC_MALFORMED;
	opts = p->l4 + sizeof(*ns);
	opts_len = p->l4_len - sizeof(*ns);
	if (!ndp_opts_valid(opts, opts_len))
		return SVC_MALFORMED;

	memcpy(&target, ns->target, sizeof(target));
	if (ip6_is_multicast(&target) ||
	    (dad && ndp_opt_find(opts, opts_len, NDP_OPT_SLLA)))
		return SVC_MALFORMED;

	if (ip6_is_unspec(&target) || ndp_is_guest_addr(c, &target))
		return SVC_IGNORE;
	if (dad && !ndp_is_our_addr(c, &target))
		return SVC_IGNORE;

	if (size < ICMP6_OFF)
		return SVC_IGNORE;
	wbuf_init(&w, reply + ICMP6_OFF, size - ICMP6_OFF);
	if (!wbuf_put(&w, NULL, sizeof(*na)) ||
	    !ndp_opt_lla_put(&w, NDP_OPT_TLLA, c->our_mac))
		return SVC_IGNORE;

	na = (struct ndp_na *)(reply + ICMP6_OFF);
	na->type = ICMP6_NA;
	na->flags = NDP_NA_ROUTER | NDP_NA_OVERRIDE;
	memcpy(na->target, &target, sizeof(na->target));

	if (dad) {
		dst = &ip6_all_nodes;
		ip6_mcast_mac(dst, mcast_mac);
		dmac = mcast_mac;
	} else {
		na->flags |= NDP_NA_SOLICITED;
		dst = &p->src6;
		dmac = p->eth->src;
	}

	*reply_len = frame_icmp6_build(reply, size, dmac, c->our_mac, &target,
				       dst, w.len, NDP_HOP_LIMIT);
	if (!*reply_len)
		return SVC_IGNORE;

	log_debug("NDP: received NS, sending NA");
	return SVC_REPLY;
}

/**
 * ndp_ra_options() - append the options of a Router Advertisement
 * @c:		execution context
 * @w:		writer
 */
static void ndp_ra_options(const struct ctx *c, struct wbuf *w)
{
	ndp_opt_lla_put(w, NDP_OPT_SLLA, c->our_mac);

	if (c->mtu >= MTU_MIN_IPV6) {
		uint8_t opt[8] = { NDP_OPT_MTU, 1 };
		uint32_t mtu = htonl((uint32_t)c->mtu);

		memcpy(opt + 4, &mtu, 4);
		wbuf_put(w, opt, sizeof(opt));
	}

	if (!ip6_is_unspec(&c->ip6.addr)) {
		uint8_t opt[32] = { NDP_OPT_PREFIX, 4, NDP_PREFIX_LEN,
				    NDP_PREFIX_ONLINK | NDP_PREFIX_AUTO,
				    0xff, 0xff, 0xff, 0xff,	/* valid */
				    0xff, 0xff, 0xff, 0xff };	/* preferred */

		memcpy(opt + 16, &c->ip6.addr, NDP_PREFIX_LEN / 8);
		wbuf_put(w, opt, sizeof(opt));
	}

	if (!c->no_dhcp_dns && c->ip6.dns_count > 0) {
		int n = MIN(c->ip6.dns_count, MAX_DNS);
		size_t start = w->len;

		if (!wbuf_u8(w, NDP_OPT_RDNSS) ||
		    !wbuf_u8(w, (uint8_t)(1 + 2 * n)) || !wbuf_be16(w, 0) ||
		    !wbuf_be32(w, NDP_INFINITE) ||
		    !wbuf_put(w, c->ip6.dns, (size_t)n * 16))
			w->len = start;
	}

	if (!c->no_dhcp_search && c->search_count > 0) {
		uint8_t enc[NDP_DNSSL_MAX];
		size_t len, padded, start = w->len;

		len = dns_search_encode(c->search[0], sizeof(c->search[0]),
					MIN(c->search_count, MAX_SEARCH),
					false, enc, sizeof(enc));
		padded = ROUND_UP(len, 8);
		if (len &&
		    (!wbuf_u8(w, NDP_OPT_DNSSL) ||
		     !wbuf_u8(w, (uint8_t)(1 + padded / 8)) ||
		     !wbuf_be16(w, 0) || !wbuf_be32(w, NDP_INFINITE) ||
		     !wbuf_put(w, enc, len) ||
		     !wbuf_put(w, NULL, padded - len)))
			w->len = start;
	}
}

/**
 * ndp_rs_answer() - reply to a Router Solicitation
 * @c:		execution context
 * @p:		validated frame with an RS, checksum and hop limit checked
 * @reply:	buffer for the reply frame
 * @size:	size of @reply
 * @reply_len:	set to the reply length on SVC_REPLY
 *
 * Return: SVC_REPLY, SVC_IGNORE, or SVC_MALFORMED
 */
static enum svc_verdict ndp_rs_answer(const struct ctx *c,
				      const struct pkt *p, uint8_t *reply,
				      size_t size, size_t *reply_len)
{
	uint8_t mcast_mac[ETH_ALEN];
	const struct in6_addr *dst;
	const uint8_t *opts, *dmac;
	struct ndp_ra *ra;
	size_t opts_len;
	struct wbuf w;

	if (p->l4_len < sizeof(struct ndp_rs))
		return SVC_MALFORMED;
	opts = p->l4 + sizeof(struct ndp_rs);
	opts_len = p->l4_len - sizeof(struct ndp_rs);
	if (!ndp_opts_valid(opts, opts_len))
		return SVC_MALFORMED;
	if (ip6_is_unspec(&p->src6) &&
	    ndp_opt_find(opts, opts_len, NDP_OPT_SLLA))
		return SVC_MALFORMED;

	if (c->no_ra)
		return SVC_IGNORE;

	if (size < ICMP6_OFF)
		return SVC_IGNORE;
	wbuf_init(&w, reply + ICMP6_OFF, size - ICMP6_OFF);
	if (!wbuf_put(&w, NULL, sizeof(*ra)))
		return SVC_IGNORE;

	ra = (struct ndp_ra *)(reply + ICMP6_OFF);
	ra->type = ICMP6_RA;
	ra->cur_hop_limit = NDP_RA_HOP_LIMIT;
	if (!c->no_dhcpv6)
		ra->flags = NDP_RA_MANAGED | NDP_RA_OTHER;
	ra->lifetime = htons(NDP_ROUTER_LIFETIME);

	ndp_ra_options(c, &w);

	if (ip6_is_link_local(&p->src6)) {
		dst = &p->src6;
		dmac = p->eth->src;
	} else {
		dst = &ip6_all_nodes;
		ip6_mcast_mac(dst, mcast_mac);
		dmac = mcast_mac;
	}

	*reply_len = frame_icmp6_build(reply, size, dmac, c->our_mac,
				       &c->ip6.our_ll, dst, w.len,
				       NDP_HOP_LIMIT);
	if (!*reply_len)
		return SVC_IGNORE;

	log_debug("NDP: received RS, sending RA");
	return SVC_REPLY;
}

/**
 * ndp_answer() - reply to a Neighbor or Router Solicitation
 * @c:		execution context
 * @p:		validated frame, ICMPv6 type ICMP6_NS or ICMP6_RS
 * @reply:	buffer for the reply frame
 * @size:	size of @reply
 * @reply_len:	set to the reply length on SVC_REPLY
 *
 * Return: SVC_REPLY, SVC_IGNORE, or SVC_MALFORMED
 */
enum svc_verdict ndp_answer(const struct ctx *c, const struct pkt *p,
			    uint8_t *reply, size_t size, size_t *reply_len)
{
	if (c->no_ndp || !c->ip6.enabled)
		return SVC_IGNORE;

	if (p->ttl != NDP_HOP_LIMIT || p->icmp_code || !icmp6_csum_ok(p))
		return SVC_MALFORMED;

	switch (p->icmp_type) {
	case ICMP6_NS:
		return ndp_ns_answer(c, p, reply, size, reply_len);
	case ICMP6_RS:
		return ndp_rs_answer(c, p, reply, size, reply_len);
	default:
		return SVC_IGNORE;
	}
}
