#ifndef GATEHOUSE_FEED_H
#define GATEHOUSE_FEED_H

/* Appending to the change feed: every state change of a request or grant is an event. */

#include <jansson.h>
#include <stdint.h>

#include "api/model.h"
#include "broker/store.h"

/* Append an event whose data is the request as it is now, inside the caller's transaction. */
enum store_status feed_publish_request(struct store *s, const char *type, const char *actor,
				       const struct access_request *r, int64_t at);
enum store_status feed_publish_grant(struct store *s, const char *type, const char *actor,
				     const struct grant *g, int64_t at);

/* The JSON form of a stored event, as /v1/events returns it. */
json_t *feed_event_to_json(const struct feed_event *e);

#endif
