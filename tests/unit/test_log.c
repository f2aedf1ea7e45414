// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_log.c - unit tests for the size-limited log file (--log-size) and the
 * rate limit of log lines
 */

#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "util/log.h"
#include "unit.h"

TEST(log_file_stays_within_limit)
{
	char path[] = "/tmp/passt-test-log-XXXXXX", buf[8192];
	struct stat st;
	int fd = mkstemp(path), i;
	ssize_t n;
	FILE *f;

	CHECK(fd >= 0);
	close(fd);
	log_set_level(LOG_INFO);
	CHECK_EQ(log_open_file(path, 4096), 0);

	for (i = 0; i < 1000; i++)
		log_info("line %04i of a log that outgrows its limit", i);

	CHECK_EQ(stat(path, &st), 0);
	CHECK(st.st_size <= 4096);
	CHECK(st.st_size > 1024);

	/* The newest line is kept, and the file starts on a whole line */
	f = fopen(path, "r");
	CHECK(f != NULL);
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strstr(buf, "line 0999 of a log") != NULL);
	CHECK(strstr(buf, "line 0000 of a log") == NULL);
	CHECK(strncmp(buf + strspn(buf, "0123456789."), " passt: line ",
		      13) == 0);
	unlink(path);
}

TEST(log_limit_window)
{
	struct log_limit l = { 0 };
	int i, passed = 0;

	/* A burst of 3 in a window of 1000 ms, starting at 10 s */
	for (i = 0; i < 10; i++)
		passed += log_limit_pass(&l, 10000, 3, 1000);
	CHECK_EQ(passed, 3);
	CHECK_EQ(l.dropped, 0);

	/* Still the same window just before its end */
	CHECK(!log_limit_pass(&l, 10999, 3, 1000));

	/* The next window passes again, and knows what the last one left out */
	CHECK(log_limit_pass(&l, 11000, 3, 1000));
	CHECK_EQ(l.dropped, 8);
	CHECK(log_limit_pass(&l, 11500, 3, 1000));
	CHECK(log_limit_pass(&l, 11999, 3, 1000));
	CHECK(!log_limit_pass(&l, 11999, 3, 1000));

	/* A quiet window in between: nothing left out of the one before */
	CHECK(log_limit_pass(&l, 15000, 3, 1000));
	CHECK_EQ(l.dropped, 1);
	CHECK(log_limit_pass(&l, 17000, 3, 1000));
	CHECK_EQ(l.dropped, 0);
}

UNIT_MAIN()
