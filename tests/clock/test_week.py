#!/usr/bin/python3
"""A simulated week of the clock: reminders, feedback requests, chasers, escalations
and digests, each exactly once and on time, across the 2031 European spring-forward,
with the daemon killed (SIGKILL) and restarted at random moments.

usage: tests/clock/test_week.py BUILD/interviewd

One console (`console --as rita --json`) runs against a temporary database while the
test moves time through INTERVIEWD_NOW=@FILE, from Wed 2031-03-26 07:00 to Thu
2031-04-03 12:00 (Europe/Berlin; clocks go forward on Sun 2031-03-30) in steps of
STEP seconds. Commands are typed into the console's stdin; interviewers give their
feedback in a console of their own (one process per command). The console is killed
(SIGKILL) three times at seeded random moments (TEST_WEEK_SEED=N repeats a run) and
started again after some simulated downtime: on Thursday before the 08:30 digest and
back before noon (the digest goes out late, a reminder due meanwhile too); on Tuesday,
after the switch, before the digest and back after noon (the digest is skipped, a
reminder whose interview has begun meanwhile is skipped, its feedback request is sent
late); and on another working morning after the digest, a few milliseconds after the
clock is shown the time a reminder is due (it must go out exactly once, then or on the
restart, and the day's digest must not go out again).

Meanwhile the test keeps its own model: what should be due when, and what should have
happened at the moment the daemon could first see it. Afterwards it reads the SQLite
file and the .eml folder and compares. Prints one line per failed check and ends with
"N passed, N failed"; exit status 0 only when none failed.
"""
import collections
import datetime as dt
import email
import email.policy
import glob
import json
import os
import queue
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from zoneinfo import ZoneInfo

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
ZONES = {BERLIN: ZoneInfo(BERLIN), NEW_YORK: ZoneInfo(NEW_YORK)}
STEP = 15 * 60  # simulated seconds per step
SLEEP = 0.06  # real seconds per step: the clock thread looks at the file every 50 ms
BUDGET = 70.0  # real seconds the simulated week may take before the test gives up
HOUR, DAY = 3600, 86400
MAX_ROWS = 2000  # a week's outbox here has about 200 rows; more means a flood, checked no further
LEADS = [DAY, HOUR]  # [reminders] lead_times
CHASE, ESCALATE = DAY, DAY  # [feedback] chase_after, escalate_after
CATCH_UP_UNTIL = 12 * 60  # [clock] digest_catch_up_until, minutes
DIGEST_AT = (8, 30)
PEOPLE = {  # handle: (email, zone)
    "rita": ("rita@example.com", BERLIN),
    "alice": ("alice@example.com", BERLIN),
    "bob": ("bob@example.com", NEW_YORK),
}
CLOCK_CHAT = {"reminder", "feedback request", "feedback chase", "feedback overdue", "digest"}
CLOCK_EMAIL = {"reminder", "feedback_request"}
WDAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# ---- time helpers ----

def local(y, m, d, hh, mm, zone=BERLIN):
    """The instant (epoch seconds) of a wall-clock time in ZONE (never a gap here)."""
    return int(dt.datetime(y, m, d, hh, mm, tzinfo=ZONES[zone]).timestamp())


def wall(t, zone=BERLIN):
    return dt.datetime.fromtimestamp(t, ZONES[zone])


def utc(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown(t, zone=BERLIN):
    """The daemon's TZF_DAY_TIME: "Sun 30 Mar 2031 10:00"."""
    w = wall(t, zone)
    return f"{WDAY[w.weekday()]} {w.day} {MON[w.month - 1]} {w.year} {w.hour:02d}:{w.minute:02d}"


def shown_day(t, zone=BERLIN):
    w = wall(t, zone)
    return f"{WDAY[w.weekday()]} {w.day} {MON[w.month - 1]} {w.year}"


def hhmm(t, zone=BERLIN):
    w = wall(t, zone)
    return f"{w.hour:02d}:{w.minute:02d}"


def typed(t):
    """How rita types a time for when: (her zone is Berlin)."""
    return wall(t).strftime("%Y-%m-%d %H:%M")


def span(s):
    """The daemon's tzfmt_span."""
    s = abs(s)
    if s < HOUR:
        return f"{s // 60} min"
    if s < DAY:
        return f"{s // HOUR} h {s % HOUR // 60:02d} min"
    return f"{s // DAY} day{'' if s // DAY == 1 else 's'}"


def day_start(t, zone=BERLIN):
    w = wall(t, zone)
    return int(dt.datetime(w.year, w.month, w.day, tzinfo=ZONES[zone]).timestamp())


def next_day_start(t, zone=BERLIN):
    w = wall(t, zone).date() + dt.timedelta(days=1)
    return int(dt.datetime(w.year, w.month, w.day, tzinfo=ZONES[zone]).timestamp())


START = local(2031, 3, 26, 7, 0)
END = local(2031, 4, 3, 12, 0)


# ---- checks ----

class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, expected, actual):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            one = lambda v: str(v).replace("\n", "\\n")  # noqa: E731 - one line per failed check
            print(f"FAIL {one(what)}: expected {one(expected)}; actual {one(actual)}", flush=True)
        return ok


# ---- the model ----

