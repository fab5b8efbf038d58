/*
 * make_cache: write a console cache with N pending requests, and the same rows
 * as a text file for a pager, for bench/console.sh.
 *
 *   make_cache --rows N --cache FILE --text FILE
 *
 * The cache is written with the console's own cache API, as the client would
 * write it after a sync, with a signed-in principal (demo-admin) and a last
 * contact two hours ago. The requests have ids 100001 to 100000 + N, in the
 * order the Pending pane shows them (oldest first). Their fields are drawn
 * like the broker's demo seed (broker/demo_seed.c), from a generator with a
 * fixed seed, so every run writes the same rows.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/json.h"
#include "api/model.h"
#include "cache/cache.h"
#include "cache/objects.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* Six digits from the first row to the 899,999th, so every id fills the ID column alike. */
#define FIRST_ID 100001
#define MAX_ROWS 899999
/* Puts per transaction: large enough that commits are rare, small enough to keep the WAL small. */
#define ROWS_PER_COMMIT 5000
#define HOUR 3600
#define DAY 86400
/*
 * The newest request is two days old and each older one 3 s older. Ages of a
 * day or more show as days and hours, so a row's age changes once an hour.
 */
#define NEWEST_AGE (2 * DAY)
#define SPACING_SECONDS 3
#define RANDOM_SEED 20261204u

static const char *const approver_groups[] = {
	"payments-owners", "infra-owners", "data-owners",
	"identity-owners", "support-owners", "analytics-owners",
};

static const char *const reasons[] = {
	"investigate failing nightly export", "deploy a hotfix to production",
	"quarterly access review", "on-call: restart stuck workers",
	"customer escalation: check order history", "migrate reports to the new cluster",
	"debug login failures", "collect audit evidence", "rotate service credentials",
	"backfill missing invoices", "read logs for a support ticket", "run the month-end close",
};

#define ARRAY_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The columns and widths of the Pending pane on an 80-column terminal, as
 * views/pending.c lays them out: GROUP is dropped to fit, and REASON takes the
 * spare width. The one-column mark is left out, so each line fits in 79 columns.
 */
static const char text_row_format[] = "%6s %6s %-14s %-12s %-6s %6s %4s %.17s\n";

/* xorshift64*: the same rows on every run and every machine. */
static uint32_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t random_below(uint64_t *state, uint32_t bound)
{
	return next_random(state) % bound;
}

struct request_fields {
	char requester[16];
	char resource[16];
};

/* Fill one pending request the way the demo seed draws its requests. */
static void draw_request(uint64_t *random, int64_t index, int64_t rows, int64_t now,
			 struct access_request *r, struct request_fields *fields)
{
	static const int64_t hours[] = { 1, 1, 1, 2, 2, 4, 4, 4, 8, 8 };
	uint32_t role_pick = random_below(random, 10);
	const char *role = "admin";
	uint32_t resource = 1000 + random_below(random, 8000);

	snprintf(fields->requester, sizeof fields->requester, "emp-%05" PRIu32,
		 1 + random_below(random, 9000));
	snprintf(fields->resource, sizeof fields->resource, "res-%" PRIu32, resource);
	memset(r, 0, sizeof *r);
	r->id = FIRST_ID + index;
	r->status = REQUEST_PENDING;
	r->requester = fields->requester;
	r->resource = fields->resource;
	if (role_pick < 6)
		role = "read";
	else if (role_pick < 9)
		role = "write";
	r->role = (char *)role;
	r->reason = (char *)reasons[random_below(random, ARRAY_COUNT(reasons))];
	r->duration_seconds = hours[random_below(random, ARRAY_COUNT(hours))] * HOUR;
	r->created_at = now - NEWEST_AGE - (rows - 1 - index) * SPACING_SECONDS;
	r->expires_at = now + 7 * DAY;
	/* As in the demo seed, about one resource in seven needs two approvals. */
	r->approvals_needed = resource % 7 == 3 ? 2 : 1;
	r->approver_group = (char *)approver_groups[(resource / 7) % ARRAY_COUNT(approver_groups)];
	r->version = 1;
}

