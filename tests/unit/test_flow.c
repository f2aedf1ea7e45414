// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_flow.c - flow table: allocation, iteration, hash lookups, checked
 * against a slow reference model on random operations
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "unit.h"
#include "flow/flow.h"
#include "util/log.h"
#include "util/util.h"

static const uint8_t test_key[16] = {
	0x5e, 0xed, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
	0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
};

static uint64_t rng_state;

/* splitmix64: small, fast, and the same sequence everywhere */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Random number below n */
static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

/* Parse an IPv4 or IPv6 address into an inany */
static union inany_addr ia(const char *s)
{
	union inany_addr a;
	struct in_addr v4;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &v4) == 1)
		inany_from_v4(&a, v4);
	else if (inet_pton(AF_INET6, s, &a.a6) != 1)
		fprintf(stderr, "bad address %s\n", s);
	return a;
}

/* Build a flowside from strings and ports */
static struct flowside fside(const char *ea, uint16_t ep, const char *oa,
			     uint16_t op)
{
	struct flowside fs = { .eaddr = ia(ea), .oaddr = ia(oa),
			       .eport = ep, .oport = op };
	return fs;
}

/* A distinct key for each n, IPv4 for even n and IPv6 for odd n */
static struct flowside unique_fs(unsigned int n, int side)
{
	struct flowside fs;
	struct in_addr v4;

	memset(&fs, 0, sizeof(fs));
	if (n % 2) {
		fs.eaddr = ia("2001:db8:1::");
		fs.eaddr.u8[12] = (uint8_t)(n >> 24);
		fs.eaddr.u8[13] = (uint8_t)(n >> 16);
		fs.eaddr.u8[14] = (uint8_t)(n >> 8);
		fs.eaddr.u8[15] = (uint8_t)n;
		fs.oaddr = ia(side ? "2001:db8:ffff::1" : "2001:db8:2::1");
	} else {
		/* 198.18.0.0/16 */
		v4.s_addr = htonl(0xc6120000U | (n & 0xffff));
		inany_from_v4(&fs.eaddr, v4);
		fs.oaddr = ia(side ? "203.0.113.1" : "192.0.2.1");
	}
	fs.eport = (uint16_t)(40000 + (n >> 16));
	fs.oport = side ? 5000 : 80;
	return fs;
}

/* Type and initiator of the n-th flow of a full table: a third of each kind
 * (guest UDP, host TCP, spliced TCP), so that every kind is over its reserve
 * and the table can fill up
 */
static enum flow_type fill_type(unsigned int n)
{
	static const enum flow_type t[3] = { FLOW_UDP, FLOW_TCP,
					     FLOW_TCP_SPLICE };

	return t[n % 3];
}

static int fill_initiator(unsigned int n)
{
	return n % 3 == 1 ? FLOW_SIDE_HOST : FLOW_SIDE_GUEST;
}

/* Allocate a flow with an initiator and both sides set; hash the sides in
 * mask
 */
static int new_flow_by(enum flow_type type, int initiator,
		       const struct flowside *s0, const struct flowside *s1,
		       unsigned int mask)
{
	int idx = flow_alloc(NULL, type, initiator);

	if (idx < 0)
		return idx;
	FLOW(idx)->f.side[0] = *s0;
	FLOW(idx)->f.side[1] = *s1;
	if ((mask & 1) && flow_hash_insert(idx, 0))
		return -1000;
	if ((mask & 2) && flow_hash_insert(idx, 1))
		return -1000;
	return idx;
}

/* The same, opened by the guest */
static int new_flow(enum flow_type type, const struct flowside *s0,
		    const struct flowside *s1, unsigned int mask)
{
	return new_flow_by(type, FLOW_SIDE_GUEST, s0, s1, mask);
}

