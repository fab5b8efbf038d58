#ifndef GATEHOUSE_ROUTES_H
#define GATEHOUSE_ROUTES_H

/* The API's route handlers, one file per resource (api_*.c), dispatched by router.c. */

#include "broker/exchange.h"

void api_healthz(struct http_exchange *x);
void api_me(struct http_exchange *x);
void api_list_resources(struct http_exchange *x);

void api_list_requests(struct http_exchange *x);
void api_create_request(struct http_exchange *x);
void api_get_request(struct http_exchange *x);
void api_approve_request(struct http_exchange *x);
void api_deny_request(struct http_exchange *x);
void api_cancel_request(struct http_exchange *x);

void api_list_grants(struct http_exchange *x);
void api_get_grant(struct http_exchange *x);
void api_revoke_grant(struct http_exchange *x);
void api_bulk_revoke(struct http_exchange *x);

void api_events(struct http_exchange *x);
void api_list_audit(struct http_exchange *x);
void api_verify_audit(struct http_exchange *x);
void api_metrics(struct http_exchange *x);

void api_get_policy(struct http_exchange *x);
void api_put_policy(struct http_exchange *x);
void api_lint_policy(struct http_exchange *x);
void api_simulate_policy(struct http_exchange *x);

/* Route x to its handler: authentication, transactions and idempotency included. */
void router_dispatch(struct http_exchange *x);

#endif
