/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dhcpv6.h - DHCPv6 messages and options (RFC 8415)
 */
#ifndef WIRE_DHCPV6_H
#define WIRE_DHCPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wbuf.h"

#define DHCPV6_CLIENT_PORT	546
#define DHCPV6_SERVER_PORT	547
#define DHCPV6_HLEN		4	/* type and transaction ID */

/* Message types */
#define DHCPV6_SOLICIT		1
#define DHCPV6_ADVERTISE	2
#define DHCPV6_REQUEST		3
#define DHCPV6_CONFIRM		4
#define DHCPV6_RENEW		5
#define DHCPV6_REBIND		6
#define DHCPV6_REPLY		7
#define DHCPV6_RELEASE		8
#define DHCPV6_DECLINE		9
#define DHCPV6_INFO_REQUEST	11

/* Options */
#define DHCPV6_OPT_CLIENTID	1
#define DHCPV6_OPT_SERVERID	2
#define DHCPV6_OPT_IA_NA	3
#define DHCPV6_OPT_IAADDR	5
#define DHCPV6_OPT_ORO		6
#define DHCPV6_OPT_STATUS	13
#define DHCPV6_OPT_RAPID_COMMIT	14
#define DHCPV6_OPT_DNS		23
#define DHCPV6_OPT_DOMAIN_LIST	24

#define DHCPV6_STATUS_SUCCESS		0
#define DHCPV6_STATUS_NO_ADDRS		2
#define DHCPV6_STATUS_NOT_ON_LINK	4

#define DHCPV6_IA_NA_LEN	12	/* IAID, T1, T2 */
#define DHCPV6_IAADDR_LEN	24	/* address, lifetimes */
#define DHCPV6_DUID_MAX		130	/* DUID length limit, RFC 8415 11.1 */

/**
 * struct dhcpv6_opt - one option found in a list
 * @code:	option code
 * @val:	its value
 * @len:	length of @val
 */
struct dhcpv6_opt {
	uint16_t code;
	const uint8_t *val;
	size_t len;
};

bool dhcpv6_opts_valid(const uint8_t *opts, size_t len);
bool dhcpv6_opt_next(const uint8_t *opts, size_t len, size_t *off,
		     struct dhcpv6_opt *opt);
bool dhcpv6_opt_find(const uint8_t *opts, size_t len, uint16_t code,
		     struct dhcpv6_opt *opt);
bool dhcpv6_opt_put(struct wbuf *w, uint16_t code, const void *val,
		    size_t len);
bool dhcpv6_opt_begin(struct wbuf *w, uint16_t code, size_t *start);
void dhcpv6_opt_end(struct wbuf *w, size_t start);

#endif /* WIRE_DHCPV6_H */
