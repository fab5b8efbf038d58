/*
 * Fuzz target for the policy language in policy/. The input is a policy's
 * text, which is highlighted, parsed and linted. A policy that parses
 * decides requests built from its own strings, at times on both sides of
 * daylight-saving changes and with no time. It is then simulated against
 * itself over a small history. Properties: diagnostics point inside the text and carry no
 * control characters; highlighted tokens are in order and inside the text; a
 * decision's rule matched and has the decision's outcome; deciding twice
 * gives the same result; and a policy simulated against itself changes no row.
 */

#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"
#include "policy/simulate.h"
#include "tests/fuzz/fuzz_support.h"

#define REQUESTS_PER_INPUT 4

static const char *const schema_attributes[] = { "requester.*", "resource.id", "request.role" };
static const struct policy_schema schema = { schema_attributes, 3 };

static const char history_csv[] =
	"ACTION,RESOURCE,MGR_ID,ROLE_ROLLUP_1,ROLE_ROLLUP_2,ROLE_DEPTNAME,ROLE_TITLE,"
	"ROLE_FAMILY_DESC,ROLE_FAMILY,ROLE_CODE\n"
	"1,39353,85475,117961,118300,123472,117905,117906,290919,117908\n"
	"0,4675,1540,117961,118343,123125,118536,118536,308574,118539\n";
static const char history_json_lines[] =
	"{\"id\": 7, \"status\": \"approved\", \"requester\": \"emp-1\", \"resource\": \"4675\", "
	"\"role\": \"read\", \"created_at\": \"2026-03-29T00:30:00Z\", "
	"\"decided_at\": \"2026-03-29T01:30:00Z\", \"approvals_needed\": 1, "
	"\"attributes\": {\"requester.groups\": [\"ops\", \"staff\"]}}\n";

/* Instants next to daylight-saving changes in Europe and America, and one ordinary one. */
static const int64_t times[REQUESTS_PER_INPUT] = {
	1774745999, 1774746000, 1793512800, 1796397068,
};

static struct policy_history *history;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	history = policy_history_new();
	if (!policy_history_read_csv(history, history_csv, strlen(history_csv), err, sizeof err) ||
	    !policy_history_read_json_lines(history, history_json_lines, strlen(history_json_lines), err,
					    sizeof err))
		fuzz_fail("the fixed history does not load: %s", err);
	return 0;
}

static void check_diagnostics(const struct policy_diagnostics *d, const char *text, size_t size)
{
	unsigned lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	for (size_t i = 0; i < d->count; i++) {
		const struct policy_diagnostic *item = &d->items[i];

		if (item->line < 1 || item->line > lines || item->column < 1 ||
		    item->column > size + 1)
			fuzz_fail("diagnostic at %u:%u is outside a text of %u lines and %zu bytes: %s",
				  item->line, item->column, lines, size, item->message);
		if (item->message[0] == '\0')
			fuzz_fail("empty diagnostic at %u:%u", item->line, item->column);
		for (const char *p = item->message; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7F)
				fuzz_fail("diagnostic at %u:%u contains control character 0x%02X",
					  item->line, item->column, (unsigned char)*p);
	}
}

struct token_walk {
	size_t end;                 /* where the previous token ended */
	size_t size;
};

static void check_token(enum policy_token_class token_class, size_t offset, size_t length,
			void *context)
{
	struct token_walk *walk = context;

	if (length == 0 || offset < walk->end || offset + length > walk->size)
		fuzz_fail("token of class %d at %zu, %zu bytes, after one ending at %zu, in %zu bytes",
			  (int)token_class, offset, length, walk->end, walk->size);
	walk->end = offset + length;
}

/* Give each attribute a value from the policy's strings, a different one per request. */
static void fill_request(const struct policy *policy, struct policy_request *request, size_t round)
{
	policy_request_reset(request);
	for (size_t a = 0; a < policy->attribute_count; a++) {
		if (policy->string_count <= VALUE_FIRST_STRING) {
			policy_request_add(request, (int)a, "x", 1);
			continue;
		}
		size_t strings = policy->string_count - VALUE_FIRST_STRING;
		const struct string_entry *s = &policy->strings[VALUE_FIRST_STRING + (a + round) % strings];

		policy_request_add(request, (int)a, s->text, s->length);
		if (round % 2)
			policy_request_add(request, (int)a, "prod/db", 7);
	}
	if (round + 1 < REQUESTS_PER_INPUT)
		policy_request_set_time(request, times[round]);
}

static void check_decision(const struct policy *policy, const struct policy_decision *d)
{
	bool found = d->rule == POLICY_DEFAULT_RULE;

	if (d->match_count > policy->rule_count)
		fuzz_fail("%zu matches of %zu rules", d->match_count, policy->rule_count);
	for (size_t i = 0; i < d->match_count; i++) {
		if (d->matches[i] >= policy->rule_count || (i > 0 && d->matches[i] <= d->matches[i - 1]))
			fuzz_fail("match %zu is rule %u, out of order or range", i, d->matches[i]);
		found |= (int)d->matches[i] == d->rule;
	}
	if (!found)
		fuzz_fail("rule %d decided without matching", d->rule);
	if ((d->rule == POLICY_DEFAULT_RULE) != (d->match_count == 0))
		fuzz_fail("the default decided with %zu matching rules", d->match_count);
	if (d->outcome != policy_rule_at(policy, d->rule)->outcome)
		fuzz_fail("outcome %d differs from rule %d's", (int)d->outcome, d->rule);
}

static void decide_requests(const struct policy *policy)
{
	struct policy_request *request = policy_request_new(policy);
	struct strbuf explanation = STRBUF_INIT;

	for (size_t round = 0; round < REQUESTS_PER_INPUT; round++) {
		struct policy_decision first, second;

		fill_request(policy, request, round);
		policy_decide(request, &first);
		check_decision(policy, &first);
		policy_decide(request, &second);
		if (second.rule != first.rule || second.match_count != first.match_count ||
		    second.max_seconds != first.max_seconds)
			fuzz_fail("deciding the same request twice gave rule %d then %d", first.rule,
				  second.rule);
		strbuf_reset(&explanation);
		policy_explain(policy, &first, &explanation);
		if (explanation.len == 0)
			fuzz_fail("empty explanation");
		json_decref(policy_decision_to_json(policy, &first));
	}
	strbuf_free(&explanation);
	policy_request_free(request);
}

static void simulate_against_itself(const struct policy *policy)
{
	struct policy_simulation s;

	policy_simulate(policy, policy, history, &s);
	if (s.total != policy_history_count(history) || s.changed != 0 || s.change_count != 0)
		fuzz_fail("a policy simulated against itself: %zu rows, %zu changed", s.total, s.changed);
	json_decref(policy_simulation_to_json(&s, policy, policy, history, SIZE_MAX));
	policy_simulation_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct policy_diagnostics diagnostics;
	struct token_walk walk = { 0, size };
	struct policy *policy;

	policy_highlight(text, size, check_token, &walk);
	policy_diagnostics_init(&diagnostics, "fuzz");
	policy = policy_parse(text, size, &diagnostics);
	if (!policy && diagnostics.error_count == 0)
		fuzz_fail("the parser failed without an error");
	if (policy) {
		policy_lint(policy, &schema, &diagnostics);
		policy_lint(policy, NULL, &diagnostics);
		policy_lint_history(policy, history, &diagnostics);
		decide_requests(policy);
		simulate_against_itself(policy);
	}
	check_diagnostics(&diagnostics, text, size);
	policy_diagnostics_free(&diagnostics);
	policy_free(policy);
	return 0;
}
