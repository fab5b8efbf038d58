#include "broker/feed.h"

#include <stdlib.h>

#include "api/json.h"
#include "broker/policy_engine.h"

static enum store_status publish(struct store *s, const char *type, const char *actor,
				 const char *kind, int64_t id, json_t *data, int64_t at)
{
	char *text = json_dumps(data, JSON_COMPACT);
	struct feed_event e = {
		.at = at,
		.type = (char *)type,
		.actor = (char *)actor,
		.object_kind = (char *)kind,
		.object_id = id,
		.data_json = text,
	};
	enum store_status status = text ? store_append_event(s, &e) : STORE_ERROR;

	free(text);
	json_decref(data);
	return status;
}

enum store_status feed_publish_request(struct store *s, const char *type, const char *actor,
				       const struct access_request *r, int64_t at)
{
	/* The event carries what the policy decided, as GET /v1/requests/{id} does. */
	return publish(s, type, actor, "request", r->id, policy_engine_request_json(s, r), at);
}

enum store_status feed_publish_grant(struct store *s, const char *type, const char *actor,
				     const struct grant *g, int64_t at)
{
	return publish(s, type, actor, "grant", g->id, grant_to_json(g), at);
}

json_t *feed_event_to_json(const struct feed_event *e)
{
	json_t *data = e->data_json ? json_loads(e->data_json, 0, NULL) : NULL;
	json_t *j = json_object();

	json_object_set_new(j, "seq", json_integer(e->seq));
	json_object_set_new(j, "type", json_string_or_null(e->type));
	json_object_set_new(j, "at", json_time(e->at));
	json_object_set_new(j, "actor", json_string_or_null(e->actor));
	json_object_set_new(j, "object", json_string_or_null(e->object_kind));
	json_object_set_new(j, "id", json_integer(e->object_id));
	json_object_set_new(j, "data", data ? data : json_null());
	return j;
}
