#!/usr/bin/env python3
"""End-to-end tests of interviewd's Slack front end: the real binary against the fake
Slack beside this file (tests/slack/fake_slack.py), Python 3.11 standard library only.

usage: /usr/bin/python3 tests/slack/test_slack.py BUILD_DIR/interviewd [CASE...]

Each case starts its own fake (`fake_slack.py --port 0`) and its own daemon
(`interviewd -c CONFIG run`, tokens from the environment, [slack] api_url pointing at
the fake, ping_interval 2, stale_after 6, backoff_max 2) on a fresh database, drives it
through the fake's control API (/_control/command, /action, /submit, /envelope,
/event, /misbehave) and checks what the fake recorded (acks and their latency, Web API
calls, response_url posts, socket opens and closes), the database (sqlite3) and the
daemon's stderr. The clock is fixed (INTERVIEWD_NOW=2031-03-10T09:00:00+00:00, a
Monday; Europe/London is on GMT then) except in "webapi", whose retries need real
time to pass (the outbox schedules retries on the daemon's clock, which a fixed
INTERVIEWD_NOW stops): it runs on the real clock with interviews in 2031.

Cases (name them on the command line to run a few):
  commands   the seed's lifecycle by slash commands: schedule (panel as a Slack
             mention, candidate as Slack escapes it), list today/week, show,
             candidate, stats, reschedule, start, complete, cancel; replies on the
             ack (ephemeral), cards posted for schedule/reschedule/cancel with date
             tokens, errors with usage, help; iris (unknown) and ivan (interviewer)
             refused
  buttons    the same by the schedule modal, the card's buttons and their modals;
             a past date refused next to the date field; stale buttons
  escaping   a candidate called "<!channel> & co": every text escaped, no broadcast
  redelivery an envelope delivered twice, an event retried: acked each time, done once
  webapi     chat.postMessage 429 (Retry-After) and 500 retried, channel_not_found
             failed and logged; nothing posted twice
  garbage    binary, malformed, 200 KB and fragmented frames on the socket
  connection disconnect warning / refresh_requested (a successor first), TCP drops,
             a half-open socket, refused upgrades, an ack whose socket dropped (sent on
             the other one; with none left, the reply must still reach the typist),
             link_disabled
  chaos      1,000 slash commands at ~100/s from several threads while the fake drops
             every socket every 3 s: acks in time, each schedule executed exactly once;
             then 400 more with a busy dispatcher (users.info slowed) and drops every
             second, so that envelopes are in flight when the sockets go
  checkconfig check-config with good tokens, a wrong bot token (and app token), missing
             scopes
  shutdown   SIGTERM while cards wait for their channel's pacing; a restart posts the
             rest, every card once
  ops        [http] listen on a free loopback port: /healthz 200 (slack up) once
             connected; every socket dropped and upgrades refused: 503, slack
             backing_off with a last_error (no token), interviewd_reconnects_slack_total
             up; well again: 200; a slash command counted in interviewd_commands_total
             and logged with req=s-N; SIGHUP with another [slack] channel: the next card
             goes there; SIGTERM: exit 0
Every daemon is stopped with SIGTERM and must exit 0 within 3 s (case 10 of the plan).

Prints one line per failed check ("FAIL case: what: expected ..., actual ..."),
remarks and timings on stderr ("# case: ..."), then "N passed, M failed" (what
tests/run's add_plain counts) and last "slack end to end: N passed, M failed"; exits 0
only when none failed. Takes about 110 s on 2 cores (a 175 s alarm bounds it).
"""

import ctypes
import http.client
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_slack.py")
PY = sys.executable or "/usr/bin/python3"

NOW = "2031-03-10T09:00:00+00:00"   # a Monday; London is on GMT until 30 March 2031
REC, IVAN, IRIS = "U0REC00001", "U0INT00001", "U0INT00002"
CH = "C0HIRING01"
TIME_LIMIT = 175                    # seconds for the whole file (the brief: < 3 min)


def utc(s):
    """Unix time of 'YYYY-MM-DD HH:MM' read as UTC (= London in March 2031)."""
    import calendar
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M"))


# ---- results ----------------------------------------------------------------

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from endpoint import free_port, healthz, http_get, metric, metric_now, part_of  # noqa: E402
from tally import T, note  # noqa: E402
from tally import wait_until as _wait_until  # noqa: E402


def wait_until(cond, timeout, interval=0.05):
    return _wait_until(cond, timeout, interval)


def texts(o):
    """Every string under a "text" key (Block Kit text objects, fallbacks), in order."""
    out = []
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "text" and isinstance(v, str):
                out.append(v)
            else:
                out += texts(v)
    elif isinstance(o, list):
        for v in o:
            out += texts(v)
    return out


def alltext(o):
    return "\n".join(texts(o))


def strings(o):
    """Every string anywhere in O."""
    if isinstance(o, str):
        return [o]
    if isinstance(o, dict):
        return [s for v in o.values() for s in strings(v)]
    if isinstance(o, list):
        return [s for v in o for s in strings(v)]
    return []


def stats_of(payload):
    """{"Today": n, ...} from a stats reply's section fields."""
    out = {}
    for t in texts(payload):
        m = re.fullmatch(r"\*([A-Za-z ]+)\*\n(\d+)", t)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


# ---- children -----------------------------------------------------------------

CHILDREN = []
FOLDERS = []


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
    d = tempfile.mkdtemp(prefix="interviewd-slack-%s-" % tag)
    FOLDERS.append(d)
    return d


# ---- the fake -------------------------------------------------------------------

class Fake:
    def __init__(self, folder, *extra):
        self.err = open(os.path.join(folder, "fake.stderr"), "w")
        self.p = spawn([PY, FAKE, "--port", "0", "--max-seconds", "600", *extra], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, stderr=self.err, text=True)
        r, _, _ = select.select([self.p.stdout], [], [], 15)
        line = self.p.stdout.readline() if r else ""
        if not line.startswith("READY "):
            raise RuntimeError("the fake did not start: %r" % line)
        self.port = int(line.split()[1])
        self.api_url = "http://127.0.0.1:%d/api/" % self.port
        self._local = threading.local()

    def _conn(self, timeout):
        c = getattr(self._local, "c", None)
        if c is None:
            c = self._local.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.timeout = timeout
        if c.sock is not None:
            c.sock.settimeout(timeout)
        return c

    def ctl(self, name, body=None, http_timeout=30, query=None):
        path = "/_control/" + name + ("?" + urllib.parse.urlencode(query) if query else "")
        timeout = http_timeout
        data = None if body is None else json.dumps(body)
        for attempt in range(2):
            c = self._conn(timeout)
            try:
                c.request("GET" if body is None else "POST", path, body=data,
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                raw = r.read()
                return r.status, json.loads(raw) if raw else {}
            except (http.client.HTTPException, ConnectionError, OSError):
                c.close()
                self._local.c = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def seq(self):
        return self.ctl("wait", query={"kind": "-none-", "count": 0, "timeout": 0})[1]["seq"]

    def log(self, since=0, kind=None):
        q = {"since": since}
        if kind:
            q["kind"] = kind
        return self.ctl("log", query=q)[1]["events"]

    def wait(self, kind, count=1, timeout=5.0, since=0, **filters):
        """The fake's /wait: (ok, events)."""
        q = {"kind": kind, "count": count, "since": since, "timeout": timeout}
        q.update({k: str(v) for k, v in filters.items()})
        st, r = self.ctl("wait", http_timeout=timeout + 10, query=q)
        return st == 200, r.get("events", [])

    def wait_for(self, pred, kind=None, since=0, timeout=5.0, count=1):
        """Polls the log until COUNT events of KIND satisfy PRED; returns them."""
        found = []

        def look():
            nonlocal found
            found = [e for e in self.log(since, kind) if pred(e)]
            return len(found) >= count
        wait_until(look, timeout, 0.05)
        return found

    def state(self):
        return self.ctl("state")[1]

    def misbehave(self, **kw):
        st, r = self.ctl("misbehave", kw)
        T.check("misbehave %s accepted" % sorted(kw), st == 200, 200, (st, r))
        return r

    def stop(self):
        try:
            self.p.stdin.close()
        except Exception:
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.err.close()


# ---- the daemon -------------------------------------------------------------------

CONFIG = """[store]
path = "{folder}/t.db"
[general]
timezone = "Europe/London"
[mail]
outbox_dir = "{folder}/mail"
[slack]
app_token_env = "SLACK_APP_TOKEN"
bot_token_env = "SLACK_BOT_TOKEN"
api_url = "{api}"
ping_interval = 2
stale_after = 6
backoff_max = 2
{slack_extra}
[people.rita]
name = "Rita Recruiter"
email = "rita@example.com"
role = "recruiter"
slack_id = "U0REC00001"
[people.ivan]
name = "Ivan Interviewer"
email = "ivan@example.com"
"""


def write_config(folder, fake, slack_extra="", tables=""):
    path = os.path.join(folder, "cfg.toml")
    with open(path, "w") as f:
        f.write(CONFIG.format(folder=folder, api=fake.api_url, slack_extra=slack_extra) + tables)
    return path


def daemon_env(now=NOW, app="xapp-test", bot="xoxb-test"):
    env = {k: v for k, v in os.environ.items() if k not in ("INTERVIEWD_NOW", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN")}
    env.update(SLACK_APP_TOKEN=app, SLACK_BOT_TOKEN=bot, TZ="UTC")
    if now:
        env["INTERVIEWD_NOW"] = now
    return env


class Daemon:
    def __init__(self, binary, folder, fake, now=NOW, slack_extra="", ready=2, name="daemon", tables=""):
        self.folder, self.fake = folder, fake
        self.cfg = write_config(folder, fake, slack_extra, tables)
        self.errpath = os.path.join(folder, name + ".stderr")
        self.errf = open(self.errpath, "w")
        self.p = spawn([binary, "-c", self.cfg, "run"], env=daemon_env(now), stdin=subprocess.DEVNULL,
                       stdout=self.errf, stderr=self.errf, cwd=folder)
        self.stopped = False
        if ready:
            ok, _ = fake.wait("ready", count=ready, timeout=10)
            T.check("the daemon opens %d sockets" % ready, ok, ready, self.stderr()[-600:])

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

    def stop(self, check=True):
        """SIGTERM; with CHECK, the daemon must exit 0 within 3 s (plan item 10)."""
        if self.stopped:
            return
        self.stopped = True
        if self.p.poll() is not None:
            T.check("the daemon was still running at the end of the case", False, "running",
                    "exited %s: %s" % (self.p.returncode, self.stderr()[-800:]))
            self.errf.close()
            return
        t = time.monotonic()
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=3)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - t
        if check:
            T.check("SIGTERM: exits 0 within 3 s", rc == 0, "0 within 3 s",
                    "rc %s after %.2fs" % (rc, took))
        if rc is None:
            self.p.kill()
            self.p.wait()
        self.errf.close()
        return rc, took


def level_lines(text, level):
    return [ln for ln in text.splitlines() if " level=%s " % level in ln]


def check_no_surprises(fake, d, allowed_errors=(), since=0):
    """The daemon logged no error but the expected ones; the fake saw no protocol error
    from it (bad frames, unknown envelope ids, acks that are not acks, bad payloads)."""
    errs = [ln for ln in level_lines(d.stderr(), "error") if not any(re.search(a, ln) for a in allowed_errors)]
    T.eq("daemon: no unexpected level=error lines", [], errs)
    ferr = [e for e in fake.log(since, "error")]
    T.eq("fake: no protocol errors by the daemon", [], [(e.get("error"), e.get("detail") or e.get("text"))
                                                         for e in ferr])
    bad = [(e["envelope_id"], e.get("payload_error") or "payload_ignored") for e in fake.log(since, "ack")
           if e.get("payload_error") or e.get("payload_ignored")]
    T.eq("fake: every ack payload valid", [], bad)


# ---- talking as Slack ------------------------------------------------------------

def command(fake, text, user=REC, channel=CH, timeout=6.0):
    """A slash command; waits for its ack. Returns (ack event or None, control result)."""
    st, res = fake.ctl("command", {"user": user, "channel": channel, "text": text})
    if st != 200:
        T.check("/command %r delivered" % text[:60], False, 200, (st, res))
        return None, res
    ok, evs = fake.wait("ack", timeout=timeout, envelope_id=res["envelope_id"])
    return (evs[0] if ok and evs else None), res


def reply_of(ack):
    return (ack or {}).get("payload") or {}


def api_calls(fake, method, since=0, ok=None):
    evs = [e for e in fake.log(since, "api") if e["method"] == method]
    if ok is not None:
        evs = [e for e in evs if bool(e["response"].get("ok")) == ok and (e["status"] == 200) == ok]
    return evs


def wait_api(fake, method, since, pred=lambda e: True, timeout=6.0, count=1):
    return fake.wait_for(lambda e: e["method"] == method and pred(e), "api", since, timeout, count)


def opened_view(fake, since, callback, timeout=5.0):
    """The view views.open opened with CALLBACK since SINCE (its response's view), or None."""
    evs = wait_api(fake, "views.open", since, lambda e: e["response"].get("ok") and
                   e["response"]["view"].get("callback_id") == callback, timeout)
    return evs[0]["response"]["view"] if evs else None


def v_text(s):
    return {"v": {"type": "plain_text_input", "value": s}}


def v_email(s):
    return {"v": {"type": "email_text_input", "value": s}}


def v_select(value, label=None):
    return {"v": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": label or value},
                                                                  "value": value}}}


def v_date(d):
    return {"v": {"type": "datepicker", "selected_date": d}}


