#include "broker/http_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/strbuf.h"

/*
 * Open without blocking, so that a FIFO with no writer reads as empty instead of
 * hanging, then read in blocking mode, so that a pipe with a slow writer (a shell's
 * <(command)) is read whole.
 */
static int open_for_reading(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}

/* Read at most HTTP_TLS_FILE_MAX + 1 bytes of fd; false on a read error. */
static bool read_bounded(int fd, struct strbuf *sb)
{
	char chunk[4096];

	while (sb->len <= HTTP_TLS_FILE_MAX) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			return true;
		strbuf_append(sb, chunk, (size_t)n);
	}
	return true;
}

static char *read_pem(const char *path, const char *what, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	int fd = open_for_reading(path);
	bool read_ok;

	if (fd < 0) {
		snprintf(err, errlen, "cannot read the TLS %s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	read_ok = read_bounded(fd, &sb);
	if (!read_ok)
		snprintf(err, errlen, "cannot read the TLS %s %s: %s", what, path, strerror(errno));
	close(fd);
	if (read_ok && sb.len > HTTP_TLS_FILE_MAX) {
		snprintf(err, errlen, "the TLS %s %s is larger than %d MiB: give a PEM file", what, path,
			 HTTP_TLS_FILE_MAX / (1024 * 1024));
		read_ok = false;
	} else if (read_ok && !strstr(strbuf_str(&sb), "-----BEGIN")) {
		snprintf(err, errlen, "the TLS %s %s is not PEM", what, path);
		read_ok = false;
	}
	if (!read_ok) {
		if (sb.data)
			explicit_bzero(sb.data, sb.len);
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

static gnutls_datum_t datum(char *pem)
{
	return (gnutls_datum_t){ .data = (unsigned char *)pem, .size = (unsigned)strlen(pem) };
}

static bool check_certificate(const struct http_tls *tls, const char *cert_path, char *err,
			      size_t errlen)
{
	gnutls_datum_t cert = datum(tls->cert);
	gnutls_x509_crt_t *certificates = NULL;
	unsigned count = 0;
	int rc = gnutls_x509_crt_list_import2(&certificates, &count, &cert, GNUTLS_X509_FMT_PEM, 0);

	if (rc < 0) {
		snprintf(err, errlen, "the TLS certificate %s is not a PEM certificate: %s", cert_path,
			 gnutls_strerror(rc));
		return false;
	}
	for (unsigned i = 0; i < count; i++)
		gnutls_x509_crt_deinit(certificates[i]);
	gnutls_free(certificates);
	return true;
}

/* libmicrohttpd reports a bad pair only as a failure to listen, so check it here first. */
static bool check_pair(const struct http_tls *tls, const char *cert_path, const char *key_path,
		       char *err, size_t errlen)
{
	gnutls_certificate_credentials_t credentials;
	gnutls_datum_t cert = datum(tls->cert), key = datum(tls->key);
	int rc = gnutls_certificate_allocate_credentials(&credentials);

	if (rc < 0) {
		snprintf(err, errlen, "cannot check the TLS key: %s", gnutls_strerror(rc));
		return false;
	}
	rc = gnutls_certificate_set_x509_key_mem(credentials, &cert, &key, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(credentials);
	if (rc < 0) {
		snprintf(err, errlen, "the TLS key %s does not match the certificate %s (or is not a "
			 "PEM private key): %s", key_path, cert_path, gnutls_strerror(rc));
		return false;
	}
	return true;
}

bool http_tls_load(struct http_tls *tls, const char *cert_path, const char *key_path, char *err,
		   size_t errlen)
{
	memset(tls, 0, sizeof *tls);
	if (!cert_path && !key_path)
		return true;
	if (!cert_path || !key_path) {
		snprintf(err, errlen, "TLS needs both --tls-cert and --tls-key");
		return false;
	}
	tls->cert = read_pem(cert_path, "certificate", err, errlen);
	if (tls->cert)
		tls->key = read_pem(key_path, "key", err, errlen);
	if (!tls->key || !check_certificate(tls, cert_path, err, errlen) ||
	    !check_pair(tls, cert_path, key_path, err, errlen)) {
		http_tls_free(tls);
		return false;
	}
	return true;
}

void http_tls_free(struct http_tls *tls)
{
	if (tls->key)
		explicit_bzero(tls->key, strlen(tls->key));
	free(tls->key);
	free(tls->cert);
	memset(tls, 0, sizeof *tls);
}
