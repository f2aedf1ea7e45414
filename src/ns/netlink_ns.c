// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netlink_ns.c - configuration of links, addresses and routes over rtnetlink,
 * for pasta's namespace (--config-net)
 *
 * Theory of operation
 * -------------------
 *
 * Requests go through nl_exchange() (netlink.c), one request and its answer
 * at a time. Callbacks see messages in the shared receive buffer, so they
 * must not issue requests themselves: the copy functions (nl_addrs_copy(),
 * nl_routes_copy()) therefore collect what they need from the source in
 * static tables first, then replay it on the destination socket, which may
 * live in another namespace.
 *
 * Routes can depend on each other: a route via a gateway needs a route to
 * that gateway first, and the kernel answers ENETUNREACH (IPv4) or
 * EHOSTUNREACH (IPv6) otherwise. Copies are attempted in dump order, and the
 * ones failing this way are tried again, as long as some progress is made;
 * routes still failing get a last try with RTNH_F_ONLINK: in pasta's
 * namespace, every gateway is on the link anyway.
 *
 * There's no dynamic allocation: the copy tables are static, and this module
 * is not reentrant. It's meant to be used at start-up, from a single thread.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ns/netlink.h"
#include "ns/netlink_int.h"
#include "util/log.h"
#include "util/util.h"


#define NL_ADDRS_MAX		64	/* addresses nl_addrs_copy() handles */
#define NL_ROUTES_ARENA		(128 * 1024)	/* translated routes for
						 * nl_routes_copy(): about
						 * 1500 typical ones
						 */
#define NL_MP_MAX		1024	/* translated RTA_MULTIPATH */

/**
 * nl_link_set() - change flags and attributes of an existing link
 * @nl:		netlink socket
 * @ifi:	interface index
 * @flags:	values of flags to change
 * @change:	mask of flags to change
 * @type:	attribute to set, IFLA_UNSPEC for none
 * @data:	attribute payload
 * @len:	attribute length
 *
 * Return: 0, or negative error code
 */
static int nl_link_set(int nl, unsigned int ifi, unsigned int flags,
		       unsigned int change, uint16_t type, const void *data,
		       size_t len)
{
	struct ifinfomsg ifm = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = (int)ifi,
		.ifi_flags = flags,
		.ifi_change = change,
	};
	union nl_req req;
	int rc;

	if (!ifi || ifi > INT32_MAX)
		return -ENODEV;

	if ((rc = nl_msg_init(&req.nh, sizeof(req), RTM_NEWLINK, 0,
			      &ifm, sizeof(ifm))))
		return rc;
	if (type != IFLA_UNSPEC &&
	    (rc = nl_attr_put(&req.nh, sizeof(req), type, data, len)))
		return rc;

	return nl_exchange(nl, &req.nh, NULL, NULL);
}

/**
 * nl_link_up() - bring a link up, optionally setting its MTU
 * @nl:		netlink socket
 * @ifi:	interface index
 * @mtu:	MTU to set, 0 to leave it as it is
 *
 * Return: 0, or negative error code
 */
int nl_link_up(int nl, unsigned int ifi, int mtu)
{
	uint32_t v = (uint32_t)mtu;
	int rc;

	if (mtu < 0)
		return -EINVAL;

	rc = nl_link_set(nl, ifi, IFF_UP, IFF_UP,
			 mtu ? IFLA_MTU : IFLA_UNSPEC, &v, sizeof(v));
	if (rc)
		log_debug("netlink: can't bring up link %u: %s%s%s", ifi,
			  strerror(-rc), nl_ext_msg[0] ? ": " : "",
			  nl_ext_msg);
	return rc;
}

/**
 * nl_link_set_mac() - set the hardware address of a link
 * @nl:		netlink socket
 * @ifi:	interface index
 * @mac:	hardware address
 *
 * Return: 0, or negative error code
 */
int nl_link_set_mac(int nl, unsigned int ifi, const uint8_t mac[6])
{
	int rc = nl_link_set(nl, ifi, 0, 0, IFLA_ADDRESS, mac, 6);

	if (rc)
		log_debug("netlink: can't set address of link %u: %s%s%s",
			  ifi, strerror(-rc), nl_ext_msg[0] ? ": " : "",
			  nl_ext_msg);
	return rc;
}

