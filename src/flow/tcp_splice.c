// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_splice.c - pasta: local TCP connections joined socket to socket
 *
 * Theory of operation
 *
 * A connection between the host's loopback and the namespace doesn't need
 * the tap device at all: both ends are sockets of the same kernel. When a
 * connection to a -t port comes from the host's loopback, or any connection
 * arrives at a -T port (bound on the namespace's loopback), we open a socket
 * on the other side, connect it, and from then on move bytes between the two
 * sockets with splice(2) through a pair of pipes, one per direction, without
 * copying them through our memory and without building a single frame.
 *
 * Targets: -T connections go to the host's loopback address of the same IP
 * version, at the rule's target port. -t connections from the host's
 * loopback go to the namespace's own address (the one it has on the tap
 * device), so that services bound to the namespace's loopback only are not
 * exposed by a forwarded port, as with any other client; --host-lo-to-ns-lo
 * sends them to the namespace's loopback address instead.
 *
 * Data: for each direction, data read from the source socket goes into that
 * direction's pipe, and from the pipe to the destination socket. The pipe
 * is the only buffer, bounded by its size. When the destination can't take
 * more (splice() to it returns EAGAIN), we stop reading from the source
 * (its EPOLLIN is turned off) and wait for EPOLLOUT on the destination: the
 * back-pressure of one socket reaches the other one's peer through the
 * TCP windows of the kernel, exactly as on the tap path.
 *
 * Closing: end of file on one socket, once its pipe is empty, becomes
 * shutdown(SHUT_WR) on the other one, so half-closed connections stay
 * half-open as long as the peers want. The flow ends when both directions
 * are shut down. An error (reset, refused connection) on either socket
 * closes both, the other one with a reset (SO_LINGER with zero timeout).
 *
 * Congestion control: our two sockets use reno (SPLICE_CONGESTION), see
 * there.
 *
 * Spliced flows live in the common flow table (FLOW_TCP_SPLICE) but are not
 * hashed: nothing ever looks them up by address, events carry their index.
 * Each uses two sockets and four pipe descriptors.
 *
 * Setting up: the socket on the namespace side comes from a pool of sockets
 * made in advance (pasta_ns_socket()), and the pipes from a pool of empty
 * pipes left by closed connections (SPLICE_PIPE_POOL), so that a short
 * connection costs few system calls besides its own accept(), connect() and
 * close(): no pipe2() and fcntl() calls once the pool has pipes. A pipe goes
 * back to the pool only if it's empty (no byte of the old connection can
 * reach a new one); the others are closed.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "util/clock.h"
#include "flow/flow.h"
#include "flow/tcp.h"
#include "flow/tcp_splice.h"
#include "ns/pasta.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"

#define BIT(n)			(1U << (n))

/* SPLICE_PIPE_SIZE - size we ask for each pipe: large enough that one
 * splice() moves what a loopback segment train carries. An unprivileged user
 * over the pipe-user-pages-soft limit gets the default size: that's fine.
 */
#define SPLICE_PIPE_SIZE	(512 * 1024)

/* SPLICE_PIPE_POOL - empty pipes kept from closed connections for new ones:
 * 16 pipes (32 descriptors), enough for 8 connections opened at once, far
 * below FLOW_FD_SPARE. A pipe costs no memory for data while it's empty.
 */
#define SPLICE_PIPE_POOL	16

/* SPLICE_CONGESTION - congestion control of our two sockets: both only ever
 * talk over a loopback device, where nothing is congested and the window of
 * the receiver is the only limit worth having. The host's default may be one
 * that paces and bounds the data in flight by its estimate of the path's
 * delay (BBR: a microsecond here, so a handful of segments), which stalls the
 * splice behind its own socket. Reno adds nothing to a lossless path, and
 * every user may pick it (it's never restricted by
 * net.ipv4.tcp_allowed_congestion_control).
 */
#define SPLICE_CONGESTION	"reno"

#define SPLICE_CONNECTING	BIT(0)	/* target side connect() pending */
#define SPLICE_EOF(side)	BIT(1 + (side))	/* end of file read on side */
#define SPLICE_SHUT(side)	BIT(3 + (side))	/* SHUT_WR done on side */
#define SPLICE_BLOCKED(side)	BIT(5 + (side))	/* side can't take more */

