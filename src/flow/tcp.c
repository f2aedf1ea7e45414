// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp.c - TCP translation between the guest and host sockets
 *
 * Theory of operation
 *
 * We don't run a TCP stack of our own: each connection of the guest is
 * mirrored by an ordinary, non-blocking socket on the host, and the kernel
 * socket buffers are the only data buffers. The guest-facing side is a thin
 * segment translator that reflects the state of the host socket:
 *
 * Host to guest: data the host peer sent sits in the socket's receive queue
 * until the guest acknowledges it. We read it with MSG_PEEK straight into the
 * payload areas of frame buffers the frontend lends us (tap_lend(): with
 * vhost-user, the guest's own receive buffers), SO_PEEK_OFF making each
 * peek continue where the previous one stopped, write the headers in front
 * of each payload, and commit a batch of frames to the frontend at once,
 * within the window the guest advertised. An acknowledgement from the guest
 * discards that many bytes from the queue (recv_msg() with MSG_TRUNC, no
 * copy). A retransmission rewinds the peek offset to the last acknowledged
 * byte and peeks the same data again. The host peer's FIN shows as end of
 * file once everything before it was peeked, and becomes our FIN to the
 * guest. Kernels before Linux 6.9 have no SO_PEEK_OFF for TCP: there, each
 * peek reads the data in flight again, into a buffer thrown away
 * (tcp_peek_skip()).
 *
 * Guest to host: segments arriving in order are written to the socket, and
 * we acknowledge only what the kernel took. The window we advertise is the
 * free space of the socket's send buffer, so a guest can't outrun a slow
 * host peer: when the buffer fills, the window closes, and we ask epoll to
 * tell us when there's room again, then update the window (tcp_window.c).
 * Out of order segments are dropped: the guest retransmits them, and the
 * duplicate acknowledgements we send make that quick. A FIN from the guest
 * becomes shutdown(SHUT_WR) once all data before it is written.
 *
 * Handshakes: for a SYN from the guest, we connect() the socket and answer
 * SYN-ACK only once the connection to the host peer is up; a refusal
 * becomes an RST. For connections accepted on forwarded ports (-t), we send
 * a SYN to the guest and complete the handshake when it answers.
 *
 * Acknowledgements to the guest are coalesced: frames from the guest are
 * processed as a batch, connections that owe an ACK are flagged, and
 * tcp_flush() sends one ACK per connection at the end of the batch. The
 * window of an ACK riding on data isn't measured again each time: the data
 * the guest sent since the last measurement comes off it, so its right
 * edge stays where it was, and it's measured again once half of it is
 * used. While the main loop busy-polls (requests and answers taking
 * turns, connections opened and closed, loop.c), the ACK of the guest's
 * FIN is held instead (TCPF_ACK_HELD): the host peer's FIN, if it comes
 * while we poll, carries it; what nothing took along is sent once ACKs
 * were held for the polling budget, or when polling ends
 * (tcp_ack_release()). That saves a frame, a write and a getsockopt() per
 * connection: TCP_CRR 5 to 12 % faster on the bench, 4 to 9 % less CPU
 * time a connection. ACKs of data are not held: the answer to a request
 * would carry them, saving as much per request, but TCP_RR got 2 to 5 %
 * slower (the guest handles the ACK with the answer then, instead of while
 * it waits), and TCP_CRR gained no more than with FINs alone. (ACKs held
 * for a fixed millisecond or two, before busy polling, made TCP_RR 7 to
 * 10 % slower.) Duplicate ACKs and answers to window probes are never
 * held.
 *
 * System calls per connection and segment are kept few, as they are most of
 * the cost of a short exchange: each socket is added to epoll once, for
 * input, output and the peer's FIN, edge-triggered, and modified only to
 * wait for room in a full send buffer, tcp_wait_sock_room() (closing the
 * socket takes it out of the set); SO_PEEK_OFF is only set once data
 * sent to the guest is still unacknowledged when we peek again; the socket
 * is only peeked at after a segment from the guest if it may hold data we
 * didn't send yet (TCPF_SOCK_MORE: the last peek filled what we asked for,
 * or we couldn't peek), as new data comes with an event of its own.
 *
 * Timers are coarse: a periodic tick checks the connections whose deadline
 * passed (tcp_timer.c).
 *
 * Segments from the guest on a connection, and the checks they pass first
 * (RFC 5961, RFC 9293), are in tcp_guest.c; the window we advertise and the
 * send buffer behind it, in tcp_window.c; the timers, in tcp_timer.c; the
 * connection struct these files share, in tcp_conn.h.
 *
 * Limitations: no selective acknowledgements, timestamps or urgent data
 * towards the guest; out of order data from the guest is dropped; TCP
 * checksums of guest segments are not verified (a corrupted segment only
 * harms the guest's own connection).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/sockios.h>

#include "conf/ctx.h"
#include "flow/flow.h"
#include "flow/listen.h"
#include "flow/siphash.h"
#include "flow/tcp.h"
#include "flow/tcp_conn.h"
#include "flow/tcp_splice.h"
#include "frontend/tap.h"
#include "policy/fwd.h"
#include "util/clock.h"
#include "util/epoll_ref.h"
#include "util/log.h"
#include "util/util.h"
#include "wire/checksum.h"
#include "wire/pkt.h"

#define TCP_HDR_MAX		(ETH_HLEN + IP6_HLEN + TCP_HLEN)
#define TCP_OPTS_MAX		40

#define TCP_WS_TO_GUEST		8	/* our window scale, if the guest
					 * scales at all
					 */
#define TCP_MSS_DEFAULT4	536
#define TCP_MSS_DEFAULT6	1220

#define TCP_HANDSHAKE_MS	10000

/* tcp_peek_skip(): without SO_PEEK_OFF, data in flight is peeked again into
 * a buffer of TCP_SKIP_BUF bytes, repeated, up to TCP_SKIP_IOV_MAX times:
 * with more in flight (1 MiB), nothing new is sent until the guest ACKs.
 * Each peek copies all that again: with 16 MiB, a bench round of TCP into
 * the namespace fell to 1.2 Gbit/s; with 1 MiB, it's level with SO_PEEK_OFF
 */
#define TCP_SKIP_BUF		(64 * 1024)
#define TCP_SKIP_IOV_MAX	16

#define TCP_PENDING_MAX		256	/* connections owing an ACK */
#define TCP_ACCEPT_BATCH	32	/* connections accepted per wake-up */

FLOW_TYPE_CHECK(struct tcp_conn);

static uint8_t tcp_ctl_frame[TCP_HDR_MAX + TCP_OPTS_MAX];
static uint32_t tcp_pending[TCP_PENDING_MAX];
static int tcp_pending_count;
static bool tcp_ack_hold;	/* tcp_ack_hold_set(): tcp_flush() may hold */
static bool tcp_peek_off = true;	/* SO_PEEK_OFF works, tcp_init() */
static uint8_t tcp_skip_buf[TCP_SKIP_BUF];
static struct iovec tcp_skip_iov[TAP_LEND_IOV];
uint64_t tcp_now;		/* ms, see tcp_conn.h */

static struct siphash_key tcp_isn_key;	/* secret of tcp_isn(), from tcp_init() */

/**
 * tcp_isn() - initial sequence number of a connection, as RFC 6528 has it
 * @f:		the connection's flow, both sides set
 *
 * A keyed hash of the addresses and ports of both sides, plus a clock
 * ticking every 4 microseconds: unpredictable from outside, and increasing
 * for reuses of the same ports. No system call (getrandom() only at start).
 *
 * Return: sequence number
 */
static uint32_t tcp_isn(const struct flow_common *f)
{
	struct timespec ts;
	uint64_t h, ticks;

	h = siphash_2_4(&tcp_isn_key, f->side, sizeof(f->side));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ticks = ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) /
		4000;
	return (uint32_t)(h + ticks);
}

/**
 * tcp_epoll_ctl() - add the socket to the epoll set, or look at it again
 * @c:		execution context
 * @conn:	connection
 * @op:		EPOLL_CTL_ADD, or EPOLL_CTL_MOD, see tcp_wait_sock_room()
 *
 * Edge-triggered input, output and the peer's FIN, whatever the state:
 * output readiness is reported once the connect() completes, and later
 * only if the kernel found the socket short of room before, which is what
 * TCPF_SOCK_FULL waits for. Nothing else needs changing, and close() takes
 * the socket out of the set.
 *
 * Return: 0 on success, -1 on failure
 */
static int tcp_epoll_ctl(const struct ctx *c, struct tcp_conn *conn, int op)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.u64 = flow_epoll_ref(EPOLL_TYPE_TCP, (int)conn_idx(conn),
					   FLOW_SIDE_HOST) };

	return epoll_ctl(c->epollfd, op, conn->sock, &ev);
}