/**
 * nl_addr_req() - build an RTM_NEWADDR request
 * @req:	request buffer
 * @a:		address to add: @family, @prefix_len, @scope, @flags and
 *		at least one of @local and @addr
 * @ifi:	interface index
 *
 * Return: 0, or negative error code
 */
static int nl_addr_req(union nl_req *req, const struct nl_addr_info *a,
		       unsigned int ifi)
{
	size_t alen = af_addr_len(a->family);
	struct ifaddrmsg ifa = {
		.ifa_family = a->family,
		.ifa_prefixlen = a->prefix_len,
		.ifa_flags = a->flags & 0xff,
		.ifa_scope = a->scope,
		.ifa_index = ifi,
	};
	uint32_t flags = a->flags;
	int rc;

	if ((rc = nl_msg_init(&req->nh, sizeof(*req), RTM_NEWADDR,
			      NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa))))
		return rc;

	if (a->has_local &&
	    (rc = nl_attr_put(&req->nh, sizeof(*req), IFA_LOCAL,
			      a->local, alen)))
		return rc;
	if (a->has_addr &&
	    (rc = nl_attr_put(&req->nh, sizeof(*req), IFA_ADDRESS,
			      a->addr, alen)))
		return rc;
	if (a->has_brd &&
	    (rc = nl_attr_put(&req->nh, sizeof(*req), IFA_BROADCAST,
			      a->brd, sizeof(a->brd))))
		return rc;

	return nl_attr_put(&req->nh, sizeof(*req), IFA_FLAGS,
			   &flags, sizeof(flags));
}

/**
 * nl_addr_add() - add an address to an interface
 * @nl:		netlink socket
 * @af:		AF_INET or AF_INET6
 * @ifi:	interface index
 * @addr:	struct in_addr or struct in6_addr
 * @prefix_len:	prefix length
 *
 * IPv6 addresses skip duplicate address detection, to be usable at once.
 *
 * Return: 0 (also if the address was already there), or negative error code
 */
int nl_addr_add(int nl, int af, unsigned int ifi, const void *addr,
		int prefix_len)
{
	size_t alen = af_addr_len(af);
	struct nl_addr_info a = { .family = af };
	union nl_req req;
	int rc;

	if (!alen)
		return -EAFNOSUPPORT;
	if (prefix_len < 0 || prefix_len > (int)alen * 8)
		return -EINVAL;

	a.prefix_len = (uint8_t)prefix_len;
	a.scope = RT_SCOPE_UNIVERSE;
	a.flags = af == AF_INET6 ? IFA_F_NODAD : 0;
	a.has_local = a.has_addr = true;
	memcpy(a.local, addr, alen);
	memcpy(a.addr, addr, alen);

	if ((rc = nl_addr_req(&req, &a, ifi)))
		return rc;

	rc = nl_exchange(nl, &req.nh, NULL, NULL);
	if (rc == -EEXIST)
		return 0;
	if (rc)
		log_debug("netlink: can't add address: %s%s%s", strerror(-rc),
			  nl_ext_msg[0] ? ": " : "", nl_ext_msg);
	return rc;
}

/**
 * nl_is_unreach() - is this the error for a gateway we can't reach (yet)
 * @rc:		negative error code
 *
 * Return: true for -ENETUNREACH (IPv4) and -EHOSTUNREACH (IPv6)
 */
static bool nl_is_unreach(int rc)
{
	return rc == -ENETUNREACH || rc == -EHOSTUNREACH;
}

/**
 * nl_route_add_default() - add a default route
 * @nl:		netlink socket
 * @af:		AF_INET or AF_INET6
 * @ifi:	output interface
 * @gw:		gateway (struct in_addr or struct in6_addr), NULL or
 *		unspecified for a route straight on the link
 *
 * A gateway the kernel can't reach through an existing route (say, outside
 * the subnet we configured) is declared on-link with RTNH_F_ONLINK.
 *
 * Return: 0 (also if the route was already there), or negative error code
 */
