// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_egress.c - unit tests for the egress policy (policy/egress.c): the
 * SPEC parser and its errors, the named sets (the only place private-range
 * literals may appear in tests: as data, never as traffic), precedence, the
 * DNS forwarder exception, the bounds, fwd_guest_target() refusing and
 * counting on mapped destinations, and a differential test of the fast
 * lookup against the reference (egress_ref.c) over random rule sets and
 * destinations, IPv4, IPv6 and IPv4-mapped rules, in the manner of
 * WireGuard's allowedips selftest. Seeded and reproducible: EGRESS_SEED=N
 * in the environment picks another seed, which failures print.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/ctx.h"
#include "policy/egress.h"
#include "policy/fwd.h"
#include "util/log.h"
#include "pkt_helpers.h"
#include "unit.h"

static struct egress_table t;
static struct ctx c;

#define T	IPPROTO_TCP
#define U	IPPROTO_UDP
#define I4	IPPROTO_ICMP
#define I6	IPPROTO_ICMPV6

#define addr(s)	tf_inany(s)

/**
 * rules() - make @t hold exactly the given rules, committed
 * @default_deny: --egress-default deny
 * @...:	"+SPEC" for an allow, "-SPEC" for a deny, NULL-terminated
 */
static void rules(bool default_deny, ...)
{
	char err[256];
	const char *s;
	va_list ap;

	egress_init(&t);
	t.default_deny = default_deny;
	va_start(ap, default_deny);
	while ((s = va_arg(ap, const char *))) {
		int rc = egress_add(&t, s[0] == '-', s + 1, err, sizeof(err));

		if (rc)
			fprintf(stderr, "rule %s: %s\n", s, err);
		CHECK_EQ(rc, 0);
	}
	va_end(ap);
	egress_commit(&t);
}

/**
 * ok() - is a flow allowed, asking both lookups (they must agree)
 * @proto:	protocol
 * @dst:	destination
 * @port:	port
 *
 * Return: true if allowed
 */
static bool ok(uint8_t proto, const char *dst, uint16_t port)
{
	union inany_addr a = addr(dst);
	int r1, r2;
	bool fast = egress_allowed(&t, &a, proto, port, false, &r1);
	bool ref = egress_allowed_ref(&t, &a, proto, port, false, &r2);

	CHECK_EQ(fast, ref);
	CHECK_EQ(r1, r2);
	return fast;
}

/**
 * winner() - the option that decides for a flow
 * @proto:	protocol
 * @dst:	destination
 * @port:	port
 *
 * Return: option text, as the log shows it
 */
static const char *winner(uint8_t proto, const char *dst, uint16_t port)
{
	union inany_addr a = addr(dst);
	int r;

	egress_allowed(&t, &a, proto, port, false, &r);
	return egress_spec(&t, r);
}

