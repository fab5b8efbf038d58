/*
 * gatehouse approve, deny and revoke: one write each. A write to one object
 * reads it first and sends If-Match with the version read, so that an object
 * that changed in between is refused (412 stale_version) instead of changed
 * unseen. Every write carries a new Idempotency-Key.
 */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "console/cli_args.h"
#include "console/cli_table.h"
#include "console/cli_verbs.h"
#include "tui/text.h"

#define WRITE_USAGE_END \
	"\n" \
	"The write is sent with If-Match on the version read just before, so an object\n" \
	"that someone changed in between is refused (stale_version), and with a new\n" \
	"Idempotency-Key.\n" \
	"\n" \
	CLI_COMMON_USAGE

static const char approve_usage[] =
	"usage: gatehouse approve ID --reason TEXT [--json] [connection options]\n"
	"\n"
	"Add the token's approval to the pending request ID. The request is approved,\n"
	"and its grant made, once it has all the approvals its route needs.\n"
	"\n"
	"options:\n"
	"  --reason TEXT  why, for the audit trail (required, at most 1000 characters)\n"
	"  --json         print the request after the change, as the broker sent it\n"
	WRITE_USAGE_END;

static const char deny_usage[] =
	"usage: gatehouse deny ID --reason TEXT [--json] [connection options]\n"
	"\n"
	"Deny the pending request ID.\n"
	"\n"
	"options:\n"
	"  --reason TEXT  why, for the requester and the audit trail (required, at\n"
	"                 most 1000 characters)\n"
	"  --json         print the request after the change, as the broker sent it\n"
	WRITE_USAGE_END;

static const char revoke_usage[] =
	"usage: gatehouse revoke ID --reason TEXT [--json] [connection options]\n"
	"       gatehouse revoke --principal ID [--resource ID] --reason TEXT [--json]\n"
	"       gatehouse revoke --resource ID --reason TEXT [--json]\n"
	"\n"
	"Revoke the active grant ID. With --principal, --resource or both, revoke\n"
	"every active grant that matches, in one transaction. Only admins may do that.\n"
	"\n"
	"options:\n"
	"  --principal ID  revoke the active grants this principal holds\n"
	"  --resource ID   revoke the active grants on this resource\n"
	"  --reason TEXT   why, for the holder and the audit trail (required, at most\n"
	"                  1000 characters)\n"
	"  --json          print the grant after the change, or the broker's count\n"
	"                  ({\"revoked\": N, \"matched\": N, \"grant_ids\": [...], ...})\n"
	"\n"
	"Revoking one grant sends If-Match on the version read just before, so a\n"
	"grant that someone changed in between is refused (stale_version). Every\n"
	"revocation carries a new Idempotency-Key.\n"
	"\n"
	CLI_COMMON_USAGE;

static const struct cli_verb approve_verb = {
	"approve", approve_usage, CLI_OPTION_ID | CLI_OPTION_REASON | CLI_OPTION_JSON,
};

static const struct cli_verb deny_verb = {
	"deny", deny_usage, CLI_OPTION_ID | CLI_OPTION_REASON | CLI_OPTION_JSON,
};

static const struct cli_verb revoke_verb = {
	"revoke", revoke_usage,
	CLI_OPTION_ID | CLI_OPTION_REASON | CLI_OPTION_JSON | CLI_OPTION_PRINCIPAL |
	CLI_OPTION_RESOURCE,
};

/* Check that an option's value can go into a JSON body: -1 to go on, else CLI_EXIT_USAGE. */
static int check_utf8(const struct cli_verb *verb, const char *option, const char *value)
{
	json_t *text;

	if (!value)
		return -1;
	text = json_string(value);
	if (!text)
		return cli_usage_error(verb, "--%s is not valid UTF-8", option);
	json_decref(text);
	return -1;
}

static int check_reason(const struct cli_verb *verb, const struct cli_args *args)
{
	if (!args->reason)
		return cli_usage_error(verb, "--reason is required: say why, for the audit trail");
	return check_utf8(verb, "reason", args->reason);
}

/* Read the object at /v1/COLLECTION/ID for its version, then POST its ACTION with If-Match. */
static int write_object(struct cli_broker *broker, const char *collection, int64_t id,
			const char *action, const char *reason, json_t **result)
{
	char path[128];
	json_t *object, *body;
	int64_t version;
	int status;

	snprintf(path, sizeof path, "/v1/%s/%lld", collection, (long long)id);
	status = cli_broker_get(broker, path, &object);
	if (status != CLI_EXIT_DONE)
		return status;
	version = json_integer_value(json_object_get(object, "version"));
	json_decref(object);
	if (version <= 0)
		return cli_invalid_reply("the object has no positive version");
	snprintf(path, sizeof path, "/v1/%s/%lld/%s", collection, (long long)id, action);
	body = json_pack("{s:s}", "reason", reason);
	status = cli_broker_post(broker, path, body, version, result);
	json_decref(body);
	return status;
}

/* Print "request 42 is now STATUS", with the broker's status sanitized. */
static void print_status(const char *kind, int64_t id, const json_t *object)
{
	struct strbuf raw = STRBUF_INIT;
	struct strbuf clean = STRBUF_INIT;

	cli_cell_field(object, "status", &raw);
	text_sanitize(raw.data, raw.len, text_charset_from_locale(), &clean);
	printf("%s %lld is now %s\n", kind, (long long)id, strbuf_str(&clean));
	strbuf_free(&raw);
	strbuf_free(&clean);
}

static bool has_status(const json_t *object, const char *status)
{
	const char *value = json_string_value(json_object_get(object, "status"));

	return value && strcmp(value, status) == 0;
}

