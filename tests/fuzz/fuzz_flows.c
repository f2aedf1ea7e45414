// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_flows.c - sequences of guest frames through dispatch into the TCP,
 * UDP and ICMP flows, with the flow table live and real host sockets
 *
 * Theory of operation
 *
 * The harness plays both ends. As the guest, it holds the other end of
 * passt's stream socket (pasta's tap device: a datagram socket pair) and
 * writes frames there; the frontend, dispatch_frame(), the flow handlers and
 * the address mapping (fwd_guest_target(), policy/fwd.c) do the rest, as in
 * the real program (c->flows_on is set). As the host, it runs a TCP listener
 * and a UDP echo server on loopback, the only place where guest traffic is
 * let through, and it forwards one port, TCP and UDP (-t, -u), whose
 * clients it plays too: the guest answers the inbound flows they open,
 * from the sequence numbers it saw. Between operations, the epoll loop
 * runs: loop_dispatch() calls the real socket handlers, and the timers
 * (loop_timers()) run when the input moves the clock forward.
 *
 * Each operation is an opcode byte and its arguments (see fuzz_op()):
 * a TCP segment, a UDP datagram (or a batch of them, read by passt in one
 * go) or an ICMP echo request built from a few bytes (valid checksums,
 * sequence and acknowledgement numbers relative to what the guest saw,
 * options, sizes up to the frame limit), to a destination the input picks
 * or back to the peer of an inbound flow, raw frame bytes (the IPv4 header
 * checksum fixed up), actions of the host peers (write, shut down, reset,
 * echo, send a datagram of a given size; connect or send to the forwarded
 * port), moving the
 * clock, the guest not reading for a while (so the link fills up), and the
 * main loop busy-polling (TCP holding ACKs of FINs, see fuzz_loop()) or
 * not.
 *
 * Invariants, each an abort() for the fuzzer:
 *  - no frame to the guest is larger than FRAME_MAX (fuzz_guest.h);
 *  - no host socket is connected or sent to a loopback address (127.0.0.0/8,
 *    ::1, 0.0.0.0/8, ::, and their IPv4-mapped forms) unless a mapping made
 *    it: the guest's frame went to the --map-host-loopback address (to
 *    127.0.0.1 or ::1), or to the --dns-forward address, port 53, with a
 *    loopback resolver. connect(), sendto() and sendmsg() are wrapped at
 *    link time (-Wl,--wrap, see the Makefile) to check every destination;
 *  - no host socket ever talks to anything but loopback: other destinations
 *    are failed in the wrapper, with an error the input picks, and never
 *    reach the kernel. The harness also runs in a network namespace of its
 *    own when it can (root, or a user namespace), with only a loopback
 *    interface;
 *  - once passt's client disconnects, no flow is left: the next client
 *    can't see or touch the previous one's connections;
 *  - after a teardown (the guest disconnects, the host peers close, the
 *    clock moves past every idle timeout), the flow table is empty and no
 *    socket or other descriptor is left open.
 *
 * Input: byte 0 is the fuzz_ctx_init() variant (its bit 7: TCP peeks data
 * in flight again, as on kernels without SO_PEEK_OFF for TCP, see
 * tcp_peek_skip()), byte 1 the flow configuration (see fuzz_config()), then
 * operations until the end.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fuzz_ctx.h"
#include "fuzz_guest.h"
#include "fuzz_netns.h"
#include "flow/flow.h"
#include "flow/listen.h"
#include "flow/tcp.h"
#include "policy/fwd.h"
#include "policy/portspec.h"
#include "util/clock.h"
#include "util/log.h"
#include "wire/checksum.h"
#include "wire/pkt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int __real_connect(int fd, const struct sockaddr *sa, socklen_t sl);
ssize_t __real_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *sa, socklen_t sl);
ssize_t __real_sendmsg(int fd, const struct msghdr *mh, int flags);
int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t sl);
ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *sa, socklen_t sl);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *mh, int flags);
int __real_sendmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags);
int __wrap_sendmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags);

#define SRV_PORT_FIXED	4000	/* in our own namespace */
#define GUEST_PORT0	40000	/* guest source ports: four of them */
#define HOST_CONNS	32	/* connections the host side keeps */
#define PAYLOAD_MAX	(FRAME_MAX - 14 - 40 - 60)
#define FLOOD_PORT0	41000	/* op_flood(): guest source ports from here */
#define FLOOD_STEP	48	/* op_flood(): frames a batch, count unit */

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static struct ctx c;
static struct fuzz_guest guest;
static bool own_netns;
static int fds_before = -1;
static int fd_route = -1;

/* Host side: listeners and echo sockets on 127.0.0.1 and ::1 */
static uint16_t srv_port;
static int tcp_listen4 = -1, tcp_listen6 = -1;
static int udp_echo[4] = { -1, -1, -1, -1 };	/* srv_port, 53; v4, v6 */
static int host_conns[HOST_CONNS];
static struct sockaddr_storage udp_last_peer[4];
static socklen_t udp_last_peer_len[4];

/* The guest's frame being handled, for the loopback check */
static uint8_t cur_frame[FRAME_MAX];
static struct pkt cur;
static bool cur_valid;

/* Error for destinations that aren't loopback, picked by the input */
static int blocked_errno = ENETUNREACH;

/**
 * struct guest_tcp - what the guest knows of one of its TCP connections
 * @snd_nxt:	next sequence number the guest sends
 * @rcv_nxt:	next sequence number the guest expects from passt
 */
struct guest_tcp {
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
};

static struct guest_tcp gtcp[2][4];	/* IP version, source port */
static uint16_t icmp_seq;
static bool guest_paused;

/* Pattern for payloads */
static uint8_t pattern[65536];

/* A forwarded port, -t and -u alike: host clients connect and send to it on
 * loopback, passt opens inbound flows to the guest's same port, and the
 * guest answers from there
 */
#define FWD_PORT_FIXED	4010	/* in our own namespace */
#define INBOUND_MAX	4	/* inbound flows of each kind the guest tracks */
static uint16_t fwd_port;
static struct port_fwd fwd_tcp_in, fwd_udp_in;
static int udp_clients[4] = { -1, -1, -1, -1 };	/* IPv4, IPv4, IPv6, IPv6 */
static struct sockaddr_storage udp_client_sa[4];

/**
 * struct guest_inbound - an inbound flow as the guest saw it open
 * @used:	slot in use
 * @v6:		IPv6
 * @peer:	the peer's address as the guest sees it (in_addr or in6_addr)
 * @local:	the guest's address the flow was opened to, likewise
 * @pport:	the peer's port
 * @tcp:	sequence numbers, for TCP
 */
struct guest_inbound {
	bool used;
	bool v6;
	struct in6_addr peer;
	struct in6_addr local;
	uint16_t pport;
	struct guest_tcp tcp;
};

static struct guest_inbound inbound[2][INBOUND_MAX];	/* TCP, UDP */
static unsigned int inbound_next[2];	/* slot to reuse next, if all used */

/* Bits 3 and 4 of the opcode being run, see fuzz_op() */
static bool op_inbound, op_burst;