TEST(parse_accepts)
{
	static const struct {
		const char *spec;
		unsigned int rules;
		unsigned int ranges;
		const char *first;	/* egress_rule_fmt() of the first rule */
	} cases[] = {
		{ "192.0.2.0/24", 1, 0, "deny 192.0.2.0/24, 0 port ranges" },
		{ "192.0.2.7", 1, 0, "deny 192.0.2.7/32, 0 port ranges" },
		{ "192.0.2.7/24", 1, 0, "deny 192.0.2.0/24, 0 port ranges" },
		{ "0.0.0.0/0", 1, 0, "deny 0.0.0.0/0, 0 port ranges" },
		{ "2001:db8::/32", 1, 0, "deny 2001:db8::/32, 0 port ranges" },
		{ "2001:db8::1", 1, 0, "deny 2001:db8::1/128, 0 port ranges" },
		{ "::/0", 1, 0, "deny ::/0, 0 port ranges" },
		{ "[2001:db8::]/32", 1, 0, "deny 2001:db8::/32, 0 port ranges" },
		{ "[2001:db8::/32]:tcp", 1, 0,
		  "deny 2001:db8::/32 tcp, 0 port ranges" },
		{ "[2001:db8::]/32:udp:53", 1, 1,
		  "deny 2001:db8::/32 udp, 1 port ranges" },
		{ "[2001:db8::1]:icmp", 1, 0,
		  "deny 2001:db8::1/128 icmp, 0 port ranges" },
		{ "192.0.2.0/24:tcp", 1, 0, "deny 192.0.2.0/24 tcp, 0 port ranges" },
		{ "192.0.2.0/24:tcp:22,80,8000-8999", 1, 3,
		  "deny 192.0.2.0/24 tcp, 3 port ranges" },
		{ "192.0.2.0/24:udp:1-65535,~53", 1, 2,
		  "deny 192.0.2.0/24 udp, 2 port ranges" },
		{ "192.0.2.0/24:icmp", 1, 0,
		  "deny 192.0.2.0/24 icmp, 0 port ranges" },
		/* IPv4-mapped /96 and longer: IPv4 rules */
		{ "[::ffff:192.0.2.0]/120", 1, 0,
		  "deny 192.0.2.0/24, 0 port ranges" },
		{ "::ffff:0:0/96", 1, 0, "deny 0.0.0.0/0, 0 port ranges" },
		{ "private", 5, 0, NULL },
		{ "private:tcp:22", 5, 1, NULL },
		{ "link-local", 2, 0, NULL },
		{ "metadata", 4, 0, NULL },
		{ "metadata:tcp:80", 4, 1, NULL },
		{ "loopback", 2, 0, NULL },
		{ "multicast:udp", 2, 0, NULL },
	};
	char err[256], buf[256];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		egress_init(&t);
		err[0] = '\0';
		CHECK_EQ(egress_add(&t, true, cases[i].spec, err,
				    sizeof(err)), 0);
		if (*err)
			fprintf(stderr, "%s: %s\n", cases[i].spec, err);
		CHECK_EQ(t.rule_count, cases[i].rules);
		CHECK_EQ(t.range_count, cases[i].ranges);
		if (!cases[i].first || !t.rule_count)
			continue;
		egress_rule_fmt(&t, 0, buf, sizeof(buf));
		CHECK(!strncmp(buf, cases[i].first, strlen(cases[i].first)));
		if (strncmp(buf, cases[i].first, strlen(cases[i].first)))
			fprintf(stderr, "%s: got '%s'\n", cases[i].spec, buf);
	}

	/* The log names the option */
	rules(false, "-192.0.2.0/24:tcp:80", "+private", NULL);
	CHECK_STR(egress_spec(&t, 0), "--egress-deny 192.0.2.0/24:tcp:80");
	CHECK_STR(egress_spec(&t, 1), "--egress-allow private");
	CHECK_STR(egress_spec(&t, 5), "--egress-allow private");
	CHECK_STR(egress_spec(&t, -1), "--egress-default allow");
	t.default_deny = true;
	CHECK_STR(egress_spec(&t, -1), "--egress-default deny");
}

TEST(parse_rejects)
{
	static const char *const bad[] = {
		"", "bogus", "private2", "192.0.2.0/33", "192.0.2.0/",
		"192.0.2.0/x", "192.0.2.0/-1", "192.0.2.0/ 8", "192.0.2",
		"2001:db8::/129", "2001:db8::/32:tcp", "[2001:db8::/32",
		"[2001:db8::]x", "[2001:db8::]:", "[192.0.2.1]",
		"192.0.2.0/24:", "192.0.2.0/24:sctp", "192.0.2.0/24:TCP",
		"192.0.2.0/24:tcp:", "192.0.2.0/24:tcp:0", "192.0.2.0/24:tcp:x",
		"192.0.2.0/24:tcp:65536", "192.0.2.0/24:tcp:~22",
		"192.0.2.0/24:tcp:~22,~23", "192.0.2.0/24:tcp:all",
		"192.0.2.0/24:tcp:22:23", "192.0.2.0/24:tcp:22/24",
		"192.0.2.0/24:icmp:1", "private:icmp:1", "private:foo",
		"192.0.2.0/24:tcp:5-1",
	};
	char err[256], longspec[EGRESS_SPEC_MAX + 8];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rules(false, "-198.51.100.0/24:tcp:22", NULL);
		err[0] = '\0';
		if (egress_add(&t, false, bad[i], err, sizeof(err)) != -EINVAL)
			fprintf(stderr, "accepted: '%s'\n", bad[i]);
		CHECK(*err);		/* says why */
		CHECK_EQ(t.rule_count, 1);
		CHECK_EQ(t.range_count, 1);
		CHECK_EQ(t.spec_count, 1);
	}

	memset(longspec, '1', sizeof(longspec) - 1);
	longspec[sizeof(longspec) - 1] = '\0';
	CHECK_EQ(egress_add(&t, false, longspec, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "longer than"));

	/* The IPv6 hint */
	egress_add(&t, false, "2001:db8::/32:tcp:443", err, sizeof(err));
	CHECK(strstr(err, "brackets"));
}