int nl_route_add_default(int nl, int af, unsigned int ifi, const void *gw)
{
	static const uint8_t any[16];
	size_t alen = af_addr_len(af);
	struct rtmsg rtm = {
		.rtm_family = af,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_BOOT,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	uint32_t oif = ifi;
	union nl_req req;
	int rc;

	if (!alen)
		return -EAFNOSUPPORT;
	if (gw && !memcmp(gw, any, alen))
		gw = NULL;
	if (!gw)
		rtm.rtm_scope = RT_SCOPE_LINK;

	if ((rc = nl_msg_init(&req.nh, sizeof(req), RTM_NEWROUTE,
			      NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof(rtm))) ||
	    (rc = nl_attr_put(&req.nh, sizeof(req), RTA_OIF,
			      &oif, sizeof(oif))) ||
	    (gw && (rc = nl_attr_put(&req.nh, sizeof(req), RTA_GATEWAY,
				     gw, alen))))
		return rc;

	rc = nl_exchange(nl, &req.nh, NULL, NULL);
	if (gw && nl_is_unreach(rc)) {
		struct rtmsg *r = NLMSG_DATA(&req.nh);

		log_debug("netlink: gateway not reachable, adding it on-link");
		r->rtm_flags |= RTNH_F_ONLINK;
		rc = nl_exchange(nl, &req.nh, NULL, NULL);
	}

	if (rc == -EEXIST)
		return 0;
	if (rc)
		log_debug("netlink: can't add default route: %s%s%s",
			  strerror(-rc), nl_ext_msg[0] ? ": " : "",
			  nl_ext_msg);
	return rc;
}

/* Copies for --config-net */

/**
 * struct nl_addrs_table - addresses collected for nl_addrs_copy()
 * @af:		address family
 * @ifi:	source interface
 * @count:	entries used
 * @dropped:	addresses that didn't fit
 * @a:		addresses, in dump order
 */
static struct nl_addrs_table {
	int af;
	unsigned int ifi;
	unsigned int count;
	unsigned int dropped;
	struct nl_addr_info a[NL_ADDRS_MAX];
} nl_addrs;

/**
 * nl_addrs_copy_cb() - dump callback: collect addresses to copy
 * @nh:		address message, NULL to reset
 * @arg:	struct nl_addrs_table
 *
 * Return: 0
 */
static int nl_addrs_copy_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nl_addrs_table *t = arg;
	struct nl_addr_info a;

	if (!nh) {
		t->count = t->dropped = 0;
		return 0;
	}

	if (nl_addr_parse(nh, &a) || a.family != t->af || a.ifindex != t->ifi)
		return 0;
	if ((!a.has_local && !a.has_addr) || nl_addr_is_ll(&a) ||
	    (a.flags & IFA_F_DADFAILED))
		return 0;

	if (t->count >= NL_ADDRS_MAX) {
		t->dropped++;
		return 0;
	}

	/* Keep only flags that make sense to set: the copy is permanent */
	a.flags &= IFA_F_NOPREFIXROUTE;
	if (a.family == AF_INET6)
		a.flags |= IFA_F_NODAD;
	t->a[t->count++] = a;

	return 0;
}

/**
 * nl_addrs_copy() - copy addresses from an interface to another one
 * @nl_src:	netlink socket for the source (namespace)
 * @ifi_src:	source interface
 * @nl_dst:	netlink socket for the destination (namespace)
 * @ifi_dst:	destination interface
 * @af:		AF_INET or AF_INET6
 *
 * All addresses but link-local ones are copied, with their prefix lengths,
 * as permanent addresses; IPv6 ones skip duplicate address detection.
 *
 * Return: number of addresses copied, or the first negative error code
 */
