// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * egress.c - egress policy: which destinations beyond the host a guest may
 * reach, by prefix, protocol and port
 *
 * Theory of operation
 *
 * Rules come from --egress-deny SPEC and --egress-allow SPEC, repeated as
 * needed, and --egress-default allow|deny decides what no rule matches
 * (allow unless told otherwise). SPEC is
 *
 *	TARGET[:PROTO[:PORTS]]
 *
 * TARGET is an IPv4 prefix (192.0.2.0/24, or an address for /32), an IPv6
 * prefix (2001:db8::/32, in brackets if a protocol follows:
 * [2001:db8::]/32:tcp), or a named set (private, link-local, metadata,
 * loopback, multicast: see egress_sets[]), which adds one rule per prefix it
 * holds. PROTO is tcp, udp or icmp (echo, ICMPv6 too); none means all three.
 * PORTS is a list of ports, ranges and exclusions as --host-allow-tcp takes
 * ("22,8000-8999,~8080"), for tcp and udp only; none means every port. An
 * IPv4-mapped IPv6 prefix (::ffff:0:0/96 or longer) is the IPv4 rule it
 * stands for. IPv4 rules never match IPv6 destinations and the other way
 * around.
 *
 * The decision, for a destination address, protocol and port: among the
 * rules that match all three, the one with the longest prefix wins; at the
 * same prefix length, deny wins over allow; without a matching rule, the
 * default applies. A rule whose protocol or ports don't match the flow
 * doesn't take part at all: "--egress-deny 198.51.100.0/24 --egress-allow
 * 198.51.100.7:tcp:443" lets HTTPS through to one address only, while an
 * allow with the same prefix as a deny is always overruled.
 *
 * Lookup. egress_commit() sorts a copy of the rules by family, prefix length
 * (longest first), prefix, deny first, then order given, and groups them by
 * length: at most 33 groups for IPv4 and 129 for IPv6, in practice a
 * handful. egress_lookup() masks the destination to each length in turn,
 * longest first, and binary-searches the group for that prefix; the first
 * rule there (and after it, with the same prefix) whose protocol and ports
 * match wins. Port lists are sorted, disjoint ranges, binary-searched too.
 * The cost grows with the number of distinct prefix lengths and the log of
 * the number of rules, never linearly with the rules, unless many rules
 * share one prefix with different ports. No allocation, ever: the table is
 * static and bounded (EGRESS_RULES_MAX rules, EGRESS_RANGES_MAX port
 * ranges), and going past a bound is an error on the command line.
 *
 * egress_lookup_ref() (egress_ref.c) decides the same by scanning every rule
 * in the order given: the differential test and the fuzzer compare the two.
 *
 * Where it applies: policy/fwd.c asks egress_allowed() for every new guest
 * flow, after host isolation and after the destination is mapped to the
 * real one (the gateway to the host's loopback, the --map-guest-addr
 * address to the host's own, the DNS forwarding address to the resolver).
 * The DNS forwarder's flows to the configured resolver, port 53, are
 * allowed unless a rule names the resolver's address itself (a /32 or /128
 * prefix). Flows from the host to forwarded ports (-t, -u), and replies,
 * are not egress.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "policy/egress.h"
#include "policy/portspec.h"

/**
 * struct egress_set - a named set of prefixes
 * @name:	name as given in SPEC
 * @prefixes:	prefixes, NULL-terminated
 */
struct egress_set {
	const char *name;
	const char *prefixes[8];
};

/* Named sets. Sources: private, RFC 1918, RFC 6598 (shared address space)
 * and RFC 4193 (unique local IPv6); link-local, RFC 3927 and RFC 4291;
 * metadata: instance metadata services of cloud providers, 169.254.169.254
 * (AWS, Azure, Google Cloud, OpenStack, Oracle, DigitalOcean and others),
 * fd00:ec2::254 (AWS, IPv6), 169.254.170.2 (AWS ECS task metadata and
 * credentials), 100.100.100.200 (Alibaba Cloud); loopback, RFC 1122 and
 * RFC 4291; multicast, RFC 5771 and RFC 4291.
 */
