-- The binary's own command line and its config file. "$ ARGS" runs the binary with the
-- scenario's -c config.toml (once a config block was given); check-config exits 1 with
-- "file:line:col: reason" for the first thing wrong, 0 with the effective settings.

-- Before any config: the subcommands' help, and the usage errors (exit 2).
$ --help
exit 0
~ usage: interviewd [-c FILE] COMMAND [options]
$ help
exit 0
~ check-config   validate a config file and print the effective settings
$ console --help
exit 0
~ usage: interviewd [-c FILE] console [--as HANDLE] [--json]
$ run --help
exit 0
~ usage: interviewd [-c FILE] run [--as HANDLE] [--json]
$ check-config --help
exit 0
~ usage: interviewd check-config [FILE]
$ check-config -h
exit 0
~ usage: interviewd check-config [FILE]
$ version
exit 0
~ interviewd 0.1.0 (schema
$ frobnicate
exit 2
~ interviewd: unknown command "frobnicate"
~ usage: interviewd [-c FILE] COMMAND [options]
$ --frobnicate
exit 2
~ interviewd: unknown option "--frobnicate"
$ console --frobnicate
exit 2
~ interviewd: unexpected argument "--frobnicate"
~ usage: interviewd [-c FILE] console
$ check-config a.toml b.toml
exit 2
~ interviewd: unexpected argument "b.toml"
$ check-config missing.toml
exit 1
~ missing.toml: cannot open
-- No config at all: the embedded defaults.
tz Europe/Lisbon
$ check-config
exit 0
~ # effective settings (embedded defaults)
~ path = "interviewd.db"
~ timezone = "Europe/Lisbon"
~ default_duration = 60
~ default_type = "video"
~ outbox_dir = "interviewd-mail"

-- A valid config prints the effective settings, defaults filled in.
config
[general]
timezone = "Europe/Berlin"
default_duration = 45
default_type = "in_person"

[console]
as = "rita"

[mail]
from = "Interviews <interviews@example.com>"

[people.rita]
name = "Rita Recruiter"
email = "rita@example.com"
role = "recruiter"

[people.bob]
email = "bob@example.com"
timezone = "America/New_York"
end
$ check-config
exit 0
~ config.toml)
~ [general]
~ timezone = "Europe/Berlin"
~ default_duration = 45
~ default_type = "in_person"
~ [console]
~ as = "rita"
~ from = "Interviews <interviews@example.com>"
~ outbox_dir = "interviewd-mail"
~ [store]
~ path = "interviewd.db"
~ [people.rita]
~ role = "recruiter"
~ [people.bob]
~ name = "bob"
~ role = "interviewer"
~ timezone = "America/New_York"
-- FILE given after check-config wins over -c (here the same file, named relatively).
$ check-config config.toml
exit 0
~ # effective settings (config.toml)
-- ... and the settings are what the console uses.
now 2031-03-09T09:00:00+01:00
> tz
= data.message Your time zone is Europe/Berlin (the default) (it is Sun 9 Mar 2031 09:00 there)
> schedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-10 14:00" with:bob
= data.interview.duration_minutes 45
= data.interview.interview_type "in_person"

-- Unknown keys, with and without a close match.
config
[general]
timezon = "Europe/Berlin"
end
$ check-config
exit 1
~ config.toml:2:1: unknown key "timezon" in [general] (did you mean "timezone"?)
config
[general]
colour = "blue"
end
$ check-config
exit 1
~ config.toml:2:1: unknown key "colour" in [general]
!~ did you mean
config
[people.alice]
name = "Alice"
emial = "alice@example.com"
end
$ check-config
exit 1
~ config.toml:3:1: unknown key "emial" in [people.alice] (did you mean "email"?)
config
[store]
path = "interviewd.db"
paht = "other.db"
end
$ check-config
exit 1
~ config.toml:3:1: unknown key "paht" in [store] (did you mean "path"?)
-- An invalid config stops the console too, with the same message.
$ console --json
exit 1
~ config.toml:3:1: unknown key "paht" in [store] (did you mean "path"?)

-- Unknown tables.
config
[genral]
timezone = "Europe/Berlin"
end
$ check-config
exit 1
~ config.toml:1:1: unknown table [genral] (did you mean [general]?)
config
[general]
timezone = "Europe/Berlin"

