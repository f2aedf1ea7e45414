/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * flow.h - the flow table: TCP connections, UDP flows and ping flows, with
 * their guest side and host side, and a keyed hash to find them
 */
#ifndef FLOW_FLOW_H
#define FLOW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "util/epoll_ref.h"

/* FLOW_MAX - number of entries in the flow table
 *
 * A TCP flow holds one socket (a spliced one up to two sockets and two
 * pipes), so 32768 flows stay within the usual hard RLIMIT_NOFILE values
 * (524288 or more on current distributions) with plenty of room, and a flow
 * index fits the 24 bits of an epoll reference, with the side bit in 16 bits.
 *
 * Memory: FLOW_MAX * FLOW_ENTRY_SIZE = 32768 * 256 bytes = 8 MiB for the
 * table, FLOW_HASH_SIZE * 4 bytes = 512 KiB for the hash table, 4 KiB for the
 * bitmap of live entries: about 8.5 MiB, all static (.bss). Entries are handed
 * out from the bottom of the table up, so pages of never used entries are
 * never touched and cost no resident memory.
 */
#define FLOW_MAX		32768
#define FLOW_ENTRY_SIZE		256

/**
 * enum flow_kind - who a flow serves, for the shares of the table
 * @FLOW_KIND_GUEST:	opened by the guest, through the tap interface
 * @FLOW_KIND_HOST:	opened by a host peer, to a forwarded port (-t, -u)
 * @FLOW_KIND_SPLICE:	pasta's spliced and relayed local flows, either way
 * @FLOW_KINDS:		number of kinds
 */
enum flow_kind {
	FLOW_KIND_GUEST,
	FLOW_KIND_HOST,
	FLOW_KIND_SPLICE,
	FLOW_KINDS,
};

/* FLOW_RESERVE_DIV - each kind has 1/FLOW_RESERVE_DIV of the table reserved:
 * the other kinds together can't take more than the rest. With the default
 * size, 4096 entries each, and at most 24576 for one kind.
 *
 * FLOW_LIMIT_MIN - smallest usable table, whatever the descriptor limit
 * FLOW_FD_SPARE - descriptors kept for everything that isn't a flow, when the
 * table is sized from the limit on open files (see flow_set_limit())
 *
 * FLOW_EVICT_IDLE_MS - a UDP or ICMP echo flow without traffic for this long
 * may be evicted, oldest first, to make room for a new flow
 * FLOW_EVICT_BATCH - flows evicted at most per scan of the table
 * FLOW_EVICT_RESCAN_MS - after a scan found nothing, time before another one
 */
#define FLOW_RESERVE_DIV	8
#define FLOW_LIMIT_MIN		256
#define FLOW_FD_SPARE		128
#define FLOW_EVICT_IDLE_MS	1000
#define FLOW_EVICT_BATCH	32
#define FLOW_EVICT_RESCAN_MS	100

/* FLOW_EXIT_LINGER_DEFAULT - pasta: seconds to wait, at most, once the
 * command is gone, for the guest's connections to deliver what they carry
 * FLOW_EXIT_LINGER_MAX - the most --exit-linger takes
 */
#define FLOW_EXIT_LINGER_DEFAULT	5
#define FLOW_EXIT_LINGER_MAX		3600

/* Hash table: a power of two, four slots per flow. At most two keys (one per
 * side) are inserted per flow, so the load factor never exceeds one half and
 * linear probing stays short.
 */
#define FLOW_HASH_BITS		17
#define FLOW_HASH_SIZE		(1U << FLOW_HASH_BITS)

_Static_assert(FLOW_HASH_SIZE >= 4 * FLOW_MAX, "flow hash table too small");
_Static_assert(FLOW_MAX * 2 <= 65536, "flow sidx must fit 16 bits");

/**
 * enum flow_type - what a flow table entry holds
 * @FLOW_NONE:		free entry
 * @FLOW_TCP:		TCP connection, guest (tap) to host socket
 * @FLOW_TCP_SPLICE:	pasta: TCP connection spliced between two sockets
 * @FLOW_UDP:		UDP flow
 * @FLOW_UDP_SPLICE:	pasta: local UDP traffic relayed between two sockets
 * @FLOW_PING4:		ICMP echo flow, through a ping socket
 * @FLOW_PING6:		ICMPv6 echo flow, through a ping socket
 * @FLOW_NUM_TYPES:	number of types
 */
