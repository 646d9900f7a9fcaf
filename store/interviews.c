/* interviews.c: interviews, their panels and feedback; lists, conflicts and counts. */
#include "store/internal.h"
#include "store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void store_interview_clear(struct store_interview *iv)
{
	if (!iv)
		return;
	for (int i = 0; i < iv->nfeedback; i++) {
		free(iv->feedback[i].feedback);
		free(iv->feedback[i].notes);
	}
	free(iv->feedback);
	iv->feedback = NULL;
	iv->nfeedback = 0;
}

void store_interviews_free(struct store_interview *ivs, int n)
{
	for (int i = 0; ivs && i < n; i++)
		store_interview_clear(&ivs[i]);
	free(ivs);
}

/* Reads the columns of IV_COLS (store/sql.c) in their order. */
static void read_interview(sqlite3_stmt *s, struct store_interview *iv)
{
	char word[16];
	memset(iv, 0, sizeof *iv);
	int64_t *ids[] = {&iv->id, &iv->candidate_id, &iv->job_id, &iv->created_by, &iv->start,
	                  &iv->created_at, &iv->updated_at, &iv->started_at, &iv->completed_at,
	                  &iv->rescheduled_from, &iv->rescheduled_to};
	for (int i = 0; i < 11; i++)
		*ids[i] = sqlite3_column_int64(s, i);
	iv->duration = sqlite3_column_int(s, 11);
	iv->round = sqlite3_column_int(s, 12);
	store_col_text(s, 13, word, sizeof word);
	iv->type = (enum store_type)store_type_parse(word);
	store_col_text(s, 14, word, sizeof word);
	iv->status = (enum store_status)store_status_parse(word);
	store_col_text(s, 15, iv->location, sizeof iv->location);
	store_col_text(s, 16, iv->link, sizeof iv->link);
	store_col_text(s, 17, iv->notes, sizeof iv->notes);
	store_col_text(s, 18, iv->cancel_reason, sizeof iv->cancel_reason);
	store_col_text(s, 19, iv->candidate_name, sizeof iv->candidate_name);
	store_col_text(s, 20, iv->candidate_email, sizeof iv->candidate_email);
	store_col_text(s, 21, iv->candidate_tz, sizeof iv->candidate_tz);
	store_col_text(s, 22, iv->job_title, sizeof iv->job_title);
	iv->root_id = sqlite3_column_int64(s, 23);
	iv->sequence = sqlite3_column_int(s, 24);
}

static int load_panel(struct store *st, struct store_interview *iv)
{
	sqlite3_stmt *s = store_stmt(st, Q_PANEL_OF);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, iv->id);
	int rc;
	iv->npanel = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && iv->npanel < STORE_PANEL_MAX) {
		struct store_panelist *p = &iv->panel[iv->npanel++];
		p->id = sqlite3_column_int64(s, 0);
		store_col_text(s, 1, p->handle, sizeof p->handle);
		store_col_text(s, 2, p->name, sizeof p->name);
		store_col_text(s, 3, p->email, sizeof p->email);
		store_col_text(s, 4, p->tz, sizeof p->tz);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_sqlfail(st, "read panel");
}

static int read_feedback(sqlite3_stmt *s, struct store_feedback *f)
{
	char word[16];
	memset(f, 0, sizeof *f);
	f->person_id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, f->handle, sizeof f->handle);
	f->rating = sqlite3_column_int(s, 2);
	store_col_text(s, 3, word, sizeof word);
	int r = store_rec_parse(word);
	f->rec = r < 0 ? REC_NONE : (enum store_rec)r;
	f->feedback = store_col_dup(s, 4);
	f->notes = store_col_dup(s, 5);
	store_col_text(s, 6, f->source, sizeof f->source);
	f->updated_at = sqlite3_column_int64(s, 7);
	return 0;
}

static void add_rsvp(const char *email, const char *partstat, const char *comment, int64_t at, void *arg)
{
	struct store_interview *iv = arg;
	(void)comment, (void)at;
	if (iv->nrsvp == STORE_PANEL_MAX + 1)
		return;
	struct store_rsvp *r = &iv->rsvp[iv->nrsvp++];
	snprintf(r->email, sizeof r->email, "%s", email);
	snprintf(r->partstat, sizeof r->partstat, "%s", partstat);
}