/**
 * is_loopish4() - an IPv4 address that reaches the host itself by value
 * @a:		address, network order
 *
 * Return: true for 127.0.0.0/8 and 0.0.0.0/8
 */
static bool is_loopish4(in_addr_t a)
{
	uint32_t h = ntohl(a);

	return (h >> 24) == 127 || (h >> 24) == 0;
}

/**
 * is_loopish6() - an IPv6 address that reaches the host itself by value
 * @a:		address
 *
 * Return: true for ::1, ::, and IPv4-mapped 127.0.0.0/8 and 0.0.0.0/8
 */
static bool is_loopish6(const struct in6_addr *a)
{
	in_addr_t a4;

	if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a))
		return true;
	if (!IN6_IS_ADDR_V4MAPPED(a))
		return false;
	memcpy(&a4, &a->s6_addr[12], 4);
	return is_loopish4(a4);
}

/**
 * mapped_here() - tell whether the frame being handled was mapped to an
 *		   address: the oracle for the loopback invariant
 * @sa:		destination the host socket is given, a loopback one
 *
 * Straight from the man page: the --map-host-loopback address stands for
 * 127.0.0.1 (::1), and with --dns-forward, port 53 of its address goes to
 * the --dns-host resolver, which may be a loopback one.
 *
 * Return: true if the current frame's destination maps to @sa
 */
static bool mapped_here(const struct sockaddr *sa)
{
	bool l4 = cur.proto == IPPROTO_TCP || cur.proto == IPPROTO_UDP;

	if (!cur_valid)
		return false;

	if (sa->sa_family == AF_INET && cur.af == AF_INET) {
		in_addr_t to = ((const struct sockaddr_in *)sa)->sin_addr.s_addr;

		if (c.ip4.map_host_loopback.s_addr &&
		    cur.dst4.s_addr == c.ip4.map_host_loopback.s_addr &&
		    to == htonl(INADDR_LOOPBACK))
			return true;
		if (l4 && cur.dport == 53 && c.ip4.dns_match.s_addr &&
		    cur.dst4.s_addr == c.ip4.dns_match.s_addr &&
		    to == c.ip4.dns_host.s_addr)
			return true;
		return false;
	}

	if (sa->sa_family == AF_INET6 && cur.af == AF_INET6) {
		const struct in6_addr *to =
			&((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (!IN6_IS_ADDR_UNSPECIFIED(&c.ip6.map_host_loopback) &&
		    IN6_ARE_ADDR_EQUAL(&cur.dst6, &c.ip6.map_host_loopback) &&
		    IN6_IS_ADDR_LOOPBACK(to))
			return true;
		if (l4 && cur.dport == 53 &&
		    !IN6_IS_ADDR_UNSPECIFIED(&c.ip6.dns_match) &&
		    IN6_ARE_ADDR_EQUAL(&cur.dst6, &c.ip6.dns_match) &&
		    IN6_ARE_ADDR_EQUAL(to, &c.ip6.dns_host))
			return true;
	}
	return false;
}

/**
 * udp_client_is() - tell whether a destination is one of our UDP clients of
 *		     the forwarded port: the peer of an inbound flow, which
 *		     the guest's answers go back to
 * @sa:		destination
 *
 * Return: true if it is
 */
static bool udp_client_is(const struct sockaddr *sa)
{
	int i;

	for (i = 0; i < 4; i++) {
		const struct sockaddr_storage *u = &udp_client_sa[i];

		if (udp_clients[i] < 0 || u->ss_family != sa->sa_family)
			continue;
		if (sa->sa_family == AF_INET &&
		    ((const struct sockaddr_in *)sa)->sin_port ==
		    ((const struct sockaddr_in *)u)->sin_port &&
		    ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		    htonl(INADDR_LOOPBACK))
			return true;
		if (sa->sa_family == AF_INET6 &&
		    ((const struct sockaddr_in6 *)sa)->sin6_port ==
		    ((const struct sockaddr_in6 *)u)->sin6_port &&
		    IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->
					 sin6_addr))
			return true;
	}
	return false;
}

/**
 * dest_check() - check and filter the destination of a host socket
 * @sa:		destination, NULL for none
 *
 * Return: 0 to go ahead, -1 with errno set to fail the call instead
 */
static int dest_check(const struct sockaddr *sa)
{
	bool loop;

	if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return 0;

	if (sa->sa_family == AF_INET)
		loop = is_loopish4(((const struct sockaddr_in *)sa)->
				   sin_addr.s_addr);
	else
		loop = is_loopish6(&((const struct sockaddr_in6 *)sa)->
				   sin6_addr);

	if (!loop) {
		/* Never out of this machine: fail it as a network would */
		errno = blocked_errno;
		return -1;
	}
	if (!mapped_here(sa) && !udp_client_is(sa)) {
		fprintf(stderr, "loopback destination without a mapping\n");
		abort();
	}
	return 0;
}

/**
 * __wrap_connect() - connect(), for host sockets under dest_check()
 * @fd:		socket
 * @sa:		destination
 * @sl:		its length
 *
 * Return: as connect()
 */
int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t sl)
{
	if (dest_check(sa))
		return -1;
	return __real_connect(fd, sa, sl);
}

/**
 * __wrap_sendto() - sendto(), for host sockets under dest_check()
 * @fd:		socket
 * @buf:	data
 * @len:	its length
 * @flags:	flags
 * @sa:		destination, or NULL
 * @sl:		its length
 *
 * Return: as sendto()
 */
ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *sa, socklen_t sl)
{
	if (dest_check(sa))
		return -1;
	return __real_sendto(fd, buf, len, flags, sa, sl);
}

/**
 * __wrap_sendmsg() - sendmsg(), for host sockets under dest_check()
 * @fd:		socket
 * @mh:		message
 * @flags:	flags
 *
 * Return: as sendmsg()
 */
ssize_t __wrap_sendmsg(int fd, const struct msghdr *mh, int flags)
{
	if (dest_check(mh->msg_name))
		return -1;
	return __real_sendmsg(fd, mh, flags);
}

/**
 * __wrap_sendmmsg() - sendmmsg(), for host sockets under dest_check()
 * @fd:		socket
 * @mm:		messages
 * @n:		their number
 * @flags:	flags
 *
 * A blocked destination fails the first message that has it, as the kernel
 * fails a message: the ones before it are sent.
 *
 * Return: as sendmmsg()
 */
int __wrap_sendmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (dest_check(mm[i].msg_hdr.msg_name))
			break;
	}
	if (i < n && !i)
		return -1;
	return __real_sendmmsg(fd, mm, i, flags);
}

/**
 * host_socket() - a bound socket on 127.0.0.1 or ::1
 * @af:		AF_INET or AF_INET6
 * @type:	SOCK_STREAM (listening) or SOCK_DGRAM
 * @port:	port, 0 for any
 *
 * Return: socket, -1 on failure
 */
