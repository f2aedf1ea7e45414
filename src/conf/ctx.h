/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctx.h - the execution context: configuration derived from the command line
 * and the host, plus the little state we learn about the guest
 *
 * One instance exists, filled by conf_parse() at start-up. Services (ARP,
 * DHCP, NDP, DHCPv6) read the configuration and update only struct guest_seen
 * and struct frame_stats.
 */
#ifndef CONF_CTX_H
#define CONF_CTX_H

#include <netinet/in.h>
#include <net/if.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/portspec.h"

struct egress_table;

#define MAX_DNS		4	/* resolvers per IP version we keep */
#define MAX_SEARCH	8	/* entries of the DNS search list */
#define DOMAIN_MAX	254	/* length of one domain name, with the dot */

#define MTU_DEFAULT	65520	/* 65535 rounded down to 32-bit words, less
				 * an 802.3 header
				 */
#define MTU_MIN_IPV4	68
#define MTU_MIN_IPV6	1280

enum run_mode {
	MODE_PASST,
	MODE_PASTA,
};

/**
 * struct ip4_conf - IPv4 configuration given to the guest
 * @enabled:	IPv4 is handled at all
 * @addr:	address assigned to the guest (DHCP yiaddr)
 * @prefix_len:	prefix length of @addr (DHCP option 1)
 * @gw:		default gateway (DHCP option 3), INADDR_ANY if none
 * @our_addr:	source address of our own replies (DHCP server identifier):
 *		@gw if set, otherwise an address in @addr's subnet that is not
 *		@addr
 * @dns:	resolvers advertised by DHCP option 6
 * @dns_count:	entries in @dns
 * @dns_match:	--dns-forward: address the guest uses for DNS, mapped to
 *		@dns_host for UDP and TCP port 53; INADDR_ANY if unset
 * @dns_host:	resolver on the host that @dns_match goes to: --dns-host,
 *		or the first IPv4 resolver given or found, loopback included
 * @host_addr:	address of the host's template interface, as discovered
 * @map_host_loopback: --map-host-loopback: guest flows to this address go to
 *		the host's 127.0.0.1; default: @gw; INADDR_ANY for none
 * @map_guest_addr: --map-guest-addr: guest flows to this address go to
 *		@host_addr (or @addr without one); INADDR_ANY for none
 */
struct ip4_conf {
	bool enabled;
	struct in_addr addr;
	int prefix_len;
	struct in_addr gw;
	struct in_addr our_addr;
	struct in_addr dns[MAX_DNS];
	int dns_count;
	struct in_addr dns_match;
	struct in_addr dns_host;
	struct in_addr host_addr;
	struct in_addr map_host_loopback;
	struct in_addr map_guest_addr;
	bool addr_given;
	bool gw_given;
};

/**
 * struct ip6_conf - IPv6 configuration given to the guest
 * @enabled:	IPv6 is handled at all
 * @addr:	address assigned to the guest (DHCPv6 IA_NA; its /64 is
 *		advertised as an on-link, autonomous prefix in RAs)
 * @prefix_len:	prefix length of @addr as found on the host (RAs use 64)
 * @gw:		gateway as configured or found on the host (may be global)
 * @our_ll:	link-local address we use as the source of NDP, RA and DHCPv6
 *		messages: @gw if that is link-local, otherwise derived from
 *		our MAC address (EUI-64)
 * @dns:	resolvers advertised by RDNSS and DHCPv6 option 23
 * @dns_count:	entries in @dns
 * @dns_match:	--dns-forward address, see struct ip4_conf
 * @dns_host:	resolver it maps to, see struct ip4_conf
 * @dns_host_scope: interface of a link-local @dns_host: its %scope in
 *		resolv.conf or --dns-host, 0 if none was given
 * @host_addr:	global address of the host's template interface
 * @map_host_loopback: --map-host-loopback, to the host's ::1, see ip4_conf
 * @map_guest_addr: --map-guest-addr, see struct ip4_conf
 */
struct ip6_conf {
	bool enabled;
	struct in6_addr addr;
	int prefix_len;
	struct in6_addr gw;
	struct in6_addr our_ll;
	struct in6_addr dns[MAX_DNS];
	int dns_count;
	struct in6_addr dns_match;
	struct in6_addr dns_host;
	unsigned int dns_host_scope;
	struct in6_addr host_addr;
	struct in6_addr map_host_loopback;
	struct in6_addr map_guest_addr;
	bool addr_given;
	bool gw_given;
};

/**
 * struct guest_seen - what we learnt from frames sent by the guest
 * @mac:	guest's MAC address, from the source of its frames
 * @mac_known:	@mac holds a value we saw
 * @addr4:	last IPv4 source address seen (not 0.0.0.0)
 * @addr6:	last global IPv6 source address seen
 * @addr6_ll:	last link-local IPv6 source address seen
 */
struct guest_seen {
	uint8_t mac[6];
	bool mac_known;
	struct in_addr addr4;
	struct in6_addr addr6;
	struct in6_addr addr6_ll;
};

/**
 * struct frame_stats - counters of frames from the guest and what became of
 * them; printed at exit in debug mode, and checked by tests
 */
