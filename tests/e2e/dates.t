-- Natural dates through the binary. A when: without an offset is read in the typist's
-- zone: their own (set with the tz command, or [people.X] timezone), else the configured
-- default, else (no config) the machine's. Expected instants are UTC.
-- NOW is Sunday 9 March 2031, 09:00 in Berlin (08:00Z). New York moved to summer time
-- that morning at 07:00Z (so it is 04:00 EDT there); Berlin moves on 30 March.

-- No config: the embedded defaults use the machine's zone (the runner's "tz" sets $TZ).
tz America/New_York
now 2031-03-09T09:00:00+01:00
> tz
= data.message Your time zone is America/New_York (the default) (it is Sun 9 Mar 2031 04:00 there)
= data.tz America/New_York
> schedule candidate:"Jane Doe <jane@example.com>" when:"tomorrow 2pm"
= data.interview.scheduled_datetime "2031-03-10T18:00:00Z"
>t show #1
~ Mon 10 Mar 2031 14:00-15:00
tz Asia/Tokyo
> schedule candidate:jane when:"tomorrow 2pm"
= data.interview.scheduled_datetime "2031-03-10T05:00:00Z"
>t show #1
~ Tue 11 Mar 2031 03:00-04:00
tz UTC
> schedule candidate:jane when:"tomorrow 2pm" duration:30m
= data.interview.scheduled_datetime "2031-03-10T14:00:00Z"

-- With a config: the default zone is Europe/Berlin; tom lives in Tokyo.
config
[general]
timezone = "Europe/Berlin"
default_duration = 15

[people.rita]
name = "Rita Recruiter"
email = "rita@example.com"
role = "recruiter"

[people.tom]
name = "Tom Tanaka"
email = "tom@example.com"
role = "recruiter"
timezone = "Asia/Tokyo"

[people.bob]
name = "Bob Builder"
email = "bob@example.com"
timezone = "America/New_York"
end
tz America/Los_Angeles
as rita
> tz
= data.message Your time zone is Europe/Berlin (the default) (it is Sun 9 Mar 2031 09:00 there)
> schedule candidate:"Kim Lee <kim@example.com>" when:"tomorrow 2pm"
= data.interview.scheduled_datetime "2031-03-10T13:00:00Z"
= data.interview.duration_minutes 15
> schedule candidate:kim when:"mon 10:30"
= data.interview.scheduled_datetime "2031-03-10T09:30:00Z"
> schedule candidate:kim when:"next friday 9am"
= data.interview.scheduled_datetime "2031-03-14T08:00:00Z"
> schedule candidate:kim when:"friday 10am"
= data.interview.scheduled_datetime "2031-03-14T09:00:00Z"
> schedule candidate:kim when:"in 2 days 15:00"
= data.interview.scheduled_datetime "2031-03-11T14:00:00Z"
> schedule candidate:kim when:"oct 20 14:00"
= data.interview.scheduled_datetime "2031-10-20T12:00:00Z"
> schedule candidate:kim when:"20 october 15:00"
= data.interview.scheduled_datetime "2031-10-20T13:00:00Z"
> schedule candidate:kim when:"tuesday noon"
= data.interview.scheduled_datetime "2031-03-11T11:00:00Z"
> schedule candidate:kim when:"at 3pm tomorrow"
= data.interview.scheduled_datetime "2031-03-10T14:00:00Z"
> schedule candidate:kim when:"in 2 hours"
= data.interview.scheduled_datetime "2031-03-09T10:00:00Z"
> schedule candidate:kim when:"today 18:00"
= data.interview.scheduled_datetime "2031-03-09T17:00:00Z"
-- Sunday 09:00 is now, so "sunday 9am" is next week's; 10am is still today.
> schedule candidate:kim when:"sunday 9am"
= data.interview.scheduled_datetime "2031-03-16T08:00:00Z"
> schedule candidate:kim when:"sunday 10am"
= data.interview.scheduled_datetime "2031-03-09T09:00:00Z"
> schedule candidate:kim when:"next sunday 10am"
= data.interview.scheduled_datetime "2031-03-16T09:00:00Z"
-- A date without a year that has passed is next year's.
> schedule candidate:kim when:"mar 1 10:00"
= data.interview.scheduled_datetime "2032-03-01T09:00:00Z"
-- Summer time, and the first minutes after the gap.
> schedule candidate:kim when:"2031-07-01 09:00"
= data.interview.scheduled_datetime "2031-07-01T07:00:00Z"
> schedule candidate:kim when:"2031-03-30 03:00"
= data.interview.scheduled_datetime "2031-03-30T01:00:00Z"

