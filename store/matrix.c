/* matrix.c: what the Matrix front end remembers — profiles' zones, DM rooms, rooms
 * known to be encrypted — and meta values it keeps (the sync token). */
#include "store/internal.h"
#include "lib/str.h"
#include "store/store.h"

#include <string.h>

int store_meta_put(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = store_stmt(st, Q_META_PUT);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_TRANSIENT);
	return store_run(st, s, "keep a meta value");
}

struct tz_row {
	char *tz;
	int64_t *fetched_at;
};

static void read_tz(sqlite3_stmt *s, void *out)
{
	struct tz_row *r = out;
	store_col_text(s, 0, r->tz, STORE_TZ_MAX + 1);
	*r->fetched_at = sqlite3_column_int64(s, 1);
}

int store_matrix_user_get(struct store *st, const char *user, char tz[STORE_TZ_MAX + 1], int64_t *fetched_at)
{
	struct tz_row r = {tz, fetched_at};
	return store_lookup(st, Q_MATRIX_USER_GET, user, 0, read_tz, &r);
}

int store_matrix_user_put(struct store *st, const char *user, const char *tz, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, Q_MATRIX_USER_PUT);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, user, -1, SQLITE_TRANSIENT);
	store_bind_text(s, 2, tz);
	sqlite3_bind_int64(s, 3, now);
	return store_run(st, s, "remember a Matrix profile");
}

static void read_room(sqlite3_stmt *s, void *out) { store_col_text(s, 0, out, STORE_MATRIX_ID_MAX + 1); }

int store_matrix_dm_get(struct store *st, const char *user, char room[STORE_MATRIX_ID_MAX + 1])
{
	return store_lookup(st, Q_MATRIX_DM_GET, user, 0, read_room, room);
}

int store_matrix_dm_put(struct store *st, const char *user, const char *room)
{
	sqlite3_stmt *s = store_stmt(st, room ? Q_MATRIX_DM_PUT : Q_MATRIX_DM_DROP);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, user, -1, SQLITE_TRANSIENT);
	if (room)
		sqlite3_bind_text(s, 2, room, -1, SQLITE_TRANSIENT);
	return store_run(st, s, "remember a Matrix DM room");
}

int store_matrix_told_encrypted(struct store *st, const char *room, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, Q_MATRIX_TOLD);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	if (store_run(st, s, "remember an encrypted room") < 0)
		return -1;
	return sqlite3_changes(st->db) > 0;
}
