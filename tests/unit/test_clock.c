// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_clock.c - clock_due(): a periodic timer runs once its period has
 * passed, or a tick's slack before, never sooner, and a timer whose period
 * is the tick's (a second, the idle tick) runs on every tick
 */

#include <stdbool.h>
#include <stdint.h>

#include "unit.h"
#include "util/clock.h"

TEST(due_after_period)
{
	CHECK(clock_due(11000, 10000, 1000));
	CHECK(clock_due(15000, 10000, 1000));
	CHECK(!clock_due(10000, 10000, 1000));
	CHECK(!clock_due(10500, 10000, 1000));
}

TEST(due_within_slack)
{
	/* A one-second tick read 1 ms earlier in its period than the last
	 * one: the timer still runs, not a second later
	 */
	CHECK(clock_due(10999, 10000, 1000));
	CHECK(clock_due(10000 + 1000 - CLOCK_TICK_SLACK_MS, 10000, 1000));
	CHECK(!clock_due(10000 + 1000 - CLOCK_TICK_SLACK_MS - 1, 10000, 1000));
}

TEST(idle_tick_runs_every_tick)
{
	/* Ticks a second apart, each read up to 20 ms late: a one-second timer
	 * runs on each of them
	 */
	static const uint64_t late[] = { 20, 0, 13, 1, 20, 2, 0 };
	uint64_t last = 0;
	unsigned int i, runs = 0;

	for (i = 0; i < sizeof(late) / sizeof(late[0]); i++) {
		uint64_t now = (uint64_t)(i + 1) * 1000 + late[i];

		if (clock_due(now, last, 1000)) {
			last = now;
			runs++;
		}
	}
	CHECK_EQ(runs, sizeof(late) / sizeof(late[0]));
}

TEST(fast_tick_no_early_runs)
{
	/* 50 ms ticks: a one-second timer runs about once a second, never
	 * at a tick earlier than the slack allows
	 */
	uint64_t last = 0, now;
	unsigned int runs = 0;

	for (now = 50; now <= 10000; now += 50) {
		if (clock_due(now, last, 1000)) {
			CHECK(now - last >= 1000 - CLOCK_TICK_SLACK_MS);
			last = now;
			runs++;
		}
	}
	CHECK_EQ(runs, 10);
}

UNIT_MAIN()