/**
 * struct tcp_splice_conn - a spliced connection, an entry of the flow table
 * @f:		common flow header; side FLOW_SIDE_GUEST is the namespace
 *		socket, FLOW_SIDE_HOST the host one
 * @s:		sockets, indexed by side
 * @pipe:	pipes, indexed by the side data comes from: [0] read end,
 *		[1] write end
 * @pending:	bytes sitting in each pipe
 * @pipe_size:	capacity of each pipe
 * @events:	epoll events currently requested for each socket
 * @flags:	SPLICE_* flags
 * @target:	side whose socket we opened and connect()ed
 */
struct tcp_splice_conn {
	struct flow_common f;
	int s[2];
	int pipe[2][2];
	uint32_t pending[2];
	uint32_t pipe_size[2];
	uint32_t events[2];
	uint16_t flags;
	uint8_t target;
};

FLOW_TYPE_CHECK(struct tcp_splice_conn);

/**
 * struct splice_stats - counters of what happened to local connections
 * @accepted:	spliced connections set up
 * @refused:	connections we couldn't set up (no socket, no pipe, full
 *		table, refused by the target)
 * @pipes_reused: pipes taken from the pool instead of made
 */
static struct splice_stats {
	unsigned long accepted;
	unsigned long refused;
	unsigned long pipes_reused;
} splice_stats;

/**
 * struct splice_pipe - an empty pipe kept for the next connection
 * @fd:		read end, write end
 * @size:	capacity
 */
struct splice_pipe {
	int fd[2];
	uint32_t size;
};

static struct splice_pipe splice_pipe_pool[SPLICE_PIPE_POOL];
static unsigned int splice_pipe_pool_count;

/**
 * splice_at() - spliced connection for a flow table index
 * @idx:	flow index
 *
 * Return: pointer to the connection
 */
static struct tcp_splice_conn *splice_at(unsigned int idx)
{
	return FLOW_AS(idx, struct tcp_splice_conn);
}

/**
 * splice_close_reset() - close a socket so that its peer sees a reset
 * @s:		socket, may be -1
 */
static void splice_close_reset(int s)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (s < 0)
		return;
	setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(s);
}

/**
 * splice_pipe_put() - keep the pipe of one side for later, or close it
 * @conn:	connection
 * @side:	side the pipe carries data from
 *
 * Only an empty pipe is kept: its bytes would belong to the old connection.
 */
static void splice_pipe_put(struct tcp_splice_conn *conn, int side)
{
	int *fd = conn->pipe[side];

	if (fd[0] >= 0 && fd[1] >= 0 && !conn->pending[side] &&
	    splice_pipe_pool_count < SPLICE_PIPE_POOL) {
		struct splice_pipe *p =
			&splice_pipe_pool[splice_pipe_pool_count++];

		p->fd[0] = fd[0];
		p->fd[1] = fd[1];
		p->size = conn->pipe_size[side];
	} else {
		if (fd[0] >= 0)
			close(fd[0]);
		if (fd[1] >= 0)
			close(fd[1]);
	}
	fd[0] = fd[1] = -1;
}

/**
 * splice_conn_close() - close both sockets and the pipes, free the entry
 * @c:		execution context, unused
 * @conn:	connection
 * @rst:	reset both peers instead of closing gracefully
 *
 * No EPOLL_CTL_DEL: the sockets have no other descriptor, so closing them
 * takes them out of the epoll set.
 */
static void splice_conn_close(struct ctx *c, struct tcp_splice_conn *conn,
			      bool rst)
{
	int side;

	(void)c;
	for (side = 0; side < 2; side++) {
		if (conn->s[side] >= 0) {
			if (rst)
				splice_close_reset(conn->s[side]);
			else
				close(conn->s[side]);
		}
		splice_pipe_put(conn, side);
	}
	log_debug("TCP splice: flow %u closed%s, %llu and %llu bytes",
		  (unsigned int)((union flow *)conn - flowtab),
		  rst ? " with reset" : "",
		  (unsigned long long)conn->f.bytes[FLOW_SIDE_HOST],
		  (unsigned long long)conn->f.bytes[FLOW_SIDE_GUEST]);
	flow_free((int)((union flow *)conn - flowtab));
}

/**
 * splice_epoll_update() - request the events each socket needs now
 * @c:		execution context
 * @conn:	connection
 *
 * A socket is read (EPOLLIN) while it hasn't reached end of file and the
 * other one isn't blocked; a socket is written (EPOLLOUT) while it is
 * blocked, or while its connect() is pending.
 *
 * Return: 0 on success, -1 if epoll refused
 */
static int splice_epoll_update(const struct ctx *c,
			       struct tcp_splice_conn *conn)
{
	unsigned int idx = (unsigned int)((union flow *)conn - flowtab);
	int side;

