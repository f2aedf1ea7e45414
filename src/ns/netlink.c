// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netlink.c - rtnetlink requests, and queries of links, addresses and routes,
 * for host discovery (netlink_ns.c configures pasta's namespace)
 *
 * Theory of operation
 * -------------------
 *
 * A NETLINK_ROUTE socket talks to the routing subsystem of the network
 * namespace it was created in, for its whole life: to read the host's
 * configuration we open one before leaving the initial namespace, and to set
 * up pasta's target namespace we open one from inside it (after setns()).
 * Every function here takes the socket as its first argument, so the same
 * code serves both sides.
 *
 * Each operation is one request and its answer, handled by nl_exchange():
 *
 * - a request is a single message built in a small buffer on the stack
 *   (nl_msg_init(), nl_attr_put(), both refusing to write past the end), and
 *   tagged with a fresh sequence number;
 * - a dump request (NLM_F_DUMP) is answered by any number of datagrams
 *   holding any number of messages, ended by NLMSG_DONE, or by NLMSG_ERROR
 *   if the dump couldn't start;
 * - any other request carries NLM_F_ACK, so that it's always answered by
 *   NLMSG_ERROR: an error code of zero is a success, and a GET request gets
 *   its reply message before that;
 * - messages are read into one static buffer, and nl_msg_next() and
 *   nl_attr_parse() check every length against what was actually received
 *   before anything is dereferenced: a malformed message ends the walk;
 * - messages not carrying our sequence number (late answers to a request we
 *   gave up on) and datagrams not sent by the kernel are ignored;
 * - if the kernel flags a dump as inconsistent (NLM_F_DUMP_INTR: the table
 *   changed while we were reading it), we read it to its end, then ask again,
 *   a bounded number of times. Dump callbacks are called with a NULL message
 *   at the start of every attempt, to reset what they collected so far.
 *
 * Callbacks see messages in the shared receive buffer, so they must not issue
 * requests themselves (see netlink_ns.c for the copies, which must).
 *
 * There's no dynamic allocation: the receive buffer is static, and this
 * module is not reentrant. It's meant to be used at start-up, for the
 * route lookups of host isolation, and for the socket dumps of automatic
 * forwarding (NETLINK_SOCK_DIAG, autofwd.c, through nl_setup() and
 * nl_exchange()), from a single thread.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ns/netlink.h"
#include "ns/netlink_int.h"
#include "util/log.h"
#include "util/util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif

#define NL_BUFSIZE		65536	/* receive buffer: kernel datagrams
					 * are at most 32 KiB
					 */
#define NL_RCVBUF		(256 * 1024)	/* socket receive buffer */
#define NL_TIMEOUT_S		5	/* give up on a silent kernel */
#define NL_DUMP_TRIES		8	/* attempts at an interrupted dump */
#define NL_RECV_MAX		(1UL << 20)	/* datagrams for one request */
#define NL_EINTR_TRIES		64	/* retries of interrupted syscalls */


static uint8_t nl_buf[NL_BUFSIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
static uint32_t nl_seq;
char nl_ext_msg[NL_EXT_MSG_SIZE];	/* extended ACK message of the last error */

/* Message building and parsing: no I/O, no global state */

/**
 * nl_msg_init() - start a request message in a buffer
 * @nh:		buffer, aligned for struct nlmsghdr
 * @cap:	size of the buffer
 * @type:	message type, RTM_*
 * @flags:	NLM_F_* flags (NLM_F_REQUEST is added when sending)
 * @fixed:	family-specific header (struct rtmsg...), may be NULL
 * @fixed_len:	length of @fixed
 *
 * Return: 0, or -EMSGSIZE if the headers don't fit in @cap
 */
int nl_msg_init(struct nlmsghdr *nh, size_t cap, uint16_t type,
		uint16_t flags, const void *fixed, size_t fixed_len)
{
	if (fixed_len > cap || NLMSG_SPACE(fixed_len) > cap)
		return -EMSGSIZE;

	memset(nh, 0, NLMSG_SPACE(fixed_len));
	nh->nlmsg_len = NLMSG_SPACE(fixed_len);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = flags;
	if (fixed && fixed_len)
		memcpy(NLMSG_DATA(nh), fixed, fixed_len);

	return 0;
}

/**
 * nl_attr_put() - append an attribute to a message being built
 * @nh:		message, started by nl_msg_init()
 * @cap:	size of the buffer holding @nh
 * @type:	attribute type
 * @data:	payload, may be NULL if @len is 0
 * @len:	payload length
 *
 * Return: 0, or -EMSGSIZE if the attribute doesn't fit
 */
int nl_attr_put(struct nlmsghdr *nh, size_t cap, uint16_t type,
		const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(nh->nlmsg_len);
	struct rtattr *rta;

	if (len > UINT16_MAX - RTA_LENGTH(0) || off > cap ||
	    cap - off < RTA_SPACE(len))
		return -EMSGSIZE;

	rta = (struct rtattr *)((uint8_t *)nh + off);
	rta->rta_len = RTA_LENGTH(len);
	rta->rta_type = type;
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	memset((uint8_t *)RTA_DATA(rta) + len, 0, RTA_SPACE(len) -
						  RTA_LENGTH(len));
	nh->nlmsg_len = off + RTA_SPACE(len);

	return 0;
}

/**
 * nl_msg_next() - next complete message in a received datagram
 * @buf:	datagram, aligned for struct nlmsghdr
 * @len:	bytes received
 * @off:	offset of the next message, updated
 *
 * Return: the message, whose nlmsg_len is then known to fit in @len, or NULL
 * at the end of the datagram or if the next header is malformed
 */
const struct nlmsghdr *nl_msg_next(const void *buf, size_t len, size_t *off)
{
	const struct nlmsghdr *nh;
	size_t next;

	if (*off >= len || len - *off < NLMSG_HDRLEN)
		return NULL;

	nh = (const struct nlmsghdr *)((const uint8_t *)buf + *off);
	if (nh->nlmsg_len < NLMSG_HDRLEN || nh->nlmsg_len > len - *off) {
		*off = len;
		return NULL;
	}

	next = *off + NLMSG_ALIGN((size_t)nh->nlmsg_len);
	*off = MIN(next, len);

	return nh;
}

/**
 * nl_attr_parse() - index a run of attributes by type, checking lengths
 * @attrs:	first attribute, aligned to 4 bytes
 * @len:	bytes from @attrs to the end of the enclosing message
 * @tb:		table of @max + 1 pointers, filled (NULL for absent types)
 * @max:	highest attribute type to index, others are skipped
 *
 * If a type appears more than once, the last one wins.
 *
 * Return: 0, or -EBADMSG if an attribute length is invalid
 */
int nl_attr_parse(const void *attrs, size_t len, const struct rtattr **tb,
		  unsigned int max)
{
	const uint8_t *p = attrs;

	memset(tb, 0, (max + 1) * sizeof(*tb));

	while (len >= sizeof(struct rtattr)) {
		const struct rtattr *rta = (const struct rtattr *)p;
		unsigned int type = rta->rta_type & NLA_TYPE_MASK;
		size_t step;

		if (rta->rta_len < sizeof(struct rtattr) || rta->rta_len > len)
			return -EBADMSG;

		if (type <= max)
			tb[type] = rta;

		step = RTA_ALIGN((size_t)rta->rta_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}

	return 0;
}

/**
 * nl_msg_attrs() - index the attributes following a message's fixed header
 * @nh:		message, with nlmsg_len already checked against the buffer
 * @fixed_len:	length of the family-specific header (struct rtmsg...)
 * @tb:		table of @max + 1 pointers, filled
 * @max:	highest attribute type to index
 *
 * Return: 0, or -EBADMSG if the message is too short or malformed
 */
int nl_msg_attrs(const struct nlmsghdr *nh, size_t fixed_len,
		 const struct rtattr **tb, unsigned int max)
{
	size_t start = NLMSG_SPACE(fixed_len);

	if (nh->nlmsg_len < NLMSG_LENGTH(fixed_len))
		return -EBADMSG;

	if (nh->nlmsg_len <= start) {
		memset(tb, 0, (max + 1) * sizeof(*tb));
		return 0;
	}

	return nl_attr_parse((const uint8_t *)nh + start,
			     nh->nlmsg_len - start, tb, max);
}

/**
 * rta_plen() - payload length of an attribute
 * @rta:	attribute, with a valid rta_len
 *
 * Return: payload length in bytes
 */
size_t rta_plen(const struct rtattr *rta)
{
	return rta->rta_len - RTA_LENGTH(0);
}

/**
 * rta_u32() - read an attribute holding a 32-bit value
 * @rta:	attribute, may be NULL
 * @v:	value, set on success
 *
 * Return: true if @rta is present and has the right size
 */
static bool rta_u32(const struct rtattr *rta, uint32_t *v)
{
	if (!rta || rta_plen(rta) != sizeof(*v))
		return false;
	memcpy(v, RTA_DATA(rta), sizeof(*v));
	return true;
}

/**
 * rta_addr() - copy an attribute holding an address of known length
 * @rta:	attribute, may be NULL
 * @dst:	destination, @alen bytes
 * @alen:	address length, 4 or 16
 *
 * Return: true if @rta is present and has exactly @alen bytes
 */
static bool rta_addr(const struct rtattr *rta, void *dst, size_t alen)
{
	if (!rta || rta_plen(rta) != alen)
		return false;
	memcpy(dst, RTA_DATA(rta), alen);
	return true;
}

/**
 * af_addr_len() - address length for an address family
 * @af:		AF_INET or AF_INET6
 *
 * Return: 4, 16, or 0 for other families
 */
size_t af_addr_len(int af)
{
	if (af == AF_INET)
		return sizeof(struct in_addr);
	if (af == AF_INET6)
		return sizeof(struct in6_addr);
	return 0;
}

/**
 * nl_multipath_nh() - find a nexthop in an RTA_MULTIPATH payload
 * @mp:		payload of RTA_MULTIPATH, aligned to 4 bytes
 * @len:	payload length
 * @ifi:	interface to look for, 0 for the first nexthop
 * @ifindex:	interface of the nexthop found, set on success
 * @gw:		gateway of the nexthop found, set if it has one
 * @gw_len:	address length, 4 or 16
 *
 * Return: 1 if found with a gateway, 0 if found without, -ENOENT if not
 * found, -EBADMSG if malformed
 */
int nl_multipath_nh(const void *mp, size_t len, unsigned int ifi,
		    unsigned int *ifindex, void *gw, size_t gw_len)
{
	const uint8_t *p = mp;

	while (len >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *rtnh = (const struct rtnexthop *)p;
		const struct rtattr *tb[RTA_MAX + 1];
		size_t step;

		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > len)
			return -EBADMSG;

		if (!ifi || (unsigned int)rtnh->rtnh_ifindex == ifi) {
			if (nl_attr_parse(p + RTNH_LENGTH(0),
					  rtnh->rtnh_len - RTNH_LENGTH(0),
					  tb, RTA_MAX))
				return -EBADMSG;
			*ifindex = rtnh->rtnh_ifindex;
			return rta_addr(tb[RTA_GATEWAY], gw, gw_len) ? 1 : 0;
		}

		step = RTNH_ALIGN((size_t)rtnh->rtnh_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}

	return -ENOENT;
}

/**
 * nl_route_parse() - extract what we use of an RTM_NEWROUTE message
 * @nh:		message, with nlmsg_len already checked against the buffer
 * @ifi:	for multipath routes, select the nexthop via this interface
 *		(0: the first one)
 * @r:		route information, filled
 *
 * Return: 0, -EINVAL if not a route, -EAFNOSUPPORT for families other than
 * AF_INET and AF_INET6, -EBADMSG if malformed
 */
int nl_route_parse(const struct nlmsghdr *nh, unsigned int ifi,
		   struct nl_route_info *r)
{
	const struct rtattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	uint32_t v;
	size_t alen;
	int rc;

	memset(r, 0, sizeof(*r));
	if (nh->nlmsg_type != RTM_NEWROUTE)
		return -EINVAL;
	if (nl_msg_attrs(nh, sizeof(*rtm), tb, RTA_MAX))
		return -EBADMSG;

	rtm = NLMSG_DATA(nh);
	alen = af_addr_len(rtm->rtm_family);
	if (!alen)
		return -EAFNOSUPPORT;
	if (rtm->rtm_dst_len > alen * 8)
		return -EBADMSG;

	r->family = rtm->rtm_family;
	r->table = rta_u32(tb[RTA_TABLE], &v) ? v : rtm->rtm_table;
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->flags = rtm->rtm_flags;
	r->dst_len = rtm->rtm_dst_len;
	rta_addr(tb[RTA_DST], r->dst, alen);

	if (rta_u32(tb[RTA_OIF], &v))
		r->oif = v;
	r->has_gw = rta_addr(tb[RTA_GATEWAY], r->gw, alen);

	if (tb[RTA_MULTIPATH]) {
		r->multipath = true;
		if (!r->oif) {
			rc = nl_multipath_nh(RTA_DATA(tb[RTA_MULTIPATH]),
					     rta_plen(tb[RTA_MULTIPATH]), ifi,
					     &r->oif, r->gw, alen);
			if (rc == -EBADMSG)
				return rc;
			if (rc > 0)
				r->has_gw = true;
		}
	}

	return 0;
}

/**
 * nl_addr_parse() - extract what we use of an RTM_NEWADDR message
 * @nh:		message, with nlmsg_len already checked against the buffer
 * @a:		address information, filled
 *
 * Return: 0, -EINVAL if not an address, -EAFNOSUPPORT for families other
 * than AF_INET and AF_INET6, -EBADMSG if malformed
 */
int nl_addr_parse(const struct nlmsghdr *nh, struct nl_addr_info *a)
{
	const struct rtattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa;
	uint32_t v;
	size_t alen;

	memset(a, 0, sizeof(*a));
	if (nh->nlmsg_type != RTM_NEWADDR)
		return -EINVAL;
	if (nl_msg_attrs(nh, sizeof(*ifa), tb, IFA_MAX))
		return -EBADMSG;

	ifa = NLMSG_DATA(nh);
	alen = af_addr_len(ifa->ifa_family);
	if (!alen)
		return -EAFNOSUPPORT;
	if (ifa->ifa_prefixlen > alen * 8)
		return -EBADMSG;

	a->family = ifa->ifa_family;
	a->prefix_len = ifa->ifa_prefixlen;
	a->scope = ifa->ifa_scope;
	a->flags = rta_u32(tb[IFA_FLAGS], &v) ? v : ifa->ifa_flags;
	a->ifindex = ifa->ifa_index;
	a->has_local = rta_addr(tb[IFA_LOCAL], a->local, alen);
	a->has_addr = rta_addr(tb[IFA_ADDRESS], a->addr, alen);
	if (a->family == AF_INET)
		a->has_brd = rta_addr(tb[IFA_BROADCAST], a->brd, alen);

	return 0;
}

/* Talking to the kernel */

/**
 * nl_open() - open a NETLINK_ROUTE socket in the current network namespace
 *
 * Return: socket descriptor (close-on-exec), or negative error code
 */
int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	return nl_setup(fd);
}

/**
 * nl_setup() - prepare a netlink socket of any protocol for nl_exchange()
 * @fd:		netlink socket, closed on failure (it may come from another
 *		namespace: NETLINK_SOCK_DIAG for automatic forwarding)
 *
 * Return: @fd, or negative error code
 */
int nl_setup(int fd)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	int one = 1, rcvbuf = NL_RCVBUF;
	int rc;

	/* None of these is essential: carry on without them */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		log_debug("netlink: can't set receive buffer: %s",
			  strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		log_debug("netlink: can't set timeout: %s", strerror(errno));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		close(fd);
		return rc;
	}

	return fd;
}

/**
 * nl_send() - send a request with a fresh sequence number
 * @nl:		netlink socket
 * @nh:		complete request
 *
 * Return: 0, or negative error code
 */
static int nl_send(int nl, struct nlmsghdr *nh)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n = -1;
	int i;

	if (++nl_seq == 0)
		nl_seq = 1;
	nh->nlmsg_seq = nl_seq;
	nh->nlmsg_pid = 0;

	for (i = 0; i < NL_EINTR_TRIES; i++) {
		n = sendto(nl, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa,
			   sizeof(sa));
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0)
		return -errno;
	if ((size_t)n != nh->nlmsg_len)
		return -EIO;

	return 0;
}

