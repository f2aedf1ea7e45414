// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * egress_lookup.c - time one egress decision (policy/egress.c), the fast
 * lookup and the reference, for the rules given on the command line
 *
 *	egress_lookup [--egress-deny|--egress-allow SPEC]... ADDR PORT
 *
 * Prints "fast NS ns, reference NS ns, N rules" for TCP to ADDR:PORT: the
 * mean over enough lookups to take about 0.2 s of CPU each. Built by
 * bench/run.sh with the sources of the decision; bench/bench.py runs it
 * for the rule sets of its egress columns. Not a test.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/egress.h"

static struct egress_table t;

/**
 * cpu_ns() - process CPU time
 *
 * Return: nanoseconds
 */
static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/**
 * time_one() - mean time of one decision
 * @ref:	use the reference
 * @a:		destination
 * @port:	port
 *
 * Return: nanoseconds
 */
static double time_one(bool ref, const union inany_addr *a, uint16_t port)
{
	unsigned long n = 1000, i;
	volatile int sink = 0;
	double t0, dt;

	for (;;) {
		t0 = cpu_ns();
		for (i = 0; i < n; i++) {
			int r;

			if (ref)
				sink += egress_allowed_ref(&t, a, IPPROTO_TCP,
							   port, false, &r);
			else
				sink += egress_allowed(&t, a, IPPROTO_TCP,
						       port, false, &r);
		}
		dt = cpu_ns() - t0;
		if (dt > 2e8 || n > (1UL << 30))
			return dt / (double)n;
		n *= 4;
	}
}

/**
 * main() - parse the rules, time the decision
 * @argc:	argument count
 * @argv:	options, then address and port
 *
 * Return: 0 on success, 1 on bad arguments
 */
int main(int argc, char **argv)
{
	union inany_addr a;
	struct in_addr a4;
	char err[256];
	int i;

	egress_init(&t);
	for (i = 1; i + 2 < argc; i += 2) {
		bool deny = !strcmp(argv[i], "--egress-deny");

		if (!deny && strcmp(argv[i], "--egress-allow")) {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 1;
		}
		if (egress_add(&t, deny, argv[i + 1], err, sizeof(err))) {
			fprintf(stderr, "%s %s: %s\n", argv[i], argv[i + 1],
				err);
			return 1;
		}
	}
	if (i + 2 != argc || inet_pton(AF_INET, argv[i], &a4) != 1) {
		fprintf(stderr, "usage: %s [--egress-deny|--egress-allow "
			"SPEC]... IPV4ADDR PORT\n", argv[0]);
		return 1;
	}
	egress_commit(&t);
	memset(&a, 0, sizeof(a));
	a.v4mapped.one[0] = a.v4mapped.one[1] = 0xff;
	a.v4mapped.a4 = a4;

	printf("fast %.0f ns, reference %.0f ns, %u rules\n",
	       time_one(false, &a, (uint16_t)atoi(argv[i + 1])),
	       time_one(true, &a, (uint16_t)atoi(argv[i + 1])), t.rule_count);
	return 0;
}
