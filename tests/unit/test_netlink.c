// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_netlink.c - unit tests of the rtnetlink message building and parsing
 *
 * Messages are crafted in local buffers, well-formed and not; nothing here
 * changes any network configuration. The last tests read the loopback
 * interface through a real socket, and are skipped if netlink isn't there.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ns/netlink.h"
#include "unit.h"

/**
 * union msgbuf - an aligned buffer to build messages in
 * @nh:		header at its start
 * @b:		bytes
 */
union msgbuf {
	struct nlmsghdr nh;
	uint8_t b[2048];
};

/**
 * route4() - build an IPv4 route message
 * @m:		buffer
 * @dst_len:	destination prefix length
 * @table:	rtm_table
 * @type:	rtm_type
 * @oif:	RTA_OIF, 0 to leave it out
 * @gw:		RTA_GATEWAY as dotted quad, NULL to leave it out
 */
static void route4(union msgbuf *m, uint8_t dst_len, uint8_t table,
		   uint8_t type, uint32_t oif, const char *gw)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET, .rtm_dst_len = dst_len,
		.rtm_table = table, .rtm_type = type,
		.rtm_protocol = RTPROT_BOOT,
	};
	struct in_addr a;

	CHECK_EQ(nl_msg_init(&m->nh, sizeof(*m), RTM_NEWROUTE, 0,
			     &rtm, sizeof(rtm)), 0);
	if (oif)
		CHECK_EQ(nl_attr_put(&m->nh, sizeof(*m), RTA_OIF,
				     &oif, sizeof(oif)), 0);
	if (gw) {
		inet_pton(AF_INET, gw, &a);
		CHECK_EQ(nl_attr_put(&m->nh, sizeof(*m), RTA_GATEWAY,
				     &a, sizeof(a)), 0);
	}
}

/**
 * nexthop() - append one rtnexthop, with an optional IPv4 gateway
 * @p:		where to write
 * @ifindex:	interface
 * @gw:		gateway as dotted quad, or NULL
 *
 * Return: bytes written
 */
static size_t nexthop(uint8_t *p, int ifindex, const char *gw)
{
	struct rtnexthop *nh = (struct rtnexthop *)p;
	size_t len = RTNH_LENGTH(0);

	memset(nh, 0, sizeof(*nh));
	nh->rtnh_ifindex = ifindex;
	if (gw) {
		struct rtattr *rta = (struct rtattr *)(p + len);

		rta->rta_type = RTA_GATEWAY;
		rta->rta_len = RTA_LENGTH(4);
		inet_pton(AF_INET, gw, RTA_DATA(rta));
		len += RTA_SPACE(4);
	}
	nh->rtnh_len = len;

	return len;
}

TEST(build_message)
{
	union msgbuf m;
	struct rtmsg rtm = { .rtm_family = AF_INET6 };
	uint8_t three[3] = { 1, 2, 3 };
	struct rtattr *rta;

	memset(&m, 0xaa, sizeof(m));
	CHECK_EQ(nl_msg_init(&m.nh, sizeof(m), RTM_GETROUTE, NLM_F_DUMP,
			     &rtm, sizeof(rtm)), 0);
	CHECK_EQ(m.nh.nlmsg_len, NLMSG_SPACE(sizeof(rtm)));
	CHECK_EQ(m.nh.nlmsg_type, RTM_GETROUTE);
	CHECK_EQ(m.nh.nlmsg_flags, NLM_F_DUMP);
	CHECK_EQ(((struct rtmsg *)NLMSG_DATA(&m.nh))->rtm_family, AF_INET6);

	/* A 3-byte payload is padded with zeroes to 4 */
	CHECK_EQ(nl_attr_put(&m.nh, sizeof(m), 7, three, sizeof(three)), 0);
	CHECK_EQ(m.nh.nlmsg_len, NLMSG_SPACE(sizeof(rtm)) + 8);
	rta = (struct rtattr *)((uint8_t *)&m + NLMSG_SPACE(sizeof(rtm)));
	CHECK_EQ(rta->rta_len, 7);
	CHECK_EQ(rta->rta_type, 7);
	CHECK_MEM(RTA_DATA(rta), three, 3);
	CHECK_EQ(((uint8_t *)RTA_DATA(rta))[3], 0);

	/* Empty attribute (a flag) */
	CHECK_EQ(nl_attr_put(&m.nh, sizeof(m), 8, NULL, 0), 0);
	CHECK_EQ(m.nh.nlmsg_len, NLMSG_SPACE(sizeof(rtm)) + 12);
}

