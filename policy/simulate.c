#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "policy/history.h"
#include "policy/internal.h"

/*
 * The state a binding keeps for one value of a column: PASSED_UNKNOWN until it is
 * worked out, PASSED_NONE, PASSED_ONE | the one test it passes, or
 * PASSED_LIST + where the list of the tests it passes starts.
 */
#define PASSED_UNKNOWN 0u
#define PASSED_NONE 1u
#define PASSED_LIST 2u
#define PASSED_ONE (UINT32_C(1) << 31)

/*
 * One policy's view of the history: for each column the policy reads, which
 * of its tests each distinct value passes. That is worked out once per value,
 * not once per row, so that deciding a row only sets bits.
 */
struct binding {
	const struct policy *policy;
	const struct policy_history *history;
	struct policy_request *request;
	int32_t *attributes;        /* per column: the policy's attribute index, or -1 */
	uint32_t **passed;          /* per column the policy reads, per value id */
	uint32_t *lists;            /* lists of passed tests: a count, then that many test indexes */
	size_t list_count;
	size_t list_capacity;
};

struct mtta_sum {
	double seconds;
	size_t count;
};

static void binding_init(struct binding *b, const struct policy *policy,
			 const struct policy_history *history)
{
	memset(b, 0, sizeof *b);
	b->policy = policy;
	b->history = history;
	b->request = policy_request_new(policy);
	b->attributes = xcalloc(history->column_count + 1, sizeof *b->attributes);
	b->passed = xcalloc(history->column_count + 1, sizeof *b->passed);
	for (size_t c = 0; c < history->column_count; c++) {
		int a = policy_attribute_index(policy, history->columns[c].attribute);

		b->attributes[c] = a;
		if (a >= 0)
			b->passed[c] = xcalloc(history->columns[c].values.count + 1, sizeof *b->passed[c]);
	}
}

static void binding_free(struct binding *b)
{
	for (size_t c = 0; c < b->history->column_count; c++)
		free(b->passed[c]);
	free(b->passed);
	free(b->lists);
	free(b->attributes);
	policy_request_free(b->request);
}

static void push_list(struct binding *b, uint32_t value)
{
	if (b->list_count == b->list_capacity) {
		b->list_capacity = b->list_capacity ? b->list_capacity * 2 : 256;
		b->lists = xreallocarray(b->lists, b->list_capacity, sizeof *b->lists);
	}
	b->lists[b->list_count++] = value;
}

/* Work out which tests on the attribute value v of a column passes. */
static uint32_t work_out_passed(struct binding *b, size_t column, uint32_t attribute, uint32_t v)
{
	const struct history_values *values = &b->history->columns[column].values;
	uint32_t *passed = b->request->passed;
	size_t count = policy_tests_passed(b->policy, attribute, values->text + values->offsets[v],
					   values->lengths[v], passed);
	uint32_t start = (uint32_t)b->list_count;

	if (count == 0)
		return PASSED_NONE;
	if (count == 1)
		return PASSED_ONE | passed[0];
	push_list(b, (uint32_t)count);
	for (size_t i = 0; i < count; i++)
		push_list(b, passed[i]);
	return PASSED_LIST + start;
}

static void bind_value(struct binding *b, size_t column, uint32_t attribute, uint32_t v)
{
	uint32_t *passed = &b->passed[column][v];

	if (*passed == PASSED_UNKNOWN)
		*passed = work_out_passed(b, column, attribute, v);
	if (*passed == PASSED_NONE)
		return;
	if (*passed & PASSED_ONE) {
		uint32_t test = *passed & ~PASSED_ONE;

		policy_request_add_passed(b->request, &test, 1);
		return;
	}

	const uint32_t *list = b->lists + (*passed - PASSED_LIST);

	policy_request_add_passed(b->request, list + 1, list[0]);
}

static void decide_row(struct binding *b, size_t row, struct policy_decision *out)
{
	const struct policy_history *h = b->history;

	policy_request_reset(b->request);
	for (size_t c = 0; c < h->column_count; c++) {
		uint32_t cell = h->columns[c].cells[row];

		if (b->attributes[c] < 0 || cell == 0)
			continue;
		if (!(cell & HISTORY_SEVERAL)) {
			bind_value(b, c, (uint32_t)b->attributes[c], cell);
			continue;
		}
		const uint32_t *list = h->several + (cell & ~HISTORY_SEVERAL);

		for (uint32_t i = 1; i <= list[0]; i++)
			bind_value(b, c, (uint32_t)b->attributes[c], list[i]);
	}

	int64_t created_at = history_created_at(h, row);

	if (created_at != 0)
		policy_request_set_time(b->request, created_at);
	policy_decide(b->request, out);
}

/* The mean wait of approved requests that needed approval; false when there is none. */
static bool approval_wait(const struct policy_history *h, double *out)
{
	double sum = 0;
	size_t count = 0;

	for (size_t row = 0; row < h->row_count && h->requests; row++) {
		const struct history_request *request = &h->requests[row];

		if (h->decisions[row] == POLICY_HISTORY_APPROVED && request->needed_approval &&
		    request->wait_known) {
			sum += (double)request->wait_seconds;
			count++;
		}
	}
	if (count == 0)
		return false;
	*out = sum / (double)count;
	return true;
}

/* Add a row's projected wait: allow waits 0 s, an approved require the mean wait. */
static void add_projected_wait(struct mtta_sum *sum, enum policy_outcome outcome,
			       enum policy_history_decision decision, double wait)
{
	if (outcome == POLICY_ALLOW) {
		sum->count++;
	} else if (outcome == POLICY_REQUIRE && decision == POLICY_HISTORY_APPROVED) {
		sum->seconds += wait;
		sum->count++;
	}
}

