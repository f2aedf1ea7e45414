// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_guest.c - TCP segments from the guest on a connection: what may
 * change its state, and what they carry
 *
 * Theory of operation
 *
 * Once a connection has its sequence numbers, anything that can put frames
 * on the guest's link could try to reset it, or to inject data, or to
 * steer our sending, by guessing. The checks of RFC 5961 and RFC 9293 make
 * that a matter of knowing the exact numbers:
 *
 *   - an RST resets only at exactly the next sequence number we expect (in
 *     SYN-SENT, only acknowledging our SYN), tcp_guest_rst(); any other is
 *     ignored, and on an established connection gets a challenge ACK, an
 *     ACK telling where we are, which a guest that really reset its end
 *     answers with a fitting RST;
 *   - a SYN on a connection past the handshake gets a challenge ACK too;
 *   - challenge ACKs: at most TCP_CHALLENGE_BURST per connection every
 *     TCP_CHALLENGE_WINDOW_MS, so that bad segments can't make a flood;
 *   - a segment without ACK is dropped, data, FIN and all;
 *   - the guest's window is taken only from acceptable segments
 *     (tcp_wnd_acceptable(): acknowledging what we sent, newer than the
 *     segment that last set it, within our window);
 *   - three duplicate ACKs make the data not yet acknowledged go out again
 *     (tcp_rewind(), at most the guest's window), once: no other fast
 *     retransmission until the guest acknowledges past what was sent then
 *     (one per round trip); the retransmission timer does the rest.
 *
 * Then tcp_guest_ack() discards acknowledged data from the socket, and
 * tcp_guest_data() writes in-order data to it (see tcp.c for the whole
 * picture). Refusals are counted, tcp_guard_stats_log().
 */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conf/ctx.h"
#include "flow/tcp.h"
#include "flow/tcp_conn.h"
#include "util/log.h"
#include "util/util.h"
#include "wire/pkt.h"

#define TCP_CHALLENGE_WINDOW_MS	1000	/* challenge ACKs: rate limit window */
#define TCP_CHALLENGE_BURST	5	/* per connection and window */

/**
 * struct tcp_guard_stats - segments from the guest refused by the acceptance
 *			    rules of RFC 5961 and RFC 9293
 * @rst_ignored:	RSTs not at the expected sequence number
 * @syn_challenged:	SYNs on established connections
 * @no_ack:		segments without ACK (after the handshake), dropped
 * @wnd_ignored:	windows of segments not acceptable for an update
 * @challenge_acks:	challenge ACKs sent
 * @challenge_limited:	challenge ACKs not sent: over the rate limit
 * @rexmit_held:	fast retransmissions not done: one per round trip
 * @tw_ended:		guest TIME_WAITs ended, tcp_guest_tw_end()
 */
static struct tcp_guard_stats {
	unsigned long rst_ignored;
	unsigned long syn_challenged;
	unsigned long no_ack;
	unsigned long wnd_ignored;
	unsigned long challenge_acks;
	unsigned long challenge_limited;
	unsigned long rexmit_held;
	unsigned long tw_ended;
} tcp_guard_stats;

/**
 * tcp_challenge_ack() - send a challenge ACK (RFC 5961), rate-limited
 * @c:		execution context
 * @conn:	connection
 *
 * The ACK tells the guest where we are; a guest that really meant to reset
 * the connection answers with an RST at that sequence number. At most
 * TCP_CHALLENGE_BURST per connection every TCP_CHALLENGE_WINDOW_MS, so that
 * a flood of bad segments can't turn into a flood of ACKs.
 */
static void tcp_challenge_ack(struct ctx *c, struct tcp_conn *conn)
{
	if (tcp_now - conn->challenge_start >= TCP_CHALLENGE_WINDOW_MS) {
		conn->challenge_start = tcp_now;
		conn->challenges = 0;
	}
	if (conn->challenges >= TCP_CHALLENGE_BURST) {
		tcp_guard_stats.challenge_limited++;
		return;
	}
	conn->challenges++;
	tcp_guard_stats.challenge_acks++;
	tcp_send_ctl(c, conn, TCP_ACK, conn->seq_to_guest);
}

/**
 * tcp_wnd_acceptable() - may a segment update the guest's window
 * @conn:	connection, established
 * @v:		TCP view of the segment, with ACK
 *
 * As RFC 9293 (3.10.7.4) has it: the acknowledgement is for data we sent,
 * not older than what's acknowledged already, and the segment is newer
 * than the one that last set the window (SND.WL1, SND.WL2). Its sequence
 * number must also be within the window we advertised.
 *
 * Return: true if the window of @v is to be used
 */
static bool tcp_wnd_acceptable(const struct tcp_conn *conn,
			       const struct tcp_view *v)
{
	uint32_t wnd = MAX(conn->wnd_to_guest, 1U);

	if (SEQ_LT(v->ack, conn->seq_ack_from_guest) ||
	    SEQ_GT(v->ack, conn->seq_max))
		return false;
	if (SEQ_GT(v->seq, conn->seq_from_guest + wnd) ||
	    SEQ_LT(v->seq + (uint32_t)v->payload_len + 1,
		   conn->seq_from_guest))
		return false;
	return SEQ_LT(conn->wl1, v->seq) ||
	       (conn->wl1 == v->seq && SEQ_LE(conn->wl2, v->ack));
}

/**
 * tcp_guest_ack() - process the acknowledgement in a segment from the guest
 * @c:		execution context
 * @conn:	connection
 * @v:		TCP view of the segment
 * @old_wnd:	the guest's window before this segment
 *
 * Return: bytes of data now acknowledged, for tcp_guest_discard()
 */
static uint32_t tcp_guest_ack(struct ctx *c, struct tcp_conn *conn,
			      const struct tcp_view *v, uint32_t old_wnd)
{
	uint32_t acked, data;

	if (!(v->flags & TCP_ACK))
		return 0;

	if (SEQ_GT(v->ack, conn->seq_max) ||
	    SEQ_LT(v->ack, conn->seq_ack_from_guest))
		return 0;	/* old, or for data we never sent */

	acked = v->ack - conn->seq_ack_from_guest;
	log_trace("TCP: guest acks %u (+%u), window %u", v->ack, acked,
		  conn->wnd_from_guest);
	if (!acked) {
		/* A duplicate ACK carries no data and no window change */
		if (!v->payload_len && !(v->flags & (TCP_SYN | TCP_FIN)) &&
		    conn->wnd_from_guest == old_wnd &&
		    conn->seq_to_guest != v->ack && ++conn->dup_acks == 3) {
			conn->dup_acks = 0;
			/* Once per round trip: the data we sent again has to
			 * be acknowledged before another fast retransmission
			 * (the timer does the rest)
			 */
			if (conn->flags & TCPF_RECOVERING) {
				tcp_guard_stats.rexmit_held++;
				return 0;
			}
			conn->flags |= TCPF_RECOVERING;
			conn->recover = conn->seq_max;
			tcp_rewind(c, conn);
		}
		return 0;
	}

	if ((conn->flags & TCPF_RECOVERING) && SEQ_GE(v->ack, conn->recover))
		conn->flags &= ~TCPF_RECOVERING;

	data = acked;
	if ((conn->flags & TCPF_SOCK_EOF) && v->ack == conn->seq_max) {
		conn->flags |= TCPF_FIN_ACKED;
		data--;
	}

	/* After a rewind, the guest may have had more than we sent again:
	 * carry on from what it acknowledged. Discarding the data, next,
	 * brings the peek offset back to zero, which is where we resume.
	 */
	if (SEQ_GT(v->ack, conn->seq_to_guest))
		conn->seq_to_guest = v->ack;

	conn->seq_ack_from_guest = v->ack;
	conn->dup_acks = 0;
	conn->retries = 0;
	if (conn->seq_max == v->ack)
		conn->deadline = 0;
	else
		tcp_deadline_set(conn, tcp_now + TCP_RTO_MIN_MS);
	return data;
}

/**
 * tcp_guest_discard() - drop data the guest acknowledged from the socket
 * @conn:	connection
 * @data:	bytes, from tcp_guest_ack()
 *
 * Done after the segment's own data went to the socket, so that a request
 * acknowledging the previous answer reaches the host peer first. Nothing
 * is peeked in between.
 */
static void tcp_guest_discard(struct tcp_conn *conn, uint32_t data)
{
	if (!data)
		return;
	if (recv_msg(conn->sock, NULL, data, MSG_TRUNC | MSG_DONTWAIT) < 0)
		log_debug("TCP: discarding acknowledged data failed: %s",
			  strerror(errno));
	else
		flow_count(&conn->f, FLOW_SIDE_HOST, data, tcp_now);
}

/**
 * tcp_guest_data() - write the data of a segment from the guest to the socket
 * @c:		execution context
 * @conn:	connection
 * @v:		TCP view of the segment
 */
static void tcp_guest_data(struct ctx *c, struct tcp_conn *conn,
			   const struct tcp_view *v)
{
	const uint8_t *data = v->payload;
	size_t len = v->payload_len;
	uint32_t seq = v->seq;
	bool fin = v->flags & TCP_FIN;
	ssize_t n;

	log_trace("TCP: guest data %u+%zu, expecting %u", seq, len,
		  conn->seq_from_guest);
	if (conn->flags & TCPF_GUEST_FIN)
		goto ack;

	if (SEQ_LT(seq, conn->seq_from_guest)) {
		uint32_t skip = conn->seq_from_guest - seq;

		if (skip > len) {
			/* Old data, or a window probe: tell where we are */
			tcp_ack_later(c, conn);
			return;
		}
		data += skip;
		len -= skip;
		seq += skip;
	}
	if (seq != conn->seq_from_guest) {
		/* Out of order: drop, the duplicate ACK asks for the gap */
		tcp_ack_later(c, conn);
		return;
	}

	if (len) {
		n = send(conn->sock, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				tcp_conn_reset(c, conn);
				return;
			}
			n = 0;
		}
		conn->seq_from_guest += (uint32_t)n;
		/* Until measured again, the window keeps its right edge */
		conn->wnd_to_guest -= MIN((uint32_t)n, conn->wnd_to_guest);
		if (n > 0)
			flow_count(&conn->f, FLOW_SIDE_GUEST, (size_t)n,
				   tcp_now);
		if ((size_t)n < len) {
			log_trace("TCP: socket took %zi of %zu bytes", n, len);
			fin = false;	/* not all data before it went out */
			conn->flags |= TCPF_DROPPED;
			tcp_wait_sock_room(c, conn);
			tcp_ack_later(c, conn);
			return;
		}
	}

	if (fin) {
		conn->seq_from_guest++;
		conn->flags |= TCPF_GUEST_FIN;
		/* Our FIN not acknowledged yet: the guest closes first, or
		 * at the same time, and ends in TIME_WAIT
		 */
		if (!(conn->flags & TCPF_FIN_ACKED))
			conn->flags |= TCPF_GUEST_TW;
		shutdown(conn->sock, SHUT_WR);
	}

ack:
	if (len || fin)
		tcp_ack_later(c, conn);
}

