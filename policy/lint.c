#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "policy/internal.h"

/* Names longer than this get no "did you mean" suggestion. */
#define SUGGEST_LENGTH_MAX 64
#define KNOWN_LISTED_MAX 12

static const char *const history_attributes[] = {
	"resource.id", "requester.manager", "requester.rollup1", "requester.rollup2",
	"requester.department", "requester.title", "requester.family_desc", "requester.family",
	"requester.role_code", "requester.id", "request.role", "request.reason",
	"resource.owner_group",
};

const struct policy_schema policy_history_schema = {
	history_attributes, sizeof history_attributes / sizeof history_attributes[0],
};

struct linter {
	const struct policy *policy;
	const struct policy_schema *known;
	struct policy_diagnostics *diagnostics;
};

/* ---- Attributes ---- */

static bool schema_has(const struct policy_schema *known, const char *name)
{
	for (size_t i = 0; i < known->count; i++) {
		const char *entry = known->attributes[i];
		size_t length = strlen(entry);

		if (length >= 2 && strcmp(entry + length - 2, ".*") == 0) {
			if (strncmp(name, entry, length - 1) == 0 && name[length - 1] != '\0')
				return true;
		} else if (strcmp(entry, name) == 0) {
			return true;
		}
	}
	return false;
}

/* The Levenshtein distance between two short strings. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t n = strlen(b);
	size_t row[SUGGEST_LENGTH_MAX + 1];

	for (size_t j = 0; j <= n; j++)
		row[j] = j;
	for (size_t i = 1; a[i - 1]; i++) {
		size_t diagonal = row[0];

		row[0] = i;
		for (size_t j = 1; j <= n; j++) {
			size_t above = row[j];
			size_t best = diagonal + (a[i - 1] != b[j - 1]);

			if (above + 1 < best)
				best = above + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = above;
		}
	}
	return row[n];
}

/* The known attribute nearest to name, when one is near enough to be a typo. */
static const char *suggest_attribute(const struct policy_schema *known, const char *name)
{
	const char *best = NULL;
	size_t best_distance = strlen(name) / 5 > 2 ? strlen(name) / 5 : 2;

	if (strlen(name) > SUGGEST_LENGTH_MAX)
		return NULL;
	for (size_t i = 0; i < known->count; i++) {
		const char *entry = known->attributes[i];

		if (strlen(entry) > SUGGEST_LENGTH_MAX || strchr(entry, '*'))
			continue;
		size_t distance = edit_distance(name, entry);

		if (distance <= best_distance) {
			best = entry;
			best_distance = distance;
		}
	}
	return best;
}

static void report_unknown_attribute(struct linter *l, const struct policy_expr *e)
{
	struct strbuf message = STRBUF_INIT;
	const char *suggestion = suggest_attribute(l->known, e->attribute);

	strbuf_puts(&message, "unknown attribute ");
	quote_append(&message, e->attribute, strlen(e->attribute));
	if (suggestion) {
		strbuf_printf(&message, "; did you mean %s?", suggestion);
	} else {
		strbuf_puts(&message, "; the known attributes are ");
		for (size_t i = 0; i < l->known->count && i < KNOWN_LISTED_MAX; i++)
			strbuf_printf(&message, "%s%s", i ? ", " : "", l->known->attributes[i]);
		if (l->known->count > KNOWN_LISTED_MAX)
			strbuf_printf(&message, " and %zu more", l->known->count - KNOWN_LISTED_MAX);
	}
	diagnostics_add(l->diagnostics, POLICY_ERROR, e->at, "%s", message.data);
	strbuf_free(&message);
}

static void lint_condition(struct linter *l, const struct policy_expr *e)
{
	for (size_t i = 0; i < e->child_count; i++)
		lint_condition(l, e->children[i]);
	if (e->kind != EXPR_COMPARE)
		return;
	if (l->known && !schema_has(l->known, e->attribute))
		report_unknown_attribute(l, e);
	if ((e->op == COMPARE_MATCH || e->op == COMPARE_NOT_MATCH) && e->glob &&
	    !glob_has_wildcard(e->glob)) {
		struct strbuf pattern = STRBUF_INIT;

		quote_append(&pattern, e->values[0].text, e->values[0].length);
		diagnostics_add(l->diagnostics, POLICY_WARNING, e->values[0].at,
				"the pattern %s has no *, ? or [, so it matches only that exact text; "
				"write %s instead", pattern.data, e->op == COMPARE_MATCH ? "==" : "!=");
		strbuf_free(&pattern);
	}
}

/* ---- Rules one by one ---- */

static void lint_window(struct linter *l, const struct policy_window *w)
{
	if (!w->present)
		return;
	if (w->start_minute == w->end_minute)
		diagnostics_add(l->diagnostics, POLICY_ERROR, w->range_at,
				"this time window is empty because it starts when it ends; write "
				"00:00-24:00 for a whole day");
	if (!w->zone) {
		struct strbuf zone = STRBUF_INIT;

		quote_append(&zone, w->zone_name.text, w->zone_name.length);
		diagnostics_add(l->diagnostics, POLICY_ERROR, w->zone_name.at,
				"unknown time zone %s: give an IANA name such as \"Europe/Berlin\" or "
				"\"UTC\" (the files under /usr/share/zoneinfo)", zone.data);
		strbuf_free(&zone);
	}
}