static void record_change(struct policy_simulation *out, size_t *capacity, size_t row,
			  const struct policy_decision *current, const struct policy_decision *proposed)
{
	if (out->change_count == *capacity) {
		*capacity = *capacity ? *capacity * 2 : 256;
		out->changes = xreallocarray(out->changes, *capacity, sizeof *out->changes);
	}
	out->changes[out->change_count++] = (struct policy_simulation_change){
		.row = row, .current = current->outcome, .proposed = proposed->outcome,
		.current_rule = current->rule, .proposed_rule = proposed->rule,
	};
}

static void count_row(struct policy_simulation *out, const struct policy_history *h, size_t row,
		      const struct policy_decision *current, const struct policy_decision *proposed)
{
	enum policy_history_decision decision = (enum policy_history_decision)h->decisions[row];

	out->total++;
	out->matrix[current->outcome][proposed->outcome]++;
	if (proposed->outcome == POLICY_ALLOW && decision == POLICY_HISTORY_DENIED)
		out->risk++;
	if (proposed->outcome == POLICY_DENY && decision == POLICY_HISTORY_APPROVED)
		out->friction++;
	if (proposed->rule == POLICY_DEFAULT_RULE)
		out->default_decided++;
	else
		out->rule_decided[proposed->rule]++;
	for (size_t i = 0; i < proposed->match_count; i++)
		out->rule_matched[proposed->matches[i]]++;
	if (current->untimed_count > 0 || proposed->untimed_count > 0)
		out->without_time++;
}

void policy_simulate(const struct policy *current, const struct policy *proposed,
		     const struct policy_history *history, struct policy_simulation *out)
{
	struct binding now, next;
	struct policy_decision current_decision, proposed_decision;
	struct mtta_sum current_wait = { 0, 0 }, proposed_wait = { 0, 0 };
	size_t change_capacity = 0;
	double wait = 0;

	memset(out, 0, sizeof *out);
	out->rule_count = proposed->rule_count;
	out->rule_decided = xcalloc(proposed->rule_count + 1, sizeof *out->rule_decided);
	out->rule_matched = xcalloc(proposed->rule_count + 1, sizeof *out->rule_matched);
	out->approval_wait_known = approval_wait(history, &wait);
	out->approval_wait = wait;
	binding_init(&now, current, history);
	binding_init(&next, proposed, history);
	for (size_t row = 0; row < history->row_count; row++) {
		enum policy_history_decision decision = (enum policy_history_decision)history->decisions[row];

		decide_row(&now, row, &current_decision);
		decide_row(&next, row, &proposed_decision);
		count_row(out, history, row, &current_decision, &proposed_decision);
		if (current_decision.outcome != proposed_decision.outcome)
			record_change(out, &change_capacity, row, &current_decision, &proposed_decision);
		add_projected_wait(&current_wait, current_decision.outcome, decision, wait);
		add_projected_wait(&proposed_wait, proposed_decision.outcome, decision, wait);
	}
	out->changed = out->change_count;
	out->mtta_current_known = out->approval_wait_known && current_wait.count > 0;
	out->mtta_proposed_known = out->approval_wait_known && proposed_wait.count > 0;
	if (out->mtta_current_known)
		out->mtta_current = current_wait.seconds / (double)current_wait.count;
	if (out->mtta_proposed_known)
		out->mtta_proposed = proposed_wait.seconds / (double)proposed_wait.count;
	binding_free(&now);
	binding_free(&next);
}

static void lint_condition_history(const struct policy_expr *e, const struct policy_history *history,
				   struct policy_diagnostics *diagnostics)
{
	for (size_t i = 0; i < e->child_count; i++)
		lint_condition_history(e->children[i], history, diagnostics);
	if (e->kind != EXPR_COMPARE || policy_history_has_attribute(history, e->attribute))
		return;

	struct strbuf name = STRBUF_INIT;

	quote_append(&name, e->attribute, strlen(e->attribute));
	diagnostics_add(diagnostics, POLICY_WARNING, e->at,
			"no row of the history has the attribute %s, so this condition sees no value",
			name.data);
	strbuf_free(&name);
}

void policy_lint_history(const struct policy *policy, const struct policy_history *history,
			 struct policy_diagnostics *diagnostics)
{
	size_t first = diagnostics->count;

	for (size_t i = 0; i < policy->rule_count; i++) {
		const struct policy_rule *rule = &policy->rules[i];

		if (rule->condition)
			lint_condition_history(rule->condition, history, diagnostics);
		if (rule->window.present && !policy_history_has_times(history))
			diagnostics_add(diagnostics, POLICY_WARNING, rule->window.at,
					"no row of the history has a time, so this time window never "
					"matches in the simulation");
	}
	diagnostics_sort(diagnostics, first);
}

void policy_simulation_free(struct policy_simulation *simulation)
{
	free(simulation->rule_decided);
	free(simulation->rule_matched);
	free(simulation->changes);
	memset(simulation, 0, sizeof *simulation);
}

bool policy_simulation_rule_idle(const struct policy_simulation *simulation, size_t rule)
{
	return simulation->rule_decided[rule] == 0;
}

bool policy_simulation_rule_shadowed(const struct policy_simulation *simulation, size_t rule)
{
	return simulation->rule_decided[rule] == 0 && simulation->rule_matched[rule] > 0;
}
