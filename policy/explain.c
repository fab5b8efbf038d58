#include <string.h>

#include "policy/internal.h"

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static void append_quoted(struct strbuf *out, const char *text)
{
	quote_append(out, text, strlen(text));
}

void policy_format_duration(int64_t seconds, struct strbuf *out)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

	if (seconds <= 0) {
		strbuf_puts(out, "0s");
		return;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (seconds >= units[i].seconds) {
			strbuf_printf(out, "%lld%c", (long long)(seconds / units[i].seconds), units[i].unit);
			seconds %= units[i].seconds;
		}
	}
}

void policy_describe_outcome(const struct policy *policy, int rule, struct strbuf *out)
{
	const struct policy_rule *r = policy_rule_at(policy, rule);

	switch (r->outcome) {
	case POLICY_ALLOW:
		strbuf_puts(out, "allow");
		break;
	case POLICY_REQUIRE:
		strbuf_printf(out, "require %d approval%s from ", r->approvals, r->approvals == 1 ? "" : "s");
		append_quoted(out, r->group);
		break;
	case POLICY_DENY:
		strbuf_puts(out, "deny ");
		append_quoted(out, r->message);
		break;
	}
}

/* "rule "NAME" (line 7)" or "the default (line 2)". */
static void append_rule_name(const struct policy *policy, int rule, struct strbuf *out)
{
	const struct policy_rule *r = policy_rule_at(policy, rule);

	if (rule == POLICY_DEFAULT_RULE) {
		strbuf_printf(out, "the default (line %u)", r->at.line);
		return;
	}
	strbuf_puts(out, "rule ");
	append_quoted(out, r->name);
	strbuf_printf(out, " (line %u)", r->at.line);
}

/* Days as runs: "mon-fri", "sat-sun", "mon,wed,fri". */
static void append_days(uint8_t days, struct strbuf *out)
{
	bool first = true;

	for (int day = 0; day < 7;) {
		if (!(days & (1u << day))) {
			day++;
			continue;
		}
		int last = day;

		while (last + 1 < 7 && (days & (1u << (last + 1))))
			last++;
		strbuf_printf(out, "%s%s", first ? "" : ",", day_names[day]);
		if (last > day)
			strbuf_printf(out, "-%s", day_names[last]);
		first = false;
		day = last + 1;
	}
}

static void append_window(const struct policy_window *w, struct strbuf *out)
{
	strbuf_printf(out, "%s ", w->outside ? "outside" : "during");
	append_days(w->days, out);
	strbuf_printf(out, " %02d:%02d-%02d:%02d ", w->start_minute / 60, w->start_minute % 60,
		      w->end_minute / 60, w->end_minute % 60);
	quote_append(out, w->zone_name.text, w->zone_name.length);
}

static bool any_match(const struct policy *policy, const struct policy_decision *d,
		      bool (*test)(const struct program_rule *rule, const struct program_rule *decider))
{
	const struct program_rule *decider = &policy->program[d->rule];

	for (size_t i = 0; i < d->match_count; i++)
		if ((int)d->matches[i] != d->rule && test(&policy->program[d->matches[i]], decider))
			return true;
	return false;
}

static bool loses_by_outcome(const struct program_rule *rule, const struct program_rule *decider)
{
	return rule->outcome < decider->outcome;
}

static bool loses_to_require(const struct program_rule *rule, const struct program_rule *decider)
{
	return rule->outcome == POLICY_REQUIRE && decider->outcome > POLICY_REQUIRE;
}

static bool loses_to_allow(const struct program_rule *rule, const struct program_rule *decider)
{
	return rule->outcome == POLICY_ALLOW && decider->outcome > POLICY_ALLOW;
}

static bool ties(const struct program_rule *rule, const struct program_rule *decider)
{
	return rule->outcome == decider->outcome &&
	       (rule->outcome != POLICY_REQUIRE || rule->approvals == decider->approvals);
}

static bool needs_fewer(const struct program_rule *rule, const struct program_rule *decider)
{
	return rule->outcome == POLICY_REQUIRE && decider->outcome == POLICY_REQUIRE &&
	       rule->approvals < decider->approvals;
}

/* Why the deciding rule beat the other matching rules. */
static void append_win_reason(const struct policy *policy, const struct policy_decision *d,
			      struct strbuf *out)
{
	const struct program_rule *decider = &policy->program[d->rule];
	bool first = true;

