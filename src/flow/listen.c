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
 * skipped if they're taken (or privileged, or otherwise refused). Running
 * out of descriptors or memory isn't a port being taken, though: that
 * fails them too, or "all" under a low limit on open files would be
 * forwarded in part, silently, with nothing left for connections.
 *
 * Every such socket has a slot in a registry (struct listen_sock): its
 * table (-t, -u, -T or -U), IP version, port and the index of its rule. The
 * epoll reference carries the slot, so that rules can move in their table
 * while sockets stay: run-time changes (listen_update(), for the control
 * socket) renumber the slots' rules instead of touching the epoll set.
 * Automatic forwarding (autofwd.c) owns its sockets: their references carry
 * LISTEN_REF_AUTO and the port, and no slot.
 *
 * listen_update() is all or nothing: each port of each rule of the new
 * tables either finds the socket of an old rule with the same bind scope,
 * or gets a new socket, bound (and listening) but not yet in the epoll set.
 * If any of those fails, the new sockets are closed and nothing changed.
 * Otherwise old sockets nobody kept are closed (connections they accepted
 * are sockets of their own and stay up), the new ones join the epoll set,
 * and the new tables replace the old ones.
 *
 * Running out of descriptors. accept() failing with EMFILE or ENFILE leaves
 * the connection in the backlog, and the listening socket stays readable:
 * level-triggered, it would wake us up again at once, forever. Instead, the
 * socket is paused (listen_pause(): still in the epoll set, but with no
 * events requested) and its reference remembered. listen_resume_check(),
 * after each batch of events, asks for events again once a flow was freed
 * (descriptors likely came back) or a second passed: if descriptors are
 * still short, the next accept() fails once more and pauses the socket
 * again, one failed call per socket and second at most. Sockets closed
 * while paused are forgotten first (listen_forget()), so that a descriptor
 * number reused by another socket is never touched. The first pause is
 * logged as a warning, the others at debug level; all are counted.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <stdio.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "flow/listen.h"
#include "flow/udp.h"
#include "flow/udp_splice.h"
#include "ns/pasta.h"
#include "policy/portspec.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"

/**
 * struct listen_sock - registry slot of a socket bound for a forwarding rule
 * @used:	slot holds a socket
 * @pending:	bound by a change not committed yet: not in the epoll set
 * @table:	enum listen_table
 * @af:		AF_INET or AF_INET6
 * @port:	bound port
 * @rule:	index of the rule in its table
 * @new_rule:	during listen_update(): its rule in the new table, -1 if none
 * @fd:		the socket
 * @next:	next slot (plus one) on the same table, IP version and port
 */
struct listen_sock {
	bool used;
	bool pending;
	uint8_t table;
	uint8_t af;
	uint16_t port;
	int16_t rule;
	int16_t new_rule;
	int fd;
	uint32_t next;
};

static struct listen_sock listen_socks[LISTEN_SOCKS_MAX];
static unsigned int listen_socks_top;	/* slots below are or were used */
static unsigned int listen_socks_free;	/* lowest slot that may be free */
static unsigned int listen_socks_count;	/* slots in use */

/* Epoll reference type of each table's sockets */
static const enum epoll_type listen_epoll_types[LISTEN_TABLES] = {
	EPOLL_TYPE_TCP_LISTEN, EPOLL_TYPE_UDP_LISTEN,
	EPOLL_TYPE_TCP_LISTEN_NS, EPOLL_TYPE_UDP_LISTEN_NS,
};

/* First slot (plus one) for each table, IP version (v6: 1) and port */
static uint32_t listen_heads[LISTEN_TABLES][2][65536];

/**
 * listen_table_fwd() - configuration of a table
 * @c:		execution context
 * @t:		enum listen_table
 *
 * Return: &c->tcp_in, &c->udp_in, &c->tcp_out or &c->udp_out
 */
struct port_fwd *listen_table_fwd(struct ctx *c, unsigned int t)
{
	struct port_fwd *all[LISTEN_TABLES] = { &c->tcp_in, &c->udp_in,
						&c->tcp_out, &c->udp_out };

	return all[t];
}

/**
 * listen_table_of() - table of a configuration of @c
 * @c:		execution context
 * @fwd:	&c->tcp_in, &c->udp_in, &c->tcp_out or &c->udp_out
 *
 * Return: enum listen_table
 */
static unsigned int listen_table_of(struct ctx *c, const struct port_fwd *fwd)
{
	unsigned int t;

	for (t = 0; t < LISTEN_TABLES - 1; t++) {
		if (listen_table_fwd(c, t) == fwd)
			break;
	}
	return t;
}

