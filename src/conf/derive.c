// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * derive.c - configuration derived from the host
 *
 * Theory of operation: after conf_parse() has recorded the command line,
 * conf_derive() fills the gaps from the host: the template interface (first
 * default route per IP version, or -i, or --outbound-if4/6), its addresses,
 * prefix, gateway and MAC address over netlink, and resolvers and search
 * domains from /etc/resolv.conf. Values given on the command line always win.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <net/if.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "ns/netlink.h"
#include "policy/fwd.h"
#include "sandbox/sandbox.h"
#include "util/log.h"
#include "util/util.h"

#include "conf/conf_int.h"

/* Default MAC address of our side if the template interface has none (for
 * example a tun or PPP device): locally administered, unicast
 */
static const uint8_t mac_fallback[6] = { 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 };

/**
 * conf_ifindex() - find the index of a named interface on the host
 * @name:	interface name
 * @opt:	option it came from, for the message
 *
 * Return: interface index, exits if there's no such interface
 */
static unsigned int conf_ifindex(const char *name, const char *opt)
{
	unsigned int ifi = if_nametoindex(name);

	if (!ifi)
		conf_die("No such interface for %s: %s", opt, name);
	return ifi;
}

/**
 * conf_ip4() - derive the IPv4 configuration from the host
 * @c:		execution context
 * @nl:		netlink socket in the host's namespace
 */
static void conf_ip4(struct ctx *c, int nl)
{
	struct ip4_conf *ip4 = &c->ip4;
	struct in_addr host_addr = { 0 };
	int host_prefix = 0;

	if (*c->outbound_if4)
		c->outbound_ifi4 = conf_ifindex(c->outbound_if4,
						"--outbound-if4");
	if (*c->ifname4)
		c->ifi4 = conf_ifindex(c->ifname4, "--interface");
	else if (*c->outbound_if4)
		c->ifi4 = conf_ifindex(c->outbound_if4, "--outbound-if4");
	else
		c->ifi4 = nl_default_route_ifindex(nl, AF_INET);

	if (c->ifi4) {
		if (!if_indextoname(c->ifi4, c->ifname4))
			c->ifi4 = 0;
	}

	if (c->ifi4) {
		if (!ip4->gw_given)
			nl_default_gateway(nl, AF_INET, c->ifi4, &ip4->gw);
		if (!nl_addr_get(nl, AF_INET, c->ifi4, &host_addr,
				 &host_prefix, NULL))
			ip4->host_addr = host_addr;
	}

	if (!ip4->addr_given) {
		if (!host_addr.s_addr) {
			log_debug("No IPv4 address on the host: IPv4 off");
			ip4->enabled = false;
			return;
		}
		ip4->addr = host_addr;
	}

	if (ip4->prefix_len < 0) {
		if (host_addr.s_addr == ip4->addr.s_addr && host_prefix)
			ip4->prefix_len = host_prefix;
		else
			ip4->prefix_len = conf_classful_prefix(ip4->addr);
	}

	ip4->our_addr = ip4->gw;
	if (!ip4->gw.s_addr) {
		log_debug("No IPv4 gateway: DHCP off");
		c->no_dhcp = true;
	}
}

/**
 * conf_ip6() - derive the IPv6 configuration from the host
 * @c:		execution context
 * @nl:		netlink socket in the host's namespace
 */
static void conf_ip6(struct ctx *c, int nl)
{
	struct ip6_conf *ip6 = &c->ip6;
	struct in6_addr host_addr = IN6ADDR_ANY_INIT, host_ll;
	int host_prefix = 0;

	if (*c->outbound_if6)
		c->outbound_ifi6 = conf_ifindex(c->outbound_if6,
						"--outbound-if6");
	if (*c->ifname6)
		c->ifi6 = conf_ifindex(c->ifname6, "--interface");
	else if (*c->outbound_if6)
		c->ifi6 = conf_ifindex(c->outbound_if6, "--outbound-if6");
	else
		c->ifi6 = nl_default_route_ifindex(nl, AF_INET6);

	if (c->ifi6) {
		if (!if_indextoname(c->ifi6, c->ifname6))
			c->ifi6 = 0;
	}

	if (c->ifi6) {
		if (!ip6->gw_given)
			nl_default_gateway(nl, AF_INET6, c->ifi6, &ip6->gw);
		if (!nl_addr_get(nl, AF_INET6, c->ifi6, &host_addr,
				 &host_prefix, &host_ll))
			ip6->host_addr = host_addr;
	}

	if (!ip6->addr_given) {
		if (IN6_IS_ADDR_UNSPECIFIED(&host_addr)) {
			log_debug("No IPv6 address on the host: IPv6 off");
			ip6->enabled = false;
			return;
		}
		ip6->addr = host_addr;
		ip6->prefix_len = host_prefix;
	} else {
		ip6->prefix_len = 64;
	}
	if (!ip6->prefix_len)
		ip6->prefix_len = 64;
}

