-- interviewd schema, version 1. Times are UTC seconds since the epoch (INTEGER).
-- Text compares case-insensitively where people type it (handles, emails, titles).

-- People who use the assistant: recruiters and interviewers. Handles come from the
-- config ([people.alice]) or are made from an email the first time it is used.
-- configured = 1 for people the config names now; one it stops naming loses any
-- recruiter role at the next start.
CREATE TABLE people (
	id         INTEGER PRIMARY KEY,
	handle     TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name       TEXT NOT NULL,
	email      TEXT UNIQUE COLLATE NOCASE,
	slack_id   TEXT UNIQUE,
	matrix_id  TEXT UNIQUE,
	tz         TEXT,                      -- IANA zone; NULL: the configured default
	role       TEXT NOT NULL CHECK (role IN ('recruiter', 'interviewer')),
	configured INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);

-- Candidates, known by email.
CREATE TABLE candidates (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	email      TEXT NOT NULL UNIQUE COLLATE NOCASE,
	tz         TEXT,
	created_at INTEGER NOT NULL
);

-- Jobs (positions) interviews are for.
CREATE TABLE jobs (
	id    INTEGER PRIMARY KEY,
	title TEXT NOT NULL UNIQUE COLLATE NOCASE
);

-- Interviews. start_utc never changes: a reschedule makes a new row linked both ways
-- (rescheduled_from / rescheduled_to), so rows below may copy it safely.
CREATE TABLE interviews (
	id               INTEGER PRIMARY KEY,
	candidate_id     INTEGER NOT NULL REFERENCES candidates(id),
	job_id           INTEGER REFERENCES jobs(id),
	start_utc        INTEGER NOT NULL,
	duration_min     INTEGER NOT NULL CHECK (duration_min BETWEEN 1 AND 1440),
	type             TEXT NOT NULL CHECK (type IN ('phone', 'video', 'in_person',
	                                               'technical', 'hr', 'final')),
	location         TEXT,
	location_key     TEXT,                -- lower-cased trimmed location, for conflicts
	meeting_link     TEXT,
	notes            TEXT,
	status           TEXT NOT NULL CHECK (status IN ('scheduled', 'in_progress', 'completed',
	                                                 'cancelled', 'rescheduled')),
	round            INTEGER NOT NULL CHECK (round >= 1),
	created_by       INTEGER REFERENCES people(id),
	cancel_reason    TEXT,
	rescheduled_from INTEGER REFERENCES interviews(id),
	rescheduled_to   INTEGER REFERENCES interviews(id),
	started_at       INTEGER,
	completed_at     INTEGER,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX interviews_start ON interviews(start_utc, status);
CREATE INDEX interviews_candidate ON interviews(candidate_id, start_utc);
CREATE INDEX interviews_location ON interviews(location_key, start_utc)
	WHERE location_key IS NOT NULL;

-- The panel: who interviews in which interview. start_utc and end_utc are copied from
-- the interview (which never moves) so one index answers "is alice busy then?".
CREATE TABLE panel (
	interview_id INTEGER NOT NULL REFERENCES interviews(id),
	person_id    INTEGER NOT NULL REFERENCES people(id),
	position     INTEGER NOT NULL,
	start_utc    INTEGER NOT NULL,
	end_utc      INTEGER NOT NULL,
	PRIMARY KEY (interview_id, person_id)
) WITHOUT ROWID;
CREATE INDEX panel_person ON panel(person_id, start_utc);

-- Feedback, one row per interview and interviewer; a second answer replaces the first
-- (the audit log keeps the history).
CREATE TABLE feedback (
	interview_id   INTEGER NOT NULL REFERENCES interviews(id),
	person_id      INTEGER NOT NULL REFERENCES people(id),
	rating         INTEGER CHECK (rating BETWEEN 1 AND 5),
	recommendation TEXT CHECK (recommendation IN ('proceed', 'hire', 'reject', 'maybe')),
	feedback       TEXT,
	notes          TEXT,
	source         TEXT NOT NULL CHECK (source IN ('chat', 'email', 'api')),
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	PRIMARY KEY (interview_id, person_id)
) WITHOUT ROWID;

-- Append-only audit log: who did what, when, from which front end.
CREATE TABLE audit (
	id           INTEGER PRIMARY KEY,
	at           INTEGER NOT NULL,
	actor_id     INTEGER REFERENCES people(id),
	via          TEXT NOT NULL,
	action       TEXT NOT NULL,
	interview_id INTEGER REFERENCES interviews(id),
	detail       TEXT
);
CREATE INDEX audit_interview ON audit(interview_id) WHERE interview_id IS NOT NULL;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
	BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
	BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Every message to be sent (email, chat post), written in the transaction of the change
-- that causes it and drained by the sender of its transport. A row is done when sent_at
-- or failed_at is set; until then next_try says when to try again.
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	created_at   INTEGER NOT NULL,
	transport    TEXT NOT NULL CHECK (transport IN ('email', 'slack', 'matrix', 'console')),
	kind         TEXT NOT NULL,           -- scheduled, rescheduled, cancelled, ...
	recipient    TEXT NOT NULL,           -- email address, channel or user id
	interview_id INTEGER REFERENCES interviews(id),
	payload      TEXT NOT NULL,           -- JSON, read by the transport's composer
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_try     INTEGER NOT NULL,
	last_error   TEXT,
	sent_at      INTEGER,
	failed_at    INTEGER
);
CREATE INDEX outbox_due ON outbox(transport, next_try)
	WHERE sent_at IS NULL AND failed_at IS NULL;

-- Idempotency keys of inbound events already executed (Slack envelope ids, Matrix event
-- ids, Message-Ids): a redelivered event finds its key here and changes nothing.
CREATE TABLE inbound_keys (
	key   TEXT PRIMARY KEY,
	via   TEXT NOT NULL,
	at    INTEGER NOT NULL
) WITHOUT ROWID;

-- Interviews per status, kept by triggers so the dashboard's totals cost one lookup.
CREATE TABLE status_counts (
	status TEXT PRIMARY KEY,
	n      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO status_counts VALUES ('scheduled', 0), ('in_progress', 0), ('completed', 0),
	('cancelled', 0), ('rescheduled', 0);
CREATE TRIGGER interviews_count_insert AFTER INSERT ON interviews BEGIN
	UPDATE status_counts SET n = n + 1 WHERE status = NEW.status;
END;
CREATE TRIGGER interviews_count_update AFTER UPDATE OF status ON interviews
	WHEN OLD.status <> NEW.status BEGIN
	UPDATE status_counts SET n = n - 1 WHERE status = OLD.status;
	UPDATE status_counts SET n = n + 1 WHERE status = NEW.status;
END;