/**
 * tcp_wait_sock_room() - wait until the socket's send buffer drains
 * @c:		execution context
 * @conn:	connection
 *
 * The kernel only signals room in the send buffer once it saw the socket
 * short of it: after a write that came up short, or a poll finding it full.
 * A window that got low without either needs that poll, which epoll does
 * when the socket is modified, with the same events: the EPOLLOUT then
 * comes when the buffer drains, or at once if it has room already.
 */
void tcp_wait_sock_room(const struct ctx *c, struct tcp_conn *conn)
{
	if (conn->flags & TCPF_SOCK_FULL)
		return;
	conn->flags |= TCPF_SOCK_FULL;
	tcp_epoll_ctl(c, conn, EPOLL_CTL_MOD);
}

/**
 * tcp_mss_max() - largest segment payload to the guest, for an IP version
 * @c:		execution context
 * @v4:		IPv4, otherwise IPv6
 *
 * One frame holds at most IP_PKT_MAX bytes of IP packet (FRAME_MAX), with
 * -m 0 too; with an MTU, the MTU bounds the packet.
 *
 * Return: payload bytes
 */
static uint16_t tcp_mss_max(const struct ctx *c, bool v4)
{
	size_t hl = (v4 ? IP4_HLEN : IP6_HLEN) + TCP_HLEN;
	size_t max = IP_PKT_MAX - hl;

	if (c->mtu && (size_t)c->mtu > hl)
		max = MIN(max, (size_t)c->mtu - hl);
	return (uint16_t)max;
}

/**
 * tcp_frame_hdr_len() - bytes of Ethernet, IP and TCP header of a frame
 * @conn:	connection
 *
 * Return: header length, without TCP options
 */
static size_t tcp_frame_hdr_len(const struct tcp_conn *conn)
{
	const struct flowside *g = &conn->f.side[FLOW_SIDE_GUEST];

	return ETH_HLEN + (inany_v4(&g->oaddr) ? IP4_HLEN : IP6_HLEN) +
	       TCP_HLEN;
}

/**
 * tcp_fill_headers() - write the Ethernet, IP and TCP headers of a frame
 * @c:		execution context
 * @conn:	connection
 * @frame:	room for the headers: tcp_frame_hdr_len() plus @opts_len
 * @payload:	payload buffers (anywhere: they needn't follow the headers)
 * @iovcnt:	number of buffers in @payload
 * @len:	payload length, from the start of @payload
 * @flags:	TCP flags
 * @seq:	sequence number
 * @opts:	TCP options, or NULL
 * @opts_len:	length of @opts, a multiple of 4
 *
 * The TCP checksum is complete only if the frontend needs it
 * (tap_l4_csum()): otherwise it's the pseudo-header sum, and summing the
 * payload is left to the guest's kernel, or not done at all.
 *
 * Return: header length, options included; 0, with nothing written, if the
 *	   frame would be over FRAME_MAX
 */
