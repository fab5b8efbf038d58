/* The JSON and text forms of decisions and simulations. */

#include <math.h>
#include <string.h>

#include "common/alloc.h"
#include "policy/history.h"
#include "policy/internal.h"

static const char *const decision_names[] = { NULL, "approved", "denied" };

static json_t *rule_name_or_null(const struct policy *policy, int rule)
{
	return rule == POLICY_DEFAULT_RULE ? json_null() : json_string(policy->rules[rule].name);
}

static json_t *seconds_or_null(bool known, double seconds)
{
	return known ? json_integer((json_int_t)llround(seconds)) : json_null();
}

json_t *policy_decision_to_json(const struct policy *policy, const struct policy_decision *decision)
{
	json_t *j = json_object();
	json_t *matching = json_array();
	struct strbuf explanation = STRBUF_INIT;

	json_object_set_new(j, "outcome", json_string(policy_outcome_name(decision->outcome)));
	json_object_set_new(j, "approvals", decision->outcome == POLICY_REQUIRE ?
			    json_integer(decision->approvals) : json_null());
	json_object_set_new(j, "group", decision->group ? json_string(decision->group) : json_null());
	json_object_set_new(j, "message", decision->message ? json_string(decision->message) : json_null());
	json_object_set_new(j, "max_seconds", decision->max_seconds > 0 ?
			    json_integer(decision->max_seconds) : json_null());
	json_object_set_new(j, "reason_required", json_boolean(decision->reason_required));
	json_object_set_new(j, "rule", rule_name_or_null(policy, decision->rule));
	json_object_set_new(j, "rule_line", json_integer(policy_rule_at(policy, decision->rule)->at.line));
	for (size_t i = 0; i < decision->match_count; i++) {
		int index = (int)decision->matches[i];
		const struct policy_rule *rule = &policy->rules[index];

		json_array_append_new(matching, json_pack("{s:s, s:I, s:s, s:b}", "rule", rule->name,
							  "line", (json_int_t)rule->at.line,
							  "outcome", policy_outcome_name(rule->outcome),
							  "decided", index == decision->rule));
	}
	json_object_set_new(j, "matching", matching);
	policy_explain(policy, decision, &explanation);
	json_object_set_new(j, "explanation", json_string(strbuf_str(&explanation)));
	strbuf_free(&explanation);
	return j;
}

/* ---- Simulations as JSON ---- */

static json_t *matrix_to_json(const struct policy_simulation *s)
{
	json_t *matrix = json_object();

	for (int from = 0; from < POLICY_OUTCOME_COUNT; from++) {
		json_t *row = json_object();

		for (int to = 0; to < POLICY_OUTCOME_COUNT; to++)
			json_object_set_new(row, policy_outcome_name((enum policy_outcome)to),
					    json_integer((json_int_t)s->matrix[from][to]));
		json_object_set_new(matrix, policy_outcome_name((enum policy_outcome)from), row);
	}
	return matrix;
}

static void add_rules(json_t *j, const struct policy_simulation *s, const struct policy *proposed)
{
	json_t *rules = json_object(), *idle = json_array(), *shadowed = json_array();

	for (size_t i = 0; i < s->rule_count; i++) {
		const char *name = proposed->rules[i].name;

		json_object_set_new(rules, name, json_integer((json_int_t)s->rule_decided[i]));
		if (policy_simulation_rule_idle(s, i))
			json_array_append_new(idle, json_string(name));
		if (policy_simulation_rule_shadowed(s, i))
			json_array_append_new(shadowed, json_string(name));
	}
	json_object_set_new(j, "rules", rules);
	json_object_set_new(j, "rules_never_deciding", idle);
	json_object_set_new(j, "rules_shadowed", shadowed);
}

static json_t *change_to_json(const struct policy_simulation_change *change,
			      const struct policy *current, const struct policy *proposed,
			      const struct policy_history *history)
{
	struct policy_history_row row;
	json_t *j = json_object();

	policy_history_row(history, change->row, &row);
	json_object_set_new(j, "row", json_integer((json_int_t)change->row + 1));
	json_object_set_new(j, "line", row.line ? json_integer((json_int_t)row.line) : json_null());
	json_object_set_new(j, "id", row.id ? json_integer(row.id) : json_null());
	json_object_set_new(j, "history", decision_names[row.decision] ?
			    json_string(decision_names[row.decision]) : json_null());
	json_object_set_new(j, "current", json_string(policy_outcome_name(change->current)));
	json_object_set_new(j, "proposed", json_string(policy_outcome_name(change->proposed)));
	json_object_set_new(j, "current_rule", rule_name_or_null(current, change->current_rule));
	json_object_set_new(j, "proposed_rule", rule_name_or_null(proposed, change->proposed_rule));
	return j;
}

json_t *policy_simulation_to_json(const struct policy_simulation *simulation,
				  const struct policy *current, const struct policy *proposed,
				  const struct policy_history *history, size_t changed_limit)
{
	json_t *j = json_object();
	json_t *changes = json_array();

	json_object_set_new(j, "total", json_integer((json_int_t)simulation->total));
	json_object_set_new(j, "matrix", matrix_to_json(simulation));
	json_object_set_new(j, "changed", json_integer((json_int_t)simulation->changed));
	json_object_set_new(j, "risk", json_integer((json_int_t)simulation->risk));
	json_object_set_new(j, "friction", json_integer((json_int_t)simulation->friction));
	add_rules(j, simulation, proposed);
	json_object_set_new(j, "rows_without_time", json_integer((json_int_t)simulation->without_time));
	json_object_set_new(j, "mtta_seconds",
			    json_pack("{s:o, s:o}",
				      "current", seconds_or_null(simulation->mtta_current_known,
								 simulation->mtta_current),
				      "proposed", seconds_or_null(simulation->mtta_proposed_known,
								  simulation->mtta_proposed)));
	for (size_t i = 0; i < simulation->change_count && i < changed_limit; i++)
		json_array_append_new(changes, change_to_json(&simulation->changes[i], current, proposed,
							      history));
	json_object_set_new(j, "changed_rows", changes);
	return j;
}

