#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/timeutil.h"
#include "policy/parser.h"

#define OUTCOME_EXPECTED "allow, require N approvals from \"GROUP\" or deny \"MESSAGE\""
#define DURATION_TEXT_MAX 32

/* ---- Tokens ---- */

void parser_next_token(struct parser *p)
{
	do {
		lexer_next(&p->lexer, &p->token);
	} while (p->token.kind == TOKEN_INVALID);
}

bool parser_is_word(const struct parser *p, const char *word)
{
	return p->token.kind == TOKEN_WORD && p->token.length == strlen(word) &&
	       memcmp(p->lexer.text + p->token.offset, word, p->token.length) == 0;
}

bool parser_is_clause_word(const struct parser *p)
{
	static const char *const clauses[] = {
		"when", "during", "outside", "allow", "require", "deny", "max", "reason",
	};

	for (size_t i = 0; i < sizeof clauses / sizeof clauses[0]; i++)
		if (parser_is_word(p, clauses[i]))
			return true;
	return false;
}

bool parser_is_top_word(const struct parser *p)
{
	return parser_is_word(p, "rule") || parser_is_word(p, "default");
}

/* The current token's source text as a new string. */
char *parser_token_text(const struct parser *p)
{
	return xstrndup(p->lexer.text + p->token.offset, p->token.length);
}

/* The current string token's decoded value as a literal; moves past it. */
void parser_take_literal(struct parser *p, struct policy_literal *out)
{
	const char *value = p->lexer.string.data ? p->lexer.string.data : "";

	out->text = xstrndup(value, p->lexer.string.len);
	out->length = p->lexer.string.len;
	out->at = p->token.at;
	parser_next_token(p);
}

/* ---- Errors ---- */

void parser_error_expected(struct parser *p, const char *expected)
{
	char found[128];

	if (p->panic)
		return;
	token_describe(&p->lexer, &p->token, found, sizeof found);
	diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at, "expected %s, found %s",
			expected, found);
	p->panic = true;
}

/* Skip to the next clause of a rule, its closing brace, or the next rule. */
void parser_sync_clause(struct parser *p)
{
	while (p->token.kind != TOKEN_END && p->token.kind != TOKEN_RIGHT_BRACE &&
	       !parser_is_clause_word(p) && !parser_is_top_word(p))
		parser_next_token(p);
	p->panic = false;
}

void parser_sync_top(struct parser *p)
{
	while (p->token.kind != TOKEN_END && !parser_is_top_word(p))
		parser_next_token(p);
	p->panic = false;
}

/* ---- Outcomes and options ---- */

/* A number of approvals from 1 to POLICY_APPROVALS_MAX; 0 after an error. */
static int parse_approvals(struct parser *p)
{
	int n = 0;

	if (p->token.kind != TOKEN_NUMBER) {
		parser_error_expected(p, "the number of approvals, as in require 2 approvals from \"owners\"");
		return 0;
	}
	for (size_t i = 0; i < p->token.length && n <= POLICY_APPROVALS_MAX; i++)
		n = n * 10 + (p->lexer.text[p->token.offset + i] - '0');
	if (n < 1 || n > POLICY_APPROVALS_MAX) {
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"the number of approvals must be from 1 to %d", POLICY_APPROVALS_MAX);
		n = 0;
	}
	parser_next_token(p);
	return n;
}

static void parse_require(struct parser *p, struct policy_rule *rule)
{
	parser_next_token(p);
	rule->approvals = parse_approvals(p);
	if (p->panic)
		return;
	if (!parser_is_word(p, "approval") && !parser_is_word(p, "approvals")) {
		parser_error_expected(p, "approval or approvals");
		return;
	}
	parser_next_token(p);
	if (!parser_is_word(p, "from")) {
		parser_error_expected(p, "from and the approvers' group, as in from \"owners\"");
		return;
	}
	parser_next_token(p);
	if (p->token.kind != TOKEN_STRING) {
		parser_error_expected(p, "the approvers' group in double quotes, as in \"owners\"");
		return;
	}
	if (p->lexer.string.len == 0)
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"the approvers' group is empty; name a group");
	struct policy_literal group;

	parser_take_literal(p, &group);
	free(rule->group);
	rule->group = group.text;
}

static void parse_outcome(struct parser *p, struct policy_rule *rule, bool *has_outcome)
{
	if (*has_outcome)
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"this rule already has an outcome at %u:%u; a rule takes one",
				rule->outcome_at.line, rule->outcome_at.column);
	*has_outcome = true;
	rule->outcome_at = p->token.at;
	if (parser_is_word(p, "allow")) {
		rule->outcome = POLICY_ALLOW;
		parser_next_token(p);
	} else if (parser_is_word(p, "require")) {
		rule->outcome = POLICY_REQUIRE;
		parse_require(p, rule);
	} else {
		rule->outcome = POLICY_DENY;
		parser_next_token(p);
		if (p->token.kind != TOKEN_STRING) {
			parser_error_expected(p, "the message for the requester in double quotes, as in "
				       "deny \"retired system\"");
			return;
		}
		struct policy_literal message;

		parser_take_literal(p, &message);
		free(rule->message);
		rule->message = message.text;
	}
}

