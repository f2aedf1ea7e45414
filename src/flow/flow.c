// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flow.c - the flow table: allocation, iteration, and lookup by addresses
 *
 * Theory of operation
 *
 * Every TCP connection, UDP flow and ICMP echo flow lives in one entry of a
 * static table of FLOW_MAX entries (union flow). An entry starts with struct
 * flow_common: its type, a protocol specific state byte, and two sides, each a
 * struct flowside with two addresses and two ports. Side 0 is the guest side,
 * as seen on the tap interface; side 1 is the host side, as seen by our
 * socket. Protocol modules lay their own struct over the entry.
 *
 * Allocation. Entries below the high-water mark flow_hwm have been used at
 * least once; free ones among them are kept in a LIFO list linked through
 * the entries themselves (struct flow_free). flow_alloc() pops the list, or
 * takes the entry at flow_hwm, or fails with -ENOSPC once both run out: the
 * caller refuses that new connection and nothing else changes. flow_free()
 * pushes the entry back. Both are O(1), and entries above flow_hwm are never
 * touched, so their pages of .bss never become resident.
 *
 * Shares. Flows are of three kinds (enum flow_kind): opened by the guest,
 * opened by host peers through forwarded ports, and pasta's local (spliced)
 * ones. Each kind has 1/FLOW_RESERVE_DIV of the table reserved: a new flow
 * is refused if taking it would leave less room than the other kinds still
 * have reserved and haven't used. So a guest holding every UDP flow it can,
 * or remote peers sending from many source ports to a -u port, can't take
 * the room of the others. Before a flow is refused, idle UDP and ICMP echo
 * flows (no traffic for FLOW_EVICT_IDLE_MS) are evicted, oldest first, up
 * to FLOW_EVICT_BATCH per scan of the table: flows of the same kind, or of a
 * kind using more than its reserve. A refusal is counted per kind and
 * logged, at most once a second. The table's size is FLOW_MAX, or less if
 * the limit on open files can't hold that many flows (flow_set_limit()).
 *
 * Iteration. A bitmap has one bit per live entry; flow_next() finds the next
 * set bit with one word test per 64 entries, so timers walking the table skip
 * free entries cheaply. Freeing entries while iterating is safe: the bit is
 * cleared, and the walk goes on from the next index.
 *
 * Epoll references. The sockets of flows are registered with
 * flow_epoll_ref(): the reference holds the entry's sidx and the serial
 * number given to the flow by flow_alloc() (a 32-bit counter over all
 * allocations), not the descriptor. An event queued before its flow was
 * closed, for an entry that a new flow took in the same batch of events
 * (with a new socket of the same number, as descriptors are reused lowest
 * first), is recognised by flow_epoll_sidx() and ignored.
 *
 * The guest going away. A frontend whose client disconnects (qemu on the
 * stream socket) calls flow_guest_gone() before it accepts the next one:
 * every flow with a guest side (TCP, UDP, ICMP echo) is closed by its
 * protocol module, host peers of TCP connections see a reset, and the next
 * client starts from an empty table, unable to see or touch what the
 * previous one left. Flows without a guest side, pasta's spliced ones, are
 * not affected.
 *
 * Lookup. Each side of a flow can be put in a hash table, keyed by the flow
 * type, the side index and the 4-tuple of that side: that's how a frame from
 * the guest (side 0) or a datagram on a shared socket (side 1) finds its
 * flow. The hash is SipHash-2-4 with a 128-bit secret from getrandom(), so
 * that remote peers and guests can't aim for collisions.
 *
 * The hash table is an array of FLOW_HASH_SIZE 32-bit slots with open
 * addressing and linear probing. A slot is zero when empty; otherwise bit 31
 * is set, bits 16..30 hold 15 more bits of the hash (a tag, so that most
 * mismatches are rejected without reading the flow entry), and bits 0..15
 * hold the sidx (flow index and side bit). There are four slots per flow and
 * at most two keys per flow, so the table is never more than half full.
 *
 * Deletion uses backward shifting instead of tombstones: after emptying a
 * slot, the following entries of the same cluster are moved back into the
 * hole whenever that doesn't move them before their home slot, until an
 * empty slot is met. The invariant "every entry is reachable from its home
 * slot without crossing an empty slot" holds after every operation, with no
 * degradation under churn. The home slot of an entry is found by hashing the
 * key again from the flow entry: that's why the type and addresses of a side
 * must not change while the side is in the hash table.
 *
 * Exit drain. When pasta's command (or the process it watches) is gone,
 * the namespace may still hold data its sockets queued, or that we took
 * from the tap device but the host peer hasn't acknowledged yet: exiting at
 * once would lose it. flow_exit() exits right away if no flow the guest
 * opened is still delivering; otherwise it records the exit status and a
 * deadline (the linger time, --exit-linger), and the main loop keeps going
 * and calls flow_exit_poll() after each batch of events, which exits once
 * every such flow is drained, or at the deadline. Whether a flow is drained
 * is a question for its protocol (tcp_flow_drained(), tcp_splice_drained());
 * UDP and ICMP echo flows are never waited for.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include "flow/flow.h"
