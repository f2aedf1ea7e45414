/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * portspec.h - port forwarding specifications (-t, -u, -T, -U, host
 * allow-lists): parser, O(1) lookup, rule iteration, formatting
 */
#ifndef POLICY_PORTSPEC_H
#define POLICY_PORTSPEC_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bound on rules per forwarding direction: each rule is one contiguous port
 * range on one bind scope. Exclusions split ranges, so "~1,~3,~5" costs four
 * rules. Adjacent items of one option with the same scope and translation
 * are merged ("22,23" is one rule).
 */
#define PORT_RULES_MAX		256

#define PORT_BITMAP_SIZE	(65536 / 8)	/* one bit per port */
#define PORT_EPHEMERAL_DEFAULT	32768	/* if ip_local_port_range is unknown */
#define PORT_SPEC_ERR_LEN	256	/* plenty for any message we produce */

/**
 * enum port_fwd_mode - what a forwarding direction does
 * @PORT_FWD_UNSET:	option never given: the caller applies its default
 *			(lookups behave as PORT_FWD_NONE)
 * @PORT_FWD_NONE:	"none": nothing is forwarded
 * @PORT_FWD_AUTO:	"auto" (pasta): ports are discovered at run time, the
 *			static map is empty
 * @PORT_FWD_SPEC:	explicit rules ("all" is a rule covering every
 *			non-ephemeral port)
 */
enum port_fwd_mode {
	PORT_FWD_UNSET = 0,
	PORT_FWD_NONE,
	PORT_FWD_AUTO,
	PORT_FWD_SPEC,
};

/**
 * struct port_spec_rule - one contiguous forwarded range on one bind scope
 * @af:		AF_INET or AF_INET6 if an address was given, AF_UNSPEC if not
 * @addr:	bind address, if @af is not AF_UNSPEC
 * @ifname:	interface to bind to (SO_BINDTODEVICE), empty if none
 * @first:	first port of the range
 * @last:	last port of the range, @first <= @last
 * @target_first: port @first is forwarded to; the range maps linearly
 * @weak:	rule comes from "all" or from exclusions only: ports that
 *		can't be bound (in use, or privileged) are skipped, not fatal
 * @taf:	AF_INET or AF_INET6 if a target address was given
 *		("PORT:TOADDR/TOPORT"), AF_UNSPEC for the guest's address
 * @taddr:	target address in the guest, if @taf is not AF_UNSPEC
 */
struct port_spec_rule {
	int af;
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} addr;
	char ifname[IF_NAMESIZE];
	uint16_t first;
	uint16_t last;
	uint16_t target_first;
	bool weak;
	int taf;
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} taddr;
};

/**
 * struct port_fwd - forwarding configuration for one direction/protocol
 * @mode:	see enum port_fwd_mode
 * @rule_count:	valid entries in @rules
 * @rules:	rules, in the order given; no two rules with overlapping
 *		bind scopes share a port, and all rules covering one port
 *		translate it the same way
 * @map:	bitmap of ports forwarded on any scope
 * @delta:	target port is (port + delta[port]) mod 65536
 *
 * A zeroed structure is a valid, empty PORT_FWD_UNSET configuration. It's
 * large (about 140 KiB): keep it static, not on the stack.
 */
struct port_fwd {
	enum port_fwd_mode mode;
	int rule_count;
	struct port_spec_rule rules[PORT_RULES_MAX];
	uint8_t map[PORT_BITMAP_SIZE];
	uint16_t delta[65536];
};

/**
 * port_fwd_foreach() - iterate over the rules of a configuration
 * @r:		const struct port_spec_rule * cursor
 * @fwd:	const struct port_fwd *
 */
#define port_fwd_foreach(r, fwd)					\
	for ((r) = (fwd)->rules; (r) < (fwd)->rules + (fwd)->rule_count; \
	     (r)++)

void port_fwd_init(struct port_fwd *fwd);
int port_spec_parse(struct port_fwd *fwd, const char *spec, bool allow_auto,
		    uint16_t ephemeral_start, char *err, size_t errlen);
int port_allow_parse(uint8_t *map, const char *spec, uint16_t ephemeral_start,
		     char *err, size_t errlen);
bool port_fwd_udp_from_tcp(struct port_fwd *udp, const struct port_fwd *tcp);
int port_spec_fmt(const struct port_fwd *fwd, char *buf, size_t len);
int port_rule_fmt(const struct port_spec_rule *r, char *buf, size_t len);
bool port_rule_equal(const struct port_spec_rule *a,
		     const struct port_spec_rule *b);
int port_fwd_merge(struct port_fwd *dst, const struct port_fwd *add,
		   char *err, size_t errlen);
int port_fwd_remove(struct port_fwd *dst, const struct port_fwd *del,
		    char *err, size_t errlen);
uint16_t port_ephemeral_start(void);
uint16_t port_ephemeral_start_parse(const char *text);

/**
 * port_fwd_has() - is a port forwarded, on any bind scope?
 * @fwd:	configuration
 * @port:	port, host order
 *
 * Return: true if a rule covers @port (always false unless PORT_FWD_SPEC)
 */
static inline bool port_fwd_has(const struct port_fwd *fwd, uint16_t port)
{
	return fwd->map[port / 8] & (1U << (port % 8));
}

/**
 * port_fwd_target() - port a forwarded port is translated to
 * @fwd:	configuration
 * @port:	port, host order
 *
 * Return: target port, @port itself if not forwarded or not translated
 */
static inline uint16_t port_fwd_target(const struct port_fwd *fwd,
				       uint16_t port)
{
	return (uint16_t)(port + fwd->delta[port]);
}

/**
 * port_rule_target() - port a port of a given rule is translated to
 * @r:		rule
 * @port:	port within @r->first..@r->last
 *
 * Return: target port
 */
static inline uint16_t port_rule_target(const struct port_spec_rule *r,
					uint16_t port)
{
	return (uint16_t)(r->target_first + (port - r->first));
}

#endif /* POLICY_PORTSPEC_H */
