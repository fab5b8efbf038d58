/*
 * Tests of client/apply.c, which decodes the broker's objects into the cache:
 * which audit entries it keeps and which it refuses.
 */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"
#include "cache/objects.h"
#include "client/apply.h"
#include "tests/support/check_main.h"

static char directory[64];
static char path[128];
static struct cache *cache;

static void open_cache(void)
{
	char err[512];

	snprintf(directory, sizeof directory, "/tmp/gatehouse-apply-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(directory));
	snprintf(path, sizeof path, "%s/cache.db", directory);
	cache = cache_open(path, err, sizeof err);
	ck_assert_msg(cache != NULL, "%s", err);
}

static void close_cache(void)
{
	char side[160];

	cache_close(cache);
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	rmdir(directory);
}

static enum apply_result apply_entry(const char *object, char *err, size_t errlen)
{
	json_t *entry = json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}",
				  "seq", 7, "at", "2026-12-04T15:02:00Z", "actor", "root",
				  "action", "policy.publish", "object", object, "object_id", 2,
				  "reason", "version 2 replaces version 1", "prev_hash", "00", "hash", "11");
	enum apply_result result = apply_audit_entry(cache, entry, err, errlen);

	json_decref(entry);
	return result;
}

START_TEST(test_policy_entry_is_stored)
{
	char err[512] = "";
	struct audit_entry *entries;

	ck_assert_int_eq(apply_entry("policy", err, sizeof err), APPLY_STORED);
	size_t count = cache_list_audit(cache, "policy", 2, &entries);
	ck_assert_uint_eq(count, 1);
	ck_assert_str_eq(entries[0].action, "policy.publish");
	audit_entries_free(entries, count);
}
END_TEST

START_TEST(test_unknown_object_is_refused)
{
	char err[512] = "";

	ck_assert_int_eq(apply_entry("principal", err, sizeof err), APPLY_INVALID);
	ck_assert_ptr_nonnull(strstr(err, "expected request, grant or policy"));
}
END_TEST

static Suite *apply_suite(void)
{
	Suite *suite = suite_create("client_apply");
	TCase *audit = tcase_create("audit");

	tcase_add_checked_fixture(audit, open_cache, close_cache);
	tcase_add_test(audit, test_policy_entry_is_stored);
	tcase_add_test(audit, test_unknown_object_is_refused);
	suite_add_tcase(suite, audit);
	return suite;
}

CHECK_MAIN(apply_suite)