#include "flow/icmp.h"
#include "flow/siphash.h"
#include "flow/tcp.h"
#include "flow/tcp_splice.h"
#include "flow/udp.h"
#include "flow/udp_splice.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/util.h"

union flow flowtab[FLOW_MAX];
static uint64_t flow_birth[FLOW_MAX];	/* now_ms() at flow_alloc() */

static uint32_t flow_hashtab[FLOW_HASH_SIZE];
static uint32_t flow_serial[FLOW_MAX];	/* of the flow in each entry */
static uint32_t flow_serial_last;
static uint64_t flow_used[FLOW_MAX / 64];
static int flow_hwm;
static int flow_free_head = -1;
static struct flow_stats flow_stats;
static struct siphash_key flow_hash_secret;
static unsigned int flow_limit = FLOW_MAX;
static uint64_t flow_evict_empty_at;	/* last scan that found nothing, ms */
static struct log_limit flow_refused_limit;	/* refusal lines */

/**
 * struct flow_exit_state - exit pending, waiting for flows to drain
 * @linger_ms:	longest wait, 0: exit at once (--exit-linger)
 * @on:		flow_exit() was called, we're waiting
 * @status:	exit status to use
 * @deadline:	when to give up waiting, ms
 */
static struct flow_exit_state {
	unsigned int linger_ms;
	bool on;
	int status;
	uint64_t deadline;
} flow_exit_state = { .linger_ms = FLOW_EXIT_LINGER_DEFAULT * 1000 };

#define FLOW_HASH_MASK		(FLOW_HASH_SIZE - 1)
#define SLOT_VALID		(1U << 31)
#define SLOT_TAG_SHIFT		16
#define SLOT_TAG_MASK		0x7fffU
#define SLOT_SIDX_MASK		0xffffU

static const char *const flow_type_names[FLOW_NUM_TYPES] = {
	[FLOW_NONE]		= "free",
	[FLOW_TCP]		= "TCP",
	[FLOW_TCP_SPLICE]	= "TCP splice",
	[FLOW_UDP]		= "UDP",
	[FLOW_UDP_SPLICE]	= "UDP splice",
	[FLOW_PING4]		= "ICMP echo",
	[FLOW_PING6]		= "ICMPv6 echo",
};

static const char *const flow_kind_names[FLOW_KINDS] = {
	[FLOW_KIND_GUEST]	= "guest",
	[FLOW_KIND_HOST]	= "host",
	[FLOW_KIND_SPLICE]	= "local",
};

/**
 * inany_ntop() - format an address, dotted quad if it's IPv4-mapped
 * @a:		address
 * @buf:	output buffer, INANY_ADDRSTRLEN bytes are always enough
 * @size:	size of @buf
 *
 * Return: @buf, or NULL if @buf is too small
 */
const char *inany_ntop(const union inany_addr *a, char *buf, size_t size)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return inet_ntop(AF_INET, v4, buf, size);
	return inet_ntop(AF_INET6, &a->a6, buf, size);
}

/**
 * flow_type_str() - name of a flow type, for logs
 * @type:	enum flow_type
 *
 * Return: static string
 */
const char *flow_type_str(unsigned int type)
{
	if (type >= FLOW_NUM_TYPES)
		return "?";
	return flow_type_names[type];
}

/**
 * flow_kind_str() - name of a flow kind, for logs
 * @kind:	enum flow_kind
 *
 * Return: static string
 */
const char *flow_kind_str(unsigned int kind)
{
	if (kind >= FLOW_KINDS)
		return "?";
	return flow_kind_names[kind];
}

/**
 * flow_kind_of() - the kind of a flow, for the shares of the table
 * @f:		flow, type and initiator set
 *
 * Return: FLOW_KIND_SPLICE for spliced and relayed local flows, otherwise
 *	   FLOW_KIND_GUEST or FLOW_KIND_HOST by who opened it
 */
enum flow_kind flow_kind_of(const struct flow_common *f)
{
	if (f->type == FLOW_TCP_SPLICE || f->type == FLOW_UDP_SPLICE)
		return FLOW_KIND_SPLICE;
	return f->initiator == FLOW_SIDE_HOST ? FLOW_KIND_HOST :
						FLOW_KIND_GUEST;
}

/**
 * flow_set_limit() - use only part of the table
 * @n:		entries, clamped to FLOW_LIMIT_MIN ... FLOW_MAX
 *
 * Called at start-up, before any flow exists, when the limit on open files
 * can't hold FLOW_MAX flows with a descriptor each.
 */
void flow_set_limit(unsigned int n)
{
	flow_limit = MAX(MIN(n, (unsigned int)FLOW_MAX),
			 (unsigned int)FLOW_LIMIT_MIN);
	flow_stats.limit = flow_limit;
}

