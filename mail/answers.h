/* answers: mail that answers an interview rather than a feedback request — an
 * attendee's calendar answer to an invite (iTIP REPLY: accepted, tentative, declined;
 * COUNTER: another time), matched by the invite's UID and accepted only from that
 * attendee, kept and shown with the interview; and a candidate's reply (signed 'c'
 * token), never a command, passed to the recruiter with the times it names as ready
 * reschedule commands. A decline, a proposed time or a candidate's words reach the
 * recruiter in chat, in the transaction that records the message's key (with the
 * update of the interview's Slack cards, if it has any). Called by
 * mail/inbound.c, which judges everything else. */
#ifndef INTERVIEWD_ANSWERS_H
#define INTERVIEWD_ANSWERS_H

#include <stdint.h>
#include <time.h>

#include "commands/cmd.h"
#include "mail/inbound.h"
#include "mail/parse.h"
#include "store/store.h"

/* 1 when M is an answer to an invite (RES set), 0 when it is not. KEY: its Message-Id key. */
int answers_invite(struct store *st, const struct cmd_settings *set, const struct mail_msg *m, const char *key,
                   time_t now, struct inbound_result *res);
/* A candidate's reply about the interview chain ROOT. */
void answers_candidate(struct store *st, const struct cmd_settings *set, const struct mail_msg *m, int64_t root,
                       const char *key, time_t now, struct inbound_result *res);

#endif
