#include "api/json.h"

#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/timeutil.h"

json_t *json_instant(int64_t t)
{
	char stamp[RFC3339_LEN];

	time_format_rfc3339(t, stamp);
	return json_string(stamp);
}

json_t *json_time(int64_t t)
{
	return t == 0 ? json_null() : json_instant(t);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not valid. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
	uint32_t cp;

	if (len == 0 || len > n)
		return 0;
	if (len == 1)
		return 1;
	cp = s[0] & (0x7F >> len);
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3F);
	}
	static const uint32_t min_for_length[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min_for_length[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/*
 * Copy s with each byte that is not part of valid UTF-8 replaced by U+FFFD, so
 * that a value which reached storage some other way still encodes.
 */
static char *utf8_repair(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n * 3 + 1);
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		size_t len = utf8_sequence_length((const unsigned char *)s + i, n - i);
		if (len == 0) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, len);
		o += len;
		i += len;
	}
	out[o] = '\0';
	return out;
}

json_t *json_string_or_null(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (!j) {
		char *repaired = utf8_repair(s);
		j = json_string(repaired);
		free(repaired);
	}
	return j ? j : json_string("");
}

static json_t *json_id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

json_t *request_to_json(const struct access_request *r)
{
	json_t *approvals = json_array();

	for (size_t i = 0; i < r->approval_count; i++) {
		const struct approval *a = &r->approvals[i];
		json_array_append_new(approvals, json_pack("{s:s?, s:o, s:o}",
			"approver", a->approver,
			"reason", json_string_or_null(a->reason),
			"at", json_time(a->at)));
	}
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(r->id));
	json_object_set_new(j, "status", json_string(request_status_name(r->status)));
	json_object_set_new(j, "requester", json_string_or_null(r->requester));
	json_object_set_new(j, "resource", json_string_or_null(r->resource));
	json_object_set_new(j, "role", json_string_or_null(r->role));
	json_object_set_new(j, "reason", json_string_or_null(r->reason));
	json_object_set_new(j, "duration_seconds", json_integer(r->duration_seconds));
	json_object_set_new(j, "created_at", json_time(r->created_at));
	json_object_set_new(j, "decided_at", json_time(r->decided_at));
	json_object_set_new(j, "expires_at", json_time(r->expires_at));
	json_object_set_new(j, "approvals_needed", json_integer(r->approvals_needed));
	json_object_set_new(j, "approver_group", json_string_or_null(r->approver_group));
	json_object_set_new(j, "approvals", approvals);
	json_object_set_new(j, "decided_by", json_string_or_null(r->decided_by));
	json_object_set_new(j, "decision_reason", json_string_or_null(r->decision_reason));
	json_object_set_new(j, "grant_id", json_id_or_null(r->grant_id));
	json_object_set_new(j, "version", json_integer(r->version));
	return j;
}

json_t *grant_to_json(const struct grant *g)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", json_integer(g->id));
	json_object_set_new(j, "request_id", json_id_or_null(g->request_id));
	json_object_set_new(j, "principal", json_string_or_null(g->principal));
	json_object_set_new(j, "resource", json_string_or_null(g->resource));
	json_object_set_new(j, "role", json_string_or_null(g->role));
	json_object_set_new(j, "kind", json_string(grant_kind_name(g->kind)));
	json_object_set_new(j, "status", json_string(grant_status_name(g->status)));
	json_object_set_new(j, "granted_at", json_time(g->granted_at));
	json_object_set_new(j, "expires_at", json_time(g->expires_at));
	json_object_set_new(j, "revoked_at", json_time(g->revoked_at));
	json_object_set_new(j, "revoked_by", json_string_or_null(g->revoked_by));
	json_object_set_new(j, "reason", json_string_or_null(g->reason));
	json_object_set_new(j, "request_reason", json_string_or_null(g->request_reason));
	json_object_set_new(j, "last_used_at", json_time(g->last_used_at));
	json_object_set_new(j, "version", json_integer(g->version));
	return j;
}

json_t *principal_to_json(const struct principal *p)
{
	json_t *roles = json_array();
	json_t *groups = json_array();
	static const enum role all_roles[] = { ROLE_REQUESTER, ROLE_APPROVER, ROLE_ADMIN, ROLE_AUDITOR };

	for (size_t i = 0; i < sizeof all_roles / sizeof all_roles[0]; i++)
		if (p->roles & all_roles[i])
			json_array_append_new(roles, json_string(role_name(all_roles[i])));
	for (size_t i = 0; i < p->group_count; i++)
		json_array_append_new(groups, json_string(p->groups[i]));

	json_t *attributes = NULL;
	if (p->attributes_json) /* stored by json_dumps, which writes a NUL as \u0000 */
		attributes = json_loads(p->attributes_json, JSON_ALLOW_NUL, NULL);
	if (!attributes)
		attributes = json_object();

	json_t *j = json_object();
	json_object_set_new(j, "id", json_string_or_null(p->id));
	json_object_set_new(j, "display_name", json_string_or_null(p->display_name));
	json_object_set_new(j, "roles", roles);
	json_object_set_new(j, "groups", groups);
	json_object_set_new(j, "attributes", attributes);
	return j;
}

