#ifndef GATEHOUSE_CLIENT_OUTBOX_MESSAGE_H
#define GATEHOUSE_CLIENT_OUTBOX_MESSAGE_H

/* The plain words that tell the user what became of an outbox item (client/outbox_message.c). */

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

#endif