/**
 * nl_recv() - receive one datagram from the kernel into nl_buf
 * @nl:		netlink socket
 *
 * Return: bytes received, 0 for a datagram to ignore (not from the kernel),
 * or negative error code: -ETIMEDOUT if nothing came, -EMSGSIZE if truncated
 */
static ssize_t nl_recv(int nl)
{
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = nl_buf, .iov_len = sizeof(nl_buf) };
	struct msghdr mh = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n = -1;
	int i;

	for (i = 0; i < NL_EINTR_TRIES; i++) {
		mh.msg_namelen = sizeof(sa);
		n = recvmsg(nl, &mh, 0);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ?
		       -ETIMEDOUT : -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (mh.msg_namelen < sizeof(sa) || sa.nl_family != AF_NETLINK ||
	    sa.nl_pid != 0)
		return 0;

	return n;
}

/**
 * nl_error() - error code of an NLMSG_ERROR message, saving its text if any
 * @nh:		NLMSG_ERROR message
 *
 * Return: 0 for an acknowledgement, negative error code otherwise
 */
static int nl_error(const struct nlmsghdr *nh)
{
	const struct rtattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	const struct rtattr *msg;
	size_t off;
	int err;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return -EBADMSG;
	memcpy(&err, &e->error, sizeof(err));
	if (err > 0 || err < -4095)
		return -EBADMSG;
	if (!err || !(nh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return err;

	/* Extended ACK: attributes follow the (possibly capped) request */
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return err;
		off += NLMSG_ALIGN((size_t)e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if (off >= nh->nlmsg_len ||
	    nl_attr_parse((const uint8_t *)nh + off, nh->nlmsg_len - off,
			  tb, NLMSGERR_ATTR_MAX))
		return err;

	msg = tb[NLMSGERR_ATTR_MSG];
	if (msg && rta_plen(msg) &&
	    memchr(RTA_DATA(msg), '\0', rta_plen(msg))) {
		strncpy(nl_ext_msg, RTA_DATA(msg), sizeof(nl_ext_msg) - 1);
		nl_ext_msg[sizeof(nl_ext_msg) - 1] = '\0';
	}

	return err;
}

/**
 * nl_exchange() - send a request and process its answer to the end
 * @nl:		netlink socket
 * @req:	request, in a buffer of NL_REQ_SIZE or more (sequence number
 *		and flags are set here)
 * @cb:		called for each answer message, and with NULL at the start of
 *		every attempt; may be NULL
 * @arg:	passed to @cb
 *
 * Dumps (NLM_F_DUMP) end with NLMSG_DONE, and are repeated if the kernel
 * flags them as interrupted. Other requests are acknowledged.
 *
 * Return: 0, or negative error code, from the kernel or from @cb
 */
int nl_exchange(int nl, struct nlmsghdr *req, nl_cb_t cb, void *arg)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int attempt;

	req->nlmsg_flags |= NLM_F_REQUEST;
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;

	for (attempt = 0; attempt < NL_DUMP_TRIES; attempt++) {
		bool done = false, intr = false, stop = false;
		unsigned long i;
		int err = 0, rc;

		nl_ext_msg[0] = '\0';
		if (cb)
			cb(NULL, arg);
		if ((rc = nl_send(nl, req)))
			return rc;

		for (i = 0; !done && i < NL_RECV_MAX; i++) {
			const struct nlmsghdr *nh;
			ssize_t n = nl_recv(nl);
			size_t off = 0;

			if (n < 0)
				return (int)n;

			while (!done &&
			       (nh = nl_msg_next(nl_buf, (size_t)n, &off))) {
				if (nh->nlmsg_seq != req->nlmsg_seq)
					continue;
				if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
					intr = true;

				switch (nh->nlmsg_type) {
				case NLMSG_NOOP:
					break;
				case NLMSG_DONE:
					done = true;
					if (nh->nlmsg_len >=
					    NLMSG_LENGTH(sizeof(int))) {
						int e;

						memcpy(&e, NLMSG_DATA(nh),
						       sizeof(e));
						if (e < 0 && !err)
							err = e;
					}
					break;
				case NLMSG_ERROR:
					done = true;
					if ((rc = nl_error(nh)) && !err)
						err = rc;
					break;
				case NLMSG_OVERRUN:
					done = true;
					if (!err)
						err = -EOVERFLOW;
					break;
				default:
					if (!cb || stop || err)
						break;
					if ((rc = cb(nh, arg)) < 0)
						err = rc;
					else if (rc > 0)
						stop = true;
				}
			}
		}

		if (!done)
			return -ETIMEDOUT;
		if (err || !intr)
			return err;

		log_debug("netlink: dump interrupted, retrying");
	}

	log_debug("netlink: dump keeps changing, using the last one");
	return 0;
}

/* Queries */

/**
 * struct nl_route_query - state of a search for a default route
 * @af:		address family
 * @ifi:	interface the route must use, 0 for any
 * @found:	a matching route was seen
 * @oif:	its output interface
 * @has_gw:	it has a gateway
 * @gw:		the gateway
 */
struct nl_route_query {
	int af;
	unsigned int ifi;
	bool found;
	unsigned int oif;
	bool has_gw;
	uint8_t gw[16];
};

/**
 * nl_route_is_default() - is this a default unicast route of the main table
 * @r:		parsed route
 * @af:		address family we want
 *
 * Return: true if it is
 */
static bool nl_route_is_default(const struct nl_route_info *r, int af)
{
	return r->family == af && r->dst_len == 0 &&
	       r->table == RT_TABLE_MAIN && r->type == RTN_UNICAST &&
	       !(r->flags & RTM_F_CLONED);
}

/**
 * nl_default_cb() - dump callback: find the first matching default route
 * @nh:		route message, NULL to reset
 * @arg:	struct nl_route_query
 *
 * Return: 1 when found, 0 otherwise
 */
static int nl_default_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nl_route_query *q = arg;
	struct nl_route_info r;

	if (!nh) {
		q->found = q->has_gw = false;
		q->oif = 0;
		return 0;
	}

	if (nl_route_parse(nh, q->ifi, &r) || !nl_route_is_default(&r, q->af))
		return 0;
	if (!r.oif || (q->ifi && r.oif != q->ifi))
		return 0;

	q->found = true;
	q->oif = r.oif;
	q->has_gw = r.has_gw;
	memcpy(q->gw, r.gw, sizeof(q->gw));

	return 1;
}

/**
 * nl_default_route() - look for the first default route, optionally via ifi
 * @nl:		netlink socket
 * @q:		query with @af and @ifi set, filled
 *
 * Return: 0 (check @q->found), or negative error code
 */
static int nl_default_route(int nl, struct nl_route_query *q)
{
	struct rtmsg rtm = {
		.rtm_family = q->af,
		.rtm_table = RT_TABLE_MAIN,
	};
	union nl_req req;
	int rc;

	if (!af_addr_len(q->af))
		return -EAFNOSUPPORT;

	if ((rc = nl_msg_init(&req.nh, sizeof(req), RTM_GETROUTE, NLM_F_DUMP,
			      &rtm, sizeof(rtm))))
		return rc;

	return nl_exchange(nl, &req.nh, nl_default_cb, q);
}

/**
 * nl_route_type_cb() - answer callback: type of the route the kernel chose
 * @nh:		route message, NULL to reset
 * @arg:	int: rtm_type, -1 until an answer is seen
 *
 * Return: 1 once the route is seen, 0 otherwise
 */
static int nl_route_type_cb(const struct nlmsghdr *nh, void *arg)
{
	int *type = arg;
	struct nl_route_info r;

	if (!nh) {
		*type = -1;
		return 0;
	}
	if (nl_route_parse(nh, 0, &r))
		return 0;
	*type = r.type;
	return 1;
}

/**
 * nl_route_type() - type of the route the kernel would use to a destination
 * @nl:		netlink socket
 * @af:		AF_INET or AF_INET6
 * @dst:	destination address
 * @oif:	output interface (a socket's SO_BINDTODEVICE, or the scope of a
 *		link-local address), 0 if none
 * @src:	source address (a socket's bound address), NULL if none
 *
 * This is an RTM_GETROUTE request without NLM_F_DUMP: the kernel's own route
 * lookup, as for a connect() from a socket bound to @oif and @src, local
 * table included. RTN_LOCAL means the destination is an address of this
 * namespace, whatever interface has it and whenever it was added.
 *
 * Return: rtm_type (RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, ...), or negative
 * error code: the kernel's, for destinations without a usable route
 * (-ENETUNREACH, -EHOSTUNREACH, -EACCES, -EINVAL), or our own
 *
 * #syscalls sendto recvmsg
 */
int nl_route_type(int nl, int af, const void *dst, unsigned int oif,
		  const void *src)
{
	struct rtmsg rtm = { .rtm_family = af };
	size_t alen = af_addr_len(af);
	union nl_req req;
	int rc, type = -1;

	if (!alen)
		return -EAFNOSUPPORT;
	rtm.rtm_dst_len = (unsigned char)(alen * 8);
	if (src)
		rtm.rtm_src_len = rtm.rtm_dst_len;

	if ((rc = nl_msg_init(&req.nh, sizeof(req), RTM_GETROUTE, 0,
			      &rtm, sizeof(rtm))) ||
	    (rc = nl_attr_put(&req.nh, sizeof(req), RTA_DST, dst, alen)) ||
	    (src && (rc = nl_attr_put(&req.nh, sizeof(req), RTA_SRC, src,
				      alen))))
		return rc;
	if (oif) {
		uint32_t o = oif;

		if ((rc = nl_attr_put(&req.nh, sizeof(req), RTA_OIF, &o,
				      sizeof(o))))
			return rc;
	}

	if ((rc = nl_exchange(nl, &req.nh, nl_route_type_cb, &type)))
		return rc;
	return type < 0 ? -ENOENT : type;
}

/**
 * nl_default_route_ifindex() - output interface of the first default route
 * @nl:		netlink socket
 * @af:		AF_INET or AF_INET6
 *
 * For multipath routes, this is the interface of the first nexthop.
 *
 * Return: interface index, 0 if there's no default route (or on error)
 */
unsigned int nl_default_route_ifindex(int nl, int af)
{
	struct nl_route_query q = { .af = af };
	int rc;

	if ((rc = nl_default_route(nl, &q))) {
		log_debug("netlink: can't dump routes: %s", strerror(-rc));
		return 0;
	}

	return q.found ? q.oif : 0;
}

/**
 * nl_default_gateway() - gateway of the first default route via an interface
 * @nl:		netlink socket
 * @af:		AF_INET or AF_INET6
 * @ifi:	interface index, 0 for any
 * @gw:		struct in_addr or struct in6_addr, set on success
 *
 * Return: 0, -ENOENT if there's no such route or it has no gateway, or
 * another negative error code
 */
int nl_default_gateway(int nl, int af, unsigned int ifi, void *gw)
{
	struct nl_route_query q = { .af = af, .ifi = ifi };
	int rc;

	if ((rc = nl_default_route(nl, &q)))
		return rc;
	if (!q.found || !q.has_gw)
		return -ENOENT;

	memcpy(gw, q.gw, af_addr_len(af));
	return 0;
}

/**
 * struct nl_addr_query - state of a search for addresses of an interface
 * @af:		address family
 * @ifi:	interface index
 * @rank:	rank of the global address found (lower is better), -1: none
 * @addr:	global address found
 * @prefix_len:	its prefix length
 * @ll_rank:	rank of the link-local address found, -1: none
 * @ll:		link-local address found (IPv6)
 */
struct nl_addr_query {
	int af;
	unsigned int ifi;
	int rank;
	uint8_t addr[16];
	int prefix_len;
	int ll_rank;
	uint8_t ll[16];
};

/**
 * nl_addr_is_ll() - is this a link-local address (or scope)
 * @a:		parsed address
 *
 * Return: true for link-local scope, or addresses in 169.254.0.0/16 and
 * fe80::/10
 */
bool nl_addr_is_ll(const struct nl_addr_info *a)
{
	const uint8_t *p = a->has_local ? a->local : a->addr;

	if (a->scope == RT_SCOPE_LINK)
		return true;
	if (a->family == AF_INET)
		return p[0] == 169 && p[1] == 254;
	return p[0] == 0xfe && (p[1] & 0xc0) == 0x80;
}

/**
 * nl_addr_rank() - how suitable an address is as the one to use
 * @a:		parsed address
 *
 * Return: 0 for usable stable addresses, 1 for usable temporary (privacy)
 * ones, or IPv4 secondary ones (same flag value), 2 for deprecated or
 * tentative ones, -1 if unusable (duplicate address detection failed)
 */
static int nl_addr_rank(const struct nl_addr_info *a)
{
	if (a->flags & IFA_F_DADFAILED)
		return -1;
	if (a->flags & (IFA_F_TENTATIVE | IFA_F_DEPRECATED))
		return 2;
	if (a->flags & IFA_F_TEMPORARY)
		return 1;
	return 0;
}

/**
 * nl_addr_cb() - dump callback: pick the best addresses of an interface
 * @nh:		address message, NULL to reset
 * @arg:	struct nl_addr_query
 *
 * Return: 0
 */
static int nl_addr_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nl_addr_query *q = arg;
	struct nl_addr_info a;
	const uint8_t *p;
	int rank;

	if (!nh) {
		q->rank = q->ll_rank = -1;
		return 0;
	}

	if (nl_addr_parse(nh, &a) || a.family != q->af || a.ifindex != q->ifi)
		return 0;
	if (!a.has_local && !a.has_addr)
		return 0;
	if ((rank = nl_addr_rank(&a)) < 0)
		return 0;

	/* IFA_LOCAL is ours, IFA_ADDRESS may be the peer on IPv4 */
	p = a.has_local ? a.local : a.addr;

	if (nl_addr_is_ll(&a)) {
		if (q->ll_rank < 0 || rank < q->ll_rank) {
			q->ll_rank = rank;
			memcpy(q->ll, p, sizeof(q->ll));
		}
		return 0;
	}

	if (a.scope != RT_SCOPE_UNIVERSE)
		return 0;

	if (q->rank < 0 || rank < q->rank) {
		q->rank = rank;
		memcpy(q->addr, p, sizeof(q->addr));
		q->prefix_len = a.prefix_len;
	}

	return 0;
}

