-- A database of schema 5 is upgraded to the newest: chat lines queued for the console
-- become transport 'chat' (schema 6, for every chat front end) and the console still shows
-- them (local's line is shown and marked sent), nothing else in the
-- outbox changes, and the database gets its own key for signing reply addresses
-- (schema 7).
sqlx @store/migrations/001_initial.sql
sqlx @store/migrations/002_invites.sql
sqlx @store/migrations/003_person_status_counts.sql
sqlx @store/migrations/004_outbox_recipient.sql
sqlx @store/migrations/005_duties.sql
sqlx PRAGMA user_version = 5; INSERT INTO people (handle, name, role, created_at) VALUES ('local', 'Local recruiter', 'recruiter', 0); INSERT INTO outbox (created_at, transport, kind, recipient, payload, next_try) VALUES (1, 'console', 'reminder', 'local', '{"text":"hello"}', 1); INSERT INTO outbox (created_at, transport, kind, recipient, payload, next_try, sent_at) VALUES (2, 'email', 'scheduled', 'jane@example.com', '{}', 2, 3)
now 2030-01-01T00:00:00Z
> stats
sql SELECT user_version >= 7 FROM pragma_user_version => 1
sql SELECT id, transport, kind, recipient, payload, sent_at IS NULL FROM outbox ORDER BY id => 1|chat|reminder|local|{"text":"hello"}|0;2|email|scheduled|jane@example.com|{}|0
sql SELECT length(value) FROM meta WHERE key = 'reply_secret' => 64