int nl_addrs_copy(int nl_src, unsigned int ifi_src,
		  int nl_dst, unsigned int ifi_dst, int af)
{
	struct ifaddrmsg ifa = { .ifa_family = af, .ifa_index = ifi_src };
	int rc, first_err = 0, copied = 0;
	union nl_req req;
	unsigned int i;

	if (!af_addr_len(af))
		return -EAFNOSUPPORT;

	nl_addrs.af = af;
	nl_addrs.ifi = ifi_src;
	if ((rc = nl_msg_init(&req.nh, sizeof(req), RTM_GETADDR, NLM_F_DUMP,
			      &ifa, sizeof(ifa))) ||
	    (rc = nl_exchange(nl_src, &req.nh, nl_addrs_copy_cb, &nl_addrs)))
		return rc;

	if (nl_addrs.dropped)
		log_warn("Copying only the first %u addresses, %u left out",
			 NL_ADDRS_MAX, nl_addrs.dropped);

	for (i = 0; i < nl_addrs.count; i++) {
		const struct nl_addr_info *a = &nl_addrs.a[i];
		char buf[INET6_ADDRSTRLEN];

		rc = nl_addr_req(&req, a, ifi_dst);
		if (!rc)
			rc = nl_exchange(nl_dst, &req.nh, NULL, NULL);
		if (!rc || rc == -EEXIST) {
			copied++;
			continue;
		}

		inet_ntop(af, a->has_local ? a->local : a->addr,
			  buf, sizeof(buf));
		log_warn("Can't copy address %s/%u: %s%s%s", buf,
			 a->prefix_len, strerror(-rc),
			 nl_ext_msg[0] ? ": " : "", nl_ext_msg);
		if (!first_err)
			first_err = rc;
	}

	return first_err ? first_err : copied;
}

/**
 * struct nl_route_rec - one translated route for nl_routes_copy(), followed
 * in the arena by its RTM_NEWROUTE request for the destination
 * @err:	result of the last attempt
 * @done:	added, or failed for good
 */
struct nl_route_rec {
	int err;
	bool done;
} __attribute__((aligned(NLMSG_ALIGNTO)));

/**
 * struct nl_routes_table - routes collected for nl_routes_copy()
 * @af:		address family
 * @ifi_src:	source interface
 * @ifi_dst:	destination interface
 * @count:	routes stored
 * @dropped:	routes that didn't fit
 * @used:	bytes of @arena used
 * @arena:	records, each a struct nl_route_rec and a request, in dump order
 */
static struct nl_routes_table {
	int af;
	unsigned int ifi_src;
	unsigned int ifi_dst;
	unsigned int count;
	unsigned int dropped;
	size_t used;
	uint8_t arena[NL_ROUTES_ARENA] __attribute__((aligned(8)));
} nl_routes;

/**
 * nl_route_rec_req() - request following a route record
 * @rec:	record in the arena
 *
 * Return: pointer to the request
 */
static struct nlmsghdr *nl_route_rec_req(struct nl_route_rec *rec)
{
	return (struct nlmsghdr *)((uint8_t *)rec + sizeof(*rec));
}

/**
 * nl_route_rec_next() - next record in the route arena
 * @t:		table
 * @off:	offset of the current record, updated; start at 0
 *
 * Return: the record at @off before the update, or NULL at the end
 */
static struct nl_route_rec *nl_route_rec_next(struct nl_routes_table *t,
					      size_t *off)
{
	struct nl_route_rec *rec;

	if (*off >= t->used)
		return NULL;

	rec = (struct nl_route_rec *)(t->arena + *off);
	*off += sizeof(*rec) + NLMSG_ALIGN(nl_route_rec_req(rec)->nlmsg_len);

	return rec;
}

/**
 * nl_route_copyable() - should this route be copied
 * @r:		parsed route
 * @af:		address family
 * @ifi:	source interface
 *
 * Return: true for unicast routes of the main table through @ifi, except
 * the ones the kernel adds by itself for addresses, cached ones, and routes
 * to link-local or multicast destinations
 */
static bool nl_route_copyable(const struct nl_route_info *r, int af,
			      unsigned int ifi)
{
	const uint8_t *d = r->dst;

	if (r->family != af || r->table != RT_TABLE_MAIN ||
	    r->type != RTN_UNICAST || r->protocol == RTPROT_KERNEL ||
	    (r->flags & RTM_F_CLONED) || r->oif != ifi)
		return false;

	if (af == AF_INET) {
		if (r->dst_len >= 16 && d[0] == 169 && d[1] == 254)
			return false;
		if (r->dst_len >= 4 && (d[0] & 0xf0) == 0xe0)
			return false;
	} else {
		if (r->dst_len >= 10 && d[0] == 0xfe && (d[1] & 0xc0) == 0x80)
			return false;
		if (r->dst_len >= 8 && d[0] == 0xff)
			return false;
	}

	return true;
}

