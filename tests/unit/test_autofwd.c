// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_autofwd.c - parsing of /proc/net/{tcp,udp}{,6} and of sock_diag dump
 * messages for automatic port forwarding: listening and unconnected sockets,
 * headers, truncated lines and messages, malformed entries, ephemeral UDP
 * ports (the dump's stream itself is nl_exchange()'s, see test_netlink.c)
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "unit.h"
#include "flow/autofwd.h"
#include "policy/portspec.h"

static uint8_t map[PORT_BITMAP_SIZE];

/* Is @port set in the bitmap */
static int has(unsigned int port)
{
	return !!(map[port / 8] & (1U << (port % 8)));
}

/* Number of ports set in the bitmap */
static int count(void)
{
	int n = 0;
	unsigned int p;

	for (p = 0; p < 65536; p++)
		n += has(p);
	return n;
}

static const char tcp4[] =
"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0\n"
"   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0\n"
"   2: 0200000A:0016 0100000A:D431 01 00000000:00000000 02:000A7B2E 00000000     0        0 1003 4 0000000000000000 20 4 30 10 -1\n"
"   3: 0100007F:9C40 0100007F:0050 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n";

static const char tcp6[] =
"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
"   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0\n"
"   1: 00000000000000000000000001000000:2710 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0\n";

static const char udp4[] =
"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
"  100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3001 2 0000000000000000 0\n"
"  101: 0100007F:A000 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3002 2 0000000000000000 0\n"
"  102: 0200000A:0045 0100000A:0035 01 00000000:00000000 00:00000000 00000000     0        0 3003 2 0000000000000000 0\n";

TEST(tcp_listening_only)
{
	const size_t len = sizeof(tcp4) - 1;

	memset(map, 0, sizeof(map));
	CHECK_EQ(procnet_parse(tcp4, len, true, 32768, map), len);
	CHECK(has(8080) && has(22));
	CHECK(!has(40000) && !has(0x50) && !has(0xd431));
	CHECK_EQ(count(), 2);
}

TEST(tcp_ipv6)
{
	const size_t len = sizeof(tcp6) - 1;

	memset(map, 0, sizeof(map));
	CHECK_EQ(procnet_parse(tcp6, len, true, 32768, map), len);
	CHECK(has(8081) && has(10000));
	CHECK_EQ(count(), 2);
}

TEST(udp_unconnected_below_ephemeral)
{
	const size_t len = sizeof(udp4) - 1;

	memset(map, 0, sizeof(map));
	CHECK_EQ(procnet_parse(udp4, len, false, 32768, map), len);
	CHECK(has(53));
	CHECK(!has(0xa000));	/* ephemeral: a client's socket */
	CHECK(!has(0x45));	/* connected */
	CHECK_EQ(count(), 1);

	/* Without an ephemeral bound, every unconnected socket counts */
	memset(map, 0, sizeof(map));
	procnet_parse(udp4, len, false, 0, map);
	CHECK(has(53) && has(0xa000));
	CHECK_EQ(count(), 2);

	/* The TCP view of the same text: no LISTEN state in it */
	memset(map, 0, sizeof(map));
	procnet_parse(udp4, len, true, 32768, map);
	CHECK_EQ(count(), 0);
}

TEST(partial_lines)
{
	const size_t len = sizeof(tcp4) - 1;
	size_t cut, used;

	/* Any prefix: only complete lines are consumed, and parsing the
	 * rest afterwards gives the same result as the whole text
	 */
	for (cut = 0; cut <= len; cut++) {
		memset(map, 0, sizeof(map));
		used = procnet_parse(tcp4, cut, true, 32768, map);
		CHECK(used <= cut);
		CHECK(used == cut || tcp4[cut - 1] != '\n');
		CHECK(!used || tcp4[used - 1] == '\n');
		procnet_parse(tcp4 + used, len - used, true, 32768, map);
		CHECK(has(8080) && has(22));
		CHECK_EQ(count(), 2);
	}
}