/**
 * flow_info_local() - fill the local address of a host side, if not known
 * @idx:	flow index
 * @type:	its type
 * @h:		host side, oaddr and oport set from the socket if unset
 *
 * The flows record the host side's local address only where they need it
 * (datagrams to forwarded ports): the listing asks the socket.
 *
 * #syscalls getsockname
 */
static void flow_info_local(int idx, unsigned int type, struct flowside *h)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	int s = -1;

	if (h->oport || !inany_is_unspecified(&h->oaddr))
		return;
	if (type == FLOW_TCP)
		s = tcp_flow_sock(idx);
	else if (type == FLOW_TCP_SPLICE)
		s = tcp_splice_flow_sock(idx, FLOW_SIDE_HOST);
	else if (type == FLOW_UDP)
		s = udp_flow_sock(idx);
	else if (type == FLOW_PING4 || type == FLOW_PING6)
		s = icmp_flow_sock(idx);
	if (s < 0 || getsockname(s, (struct sockaddr *)&sa, &sl))
		return;
	if (sa.ss_family == AF_INET || sa.ss_family == AF_INET6)
		inany_from_sockaddr(&sa, &h->oaddr, &h->oport);
}

/**
 * flow_info() - describe a live flow, for the control socket's listing
 * @idx:	flow index
 * @now:	current time, ms
 * @fi:		description, filled
 *
 * Return: 0 on success, -1 if @idx isn't a live flow
 */
int flow_info(int idx, uint64_t now, struct flow_info *fi)
{
	const struct flow_common *f;
	uint64_t last;

	if (!flow_is_live(idx))
		return -1;
	f = &flowtab[idx].f;

	memset(fi, 0, sizeof(*fi));
	switch (f->type) {
	case FLOW_TCP:
		fi->proto = "tcp";
		fi->state = tcp_flow_state(idx);
		break;
	case FLOW_TCP_SPLICE:
		fi->proto = "tcp";
		fi->state = tcp_splice_flow_state(idx);
		break;
	case FLOW_UDP:
	case FLOW_UDP_SPLICE:
		fi->proto = "udp";
		fi->state = "active";
		break;
	case FLOW_PING4:
		fi->proto = "icmp";
		fi->state = "active";
		break;
	default:
		fi->proto = "icmpv6";
		fi->state = "active";
	}
	if (f->type == FLOW_TCP_SPLICE || f->type == FLOW_UDP_SPLICE)
		fi->dir = "splice";
	else
		fi->dir = f->initiator == FLOW_SIDE_GUEST ? "out" : "in";
	fi->side[0] = f->side[0];
	fi->side[1] = f->side[1];
	flow_info_local(idx, f->type, &fi->side[FLOW_SIDE_HOST]);
	fi->bytes[0] = f->bytes[0];
	fi->bytes[1] = f->bytes[1];
	fi->age_ms = now > flow_birth[idx] ? now - flow_birth[idx] : 0;
	last = MAX(f->active, flow_birth[idx]);
	fi->idle_ms = now > last ? now - last : 0;
	return 0;
}

/**
 * flow_count_type() - number of live flows of one type
 * @type:	enum flow_type
 *
 * Return: count, by a walk of the live flows
 */
unsigned int flow_count_type(enum flow_type type)
{
	unsigned int n = 0;
	int idx;

	flow_foreach(idx) {
		if (flowtab[idx].f.type == type)
			n++;
	}
	return n;
}

/**
 * flow_reset() - empty the table and the hash, zero the counters
 */
static void flow_reset(void)
{
	memset(flowtab, 0, sizeof(flowtab[0]) * (size_t)flow_hwm);
	if (flow_stats.hashed)
		memset(flow_hashtab, 0, sizeof(flow_hashtab));
	memset(flow_used, 0, sizeof(flow_used));
	memset(&flow_stats, 0, sizeof(flow_stats));
	flow_stats.limit = flow_limit;
	flow_evict_empty_at = 0;
	memset(&flow_refused_limit, 0, sizeof(flow_refused_limit));
	flow_hwm = 0;
	flow_free_head = -1;
}

/**
 * flow_init_seeded() - reset the flow table, with a given hash secret
 * @key:	16 bytes of secret (tests pass fixed ones, to be reproducible)
 */
void flow_init_seeded(const uint8_t key[16])
{
	flow_reset();
	siphash_key_from_bytes(&flow_hash_secret, key);
}

/**
 * flow_init() - reset the flow table, with a random hash secret
 *
 * Return: 0 on success, negative error code if no randomness is available
 */
int flow_init(void)
{
	uint8_t key[SIPHASH_KEY_LEN];
	size_t got = 0;

	while (got < sizeof(key)) {
		ssize_t n = getrandom(key + got, sizeof(key) - got, 0);

		if (n < 0) {
			int ret = -errno;

			if (errno == EINTR)
				continue;
			log_err("getrandom() for flow hash secret: %s",
				strerror(errno));
			return ret;
		}
		got += (size_t)n;
	}

	flow_init_seeded(key);
	memset(key, 0, sizeof(key));
	return 0;
}

