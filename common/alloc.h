#ifndef GATEHOUSE_ALLOC_H
#define GATEHOUSE_ALLOC_H

#include <stddef.h>

/*
 * Allocation wrappers that abort with a message when memory runs out.
 * Both programs treat out-of-memory as fatal: there is no sensible partial
 * state to fall back to, and checking every small allocation hides the logic.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Free *ptr and set it to NULL. */
void xfree_str(char **ptr);

#endif
