#ifndef GATEHOUSE_POLICY_PARSER_H
#define GATEHOUSE_POLICY_PARSER_H

/*
 * The recursive-descent parser's state and the helpers that its files share:
 * parser.c (rules, outcomes and the policy), parse_condition.c (when) and
 * parse_window.c (during and outside).
 */

#include <stdbool.h>

#include "policy/internal.h"

#define CLAUSES_EXPECTED "when, during, outside, allow, require, deny, max, reason required or }"

struct parser {
	struct lexer lexer;
	struct token token;
	struct policy_diagnostics *diagnostics;
	/* After a syntax error, further ones stay unreported until the next clause or rule. */
	bool panic;
	unsigned depth;
	struct policy *policy;
	size_t rule_capacity;
	bool has_default;
	struct policy_position default_at;
};

void parser_next_token(struct parser *p);
/* Whether the current token is the word (a keyword or day). */
bool parser_is_word(const struct parser *p, const char *word);
/* Whether the current token starts a clause of a rule: when, during, allow, max, ... */
bool parser_is_clause_word(const struct parser *p);
/* Whether the current token starts a rule or the default. */
bool parser_is_top_word(const struct parser *p);
char *parser_token_text(const struct parser *p);
void parser_take_literal(struct parser *p, struct policy_literal *out);
/*
 * Report "expected EXPECTED, found ..." at the current token, unless an
 * error was reported since the last sync, and start skipping.
 */
void parser_error_expected(struct parser *p, const char *expected);
void parser_sync_clause(struct parser *p);
void parser_sync_top(struct parser *p);

/* Parse a condition after when; NULL after a syntax error. */
struct policy_expr *parse_condition(struct parser *p);
/* Parse a time window at during or outside into w. */
void parse_window(struct parser *p, struct policy_window *w);

#endif
