// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portspec.c - port forwarding specifications (-t, -u, -T, -U, host
 * allow-lists): parser, O(1) lookup, rule iteration, formatting
 *
 * Theory of operation
 * -------------------
 *
 * A specification is one of "none", "auto" (pasta only, the caller says
 * whether it's allowed), "all", or
 *
 *	[ADDR[%IFNAME]/ | %IFNAME/]ITEM[,ITEM]...
 *	ITEM := [~]FIRST[-LAST][:TARGET[-TARGET_LAST]]
 *
 * ADDR is an IPv4 or IPv6 address (bare, "2001:db8::1/22", or bracketed,
 * "[2001:db8::1]/22"): the first '/' ends it, as neither form contains one.
 * Ports are decimal, 1 to 65535. A target without its end ("22-80:32")
 * names the start of a target range as long as the source range.
 *
 * A rule may also name the address in the guest that it forwards to, as
 * Podman does for each container of a network namespace:
 *
 *	[ADDR[%IFNAME]/]FIRST[-LAST]:TOADDR/TARGET[-TARGET_LAST]
 *
 * TOADDR is bare or bracketed, also for IPv6 ("[::]/8080:2001:db8::7/80"):
 * it runs from the first ':' after the ports to the last '/'. Such a
 * specification holds one item (no lists, no exclusions), and the bind
 * address, if any, is of the same IP version as TOADDR.
 *
 * Each option occurrence (libvirt passes one -t per forward) is parsed on its
 * own and adds rules to what earlier occurrences configured:
 *
 * 1. every item is checked, and excluded ("~") ports are collected into a
 *    bitmap local to this occurrence: exclusions never affect other
 *    occurrences
 * 2. if there are no included items, "all" is implied: ports 1 to
 *    ephemeral_start - 1 (the lower bound of ip_local_port_range), as are
 *    the ports of "all" itself. Such rules are "weak": the caller skips
 *    ports it can't bind instead of failing
 * 3. each included range is cut into runs of non-excluded ports, and each
 *    run becomes a struct port_spec_rule carrying the bind scope (address,
 *    interface) and the translation. Rules never contain excluded ports, so
 *    whoever binds sockets just walks the rules
 * 4. each new run is checked against every rule, old and new: two rules
 *    whose scopes overlap (same address, or either is a wildcard, and same
 *    interface, or either has none) can't share a port ("Port 22 given
 *    twice"), and rules sharing a port on different scopes must translate
 *    it the same way, because lookups are by port alone
 * 5. only if all of that succeeded are the new rules committed: appended to
 *    the rule table, and written to the lookup tables. On error, the
 *    configuration is untouched
 *
 * Lookups are O(1): a bitmap of forwarded ports, and a table of deltas (the
 * target is port + delta, modulo 65536, so untranslated ports need no
 * special case). The bitmap is per port, not per scope: a connection that
 * reached a listening socket was already filtered by its bind address.
 *
 * Everything here is pure, bounded and allocation-free, except
 * port_ephemeral_start(), which reads /proc and is meant for start-up.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy/portspec.h"
#include "util/util.h"

#define EPHEMERAL_PATH	"/proc/sys/net/ipv4/ip_local_port_range"

/**
 * struct port_item - one parsed ITEM of a port list
 * @excl:	item is an exclusion ("~")
 * @first:	first port
 * @last:	last port
 * @tfirst:	target of @first (equal to @first if no target given)
 */
struct port_item {
	bool excl;
	uint16_t first;
	uint16_t last;
	uint16_t tfirst;
};

/**
 * struct port_parse - state of the parse of one option occurrence
 * @fwd:	configuration we add to (read only until commit)
 * @spec:	whole specification, for messages
 * @err:	buffer for the error message
 * @errlen:	size of @err
 * @scope:	template rule holding the bind scope of this occurrence
 * @excl:	bitmap of ports excluded by this occurrence
 * @rules:	new rules, not committed yet
 * @n:		valid entries in @rules
 */
struct port_parse {
	const struct port_fwd *fwd;
	const char *spec;
	char *err;
	size_t errlen;
	struct port_spec_rule scope;
	uint8_t excl[65536 / 8];
	struct port_spec_rule rules[PORT_RULES_MAX];
	int n;
};

/**
 * fail() - format an error message for the caller
 * @pp:		parse state, holding the error buffer
 * @fmt:	format string, then arguments
 *
 * Return: -EINVAL
 */
__attribute__((format(printf, 2, 3)))
static int fail(const struct port_parse *pp, const char *fmt, ...)
{
	va_list ap;

	if (pp->err && pp->errlen) {
		va_start(ap, fmt);
		vsnprintf(pp->err, pp->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/**
 * port_fwd_init() - reset a configuration to PORT_FWD_UNSET, no rules
 * @fwd:	configuration
 */
void port_fwd_init(struct port_fwd *fwd)
{
	memset(fwd, 0, sizeof(*fwd));
}

/**
 * read_digits() - consume decimal digits
 * @p:		cursor, advanced past the digits
 * @e:		end of the text
 * @v:		value, capped at 65536 so that it can't overflow
 *
 * Return: number of digits consumed, 0 if none
 */
static size_t read_digits(const char **p, const char *e, unsigned long *v)
{
	const char *s = *p;

	*v = 0;
	while (*p < e && **p >= '0' && **p <= '9') {
		*v = MIN(*v * 10 + (unsigned long)(**p - '0'), 65536UL);
		(*p)++;
	}
	return (size_t)(*p - s);
}

/**
 * parse_item() - parse and check one ITEM of a port list
 * @pp:		parse state
 * @s:		start of the item
 * @len:	length of the item
 * @it:		parsed item, on success
 *
 * Return: 0 on success, -EINVAL with a message in @pp->err otherwise
 */
static int parse_item(const struct port_parse *pp, const char *s, size_t len,
		      struct port_item *it)
{
	const char *p = s, *e = s + len, *num[4];
	unsigned long v[4] = { 0 };
	size_t nd[4] = { 0 };
	int i;

	if (!len)
		return fail(pp, "Empty item in port list '%s'", pp->spec);

	it->excl = (*p == '~');
	if (it->excl)
		p++;

	/* FIRST[-LAST][:TARGET[-TARGET_LAST]], numbers in v[0] to v[3] */
	num[0] = p;
	if (!(nd[0] = read_digits(&p, e, &v[0])))
		goto bad;
	if (p < e && *p == '-') {
		p++;
		num[1] = p;
		if (!(nd[1] = read_digits(&p, e, &v[1])))
			goto bad;
	}
	if (p < e && *p == ':') {
		p++;
		num[2] = p;
		if (!(nd[2] = read_digits(&p, e, &v[2])))
			goto bad;
		if (p < e && *p == '-') {
			p++;
			num[3] = p;
			if (!(nd[3] = read_digits(&p, e, &v[3])))
				goto bad;
		}
	}
	if (p != e)
		goto bad;

	for (i = 0; i < 4; i++) {
		if (!nd[i])
			continue;
		if (!v[i])
			return fail(pp, "Port 0 is not valid in '%s'",
				    pp->spec);
		if (v[i] > 65535) {
			return fail(pp, "Port %.*s is out of range (1-65535) "
				    "in '%s'", (int)nd[i], num[i], pp->spec);
		}
	}

	it->first = (uint16_t)v[0];
	it->last = nd[1] ? (uint16_t)v[1] : it->first;
	if (it->last < it->first) {
		return fail(pp, "Invalid port range '%.*s' in '%s'",
			    (int)len, s, pp->spec);
	}

	if (!nd[2]) {
		it->tfirst = it->first;
		return 0;
	}
	if (it->excl) {
		return fail(pp, "Excluded ports can't have a target: '%.*s' "
			    "in '%s'", (int)len, s, pp->spec);
	}

	it->tfirst = (uint16_t)v[2];
	if (nd[3] && v[3] < v[2]) {
		return fail(pp, "Invalid target port range '%.*s' in '%s'",
			    (int)len, s, pp->spec);
	}
	if (nd[3] && v[3] - v[2] != (unsigned long)(it->last - it->first)) {
		return fail(pp, "Target range length differs from source "
			    "range length in '%.*s' in '%s'",
			    (int)len, s, pp->spec);
	}
	if (v[2] + (unsigned long)(it->last - it->first) > 65535) {
		return fail(pp, "Target range of '%.*s' goes past port 65535 "
			    "in '%s'", (int)len, s, pp->spec);
	}
	return 0;

bad:
	return fail(pp, "Invalid port specification '%.*s' in '%s'",
		    (int)len, s, pp->spec);
}

/**
 * parse_ifname() - parse and check an interface name
 * @pp:		parse state, @pp->scope.ifname is set on success
 * @s:		start of the name
 * @len:	length of the name
 *
 * Return: 0 on success, -EINVAL with a message in @pp->err otherwise
 */
static int parse_ifname(struct port_parse *pp, const char *s, size_t len)
{
	size_t i;

	if (!len)
		return fail(pp, "Missing interface name after '%%' in '%s'",
			    pp->spec);
	if (len >= IF_NAMESIZE) {
		return fail(pp, "Interface name '%.*s' too long (max %d "
			    "characters) in '%s'", (int)len, s,
			    IF_NAMESIZE - 1, pp->spec);
	}

	/* Same rules as the kernel's dev_valid_name() */
	for (i = 0; i < len; i++) {
		if (s[i] == '/' || s[i] == ':' || s[i] == '%' ||
		    isspace((unsigned char)s[i]))
			goto bad;
	}
	if ((len == 1 && s[0] == '.') || (len == 2 && !memcmp(s, "..", 2)))
		goto bad;

	memcpy(pp->scope.ifname, s, len);
	pp->scope.ifname[len] = '\0';
	return 0;

bad:
	return fail(pp, "Invalid interface name '%.*s' in '%s'", (int)len, s,
		    pp->spec);
}

/**
 * parse_addr() - parse a bare IPv4 or IPv6 address
 * @pp:		parse state, @pp->scope.af and .addr are set on success
 * @s:		start of the address
 * @len:	length of the address
 *
 * Return: 0 on success, -EINVAL with a message in @pp->err otherwise
 */
static int parse_addr(struct port_parse *pp, const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	int af;

	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';

	af = memchr(s, ':', len) ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, &pp->scope.addr) != 1)
		goto bad;
	pp->scope.af = af;
	return 0;

bad:
	return fail(pp, "Invalid address '%.*s' in '%s'", (int)len, s,
		    pp->spec);
}

/**
 * parse_scope() - parse the ADDR[%IFNAME] or %IFNAME part before '/'
 * @pp:		parse state, @pp->scope is set on success
 * @s:		start of the text
 * @len:	length of the text, up to and excluding '/'
 *
 * Return: 0 on success, -EINVAL with a message in @pp->err otherwise
 */
static int parse_scope(struct port_parse *pp, const char *s, size_t len)
{
	const char *e = s + len, *a = s, *ae, *pct, *rb = NULL;
	int rc;

	if (!len) {
		return fail(pp, "Missing address or interface before '/' "
			    "in '%s'", pp->spec);
	}

	if (*s == '[') {
		/* [ADDR[%IFNAME]][%IFNAME], IPv6 only */
		rb = memchr(s, ']', len);
		if (!rb)
			return fail(pp, "Missing ']' in '%s'", pp->spec);
		a = s + 1;
		if (rb + 1 < e && rb[1] != '%')
			goto bad;
		pct = memchr(a, '%', (size_t)(rb - a));
		if (pct && rb + 1 < e)
			goto bad;
		ae = pct ? pct : rb;
		if (!pct && rb + 1 < e)
			pct = rb + 1;
		if (ae == a || !memchr(a, ':', (size_t)(ae - a)))
			goto bad;
	} else {
		pct = memchr(s, '%', len);
		ae = pct ? pct : e;
	}

	if (pct) {
		const char *ie = (rb && pct < rb) ? rb : e;

		rc = parse_ifname(pp, pct + 1, (size_t)(ie - pct - 1));
		if (rc)
			return rc;
	}

	if (ae == a)
		return 0;	/* %IFNAME/ alone */

	rc = parse_addr(pp, a, (size_t)(ae - a));
	if (rc)
		return rc;

	if (pp->scope.af == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&pp->scope.addr.a6) && !pct) {
		return fail(pp, "Link-local address '%.*s' needs an interface "
			    "(ADDR%%IFNAME/) in '%s'", (int)(ae - a), a,
			    pp->spec);
	}
	return 0;

bad:
	return fail(pp, "Invalid address '%.*s' in '%s'", (int)len, s,
		    pp->spec);
}

/**
 * addr_as_v4() - view an address as IPv4 if it is one, or v4-mapped
 * @r:		rule holding the address (not AF_UNSPEC)
 * @a4:		IPv4 address, set if the return value is true
 *
 * Return: true if the address is IPv4
 */
static bool addr_as_v4(const struct port_spec_rule *r, struct in_addr *a4)
{
	if (r->af == AF_INET) {
		*a4 = r->addr.a4;
		return true;
	}
	if (IN6_IS_ADDR_V4MAPPED(&r->addr.a6)) {
		memcpy(a4, &r->addr.a6.s6_addr[12], sizeof(*a4));
		return true;
	}
	return false;
}

/**
 * addr_overlap() - can sockets bound to two addresses see the same traffic?
 * @a:		first rule
 * @b:		second rule
 *
 * No address is a wildcard for both families, as is "::" (dual-stack
 * sockets are the default), "0.0.0.0" is one for IPv4.
 *
 * Return: true if the bind addresses of @a and @b overlap
 */
static bool addr_overlap(const struct port_spec_rule *a,
			 const struct port_spec_rule *b)
{
	struct in_addr a4, b4;
	bool av4, bv4;

	if (a->af == AF_UNSPEC || b->af == AF_UNSPEC)
		return true;
	if ((a->af == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a->addr.a6)) ||
	    (b->af == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&b->addr.a6)))
		return true;

	av4 = addr_as_v4(a, &a4);
	bv4 = addr_as_v4(b, &b4);
	if (av4 != bv4)
		return false;
	if (av4) {
		return a4.s_addr == INADDR_ANY || b4.s_addr == INADDR_ANY ||
		       a4.s_addr == b4.s_addr;
	}
	return IN6_ARE_ADDR_EQUAL(&a->addr.a6, &b->addr.a6);
}