TEST(named_sets)
{
	static const struct {
		const char *set;
		const char *in[8];
		const char *out[8];
	} cases[] = {
		{ "private",
		  { "10.0.0.0", "10.255.255.255", "172.16.0.1",
		    "172.31.255.255", "192.168.1.1", "100.64.0.1",
		    "100.127.255.255", "fd12:3456::1" },
		  { "9.255.255.255", "11.0.0.0", "172.15.255.255",
		    "172.32.0.0", "192.169.0.0", "100.128.0.0", "fe00::1",
		    "2001:db8::1" } },
		{ "link-local",
		  { "169.254.0.1", "169.254.255.255", "fe80::1",
		    "febf:ffff::1", NULL },
		  { "169.253.255.255", "169.255.0.0", "fec0::1", "fe7f::1",
		    NULL } },
		{ "metadata",
		  { "169.254.169.254", "fd00:ec2::254", "169.254.170.2",
		    "100.100.100.200", NULL },
		  { "169.254.169.253", "169.254.169.255", "fd00:ec2::253",
		    "100.100.100.201", "169.254.170.3", NULL } },
		{ "loopback",
		  { "127.0.0.1", "127.255.255.254", "::1", NULL },
		  { "126.255.255.255", "128.0.0.0", "::2", "::", NULL } },
		{ "multicast",
		  { "224.0.0.1", "239.255.255.255", "ff02::1", "ff0e::1",
		    NULL },
		  { "223.255.255.255", "240.0.0.1", "fe80::1", NULL } },
	};
	unsigned int i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char spec[32];

		snprintf(spec, sizeof(spec), "-%s", cases[i].set);
		rules(false, spec, NULL);
		for (j = 0; j < 8 && cases[i].in[j]; j++) {
			CHECK(!ok(T, cases[i].in[j], 80));
			if (ok(T, cases[i].in[j], 80))
				fprintf(stderr, "%s: %s not in\n",
					cases[i].set, cases[i].in[j]);
		}
		for (j = 0; j < 8 && cases[i].out[j]; j++) {
			CHECK(ok(T, cases[i].out[j], 80));
			if (!ok(T, cases[i].out[j], 80))
				fprintf(stderr, "%s: %s in\n",
					cases[i].set, cases[i].out[j]);
		}
	}
}