-- ISO 8601 with an offset means that instant, whatever the zone.
> schedule candidate:kim when:"2031-03-12T14:00+05:30"
= data.interview.scheduled_datetime "2031-03-12T08:30:00Z"
> schedule candidate:kim when:"2031-03-12T14:00Z"
= data.interview.scheduled_datetime "2031-03-12T14:00:00Z"
> schedule candidate:kim when:"2031-03-12 14:00 -05:00"
= data.interview.scheduled_datetime "2031-03-12T19:00:00Z"
> schedule candidate:kim when:"2031-03-12T23:30-0300"
= data.interview.scheduled_datetime "2031-03-13T02:30:00Z"
-- The two readings of the autumn overlap, each spelled with its offset.
> schedule candidate:kim when:"2031-10-26T02:30+02:00"
= data.interview.scheduled_datetime "2031-10-26T00:30:00Z"
> schedule candidate:kim when:"2031-10-26T02:30+01:00"
= data.interview.scheduled_datetime "2031-10-26T01:30:00Z"

-- The typist's own zone, set with the tz command, reads every later when: ...
> tz America/New_York
= data.message Your time zone is now America/New_York (it is Sun 9 Mar 2031 04:00 there)
= data.tz America/New_York
> schedule candidate:kim when:"tomorrow 2pm"
= data.interview.scheduled_datetime "2031-03-10T18:00:00Z"
> schedule candidate:kim when:"2031-03-12 09:00"
= data.interview.scheduled_datetime "2031-03-12T13:00:00Z"
-- ... and shows times in it ...
> list all limit:1
= data.tz America/New_York
>t show #4
~ Mon 10 Mar 2031 09:00-09:15
-- ... and "today" is New York's: 04:00 there, so 5:30am is still ahead.
> schedule candidate:kim when:"5:30am"
= data.interview.scheduled_datetime "2031-03-09T09:30:00Z"
>x schedule candidate:kim when:"3am"
= error when: Sun 9 Mar 2031 03:00 (America/New_York) is in the past; pick a time after now
-- Going back to Berlin.
> tz Europe/Berlin
> schedule candidate:kim when:"tomorrow 8pm"
= data.interview.scheduled_datetime "2031-03-10T19:00:00Z"
sql SELECT handle, coalesce(tz, '-') FROM people ORDER BY handle => bob|America/New_York;local|-;rita|Europe/Berlin;tom|Asia/Tokyo

-- A zone from [people.X] timezone: tom types in Tokyo time (17:00 there now).
as tom
> tz
= data.message Your time zone is Asia/Tokyo (it is Sun 9 Mar 2031 17:00 there)
> schedule candidate:kim when:"tomorrow 9am"
= data.interview.scheduled_datetime "2031-03-10T00:00:00Z"
> schedule candidate:kim when:"2031-03-13 14:00"
= data.interview.scheduled_datetime "2031-03-13T05:00:00Z"
> schedule candidate:kim when:"mon 10:30"
= data.interview.scheduled_datetime "2031-03-10T01:30:00Z"
as bob
> tz
= data.message Your time zone is America/New_York (it is Sun 9 Mar 2031 04:00 there)

-- "tomorrow 9am" across a change of clocks is 9am on the wall clock.
as rita
now 2031-03-29T10:00:00+01:00
> schedule candidate:kim when:"tomorrow 9am"
= data.interview.scheduled_datetime "2031-03-30T07:00:00Z"
> schedule candidate:kim when:"in 1 day 10:00"
= data.interview.scheduled_datetime "2031-03-30T08:00:00Z"
now 2031-10-25T12:00:00+02:00
> schedule candidate:kim when:"tomorrow 9am"
= data.interview.scheduled_datetime "2031-10-26T08:00:00Z"
-- "in 24 hours" is exact, so it lands an hour earlier on the wall clock.
> schedule candidate:kim when:"in 24 hours"
= data.interview.scheduled_datetime "2031-10-26T10:00:00Z"
= data.interview.id 37
>t show #37
~ Sun 26 Oct 2031 11:00-11:15
