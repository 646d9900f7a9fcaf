/* digest: a team channel's morning message — today's interviews in time order, this
 * week's count, the dashboard's four cards, feedback overdue per interviewer, and
 * today's conflicts — for one channel's filters, in the channel's zone. Reads the store;
 * the clock (bot/clock.c) decides when, and `interviewd digest` prints one now. */
#ifndef INTERVIEWD_DIGEST_H
#define INTERVIEWD_DIGEST_H

#include <stddef.h>
#include <time.h>

#include "commands/cmd.h"

struct digest_spec {
	const char *name;          /* the channel */
	const char *zone;
	const char *const *jobs;   /* only these job titles (njobs 0: all) */
	int njobs;
	const char *const *people; /* only interviews with one of these handles (0: all) */
	int npeople;
};

/* 1 when IV is one of the channel's interviews (its jobs and people filters). */
int digest_wanted(const struct digest_spec *d, const struct store_interview *iv);

/* The digest's text at NOW, malloc'd (caller frees); NULL with a reason in ERR. */
char *digest_render(struct store *st, const struct cmd_settings *set, const struct digest_spec *d, time_t now,
                    char *err, size_t errlen);

#endif
