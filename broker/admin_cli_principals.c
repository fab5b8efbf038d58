/*
 * gatehoused principal add, set and list, and resource set and list. Both warn
 * when a route could not be decided by anyone but an admin.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/admin_cli_internal.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

#define DEFAULT_APPROVALS 1
#define DEFAULT_MAX_DURATION_SECONDS (8 * 3600)

/* Split a comma-separated list into a new array of strings. */
static char **split_list(const char *text, size_t *count)
{
	char **items = NULL;
	const char *p = text;

	*count = 0;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		if (n > 0) {
			items = xreallocarray(items, *count + 1, sizeof *items);
			items[(*count)++] = xstrndup(p, n);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return items;
}

static void free_list(char **items, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(items[i]);
	free(items);
}

static bool parse_roles_option(const char *text, unsigned *roles)
{
	if (roles_parse(text, roles) && *roles != 0)
		return true;
	admin_error("invalid --roles \"%s\": use requester, approver, admin and auditor, separated "
		    "by commas", admin_shown(text));
	return false;
}

/* Apply the options given to p, keeping what they do not name. */
static void apply_principal_options(const struct admin_options *o, unsigned roles,
				    struct principal *p)
{
	if (o->roles)
		p->roles = roles;
	if (o->name) {
		free(p->display_name);
		p->display_name = xstrdup(o->name);
	}
	if (o->groups) {
		free_list(p->groups, p->group_count);
		p->groups = split_list(o->groups, &p->group_count);
	}
}

static void warn_approver_without_groups(const struct principal *p)
{
	if ((p->roles & ROLE_APPROVER) && p->group_count == 0)
		admin_warn("%s is an approver in no group, so it can decide no request; give --groups",
			   admin_shown(p->id));
}

static int save_principal(struct store *s, struct principal *p, bool created)
{
	if (store_put_principal(s, p) != STORE_OK || store_commit(s) != STORE_OK) {
		admin_error("saving the principal failed: %s", admin_shown(store_last_error(s)));
		store_rollback(s);
		return 1;
	}
	printf("principal %s %s\n", admin_shown(p->id), created ? "added" : "changed");
	warn_approver_without_groups(p);
	return 0;
}

int admin_principal_add(const struct admin_options *o)
{
	struct principal p = { 0 }, existing;
	unsigned roles = 0;
	struct store *s;
	enum store_status status;
	int exit_status = 1;

	if (!o->id || !*o->id || !o->roles) {
		admin_error("principal add needs a non-empty --id ID and --roles LIST");
		return 2;
	}
	if (!parse_roles_option(o->roles, &roles))
		return 2;
	if (!(s = admin_open_store(o->db)))
		return 1;
	status = store_begin_write(s);
	if (status == STORE_OK)
		status = store_get_principal(s, o->id, &existing);
	if (status == STORE_OK) {
		admin_error("principal %s already exists; use principal set to change it",
			    admin_shown(o->id));
		principal_free(&existing);
		store_rollback(s);
	} else if (status != STORE_NOT_FOUND) {
		admin_error("reading the principal failed: %s", admin_shown(store_last_error(s)));
		store_rollback(s);
	} else {
		p.id = xstrdup(o->id);
		p.display_name = xstrdup(o->id);
		apply_principal_options(o, roles, &p);
		exit_status = save_principal(s, &p, true);
		principal_free(&p);
	}
	store_close(s);
	return exit_status;
}

int admin_principal_set(const struct admin_options *o)
{
	struct principal p;
	unsigned roles = 0;
	struct store *s;
	enum store_status status;
	int exit_status = 1;

	if (!o->id || !*o->id) {
		admin_error("principal set needs a non-empty --id ID");
		return 2;
	}
	if (!o->roles && !o->groups && !o->name) {
		admin_error("principal set needs at least one of --roles, --groups and --name");
		return 2;
	}
	if (o->roles && !parse_roles_option(o->roles, &roles))
		return 2;
	if (!(s = admin_open_store(o->db)))
		return 1;
	status = store_begin_write(s);
	if (status == STORE_OK)
		status = store_get_principal(s, o->id, &p);
	if (status == STORE_OK) {
		apply_principal_options(o, roles, &p);
		exit_status = save_principal(s, &p, false);
		principal_free(&p);
	} else {
		if (status == STORE_NOT_FOUND)
			admin_error("principal %s not found; add it with principal add",
				    admin_shown(o->id));
		else
			admin_error("reading the principal failed: %s",
				    admin_shown(store_last_error(s)));
		store_rollback(s);
	}
	store_close(s);
	return exit_status;
}

static void join_groups(const struct principal *p, struct strbuf *out)
{
	for (size_t i = 0; i < p->group_count; i++)
		strbuf_printf(out, "%s%s", i ? "," : "", p->groups[i]);
}

int admin_principal_list(const struct admin_options *o)
{
	static const char *const header[] = { "ID", "ROLES", "GROUPS", "NAME" };
	struct admin_table table;
	struct principal *principals;
	size_t count;
	struct store *s = admin_open_store(o->db);

	if (!s)
		return 1;
	if (store_list_principals(s, &principals, &count) != STORE_OK) {
		admin_error("listing the principals failed: %s", admin_shown(store_last_error(s)));
		store_close(s);
		return 1;
	}
	admin_table_init(&table, header, 4);
	for (size_t i = 0; i < count; i++) {
		char roles[64];
		struct strbuf groups = STRBUF_INIT;
		roles_format(principals[i].roles, roles, sizeof roles);
		join_groups(&principals[i], &groups);
		const char *row[] = { principals[i].id, roles, strbuf_str(&groups),
				      principals[i].display_name ? principals[i].display_name : "" };
		admin_table_add(&table, row);
		strbuf_free(&groups);
		principal_free(&principals[i]);
	}
	free(principals);
	admin_table_print(&table);
	admin_table_free(&table);
	store_close(s);
	return 0;
}

/* Read --approvals and --max-duration into route, where given; prints why not. */
static bool parse_route_options(const struct admin_options *o, struct resource_route *route)
{
	char *end = NULL;

	if (o->approvals) {
		long approvals = strtol(o->approvals, &end, 10);
		if (end == o->approvals || *end || approvals < 0 || approvals > 10) {
			admin_error("--approvals must be a whole number from 0 to 10");
			return false;
		}
		route->approvals_needed = (int)approvals;
	}
	if (o->max_duration && (!duration_parse(o->max_duration, &route->max_duration_seconds) ||
				route->max_duration_seconds < 60)) {
		admin_error("--max-duration must be a duration of at least 60s, such as 30m, 4h or 1d");
		return false;
	}
	return true;
}

static void warn_group_without_approvers(struct store *s, const struct resource_route *route)
{
	int64_t approvers = 0;

	if (route->approvals_needed == 0 ||
	    store_count_group_approvers(s, route->owner_group, &approvers) != STORE_OK || approvers > 0)
		return;
	admin_warn("group %s has no member with the approver role, so only admins can decide the "
		   "requests for %s; add one with principal add or principal set --groups",
		   admin_shown(route->owner_group), admin_shown(route->id));
}

/* Start from the stored route, or from the defaults for a new one; false when it cannot be read. */
static bool load_route(struct store *s, const char *id, struct resource_route *route)
{
	enum store_status status = store_get_route(s, id, route);

	if (status == STORE_NOT_FOUND) {
		route->id = xstrdup(id);
		route->approvals_needed = DEFAULT_APPROVALS;
		route->max_duration_seconds = DEFAULT_MAX_DURATION_SECONDS;
		return true;
	}
	if (status != STORE_OK)
		admin_error("reading the route failed: %s", admin_shown(store_last_error(s)));
	return status == STORE_OK;
}

static int save_route(struct store *s, const struct resource_route *route)
{
	char duration[32];

	if (store_put_route(s, route) != STORE_OK || store_commit(s) != STORE_OK) {
		admin_error("saving the route failed: %s", admin_shown(store_last_error(s)));
		store_rollback(s);
		return 1;
	}
	duration_format(route->max_duration_seconds, duration, sizeof duration);
	printf("resource %s: group %s, %d approvals, grants of at most %s\n",
	       admin_shown(route->id), admin_shown(route->owner_group), route->approvals_needed,
	       duration);
	warn_group_without_approvers(s, route);
	return 0;
}

int admin_resource_set(const struct admin_options *o)
{
	struct resource_route route = { 0 };
	struct store *s;
	int exit_status = 1;

	if (!o->id || !*o->id || (o->group && !*o->group)) {
		admin_error("resource set needs a non-empty --id ID, and --group GROUP is not empty");
		return 2;
	}
	if (!(s = admin_open_store(o->db)))
		return 1;
	if (store_begin_write(s) != STORE_OK) {
		admin_error("starting a write failed: %s", admin_shown(store_last_error(s)));
	} else if (load_route(s, o->id, &route) && parse_route_options(o, &route)) {
		if (o->group) {
			free(route.owner_group);
			route.owner_group = xstrdup(o->group);
		}
		if (route.owner_group)
			exit_status = save_route(s, &route);
		else
			admin_error("resource %s is new, so it needs --group GROUP", admin_shown(o->id));
	}
	if (exit_status != 0)
		store_rollback(s);
	resource_route_free(&route);
	store_close(s);
	return exit_status;
}

/* Read every route, a page at a time, into table; false when the store fails. */
static bool add_routes(struct store *s, struct admin_table *table)
{
	enum { PAGE = 500 };
	struct resource_route *routes;
	size_t count;
	char *after = NULL;
	bool ok = true;

	do {
		ok = store_list_routes(s, after, PAGE, &routes, &count) == STORE_OK;
		for (size_t i = 0; ok && i < count; i++) {
			char approvals[16], duration[32];
			snprintf(approvals, sizeof approvals, "%d", routes[i].approvals_needed);
			duration_format(routes[i].max_duration_seconds, duration, sizeof duration);
			const char *row[] = { routes[i].id, routes[i].owner_group, approvals, duration };
			admin_table_add(table, row);
		}
		free(after);
		after = count > 0 ? xstrdup(routes[count - 1].id) : NULL;
		for (size_t i = 0; i < count; i++)
			resource_route_free(&routes[i]);
		free(routes);
	} while (ok && count == PAGE);
	free(after);
	return ok;
}

int admin_resource_list(const struct admin_options *o)
{
	static const char *const header[] = { "ID", "GROUP", "APPROVALS", "MAX DURATION" };
	struct admin_table table;
	struct store *s = admin_open_store(o->db);
	bool ok;

	if (!s)
		return 1;
	admin_table_init(&table, header, 4);
	ok = add_routes(s, &table);
	if (ok)
		admin_table_print(&table);
	else
		admin_error("listing the resources failed: %s", admin_shown(store_last_error(s)));
	admin_table_free(&table);
	store_close(s);
	return ok ? 0 : 1;
}