static void lint_terms(struct linter *l, const struct policy_rule *rule)
{
	if (rule->has_max && rule->max_seconds == 0)
		diagnostics_add(l->diagnostics, POLICY_ERROR, rule->max_at,
				"a cap of 0 would end access as soon as it starts; give a positive "
				"duration or remove max");
	if (rule->outcome != POLICY_DENY)
		return;
	if (rule->has_max && rule->max_seconds > 0)
		diagnostics_add(l->diagnostics, POLICY_WARNING, rule->max_at,
				"max has no effect on a rule that denies");
	if (rule->reason_required)
		diagnostics_add(l->diagnostics, POLICY_WARNING, rule->outcome_at,
				"reason required has no effect on a rule that denies");
}

/* ---- Across rules ---- */

static int compare_rule_names(const void *a, const void *b, void *context)
{
	const struct policy *policy = context;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int by_name = strcmp(policy->rules[x].name, policy->rules[y].name);

	if (by_name != 0)
		return by_name;
	return (x > y) - (x < y);
}

static void lint_duplicate_names(struct linter *l)
{
	const struct policy *policy = l->policy;
	size_t *order = xcalloc(policy->rule_count + 1, sizeof *order);

	for (size_t i = 0; i < policy->rule_count; i++)
		order[i] = i;
	qsort_r(order, policy->rule_count, sizeof *order, compare_rule_names, (void *)policy);
	for (size_t i = 1; i < policy->rule_count; i++) {
		const struct policy_rule *rule = &policy->rules[order[i]];

		if (strcmp(policy->rules[order[i - 1]].name, rule->name) != 0)
			continue;
		/* Point every repeat at the first rule of that name. */
		size_t j = i - 1;

		while (j > 0 && strcmp(policy->rules[order[j - 1]].name, rule->name) == 0)
			j--;

		const struct policy_rule *first = &policy->rules[order[j]];
		struct strbuf name = STRBUF_INIT;

		quote_append(&name, rule->name, strlen(rule->name));
		diagnostics_add(l->diagnostics, POLICY_ERROR, rule->name_at,
				"the rule name %s is already used at %u:%u; give each rule its own name",
				name.data, first->at.line, first->at.column);
		strbuf_free(&name);
	}
	free(order);
}

static bool unconditional(const struct policy_rule *rule)
{
	return !rule->condition && !rule->window.present;
}

/* Whether the unconditional rule u, which matches every request, always beats rule i. */
static bool always_beats(const struct policy *policy, size_t u, size_t i)
{
	const struct policy_rule *winner = &policy->rules[u], *rule = &policy->rules[i];

	if (winner->outcome != rule->outcome)
		return winner->outcome > rule->outcome;
	if (rule->outcome == POLICY_REQUIRE && winner->approvals != rule->approvals)
		return winner->approvals > rule->approvals;
	return u < i;
}

/*
 * The unconditional rule that beats the most: the first deny, else the
 * require with the most approvals (the first of those), else the first allow.
 */
static int strongest_unconditional(const struct policy *policy)
{
	int best = -1;

	for (size_t i = 0; i < policy->rule_count; i++)
		if (unconditional(&policy->rules[i]) &&
		    (best < 0 || always_beats(policy, i, (size_t)best)))
			best = (int)i;
	return best;
}

static void lint_reachability(struct linter *l)
{
	const struct policy *policy = l->policy;
	int strongest = strongest_unconditional(policy);

	if (strongest < 0)
		return;

	const struct policy_rule *winner = &policy->rules[strongest];
	struct strbuf winner_name = STRBUF_INIT;

	quote_append(&winner_name, winner->name, strlen(winner->name));
	for (size_t i = 0; i < policy->rule_count; i++) {
		if ((int)i == strongest || !always_beats(policy, (size_t)strongest, i))
			continue;
		struct strbuf name = STRBUF_INIT;

		quote_append(&name, policy->rules[i].name, strlen(policy->rules[i].name));
		diagnostics_add(l->diagnostics, POLICY_WARNING, policy->rules[i].at,
				"rule %s can never decide: rule %s (line %u) matches every request "
				"and always beats it", name.data, winner_name.data, winner->at.line);
		strbuf_free(&name);
	}
	diagnostics_add(l->diagnostics, POLICY_WARNING, policy->default_rule.at,
			"the default never applies: rule %s (line %u) matches every request",
			winner_name.data, winner->at.line);
	strbuf_free(&winner_name);
}

bool policy_lint(const struct policy *policy, const struct policy_schema *known,
		 struct policy_diagnostics *diagnostics)
{
	struct linter l = { policy, known, diagnostics };
	size_t errors_before = diagnostics->error_count;
	size_t first = diagnostics->count;

	for (size_t i = 0; i < policy->rule_count; i++) {
		const struct policy_rule *rule = &policy->rules[i];

		if (rule->condition)
			lint_condition(&l, rule->condition);
		lint_window(&l, &rule->window);
		lint_terms(&l, rule);
	}
	lint_terms(&l, &policy->default_rule);
	lint_duplicate_names(&l);
	lint_reachability(&l);
	diagnostics_sort(diagnostics, first);
	return diagnostics->error_count == errors_before;
}