/**
 * flow_is_live() - is a flow index valid and allocated
 * @idx:	flow index
 *
 * Return: true if @idx is in range and holds a flow
 */
bool flow_is_live(int idx)
{
	if (idx < 0 || idx >= flow_hwm)
		return false;
	return flow_used[idx / 64] & (1ULL << (idx % 64));
}

/**
 * flow_room() - may a flow of a kind take one more entry
 * @kind:	enum flow_kind
 *
 * Return: true if, after taking it, the unused reserves of the other kinds
 *	   still fit in what's left of the table
 */
static bool flow_room(enum flow_kind kind)
{
	unsigned int reserve = flow_limit / FLOW_RESERVE_DIV, need = 1, k;

	for (k = 0; k < FLOW_KINDS; k++) {
		if (k != kind && flow_stats.kind_in_use[k] < reserve)
			need += reserve - flow_stats.kind_in_use[k];
	}
	return flow_stats.in_use + need <= flow_limit;
}

/**
 * flow_idle_since() - last activity of an evictable flow
 * @idx:	flow index, of a live flow
 * @since:	time of its last datagram or echo, ms, set if evictable
 *
 * Return: true for UDP, relayed local UDP and ICMP echo flows
 */
static bool flow_idle_since(int idx, uint64_t *since)
{
	switch (flowtab[idx].f.type) {
	case FLOW_UDP:
		*since = udp_flow_last_active(idx);
		return true;
	case FLOW_UDP_SPLICE:
		*since = udp_splice_last_active(idx);
		return true;
	case FLOW_PING4:
	case FLOW_PING6:
		*since = icmp_flow_last_active(idx);
		return true;
	default:
		return false;
	}
}

/**
 * flow_evict_one() - close an idle flow to make room
 * @c:		execution context
 * @idx:	flow index, of a flow flow_idle_since() accepted
 */
static void flow_evict_one(struct ctx *c, int idx)
{
	log_debug("flow: evicting idle %s flow %d",
		  flow_type_str(flowtab[idx].f.type), idx);
	switch (flowtab[idx].f.type) {
	case FLOW_UDP:
		udp_flow_evict(c, idx);
		break;
	case FLOW_UDP_SPLICE:
		udp_splice_evict(c, idx);
		break;
	default:
		icmp_flow_evict(c, idx);
		break;
	}
	flow_stats.evicted++;
}

/**
 * flow_evict() - evict the oldest idle UDP and ICMP flows that make room
 * @c:		execution context
 * @kind:	kind of the flow that needs an entry
 *
 * Candidates are flows of @kind, or of a kind using more than its reserve,
 * idle for FLOW_EVICT_IDLE_MS at least. Up to FLOW_EVICT_BATCH of them go,
 * oldest first, so that the cost of the scan is shared by as many new
 * flows. A scan that finds nothing isn't repeated for FLOW_EVICT_RESCAN_MS.
 *
 * Return: true if anything was evicted
 */
static bool flow_evict(struct ctx *c, enum flow_kind kind)
{
	unsigned int reserve = flow_limit / FLOW_RESERVE_DIV, n = 0, i, j;
	int cand[FLOW_EVICT_BATCH];
	uint64_t age[FLOW_EVICT_BATCH];
	uint64_t now = now_ms(), since;
	int idx;

	if (flow_evict_empty_at &&
	    now < flow_evict_empty_at + FLOW_EVICT_RESCAN_MS * TEST_TIME_SCALE)
		return false;

	flow_foreach(idx) {
		enum flow_kind k = flow_kind_of(&flowtab[idx].f);

		if (k != kind && flow_stats.kind_in_use[k] <= reserve)
			continue;
		if (!flow_idle_since(idx, &since) ||
		    since + FLOW_EVICT_IDLE_MS > now)
			continue;

		/* Keep the FLOW_EVICT_BATCH oldest, sorted, oldest first */
		if (n == FLOW_EVICT_BATCH && since >= age[n - 1])
			continue;
		for (i = n < FLOW_EVICT_BATCH ? n++ : n - 1;
		     i > 0 && age[i - 1] > since; i--) {
			age[i] = age[i - 1];
			cand[i] = cand[i - 1];
		}
		age[i] = since;
		cand[i] = idx;
	}

	for (i = j = 0; i < n; i++) {
		enum flow_kind k = flow_kind_of(&flowtab[cand[i]].f);

		/* Evicting others' flows helps only above their reserve */
		if (k != kind && flow_stats.kind_in_use[k] <= reserve)
			continue;
		flow_evict_one(c, cand[i]);
		j++;
	}

	flow_evict_empty_at = j ? 0 : (now ? now : 1);
	return j;
}

/**
 * flow_refused() - count and log a refused allocation
 * @type:	type of the flow refused
 * @kind:	its kind
 */