static size_t tcp_fill_headers(const struct ctx *c,
			       const struct tcp_conn *conn, uint8_t *frame,
			       const struct iovec *payload, size_t iovcnt,
			       size_t len, uint8_t flags, uint32_t seq,
			       const uint8_t *opts, size_t opts_len)
{
	const struct flowside *g = &conn->f.side[FLOW_SIDE_GUEST];
	const struct in_addr *src4 = inany_v4(&g->oaddr);
	size_t ip_hlen = src4 ? IP4_HLEN : IP6_HLEN;
	size_t l4_len = TCP_HLEN + opts_len + len;
	uint8_t *ip = frame + ETH_HLEN, *tcp = ip + ip_hlen;
	struct tcp_hdr th;
	uint32_t sum, wnd;

	if (l4_len > IP_PKT_MAX - ip_hlen)
		return 0;

	wnd = conn->wnd_to_guest >> conn->ws_to_guest;
	if (flags & TCP_SYN)
		wnd = MIN(conn->wnd_to_guest, 65535U);

	th.sport = htons(g->oport);
	th.dport = htons(g->eport);
	th.seq = htonl(seq);
	th.ack = htonl(conn->seq_from_guest);
	th.doff = (uint8_t)(((TCP_HLEN + opts_len) / 4) << 4);
	th.flags = flags;
	th.window = htons((uint16_t)MIN(wnd, 65535U));
	th.check = 0;
	th.urg_ptr = 0;
	memcpy(tcp, &th, sizeof(th));
	if (opts_len)
		memcpy(tcp + TCP_HLEN, opts, opts_len);

	if (src4) {
		const struct in_addr *dst4 = inany_v4(&g->eaddr);

		ip4_build(ip, IP4_HLEN, IPPROTO_TCP, src4, dst4, l4_len,
			  IP4_DEFAULT_TTL);
		sum = csum_ip4_pseudo(src4, dst4, IPPROTO_TCP, l4_len);
		eth_build(frame, ETH_HLEN, c->seen.mac, c->our_mac,
			  ETHERTYPE_IP);
	} else {
		ip6_build(ip, IP6_HLEN, IPPROTO_TCP, &g->oaddr.a6,
			  &g->eaddr.a6, l4_len, 64);
		sum = csum_ip6_pseudo(&g->oaddr.a6, &g->eaddr.a6,
				      IPPROTO_TCP, l4_len);
		eth_build(frame, ETH_HLEN, c->seen.mac, c->our_mac,
			  ETHERTYPE_IPV6);
	}

	/* Frontends that tell the guest the checksum is valid, or that it's
	 * to be completed, take the folded pseudo-header sum instead
	 */
	if (tap_l4_csum(c)) {
		sum = csum_partial(tcp, TCP_HLEN + opts_len, sum);
		th.check = csum_fold(csum_iov(payload, iovcnt, len, sum));
	} else {
		th.check = (uint16_t)~csum_fold(sum);
	}
	memcpy(tcp + offsetof(struct tcp_hdr, check), &th.check,
	       sizeof(th.check));
	return (size_t)(tcp - frame) + TCP_HLEN + opts_len;
}

/**
 * tcp_send_ctl() - send a segment without data: SYN, ACK, FIN or RST
 * @c:		execution context
 * @conn:	connection
 * @flags:	TCP flags
 * @seq:	sequence number
 */
void tcp_send_ctl(struct ctx *c, struct tcp_conn *conn, uint8_t flags,
			 uint32_t seq)
{
	uint8_t opts[TCP_OPTS_MAX];
	size_t opts_len = 0, hlen;

	if (flags & TCP_SYN) {
		uint16_t mss = htons(conn->mss);

		opts[0] = 2;		/* MSS */
		opts[1] = 4;
		memcpy(opts + 2, &mss, 2);
		opts_len = 4;
		if (conn->ws_to_guest) {
			opts[4] = 1;	/* NOP */
			opts[5] = 3;	/* window scale */
			opts[6] = 3;
			opts[7] = conn->ws_to_guest;
			opts_len = 8;
		}
	}

	hlen = tcp_fill_headers(c, conn, tcp_ctl_frame, NULL, 0, 0, flags,
				seq, opts_len ? opts : NULL, opts_len);
	if (hlen)
		tap_send(c, tcp_ctl_frame, hlen);
	conn->seq_ack_to_guest = conn->seq_from_guest;
	conn->flags &= ~(TCPF_ACK_PENDING | TCPF_ACK_HELD);
}

/**
 * tcp_ack_later() - flag a connection as owing the guest an ACK
 * @c:		execution context
 * @conn:	connection
 */
void tcp_ack_later(struct ctx *c, struct tcp_conn *conn)
{
	if (conn->flags & TCPF_ACK_PENDING)
		return;
	if (tcp_pending_count >= TCP_PENDING_MAX) {
		/* A batch of frames for that many connections: send these
		 * now (held ones too), the rest at the end of the batch
		 */
		log_debug("TCP: %i connections owe the guest an ACK: sent "
			  "them early", tcp_pending_count);
		tcp_ack_release(c);
	}
	conn->flags |= TCPF_ACK_PENDING;
	tcp_pending[tcp_pending_count++] = conn_idx(conn);
}

/**
 * tcp_conn_close() - close the socket and free the flow
 * @c:		execution context
 * @conn:	connection
 * @rst:	make the host peer see a reset, not an orderly close
 */
void tcp_conn_close(struct ctx *c, struct tcp_conn *conn, bool rst)
{
	unsigned int idx = conn_idx(conn);

	if (conn->sock >= 0) {
		if (rst) {
			struct linger l = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(conn->sock, SOL_SOCKET, SO_LINGER, &l,
				   sizeof(l));
		}
		/* Never duplicated: close() takes it out of the epoll set */
		close(conn->sock);
		conn->sock = -1;
	}
	conn->flags = 0;
	flow_free(idx);
}

/**
 * tcp_guest_gone() - the guest went away: reset the host side, free the flow
 * @c:		execution context
 * @idx:	flow index of a FLOW_TCP connection
 *
 * Nothing is sent to the guest: it's gone. ACKs owed to it are forgotten.
 */
void tcp_guest_gone(struct ctx *c, int idx)
{
	tcp_pending_count = 0;
	tcp_conn_close(c, conn_at((unsigned int)idx), true);
}

/**
 * tcp_conn_reset() - reset both sides of a connection
 * @c:		execution context
 * @conn:	connection
 */
void tcp_conn_reset(struct ctx *c, struct tcp_conn *conn)
{
	tcp_send_ctl(c, conn, TCP_RST | TCP_ACK, conn->seq_to_guest);
	tcp_conn_close(c, conn, true);
}

/**
 * tcp_rst_reply() - answer a segment without connection with an RST
 * @c:		execution context
 * @p:		frame from the guest
 * @v:		its TCP view
 */
static void tcp_rst_reply(struct ctx *c, const struct pkt *p,
			  const struct tcp_view *v)
{
	struct tcp_conn tmp;

	memset(&tmp, 0, sizeof(tmp));
	if (p->af == AF_INET) {
		inany_from_v4(&tmp.f.side[FLOW_SIDE_GUEST].eaddr, p->src4);
		inany_from_v4(&tmp.f.side[FLOW_SIDE_GUEST].oaddr, p->dst4);
	} else {
		tmp.f.side[FLOW_SIDE_GUEST].eaddr.a6 = p->src6;
		tmp.f.side[FLOW_SIDE_GUEST].oaddr.a6 = p->dst6;
	}
	tmp.f.side[FLOW_SIDE_GUEST].eport = v->sport;
	tmp.f.side[FLOW_SIDE_GUEST].oport = v->dport;

	if (v->flags & TCP_ACK) {
		tmp.seq_from_guest = 0;
		tcp_send_ctl(c, &tmp, TCP_RST, v->ack);
	} else {
		tmp.seq_from_guest = v->seq + (uint32_t)v->payload_len +
				     !!(v->flags & TCP_SYN) +
				     !!(v->flags & TCP_FIN);
		tcp_send_ctl(c, &tmp, TCP_RST | TCP_ACK, 0);
	}
}