/**
 * scope_overlap() - do the bind scopes of two rules overlap?
 * @a:		first rule
 * @b:		second rule
 *
 * Return: true if addresses overlap, and interfaces are equal or either is
 *	   unset, and the target addresses, if both rules have one, are of
 *	   the same IP version
 */
static bool scope_overlap(const struct port_spec_rule *a,
			  const struct port_spec_rule *b)
{
	if (*a->ifname && *b->ifname && strcmp(a->ifname, b->ifname))
		return false;
	/* A rule with a target address is bound for its IP version only */
	if (a->taf != AF_UNSPEC && b->taf != AF_UNSPEC && a->taf != b->taf)
		return false;
	return addr_overlap(a, b);
}

/**
 * scope_equal() - are the bind scopes of two rules the same?
 * @a:		first rule
 * @b:		second rule
 *
 * Return: true if address family, address and interface are all equal
 */
static bool scope_equal(const struct port_spec_rule *a,
			const struct port_spec_rule *b)
{
	if (a->af != b->af || strcmp(a->ifname, b->ifname))
		return false;
	if (a->af == AF_INET)
		return a->addr.a4.s_addr == b->addr.a4.s_addr;
	if (a->af == AF_INET6)
		return IN6_ARE_ADDR_EQUAL(&a->addr.a6, &b->addr.a6);
	return true;
}