TEST(malformed)
{
	static const char *bad[] = {
		"   0: 0100007F1F90 00000000:0000 0A\n",		/* no colon */
		"   0: 0100007F:1F9 00000000:0000 0A\n",		/* short port */
		"   0: 0100007F:1F900 00000000:0000 0A\n",	/* long port */
		"   0: 01007F:1F90 00000000:0000 0A\n",		/* address */
		"   0: 0100007F:1F90 00000000:0000 A\n",		/* state */
		"   0: 0100007F:1F90\n",				/* cut */
		"   x: 0100007F:1F90 00000000:0000 0A\n",		/* slot */
		"0100007F:1F90 00000000:0000 0A\n",			/* no slot */
		"   0: 0100007F:0000 00000000:0000 0A\n",		/* port 0 */
		"\n", "::::\n", " : : 0A\n",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(map, 0, sizeof(map));
		CHECK_EQ(procnet_parse(bad[i], strlen(bad[i]), true, 32768,
				       map), strlen(bad[i]));
		CHECK_EQ(count(), 0);
	}
}

/* A sock_diag dump message, as the kernel sends it: local port, remote
 * port, state, and how much of struct inet_diag_msg it holds
 */
static const struct nlmsghdr *diag_msg(uint16_t type, uint16_t port,
				       uint16_t rport, uint8_t state,
				       size_t len)
{
	static union {
		struct nlmsghdr nh;
		uint8_t b[NLMSG_SPACE(sizeof(struct inet_diag_msg) + 8)];
	} m;
	struct inet_diag_msg d;

	memset(&m, 0, sizeof(m));
	memset(&d, 0, sizeof(d));
	d.idiag_family = AF_INET;
	d.idiag_state = state;
	d.id.idiag_sport = htons(port);
	d.id.idiag_dport = htons(rport);
	memcpy(NLMSG_DATA(&m.nh), &d, len < sizeof(d) ? len : sizeof(d));
	m.nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	m.nh.nlmsg_type = type;
	return &m.nh;
}

#define FULL	(sizeof(struct inet_diag_msg) + 8)	/* with attributes */

TEST(diag_tcp_listening_only)
{
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 8080, 0, 10, FULL),
			       true, 32768), 8080);
	/* ESTABLISHED, not asked for: skipped all the same */
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 40000, 80, 1,
					FULL), true, 32768), 0);
	/* No port */
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 0, 0, 10, FULL),
			       true, 32768), 0);
	/* TCP's ephemeral ports count: a server may listen there */
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 40000, 0, 10,
					FULL), true, 32768), 40000);
}

TEST(diag_udp_unconnected_below_ephemeral)
{
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 53, 0, 7, FULL),
			       false, 32768), 53);
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 40960, 0, 7, FULL),
			       false, 32768), 0);		/* ephemeral */
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 40960, 0, 7, FULL),
			       false, 0), 40960);		/* no bound */
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 69, 53, 7, FULL),
			       false, 32768), 0);		/* remote port */
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 70, 0, 1, FULL),
			       false, 32768), 0);		/* connected */
	/* The TCP view of it: no LISTEN state */
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 53, 0, 7, FULL),
			       true, 32768), 0);
}

TEST(diag_malformed)
{
	size_t len;

	/* Too short for its structure, at any length: skipped */
	for (len = 0; len < sizeof(struct inet_diag_msg); len++)
		CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 8080, 0,
						10, len), true, 32768), 0);
	CHECK_EQ(diag_msg_port(diag_msg(SOCK_DIAG_BY_FAMILY, 8080, 0, 10,
					sizeof(struct inet_diag_msg)),
			       true, 32768), 8080);
	/* Another type of message */
	CHECK_EQ(diag_msg_port(diag_msg(NLMSG_DONE, 8080, 0, 10, FULL), true,
			       32768), 0);
}

UNIT_MAIN()
