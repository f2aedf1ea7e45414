/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * listen.h - sockets bound for forwarded ports (-t, -u, -T, -U)
 */
#ifndef FLOW_LISTEN_H
#define FLOW_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/epoll_ref.h"

struct ctx;
struct port_fwd;
struct port_spec_rule;

/* LISTEN_SOCKS_MAX - sockets bound for forwarding rules, all tables: "all"
 * for -t and -u (and pasta's -T and -U) binds up to 32767 ports twice
 * (IPv4, IPv6) each, so this fits four of those. 16 bytes a slot: 4 MiB,
 * plus 2 MiB of list heads, static, touched only as far as used.
 */
#define LISTEN_SOCKS_MAX	(1U << 18)

/* Epoll references of automatic forwarding's sockets: this bit and the port
 * (references of the other ones hold a registry slot)
 */
#define LISTEN_REF_AUTO		(1U << 23)

_Static_assert(LISTEN_SOCKS_MAX <= LISTEN_REF_AUTO, "slot fits a reference");

/**
 * enum listen_table - the four forwarding configurations
 * @LISTEN_TCP_IN:	-t, host ports
 * @LISTEN_UDP_IN:	-u, host ports
 * @LISTEN_TCP_OUT:	-T, pasta: ports in the namespace
 * @LISTEN_UDP_OUT:	-U, pasta: ports in the namespace
 * @LISTEN_TABLES:	number of tables
 */
enum listen_table {
	LISTEN_TCP_IN,
	LISTEN_UDP_IN,
	LISTEN_TCP_OUT,
	LISTEN_UDP_OUT,
	LISTEN_TABLES
};

int listen_init(struct ctx *c, const struct port_fwd *fwd, uint8_t proto);
int listen_auto_port(struct ctx *c, const struct port_fwd *fwd, uint8_t proto,
		     int af, uint16_t port);
struct port_fwd *listen_table_fwd(struct ctx *c, unsigned int t);
int listen_update(struct ctx *c, const struct port_fwd *next[LISTEN_TABLES],
		  char *err, size_t errlen);
const struct port_spec_rule *listen_ref_rule(struct ctx *c,
					     union epoll_ref ref,
					     uint16_t *port, bool *stale);
unsigned int listen_count(void);

/**
 * struct listen_stats - listening sockets out of descriptors
 * @accept_failed:	accept() calls that failed with EMFILE, ENFILE, ENOBUFS
 *			or ENOMEM
 * @pauses:		times listening sockets were paused for that
 */
struct listen_stats {
	unsigned long accept_failed;
	unsigned long pauses;
};

void listen_pause(const struct ctx *c, union epoll_ref ref, int err);
void listen_forget(int fd);
void listen_resume_check(const struct ctx *c, uint64_t now);
const struct listen_stats *listen_get_stats(void);

#endif /* FLOW_LISTEN_H */
