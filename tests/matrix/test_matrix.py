#!/usr/bin/env python3
"""End-to-end tests of interviewd's Matrix front end: the real binary against the fake
homeserver beside this file (tests/matrix/fake_matrix.py), Python 3.11 standard library
only.

usage: /usr/bin/python3 tests/matrix/test_matrix.py BUILD_DIR/interviewd [CASE...]

Each case starts its own fake (`fake_matrix.py --port 0 --bot-token TOKEN`, users and
rooms made through its /_fake/ control API) and its own daemon (`interviewd -c CONFIG
run`, [matrix] homeserver pointing at the fake, the access token in
INTERVIEWD_MATRIX_TOKEN, TZ=UTC) on a fresh database. Messages are injected with
/_fake/send as @rita:hs.test (recruiter), @ivan:hs.test (interviewer) and strangers;
what the bot did is read back from the fake (/_fake/events, /_fake/wait, /_fake/log,
/_fake/state), from the database (sqlite3) and from the daemon's stderr. The clock is
fixed (INTERVIEWD_NOW=2031-03-10T09:00:00+00:00, a Monday; Europe/London is on GMT then)
except in "faults", whose retries need real time to pass (it runs on the real clock with
interviews in 2031), and in "dm" and "digest", which move it through a file
(INTERVIEWD_NOW=@FILE). A daemon is "ready" when the fake holds one of its /sync requests.

Cases (name them on the command line to run a few):
  lifecycle   the seed's lifecycle by `!interview` commands as rita in a room: schedule,
              list today/week, show, reschedule, cancel, schedule again, start, complete,
              feedback by ivan, stats, help, an unknown command; each exactly one
              threaded m.notice reply, checked for its content; the store read with SQL;
              the log lines' format
  firststart  the first start: whoami (Bearer) -> filter -> sync; the backlog's commands
              not run; a pending invite from hs.test joined, one from evil.test not;
              invites while running likewise; the sync token stored
  crash       kill -9 while the server holds a reply's send: the next run sends the row
              again with the same txnId; the room has the reply once
  restart     a second daemon on the database refused; SIGTERM while a sync is held (exit 0), commands sent while it is down, a
              second start resumes from the stored token: each run once, nothing
              replayed; a third start with nothing new says nothing
  ignore      its own messages, another bot's m.notice, other prefixes, m.emote, edits
              (m.replace) ignored; the prefix case-insensitive; an unknown sender told
              they are not set up; allow_invites_from honoured
  faults      sends: 429 with Retry-After, 429 with only retry_after_ms, 502 twice,
              garbage, drop_after (one event, the same txnId); sync: garbage, duplicate
              batches, a limited timeline (the room told it may have missed messages),
              a sync hanging past the client's timeout
  escaping    user text HTML-escaped in formatted_body, no @room mention
  pills       a pill in formatted_body names a person, an MXID too; a reply fallback
              stripped; rita's profile m.tz (America/New_York) used to read and show times
  encrypted   an encrypted room (and one encrypted later) told once, in clear text,
              across a restart too; no crash
  dm          reminders (lead 1h, the clock moved through a file) to ivan as m.text
              mentioning him in a DM room made once (createRoom is_direct,
              trusted_private_chat), recorded in m.direct
  digest      [digest.team] matrix_room: the morning digest posted there once, m.notice
  token       M_UNKNOWN_TOKEN (revoked) on /sync: an error naming it, exit status 1
  ops         [http] listen on a free loopback port: /healthz 200 (matrix up) once
              syncing; /sync answered 502: 503, matrix backing_off with a last_error
              (no token), interviewd_reconnects_matrix_total up; well again: 200; a
              command counted in interviewd_commands_total and logged with req=m-N;
              SIGHUP adding [people.olga]: refused as unknown before, known after;
              SIGTERM: exit 0
Every daemon stopped with SIGTERM must exit 0 within 5 s; after all cases, no daemon's
stderr may contain the access token, and every part=matrix log line has the format
`ts=... level=info|warn|error part=matrix msg="..."`.

Prints one line per failed check ("FAIL case: what: expected ..., actual ..."),
remarks and timings on stderr ("# case: ..."), then "N passed, M failed" (what
tests/run's add_plain counts) and last "matrix end to end: N passed, M failed"; exits 0
only when none failed. Takes about 80 s (a 300 s alarm bounds it); a case whose daemon
does not come up stops there (one failed check) instead of timing out.
"""

import calendar
import ctypes
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_matrix.py")
PY = sys.executable or "/usr/bin/python3"

sys.path.insert(0, os.path.join(HERE, ".."))
from endpoint import free_port, healthz, http_get, metric, metric_now, part_of  # noqa: E402
from tally import T, note  # noqa: E402
from tally import wait_until as _wait_until  # noqa: E402

NOW = "2031-03-10T09:00:00+00:00"   # a Monday; London is on GMT until 30 March 2031
HS = "hs.test"
BOT, RITA, IVAN = "@interviewd:hs.test", "@rita:hs.test", "@ivan:hs.test"
OLGA, SAM, EVE, OTHERBOT = "@olga:hs.test", "@sam:hs.test", "@eve:evil.test", "@otherbot:hs.test"
TOKEN = "syt_aW50ZXJ2aWV3ZA_kQ7vTzR3mX9pWc2LsN8e"   # distinctive: must never show in a log
PREFIX = "!interview"
TIME_LIMIT = 300                    # seconds for the whole file
STOP_LIMIT = 5.0                    # SIGTERM -> exit 0 within this
REPLY_WAIT = 10.0                   # seconds a reply may take (no fault armed)
ENTITY_OK = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)")
LOG_LINE = re.compile(r'^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(info|warn|error) part=matrix msg="')


def utc(s):
    """Unix time of 'YYYY-MM-DD HH:MM' read as UTC (= London in March 2031)."""
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M"))


def zoned(s, zone):
    """Unix time of 'YYYY-MM-DD HH:MM' read in ZONE."""
    import datetime
    from zoneinfo import ZoneInfo
    t = datetime.datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))
    return int(t.timestamp())


def wait_until(cond, timeout, interval=0.05):
    return _wait_until(cond, timeout, interval)


def spos(token):
    """The stream position of one of the fake's tokens ("s<pos>"), else None."""
    m = re.fullmatch(r"s(\d+)", token or "")
    return int(m.group(1)) if m else None


# ---- children -----------------------------------------------------------------------

CHILDREN = []
FOLDERS = []
STDERRS = []    # every daemon's stderr file, read once more at the end
DAEMONS = []    # the daemons of the current case, latest last


class NotUp(Exception):
    """The daemon did not come up: the rest of the case would only time out."""


def _die_with_parent():
    try:  # PR_SET_PDEATHSIG: killed when this test dies, whatever the way
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:
        pass


def spawn(args, **kw):
    p = subprocess.Popen(args, preexec_fn=_die_with_parent, **kw)
    CHILDREN.append(p)
    return p


def kill_all():
    for p in CHILDREN:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass


def tmpdir(tag):
    d = tempfile.mkdtemp(prefix="interviewd-matrix-%s-" % tag)
    FOLDERS.append(d)
    return d


# ---- the fake homeserver ---------------------------------------------------------------

class Fake:
    def __init__(self, folder, *extra):
        self.err = open(os.path.join(folder, "fake.stderr"), "w")
        self.p = spawn([PY, FAKE, "--port", "0", "--bot-token", TOKEN, "--max-seconds", "600", *extra],
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True)
        r, _, _ = select.select([self.p.stdout], [], [], 15)
        line = self.p.stdout.readline() if r else ""
        if not line.startswith("READY "):
            raise RuntimeError("the fake did not start: %r" % line)
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d/" % self.port
        self.c = None

    def ctl(self, name, body=None, query=None, http_timeout=30):
        """One control request: (status, JSON answer)."""
        path = "/_fake/" + name + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body)
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=http_timeout)
            self.c.timeout = http_timeout
            if self.c.sock is not None:
                self.c.sock.settimeout(http_timeout)
            try:
                self.c.request("GET" if body is None else "POST", path, body=data,
                               headers={"Content-Type": "application/json"})
                r = self.c.getresponse()
                raw = r.read()
                return r.status, json.loads(raw) if raw else {}
            except (http.client.HTTPException, ConnectionError, OSError):
                self.c.close()
                self.c = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def ok(self, name, body):
        st, r = self.ctl(name, body)
        if st != 200:
            raise RuntimeError("/_fake/%s %s: %s %s" % (name, json.dumps(body)[:200], st, r))
        return r

    def users(self, users):
        return self.ok("users", users)

    def room(self, creator, members=(), invite=(), **kw):
        """A room made by CREATOR with MEMBERS joined and INVITE invited: its id."""
        return self.ok("room", {"creator": creator, "members": list(members), "invite": list(invite), **kw})["room_id"]

    def send(self, room, sender, content, etype="m.room.message", **kw):
        """An event as SENDER: {"event_id", "ts", "t", "pos"}."""
        return self.ok("send", {"room_id": room, "sender": sender, "content": content, "type": etype, **kw})

    def invite(self, room, sender, user=BOT, **kw):
        return self.ok("invite", {"room_id": room, "sender": sender, "user": user, **kw})

    def events(self, room, since=0, **query):
        st, r = self.ctl("events", query={"room_id": room, "since": since, **query})
        return r.get("events", []) if st == 200 else []

    def wait(self, room, sender, count=1, timeout=5.0, since=0, **filters):
        """The fake's /wait: (ok, events)."""
        q = {"room_id": room, "sender": sender, "count": count, "since": since, "timeout": timeout}
        q.update({k: str(v) for k, v in filters.items()})
        st, r = self.ctl("wait", query=q, http_timeout=timeout + 10)
        return st == 200, r.get("events", [])

    def log(self, since=0, method=None, path=None):
        """(next, entries) of the fake's request log."""
        q = {"since": since}
        if method:
            q["method"] = method
        if path:
            q["path"] = path
        st, r = self.ctl("log", query=q)
        return r.get("next", since), r.get("entries", [])

    def log_next(self):
        return self.log(since=1 << 60)[0]

    def state(self):
        return self.ctl("state")[1]

    def pos(self):
        return self.state()["pos"]

    def misbehave(self, **kw):
        st, r = self.ctl("misbehave", kw)
        T.check("misbehave %s accepted" % json.dumps(kw, sort_keys=True), st == 200, 200, (st, r))
        return r

    def fault_taken(self, timeout):
        """True once every armed rule was used up."""
        return bool(wait_until(lambda: not self.state()["faults"], timeout))

    def membership(self, room, user=BOT):
        return self.state()["rooms"].get(room, {}).get("members", {}).get(user)

    def stop(self):
        try:
            if self.c:
                self.c.close()
            self.p.stdin.close()
        except Exception:
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.err.close()


