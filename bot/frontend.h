/* frontend: the chat front ends the daemon serves, as main sees them — whether the
 * config turns one on, its run loop, and its credentials check for check-config. The
 * core (commands/) and the store know none of them; a new transport is one more row
 * in frontend.c. */
#ifndef INTERVIEWD_FRONTEND_H
#define INTERVIEWD_FRONTEND_H

#include <stdio.h>
#include <time.h>

#include "bot/app.h"
#include "bot/cfg.h"

struct frontend {
	const char *name;
	int (*on)(const struct cfg *cfg);
	/* Runs the front end, the mail sender, the clock and the reply poller until *STOP
	 * becomes non-zero. 0, or 1 after a fatal error (logged). */
	int (*run)(struct app *app, volatile int *stop);
	/* Tries the credentials; prints what it found to OUT. 0 when they work, else 1. */
	int (*check)(const struct cfg *cfg, FILE *out);
	/* What a command that came another way (the API, a console) posts to the team,
	 * inside its transaction; NULL: nothing. */
	int (*team_card)(struct store *st, const struct cfg *cfg, const struct cmd_reply *r, time_t now);
};

/* The front end CFG turns on, or NULL (the console serves). */
const struct frontend *frontend_of(const struct cfg *cfg);

#endif
