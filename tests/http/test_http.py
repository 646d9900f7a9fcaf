#!/usr/bin/python3
"""End-to-end test of interviewd's HTTP endpoint ([http] listen): the real binary,
driven with curl, Python 3 standard library only.

usage: /usr/bin/python3 tests/http/test_http.py [--binary build-http/interviewd] [--keep]

Two daemons (`interviewd -c CONFIG run --headless`, no console: email, clock and HTTP)
run one after the other on one temporary database, listening on 127.0.0.1 at a port
free at run time. Every process (daemon, console, api-token, feed-url) has
INTERVIEWD_NOW in its environment, Monday 2031-03-10T09:00:00+01:00:

  daemon A   the fixed time. Data is made with `console --as rita --json` beside it;
             then authz, bad JSON, methods, unknown ids, oversized and chunked
             bodies, path tricks, the lifecycle (cancel, reschedule, conflicts, .eml
             notices), Idempotency-Key and /metrics; SIGTERM.
  daemon B   INTERVIEWD_NOW=@FILE (lib/clock.h: read at every call), so time moves
             while it runs: complete after the start time, the calendar feeds parsed
             with ical.js (tests/http/feed_check.js: person, team, window, rotation,
             HEAD), SIGHUP reloads (a new person, a team's panel, a refused file, a
             [http] listen change), the 30-days-back edge of the feeds; SIGTERM.

Every request is one `curl -s -D HEADERS -o BODY -w '%{http_code}' --path-as-is`;
statuses, headers (Allow, WWW-Authenticate, Content-Type, Content-Length) and bodies
(the {"success", "data"|"error"} envelope) are checked. After the requests that may
hurt the daemon (bodies, paths, JSON) it must still be running and /healthz answer
200; when it died, that is one failed check and a new daemon is started on the same
database so that the rest still runs. At the end every line of the daemons' stderr
must be logfmt (`ts=... level=... part=... msg=...`) and hold none of the tokens.

Prints one line per failed check ("FAIL case: what: expected ..., actual ..."), notes
on stderr, then "N passed, M failed" (tests/tally.py) and last "http end to end: N
passed, M failed"; exits 0 only when none failed. Takes about 20 s (some of it
waiting for answers that do not come: chunked bodies, notices); an alarm stops it at
58 s. The temporary directory is removed unless --keep.
"""

import argparse
import datetime as dt
import email
import email.policy
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, ".."))
from endpoint import free_port  # noqa: E402
from tally import T, note, wait_until  # noqa: E402

FEED_CHECK = os.path.join(HERE, "feed_check.js")
START = "2031-03-10T09:00:00+01:00"  # a Monday; Europe/Berlin is on CET (+01:00) then
LOGFMT = re.compile(r'^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z level=(debug|info|warn|error) '
                    r'part=[a-z_]+ msg="')
# the whole line: key=value pairs, a quoted value with its " and \ escaped
PAIR = r'[a-z_][a-z0-9_.-]*=("([^"\\]|\\.)*"|[^\s"=]*)'
LOGFMT_PAIRS = re.compile(r'^%s( %s)*$' % (PAIR, PAIR))


class Timeout(Exception):
    pass


class Resp:
    def __init__(self, status, headers, body, rc, err):
        self.status, self.headers, self.body, self.rc, self.err = status, headers, body, rc, err

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def data(self):
        j = self.json
        return j.get("data") if isinstance(j, dict) and isinstance(j.get("data"), dict) else {}

    def interview(self):
        return self.data().get("interview") or {}

    def __repr__(self):
        return "%s %s" % (self.status, self.text[:200])


