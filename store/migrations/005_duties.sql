-- interviewd schema, version 5: the clock's duties.

-- Every future duty of an interview: a reminder before it, a feedback request at its
-- end, a chaser and an escalation after that, an automatic start. Written in the
-- transaction of the change that makes them (schedule, reschedule), ended when the
-- interview moves or is cancelled (done_at set, skipped says why). The clock turns a
-- due row into outbox rows in one transaction with marking it done.
CREATE TABLE duties (
	id           INTEGER PRIMARY KEY,
	due_at       INTEGER NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN ('reminder', 'feedback_request', 'feedback_chase',
	                                           'feedback_escalate', 'autostart')),
	interview_id INTEGER NOT NULL REFERENCES interviews(id),
	person_id    INTEGER REFERENCES people(id),  -- NULL: the candidate, or nobody in particular
	lead         INTEGER,                        -- reminders: seconds before the start
	done_at      INTEGER,
	skipped      TEXT                            -- why it was not carried out
);
CREATE INDEX duties_due ON duties(due_at) WHERE done_at IS NULL;
CREATE INDEX duties_interview ON duties(interview_id) WHERE done_at IS NULL;

-- Digests sent: one row per channel and local day, so a restart never sends one twice.
CREATE TABLE digests_sent (
	channel TEXT NOT NULL,
	day     TEXT NOT NULL,   -- local date, YYYY-MM-DD
	due_at  INTEGER NOT NULL,
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (channel, day)
) WITHOUT ROWID;