json_t *audit_entry_to_json(const struct audit_entry *e)
{
	json_t *j = json_object();

	json_object_set_new(j, "seq", json_integer(e->seq));
	json_object_set_new(j, "at", json_time(e->at));
	json_object_set_new(j, "actor", json_string_or_null(e->actor));
	json_object_set_new(j, "action", json_string_or_null(e->action));
	json_object_set_new(j, "object", json_string_or_null(e->object_kind));
	json_object_set_new(j, "object_id", json_integer(e->object_id));
	json_object_set_new(j, "reason", json_string_or_null(e->reason));
	json_object_set_new(j, "prev_hash", json_string_or_null(e->prev_hash));
	json_object_set_new(j, "hash", json_string_or_null(e->hash));
	return j;
}

/* Field readers for decoding: each returns false and names the field on a wrong type. */

static bool fail(char *err, size_t errlen, const char *field, const char *what)
{
	snprintf(err, errlen, "field \"%s\": %s", field, what);
	return false;
}

static bool read_string(const json_t *j, const char *field, char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(j, field);

	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v))
		return fail(err, errlen, field, "expected a string");
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return true;
}

static bool read_int(const json_t *j, const char *field, int64_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(j, field);

	*out = 0;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v))
		return fail(err, errlen, field, "expected an integer");
	*out = (int64_t)json_integer_value(v);
	return true;
}

static bool read_time(const json_t *j, const char *field, int64_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(j, field);

	*out = 0;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v) || !time_parse_rfc3339(json_string_value(v), out))
		return fail(err, errlen, field, "expected an RFC 3339 time");
	return true;
}

static bool read_approvals(const json_t *j, struct access_request *r, char *err, size_t errlen)
{
	json_t *list = json_object_get(j, "approvals");
	size_t i;
	json_t *item;

	if (!list || json_is_null(list))
		return true;
	if (!json_is_array(list))
		return fail(err, errlen, "approvals", "expected an array");
	r->approvals = xcalloc(json_array_size(list), sizeof *r->approvals);
	json_array_foreach(list, i, item) {
		struct approval *a = &r->approvals[r->approval_count++];
		if (!json_is_object(item))
			return fail(err, errlen, "approvals", "expected objects");
		if (!read_string(item, "approver", &a->approver, err, errlen) ||
		    !read_string(item, "reason", &a->reason, err, errlen) ||
		    !read_time(item, "at", &a->at, err, errlen))
			return false;
	}
	return true;
}

bool request_from_json(const json_t *j, struct access_request *r, char *err, size_t errlen)
{
	char *status = NULL;
	int64_t needed = 0;
	bool ok;

	memset(r, 0, sizeof *r);
	if (!json_is_object(j))
		return fail(err, errlen, "request", "expected an object");
	ok = read_int(j, "id", &r->id, err, errlen) &&
	     read_string(j, "status", &status, err, errlen) &&
	     read_string(j, "requester", &r->requester, err, errlen) &&
	     read_string(j, "resource", &r->resource, err, errlen) &&
	     read_string(j, "role", &r->role, err, errlen) &&
	     read_string(j, "reason", &r->reason, err, errlen) &&
	     read_int(j, "duration_seconds", &r->duration_seconds, err, errlen) &&
	     read_time(j, "created_at", &r->created_at, err, errlen) &&
	     read_time(j, "decided_at", &r->decided_at, err, errlen) &&
	     read_time(j, "expires_at", &r->expires_at, err, errlen) &&
	     read_int(j, "approvals_needed", &needed, err, errlen) &&
	     read_string(j, "approver_group", &r->approver_group, err, errlen) &&
	     read_approvals(j, r, err, errlen) &&
	     read_string(j, "decided_by", &r->decided_by, err, errlen) &&
	     read_string(j, "decision_reason", &r->decision_reason, err, errlen) &&
	     read_int(j, "grant_id", &r->grant_id, err, errlen) &&
	     read_int(j, "version", &r->version, err, errlen);
	if (ok && (!status || !request_status_parse(status, &r->status)))
		ok = fail(err, errlen, "status", "expected a request status");
	if (ok && r->id <= 0)
		ok = fail(err, errlen, "id", "expected a positive integer");
	r->approvals_needed = (int)needed;
	free(status);
	if (!ok)
		access_request_free(r);
	return ok;
}