def setup_people(fake, **extra):
    """rita (recruiter), ivan (interviewer), olga and sam (nobody in the config) and a
    bot of someone else's; EXTRA merges into their profiles."""
    users = {RITA: {"displayname": "Rita"}, IVAN: {"displayname": "Ivan"}, OLGA: {"displayname": "Olga"},
             SAM: {"displayname": "Sam"}, OTHERBOT: {"displayname": "Other Bot"}}
    for u, p in extra.items():
        users.setdefault(u, {}).update(p)
    fake.users(users)


# ---- the daemon ------------------------------------------------------------------------

CONFIG = """[store]
path = "{folder}/t.db"
[general]
timezone = "Europe/London"
[mail]
outbox_dir = "{folder}/mail"
[matrix]
homeserver = "{url}"
user_id = "@interviewd:hs.test"
access_token_env = "INTERVIEWD_MATRIX_TOKEN"
device_id = "INTERVIEWD"
{matrix_extra}
[people.rita]
name = "Rita Recruiter"
email = "rita@example.com"
role = "recruiter"
matrix_id = "@rita:hs.test"
[people.ivan]
name = "Ivan Interviewer"
email = "ivan@example.com"
matrix_id = "@ivan:hs.test"
"""


def daemon_env(now=NOW, token=TOKEN):
    env = {k: v for k, v in os.environ.items() if k not in ("INTERVIEWD_NOW", "INTERVIEWD_MATRIX_TOKEN")}
    env.update(INTERVIEWD_MATRIX_TOKEN=token, TZ="UTC")
    if now:
        env["INTERVIEWD_NOW"] = now
    return env


class Daemon:
    def __init__(self, binary, folder, fake, now=NOW, matrix_extra="backoff_max = 2", tables="", name="daemon",
                 ready=True):
        self.folder, self.fake, self.name = folder, fake, name
        self.cfg = os.path.join(folder, name + ".toml")
        with open(self.cfg, "w") as f:
            f.write(CONFIG.format(folder=folder, url=fake.url, matrix_extra=matrix_extra) + tables)
        self.errpath = os.path.join(folder, name + ".stderr")
        STDERRS.append(self.errpath)
        self.errf = open(self.errpath, "w")
        self.log0 = fake.log_next()      # the fake's requests before this run
        # syncs the fake still holds for an earlier run (a stopped daemon's held sync lasts
        # until its timeout): not this run's
        self.base = fake.state()["syncs_in_flight"]
        self.t_spawn = time.monotonic()  # the fake's clock too (CLOCK_MONOTONIC)
        self.p = spawn([binary, "-c", self.cfg, "run"], env=daemon_env(now), stdin=subprocess.DEVNULL,
                       stdout=self.errf, stderr=self.errf, cwd=folder)
        self.stopped = False
        DAEMONS.append(self)
        if ready and not self.wait_ready():
            raise NotUp("%s did not come up: %s" % (name, self.stderr()[-300:]))

    def held(self):
        """How many of this run's syncs the fake holds now: those in flight minus the
        earlier runs' still held (BASE at the start, less those answered since)."""
        n = self.fake.state()["syncs_in_flight"]
        stale_done = sum(1 for e in self.fake.log(self.log0, "GET", r"/sync$")[1] if e["t"] < self.t_spawn)
        return n - max(0, self.base - stale_done)

    def wait_ready(self, timeout=15):
        """Up: the fake holds one of its syncs (so the first batch is behind it)."""
        t = time.monotonic()
        ok = wait_until(lambda: not self.alive() or self.held() >= 1, timeout)
        ok = ok and self.alive()
        T.check("%s: up and syncing (a /sync held by the fake) within %d s" % (self.name, timeout), ok,
                "a held /sync", "exited %s: %s" % (self.p.poll(), self.stderr()[-800:]) if not self.alive()
                else "no held sync; requests: %s" % [(e["method"], e["path"], e["status"])
                                                     for e in self.fake.log(self.log0)[1]][-8:])
        if ok:
            note("%s ready in %.2fs" % (self.name, time.monotonic() - t))
        return ok

    def stderr(self):
        with open(self.errpath, errors="replace") as f:
            return f.read()

    def alive(self):
        return self.p.poll() is None

    def q(self, sql, *args):
        c = sqlite3.connect(os.path.join(self.folder, "t.db"), timeout=10)
        c.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in c.execute(sql, args)]
        finally:
            c.close()

    def interviews(self):
        return self.q("SELECT i.*, c.name AS cname, c.email AS cemail FROM interviews i "
                      "JOIN candidates c ON c.id = i.candidate_id ORDER BY i.id")

    def token(self):
        rows = self.q("SELECT value FROM meta WHERE key = 'matrix_next_batch'")
        return rows[0]["value"] if rows else None

    def keys(self):
        return {r["key"] for r in self.q("SELECT key FROM inbound_keys WHERE key LIKE 'matrix:%'")}

    def syncs(self):
        """This run's /sync requests, in order (the fake logs each when answered)."""
        return [e for e in self.fake.log(self.log0, "GET", r"/sync$")[1]]

    def stop(self, check=True):
        """SIGTERM; with CHECK, the daemon must exit 0 within STOP_LIMIT s."""
        if self.stopped:
            return None, 0
        self.stopped = True
        if self.p.poll() is not None:
            T.check("%s was still running at the end" % self.name, False, "running",
                    "exited %s: %s" % (self.p.returncode, self.stderr()[-800:]))
            self.errf.close()
            return self.p.returncode, 0
        t = time.monotonic()
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=STOP_LIMIT)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - t
        if check:
            T.check("%s: SIGTERM: exits 0 within %g s" % (self.name, STOP_LIMIT), rc == 0,
                    "0 within %g s" % STOP_LIMIT, "rc %s after %.2fs" % (rc, took))
        if rc is None:
            self.p.kill()
            self.p.wait()
        self.errf.close()
        return rc, took


def level_lines(text, level):
    return [ln for ln in text.splitlines() if " level=%s " % level in ln]


def no_errors(d, allowed=()):
    errs = [ln for ln in level_lines(d.stderr(), "error") if not any(re.search(a, ln) for a in allowed)]
    T.eq("%s: no unexpected level=error lines" % d.name, [], errs)


# ---- talking in rooms -------------------------------------------------------------------

SENT = []       # (room, event id, text) of every command of the current case


def text_content(body, html=None, msgtype="m.text", **extra):
    c = {"msgtype": msgtype, "body": body}
    if html is not None:
        c.update(format="org.matrix.custom.html", formatted_body=html)
    c.update(extra)
    return c


def say(fake, room, body, sender=RITA, html=None, msgtype="m.text", command=True, **extra):
    """Posts a message as SENDER: (event id, stream position). COMMAND: one that must
    get exactly one reply (checked by once())."""
    r = fake.send(room, sender, text_content(body, html, msgtype, **extra))
    if command:
        SENT.append((room, r["event_id"], body))
    return r["event_id"], r["pos"]


def in_reply_to(ev):
    rel = (ev.get("content") or {}).get("m.relates_to")
    if not isinstance(rel, dict):
        return None
    irt = rel.get("m.in_reply_to")
    return irt.get("event_id") if isinstance(irt, dict) else None


def bot_events(fake, room, since=0):
    return fake.events(room, since=since, sender=BOT)


def replies_to(fake, room, eid, since=0):
    return [e for e in bot_events(fake, room, since) if in_reply_to(e) == eid]


def daemon_died():
    """The case's latest daemon exited without being stopped."""
    return bool(DAEMONS) and not DAEMONS[-1].stopped and not DAEMONS[-1].alive()


def wait_reply(fake, room, eid, since=0, timeout=REPLY_WAIT):
    """The bot's first event in ROOM in reply to EID (stored after stream position
    SINCE), waiting at most TIMEOUT s (less if the daemon dies); None if none came."""
    deadline = time.monotonic() + timeout
    cursor = since
    while True:
        got = replies_to(fake, room, eid, since)
        if got:
            return got[0]
        left = deadline - time.monotonic()
        if left <= 0 or daemon_died():
            return None
        ok, evs = fake.wait(room, BOT, count=1, since=cursor, timeout=min(left, 1.0))
        if evs:
            cursor = max(e["pos"] for e in evs)


def body_of(ev):
    return str(((ev or {}).get("content") or {}).get("body", ""))


def html_of(ev):
    return str(((ev or {}).get("content") or {}).get("formatted_body", ""))


def check_reply(what, ev, eid, d=None, must=(), must_not=(), html_must=(), icase=()):
    """EV is the reply the contract describes to command EID: m.room.message, m.notice,
    plain body, HTML formatted_body, m.in_reply_to the command, m.mentions present,
    sent with a txnId "ivd.<outbox row>" by device INTERVIEWD; MUST strings in its body
    (ICASE ones case-insensitively). Returns the body."""
    if not T.check("%s: a reply" % what, ev is not None, "a reply to %s" % eid, None):
        return ""
    c = ev.get("content") or {}
    T.eq("%s: event type" % what, "m.room.message", ev.get("type"))
    T.eq("%s: msgtype" % what, "m.notice", c.get("msgtype"))
    T.check("%s: a plain body" % what, isinstance(c.get("body"), str) and c["body"].strip(), "text", c.get("body"))
    T.eq("%s: format" % what, "org.matrix.custom.html", c.get("format"))
    T.check("%s: formatted_body" % what, isinstance(c.get("formatted_body"), str) and c["formatted_body"].strip(),
            "HTML", c.get("formatted_body"))
    T.eq("%s: threaded to the command (m.relates_to.m.in_reply_to)" % what, eid, in_reply_to(ev))
    T.check("%s: not an edit" % what, (c.get("m.relates_to") or {}).get("rel_type") != "m.replace",
            "no rel_type m.replace", c.get("m.relates_to"))
    T.check("%s: m.mentions present" % what, isinstance(c.get("m.mentions"), dict), "an object", c.get("m.mentions"))
    T.check("%s: sent by device INTERVIEWD with a txnId ivd.<...>" % what,
            ev.get("device_id") == "INTERVIEWD" and str(ev.get("txn_id", "")).startswith("ivd."),
            "INTERVIEWD ivd.<row>", (ev.get("device_id"), ev.get("txn_id")))
    if d is not None:
        check_txn(what, d, ev)
    body = body_of(ev)
    for m in must:
        T.check("%s: reply says %r" % (what, m), m in body, m, body)
    for m in icase:
        T.check("%s: reply says %r (any case)" % (what, m), m.lower() in body.lower(), m, body)
    for m in must_not:
        T.check("%s: reply does not say %r" % (what, m), m not in body, "no " + m, body)
    for m in html_must:
        T.check("%s: formatted_body has %r" % (what, m), m in html_of(ev), m, html_of(ev))
    return body


