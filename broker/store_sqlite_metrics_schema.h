#ifndef GATEHOUSE_STORE_SQLITE_METRICS_SCHEMA_H
#define GATEHOUSE_STORE_SQLITE_METRICS_SCHEMA_H

/*
 * Schema step 2 (store_sqlite_schema.c): the hourly rollups that GET /v1/metrics
 * reads, the triggers that keep them in the same transaction as every change to
 * requests and grants, and the backfill of a database made before them. Like every
 * released step, its text never changes; a fix is a new step.
 */

extern const char store_metrics_schema[];

#endif
