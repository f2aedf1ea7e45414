/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * msg.h - the control socket's messages, shared by passt/pasta (ctl.c) and
 * the pesto client: request format, parser, writer
 */
#ifndef CTL_MSG_H
#define CTL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_MAGIC		"pesto 1"	/* first line of a request */
#define CTL_END			"end"		/* last line of a request */
#define CTL_RESP_OK		"ok"		/* first line of a reply */
#define CTL_RESP_ERR		"error"		/* ...or this, a space, why */

#define CTL_REQ_MAX		16384	/* bytes in a request, with its lines */
#define CTL_CHANGES_MAX		64	/* changes in one request */
#define CTL_SPEC_MAX		256	/* bytes of a SPEC, with its NUL */

/* Tables of forwarding rules, as option letters (same order as the tables
 * of flow/listen.h): -t, -u, and pasta's -T, -U
 */
#define CTL_TABLES		4
#define CTL_TABLE_LETTERS	"tuTU"

/**
 * enum ctl_op - what a change does
 * @CTL_OP_REPLACE:	SPEC replaces the table (later ones in the same
 *			request add to it, as options on the command line)
 * @CTL_OP_ADD:		add SPEC's rules; rules already there are no-ops
 * @CTL_OP_DELETE:	remove SPEC's rules, each must be there
 * @CTL_OP_CLEAR:	remove every rule of the host (-t, -u) or namespace
 *			(-T, -U) side
 * @CTL_OP_EGRESS:	an egress rule or default (table: CTL_EGRESS_*); the
 *			egress lines of a request replace the whole egress
 *			policy, as if they were all of its options
 */
enum ctl_op {
	CTL_OP_REPLACE,
	CTL_OP_ADD,
	CTL_OP_DELETE,
	CTL_OP_CLEAR,
	CTL_OP_EGRESS,
};

/* Kinds of egress lines, in struct ctl_change.table for CTL_OP_EGRESS, as
 * the words of the request line: "egress allow SPEC", "egress deny SPEC",
 * "egress default allow|deny"
 */
#define CTL_EGRESS_ALLOW	0
#define CTL_EGRESS_DENY		1
#define CTL_EGRESS_DEFAULT	2

/* Sides for CTL_OP_CLEAR, in struct ctl_change.table */
#define CTL_PIF_HOST		0	/* -t and -u */
#define CTL_PIF_SPLICE		1	/* -T and -U */

/**
 * enum ctl_query - what a request asks to see
 * @CTL_Q_NONE:		nothing, only changes
 * @CTL_Q_SHOW:		forwarding rules, one a line
 * @CTL_Q_FLOWS:	every flow, one a line
 * @CTL_Q_STATS:	counters
 * @CTL_Q_EGRESS:	egress policy, as options, one a line
 */
enum ctl_query {
	CTL_Q_NONE,
	CTL_Q_SHOW,
	CTL_Q_FLOWS,
	CTL_Q_STATS,
	CTL_Q_EGRESS,
};

/**
 * struct ctl_change - one change to the forwarding tables
 * @op:		enum ctl_op
 * @table:	index in CTL_TABLE_LETTERS, CTL_PIF_* for CTL_OP_CLEAR,
 *		CTL_EGRESS_* for CTL_OP_EGRESS
 * @spec:	specification, as for -t, -u, -T, -U (empty for clear), as
 *		for --egress-allow and --egress-deny, or allow or deny
 */
struct ctl_change {
	uint8_t op;
	uint8_t table;
	char spec[CTL_SPEC_MAX];
};

/**
 * struct ctl_req - a parsed request
 * @query:	enum ctl_query
 * @json:	reply in JSON (flows and stats)
 * @n:		changes in @ch
 * @ch:		changes, applied in order, all or none
 */
struct ctl_req {
	enum ctl_query query;
	bool json;
	int n;
	struct ctl_change ch[CTL_CHANGES_MAX];
};

int ctl_req_parse(const char *buf, size_t len, struct ctl_req *req,
		  char *err, size_t errlen);
int ctl_req_fmt(const struct ctl_req *req, char *buf, size_t size);
bool ctl_spec_valid(const char *spec);

#endif /* CTL_MSG_H */
