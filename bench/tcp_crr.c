// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_crr - TCP connection rate benchmark (netperf TCP_CRR style)
 *
 *   tcp_crr -c ADDR -p PORT -t SECONDS
 *
 * For SECONDS: connect, write 1 byte, read the 1-byte echo, close; one
 * connection at a time. Talks to the echo server 'tcp_rr -s PORT'. Prints
 * "crr_per_s=N count=N seconds=S". A failed connect, write or read is an
 * error (exit 1, message on stderr), after printing how far it got.
 */

#define _GNU_SOURCE
#include <netinet/tcp.h>
#include <unistd.h>

#include "bench_common.h"

int main(int argc, char **argv)
{
	double secs = 5, start, now;
	struct sockaddr_storage ss;
	const char *addr = NULL;
	int port = 0, opt, one = 1;
	unsigned long count = 0;
	socklen_t sl;

	while ((opt = getopt(argc, argv, "c:p:t:")) != -1) {
		switch (opt) {
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
	start = now = now_s();
	while (now - start < secs) {
		const char *fail = NULL;
		char b = 'x';
		int s;

		s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			die_errno("socket");
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		set_timeouts(s);
		if (connect(s, (struct sockaddr *)&ss, sl))
			fail = "connect";
		else if (write(s, &b, 1) != 1)
			fail = "write";
		else if (read(s, &b, 1) != 1)
			fail = "read";
		if (fail) {
			int e = errno;

			fprintf(stderr, "after %lu connections: ", count);
			errno = e;
			die_errno(fail);
		}
		close(s);
		count++;
		now = now_s();
	}

	printf("crr_per_s=%.1f count=%lu seconds=%.3f\n",
	       count / (now - start), count, now - start);
	return 0;

usage:
	fprintf(stderr, "usage: %s -c ADDR -p PORT [-t SECONDS]\n", argv[0]);
	return 2;
}
