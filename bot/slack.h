/* slack: the Slack front end. Turns each Socket Mode envelope (bot/slack_socket.c)
 * into a request of the core or a modal: "/interview ..." runs the command as the
 * person the Slack user is (by slack_id, else by the email users.info gives; the
 * user's Slack time zone when they set none here); buttons on a card open the
 * reschedule, cancel and complete forms (or start the interview); a submitted form
 * runs as a command and its errors go back next to the fields. The typist's reply
 * rides on the ack when ready within [slack] reply_wait_ms, else goes by response_url;
 * the card of a new, moved or cancelled interview is posted to the job's channel
 * ([slack.jobs], [slack] channel, else where the command was typed), and a card whose
 * button or form changed it is updated in place — those posts are outbox rows written
 * in the command's own transaction. Envelope ids are idempotency keys in the store, so
 * a redelivered envelope changes nothing and posts nothing. */
#ifndef INTERVIEWD_SLACK_H
#define INTERVIEWD_SLACK_H

#include <stddef.h>

#include "bot/app.h"
#include "commands/cmd.h"

/* Runs the Slack front end, the mail sender and the clock until *STOP becomes
 * non-zero (a signal handler sets it). Returns 0, or 1 after a fatal error (logged). */
int slack_run(struct app *app, volatile int *stop);

/* For a command that did not come from Slack (the HTTP API, a console): inside its
 * transaction, the card of the interview it made, moved or cancelled, posted to the
 * job's channel or [slack] channel (none when neither is set). 0, or <0 (store). */
int slack_team_card(struct store *st, const struct cfg *cfg, const struct cmd_reply *r, time_t now);

/* Decodes the text of a slash command as Slack escapes it: <mailto:a@b|a@b> and
 * <https://x|label> become the address or URL, &amp; &lt; &gt; outside <...> become
 * & < >, mentions <@U123|name> stay. Writes at most LEN bytes to OUT. */
void slack_decode(const char *in, char *out, size_t len);

/* check-config with Slack: auth.test with the bot token (and the scopes it grants),
 * apps.connections.open with the app token. Prints what it found to OUT; 0 when both
 * work, 1 otherwise. */
int slack_check(const struct cfg *cfg, FILE *out);

#endif
