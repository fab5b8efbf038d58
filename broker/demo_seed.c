/*
 * Seeding a fresh database from the history. The history has decisions but no
 * times and no reasons: times, durations, reasons and roles are synthetic, drawn
 * from a generator with a fixed seed so that every seed gives the same data.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/audit.h"
#include "broker/demo.h"
#include "broker/requests.h"
#include "common/alloc.h"

#define SEED 20261204u
#define DAY 86400
#define HISTORY_DAYS 56        /* the history is spread over the last eight weeks */
#define INITIAL_PENDING 60
#define STANDING_ONE_IN 25     /* one employee in 25 keeps a standing grant */

static const char *const approver_groups[] = {
	"payments-owners", "infra-owners", "data-owners",
	"identity-owners", "support-owners", "analytics-owners",
};
#define GROUP_COUNT (sizeof approver_groups / sizeof approver_groups[0])
/* The demo approver belongs to the first four, so some requests are not theirs to decide. */
#define DEMO_APPROVER_GROUPS 4

static const char *const reasons[] = {
	"investigate failing nightly export", "deploy a hotfix to production",
	"quarterly access review", "on-call: restart stuck workers",
	"customer escalation: check order history", "migrate reports to the new cluster",
	"debug login failures", "collect audit evidence", "rotate service credentials",
	"backfill missing invoices", "read logs for a support ticket", "run the month-end close",
};

/* The names of docs/POLICY.md's CSV attributes, so that one policy reads the history and the broker. */
static const char *const attribute_names[] = {
	"rollup1", "rollup2", "department", "title", "family_desc", "family", "role_code",
};

struct seed {
	struct store *s;
	const struct history *h;
	struct demo_random random;
	int64_t now;
	int *employee_of_row;      /* employee number (from 1) of each history row */
	int employee_count;
	struct pending_audit *audit;
	size_t audit_count, audit_cap;
	char err[512];
};

/* An audit entry of the history, collected so that the chain can be written in time order. */
struct pending_audit {
	int64_t at;
	char actor[32];
	const char *action;
	const char *kind;
	int64_t id;
	const char *reason;
};

static void employee_id(int number, char *out, size_t size)
{
	snprintf(out, size, "emp-%05d", number);
}

/* Employees are the distinct combinations of manager and role attributes. */
static bool same_employee(const struct history_row *a, const struct history_row *b)
{
	return a->manager == b->manager && memcmp(a->attributes, b->attributes, sizeof a->attributes) == 0;
}

static uint64_t employee_hash(const struct history_row *row)
{
	uint64_t h = (uint64_t)row->manager * 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 7; i++)
		h = (h ^ (uint64_t)row->attributes[i]) * 0x100000001b3ULL;
	return h;
}

/* Number the employees in order of first appearance, with an open-addressing table of row indexes. */
static void index_employees(struct seed *seed)
{
	size_t slots = 1;
	while (slots < seed->h->count * 2)
		slots <<= 1;
	long *table = xmalloc(slots * sizeof *table);
	memset(table, 0xff, slots * sizeof *table);

	seed->employee_of_row = xcalloc(seed->h->count, sizeof *seed->employee_of_row);
	for (size_t i = 0; i < seed->h->count; i++) {
		const struct history_row *row = &seed->h->rows[i];
		size_t slot = employee_hash(row) & (slots - 1);
		while (table[slot] >= 0 && !same_employee(&seed->h->rows[table[slot]], row))
			slot = (slot + 1) & (slots - 1);
		if (table[slot] < 0) {
			table[slot] = (long)i;
			seed->employee_of_row[i] = ++seed->employee_count;
		} else {
			seed->employee_of_row[i] = seed->employee_of_row[table[slot]];
		}
	}
	free(table);
}

static bool put_principal(struct seed *seed, const char *id, const char *name, unsigned roles,
			  const char *const *groups, size_t group_count, const char *attributes)
{
	struct principal p = {
		.id = (char *)id,
		.display_name = (char *)name,
		.roles = roles,
		.groups = (char **)groups,
		.group_count = group_count,
		.attributes_json = (char *)attributes,
	};

	if (store_put_principal(seed->s, &p) == STORE_OK)
		return true;
	snprintf(seed->err, sizeof seed->err, "saving principal %s: %s", id, store_last_error(seed->s));
	return false;
}

static bool seed_demo_principals(struct seed *seed)
{
	return put_principal(seed, DEMO_ADMIN, "Demo admin", ROLE_ADMIN, NULL, 0, NULL) &&
	       put_principal(seed, DEMO_APPROVER, "Demo approver", ROLE_APPROVER, approver_groups,
			     DEMO_APPROVER_GROUPS, NULL) &&
	       put_principal(seed, DEMO_REQUESTER, "Demo requester", ROLE_REQUESTER, NULL, 0, NULL);
}

