/* store: the SQLite database, and the only module with SQL.
 * Owns the schema and its migrations (the .sql files in store/migrations), every query as a named
 * prepared statement, transactions, the outbox, the audit log and inbound idempotency
 * keys. Never decides business rules (commands/ does) and never formats for people.
 * One struct store per thread: each opens its own connection (WAL; readers never block).
 * Functions return 0 (or a count) on success and a negative value on failure, with the
 * reason in the store's error buffer (store_error). */
#ifndef INTERVIEWD_STORE_H
#define INTERVIEWD_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Field limits, enforced by the command layer before anything reaches the store. */
#define STORE_HANDLE_MAX 32
#define STORE_NAME_MAX 200
#define STORE_EMAIL_MAX 254
#define STORE_TEXT_MAX 500    /* location, link, cancel reason, job title */
#define STORE_NOTES_MAX 2000  /* interview notes, feedback notes */
#define STORE_FEEDBACK_MAX 4000
#define STORE_PANEL_MAX 10
#define STORE_TZ_MAX 64

enum store_role { ROLE_NONE = 0, ROLE_INTERVIEWER, ROLE_RECRUITER };
enum store_type { TYPE_PHONE, TYPE_VIDEO, TYPE_IN_PERSON, TYPE_TECHNICAL, TYPE_HR, TYPE_FINAL, TYPE_COUNT };
enum store_status { ST_SCHEDULED, ST_IN_PROGRESS, ST_COMPLETED, ST_CANCELLED, ST_RESCHEDULED, ST_COUNT };
enum store_rec { REC_NONE = 0, REC_PROCEED, REC_HIRE, REC_REJECT, REC_MAYBE, REC_COUNT };

/* Names as stored and shown ("in_person", "in_progress", "proceed"); the parsers return
 * -1 for an unknown name. */
const char *store_type_name(enum store_type t);
const char *store_status_name(enum store_status s);
const char *store_rec_name(enum store_rec r);
const char *store_role_name(enum store_role r);
int store_type_parse(const char *s);
int store_status_parse(const char *s);
int store_rec_parse(const char *s);
int store_role_parse(const char *s);

struct store_person {
	int64_t id;
	char handle[STORE_HANDLE_MAX + 1];
	char name[STORE_NAME_MAX + 1];
	char email[STORE_EMAIL_MAX + 1];
	char slack_id[64];
	char matrix_id[256];
	char tz[STORE_TZ_MAX + 1]; /* empty: the configured default */
	enum store_role role;
};

struct store_candidate {
	int64_t id;
	char name[STORE_NAME_MAX + 1];
	char email[STORE_EMAIL_MAX + 1];
	char tz[STORE_TZ_MAX + 1];
};

struct store_panelist {
	int64_t id;
	char handle[STORE_HANDLE_MAX + 1];
	char name[STORE_NAME_MAX + 1];
	char email[STORE_EMAIL_MAX + 1];
	char tz[STORE_TZ_MAX + 1];
};

struct store_feedback {
	int64_t person_id;
	char handle[STORE_HANDLE_MAX + 1];
	int rating; /* 0: not given */
	enum store_rec rec;
	char source[8];
	int64_t updated_at;
	char *feedback; /* malloc'd; freed by store_interview_clear */
	char *notes;
};

/* An attendee's answer to the invite (iTIP REPLY). */
struct store_rsvp {
	char email[STORE_EMAIL_MAX + 1];
	char partstat[16]; /* accepted, tentative, declined, delegated, needs-action */
};

/* An interview with its candidate, job and panel; feedback (and the answers to its
 * invite) only where a query says so. */
struct store_interview {
	int64_t id, candidate_id, job_id, created_by;
	int64_t start, created_at, updated_at, started_at, completed_at;
	int64_t rescheduled_from, rescheduled_to;
	int64_t root_id;   /* first interview of its reschedule chain; 0: this one */
	int sequence;      /* iCalendar SEQUENCE of the chain's event as of this row */
	int duration, round;
	enum store_type type;
	enum store_status status;
	char location[STORE_TEXT_MAX + 1];
	char link[STORE_TEXT_MAX + 1];
	char notes[STORE_NOTES_MAX + 1];
	char cancel_reason[STORE_TEXT_MAX + 1];
	char candidate_name[STORE_NAME_MAX + 1];
	char candidate_email[STORE_EMAIL_MAX + 1];
	char candidate_tz[STORE_TZ_MAX + 1];
	char job_title[STORE_TEXT_MAX + 1];
	int npanel;
	struct store_panelist panel[STORE_PANEL_MAX];
	int nfeedback;
	struct store_feedback *feedback; /* malloc'd array */
	int nrsvp;
	struct store_rsvp rsvp[STORE_PANEL_MAX + 1];
};

