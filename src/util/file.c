// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * file.c - output files opened at start-up, possibly as root
 *
 * Theory of operation: the PID, capture and log files are opened before the
 * process changes to the --runas user, so, when started as root, with
 * root's rights, at paths the user gives, in directories other users may
 * write to. Opening them must never become a way to damage another file:
 *
 *   - the last path component is never followed if it's a symbolic link
 *     (O_NOFOLLOW: a link planted at the path makes the open fail);
 *   - nothing is truncated before we know what was opened: a file that
 *     exists must be a regular file owned by our effective user, or it's
 *     refused (a device, a FIFO, another user's file, a hard link to a
 *     file of root's from a user's directory);
 *   - FIFOs can't block the start-up: the open is non-blocking.
 *
 * A new file is created with the mode asked for, owned by us.
 */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "util/file.h"

/**
 * file_open_output() - open an output file for writing, from its start
 * @path:	file path
 * @rdwr:	open for reading too (the log file reads back what it keeps)
 * @mode:	permissions of a new file
 *
 * Return: descriptor (close-on-exec), truncated to zero length, or -ELOOP
 *	   for a symbolic link, -EINVAL for something that isn't a regular
 *	   file, -EPERM for a file owned by another user, another -errno from
 *	   open()
 */
int file_open_output(const char *path, bool rdwr, mode_t mode)
{
	int flags = (rdwr ? O_RDWR : O_WRONLY) | O_CREAT | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	struct stat st;
	int fd, rc;

	fd = open(path, flags, mode);
	if (fd < 0)
		return -errno;

	if (fstat(fd, &st)) {
		rc = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto fail;
	}
	if (st.st_uid != geteuid() || st.st_nlink > 1) {
		rc = -EPERM;
		goto fail;
	}
	if (ftruncate(fd, 0)) {
		rc = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return rc;
}