/**
 * listen_slot_alloc() - take a free registry slot, link it in its list
 * @table:	enum listen_table
 * @af:		AF_INET or AF_INET6
 * @port:	port
 *
 * Return: slot index, -1 if the registry is full
 */
static int listen_slot_alloc(unsigned int table, int af, uint16_t port)
{
	uint32_t *head = &listen_heads[table][af == AF_INET6][port];
	struct listen_sock *ls;
	unsigned int i;

	for (i = listen_socks_free; i < LISTEN_SOCKS_MAX; i++) {
		if (!listen_socks[i].used)
			break;
	}
	if (i == LISTEN_SOCKS_MAX)
		return -1;
	listen_socks_free = i + 1;
	if (i >= listen_socks_top)
		listen_socks_top = i + 1;
	listen_socks_count++;

	ls = &listen_socks[i];
	memset(ls, 0, sizeof(*ls));
	ls->used = true;
	ls->table = (uint8_t)table;
	ls->af = (uint8_t)af;
	ls->port = port;
	ls->new_rule = -1;
	ls->fd = -1;
	ls->next = *head;
	*head = i + 1;
	return (int)i;
}

/**
 * listen_slot_free() - unlink and release a slot (the socket is the caller's)
 * @i:		slot index
 */
static void listen_slot_free(unsigned int i)
{
	struct listen_sock *ls = &listen_socks[i];
	uint32_t *p = &listen_heads[ls->table][ls->af == AF_INET6][ls->port];

	while (*p && *p != i + 1)
		p = &listen_socks[*p - 1].next;
	if (*p)
		*p = ls->next;
	ls->used = false;
	listen_socks_count--;
	if (i < listen_socks_free)
		listen_socks_free = i;
}

/**
 * listen_bind() - open and bind one socket for a forwarded port
 * @c:		execution context
 * @r:		forwarding rule
 * @af:		AF_INET or AF_INET6
 * @port:	port
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @ns:		bind in pasta's target namespace (-T, -U), on its loopback
 *		address unless the rule gives one
 *
 * Return: the socket, bound, listening for TCP, or -errno on failure
 *
 * #syscalls socket:a0=AF_INET,AF_INET6:a1=SOCK_STREAM_NB:a2=IPPROTO_TCP
 * #syscalls socket:a0=AF_INET,AF_INET6:a1=SOCK_DGRAM_NB:a2=IPPROTO_UDP
 * #syscalls setsockopt bind listen
 */
static int listen_bind(const struct ctx *c, const struct port_spec_rule *r,
		       int af, uint16_t port, uint8_t proto, bool ns)
{
	bool tcp = proto == IPPROTO_TCP;
	int type = (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
		   SOCK_CLOEXEC;
	struct sockaddr_storage sa;
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
	return s;

fail:
	rc = -errno;
	close(s);
	return rc;
}

/**
 * listen_epoll_add() - add the socket of a slot to the epoll set
 * @c:		execution context
 * @i:		slot index
 *
 * Return: 0 on success, -errno on failure
 */
static int listen_epoll_add(const struct ctx *c, unsigned int i)
{
	const struct listen_sock *ls = &listen_socks[i];
	union epoll_ref ref = { .type = listen_epoll_types[ls->table],
				.fd = ls->fd,
				.index = i };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ref.u64 };

	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, ls->fd, &ev))
		return -errno;
	return 0;
}

/**
 * listen_want() - IP versions a rule is bound for
 * @c:		execution context
 * @r:		rule
 * @want4:	set if an IPv4 socket is needed
 * @want6:	set if an IPv6 socket is needed
 */
static void listen_want(const struct ctx *c, const struct port_spec_rule *r,
			bool *want4, bool *want6)
{
	int af = r->af != AF_UNSPEC ? r->af : r->taf;

	*want4 = af == AF_INET || (af == AF_UNSPEC && c->ip4.enabled);
	*want6 = af == AF_INET6 || (af == AF_UNSPEC && c->ip6.enabled);
}

/**
 * listen_find() - find the committed socket of a rule's port
 * @table:	enum listen_table
 * @af:		AF_INET or AF_INET6
 * @port:	port
 * @rule:	rule index in the current table
 *
 * Return: slot index, -1 if there's none
 */
static int listen_find(unsigned int table, int af, uint16_t port, int rule)
{
	uint32_t n = listen_heads[table][af == AF_INET6][port];

	for (; n; n = listen_socks[n - 1].next) {
		const struct listen_sock *ls = &listen_socks[n - 1];

		if (!ls->pending && ls->rule == rule)
			return (int)(n - 1);
	}
	return -1;
}