def check_txn(what, d, ev):
    """txnId ivd.<outbox row id> (a prefix before the row id is tolerated): that row exists."""
    m = re.fullmatch(r"ivd\.(?:[^/]*\.)?(\d+)", str(ev.get("txn_id", "")))
    rows = d.q("SELECT id FROM outbox WHERE id = ?", int(m.group(1))) if m else []
    T.check("%s: txnId names an outbox row" % what, bool(rows), "ivd.<outbox row id>",
            (ev.get("txn_id"), rows))


def command(fake, room, text, sender=RITA, html=None, timeout=REPLY_WAIT, **extra):
    """Posts TEXT as SENDER and waits for the reply: (event id, reply or None)."""
    eid, pos = say(fake, room, text, sender, html, **extra)
    return eid, wait_reply(fake, room, eid, pos, timeout)


def barrier(fake, room, what="barrier"):
    """A command whose reply proves everything posted before it was read."""
    eid, ev = command(fake, room, PREFIX + " help")
    T.check("%s: the bot answers" % what, ev is not None, "a reply", None)
    return ev


def once(fake, settle=1.0, what="every command answered exactly once"):
    """Each command of SENT has exactly one reply (after SETTLE s for strays)."""
    time.sleep(settle)
    bad = []
    for room, eid, text in SENT:
        n = len(replies_to(fake, room, eid))
        if n != 1:
            bad.append((text[:70], n))
    T.eq("%s (%d commands)" % (what, len(SENT)), [], bad)


def unanswered(fake, room, eids, what):
    got = [(eid, body_of(e)[:80]) for eid in eids for e in replies_to(fake, room, eid)]
    T.eq(what, [], got)


def stats_ok(what, body, today, week, completed, cancelled):
    for label, n in (("today", today), ("this week", week), ("completed", completed), ("cancelled", cancelled)):
        T.check("%s: %s %d" % (what, label, n), re.search(r"(?i)\b%s\W{0,4}%d\b" % (label, n), body),
                "%s %d" % (label, n), body)


def ends_with_commands(what, body):
    lines = [ln for ln in body.splitlines() if ln.strip()]
    T.check("%s: the reply ends with ready commands" % what, bool(lines) and PREFIX in lines[-1],
            "last line a %s command" % PREFIX, lines[-3:])


def sends_of(fake, txn, since=0):
    """The fake's log of the PUT sends with txnId TXN (also those a fault answered
    before the txnId was read), in order of arrival."""
    out = []
    for e in fake.log(since, "PUT", r"/send/")[1]:
        t = e.get("txn") or urllib.parse.unquote(e["path"].rsplit("/", 1)[-1])
        if t == txn:
            out.append(e)
    return sorted(out, key=lambda e: e["t"])


def one_event(fake, room, txn):
    return len([e for e in fake.events(room) if e.get("txn_id") == txn])


# ---- case: the lifecycle ------------------------------------------------------------------

def case_lifecycle(binary):
    folder = tmpdir("lifecycle")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, BOT], name="Hiring")
    d = Daemon(binary, folder, fake)
    try:
        # 1. schedule
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Jane Doe <jane@example.com>" '
                                              'when:"2031-03-10 14:00" with:ivan job:"Backend Engineer"')
        b = check_reply("schedule", ev, eid, d, ["Scheduled #1", "Jane Doe", "14:00", "(Europe/London)",
                                                 PREFIX + " reschedule #1 when:", PREFIX + " cancel #1 reason:"],
                        html_must=["Jane Doe"])
        ends_with_commands("schedule", b)
        ivs = d.interviews()
        T.check("schedule: #1 in the store", len(ivs) == 1 and ivs[0]["status"] == "scheduled"
                and ivs[0]["cname"] == "Jane Doe" and ivs[0]["cemail"] == "jane@example.com"
                and ivs[0]["start_utc"] == utc("2031-03-10 14:00"), "#1 Jane Doe 14:00 scheduled", ivs)
        T.eq("schedule: ivan on the panel", ["ivan"], [r["handle"] for r in d.q(
            "SELECT p.handle FROM panel JOIN people p ON p.id = panel.person_id WHERE interview_id = 1")])
        # 2. queries
        eid, ev = command(fake, room, PREFIX + " list today")
        check_reply("list today", ev, eid, d, ["#1", "Jane Doe"])
        eid, ev = command(fake, room, PREFIX + " list week")
        check_reply("list week", ev, eid, d, ["#1", "Jane Doe"])
        eid, ev = command(fake, room, PREFIX + " show #1")
        check_reply("show #1", ev, eid, d, ["#1", "Jane Doe", "Backend Engineer", "ivan"])
        # 3. reschedule, cancel
        eid, ev = command(fake, room, PREFIX + ' reschedule #1 when:"2031-03-11 15:00"')
        b = check_reply("reschedule", ev, eid, d, ["#2", "15:00", PREFIX + " cancel #2 reason:"])
        ends_with_commands("reschedule", b)
        rows = {r["id"]: r for r in d.interviews()}
        T.check("reschedule: #1 rescheduled to #2 at the new time",
                rows.get(1, {}).get("status") == "rescheduled" and rows.get(1, {}).get("rescheduled_to") == 2
                and rows.get(2, {}).get("status") == "scheduled"
                and rows.get(2, {}).get("start_utc") == utc("2031-03-11 15:00"), "linked", rows)
        eid, ev = command(fake, room, PREFIX + ' cancel #2 reason:"candidate withdrew"')
        check_reply("cancel", ev, eid, d, ["#2"], icase=["cancelled"])
        T.eq("cancel: #2 cancelled with its reason", [{"status": "cancelled", "cancel_reason": "candidate withdrew"}],
             d.q("SELECT status, cancel_reason FROM interviews WHERE id = 2"))
        # 4. again, then start, complete, feedback
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Jane Doe <jane@example.com>" '
                                              'when:"2031-03-10 11:00" with:ivan')
        check_reply("schedule again", ev, eid, d, ["Scheduled #3", PREFIX + " start #3"])
        eid, ev = command(fake, room, PREFIX + " start #3")
        check_reply("start", ev, eid, d, ["#3"])
        T.eq("start: #3 in progress", "in_progress", d.q("SELECT status FROM interviews WHERE id = 3")[0]["status"])
        eid, ev = command(fake, room, PREFIX + ' complete #3 rating:4 recommendation:hire feedback:"Clear thinker"')
        b = check_reply("complete", ev, eid, d, ["#3", PREFIX + " feedback #3 rating:"])
        ends_with_commands("complete", b)
        T.eq("complete: #3 completed", "completed", d.q("SELECT status FROM interviews WHERE id = 3")[0]["status"])
        eid, ev = command(fake, room, PREFIX + ' feedback #3 rating:5 recommendation:proceed feedback:"Sharp"',
                          sender=IVAN)
        check_reply("feedback by ivan", ev, eid, d, ["#3"])
        T.eq("feedback: rita's and ivan's in the store",
             [{"handle": "ivan", "rating": 5, "recommendation": "proceed", "feedback": "Sharp"},
              {"handle": "rita", "rating": 4, "recommendation": "hire", "feedback": "Clear thinker"}],
             d.q("SELECT p.handle, rating, recommendation, feedback FROM feedback JOIN people p "
                 "ON p.id = feedback.person_id WHERE interview_id = 3 ORDER BY p.handle"))
        # 5. stats, help, an unknown command
        eid, ev = command(fake, room, PREFIX + " stats")
        b = check_reply("stats", ev, eid, d)
        stats_ok("stats", b, 1, 1, 1, 1)
        eid, ev = command(fake, room, PREFIX + " help")
        check_reply("help", ev, eid, d, ["schedule", "reschedule", "cancel", "stats"])
        eid, ev = command(fake, room, PREFIX + " frobnicate #1")
        check_reply("unknown command", ev, eid, d, ["unknown command"])
        # 6. exactly once; the store's keys and token
        once(fake)
        keys = d.keys()
        T.eq("every command's event id kept as matrix:<event_id>", [],
             [t for r, e, t in SENT if "matrix:" + e not in keys])
        last = max(fake.events(room, sender=RITA) + fake.events(room, sender=IVAN), key=lambda e: e["pos"])["pos"]
        tok = wait_until(lambda: (spos(d.token()) or -1) >= last and d.token(), 5)
        T.check("the stored sync token is past the last command", tok, ">= s%d" % last, d.token())
        bots = [e for e in bot_events(fake, room) if e["type"] == "m.room.message"]
        T.eq("the bot posted nothing but the replies", len(SENT), len(bots))
        err = d.stderr()
        T.check("log lines: ts=... level=... part=matrix msg=\"...\"",
                any(LOG_LINE.match(ln) for ln in err.splitlines()), 'ts=... level=info part=matrix msg="..."',
                err[-600:])
        no_errors(d)
    finally:
        d.stop()
        fake.stop()


# ---- case: the first start ------------------------------------------------------------------

