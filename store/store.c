/* store.c: connection, migrations, transactions and the named prepared statements.
 * The queries for each kind of row live in store/people.c, store/interviews.c and
 * store/outbox.c; they reach statements through store_stmt(). */
#include "store/store.h"
#include "store/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Generated from the .sql files in store/migrations by the Makefile, oldest first:
 * pairs of file name and SQL, ending with a NULL name. */
extern const char *const store_migrations[];

static const char *const names_type[TYPE_COUNT] = {"phone", "video", "in_person", "technical", "hr", "final"};
static const char *const names_status[ST_COUNT] = {"scheduled", "in_progress", "completed", "cancelled",
                                                   "rescheduled"};
static const char *const names_rec[REC_COUNT] = {"", "proceed", "hire", "reject", "maybe"};
static const char *const names_role[] = {"", "interviewer", "recruiter"};

const char *store_type_name(enum store_type t) { return names_type[t]; }
const char *store_status_name(enum store_status s) { return names_status[s]; }
const char *store_rec_name(enum store_rec r) { return names_rec[r]; }
const char *store_role_name(enum store_role r) { return names_role[r]; }

static int parse_name(const char *const *names, int n, int first, const char *s)
{
	for (int i = first; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int store_type_parse(const char *s) { return parse_name(names_type, TYPE_COUNT, 0, s); }
int store_status_parse(const char *s) { return parse_name(names_status, ST_COUNT, 0, s); }
int store_rec_parse(const char *s) { return parse_name(names_rec, REC_COUNT, 1, s); }
int store_role_parse(const char *s) { return parse_name(names_role, 3, 1, s); }

int store_fail(struct store *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	return -1;
}

int store_sqlfail(struct store *st, const char *what)
{
	return store_fail(st, "%s: %s", what, sqlite3_errmsg(st->db));
}

const char *store_error(const struct store *st) { return st->err; }

int store_schema_version(void)
{
	int n = 0;
	while (store_migrations[2 * n])
		n++;
	return n;
}

sqlite3_stmt *store_stmt(struct store *st, enum store_q q)
{
	if (st->stmts[q]) {
		sqlite3_reset(st->stmts[q]);
		sqlite3_clear_bindings(st->stmts[q]);
		return st->stmts[q];
	}
	if (sqlite3_prepare_v3(st->db, store_sql[q], -1, SQLITE_PREPARE_PERSISTENT, &st->stmts[q], NULL) !=
	    SQLITE_OK) {
		store_sqlfail(st, "prepare");
		return NULL;
	}
	return st->stmts[q];
}

/* Runs a statement that returns no rows; 0 or -1. */
int store_run(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_sqlfail(st, what);
	return 0;
}

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_id(sqlite3_stmt *s, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

void store_col_text(sqlite3_stmt *s, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

char *store_col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? strdup((const char *)t) : NULL;
}

int store_lookup(struct store *st, enum store_q q, const char *key, int64_t id,
                 void (*read)(sqlite3_stmt *s, void *out), void *out)
{
	sqlite3_stmt *s = store_stmt(st, q);
	if (!s)
		return -1;
	if (key)
		sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read(s, out);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlfail(st, "lookup");
	return rc == SQLITE_ROW;
}

static void read_text(sqlite3_stmt *s, void *out)
{
	char *buf = out;
	store_col_text(s, 0, buf, 64);
}

int store_instance(struct store *st, char *buf, size_t len)
{
	char v[64];
	int rc = store_lookup(st, Q_META_GET, "instance", 0, read_text, v);
	if (rc <= 0)
		return rc < 0 ? -1 : store_fail(st, "the database has no instance name");
	snprintf(buf, len, "%s", v);
	return 0;
}

static int exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	store_fail(st, "%s", msg ? msg : sqlite3_errmsg(st->db));
	sqlite3_free(msg);
	return -1;
}

static int user_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return store_sqlfail(st, "read schema version");
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Applies every migration newer than the file, each in its own transaction together
 * with the new user_version, so a crash leaves the file at a version it names. */
static int migrate(struct store *st, const char *path)
{
	int have = user_version(st), want = store_schema_version();
	if (have < 0)
		return -1;
	if (have > want)
		return store_fail(st, "%s has schema version %d, but this interviewd knows only up to %d; "
		                      "use a newer interviewd (or restore a backup)", path, have, want);
	for (int v = have; v < want; v++) {
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
		if (exec(st, "BEGIN IMMEDIATE") < 0)
			return -1;
		if (exec(st, store_migrations[2 * v + 1]) < 0 || exec(st, bump) < 0) {
			char why[sizeof st->err];
			snprintf(why, sizeof why, "%s", st->err);
			exec(st, "ROLLBACK");
			return store_fail(st, "%s: migration to schema %d failed: %s", path, v + 1, why);
		}
		if (exec(st, "COMMIT") < 0)
			return -1;
	}
	return 0;
}

/* No automatic checkpoints: SQLite runs them inside the COMMIT of whichever request takes
 * the WAL past 1000 pages, which put 10-30 ms of copying and fsync into one reply in
 * sixty. The mail thread calls store_checkpoint instead (bot/sender.c). */
static int configure(struct store *st)
{
	sqlite3_busy_timeout(st->db, 5000);
	if (exec(st, "PRAGMA journal_mode = WAL") < 0 || exec(st, "PRAGMA foreign_keys = ON") < 0 ||
	    exec(st, "PRAGMA synchronous = NORMAL") < 0 ||
	    exec(st, "PRAGMA wal_autocheckpoint = 0") < 0 ||
	    exec(st, "PRAGMA cache_size = -8192") < 0) /* 8 MiB: a digest reads ~25 MiB of pages */
		return -1;
	return 0;
}

/* PASSIVE: copies what no reader still needs and never waits; a WAL that is all copied
 * already costs nothing. */
int store_checkpoint(struct store *st) { return exec(st, "PRAGMA wal_checkpoint(PASSIVE)"); }

static int copy_to(sqlite3 *from, sqlite3 *to, char *err, size_t errlen)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	if (!b) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(to));
		return -1;
	}
	int rc;
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(50);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