/**
 * nl_route_mp_translate() - keep the nexthops via one interface, renamed
 * @mp:		RTA_MULTIPATH payload of the source route
 * @len:	its length
 * @ifi_src:	source interface: other nexthops are dropped
 * @ifi_dst:	destination interface
 * @out:	translated payload
 * @cap:	room in @out
 *
 * Return: length of the translated payload, or negative error code
 */
static int nl_route_mp_translate(const uint8_t *mp, size_t len,
				 unsigned int ifi_src, unsigned int ifi_dst,
				 uint8_t *out, size_t cap)
{
	static const uint16_t keep[] = { RTA_GATEWAY, RTA_VIA };
	size_t used = 0;

	while (len >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *rtnh = (const struct rtnexthop *)mp;
		const struct rtattr *tb[RTA_MAX + 1];
		struct rtnexthop *o;
		size_t step, start = used, k;

		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > len)
			return -EBADMSG;

		if ((unsigned int)rtnh->rtnh_ifindex != ifi_src)
			goto next;

		if (nl_attr_parse(mp + RTNH_LENGTH(0),
				  rtnh->rtnh_len - RTNH_LENGTH(0),
				  tb, RTA_MAX))
			return -EBADMSG;

		if (cap - used < sizeof(*o))
			return -EMSGSIZE;
		o = (struct rtnexthop *)(out + used);
		o->rtnh_flags = rtnh->rtnh_flags & RTNH_F_ONLINK;
		o->rtnh_hops = rtnh->rtnh_hops;
		o->rtnh_ifindex = (int)ifi_dst;
		used += RTNH_ALIGN(sizeof(*o));

		for (k = 0; k < ARRAY_SIZE(keep); k++) {
			const struct rtattr *a = tb[keep[k]];

			if (!a)
				continue;
			if (cap - used < RTA_ALIGN((size_t)a->rta_len))
				return -EMSGSIZE;
			memcpy(out + used, a, a->rta_len);
			memset(out + used + a->rta_len, 0,
			       RTA_ALIGN((size_t)a->rta_len) - a->rta_len);
			used += RTA_ALIGN((size_t)a->rta_len);
		}
		o->rtnh_len = (unsigned short)(used - start);

next:
		step = RTNH_ALIGN((size_t)rtnh->rtnh_len);
		if (step >= len)
			break;
		mp += step;
		len -= step;
	}

	return (int)used;
}

/**
 * nl_route_translate() - build the request adding a copy of a route
 * @nh:		source route message
 * @req:	buffer for the request, aligned for struct nlmsghdr
 * @cap:	size of @req
 * @ifi_src:	source interface
 * @ifi_dst:	destination interface, replacing @ifi_src
 *
 * Only attributes meaningful in another namespace are copied: destination,
 * source, gateway, metric, metrics, IPv6 preference, and the output
 * interface (or nexthops), translated.
 *
 * Return: 0, or negative error code
 */