int store_interview_feedback(struct store *st, struct store_interview *iv)
{
	sqlite3_stmt *s = store_stmt(st, Q_FEEDBACK_OF);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, iv->id);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_feedback *grown = realloc(iv->feedback, (size_t)(iv->nfeedback + 1) * sizeof *grown);
		if (!grown) {
			sqlite3_reset(s);
			return store_fail(st, "out of memory");
		}
		iv->feedback = grown;
		read_feedback(s, &iv->feedback[iv->nfeedback++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlfail(st, "read feedback");
	return store_interview_rsvps(st, iv);
}

int store_interview_rsvps(struct store *st, struct store_interview *iv)
{
	iv->nrsvp = 0;
	return store_rsvps(st, iv->id, add_rsvp, iv);
}

int store_interview_get(struct store *st, int64_t id, struct store_interview *iv, int with_feedback)
{
	sqlite3_stmt *s = store_stmt(st, Q_IV_GET);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_interview(s, iv);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_sqlfail(st, "read interview");
	if (load_panel(st, iv) < 0 || (with_feedback && store_interview_feedback(st, iv) < 0)) {
		store_interview_clear(iv);
		return -1;
	}
	return 1;
}

static int insert_panel(struct store *st, const struct store_interview *iv)
{
	for (int i = 0; i < iv->npanel; i++) {
		sqlite3_stmt *s = store_stmt(st, Q_PANEL_INSERT);
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, iv->id);
		sqlite3_bind_int64(s, 2, iv->panel[i].id);
		sqlite3_bind_int(s, 3, i);
		sqlite3_bind_int64(s, 4, iv->start);
		sqlite3_bind_int64(s, 5, iv->start + (int64_t)iv->duration * 60);
		if (store_run(st, s, "add panel member") < 0)
			return -1;
	}
	return 0;
}

void store_location_key(const char *loc, char *key, size_t len)
{
	size_t n = 0;
	int space = 0;
	for (; *loc && n + 2 < len; loc++) {
		if (isspace((unsigned char)*loc)) {
			space = n > 0;
			continue;
		}
		if (space)
			key[n++] = ' ';
		space = 0;
		key[n++] = (char)tolower((unsigned char)*loc);
	}
	key[n] = 0;
}

int store_interview_insert(struct store *st, struct store_interview *iv)
{
	sqlite3_stmt *s = store_stmt(st, Q_IV_INSERT);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, iv->candidate_id);
	store_bind_id(s, 2, iv->job_id);
	sqlite3_bind_int64(s, 3, iv->start);
	sqlite3_bind_int(s, 4, iv->duration);
	sqlite3_bind_text(s, 5, store_type_name(iv->type), -1, SQLITE_STATIC);
	store_bind_text(s, 6, iv->location);
	store_bind_text(s, 7, iv->link);
	store_bind_text(s, 8, iv->notes);
	sqlite3_bind_text(s, 9, store_status_name(iv->status), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 10, iv->round);
	store_bind_id(s, 11, iv->created_by);
	store_bind_id(s, 12, iv->rescheduled_from);
	sqlite3_bind_int64(s, 13, iv->created_at);
	char key[STORE_TEXT_MAX + 1];
	store_location_key(iv->location, key, sizeof key);
	store_bind_text(s, 14, key);
	store_bind_id(s, 15, iv->root_id);
	sqlite3_bind_int(s, 16, iv->sequence);
	if (store_run(st, s, "add interview") < 0)
		return -1;
	iv->id = sqlite3_last_insert_rowid(st->db);
	return insert_panel(st, iv);
}

int store_interview_update(struct store *st, const struct store_interview *iv)
{
	sqlite3_stmt *s = store_stmt(st, Q_IV_UPDATE);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, iv->id);
	sqlite3_bind_text(s, 2, store_status_name(iv->status), -1, SQLITE_STATIC);
	store_bind_text(s, 3, iv->cancel_reason);
	store_bind_id(s, 4, iv->rescheduled_to);
	store_bind_id(s, 5, iv->started_at);
	store_bind_id(s, 6, iv->completed_at);
	sqlite3_bind_int64(s, 7, iv->updated_at);
	sqlite3_bind_int(s, 8, iv->sequence);
	return store_run(st, s, "update interview");
}

