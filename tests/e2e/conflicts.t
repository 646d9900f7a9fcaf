-- Conflicts: an interview may not overlap an active one (scheduled or in progress) that
-- shares its candidate, an interviewer or its room. Touching is not overlapping; force:yes
-- schedules anyway and says so in the audit log.
config
[general]
timezone = "Europe/Berlin"

[people.rita]
name = "Rita Recruiter"
email = "rita@example.com"
role = "recruiter"

[people.alice]
name = "Alice Example"
email = "alice@example.com"

[people.bob]
name = "Bob Builder"
email = "bob@example.com"

[people.carol]
name = "Carol Chen"
email = "carol@example.com"
end
now 2031-03-09T09:00:00+01:00
as rita

-- #1: Mon 10 March 14:00-15:00 Berlin (13:00Z), alice, Room 301.
> schedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-10 14:00" with:alice location:"Room 301"
= data.interview.id 1

-- The same interviewer, half an hour in: refused, with the clash and the interview it
-- clashes with, and nothing written.
>x schedule candidate:"Lee Park <lee@example.com>" when:"2031-03-10 14:30" with:alice
= error that overlaps 1 active interview: alice is on #1 then; add force:yes to schedule it anyway
= conflicts.0.id 1
= conflicts.0.status "scheduled"
= conflicts.0.interviewers ["alice"]
# conflicts.1
# usage
sql SELECT count(*) FROM candidates => 1
-- ... also when the interviewer is named by email, in another case.
>x schedule candidate:"Lee Park <lee@example.com>" when:"2031-03-10 14:30" with:bob,ALICE@example.com
= error that overlaps 1 active interview: alice is on #1 then; add force:yes to schedule it anyway
-- The same candidate.
>x schedule candidate:jane when:"2031-03-10 14:59" with:bob
= error that overlaps 1 active interview: Jane Doe has #1 then; add force:yes to schedule it anyway
= conflicts.0.id 1
-- The same room, in another case and with spaces around it.
>x schedule candidate:"Lee Park <lee@example.com>" when:"2031-03-10 13:30" with:bob location:"  room 301 "
~ error is taken by #1 then; add force:yes
= conflicts.0.location "Room 301"
>x schedule candidate:"Lee Park <lee@example.com>" when:"2031-03-10 14:00" duration:1m location:"ROOM 301"
= error that overlaps 1 active interview: Room 301 is taken by #1 then; add force:yes to schedule it anyway
-- force:no is the default.
>x schedule candidate:"Lee Park <lee@example.com>" when:"2031-03-10 14:30" with:alice force:no
~ error alice is on #1 then
sql SELECT count(*) FROM interviews => 1
mail 2

-- Touching is not overlapping: 15:00 right after, and 13:00-14:00 right before, with the
-- same interviewer and the same room.
> schedule candidate:"Lee Park <lee@example.com>" when:"2031-03-10 15:00" with:alice location:"Room 301"
= data.interview.id 2
> schedule candidate:"Max Mustermann <max@example.com>" when:"2031-03-10 13:00" duration:60m with:alice location:"room 301"
= data.interview.id 3
-- One minute more is an overlap, with both neighbours.
>x schedule candidate:"Nia Long <nia@example.com>" when:"2031-03-10 13:59" duration:62m with:alice
= error that overlaps 3 active interviews: alice is on #1 then; add force:yes to schedule it anyway
= conflicts.0.id 1
= conflicts.1.id 2
= conflicts.2.id 3
-- Other people, another room, the same time: fine.
> schedule candidate:"Nia Long <nia@example.com>" when:"2031-03-10 14:00" with:bob,carol location:"Room 302"
= data.interview.id 4

-- Cancelled, completed and rescheduled interviews free their slot.
> cancel #1 reason:"candidate withdrew"
> schedule candidate:"Olga Ivanova <olga@example.com>" when:"2031-03-10 14:15" duration:30m with:alice location:"Room 301"
= data.interview.id 5
now 2031-03-10T13:05:00+01:00
> start #3
= data.interview.status "in_progress"
-- in progress still holds its slot (#3), as does the scheduled #5 at 14:15
>x schedule candidate:"Pia Park <pia@example.com>" when:"2031-03-10 13:30" with:alice
= error that overlaps 2 active interviews: alice is on #3 then; add force:yes to schedule it anyway
= conflicts.0.status "in_progress"
= conflicts.1.id 5
> complete #3 rating:4
> schedule candidate:"Pia Park <pia@example.com>" when:"2031-03-10 13:30" duration:15m with:alice location:"Room 301"
= data.interview.id 6
> reschedule #6 when:"2031-03-12 10:00"
= data.interview.id 7
= data.previous.status "rescheduled"
> schedule candidate:"Quinn Roe <quinn@example.com>" when:"2031-03-10 13:30" duration:15m with:alice location:"Room 301"
= data.interview.id 8

-- A reschedule does not clash with its own original (#7 moves by half an hour) ...
> reschedule #7 when:"2031-03-12 10:30"
= data.interview.id 9
= data.interview.rescheduled_from 7
-- ... but does with the others: #2 is alice's at 15:00 on 10 March.
>x reschedule #9 when:"2031-03-10 15:30"
= error that overlaps 1 active interview: alice is on #2 then; add force:yes to schedule it anyway
= conflicts.0.id 2
-- A reschedule keeps the room: with carol instead, Room 301 is still Lee's #2 then.
>x reschedule #9 when:"2031-03-10 15:30" with:carol
= error that overlaps 1 active interview: Room 301 is taken by #2 then; add force:yes to schedule it anyway

-- The next round checks too: Lee's round 2 with alice at 14:30 clashes with Olga's #5.
>x next lee when:"2031-03-10 14:30" duration:30m
= error that overlaps 1 active interview: alice is on #5 then; add force:yes to schedule it anyway

-- force:yes schedules over the clash, notes it, and writes it to the audit log.
> schedule candidate:"Rob Stone <rob@example.com>" when:"2031-03-10 14:20" duration:30m with:alice force:yes
= data.interview.id 10
= data.interview.status "scheduled"
= data.notes.0 new candidate Rob Stone <rob@example.com>
= data.notes.1 scheduled over 1 conflict (force:yes): alice is on #5 then
sql SELECT action, interview_id, detail FROM audit WHERE action = 'forced conflict' => forced conflict|10|1 conflicting interview, the first: alice is on #5 then
sql SELECT count(*) FROM outbox WHERE interview_id = 10 => 2
> next rob when:"2031-03-10 14:20" duration:30m with:rita force:true
= data.interview.round 2
~ data.notes.0 scheduled over 1 conflict (force:yes): Rob Stone has #10 then
sql SELECT count(*) FROM audit WHERE action = 'forced conflict' => 2