	for (side = 0; side < 2; side++) {
		struct epoll_event ev = {
			.data.u64 = flow_epoll_ref(EPOLL_TYPE_TCP_SPLICE,
						   (int)idx, side) };
		uint32_t want = 0;

		if (conn->flags & SPLICE_CONNECTING) {
			if (side == conn->target)
				want = EPOLLOUT;
		} else {
			if (!(conn->flags & SPLICE_EOF(side)) &&
			    !(conn->flags & SPLICE_BLOCKED(!side)))
				want |= EPOLLIN;
			if (conn->flags & SPLICE_BLOCKED(side))
				want |= EPOLLOUT;
		}
		if (want == conn->events[side])
			continue;
		ev.events = want;
		if (epoll_ctl(c->epollfd, EPOLL_CTL_MOD, conn->s[side], &ev))
			return -1;
		conn->events[side] = want;
	}
	return 0;
}

/**
 * splice_move() - move data from one socket to the other, as far as we can
 * @conn:	connection
 * @from:	side to read from
 *
 * Return: 0 on success, -1 on an error that ends the connection
 */
static int splice_move(struct tcp_splice_conn *conn, int from)
{
	int to = !from;

	for (;;) {
		bool progress = false, drained = false;
		ssize_t n;

		if (!(conn->flags & SPLICE_EOF(from)) &&
		    conn->pending[from] < conn->pipe_size[from]) {
			size_t room = conn->pipe_size[from] -
				      conn->pending[from];

			n = splice(conn->s[from], NULL, conn->pipe[from][1],
				   NULL, room,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				conn->pending[from] += (uint32_t)n;
				progress = true;
				drained = (size_t)n < room;
			} else if (!n) {
				conn->flags |= SPLICE_EOF(from);
				progress = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			} else {
				drained = true;
			}
		}

		if (conn->pending[from]) {
			n = splice(conn->pipe[from][0], NULL, conn->s[to],
				   NULL, conn->pending[from],
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				conn->pending[from] -= (uint32_t)n;
				flow_count(&conn->f, from, (size_t)n,
					   now_ms());
				progress = true;
			} else if (n < 0 && errno == EAGAIN) {
				conn->flags |= SPLICE_BLOCKED(to);
				break;
			} else if (n < 0 && errno != EINTR) {
				return -1;
			}
		}

		if (!progress || (drained && !conn->pending[from]))
			break;
	}

	if ((conn->flags & SPLICE_EOF(from)) && !conn->pending[from] &&
	    !(conn->flags & SPLICE_SHUT(to))) {
		shutdown(conn->s[to], SHUT_WR);
		conn->flags |= SPLICE_SHUT(to);
	}
	return 0;
}

/**
 * splice_pipes_open() - take the two pipes of a connection from the pool, or
 *			 create them
 * @conn:	connection, pipe descriptors set to -1, nothing pending
 *
 * Return: 0 on success, -1 on failure
 */
static int splice_pipes_open(struct tcp_splice_conn *conn)
{
	int side;

	for (side = 0; side < 2; side++) {
		int size;

		if (splice_pipe_pool_count) {
			const struct splice_pipe *p =
				&splice_pipe_pool[--splice_pipe_pool_count];

			conn->pipe[side][0] = p->fd[0];
			conn->pipe[side][1] = p->fd[1];
			conn->pipe_size[side] = p->size;
			splice_stats.pipes_reused++;
			continue;
		}
		if (pipe2(conn->pipe[side], O_NONBLOCK | O_CLOEXEC)) {
			conn->pipe[side][0] = conn->pipe[side][1] = -1;
			return -1;
		}
		fcntl(conn->pipe[side][0], F_SETPIPE_SZ, SPLICE_PIPE_SIZE);
		size = fcntl(conn->pipe[side][0], F_GETPIPE_SZ);
		conn->pipe_size[side] = size > 0 ? (uint32_t)size : 65536;
	}
	return 0;
}

/**
 * splice_target() - where local traffic received on one side goes
 * @c:		execution context
 * @recv_side:	FLOW_SIDE_HOST: from the host's loopback to a -t/-u port;
 *		FLOW_SIDE_GUEST: from the namespace to a -T/-U port
 * @peer:	address of the peer on @recv_side
 * @target:	address on the other side, filled: the host's loopback for
 *		-T/-U; for -t/-u, the namespace's own address of the same IP
 *		version, or its loopback (--host-lo-to-ns-lo, or none known)
 */
