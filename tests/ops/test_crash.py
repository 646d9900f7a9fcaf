#!/usr/bin/python3
"""Crash test: kill -9 of the daemon at random moments during a burst of commands
through the console front end; every acknowledged command must take effect exactly
once and every notice (email) must be written exactly once.

usage: tests/ops/test_crash.py [--binary PATH] [--seed N] [--commands N] [--kills N]
                               [--budget SECONDS] [--keep]

`interviewd -c CONFIG run --json` (no [slack], no [matrix]: the console front end)
runs on a temporary database; commands are written to its stdin, several in flight at
once (a window of 1 to 64, drawn per run of the daemon), and its replies are read from
stdout, one JSON line each. A command is acknowledged when its reply line has been
read (the reply is printed after the command's transaction committed).

The commands (default 500) are drawn from the seed: schedules, each with a candidate
and notes of its own ("op-N", the marker), some naming an interviewer not seen before;
reschedules (with notes "op-N", sometimes a new panel), cancels (reason "op-N"), starts
and completes of earlier ones. Every interview gets its own 10-minute slot, so none
conflicts with another.

The daemon is killed (SIGKILL) --kills times (default 5 to 10, from the seed) at seeded
points: right after a command was written ("burst", a few ms later), after every reply
was read while the mail sender drains ("idle"), or a few ms after a restart ("early",
while the daemon opens the database and the clock and the sender catch up). After each
kill the replies still in the pipe are read (they count as acknowledged); each
command written but unanswered is then looked up in the database by its marker
(the interview with its notes, the audit row of its cancel/start/complete): one that
took effect is not sent again (and its effect must be there exactly once), one that
did not is sent again to the next daemon. Those that took effect must be the first
ones of the unanswered (the daemon runs them in order). Each run of the daemon sees
a later fixed time (INTERVIEWD_NOW, 20 minutes further on each restart), so the clock
finds reminders due ([reminders] lead_times = ["24h"]: interviews a day ahead) right
when it starts, which is also where some kills land.

At the end the daemon runs a last time until no email is due, and is stopped with
SIGTERM. Then, read-only from SQLite and the .eml folder:
  - every command took effect exactly once: one interview per schedule and reschedule
    marker, the statuses and reschedule links the commands imply, one audit row per
    command, one person per new interviewer;
  - the outbox holds exactly the notices those commands cause (the candidate's and each
    panel member's per schedule, reschedule and cancel; "removed" for those left off a
    new panel) and the reminders the clock owed (each at most once; exactly once for
    interviews still scheduled whose reminder fell due), nothing failed, nothing due;
  - every sent row has exactly one .eml file (NNNNNN-kind.eml), addressed to its
    recipient; no other .eml files, no leftover temporary files; Message-IDs unique;
  - PRAGMA integrity_check and foreign_key_check pass.

The commands, kill points, windows and delays come from the seed (printed; --seed N
repeats them), the exact instants the kills land do not: a failing seed may need a few
runs. A run takes 5 to 20 s; --budget (default 90 s) bounds it. Prints a FAIL line per
failed check, notes on stderr (one per kill: how many commands were unanswered, how many
of those had taken effect, how many emails were waiting), and ends with "N passed, N
failed" (tests/tally.py); exits 0 only when none failed. Temporary files go to
$TMPDIR/interviewd-crash-*, removed at the end unless --keep.
"""
import argparse
import collections
import datetime as dt
import email
import email.policy
import glob
import json
import os
import queue
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from tally import T, note, wait_until  # noqa: E402

T0 = int(dt.datetime(2031, 3, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))).timestamp())
NOW_STEP = 20 * 60  # each run of the daemon sees a clock this much later
LEAD = 24 * 3600  # [reminders] lead_times = ["24h"]
SLOT = 10 * 60  # each interview its own slot; duration 10m: no conflicts
FIRST_SLOT = T0 + LEAD + 5 * 60
REPLY_TIMEOUT = 10.0  # seconds without a reply while commands are in flight: a hang
DRAIN_TIMEOUT = 20.0

PANEL = {  # configured interviewers: handle -> (email, zone)
    "alice": ("alice@example.com", "America/New_York"),
    "bob": ("bob@example.com", "Europe/Berlin"),
    "carol": ("carol@example.com", "Asia/Tokyo"),
    "dave": ("dave@example.com", "Europe/London"),
    "erin": ("erin@example.com", ""),
    "frank": ("frank@example.com", "Europe/Paris"),
}
NAMES = ["Jane Doe", "Zoë Ångström", "José Núñez", "Li Wei", "Anna-Maria O'Brien", "Søren Kierkegaard",
         "Mary Smith", "Ngozi Okafor"]


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