/**
 * conf_ll_from_mac() - build a link-local address from a MAC (EUI-64)
 * @mac:	MAC address
 * @ll:		output
 */
static void conf_ll_from_mac(const uint8_t mac[6], struct in6_addr *ll)
{
	memset(ll, 0, sizeof(*ll));
	ll->s6_addr[0] = 0xfe;
	ll->s6_addr[1] = 0x80;
	ll->s6_addr[8] = mac[0] ^ 0x02;
	ll->s6_addr[9] = mac[1];
	ll->s6_addr[10] = mac[2];
	ll->s6_addr[11] = 0xff;
	ll->s6_addr[12] = 0xfe;
	ll->s6_addr[13] = mac[3];
	ll->s6_addr[14] = mac[4];
	ll->s6_addr[15] = mac[5];
}

/**
 * conf_resolv() - read resolvers and search list from /etc/resolv.conf
 * @c:		execution context
 */
static void conf_resolv(struct ctx *c)
{
	int fd;

	if (c->dns_given && c->search_given)
		return;

	fd = open(RESOLV_CONF, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_debug("Can't open " RESOLV_CONF ": %s", strerror(errno));
		return;
	}
	conf_read_resolv_fd(c, fd, !c->dns_given, !c->search_given);
	close(fd);
}

/**
 * conf_derive() - fill what the command line didn't give from the host
 * @c:		execution context
 *
 * Exits with status 1 if there's nothing we can work with.
 */
void conf_derive(struct ctx *c)
{
	int nl = nl_open();

	if (nl < 0)
		conf_die("Can't open netlink socket: %s", strerror(-nl));

	if (c->ip4.enabled)
		conf_ip4(c, nl);
	if (c->ip6.enabled)
		conf_ip6(c, nl);

	if (!c->our_mac_set) {
		unsigned int ifi = c->ifi4 ? c->ifi4 : c->ifi6;
		uint8_t mac[6] = { 0 };
		int mtu;

		if (ifi)
			nl_link_get(nl, ifi, mac, &mtu);
		if (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])
			memcpy(c->our_mac, mac, 6);
		else
			memcpy(c->our_mac, mac_fallback, 6);
	}
	close(nl);

	if (c->ip6.enabled) {
		if (IN6_IS_ADDR_LINKLOCAL(&c->ip6.gw)) {
			c->ip6.our_ll = c->ip6.gw;
		} else {
			conf_ll_from_mac(c->our_mac, &c->ip6.our_ll);
			/* libvirt gives the guest's own MAC address as -M:
			 * our link-local address must then differ from the
			 * guest's, or it drops our router advertisements as
			 * coming from itself
			 */
			if (c->our_mac_set)
				c->ip6.our_ll.s6_addr[15] ^= 1;
		}
	}

	if (!c->ip4.enabled && !c->ip6.enabled)
		conf_die("No usable IPv4 or IPv6 configuration: no default route "
		    "or address on the host, and none given with -a");

	conf_resolv(c);

	/* --map-host-loopback defaults to the gateways */
	fwd_map_defaults(c);
	if ((c->ip4.map_guest_addr.s_addr &&
	     c->ip4.map_guest_addr.s_addr == c->ip4.map_host_loopback.s_addr) ||
	    (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr) &&
	     IN6_ARE_ADDR_EQUAL(&c->ip6.map_guest_addr,
				&c->ip6.map_host_loopback)))
		conf_die("--map-guest-addr can't be the --map-host-loopback address "
		    "(by default, the gateway's)");

	/* With --dns-forward, that's the resolver the guest should use */
	if (c->ip4.dns_match.s_addr) {
		c->ip4.dns[0] = c->ip4.dns_match;
		c->ip4.dns_count = 1;
		if (!c->ip4.dns_host.s_addr)
			log_warn("--dns-forward %s: no IPv4 resolver on the "
				 "host to forward to", "for IPv4");
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match)) {
		c->ip6.dns[0] = c->ip6.dns_match;
		c->ip6.dns_count = 1;
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
			log_warn("--dns-forward %s: no IPv6 resolver on the "
				 "host to forward to", "for IPv6");
	}

	if (c->mode == MODE_PASTA && !*c->ns_ifname) {
		if (*c->ifname4)
			strcpy(c->ns_ifname, c->ifname4);
		else if (*c->ifname6)
			strcpy(c->ns_ifname, c->ifname6);
		else
			strcpy(c->ns_ifname, "tap0");
	}
}

/**
 * conf_print_map() - log the address mappings and outbound bindings in use
 * @c:		execution context
 */
