// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_rr - TCP request/response benchmark, and the echo server that
 *	    tcp_rr and tcp_crr talk to
 *
 *   tcp_rr -s PORT		echo server: every byte read is written back,
 *				any number of connections (one epoll loop)
 *   tcp_rr -c ADDR -p PORT -t SECONDS
 *				client: one connection, 1-byte request, wait
 *				for the 1-byte response, repeat for SECONDS;
 *				prints "rr_per_s=N count=N seconds=S"
 *
 * ADDR is an IPv4 or IPv6 literal. TCP_NODELAY on both sides, so that each
 * round trip is one segment each way. Exit status 1 and a message on stderr
 * on any error.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

/* Echo server: one epoll loop, never returns */
static void serve(int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	struct epoll_event ev, evs[64];
	int one = 1, zero = 0, s, ep;

	signal(SIGPIPE, SIG_IGN);
	s = socket(AF_INET6, SOCK_STREAM, 0);
	if (s < 0)
		die_errno("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4096))
		die_errno("bind/listen");
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = s;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	printf("listening %d\n", port);
	fflush(stdout);

	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1), i;

		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			char buf[4096];
			ssize_t r;

			if (fd == s) {
				int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);

				if (c < 0)
					continue;
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof(one));
				ev.events = EPOLLIN;
				ev.data.fd = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r <= 0 || write(fd, buf, r) != r) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	double secs = 5, start, now;
	const char *addr = NULL;
	int port = 0, opt, one = 1, s;
	unsigned long count = 0;
	socklen_t sl;
	char b = 'x';

	while ((opt = getopt(argc, argv, "s:c:p:t:")) != -1) {
		switch (opt) {
		case 's':
			serve(atoi(optarg));
			return 0;
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
	if (!addr || !port)
		goto usage;

	sl = sockaddr_of(addr, port, &ss);
	s = socket(ss.ss_family, SOCK_STREAM, 0);
	if (s < 0)
		die_errno("socket");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	set_timeouts(s);
	if (connect(s, (struct sockaddr *)&ss, sl))
		die_errno("connect");

	start = now_s();
	do {
		/* Check the clock every 64 round trips */
		for (int i = 0; i < 64; i++) {
			ssize_t r;

			if (write(s, &b, 1) != 1)
				die_errno("write");
			r = read(s, &b, 1);
			if (r < 0)
				die_errno("read");
			if (r == 0)
				die("read: connection closed by peer");
			count++;
		}
		now = now_s();
	} while (now - start < secs);

	printf("rr_per_s=%.1f count=%lu seconds=%.3f\n",
	       count / (now - start), count, now - start);
	close(s);
	return 0;

usage:
	fprintf(stderr, "usage: %s -s PORT | -c ADDR -p PORT [-t SECONDS]\n",
		argv[0]);
	return 2;
}
