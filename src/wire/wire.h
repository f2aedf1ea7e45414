/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * wire.h - what a parser of guest bytes concludes
 */
#ifndef WIRE_WIRE_H
#define WIRE_WIRE_H

/**
 * enum parse_result - outcome of validating a header
 * @PARSE_OK:		valid, view filled
 * @PARSE_UNHANDLED:	valid, but a feature we don't handle (VLAN tags,
 *			fragments, unknown extension headers...)
 * @PARSE_MALFORMED:	not a valid packet: truncated, inconsistent lengths,
 *			bad version or checksum
 */
enum parse_result {
	PARSE_OK = 0,
	PARSE_UNHANDLED,
	PARSE_MALFORMED,
};

#endif /* WIRE_WIRE_H */