/**
 * listen_rule_port() - have a socket for one port of a rule, old or new
 * @c:		execution context
 * @table:	enum listen_table
 * @old:	current configuration of @table, NULL at start-up
 * @r:		rule of the new configuration
 * @rule:	its index
 * @af:		AF_INET or AF_INET6
 * @port:	port
 *
 * A socket of a current rule with the same bind scope is kept (its slot's
 * @new_rule set), otherwise a new one is bound into a pending slot.
 *
 * Return: 0 on success, -errno on failure
 */
static int listen_rule_port(struct ctx *c, unsigned int table,
			    const struct port_fwd *old,
			    const struct port_spec_rule *r, int rule, int af,
			    uint16_t port)
{
	bool ns = table == LISTEN_TCP_OUT || table == LISTEN_UDP_OUT;
	uint8_t proto = (table == LISTEN_TCP_IN || table == LISTEN_TCP_OUT) ?
			IPPROTO_TCP : IPPROTO_UDP;
	int i, s;

	for (i = 0; old && i < old->rule_count; i++) {
		const struct port_spec_rule *o = &old->rules[i];
		int slot;

		if (port < o->first || port > o->last ||
		    o->af != r->af || strcmp(o->ifname, r->ifname) ||
		    (r->af == AF_INET && o->addr.a4.s_addr != r->addr.a4.s_addr)
		    || (r->af == AF_INET6 &&
			!IN6_ARE_ADDR_EQUAL(&o->addr.a6, &r->addr.a6)))
			continue;
		slot = listen_find(table, af, port, i);
		if (slot >= 0 && listen_socks[slot].new_rule < 0) {
			listen_socks[slot].new_rule = (int16_t)rule;
			return 0;
		}
	}

	s = listen_bind(c, r, af, port, proto, ns);
	if (s < 0)
		return s;
	i = listen_slot_alloc(table, af, port);
	if (i < 0) {
		close(s);
		return -ENFILE;
	}
	listen_socks[i].fd = s;
	listen_socks[i].pending = true;
	listen_socks[i].rule = -1;
	listen_socks[i].new_rule = (int16_t)rule;
	return 0;
}

/**
 * listen_out_of_resources() - an error that no port can be skipped for
 * @rc:		-errno from binding a port
 *
 * Return: true for running out of descriptors or memory
 */
static bool listen_out_of_resources(int rc)
{
	return rc == -EMFILE || rc == -ENFILE || rc == -ENOMEM ||
	       rc == -ENOBUFS;
}

/**
 * listen_table_bind() - have sockets for every port of a new configuration
 * @c:		execution context
 * @table:	enum listen_table
 * @old:	current configuration, NULL at start-up
 * @fwd:	new configuration
 * @err:	buffer for a message naming the rule and the error
 * @errlen:	size of @err
 *
 * Return: 0 on success, -errno on failure (pending slots stay, see
 *	   listen_abort())
 */
static int listen_table_bind(struct ctx *c, unsigned int table,
			     const struct port_fwd *old,
			     const struct port_fwd *fwd, char *err,
			     size_t errlen)
{
	static const char *const names[LISTEN_TABLES] = {
		"TCP", "UDP", "TCP (namespace)", "UDP (namespace)"
	};
	const struct port_spec_rule *r;
	int rule = 0;

	port_fwd_foreach(r, fwd) {
		unsigned int port;

		for (port = r->first; port <= r->last; port++) {
			int rc4 = 0, rc6 = 0;
			bool want4, want6;

			listen_want(c, r, &want4, &want6);
			if (want4)
				rc4 = listen_rule_port(c, table, old, r, rule,
						       AF_INET,
						       (uint16_t)port);
			if (want6)
				rc6 = listen_rule_port(c, table, old, r, rule,
						       AF_INET6,
						       (uint16_t)port);

			/* Without an address, one IP version is enough */
			if (r->af == AF_UNSPEC && r->taf == AF_UNSPEC &&
			    want4 && want6 && (!rc4 || !rc6))
				rc4 = rc6 = 0;
			if ((rc4 || rc6) &&
			    (!r->weak || listen_out_of_resources(rc4) ||
			     listen_out_of_resources(rc6))) {
				char text[PORT_SPEC_ERR_LEN / 2];
				int rc = listen_out_of_resources(rc4) ? rc4 :
					 listen_out_of_resources(rc6) ? rc6 :
					 rc4 ? rc4 : rc6;

				port_rule_fmt(r, text, sizeof(text));
				snprintf(err, errlen, "Can't bind %s port %u "
					 "of rule '%s': %s%s", names[table],
					 port, text, strerror(-rc),
					 rc == -EMFILE ? " (raise the limit "
					 "on open files, or forward fewer "
					 "ports)" : "");
				return rc;
			}
		}
		rule++;
	}
	return 0;
}