static void flow_refused(enum flow_type type, enum flow_kind kind)
{
	uint64_t now = now_ms();

	flow_stats.alloc_fail++;
	flow_stats.refused[kind]++;
	if (!log_limit_pass(&flow_refused_limit, now, 1,
			    1000U * TEST_TIME_SCALE))
		return;
	log_warn("Flow table: no room for a new %s flow (%s, %u of %u in "
		 "use), refused; %lu refused so far",
		 flow_type_str(type), flow_kind_str(kind),
		 flow_stats.kind_in_use[kind], flow_limit,
		 flow_stats.refused[kind]);
}

/**
 * flow_alloc() - allocate a flow table entry
 * @c:		execution context, NULL: never evict flows (tests)
 * @type:	type of the new flow, not FLOW_NONE
 * @initiator:	FLOW_SIDE_GUEST if the guest (or the namespace) opened it,
 *		FLOW_SIDE_HOST if a host peer did
 *
 * Return: index of the new entry, zeroed but for its type and initiator,
 *	   -ENOSPC if there's no room for its kind, even after evicting idle
 *	   flows, -EINVAL for a bad type
 */
int flow_alloc(struct ctx *c, enum flow_type type, int initiator)
{
	struct flow_common probe = { .type = (uint8_t)type,
				     .initiator = (uint8_t)initiator };
	enum flow_kind kind;
	int idx;

	if (type <= FLOW_NONE || type >= FLOW_NUM_TYPES ||
	    (initiator != FLOW_SIDE_GUEST && initiator != FLOW_SIDE_HOST))
		return -EINVAL;

	kind = flow_kind_of(&probe);
	if (!flow_room(kind) &&
	    !(c && flow_evict(c, kind) && flow_room(kind))) {
		flow_refused(type, kind);
		return -ENOSPC;
	}

	if (flow_free_head >= 0) {
		idx = flow_free_head;
		flow_free_head = flowtab[idx].free.next;
	} else if (flow_hwm < FLOW_MAX) {
		idx = flow_hwm++;
	} else {
		flow_refused(type, kind);
		return -ENOSPC;
	}

	memset(&flowtab[idx], 0, sizeof(flowtab[idx]));
	flowtab[idx].f.type = type;
	flowtab[idx].f.initiator = (uint8_t)initiator;
	if (!++flow_serial_last)	/* zero: never a live flow's */
		flow_serial_last++;
	flow_serial[idx] = flow_serial_last;
	flow_birth[idx] = now_ms();
	flow_used[idx / 64] |= 1ULL << (idx % 64);

	flow_stats.kind_in_use[kind]++;
	if (++flow_stats.in_use > flow_stats.max_in_use)
		flow_stats.max_in_use = flow_stats.in_use;

	return idx;
}

/**
 * flow_free() - release a flow table entry, taking its sides out of the hash
 * @idx:	flow index; freeing a free entry is logged and ignored
 */
void flow_free(int idx)
{
	if (!flow_is_live(idx)) {
		log_err("flow: freeing free or invalid flow %d", idx);
		return;
	}

	flow_hash_remove(idx, FLOW_SIDE_GUEST);
	flow_hash_remove(idx, FLOW_SIDE_HOST);

	flow_stats.kind_in_use[flow_kind_of(&flowtab[idx].f)]--;
	flow_used[idx / 64] &= ~(1ULL << (idx % 64));
	flow_serial[idx] = 0;
	flowtab[idx].free.type = FLOW_NONE;
	flowtab[idx].free.next = flow_free_head;
	flow_free_head = idx;
	flow_stats.in_use--;
}

/**
 * flow_guest_gone() - the guest went away: close every flow of its side
 * @c:		execution context
 *
 * Called by the frontend once its client is gone, before it takes another
 * one (see the theory of operation).
 *
 * Return: number of flows closed
 */
unsigned int flow_guest_gone(struct ctx *c)
{
	unsigned int n = 0;
	int idx;

	flow_foreach(idx) {
		switch (flowtab[idx].f.type) {
		case FLOW_TCP:
			tcp_guest_gone(c, idx);
			break;
		case FLOW_UDP:
			udp_guest_gone(c, idx);
			break;
		case FLOW_PING4:
		case FLOW_PING6:
			icmp_guest_gone(c, idx);
			break;
		default:
			continue;
		}
		n++;
	}
	flow_stats.guest_gone += n;
	return n;
}

/**
 * flow_epoll_ref() - epoll reference for a socket of a flow
 * @type:	EPOLL_TYPE_TCP, EPOLL_TYPE_UDP, ... (enum epoll_type)
 * @idx:	flow index, of a live flow
 * @side:	side the socket belongs to
 *
 * Return: the reference, as epoll_event data: type, sidx, and the serial
 *	   number of the flow, see flow_epoll_sidx()
 */
uint64_t flow_epoll_ref(enum epoll_type type, int idx, int side)
{
	union epoll_ref ref = { .u64 = 0 };

	ref.flow.type = (uint8_t)type;
	ref.flow.serial = flow_serial[idx];
	ref.flow.sidx = (uint32_t)FLOW_SIDX(idx, side);
	return ref.u64;
}

