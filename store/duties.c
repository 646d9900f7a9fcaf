/* duties.c: the clock's duties and the digests it sent. */
#include "store/internal.h"
#include "store/store.h"

#include <string.h>

static const char *const duty_names[DUTY_COUNT] = {"reminder", "feedback_request", "feedback_chase",
                                                   "feedback_escalate", "autostart"};

const char *store_duty_name(enum store_duty d) { return duty_names[d]; }

int store_duty_add(struct store *st, int64_t due_at, enum store_duty kind, int64_t interview_id, int64_t person_id,
                   int64_t lead)
{
	sqlite3_stmt *s = store_stmt(st, Q_DUTY_ADD);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, due_at);
	sqlite3_bind_text(s, 2, duty_names[kind], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, interview_id);
	store_bind_id(s, 4, person_id);
	store_bind_id(s, 5, lead);
	return store_run(st, s, "add duty");
}

int store_duty_drop(struct store *st, int64_t interview_id, int64_t now, const char *why)
{
	sqlite3_stmt *s = store_stmt(st, Q_DUTY_DROP);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, interview_id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, why, -1, SQLITE_TRANSIENT);
	return store_run(st, s, "drop duties");
}

static void read_duty(sqlite3_stmt *s, void *out)
{
	struct store_duty_row *d = out;
	char kind[32];
	memset(d, 0, sizeof *d);
	d->id = sqlite3_column_int64(s, 0);
	d->due_at = sqlite3_column_int64(s, 1);
	store_col_text(s, 2, kind, sizeof kind);
	for (int i = 0; i < DUTY_COUNT; i++)
		if (strcmp(kind, duty_names[i]) == 0)
			d->kind = (enum store_duty)i;
	d->interview_id = sqlite3_column_int64(s, 3);
	d->person_id = sqlite3_column_int64(s, 4);
	d->lead = sqlite3_column_int64(s, 5);
}

int store_duty_next(struct store *st, int64_t now, struct store_duty_row *d)
{
	return store_lookup(st, Q_DUTY_NEXT, NULL, now, read_duty, d);
}

static void read_int(sqlite3_stmt *s, void *out) { *(int64_t *)out = sqlite3_column_int64(s, 0); }

int64_t store_duty_next_due(struct store *st)
{
	int64_t due = 0;
	store_lookup(st, Q_DUTY_NEXT_DUE, NULL, 0, read_int, &due);
	return due;
}

int store_duty_done(struct store *st, int64_t id, int64_t now, const char *why)
{
	sqlite3_stmt *s = store_stmt(st, Q_DUTY_DONE);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	store_bind_text(s, 3, why);
	return store_run(st, s, "finish duty");
}

/* A count of two bound values (ids or texts). */
static int count2(struct store *st, enum store_q q, int64_t a, int64_t b, const char *ta, const char *tb)
{
	sqlite3_stmt *s = store_stmt(st, q);
	if (!s)
		return -1;
	if (ta) {
		sqlite3_bind_text(s, 1, ta, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, tb, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
	}
	int rc = sqlite3_step(s);
	int n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_reset(s);
	return n < 0 ? store_sqlfail(st, "count") : n > 0;
}

int store_feedback_given(struct store *st, int64_t interview_id, int64_t person_id)
{
	return count2(st, Q_FEEDBACK_GIVEN, interview_id, person_id, NULL, NULL);
}

int store_overdue(struct store *st, int64_t now, int64_t since, int64_t due_by,
                  void (*fn)(const char *handle, const char *job, int n, const char *ids, void *arg), void *arg)
{
	sqlite3_stmt *s = store_stmt(st, Q_OVERDUE);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, due_by);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1), sqlite3_column_int(s, 2),
		   (const char *)sqlite3_column_text(s, 3), arg);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_sqlfail(st, "read overdue feedback");
}

int store_digest_sent(struct store *st, const char *channel, const char *day)
{
	return count2(st, Q_DIGEST_SENT, 0, 0, channel, day);
}

int store_digest_add(struct store *st, const char *channel, const char *day, int64_t due_at, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, Q_DIGEST_ADD);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, channel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, due_at);
	sqlite3_bind_int64(s, 4, now);
	return store_run(st, s, "record digest");
}