/**
 * listen_abort() - undo a failed change: close pending sockets, clear marks
 * @tables:	bitmap of the tables being changed
 */
static void listen_abort(unsigned int tables)
{
	unsigned int i;

	for (i = 0; i < listen_socks_top; i++) {
		struct listen_sock *ls = &listen_socks[i];

		if (!ls->used || !(tables & (1U << ls->table)))
			continue;
		if (ls->pending) {
			close(ls->fd);
			listen_slot_free(i);
		} else {
			ls->new_rule = -1;
		}
	}
}

/**
 * listen_commit() - make a change happen: close what's not kept, add what's
 *		     new to the epoll set, renumber the rules of kept sockets
 * @c:		execution context
 * @tables:	bitmap of the tables being changed
 */
static void listen_commit(struct ctx *c, unsigned int tables)
{
	unsigned int i;

	for (i = 0; i < listen_socks_top; i++) {
		struct listen_sock *ls = &listen_socks[i];

		if (!ls->used || !(tables & (1U << ls->table)))
			continue;
		if (ls->new_rule < 0) {
			epoll_ctl(c->epollfd, EPOLL_CTL_DEL, ls->fd, NULL);
			listen_forget(ls->fd);
			if (ls->table == LISTEN_UDP_IN)
				udp_listen_closed(c, ls->fd);
			if (ls->table == LISTEN_UDP_IN ||
			    ls->table == LISTEN_UDP_OUT)
				udp_splice_listen_closed(c, ls->fd);
			close(ls->fd);
			listen_slot_free(i);
			continue;
		}
		ls->rule = ls->new_rule;
		ls->new_rule = -1;
		if (ls->pending) {
			ls->pending = false;
			if (listen_epoll_add(c, i))
				log_warn("Can't watch a forwarded port: %s",
					 strerror(errno));
		}
	}
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
	unsigned int table = listen_table_of(c, fwd);
	char err[PORT_SPEC_ERR_LEN];
	int rc;

	(void)proto;
	rc = listen_table_bind(c, table, NULL, fwd, err, sizeof(err));
	if (rc) {
		log_err("%s", err);
		listen_abort(1U << table);
		return rc;
	}
	listen_commit(c, 1U << table);
	return 0;
}

/**
 * listen_update() - replace forwarding tables, binding and closing sockets
 * @c:		execution context
 * @next:	new configuration for each enum listen_table, NULL: unchanged
 * @err:	buffer for a message naming the rule and the error
 * @errlen:	size of @err
 *
 * All or nothing, see the theory of operation above.
 *
 * Return: 0 on success, -errno on failure, with nothing changed
 */
int listen_update(struct ctx *c, const struct port_fwd *next[LISTEN_TABLES],
		  char *err, size_t errlen)
{
	unsigned int t, tables = 0;
	int rc;

	for (t = 0; t < LISTEN_TABLES; t++) {
		if (!next[t])
			continue;
		tables |= 1U << t;
		rc = listen_table_bind(c, t, listen_table_fwd(c, t), next[t],
				       err, errlen);
		if (rc) {
			listen_abort(tables);
			return rc;
		}
	}

	listen_commit(c, tables);
	for (t = 0; t < LISTEN_TABLES; t++) {
		if (next[t])
			memcpy(listen_table_fwd(c, t), next[t],
			       sizeof(*next[t]));
	}
	return 0;
}

/**
 * listen_ref_rule() - rule and port of an event on a forwarded port
 * @c:		execution context
 * @ref:	epoll reference of a listening socket
 * @port:	the socket's port, set
 * @stale:	set if the socket is no longer ours (closed by a change in the
 *		same batch of events): ignore the event
 *
 * Return: the rule, NULL for automatic forwarding (no translation)
 */
const struct port_spec_rule *listen_ref_rule(struct ctx *c,
					     union epoll_ref ref,
					     uint16_t *port, bool *stale)
{
	const struct listen_sock *ls;

	*stale = false;
	if (ref.index & LISTEN_REF_AUTO) {
		*port = ref.index & 0xffff;
		return NULL;
	}
	ls = ref.index < LISTEN_SOCKS_MAX ? &listen_socks[ref.index] : NULL;
	if (!ls || !ls->used || ls->pending || ls->fd != ref.fd) {
		*stale = true;
		*port = 0;
		return NULL;
	}
	*port = ls->port;
	return &listen_table_fwd(c, ls->table)->rules[ls->rule];
}