static void print_decision(int64_t id, const json_t *request)
{
	long long grant_id = json_integer_value(json_object_get(request, "grant_id"));
	long long needed = json_integer_value(json_object_get(request, "approvals_needed"));
	size_t given = json_array_size(json_object_get(request, "approvals"));

	if (has_status(request, "approved"))
		printf("approved request %lld: grant %lld\n", (long long)id, grant_id);
	else if (has_status(request, "pending"))
		printf("approved request %lld: %zu of %lld approvals, still pending\n", (long long)id,
		       given, needed);
	else if (has_status(request, "denied"))
		printf("denied request %lld\n", (long long)id);
	else
		print_status("request", id, request);
}

/* gatehouse approve and gatehouse deny, which differ only in the action and the words. */
static int decide(const struct cli_verb *verb, int argc, char **argv)
{
	struct cli_args args;
	struct cli_broker *broker;
	json_t *request = NULL;
	int status = cli_args_parse(verb, argc, argv, &args);

	if (status >= 0)
		return status;
	if (args.id == 0)
		status = cli_usage_error(verb, "give the ID of the request to %s", verb->name);
	else
		status = check_reason(verb, &args);
	if (status >= 0) {
		cli_args_free(&args);
		return status;
	}
	broker = cli_args_connect(&args);
	if (!broker) {
		cli_args_free(&args);
		return CLI_EXIT_USAGE;
	}
	status = write_object(broker, "requests", args.id, verb->name, args.reason, &request);
	if (status == CLI_EXIT_DONE && args.json)
		cli_print_json(request);
	else if (status == CLI_EXIT_DONE)
		print_decision(args.id, request);
	json_decref(request);
	cli_broker_close(broker);
	cli_args_free(&args);
	return status;
}

int cli_approve_run(int argc, char **argv)
{
	return decide(&approve_verb, argc, argv);
}

int cli_deny_run(int argc, char **argv)
{
	return decide(&deny_verb, argc, argv);
}

/* Print "revoked 3 of 3 matching grants: 7, 9, 12". */
static int print_bulk_revocation(const json_t *result)
{
	const json_t *revoked = json_object_get(result, "revoked");
	const json_t *matched = json_object_get(result, "matched");
	const json_t *grant_ids = json_object_get(result, "grant_ids");
	size_t i;
	const json_t *grant_id;

	if (!json_is_integer(revoked) || !json_is_integer(matched) || !json_is_array(grant_ids))
		return cli_invalid_reply("the count of revoked grants lacks revoked, matched or "
					 "grant_ids");
	printf("revoked %lld of %lld matching grants", (long long)json_integer_value(revoked),
	       (long long)json_integer_value(matched));
	json_array_foreach(grant_ids, i, grant_id)
		printf("%s%lld", i == 0 ? ": " : ", ", (long long)json_integer_value(grant_id));
	putchar('\n');
	return CLI_EXIT_DONE;
}

static int revoke_matching(struct cli_broker *broker, const struct cli_args *args)
{
	json_t *body = json_pack("{s:s}", "reason", args->reason);
	json_t *result = NULL;
	int status;

	if (args->principal)
		json_object_set_new(body, "principal", json_string(args->principal));
	if (args->resource)
		json_object_set_new(body, "resource", json_string(args->resource));
	status = cli_broker_post(broker, "/v1/grants/revoke", body, 0, &result);
	json_decref(body);
	if (status == CLI_EXIT_DONE && args->json)
		cli_print_json(result);
	else if (status == CLI_EXIT_DONE)
		status = print_bulk_revocation(result);
	json_decref(result);
	return status;
}

static int revoke_one(struct cli_broker *broker, const struct cli_args *args)
{
	json_t *grant = NULL;
	int status = write_object(broker, "grants", args->id, "revoke", args->reason, &grant);

	if (status == CLI_EXIT_DONE && args->json)
		cli_print_json(grant);
	else if (status == CLI_EXIT_DONE && has_status(grant, "revoked"))
		printf("revoked grant %lld\n", (long long)args->id);
	else if (status == CLI_EXIT_DONE)
		print_status("grant", args->id, grant);
	json_decref(grant);
	return status;
}

/* Check the revoke verb's choice: one grant ID, or --principal and --resource filters. */
static int check_revoke_target(const struct cli_args *args)
{
	int status;

	if (args->id != 0 && (args->principal || args->resource))
		return cli_usage_error(&revoke_verb, "give a grant ID or --principal and --resource, "
				       "not both");
	if (args->id == 0 && !args->principal && !args->resource)
		return cli_usage_error(&revoke_verb, "give the ID of the grant to revoke, or "
				       "--principal ID or --resource ID to revoke every active grant "
				       "that matches");
	status = check_utf8(&revoke_verb, "principal", args->principal);
	if (status < 0)
		status = check_utf8(&revoke_verb, "resource", args->resource);
	if (status < 0)
		status = check_reason(&revoke_verb, args);
	return status;
}

int cli_revoke_run(int argc, char **argv)
{
	struct cli_args args;
	struct cli_broker *broker;
	int status = cli_args_parse(&revoke_verb, argc, argv, &args);

	if (status >= 0)
		return status;
	status = check_revoke_target(&args);
	if (status < 0) {
		broker = cli_args_connect(&args);
		if (!broker) {
			status = CLI_EXIT_USAGE;
		} else {
			status = args.id != 0 ? revoke_one(broker, &args) : revoke_matching(broker, &args);
			cli_broker_close(broker);
		}
	}
	cli_args_free(&args);
	return status;
}
