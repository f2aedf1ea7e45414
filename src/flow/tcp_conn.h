/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tcp_conn.h - TCP connections, inside the TCP translation: the connection
 * struct and the functions tcp.c (connections, data to the guest),
 * tcp_guest.c (segments from the guest), tcp_window.c (our window) and
 * tcp_timer.c (timers) share. Not for other modules: they use tcp.h.
 */
#ifndef FLOW_TCP_CONN_H
#define FLOW_TCP_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/flow.h"
#include "wire/tcp.h"

struct ctx;

#define TCP_RTO_MIN_MS		200

/* Connection state flags */
#define TCPF_CONNECTING		(1U << 0)  /* connect() to host in progress */
#define TCPF_SYNACK_SENT	(1U << 1)  /* SYN-ACK to guest, await ACK */
#define TCPF_SYN_SENT		(1U << 2)  /* SYN to guest, await SYN-ACK */
#define TCPF_ESTABLISHED	(1U << 3)
#define TCPF_SOCK_EOF		(1U << 4)  /* host peer's FIN, sent at
					    * seq_max - 1
					    */
#define TCPF_FIN_SENT		(1U << 5)  /* our FIN is in seq_to_guest */
#define TCPF_FIN_ACKED		(1U << 6)
#define TCPF_GUEST_FIN		(1U << 7)  /* guest FIN, SHUT_WR done */
#define TCPF_ACK_PENDING	(1U << 8)
#define TCPF_SOCK_FULL		(1U << 9)  /* await EPOLLOUT */
#define TCPF_DROPPED		(1U << 10) /* guest data the socket refused */
#define TCPF_TAP_BLOCKED	(1U << 11) /* data waits for room to guest */
#define TCPF_RECOVERING		(1U << 12) /* fast retransmit done, until
					    * the guest acks @recover
					    */
#define TCPF_GUEST_TW		(1U << 13) /* the guest's FIN came first: it
					    * ends in TIME_WAIT
					    */
#define TCPF_PEEK_OFF		(1U << 14) /* SO_PEEK_OFF set on the socket */
#define TCPF_SOCK_MORE		(1U << 15) /* the socket may hold data not
					    * sent to the guest yet
					    */
#define TCPF_SOCK_RDHUP		(1U << 16) /* the host peer's FIN arrived */
#define TCPF_SNDBUF_SET		(1U << 17) /* SO_SNDBUF set, tcp_sndbuf_grow() */
#define TCPF_ACK_HELD		(1U << 18) /* pending ACK of the guest's FIN,
					    * held for our FIN to carry it
					    */

/**
 * struct tcp_conn - one TCP connection, an entry of the flow table
 * @f:			common flow header: type, sides
 * @sock:		host socket
 * @flags:		TCPF_* state flags
 * @mss:		largest payload we send the guest in one segment
 * @ws_from_guest:	window scale the guest uses for its windows
 * @ws_to_guest:	window scale we use for ours
 * @retries:		retransmissions without progress
 * @dup_acks:		duplicate ACKs in a row from the guest
 * @seq_to_guest:	next sequence number we send
 * @seq_max:		highest sequence number we ever sent, plus one: after a
 *			retransmission rewinds @seq_to_guest, the guest may
 *			acknowledge up to here
 * @seq_ack_from_guest:	highest sequence number the guest acknowledged
 * @seq_from_guest:	next sequence number we expect from the guest
 * @seq_ack_to_guest:	last acknowledgement we sent
 * @wnd_from_guest:	window the guest advertised, in bytes
 * @wnd_to_guest:	window we advertise, in bytes
 * @deadline:		time of the next timer action, ms, 0 for none
 * @last_active:	time of the last segment in either direction, ms
 * @wl1:		sequence number of the segment that last set
 *			@wnd_from_guest (RFC 9293's SND.WL1)
 * @wl2:		its acknowledgement number (SND.WL2)
 * @recover:		@seq_max at the last fast retransmit: no other one
 *			until the guest acknowledges past it
 * @challenge_start:	start of the challenge ACK rate limit window, ms
 * @challenges:		challenge ACKs sent in that window
 * @wnd_measured:	@wnd_to_guest as tcp_wnd_update() last measured it
 * @sndbuf_starved:	measurements that found the guest waiting on a small,
 *			empty send buffer, tcp_sndbuf_grow()
 */
struct tcp_conn {
	struct flow_common f;
	int sock;
	uint32_t flags;
	uint16_t mss;
	uint8_t ws_from_guest;
	uint8_t ws_to_guest;
	uint8_t retries;
	uint8_t dup_acks;
	uint32_t seq_to_guest;
	uint32_t seq_max;
	uint32_t seq_ack_from_guest;
	uint32_t seq_from_guest;
	uint32_t seq_ack_to_guest;
	uint32_t wnd_from_guest;
	uint32_t wnd_to_guest;
	uint64_t deadline;
	uint64_t last_active;
	uint32_t wl1;
	uint32_t wl2;
	uint32_t recover;
	uint64_t challenge_start;
	uint8_t challenges;
	uint8_t sndbuf_starved;
	uint32_t wnd_measured;
};

FLOW_TYPE_CHECK(struct tcp_conn);

/* Sequence number comparisons, modulo 2^32 */
#define SEQ_LT(a, b)		((int32_t)((a) - (b)) < 0)
#define SEQ_LE(a, b)		((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)		((int32_t)((a) - (b)) > 0)
#define SEQ_GE(a, b)		((int32_t)((a) - (b)) >= 0)

extern uint64_t tcp_now;	/* time of the event being handled, ms */

/**
 * conn_at() - connection for a flow table index
 * @idx:	flow index
 *
 * Return: pointer to the connection
 */
static inline struct tcp_conn *conn_at(unsigned int idx)
{
	return (struct tcp_conn *)&flowtab[idx];
}

/**
 * conn_idx() - flow table index of a connection
 * @conn:	connection
 *
 * Return: index
 */
static inline unsigned int conn_idx(const struct tcp_conn *conn)
{
	return (unsigned int)((const union flow *)conn - flowtab);
}

void tcp_wait_sock_room(const struct ctx *c, struct tcp_conn *conn);
void tcp_send_ctl(struct ctx *c, struct tcp_conn *conn, uint8_t flags,
		  uint32_t seq);
void tcp_ack_later(struct ctx *c, struct tcp_conn *conn);
void tcp_deadline_set(struct tcp_conn *conn, uint64_t when);
void tcp_conn_close(struct ctx *c, struct tcp_conn *conn, bool rst);
void tcp_conn_reset(struct ctx *c, struct tcp_conn *conn);
void tcp_data_to_guest(struct ctx *c, struct tcp_conn *conn);
void tcp_rewind(struct ctx *c, struct tcp_conn *conn);

void tcp_wnd_update(const struct ctx *c, struct tcp_conn *conn);
void tcp_window_init(void);

int tcp_timer_init(struct ctx *c);

void tcp_guest_rst(struct ctx *c, struct tcp_conn *conn,
		   const struct tcp_view *v);
void tcp_guest_segment(struct ctx *c, struct tcp_conn *conn,
		       const struct tcp_view *v);

#endif /* FLOW_TCP_CONN_H */