/* The current token as a duration in seconds; false when it is not one. */
static bool token_duration(const struct parser *p, int64_t *seconds)
{
	char text[DURATION_TEXT_MAX];

	if (p->token.length >= sizeof text)
		return false;
	memcpy(text, p->lexer.text + p->token.offset, p->token.length);
	text[p->token.length] = '\0';
	return duration_parse(text, seconds);
}

static void parse_max(struct parser *p, struct policy_rule *rule)
{
	int64_t seconds = 0;

	if (rule->has_max)
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"this rule already has a max at %u:%u", rule->max_at.line,
				rule->max_at.column);
	rule->has_max = true;
	rule->max_at = p->token.at;
	parser_next_token(p);
	if (p->token.kind != TOKEN_DURATION && p->token.kind != TOKEN_NUMBER) {
		parser_error_expected(p, "a duration, as in max 8h or max 1h30m");
		return;
	}
	if (!token_duration(p, &seconds)) {
		struct strbuf quoted = STRBUF_INIT;

		quote_append(&quoted, p->lexer.text + p->token.offset, p->token.length);
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"invalid duration %s: write a number with s, m, h or d, as in 8h or "
				"1h30m", quoted.data);
		strbuf_free(&quoted);
	}
	rule->max_seconds = seconds;
	parser_next_token(p);
}

static void parse_reason_required(struct parser *p, struct policy_rule *rule)
{
	parser_next_token(p);
	if (!parser_is_word(p, "required")) {
		parser_error_expected(p, "required after reason");
		return;
	}
	rule->reason_required = true;
	parser_next_token(p);
}

/* max and reason required, which may follow an outcome; true when the token was one. */
static bool parse_option(struct parser *p, struct policy_rule *rule)
{
	if (parser_is_word(p, "max"))
		parse_max(p, rule);
	else if (parser_is_word(p, "reason"))
		parse_reason_required(p, rule);
	else
		return false;
	return true;
}

/* ---- Rules ---- */

static void parse_when(struct parser *p, struct policy_rule *rule)
{
	struct policy_position at = p->token.at;

	if (rule->condition)
		diagnostics_add(p->diagnostics, POLICY_ERROR, at,
				"this rule already has a when; join conditions with and or or");
	parser_next_token(p);

	struct policy_expr *condition = parse_condition(p);

	if (!condition)
		return;
	if (rule->condition) {
		policy_expr_free(condition);
		return;
	}
	rule->condition = condition;
}

static void parse_clause(struct parser *p, struct policy_rule *rule, bool *has_outcome,
			 bool *had_error)
{
	if (parser_is_word(p, "when"))
		parse_when(p, rule);
	else if (parser_is_word(p, "during") || parser_is_word(p, "outside"))
		parse_window(p, &rule->window);
	else if (parser_is_word(p, "allow") || parser_is_word(p, "require") || parser_is_word(p, "deny"))
		parse_outcome(p, rule, has_outcome);
	else if (!parse_option(p, rule))
		parser_error_expected(p, CLAUSES_EXPECTED);
	/* A clause ends where the next begins: anything else is out of place. */
	if (!p->panic && p->token.kind != TOKEN_RIGHT_BRACE && p->token.kind != TOKEN_END &&
	    !parser_is_clause_word(p) && !parser_is_top_word(p))
		parser_error_expected(p, CLAUSES_EXPECTED);
	if (p->panic) {
		*had_error = true;
		parser_sync_clause(p);
	}
}

static void parse_rule_body(struct parser *p, struct policy_rule *rule, bool *has_outcome,
			    bool *had_error)
{
	while (p->token.kind != TOKEN_RIGHT_BRACE && p->token.kind != TOKEN_END && !parser_is_top_word(p) &&
	       !diagnostics_full(p->diagnostics))
		parse_clause(p, rule, has_outcome, had_error);
}

static void parse_rule_name(struct parser *p, struct policy_rule *rule)
{
	if (p->token.kind != TOKEN_STRING) {
		parser_error_expected(p, "the rule's name in double quotes, as in rule \"staging reads\"");
		rule->name = xstrdup("");
		return;
	}
	if (p->lexer.string.len == 0)
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"the rule's name is empty; give it one");
	struct policy_literal name;

	rule->name_at = p->token.at;
	parser_take_literal(p, &name);
	rule->name = name.text;
}

static void append_rule(struct parser *p, const struct policy_rule *rule)
{
	struct policy *policy = p->policy;

	if (policy->rule_count == p->rule_capacity) {
		p->rule_capacity = p->rule_capacity ? p->rule_capacity * 2 : 16;
		policy->rules = xreallocarray(policy->rules, p->rule_capacity, sizeof *policy->rules);
	}
	policy->rules[policy->rule_count++] = *rule;
}