TEST(build_bounds)
{
	union msgbuf m;
	struct ifinfomsg ifi = { 0 };
	uint32_t v = 1;
	size_t cap = NLMSG_SPACE(sizeof(ifi)) + RTA_SPACE(4);

	/* Headers alone don't fit */
	CHECK_EQ(nl_msg_init(&m.nh, NLMSG_HDRLEN, RTM_GETLINK, 0,
			     &ifi, sizeof(ifi)), -EMSGSIZE);

	/* Exactly one u32 attribute fits, not a second one */
	CHECK_EQ(nl_msg_init(&m.nh, cap, RTM_GETLINK, 0, &ifi, sizeof(ifi)),
		 0);
	CHECK_EQ(nl_attr_put(&m.nh, cap, IFLA_MTU, &v, sizeof(v)), 0);
	CHECK_EQ(m.nh.nlmsg_len, cap);
	CHECK_EQ(nl_attr_put(&m.nh, cap, IFLA_MTU, &v, sizeof(v)), -EMSGSIZE);
	CHECK_EQ(m.nh.nlmsg_len, cap);

	/* Payloads rta_len can't express are refused */
	CHECK_EQ(nl_attr_put(&m.nh, sizeof(m), 1, m.b, 70000), -EMSGSIZE);
}

TEST(walk_messages)
{
	union msgbuf m;
	const struct nlmsghdr *nh;
	struct nlmsghdr *h;
	size_t off = 0;

	/* Two messages: 20 bytes (padded to 20), then 16 */
	memset(&m, 0, sizeof(m));
	h = &m.nh;
	h->nlmsg_len = 20;
	h->nlmsg_type = 100;
	h = (struct nlmsghdr *)(m.b + 20);
	h->nlmsg_len = 16;
	h->nlmsg_type = 101;

	nh = nl_msg_next(m.b, 36, &off);
	CHECK(nh && nh->nlmsg_type == 100);
	nh = nl_msg_next(m.b, 36, &off);
	CHECK(nh && nh->nlmsg_type == 101);
	CHECK(!nl_msg_next(m.b, 36, &off));

	/* Second message claims more than was received */
	off = 0;
	h->nlmsg_len = 17;
	CHECK(nl_msg_next(m.b, 36, &off));
	CHECK(!nl_msg_next(m.b, 36, &off));
	CHECK_EQ(off, 36);

	/* Length shorter than a header */
	off = 0;
	m.nh.nlmsg_len = 15;
	CHECK(!nl_msg_next(m.b, 36, &off));

	/* Received less than a header */
	off = 0;
	m.nh.nlmsg_len = 16;
	CHECK(!nl_msg_next(m.b, 12, &off));
	CHECK(!nl_msg_next(m.b, 0, &off));

	/* Last message without padding up to the alignment */
	off = 0;
	m.nh.nlmsg_len = 18;
	nh = nl_msg_next(m.b, 18, &off);
	CHECK(nh == &m.nh);
	CHECK_EQ(off, 18);
	CHECK(!nl_msg_next(m.b, 18, &off));
}

TEST(parse_attrs)
{
	uint32_t buf[16] = { 0 };
	const struct rtattr *tb[RTA_MAX + 1];
	struct rtattr *a = (struct rtattr *)buf;
	struct rtattr *b = (struct rtattr *)(buf + 2);
	struct rtattr *c = (struct rtattr *)(buf + 4);

	a->rta_len = 8;
	a->rta_type = RTA_OIF;
	b->rta_len = 5;				/* padded to 8 */
	b->rta_type = RTA_PREF | NLA_F_NESTED;	/* flag bits ignored */
	c->rta_len = 4;
	c->rta_type = 1000;			/* above max: skipped */

	CHECK_EQ(nl_attr_parse(buf, 20, tb, RTA_MAX), 0);
	CHECK(tb[RTA_OIF] == a);
	CHECK(tb[RTA_PREF] == b);
	CHECK(!tb[RTA_GATEWAY]);

	/* Trailing bytes too short for an attribute header are ignored */
	CHECK_EQ(nl_attr_parse(buf, 23, tb, RTA_MAX), 0);
	CHECK(tb[RTA_OIF] == a);

	/* Attribute longer than the room left */
	CHECK_EQ(nl_attr_parse(buf, 7, tb, RTA_MAX), -EBADMSG);
	b->rta_len = 200;
	CHECK_EQ(nl_attr_parse(buf, 20, tb, RTA_MAX), -EBADMSG);

	/* Attribute shorter than its header: would loop forever otherwise */
	b->rta_len = 0;
	CHECK_EQ(nl_attr_parse(buf, 20, tb, RTA_MAX), -EBADMSG);
	b->rta_len = 3;
	CHECK_EQ(nl_attr_parse(buf, 20, tb, RTA_MAX), -EBADMSG);

	/* Nothing at all */
	CHECK_EQ(nl_attr_parse(buf, 0, tb, RTA_MAX), 0);
	CHECK(!tb[RTA_OIF]);
}