enum flow_type {
	FLOW_NONE = 0,
	FLOW_TCP,
	FLOW_TCP_SPLICE,
	FLOW_UDP,
	FLOW_UDP_SPLICE,
	FLOW_PING4,
	FLOW_PING6,
	FLOW_NUM_TYPES,
};

/* Sides of a flow: the guest one (tap interface, or the namespace for a
 * spliced flow) and the host one (the socket we opened or accepted)
 */
#define FLOW_SIDE_GUEST		0
#define FLOW_SIDE_HOST		1

/**
 * union inany_addr - an IPv6 address, or an IPv4 one mapped as ::ffff:a.b.c.d
 * @a6:		the IPv6 address (or its IPv4-mapped form)
 * @v4mapped:	IPv4-mapped layout: ten zero bytes, two 0xff, IPv4 address
 * @u32:	as 32-bit words, for fast comparisons
 * @u8:		as bytes
 */
union inany_addr {
	struct in6_addr a6;
	struct {
		uint8_t zero[10];
		uint8_t one[2];
		struct in_addr a4;
	} v4mapped;
	uint32_t u32[4];
	uint8_t u8[16];
};

_Static_assert(sizeof(union inany_addr) == 16, "inany_addr must be 16 bytes");

#define INANY_ADDRSTRLEN	INET6_ADDRSTRLEN

/**
 * inany_from_v4() - set an address from an IPv4 address
 * @a:		address to set
 * @v4:		IPv4 address, network order
 */
static inline void inany_from_v4(union inany_addr *a, struct in_addr v4)
{
	memset(a->v4mapped.zero, 0, sizeof(a->v4mapped.zero));
	a->v4mapped.one[0] = a->v4mapped.one[1] = 0xff;
	a->v4mapped.a4 = v4;
}

/**
 * inany_from_v6() - set an address from an IPv6 address
 * @a:		address to set
 * @v6:		IPv6 address
 */
static inline void inany_from_v6(union inany_addr *a,
				 const struct in6_addr *v6)
{
	a->a6 = *v6;
}

/**
 * inany_v4() - the IPv4 address held in an address, if it's IPv4-mapped
 * @a:		address
 *
 * Return: pointer to the IPv4 address inside @a, NULL if @a is IPv6
 */
static inline const struct in_addr *inany_v4(const union inany_addr *a)
{
	if (a->u32[0] || a->u32[1] || a->v4mapped.zero[8] ||
	    a->v4mapped.zero[9] || a->v4mapped.one[0] != 0xff ||
	    a->v4mapped.one[1] != 0xff)
		return NULL;
	return &a->v4mapped.a4;
}

/**
 * inany_equals() - compare two addresses
 * @a:		first address
 * @b:		second address
 *
 * Return: true if they are the same address (and family)
 */
static inline bool inany_equals(const union inany_addr *a,
				const union inany_addr *b)
{
	return a->u32[0] == b->u32[0] && a->u32[1] == b->u32[1] &&
	       a->u32[2] == b->u32[2] && a->u32[3] == b->u32[3];
}

/**
 * inany_is_loopback() - is the address a loopback one
 * @a:		address
 *
 * Return: true for 127.0.0.0/8 (mapped) and ::1
 */
static inline bool inany_is_loopback(const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return (ntohl(v4->s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->a6);
}

/**
 * inany_is_unspecified() - is the address the unspecified one
 * @a:		address
 *
 * Return: true for 0.0.0.0 (mapped) and ::
 */
static inline bool inany_is_unspecified(const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return v4->s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->a6);
}

const char *inany_ntop(const union inany_addr *a, char *buf, size_t size);

/**
 * inany_to_sockaddr() - socket address for an address and a port
 * @a:		address: AF_INET if IPv4-mapped, AF_INET6 otherwise
 * @port:	port, host order
 * @sa:		socket address to fill (struct sockaddr_storage)
 *
 * Return: length of the socket address
 */
static inline socklen_t inany_to_sockaddr(const union inany_addr *a,
					  uint16_t port, void *sa)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)sa;

		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_addr = *v4;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;

		memset(sin6, 0, sizeof(*sin6));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->a6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
}

