/* matrix: the Matrix front end, over the client-server API (bot/matrix_api.c). One
 * loop long-polls /sync (a filter keeps what the bot needs) and handles each batch in
 * one store transaction: every `!interview ...` message (the [matrix] prefix) runs as
 * a command of the core as the person whose matrix_id sent it (their zone, else their
 * profile's m.tz), mentions (pills) standing for the people they name; its reply, an
 * m.notice threaded to the command (bot/matrix_render.c), is queued in the outbox;
 * the event id is remembered (a batch seen twice runs nothing twice) and the batch's
 * next_batch token is stored — so a restart neither replays nor skips a command. On
 * the very first start the rooms' backlog is skipped. Ignored: the bot's own events,
 * m.notice (other bots), edits. Invites from allowed inviters ([matrix]
 * allow_invites_from, default the bot's own server) are joined. An encrypted room is
 * told once, in clear text, that the bot cannot read it; a timeline the server cut
 * short ("limited") is told that messages may have been missed. The sender thread
 * (bot/matrix_out.c) posts; the clock and the reply poller run beside it. A refused
 * token stops the daemon (exit 1), after one login again when a password is set. */
#ifndef INTERVIEWD_MATRIX_H
#define INTERVIEWD_MATRIX_H

#include <stdio.h>

#include "bot/app.h"

int matrix_run(struct app *app, volatile int *stop);

/* check-config with Matrix: the homeserver answers, the token works (whoami) and is the
 * configured user's. 0 when so, else 1. */
int matrix_check(const struct cfg *cfg, FILE *out);

#endif