def case_firststart(binary):
    folder = tmpdir("firststart")
    fake = Fake(folder)
    setup_people(fake)
    old = fake.room(RITA, [IVAN, BOT], name="Old room")
    backlog = [say(fake, old, PREFIX + ' schedule candidate:"Old Backlog <old@example.com>" '
                                      'when:"2031-03-12 10:00"', command=False)[0],
               say(fake, old, PREFIX + " stats", command=False)[0],
               say(fake, old, "see you tomorrow", command=False)[0]]
    invited = fake.room(RITA, [IVAN], invite=[BOT], name="Invited while away")
    evil = fake.room(EVE, invite=[BOT], name="Evil")
    d = Daemon(binary, folder, fake)
    try:
        # the start: whoami with the Bearer token, a filter, then the first sync
        entries = fake.log(d.log0)[1]
        seq = [(e["method"], re.sub(r"^/_matrix/client/(v3|r0)/", "", e["path"]), e) for e in entries]

        def first(pred):
            return next((i for i, (m, p, e) in enumerate(seq) if pred(m, p, e)), None)
        i_who = first(lambda m, p, e: m == "GET" and p == "account/whoami" and e["status"] == 200)
        i_flt = first(lambda m, p, e: m == "POST" and re.fullmatch(r"user/[^/]+/filter", p) and e["status"] == 200)
        i_sync = first(lambda m, p, e: m == "GET" and p == "sync")
        T.check("start: whoami (accepted: the Bearer token) -> filter -> sync",
                None not in (i_who, i_flt, i_sync) and i_who < i_flt < i_sync, "in that order",
                [(m, p, e["status"]) for m, p, e in seq][:8])
        T.check("start: the first sync has no since", i_sync is not None and "since" not in seq[i_sync][2]["query"],
                "no since", i_sync is not None and seq[i_sync][2]["query"])
        T.eq("start: no request refused for its token", [],
             [(m, p, e["status"]) for m, p, e in seq if e["status"] == 401])
        T.eq("start: never a token in the query string", [], [p for m, p, e in seq if "access_token" in e["query"]])
        # invites: rita's (hs.test) joined, eve's (evil.test) not
        T.check("the pending invite from hs.test is joined",
                wait_until(lambda: fake.membership(invited) == "join", 10), "join", fake.membership(invited))
        barrier(fake, old)
        time.sleep(1.0)
        T.eq("the invite from @eve:evil.test is not joined", "invite", fake.membership(evil))
        err = d.stderr()
        T.check("the refused invite is logged", re.search(r"part=matrix .*(%s|%s)" % (re.escape(evil),
                                                                                      re.escape(EVE)), err),
                "a part=matrix line naming %s or %s" % (evil, EVE), err[-800:])
        # the backlog: nothing run
        unanswered(fake, old, backlog, "the backlog's commands are not answered")
        T.eq("the backlog's schedule did not run", [], d.interviews())
        T.eq("no key kept for the backlog", [], [e for e in backlog if "matrix:" + e in d.keys()])
        T.check("the sync token is stored", bool(d.token()), "matrix_next_batch", d.token())
        # new commands work, in the old room and in the one joined by invite
        eid, ev = command(fake, old, PREFIX + " list week")
        check_reply("a new command in the old room", ev, eid, d)
        eid, ev = command(fake, invited, PREFIX + " stats")
        check_reply("a command in the joined room", ev, eid, d)
        # invites while it runs: olga (hs.test, not configured) joined; eve not
        by_olga = fake.room(OLGA, [RITA], name="Olga's")
        fake.invite(by_olga, OLGA)
        by_eve = fake.room(EVE, name="Eve again")
        fake.invite(by_eve, EVE)
        T.check("an invite from anyone on hs.test is joined while running",
                wait_until(lambda: fake.membership(by_olga) == "join", 10), "join", fake.membership(by_olga))
        barrier(fake, old)
        time.sleep(1.0)
        T.eq("an invite from evil.test is not joined while running", "invite", fake.membership(by_eve))
        eid, ev = command(fake, by_olga, PREFIX + " help")
        check_reply("a command in olga's room", ev, eid, d, ["schedule"])
        once(fake)
        T.check("the daemon is alive", d.alive(), "running", d.stderr()[-400:])
    finally:
        d.stop()
        fake.stop()


# ---- case: a restart -------------------------------------------------------------------------

def case_crash(binary):
    """kill -9 while the server holds a reply's send (it stores the event after the hold,
    but the daemon never hears so): the next run sends that row again with the same
    txnId, the server answers from its txn map, and the room has the reply once."""
    folder = tmpdir("crash")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, BOT], name="Hiring")
    d = Daemon(binary, folder, fake)
    d2 = None
    try:
        eid, ev = command(fake, room, PREFIX + " stats")
        check_reply("before the crash", ev, eid, d)
        fake.misbehave(path=r"/send/", method="PUT", action="delay", seconds=3)
        eid, pos = say(fake, room, PREFIX + ' schedule candidate:"Cora Ash <cora@example.com>" '
                                            'when:"2031-03-11 10:00" with:ivan')
        T.check("the reply's send reached the server", wait_until(
            lambda: d.q("SELECT count(*) AS n FROM outbox WHERE transport = 'matrix' AND kind = 'reply' "
                        "AND sent_at IS NULL")[0]["n"] >= 1, 5), "an unsent reply row", None)
        time.sleep(1.0)  # inside the fake's 3 s hold
        d.p.kill()
        d.p.wait()
        d.stopped = True
        d.errf.close()
        T.eq("the interview was committed before the crash", 1,
             len([r for r in d.interviews() if r["cemail"] == "cora@example.com"]))
        wait_until(lambda: len(replies_to(fake, room, eid)) >= 1, 5)  # the hold ends: the server stores it
        first = replies_to(fake, room, eid)
        T.eq("the server stored the reply once, though the daemon never heard", 1, len(first))
        d2 = Daemon(binary, folder, fake, name="daemon2")
        T.check("the next run sends the row again and marks it sent", wait_until(
            lambda: d2.q("SELECT count(*) AS n FROM outbox WHERE transport = 'matrix' AND sent_at IS NULL")[0]["n"]
            == 0, 10), "no unsent rows", d2.q("SELECT id, attempts, last_error FROM outbox WHERE sent_at IS NULL"))
        puts = [e for e in fake.log(0, "PUT", r"/send/")[1] if first and e.get("txn") == first[0].get("txn_id")]
        T.check("with the same txnId (answered from the server's txn map)", len(puts) >= 2,
                ">= 2 PUTs of %s" % (first and first[0].get("txn_id")), [(e["status"], e.get("txn")) for e in puts])
        time.sleep(0.5)
        T.eq("the room has the reply once", 1, len(replies_to(fake, room, eid)))
        T.eq("the command ran once", 1, len([r for r in d2.interviews() if r["cemail"] == "cora@example.com"]))
        d2.stop()
    finally:
        for x in (d, d2):
            if x:
                x.stop(check=False)
        fake.stop()


def case_restart(binary):
    folder = tmpdir("restart")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, BOT], name="Hiring")
    d = Daemon(binary, folder, fake)
    d2 = d3 = None
    try:
        eid1, ev = command(fake, room, PREFIX + ' schedule candidate:"Jane Doe <jane@example.com>" '
                                               'when:"2031-03-11 10:00" with:ivan')
        check_reply("before the restart: schedule", ev, eid1, d, ["Scheduled #1"])
        second = subprocess.run([binary, "-c", d.cfg, "run"], env=daemon_env(NOW), stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=10)
        want = "another interviewd (pid %d run) is running" % d.p.pid
        T.check("a second daemon on the same database is refused, naming the first",
                second.returncode == 1 and want in second.stderr, "exit 1, '%s'" % want,
                (second.returncode, second.stderr[-300:]))
        T.check("a sync is held when SIGTERM comes", wait_until(lambda: d.held() >= 1, 5), ">= 1 sync held",
                d.held())
        d.stop()
        t1 = d.token()
        T.check("a token stored at the stop", bool(t1), "matrix_next_batch", t1)
        # while it is down
        p0 = fake.pos()
        down = [say(fake, room, PREFIX + ' schedule candidate:"Kim Down <kim@example.com>" when:"2031-03-12 10:00"'),
                say(fake, room, PREFIX + " list week"),
                say(fake, room, "brb, lunch", command=False),
                say(fake, room, PREFIX + " list week", sender=IVAN),
                say(fake, room, PREFIX + ' cancel #1 reason:"sent while it was down"')]
        d2 = Daemon(binary, folder, fake, name="daemon2")
        for (eid, pos), what, must in zip([down[0], down[1], down[3], down[4]],
                                          ["schedule", "list week", "ivan's list week", "cancel"],
                                          [["Scheduled #2", "Kim Down"], ["#1", "#2"], ["#1"], ["#1"]]):
            check_reply("sent while down: " + what, wait_reply(fake, room, eid, p0), eid, d2, must)
        syncs = d2.syncs()
        T.check("the second run's first sync resumes from the stored token",
                syncs and syncs[0]["query"].get("since") == t1, "since=%s" % t1,
                [s["query"].get("since") for s in syncs[:3]])
        T.eq("no first-start sync (without since) on the second run", [],
             [s["n"] for s in syncs if "since" not in s["query"]])
        once(fake, what="each command answered once across the restart (none replayed)")
        T.eq("Kim Down scheduled once", 1, len([r for r in d2.interviews() if r["cemail"] == "kim@example.com"]))
        T.eq("#1 cancelled", "cancelled", d2.q("SELECT status FROM interviews WHERE id = 1")[0]["status"])
        keys = d2.keys()
        T.eq("every command's key kept", [], [t for r, e, t in SENT if "matrix:" + e not in keys])
        last = down[-1][1]
        wait_until(lambda: (spos(d2.token()) or -1) >= last, 5)
        t2 = d2.token()
        T.check("the stored token advanced", t2 and t2 != t1 and (spos(t1) is None or (spos(t2) or 0) > spos(t1)),
                "after %s" % t1, t2)
        d2.stop()
        # a third start with nothing new: nothing said, nothing run
        p1 = fake.pos()
        n_iv = len(d2.interviews())
        d3 = Daemon(binary, folder, fake, name="daemon3")
        time.sleep(1.5)
        T.eq("a third start with nothing new posts nothing", [],
             [body_of(e)[:60] for e in bot_events(fake, room, p1) if e["type"] == "m.room.message"])
        T.eq("... and runs nothing", n_iv, len(d3.interviews()))
        say(fake, room, "anyone there?", command=False)   # ends the held sync, so the fake logs it
        wait_until(lambda: d3.syncs(), 5)
        syncs = d3.syncs()
        T.check("... and resumes from the token", syncs and syncs[0]["query"].get("since") == t2, t2,
                [s["query"].get("since") for s in syncs[:2]])
        d3.stop()
    finally:
        for x in (d, d2, d3):
            if x:
                x.stop()
        fake.stop()


