/* The demo's starting policy, data/demo.policy. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/demo.h"
#include "broker/policy_engine.h"
#include "common/log.h"
#include "common/strbuf.h"

#define DEMO_POLICY_FILE "demo.policy"
/* The largest policy the API accepts fits in its 64 KiB body limit. */
#define DEMO_POLICY_MAX (64 * 1024)

/* Read the policy file; NULL after logging why. */
static char *read_policy_file(const char *path)
{
	struct strbuf text = STRBUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		log_warn("demo: cannot open %s; new requests follow the routes", path);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len <= DEMO_POLICY_MAX)
		strbuf_append(&text, chunk, n);
	fclose(f);
	if (text.len > DEMO_POLICY_MAX) {
		log_warn("demo: %s is larger than %d bytes; new requests follow the routes", path,
			 DEMO_POLICY_MAX);
		strbuf_free(&text);
		return NULL;
	}
	return strbuf_detach(&text);
}

static void log_rejected(const char *path, const struct policy_diagnostics *diagnostics)
{
	struct strbuf lines = STRBUF_INIT;

	policy_diagnostics_format(diagnostics, &lines);
	log_warn("demo: %s does not pass the lint, so it was not published and new requests "
		 "follow the routes:\n%s", path, strbuf_str(&lines));
	strbuf_free(&lines);
}

/* Publish source in a transaction of its own; logs the result. */
static void publish_source(struct store *s, const char *path, const char *source, int64_t now)
{
	struct policy_diagnostics diagnostics;
	struct stored_policy published;
	enum store_status status = store_begin_write(s);

	policy_diagnostics_init(&diagnostics, path);
	memset(&published, 0, sizeof published);
	if (status == STORE_OK) {
		if (policy_engine_publish(s, source, DEMO_ADMIN, 0, now, &diagnostics, &published,
					  &status))
			status = store_commit(s);
		else
			store_rollback(s);
	}
	if (status != STORE_OK)
		log_warn("demo: publishing %s failed: %s", path, store_last_error(s));
	else if (published.version > 0)
		log_info("demo: published %s as policy version %lld", path, (long long)published.version);
	else
		log_rejected(path, &diagnostics);
	stored_policy_free(&published);
	policy_diagnostics_free(&diagnostics);
}

void demo_publish_policy(struct store *s, int64_t now)
{
	struct stored_policy active;
	enum store_status status = store_active_policy(s, &active);
	char path[4096];
	char *source;

	stored_policy_free(&active);
	if (status != STORE_NOT_FOUND)
		return; /* a policy is published already, or the database failed, which the start-up reports */
	if (!demo_find_data(DEMO_POLICY_FILE, path, sizeof path)) {
		log_warn("demo: %s was not found; new requests follow the routes", DEMO_POLICY_FILE);
		return;
	}
	source = read_policy_file(path);
	if (source)
		publish_source(s, path, source, now);
	free(source);
}
