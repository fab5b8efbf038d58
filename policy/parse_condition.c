/* The parser of conditions: comparisons joined by and, or and not, with parentheses. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "policy/parser.h"

#define CONDITION_EXPECTED "a condition such as resource.env == \"staging\""

static struct policy_expr *new_expr(enum expr_kind kind, struct policy_position at)
{
	struct policy_expr *e = xcalloc(1, sizeof *e);

	e->kind = kind;
	e->at = at;
	return e;
}

/* Whether an array of count items is full: its capacity doubles at each power of two. */
static bool needs_growth(size_t count)
{
	return count == 0 || (count & (count - 1)) == 0;
}

static void add_child(struct policy_expr *parent, struct policy_expr *child)
{
	size_t count = parent->child_count;

	if (needs_growth(count))
		parent->children = xreallocarray(parent->children, count ? count * 2 : 1,
						 sizeof *parent->children);
	parent->children[parent->child_count++] = child;
}

void policy_expr_free(struct policy_expr *expr)
{
	if (!expr)
		return;
	for (size_t i = 0; i < expr->child_count; i++)
		policy_expr_free(expr->children[i]);
	free(expr->children);
	for (size_t i = 0; i < expr->value_count; i++)
		free(expr->values[i].text);
	free(expr->values);
	free(expr->attribute);
	glob_free(expr->glob);
	free(expr);
}

static bool is_word_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool policy_attribute_name_valid(const char *name)
{
	static const char *const kinds[] = { "requester.", "resource.", "request." };
	const char *rest = NULL;

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && !rest; i++)
		if (strncmp(name, kinds[i], strlen(kinds[i])) == 0)
			rest = name + strlen(kinds[i]);
	if (!rest)
		return false;
	/* One or more dotted parts, each a letter or _ and then letters, digits or _. */
	for (;;) {
		if (!is_word_start(*rest))
			return false;
		while (is_word_start(*rest) || (*rest >= '0' && *rest <= '9'))
			rest++;
		if (*rest == '\0')
			return true;
		if (*rest++ != '.')
			return false;
	}
}

/* Report an attribute that is not requester.x, resource.x or request.x; parsing goes on. */
static void check_attribute(struct parser *p, const char *name, struct policy_position at)
{
	struct strbuf quoted = STRBUF_INIT;

	if (policy_attribute_name_valid(name))
		return;
	quote_append(&quoted, name, strlen(name));
	if (name[strlen(name) - 1] == '.')
		diagnostics_add(p->diagnostics, POLICY_ERROR, at,
				"the attribute %s is incomplete: name one after the dot", quoted.data);
	else
		diagnostics_add(p->diagnostics, POLICY_ERROR, at,
				"unknown attribute %s: attributes start with requester., resource. "
				"or request.", quoted.data);
	strbuf_free(&quoted);
}

/* The column of byte offset within a string literal that starts at column start. */
static unsigned literal_column(const struct policy_literal *literal, size_t offset)
{
	unsigned column = literal->at.column + 1;

	for (size_t i = 0; i < offset && i < literal->length; i++)
		if (((unsigned char)literal->text[i] & 0xC0) != 0x80)
			column++;
	return column;
}

static bool parse_value(struct parser *p, struct policy_expr *e)
{
	if (p->token.kind != TOKEN_STRING) {
		parser_error_expected(p, "a string in double quotes");
		return false;
	}
	if (needs_growth(e->value_count))
		e->values = xreallocarray(e->values, e->value_count ? e->value_count * 2 : 1,
					  sizeof *e->values);
	parser_take_literal(p, &e->values[e->value_count++]);
	return true;
}

static bool parse_list(struct parser *p, struct policy_expr *e)
{
	if (p->token.kind != TOKEN_LEFT_BRACKET) {
		parser_error_expected(p, "[ to start a list of strings, as in [\"read\", \"write\"]");
		return false;
	}
	struct policy_position open = p->token.at;

	parser_next_token(p);
	if (p->token.kind == TOKEN_RIGHT_BRACKET) {
		diagnostics_add(p->diagnostics, POLICY_ERROR, open,
				"this list is empty, so it matches nothing; give one or more strings");
		parser_next_token(p);
		return true;
	}
	for (;;) {
		if (!parse_value(p, e))
			return false;
		if (p->token.kind == TOKEN_COMMA) {
			parser_next_token(p);
			/* A comma may end the list: ["a", "b",]. */
			if (p->token.kind != TOKEN_RIGHT_BRACKET)
				continue;
		}
		if (p->token.kind != TOKEN_RIGHT_BRACKET) {
			parser_error_expected(p, ", or ] in the list");
			return false;
		}
		parser_next_token(p);
		return true;
	}
}

