/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sandbox.h - what the process gives up once it's set up: user, namespaces,
 * capabilities, system calls
 */
#ifndef SANDBOX_SANDBOX_H
#define SANDBOX_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

struct ctx;

int sandbox_runas_parse(const char *spec, uid_t *uid, gid_t *gid);
void sandbox_runas(const struct ctx *c);
void sandbox_userns(const struct ctx *c);
bool sandbox_pidns(const struct ctx *c);
void sandbox_isolate(const struct ctx *c);
void sandbox_seccomp(const struct ctx *c);

#endif /* SANDBOX_SANDBOX_H */