# ---- case: what is ignored ---------------------------------------------------------------------

def case_ignore(binary):
    folder = tmpdir("ignore")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, BOT, OTHERBOT, SAM], name="Hiring")
    d = Daemon(binary, folder, fake, matrix_extra='backoff_max = 2\nallow_invites_from = ["@rita:hs.test"]')
    try:
        orig, ev = command(fake, room, PREFIX + ' schedule candidate:"Edie Original <edie@example.com>" '
                                               'when:"2031-03-12 10:00"')
        check_reply("the command later edited", ev, orig, d, ["Scheduled #1"])
        edited = PREFIX + ' schedule candidate:"Eddie Edited <eddie@example.com>" when:"2031-03-13 10:00"'
        ignored = [
            ("its own m.text", say(fake, room, PREFIX + " stats", sender=BOT, command=False)[0]),
            ("another bot's m.notice", say(fake, room, PREFIX + " stats", sender=OTHERBOT, msgtype="m.notice",
                                           command=False)[0]),
            ("rita's m.notice", say(fake, room, PREFIX + " stats", msgtype="m.notice", command=False)[0]),
            ("m.emote", say(fake, room, PREFIX + " stats", msgtype="m.emote", command=False)[0]),
            ("prefix !interviewx", say(fake, room, "!interviewx stats", command=False)[0]),
            ("prefix glued: !interviewstats", say(fake, room, "!interviewstats", command=False)[0]),
            ("prefix not first", say(fake, room, "hello " + PREFIX + " stats", command=False)[0]),
            ("another bot's prefix", say(fake, room, "!remind stats", command=False)[0]),
            ("an edit (m.replace) that reads as a command",
             say(fake, room, edited, command=False, **{"m.new_content": {"msgtype": "m.text", "body": edited},
                                                       "m.relates_to": {"rel_type": "m.replace", "event_id": orig}})[0]),
            ("an edit with the usual '* '",
             say(fake, room, "* " + edited, command=False, **{"m.new_content": {"msgtype": "m.text", "body": edited},
                                                              "m.relates_to": {"rel_type": "m.replace",
                                                                               "event_id": orig}})[0]),
        ]
        eid, ev = command(fake, room, "!INTERVIEW stats")
        check_reply("the prefix in capitals", ev, eid, d)
        eid, ev = command(fake, room, "!Interview list week")
        check_reply("the prefix capitalised", ev, eid, d, ["#1"])
        eid, ev = command(fake, room, PREFIX)
        check_reply("the prefix alone", ev, eid, d)
        eid, ev = command(fake, room, PREFIX + " stats", sender=SAM)
        check_reply("an unknown sender (told what to add)", ev, eid, d, icase=["not set up"],
                    must=['matrix_id = "%s"' % SAM])
        eid, ev = command(fake, room, PREFIX + " whoami", sender=SAM)
        check_reply("whoami of an unknown sender", ev, eid, d, icase=["not set up"], must=['matrix_id = "%s"' % SAM])
        eid, ev = command(fake, room, PREFIX + " whoami")
        check_reply("whoami of rita", ev, eid, d, ["You are rita (Rita Recruiter <rita@example.com>), a recruiter"])
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Sam Said <said@example.com>" '
                                              'when:"2031-03-14 10:00"', sender=SAM)
        check_reply("an unknown sender's schedule", ev, eid, d, icase=["not set up"], must_not=["Scheduled"])
        barrier(fake, room)
        once(fake)
        for what, eid in ignored:
            unanswered(fake, room, [eid], "ignored: %s" % what)
        T.eq("only the original ran (not the edit, not the stranger's)", [("Edie Original", "scheduled")],
             [(r["cname"], r["status"]) for r in d.interviews()])
        bots = [e for e in bot_events(fake, room) if e["type"] == "m.room.message" and e.get("txn_id")]
        T.eq("the bot posted only the replies", len(SENT), len(bots))
        # allow_invites_from = ["@rita:hs.test"]: olga's invite stays an invite
        by_olga = fake.room(OLGA, name="Olga's")
        fake.invite(by_olga, OLGA)
        by_rita = fake.room(RITA, name="Rita's")
        fake.invite(by_rita, RITA)
        T.check("allow_invites_from: rita's invite joined", wait_until(lambda: fake.membership(by_rita) == "join", 10),
                "join", fake.membership(by_rita))
        barrier(fake, room)
        time.sleep(1.0)
        T.eq("allow_invites_from: olga's invite not joined", "invite", fake.membership(by_olga))
        T.check("the daemon is alive", d.alive(), "running", d.stderr()[-400:])
    finally:
        d.stop()
        fake.stop()


# ---- case: faults ----------------------------------------------------------------------------

def case_faults(binary):
    folder = tmpdir("faults")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, BOT], name="Hiring")
    # the real clock (retries wait on the daemon's clock); a short sync hold for the hang
    d = Daemon(binary, folder, fake, now=None, matrix_extra="backoff_max = 2\nsync_timeout = 2")
    try:
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Faye Ult <faye@example.com>" '
                                              'when:"2031-03-12 10:00" with:ivan')
        check_reply("no fault yet", ev, eid, d, ["Scheduled #1"])

        def send_fault(what, rule, statuses, min_gaps=(), timeout=20):
            fake.misbehave(path=r"/send/", method="PUT", **rule)
            n0 = fake.log_next()
            eid, ev = command(fake, room, PREFIX + " show #1", timeout=timeout)
            check_reply(what, ev, eid, d, ["#1", "Faye Ult"])
            if not ev:
                return
            txn = ev["txn_id"]
            if statuses is None:  # the event is stored before the answer is lost: give the retry time
                wait_until(lambda: len(sends_of(fake, txn, n0)) >= 2 or len(replies_to(fake, room, eid)) >= 2, 5)
            tries = sends_of(fake, txn, n0)
            T.eq("%s: the command has one reply" % what, 1, len(replies_to(fake, room, eid)))
            if statuses is not None:
                T.eq("%s: the tries (status; None = no answer)" % what, statuses, [e["status"] for e in tries])
            T.eq("%s: one event in the room with that txnId" % what, 1, one_event(fake, room, txn))
            gaps = [round(b["t"] - a["t"], 3) for a, b in zip(tries, tries[1:])]
            for i, g in enumerate(min_gaps):
                T.check("%s: retry %d waited >= %.2f s" % (what, i + 1, g), i < len(gaps) and gaps[i] >= g,
                        ">= %.2f s" % g, gaps)
            note("%s: %s, gaps %s" % (what, [(e["status"], e["fault"], e.get("dedup")) for e in tries], gaps))
            return tries

        # 1. sends
        # Retry-After: 2 (the fake rounds 1500 ms up) and retry_after_ms 1500: the longer one is waited
        send_fault("429 with Retry-After", {"action": "ratelimit", "retry_after_ms": 1500, "header": True},
                   [429, 200], [1.95])
        send_fault("429 with only retry_after_ms", {"action": "ratelimit", "retry_after_ms": 1200, "header": False},
                   [429, 200], [1.15])
        send_fault("502 twice", {"action": "status", "status": 502, "count": 2}, [502, 502, 200], [0.2, 0.2])
        send_fault("garbage answering a send", {"action": "garbage"}, [200, 200])
        # the server stored it, the answer was lost: the retry (same txnId) is answered from
        # the txn map; a daemon that took its own echo as the answer need not retry at all
        tries = send_fault("drop_after (stored, then the connection dropped)", {"action": "drop_after"}, None)
        if tries:
            T.check("drop_after: first no answer, then only answers from the txn map",
                    tries[0]["status"] is None and tries[0]["fault"] == "drop_after"
                    and all(e["status"] == 200 and e.get("dedup") in ("cache", "persisted") for e in tries[1:]),
                    "[None, (200 cache|persisted)...]", [(e["status"], e["fault"], e.get("dedup")) for e in tries])
        # 2. sync: garbage
        n0 = fake.log_next()
        fake.misbehave(path=r"/sync$", action="garbage")
        T.check("sync garbage: taken", fake.fault_taken(8), "taken", fake.state()["faults"])
        eid, ev = command(fake, room, PREFIX + " stats", timeout=15)
        check_reply("after a sync answered with garbage", ev, eid, d)
        syncs = sorted(fake.log(n0, "GET", r"/sync$")[1], key=lambda e: e["n"])
        g = [i for i, e in enumerate(syncs) if e["fault"] == "garbage"]
        T.check("sync garbage: the next sync repeats the same since (the token did not move)",
                g and g[0] + 1 < len(syncs) and syncs[g[0] + 1]["query"].get("since") == syncs[g[0]]["query"].get("since"),
                "same since", [(e["fault"], e["query"].get("since")) for e in syncs[:4]])
        # 3. sync: a batch delivered twice
        repeated = None
        for attempt in range(3):
            n0 = fake.log_next()
            fake.misbehave(path=r"/sync$", action="duplicate")
            eid, pos = say(fake, room, PREFIX + " stats")
            ev = wait_reply(fake, room, eid, pos)
            check_reply("duplicate batches (attempt %d)" % (attempt + 1), ev, eid, d)
            fake.fault_taken(5)
            time.sleep(0.5)
            syncs = sorted(fake.log(n0, "GET", r"/sync$")[1], key=lambda e: e["n"])
            allsync = sorted(fake.log(0, "GET", r"/sync$")[1], key=lambda e: e["n"])
            dup = [e for e in allsync if e["fault"] == "duplicate" and e["n"] > n0]
            if dup:
                before = [e for e in allsync if e["n"] < dup[0]["n"]]
                prev_since = spos(before[-1]["query"].get("since")) if before else None
                dup_since = spos(dup[0]["query"].get("since"))
                if prev_since is not None and dup_since is not None and prev_since < pos <= dup_since:
                    repeated = eid
                    break
            note("duplicate: attempt %d did not repeat the command's batch (syncs %s)" %
                 (attempt + 1, [(e["fault"], e["query"].get("since")) for e in syncs]))
        T.check("duplicate: a batch holding a command was delivered twice", repeated, "a command repeated", None)
        # 4. sync: a limited timeline (events arranged while a sync hangs, then the retry is limited)
        fake.misbehave(path=r"/sync$", action="hang", seconds=2)
        T.check("limited: the pause (hang 2 s) taken", fake.fault_taken(8), "taken", fake.state()["faults"])
        fake.misbehave(path=r"/sync$", action="limited")
        p0 = fake.pos()
        gap1 = say(fake, room, PREFIX + ' schedule candidate:"Gap One <gap1@example.com>" when:"2031-03-20 10:00"',
                   command=False)[0]
        say(fake, room, "anyone for coffee?", command=False)
        eid, pos = say(fake, room, PREFIX + " stats")
        ev = wait_reply(fake, room, eid, pos, timeout=20)
        check_reply("limited: the last event (a command) still answered", ev, eid, d)
        T.check("limited: the limited sync was served", fake.fault_taken(1), "taken", fake.state()["faults"])
        missed = wait_until(lambda: [e for e in bot_events(fake, room, p0) if e["type"] == "m.room.message"
                                     and "missed" in body_of(e).lower()], 8)
        T.check("limited: the room is told it may have missed messages", missed, "a notice saying 'missed'",
                [body_of(e)[:100] for e in bot_events(fake, room, p0)])
        if missed:
            T.eq("limited: ... once", 1, len(missed))
            T.eq("limited: ... as an m.notice", "m.notice", missed[0]["content"].get("msgtype"))
        T.check("limited: logged", re.search(r"(?i)part=matrix .*(limited|missed|gap)", d.stderr()),
                "a part=matrix line about the gap", d.stderr()[-800:])
        T.check("limited: the command in the gap answered at most once", len(replies_to(fake, room, gap1)) <= 1,
                "<= 1", len(replies_to(fake, room, gap1)))
        # 5. sync: a hang longer than the client's timeout (sync_timeout 2 + ~15 s)
        fake.misbehave(path=r"/sync$", action="hang", seconds=30)
        taken = fake.fault_taken(8)
        t_hang = time.monotonic()
        T.check("hang: taken", taken, "taken", fake.state()["faults"])
        eid, pos = say(fake, room, PREFIX + " stats")
        ev = wait_reply(fake, room, eid, pos, timeout=32)
        check_reply("hang: a command sent during the hang", ev, eid, d)
        if ev:
            took = ev["received_t"] - t_hang
            note("hang: answered %.1f s after the sync began to hang" % took)
            T.check("hang: the daemon gave up on the sync before the server did (30 s)", took < 28,
                    "< 28 s", round(took, 1))
        # 6. all of it: one reply each, alive
        once(fake)
        T.check("the daemon is alive", d.alive(), "running", d.stderr()[-600:])
        T.eq("no send refused for its token", [], [e["path"] for e in fake.log(0)[1] if e["status"] == 401])
    finally:
        d.stop()
        fake.stop()


