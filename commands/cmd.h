/* cmd: the command language every front end shares, and its handlers.
 * Owns the grammar (schedule, reschedule, cancel, start, complete, feedback, list, show,
 * candidate, next, stats, tz, whoami, feed, help), the lifecycle rules, conflict detection and
 * permissions. A request runs in one store transaction: the change, its audit row and
 * every message it causes (outbox rows) commit together or not at all. Returns a
 * front-end-neutral reply; it never prints and never sends (bot/ renders, mail/ sends).
 * Called by every front end in bot/ with its own struct store. */
#ifndef INTERVIEWD_CMD_H
#define INTERVIEWD_CMD_H

#include <stddef.h>
#include <time.h>

#include "store/store.h"

/* What the handlers and the clock need from the configuration. */
#define CMD_LEADS_MAX 4
#define CMD_SKIP_JOBS_MAX 16
struct cmd_settings {
	const char *default_tz;       /* for people without a zone of their own */
	int default_duration;         /* minutes */
	enum store_type default_type;
	long long leads[CMD_LEADS_MAX]; /* reminders, seconds before the start */
	int nleads;
	int remind_panel_email;       /* panel reminders also by email */
	int remind_candidate;         /* candidates get email reminders */
	const char *skip_jobs[CMD_SKIP_JOBS_MAX]; /* ... except for these jobs */
	int nskip_jobs;
	int feedback_request;         /* ask the panel for feedback at the end */
	long long chase_after;        /* nudge an interviewer this long after the end */
	long long escalate_after;     /* then tell the recruiter */
	int autostart;                /* scheduled → in_progress at the start time */
	const char *feed_base;        /* calendar feed addresses start here ("": feeds off) */
};

struct cmd_reply;

struct cmd_request {
	const char *text;             /* what was typed, with or without "/interview" */
	const char *via;              /* "console", "slack", "matrix", "email", "api" */
	const char *key;              /* idempotency key of the inbound event, or NULL */
	struct store_person actor;    /* who typed it; actor.id == 0: nobody we know */
	time_t now;
	/* Called inside the transaction of a command that changed something, after the
	 * handler succeeded and before the commit: a front end adds the messages the change
	 * causes for its readers (a Slack card to the team's channel), so they commit with
	 * it. A negative return undoes the whole command. NULL: nothing to add. */
	int (*on_change)(struct store *st, const struct cmd_reply *r, void *arg);
	void *arg;
};

enum cmd_reply_kind {
	REPLY_ERROR,       /* message (+ usage, + items: the conflicting interviews) */
	REPLY_INTERVIEW,   /* items[0]; items[1] is the original on a reschedule */
	REPLY_LIST,        /* items (nitems of total) */
	REPLY_CANDIDATE,   /* candidate + items: every round */
	REPLY_STATS,       /* stats */
	REPLY_TEXT,        /* text: help, tz */
	REPLY_DUPLICATE,   /* the idempotency key was seen before: nothing was done */
};

/* Follow-up actions an interview's status allows (buttons, suggested commands). */
enum {
	ACT_RESCHEDULE = 1 << 0,
	ACT_CANCEL = 1 << 1,
	ACT_START = 1 << 2,
	ACT_COMPLETE = 1 << 3,
	ACT_FEEDBACK = 1 << 4,
};

#define CMD_NOTES_MAX 4

/* Why a command failed, for front ends that answer with a status (the HTTP API). */
enum cmd_error {
	CMD_E_NONE,
	CMD_E_INPUT,     /* unreadable or invalid input */
	CMD_E_DENIED,    /* the actor may not do this */
	CMD_E_NOT_FOUND, /* no such interview or candidate */
	CMD_E_CONFLICT,  /* the lifecycle or the calendar does not allow it now */
	CMD_E_STORE,     /* the database failed */
};

struct cmd_reply {
	enum cmd_reply_kind kind;
	enum cmd_error error;         /* REPLY_ERROR: why */
	char command[16];             /* the command's name, "" if it could not be read */
	char message[1024];           /* headline, or the error */
	const char *usage;            /* errors: the command's usage lines, else NULL */
	char tz[STORE_TZ_MAX + 1];    /* the zone the reader sees times in */
	time_t now;
	struct store_interview *items;/* malloc'd; cmd_reply_free frees */
	int nitems, total;
	struct store_candidate candidate;
	struct store_stats stats;
	char notes[CMD_NOTES_MAX][256]; /* extra lines: warnings, what else happened */
	int nnotes;
	char text[4096];              /* REPLY_TEXT */
};

/* Runs REQ. Always fills OUT (free with cmd_reply_free); returns 0 when the command
 * succeeded, -1 when OUT is an error reply. Nothing is changed on error. */
int cmd_execute(struct store *st, const struct cmd_settings *set, const struct cmd_request *req,
                struct cmd_reply *out);

void cmd_reply_free(struct cmd_reply *r);

/* 1 when WORD (any case) names a command. */
int cmd_known(const char *word);

/* The ACT_ bits IV's status allows. */
unsigned cmd_actions(const struct store_interview *iv);

/* Queues the one polite email to the interviewer of feedback request REQUEST whose
 * reply could not be read: what was UNDERSTOOD, what is MISSING (with a signed
 * Reply-To again). Inside the caller's transaction. 0, or <0 (store error). */
int cmd_nudge_feedback(struct store *st, const struct cmd_settings *set, int64_t request, const char *understood,
                       const char *missing, time_t now);

/* Usage of the command NAME (NULL: the overview), never NULL. */
const char *cmd_usage(const char *name);

#endif
