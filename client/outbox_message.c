#include "client/outbox_message.h"

#include <stdio.h>
#include <string.h>

#include "api/json.h"
#include "client/outbox.h"

bool outbox_item_is_publish(const struct outbox_item *item)
{
	return item->object_kind && strcmp(item->object_kind, OUTBOX_KIND_POLICY) == 0;
}

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
	if (outbox_item_is_publish(item))
		strbuf_printf(out, "published the policy as version %lld",
			      (long long)json_integer_value(json_object_get(response->json, "version")));
	else if (!item->object_kind && revoked >= 0)
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
	if (outbox_item_is_publish(item))
		strbuf_printf(out, "the broker rejected the policy (based on version %lld): %s",
			      (long long)item->if_match,
			      response->error ? response->error : "no reason given");
	else if (strcmp(code, "self_approval") == 0)
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
	else if (response->retry_after_seconds >= 0)
		strbuf_printf(out, "queued: the broker asked to retry later (%s), will retry in %s",
			      response->error ? response->error : "no detail", when);
	else
		strbuf_printf(out, "queued: broker error (%s), will retry in %s",
			      response->error ? response->error : "no detail", when);
}

/* Append the broker's last words about the item, when it has them: " The last try: ...". */
static void append_last_error(const struct outbox_item *item, struct strbuf *out)
{
	if (item->last_error && *item->last_error)
		strbuf_printf(out, " The last try: %s.", item->last_error);
}

/* "request 42 changed since you acted (version 2, now 3)". */
static void describe_version_change(const struct outbox_item *item, const char *name,
				    int64_t version, struct strbuf *out)
{
	strbuf_printf(out, "%s changed since you acted (version %lld, now %lld)", name,
		      (long long)item->if_match, (long long)version);
}

static bool approved_by(const struct access_request *r, const char *who)
{
	for (size_t i = 0; who && i < r->approval_count; i++)
		if (r->approvals[i].approver && strcmp(r->approvals[i].approver, who) == 0)
			return true;
	return false;
}

/* Write ": 1 of 2 approvals (alice, bob)". */
static void describe_approvals(const struct access_request *r, struct strbuf *out)
{
	strbuf_printf(out, ": %zu of %d approvals", r->approval_count, r->approvals_needed);
	for (size_t i = 0; i < r->approval_count; i++)
		strbuf_printf(out, "%s%s", i == 0 ? " (" : ", ",
			      r->approvals[i].approver ? r->approvals[i].approver : "?");
	if (r->approval_count > 0)
		strbuf_putc(out, ')');
}

/* Write how a request that is no longer pending ended: "is now approved by alice". */
static void describe_decided(const struct access_request *r, const char *name, struct strbuf *out)
{
	const char *who = r->decided_by ? r->decided_by : "someone";

	if (r->status == REQUEST_EXPIRED)
		strbuf_printf(out, "%s expired without a decision", name);
	else if (r->status == REQUEST_CANCELED)
		strbuf_printf(out, "%s was canceled by %s", name, who);
	else
		strbuf_printf(out, "%s is now %s by %s", name, request_status_name(r->status), who);
}

static enum outbox_review_verdict review_request(const struct outbox_item *item,
						 const struct access_request *r, const char *me,
						 struct strbuf *out)
{
	const char *action = item_action(item);
	char name[96];

	object_name(item, name, sizeof name);
	if (r->status != REQUEST_PENDING) {
		describe_decided(r, name, out);
		strbuf_printf(out, "; there is nothing to %s, so nothing was queued", action);
		return OUTBOX_REVIEW_MOOT;
	}
	if (strcmp(action, "approve") == 0 && approved_by(r, me)) {
		strbuf_printf(out, "you have already approved %s", name);
		describe_approvals(r, out);
		strbuf_puts(out, "; nothing was queued");
		return OUTBOX_REVIEW_MOOT;
	}
	if (item->if_match > 0 && r->version != item->if_match) {
		describe_version_change(item, name, r->version, out);
		describe_approvals(r, out);
		strbuf_printf(out, "; %s anyway? (y/n)", action);
		return OUTBOX_REVIEW_APPLIES;
	}
	strbuf_printf(out, "%s is still pending", name);
	describe_approvals(r, out);
	strbuf_printf(out, "; %s it again?", action);
	append_last_error(item, out);
	strbuf_puts(out, " (y/n)");
	return OUTBOX_REVIEW_APPLIES;
}

