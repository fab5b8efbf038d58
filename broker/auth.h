#ifndef GATEHOUSE_AUTH_H
#define GATEHOUSE_AUTH_H

#include <stdbool.h>

#include "broker/exchange.h"

/*
 * Authenticate the caller from "Authorization: Bearer TOKEN": hash the token,
 * look the hash up, and fill x->principal. Returns false after setting a 401.
 */
bool auth_authenticate(struct http_exchange *x);

#endif