struct frame_stats {
	uint64_t frames_in;		/* frames read from the guest */
	uint64_t frames_out;		/* frames sent to the guest */
	uint64_t bytes_in;		/* their bytes: busy polling looks at */
	uint64_t bytes_out;		/* how much a wake-up moved */
	uint64_t frames_dropped_out;	/* frames for the guest we dropped */
	uint64_t malformed;		/* dropped: failed validation */
	uint64_t bad_vnet;		/* of those: bad virtio-net header */
	uint64_t unhandled;		/* dropped: valid, nobody handles it */
	uint64_t frames_oversized;	/* for the guest, over FRAME_MAX: not
					 * built, or not sent
					 */
	uint64_t arp_replies;
	uint64_t dhcp_replies;
	uint64_t ndp_replies;		/* NA and RA */
	uint64_t dhcpv6_replies;
};

/**
 * struct ctx - execution context
 */
struct ctx {
	enum run_mode mode;

	/* Link layer */
	uint8_t our_mac[6];		/* -M: source of our frames */
	bool our_mac_set;
	int mtu;			/* -m: 0 means don't advertise */

	struct ip4_conf ip4;
	struct ip6_conf ip6;

	char search[MAX_SEARCH][DOMAIN_MAX + 1];	/* -S, resolv.conf */
	int search_count;
	bool dns_given;			/* -D given: don't read resolv.conf */
	bool dns_none;			/* -D none */
	bool search_given;

	/* Services, true means disabled or enabled as the name says */
	bool no_dhcp;
	bool no_ndp;
	bool no_dhcpv6;
	bool no_ra;
	bool no_dhcp_dns;		/* don't advertise resolvers */
	bool no_dhcp_search;		/* don't advertise the search list */
	bool no_tcp;
	bool no_udp;
	bool no_icmp;

	struct port_fwd tcp_in;		/* -t: host ports to the guest */
	struct port_fwd udp_in;		/* -u: host ports to the guest */
	struct port_fwd tcp_out;	/* -T: namespace ports to the host */
	struct port_fwd udp_out;	/* -U: namespace ports to the host */

	struct guest_seen seen;
	struct frame_stats stats;

	/* Host side, filled by conf from netlink and the command line */
	char ifname4[IF_NAMESIZE];	/* template interface, IPv4 */
	char ifname6[IF_NAMESIZE];	/* template interface, IPv6 */
	unsigned int ifi4;
	unsigned int ifi6;
	bool ifname_given;		/* -i */
	char outbound_if4[IF_NAMESIZE];	/* --outbound-if4 */
	char outbound_if6[IF_NAMESIZE];	/* --outbound-if6 */
	unsigned int outbound_ifi4;	/* its index, 0 if none */
	unsigned int outbound_ifi6;
	struct in_addr outbound4;	/* -o, IPv4 */
	struct in6_addr outbound6;	/* -o, IPv6 */
	bool no_map_gw;			/* --map-host-loopback none */
	bool freebind;			/* --freebind: for -t, -u sockets */

	/* Host isolation, see policy/fwd.c */
	bool no_map_host;		/* --no-map-host */
	bool host_allow_ping;		/* --host-allow-ping */
	bool host_refuse_drop;		/* --host-refuse drop */
	bool host_allow_given;		/* an allow-list option was given */
	bool host_refuse_given;		/* --host-refuse */
	uint8_t host_allow_tcp[PORT_BITMAP_SIZE];	/* --host-allow-tcp */
	uint8_t host_allow_udp[PORT_BITMAP_SIZE];	/* --host-allow-udp */
	int fd_route;			/* netlink: route lookups, or -1 */

	/* Egress policy, see policy/egress.c: NULL without any option */
	const struct egress_table *egress;
	unsigned int stats_delay;	/* --stats: seconds, 0 for none */
	unsigned int busy_poll_us;	/* --busy-poll: microseconds, 0: off */

	/* Process */
	bool runas_given;		/* --runas */
	uid_t runas_uid;
	gid_t runas_gid;
	bool foreground;
	bool debug;
	bool quiet;
	bool trace;
	bool log_stderr;		/* -e */
	char pid_file[PATH_MAX];
	char pcap_file[PATH_MAX];
	char log_file[PATH_MAX];
	size_t log_size;
	char ctl_path[PATH_MAX];	/* -c: control socket, see ctl/ */

	/* passt */
	char sock_path[PATH_MAX];	/* -s */
	int fd_tap_listen;		/* listening UNIX socket */
	int fd_given;			/* -F, or -1 */
	bool one_off;			/* -1 */
	bool vhost_user;		/* --vhost-user */

	/* pasta */
	char ns_ifname[IF_NAMESIZE];	/* -I */
	uint8_t ns_mac[6];		/* --ns-mac-addr */
	bool ns_mac_set;
	char netns_path[PATH_MAX];	/* --netns, or /proc/PID/ns/net */
	char userns_path[PATH_MAX];	/* --userns, or /proc/PID/ns/user */
	bool netns_only;
	bool no_netns_quit;
	unsigned int exit_linger_ms;	/* --exit-linger, ms: 0 exits at once */
	bool config_net;
	bool no_copy_routes;
	bool no_copy_addrs;
	int pasta_pid;			/* PID given on the command line */
	char **pasta_argv;		/* command to spawn, NULL: shell */
	int pasta_argc;
	bool no_splice;			/* --no-splice */
	bool splice_only;		/* --splice-only */
	bool host_lo_to_ns_lo;		/* --host-lo-to-ns-lo */

	/* Runtime */
	bool flows_on;			/* hand L4 frames to flows: set by
					 * main() only, so that unit tests
					 * and fuzzers never open sockets
					 */
	int fd_tap;			/* tap device or connected socket */
	int epollfd;
};

#endif /* CONF_CTX_H */