static void write_text_row(FILE *text, const struct access_request *r, int64_t now)
{
	char id[24], age[16], duration[16], approvals[24];

	snprintf(id, sizeof id, "%" PRId64, r->id);
	duration_format(now - r->created_at, age, sizeof age);
	duration_format(r->duration_seconds, duration, sizeof duration);
	snprintf(approvals, sizeof approvals, "0/%d", r->approvals_needed);
	fprintf(text, text_row_format, id, age, r->requester, r->resource, r->role, duration,
		approvals, r->reason);
}

/* Store demo-admin's /v1/me, so the title bar shows a signed-in principal as after a sync. */
static bool store_principal(struct cache *cache, int64_t now)
{
	struct principal me = {
		.id = "demo-admin",
		.display_name = "Demo admin",
		.roles = ROLE_ADMIN,
	};
	json_t *json = principal_to_json(&me);
	char *text = json_dumps(json, JSON_COMPACT);
	bool ok = text && cache_set_me_json(cache, text) &&
		  cache_set_broker_id(cache, "bench-broker") &&
		  cache_set_synced_at(cache, now - 2 * HOUR);

	free(text);
	json_decref(json);
	return ok;
}

static bool write_rows(struct cache *cache, FILE *text, int64_t rows, int64_t now)
{
	uint64_t random = RANDOM_SEED;
	struct access_request r;
	struct request_fields fields;

	fprintf(text, text_row_format, "ID", "AGE", "REQUESTER", "RESOURCE", "ROLE", "FOR", "APPR",
		"REASON");
	for (int64_t i = 0; i < rows; i++) {
		if (i % ROWS_PER_COMMIT == 0) {
			if (i > 0 && !cache_commit(cache))
				return false;
			if (!cache_begin(cache))
				return false;
		}
		draw_request(&random, i, rows, now, &r, &fields);
		if (!cache_put_request(cache, &r, NULL))
			return false;
		write_text_row(text, &r, now);
	}
	return cache_commit(cache);
}

static int usage(void)
{
	fprintf(stderr, "usage: make_cache --rows N --cache FILE --text FILE\n"
		"Write a console cache with N pending requests (1 to %d), and the same rows as\n"
		"text, one line per request, for a pager. Both files must not exist yet.\n", MAX_ROWS);
	return 2;
}

static bool parse_rows(const char *text, int64_t *rows)
{
	char *end;

	errno = 0;
	long long value = strtoll(text, &end, 10);
	if (errno || end == text || *end || value < 1 || value > MAX_ROWS)
		return false;
	*rows = value;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "rows", required_argument, NULL, 'n' },
		{ "cache", required_argument, NULL, 'c' },
		{ "text", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cache_path = NULL, *text_path = NULL;
	int64_t rows = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!parse_rows(optarg, &rows)) {
				fprintf(stderr, "make_cache: invalid --rows \"%s\": give a whole number "
					"from 1 to %d\n", optarg, MAX_ROWS);
				return 2;
			}
			break;
		case 'c': cache_path = optarg; break;
		case 't': text_path = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc || rows == 0 || !cache_path || !text_path)
		return usage();

	char err[1024];
	/* Both files are created exclusively, so a wrong path never overwrites or adds to anything. */
	int cache_fd = open(cache_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (cache_fd < 0) {
		fprintf(stderr, "make_cache: cannot create %s: %s\n", cache_path, strerror(errno));
		return 1;
	}
	close(cache_fd);
	FILE *text = fopen(text_path, "wx");
	if (!text) {
		fprintf(stderr, "make_cache: cannot create %s: %s\n", text_path, strerror(errno));
		return 1;
	}
	/* SQLite takes the empty file for a new database. */
	struct cache *cache = cache_open(cache_path, err, sizeof err);
	if (!cache) {
		fprintf(stderr, "make_cache: %s\n", err);
		fclose(text);
		return 1;
	}
	int64_t now = time_now();
	bool ok = store_principal(cache, now) && write_rows(cache, text, rows, now);
	if (!ok)
		fprintf(stderr, "make_cache: writing %s failed: %s\n", cache_path,
			cache_last_error(cache));
	cache_close(cache);
	if (fclose(text) != 0 && ok) {
		fprintf(stderr, "make_cache: writing %s failed: %s\n", text_path, strerror(errno));
		ok = false;
	}
	return ok ? 0 : 1;
}