static void compile_glob(struct parser *p, struct policy_expr *e)
{
	const struct policy_literal *pattern = &e->values[0];
	char err[160];
	size_t offset = 0;

	e->glob = glob_compile(pattern->text, pattern->length, err, sizeof err, &offset);
	if (!e->glob) {
		struct policy_position at = { pattern->at.line, literal_column(pattern, offset) };

		diagnostics_add(p->diagnostics, POLICY_ERROR, at, "%s", err);
	}
}

/* The operator and value after an attribute. */
static bool parse_comparison(struct parser *p, struct policy_expr *e)
{
	switch (p->token.kind) {
	case TOKEN_EQUAL:
	case TOKEN_NOT_EQUAL:
		e->op = p->token.kind == TOKEN_EQUAL ? COMPARE_EQUAL : COMPARE_NOT_EQUAL;
		parser_next_token(p);
		return parse_value(p, e);
	case TOKEN_MATCH:
	case TOKEN_NOT_MATCH:
		e->op = p->token.kind == TOKEN_MATCH ? COMPARE_MATCH : COMPARE_NOT_MATCH;
		parser_next_token(p);
		if (!parse_value(p, e))
			return false;
		compile_glob(p, e);
		return true;
	default:
		break;
	}
	if (parser_is_word(p, "in")) {
		e->op = COMPARE_IN;
		parser_next_token(p);
		return parse_list(p, e);
	}
	if (parser_is_word(p, "not")) {
		parser_next_token(p);
		if (!parser_is_word(p, "in")) {
			parser_error_expected(p, "in after not, as in request.role not in [\"admin\"]");
			return false;
		}
		e->op = COMPARE_NOT_IN;
		parser_next_token(p);
		return parse_list(p, e);
	}
	parser_error_expected(p, "==, !=, in, not in, ~ or !~ after the attribute");
	return false;
}

static struct policy_expr *parse_compare(struct parser *p)
{
	if (p->token.kind != TOKEN_WORD || !memchr(p->lexer.text + p->token.offset, '.', p->token.length)) {
		parser_error_expected(p, CONDITION_EXPECTED);
		return NULL;
	}
	struct policy_expr *e = new_expr(EXPR_COMPARE, p->token.at);

	e->attribute = parser_token_text(p);
	check_attribute(p, e->attribute, e->at);
	parser_next_token(p);
	if (!parse_comparison(p, e)) {
		policy_expr_free(e);
		return NULL;
	}
	return e;
}

static bool enter_nesting(struct parser *p)
{
	if (++p->depth <= POLICY_NESTING_MAX)
		return true;
	if (!p->panic)
		diagnostics_add(p->diagnostics, POLICY_ERROR, p->token.at,
				"conditions are nested more than %d deep here", POLICY_NESTING_MAX);
	p->panic = true;
	p->depth--;
	return false;
}

static struct policy_expr *parse_primary(struct parser *p)
{
	if (p->token.kind != TOKEN_LEFT_PAREN)
		return parse_compare(p);

	struct policy_position open = p->token.at;

	if (!enter_nesting(p))
		return NULL;
	parser_next_token(p);

	struct policy_expr *inner = parse_condition(p);

	p->depth--;
	if (!inner)
		return NULL;
	if (p->token.kind != TOKEN_RIGHT_PAREN) {
		char expected[96];

		snprintf(expected, sizeof expected, "and, or, or ) to close the ( at %u:%u",
			 open.line, open.column);
		parser_error_expected(p, expected);
		policy_expr_free(inner);
		return NULL;
	}
	parser_next_token(p);
	return inner;
}

static struct policy_expr *parse_not(struct parser *p)
{
	if (!parser_is_word(p, "not"))
		return parse_primary(p);

	struct policy_expr *e = new_expr(EXPR_NOT, p->token.at);

	if (!enter_nesting(p)) {
		free(e);
		return NULL;
	}
	parser_next_token(p);

	struct policy_expr *operand = parse_not(p);

	p->depth--;
	if (!operand) {
		free(e);
		return NULL;
	}
	add_child(e, operand);
	return e;
}

/* A chain of operands joined by one operator word ("and" or "or"), kept as one node. */
static struct policy_expr *parse_chain(struct parser *p, const char *word, enum expr_kind kind,
				       struct policy_expr *(*operand)(struct parser *p))
{
	struct policy_expr *first = operand(p);

	if (!first || !parser_is_word(p, word))
		return first;

	struct policy_expr *chain = new_expr(kind, first->at);

	add_child(chain, first);
	while (parser_is_word(p, word)) {
		parser_next_token(p);

		struct policy_expr *next = operand(p);

		if (!next) {
			policy_expr_free(chain);
			return NULL;
		}
		add_child(chain, next);
	}
	return chain;
}

static struct policy_expr *parse_and(struct parser *p)
{
	return parse_chain(p, "and", EXPR_AND, parse_not);
}

struct policy_expr *parse_condition(struct parser *p)
{
	return parse_chain(p, "or", EXPR_OR, parse_and);
}