static int host_socket(int af, int type, uint16_t port)
{
	struct sockaddr_storage sa;
	int s, one = 1;
	socklen_t sl;

	memset(&sa, 0, sizeof(sa));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(port);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons(port);
		sl = sizeof(*sin6);
	}

	s = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sl) ||
	    (type == SOCK_STREAM && listen(s, 64))) {
		close(s);
		return -1;
	}
	return s;
}

/**
 * bound_port() - local port of a socket
 * @s:		socket
 *
 * Return: port, host order
 */
static uint16_t bound_port(int s)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	if (getsockname(s, (struct sockaddr *)&sin, &sl))
		abort();
	return ntohs(sin.sin_port);
}

/**
 * host_init() - the listener and echo servers, once
 */
static void host_init(void)
{
	int i;

	srv_port = own_netns ? SRV_PORT_FIXED : 0;
	tcp_listen4 = host_socket(AF_INET, SOCK_STREAM, srv_port);
	if (tcp_listen4 < 0)
		abort();
	srv_port = bound_port(tcp_listen4);
	tcp_listen6 = host_socket(AF_INET6, SOCK_STREAM, srv_port);
	udp_echo[0] = host_socket(AF_INET, SOCK_DGRAM, srv_port);
	udp_echo[1] = host_socket(AF_INET6, SOCK_DGRAM, srv_port);
	if (own_netns) {
		udp_echo[2] = host_socket(AF_INET, SOCK_DGRAM, 53);
		udp_echo[3] = host_socket(AF_INET6, SOCK_DGRAM, 53);
	}
	for (i = 0; i < HOST_CONNS; i++)
		host_conns[i] = -1;
	for (i = 0; i < (int)sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);

	/* The forwarded port: fixed in our namespace, else one free now */
	if (own_netns) {
		fwd_port = FWD_PORT_FIXED;
	} else {
		int s = host_socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0)
			abort();
		fwd_port = bound_port(s);
		close(s);
	}
	for (i = 0; i < 4; i++) {
		socklen_t sl = sizeof(udp_client_sa[i]);

		udp_clients[i] = host_socket(i < 2 ? AF_INET : AF_INET6,
					     SOCK_DGRAM, 0);
		if (udp_clients[i] < 0 ||
		    getsockname(udp_clients[i],
				(struct sockaddr *)&udp_client_sa[i], &sl))
			abort();
	}
}

/**
 * fwd_init() - forward fwd_port, TCP and UDP, as -t and -u would: the
 *		listening sockets, once, and the rules every input restores
 */
static void fwd_init(void)
{
	char spec[8], err[PORT_SPEC_ERR_LEN];

	snprintf(spec, sizeof(spec), "%u", fwd_port);
	port_fwd_init(&fwd_tcp_in);
	port_fwd_init(&fwd_udp_in);
	if (port_spec_parse(&fwd_tcp_in, spec, false, port_ephemeral_start(),
			    err, sizeof(err)) ||
	    port_spec_parse(&fwd_udp_in, spec, false, port_ephemeral_start(),
			    err, sizeof(err))) {
		fprintf(stderr, "forwarding %s: %s\n", spec, err);
		abort();
	}
	memcpy(&c.tcp_in, &fwd_tcp_in, sizeof(c.tcp_in));
	memcpy(&c.udp_in, &fwd_udp_in, sizeof(c.udp_in));
	if (listen_init(&c, &c.tcp_in, IPPROTO_TCP) ||
	    listen_init(&c, &c.udp_in, IPPROTO_UDP))
		abort();
}

/**
 * host_drain_clients() - the UDP clients of the forwarded port read (and
 *			  drop) what the guest answered
 */
static void host_drain_clients(void)
{
	static uint8_t buf[65536];
	int i;

	for (i = 0; i < 4; i++) {
		while (recv(udp_clients[i], buf, sizeof(buf),
			    MSG_DONTWAIT) >= 0)
			;
	}
}

/**
 * host_accept() - accept what's pending on the listeners
 */