/**
 * flow_epoll_sidx() - the flow an epoll event is for, if it's still there
 * @ref:	reference from flow_epoll_ref()
 *
 * Events come in batches: handling one may close a flow, and open a new one
 * in the same entry, with a socket of the same number, before the next
 * event of the batch, meant for the closed flow, is looked at. Its
 * reference has the serial number of the old flow: that tells it apart.
 * Such stale events are counted.
 *
 * Return: sidx of the flow, -1 if the flow it was for is gone
 */
int flow_epoll_sidx(union epoll_ref ref)
{
	int idx = FLOW_SIDX_IDX((int)ref.flow.sidx);

	if (!flow_is_live(idx) || !ref.flow.serial ||
	    flow_serial[idx] != ref.flow.serial) {
		flow_stats.stale_events++;
		return -1;
	}
	return (int)ref.flow.sidx;
}

/**
 * flow_next() - find the first live flow at or after an index
 * @idx:	index to start from
 *
 * Return: index of a live flow, -1 if there are none from @idx on
 */
int flow_next(int idx)
{
	int w;
	uint64_t bits;

	if (idx < 0)
		idx = 0;
	if (idx >= flow_hwm)
		return -1;

	w = idx / 64;
	bits = flow_used[w] & (~0ULL << (idx % 64));
	for (;;) {
		if (bits) {
			idx = w * 64 + __builtin_ctzll(bits);
			return idx < flow_hwm ? idx : -1;
		}
		if (++w * 64 >= flow_hwm)
			return -1;
		bits = flow_used[w];
	}
}

/**
 * flow_hash() - hash a lookup key
 * @type:	flow type
 * @side:	side index
 * @fs:		addresses and ports of that side
 *
 * Return: 64-bit SipHash-2-4 of the key, with the table secret
 */
static uint64_t flow_hash(uint8_t type, int side, const struct flowside *fs)
{
	uint8_t b[38];

	memcpy(b, fs->eaddr.u8, 16);
	memcpy(b + 16, fs->oaddr.u8, 16);
	b[32] = fs->eport >> 8;
	b[33] = fs->eport & 0xff;
	b[34] = fs->oport >> 8;
	b[35] = fs->oport & 0xff;
	b[36] = type;
	b[37] = (uint8_t)side;

	return siphash_2_4(&flow_hash_secret, b, sizeof(b));
}

/**
 * hash_slot() - slot value for an entry
 * @h:		hash of the key
 * @sidx:	flow and side
 *
 * Return: value to store in the hash table
 */
static inline uint32_t hash_slot(uint64_t h, unsigned int sidx)
{
	return SLOT_VALID |
	       ((uint32_t)(h >> 49) & SLOT_TAG_MASK) << SLOT_TAG_SHIFT | sidx;
}

/**
 * slot_matches() - does a slot hold the given key
 * @slot:	slot value, not empty
 * @h:		hash of the key
 * @type:	flow type
 * @side:	side index
 * @fs:		addresses and ports
 *
 * Return: true if the tag and the key stored in the flow entry match
 */
static bool slot_matches(uint32_t slot, uint64_t h, uint8_t type, int side,
			 const struct flowside *fs)
{
	unsigned int sidx = slot & SLOT_SIDX_MASK;
	const struct flow_common *f = &flowtab[FLOW_SIDX_IDX(sidx)].f;

	if ((slot ^ hash_slot(h, 0)) & ~SLOT_SIDX_MASK)
		return false;

	return (int)FLOW_SIDX_SIDE(sidx) == side && f->type == type &&
	       flowside_eq(&f->side[side], fs);
}

/**
 * slot_home() - home slot of the entry stored in a slot
 * @slot:	slot value, not empty
 *
 * Return: index of the slot its hash points to
 */
static unsigned int slot_home(uint32_t slot)
{
	unsigned int sidx = slot & SLOT_SIDX_MASK;
	int side = FLOW_SIDX_SIDE(sidx);
	const struct flow_common *f = &flowtab[FLOW_SIDX_IDX(sidx)].f;

	return flow_hash(f->type, side, &f->side[side]) & FLOW_HASH_MASK;
}

/**
 * flow_hash_insert() - put one side of a flow in the hash table
 * @idx:	flow index, of a live flow with its type and side set
 * @side:	FLOW_SIDE_GUEST or FLOW_SIDE_HOST
 *
 * Until flow_hash_remove() (or flow_free()), the type and the flowside of
 * @side must not change.
 *
 * Return: 0 on success, -EINVAL for a bad flow or side, -EALREADY if that
 *	   side is already in the table, -EEXIST if another flow has the same
 *	   key (type, side and flowside)
 */
