#ifndef GATEHOUSE_HTTP_SERVER_H
#define GATEHOUSE_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "broker/broker.h"

struct http_server;

/*
 * Start serving the API on the broker's configured address, with TLS when a
 * certificate and key are configured. Plain HTTP on an address other than
 * loopback is refused unless insecure_http is set. NULL with a message in err.
 */
struct http_server *http_server_start(struct broker *b, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned http_server_port(struct http_server *server);
/* Stop accepting, finish the requests in flight, and free the server. */
void http_server_stop(struct http_server *server);

#endif
