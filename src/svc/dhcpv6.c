// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dhcpv6.c - stateful DHCPv6 server for the guest (RFC 8415)
 *
 * Theory of operation
 *
 * One client, one address, no bindings to remember: every IA_NA the guest
 * asks about in SOLICIT, REQUEST, RENEW or REBIND gets the configured
 * address, for the first IA_NA of the message (others get NoAddrsAvail).
 * SOLICIT gets ADVERTISE, or REPLY when both sides agree on Rapid Commit
 * (option 14). CONFIRM gets Success if the addresses the client holds are on
 * our /64, NotOnLink otherwise; INFORMATION-REQUEST gets configuration only;
 * RELEASE and DECLINE are acknowledged with Success.
 *
 * Lifetimes are finite but long, DHCPV6_LIFETIME, with the renewal (T1)
 * and rebinding (T2) times at 0.5 and 0.8 of that, as RFC 8415 recommends.
 *
 * Our DUID is a DUID-LL (type 3) of our MAC address. Messages carrying
 * another server's identifier are for another server; SOLICIT must not carry
 * one. A client identifier is required except in INFORMATION-REQUEST, and is
 * echoed. DNS resolvers (option 23) and the search list (option 24,
 * uncompressed) are sent unless disabled.
 *
 * Replies go from our link-local address, port 547, to the client's source
 * address, port 546, and to its source MAC address.
 */

#include <string.h>
#include <arpa/inet.h>

#include "conf/ctx.h"
#include "svc/svc.h"
#include "wire/pkt.h"
#include "wire/dhcpv6.h"
#include "wire/dns.h"
#include "util/log.h"
#include "util/util.h"

#define DHCPV6_LIFETIME		(7 * 24 * 3600U)	/* one week */
#define DHCPV6_T1		(DHCPV6_LIFETIME / 2)
#define DHCPV6_T2		(DHCPV6_LIFETIME / 5 * 4)
#define DHCPV6_HOP_LIMIT	255
#define DHCPV6_DUID_LL		3
#define DHCPV6_DUID_LL_LEN	(2 + 2 + ETH_ALEN)
#define DHCPV6_ONLINK_PREFIX	64

/**
 * dhcpv6_duid() - build our DUID-LL
 * @c:		execution context
 * @duid:	buffer of DHCPV6_DUID_LL_LEN bytes to fill
 */
static void dhcpv6_duid(const struct ctx *c, uint8_t *duid)
{
	duid[0] = 0;
	duid[1] = DHCPV6_DUID_LL;
	duid[2] = 0;
	duid[3] = ARP_HW_ETHER;
	memcpy(duid + 4, c->our_mac, ETH_ALEN);
}

/**
 * dhcpv6_put_status() - append a Status Code option without message
 * @w:		writer
 * @status:	status code
 *
 * Return: true if written
 */
static bool dhcpv6_put_status(struct wbuf *w, uint16_t status)
{
	uint16_t v = htons(status);

	return dhcpv6_opt_put(w, DHCPV6_OPT_STATUS, &v, sizeof(v));
}

/**
 * dhcpv6_put_ia_na() - append an IA_NA answering the client's one
 * @c:		execution context
 * @w:		writer
 * @ia:		IA_NA option from the client
 * @first:	this is the first IA_NA of the message, give it our address
 *
 * Return: true if written, false (nothing written) if it doesn't fit
 */
static bool dhcpv6_put_ia_na(const struct ctx *c, struct wbuf *w,
			     const struct dhcpv6_opt *ia, bool first)
{
	size_t start, addr_start, w_start = w->len;

	if (!dhcpv6_opt_begin(w, DHCPV6_OPT_IA_NA, &start) ||
	    !wbuf_put(w, ia->val, 4))			/* IAID */
		goto fail;

	if (!first || ip6_is_unspec(&c->ip6.addr)) {
		if (!wbuf_be32(w, 0) || !wbuf_be32(w, 0) ||
		    !dhcpv6_put_status(w, DHCPV6_STATUS_NO_ADDRS))
			goto fail;
		dhcpv6_opt_end(w, start);
		return true;
	}

	if (!wbuf_be32(w, DHCPV6_T1) || !wbuf_be32(w, DHCPV6_T2) ||
	    !dhcpv6_opt_begin(w, DHCPV6_OPT_IAADDR, &addr_start) ||
	    !wbuf_put(w, &c->ip6.addr, 16) ||
	    !wbuf_be32(w, DHCPV6_LIFETIME) ||		/* preferred */
	    !wbuf_be32(w, DHCPV6_LIFETIME))		/* valid */
		goto fail;

	dhcpv6_opt_end(w, addr_start);
	dhcpv6_opt_end(w, start);
	return true;

fail:
	w->len = w_start;
	return false;
}