/* LISTEN_PAUSED_MAX - every listening socket there can be: the registry's,
 * and automatic forwarding's TCP ones (two tables, two IP versions, every
 * port). 8 bytes each, static, touched only as far as used.
 */
#define LISTEN_PAUSED_MAX	(LISTEN_SOCKS_MAX + 4 * 65536)
#define LISTEN_RESUME_MS	1000

static uint64_t listen_paused[LISTEN_PAUSED_MAX];	/* epoll references */
static unsigned int listen_paused_count;
static uint64_t listen_paused_since;		/* ms, first pause */
static unsigned int listen_paused_flows;	/* flows in use then */
static struct listen_stats listen_stats;

/**
 * listen_pause() - stop accepting on a socket: out of descriptors
 * @c:		execution context
 * @ref:	epoll reference of the listening socket
 * @err:	errno of the failed accept()
 */
void listen_pause(const struct ctx *c, union epoll_ref ref, int err)
{
	struct epoll_event ev = { .events = 0, .data.u64 = ref.u64 };
	unsigned int i;

	listen_stats.accept_failed++;
	for (i = 0; i < listen_paused_count; i++) {
		if (listen_paused[i] == ref.u64)
			return;
	}
	if (listen_paused_count >= LISTEN_PAUSED_MAX ||
	    epoll_ctl(c->epollfd, EPOLL_CTL_MOD, ref.fd, &ev))
		return;

	if (!listen_paused_count) {
		listen_paused_since = now_ms();
		listen_paused_flows = flow_get_stats()->in_use;
		listen_stats.pauses++;
		if (listen_stats.pauses == 1)
			log_warn("Out of file descriptors (%s): not accepting "
				 "connections until some are closed",
				 strerror(err));
		else
			log_debug("Out of file descriptors again, pausing "
				  "listening sockets");
	}
	listen_paused[listen_paused_count++] = ref.u64;
}

/**
 * listen_forget() - a listening socket is being closed: don't resume it
 * @fd:		its descriptor
 */
void listen_forget(int fd)
{
	unsigned int i = 0;

	while (i < listen_paused_count) {
		union epoll_ref ref = { .u64 = listen_paused[i] };

		if (ref.fd == fd)
			listen_paused[i] = listen_paused[--listen_paused_count];
		else
			i++;
	}
}

/**
 * listen_resume_check() - accept again if descriptors may have come back
 * @c:		execution context
 * @now:	current time, ms
 *
 * Resumes every paused socket once a flow was freed since the first pause,
 * or LISTEN_RESUME_MS later.
 */
void listen_resume_check(const struct ctx *c, uint64_t now)
{
	unsigned int i;

	if (!listen_paused_count)
		return;
	if (flow_get_stats()->in_use >= listen_paused_flows &&
	    now < listen_paused_since + LISTEN_RESUME_MS * TEST_TIME_SCALE)
		return;

	for (i = 0; i < listen_paused_count; i++) {
		union epoll_ref ref = { .u64 = listen_paused[i] };
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u64 = ref.u64 };

		epoll_ctl(c->epollfd, EPOLL_CTL_MOD, ref.fd, &ev);
	}
	log_debug("Resuming %u listening socket%s", listen_paused_count,
		  listen_paused_count == 1 ? "" : "s");
	listen_paused_count = 0;
}

/**
 * listen_get_stats() - counters of accept() failures for lack of descriptors
 *
 * Return: pointer to the counters
 */
const struct listen_stats *listen_get_stats(void)
{
	return &listen_stats;
}

/**
 * listen_count() - sockets bound for forwarding rules now
 *
 * Return: slots in use
 */
unsigned int listen_count(void)
{
	return listen_socks_count;
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
	unsigned int table = listen_table_of(c, fwd);
	union epoll_ref ref = { .type = listen_epoll_types[table],
				.index = LISTEN_REF_AUTO | port };
	struct epoll_event ev = { .events = EPOLLIN };
	int s, rc;

	s = listen_bind(c, &wildcard, af, port, proto, ns);
	if (s < 0)
		return s;
	ref.fd = s;
	ev.data.u64 = ref.u64;
	if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, s, &ev)) {
		rc = -errno;
		close(s);
		return rc;
	}
	return s;
}
