-- A database of schema 1 with a chain of reschedules is upgraded to schema 2: the
-- chain gets its root and the calendar sequence it has reached.
sqlx @store/migrations/001_initial.sql
sqlx PRAGMA user_version = 1; INSERT INTO people (handle, name, role, created_at) VALUES ('local', 'Local recruiter', 'recruiter', 0); INSERT INTO candidates (name, email, created_at) VALUES ('Jane Doe', 'jane@example.com', 0); INSERT INTO interviews (candidate_id, start_utc, duration_min, type, status, round, created_at, updated_at, rescheduled_to) VALUES (1, 1900000000, 60, 'video', 'rescheduled', 1, 0, 0, 2); INSERT INTO interviews (candidate_id, start_utc, duration_min, type, status, round, created_at, updated_at, rescheduled_from, rescheduled_to) VALUES (1, 1900003600, 60, 'video', 'rescheduled', 1, 0, 0, 1, 3); INSERT INTO interviews (candidate_id, start_utc, duration_min, type, status, round, created_at, updated_at, rescheduled_from) VALUES (1, 1900007200, 60, 'video', 'cancelled', 1, 0, 0, 2); INSERT INTO interviews (candidate_id, start_utc, duration_min, type, status, round, created_at, updated_at) VALUES (1, 1900900000, 60, 'video', 'scheduled', 2, 0, 0)
now 2030-01-01T00:00:00Z
> stats
sql SELECT user_version >= 2 FROM pragma_user_version => 1
sql SELECT id, root_id, sequence FROM interviews ORDER BY id => 1||0;2|1|1;3|1|3;4||0
sql SELECT length(value) FROM meta WHERE key = 'instance' => 12
