/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_common.h - small helpers shared by tcp_rr.c, tcp_crr.c and udp_rr.c */

#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

static inline __attribute__((noreturn)) void die(const char *msg)
{
	fprintf(stderr, "error: %s\n", msg);
	exit(1);
}

static inline __attribute__((noreturn)) void die_errno(const char *what)
{
	fprintf(stderr, "error: %s: %s\n", what,
		errno == EAGAIN || errno == EINPROGRESS ?
		"timed out (5 s)" : strerror(errno));
	exit(1);
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Fill ss from an IPv4 or IPv6 literal and a port, return its length */
static inline socklen_t sockaddr_of(const char *addr, int port,
				    struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return sizeof(*a6);
	}
	die("not an IPv4 or IPv6 address");
	return 0;
}

/* Fail instead of hanging: connect, read and write give up after 5 s */
static inline void set_timeouts(int s)
{
	struct timeval tv = { .tv_sec = 5 };

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

#endif /* BENCH_COMMON_H */
