// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * listen.c - sockets bound for forwarded ports (-t, -u, and pasta's -T, -U)
 *
 * At start-up, before any sandboxing and before forking to background, each
 * port of each forwarding rule gets a socket bound on the host: TCP ones
 * listen, UDP ones wait for datagrams. A rule without an address binds both
 * 0.0.0.0 and :: (IPv6 only, so the two don't clash), as far as the IP
 * versions are enabled, and one of the two is enough. %IF rules are bound to
 * the interface. The epoll reference of each socket carries the rule index
 * and the port, which is all the TCP and UDP handlers need to find the
 * target port in the guest.
 *
 * pasta's -T and -U ports are bound the same way, but inside the target
 * namespace (sockets created there by pasta_ns_socket()), on its loopback
 * addresses unless the rule gives an address: they're for local traffic,
 * spliced to the host's loopback.
 *
 * Ports given explicitly must be bound, or we fail naming the port; ports
 * from "all", from exclusion-only lists, or implied for UDP by -t, are
 * skipped if they're taken.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "flow/listen.h"
#include "flow/udp.h"
#include "ns/pasta.h"
#include "policy/portspec.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"

/**
 * listen_one() - bind one forwarded port
 * @c:		execution context
 * @r:		forwarding rule
 * @rule:	index of @r
 * @af:		AF_INET or AF_INET6
 * @port:	port
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @ns:		bind in pasta's target namespace (-T, -U), on its loopback
 *		address unless the rule gives one
 *
 * Return: the socket, added to the epoll set, or -errno on failure
 *
 * #syscalls:pasta socket:a0=AF_INET,AF_INET6:a1=SOCK_STREAM_NB:a2=IPPROTO_TCP
 * #syscalls:pasta socket:a0=AF_INET,AF_INET6:a1=SOCK_DGRAM_NB:a2=IPPROTO_UDP
 * #syscalls:pasta setsockopt bind listen
 */
static int listen_one(struct ctx *c, const struct port_spec_rule *r,
		      unsigned int rule, int af, uint16_t port, uint8_t proto,
		      bool ns)
{
	static const enum epoll_type types[2][2] = {
		{ EPOLL_TYPE_UDP_LISTEN, EPOLL_TYPE_TCP_LISTEN },
		{ EPOLL_TYPE_UDP_LISTEN_NS, EPOLL_TYPE_TCP_LISTEN_NS },
	};
	bool tcp = proto == IPPROTO_TCP;
	union epoll_ref ref = { .type = types[ns][tcp],
				.index = (rule << 16) | port };
	int type = (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
		   SOCK_CLOEXEC;
	struct sockaddr_storage sa;
	struct epoll_event ev;
	int s, one = 1, rc;
	socklen_t sl;

	memset(&sa, 0, sizeof(sa));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (r->af == AF_INET)
			sin->sin_addr = r->addr.a4;
		else if (ns)
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (r->af == AF_INET6)
			sin6->sin6_addr = r->addr.a6;
		else if (ns)
			sin6->sin6_addr = in6addr_loopback;
		sl = sizeof(*sin6);
	}

	s = ns ? pasta_ns_socket(af, type, proto) : sock_open(af, type, proto);
	if (s < 0)
		return ns ? s : -errno;
	if (tcp)
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (!tcp)
		udp_listen_sockopts(s, af);
	if (c->freebind)	/* --freebind: addresses not configured (yet) */
		setsockopt(s, af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			   af == AF_INET ? IP_FREEBIND : IPV6_FREEBIND, &one,
			   sizeof(one));
	if (*r->ifname &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, r->ifname,
		       strlen(r->ifname)))
		goto fail;
	if (bind(s, (struct sockaddr *)&sa, sl) || (tcp && listen(s, 128)))
		goto fail;

	ref.fd = s;
	ev.events = EPOLLIN;
	ev.data.u64 = ref.u64;
	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, s, &ev))
		goto fail;
	return s;

fail:
	rc = -errno;
	close(s);
	return rc;
}

/**
 * listen_init() - bind the host ports of one kind of forwarding
 * @c:		execution context
 * @fwd:	rules: &c->tcp_in, &c->udp_in, or pasta's &c->tcp_out and
 *		&c->udp_out, bound in the target namespace
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int listen_init(struct ctx *c, const struct port_fwd *fwd, uint8_t proto)
{
	bool ns = fwd == &c->tcp_out || fwd == &c->udp_out;
	const struct port_spec_rule *r;
	unsigned int rule = 0;

	port_fwd_foreach(r, fwd) {
		unsigned int port;

		for (port = r->first; port <= r->last; port++) {
			bool want4 = r->af == AF_INET ||
				     (r->af == AF_UNSPEC && c->ip4.enabled);
			bool want6 = r->af == AF_INET6 ||
				     (r->af == AF_UNSPEC && c->ip6.enabled);
			int rc4 = 0, rc6 = 0;

			if (want4)
				rc4 = listen_one(c, r, rule, AF_INET,
						 (uint16_t)port, proto, ns);
			if (want6)
				rc6 = listen_one(c, r, rule, AF_INET6,
						 (uint16_t)port, proto, ns);

			rc4 = MIN(rc4, 0);
			rc6 = MIN(rc6, 0);
			/* Without an address, one IP version is enough */
			if (r->af == AF_UNSPEC && want4 && want6 &&
			    (!rc4 || !rc6))
				rc4 = rc6 = 0;
			if ((rc4 || rc6) && !r->weak) {
				log_err("Can't bind %s port %u%s: %s",
					proto == IPPROTO_TCP ? "TCP" : "UDP",
					port, ns ? " in the namespace" : "", strerror(-(rc4 ? rc4 : rc6)));
				return rc4 ? rc4 : rc6;
			}
		}
		rule++;
	}
	return 0;
}

/**
 * listen_auto_port() - bind one port found by automatic forwarding
 * @c:		execution context
 * @fwd:	configuration in PORT_FWD_AUTO mode, one of the four of @c
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @af:		AF_INET or AF_INET6
 * @port:	port, forwarded untranslated
 *
 * Host ports (-t, -u auto) are bound on the wildcard address, namespace
 * ports (-T, -U auto) on the namespace's loopback address.
 *
 * Return: the socket, added to the epoll set, or -errno on failure
 */
int listen_auto_port(struct ctx *c, const struct port_fwd *fwd, uint8_t proto,
		     int af, uint16_t port)
{
	static const struct port_spec_rule wildcard = { .af = AF_UNSPEC };
	bool ns = fwd == &c->tcp_out || fwd == &c->udp_out;

	return listen_one(c, &wildcard, 0, af, port, proto, ns);
}