# ---- case: escaping -------------------------------------------------------------------------------

def case_escaping(binary):
    folder = tmpdir("escaping")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, BOT], name="Hiring")
    d = Daemon(binary, folder, fake)
    name = "<b>Bob</b> & @room"
    try:
        replies = []
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"%s <bob@example.com>" when:"2031-03-11 10:00" '
                                              'job:"R&D <i>x</i>" notes:"<script>alert(1)</script>"' % name)
        check_reply("schedule <b>Bob</b>", ev, eid, d, ["Scheduled #1"])
        replies.append(("schedule", ev))
        T.eq("the name as typed in the store", [(name, "bob@example.com")],
             [(r["cname"], r["cemail"]) for r in d.interviews()])
        for text in ("show #1", "list week", "candidate bob@example.com", 'reschedule #1 when:"2031-03-12 10:00"',
                     'cancel #2 reason:"<u>withdrew</u>"'):
            eid, ev = command(fake, room, PREFIX + " " + text)
            check_reply(text, ev, eid, d, ["<b>Bob</b>"])
            replies.append((text, ev))
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Zoë Ünal <zoe@example.com>" '
                                              'when:"2031-03-13 10:00"')
        check_reply("a name in UTF-8", ev, eid, d, ["Scheduled #3", "Zoë Ünal"], html_must=["Zoë Ünal"])
        for what, ev in replies:
            if not ev:
                continue
            h, b = html_of(ev), body_of(ev)
            T.check("%s: the name escaped in formatted_body" % what, "&lt;b&gt;Bob&lt;/b&gt; &amp; @room" in h,
                    "&lt;b&gt;Bob&lt;/b&gt; &amp; @room", h)
            T.check("%s: no raw user HTML in formatted_body" % what,
                    not any(x in h for x in ("<b>Bob", "<i>x</i>", "<script", "<u>withdrew")), "none", h)
            T.eq("%s: no bare & in formatted_body" % what, [], ENTITY_OK.findall(h))
            T.check("%s: the plain body as typed" % what, name in b, name, b)
            T.check("%s: no @room mention" % what, (ev["content"].get("m.mentions") or {}).get("room") is not True,
                    "no room: true", ev["content"].get("m.mentions"))
        once(fake)
        no_errors(d)
    finally:
        d.stop()
        fake.stop()


# ---- case: pills, reply fallbacks, profile time zones ----------------------------------------------

def pill(user, text):
    return '<a href="https://matrix.to/#/%s">%s</a>' % (user, text)


def case_pills(binary):
    folder = tmpdir("pills")
    fake = Fake(folder)
    # ivan's display name is no handle, so only the pill can name him
    setup_people(fake, **{RITA: {"m.tz": "America/New_York"}, IVAN: {"displayname": "Vanya"}})
    room = fake.room(RITA, [IVAN, OLGA, BOT], name="Hiring")
    d = Daemon(binary, folder, fake)
    ny = "America/New_York"
    try:
        # 1. a pill in formatted_body
        typed = PREFIX + ' schedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-11 10:00" with:'
        eid, ev = command(fake, room, typed + "Vanya",
                          html=typed.replace("<", "&lt;").replace(">", "&gt;") + pill(IVAN, "Vanya"),
                          **{"m.mentions": {"user_ids": [IVAN]}})
        check_reply("with: a pill", ev, eid, d, ["Scheduled #1", "10:00", "(%s)" % ny])
        try:
            want = zoned("2031-03-11 10:00", ny)
        except Exception:  # no tz database for Python: 10:00 EDT (UTC-4 from 9 March 2031)
            want = utc("2031-03-11 14:00")
        T.eq("rita's m.tz: 10:00 read in New York", [(1, want)],
             [(r["id"], r["start_utc"]) for r in d.interviews()])
        T.eq("the pill put ivan on the panel", ["ivan"], [r["handle"] for r in d.q(
            "SELECT p.handle FROM panel JOIN people p ON p.id = panel.person_id WHERE interview_id = 1")])
        # 2. the MXID typed out
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Mo Mxid <mo@example.com>" '
                                              'when:"2031-03-12 10:00" with:@ivan:hs.test')
        check_reply("with: an MXID", ev, eid, d, ["Scheduled #2", "(%s)" % ny])
        T.eq("the MXID put ivan on the panel", ["ivan"], [r["handle"] for r in d.q(
            "SELECT p.handle FROM panel JOIN people p ON p.id = panel.person_id WHERE interview_id = 2")])
        # 3. a pill of someone not set up
        n = len(d.interviews())
        typed = PREFIX + ' schedule candidate:"Ola Pill <ola@example.com>" when:"2031-03-13 10:00" with:'
        eid, ev = command(fake, room, typed + "Olga", html=typed.replace("<", "&lt;").replace(">", "&gt;")
                          + pill(OLGA, "Olga"), **{"m.mentions": {"user_ids": [OLGA]}})
        check_reply("with: a pill of someone not set up", ev, eid, d, must_not=["Scheduled"])
        T.eq("... scheduled nothing", n, len(d.interviews()))
        # 4. a reply fallback before the command
        asked = fake.send(room, IVAN, text_content("can you check the week?"))["event_id"]
        eid, ev = command(fake, room, "> <@ivan:hs.test> can you check the week?\n> thanks\n\n%s list week" % PREFIX,
                          html='<mx-reply><blockquote><a href="https://matrix.to/#/!x/%s">In reply to</a> '
                               '%s<br>can you check the week?</blockquote></mx-reply>%s list week'
                               % (asked, pill(IVAN, "Vanya"), PREFIX),
                          **{"m.relates_to": {"m.in_reply_to": {"event_id": asked}}})
        check_reply("a reply fallback stripped", ev, eid, d, ["#1", "#2", ny])
        once(fake)
        no_errors(d)
    finally:
        d.stop()
        fake.stop()


# ---- case: encrypted rooms -------------------------------------------------------------------------

def case_encrypted(binary):
    folder = tmpdir("encrypted")
    fake = Fake(folder)
    setup_people(fake)
    plain = fake.room(RITA, [IVAN, BOT], name="Plain")
    enc = fake.room(RITA, [IVAN, BOT], name="Secret", encrypted=True)
    later = fake.room(RITA, [IVAN, BOT], name="Encrypted later")
    d = Daemon(binary, folder, fake)
    d2 = None

    def told(room):
        return [e for e in bot_events(fake, room) if e["type"] == "m.room.message"
                and "encrypted" in body_of(e).lower()]

    def secret(room, sender=RITA, text=PREFIX + " stats"):
        fake.send(room, sender, text_content(text), encrypt=True)

    try:
        secret(enc)
        T.check("an encrypted room: the bot says it cannot read it", wait_until(lambda: told(enc), 10),
                "a notice saying 'encrypted'", [body_of(e)[:80] for e in bot_events(fake, enc)])
        secret(enc)
        secret(enc, IVAN, PREFIX + " list week")
        fake.ok("encrypt", {"room_id": later, "sender": RITA})
        secret(later)
        T.check("a room encrypted later: told too", wait_until(lambda: told(later), 10), "a notice",
                [body_of(e)[:80] for e in bot_events(fake, later)])
        secret(later, IVAN)
        barrier(fake, plain)
        time.sleep(1.0)
        for what, room in (("encrypted", enc), ("encrypted later", later)):
            t = told(room)
            T.eq("%s: told once" % what, 1, len(t))
            if t:
                T.eq("%s: in clear text (m.room.message)" % what, "m.room.message", t[0]["type"])
                T.eq("%s: as an m.notice" % what, "m.notice", t[0]["content"].get("msgtype"))
            T.eq("%s: nothing else from the bot" % what, len(t),
                 len([e for e in bot_events(fake, room) if e["type"] in ("m.room.message", "m.room.encrypted")]))
        T.check("the daemon is alive", d.alive(), "running", d.stderr()[-400:])
        d.stop()
        d2 = Daemon(binary, folder, fake, name="daemon2")
        secret(enc)
        secret(later)
        barrier(fake, plain, "after a restart")
        time.sleep(1.0)
        T.eq("after a restart: not told again", [1, 1], [len(told(enc)), len(told(later))])
        once(fake)
        T.check("the daemon is alive", d2.alive(), "running", d2.stderr()[-400:])
    finally:
        d.stop()
        if d2:
            d2.stop()
        fake.stop()


