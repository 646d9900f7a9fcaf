-- The seed's whole lifecycle, as a recruiter types it in the console.
config
[general]
timezone = "Europe/Berlin"

# Reminders and feedback requests are the clock's (clock.t); this is the lifecycle.
[reminders]
lead_times = []
[feedback]
request = false

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
timezone = "America/New_York"
end
now 2031-03-09T09:00:00+01:00
as rita

> schedule candidate:"Jane Doe <jane@example.com>" job:"Data Scientist" when:"2031-03-10 14:00" duration:60m type:phone with:alice,bob location:"Office Room 301" link:https://meet.example.com/abc round:1 notes:"bring portfolio"
= data.interview.id 1
= data.interview.scheduled_datetime "2031-03-10T13:00:00Z"
= data.interview.interview_type "phone"
= data.interview.duration_minutes 60
= data.interview.status "scheduled"
= data.interview.location "Office Room 301"
= data.interview.meeting_link "https://meet.example.com/abc"
= data.interview.notes "bring portfolio"
= data.interview.round 1
= data.interview.candidate_name "Jane Doe"
= data.interview.candidate_email "jane@example.com"
= data.interview.job_title "Data Scientist"
= data.interview.interviewers ["alice", "bob"]
= data.interview.actions ["reschedule", "cancel", "start", "complete"]
# data.interview.rescheduled_from
sql SELECT action, via FROM audit => schedule|console
sql SELECT recipient, kind FROM outbox ORDER BY id => jane@example.com|scheduled;alice@example.com|scheduled;bob@example.com|scheduled
mail 3
-- New York moved to summer time on 9 March; Berlin had not yet.
mail 000003-scheduled.eml ~ Mon 10 Mar 2031 09:00-10:00 (America/New_York)
mail 000001-scheduled.eml ~ To: Jane Doe <jane@example.com>
mail 000002-scheduled.eml ~ Notes:    bring portfolio
mail 000001-scheduled.eml !~ bring portfolio

-- Today and this week are the reader's local ones (Sunday 9 March: the week ended).
now 2031-03-10T08:00:00+01:00
> list today
= data.total 1
= data.interviews.0.id 1
> list week
= data.total 1
> stats
= data {"today": 1, "this_week": 1, "completed": 0, "cancelled": 0}

-- Reschedule: the original is kept, linked both ways; same round and panel.
> reschedule #1 when:"tomorrow 3pm" reason:"panel conflict"
= data.interview.id 2
= data.interview.scheduled_datetime "2031-03-11T14:00:00Z"
= data.interview.rescheduled_from 1
= data.interview.round 1
= data.interview.interviewers ["alice", "bob"]
= data.previous.id 1
= data.previous.status "rescheduled"
= data.previous.rescheduled_to 2
sql SELECT status, rescheduled_to, cancel_reason FROM interviews WHERE id = 1 => rescheduled|2|panel conflict
mail 6
mail 000004-rescheduled.eml ~ Was:

-- Cancel needs a reason; with one, all parties are told.
>! cancel #2
~ error reason is required
> cancel #2 reason:"candidate withdrew"
= data.interview.status "cancelled"
= data.interview.cancel_reason "candidate withdrew"
= data.interview.actions ["reschedule"]
mail 9
mail 000008-cancelled.eml ~ Reason:   candidate withdrew
mail 000007-cancelled.eml !~ candidate withdrew

-- A cancelled interview can be rescheduled.
> reschedule #2 when:"2031-03-12 10:00"
= data.interview.id 3
= data.previous.status "rescheduled"

-- Start and complete with rating and recommendation.
now 2031-03-12T10:05:00+01:00
> start #3
= data.interview.status "in_progress"
now 2031-03-12T10:30:00+01:00
>t show #3
~ in progress for 25 min (started 10:05)
> complete #3 rating:4 recommendation:proceed feedback:"strong technical skills" notes:"ask about ML ops"
= data.interview.status "completed"
= data.interview.feedback.0.interviewer "rita"
= data.interview.feedback.0.rating 4
= data.interview.feedback.0.recommendation "proceed"
= data.interview.feedback.0.feedback "strong technical skills"
= data.interview.feedback.0.notes "ask about ML ops"
= data.interview.actions ["feedback"]
>x complete #3
~ error #3 is completed, so it cannot be completed

-- Interviewers give their own feedback.
now 2031-03-12T11:30:00+01:00
as alice
> feedback #3 rating:5 recommendation:hire feedback:"great"
= data.interview.feedback.1.interviewer "alice"
as rita

-- Candidate history: every round with ratings and recommendations.
> candidate jane
= data.candidate.email "jane@example.com"
= data.total 3
= data.interviews.2.feedback.1.recommendation "hire"
>t candidate jane@example.com
~ rita 4/5 proceed, alice 5/5 hire

-- Next round: round + 1, job, type, duration and panel from the previous round.
> next jane@example.com when:"2031-03-20 11:00"
= data.interview.round 2
= data.interview.job_title "Data Scientist"
= data.interview.interview_type "phone"
= data.interview.duration_minutes 60
= data.interview.interviewers ["alice", "bob"]
> next jane when:"2031-03-27 11:00" type:final duration:90m with:alice
= data.interview.round 3
= data.interview.interview_type "final"
= data.interview.interviewers ["alice"]

> stats
= data.completed 1
= data.cancelled 0
> list all status:rescheduled sort:desc
= data.total 2
= data.interviews.0.id 2

-- The per-interviewer counts the triggers keep equal a count of the rows.
sql SELECT count(*) FROM (SELECT p.person_id, i.status, count(*) FROM panel p JOIN interviews i ON i.id = p.interview_id GROUP BY 1, 2 EXCEPT SELECT person_id, status, n FROM person_status_counts WHERE n > 0) => 0
sql SELECT count(*) FROM person_status_counts WHERE n < 0 => 0