/* Frees what an interview owns (feedback); the struct itself stays the caller's. */
void store_interview_clear(struct store_interview *iv);
/* Clears and frees an array of N interviews from a list query. NULL is fine. */
void store_interviews_free(struct store_interview *ivs, int n);

struct store;

/* Configures SQLite for the process; call once from main before anything opens a
 * database or starts a thread. 0, or -1 if SQLite was already in use. */
int store_init(void);

/* Copies the WAL into the database file (connections never do it on their own). For a
 * thread that serves no requests: the mail thread, at most every STORE_CHECKPOINT_EVERY
 * seconds (the first write after a checkpoint restarts the WAL and pays for it). */
#define STORE_CHECKPOINT_EVERY 10
int store_checkpoint(struct store *st);
/* Copies the database to PATH with SQLite's online backup (a consistent snapshot while
 * other connections write), into PATH.tmp first, checked (quick_check) and renamed
 * over PATH. 0, or -1 with ERR; PATH is untouched on failure. */
int store_backup(struct store *st, const char *path, char *err, size_t errlen);
/* The highest interview id (0: none), for walking every interview (export). */
int64_t store_interview_max_id(struct store *st);

/* Opens (creating if needed) the database at PATH and migrates it to the newest schema.
 * A file written by a newer interviewd is refused. NULL with a reason in ERR. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *st);
/* The last error's text. */
const char *store_error(const struct store *st);
/* The schema version this binary writes. */
int store_schema_version(void);

/* BEGIN IMMEDIATE (to write) / BEGIN (a consistent read) / COMMIT / ROLLBACK.
 * A failed commit rolls back. */
int store_begin(struct store *st);
/* A write transaction inside which the begins above nest as savepoints: an inner
 * rollback undoes only the inner work, and nothing is durable before this one's
 * commit (the commands of one email commit together, or none does). Elsewhere a begin
 * inside an open transaction fails. */
