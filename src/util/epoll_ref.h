/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * epoll_ref.h - typed references stored in epoll events
 *
 * Every file descriptor in the epoll set carries one of these as its 64-bit
 * event data, so the main loop dispatches with a switch on the type instead
 * of looking the descriptor up.
 */
#ifndef UTIL_EPOLL_REF_H
#define UTIL_EPOLL_REF_H

#include <stdint.h>
#include <sys/epoll.h>

enum epoll_type {
	EPOLL_TYPE_NONE = 0,
	EPOLL_TYPE_TAP_LISTEN,	/* passt: listening UNIX socket */
	EPOLL_TYPE_TAP_STREAM,	/* passt: connected qemu stream socket */
	EPOLL_TYPE_TAP_DEV,	/* pasta: tap device */
	EPOLL_TYPE_SIGNAL,	/* signalfd */
	EPOLL_TYPE_NS_PIDFD,	/* pasta: process of the target namespace */
	EPOLL_TYPE_NS_INOTIFY,	/* pasta: directory of the netns file */
	EPOLL_TYPE_TIMER,	/* periodic tick for flow timers */
	EPOLL_TYPE_TCP,		/* connected TCP socket, index: flow */
	EPOLL_TYPE_TCP_LISTEN,	/* listening socket of a forwarded port */
	EPOLL_TYPE_UDP,		/* connected UDP socket, index: flow */
	EPOLL_TYPE_UDP_LISTEN,	/* bound socket of a forwarded UDP port */
	EPOLL_TYPE_PING,	/* ping socket, index: flow */
	EPOLL_TYPE_TCP_SPLICE,	/* pasta: spliced TCP socket, index: sidx */
	EPOLL_TYPE_TCP_LISTEN_NS, /* pasta: -T port, in the namespace */
	EPOLL_TYPE_UDP_LISTEN_NS, /* pasta: -U port, in the namespace */
	EPOLL_TYPE_UDP_SPLICE,	/* pasta: relayed UDP socket, index: flow */
	EPOLL_TYPE_CTL_LISTEN,	/* -c: listening control socket */
	EPOLL_TYPE_CTL,		/* -c: a connected pesto client */
	EPOLL_TYPE_VU_CMD,	/* passt: vhost-user control socket */
	EPOLL_TYPE_VU_KICK,	/* passt: vhost-user kick eventfd, index:
				 * queue
				 */
};

/**
 * union epoll_ref - what an epoll event refers to
 * @type:	enum epoll_type
 * @fd:		file descriptor
 * @index:	index in a table of the module owning @type
 * @flow:	the same for the sockets of flows (flow_epoll_ref()): @type,
 *		the @serial number of the flow in its table entry, and its
 *		@sidx (flow index and side). An event queued for a flow that
 *		was closed, and whose entry (and descriptor number) went to a
 *		new flow in the same batch of events, carries the old serial:
 *		flow_epoll_sidx() tells it apart
 * @u64:	the whole reference, as stored in struct epoll_event
 */
union epoll_ref {
	struct {
		uint8_t type;
		int32_t fd;
		uint32_t index : 24;
	} __attribute__((packed));
	struct {
		uint8_t type;
		uint32_t serial;
		uint32_t sidx : 24;
	} __attribute__((packed)) flow;
	uint64_t u64;
};

_Static_assert(sizeof(union epoll_ref) == sizeof(uint64_t),
	       "epoll reference must fit in epoll_event data");

/**
 * epoll_add_ref() - add a descriptor to the epoll set with a typed reference
 * @epollfd:	epoll descriptor
 * @type:	enum epoll_type
 * @fd:		descriptor to add
 * @events:	EPOLLIN and friends
 *
 * Return: 0 on success, -1 with errno set on failure
 */
static inline int epoll_add_ref(int epollfd, enum epoll_type type, int fd,
				uint32_t events)
{
	union epoll_ref ref = { .type = type, .fd = fd };
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	return epoll_ctl(epollfd, EPOLL_CTL_ADD, fd, &ev);
}

#endif /* UTIL_EPOLL_REF_H */
