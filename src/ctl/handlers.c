// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * handlers.c - what the control socket does with a request
 *
 * Theory of operation
 * -------------------
 *
 * Changes work on copies of the four forwarding tables (-t, -u, -T, -U):
 * each change of the request is applied in order, with the parser and the
 * checks of policy/portspec.c (a rule that's there already, added again, is
 * a no-op; a rule deleted must be there), and only if all of them succeed
 * does flow/listen.c bind what's new and swap the tables in, all or
 * nothing. The first failure is the reply: which option and specification,
 * and why. Tables in automatic mode ("auto") can't be changed.
 *
 * The egress policy (policy/egress.c) is replaced whole by the egress lines
 * of a request, as if they were all its options: they are parsed into the
 * one of two static tables that isn't in use, and, if the rest of the
 * request succeeds too, c->egress points to it from then on. New flows see
 * the new policy; established flows, decided when they started, are left
 * alone.
 *
 * Listings (show, and the flow and counter listings) are written into the
 * client's fixed buffer a line at a time by ctl_reply_fill(), which keeps
 * its place in the client's phase and cursor, and is called again whenever
 * the buffer has been sent.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/ctx.h"
#include "ctl/ctl_int.h"
#include "flow/flow.h"
#include "flow/listen.h"
#include "flow/tcp.h"
#include "frontend/vhost_user.h"
#include "loop.h"
#include "policy/egress.h"
#include "policy/fwd.h"
#include "policy/portspec.h"
#include "util/clock.h"
#include "util/log.h"

_Static_assert(CTL_TABLES == LISTEN_TABLES, "tables of msg.h and listen.h");

/* Phases of the reply generator */
enum ctl_phase {
	CTL_PHASE_SHOW = 1,
	CTL_PHASE_FLOWS,
	CTL_PHASE_STATS,
	CTL_PHASE_EGRESS,
};

static struct port_fwd ctl_next[CTL_TABLES];	/* tables being changed */
static struct port_fwd ctl_parsed;		/* one specification */
static uint16_t ctl_eph;			/* first ephemeral port */
static struct egress_table ctl_egress[2];	/* policies set at run time */
static struct egress_table *ctl_egress_next;	/* being built, or NULL */

/**
 * ctl_handlers_init() - read what changes need later, when /proc is gone
 * @c:		execution context
 */
void ctl_handlers_init(const struct ctx *c)
{
	(void)c;
	ctl_eph = port_ephemeral_start();
}

/**
 * ctl_out() - append a formatted line to the reply, if it fits whole
 * @cl:		client
 * @fmt:	format string, then arguments
 *
 * Return: true if added, false if the buffer is too full for it
 */
__attribute__((format(printf, 2, 3)))
static bool ctl_out(struct ctl_client *cl, const char *fmt, ...)
{
	size_t room = CTL_OUT_MAX - cl->out_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cl->out + cl->out_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return false;
	cl->out_len += (size_t)n;
	return true;
}

/**
 * ctl_reply_error() - make the reply an error, with a message
 * @cl:		client
 * @fmt:	format string, then arguments
 */
void ctl_reply_error(struct ctl_client *cl, const char *fmt, ...)
{
	char msg[CTL_ERR_MAX];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (p = msg; *p; p++) {
		if (*p == '\n')
			*p = ' ';
	}
	cl->out_len = cl->out_off = 0;
	ctl_out(cl, "%s %s\n", CTL_RESP_ERR, msg);
	cl->done = true;
}

/**
 * ctl_table_ok() - may a request change a table?
 * @c:		execution context
 * @cl:		client, for the error reply
 * @t:		table, index in CTL_TABLE_LETTERS
 *
 * Return: true if it may, false with an error reply otherwise
 */
static bool ctl_table_ok(struct ctx *c, struct ctl_client *cl, unsigned int t)
{
	char opt = CTL_TABLE_LETTERS[t];
	bool tcp = t == LISTEN_TCP_IN || t == LISTEN_TCP_OUT;

	if (c->mode == MODE_PASST && t >= LISTEN_TCP_OUT) {
		ctl_reply_error(cl, "-%c: only pasta has namespace ports",
				opt);
		return false;
	}
	if ((tcp && c->no_tcp) || (!tcp && c->no_udp)) {
		ctl_reply_error(cl, "-%c: %s is disabled", opt,
				tcp ? "TCP" : "UDP");
		return false;
	}
	if (listen_table_fwd(c, t)->mode == PORT_FWD_AUTO) {
		ctl_reply_error(cl, "-%c is 'auto': automatic forwarding "
				"can't be changed at run time", opt);
		return false;
	}
	return true;
}

