#include "api/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const request_status_names[] = {
	[REQUEST_PENDING] = "pending",
	[REQUEST_APPROVED] = "approved",
	[REQUEST_DENIED] = "denied",
	[REQUEST_CANCELED] = "canceled",
	[REQUEST_EXPIRED] = "expired",
};

static const char *const grant_status_names[] = {
	[GRANT_ACTIVE] = "active",
	[GRANT_EXPIRED] = "expired",
	[GRANT_REVOKED] = "revoked",
};

static const char *const grant_kind_names[] = {
	[GRANT_JIT] = "jit",
	[GRANT_STANDING] = "standing",
};

static const struct {
	enum role role;
	const char *name;
} role_names[] = {
	{ ROLE_REQUESTER, "requester" },
	{ ROLE_APPROVER, "approver" },
	{ ROLE_ADMIN, "admin" },
	{ ROLE_AUDITOR, "auditor" },
};

static int name_index(const char *const *names, size_t count, const char *s)
{
	for (size_t i = 0; i < count; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

#define NAMES_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *request_status_name(enum request_status s)
{
	return (unsigned)s < NAMES_COUNT(request_status_names) ? request_status_names[s] : "unknown";
}

bool request_status_parse(const char *s, enum request_status *out)
{
	int i = name_index(request_status_names, NAMES_COUNT(request_status_names), s);

	if (i < 0)
		return false;
	*out = (enum request_status)i;
	return true;
}

const char *grant_status_name(enum grant_status s)
{
	return (unsigned)s < NAMES_COUNT(grant_status_names) ? grant_status_names[s] : "unknown";
}

bool grant_status_parse(const char *s, enum grant_status *out)
{
	int i = name_index(grant_status_names, NAMES_COUNT(grant_status_names), s);

	if (i < 0)
		return false;
	*out = (enum grant_status)i;
	return true;
}

const char *grant_kind_name(enum grant_kind k)
{
	return (unsigned)k < NAMES_COUNT(grant_kind_names) ? grant_kind_names[k] : "unknown";
}

bool grant_kind_parse(const char *s, enum grant_kind *out)
{
	int i = name_index(grant_kind_names, NAMES_COUNT(grant_kind_names), s);

	if (i < 0)
		return false;
	*out = (enum grant_kind)i;
	return true;
}

const char *role_name(enum role r)
{
	for (size_t i = 0; i < NAMES_COUNT(role_names); i++)
		if (role_names[i].role == r)
			return role_names[i].name;
	return "unknown";
}

bool roles_parse(const char *s, unsigned *out)
{
	unsigned roles = 0;
	const char *p = s;

	while (*p) {
		size_t n = strcspn(p, ",");
		bool known = false;
		for (size_t i = 0; i < NAMES_COUNT(role_names); i++) {
			if (strlen(role_names[i].name) == n &&
			    strncmp(role_names[i].name, p, n) == 0) {
				roles |= role_names[i].role;
				known = true;
			}
		}
		if (!known && n > 0)
			return false;
		p += n;
		if (*p == ',')
			p++;
	}
	*out = roles;
	return true;
}

void roles_format(unsigned roles, char *out, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < NAMES_COUNT(role_names); i++) {
		if (!(roles & role_names[i].role))
			continue;
		int n = snprintf(out + used, size - used, "%s%s", used ? "," : "",
				 role_names[i].name);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}

void access_request_free(struct access_request *r)
{
	free(r->requester);
	free(r->resource);
	free(r->role);
	free(r->reason);
	free(r->approver_group);
	free(r->decided_by);
	free(r->decision_reason);
	for (size_t i = 0; i < r->approval_count; i++) {
		free(r->approvals[i].approver);
		free(r->approvals[i].reason);
	}
	free(r->approvals);
	memset(r, 0, sizeof *r);
}

void grant_free(struct grant *g)
{
	free(g->principal);
	free(g->resource);
	free(g->role);
	free(g->revoked_by);
	free(g->reason);
	free(g->request_reason);
	memset(g, 0, sizeof *g);
}

void principal_free(struct principal *p)
{
	free(p->id);
	free(p->display_name);
	for (size_t i = 0; i < p->group_count; i++)
		free(p->groups[i]);
	free(p->groups);
	free(p->attributes_json);
	memset(p, 0, sizeof *p);
}

void audit_entry_free(struct audit_entry *e)
{
	free(e->actor);
	free(e->action);
	free(e->object_kind);
	free(e->reason);
	free(e->prev_hash);
	free(e->hash);
	memset(e, 0, sizeof *e);
}

bool principal_in_group(const struct principal *p, const char *group)
{
	if (!group)
		return false;
	for (size_t i = 0; i < p->group_count; i++)
		if (strcmp(p->groups[i], group) == 0)
			return true;
	return false;
}
