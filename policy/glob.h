#ifndef GATEHOUSE_POLICY_GLOB_H
#define GATEHOUSE_POLICY_GLOB_H

/*
 * Glob patterns for the ~ operator, compiled once: * matches any run of
 * characters ("/" included), ? one character, [abc], [a-z] and [!a-z] one
 * character of a set or outside it, and a backslash makes the next character
 * literal. Characters are UTF-8 code points; a byte that starts no valid
 * sequence counts as one character. A pattern matches the whole value.
 */

#include <stdbool.h>
#include <stddef.h>

struct policy_glob;

/*
 * Compile a pattern. On an invalid one returns NULL with a message in err and
 * the byte offset of the fault in *error_offset.
 */
struct policy_glob *glob_compile(const char *pattern, size_t length, char *err, size_t errlen,
				 size_t *error_offset);
void glob_free(struct policy_glob *glob);
bool glob_match(const struct policy_glob *glob, const char *text, size_t length);
/* Whether the pattern has a *, ? or [ that is not escaped. */
bool glob_has_wildcard(const struct policy_glob *glob);

#endif