# ---- the commands ----

class Op:
    """One command of the burst. kind: schedule, reschedule, cancel, start, complete."""

    def __init__(self, idx, kind, entity, prev):
        self.idx, self.kind, self.entity, self.prev = idx, kind, entity, prev
        self.marker = "op-%d" % idx
        self.slot = None  # schedule, reschedule: the start time
        self.with_ = None  # schedule, reschedule: list of (token, email) or None (keep)
        self.cand = None  # (name, email)
        self.panel_before = None  # reschedule, cancel: the panel of the interview it acts on
        self.panel_after = None  # schedule, reschedule: the panel of the interview it makes
        self.fresh = []  # emails of interviewers this command names for the first time
        # at run time
        self.target = None  # the interview acted on (not schedule)
        self.new_id = None  # schedule, reschedule: the interview made
        self.resolved = False
        self.how = None  # "acked" or "applied" (took effect, unanswered) once resolved
        self.sends = 0
        self.text = None

    def result_id(self):
        return self.new_id if self.kind in ("schedule", "reschedule") else self.target

    def render(self, ops):
        if self.kind != "schedule":
            self.target = ops[self.prev].result_id()
        if self.kind == "schedule":
            name, addr = self.cand
            w = ",".join(tok for tok, _ in self.with_)
            return ('schedule candidate:"%s <%s>" when:"%s" duration:10m type:video with:%s job:"Crash Tester" '
                    'notes:"%s"' % (name, addr, iso(self.slot), w, self.marker))
        if self.kind == "reschedule":
            w = " with:" + ",".join(tok for tok, _ in self.with_) if self.with_ else ""
            return 'reschedule #%d when:"%s"%s notes:"%s" reason:"moved by %s"' % (
                self.target, iso(self.slot), w, self.marker, self.marker)
        if self.kind == "cancel":
            return 'cancel #%d reason:"%s"' % (self.target, self.marker)
        return "%s #%d" % (self.kind, self.target)


def generate(rng, n):
    """N commands: a model of each interview chain (an entity) keeps them valid in order."""
    ops = []
    ents = []  # dicts: status, panel, last (op index), cand
    nslots = n + 8
    slots = [FIRST_SLOT + i * SLOT for i in range(nslots)]
    rng.shuffle(slots)
    fresh_seen = set()

    def draw_panel(i):
        k = rng.choice([1, 1, 2, 2, 3])
        panel = [(h, PANEL[h][0]) for h in rng.sample(sorted(PANEL), k)]
        if rng.random() < 0.1:
            addr = "new%d@example.org" % i
            panel.append((addr, addr))
        return panel

    for i in range(n):
        by = collections.defaultdict(list)
        for e, ent in enumerate(ents):
            if ent["status"] in ("scheduled", "cancelled"):
                by["reschedule"].append(e)
            if ent["status"] in ("scheduled", "in_progress"):
                by["cancel"].append(e)
            if ent["status"] == "scheduled":
                by["start"].append(e)
            if ent["status"] == "in_progress":
                by["complete"].append(e)
        weights = [("schedule", 55), ("reschedule", 13), ("cancel", 10), ("start", 11), ("complete", 11)]
        choices = [(k, w) for k, w in weights if k == "schedule" or (by[k] and i >= 8)]
        kind = rng.choices([k for k, _ in choices], [w for _, w in choices])[0]
        if kind == "schedule":
            e = len(ents)
            op = Op(i, kind, e, None)
            op.slot = slots.pop()
            op.with_ = draw_panel(i)
            nm = rng.choice(NAMES)
            op.cand = ("%s %d" % (nm, i), "cand%d@example.net" % i)
            op.panel_after = [a for _, a in op.with_]
            ents.append({"status": "scheduled", "panel": op.panel_after, "last": i, "cand": op.cand})
        else:
            e = rng.choice(by[kind])
            ent = ents[e]
            op = Op(i, kind, e, ent["last"])
            op.cand = ent["cand"]
            op.panel_before = list(ent["panel"])
            if kind == "reschedule":
                op.slot = slots.pop()
                if rng.random() < 0.4:
                    op.with_ = draw_panel(i)
                    op.panel_after = []
                    for _, a in op.with_:
                        if a not in op.panel_after:
                            op.panel_after.append(a)
                else:
                    op.panel_after = list(ent["panel"])
                ent["panel"] = op.panel_after
                ent["status"] = "scheduled"
            else:
                ent["status"] = {"cancel": "cancelled", "start": "in_progress", "complete": "completed"}[kind]
            ent["last"] = i
        for tok, a in op.with_ or []:
            if tok == a and a not in fresh_seen:
                fresh_seen.add(a)
                op.fresh.append(a)
        ops.append(op)
    return ops