TEST(inany_helpers)
{
	union inany_addr a = ia("192.0.2.1"), b = ia("::ffff:192.0.2.1");
	union inany_addr c = ia("::c000:201"), d = ia("2001:db8::1");
	char buf[INANY_ADDRSTRLEN];
	struct in_addr v4;

	CHECK(inany_equals(&a, &b));
	CHECK(!inany_equals(&a, &c));
	CHECK(!inany_equals(&a, &d));
	CHECK(inany_v4(&a) != NULL);
	CHECK(inany_v4(&a)->s_addr == htonl(0xc0000201));
	CHECK(inany_v4(&c) == NULL);
	CHECK(inany_v4(&d) == NULL);

	v4.s_addr = htonl(0x7f000001);
	inany_from_v4(&a, v4);
	CHECK(inany_is_loopback(&a));
	a = ia("127.255.3.4");
	CHECK(inany_is_loopback(&a));
	a = ia("128.0.0.1");
	CHECK(!inany_is_loopback(&a));
	a = ia("::1");
	CHECK(inany_is_loopback(&a));
	a = ia("::2");
	CHECK(!inany_is_loopback(&a));
	a = ia("::7f00:1");
	CHECK(!inany_is_loopback(&a));

	a = ia("::");
	CHECK(inany_is_unspecified(&a));
	CHECK(inany_v4(&a) == NULL);
	a = ia("0.0.0.0");
	CHECK(inany_is_unspecified(&a));
	a = ia("0.0.0.1");
	CHECK(!inany_is_unspecified(&a));
	CHECK(!inany_is_unspecified(&d));

	a = ia("192.0.2.1");
	CHECK_STR(inany_ntop(&a, buf, sizeof(buf)), "192.0.2.1");
	/* IPv4-compatible (not mapped): glibc writes ::192.0.2.1 */
	CHECK(inany_ntop(&c, buf, sizeof(buf)) == buf);
	CHECK(strcmp(buf, "192.0.2.1") && inany_equals(&c, &(union inany_addr){
		.a6 = ia(buf).a6 }));
	CHECK_STR(inany_ntop(&d, buf, sizeof(buf)), "2001:db8::1");
	a = ia("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	CHECK(inany_ntop(&a, buf, sizeof(buf)) == buf);
	CHECK(inany_ntop(&a, buf, 4) == NULL);
}

TEST(alloc_free_basics)
{
	const struct flow_stats *st = flow_get_stats();
	int a, b, c;

	flow_init_seeded(test_key);
	CHECK_EQ(flow_alloc(NULL, FLOW_NONE, FLOW_SIDE_GUEST), -EINVAL);
	CHECK_EQ(flow_alloc(NULL, FLOW_NUM_TYPES, FLOW_SIDE_GUEST), -EINVAL);

	a = flow_alloc(NULL, FLOW_TCP, FLOW_SIDE_GUEST);
	b = flow_alloc(NULL, FLOW_UDP, FLOW_SIDE_GUEST);
	c = flow_alloc(NULL, FLOW_PING6, FLOW_SIDE_GUEST);
	CHECK(a >= 0 && b >= 0 && c >= 0 && a != b && b != c && a != c);
	CHECK_EQ(FLOW(b)->f.type, FLOW_UDP);
	CHECK_EQ(FLOW(b)->f.state, 0);
	CHECK_EQ(FLOW(b)->f.hashed, 0);
	CHECK_EQ(st->in_use, 3);
	CHECK_EQ(st->max_in_use, 3);
	CHECK(flow_is_live(b));

	FLOW(b)->f.state = 7;
	FLOW(b)->f.side[1].eport = 99;
	flow_free(b);
	CHECK(!flow_is_live(b));
	CHECK_EQ(st->in_use, 2);
	CHECK_EQ(st->max_in_use, 3);

	/* Reuse gives back a clean entry */
	CHECK_EQ(flow_alloc(NULL, FLOW_TCP_SPLICE, FLOW_SIDE_GUEST), b);
	CHECK_EQ(FLOW(b)->f.state, 0);
	CHECK_EQ(FLOW(b)->f.side[1].eport, 0);

	/* Freeing twice, or garbage, changes nothing */
	flow_free(a);
	log_to_stderr(false);
	flow_free(a);
	flow_free(-1);
	flow_free(FLOW_MAX);
	log_to_stderr(true);
	CHECK_EQ(st->in_use, 2);
	CHECK_EQ(flow_alloc(NULL, FLOW_TCP, FLOW_SIDE_GUEST), a);
	CHECK_EQ(st->in_use, 3);

	/* Bad arguments to the hash functions */
	CHECK_EQ(flow_hash_insert(a, 2), -EINVAL);
	CHECK_EQ(flow_hash_insert(FLOW_MAX - 1, 0), -EINVAL);
	CHECK_EQ(flow_lookup(FLOW_TCP, 2, &FLOW(a)->f.side[0]), -1);
	CHECK_EQ(flow_hash_insert(a, 0), 0);
	CHECK_EQ(flow_hash_insert(a, 0), -EALREADY);
	CHECK_EQ(st->hashed, 1);
	flow_hash_remove(a, 0);
	flow_hash_remove(a, 0);
	CHECK_EQ(st->hashed, 0);
	CHECK_EQ(flow_hash_verify(), 0);

	/* Dump goes to the log, at a level that's filtered out by default */
	flow_dump(LOG_DEBUG);
}

TEST(fill_to_max)
{
	const struct flow_stats *st = flow_get_stats();
	struct flowside s0, s1;
	unsigned int n;
	int idx, victim;

	flow_init_seeded(test_key);
	for (n = 0; n < FLOW_MAX; n++) {
		s0 = unique_fs(n, 0);
		s1 = unique_fs(n, 1);
		idx = new_flow_by(fill_type(n), fill_initiator(n), &s0, &s1,
				  3);
		if (idx != (int)n) {
			CHECK_EQ(idx, n);
			return;
		}
	}
	CHECK_EQ(st->in_use, FLOW_MAX);
	CHECK_EQ(st->hashed, 2 * FLOW_MAX);

	/* Full: refused, counted, and nothing else changes */
	CHECK_EQ(flow_alloc(NULL, FLOW_TCP, FLOW_SIDE_GUEST), -ENOSPC);
	CHECK_EQ(flow_alloc(NULL, FLOW_UDP, FLOW_SIDE_GUEST), -ENOSPC);
	CHECK_EQ(st->alloc_fail, 2);
	CHECK_EQ(st->in_use, FLOW_MAX);
	CHECK_EQ(flow_hash_verify(), 0);

	for (n = 0; n < FLOW_MAX; n++) {
		enum flow_type t = fill_type(n);

		s0 = unique_fs(n, 0);
		s1 = unique_fs(n, 1);
		if (flow_lookup(t, 0, &s0) != FLOW_SIDX((int)n, 0) ||
		    flow_lookup(t, 1, &s1) != FLOW_SIDX((int)n, 1)) {
			CHECK(!"lookup failed in full table");
			break;
		}
	}

	/* Free one in the middle: the next allocation gets it back */
	victim = FLOW_MAX / 2 + 3;
	s0 = FLOW(victim)->f.side[0];
	flow_free(victim);
	CHECK_EQ(flow_lookup(FLOW_TCP, 0, &s0), -1);
	CHECK_EQ(flow_lookup(FLOW_UDP, 0, &s0), -1);
	CHECK_EQ(st->hashed, 2 * FLOW_MAX - 2);
	idx = flow_alloc(NULL, FLOW_PING4, FLOW_SIDE_GUEST);
	CHECK_EQ(idx, victim);
	CHECK_EQ(flow_alloc(NULL, FLOW_PING4, FLOW_SIDE_GUEST), -ENOSPC);
	CHECK_EQ(st->alloc_fail, 3);
	FLOW(idx)->f.side[0] = s0;
	CHECK_EQ(flow_hash_insert(idx, 0), 0);
	CHECK_EQ(flow_lookup(FLOW_PING4, 0, &s0), FLOW_SIDX(victim, 0));
	CHECK_EQ(flow_hash_verify(), 0);

	/* Empty it again */
	for (n = 0; n < FLOW_MAX; n++)
		flow_free((int)n);
	CHECK_EQ(st->in_use, 0);
	CHECK_EQ(st->hashed, 0);
	CHECK_EQ(st->max_in_use, FLOW_MAX);
	CHECK_EQ(flow_next(0), -1);
	CHECK_EQ(flow_hash_verify(), 0);
	s1 = unique_fs(5, 1);
	CHECK_EQ(flow_lookup(FLOW_TCP, 1, &s1), -1);
}

TEST(one_field_differs)
{
	struct flowside base = fside("192.0.2.10", 40000, "192.0.2.1", 80);
	struct flowside v[16];
	int idx[16], n = 0, i, b;

	flow_init_seeded(test_key);
	b = new_flow(FLOW_TCP, &base, &base, 1);
	CHECK(b >= 0);

	v[n] = base; v[n++].eaddr.u8[15] ^= 1;
	v[n] = base; v[n++].eaddr.u8[0] ^= 0x80;
	v[n] = base; v[n++].oaddr.u8[15] ^= 1;
	v[n] = base; v[n++].eport ^= 1;
	v[n] = base; v[n++].eport ^= 0x8000;
	v[n] = base; v[n++].oport ^= 1;
	v[n] = base; v[n++].oport ^= 0x100;
	/* Same 32 bits, but not IPv4-mapped: ::c000:20a and ::c000:201 */
	v[n] = base; v[n].eaddr.u8[10] = v[n].eaddr.u8[11] = 0; n++;
	v[n] = base; v[n].oaddr.u8[10] = v[n].oaddr.u8[11] = 0; n++;
	/* Endpoint and our address swapped, ports swapped */
	v[n] = base; v[n].eaddr = base.oaddr; v[n++].oaddr = base.eaddr;
	v[n] = base; v[n].eport = base.oport; v[n++].oport = base.eport;

	for (i = 0; i < n; i++) {
		CHECK_EQ(flow_lookup(FLOW_TCP, 0, &v[i]), -1);
		CHECK(!flowside_eq(&v[i], &base));
	}

	/* Same addresses, other type or other side */
	CHECK_EQ(flow_lookup(FLOW_TCP, 0, &base), FLOW_SIDX(b, 0));
	CHECK_EQ(flow_lookup(FLOW_TCP, 1, &base), -1);
	CHECK_EQ(flow_lookup(FLOW_UDP, 0, &base), -1);
	CHECK_EQ(flow_lookup(FLOW_TCP_SPLICE, 0, &base), -1);

	/* Now all of them at once, each found as itself */
	for (i = 0; i < n; i++) {
		idx[i] = new_flow(FLOW_TCP, &v[i], &v[i], 1);
		CHECK(idx[i] >= 0);
	}
	for (i = 0; i < n; i++)
		CHECK_EQ(flow_lookup(FLOW_TCP, 0, &v[i]), FLOW_SIDX(idx[i], 0));
	CHECK_EQ(flow_lookup(FLOW_TCP, 0, &base), FLOW_SIDX(b, 0));

	/* Same key for the host side of the base flow is fine, and for a
	 * UDP flow too, but not for a second TCP flow on the same side
	 */
	CHECK_EQ(flow_hash_insert(b, 1), 0);
	CHECK_EQ(flow_lookup(FLOW_TCP, 1, &base), FLOW_SIDX(b, 1));
	i = new_flow(FLOW_UDP, &base, &base, 3);
	CHECK(i >= 0);
	CHECK_EQ(flow_lookup(FLOW_UDP, 1, &base), FLOW_SIDX(i, 1));
	i = new_flow(FLOW_TCP, &base, &base, 0);
	CHECK_EQ(flow_hash_insert(i, 0), -EEXIST);
	CHECK_EQ(flow_hash_insert(i, 1), -EEXIST);
	CHECK_EQ(FLOW(i)->f.hashed, 0);
	CHECK_EQ(flow_hash_verify(), 0);

	/* Removing the base flow leaves the others alone */
	flow_free(b);
	CHECK_EQ(flow_lookup(FLOW_TCP, 0, &base), -1);
	for (i = 0; i < n; i++)
		CHECK_EQ(flow_lookup(FLOW_TCP, 0, &v[i]), FLOW_SIDX(idx[i], 0));
	CHECK_EQ(flow_hash_verify(), 0);
}

TEST(iteration_visits_live_flows)
{
	static bool live[FLOW_MAX], seen[FLOW_MAX];
	unsigned int op, nlive = 0, count;
	int idx, i;

	flow_init_seeded(test_key);
	rng_state = 42;
	memset(live, 0, sizeof(live));

	CHECK_EQ(flow_next(0), -1);
	for (op = 0; op < 20000; op++) {
		/* Grow towards a few thousand flows with holes everywhere */
		if (rnd_below(100) < 60) {
			idx = flow_alloc(NULL, FLOW_UDP, FLOW_SIDE_GUEST);
			CHECK(idx >= 0 && !live[idx]);
			live[idx] = true;
			nlive++;
		} else if (nlive) {
			do
				i = (int)rnd_below(FLOW_MAX);
			while (!live[i] && (i = flow_next(i)) < 0);
			flow_free(i);
			live[i] = false;
			nlive--;
		}

		if (op % 997)
			continue;

		memset(seen, 0, sizeof(seen));
		count = 0;
		flow_foreach(idx) {
			CHECK(live[idx] && !seen[idx]);
			seen[idx] = true;
			count++;
		}
		CHECK_EQ(count, nlive);
	}

	/* Free every other flow while iterating, then check the rest */
	count = 0;
	flow_foreach(idx) {
		if (count++ % 2) {
			flow_free(idx);
			live[idx] = false;
			nlive--;
		}
	}
	count = 0;
	flow_foreach(idx) {
		CHECK(live[idx]);
		count++;
	}
	CHECK_EQ(count, nlive);
	CHECK_EQ(flow_get_stats()->in_use, nlive);

	/* Last entry of a 64-bit word, and of the table */
	flow_init_seeded(test_key);
	for (i = 0; i < 130; i++)
		flow_alloc(NULL, FLOW_TCP, FLOW_SIDE_GUEST);
	for (i = 0; i < 130; i++) {
		if (i != 63 && i != 64 && i != 129)
			flow_free(i);
	}
	CHECK_EQ(flow_next(0), 63);
	CHECK_EQ(flow_next(64), 64);
	CHECK_EQ(flow_next(65), 129);
	CHECK_EQ(flow_next(130), -1);
	CHECK_EQ(flow_next(-5), 63);
}

/* Reference model for the churn test: a plain array of flows, searched
 * linearly
 */
#define CHURN_BG	16384		/* background flows, always there */
#define CHURN_CAP	160		/* churning flows, at most */
#define CHURN_OPS	1000000

struct mflow {
	uint8_t type;
	uint8_t hashed;
	struct flowside fs[2];
};

static struct mflow model[FLOW_MAX];
static int churn[CHURN_CAP];
static unsigned int nchurn;

/* A random flowside from a small space, so that lookups often hit */
static struct flowside small_fs(void)
{
	static const char *const eaddrs[] = {
		"192.0.2.10", "192.0.2.11", "2001:db8::10", "2001:db8::11",
		"::c000:20a", "::1",
	};
	static const char *const oaddrs[] = { "192.0.2.1", "2001:db8::1" };
	static const uint16_t oports[] = { 80, 0 };
	struct flowside fs;

	memset(&fs, 0, sizeof(fs));
	fs.eaddr = ia(eaddrs[rnd_below(ARRAY_SIZE(eaddrs))]);
	fs.oaddr = ia(oaddrs[rnd_below(ARRAY_SIZE(oaddrs))]);
	fs.eport = (uint16_t)(1000 + rnd_below(4));
	fs.oport = oports[rnd_below(ARRAY_SIZE(oports))];
	return fs;
}

/* Random type among those the churn test uses */
static enum flow_type small_type(void)
{
	static const enum flow_type t[] = { FLOW_TCP, FLOW_UDP, FLOW_PING4 };

	return t[rnd_below(ARRAY_SIZE(t))];
}

/* The obviously correct lookup: every churning flow, one by one */
static int model_lookup(uint8_t type, int side, const struct flowside *fs)
{
	unsigned int i;

	for (i = 0; i < nchurn; i++) {
		const struct mflow *m = &model[churn[i]];

		if (m->type == type && (m->hashed & (1U << side)) &&
		    !memcmp(&m->fs[side], fs, sizeof(*fs)))
			return FLOW_SIDX(churn[i], side);
	}
	return -1;
}

TEST(random_churn_vs_reference)
{
	const struct flow_stats *st = flow_get_stats();
	unsigned int op, i, n, hits = 0, lookups = 0, dups = 0;
	struct flowside s0, s1;
	int idx, side, ret, want;

	flow_init_seeded(test_key);
	rng_state = 0x1234abcd;
	memset(model, 0, sizeof(model));
	nchurn = 0;

	/* Background load on the hash table, keys disjoint from small_fs() */
	for (n = 0; n < CHURN_BG; n++) {
		s0 = unique_fs(n, 0);
		s1 = unique_fs(n, 1);
		CHECK_EQ(new_flow(FLOW_TCP, &s0, &s1, 3), n);
	}

	for (op = 0; op < CHURN_OPS; op++) {
		unsigned int r = rnd_below(100);
		struct mflow *m;

		if (r < 15) {			/* new flow */
			if (nchurn == CHURN_CAP)
				continue;
			idx = flow_alloc(NULL, small_type(), FLOW_SIDE_GUEST);
			CHECK(idx >= CHURN_BG && !model[idx].type);
			m = &model[idx];
			m->type = FLOW(idx)->f.type;
			m->fs[0] = FLOW(idx)->f.side[0] = small_fs();
			m->fs[1] = FLOW(idx)->f.side[1] = small_fs();
			m->hashed = 0;
			churn[nchurn++] = idx;
		} else if (r < 27) {		/* free one */
			if (!nchurn)
				continue;
			i = rnd_below(nchurn);
			flow_free(churn[i]);
			memset(&model[churn[i]], 0, sizeof(model[0]));
			churn[i] = churn[--nchurn];
		} else if (r < 42) {		/* hash a side */
			if (!nchurn)
				continue;
			idx = churn[rnd_below(nchurn)];
			side = (int)rnd_below(2);
			m = &model[idx];
			if (m->hashed & (1U << side))
				want = -EALREADY;
			else if (model_lookup(m->type, side, &m->fs[side]) >= 0)
				want = -EEXIST;
			else
				want = 0;
			ret = flow_hash_insert(idx, side);
			CHECK_EQ(ret, want);
			dups += ret == -EEXIST;
			if (!ret)
				m->hashed |= 1U << side;
		} else if (r < 52) {		/* unhash a side */
			if (!nchurn)
				continue;
			idx = churn[rnd_below(nchurn)];
			side = (int)rnd_below(2);
			flow_hash_remove(idx, side);
			model[idx].hashed &= ~(1U << side);
		} else if (r < 57) {		/* rewrite an unhashed side */
			if (!nchurn)
				continue;
			idx = churn[rnd_below(nchurn)];
			side = (int)rnd_below(2);
			if (model[idx].hashed & (1U << side))
				continue;
			model[idx].fs[side] = small_fs();
			FLOW(idx)->f.side[side] = model[idx].fs[side];
		} else if (r < 58) {		/* background flow */
			n = rnd_below(CHURN_BG);
			side = (int)rnd_below(2);
			s0 = unique_fs(n, side);
			CHECK_EQ(flow_lookup(FLOW_TCP, side, &s0),
				 FLOW_SIDX((int)n, side));
		} else {				/* look up */
			uint8_t t = small_type();

			side = (int)rnd_below(2);
			s0 = small_fs();
			want = model_lookup(t, side, &s0);
			ret = flow_lookup(t, side, &s0);
			if (ret != want) {
				fprintf(stderr, "op %u: lookup %d, model %d\n",
					op, ret, want);
				CHECK_EQ(ret, want);
				return;
			}
			lookups++;
			hits += want >= 0;
		}

		if (op % 100000 == 0) {
			CHECK_EQ(flow_hash_verify(), 0);
			CHECK_EQ(st->in_use, CHURN_BG + nchurn);
		}
	}

	/* Both hits and misses must have been exercised a fair amount */
	printf("churn: %u lookups, %u hits, %u duplicate keys refused\n",
	       lookups, hits, dups);
	CHECK(dups > 1000);
	CHECK(hits > lookups / 10);
	CHECK(hits < lookups - lookups / 10);
	CHECK_EQ(flow_hash_verify(), 0);

	for (n = 0; n < CHURN_BG; n++) {
		s1 = unique_fs(n, 1);
		CHECK_EQ(flow_lookup(FLOW_TCP, 1, &s1), FLOW_SIDX((int)n, 1));
	}

	flow_foreach(idx)
		flow_free(idx);
	CHECK_EQ(st->in_use, 0);
	CHECK_EQ(st->hashed, 0);
	CHECK_EQ(flow_hash_verify(), 0);
}

/* Keep the table full (load factor one half in the hash) while replacing
 * flows: exercises backward-shift deletion in long clusters
 */
TEST(full_table_churn)
{
	static unsigned int key_of[FLOW_MAX];
	const struct flow_stats *st = flow_get_stats();
	unsigned int op, n, next_key = 0, gone[64];
	struct flowside s0, s1;
	int idx, victim;

	flow_init_seeded(test_key);
	rng_state = 7;

	for (n = 0; n < FLOW_MAX; n++) {
		s0 = unique_fs(next_key, 0);
		s1 = unique_fs(next_key, 1);
		CHECK_EQ(new_flow_by(fill_type(n), fill_initiator(n), &s0, &s1,
				     3), n);
		key_of[n] = next_key++;
	}
	memset(gone, 0xff, sizeof(gone));

	for (op = 0; op < 100000; op++) {
		victim = (int)rnd_below(FLOW_MAX);
		flow_free(victim);
		gone[op % ARRAY_SIZE(gone)] = key_of[victim];

		/* Same kind as the victim (key modulo 3): the table stays
		 * full, with every kind over its reserve
		 */
		next_key += (3 + key_of[victim] % 3 - next_key % 3) % 3;
		s0 = unique_fs(next_key, 0);
		s1 = unique_fs(next_key, 1);
		idx = new_flow_by(fill_type(next_key),
				  fill_initiator(next_key), &s0, &s1, 3);
		CHECK_EQ(idx, victim);
		key_of[victim] = next_key++;

		/* Recently replaced keys are gone, a random one is there */
		n = gone[rnd_below(ARRAY_SIZE(gone))];
		if (n != ~0U) {
			s0 = unique_fs(n, 0);
			CHECK_EQ(flow_lookup(fill_type(n), 0, &s0), -1);
		}
		n = rnd_below(FLOW_MAX);
		s1 = unique_fs(key_of[n], 1);
		CHECK_EQ(flow_lookup(fill_type(key_of[n]), 1, &s1),
			 FLOW_SIDX((int)n, 1));
	}

	CHECK_EQ(flow_hash_verify(), 0);
	CHECK_EQ(st->hashed, 2 * FLOW_MAX);
	for (n = 0; n < FLOW_MAX; n++) {
		s0 = unique_fs(key_of[n], 0);
		s1 = unique_fs(key_of[n], 1);
		if (flow_lookup(fill_type(key_of[n]), 0, &s0) !=
		    FLOW_SIDX((int)n, 0) ||
		    flow_lookup(fill_type(key_of[n]), 1, &s1) !=
		    FLOW_SIDX((int)n, 1)) {
			CHECK(!"lookup failed after churn");
			break;
		}
	}

	flow_init_seeded(test_key);
	CHECK_EQ(st->in_use, 0);
	CHECK_EQ(st->hashed, 0);
	CHECK_EQ(flow_hash_verify(), 0);
}

/* Fill kind by kind: each one stops where the others' unused reserves
 * begin, refusals are counted per kind, and freeing gives room back
 */
static void shares_check(unsigned int limit)
{
	const struct flow_stats *st = flow_get_stats();
	unsigned int reserve = limit / FLOW_RESERVE_DIV, n;
	static const struct {
		enum flow_type type;
		int initiator;
	} step[FLOW_KINDS] = {
		{ FLOW_UDP, FLOW_SIDE_GUEST },
		{ FLOW_TCP, FLOW_SIDE_HOST },
		{ FLOW_UDP_SPLICE, FLOW_SIDE_HOST },
	};
	unsigned int want[FLOW_KINDS] = { limit - 2 * reserve, reserve,
					  limit - (limit - 2 * reserve) -
					  reserve };
	int k, idx = -1;

	flow_set_limit(limit);
	flow_init_seeded(test_key);
	CHECK_EQ(st->limit, limit);
	for (k = 0; k < FLOW_KINDS; k++) {
		for (n = 0; n < limit; n++) {
			int i = flow_alloc(NULL, step[k].type,
					   step[k].initiator);

			if (i < 0) {
				CHECK_EQ(i, -ENOSPC);
				break;
			}
			idx = i;
		}
		CHECK_EQ(n, want[k]);
		CHECK_EQ(st->kind_in_use[k], want[k]);
		CHECK_EQ(st->refused[k], 1);
	}
	CHECK_EQ(st->in_use, limit);

	/* The last one freed (a local flow): a guest flow still can't take
	 * it, a local one can
	 */
	flow_free(idx);
	CHECK_EQ(flow_alloc(NULL, FLOW_TCP, FLOW_SIDE_GUEST), -ENOSPC);
	CHECK_EQ(st->refused[FLOW_KIND_GUEST], 2);
	CHECK_EQ(flow_alloc(NULL, FLOW_TCP_SPLICE, FLOW_SIDE_GUEST), idx);
	CHECK_EQ(st->kind_in_use[FLOW_KIND_SPLICE], want[FLOW_KIND_SPLICE]);

	flow_foreach(idx)
		flow_free(idx);
	for (k = 0; k < FLOW_KINDS; k++)
		CHECK_EQ(st->kind_in_use[k], 0);
	flow_set_limit(FLOW_MAX);
	flow_init_seeded(test_key);
}

TEST(kind_shares)
{
	shares_check(FLOW_MAX);
	shares_check(1000);
	shares_check(FLOW_LIMIT_MIN);
	flow_set_limit(1);
	CHECK_EQ(flow_get_stats()->limit, FLOW_LIMIT_MIN);
	flow_set_limit(FLOW_MAX * 2);
	CHECK_EQ(flow_get_stats()->limit, FLOW_MAX);
}

/* flow_init() with a random secret works and gives a usable table */
TEST(init_random)
{
	struct flowside s = fside("2001:db8::5", 1, "2001:db8::1", 2);
	int idx;

	CHECK_EQ(flow_init(), 0);
	idx = new_flow(FLOW_PING6, &s, &s, 2);
	CHECK(idx >= 0);
	CHECK_EQ(flow_lookup(FLOW_PING6, 1, &s), FLOW_SIDX(idx, 1));
	flow_free(idx);
}

TEST(epoll_ref_stale_after_reuse)
{
	const struct flow_stats *st = flow_get_stats();
	union epoll_ref old, cur;
	unsigned long stale;
	int a, b, i;

	flow_init_seeded(test_key);
	a = flow_alloc(NULL, FLOW_TCP, FLOW_SIDE_GUEST);
	CHECK(a >= 0);
	old.u64 = flow_epoll_ref(EPOLL_TYPE_TCP, a, FLOW_SIDE_HOST);
	CHECK_EQ(old.type, EPOLL_TYPE_TCP);	/* what the main loop reads */
	CHECK_EQ(flow_epoll_sidx(old), FLOW_SIDX(a, FLOW_SIDE_HOST));

	/* Closed, and the entry taken by a new flow (the free list is LIFO),
	 * as when one event of a batch closes a flow and the next one opens
	 * another: the old reference must not find the new flow
	 */
	stale = st->stale_events;
	flow_free(a);
	CHECK_EQ(flow_epoll_sidx(old), -1);
	b = flow_alloc(NULL, FLOW_TCP, FLOW_SIDE_GUEST);
	CHECK_EQ(b, a);
	CHECK_EQ(flow_epoll_sidx(old), -1);
	cur.u64 = flow_epoll_ref(EPOLL_TYPE_TCP, b, FLOW_SIDE_HOST);
	CHECK_EQ(flow_epoll_sidx(cur), FLOW_SIDX(b, FLOW_SIDE_HOST));
	CHECK(cur.u64 != old.u64);
	CHECK_EQ(st->stale_events, stale + 2);

	/* Many reuses of the same entry: no earlier reference ever matches */
	for (i = 0; i < 100000; i++) {
		flow_free(b);
		b = flow_alloc(NULL, FLOW_UDP, FLOW_SIDE_GUEST);
		CHECK_EQ(b, a);
		if (flow_epoll_sidx(old) != -1 || flow_epoll_sidx(cur) != -1)
			break;
	}
	CHECK_EQ(i, 100000);
	cur.u64 = flow_epoll_ref(EPOLL_TYPE_UDP, b, FLOW_SIDE_GUEST);
	CHECK_EQ(flow_epoll_sidx(cur), FLOW_SIDX(b, FLOW_SIDE_GUEST));

	/* A reference to an entry never used, or out of range */
	cur.flow.sidx = FLOW_SIDX(FLOW_MAX - 1, 1);
	CHECK_EQ(flow_epoll_sidx(cur), -1);
	flow_free(b);
}

UNIT_MAIN()