/**
 * nl_addr_get() - first global address of an interface
 * @nl:		netlink socket
 * @af:		AF_INET or AF_INET6
 * @ifi:	interface index
 * @addr:	struct in_addr or struct in6_addr, set on success; may be NULL
 * @prefix_len:	its prefix length, set on success; may be NULL
 * @addr6_ll:	for AF_INET6, struct in6_addr set to the link-local address
 *		of the interface, or to :: if none; may be NULL
 *
 * Stable addresses are preferred over temporary ones, and both over
 * deprecated or tentative ones; addresses that failed duplicate address
 * detection are never used. @addr6_ll is set even if there's no global
 * address.
 *
 * Return: 0, -ENOENT if there's no global address, or another negative
 * error code
 */
int nl_addr_get(int nl, int af, unsigned int ifi, void *addr,
		int *prefix_len, void *addr6_ll)
{
	struct ifaddrmsg ifa = { .ifa_family = af, .ifa_index = ifi };
	struct nl_addr_query q = { .af = af, .ifi = ifi };
	union nl_req req;
	int rc;

	if (!af_addr_len(af))
		return -EAFNOSUPPORT;
	if (af == AF_INET6 && addr6_ll)
		memset(addr6_ll, 0, sizeof(struct in6_addr));

	if ((rc = nl_msg_init(&req.nh, sizeof(req), RTM_GETADDR, NLM_F_DUMP,
			      &ifa, sizeof(ifa))) ||
	    (rc = nl_exchange(nl, &req.nh, nl_addr_cb, &q)))
		return rc;

	if (af == AF_INET6 && addr6_ll && q.ll_rank >= 0)
		memcpy(addr6_ll, q.ll, sizeof(struct in6_addr));

	if (q.rank < 0)
		return -ENOENT;

	if (addr)
		memcpy(addr, q.addr, af_addr_len(af));
	if (prefix_len)
		*prefix_len = q.prefix_len;

	return 0;
}

