/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl_int.h - inside the control socket module: the client, and the
 * handlers (handlers.c) that ctl.c calls
 */
#ifndef CTL_CTL_INT_H
#define CTL_CTL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/msg.h"

struct ctx;

#define CTL_OUT_MAX		65536	/* reply buffer, refilled as sent */
#define CTL_ERR_MAX		512	/* an error message */

/**
 * struct ctl_client - the client being served
 * @fd:		its socket, -1 if none
 * @replying:	request complete (or bad): writing the reply
 * @done:	nothing more to add to the reply than what's in @out
 * @deadline:	time it must make progress by, ms
 * @in_len:	bytes of request in @in
 * @out_len:	bytes of reply in @out
 * @out_off:	bytes of @out sent
 * @phase:	reply generator: what it lists now
 * @cursor:	reply generator: where it is in that list
 * @emitted:	reply generator: items written so far (JSON commas)
 * @req:	the parsed request
 * @in:		request as received
 * @out:	reply, a part at a time
 */
struct ctl_client {
	int fd;
	bool replying;
	bool done;
	uint64_t deadline;
	size_t in_len;
	size_t out_len;
	size_t out_off;
	int phase;
	int cursor;
	int emitted;
	char in[CTL_REQ_MAX];
	struct ctl_req req;
	char out[CTL_OUT_MAX];
};

void ctl_handlers_init(const struct ctx *c);
void ctl_request_run(struct ctx *c, struct ctl_client *cl);
void ctl_reply_fill(struct ctx *c, struct ctl_client *cl);
__attribute__((format(printf, 2, 3)))
void ctl_reply_error(struct ctl_client *cl, const char *fmt, ...);

#endif /* CTL_CTL_INT_H */