int flow_hash_insert(int idx, int side)
{
	const struct flow_common *f;
	unsigned int b;
	uint64_t h;

	if (!flow_is_live(idx) || (side != 0 && side != 1))
		return -EINVAL;

	f = &flowtab[idx].f;
	if (f->hashed & (1U << side))
		return -EALREADY;

	h = flow_hash(f->type, side, &f->side[side]);
	for (b = h & FLOW_HASH_MASK; flow_hashtab[b];
	     b = (b + 1) & FLOW_HASH_MASK) {
		if (slot_matches(flow_hashtab[b], h, f->type, side,
				 &f->side[side]))
			return -EEXIST;
	}

	flow_hashtab[b] = hash_slot(h, FLOW_SIDX(idx, side));
	flowtab[idx].f.hashed |= 1U << side;
	flow_stats.hashed++;
	return 0;
}

/**
 * flow_hash_remove() - take one side of a flow out of the hash table
 * @idx:	flow index
 * @side:	FLOW_SIDE_GUEST or FLOW_SIDE_HOST; no-op if it's not hashed
 */
void flow_hash_remove(int idx, int side)
{
	unsigned int sidx, i, j;
	struct flow_common *f;
	uint32_t slot;

	if (!flow_is_live(idx) || (side != 0 && side != 1))
		return;

	f = &flowtab[idx].f;
	if (!(f->hashed & (1U << side)))
		return;

	sidx = FLOW_SIDX(idx, side);
	i = flow_hash(f->type, side, &f->side[side]) & FLOW_HASH_MASK;
	for (; (slot = flow_hashtab[i]); i = (i + 1) & FLOW_HASH_MASK) {
		if ((slot & SLOT_SIDX_MASK) == sidx)
			break;
	}

	f->hashed &= ~(1U << side);
	if (!slot) {
		log_err("flow: %d side %d missing from hash table", idx, side);
		return;
	}
	flow_stats.hashed--;

	/* Backward shift: i is the hole. An entry at j, with home slot h,
	 * may move into the hole if the hole is cyclically within [h, j),
	 * that is, if j is at least as far from h as from the hole.
	 */
	for (j = (i + 1) & FLOW_HASH_MASK; (slot = flow_hashtab[j]);
	     j = (j + 1) & FLOW_HASH_MASK) {
		unsigned int home = slot_home(slot);
		unsigned int from_home = (j - home) & FLOW_HASH_MASK;

		if (from_home >= ((j - i) & FLOW_HASH_MASK)) {
			flow_hashtab[i] = slot;
			i = j;
		}
	}
	flow_hashtab[i] = 0;
}

/**
 * flow_lookup() - find a flow by one of its sides
 * @type:	flow type
 * @side:	side index the addresses refer to
 * @fs:		addresses and ports, as stored in that side
 *
 * Return: sidx (see FLOW_SIDX()) of the matching flow side, -1 if none
 */
int flow_lookup(enum flow_type type, int side, const struct flowside *fs)
{
	unsigned int b;
	uint32_t slot;
	uint64_t h;

	if (side != 0 && side != 1)
		return -1;

	h = flow_hash(type, side, fs);
	for (b = h & FLOW_HASH_MASK; (slot = flow_hashtab[b]);
	     b = (b + 1) & FLOW_HASH_MASK) {
		if (slot_matches(slot, h, type, side, fs))
			return slot & SLOT_SIDX_MASK;
	}

	return -1;
}

/**
 * flow_is_drained() - has a flow delivered all the guest sent through it
 * @idx:	flow index, of a live flow
 *
 * Return: true if there's nothing to wait for at exit: its protocol says
 *	   the guest's data and end of stream reached the host peer, or it's
 *	   a flow we never wait for (UDP, ICMP echo)
 */
static bool flow_is_drained(int idx)
{
	switch (flowtab[idx].f.type) {
	case FLOW_TCP:
		return tcp_flow_drained(idx);
	case FLOW_TCP_SPLICE:
		return tcp_splice_drained(idx);
	default:
		return true;
	}
}

/**
 * flow_exit_linger_set() - set the longest wait for flows to drain at exit
 * @ms:		milliseconds, 0 to exit at once
 */
void flow_exit_linger_set(unsigned int ms)
{
	flow_exit_state.linger_ms = ms;
}

/**
 * flow_undrained() - count the flows the guest opened that still deliver
 *
 * Return: number of live flows initiated by the guest, not drained yet
 */
unsigned int flow_undrained(void)
{
	unsigned int n = 0;
	int idx;

	flow_foreach(idx) {
		const struct flow_common *f = &flowtab[idx].f;

		if (f->initiator == FLOW_SIDE_GUEST && !flow_is_drained(idx))
			n++;
	}
	return n;
}

/**
 * flow_exit() - exit once the guest's flows delivered what they carry
 * @status:	exit status
 *
 * Exits at once if the linger time is zero or nothing is left to deliver,
 * otherwise returns, and flow_exit_poll() exits later. A second call while
 * waiting changes nothing: the first status stands.
 */