/**
 * ctl_egress_apply() - add an egress line to the policy being built
 * @c:		execution context
 * @cl:		client, for the error reply
 * @ch:		change, CTL_OP_EGRESS
 *
 * Return: true on success, false with an error reply otherwise
 */
static bool ctl_egress_apply(const struct ctx *c, struct ctl_client *cl,
			     const struct ctl_change *ch)
{
	bool deny = ch->table == CTL_EGRESS_DENY;
	char err[PORT_SPEC_ERR_LEN];

	if (!ctl_egress_next) {
		ctl_egress_next = c->egress == &ctl_egress[0] ? &ctl_egress[1] :
								&ctl_egress[0];
		egress_init(ctl_egress_next);
	}
	if (ch->table == CTL_EGRESS_DEFAULT) {
		ctl_egress_next->default_deny = !strcmp(ch->spec, "deny");
		return true;
	}
	if (egress_add(ctl_egress_next, deny, ch->spec, err, sizeof(err))) {
		ctl_reply_error(cl, "--egress-%s %s: %s",
				deny ? "deny" : "allow", ch->spec, err);
		return false;
	}
	return true;
}

/**
 * ctl_apply() - apply one change to the copies of the tables
 * @c:		execution context
 * @cl:		client, for the error reply
 * @ch:		change
 * @touched:	tables copied so far, updated
 * @replaced:	tables replaced so far by this request, updated
 *
 * Return: true on success, false with an error reply otherwise
 */
static bool ctl_apply(struct ctx *c, struct ctl_client *cl,
		      const struct ctl_change *ch, bool *touched,
		      bool *replaced)
{
	char err[PORT_SPEC_ERR_LEN];
	unsigned int t, first, last;
	int rc;

	if (ch->op == CTL_OP_EGRESS)
		return ctl_egress_apply(c, cl, ch);
	if (ch->op == CTL_OP_CLEAR) {
		if (ch->table == CTL_PIF_SPLICE && c->mode == MODE_PASST) {
			ctl_reply_error(cl, "-C SPLICE: only pasta has "
					"namespace ports");
			return false;
		}
		first = ch->table == CTL_PIF_HOST ? LISTEN_TCP_IN :
						    LISTEN_TCP_OUT;
		last = first + 1;
	} else {
		first = last = ch->table;
	}

	for (t = first; t <= last; t++) {
		if (!touched[t]) {
			if (ch->op == CTL_OP_CLEAR &&
			    ((t % 2 == 0 && c->no_tcp) ||
			     (t % 2 && c->no_udp)))
				continue;
			if (!ctl_table_ok(c, cl, t))
				return false;
			memcpy(&ctl_next[t], listen_table_fwd(c, t),
			       sizeof(ctl_next[t]));
			touched[t] = true;
		}
	}

	switch (ch->op) {
	case CTL_OP_CLEAR:
		for (t = first; t <= last; t++) {
			if (!touched[t])
				continue;
			port_fwd_init(&ctl_next[t]);
			ctl_next[t].mode = PORT_FWD_NONE;
			replaced[t] = true;
		}
		return true;
	case CTL_OP_REPLACE:
		if (!replaced[first]) {
			port_fwd_init(&ctl_next[first]);
			replaced[first] = true;
		}
		rc = port_spec_parse(&ctl_next[first], ch->spec, false,
				     ctl_eph, err, sizeof(err));
		break;
	case CTL_OP_ADD:
	case CTL_OP_DELETE:
		port_fwd_init(&ctl_parsed);
		rc = port_spec_parse(&ctl_parsed, ch->spec, false, ctl_eph,
				     err, sizeof(err));
		if (rc)
			break;
		if (ch->op == CTL_OP_ADD)
			rc = port_fwd_merge(&ctl_next[first], &ctl_parsed,
					    err, sizeof(err));
		else
			rc = port_fwd_remove(&ctl_next[first], &ctl_parsed,
					     err, sizeof(err));
		break;
	default:
		rc = -EINVAL;
		snprintf(err, sizeof(err), "unknown change");
	}

	if (rc) {
		ctl_reply_error(cl, "-%c %s: %s", CTL_TABLE_LETTERS[first],
				ch->spec, err);
		return false;
	}
	return true;
}

/**
 * ctl_request_run() - carry out a complete request, start the reply
 * @c:		execution context
 * @cl:		client, with the parsed request
 */