/**
 * struct nl_link_query - what we read of one link
 * @ifi:	interface index asked for, 0 if asked by name
 * @found:	the link answered
 * @index:	its index
 * @mtu:	its MTU
 * @has_mac:	@mac holds a 6-byte hardware address
 * @mac:	hardware address
 * @name:	interface name
 */
struct nl_link_query {
	unsigned int ifi;
	bool found;
	unsigned int index;
	int mtu;
	bool has_mac;
	uint8_t mac[6];
	char name[IF_NAMESIZE];
};

/**
 * nl_link_cb() - callback for a link request: read index, name, MAC and MTU
 * @nh:		link message, NULL to reset
 * @arg:	struct nl_link_query
 *
 * Return: 1 once a link was read, 0 otherwise
 */
static int nl_link_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct rtattr *tb[IFLA_MAX + 1];
	struct nl_link_query *q = arg;
	const struct ifinfomsg *ifi;
	const struct rtattr *name;
	uint32_t mtu;

	if (!nh) {
		q->found = q->has_mac = false;
		q->index = 0;
		q->mtu = 0;
		q->name[0] = '\0';
		return 0;
	}

	if (nh->nlmsg_type != RTM_NEWLINK ||
	    nl_msg_attrs(nh, sizeof(*ifi), tb, IFLA_MAX))
		return 0;
	ifi = NLMSG_DATA(nh);
	if (ifi->ifi_index <= 0 ||
	    (q->ifi && (unsigned int)ifi->ifi_index != q->ifi))
		return 0;

	q->found = true;
	q->index = ifi->ifi_index;
	if (rta_u32(tb[IFLA_MTU], &mtu) && mtu <= INT32_MAX)
		q->mtu = mtu;
	q->has_mac = rta_addr(tb[IFLA_ADDRESS], q->mac, sizeof(q->mac));

	name = tb[IFLA_IFNAME];
	if (name && rta_plen(name) && rta_plen(name) <= IF_NAMESIZE &&
	    memchr(RTA_DATA(name), '\0', rta_plen(name)))
		memcpy(q->name, RTA_DATA(name), rta_plen(name));

	return 1;
}

