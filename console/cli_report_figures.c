/*
 * gatehouse report's counting: every row goes through report_add once, into
 * counts per resource, per approver and per access (resource and role), and the
 * times to access and to decision; report_finish sorts them into the figures.
 * Names are interned in one hash table, so a million rows cost a few lookups each.
 */

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "console/cli_report_internal.h"

#define NO_NAME UINT32_MAX

/* Interned strings: each distinct text gets an id, its index in the table. */
struct name_table {
	char *pool;                 /* the texts, each followed by a NUL */
	size_t pool_length, pool_capacity;
	size_t *offsets;
	uint64_t *hashes;
	size_t count, capacity;
	uint32_t *slots;            /* id + 1, or 0 for an empty slot */
	size_t slot_mask;
};

/* Per access (resource, role): its counts, found by a hash of the two ids. */
struct access_table {
	uint64_t *keys;
	int64_t (*counts)[3];       /* requests, approved, denied */
	size_t count, capacity;
	uint32_t *slots;
	size_t slot_mask;
};

struct decision_sample {
	uint32_t approver;
	int64_t seconds;
};

struct report {
	struct name_table names;
	/* Per name id; a name may be a resource, an approver or both. */
	int64_t *requests, *approved, *denied, *decisions;
	size_t stats_capacity;
	struct access_table access;
	int64_t *access_samples;
	size_t access_sample_count, access_sample_capacity;
	struct decision_sample *decision_samples;
	size_t decision_sample_count, decision_sample_capacity;
	struct report_figures figures;
};