void ctl_request_run(struct ctx *c, struct ctl_client *cl)
{
	const struct port_fwd *next[LISTEN_TABLES] = { NULL };
	bool touched[CTL_TABLES] = { false }, replaced[CTL_TABLES] = { false };
	const struct ctl_req *req = &cl->req;
	char err[CTL_ERR_MAX];
	unsigned int t;
	int i;

	ctl_egress_next = NULL;
	for (i = 0; i < req->n; i++) {
		if (!ctl_apply(c, cl, &req->ch[i], touched, replaced))
			return;
	}

	if (req->n) {
		for (t = 0; t < CTL_TABLES; t++) {
			if (!touched[t])
				continue;
			if (ctl_next[t].mode == PORT_FWD_UNSET)
				ctl_next[t].mode = PORT_FWD_NONE;
			next[t] = &ctl_next[t];
		}
		if (listen_update(c, next, err, sizeof(err))) {
			log_info("Control socket: change refused: %s", err);
			ctl_reply_error(cl, "%s", err);
			return;
		}
		for (t = 0; t < CTL_TABLES; t++) {
			char buf[256];

			if (!touched[t])
				continue;
			port_spec_fmt(&ctl_next[t], buf, sizeof(buf));
			log_info("Control socket: -%c now %s%s",
				 CTL_TABLE_LETTERS[t], buf,
				 strlen(buf) == sizeof(buf) - 1 ? "..." : "");
		}
		if (ctl_egress_next) {
			egress_commit(ctl_egress_next);
			c->egress = ctl_egress_next;
			log_info("Control socket: egress policy now %u rules "
				 "from %u options, default %s",
				 c->egress->rule_count, c->egress->spec_count,
				 c->egress->default_deny ? "deny" : "allow");
		}
	}

	ctl_out(cl, "%s\n", CTL_RESP_OK);
	if (req->query == CTL_Q_FLOWS && req->json)
		ctl_out(cl, "{\"flows\": [");
	cl->phase = req->query == CTL_Q_SHOW ? CTL_PHASE_SHOW :
		    req->query == CTL_Q_EGRESS ? CTL_PHASE_EGRESS :
		    req->query == CTL_Q_FLOWS ? CTL_PHASE_FLOWS :
		    req->query == CTL_Q_STATS ? CTL_PHASE_STATS : 0;
	cl->cursor = 0;
	cl->emitted = 0;
	cl->done = !cl->phase;
}

/**
 * ctl_fill_show() - list the forwarding rules, "-t SPEC" a line
 * @c:		execution context
 * @cl:		client, @cursor: table * PORT_RULES_MAX + rule
 */
static void ctl_fill_show(struct ctx *c, struct ctl_client *cl)
{
	unsigned int tables = c->mode == MODE_PASTA ? CTL_TABLES : 2;

	for (; cl->cursor < (int)(tables * PORT_RULES_MAX); cl->cursor++) {
		unsigned int t = (unsigned int)cl->cursor / PORT_RULES_MAX;
		int rule = cl->cursor % PORT_RULES_MAX;
		const struct port_fwd *fwd = listen_table_fwd(c, t);
		char buf[PORT_SPEC_ERR_LEN];

		if (fwd->mode == PORT_FWD_AUTO) {
			if (!rule && !ctl_out(cl, "-%c auto\n",
					      CTL_TABLE_LETTERS[t]))
				return;
			continue;
		}
		if (rule >= fwd->rule_count)
			continue;
		port_rule_fmt(&fwd->rules[rule], buf, sizeof(buf));
		if (!ctl_out(cl, "-%c %s\n", CTL_TABLE_LETTERS[t], buf))
			return;
	}
	cl->done = true;
}

/**
 * ctl_fill_egress() - list the egress policy as options, one a line
 * @c:		execution context
 * @cl:		client, @cursor: 0 for the default, then option + 1
 */
static void ctl_fill_egress(const struct ctx *c, struct ctl_client *cl)
{
	const struct egress_table *t = c->egress;

	if (!cl->cursor) {
		if (!ctl_out(cl, "--egress-default %s\n",
			     t && t->default_deny ? "deny" : "allow"))
			return;
		cl->cursor++;
	}
	for (; t && cl->cursor <= (int)t->spec_count; cl->cursor++) {
		if (!ctl_out(cl, "%s\n",
			     egress_option(t, (unsigned int)cl->cursor - 1)))
			return;
	}
	cl->done = true;
}

