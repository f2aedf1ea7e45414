/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * netlink_int.h - shared between netlink.c (requests, queries) and
 * netlink_ns.c (pasta's namespace set-up), not used elsewhere
 */
#ifndef NS_NETLINK_INT_H
#define NS_NETLINK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ns/netlink.h"

#define NL_REQ_SIZE		1024	/* one request we build */
#define NL_EXT_MSG_SIZE		128

/**
 * union nl_req - buffer for one request, aligned for struct nlmsghdr
 * @nh:		header at its start
 * @buf:	whole buffer
 */
union nl_req {
	struct nlmsghdr nh;
	uint8_t buf[NL_REQ_SIZE];
};

/* Extended ACK message of the last error, empty if none */
extern char nl_ext_msg[NL_EXT_MSG_SIZE];

size_t rta_plen(const struct rtattr *rta);
size_t af_addr_len(int af);
bool nl_addr_is_ll(const struct nl_addr_info *a);

#endif /* NS_NETLINK_INT_H */
