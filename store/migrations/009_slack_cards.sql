-- interviewd schema, version 9: the Slack cards posted about each interview, so that
-- news arriving by other ways (an answer to the invite) updates them in place.
CREATE TABLE slack_cards (
	interview_id INTEGER NOT NULL REFERENCES interviews(id),
	channel      TEXT NOT NULL,
	ts           TEXT NOT NULL,
	posted_at    INTEGER NOT NULL,
	PRIMARY KEY (interview_id, channel, ts)
) WITHOUT ROWID;
