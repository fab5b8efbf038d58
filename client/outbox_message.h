#ifndef GATEHOUSE_CLIENT_OUTBOX_MESSAGE_H
#define GATEHOUSE_CLIENT_OUTBOX_MESSAGE_H

/* The plain words that tell the user what became of an outbox item (client/outbox_message.c). */

#include <jansson.h>
#include <stdint.h>

#include "cache/outbox.h"
#include "client/http.h"
#include "common/strbuf.h"

/* Write what a 2xx response did: "approved request 42", "revoked 3 grants", with replays noted. */
void outbox_message_success(const struct outbox_item *item, const struct http_response *response,
			    int64_t revoked, struct strbuf *out);
/* Write why the broker rejected the item: "you cannot approve your own request 42". */
void outbox_message_rejected(const struct outbox_item *item, const struct http_response *response,
			     struct strbuf *out);
/* Write that the item waits for a retry: "queued: broker unreachable (...), will retry in 4 s". */
void outbox_message_retry(const struct http_response *response, int64_t delay_ms,
			  struct strbuf *out);

/* Whether the retry of an item would still do something, from outbox_message_review(). */
enum outbox_review_verdict {
	OUTBOX_REVIEW_APPLIES,      /* the out text is a question ending in "(y/n)" */
	OUTBOX_REVIEW_MOOT,         /* decided, revoked or already done: the text says why */
	OUTBOX_REVIEW_INVALID,      /* the object did not decode: the text names the field */
};

/*
 * Write what a retry of item would do now that its object is as the broker
 * sent it (object): a question, or why nothing is to be done. me is the
 * signed-in principal's id, NULL when unknown.
 */
enum outbox_review_verdict outbox_message_review(const struct outbox_item *item,
						 const json_t *object, const char *me,
						 struct strbuf *out);
/* Write the question for retrying a policy publish now that the published policy has version. */
enum outbox_review_verdict outbox_message_review_publish(const struct outbox_item *item,
							 int64_t version, struct strbuf *out);
/* Write the same for a bulk revoke that would take matched grants now. */
enum outbox_review_verdict outbox_message_review_bulk(const struct outbox_item *item,
						      int64_t matched, struct strbuf *out);

#endif