/* ---- Simulations as text ---- */

static void format_matrix(const struct policy_simulation *s, struct strbuf *out)
{
	strbuf_puts(out, "outcomes (rows: the current policy; columns: the proposed one)\n");
	strbuf_printf(out, "  %-10s %10s %10s %10s\n", "", "allow", "require", "deny");
	for (int from = 0; from < POLICY_OUTCOME_COUNT; from++)
		strbuf_printf(out, "  %-10s %10zu %10zu %10zu\n",
			      policy_outcome_name((enum policy_outcome)from), s->matrix[from][POLICY_ALLOW],
			      s->matrix[from][POLICY_REQUIRE], s->matrix[from][POLICY_DENY]);
}

static void format_wait(bool known, double seconds, struct strbuf *out)
{
	if (known)
		policy_format_duration((int64_t)llround(seconds), out);
	else
		strbuf_puts(out, "unknown");
}

static void format_figures(const struct policy_simulation *s, const struct policy_history *history,
			   struct strbuf *out)
{
	double share = s->total ? 100.0 * (double)s->changed / (double)s->total : 0;

	strbuf_printf(out, "changed:   %zu of %zu (%.1f%%)\n", s->changed, s->total, share);
	strbuf_printf(out, "risk:      %zu proposed allows that people denied\n", s->risk);
	strbuf_printf(out, "friction:  %zu proposed denies that people approved\n", s->friction);
	strbuf_puts(out, "mean time to access, projected: current ");
	format_wait(s->mtta_current_known, s->mtta_current, out);
	strbuf_puts(out, ", proposed ");
	format_wait(s->mtta_proposed_known, s->mtta_proposed, out);
	if (!s->approval_wait_known)
		strbuf_puts(out, " (the history has no approved request with both times)");
	strbuf_putc(out, '\n');
	if (s->without_time > 0)
		strbuf_printf(out, "rows without a time: %zu, on which a rule's time window could not be "
			      "checked, so that rule did not match%s\n", s->without_time,
			      policy_history_has_times(history) ? "" : " (CSV rows have no time)");
}

static void format_rules(const struct policy_simulation *s, const struct policy *proposed,
			 struct strbuf *out)
{
	strbuf_puts(out, "rules of the proposed policy, with the rows each decided:\n");
	for (size_t i = 0; i < s->rule_count; i++) {
		const struct policy_rule *rule = &proposed->rules[i];

		strbuf_printf(out, "  %9zu  ", s->rule_decided[i]);
		quote_append(out, rule->name, strlen(rule->name));
		strbuf_printf(out, " (line %u)", rule->at.line);
		if (policy_simulation_rule_shadowed(s, i))
			strbuf_printf(out, ": never decides; it matched %zu rows but another rule always won",
				      s->rule_matched[i]);
		else if (policy_simulation_rule_idle(s, i))
			strbuf_puts(out, ": never decides; it matched no row");
		strbuf_putc(out, '\n');
	}
	strbuf_printf(out, "  %9zu  the default (line %u)\n", s->default_decided,
		      proposed->default_rule.at.line);
}

static void append_decider(const struct policy *policy, int rule, struct strbuf *out)
{
	if (rule == POLICY_DEFAULT_RULE) {
		strbuf_puts(out, "the default");
		return;
	}
	strbuf_puts(out, "rule ");
	quote_append(out, policy->rules[rule].name, strlen(policy->rules[rule].name));
}

static void format_change(const struct policy_simulation_change *change,
			  const struct policy *current, const struct policy *proposed,
			  const struct policy_history *history, struct strbuf *out)
{
	struct policy_history_row row;

	policy_history_row(history, change->row, &row);
	if (row.id)
		strbuf_printf(out, "  request %lld", (long long)row.id);
	else
		strbuf_printf(out, "  line %zu", row.line);
	strbuf_printf(out, ": %s (", policy_outcome_name(change->current));
	append_decider(current, change->current_rule, out);
	strbuf_printf(out, ") -> %s (", policy_outcome_name(change->proposed));
	append_decider(proposed, change->proposed_rule, out);
	strbuf_putc(out, ')');
	if (decision_names[row.decision])
		strbuf_printf(out, "; people %s it", decision_names[row.decision]);
	strbuf_putc(out, '\n');
}

void policy_simulation_format(const struct policy_simulation *simulation,
			      const struct policy *current, const struct policy *proposed,
			      const struct policy_history *history, size_t changed_limit,
			      struct strbuf *out)
{
	format_matrix(simulation, out);
	format_figures(simulation, history, out);
	format_rules(simulation, proposed, out);
	if (simulation->change_count == 0 || changed_limit == 0)
		return;
	if (simulation->change_count > changed_limit)
		strbuf_printf(out, "changed requests, the first %zu of %zu:\n", changed_limit,
			      simulation->change_count);
	else
		strbuf_puts(out, "changed requests:\n");
	for (size_t i = 0; i < simulation->change_count && i < changed_limit; i++)
		format_change(&simulation->changes[i], current, proposed, history, out);
}