/**
 * ctl_side_fmt() - "ADDR:PORT>ADDR:PORT" for a side, IPv6 bracketed
 * @buf:	output, at least 2 * (INET6_ADDRSTRLEN + 8) + 2 bytes
 * @size:	its size
 * @a:		first address
 * @ap:		its port
 * @b:		second address
 * @bp:		its port
 */
static void ctl_side_fmt(char *buf, size_t size, const union inany_addr *a,
			 uint16_t ap, const union inany_addr *b, uint16_t bp)
{
	char sa[INANY_ADDRSTRLEN], sb[INANY_ADDRSTRLEN];
	bool a6 = !inany_v4(a), b6 = !inany_v4(b);

	inany_ntop(a, sa, sizeof(sa));
	inany_ntop(b, sb, sizeof(sb));
	snprintf(buf, size, "%s%s%s:%u>%s%s%s:%u", a6 ? "[" : "", sa,
		 a6 ? "]" : "", ap, b6 ? "[" : "", sb, b6 ? "]" : "", bp);
}

/**
 * ctl_fill_flows() - list the flows, one a line or a JSON object each
 * @cl:		client, @cursor: next flow index to look at
 *
 * Guest side: the guest's address and port, then what it talks to. Host
 * side: our socket's address and port, then the peer's.
 */
static void ctl_fill_flows(struct ctl_client *cl)
{
	uint64_t now = now_ms();
	int idx;

	for (idx = flow_next(cl->cursor); idx >= 0;
	     idx = flow_next(idx + 1)) {
		char gs[128], hs[128], t[128], n[4][24];
		const struct flowside *g, *h;
		struct flow_info fi;
		bool ok;

		cl->cursor = idx;
		if (flow_info(idx, now, &fi))
			continue;
		g = &fi.side[FLOW_SIDE_GUEST];
		h = &fi.side[FLOW_SIDE_HOST];
		ctl_side_fmt(gs, sizeof(gs), &g->eaddr, g->eport, &g->oaddr,
			     g->oport);
		ctl_side_fmt(hs, sizeof(hs), &h->oaddr, h->oport, &h->eaddr,
			     h->eport);
		snprintf(t, sizeof(t), "%llu %llu %llu.%03llu %llu.%03llu",
			 (unsigned long long)fi.bytes[0],
			 (unsigned long long)fi.bytes[1],
			 (unsigned long long)fi.age_ms / 1000,
			 (unsigned long long)fi.age_ms % 1000,
			 (unsigned long long)fi.idle_ms / 1000,
			 (unsigned long long)fi.idle_ms % 1000);
		sscanf(t, "%23s %23s %23s %23s", n[0], n[1], n[2], n[3]);
		if (cl->req.json) {
			ok = ctl_out(cl, "%s\n {\"proto\": \"%s\", "
				     "\"state\": \"%s\", \"dir\": \"%s\", "
				     "\"guest\": \"%s\", \"host\": \"%s\", "
				     "\"from_guest\": %s, \"to_guest\": %s, "
				     "\"age\": %s, \"idle\": %s}",
				     cl->emitted ? "," : "", fi.proto,
				     fi.state, fi.dir, gs, hs, n[0], n[1], n[2],
				     n[3]);
		} else {
			ok = ctl_out(cl, "%s %s %s guest=%s host=%s "
				     "from_guest=%s to_guest=%s age=%s "
				     "idle=%s\n", fi.proto, fi.state, fi.dir,
				     gs, hs, n[0], n[1], n[2], n[3]);
		}
		if (!ok)
			return;		/* again, from this flow */
		cl->emitted++;
	}

	if (cl->req.json && !ctl_out(cl, "\n]}\n")) {
		cl->cursor = FLOW_MAX;
		return;
	}
	cl->done = true;
}

/**
 * struct ctl_counter - one counter of the stats listing
 * @group:	what it counts in, e.g. "flows"
 * @name:	counter name
 * @value:	its value
 */
struct ctl_counter {
	const char *group;
	const char *name;
	unsigned long long value;
};

/**
 * ctl_fill_stats() - list the counters, "group.name value" a line, or JSON
 * @c:		execution context
 * @cl:		client
 *
 * The counters that SIGUSR1 and --stats log, and the limits of the tables.
 */
