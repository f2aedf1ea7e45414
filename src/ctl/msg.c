// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msg.c - the control socket's messages, shared by passt/pasta and pesto
 *
 * Theory of operation
 * -------------------
 *
 * A request is text, one item a line, each line ending with '\n':
 *
 *	pesto 1				version: always the first line
 *	replace t SPEC			changes, in order: replace, add,
 *	add u SPEC			delete a table's rules (t, u, T, U:
 *	delete T SPEC			the option letters)
 *	clear host | clear splice	empty -t and -u, or -T and -U
 *	egress allow SPEC		the egress policy: all such lines
 *	egress deny SPEC		of a request replace it, as its
 *	egress default allow|deny	options would (default: allow)
 *	show | flows | stats | egress	at most one query
 *	json				reply to flows or stats in JSON
 *	end				always the last line
 *
 * SPEC is a port forwarding specification as the command line takes it,
 * checked here only for its characters (printable ASCII, no spaces) and
 * length; passt and pesto parse it with policy/portspec.c.
 *
 * The reply, once the request is complete, is a first line "ok" or "error
 * MESSAGE", then the requested listing, one item a line, and the end of the
 * stream: the server closes the connection once it's written.
 *
 * ctl_req_parse() is the only code that reads what a client sends: pure,
 * bounded, allocation-free, and fuzzed (tests/fuzz/fuzz_ctl.c). It tells a
 * request that isn't complete yet (no "end" line) from a bad one, so that
 * the server can read in pieces and answer as soon as it has the whole.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl/msg.h"

/**
 * req_fail() - format an error message
 * @err:	buffer, may be NULL
 * @errlen:	size of @err
 * @fmt:	format string, then arguments
 *
 * Return: -EINVAL
 */
__attribute__((format(printf, 3, 4)))
static int req_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/**
 * ctl_spec_valid() - is a specification fit for a request line?
 * @spec:	specification, NUL-terminated
 *
 * Return: true if 1 to CTL_SPEC_MAX - 1 printable ASCII characters, no
 *	   spaces
 */
bool ctl_spec_valid(const char *spec)
{
	size_t i;

	for (i = 0; spec[i]; i++) {
		if (i >= CTL_SPEC_MAX - 1 || spec[i] <= ' ' || spec[i] > '~')
			return false;
	}
	return i > 0;
}

/**
 * line_is() - does a line equal a word?
 * @l:		start of the line
 * @len:	its length, without '\n'
 * @word:	NUL-terminated word
 *
 * Return: true if equal
 */
static bool line_is(const char *l, size_t len, const char *word)
{
	return len == strlen(word) && !memcmp(l, word, len);
}

/**
 * change_add() - add a change with a specification to a request
 * @req:	request
 * @op:		enum ctl_op
 * @table:	table, side or kind, see struct ctl_change
 * @spec:	specification, not NUL-terminated
 * @speclen:	its length
 * @err:	buffer for a message
 * @errlen:	size of @err
 *
 * Return: pointer to the change, added, or NULL if the specification is too
 *	   long or bad, or the request full (message in @err)
 */
static struct ctl_change *change_add(struct ctl_req *req, enum ctl_op op,
				     size_t table, const char *spec,
				     size_t speclen, char *err, size_t errlen)
{
	struct ctl_change *ch;

	if (speclen >= CTL_SPEC_MAX) {
		req_fail(err, errlen, "Specification too long (max %d "
			 "characters)", CTL_SPEC_MAX - 1);
		return NULL;
	}
	if (req->n >= CTL_CHANGES_MAX) {
		req_fail(err, errlen, "Too many changes (max %d)",
			 CTL_CHANGES_MAX);
		return NULL;
	}
	ch = &req->ch[req->n];
	ch->op = (uint8_t)op;
	ch->table = (uint8_t)table;
	memcpy(ch->spec, spec, speclen);
	ch->spec[speclen] = '\0';
	if (!ctl_spec_valid(ch->spec)) {
		req_fail(err, errlen, "Invalid characters in specification");
		return NULL;
	}
	req->n++;
	return ch;
}

