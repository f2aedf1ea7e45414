// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * autofwd.c - pasta: automatic port forwarding (-t, -u, -T, -U auto)
 *
 * Theory of operation
 *
 * With "auto", the ports to forward are the ones something listens on at
 * the other end: -t auto and -u auto forward the host ports for which a
 * socket in the namespace listens, -T auto and -U auto the namespace ports
 * for which a socket on the host listens. We learn them from the kernel's
 * socket tables, /proc/net/tcp, tcp6, udp and udp6, as seen from the side
 * whose sockets we want (see below).
 *
 * Once a second, each table is read again. A TCP socket counts if it is in
 * the LISTEN state; a UDP socket if it is bound and not connected (state
 * CLOSE, no remote port), and its port is below the ephemeral range, so
 * that client sockets waiting for replies don't get forwarded. Ports we
 * bound ourselves on the scanned side (-T/-U ports in the namespace, -t/-u
 * ports on the host, explicit or automatic) are left out, or each
 * direction would forward the other one's sockets back.
 *
 * The tables come from the kernel's socket diagnostics (NETLINK_SOCK_DIAG,
 * what ss(8) uses), asked for the wanted state only: the kernel walks its
 * table of listening sockets and sends those, however many connections
 * the side has. A host busy with short connections keeps tens of
 * thousands of them in TIME_WAIT, each a line of /proc/net/tcp: reading
 * those files every second took an idle pasta 3% of a CPU with 27,000 of
 * them. One sock_diag socket per side is created at start-up, in that
 * side's network namespace, which is the one it dumps, and requests go
 * through netlink.c's nl_exchange(), as rtnetlink ones do. If the kernel
 * has no diagnostics for a protocol (tcp_diag, udp_diag), that direction
 * reads /proc/net/tcp, tcp6, udp and udp6 instead, opened at start-up from
 * the side they describe (pasta_ns_open() for the namespace); so does a
 * scan whose dump fails.
 *
 * The difference with the previous scan is applied: new ports get a
 * socket bound (listen_auto_port(): on every host address for -t/-u, on the
 * namespace's loopback for -T/-U), ports that went away get theirs closed.
 * Connections already accepted are not affected. A port that can't be
 * bound (taken by someone else) is tried again on the next scan.
 *
 * Ports are forwarded untranslated. The parser, procnet_parse(), is pure
 * and unit-tested.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "conf/ctx.h"
#include "flow/autofwd.h"
#include "flow/listen.h"
#include "flow/udp.h"
#include "flow/udp_splice.h"
#include "ns/netlink.h"
#include "ns/pasta.h"
#include "policy/portspec.h"
#include "policy/fwd.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/util.h"

#define AUTOFWD_SCAN_MS		1000
#define PROCNET_CHUNK		65536

#define TCP_STATE_LISTEN	0x0a
#define TCP_STATE_CLOSE		0x07

/**
 * struct autofwd_dir - one automatic forwarding direction
 * @fwd:	its configuration, in PORT_FWD_AUTO mode
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @scan_ns:	the scanned side is the namespace (-t, -u auto)
 * @name:	option, for messages
 * @diag_fd:	sock_diag socket of the scanned side, -1: @proc_fd instead
 * @diag_v6:	the kernel dumps IPv6 sockets of @proto
 * @proc_fd:	socket tables of the scanned side, IPv4 and IPv6, or -1
 * @bound:	ports we forward now
 * @fd:		our sockets for them, IPv4 and IPv6, -1 if none
 */
struct autofwd_dir {
	struct port_fwd *fwd;
	uint8_t proto;
	bool scan_ns;
	const char *name;
	int diag_fd;
	bool diag_v6;
	int proc_fd[2];
	uint8_t bound[PORT_BITMAP_SIZE];
	int fd[65536][2];
};

static struct autofwd_dir autofwd[4];
static int autofwd_count;
static uint64_t autofwd_last;
static uint16_t autofwd_eph;		/* first ephemeral port */

static char procnet_buf[PROCNET_CHUNK + 1];
static int autofwd_diag[2] = { -1, -1 };	/* sock_diag: host, namespace */
static bool autofwd_diag_tried[2];

/**
 * hexval() - value of a hexadecimal digit
 * @ch:		character
 *
 * Return: 0 to 15, or -1 if @ch isn't a hexadecimal digit
 */
static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/**
 * parse_hex() - parse a hexadecimal field
 * @p:		cursor, moved past the digits
 * @end:	end of the line
 * @val:	value, filled
 *
 * Return: number of digits, 0 if none (or more than 8)
 */
static int parse_hex(const char **p, const char *end, unsigned long *val)
{
	int n = 0, d;

	*val = 0;
	while (*p < end && (d = hexval(**p)) >= 0) {
		if (++n > 8)
			return 0;
		*val = (*val << 4) | (unsigned long)d;
		(*p)++;
	}
	return n;
}

/**
 * skip_blank() - skip spaces
 * @p:		cursor
 * @end:	end of the line
 */
static void skip_blank(const char **p, const char *end)
{
	while (*p < end && **p == ' ')
		(*p)++;
}

/**
 * procnet_line() - parse one line of /proc/net/{tcp,udp}{,6}
 * @p:		start of the line
 * @end:	end of the line, without the newline
 * @port:	local port, filled
 * @rport:	remote port, filled
 * @state:	socket state, filled
 *
 * Line format: "  N: LOCALADDR:PORT REMADDR:PORT ST ...", addresses of 8
 * (IPv4) or 32 (IPv6) hexadecimal digits. The header line doesn't parse.
 *
 * Return: 0 on success, -1 if the line isn't a socket entry
 */
static int procnet_line(const char *p, const char *end, uint16_t *port,
			uint16_t *rport, unsigned int *state)
{
	unsigned long v;
	int i;

	skip_blank(&p, end);
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p >= end || *p != ':')
		return -1;
	p++;

	for (i = 0; i < 2; i++) {
		const char *a;

		skip_blank(&p, end);
		a = p;
		while (p < end && hexval(*p) >= 0)
			p++;
		if ((p - a != 8 && p - a != 32) || p >= end || *p != ':')
			return -1;
		p++;
		if (parse_hex(&p, end, &v) != 4)
			return -1;
		if (!i)
			*port = (uint16_t)v;
		else
			*rport = (uint16_t)v;
	}

	skip_blank(&p, end);
	if (parse_hex(&p, end, &v) != 2)
		return -1;
	*state = (unsigned int)v;
	return 0;
}

