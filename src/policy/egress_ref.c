// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * egress_ref.c - egress policy: the slow, obviously correct lookup
 *
 * The reference the fast lookup in egress.c is tested against (unit tests,
 * tests/unit/test_egress.c, and the fuzzer, tests/fuzz/fuzz_egress.c). It
 * shares nothing with egress.c but the rules as parsed: every rule, in the
 * order given, is compared bit by bit and port by port, and the winner is
 * picked by the rule in the man page, spelled out once more here.
 */

#include <stdbool.h>
#include <stdint.h>

#include "policy/egress.h"

/**
 * ref_bit() - one bit of an address, most significant first
 * @a:		address
 * @i:		bit number, 0 to 127
 *
 * Return: the bit
 */
static int ref_bit(const union inany_addr *a, unsigned int i)
{
	return (a->u8[i / 8] >> (7 - i % 8)) & 1;
}

/**
 * ref_rule_matches() - does one rule match a flow, checked naively
 * @t:		table
 * @r:		rule
 * @a:		destination
 * @proto_bit:	EGRESS_TCP, EGRESS_UDP or EGRESS_ICMP
 * @port:	destination port
 *
 * Return: true if the family, the first @r->len bits, the protocol and (for
 *	   a rule with ports) the port all match
 */
static bool ref_rule_matches(const struct egress_table *t,
			     const struct egress_rule *r,
			     const union inany_addr *a, uint8_t proto_bit,
			     uint16_t port)
{
	bool v4 = inany_v4(a) != NULL, in = false;
	unsigned int i;

	if (r->v4 != v4 || !(r->protos & proto_bit))
		return false;
	for (i = 0; i < r->len; i++)
		if (ref_bit(&r->prefix, i) != ref_bit(a, i))
			return false;
	if (!r->range_count)
		return true;
	if (proto_bit == EGRESS_ICMP)
		return false;
	for (i = 0; i < r->range_count; i++) {
		const struct egress_range *rg = &t->ranges[r->range_first + i];

		if (rg->first <= port && port <= rg->last)
			in = true;
	}
	return in;
}

/**
 * egress_lookup_ref() - the rule that decides for a destination, slowly
 * @t:		table (committed or not)
 * @a:		destination, IPv4-mapped for IPv4
 * @proto_bit:	EGRESS_TCP, EGRESS_UDP or EGRESS_ICMP
 * @port:	destination port (ignored for ICMP)
 *
 * Of all matching rules: the longest prefix; at equal length, a deny; at
 * equal length and action, the one given first.
 *
 * Return: index of the winning rule, -1 if none matches
 */
int egress_lookup_ref(const struct egress_table *t, const union inany_addr *a,
		      uint8_t proto_bit, uint16_t port)
{
	int best = -1;
	unsigned int i;

	for (i = 0; i < t->rule_count; i++) {
		const struct egress_rule *r = &t->rules[i];
		const struct egress_rule *b;

		if (!ref_rule_matches(t, r, a, proto_bit, port))
			continue;
		if (best < 0) {
			best = (int)i;
			continue;
		}
		b = &t->rules[best];
		if (r->len > b->len || (r->len == b->len && r->deny && !b->deny))
			best = (int)i;
	}
	return best;
}