static int nl_route_translate(const struct nlmsghdr *nh, struct nlmsghdr *req,
			      size_t cap, unsigned int ifi_src,
			      unsigned int ifi_dst)
{
	static const uint16_t keep[] = {
		RTA_DST, RTA_SRC, RTA_GATEWAY, RTA_VIA, RTA_PRIORITY,
		RTA_METRICS, RTA_PREF,
	};
	static uint8_t mp[NL_MP_MAX] __attribute__((aligned(4)));
	const struct rtmsg *src = NLMSG_DATA(nh);
	const struct rtattr *tb[RTA_MAX + 1];
	uint32_t oif = ifi_dst;
	struct rtmsg rtm;
	size_t k;
	int rc;

	if (nl_msg_attrs(nh, sizeof(*src), tb, RTA_MAX))
		return -EBADMSG;

	rtm = *src;
	rtm.rtm_table = RT_TABLE_MAIN;
	rtm.rtm_flags &= RTNH_F_ONLINK;

	if ((rc = nl_msg_init(req, cap, RTM_NEWROUTE,
			      NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof(rtm))))
		return rc;

	for (k = 0; k < ARRAY_SIZE(keep); k++) {
		const struct rtattr *a = tb[keep[k]];

		if (a && (rc = nl_attr_put(req, cap, keep[k],
					   RTA_DATA(a), rta_plen(a))))
			return rc;
	}

	if (tb[RTA_OIF])
		return nl_attr_put(req, cap, RTA_OIF, &oif, sizeof(oif));

	if (tb[RTA_MULTIPATH]) {
		rc = nl_route_mp_translate(RTA_DATA(tb[RTA_MULTIPATH]),
					   rta_plen(tb[RTA_MULTIPATH]),
					   ifi_src, ifi_dst, mp, sizeof(mp));
		if (rc <= 0)
			return rc ? rc : -ENOENT;
		return nl_attr_put(req, cap, RTA_MULTIPATH, mp, (size_t)rc);
	}

	return -ENOENT;
}

/**
 * nl_routes_copy_cb() - dump callback: collect and translate routes to copy
 * @nh:		route message, NULL to reset
 * @arg:	struct nl_routes_table
 *
 * Return: 0
 */
static int nl_routes_copy_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nl_routes_table *t = arg;
	struct nl_route_info r;
	struct nl_route_rec *rec;
	size_t room;

	if (!nh) {
		t->count = t->dropped = 0;
		t->used = 0;
		return 0;
	}

	if (nl_route_parse(nh, t->ifi_src, &r) ||
	    !nl_route_copyable(&r, t->af, t->ifi_src))
		return 0;

	room = sizeof(t->arena) - t->used;
	if (room < sizeof(*rec) + NLMSG_SPACE(sizeof(struct rtmsg))) {
		t->dropped++;
		return 0;
	}

	rec = (struct nl_route_rec *)(t->arena + t->used);
	rec->done = false;
	rec->err = 0;
	if (nl_route_translate(nh, nl_route_rec_req(rec), room - sizeof(*rec),
			       t->ifi_src, t->ifi_dst)) {
		t->dropped++;
		return 0;
	}

	t->used += sizeof(*rec) +
		   NLMSG_ALIGN(nl_route_rec_req(rec)->nlmsg_len);
	t->count++;

	return 0;
}

/**
 * nl_route_log() - log a route we couldn't copy
 * @rec:	route record
 */
static void nl_route_log(struct nl_route_rec *rec)
{
	char dst[INET6_ADDRSTRLEN] = "?", gw[INET6_ADDRSTRLEN] = "";
	struct nl_route_info r;

	if (!nl_route_parse(nl_route_rec_req(rec), 0, &r)) {
		inet_ntop(r.family, r.dst, dst, sizeof(dst));
		if (r.has_gw)
			inet_ntop(r.family, r.gw, gw, sizeof(gw));
	}

	log_warn("Can't copy route to %s/%u%s%s: %s%s%s", dst, r.dst_len,
		 gw[0] ? " via " : "", gw, strerror(-rec->err),
		 nl_ext_msg[0] ? ": " : "", nl_ext_msg);
}

/**
 * nl_route_try() - add one collected route to the destination
 * @nl:		netlink socket for the destination
 * @rec:	route record, @err updated
 *
 * Return: true if added (or already there)
 */
static bool nl_route_try(int nl, struct nl_route_rec *rec)
{
	rec->err = nl_exchange(nl, nl_route_rec_req(rec), NULL, NULL);
	if (rec->err == -EEXIST)
		rec->err = 0;

	return !rec->err;
}

/**
 * nl_route_set_onlink() - flag a route request and its nexthops as on-link
 * @nh:		RTM_NEWROUTE request we built
 *
 * Return: 0, or -EBADMSG if malformed
 */