/**
 * dhcpv6_confirm_status() - status for a CONFIRM: are addresses on-link?
 * @c:		execution context
 * @opts:	options of the CONFIRM
 * @len:	their length
 *
 * Return: DHCPV6_STATUS_SUCCESS or DHCPV6_STATUS_NOT_ON_LINK
 */
static uint16_t dhcpv6_confirm_status(const struct ctx *c,
				      const uint8_t *opts, size_t len)
{
	struct dhcpv6_opt ia, addr;
	size_t off = 0;

	while (dhcpv6_opt_next(opts, len, &off, &ia)) {
		size_t ia_off = 0;

		if (ia.code != DHCPV6_OPT_IA_NA || ia.len < DHCPV6_IA_NA_LEN)
			continue;

		while (dhcpv6_opt_next(ia.val + DHCPV6_IA_NA_LEN,
				       ia.len - DHCPV6_IA_NA_LEN,
				       &ia_off, &addr)) {
			struct in6_addr a;

			if (addr.code != DHCPV6_OPT_IAADDR ||
			    addr.len < DHCPV6_IAADDR_LEN)
				continue;
			memcpy(&a, addr.val, sizeof(a));
			if (!ip6_same_prefix(&a, &c->ip6.addr,
					     DHCPV6_ONLINK_PREFIX))
				return DHCPV6_STATUS_NOT_ON_LINK;
		}
	}

	return DHCPV6_STATUS_SUCCESS;
}

/**
 * dhcpv6_put_config() - append resolvers and search list, if enabled
 * @c:		execution context
 * @w:		writer
 */
static void dhcpv6_put_config(const struct ctx *c, struct wbuf *w)
{
	if (!c->no_dhcp_dns && c->ip6.dns_count > 0) {
		int n = MIN(c->ip6.dns_count, MAX_DNS);

		dhcpv6_opt_put(w, DHCPV6_OPT_DNS, c->ip6.dns, (size_t)n * 16);
	}

	if (!c->no_dhcp_search && c->search_count > 0) {
		uint8_t enc[MAX_SEARCH * DNS_NAME_MAX];
		size_t len;

		len = dns_search_encode(c->search[0], sizeof(c->search[0]),
					MIN(c->search_count, MAX_SEARCH),
					false, enc, sizeof(enc));
		if (len)
			dhcpv6_opt_put(w, DHCPV6_OPT_DOMAIN_LIST, enc, len);
	}
}

/**
 * dhcpv6_type_str() - name of a DHCPv6 message type, for logging
 * @type:	message type
 *
 * Return: name as in RFC 8415
 */
static const char *dhcpv6_type_str(uint8_t type)
{
	static const char *const names[] = {
		"?", "SOLICIT", "ADVERTISE", "REQUEST", "CONFIRM", "RENEW",
		"REBIND", "REPLY", "RELEASE", "DECLINE", "RECONFIGURE",
		"INFORMATION-REQUEST",
	};

	return type < ARRAY_SIZE(names) ? names[type] : "?";
}

/**
 * dhcpv6_answer() - reply to a DHCPv6 message from the guest
 * @c:		execution context
 * @p:		validated frame: UDP over IPv6, to port 547
 * @reply:	buffer for the reply frame
 * @size:	size of @reply
 * @reply_len:	set to the reply length on SVC_REPLY
 *
 * Return: SVC_REPLY, SVC_IGNORE, or SVC_MALFORMED
 */