static bool seed_employee(struct seed *seed, const struct history_row *row, int number)
{
	char id[16], name[32], attributes[512];
	int n = snprintf(attributes, sizeof attributes, "{\"manager\":\"mgr-%ld\"", row->manager);

	for (int i = 0; i < 7; i++)
		n += snprintf(attributes + n, sizeof attributes - (size_t)n, ",\"%s\":\"%ld\"",
			      attribute_names[i], row->attributes[i]);
	snprintf(attributes + n, sizeof attributes - (size_t)n, "}");
	employee_id(number, id, sizeof id);
	snprintf(name, sizeof name, "Employee %d", number);
	return put_principal(seed, id, name, ROLE_REQUESTER, NULL, 0, attributes);
}

/* Managers decided the history; each becomes an approver in one group. */
static bool seed_manager(struct seed *seed, long manager)
{
	char id[32], name[48];
	const char *group = approver_groups[(unsigned long)manager % GROUP_COUNT];

	snprintf(id, sizeof id, "mgr-%ld", manager);
	snprintf(name, sizeof name, "Manager %ld", manager);
	return put_principal(seed, id, name, ROLE_APPROVER | ROLE_REQUESTER, &group, 1, NULL);
}

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Sorted distinct values of one history column. */
static long *distinct_values(const struct history *h, bool managers, size_t *count)
{
	long *values = xcalloc(h->count, sizeof *values);
	size_t n = 0;

	for (size_t i = 0; i < h->count; i++)
		values[i] = managers ? h->rows[i].manager : h->rows[i].resource;
	qsort(values, h->count, sizeof *values, compare_long);
	for (size_t i = 0; i < h->count; i++)
		if (n == 0 || values[n - 1] != values[i])
			values[n++] = values[i];
	*count = n;
	return values;
}

static bool seed_people(struct seed *seed)
{
	int next = 1;
	size_t manager_count;
	long *managers = distinct_values(seed->h, true, &manager_count);
	bool ok = true;

	for (size_t i = 0; ok && i < seed->h->count; i++) {
		if (seed->employee_of_row[i] == next) {
			ok = seed_employee(seed, &seed->h->rows[i], next);
			next++;
		}
	}
	for (size_t i = 0; ok && i < manager_count; i++)
		ok = seed_manager(seed, managers[i]);
	free(managers);
	return ok;
}

/* Every resource gets a route: a group by its id, and two approvals for about one in seven. */
static void route_for(long resource, struct resource_route *route, char *id, size_t size)
{
	bool sensitive = resource % 7 == 3;

	snprintf(id, size, "res-%ld", resource);
	route->id = id;
	route->owner_group = (char *)approver_groups[(unsigned long)(resource / 7) % GROUP_COUNT];
	route->approvals_needed = sensitive ? 2 : 1;
	route->max_duration_seconds = sensitive ? 4 * 3600 : 8 * 3600;
}

static bool seed_routes(struct seed *seed)
{
	size_t count;
	long *resources = distinct_values(seed->h, false, &count);
	bool ok = true;

	for (size_t i = 0; ok && i < count; i++) {
		struct resource_route route;
		char id[32];
		route_for(resources[i], &route, id, sizeof id);
		ok = store_put_route(seed->s, &route) == STORE_OK;
	}
	if (!ok)
		snprintf(seed->err, sizeof seed->err, "saving routes: %s", store_last_error(seed->s));
	free(resources);
	return ok;
}

static void collect_audit(struct seed *seed, int64_t at, const char *actor, const char *action,
			  const char *kind, int64_t id, const char *reason)
{
	if (seed->audit_count == seed->audit_cap) {
		seed->audit_cap = seed->audit_cap ? seed->audit_cap * 2 : 65536;
		seed->audit = xreallocarray(seed->audit, seed->audit_cap, sizeof *seed->audit);
	}
	struct pending_audit *a = &seed->audit[seed->audit_count++];
	a->at = at;
	snprintf(a->actor, sizeof a->actor, "%s", actor);
	a->action = action;
	a->kind = kind;
	a->id = id;
	a->reason = reason;
}

/* A creation time in the history window, mostly in working hours (UTC). */
static int64_t history_time(struct seed *seed)
{
	int64_t day_start = seed->now - (seed->now % DAY) - (int64_t)demo_random_below(&seed->random, HISTORY_DAYS) * DAY;
	bool working_hours = demo_random_below(&seed->random, 10) < 8;
	int64_t hour = working_hours ? 8 + (int64_t)demo_random_below(&seed->random, 10)
				     : (int64_t)demo_random_below(&seed->random, 24);
	int64_t t = day_start + hour * 3600 + (int64_t)demo_random_below(&seed->random, 3600);

	/* Decisions come up to four hours later and must still lie in the past. */
	int64_t latest = seed->now - 5 * 3600;
	return t < latest ? t : latest - (int64_t)demo_random_below(&seed->random, 3600);
}