def v_time(t):
    return {"v": {"type": "timepicker", "selected_time": t}}


def v_users(*ids):
    return {"v": {"type": "multi_users_select", "selected_users": list(ids)}}


def submit(fake, view_id, values, user=REC, timeout=6.0):
    """A view_submission; waits for its ack. Returns the ack event or None."""
    st, res = fake.ctl("submit", {"view_id": view_id, "user": user, "values": values})
    if not T.check("/submit %s delivered" % view_id, st == 200, 200, (st, res)):
        return None
    ok, evs = fake.wait("ack", timeout=timeout, envelope_id=res["envelope_id"])
    return evs[0] if ok and evs else None


def press(fake, action_id, message_ts, user=REC, channel=CH, value=None, timeout=6.0):
    """A button on the card at MESSAGE_TS; waits for its ack. Returns (ack, result)."""
    body = {"user": user, "channel": channel, "message_ts": message_ts, "action_id": action_id}
    if value is not None:
        body["value"] = value
    st, res = fake.ctl("action", body)
    if not T.check("/action %s delivered" % action_id, st == 200, 200, (st, res)):
        return None, res
    ok, evs = fake.wait("ack", timeout=timeout, envelope_id=res["envelope_id"])
    return (evs[0] if ok and evs else None), res


def card_values(blocks):
    """{action_id: value} of the buttons in BLOCKS."""
    out = {}
    for b in blocks or []:
        for e in b.get("elements") or []:
            if isinstance(e, dict) and e.get("type") == "button":
                out[e.get("action_id")] = e.get("value")
    return out


# ---- case: the lifecycle by slash commands ------------------------------------------

def check_ephemeral_ack(what, ack, must=(), must_not=()):
    """ACK carries the reply: ephemeral, with text and blocks; MUST strings in its text."""
    p = reply_of(ack)
    if not T.check("%s: acked with the reply" % what, bool(ack) and bool(p), "an ack with a payload", ack):
        return ""
    T.eq("%s: reply is ephemeral" % what, "ephemeral", p.get("response_type"))
    T.check("%s: reply has text and blocks" % what, bool(p.get("text")) and bool(p.get("blocks")),
            "text and blocks", p)
    t = alltext(p)
    for m in must:
        T.check("%s: reply says %r" % (what, m), m in t, m, t)
    for m in must_not:
        T.check("%s: reply does not say %r" % (what, m), m not in t, "no " + m, t)
    return t


def case_commands(binary):
    folder = tmpdir("commands")
    fake = Fake(folder)
    d = Daemon(binary, folder, fake)
    try:
        s0 = fake.seq()
        # 1. schedule, the candidate as Slack escapes "<ada@example.com>", the panel a mention
        typed = ('schedule candidate:"Ada Lovelace &lt;<mailto:ada@example.com|ada@example.com>&gt;" '
                 'when:"2031-03-10 14:00" with:<@U0INT00001|ivan> job:"Backend Engineer"')
        ack, _ = command(fake, typed)
        check_ephemeral_ack("schedule", ack, ["Scheduled #1", "Ada Lovelace", "Backend Engineer"])
        ivs = d.interviews()
        T.check("schedule: one interview in the database",
                len(ivs) == 1 and ivs[0]["status"] == "scheduled" and ivs[0]["cname"] == "Ada Lovelace"
                and ivs[0]["cemail"] == "ada@example.com" and ivs[0]["start_utc"] == utc("2031-03-10 14:00"),
                "#1 Ada Lovelace <ada@example.com> 2031-03-10 14:00 scheduled", ivs)
        panel = d.q("SELECT p.handle, p.slack_id FROM panel JOIN people p ON p.id = panel.person_id "
                    "WHERE interview_id = 1")
        T.eq("schedule: the mention <@U0INT00001|ivan> put ivan on the panel, linked by email",
             [{"handle": "ivan", "slack_id": IVAN}], panel)
        T.check("daemon logged the link by email", re.search(r'linked a Slack user to a person by email.*'
                                                             r'user=U0INT00001 handle=ivan', d.stderr()),
                "a log line", d.stderr()[-500:])
        cards = wait_api(fake, "chat.postMessage", s0, lambda e: e["response"].get("ok"))
        if T.check("schedule: the card is posted to the channel", len(cards) == 1, 1, len(cards)):
            b = cards[0]["body"]
            T.eq("card: channel", CH, b.get("channel"))
            t = alltext(b)
            T.check("card: a date token for 14:00 UTC", "<!date^%d^" % utc("2031-03-10 14:00") in t,
                    "<!date^%d^" % utc("2031-03-10 14:00"), t)
            T.check("card: the panel as a mention", "<@U0INT00001>" in t, "<@U0INT00001>", t)
            T.eq("card: buttons", {"iv.reschedule": "1:scheduled", "iv.cancel": "1:scheduled",
                                   "iv.start": "1:scheduled", "iv.complete": "1:scheduled"},
                 card_values(b.get("blocks")))
        # 2. queries
        ack, _ = command(fake, "list today")
        check_ephemeral_ack("list today", ack, ["#1", "Ada Lovelace"])
        ack, _ = command(fake, "list week")
        check_ephemeral_ack("list week", ack, ["#1", "Ada Lovelace"])
        ack, _ = command(fake, "show #1")
        t = check_ephemeral_ack("show #1", ack, ["Ada Lovelace", "<!date^%d^" % utc("2031-03-10 14:00")])
        ack, _ = command(fake, "candidate ada@example.com")
        check_ephemeral_ack("candidate", ack, ["#1", "Ada Lovelace"])
        ack, _ = command(fake, "stats")
        check_ephemeral_ack("stats", ack)
        T.eq("stats: the four counts", {"Today": 1, "This week": 1, "Completed": 0, "Cancelled": 0},
             stats_of(reply_of(ack)))
        # 3. reschedule, start, complete
        s1 = fake.seq()
        ack, _ = command(fake, 'reschedule #1 when:"2031-03-11 15:00"')
        check_ephemeral_ack("reschedule", ack, ["#2"])
        rows = {r["id"]: r for r in d.interviews()}
        T.check("reschedule: #1 rescheduled to #2, #2 scheduled at the new time",
                rows.get(1, {}).get("status") == "rescheduled" and rows.get(1, {}).get("rescheduled_to") == 2
                and rows.get(2, {}).get("status") == "scheduled" and rows.get(2, {}).get("rescheduled_from") == 1
                and rows.get(2, {}).get("start_utc") == utc("2031-03-11 15:00"), "linked both ways", rows)
        cards = wait_api(fake, "chat.postMessage", s1, lambda e: e["response"].get("ok"), timeout=5)
        if T.check("reschedule: a card is posted", len(cards) == 1, 1, len(cards)):
            t = alltext(cards[0]["body"])
            T.check("reschedule card: #2 at the new time", "Interview #2" in t and
                    "<!date^%d^" % utc("2031-03-11 15:00") in t, "#2 and its date token", t)
        ack, _ = command(fake, "start #2")
        check_ephemeral_ack("start", ack, ["#2"])
        T.eq("start: #2 in progress", "in_progress", d.q("SELECT status FROM interviews WHERE id = 2")[0]["status"])
        ack, _ = command(fake, 'complete #2 rating:4 recommendation:hire feedback:"Clear thinker, &amp; kind"')
        check_ephemeral_ack("complete", ack, ["#2"])
        T.eq("complete: #2 completed", "completed", d.q("SELECT status FROM interviews WHERE id = 2")[0]["status"])
        fb = d.q("SELECT p.handle, rating, recommendation, feedback FROM feedback JOIN people p "
                 "ON p.id = feedback.person_id WHERE interview_id = 2")
        T.eq("complete: rita's feedback kept (entities decoded)",
             [{"handle": "rita", "rating": 4, "recommendation": "hire", "feedback": "Clear thinker, & kind"}], fb)
        # 4. another one, cancelled with a reason
        s2 = fake.seq()
        ack, _ = command(fake, 'schedule candidate:"Bob Babbage &lt;<mailto:bob.b@example.com|bob.b@example.com>&gt;"'
                               ' when:"2031-03-12 10:00"')
        check_ephemeral_ack("schedule #3", ack, ["Scheduled #3"])
        ack, _ = command(fake, 'cancel #3 reason:"candidate withdrew"')
        check_ephemeral_ack("cancel", ack, ["#3"])
        r3 = d.q("SELECT status, cancel_reason FROM interviews WHERE id = 3")
        T.eq("cancel: #3 cancelled with its reason", [{"status": "cancelled", "cancel_reason": "candidate withdrew"}], r3)
        cards = wait_api(fake, "chat.postMessage", s2, lambda e: e["response"].get("ok"), timeout=6, count=2)
        T.eq("schedule + cancel: two cards posted", 2, len(cards))
        if len(cards) == 2:
            t = alltext(cards[1]["body"])
            T.check("cancel card: cancelled, with the reason", "cancelled" in t and "candidate withdrew" in t,
                    "cancelled — candidate withdrew", t)
            T.eq("cancel card: no buttons but reschedule", {"iv.reschedule": "3:cancelled"},
                 card_values(cards[1]["body"].get("blocks")))
        ack, _ = command(fake, "stats")
        T.eq("stats after the lifecycle", {"Today": 0, "This week": 1, "Completed": 1, "Cancelled": 1},
             stats_of(reply_of(ack)))
        # 5. errors, help
        before = d.q("SELECT count(*) AS n FROM interviews")[0]["n"]
        ack, _ = command(fake, "schedule when:tomorrow")
        t = check_ephemeral_ack("schedule without a candidate", ack, ["who is the candidate",
                                                                       "schedule candidate:"])
        ack, _ = command(fake, "frobnicate #1")
        check_ephemeral_ack("an unknown command", ack, ["unknown command", "Commands"])
        ack, _ = command(fake, "show #99")
        check_ephemeral_ack("show #99", ack, ["99"])
        ack, _ = command(fake, "start #3")
        check_ephemeral_ack("start a cancelled one", ack, ["cancelled"])
        ack, _ = command(fake, "help")
        check_ephemeral_ack("help", ack, ["schedule", "reschedule", "cancel", "stats"])
        ack, _ = command(fake, "help schedule")
        check_ephemeral_ack("help schedule", ack, ["candidate:", "when:"])
        # 6. permissions: iris is nobody here; ivan is an interviewer
        ack, _ = command(fake, "list today", user=IRIS)
        check_ephemeral_ack("iris: list", ack, ["not set up"])
        ack, _ = command(fake, 'schedule candidate:"Eve &lt;<mailto:eve@example.com|eve@example.com>&gt;" '
                               'when:"2031-03-13 10:00"', user=IRIS)
        check_ephemeral_ack("iris: schedule", ack, ["not set up"], ["Scheduled"])
        ack, _ = command(fake, 'schedule candidate:"Eve &lt;<mailto:eve@example.com|eve@example.com>&gt;" '
                               'when:"2031-03-13 10:00"', user=IVAN)
        check_ephemeral_ack("ivan: schedule", ack, ["only recruiters may"], ["Scheduled"])
        ack, _ = command(fake, "help", user=IRIS)
        check_ephemeral_ack("iris: help", ack, ["schedule"])
        ack, _ = command(fake, "list week", user=IVAN)
        check_ephemeral_ack("ivan: his own week", ack, ["#2"])
        T.eq("errors and refusals changed nothing", before, d.q("SELECT count(*) AS n FROM interviews")[0]["n"])
        # 7. everything by ack: no response_url, every card once
        time.sleep(1.2)  # let a stray post show up
        T.eq("no reply went by response_url", [], fake.log(s0, "response_url"))
        posts = api_calls(fake, "chat.postMessage", s0)
        T.eq("four cards in all (schedule, reschedule, schedule, cancel), each posted once",
             ["Interview #1: Ada Lovelace (scheduled)", "Interview #2: Ada Lovelace (scheduled)",
              "Interview #3: Bob Babbage (scheduled)", "Interview #3: Bob Babbage (cancelled)"],
             [e["body"].get("text") for e in posts])
        T.eq("every card post accepted", [True] * len(posts), [bool(e["response"].get("ok")) for e in posts])
        rows = d.q("SELECT id, sent_at, failed_at FROM outbox WHERE transport = 'slack'")
        T.check("slack outbox: every row sent", rows and all(r["sent_at"] and not r["failed_at"] for r in rows),
                "all sent", rows)
        acks = fake.log(s0, "ack")
        T.check("every command acked once, within 1.5 s",
                all(not a["duplicate"] and a["latency_ms"] <= 1500 for a in acks) and len(acks) >= 20,
                ">= 20 acks, none late or twice", [(a["latency_ms"], a["duplicate"]) for a in acks])
        check_no_surprises(fake, d)
    finally:
        d.stop()
        fake.stop()



# ---- case: the lifecycle by buttons and modals ----------------------------------------

SCHEDULE_BLOCKS = ["candidate", "email", "job", "date", "time", "duration", "type", "panel", "location", "link",
                   "notes"]


def input_blocks(view):
    return [b.get("block_id") for b in (view or {}).get("blocks", []) if b.get("type") == "input"]


def snapshot(d):
    return (d.q("SELECT * FROM interviews ORDER BY id"), d.q("SELECT * FROM feedback"),
            d.q("SELECT count(*) AS n FROM audit"))


def card_update(fake, since, ts, pred=lambda e: True, timeout=6.0):
    evs = wait_api(fake, "chat.update", since, lambda e: e["body"].get("ts") == ts and pred(e), timeout)
    return evs[0] if evs else None