/**
 * tcp_peek_skip() - peek the data in flight again, to throw it away
 * @mh:		message header of the peek, set to the vector built here
 * @lend:	payload buffers the frontend lent
 * @skip:	bytes in flight, at the head of the socket's queue
 *
 * Linux takes SO_PEEK_OFF on TCP sockets since 6.9. Before, a peek starts
 * at the head of the queue, where data the guest didn't acknowledge yet is
 * still kept: peek that again, into one buffer repeated as often as needed,
 * in front of the lent buffers. Only the lent buffers of whole frames that
 * fit into the vector too (UIO_MAXIOV entries) are used.
 *
 * Return: bytes the lent buffers in the vector take, 0 if none fits
 */
static size_t tcp_peek_skip(struct msghdr *mh, const struct tap_lend *lend,
			    uint32_t skip)
{
	unsigned int k = (skip + TCP_SKIP_BUF - 1) / TCP_SKIP_BUF, m, i;
	size_t room = 0;

	if (k > TCP_SKIP_IOV_MAX)
		return 0;
	for (m = lend->n; m && lend->first[m] + k > TAP_LEND_IOV; m--)
		;
	if (!m)
		return 0;

	for (i = 0; i < k; i++) {
		tcp_skip_iov[i].iov_base = tcp_skip_buf;
		tcp_skip_iov[i].iov_len = MIN(skip - i * TCP_SKIP_BUF,
					      (uint32_t)TCP_SKIP_BUF);
	}
	memcpy(tcp_skip_iov + k, lend->iov,
	       lend->first[m] * sizeof(struct iovec));
	for (i = 0; i < m; i++)
		room += lend->cap[i];

	mh->msg_iov = tcp_skip_iov;
	mh->msg_iovlen = k + lend->first[m];
	return room;
}

/**
 * tcp_data_to_guest() - peek data from the socket, send it to the guest
 * @c:		execution context
 * @conn:	connection
 *
 * Sets TCPF_SOCK_MORE if the socket may hold more than was sent (the peek
 * filled all we asked for, or we couldn't peek), clears it otherwise.
 *
 * #syscalls setsockopt
 */
void tcp_data_to_guest(struct ctx *c, struct tcp_conn *conn)
{
	static size_t lens[TAP_LEND_FRAMES];
	static struct tap_lend lend;
	uint32_t inflight, room, seq, skip = 0;
	size_t asked;
	struct msghdr mh = { .msg_iov = lend.iov };
	size_t sent, hlen = tcp_frame_hdr_len(conn);
	unsigned int i;
	ssize_t n;

	if (conn->flags & (TCPF_FIN_SENT | TCPF_FIN_ACKED))
		return;
	conn->flags |= TCPF_SOCK_MORE;
	if (!(conn->flags & TCPF_ESTABLISHED) || !c->seen.mac_known)
		return;

	inflight = conn->seq_to_guest - conn->seq_ack_from_guest;
	room = conn->wnd_from_guest > inflight ?
	       conn->wnd_from_guest - inflight : 0;
	if (!room) {
		/* Zero window: the timer probes it */
		if (!conn->deadline)
			tcp_deadline_set(conn, tcp_now + TCP_RTO_MIN_MS);
		return;
	}

	/* Frame buffers from the frontend, as many as the link to the guest
	 * takes now (what it dropped, the guest would see as losses): the
	 * data goes from the socket straight into them
	 */
	asked = tap_lend(c, &lend, hlen, conn->mss, room);
	if (!asked) {
		conn->flags |= TCPF_TAP_BLOCKED;
		tap_wait_writable(c);
		return;
	}
	mh.msg_iovlen = lend.first[lend.n];

	/* Without data in flight, a peek starts at the head of the queue,
	 * where the guest's ACKs leave it: the offset is only needed, and
	 * set once, when we peek past data the guest didn't acknowledge yet.
	 * Kernels without SO_PEEK_OFF for TCP: peek that data again.
	 */
	if (inflight && !tcp_peek_off) {
		skip = inflight;
		asked = tcp_peek_skip(&mh, &lend, skip);
		if (!asked) {
			tap_lend_commit(c, &lend, 0, NULL);
			return;
		}
	} else if (inflight && !(conn->flags & TCPF_PEEK_OFF)) {
		int off = (int)inflight;

		if (setsockopt(conn->sock, SOL_SOCKET, SO_PEEK_OFF, &off,
			       sizeof(off)))
			log_debug("TCP: SO_PEEK_OFF: %s", strerror(errno));
		conn->flags |= TCPF_PEEK_OFF;
	}

	n = recvmsg(conn->sock, &mh, MSG_PEEK | MSG_DONTWAIT);
	if (n >= 0 && skip) {
		/* Past what was sent already: nothing new, once the peer's
		 * FIN came, is the end of file (it follows its data)
		 */
		if ((size_t)n > skip) {
			n -= (ssize_t)skip;
		} else if (conn->flags & TCPF_SOCK_RDHUP) {
			n = 0;
		} else {
			n = -1;
			errno = EAGAIN;
		}
	}
	if (n <= 0)
		tap_lend_commit(c, &lend, 0, NULL);	/* give them back */
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (!(conn->flags & TCPF_SOCK_RDHUP))
				conn->flags &= ~TCPF_SOCK_MORE;
			return;
		}
		if (errno == EINTR)
			return;
		tcp_conn_reset(c, conn);
		return;
	}
	/* Drained, unless the peer's FIN is still to be seen */
	if ((size_t)n < asked && !(conn->flags & TCPF_SOCK_RDHUP))
		conn->flags &= ~TCPF_SOCK_MORE;

	/* An ACK riding on this data keeps the right edge of the window
	 * (tcp_guest_data()): measure again once half of it is used up
	 */
	if (conn->seq_ack_to_guest != conn->seq_from_guest &&
	    conn->wnd_to_guest < conn->wnd_measured / 2)
		tcp_wnd_update(c, conn);

	if (n == 0) {
		/* End of file: everything before it was sent already */
		conn->flags &= ~TCPF_SOCK_MORE;
		conn->flags |= TCPF_SOCK_EOF | TCPF_FIN_SENT;
		tcp_send_ctl(c, conn, TCP_FIN | TCP_ACK, conn->seq_to_guest);
		conn->seq_to_guest++;
		if (SEQ_GT(conn->seq_to_guest, conn->seq_max))
			conn->seq_max = conn->seq_to_guest;
		if (!conn->deadline)
			tcp_deadline_set(conn, tcp_now + TCP_RTO_MIN_MS);
		return;
	}

	seq = conn->seq_to_guest;
	for (i = 0; n > 0 && i < lend.n; i++) {
		size_t len = MIN((size_t)n, lend.cap[i]);
		const struct iovec *payload = lend.iov + lend.first[i];

		if (!tcp_fill_headers(c, conn, lend.hdr[i], payload,
				      lend.first[i + 1] - lend.first[i], len,
				      TCP_ACK | (len < conn->mss ? TCP_PSH : 0),
				      seq, NULL, 0)) {
			/* Can't be, with the MSS clamped (tcp_mss_max()):
			 * send nothing, give up the connection
			 */
			tap_lend_commit(c, &lend, 0, NULL);
			c->stats.frames_oversized++;
			tcp_conn_reset(c, conn);
			return;
		}
		lens[i] = len;
		seq += (uint32_t)len;
		n -= (ssize_t)len;
	}
	sent = tap_lend_commit(c, &lend, i, lens);
	log_trace("TCP: to guest %u+%u in %u frames (%zu sent), wnd %u, "
		  "inflight %u", conn->seq_to_guest, seq - conn->seq_to_guest,
		  i, sent, conn->wnd_from_guest, inflight);

	conn->seq_to_guest = seq;
	if (SEQ_GT(seq, conn->seq_max))
		conn->seq_max = seq;
	conn->seq_ack_to_guest = conn->seq_from_guest;
	/* A held ACK rode on this data (the guest's FIN came after the
	 * host peer's data we still had to send). Not one owed in this
	 * batch: that may be a duplicate ACK, which mustn't carry data
	 */
	if (sent && (conn->flags & TCPF_ACK_HELD))
		conn->flags &= ~(TCPF_ACK_PENDING | TCPF_ACK_HELD);
	conn->last_active = tcp_now;
	if (!conn->deadline)
		tcp_deadline_set(conn, tcp_now +
				 (TCP_RTO_MIN_MS << conn->retries));
}

