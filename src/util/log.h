/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * log.h - logging to standard error, a size-limited file or the system logger
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/* Verbosity: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG, and
 * LOG_TRACE (one packet a line) above them
 */
#define LOG_TRACE	(LOG_DEBUG + 1)

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_perror(const char *what);

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_trace(...)						\
	do {							\
		if (log_trace_on)				\
			log_msg(LOG_TRACE, __VA_ARGS__);	\
	} while (0)

extern bool log_trace_on;

/**
 * struct log_limit - rate limit for one kind of log line
 * @window_start:	start of the current window, ms, 0 if none yet
 * @count:		lines asked for in the current window
 * @dropped:		lines left out in the window before the current one
 */
struct log_limit {
	uint64_t window_start;
	unsigned int count;
	unsigned int dropped;
};

bool log_limit_pass(struct log_limit *l, uint64_t now, unsigned int burst,
		    unsigned int window_ms);

void log_set_name(const char *name);
void log_set_level(int level);
void log_to_stderr(bool on);
void log_to_syslog(bool on);
int log_open_file(const char *path, size_t max_size);
void log_stderr_closed(void);
bool log_stderr_active(void);

#endif /* UTIL_LOG_H */