bool grant_from_json(const json_t *j, struct grant *g, char *err, size_t errlen)
{
	char *status = NULL, *kind = NULL;
	bool ok;

	memset(g, 0, sizeof *g);
	if (!json_is_object(j))
		return fail(err, errlen, "grant", "expected an object");
	ok = read_int(j, "id", &g->id, err, errlen) &&
	     read_int(j, "request_id", &g->request_id, err, errlen) &&
	     read_string(j, "principal", &g->principal, err, errlen) &&
	     read_string(j, "resource", &g->resource, err, errlen) &&
	     read_string(j, "role", &g->role, err, errlen) &&
	     read_string(j, "kind", &kind, err, errlen) &&
	     read_string(j, "status", &status, err, errlen) &&
	     read_time(j, "granted_at", &g->granted_at, err, errlen) &&
	     read_time(j, "expires_at", &g->expires_at, err, errlen) &&
	     read_time(j, "revoked_at", &g->revoked_at, err, errlen) &&
	     read_string(j, "revoked_by", &g->revoked_by, err, errlen) &&
	     read_string(j, "reason", &g->reason, err, errlen) &&
	     read_string(j, "request_reason", &g->request_reason, err, errlen) &&
	     read_time(j, "last_used_at", &g->last_used_at, err, errlen) &&
	     read_int(j, "version", &g->version, err, errlen);
	if (ok && (!status || !grant_status_parse(status, &g->status)))
		ok = fail(err, errlen, "status", "expected a grant status");
	if (ok && (!kind || !grant_kind_parse(kind, &g->kind)))
		ok = fail(err, errlen, "kind", "expected \"jit\" or \"standing\"");
	if (ok && g->id <= 0)
		ok = fail(err, errlen, "id", "expected a positive integer");
	free(status);
	free(kind);
	if (!ok)
		grant_free(g);
	return ok;
}

static bool read_string_list(const json_t *j, const char *field, char ***out, size_t *count,
			     char *err, size_t errlen)
{
	json_t *list = json_object_get(j, field);
	size_t i;
	json_t *item;

	*out = NULL;
	*count = 0;
	if (!list || json_is_null(list))
		return true;
	if (!json_is_array(list))
		return fail(err, errlen, field, "expected an array of strings");
	*out = xcalloc(json_array_size(list), sizeof **out);
	json_array_foreach(list, i, item) {
		if (!json_is_string(item))
			return fail(err, errlen, field, "expected an array of strings");
		(*out)[(*count)++] = xstrndup(json_string_value(item), json_string_length(item));
	}
	return true;
}

bool principal_from_json(const json_t *j, struct principal *p, char *err, size_t errlen)
{
	char **roles = NULL;
	size_t role_count = 0;
	bool ok;

	memset(p, 0, sizeof *p);
	if (!json_is_object(j))
		return fail(err, errlen, "principal", "expected an object");
	ok = read_string(j, "id", &p->id, err, errlen) &&
	     read_string(j, "display_name", &p->display_name, err, errlen) &&
	     read_string_list(j, "groups", &p->groups, &p->group_count, err, errlen) &&
	     read_string_list(j, "roles", &roles, &role_count, err, errlen);
	for (size_t i = 0; ok && i < role_count; i++) {
		unsigned bits;
		if (roles_parse(roles[i], &bits))
			p->roles |= bits; /* a role this console does not know is ignored */
	}
	for (size_t i = 0; i < role_count; i++)
		free(roles[i]);
	free(roles);
	json_t *attributes = json_object_get(j, "attributes");
	if (ok && json_is_object(attributes))
		p->attributes_json = json_dumps(attributes, JSON_COMPACT | JSON_SORT_KEYS);
	if (ok && !p->id)
		ok = fail(err, errlen, "id", "missing");
	if (!ok)
		principal_free(p);
	return ok;
}

bool audit_entry_from_json(const json_t *j, struct audit_entry *e, char *err, size_t errlen)
{
	bool ok;

	memset(e, 0, sizeof *e);
	if (!json_is_object(j))
		return fail(err, errlen, "audit entry", "expected an object");
	ok = read_int(j, "seq", &e->seq, err, errlen) &&
	     read_time(j, "at", &e->at, err, errlen) &&
	     read_string(j, "actor", &e->actor, err, errlen) &&
	     read_string(j, "action", &e->action, err, errlen) &&
	     read_string(j, "object", &e->object_kind, err, errlen) &&
	     read_int(j, "object_id", &e->object_id, err, errlen) &&
	     read_string(j, "reason", &e->reason, err, errlen) &&
	     read_string(j, "prev_hash", &e->prev_hash, err, errlen) &&
	     read_string(j, "hash", &e->hash, err, errlen);
	if (!ok)
		audit_entry_free(e);
	return ok;
}
