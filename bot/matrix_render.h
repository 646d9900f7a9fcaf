/* matrix_render: what the Matrix front end posts — the content of m.room.message
 * events. A command's reply is an m.notice threaded to the command (m.in_reply_to)
 * with a plain body and an org.matrix.custom.html formatted_body: the headline in
 * bold, the rest as preformatted text (cards, lists, stats, help; times in the
 * reader's zone), every piece of user text escaped; an interview's reply ends with
 * the follow-up commands its status allows, id filled in, ready to copy. A message
 * that must notify someone (a reminder) is m.text with m.mentions and a pill. Pure. */
#ifndef INTERVIEWD_MATRIX_RENDER_H
#define INTERVIEWD_MATRIX_RENDER_H

#include <cjson/cJSON.h>

#include "commands/cmd.h"

/* The reply R to the command event EVENT_ID (NULL: not threaded); PREFIX ("!interview")
 * starts the follow-up commands. NULL when out of memory. */
cJSON *matrix_reply(const struct cmd_reply *r, const char *prefix, const char *event_id);

/* TEXT as an m.notice (preformatted in HTML), threaded to EVENT_ID when not NULL. */
cJSON *matrix_notice(const char *text, const char *event_id);

/* TEXT as m.text that notifies USER (an @id:server; NULL: nobody), named NAME in the pill. */
cJSON *matrix_mention(const char *text, const char *user, const char *name);

#endif
