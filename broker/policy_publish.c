/* Publishing a policy: the one path for PUT /v1/policy and the demo's starting policy. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "broker/audit.h"
#include "broker/policy_engine.h"
#include "common/alloc.h"
#include "common/crypto.h"

json_t *policy_engine_version_json(const struct stored_policy *p)
{
	char etag[32];

	snprintf(etag, sizeof etag, "\"%lld\"", (long long)p->version);
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:s}", "version", (json_int_t)p->version,
			 "source", json_string_or_null(p->source), "published_at",
			 json_time(p->published_at), "published_by", json_string_or_null(p->published_by),
			 "sha256", json_string_or_null(p->sha256), "etag", etag);
}

/* The event carries no source, because consoles fetch the text when they need it. */
static enum store_status publish_event(struct store *s, const struct stored_policy *p)
{
	json_t *data = policy_engine_version_json(p);
	char *text;

	json_object_del(data, "source");
	text = json_dumps(data, JSON_COMPACT);
	json_decref(data);

	struct feed_event e = {
		.at = p->published_at,
		.type = "policy.published",
		.actor = p->published_by,
		.object_kind = "policy",
		.object_id = p->version,
		.data_json = text,
	};
	enum store_status status = text ? store_append_event(s, &e) : STORE_ERROR;

	free(text);
	return status;
}

static enum store_status publish_audit(struct store *s, const struct stored_policy *p,
				       int64_t previous)
{
	char reason[128];

	if (previous > 0)
		snprintf(reason, sizeof reason, "version %lld replaces version %lld",
			 (long long)p->version, (long long)previous);
	else
		snprintf(reason, sizeof reason, "version %lld, the first", (long long)p->version);
	return audit_append(s, p->published_by, "policy.publish", "policy", p->version, reason,
			    p->published_at);
}

bool policy_engine_publish(struct store *s, const char *source, const char *actor,
			   int64_t previous, int64_t now, struct policy_diagnostics *diagnostics,
			   struct stored_policy *out, enum store_status *status)
{
	char sha[SHA256_HEX_LEN];

	memset(out, 0, sizeof *out);
	policy_free(policy_engine_check(s, source, strlen(source), diagnostics, status));
	if (*status != STORE_OK || diagnostics->error_count > 0)
		return false;
	sha256_hex(source, strlen(source), sha);
	*out = (struct stored_policy){
		.version = previous + 1,
		.source = xstrdup(source),
		.published_at = now,
		.published_by = xstrdup(actor),
		.sha256 = xstrdup(sha),
	};
	*status = store_insert_policy(s, out);
	if (*status == STORE_OK)
		*status = publish_audit(s, out, previous);
	if (*status == STORE_OK)
		*status = publish_event(s, out);
	if (*status != STORE_OK) {
		stored_policy_free(out);
		return false;
	}
	return true;
}
