/* console: the console front end, the embedded default. Reads commands line by line
 * (with or without "/interview"), runs each as the configured person and prints the
 * reply as text or, with --json, as one line of JSON; after each command it drains the
 * email outbox into the mail folder. Called by main for "console" and for "run" when
 * no chat front end is configured. */
#ifndef INTERVIEWD_CONSOLE_H
#define INTERVIEWD_CONSOLE_H

#include <stdio.h>

#include "bot/app.h"

struct console_opts {
	const char *as; /* handle to act as; NULL: [console] as, or the local recruiter */
	int json;       /* one JSON reply per line instead of text */
	long daemon;    /* beside this daemon (its pid): it sends and runs the clock; 0: we do */
	int serve;      /* "run": also the HTTP endpoint, systemd's notifications, SIGHUP */
};

/* Runs until end of input or "quit". Returns 0, or 1 after a fatal error (printed). */
int console_run(struct app *app, const struct console_opts *o, FILE *in, FILE *out);

#endif
