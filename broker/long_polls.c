#include "broker/long_polls.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

/* One principal with long polls open; entries go away when the count drops to zero. */
struct poller {
	char *principal;
	int count;
};

struct long_polls {
	pthread_mutex_t lock;
	int max_per_principal;
	/* Few entries: at most one per open connection, so a linear search is enough. */
	struct poller *pollers;
	size_t count;
	size_t capacity;
};

struct long_polls *long_polls_create(int max_per_principal)
{
	struct long_polls *polls = xcalloc(1, sizeof *polls);

	pthread_mutex_init(&polls->lock, NULL);
	polls->max_per_principal = max_per_principal;
	return polls;
}

void long_polls_destroy(struct long_polls *polls)
{
	if (!polls)
		return;
	for (size_t i = 0; i < polls->count; i++)
		free(polls->pollers[i].principal);
	free(polls->pollers);
	pthread_mutex_destroy(&polls->lock);
	free(polls);
}

static struct poller *find_poller(struct long_polls *polls, const char *principal)
{
	for (size_t i = 0; i < polls->count; i++)
		if (strcmp(polls->pollers[i].principal, principal) == 0)
			return &polls->pollers[i];
	return NULL;
}

static struct poller *add_poller(struct long_polls *polls, const char *principal)
{
	if (polls->count == polls->capacity) {
		polls->capacity = polls->capacity ? polls->capacity * 2 : 8;
		polls->pollers = xreallocarray(polls->pollers, polls->capacity, sizeof *polls->pollers);
	}
	struct poller *p = &polls->pollers[polls->count++];
	p->principal = xstrdup(principal);
	p->count = 0;
	return p;
}

static void remove_poller(struct long_polls *polls, struct poller *p)
{
	free(p->principal);
	*p = polls->pollers[--polls->count];
}

bool long_polls_enter(struct long_polls *polls, const char *principal)
{
	bool entered = false;

	pthread_mutex_lock(&polls->lock);
	struct poller *p = find_poller(polls, principal);
	if (!p)
		p = add_poller(polls, principal);
	if (p->count < polls->max_per_principal) {
		p->count++;
		entered = true;
	} else if (p->count == 0) {
		remove_poller(polls, p); /* a maximum of 0 turns long polls off */
	}
	pthread_mutex_unlock(&polls->lock);
	return entered;
}

void long_polls_leave(struct long_polls *polls, const char *principal)
{
	pthread_mutex_lock(&polls->lock);
	struct poller *p = find_poller(polls, principal);
	if (p && --p->count <= 0)
		remove_poller(polls, p);
	pthread_mutex_unlock(&polls->lock);
}
