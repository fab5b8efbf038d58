#ifndef GATEHOUSE_POLICY_INTERNAL_H
#define GATEHOUSE_POLICY_INTERNAL_H

/*
 * What the files of policy/ share: tokens, the syntax tree, the compiled
 * program a decision runs, and the struct policy that contains both. Callers
 * outside policy/ use policy.h and simulate.h.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "policy/glob.h"
#include "policy/policy.h"
#include "policy/zone.h"

/* Limits that keep any input cheap to parse, lint and decide with. */
#define POLICY_NESTING_MAX 64         /* parentheses and "not"s inside one another */
#define POLICY_STRING_MAX 4096        /* bytes in one string, after escapes */
#define POLICY_APPROVALS_MAX 100

struct policy_position {
	unsigned line;
	unsigned column;
};

/* ---- Diagnostics ---- */

void diagnostics_add(struct policy_diagnostics *diagnostics, enum policy_severity severity,
		     struct policy_position at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Put the diagnostics from index first onwards in order of position; ties keep their order. */
void diagnostics_sort(struct policy_diagnostics *diagnostics, size_t first);
/* Whether parsing should stop: POLICY_DIAGNOSTICS_MAX errors are recorded. */
bool diagnostics_full(const struct policy_diagnostics *diagnostics);

/* ---- Text ---- */

/*
 * Decode the well-formed UTF-8 sequence at the start of text (length > 0)
 * into *cp and return its length, or return 0 when text starts none.
 */
size_t utf8_decode(const unsigned char *text, size_t length, uint32_t *cp);
/*
 * Append text in double quotes for a message, with quotes, backslashes and
 * control characters escaped so that no terminal acts on them, and cut after
 * QUOTE_MAX characters with "...".
 */
void quote_append(struct strbuf *out, const char *text, size_t length);
#define QUOTE_MAX 60

/* ---- Tokens ---- */

enum token_kind {
	TOKEN_END,
	TOKEN_WORD,                 /* a keyword, a day, or an attribute such as requester.title */
	TOKEN_STRING,
	TOKEN_NUMBER,               /* digits only */
	TOKEN_DURATION,             /* digits and units: 8h, 1h30m */
	TOKEN_TIME,                 /* HH:MM */
	TOKEN_LEFT_BRACE,
	TOKEN_RIGHT_BRACE,
	TOKEN_LEFT_PAREN,
	TOKEN_RIGHT_PAREN,
	TOKEN_LEFT_BRACKET,
	TOKEN_RIGHT_BRACKET,
	TOKEN_COMMA,
	TOKEN_MINUS,
	TOKEN_EQUAL,                /* == */
	TOKEN_NOT_EQUAL,            /* != */
	TOKEN_MATCH,                /* ~ */
	TOKEN_NOT_MATCH,            /* !~ */
	TOKEN_COMMENT,
	TOKEN_INVALID,              /* reported by the lexer, skipped by the parser */
};

struct token {
	enum token_kind kind;
	size_t offset;
	size_t length;              /* bytes of source text, quotes included */
	struct policy_position at;
};

/*
 * A lexer over a text. With diagnostics NULL it reports nothing (for
 * highlighting). A string token's value, escapes decoded, is in string until
 * the next call.
 */
struct lexer {
	const char *text;
	size_t length;
	size_t offset;
	struct policy_position at;
	struct policy_diagnostics *diagnostics;
	struct strbuf string;
	bool keep_comments;
};

void lexer_init(struct lexer *lexer, const char *text, size_t length,
		struct policy_diagnostics *diagnostics);
void lexer_free(struct lexer *lexer);
void lexer_next(struct lexer *lexer, struct token *out);
/* A short description of a token for "found ..." in messages, written into out. */
void token_describe(const struct lexer *lexer, const struct token *token, char *out, size_t size);

/* ---- The syntax tree ---- */

enum expr_kind {
	EXPR_COMPARE,
	EXPR_AND,
	EXPR_OR,
	EXPR_NOT,
};

enum compare_op {
	COMPARE_EQUAL,
	COMPARE_NOT_EQUAL,
	COMPARE_IN,
	COMPARE_NOT_IN,
	COMPARE_MATCH,
	COMPARE_NOT_MATCH,
};

struct policy_literal {
	char *text;                 /* decoded, NUL-terminated, may contain no NUL */
	size_t length;
	struct policy_position at;
};

struct policy_expr {
	enum expr_kind kind;
	struct policy_position at;
	/* EXPR_AND and EXPR_OR: two or more children; EXPR_NOT: one. */
	struct policy_expr **children;
	size_t child_count;
	/* EXPR_COMPARE */
	enum compare_op op;
	char *attribute;
	size_t attribute_index;     /* into policy->attributes, set by compiling */
	uint32_t test;              /* the test compiled from it */
	struct policy_literal *values; /* one, or the list of in and not in */
	size_t value_count;
	struct policy_glob *glob;   /* ~ and !~ */
};

struct policy_window {
	bool present;
	bool outside;               /* "outside": the rule matches when the time is not in the window */
	uint8_t days;               /* bit 0 = Monday to bit 6 = Sunday */
	uint16_t start_minute;      /* 0 to 1439 */
	/* 1 to 1440. Before start_minute the window ends the next day; equal to it, it is empty. */
	uint16_t end_minute;
	struct policy_literal zone_name;
	const struct policy_zone *zone; /* NULL when no zone has that name */
	struct policy_position at;  /* the during or outside keyword */
	struct policy_position range_at;
};

struct policy_rule {
	char *name;                 /* NULL for the default */
	struct policy_position at;
	struct policy_position name_at;
	struct policy_expr *condition; /* NULL: no when */
	struct policy_window window;
	enum policy_outcome outcome;
	struct policy_position outcome_at;
	int approvals;
	char *group;
	char *message;
	bool has_max;
	int64_t max_seconds;
	struct policy_position max_at;
	bool reason_required;
};

/* ---- The compiled program ---- */

/*
 * Value ids: 1 is a value that equals no string of the policy, and 2 onwards
 * the policy's strings (0 is unused).
 */
#define VALUE_OTHER 1u
#define VALUE_FIRST_STRING 2u

/* A condition's test leads to another test, or ends with one of these. */
#define TEST_MATCH (-1)
#define TEST_NO_MATCH (-2)

enum test_kind {
	TEST_EQUAL,                 /* argument: a value id */
	TEST_IN,                    /* argument, count: a sorted run of ids in set_ids */
	TEST_MATCH_GLOB,            /* argument: the glob's index */
};

/*
 * A test holds when any value of its attribute passes it; "not", "!=",
 * "not in" and "!~" only swap where it leads. Whether it holds depends on
 * the values alone, so it is worked out as each value is added to a request,
 * and a decision only reads the results.
 */
struct program_test {
	enum test_kind kind;
	uint32_t attribute;
	uint32_t argument;
	uint32_t count;
	int32_t on_true;
	int32_t on_false;
};

/*
 * A condition that is only tests joined by "and", some negated, holds when
 * some test bits are all set and others all clear: in each word of a
 * request's test bits that the condition reads, (bits & set) == set and
 * (bits & clear) == 0. Such a condition needs no walk through its tests.
 */
struct program_mask {
	uint32_t word;
	uint64_t set;
	uint64_t clear;
};

struct program_rule {
	int32_t entry;              /* the first test, or TEST_MATCH with no condition */
	bool by_masks;              /* the condition is the masks below (none: no condition) */
	uint32_t mask_first;        /* into policy->masks */
	uint32_t mask_count;
	int32_t window;             /* index into windows, or -1 */
	enum policy_outcome outcome;
	int approvals;
};

struct program_window {
	uint8_t days;
	bool outside;
	uint16_t start_minute;
	uint16_t end_minute;
	int32_t zone;               /* index into zones, or -1 for an unknown zone */
};

struct value_test {
	uint32_t attribute;
	uint32_t test;
};

struct string_entry {
	const char *text;
	size_t length;
};

struct policy {
	struct policy_rule *rules;
	size_t rule_count;
	struct policy_rule default_rule;

	char **attributes;
	size_t attribute_count;

	/* Interned strings: entry i is value id i (0 and 1 unused); slots hash to ids. */
	struct string_entry *strings;
	size_t string_count;
	uint32_t *string_slots;
	size_t string_slot_mask;

	struct program_test *tests;
	size_t test_count;
	uint32_t *set_ids;
	size_t set_id_count;
	const struct policy_glob **globs;
	size_t glob_count;
	/*
	 * The == and in tests that value id i passes, on any attribute:
	 * value_tests[value_test_first[i]] up to value_test_first[i + 1].
	 */
	struct value_test *value_tests;
	uint32_t *value_test_first;
	/* The glob tests on attribute a: glob_tests[glob_test_first[a] ...], glob_test_count[a] of them. */
	uint32_t *glob_tests;
	uint32_t *glob_test_first;
	uint32_t *glob_test_count;
	size_t attribute_tests_max; /* the maximum number of tests on one attribute */
	struct program_rule *program;
	struct program_mask *masks;
	size_t mask_count;
	/*
	 * A rule whose masks need some test to hold is checked only when that
	 * test holds: test t triggers trigger_rules[trigger_first[t]] up to
	 * trigger_first[t + 1]. Every other rule is in always_checked, a bit set
	 * of rule_words words, and is checked on every decision.
	 */
	uint32_t *trigger_rules;
	uint32_t *trigger_first;
	uint64_t *always_checked;
	size_t rule_words;
	struct program_window *windows;
	size_t window_count;
	const struct policy_zone **zones;
	size_t zone_count;
};

struct policy_request {
	const struct policy *policy;
	uint64_t *test_bits;        /* one bit per test: whether it holds */
	size_t test_words;
	uint32_t *passed;           /* room for the tests one value passes */
	uint64_t *candidates;       /* the rules a decision checks, as a bit set */
	bool has_time;
	int64_t time;
	/* Per zone: the local weekday and minute, computed on first use for this time. */
	uint8_t *zone_ready;
	int16_t *zone_weekday;
	int16_t *zone_minute;
	uint32_t *matches;
	uint32_t *window_misses;
	uint32_t *untimed;
};

/* Build the program of a parsed policy (rules, default and attributes are set). */
void policy_compile(struct policy *policy);
void policy_expr_free(struct policy_expr *expr);
/* The value id of a string, VALUE_OTHER when no string of the policy equals it. */
uint32_t policy_string_id(const struct policy *policy, const char *text, size_t length);
uint32_t policy_string_hash(const char *text, size_t length);
/*
 * List in passed the tests on an attribute that a value passes, and return
 * how many; passed has room for policy->attribute_tests_max.
 */
size_t policy_tests_passed(const struct policy *policy, uint32_t attribute, const char *text,
			   size_t length, uint32_t *passed);
/*
 * Mark tests as holding, as adding a value that passes them would: the
 * simulation works out which tests each distinct history value passes once.
 */
void policy_request_add_passed(struct policy_request *request, const uint32_t *tests, size_t count);
const struct policy_rule *policy_rule_at(const struct policy *policy, int index);
/* Whether the attribute name has the form requester.x, resource.x or request.x. */
bool policy_attribute_name_valid(const char *name);

#endif