	if (d->match_count == 1) {
		strbuf_puts(out, "it is the only matching rule");
		return;
	}
	if (any_match(policy, d, loses_by_outcome)) {
		bool require = any_match(policy, d, loses_to_require);
		bool allow = any_match(policy, d, loses_to_allow);

		strbuf_printf(out, "%s beats %s%s%s", policy_outcome_name(decider->outcome),
			      require ? "require" : "", require && allow ? " and " : "",
			      allow ? "allow" : "");
		first = false;
	}
	if (any_match(policy, d, needs_fewer)) {
		strbuf_printf(out, "%sit requires the most approvals (%d)", first ? "" : "; ",
			      decider->approvals);
		first = false;
	}
	if (any_match(policy, d, ties)) {
		const char *peers = decider->outcome == POLICY_REQUIRE ? "require as many approvals"
				    : decider->outcome == POLICY_DENY ? "deny" : "allow";

		strbuf_printf(out, "%sit comes first in the file among the matching rules that %s",
			      first ? "" : "; ", peers);
	}
}

/* Why a matching rule did not decide. */
static void append_loss_reason(const struct policy *policy, const struct policy_decision *d,
			       uint32_t index, struct strbuf *out)
{
	const struct program_rule *rule = &policy->program[index];
	const struct program_rule *decider = &policy->program[d->rule];

	if (rule->outcome < decider->outcome)
		strbuf_printf(out, "%s beats %s", policy_outcome_name(decider->outcome),
			      policy_outcome_name(rule->outcome));
	else if (needs_fewer(rule, decider))
		strbuf_printf(out, "it requires %d approval%s, fewer than the deciding rule's %d",
			      rule->approvals, rule->approvals == 1 ? "" : "s", decider->approvals);
	else
		strbuf_puts(out, "the deciding rule comes earlier in the file");
}

static void append_matches(const struct policy *policy, const struct policy_decision *d,
			   struct strbuf *out)
{
	strbuf_puts(out, "matching rules:\n");
	for (size_t i = 0; i < d->match_count; i++) {
		int index = (int)d->matches[i];

		strbuf_puts(out, "  ");
		append_rule_name(policy, index, out);
		strbuf_puts(out, ": ");
		policy_describe_outcome(policy, index, out);
		if (index == d->rule) {
			strbuf_puts(out, ": decides, because ");
			append_win_reason(policy, d, out);
		} else {
			strbuf_puts(out, ": loses, because ");
			append_loss_reason(policy, d, d->matches[i], out);
		}
		strbuf_putc(out, '\n');
	}
}

static void append_near_misses(const struct policy *policy, const struct policy_decision *d,
			       struct strbuf *out)
{
	if (d->window_miss_count > 0)
		strbuf_puts(out, "not matching because of the time:\n");
	for (size_t i = 0; i < d->window_miss_count; i++) {
		const struct policy_rule *rule = &policy->rules[d->window_misses[i]];

		strbuf_puts(out, "  ");
		append_rule_name(policy, (int)d->window_misses[i], out);
		strbuf_puts(out, ": its condition holds, but not its time window (");
		append_window(&rule->window, out);
		strbuf_puts(out, rule->window.zone ? ")\n" : "; no time zone has that name)\n");
	}
	if (d->untimed_count > 0)
		strbuf_puts(out, "not matching because the request has no time:\n");
	for (size_t i = 0; i < d->untimed_count; i++) {
		strbuf_puts(out, "  ");
		append_rule_name(policy, (int)d->untimed[i], out);
		strbuf_puts(out, ": its condition holds, but its time window cannot be checked\n");
	}
}

static void append_terms(const struct policy *policy, const struct policy_decision *d,
			 struct strbuf *out)
{
	if (d->max_seconds > 0) {
		strbuf_puts(out, "max ");
		policy_format_duration(d->max_seconds, out);
		strbuf_puts(out, ", from ");
		append_rule_name(policy, d->max_rule, out);
		strbuf_puts(out, d->match_count > 1 ? ", the shortest cap of the matching rules\n" : "\n");
	}
	if (d->reason_required)
		strbuf_puts(out, "a reason is required\n");
}

void policy_explain(const struct policy *policy, const struct policy_decision *decision,
		    struct strbuf *out)
{
	strbuf_puts(out, "decision: ");
	policy_describe_outcome(policy, decision->rule, out);
	strbuf_puts(out, "\ndecided by ");
	append_rule_name(policy, decision->rule, out);
	strbuf_puts(out, decision->rule == POLICY_DEFAULT_RULE ? ", because no rule matched\n" : "\n");
	append_terms(policy, decision, out);
	if (decision->match_count > 0)
		append_matches(policy, decision, out);
	append_near_misses(policy, decision, out);
}