def case_buttons(binary):
    folder = tmpdir("buttons")
    fake = Fake(folder)
    d = Daemon(binary, folder, fake)
    ch = "C0HIRING02"
    try:
        # 1. "/interview" alone opens the schedule form; so does "/interview schedule"
        s0 = fake.seq()
        ack, _ = command(fake, "", channel=ch)
        T.check("empty command: acked without a reply", ack is not None and not reply_of(ack), "empty ack", ack)
        view = opened_view(fake, s0, "iv.schedule")
        if not T.check("empty command: views.open with the schedule form", view is not None, "iv.schedule view",
                       [e["response"] for e in api_calls(fake, "views.open", s0)]):
            return
        T.eq("schedule form: its input blocks", SCHEDULE_BLOCKS, input_blocks(view))
        T.eq("schedule form: metadata names the channel", {"ch": ch}, json.loads(view.get("private_metadata") or "{}"))
        s1 = fake.seq()
        command(fake, "schedule", channel=ch)
        T.check("'/interview schedule' opens the form too", opened_view(fake, s1, "iv.schedule") is not None,
                "a view", api_calls(fake, "views.open", s1))
        # 2. refused forms: errors next to the fields, nothing changed; then submitted
        before = snapshot(d)
        for what, change, block in (("an email that is not one", {"email": v_email("grace-at-example")}, "email"),
                                    ("iris (not set up) on the panel", {"panel": v_users(IRIS)}, "panel")):
            bad = {"candidate": v_text("Grace Hopper"), "email": v_email("grace@example.com"),
                   "date": v_date("2031-03-12"), "time": v_time("11:30"), "duration": v_select("45m"),
                   "type": v_select("technical")}
            bad.update(change)
            p = reply_of(submit(fake, view["id"], bad))
            T.check("schedule form with %s: errors keyed by the %s block" % (what, block),
                    p.get("response_action") == "errors" and list((p.get("errors") or {}).keys()) == [block],
                    {"response_action": "errors", "errors": {block: "..."}}, p)
        T.eq("refused forms changed nothing", before, snapshot(d))
        s2 = fake.seq()
        values = {"candidate": v_text("Grace Hopper"), "email": v_email("grace@example.com"),
                  "job": v_text("Compiler Engineer"), "date": v_date("2031-03-12"), "time": v_time("11:30"),
                  "duration": v_select("45m"), "type": v_select("technical"), "panel": v_users(IVAN),
                  "location": v_text("Room 1"), "link": {"v": {"type": "url_text_input", "value": None}},
                  "notes": {"v": {"type": "plain_text_input", "value": None}}}
        ack = submit(fake, view["id"], values)
        T.check("schedule form: acked with no errors (the form closes)",
                ack is not None and not reply_of(ack).get("response_action"), "no response_action", ack)
        ivs = d.interviews()
        T.check("schedule form: the interview is in the database",
                len(ivs) == 1 and ivs[0]["cname"] == "Grace Hopper" and ivs[0]["cemail"] == "grace@example.com"
                and ivs[0]["start_utc"] == utc("2031-03-12 11:30") and ivs[0]["duration_min"] == 45
                and ivs[0]["type"] == "technical" and ivs[0]["location"] == "Room 1" and ivs[0]["status"] == "scheduled",
                "Grace Hopper 2031-03-12 11:30, 45 min, technical, Room 1", ivs)
        T.eq("schedule form: ivan on the panel",
             ["ivan"], [r["handle"] for r in d.q("SELECT p.handle FROM panel JOIN people p ON p.id = person_id")])
        posts = wait_api(fake, "chat.postMessage", s2, lambda e: e["response"].get("ok"))
        if not T.check("schedule form: the card is posted to the channel", len(posts) == 1 and
                       posts[0]["body"].get("channel") == ch, "1 post to " + ch, posts):
            return
        ts = posts[0]["response"]["ts"]
        eph = wait_api(fake, "chat.postEphemeral", s2, lambda e: e["response"].get("ok"))
        T.check("schedule form: a confirmation to rita (ephemeral)",
                len(eph) == 1 and eph[0]["body"].get("user") == REC and "Scheduled #1" in alltext(eph[0]["body"]),
                "Scheduled #1", [e["body"] for e in eph])
        # 3. Reschedule: a past date is refused next to the date field, then a good one moves it
        s3 = fake.seq()
        ack, _ = press(fake, "iv.reschedule", ts, channel=ch)
        T.check("reschedule button: acked at once, without a payload", ack is not None and not reply_of(ack),
                "empty ack", ack)
        rview = opened_view(fake, s3, "iv.reschedule")
        if not T.check("reschedule button: the reschedule form opens", rview is not None, "iv.reschedule view",
                       api_calls(fake, "views.open", s3)):
            return
        T.eq("reschedule form: metadata", {"iv": 1, "ch": ch, "ts": ts}, json.loads(rview.get("private_metadata")))
        T.eq("reschedule form: inputs", ["date", "time", "reason"], input_blocks(rview))
        before = snapshot(d)
        s3b = fake.seq()
        ack = submit(fake, rview["id"], {"date": v_date("2031-03-01"), "time": v_time("10:00"),
                                         "reason": v_text("clash")})
        p = reply_of(ack)
        T.check("a past date: response_action errors keyed by the date block",
                p.get("response_action") == "errors" and list((p.get("errors") or {}).keys()) == ["date"]
                and "past" in str(p.get("errors")), {"response_action": "errors", "errors": {"date": "... past"}}, p)
        T.eq("a past date: nothing changed in the database", before, snapshot(d))
        time.sleep(0.3)
        T.eq("a past date: no card update, no confirmation", [],
             [e["method"] for e in fake.log(s3b, "api") if e["method"] in ("chat.update", "chat.postEphemeral",
                                                                           "chat.postMessage")])
        s4 = fake.seq()
        ack = submit(fake, rview["id"], {"date": v_date("2031-03-13"), "time": v_time("14:00"),
                                         "reason": v_text("panel clash")})
        T.check("reschedule form: acked without errors", ack is not None and not reply_of(ack).get("response_action"),
                "no errors", ack)
        rows = {r["id"]: r for r in d.interviews()}
        T.check("reschedule form: #1 rescheduled, #2 at 2031-03-13 14:00",
                rows.get(1, {}).get("status") == "rescheduled" and rows.get(2, {}).get("status") == "scheduled"
                and rows.get(2, {}).get("start_utc") == utc("2031-03-13 14:00")
                and rows.get(2, {}).get("rescheduled_from") == 1, "moved", rows)
        upd = card_update(fake, s4, ts)
        if T.check("reschedule form: the card is updated in place (chat.update, same ts)",
                   upd is not None and upd["response"].get("ok") and upd["body"].get("channel") == ch,
                   "chat.update ts=" + ts, api_calls(fake, "chat.update", s4)):
            t = alltext(upd["body"])
            T.check("updated card: the new time", "<!date^%d^" % utc("2031-03-13 14:00") in t,
                    "<!date^%d^" % utc("2031-03-13 14:00"), t)
            T.eq("updated card: buttons of #2", "2:scheduled", card_values(upd["body"].get("blocks")).get("iv.start"))
        T.eq("reschedule form: no new card posted", [], api_calls(fake, "chat.postMessage", s4))
        eph = wait_api(fake, "chat.postEphemeral", s4, lambda e: e["response"].get("ok"))
        T.check("reschedule form: a confirmation (ephemeral)", len(eph) == 1 and "#2" in alltext(eph[0]["body"]),
                "Rescheduled #2", [e["body"] for e in eph])
        # 4. Start
        s5 = fake.seq()
        ack, _ = press(fake, "iv.start", ts, channel=ch)
        T.check("start button: acked", ack is not None, "an ack", ack)
        upd = card_update(fake, s5, ts)
        T.check("start button: the card is updated (in progress)",
                upd is not None and "in progress" in alltext(upd["body"]), "in progress",
                upd and alltext(upd["body"]))
        T.eq("start button: #2 in progress", "in_progress", d.q("SELECT status FROM interviews WHERE id = 2")[0]["status"])
        T.eq("start button: no modal", [], api_calls(fake, "views.open", s5))
        # 5. Mark complete, by ivan (on the panel)
        s6 = fake.seq()
        ack, _ = press(fake, "iv.complete", ts, user=IVAN, channel=ch)
        cview = opened_view(fake, s6, "iv.complete")
        if T.check("complete button: the complete form opens", cview is not None, "iv.complete view",
                   api_calls(fake, "views.open", s6)):
            T.eq("complete form: inputs", ["rating", "recommendation", "feedback", "notes"], input_blocks(cview))
            s7 = fake.seq()
            ack = submit(fake, cview["id"], {"rating": v_select("4"), "recommendation": v_select("hire"),
                                             "feedback": v_text("Excellent on compilers"),
                                             "notes": {"v": {"type": "plain_text_input", "value": None}}}, user=IVAN)
            T.check("complete form: acked without errors", ack is not None and not reply_of(ack).get("response_action"),
                    "no errors", ack)
            T.eq("complete form: #2 completed", "completed",
                 d.q("SELECT status FROM interviews WHERE id = 2")[0]["status"])
            T.eq("complete form: ivan's feedback in the database",
                 [{"handle": "ivan", "rating": 4, "recommendation": "hire", "feedback": "Excellent on compilers"}],
                 d.q("SELECT p.handle, rating, recommendation, feedback FROM feedback JOIN people p "
                     "ON p.id = feedback.person_id WHERE interview_id = 2"))
            upd = card_update(fake, s7, ts)
            T.check("complete form: the card is updated (completed)",
                    upd is not None and "completed" in alltext(upd["body"]), "completed", upd and alltext(upd["body"]))
            eph = wait_api(fake, "chat.postEphemeral", s7, lambda e: e["response"].get("ok"))
            T.check("complete form: a confirmation to ivan", len(eph) == 1 and eph[0]["body"].get("user") == IVAN,
                    "to " + IVAN, [e["body"] for e in eph])
        # 6. Cancel another one (scheduled by command, so its card is posted)
        s8 = fake.seq()
        ack, _ = command(fake, 'schedule candidate:"Alan Turing &lt;<mailto:alan@example.com|alan@example.com>&gt;" '
                               'when:"2031-03-14 09:30"', channel=ch)
        posts = wait_api(fake, "chat.postMessage", s8, lambda e: e["response"].get("ok"))
        if not T.check("schedule #3: card posted", len(posts) == 1, 1, posts):
            return
        ts3 = posts[0]["response"]["ts"]
        s9 = fake.seq()
        ack, _ = press(fake, "iv.cancel", ts3, channel=ch)
        xview = opened_view(fake, s9, "iv.cancel")
        if T.check("cancel button: the cancel form opens", xview is not None, "iv.cancel view",
                   api_calls(fake, "views.open", s9)):
            before = snapshot(d)
            ack = submit(fake, xview["id"], {"reason": {"v": {"type": "plain_text_input", "value": None}}})
            p = reply_of(ack)
            T.check("cancel form without a reason: errors keyed by the reason block",
                    p.get("response_action") == "errors" and list((p.get("errors") or {}).keys()) == ["reason"],
                    {"response_action": "errors", "errors": {"reason": "..."}}, p)
            T.eq("cancel form without a reason: nothing changed", before, snapshot(d))
            s10 = fake.seq()
            ack = submit(fake, xview["id"], {"reason": v_text("Position filled")})
            T.check("cancel form: acked without errors", ack is not None and not reply_of(ack).get("response_action"),
                    "no errors", ack)
            T.eq("cancel form: #3 cancelled with its reason", [{"status": "cancelled", "cancel_reason": "Position filled"}],
                 d.q("SELECT status, cancel_reason FROM interviews WHERE id = 3"))
            upd = card_update(fake, s10, ts3)
            T.check("cancel form: the card is updated (cancelled, the reason)",
                    upd is not None and "cancelled" in alltext(upd["body"]) and "Position filled" in alltext(upd["body"]),
                    "cancelled — Position filled", upd and alltext(upd["body"]))
        # 7. Stale buttons: a card that still shows #3 scheduled, and #1 (rescheduled long ago)
        time.sleep(0.3)
        before = snapshot(d)
        s11 = fake.seq()
        ack, res = press(fake, "iv.start", ts3, channel=ch, value="3:scheduled")
        T.check("stale start: acked", ack is not None, "an ack", ack)
        ru = fake.wait_for(lambda e: True, "response_url", s11, timeout=5)
        T.check("stale start: told the card was out of date (response_url, ephemeral)",
                len(ru) == 1 and "out of date" in alltext(ru[0]["body"]) and ru[0]["status"] == 200
                and ru[0]["effect"] == "ephemeral", "out of date", [e.get("body") for e in ru])
        s12 = fake.seq()
        ack, res = press(fake, "iv.reschedule", ts, channel=ch, value="1:scheduled")
        ru = fake.wait_for(lambda e: True, "response_url", s12, timeout=5)
        T.check("stale reschedule: told the card was out of date", len(ru) == 1 and "out of date" in alltext(ru[0]["body"]),
                "out of date", [e.get("body") for e in ru])
        time.sleep(0.5)
        T.eq("stale buttons: no form opened", [], api_calls(fake, "views.open", s11))
        T.eq("stale buttons: nothing changed in the database", before, snapshot(d))
        # 8. every card post once; every update about the right card
        posts = api_calls(fake, "chat.postMessage", s0)
        T.eq("cards posted: #1 (form) and #3 (command), once each",
             ["Interview #1: Grace Hopper (scheduled)", "Interview #3: Alan Turing (scheduled)"],
             [e["body"].get("text") for e in posts])
        T.check("every Web API call succeeded", all(e["response"].get("ok") for e in fake.log(s0, "api")),
                "all ok", [(e["method"], e["response"].get("error")) for e in fake.log(s0, "api")
                           if not e["response"].get("ok")])
        check_no_surprises(fake, d)
    finally:
        d.stop()
        fake.stop()



