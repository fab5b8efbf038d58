#ifndef GATEHOUSE_POLICY_SIMULATE_H
#define GATEHOUSE_POLICY_SIMULATE_H

/*
 * Replay past requests through a current and a proposed policy and count
 * what would change. docs/POLICY.md defines every figure.
 *
 * A history stores the requests column by column, with each distinct value
 * stored once, so that a simulation binds each value to a policy once and
 * then decides every row with integer compares.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/model.h"
#include "policy/policy.h"

/* The decision people made on a past request. */
enum policy_history_decision {
	POLICY_HISTORY_UNDECIDED,   /* pending, canceled or expired */
	POLICY_HISTORY_APPROVED,
	POLICY_HISTORY_DENIED,
};

struct policy_history;

struct policy_history *policy_history_new(void);
void policy_history_free(struct policy_history *history);

/*
 * Add the rows of a file: the access-history CSV format (a first line of
 * ACTION,RESOURCE,MGR_ID,...) or JSON lines of requests as the broker's API
 * writes them, distinguished by the first byte that is not a space ("{" for
 * JSON lines). On failure the history keeps the rows before the bad line, and
 * err names the file, the line and the fault.
 */
bool policy_history_read_file(struct policy_history *history, const char *path, char *err,
			      size_t errlen);
bool policy_history_read_csv(struct policy_history *history, const char *text, size_t length,
			     char *err, size_t errlen);
bool policy_history_read_json_lines(struct policy_history *history, const char *text,
				    size_t length, char *err, size_t errlen);

/*
 * Add one past request. Its fields become requester.id, resource.id,
 * request.role, request.reason and resource.owner_group. The attributes
 * object, when not NULL, maps the names of the attributes that the broker's
 * decision saw to a string, a number, a boolean or an array of those. Its
 * values replace the fields of the same name. Returns false with err on an
 * attribute it cannot use.
 */
bool policy_history_add_request(struct policy_history *history, const struct access_request *request,
				const json_t *attributes, char *err, size_t errlen);

size_t policy_history_count(const struct policy_history *history);
/* Whether the history has the attribute: a CSV column, a request field or an attribute seen on a row. */
bool policy_history_has_attribute(const struct policy_history *history, const char *name);
/* Whether any row has a time (created_at): only then can time windows match. */
bool policy_history_has_times(const struct policy_history *history);

struct policy_history_row {
	size_t line;                /* the line in the file it was read from; 0 when not read from one */
	int64_t id;                 /* the request's id; 0 for a CSV row */
	enum policy_history_decision decision;
	int64_t created_at;         /* 0 when unknown */
	int64_t wait_seconds;       /* decided_at - created_at of an approved request; -1 when unknown */
	bool needed_approval;       /* approvals_needed was above 0 */
};

void policy_history_row(const struct policy_history *history, size_t row,
			struct policy_history_row *out);
/* Call visit for every value of a row, to show the request in full. */
void policy_history_row_values(const struct policy_history *history, size_t row,
			       void (*visit)(const char *attribute, const char *value, size_t length,
					     void *context),
			       void *context);

/*
 * Add a warning at each condition on an attribute that no row of the history
 * has, and at each time window when no row has a time. In a simulation on
 * that history such a condition has no value to test, and such a window never
 * matches.
 */
void policy_lint_history(const struct policy *policy, const struct policy_history *history,
			 struct policy_diagnostics *diagnostics);

/* One row whose outcome differs between the two policies. */
struct policy_simulation_change {
	size_t row;
	enum policy_outcome current;
	enum policy_outcome proposed;
	int current_rule;           /* a rule index, or POLICY_DEFAULT_RULE */
	int proposed_rule;
};

struct policy_simulation {
	size_t total;
	size_t matrix[POLICY_OUTCOME_COUNT][POLICY_OUTCOME_COUNT]; /* [current][proposed] */
	size_t changed;             /* rows off the matrix's diagonal */
	size_t risk;                /* proposed allow where people denied */
	size_t friction;            /* proposed deny where people approved */
	/* Rows without a time on which a rule's condition held but its time window could not be checked. */
	size_t without_time;
	size_t rule_count;          /* the proposed policy's */
	size_t *rule_decided;       /* per proposed rule: the rows it decided */
	size_t *rule_matched;       /* per proposed rule: the rows it matched */
	size_t default_decided;
	/*
	 * The projected mean time to access, in seconds, over the rows that get
	 * access: an allow waits 0 s, and a require that people approved waits
	 * approval_wait. A deny, and a require that people did not approve, give
	 * no access and are not counted. Unknown (false) when the history has no
	 * approved request with both times that needed approval, or when no row
	 * gets access.
	 */
	bool mtta_current_known;
	bool mtta_proposed_known;
	double mtta_current;
	double mtta_proposed;
	bool approval_wait_known;
	double approval_wait;       /* the mean wait of those approved requests */
	struct policy_simulation_change *changes;
	size_t change_count;
};

/* Decide every row of history with both policies and count the results into out. */
void policy_simulate(const struct policy *current, const struct policy *proposed,
		     const struct policy_history *history, struct policy_simulation *out);
void policy_simulation_free(struct policy_simulation *simulation);

/* Whether a proposed rule never decided, and whether it matched rows but always lost them. */
bool policy_simulation_rule_idle(const struct policy_simulation *simulation, size_t rule);
bool policy_simulation_rule_shadowed(const struct policy_simulation *simulation, size_t rule);

/*
 * The simulation as the JSON object of "gatehouse simulate --json" and the
 * broker's simulate call: total, matrix, changed, risk, friction, rules,
 * rules_never_deciding, rules_shadowed, rows_without_time, mtta_seconds and
 * changed_rows (at most changed_limit of them; SIZE_MAX for all).
 */
json_t *policy_simulation_to_json(const struct policy_simulation *simulation,
				  const struct policy *current, const struct policy *proposed,
				  const struct policy_history *history, size_t changed_limit);
/* The same figures as text for a terminal, with at most changed_limit changed rows listed. */
void policy_simulation_format(const struct policy_simulation *simulation,
			      const struct policy *current, const struct policy *proposed,
			      const struct policy_history *history, size_t changed_limit,
			      struct strbuf *out);

/* A decision as JSON, to store beside a request: outcome, rule, cap and explanation. */
json_t *policy_decision_to_json(const struct policy *policy, const struct policy_decision *decision);

#endif
