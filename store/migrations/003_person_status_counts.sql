-- interviewd schema, version 3: interviews per interviewer and status, kept by triggers
-- like status_counts, so an interviewer's dashboard totals cost one lookup instead of a
-- read of every interview they ever sat on (a thousand random rows after three years).
CREATE TABLE person_status_counts (
	person_id INTEGER NOT NULL REFERENCES people(id),
	status    TEXT NOT NULL,
	n         INTEGER NOT NULL,
	PRIMARY KEY (person_id, status)
) WITHOUT ROWID;
INSERT INTO person_status_counts (person_id, status, n)
	SELECT p.person_id, i.status, count(*) FROM panel p JOIN interviews i ON i.id = p.interview_id
	GROUP BY p.person_id, i.status;
-- Panel rows are written after their interview, and never change or go away.
CREATE TRIGGER panel_count_insert AFTER INSERT ON panel BEGIN
	INSERT INTO person_status_counts (person_id, status, n)
		SELECT NEW.person_id, status, 1 FROM interviews WHERE id = NEW.interview_id
		ON CONFLICT (person_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER interviews_person_count_update AFTER UPDATE OF status ON interviews
	WHEN OLD.status <> NEW.status BEGIN
	UPDATE person_status_counts SET n = n - 1
		WHERE status = OLD.status AND person_id IN (SELECT person_id FROM panel WHERE interview_id = NEW.id);
	INSERT INTO person_status_counts (person_id, status, n)
		SELECT person_id, NEW.status, 1 FROM panel WHERE interview_id = NEW.id
		ON CONFLICT (person_id, status) DO UPDATE SET n = n + 1;
END;