# ---- case: escaping ---------------------------------------------------------------------

ESCAPED = "&lt;!channel&gt; &amp; co"


def recorded_messages(fake, since):
    """(where, message) for every message the fake recorded: ack payloads, Web API bodies
    (posts, updates, ephemerals, views) and response_url bodies."""
    out = []
    for e in fake.log(since):
        if e["kind"] == "ack" and e.get("payload"):
            out.append(("ack", e["payload"]))
        elif e["kind"] == "api" and e["method"] in ("chat.postMessage", "chat.update", "chat.postEphemeral",
                                                   "views.open", "views.update"):
            out.append((e["method"], e["body"]))
        elif e["kind"] == "response_url" and isinstance(e.get("body"), dict):
            out.append(("response_url", e["body"]))
    return out


def case_escaping(binary):
    folder = tmpdir("escaping")
    fake = Fake(folder)
    d = Daemon(binary, folder, fake)
    try:
        s0 = fake.seq()
        # typed "<!channel> & co <co@example.com>": Slack escapes what the user typed
        ack, _ = command(fake, 'schedule candidate:"&lt;!channel&gt; &amp; co &lt;<mailto:co@example.com|'
                               'co@example.com>&gt;" when:"2031-03-10 14:00" job:"R&amp;D &lt;b&gt;"')
        T.check("typed: scheduled", "Scheduled #1" in alltext(reply_of(ack)), "Scheduled #1", reply_of(ack))
        # a real @channel mention in the name (Slack sends it as <!channel>)
        ack, _ = command(fake, 'schedule candidate:"<!channel> &amp; co &lt;<mailto:co2@example.com|'
                               'co2@example.com>&gt;" when:"2031-03-10 16:00"')
        T.check("mention: scheduled", "Scheduled #2" in alltext(reply_of(ack)), "Scheduled #2", reply_of(ack))
        names = [(r["cname"], r["cemail"]) for r in d.interviews()]
        T.eq("the names as typed in the database", [("<!channel> & co", "co@example.com"),
                                                    ("<!channel> & co", "co2@example.com")], names)
        T.eq("the job as typed", ["R&D <b>"], [r["title"] for r in d.q("SELECT title FROM jobs")])
        # the schedule form with the same name (modal values are not escaped by Slack)
        s1 = fake.seq()
        command(fake, "")
        view = opened_view(fake, s1, "iv.schedule")
        if T.check("the schedule form opens", view is not None, "a view", None):
            submit(fake, view["id"], {"candidate": v_text("<!channel> & co"), "email": v_email("co3@example.com"),
                                      "date": v_date("2031-03-11"), "time": v_time("10:00"),
                                      "duration": v_select("60m"), "type": v_select("video"),
                                      "notes": v_text("<!here> <@U0REC00001> & <https://x.example|y>")})
        for text in ("show #1", "list today", "candidate co@example.com", 'reschedule #2 when:"2031-03-12 09:00"',
                     'cancel #1 reason:"&lt;!channel&gt; withdrew"'):
            command(fake, text)
        # a card with buttons: the cancel form restates the candidate
        cards = wait_api(fake, "chat.postMessage", s0, lambda e: e["response"].get("ok") and
                         "Interview #4" in e["body"].get("text", ""), timeout=8)
        if T.check("the reschedule card (#4) is posted", len(cards) == 1, 1, len(cards)):
            s2 = fake.seq()
            press(fake, "iv.cancel", cards[0]["response"]["ts"])
            T.check("cancel form opened", opened_view(fake, s2, "iv.cancel") is not None, "a view", None)
        wait_until(lambda: len(api_calls(fake, "chat.postMessage", s0)) >= 5, 8)
        msgs = recorded_messages(fake, s0)
        T.check("replies, cards, forms recorded", len(msgs) >= 12, ">= 12", len(msgs))
        note("%d messages checked: %s" % (len(msgs), ", ".join(sorted({w for w, _ in msgs}))))
        raw = [(w, s) for w, m in msgs for s in strings(m) if "<!channel>" in s or "<!here>" in s]
        T.eq("no raw <!channel> or <!here> anywhere", [], raw)
        missing = [(w, alltext(m)[:200]) for w, m in msgs if w not in ("views.open",) and ESCAPED not in alltext(m)]
        T.eq("every reply and card names the candidate escaped (%s)" % ESCAPED, [], missing)
        forms = [m for w, m in msgs if w == "views.open" and m.get("view", {}).get("callback_id") == "iv.cancel"]
        T.check("the cancel form names the candidate escaped", forms and ESCAPED in alltext(forms[0]), ESCAPED,
                forms and alltext(forms[0]))
        amp = [(w, s) for w, m in msgs for s in texts(m) if re.search(r"&(?!amp;|lt;|gt;)", s)]
        T.eq("no bare & in any text (every & is an entity)", [], amp)
        check_no_surprises(fake, d)
    finally:
        d.stop()
        fake.stop()


# ---- case: redelivery ----------------------------------------------------------------------

def slash_payload(text, channel=CH, user=REC):
    return {"token": "fakeverificationtoken", "team_id": "T0FAKE0001", "team_domain": "fake", "channel_id": channel,
            "channel_name": channel.lower(), "user_id": user, "user_name": "rita", "command": "/interview",
            "text": text, "api_app_id": "A0FAKE0001", "is_enterprise_install": "false",
            "response_url": "http://127.0.0.1:1/response/none", "trigger_id": "1.2.3"}


def case_redelivery(binary):
    folder = tmpdir("redelivery")
    fake = Fake(folder)
    d = Daemon(binary, folder, fake)
    try:
        s0 = fake.seq()
        # an event first: the fake redelivers it after 3 s unless it is acked
        st, ev = fake.ctl("event", {"event": {"type": "app_mention", "user": REC, "text": "<@U0BOT00001> hi",
                                              "channel": CH, "ts": "1.000001"}})
        T.eq("event delivered", 200, st)
        t_event = time.monotonic()
        # a slash command envelope delivered twice
        st, res = fake.ctl("envelope", {"type": "slash_commands", "accepts_response_payload": True, "twice": True,
                                        "payload": slash_payload('schedule candidate:"Twice Tina &lt;<mailto:'
                                                                 'tina@example.com|tina@example.com>&gt;" '
                                                                 'when:"2031-03-11 10:00"')})
        T.eq("envelope delivered twice", 200, st)
        eid = res.get("envelope_id")
        ok, acks = fake.wait("ack", count=2, timeout=5, envelope_id=eid)
        T.check("both deliveries acked", ok and len(acks) == 2, 2, len(acks))
        T.check("one of the acks carries the reply", sum("Scheduled #1" in alltext(a.get("payload") or {})
                                                          for a in acks) == 1, 1,
                [a.get("payload") and alltext(a["payload"])[:80] for a in acks])
        T.eq("exactly one interview", [("Twice Tina", "scheduled")],
             [(r["cname"], r["status"]) for r in d.interviews()])
        T.eq("its envelope id kept as an idempotency key", 1,
             len(d.q("SELECT key FROM inbound_keys WHERE key = ?", "slack:" + eid)))
        T.check("daemon logged the second as a duplicate",
                re.search(r'msg="command" envelope=%s .*outcome=duplicate' % re.escape(eid), d.stderr()),
                "outcome=duplicate", d.stderr()[-600:])
        # the same envelope once more, later (a redelivery after a reconnect)
        st, res2 = fake.ctl("envelope", {"envelope_id": eid, "type": "slash_commands", "accepts_response_payload": True,
                                         "payload": slash_payload('schedule candidate:"Twice Tina &lt;<mailto:'
                                                                  'tina@example.com|tina@example.com>&gt;" '
                                                                  'when:"2031-03-11 10:00"')})
        ok, acks = fake.wait("ack", count=3, timeout=5, envelope_id=eid)
        T.check("a third delivery acked too", ok and len(acks) == 3, 3, len(acks))
        T.eq("still one interview", 1, len(d.interviews()))
        time.sleep(1.2)
        posts = api_calls(fake, "chat.postMessage", s0)
        T.eq("one card posted", ["Interview #1: Twice Tina (scheduled)"], [e["body"].get("text") for e in posts])
        # an event retried by Slack: same event_id, new envelopes, retry_attempt 1 and 2
        event = {"type": "app_mention", "user": REC, "text": "<@U0BOT00001> hello", "channel": CH, "ts": "2.000001"}
        envs = []
        for attempt in (0, 1, 2):
            st, r = fake.ctl("envelope", {"type": "events_api", "retry_attempt": attempt,
                                          "retry_reason": "timeout" if attempt else "", "redeliver": False,
                                          "twice": attempt == 2,
                                          "payload": {"type": "event_callback", "event_id": "Ev0RETRY0001",
                                                      "event_time": 1, "event": event, "team_id": "T0FAKE0001"}})
            envs.append(r.get("envelope_id"))
            ok, a = fake.wait("ack", count=2 if attempt == 2 else 1, timeout=5, envelope_id=r.get("envelope_id"))
            T.check("event retry_attempt %d acked%s" % (attempt, " (twice)" if attempt == 2 else ""), ok,
                    "acked", a)
        T.check("daemon noticed the retries",
                len(re.findall(r"event delivered again; ignored\" event=Ev0RETRY0001", d.stderr())) == 3,
                "3 'delivered again' lines", re.findall(r".*Ev0RETRY0001.*", d.stderr()))
        T.eq("the event's id kept once", 1, len(d.q("SELECT key FROM inbound_keys WHERE key = ?",
                                                     "slack-event:Ev0RETRY0001")))
        # the first event was acked, so the fake did not redeliver it
        wait_until(lambda: time.monotonic() - t_event > 3.6, 5)
        again = [e for e in fake.log(s0, "envelope_sent") if (e.get("retry_attempt") or 0) > 0
                 and e["envelope_id"] not in envs]
        T.eq("the acked event was not redelivered", [], again)
        T.eq("nothing left unacked", [], fake.state()["unacked"])
        check_no_surprises(fake, d)
    finally:
        d.stop()
        fake.stop()



# ---- case: Web API trouble -------------------------------------------------------------

def posts_to(fake, channel, since=0):
    return [e for e in api_calls(fake, "chat.postMessage", since) if e["body"].get("channel") == channel]


def case_webapi(binary):
    folder = tmpdir("webapi")
    fake = Fake(folder)
    d = Daemon(binary, folder, fake, now=None)  # real clock: the outbox's retries need time to pass
    try:
        s0 = fake.seq()
        # 429 twice with Retry-After: 1, then OK
        fake.misbehave(fail={"method": "chat.postMessage", "status": 429, "retry_after": 1, "count": 2})
        ack, _ = command(fake, 'schedule candidate:"Rate Limited &lt;<mailto:rl@example.com|rl@example.com>&gt;" '
                               'when:"2031-03-11 10:00"', channel="C0RATE0001")
        T.check("429: the command is acked with its reply", "Scheduled #1" in alltext(reply_of(ack)), "Scheduled #1",
                reply_of(ack))
        wait_until(lambda: any(e["response"].get("ok") for e in posts_to(fake, "C0RATE0001", s0)), 10)
        calls = posts_to(fake, "C0RATE0001", s0)
        T.eq("429: tried three times (429, 429, 200)", [429, 429, 200], [e["status"] for e in calls])
        gaps = [round(b["t"] - a["t"], 3) for a, b in zip(calls, calls[1:])]
        T.check("429: each retry waited Retry-After (>= 1 s)", len(gaps) == 2 and all(g >= 0.99 for g in gaps),
                ">= 1 s", gaps)
        T.eq("429: posted once", 1, sum(1 for e in calls if e["response"].get("ok")))
        row = d.q("SELECT sent_at, failed_at, attempts FROM outbox WHERE transport = 'slack' AND recipient = ?",
                  "C0RATE0001")
        T.check("429: the outbox row is sent after 3 attempts", len(row) == 1 and row[0]["sent_at"]
                and not row[0]["failed_at"] and row[0]["attempts"] == 3, "sent, 3 attempts", row)
        # 500 three times, then OK
        s1 = fake.seq()
        fake.misbehave(fail={"method": "chat.postMessage", "status": 500, "count": 3})
        ack, _ = command(fake, 'schedule candidate:"Server Error &lt;<mailto:se@example.com|se@example.com>&gt;" '
                               'when:"2031-03-11 11:00"', channel="C0FAIL0001")
        T.check("500: the command is acked with its reply", "Scheduled #2" in alltext(reply_of(ack)), "Scheduled #2",
                reply_of(ack))
        wait_until(lambda: any(e["response"].get("ok") for e in posts_to(fake, "C0FAIL0001", s1)), 25, 0.2)
        calls = posts_to(fake, "C0FAIL0001", s1)
        T.eq("500: retried until posted (500, 500, 500, 200)", [500, 500, 500, 200], [e["status"] for e in calls])
        gaps = [round(b["t"] - a["t"], 3) for a, b in zip(calls, calls[1:])]
        T.check("500: retries back off (each wait >= 1 s, growing)",
                len(gaps) == 3 and all(g >= 0.99 for g in gaps) and gaps[2] > gaps[0], "growing waits", gaps)
        T.eq("500: posted once", 1, sum(1 for e in calls if e["response"].get("ok")))
        T.check("500: the daemon logged the retries", len(re.findall(r"level=warn .*HTTP 500.*method=chat\.postMessage",
                                                                     d.stderr())) >= 3, "3 warn lines",
                level_lines(d.stderr(), "warn")[-5:])
        # channel_not_found: Slack will say it again, so the row fails at once
        s2 = fake.seq()
        fake.misbehave(fail={"method": "chat.postMessage", "error": "channel_not_found", "count": 1})
        ack, _ = command(fake, 'schedule candidate:"No Channel &lt;<mailto:nc@example.com|nc@example.com>&gt;" '
                               'when:"2031-03-11 12:00"', channel="C0GONE0001")
        T.check("channel_not_found: the command is acked with its reply", "Scheduled #3" in alltext(reply_of(ack)),
                "Scheduled #3", reply_of(ack))
        row = wait_until(lambda: [r for r in d.q("SELECT * FROM outbox WHERE transport = 'slack' AND recipient = ?",
                                                 "C0GONE0001") if r["failed_at"]], 6)
        T.check("channel_not_found: the outbox row failed (failed_at set, not sent)",
                row and not row[0]["sent_at"] and "channel_not_found" in (row[0]["last_error"] or ""),
                "failed_at set, last_error channel_not_found", row or
                d.q("SELECT * FROM outbox WHERE transport = 'slack' AND recipient = 'C0GONE0001'"))
        T.check("channel_not_found: logged as an error with the method and Slack's error",
                re.search(r"level=error .*channel_not_found.*method=chat\.postMessage.*channel=C0GONE0001",
                          d.stderr()), "an error line", level_lines(d.stderr(), "error"))
        time.sleep(2.5)
        T.eq("channel_not_found: tried once, not again", 1, len(posts_to(fake, "C0GONE0001", s2)))
        # nothing twice
        ok_posts = [e for e in api_calls(fake, "chat.postMessage", s0) if e["response"].get("ok")]
        per_card = {}
        for e in ok_posts:
            per_card[e["body"].get("text")] = per_card.get(e["body"].get("text"), 0) + 1
        T.eq("each card posted once", {"Interview #1: Rate Limited (scheduled)": 1,
                                       "Interview #2: Server Error (scheduled)": 1}, per_card)
        sent = d.q("SELECT count(*) AS n FROM outbox WHERE transport = 'slack' AND sent_at IS NOT NULL")[0]["n"]
        T.eq("successful posts = outbox rows sent", sent, len(ok_posts))
        check_no_surprises(fake, d, [r"channel_not_found"])
    finally:
        d.stop()
        fake.stop()