/**
 * procnet_parse() - collect listening ports from socket table text
 * @buf:	text, possibly ending with an incomplete line
 * @len:	length of @buf
 * @tcp:	TCP table (LISTEN sockets count) or UDP (unconnected ones)
 * @eph:	first ephemeral port: UDP ports from there on don't count
 * @bitmap:	ports found are set here (PORT_BITMAP_SIZE bytes)
 *
 * Return: bytes of @buf consumed: complete lines only
 */
size_t procnet_parse(const char *buf, size_t len, bool tcp, uint16_t eph,
		     uint8_t *bitmap)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		uint16_t port = 0, rport = 0;
		unsigned int state = 0;

		if (!nl)
			break;
		if (!procnet_line(p, nl, &port, &rport, &state) && port) {
			bool want = tcp ? state == TCP_STATE_LISTEN :
					  state == TCP_STATE_CLOSE && !rport &&
					  (!eph || port < eph);

			if (want)
				bitmap[port / 8] |= (uint8_t)(1U << (port % 8));
		}
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

/**
 * procnet_scan() - read a socket table file and collect its ports
 * @fd:		descriptor of /proc/net/{tcp,udp}{,6}
 * @tcp:	TCP or UDP table
 * @eph:	first ephemeral port
 * @bitmap:	ports found are set here
 *
 * Return: 0 on success, -errno on read failure
 *
 * #syscalls:pasta pread64
 */
static int procnet_scan(int fd, bool tcp, uint16_t eph, uint8_t *bitmap)
{
	size_t have = 0;
	off_t off = 0;

	/* pread() from the start: no lseek() needed, one call less to allow */
	for (;;) {
		ssize_t n = pread(fd, procnet_buf + have, PROCNET_CHUNK - have,
				  off);
		size_t used;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += n;
		have += (size_t)n;
		used = procnet_parse(procnet_buf, have, tcp, eph, bitmap);
		memmove(procnet_buf, procnet_buf + used, have - used);
		have -= used;
		if (!n || have == PROCNET_CHUNK)	/* EOF, or no line */
			break;
	}
	return 0;
}

/**
 * diag_msg_port() - the port of a sock_diag dump message, if it counts
 * @nh:		message, its length checked against what was received
 * @tcp:	TCP dump (LISTEN sockets count) or UDP (unconnected ones)
 * @eph:	first ephemeral port: UDP ports from there on don't count
 *
 * The request asked for the wanted states only; the state, and for UDP the
 * remote port, are checked again all the same, as procnet_parse() does.
 *
 * Return: the socket's local port, 0 if it doesn't count
 */
