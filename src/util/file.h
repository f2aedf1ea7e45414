/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * file.h - output files opened at start-up, possibly as root
 */
#ifndef UTIL_FILE_H
#define UTIL_FILE_H

#include <stdbool.h>
#include <sys/types.h>

int file_open_output(const char *path, bool rdwr, mode_t mode);

#endif /* UTIL_FILE_H */