void flow_exit(int status)
{
	unsigned int n;

	if (flow_exit_state.on)
		return;
	if (!flow_exit_state.linger_ms || !(n = flow_undrained()))
		exit(status);

	log_info("Waiting up to %u ms for %u connection%s to deliver their "
		 "data", flow_exit_state.linger_ms, n, n == 1 ? "" : "s");
	flow_exit_state.on = true;
	flow_exit_state.status = status;
	flow_exit_state.deadline = now_ms() + flow_exit_state.linger_ms *
					      (uint64_t)TEST_TIME_SCALE;
}

/**
 * flow_exiting() - is an exit waiting for flows to drain
 *
 * Return: true after flow_exit() returned
 */
bool flow_exiting(void)
{
	return flow_exit_state.on;
}

/**
 * flow_exit_poll() - exit if the flows drained or the linger time is over
 * @now:	current time, ms
 */
void flow_exit_poll(uint64_t now)
{
	unsigned int n;

	if (!flow_exit_state.on)
		return;
	n = flow_undrained();
	if (!n) {
		log_debug("Connections drained, exiting");
		exit(flow_exit_state.status);
	}
	if (now >= flow_exit_state.deadline) {
		log_warn("Exiting with %u connection%s still delivering data "
			 "(--exit-linger)", n, n == 1 ? "" : "s");
		exit(flow_exit_state.status);
	}
}

/**
 * flow_get_stats() - counters of the flow table
 *
 * Return: pointer to the counters, updated as flows come and go
 */
const struct flow_stats *flow_get_stats(void)
{
	return &flow_stats;
}

/**
 * flow_dump() - log counters and every live flow
 * @level:	log level, LOG_DEBUG for example
 */
void flow_dump(int level)
{
	char ea[2][INANY_ADDRSTRLEN], oa[2][INANY_ADDRSTRLEN];
	const struct flow_common *f;
	int idx, s;

	log_msg(level, "flows: %u in use, %u max, %lu refused, %u hashed",
		flow_stats.in_use, flow_stats.max_in_use,
		flow_stats.alloc_fail, flow_stats.hashed);

	flow_foreach(idx) {
		f = &flowtab[idx].f;
		for (s = 0; s < 2; s++) {
			inany_ntop(&f->side[s].eaddr, ea[s], sizeof(ea[s]));
			inany_ntop(&f->side[s].oaddr, oa[s], sizeof(oa[s]));
		}
		log_msg(level,
			"flow %d %s state %u: guest%s [%s]:%u -> [%s]:%u, "
			"host%s [%s]:%u -> [%s]:%u",
			idx, flow_type_str(f->type), f->state,
			(f->hashed & 1) ? "*" : "",
			ea[0], f->side[0].eport, oa[0], f->side[0].oport,
			(f->hashed & 2) ? "*" : "",
			oa[1], f->side[1].oport, ea[1], f->side[1].eport);
	}
}

/**
 * flow_hash_verify() - check the hash table invariants, for tests and debug
 *
 * Every entry must point to a live flow that has that side hashed, carry the
 * right tag, be reachable from its home slot without an empty slot in
 * between, and be the only one with its key; the number of entries must
 * match the counter and the hashed bits of the flows.
 *
 * Return: 0 if consistent, -1 (after logging the first problem) otherwise
 */
int flow_hash_verify(void)
{
	unsigned int b, i, n = 0, bits = 0;
	int idx;

	for (b = 0; b < FLOW_HASH_SIZE; b++) {
		uint32_t slot = flow_hashtab[b];
		unsigned int sidx = slot & SLOT_SIDX_MASK, home;
		int side = FLOW_SIDX_SIDE(sidx);
		const struct flow_common *f;
		uint64_t h;

		if (!slot)
			continue;
		n++;

		idx = FLOW_SIDX_IDX(sidx);
		f = &flowtab[idx].f;
		if (!flow_is_live(idx) || !(f->hashed & (1U << side))) {
			log_err("flow hash: slot %u: flow %d side %d unhashed",
				b, idx, side);
			return -1;
		}

		h = flow_hash(f->type, side, &f->side[side]);
		if (hash_slot(h, sidx) != slot) {
			log_err("flow hash: slot %u: bad tag", b);
			return -1;
		}

		home = h & FLOW_HASH_MASK;
		for (i = home; i != b; i = (i + 1) & FLOW_HASH_MASK) {
			if (!flow_hashtab[i]) {
				log_err("flow hash: slot %u unreachable", b);
				return -1;
			}
			if (slot_matches(flow_hashtab[i], h, f->type, side,
					 &f->side[side])) {
				log_err("flow hash: slot %u duplicate", b);
				return -1;
			}
		}
	}

	flow_foreach(idx)
		bits += __builtin_popcount(flowtab[idx].f.hashed);

	if (n != flow_stats.hashed || n != bits) {
		log_err("flow hash: %u entries, counter %u, flows %u",
			n, flow_stats.hashed, bits);
		return -1;
	}

	return 0;
}