/**
 * tcp_rewind() - retransmit: go back to the last byte the guest acknowledged
 * @c:		execution context
 * @conn:	connection
 */
void tcp_rewind(struct ctx *c, struct tcp_conn *conn)
{
	int off = 0;

	log_trace("TCP: retransmitting from %u", conn->seq_ack_from_guest);
	if (!(conn->flags & TCPF_FIN_ACKED))
		conn->flags &= ~TCPF_FIN_SENT;
	conn->seq_to_guest = conn->seq_ack_from_guest;
	if (conn->flags & TCPF_PEEK_OFF)
		setsockopt(conn->sock, SOL_SOCKET, SO_PEEK_OFF, &off,
			   sizeof(off));
	conn->flags |= TCPF_SOCK_MORE;
	conn->deadline = 0;
	tcp_data_to_guest(c, conn);
}

/**
 * tcp_conn_from_guest() - open a connection for a SYN from the guest
 * @c:		execution context
 * @p:		frame holding the SYN
 * @v:		its TCP view
 * @key:	guest side of the new flow
 *
 * #syscalls socket:a0=AF_INET,AF_INET6:a1=SOCK_STREAM_NB:a2=IPPROTO_TCP
 * #syscalls setsockopt bind connect
 */
static void tcp_conn_from_guest(struct ctx *c, const struct pkt *p,
				const struct tcp_view *v,
				const struct flowside *key)
{
	struct sockaddr_storage sa;
	socklen_t sl;
	struct tcp_conn *conn;
	int idx, s, rc;
	uint8_t ws;
	uint16_t mss;

	idx = flow_alloc(c, FLOW_TCP, FLOW_SIDE_GUEST);
	if (idx < 0) {
		log_debug("TCP: flow table full, refusing connection");
		tcp_rst_reply(c, p, v);
		return;
	}

	conn = conn_at(idx);
	conn->f.side[FLOW_SIDE_GUEST] = *key;
	conn->f.side[FLOW_SIDE_HOST].eaddr = key->oaddr;
	conn->f.side[FLOW_SIDE_HOST].eport = key->oport;
	conn->sock = -1;

	/* Options of the guest: MSS and window scale */
	conn->mss = p->af == AF_INET ? TCP_MSS_DEFAULT4 : TCP_MSS_DEFAULT6;
	if (tcp_opt_find(v, 2, (uint8_t *)&mss, sizeof(mss)) == 2 &&
	    ntohs(mss) >= 64)
		conn->mss = ntohs(mss);
	conn->mss = MIN(conn->mss, tcp_mss_max(c, p->af == AF_INET));
	if (tcp_opt_find(v, 3, &ws, 1) == 1) {
		conn->ws_from_guest = MIN(ws, 14);
		conn->ws_to_guest = TCP_WS_TO_GUEST;
	}

	conn->seq_from_guest = v->seq + 1;
	conn->seq_to_guest = tcp_isn(&conn->f);
	conn->seq_ack_from_guest = conn->seq_to_guest;
	conn->wnd_from_guest = v->window;
	conn->wl1 = v->seq;
	conn->wl2 = conn->seq_to_guest;
	conn->last_active = tcp_now;

	rc = fwd_guest_target(c, IPPROTO_TCP, key,
			      &conn->f.side[FLOW_SIDE_HOST].eaddr);
	if ((rc == -EACCES && c->host_refuse_drop) || rc == -EADDRNOTAVAIL) {
		/* Host isolation, silently, or a loopback destination without
		 * a mapping: the guest's SYN goes nowhere
		 */
		conn->flags = 0;
		flow_free(idx);
		return;
	}
	if (rc) {
		if (rc == -EHOSTUNREACH)
			log_debug("TCP: no resolver to forward DNS to");
		goto refuse;
	}

	s = sock_open(p->af, SOCK_STREAM_NB,
		   IPPROTO_TCP);
	if (s < 0) {
		log_debug("TCP: socket: %s", strerror(errno));
		goto refuse;
	}
	conn->sock = s;
	if (fwd_outbound_bind(c, s, &conn->f.side[FLOW_SIDE_HOST].eaddr, 0))
		goto refuse;

	memset(&sa, 0, sizeof(sa));
	if (p->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		sin->sin_family = AF_INET;
		sin->sin_addr = *inany_v4(&conn->f.side[FLOW_SIDE_HOST].eaddr);
		sin->sin_port = htons(key->oport);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = conn->f.side[FLOW_SIDE_HOST].eaddr.a6;
		sin6->sin6_port = htons(key->oport);
		sin6->sin6_scope_id = fwd_scope6(c, &sin6->sin6_addr);
		sl = sizeof(*sin6);
	}

	if (connect(s, (struct sockaddr *)&sa, sl) && errno != EINPROGRESS) {
		log_debug("TCP: connect: %s", strerror(errno));
		goto refuse;
	}

	conn->flags = TCPF_CONNECTING;
	tcp_deadline_set(conn, tcp_now + TCP_HANDSHAKE_MS);
	if (tcp_epoll_ctl(c, conn, EPOLL_CTL_ADD))
		goto refuse;
	flow_hash_insert(idx, FLOW_SIDE_GUEST);
	return;

refuse:
	tcp_rst_reply(c, p, v);
	if (conn->sock >= 0)
		close(conn->sock);
	conn->sock = -1;
	conn->flags = 0;
	flow_free(idx);
}

