/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * unit.h - a minimal unit test harness
 *
 * A test program defines functions registered with TEST(), then ends with
 * UNIT_MAIN(). Each CHECK() that fails prints where and why, and marks the
 * current test failed; the program prints "N passed, N failed" and exits
 * non-zero if any test failed.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

extern int unit_failed_checks;

#define MAX_UNIT_TESTS	256
extern struct unit_test unit_tests[MAX_UNIT_TESTS];
extern int unit_test_count;

#define TEST(name)							\
	static void name(void);						\
	__attribute__((constructor)) static void register_##name(void)	\
	{								\
		if (unit_test_count < MAX_UNIT_TESTS)			\
			unit_tests[unit_test_count++] =			\
				(struct unit_test){ #name, name };	\
	}								\
	static void name(void)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
			unit_failed_checks++;				\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		if (a_ != b_) {						\
			fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);	\
			unit_failed_checks++;				\
		}							\
	} while (0)

#define CHECK_MEM(a, b, n)	CHECK(memcmp((a), (b), (n)) == 0)
#define CHECK_STR(a, b)		CHECK(strcmp((a), (b)) == 0)

#define UNIT_MAIN()							\
	int unit_failed_checks;						\
	struct unit_test unit_tests[MAX_UNIT_TESTS];			\
	int unit_test_count;						\
	int main(void)							\
	{								\
		int passed = 0, failed = 0, i;				\
		for (i = 0; i < unit_test_count; i++) {			\
			int before = unit_failed_checks;		\
			unit_tests[i].fn();				\
			if (unit_failed_checks != before) {		\
				printf("FAIL %s\n", unit_tests[i].name);\
				failed++;				\
			} else {					\
				passed++;				\
			}						\
		}							\
		printf("%d passed, %d failed\n", passed, failed);	\
		return failed ? 1 : 0;					\
	}

#endif /* UNIT_H */
