-- interviewd schema, version 6: the Slack front end.

-- Chat messages to a person are transport 'chat' (shown by whichever chat front end
-- serves that person: the console, or a Slack DM); 'console' rows become 'chat'.
-- SQLite cannot change a CHECK in place, so the outbox is copied.
CREATE TABLE outbox_new (
	id           INTEGER PRIMARY KEY,
	created_at   INTEGER NOT NULL,
	transport    TEXT NOT NULL CHECK (transport IN ('email', 'chat', 'slack', 'matrix')),
	kind         TEXT NOT NULL,
	recipient    TEXT NOT NULL,           -- email address, handle, channel or user id
	interview_id INTEGER REFERENCES interviews(id),
	payload      TEXT NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_try     INTEGER NOT NULL,
	last_error   TEXT,
	sent_at      INTEGER,
	failed_at    INTEGER
);
INSERT INTO outbox_new SELECT id, created_at,
	CASE transport WHEN 'console' THEN 'chat' ELSE transport END,
	kind, recipient, interview_id, payload, attempts, next_try, last_error, sent_at, failed_at
	FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(transport, next_try)
	WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_recipient ON outbox(recipient, id);

-- Slack users as users.info last described them: the typist's zone, and the email that
-- links a Slack id to a person. Refreshed when older than a day.
CREATE TABLE slack_users (
	user_id    TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	email      TEXT,
	tz         TEXT,
	fetched_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The DM channel (D...) of each Slack user, from conversations.open.
CREATE TABLE slack_dms (
	user_id TEXT PRIMARY KEY,
	channel TEXT NOT NULL
) WITHOUT ROWID;