/**
 * nl_link_query() - ask for one link, by index or by name
 * @nl:		netlink socket
 * @q:		query, with @ifi set (0 to ask by @name), filled
 *
 * Return: 0, or negative error code (-ENODEV if there's no such link)
 */
static int nl_link_query(int nl, struct nl_link_query *q)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = (int)q->ifi,
	};
	uint32_t mask = RTEXT_FILTER_SKIP_STATS;
	union nl_req req;
	int rc;

	if ((rc = nl_msg_init(&req.nh, sizeof(req), RTM_GETLINK, 0,
			      &ifi, sizeof(ifi))) ||
	    (rc = nl_attr_put(&req.nh, sizeof(req), IFLA_EXT_MASK,
			      &mask, sizeof(mask))))
		return rc;

	if (!q->ifi && (rc = nl_attr_put(&req.nh, sizeof(req), IFLA_IFNAME,
					 q->name, strlen(q->name) + 1)))
		return rc;

	if ((rc = nl_exchange(nl, &req.nh, nl_link_cb, q)))
		return rc;

	return q->found ? 0 : -ENODEV;
}

/**
 * nl_link_get() - hardware address and MTU of a link
 * @nl:		netlink socket
 * @ifi:	interface index
 * @mac:	set to the hardware address, all zeroes if it isn't a 6-byte
 *		one; may be NULL
 * @mtu:	set to the MTU; may be NULL
 *
 * Return: 0, or negative error code (-ENODEV if there's no such link)
 */
