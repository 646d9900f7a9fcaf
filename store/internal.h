/* store/internal.h: what the store's own files share — the connection struct, the
 * names of the prepared statements and small binding helpers. Not for use outside
 * store/. */
#ifndef INTERVIEWD_STORE_INTERNAL_H
#define INTERVIEWD_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

enum store_q {
	Q_PERSON_BY_ID,
	Q_PERSON_BY_HANDLE,
	Q_PERSON_BY_EMAIL,
	Q_PERSON_BY_SLACK,
	Q_PERSON_BY_MATRIX,
	Q_PERSON_UPSERT,
	Q_PEOPLE_UNCONFIGURE,
	Q_PERSON_INSERT,
	Q_PERSON_SET_TZ,
	Q_PERSON_HANDLES,
	Q_CAND_BY_EMAIL,
	Q_CAND_BY_ID,
	Q_CAND_SEARCH,
	Q_CAND_INSERT,
	Q_CAND_SET_TZ,
	Q_JOB_BY_TITLE,
	Q_JOB_INSERT,
	Q_IV_INSERT,
	Q_PANEL_INSERT,
	Q_IV_GET,
	Q_IV_UPDATE,
	Q_PANEL_OF,
	Q_FEEDBACK_OF,
	Q_LIST_RANGE_ASC,
	Q_LIST_RANGE_DESC,
	Q_COUNT_RANGE,
	Q_COUNT_RANGE_JOB,
	Q_LIST_CAND_ASC,
	Q_LIST_CAND_DESC,
	Q_COUNT_CAND,
	Q_LIST_PERSON_ASC,
	Q_LIST_PERSON_DESC,
	Q_COUNT_PERSON,
	Q_CONFLICTS,
	Q_LATEST,
	Q_FEEDBACK_PUT,
	Q_STATS_RANGE,
	Q_STATS_TOTALS,
	Q_STATS_PERSON_RANGE,
	Q_STATS_PERSON_STATUS,
	Q_DUTY_ADD,
	Q_DUTY_DROP,
	Q_DUTY_NEXT,
	Q_DUTY_NEXT_DUE,
	Q_DUTY_DONE,
	Q_DIGEST_SENT,
	Q_DIGEST_ADD,
	Q_FEEDBACK_GIVEN,
	Q_OVERDUE,
	Q_META_GET,
	Q_AUDIT,
	Q_INBOUND_SEEN,
	Q_INBOUND_ADD,
	Q_OUTBOX_ADD,
	Q_OUTBOX_NEXT,
	Q_OUTBOX_NEXT_TO,
	Q_OUTBOX_EARLIER,
	Q_OUTBOX_SENT,
	Q_OUTBOX_RETRY,
	Q_OUTBOX_FAILED,
	Q_OUTBOX_NEXT_DUE,
	Q_OUTBOX_PENDING,
	Q_OUTBOX_DEFER,
	Q_PERSON_SET_SLACK,
	Q_SLACK_USER_GET,
	Q_SLACK_USER_PUT,
	Q_SLACK_DM_GET,
	Q_SLACK_DM_PUT,
	Q_SLACK_CARD_PUT,
	Q_SLACK_CARDS,
	Q_FREQ_ADD,
	Q_FREQ_GET,
	Q_FREQ_NUDGE,
	Q_IMAP_GET,
	Q_IMAP_PUT,
	Q_CHAIN_CURRENT,
	Q_RSVP_PUT,
	Q_RSVPS_OF,
	Q_META_PUT,
	Q_MATRIX_USER_GET,
	Q_MATRIX_USER_PUT,
	Q_MATRIX_DM_GET,
	Q_MATRIX_DM_PUT,
	Q_MATRIX_DM_DROP,
	Q_MATRIX_TOLD,
	Q_ACCESS_GET,
	Q_MAX_INTERVIEW,
	Q_ACCESS_BUMP,
	Q_COUNT
};

extern const char *const store_sql[Q_COUNT];

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[Q_COUNT];
	char err[512];
	int depth;   /* open transactions: the outermost is BEGIN, the ones inside savepoints */
	int nesting; /* the outermost came from store_begin_outer: later begins nest */
};

/* The statement Q, reset and with bindings cleared; NULL (error set) on failure. */
sqlite3_stmt *store_stmt(struct store *st, enum store_q q);
/* Steps a statement that returns no rows; 0 or -1 with the error set. */
int store_run(struct store *st, sqlite3_stmt *s, const char *what);
int store_fail(struct store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int store_sqlfail(struct store *st, const char *what);
/* Binds NULL for an empty string / a zero id. */
void store_bind_text(sqlite3_stmt *s, int i, const char *v);
void store_bind_id(sqlite3_stmt *s, int i, int64_t v);
void store_col_text(sqlite3_stmt *s, int i, char *buf, size_t len);
/* strdup of a column; NULL for NULL. */
char *store_col_dup(sqlite3_stmt *s, int i);

/* Runs the one-row lookup Q keyed by KEY (text) or, when KEY is NULL, by ID; READ fills
 * OUT from the row. 1 found, 0 not found, -1 error. */
int store_lookup(struct store *st, enum store_q q, const char *key, int64_t id,
                 void (*read)(sqlite3_stmt *s, void *out), void *out);

#endif
