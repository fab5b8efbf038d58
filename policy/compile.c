/*
 * Compile a parsed policy into the flat program that policy_decide() runs.
 * Attribute names become indexes and strings become value ids once, here.
 * Each condition becomes a graph of tests in one array: a test leads to the
 * next test, or to TEST_MATCH or TEST_NO_MATCH, on each of its two results.
 * "and", "or" and "not" cost no test of their own, because they only choose
 * where each test leads. Whether a test holds is worked out when a value is
 * added to a request, so that a decision only reads one bit per test.
 */

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "policy/internal.h"

struct compiler {
	struct policy *policy;
	size_t attribute_capacity;
	size_t string_capacity;
	size_t test_capacity;
	size_t set_capacity;
	size_t glob_capacity;
	size_t window_capacity;
	size_t zone_capacity;
	size_t mask_capacity;
};

uint32_t policy_string_hash(const char *text, size_t length)
{
	uint32_t hash = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < length; i++) {
		hash ^= (unsigned char)text[i];
		hash *= 16777619u;
	}
	return hash;
}

uint32_t policy_string_id(const struct policy *policy, const char *text, size_t length)
{
	if (!policy->string_slots)
		return VALUE_OTHER;

	size_t slot = policy_string_hash(text, length) & policy->string_slot_mask;

	for (;;) {
		uint32_t id = policy->string_slots[slot];

		if (id == 0)
			return VALUE_OTHER;
		const struct string_entry *entry = &policy->strings[id];

		if (entry->length == length && memcmp(entry->text, text, length) == 0)
			return id;
		slot = (slot + 1) & policy->string_slot_mask;
	}
}

static void grow_string_slots(struct policy *policy)
{
	size_t size = policy->string_slot_mask ? (policy->string_slot_mask + 1) * 2 : 64;

	free(policy->string_slots);
	policy->string_slots = xcalloc(size, sizeof *policy->string_slots);
	policy->string_slot_mask = size - 1;
	for (uint32_t id = VALUE_FIRST_STRING; id < policy->string_count; id++) {
		const struct string_entry *entry = &policy->strings[id];
		size_t slot = policy_string_hash(entry->text, entry->length) & policy->string_slot_mask;

		while (policy->string_slots[slot] != 0)
			slot = (slot + 1) & policy->string_slot_mask;
		policy->string_slots[slot] = id;
	}
}

/* The value id of a string of the policy, added to the table when new. */
static uint32_t intern(struct compiler *c, const struct policy_literal *literal)
{
	struct policy *policy = c->policy;
	uint32_t id = policy_string_id(policy, literal->text, literal->length);

	if (id != VALUE_OTHER)
		return id;
	if (policy->string_count == 0)
		policy->string_count = VALUE_FIRST_STRING;
	if (policy->string_count >= c->string_capacity) {
		c->string_capacity = c->string_capacity ? c->string_capacity * 2 : 16;
		policy->strings = xreallocarray(policy->strings, c->string_capacity, sizeof *policy->strings);
	}
	id = (uint32_t)policy->string_count++;
	policy->strings[id].text = literal->text;
	policy->strings[id].length = literal->length;
	/* Keep the table at most half full, so that probes stay short. */
	if (policy->string_count * 2 > policy->string_slot_mask + 1) {
		grow_string_slots(policy);
	} else {
		size_t slot = policy_string_hash(literal->text, literal->length) & policy->string_slot_mask;

		while (policy->string_slots[slot] != 0)
			slot = (slot + 1) & policy->string_slot_mask;
		policy->string_slots[slot] = id;
	}
	return id;
}

static size_t attribute_index(struct compiler *c, const char *name)
{
	struct policy *policy = c->policy;

	for (size_t i = 0; i < policy->attribute_count; i++)
		if (strcmp(policy->attributes[i], name) == 0)
			return i;
	if (policy->attribute_count == c->attribute_capacity) {
		c->attribute_capacity = c->attribute_capacity ? c->attribute_capacity * 2 : 8;
		policy->attributes = xreallocarray(policy->attributes, c->attribute_capacity,
						   sizeof *policy->attributes);
	}
	policy->attributes[policy->attribute_count] = xstrdup(name);
	return policy->attribute_count++;
}

static int32_t add_test(struct compiler *c, enum test_kind kind, uint32_t attribute,
			uint32_t argument, uint32_t count, int32_t on_true, int32_t on_false)
{
	struct policy *policy = c->policy;

	if (policy->test_count == c->test_capacity) {
		c->test_capacity = c->test_capacity ? c->test_capacity * 2 : 32;
		policy->tests = xreallocarray(policy->tests, c->test_capacity, sizeof *policy->tests);
	}
	policy->tests[policy->test_count] = (struct program_test){
		.kind = kind, .attribute = attribute, .argument = argument, .count = count,
		.on_true = on_true, .on_false = on_false,
	};
	return (int32_t)policy->test_count++;
}