class Interview:
    def __init__(self, iid, cand, cand_email, job, start, dur, panel, created, rnd=1):
        self.id = iid
        self.cand = cand
        self.cand_email = cand_email
        self.job = job
        self.start = start
        self.dur = dur
        self.end = start + dur * 60
        self.panel = panel
        self.created = created
        self.round = rnd
        self.events = [(created, "scheduled")]
        self.feedback = {}  # handle -> time given
        self.dropped = None  # (time, reason)

    def status_at(self, t):
        """The status seen by something done at T (commands typed at T came later)."""
        if t < self.created:
            return None
        status = None
        for when, s in self.events:
            if when < t or (when == t and s == "scheduled"):
                status = s
        return status

    def feedback_by(self, handle, t):
        return handle in self.feedback and self.feedback[handle] < t

    def describe(self, zone):
        return f"#{self.id} {self.cand} ({self.job}, video, round {self.round}) {shown(self.start, zone)} {zone}"


# ---- the console ----

class Console:
    """A console as rita: stdin to type, stdout read by a thread; chat lines are kept
    with the simulated time at which they were read."""

    def __init__(self, sim, n):
        self.sim = sim
        self.n = n
        self.replies = queue.Queue()
        self.err = open(os.path.join(sim.dir, f"console-{n}.stderr"), "w")
        self.p = subprocess.Popen(sim.argv("rita"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.err, cwd=sim.dir, env=sim.env, text=True, bufsize=1)
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for line in self.p.stdout:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                self.sim.noise.append(line)
                continue
            if isinstance(obj, dict) and "chat" in obj:
                self.sim.chats.append((self.sim.now, obj["chat"], self.n))
            else:
                self.replies.put(obj)

    def command(self, text):
        timeout = max(0.5, min(5.0, self.sim.deadline - time.monotonic()))
        try:
            self.p.stdin.write(text + "\n")
            self.p.stdin.flush()
            return self.replies.get(timeout=timeout)
        except (BrokenPipeError, queue.Empty, OSError) as e:
            return {"success": False, "error": f"no reply ({type(e).__name__}); exit status {self.p.poll()}"}

    def kill(self):
        os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait()
        self.reader.join(5)
        try:
            self.p.stdin.close()
        except OSError:
            pass
        self.err.close()

    def close(self, timeout=5):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = "timeout"
        self.reader.join(5)
        self.err.close()
        return rc


class Week:
    def __init__(self, binary, seed):
        self.rng = random.Random(seed)
        self.c = Checks()
        self.dir = tempfile.mkdtemp(prefix="interviewd-week-")
        self.binary = os.path.join(self.dir, "interviewd")  # a copy: a rebuild meanwhile changes nothing
        shutil.copy2(binary, self.binary)
        self.db = os.path.join(self.dir, "interviewd.db")
        self.mail = os.path.join(self.dir, "mail")
        self.nowfile = os.path.join(self.dir, "now")
        self.config = os.path.join(self.dir, "config.toml")
        self.env = dict(os.environ)
        self.env["INTERVIEWD_NOW"] = "@" + self.nowfile
        self.env["TZ"] = "UTC"
        self.now = START
        self.deadline = time.monotonic() + BUDGET
        self.up = []  # the simulated times a running daemon has seen, in order
        self.restarts = []  # (killed at, started again at)
        self.racy = []  # times shown to a daemon killed at once: maybe seen, maybe not
        self.chats = []  # (simulated time read, text, console number)
        self.noise = []
        self.interviews = {}
        self.ids = {}  # our name -> interview id
        self.console = None
        self.consoles = 0
        self.oneshot_err = []
        self.write_config()

    def write_config(self):
        people = "".join(
            f'\n[people.{h}]\nemail = "{e}"\nrole = "{"recruiter" if h == "rita" else "interviewer"}"\n'
            + (f'timezone = "{z}"\n' if h == "bob" else "")
            for h, (e, z) in PEOPLE.items())
        text = f"""[store]
path = "{self.db}"

[general]
timezone = "Europe/Berlin"

[mail]
from = "Interviews <interviews@example.com>"
outbox_dir = "{self.mail}"

[reminders]
lead_times = ["24h", "1h"]

[feedback]
chase_after = "24h"
escalate_after = "24h"

[clock]
digest_catch_up_until = "12:00"
{people}
[digest.team]
time = "08:30"
timezone = "Europe/Berlin"
console = "rita"
"""
        with open(self.config, "w") as fh:
            fh.write(text)

    def argv(self, handle):
        return [self.binary, "-c", self.config, "console", "--as", handle, "--json"]

    def set_time(self, t):
        self.now = t
        tmp = self.nowfile + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(utc(t) + "\n")
        os.replace(tmp, self.nowfile)

    # -- the daemon --

    def start_console(self):
        self.consoles += 1
        self.console = Console(self, self.consoles)
        r = self.console.command("stats")  # answers once the console reads commands
        self.c.check(r.get("success") is True, f"console {self.consoles} starts at {utc(self.now)}",
                     "a reply to stats", json.dumps(r)[:300])
        time.sleep(0.15)  # the clock thread's catch-up, at this very time
        self.up.append(self.now)

    # -- commands --

    def type(self, text, want=True):
        r = self.console.command(text)
        ok = r.get("success") is want
        self.c.check(ok, f"at {shown(self.now)} rita> {text}", "success" if want else "refused",
                     json.dumps(r)[:500])
        return r if ok else None

    def gap(self):
        """02:30 on the night clocks go forward does not exist: refused, both readings named."""
        r = self.type('schedule candidate:"Gap Test <gap@example.com>" when:"2031-03-30 02:30" with:alice', want=False)
        err = (r or {}).get("error", "")
        self.c.check("01:30 (+01:00)" in err and "03:30 (+02:00)" in err, "when:\"2031-03-30 02:30\" refused with "
                     "both readings", "01:30 (+01:00) and 03:30 (+02:00)", err)

    def schedule(self, name, cand, job, start, dur, panel):
        mail = cand.split()[0].lower() + "@example.com"
        r = self.type(f'schedule candidate:"{cand} <{mail}>" job:"{job}" when:"{typed(start)}" duration:{dur}m '
                      f'with:{",".join(panel)}')
        if not r:
            return
        iv = r["data"]["interview"]
        self.c.check(iv["scheduled_datetime"] == utc(start), f"#{iv['id']} {cand}: when:\"{typed(start)}\" (Berlin)",
                     utc(start), iv["scheduled_datetime"])
        self.interviews[iv["id"]] = Interview(iv["id"], cand, mail, job, start, dur, panel, self.now)
        self.ids[name] = iv["id"]

    def reschedule(self, name, new_name, start):
        old = self.interviews[self.ids[name]]
        r = self.type(f'reschedule #{old.id} when:"{typed(start)}" reason:"panel moved"')
        if not r:
            return
        iv = r["data"]["interview"]
        self.c.check(iv["scheduled_datetime"] == utc(start), f"reschedule #{old.id} to {typed(start)}", utc(start),
                     iv["scheduled_datetime"])
        old.events.append((self.now, "rescheduled"))
        old.dropped = (self.now, "the interview was rescheduled")
        new = Interview(iv["id"], old.cand, old.cand_email, old.job, start, old.dur, list(old.panel), self.now,
                        iv.get("round", 1))
        self.interviews[iv["id"]] = new
        self.ids[new_name] = iv["id"]

    def cancel(self, name):
        iv = self.interviews[self.ids[name]]
        if self.type(f'cancel #{iv.id} reason:"candidate withdrew"'):
            iv.events.append((self.now, "cancelled"))
            iv.dropped = (self.now, "the interview was cancelled")

    def move(self, name, verb, status):
        iv = self.interviews[self.ids[name]]
        if self.type(f"{verb} #{iv.id}"):
            iv.events.append((self.now, status))

    def feedback(self, name, handle):
        """HANDLE's feedback: rita types it in her console, the others in their own."""
        iv = self.interviews[self.ids[name]]
        text = f"feedback #{iv.id} rating:4 recommendation:proceed"
        if handle == "rita":
            ok = self.type(text) is not None
        else:
            try:
                p = subprocess.run(self.argv(handle), input=text + "\n", capture_output=True, text=True,
                                   cwd=self.dir, env=self.env,
                                   timeout=max(1.0, min(10.0, self.deadline - time.monotonic())))
            except subprocess.TimeoutExpired as e:
                p = subprocess.CompletedProcess(e.cmd, "timeout", str(e.stdout or ""), f"timed out after {e.timeout} s")
            self.oneshot_err.append(p.stderr)
            replies = [json.loads(x) for x in p.stdout.splitlines() if x.startswith("{")]
            replies = [x for x in replies if "chat" not in x]
            ok = p.returncode == 0 and bool(replies) and replies[-1].get("success") is True
            self.c.check(ok, f"at {shown(self.now)} {handle}> {text}", "success", (p.stdout + p.stderr)[-500:])
        if ok:
            iv.feedback[handle] = self.now
            if all(p in iv.feedback for p in iv.panel):  # the last panel member's: completed
                iv.events.append((self.now, "completed"))

    # -- the week --

    def plan(self):
        """Chooses the three kills and the commands of the week (name, time, action)."""
        rng = self.rng
        # A: Thursday before the digest; back on before noon: the digest goes out late.
        self.kill_a = local(2031, 3, 27, 7, 15) + STEP * rng.randrange(4)  # 07:15-08:00
        self.back_a = local(2031, 3, 27, 9, 30) + STEP * rng.randrange(9)  # 09:30-11:30
        # B: Tuesday (after the switch) before the digest; back after noon: skipped.
        self.kill_b = local(2031, 4, 1, 6, 0) + STEP * rng.randrange(7)  # 06:00-07:30
        self.back_b = local(2031, 4, 1, 12, 15) + STEP * rng.randrange(12)  # 12:15-15:00
        x_start = self.back_a + 30 * 60  # its 1 h reminder falls in the downtime: sent late
        y_start = self.kill_b + 75 * 60  # its 1 h reminder and start fall in the downtime
        L = local
        S = self.schedule
        cmds = [
            (START, self.gap),
            (START, lambda: S("ann", "Ann Able", "Backend Engineer", L(2031, 3, 27, 14, 0), 60, ["alice", "bob"])),
            (START, lambda: S("ben", "Ben Bright", "Data Scientist", L(2031, 3, 26, 10, 0), 60, ["alice"])),
            (START, lambda: S("cara", "Cara Cole", "Designer", L(2031, 3, 28, 15, 0), 60, ["bob"])),
            (START, lambda: S("dan", "Dan Dunn", "Designer", L(2031, 3, 31, 11, 0), 60, ["alice"])),
            (START, lambda: S("eve", "Eve Early", "SRE", L(2031, 3, 30, 1, 30), 90, ["alice"])),
            (START, lambda: S("finn", "Finn Frost", "Backend Engineer", L(2031, 3, 31, 9, 0), 60, ["bob"])),
            (START, lambda: S("hana", "Hana Hill", "Data Scientist", L(2031, 3, 30, 10, 0), 60, ["rita", "bob"])),
            (START, lambda: S("xena", "Xena Xu", "SRE", x_start, 45, ["alice", "bob"])),
            (START, lambda: S("yuri", "Yuri Young", "Designer", y_start, 60, ["alice"])),
            (L(2031, 3, 27, 12, 15), lambda: self.reschedule("cara", "cara2", L(2031, 3, 31, 16, 0))),
            (L(2031, 3, 27, 14, 15), lambda: self.move("ann", "start", "in_progress")),
            (L(2031, 3, 27, 14, 30), lambda: self.feedback("ann", "alice")),
            (L(2031, 3, 28, 9, 15), lambda: self.cancel("dan")),
            (L(2031, 3, 30, 10, 15), lambda: self.move("hana", "start", "in_progress")),
            (L(2031, 3, 30, 10, 45), lambda: self.feedback("hana", "rita")),
            (L(2031, 3, 30, 11, 15), lambda: self.move("hana", "complete", "completed")),
            (L(2031, 3, 31, 9, 15), lambda: self.move("finn", "start", "in_progress")),
            (L(2031, 3, 31, 10, 30), lambda: self.feedback("finn", "bob")),  # his panel's only: completes it
            (L(2031, 4, 1, 16, 0), lambda: S("zoe", "Zoe Zane", "SRE", L(2031, 4, 2, 14, 0), 60, ["bob"])),
        ]
        self.cmds = collections.defaultdict(list)
        for t, f in cmds:
            self.cmds[t].append(f)
        # C: another working day, after its digest went out (08:45-10:45), back before noon:
        # the digest must not go out again. Never over a command. Killed a few ms after
        # the clock is shown the time Kim's 1 h reminder is due: before, while or after it
        # carries it out, it must happen exactly once (then, or on the restart).
        busy = [(t - STEP, t + STEP) for t in self.cmds]
        days = [(2031, 3, 26), (2031, 3, 28), (2031, 3, 31), (2031, 4, 2), (2031, 4, 3)]
        while True:
            y, m, d = rng.choice(days)
            k = local(y, m, d, 8, 45) + STEP * rng.randrange(9)
            b = k + STEP * rng.randint(1, (local(y, m, d, 11, 45) - k) // STEP)
            if all(b < lo or k > hi for lo, hi in busy):
                self.kill_c, self.back_c = k, b
                break
        self.cmds[START].append(lambda: S("kim", "Kim Kerr", "Data Scientist", self.kill_c + HOUR, 30, ["rita"]))
        self.kills = {self.kill_a: self.back_a, self.kill_b: self.back_b, self.kill_c: self.back_c}

    def run(self):
        self.plan()
        for k, b in sorted(self.kills.items()):
            print(f"# kill at {shown(k)} ({utc(k)}), back at {shown(b)} ({utc(b)})", flush=True)
        began = time.monotonic()
        self.deadline = began + BUDGET
        self.set_time(START)
        self.start_console()
        t = START
        while t <= END:
            if time.monotonic() > self.deadline:
                self.c.check(False, "the simulated week within the time budget", f"{BUDGET} s",
                             f"stopped at {shown(t)}")
                break
            if t != self.up[-1]:
                self.set_time(t)
                if t == self.kill_c:  # killed 0-40 ms after the clock is shown a due time
                    time.sleep(self.rng.random() * 0.04)
                    self.racy.append(t)
                else:
                    time.sleep(SLEEP)
                    self.up.append(t)
            for f in self.cmds.get(t, []):
                f()
            if t in self.kills:
                if t != self.kill_c:
                    time.sleep(0.1 + self.rng.random() * SLEEP)  # a random moment while it idles
                self.console.kill()
                self.restarts.append((t, self.kills[t]))
                # down: time passes with nobody looking
                t = self.kills[t]
                self.set_time(t)
                self.start_console()
                continue
            t += STEP
        rc = self.console.close()
        self.console = None
        self.c.check(rc == 0, "the last console ends on end of input", "exit 0", rc)

    # ---- what should have happened ----

    def exec_time(self, due):
        """When the daemon first saw a time at or after DUE, and the step after that."""
        for i, t in enumerate(self.up):
            if t >= due:
                return t, self.up[i + 1] if i + 1 < len(self.up) else t
        return None, None

    def exec_times(self, due):
        """Where something due at DUE may have been done: [(at, at most one step later)].
        One place, unless the daemon was killed just as it was shown that time (the
        "racy" kill): then either at that very time, or on the restart."""
        x, x_next = self.exec_time(due)
        racy = [t for t in self.racy if t >= due and (x is None or t < x)]
        return ([(racy[0], racy[0])] if racy else []) + ([(x, x_next)] if x is not None else [])

    def late(self, due, x):
        """X is a restart and DUE fell before it, in the downtime."""
        return due < x and any(b == x for _, b in self.restarts)

    def expected_duties(self):
        """Every duty the commands planned, with its due time and its possible outcomes."""
        out = []
        for iv in self.interviews.values():
            duties = []
            for lead in LEADS:
                if iv.start - lead > iv.created:
                    for h in iv.panel + [None]:
                        duties.append(("reminder", h, lead, iv.start - lead))
            for h in iv.panel:
                duties.append(("feedback_request", h, None, iv.end))
                duties.append(("feedback_chase", h, None, iv.end + CHASE))
            duties.append(("feedback_escalate", None, None, iv.end + CHASE + ESCALATE))
            for kind, h, lead, due in duties:
                alts = [self.outcome(iv, kind, h, lead, due, x, x_next) for x, x_next in self.exec_times(due)]
                out.append(alts or [self.outcome(iv, kind, h, lead, due, None, None)])
        return out

    def outcome(self, iv, kind, h, lead, due, x, x_next):
        """What the duty should be if the daemon carries it out at X."""
        d = {"iv": iv, "kind": kind, "who": h, "lead": lead, "due": due, "rows": [], "skipped": None}
        if iv.dropped and (x is None or iv.dropped[0] < x):
            d["window"] = (iv.dropped[0], iv.dropped[0])
            d["skipped"] = iv.dropped[1]
            return d
        if x is None:
            d["window"] = None  # not due before the end: must still be waiting
            return d
        d["window"] = (x, x_next)
        d["late"] = self.late(due, x)  # fell in a downtime: carried out (or skipped) on restart
        status = iv.status_at(x)
        if kind == "reminder":
            if status != "scheduled":
                d["skipped"] = "the interview is no longer scheduled"
            elif iv.start <= x:
                d["skipped"] = "the interview has started"
            elif h is None:
                d["rows"] = [("email", "reminder", iv.cand_email)]
            else:
                d["rows"] = [("chat", "reminder", h), ("email", "reminder", PEOPLE[h][0])]
                d["text"] = lambda at, iv=iv, h=h: f"Reminder: in {span(iv.start - at)}, {iv.describe(PEOPLE[h][1])}"
        elif kind in ("feedback_request", "feedback_chase"):
            if iv.feedback_by(h, x):
                d["skipped"] = "feedback already given"
            elif kind == "feedback_request":
                d["rows"] = [("chat", "feedback request", h), ("email", "feedback_request", PEOPLE[h][0])]
            else:
                d["rows"] = [("chat", "feedback chase", h)]
            pre = "How did it go? Feedback, please, on " if kind == "feedback_request" else "Feedback still missing on "
            d["text"] = lambda at, iv=iv, h=h, pre=pre: (
                f"{pre}{iv.describe(PEOPLE[h][1])}: feedback #{iv.id} rating:1-5 "
                f"recommendation:proceed|hire|reject|maybe feedback:\"...\"")
        else:
            missing = [p for p in iv.panel if not iv.feedback_by(p, x)]
            if not missing:
                d["skipped"] = "all feedback is in"
            else:
                d["rows"] = [("chat", "feedback overdue", "rita")]
                d["text"] = lambda at, iv=iv, m=missing: f"Feedback overdue from {', '.join(m)} on {iv.describe(BERLIN)}"
        return d

    def expected_digests(self):
        """Working days of the week: (day, due, [(sent at or None, the step after)...])."""
        out = []
        day = wall(START).date()
        while day <= wall(END).date():
            due = local(day.year, day.month, day.day, *DIGEST_AT)
            if day.weekday() < 5 and START <= due <= END:
                alts = []
                for x, x_next in self.exec_times(due):
                    w = wall(x)
                    if self.late(due, x) and (w.date() != day or w.hour * 60 + w.minute >= CATCH_UP_UNTIL):
                        x = x_next = None  # the restart's catch-up: today's digest only, before noon
                    alts.append((x, x_next))
                out.append((day.isoformat(), due, alts))
            day += dt.timedelta(days=1)
        return out

    def expected_digest_text(self, at):
        """The digest's lines as sent at AT, from the model."""
        d0, d1 = day_start(at), next_day_start(at)
        w = wall(at).date()
        monday = w - dt.timedelta(days=w.weekday())
        w0 = local(monday.year, monday.month, monday.day, 0, 0)
        sunday = monday + dt.timedelta(days=7)
        w1 = local(sunday.year, sunday.month, sunday.day, 0, 0)
        active = {"scheduled", "in_progress", "completed"}
        live = [iv for iv in self.interviews.values() if iv.status_at(at) in active]
        today = sorted((iv for iv in live if d0 <= iv.start < d1), key=lambda iv: (iv.start, iv.id))
        week = [iv for iv in live if w0 <= iv.start < w1]
        completed = sum(iv.status_at(at) == "completed" for iv in self.interviews.values())
        cancelled = sum(iv.status_at(at) == "cancelled" for iv in self.interviews.values())
        lines = [f"Digest for team, {shown_day(at)} (times in {BERLIN})",
                 f"Today {len(today)} | this week {len(week)} | completed {completed} | cancelled {cancelled}"]
        for iv in today:
            st = iv.status_at(at)
            lines.append(f"  {hhmm(iv.start)}-{hhmm(iv.end)}  #{iv.id} {iv.cand} - {iv.job}, video, round {iv.round}"
                         f" | {', '.join(iv.panel)}"
                         + {"scheduled": "", "in_progress": " (in progress)", "completed": " (done)"}[st])
        if not today:
            lines.append("  No interviews today.")
        overdue = collections.defaultdict(set)
        for iv in live:
            if at - 14 * DAY <= iv.start < at and iv.end <= at - CHASE:
                for p in iv.panel:
                    if not iv.feedback_by(p, at):
                        overdue[p].add(f"#{iv.id}")
        return lines, {p: ids for p, ids in overdue.items()}

    # ---- comparing ----

    def verify(self):
        c = self.c
        size = sum(os.path.getsize(f) for f in glob.glob(self.db + "*"))
        if not c.check(size < 64 << 20, "the database stays small", "under 64 MiB", f"{size >> 20} MiB (a flood; "
                       "not read further)"):
            return
        con = sqlite3.connect(self.db)
        person = {pid: h for pid, h in con.execute("SELECT id, handle FROM people")}
        duties = con.execute("SELECT id, due_at, kind, interview_id, person_id, lead, done_at, skipped "
                             "FROM duties ORDER BY id").fetchall()
        outbox = con.execute("SELECT id, created_at, transport, kind, recipient, interview_id, payload, sent_at, "
                             "failed_at FROM outbox ORDER BY id LIMIT ?", (MAX_ROWS + 1,)).fetchall()
        digests = con.execute("SELECT channel, day, due_at, sent_at FROM digests_sent ORDER BY day").fetchall()
        con.close()
        name = {iid: n for n, iid in self.ids.items()}
        if not c.check(len(outbox) <= MAX_ROWS, "the outbox holds a week's messages", f"at most {MAX_ROWS} rows",
                       f"more than {MAX_ROWS}"):
            outbox = outbox[:MAX_ROWS]

        def label(iid):
            return f"#{iid} ({name.get(iid, '?')})"

        # -- duties: planned once, each done once, at its time, with the right outcome --
        actual = collections.defaultdict(list)
        for row in duties:
            did, due, kind, iid, pid, lead, done, skipped = row
            actual[(kind, iid, person.get(pid), lead)].append(row)
        expected = self.expected_duties()
        seen = set()
        by_key = {}  # (transport, kind, recipient, interview, created_at) -> expected count
        texts = {}  # the same key -> expected chat text
        for alts in expected:
            d = alts[-1]
            iv = d["iv"]
            rows = actual.get((d["kind"], iv.id, d["who"], d["lead"]), [])
            for a in alts:  # the one that happened, if one of them did
                if rows and rows[0][6] is not None and a["window"] and a["window"][0] <= rows[0][6] <= a["window"][1]:
                    d = a
            key = (d["kind"], iv.id, d["who"], d["lead"])
            seen.add(key)
            what = (f"{d['kind']}{'' if d['lead'] is None else ' ' + span(d['lead'])} of {label(iv.id)} for "
                    f"{d['who'] or ('the candidate' if d['kind'] == 'reminder' else 'the recruiter')}")
            rows = actual.get(key, [])
            if not c.check(len(rows) == 1, f"{what}: duty rows", "exactly 1", len(rows)):
                if not rows:
                    continue
            did, due, kind, iid, pid, lead, done, skipped = rows[0]
            c.check(due == d["due"], f"{what}: due_at", utc(d["due"]), utc(due))
            if d["window"] is None:
                c.check(done is None, f"{what}: due after the week ends ({utc(d['due'])}), still waiting",
                        "done_at NULL", f"done_at {utc(done)} skipped={skipped!r}" if done else None)
                continue
            lo, hi = d["window"]
            when = "when dropped" if "late" not in d else "on restart" if d["late"] else "at its due time"
            c.check(done is not None and lo <= done <= hi,
                    f"{what}: done {when} (due {shown(d['due'])})",
                    f"done_at in [{utc(lo)}, {utc(hi)}]", utc(done) if done else "NULL (never done)")
            c.check(skipped == d["skipped"], f"{what}: outcome", d["skipped"] or "carried out (skipped NULL)",
                    skipped or "carried out (skipped NULL)")
            if done is None:
                continue
            for transport, k, to in d["rows"]:
                kk = (transport, k, to, iv.id, done)
                by_key[kk] = by_key.get(kk, 0) + 1
                if transport == "chat" and "text" in d:
                    texts[kk] = d["text"](done)
        for key, rows in actual.items():
            if key not in seen:
                c.check(False, f"duty {key[0]} of {label(key[1])} for {key[2]} (lead {key[3]})", "not planned",
                        f"{len(rows)} row(s), due {[utc(r[1]) for r in rows]}")

        # -- outbox: the messages those duties made, once each --
        clock_rows = [r for r in outbox if (r[2] == "chat" and r[3] in CLOCK_CHAT - {"digest"}) or
                      (r[2] == "email" and r[3] in CLOCK_EMAIL)]
        got = collections.Counter((r[2], r[3], r[4], r[5], r[1]) for r in clock_rows)
        for kk in sorted(set(by_key) | set(got), key=lambda k: (k[4], k[3], k[0], k[1], k[2])):
            c.check(got.get(kk, 0) == by_key.get(kk, 0),
                    f"outbox {kk[0]} '{kk[1]}' to {kk[2]} about {label(kk[3])} created at {utc(kk[4])} "
                    f"({shown(kk[4])})", by_key.get(kk, 0), got.get(kk, 0))
        # per (kind, recipient, interview), as a reader would count them
        per = collections.Counter((r[2], r[3], r[4], r[5]) for r in clock_rows)
        want = collections.Counter()
        for kk, n in by_key.items():
            want[kk[:4]] += n
        for kk in sorted(set(per) | set(want), key=str):
            c.check(per[kk] == want[kk], f"outbox count {kk[0]} '{kk[1]}' to {kk[2]} about {label(kk[3])}",
                    want[kk], per[kk])
        for iid, n in name.items():
            if n in ("cara", "dan"):
                rem = [r for r in outbox if r[3] == "reminder" and r[5] == iid]
                c.check(not rem, f"no reminder for {label(iid)}, which was "
                        f"{'rescheduled' if n == 'cara' else 'cancelled'}", "none",
                        [(r[2], r[4], utc(r[1])) for r in rem])
        index = collections.defaultdict(list)
        for r in clock_rows:
            index[(r[2], r[3], r[4], r[5], r[1])].append(r)
        for kk, text in texts.items():
            for r in index.get(kk, [])[:3]:
                got_text = json.loads(r[6]).get("text")
                c.check(got_text == text, f"chat '{kk[1]}' to {kk[2]} about {label(kk[3])}: text", text, got_text)
        failed_rows = [r for r in outbox if r[8] is not None or r[3] == "mail failed"]
        c.check(not failed_rows, "no outbox row failed", "none", [(r[0], r[3], r[4]) for r in failed_rows])
        # commands' own emails: never twice, whatever was killed
        cmd_mail = collections.Counter((r[3], r[4], r[5]) for r in outbox
                                       if r[2] == "email" and r[3] not in CLOCK_EMAIL)
        dup = {k: n for k, n in cmd_mail.items() if n > 1}
        c.check(not dup, "schedule/reschedule/cancel emails: one per person and interview", "none twice", dup)

        # -- digests --
        want_days = self.expected_digests()
        have = {day: (due, sent) for ch, day, due, sent in digests if ch == "team"}
        c.check(len(digests) == len(have), "digests_sent: one channel", "team only", digests)
        for day, due, alts in want_days:
            w = dt.date.fromisoformat(day)
            x, x_next = alts[-1]
            for ax, ax_next in alts:  # the one that happened, if one of them did
                if (ax is None and day not in have) or (ax is not None and day in have and ax <= have[day][1] <= ax_next):
                    x, x_next = ax, ax_next
            why = ""
            if x is None:
                why = " (its time fell in a downtime and the restart came after 12:00: skipped)"
            elif self.late(due, x):
                why = f" (its time fell in a downtime: sent late on restart at {shown(x)})"
            if x is None:
                c.check(day not in have, f"digest of {day}{why}", "no row", have.get(day))
                continue
            if not c.check(day in have, f"digest of {day}{why}", "one row", "none"):
                continue
            due_at, sent_at = have[day]
            utc_due = "07:30Z" if w < dt.date(2031, 3, 30) else "06:30Z"
            c.check(utc(due_at)[11:16] + "Z" == utc_due and due_at == due,
                    f"digest of {day}: due_at is 08:30 Berlin", f"{utc(due)} ({utc_due})", utc(due_at))
            c.check(x <= sent_at <= x_next, f"digest of {day}: sent_at{why}", f"[{utc(x)}, {utc(x_next)}]",
                    utc(sent_at))
        extra = set(have) - {d[0] for d in want_days}
        c.check(not extra, "no digest on other days (weekends, outside the week)", "none", sorted(extra))

        # the digest messages: one per day sent, their text from the model
        digest_rows = [r for r in outbox if r[2] == "chat" and r[3] == "digest"]
        c.check(all(r[4] == "rita" for r in digest_rows), "digests go to rita's console", "rita",
                sorted({r[4] for r in digest_rows}))
        per_day = collections.defaultdict(list)
        for r in digest_rows:
            per_day[wall(r[1]).date().isoformat()].append(r)
        for day, (due_at, sent_at) in sorted(have.items()):
            rows = per_day.get(day, [])
            if not c.check(len(rows) == 1, f"digest message of {day} in the outbox", 1, len(rows)):
                continue
            r = rows[0]
            c.check(r[1] == sent_at, f"digest message of {day}: created when recorded", utc(sent_at), utc(r[1]))
            self.check_digest_text(day, r[1], json.loads(r[6]).get("text", ""))
        for day in set(per_day) - set(have):
            c.check(False, f"digest message of {day}", "none (no digests_sent row)", len(per_day[day]))

        # -- rita's console: every chat row for her printed once, not before it existed --
        rita_rows = [r for r in outbox if r[2] == "chat" and r[4] == "rita"]
        want_texts = collections.Counter(json.loads(r[6]).get("text") for r in rita_rows)
        got_texts = collections.Counter(text for _, text, _ in self.chats)
        for text in sorted(set(want_texts) | set(got_texts), key=str):
            c.check(got_texts[text] == want_texts[text], f"rita's console printed {text[:90]!r}",
                    f"{want_texts[text]} time(s)", f"{got_texts[text]} time(s)")
        unsent = [r[0] for r in rita_rows if r[7] is None]
        c.check(not unsent, "rita's chat rows all marked sent", "none unsent", unsent)
        created = {json.loads(r[6]).get("text"): r[1] for r in rita_rows}
        early = [(utc(at), text[:60]) for at, text, _ in self.chats if text in created and at < created[text]]
        c.check(not early, "no chat line printed before the simulated time it was made", "none", early)
        for day in sorted(have):
            n = sum(1 for _, text, _ in self.chats
                    if text.startswith(f"Digest for team, {shown_day(local(*map(int, day.split('-')), 12, 0))}"))
            c.check(n == 1, f"rita's chat shows the digest of {day}", "once", f"{n} times")

        # -- emails: the .eml folder holds each email row exactly once --
        files = {}
        for f in glob.glob(os.path.join(self.mail, "*.eml"))[:MAX_ROWS]:
            m = re.match(r"(\d{6})-(.+)\.eml$", os.path.basename(f))
            if c.check(m is not None, f"mail file name {os.path.basename(f)}", "NNNNNN-kind.eml", "other"):
                files[int(m.group(1))] = (m.group(2), f)
        email_rows = {r[0]: r for r in outbox if r[2] == "email"}
        c.check(set(files) == set(email_rows), "one .eml per email outbox row",
                f"{len(email_rows)} files", f"{len(files)} files; missing {sorted(set(email_rows) - set(files))}, "
                f"extra {sorted(set(files) - set(email_rows))}")
        c.check(not [r for r in email_rows.values() if r[7] is None], "every email row marked sent", "all", "some not")
        late = collections.defaultdict(list)
        for rid, r in sorted(email_rows.items()):
            if rid not in files:
                continue
            kind, path = files[rid]
            with open(path, "rb") as fh:
                msg = email.message_from_binary_file(fh, policy=email.policy.default)
            ok = kind == r[3] and r[4] in str(msg["To"]) and str(msg["X-Interviewd-Interview"]) == str(r[5])
            c.check(ok, f"{os.path.basename(path)}: kind, To and interview of row {rid}",
                    f"{r[3]}, {r[4]}, #{r[5]}", f"{kind}, {msg['To']}, #{msg['X-Interviewd-Interview']}")
            if r[3] in CLOCK_EMAIL:  # by the next time the daemon saw (the restart, if killed)
                date = int(msg["Date"].datetime.timestamp())
                if not (r[1] <= date <= min([t for t in self.up + self.racy if t > r[1]] or [r[1] + STEP])):
                    late[r[3]].append(f"row {rid} to {r[4]} queued {utc(r[1])}, Date {utc(date)}")
        for kind in sorted(CLOCK_EMAIL):
            n = sum(1 for r in email_rows.values() if r[3] == kind)
            c.check(not late[kind], f"'{kind}' emails handed over within one step of being queued by the clock",
                    f"all {n} by the next step ({STEP // 60} min simulated; after a kill: the restart)",
                    f"{len(late[kind])} of {n} later, e.g. " + "; ".join(late[kind][:3]))

        # -- the daemon complained about nothing --
        errs = []
        for f in sorted(glob.glob(os.path.join(self.dir, "console-*.stderr"))):
            with open(f) as fh:
                errs += [f"{os.path.basename(f)}: {x.strip()}" for x in fh if "level=error" in x]
        errs += [x.strip() for e in self.oneshot_err for x in e.splitlines() if "level=error" in x]
        c.check(not errs, "no errors logged", "none", errs[:5])
        c.check(not self.noise, "every console line is JSON", "all", self.noise[:3])

    def check_digest_text(self, day, at, text):
        c = self.c
        lines, overdue = self.expected_digest_text(at)
        got = text.rstrip("\n").split("\n")
        got_over = [x for x in got if x.startswith("Feedback overdue: ")]
        got_main = [x for x in got if not x.startswith("Feedback overdue: ") and not x.startswith("Conflicts: ")]
        c.check(got_main == lines, f"digest of {day} (sent {shown(at)}): text", "\n".join(lines), "\n".join(got_main))
        have = {}
        for x in got_over:  # "alice 2 (#3 #5), bob 1 (#4)" or "alice #3 #5; bob #4"
            body = x[len("Feedback overdue: "):]
            counted = re.findall(r"([\w.-]+) (\d+) \(([^)]*)\)", body)
            for h, n, ids in counted:
                have[h] = set(ids.split())
                c.check(int(n) == len(have[h]), f"digest of {day}: overdue count of {h}", len(have[h]), n)
            for part in [] if counted else body.split("; "):
                words = part.split()
                if words:
                    have.setdefault(words[0], set()).update(w for w in words[1:] if w.startswith("#"))
        c.check(have == overdue, f"digest of {day}: feedback overdue", {k: sorted(v) for k, v in overdue.items()},
                {k: sorted(v) for k, v in have.items()})


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    seed = os.environ.get("TEST_WEEK_SEED")
    seed = int(seed) if seed else random.SystemRandom().randrange(1 << 31)
    print(f"# seed {seed} (TEST_WEEK_SEED={seed} repeats this run)", flush=True)
    began = time.monotonic()
    w = Week(sys.argv[1], seed)
    for stage in (w.run, w.verify):
        try:
            stage()
        except Exception as e:  # the product misbehaved in a way the test did not foresee
            w.c.check(False, f"the test's {stage.__name__} stage runs to its end", "no exception",
                      f"{type(e).__name__}: {e}")
            if w.console:
                w.console.p.kill()
                w.console = None
    keep = os.environ.get("TEST_WEEK_KEEP")
    print(f"# simulated {shown(START)} to {shown(w.now)} in {time.monotonic() - began:.1f} s; {len(w.up)} steps seen, "
          f"{len(w.interviews)} interviews, {len(w.chats)} chat lines"
          + (f"; files kept in {w.dir}" if keep else ""), flush=True)
    if not keep:
        shutil.rmtree(w.dir, ignore_errors=True)
    print(f"{w.c.passed} passed, {w.c.failed} failed")
    return 1 if w.c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