void splice_target(const struct ctx *c, int recv_side,
		   const union inany_addr *peer, union inany_addr *target)
{
	bool lo = recv_side == FLOW_SIDE_GUEST || c->host_lo_to_ns_lo;

	/* With --config-net, we know the address we assigned; otherwise, the
	 * one the namespace uses is the best guess
	 */
	if (inany_v4(peer)) {
		struct in_addr a = c->seen.addr4.s_addr && !c->config_net ?
				   c->seen.addr4 : c->ip4.addr;

		if (lo || !a.s_addr || !c->ip4.enabled)
			a.s_addr = htonl(INADDR_LOOPBACK);
		inany_from_v4(target, a);
	} else {
		target->a6 = IN6_IS_ADDR_UNSPECIFIED(&c->seen.addr6) ||
			     c->config_net ? c->ip6.addr : c->seen.addr6;
		if (lo || !c->ip6.enabled ||
		    IN6_IS_ADDR_UNSPECIFIED(&target->a6))
			target->a6 = in6addr_loopback;
	}
}

/**
 * tcp_splice_conn_new() - splice an accepted local connection
 * @c:		execution context
 * @s:		accepted socket
 * @accepted_side: FLOW_SIDE_HOST for -t (accepted on the host),
 *		FLOW_SIDE_GUEST for -T (accepted in the namespace)
 * @peer:	address of the accepted socket's peer
 * @peer_port:	its port
 * @port:	target port, after translation
 *
 * Takes ownership of @s: on failure, it's closed with a reset.
 */
void tcp_splice_conn_new(struct ctx *c, int s, int accepted_side,
			 const union inany_addr *peer, uint16_t peer_port,
			 uint16_t port)
{
	int target = !accepted_side, idx, one = 1, t, af;
	struct tcp_splice_conn *conn;
	struct sockaddr_storage sa;
	union inany_addr taddr;
	socklen_t sl;

	splice_target(c, accepted_side, peer, &taddr);
	af = inany_v4(&taddr) ? AF_INET : AF_INET6;

	idx = flow_alloc(c, FLOW_TCP_SPLICE, accepted_side);
	if (idx < 0) {
		log_debug("TCP splice: flow table full, refusing connection");
		splice_stats.refused++;
		splice_close_reset(s);
		return;
	}

	conn = splice_at((unsigned int)idx);
	conn->s[0] = conn->s[1] = -1;
	memset(conn->pipe, -1, sizeof(conn->pipe));
	conn->s[accepted_side] = s;
	conn->target = (uint8_t)target;
	conn->f.side[accepted_side].eaddr = *peer;
	conn->f.side[accepted_side].eport = peer_port;
	conn->f.side[target].eaddr = taddr;
	conn->f.side[target].eport = port;

	if (target == FLOW_SIDE_GUEST)
		t = pasta_ns_socket(af, SOCK_STREAM_NB, IPPROTO_TCP);
	else
		t = sock_open(af, SOCK_STREAM_NB,
			   IPPROTO_TCP);
	if (t == -1 && target == FLOW_SIDE_HOST)
		t = -errno;
	if (t < 0) {
		log_debug("TCP splice: can't open socket: %s", strerror(-t));
		goto fail;
	}
	conn->s[target] = t;

	if (splice_pipes_open(conn)) {
		log_debug("TCP splice: can't open pipes: %s",
			  strerror(errno));
		goto fail;
	}

	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, SPLICE_CONGESTION,
		   sizeof(SPLICE_CONGESTION) - 1);
	setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, SPLICE_CONGESTION,
		   sizeof(SPLICE_CONGESTION) - 1);

	sl = inany_to_sockaddr(&taddr, port, &sa);
	if (connect(t, (struct sockaddr *)&sa, sl) && errno != EINPROGRESS) {
		log_debug("TCP splice: connect to port %u: %s", port,
			  strerror(errno));
		goto fail;
	}
	conn->flags = SPLICE_CONNECTING;

	/* Until the connection is made, only EPOLLOUT on the target: what
	 * splice_epoll_update() would ask for
	 */
	for (int side = 0; side < 2; side++) {
		struct epoll_event ev = {
			.events = side == target ? EPOLLOUT : 0,
			.data.u64 = flow_epoll_ref(EPOLL_TYPE_TCP_SPLICE,
						   (int)idx, side) };

		if (epoll_ctl(c->epollfd, EPOLL_CTL_ADD, conn->s[side], &ev))
			goto fail;
		conn->events[side] = ev.events;
	}

	splice_stats.accepted++;
	return;