TEST(precedence)
{
	/* Longest prefix wins, whichever is given first */
	rules(false, "-198.51.100.0/24", "+198.51.100.7", NULL);
	CHECK(ok(T, "198.51.100.7", 80));
	CHECK(!ok(T, "198.51.100.8", 80));
	CHECK(ok(T, "198.51.101.8", 80));
	rules(false, "+198.51.100.7", "-198.51.100.0/24", NULL);
	CHECK(ok(T, "198.51.100.7", 80));
	CHECK(!ok(T, "198.51.100.8", 80));

	/* Equal prefixes: deny wins, in either order */
	rules(false, "+198.51.100.0/24", "-198.51.100.0/24", NULL);
	CHECK(!ok(T, "198.51.100.1", 80));
	CHECK_STR(winner(T, "198.51.100.1", 80), "--egress-deny 198.51.100.0/24");
	rules(false, "-198.51.100.0/24", "+198.51.100.0/24", NULL);
	CHECK(!ok(T, "198.51.100.1", 80));

	/* ...even when the allow names a port: it never gets through */
	rules(false, "-198.51.100.0/24", "+198.51.100.0/24:tcp:443", NULL);
	CHECK(!ok(T, "198.51.100.1", 443));

	/* One port of one address inside a denied prefix */
	rules(false, "-198.51.100.0/24", "+198.51.100.7:tcp:443", NULL);
	CHECK(ok(T, "198.51.100.7", 443));
	CHECK(!ok(T, "198.51.100.7", 444));
	CHECK(!ok(U, "198.51.100.7", 443));
	CHECK(!ok(I4, "198.51.100.7", 0));
	CHECK(!ok(T, "198.51.100.8", 443));

	/* A rule whose protocol or port doesn't match takes no part */
	rules(false, "-198.51.100.0/24:udp", "+0.0.0.0/0", NULL);
	CHECK(ok(T, "198.51.100.1", 53));
	CHECK(!ok(U, "198.51.100.1", 53));
	rules(true, "+0.0.0.0/0:tcp:80,443", "+[::]/0:tcp:80,443", NULL);
	CHECK(ok(T, "203.0.113.1", 80));
	CHECK(ok(T, "2001:db8::1", 443));
	CHECK(!ok(T, "203.0.113.1", 22));
	CHECK(!ok(U, "203.0.113.1", 80));
	CHECK(!ok(I4, "203.0.113.1", 0));
	CHECK_STR(winner(T, "203.0.113.1", 22), "--egress-default deny");

	/* ICMP: rules with ports never match it, rules without do */
	rules(false, "-203.0.113.0/24:tcp:1-65535", "-203.0.113.9:icmp", NULL);
	CHECK(ok(I4, "203.0.113.1", 0));
	CHECK(!ok(I4, "203.0.113.9", 0));
	CHECK(!ok(I6, "203.0.113.9", 0));
	CHECK(!ok(T, "203.0.113.1", 1));

	/* Families don't mix: ::/0 is IPv6 only, 0.0.0.0/0 IPv4 only */
	rules(false, "-::/0", NULL);
	CHECK(ok(T, "203.0.113.1", 80));
	CHECK(!ok(T, "2001:db8::1", 80));
	rules(false, "-0.0.0.0/0", NULL);
	CHECK(!ok(T, "203.0.113.1", 80));
	CHECK(ok(T, "2001:db8::1", 80));

	/* An IPv4-mapped rule is the IPv4 rule; shorter ones match nothing */
	rules(false, "-[::ffff:203.0.113.0]/120", "-::ffff:0:0/95", NULL);
	CHECK(!ok(T, "203.0.113.1", 80));
	CHECK(ok(T, "203.0.112.1", 80));
	CHECK(ok(T, "::fffe:1", 80));
	CHECK(ok(T, "2001:db8::1", 80));

	/* Port ranges at their edges, with exclusions */
	rules(false, "-192.0.2.0/24:tcp:10-20,~15,30,65535", NULL);
	CHECK(ok(T, "192.0.2.1", 9));
	CHECK(!ok(T, "192.0.2.1", 10));
	CHECK(!ok(T, "192.0.2.1", 14));
	CHECK(ok(T, "192.0.2.1", 15));
	CHECK(!ok(T, "192.0.2.1", 16));
	CHECK(!ok(T, "192.0.2.1", 20));
	CHECK(ok(T, "192.0.2.1", 21));
	CHECK(!ok(T, "192.0.2.1", 30));
	CHECK(ok(T, "192.0.2.1", 65534));
	CHECK(!ok(T, "192.0.2.1", 65535));
	CHECK(ok(T, "192.0.2.1", 0));

	/* Nothing given: everything allowed */
	egress_init(&t);
	CHECK(!egress_active(&t));
	CHECK(ok(T, "192.0.2.1", 80));
	CHECK(!egress_active(NULL));
}

