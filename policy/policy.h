#ifndef GATEHOUSE_POLICY_H
#define GATEHOUSE_POLICY_H

/*
 * Gatehouse access policies: parse a policy's text, lint it, and decide
 * requests with it. docs/POLICY.md describes the language and the rules by
 * which matching rules combine into one decision.
 *
 * A struct policy does not change after policy_parse() returns it, so any
 * number of threads may decide with one policy at once, each with its own
 * struct policy_request. Time zones are read from the TZif files under
 * /usr/share/zoneinfo (or $TZDIR) into a process-wide cache; nothing here
 * calls setenv("TZ") or localtime().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

/* The three outcomes, ordered so that a larger value beats a smaller one. */
enum policy_outcome {
	POLICY_ALLOW,
	POLICY_REQUIRE,
	POLICY_DENY,
};
#define POLICY_OUTCOME_COUNT 3

/* "allow", "require" or "deny". */
const char *policy_outcome_name(enum policy_outcome outcome);
bool policy_outcome_parse(const char *name, enum policy_outcome *out);

/* ---- Diagnostics ---- */

enum policy_severity {
	POLICY_ERROR,
	POLICY_WARNING,
};

struct policy_diagnostic {
	enum policy_severity severity;
	unsigned line;              /* 1-based */
	unsigned column;            /* 1-based, counted in Unicode code points; a tab counts 1 */
	char *message;              /* one sentence without the position, e.g. "expected ..., found ..." */
};

/*
 * The findings of a parse and a lint, in the order of their positions.
 * Parsing stops after POLICY_DIAGNOSTICS_MAX errors and adds one more error
 * that reports the stop.
 */
struct policy_diagnostics {
	char *file_name;            /* as the caller named the text: a path, or "policy" */
	struct policy_diagnostic *items;
	size_t count;
	size_t error_count;
	size_t capacity;
};
#define POLICY_DIAGNOSTICS_MAX 50

void policy_diagnostics_init(struct policy_diagnostics *diagnostics, const char *file_name);
void policy_diagnostics_free(struct policy_diagnostics *diagnostics);
/*
 * Append one line per diagnostic to out: "FILE:LINE:COLUMN: message" for an
 * error and "FILE:LINE:COLUMN: warning: message" for a warning.
 */
void policy_diagnostics_format(const struct policy_diagnostics *diagnostics, struct strbuf *out);

/* ---- Parsing ---- */

struct policy;

/*
 * Parse and compile a policy. Returns NULL when the text has any syntax error,
 * after adding every error it could find to diagnostics. The text need not be
 * NUL-terminated and may contain any bytes: invalid input gets diagnostics,
 * never a crash. A policy that parses may still fail policy_lint().
 */
struct policy *policy_parse(const char *text, size_t length, struct policy_diagnostics *diagnostics);
void policy_free(struct policy *policy);

/* ---- Lint ---- */

/*
 * The attributes a caller can supply. An entry ending in ".*" (such as
 * "requester.*") accepts every attribute under that prefix.
 */
struct policy_schema {
	const char *const *attributes;
	size_t count;
};

/*
 * The attributes that the history readers of policy/simulate.h fill in from
 * CSV columns and request fields.
 */
extern const struct policy_schema policy_history_schema;

/*
 * Check a parsed policy and add what is wrong to diagnostics. Errors: an
 * attribute that known does not list (skipped when known is NULL), two rules
 * with one name, an empty time window, a cap of 0 and an unknown time zone.
 * Warnings: a rule that can never decide because an unconditional rule always
 * beats it, a default that never applies, max or reason required on a deny
 * rule, and a glob without a wildcard. Returns true when it found no error
 * (warnings allowed).
 */
bool policy_lint(const struct policy *policy, const struct policy_schema *known,
		 struct policy_diagnostics *diagnostics);

/* ---- What a policy contains ---- */

/* The default's index wherever a rule index is expected. */
#define POLICY_DEFAULT_RULE (-1)

struct policy_rule_info {
	const char *name;           /* NULL for the default */
	unsigned line;              /* where the rule (or "default") starts */
	enum policy_outcome outcome;
	int approvals;              /* POLICY_REQUIRE: how many */
	const char *group;          /* POLICY_REQUIRE: who approves */
	const char *message;        /* POLICY_DENY: the message for the requester */
	int64_t max_seconds;        /* the rule's cap; 0 when it has none */
	bool reason_required;
	bool has_window;            /* during or outside */
	bool has_condition;         /* when */
};