/**
 * tcp_guest_tw_end() - end the guest's TIME_WAIT, once it acknowledged our FIN
 * @c:		execution context
 * @conn:	connection, both FINs sent and acknowledged, the guest's first
 *
 * The side that closes first waits in TIME_WAIT for twice the maximum
 * segment lifetime (60 s on Linux), holding its port: a guest that opens
 * and closes connections to one server quickly runs out of ports, as its
 * TIME_WAIT can only be reused with TCP timestamps, which we don't offer.
 * TIME_WAIT guards against a last ACK lost on the way (this one reached
 * us) and against old duplicates of the connection's segments still in
 * the network, arriving at a new connection on the same ports: between
 * the guest and us there is only the link, which delivers in order, and
 * nothing of this connection comes after this RST. An RST at exactly the
 * guest's next expected sequence number ends TIME_WAIT (RFC 1337 calls it
 * assassination; Linux does it unless net.ipv4.tcp_rfc1337 is set), which
 * frees the port at once.
 */
static void tcp_guest_tw_end(struct ctx *c, struct tcp_conn *conn)
{
	tcp_send_ctl(c, conn, TCP_RST, conn->seq_max);
	tcp_guard_stats.tw_ended++;
}

/**
 * tcp_guest_rst() - an RST from the guest on a connection: accept it or not
 * @c:		execution context
 * @conn:	connection
 * @v:		TCP view of the segment
 *
 * RFC 5961, 3.2: only an RST at exactly the next sequence number we expect
 * resets the connection (in SYN-SENT, one acknowledging our SYN). Any other
 * is ignored, and, on an established connection, answered with a challenge
 * ACK, so that a guest that really reset its end sends a fitting one.
 */