TEST(dns_forwarder)
{
	union inany_addr a = addr("192.0.2.53");
	int r;

	/* Default deny, and a set that covers the resolver: still allowed */
	rules(true, "-192.0.2.0/24", NULL);
	CHECK(egress_allowed(&t, &a, U, 53, true, &r));
	CHECK_EQ(r, -1);
	CHECK(!egress_allowed(&t, &a, U, 53, false, &r));

	/* A rule naming the resolver's address stops it */
	rules(false, "-192.0.2.53", NULL);
	CHECK(!egress_allowed(&t, &a, U, 53, true, &r));
	CHECK(!egress_allowed_ref(&t, &a, U, 53, true, &r));
	CHECK_EQ(r, 0);
	rules(false, "-192.0.2.53:tcp", NULL);
	CHECK(egress_allowed(&t, &a, U, 53, true, &r));
	CHECK(!egress_allowed(&t, &a, T, 53, true, &r));
	rules(true, "+192.0.2.53", NULL);
	CHECK(egress_allowed(&t, &a, U, 53, true, &r));
}

TEST(limits)
{
	char err[256], spec[64];
	unsigned int i;
	int rc = 0;

	/* EGRESS_RULES_MAX rules, then a clear error, table unchanged */
	egress_init(&t);
	for (i = 0; i < EGRESS_RULES_MAX && !rc; i++) {
		snprintf(spec, sizeof(spec), "2001:db8:%x::/48", i);
		rc = egress_add(&t, true, spec, err, sizeof(err));
	}
	CHECK_EQ(rc, 0);
	CHECK_EQ(t.rule_count, EGRESS_RULES_MAX);
	CHECK_EQ(egress_add(&t, true, "192.0.2.1", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "more than 4096 rules"));
	CHECK_EQ(t.rule_count, EGRESS_RULES_MAX);
	egress_commit(&t);
	CHECK(!ok(T, "2001:db8:fff::1", 1));
	CHECK(ok(T, "2001:db8:1000::1", 1));

	/* A named set is added whole or not at all */
	egress_init(&t);
	for (i = 0; i < EGRESS_RULES_MAX - 3; i++) {
		snprintf(spec, sizeof(spec), "2001:db8:%x::/48", i);
		egress_add(&t, true, spec, err, sizeof(err));
	}
	CHECK_EQ(egress_add(&t, true, "private", err, sizeof(err)), -EINVAL);
	CHECK_EQ(t.rule_count, EGRESS_RULES_MAX - 3);
	CHECK_EQ(egress_add(&t, true, "metadata", err, sizeof(err)), -EINVAL);
	CHECK_EQ(egress_add(&t, true, "loopback", err, sizeof(err)), 0);
	CHECK_EQ(t.rule_count, EGRESS_RULES_MAX - 1);

	/* EGRESS_RANGES_MAX port ranges over all rules */
	egress_init(&t);
	rc = 0;
	for (i = 0; !rc && i < EGRESS_RANGES_MAX; i++) {
		char ports[EGRESS_SPEC_MAX], *p = ports;
		unsigned int k;

		for (k = 0; k < 40; k++)
			p += sprintf(p, "%s%u", k ? "," : "", 1 + 2 * k);
		snprintf(spec, sizeof(spec), "192.0.2.%u:tcp:", i % 256);
		rc = egress_add(&t, true, strcat(strcpy((char[300]){ 0 },
							  spec), ports),
				err, sizeof(err));
	}
	CHECK_EQ(rc, -EINVAL);
	CHECK(strstr(err, "more than 16384 port ranges"));
	CHECK_EQ(t.range_count, EGRESS_RANGES_MAX / 40 * 40);

	/* EGRESS_TEXT_MAX bytes of options, kept whole for listings: long
	 * lists of adjacent ports (one range each) fill it first
	 */
	egress_init(&t);
	rc = 0;
	for (i = 0; !rc && i < EGRESS_RULES_MAX; i++) {
		char text[EGRESS_SPEC_MAX], *p = text;
		unsigned int k;

		p += sprintf(p, "192.0.2.%u:tcp:", i % 256);
		for (k = 1; k <= 45; k++)	/* 244 characters */
			p += sprintf(p, "%s%u", k > 1 ? "," : "", 1000 + k);
		rc = egress_add(&t, true, text, err, sizeof(err));
		if (!rc)
			CHECK_STR(egress_option(&t, i) + strlen("--egress-deny "),
				  text);
	}
	CHECK_EQ(rc, -EINVAL);
	CHECK(strstr(err, "more than 131072 bytes of rules"));
	CHECK(t.text_len <= EGRESS_TEXT_MAX);
	CHECK(t.range_count == t.rule_count);
}

