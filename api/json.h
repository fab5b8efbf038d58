#ifndef GATEHOUSE_API_JSON_H
#define GATEHOUSE_API_JSON_H

/*
 * The JSON codec for the API objects in api/model.h, shared by the broker
 * (which encodes) and the console (which decodes and caches).
 */

#include <jansson.h>
#include <stdbool.h>

#include "api/model.h"

json_t *request_to_json(const struct access_request *r);
json_t *grant_to_json(const struct grant *g);
json_t *principal_to_json(const struct principal *p);
json_t *audit_entry_to_json(const struct audit_entry *e);

/*
 * Decode an object sent by the broker. Unknown fields are ignored so that a
 * newer broker does not break an older console. On error the output is freed,
 * err names the field, and the result is false.
 */
bool request_from_json(const json_t *j, struct access_request *out, char *err, size_t errlen);
bool grant_from_json(const json_t *j, struct grant *out, char *err, size_t errlen);
bool principal_from_json(const json_t *j, struct principal *out, char *err, size_t errlen);
bool audit_entry_from_json(const json_t *j, struct audit_entry *out, char *err, size_t errlen);

/* A JSON time: an RFC 3339 string, or null for 0. */
json_t *json_time(int64_t t);
/* An instant that is always a time, 0 included (1970-01-01T00:00:00Z): for window bounds. */
json_t *json_instant(int64_t t);
/* A JSON string, or null for NULL. */
json_t *json_string_or_null(const char *s);

#endif
