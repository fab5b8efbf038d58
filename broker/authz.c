#include "broker/authz.h"

#include <string.h>

static bool same_id(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool authz_is_admin(const struct principal *p)
{
	return (p->roles & ROLE_ADMIN) != 0;
}

bool authz_sees_everything(const struct principal *p)
{
	return (p->roles & (ROLE_ADMIN | ROLE_APPROVER | ROLE_AUDITOR)) != 0;
}

bool authz_can_request(const struct principal *p)
{
	return (p->roles & (ROLE_REQUESTER | ROLE_APPROVER | ROLE_ADMIN)) != 0;
}

bool authz_can_see_request(const struct principal *p, const struct access_request *r)
{
	return authz_sees_everything(p) || same_id(p->id, r->requester);
}

bool authz_can_see_grant(const struct principal *p, const struct grant *g)
{
	return authz_sees_everything(p) || same_id(p->id, g->principal);
}

bool authz_can_decide(const struct principal *p, const struct access_request *r)
{
	if (authz_is_admin(p))
		return true;
	return (p->roles & ROLE_APPROVER) && principal_in_group(p, r->approver_group);
}

bool authz_can_revoke(const struct principal *p, const struct grant *g, const char *owner_group)
{
	if (authz_is_admin(p) || same_id(p->id, g->principal))
		return true;
	return (p->roles & ROLE_APPROVER) && principal_in_group(p, owner_group);
}

bool authz_can_read_audit(const struct principal *p)
{
	return (p->roles & (ROLE_ADMIN | ROLE_AUDITOR)) != 0;
}