[slack]
token = "xoxb-1"
end
$ check-config
exit 1
~ config.toml:5:1: unknown key "token" in [slack]
config
[slack]
bot_token = "xoxb-1"
end
$ check-config
exit 1
~ [slack] needs both app_token (xapp-...) and bot_token (xoxb-...); only bot_token is set
config
[slack]
app_token = "xapp-1"
bot_token = "xoxb-1"
api_url = "ftp://example.com/"
end
$ check-config
exit 1
~ config.toml:4:11: "ftp://example.com/" is not a base URL (http:// or https://, ending in '/')
config
[slack]
app_token = "xapp-1"
bot_token = "xoxb-1"
connections = 9
end
$ check-config
exit 1
~ "connections" must be from 1 to 4
config
[slack.jobs]
"Backend Engineer" = 42
end
$ check-config
exit 1
~ [slack.jobs] "Backend Engineer" takes a channel id such as "C0123ABCD"
config
[people.rita]
role = "recruiter"
[digest.hiring]
slack_channel = "C0HIRING"
end
$ check-config
exit 1
~ [digest.hiring] slack_channel needs the Slack front end: set [slack] app_token and bot_token
config
[matrix]
homeserver = "https://matrix.example.org/"
user_id = "@interviewd:example.org"
end
$ check-config
exit 1
~ [matrix] needs user_id and access_token (or password, to log in once)
config
[matrix]
homeserver = "https://matrix.example.org/"
user_id = "interviewd"
access_token = "syt_1"
end
$ check-config
exit 1
~ config.toml:3:11: "interviewd" is not a Matrix user id (@name:server)
config
[matrix]
homeserver = "https://matrix.example.org/"
user_id = "@interviewd:example.org"
access_token = "syt_1"
[slack]
app_token = "xapp-1"
bot_token = "xoxb-1"
end
$ check-config
exit 1
~ [matrix] and [slack] are both set: run one chat front end per database (two daemons, two databases, if you need both)
config
[matrix]
sync_timeout = 0
end
$ check-config
exit 1
~ "sync_timeout" must be from 1 to 60
config
[digest.hiring]
matrix_room = "!team:example.org"
end
$ check-config
exit 1
~ [digest.hiring] matrix_room needs the Matrix front end: set [matrix] homeserver
config
timezone = "Europe/Berlin"
end
$ check-config
exit 1
~ config.toml:1:1: "timezone" must be a table ([timezone]), not a top-level key
config
[people]
alice = "alice@example.com"
end
$ check-config
exit 1
~ config.toml:2:1: "alice" in [people] must be a table [people.alice]

-- Bad zones: the default and a person's.
config
[general]
timezone = "Mars/Olympus_Mons"
end
$ check-config
exit 1
~ config.toml:2:12: "Mars/Olympus_Mons" is not a time zone (use an IANA name such as "Europe/Berlin")
config
[general]
timezone = "Europe/Berlin"

[people.bob]
email = "bob@example.com"
timezone = "America/NewYork"
end
$ check-config
exit 1
~ config.toml:6:12: "America/NewYork" is not a time zone
config
[general]
timezone = 1
end
$ check-config
exit 1
~ config.toml:2:12: "timezone" takes a string

-- Bad roles, types, numbers, addresses and handles.
config
[people.rita]
email = "rita@example.com"
role = "boss"
end
$ check-config
exit 1
~ config.toml:3:8: "boss" is not a role (recruiter or interviewer)
config
[general]
default_type = "zoom"
end
$ check-config
exit 1
~ config.toml:2:16: "zoom" is not an interview type (phone, video, in_person, technical, hr or final)
config
[general]
default_duration = 0
end
$ check-config
exit 1
~ config.toml:2:20: "default_duration" must be from 1 to 1440
config
[general]
default_duration = "1h"
end
$ check-config
exit 1
~ config.toml:2:20: "default_duration" takes an integer
config
[people.rita]
email = "rita at example.com"
end
$ check-config
exit 1
~ config.toml:2:9: "rita at example.com" is not an email address
config
[mail]
from = "Interviews"
end
$ check-config
exit 1
~ config.toml:2:8: "Interviews" is not an address (write "Name <name@example.com>" or "name@example.com")
config
[people."rita smith"]
role = "recruiter"
end
$ check-config
exit 1
~ config.toml:1:1: "rita smith" is not a handle
config
[general]
timezone = "Europe/Berlin"
timezone = "UTC"
end
$ check-config
exit 1
~ config.toml:3:1: duplicate key "timezone" (first defined at line 2)
config
[general
timezone = "Europe/Berlin"
end
$ check-config
exit 1
~ config.toml:1:9: missing "]" at end of table header

-- [console] as must name someone in [people], by a valid handle.
config
[console]
as = "rita!"
end
$ check-config
exit 1
~ config.toml:2:6: "rita!" is not a handle
config
[general]
timezone = "Europe/Berlin"

[console]
as = "zed"

[people.rita]
email = "rita@example.com"
role = "recruiter"
end
$ check-config
exit 1
~ [console] as = "zed" names nobody in [people]
-- BUG: the position is 1:1, not where "as" is (bot/cfg.c: check_people).
~ config.toml:5:
-- Two people with one email (compared without case); the position is 1:1 here too.
config
[people.rita]
email = "rita@example.com"

[people.rita2]
email = "RITA@example.com"
end
$ check-config
exit 1
~ [people.rita2] has the same email as [people.rita]

-- Secrets: password_env names an environment variable; the value is masked.
config
[smtp]
host = "mail.example.com"
user = "bot"
password_env = "INTERVIEWD_TEST_SMTP_PASSWORD"
end
$ check-config
exit 1
~ environment variable INTERVIEWD_TEST_SMTP_PASSWORD (named by "password_env") is not set
env INTERVIEWD_TEST_SMTP_PASSWORD=hunter2
$ check-config
exit 0
~ password = "********"
!~ hunter2
config
[smtp]
password = "hunter2"
tls = "sometimes"
end
$ check-config
exit 1
~ "sometimes" is not a TLS mode (starttls, optional, implicit or off)
config
[smtp]
pasword = "x"
end
$ check-config
exit 1
~ unknown key "pasword" in [smtp] (did you mean "password"?)