static int quick_check(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int ok = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
	         strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0;
	if (!ok)
		snprintf(err, errlen, "the copy fails its check: %s", s ? (const char *)sqlite3_column_text(s, 0) : "?");
	sqlite3_finalize(s);
	return ok ? 0 : -1;
}

int store_backup(struct store *st, const char *path, char *err, size_t errlen)
{
	char tmp[4200];
	sqlite3 *to = NULL;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	unlink(tmp);
	int rc = sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "%s: %s", tmp, to ? sqlite3_errmsg(to) : sqlite3_errstr(rc));
	else if (copy_to(st->db, to, err, errlen) < 0 || quick_check(to, err, errlen) < 0)
		rc = SQLITE_ERROR;
	sqlite3_close(to);
	if (rc == SQLITE_OK && rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_OK)
		unlink(tmp);
	return rc == SQLITE_OK ? 0 : -1;
}

int store_init(void)
{
	/* No bulk page-cache allocation per b-tree: every CHECK (x IN (...)) and UNION opens
	 * a throwaway b-tree whose ~85 KiB bulk, freed when the statement ends, made glibc
	 * give the heap top back to the kernel (brk, a TLB flush on every core) once per
	 * INSERT or status UPDATE of an interview. */
	return sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0) == SQLITE_OK ? 0 : -1;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		         st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return NULL;
	}
	if (configure(st) < 0 || migrate(st, path) < 0) {
		snprintf(err, errlen, "%s", st->err);
		store_close(st);
		return NULL;
	}
	return st;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	sqlite3_close(st->db);
	free(st);
}

/* Opens the outermost transaction with OUTER, one inside it as savepoint "sN". */
static int open_tx(struct store *st, const char *outer)
{
	char sql[32];
	snprintf(sql, sizeof sql, "SAVEPOINT s%d", st->depth);
	if (exec(st, st->depth && st->nesting ? sql : outer) < 0) /* unasked nesting fails, as it should */
		return -1;
	st->depth++;
	return 0;
}

int store_begin(struct store *st) { return open_tx(st, "BEGIN IMMEDIATE"); }

int store_begin_outer(struct store *st)
{
	if (st->depth || open_tx(st, "BEGIN IMMEDIATE") < 0)
		return st->depth ? store_fail(st, "a transaction is open already") : -1;
	st->nesting = 1;
	return 0;
}

int store_begin_read(struct store *st) { return open_tx(st, "BEGIN"); }

int store_commit(struct store *st)
{
	char sql[32];
	snprintf(sql, sizeof sql, "RELEASE s%d", st->depth - 1);
	if (exec(st, st->depth > 1 ? sql : "COMMIT") == 0) {
		st->depth -= st->depth > 0;
		st->nesting &= st->depth > 0;
		return 0;
	}
	store_rollback(st);
	return -1;
}

void store_rollback(struct store *st)
{
	char sql[64];
	if (st->depth > 1) {
		st->depth--;
		snprintf(sql, sizeof sql, "ROLLBACK TO s%d; RELEASE s%d", st->depth, st->depth);
		sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		return;
	}
	st->depth = st->nesting = 0;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}