TEST(msg_attrs_short)
{
	union msgbuf m;
	const struct rtattr *tb[RTA_MAX + 1];
	struct rtmsg rtm = { .rtm_family = AF_INET };

	nl_msg_init(&m.nh, sizeof(m), RTM_NEWROUTE, 0, &rtm, sizeof(rtm));
	CHECK_EQ(nl_msg_attrs(&m.nh, sizeof(rtm), tb, RTA_MAX), 0);
	CHECK(!tb[RTA_DST]);

	m.nh.nlmsg_len = NLMSG_LENGTH(sizeof(rtm)) - 1;
	CHECK_EQ(nl_msg_attrs(&m.nh, sizeof(rtm), tb, RTA_MAX), -EBADMSG);
}

TEST(route_default)
{
	struct nl_route_info r;
	union msgbuf m;
	uint32_t table = RT_TABLE_MAIN;

	route4(&m, 0, RT_TABLE_MAIN, RTN_UNICAST, 3, "192.0.2.1");
	CHECK_EQ(nl_route_parse(&m.nh, 0, &r), 0);
	CHECK_EQ(r.family, AF_INET);
	CHECK_EQ(r.dst_len, 0);
	CHECK_EQ(r.table, RT_TABLE_MAIN);
	CHECK_EQ(r.type, RTN_UNICAST);
	CHECK_EQ(r.oif, 3);
	CHECK(r.has_gw);
	CHECK_MEM(r.gw, "\xc0\x00\x02\x01", 4);
	CHECK(!r.multipath);

	/* RTA_TABLE overrides rtm_table (RT_TABLE_COMPAT for big ids) */
	route4(&m, 0, RT_TABLE_COMPAT, RTN_UNICAST, 3, NULL);
	nl_attr_put(&m.nh, sizeof(m), RTA_TABLE, &table, sizeof(table));
	CHECK_EQ(nl_route_parse(&m.nh, 0, &r), 0);
	CHECK_EQ(r.table, RT_TABLE_MAIN);
	CHECK(!r.has_gw);

	/* Gateway of the wrong size is ignored */
	route4(&m, 0, RT_TABLE_MAIN, RTN_UNICAST, 3, NULL);
	nl_attr_put(&m.nh, sizeof(m), RTA_GATEWAY, "0123456789abcdef", 16);
	CHECK_EQ(nl_route_parse(&m.nh, 0, &r), 0);
	CHECK(!r.has_gw);

	/* Impossible prefix length, wrong type, wrong family */
	route4(&m, 33, RT_TABLE_MAIN, RTN_UNICAST, 3, NULL);
	CHECK_EQ(nl_route_parse(&m.nh, 0, &r), -EBADMSG);
	route4(&m, 0, RT_TABLE_MAIN, RTN_UNICAST, 3, NULL);
	m.nh.nlmsg_type = RTM_NEWADDR;
	CHECK_EQ(nl_route_parse(&m.nh, 0, &r), -EINVAL);
	m.nh.nlmsg_type = RTM_NEWROUTE;
	((struct rtmsg *)NLMSG_DATA(&m.nh))->rtm_family = AF_PACKET;
	CHECK_EQ(nl_route_parse(&m.nh, 0, &r), -EAFNOSUPPORT);
}

TEST(route_ipv6)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET6, .rtm_dst_len = 64,
		.rtm_table = RT_TABLE_MAIN, .rtm_type = RTN_UNICAST,
	};
	struct in6_addr dst, gw;
	struct nl_route_info r;
	union msgbuf m;
	uint32_t oif = 9;

	inet_pton(AF_INET6, "2001:db8:1::", &dst);
	inet_pton(AF_INET6, "fe80::1", &gw);
	nl_msg_init(&m.nh, sizeof(m), RTM_NEWROUTE, 0, &rtm, sizeof(rtm));
	nl_attr_put(&m.nh, sizeof(m), RTA_DST, &dst, sizeof(dst));
	nl_attr_put(&m.nh, sizeof(m), RTA_GATEWAY, &gw, sizeof(gw));
	nl_attr_put(&m.nh, sizeof(m), RTA_OIF, &oif, sizeof(oif));

	CHECK_EQ(nl_route_parse(&m.nh, 0, &r), 0);
	CHECK_EQ(r.family, AF_INET6);
	CHECK_EQ(r.dst_len, 64);
	CHECK_MEM(r.dst, &dst, 16);
	CHECK_MEM(r.gw, &gw, 16);
	CHECK_EQ(r.oif, 9);
}

