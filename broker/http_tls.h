#ifndef GATEHOUSE_HTTP_TLS_H
#define GATEHOUSE_HTTP_TLS_H

/* The HTTPS certificate and key: read, bounded in size, and checked as a pair before serving. */

#include <stdbool.h>
#include <stddef.h>

/* The largest certificate or key file read; a chain of a few certificates is far smaller. */
#define HTTP_TLS_FILE_MAX (1024 * 1024)

struct http_tls {
	char *cert;  /* PEM text, NUL-terminated */
	char *key;
};

/*
 * Read the certificate and key (both paths, or neither for plain HTTP) and check
 * with GnuTLS that the key belongs to the certificate. False with a message in
 * err, and tls is then empty.
 */
bool http_tls_load(struct http_tls *tls, const char *cert_path, const char *key_path, char *err,
		   size_t errlen);
/* Wipe the key and free both. */
void http_tls_free(struct http_tls *tls);

#endif