static uint64_t hash_text(const char *text, size_t length)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < length; i++)
		h = (h ^ (unsigned char)text[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t hash_key(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	return key ^ (key >> 33);
}

static const char *name_text(const struct name_table *t, uint32_t id)
{
	return t->pool + t->offsets[id];
}

static void rehash_names(struct name_table *t)
{
	size_t size = t->slot_mask ? (t->slot_mask + 1) * 2 : 4096;

	free(t->slots);
	t->slots = xcalloc(size, sizeof *t->slots);
	t->slot_mask = size - 1;
	for (size_t id = 0; id < t->count; id++) {
		size_t slot = t->hashes[id] & t->slot_mask;
		while (t->slots[slot])
			slot = (slot + 1) & t->slot_mask;
		t->slots[slot] = (uint32_t)id + 1;
	}
}

static uint32_t add_name(struct name_table *t, const char *text, size_t length, uint64_t hash,
			 size_t slot)
{
	if (t->count == t->capacity) {
		t->capacity = t->capacity ? t->capacity * 2 : 1024;
		t->offsets = xreallocarray(t->offsets, t->capacity, sizeof *t->offsets);
		t->hashes = xreallocarray(t->hashes, t->capacity, sizeof *t->hashes);
	}
	while (t->pool_length + length + 1 > t->pool_capacity) {
		t->pool_capacity = t->pool_capacity ? t->pool_capacity * 2 : 64 * 1024;
		t->pool = xrealloc(t->pool, t->pool_capacity);
	}
	memcpy(t->pool + t->pool_length, text, length);
	t->pool[t->pool_length + length] = '\0';
	t->offsets[t->count] = t->pool_length;
	t->hashes[t->count] = hash;
	t->pool_length += length + 1;
	t->slots[slot] = (uint32_t)t->count + 1;
	return (uint32_t)t->count++;
}

/* The id of a text, added when new; NO_NAME for an empty text. */
static uint32_t intern(struct name_table *t, struct report_text text)
{
	if (text.length == 0)
		return NO_NAME;
	if (!t->slots || (t->count + 1) * 2 > t->slot_mask + 1)
		rehash_names(t);

	uint64_t hash = hash_text(text.text, text.length);
	size_t slot = hash & t->slot_mask;

	for (uint32_t id; (id = t->slots[slot]); slot = (slot + 1) & t->slot_mask) {
		const char *known = name_text(t, id - 1);
		if (t->hashes[id - 1] == hash && strncmp(known, text.text, text.length) == 0 &&
		    known[text.length] == '\0')
			return id - 1;
	}
	return add_name(t, text.text, text.length, hash, slot);
}

static void rehash_access(struct access_table *t)
{
	size_t size = t->slot_mask ? (t->slot_mask + 1) * 2 : 4096;

	free(t->slots);
	t->slots = xcalloc(size, sizeof *t->slots);
	t->slot_mask = size - 1;
	for (size_t i = 0; i < t->count; i++) {
		size_t slot = hash_key(t->keys[i]) & t->slot_mask;
		while (t->slots[slot])
			slot = (slot + 1) & t->slot_mask;
		t->slots[slot] = (uint32_t)i + 1;
	}
}

/* The counts of the access (resource, role), added as zeros when new. */
static int64_t *access_counts(struct access_table *t, uint32_t resource, uint32_t role)
{
	uint64_t key = (uint64_t)resource << 32 | role;

	if (!t->slots || (t->count + 1) * 2 > t->slot_mask + 1)
		rehash_access(t);
	size_t slot = hash_key(key) & t->slot_mask;
	for (uint32_t index; (index = t->slots[slot]); slot = (slot + 1) & t->slot_mask)
		if (t->keys[index - 1] == key)
			return t->counts[index - 1];
	if (t->count == t->capacity) {
		t->capacity = t->capacity ? t->capacity * 2 : 1024;
		t->keys = xreallocarray(t->keys, t->capacity, sizeof *t->keys);
		t->counts = xreallocarray(t->counts, t->capacity, sizeof *t->counts);
	}
	t->keys[t->count] = key;
	memset(t->counts[t->count], 0, sizeof t->counts[t->count]);
	t->slots[slot] = (uint32_t)t->count + 1;
	return t->counts[t->count++];
}

struct report *report_new(void)
{
	return xcalloc(1, sizeof(struct report));
}

/* Make room in the per-name counts for every name interned so far. */
static void grow_stats(struct report *r)
{
	size_t old = r->stats_capacity;

	if (r->names.count <= old)
		return;
	r->stats_capacity = r->names.capacity;
	int64_t **arrays[] = { &r->requests, &r->approved, &r->denied, &r->decisions };
	for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
		*arrays[a] = xreallocarray(*arrays[a], r->stats_capacity, sizeof **arrays[a]);
		memset(*arrays[a] + old, 0, (r->stats_capacity - old) * sizeof **arrays[a]);
	}
}

static void add_access_sample(struct report *r, int64_t seconds)
{
	if (r->access_sample_count == r->access_sample_capacity) {
		r->access_sample_capacity = r->access_sample_capacity ? r->access_sample_capacity * 2 : 4096;
		r->access_samples = xreallocarray(r->access_samples, r->access_sample_capacity,
						  sizeof *r->access_samples);
	}
	r->access_samples[r->access_sample_count++] = seconds;
}

static void add_decision_sample(struct report *r, uint32_t approver, int64_t seconds)
{
	if (r->decision_sample_count == r->decision_sample_capacity) {
		r->decision_sample_capacity =
			r->decision_sample_capacity ? r->decision_sample_capacity * 2 : 4096;
		r->decision_samples = xreallocarray(r->decision_samples, r->decision_sample_capacity,
						    sizeof *r->decision_samples);
	}
	r->decision_samples[r->decision_sample_count++] =
		(struct decision_sample){ .approver = approver, .seconds = seconds };
}

void report_add(struct report *r, const struct report_row *row)
{
	struct report_figures *f = &r->figures;
	uint32_t resource = intern(&r->names, row->resource);
	uint32_t approver = intern(&r->names, row->approver);
	uint32_t role = intern(&r->names, row->role);
	bool decided = row->decision != REPORT_OTHER;
	bool timed = row->requested_at && row->decided_at;
	/* A decision recorded before its request (clock skew in an export) counts as at once. */
	int64_t seconds = timed && row->decided_at > row->requested_at ? row->decided_at - row->requested_at : 0;

	grow_stats(r);
	f->total++;
	f->approved += row->decision == REPORT_APPROVED;
	f->denied += row->decision == REPORT_DENIED;
	f->other += row->decision == REPORT_OTHER;
	f->has_roles |= role != NO_NAME;
	if (row->decision == REPORT_APPROVED && timed)
		add_access_sample(r, seconds);
	if (resource != NO_NAME) {
		int64_t *counts = access_counts(&r->access, resource, role);
		r->requests[resource]++;
		r->approved[resource] += row->decision == REPORT_APPROVED;
		r->denied[resource] += row->decision == REPORT_DENIED;
		counts[0]++;
		counts[1] += row->decision == REPORT_APPROVED;
		counts[2] += row->decision == REPORT_DENIED;
	}
	if (approver != NO_NAME && decided) {
		r->decisions[approver]++;
		if (timed)
			add_decision_sample(r, approver, seconds);
	}
}

/* ---- report_finish ---- */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * Names in natural order: numbers by value (resource 20 before 100), other names
 * by bytes, and equal numbers written differently ("078", "78") by bytes.
 */
static int compare_names(const char *a, const char *b)
{
	if (all_digits(a) && all_digits(b)) {
		const char *x = a, *y = b;
		while (*x == '0' && x[1])
			x++;
		while (*y == '0' && y[1])
			y++;
		size_t lx = strlen(x), ly = strlen(y);
		int c = lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
		if (c)
			return c;
	}
	return strcmp(a, b);
}

static int compare_int(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int compare_resources(const void *x, const void *y)
{
	const struct report_entry *a = x, *b = y;
	int c = compare_int(b->requests, a->requests);

	return c ? c : compare_names(a->name, b->name);
}

static int compare_by_name(const void *x, const void *y)
{
	const struct report_entry *a = x, *b = y;
	int c = compare_names(a->name, b->name);

	if (c || !a->role || !b->role)
		return c ? c : (a->role != NULL) - (b->role != NULL);
	return strcmp(a->role, b->role);
}

static int compare_candidates(const void *x, const void *y)
{
	const struct report_entry *a = x, *b = y;
	int c = compare_int(b->approved, a->approved);

	return c ? c : compare_by_name(x, y);
}

static int compare_approvers(const void *x, const void *y)
{
	const struct report_entry *a = x, *b = y;
	int c = compare_int(b->median_seconds, a->median_seconds);

	if (!c)
		c = compare_int(b->mean_seconds, a->mean_seconds);
	return c ? c : compare_names(a->name, b->name);
}

static int compare_seconds(const void *x, const void *y)
{
	return compare_int(*(const int64_t *)x, *(const int64_t *)y);
}

static int compare_decision_samples(const void *x, const void *y)
{
	const struct decision_sample *a = x, *b = y;

	if (a->approver != b->approver)
		return a->approver < b->approver ? -1 : 1;
	return compare_int(a->seconds, b->seconds);
}

/* The mean (halves up) and nearest-rank median of n sorted values. */
static void mean_and_median(const int64_t *sorted, size_t n, int64_t *mean, int64_t *median)
{
	int64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += sorted[i];
	*mean = (2 * sum + (int64_t)n) / (2 * (int64_t)n);
	*median = sorted[(n + 1) / 2 - 1];
}

static void finish_access_times(struct report *r)
{
	struct report_figures *f = &r->figures;
	size_t n = r->access_sample_count;

	f->access_samples = (int64_t)n;
	if (n == 0)
		return;
	qsort(r->access_samples, n, sizeof *r->access_samples, compare_seconds);
	mean_and_median(r->access_samples, n, &f->access_mean, &f->access_median);
	f->access_p90 = r->access_samples[(9 * n + 9) / 10 - 1];
}

static struct report_entry name_entry(const struct report *r, uint32_t id)
{
	return (struct report_entry){
		.name = name_text(&r->names, id),
		.requests = r->requests[id],
		.approved = r->approved[id],
		.denied = r->denied[id],
	};
}

static void finish_resources(struct report *r)
{
	struct report_figures *f = &r->figures;

	f->resources = xcalloc(r->names.count + 1, sizeof *f->resources);
	f->one_offs = xcalloc(r->names.count + 1, sizeof *f->one_offs);
	for (uint32_t id = 0; id < r->names.count; id++) {
		if (r->requests[id] == 0)
			continue;
		f->resources[f->resource_count++] = name_entry(r, id);
		if (r->approved[id] == 1 || r->approved[id] == 2)
			f->one_offs[f->one_off_count++] = name_entry(r, id);
	}
	qsort(f->resources, f->resource_count, sizeof *f->resources, compare_resources);
	qsort(f->one_offs, f->one_off_count, sizeof *f->one_offs, compare_by_name);
}

static void finish_candidates(struct report *r, int64_t many)
{
	struct report_figures *f = &r->figures;
	struct access_table *t = &r->access;

	f->candidates = xcalloc(t->count + 1, sizeof *f->candidates);
	for (size_t i = 0; i < t->count; i++) {
		int64_t *counts = t->counts[i];
		if (counts[1] < many || counts[2] > 0)
			continue;
		uint32_t resource = (uint32_t)(t->keys[i] >> 32), role = (uint32_t)t->keys[i];
		f->candidates[f->candidate_count++] = (struct report_entry){
			.name = name_text(&r->names, resource),
			.role = role == NO_NAME ? NULL : name_text(&r->names, role),
			.requests = counts[0],
			.approved = counts[1],
			.denied = counts[2],
		};
	}
	qsort(f->candidates, f->candidate_count, sizeof *f->candidates, compare_candidates);
}

/* Each approver's run of the samples, sorted by approver and time, gives its mean and median. */
static void finish_approvers(struct report *r)
{
	struct report_figures *f = &r->figures;
	size_t n = r->decision_sample_count;
	int64_t *seconds = xcalloc(n + 1, sizeof *seconds);

	if (n > 1)
		qsort(r->decision_samples, n, sizeof *r->decision_samples, compare_decision_samples);
	f->approvers = xcalloc(r->names.count + 1, sizeof *f->approvers);
	for (size_t first = 0, end; first < n; first = end) {
		uint32_t approver = r->decision_samples[first].approver;
		for (end = first; end < n && r->decision_samples[end].approver == approver; end++)
			seconds[end - first] = r->decision_samples[end].seconds;
		struct report_entry *e = &f->approvers[f->approver_count++];
		*e = (struct report_entry){
			.name = name_text(&r->names, approver),
			.requests = r->decisions[approver],
			.timed = (int64_t)(end - first),
		};
		mean_and_median(seconds, end - first, &e->mean_seconds, &e->median_seconds);
	}
	free(seconds);
	qsort(f->approvers, f->approver_count, sizeof *f->approvers, compare_approvers);
}

const struct report_figures *report_finish(struct report *r, int64_t many)
{
	grow_stats(r);
	finish_access_times(r);
	finish_resources(r);
	finish_candidates(r, many);
	finish_approvers(r);
	return &r->figures;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	free(r->names.pool);
	free(r->names.offsets);
	free(r->names.hashes);
	free(r->names.slots);
	free(r->requests);
	free(r->approved);
	free(r->denied);
	free(r->decisions);
	free(r->access.keys);
	free(r->access.counts);
	free(r->access.slots);
	free(r->access_samples);
	free(r->decision_samples);
	free(r->figures.resources);
	free(r->figures.one_offs);
	free(r->figures.candidates);
	free(r->figures.approvers);
	free(r);
}