TEST(route_multipath)
{
	uint8_t mp[64] __attribute__((aligned(4)));
	struct nl_route_info r;
	union msgbuf m;
	unsigned int ifi = 0;
	uint8_t gw[4];
	size_t len;

	len = nexthop(mp, 5, "192.0.2.1");
	len += nexthop(mp + len, 6, "198.51.100.1");
	len += nexthop(mp + len, 7, NULL);

	CHECK_EQ(nl_multipath_nh(mp, len, 0, &ifi, gw, 4), 1);
	CHECK_EQ(ifi, 5);
	CHECK_MEM(gw, "\xc0\x00\x02\x01", 4);
	CHECK_EQ(nl_multipath_nh(mp, len, 6, &ifi, gw, 4), 1);
	CHECK_EQ(ifi, 6);
	CHECK_MEM(gw, "\xc6\x33\x64\x01", 4);
	CHECK_EQ(nl_multipath_nh(mp, len, 7, &ifi, gw, 4), 0);
	CHECK_EQ(ifi, 7);
	CHECK_EQ(nl_multipath_nh(mp, len, 8, &ifi, gw, 4), -ENOENT);

	/* In a route without RTA_OIF: first nexthop, or the one via ifi */
	route4(&m, 0, RT_TABLE_MAIN, RTN_UNICAST, 0, NULL);
	nl_attr_put(&m.nh, sizeof(m), RTA_MULTIPATH, mp, len);
	CHECK_EQ(nl_route_parse(&m.nh, 0, &r), 0);
	CHECK(r.multipath);
	CHECK_EQ(r.oif, 5);
	CHECK(r.has_gw);
	CHECK_EQ(nl_route_parse(&m.nh, 6, &r), 0);
	CHECK_EQ(r.oif, 6);
	CHECK_MEM(r.gw, "\xc6\x33\x64\x01", 4);
	CHECK_EQ(nl_route_parse(&m.nh, 8, &r), 0);
	CHECK_EQ(r.oif, 0);

	/* Malformed nexthop lengths */
	((struct rtnexthop *)mp)->rtnh_len = 4;
	CHECK_EQ(nl_multipath_nh(mp, len, 0, &ifi, gw, 4), -EBADMSG);
	((struct rtnexthop *)mp)->rtnh_len = 200;
	CHECK_EQ(nl_multipath_nh(mp, len, 0, &ifi, gw, 4), -EBADMSG);
	route4(&m, 0, RT_TABLE_MAIN, RTN_UNICAST, 0, NULL);
	nl_attr_put(&m.nh, sizeof(m), RTA_MULTIPATH, mp, len);
	CHECK_EQ(nl_route_parse(&m.nh, 0, &r), -EBADMSG);

	/* Nexthop with a broken attribute inside */
	len = nexthop(mp, 5, "192.0.2.1");
	((struct rtattr *)(mp + RTNH_LENGTH(0)))->rta_len = 40;
	CHECK_EQ(nl_multipath_nh(mp, len, 5, &ifi, gw, 4), -EBADMSG);
}