static const struct egress_set egress_sets[] = {
	{ "private",	{ "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
			  "100.64.0.0/10", "fc00::/7", NULL } },
	{ "link-local",	{ "169.254.0.0/16", "fe80::/10", NULL } },
	{ "metadata",	{ "169.254.169.254", "169.254.170.2",
			  "100.100.100.200", "fd00:ec2::254", NULL } },
	{ "loopback",	{ "127.0.0.0/8", "::1", NULL } },
	{ "multicast",	{ "224.0.0.0/4", "ff00::/8", NULL } },
};

/**
 * egress_init() - make a table empty, allowing everything
 * @t:		table
 */
void egress_init(struct egress_table *t)
{
	t->default_deny = false;
	t->rule_count = t->range_count = t->spec_count = t->text_len = 0;
	t->group_count[0] = t->group_count[1] = 0;
	t->committed = true;
}

/**
 * egress_mask() - clear the bits of an address past a prefix length
 * @a:		address
 * @len:	prefix length, 0 to 128
 * @out:	masked address
 */
static void egress_mask(const union inany_addr *a, unsigned int len,
			union inany_addr *out)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (len >= 8) {
			out->u8[i] = a->u8[i];
			len -= 8;
		} else {
			out->u8[i] = len ? (uint8_t)(a->u8[i] &
						     (0xff00 >> len)) : 0;
			len = 0;
		}
	}
}

/**
 * egress_prefix_parse() - parse an address with an optional prefix length
 * @s:		text, modified (the '/' is cut)
 * @a:		address, masked, IPv4-mapped for IPv4
 * @len:	prefix length over 128 bits
 * @v4:		set if it's an IPv4 prefix (IPv4-mapped /96 or longer too)
 *
 * Return: 0 on success, -EINVAL if @s isn't a prefix
 */
static int egress_prefix_parse(char *s, union inany_addr *a, uint8_t *len,
			       bool *v4)
{
	char *slash = strchr(s, '/'), *end;
	struct in_addr a4;
	unsigned long l;
	unsigned int max;

	if (slash)
		*slash = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a4) == 1) {
		inany_from_v4(a, a4);
		max = 32;
		*v4 = true;
	} else if (inet_pton(AF_INET6, s, &a->a6) == 1) {
		max = 128;
		*v4 = false;
	} else {
		return -EINVAL;
	}

	l = max;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		l = strtoul(slash + 1, &end, 10);
		if (errno || *end || l > max)
			return -EINVAL;
	}
	if (*v4)
		l += 96;
	else if (inany_v4(a) && l >= 96)
		*v4 = true;		/* ::ffff:a.b.c.d/n: IPv4 */
	*len = (uint8_t)l;
	egress_mask(a, *len, a);
	return 0;
}

/**
 * egress_set_find() - look a named set up
 * @name:	name
 *
 * Return: the set, NULL if there's none of that name
 */
static const struct egress_set *egress_set_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(egress_sets) / sizeof(egress_sets[0]); i++)
		if (!strcmp(egress_sets[i].name, name))
			return &egress_sets[i];
	return NULL;
}

/**
 * egress_ports_parse() - port list of a rule into ranges
 * @t:		table, ranges are appended
 * @ports:	list, as for --host-allow-tcp
 * @count:	number of ranges appended
 * @err:	error message buffer
 * @errlen:	its size
 *
 * Return: 0 on success, -EINVAL (message in @err) on error, with nothing
 *	   appended
 */