int store_begin_outer(struct store *st);
int store_begin_read(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* People. The _by_ lookups return 1 when found, 0 when not, <0 on error. */
int store_person_by_id(struct store *st, int64_t id, struct store_person *p);
int store_person_by_handle(struct store *st, const char *handle, struct store_person *p);
int store_person_by_email(struct store *st, const char *email, struct store_person *p);
int store_person_by_slack(struct store *st, const char *slack_id, struct store_person *p);
int store_person_by_matrix(struct store *st, const char *matrix_id, struct store_person *p);
/* Inserts or updates (by handle) a configured person; sets p->id. An empty tz keeps
 * the zone the person chose with the tz command. */
int store_person_upsert(struct store *st, struct store_person *p);
/* Before the configured people are upserted again: everyone configured so far is
 * demoted to a plain interviewer, so a person taken out of the config keeps no role. */
int store_people_unconfigure(struct store *st);
/* Inserts a new person; sets p->id. Fails if the handle or email is taken. */
int store_person_insert(struct store *st, struct store_person *p, int64_t now);
int store_person_set_tz(struct store *st, int64_t id, const char *tz);
/* Calls FN for every handle (for "did you mean" suggestions). */
int store_person_handles(struct store *st, void (*fn)(const char *handle, void *arg), void *arg);

/* Candidates. */
int store_candidate_by_email(struct store *st, const char *email, struct store_candidate *c);
int store_candidate_by_id(struct store *st, int64_t id, struct store_candidate *c);
/* Candidates whose name or email contains PART (case-insensitive), at most MAX of them;
 * returns how many were written to OUT. */
int store_candidate_search(struct store *st, const char *part, struct store_candidate *out, int max);
int store_candidate_insert(struct store *st, struct store_candidate *c, int64_t now);
int store_candidate_set_tz(struct store *st, int64_t id, const char *tz);

/* Jobs: the id of the job with TITLE: 1 found, 0 not; _ensure creates it if new. */
int store_job_find(struct store *st, const char *title, int64_t *id);
int store_job_ensure(struct store *st, const char *title, int64_t *id);

/* The form of a location that conflicts compare: lower case, spaces trimmed and
 * runs of white space made one, so "Room  301 " and "room 301" are the same room. */
void store_location_key(const char *loc, char *key, size_t len);

/* Interviews. insert sets iv->id; the panel comes from iv->panel[].id. */
int store_interview_insert(struct store *st, struct store_interview *iv);
/* 1 found, 0 not, <0 error; loads panel, and feedback when WITH_FEEDBACK. */
int store_interview_get(struct store *st, int64_t id, struct store_interview *iv, int with_feedback);
/* Loads IV's answers to its invite (store_interview_feedback does too). */
int store_interview_rsvps(struct store *st, struct store_interview *iv);
/* Loads IV's feedback and answers (for interviews from a list). */
int store_interview_feedback(struct store *st, struct store_interview *iv);
/* Writes status, cancel_reason, rescheduled_to, started_at, completed_at, updated_at,
 * sequence. */
int store_interview_update(struct store *st, const struct store_interview *iv);

struct store_filter {
	int64_t from, to;        /* start in [from, to); 0,0: no time bound */
	unsigned status_mask;    /* bit (1 << status); 0: all */
	int64_t candidate_id;    /* 0: any */
	int64_t person_id;       /* on the panel; 0: any */
	int64_t job_id;          /* 0: any */
	int desc;                /* newest first */
	int limit;               /* rows to load */
};
/* Loads at most F->limit interviews matching F into a malloc'd array (*OUT, *N; free
 * with store_interviews_free) and the number of all matches into *TOTAL. */
int store_interview_list(struct store *st, const struct store_filter *f,
                         struct store_interview **out, int *n, int *total);
/* Active (scheduled or in-progress) interviews overlapping [start, end) that share the
 * candidate, a panel member or LOCATION_KEY (may be empty) with the proposed one,
 * other than EXCLUDE_ID. Loads at most MAX into OUT (caller's array); returns count. */
int store_interview_conflicts(struct store *st, int64_t start, int64_t end, int64_t candidate_id,
                              const int64_t *person_ids, int npersons, const char *location_key,
                              int64_t exclude_id, struct store_interview *out, int max);
/* The newest interview of CANDIDATE that was not rescheduled: 1 found, 0 none. */
int store_interview_latest(struct store *st, int64_t candidate_id, struct store_interview *iv);

/* Feedback: insert the row of (interview, person), or update it with the values
 * given (rating 0, REC_NONE and NULL texts keep what was there). */
int store_feedback_put(struct store *st, int64_t interview_id, int64_t person_id, int rating,
                       enum store_rec rec, const char *feedback, const char *notes,
                       const char *source, int64_t now);

/* Counts shown on the dashboard. today/week: interviews starting in the ranges that are
 * not cancelled or rescheduled; completed/cancelled: all time. PERSON_ID limits every
 * count to that person's panels (0: everyone). */
struct store_stats {
	int today, this_week, completed, cancelled;
};
int store_stats(struct store *st, int64_t person_id, int64_t day_from, int64_t day_to,
                int64_t week_from, int64_t week_to, struct store_stats *s);

/* Duties: what the clock must do later about an interview (store/duties.c). */
enum store_duty { DUTY_REMINDER, DUTY_FEEDBACK_REQUEST, DUTY_FEEDBACK_CHASE, DUTY_FEEDBACK_ESCALATE,
                  DUTY_AUTOSTART, DUTY_COUNT };
struct store_duty_row {
	int64_t id, due_at, interview_id, person_id; /* person 0: the candidate / nobody */
	enum store_duty kind;
	int64_t lead;
};
const char *store_duty_name(enum store_duty d);
int store_duty_add(struct store *st, int64_t due_at, enum store_duty kind, int64_t interview_id, int64_t person_id,
                   int64_t lead);
/* Ends every open duty of an interview, saying WHY (it moved, it was cancelled). */
int store_duty_drop(struct store *st, int64_t interview_id, int64_t now, const char *why);
/* The earliest open duty due at NOW or before: 1 found, 0 none. */
int store_duty_next(struct store *st, int64_t now, struct store_duty_row *d);
/* When the earliest open duty falls due; 0 when none is open. */
int64_t store_duty_next_due(struct store *st);
/* Marks a duty done; WHY (may be NULL) says why it was skipped instead. */
int store_duty_done(struct store *st, int64_t id, int64_t now, const char *why);
/* 1 if PERSON gave a rating or a recommendation for INTERVIEW. */
int store_feedback_given(struct store *st, int64_t interview_id, int64_t person_id);
/* Feedback overdue per interviewer and job: interviews that started after SINCE and
 * ended by DUE_BY with no rating or recommendation from a panel member. FN gets the
 * handle, the job title ("" for none), the count and the ids ("#12 #15"), by handle. */
int store_overdue(struct store *st, int64_t now, int64_t since, int64_t due_by,
                  void (*fn)(const char *handle, const char *job, int n, const char *ids, void *arg), void *arg);
/* Digests: 1 if CHANNEL's digest of local DAY (YYYY-MM-DD) went out; _add records it. */
int store_digest_sent(struct store *st, const char *channel, const char *day);
int store_digest_add(struct store *st, const char *channel, const char *day, int64_t due_at, int64_t now);

/* Feedback requests by email (store/replies.c). _add returns the request of
 * (interview, person), made on first use; _get 1 found, 0 not; _nudge 1 when this
 * call recorded the one nudge, 0 when it had gone out before. */
struct store_freq {
	int64_t id, interview_id, person_id, created_at, nudged_at;
};
int store_freq_add(struct store *st, int64_t interview_id, int64_t person_id, int64_t now, int64_t *id);
int store_freq_get(struct store *st, int64_t id, struct store_freq *f);
int store_freq_nudge(struct store *st, int64_t id, int64_t now);
/* The IMAP poller's place in MAILBOX: 1 known, 0 not. */
int store_imap_get(struct store *st, const char *mailbox, int64_t *uidvalidity, int64_t *last_uid);
int store_imap_put(struct store *st, const char *mailbox, int64_t uidvalidity, int64_t last_uid);
/* Answers to invites (store/replies.c). _current: the newest interview of the
 * reschedule chain that began with ROOT (1 found, 0 not). _rsvp_put keeps the newest
 * answer of EMAIL; _rsvps calls FN for each answer about an interview. */
int store_chain_current(struct store *st, int64_t root, int64_t *id);
int store_rsvp_put(struct store *st, int64_t interview_id, const char *email, const char *partstat,
                   const char *comment, int64_t at);
int store_rsvps(struct store *st, int64_t interview_id,
                void (*fn)(const char *email, const char *partstat, const char *comment, int64_t at, void *arg),
                void *arg);

/* A value of the meta table (instance, reply_secret): 1 found, 0 not. */
int store_meta(struct store *st, const char *key, char *buf, size_t len);

/* The random name of this database (meta 'instance'), for Message-IDs and UIDs. */
int store_instance(struct store *st, char *buf, size_t len);

/* Audit log. */
int store_audit(struct store *st, int64_t now, int64_t actor_id, const char *via, const char *action,
                int64_t interview_id, const char *detail);

/* Idempotency keys: 1 if KEY was seen before, else records it and returns 0. */
int store_inbound_seen(struct store *st, const char *key, const char *via, int64_t now);
/* 1 if KEY was seen before (nothing recorded), 0 if not. */
int store_inbound_known(struct store *st, const char *key);

/* Outbox. */
struct store_outbox_row {
	int64_t id, interview_id, created_at, next_try;
	int attempts;
	char transport[16];
	char kind[32];
	char recipient[STORE_EMAIL_MAX + 1];
	char *payload; /* malloc'd; store_outbox_clear frees */
};
void store_outbox_clear(struct store_outbox_row *r);
int store_outbox_add(struct store *st, const char *transport, const char *kind, const char *recipient,
                     int64_t interview_id, const char *payload, int64_t now);
/* A chat message to the person HANDLE (transport "chat"; payload {"text": TEXT}),
 * which their front end shows them. */
int store_chat_add(struct store *st, const char *handle, const char *kind, int64_t interview_id, const char *text,
                   int64_t now);
/* The oldest due row of TRANSPORT (next_try <= NOW): 1 found, 0 none. */
int store_outbox_next(struct store *st, const char *transport, int64_t now, struct store_outbox_row *r);
/* The same, only for rows to RECIPIENT (a chat front end serving one person). */
int store_outbox_next_to(struct store *st, const char *transport, const char *recipient, int64_t now,
                         struct store_outbox_row *r);
/* How many emails to ROW's recipient about the reschedule chain ROOT came before ROW
 * (0: ROW starts that person's thread). <0 on error. */
int store_outbox_earlier(struct store *st, const struct store_outbox_row *row, int64_t root);
int store_outbox_sent(struct store *st, int64_t id, int64_t now);
int store_outbox_retry(struct store *st, int64_t id, int64_t next_try, const char *error);
int store_outbox_failed(struct store *st, int64_t id, int64_t now, const char *error);
/* Moves a row to NEXT_TRY without counting a try (a rate limit, not a failure). */
int store_outbox_defer(struct store *st, int64_t id, int64_t next_try);
/* When the earliest waiting row of TRANSPORT is due; 0 when none waits. */
int64_t store_outbox_next_due(struct store *st, const char *transport);
/* The earlier of the next due times of transports A and B (0: neither has one). */
int64_t store_outbox_next_due2(struct store *st, const char *a, const char *b);
/* How many rows of TRANSPORT wait (<0 on error); *OLDEST_DUE (may be NULL) the
 * earliest next_try among them, 0 when none waits. */
int store_outbox_pending(struct store *st, const char *transport, int64_t *oldest_due);

/* The Slack front end's memory (store/slack.c). */
#define STORE_SLACK_ID_MAX 63
struct store_slack_user {
	char user_id[STORE_SLACK_ID_MAX + 1];
	char name[STORE_NAME_MAX + 1];
	char email[STORE_EMAIL_MAX + 1];
	char tz[STORE_TZ_MAX + 1];
	int64_t fetched_at;
};
int store_slack_user_get(struct store *st, const char *user_id, struct store_slack_user *u);
int store_slack_user_put(struct store *st, const struct store_slack_user *u);
int store_slack_dm_get(struct store *st, const char *user_id, char channel[STORE_SLACK_ID_MAX + 1]);
int store_slack_dm_put(struct store *st, const char *user_id, const char *channel);
/* Matrix: meta values (the sync token), profiles' zones, DM rooms, encrypted rooms. */
#define STORE_MATRIX_ID_MAX 255
int store_meta_put(struct store *st, const char *key, const char *value);

/* Access tokens (store/access.c): the generation of the token of KIND ('a', 'f', 't')
 * for SUBJECT. _get: 1 with *GEN, 0 when none was made yet. _bump: makes generation 1
 * or the next one (rotation), returning it in *GEN. */
int store_access_get(struct store *st, char kind, const char *subject, int64_t *gen);
int store_access_bump(struct store *st, char kind, const char *subject, int64_t now, int64_t *gen);
/* The zone USER's profile gave ("" if none) and when it was read: 1, 0 unknown, <0. */
int store_matrix_user_get(struct store *st, const char *user, char tz[STORE_TZ_MAX + 1], int64_t *fetched_at);
int store_matrix_user_put(struct store *st, const char *user, const char *tz, int64_t now);
int store_matrix_dm_get(struct store *st, const char *user, char room[STORE_MATRIX_ID_MAX + 1]);
/* ROOM NULL: forgets USER's DM room (they left it). */
int store_matrix_dm_put(struct store *st, const char *user, const char *room);
/* 1 when ROOM was not known to be encrypted (so the bot says it cannot read it), 0 when
 * it was, <0. */
int store_matrix_told_encrypted(struct store *st, const char *room, int64_t now);
/* The Slack cards posted about an interview (channel and message ts), newest first. */
struct store_slack_card {
	char channel[STORE_SLACK_ID_MAX + 1];
	char ts[32];
};
int store_slack_card_put(struct store *st, int64_t interview, const char *channel, const char *ts, int64_t now);
/* Up to MAX cards of INTERVIEW into CARDS: how many, or <0. */
int store_slack_cards(struct store *st, int64_t interview, struct store_slack_card *cards, int max);
/* When INTERVIEW has cards in Slack, queues their update (outbox 'slack', kind
 * "refresh": the Slack sender redraws each from the store). 0, or <0. */
int store_slack_refresh(struct store *st, int64_t interview, int64_t now);
int store_person_set_slack(struct store *st, int64_t id, const char *slack_id);

#endif
