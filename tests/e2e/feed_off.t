-- Without [http] listen there are no feeds: the chat command and feed-url say how to
-- turn them on, and change nothing.
config
[people.rita]
email = "rita@example.com"
role = "recruiter"
end
now 2031-03-09T09:00:00+01:00
as rita
> whoami
>x feed
= error calendar feeds are off here: an administrator sets [http] listen (and public_url) in the config to turn them on
sql SELECT count(*) FROM access_tokens => 0
$ feed-url rita
exit 1
~ set [http] listen first