int nl_link_get(int nl, unsigned int ifi, uint8_t mac[6], int *mtu)
{
	struct nl_link_query q = { .ifi = ifi };
	int rc;

	if (!ifi || ifi > INT32_MAX)
		return -ENODEV;
	if ((rc = nl_link_query(nl, &q)))
		return rc;

	if (mac) {
		if (q.has_mac)
			memcpy(mac, q.mac, sizeof(q.mac));
		else
			memset(mac, 0, sizeof(q.mac));
	}
	if (mtu)
		*mtu = q.mtu;

	return 0;
}

/**
 * nl_link_by_name() - index of a link, from its name
 * @nl:		netlink socket
 * @name:	interface name
 *
 * Return: interface index (positive), or negative error code (-ENODEV if
 * there's no such link, -ENAMETOOLONG if @name can't be one)
 */
int nl_link_by_name(int nl, const char *name)
{
	struct nl_link_query q = { .ifi = 0 };
	size_t len = strnlen(name, IF_NAMESIZE);
	int rc;

	if (!len)
		return -ENODEV;
	if (len >= IF_NAMESIZE)
		return -ENAMETOOLONG;

	memcpy(q.name, name, len + 1);
	if ((rc = nl_link_query(nl, &q)))
		return rc;

	return (int)q.index;
}

/**
 * nl_link_name() - name of a link, from its index
 * @nl:		netlink socket
 * @ifi:	interface index
 * @name:	set to the interface name
 *
 * Return: 0, or negative error code (-ENODEV if there's no such link)
 */
int nl_link_name(int nl, unsigned int ifi, char name[IF_NAMESIZE])
{
	struct nl_link_query q = { .ifi = ifi };
	int rc;

	if (!ifi || ifi > INT32_MAX)
		return -ENODEV;
	if ((rc = nl_link_query(nl, &q)))
		return rc;
	if (!q.name[0])
		return -EBADMSG;

	memcpy(name, q.name, IF_NAMESIZE);
	return 0;
}

/* Configuration */
