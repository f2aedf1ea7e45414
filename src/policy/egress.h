/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * egress.h - egress policy: which destinations beyond the host a guest may
 * reach (--egress-allow, --egress-deny, --egress-default)
 */
#ifndef POLICY_EGRESS_H
#define POLICY_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

/* Bounds, documented in the man page: a named set counts one rule per prefix
 * it holds; port ranges are counted over all rules (a list like "22,80-90"
 * is two ranges, exclusions split ranges)
 */
#define EGRESS_RULES_MAX	4096
#define EGRESS_RANGES_MAX	16384
#define EGRESS_TEXT_MAX		131072	/* options as given, in all */
#define EGRESS_SPEC_MAX		256	/* longest SPEC accepted */

/* Protocols a rule applies to */
#define EGRESS_TCP		1
#define EGRESS_UDP		2
#define EGRESS_ICMP		4	/* ICMP and ICMPv6 echo */
#define EGRESS_ANY		(EGRESS_TCP | EGRESS_UDP | EGRESS_ICMP)

/**
 * struct egress_range - a range of destination ports
 * @first:	first port
 * @last:	last port, @first <= @last
 */
struct egress_range {
	uint16_t first;
	uint16_t last;
};

/**
 * struct egress_rule - one prefix, with the protocols and ports it covers
 * @prefix:	destination prefix, host bits clear; IPv4 rules IPv4-mapped
 * @len:	prefix length over the 128 bits of @prefix (IPv4: 96 + length)
 * @v4:		IPv4 rule: matches IPv4 destinations only (IPv6 rules only
 *		IPv6 ones)
 * @deny:	deny rule (--egress-deny), allow rule otherwise
 * @protos:	EGRESS_TCP, EGRESS_UDP, EGRESS_ICMP bits
 * @spec:	index of the option this rule comes from, see egress_spec()
 * @idx:	position of the rule in the order given
 * @range_first: first of its port ranges in the table
 * @range_count: number of port ranges, 0 for every port (and ICMP)
 */
struct egress_rule {
	union inany_addr prefix;
	uint8_t len;
	bool v4;
	bool deny;
	uint8_t protos;
	uint16_t spec;
	uint16_t idx;
	uint32_t range_first;
	uint32_t range_count;
};

/**
 * struct egress_group - rules of one prefix length, in the sorted copy
 * @len:	prefix length (over 128 bits)
 * @first:	first rule in egress_table.sorted
 * @count:	number of rules
 */
struct egress_group {
	uint8_t len;
	uint32_t first;
	uint32_t count;
};

/**
 * struct egress_table - a complete egress policy
 * @default_deny:	--egress-default deny: refuse what no rule matches
 * @rule_count:		rules in @rules (and @sorted, once committed)
 * @range_count:	port ranges in @ranges
 * @spec_count:		options in @spec_off
 * @text_len:		bytes of @text in use
 * @committed:		egress_commit() ran after the last rule was added
 * @group_count:	groups per family ([0] IPv6, [1] IPv4)
 * @groups:		per family, rule groups by prefix length, longest first
 * @rules:		rules in the order given (what the reference scans)
 * @sorted:		the same rules by family, length (longest first),
 *			prefix, deny before allow, then order given
 * @ranges:		port ranges of all rules, each rule's sorted, disjoint
 * @spec_off:		where each option starts in @text
 * @text:		options as given ("--egress-deny SPEC"), NUL-separated:
 *			for the log and listings
 *
 * About 460 KiB: keep it static, never on the stack.
 */
struct egress_table {
	bool default_deny;
	unsigned int rule_count;
	unsigned int range_count;
	unsigned int spec_count;
	unsigned int text_len;
	bool committed;
	unsigned int group_count[2];
	struct egress_group groups[2][129];
	struct egress_rule rules[EGRESS_RULES_MAX];
	struct egress_rule sorted[EGRESS_RULES_MAX];
	struct egress_range ranges[EGRESS_RANGES_MAX];
	uint32_t spec_off[EGRESS_RULES_MAX];
	char text[EGRESS_TEXT_MAX];
};

void egress_init(struct egress_table *t);
int egress_add(struct egress_table *t, bool deny, const char *spec,
	       char *err, size_t errlen);
void egress_commit(struct egress_table *t);
uint8_t egress_proto_bit(uint8_t proto);
int egress_lookup(const struct egress_table *t, const union inany_addr *a,
		  uint8_t proto_bit, uint16_t port);
int egress_lookup_ref(const struct egress_table *t, const union inany_addr *a,
		      uint8_t proto_bit, uint16_t port);
bool egress_allowed(const struct egress_table *t, const union inany_addr *a,
		    uint8_t proto, uint16_t port, bool dns, int *rule);
bool egress_allowed_ref(const struct egress_table *t,
			const union inany_addr *a, uint8_t proto,
			uint16_t port, bool dns, int *rule);
const char *egress_spec(const struct egress_table *t, int rule);
const char *egress_option(const struct egress_table *t, unsigned int i);
int egress_rule_fmt(const struct egress_table *t, int rule, char *buf,
		    size_t len);

/**
 * egress_active() - does a policy refuse anything at all
 * @t:		table, may be NULL
 *
 * Return: true if @t has rules or denies by default
 */
static inline bool egress_active(const struct egress_table *t)
{
	return t && (t->rule_count || t->default_deny);
}

#endif /* POLICY_EGRESS_H */