static enum outbox_review_verdict review_grant(const struct outbox_item *item,
					       const struct grant *g, struct strbuf *out)
{
	const char *action = item_action(item);
	char name[96];

	object_name(item, name, sizeof name);
	if (g->status == GRANT_REVOKED) {
		strbuf_printf(out, "%s is now revoked by %s; there is nothing to %s, so nothing was "
			      "queued", name, g->revoked_by ? g->revoked_by : "someone", action);
		return OUTBOX_REVIEW_MOOT;
	}
	if (g->status != GRANT_ACTIVE) {
		strbuf_printf(out, "%s has %s; there is nothing to %s, so nothing was queued", name,
			      grant_status_name(g->status), action);
		return OUTBOX_REVIEW_MOOT;
	}
	if (item->if_match > 0 && g->version != item->if_match) {
		describe_version_change(item, name, g->version, out);
		strbuf_printf(out, " and is still active; %s anyway? (y/n)", action);
		return OUTBOX_REVIEW_APPLIES;
	}
	strbuf_printf(out, "%s is still active; %s it again?", name, action);
	append_last_error(item, out);
	strbuf_puts(out, " (y/n)");
	return OUTBOX_REVIEW_APPLIES;
}

enum outbox_review_verdict outbox_message_review(const struct outbox_item *item,
						 const json_t *object, const char *me,
						 struct strbuf *out)
{
	char error[256];
	enum outbox_review_verdict verdict;

	if (item->object_kind && strcmp(item->object_kind, "request") == 0) {
		struct access_request r;
		if (!request_from_json(object, &r, error, sizeof error)) {
			strbuf_printf(out, "the broker sent an invalid request %lld: %s",
				      (long long)item->object_id, error);
			return OUTBOX_REVIEW_INVALID;
		}
		verdict = review_request(item, &r, me, out);
		access_request_free(&r);
		return verdict;
	}
	struct grant g;
	if (!grant_from_json(object, &g, error, sizeof error)) {
		strbuf_printf(out, "the broker sent an invalid grant %lld: %s",
			      (long long)item->object_id, error);
		return OUTBOX_REVIEW_INVALID;
	}
	verdict = review_grant(item, &g, out);
	grant_free(&g);
	return verdict;
}

/*
 * A publish over a newer version is never retried: its text was written
 * without the other change, so sending it would silently undo that change.
 */
enum outbox_review_verdict outbox_message_review_publish(const struct outbox_item *item,
							 int64_t version, struct strbuf *out)
{
	if (version != item->if_match) {
		strbuf_printf(out, "the published policy is now version %lld, and yours was based "
			      "on version %lld, so publishing yours would undo that change; nothing "
			      "was queued: open the policy pane (4), edit the published version and "
			      "re-apply your change", (long long)version, (long long)item->if_match);
		return OUTBOX_REVIEW_MOOT;
	}
	strbuf_printf(out, "the published policy is still version %lld; publish it again?",
		      (long long)version);
	append_last_error(item, out);
	strbuf_puts(out, " (y/n)");
	return OUTBOX_REVIEW_APPLIES;
}

enum outbox_review_verdict outbox_message_review_bulk(const struct outbox_item *item,
						      int64_t matched, struct strbuf *out)
{
	if (matched == 0) {
		strbuf_printf(out, "\"%s\" matches no active grant now, so nothing was queued",
			      item->label);
		return OUTBOX_REVIEW_MOOT;
	}
	strbuf_printf(out, "\"%s\" would take %lld active grant%s now; send it again?",
		      item->label, (long long)matched, matched == 1 ? "" : "s");
	append_last_error(item, out);
	strbuf_puts(out, " (y/n)");
	return OUTBOX_REVIEW_APPLIES;
}
