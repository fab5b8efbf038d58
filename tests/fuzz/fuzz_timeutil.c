/*
 * Fuzz target for the time and duration parsers in common/timeutil.h. The
 * input, up to its first NUL byte, goes to both parsers. A time that parses
 * must survive format and parse unchanged. A duration that parses must come
 * back from duration_format() and duration_parse() cut to the short form's
 * smallest unit: seconds below a minute, minutes below a day, else hours.
 */

#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "tests/fuzz/fuzz_support.h"

#define DURATION_TEXT_MAX 32
#define DURATION_LIMIT (INT64_C(1) << 40)

static void check_time(const char *text)
{
	int64_t parsed;
	int64_t reparsed;
	char formatted[RFC3339_LEN];

	if (!time_parse_rfc3339(text, &parsed))
		return;
	time_format_rfc3339(parsed, formatted);
	if (!time_parse_rfc3339(formatted, &reparsed))
		fuzz_fail("\"%s\" parses to %lld, formatted as \"%s\", which does not parse",
			  text, (long long)parsed, formatted);
	if (reparsed != parsed)
		fuzz_fail("\"%s\" parses to %lld, formatted as \"%s\", which parses to %lld",
			  text, (long long)parsed, formatted, (long long)reparsed);
}

/* The smallest unit that duration_format() writes for a duration of seconds. */
static int64_t short_form_unit(int64_t seconds)
{
	if (seconds < 60)
		return 1;
	if (seconds < 86400)
		return 60;
	return 3600;
}

static void check_duration(const char *text)
{
	int64_t parsed;
	int64_t reparsed;
	char formatted[DURATION_TEXT_MAX];

	if (!duration_parse(text, &parsed))
		return;
	if (parsed < 0 || parsed > DURATION_LIMIT)
		fuzz_fail("\"%s\" parses to %lld seconds, outside [0, 2^40]",
			  text, (long long)parsed);
	duration_format(parsed, formatted, sizeof formatted);
	if (!duration_parse(formatted, &reparsed))
		fuzz_fail("\"%s\" parses to %lld s, formatted as \"%s\", which does not parse",
			  text, (long long)parsed, formatted);

	int64_t unit = short_form_unit(parsed);

	if (reparsed != parsed / unit * unit)
		fuzz_fail("\"%s\" parses to %lld s, formatted as \"%s\", which parses to %lld s",
			  text, (long long)parsed, formatted, (long long)reparsed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		fuzz_fail("out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	check_time(text);
	check_duration(text);
	free(text);
	return 0;
}