fail:
	splice_stats.refused++;
	splice_conn_close(c, conn, true);
}

/**
 * tcp_splice_sock_handler() - events on a socket of a spliced connection
 * @c:		execution context
 * @ref:	epoll reference of the flow and side, see flow_epoll_ref()
 * @events:	epoll events
 *
 * #syscalls:pasta splice pipe2 shutdown getsockopt
 * #syscalls:pasta fcntl:a1=F_SETPIPE_SZ,F_GETPIPE_SZ
 */
void tcp_splice_sock_handler(struct ctx *c, union epoll_ref ref,
			     uint32_t events)
{
	int sidx = flow_epoll_sidx(ref), side;
	struct tcp_splice_conn *conn;
	unsigned int idx;

	if (sidx < 0)
		return;
	idx = (unsigned int)FLOW_SIDX_IDX(sidx);
	side = FLOW_SIDX_SIDE(sidx);
	if (FLOW(idx)->f.type != FLOW_TCP_SPLICE)
		return;
	conn = splice_at(idx);
	if (conn->s[side] < 0)
		return;

	if (conn->flags & SPLICE_CONNECTING) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (side != conn->target)
			goto err;
		/* A failed connect() reports EPOLLERR or EPOLLHUP: only then
		 * is SO_ERROR worth a system call, for the log
		 */
		if (events & (EPOLLERR | EPOLLHUP)) {
			getsockopt(conn->s[side], SOL_SOCKET, SO_ERROR, &err,
				   &sl);
			log_debug("TCP splice: connect to port %u: %s",
				  conn->f.side[side].eport, strerror(err));
			goto err;
		}
		conn->flags &= (uint16_t)~SPLICE_CONNECTING;
		events |= EPOLLIN;
		if (splice_move(conn, !side))
			goto err;
	}

	if (events & EPOLLERR)
		goto err;

	if (events & EPOLLOUT) {
		conn->flags &= (uint16_t)~SPLICE_BLOCKED(side);
		if (splice_move(conn, !side))
			goto err;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) {
		if (splice_move(conn, side))
			goto err;
	}

	if ((conn->flags & SPLICE_SHUT(0)) && (conn->flags & SPLICE_SHUT(1))) {
		splice_conn_close(c, conn, false);
		return;
	}
	if (splice_epoll_update(c, conn))
		goto err;
	return;

err:
	splice_conn_close(c, conn, true);
}

/**
 * tcp_splice_drained() - has a connection from the namespace delivered all
 * @idx:	flow index of a FLOW_TCP_SPLICE flow
 *
 * Return: true once the namespace's end of file became our shutdown on the
 *	   host socket, and the host peer acknowledged all of it
 */
bool tcp_splice_drained(int idx)
{
	const struct tcp_splice_conn *conn = splice_at((unsigned int)idx);

	if (!(conn->flags & SPLICE_SHUT(FLOW_SIDE_HOST)))
		return false;
	return tcp_sock_fin_acked(conn->s[FLOW_SIDE_HOST]);
}

/**
 * tcp_splice_flow_sock() - socket of one side of a spliced connection
 * @idx:	flow index of a FLOW_TCP_SPLICE flow
 * @side:	FLOW_SIDE_GUEST (namespace) or FLOW_SIDE_HOST
 *
 * Return: socket, -1 if none
 */
int tcp_splice_flow_sock(int idx, int side)
{
	return splice_at((unsigned int)idx)->s[side];
}

/**
 * tcp_splice_flow_state() - state of a spliced connection, as a word
 * @idx:	flow index of a FLOW_TCP_SPLICE flow
 *
 * Return: "connecting", "established", "closing" (end of file on a side)
 */
const char *tcp_splice_flow_state(int idx)
{
	const struct tcp_splice_conn *conn = splice_at((unsigned int)idx);

	if (conn->flags & SPLICE_CONNECTING)
		return "connecting";
	if (conn->flags & (SPLICE_EOF(0) | SPLICE_EOF(1)))
		return "closing";
	return "established";
}

/**
 * tcp_splice_stats_log() - log the counters of spliced connections
 * @level:	log level
 */
void tcp_splice_stats_log(int level)
{
	log_msg(level, "TCP splice: %lu connections spliced, %lu refused, "
		"%lu pipes reused, %u kept", splice_stats.accepted,
		splice_stats.refused, splice_stats.pipes_reused,
		splice_pipe_pool_count);
}