# ---- the clock through a file ------------------------------------------------------------------------

def set_clock(path, iso):
    with open(path + ".tmp", "w") as f:
        f.write(iso)
    os.rename(path + ".tmp", path)


def dm_rooms(fake, user):
    """Rooms marked direct where the bot is joined and USER is a member."""
    return [rid for rid, r in fake.state()["rooms"].items()
            if r.get("is_direct") and BOT in r.get("joined", []) and user in r.get("members", {})]


def case_dm(binary):
    folder = tmpdir("dm")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, BOT], name="Hiring")
    clock = os.path.join(folder, "now")
    set_clock(clock, "2031-03-10T09:00:00+00:00")
    d = Daemon(binary, folder, fake, now="@" + clock, tables='[reminders]\nlead_times = ["1h"]\n')
    try:
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Dee Em <dee@example.com>" '
                                              'when:"2031-03-10 10:30" with:ivan')
        check_reply("schedule #1 at 10:30", ev, eid, d, ["Scheduled #1"])
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Dee Two <dee2@example.com>" '
                                              'when:"2031-03-10 12:00" with:ivan')
        check_reply("schedule #2 at 12:00", ev, eid, d, ["Scheduled #2"])
        once(fake, settle=0.3)

        def reminder(since, iv):
            for rid in dm_rooms(fake, IVAN):
                for e in bot_events(fake, rid, since):
                    if e["type"] == "m.room.message" and iv in body_of(e):
                        return rid, e
            return None
        p0 = fake.pos()
        set_clock(clock, "2031-03-10T09:31:00+00:00")
        got = wait_until(lambda: reminder(p0, "#1"), 10)
        if not T.check("09:31: ivan's reminder of #1 arrives in a DM room", got, "an event about #1 in a DM",
                       {"rooms": dm_rooms(fake, IVAN), "log": d.stderr()[-500:]}):
            return
        dm, ev = got
        c = ev["content"]
        T.eq("reminder: m.text (it must notify)", "m.text", c.get("msgtype"))
        T.eq("reminder: m.mentions names ivan", {"user_ids": [IVAN]},
             {"user_ids": (c.get("m.mentions") or {}).get("user_ids")})
        T.check("reminder: sent with a txnId ivd.<...>", str(ev.get("txn_id", "")).startswith("ivd."), "ivd.<row>",
                ev.get("txn_id"))
        made = [e for e in fake.log(d.log0, "POST", r"/createRoom$")[1] if e["status"] == 200]
        if T.eq("the DM room made with one createRoom", 1, len(made)):
            b = made[0]["body"] or {}
            T.eq("createRoom: is_direct, invite ivan, trusted_private_chat", (True, [IVAN], "trusted_private_chat"),
                 (b.get("is_direct"), b.get("invite"), b.get("preset")))
            T.check("createRoom: no encryption asked for",
                    not any(s.get("type") == "m.room.encryption" for s in b.get("initial_state") or []),
                    "no m.room.encryption", b.get("initial_state"))
        T.check("the DM room is recorded in the bot's m.direct",
                wait_until(lambda: dm in (fake.state()["account_data"].get(BOT, {}).get("m.direct") or {})
                           .get(IVAN, []), 5),
                {IVAN: [dm]}, fake.state()["account_data"].get(BOT))
        T.check("ivan joined it (the fake joins DM invites)", wait_until(lambda: fake.membership(dm, IVAN) == "join", 5),
                "join", fake.membership(dm, IVAN))
        # the second reminder: the same room
        p1 = fake.pos()
        set_clock(clock, "2031-03-10T11:01:00+00:00")
        got2 = wait_until(lambda: reminder(p1, "#2"), 10)
        T.check("11:01: ivan's reminder of #2 arrives", got2, "an event about #2", dm_rooms(fake, IVAN))
        if got2:
            T.eq("the second reminder reuses the DM room", dm, got2[0])
            T.eq("... mentioning ivan", [IVAN], (got2[1]["content"].get("m.mentions") or {}).get("user_ids"))
        time.sleep(0.5)
        T.eq("one createRoom in all", 1, len([e for e in fake.log(0, "POST", r"/createRoom$")[1]
                                              if e["status"] == 200]))
        T.eq("one DM room for ivan", [dm], dm_rooms(fake, IVAN))
        T.eq("reminders are not posted in the team room", [],
             [body_of(e)[:60] for e in bot_events(fake, room, p0) if e["type"] == "m.room.message"])
        no_errors(d)
    finally:
        d.stop()
        fake.stop()


def case_digest(binary):
    folder = tmpdir("digest")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, BOT], name="Hiring")
    team = fake.room(RITA, [BOT], room_id="!teamroom:hs.test", name="Team")
    clock = os.path.join(folder, "now")
    set_clock(clock, "2031-03-10T08:00:00+00:00")
    d = Daemon(binary, folder, fake, now="@" + clock,
               tables='[digest.team]\ntime = "08:30"\ntimezone = "Europe/London"\nmatrix_room = "%s"\n' % team)
    try:
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Dee Gest <dee@example.com>" '
                                              'when:"2031-03-10 14:00" with:ivan')
        check_reply("schedule for today", ev, eid, d, ["Scheduled #1"])
        time.sleep(0.5)
        T.eq("nothing in the team room before 08:30", [], [body_of(e)[:60] for e in bot_events(fake, team)
                                                            if e["type"] == "m.room.message"])
        set_clock(clock, "2031-03-10T08:31:00+00:00")
        got = wait_until(lambda: [e for e in bot_events(fake, team) if e["type"] == "m.room.message"], 10)
        if T.check("08:31: the digest is posted to %s" % team, got, "a message", d.stderr()[-500:]):
            c = got[0]["content"]
            T.eq("digest: an m.notice", "m.notice", c.get("msgtype"))
            T.check("digest: today's interview in it", "Dee Gest" in c.get("body", "") and "#1" in c.get("body", ""),
                    "#1 Dee Gest", c.get("body"))
            T.check("digest: formatted too", c.get("format") == "org.matrix.custom.html"
                    and "Dee Gest" in c.get("formatted_body", ""), "HTML", c)
            T.check("digest: sent with a txnId ivd.<...>", str(got[0].get("txn_id", "")).startswith("ivd."),
                    "ivd.<row>", got[0].get("txn_id"))
        set_clock(clock, "2031-03-10T08:45:00+00:00")
        time.sleep(1.5)
        T.eq("the digest posted once", 1, len([e for e in bot_events(fake, team) if e["type"] == "m.room.message"]))
        T.eq("the store remembers it", [("team", "2031-03-10")],
             [(r["channel"], r["day"]) for r in d.q("SELECT channel, day FROM digests_sent")])
        once(fake, settle=0.2)
        no_errors(d)
    finally:
        d.stop()
        fake.stop()


# ---- case: a revoked token ------------------------------------------------------------------------------

def case_token(binary):
    folder = tmpdir("token")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, BOT], name="Hiring")
    d = Daemon(binary, folder, fake, matrix_extra="backoff_max = 2\nsync_timeout = 2")
    try:
        eid, ev = command(fake, room, PREFIX + " stats")
        check_reply("a command before", ev, eid, d)
        fake.misbehave(path=r"/sync$", action="unknown_token", revoke=True)
        say(fake, room, "wake up", command=False)
        t = time.monotonic()
        try:
            rc = d.p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            rc = None
        if rc is not None:
            d.stopped = True
            d.errf.close()
        note("exited %s after %.1fs" % (rc, time.monotonic() - t))
        T.eq("M_UNKNOWN_TOKEN: exit status 1", 1, rc)
        err = d.stderr()
        T.check("M_UNKNOWN_TOKEN: an error naming it",
                re.search(r"level=error part=matrix .*M_UNKNOWN_TOKEN", err), "level=error ... M_UNKNOWN_TOKEN",
                level_lines(err, "error") or err[-600:])
        T.check("the token is not in the log", TOKEN not in err, "absent", "present")
        T.check("the fake revoked it", TOKEN not in fake.state()["tokens"], "revoked", "still valid")
    finally:
        d.stop()
        fake.stop()


# ---- case: operating it (/healthz, /metrics, logs, SIGHUP, SIGTERM) ----------------------------------------


def health_is(port, code, state):
    """/healthz once it answers CODE with parts.matrix in STATE, else None."""
    h = healthz(port)
    return h if h[0] == code and part_of(h[1], "matrix").get("state") == state else None