/**
 * tcp_tap_handler() - handle a TCP segment from the guest
 * @c:		execution context
 * @p:		validated frame
 */
void tcp_tap_handler(struct ctx *c, const struct pkt *p)
{
	struct flowside key;
	struct tcp_conn *conn;
	struct tcp_view v;
	int sidx;

	if (c->no_tcp)
		return;
	if (tcp_parse(p->l4, p->l4_len, &v) != PARSE_OK) {
		c->stats.malformed++;
		return;
	}
	tcp_now = now_ms();

	memset(&key, 0, sizeof(key));
	if (p->af == AF_INET) {
		if (!ip4_is_unicast(p->dst4) || !ip4_is_unicast(p->src4))
			return;
		inany_from_v4(&key.eaddr, p->src4);
		inany_from_v4(&key.oaddr, p->dst4);
	} else {
		if (IN6_IS_ADDR_MULTICAST(&p->dst6) ||
		    IN6_IS_ADDR_UNSPECIFIED(&p->dst6))
			return;
		key.eaddr.a6 = p->src6;
		key.oaddr.a6 = p->dst6;
	}
	key.eport = v.sport;
	key.oport = v.dport;

	sidx = flow_lookup(FLOW_TCP, FLOW_SIDE_GUEST, &key);
	if (sidx < 0) {
		if (v.flags & TCP_RST)
			return;
		if ((v.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
			tcp_conn_from_guest(c, p, &v, &key);
		else
			tcp_rst_reply(c, p, &v);
		return;
	}
	conn = conn_at(FLOW_SIDX_IDX(sidx));
	conn->last_active = tcp_now;

	if (v.flags & TCP_RST) {
		tcp_guest_rst(c, conn, &v);
		return;
	}

	if (conn->flags & TCPF_CONNECTING)
		return;		/* SYN retransmitted while we connect */

	if (conn->flags & TCPF_SYN_SENT) {
		/* Connection from the host: expect the guest's SYN-ACK */
		uint8_t ws;
		uint16_t mss;

		if ((v.flags & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK) ||
		    v.ack != conn->seq_to_guest) {
			tcp_rst_reply(c, p, &v);
			return;
		}
		if (tcp_opt_find(&v, 2, (uint8_t *)&mss, sizeof(mss)) == 2 &&
		    ntohs(mss) >= 64 && ntohs(mss) < conn->mss)
			conn->mss = ntohs(mss);
		if (tcp_opt_find(&v, 3, &ws, 1) == 1)
			conn->ws_from_guest = MIN(ws, 14);
		else
			conn->ws_to_guest = 0;
		conn->seq_from_guest = v.seq + 1;
		conn->seq_ack_from_guest = v.ack;
		conn->wnd_from_guest = v.window;
		conn->wl1 = v.seq;
		conn->wl2 = v.ack;
		conn->flags = TCPF_ESTABLISHED |
			      (conn->flags & TCPF_SOCK_RDHUP);
		conn->deadline = 0;
		conn->retries = 0;
		tcp_wnd_update(c, conn);
		tcp_send_ctl(c, conn, TCP_ACK, conn->seq_to_guest);
		tcp_data_to_guest(c, conn);
		return;
	}

	tcp_guest_segment(c, conn, &v);
}

/**
 * tcp_conn_from_sock() - start a connection to the guest for an accepted one
 * @c:		execution context
 * @s:		accepted socket
 * @pa:		its peer address
 * @pport:	its peer port
 * @to:		target address in the guest, NULL for the guest's address
 * @port:	target port in the guest
 */
static void tcp_conn_from_sock(struct ctx *c, int s,
			       const union inany_addr *pa, uint16_t pport,
			       const union inany_addr *to, uint16_t port)
{
	struct tcp_conn *conn;
	struct flowside g;
	int idx;

	if (!c->seen.mac_known || c->fd_tap < 0 ||
	    fwd_inbound_guest_side(c, pa, pport, to, port, &g)) {
		log_debug("TCP: no guest to forward port %u to", port);
		goto refuse;
	}

	idx = flow_alloc(c, FLOW_TCP, FLOW_SIDE_HOST);
	if (idx < 0) {
		log_debug("TCP: flow table full, refusing connection");
		goto refuse;
	}

	conn = conn_at(idx);
	conn->f.side[FLOW_SIDE_GUEST] = g;
	conn->f.side[FLOW_SIDE_HOST].eaddr = *pa;
	conn->f.side[FLOW_SIDE_HOST].eport = pport;
	conn->sock = s;

	conn->mss = tcp_mss_max(c, inany_v4(&g.eaddr) != NULL);
	conn->ws_to_guest = TCP_WS_TO_GUEST;
	conn->last_active = tcp_now;

	if (flow_hash_insert(idx, FLOW_SIDE_GUEST)) {
		log_debug("TCP: duplicate connection to port %u", port);
		conn->sock = -1;
		conn->flags = 0;
		flow_free(idx);
		goto refuse;
	}

	conn->flags = TCPF_SYN_SENT;
	if (tcp_epoll_ctl(c, conn, EPOLL_CTL_ADD)) {
		tcp_conn_close(c, conn, true);
		return;
	}

	tcp_wnd_update(c, conn);
	conn->seq_to_guest = tcp_isn(&conn->f);
	tcp_send_ctl(c, conn, TCP_SYN, conn->seq_to_guest);
	conn->seq_to_guest++;
	conn->seq_max = conn->seq_ack_from_guest = conn->seq_to_guest;
	tcp_deadline_set(conn, tcp_now + TCP_RTO_MIN_MS);
	return;

refuse:
	{
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(s);
	}
}

/**
 * tcp_listen_handler() - accept connections on a forwarded port
 * @c:		execution context
 * @ref:	epoll reference: listening socket, rule and port in @index;
 *		type EPOLL_TYPE_TCP_LISTEN_NS for pasta's -T ports
 *
 * pasta splices connections to -T ports, and connections to -t ports from
 * the host's loopback (unless --no-splice): see tcp_splice.c. Everything
 * else goes to the guest through the tap device, unless --splice-only.
 *
 * #syscalls accept4
 */
void tcp_listen_handler(struct ctx *c, union epoll_ref ref)
{
	bool ns = ref.type == EPOLL_TYPE_TCP_LISTEN_NS, stale;
	const struct port_spec_rule *r;
	union inany_addr to, *top = NULL;
	uint16_t port, target;
	int i;

	r = listen_ref_rule(c, ref, &port, &stale);
	if (stale)
		return;
	target = r ? port_rule_target(r, port) : port;
	if (r && r->taf == AF_INET) {
		inany_from_v4(&to, r->taddr.a4);
		top = &to;
	} else if (r && r->taf == AF_INET6) {
		inany_from_v6(&to, &r->taddr.a6);
		top = &to;
	}

	tcp_now = now_ms();
	for (i = 0; i < TCP_ACCEPT_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t sl = sizeof(peer);
		int s = accept4(ref.fd, (struct sockaddr *)&peer, &sl,
				SOCK_NONBLOCK | SOCK_CLOEXEC);
		union inany_addr pa;
		uint16_t pport;

		if (s < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				listen_pause(c, ref, errno);
			break;
		}
		inany_from_sockaddr(&peer, &pa, &pport);

		if (ns) {
			tcp_splice_conn_new(c, s, FLOW_SIDE_GUEST, &pa, pport,
					    target);
		} else if (c->mode == MODE_PASTA && !c->no_splice && !top &&
			   inany_is_loopback(&pa)) {
			tcp_splice_conn_new(c, s, FLOW_SIDE_HOST, &pa, pport,
					    target);
		} else if (c->splice_only) {
			struct linger l = { .l_onoff = 1, .l_linger = 0 };

			log_debug("TCP: --splice-only, refusing non-local "
				  "connection to port %u", port);
			setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
			close(s);
		} else {
			tcp_conn_from_sock(c, s, &pa, pport, top, target);
		}
	}
}

/**
 * tcp_connected() - the host connect() finished: SYN-ACK or RST to guest
 * @c:		execution context
 * @conn:	connection
 * @events:	epoll events of the socket
 *
 * Output readiness without an error or hang-up means connected: the error,
 * if any, is only read (SO_ERROR) to tell why it failed.
 */
static void tcp_connected(struct ctx *c, struct tcp_conn *conn,
			  uint32_t events)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	if (events & (EPOLLERR | EPOLLHUP)) {
		if (getsockopt(conn->sock, SOL_SOCKET, SO_ERROR, &err, &sl))
			err = errno;
		log_debug("TCP: connection failed: %s", strerror(err));
		conn->seq_ack_from_guest = conn->seq_to_guest;
		tcp_send_ctl(c, conn, TCP_RST | TCP_ACK, 0);
		tcp_conn_close(c, conn, false);
		return;
	}
	if (!(events & EPOLLOUT))
		return;

	/* Data that came with the handshake is peeked once the guest
	 * answers; later data finds us waiting, tcp_data_to_guest()
	 */
	conn->flags &= ~TCPF_CONNECTING;
	conn->flags |= TCPF_SYNACK_SENT;
	if (events & (EPOLLIN | EPOLLRDHUP))
		conn->flags |= TCPF_SOCK_MORE;
	tcp_wnd_update(c, conn);
	tcp_send_ctl(c, conn, TCP_SYN | TCP_ACK, conn->seq_to_guest);
	conn->seq_to_guest++;
	conn->seq_max = conn->seq_ack_from_guest = conn->seq_to_guest;
	tcp_deadline_set(conn, tcp_now + TCP_RTO_MIN_MS);
}

/**
 * tcp_sock_handler() - handle events on a connection's host socket
 * @c:		execution context
 * @ref:	epoll reference of the flow, see flow_epoll_ref()
 * @events:	epoll events
 *
 * #syscalls recvmsg sendto getsockopt shutdown
 */
void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events)
{
	int sidx = flow_epoll_sidx(ref);
	struct tcp_conn *conn;

	if (sidx < 0)
		return;		/* stale event for a closed connection */
	conn = conn_at((unsigned int)FLOW_SIDX_IDX(sidx));
	if (conn->f.type != FLOW_TCP || conn->sock < 0)
		return;
	tcp_now = now_ms();
	log_trace("TCP: socket events 0x%x, flags 0x%x", events, conn->flags);

	/* The peer's FIN shows as end of file once all data before it is
	 * peeked: keep peeking after segments from the guest until then
	 */
	if (events & (EPOLLRDHUP | EPOLLHUP))
		conn->flags |= TCPF_SOCK_RDHUP;

	if (conn->flags & TCPF_CONNECTING) {
		tcp_connected(c, conn, events);
		return;
	}

	if (events & EPOLLERR) {
		tcp_conn_reset(c, conn);
		return;
	}

	if ((events & EPOLLOUT) && (conn->flags & TCPF_SOCK_FULL) &&
	    (conn->flags & TCPF_ESTABLISHED)) {
		int i;

		conn->flags &= ~TCPF_SOCK_FULL;
		tcp_wnd_update(c, conn);
		/* A window update, and if we dropped data the socket couldn't
		 * take, two duplicates: the guest retransmits at once instead
		 * of waiting for its timeout
		 */
		for (i = 0; i < ((conn->flags & TCPF_DROPPED) ? 3 : 1); i++)
			tcp_send_ctl(c, conn, TCP_ACK, conn->seq_to_guest);
		conn->flags &= ~TCPF_DROPPED;
	}

	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		tcp_data_to_guest(c, conn);
}

