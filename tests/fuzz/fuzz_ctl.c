// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_ctl.c - arbitrary bytes as a request on the control socket (-c)
 *
 * The bytes go to ctl_req_parse() as received so far; a request it accepts
 * is written back with ctl_req_fmt() and must parse to the same, and each
 * of its specifications goes through the port specification parser and a
 * merge into, or removal from, a table, as the server would do.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/msg.h"
#include "policy/portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	input
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_req req, again;
	static struct port_fwd table, spec;
	static char buf[CTL_REQ_MAX];
	char err[512];
	int rc, len, i;

	rc = ctl_req_parse((const char *)data, size, &req, err, sizeof(err));
	if (rc == -EINVAL)
		return 0;
	if (rc == -EAGAIN) {
		if (size >= CTL_REQ_MAX)
			abort();	/* incomplete, but over the limit */
		return 0;
	}
	if (rc)
		abort();

	len = ctl_req_fmt(&req, buf, sizeof(buf));
	if (len < 0 || len > (int)size)
		abort();	/* the writer is never longer than the wire */
	if (ctl_req_parse(buf, (size_t)len, &again, err, sizeof(err)) ||
	    again.n != req.n || again.query != req.query ||
	    again.json != req.json)
		abort();

	port_fwd_init(&table);
	for (i = 0; i < req.n; i++) {
		const struct ctl_change *ch = &req.ch[i];

		if (strcmp(ch->spec, again.ch[i].spec) ||
		    ch->op != again.ch[i].op || ch->table != again.ch[i].table)
			abort();
		if (ch->op == CTL_OP_CLEAR) {
			port_fwd_init(&table);
			continue;
		}
		port_fwd_init(&spec);
		if (port_spec_parse(&spec, ch->spec, false, 0, err,
				    sizeof(err)))
			continue;
		if (ch->op == CTL_OP_DELETE)
			port_fwd_remove(&table, &spec, err, sizeof(err));
		else
			port_fwd_merge(&table, &spec, err, sizeof(err));
		if (table.rule_count > PORT_RULES_MAX)
			abort();
	}
	return 0;
}
