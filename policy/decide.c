#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "policy/internal.h"

enum window_state {
	WINDOW_MATCHES,
	WINDOW_MISSES,
	WINDOW_NO_TIME,
};

struct policy_request *policy_request_new(const struct policy *policy)
{
	struct policy_request *r = xcalloc(1, sizeof *r);

	r->policy = policy;
	r->test_words = (policy->test_count + 63) / 64;
	r->test_bits = xcalloc(r->test_words + 1, sizeof *r->test_bits);
	r->passed = xcalloc(policy->attribute_tests_max + 1, sizeof *r->passed);
	r->candidates = xcalloc(policy->rule_words + 1, sizeof *r->candidates);
	r->zone_ready = xcalloc(policy->zone_count + 1, sizeof *r->zone_ready);
	r->zone_weekday = xcalloc(policy->zone_count + 1, sizeof *r->zone_weekday);
	r->zone_minute = xcalloc(policy->zone_count + 1, sizeof *r->zone_minute);
	r->matches = xcalloc(policy->rule_count + 1, sizeof *r->matches);
	r->window_misses = xcalloc(policy->rule_count + 1, sizeof *r->window_misses);
	r->untimed = xcalloc(policy->rule_count + 1, sizeof *r->untimed);
	return r;
}

void policy_request_free(struct policy_request *request)
{
	if (!request)
		return;
	free(request->test_bits);
	free(request->passed);
	free(request->candidates);
	free(request->zone_ready);
	free(request->zone_weekday);
	free(request->zone_minute);
	free(request->matches);
	free(request->window_misses);
	free(request->untimed);
	free(request);
}

void policy_request_reset(struct policy_request *request)
{
	memset(request->test_bits, 0, request->test_words * sizeof *request->test_bits);
	request->has_time = false;
}

void policy_request_set_time(struct policy_request *request, int64_t at)
{
	request->has_time = true;
	request->time = at;
	memset(request->zone_ready, 0, request->policy->zone_count);
}

size_t policy_tests_passed(const struct policy *policy, uint32_t attribute, const char *text,
			   size_t length, uint32_t *passed)
{
	uint32_t id = policy_string_id(policy, text, length);
	size_t count = 0;

	if (id != VALUE_OTHER) {
		const struct value_test *p = policy->value_tests + policy->value_test_first[id];
		const struct value_test *end = policy->value_tests + policy->value_test_first[id + 1];

		for (; p < end; p++)
			if (p->attribute == attribute)
				passed[count++] = p->test;
	}

	const uint32_t *globs = policy->glob_tests + policy->glob_test_first[attribute];

	for (uint32_t i = 0; i < policy->glob_test_count[attribute]; i++)
		if (glob_match(policy->globs[policy->tests[globs[i]].argument], text, length))
			passed[count++] = globs[i];
	return count;
}

static void mark_test(struct policy_request *request, uint32_t test)
{
	request->test_bits[test / 64] |= UINT64_C(1) << (test % 64);
}

void policy_request_add_passed(struct policy_request *request, const uint32_t *tests, size_t count)
{
	for (size_t i = 0; i < count; i++)
		mark_test(request, tests[i]);
}

void policy_request_add(struct policy_request *request, int attribute, const char *value,
			size_t length)
{
	const struct policy *policy = request->policy;

	if (attribute < 0 || (size_t)attribute >= policy->attribute_count)
		return;

	size_t count = policy_tests_passed(policy, (uint32_t)attribute, value, length, request->passed);

	policy_request_add_passed(request, request->passed, count);
}

void policy_request_add_named(struct policy_request *request, const char *name, const char *value)
{
	policy_request_add(request, policy_attribute_index(request->policy, name), value,
			   strlen(value));
}

/* Tests only lead to tests made before them, so the walk ends. */
static bool condition_holds(const struct policy *policy, const struct policy_request *r,
			    int32_t entry)
{
	int32_t at = entry;

	while (at >= 0) {
		const struct program_test *test = &policy->tests[at];
		bool holds = (r->test_bits[(uint32_t)at / 64] >> ((uint32_t)at % 64)) & 1;

		at = holds ? test->on_true : test->on_false;
	}
	return at == TEST_MATCH;
}

static bool masks_hold(const struct policy *policy, const struct policy_request *r,
		       const struct program_rule *step)
{
	if (step->mask_count == 0)
		return true; /* no condition; a policy without tests has no masks at all */

	const struct program_mask *mask = policy->masks + step->mask_first;

	for (uint32_t i = 0; i < step->mask_count; i++, mask++) {
		uint64_t bits = r->test_bits[mask->word];

		if ((bits & mask->set) != mask->set || (bits & mask->clear) != 0)
			return false;
	}
	return true;
}

static bool rule_condition_holds(const struct policy *policy, const struct policy_request *r,
				 const struct program_rule *step)
{
	if (step->by_masks)
		return masks_hold(policy, r, step);
	return condition_holds(policy, r, step->entry);
}

/* ---- Time windows ---- */