uint16_t diag_msg_port(const struct nlmsghdr *nh, bool tcp, uint16_t eph)
{
	struct inet_diag_msg m;
	uint16_t port;

	if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(m)))
		return 0;

	memcpy(&m, NLMSG_DATA(nh), sizeof(m));
	port = ntohs(m.id.idiag_sport);
	if (tcp ? m.idiag_state != TCP_STATE_LISTEN :
		  m.idiag_state != TCP_STATE_CLOSE || m.id.idiag_dport ||
		  (eph && port >= eph))
		return 0;
	return port;
}

/**
 * struct diag_dump - what diag_cb() collects
 * @tcp:	TCP or UDP dump
 * @eph:	first ephemeral port
 * @ports:	ports found in this attempt (nl_exchange() may repeat a dump)
 */
struct diag_dump {
	bool tcp;
	uint16_t eph;
	uint8_t ports[PORT_BITMAP_SIZE];
};

/**
 * diag_cb() - collect the port of one dump message, see nl_cb_t
 * @nh:		message, NULL at the start of an attempt
 * @arg:	struct diag_dump
 *
 * Return: 0
 */
static int diag_cb(const struct nlmsghdr *nh, void *arg)
{
	struct diag_dump *d = arg;
	uint16_t port;

	if (!nh) {
		memset(d->ports, 0, sizeof(d->ports));
		return 0;
	}
	if ((port = diag_msg_port(nh, d->tcp, d->eph)))
		d->ports[port / 8] |= (uint8_t)(1U << (port % 8));
	return 0;
}

/**
 * diag_scan() - dump one protocol and family through sock_diag
 * @fd:		NETLINK_SOCK_DIAG socket of the scanned side
 * @af:		AF_INET or AF_INET6
 * @tcp:	TCP (listening sockets) or UDP (unconnected ones)
 * @eph:	first ephemeral port
 * @bitmap:	ports found are set here, only if the dump succeeds
 *
 * Return: 0 on success, negative error code on failure
 */
static int diag_scan(int fd, int af, bool tcp, uint16_t eph, uint8_t *bitmap)
{
	static struct diag_dump dump;
	struct inet_diag_req_v2 r;
	union {
		struct nlmsghdr nh;
		uint8_t buf[NLMSG_SPACE(sizeof(r))];
	} req;
	int rc, i;

	memset(&r, 0, sizeof(r));
	r.sdiag_family = (uint8_t)af;
	r.sdiag_protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	r.idiag_states = 1U << (tcp ? TCP_STATE_LISTEN : TCP_STATE_CLOSE);
	dump.tcp = tcp;
	dump.eph = eph;

	if ((rc = nl_msg_init(&req.nh, sizeof(req), SOCK_DIAG_BY_FAMILY,
			      NLM_F_DUMP, &r, sizeof(r))) ||
	    (rc = nl_exchange(fd, &req.nh, diag_cb, &dump)))
		return rc;

	for (i = 0; i < PORT_BITMAP_SIZE; i++)
		bitmap[i] |= dump.ports[i];
	return 0;
}

/**
 * autofwd_diag_fd() - sock_diag socket of one side, created once
 * @scan_ns:	the namespace's (in it), or the host's
 *
 * Return: socket, or -1 if there's none (logged at debug level)
 */
static int autofwd_diag_fd(bool scan_ns)
{
	int fd;

	if (autofwd_diag_tried[scan_ns])
		return autofwd_diag[scan_ns];
	autofwd_diag_tried[scan_ns] = true;

#ifdef SECCOMP_SELFTEST
	/* Test-only build: the files, as without the kernel's diagnostics,
	 * with the real filter (tests/integration/test_autofwd.py)
	 */
	if (getenv("PASST_TEST_PROCNET"))
		return -1;
#endif

	if (scan_ns)
		fd = pasta_ns_socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
				     NETLINK_SOCK_DIAG);
	else if ((fd = sock_open(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
				 NETLINK_SOCK_DIAG)) < 0)
		fd = -errno;
	if (fd >= 0)
		fd = nl_setup(fd);
	if (fd < 0) {
		log_debug("auto forwarding: no sock_diag socket%s: %s",
			  scan_ns ? " in the namespace" : "", strerror(-fd));
		return -1;
	}
	return autofwd_diag[scan_ns] = fd;
}

/**
 * autofwd_own() - ports we bound on the scanned side of a direction
 * @c:		execution context
 * @d:		direction
 * @own:	bitmap to fill
 */