/**
 * rule_delta() - translation of a rule, as stored in the delta table
 * @r:		rule
 *
 * Return: target minus port, modulo 65536
 */
static uint16_t rule_delta(const struct port_spec_rule *r)
{
	return (uint16_t)(r->target_first - r->first);
}

/**
 * check_conflict() - check a new rule against an existing one
 * @pp:		parse state
 * @n:		new rule
 * @o:		existing rule, committed or not
 *
 * Return: 0 if they can coexist, -EINVAL with a message otherwise
 */
static int check_conflict(const struct port_parse *pp,
			  const struct port_spec_rule *n,
			  const struct port_spec_rule *o)
{
	unsigned int lo = MAX(n->first, o->first);
	unsigned int hi = MIN(n->last, o->last);

	if (lo > hi)
		return 0;

	if (scope_overlap(n, o))
		return fail(pp, "Port %u given twice in '%s'", lo, pp->spec);

	if (rule_delta(n) != rule_delta(o)) {
		return fail(pp, "Port %u forwarded to both %u and %u, on "
			    "different addresses, in '%s'", lo,
			    port_rule_target(o, (uint16_t)lo),
			    port_rule_target(n, (uint16_t)lo), pp->spec);
	}
	return 0;
}

/**
 * add_run() - add a run of non-excluded ports as a new rule
 * @pp:		parse state
 * @first:	first port of the run
 * @last:	last port of the run
 * @tfirst:	target of @first
 * @weak:	ports come from "all" or from exclusions only
 *
 * Return: 0 on success, -EINVAL with a message in @pp->err otherwise
 */
