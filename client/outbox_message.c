#include "client/outbox_message.h"

#include <stdio.h>
#include <string.h>

/* The action at the end of the item's path: "approve", "deny", "cancel" or "revoke". */
static const char *item_action(const struct outbox_item *item)
{
	const char *slash = strrchr(item->path, '/');

	return slash ? slash + 1 : item->path;
}

/* "request 42", "grant 7", or the label for a write on no single object. */
static void object_name(const struct outbox_item *item, char *out, size_t size)
{
	if (item->object_kind)
		snprintf(out, size, "%s %lld", item->object_kind, (long long)item->object_id);
	else
		snprintf(out, size, "%s", item->label);
}

static const char *past_tense(const char *action)
{
	static const struct {
		const char *action;
		const char *past;
	} verbs[] = {
		{ "approve", "approved" },
		{ "deny", "denied" },
		{ "cancel", "canceled" },
		{ "revoke", "revoked" },
	};

	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(verbs[i].action, action) == 0)
			return verbs[i].past;
	return NULL;
}

/* Describe an approval that did not complete the request, with the count it still needs. */
static void describe_partial_approval(const json_t *request, const char *name, struct strbuf *out)
{
	json_t *approvals = json_object_get(request, "approvals");
	json_t *needed = json_object_get(request, "approvals_needed");

	strbuf_printf(out, "added your approval to %s", name);
	if (json_is_array(approvals) && json_is_integer(needed))
		strbuf_printf(out, " (%zu of %lld approvals; it stays pending)",
			      json_array_size(approvals), (long long)json_integer_value(needed));
}

void outbox_message_success(const struct outbox_item *item, const struct http_response *response,
			    int64_t revoked, struct strbuf *out)
{
	const char *action = item_action(item);
	const char *past = past_tense(action);
	const char *status = json_string_value(json_object_get(response->json, "status"));
	char name[96];

	object_name(item, name, sizeof name);
	if (!item->object_kind && revoked >= 0)
		strbuf_printf(out, "revoked %lld grant%s", (long long)revoked, revoked == 1 ? "" : "s");
	else if (strcmp(action, "approve") == 0 && status && strcmp(status, "pending") == 0)
		describe_partial_approval(response->json, name, out);
	else if (past)
		strbuf_printf(out, "%s %s", past, name);
	else
		strbuf_printf(out, "%s: done", item->label);
	if (response->replayed)
		strbuf_puts(out, " (sent again after a lost response; the broker changed nothing twice)");
	if (response->error)
		strbuf_printf(out, "; but its response was unusable (%s), so the row is being reloaded",
			      response->error);
}

void outbox_message_rejected(const struct outbox_item *item, const struct http_response *response,
			     struct strbuf *out)
{
	const char *code = response->problem_code ? response->problem_code : "";
	const char *detail = response->problem_detail;
	char name[96];

	object_name(item, name, sizeof name);
	if (strcmp(code, "self_approval") == 0)
		strbuf_printf(out, "you cannot %s your own %s", item_action(item), name);
	else if (response->status == 403 && !item->object_kind) /* a bulk write: the label says it all */
		strbuf_printf(out, "you may not %s%s%s", item->label, detail ? ": " : "",
			      detail ? detail : "");
	else if (response->status == 403)
		strbuf_printf(out, "you may not %s %s%s%s", item_action(item), name,
			      detail ? ": " : "", detail ? detail : "");
	else if (response->status == 404)
		strbuf_printf(out, "%s was not found at the broker", name);
	else if (response->status == 412)
		strbuf_printf(out, "%s changed since you saw it; reloading it", name);
	else if (response->status == 409 && detail)
		strbuf_puts(out, detail);
	else if (response->status == 409)
		strbuf_printf(out, "%s was changed by someone else; reloading it", name);
	else
		strbuf_printf(out, "the broker rejected \"%s\": %s", item->label,
			      response->error ? response->error : "no reason given");
}

void outbox_message_retry(const struct http_response *response, int64_t delay_ms,
			  struct strbuf *out)
{
	long long seconds = (long long)((delay_ms + 999) / 1000);
	char when[32];

	if (seconds >= 120)
		snprintf(when, sizeof when, "%lld min", seconds / 60);
	else
		snprintf(when, sizeof when, "%lld s", seconds);
	if (response->status == 401)
		strbuf_printf(out, "queued: the broker rejected the token (HTTP 401), will retry "
			      "in %s", when);
	else if (response->connect_failed)
		strbuf_printf(out, "queued: broker unreachable (%s), will retry in %s",
			      response->error, when);
	else if (response->status == 0)
		strbuf_printf(out, "queued: the call failed (%s), will retry in %s", response->error,
			      when);
	else
		strbuf_printf(out, "queued: broker error (%s), will retry in %s",
			      response->error ? response->error : "no detail", when);
}