static bool window_contains(const struct program_window *w, int weekday, int minute)
{
	int previous = (weekday + 6) % 7;
	bool today = w->days & (1u << weekday);
	bool yesterday = w->days & (1u << previous);

	if (w->start_minute < w->end_minute)
		return today && minute >= w->start_minute && minute < w->end_minute;
	if (w->start_minute == w->end_minute)
		return false;
	/* The window runs past midnight: it started today, or it started yesterday. */
	return (today && minute >= w->start_minute) || (yesterday && minute < w->end_minute);
}

static enum window_state window_state(struct policy_request *r, const struct program_window *w)
{
	if (!r->has_time)
		return WINDOW_NO_TIME;
	if (w->zone < 0)
		return WINDOW_MISSES;
	if (!r->zone_ready[w->zone]) {
		int weekday, minute;

		zone_local_time(r->policy->zones[w->zone], r->time, &weekday, &minute);
		r->zone_weekday[w->zone] = (int16_t)weekday;
		r->zone_minute[w->zone] = (int16_t)minute;
		r->zone_ready[w->zone] = 1;
	}
	bool inside = window_contains(w, r->zone_weekday[w->zone], r->zone_minute[w->zone]);

	return inside != w->outside ? WINDOW_MATCHES : WINDOW_MISSES;
}

/* ---- Deciding ---- */

/* Whether rule a beats rule b, which comes before it in the file. */
static bool beats(const struct program_rule *a, const struct program_rule *b)
{
	if (a->outcome != b->outcome)
		return a->outcome > b->outcome;
	return a->outcome == POLICY_REQUIRE && a->approvals > b->approvals;
}

/* Set the outcome, cap and reason from the deciding rule and the matching ones. */
static void fill_decision(const struct policy *policy, const struct policy_request *r,
			  struct policy_decision *out)
{
	const struct policy_rule *decider = policy_rule_at(policy, out->rule);

	out->outcome = decider->outcome;
	out->approvals = decider->outcome == POLICY_REQUIRE ? decider->approvals : 0;
	out->group = decider->outcome == POLICY_REQUIRE ? decider->group : NULL;
	out->message = decider->outcome == POLICY_DENY ? decider->message : NULL;
	out->max_seconds = 0;
	out->max_rule = POLICY_DEFAULT_RULE;
	out->reason_required = false;
	if (out->outcome == POLICY_DENY)
		return;
	if (out->rule == POLICY_DEFAULT_RULE) {
		out->max_seconds = decider->has_max ? decider->max_seconds : 0;
		out->reason_required = decider->reason_required;
		return;
	}
	for (size_t i = 0; i < out->match_count; i++) {
		const struct policy_rule *rule = &policy->rules[r->matches[i]];

		if (rule->has_max && rule->max_seconds > 0 &&
		    (out->max_seconds == 0 || rule->max_seconds < out->max_seconds)) {
			out->max_seconds = rule->max_seconds;
			out->max_rule = (int)r->matches[i];
		}
		out->reason_required |= rule->reason_required;
	}
}

/* Mark the rules to check: those checked always, and those that a holding test triggers. */
static void find_candidates(const struct policy *policy, struct policy_request *r)
{
	memcpy(r->candidates, policy->always_checked, policy->rule_words * sizeof *r->candidates);
	for (size_t w = 0; w < r->test_words; w++) {
		for (uint64_t bits = r->test_bits[w]; bits; bits &= bits - 1) {
			size_t test = w * 64 + (size_t)__builtin_ctzll(bits);

			uint32_t end = policy->trigger_first[test + 1];

			for (uint32_t i = policy->trigger_first[test]; i < end; i++) {
				uint32_t rule = policy->trigger_rules[i];

				r->candidates[rule / 64] |= UINT64_C(1) << (rule % 64);
			}
		}
	}
}

void policy_decide(struct policy_request *request, struct policy_decision *out)
{
	const struct policy *policy = request->policy;
	size_t matches = 0, misses = 0, untimed = 0;
	int best = POLICY_DEFAULT_RULE;

	find_candidates(policy, request);
	for (size_t w = 0; w < policy->rule_words; w++) {
		for (uint64_t bits = request->candidates[w]; bits; bits &= bits - 1) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
			const struct program_rule *step = &policy->program[i];

			if (!rule_condition_holds(policy, request, step))
				continue;
			if (step->window >= 0) {
				const struct program_window *window = &policy->windows[step->window];
				enum window_state state = window_state(request, window);

				if (state == WINDOW_NO_TIME) {
					request->untimed[untimed++] = (uint32_t)i;
					continue;
				}
				if (state == WINDOW_MISSES) {
					request->window_misses[misses++] = (uint32_t)i;
					continue;
				}
			}
			request->matches[matches++] = (uint32_t)i;
			if (best == POLICY_DEFAULT_RULE || beats(step, &policy->program[best]))
				best = (int)i;
		}
	}
	out->rule = best;
	out->matches = request->matches;
	out->match_count = matches;
	out->window_misses = request->window_misses;
	out->window_miss_count = misses;
	out->untimed = request->untimed;
	out->untimed_count = untimed;
	fill_decision(policy, request, out);
}
