// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_userdb.c - users and groups from files like /etc/passwd and
 * /etc/group: lines that parse, lines that don't, and lookups by name and
 * by ID in a file written for the test
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "util/userdb.h"

TEST(passwd_line)
{
	char line[] = "alice:x:1000:100:Alice,,,:/home/alice:/bin/zsh";
	struct userdb_ent e;

	CHECK(userdb_parse_line(line, true, &e));
	CHECK_STR(e.name, "alice");
	CHECK_EQ(e.id, 1000);
	CHECK_EQ(e.gid, 100);
	CHECK_STR(e.shell, "/bin/zsh");
}

TEST(passwd_line_short)
{
	char no_shell[] = "bob:x:1001:1001";
	char empty_shell[] = "carol:x:1002:1002:::";
	char three[] = "dave:x:1003";
	struct userdb_ent e;

	CHECK(userdb_parse_line(no_shell, true, &e));
	CHECK_EQ(e.gid, 1001);
	CHECK_STR(e.shell, "");
	CHECK(userdb_parse_line(empty_shell, true, &e));
	CHECK_STR(e.shell, "");
	CHECK(!userdb_parse_line(three, true, &e));
}

TEST(passwd_line_bad)
{
	const char *bad[] = {
		"", ":x:1:1::/:/bin/sh", "eve:x::1::/:/bin/sh",
		"eve:x:1:::/:/bin/sh", "eve:x:-1:1::/:/bin/sh",
		"eve:x: 1:1::/:/bin/sh", "eve:x:1x:1::/:/bin/sh",
		"eve:x:4294967295:1::/:/bin/sh",
		"eve:x:99999999999999999999:1::/:/bin/sh", "# comment",
		"+:::::", "eve",
	};
	struct userdb_ent e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *copy = strdup(bad[i]);

		CHECK(!userdb_parse_line(copy, true, &e));
		free(copy);
	}
}

TEST(group_line)
{
	static const struct {
		const char *line;
		int id;		/* -1: doesn't parse */
	} cases[] = {
		{ "staff:x:50:alice,bob", 50 },
		{ "users:x:100:", 100 },
		{ "wheel:x:10", 10 },
		{ "wheel:x:ten:", -1 },
		{ "wheel:x", -1 },
		{ ":x:10:", -1 },
	};
	struct userdb_ent e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *copy = strdup(cases[i].line);
		bool ok = userdb_parse_line(copy, false, &e);

		CHECK_EQ(ok, cases[i].id >= 0);
		if (ok) {
			CHECK_EQ(e.id, cases[i].id);
			CHECK_EQ(e.gid, cases[i].id);
			CHECK(!strncmp(cases[i].line, e.name, strlen(e.name)));
		}
		free(copy);
	}
}

/* Write @text to a new temporary file, return its path (static buffer) */
static const char *tmpfile_with(const char *text)
{
	static char path[] = "/tmp/test_userdb.XXXXXX";
	int fd;

	strcpy(path, "/tmp/test_userdb.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

TEST(find_passwd)
{
	char longline[USERDB_LINE_MAX + 100], text[USERDB_LINE_MAX + 1000];
	char buf[USERDB_LINE_MAX];
	struct userdb_ent e;
	const char *path;

	/* A line longer than the buffer, naming "nobody" in its first part:
	 * skipped whole, its tail not taken as a line of its own
	 */
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "nobody:x:1:1:", 13);
	memcpy(longline + sizeof(longline) - 30, ":x:7:7::/:/bin/tail", 19);
	snprintf(text, sizeof(text),
		 "root:x:0:0:root:/root:/bin/bash\n"
		 "broken line\n"
		 "%s\n"
		 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
		 "nobody:x:5:5::/:/bin/sh\n"
		 "last:x:42:43::/:/bin/dash", longline);
	path = tmpfile_with(text);

	CHECK_EQ(userdb_find(path, true, "nobody", 0, &e, buf, sizeof(buf)),
		 0);
	CHECK_EQ(e.id, 65534);
	CHECK_EQ(e.gid, 65534);
	CHECK_EQ(userdb_find(path, true, NULL, 0, &e, buf, sizeof(buf)), 0);
	CHECK_STR(e.name, "root");
	CHECK_STR(e.shell, "/bin/bash");
	/* The last line has no newline */
	CHECK_EQ(userdb_find(path, true, "last", 0, &e, buf, sizeof(buf)), 0);
	CHECK_EQ(e.gid, 43);
	CHECK_STR(e.shell, "/bin/dash");
	CHECK_EQ(userdb_find(path, true, NULL, 7, &e, buf, sizeof(buf)),
		 -ENOENT);
	CHECK_EQ(userdb_find(path, true, "nosuch", 0, &e, buf, sizeof(buf)),
		 -ENOENT);
	unlink(path);

	CHECK_EQ(userdb_find(path, true, "root", 0, &e, buf, sizeof(buf)),
		 -ENOENT);
}

TEST(find_group)
{
	char buf[USERDB_LINE_MAX];
	struct userdb_ent e;
	const char *path;

	path = tmpfile_with("root:x:0:\nstaff:x:50:alice\nusers:x:100:\n");
	CHECK_EQ(userdb_find(path, false, "users", 0, &e, buf, sizeof(buf)),
		 0);
	CHECK_EQ(e.id, 100);
	CHECK_EQ(userdb_find(path, false, "alice", 0, &e, buf, sizeof(buf)),
		 -ENOENT);
	unlink(path);
}

UNIT_MAIN()
