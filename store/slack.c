/* slack.c: what the Slack front end remembers — users.info answers, DM channels, the
 * Slack id of a person, the cards posted about each interview — and the depth of an outbox transport (for its sender). */
#include "store/internal.h"
#include "lib/str.h"
#include "store/store.h"

#include <string.h>

int store_person_set_slack(struct store *st, int64_t id, const char *slack_id)
{
	sqlite3_stmt *s = store_stmt(st, Q_PERSON_SET_SLACK);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, slack_id);
	return store_run(st, s, "set Slack id");
}

static void read_user(sqlite3_stmt *s, void *out)
{
	struct store_slack_user *u = out;
	memset(u, 0, sizeof *u);
	store_col_text(s, 0, u->user_id, sizeof u->user_id);
	store_col_text(s, 1, u->name, sizeof u->name);
	store_col_text(s, 2, u->email, sizeof u->email);
	store_col_text(s, 3, u->tz, sizeof u->tz);
	u->fetched_at = sqlite3_column_int64(s, 4);
}

int store_slack_user_get(struct store *st, const char *user_id, struct store_slack_user *u)
{
	return store_lookup(st, Q_SLACK_USER_GET, user_id, 0, read_user, u);
}

int store_slack_user_put(struct store *st, const struct store_slack_user *u)
{
	sqlite3_stmt *s = store_stmt(st, Q_SLACK_USER_PUT);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, u->user_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, u->name, -1, SQLITE_TRANSIENT);
	store_bind_text(s, 3, u->email);
	store_bind_text(s, 4, u->tz);
	sqlite3_bind_int64(s, 5, u->fetched_at);
	return store_run(st, s, "remember Slack user");
}

static void read_channel(sqlite3_stmt *s, void *out)
{
	store_col_text(s, 0, out, STORE_SLACK_ID_MAX + 1);
}

int store_slack_dm_get(struct store *st, const char *user_id, char channel[STORE_SLACK_ID_MAX + 1])
{
	return store_lookup(st, Q_SLACK_DM_GET, user_id, 0, read_channel, channel);
}

int store_slack_dm_put(struct store *st, const char *user_id, const char *channel)
{
	sqlite3_stmt *s = store_stmt(st, Q_SLACK_DM_PUT);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, user_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, channel, -1, SQLITE_TRANSIENT);
	return store_run(st, s, "remember DM channel");
}

int store_slack_card_put(struct store *st, int64_t interview, const char *channel, const char *ts, int64_t now)
{
	sqlite3_stmt *s = store_stmt(st, Q_SLACK_CARD_PUT);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, interview);
	sqlite3_bind_text(s, 2, channel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, ts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, now);
	return store_run(st, s, "remember a Slack card");
}

int store_slack_cards(struct store *st, int64_t interview, struct store_slack_card *cards, int max)
{
	sqlite3_stmt *s = store_stmt(st, Q_SLACK_CARDS);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, interview);
	sqlite3_bind_int(s, 2, max);
	int n = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < max) {
		str_copy(cards[n].channel, sizeof cards[n].channel, (const char *)sqlite3_column_text(s, 0));
		str_copy(cards[n].ts, sizeof cards[n].ts, (const char *)sqlite3_column_text(s, 1));
		n++;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : store_sqlfail(st, "read Slack cards");
}

int store_slack_refresh(struct store *st, int64_t interview, int64_t now)
{
	struct store_slack_card card;
	int n = store_slack_cards(st, interview, &card, 1);
	if (n <= 0)
		return n;
	return store_outbox_add(st, "slack", "refresh", "-", interview, "{\"method\":\"refresh\",\"body\":{}}", now) < 0
	           ? -1
	           : 0;
}

int store_outbox_pending(struct store *st, const char *transport, int64_t *oldest_due)
{
	sqlite3_stmt *s = store_stmt(st, Q_OUTBOX_PENDING);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, transport, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s), n = -1;
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_int(s, 0);
		if (oldest_due)
			*oldest_due = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return n < 0 ? store_sqlfail(st, "count the outbox") : n;
}

int store_outbox_defer(struct store *st, int64_t id, int64_t next_try)
{
	sqlite3_stmt *s = store_stmt(st, Q_OUTBOX_DEFER);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, next_try);
	return store_run(st, s, "defer an outbox row");
}
