// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_autofwd.c - parsing of /proc/net/{tcp,udp}{,6} and of sock_diag dumps
 * for automatic port forwarding: listening and unconnected sockets, headers,
 * truncated lines and messages, malformed entries, ephemeral UDP ports,
 * error and stale messages
 */

#include <errno.h>
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

/* sock_diag dumps, built as the kernel sends them */
static uint8_t dump[4096];
static size_t dump_len;

/* Append one message to the dump, payload of @plen bytes: returns it */
static uint8_t *msg_add(uint16_t type, uint32_t seq, size_t plen)
{
	struct nlmsghdr nh = {
		.nlmsg_len = (uint32_t)NLMSG_LENGTH(plen),
		.nlmsg_type = type,
		.nlmsg_flags = NLM_F_MULTI,
		.nlmsg_seq = seq,
	};
	uint8_t *p = dump + dump_len;

	memset(p, 0, NLMSG_SPACE(plen));
	memcpy(p, &nh, sizeof(nh));
	dump_len += NLMSG_SPACE(plen);
	return p + NLMSG_HDRLEN;
}

/* Append a socket: local port, remote port, state */
static void sock_add(uint32_t seq, uint16_t port, uint16_t rport,
		     uint8_t state)
{
	struct inet_diag_msg m;

	memset(&m, 0, sizeof(m));
	m.idiag_family = AF_INET;
	m.idiag_state = state;
	m.id.idiag_sport = htons(port);
	m.id.idiag_dport = htons(rport);
	memcpy(msg_add(SOCK_DIAG_BY_FAMILY, seq, sizeof(m) + 8), &m,
	       sizeof(m));
}

/* Append the end of the dump, with its error code */
static void done_add(uint16_t type, uint32_t seq, int32_t err)
{
	memcpy(msg_add(type, seq, sizeof(err)), &err, sizeof(err));
}

TEST(diag_tcp_listening_only)
{
	dump_len = 0;
	sock_add(7, 8080, 0, 10);	/* LISTEN */
	sock_add(7, 22, 0, 10);
	sock_add(7, 40000, 80, 1);	/* ESTABLISHED: not asked, skipped */
	sock_add(7, 0, 0, 10);		/* no port */
	sock_add(6, 9090, 0, 10);	/* an earlier dump's */
	memset(map, 0, sizeof(map));
	CHECK_EQ(diag_parse(dump, dump_len, 7, true, 32768, map), 0);
	done_add(NLMSG_DONE, 7, 0);
	memset(map, 0, sizeof(map));
	CHECK_EQ(diag_parse(dump, dump_len, 7, true, 32768, map), 1);
	CHECK(has(8080) && has(22));
	CHECK_EQ(count(), 2);
}

TEST(diag_udp_unconnected_below_ephemeral)
{
	dump_len = 0;
	sock_add(3, 53, 0, 7);		/* CLOSE, unconnected */
	sock_add(3, 40960, 0, 7);	/* ephemeral */
	sock_add(3, 69, 53, 7);		/* a remote port */
	sock_add(3, 70, 0, 1);		/* connected */
	done_add(NLMSG_DONE, 3, 0);
	memset(map, 0, sizeof(map));
	CHECK_EQ(diag_parse(dump, dump_len, 3, false, 32768, map), 1);
	CHECK(has(53));
	CHECK_EQ(count(), 1);

	memset(map, 0, sizeof(map));
	CHECK_EQ(diag_parse(dump, dump_len, 3, false, 0, map), 1);
	CHECK(has(53) && has(40960));
	CHECK_EQ(count(), 2);
}

TEST(diag_errors)
{
	struct nlmsghdr nh;
	size_t cut;

	/* The kernel's error, in an error message or at the end */
	dump_len = 0;
	sock_add(5, 8080, 0, 10);
	done_add(NLMSG_ERROR, 5, -ENOENT);
	CHECK_EQ(diag_parse(dump, dump_len, 5, true, 32768, map), -ENOENT);
	dump_len = 0;
	done_add(NLMSG_DONE, 5, -EINTR);
	CHECK_EQ(diag_parse(dump, dump_len, 5, true, 32768, map), -EINTR);
	/* An ACK ends it; an error of another dump doesn't */
	dump_len = 0;
	done_add(NLMSG_ERROR, 4, -ENOENT);
	done_add(NLMSG_ERROR, 5, 0);
	CHECK_EQ(diag_parse(dump, dump_len, 5, true, 32768, map), 1);
	/* An error message without its code; out of range codes */
	dump_len = 0;
	msg_add(NLMSG_ERROR, 5, 0);
	CHECK_EQ(diag_parse(dump, dump_len, 5, true, 32768, map), -EBADMSG);
	dump_len = 0;
	done_add(NLMSG_ERROR, 5, -100000);
	CHECK_EQ(diag_parse(dump, dump_len, 5, true, 32768, map), -EPROTO);

	/* Cut anywhere: a complete message or a clean failure, and the
	 * ports of complete messages only
	 */
	dump_len = 0;
	sock_add(9, 8080, 0, 10);
	sock_add(9, 22, 0, 10);
	done_add(NLMSG_DONE, 9, 0);
	for (cut = 0; cut < dump_len; cut++) {
		int rc;

		memset(map, 0, sizeof(map));
		rc = diag_parse(dump, cut, 9, true, 32768, map);
		CHECK(rc == 0 || rc == -EBADMSG);
		CHECK(count() <= 2);
	}

	/* Lengths shorter than a header, or past the buffer */
	dump_len = 0;
	sock_add(9, 8080, 0, 10);
	memcpy(&nh, dump, sizeof(nh));
	nh.nlmsg_len = 8;
	memcpy(dump, &nh, sizeof(nh));
	CHECK_EQ(diag_parse(dump, dump_len, 9, true, 32768, map), -EBADMSG);
	nh.nlmsg_len = (uint32_t)dump_len + 4;
	memcpy(dump, &nh, sizeof(nh));
	CHECK_EQ(diag_parse(dump, dump_len, 9, true, 32768, map), -EBADMSG);

	/* A socket message too short for its structure is skipped */
	dump_len = 0;
	msg_add(SOCK_DIAG_BY_FAMILY, 9, 4);
	done_add(NLMSG_DONE, 9, 0);
	memset(map, 0, sizeof(map));
	CHECK_EQ(diag_parse(dump, dump_len, 9, true, 32768, map), 1);
	CHECK_EQ(count(), 0);
}

UNIT_MAIN()