void tcp_guest_rst(struct ctx *c, struct tcp_conn *conn,
			  const struct tcp_view *v)
{
	bool ok;

	if (conn->flags & TCPF_SYN_SENT)
		ok = (v->flags & TCP_ACK) && v->ack == conn->seq_to_guest;
	else
		ok = v->seq == conn->seq_from_guest;

	if (ok) {
		tcp_conn_close(c, conn, true);
		return;
	}
	tcp_guard_stats.rst_ignored++;
	if (conn->flags & TCPF_ESTABLISHED)
		tcp_challenge_ack(c, conn);
}

/**
 * tcp_guest_segment() - a segment from the guest once the handshake is under
 *			 way: SYN, ACK, window, data, FIN
 * @c:		execution context
 * @conn:	connection, past SYN-SENT and connect()
 * @v:		TCP view of the segment, not an RST
 */
void tcp_guest_segment(struct ctx *c, struct tcp_conn *conn,
		       const struct tcp_view *v)
{
	uint32_t old_wnd, acked;

	if (v->flags & TCP_SYN) {
		/* Before the handshake completes, a duplicate: our SYN-ACK
		 * is on its way. After, a challenge ACK (RFC 5961, 4.2)
		 */
		if (!(conn->flags & TCPF_SYNACK_SENT)) {
			tcp_guard_stats.syn_challenged++;
			tcp_challenge_ack(c, conn);
		}
		return;
	}

	if (conn->flags & TCPF_SYNACK_SENT) {
		if (!(v->flags & TCP_ACK) || v->ack != conn->seq_to_guest)
			return;
		conn->flags &= ~TCPF_SYNACK_SENT;
		conn->flags |= TCPF_ESTABLISHED;
		conn->deadline = 0;
		conn->retries = 0;
	}

	/* Without ACK, a segment is dropped, data or FIN alike (RFC 9293,
	 * 3.10.7.4, fifth check)
	 */
	if (!(v->flags & TCP_ACK)) {
		tcp_guard_stats.no_ack++;
		return;
	}

	old_wnd = conn->wnd_from_guest;
	if (tcp_wnd_acceptable(conn, v)) {
		conn->wnd_from_guest = (uint32_t)v->window <<
				       conn->ws_from_guest;
		conn->wl1 = v->seq;
		conn->wl2 = v->ack;
	} else if (conn->wnd_from_guest !=
		   (uint32_t)v->window << conn->ws_from_guest) {
		tcp_guard_stats.wnd_ignored++;
	}
	acked = tcp_guest_ack(c, conn, v, old_wnd);
	if (conn->sock < 0)
		return;
	tcp_guest_data(c, conn, v);
	if (conn->sock < 0)
		return;
	tcp_guest_discard(conn, acked);

	if ((conn->flags & TCPF_GUEST_FIN) && (conn->flags & TCPF_FIN_ACKED)) {
		if (conn->flags & TCPF_ACK_PENDING)
			tcp_send_ctl(c, conn, TCP_ACK, conn->seq_to_guest);
		if (conn->flags & TCPF_GUEST_TW)
			tcp_guest_tw_end(c, conn);
		tcp_conn_close(c, conn, false);
		return;
	}

	/* New data comes with an event of its own: look again only if
	 * the window or the link held some back, or the FIN is to be seen
	 */
	if (conn->flags & TCPF_SOCK_MORE)
		tcp_data_to_guest(c, conn);
}

/**
 * tcp_guard_stats_log() - log the counters of segments refused from the guest
 * @level:	log level
 */
void tcp_guard_stats_log(int level)
{
	const struct tcp_guard_stats *s = &tcp_guard_stats;

	log_msg(level, "TCP from the guest: %lu RSTs ignored, %lu SYNs "
		"challenged, %lu segments without ACK dropped, %lu windows "
		"ignored, %lu challenge ACKs (%lu over the limit), %lu fast "
		"retransmissions held, %lu TIME_WAITs ended", s->rst_ignored,
		s->syn_challenged, s->no_ack, s->wnd_ignored,
		s->challenge_acks, s->challenge_limited, s->rexmit_held,
		s->tw_ended);
}