def plan_kills(rng, n, kills):
    """(writes, type, delay) per kill: at the first moment at least WRITES commands were
    written; "early" ones strike a few ms after the restart before them."""
    points = sorted(rng.sample(range(1, n), min(kills, n - 1)))
    plan = []
    for k, p in enumerate(points):
        kind = rng.choices(["burst", "idle", "early"], [60, 25, 15])[0]
        if kind == "early":
            p = plan[-1][0] if plan else 0
            delay = rng.uniform(0, 0.04)
        elif kind == "idle":
            delay = rng.uniform(0, 0.08)
        else:  # mostly while the commands written are still running
            delay = rng.choice([0, rng.uniform(0, 0.002), rng.uniform(0, 0.005), rng.uniform(0, 0.02)])
        plan.append((p, kind, delay))
    plan.sort(key=lambda x: x[0])
    return plan


# ---- the daemon ----

class Daemon:
    def __init__(self, binary, config, now, log):
        env = dict(os.environ, INTERVIEWD_NOW=dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat(),
                   TZ="UTC")
        self.err = open(log, "wb")
        self.p = subprocess.Popen([binary, "-c", config, "run", "--json"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.err, env=env, bufsize=0)
        self.q = queue.Queue()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        f = self.p.stdout
        while True:
            line = f.readline()
            if not line:
                break
            self.q.put(line)
        self.q.put(None)

    def send(self, text):
        try:
            os.write(self.p.stdin.fileno(), (text + "\n").encode())
            return True
        except (BrokenPipeError, OSError):
            return False

    def kill(self, sig=signal.SIGKILL):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        rc = self.p.wait()
        self.t.join(5)
        try:
            self.p.stdin.close()
        except OSError:
            pass
        self.p.stdout.close()
        self.err.close()
        return rc


# ---- the run ----

class Run:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="interviewd-crash-")
        self.binary = os.path.join(self.dir, "interviewd")
        shutil.copy2(args.binary, self.binary)  # a rebuild meanwhile cannot break the run
        self.db = os.path.join(self.dir, "interviewd.db")
        self.mail = os.path.join(self.dir, "mail")
        self.config = os.path.join(self.dir, "interviewd.toml")
        self.write_config()
        gen = random.Random(args.seed)
        self.ops = generate(gen, args.commands)
        self.prng = random.Random(args.seed * 7919 + 1)
        kills = args.kills if args.kills is not None else self.prng.randint(5, 10)
        self.plan = plan_kills(self.prng, args.commands, kills)
        self.inc = -1
        self.d = None
        self.nows = []
        self.writes = 0
        self.acked = self.applied = self.resent = 0
        self.inflight = collections.deque()
        self.pending = collections.deque(self.ops)
        self.noise = []
        self.partial = 0
        self.chats = 0
        self.unexpected = 0
        self.deadline = time.monotonic() + args.budget - DRAIN_TIMEOUT - 10  # room for the drain and the checks
        self.kill_log = []
        self.unsent_at_kill = []

    def write_config(self):
        people = "".join('[people.%s]\nname = "%s"\nemail = "%s"\nrole = "interviewer"\n%s\n' % (
            h, h.capitalize(), e, 'timezone = "%s"\n' % z if z else "") for h, (e, z) in sorted(PANEL.items()))
        with open(self.config, "w") as f:
            f.write('[store]\npath = "%s"\n\n[general]\ntimezone = "Europe/Berlin"\n\n[console]\nas = "rita"\n\n'
                    '[mail]\nfrom = "Interviews <interviews@example.com>"\noutbox_dir = "%s"\n\n'
                    '[reminders]\nlead_times = ["24h"]\n\n'
                    '[people.rita]\nname = "Rita Recruiter"\nemail = "rita@example.com"\nrole = "recruiter"\n'
                    'timezone = "Europe/Berlin"\n\n%s' % (self.db, self.mail, people))

    def ro(self):
        c = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
        c.execute("PRAGMA busy_timeout = 10000")
        return c

    # -- daemons --

    def start(self):
        self.inc += 1
        now = T0 + self.inc * NOW_STEP
        self.nows.append(now)
        self.window = self.prng.choice([1, 4, 16, 64])
        self.d = Daemon(self.binary, self.config, now, os.path.join(self.dir, "daemon-%02d.stderr" % self.inc))

    def on_line(self, line):
        """A line the daemon printed: a reply acknowledges the oldest command in flight."""
        if not line.endswith(b"\n"):
            self.partial += 1  # cut by the kill: not read as a reply
            return
        try:
            j = json.loads(line)
        except ValueError:
            self.noise.append(line[:200])
            return
        if "chat" in j and "success" not in j:
            self.chats += 1
            return
        if not self.inflight:
            self.noise.append(b"reply with no command: " + line[:200])
            return
        op = self.inflight.popleft()
        T.case = "reply"
        if not T.check("%s (%s) succeeds" % (op.marker, op.text[:60]), j.get("success") is True, True,
                       j.get("error", j)):
            op.resolved, op.how = True, "refused"
            return
        iv = (j.get("data") or {}).get("interview") or {}
        if op.kind in ("schedule", "reschedule"):
            op.new_id = iv.get("id")
            T.check("%s: the reply shows the new interview" % op.marker,
                    isinstance(op.new_id, int) and iv.get("notes") == op.marker and iv.get("status") == "scheduled",
                    "an id, notes %s, scheduled" % op.marker, iv)
            if op.kind == "reschedule":
                T.eq("%s: the reply's rescheduled_from" % op.marker, op.target, iv.get("rescheduled_from"))
        else:
            want = {"cancel": "cancelled", "start": "in_progress", "complete": "completed"}[op.kind]
            T.check("%s: the reply shows #%s %s" % (op.marker, op.target, want),
                    iv.get("id") == op.target and iv.get("status") == want, (op.target, want),
                    (iv.get("id"), iv.get("status")))
        op.resolved, op.how = True, "acked"
        self.acked += 1

    def pump(self, timeout):
        """Reads one line the daemon printed: "line", "none" (nothing within TIMEOUT) or
        "eof" (its stdout ended)."""
        try:
            item = self.d.q.get(timeout=timeout)
        except queue.Empty:
            return "none"
        if item is None:
            self.d.q.put(None)
            return "eof"
        self.on_line(item)
        return "line"

    def read_rest(self, timeout=5):
        """After the daemon ended: every line it printed."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.pump(0.2) != "eof":
            pass

    def probe(self, c, op):
        """Did OP, written but unanswered, take effect? The interview it made, True/False."""
        if op.kind in ("schedule", "reschedule"):
            sql, args = "SELECT id FROM interviews WHERE notes = ?", [op.marker]
            if op.kind == "reschedule":
                sql += " AND rescheduled_from = ?"
                args.append(op.target)
            ids = [r[0] for r in c.execute(sql, args)]
            T.check("%s took effect at most once" % op.marker, len(ids) <= 1, "0 or 1 interviews", ids)
            return ids[0] if ids else None
        if op.kind == "cancel":
            n = c.execute("SELECT count(*) FROM audit WHERE action = 'cancel' AND interview_id = ? AND detail = ?",
                          (op.target, op.marker)).fetchone()[0]
        else:
            n = c.execute("SELECT count(*) FROM audit WHERE action = ? AND interview_id = ?",
                          (op.kind, op.target)).fetchone()[0]
        T.check("%s took effect at most once" % op.marker, n <= 1, "0 or 1 audit rows", n)
        return n > 0

    def crash(self, kind, delay):
        """Kills the daemon, reads what it printed, looks up what stayed unanswered, starts
        the next one."""
        T.case = "kill %d" % (len(self.kill_log) + 1)
        time.sleep(delay)
        rc = self.d.kill()
        self.read_rest()
        unanswered = list(self.inflight)
        self.inflight.clear()
        took = []
        if not unanswered:
            c = None
        elif not os.path.exists(self.db):  # killed before it made the database
            c = sqlite3.connect(":memory:")
        else:
            c = self.ro()
        if c is not None and not c.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit'").fetchone()[0]:
            c.close()  # killed while it made the schema: no command ran
            c = sqlite3.connect(":memory:")
            c.execute("CREATE TABLE interviews (id, notes, rescheduled_from)")
            c.execute("CREATE TABLE audit (action, interview_id, detail)")
        try:
            for op in unanswered:
                r = self.probe(c, op)
                took.append(bool(r))
                if r:
                    if op.kind in ("schedule", "reschedule"):
                        op.new_id = r
                    op.resolved, op.how = True, "applied"
                    self.applied += 1
        finally:
            if c is not None:
                c.close()
        unsent = 0
        if os.path.exists(self.db):
            c = self.ro()
            try:
                unsent = c.execute("SELECT count(*) FROM outbox WHERE transport = 'email' AND sent_at IS NULL"
                                   ).fetchone()[0]
            except sqlite3.OperationalError:
                pass  # no schema yet
            finally:
                c.close()
        T.check("the unanswered commands that took effect come first (run in order)",
                took == sorted(took, reverse=True), "effects a prefix", took)
        again = [op for op, t in zip(unanswered, took) if not t]
        self.resent += len(again)
        self.pending.extendleft(reversed(again))
        self.kill_log.append((kind, self.writes, len(unanswered), sum(took), rc))
        T.case = "kill %d" % len(self.kill_log)
        self.unsent_at_kill.append(unsent)
        note("kill %d (%s) of run %d after %d writes: rc %s, %d unanswered, %d of them took effect; "
             "%d emails waiting" % (len(self.kill_log), kind, self.inc, self.writes, rc, len(unanswered), sum(took),
                                    unsent))
        self.start()

    def died(self):
        """The daemon's stdout ended without our kill."""
        T.case = "run %d" % self.inc
        rc = self.d.p.wait()
        T.check("the daemon runs until killed", False, "running",
                "exit %s: %s" % (rc, self.stderr_tail(self.inc)))
        self.unexpected += 1
        self.crash("died", 0)

    def stderr_tail(self, inc):
        try:
            with open(os.path.join(self.dir, "daemon-%02d.stderr" % inc), "rb") as f:
                return f.read()[-600:].decode("utf-8", "replace")
        except OSError:
            return ""

    def burst(self):
        """Writes every command, reads the replies, kills as planned (kills planned past
        the last command strike while the last emails go out)."""
        ops = self.ops
        progress = time.monotonic()
        while self.pending or self.inflight or self.plan:
            if time.monotonic() > self.deadline:
                T.case = "budget"
                T.check("the burst ends within the budget", False, "%ds" % self.args.budget,
                        "%d commands left" % (len(self.pending) + len(self.inflight)))
                return False
            if self.unexpected > 3:
                return False
            if self.plan and self.writes >= self.plan[0][0]:
                p, kind, delay = self.plan[0]
                if kind != "idle" or not self.inflight:
                    self.plan.pop(0)
                    self.crash(kind, delay)
                    progress = time.monotonic()
                    continue
            kill_waits = bool(self.plan) and self.writes >= self.plan[0][0]
            if not kill_waits and self.pending and len(self.inflight) < self.window:
                op = self.pending[0]
                before = ops[op.prev] if op.prev is not None else None
                if before is not None and before.how in ("refused", "skipped"):
                    self.pending.popleft()  # the interview it acts on never came
                    op.resolved, op.how = True, "skipped"
                    continue
                if before is None or before.resolved:
                    self.pending.popleft()
                    op.text = op.render(ops)
                    op.sends += 1
                    self.inflight.append(op)
                    self.writes += 1
                    self.d.send(op.text)  # a daemon gone ends its stdout: handled below
                    progress = time.monotonic()
                    continue
            if not self.pending and not self.inflight:
                if not self.plan:
                    break
                self.plan[0] = (self.writes, self.plan[0][1], self.plan[0][2])  # strikes now
                continue
            got = self.pump(0.5)
            if got == "eof":
                self.died()
                progress = time.monotonic()
            elif got == "line":
                progress = time.monotonic()
            elif self.inflight and time.monotonic() - progress > REPLY_TIMEOUT:
                T.case = "run %d" % self.inc
                T.check("a reply within %ds" % REPLY_TIMEOUT, False, "a reply",
                        "none to %s" % self.inflight[0].text[:80])
                self.unexpected += 1
                self.crash("hang", 0)
                progress = time.monotonic()
        return True

    def due(self, c):
        now = self.nows[-1]
        mail = c.execute("SELECT count(*) FROM outbox WHERE transport = 'email' AND sent_at IS NULL "
                         "AND failed_at IS NULL").fetchone()[0]
        duties = c.execute("SELECT count(*) FROM duties WHERE done_at IS NULL AND due_at <= ?", (now,)).fetchone()[0]
        return mail, duties

    def finish(self):
        """Lets the last daemon send what is due, then stops it with SIGTERM."""
        T.case = "drain"

        def drained():
            c = self.ro()
            try:
                return self.due(c) == (0, 0)
            finally:
                c.close()
        ok = wait_until(drained, DRAIN_TIMEOUT, 0.05)
        T.check("the last daemon sends every due email and carries out every due duty within %ds"
                % DRAIN_TIMEOUT, ok, "nothing due", "still due")
        rc = self.d.kill(signal.SIGTERM)
        self.read_rest()
        T.check("the last daemon stops on SIGTERM", rc in (0, -signal.SIGTERM), "0 or -15", rc)
        T.check("no commands left unanswered", not self.inflight, [], [op.marker for op in self.inflight])

    # ---- the checks ----

    def check(self):
        c = self.ro()
        try:
            self.check_lines()
            self.check_effects(c)
            self.check_outbox(c)
            self.check_files(c)
            T.case = "store"
            T.eq("PRAGMA integrity_check", [("ok",)], c.execute("PRAGMA integrity_check").fetchall())
            T.eq("PRAGMA foreign_key_check", [], c.execute("PRAGMA foreign_key_check").fetchall())
            counts = dict(c.execute("SELECT status, n FROM status_counts"))
            actual = dict(c.execute("SELECT status, count(*) FROM interviews GROUP BY status"))
            T.eq("status_counts agrees with the interviews", {k: v for k, v in counts.items() if v},
                 actual)
        finally:
            c.close()

    def check_lines(self):
        T.case = "console"
        T.eq("every console line is JSON", [], self.noise[:3])
        errors = []
        for inc in range(self.inc + 1):
            with open(os.path.join(self.dir, "daemon-%02d.stderr" % inc), "rb") as f:
                for line in f.read().decode("utf-8", "replace").splitlines():
                    if "level=error" in line or "interviewd:" in line and "level=" not in line:
                        errors.append("run %d: %s" % (inc, line[:300]))
        T.eq("no errors logged", [], errors[:5])

    def check_effects(self, c):
        T.case = "effects"
        ops = self.ops
        unresolved = [op.marker for op in ops if not op.resolved]
        T.eq("every command was answered or found to have taken effect", [], unresolved[:10])
        refused = [op.marker for op in ops if op.how in ("refused", "skipped")]
        T.eq("no command refused", [], refused[:10])
        done = [op for op in ops if op.how in ("acked", "applied")]
        # interviews: one per schedule and reschedule marker, with the status the commands imply
        rows = {r[0]: r for r in c.execute(
            "SELECT id, notes, status, rescheduled_from, rescheduled_to, cancel_reason FROM interviews")}
        by_notes = collections.Counter(r[1] for r in rows.values())
        want_status, want_from, want_to, want_reason = {}, {}, {}, {}
        for op in done:
            if op.kind in ("schedule", "reschedule"):
                T.eq("%s (%s) made one interview" % (op.marker, op.how), 1, by_notes.get(op.marker, 0))
                T.check("%s: its interview #%s has its notes" % (op.marker, op.new_id),
                        op.new_id in rows and rows[op.new_id][1] == op.marker, op.marker,
                        rows.get(op.new_id))
                want_status[op.new_id] = "scheduled"
                if op.kind == "reschedule":
                    want_status[op.target] = "rescheduled"
                    want_from[op.new_id], want_to[op.target] = op.target, op.new_id
            else:
                want_status[op.target] = {"cancel": "cancelled", "start": "in_progress",
                                          "complete": "completed"}[op.kind]
                if op.kind == "cancel":
                    want_reason[op.target] = op.marker
        T.eq("as many interviews as schedules and reschedules",
             sum(op.kind in ("schedule", "reschedule") for op in done), len(rows))
        bad = []
        for i, r in sorted(rows.items()):
            want = (want_status.get(i), want_from.get(i), want_to.get(i))
            if (r[2], r[3], r[4]) != want or (want[0] == "cancelled" and r[5] != want_reason.get(i)):
                bad.append((i, r[1], "want", want, "got", (r[2], r[3], r[4]), r[5]))
        T.eq("every interview's status and links are what the commands imply", [], bad[:5])
        # one audit row per command
        want_audit = collections.Counter()
        for op in done:
            if op.kind == "schedule":
                want_audit[("schedule", op.new_id, None)] += 1
            elif op.kind == "reschedule":
                want_audit[("reschedule", op.new_id, "from #%d" % op.target)] += 1
            elif op.kind == "cancel":
                want_audit[("cancel", op.target, op.marker)] += 1
            else:
                want_audit[(op.kind, op.target, None)] += 1
        got_audit = collections.Counter(c.execute(
            "SELECT action, interview_id, detail FROM audit WHERE action IN "
            "('schedule', 'reschedule', 'cancel', 'start', 'complete')"))
        T.eq("one audit row per command (missing)", {}, dict(want_audit - got_audit))
        T.eq("one audit row per command (extra)", {}, dict(got_audit - want_audit))
        fresh = [a for op in done for a in op.fresh]
        got = collections.Counter(r[0].lower() for r in c.execute("SELECT email FROM people WHERE email IS NOT NULL"))
        T.eq("one person per new interviewer", {}, {a: got.get(a, 0) for a in fresh if got.get(a, 0) != 1})
        added = c.execute("SELECT count(*) FROM audit WHERE action = 'add person'").fetchone()[0]
        T.eq("one 'add person' audit row per new interviewer", len(fresh), added)
        self.done = done

    def check_outbox(self, c):
        T.case = "outbox"
        want = collections.Counter()
        for op in self.done:
            cand = op.cand[1]
            if op.kind == "schedule":
                for a in [cand] + op.panel_after:
                    want[("scheduled", a, op.new_id)] += 1
            elif op.kind == "reschedule":
                want[("rescheduled", cand, op.new_id)] += 1
                for a in op.panel_after:
                    want[("rescheduled" if a in op.panel_before else "scheduled", a, op.new_id)] += 1
                for a in op.panel_before:
                    if a not in op.panel_after:
                        want[("removed", a, op.target)] += 1
            elif op.kind == "cancel":
                for a in [cand] + op.panel_before:
                    want[("cancelled", a, op.target)] += 1
        rows = c.execute("SELECT id, kind, lower(recipient), interview_id, sent_at, failed_at, attempts, last_error "
                         "FROM outbox WHERE transport = 'email'").fetchall()
        got = collections.Counter((r[1], r[2], r[3]) for r in rows if r[1] != "reminder")
        T.eq("the notices the commands caused, each once (missing)", {}, dict(list((want - got).items())[:5]))
        T.eq("the notices the commands caused, each once (extra)", {}, dict(list((got - want).items())[:5]))
        T.eq("no email row failed", [], [r for r in rows if r[5] is not None][:3])
        T.eq("no email row left unsent", [], [r[:4] for r in rows if r[4] is None][:3])
        # reminders: one per done reminder duty, none otherwise; exactly one for interviews
        # still scheduled whose reminder fell due while the daemon ran
        reminders = collections.Counter((r[2], r[3]) for r in rows if r[1] == "reminder")
        T.eq("no reminder sent twice", {}, {k: v for k, v in reminders.items() if v > 1})
        emails = dict(c.execute("SELECT id, lower(email) FROM people"))
        done_duties = collections.Counter()
        for iid, pid, skipped in c.execute("SELECT d.interview_id, d.person_id, d.skipped FROM duties d "
                                           "WHERE d.kind = 'reminder' AND d.done_at IS NOT NULL AND skipped IS NULL"):
            addr = emails[pid] if pid else c.execute(
                "SELECT lower(c.email) FROM interviews i JOIN candidates c ON c.id = i.candidate_id WHERE i.id = ?",
                (iid,)).fetchone()[0]
            done_duties[(addr, iid)] += 1
        T.eq("a reminder email per reminder carried out (missing)", {}, dict(list((done_duties - reminders).items())[:5]))
        T.eq("a reminder email per reminder carried out (extra)", {}, dict(list((reminders - done_duties).items())[:5]))
        # the panel's reminders in chat: one per reminder carried out; they wait for their
        # person's own console (only rita's runs here), so only rita's must be shown
        chat = collections.Counter(c.execute(
            "SELECT o.kind, o.recipient, o.interview_id FROM outbox o WHERE o.transport = 'chat'"))
        want_chat = collections.Counter(("reminder", h, iid) for h, iid in c.execute(
            "SELECT p.handle, d.interview_id FROM duties d JOIN people p ON p.id = d.person_id "
            "WHERE d.kind = 'reminder' AND d.done_at IS NOT NULL AND d.skipped IS NULL"))
        T.eq("a chat reminder per panel reminder carried out (missing)", {}, dict(list((want_chat - chat).items())[:5]))
        T.eq("a chat reminder per panel reminder carried out (extra)", {}, dict(list((chat - want_chat).items())[:5]))
        T.eq("no chat line for rita (the console) left unshown", 0, c.execute(
            "SELECT count(*) FROM outbox WHERE transport = 'chat' AND recipient = 'rita' AND sent_at IS NULL"
            ).fetchone()[0])
        final = self.nows[-1]
        owed = collections.Counter()
        n_owed = 0
        for iid, start, created, cand in c.execute(
                "SELECT i.id, i.start_utc, i.created_at, lower(c.email) FROM interviews i "
                "JOIN candidates c ON c.id = i.candidate_id WHERE i.status = 'scheduled'"):
            if created < start - LEAD <= final < start:
                n_owed += 1
                for a in [cand] + [emails[p] for (p,) in c.execute(
                        "SELECT person_id FROM panel WHERE interview_id = ?", (iid,))]:
                    owed[(a, iid)] += 1
            elif reminders_for(reminders, iid):
                T.check("no reminder for #%d (not yet due, or made too late)" % iid, False, 0,
                        reminders_for(reminders, iid))
        T.eq("every reminder owed to a scheduled interview was sent once", {},
             {k: reminders.get(k, 0) for k in owed if reminders.get(k, 0) != 1})
        self.n_reminders = sum(reminders.values())
        self.n_owed = n_owed
        self.rows = rows

    def check_files(self, c):
        T.case = "files"
        files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(self.mail, "*.eml")))
        leftovers = [os.path.basename(p) for p in glob.glob(os.path.join(self.mail, ".*"))]
        T.eq("no temporary files left", [], leftovers[:5])
        want = sorted("%06d-%s.eml" % (r[0], r[1]) for r in self.rows if r[4] is not None)
        T.eq("one .eml per sent row (missing)", [], sorted(set(want) - set(files))[:5])
        T.eq("one .eml per sent row (extra)", [], sorted(set(files) - set(want))[:5])
        per_row = collections.Counter(name.split("-", 1)[0] for name in files)
        T.eq("no row written twice", {}, {k: v for k, v in per_row.items() if v > 1})
        by_name = {"%06d-%s.eml" % (r[0], r[1]): r for r in self.rows}
        ids = collections.Counter()
        wrong = []
        for name in files:
            with open(os.path.join(self.mail, name), "rb") as f:
                m = email.message_from_binary_file(f, policy=email.policy.default)
            mid = str(m.get("Message-ID", "")).strip()
            ids[mid] += 1
            r = by_name.get(name)
            to = str(m.get("To", "")).lower()
            if r is None or r[2] not in to or not mid:
                wrong.append((name, to, mid))
            elif r[1] in ("scheduled", "rescheduled", "cancelled", "removed") and not any(
                    p.get_content_type() == "text/calendar" and "END:VCALENDAR" in p.get_content()
                    for p in m.walk()):
                wrong.append((name, "no whole text/calendar part"))
        T.eq("every .eml is whole, addressed to its row's recipient, with a Message-ID", [], wrong[:5])
        T.eq("Message-IDs are unique", {}, {k: v for k, v in ids.items() if v > 1})
        self.n_files = len(files)


