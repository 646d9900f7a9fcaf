/* commands/internal.h: what the command handlers share — the lexed arguments, the
 * context of one request, and the helpers that resolve ids, people and candidates.
 * Not for use outside commands/. */
#ifndef INTERVIEWD_CMD_INTERNAL_H
#define INTERVIEWD_CMD_INTERNAL_H

#include "commands/cmd.h"

#define ARGS_POS_MAX 8
#define ARGS_KV_MAX 24

struct cmd_kv {
	char key[24];
	char *value;
	int used;
};

/* A command line split into its command word, positional words (before the first
 * key:value) and key:value options. A bare word after an option continues its value,
 * so reason: candidate withdrew needs no quotes. Strings point into BUF. */
struct cmd_args {
	char name[16];
	char *pos[ARGS_POS_MAX];
	int npos;
	struct cmd_kv kv[ARGS_KV_MAX];
	int nkv;
	char buf[8192];
};

/* Splits TEXT; -1 with the reason in ERR for unbalanced quotes, too many words, a key
 * given twice or a line too long. */
int cmd_lex(const char *text, struct cmd_args *a, char *err, size_t errlen);

/* The value of option KEY, or NULL; marks it used. */
const char *cmd_opt(struct cmd_args *a, const char *key);

struct cmd_ctx {
	struct store *st;
	const struct cmd_settings *set;
	const struct cmd_request *req;
	struct cmd_args *args;
	struct cmd_reply *out;
	const struct store_person *actor;
	int recruiter;                /* the actor may see and change everything */
};

/* Sets the reply to an error with the message; returns -1. */
int cmd_fail(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, with the command's usage: for input that could not be read. */
int cmd_bad(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, saying why (for front ends that answer with a status code). */
int cmd_refuse(struct cmd_ctx *c, enum cmd_error why, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A failure of the store itself. */
int cmd_store_fail(struct cmd_ctx *c);
/* Adds a note line to the reply. */
void cmd_note(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes an audit row for the request's actor and front end. */
int cmd_audit(struct cmd_ctx *c, const char *action, int64_t interview_id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The interview id from the first positional word, loaded; -1 (reply set) if missing. */
int cmd_target(struct cmd_ctx *c, struct store_interview *iv, int with_feedback);
/* Finds a candidate by email or a unique part of the name (or email). 0, or -1 (reply set:
 * none, or the matches when ambiguous). */
int cmd_find_candidate(struct cmd_ctx *c, const char *what, struct store_candidate *cand);
/* Resolves one person: handle, email (a new email adds an interviewer), Slack mention
 * <@U123|name> or Matrix id @user:server. 0 or -1 (reply set, with "did you mean"). */
int cmd_find_person(struct cmd_ctx *c, const char *what, int may_create, struct store_person *p);
/* The reader's zone: the actor's own or the default. */
const char *cmd_zone(const struct cmd_ctx *c);
/* Appends interview IV (copied; feedback moves to the reply) to the reply's items. */
int cmd_reply_add(struct cmd_ctx *c, struct store_interview *iv);

/* Validates free text typed into an option: at most MAX bytes, valid UTF-8, no control
 * characters. 0 or -1 (reply set). NULL and "" are fine. */
int cmd_check_text(struct cmd_ctx *c, const char *key, const char *v, size_t max);

/* One email to queue: KIND ("scheduled", "reminder", ...) about IV (OLD: the original
 * of a reschedule) to one person, read in zone TZ, with the calendar SEQUENCE as of the
 * event. The payload is what mail/notice.c composes from. */
struct cmd_email {
	const char *kind, *role, *to, *name, *tz;
	const struct store_interview *iv, *old;
	int sequence;
	int64_t request;                 /* a feedback request: its id signs the Reply-To */
	const char *understood, *missing; /* a nudge: what a reply said, what it lacked */
};
int cmd_queue_email(struct store *st, const struct cmd_email *m, time_t now);

/* Queues the emails an event causes (one per person): KIND is "scheduled",
 * "rescheduled", "cancelled" or "removed"; OLD is the original of a reschedule. */
int cmd_notify(struct cmd_ctx *c, const char *kind, const struct store_interview *iv,
               const struct store_interview *old);

/* Moves IV to status TO if the lifecycle allows it (commands/lifecycle.c), stamping
 * the times and saving it; else -1 with a reply that says what can be done. */
int cmd_transition(struct cmd_ctx *c, struct store_interview *iv, enum store_status to);

/* Writes the duties of a new interview (commands/duty.c): reminders at each lead time
 * still ahead, the feedback request at its end, the chaser and the escalation, the
 * automatic start. _drop ends the open duties of an interview, saying why. */
int cmd_plan_duties(struct cmd_ctx *c, const struct store_interview *iv);
int cmd_drop_duties(struct cmd_ctx *c, int64_t interview_id, const char *why);

/* Handlers, one per command; each returns 0 or -1 (reply set). */
int cmd_schedule(struct cmd_ctx *c);
int cmd_reschedule(struct cmd_ctx *c);
int cmd_next(struct cmd_ctx *c);
int cmd_cancel(struct cmd_ctx *c);
int cmd_start(struct cmd_ctx *c);
int cmd_complete(struct cmd_ctx *c);
int cmd_feedback(struct cmd_ctx *c);
int cmd_list(struct cmd_ctx *c);
int cmd_show(struct cmd_ctx *c);
int cmd_candidate(struct cmd_ctx *c);
int cmd_stats(struct cmd_ctx *c);
int cmd_tz(struct cmd_ctx *c);
int cmd_whoami(struct cmd_ctx *c);
int cmd_feed(struct cmd_ctx *c);
int cmd_help(struct cmd_ctx *c);

#endif