static int add_run(struct port_parse *pp, uint16_t first, uint16_t last,
		   uint16_t tfirst, bool weak)
{
	struct port_spec_rule r = pp->scope, *prev;
	int i, rc;

	r.first = first;
	r.last = last;
	r.target_first = tfirst;
	r.weak = weak;

	for (i = 0; i < pp->fwd->rule_count; i++) {
		if ((rc = check_conflict(pp, &r, &pp->fwd->rules[i])))
			return rc;
	}
	for (i = 0; i < pp->n; i++) {
		if ((rc = check_conflict(pp, &r, &pp->rules[i])))
			return rc;
	}

	/* Merge with the previous rule if contiguous: same scope, ports
	 * and targets both follow on
	 */
	prev = pp->n ? &pp->rules[pp->n - 1] : NULL;
	if (prev && prev->weak == weak && prev->last + 1 == first &&
	    rule_delta(prev) == rule_delta(&r)) {
		prev->last = last;
		return 0;
	}

	if (pp->fwd->rule_count + pp->n >= PORT_RULES_MAX) {
		return fail(pp, "Too many port forwarding rules (max %d) "
			    "with '%s'", PORT_RULES_MAX, pp->spec);
	}
	pp->rules[pp->n++] = r;
	return 0;
}

/**
 * is_excluded() - is a port in the exclusion bitmap of this occurrence?
 * @pp:		parse state
 * @port:	port
 *
 * Return: true if excluded
 */
static bool is_excluded(const struct port_parse *pp, unsigned int port)
{
	return pp->excl[port / 8] & (1U << (port % 8));
}

/**
 * add_range() - add a range, less excluded ports, as one or more rules
 * @pp:		parse state
 * @first:	first port
 * @last:	last port
 * @tfirst:	target of @first
 * @weak:	ports come from "all" or from exclusions only
 *
 * Return: 0 on success, -EINVAL with a message in @pp->err otherwise
 */
static int add_range(struct port_parse *pp, unsigned int first,
		     unsigned int last, unsigned int tfirst, bool weak)
{
	unsigned int p = first, start;
	int rc;

	while (p <= last) {
		while (p <= last && is_excluded(pp, p))
			p++;
		if (p > last)
			break;
		start = p;
		while (p <= last && !is_excluded(pp, p))
			p++;
		rc = add_run(pp, (uint16_t)start, (uint16_t)(p - 1),
			     (uint16_t)(tfirst + (start - first)), weak);
		if (rc)
			return rc;
	}
	return 0;
}

/**
 * commit() - append new rules and fill the lookup tables
 * @fwd:	configuration to update
 * @pp:		parse state holding the checked new rules
 */
static void commit(struct port_fwd *fwd, const struct port_parse *pp)
{
	int i;

	for (i = 0; i < pp->n; i++) {
		const struct port_spec_rule *r = &pp->rules[i];
		unsigned int p;

		fwd->rules[fwd->rule_count++] = *r;
		for (p = r->first; p <= r->last; p++) {
			fwd->map[p / 8] |= (uint8_t)(1U << (p % 8));
			fwd->delta[p] = rule_delta(r);
		}
	}
	fwd->mode = PORT_FWD_SPEC;
}

/**
 * set_keyword_mode() - apply "none" or "auto"
 * @fwd:	configuration
 * @pp:		parse state, for messages
 * @mode:	PORT_FWD_NONE or PORT_FWD_AUTO
 *
 * Repeating the same keyword is harmless; mixing it with anything else
 * isn't allowed.
 *
 * Return: 0 on success, -EINVAL with a message otherwise
 */
static int set_keyword_mode(struct port_fwd *fwd, const struct port_parse *pp,
			    enum port_fwd_mode mode)
{
	if (fwd->mode != PORT_FWD_UNSET && fwd->mode != mode) {
		return fail(pp, "'%s' can't be combined with other port "
			    "forwarding specifications", pp->spec);
	}
	fwd->mode = mode;
	return 0;
}