/**
 * parse_egress() - parse an "egress allow|deny SPEC" or "egress default
 *		    allow|deny" line
 * @l:		start of the line
 * @len:	its length, without '\n'
 * @req:	request to add the change to
 * @err:	buffer for a message
 * @errlen:	size of @err
 *
 * Return: 0 if the line is one (added), 1 if it's not one, -EINVAL if it's
 *	   a bad one
 */
static int parse_egress(const char *l, size_t len, struct ctl_req *req,
			char *err, size_t errlen)
{
	static const char *const kinds[] = {
		[CTL_EGRESS_ALLOW]	= "egress allow ",
		[CTL_EGRESS_DENY]	= "egress deny ",
		[CTL_EGRESS_DEFAULT]	= "egress default ",
	};
	struct ctl_change *ch;
	size_t i, n;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		n = strlen(kinds[i]);
		if (len > n && !memcmp(l, kinds[i], n))
			break;
	}
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return 1;

	ch = change_add(req, CTL_OP_EGRESS, i, l + n, len - n, err, errlen);
	if (!ch)
		return -EINVAL;
	if (i == CTL_EGRESS_DEFAULT && strcmp(ch->spec, "allow") &&
	    strcmp(ch->spec, "deny"))
		return req_fail(err, errlen, "Egress default must be allow "
				"or deny");
	return 0;
}

/**
 * parse_change() - parse a "replace|add|delete TABLE SPEC" line
 * @l:		start of the line
 * @len:	its length, without '\n'
 * @req:	request to add the change to
 * @err:	buffer for a message
 * @errlen:	size of @err
 *
 * Return: 0 if the line is a change (added), 1 if it's not one, -EINVAL if
 *	   it's a bad one
 */
static int parse_change(const char *l, size_t len, struct ctl_req *req,
			char *err, size_t errlen)
{
	static const char *const ops[] = { "replace ", "add ", "delete " };
	const char *letter;
	size_t i, n;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		n = strlen(ops[i]);
		if (len > n && !memcmp(l, ops[i], n))
			break;
	}
	if (i == sizeof(ops) / sizeof(ops[0]))
		return parse_egress(l, len, req, err, errlen);

	/* TABLE, one space, SPEC */
	if (len < n + 3 || l[n + 1] != ' ' || !l[n] ||
	    !(letter = strchr(CTL_TABLE_LETTERS, l[n])))
		return req_fail(err, errlen, "Bad table in '%.*s'",
				(int)(len > 64 ? 64 : len), l);
	if (!change_add(req, (enum ctl_op)(CTL_OP_REPLACE + i),
			(size_t)(letter - CTL_TABLE_LETTERS), l + n + 2,
			len - n - 2, err, errlen))
		return -EINVAL;
	return 0;
}

/**
 * ctl_req_parse() - parse a request, complete or not
 * @buf:	bytes received so far
 * @len:	their number
 * @req:	request, filled
 * @err:	buffer for a message, may be NULL
 * @errlen:	size of @err
 *
 * Return: 0 for a complete, valid request; -EAGAIN if valid so far but
 *	   without its "end" line yet (and shorter than CTL_REQ_MAX);
 *	   -EINVAL for a bad one, with a message
 */