/**
 * setup() - a context with mappings (see tf_mapped_ctx_init()), DNS
 * forwarded from 192.0.2.53 to 198.51.100.53, and the rules of @t
 */
static void setup(void)
{
	tf_mapped_ctx_init(&c);
	c.ip4.dns_match = tf_ip4("192.0.2.53");
	c.ip4.dns_host = tf_ip4("198.51.100.53");
	c.egress = &t;
	log_set_level(LOG_ERR);		/* refusals are logged as warnings */
}

/**
 * target() - fwd_guest_target() for a destination
 * @proto:	protocol
 * @dst:	destination the guest used
 * @port:	destination port
 *
 * Return: 0 or the error fwd_guest_target() gave
 */
static int target(uint8_t proto, const char *dst, uint16_t port)
{
	union inany_addr tg;
	struct flowside g;

	memset(&g, 0, sizeof(g));
	g.oaddr = addr(dst);
	g.oport = port;
	g.eaddr = addr("192.0.2.2");
	g.eport = 40000;
	return fwd_guest_target(&c, proto, &g, &tg);
}

TEST(guest_target_mapped)
{
	const struct fwd_egress_stats *s = fwd_egress_get_stats();
	struct fwd_egress_stats before = *s;

	setup();

	/* The gateway stands for the host's loopback: "loopback" covers it */
	rules(false, "-loopback", NULL);
	CHECK_EQ(target(T, "192.0.2.1", 80), -EACCES);
	CHECK_EQ(target(T, "fe80::1", 80), -EACCES);
	CHECK_EQ(target(T, "192.0.2.3", 80), 0);

	/* --map-guest-addr stands for the host's own address */
	rules(false, "-192.0.2.2", NULL);
	CHECK_EQ(target(T, "192.0.2.200", 80), -EACCES);
	CHECK_EQ(target(T, "192.0.2.1", 80), 0);

	/* DNS forwarding: decided on the resolver, allowed unless named */
	rules(true, "-198.51.100.0/24", NULL);
	CHECK_EQ(target(U, "192.0.2.53", 53), 0);
	CHECK_EQ(target(T, "192.0.2.53", 53), 0);
	CHECK_EQ(target(U, "192.0.2.53", 54), -EACCES);
	CHECK_EQ(target(U, "198.51.100.53", 53), -EACCES);
	rules(false, "-198.51.100.53:udp:53", NULL);
	CHECK_EQ(target(U, "192.0.2.53", 53), -EACCES);
	CHECK_EQ(target(T, "192.0.2.53", 53), 0);

	/* Counted per protocol and reason */
	CHECK_EQ(s->refused_tcp, before.refused_tcp + 3);
	CHECK_EQ(s->refused_udp, before.refused_udp + 3);
	CHECK_EQ(s->by_rule, before.by_rule + 5);
	CHECK_EQ(s->by_default, before.by_default + 1);

	rules(false, "-203.0.113.0/24:icmp", NULL);
	CHECK_EQ(target(I4, "203.0.113.1", 0), -EACCES);
	CHECK_EQ(target(T, "203.0.113.1", 0), 0);
	CHECK_EQ(s->refused_icmp, before.refused_icmp + 1);

	/* Host isolation decides first, and counts its own */
	c.no_map_host = true;
	rules(false, "-loopback", NULL);
	before = *s;
	CHECK_EQ(target(T, "192.0.2.1", 80), -EACCES);
	CHECK_EQ(s->refused_tcp, before.refused_tcp);

	/* No table: nothing refused */
	c.no_map_host = false;
	c.egress = NULL;
	CHECK_EQ(target(T, "192.0.2.1", 80), 0);
}