static int compare_ids(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Store the ids of an in-list sorted and without repeats; returns where they start. */
static uint32_t add_set(struct compiler *c, const struct policy_expr *e, uint32_t *count)
{
	struct policy *policy = c->policy;
	uint32_t first = (uint32_t)policy->set_id_count;

	if (policy->set_id_count + e->value_count > c->set_capacity) {
		while (policy->set_id_count + e->value_count > c->set_capacity)
			c->set_capacity = c->set_capacity ? c->set_capacity * 2 : 32;
		policy->set_ids = xreallocarray(policy->set_ids, c->set_capacity, sizeof *policy->set_ids);
	}
	for (size_t i = 0; i < e->value_count; i++)
		policy->set_ids[first + i] = intern(c, &e->values[i]);
	qsort(policy->set_ids + first, e->value_count, sizeof *policy->set_ids, compare_ids);

	size_t unique = 0;

	for (size_t i = 0; i < e->value_count; i++)
		if (unique == 0 || policy->set_ids[first + unique - 1] != policy->set_ids[first + i])
			policy->set_ids[first + unique++] = policy->set_ids[first + i];
	policy->set_id_count += unique;
	*count = (uint32_t)unique;
	return first;
}

static uint32_t add_glob(struct compiler *c, const struct policy_glob *glob)
{
	struct policy *policy = c->policy;

	if (policy->glob_count == c->glob_capacity) {
		c->glob_capacity = c->glob_capacity ? c->glob_capacity * 2 : 8;
		policy->globs = xreallocarray(policy->globs, c->glob_capacity, sizeof *policy->globs);
	}
	policy->globs[policy->glob_count] = glob;
	return (uint32_t)policy->glob_count++;
}

/* Whether a comparison holds when its test does not: !=, not in and !~. */
static bool compare_negated(const struct policy_expr *e)
{
	return e->op == COMPARE_NOT_EQUAL || e->op == COMPARE_NOT_IN || e->op == COMPARE_NOT_MATCH;
}

static int32_t compile_compare(struct compiler *c, struct policy_expr *e, int32_t on_true,
			       int32_t on_false)
{
	uint32_t attribute = (uint32_t)e->attribute_index;
	int32_t yes = compare_negated(e) ? on_false : on_true;
	int32_t no = compare_negated(e) ? on_true : on_false;
	uint32_t count = 0, first;
	int32_t test;

	switch (e->op) {
	case COMPARE_EQUAL:
	case COMPARE_NOT_EQUAL:
		test = add_test(c, TEST_EQUAL, attribute, intern(c, &e->values[0]), 1, yes, no);
		break;
	case COMPARE_IN:
	case COMPARE_NOT_IN:
		first = add_set(c, e, &count);
		if (count == 1)
			test = add_test(c, TEST_EQUAL, attribute, c->policy->set_ids[first], 1, yes, no);
		else
			test = add_test(c, TEST_IN, attribute, first, count, yes, no);
		break;
	default:
		test = add_test(c, TEST_MATCH_GLOB, attribute, add_glob(c, e->glob), 1, yes, no);
		break;
	}
	e->test = (uint32_t)test;
	return test;
}

/* Number the attributes of a condition in the order they appear in the text. */
static void number_attributes(struct compiler *c, struct policy_expr *e)
{
	if (e->kind == EXPR_COMPARE)
		e->attribute_index = attribute_index(c, e->attribute);
	for (size_t i = 0; i < e->child_count; i++)
		number_attributes(c, e->children[i]);
}

/* Compile e so that it leads to on_true when it holds and to on_false when not; returns its entry. */
static int32_t compile_expr(struct compiler *c, struct policy_expr *e, int32_t on_true,
			    int32_t on_false)
{
	int32_t target;

	switch (e->kind) {
	case EXPR_COMPARE:
		return compile_compare(c, e, on_true, on_false);
	case EXPR_NOT:
		return compile_expr(c, e->children[0], on_false, on_true);
	case EXPR_AND:
		target = on_true;
		for (size_t i = e->child_count; i-- > 0;)
			target = compile_expr(c, e->children[i], target, on_false);
		return target;
	case EXPR_OR:
		target = on_false;
		for (size_t i = e->child_count; i-- > 0;)
			target = compile_expr(c, e->children[i], on_true, target);
		return target;
	}
	return TEST_NO_MATCH;
}

static int32_t zone_index(struct compiler *c, const struct policy_zone *zone)
{
	struct policy *policy = c->policy;

	if (!zone)
		return -1;
	for (size_t i = 0; i < policy->zone_count; i++)
		if (policy->zones[i] == zone)
			return (int32_t)i;
	if (policy->zone_count == c->zone_capacity) {
		c->zone_capacity = c->zone_capacity ? c->zone_capacity * 2 : 4;
		policy->zones = xreallocarray(policy->zones, c->zone_capacity, sizeof *policy->zones);
	}
	policy->zones[policy->zone_count] = zone;
	return (int32_t)policy->zone_count++;
}

static int32_t add_window(struct compiler *c, const struct policy_window *w)
{
	struct policy *policy = c->policy;

	if (policy->window_count == c->window_capacity) {
		c->window_capacity = c->window_capacity ? c->window_capacity * 2 : 8;
		policy->windows = xreallocarray(policy->windows, c->window_capacity,
						sizeof *policy->windows);
	}
	policy->windows[policy->window_count] = (struct program_window){
		.days = w->days, .outside = w->outside, .start_minute = w->start_minute,
		.end_minute = w->end_minute, .zone = zone_index(c, w->zone),
	};
	return (int32_t)policy->window_count++;
}

/* Call visit for each value id that passes an == or in test, with the test. */
static void each_value_test(struct policy *policy, void (*visit)(struct policy *policy, uint32_t id,
								  uint32_t test, uint32_t *cursor),
			    uint32_t *cursor)
{
	for (uint32_t t = 0; t < policy->test_count; t++) {
		const struct program_test *test = &policy->tests[t];

		if (test->kind == TEST_EQUAL)
			visit(policy, test->argument, t, cursor);
		else if (test->kind == TEST_IN)
			for (uint32_t i = 0; i < test->count; i++)
				visit(policy, policy->set_ids[test->argument + i], t, cursor);
	}
}

static void count_value_test(struct policy *policy, uint32_t id, uint32_t test, uint32_t *cursor)
{
	policy->value_test_first[id + 1]++;
}

static void place_value_test(struct policy *policy, uint32_t id, uint32_t test, uint32_t *cursor)
{
	policy->value_tests[cursor[id]++] = (struct value_test){ policy->tests[test].attribute, test };
}

/*
 * Index the == and in tests by the value ids that pass them, so that adding a
 * value finds its tests with one lookup, and group the glob tests by attribute.
 */
static void index_tests(struct policy *policy)
{
	size_t ids = policy->string_count > VALUE_FIRST_STRING ? policy->string_count : VALUE_FIRST_STRING;
	size_t attributes = policy->attribute_count;
	uint32_t *cursor = xcalloc(ids + 1, sizeof *cursor);
	uint32_t *per_attribute = xcalloc(attributes + 1, sizeof *per_attribute);

	policy->value_test_first = xcalloc(ids + 1, sizeof *policy->value_test_first);
	each_value_test(policy, count_value_test, cursor);
	for (size_t id = 1; id <= ids; id++)
		policy->value_test_first[id] += policy->value_test_first[id - 1];
	policy->value_tests = xcalloc(policy->value_test_first[ids] + 1, sizeof *policy->value_tests);
	memcpy(cursor, policy->value_test_first, ids * sizeof *cursor);
	each_value_test(policy, place_value_test, cursor);

	policy->glob_test_first = xcalloc(attributes + 1, sizeof *policy->glob_test_first);
	policy->glob_test_count = xcalloc(attributes + 1, sizeof *policy->glob_test_count);
	policy->glob_tests = xcalloc(policy->glob_count + 1, sizeof *policy->glob_tests);
	for (size_t t = 0; t < policy->test_count; t++) {
		per_attribute[policy->tests[t].attribute]++;
		if (policy->tests[t].kind == TEST_MATCH_GLOB)
			policy->glob_test_count[policy->tests[t].attribute]++;
	}
	for (size_t a = 0; a < attributes; a++) {
		if (a > 0)
			policy->glob_test_first[a] = policy->glob_test_first[a - 1] +
						     policy->glob_test_count[a - 1];
		if (per_attribute[a] > policy->attribute_tests_max)
			policy->attribute_tests_max = per_attribute[a];
	}
	memset(per_attribute, 0, (attributes + 1) * sizeof *per_attribute);
	for (size_t t = 0; t < policy->test_count; t++) {
		uint32_t a = policy->tests[t].attribute;

		if (policy->tests[t].kind == TEST_MATCH_GLOB)
			policy->glob_tests[policy->glob_test_first[a] + per_attribute[a]++] = (uint32_t)t;
	}
	free(per_attribute);
	free(cursor);
}

/* A comparison, or "not" around one: returns its test and whether it must fail. */
static bool literal_test(const struct policy_expr *e, uint32_t *test, bool *must_fail)
{
	bool negated = false;

	while (e->kind == EXPR_NOT) {
		negated = !negated;
		e = e->children[0];
	}
	if (e->kind != EXPR_COMPARE)
		return false;
	*test = e->test;
	*must_fail = negated != compare_negated(e);
	return true;
}

static void add_mask_bit(struct compiler *c, struct program_rule *step, uint32_t test, bool must_fail)
{
	struct policy *policy = c->policy;
	struct program_mask *mask = NULL;

	for (uint32_t i = 0; i < step->mask_count && !mask; i++)
		if (policy->masks[step->mask_first + i].word == test / 64)
			mask = &policy->masks[step->mask_first + i];
	if (!mask) {
		if (policy->mask_count == c->mask_capacity) {
			c->mask_capacity = c->mask_capacity ? c->mask_capacity * 2 : 16;
			policy->masks = xreallocarray(policy->masks, c->mask_capacity, sizeof *policy->masks);
		}
		mask = &policy->masks[policy->mask_count++];
		*mask = (struct program_mask){ .word = test / 64 };
		step->mask_count++;
	}
	if (must_fail)
		mask->clear |= UINT64_C(1) << (test % 64);
	else
		mask->set |= UINT64_C(1) << (test % 64);
}

/*
 * Turn a condition of tests joined by "and" into masks; other conditions keep
 * their walk. The masks of one rule are contiguous, because rules are
 * compiled one after another.
 */
static void compile_masks(struct compiler *c, const struct policy_expr *e, struct program_rule *step)
{
	const struct policy_expr *const *literals = (const struct policy_expr *const *)&e;
	size_t count = 1;
	uint32_t test;
	bool must_fail;

	if (e->kind == EXPR_AND) {
		literals = (const struct policy_expr *const *)e->children;
		count = e->child_count;
	}
	for (size_t i = 0; i < count; i++)
		if (!literal_test(literals[i], &test, &must_fail))
			return;
	step->mask_first = (uint32_t)c->policy->mask_count;
	step->mask_count = 0;
	for (size_t i = 0; i < count; i++) {
		literal_test(literals[i], &test, &must_fail);
		add_mask_bit(c, step, test, must_fail);
	}
	step->by_masks = true;
}

/* The test that triggers a rule: one that its masks need to hold, or -1 when there is none. */
static int64_t trigger_test(const struct policy *policy, const struct program_rule *step)
{
	if (!step->by_masks)
		return -1;
	for (uint32_t i = 0; i < step->mask_count; i++) {
		const struct program_mask *mask = &policy->masks[step->mask_first + i];

		if (mask->set)
			return (int64_t)mask->word * 64 + __builtin_ctzll(mask->set);
	}
	return -1;
}

/* Sort the rules into those that a test triggers and those checked always. */
static void index_triggers(struct policy *policy)
{
	size_t tests = policy->test_count;
	uint32_t *cursor = xcalloc(tests + 1, sizeof *cursor);

	policy->rule_words = (policy->rule_count + 63) / 64;
	policy->always_checked = xcalloc(policy->rule_words + 1, sizeof *policy->always_checked);
	policy->trigger_first = xcalloc(tests + 1, sizeof *policy->trigger_first);
	for (size_t i = 0; i < policy->rule_count; i++) {
		int64_t test = trigger_test(policy, &policy->program[i]);

		if (test < 0)
			policy->always_checked[i / 64] |= UINT64_C(1) << (i % 64);
		else
			policy->trigger_first[test + 1]++;
	}
	for (size_t t = 1; t <= tests; t++)
		policy->trigger_first[t] += policy->trigger_first[t - 1];
	policy->trigger_rules = xcalloc(policy->trigger_first[tests] + 1, sizeof *policy->trigger_rules);
	memcpy(cursor, policy->trigger_first, tests * sizeof *cursor);
	for (size_t i = 0; i < policy->rule_count; i++) {
		int64_t test = trigger_test(policy, &policy->program[i]);

		if (test >= 0)
			policy->trigger_rules[cursor[test]++] = (uint32_t)i;
	}
	free(cursor);
}

void policy_compile(struct policy *policy)
{
	struct compiler c = { .policy = policy };

	policy->program = xcalloc(policy->rule_count + 1, sizeof *policy->program);
	for (size_t i = 0; i < policy->rule_count; i++) {
		struct policy_rule *rule = &policy->rules[i];
		struct program_rule *step = &policy->program[i];

		if (rule->condition)
			number_attributes(&c, rule->condition);
		step->entry = rule->condition ? compile_expr(&c, rule->condition, TEST_MATCH, TEST_NO_MATCH)
					      : TEST_MATCH;
		step->by_masks = !rule->condition;
		if (rule->condition)
			compile_masks(&c, rule->condition, step);
		step->window = rule->window.present ? add_window(&c, &rule->window) : -1;
		step->outcome = rule->outcome;
		step->approvals = rule->approvals;
	}
	index_tests(policy);
	index_triggers(policy);
}
