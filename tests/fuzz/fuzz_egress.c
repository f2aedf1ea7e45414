// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_egress.c - egress policy: the SPEC parser over arbitrary text, and
 * the fast lookup (egress_allowed()) against the reference
 * (egress_allowed_ref()) over the rules that parse
 *
 * The property checked, for every destination: both decide the same, with
 * the same rule; in particular the fast lookup never allows what the
 * reference denies. Rejected specs must leave the table as it was.
 *
 * Input layout:
 *
 *   0		flags: bit 0 --egress-default deny
 *   1...	specs, one per line, up to a NUL byte: a first character '-'
 *		makes a deny rule, anything else an allow rule, and is dropped
 *   then	FUZZ_Q_LEN bytes per destination: flags (bit 0 IPv4, bit 1
 *		near a rule: its prefix, host bits from the address bytes;
 *		bit 2 DNS), rule index, protocol (TCP, UDP, ICMP, ICMPv6,
 *		modulo 4), port (2 bytes), 16 address bytes
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include "policy/egress.h"

#define FUZZ_Q_LEN	21

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct egress_table t;

/**
 * fuzz_specs() - add the rules of the spec lines
 * @p:		text, after the flags byte
 * @end:	end of the input
 *
 * Return: where the destinations start
 */
static const uint8_t *fuzz_specs(const uint8_t *p, const uint8_t *end)
{
	char line[EGRESS_SPEC_MAX + 16], err[256];

	while (p < end && *p) {
		const uint8_t *nl = p;
		size_t len;

		while (nl < end && *nl && *nl != '\n')
			nl++;
		len = (size_t)(nl - p);
		if (len && len < sizeof(line)) {
			unsigned int before = t.rule_count;
			unsigned int ranges = t.range_count;
			int rc;

			memcpy(line, p + 1, len - 1);
			line[len - 1] = '\0';
			rc = egress_add(&t, p[0] == '-', line, err,
					sizeof(err));
			if (rc && (t.rule_count != before ||
				   t.range_count != ranges || !*err))
				__builtin_trap();	/* half-added */
		}
		p = nl < end && *nl == '\n' ? nl + 1 : nl;
	}
	return p < end ? p + 1 : end;
}

/**
 * LLVMFuzzerTestOneInput() - one rule set, then destinations
 * @data:	input
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t protos[] = {
		IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
	};
	const uint8_t *p, *end = data + size;

	if (!size)
		return 0;
	egress_init(&t);
	t.default_deny = data[0] & 1;
	p = fuzz_specs(data + 1, end);
	egress_commit(&t);

	for (; end - p >= FUZZ_Q_LEN; p += FUZZ_Q_LEN) {
		uint8_t fl = p[0], proto = protos[p[2] % 4];
		uint16_t port = (uint16_t)(p[3] << 8 | p[4]);
		bool dns = fl & 4, fast, ref;
		union inany_addr a;
		int r1, r2;

		memcpy(&a, p + 5, sizeof(a));
		if ((fl & 2) && t.rule_count) {
			const struct egress_rule *r =
				&t.rules[p[1] % t.rule_count];
			unsigned int i;

			for (i = 0; i < r->len; i++) {
				uint8_t bit = (uint8_t)(0x80 >> (i % 8));

				a.u8[i / 8] = (uint8_t)((a.u8[i / 8] & ~bit) |
							(r->prefix.u8[i / 8] &
							 bit));
			}
		} else if (fl & 1) {
			memmove(&a.u8[12], &a.u8[0], 4);
			memset(&a, 0, 10);
			a.u8[10] = a.u8[11] = 0xff;
		}

		fast = egress_allowed(&t, &a, proto, port, dns, &r1);
		ref = egress_allowed_ref(&t, &a, proto, port, dns, &r2);
		if (fast != ref || r1 != r2)
			__builtin_trap();
	}
	return 0;
}
