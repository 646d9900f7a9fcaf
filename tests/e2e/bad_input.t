-- Malformed commands, every command in every way we could think of. Each must fail with
-- ">!": a one-line error, that command's usage, and no change to the store.
-- The lines marked BUG fail today: the error comes without the usage. Other inputs
-- refused the same way follow them with ">x", so each cause fails once.
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
end
now 2031-03-09T09:00:00+01:00
as rita

> schedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-10 14:00" with:alice location:"Room 301"
> schedule candidate:"John Smith <john@example.com>" when:"2031-03-11 14:00" with:bob
> schedule candidate:"Johanna Smith <johanna@example.com>" when:"2031-03-12 14:00" with:bob
mail 6

-- The shape of an error in JSON: success false, the error, the usage; no data.
>! frobnicate
= success false
= error unknown command "frobnicate"
~ usage Commands (options are key:value; quote values with spaces):
# data
# conflicts
>! shedule candidate:jane
= error unknown command "shedule" (did you mean "schedule"?)
>! /interview frobnicate
~ error unknown command "frobnicate"
-- In text mode: "error: ..." then "usage: ...".
>t frobnicate
~ error: unknown command "frobnicate"
~ usage: Commands (options are key:value
>t cancel #1
~ error: a reason is required: cancel #1 reason:"candidate withdrew"
~ usage: cancel #42 reason:"candidate withdrew"

-- The lexer: unbalanced quotes, a key given twice, too many words, too long.
>! schedule candidate:"Jane when:tomorrow
= error a quote is not closed: add the closing quote
~ usage schedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-10 14:00"
>! cancel #1 reason:“no show
~ error a quote is not closed
~ usage cancel #42 reason:
>! cancel #1 reason:"say \"hi\"
~ error a quote is not closed
>! cancel #1 reason:a reason:b
= error reason: is given twice
~ usage cancel #42
>! list a b c d e f g h i
= error too many words before the first option (at most 8)
~ usage list [today|week|upcoming|all]
-- Over 4000 characters: refused before the command is read, so the usage is the overview.
>! schedule notes:"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
= error the command is too long (at most 4000 characters)
~ usage Commands (options are key:value

-- schedule: what is missing
>! schedule when:"2031-03-20 14:00"
= error who is the candidate? add candidate:"Jane Doe <jane@example.com>"
~ usage schedule candidate:
>! schedule candidate: when:"2031-03-20 14:00"
~ error who is the candidate?
>! schedule candidate:jane
= error when is it? add when:"2031-03-10 14:00" (or "tomorrow 2pm", "mon 10:30")
>! schedule candidate:jane when:
~ error when is it?
>! schedule jane when:"2031-03-20 14:00"
= error unexpected "jane" (options are written key:value)
>! schedule "candidate:jane" when:"2031-03-20 14:00"
= error unexpected "candidate:jane" (options are written key:value)

-- schedule: when: that cannot be read, or names no moment
>! schedule candidate:jane when:"someday soon"
~ error when: cannot read "someday soon" as a date and time; try "2031-03-10 14:00", "tomorrow 2pm"
>! schedule candidate:jane when:"next blursday 2pm"
~ error cannot read "next blursday 2pm"
>! schedule candidate:jane when:"2031-03-20"
= error when: "2031-03-20" has no time; give a time as well, e.g. "2031-03-20 14:00"
>! schedule candidate:jane when:"3/20 14:00"
= error when: numeric dates such as "3/20" are ambiguous (month/day or day/month?); write 2031-03-20 or "mar 20"
>! schedule candidate:jane when:"2031-02-30 10:00"
= error when: there is no February 30
>! schedule candidate:jane when:"2031-03-20 25:00"
~ error the hour must be 0 to 23
>! schedule candidate:jane when:"2031-03-20 13pm"
~ error with am/pm the hour is 1 to 12
>! schedule candidate:jane when:"2031-03-20T14:00+15:00"
~ error the offset "+15:00" is out of range (-12:00 to +14:00)
>! schedule candidate:jane when:"tomorrow 14:00+02:00"
~ error an offset such as "+02:00" needs a full date
>! schedule candidate:jane when:"in 3 hours 14:00"
~ error "in N hours" and "in N minutes" are already a moment
-- Berlin springs forward on 30 March 2031 (02:00 -> 03:00) and falls back on 26 October.
>! schedule candidate:jane when:"2031-03-30 02:30"
= error when: 2031-03-30 02:30 does not exist in Europe/Berlin (clocks go from 02:00 to 03:00); write 01:30 (+01:00) or 03:30 (+02:00)
>! schedule candidate:jane when:"mar 30 2:15am"
~ error 2031-03-30 02:15 does not exist in Europe/Berlin
>! schedule candidate:jane when:"2031-10-26 02:30"
= error when: 2031-10-26 02:30 happens twice in Europe/Berlin (clocks go back from 03:00 to 02:00); write 2031-10-26T02:30+02:00 or 2031-10-26T02:30+01:00
>! schedule candidate:jane when:"oct 26 2:59"
~ error happens twice in Europe/Berlin
-- BUG: a moment in the past is refused without the usage (commands/schedule.c: read_when).
>! schedule candidate:jane when:"yesterday 9am"
~ error when: Sat 8 Mar 2031 09:00 (Europe/Berlin) is in the past; pick a time after now
>x schedule candidate:jane when:"2031-03-09 08:59"
~ error is in the past

-- schedule: values out of their range
>! schedule candidate:jane when:"2031-03-20 14:00" duration:0
= error duration: duration must be between 1 minute and 24 hours ("0" is 0 minutes)
>! schedule candidate:jane when:"2031-03-20 14:00" duration:25h
~ error duration must be between 1 minute and 24 hours
>! schedule candidate:jane when:"2031-03-20 14:00" duration:abc
~ error duration: cannot read "abc" as a duration
>! schedule candidate:jane when:"2031-03-20 14:00" duration:1.5m
~ error cannot read "1.5m" as a duration
>! schedule candidate:jane when:"2031-03-20 14:00" type:zoom
= error type: must be phone, video, in_person, technical, hr or final, not "zoom"
>! schedule candidate:jane when:"2031-03-20 14:00" type:
~ error type: must be phone, video
>! schedule candidate:jane when:"2031-03-20 14:00" round:0
= error round: must be a whole number from 1 to 50, not "0"
>! schedule candidate:jane when:"2031-03-20 14:00" round:51
~ error round: must be a whole number from 1 to 50
>! schedule candidate:jane when:"2031-03-20 14:00" round:two
~ error not "two"
>! schedule candidate:jane when:"2031-03-20 14:00" round:1.5
~ error not "1.5"
>! schedule candidate:jane when:"2031-03-20 14:00" link:ftp://example.com/x
= error link: must be a web address starting with https://, not "ftp://example.com/x"
>! schedule candidate:jane when:"2031-03-20 14:00" link:meet.example.com/abc
~ error link: must be a web address
>! schedule candidate:jane when:"2031-03-20 14:00" link:"https://meet.example.com/a b"
~ error link: must be a web address
>! schedule candidate:jane when:"2031-03-20 14:00" force:maybe
= error force: must be yes or no, not "maybe"

-- schedule: options it does not take, with and without a close match
>! schedule candidate:jane when:"2031-03-20 14:00" wiht:alice
= error schedule does not take wiht: (did you mean with:?)
>! schedule candidate:jane when:"2031-03-20 14:00" locaton:"Room 1"
= error schedule does not take locaton: (did you mean location:?)
>! schedule candidate:jane when:"2031-03-20 14:00" colour:blue
= error schedule does not take colour:
>! schedule candidate:jane when:"2031-03-20 14:00" reason:busy
= error schedule does not take reason:

-- schedule: people who are not there
>! schedule candidate:jane when:"2031-03-20 14:00" with:alise
= error nobody is called "alise" (did you mean alice?)
~ usage schedule candidate:
>! schedule candidate:jane when:"2031-03-20 14:00" with:alice,zed
= error nobody is called "zed"; name people by handle or by email
>! schedule candidate:jane when:"2031-03-20 14:00" with:alice@
= error "alice@" is not an email address
>! schedule candidate:jane when:"2031-03-20 14:00" with:<@U999|zed>
= error Slack user U999 is not set up here; ask an administrator to add them to [people]
>! schedule candidate:jane when:"2031-03-20 14:00" with:@zed:matrix.org
= error Matrix user @zed:matrix.org is not set up here; ask an administrator to add them to [people]
-- New interviewers by email are added, but not eleven of them (and none stay behind).
>! schedule candidate:jane when:"2031-03-20 14:00" with:p1@example.com,p2@example.com,p3@example.com,p4@example.com,p5@example.com,p6@example.com,p7@example.com,p8@example.com,p9@example.com,p10@example.com,p11@example.com
= error with: at most 10 interviewers
sql SELECT count(*) FROM people => 3

-- schedule: candidates
>! schedule candidate:smith when:"2031-03-20 14:00"
= error "smith" matches 2 candidates: Johanna Smith <johanna@example.com>, John Smith <john@example.com>; give the email to say which
>! schedule candidate:zed when:"2031-03-20 14:00"
= error no candidate matches "zed"
>! schedule candidate:new@example.com when:"2031-03-20 14:00"
= error candidate: new@example.com is new; give a name too: candidate:"Jane Doe <new@example.com>"
>! schedule candidate:"<new@example.com>" when:"2031-03-20 14:00"
= error candidate: a new candidate needs a name: candidate:"Jane Doe <new@example.com>"
>! schedule candidate:"New Person <new@>" when:"2031-03-20 14:00"
= error candidate: "new@" is not an email address
>! schedule candidate:"New Person <new@example.com" when:"2031-03-20 14:00"
= error candidate: "New Person <new@example.com" is not an email address
>! schedule candidate:new@@example.com when:"2031-03-20 14:00"
~ error is not an email address
sql SELECT count(*) FROM candidates => 3

-- schedule: free text too long or with control characters.
-- BUG: refused without the usage (commands/cmd.c: cmd_check_text calls cmd_fail).
>! schedule candidate:jane when:"2031-03-20 14:00" location:"ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"
= error location: is too long (501 bytes; at most 500)
>x schedule candidate:jane when:"2031-03-20 14:00" notes:"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
= error notes: is too long (2001 bytes; at most 2000)
>x schedule candidate:jane when:"2031-03-20 14:00" job:"jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj"
= error job: is too long (201 bytes; at most 200)
-- the next lines hold raw control characters: U+0001, U+007F, U+001B, U+0007
>! schedule candidate:jane when:"2031-03-20 14:00" notes:"bringportfolio"
= error notes: must not contain control characters
>x schedule candidate:jane when:"2031-03-20 14:00" location:"Room301"
= error location: must not contain control characters
>x schedule candidate:jane when:"2031-03-20 14:00" job:"DataScientist"
= error job: must not contain control characters
>x schedule candidate:"ZedZero <zed@example.com>" when:"2031-03-20 14:00"
= error candidate: must not contain control characters
-- a control character where a word is expected is just unreadable, with the usage
>! schedule candidate:jane when:"tomorrow2pm"
~ error when: cannot read "tomorrow?2pm"
>! schedule candidate:jane when:"2031-03-20 14:00" with:alice
~ error nobody is called

-- reschedule
>! reschedule when:"2031-03-20 14:00"
= error which interview? give its id, e.g. reschedule #42
~ usage reschedule #42 when:"tomorrow 3pm"
>! reschedule #abc when:"2031-03-20 14:00"
= error "#abc" is not an interview id (write it as #42)
>! reschedule #99 when:"2031-03-20 14:00"
= error there is no interview #99
>! reschedule #1 #2 when:"2031-03-20 14:00"
= error unexpected "#2" after #1 (options are written key:value)
>! reschedule #1
~ error when is it?
>! reschedule #1 when:tomorrow
= error when: "tomorrow" has no time; give a time as well, e.g. "tomorrow 14:00"
>! reschedule #1 when:"2031-03-20 14:00" round:2
= error reschedule does not take round:
>! reschedule #1 when:"2031-03-20 14:00" resaon:moved
= error reschedule does not take resaon: (did you mean reason:?)
>! reschedule #1 when:"2031-03-20 14:00" duration:2d
~ error duration: cannot read "2d" as a duration
>! reschedule #1 when:"2031-03-20 14:00" with:nobody
~ error nobody is called "nobody"
>x reschedule #1 when:"2031-03-01 10:00"
= error when: Sat 1 Mar 2031 10:00 (Europe/Berlin) is in the past; pick a time after now
>x reschedule #1 when:"2031-03-20 14:00" reason:"ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"
= error reason: is too long (501 bytes; at most 500)

-- cancel
>! cancel
= error which interview? give its id, e.g. cancel #42
>! cancel #1
= error a reason is required: cancel #1 reason:"candidate withdrew"
>! cancel #1 reason:
~ error a reason is required
>! cancel #1 reason:""
~ error a reason is required
>! cancel #1 because candidate withdrew
= error unexpected "because" after #1 (options are written key:value)
>! cancel #0 reason:x
= error "#0" is not an interview id (write it as #42)
>! cancel 1.5 reason:x
= error "1.5" is not an interview id (write it as #42)
>! cancel #99 reason:x
= error there is no interview #99
>! cancel #1 reasons:x
= error cancel does not take reasons: (did you mean reason:?)
>x cancel #1 reason:"noshow"
= error reason: must not contain control characters

-- start
>! start
= error which interview? give its id, e.g. start #42
~ usage start #42
>! start #abc
= error "#abc" is not an interview id (write it as #42)
>! start ##1
= error "##1" is not an interview id (write it as #42)
>! start #-1
~ error is not an interview id
>! start #99999999999999
~ error is not an interview id
>! start #1 #2
= error unexpected "#2" after #1 (options are written key:value)
>! start #1 now:yes
= error start takes no options, but now: was given

-- complete
>! complete
= error which interview? give its id, e.g. complete #42
>! complete #1 rating:6
= error rating: must be a whole number from 1 to 5, not "6"
~ usage complete #42 [rating:1-5]
>! complete #1 rating:0
~ error not "0"
>! complete #1 rating:4.5
~ error not "4.5"
>! complete #1 rating:
~ error rating: must be a whole number from 1 to 5, not ""
>! complete #1 rating:★★★★★★
~ error not "★★★★★★"
>! complete #1 recommendation:yes
= error recommendation: must be proceed, hire, reject or maybe, not "yes"
>! complete #1 recommendation:strong-hire
~ error not "strong-hire"
>! complete #1 ratng:4
= error complete does not take ratng: (did you mean rating:?)
>! complete #99 rating:4
= error there is no interview #99

-- feedback
>! feedback #1
= error give at least one of rating:, recommendation:, feedback: or notes:
~ usage feedback #42
>! feedback rating:4
= error which interview? give its id, e.g. feedback #42
>! feedback #1 rating:five
~ error not "five"
>! feedback #1 recommendation:
~ error recommendation: must be proceed, hire, reject or maybe, not ""
>! feedback #1 rating:4 feedbak:good
= error feedback does not take feedbak: (did you mean feedback:?)

-- list
>! list foo
= error list what? today, week, upcoming or all, not "foo"
~ usage list [today|week|upcoming|all]
>! list today week
= error unexpected "week" (options are written key:value)
>! list status:bogus
= error status: "bogus" is not one of scheduled, in_progress, completed, cancelled, rescheduled
>! list status:scheduled,done
~ error status: "done" is not one of
>! list days:0
= error days: must be a whole number from 1 to 366, not "0"
>! list days:abc
~ error not "abc"
>! list limit:501
= error limit: must be a whole number from 1 to 500, not "501"
>! list sort:up
= error sort: must be asc or desc, not "up"
>! list interviewer:zed
= error nobody is called "zed"; name people by handle or by email
>! list interviewer:alise
= error nobody is called "alise" (did you mean alice?)
>! list interviewer:zed@example.com
= error nobody has the email zed@example.com
>! list candidate:smith
~ error "smith" matches 2 candidates
>! list candidate:zed
= error no candidate matches "zed"
>! list colour:red
= error list does not take colour:
-- not found, like an unknown candidate, but without the usage (doubtful)
>x list job:"Nope"
= error no job is called "Nope"

-- show
>! show
= error which interview? give its id, e.g. show #42
~ usage show #42
>! show jane
= error "jane" is not an interview id (write it as #42)
>! show #99
= error there is no interview #99
>! show #1 x:1
= error show takes no options, but x: was given

-- candidate
>! candidate
= error which candidate? give an email or a part of the name
~ usage candidate jane@example.com
>! candidate zed
= error no candidate matches "zed"
>! candidate smith
~ error "smith" matches 2 candidates: Johanna Smith <johanna@example.com>, John Smith <john@example.com>
>! candidate nobody@example.com
= error no candidate has the email nobody@example.com
>! candidate jane x:1
= error candidate takes no options, but x: was given

-- next
>! next
= error which candidate? give an email or a part of the name
~ usage next jane@example.com when:
>! next jane
~ error when is it?
>! next zed when:"2031-03-20 14:00"
= error no candidate matches "zed"
>! next smith when:"2031-03-20 14:00"
~ error "smith" matches 2 candidates
>! next jane when:"2031-03-20 14:00" round:3
= error next does not take round:
>! next jane when:"2031-03-20 14:00" type:zoom
~ error type: must be phone
>! next jane when:"2031-03-20 14:00" candidate:jane
= error next does not take candidate: (did you mean candidate_tz:?)

-- stats, tz, help
>! stats foo
= error stats takes no words, but "foo" was given
~ usage stats
>! stats x:1
= error stats takes no options, but x: was given
>! tz Mars/Base
= error unknown time zone "Mars/Base"; use an IANA name such as Europe/Berlin or America/New_York
~ usage tz [Europe/Berlin]
>! tz Europe/Berlin Europe/Paris
= error give one zone, such as Europe/Berlin
>! tz europe/berlin
~ error unknown time zone "europe/berlin"
>! tz x:1
= error tz takes no options, but x: was given
>! help nosuch
= error there is no command "nosuch"
= usage help [command]
>! help x:1
= error help takes no options, but x: was given

-- Nothing above changed anything: the three interviews, their mail, no new people.
sql SELECT id, status FROM interviews ORDER BY id => 1|scheduled;2|scheduled;3|scheduled
sql SELECT count(*) FROM audit => 3
mail 6
