/* inbound: what one received email does — the judge between the mailbox and the core.
 * A reply to a feedback request is accepted only when its address carries a token
 * that verifies (mail/token.c) and its From is the interviewer the request went to;
 * then its rating, recommendation and words (mail/parse.c, mail/reply.c) are recorded
 * through the core's feedback command, as that person, and the recruiter who
 * scheduled the interview is told in chat — in one transaction with the message's
 * Message-Id as idempotency key, so a message delivered twice is recorded once.
 * A reply without a readable rating and recommendation gets one polite email back
 * (one per request). Answers to invites and candidates' replies go to
 * mail/answers.c, commands by email to mail/bymail.c. Robots (auto-replies, bounces, lists), forged or unknown tokens,
 * strangers and oversized messages change nothing and get no answer (no backscatter):
 * the outcome says why, for the log. Shared by the IMAP poller and "ingest-mail". */
#ifndef INTERVIEWD_INBOUND_H
#define INTERVIEWD_INBOUND_H

#include <stddef.h>
#include <time.h>

#include "commands/cmd.h"
#include "store/store.h"

/* Who may send commands by email ([mail] commands). */
enum inbound_commands {
	IN_COMMANDS_OFF,           /* nobody: such mail is refused */
	IN_COMMANDS_AUTHENTICATED, /* people whose From the site's server vouches for */
	IN_COMMANDS_TAG,           /* people writing to their own signed address */
};

struct inbound_settings {
	const char *reply_address; /* replies come to this address (+token): [mail] reply_to or from */
	const char *secret;        /* [mail] token_secret; NULL or "": the database's own */
	size_t max_bytes;          /* larger messages are refused unread */
	enum inbound_commands commands;
	const char *authserv_id;   /* [mail] authserv_id: the receiving server's name */
};

enum inbound_outcome {
	IN_RECORDED,   /* feedback recorded */
	IN_NUDGED,     /* unreadable: the one polite email was queued */
	IN_ANSWERED,   /* commands by email: run, and the answer queued */
	IN_UNREADABLE, /* unreadable, and the nudge had gone out before */
	IN_DUPLICATE,  /* this Message-Id was processed before */
	IN_IGNORED,    /* a robot, or a reply the core refused (cancelled interview...) */
	IN_REFUSED,    /* no valid token, a stranger, too big, not an email: nothing done */
	IN_FAILED,     /* the store failed: try again later */
};

struct inbound_result {
	enum inbound_outcome outcome;
	char why[512];           /* for the log: never the message's text */
	char message_id[256];
	long long interview;     /* 0 when not linked */
};

/* Judges and carries out the message RAW (LEN bytes) at NOW. */
void inbound_process(struct store *st, const struct cmd_settings *set, const struct inbound_settings *is,
                     const char *raw, size_t len, time_t now, struct inbound_result *res);

/* "recorded", "nudged", ... */
const char *inbound_outcome_name(enum inbound_outcome o);

/* For the judges (inbound.c, answers.c): sets RES's outcome and reason; remembers a
 * message's KEY on its own, so a second copy is a duplicate. */
void inbound_result(struct inbound_result *r, enum inbound_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void inbound_remember(struct store *st, const char *key, time_t now);
/* The key reply addresses are signed with: IS's, else the database's. 0, or -1. */
int inbound_secret(struct store *st, const struct inbound_settings *is, char *buf, size_t len);

#endif