/**
 * tcp_tap_writable() - the link to the guest has room: resume senders
 * @c:		execution context
 */
void tcp_tap_writable(struct ctx *c)
{
	int i;

	tcp_now = now_ms();
	flow_foreach(i) {
		struct tcp_conn *conn = conn_at(i);

		if (conn->f.type != FLOW_TCP ||
		    !(conn->flags & TCPF_TAP_BLOCKED))
			continue;
		conn->flags &= ~TCPF_TAP_BLOCKED;
		tcp_data_to_guest(c, conn);
	}
}

/**
 * tcp_ack_pending_at() - connection at an entry of the list of pending ACKs
 * @i:		entry
 *
 * Return: the connection, NULL if it's gone or owes no ACK any longer (an
 *	   entry of a closed connection, or a newer one at its index that
 *	   was added again further on)
 */
static struct tcp_conn *tcp_ack_pending_at(int i)
{
	struct tcp_conn *conn = conn_at(tcp_pending[i]);

	if (conn->f.type != FLOW_TCP || !(conn->flags & TCPF_ACK_PENDING))
		return NULL;
	return conn;
}

/**
 * tcp_flush() - send the ACKs owed at the end of a batch of guest frames
 * @c:		execution context
 *
 * While the main loop polls (tcp_ack_hold_set()), the ACK of a FIN from the
 * guest (and of the data before it) is held instead: the host peer's FIN,
 * if it comes while we poll, takes it along, which saves the guest a frame
 * and us a write and a getsockopt(). Other ACKs go at once.
 */