def case_ops(binary):
    """The operator's view of a Matrix daemon with [http] listen: /healthz 200/up once
    syncing; /sync answered 502 -> 503, matrix backing_off with a last_error (no token in
    it), interviewd_reconnects_matrix_total up; well again -> 200/up; a command counted in
    interviewd_commands_total{frontend="matrix",outcome="ok"} and logged (msg="command"
    ... req=m-N); SIGHUP adding [people.olga]: olga, refused as unknown before, is known
    after; SIGTERM: exit 0 promptly."""
    folder = tmpdir("ops")
    fake = Fake(folder)
    setup_people(fake)
    room = fake.room(RITA, [IVAN, OLGA, BOT], name="Hiring")
    port = free_port()
    tables = '[http]\nlisten = "127.0.0.1:%d"\n' % port
    extra = "backoff_max = 2\nsync_timeout = 2"
    d = Daemon(binary, folder, fake, matrix_extra=extra, tables=tables)
    try:
        # 1. syncing: 200, status ok, matrix up
        st, j, raw = wait_until(lambda: health_is(port, 200, "up"), 8, 0.1) or healthz(port)
        T.eq("syncing: /healthz is 200", 200, st)
        T.eq("syncing: status ok", "ok", (j or {}).get("status"))
        T.eq("syncing: parts.matrix.state up", "up", part_of(j, "matrix").get("state"))
        T.check("syncing: parts.matrix has since and last_error keys",
                "since" in part_of(j, "matrix") and "last_error" in part_of(j, "matrix"), "since, last_error",
                raw[:400])
        T.check("syncing: the outbox is reported", isinstance((j or {}).get("outbox"), dict), "an object", raw[:400])
        st, text = http_get(port, "/metrics")
        T.eq("/metrics is 200", 200, st)
        T.eq('/metrics: interviewd_part_up{part="matrix"} 1', 1.0, metric(text, "interviewd_part_up", part="matrix"))
        r0 = metric(text, "interviewd_reconnects_matrix_total")
        T.check("/metrics: interviewd_reconnects_matrix_total present", r0 is not None, "a number", text[:300])
        r0 = r0 or 0.0
        # 2. /sync answered 502 until cleared: backing_off; then well again
        n0 = fake.log_next()
        t0 = time.monotonic()
        fake.misbehave(path=r"/sync$", method="GET", action="status", status=502, count=-1)
        say(fake, room, "wake the held sync", command=False)
        got = wait_until(lambda: health_is(port, 503, "backing_off"), 10, 0.1)
        st, j, raw = got or healthz(port)
        note("backing_off seen after %.2fs: %s" % (time.monotonic() - t0, part_of(j, "matrix")))
        T.eq("/sync 502: /healthz is 503", 503, st)
        T.eq("/sync 502: status degraded", "degraded", (j or {}).get("status"))
        T.eq("/sync 502: parts.matrix.state backing_off", "backing_off", part_of(j, "matrix").get("state"))
        why = part_of(j, "matrix").get("last_error")
        T.check("/sync 502: parts.matrix.last_error says why", isinstance(why, str) and why.strip(),
                "a non-empty string", why)
        T.check("/sync 502: no token in last_error", TOKEN not in str(why) and TOKEN[4:] not in str(why),
                "no access token", why)
        T.check("/sync 502: the fake answered 502", [e for e in fake.log(n0, "GET", r"/sync$")[1]
                                                     if e["status"] == 502], "a 502", None)
        text = http_get(port, "/metrics")[1]
        r1 = metric(text, "interviewd_reconnects_matrix_total") or 0.0
        T.check("/sync 502: interviewd_reconnects_matrix_total went up", r1 > r0, "> %g" % r0, r1)
        T.eq('/sync 502: interviewd_part_up{part="matrix"} 0', 0.0, metric(text, "interviewd_part_up", part="matrix"))
        fake.misbehave(clear=True)
        t0 = time.monotonic()
        st, j, raw = wait_until(lambda: health_is(port, 200, "up"), 10, 0.1) or healthz(port)
        note("up again after %.2fs" % (time.monotonic() - t0))
        T.eq("well again: /healthz is 200", 200, st)
        T.eq("well again: status ok", "ok", (j or {}).get("status"))
        T.eq("well again: parts.matrix.state up", "up", part_of(j, "matrix").get("state"))
        # 3. a command: counted, logged with its req id
        c0 = metric_now(port, "interviewd_commands_total", frontend="matrix", outcome="ok") or 0.0
        k0 = metric_now(port, "interviewd_command_duration_seconds_count", frontend="matrix") or 0.0
        eid, ev = command(fake, room, PREFIX + ' schedule candidate:"Opal Ops <opal@example.com>" '
                                              'when:"2031-03-11 10:00" with:ivan')
        check_reply("schedule", ev, eid, d, ["Scheduled #1"])
        T.eq('interviewd_commands_total{frontend="matrix",outcome="ok"} up by one', c0 + 1,
             metric_now(port, "interviewd_commands_total", frontend="matrix", outcome="ok"))
        T.eq('interviewd_command_duration_seconds_count{frontend="matrix"} up by one', k0 + 1,
             metric_now(port, "interviewd_command_duration_seconds_count", frontend="matrix"))
        lines = [ln for ln in d.stderr().splitlines() if 'msg="command"' in ln and "event=%s " % eid in ln]
        T.check('the command is logged: level=info part=matrix msg="command" ... req=m-N',
                len(lines) == 1 and re.search(r" level=info part=matrix msg=\"command\" .* req=m-\d+$", lines[0]),
                "one line ending req=m-N", lines or d.stderr()[-600:])
        # 4. SIGHUP adding [people.olga]: unknown before, known after
        eid, ev = command(fake, room, PREFIX + " whoami", sender=OLGA)
        check_reply("olga before the reload (unknown)", ev, eid, d, icase=["not set up"],
                    must=['matrix_id = "%s"' % OLGA])
        with open(d.cfg, "w") as f:
            f.write(CONFIG.format(folder=folder, url=fake.url, matrix_extra=extra) + tables +
                    '[people.olga]\nname = "Olga Ops"\nemail = "olga@example.com"\nmatrix_id = "%s"\n' % OLGA)
        before = d.stderr().count('msg="reloaded"')
        d.p.send_signal(signal.SIGHUP)
        T.check('SIGHUP: msg="reloaded" logged',
                wait_until(lambda: d.stderr().count('msg="reloaded"') > before, 5), 'msg="reloaded"',
                d.stderr()[-600:])
        T.check("SIGHUP: [people.olga] not logged as needing a restart",
                "apply at the next restart" not in d.stderr(), "no restart warning",
                [ln for ln in d.stderr().splitlines() if "next restart" in ln])
        T.eq("SIGHUP: olga written to the store", [{"handle": "olga", "matrix_id": OLGA}],
             d.q("SELECT handle, matrix_id FROM people WHERE handle = 'olga'"))
        eid, ev = command(fake, room, PREFIX + " whoami", sender=OLGA)
        check_reply("olga after the reload (known)", ev, eid, d, ["You are olga (Olga Ops <olga@example.com>)"],
                    must_not=["not set up"])
        once(fake, settle=0.3)
        st, j, raw = healthz(port)
        T.eq("at the end: /healthz 200", 200, st)
        T.check("the daemon is alive", d.alive(), "running", d.stderr()[-400:])
        # a degraded /healthz (503) is logged at info: no level=error line for it
        no_errors(d)
        # 5. SIGTERM: exit 0 promptly (Daemon.stop checks 0 within STOP_LIMIT s)
        rc, took = d.stop()
        note("SIGTERM: rc %s after %.2fs" % (rc, took))
    finally:
        d.stop()
        fake.stop()


# ---- main -------------------------------------------------------------------------------------------------

CASES = [("lifecycle", case_lifecycle), ("firststart", case_firststart), ("restart", case_restart),
         ("crash", case_crash), ("ignore", case_ignore), ("faults", case_faults), ("escaping", case_escaping), ("pills", case_pills),
         ("encrypted", case_encrypted), ("dm", case_dm), ("digest", case_digest), ("token", case_token),
         ("ops", case_ops)]


class TimeUp(Exception):
    pass


def check_all_logs():
    """Over every daemon started: the token never logged; part=matrix lines well formed."""
    leaks, bad, n = [], [], 0
    for path in STDERRS:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        if TOKEN in text or TOKEN[4:] in text:
            leaks.append(os.path.basename(os.path.dirname(path)) + "/" + os.path.basename(path))
        for ln in text.splitlines():
            if "part=matrix" in ln:
                n += 1
                if not LOG_LINE.match(ln):
                    bad.append(ln[:160])
    T.eq("the access token in no daemon's stderr (%d runs)" % len(STDERRS), [], leaks)
    T.eq("every part=matrix line: ts=... level=info|warn|error part=matrix msg=\"...\"", [], bad[:5])
    if STDERRS:
        T.check("the daemons logged part=matrix lines", n > 0, "> 0", n)


def main(argv):
    names = [n for n, _ in CASES]
    unknown = [a for a in argv[2:] if a not in names]
    if len(argv) < 2 or not os.access(argv[1], os.X_OK) or unknown:
        print("usage: test_matrix.py BUILD_DIR/interviewd [CASE...]   (cases: %s)" % " ".join(names),
              file=sys.stderr)
        return 2
    chosen = [c for c in CASES if len(argv) == 2 or c[0] in argv[2:]]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def time_up(*_):
        raise TimeUp("the whole run took more than %d s" % TIME_LIMIT)
    signal.signal(signal.SIGALRM, time_up)
    signal.alarm(TIME_LIMIT)
    t_all = time.monotonic()
    # A copy, so a rebuild while the tests run (make relinks in place) cannot break them.
    bindir = tmpdir("bin")
    binary = os.path.join(bindir, "interviewd")
    shutil.copy2(argv[1], binary)
    try:
        for name, fn in chosen:
            T.case = name
            del SENT[:]
            del DAEMONS[:]
            t = time.monotonic()
            try:
                fn(binary)
            except Exception as e:  # a case that breaks is one failed check; the rest still run
                traceback.print_exc(file=sys.stderr)
                T.check("the case ran to its end", False, "no exception", "%s: %s" % (type(e).__name__, e))
                if isinstance(e, TimeUp):
                    break
            finally:
                kill_all()
            note("%.1fs" % (time.monotonic() - t))
        signal.alarm(0)
        T.case = "all"
        check_all_logs()
    finally:
        signal.alarm(0)
        kill_all()
        for folder in FOLDERS:
            shutil.rmtree(folder, ignore_errors=True)
    T.case = "all"
    note("%.1fs in all" % (time.monotonic() - t_all))
    # tests/run's add_plain counts the last line that starts "N passed, N failed"
    print("%d passed, %d failed" % (T.passed, T.failed))
    print("matrix end to end: %d passed, %d failed" % (T.passed, T.failed), flush=True)
    return 0 if T.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