static int egress_ports_parse(struct egress_table *t, const char *ports,
			      uint32_t *count, char *err, size_t errlen)
{
	static uint8_t map[PORT_BITMAP_SIZE];
	unsigned int n = t->range_count;
	const char *p;
	long port;
	bool incl = false;

	for (p = ports; *p; p++)
		if (*p != '~' && *p != ',' && (p == ports || p[-1] == ','))
			incl = true;
	if (*ports && !incl) {
		snprintf(err, errlen, "exclusions only in '%s': list the ports "
			 "they apply to (e.g. 1-65535,%s)", ports, ports);
		return -EINVAL;
	}

	memset(map, 0, sizeof(map));
	if (port_allow_parse(map, ports, 0, err, errlen))
		return -EINVAL;

	for (port = 1; port <= 65535; port++) {
		uint64_t word;

		if (!(port % 64)) {	/* skip empty stretches quickly */
			memcpy(&word, map + port / 8, sizeof(word));
			if (!word) {
				port += 63;
				continue;
			}
		}
		if (!(map[port / 8] & (1U << (port % 8))))
			continue;
		if (n > t->range_count &&
		    t->ranges[n - 1].last == port - 1) {
			t->ranges[n - 1].last = (uint16_t)port;
			continue;
		}
		if (n >= EGRESS_RANGES_MAX) {
			snprintf(err, errlen, "more than %d port ranges in all "
				 "rules", EGRESS_RANGES_MAX);
			return -EINVAL;
		}
		t->ranges[n].first = t->ranges[n].last = (uint16_t)port;
		n++;
	}
	*count = n - t->range_count;
	return 0;
}

/**
 * egress_add() - add the rules of one --egress-allow or --egress-deny
 * @t:		table
 * @deny:	deny rule
 * @spec:	TARGET[:PROTO[:PORTS]], see the theory of operation
 * @err:	buffer for a human-readable error message
 * @errlen:	size of @err
 *
 * Return: 0 on success, -EINVAL (message in @err) with @t unchanged
 */