void tcp_flush(struct ctx *c)
{
	int i, kept = 0;

	for (i = 0; i < tcp_pending_count; i++) {
		struct tcp_conn *conn = tcp_ack_pending_at(i);

		if (!conn)
			continue;
		if (tcp_ack_hold && (conn->flags & TCPF_GUEST_FIN) &&
		    conn->seq_ack_to_guest != conn->seq_from_guest) {
			log_trace("TCP: ACK of FIN, %u, held",
				  conn->seq_from_guest);
			conn->flags |= TCPF_ACK_HELD;
			tcp_pending[kept++] = tcp_pending[i];
			continue;
		}
		tcp_wnd_update(c, conn);
		tcp_send_ctl(c, conn, TCP_ACK, conn->seq_to_guest);
	}
	tcp_pending_count = kept;
}

/**
 * tcp_ack_hold_set() - let tcp_flush() hold ACKs of FINs, or not
 * @on:		the main loop polls next: the peer's FIN may come soon
 */
void tcp_ack_hold_set(bool on)
{
	tcp_ack_hold = on;
}

/**
 * tcp_ack_held() - are ACKs held (tcp_flush())?
 *
 * Return: true if a connection's pending ACK is held
 */
bool tcp_ack_held(void)
{
	int i;

	for (i = 0; i < tcp_pending_count; i++) {
		struct tcp_conn *conn = tcp_ack_pending_at(i);

		if (conn && (conn->flags & TCPF_ACK_HELD))
			return true;
	}
	return false;
}

/**
 * tcp_ack_release() - send the pending ACKs, held ones included
 * @c:		execution context
 *
 * The main loop calls this once ACKs were held for its polling budget, and
 * before it sleeps.
 */
void tcp_ack_release(struct ctx *c)
{
	int i;

	for (i = 0; i < tcp_pending_count; i++) {
		struct tcp_conn *conn = tcp_ack_pending_at(i);

		if (!conn)
			continue;
		tcp_wnd_update(c, conn);
		tcp_send_ctl(c, conn, TCP_ACK, conn->seq_to_guest);
	}
	tcp_pending_count = 0;
}

/**
 * tcp_sock_fin_acked() - has the peer acknowledged all we sent, and our FIN
 * @s:		TCP socket, after shutdown(SHUT_WR)
 *
 * Return: true if the socket is past FIN_WAIT1 (FIN_WAIT2, TIME_WAIT or
 *	   closed), or if the kernel doesn't tell: nothing left to wait for
 *
 * #syscalls getsockopt
 */
bool tcp_sock_fin_acked(int s)
{
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &sl))
		return true;
	return ti.tcpi_state == TCP_FIN_WAIT2 ||
	       ti.tcpi_state == TCP_TIME_WAIT || ti.tcpi_state == TCP_CLOSE;
}

/**
 * tcp_flow_drained() - has a connection delivered all the guest sent
 * @idx:	flow index of a FLOW_TCP flow
 *
 * Return: true once the guest's FIN became our shutdown, and the host peer
 *	   acknowledged everything up to it
 */
bool tcp_flow_drained(int idx)
{
	const struct tcp_conn *conn = conn_at((unsigned int)idx);

	if (conn->sock < 0)
		return true;
	if (!(conn->flags & TCPF_GUEST_FIN))
		return false;
	return tcp_sock_fin_acked(conn->sock);
}

/**
 * tcp_flow_sock() - host socket of a connection
 * @idx:	flow index of a FLOW_TCP flow
 *
 * Return: socket, -1 if none
 */
int tcp_flow_sock(int idx)
{
	return conn_at((unsigned int)idx)->sock;
}

/**
 * tcp_flow_state() - state of a connection, as a word
 * @idx:	flow index of a FLOW_TCP flow
 *
 * Return: "connecting" (to the host), "syn-sent" (to the guest),
 *	   "syn-received" (from the guest), "established", "closing" (a FIN
 *	   went either way)
 */
const char *tcp_flow_state(int idx)
{
	const struct tcp_conn *conn = conn_at((unsigned int)idx);

	if (conn->flags & TCPF_CONNECTING)
		return "connecting";
	if (conn->flags & TCPF_SYN_SENT)
		return "syn-sent";
	if (conn->flags & TCPF_SYNACK_SENT)
		return "syn-received";
	if (conn->flags & (TCPF_SOCK_EOF | TCPF_GUEST_FIN))
		return "closing";
	return "established";
}

/**
 * tcp_peek_off_probe() - does the kernel take SO_PEEK_OFF on TCP sockets
 *
 * Return: true if it does (Linux 6.9 and later), see tcp_peek_skip()
 */
static bool tcp_peek_off_probe(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	int off = 0;
	bool ok;

#ifdef SECCOMP_SELFTEST
	/* Test-only build: act as older kernels do (test_tcp.py) */
	if (getenv("PASST_TEST_NO_PEEK_OFF")) {
		if (s >= 0)
			close(s);
		return false;
	}
#endif
	if (s < 0)
		return false;
	ok = !setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off));
	close(s);
	return ok;
}

/**
 * tcp_peek_off_use() - use SO_PEEK_OFF, or peek data in flight again
 * @on:		use it (if the kernel takes it), or act as older kernels do
 *
 * For the fuzzers, between inputs: connections keep what they started with.
 */
void tcp_peek_off_use(bool on)
{
	static int probed = -1;

	if (probed < 0)
		probed = tcp_peek_off_probe();
	tcp_peek_off = on && probed;
}

/**
 * tcp_init() - set up the ISN secret, the probes of the kernel, the tick
 * @c:		execution context
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_init(struct ctx *c)
{
	uint8_t key[SIPHASH_KEY_LEN];

	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return -EIO;
	siphash_key_from_bytes(&tcp_isn_key, key);
	tcp_peek_off_use(true);
	if (!tcp_peek_off)
		log_info("TCP: the kernel has no SO_PEEK_OFF for TCP (before "
			 "Linux 6.9): data sent to the guest is read again "
			 "until acknowledged");
	tcp_window_init();
	return tcp_timer_init(c);
}