def reminders_for(reminders, iid):
    return sum(v for (a, i), v in reminders.items() if i == iid)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default="build/interviewd")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--commands", type=int, default=500)
    ap.add_argument("--kills", type=int, default=None, help="default: 5 to 10, from the seed")
    ap.add_argument("--budget", type=float, default=90.0, help="seconds the whole run may take (at least 40)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 10 ** 6)
    if args.commands < 2:
        ap.error("--commands must be at least 2")
    if args.budget < 40:
        ap.error("--budget must be at least 40")
    print("# seed %d (repeat with --seed %d)" % (args.seed, args.seed), flush=True)
    if not os.path.isabs(args.binary) and not os.path.exists(args.binary):  # relative to the checkout
        args.binary = os.path.join(HERE, "..", "..", args.binary)
    if not os.access(args.binary, os.X_OK):
        print("FAIL setup: %s is not an executable (build it, or pass --binary)" % args.binary)
        print("0 passed, 1 failed")
        return 1
    t = time.monotonic()
    run = Run(args)

    def time_up(*_):
        raise TimeoutError("the run took more than %ds" % args.budget)
    signal.signal(signal.SIGALRM, time_up)
    signal.alarm(int(args.budget))
    try:
        T.case = "setup"
        note("%d commands (%s), %d kills planned: %s; in %s" % (
            len(run.ops), dict(collections.Counter(op.kind for op in run.ops)), len(run.plan),
            ", ".join("%s@%d" % (k, p) for p, k, _ in run.plan), run.dir))
        run.start()
        if run.burst():
            run.finish()
            t_burst = time.monotonic() - t
            run.check()
            T.case = "all"
            note("%d runs of the daemon, %d kills; %d commands acked, %d took effect unanswered, %d sent again; "
                 "%d emails (%d reminders, owed to %d interviews), at most %d waiting at a kill; %d chat lines, "
                 "%d lines cut by a kill; %.1fs" % (
                     run.inc + 1, len(run.kill_log), run.acked, run.applied, run.resent, run.n_files,
                     run.n_reminders, run.n_owed, max(run.unsent_at_kill, default=0), run.chats, run.partial,
                     t_burst))
    except Exception as e:  # one failed check, and the summary still prints
        import traceback
        traceback.print_exc(file=sys.stderr)
        T.case = "all"
        T.check("the run reached its end", False, "no exception", "%s: %s" % (type(e).__name__, e))
    finally:
        signal.alarm(0)
        if run.d and run.d.p.poll() is None:
            run.d.kill()
        if args.keep:
            note("kept %s" % run.dir)
        else:
            shutil.rmtree(run.dir, ignore_errors=True)
    T.case = "all"
    note("seed %d, %.1fs in all" % (args.seed, time.monotonic() - t))
    print("%d passed, %d failed" % (T.passed, T.failed))
    print("crash test (seed %d): %d passed, %d failed" % (args.seed, T.passed, T.failed), flush=True)
    return 0 if T.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
