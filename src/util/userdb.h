/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * userdb.h - users and groups from /etc/passwd and /etc/group
 */
#ifndef UTIL_USERDB_H
#define UTIL_USERDB_H

#include <stdbool.h>
#include <stddef.h>

#define USERDB_PASSWD		"/etc/passwd"
#define USERDB_GROUP		"/etc/group"
#define USERDB_LINE_MAX		4096

/**
 * struct userdb_ent - a line of /etc/passwd or /etc/group
 * @name:	user or group name
 * @id:		user ID (/etc/passwd) or group ID (/etc/group)
 * @gid:	primary group ID (/etc/passwd), @id again (/etc/group)
 * @shell:	login shell (/etc/passwd), "" if none
 */
struct userdb_ent {
	const char *name;
	unsigned int id;
	unsigned int gid;
	const char *shell;
};

bool userdb_id(const char *s, unsigned int *id);
bool userdb_parse_line(char *line, bool passwd, struct userdb_ent *e);
int userdb_find(const char *path, bool passwd, const char *name,
		unsigned int id, struct userdb_ent *e, char *buf, size_t len);

#endif /* UTIL_USERDB_H */