static int nl_route_set_onlink(struct nlmsghdr *nh)
{
	const struct rtattr *tb[RTA_MAX + 1];
	struct rtmsg *rtm = NLMSG_DATA(nh);
	uint8_t *p;
	size_t len;

	if (nl_msg_attrs(nh, sizeof(*rtm), tb, RTA_MAX))
		return -EBADMSG;

	rtm->rtm_flags |= RTNH_F_ONLINK;
	if (!tb[RTA_MULTIPATH])
		return 0;

	/* Nexthops are in our own request buffer: writable */
	p = (uint8_t *)nh + ((const uint8_t *)RTA_DATA(tb[RTA_MULTIPATH]) -
			     (const uint8_t *)nh);
	len = rta_plen(tb[RTA_MULTIPATH]);
	while (len >= sizeof(struct rtnexthop)) {
		struct rtnexthop *rtnh = (struct rtnexthop *)p;
		size_t step;

		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > len)
			return -EBADMSG;
		rtnh->rtnh_flags |= RTNH_F_ONLINK;

		step = RTNH_ALIGN((size_t)rtnh->rtnh_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}

	return 0;
}

/**
 * nl_routes_copy() - copy routes through an interface to another one
 * @nl_src:	netlink socket for the source (namespace)
 * @ifi_src:	source interface
 * @nl_dst:	netlink socket for the destination (namespace)
 * @ifi_dst:	destination interface
 * @af:		AF_INET or AF_INET6
 *
 * Copies the unicast routes of the main table using @ifi_src, with their
 * gateways, except for prefix routes the kernel adds with addresses, and for
 * link-local and multicast ones. The output interface becomes @ifi_dst; of
 * multipath routes, only nexthops via @ifi_src are kept. Routes whose
 * gateway isn't reachable yet are tried again after the others, and the
 * ones still failing get a last try with RTNH_F_ONLINK (on the route, and
 * on each nexthop).
 *
 * Return: number of routes copied, or the first negative error code
 */
int nl_routes_copy(int nl_src, unsigned int ifi_src,
		   int nl_dst, unsigned int ifi_dst, int af)
{
	struct rtmsg rtm = { .rtm_family = af, .rtm_table = RT_TABLE_MAIN };
	int rc, first_err = 0, copied = 0;
	unsigned int pass, pending;
	struct nl_route_rec *rec;
	union nl_req req;
	size_t off;

	if (!af_addr_len(af))
		return -EAFNOSUPPORT;

	nl_routes.af = af;
	nl_routes.ifi_src = ifi_src;
	nl_routes.ifi_dst = ifi_dst;
	if ((rc = nl_msg_init(&req.nh, sizeof(req), RTM_GETROUTE, NLM_F_DUMP,
			      &rtm, sizeof(rtm))) ||
	    (rc = nl_exchange(nl_src, &req.nh, nl_routes_copy_cb,
			      &nl_routes)))
		return rc;

	if (nl_routes.dropped)
		log_warn("Couldn't copy %u routes: too many, or too large",
			 nl_routes.dropped);

	/* Each pass adds at least one route, or it's the last one */
	pending = nl_routes.count;
	for (pass = 0; pending && pass <= nl_routes.count; pass++) {
		bool progress = false;

		off = 0;
		while ((rec = nl_route_rec_next(&nl_routes, &off))) {
			if (rec->done)
				continue;

			if (!nl_route_try(nl_dst, rec) &&
			    nl_is_unreach(rec->err))
				continue;

			rec->done = true;
			pending--;
			if (!rec->err) {
				copied++;
				progress = true;
			} else {
				nl_route_log(rec);
				if (!first_err)
					first_err = rec->err;
			}
		}

		if (!progress)
			break;
	}

	/* Gateways still unreachable: declare them on-link */
	off = 0;
	while (pending && (rec = nl_route_rec_next(&nl_routes, &off))) {
		struct nlmsghdr *nh = nl_route_rec_req(rec);
		struct nl_route_info r;

		if (rec->done)
			continue;

		if (!nl_route_parse(nh, 0, &r) && r.has_gw &&
		    !nl_route_set_onlink(nh))
			nl_route_try(nl_dst, rec);

		rec->done = true;
		pending--;
		if (!rec->err) {
			copied++;
			continue;
		}
		nl_route_log(rec);
		if (!first_err)
			first_err = rec->err;
	}

	return first_err ? first_err : copied;
}