enum svc_verdict dhcpv6_answer(const struct ctx *c, const struct pkt *p,
			       uint8_t *reply, size_t size, size_t *reply_len)
{
	struct dhcpv6_opt client_id, server_id, opt;
	uint8_t duid[DHCPV6_DUID_LL_LEN], type, reply_type;
	bool has_client_id, give_ia = false;
	const uint8_t *msg = p->payload, *opts;
	size_t opts_len, off = 0;
	uint16_t status = 0;
	int ia_count = 0;
	struct wbuf w;

	if (c->no_dhcpv6 || !c->ip6.enabled)
		return SVC_IGNORE;

	if (p->payload_len < DHCPV6_HLEN)
		return SVC_MALFORMED;
	opts = msg + DHCPV6_HLEN;
	opts_len = p->payload_len - DHCPV6_HLEN;
	if (!dhcpv6_opts_valid(opts, opts_len))
		return SVC_MALFORMED;

	if (ip6_is_unspec(&p->src6) || ip6_is_multicast(&p->src6))
		return SVC_IGNORE;		/* nowhere to reply */

	type = msg[0];
	dhcpv6_duid(c, duid);

	has_client_id = dhcpv6_opt_find(opts, opts_len, DHCPV6_OPT_CLIENTID,
					&client_id);
	if (has_client_id && (client_id.len < 2 ||
			      client_id.len > DHCPV6_DUID_MAX))
		return SVC_MALFORMED;

	if (dhcpv6_opt_find(opts, opts_len, DHCPV6_OPT_SERVERID, &server_id)) {
		if (type == DHCPV6_SOLICIT ||
		    server_id.len != sizeof(duid) ||
		    memcmp(server_id.val, duid, sizeof(duid)))
			return SVC_IGNORE;	/* for another server */
	}

	switch (type) {
	case DHCPV6_SOLICIT:
		if (dhcpv6_opt_find(opts, opts_len, DHCPV6_OPT_RAPID_COMMIT,
				    &opt))
			reply_type = DHCPV6_REPLY;
		else
			reply_type = DHCPV6_ADVERTISE;
		give_ia = true;
		break;
	case DHCPV6_REQUEST:
	case DHCPV6_RENEW:
	case DHCPV6_REBIND:
		reply_type = DHCPV6_REPLY;
		give_ia = true;
		break;
	case DHCPV6_CONFIRM:
		reply_type = DHCPV6_REPLY;
		status = dhcpv6_confirm_status(c, opts, opts_len);
		break;
	case DHCPV6_RELEASE:
	case DHCPV6_DECLINE:
		reply_type = DHCPV6_REPLY;
		status = DHCPV6_STATUS_SUCCESS;
		break;
	case DHCPV6_INFO_REQUEST:
		reply_type = DHCPV6_REPLY;
		break;
	default:
		return SVC_IGNORE;
	}

	if (!has_client_id && type != DHCPV6_INFO_REQUEST)
		return SVC_IGNORE;

	if (size < UDP6_PAYLOAD_OFF)
		return SVC_IGNORE;
	wbuf_init(&w, reply + UDP6_PAYLOAD_OFF, size - UDP6_PAYLOAD_OFF);

	if (!wbuf_u8(&w, reply_type) || !wbuf_put(&w, msg + 1, 3) ||
	    (has_client_id && !dhcpv6_opt_put(&w, DHCPV6_OPT_CLIENTID,
					      client_id.val, client_id.len)) ||
	    !dhcpv6_opt_put(&w, DHCPV6_OPT_SERVERID, duid, sizeof(duid)))
		return SVC_IGNORE;

	if (type == DHCPV6_SOLICIT && reply_type == DHCPV6_REPLY &&
	    !dhcpv6_opt_put(&w, DHCPV6_OPT_RAPID_COMMIT, NULL, 0))
		return SVC_IGNORE;

	while (give_ia && dhcpv6_opt_next(opts, opts_len, &off, &opt)) {
		if (opt.code != DHCPV6_OPT_IA_NA || opt.len < DHCPV6_IA_NA_LEN)
			continue;
		if (!dhcpv6_put_ia_na(c, &w, &opt, !ia_count++))
			return SVC_IGNORE;
	}

	if (type == DHCPV6_CONFIRM || type == DHCPV6_RELEASE ||
	    type == DHCPV6_DECLINE) {
		if (!dhcpv6_put_status(&w, status))
			return SVC_IGNORE;
	} else {
		dhcpv6_put_config(c, &w);
	}

	*reply_len = frame_udp6_build(reply, size, p->eth->src, c->our_mac,
				      &c->ip6.our_ll, DHCPV6_SERVER_PORT,
				      &p->src6, DHCPV6_CLIENT_PORT, w.len,
				      DHCPV6_HOP_LIMIT);
	if (!*reply_len)
		return SVC_IGNORE;

	log_debug("DHCPv6: received %s, sending %s", dhcpv6_type_str(type),
		  dhcpv6_type_str(reply_type));
	return SVC_REPLY;
}
