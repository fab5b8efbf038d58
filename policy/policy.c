#include <string.h>

#include "policy/internal.h"

static const char *const outcome_names[POLICY_OUTCOME_COUNT] = { "allow", "require", "deny" };

const char *policy_outcome_name(enum policy_outcome outcome)
{
	return (unsigned)outcome < POLICY_OUTCOME_COUNT ? outcome_names[outcome] : "?";
}

bool policy_outcome_parse(const char *name, enum policy_outcome *out)
{
	for (int i = 0; i < POLICY_OUTCOME_COUNT; i++) {
		if (strcmp(name, outcome_names[i]) == 0) {
			*out = (enum policy_outcome)i;
			return true;
		}
	}
	return false;
}

const struct policy_rule *policy_rule_at(const struct policy *policy, int index)
{
	return index == POLICY_DEFAULT_RULE ? &policy->default_rule : &policy->rules[index];
}

size_t policy_rule_count(const struct policy *policy)
{
	return policy->rule_count;
}

void policy_rule_describe(const struct policy *policy, int index, struct policy_rule_info *out)
{
	const struct policy_rule *rule = policy_rule_at(policy, index);

	memset(out, 0, sizeof *out);
	out->name = rule->name;
	out->line = rule->at.line;
	out->outcome = rule->outcome;
	out->approvals = rule->approvals;
	out->group = rule->group;
	out->message = rule->message;
	out->max_seconds = rule->has_max ? rule->max_seconds : 0;
	out->reason_required = rule->reason_required;
	out->has_window = rule->window.present;
	out->has_condition = rule->condition != NULL;
}

size_t policy_attribute_count(const struct policy *policy)
{
	return policy->attribute_count;
}

const char *policy_attribute_name(const struct policy *policy, size_t index)
{
	return index < policy->attribute_count ? policy->attributes[index] : NULL;
}

int policy_attribute_index(const struct policy *policy, const char *name)
{
	for (size_t i = 0; i < policy->attribute_count; i++)
		if (strcmp(policy->attributes[i], name) == 0)
			return (int)i;
	return -1;
}
