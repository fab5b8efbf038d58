#include "broker/http_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool http_listen_parse(const char *listen, struct sockaddr_storage *addr, socklen_t *len,
		       char *err, size_t errlen)
{
	char host[256];
	const char *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *found;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
			goto invalid;
		snprintf(host, sizeof host, "%.*s", (int)(close - listen - 1), listen + 1);
		port = close + 2;
	} else {
		const char *colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= sizeof host)
			goto invalid;
		snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
		port = colon + 1;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535)
		goto invalid;
	int rc = getaddrinfo(*host ? host : NULL, port, &hints, &found);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve listen address %s: %s", listen, gai_strerror(rc));
		return false;
	}
	memcpy(addr, found->ai_addr, found->ai_addrlen);
	*len = found->ai_addrlen;
	freeaddrinfo(found);
	return true;
invalid:
	snprintf(err, errlen, "invalid listen address \"%s\": use HOST:PORT or [IPV6]:PORT", listen);
	return false;
}

bool http_listen_is_loopback(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET) {
		uint32_t ip = ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr);
		return (ip >> 24) == 127;
	}
	if (addr->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)addr)->sin6_addr);
	return false;
}

static void describe_bind_error(int error, const char *address, char *err, size_t errlen)
{
	if (error == EADDRINUSE)
		snprintf(err, errlen, "address %s is already in use; stop what listens there, "
			 "or give another --listen", address);
	else if (error == EACCES)
		snprintf(err, errlen, "not allowed to listen on %s: ports below 1024 need root or "
			 "CAP_NET_BIND_SERVICE", address);
	else if (error == EADDRNOTAVAIL)
		snprintf(err, errlen, "cannot listen on %s: the host is not an address of this "
			 "machine", address);
	else
		snprintf(err, errlen, "cannot listen on %s: %s", address, strerror(error));
}

int http_listen_open(const struct sockaddr_storage *addr, socklen_t len, const char *address,
		     char *err, size_t errlen)
{
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd < 0) {
		snprintf(err, errlen, "cannot create a socket for %s: %s", address, strerror(errno));
		return -1;
	}
	/* As libmicrohttpd does for its own sockets: a restart need not wait for TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, (const struct sockaddr *)addr, len) != 0) {
		describe_bind_error(errno, address, err, errlen);
		close(fd);
		return -1;
	}
	if (listen(fd, SOMAXCONN) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", address, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

unsigned http_listen_port(int fd)
{
	struct sockaddr_storage bound;
	socklen_t len = sizeof bound;

	if (getsockname(fd, (struct sockaddr *)&bound, &len) != 0)
		return 0;
	if (bound.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&bound)->sin_port);
	if (bound.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&bound)->sin6_port);
	return 0;
}
