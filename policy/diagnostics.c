#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "policy/internal.h"

void policy_diagnostics_init(struct policy_diagnostics *diagnostics, const char *file_name)
{
	memset(diagnostics, 0, sizeof *diagnostics);
	diagnostics->file_name = xstrdup(file_name ? file_name : "policy");
}

void policy_diagnostics_free(struct policy_diagnostics *diagnostics)
{
	for (size_t i = 0; i < diagnostics->count; i++)
		free(diagnostics->items[i].message);
	free(diagnostics->items);
	free(diagnostics->file_name);
	memset(diagnostics, 0, sizeof *diagnostics);
}

void diagnostics_add(struct policy_diagnostics *diagnostics, enum policy_severity severity,
		     struct policy_position at, const char *fmt, ...)
{
	struct strbuf message = STRBUF_INIT;
	va_list ap;

	if (!diagnostics)
		return;
	va_start(ap, fmt);
	strbuf_vprintf(&message, fmt, ap);
	va_end(ap);
	if (diagnostics->count == diagnostics->capacity) {
		diagnostics->capacity = diagnostics->capacity ? diagnostics->capacity * 2 : 8;
		diagnostics->items = xreallocarray(diagnostics->items, diagnostics->capacity,
						   sizeof *diagnostics->items);
	}
	struct policy_diagnostic *d = &diagnostics->items[diagnostics->count++];

	d->severity = severity;
	d->line = at.line;
	d->column = at.column;
	d->message = strbuf_detach(&message);
	if (severity == POLICY_ERROR)
		diagnostics->error_count++;
}

bool diagnostics_full(const struct policy_diagnostics *diagnostics)
{
	return diagnostics && diagnostics->error_count >= POLICY_DIAGNOSTICS_MAX;
}

void policy_diagnostics_format(const struct policy_diagnostics *diagnostics, struct strbuf *out)
{
	for (size_t i = 0; i < diagnostics->count; i++) {
		const struct policy_diagnostic *d = &diagnostics->items[i];

		strbuf_printf(out, "%s:%u:%u: %s%s\n", diagnostics->file_name, d->line, d->column,
			      d->severity == POLICY_WARNING ? "warning: " : "", d->message);
	}
}

static int compare_positions(const void *a, const void *b, void *context)
{
	const struct policy_diagnostic *items = context;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (items[x].line != items[y].line)
		return items[x].line < items[y].line ? -1 : 1;
	if (items[x].column != items[y].column)
		return items[x].column < items[y].column ? -1 : 1;
	return (x > y) - (x < y);
}

void diagnostics_sort(struct policy_diagnostics *diagnostics, size_t first)
{
	size_t count = diagnostics->count - first;

	if (count < 2)
		return;

	size_t *order = xcalloc(count, sizeof *order);
	struct policy_diagnostic *sorted = xcalloc(count, sizeof *sorted);
	struct policy_diagnostic *items = diagnostics->items + first;

	for (size_t i = 0; i < count; i++)
		order[i] = i;
	qsort_r(order, count, sizeof *order, compare_positions, items);
	for (size_t i = 0; i < count; i++)
		sorted[i] = items[order[i]];
	memcpy(items, sorted, count * sizeof *items);
	free(sorted);
	free(order);
}
