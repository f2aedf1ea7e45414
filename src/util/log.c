// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - logging to standard error, a size-limited file or the system logger
 *
 * Theory of operation: every message goes through log_msg(), which formats it
 * once into a static buffer and writes it to the sinks that are on:
 *
 *  - standard error, as "name: message\n" (with -e, -d, -f, or when stderr
 *    isn't a terminal; turned off when stderr turns out to be a dead pipe);
 *  - the system logger, through syslog(3), opened with LOG_NDELAY at start-up
 *    so that no path is needed later on;
 *  - a log file (-l), with a timestamp per line. The file has a mandatory
 *    size limit: once a write would exceed it, the older half of the file is
 *    dropped by moving the newer half to the start (pread/pwrite through a
 *    static buffer, then ftruncate), so memory use stays constant.
 *
 * A log file replaces both other sinks, as the man page says.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>
#include <sys/stat.h>

#include "util/file.h"
#include "util/log.h"
#include "util/util.h"

bool log_trace_on;

/**
 * log_limit_pass() - may a rate-limited line be logged now?
 * @l:		state of this kind of line
 * @now:	current time, ms (now_ms())
 * @burst:	lines allowed per window
 * @window_ms:	window length, ms
 *
 * When a new window starts, @l->dropped tells how many lines the one before
 * it left out, so that the caller can say so once.
 *
 * Return: true if the caller should log its line
 */
bool log_limit_pass(struct log_limit *l, uint64_t now, unsigned int burst,
		    unsigned int window_ms)
{
	if (!l->window_start || now - l->window_start >= window_ms) {
		l->dropped = l->count > burst ? l->count - burst : 0;
		l->window_start = now ? now : 1;
		l->count = 0;
	}
	return ++l->count <= burst;
}

static const char *log_name = "passt";
static int log_level = LOG_INFO;
static bool log_stderr_on = true;
static bool log_syslog_on;
static bool log_syslog_open;
static int log_file_fd = -1;
static size_t log_file_max;
static size_t log_file_size;

#define LOG_LINE_MAX	1024

/**
 * log_set_name() - set the program name used as prefix and syslog identity
 * @name:	"passt" or "pasta"
 */
void log_set_name(const char *name)
{
	log_name = name;
}

/**
 * log_set_level() - set the maximum level that is logged
 * @level:	LOG_ERR ... LOG_DEBUG, or LOG_TRACE
 */
void log_set_level(int level)
{
	log_level = level;
	log_trace_on = level >= LOG_TRACE;
}

/**
 * log_to_stderr() - turn logging to standard error on or off
 * @on:		new state
 */
void log_to_stderr(bool on)
{
	log_stderr_on = on;
}

/**
 * log_stderr_active() - tell whether messages go to standard error
 *
 * Return: true if they do
 */
bool log_stderr_active(void)
{
	return log_stderr_on;
}

/**
 * log_stderr_closed() - standard error can't be written any longer
 */
void log_stderr_closed(void)
{
	log_stderr_on = false;
}

/**
 * log_to_syslog() - turn logging to the system logger on or off
 * @on:		new state: opens the logger connection at once when true
 */
void log_to_syslog(bool on)
{
	/* Without a system logger, syslog(3) would try to connect again for
	 * every message: three system calls each, for nothing
	 */
	if (on && !log_syslog_open && access(_PATH_LOG, W_OK))
		on = false;
	log_syslog_on = on;
	if (on && !log_syslog_open) {
		/* No LOG_PID: it costs a getpid() per message, which the
		 * seccomp filter would have to allow, and in passt's own PID
		 * namespace the number would be 1. The system logger knows
		 * our real PID from the socket's credentials anyway.
		 */
		openlog(log_name, LOG_NDELAY, LOG_DAEMON);
		log_syslog_open = true;
	}
}

/**
 * log_open_file() - log to a file instead of standard error and syslog
 * @path:	file path, created with mode 0600 if missing, truncated; see
 *		file_open_output() for what's refused
 * @max_size:	size limit for the file, at least 4 KiB
 *
 * Return: 0 on success, -errno on failure
 */
int log_open_file(const char *path, size_t max_size)
{
	/* Read and write: rotation reads back the newer half */
	int fd = file_open_output(path, true, 0600);

	if (fd < 0)
		return fd;

	log_file_fd = fd;
	log_file_max = max_size;
	log_file_size = 0;
	log_stderr_on = false;
	log_syslog_on = false;
	return 0;
}

/**
 * log_file_make_room() - drop the older half of the log file
 * @need:	bytes the next write needs
 *
 * #syscalls pread64 pwrite64 ftruncate
 */
static void log_file_make_room(size_t need)
{
	static char buf[8192];
	size_t keep = log_file_max / 2, from, to = 0;
	ssize_t n;

	if (need > keep)
		keep = 0;
	if (keep > log_file_size)
		keep = log_file_size;
	from = log_file_size - keep;

	/* Start on a line boundary so that no half line is kept */
	while (keep) {
		n = pread(log_file_fd, buf, MIN(sizeof(buf), keep), from);
		if (n <= 0)
			break;
		char *nl = memchr(buf, '\n', n);

		if (nl) {
			from += nl - buf + 1;
			keep -= nl - buf + 1;
			break;
		}
		from += n;
		keep -= n;
	}

	while (keep) {
		n = pread(log_file_fd, buf, MIN(sizeof(buf), keep), from);
		if (n <= 0)
			break;
		if (pwrite(log_file_fd, buf, n, to) != n)
			break;
		from += n;
		to += n;
		keep -= n;
	}

	if (ftruncate(log_file_fd, to) == 0)
		log_file_size = to;
}

/**
 * log_file_write() - append a line to the log file, within its size limit
 * @line:	formatted line, with newline
 * @len:	its length
 */
static void log_file_write(const char *line, size_t len)
{
	ssize_t n;

	if (len > log_file_max)
		return;
	if (log_file_size + len > log_file_max)
		log_file_make_room(len);

	n = pwrite(log_file_fd, line, len, log_file_size);
	if (n > 0)
		log_file_size += n;
}

/**
 * log_msg() - log a message to the active sinks, if its level is enabled
 * @level:	syslog-style level, or LOG_TRACE
 * @fmt:	printf-style format, no trailing newline needed
 *
 * #syscalls writev sendto
 */
void log_msg(int level, const char *fmt, ...)
{
	static char line[LOG_LINE_MAX];
	int saved_errno = errno;
	size_t pre = 0, len;
	va_list ap;
	int n;

	if (level > log_level)
		return;

	if (log_file_fd >= 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		n = snprintf(line, sizeof(line), "%lld.%04ld %s: ",
			     (long long)ts.tv_sec, ts.tv_nsec / 100000,
			     log_name);
	} else {
		n = snprintf(line, sizeof(line), "%s: ", log_name);
	}
	pre = n > 0 ? (size_t)n : 0;

	va_start(ap, fmt);
	n = vsnprintf(line + pre, sizeof(line) - pre - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	len = MIN(pre + (size_t)n, sizeof(line) - 2);
	while (len > pre && line[len - 1] == '\n')
		len--;
	line[len++] = '\n';
	line[len] = '\0';

	if (log_file_fd >= 0)
		log_file_write(line, len);

	if (log_stderr_on) {
		struct iovec iov = { .iov_base = line, .iov_len = len };

		/* writev(), as for capture files: one call less to allow */
		if (writev(STDERR_FILENO, &iov, 1) < 0 &&
		    (errno == EPIPE || errno == EBADF))
			log_stderr_closed();
	}

	if (log_syslog_on)
		syslog(level > LOG_DEBUG ? LOG_DEBUG : level, "%.*s",
		       (int)(len - pre - 1), line + pre);

	errno = saved_errno;
}

/**
 * log_perror() - log an error message with the description of errno
 * @what:	what failed
 */
void log_perror(const char *what)
{
	log_err("%s: %s", what, strerror(errno));
}
