/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dhcp.h - BOOTP/DHCP messages and options (RFC 2131, RFC 2132)
 */
#ifndef WIRE_DHCP_H
#define WIRE_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wbuf.h"

#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68
#define DHCP_MAGIC		0x63825363
#define DHCP_MIN_LEN		240	/* fixed part and magic cookie */
#define BOOTP_MIN_LEN		300	/* reply size some clients expect */
#define DHCP_MIN_MAX_MSG	576	/* smallest IP datagram we may send */

#define BOOTREQUEST		1
#define BOOTREPLY		2
#define BOOTP_FLAG_BROADCAST	0x8000

/* Message types, option 53 */
#define DHCPDISCOVER		1
#define DHCPOFFER		2
#define DHCPREQUEST		3
#define DHCPDECLINE		4
#define DHCPACK			5
#define DHCPNAK			6
#define DHCPRELEASE		7
#define DHCPINFORM		8

/* Options */
#define DHCP_OPT_PAD		0
#define DHCP_OPT_NETMASK	1
#define DHCP_OPT_ROUTER		3
#define DHCP_OPT_DNS		6
#define DHCP_OPT_MTU		26
#define DHCP_OPT_REQ_ADDR	50
#define DHCP_OPT_LEASE_TIME	51
#define DHCP_OPT_OVERLOAD	52
#define DHCP_OPT_MSG_TYPE	53
#define DHCP_OPT_SERVER_ID	54
#define DHCP_OPT_PARAM_LIST	55
#define DHCP_OPT_MAX_MSG_SIZE	57
#define DHCP_OPT_CLIENT_ID	61
#define DHCP_OPT_SEARCH		119
#define DHCP_OPT_CLASSLESS	121
#define DHCP_OPT_END		255

#define DHCP_OVERLOAD_FILE	1
#define DHCP_OVERLOAD_SNAME	2

/**
 * struct bootp_msg - fixed part of a BOOTP/DHCP message, as on the wire
 * @op:		BOOTREQUEST or BOOTREPLY
 * @htype:	hardware address type (1: Ethernet)
 * @hlen:	hardware address length (6)
 * @hops:	relay hops
 * @xid:	transaction identifier, opaque
 * @secs:	seconds since the client started, network order
 * @flags:	BOOTP_FLAG_BROADCAST, network order
 * @ciaddr:	client address, if it has one
 * @yiaddr:	"your" address, assigned by the server
 * @siaddr:	next server address
 * @giaddr:	relay agent address
 * @chaddr:	client hardware address
 * @sname:	server host name, or options if overloaded
 * @file:	boot file name, or options if overloaded
 * @magic:	magic cookie, DHCP_MAGIC in network order
 */
struct bootp_msg {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	uint8_t ciaddr[4];
	uint8_t yiaddr[4];
	uint8_t siaddr[4];
	uint8_t giaddr[4];
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint32_t magic;
} __attribute__((packed));

/**
 * struct dhcp_opts - options found in a message, first occurrence of each
 * @val:	value of option code i, NULL if absent
 * @len:	length of the value of option code i
 */
struct dhcp_opts {
	const uint8_t *val[256];
	uint8_t len[256];
};

const struct bootp_msg *dhcp_parse(const uint8_t *buf, size_t len,
				   struct dhcp_opts *o);
bool dhcp_opt_put(struct wbuf *w, uint8_t code, const void *val, size_t len);

#endif /* WIRE_DHCP_H */
