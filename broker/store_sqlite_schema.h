#ifndef GATEHOUSE_STORE_SQLITE_SCHEMA_H
#define GATEHOUSE_STORE_SQLITE_SCHEMA_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* Bring the database's schema up to the newest version, in one transaction. */
bool store_migrate(sqlite3 *db, char *err, size_t errlen);

#endif