/* Chooses the statement whose index fits the filter best: a candidate's rows, a
 * person's panels, or a time range. */
static void list_queries(const struct store_filter *f, enum store_q *list, enum store_q *count)
{
	if (f->candidate_id) {
		*list = f->desc ? Q_LIST_CAND_DESC : Q_LIST_CAND_ASC;
		*count = Q_COUNT_CAND;
	} else if (f->person_id) {
		*list = f->desc ? Q_LIST_PERSON_DESC : Q_LIST_PERSON_ASC;
		*count = Q_COUNT_PERSON;
	} else {
		*list = f->desc ? Q_LIST_RANGE_DESC : Q_LIST_RANGE_ASC;
		*count = f->job_id ? Q_COUNT_RANGE_JOB : Q_COUNT_RANGE;
	}
}

static void bind_filter(sqlite3_stmt *s, const struct store_filter *f)
{
	int unbounded = f->from == 0 && f->to == 0;
	sqlite3_bind_int64(s, 1, unbounded ? INT64_MIN : f->from);
	sqlite3_bind_int64(s, 2, unbounded ? INT64_MAX : f->to);
	for (int i = 0, k = 8; i < ST_COUNT; i++) /* ?8..?12, F_STATUS in store/sql.c */
		if (!f->status_mask || (f->status_mask & (1u << i)))
			sqlite3_bind_text(s, k++, store_status_name((enum store_status)i), -1, SQLITE_STATIC);
	store_bind_id(s, 4, f->candidate_id);
	store_bind_id(s, 5, f->person_id);
	store_bind_id(s, 6, f->job_id);
}

static int count_matches(struct store *st, enum store_q q, const struct store_filter *f, int *total)
{
	sqlite3_stmt *s = store_stmt(st, q);
	if (!s)
		return -1;
	bind_filter(s, f);
	int rc = sqlite3_step(s);
	*total = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : store_sqlfail(st, "count interviews");
}

int store_interview_list(struct store *st, const struct store_filter *f, struct store_interview **out, int *n,
                         int *total)
{
	enum store_q lq, cq;
	list_queries(f, &lq, &cq);
	*out = NULL;
	*n = 0;
	if (count_matches(st, cq, f, total) < 0)
		return -1;
	int want = *total < f->limit ? *total : f->limit;
	if (want <= 0)
		return 0;
	struct store_interview *ivs = calloc((size_t)want, sizeof *ivs);
	sqlite3_stmt *s = ivs ? store_stmt(st, lq) : NULL;
	if (!s) {
		free(ivs);
		return ivs ? -1 : store_fail(st, "out of memory");
	}
	bind_filter(s, f);
	sqlite3_bind_int(s, 7, want);
	int rc, got = 0;
	while (got < want && (rc = sqlite3_step(s)) == SQLITE_ROW)
		read_interview(s, &ivs[got++]);
	sqlite3_reset(s);
	for (int i = 0; i < got; i++)
		if (load_panel(st, &ivs[i]) < 0) {
			store_interviews_free(ivs, got);
			return -1;
		}
	*out = ivs;
	*n = got;
	return 0;
}

static void id_array(const int64_t *ids, int n, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "[");
	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%lld", i ? "," : "", (long long)ids[i]);
	if (off < len)
		snprintf(buf + off, len - off, "]");
}

int store_interview_conflicts(struct store *st, int64_t start, int64_t end, int64_t candidate_id,
                              const int64_t *person_ids, int npersons, const char *location_key,
                              int64_t exclude_id, struct store_interview *out, int max)
{
	char ids[STORE_PANEL_MAX * 24 + 8];
	int64_t found[16];
	int n = 0, rc;
	sqlite3_stmt *s = store_stmt(st, Q_CONFLICTS);
	if (!s)
		return -1;
	id_array(person_ids, npersons, ids, sizeof ids);
	sqlite3_bind_int64(s, 1, start);
	sqlite3_bind_int64(s, 2, end);
	sqlite3_bind_int64(s, 3, candidate_id);
	sqlite3_bind_text(s, 4, ids, -1, SQLITE_TRANSIENT);
	store_bind_text(s, 5, location_key);
	sqlite3_bind_int64(s, 6, exclude_id);
	sqlite3_bind_int(s, 7, max < 16 ? max : 16);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < 16)
		found[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_sqlfail(st, "check conflicts");
	for (int i = 0; i < n; i++)
		if (store_interview_get(st, found[i], &out[i], 0) < 0)
			return -1;
	return n;
}

