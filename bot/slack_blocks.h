/* slack_blocks: what Slack shows — replies of the core (commands/cmd.h) as Block Kit
 * messages, the interview card with its buttons, the modals (schedule, reschedule,
 * cancel, complete) and the reading of a submitted modal back into a command of the
 * core's language. Pure: never touches the store or the network. Used by bot/slack*.c.
 * Limits are Slack's (reference/slack.md §5.1), counted in bytes, which never undercount
 * characters; every piece of user text goes through slack_escape (§5.2). */
#ifndef INTERVIEWD_SLACK_BLOCKS_H
#define INTERVIEWD_SLACK_BLOCKS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <time.h>

#include "commands/cmd.h"
#include "store/store.h"

/* Slack's limits (reference/slack.md §5.1, §3.2) and the core's longest command line
 * (commands/lex.c). SLACK_MSG_BUDGET caps the text of all blocks of one message:
 * Slack refuses messages of about 13,000 characters as msg_blocks_too_long even when
 * every block is within its own limit (bolt-js#2509). */
#define SLACK_MAX_BLOCKS 50
#define SLACK_MAX_TEXT 3000
#define SLACK_MAX_FIELD 2000
#define SLACK_MAX_HEADER 150
#define SLACK_MAX_BUTTON_VALUE 2000
#define SLACK_MAX_OPTION_TEXT 75
#define SLACK_MAX_TITLE 24
#define SLACK_MAX_META 3000
#define SLACK_MSG_BUDGET 10000
#define SLACK_CMD_MAX 4000

/* Escapes & < > for mrkdwn/plain text (Slack's three control characters). Returns a
 * malloc'd string (caller frees); NULL is read as "". */
char *slack_escape(const char *s);

/* A Block Kit message for reply R: {"text": fallback, "blocks": [...]}. Never NULL
 * (out of memory aside). Errors: a section with the error (and usage in a context
 * block, as code; conflicting interviews as compact rows). REPLY_INTERVIEW: the card
 * of items[0] (plus a context line "moved from #N" for a reschedule) and the reply's
 * notes; panelists appear by handle (a reply carries no Slack ids). REPLY_LIST /
 * REPLY_CANDIDATE: one compact section per interview (at most what fits: 50 blocks,
 * 3000 chars per text and SLACK_MSG_BUDGET in all; past that a context block "… and N
 * more — narrow the list with ..."); REPLY_STATS: a section with 4 fields (Today, This
 * week, Completed, Cancelled); REPLY_TEXT: the text in a section, preformatted (```),
 * split across sections if longer than 3000; REPLY_DUPLICATE: a context line.
 * Caller frees with cJSON_Delete. */
cJSON *slack_reply_message(const struct cmd_reply *r);

/* The card of one interview: header block "<candidate> — <job> · <type> · round N"
 * (plain_text, ≤150 chars, truncated with …); a section with fields: When (Slack date
 * tokens <!date^UNIX^{date_short_pretty} {time}|FALLBACK> for the start and
 * <!date^UNIX^{time}|FALLBACK> for the end, each FALLBACK written with tzfmt in zone
 * TZ and naming the zone), Duration, Where (location and/or link as <url|label> only
 * if the link is http(s) and has no '|' '<' '>' characters, else escaped text; left
 * out when both are empty), Panel (mentions <@SLACKID> when the panelist's Slack id is
 * known via PANEL_SLACK (array of npanel strings, "" for unknown; may be NULL) else
 * the escaped handle; left out when empty), Status (with the cancel reason or "moved
 * to #N"); notes in a context block if any; an actions block with buttons allowed by
 * cmd_actions(iv): Reschedule (action_id "iv.reschedule"), Cancel ("iv.cancel", style
 * danger, with a confirm dialog), Start ("iv.start"), Mark complete ("iv.complete",
 * style primary). Button value = "<id>:<status name>" so a stale click can be
 * recognised. block_id of the actions block "iv.<id>.<status>". Appends the blocks (at
 * most 5) to BLOCKS (a cJSON array). */
void slack_card_blocks(cJSON *blocks, const struct store_interview *iv, const char *tz,
                       const char *const *panel_slack);

/* Modals (view objects for views.open). META is the private_metadata string to carry
 * (≤3000 chars, counted in bytes; given by the caller, already JSON; NULL: none); a
 * longer META gives NULL. TZ is the reader's zone (used for initial date/time values and the hint
 * "times in Europe/London"). callback_ids: "iv.schedule", "iv.reschedule",
 * "iv.cancel", "iv.complete". The schedule modal proposes tomorrow (in TZ) at 10:00.
 * Caller frees with cJSON_Delete. */
cJSON *slack_view_schedule(const char *meta, const char *tz, time_t now);
cJSON *slack_view_reschedule(const struct store_interview *iv, const char *meta, const char *tz);
cJSON *slack_view_cancel(const struct store_interview *iv, const char *meta);
cJSON *slack_view_complete(const struct store_interview *iv, const char *meta);

/* A submitted view (the "view" object of a view_submission payload) as a command of
 * the core's language written to CMD (e.g. for iv.schedule:
 *   schedule candidate:"Ada Lovelace <ada@example.com>" when:"2026-12-01 14:30"
 *            job:"Backend" duration:45m type:video with:<@U1>,<@U2> location:"Room 1"
 *            link:"https://..." notes:"..."
 * for iv.reschedule: reschedule #42 when:"2026-12-02 09:15" [reason:"..."];
 * iv.cancel: cancel #42 reason:"..."; iv.complete: complete #42 rating:4
 * recommendation:hire [feedback:"..."] [notes:"..."]). The interview id comes from
 * META's "iv" member (a number, or a string of digits). Free text is written as one
 * quoted value, with \" and \\ escaped as commands/lex.c reads them, so that no user
 * text can inject an option; text is passed on verbatim (line breaks included: the
 * core decides what it accepts). Returns 0 (*ERRORS NULL); or -1 when a required
 * field is missing/invalid or the command would not fit in LEN or SLACK_CMD_MAX, with
 * *ERRORS set to a cJSON object {"<block_id>": "message"} (caller frees) for
 * response_action:"errors". -1 with *ERRORS NULL: VIEW is not one of our modals
 * (unknown callback_id, no state). */
int slack_view_command(const cJSON *view, char *cmd, size_t len, cJSON **errors);

/* The block_id of the modal field that the core's error MESSAGE is about, for
 * response_action errors: the core prefixes most errors with the option name
 * ("when: ... is in the past", "duration: ...", "rating: ..."); "nobody is called"
 * → the panel block, "no candidate"/"candidate" → the candidate block (the email
 * block when the message is about the email address). CALLBACK_ID says which modal.
 * NULL when no field of that modal fits (the caller then shows the error another
 * way). */
const char *slack_error_block(const char *callback_id, const char *message);

#endif