static void conf_print_map(const struct ctx *c)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const struct in6_addr *self6;
	struct in_addr self4;

	self4 = c->ip4.host_addr.s_addr ? c->ip4.host_addr : c->ip4.addr;
	self6 = IN6_IS_ADDR_UNSPECIFIED(&c->ip6.host_addr) ? &c->ip6.addr :
							     &c->ip6.host_addr;

	if (c->ip4.enabled && c->ip4.map_host_loopback.s_addr)
		log_info("Map %s to 127.0.0.1",
			 inet_ntop(AF_INET, &c->ip4.map_host_loopback, a,
				   sizeof(a)));
	if (c->ip6.enabled &&
	    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		log_info("Map %s to ::1",
			 inet_ntop(AF_INET6, &c->ip6.map_host_loopback, a,
				   sizeof(a)));
	if (c->ip4.enabled && c->ip4.map_guest_addr.s_addr)
		log_info("Map %s to %s",
			 inet_ntop(AF_INET, &c->ip4.map_guest_addr, a,
				   sizeof(a)),
			 inet_ntop(AF_INET, &self4, b, sizeof(b)));
	if (c->ip6.enabled &&
	    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr))
		log_info("Map %s to %s",
			 inet_ntop(AF_INET6, &c->ip6.map_guest_addr, a,
				   sizeof(a)),
			 inet_ntop(AF_INET6, self6, b, sizeof(b)));
	if (c->outbound4.s_addr || *c->outbound_if4)
		log_info("Outbound IPv4: %s%s%s",
			 c->outbound4.s_addr ?
			 inet_ntop(AF_INET, &c->outbound4, a, sizeof(a)) : "",
			 c->outbound4.s_addr && *c->outbound_if4 ? " on " : "",
			 c->outbound_if4);
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->outbound6) || *c->outbound_if6)
		log_info("Outbound IPv6: %s%s%s",
			 IN6_IS_ADDR_UNSPECIFIED(&c->outbound6) ? "" :
			 inet_ntop(AF_INET6, &c->outbound6, a, sizeof(a)),
			 !IN6_IS_ADDR_UNSPECIFIED(&c->outbound6) &&
			 *c->outbound_if6 ? " on " : "", c->outbound_if6);
}

/**
 * conf_print() - log the configuration we'll give to the guest
 * @c:		execution context
 */
void conf_print(const struct ctx *c)
{
	char buf[INET6_ADDRSTRLEN];
	int i;

	if (c->mode == MODE_PASTA)
		log_info("Template interface: %s%s%s, namespace interface: %s",
			 c->ifi4 ? c->ifname4 : "",
			 c->ifi4 && c->ifi6 && strcmp(c->ifname4, c->ifname6) ?
			 "/" : "",
			 c->ifi6 && strcmp(c->ifname4, c->ifname6) ?
			 c->ifname6 : "", c->ns_ifname);
	else
		log_info("Template interface: %s%s%s",
			 c->ifi4 ? c->ifname4 : "",
			 c->ifi4 && c->ifi6 && strcmp(c->ifname4, c->ifname6) ?
			 "/" : "",
			 c->ifi6 && strcmp(c->ifname4, c->ifname6) ?
			 c->ifname6 : "");

	log_info("ARP:");
	log_info("    address: %02x:%02x:%02x:%02x:%02x:%02x",
		 c->our_mac[0], c->our_mac[1], c->our_mac[2],
		 c->our_mac[3], c->our_mac[4], c->our_mac[5]);

	if (c->ip4.enabled) {
		log_info("DHCP:%s", c->no_dhcp ? " (disabled)" : "");
		log_info("    assign: %s",
			 inet_ntop(AF_INET, &c->ip4.addr, buf, sizeof(buf)));
		log_info("    prefix length: %i", c->ip4.prefix_len);
		if (c->ip4.gw.s_addr)
			log_info("    router: %s", inet_ntop(AF_INET, &c->ip4.gw,
							 buf, sizeof(buf)));
		for (i = 0; !c->no_dhcp_dns && i < c->ip4.dns_count; i++)
			log_info("    DNS: %s", inet_ntop(AF_INET,
						      &c->ip4.dns[i], buf,
						      sizeof(buf)));
	}

	if (c->ip6.enabled) {
		log_info("NDP/DHCPv6:");
		log_info("    assign: %s", inet_ntop(AF_INET6, &c->ip6.addr,
						   buf, sizeof(buf)));
		log_info("    router: %s", inet_ntop(AF_INET6, &c->ip6.our_ll,
						   buf, sizeof(buf)));
		for (i = 0; !c->no_dhcp_dns && i < c->ip6.dns_count; i++)
			log_info("    DNS: %s", inet_ntop(AF_INET6,
						      &c->ip6.dns[i], buf,
						      sizeof(buf)));
	}

	for (i = 0; !c->no_dhcp_search && i < c->search_count; i++)
		log_info("    search: %s", c->search[i]);

	conf_print_map(c);
}