class Ctx:
    """The temporary directory, the config, the daemon, the tokens seen."""

    def __init__(self, binary, keep):
        self.binary = os.path.abspath(binary)
        self.dir = tempfile.mkdtemp(prefix="interviewd-http-")
        self.keep = keep
        self.cfg = os.path.join(self.dir, "interviewd.toml")
        self.db = os.path.join(self.dir, "interviewd.db")
        self.outbox = os.path.join(self.dir, "mail")
        self.nowfile = os.path.join(self.dir, "now")
        self.port = free_port()
        self.now = START  # INTERVIEWD_NOW: a time, or "@" + nowfile
        self.daemon = None
        self.daemon_err = None
        self.runs = 0
        self.errfiles = []
        self.secrets = set()  # every token and feed token printed: never in a log
        self.ncurl = 0
        self.write_config()

    # -- config, environment, command line

    def write_config(self, people_extra="", team=("alice",), listen=None, broken=False):
        text = """# written by tests/http/test_http.py
[general]
timezone = "Europe/Berlin"

[store]
path = "%s"

[mail]
outbox_dir = "%s"
from = "interviewd <interviewd@example.com>"

[http]
listen = "127.0.0.1:%d"
max_body = 2048

[people.rita]
role = "recruiter"
name = "Rita Recruiter"
email = "rita@example.com"

[people.alice]
role = "interviewer"
email = "alice@example.com"

[people.bob]
role = "interviewer"
email = "bob@example.com"
%s
[digest.team]
console = "rita"
interviewers = [%s]
""" % (self.db, self.outbox, listen or self.port, people_extra, ", ".join('"%s"' % h for h in team))
        if broken:
            text += "\n[people.dave\nrole = \"interviewer\"\n"
        tmp = self.cfg + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.cfg)

    def env(self):
        e = dict(os.environ)
        e["INTERVIEWD_NOW"] = self.now
        e["LC_ALL"] = "C.UTF-8"
        for k in ("INTERVIEWD_SLACK_APP_TOKEN", "INTERVIEWD_SLACK_BOT_TOKEN", "INTERVIEWD_MATRIX_TOKEN"):
            e.pop(k, None)
        return e

    def set_now(self, iso):
        """Moves the clock of daemon B (INTERVIEWD_NOW=@FILE)."""
        tmp = self.nowfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(iso + "\n")
        os.rename(tmp, self.nowfile)

    def cli(self, *args, stdin=None):
        p = subprocess.run([self.binary, "-c", self.cfg] + list(args), input=stdin, capture_output=True,
                           text=True, env=self.env(), timeout=15)
        return p

    def console(self, lines, as_="rita"):
        p = self.cli("console", "--as", as_, "--json", stdin="".join(line + "\n" for line in lines))
        out = []
        for line in p.stdout.splitlines():
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if isinstance(j, dict) and "success" in j:  # not the person's chat lines (a digest)
                out.append(j)
        T.check("console --as %s exits 0" % as_, p.returncode == 0, 0, "%s %s" % (p.returncode, p.stderr[-300:]))
        T.eq("console --as %s: one JSON reply per command" % as_, len(lines), len(out))
        return out

    def token(self, handle, rotate=False):
        p = self.cli("api-token", handle, *(["--rotate"] if rotate else []))
        tok = p.stdout.strip()
        T.check("api-token %s%s prints a token" % (handle, " --rotate" if rotate else ""),
                p.returncode == 0 and re.fullmatch(r"a\S+", tok) is not None, "exit 0 and a token",
                "%s %r %s" % (p.returncode, tok, p.stderr[-200:]))
        if tok:
            self.secrets.add(tok)
        return tok

    def feed_url(self, *args):
        p = self.cli("feed-url", *args)
        url = p.stdout.strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/feeds/([^/]+)\.ics)", url)
        T.check("feed-url %s prints http://127.0.0.1:PORT/feeds/TOKEN.ics" % " ".join(args),
                p.returncode == 0 and m is not None, "exit 0 and a feed URL", "%s %r %s" % (p.returncode, url,
                                                                                          p.stderr[-200:]))
        if not m:
            return "/feeds/none.ics"
        self.secrets.add(m.group(3))
        return m.group(2)

    # -- the daemon

    def start(self, name):
        self.runs += 1
        errfile = os.path.join(self.dir, "daemon-%d-%s.err" % (self.runs, name))
        self.errfiles.append(errfile)
        self.daemon_err = errfile
        with open(errfile, "w") as err, open(os.path.join(self.dir, "daemon-%d.out" % self.runs), "w") as out:
            self.daemon = subprocess.Popen([self.binary, "-c", self.cfg, "run", "--headless"], stdin=subprocess.DEVNULL,
                                           stdout=out, stderr=err, env=self.env(), cwd=self.dir)
        up = wait_until(lambda: self.daemon.poll() is not None or self.get("/healthz", timeout=1).status == 200, 8,
                        0.05)
        ok = T.check("daemon %s starts and /healthz answers 200" % name, up and self.daemon.poll() is None,
                     "running, 200", "exit %s; %s" % (self.daemon.poll(), self.stderr()[-400:]))
        return ok

    def stderr(self):
        try:
            with open(self.daemon_err, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def alive(self, what):
        """The daemon still runs and /healthz answers 200; if it died, a FAIL and a new one."""
        r = self.get("/healthz", timeout=3) if self.daemon.poll() is None else None
        if r is not None and r.status == 200:
            return T.check("after %s: the daemon answers /healthz with 200" % what, True)
        try:
            rc = self.daemon.wait(timeout=1)  # a crash may still be on its way
        except subprocess.TimeoutExpired:
            return T.check("after %s: the daemon answers /healthz with 200" % what, False, 200, r)
        T.check("after %s: the daemon is still running" % what, False, "running",
                "exited %s (%s)" % (rc, "signal %s" % signal.Signals(-rc).name if rc < 0 else "status %d" % rc))
        note("daemon died (%s): starting another on the same database" % rc)
        self.start("restarted")
        return False

    def stop(self, what):
        """SIGTERM: exits 0 within 5 s."""
        if not self.daemon or self.daemon.poll() is not None:
            T.check("%s: the daemon is running before SIGTERM" % what, False, "running", self.daemon.poll())
            return
        t0 = time.monotonic()
        self.daemon.send_signal(signal.SIGTERM)
        try:
            rc = self.daemon.wait(timeout=8)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            rc = self.daemon.wait()
            rc = "still running after 8 s"
        took = time.monotonic() - t0
        T.eq("%s: SIGTERM: exit status" % what, 0, rc)
        T.check("%s: SIGTERM: exits within 5 s" % what, took < 5, "< 5 s", "%.2f s" % took)
        r = self.get("/healthz", timeout=1)
        T.check("%s: nothing listens after it stopped" % what, r.status == 0, "connection refused", r)

    # -- HTTP, through curl

    def curl(self, method, path, token=None, body=None, ctype="application/json", headers=(), extra=(),
             timeout=5, port=None):
        """One request with curl; status 0 when no HTTP answer came (rc says why)."""
        self.ncurl += 1
        hfile = os.path.join(self.dir, "curl.h")
        bfile = os.path.join(self.dir, "curl.b")
        for f in (hfile, bfile):
            if os.path.exists(f):
                os.unlink(f)
        url = "http://127.0.0.1:%d%s" % (port or self.port, path)
        args = ["curl", "-s", "-S", "--path-as-is", "--max-time", str(timeout), "-D", hfile, "-o", bfile,
                "-w", "%{http_code}"]
        if method == "HEAD":
            args.append("-I")
        elif method != "GET" or body is not None:
            args += ["-X", method]
        if token is not None:
            args += ["-H", "Authorization: Bearer " + token]
        if body is not None:
            dfile = os.path.join(self.dir, "curl.d")
            with open(dfile, "wb") as f:
                f.write(body if isinstance(body, bytes) else body.encode())
            args += ["--data-binary", "@" + dfile]
            args += ["-H", "Content-Type:" + (" " + ctype if ctype else "")]
        for h in headers:
            args += ["-H", h]
        args += list(extra) + [url]
        p = subprocess.run(args, capture_output=True, timeout=timeout + 5)
        return self._resp(p.returncode, p.stdout, p.stderr, hfile, bfile)

    @staticmethod
    def _resp(rc, stdout, stderr, hfile, bfile):
        try:
            status = int(stdout.decode().strip()[-3:] or 0)
        except ValueError:
            status = 0
        headers = {}
        try:
            with open(hfile, "rb") as f:
                raw = f.read().decode("latin-1")
            blocks = [b for b in re.split(r"\r?\n\r?\n", raw) if b.startswith("HTTP/")]
            if blocks:
                for line in blocks[-1].splitlines()[1:]:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
        except OSError:
            pass
        try:
            with open(bfile, "rb") as f:
                body = f.read()
        except OSError:
            body = b""
        return Resp(status, headers, body, rc, stderr.decode(errors="replace").strip())

    def get(self, path, token=None, **kw):
        return self.curl("GET", path, token=token, **kw)

    def post(self, path, body, token=None, **kw):
        return self.curl("POST", path, token=token, body=body, **kw)


# ---------------------------------------------------------------------------------
# checks shared by the cases

def envelope(what, r, status, error=None, allow=None, challenge=False):
    """R has STATUS, a JSON body in the envelope (success false with an error matching
    the regex ERROR for 4xx/5xx), and the headers that status needs."""
    if not T.eq("%s: status" % what, status, r.status):
        if r.status == 0:
            note("%s: no answer: curl exit %s: %s" % (what, r.rc, r.err))
        return False  # one FAIL per wrong answer: its body is shown in that line
    ok = True
    T.check("%s: Content-Type application/json" % what,
            r.headers.get("content-type", "").startswith("application/json"), "application/json",
            r.headers.get("content-type"))
    j = r.json
    if not T.check("%s: the body is a JSON object" % what, isinstance(j, dict), "JSON object", r.text[:200]):
        return False
    if status >= 400:
        ok &= T.check("%s: success false with an error" % what,
                      j.get("success") is False and isinstance(j.get("error"), str) and j["error"] != "",
                      '{"success": false, "error": "..."}', r.text[:300])
        if error:
            ok &= T.check("%s: the error says %r" % (what, error), re.search(error, j.get("error") or "", re.I)
                          is not None, error, j.get("error"))
        ok &= T.check("%s: no usage of the command language" % what, "usage" not in j, "no usage", j.get("usage"))
    else:
        ok &= T.check("%s: success true with data" % what, j.get("success") is True and isinstance(j.get("data"), dict),
                      '{"success": true, "data": {...}}', r.text[:300])
    if allow is not None:
        ok &= T.eq("%s: Allow" % what, allow, r.headers.get("allow"))
    if challenge:
        ok &= T.check("%s: WWW-Authenticate: Bearer" % what,
                      r.headers.get("www-authenticate", "").lower().startswith("bearer"), "Bearer ...",
                      r.headers.get("www-authenticate"))
    else:
        T.check("%s: no WWW-Authenticate" % what, "www-authenticate" not in r.headers, "absent",
                r.headers.get("www-authenticate"))
    return ok


def ids_of(r):
    return sorted(iv.get("id") for iv in r.data().get("interviews") or [])


def emails(ctx, kind, interview):
    """The To: addresses of the .eml files of KIND (scheduled, cancelled, ...) about INTERVIEW."""
    found = []
    for path in sorted(glob.glob(os.path.join(ctx.outbox, "*-%s.eml" % kind))):
        try:
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
        except OSError:
            continue
        if str(msg.get("X-Interviewd-Interview", "")).strip() == str(interview):
            found.append(str(msg.get("To", "")))
    return found


def metrics(ctx):
    r = ctx.get("/metrics")
    values = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            name, _, v = line.rpartition(" ")
            try:
                values[name] = float(v)
            except ValueError:
                values[name] = None
    return r, values


# ---------------------------------------------------------------------------------
# daemon A: the fixed clock

def case_seed(ctx, s):
    T.case = "seed"
    r = ctx.get("/healthz")
    envelope_ok = T.eq("healthz: status", 200, r.status)
    j = r.json or {}
    if envelope_ok:
        T.check("healthz: Content-Type application/json", r.headers.get("content-type", "").startswith(
            "application/json"), "application/json", r.headers.get("content-type"))
        T.eq("healthz: status field", "ok", j.get("status"))
        parts = j.get("parts") or {}
        for part in ("http", "mail", "clock"):
            T.eq("healthz: part %s is up" % part, "up", (parts.get(part) or {}).get("state"))
        out = j.get("outbox") or {}
        T.check("healthz: outbox depth and oldest_due", isinstance(out.get("depth"), int) and "oldest_due" in out,
                "depth (int), oldest_due", out)
    replies = ctx.console([
        'schedule candidate:"Jane Doe <jane@example.com>" job:"Data Scientist" when:"2031-03-11 14:00" with:alice',
        'schedule candidate:"John Roe <john@example.com>" when:"2031-03-12 10:00" with:bob',
        'schedule candidate:"Kate Poe <kate@example.com>" when:"2031-03-12 15:00" with:bob location:"Room 7"',
    ])
    ids = [((x.get("data") or {}).get("interview") or {}).get("id") for x in replies]
    T.check("three interviews scheduled", len(ids) == 3 and all(isinstance(i, int) for i in ids), "3 ids", replies)
    s["jane"], s["john"], s["kate"] = (ids + [None] * 3)[:3]
    s["jane_cand"] = ((replies[0].get("data") or {}).get("interview") or {}).get("candidate_id") if replies else None
    s["rita"] = ctx.token("rita")
    s["alice"] = ctx.token("alice")
    s["bob"] = ctx.token("bob")
    T.eq("api-token prints the same token again", s["rita"], ctx.cli("api-token", "rita").stdout.strip())


def case_authz(ctx, s):
    T.case = "authz"
    up = "/api/v1/interviews/upcoming?days_ahead=30"
    envelope("no Authorization", ctx.get(up), 401, "token", challenge=True)
    envelope("Authorization: Basic", ctx.get(up, headers=["Authorization: Basic cml0YTpwYXNz"]), 401, challenge=True)
    envelope("Authorization: Token (wrong scheme)", ctx.get(up, headers=["Authorization: Token " + s["rita"]]), 401,
             challenge=True)
    envelope("Bearer with nothing after it", ctx.get(up, headers=["Authorization: Bearer"]), 401, challenge=True)
    envelope("a garbage token", ctx.get(up, token="garbage"), 401, "not valid", challenge=True)
    envelope("a token one character off", ctx.get(up, token=s["rita"][:-1] + ("0" if s["rita"][-1] != "0" else "1")),
             401, challenge=True)
    envelope("a token of another generation", ctx.get(up, token=re.sub(r"-(\d+)-", "-7-", s["rita"], count=1)), 401,
             challenge=True)
    envelope("a token naming another person with rita's MAC",
             ctx.get(up, token=re.sub(r"^a\d+", "a" + s["alice"].split("-")[0][1:], s["rita"])), 401, challenge=True)
    envelope("a 2000-byte token", ctx.get(up, token="a" + "1" * 1999), 401, challenge=True)
    # a POST without a token: 401 before anything about its body
    envelope("POST cancel without a token", ctx.post("/api/v1/interviews/%s/cancel" % s["jane"], '{"reason": "x"}'),
             401, challenge=True)
    # a feed's token is no API token
    feed_tok = ctx.feed_url("alice").split("/")[-1][:-4]
    envelope("a feed token as Bearer", ctx.get(up, token=feed_tok), 401, challenge=True)

    r = ctx.get(up, token=s["rita"])
    envelope("rita: upcoming", r, 200)
    T.eq("rita: upcoming lists every interview", sorted([s["jane"], s["john"], s["kate"]]), ids_of(r))
    T.eq("rita: upcoming count/total", (3, 3), (r.data().get("count"), r.data().get("total")))
    r = ctx.get(up, token=s["alice"])
    envelope("alice: upcoming", r, 200)
    T.eq("alice (interviewer): upcoming lists only her own", [s["jane"]], ids_of(r))
    T.check("alice: every listed interview has her on the panel",
            all("alice" in (iv.get("interviewers") or []) for iv in r.data().get("interviews") or []), "alice in panel",
            r.text[:300])
    r = ctx.get(up, token=s["bob"])
    T.eq("bob (interviewer): upcoming lists only his own", sorted([s["john"], s["kate"]]), ids_of(r))
    r = ctx.get("/api/v1/interviews/upcoming?days_ahead=30&limit=1", token=s["rita"])
    envelope("rita: limit=1", r, 200)
    T.eq("limit=1: one row, total 3", (1, 1, 3), (len(ids_of(r)), r.data().get("count"), r.data().get("total")))

    envelope("alice reads her own interview", ctx.get("/api/v1/interviews/%s" % s["jane"], token=s["alice"]), 200)
    envelope("alice reads bob's interview", ctx.get("/api/v1/interviews/%s" % s["john"], token=s["alice"]), 403,
             "not one of your")
    envelope("alice reads a candidate", ctx.get("/api/v1/candidates/%s/interviews" % s["jane_cand"],
                                                token=s["alice"]), 403, "recruiter")
    r = ctx.post("/api/v1/interviews/%s/cancel" % s["jane"], '{"reason": "alice tries"}', token=s["alice"])
    envelope("alice cancels her own interview", r, 403, "recruiter")
    r = ctx.post("/api/v1/interviews/%s/reschedule" % s["jane"], '{"scheduled_datetime": "2031-03-20T10:00:00+01:00"}',
                 token=s["alice"])
    envelope("alice reschedules her own interview", r, 403)
    r = ctx.get("/api/v1/interviews/%s" % s["jane"], token=s["rita"])
    T.eq("after the refused cancel the interview is still scheduled", "scheduled", r.interview().get("status"))
    r = ctx.get("/api/v1/candidates/%s/interviews" % s["jane_cand"], token=s["rita"])
    envelope("rita reads a candidate", r, 200)
    T.eq("rita: the candidate's email", "jane@example.com", (r.data().get("candidate") or {}).get("email"))
    T.eq("rita: the candidate's interviews", [s["jane"]], ids_of(r))
    r = ctx.get("/api/v1/interviews/%s" % s["john"], token=s["rita"])
    envelope("rita reads bob's interview", r, 200)
    T.eq("GET interview: its id, candidate and UTC time",
         (s["john"], "John Roe", "2031-03-12T09:00:00Z", "scheduled"),
         (r.interview().get("id"), r.interview().get("candidate_name"), r.interview().get("scheduled_datetime"),
          r.interview().get("status")))

    # rotation: the old token stops working, the new one works
    old = s["alice"]
    s["alice"] = ctx.token("alice", rotate=True)
    T.check("api-token --rotate prints a new token", s["alice"] != old, "a different token", s["alice"])
    envelope("alice's rotated (old) token", ctx.get(up, token=old), 401, "not valid", challenge=True)
    envelope("alice's new token", ctx.get(up, token=s["alice"]), 200)
    s["old_alice"] = old


def case_json(ctx, s):
    T.case = "json"
    cancel = "/api/v1/interviews/%s/cancel" % s["kate"]
    complete = "/api/v1/interviews/%s/complete" % s["kate"]
    resched = "/api/v1/interviews/%s/reschedule" % s["kate"]
    tok = s["rita"]
    for what, path, body, err in [
        ("truncated JSON", cancel, '{"reason": "x', "not JSON"),
        ("truncated after a colon", cancel, '{"reason":', "not JSON"),
        ("an array, not an object", cancel, '["reason", "x"]', "object"),
        ("a string, not an object", cancel, '"reason"', "object"),
        ("null", cancel, "null", "object"),
        ("a number", cancel, "42", "object"),
        ("trailing garbage", cancel, '{"reason": "x"} junk', "not JSON"),
        ("two objects", cancel, '{"reason": "x"}{"reason": "y"}', "not JSON"),
        ("single quotes", cancel, "{'reason': 'x'}", "not JSON"),
        ("rating as a string", complete, '{"rating": "4"}', "rating"),
        ("rating as a fraction", complete, '{"rating": 4.5}', "rating"),
        ("rating as a boolean", complete, '{"rating": true}', "rating"),
        ("rating as null", complete, '{"rating": null}', "rating"),
        ("reason as a number", cancel, '{"reason": 1}', "reason"),
        ("reason as an object", cancel, '{"reason": {"a": 1}}', "reason"),
        ("interviewers as a string", resched, '{"interviewers": "alice"}', "interviewers"),
        ("interviewers with a number", resched, '{"interviewers": ["alice", 3]}', "interviewers"),
        ("interviewers empty", resched, '{"interviewers": []}', "interviewers"),
        ("duration_minutes as a string", resched, '{"duration_minutes": "45"}', "duration_minutes"),
        ("an unknown field", cancel, '{"reason": "x", "bogus": 1}', "unknown field"),
        ("a field of another action", cancel, '{"reason": "x", "rating": 4}', "unknown field"),
        ("a command option as a field", resched, '{"when": "2031-03-20 10:00"}', "unknown field"),
        ("a field name with a colon", complete, '{"notes:notes": "x"}', "unknown field"),
        ("a field name that is a suffix", complete, '{"ing": 4}', "unknown field"),
        ("an empty body", cancel, "", "empty"),
        ("whitespace only", cancel, "   \n", "not JSON"),
        ("a deeply nested body", cancel, "[" * 1020 + "]" * 1020, None),
    ]:
        r = ctx.post(path, body, token=tok)
        envelope(what, r, 400, err)
    # a value that holds quotes and options stays one value of the command
    envelope("a value that tries to add an option", ctx.post(cancel, '{"reason": "x\\" force:yes reason:\\"y"}',
                                                              token=tok), 200)
    r = ctx.get("/api/v1/interviews/%s" % s["kate"], token=tok)
    T.eq("the quoted reason is kept whole", 'x" force:yes reason:"y', r.interview().get("cancel_reason"))
    # it is cancelled now: put it back with a reschedule for the later cases
    r = ctx.post(resched, '{"scheduled_datetime": "2031-03-12T15:00:00+01:00", "location": "Room 7"}', token=tok)
    envelope("reschedule the cancelled interview back", r, 200)
    s["kate"] = r.interview().get("id") or s["kate"]
    cancel = "/api/v1/interviews/%s/cancel" % s["kate"]

    # content types
    envelope("Content-Type text/plain", ctx.post(cancel, '{"reason": "x"}', token=tok, ctype="text/plain"), 415, "JSON")
    envelope("Content-Type form (curl's default)",
             ctx.post(cancel, '{"reason": "x"}', token=tok, ctype="application/x-www-form-urlencoded"), 415)
    envelope("Content-Type multipart", ctx.post(cancel, "--b--", token=tok, ctype="multipart/form-data; boundary=b"),
             415)
    r = ctx.post("/api/v1/interviews/999999/cancel", '{"reason": "x"}', token=tok,
                 ctype="Application/JSON; charset=utf-8")
    envelope("Content-Type Application/JSON; charset=utf-8 is JSON", r, 404, "no interview")
    envelope("POST with no Content-Type and an empty body", ctx.curl("POST", cancel, token=tok), 400, "empty")
    r = ctx.get("/api/v1/interviews/%s" % s["kate"], token=tok)
    T.eq("after all the refused bodies the interview is still scheduled", "scheduled", r.interview().get("status"))
    # a JSON object with an empty key: the field lookup must refuse it, not run off the end
    # of its table (undefined behaviour: a crash in most runs, a 400 in some)
    for action, body in (("cancel", '{"": 1}'), ("complete", '{"": "x"}'), ("reschedule", '{"": 1}')):
        r = ctx.post("/api/v1/interviews/%s/%s" % (s["kate"], action), body, token=tok)
        envelope("an empty field name %s on %s" % (body, action), r, 400, "unknown field")
        ctx.alive("POST %s %s" % (action, body))


def case_methods(ctx, s):
    T.case = "methods"
    tok = s["rita"]
    iv = "/api/v1/interviews/%s" % s["john"]
    for method, path, allow in [
        ("GET", iv + "/cancel", "POST"),
        ("GET", iv + "/complete", "POST"),
        ("GET", iv + "/reschedule", "POST"),
        ("PUT", iv + "/cancel", "POST"),
        ("DELETE", iv + "/cancel", "POST"),
        ("DELETE", iv, "GET, HEAD"),
        ("PUT", iv, "GET, HEAD"),
        ("PATCH", iv, "GET, HEAD"),
        ("POST", iv, "GET, HEAD"),
        ("OPTIONS", iv, "GET, HEAD"),
        ("POST", "/api/v1/interviews/upcoming", "GET, HEAD"),
        ("DELETE", "/api/v1/interviews/upcoming", "GET, HEAD"),
        ("POST", "/api/v1/candidates/%s/interviews" % s["jane_cand"], "GET, HEAD"),
        ("POST", "/healthz", "GET, HEAD"),
        ("PUT", "/healthz", "GET, HEAD"),
        ("POST", "/metrics", "GET, HEAD"),
        ("DELETE", "/feeds/whatever.ics", "GET, HEAD"),
    ]:
        body = '{"reason": "x"}' if method in ("POST", "PUT", "PATCH") else None
        r = ctx.curl(method, path, token=tok, body=body)
        envelope("%s %s" % (method, path), r, 405, "takes", allow=allow)
    r = ctx.get(iv, token=tok)
    T.eq("after the refused methods the interview is still scheduled", "scheduled", r.interview().get("status"))
    # HEAD on a GET route: the GET's headers, no body
    g = ctx.get("/api/v1/interviews/%s" % s["john"], token=tok)
    h = ctx.curl("HEAD", "/api/v1/interviews/%s" % s["john"], token=tok)
    T.eq("HEAD interview: status", 200, h.status)
    T.eq("HEAD interview: Content-Length as the GET's body", str(len(g.body)), h.headers.get("content-length"))
    T.eq("HEAD /healthz: status", 200, ctx.curl("HEAD", "/healthz").status)
    # one connection, several requests: a refused one does not spoil the next
    base = "http://127.0.0.1:%d" % ctx.port
    urls = []
    for u in (base + iv, base + iv + "/cancel", base + "/nope", base + iv):
        urls += ["-o", "/dev/null", u]
    p = subprocess.run(["curl", "-s", "--max-time", "5", "-H", "Authorization: Bearer " + tok,
                        "-w", "%{http_code} %{num_connects}\\n"] + urls, capture_output=True, text=True, timeout=10)
    T.eq("four requests on one kept-alive connection: statuses and new connections",
         ["200 1", "405 0", "404 0", "200 0"], p.stdout.split("\n")[:4])
    # a method the server does not know: libwebsockets refuses it before interviewd sees
    # it (its own 403 page); what matters is that nothing is served or done
    for method in ("TRACE", "FROB"):
        r = ctx.curl(method, iv, token=tok)
        T.check("%s %s: refused (403 from libwebsockets, 405 or 501)" % (method, iv), r.status in (403, 405, 501)
                and b'"interview"' not in r.body, "403, 405 or 501", r)
    ctx.alive("unknown methods")


def case_ids(ctx, s):
    T.case = "ids"
    tok = s["rita"]
    for idtext in ("999999", "1000000000000"):
        envelope("GET interview %s" % idtext, ctx.get("/api/v1/interviews/" + idtext, token=tok), 404, "no interview")
        envelope("POST cancel %s" % idtext, ctx.post("/api/v1/interviews/%s/cancel" % idtext, '{"reason": "x"}',
                                                    token=tok), 404, "no interview")
        envelope("POST complete %s" % idtext, ctx.post("/api/v1/interviews/%s/complete" % idtext, '{}', token=tok),
                 404)
        envelope("POST reschedule %s" % idtext, ctx.post(
            "/api/v1/interviews/%s/reschedule" % idtext, '{"scheduled_datetime": "2031-03-20T10:00:00+01:00"}',
            token=tok), 404)
    envelope("GET candidate 999999", ctx.get("/api/v1/candidates/999999/interviews", token=tok), 404, "no candidate")
    for idtext in ("0", "abc", "-1", "1e3", "0x10", "1000000000001", "99999999999999999999",
                   "18446744073709551617", "9" * 300):
        envelope("GET interview %s" % idtext[:30], ctx.get("/api/v1/interviews/" + idtext, token=tok), 404)
        envelope("GET candidate %s" % idtext[:30], ctx.get("/api/v1/candidates/%s/interviews" % idtext, token=tok),
                 404)
        envelope("POST cancel %s" % idtext[:30], ctx.post("/api/v1/interviews/%s/cancel" % idtext, '{"reason": "x"}',
                                                        token=tok), 404)
    envelope("an unknown action", ctx.post("/api/v1/interviews/%s/start" % s["john"], '{}', token=tok), 404,
             "no such action")
    envelope("an unknown collection", ctx.get("/api/v1/people/1", token=tok), 404)
    envelope("another API version", ctx.get("/api/v2/interviews/%s" % s["john"], token=tok), 404)
    envelope("a path past the action", ctx.get("/api/v1/interviews/%s/cancel/x" % s["john"], token=tok), 404)
    envelope("/", ctx.get("/"), 404)
    envelope("/api", ctx.get("/api"), 404)
    envelope("/api/v1", ctx.get("/api/v1", token=tok), 404)
    envelope("an unknown id without a token", ctx.get("/api/v1/interviews/999999"), 401, challenge=True)
    ctx.alive("unknown ids")


def case_bodies(ctx, s):
    T.case = "bodies"
    tok = s["rita"]
    cancel = "/api/v1/interviews/%s/cancel" % s["kate"]
    big = json.dumps({"reason": "x" * 5000})
    r = ctx.post(cancel, big, token=tok)
    envelope("Content-Length 5013 over max_body 2048", r, 413, "larger")
    T.eq("413: Connection: close", "close", r.headers.get("connection", "").lower())
    ctx.alive("a body over max_body")
    r = ctx.post(cancel, big, token=tok, headers=["Expect:"])
    envelope("Content-Length over max_body, no Expect: 100-continue", r, 413, "larger")
    r = ctx.post(cancel, '{}', token=tok, headers=["Content-Length: 99999999999999999999"])
    T.eq("Content-Length 99999999999999999999: status", 413, r.status)
    ctx.alive("a huge Content-Length")
    just = json.dumps({"reason": "y" * (2048 - len('{"reason": ""}'))})
    r = ctx.post("/api/v1/interviews/999999/cancel", just, token=tok)
    envelope("a body of exactly max_body", r, 404, "no interview")
    # chunked bodies (no Content-Length): over max_body, and a small one; both at once
    procs = []
    for name, body in (("big", big), ("small", '{"reason": "chunked small"}')):
        hfile = os.path.join(ctx.dir, "chunk-%s.h" % name)
        bfile = os.path.join(ctx.dir, "chunk-%s.b" % name)
        dfile = os.path.join(ctx.dir, "chunk-%s.d" % name)
        with open(dfile, "w") as f:
            f.write(body)
        path = cancel if name == "big" else "/api/v1/interviews/999999/cancel"
        args = ["curl", "-s", "-S", "--max-time", "3", "-D", hfile, "-o", bfile, "-w", "%{http_code}",
                "-H", "Authorization: Bearer " + tok, "-H", "Content-Type: application/json",
                "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + dfile,
                "http://127.0.0.1:%d%s" % (ctx.port, path)]
        procs.append((name, hfile, bfile, time.monotonic(),
                      subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    for name, hfile, bfile, t0, p in procs:
        out, err = p.communicate(timeout=10)
        took = time.monotonic() - t0
        r = Ctx._resp(p.returncode, out, err, hfile, bfile)
        if name == "big":
            T.check("chunked body over max_body: 411 (Content-Length needed) or 413, within 3 s",
                    r.status in (411, 413), "411 or 413", r)
        else:
            T.check("small chunked body: answered within 3 s (404 for #999999, or 411)", r.status in (404, 411),
                    "404 or 411", "%s (curl exit %s after %.1f s: %s)" % (r.status, r.rc, took, r.err))
    ctx.alive("chunked bodies")
    r = ctx.get("/api/v1/interviews/%s" % s["kate"], token=tok)
    T.eq("after the refused bodies the interview is still scheduled", "scheduled", r.interview().get("status"))


def case_paths(ctx, s):
    T.case = "paths"
    tok = s["rita"]

    def never_leak(what, r, allowed=(400, 404)):
        T.check("%s: no /etc/passwd" % what, b"root:" not in r.body, "no root:", r.text[:200])
        return T.check("%s: status" % what, r.status in allowed, " or ".join(map(str, allowed)), r)

    for p in ("/api/v1/../../etc/passwd", "/../../etc/passwd", "/api/v1/%2e%2e/%2e%2e/etc/passwd",
              "/feeds/../../etc/passwd", "/feeds/..%2f..%2fetc%2fpasswd.ics", "/%2e%2e/%2e%2e/etc/passwd",
              "/api/v1/interviews/..%5c..%5cetc%5cpasswd", "/etc/passwd", "/%252e%252e/etc/passwd"):
        never_leak(p, ctx.get(p, token=tok))
    # dot segments that land on a real route: that route's own answer
    r = ctx.get("/api/v1/interviews/../../../healthz")
    T.check("/api/v1/interviews/../../../healthz: 404, or /healthz itself",
            r.status == 404 or (r.status == 200 and (r.json or {}).get("status") == "ok"), "404 or healthz", r)
    r = ctx.get("//api//v1//interviews//%s" % s["john"], token=tok)
    T.check("//api//v1//interviews//ID: 404, or that interview",
            r.status == 404 or (r.status == 200 and r.interview().get("id") == s["john"]), "404 or the interview", r)
    # the path is percent-decoded and its dot segments resolved before routing (by
    # libwebsockets, as nginx does): %2F is a slash, so these are the routes they decode
    # to, with those routes' own rules (README "Operating it"); the token is still needed
    r = ctx.get("/api/v1/interviews%%2F%s" % s["john"], token=tok)
    T.check("/api/v1/interviews%2FID: the interview, as /api/v1/interviews/ID", r.status == 200
            and r.interview().get("id") == s["john"], "the interview", r)
    r = ctx.get("/api/v1/interviews%%2F%s" % s["john"])
    T.eq("/api/v1/interviews%2FID without a token: 401", 401, r.status)
    r = ctx.get("/feeds/..%2Fmetrics")
    T.check("/feeds/..%2Fmetrics is /metrics (public anyway)", r.status == 200 and b"interviewd_" in r.body,
            "/metrics", r)
    r = ctx.get("/feeds/..%2F..%2Fapi%2Fv1%2Finterviews%2F" + str(s["john"]))
    T.eq("/feeds/..%2F..%2Fapi%2F...ID without a token: 401, as the API", 401, r.status)
    for p in ("/healthz%00", "/api/v1/interviews/%s%%00" % s["john"], "/feeds/x%00.ics"):
        r = ctx.get(p, token=tok)
        T.check("%s: 400 or 404, or closed unanswered by libwebsockets" % p, r.status in (0, 400, 404)
                and b'"interview"' not in r.body, "400, 404 or no answer", "%s (curl exit %s: %s)" % (r.status, r.rc, r.err))
        ctx.alive(p)
    # long paths: 414 up to libwebsockets' header space (16 KiB), closed beyond it
    r = ctx.get("/" + "a" * 3000)
    envelope("a 3000-byte path", r, 414, "too long")
    pad = "/api/v1/interviews/" + "0" * (1023 - len("/api/v1/interviews/") - len(str(s["john"])))
    r = ctx.get(pad + str(s["john"]) + "x", token=tok)
    T.check("a 1025-byte path that would name #%s if cut at 1023 bytes: 414, never the interview" % s["john"],
            r.status == 414 and r.interview().get("id") is None, 414, r)
    for n, ok in ((5000, (414,)), (20000, (0, 414, 431))):
        r = ctx.get("/" + "a" * n)
        T.check("a %d-byte path: %s" % (n, ok), r.status in ok, ok, "%s (curl exit %s: %s)" % (r.status, r.rc, r.err))
        ctx.alive("a %d-byte path" % n)
    # query strings
    up = "/api/v1/interviews/upcoming"
    envelope("an unknown query argument", ctx.get(up + "?foo=1", token=tok), 400, "unknown query argument")
    envelope("a query argument on an interview", ctx.get("/api/v1/interviews/%s?x=1" % s["john"], token=tok), 400)
    envelope("a query argument on /healthz", ctx.get("/healthz?verbose=1"), 400)
    envelope("a query argument on a feed", ctx.get("/feeds/x.ics?x=1"), 400)
    for q in ("days_ahead=0", "days_ahead=367", "days_ahead=-1", "days_ahead=abc", "days_ahead=", "days_ahead=7x",
              "days_ahead=99999999999999999999", "limit=0", "limit=501", "limit=1.5", "days_ahead=1%26limit%3D2"):
        envelope("?%s" % q, ctx.get(up + "?" + q, token=tok), 400, "whole number")
    r = ctx.get(up + "?days_ahead=30&limit=2", token=tok)
    envelope("?days_ahead=30&limit=2", r, 200)
    T.eq("?days_ahead=30&limit=2: two rows", 2, len(ids_of(r)))
    r = ctx.get(up + "?days_ahead=%33%30", token=tok)
    envelope("?days_ahead=%33%30 (percent-encoded 30)", r, 200)
    for q in ("days_ahead=3&days_ahead=400", "days_ahead=400&days_ahead=3", "limit=1&limit=2&limit=3"):
        r = ctx.get(up + "?" + q, token=tok)
        envelope("repeated ?%s: refused" % q, r, 400, "given twice")
    r = ctx.get(up + "?" + "&".join(["limit=5"] * 16 + ["bogus=1"]), token=tok)
    envelope("an unknown argument after 16 others: too many", r, 400, "too many query arguments")
    long_value = "x" * 300
    envelope("a 300-byte days_ahead: too long", ctx.get(up + "?days_ahead=" + long_value, token=tok), 414,
             "too long")
    envelope("an unknown argument with a 300-byte value: too long", ctx.get(up + "?bogus=" + long_value, token=tok),
             414, "too long")
    envelope("/healthz with an unknown 300-byte argument: too long", ctx.get("/healthz?bogus=" + long_value), 414,
             "too long")
    r = ctx.get(up + "?" + "&".join(["limit=5"] * 300), token=tok)
    # libwebsockets has room for a bounded number of header pieces: past it, it closes
    T.check("300 query arguments: 400, 414 or 431, or closed by libwebsockets", r.status in (0, 400, 414, 431),
            "400, 414, 431 or closed", "%s (curl exit %s: %s)" % (r.status, r.rc, r.err))
    ctx.alive("path tricks")


def case_lifecycle(ctx, s):
    T.case = "lifecycle"
    tok = s["rita"]
    jane = s["jane"]
    r = ctx.post("/api/v1/interviews/%s/cancel" % jane, '{"reason": "candidate withdrew"}', token=tok)
    envelope("cancel with a reason", r, 200)
    T.eq("cancel: status and reason", ("cancelled", "candidate withdrew"),
         (r.interview().get("status"), r.interview().get("cancel_reason")))
    t0 = time.monotonic()
    got = wait_until(lambda: len(emails(ctx, "cancelled", jane)) >= 2, 2)
    T.check("cancel by the API: the notices (.eml) are written within 2 s", got, "2 cancelled .eml for #%s" % jane,
            "%s after %.1f s (outbox: %s)" % (emails(ctx, "cancelled", jane), time.monotonic() - t0,
                                             sorted(os.listdir(ctx.outbox)) if os.path.isdir(ctx.outbox) else "none"))
    r = ctx.get("/api/v1/interviews/%s" % jane, token=tok)
    T.eq("GET after cancel: cancelled, actions", ("cancelled", ["reschedule"]),
         (r.interview().get("status"), r.interview().get("actions")))
    envelope("cancel a cancelled interview", ctx.post("/api/v1/interviews/%s/cancel" % jane, '{"reason": "again"}',
                                                      token=tok), 409, "cancelled")
    envelope("cancel without a reason", ctx.post("/api/v1/interviews/%s/cancel" % s["john"], "{}", token=tok), 400,
             "reason")
    envelope("complete before the start time", ctx.post("/api/v1/interviews/%s/complete" % s["john"],
                                                        '{"rating": 4}', token=tok), 409, "not started")
    envelope("complete a cancelled interview", ctx.post("/api/v1/interviews/%s/complete" % jane, "{}", token=tok), 409)

    john = s["john"]
    body = {"scheduled_datetime": "2031-03-13T10:00:00+01:00", "duration_minutes": 45, "interview_type": "technical",
            "location": "Room 5", "meeting_link": "https://meet.example.com/x", "notes": "bring laptop",
            "reason": "panel change", "interviewers": ["alice", "bob"]}
    r = ctx.post("/api/v1/interviews/%s/reschedule" % john, json.dumps(body), token=tok)
    envelope("reschedule with every field", r, 200)
    new = r.interview()
    s["john2"] = new.get("id")
    T.check("reschedule: a new interview", isinstance(new.get("id"), int) and new.get("id") != john, "a new id",
            new.get("id"))
    T.eq("reschedule: the new one's fields",
         ("scheduled", "2031-03-13T09:00:00Z", 45, "technical", "Room 5", "https://meet.example.com/x", "bring laptop",
          ["alice", "bob"], john),
         tuple(new.get(k) for k in ("status", "scheduled_datetime", "duration_minutes", "interview_type", "location",
                                    "meeting_link", "notes", "interviewers", "rescheduled_from")))
    T.eq("reschedule: previous is the original, rescheduled", (john, "rescheduled", new.get("id")),
         ((r.data().get("previous") or {}).get("id"), (r.data().get("previous") or {}).get("status"),
          (r.data().get("previous") or {}).get("rescheduled_to")))
    r = ctx.get("/api/v1/interviews/%s" % john, token=tok)
    T.eq("GET the original: rescheduled, linked to the new one, no actions", ("rescheduled", new.get("id"), []),
         (r.interview().get("status"), r.interview().get("rescheduled_to"), r.interview().get("actions")))
    r = ctx.get("/api/v1/interviews/%s" % new.get("id"), token=tok)
    T.eq("GET the new one: links back", (john, "2031-03-13T09:00:00Z"),
         (r.interview().get("rescheduled_from"), r.interview().get("scheduled_datetime")))
    envelope("reschedule the original again", ctx.post("/api/v1/interviews/%s/reschedule" % john,
                                                       '{"scheduled_datetime": "2031-03-20T10:00:00+01:00"}',
                                                       token=tok), 409, "rescheduled")
    t0 = time.monotonic()
    got = wait_until(lambda: len(emails(ctx, "rescheduled", new.get("id"))) >= 1, 2)
    T.check("reschedule by the API: the notices (.eml) are written within 2 s", got,
            ".eml rescheduled for #%s" % new.get("id"), "%s after %.1f s" % (emails(ctx, "rescheduled", new.get("id")),
                                                                            time.monotonic() - t0))
    r = ctx.get("/api/v1/interviews/upcoming?days_ahead=30", token=s["alice"])
    T.eq("alice's upcoming now holds the rescheduled one (she joined its panel)", [new.get("id")], ids_of(r))

    kate = s["kate"]
    r = ctx.post("/api/v1/interviews/%s/reschedule" % kate, '{"scheduled_datetime": "2031-03-13T10:00:00+01:00"}',
                 token=tok)
    envelope("reschedule onto bob's other interview: a conflict", r, 409)
    T.check("the conflict names the other interview", new.get("id") in [c.get("id") for c in (r.json or {}).get(
        "conflicts") or []], "conflicts with #%s" % new.get("id"), r.text[:300])
    envelope("reschedule into the past", ctx.post("/api/v1/interviews/%s/reschedule" % kate,
                                                  '{"scheduled_datetime": "2031-03-01T10:00:00+01:00"}', token=tok),
             400, "past")
    envelope("reschedule to an unreadable time", ctx.post("/api/v1/interviews/%s/reschedule" % kate,
                                                          '{"scheduled_datetime": "next blursday"}', token=tok), 400)
    envelope("reschedule to an unknown interviewer", ctx.post(
        "/api/v1/interviews/%s/reschedule" % kate,
        '{"scheduled_datetime": "2031-03-14T10:00:00+01:00", "interviewers": ["zed"]}', token=tok), 400)
    envelope("complete with a rating out of range", ctx.post("/api/v1/interviews/%s/complete" % kate,
                                                             '{"rating": 9}', token=tok), 400)
    r = ctx.get("/api/v1/interviews/%s" % kate, token=tok)
    T.eq("after the refused reschedules kate's interview is unchanged", ("scheduled", "2031-03-12T14:00:00Z"),
         (r.interview().get("status"), r.interview().get("scheduled_datetime")))


def case_idempotency(ctx, s):
    T.case = "idempotency"
    tok = s["rita"]
    kate = s["kate"]
    path = "/api/v1/interviews/%s/cancel" % kate
    key = ["Idempotency-Key: retry-0001"]
    r1 = ctx.post(path, '{"reason": "duplicate test"}', token=tok, headers=key)
    envelope("first POST with Idempotency-Key", r1, 200)
    T.eq("first POST: cancelled", "cancelled", r1.interview().get("status"))
    r2 = ctx.post(path, '{"reason": "duplicate test"}', token=tok, headers=key)
    envelope("the same POST with the same key", r2, 200)
    T.eq("the same POST again: duplicate", True, r2.data().get("duplicate"))
    T.check("the duplicate answer carries no interview", "interview" not in r2.data(), "no interview", r2.text[:200])
    r3 = ctx.post(path, '{"reason": "duplicate test"}', token=tok)
    envelope("the same POST without the key: a second cancel", r3, 409, "cancelled")
    r = ctx.get("/api/v1/candidates/%s/interviews" % ((r1.interview() or {}).get("candidate_id")), token=tok)
    T.eq("the candidate has one cancelled interview, cancelled once",
         [("cancelled", "duplicate test")], [(iv.get("status"), iv.get("cancel_reason"))
                                             for iv in r.data().get("interviews") or [] if iv.get("id") == kate])
    # the same key, another request: not silently answered as done
    john2 = s["john2"]
    r4 = ctx.post("/api/v1/interviews/%s/cancel" % john2, '{"reason": "other"}', token=tok, headers=key)
    T.check("the same key with another request (another interview): refused, not a success",
            r4.status in (400, 409, 422) and (r4.json or {}).get("success") is False, "422 (or 400/409), success false",
            r4)
    r = ctx.get("/api/v1/interviews/%s" % john2, token=tok)
    T.eq("the other interview was not cancelled by the reused key", "scheduled", r.interview().get("status"))
    # keys are the person's: alice's same key is her own request
    r5 = ctx.post("/api/v1/interviews/%s/complete" % john2, '{"rating": 3}', token=s["alice"], headers=key)
    envelope("alice with rita's key: her own request (complete before the start)", r5, 409, "not started")
    # a key on a GET changes nothing
    r = ctx.get("/api/v1/interviews/%s" % kate, token=tok, headers=key)
    envelope("GET with an Idempotency-Key", r, 200)
    # a long key
    r = ctx.post("/api/v1/interviews/999999/cancel", '{"reason": "x"}', token=tok,
                 headers=["Idempotency-Key: " + "k" * 300])
    envelope("a 300-byte Idempotency-Key", r, 404)


def case_metrics(ctx, s):
    T.case = "metrics"
    r, m1 = metrics(ctx)
    T.eq("GET /metrics: status", 200, r.status)
    T.check("/metrics: Content-Type text/plain; version=0.0.4", r.headers.get("content-type", "").startswith(
        "text/plain") and "0.0.4" in r.headers.get("content-type", ""), "text/plain; version=0.0.4",
        r.headers.get("content-type"))
    bad = [line for line in r.text.splitlines() if line and not line.startswith("# ") and not re.fullmatch(
        r'[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+|.* \+Inf', line)]
    T.eq("/metrics: every sample line is NAME{LABELS} VALUE", [], bad[:5])
    ok = 'interviewd_commands_total{frontend="api",outcome="ok"}'
    err = 'interviewd_commands_total{frontend="api",outcome="error"}'
    dup = 'interviewd_commands_total{frontend="api",outcome="duplicate"}'
    cnt = 'interviewd_command_duration_seconds_count{frontend="api"}'
    inf = 'interviewd_command_duration_seconds_bucket{frontend="api",le="+Inf"}'
    req = "interviewd_http_requests_total"
    for name in (ok, err, cnt, inf, req, 'interviewd_outbox_depth{transport="email"}',
                 'interviewd_part_up{part="http"}'):
        T.check("/metrics has %s" % name, m1.get(name) is not None, "present", None)
    T.check("api ok commands counted so far (> 10)", (m1.get(ok) or 0) > 10, "> 10", m1.get(ok))
    T.check("api error commands counted so far (> 5)", (m1.get(err) or 0) > 5, "> 5", m1.get(err))
    T.check("the duplicate counted", (m1.get(dup) or 0) >= 1, ">= 1", m1.get(dup))
    T.eq("histogram: +Inf bucket = count", m1.get(cnt), m1.get(inf))
    buckets = [(k, v) for k, v in m1.items()
               if k.startswith('interviewd_command_duration_seconds_bucket{frontend="api"')]
    vals = [v for _, v in buckets]
    T.check("histogram buckets never decrease", vals == sorted(vals) and len(vals) > 3, "monotonic", buckets)
    T.eq("part_up http", 1, m1.get('interviewd_part_up{part="http"}'))
    # one successful command and one refused: exact moves
    ctx.get("/api/v1/interviews/%s" % s["john2"], token=s["rita"])
    ctx.get("/api/v1/interviews/%s" % s["kate"], token=s["alice"])  # 403
    ctx.get("/api/v1/interviews/upcoming?bogus=1", token=s["rita"])  # 400 before any command
    r, m2 = metrics(ctx)
    T.eq("commands_total{api,ok} +1 after one GET", 1, (m2.get(ok) or 0) - (m1.get(ok) or 0))
    T.eq("commands_total{api,error} +1 after one 403", 1, (m2.get(err) or 0) - (m1.get(err) or 0))
    T.eq("command_duration count +2", 2, (m2.get(cnt) or 0) - (m1.get(cnt) or 0))
    T.eq("http_requests_total +4 (three requests and the first /metrics)", 4, (m2.get(req) or 0) - (m1.get(req) or 0))
    T.check("duration sum grows", (m2.get('interviewd_command_duration_seconds_sum{frontend="api"}') or 0) >=
            (m1.get('interviewd_command_duration_seconds_sum{frontend="api"}') or 0), "grows", None)
    T.eq("HEAD /metrics: status", 200, ctx.curl("HEAD", "/metrics").status)


def case_stop_a(ctx, s):
    T.case = "stop A"
    ctx.stop("daemon A")
    # what the API's commands queued is written by the last pass at the latest
    to = emails(ctx, "cancelled", s["jane"])
    T.check("after the stop: the cancel notices of #%s reached jane and alice" % s["jane"], len(to) == 2 and
            any("jane@example.com" in a for a in to) and any("alice@example.com" in a for a in to),
            "jane@example.com, alice@example.com", to)
    T.check("after the stop: the reschedule notice of #%s reached john" % s["john2"],
            any("john@example.com" in a for a in emails(ctx, "rescheduled", s["john2"])), "john@example.com",
            emails(ctx, "rescheduled", s["john2"]))


# ---------------------------------------------------------------------------------
# daemon B: time from a file

def feed(ctx, path, what, port=None):
    """GET a feed; its VEVENTs as ical.js reads them ({} when it cannot)."""
    r = ctx.get(path, port=port)
    if not T.eq("%s: status" % what, 200, r.status):
        return r, None
    T.check("%s: Content-Type text/calendar" % what, r.headers.get("content-type", "").startswith("text/calendar"),
            "text/calendar", r.headers.get("content-type"))
    p = subprocess.run([shutil.which("node") or "node", FEED_CHECK], input=r.body, capture_output=True, timeout=20,
                       cwd=HERE)
    if not T.check("%s: ical.js reads it" % what, p.returncode == 0, "exit 0", p.stderr.decode()[-300:]):
        return r, None
    return r, json.loads(p.stdout)


def uid_id(uid):
    m = re.match(r"interview-(\d+)\.", uid or "")
    return int(m.group(1)) if m else None


def case_complete(ctx, s):
    T.case = "complete"
    d = (dt.datetime.fromisoformat(START) + dt.timedelta(days=80)).strftime("%Y-%m-%d")
    far = (dt.datetime.fromisoformat(START) + dt.timedelta(days=100)).strftime("%Y-%m-%d")
    replies = ctx.console([
        'schedule candidate:"Liam Ray <liam@example.com>" when:"2031-03-10 10:00" with:alice',
        'schedule candidate:"Noah Lee <noah@example.com>" when:"%s 10:00" with:alice' % d,
        'schedule candidate:"Mia Fox <mia@example.com>" when:"%s 10:00" with:alice' % far,
        'schedule candidate:"Omar Sun <omar@example.com>" when:"2031-03-12 17:00" with:bob',
    ])
    ids = [((x.get("data") or {}).get("interview") or {}).get("id") for x in replies]
    s["liam"], s["noah"], s["mia"], s["omar"] = (ids + [None] * 4)[:4]
    s["noah_day"], s["mia_day"] = d, far
    path = "/api/v1/interviews/%s/complete" % s["liam"]
    envelope("alice completes before 10:00", ctx.post(path, '{"rating": 4}', token=s["alice"]), 409, "not started")
    ctx.set_now("2031-03-10T10:30:00+01:00")
    r = ctx.post(path, json.dumps({"rating": 4, "recommendation": "hire", "feedback": "solid SQL",
                                   "notes": "strong"}), token=s["alice"])
    envelope("alice completes her interview at 10:30", r, 200)
    iv = r.interview()
    fb = (iv.get("feedback") or [{}])[0]
    T.eq("complete: status, completed_at", ("completed", "2031-03-10T09:30:00Z"),
         (iv.get("status"), iv.get("completed_at")))
    T.eq("complete: her feedback recorded", ("alice", 4, "hire", "solid SQL", "strong"),
         (fb.get("interviewer"), fb.get("rating"), fb.get("recommendation"), fb.get("feedback"), fb.get("notes")))
    envelope("complete it again", ctx.post(path, "{}", token=s["alice"]), 409, "completed")
    envelope("cancel a completed interview", ctx.post("/api/v1/interviews/%s/cancel" % s["liam"],
                                                      '{"reason": "x"}', token=s["rita"]), 409)
    envelope("bob completes alice's interview", ctx.post("/api/v1/interviews/%s/complete" % s["noah"], "{}",
                                                         token=s["bob"]), 403)
    r = ctx.get("/api/v1/interviews/%s" % s["liam"], token=s["rita"])
    T.eq("GET after complete: completed, no actions but feedback", ("completed", ["feedback"]),
         (r.interview().get("status"), r.interview().get("actions")))


def case_feeds(ctx, s):
    T.case = "feeds"
    s["feed_alice"] = ctx.feed_url("alice")
    s["feed_team"] = ctx.feed_url("--team", "team")
    T.eq("feed-url prints the same address again", s["feed_alice"], ctx.feed_url("alice"))
    r, cal = feed(ctx, s["feed_alice"], "alice's feed")
    if cal:
        evs = {uid_id(e["uid"]): e for e in cal["events"]}
        T.eq("alice's feed: its name", "Interviews: alice", cal.get("name"))
        T.eq("alice's feed: the interviews she is on, rescheduled ones under their first id",
             sorted([s["jane"], s["john"], s["liam"], s["noah"]]), sorted(evs))
        T.eq("alice's feed: one event per UID", len(cal["events"]), len(evs))
        jane = evs.get(s["jane"]) or {}
        T.eq("the cancelled interview: STATUS CANCELLED, its time", ("CANCELLED", "2031-03-11T13:00:00Z",
                                                                     "2031-03-11T14:00:00Z"),
             (jane.get("status"), jane.get("start"), jane.get("end")))
        john = evs.get(s["john"]) or {}
        T.eq("the rescheduled interview: the new time (45 min), confirmed, the new id",
             ("CONFIRMED", "2031-03-13T09:00:00Z", "2031-03-13T09:45:00Z", True),
             (john.get("status"), john.get("start"), john.get("end"),
              (john.get("description") or "").startswith("#%s," % s["john2"])))
        T.check("the rescheduled original (#%s at its old time) is absent" % s["john"],
                not any(e.get("start") == "2031-03-12T09:00:00Z" for e in cal["events"]), "absent", cal["events"])
        T.check("the summary names the candidate", "Jane Doe" in (jane.get("summary") or ""), "Jane Doe",
                jane.get("summary"))
        T.check("80 days ahead (%s) is in" % s["noah_day"], s["noah"] in evs, "present", sorted(evs))
        T.check("100 days ahead (%s) is out" % s["mia_day"], s["mia"] not in evs, "absent", sorted(evs))
        T.check("bob's interviews are not in alice's feed", s["omar"] not in evs and s["kate"] not in evs,
                "absent", sorted(evs))
    h = ctx.curl("HEAD", s["feed_alice"])
    T.eq("HEAD alice's feed: status", 200, h.status)
    T.eq("HEAD: Content-Type", "text/calendar; charset=utf-8", h.headers.get("content-type"))
    T.eq("HEAD: Content-Length as the GET's body", str(len(r.body)), h.headers.get("content-length"))
    r2, cal2 = feed(ctx, s["feed_team"], "the team feed (interviewers alice)")
    if cal2:
        T.eq("team feed: its name", "Interviews: team", cal2.get("name"))
        T.eq("team feed: alice's interviews", sorted([s["jane"], s["john"], s["liam"], s["noah"]]),
             sorted(uid_id(e["uid"]) for e in cal2["events"]))
    # tokens that are no feed
    envelope("an unknown feed", ctx.get("/feeds/f1-1-00000000000000000000000000000000.ics"), 404, "no such feed")
    envelope("a feed token without .ics", ctx.get(s["feed_alice"][:-4]), 404)
    envelope("a feed token with .ICS", ctx.get(s["feed_alice"][:-4] + ".ICS"), 404)
    envelope("rita's API token as a feed", ctx.get("/feeds/%s.ics" % s["rita"]), 404)
    envelope("/feeds/.ics", ctx.get("/feeds/.ics"), 404)
    envelope("/feeds/", ctx.get("/feeds/"), 404)
    envelope("a feed path with more segments", ctx.get(s["feed_alice"] + "/x"), 404)
    envelope("a feed with an Authorization header is still the feed (no 401)",
             ctx.get("/feeds/nope.ics", token=s["rita"]), 404)
    # rotation
    old = s["feed_alice"]
    s["feed_alice"] = ctx.feed_url("alice", "--rotate")
    T.check("feed-url --rotate prints a new address", s["feed_alice"] != old, "new", s["feed_alice"])
    envelope("alice's old feed address", ctx.get(old), 404, "no such feed")
    T.eq("HEAD on the old address", 404, ctx.curl("HEAD", old).status)
    r3, cal3 = feed(ctx, s["feed_alice"], "alice's new feed address")
    if cal and cal3:
        T.eq("the new address: the same events", sorted(e["uid"] for e in cal["events"]),
             sorted(e["uid"] for e in cal3["events"]))
    r, _ = feed(ctx, s["feed_team"], "the team feed after alice's rotation")
    ctx.alive("feeds")


def case_reload(ctx, s):
    T.case = "reload"
    pid = ctx.daemon.pid

    def reloaded(n):
        return wait_until(lambda: ctx.stderr().count('msg="reloaded"') >= n, 5)

    before = ctx.stderr().count('msg="reloaded"')
    _, cal = feed(ctx, s["feed_team"], "team feed before the reload")
    T.check("team feed before the reload: bob's #%s absent" % s["omar"],
            cal is not None and s["omar"] not in [uid_id(e["uid"]) for e in cal["events"]], "absent", cal)
    ctx.write_config(people_extra='\n[people.carol]\nrole = "interviewer"\nemail = "carol@example.com"\n',
                     team=("alice", "bob"))
    os.kill(pid, signal.SIGHUP)
    T.check("SIGHUP: logged as reloaded", reloaded(before + 1), 'msg="reloaded"', ctx.stderr()[-400:])
    T.check("SIGHUP: the people count includes carol", re.search(r'msg="reloaded" people=4\b', ctx.stderr())
            is not None, "people=4", ctx.stderr()[-300:])
    carol = ctx.token("carol")
    r = ctx.get("/api/v1/interviews/upcoming", token=carol)
    envelope("carol's token after the reload", r, 200)
    T.eq("carol has no interviews", [], ids_of(r))
    envelope("carol (interviewer) reads alice's interview", ctx.get("/api/v1/interviews/%s" % s["noah"], token=carol),
             403)
    _, cal = feed(ctx, s["feed_team"], "team feed after the reload (interviewers alice, bob)")
    T.check("team feed after the reload: bob's #%s present" % s["omar"],
            cal is not None and s["omar"] in [uid_id(e["uid"]) for e in cal["events"]], "present", cal)

    # a file with an error: refused, the running settings stay
    ctx.write_config(people_extra='\n[people.carol]\nrole = "interviewer"\nemail = "carol@example.com"\n',
                     team=("alice", "bob"), broken=True)
    n = ctx.stderr().count("reload refused")
    os.kill(pid, signal.SIGHUP)
    T.check("SIGHUP with a broken file: logged as refused", wait_until(
        lambda: ctx.stderr().count("reload refused") > n, 5), "reload refused", ctx.stderr()[-400:])
    line = ([x for x in ctx.stderr().splitlines() if "reload refused" in x] or [""])[-1]
    T.check("the refusal names the file and line", re.search(r"interviewd\.toml:\d+", line) is not None,
            "interviewd.toml:LINE", line)
    T.check("the refusal is level=error", "level=error" in line, "level=error", line)
    T.check("after the refused reload the daemon runs", ctx.daemon.poll() is None, "running", ctx.daemon.poll())
    envelope("after the refused reload: carol's token", ctx.get("/api/v1/interviews/upcoming", token=carol), 200)
    T.eq("after the refused reload: /healthz", 200, ctx.get("/healthz").status)

    # [http] listen changed: needs a restart, the old address keeps serving
    other = free_port()
    ctx.write_config(people_extra='\n[people.carol]\nrole = "interviewer"\nemail = "carol@example.com"\n',
                     team=("alice", "bob"), listen=other)
    before = ctx.stderr().count('msg="reloaded"')
    os.kill(pid, signal.SIGHUP)
    T.check("SIGHUP with a new [http] listen: reloaded", reloaded(before + 1), "reloaded", ctx.stderr()[-300:])
    lines = [x for x in ctx.stderr().splitlines() if "restart" in x and "[http] listen" in x]
    T.check("the [http] listen change is logged as needing a restart", len(lines) == 1, 'one line "restart" "[http] '
            'listen"', ctx.stderr()[-400:])
    T.check("that line is level=warn", bool(lines) and "level=warn" in lines[0], "level=warn", lines)
    T.eq("the old address still serves /healthz", 200, ctx.get("/healthz").status)
    T.eq("nothing listens on the new address before a restart", 0, ctx.get("/healthz", port=other, timeout=2).status)
    envelope("carol's token still works", ctx.get("/api/v1/interviews/upcoming", token=carol), 200)


def case_window(ctx, s):
    T.case = "window"
    # 2031-04-11 12:00 CEST = 10:00Z: the feed runs from 2031-03-12T10:00Z to 2031-07-10T10:00Z
    ctx.set_now("2031-04-11T12:00:00+02:00")
    _, cal = feed(ctx, s["feed_alice"], "alice's feed 32 days later")
    if cal:
        ids = sorted(uid_id(e["uid"]) for e in cal["events"])
        T.check("more than 30 days back is out: #%s (03-11), #%s (03-10)" % (s["jane"], s["liam"]),
                s["jane"] not in ids and s["liam"] not in ids, "absent", ids)
        T.check("29 days back is in: #%s (03-13)" % s["john"], s["john"] in ids, "present", ids)
        T.check("now 68 days ahead: #%s is in" % s["mia"], s["mia"] in ids, "present", ids)
    ctx.alive("moving the clock")


def case_logs(ctx, s):
    T.case = "logs"
    for path in ctx.errfiles:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        name = os.path.basename(path)
        lines = text.splitlines()
        T.check("%s: has log lines" % name, len(lines) >= 2, ">= 2 lines", len(lines))
        bad = [x for x in lines if not LOGFMT.match(x)]
        T.eq("%s: every line starts ts=... level=... part=... msg=\"" % name, [], bad[:3])
        bad = [x for x in lines if not LOGFMT_PAIRS.match(x)]
        T.eq("%s: every line is key=value pairs, quotes inside quoted values escaped" % name, [], bad[:3])
        leaked = sorted({t for t in ctx.secrets if t and len(t) > 8 and t in text})
        T.eq("%s: no token or feed secret in the log" % name, [], leaked)
        macs = re.findall(r"[aft][^\s\"/]*-\d+-[0-9a-f]{32}", text)
        T.eq("%s: nothing shaped like a token in the log" % name, [], macs[:3])
        feeds = re.findall(r"path=(/feeds\S*)", text)
        T.check("%s: feed requests logged as path=/feeds only" % name, set(feeds) <= {"/feeds"}, "/feeds",
                sorted(set(feeds))[:3])
        T.check("%s: HTTP requests are logged with method, path, status and req=h-N" % name,
                re.search(r'part=http msg="request" method=GET path=/healthz status=200 .*req=h-\d+', text)
                is not None, 'msg="request" method=GET path=/healthz status=200 ... req=h-N', None)
    T.check("daemon B logged its feed requests as path=/feeds", "path=/feeds " in ctx.stderr(), "path=/feeds", None)


def run(ctx):
    s = {}
    T.case = "start A"
    if not ctx.start("A"):
        return
    for case in (case_seed, case_authz, case_json, case_methods, case_ids, case_bodies, case_paths, case_lifecycle,
                 case_idempotency, case_metrics, case_stop_a):
        t0 = time.monotonic()
        try:
            case(ctx, s)
        except Timeout:
            raise
        except Exception:
            T.check("%s raised no exception" % case.__name__, False, "none", traceback.format_exc()[-600:])
        note("%.1f s" % (time.monotonic() - t0))
    T.case = "start B"
    ctx.set_now(START)
    ctx.now = "@" + ctx.nowfile
    if not ctx.start("B"):
        return
    for case in (case_complete, case_feeds, case_reload, case_window):
        t0 = time.monotonic()
        try:
            case(ctx, s)
        except Timeout:
            raise
        except Exception:
            T.check("%s raised no exception" % case.__name__, False, "none", traceback.format_exc()[-600:])
        note("%.1f s" % (time.monotonic() - t0))
    T.case = "stop B"
    ctx.stop("daemon B")
    case_logs(ctx, s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "interviewd"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        print("test_http.py: %s is not an executable (build it: make BUILD=... )" % args.binary, file=sys.stderr)
        return 2
    for tool in ("curl", "node"):
        if not shutil.which(tool):
            print("test_http.py: %s is missing (sh tests/deps)" % tool, file=sys.stderr)
            return 2

    def on_alarm(sig, frame):
        raise Timeout()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(58)
    t0 = time.monotonic()
    ctx = Ctx(args.binary, args.keep)
    try:
        run(ctx)
    except Timeout:
        where = T.case
        T.case = "time"
        T.check("the test ends within 58 s", False, "< 58 s", "the alarm rang in case %s" % where)
    finally:
        signal.alarm(0)
        if ctx.daemon and ctx.daemon.poll() is None:
            ctx.daemon.kill()
            ctx.daemon.wait()
        if ctx.keep:
            note("kept %s" % ctx.dir)
        else:
            shutil.rmtree(ctx.dir, ignore_errors=True)
    note("%d curl requests in %.1f s" % (ctx.ncurl, time.monotonic() - t0))
    print("%d passed, %d failed" % (T.passed, T.failed))
    print("http end to end: %d passed, %d failed" % (T.passed, T.failed), flush=True)
    return 0 if T.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