# ---- case: garbage on the socket -------------------------------------------------------

def case_garbage(binary):
    folder = tmpdir("garbage")
    fake = Fake(folder)
    d = Daemon(binary, folder, fake)
    try:
        s0 = fake.seq()
        conns0 = sorted(c["id"] for c in fake.state()["connections"])
        fake.misbehave(garbage="binary")
        fake.misbehave(garbage="malformed")
        big = fake.misbehave(garbage="oversized")
        ok, acks = fake.wait("ack", timeout=5, envelope_id=big.get("envelope_id"))
        T.check("a 200 KB envelope of an unknown type is acked", ok, "acked", big)
        frag = fake.misbehave(garbage="fragmented_envelope", fragment_size=512,
                              text='schedule candidate:"Frag Mented &lt;<mailto:frag@example.com|frag@example.com>'
                                   '&gt;" when:"2031-03-11 10:00"')
        ok, acks = fake.wait("ack", timeout=5, envelope_id=frag.get("envelope_id"))
        T.check("a ~70 KB envelope in 512-byte fragments is acked with its reply",
                ok and "Scheduled #1" in alltext(acks[0].get("payload") or {}), "Scheduled #1",
                acks and acks[0].get("payload"))
        sent = [e for e in fake.log(s0, "envelope_sent") if e["envelope_id"] == frag.get("envelope_id")]
        T.check("... it really went in fragments", sent and sent[0]["fragments"] > 100, "> 100 fragments",
                sent and sent[0]["fragments"])
        T.eq("... and was executed", [("Frag Mented", "scheduled")], [(r["cname"], r["status"]) for r in d.interviews()])
        frag2 = fake.misbehave(garbage="fragmented_envelope", fragment_size=1000, ping_mid=True, text="stats")
        ok, acks = fake.wait("ack", timeout=5, envelope_id=frag2.get("envelope_id"))
        T.check("fragments with a ping in the middle: acked with the reply",
                ok and stats_of(acks[0].get("payload") or {}).get("This week") == 1, "stats, this week 1",
                acks and acks[0].get("payload"))
        T.check("the daemon is alive", d.alive(), "running", d.stderr()[-500:])
        ack, _ = command(fake, "list week")
        T.check("later commands still work", "Frag Mented" in alltext(reply_of(ack)), "Frag Mented", reply_of(ack))
        err = d.stderr()
        T.check("logged: the binary frame dropped", "dropped a binary frame" in err, "a warn line", err[-800:])
        T.check("logged: the malformed frame dropped", "dropped a frame that is not JSON" in err, "a warn line",
                err[-800:])
        T.eq("no socket was lost to the garbage", conns0, sorted(c["id"] for c in fake.state()["connections"]))
        T.eq("nothing left unacked", [], fake.state()["unacked"])
        check_no_surprises(fake, d)
    finally:
        d.stop()
        fake.stop()



# ---- case: the connection ---------------------------------------------------------------

class Monitor(threading.Thread):
    """Samples the fake's sockets every ~40 ms: (time, ready and open, open, ids)."""

    def __init__(self, fake):
        super().__init__(daemon=True)
        self.fake, self.samples, self.halt = fake, [], threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                st = self.fake.state()
                conns = st["connections"]
                self.samples.append((time.time(), sum(1 for c in conns if c["ready"]), st["open_sockets"],
                                     sorted(c["id"] for c in conns)))
            except Exception:
                pass
            time.sleep(0.04)

    def between(self, t0, t1):
        return [s for s in self.samples if t0 <= s[0] <= t1]

    def stop(self):
        self.halt.set()
        self.join(5)


def conn_events(fake, kind, since, conn=None):
    return [e for e in fake.log(since, kind) if conn is None or e.get("conn") == conn]


def case_connection(binary):
    folder = tmpdir("connection")
    fake = Fake(folder)
    d = Daemon(binary, folder, fake)
    mon = Monitor(fake)
    mon.start()
    try:
        time.sleep(0.3)
        # warning / refresh_requested: a successor opens first, the old one closes after
        for reason in ("warning", "refresh_requested"):
            conns = sorted(c["id"] for c in fake.state()["connections"] if c["ready"])
            if not T.check("%s: two sockets before" % reason, len(conns) == 2, 2, conns):
                continue
            old = conns[0]
            s = fake.seq()
            t0 = time.time()
            fake.misbehave(disconnect=reason, conn=old)
            closed = fake.wait_for(lambda e: e["conn"] == old, "conn_close", s, timeout=8)
            opened = conn_events(fake, "conn_open", s)
            if T.check("%s: the old socket closes" % reason, closed, "conn_close " + old, fake.state()["connections"]):
                T.check("%s: a new socket opened before the old one closed" % reason,
                        opened and opened[0]["seq"] < closed[0]["seq"], "conn_open before conn_close",
                        [(e["kind"], e["conn"], e["seq"]) for e in fake.log(s) if e["kind"].startswith("conn_")])
                T.check("%s: the daemon closed it (not the fake's deadline)" % reason,
                        closed[0]["by"] == "client_close" and closed[0]["t"] - t0 < 5, "client_close within 5 s",
                        (closed[0]["by"], round(closed[0]["t"] - t0, 2)))
                time.sleep(0.3)
                lows = [x for x in mon.between(t0, closed[0]["t"] + 0.3) if x[1] < 2]
                T.eq("%s: two sockets ready throughout" % reason, [], lows[:5])
            ok, _ = fake.wait("ready", count=2, timeout=5)
            T.check("%s: two ready after" % reason, ok, 2, fake.state()["connections"])
        # an abrupt TCP drop of every socket
        s = fake.seq()
        t0 = time.time()
        fake.misbehave(close_all=True)
        back = fake.wait_for(lambda e: e.get("hello_sent"), "conn_open", s, timeout=8, count=2)
        T.check("close_all: two sockets again within 6 s", len(back) >= 2 and back[1]["t"] - t0 <= 6,
                "<= 6 s", [round(e["t"] - t0, 2) for e in back])
        T.check("close_all: logged", "socket lost; reconnecting" in d.stderr(), "a log line", d.stderr()[-500:])
        # a half-open socket: nothing comes in any more, our pings unanswered
        ok, _ = fake.wait("ready", count=2, timeout=5)
        conns = sorted(c["id"] for c in fake.state()["connections"] if c["ready"])
        if T.check("silent: two sockets before", len(conns) == 2, 2, conns):
            quiet = conns[0]
            s = fake.seq()
            # the last frame the daemon got on it: the hello, or the pong to its last ping
            info = [c for c in fake.state()["connections"] if c["id"] == quiet][0]
            last_in = max(info["opened_at"], info["last_in"] or 0)
            t0 = time.time()
            fake.misbehave(silent=True, conn=quiet)
            closed = fake.wait_for(lambda e: e["conn"] == quiet, "conn_close", s, timeout=12)
            T.check("silent: the daemon drops it after stale_after (6 s of silence, within 9.5 s)",
                    closed and closed[0]["t"] - last_in >= 5.9 and closed[0]["t"] - t0 <= 9.5,
                    ">= 6 s after its last frame, <= 9.5 s after going silent",
                    closed and (round(closed[0]["t"] - last_in, 2), round(closed[0]["t"] - t0, 2)))
            T.check("silent: logged", "socket silent; replacing it" in d.stderr(), "a log line", d.stderr()[-500:])
            ok, _ = fake.wait("ready", count=2, timeout=5)
            T.check("silent: replaced", ok and quiet not in [c["id"] for c in fake.state()["connections"]],
                    "two others", fake.state()["connections"])
            T.eq("silent: the other socket stayed ready", [], [x for x in mon.between(t0, time.time()) if x[1] < 1][:5])
        # upgrades refused twice (409), then accepted
        s = fake.seq()
        t0 = time.time()
        fake.misbehave(upgrade_status=409, count=2)
        fake.misbehave(close_all=True)
        refused = fake.wait_for(lambda e: True, "upgrade_refused", s, timeout=10, count=2)
        T.eq("409: two upgrades refused", [409, 409], [e["status"] for e in refused])
        back = fake.wait_for(lambda e: e.get("hello_sent"), "conn_open", s, timeout=15, count=2)
        T.check("409: then two sockets within 12 s", len(back) >= 2 and back[1]["t"] - t0 <= 12, "<= 12 s",
                [round(e["t"] - t0, 2) for e in back])
        ok, _ = fake.wait("ready", count=2, timeout=3)
        # an envelope whose socket drops before its ack (the dispatcher waits 300 ms on
        # users.info for a user it has not seen): the ack, with the reply, goes on the other socket
        fake.ctl("users", {"U0NEW0001": {"name": "nina", "real_name": "Nina New", "email": "nina@example.com"},
                           "U0NEW0002": {"name": "noah", "real_name": "Noah New", "email": "noah@example.com"}})
        fake.misbehave(delay={"method": "users.info", "ms": 300, "count": 2})
        conns = sorted(c["id"] for c in fake.state()["connections"] if c["ready"])
        if T.check("two sockets before the slow commands", len(conns) == 2, 2, conns):
            s = fake.seq()
            st, res = fake.ctl("command", {"user": "U0NEW0001", "channel": CH, "text": "help", "conn": conns[0]})
            fake.misbehave(close_all=True, conn=conns[0])
            ok, acks = fake.wait("ack", timeout=4, envelope_id=res.get("envelope_id"))
            T.check("its socket dropped before the ack: the ack goes on the other socket, with the reply",
                    ok and acks[0]["conn"] == conns[1] and "schedule" in alltext(acks[0].get("payload") or {}),
                    "an ack on %s with the help text" % conns[1], acks)
            ok, _ = fake.wait("ready", count=2, timeout=6)
            # every socket drops before the ack: the ack cannot go; the command ran, so its reply
            # must reach the typist by the response_url (Slack sends a slash command once)
            s = fake.seq()
            st, res = fake.ctl("command", {"user": "U0NEW0002", "channel": CH, "text": "help"})
            fake.misbehave(close_all=True)
            eid = res.get("envelope_id")
            ru = fake.wait_for(lambda e: e.get("envelope_id") == eid, "response_url", s, timeout=5)
            acked = [a for a in fake.log(s, "ack") if a["envelope_id"] == eid]
            T.check("the daemon ran it", re.search(r'msg="command" envelope=%s ' % re.escape(eid), d.stderr()),
                    "a command log line", d.stderr()[-400:])
            T.check("every socket dropped before the ack: the reply still reaches the typist (response_url)",
                    acked or (len(ru) == 1 and "schedule" in alltext(ru[0].get("body") or {})),
                    "an ack with the reply, or the reply by response_url",
                    "no ack; %d response_url posts; daemon: %s" % (len(ru), [ln for ln in d.stderr().splitlines()
                                                                             if eid in ln]))
            ok, _ = fake.wait("ready", count=2, timeout=6)
        n_open = len(conn_events(fake, "conn_open", 0))
        # link_disabled: Socket Mode off; the daemon says so and stops trying for a while
        s = fake.seq()
        t0 = time.time()
        fake.misbehave(disconnect="link_disabled")
        logged = wait_until(lambda: re.search(r"level=error .*Socket Mode is turned off", d.stderr()), 4)
        T.check("link_disabled: an error about Socket Mode being off", logged, "level=error ... Socket Mode",
                d.stderr()[-600:])
        gone = wait_until(lambda: fake.state()["open_sockets"] == 0, 4)
        T.check("link_disabled: the daemon closes its sockets", gone, 0, fake.state()["connections"])
        time.sleep(2.5)
        T.eq("link_disabled: no new socket right after", [], [e["conn"] for e in conn_events(fake, "conn_open", s)])
        mon.stop()
        T.check("never more than 4 sockets open at once", max(x[2] for x in mon.samples) <= 4, "<= 4",
                max(x[2] for x in mon.samples))
        note("%d samples of the sockets; %d sockets opened in all; most open at once %d" %
             (len(mon.samples), n_open, max(x[2] for x in mon.samples)))
        T.check("the daemon is alive", d.alive(), "running", d.stderr()[-300:])
        check_no_surprises(fake, d, [r"Socket Mode is turned off", r"libwebsockets"])
    finally:
        mon.stop()
        d.stop()
        fake.stop()



