#ifndef GATEHOUSE_AUTHZ_H
#define GATEHOUSE_AUTHZ_H

/*
 * Who may do what. The broker checks these on every call, whatever the client
 * sends; the roles are described in docs/API.md.
 */

#include <stdbool.h>

#include "api/model.h"

bool authz_is_admin(const struct principal *p);
/* Admins, approvers and auditors see everything; others only their own objects. */
bool authz_sees_everything(const struct principal *p);
bool authz_can_request(const struct principal *p);
bool authz_can_see_request(const struct principal *p, const struct access_request *r);
bool authz_can_see_grant(const struct principal *p, const struct grant *g);
/* Admins, and approvers in the group the request is routed to. Self-approval is checked apart. */
bool authz_can_decide(const struct principal *p, const struct access_request *r);
/* Admins, approvers in the resource's owner group, and the grant's holder. */
bool authz_can_revoke(const struct principal *p, const struct grant *g, const char *owner_group);
bool authz_can_read_audit(const struct principal *p);

#endif