static int64_t requested_duration(struct seed *seed, int64_t max)
{
	static const int64_t hours[] = { 1, 1, 1, 2, 2, 4, 4, 4, 8, 8 };
	int64_t d = hours[demo_random_below(&seed->random, 10)] * 3600;

	return d < max ? d : max;
}

static const char *synthetic_role(struct seed *seed)
{
	uint64_t pick = demo_random_below(&seed->random, 10);

	return pick < 6 ? "read" : pick < 9 ? "write" : "admin";
}

/* Minutes between a request and its decision: mostly quick, sometimes hours. */
static int64_t decision_delay(struct seed *seed)
{
	uint64_t a = demo_random_below(&seed->random, 240), b = demo_random_below(&seed->random, 240);

	return (int64_t)(2 + (a < b ? a : b)) * 60;
}

static bool insert_history_grant(struct seed *seed, const struct access_request *r)
{
	struct grant g = {
		.request_id = r->id,
		.principal = r->requester,
		.resource = r->resource,
		.role = r->role,
		.kind = GRANT_JIT,
		.granted_at = r->decided_at,
		.expires_at = r->decided_at + r->duration_seconds,
		.reason = r->reason,
		.request_reason = r->reason,
		.version = 1,
	};

	g.status = g.expires_at > seed->now ? GRANT_ACTIVE : GRANT_EXPIRED;
	if (g.status == GRANT_EXPIRED)
		g.version = 2;
	if (store_insert_grant(seed->s, &g) != STORE_OK)
		return false;
	collect_audit(seed, g.granted_at, r->decided_by, "grant.create", "grant", g.id, r->reason);
	if (g.status == GRANT_EXPIRED)
		collect_audit(seed, g.expires_at, "system", "grant.expire", "grant", g.id, NULL);

	struct access_request updated = *r;
	updated.grant_id = g.id;
	return store_update_request(seed->s, &updated) == STORE_OK;
}

static bool insert_history_row(struct seed *seed, size_t index)
{
	const struct history_row *row = &seed->h->rows[index];
	struct resource_route route;
	char requester[16], resource[32], manager[32];
	const char *reason = reasons[demo_random_below(&seed->random, sizeof reasons / sizeof reasons[0])];

	employee_id(seed->employee_of_row[index], requester, sizeof requester);
	route_for(row->resource, &route, resource, sizeof resource);
	snprintf(manager, sizeof manager, "mgr-%ld", row->manager);

	struct access_request r = {
		.status = row->approved ? REQUEST_APPROVED : REQUEST_DENIED,
		.requester = requester,
		.resource = resource,
		.role = (char *)synthetic_role(seed),
		.reason = (char *)reason,
		.duration_seconds = requested_duration(seed, route.max_duration_seconds),
		.created_at = history_time(seed),
		.approvals_needed = 1,   /* the history was decided by one manager */
		.approver_group = route.owner_group,
		.decided_by = manager,
		.version = 2,
	};
	r.decided_at = r.created_at + decision_delay(seed);
	r.expires_at = r.created_at + DAY;
	r.decision_reason = row->approved ? NULL : "not needed for this role";

	if (store_insert_request(seed->s, &r) != STORE_OK)
		return false;
	collect_audit(seed, r.created_at, requester, "request.create", "request", r.id, r.reason);
	collect_audit(seed, r.decided_at, manager, row->approved ? "request.approve" : "request.deny",
		      "request", r.id, r.decision_reason);
	if (!row->approved)
		return true;

	struct approval a = { .approver = manager, .at = r.decided_at };
	return store_add_approval(seed->s, r.id, &a) == STORE_OK && insert_history_grant(seed, &r);
}

static bool seed_history(struct seed *seed)
{
	for (size_t i = 0; i < seed->h->count; i++) {
		if (!insert_history_row(seed, i)) {
			snprintf(seed->err, sizeof seed->err, "saving history row %zu: %s", i + 2,
				 store_last_error(seed->s));
			return false;
		}
	}
	return true;
}

