#ifndef GATEHOUSE_HTTP_LISTEN_H
#define GATEHOUSE_HTTP_LISTEN_H

/*
 * The listening socket of the HTTP server. The broker binds it itself, rather
 * than leaving that to libmicrohttpd, so that a failure names the address and
 * the reason.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Parse "HOST:PORT" or "[IPV6]:PORT" into a socket address; false with a message in err. */
bool http_listen_parse(const char *listen, struct sockaddr_storage *addr, socklen_t *len,
		       char *err, size_t errlen);
bool http_listen_is_loopback(const struct sockaddr_storage *addr);
/*
 * Bind a listening TCP socket to addr; address is how the user wrote it ("127.0.0.1:8080"),
 * for messages. Returns the socket, or -1 with the reason in err.
 */
int http_listen_open(const struct sockaddr_storage *addr, socklen_t len, const char *address,
		     char *err, size_t errlen);
/* The port a socket is bound to, 0 when unknown. */
unsigned http_listen_port(int fd);

#endif
