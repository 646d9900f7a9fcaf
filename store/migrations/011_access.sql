-- interviewd schema, version 11: access to the HTTP endpoint. Tokens are not stored:
-- each is an HMAC (keyed by meta access_secret) of its kind, subject and generation,
-- so it can be shown again; rotating bumps the generation and the old one stops
-- working. kind: 'a' a person's API token, 'f' a person's calendar feed, 't' a team's
-- feed; subject: the person's id, or the [digest.NAME] of the team.
CREATE TABLE access_tokens (
	kind       TEXT NOT NULL CHECK (kind IN ('a', 'f', 't')),
	subject    TEXT NOT NULL,
	generation INTEGER NOT NULL,
	rotated_at INTEGER NOT NULL,
	PRIMARY KEY (kind, subject)
) WITHOUT ROWID;

INSERT OR IGNORE INTO meta VALUES ('access_secret', lower(hex(randomblob(32))));