/**
 * inany_from_sockaddr() - address and port of an AF_INET/AF_INET6 sockaddr
 * @sa:		socket address (struct sockaddr_in or sockaddr_in6)
 * @a:		address, filled
 * @port:	port, host order, filled
 */
static inline void inany_from_sockaddr(const void *sa, union inany_addr *a,
				       uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

	if (sin->sin_family == AF_INET) {
		inany_from_v4(a, sin->sin_addr);
		*port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)sa;

		a->a6 = sin6->sin6_addr;
		*port = ntohs(sin6->sin6_port);
	}
}

/**
 * struct flowside - addresses and ports of one side of a flow
 * @eaddr:	endpoint address: the peer's address on this side
 * @oaddr:	our address on this side (as the peer sees it)
 * @eport:	endpoint port (ICMP echo: identifier), host order
 * @oport:	our port (ICMP echo: identifier), host order
 *
 * Guest side: eaddr/eport are the guest's, oaddr/oport what the guest talks
 * to. Host side: eaddr/eport are the remote peer's, oaddr/oport the local
 * address and port of our socket.
 */
struct flowside {
	union inany_addr eaddr;
	union inany_addr oaddr;
	uint16_t eport;
	uint16_t oport;
};

/**
 * flowside_eq() - compare two flow sides
 * @a:		first side
 * @b:		second side
 *
 * Return: true if addresses and ports are all equal
 */
static inline bool flowside_eq(const struct flowside *a,
			       const struct flowside *b)
{
	return inany_equals(&a->eaddr, &b->eaddr) &&
	       inany_equals(&a->oaddr, &b->oaddr) &&
	       a->eport == b->eport && a->oport == b->oport;
}

/**
 * struct flow_common - what every flow table entry begins with
 * @type:	enum flow_type, FLOW_NONE for free entries
 * @state:	protocol specific state, zero on allocation
 * @hashed:	bit n set: side n is in the hash table (owned by flow.c)
 * @initiator:	side that opened the flow: FLOW_SIDE_GUEST for the guest (or
 *		the namespace), FLOW_SIDE_HOST for a host peer; set by
 *		flow_alloc(), never changed
 * @side:	FLOW_SIDE_GUEST (tap) and FLOW_SIDE_HOST (socket) sides
 * @bytes:	payload bytes that came from each side (FLOW_SIDE_*) and
 *		went on to the other, see flow_count()
 * @active:	time of the last flow_count(), ms (0: never)
 */
struct flow_common {
	uint8_t type;
	uint8_t state;
	uint8_t hashed;
	uint8_t initiator;
	struct flowside side[2];
	uint64_t bytes[2];
	uint64_t active;
};

/**
 * flow_count() - account for payload passed from one side to the other
 * @f:		flow
 * @from:	FLOW_SIDE_GUEST or FLOW_SIDE_HOST
 * @n:		bytes
 * @now:	current time, ms
 */
static inline void flow_count(struct flow_common *f, int from, size_t n,
			      uint64_t now)
{
	f->bytes[from] += n;
	f->active = now;
}

/**
 * struct flow_info - a flow as the control socket lists it (flow_info())
 * @proto:	"tcp", "udp", "icmp" or "icmpv6"
 * @state:	protocol state, a word
 * @dir:	"out" (the guest opened it), "in" (a peer, on a forwarded
 *		host port) or "splice" (pasta: a local peer, spliced socket
 *		to socket)
 * @side:	guest and host sides
 * @bytes:	payload bytes from the guest side and from the host side
 * @age_ms:	time since the flow was opened
 * @idle_ms:	time since payload last went either way (or since opened)
 */
struct flow_info {
	const char *proto;
	const char *state;
	const char *dir;
	struct flowside side[2];
	uint64_t bytes[2];
	uint64_t age_ms;
	uint64_t idle_ms;
};

/**
 * struct flow_free - a free entry, linked in the free list (flow.c only)
 * @type:	FLOW_NONE
 * @next:	index of the next free entry, -1 at the end
 */
struct flow_free {
	uint8_t type;
	int32_t next;
};

