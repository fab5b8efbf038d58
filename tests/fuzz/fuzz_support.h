#ifndef GATEHOUSE_TESTS_FUZZ_SUPPORT_H
#define GATEHOUSE_TESTS_FUZZ_SUPPORT_H

/*
 * Shared by the libFuzzer targets in tests/fuzz: the entry points libFuzzer
 * calls, and the checks the targets build on. A violated property aborts, so
 * that libFuzzer stops and saves the input as a crash reproducer.
 */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print "property violated: " and the message to stderr, then abort(). */
void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Print len bytes to stderr as a C string literal after label, for failure reports. */
void fuzz_print_bytes(const char *label, const char *bytes, size_t len);

/* Set LC_ALL to C.UTF-8, which wcwidth() needs; abort when it is not installed. */
void fuzz_use_utf8_locale(void);

/*
 * Decode the well-formed UTF-8 sequence at the start of bytes (len > 0) into
 * *cp and return its length, or return 0 when bytes starts none. It follows
 * the Unicode Standard's table of well-formed byte sequences (Table 3-7) and
 * shares no code with tui/text.c, so a bug in the decoder under test cannot
 * hide itself here.
 */
size_t fuzz_utf8_decode(const unsigned char *bytes, size_t len, uint32_t *cp);

#endif
