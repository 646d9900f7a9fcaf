-- The clock: reminders, feedback requests, chasers and digests, each carried out once,
-- by whichever run of the daemon is up when they fall due (each command here is a
-- fresh process: its clock thread does everything due at its start).
config
[general]
timezone = "Europe/Berlin"
[reminders]
lead_times = ["24h", "1h"]
[feedback]
chase_after = "24h"
escalate_after = "24h"
[clock]
autostart = true
[people.rita]
email = "rita@example.com"
role = "recruiter"
[people.alice]
email = "alice@example.com"
[people.bob]
email = "bob@example.com"
timezone = "America/New_York"
[digest.team]
time = "08:30"
console = "rita"
interviewers = ["alice"]
end
as rita
now 2031-03-09T09:00:00+01:00

> schedule candidate:"Jane Doe <jane@example.com>" job:"Data Scientist" when:"2031-03-11 14:00" with:alice,bob location:"Room 301"
sql SELECT kind, count(*), min(due_at) FROM duties WHERE interview_id = 1 GROUP BY kind ORDER BY kind => autostart|1|1931000400;feedback_chase|2|1931090400;feedback_escalate|1|1931176800;feedback_request|2|1931004000;reminder|6|1930914000
-- Scheduled less than a day ahead: only the 1 h reminders.
> schedule candidate:"Ann Lee <ann@example.com>" when:"2031-03-10 08:00" with:alice
sql SELECT count(*), min(lead) FROM duties WHERE interview_id = 2 AND kind = 'reminder' => 2|3600
-- Moving an interview moves its reminders; cancelling one ends them.
> reschedule #2 when:"2031-03-10 11:00"
sql SELECT count(*) FROM duties WHERE interview_id = 2 AND done_at IS NULL => 0
sql SELECT DISTINCT skipped FROM duties WHERE interview_id = 2 => the interview was rescheduled
sql SELECT count(*) FROM duties WHERE interview_id = 3 AND kind = 'reminder' => 4
> schedule candidate:"Bo Ek <bo@example.com>" when:"2031-03-12 10:00" with:bob
> cancel #4 reason:"position filled"
sql SELECT count(*) FROM duties WHERE interview_id = 4 AND (done_at IS NULL OR skipped <> 'the interview was cancelled') => 0

-- Monday 08:31 Berlin: today's digest (late, but before noon) and the reminders due.
now 2031-03-10T08:31:00+01:00
> stats
chat ~ Digest for team, Mon 10 Mar 2031 (times in Europe/Berlin)
chat ~ 11:00-12:00  #3 Ann Lee, video, round 1 | alice
sql SELECT channel, day, due_at FROM digests_sent => team|2031-03-10|1930894200
-- Once a day, whatever runs later.
> stats
chat 0
sql SELECT count(*) FROM digests_sent => 1
$ digest --channel team
exit 0
~ Today 1 | this week 2 | completed 0 | cancelled 1
$ digest --channel nope
exit 1
~ no channel [digest.nope]

-- The 24 h reminders of #1 (due Mon 14:00) have not come yet; at 14:05 they have.
sql SELECT count(*) FROM outbox WHERE kind = 'reminder' AND interview_id = 1 => 0
now 2031-03-10T14:05:00+01:00
> stats
sql SELECT transport, recipient FROM outbox WHERE kind = 'reminder' AND interview_id = 1 ORDER BY transport, recipient => chat|alice;chat|bob;email|alice@example.com;email|bob@example.com;email|jane@example.com
sql SELECT count(*) FROM outbox WHERE kind = 'reminder' AND transport = 'email' AND interview_id = 1 AND sent_at IS NOT NULL => 3
-- bob's email, in his zone
mail 000021-reminder.eml ~ Subject: Reminder: interview with Jane Doe (Data Scientist), Tue 11 Mar 2031 09:00-10:00
-- bob reads it in his zone
sql SELECT payload LIKE '%Tue 11 Mar 2031 09:00 America/New_York%' FROM outbox WHERE kind = 'reminder' AND recipient = 'bob' => 1
-- The 1 h reminder of #3 fell due at 10:00; it still ran, as #3 (11:00) had not started.
sql SELECT count(*) FROM outbox WHERE kind = 'reminder' AND interview_id = 3 AND transport = 'chat' => 1

-- A reminder whose interview has already started is skipped, not sent late.
now 2031-03-11T13:59:00+01:00
> stats
now 2031-03-12T09:00:00+01:00
> schedule candidate:"Cy Dee <cy@example.com>" when:"2031-03-12 12:00" with:alice
now 2031-03-12T12:30:00+01:00
> stats
sql SELECT skipped FROM duties WHERE interview_id = 5 AND kind = 'reminder' AND person_id IS NOT NULL => the interview has started
-- autostart moved it to in_progress at its start
sql SELECT status FROM interviews WHERE id = 5 => in_progress

-- #1 ended Tue 15:00: feedback requested from both, alice answers, bob is chased, then
-- the recruiter is told about bob only.
sql SELECT recipient FROM outbox WHERE kind = 'feedback request' AND interview_id = 1 ORDER BY recipient => alice;bob
sql SELECT count(*) FROM outbox WHERE kind = 'feedback_request' AND transport = 'email' AND interview_id = 1 => 2
as alice
> feedback #1 rating:4 recommendation:proceed
as rita
now 2031-03-12T15:05:00+01:00
> stats
sql SELECT recipient FROM outbox WHERE kind = 'feedback chase' AND interview_id = 1 => bob
sql SELECT skipped FROM duties WHERE interview_id = 1 AND kind = 'feedback_chase' AND person_id = (SELECT id FROM people WHERE handle = 'alice') => feedback already given
now 2031-03-13T15:05:00+01:00
> stats
sql SELECT recipient, payload LIKE '%overdue from bob on #1%' FROM outbox WHERE kind = 'feedback overdue' AND interview_id = 1 => rita|1

-- Wednesday 09:00 sent that day's; Thursday 15:05 was too late; Saturday has none;
-- Monday after noon is too late again: skipped, and never sent twice.
now 2031-03-15T09:00:00+01:00
> stats
now 2031-03-17T12:30:00+01:00
> stats
sql SELECT group_concat(day) FROM digests_sent => 2031-03-10,2031-03-12
-- Every duty ran or was skipped exactly once; nothing left that should have run.
sql SELECT count(*) FROM duties WHERE done_at IS NULL AND due_at <= 1931513400 => 0
