#ifndef GATEHOUSE_HTTP_CHECKS_H
#define GATEHOUSE_HTTP_CHECKS_H

/*
 * Checks of a request's head that run before routing, where libmicrohttpd 0.9.75
 * would otherwise resolve an ambiguous request differently from a proxy in front
 * (request smuggling): its framing headers, header names, path and duplicates.
 */

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* Why a request was rejected: always 400 invalid, naming the header, parameter or path. */
struct http_rejection {
	char field[80];
	char detail[240];
	bool close;      /* the body's framing is in doubt, so the connection must close */
};

/*
 * Check the framing and the header names: at most one Content-Length, no
 * Content-Length together with Transfer-Encoding, no Transfer-Encoding but
 * "chunked", and every name an RFC 9110 token. False fills rejection.
 */
bool http_check_headers(struct MHD_Connection *connection, struct http_rejection *rejection);

/* Reject "." and ".." path segments, which a proxy may resolve and the router does not. */
bool http_check_path(const char *path, struct http_rejection *rejection);

/* Reject a query parameter given twice, whose first value would otherwise win silently. */
bool http_check_query(struct MHD_Connection *connection, struct http_rejection *rejection);

/*
 * Decode %HH escapes in place, like libmicrohttpd's own unescaper, except those
 * that make a control byte (%00 to %1F and %7F), which stay as they are, so that
 * "%00" cannot cut a path short. An MHD_OPTION_UNESCAPE_CALLBACK.
 */
size_t http_unescape(void *cls, struct MHD_Connection *connection, char *text);

#endif