/**
 * parse_target_form() - split "PORTS:TOADDR/TPORTS", parse TOADDR
 * @pp:		parse state, @pp->scope.taf and .taddr are set on success
 * @list:	text after the bind scope, holding a '/'
 * @item:	buffer for the remaining "PORTS:TPORTS" item
 * @len:	size of @item
 *
 * Return: 0 on success, -EINVAL with a message in @pp->err otherwise
 */
static int parse_target_form(struct port_parse *pp, const char *list,
			     char *item, size_t len)
{
	const char *colon = strchr(list, ':'), *slash = strrchr(list, '/');
	const char *a, *ae;
	char buf[INET6_ADDRSTRLEN];
	size_t alen;
	int af;

	if (!colon || colon > slash || strpbrk(list, ",~") ||
	    (size_t)(colon - list) + strlen(slash + 1) + 2 > len)
		goto bad;

	a = colon + 1;
	ae = slash;
	if (ae > a && *a == '[' && ae[-1] == ']') {
		a++;
		ae--;
	}
	alen = (size_t)(ae - a);
	if (!alen || alen >= sizeof(buf) || memchr(a, '%', alen))
		return fail(pp, "Invalid target address '%.*s' in '%s'",
			    (int)(slash - colon - 1), colon + 1, pp->spec);
	memcpy(buf, a, alen);
	buf[alen] = '\0';
	af = memchr(a, ':', alen) ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, &pp->scope.taddr) != 1)
		return fail(pp, "Invalid target address '%s' in '%s'", buf,
			    pp->spec);
	if (af == AF_INET ? pp->scope.taddr.a4.s_addr == INADDR_ANY :
			    IN6_IS_ADDR_UNSPECIFIED(&pp->scope.taddr.a6))
		return fail(pp, "Target address can't be unspecified in '%s'",
			    pp->spec);
	pp->scope.taf = af;

	if (pp->scope.af != AF_UNSPEC) {
		struct in_addr v4;

		if (addr_as_v4(&pp->scope, &v4) != (af == AF_INET) &&
		    !(pp->scope.af == AF_INET6 &&
		      IN6_IS_ADDR_UNSPECIFIED(&pp->scope.addr.a6) &&
		      af == AF_INET6)) {
			return fail(pp, "Bind and target addresses are of "
				    "different IP versions in '%s'",
				    pp->spec);
		}
	}

	snprintf(item, len, "%.*s:%s", (int)(colon - list), list, slash + 1);
	return 0;

bad:
	return fail(pp, "Invalid port specification with a target address "
		    "'%s' (FIRST[-LAST]:TOADDR/TARGET[-LAST])", pp->spec);
}

/**
 * port_spec_parse() - parse one occurrence of a port forwarding option
 * @fwd:	configuration to add to, zeroed (or port_fwd_init()) at first
 * @spec:	specification, see the theory of operation above
 * @allow_auto:	accept "auto" (pasta forwarding options)
 * @ephemeral_start: first ephemeral port, see port_ephemeral_start(); "all"
 *		and exclusion-only lists stop below it. 0: default, 32768
 * @err:	buffer for a human-readable error message, may be NULL
 * @errlen:	size of @err, PORT_SPEC_ERR_LEN is enough
 *
 * Return: 0 on success, -EINVAL on error, with @fwd unchanged
 */
int port_spec_parse(struct port_fwd *fwd, const char *spec, bool allow_auto,
		    uint16_t ephemeral_start, char *err, size_t errlen)
{
	/* Large (about 20 KiB) but only used at start-up, and no global
	 * state: keep it on the stack
	 */
	struct port_parse pp;
	const char *list, *slash, *s, *e;
	char item[32];
	struct port_item it;
	bool any_incl = false;
	unsigned int p;
	int rc;

	if (!ephemeral_start)
		ephemeral_start = PORT_EPHEMERAL_DEFAULT;

	pp.fwd = fwd;
	pp.spec = spec;
	pp.err = err;
	pp.errlen = errlen;
	pp.n = 0;
	memset(&pp.scope, 0, sizeof(pp.scope));
	pp.scope.af = AF_UNSPEC;
	memset(pp.excl, 0, sizeof(pp.excl));

	if (!*spec)
		return fail(&pp, "Empty port forwarding specification");

	if (!strcmp(spec, "none"))
		return set_keyword_mode(fwd, &pp, PORT_FWD_NONE);

	if (!strcmp(spec, "auto")) {
		if (!allow_auto)
			return fail(&pp, "'auto' is only valid for pasta's "
				    "forwarding options");
		return set_keyword_mode(fwd, &pp, PORT_FWD_AUTO);
	}

	if (fwd->mode == PORT_FWD_NONE || fwd->mode == PORT_FWD_AUTO) {
		return fail(&pp, "'%s' can't be combined with '%s'", spec,
			    fwd->mode == PORT_FWD_NONE ? "none" : "auto");
	}

	if (!strcmp(spec, "all")) {
		if (ephemeral_start > 1) {
			rc = add_range(&pp, 1, ephemeral_start - 1U, 1, true);
			if (rc)
				return rc;
		}
		commit(fwd, &pp);
		return 0;
	}

	list = spec;
	slash = strchr(spec, '/');
	if (slash) {
		rc = parse_scope(&pp, spec, (size_t)(slash - spec));
		if (rc)
			return rc;
		list = slash + 1;
	}
	if (!*list)
		return fail(&pp, "Missing port list in '%s'", spec);
	if (strchr(list, '/') && strchr(list, ':') &&
	    strchr(list, ':') < strrchr(list, '/')) {
		rc = parse_target_form(&pp, list, item, sizeof(item));
		if (rc)
			return rc;
		list = item;
	}

	/* First pass: check every item, collect exclusions */
	for (s = list; ; s = e + 1) {
		e = strchrnul(s, ',');
		if ((rc = parse_item(&pp, s, (size_t)(e - s), &it)))
			return rc;
		if (it.excl) {
			for (p = it.first; p <= it.last; p++)
				pp.excl[p / 8] |= (uint8_t)(1U << (p % 8));
		} else {
			any_incl = true;
		}
		if (!*e)
			break;
	}

	/* Second pass: included ranges, or everything, less exclusions */
	if (!any_incl) {
		if (ephemeral_start > 1) {
			rc = add_range(&pp, 1, ephemeral_start - 1U, 1, true);
			if (rc)
				return rc;
		}
	} else {
		for (s = list; ; s = e + 1) {
			e = strchrnul(s, ',');
			parse_item(&pp, s, (size_t)(e - s), &it);
			if (!it.excl) {
				rc = add_range(&pp, it.first, it.last,
					       it.tfirst, false);
				if (rc)
					return rc;
			}
			if (!*e)
				break;
		}
	}

	commit(fwd, &pp);
	return 0;
}

