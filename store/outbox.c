/* outbox.c: messages waiting for their transport. Rows are added inside the
 * transaction of the change that causes them and drained by one sender per transport. */
#include "store/internal.h"
#include "store/store.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

void store_outbox_clear(struct store_outbox_row *r)
{
	if (!r)
		return;
	free(r->payload);
	r->payload = NULL;
}

int store_outbox_add(struct store *st, const char *transport, const char *kind, const char *recipient,
                     int64_t interview_id, const char *payload, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, Q_OUTBOX_ADD);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, transport, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, recipient, -1, SQLITE_TRANSIENT);
	store_bind_id(s, 5, interview_id);
	sqlite3_bind_text(s, 6, payload, -1, SQLITE_TRANSIENT);
	return store_run(st, s, "queue message");
}

int store_chat_add(struct store *st, const char *handle, const char *kind, int64_t interview_id, const char *text,
                   int64_t now)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "text", text);
	char *payload = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!payload)
		return store_fail(st, "out of memory");
	int rc = store_outbox_add(st, "chat", kind, handle, interview_id, payload, now);
	free(payload);
	return rc;
}

static void read_min(sqlite3_stmt *s, void *out) { *(int64_t *)out = sqlite3_column_int64(s, 0); }

static void read_row(sqlite3_stmt *s, void *out)
{
	struct store_outbox_row *r = out;
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	r->interview_id = sqlite3_column_int64(s, 1);
	r->created_at = sqlite3_column_int64(s, 2);
	r->next_try = sqlite3_column_int64(s, 3);
	r->attempts = sqlite3_column_int(s, 4);
	store_col_text(s, 5, r->transport, sizeof r->transport);
	store_col_text(s, 6, r->kind, sizeof r->kind);
	store_col_text(s, 7, r->recipient, sizeof r->recipient);
	r->payload = store_col_dup(s, 8);
}

static int next_row(struct store *st, enum store_q q, const char *transport, const char *recipient, int64_t now,
                    struct store_outbox_row *r)
{
	sqlite3_stmt *s = store_stmt(st, q);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, transport, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	if (recipient)
		sqlite3_bind_text(s, 3, recipient, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_row(s, r);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlfail(st, "read outbox");
	return rc == SQLITE_ROW;
}

int store_outbox_next(struct store *st, const char *transport, int64_t now, struct store_outbox_row *r)
{
	return next_row(st, Q_OUTBOX_NEXT, transport, NULL, now, r);
}

int store_outbox_next_to(struct store *st, const char *transport, const char *recipient, int64_t now,
                         struct store_outbox_row *r)
{
	return next_row(st, Q_OUTBOX_NEXT_TO, transport, recipient, now, r);
}

/* UPDATE outbox SET ... WHERE id = ?1, with ?2 a time and ?3 an optional error. */
static int mark(struct store *st, enum store_q q, int64_t id, int64_t when, const char *error)
{
	sqlite3_stmt *s = store_stmt(st, q);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, when);
	if (q != Q_OUTBOX_SENT)
		store_bind_text(s, 3, error);
	return store_run(st, s, "update outbox");
}

int store_outbox_sent(struct store *st, int64_t id, int64_t now) { return mark(st, Q_OUTBOX_SENT, id, now, NULL); }

int store_outbox_retry(struct store *st, int64_t id, int64_t next_try, const char *error)
{
	return mark(st, Q_OUTBOX_RETRY, id, next_try, error);
}

int store_outbox_failed(struct store *st, int64_t id, int64_t now, const char *error)
{
	return mark(st, Q_OUTBOX_FAILED, id, now, error);
}

int64_t store_outbox_next_due(struct store *st, const char *transport)
{
	int64_t due = 0;
	store_lookup(st, Q_OUTBOX_NEXT_DUE, transport, 0, read_min, &due);
	return due;
}

int store_outbox_earlier(struct store *st, const struct store_outbox_row *row, int64_t root)
{
	sqlite3_stmt *s = store_stmt(st, Q_OUTBOX_EARLIER);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, row->recipient, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, row->id);
	sqlite3_bind_int64(s, 3, root);
	int rc = sqlite3_step(s);
	int n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_reset(s);
	return n < 0 ? store_sqlfail(st, "read outbox") : n;
}

int64_t store_outbox_next_due2(struct store *st, const char *a, const char *b)
{
	int64_t x = store_outbox_next_due(st, a), y = store_outbox_next_due(st, b);
	return !x ? y : !y ? x : x < y ? x : y;
}
