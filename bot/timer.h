/* timer: the daemon's clock, a thread of its own. It sleeps until the next duty or
 * digest falls due (no polling: idle, it wakes once an hour at most, or when a
 * command wakes it because the schedule changed), then carries out the due duties
 * (commands/duty.c) and sends each team channel's digest at its local time
 * (commands/digest.c), recording every digest so a restart never sends one twice.
 * On start it catches up: duties still useful are carried out, the others skipped;
 * today's digest is sent late only before [clock] digest_catch_up_until (local).
 * With INTERVIEWD_NOW=@FILE it looks at the file every 50 ms instead of sleeping. */
#ifndef INTERVIEWD_TIMER_H
#define INTERVIEWD_TIMER_H

#include <pthread.h>
#include <stddef.h>

#include <stdio.h>

#include "bot/app.h"
#include "bot/cfg.h"
#include "bot/worker.h"
#include "commands/cmd.h"
#include "commands/digest.h"

struct timer {
	struct worker w;
	const struct cfg *cfg;
	const struct cmd_settings *set;
	int notify;                /* a byte is written here when chat messages were queued */
};

/* Prints channel NAME's digest at NOW to OUT (interviewd digest). 0, or 1 with a
 * reason in ERR (no such channel, the store failed). */
int timer_digest_print(struct app *app, const char *name, time_t now, FILE *out, char *err, size_t errlen);

/* The filters of channel D as a digest_spec (JOBS and PEOPLE: arrays of CFG_WORDS_MAX
 * that SPEC points into). */
void timer_digest_spec(const struct cfg_digest *d, struct digest_spec *spec, const char **jobs, const char **people);

/* Starts the thread; NOTIFY (-1: none) is written to whenever a pass queued chat
 * messages, so a front end need not poll for them. */
int timer_start(struct timer *t, const struct cfg *cfg, const struct cmd_settings *set, int notify, char *err,
                size_t errlen);
void timer_wake(struct timer *t);
void timer_stop(struct timer *t);

#endif