/**
 * port_fwd_udp_from_tcp() - derive the default UDP forwarding from TCP
 * @udp:	UDP configuration, changed only if no option set it
 * @tcp:	TCP configuration in the same direction
 *
 * UDP ports with numbers of forwarded TCP ports are forwarded too, on the
 * same bind scopes, but without port translation.
 *
 * Return: true if @udp was derived from @tcp
 */
bool port_fwd_udp_from_tcp(struct port_fwd *udp, const struct port_fwd *tcp)
{
	int i;

	if (udp->mode != PORT_FWD_UNSET || tcp->mode != PORT_FWD_SPEC)
		return false;

	port_fwd_init(udp);
	for (i = 0; i < tcp->rule_count; i++) {
		struct port_spec_rule *r = &udp->rules[i];
		unsigned int p;

		*r = tcp->rules[i];
		r->target_first = r->first;
		/* Only implied: a UDP port that's taken is skipped, it
		 * doesn't stop the TCP forwarding the user asked for
		 */
		r->weak = true;
		for (p = r->first; p <= r->last; p++)
			udp->map[p / 8] |= (uint8_t)(1U << (p % 8));
	}
	udp->rule_count = tcp->rule_count;
	udp->mode = PORT_FWD_SPEC;
	return true;
}

/**
 * struct fmt_buf - bounded string builder
 * @buf:	output buffer
 * @len:	size of @buf
 * @pos:	length of the full output so far, even if truncated
 */
struct fmt_buf {
	char *buf;
	size_t len;
	size_t pos;
};

/**
 * fmt_add() - append formatted text, truncating silently
 * @f:		string builder
 * @fmt:	format string, then arguments
 */
