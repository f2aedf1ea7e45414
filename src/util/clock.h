/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * clock.h - the monotonic clock in milliseconds, for flow timers
 */
#ifndef UTIL_CLOCK_H
#define UTIL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Test-only builds (make build/test/passt-fasttime) run the flow clock
 * TEST_TIME_SCALE times faster, so that tests see idle flows expire in
 * seconds; the normal build has no way to change it
 */
#ifndef TEST_TIME_SCALE
#define TEST_TIME_SCALE		1
#endif

#ifdef FUZZING
/* Fuzz builds only: the fuzzer moves the flow clock forward by this much, so
 * that handshake, retransmission and idle timers fire when it asks
 */
__attribute__((weak)) uint64_t clock_fuzz_offset_ms;
#define CLOCK_FUZZ_OFFSET_MS	clock_fuzz_offset_ms
#else
#define CLOCK_FUZZ_OFFSET_MS	0
#endif

/**
 * now_ms() - monotonic time in milliseconds
 *
 * Return: milliseconds
 */
static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000) *
	       TEST_TIME_SCALE + CLOCK_FUZZ_OFFSET_MS;
}

/* CLOCK_TICK_SLACK_MS - how early a periodic timer may run: the main loop
 * reads its tick a little later or earlier in each period, and a timer whose
 * period is the tick's (a second, when idle) must not skip every other one
 */
#define CLOCK_TICK_SLACK_MS	25

/**
 * clock_due() - has a periodic timer's period passed
 * @now:	now, from now_ms()
 * @last:	when it last ran
 * @period:	its period, ms
 *
 * Return: true if it's time to run it again
 */
static inline bool clock_due(uint64_t now, uint64_t last, uint64_t period)
{
	return now - last + CLOCK_TICK_SLACK_MS >= period;
}

#endif /* UTIL_CLOCK_H */
