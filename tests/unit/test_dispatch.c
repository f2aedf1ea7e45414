// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dispatch.c - counters, learning about the guest, and frames nobody
 * handles yet
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <sys/mman.h>

#include "unit.h"
#include "pkt_helpers.h"
#include "svc/dispatch.h"
#include "wire/pkt.h"

static struct ctx c;
static uint8_t frame[FRAME_MAX], reply[FRAME_MAX];

TEST(counters_and_learning)
{
	const uint8_t mld[] = {		/* MLDv2 report, after HBH */
		143, 0, 0, 0, 0, 0, 0, 0,
	};
	struct in6_addr s = tf_ip6("fe80::2"), d = tf_ip6("ff02::16");
	size_t len;

	tf_ctx_init(&c);

	/* UDP to some port: valid, unhandled for now; source learnt */
	len = tf_udp4(frame, sizeof(frame), "192.0.2.55", 1000, "192.0.2.1",
		      53, "q", 1);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.frames_in, 1);
	CHECK_EQ(c.stats.unhandled, 1);
	CHECK_EQ(c.seen.addr4.s_addr, tf_ip4("192.0.2.55").s_addr);
	CHECK(c.seen.mac_known);

	/* 0.0.0.0 is not learnt */
	len = tf_udp4(frame, sizeof(frame), "0.0.0.0", 1000, "192.0.2.1",
		      53, "q", 1);
	dispatch_frame(&c, frame, len, reply, sizeof(reply));
	CHECK_EQ(c.seen.addr4.s_addr, tf_ip4("192.0.2.55").s_addr);

	/* Global and link-local IPv6 sources */
	len = tf_udp6(frame, sizeof(frame), "2001:db8:1:2::77", 1000,
		      "2001:db8::53", 53, "q", 1);
	dispatch_frame(&c, frame, len, reply, sizeof(reply));
	CHECK(tf_ip6_eq(&c.seen.addr6, "2001:db8:1:2::77"));
	len = tf_udp6(frame, sizeof(frame), "fe80::77", 1000,
		      "2001:db8::53", 53, "q", 1);
	dispatch_frame(&c, frame, len, reply, sizeof(reply));
	CHECK(tf_ip6_eq(&c.seen.addr6_ll, "fe80::77"));
	CHECK(tf_ip6_eq(&c.seen.addr6, "2001:db8:1:2::77"));

	/* MLD report behind a Hop-by-Hop header with router alert */
	memset(frame, 0, 128);
	eth_build(frame, sizeof(frame), mac_broadcast, tf_guest_mac,
		  ETHERTYPE_IPV6);
	ip6_build(frame + ETH_HLEN, 100, 0, &s, &d, 8 + sizeof(mld), 1);
	frame[ETH_HLEN + 40] = 58;
	frame[ETH_HLEN + 42] = 5;
	frame[ETH_HLEN + 43] = 2;
	memcpy(frame + ETH_HLEN + 48, mld, sizeof(mld));
	len = ETH_HLEN + 40 + 8 + sizeof(mld);
	CHECK_EQ(dispatch_frame(&c, frame, len, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.unhandled, 5);
	CHECK_EQ(c.stats.malformed, 0);

	/* VLAN tagged: unhandled, but the MAC is still learnt */
	memset(frame, 0, 64);
	eth_build(frame, sizeof(frame), mac_broadcast, tf_our_mac, 0x8100);
	CHECK_EQ(dispatch_frame(&c, frame, 64, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.unhandled, 6);
	CHECK_MEM(c.seen.mac, tf_our_mac, 6);

	/* Runt: malformed, nothing learnt */
	CHECK_EQ(dispatch_frame(&c, frame, 10, reply, sizeof(reply)), 0);
	CHECK_EQ(c.stats.malformed, 1);
	CHECK_EQ(c.stats.frames_in, 7);
	CHECK_EQ(c.stats.frames_out, 0);
}

/**
 * guarded_reply() - a reply buffer that ends right before a page nobody may
 *		     touch, so that a write past its end faults
 * @size:	size of the buffer, at most one page
 *
 * Return: the buffer, whose last byte is the last of an accessible page;
 *	   the bytes before it, within that page, are filled with 0xa5
 */
static uint8_t *guarded_reply(size_t size)
{
	static uint8_t *map;
	static size_t page;

	if (!map) {
		page = (size_t)sysconf(_SC_PAGESIZE);
		map = mmap(NULL, page * 2, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED || mprotect(map + page, page, PROT_NONE))
			abort();
	}
	memset(map, 0xa5, page);
	return map + page - size;
}

/**
 * below_untouched() - are the bytes before a guarded reply still 0xa5
 * @r:		buffer from guarded_reply()
 *
 * Return: true if nothing was written before @r, in its page
 */
static bool below_untouched(const uint8_t *r)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const uint8_t *p = (const uint8_t *)((uintptr_t)r & ~(page - 1));

	for (; p < r; p++) {
		if (*p != 0xa5)
			return false;
	}
	return true;
}

TEST(guarded_reply_faults_past_the_end)
{
	uint8_t *r = guarded_reply(100);
	pid_t pid;
	int status;

	r[99] = 1;		/* the last byte is ours */
	CHECK(below_untouched(r));
	pid = fork();
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDERR_FILENO);	/* the sanitizer's report */
		r[100] = 1;	/* one past: must fault */
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	/* SIGSEGV, or the sanitizer's report of it and its exit */
	CHECK(!WIFEXITED(status) || WEXITSTATUS(status) != 0);
}

TEST(random_frames_stay_in_bounds)
{
	static uint8_t buf[2048];
	uint32_t seed = 1;
	int i;

	tf_ctx_init(&c);
	for (i = 0; i < 20000; i++) {
		size_t len, j, n, r;
		uint8_t *copy, *out;

		/* Start from a valid frame of some kind, then mutate it */
		switch (i % 4) {
		case 0:
			len = tf_udp4(buf, sizeof(buf), "0.0.0.0", 68,
				      "255.255.255.255", 67, frame, 300);
			break;
		case 1:
			len = tf_udp6(buf, sizeof(buf), "fe80::2", 546,
				      "ff02::1:2", 547, frame, 64);
			break;
		case 2:
			len = tf_icmp6(buf, sizeof(buf), "fe80::2", "ff02::2",
				       "\x85\0\0\0\0\0\0\0\x01\x01\0\0\0\0\0",
				       16);
			break;
		default:
			len = 60;
			break;
		}
		for (n = 0; n < 8; n++) {
			seed = seed * 1103515245 + 12345;
			j = (seed >> 8) % len;
			buf[j] = (uint8_t)(seed >> 20);
		}
		seed = seed * 1103515245 + 12345;
		len -= (seed >> 8) % 16 < len ? (seed >> 8) % 16 : 0;

		copy = malloc(len ? len : 1);
		memcpy(copy, buf, len);
		seed = seed * 1103515245 + 12345;
		r = (seed >> 4) % 1600;
		/* The reply buffer has exactly r bytes before a guard page:
		 * a write past what the call was told faults
		 */
		out = guarded_reply(r);
		CHECK(dispatch_frame(&c, copy, len, out, r) <= r);
		CHECK(below_untouched(out));
		free(copy);
	}
	CHECK_EQ(c.stats.frames_in, 20000);
	CHECK_EQ(c.stats.frames_in, c.stats.malformed + c.stats.unhandled +
		 c.stats.arp_replies + c.stats.dhcp_replies +
		 c.stats.ndp_replies + c.stats.dhcpv6_replies);
}

UNIT_MAIN()
