// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udp_rr - UDP request/response benchmark, and its echo server
 *
 *   udp_rr -s PORT [-b ADDR]	echo server: every datagram received is sent
 *				back to where it came from (IPv4 and IPv6, or
 *				bound to ADDR: then replies come from ADDR,
 *				also when it's not the address routing picks
 *				as source, which connected clients need)
 *   udp_rr -c ADDR -p PORT -t SECONDS
 *				client: connected UDP socket, 1-byte request,
 *				wait for the 1-byte response, repeat for
 *				SECONDS; prints
 *				"rr_per_s=N count=N lost=N seconds=S"
 *
 * A lost datagram (either way) doesn't hang the client: after 200 ms
 * without the response the request is sent again and counted in "lost".
 * The request byte is a sequence number (mod 256), so that a late response
 * to an earlier request isn't taken for the current one. Exit status 1 and
 * a message on stderr if nothing at all comes back for 5 s, or on any other
 * error.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

#define RETRY_MS	200
#define GIVE_UP_S	5

/* Echo server, never returns */
static __attribute__((noreturn)) void serve(int port, const char *bind_addr)
{
	struct sockaddr_storage a;
	int zero = 0, s;
	socklen_t al;

	al = sockaddr_of(bind_addr ? bind_addr : "::", port, &a);
	s = socket(a.ss_family, SOCK_DGRAM, 0);
	if (s < 0)
		die_errno("socket");
	if (a.ss_family == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, (struct sockaddr *)&a, al))
		die_errno("bind");
	printf("listening %d/udp\n", port);
	fflush(stdout);

	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		char buf[65536];
		ssize_t r;

		r = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &fl);
		if (r < 0)
			continue;
		sendto(s, buf, r, 0, (struct sockaddr *)&from, fl);
	}
}

int main(int argc, char **argv)
{
	unsigned long count = 0, lost = 0;
	struct sockaddr_storage ss;
	double secs = 5, start, now, last_ok;
	const char *addr = NULL, *bind_addr = NULL;
	int port = 0, server_port = 0, opt, s;
	unsigned char seq = 0;
	socklen_t sl;

	while ((opt = getopt(argc, argv, "s:b:c:p:t:")) != -1) {
		switch (opt) {
		case 's':
			server_port = atoi(optarg);
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'c':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (server_port)
		serve(server_port, bind_addr);
	if (!addr || !port)
		goto usage;

	sl = sockaddr_of(addr, port, &ss);
	s = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (s < 0)
		die_errno("socket");
	set_timeouts(s);
	if (connect(s, (struct sockaddr *)&ss, sl))
		die_errno("connect");

	start = last_ok = now_s();
	do {
		/* Check the clock every 64 round trips */
		for (int i = 0; i < 64; i++) {
			struct pollfd pfd = { .fd = s, .events = POLLIN };
			unsigned char b;
			ssize_t r;

			seq++;
			if (send(s, &seq, 1, 0) != 1)
				die_errno("send");
			for (;;) {
				int n = poll(&pfd, 1, RETRY_MS);

				if (n < 0 && errno != EINTR)
					die_errno("poll");
				if (n <= 0) {
					/* Lost: give up, or send again */
					if (now_s() - last_ok > GIVE_UP_S)
						die("no response for 5 s");
					lost++;
					if (send(s, &seq, 1, 0) != 1)
						die_errno("send");
					continue;
				}
				r = recv(s, &b, 1, 0);
				if (r < 0) {
					/* e.g. ECONNREFUSED from an ICMP
					 * error: retry until the deadline
					 */
					if (now_s() - last_ok > GIVE_UP_S)
						die_errno("recv");
					continue;
				}
				if (r == 1 && b == seq)
					break;
				/* Late response to an earlier request */
			}
			count++;
		}
		now = last_ok = now_s();
	} while (now - start < secs);

	printf("rr_per_s=%.1f count=%lu lost=%lu seconds=%.3f\n",
	       count / (now - start), count, lost, now - start);
	close(s);
	return 0;

usage:
	fprintf(stderr, "usage: %s -s PORT [-b ADDR] | "
			"-c ADDR -p PORT [-t SECONDS]\n", argv[0]);
	return 2;
}
