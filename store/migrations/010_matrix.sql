-- interviewd schema, version 10: the Matrix front end. Its sync token, filter and
-- (after a password login) access token are meta rows: matrix_next_batch,
-- matrix_filter, matrix_token.

-- Matrix users as their profile last described them: the zone (m.tz) of a person
-- who has none of their own. Refreshed when older than a day.
CREATE TABLE matrix_users (
	user_id    TEXT PRIMARY KEY,
	tz         TEXT,
	fetched_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The direct-message room of each Matrix user, made by the bot (createRoom is_direct).
CREATE TABLE matrix_dms (
	user_id TEXT PRIMARY KEY,
	room_id TEXT NOT NULL
) WITHOUT ROWID;

-- Rooms the bot was told are encrypted (it cannot read them), so it says so once.
CREATE TABLE matrix_encrypted (
	room_id TEXT PRIMARY KEY,
	told_at INTEGER NOT NULL
) WITHOUT ROWID;