int store_interview_latest(struct store *st, int64_t candidate_id, struct store_interview *iv)
{
	sqlite3_stmt *s = store_stmt(st, Q_LATEST);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, candidate_id);
	int rc = sqlite3_step(s);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlfail(st, "read latest interview");
	return id ? store_interview_get(st, id, iv, 0) : 0;
}

int store_feedback_put(struct store *st, int64_t interview_id, int64_t person_id, int rating, enum store_rec rec,
                       const char *feedback, const char *notes, const char *source, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, Q_FEEDBACK_PUT);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, interview_id);
	sqlite3_bind_int64(s, 2, person_id);
	if (rating)
		sqlite3_bind_int(s, 3, rating);
	store_bind_text(s, 4, rec ? store_rec_name(rec) : NULL);
	store_bind_text(s, 5, feedback);
	store_bind_text(s, 6, notes);
	sqlite3_bind_text(s, 7, source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 8, now);
	return store_run(st, s, "save feedback");
}

/* One count(*) with up to three bound integers and one text. */
static int count1(struct store *st, enum store_q q, int64_t a, int64_t b, int64_t c, const char *text, int *out)
{
	sqlite3_stmt *s = store_stmt(st, q);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	if (text)
		sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 2, b);
	if (c)
		sqlite3_bind_int64(s, 3, c);
	int rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : store_sqlfail(st, "count");
}

static int totals(struct store *st, struct store_stats *out)
{
	sqlite3_stmt *s = store_stmt(st, Q_STATS_TOTALS);
	if (!s)
		return -1;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		int n = sqlite3_column_int(s, 1);
		if (strcmp(name, "completed") == 0)
			out->completed = n;
		else
			out->cancelled = n;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_sqlfail(st, "read totals");
}

int store_stats(struct store *st, int64_t person_id, int64_t day_from, int64_t day_to, int64_t week_from,
                int64_t week_to, struct store_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!person_id)
		return count1(st, Q_STATS_RANGE, day_from, day_to, 0, NULL, &out->today) < 0 ||
		               count1(st, Q_STATS_RANGE, week_from, week_to, 0, NULL, &out->this_week) < 0 ||
		               totals(st, out) < 0
		           ? -1
		           : 0;
	if (count1(st, Q_STATS_PERSON_RANGE, day_from, day_to, person_id, NULL, &out->today) < 0 ||
	    count1(st, Q_STATS_PERSON_RANGE, week_from, week_to, person_id, NULL, &out->this_week) < 0 ||
	    count1(st, Q_STATS_PERSON_STATUS, person_id, 0, 0, "completed", &out->completed) < 0 ||
	    count1(st, Q_STATS_PERSON_STATUS, person_id, 0, 0, "cancelled", &out->cancelled) < 0)
		return -1;
	return 0;
}

int store_audit(struct store *st, int64_t now, int64_t actor_id, const char *via, const char *action,
                int64_t interview_id, const char *detail)
{
	sqlite3_stmt *s = store_stmt(st, Q_AUDIT);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	store_bind_id(s, 2, actor_id);
	sqlite3_bind_text(s, 3, via, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, action, -1, SQLITE_TRANSIENT);
	store_bind_id(s, 5, interview_id);
	store_bind_text(s, 6, detail);
	return store_run(st, s, "write audit log");
}

int store_inbound_known(struct store *st, const char *key)
{
	sqlite3_stmt *s = store_stmt(st, Q_INBOUND_SEEN);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlfail(st, "read idempotency key");
	return rc == SQLITE_ROW;
}

int store_inbound_seen(struct store *st, const char *key, const char *via, int64_t now)
{
	int known = store_inbound_known(st, key);
	if (known != 0)
		return known;
	sqlite3_stmt *s = store_stmt(st, Q_INBOUND_ADD);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, via, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	return store_run(st, s, "record idempotency key");
}

int64_t store_interview_max_id(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, Q_MAX_INTERVIEW);
	int64_t max = -1;
	if (s && sqlite3_step(s) == SQLITE_ROW)
		max = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	return max;
}