/* Standing grants: access that was never requested and never expires, the kind JIT replaces. */
static bool seed_standing_grants(struct seed *seed)
{
	int last_employee = 0;

	for (size_t i = 0; i < seed->h->count; i++) {
		int employee = seed->employee_of_row[i];
		if (employee <= last_employee || employee % STANDING_ONE_IN != 0)
			continue;
		last_employee = employee;

		char principal[16], resource[32];
		employee_id(employee, principal, sizeof principal);
		snprintf(resource, sizeof resource, "res-%ld", seed->h->rows[i].resource);
		bool used = demo_random_below(&seed->random, 3) != 0;
		struct grant g = {
			.principal = principal,
			.resource = resource,
			.role = "read",
			.kind = GRANT_STANDING,
			.status = GRANT_ACTIVE,
			.granted_at = seed->now - (HISTORY_DAYS + 30 + (int64_t)demo_random_below(&seed->random, 300)) * DAY,
			.reason = "standing access from before just-in-time access",
			.last_used_at = used ? seed->now - (int64_t)demo_random_below(&seed->random, 90 * DAY) : 0,
			.version = 1,
		};
		if (store_insert_grant(seed->s, &g) != STORE_OK) {
			snprintf(seed->err, sizeof seed->err, "saving a standing grant: %s",
				 store_last_error(seed->s));
			return false;
		}
		collect_audit(seed, g.granted_at, "system", "grant.create", "grant", g.id, g.reason);
	}
	return true;
}

static int compare_audit_time(const void *a, const void *b)
{
	const struct pending_audit *x = a, *y = b;

	if (x->at != y->at)
		return (x->at > y->at) - (x->at < y->at);
	return (x->id > y->id) - (x->id < y->id);
}

static bool write_history_audit(struct seed *seed)
{
	qsort(seed->audit, seed->audit_count, sizeof *seed->audit, compare_audit_time);
	for (size_t i = 0; i < seed->audit_count; i++) {
		const struct pending_audit *a = &seed->audit[i];
		if (audit_append(seed->s, a->actor, a->action, a->kind, a->id, a->reason, a->at) != STORE_OK) {
			snprintf(seed->err, sizeof seed->err, "writing the audit trail: %s",
				 store_last_error(seed->s));
			return false;
		}
	}
	return true;
}

/* Requests waiting for a decision, made through the state machine like live ones. */
static bool create_pending(struct seed *seed, const char *requester, unsigned roles,
			   const char *resource, int64_t at, int64_t pending_ttl)
{
	struct principal actor = { .id = (char *)requester, .roles = roles };
	struct new_request in = {
		.resource = resource,
		.role = synthetic_role(seed),
		.reason = reasons[demo_random_below(&seed->random, sizeof reasons / sizeof reasons[0])],
		.duration_seconds = 3600,
	};
	struct access_request r;
	struct outcome o;

	requests_create(seed->s, &actor, &in, pending_ttl, at, &r, &o);
	access_request_free(&r);
	if (!outcome_ok(&o))
		snprintf(seed->err, sizeof seed->err, "creating a pending request: %s", o.detail);
	return outcome_ok(&o);
}

static bool seed_pending(struct seed *seed, int64_t pending_ttl)
{
	char requester[16], resource[32];
	bool ok = true;

	for (int i = 0; ok && i < INITIAL_PENDING; i++) {
		size_t row = demo_random_below(&seed->random, seed->h->count);
		employee_id(seed->employee_of_row[row], requester, sizeof requester);
		snprintf(resource, sizeof resource, "res-%ld", seed->h->rows[row].resource);
		int64_t at = seed->now - 6 * 3600 + i * (6 * 3600 / INITIAL_PENDING);
		ok = create_pending(seed, requester, ROLE_REQUESTER, resource, at, pending_ttl);
	}
	/*
	 * Requests of the demo principals themselves: the admin's shows that self-approval is refused.
	 * The row numbers wrap around, so that a history shorter than 203 rows still works.
	 */
	for (int i = 0; ok && i < 3; i++) {
		snprintf(resource, sizeof resource, "res-%ld",
			 seed->h->rows[(size_t)i * 101 % seed->h->count].resource);
		ok = create_pending(seed, DEMO_REQUESTER, ROLE_REQUESTER, resource, seed->now - 600 + i, pending_ttl);
	}
	snprintf(resource, sizeof resource, "res-%ld", seed->h->rows[7 % seed->h->count].resource);
	return ok && create_pending(seed, DEMO_ADMIN, ROLE_ADMIN, resource, seed->now - 300, pending_ttl);
}

bool demo_seed(struct store *s, const struct history *h, int64_t now, int64_t pending_ttl,
	       char *err, size_t errlen)
{
	struct seed seed = { .s = s, .h = h, .random = { SEED }, .now = now };
	bool ok;

	index_employees(&seed);
	ok = seed_demo_principals(&seed) && seed_people(&seed) && seed_routes(&seed) &&
	     seed_history(&seed) && seed_standing_grants(&seed) && write_history_audit(&seed) &&
	     seed_pending(&seed, pending_ttl);
	if (ok) {
		char stamp[24];
		snprintf(stamp, sizeof stamp, "%lld", (long long)now);
		ok = store_meta_set(s, "demo.seeded_at", stamp) == STORE_OK;
	}
	if (!ok)
		snprintf(err, errlen, "seeding the demo failed: %s", seed.err[0] ? seed.err : store_last_error(s));
	free(seed.employee_of_row);
	free(seed.audit);
	return ok;
}