static void close_rule(struct parser *p, const struct policy_rule *rule)
{
	struct strbuf name = STRBUF_INIT;

	quote_append(&name, rule->name, strlen(rule->name));
	if (p->token.kind == TOKEN_RIGHT_BRACE)
		parser_next_token(p);
	else if (!diagnostics_full(p->diagnostics))
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"expected } to close rule %s, which starts at %u:%u", name.data,
				rule->at.line, rule->at.column);
	strbuf_free(&name);
	p->panic = false;
}

static void parse_rule(struct parser *p)
{
	struct policy_rule rule = { .at = p->token.at };
	bool has_outcome = false, had_error = false;

	parser_next_token(p);
	parse_rule_name(p, &rule);
	if (p->token.kind == TOKEN_LEFT_BRACE)
		parser_next_token(p);
	else
		parser_error_expected(p, "{ to open the rule");
	if (p->panic) {
		had_error = true;
		parser_sync_clause(p);
	}
	parse_rule_body(p, &rule, &has_outcome, &had_error);
	/* After a syntax error the outcome may be in what was skipped, so report nothing. */
	if (!has_outcome && !had_error && !diagnostics_full(p->diagnostics)) {
		struct strbuf name = STRBUF_INIT;

		quote_append(&name, rule.name, strlen(rule.name));
		diagnostics_add(p->diagnostics, POLICY_ERROR, rule.at,
				"rule %s has no outcome: add " OUTCOME_EXPECTED, name.data);
		strbuf_free(&name);
	}
	close_rule(p, &rule);
	append_rule(p, &rule);
}

static void parse_default(struct parser *p)
{
	struct policy_rule rule = { .at = p->token.at };
	bool has_outcome = false;

	if (p->has_default)
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"the default is already set at %u:%u; a policy has one default",
				p->default_at.line, p->default_at.column);
	parser_next_token(p);
	if (parser_is_word(p, "allow") || parser_is_word(p, "require") || parser_is_word(p, "deny")) {
		parse_outcome(p, &rule, &has_outcome);
		while (!p->panic && parse_option(p, &rule))
			;
	} else {
		parser_error_expected(p, "an outcome after default: " OUTCOME_EXPECTED);
	}
	if (!p->panic && p->token.kind != TOKEN_END && !parser_is_top_word(p))
		parser_error_expected(p, "rule, default, max or reason required after the default's outcome");
	if (p->has_default) {
		free(rule.group);
		free(rule.message);
		return;
	}
	p->has_default = true;
	p->default_at = rule.at;
	p->policy->default_rule = rule;
}

static void parse_policy(struct parser *p)
{
	parser_next_token(p);
	while (p->token.kind != TOKEN_END && !diagnostics_full(p->diagnostics)) {
		if (parser_is_word(p, "rule"))
			parse_rule(p);
		else if (parser_is_word(p, "default"))
			parse_default(p);
		else
			parser_error_expected(p, "rule or default");
		if (p->panic)
			parser_sync_top(p);
	}
	if (diagnostics_full(p->diagnostics)) {
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"too many errors; stopped here");
		return;
	}
	if (!p->has_default)
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"the policy has no default: add a line such as "
				"default require 1 approval from \"owners\"");
}

/* ---- The policy ---- */

static void rule_free(struct policy_rule *rule)
{
	free(rule->name);
	policy_expr_free(rule->condition);
	free(rule->window.zone_name.text);
	free(rule->group);
	free(rule->message);
}

void policy_free(struct policy *policy)
{
	if (!policy)
		return;
	for (size_t i = 0; i < policy->rule_count; i++)
		rule_free(&policy->rules[i]);
	free(policy->rules);
	rule_free(&policy->default_rule);
	for (size_t i = 0; i < policy->attribute_count; i++)
		free(policy->attributes[i]);
	free(policy->attributes);
	free(policy->strings);
	free(policy->string_slots);
	free(policy->tests);
	free(policy->set_ids);
	free(policy->globs);
	free(policy->value_tests);
	free(policy->value_test_first);
	free(policy->glob_tests);
	free(policy->glob_test_first);
	free(policy->glob_test_count);
	free(policy->program);
	free(policy->masks);
	free(policy->trigger_rules);
	free(policy->trigger_first);
	free(policy->always_checked);
	free(policy->windows);
	free(policy->zones);
	free(policy);
}

struct policy *policy_parse(const char *text, size_t length, struct policy_diagnostics *diagnostics)
{
	struct policy_diagnostics own;
	struct parser p = { .diagnostics = diagnostics };

	if (!diagnostics) {
		policy_diagnostics_init(&own, NULL);
		p.diagnostics = &own;
	}
	size_t errors_before = p.diagnostics->error_count;
	size_t first = p.diagnostics->count;

	p.policy = xcalloc(1, sizeof *p.policy);
	lexer_init(&p.lexer, text, length, p.diagnostics);
	parse_policy(&p);
	lexer_free(&p.lexer);
	diagnostics_sort(p.diagnostics, first);

	bool failed = p.diagnostics->error_count != errors_before;

	if (!diagnostics)
		policy_diagnostics_free(&own);
	if (failed) {
		policy_free(p.policy);
		return NULL;
	}
	policy_compile(p.policy);
	return p.policy;
}
