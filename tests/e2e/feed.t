-- The chat command feed, and the tokens behind the HTTP endpoint (commands/access.c):
-- feeds off without [http]; with it, the address goes to the person privately, is the
-- same when asked again, changes on rotate; api-token and feed-url from the command line.
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

[http]
listen = "127.0.0.1:8470"
public_url = "https://iv.example.com/"

[digest.team]
console = "rita"
end
now 2031-03-09T09:00:00+01:00

-- The console is private: the reply shows the address, and a chat line (a DM) has it too.
as alice
> feed
= data.message "Your feed"
~ data.text https://iv.example.com/feeds/f2-1-
chat 1
chat ~ https://iv.example.com/feeds/f2-1-
sql SELECT generation FROM access_tokens WHERE kind = 'f' AND subject = '2' => 1
> feed
~ data.text https://iv.example.com/feeds/f2-1-
sql SELECT count(*) FROM access_tokens => 1
> feed rotate
= data.message "Your feed has a new address"
~ data.text https://iv.example.com/feeds/f2-2-
~ data.text The old address no longer works.
sql SELECT generation FROM access_tokens WHERE kind = 'f' AND subject = '2' => 2
sql SELECT action FROM audit ORDER BY id => feed sent;feed sent;feed rotated
>! feed now
= error feed takes nothing, or rotate; not "now"
>! feed rotate twice
-- The tokens of the command line: the same until rotated; an unknown person or team
-- is refused.
$ api-token alice
exit 0
~ a2-1-
$ api-token alice --rotate
exit 0
~ a2-2-
$ api-token nobody
exit 1
~ nobody: no recruiter or interviewer has this handle
$ api-token
exit 2
$ feed-url alice
exit 0
~ https://iv.example.com/feeds/f2-2-
$ feed-url --team team
exit 0
~ https://iv.example.com/feeds/tteam-1-
$ feed-url --team nope
exit 1
~ no team channel [digest.nope]
$ export --format csv
exit 0
~ id,round,status,scheduled_datetime
$ export
exit 2
~ which format? --format
$ export --format
exit 2
~ this option needs a value: "--format"
$ export --format csv --output
exit 2
~ this option needs a value: "--output"
