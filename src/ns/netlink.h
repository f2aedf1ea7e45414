/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * netlink.h - rtnetlink queries and configuration of links, addresses and
 * routes, for host discovery and pasta's --config-net
 *
 * All functions taking an @nl socket act in the network namespace that
 * socket was opened in (see nl_open()). Addresses are passed as pointers to
 * struct in_addr for AF_INET and struct in6_addr for AF_INET6, in network
 * order. Unless stated otherwise, functions return 0 (or a positive value)
 * on success and a negative errno value on failure.
 */
#ifndef NS_NETLINK_H
#define NS_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* nl_cb_t - called for every answer to a request, or with NULL to reset
 *
 * Return: 0 to go on, positive to stop calling back (the answer is still
 * read to its end), negative error code to stop and fail
 */
typedef int (*nl_cb_t)(const struct nlmsghdr *nh, void *arg);

/* Opening, and discovery of the host (or any namespace's) configuration */
int nl_open(void);
int nl_setup(int fd);
int nl_exchange(int nl, struct nlmsghdr *req, nl_cb_t cb, void *arg);
unsigned int nl_default_route_ifindex(int nl, int af);
int nl_default_gateway(int nl, int af, unsigned int ifi, void *gw);
int nl_addr_get(int nl, int af, unsigned int ifi, void *addr,
		int *prefix_len, void *addr6_ll);
int nl_link_get(int nl, unsigned int ifi, uint8_t mac[6], int *mtu);
int nl_link_by_name(int nl, const char *name);
int nl_link_name(int nl, unsigned int ifi, char name[IF_NAMESIZE]);
int nl_route_type(int nl, int af, const void *dst, unsigned int oif,
		  const void *src);

/* Configuration, with a socket opened in the target namespace */
int nl_link_up(int nl, unsigned int ifi, int mtu);
int nl_link_set_mac(int nl, unsigned int ifi, const uint8_t mac[6]);
int nl_addr_add(int nl, int af, unsigned int ifi, const void *addr,
		int prefix_len);
int nl_route_add_default(int nl, int af, unsigned int ifi, const void *gw);

/* Copies from one interface (and namespace) to another, for --config-net */
int nl_addrs_copy(int nl_src, unsigned int ifi_src,
		  int nl_dst, unsigned int ifi_dst, int af);
int nl_routes_copy(int nl_src, unsigned int ifi_src,
		   int nl_dst, unsigned int ifi_dst, int af);

/* Pure helpers: message building and bounds-checked parsing. They do no I/O
 * and are exposed for the unit tests.
 */

/**
 * struct nl_route_info - what we use of one RTM_NEWROUTE message
 * @family:	AF_INET or AF_INET6
 * @table:	routing table, from RTA_TABLE if present, else rtm_table
 * @type:	rtm_type, RTN_UNICAST for ordinary routes
 * @protocol:	rtm_protocol, RTPROT_KERNEL for automatic prefix routes
 * @flags:	rtm_flags (RTNH_F_*, RTM_F_CLONED for cached routes)
 * @dst_len:	destination prefix length, 0 for a default route
 * @dst:	destination (RTA_DST), zero if absent
 * @oif:	output interface: RTA_OIF, or the ifindex of the selected
 *		nexthop of a multipath route; 0 if none
 * @has_gw:	@gw holds a gateway (RTA_GATEWAY of the route or nexthop)
 * @gw:		gateway address, 4 or 16 bytes used
 * @multipath:	the route has an RTA_MULTIPATH attribute
 */
struct nl_route_info {
	int family;
	unsigned int table;
	uint8_t type;
	uint8_t protocol;
	unsigned int flags;
	uint8_t dst_len;
	uint8_t dst[16];
	unsigned int oif;
	bool has_gw;
	uint8_t gw[16];
	bool multipath;
};

/**
 * struct nl_addr_info - what we use of one RTM_NEWADDR message
 * @family:	AF_INET or AF_INET6
 * @prefix_len:	prefix length
 * @scope:	RT_SCOPE_UNIVERSE for global addresses, RT_SCOPE_LINK for
 *		link-local ones
 * @flags:	IFA_F_* flags, from IFA_FLAGS if present, else ifa_flags
 * @ifindex:	interface the address is on
 * @has_local:	@local holds IFA_LOCAL (the local address, IPv4 and IPv6
 *		point-to-point links)
 * @local:	IFA_LOCAL
 * @has_addr:	@addr holds IFA_ADDRESS (the local address on IPv6, the
 *		peer address on IPv4 point-to-point links)
 * @addr:	IFA_ADDRESS
 * @has_brd:	@brd holds IFA_BROADCAST (IPv4 only)
 * @brd:	IFA_BROADCAST
 */
struct nl_addr_info {
	int family;
	uint8_t prefix_len;
	uint8_t scope;
	unsigned int flags;
	unsigned int ifindex;
	bool has_local;
	uint8_t local[16];
	bool has_addr;
	uint8_t addr[16];
	bool has_brd;
	uint8_t brd[4];
};

int nl_msg_init(struct nlmsghdr *nh, size_t cap, uint16_t type,
		uint16_t flags, const void *fixed, size_t fixed_len);
int nl_attr_put(struct nlmsghdr *nh, size_t cap, uint16_t type,
		const void *data, size_t len);
const struct nlmsghdr *nl_msg_next(const void *buf, size_t len, size_t *off);
int nl_attr_parse(const void *attrs, size_t len, const struct rtattr **tb,
		  unsigned int max);
int nl_msg_attrs(const struct nlmsghdr *nh, size_t fixed_len,
		 const struct rtattr **tb, unsigned int max);
int nl_multipath_nh(const void *mp, size_t len, unsigned int ifi,
		    unsigned int *ifindex, void *gw, size_t gw_len);
int nl_route_parse(const struct nlmsghdr *nh, unsigned int ifi,
		   struct nl_route_info *r);
int nl_addr_parse(const struct nlmsghdr *nh, struct nl_addr_info *a);

#endif /* NS_NETLINK_H */
