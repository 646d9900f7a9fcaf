-- The store: embedded defaults, the outbox's promise, schema versions.

-- No config at all: ./interviewd.db, the machine's zone, the local recruiter.
tz America/New_York
now 2031-06-02T09:00:00-04:00
> schedule candidate:"Ana Lima <ana@example.com>" when:"tomorrow 10am" with:carol@example.com
= data.interview.scheduled_datetime "2031-06-03T14:00:00Z"
sql SELECT handle, role FROM people ORDER BY id => local|recruiter;carol|interviewer
sql SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL => 2
mail 2
mail 000001-scheduled.eml ~ Tue 3 Jun 2031 10:00-11:00 (America/New_York)

-- A crash after the file was written but before the row was marked sent: the retry
-- writes the same file again, so the recipient still has one message.
sqlx UPDATE outbox SET sent_at = NULL WHERE id = 2
> stats
mail 2
sql SELECT count(*) FROM outbox WHERE sent_at IS NULL => 0

-- A mail folder that cannot be written: the row stays due, with the reason, and is
-- tried again a minute later.
config
[mail]
outbox_dir = "/dev/null/mail"
end
> schedule candidate:"Ben Okafor <ben@example.com>" when:"2031-06-05 10:00"
sql SELECT attempts, sent_at IS NULL, last_error FROM outbox WHERE id = 3 => 1|1|cannot create /dev/null/mail: Not a directory
config
[mail]
outbox_dir = "interviewd-mail"
end
> stats
sql SELECT count(*) FROM outbox WHERE sent_at IS NULL => 1
now 2031-06-02T09:01:30-04:00
> stats
sql SELECT count(*) FROM outbox WHERE sent_at IS NULL => 0
mail 3

-- A database from a newer interviewd is refused, untouched.
sqlx PRAGMA user_version = 99
$ console
exit 1
~ has schema version 99, but this interviewd knows only up to 
sql PRAGMA user_version => 99

$ version
exit 0
~ interviewd 0.1.0 (schema 
