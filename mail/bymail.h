/* bymail: the command language by email. A message to the bot from a recruiter or an
 * interviewer (From is a person with a role here) runs as commands — its subject when
 * that starts with a command's name and the message is not a reply (Re:, References),
 * and each non-empty line of its new text (before quoted history and signature), at
 * most BYMAIL_LINES — with the person's permissions, as chat would. What makes a From
 * believable is [mail] commands: "authenticated" (the site's receiving server vouches
 * for it in Authentication-Results, mail/authres.c) or "tag" (the message went to the
 * person's own signed address, bot+p<id>-<mac>@domain, mail/token.c). Refused mail
 * changes nothing and gets no answer. The commands (each with key "<message key>#<n>"),
 * the message's own key and the one email answer (text and HTML, times in the sender's
 * zone, threaded under their message) commit in one transaction. */
#ifndef INTERVIEWD_BYMAIL_H
#define INTERVIEWD_BYMAIL_H

#include <stdint.h>
#include <time.h>

#include "commands/cmd.h"
#include "mail/inbound.h"
#include "mail/parse.h"
#include "store/store.h"

#define BYMAIL_LINES 20

/* Judges and runs M. TAG: the person whose signed address it went to, else 0. */
void bymail_run(struct store *st, const struct cmd_settings *set, const struct inbound_settings *is,
                const struct mail_msg *m, int64_t tag, const char *key, time_t now, struct inbound_result *res);

/* The address PERSON sends commands to when [mail] commands = "tag": IS's reply
 * address with their signed tag. 0, or -1 (no secret yet, or it does not fit). */
int bymail_tag_address(struct store *st, const struct inbound_settings *is, int64_t person, char *buf, size_t len);

#endif
