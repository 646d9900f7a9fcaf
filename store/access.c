/* access.c: the generations of the HTTP endpoint's tokens (bot/access.c derives them). */
#include "store/internal.h"
#include "store/store.h"

static sqlite3_stmt *keyed(struct store *st, enum store_q q, char kind, const char *subject)
{
	char k[2] = {kind, 0};
	sqlite3_stmt *s = store_stmt(st, q);
	if (s) {
		sqlite3_bind_text(s, 1, k, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, subject, -1, SQLITE_TRANSIENT);
	}
	return s;
}

int store_access_get(struct store *st, char kind, const char *subject, int64_t *gen)
{
	sqlite3_stmt *s = keyed(st, Q_ACCESS_GET, kind, subject);
	if (!s)
		return -1;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*gen = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlfail(st, "read an access token");
	return rc == SQLITE_ROW;
}

int store_access_bump(struct store *st, char kind, const char *subject, int64_t now, int64_t *gen)
{
	sqlite3_stmt *s = keyed(st, Q_ACCESS_BUMP, kind, subject);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 3, now);
	if (store_run(st, s, "rotate an access token") < 0)
		return -1;
	return store_access_get(st, kind, subject, gen) == 1 ? 0 : -1;
}