size_t policy_rule_count(const struct policy *policy);
/* Describe rule index (0 to policy_rule_count() - 1, or POLICY_DEFAULT_RULE). */
void policy_rule_describe(const struct policy *policy, int index, struct policy_rule_info *out);

/*
 * The attributes that the policy's conditions read, numbered from 0 in the
 * order they first appear. These are the values a caller must supply, and the
 * ones to store beside a decision so that a later replay gets the same input.
 */
size_t policy_attribute_count(const struct policy *policy);
const char *policy_attribute_name(const struct policy *policy, size_t index);
/* The index of an attribute, or -1 when no condition reads it. */
int policy_attribute_index(const struct policy *policy, const char *name);

/* ---- Deciding ---- */

/*
 * One request's input to a decision: attribute values and the time it was
 * made. Make one per thread and reuse it: once it is made, adding values
 * and deciding allocate nothing.
 */
struct policy_request;

struct policy_request *policy_request_new(const struct policy *policy);
void policy_request_free(struct policy_request *request);
/* Forget every value and the time, to start the next request. */
void policy_request_reset(struct policy_request *request);
/*
 * Add a value of the attribute numbered attribute (policy_attribute_index()).
 * An attribute may have several values (a requester's groups): ==, in and ~
 * hold when any value matches, and != , not in and !~ when none does. An
 * attribute with no value matches no ==, in or ~.
 */
void policy_request_add(struct policy_request *request, int attribute, const char *value,
			size_t length);
/* Add a value by attribute name; does nothing when no condition reads the attribute. */
void policy_request_add_named(struct policy_request *request, const char *name, const char *value);
/* When the request was made, in seconds since the epoch; time windows need it. */
void policy_request_set_time(struct policy_request *request, int64_t at);

struct policy_decision {
	enum policy_outcome outcome;
	int approvals;              /* POLICY_REQUIRE */
	const char *group;          /* POLICY_REQUIRE; owned by the policy */
	const char *message;        /* POLICY_DENY; owned by the policy */
	int64_t max_seconds;        /* the shortest cap of the matching rules; 0 for none or a deny */
	int max_rule;               /* the rule that set max_seconds, or POLICY_DEFAULT_RULE */
	bool reason_required;       /* any matching rule has reason required; false for a deny */
	int rule;                   /* the deciding rule, or POLICY_DEFAULT_RULE */
	/*
	 * Rule indexes in source order, owned by the request and valid until it is
	 * reset or decided again. matches are the rules that matched. window_misses
	 * are those whose condition held but whose time window did not. untimed
	 * are those whose condition held on a request without a time, so that
	 * their window could not be checked.
	 */
	const uint32_t *matches;
	size_t match_count;
	const uint32_t *window_misses;
	size_t window_miss_count;
	const uint32_t *untimed;
	size_t untimed_count;
};

/*
 * Decide a request. Deny beats require, and require beats allow. Among
 * requirements the largest number of approvals wins, and between equal
 * numbers the rule earlier in the file. Among denies and among allows the
 * earliest rule wins. No matching rule means the default.
 */
void policy_decide(struct policy_request *request, struct policy_decision *out);

/*
 * Append an explanation of a decision to out: the outcome and the deciding
 * rule, then every matching rule with why it did or did not decide, then the
 * rules that missed only by their time window.
 */
void policy_explain(const struct policy *policy, const struct policy_decision *decision,
		    struct strbuf *out);
/* Append the decision in a few words: "require 2 approvals from \"owners\"". */
void policy_describe_outcome(const struct policy *policy, int rule, struct strbuf *out);

/* Append a duration as the language writes it: "8h", "1h30m", "2d", "45s". */
void policy_format_duration(int64_t seconds, struct strbuf *out);

/* ---- Highlighting ---- */

enum policy_token_class {
	POLICY_TOKEN_KEYWORD,       /* rule, when, allow, and, mon, ... */
	POLICY_TOKEN_ATTRIBUTE,     /* requester.department */
	POLICY_TOKEN_STRING,        /* "..." with its quotes */
	POLICY_TOKEN_NUMBER,        /* 2, 8h, 09:00 */
	POLICY_TOKEN_OPERATOR,      /* == != ~ !~ { } ( ) [ ] , - */
	POLICY_TOKEN_COMMENT,       /* # to the end of the line */
	POLICY_TOKEN_INVALID,       /* bytes the language has no use for */
};

/*
 * Call visit for each token of text in order, with its byte offset and
 * length, for an editor to colour. Spaces and line ends are not visited.
 */
void policy_highlight(const char *text, size_t length,
		      void (*visit)(enum policy_token_class token_class, size_t offset, size_t length,
				    void *context),
		      void *context);

#endif