int ctl_req_parse(const char *buf, size_t len, struct ctl_req *req,
		  char *err, size_t errlen)
{
	const char *p = buf, *e = buf + len;
	bool first = true;
	int rc;

	memset(req, 0, offsetof(struct ctl_req, ch));

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t l;

		if (!nl)
			break;
		l = (size_t)(nl - p);

		if (first) {
			if (!line_is(p, l, CTL_MAGIC))
				return req_fail(err, errlen, "Not a control "
						"request (or another "
						"version)");
			first = false;
		} else if (line_is(p, l, CTL_END)) {
			if (nl + 1 != e)
				return req_fail(err, errlen, "Data after the "
						"end of the request");
			return 0;
		} else if (line_is(p, l, "show") || line_is(p, l, "flows") ||
			   line_is(p, l, "stats") || line_is(p, l, "egress")) {
			if (req->query != CTL_Q_NONE)
				return req_fail(err, errlen, "More than one "
						"query");
			req->query = *p == 's' ? (p[1] == 'h' ? CTL_Q_SHOW :
							       CTL_Q_STATS) :
				     *p == 'e' ? CTL_Q_EGRESS : CTL_Q_FLOWS;
		} else if (line_is(p, l, "json")) {
			req->json = true;
		} else if (line_is(p, l, "clear host") ||
			   line_is(p, l, "clear splice")) {
			if (req->n >= CTL_CHANGES_MAX)
				return req_fail(err, errlen, "Too many "
						"changes (max %d)",
						CTL_CHANGES_MAX);
			req->ch[req->n].op = CTL_OP_CLEAR;
			req->ch[req->n].table = l == strlen("clear host") ?
						CTL_PIF_HOST : CTL_PIF_SPLICE;
			req->ch[req->n].spec[0] = '\0';
			req->n++;
		} else if ((rc = parse_change(p, l, req, err, errlen))) {
			if (rc < 0)
				return rc;
			return req_fail(err, errlen, "Unknown request line "
					"'%.*s'", (int)(l > 32 ? 32 : l), p);
		}
		p = nl + 1;
	}

	if (len >= CTL_REQ_MAX)
		return req_fail(err, errlen, "Request too long (max %d bytes)",
				CTL_REQ_MAX);
	if (first && len && (len > strlen(CTL_MAGIC) ||
			     memcmp(buf, CTL_MAGIC, len)))
		return req_fail(err, errlen, "Not a control request (or "
				"another version)");
	return -EAGAIN;
}

/**
 * ctl_req_fmt() - write a request as sent on the socket
 * @req:	request
 * @buf:	output buffer
 * @size:	size of @buf
 *
 * Return: length written (no NUL counted), -1 if it doesn't fit or a
 *	   specification isn't valid
 */
int ctl_req_fmt(const struct ctl_req *req, char *buf, size_t size)
{
	static const char *const ops[] = { "replace", "add", "delete" };
	static const char *const queries[] = { "", "show\n", "flows\n",
					       "stats\n", "egress\n" };
	static const char *const egress[] = { "allow", "deny", "default" };
	size_t pos = 0;
	int i, n;

	if (size > CTL_REQ_MAX - 1)
		size = CTL_REQ_MAX - 1;

	n = snprintf(buf, size, "%s\n", CTL_MAGIC);
	if (n < 0 || (size_t)n >= size)
		return -1;
	pos = (size_t)n;

	for (i = 0; i < req->n && i < CTL_CHANGES_MAX; i++) {
		const struct ctl_change *ch = &req->ch[i];

		if (ch->op == CTL_OP_CLEAR) {
			n = snprintf(buf + pos, size - pos, "clear %s\n",
				     ch->table == CTL_PIF_HOST ? "host" :
								 "splice");
		} else if (ch->op == CTL_OP_EGRESS) {
			if (ch->table > CTL_EGRESS_DEFAULT ||
			    !ctl_spec_valid(ch->spec))
				return -1;
			n = snprintf(buf + pos, size - pos, "egress %s %s\n",
				     egress[ch->table], ch->spec);
		} else {
			if (ch->op > CTL_OP_DELETE ||
			    ch->table >= CTL_TABLES ||
			    !ctl_spec_valid(ch->spec))
				return -1;
			n = snprintf(buf + pos, size - pos, "%s %c %s\n",
				     ops[ch->op], CTL_TABLE_LETTERS[ch->table],
				     ch->spec);
		}
		if (n < 0 || (size_t)n >= size - pos)
			return -1;
		pos += (size_t)n;
	}
	if (i < req->n)
		return -1;

	n = snprintf(buf + pos, size - pos, "%s%s%s\n",
		     req->query <= CTL_Q_EGRESS ? queries[req->query] : "",
		     req->json ? "json\n" : "", CTL_END);
	if (n < 0 || (size_t)n >= size - pos)
		return -1;
	return (int)(pos + (size_t)n);
}