/**
 * union flow - one flow table entry
 * @f:		common part, valid for every type
 * @free:	free list link, for FLOW_NONE entries
 * @raw:	room for the protocol specific structs (see FLOW_TYPE_CHECK)
 *
 * Protocol modules define their own struct per type, starting with a
 * struct flow_common, and access entries of that type through FLOW_AS().
 */
union flow {
	struct flow_common f;
	struct flow_free free;
	uint8_t raw[FLOW_ENTRY_SIZE];
} __attribute__((aligned(64)));

_Static_assert(sizeof(union flow) == FLOW_ENTRY_SIZE, "flow entry size");

/**
 * FLOW_TYPE_CHECK() - assert that a protocol struct fits in a table entry
 * @type:	struct type, beginning with a struct flow_common
 */
#define FLOW_TYPE_CHECK(type)						\
	_Static_assert(sizeof(type) <= sizeof(union flow) &&		\
		       _Alignof(type) <= _Alignof(union flow),		\
		       #type " doesn't fit in a flow table entry")

/* A side index (sidx): flow index and side in one integer, what the hash
 * table stores and what flow_lookup() returns. Fits in 16 bits.
 */
#define FLOW_SIDX(idx, side)	(((idx) << 1) | (side))
#define FLOW_SIDX_IDX(sidx)	((sidx) >> 1)
#define FLOW_SIDX_SIDE(sidx)	((sidx) & 1)

extern union flow flowtab[FLOW_MAX];

/* FLOW() - entry at index @idx; FLOW_AS() - the same as protocol struct */
#define FLOW(idx)		(&flowtab[(idx)])
#define FLOW_AS(idx, type)	((type *)(void *)&flowtab[(idx)])

/**
 * struct flow_stats - flow table counters
 * @in_use:	flows allocated now
 * @max_in_use:	highest @in_use seen
 * @alloc_fail:	allocations refused because the table (or a kind's share of
 *		it) was full
 * @hashed:	entries in the hash table now
 * @guest_gone:	flows closed because the guest went away
 * @stale_events: epoll events for flows closed since, ignored
 * @limit:	entries usable (see flow_set_limit())
 * @kind_in_use: flows allocated now, by enum flow_kind
 * @refused:	allocations refused, by enum flow_kind
 * @evicted:	idle UDP and ICMP echo flows evicted to make room
 */
struct flow_stats {
	unsigned int in_use;
	unsigned int max_in_use;
	unsigned long alloc_fail;
	unsigned int hashed;
	unsigned long guest_gone;
	unsigned long stale_events;
	unsigned int limit;
	unsigned int kind_in_use[FLOW_KINDS];
	unsigned long refused[FLOW_KINDS];
	unsigned long evicted;
};

struct ctx;

int flow_init(void);
void flow_init_seeded(const uint8_t key[16]);

int flow_alloc(struct ctx *c, enum flow_type type, int initiator);
void flow_set_limit(unsigned int n);
enum flow_kind flow_kind_of(const struct flow_common *f);
const char *flow_kind_str(unsigned int kind);
void flow_free(int idx);
bool flow_is_live(int idx);
int flow_next(int idx);

/**
 * flow_foreach() - loop over the live flows, in index order
 * @idx:	int loop variable, the flow index
 *
 * Freeing any flow (also @idx) in the loop body is safe; a flow allocated in
 * the loop body may or may not be visited.
 */
#define flow_foreach(idx)						\
	for ((idx) = flow_next(0); (idx) >= 0; (idx) = flow_next((idx) + 1))

unsigned int flow_guest_gone(struct ctx *c);
uint64_t flow_epoll_ref(enum epoll_type type, int idx, int side);
int flow_epoll_sidx(union epoll_ref ref);

int flow_hash_insert(int idx, int side);
void flow_hash_remove(int idx, int side);
int flow_lookup(enum flow_type type, int side, const struct flowside *fs);

void flow_exit_linger_set(unsigned int ms);
void flow_exit(int status);
bool flow_exiting(void);
void flow_exit_poll(uint64_t now);
unsigned int flow_undrained(void);

const struct flow_stats *flow_get_stats(void);
int flow_info(int idx, uint64_t now, struct flow_info *fi);
unsigned int flow_count_type(enum flow_type type);
const char *flow_type_str(unsigned int type);
void flow_dump(int level);
int flow_hash_verify(void);

#endif /* FLOW_FLOW_H */
