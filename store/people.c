/* people.c: people (recruiters, interviewers), candidates and jobs. */
#include "store/internal.h"
#include "store/store.h"

#include <string.h>

static void read_person(sqlite3_stmt *s, void *out)
{
	struct store_person *p = out;
	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, p->handle, sizeof p->handle);
	store_col_text(s, 2, p->name, sizeof p->name);
	store_col_text(s, 3, p->email, sizeof p->email);
	store_col_text(s, 4, p->slack_id, sizeof p->slack_id);
	store_col_text(s, 5, p->matrix_id, sizeof p->matrix_id);
	store_col_text(s, 6, p->tz, sizeof p->tz);
	char role[16];
	store_col_text(s, 7, role, sizeof role);
	int r = store_role_parse(role);
	p->role = r < 0 ? ROLE_NONE : (enum store_role)r;
}

int store_person_by_id(struct store *st, int64_t id, struct store_person *p)
{
	return store_lookup(st, Q_PERSON_BY_ID, NULL, id, read_person, p);
}

int store_person_by_handle(struct store *st, const char *handle, struct store_person *p)
{
	return store_lookup(st, Q_PERSON_BY_HANDLE, handle, 0, read_person, p);
}

int store_person_by_email(struct store *st, const char *email, struct store_person *p)
{
	return store_lookup(st, Q_PERSON_BY_EMAIL, email, 0, read_person, p);
}

int store_person_by_slack(struct store *st, const char *slack_id, struct store_person *p)
{
	return store_lookup(st, Q_PERSON_BY_SLACK, slack_id, 0, read_person, p);
}

int store_person_by_matrix(struct store *st, const char *matrix_id, struct store_person *p)
{
	return store_lookup(st, Q_PERSON_BY_MATRIX, matrix_id, 0, read_person, p);
}

static void bind_person(sqlite3_stmt *s, const struct store_person *p)
{
	sqlite3_bind_text(s, 1, p->handle, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, p->name, -1, SQLITE_TRANSIENT);
	store_bind_text(s, 3, p->email);
	store_bind_text(s, 4, p->slack_id);
	store_bind_text(s, 5, p->matrix_id);
	store_bind_text(s, 6, p->tz);
	sqlite3_bind_text(s, 7, store_role_name(p->role), -1, SQLITE_STATIC);
}

int store_person_upsert(struct store *st, struct store_person *p)
{
	sqlite3_stmt *s = store_stmt(st, Q_PERSON_UPSERT);
	if (!s)
		return -1;
	bind_person(s, p);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		p->id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_fail(st, "save person %s: %s", p->handle, sqlite3_errmsg(st->db));
	return 0;
}

int store_people_unconfigure(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, Q_PEOPLE_UNCONFIGURE);
	return s ? store_run(st, s, "update people") : -1;
}

int store_person_insert(struct store *st, struct store_person *p, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, Q_PERSON_INSERT);
	if (!s)
		return -1;
	bind_person(s, p);
	sqlite3_bind_int64(s, 8, now);
	if (store_run(st, s, "add person") < 0)
		return -1;
	p->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_person_set_tz(struct store *st, int64_t id, const char *tz)
{
	sqlite3_stmt *s = store_stmt(st, Q_PERSON_SET_TZ);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, tz);
	return store_run(st, s, "set time zone");
}

int store_person_handles(struct store *st, void (*fn)(const char *handle, void *arg), void *arg)
{
	sqlite3_stmt *s = store_stmt(st, Q_PERSON_HANDLES);
	if (!s)
		return -1;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(s, 0), arg);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_sqlfail(st, "list people");
}

static void read_candidate(sqlite3_stmt *s, void *out)
{
	struct store_candidate *c = out;
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, c->name, sizeof c->name);
	store_col_text(s, 2, c->email, sizeof c->email);
	store_col_text(s, 3, c->tz, sizeof c->tz);
}

int store_candidate_by_email(struct store *st, const char *email, struct store_candidate *c)
{
	return store_lookup(st, Q_CAND_BY_EMAIL, email, 0, read_candidate, c);
}

int store_candidate_by_id(struct store *st, int64_t id, struct store_candidate *c)
{
	return store_lookup(st, Q_CAND_BY_ID, NULL, id, read_candidate, c);
}

int store_candidate_search(struct store *st, const char *part, struct store_candidate *out, int max)
{
	sqlite3_stmt *s = store_stmt(st, Q_CAND_SEARCH);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, part, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, max);
	int n = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < max)
		read_candidate(s, &out[n++]);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_sqlfail(st, "search candidates");
	return n;
}

int store_candidate_insert(struct store *st, struct store_candidate *c, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, Q_CAND_INSERT);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, c->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, c->email, -1, SQLITE_TRANSIENT);
	store_bind_text(s, 3, c->tz);
	sqlite3_bind_int64(s, 4, now);
	if (store_run(st, s, "add candidate") < 0)
		return -1;
	c->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_candidate_set_tz(struct store *st, int64_t id, const char *tz)
{
	sqlite3_stmt *s = store_stmt(st, Q_CAND_SET_TZ);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, tz);
	return store_run(st, s, "set candidate time zone");
}

static void read_id(sqlite3_stmt *s, void *out) { *(int64_t *)out = sqlite3_column_int64(s, 0); }

int store_job_find(struct store *st, const char *title, int64_t *id)
{
	return store_lookup(st, Q_JOB_BY_TITLE, title, 0, read_id, id);
}

int store_job_ensure(struct store *st, const char *title, int64_t *id)
{
	int rc = store_job_find(st, title, id);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	sqlite3_stmt *s = store_stmt(st, Q_JOB_INSERT);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, title, -1, SQLITE_TRANSIENT);
	if (store_run(st, s, "add job") < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}