# ---- case: chaos ----------------------------------------------------------------------------

CHAOS_N, CHAOS_SCHEDULES, CHAOS_RATE, CHAOS_THREADS, CHAOS_DROP_EVERY = 1000, 200, 100.0, 12, 3.0
LOG_COMMAND = re.compile(r'msg="command" envelope=(\S+) user=\S+ command=(\S+) outcome=(\S+)')


def chaos_plan(seeds):
    rng = random.Random(20310310)
    kinds = ["schedule"] * CHAOS_SCHEDULES + ["list"] * 300 + ["stats"] * 250
    kinds += ["show"] * (CHAOS_N - len(kinds))
    rng.shuffle(kinds)
    plan, k = [], 0
    for kind in kinds:
        if kind == "schedule":
            day, slot = 11 + k // 20, k % 20
            mail = "chaos%03d@example.com" % k
            text = ('schedule candidate:"Chaos %03d &lt;<mailto:%s|%s>&gt;" when:"2031-03-%02d %02d:%02d" duration:30m'
                    % (k, mail, mail, day, 8 + slot // 2, 30 * (slot % 2)))
            plan.append(("schedule", text, "C0CHAOS%02d" % (k % 40), mail))
            k += 1
        elif kind == "list":
            plan.append(("list", "list today", CH, None))
        elif kind == "stats":
            plan.append(("stats", "stats", CH, None))
        else:
            plan.append(("show", "show #%d" % rng.choice(seeds), CH, None))
    return plan


def storm(fake, plan, rate, threads, drop_every):
    """Sends PLAN ([(kind, text, channel, mail, user)]) at RATE per second from THREADS
    threads while another drops every socket every DROP_EVERY s. Returns (results
    [(http status, /command answer, time)], drops [(time, status, closed)], seconds)."""
    results = [None] * len(plan)
    lock, nxt, done = threading.Lock(), [0], threading.Event()
    drops = []
    t0 = time.monotonic() + 0.2

    def sender():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(plan):
                return
            wait = t0 + i / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            _, text, channel, _, user = plan[i]
            try:
                st, res = fake.ctl("command", {"user": user, "channel": channel, "text": text}, http_timeout=15)
            except Exception as e:  # noqa: BLE001 — recorded, counted as a failure by the judge
                st, res = -1, {"error": repr(e)}
            results[i] = (st, res, time.time())

    def dropper():
        while not done.wait(drop_every):
            try:
                st, r = fake.ctl("misbehave", {"close_all": True}, http_timeout=10)
                drops.append((time.time(), st, r.get("closed")))
            except Exception as e:  # noqa: BLE001
                drops.append((time.time(), -1, repr(e)))

    ths = [threading.Thread(target=sender, daemon=True) for _ in range(threads)]
    dt = threading.Thread(target=dropper, daemon=True)
    dt.start()
    for th in ths:
        th.start()
    for th in ths:
        th.join(60)
    took = time.monotonic() - t0
    done.set()
    dt.join(10)
    T.check("every command handed to the fake", all(r is not None for r in results), "all sent",
            sum(r is None for r in results))
    return [r or (-1, {"error": "not sent"}, 0) for r in results], drops, took


def judge(fake, d, plan, results, drops, took, since, label):
    """The storm's checks; true statements whatever the timing of the drops:
    - each /command got 200, or 503 when no socket was ready within 5 s (<= 1 %);
    - no envelope acked twice, every ack within 3000 ms of its send;
    - an envelope without an ack was on a socket that dropped within 2.5 s of the send
      (the daemon acks by reply_wait_ms = 1.5 s on any ready socket), either received
      by the daemon (a lost ack) or never read by it (lost in transit);
    - the daemon ran each envelope at most once; each schedule it ran is in the
      database exactly once, each it never got is not there at all;
    - each envelope it ran got exactly one reply (ack payload or response_url) when
      its ack arrived, at most one when the ack was lost; each card posted once."""
    def drained():
        return d.q("SELECT count(*) AS n FROM outbox WHERE transport = 'slack' AND sent_at IS NULL "
                   "AND failed_at IS NULL")[0]["n"] == 0
    # the dispatcher may still hold envelopes (slow under sanitizers): drained, and still
    # drained a moment later with no new ack or post in between
    for _ in range(20):
        wait_until(drained, 15, 0.3)
        seq = fake.seq()
        time.sleep(1.0)
        if drained() and fake.seq() == seq:
            break
    events = fake.log(since)
    acks, closes, replies = {}, {}, {}
    for e in events:
        if e["kind"] == "ack":
            acks.setdefault(e["envelope_id"], []).append(e)
        elif e["kind"] == "conn_close":
            closes[e["conn"]] = e["t"]
        elif e["kind"] == "response_url" and e["status"] == 200:
            replies[e["envelope_id"]] = replies.get(e["envelope_id"], 0) + 1
    received = {}
    for m in LOG_COMMAND.finditer(d.stderr()):
        received.setdefault(m.group(1), []).append((m.group(2), m.group(3)))
    by_status = {}
    for st, _, _ in results:
        by_status[st] = by_status.get(st, 0) + 1
    n503 = by_status.get(503, 0)
    T.eq("%s: every /command answered 200 or 503 (no socket within 5 s)" % label, [],
         [(i, r[0], r[1]) for i, r in enumerate(results) if r[0] not in (200, 503)][:5])
    T.check("%s: at most 1%% of the commands found no ready socket within 5 s" % label, n503 <= len(plan) // 100,
            "<= %d" % (len(plan) // 100), n503)
    cats = {"acked on its socket": 0, "acked on another socket": 0, "lost ack (executed)": 0,
            "lost in transit (never read)": 0, "fake's write failed": 0}
    late, twice, orphan, not_once, bad_reply = [], [], [], [], []
    via_url = 0
    for i, (st, res, _) in enumerate(results):
        if st != 200:
            continue
        eid, conn = res["envelope_id"], res["conn"]
        if res.get("dropped"):
            cats["fake's write failed"] += 1
            continue
        a = acks.get(eid, [])
        got = received.get(eid, [])
        if len(a) > 1:
            twice.append(eid)
        if len(got) > 1:
            not_once.append((eid, got))
        n_reply = sum(1 for x in a if x.get("payload")) + replies.get(eid, 0)
        via_url += replies.get(eid, 0)
        if a:
            late += [(eid, x["latency_ms"]) for x in a if x["latency_ms"] > 3000]
            cats["acked on its socket" if a[0]["conn"] == conn else "acked on another socket"] += 1
            if not got:
                orphan.append((i, eid, "acked but the daemon never logged it"))
            elif n_reply != 1:
                bad_reply.append((i, eid, "%d replies" % n_reply))
            continue
        sent_at, closed_at = res["sent_at"], closes.get(conn)
        if closed_at is None or not (sent_at - 0.05 <= closed_at <= sent_at + 2.5):
            orphan.append((i, eid, conn, "unacked, its socket closed %s s after the send" %
                           (None if closed_at is None else round(closed_at - sent_at, 3))))
        if n_reply > 1:
            bad_reply.append((i, eid, "%d replies" % n_reply))
        cats["lost ack (executed)" if got else "lost in transit (never read)"] += 1
    # the daemon knows when it could not send an ack ("no socket to acknowledge on"): a reply it
    # had put on that ack must then reach the typist another way (the response_url is good for
    # 30 minutes); a command Slack will not send again must not end without a word
    unsent = set(re.findall(r"no socket to acknowledge on[^\n]*envelope=(\S+)", d.stderr()))
    planned = {r[1].get("envelope_id") for r in results if r[0] == 200}
    silent = [eid for eid in unsent & planned if received.get(eid) and not replies.get(eid)]
    T.eq("%s: a command run whose ack could not be sent still gets its reply (by response_url)" % label, [],
         silent[:5])
    # of those, how many had a socket open at their ack deadline (1.5 s after the send): a
    # daemon that kept a ready ack until then could have sent them
    spans = [(e["t"], closes.get(e["conn"], float("inf"))) for e in events
             if e["kind"] == "conn_open" and e.get("hello_sent")]
    could = 0
    for i, (st, res, _) in enumerate(results):
        eid = res.get("envelope_id") if st == 200 else None
        due = res["sent_at"] + 1.5 if eid else 0
        if eid in unsent and any(a < due - 0.05 and b > due + 0.05 for a, b in spans):
            could += 1
    T.eq("%s: no envelope acked twice" % label, [], twice[:5])
    T.eq("%s: every ack within 3000 ms" % label, [], late[:5])
    T.eq("%s: every unacked envelope was on a socket that dropped within 2.5 s of the send" % label, [],
         orphan[:5])
    T.eq("%s: every envelope executed at most once (daemon log)" % label, [], not_once[:5])
    T.eq("%s: one reply per command (on the ack or by response_url)" % label, [], bad_reply[:5])
    all_lat = sorted(x["latency_ms"] for v in acks.values() for x in v)
    counts = {}
    for r in d.interviews():
        counts[r["cemail"]] = counts.get(r["cemail"], 0) + 1
    wrong, executed, n_sched, delivered = [], 0, 0, 0
    for i, (kind, text, channel, mail, _) in enumerate(plan):
        if kind != "schedule":
            continue
        n_sched += 1
        st, res, _ = results[i]
        eid = res.get("envelope_id") if st == 200 else None
        delivered += 1 if eid and not res.get("dropped") else 0
        got = received.get(eid, []) if eid else []
        want = 1 if got else 0
        executed += want
        if counts.get(mail, 0) != want:
            wrong.append((i, mail, "in the database %d times, run %d times" % (counts.get(mail, 0), len(got))))
        if got and got[0] != ("schedule", "ok"):
            wrong.append((i, mail, "outcome %s" % (got[0],)))
        a = acks.get(eid, [])
        if a and a[0].get("payload") and "Scheduled #" not in alltext(a[0]["payload"]):
            wrong.append((i, mail, "acked with another reply: %s" % (a[0].get("payload"),)))
    T.eq("%s: each schedule in the database once if the daemon got it, else not at all" % label, [], wrong[:5])
    mails = {k[3] for k in plan if k[0] == "schedule"}
    in_db = sum(v for k, v in counts.items() if k in mails)
    T.eq("%s: interviews in the database = schedules the daemon got (delivered %d)" % (label, delivered),
         executed, in_db)
    T.check("%s: nearly every schedule executed (>= 95%% of %d)" % (label, n_sched), executed >= 0.95 * n_sched,
            ">= %d" % int(0.95 * n_sched), executed)
    posted = {}
    for e in events:
        if e["kind"] == "api" and e["method"] == "chat.postMessage" and e["response"].get("ok"):
            posted[e["body"].get("text")] = posted.get(e["body"].get("text"), 0) + 1
    names = {re.search(r'candidate:"([^&]+) &lt;', k[1]).group(1) for k in plan if k[0] == "schedule"}
    cards = {k: v for k, v in posted.items() if re.sub(r"^Interview #\d+: (.*) \(scheduled\)$", r"\1", k or "") in names}
    T.check("%s: a card per executed schedule, each posted once" % label,
            len(cards) == in_db and all(v == 1 for v in cards.values()),
            "%d cards once each" % in_db, (len(cards), {k: v for k, v in cards.items() if v != 1}))
    T.check("%s: the sockets were dropped every few seconds" % label, len(drops) >= 2 and
            all(x[1] == 200 for x in drops), ">= 2 drops", drops)
    T.check("%s: the daemon is alive" % label, d.alive(), "running", d.stderr()[-500:])
    gaps = []
    for t_drop, _, _ in drops:
        hello = [e["t"] for e in events if e["kind"] == "conn_open" and e["t"] > t_drop and e.get("hello_sent")]
        if hello:
            gaps.append(round(min(hello) - t_drop, 2))
    note("%s: %d commands in %.1fs (%.0f/s), %d socket drops (first socket back after %s s); %d delivered, %d "
         "found no socket (503); %s; %d replies by response_url; acks p50 %.1f ms, max %.1f ms; %d schedules "
         "executed of %d; %d acks the daemon could not send (no socket), %d of them with a socket open at "
         "their 1.5 s deadline; %d of those commands ran and got no reply" %
         (label, len(plan), took, len(plan) / took, len(drops), gaps, by_status.get(200, 0), n503,
          ", ".join("%s %d" % kv for kv in cats.items()), via_url,
          all_lat[len(all_lat) // 2] if all_lat else -1, all_lat[-1] if all_lat else -1, executed, n_sched,
          len(unsent & planned), could, len(silent)))
    return in_db


def case_chaos(binary):
    folder = tmpdir("chaos")
    fake = Fake(folder)
    d = Daemon(binary, folder, fake, slack_extra="post_interval_ms = 50")  # cards need not wait a second each here
    try:
        seeds = []
        for i in range(5):
            ack, _ = command(fake, 'schedule candidate:"Seed %d &lt;<mailto:seed%d@example.com|seed%d@example.com>&gt;" '
                                   'when:"2031-03-10 %02d:00"' % (i, i, i, 10 + i), channel="C0SEED000%d" % i)
            m = re.search(r"Scheduled #(\d+)", alltext(reply_of(ack)))
            if m:
                seeds.append(int(m.group(1)))
        if not T.eq("five seeds scheduled", 5, len(seeds)):
            return
        # 1. the plan of the brief: 1,000 commands at ~100/s, every socket dropped every 3 s
        plan = [k + (REC,) for k in chaos_plan(seeds)]
        s0 = fake.seq()
        results, drops, took = storm(fake, plan, CHAOS_RATE, CHAOS_THREADS, CHAOS_DROP_EVERY)
        time.sleep(2.5)  # every ack due arrives (reply_wait 1.5 s)
        fake.wait("ready", count=2, timeout=6)
        n1 = judge(fake, d, plan, results, drops, took, s0, "chaos")
        # 2. the same with a busy dispatcher, so that envelopes are in flight when the sockets
        # drop: a fifth of the commands come from people Slack has not told us about yet,
        # and users.info takes 60 ms; every socket dropped every second
        users = {"U0NEW%04d" % i: {"name": "new%d" % i, "real_name": "New %d" % i,
                                   "email": "new%d@example.com" % i, "tz": "Europe/London"} for i in range(80)}
        fake.ctl("users", users)
        fake.misbehave(delay={"method": "users.info", "ms": 60, "count": 100000})
        rng = random.Random(7)
        plan2 = []
        for i in range(400):
            if i % 5 == 0:
                plan2.append(("list", "list today", CH, None, "U0NEW%04d" % (i // 5)))
            elif i % 8 == 1:
                k = len([x for x in plan2 if x[0] == "schedule"])
                mail = "busy%03d@example.com" % k
                plan2.append(("schedule", 'schedule candidate:"Busy %03d &lt;<mailto:%s|%s>&gt;" when:"2031-03-2%d '
                              '%02d:%02d" duration:30m' % (k, mail, mail, 1 + k // 20, 8 + (k % 20) // 2,
                                                            30 * (k % 2)), "C0BUSY%02d" % (k % 40), mail, REC))
            else:
                plan2.append(rng.choice([("stats", "stats", CH, None, REC),
                                         ("show", "show #%d" % rng.choice(seeds), CH, None, REC)]))
        s1 = fake.seq()
        results, drops, took = storm(fake, plan2, CHAOS_RATE, CHAOS_THREADS, 1.0)
        time.sleep(3.0)
        fake.wait("ready", count=2, timeout=6)
        fake.misbehave(clear=True)
        n2 = judge(fake, d, plan2, results, drops, took, s1, "busy")
        week = d.q("SELECT count(*) AS n FROM interviews WHERE start_utc < ?", utc("2031-03-17 00:00"))[0]["n"]
        ack, _ = command(fake, "stats")
        T.eq("after the storms a command works (stats)", {"Today": 5, "This week": week, "Completed": 0,
                                                         "Cancelled": 0}, stats_of(reply_of(ack)))
        T.eq("the database holds the seeds and the storms' schedules", 5 + n1 + n2, len(d.interviews()))
        note("daemon warned 'no socket to acknowledge on' %d times, 'slow envelope' %d times" %
             (len(re.findall(r"no socket to acknowledge on", d.stderr())),
              len(re.findall(r"slow envelope", d.stderr()))))
        check_no_surprises(fake, d, since=s0)
    finally:
        d.stop()
        fake.stop()


# ---- case: shutdown with posts waiting ----------------------------------------------------

def case_shutdown(binary):
    """SIGTERM while cards wait for their channel's pacing (one post a second): the daemon
    must still exit 0 within 3 s; what it did not post stays in the outbox and the next
    run posts it; every card once."""
    folder = tmpdir("shutdown")
    fake = Fake(folder)
    d = Daemon(binary, folder, fake)
    d2 = None
    try:
        s0 = fake.seq()
        n = 8
        for i in range(n):
            ack, _ = command(fake, 'schedule candidate:"Burst %d &lt;<mailto:burst%d@example.com|burst%d@example.com>'
                                   '&gt;" when:"2031-03-1%d 10:00"' % (i, i, i, 1 + i), channel="C0BURST001")
            T.check("burst %d scheduled" % i, "Scheduled #" in alltext(reply_of(ack)), "Scheduled", reply_of(ack))
        posted = len(api_calls(fake, "chat.postMessage", s0, ok=True))
        rc, took = d.stop(check=False)
        T.check("SIGTERM with %d cards waiting for the channel's pacing: exits 0 within 3 s" % (n - posted),
                rc == 0, "0 within 3 s", "rc %s after %.2fs (killed at 3 s)" % (rc, took) if rc is None
                else "rc %s after %.2fs" % (rc, took))
        rows = d.q("SELECT id, sent_at, failed_at FROM outbox WHERE transport = 'slack'")
        T.eq("no card row failed at shutdown", [], [r for r in rows if r["failed_at"]])
        d2 = Daemon(binary, folder, fake, name="daemon2")
        wait_until(lambda: len(api_calls(fake, "chat.postMessage", s0, ok=True)) >= n, 15, 0.2)
        time.sleep(1.2)
        texts_ = [e["body"].get("text") for e in api_calls(fake, "chat.postMessage", s0, ok=True)]
        twice = sorted({t for t in texts_ if texts_.count(t) > 1})
        allowed = 1 if rc is None else 0  # a kill may land between Slack's "ok" and our record of it
        T.check("every card posted, once (across the restart)", len({*texts_}) == n and len(twice) <= allowed,
                "%d cards, none twice" % n, (len({*texts_}), twice))
        T.eq("the outbox is drained", [], [r for r in d2.q("SELECT id, sent_at, failed_at FROM outbox "
                                                            "WHERE transport = 'slack'") if not r["sent_at"]])
        d2.stop()
    finally:
        d.stop()
        if d2:
            d2.stop()
        fake.stop()


# ---- case: check-config ------------------------------------------------------------------

def case_checkconfig(binary):
    folder = tmpdir("checkconfig")
    fake = Fake(folder)
    try:
        cfg = write_config(folder, fake)

        def run(**env):
            p = subprocess.run([binary, "-c", cfg, "check-config"], env=daemon_env(**env), capture_output=True,
                               text=True, timeout=30, cwd=folder, preexec_fn=_die_with_parent)
            return p.returncode, p.stdout + p.stderr
        rc, out = run()
        T.eq("good tokens: exit 0", 0, rc)
        T.check("good tokens: says both tokens work", "bot token works" in out and "app token works" in out,
                "bot token works ... app token works", out[-600:])
        T.check("the tokens are not printed", "xoxb-test" not in out and "xapp-test" not in out, "masked", out[-600:])
        rc, out = run(bot="xoxb-wrong")
        T.eq("wrong bot token: exit 1", 1, rc)
        T.check("wrong bot token: says so with Slack's error", "bot token does not work: auth.test: invalid_auth" in out,
                "bot token does not work: auth.test: invalid_auth", out[-600:])
        T.check("wrong bot token: the secret is not printed", "xoxb-wrong" not in out, "masked", out[-600:])
        rc, out = run(app="xapp-wrong")
        T.eq("wrong app token: exit 1", 1, rc)
        T.check("wrong app token: says so", re.search(r"app token does not work: apps\.connections\.open: invalid_auth",
                                                      out), "app token does not work: ... invalid_auth", out[-600:])
        fake.misbehave(scopes="commands,chat:write")
        rc, out = run()
        T.eq("missing scopes: exit 1", 1, rc)
        missing = ["chat:write.public", "im:write", "users:read", "users:read.email"]
        named = [sc for sc in missing if re.search(r"lacks the scope %s\b(?![.:])" % re.escape(sc), out)]
        T.eq("missing scopes: each one named", missing, named)
        T.check("missing scopes: the granted ones not called missing",
                not re.search(r"lacks the scope (commands|chat:write)(?![.:\w])", out), "none", out[-800:])
        fake.misbehave(clear=True)
        rc, _ = run()
        T.eq("scopes back: exit 0", 0, rc)
    finally:
        fake.stop()


def case_tls(binary):
    """wss:// is verified: a self-signed server is refused unless [slack] ca_file names
    its certificate."""
    import http.server
    import ssl
    folder = tmpdir("tls")
    cert, key = os.path.join(folder, "c.pem"), os.path.join(folder, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=30)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    lsock.settimeout(0.5)
    tls_port, seen, stop = lsock.getsockname()[1], [], threading.Event()

    def serve_tls():  # the TLS handshake, then the first line of the upgrade request
        while not stop.is_set():
            try:
                conn, _ = lsock.accept()
            except OSError:
                continue
            try:
                conn.settimeout(2)
                with ctx.wrap_socket(conn, server_side=True) as t:
                    seen.append(t.recv(4096).split(b"\r\n")[0].decode("latin-1"))
            except (OSError, ssl.SSLError):
                conn.close()

    class Api(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = json.dumps({"ok": True, "url": "wss://127.0.0.1:%d/link/?ticket=t1" % tls_port}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass
    api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threads = [threading.Thread(target=serve_tls, daemon=True), threading.Thread(target=api.serve_forever, daemon=True)]
    for t in threads:
        t.start()

    def attempt(extra):
        cfg = os.path.join(folder, "tls.toml")
        with open(cfg, "w") as f:
            f.write('[store]\npath = "%s/t.db"\n[mail]\noutbox_dir = "%s/mail"\n[slack]\napp_token_env = '
                    '"SLACK_APP_TOKEN"\nbot_token_env = "SLACK_BOT_TOKEN"\napi_url = "http://127.0.0.1:%d/api/"\n'
                    'connections = 1\n%s' % (folder, folder, api.server_address[1], extra))
        del seen[:]
        p = spawn([binary, "-c", cfg, "run"], env=daemon_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                  stderr=subprocess.STDOUT, cwd=folder)
        wait_until(lambda: seen, 3)
        time.sleep(0.3)
        p.terminate()
        return p.communicate(timeout=10)[0].decode(errors="replace")
    try:
        out = attempt("")
        T.check("self-signed wss server: refused", not seen and "certificate" in out, "no request, a certificate error",
                "requests %r, log %s" % (seen, out[-400:]))
        out = attempt('ca_file = "%s"\n' % cert)
        T.check("with ca_file naming its certificate: the upgrade request is sent",
                seen and seen[0].startswith("GET /link/?ticket=t1 "), "GET /link/?ticket=t1", "%r %s" % (seen, out[-300:]))
    finally:
        stop.set()
        api.shutdown()
        lsock.close()


def rsvp_updates_card(binary, d, fake, now):
    """Ivan clicks Accept in his calendar: the answer, read by `ingest-mail` (another
    process, as an MTA would run it), updates #1's posted card in place."""
    cards = d.q("SELECT interview_id, channel, ts FROM slack_cards")
    T.check("the card posted for #1 is remembered (channel, ts)", len(cards) == 1 and cards[0]["interview_id"] == 1,
            "one row for #1", cards)
    if len(cards) != 1:
        return
    uid = "interview-1.%s@localhost" % d.q("SELECT value FROM meta WHERE key = 'instance'")[0]["value"]
    cal = "\r\n".join(["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
                        "METHOD:REPLY", "BEGIN:VEVENT", "DTSTART:20310310T103000Z", "DTEND:20310310T113000Z",
                        "DTSTAMP:20310310T093000Z", "ORGANIZER:mailto:interviewd@localhost", "UID:" + uid,
                        "SEQUENCE:0", "ATTENDEE;CN=Ivan;PARTSTAT=ACCEPTED:mailto:ivan@example.com", "END:VEVENT",
                        "END:VCALENDAR", ""])
    raw = ("From: Ivan Interviewer <ivan@example.com>\r\nTo: interviewd@localhost\r\nSubject: Accepted: Interview\r\n"
           "Message-ID: <rsvp-card-1@example.com>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/calendar; charset=UTF-8; method=REPLY\r\n\r\n" + cal).encode()
    s1 = fake.seq()
    r = subprocess.run([binary, "-c", d.cfg, "ingest-mail"], input=raw, capture_output=True, env=daemon_env(now),
                       timeout=30)
    T.check("ingest-mail records ivan's Accept", r.returncode == 0 and r.stdout.startswith(b"recorded"),
            "recorded", (r.returncode, r.stdout, r.stderr[-300:]))
    evs = wait_api(fake, "chat.update", s1, lambda e: e["body"].get("ts") == cards[0]["ts"])
    body = json.dumps(evs[0]["body"]) if evs else ""
    T.check("the card is updated in place with ivan's answer", "ivan@example.com" in body and "accepted" in body,
            "chat.update ts=%s showing ivan@example.com accepted" % cards[0]["ts"], body[-600:] or d.stderr()[-400:])


def case_clock(binary):
    """The clock through Slack: a team's digest posted to its channel, a reminder sent to
    the panel member as a DM (conversations.open once, then chat.postMessage to D...);
    then an answer to the invite updates the posted card."""
    folder = tmpdir("clock")
    fake = Fake(folder)
    clock = os.path.join(folder, "now")
    with open(clock, "w") as f:
        f.write("2031-03-10T09:00:00+00:00")
    tables = ('[reminders]\nlead_times = ["1h"]\n[digest.team]\ntime = "08:30"\ntimezone = "Europe/London"\n'
              'slack_channel = "C0TEAM0001"\n')
    d = Daemon(binary, folder, fake, now="@" + clock, tables=tables)
    try:
        evs = wait_api(fake, "chat.postMessage", 0, lambda e: e["body"].get("channel") == "C0TEAM0001")
        ok = bool(evs)
        text = evs[0]["body"].get("text", "") if ok else ""
        T.check("the morning digest is posted to the team's channel", ok and "```" in text, "a digest in ```",
                text[:300])
        ack, _ = command(fake, 'schedule candidate:"Dee &lt;!channel&gt; Gest &lt;<mailto:dee@example.com|'
                               'dee@example.com>&gt;" when:"2031-03-10 10:30" with:ivan')
        T.check("scheduled for 10:30", "Scheduled #" in alltext(reply_of(ack)), "Scheduled", reply_of(ack))
        s0 = fake.seq()
        with open(clock + ".tmp", "w") as f:
            f.write("2031-03-10T09:31:00+00:00")
        os.rename(clock + ".tmp", clock)
        evs = wait_api(fake, "chat.postMessage", s0, lambda e: e["body"].get("channel") == "D0INT00001")
        ok = bool(evs)
        T.check("the reminder reaches ivan as a DM", ok and "#1" in json.dumps(evs[0]["body"]) if ok else False,
                "a chat.postMessage to D0INT00001 about #1", evs[:1] if evs else d.stderr()[-400:])
        dm = evs[0]["body"].get("text", "") if evs else ""
        T.check("the DM escapes the candidate's name (no mention from it)",
                "Dee &lt;!channel&gt; Gest" in dm and "<!channel>" not in dm, "Dee &lt;!channel&gt; Gest", dm)
        opens = [e for e in api_calls(fake, "conversations.open", s0) if e["body"].get("users") == IVAN]
        T.eq("the DM was opened once", 1, len(opens))
        T.eq("ivan (no slack_id in the config) was found by his email", [IVAN],
             [e["response"]["user"]["id"] for e in api_calls(fake, "users.lookupByEmail", s0, ok=True)])
        T.eq("the DM channel is remembered", [("U0INT00001", "D0INT00001")],
             [(r["user_id"], r["channel"]) for r in d.q("SELECT user_id, channel FROM slack_dms")])
        rsvp_updates_card(binary, d, fake, "@" + clock)
        d.stop()
    finally:
        d.stop()
        fake.stop()


# ---- case: operating it (/healthz, /metrics, logs, SIGHUP, SIGTERM) ----------------------


def case_ops(binary):
    """The operator's view of a Slack daemon with [http] listen: /healthz 200/up once
    connected; every socket dropped and upgrades refused -> 503, slack backing_off with
    a last_error (no token in it), interviewd_reconnects_slack_total up; well again ->
    200/up; a slash command counted in interviewd_commands_total{frontend="slack",
    outcome="ok"} and logged (msg="command" ... req=s-N); SIGHUP with a new [slack]
    channel: the next card goes there; SIGTERM: exit 0 promptly."""
    folder = tmpdir("ops")
    fake = Fake(folder)
    port = free_port()
    old_ch, new_ch = "C0OPSOLD01", "C0OPSNEW01"
    tables = '[http]\nlisten = "127.0.0.1:%d"\n' % port
    d = Daemon(binary, folder, fake, slack_extra='channel = "%s"' % old_ch, tables=tables)
    try:
        # 1. connected: 200, status ok, slack up
        got = wait_until(lambda: (lambda h: h[0] == 200 and part_of(h[1], "slack").get("state") == "up" and h)(
            healthz(port)), 8, 0.1)
        st, j, raw = got or healthz(port)
        T.eq("connected: /healthz is 200", 200, st)
        T.eq("connected: status ok", "ok", (j or {}).get("status"))
        T.eq("connected: parts.slack.state up", "up", part_of(j, "slack").get("state"))
        T.check("connected: parts.slack has since and last_error keys",
                "since" in part_of(j, "slack") and "last_error" in part_of(j, "slack"), "since, last_error", raw[:400])
        T.check("connected: the outbox is reported", isinstance((j or {}).get("outbox"), dict), "an object", raw[:400])
        st, text = http_get(port, "/metrics")
        T.eq("/metrics is 200", 200, st)
        T.eq('/metrics: interviewd_part_up{part="slack"} 1', 1.0, metric(text, "interviewd_part_up", part="slack"))
        # 2. every socket dropped, every upgrade refused: backing_off; then well again
        r0 = metric(text, "interviewd_reconnects_slack_total")
        T.check("/metrics: interviewd_reconnects_slack_total present", r0 is not None, "a number", text[:300])
        r0 = r0 or 0.0
        s = fake.seq()
        t0 = time.monotonic()
        fake.misbehave(upgrade_status=503, count=1000)
        fake.misbehave(close_all=True)
        got = wait_until(lambda: (lambda h: h[0] == 503 and part_of(h[1], "slack").get("state") == "backing_off"
                                  and h)(healthz(port)), 8, 0.1)
        st, j, raw = got or healthz(port)
        note("backing_off seen after %.2fs: %s" % (time.monotonic() - t0, part_of(j, "slack")))
        T.eq("sockets lost: /healthz is 503", 503, st)
        T.eq("sockets lost: status degraded", "degraded", (j or {}).get("status"))
        T.eq("sockets lost: parts.slack.state backing_off", "backing_off", part_of(j, "slack").get("state"))
        T.check("sockets lost: the refused upgrades happened",
                fake.wait_for(lambda e: True, "upgrade_refused", s, timeout=5, count=2), "2 upgrade_refused",
                [e["kind"] for e in fake.log(s)])
        time.sleep(0.2)
        st, j, raw = healthz(port)
        T.eq("upgrades refused: still 503 backing_off", (503, "backing_off"), (st, part_of(j, "slack").get("state")))
        why = part_of(j, "slack").get("last_error")
        note("last_error after refused upgrades: %r" % why)
        T.check("upgrades refused: parts.slack.last_error says why", isinstance(why, str) and why.strip(),
                "a non-empty string", why)
        T.check("upgrades refused: no token in last_error",
                not any(tok in str(why) for tok in ("xapp-test", "xoxb-test")), "no xapp-/xoxb- token", why)
        text = http_get(port, "/metrics")[1]
        r1 = metric(text, "interviewd_reconnects_slack_total") or 0.0
        T.check("sockets lost: interviewd_reconnects_slack_total went up", r1 > r0, "> %g" % r0, r1)
        T.eq('sockets lost: interviewd_part_up{part="slack"} 0', 0.0, metric(text, "interviewd_part_up", part="slack"))
        fake.misbehave(clear=True)
        t0 = time.monotonic()
        got = wait_until(lambda: (lambda h: h[0] == 200 and part_of(h[1], "slack").get("state") == "up" and h)(
            healthz(port)), 10, 0.1)
        st, j, raw = got or healthz(port)
        note("up again after %.2fs" % (time.monotonic() - t0))
        T.eq("well again: /healthz is 200", 200, st)
        T.eq("well again: status ok", "ok", (j or {}).get("status"))
        T.eq("well again: parts.slack.state up", "up", part_of(j, "slack").get("state"))
        ok, _ = fake.wait("ready", count=2, timeout=8)
        T.check("well again: two sockets ready", ok, 2, fake.state()["connections"])
        # 3. a command: counted, logged with its req id
        c0 = metric_now(port, "interviewd_commands_total", frontend="slack", outcome="ok") or 0.0
        n0 = metric_now(port, "interviewd_command_duration_seconds_count", frontend="slack") or 0.0
        s = fake.seq()
        ack, res = command(fake, 'schedule candidate:"Opal Ops &lt;<mailto:opal@example.com|opal@example.com>&gt;" '
                                 'when:"2031-03-11 10:00" with:ivan')
        T.check("schedule: acked with Scheduled #1", "Scheduled #1" in alltext(reply_of(ack)), "Scheduled #1",
                reply_of(ack))
        c1 = metric_now(port, "interviewd_commands_total", frontend="slack", outcome="ok")
        T.eq('interviewd_commands_total{frontend="slack",outcome="ok"} up by one', c0 + 1, c1)
        T.eq("interviewd_command_duration_seconds_count{frontend=\"slack\"} up by one", n0 + 1,
             metric_now(port, "interviewd_command_duration_seconds_count", frontend="slack"))
        eid = res.get("envelope_id", "?")
        lines = [ln for ln in d.stderr().splitlines() if 'msg="command"' in ln and "envelope=%s " % eid in ln]
        T.check("the command is logged: level=info part=slack msg=\"command\" ... outcome=ok ... req=s-N",
                len(lines) == 1 and re.search(r" level=info part=slack msg=\"command\" .*outcome=ok .* req=s-\d+$",
                                              lines[0]), "one line ending req=s-N", lines or d.stderr()[-600:])
        card = wait_api(fake, "chat.postMessage", s, lambda e: e["response"].get("ok"))
        T.eq("before the reload: the card goes to [slack] channel %s" % old_ch, [old_ch],
             [e["body"].get("channel") for e in card])
        # 4. SIGHUP with another [slack] channel: the next card goes there
        write_config(folder, fake, 'channel = "%s"' % new_ch, tables)
        before = d.stderr().count('msg="reloaded"')
        d.p.send_signal(signal.SIGHUP)
        T.check("SIGHUP: msg=\"reloaded\" logged",
                wait_until(lambda: d.stderr().count('msg="reloaded"') > before, 5), 'msg="reloaded"',
                d.stderr()[-600:])
        T.check("SIGHUP: [slack] channel not logged as needing a restart",
                "apply at the next restart" not in d.stderr(), "no restart warning",
                [ln for ln in d.stderr().splitlines() if "next restart" in ln])
        s = fake.seq()
        ack, _ = command(fake, 'schedule candidate:"Rhea Load &lt;<mailto:rhea@example.com|rhea@example.com>&gt;" '
                               'when:"2031-03-12 10:00" with:ivan')
        T.check("after the reload: Scheduled #2", "Scheduled #2" in alltext(reply_of(ack)), "Scheduled #2",
                reply_of(ack))
        card = wait_api(fake, "chat.postMessage", s, lambda e: e["response"].get("ok"))
        T.eq("after the reload: the card goes to the new [slack] channel %s" % new_ch, [new_ch],
             [e["body"].get("channel") for e in card])
        # a command through the HTTP API posts its card to the team as a slash command does
        token = subprocess.run([binary, "-c", d.cfg, "api-token", "rita"], capture_output=True, text=True,
                               env=daemon_env(), timeout=20).stdout.strip()
        s = fake.seq()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("POST", "/api/v1/interviews/2/cancel", body=json.dumps({"reason": "the API cancels"}),
                  headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = c.getresponse()
        answer = json.loads(r.read() or b"{}")
        c.close()
        T.eq("API cancel of #2: 200, cancelled", (200, "cancelled"),
             (r.status, ((answer.get("data") or {}).get("interview") or {}).get("status")))
        card = wait_api(fake, "chat.postMessage", s, lambda e: e["response"].get("ok"))
        T.eq("the API's cancel posts #2's card to %s" % new_ch, [new_ch], [e["body"].get("channel") for e in card])
        T.check("... a card that says cancelled", card and "ancel" in json.dumps(card[0]["body"]), "cancelled",
                card[:1])
        T.check("the daemon is alive", d.alive(), "running", d.stderr()[-400:])
        st, j, raw = healthz(port)
        T.eq("at the end: /healthz 200", 200, st)
        leaks = [ln for ln in d.stderr().splitlines() if "xapp-test" in ln or "xoxb-test" in ln]
        T.eq("no token in the daemon's stderr", [], leaks)
        # a degraded /healthz (503) is logged at info: no level=error line for it
        check_no_surprises(fake, d, [r"libwebsockets"])
        # 5. SIGTERM: exit 0 promptly (Daemon.stop checks 0 within 3 s)
        rc, took = d.stop()
        note("SIGTERM: rc %s after %.2fs" % (rc, took))
    finally:
        d.stop()
        fake.stop()


# ---- main ---------------------------------------------------------------------------

CASES = [("commands", case_commands), ("buttons", case_buttons), ("escaping", case_escaping),
         ("redelivery", case_redelivery), ("webapi", case_webapi), ("garbage", case_garbage),
         ("connection", case_connection), ("chaos", case_chaos), ("checkconfig", case_checkconfig),
         ("shutdown", case_shutdown), ("tls", case_tls), ("clock", case_clock),
         ("ops", case_ops)]


class TimeUp(Exception):
    pass


def main(argv):
    names = [n for n, _ in CASES]
    unknown = [a for a in argv[2:] if a not in names]
    if len(argv) < 2 or not os.access(argv[1], os.X_OK) or unknown:
        print("usage: test_slack.py BUILD_DIR/interviewd [CASE...]   (cases: %s)" % " ".join(names),
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
    finally:
        signal.alarm(0)
        kill_all()
        for folder in FOLDERS:
            shutil.rmtree(folder, ignore_errors=True)
    T.case = "all"
    note("%.1fs in all" % (time.monotonic() - t_all))
    # tests/run's add_plain counts the last line that starts "N passed, N failed"; the
    # closing line is the one the brief asks for
    print("%d passed, %d failed" % (T.passed, T.failed))
    print("slack end to end: %d passed, %d failed" % (T.passed, T.failed), flush=True)
    return 0 if T.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