__attribute__((format(printf, 2, 3)))
static void fmt_add(struct fmt_buf *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(f->pos < f->len ? f->buf + f->pos : NULL,
		      f->pos < f->len ? f->len - f->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->pos += (size_t)n;
}

/**
 * fmt_scope() - append the ADDR%IFNAME/ prefix of a rule, if any
 * @f:		string builder
 * @r:		rule
 */
static void fmt_scope(struct fmt_buf *f, const struct port_spec_rule *r)
{
	char a[INET6_ADDRSTRLEN] = "";

	bool br = r->af == AF_INET6 && r->taf != AF_UNSPEC && !*r->ifname;

	if (r->af != AF_UNSPEC)
		inet_ntop(r->af, &r->addr, a, sizeof(a));
	if (!*a && !*r->ifname)
		return;
	fmt_add(f, "%s%s%s%s%s/", br ? "[" : "", a, br ? "]" : "",
		*r->ifname ? "%" : "", r->ifname);
}

/**
 * fmt_ports() - append the ports of a rule, with their target
 * @f:		string builder
 * @r:		rule
 */
static void fmt_ports(struct fmt_buf *f, const struct port_spec_rule *r)
{
	char a[INET6_ADDRSTRLEN] = "";

	fmt_add(f, "%u", r->first);
	if (r->last != r->first)
		fmt_add(f, "-%u", r->last);
	if (r->taf != AF_UNSPEC) {
		inet_ntop(r->taf, &r->taddr, a, sizeof(a));
		fmt_add(f, ":%s%s%s/%u", r->taf == AF_INET6 ? "[" : "", a,
			r->taf == AF_INET6 ? "]" : "", r->target_first);
		if (r->last != r->first)
			fmt_add(f, "-%u", port_rule_target(r, r->last));
	} else if (r->target_first != r->first) {
		fmt_add(f, ":%u", r->target_first);
		if (r->last != r->first)
			fmt_add(f, "-%u", port_rule_target(r, r->last));
	}
}

/**
 * port_spec_fmt() - describe a configuration, for logs
 * @fwd:	configuration
 * @buf:	output buffer, always terminated if @len is not 0
 * @len:	size of @buf
 *
 * Rules sharing a scope are joined in one list, lists are separated by
 * spaces: each list is itself a valid specification, e.g.
 * "20-24,26-30:126-130 192.0.2.1%eth0/22"
 *
 * Return: length of the full description, as snprintf()
 */
int port_spec_fmt(const struct port_fwd *fwd, char *buf, size_t len)
{
	struct fmt_buf f = { buf, len, 0 };
	int i;

	if (len)
		*buf = '\0';

	if (fwd->mode == PORT_FWD_AUTO) {
		fmt_add(&f, "auto");
		return (int)f.pos;
	}
	if (fwd->mode != PORT_FWD_SPEC || !fwd->rule_count) {
		fmt_add(&f, "none");
		return (int)f.pos;
	}

	for (i = 0; i < fwd->rule_count; i++) {
		const struct port_spec_rule *r = &fwd->rules[i];

		if (!i || r->taf != AF_UNSPEC ||
		    fwd->rules[i - 1].taf != AF_UNSPEC ||
		    !scope_equal(r, &fwd->rules[i - 1])) {
			if (i)
				fmt_add(&f, " ");
			fmt_scope(&f, r);
		} else {
			fmt_add(&f, ",");
		}
		fmt_ports(&f, r);
	}
	return (int)f.pos;
}

/**
 * port_rule_fmt() - describe one rule as a specification of its own
 * @r:		rule
 * @buf:	output buffer, always terminated if @len is not 0
 * @len:	size of @buf
 *
 * The output parses back to @r, e.g. "0.0.0.0/8080:198.51.100.7/80", or
 * "all" ports below the ephemeral range as "1-32767" (weak rules aren't
 * told apart).
 *
 * Return: length of the full description, as snprintf()
 */
int port_rule_fmt(const struct port_spec_rule *r, char *buf, size_t len)
{
	struct fmt_buf f = { buf, len, 0 };

	if (len)
		*buf = '\0';
	fmt_scope(&f, r);
	fmt_ports(&f, r);
	return (int)f.pos;
}

/**
 * port_rule_equal() - are two rules the same, field by field?
 * @a:		first rule
 * @b:		second rule
 *
 * Return: true if bind scope, ports, translation and target address match
 */
bool port_rule_equal(const struct port_spec_rule *a,
		     const struct port_spec_rule *b)
{
	if (!scope_equal(a, b) || a->first != b->first ||
	    a->last != b->last || a->target_first != b->target_first ||
	    a->taf != b->taf)
		return false;
	if (a->taf == AF_INET)
		return a->taddr.a4.s_addr == b->taddr.a4.s_addr;
	if (a->taf == AF_INET6)
		return IN6_ARE_ADDR_EQUAL(&a->taddr.a6, &b->taddr.a6);
	return true;
}

/**
 * rules_rebuild() - refill the lookup tables of a configuration from its rules
 * @fwd:	configuration
 */
static void rules_rebuild(struct port_fwd *fwd)
{
	int i;

	memset(fwd->map, 0, sizeof(fwd->map));
	memset(fwd->delta, 0, sizeof(fwd->delta));
	for (i = 0; i < fwd->rule_count; i++) {
		const struct port_spec_rule *r = &fwd->rules[i];
		unsigned int p;

		for (p = r->first; p <= r->last; p++) {
			fwd->map[p / 8] |= (uint8_t)(1U << (p % 8));
			fwd->delta[p] = rule_delta(r);
		}
	}
}

/**
 * port_fwd_merge() - add the rules of one configuration to another
 * @dst:	configuration to add to (PORT_FWD_UNSET, _NONE or _SPEC)
 * @add:	rules to add, as parsed by port_spec_parse()
 * @err:	buffer for a human-readable error message, may be NULL
 * @errlen:	size of @err
 *
 * A rule that @dst already holds, exactly, is skipped: adding it again is
 * not an error. Any other rule is checked against every rule of @dst and
 * every rule added before it, as port_spec_parse() checks a new option.
 *
 * Return: 0 on success, -EINVAL on error, with @dst unchanged
 */
int port_fwd_merge(struct port_fwd *dst, const struct port_fwd *add,
		   char *err, size_t errlen)
{
	/* About 20 KiB, as in port_spec_parse(): run-time changes only */
	struct port_parse pp;
	char text[PORT_SPEC_ERR_LEN / 2];
	int i, j, rc;

	if (dst->mode == PORT_FWD_AUTO) {
		if (err && errlen)
			snprintf(err, errlen, "automatic forwarding ('auto') "
				 "can't be changed");
		return -EINVAL;
	}

	memset(&pp, 0, sizeof(pp));
	pp.fwd = dst;
	pp.spec = text;
	pp.err = err;
	pp.errlen = errlen;

	for (i = 0; i < add->rule_count; i++) {
		const struct port_spec_rule *r = &add->rules[i];
		bool dup = false;

		for (j = 0; j < dst->rule_count && !dup; j++)
			dup = port_rule_equal(r, &dst->rules[j]);
		for (j = 0; j < pp.n && !dup; j++)
			dup = port_rule_equal(r, &pp.rules[j]);
		if (dup)
			continue;

		port_rule_fmt(r, text, sizeof(text));
		for (j = 0; j < dst->rule_count; j++) {
			if ((rc = check_conflict(&pp, r, &dst->rules[j])))
				return rc;
		}
		for (j = 0; j < pp.n; j++) {
			if ((rc = check_conflict(&pp, r, &pp.rules[j])))
				return rc;
		}
		if (dst->rule_count + pp.n >= PORT_RULES_MAX) {
			return fail(&pp, "Too many port forwarding rules "
				    "(max %d) with '%s'", PORT_RULES_MAX, text);
		}
		pp.rules[pp.n++] = *r;
	}

	commit(dst, &pp);
	return 0;
}

/**
 * port_fwd_remove() - remove rules from a configuration
 * @dst:	configuration to remove from
 * @del:	rules to remove, as parsed by port_spec_parse()
 * @err:	buffer for a human-readable error message, may be NULL
 * @errlen:	size of @err
 *
 * Each rule of @del must be in @dst exactly (port_rule_equal()).
 *
 * Return: 0 on success, -ENOENT if a rule isn't there, with @dst unchanged
 */
int port_fwd_remove(struct port_fwd *dst, const struct port_fwd *del,
		    char *err, size_t errlen)
{
	bool gone[PORT_RULES_MAX] = { false };
	int i, j, n;

	for (i = 0; i < del->rule_count; i++) {
		for (j = 0; j < dst->rule_count; j++) {
			if (!gone[j] &&
			    port_rule_equal(&del->rules[i], &dst->rules[j]))
				break;
		}
		if (j == dst->rule_count) {
			char text[PORT_SPEC_ERR_LEN / 2];

			port_rule_fmt(&del->rules[i], text, sizeof(text));
			if (err && errlen)
				snprintf(err, errlen, "No such rule: '%s'",
					 text);
			return -ENOENT;
		}
		gone[j] = true;
	}

	for (i = n = 0; i < dst->rule_count; i++) {
		if (!gone[i])
			dst->rules[n++] = dst->rules[i];
	}
	dst->rule_count = n;
	rules_rebuild(dst);
	return 0;
}

/**
 * port_ephemeral_start_parse() - first port of ip_local_port_range contents
 * @text:	file contents, "FIRST<whitespace>LAST"
 *
 * Return: FIRST, or PORT_EPHEMERAL_DEFAULT if it's not a valid port
 */
uint16_t port_ephemeral_start_parse(const char *text)
{
	unsigned long v;
	const char *p;

	while (isspace((unsigned char)*text))
		text++;
	p = text;
	if (!read_digits(&p, p + strlen(p), &v) || !v || v > 65535 ||
	    (*p && !isspace((unsigned char)*p)))
		return PORT_EPHEMERAL_DEFAULT;
	return (uint16_t)v;
}

/**
 * port_ephemeral_start() - read the first ephemeral port from /proc
 *
 * For start-up only: opens a file under /proc, the first time only.
 *
 * Return: lower bound of ip_local_port_range, PORT_EPHEMERAL_DEFAULT if the
 *	   file can't be read
 */
uint16_t port_ephemeral_start(void)
{
	static uint16_t start;
	char buf[64];
	ssize_t n;
	int fd;

	/* Each option with ports asks: read the file once */
	if (start)
		return start;
	start = PORT_EPHEMERAL_DEFAULT;
	fd = open(EPHEMERAL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return start;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return start;
	buf[n] = '\0';
	start = port_ephemeral_start_parse(buf);
	return start;
}

/**
 * port_allow_parse() - parse one occurrence of a host allow-list option
 * @map:	bitmap of allowed ports to add to (PORT_BITMAP_SIZE bytes)
 * @spec:	comma-separated list of ports, ranges and exclusions, as for
 *		-t and -u, without bind scope, target ports or keywords
 * @ephemeral_start: first ephemeral port, as for port_spec_parse()
 * @err:	buffer for a human-readable error message, may be NULL
 * @errlen:	size of @err
 *
 * An allow-list names host ports, whatever host address the guest used: an
 * address or interface, a target port, "all", "none" and "auto" make no
 * sense there, and are errors rather than something the operator didn't
 * mean. So are port 0 and an empty list.
 *
 * Return: 0 on success, -EINVAL on error, with @map unchanged
 */
int port_allow_parse(uint8_t *map, const char *spec, uint16_t ephemeral_start,
		     char *err, size_t errlen)
{
	static struct port_fwd tmp;
	const char *why = NULL;
	int i;

	if (!*spec)
		why = "empty list of ports";
	else if (!strcmp(spec, "none") || !strcmp(spec, "all") ||
		 !strcmp(spec, "auto"))
		why = "a list of ports is needed, not a keyword";
	else if (strchr(spec, '/') || strchr(spec, '%'))
		why = "ports apply to every host address: no address or "
		      "interface";
	else if (strchr(spec, ':'))
		why = "ports can't be translated";
	if (why) {
		if (err && errlen)
			snprintf(err, errlen, "%s in '%s'", why, spec);
		return -EINVAL;
	}

	port_fwd_init(&tmp);
	if (port_spec_parse(&tmp, spec, false, ephemeral_start, err, errlen))
		return -EINVAL;
	for (i = 0; i < PORT_BITMAP_SIZE; i++)
		map[i] |= tmp.map[i];
	return 0;
}