static void ctl_fill_stats(const struct ctx *c, struct ctl_client *cl)
{
	const struct fwd_isolation_stats *is = fwd_isolation_get_stats();
	const struct fwd_egress_stats *es = fwd_egress_get_stats();
	const struct fwd_guest_drops *gd = fwd_guest_drop_stats();
	const struct loop_busy_poll_stats *bp = loop_busy_poll_get_stats();
	const struct flow_stats *fs = flow_get_stats();
	const struct frame_stats *st = &c->stats;
	const struct ctl_counter counters[] = {
		{ "flows", "in_use",		fs->in_use },
		{ "flows", "max_in_use",	fs->max_in_use },
		{ "flows", "limit",		fs->limit },
		{ "flows", "refused_table_full", fs->alloc_fail },
		{ "flows", "refused_guest_share", fs->refused[FLOW_KIND_GUEST] },
		{ "flows", "refused_host_share", fs->refused[FLOW_KIND_HOST] },
		{ "flows", "refused_splice_share",
						fs->refused[FLOW_KIND_SPLICE] },
		{ "flows", "evicted",		fs->evicted },
		{ "flows", "tcp",		flow_count_type(FLOW_TCP) },
		{ "flows", "tcp_splice",	flow_count_type(FLOW_TCP_SPLICE) },
		{ "flows", "udp",		flow_count_type(FLOW_UDP) },
		{ "flows", "udp_splice",	flow_count_type(FLOW_UDP_SPLICE) },
		{ "flows", "ping4",		flow_count_type(FLOW_PING4) },
		{ "flows", "ping6",		flow_count_type(FLOW_PING6) },
		{ "listeners", "in_use",	listen_count() },
		{ "listeners", "limit",		LISTEN_SOCKS_MAX },
		{ "frames", "in",		st->frames_in },
		{ "frames", "out",		st->frames_out },
		{ "frames", "dropped_out",	st->frames_dropped_out },
		{ "frames", "dropped_malformed", st->malformed },
		{ "frames", "dropped_bad_vnet",	st->bad_vnet },
		{ "frames", "dropped_unhandled", st->unhandled },
		{ "frames", "dropped_oversized", st->frames_oversized },
		{ "refused", "loopback_tcp",	gd->loopback_tcp },
		{ "refused", "loopback_udp",	gd->loopback_udp },
		{ "refused", "loopback_icmp",	gd->loopback_icmp },
		{ "refused", "host_isolation_tcp", is->refused_tcp },
		{ "refused", "host_isolation_udp", is->refused_udp },
		{ "refused", "host_isolation_icmp", is->refused_icmp },
		{ "refused", "egress_tcp",	es->refused_tcp },
		{ "refused", "egress_udp",	es->refused_udp },
		{ "refused", "egress_icmp",	es->refused_icmp },
		{ "refused", "egress_by_rule",	es->by_rule },
		{ "refused", "egress_by_default", es->by_default },
		{ "refused", "not_logged",	is->log_suppressed +
						es->log_suppressed },
		{ "tcp", "sndbuf_set",		tcp_sndbuf_set_count() },
		{ "busy_poll", "hits",		bp->hits },
		{ "busy_poll", "misses",	bp->misses },
		{ "busy_poll", "spun_us",	bp->spun_us },
		{ "vhost_user", "dropped_rx",	vu_dev.dropped_rx },
		{ "vhost_user", "short_rx",	vu_dev.short_rx },
		{ "vhost_user", "bad_rings",	vu_dev.bad_rings },
	};
	const size_t n = sizeof(counters) / sizeof(counters[0]);
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ctl_counter *k = &counters[i];
		bool first = !i || strcmp(k->group, counters[i - 1].group);
		bool last = i == n - 1 || strcmp(k->group,
						  counters[i + 1].group);

		if (!cl->req.json) {
			ctl_out(cl, "%s.%s %llu\n", k->group, k->name,
				k->value);
			continue;
		}
		if (first)
			ctl_out(cl, "%s\"%s\": {", i ? ", " : "{", k->group);
		ctl_out(cl, "\"%s\": %llu%s", k->name, k->value,
			last ? "}" : ", ");
	}
	if (cl->req.json)
		ctl_out(cl, "}\n");
	cl->done = true;
}

/**
 * ctl_reply_fill() - add the next part of a listing to the reply
 * @c:		execution context
 * @cl:		client, with an empty output buffer
 *
 * Sets @cl->done once the listing is complete.
 */
void ctl_reply_fill(struct ctx *c, struct ctl_client *cl)
{
	switch (cl->phase) {
	case CTL_PHASE_SHOW:
		ctl_fill_show(c, cl);
		break;
	case CTL_PHASE_EGRESS:
		ctl_fill_egress(c, cl);
		break;
	case CTL_PHASE_FLOWS:
		ctl_fill_flows(cl);
		break;
	case CTL_PHASE_STATS:
		ctl_fill_stats(c, cl);
		break;
	default:
		cl->done = true;
	}
}