static void host_accept(void)
{
	int l, i;

	for (l = 0; l < 2; l++) {
		int ls = l ? tcp_listen6 : tcp_listen4, s;

		if (ls < 0)
			continue;
		while ((s = accept4(ls, NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
			for (i = 0; i < HOST_CONNS; i++) {
				if (host_conns[i] < 0) {
					host_conns[i] = s;
					break;
				}
			}
			if (i == HOST_CONNS)
				close(s);
		}
	}
}

/**
 * host_echo_udp() - echo what the UDP servers received, to its sender
 */
static void host_echo_udp(void)
{
	static uint8_t buf[65536];
	int i, n;

	for (i = 0; i < 4; i++) {
		if (udp_echo[i] < 0)
			continue;
		for (n = 0; n < 64; n++) {
			struct sockaddr_storage peer;
			socklen_t sl = sizeof(peer);
			ssize_t len;

			len = recvfrom(udp_echo[i], buf, sizeof(buf),
				       MSG_DONTWAIT, (struct sockaddr *)&peer,
				       &sl);
			if (len < 0)
				break;
			udp_last_peer[i] = peer;
			udp_last_peer_len[i] = sl;
			__real_sendto(udp_echo[i], buf, (size_t)len,
				      MSG_DONTWAIT, (struct sockaddr *)&peer,
				      sl);
		}
	}
}

/**
 * host_close_all() - the host peers go away: close every connection
 */
static void host_close_all(void)
{
	int i;

	host_accept();
	for (i = 0; i < HOST_CONNS; i++) {
		if (host_conns[i] >= 0)
			close(host_conns[i]);
		host_conns[i] = -1;
	}
	host_echo_udp();
}

/**
 * inbound_seen() - the guest's slot for an inbound flow a frame belongs to
 * @kind:	0: TCP, 1: UDP
 * @p:		the frame, to the forwarded port
 * @open:	the frame opens the flow (a SYN, any datagram): take a slot
 *		if none matches, a free one or else the oldest one
 *
 * Return: the slot, NULL if none matches and @open is false
 */
static struct guest_inbound *inbound_seen(int kind, const struct pkt *p,
					  bool open)
{
	struct in6_addr peer, local;
	bool v6 = p->af == AF_INET6;
	struct guest_inbound *in;
	int i;

	memset(&peer, 0, sizeof(peer));
	memset(&local, 0, sizeof(local));
	if (v6) {
		peer = p->src6;
		local = p->dst6;
	} else {
		memcpy(&peer, &p->src4, sizeof(p->src4));
		memcpy(&local, &p->dst4, sizeof(p->dst4));
	}

	for (i = 0; i < INBOUND_MAX; i++) {
		in = &inbound[kind][i];
		if (in->used && in->v6 == v6 && in->pport == p->sport &&
		    IN6_ARE_ADDR_EQUAL(&in->peer, &peer))
			return in;
	}
	if (!open)
		return NULL;
	for (i = 0; i < INBOUND_MAX && inbound[kind][i].used; i++)
		;
	if (i == INBOUND_MAX)
		i = inbound_next[kind]++ % INBOUND_MAX;
	in = &inbound[kind][i];
	memset(in, 0, sizeof(*in));
	in->used = true;
	in->v6 = v6;
	in->peer = peer;
	in->local = local;
	in->pport = p->sport;
	return in;
}

/**
 * guest_seen_frame() - what the guest learns from a frame passt sent it
 * @arg:	unused
 * @frame:	frame
 * @len:	its length
 */
static void guest_seen_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct guest_inbound *in;
	struct guest_tcp *g;
	struct tcp_view v;
	struct pkt p;
	int af;

	(void)arg;
	if (pkt_parse(frame, len, &p) != PARSE_OK)
		return;
	if (p.proto == IPPROTO_UDP && p.dport == fwd_port) {
		inbound_seen(1, &p, true);
		return;
	}
	if (p.proto != IPPROTO_TCP ||
	    tcp_parse(p.l4, p.l4_len, &v) != PARSE_OK)
		return;
	af = p.af == AF_INET6;
	if (v.dport == fwd_port) {
		bool syn = (v.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;

		in = inbound_seen(0, &p, syn);
		if (!in)
			return;
		g = &in->tcp;
		if (syn)	/* the guest's initial sequence number */
			g->snd_nxt = 0x50000000U + (uint32_t)v.sport * 0x101U;
	} else if (v.dport >= GUEST_PORT0 && v.dport < GUEST_PORT0 + 4) {
		g = &gtcp[af][v.dport - GUEST_PORT0];
	} else {
		return;
	}
	if (v.flags & TCP_SYN)
		g->rcv_nxt = v.seq + 1;
	else if ((int32_t)(v.seq + (uint32_t)v.payload_len - g->rcv_nxt) >= 0)
		g->rcv_nxt = v.seq + (uint32_t)v.payload_len;
	if (v.flags & TCP_FIN)
		g->rcv_nxt++;
}

/**
 * settle() - run the loop, let the host peers answer, read as the guest
 */
static void settle(void)
{
	int i;

	for (i = 0; i < 4; i++) {
		host_accept();
		host_echo_udp();
		host_drain_clients();
		if (!fuzz_loop(&c, 4))
			break;
		if (!guest_paused)
			fuzz_guest_read(&guest, guest_seen_frame, NULL);
	}
	if (!guest_paused)
		fuzz_guest_read(&guest, guest_seen_frame, NULL);
}

/**
 * guest_queue() - queue a frame from the guest, for passt to handle with
 *		   the ones after it, in one batch
 * @frame:	Ethernet frame
 * @len:	its length
 *
 * The last frame queued is the one the loopback oracle (mapped_here())
 * checks destinations against: a batch has one destination.
 */
static void guest_queue(const uint8_t *frame, size_t len)
{
	uint32_t hdr = htonl((uint32_t)len);

	if (c.fd_tap < 0 || len > FRAME_MAX)
		return;

	memcpy(cur_frame, frame, len);
	cur_valid = pkt_parse(cur_frame, len, &cur) == PARSE_OK;

	if (c.mode == MODE_PASST) {
		if (!fuzz_guest_write(&c, &guest, (uint8_t *)&hdr, 4))
			fuzz_guest_write(&c, &guest, frame, len);
	} else {
		send(guest.fd, frame, len, MSG_DONTWAIT);
	}
}

/**
 * guest_send() - send a frame from the guest, and let passt handle it
 * @frame:	Ethernet frame
 * @len:	its length
 */
static void guest_send(const uint8_t *frame, size_t len)
{
	guest_queue(frame, len);
	settle();
	cur_valid = false;
}

/* Destination addresses, by selector: mapped, forwarded, elsewhere, local */
static const char *const dst4_str[8] = {
	"192.0.2.1",	/* gateway: --map-host-loopback by default */
	"192.0.2.53",	/* --dns-forward, when configured */
	"192.0.2.2",	/* --map-guest-addr, when configured */
	"127.0.0.1",	/* loopback: never without a mapping */
	"0.1.2.3",	/* 0.0.0.0/8: the host itself too */
	"203.0.113.5",	/* elsewhere */
	"192.0.2.10",	/* the guest's own address */
	"127.1.2.3",
};

static const char *const dst6_str[8] = {
	"fe80::1",
	"2001:db8::53",
	"2001:db8:1:2::2",
	"::1",
	"::ffff:127.0.0.1",
	"2001:db8::5",
	"2001:db8:1:2::10",
	"::ffff:0.0.0.1",
};

/**
 * ip_headers_to() - Ethernet and IP headers of a frame from the guest
 * @frame:	frame buffer, FRAME_MAX bytes
 * @v6:		IPv6, otherwise IPv4
 * @proto:	upper layer protocol
 * @l4_len:	length of upper layer header and data
 * @src:	source address (struct in_addr or in6_addr)
 * @dst:	destination address, likewise
 *
 * Return: offset of the upper layer header
 */
static size_t ip_headers_to(uint8_t *frame, bool v6, uint8_t proto,
			    size_t l4_len, const void *src, const void *dst)
{
	if (!v6) {
		eth_build(frame, FRAME_MAX, c.our_mac, guest_mac, ETHERTYPE_IP);
		ip4_build(frame + ETH_HLEN, FRAME_MAX - ETH_HLEN, proto, src,
			  dst, l4_len, IP4_DEFAULT_TTL);
		return ETH_HLEN + IP4_HLEN;
	}
	eth_build(frame, FRAME_MAX, c.our_mac, guest_mac, ETHERTYPE_IPV6);
	ip6_build(frame + ETH_HLEN, FRAME_MAX - ETH_HLEN, proto, src, dst,
		  l4_len, 64);
	return ETH_HLEN + IP6_HLEN;
}

/**
 * ip_headers() - Ethernet and IP headers of a frame from the guest
 * @frame:	frame buffer, FRAME_MAX bytes
 * @v6:		IPv6, otherwise IPv4
 * @dst_sel:	destination selector, see dst4_str and dst6_str
 * @proto:	upper layer protocol
 * @l4_len:	length of upper layer header and data
 * @src:	set to the source address (struct in_addr or in6_addr)
 * @dst:	set to the destination address, likewise
 *
 * Return: offset of the upper layer header
 */
static size_t ip_headers(uint8_t *frame, bool v6, int dst_sel, uint8_t proto,
			 size_t l4_len, void *src, void *dst)
{
	inet_pton(v6 ? AF_INET6 : AF_INET,
		  v6 ? "2001:db8:1:2::10" : "192.0.2.10", src);
	inet_pton(v6 ? AF_INET6 : AF_INET,
		  v6 ? dst6_str[dst_sel] : dst4_str[dst_sel], dst);
	return ip_headers_to(frame, v6, proto, l4_len, src, dst);
}

/**
 * inbound_pick() - a slot the guest answers from
 * @kind:	0: TCP, 1: UDP
 * @sel:	which of the slots in use, counted round
 *
 * Return: the slot, NULL if none is in use
 */
static struct guest_inbound *inbound_pick(int kind, unsigned int sel)
{
	struct guest_inbound *used[INBOUND_MAX];
	unsigned int i, n = 0;

	for (i = 0; i < INBOUND_MAX; i++) {
		if (inbound[kind][i].used)
			used[n++] = &inbound[kind][i];
	}
	return n ? used[sel % n] : NULL;
}

/**
 * ip_headers_inbound() - Ethernet and IP headers of a frame from the guest
 *			  to the peer of an inbound flow
 * @frame:	frame buffer, FRAME_MAX bytes
 * @in:		the inbound flow, as the guest saw it open
 * @proto:	upper layer protocol
 * @l4_len:	length of upper layer header and data
 * @src:	set to the source address: the one the flow was opened to
 * @dst:	set to the destination address, likewise: the peer's
 *
 * Return: offset of the upper layer header
 */
static size_t ip_headers_inbound(uint8_t *frame,
				 const struct guest_inbound *in,
				 uint8_t proto, size_t l4_len, void *src,
				 void *dst)
{
	size_t alen = in->v6 ? sizeof(struct in6_addr) :
			       sizeof(struct in_addr);

	memcpy(src, &in->local, alen);
	memcpy(dst, &in->peer, alen);
	return ip_headers_to(frame, in->v6, proto, l4_len, src, dst);
}

/**
 * l4_csum() - checksum of an upper layer packet with its pseudo-header
 * @v6:		IPv6
 * @src:	source address
 * @dst:	destination address
 * @proto:	protocol
 * @l4:		packet, checksum field zero
 * @len:	its length
 *
 * Return: checksum, network order
 */
static uint16_t l4_csum(bool v6, const void *src, const void *dst,
			uint8_t proto, const uint8_t *l4, size_t len)
{
	uint32_t sum = v6 ? csum_ip6_pseudo(src, dst, proto, len) :
			    csum_ip4_pseudo(src, dst, proto, len);

	return csum(l4, len, sum);
}

/**
 * dst_port() - destination port from a selector
 * @sel:	0: the servers, 1: DNS, 2: a closed port, 3: from the input
 * @raw:	the port from the input, for 3
 *
 * Return: port
 */
static uint16_t dst_port(int sel, uint16_t raw)
{
	switch (sel) {
	case 0:
		return srv_port;
	case 1:
		return 53;
	case 2:
		return srv_port + 1;
	default:
		return raw;
	}
}

/**
 * payload_len() - a payload length from one byte: small ones, and the
 *		   largest ones a frame holds
 * @b:		byte
 *
 * Return: length
 */
static size_t payload_len(uint8_t b)
{
	if (b < 0xf0)
		return (size_t)b * 8;
	return PAYLOAD_MAX - (0xff - b) * 1000;
}

/**
 * op_tcp() - a TCP segment from the guest
 * @d:		arguments: selector (bit 0: IPv6, 1-2: source port, 3-5:
 *		destination, 6-7: destination port), flags, sequence and
 *		acknowledgement offsets, window (2 bytes), options, payload
 *		length, and 2 bytes of port if the selector asks
 * @n:		bytes available
 *
 * With op_inbound, the segment answers an inbound connection instead: from
 * the forwarded port to the peer of one the guest saw open (bits 1-2 of the
 * selector pick which, see inbound_pick(); nothing if there is none), the
 * other selector bits unused.
 *
 * Return: bytes used
 */
static size_t op_tcp(const uint8_t *d, size_t n)
{
	static const uint16_t mss_val[8] = { 0, 536, 1460, 65535, 64, 63,
					     9000, 1 };
	static uint8_t frame[FRAME_MAX];
	uint8_t sel, flags, opts[12];
	size_t off, olen = 0, plen, used = 8;
	struct guest_inbound *in = NULL;
	struct in6_addr src, dst;
	struct guest_tcp *g;
	struct tcp_hdr th;
	uint16_t port = 0;
	uint32_t seq, ack;
	int8_t dseq;
	bool v6;

	if (n < 8)
		return n;
	sel = d[0];
	flags = d[1];
	dseq = (int8_t)d[2];
	v6 = sel & 1;
	if (op_inbound) {
		in = inbound_pick(0, (sel >> 1) & 3);
		if (!in)
			return used;
		v6 = in->v6;
		g = &in->tcp;
	} else {
		if ((sel >> 6) == 3) {
			if (n < 10)
				return n;
			port = (uint16_t)(d[8] << 8 | d[9]);
			used = 10;
		}
		g = &gtcp[v6][(sel >> 1) & 3];
	}

	if (!in && (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && !dseq) {
		/* A new connection: a fresh initial sequence number */
		g->snd_nxt = 0x10000000U * (uint32_t)((sel >> 1) & 3) +
			     (uint32_t)d[3] * 0x10101U;
	}
	seq = g->snd_nxt + (dseq == 0x7f ? 0x40000000U : (uint32_t)dseq);
	ack = g->rcv_nxt + (uint32_t)(int8_t)d[3];

	if (d[6] & 7) {
		uint16_t mss = htons(mss_val[d[6] & 7]);

		opts[olen++] = 2;
		opts[olen++] = 4;
		memcpy(opts + olen, &mss, 2);
		olen += 2;
	}
	if (d[6] & 0x18) {
		opts[olen++] = 1;
		opts[olen++] = 3;
		opts[olen++] = 3;
		opts[olen++] = (d[6] & 0x18) == 0x18 ? 15 : (d[6] >> 3) * 7;
	}
	if (d[6] & 0x20) {
		opts[olen++] = 8;	/* truncated timestamp */
		opts[olen++] = 1;
	}
	while (olen % 4)
		opts[olen++] = 0;

	plen = payload_len(d[7]);
	if (plen > PAYLOAD_MAX - olen)
		plen = PAYLOAD_MAX - olen;

	if (in) {
		off = ip_headers_inbound(frame, in, IPPROTO_TCP,
					 TCP_HLEN + olen + plen, &src, &dst);
		th.sport = htons(fwd_port);
		th.dport = htons(in->pport);
	} else {
		off = ip_headers(frame, v6, (sel >> 3) & 7, IPPROTO_TCP,
				 TCP_HLEN + olen + plen, &src, &dst);
		th.sport = htons(GUEST_PORT0 + ((sel >> 1) & 3));
		th.dport = htons(dst_port(sel >> 6, port));
	}
	th.seq = htonl(seq);
	th.ack = htonl(ack);
	th.doff = (uint8_t)(((TCP_HLEN + olen) / 4) << 4);
	th.flags = flags;
	th.window = htons((uint16_t)(d[4] << 8 | d[5]));
	th.check = 0;
	th.urg_ptr = 0;
	memcpy(frame + off, &th, sizeof(th));
	memcpy(frame + off + TCP_HLEN, opts, olen);
	memcpy(frame + off + TCP_HLEN + olen, pattern, plen);
	th.check = l4_csum(v6, &src, &dst, IPPROTO_TCP, frame + off,
			   TCP_HLEN + olen + plen);
	memcpy(frame + off + offsetof(struct tcp_hdr, check), &th.check, 2);

	if (seq == g->snd_nxt)
		g->snd_nxt += (uint32_t)plen + !!(flags & TCP_SYN) +
			      !!(flags & TCP_FIN);

	guest_send(frame, off + TCP_HLEN + olen + plen);
	return used;
}

/**
 * udp_frame() - build a UDP datagram from the guest
 * @frame:	frame buffer, FRAME_MAX bytes
 * @sel:	selector, see op_udp()
 * @port:	destination port, if the selector says so
 * @sport:	source port
 * @plen:	payload length
 *
 * Return: frame length, 0 if there is nothing to send (an unused slot)
 */
static size_t udp_frame(uint8_t *frame, uint8_t sel, uint16_t port,
			uint16_t sport, size_t plen)
{
	const struct guest_inbound *in = NULL;
	struct in6_addr src, dst;
	uint16_t h[4];
	bool v6 = sel & 1;
	size_t off;

	if (op_inbound) {
		in = inbound_pick(1, (sel >> 1) & 3);
		if (!in)
			return 0;
		v6 = in->v6;
		off = ip_headers_inbound(frame, in, IPPROTO_UDP,
					 UDP_HLEN + plen, &src, &dst);
		h[0] = htons(fwd_port);
		h[1] = htons(in->pport);
	} else {
		off = ip_headers(frame, v6, (sel >> 3) & 7, IPPROTO_UDP,
				 UDP_HLEN + plen, &src, &dst);
		h[0] = htons(sport);
		h[1] = htons(dst_port(sel >> 6, port));
	}
	h[2] = htons((uint16_t)(UDP_HLEN + plen));
	h[3] = 0;
	memcpy(frame + off, h, UDP_HLEN);
	memcpy(frame + off + UDP_HLEN, pattern, plen);
	h[3] = l4_csum(v6, &src, &dst, IPPROTO_UDP, frame + off,
		       UDP_HLEN + plen);
	memcpy(frame + off + 6, &h[3], 2);
	return off + UDP_HLEN + plen;
}

/**
 * op_udp() - a UDP datagram from the guest, or a batch of them
 * @d:		arguments: selector (bit 0: IPv6, 1-2: source port, 3-5:
 *		destination, 6-7: destination port), payload length, 2 bytes
 *		of port if the selector asks, and with op_burst a byte for
 *		the batch: bits 0-3, datagrams after the first; 4, the last
 *		one shorter; 5-6, source ports taken in turn (1, 2, 3, 4)
 * @n:		bytes available
 *
 * With op_inbound, the datagram answers an inbound flow: from the forwarded
 * port to the peer of one the guest saw open (bits 1-2 of the selector,
 * see inbound_pick()).
 *
 * A batch of datagrams reaches passt at once (one wake-up): consecutive
 * datagrams of a flow are sent together (see udp.c, UDP_SEGMENT).
 *
 * Return: bytes used
 */
static size_t op_udp(const uint8_t *d, size_t n)
{
	static uint8_t frame[FRAME_MAX];
	size_t len, plen, used = 2;
	unsigned int count = 1, ports = 1, i;
	uint8_t batch = 0;
	uint16_t port = 0;

	if (n < 2)
		return n;
	if (!op_inbound && (d[0] >> 6) == 3) {
		if (n < 4)
			return n;
		port = (uint16_t)(d[2] << 8 | d[3]);
		used = 4;
	}
	if (op_burst) {
		if (n < used + 1)
			return n;
		batch = d[used++];
		count = 1 + (batch & 0xf);
		ports = 1 + ((batch >> 5) & 3);
	}
	plen = payload_len(d[1]);
	for (i = 0; i < count; i++) {
		uint16_t sport = (uint16_t)(GUEST_PORT0 +
					    (((d[0] >> 1) + i % ports) & 3));

		if (i == count - 1 && count > 1 && (batch & 0x10))
			plen /= 2;
		len = udp_frame(frame, d[0], port, sport, plen);
		if (!len)
			return used;
		guest_queue(frame, len);
	}
	settle();
	cur_valid = false;
	return used;
}

/**
 * op_icmp() - an ICMP or ICMPv6 echo request from the guest
 * @d:		arguments: selector (bit 0: IPv6, 1-2: identifier, 3-5:
 *		destination), payload length
 * @n:		bytes available
 *
 * Return: bytes used
 */
static size_t op_icmp(const uint8_t *d, size_t n)
{
	static uint8_t frame[FRAME_MAX];
	struct in6_addr src, dst;
	uint8_t hdr[ICMP_HLEN];
	size_t off, plen;
	uint16_t sum;
	bool v6;

	if (n < 2)
		return n;
	v6 = d[0] & 1;
	plen = payload_len(d[1]);
	off = ip_headers(frame, v6, (d[0] >> 3) & 7,
			 v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, ICMP_HLEN + plen,
			 &src, &dst);
	hdr[0] = v6 ? 128 : 8;
	hdr[1] = 0;
	hdr[2] = hdr[3] = 0;
	hdr[4] = 0x12;
	hdr[5] = (uint8_t)((d[0] >> 1) & 3);
	hdr[6] = (uint8_t)(icmp_seq >> 8);
	hdr[7] = (uint8_t)icmp_seq++;
	memcpy(frame + off, hdr, ICMP_HLEN);
	memcpy(frame + off + ICMP_HLEN, pattern, plen);
	sum = v6 ? l4_csum(true, &src, &dst, IPPROTO_ICMPV6, frame + off,
			   ICMP_HLEN + plen) :
		   csum(frame + off, ICMP_HLEN + plen, 0);
	memcpy(frame + off + 2, &sum, 2);
	guest_send(frame, off + ICMP_HLEN + plen);
	return 2;
}

/**
 * op_raw() - raw frame bytes from the guest, IPv4 header checksum fixed up
 * @d:		arguments: length (2 bytes), then the frame
 * @n:		bytes available
 *
 * Return: bytes used
 */
static size_t op_raw(const uint8_t *d, size_t n)
{
	static uint8_t frame[FRAME_MAX];
	size_t len;

	if (n < 2)
		return n;
	len = (size_t)(d[0] << 8 | d[1]);
	if (len > n - 2)
		len = n - 2;
	memcpy(frame, d + 2, len);
	if (len >= ETH_HLEN + IP4_HLEN && frame[12] == 0x08 &&
	    frame[13] == 0x00 && (frame[14] >> 4) == 4) {
		size_t hl = (size_t)(frame[14] & 0xf) * 4;
		uint16_t sum;

		if (hl >= IP4_HLEN && ETH_HLEN + hl <= len) {
			frame[24] = frame[25] = 0;
			sum = csum(frame + ETH_HLEN, hl, 0);
			memcpy(frame + 24, &sum, 2);
		}
	}
	guest_send(frame, len);
	return 2 + len;
}

/**
 * host_connect_fwd() - a host client connects to the forwarded port
 * @v6:		over IPv6 (::1), otherwise IPv4 (127.0.0.1)
 *
 * The connection takes a free slot of host_conns, where op_host_tcp() acts
 * on it as on the ones the guest opened.
 */
static void host_connect_fwd(bool v6)
{
	struct sockaddr_storage sa;
	socklen_t sl;
	int s, i;

	memset(&sa, 0, sizeof(sa));
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons(fwd_port);
		sl = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(fwd_port);
		sl = sizeof(*sin);
	}
	for (i = 0; i < HOST_CONNS && host_conns[i] >= 0; i++)
		;
	if (i == HOST_CONNS)
		return;
	s = socket(v6 ? AF_INET6 : AF_INET,
		   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	if (__real_connect(s, (struct sockaddr *)&sa, sl) &&
	    errno != EINPROGRESS) {
		close(s);
		return;
	}
	host_conns[i] = s;
}

/**
 * op_host_tcp() - a host peer acts on its connection, or, with op_inbound,
 *		   a host client connects to the forwarded port
 * @d:		arguments: connection, action, size; with op_inbound, one
 *		byte: bit 0, IPv6
 * @n:		bytes available
 *
 * Return: bytes used
 */
static size_t op_host_tcp(const uint8_t *d, size_t n)
{
	static uint8_t buf[1 << 16];
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	int *s, i;

	if (op_inbound) {
		if (n < 1)
			return n;
		host_connect_fwd(d[0] & 1);
		settle();
		return 1;
	}
	if (n < 3)
		return n;
	host_accept();
	s = &host_conns[d[0] % HOST_CONNS];
	if (*s < 0)
		return 3;

	switch (d[1] % 6) {
	case 0:		/* write: up to 255 times 4 KiB */
		for (i = 0; i <= d[2] / 16; i++)
			if (send(*s, pattern, (size_t)(d[2] % 16 + 1) * 4096,
				 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				break;
		break;
	case 1:
		shutdown(*s, SHUT_WR);
		break;
	case 2:		/* reset */
		setsockopt(*s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(*s);
		*s = -1;
		break;
	case 3:
		close(*s);
		*s = -1;
		break;
	case 4:		/* read and drop */
		while (recv(*s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		break;
	case 5: {	/* echo */
		ssize_t len;

		while ((len = recv(*s, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			send(*s, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
		break;
	}
	}
	settle();
	return 3;
}

/**
 * op_host_udp() - a UDP server sends a datagram to its last peer, or, with
 *		   op_inbound, a UDP client sends one to the forwarded port
 * @d:		arguments: server (client), size selector
 * @n:		bytes available
 *
 * Return: bytes used
 */
static size_t op_host_udp(const uint8_t *d, size_t n)
{
	static const size_t sizes[8] = { 0, 1, 1400, 1472, 9000, 65000,
					 65507, 65527 };
	int i;

	if (n < 2)
		return n;
	i = d[0] & 3;
	if (op_inbound) {
		struct sockaddr_storage sa = udp_client_sa[i];

		/* The client's own address, with the forwarded port */
		if (sa.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&sa)->sin6_port =
				htons(fwd_port);
		else
			((struct sockaddr_in *)&sa)->sin_port = htons(fwd_port);
		__real_sendto(udp_clients[i], pattern, sizes[d[1] & 7],
			      MSG_DONTWAIT, (struct sockaddr *)&sa,
			      sa.ss_family == AF_INET6 ?
			      sizeof(struct sockaddr_in6) :
			      sizeof(struct sockaddr_in));
	} else if (udp_echo[i] >= 0 && udp_last_peer_len[i])
		__real_sendto(udp_echo[i], pattern, sizes[d[1] & 7],
			      MSG_DONTWAIT, (struct sockaddr *)&udp_last_peer[i],
			      udp_last_peer_len[i]);
	settle();
	return 2;
}

/**
 * op_time() - move the clock forward, and run the timers
 * @d:		arguments: how far
 * @n:		bytes available
 *
 * Return: bytes used
 */
static size_t op_time(const uint8_t *d, size_t n)
{
	static const uint64_t steps[8] = { 60, 250, 1100, 5000, 11000,
					   61000, 181000, 7201000 };

	if (n < 1)
		return n;
	clock_fuzz_offset_ms += steps[d[0] & 7];
	loop_timers(&c);
	settle();
	return 1;
}

/**
 * op_flood() - the guest opens flows by the hundred: the table fills up
 * @d:		arguments: bit 0, IPv6; 1, TCP SYNs instead of UDP datagrams;
 *		2-4, how many (FLOOD_STEP times one more than their value)
 * @n:		bytes available
 *
 * Datagrams or SYNs from FLOOD_PORT0 on, one port each, to the gateway
 * (mapped to loopback, or not), port srv_port + 1 (closed, for UDP) or
 * srv_port: with the table limited to FLOW_LIMIT_MIN (see
 * LLVMFuzzerInitialize()), the flows of the guest go past their share, and
 * idle UDP flows are evicted for new ones (flow_evict()).
 *
 * Return: bytes used
 */
static size_t op_flood(const uint8_t *d, size_t n)
{
	static uint8_t frame[FRAME_MAX];
	unsigned int count, i;
	struct in6_addr src, dst;
	bool v6, tcp;

	if (n < 1)
		return n;
	v6 = d[0] & 1;
	tcp = d[0] & 2;
	count = FLOOD_STEP * (1 + ((d[0] >> 2) & 7));
	for (i = 0; i < count; i++) {
		uint16_t sport = (uint16_t)(FLOOD_PORT0 + i);
		size_t off;

		if (tcp) {
			struct tcp_hdr th;

			off = ip_headers(frame, v6, 0, IPPROTO_TCP, TCP_HLEN,
					 &src, &dst);
			memset(&th, 0, sizeof(th));
			th.sport = htons(sport);
			th.dport = htons(srv_port);
			th.seq = htonl(0x1000U * i);
			th.doff = (uint8_t)((TCP_HLEN / 4) << 4);
			th.flags = TCP_SYN;
			th.window = htons(65535);
			memcpy(frame + off, &th, sizeof(th));
			th.check = l4_csum(v6, &src, &dst, IPPROTO_TCP,
					   frame + off, TCP_HLEN);
			memcpy(frame + off + offsetof(struct tcp_hdr, check),
			       &th.check, 2);
			off += TCP_HLEN;
		} else {
			uint16_t h[4];

			off = ip_headers(frame, v6, 0, IPPROTO_UDP, UDP_HLEN + 8,
					 &src, &dst);
			h[0] = htons(sport);
			h[1] = htons((uint16_t)(srv_port + 1));
			h[2] = htons(UDP_HLEN + 8);
			h[3] = 0;
			memcpy(frame + off, h, UDP_HLEN);
			memcpy(frame + off + UDP_HLEN, pattern, 8);
			h[3] = l4_csum(v6, &src, &dst, IPPROTO_UDP, frame + off,
				       UDP_HLEN + 8);
			memcpy(frame + off + 6, &h[3], 2);
			off += UDP_HLEN + 8;
		}
		guest_queue(frame, off);
		if (i % FLOOD_STEP == FLOOD_STEP - 1)
			settle();
	}
	settle();
	cur_valid = false;
	return 1;
}

/**
 * fuzz_op() - one operation
 * @d:		opcode, then arguments
 * @n:		bytes available
 *
 * Opcodes (low 3 bits): 0 TCP, 1 UDP, 2 ICMP, 3 raw frame, 4 host TCP peer,
 * 5 host UDP peer, 6 clock, 7 guest stops or resumes reading, or, with bit
 * 3 set, the loop starts or stops busy-polling, or, with bit 4 set, the
 * guest opens flows until the table is full (op_flood()). Bits 5-7 of a TCP, UDP or
 * ICMP opcode pick the error for non-loopback destinations. Bit 3 of the
 * others (op_inbound) turns to the forwarded port: TCP and UDP answer the
 * inbound flows the guest saw open, the host peers connect or send to it.
 * Bit 4 of UDP (op_burst) sends a batch of datagrams at once.
 *
 * Return: bytes used
 */
static size_t fuzz_op(const uint8_t *d, size_t n)
{
	static const int errs[8] = { ENETUNREACH, EHOSTUNREACH, EACCES, EPERM,
				     ECONNREFUSED, ENETUNREACH, EINVAL,
				     ENETUNREACH };
	static size_t (*const ops[7])(const uint8_t *d, size_t n) = {
		op_tcp, op_udp, op_icmp, op_raw, op_host_tcp, op_host_udp,
		op_time,
	};
	uint8_t op = d[0];

	blocked_errno = errs[op >> 5];
	op_inbound = op & 8;
	op_burst = op & 0x10;
	d++;
	n--;
	if ((op & 7) < 7)
		return 1 + ops[op & 7](d, n);

	if (op & 0x10)
		return 1 + op_flood(d, n);
	if (op & 8) {		/* the main loop polls, or stops polling */
		fuzz_busy_poll = !fuzz_busy_poll;
		return 1;
	}
	guest_paused = !guest_paused;
	if (!guest_paused)
		settle();
	return 1;
}

/**
 * fuzz_config() - flow configuration from one input byte
 * @b:		bits 0-1: MTU (65520, none as -m 0, 1500, 1280); 2: no
 *		loopback mapping (--no-map-gw); 3: --dns-forward to loopback
 *		resolvers; 4: --map-guest-addr; 5: host isolation
 *		(--no-map-host); 6: --host-refuse drop; 7: pasta (tap
 *		device) instead of passt (stream socket)
 */
static void fuzz_config(uint8_t b)
{
	static const int mtus[4] = { 65520, 0, 1500, 1280 };

	c.mtu = mtus[b & 3];
	c.no_map_gw = b & 0x04;
	if (b & 0x08) {
		inet_pton(AF_INET, "192.0.2.53", &c.ip4.dns_match);
		inet_pton(AF_INET, "127.0.0.1", &c.ip4.dns_host);
		inet_pton(AF_INET6, "2001:db8::53", &c.ip6.dns_match);
		c.ip6.dns_host = in6addr_loopback;
	}
	if (b & 0x10) {
		inet_pton(AF_INET, "192.0.2.2", &c.ip4.map_guest_addr);
		inet_pton(AF_INET, "203.0.113.7", &c.ip4.host_addr);
		inet_pton(AF_INET6, "2001:db8:1:2::2", &c.ip6.map_guest_addr);
		inet_pton(AF_INET6, "2001:db8::7", &c.ip6.host_addr);
	}
	c.no_map_host = b & 0x20;
	c.host_refuse_drop = b & 0x40;
	c.mode = (b & 0x80) ? MODE_PASTA : MODE_PASST;
	fwd_map_defaults(&c);
}

/**
 * teardown() - the guest and the host peers go away, time passes: nothing
 *		may be left
 */
static void teardown(void)
{
	int i;

	guest_paused = false;
	settle();

	/* The guest goes away */
	if (c.mode == MODE_PASST) {
		close(guest.fd);
		guest.fd = -1;
		for (i = 0; c.fd_tap >= 0 && i < 64; i++)
			fuzz_loop(&c, 1);
		if (c.fd_tap >= 0)
			abort();

		/* Nothing of this guest's may be left for the next client */
		if (flow_get_stats()->in_use) {
			fprintf(stderr, "%u flows outlive their client\n",
				flow_get_stats()->in_use);
			abort();
		}
	} else {
		/* A tap device doesn't go away: pasta exits instead */
		epoll_ctl(c.epollfd, EPOLL_CTL_DEL, c.fd_tap, NULL);
		close(c.fd_tap);
		c.fd_tap = -1;
		close(guest.fd);
		guest.fd = -1;
	}

	/* The host peers too, and every timeout passes */
	host_close_all();
	for (i = 0; i < 4; i++) {
		clock_fuzz_offset_ms += 3 * 3600 * 1000;
		fuzz_loop(&c, 8);
		loop_timers(&c);
		host_close_all();
	}
	fuzz_loop(&c, 8);

	if (flow_get_stats()->in_use) {
		fprintf(stderr, "%u flows left after teardown\n",
			flow_get_stats()->in_use);
		flow_dump(LOG_CRIT);
		abort();
	}
	if (fuzz_fd_scan(false) != fds_before) {
		fprintf(stderr, "descriptors leaked\n");
		fuzz_fd_scan(true);
		abort();
	}
}

/**
 * LLVMFuzzerInitialize() - libFuzzer set-up: namespace, servers, context
 * @argc:	unused
 * @argv:	unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;

	/* FUZZ_FLOWS_TRACE=1: what the flows do, to see what an input does */
	log_set_level(getenv("FUZZ_FLOWS_TRACE") ? LOG_TRACE : LOG_CRIT);
	log_to_stderr(true);
	own_netns = fuzz_netns_setup();
	host_init();

	fuzz_ctx_init(&c, 0);
	c.epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c.epollfd < 0 || flow_init() || tcp_init(&c))
		abort();
	/* The smallest table: op_flood() fills it */
	flow_set_limit(FLOW_LIMIT_MIN);
	c.fd_route = -1;
	c.no_map_host = true;
	if (!fwd_isolation_init(&c))
		fd_route = c.fd_route;
	fwd_init();

	fds_before = fuzz_fd_scan(false);
	return 0;
}

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	input, see the theory of operation
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int epollfd = c.epollfd;
	size_t i = 2;

	if (size < 2 || size > 4096)
		return 0;

	fuzz_ctx_init(&c, data[0]);
	/* Bit 7, unused there: act as kernels without SO_PEEK_OFF for TCP */
	tcp_peek_off_use(!(data[0] & 0x80));
	c.epollfd = epollfd;
	c.fd_route = fd_route;
	c.fd_tap_listen = c.fd_given = -1;
	fuzz_config(data[1]);
	/* The forwarding rules the listening sockets were bound for; pasta
	 * would splice loopback clients to its namespace: not here
	 */
	memcpy(&c.tcp_in, &fwd_tcp_in, sizeof(c.tcp_in));
	memcpy(&c.udp_in, &fwd_udp_in, sizeof(c.udp_in));
	c.no_splice = true;
	c.flows_on = true;
	memset(gtcp, 0, sizeof(gtcp));
	memset(inbound, 0, sizeof(inbound));
	memset(inbound_next, 0, sizeof(inbound_next));
	memset(udp_last_peer_len, 0, sizeof(udp_last_peer_len));
	guest_paused = false;
	fuzz_busy_poll = false;

	fuzz_guest_connect(&c, &guest);
	while (i < size)
		i += fuzz_op(data + i, size - i);
	teardown();

	return 0;
}