static void autofwd_own(const struct ctx *c, const struct autofwd_dir *d,
			uint8_t *own)
{
	const struct port_fwd *other;
	int i, j;

	/* The opposite direction binds on the side we scan */
	if (d->proto == IPPROTO_TCP)
		other = d->scan_ns ? &c->tcp_out : &c->tcp_in;
	else
		other = d->scan_ns ? &c->udp_out : &c->udp_in;

	memcpy(own, other->map, PORT_BITMAP_SIZE);
	for (i = 0; i < autofwd_count; i++) {
		if (autofwd[i].fwd != other)
			continue;
		for (j = 0; j < PORT_BITMAP_SIZE; j++)
			own[j] |= autofwd[i].bound[j];
	}
}

/**
 * autofwd_close_port() - stop forwarding a port
 * @c:		execution context
 * @d:		direction
 * @port:	port
 */
static void autofwd_close_port(const struct ctx *c, struct autofwd_dir *d,
			       unsigned int port)
{
	int v;

	for (v = 0; v < 2; v++) {
		if (d->fd[port][v] < 0)
			continue;
		epoll_ctl(c->epollfd, EPOLL_CTL_DEL, d->fd[port][v], NULL);
		listen_forget(d->fd[port][v]);
		if (d->proto == IPPROTO_UDP) {
			/* Flows replying through it go too: its number
			 * may be reused by the next socket we open
			 */
			udp_listen_closed(c, d->fd[port][v]);
			udp_splice_listen_closed(c, d->fd[port][v]);
		}
		close(d->fd[port][v]);
		d->fd[port][v] = -1;
	}
	d->bound[port / 8] &= (uint8_t)~(1U << (port % 8));
	log_debug("%s auto: port %u no longer forwarded", d->name, port);
}

/**
 * autofwd_open_port() - start forwarding a port
 * @c:		execution context
 * @d:		direction
 * @port:	port
 */
static void autofwd_open_port(struct ctx *c, struct autofwd_dir *d,
			      unsigned int port)
{
	int fd4 = -1, fd6 = -1;

	if (c->ip4.enabled)
		fd4 = listen_auto_port(c, d->fwd, d->proto, AF_INET,
				       (uint16_t)port);
	if (c->ip6.enabled)
		fd6 = listen_auto_port(c, d->fwd, d->proto, AF_INET6,
				       (uint16_t)port);
	if (fd4 < 0 && fd6 < 0) {
		log_debug("%s auto: can't bind port %u: %s", d->name, port,
			  strerror(-(c->ip4.enabled ? fd4 : fd6)));
		return;
	}
	d->fd[port][0] = fd4 < 0 ? -1 : fd4;
	d->fd[port][1] = fd6 < 0 ? -1 : fd6;
	d->bound[port / 8] |= (uint8_t)(1U << (port % 8));
	log_debug("%s auto: forwarding port %u", d->name, port);
}

/**
 * autofwd_scan() - rescan one direction and apply the difference
 * @c:		execution context
 * @d:		direction
 */
static void autofwd_scan(struct ctx *c, struct autofwd_dir *d)
{
	static uint8_t found[PORT_BITMAP_SIZE], own[PORT_BITMAP_SIZE];
	uint16_t eph = autofwd_eph;
	unsigned int port;
	int v;

	memset(found, 0, sizeof(found));
	for (v = 0; v < 2; v++) {
		bool tcp = d->proto == IPPROTO_TCP;
		int rc = 0;

		if (d->diag_fd >= 0 && (!v || d->diag_v6)) {
			rc = diag_scan(d->diag_fd, v ? AF_INET6 : AF_INET, tcp,
				       eph, found);
			if (!rc)
				continue;
			log_debug("%s auto: sock_diag dump failed: %s",
				  d->name, strerror(-rc));
		}
		if (d->diag_fd < 0 || rc)
			rc = d->proc_fd[v] >= 0 ?
			     procnet_scan(d->proc_fd[v], tcp, eph, found) : rc;
		if (rc) {
			log_debug("%s auto: scan failed: %s", d->name,
				  strerror(-rc));
			return;	/* Keep what we have rather than drop all */
		}
	}
	autofwd_own(c, d, own);

	for (port = 1; port < 65536; port++) {
		unsigned int byte = port / 8;
		uint8_t bit = (uint8_t)(1U << (port % 8));
		bool want = (found[byte] & bit) && !(own[byte] & bit);
		bool have = d->bound[byte] & bit;

		if (!(port % 8) && !found[byte] && !d->bound[byte]) {
			port += 7;
			continue;
		}
		/* Host isolation: only allowed host ports, for -T and -U */
		if (want && !d->scan_ns && c->no_map_host &&
		    !fwd_host_port_allowed(c, d->proto, (uint16_t)port))
			want = false;
		if (want && !have)
			autofwd_open_port(c, d, port);
		else if (!want && have)
			autofwd_close_port(c, d, port);
	}
}

