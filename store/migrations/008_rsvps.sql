-- interviewd schema, version 8: answers to invites.

-- What each attendee's calendar client answered (iTIP REPLY): one row per interview
-- and address, the newest answer kept.
CREATE TABLE rsvps (
	interview_id INTEGER NOT NULL REFERENCES interviews(id),
	email        TEXT NOT NULL COLLATE NOCASE,
	partstat     TEXT NOT NULL CHECK (partstat IN ('accepted', 'tentative', 'declined', 'delegated',
	                                               'needs-action')),
	comment      TEXT,
	at           INTEGER NOT NULL,
	PRIMARY KEY (interview_id, email)
) WITHOUT ROWID;
