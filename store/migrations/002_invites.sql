-- interviewd schema, version 2: what calendar invites need.

-- root_id: for an interview made by a reschedule, the first interview of its chain
-- (NULL on that first one). A chain shares one calendar UID and one email thread.
ALTER TABLE interviews ADD COLUMN root_id INTEGER REFERENCES interviews(id);
-- sequence: the iCalendar SEQUENCE of the chain's event as of this interview: 0 when
-- first scheduled, raised by every reschedule and every cancellation.
ALTER TABLE interviews ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;

WITH RECURSIVE chain(id, root, depth) AS (
	SELECT id, id, 0 FROM interviews WHERE rescheduled_from IS NULL
	UNION ALL
	SELECT i.id, c.root, c.depth + 1 FROM interviews i JOIN chain c ON i.rescheduled_from = c.id
)
UPDATE interviews
SET root_id = (SELECT nullif(root, interviews.id) FROM chain WHERE chain.id = interviews.id),
    sequence = (SELECT depth FROM chain WHERE chain.id = interviews.id) + (status = 'cancelled')
WHERE rescheduled_from IS NOT NULL OR status = 'cancelled';

-- Facts about this database. 'instance': a random name, part of every Message-ID and
-- calendar UID, so two databases never make the same one.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta VALUES ('instance', lower(hex(randomblob(6))));