TEST(addr_parse)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET6, .ifa_prefixlen = 64,
		.ifa_flags = IFA_F_PERMANENT, .ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = 4,
	};
	uint32_t flags = IFA_F_NODAD | IFA_F_NOPREFIXROUTE;
	struct in6_addr a6;
	struct nl_addr_info a;
	union msgbuf m;
	struct in_addr l, p, b;

	inet_pton(AF_INET6, "2001:db8::5", &a6);
	nl_msg_init(&m.nh, sizeof(m), RTM_NEWADDR, 0, &ifa, sizeof(ifa));
	nl_attr_put(&m.nh, sizeof(m), IFA_ADDRESS, &a6, sizeof(a6));
	CHECK_EQ(nl_addr_parse(&m.nh, &a), 0);
	CHECK_EQ(a.family, AF_INET6);
	CHECK_EQ(a.prefix_len, 64);
	CHECK_EQ(a.ifindex, 4);
	CHECK_EQ(a.flags, IFA_F_PERMANENT);
	CHECK(a.has_addr && !a.has_local && !a.has_brd);
	CHECK_MEM(a.addr, &a6, 16);

	/* IFA_FLAGS extends the 8-bit field */
	nl_attr_put(&m.nh, sizeof(m), IFA_FLAGS, &flags, sizeof(flags));
	CHECK_EQ(nl_addr_parse(&m.nh, &a), 0);
	CHECK_EQ(a.flags, flags);

	/* IPv4 point-to-point: local, peer and broadcast */
	ifa.ifa_family = AF_INET;
	ifa.ifa_prefixlen = 24;
	inet_pton(AF_INET, "192.0.2.2", &l);
	inet_pton(AF_INET, "192.0.2.1", &p);
	inet_pton(AF_INET, "192.0.2.255", &b);
	nl_msg_init(&m.nh, sizeof(m), RTM_NEWADDR, 0, &ifa, sizeof(ifa));
	nl_attr_put(&m.nh, sizeof(m), IFA_LOCAL, &l, 4);
	nl_attr_put(&m.nh, sizeof(m), IFA_ADDRESS, &p, 4);
	nl_attr_put(&m.nh, sizeof(m), IFA_BROADCAST, &b, 4);
	CHECK_EQ(nl_addr_parse(&m.nh, &a), 0);
	CHECK(a.has_local && a.has_addr && a.has_brd);
	CHECK_MEM(a.local, &l, 4);
	CHECK_MEM(a.addr, &p, 4);
	CHECK_MEM(a.brd, &b, 4);

	/* Prefix length too long, truncated header */
	((struct ifaddrmsg *)NLMSG_DATA(&m.nh))->ifa_prefixlen = 33;
	CHECK_EQ(nl_addr_parse(&m.nh, &a), -EBADMSG);
	m.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ifa) - 1);
	CHECK_EQ(nl_addr_parse(&m.nh, &a), -EBADMSG);
}

TEST(random_input)
{
	static union msgbuf m;
	uint32_t x = 0x12345678;
	int round;

	/* Random bytes, with plausible headers: parsers must not overrun
	 * (the sanitizers watch) and must terminate
	 */
	for (round = 0; round < 20000; round++) {
		size_t len, off = 0, i;
		const struct nlmsghdr *nh;
		uint8_t *p;

		for (i = 0; i < 256; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			m.b[i] = (uint8_t)x;
		}
		len = 16 + x % 240;
		m.nh.nlmsg_len = (x >> 8) % (len + 8);
		m.nh.nlmsg_type = (round & 1) ? RTM_NEWROUTE : RTM_NEWADDR;
		if (round & 2)
			m.b[NLMSG_HDRLEN] = (round & 4) ? AF_INET : AF_INET6;
		if (round & 8)
			m.b[NLMSG_HDRLEN + 1] = 0;

		/* Exact-size copy, so that any read past it is caught */
		p = malloc(len);
		if (!p)
			return;
		memcpy(p, m.b, len);
		while ((nh = nl_msg_next(p, len, &off))) {
			struct nl_route_info r;
			struct nl_addr_info a;

			CHECK(nh->nlmsg_len <= len);
			nl_route_parse(nh, x & 3, &r);
			nl_addr_parse(nh, &a);
		}
		free(p);
	}
}

TEST(live_loopback)
{
	char name[IF_NAMESIZE] = "";
	uint8_t mac[6] = { 1 };
	int nl = nl_open(), lo, mtu = 0;
	struct in_addr a;
	int plen;

	if (nl < 0) {
		printf("SKIP live_loopback: no netlink (%s)\n",
		       strerror(-nl));
		return;
	}

	lo = nl_link_by_name(nl, "lo");
	CHECK(lo > 0);
	CHECK_EQ(lo, (int)if_nametoindex("lo"));
	CHECK_EQ(nl_link_name(nl, lo, name), 0);
	CHECK_STR(name, "lo");
	CHECK_EQ(nl_link_get(nl, lo, mac, &mtu), 0);
	CHECK(mtu > 0);
	CHECK_MEM(mac, "\0\0\0\0\0\0", 6);

	/* 127.0.0.1 has host scope: not a global address */
	CHECK_EQ(nl_addr_get(nl, AF_INET, lo, &a, &plen, NULL), -ENOENT);

	CHECK_EQ(nl_link_by_name(nl, "no-such-link0"), -ENODEV);
	CHECK_EQ(nl_link_by_name(nl, "a-name-way-too-long"), -ENAMETOOLONG);
	CHECK_EQ(nl_link_get(nl, 0x7ffffff0, NULL, NULL), -ENODEV);

	close(nl);
}

UNIT_MAIN()
