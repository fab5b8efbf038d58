#ifndef GATEHOUSE_CLIENT_OUTBOX_INTERNAL_H
#define GATEHOUSE_CLIENT_OUTBOX_INTERNAL_H

/* Declarations shared by client/outbox.c and client/outbox_retry.c, hidden from the rest. */

#include <jansson.h>

#include "client/backoff.h"
#include "client/outbox.h"

#define BULK_REVOKE_PATH "/v1/grants/revoke"

/*
 * A call beside the queue: a bulk revoke's dry run, or the read of an
 * object before a retry. Each is in the sender's list until its callback
 * runs, so that freeing the sender cancels it.
 */
struct outbox_side_call {
	struct outbox_sender *sender;
	struct outbox_side_call *prev;
	struct outbox_side_call *next;
	struct http_request *call;
	outbox_dry_run_callback dry_run_done; /* set for a dry run the user asked for */
	outbox_review_callback review_done;   /* set for the review before a retry */
	void *ctx;
	struct outbox_item item;              /* the item under review */
};

struct outbox_sender {
	struct http_client *http;
	struct cache *cache;
	struct sync *sync;
	struct outbox_callbacks callbacks;
	void *ctx;
	int64_t stale_after_seconds;
	bool sending;
	struct outbox_item item;    /* the claimed item while sending */
	struct http_request *call;
	int64_t retry_at_ms;        /* time_monotonic_ms of the next try, 0 for none */
	struct backoff backoff;
	struct outbox_side_call *side_calls;
	char error[512];
};

/* Add a side call to the sender's list, with nothing sent yet. */
struct outbox_side_call *outbox_side_call_new(struct outbox_sender *sender, void *ctx);
/* Take a side call out of the list and free it, without canceling its call. */
void outbox_side_call_free(struct outbox_side_call *side);

/*
 * Send the dry run of a bulk revoke of principal's grants, on resource, or
 * both, as side's call, with done as its callback. Returns false, with the
 * reason in the sender's error, when the filters are invalid or nothing could
 * be sent.
 */
bool outbox_send_dry_run(struct outbox_side_call *side, const char *principal,
			 const char *resource, http_callback done);
/*
 * Read the count of a dry run's response. Returns false with the reason in
 * *message (a string that lives as long as the response) when it has none.
 */
bool outbox_read_matched(const struct http_response *response, int64_t *matched,
			 const char **message);

#endif
