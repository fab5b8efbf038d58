#include "common/crypto.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[32];

	gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, digest);
	for (size_t i = 0; i < sizeof digest; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
}

bool token_generate(char *out, size_t size)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[32];
	size_t n = 0;

	if (size < 48 || gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) != 0)
		return false;
	memcpy(out, "ghs_", 4);
	n = 4;
	/* Base64url without padding: 32 bytes give 43 characters. */
	for (size_t i = 0; i < sizeof raw; i += 3) {
		unsigned v = (unsigned)raw[i] << 16;
		size_t left = sizeof raw - i;
		if (left > 1)
			v |= (unsigned)raw[i + 1] << 8;
		if (left > 2)
			v |= raw[i + 2];
		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
		if (left > 1)
			out[n++] = alphabet[(v >> 6) & 63];
		if (left > 2)
			out[n++] = alphabet[v & 63];
	}
	out[n] = '\0';
	secret_wipe(raw, sizeof raw);
	return true;
}

bool secrets_equal(const char *a, const char *b, size_t len)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return diff == 0;
}

void secret_wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
}
