#ifndef GATEHOUSE_CRYPTO_H
#define GATEHOUSE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define SHA256_HEX_LEN 65 /* 64 hex digits and the NUL */

/* Write the SHA-256 of data as lowercase hex into out. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN]);

/*
 * Fill out with a new bearer token: a "ghs_" prefix and 43 URL-safe base64
 * characters from 32 random bytes (256 bits). size must be at least 48.
 * Returns false when the system's random source fails.
 */
bool token_generate(char *out, size_t size);

/* Compare two equal-length secrets in time that does not depend on where they differ. */
bool secrets_equal(const char *a, const char *b, size_t len);

/* Overwrite a secret in memory so that it does not linger in a core dump. */
void secret_wipe(void *p, size_t len);

#endif