/**
 * autofwd_add() - set up one direction if its configuration is "auto"
 * @c:		execution context
 * @fwd:	configuration
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @scan_ns:	the namespace is the scanned side
 * @name:	option name
 *
 * Return: 0 on success, -errno if a socket table can't be opened (logged)
 */
static int autofwd_add(struct ctx *c, struct port_fwd *fwd, uint8_t proto,
		       bool scan_ns, const char *name)
{
	const char *files[2] = {
		proto == IPPROTO_TCP ? "/proc/net/tcp" : "/proc/net/udp",
		proto == IPPROTO_TCP ? "/proc/net/tcp6" : "/proc/net/udp6",
	};
	struct autofwd_dir *d;
	int v, port;

	if (fwd->mode != PORT_FWD_AUTO)
		return 0;

	d = &autofwd[autofwd_count++];
	d->fwd = fwd;
	d->proto = proto;
	d->scan_ns = scan_ns;
	d->name = name;
	for (port = 0; port < 65536; port++)
		d->fd[port][0] = d->fd[port][1] = -1;
	d->proc_fd[0] = d->proc_fd[1] = -1;

	/* sock_diag if the kernel has it for this protocol (IPv6: if it
	 * has IPv6), else the files, which are opened in any case: they
	 * stand in for a dump that fails later
	 */
	d->diag_fd = autofwd_diag_fd(scan_ns);
	if (d->diag_fd >= 0) {
		static uint8_t scratch[PORT_BITMAP_SIZE];
		bool tcp = proto == IPPROTO_TCP;
		int rc = diag_scan(d->diag_fd, AF_INET, tcp, 0, scratch);

		if (!rc) {
			d->diag_v6 = !diag_scan(d->diag_fd, AF_INET6, tcp, 0,
						scratch);
			log_debug("%s auto: sock_diag dumps, IPv4%s", name,
				  d->diag_v6 ? " and IPv6" : " only");
		} else {
			log_debug("%s auto: sock_diag dump failed (%s): "
				  "reading %s", name, strerror(-rc), files[0]);
			d->diag_fd = -1;
		}
	}

	for (v = 0; v < 2; v++) {
		int fd = scan_ns ? pasta_ns_open(files[v]) :
				   open(files[v], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			int rc = scan_ns ? fd : -errno;

			/* No IPv6 in the kernel: no tcp6 or udp6 file.
			 * With sock_diag working, the files are spare
			 */
			if ((v && rc == -ENOENT) || d->diag_fd >= 0) {
				log_debug("%s auto: no %s%s: %s", name,
					  files[v], scan_ns ?
					  " in the namespace" : "",
					  strerror(-rc));
				continue;
			}
			log_err("%s auto: can't open %s%s: %s", name, files[v],
				scan_ns ? " in the namespace" : "",
				strerror(-rc));
			return rc;
		}
		d->proc_fd[v] = fd;
	}
	if (d->diag_fd < 0)
		log_debug("%s auto: reading %s and %s", name, files[0],
			  files[1]);
	return 0;
}

/**
 * autofwd_init() - open socket tables and forward what listens now
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int autofwd_init(struct ctx *c)
{
	int i;

	if (c->mode != MODE_PASTA)
		return 0;
	autofwd_eph = port_ephemeral_start();

	if ((!c->no_tcp &&
	     (autofwd_add(c, &c->tcp_in, IPPROTO_TCP, true, "-t") ||
	      autofwd_add(c, &c->tcp_out, IPPROTO_TCP, false, "-T"))) ||
	    (!c->no_udp &&
	     (autofwd_add(c, &c->udp_in, IPPROTO_UDP, true, "-u") ||
	      autofwd_add(c, &c->udp_out, IPPROTO_UDP, false, "-U"))))
		return -EIO;

	for (i = 0; i < autofwd_count; i++)
		autofwd_scan(c, &autofwd[i]);
	return 0;
}

/**
 * autofwd_timer() - rescan socket tables once a second
 * @c:		execution context
 * @now:	current time, ms
 */
void autofwd_timer(struct ctx *c, uint64_t now)
{
	int i;

	if (!autofwd_count ||
	    !clock_due(now, autofwd_last, AUTOFWD_SCAN_MS))
		return;
	autofwd_last = now;
	for (i = 0; i < autofwd_count; i++)
		autofwd_scan(c, &autofwd[i]);
}