int egress_add(struct egress_table *t, bool deny, const char *spec,
	       char *err, size_t errlen)
{
	char buf[EGRESS_SPEC_MAX + 1], *target = buf, *rest = NULL, *ports;
	const char *one[2] = { NULL, NULL };
	const struct egress_set *set;
	const char *const *prefixes;
	uint32_t range_first = t->range_count, range_count = 0;
	uint8_t protos = EGRESS_ANY;
	unsigned int n, i;

	if (strlen(spec) > EGRESS_SPEC_MAX) {
		snprintf(err, errlen, "longer than %d characters",
			 EGRESS_SPEC_MAX);
		return -EINVAL;
	}
	strcpy(buf, spec);

	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close) {
			snprintf(err, errlen, "no ']' in '%s'", spec);
			return -EINVAL;
		}
		*close = '\0';
		target = buf + 1;
		if (!strchr(target, ':')) {
			snprintf(err, errlen, "brackets are for IPv6 only, in "
				 "'%s'", spec);
			return -EINVAL;
		}
		if (close[1] == '/') {
			/* [2001:db8::]/32: move the length inside */
			char *colon = strchr(close + 1, ':');
			size_t l;

			if (colon)
				*colon = '\0';
			l = strlen(target);
			memmove(target + l, close + 1, strlen(close + 1) + 1);
			rest = colon ? colon + 1 : NULL;
		} else if (close[1] == ':') {
			rest = close + 2;
		} else if (close[1]) {
			snprintf(err, errlen, "expected ':' or '/' after ']' "
				 "in '%s'", spec);
			return -EINVAL;
		}
	} else {
		char *colon = strchr(buf, ':');

		if (colon) {
			char tmp[EGRESS_SPEC_MAX + 1];
			union inany_addr a;
			uint8_t l;
			bool v4;

			/* A named set or IPv4 prefix, then PROTO; or IPv6 */
			*colon = '\0';
			strcpy(tmp, buf);
			if (egress_set_find(buf) ||
			    !egress_prefix_parse(tmp, &a, &l, &v4))
				rest = colon + 1;
			else
				*colon = ':';
		}
	}

	if (rest) {
		ports = strchr(rest, ':');
		if (ports)
			*ports++ = '\0';
		if (!strcmp(rest, "tcp"))
			protos = EGRESS_TCP;
		else if (!strcmp(rest, "udp"))
			protos = EGRESS_UDP;
		else if (!strcmp(rest, "icmp"))
			protos = EGRESS_ICMP;
		else {
			snprintf(err, errlen, "unknown protocol '%s' in '%s' "
				 "(tcp, udp or icmp)", rest, spec);
			return -EINVAL;
		}
		if (ports) {
			if (protos == EGRESS_ICMP) {
				snprintf(err, errlen, "icmp has no ports, in "
					 "'%s'", spec);
				return -EINVAL;
			}
			if (egress_ports_parse(t, ports, &range_count,
					       err, errlen))
				return -EINVAL;
		}
	}

	set = egress_set_find(target);
	if (set) {
		prefixes = set->prefixes;
	} else {
		one[0] = target;
		prefixes = one;
	}
	for (n = 0; prefixes[n]; n++)
		;
	if (t->rule_count + n > EGRESS_RULES_MAX) {
		snprintf(err, errlen, "more than %d rules (a named set counts "
			 "one per prefix)", EGRESS_RULES_MAX);
		return -EINVAL;
	}
	if (t->text_len + strlen("--egress-allow ") + strlen(spec) + 1 >
	    EGRESS_TEXT_MAX) {
		snprintf(err, errlen, "more than %d bytes of rules in all",
			 EGRESS_TEXT_MAX);
		return -EINVAL;
	}

	for (i = 0; i < n; i++) {
		struct egress_rule *r = &t->rules[t->rule_count + i];
		char tmp[EGRESS_SPEC_MAX + 1];

		snprintf(tmp, sizeof(tmp), "%s", prefixes[i]);
		memset(r, 0, sizeof(*r));
		if (egress_prefix_parse(tmp, &r->prefix, &r->len, &r->v4)) {
			if (strchr(target, ':') && strchr(spec, ':') &&
			    spec[0] != '[')
				snprintf(err, errlen, "invalid prefix in '%s' "
					 "(an IPv6 prefix with a protocol goes "
					 "in brackets: [2001:db8::]/32:tcp)",
					 spec);
			else
				snprintf(err, errlen, "'%s' is not a prefix "
					 "(ADDR[/LEN]) nor a named set (private, "
					 "link-local, metadata, loopback, "
					 "multicast)", target);
			return -EINVAL;
		}
		r->deny = deny;
		r->protos = protos;
		r->spec = (uint16_t)t->spec_count;
		r->idx = (uint16_t)(t->rule_count + i);
		r->range_first = range_first;
		r->range_count = range_count;
	}

	t->spec_off[t->spec_count] = t->text_len;
	t->text_len += (unsigned int)snprintf(t->text + t->text_len,
					      EGRESS_TEXT_MAX - t->text_len,
					      "--egress-%s %s",
					      deny ? "deny" : "allow", spec) + 1;
	t->spec_count++;
	t->rule_count += n;
	t->range_count += range_count;
	t->committed = false;
	return 0;
}

/**
 * egress_rule_cmp() - order of rules in the sorted copy
 * @a:		first rule
 * @b:		second rule
 *
 * Return: negative, zero or positive, as for qsort()
 */
static int egress_rule_cmp(const struct egress_rule *x,
			   const struct egress_rule *y)
{
	int rc;

	if (x->v4 != y->v4)
		return x->v4 ? 1 : -1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	rc = memcmp(&x->prefix, &y->prefix, sizeof(x->prefix));
	if (rc)
		return rc;
	if (x->deny != y->deny)
		return x->deny ? -1 : 1;
	return (int)x->idx - (int)y->idx;
}

/**
 * egress_sift() - heapsort's sift-down: restore the heap below a node
 * @r:		rules
 * @i:		node
 * @n:		heap size
 */
static void egress_sift(struct egress_rule *r, unsigned int i, unsigned int n)
{
	struct egress_rule tmp;
	unsigned int c;

	for (; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && egress_rule_cmp(&r[c], &r[c + 1]) < 0)
			c++;
		if (egress_rule_cmp(&r[i], &r[c]) >= 0)
			return;
		tmp = r[i];
		r[i] = r[c];
		r[c] = tmp;
	}
}