/* Differential test: a small, fast PRNG, seeded */
static uint64_t rnd_state;

/**
 * rnd() - xorshift64*
 *
 * Return: 64 pseudo-random bits
 */
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ULL;
}

/**
 * rnd_below() - a pseudo-random number below a bound
 * @n:		bound, non-zero
 *
 * Return: 0 to @n - 1
 */
static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

/**
 * rnd_near() - an address near a base: random bits after a position
 * @base:	base address
 * @keep:	leading bits kept
 * @v4:	keep it IPv4-mapped
 *
 * Return: the address
 */
static union inany_addr rnd_near(const union inany_addr *base,
				 unsigned int keep, bool v4)
{
	union inany_addr a = *base;
	unsigned int i;

	for (i = keep; i < 128; i++)
		if (rnd() & 1)
			a.u8[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
	if (v4)
		a.u32[0] = a.u32[1] = 0, a.u32[2] = htonl(0xffff);
	return a;
}

#define DIFF_BASES	3	/* bases per family and rule set */
#define DIFF_SMALL_SETS	4000	/* rule sets of 1 to 16 rules... */
#define DIFF_SMALL_LOOKUPS 500	/* ...and lookups in each */
#define DIFF_LARGE_SETS	2	/* rule sets of EGRESS_RULES_MAX / 4... */
#define DIFF_LARGE_LOOKUPS 5000	/* ...and lookups in each */

/**
 * diff_one_set() - a random rule set, then random lookups, both ways
 * @nrules:	rules in the set
 * @lookups:	lookups to compare
 *
 * Return: number of disagreements
 */
static unsigned long diff_one_set(unsigned int nrules, unsigned int lookups)
{
	static const char *const sets[] = {
		"private", "link-local", "metadata", "loopback", "multicast",
	};
	static const char *const protos[] = { "", ":tcp", ":udp", ":icmp" };
	static const uint8_t qproto[] = { T, U, I4, I6 };
	union inany_addr base[2][DIFF_BASES];
	unsigned long bad = 0;
	char spec[200], err[256], a[INET6_ADDRSTRLEN];
	unsigned int i, j;

	egress_init(&t);
	t.default_deny = rnd() & 1;
	for (i = 0; i < DIFF_BASES; i++) {
		for (j = 0; j < 16; j++)
			base[0][i].u8[j] = (uint8_t)rnd();
		if (i == 0)	/* some in documentation space */
			base[0][i].u32[0] = htonl(0x20010db8);
		base[1][i] = rnd_near(&base[0][i], 96, true);
	}

	for (i = 0; i < nrules; i++) {
		unsigned int kind = rnd_below(16), fam = kind < 8;
		unsigned int p = rnd_below(4), len;
		union inany_addr pa;
		char *s = spec;

		pa = rnd_near(&base[fam][rnd_below(DIFF_BASES)],
			      fam ? 96 + rnd_below(33) : rnd_below(129), fam);
		len = fam ? rnd_below(33) : rnd_below(129);
		if (rnd_below(4) == 0)	/* cluster lengths: more ties */
			len = fam ? 24 : 64;

		if (kind == 15) {
			s += sprintf(s, "%s", sets[rnd_below(5)]);
		} else if (fam && kind < 6) {
			inet_ntop(AF_INET, &pa.v4mapped.a4, a, sizeof(a));
			s += sprintf(s, "%s/%u", a, len);
		} else if (fam) {	/* IPv4 as IPv4-mapped IPv6 */
			inet_ntop(AF_INET6, &pa.a6, a, sizeof(a));
			s += sprintf(s, "[%s]/%u", a, 96 + len);
		} else {
			inet_ntop(AF_INET6, &pa.a6, a, sizeof(a));
			s += sprintf(s, "[%s]/%u", a, len);
		}
		s += sprintf(s, "%s", protos[p]);
		if ((p == 1 || p == 2) && (rnd() & 1)) {
			unsigned int k, n = 1 + rnd_below(3), lo = 0;

			*s++ = ':';
			for (k = 0; k < n; k++) {	/* disjoint, any order */
				lo += 1 + rnd_below(12);
				s += sprintf(s, "%s%u", k ? "," : "", lo);
				if (rnd() & 1) {
					lo += rnd_below(10);
					s += sprintf(s, "-%u", lo);
				}
			}
			if (rnd_below(4) == 0)
				s += sprintf(s, ",~%u", 1 + rnd_below(50));
		}
		if (egress_add(&t, rnd() & 1, spec, err, sizeof(err))) {
			fprintf(stderr, "differential: %s: %s\n", spec, err);
			bad++;
		}
	}
	egress_commit(&t);

	for (i = 0; i < lookups; i++) {
		unsigned int how = rnd_below(8), fam = rnd() & 1;
		uint8_t proto = qproto[rnd_below(4)];
		uint16_t port = rnd_below(4) ? (uint16_t)rnd_below(52) :
					       (uint16_t)rnd();
		bool dns = rnd_below(8) == 0, f1, f2;
		union inany_addr q;
		int r1, r2;

		if (how < 5 && t.rule_count) {	/* at or near a rule */
			const struct egress_rule *r =
				&t.rules[rnd_below(t.rule_count)];

			q = rnd_near(&r->prefix, r->len, r->v4);
			if (how == 4 && r->len) {	/* just outside */
				unsigned int b = rnd_below(r->len);

				if (!r->v4 || b >= 96)
					q.u8[b / 8] ^= (uint8_t)(0x80 >>
								 (b % 8));
			}
		} else if (how < 7) {
			q = rnd_near(&base[fam][rnd_below(DIFF_BASES)],
				     fam ? 96 + rnd_below(33) :
					   rnd_below(129), fam);
		} else {
			memset(&q, 0, sizeof(q));
			q = rnd_near(&q, 0, fam);
		}

		f1 = egress_allowed(&t, &q, proto, port, dns, &r1);
		f2 = egress_allowed_ref(&t, &q, proto, port, dns, &r2);
		if (f1 != f2 || r1 != r2) {
			inet_ntop(AF_INET6, &q.a6, a, sizeof(a));
			fprintf(stderr, "differential: %s proto %u port %u "
				"dns %d: fast %d (rule %d), reference %d "
				"(rule %d), %u rules\n", a, proto, port, dns,
				f1, r1, f2, r2, t.rule_count);
			bad++;
		}
	}
	return bad;
}

TEST(differential)
{
	const char *env = getenv("EGRESS_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x6567726573735eedULL;
	unsigned long bad = 0, lookups = 0;
	unsigned int i;
	clock_t start = clock();

	rnd_state = seed ? seed : 1;

	/* Many small sets: ties, nesting, ports, families */
	for (i = 0; i < DIFF_SMALL_SETS && bad < 10; i++) {
		unsigned int n = 1 + rnd_below(16);

		bad += diff_one_set(n, DIFF_SMALL_LOOKUPS);
		lookups += DIFF_SMALL_LOOKUPS;
	}
	/* A few large ones */
	for (i = 0; i < DIFF_LARGE_SETS && bad < 10; i++) {
		bad += diff_one_set(EGRESS_RULES_MAX / 4, DIFF_LARGE_LOOKUPS);
		lookups += DIFF_LARGE_LOOKUPS;
	}

	if (bad)
		fprintf(stderr, "differential: %lu disagreements, seed "
			"EGRESS_SEED=0x%llx\n", bad, (unsigned long long)seed);
	else
		fprintf(stderr, "differential: %lu lookups over %u rule sets "
			"agree (seed 0x%llx, %.1f s)\n", lookups,
			DIFF_SMALL_SETS + DIFF_LARGE_SETS,
			(unsigned long long)seed,
			(double)(clock() - start) / CLOCKS_PER_SEC);
	CHECK_EQ(bad, 0);
}

UNIT_MAIN()
