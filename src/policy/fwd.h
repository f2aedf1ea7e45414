/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fwd.h - where new flows go: guest flows on the host, host flows in the guest
 */
#ifndef POLICY_FWD_H
#define POLICY_FWD_H

#include <stdint.h>

#include "flow/flow.h"

struct ctx;

/**
 * enum fwd_refusal - why host isolation refused a new flow from the guest
 * @FWD_ALLOWED:		not refused
 * @FWD_REFUSED_MAP_LOOPBACK:	the --map-host-loopback address
 * @FWD_REFUSED_MAP_GUEST:	the --map-guest-addr address
 * @FWD_REFUSED_LOOPBACK:	a loopback address
 * @FWD_REFUSED_UNSPEC:		0.0.0.0/8 or ::, which reach the host itself
 * @FWD_REFUSED_BCAST:		a broadcast address of the host
 * @FWD_REFUSED_MCAST:		a multicast address, looped back to the host
 * @FWD_REFUSED_LOCAL:		an address of the host (a local route)
 * @FWD_REFUSED_LOOKUP:		the route lookup failed: refused to be safe
 * @FWD_REFUSED_EGRESS_RULE:	egress policy: a deny rule matched
 * @FWD_REFUSED_EGRESS_DEFAULT:	egress policy: no rule, --egress-default deny
 * @FWD_REFUSAL_COUNT:		number of values
 */
enum fwd_refusal {
	FWD_ALLOWED = 0,
	FWD_REFUSED_MAP_LOOPBACK,
	FWD_REFUSED_MAP_GUEST,
	FWD_REFUSED_LOOPBACK,
	FWD_REFUSED_UNSPEC,
	FWD_REFUSED_BCAST,
	FWD_REFUSED_MCAST,
	FWD_REFUSED_LOCAL,
	FWD_REFUSED_LOOKUP,
	FWD_REFUSED_EGRESS_RULE,
	FWD_REFUSED_EGRESS_DEFAULT,
	FWD_REFUSAL_COUNT
};

/**
 * struct fwd_isolation_stats - host isolation counters
 * @refused_tcp:	TCP connections refused
 * @refused_udp:	UDP flows refused
 * @refused_icmp:	ICMP and ICMPv6 echo flows refused
 * @log_suppressed:	refusals not logged because of the rate limit
 */
struct fwd_isolation_stats {
	uint64_t refused_tcp;
	uint64_t refused_udp;
	uint64_t refused_icmp;
	uint64_t log_suppressed;
};

/**
 * struct fwd_guest_drops - new guest flows dropped whatever the options
 * @loopback_tcp:	TCP to a loopback or unspecified address, no mapping
 * @loopback_udp:	UDP, the same
 * @loopback_icmp:	ICMP and ICMPv6 echo, the same
 */
struct fwd_guest_drops {
	uint64_t loopback_tcp;
	uint64_t loopback_udp;
	uint64_t loopback_icmp;
};

/**
 * struct fwd_egress_stats - egress policy counters
 * @refused_tcp:	TCP connections refused
 * @refused_udp:	UDP flows refused
 * @refused_icmp:	ICMP and ICMPv6 echo flows refused
 * @by_rule:		refusals by a deny rule
 * @by_default:		refusals by --egress-default deny
 * @log_suppressed:	refusals not logged because of the rate limit
 */
struct fwd_egress_stats {
	uint64_t refused_tcp;
	uint64_t refused_udp;
	uint64_t refused_icmp;
	uint64_t by_rule;
	uint64_t by_default;
	uint64_t log_suppressed;
};

unsigned int fwd_scope6(const struct ctx *c, const struct in6_addr *a);

/* fwd_route_fn - kernel route type (RTN_*) to an address, or -errno */
typedef int (*fwd_route_fn)(const struct ctx *c, const union inany_addr *a);

int fwd_guest_target(const struct ctx *c, uint8_t proto,
		     const struct flowside *g, union inany_addr *target);
enum fwd_refusal fwd_host_policy(const struct ctx *c, uint8_t proto,
				 const union inany_addr *dst,
				 const union inany_addr *target, uint16_t port,
				 bool dns, fwd_route_fn route_type);
bool fwd_host_port_allowed(const struct ctx *c, uint8_t proto, uint16_t port);
const char *fwd_refusal_str(enum fwd_refusal why);
int fwd_isolation_init(struct ctx *c);
const struct fwd_isolation_stats *fwd_isolation_get_stats(void);
void fwd_isolation_stats_log(const struct ctx *c, int level);
const struct fwd_guest_drops *fwd_guest_drop_stats(void);
enum fwd_refusal fwd_egress_policy(const struct ctx *c, uint8_t proto,
				   const union inany_addr *target,
				   uint16_t port, bool dns, int *rule);
void fwd_egress_init(const struct ctx *c);
const struct fwd_egress_stats *fwd_egress_get_stats(void);
void fwd_egress_stats_log(const struct ctx *c, int level);

int fwd_outbound_bind(const struct ctx *c, int s, const union inany_addr *dst,
		      uint16_t port);

int fwd_inbound_guest_side(const struct ctx *c, const union inany_addr *peer,
			   uint16_t peer_port, const union inany_addr *to,
			   uint16_t port, struct flowside *g);

void fwd_map_defaults(struct ctx *c);

#endif /* POLICY_FWD_H */
