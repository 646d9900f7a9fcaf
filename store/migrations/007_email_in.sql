-- interviewd schema, version 7: replies by email.

-- Each feedback request sent by email: its id is signed into the reply address
-- (bot+f<id>-<mac>@domain, mail/token.c), so a reply is linked to the interview and
-- the interviewer without trusting the subject. nudged_at: when the one "could not
-- read your reply" email went out.
CREATE TABLE feedback_requests (
	id           INTEGER PRIMARY KEY,
	interview_id INTEGER NOT NULL REFERENCES interviews(id),
	person_id    INTEGER NOT NULL REFERENCES people(id),
	created_at   INTEGER NOT NULL,
	nudged_at    INTEGER,
	UNIQUE (interview_id, person_id)
);

-- Where the IMAP poller is in each mailbox: UIDs mean something only with their
-- UIDVALIDITY.
CREATE TABLE imap_state (
	mailbox     TEXT PRIMARY KEY,
	uidvalidity INTEGER NOT NULL,
	last_uid    INTEGER NOT NULL
) WITHOUT ROWID;

-- The key reply tokens are signed with when the config names none ([mail] token_secret).
INSERT OR IGNORE INTO meta VALUES ('reply_secret', lower(hex(randomblob(32))));