/**
 * egress_sort() - sort rules in place, without allocating (unlike qsort(),
 *		   which may, and mustn't once the sandbox is up: rules can
 *		   be replaced at run time)
 * @r:		rules
 * @n:		how many
 *
 * The order is total (the index breaks ties), so stability doesn't matter.
 */
static void egress_sort(struct egress_rule *r, unsigned int n)
{
	struct egress_rule tmp;
	unsigned int i;

	for (i = n / 2; i-- > 0; )
		egress_sift(r, i, n);
	for (i = n; i-- > 1; ) {
		tmp = r[0];
		r[0] = r[i];
		r[i] = tmp;
		egress_sift(r, 0, i);
	}
}

/**
 * egress_commit() - build the lookup structure after rules were added
 * @t:		table
 */
void egress_commit(struct egress_table *t)
{
	unsigned int i;

	memcpy(t->sorted, t->rules, t->rule_count * sizeof(t->rules[0]));
	egress_sort(t->sorted, t->rule_count);

	t->group_count[0] = t->group_count[1] = 0;
	for (i = 0; i < t->rule_count; i++) {
		const struct egress_rule *r = &t->sorted[i];
		unsigned int f = r->v4, *n = &t->group_count[f];
		struct egress_group *g = &t->groups[f][*n ? *n - 1 : 0];

		if (!*n || g->len != r->len) {
			g = &t->groups[f][(*n)++];
			g->len = r->len;
			g->first = i;
			g->count = 0;
		}
		g->count++;
	}
	t->committed = true;
}

/**
 * egress_proto_bit() - protocol of a flow as the rules see it
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 *
 * Return: EGRESS_TCP, EGRESS_UDP, EGRESS_ICMP, or 0 for anything else
 */
uint8_t egress_proto_bit(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return EGRESS_TCP;
	case IPPROTO_UDP:
		return EGRESS_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return EGRESS_ICMP;
	default:
		return 0;
	}
}

/**
 * egress_port_match() - does a rule cover a protocol and port
 * @t:		table
 * @r:		rule
 * @proto_bit:	EGRESS_TCP, EGRESS_UDP or EGRESS_ICMP
 * @port:	destination port (ignored for ICMP)
 *
 * Return: true if it does
 */
static bool egress_port_match(const struct egress_table *t,
			      const struct egress_rule *r, uint8_t proto_bit,
			      uint16_t port)
{
	const struct egress_range *rg = t->ranges + r->range_first;
	uint32_t lo = 0, hi = r->range_count;

	if (!(r->protos & proto_bit))
		return false;
	if (!r->range_count)
		return true;
	if (proto_bit == EGRESS_ICMP)
		return false;

	/* Last range starting at or before @port */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rg[mid].first <= port)
			lo = mid;
		else
			hi = mid;
	}
	return rg[lo].first <= port && port <= rg[lo].last;
}

/**
 * egress_lookup() - the rule that decides for a destination, fast
 * @t:		table, committed
 * @a:		destination, IPv4-mapped for IPv4
 * @proto_bit:	EGRESS_TCP, EGRESS_UDP or EGRESS_ICMP
 * @port:	destination port (ignored for ICMP)
 *
 * Return: index of the winning rule in the order given, -1 if none matches
 */
int egress_lookup(const struct egress_table *t, const union inany_addr *a,
		  uint8_t proto_bit, uint16_t port)
{
	unsigned int f = inany_v4(a) != NULL, gi;

	for (gi = 0; gi < t->group_count[f]; gi++) {
		const struct egress_group *g = &t->groups[f][gi];
		const struct egress_rule *r = t->sorted + g->first;
		uint32_t lo = 0, hi = g->count;
		union inany_addr m;

		egress_mask(a, g->len, &m);

		/* First rule whose prefix is not below @m */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (memcmp(&r[mid].prefix, &m, sizeof(m)) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < g->count &&
		       !memcmp(&r[lo].prefix, &m, sizeof(m)); lo++)
			if (egress_port_match(t, &r[lo], proto_bit, port))
				return r[lo].idx;
	}
	return -1;
}

