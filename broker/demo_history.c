/* Reading the demo's access-request history (CSV) and finding it on disk. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/demo.h"
#include "common/alloc.h"

#define HISTORY_FILE "amazon_train.csv"
#define HISTORY_HEADER \
	"ACTION,RESOURCE,MGR_ID,ROLE_ROLLUP_1,ROLE_ROLLUP_2,ROLE_DEPTNAME,ROLE_TITLE," \
	"ROLE_FAMILY_DESC,ROLE_FAMILY,ROLE_CODE"

uint64_t demo_random_next(struct demo_random *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t demo_random_below(struct demo_random *r, uint64_t bound)
{
	return bound ? demo_random_next(r) % bound : 0;
}

static bool file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* Look for data/NAME beside the executable and up to three folders above it. */
static bool find_in_source_tree(const char *name, char *path, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (int level = 0; level < 4; level++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			return false;
		*slash = '\0';
		snprintf(path, size, "%s/data/%s", exe, name);
		if (file_exists(path))
			return true;
	}
	return false;
}

bool demo_find_history(const struct broker_config *config, char *path, size_t size)
{
	if (config->history_path) {
		snprintf(path, size, "%s", config->history_path);
		return file_exists(path);
	}
	return demo_find_data(HISTORY_FILE, path, size);
}

bool demo_find_data(const char *name, char *path, size_t size)
{
	if (find_in_source_tree(name, path, size))
		return true;
	snprintf(path, size, "%s/%s", GATEHOUSE_DATADIR, name);
	if (file_exists(path))
		return true;
	snprintf(path, size, "data/%s", name);
	return file_exists(path);
}

static bool parse_field(char **cursor, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(*cursor, &end, 10);
	if (errno || end == *cursor || (*end != ',' && *end != '\0' && *end != '\n' && *end != '\r'))
		return false;
	*cursor = *end == ',' ? end + 1 : end;
	return true;
}

static bool parse_row(char *line, struct history_row *row)
{
	long action;

	if (!parse_field(&line, &action) || (action != 0 && action != 1) ||
	    !parse_field(&line, &row->resource) || !parse_field(&line, &row->manager))
		return false;
	for (int i = 0; i < 7; i++)
		if (!parse_field(&line, &row->attributes[i]))
			return false;
	row->approved = action == 1;
	return *line == '\0' || *line == '\n' || *line == '\r';
}

bool history_load(const char *path, struct history *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char line[512];
	size_t cap = 0, line_number = 1;

	memset(out, 0, sizeof *out);
	if (!f) {
		snprintf(err, errlen, "cannot open the history %s: %m", path);
		return false;
	}
	if (!fgets(line, sizeof line, f) || strncmp(line, HISTORY_HEADER, strlen(HISTORY_HEADER)) != 0) {
		snprintf(err, errlen, "%s is not the expected history: its first line must be %s",
			 path, HISTORY_HEADER);
		fclose(f);
		return false;
	}
	while (fgets(line, sizeof line, f)) {
		line_number++;
		if (line[0] == '\n' || line[0] == '\0')
			continue;
		if (out->count == cap) {
			cap = cap ? cap * 2 : 4096;
			out->rows = xreallocarray(out->rows, cap, sizeof *out->rows);
		}
		if (!parse_row(line, &out->rows[out->count])) {
			snprintf(err, errlen, "%s line %zu: expected ten whole numbers", path, line_number);
			fclose(f);
			history_free(out);
			return false;
		}
		out->count++;
	}
	fclose(f);
	if (out->count == 0) {
		snprintf(err, errlen, "%s holds no rows", path);
		return false;
	}
	return true;
}

void history_free(struct history *h)
{
	free(h->rows);
	memset(h, 0, sizeof *h);
}
