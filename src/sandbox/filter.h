/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * filter.h - the seccomp allow-list as data, and the BPF program built from it
 */
#ifndef SANDBOX_FILTER_H
#define SANDBOX_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#include "util/util.h"

#define SANDBOX_VALS_MAX	16	/* values one check compares with */
#define SANDBOX_CONDS_MAX	4	/* checks in one alternative */

/**
 * struct sandbox_cond - one argument check: (arg & mask) is one of the values
 * @arg:	argument number, 0 to 5; its low 32 bits are compared
 * @mask:	bits compared
 * @nval:	number of values
 * @val:	values, after masking
 */
struct sandbox_cond {
	unsigned int arg;
	uint32_t mask;
	unsigned int nval;
	uint32_t val[SANDBOX_VALS_MAX];
};

/**
 * struct sandbox_rule - checks that all hold for one way to use a call
 * @ncond:	number of checks
 * @cond:	checks
 */
struct sandbox_rule {
	unsigned int ncond;
	struct sandbox_cond cond[SANDBOX_CONDS_MAX];
};

/**
 * struct sandbox_call - an allowed system call
 * @nr:		its number
 * @name:	its name
 * @err:	errno for a call no rule allows, 0 to kill the process
 * @nrule:	number of rules, 0 to allow any arguments
 * @rule:	rules: the call is allowed if any holds
 */
struct sandbox_call {
	long nr;
	const char *name;
	int err;
	size_t nrule;
	const struct sandbox_rule *rule;
};

int sandbox_filter_build(const struct sandbox_call *calls, size_t n,
			 uint32_t audit_arch, uint32_t default_action,
			 struct sock_filter *f, size_t cap);

#endif /* SANDBOX_FILTER_H */
