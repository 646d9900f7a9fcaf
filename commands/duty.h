/* duty: the clock's side of the core. Turns the duties that fell due (reminders,
 * feedback requests, chasers, escalations, automatic starts) into outbox rows, each in
 * one transaction with marking it done, or skips it (logged in the row) when it is no
 * longer useful: the interview moved, was cancelled, has started, or the feedback came.
 * Called by the clock thread (bot/clock.c) with its own store. */
#ifndef INTERVIEWD_DUTY_H
#define INTERVIEWD_DUTY_H

#include <stddef.h>
#include <time.h>

#include "commands/cmd.h"

/* Carries out every duty due at NOW. Returns how many were carried out (skips not
 * counted), or -1 with a reason in ERR when the store fails. */
int duty_run(struct store *st, const struct cmd_settings *set, time_t now, char *err, size_t errlen);

#endif
