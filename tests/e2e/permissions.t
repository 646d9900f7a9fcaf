-- Who may do what. Recruiters may do everything; an interviewer may list, show, start,
-- complete and give feedback on the interviews whose panel they are on, and is told who
-- may do the rest; a refusal changes nothing.
config
[general]
timezone = "Europe/Berlin"

[console]
as = "rita"

[people.rita]
name = "Rita Recruiter"
email = "rita@example.com"
role = "recruiter"

[people.alice]
name = "Alice Example"
email = "alice@example.com"
role = "interviewer"

[people.bob]
name = "Bob Builder"
email = "bob@example.com"
end
now 2031-03-09T09:00:00+01:00

-- Without "as", the console acts as [console] as: rita.
> schedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-10 14:00" with:alice
= data.interview.id 1
> schedule candidate:"Kim Lee <kim@example.com>" when:"2031-03-10 16:00" with:bob
= data.interview.id 2
> schedule candidate:"Lee Park <lee@example.com>" when:"2031-03-11 10:00" with:alice,bob
= data.interview.id 3
sql SELECT DISTINCT p.handle FROM audit a JOIN people p ON p.id = a.actor_id => rita

-- An interviewer sees only the interviews they are on.
as alice
> list all
= data.total 2
= data.interviews.0.id 1
= data.interviews.1.id 3
> list upcoming
= data.total 2
> list all interviewer:alice
= data.total 2
>x list all candidate:kim
= error only recruiters may look candidates up; list shows you your own interviews
>x list all interviewer:bob
= error you can list only your own interviews; only recruiters may list bob's
-- candidate: would find candidates among everyone's, so an interviewer, who may not
-- run "candidate", may not filter by candidate either.
>x list all candidate:e
!~ kim@example.com
> show #1
= data.interview.candidate_name "Jane Doe"
> show #3
= data.interview.interviewers ["alice", "bob"]
>x show #2
= error #2 is not one of your interviews; only recruiters and its panel can see it
# usage

-- ... and may not plan: each refusal says who may, and comes before the id is looked at.
>x schedule candidate:"Max Mustermann <max@example.com>" when:"2031-03-12 10:00" with:alice
= error only recruiters may schedule interviews; ask a recruiter to do it
>x reschedule #1 when:"2031-03-12 10:00"
= error only recruiters may reschedule interviews; ask a recruiter to do it
>x cancel #1 reason:"I am ill"
= error only recruiters may cancel interviews; ask a recruiter to do it
>x cancel #99 reason:x
= error only recruiters may cancel interviews; ask a recruiter to do it
>x next jane when:"2031-03-12 10:00"
= error only recruiters may schedule interviews; ask a recruiter to do it
>x candidate jane
= error only recruiters may see a candidate's history; ask a recruiter to do it
-- ... but may read the help and keep their own time zone.
> help
= data.message interviewd commands
> whoami
= data.message You are alice (Alice Example <alice@example.com>), an interviewer; your times are in Europe/Berlin (the default)
> tz Europe/London
= data.message Your time zone is now Europe/London (it is Sun 9 Mar 2031 08:00 there)
sql SELECT handle, coalesce(tz, '-') FROM people ORDER BY id => rita|-;alice|Europe/London;bob|-
> whoami
= data.message You are alice (Alice Example <alice@example.com>), an interviewer; your times are in Europe/London

-- On the day: alice runs her own interview and gives feedback; not bob's.
now 2031-03-10T14:05:00+01:00
> start #1
= data.interview.status "in_progress"
>x start #2
= error #2 is not one of your interviews; only recruiters and its panel can see it
>x complete #2
= error #2 is not one of your interviews; only recruiters and its panel can see it
>x feedback #2 rating:3
= error #2 is not one of your interviews; only recruiters and its panel can see it
-- She is its whole panel: her feedback is all the feedback, so the interview is
-- completed and rita (who scheduled it) is told.
> feedback #1 rating:4 recommendation:proceed feedback:"solid"
= data.interview.feedback.0.interviewer "alice"
= data.interview.feedback.0.rating 4
= data.interview.status "completed"
sql SELECT recipient, payload FROM outbox WHERE kind = 'feedback complete' => rita|{"text":"All feedback is in for #1 Jane Doe: alice 4/5 proceed"}
>x complete #1 rating:5 recommendation:hire
~ error #1 is completed, so it cannot be completed; feedback can still be given
> feedback #1 rating:5 recommendation:hire
= data.interview.feedback.0.rating 5
= data.interview.feedback.0.recommendation "hire"
sql SELECT p.handle, a.action FROM audit a JOIN people p ON p.id = a.actor_id WHERE a.interview_id = 1 ORDER BY a.id => rita|schedule;alice|start;alice|feedback;alice|complete;alice|feedback changed
-- Her counts are her own interviews, in her own zone (London: today is 10 March).
> stats
= data {"today": 1, "this_week": 2, "completed": 1, "cancelled": 0}

as bob
> list all
= data.total 2
= data.interviews.0.id 2
= data.interviews.1.id 3
>x show #1
= error #1 is not one of your interviews; only recruiters and its panel can see it
>x feedback #1 rating:1
~ error #1 is not one of your interviews
> start #2
= data.interview.status "in_progress"
>x cancel #2 reason:"ran out of time"
= error only recruiters may cancel interviews; ask a recruiter to do it
> stats
= data {"today": 1, "this_week": 2, "completed": 0, "cancelled": 0}

-- The recruiter sees and changes everything, on any panel; the counts are everyone's
-- (cancelled ones are not counted in today and this week).
as rita
> show #1
= data.interview.feedback.0.interviewer "alice"
> feedback #1 rating:3 feedback:"agree, mostly"
= data.interview.feedback.1.interviewer "rita"
> cancel #2 reason:"bob is ill"
= data.interview.status "cancelled"
> list all interviewer:bob
= data.total 2
> candidate jane
= data.total 1
> next jane when:"2031-03-20 10:00"
= data.interview.round 2
= data.interview.interviewers ["alice"]
> stats
= data {"today": 1, "this_week": 2, "completed": 1, "cancelled": 1}

-- People the config does not name cannot start a console.
$ console --as zed --json
exit 1
~ nobody is called "zed"; people are configured in [people.HANDLE]

-- Roles come from the config each time: alice, made a recruiter, may now schedule.
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
role = "recruiter"

[people.bob]
name = "Bob Builder"
email = "bob@example.com"
end
as alice
> schedule candidate:"Max Mustermann <max@example.com>" when:"2031-03-12 10:00" with:bob
= data.interview.id 5
> list all
= data.total 5

-- With people configured and no [console] as, the console must be told who is typing.
$ console --json
exit 1
~ say who you are: --as HANDLE (or [console] as = "..." in
