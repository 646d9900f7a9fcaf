/* replies.c: what replies by email need — feedback requests (the ids signed into
 * reply addresses), the IMAP poller's place in its mailbox, the meta values. */
#include "store/internal.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

int store_freq_add(struct store *st, int64_t interview_id, int64_t person_id, int64_t now, int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st, Q_FREQ_ADD);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, interview_id);
	sqlite3_bind_int64(s, 2, person_id);
	sqlite3_bind_int64(s, 3, now);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : store_sqlfail(st, "add a feedback request");
}

static void read_freq(sqlite3_stmt *s, void *out)
{
	struct store_freq *f = out;
	f->id = sqlite3_column_int64(s, 0);
	f->interview_id = sqlite3_column_int64(s, 1);
	f->person_id = sqlite3_column_int64(s, 2);
	f->created_at = sqlite3_column_int64(s, 3);
	f->nudged_at = sqlite3_column_int64(s, 4);
}

int store_freq_get(struct store *st, int64_t id, struct store_freq *f)
{
	return store_lookup(st, Q_FREQ_GET, NULL, id, read_freq, f);
}

int store_freq_nudge(struct store *st, int64_t id, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, Q_FREQ_NUDGE);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	if (store_run(st, s, "record a nudge") < 0)
		return -1;
	return sqlite3_changes(sqlite3_db_handle(s)) == 1;
}

struct place {
	int64_t uidvalidity, last_uid;
};

static void read_place(sqlite3_stmt *s, void *out)
{
	struct place *p = out;
	p->uidvalidity = sqlite3_column_int64(s, 0);
	p->last_uid = sqlite3_column_int64(s, 1);
}

int store_imap_get(struct store *st, const char *mailbox, int64_t *uidvalidity, int64_t *last_uid)
{
	struct place p = {0, 0};
	int rc = store_lookup(st, Q_IMAP_GET, mailbox, 0, read_place, &p);
	*uidvalidity = p.uidvalidity;
	*last_uid = p.last_uid;
	return rc;
}

int store_imap_put(struct store *st, const char *mailbox, int64_t uidvalidity, int64_t last_uid)
{
	sqlite3_stmt *s = store_stmt(st, Q_IMAP_PUT);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, last_uid);
	return store_run(st, s, "record the IMAP place");
}

static void read_value(sqlite3_stmt *s, void *out)
{
	char **buf = out;
	const unsigned char *v = sqlite3_column_text(s, 0);
	snprintf(buf[0], (size_t)(buf[1] - buf[0]), "%s", v ? (const char *)v : "");
}

int store_meta(struct store *st, const char *key, char *buf, size_t len)
{
	char *span[2] = {buf, buf + len};
	return store_lookup(st, Q_META_GET, key, 0, read_value, span);
}

static void read_id(sqlite3_stmt *s, void *out) { *(int64_t *)out = sqlite3_column_int64(s, 0); }

int store_chain_current(struct store *st, int64_t root, int64_t *id)
{
	return store_lookup(st, Q_CHAIN_CURRENT, NULL, root, read_id, id);
}

int store_rsvp_put(struct store *st, int64_t interview_id, const char *email, const char *partstat,
                   const char *comment, int64_t at)
{
	sqlite3_stmt *s = store_stmt(st, Q_RSVP_PUT);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, interview_id);
	sqlite3_bind_text(s, 2, email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, partstat, -1, SQLITE_TRANSIENT);
	store_bind_text(s, 4, comment);
	sqlite3_bind_int64(s, 5, at);
	return store_run(st, s, "record an answer to an invite");
}

int store_rsvps(struct store *st, int64_t interview_id,
                void (*fn)(const char *email, const char *partstat, const char *comment, int64_t at, void *arg),
                void *arg)
{
	sqlite3_stmt *s = store_stmt(st, Q_RSVPS_OF);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, interview_id);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
		   (const char *)sqlite3_column_text(s, 2), sqlite3_column_int64(s, 3), arg);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_sqlfail(st, "read answers to invites");
}