/**
 * egress_verdict() - decision from the winning rule
 * @t:		table
 * @rule:	winning rule, -1 for none
 * @dns:	the flow is the DNS forwarder's, to its resolver
 *
 * Return: true if allowed
 */
static bool egress_verdict(const struct egress_table *t, int *rule, bool dns)
{
	if (*rule >= 0 && dns && t->rules[*rule].len != 128)
		*rule = -1;		/* only an explicit rule stops DNS */
	if (*rule < 0)
		return dns || !t->default_deny;
	return !t->rules[*rule].deny;
}

/**
 * egress_allowed() - may a new guest flow go to this destination
 * @t:		table, committed; NULL allows everything
 * @a:		real destination (after mappings), IPv4-mapped for IPv4
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 * @port:	destination port (ignored for ICMP)
 * @dns:	the flow is the DNS forwarder's, to its resolver, port 53
 * @rule:	set to the rule that decided, -1 for the default
 *
 * Return: true if allowed
 */
bool egress_allowed(const struct egress_table *t, const union inany_addr *a,
		    uint8_t proto, uint16_t port, bool dns, int *rule)
{
	*rule = -1;
	if (!egress_active(t))
		return true;
	*rule = egress_lookup(t, a, egress_proto_bit(proto), port);
	return egress_verdict(t, rule, dns);
}

/**
 * egress_allowed_ref() - egress_allowed() with the reference lookup
 * @t:		table (needn't be committed)
 * @a:		real destination, IPv4-mapped for IPv4
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6
 * @port:	destination port (ignored for ICMP)
 * @dns:	the flow is the DNS forwarder's
 * @rule:	set to the rule that decided, -1 for the default
 *
 * Return: true if allowed
 */
bool egress_allowed_ref(const struct egress_table *t,
			const union inany_addr *a, uint8_t proto,
			uint16_t port, bool dns, int *rule)
{
	*rule = -1;
	if (!egress_active(t))
		return true;
	*rule = egress_lookup_ref(t, a, egress_proto_bit(proto), port);
	return egress_verdict(t, rule, dns);
}

/**
 * egress_spec() - the option a rule comes from, for the log
 * @t:		table
 * @rule:	rule index, -1 for the default
 *
 * Return: "--egress-deny private" and the like
 */
const char *egress_spec(const struct egress_table *t, int rule)
{
	if (rule < 0 || (unsigned int)rule >= t->rule_count)
		return t->default_deny ? "--egress-default deny" :
					 "--egress-default allow";
	return t->text + t->spec_off[t->rules[rule].spec];
}

/**
 * egress_option() - one option of the policy, as given
 * @t:		table
 * @i:		option, 0 to @t->spec_count - 1
 *
 * Return: "--egress-allow SPEC" or "--egress-deny SPEC"
 */
const char *egress_option(const struct egress_table *t, unsigned int i)
{
	return t->text + t->spec_off[i];
}

/**
 * egress_rule_fmt() - describe one rule, as expanded
 * @t:		table
 * @rule:	rule index
 * @buf:	output
 * @len:	size of @buf
 *
 * Return: snprintf()'s result
 */
int egress_rule_fmt(const struct egress_table *t, int rule, char *buf,
		    size_t len)
{
	const struct egress_rule *r = &t->rules[rule];
	char a[INET6_ADDRSTRLEN];
	const char *p;

	if (r->v4)
		inet_ntop(AF_INET, &r->prefix.v4mapped.a4, a, sizeof(a));
	else
		inet_ntop(AF_INET6, &r->prefix.a6, a, sizeof(a));
	switch (r->protos) {
	case EGRESS_TCP:
		p = " tcp";
		break;
	case EGRESS_UDP:
		p = " udp";
		break;
	case EGRESS_ICMP:
		p = " icmp";
		break;
	default:
		p = "";
	}
	return snprintf(buf, len, "%s %s/%u%s, %u port ranges, from %s",
			r->deny ? "deny" : "allow", a,
			r->v4 ? r->len - 96U : r->len, p, r->range_count,
			t->text + t->spec_off[r->spec]);
}
