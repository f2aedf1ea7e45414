// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dhcp.c - DHCP server for the guest (RFC 2131, RFC 2132)
 *
 * Theory of operation
 *
 * There is one client and one address to give, so there is no lease
 * database: DISCOVER gets an OFFER of the configured address, REQUEST gets
 * an ACK if it asks for that address (or for nothing in particular), a NAK
 * if it asks for another one, and INFORM an ACK with configuration but no
 * address. A REQUEST or INFORM naming another server (option 54) is not
 * ours to answer. RELEASE and DECLINE need no answer, and the configuration
 * can't change because of them.
 *
 * Leases are infinite (0xffffffff): the address is fixed by configuration,
 * so renewing it would change nothing, and the guest needs no timer.
 *
 * Options sent: message type, server identifier, the client identifier
 * echoed (RFC 6842), lease time, netmask, router, classless static routes
 * (RFC 3442) when the router is outside the assigned subnet (a /32 route to
 * the router, on-link, and a default route via it; option 3 is sent as well
 * for clients without RFC 3442 support), DNS servers, MTU, and the domain
 * search list (RFC 3397, compressed). They
 * are written in a fixed order, and an option that doesn't fit in the size
 * the client accepts (576 bytes, or option 57) is left out, the search list
 * coming last as the most likely to be large.
 *
 * Replies go from our address, port 67, to the limited broadcast address,
 * port 68 (clients without an address use raw sockets and don't mind), or
 * to the client's address if it filled ciaddr (renewal, INFORM). At the
 * Ethernet layer, to chaddr, or to broadcast if the client sets the
 * broadcast flag. The message is padded to BOOTP's 300 bytes, as some
 * clients want.
 */

#include <string.h>
#include <arpa/inet.h>

#include "conf/ctx.h"
#include "svc/svc.h"
#include "wire/pkt.h"
#include "wire/dhcp.h"
#include "wire/dns.h"
#include "util/log.h"
#include "util/util.h"

#define DHCP_LEASE_INFINITE	0xffffffffU
#define DHCP_SEARCH_MAX		(MAX_SEARCH * DNS_NAME_MAX)

/**
 * dhcp_opt_addr() - read an IPv4 address option
 * @o:		option table
 * @code:	option code
 * @addr:	set to the address if present and 4 bytes long
 *
 * Return: true if present and valid
 */
static bool dhcp_opt_addr(const struct dhcp_opts *o, uint8_t code,
			  struct in_addr *addr)
{
	if (!o->val[code] || o->len[code] != 4)
		return false;

	memcpy(addr, o->val[code], 4);
	return true;
}

/**
 * dhcp_max_msg() - largest DHCP message the client accepts
 * @o:		options of the request
 *
 * Return: maximum length of the DHCP message (UDP payload)
 */
static size_t dhcp_max_msg(const struct dhcp_opts *o)
{
	size_t max_ip = DHCP_MIN_MAX_MSG;

	if (o->val[DHCP_OPT_MAX_MSG_SIZE] &&
	    o->len[DHCP_OPT_MAX_MSG_SIZE] == 2) {
		size_t v = (size_t)o->val[DHCP_OPT_MAX_MSG_SIZE][0] << 8 |
			   o->val[DHCP_OPT_MAX_MSG_SIZE][1];

		if (v > max_ip)
			max_ip = v;
	}

	return max_ip - IP4_HLEN - UDP_HLEN;
}

/**
 * dhcp_put_routes() - append router and, if needed, classless routes
 * @c:		execution context
 * @w:		writer
 */
static void dhcp_put_routes(const struct ctx *c, struct wbuf *w)
{
	const struct ip4_conf *ip4 = &c->ip4;

	if (!ip4->gw.s_addr)
		return;

	if (!ip4_same_subnet(ip4->gw, ip4->addr, ip4->prefix_len)) {
		uint8_t routes[14];

		/* gateway/32, on-link (router 0.0.0.0) */
		routes[0] = 32;
		memcpy(routes + 1, &ip4->gw, 4);
		memset(routes + 5, 0, 4);
		/* 0.0.0.0/0 via gateway */
		routes[9] = 0;
		memcpy(routes + 10, &ip4->gw, 4);

		dhcp_opt_put(w, DHCP_OPT_CLASSLESS, routes, sizeof(routes));
	}

	dhcp_opt_put(w, DHCP_OPT_ROUTER, &ip4->gw, 4);
}

/**
 * dhcp_put_config() - append the configuration options of an ACK or OFFER
 * @c:		execution context
 * @w:		writer, one byte short of the room left for the end option
 * @lease:	include the lease time (not for INFORM)
 */
static void dhcp_put_config(const struct ctx *c, struct wbuf *w, bool lease)
{
	struct in_addr mask = ip4_netmask(c->ip4.prefix_len);

	if (lease) {
		uint32_t t = htonl(DHCP_LEASE_INFINITE);

		dhcp_opt_put(w, DHCP_OPT_LEASE_TIME, &t, 4);
	}

	dhcp_opt_put(w, DHCP_OPT_NETMASK, &mask, 4);
	dhcp_put_routes(c, w);

	if (!c->no_dhcp_dns && c->ip4.dns_count > 0) {
		int n = MIN(c->ip4.dns_count, MAX_DNS);

		dhcp_opt_put(w, DHCP_OPT_DNS, c->ip4.dns, (size_t)n * 4);
	}

	if (c->mtu > 0) {
		uint16_t mtu = htons((uint16_t)MIN(MAX(c->mtu, MTU_MIN_IPV4),
						   65535));

		dhcp_opt_put(w, DHCP_OPT_MTU, &mtu, 2);
	}

	if (!c->no_dhcp_search && c->search_count > 0) {
		uint8_t enc[DHCP_SEARCH_MAX];
		size_t len;

		len = dns_search_encode(c->search[0], sizeof(c->search[0]),
					MIN(c->search_count, MAX_SEARCH), true,
					enc, sizeof(enc));
		if (len && !dhcp_opt_put(w, DHCP_OPT_SEARCH, enc, len))
			log_debug("DHCP: no room for the search list");
	}
}

/**
 * dhcp_type_str() - name of a DHCP message type, for logging
 * @type:	message type
 *
 * Return: lowercase name
 */
static const char *dhcp_type_str(uint8_t type)
{
	static const char *const names[] = {
		"?", "discover", "offer", "request", "decline", "ack", "nak",
		"release", "inform",
	};

	return type < ARRAY_SIZE(names) ? names[type] : "?";
}

/**
 * dhcp_answer() - reply to a DHCP message from the guest
 * @c:		execution context
 * @p:		validated frame: UDP over IPv4, to port 67
 * @reply:	buffer for the reply frame
 * @size:	size of @reply
 * @reply_len:	set to the reply length on SVC_REPLY
 *
 * Return: SVC_REPLY, SVC_IGNORE, or SVC_MALFORMED
 */
enum svc_verdict dhcp_answer(const struct ctx *c, const struct pkt *p,
			     uint8_t *reply, size_t size, size_t *reply_len)
{
	struct in_addr ciaddr, req, server_id, dst;
	const struct bootp_msg *m;
	struct bootp_msg *out;
	uint8_t type, reply_type;
	const uint8_t *dmac;
	struct dhcp_opts o;
	size_t room, len;
	struct wbuf w;

	if (c->no_dhcp || !c->ip4.enabled)
		return SVC_IGNORE;

	m = dhcp_parse(p->payload, p->payload_len, &o);
	if (!m)
		return SVC_MALFORMED;

	if (m->op != BOOTREQUEST || m->htype != ARP_HW_ETHER ||
	    m->hlen != ETH_ALEN || !o.val[DHCP_OPT_MSG_TYPE] ||
	    o.len[DHCP_OPT_MSG_TYPE] != 1)
		return SVC_IGNORE;		/* not DHCP over Ethernet */

	type = o.val[DHCP_OPT_MSG_TYPE][0];
	memcpy(&ciaddr, m->ciaddr, 4);

	if (dhcp_opt_addr(&o, DHCP_OPT_SERVER_ID, &server_id) &&
	    server_id.s_addr != c->ip4.our_addr.s_addr)
		return SVC_IGNORE;		/* for another server */

	switch (type) {
	case DHCPDISCOVER:
		reply_type = DHCPOFFER;
		break;
	case DHCPREQUEST:
		if (!dhcp_opt_addr(&o, DHCP_OPT_REQ_ADDR, &req))
			req = ciaddr;
		if (req.s_addr && req.s_addr != c->ip4.addr.s_addr)
			reply_type = DHCPNAK;
		else
			reply_type = DHCPACK;
		break;
	case DHCPINFORM:
		reply_type = DHCPACK;
		break;
	default:
		return SVC_IGNORE;		/* release, decline, ours */
	}

	if (size < UDP4_PAYLOAD_OFF + BOOTP_MIN_LEN)
		return SVC_IGNORE;
	room = MIN(size - UDP4_PAYLOAD_OFF, dhcp_max_msg(&o));

	out = (struct bootp_msg *)(reply + UDP4_PAYLOAD_OFF);
	memset(out, 0, sizeof(*out));
	out->op = BOOTREPLY;
	out->htype = ARP_HW_ETHER;
	out->hlen = ETH_ALEN;
	out->xid = m->xid;
	out->flags = m->flags;
	memcpy(out->giaddr, m->giaddr, 4);
	memcpy(out->chaddr, m->chaddr, sizeof(out->chaddr));
	out->magic = htonl(DHCP_MAGIC);
	if (reply_type == DHCPACK)
		memcpy(out->ciaddr, m->ciaddr, 4);
	if (reply_type != DHCPNAK && type != DHCPINFORM)
		memcpy(out->yiaddr, &c->ip4.addr, 4);

	/* Keep one byte for the end option */
	wbuf_init(&w, (uint8_t *)(out + 1), room - sizeof(*out) - 1);
	dhcp_opt_put(&w, DHCP_OPT_MSG_TYPE, &reply_type, 1);
	dhcp_opt_put(&w, DHCP_OPT_SERVER_ID, &c->ip4.our_addr, 4);
	if (o.val[DHCP_OPT_CLIENT_ID])		/* RFC 6842: echo it */
		dhcp_opt_put(&w, DHCP_OPT_CLIENT_ID, o.val[DHCP_OPT_CLIENT_ID],
			     o.len[DHCP_OPT_CLIENT_ID]);
	if (reply_type != DHCPNAK)
		dhcp_put_config(c, &w, type != DHCPINFORM);
	w.size++;
	wbuf_u8(&w, DHCP_OPT_END);

	len = sizeof(*out) + w.len;
	if (len < BOOTP_MIN_LEN) {
		memset((uint8_t *)out + len, 0, BOOTP_MIN_LEN - len);
		len = BOOTP_MIN_LEN;
	}

	if (reply_type == DHCPNAK) {
		dst.s_addr = INADDR_BROADCAST;
		dmac = mac_broadcast;
	} else if (ciaddr.s_addr) {
		dst = ciaddr;
		dmac = m->chaddr;
	} else {
		dst.s_addr = INADDR_BROADCAST;
		if (ntohs(m->flags) & BOOTP_FLAG_BROADCAST)
			dmac = mac_broadcast;
		else
			dmac = m->chaddr;
	}
	if (mac_is_multicast(dmac) || !memcmp(dmac, mac_zero, ETH_ALEN))
		dmac = mac_broadcast;

	*reply_len = frame_udp4_build(reply, size, dmac, c->our_mac,
				      &c->ip4.our_addr, DHCP_SERVER_PORT,
				      &dst, DHCP_CLIENT_PORT, len);
	if (!*reply_len)
		return SVC_IGNORE;

	log_debug("DHCP: %s to %s", dhcp_type_str(reply_type),
		  dhcp_type_str(type));
	return SVC_REPLY;
}
