#!/usr/bin/python3
"""Operating numbers of the daemon: the HTTP API under load, start-up time, idle memory.

usage: /usr/bin/python3 tests/bench/bench_ops.py [--binary build/interviewd]
           [--interviews 1000000] [--duration 10] [--warmup 2] [--clients 1,8] [--procs 2]
           [--starts 5] [--idle 5] [--retries 2] [--wait-quiet S] [--rebuild] [--skip-api]
           [--skip-start] [--skip-rss] [--keep]

1. The API: GET /api/v1/interviews/upcoming?days_ahead=7 on a store of INTERVIEWS interviews,
   against `interviewd run --headless` with [http] on a free loopback port and INTERVIEWD_NOW
   fixed inside the data. CLIENTS keep-alive connections (each number of the list in turn:
   by default 1, latency alone, then 8; closed loop: the next request as soon as the answer
   is in), spread over PROCS client processes (each one select() loop, so the GIL of one
   process is not the limit), for WARMUP + DURATION seconds, once with a
   recruiter's token (every upcoming interview: 50 shown, all counted) and once with an
   interviewer's (her own). Every answer must be 200 with "success":true and the "count" and
   "total" that SQL gives on the same file; anything else is an error. Reported: requests a
   second, p50/p90/p99/max latency, errors, the daemon's CPU (and its busiest thread's: the
   endpoint is served by one thread), the client processes' CPU and what other processes
   took meanwhile (two cores: the client and the daemon share them, and anything else
   running makes the numbers low: a load during which others took 25 % of a core or more is
   run again, at most RETRIES times, and the calmest run is reported, marked * if still
   contended), the daemon's RSS, and the server's own time per request (the "us=" of its
   log lines: from the request read to the answer built).
2. Start-up: exec of `interviewd run --headless` to the READY=1 datagram on NOTIFY_SOCKET (a
   socket of our own), and to the first 200 from /healthz; median of STARTS runs, on the big
   store and on an empty one; also SIGTERM to exit, and, for scale, `interviewd version`
   (exec, the dynamic loader, exit: what any start pays before main).
3. Idle memory with every part running: Slack (tests/slack/fake_slack.py), SMTP and IMAP (real
   OpenSMTPD + Dovecot from tests/mail/servers.py), the clock and the HTTP endpoint, on the big
   store and on an empty one: IDLE seconds after READY=1 and the Slack hello, VmRSS, VmHWM,
   threads and the CPU used meanwhile. Without the mail servers (they need root, OpenSMTPD and
   Dovecot) it says so and measures without them.

The store: `interviewd api-token rita` creates and migrates it (and gives the tokens), then
this script writes, with its own sqlite3 connection and the schema's triggers live: 2,000
interviewers (plus rita, recruiter, and alice, interviewer, from the config), 200 jobs,
0.3 x INTERVIEWS candidates, INTERVIEWS interviews spread over the 700 days before "now"
(2031-03-12 09:30 UTC, a Wednesday) and, thinning out, the 42 after it (0.65 %, which gives
about 2,900 active ones in the next 7 days at 1,000,000), working hours, mostly weekdays;
statuses mixed (past: completed, cancelled, rescheduled into a new row, a few left
scheduled; future: scheduled, cancelled, rescheduled), panels of 1-3 from each job's pool of
24, alice on 1.5 % of panels, and the clock's pending duties of the active future ones
(reminders 24 h and 1 h ahead, feedback request, chase, escalation). No feedback, audit or
outbox history. It is cached as /tmp/interviewd-bench-ops/ops-s<schema>-<migrations hash>-
g<generator>-n<INTERVIEWS>.db (--rebuild to force) and copied into a temporary folder for
each run, so the page cache is warm: start-up numbers are warm-cache ones.

Only 127.0.0.1 is used. Every wait has a deadline and the whole run a hard limit (15 min);
the children (daemon, fake Slack, mail servers) die with this process (PR_SET_PDEATHSIG),
and the temporary folder is removed (--keep keeps it, with the daemon's logs).
Exit status: 0 when everything measured had no error; 1 otherwise; 2 on bad arguments;
130 on Ctrl-C or SIGTERM.
"""
import argparse
import array
import bisect
import ctypes
import datetime
import hashlib
import http.client
import json
import math
import multiprocessing
import os
import random
import re
import selectors
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from children import CHILDREN, on_signal, stop, stop_all  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FAKE = os.path.join(ROOT, "tests", "slack", "fake_slack.py")
MAIL_DIR = os.path.join(ROOT, "tests", "mail")
CACHE_DIR = "/tmp/interviewd-bench-ops"
GEN_VERSION = 2  # bump when the generated data changes: a cached store of another version is rebuilt
NOW_ISO = "2031-03-12T09:30:00Z"
NOW = int(datetime.datetime(2031, 3, 12, 9, 30, tzinfo=datetime.timezone.utc).timestamp())
DAYS_AHEAD = 7
API_PATH = f"/api/v1/interviews/upcoming?days_ahead={DAYS_AHEAD}"
LIMIT = 50  # the API's default limit
PAST_DAYS, FUTURE_DAYS, FUTURE_SHARE = 700, 42, 0.0065
N_INTERVIEWERS, N_JOBS, POOL, ALICE_SHARE = 2000, 200, 24, 0.015
APP_TOKEN, BOT_TOKEN, SLACK_USER = "xapp-test", "xoxb-test", "U0RITA0001"
MAIL_PASSWORD = "secret"
HARD_LIMIT_S = 900
CONTENDED = 25.0  # % of a core taken by other processes during a load: its numbers are low
REQUEST_TIMEOUT_S = 10.0
HZ = os.sysconf("SC_CLK_TCK")

NOTES = []  # lines printed under the tables


def say(msg):
    print(f"bench_ops: {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ children and signals

try:
    PRCTL = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the forked child
except (OSError, AttributeError):
    PRCTL = None


def die_with_parent():
    if PRCTL:
        PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def spawn(argv, env, cwd, log_path, stdout=subprocess.DEVNULL):
    """A child in its own process group, killed on exit; stderr to LOG_PATH."""
    with open(log_path, "ab") as err:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err,
                                start_new_session=True, preexec_fn=die_with_parent)
    CHILDREN.append(proc)
    return proc


def tail(path, n=12):
    try:
        with open(path, errors="replace") as fh:
            return "".join(fh.readlines()[-n:])
    except OSError:
        return ""


# ------------------------------------------------------------------ /proc

def proc_status(pid):
    """VmRSS, VmHWM (KiB) and Threads of PID."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key, _, val = line.partition(":")
                if key in ("VmRSS", "VmHWM", "Threads"):
                    out[key] = int(val.split()[0])
    except OSError:
        pass
    return out


def cpu_ticks(stat_path):
    """utime + stime of a /proc/.../stat file, in clock ticks (0 when gone)."""
    try:
        with open(stat_path) as fh:
            rest = fh.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])
    except (OSError, IndexError, ValueError):
        return 0


def thread_ticks(pid):
    """{tid: (comm, ticks)} of every thread of PID."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as fh:
                comm = fh.read().strip()
        except OSError:
            continue
        out[tid] = (comm, cpu_ticks(f"/proc/{pid}/task/{tid}/stat"))
    return out


def wait_quiet(limit_s, threshold=10.0):
    """Waits at most LIMIT_S seconds for one second in which the machine is below THRESHOLD %
    busy (other people's builds and tests make every number here low); what it saw."""
    t0 = time.monotonic()
    while True:
        a = machine_ticks()
        time.sleep(1.0)
        b = machine_ticks()
        busy = 100 * (b[0] - a[0]) / max(1, b[1] - a[1])
        if busy < threshold or time.monotonic() - t0 >= limit_s:
            return f"waited {time.monotonic() - t0:.0f} s for a quiet machine: {busy:.0f} % busy" + (
                "" if busy < threshold else " (gave up)")


def machine_ticks():
    """(busy, total) ticks of all cores, from /proc/stat."""
    with open("/proc/stat") as fh:
        vals = [int(v) for v in fh.readline().split()[1:9]]
    idle = vals[3] + vals[4]
    return sum(vals) - idle, sum(vals)


# ------------------------------------------------------------------ config and the daemon

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path, db, port=None, slack_url=None, mail=None, outbox_dir=None):
    lines = ["[store]", f'path = "{db}"', "[general]", 'timezone = "Europe/Berlin"',
             "[mail]", 'from = "Interviews <bot@example.com>"', f'outbox_dir = "{outbox_dir or db + "-mail"}"']
    if mail:
        lines += ["[smtp]", 'host = "127.0.0.1"', f"port = {mail.smtp_port}", 'tls = "off"', "timeout = 10",
                  "[imap]", 'host = "127.0.0.1"', f"port = {mail.imap_port}", 'tls = "off"', 'user = "bot"',
                  'password_env = "BENCH_IMAP_PASSWORD"', "interval = 15", "timeout = 10"]
    if slack_url:
        lines += ["[slack]", 'app_token_env = "SLACK_APP_TOKEN"', 'bot_token_env = "SLACK_BOT_TOKEN"',
                  f'api_url = "{slack_url}"']
    if port:
        lines += ["[http]", f'listen = "127.0.0.1:{port}"']
    lines += ["[people.rita]", 'name = "Rita Recruiter"', 'email = "rita@example.com"', 'role = "recruiter"',
              f'slack_id = "{SLACK_USER}"',
              "[people.alice]", 'name = "Alice Example"', 'email = "alice@example.com"', 'role = "interviewer"']
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


def daemon_env(extra=None):
    env = dict(os.environ, INTERVIEWD_NOW=NOW_ISO, SLACK_APP_TOKEN=APP_TOKEN, SLACK_BOT_TOKEN=BOT_TOKEN,
               BENCH_IMAP_PASSWORD=MAIL_PASSWORD)
    for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS"):
        env.pop(k, None)
    env.update(extra or {})
    return env


def api_token(binary, cfg, handle):
    p = subprocess.run([binary, "-c", cfg, "api-token", handle], capture_output=True, text=True, timeout=60,
                       env=daemon_env(), stdin=subprocess.DEVNULL)
    if p.returncode != 0 or not p.stdout.strip():
        raise RuntimeError(f"api-token {handle}: exit {p.returncode}: {p.stderr.strip()[-300:]}")
    return p.stdout.strip().splitlines()[-1]


class Notify:
    """Our NOTIFY_SOCKET: an AF_UNIX datagram socket in the temporary folder."""

    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)

    def drain(self):
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recv(4096)
        except OSError:
            pass
        self.sock.setblocking(True)

    def wait_ready(self, proc, timeout):
        """monotonic time of the first datagram with READY=1; raises if the daemon exits or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the daemon exited with {proc.returncode} before READY=1")
            self.sock.settimeout(min(0.2, max(0.001, deadline - time.monotonic())))
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            if b"READY=1" in data.split(b"\n"):
                return time.monotonic()
        raise RuntimeError(f"no READY=1 within {timeout:.0f} s")

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass


def start_daemon(binary, cfg, tmp, notify, log, headless=True, extra_env=None):
    """exec time, process. The daemon's stderr (its log) goes to LOG."""
    notify.drain()
    argv = [binary, "-c", cfg, "run"] + (["--headless"] if headless else [])
    t0 = time.monotonic()
    proc = spawn(argv, daemon_env(dict(extra_env or {}, NOTIFY_SOCKET=notify.path)), tmp, log)
    return t0, proc


def http_get(port, path, token=None, timeout=5.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# ------------------------------------------------------------------ the store

FIRST = ["Anna", "Ben", "Carla", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Liam",
         "Maya", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sami", "Tara", "Uwe", "Vera", "Wei", "Xenia"]
LAST = ["Schmidt", "Smith", "Garcia", "Muller", "Nguyen", "Kowalski", "Rossi", "Patel", "Johnson", "Dubois",
        "Yilmaz", "Novak", "Silva", "Kim", "Fischer", "Brown", "Lopez", "Weber", "Sato", "Ivanova"]
ROLES = ["Backend Engineer", "Frontend Engineer", "Data Scientist", "Data Engineer", "Product Manager",
         "Product Designer", "SRE", "Security Engineer", "Mobile Engineer", "QA Engineer"]
TEAMS = ["Payments", "Search", "Growth", "Core", "Mobile", "Identity", "Billing", "Infra", "Insights",
         "Marketplace", "Platform", "Ads", "Maps", "Risk", "Sales", "Support", "Cloud", "Edge", "Data", "Apps"]
ZONES = [None, "Europe/London", "America/New_York", "Asia/Kolkata"]
TYPES = ["phone", "video", "in_person", "technical", "hr", "final"]
TYPE_W = [20, 35, 10, 20, 8, 7]
DURATIONS, DURATION_W = [30, 45, 60, 90], [20, 20, 45, 15]
PAST_STATUS = (["completed", "cancelled", "rescheduled", "scheduled", "in_progress"], [80, 9, 8, 2, 1])
NOW_STATUS = (["in_progress", "scheduled"], [70, 30])
FUTURE_STATUS = (["scheduled", "cancelled", "rescheduled"], [88, 6, 6])
ACTIVE = ("scheduled", "in_progress")
DAY = 86400


def schema_key(empty_db):
    """user_version of a freshly migrated store, and a hash of store/migrations/*.sql."""
    con = sqlite3.connect(empty_db)
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    h = hashlib.sha1()
    mig = os.path.join(ROOT, "store", "migrations")
    for name in sorted(os.listdir(mig)):
        if name.endswith(".sql"):
            with open(os.path.join(mig, name), "rb") as fh:
                h.update(name.encode() + b"\0" + fh.read())
    return version, h.hexdigest()[:8]


def pick(rng, choices, cum):
    return choices[bisect.bisect_right(cum, rng.random() * cum[-1])]


def cumulative(weights):
    out, s = [], 0
    for w in weights:
        s += w
        out.append(s)
    return out


def gen_interviews(n, rng):
    """N interview records sorted by start: [start, dur, type, cand, job, round, status, pred, seq, id]."""
    n_cand = max(10, n * 3 // 10)
    type_c, dur_c = cumulative(TYPE_W), cumulative(DURATION_W)
    st = {k: (v[0], cumulative(v[1])) for k, v in
          (("past", PAST_STATUS), ("now", NOW_STATUS), ("future", FUTURE_STATUS))}
    now_day = NOW - NOW % DAY
    recs = []

    def start_of(day):
        while True:  # weekends: one day in ten is kept
            wd = (day // DAY + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
            if wd < 5 or rng.random() < 0.1:
                break
            day += DAY if rng.random() < 0.5 else -DAY
        return day + 7 * 3600 + rng.randrange(44) * 900  # 07:00-17:45 UTC, quarter hours

    def status_of(start, dur):
        kind = "past" if start + dur * 60 <= NOW else "now" if start <= NOW else "future"
        choices, cum = st[kind]
        return pick(rng, choices, cum)

    while len(recs) < n:
        if rng.random() < FUTURE_SHARE:  # density falls linearly to 0 at FUTURE_DAYS
            k = int(FUTURE_DAYS * (1 - math.sqrt(1 - rng.random())))
            start = start_of(now_day + k * DAY)
        else:
            start = start_of(now_day - rng.randrange(PAST_DAYS) * DAY)
        dur = pick(rng, DURATIONS, dur_c)
        rec = [start, dur, pick(rng, TYPES, type_c), 1 + rng.randrange(n_cand), 1 + rng.randrange(N_JOBS),
               1 + min(int(rng.expovariate(0.8)), 5), status_of(start, dur), None, 0, 0]
        recs.append(rec)
        while rec[6] == "rescheduled" and len(recs) < n:  # the new row of a reschedule, same round
            start = start_of(rec[0] - rec[0] % DAY + rng.randrange(1, 8) * DAY)
            if start <= rec[0]:
                start = rec[0] + DAY
            nxt = [start, rec[1], rec[2], rec[3], rec[4], rec[5], status_of(start, rec[1]), rec, rec[8] + 1, 0]
            recs.append(nxt)
            rec = nxt
        if rec[6] == "rescheduled":  # the chain was cut at N: its last row keeps its start
            rec[6] = "scheduled" if rec[0] > NOW else "completed"
    recs.sort(key=lambda r: r[0])
    for i, r in enumerate(recs, 1):
        r[9] = i
    return recs, n_cand


def build_store(path, n, binary, tmp):
    """Creates PATH (schema by the daemon, rows by us). Returns a summary line."""
    t0 = time.monotonic()
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    cfg = write_config(os.path.join(tmp, "build.toml"), path)
    api_token(binary, cfg, "rita")  # creates and migrates the store, adds rita and alice
    rng = random.Random(20310312)
    recs, n_cand = gen_interviews(n, rng)
    t_gen = time.monotonic() - t0
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = DELETE")
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -1048576")
    con.execute("PRAGMA temp_store = MEMORY")
    people = dict(con.execute("SELECT handle, id FROM people"))
    rita, alice = people["rita"], people["alice"]
    created = NOW - PAST_DAYS * DAY - 60 * DAY
    con.execute("BEGIN")
    first_iv = con.execute("SELECT coalesce(max(id), 0) + 1 FROM people").fetchone()[0]
    con.executemany("INSERT INTO people (id, handle, name, email, tz, role, configured, created_at) "
                    "VALUES (?, ?, ?, ?, ?, 'interviewer', 0, ?)",
                    ((first_iv + k, f"iv{k:04d}", f"{FIRST[k % len(FIRST)]} {LAST[k // len(FIRST) % len(LAST)]}",
                      f"iv{k:04d}@example.com", ZONES[k % len(ZONES)], created) for k in range(N_INTERVIEWERS)))
    con.executemany("INSERT INTO jobs (id, title) VALUES (?, ?)",
                    ((j + 1, f"{ROLES[j % len(ROLES)]} ({TEAMS[j // len(ROLES) % len(TEAMS)]})")
                     for j in range(N_JOBS)))
    con.executemany("INSERT INTO candidates (id, name, email, tz, created_at) VALUES (?, ?, ?, ?, ?)",
                    ((c, f"{FIRST[c % len(FIRST)]} {LAST[c // len(FIRST) % len(LAST)]} {c}",
                      f"cand{c}@example.org", ZONES[c % 7] if c % 7 < len(ZONES) else None,
                      created + c % (PAST_DAYS * DAY)) for c in range(1, n_cand + 1)))

    succ = {r[7][9]: r[9] for r in recs if r[7] is not None}

    def iv_rows():
        for r in recs:
            start, dur, typ, cand, job, rnd, status, pred, seq, iid = r
            loc = f"Office Room {300 + job % 40}" if typ == "in_person" else None
            link = f"https://meet.example.com/{iid:x}" if typ in ("video", "technical") else None
            made = start - (2 + iid % 12) * DAY
            started = start if status in ("completed", "in_progress") else None
            completed = start + dur * 60 + 600 if status == "completed" else None
            if status == "cancelled":
                seq += 1
            yield (iid, cand, job, start, dur, typ, loc, loc.lower() if loc else None, link, None, status, rnd, rita,
                   "candidate withdrew" if status == "cancelled" else None, pred[9] if pred else None,
                   succ.get(iid), started, completed, made, completed or made, root_of(r), seq)

    con.executemany("INSERT INTO interviews (id, candidate_id, job_id, start_utc, duration_min, type, location, "
                    "location_key, meeting_link, notes, status, round, created_by, cancel_reason, rescheduled_from, "
                    "rescheduled_to, started_at, completed_at, created_at, updated_at, root_id, sequence) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", iv_rows())
    panels = {}

    def panel_rows():
        for r in recs:
            start, dur, job, iid = r[0], r[1], r[4], r[9]
            k = 1 + (rng.random() < 0.55) + (rng.random() < 0.27)
            base = (job - 1) * 7
            members = []
            while len(members) < k:
                m = first_iv + (base + rng.randrange(POOL)) % N_INTERVIEWERS
                if m not in members:
                    members.append(m)
            if rng.random() < ALICE_SHARE:
                members[0] = alice
            panels[iid] = members
            for pos, m in enumerate(members):
                yield (iid, m, pos, start, start + dur * 60)

    con.executemany("INSERT INTO panel (interview_id, person_id, position, start_utc, end_utc) "
                    "VALUES (?, ?, ?, ?, ?)", panel_rows())

    def duty_rows():
        for r in recs:
            start, dur, status, iid = r[0], r[1], r[6], r[9]
            if status not in ACTIVE or start <= NOW:
                continue
            end = start + dur * 60
            for lead in (DAY, 3600):
                if start - lead > NOW:
                    for who in panels[iid] + [None]:
                        yield (start - lead, "reminder", iid, who, lead)
            for who in panels[iid]:
                yield (end, "feedback_request", iid, who, None)
                yield (end + DAY, "feedback_chase", iid, who, None)
            yield (end + 2 * DAY, "feedback_escalate", iid, None, None)

    con.executemany("INSERT INTO duties (due_at, kind, interview_id, person_id, lead) VALUES (?, ?, ?, ?, ?)",
                    duty_rows())
    con.execute("COMMIT")
    counts = dict(con.execute("SELECT status, n FROM status_counts"))
    real = dict(con.execute("SELECT status, count(*) FROM interviews GROUP BY status"))
    per_person = con.execute("SELECT sum(n) FROM person_status_counts").fetchone()[0]
    n_panel = con.execute("SELECT count(*) FROM panel").fetchone()[0]
    n_duties = con.execute("SELECT count(*) FROM duties").fetchone()[0]
    if any(counts.get(s, 0) != real.get(s, 0) for s in set(counts) | set(real)) or per_person != n_panel:
        raise RuntimeError(f"the triggers' counts disagree with the rows: {counts} vs {real}, "
                           f"{per_person} vs {n_panel} panel rows")
    fk = con.execute("PRAGMA foreign_key_check").fetchmany(3)
    if fk:
        raise RuntimeError(f"foreign keys broken: {fk}")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    size = os.path.getsize(path) / 2**20
    return (f"{n:,} interviews ({', '.join(f'{k} {v:,}' for k, v in sorted(real.items()))}), {n_cand:,} candidates, "
            f"{n_panel:,} panel rows, {n_duties:,} pending duties, {size:.0f} MiB; generated in {t_gen:.1f} s, "
            f"written in {time.monotonic() - t0 - t_gen:.1f} s")


def root_of(rec):
    """The id of the first interview of REC's reschedule chain (None for that first one)."""
    if rec[7] is None:
        return None
    r = rec
    while r[7] is not None:
        r = r[7]
    return r[9]


def expected(db, person_id=None):
    """(total, the first LIMIT ids) of upcoming (days_ahead=7) by SQL, for everyone or one person."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        if person_id is None:
            rows = con.execute("SELECT id FROM interviews WHERE start_utc >= ? AND start_utc < ? "
                               "AND status IN ('scheduled', 'in_progress') ORDER BY start_utc, id",
                               (NOW, NOW + DAYS_AHEAD * DAY)).fetchall()
        else:
            rows = con.execute("SELECT i.id FROM panel p JOIN interviews i ON i.id = p.interview_id "
                               "WHERE p.person_id = ? AND p.start_utc >= ? AND p.start_utc < ? "
                               "AND i.status IN ('scheduled', 'in_progress') ORDER BY p.start_utc, i.id",
                               (person_id, NOW, NOW + DAYS_AHEAD * DAY)).fetchall()
        return len(rows), [r[0] for r in rows[:LIMIT]]
    finally:
        con.close()


def prepare_store(args, tmp):
    """Empty and big store in TMP (copies of the cache), their config files and tokens."""
    binary = args.binary
    empty = os.path.join(tmp, "empty.db")
    cfg_empty = write_config(os.path.join(tmp, "empty.toml"), empty)
    api_token(binary, cfg_empty, "rita")
    version, mig = schema_key(empty)
    os.makedirs(CACHE_DIR, exist_ok=True)
    cache = os.path.join(CACHE_DIR, f"ops-s{version}-{mig}-g{GEN_VERSION}-n{args.interviews}.db")
    if args.rebuild or not os.path.exists(cache):
        say(f"building the store of {args.interviews:,} interviews into {cache} ...")
        part = cache + ".part"
        summary = build_store(part, args.interviews, binary, tmp)
        os.replace(part, cache)
        for name in os.listdir(CACHE_DIR):  # stores of older schemas or generators, same size
            if (re.search(rf"-n{args.interviews}\.db(-wal|-shm)?$", name)
                    and not os.path.join(CACHE_DIR, name).startswith(cache)):
                os.unlink(os.path.join(CACHE_DIR, name))
        for f in (part + "-wal", part + "-shm", part + ".lock"):
            if os.path.exists(f):
                os.unlink(f)
        NOTES.append(f"- store built: {summary}")
        say(f"built: {summary}")
    else:
        NOTES.append(f"- store from the cache {cache} ({os.path.getsize(cache) / 2**20:.0f} MiB)")
    big = os.path.join(tmp, "big.db")
    t = time.monotonic()
    shutil.copyfile(cache, big)
    say(f"copied the cached store in {time.monotonic() - t:.1f} s")
    cfg_big = write_config(os.path.join(tmp, "big.toml"), big)
    tokens = {"rita": api_token(binary, cfg_big, "rita"), "alice": api_token(binary, cfg_big, "alice")}
    con = sqlite3.connect(f"file:{big}?mode=ro", uri=True)
    alice_id = con.execute("SELECT id FROM people WHERE handle = 'alice'").fetchone()[0]
    n = con.execute("SELECT count(*) FROM interviews").fetchone()[0]
    con.close()
    exp = {"rita": expected(big), "alice": expected(big, alice_id)}
    NOTES.append(f"- data: {n:,} interviews; upcoming in the {DAYS_AHEAD} days after {NOW_ISO} (scheduled or "
                 f"in progress): {exp['rita'][0]:,} in all, {exp['alice'][0]:,} with alice on the panel")
    return {"empty": empty, "big": big, "cfg_empty": cfg_empty, "tokens": tokens, "expected": exp, "n": n}


# ------------------------------------------------------------------ the load client

CL_RE = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.I)


def number_after(body, key):
    i = body.rfind(key)
    if i < 0:
        return None
    j = i + len(key)
    k = j
    while k < len(body) and 48 <= body[k] <= 57:
        k += 1
    return int(body[j:k]) if k > j else None


def load_worker(port, path, token, nconns, t_measure, t_end, want_total, want_count, out):
    """One client process: NCONNS keep-alive connections in a select() loop, closed loop.
    Sends back the latencies (s) of the answers sent at or after T_MEASURE and complete by
    T_END, the errors by kind and a few examples."""
    req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
           f"Accept: application/json\r\n\r\n").encode()
    sel = selectors.DefaultSelector()
    lat = array.array("d")
    errors, examples = {}, []
    stats = {"answers": 0, "bytes": 0, "reconnects": 0}
    cpu = []  # the process's CPU seconds at T_MEASURE and at T_END

    def error(kind, detail=b""):
        if time.monotonic() >= t_measure:
            errors[kind] = errors.get(kind, 0) + 1
            if len(examples) < 3:
                examples.append(f"{kind}: {bytes(detail[:200])!r}")

    def send(c):
        c["t"] = time.monotonic()
        try:
            c["s"].sendall(req)
        except OSError as exc:
            error("send failed", str(exc).encode())
            reopen(c)

    def open_conn():
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        c = {"s": s, "buf": bytearray(), "t": 0.0}
        sel.register(s, selectors.EVENT_READ, c)
        send(c)
        return c

    def reopen(c):
        try:
            sel.unregister(c["s"])
        except (KeyError, ValueError):
            pass
        c["s"].close()
        stats["reconnects"] += 1
        if time.monotonic() < t_end:
            conns[conns.index(c)] = open_conn()

    def answered(c, status, body):
        t = time.monotonic()
        stats["answers"] += 1
        stats["bytes"] += len(body)
        if c["t"] >= t_measure and t <= t_end:
            lat.append(t - c["t"])
            if status != 200:
                error(f"HTTP {status}", body)
            elif not body.startswith(b'{"success":true'):
                error("not success", body)
            elif number_after(body, b'"total":') != want_total or number_after(body, b'"count":') != want_count:
                error("wrong count/total", body[-120:])
        if t < t_end:
            send(c)

    conns = []
    for _ in range(nconns):
        conns.append(open_conn())
    while True:
        now = time.monotonic()
        if now >= t_measure and not cpu:
            t = os.times()
            cpu.append(t.user + t.system)
        if now >= t_end:
            break
        for key, _ in sel.select(timeout=min(0.05, t_end - now)):
            c = key.data
            try:
                data = c["s"].recv(1 << 18)
            except BlockingIOError:
                continue
            except OSError as exc:
                error("recv failed", str(exc).encode())
                reopen(c)
                continue
            if not data:
                error("closed by the server")
                reopen(c)
                continue
            buf = c["buf"]
            buf += data
            while True:
                he = buf.find(b"\r\n\r\n")
                if he < 0:
                    break
                head = bytes(buf[:he + 2])
                m = CL_RE.search(head)
                if not m or not head.startswith(b"HTTP/1.1 "):
                    error("no content-length", head)
                    reopen(c)
                    break
                total = he + 4 + int(m.group(1))
                if len(buf) < total:
                    break
                body = bytes(buf[he + 4:total])
                del buf[:total]
                answered(c, int(head[9:12]), body)
        now = time.monotonic()
        for c in list(conns):
            if c["t"] and now - c["t"] > REQUEST_TIMEOUT_S:
                error("no answer within 10 s")
                reopen(c)
    t = os.times()
    cpu.append(t.user + t.system)
    for c in conns:
        c["s"].close()
    out.send({"lat": lat.tobytes(), "errors": errors, "examples": examples,
              "cpu": cpu[-1] - cpu[0] if len(cpu) == 2 else 0.0, **stats})
    out.close()


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    return sorted_vals[max(0, math.ceil(p / 100 * len(sorted_vals)) - 1)]  # nearest rank


def server_times(log, start, end):
    """The "us=" of the daemon's API request lines between byte offsets START and END of its log."""
    us, size = [], []
    with open(log, "rb") as fh:
        fh.seek(start)
        chunk = fh.read(max(0, end - start))
    for m in re.finditer(rb'msg="request" method=GET path=/api status=\d+ bytes=(\d+) us=(\d+)', chunk):
        size.append(int(m.group(1)))
        us.append(int(m.group(2)))
    return sorted(us), size


def load_run(args, port, pid, log, who, token, want):
    """One load of CLIENTS connections with WHO's token; the result dict."""
    total, _ = want
    count = min(LIMIT, total)
    nprocs = max(1, min(args.procs, args.clients))
    ctx = multiprocessing.get_context("fork")
    t_start = time.monotonic() + 0.3
    t_measure, t_end = t_start + args.warmup, t_start + args.warmup + args.duration
    workers = []
    for k in range(nprocs):
        nconns = args.clients // nprocs + (k < args.clients % nprocs)
        rx, tx = ctx.Pipe(duplex=False)
        p = ctx.Process(target=load_worker, args=(port, API_PATH, token, nconns, t_measure, t_end, total, count, tx),
                        daemon=True)
        p.start()
        tx.close()
        workers.append((p, rx))
    time.sleep(max(0, t_measure - time.monotonic()))
    d0, th0, m0 = cpu_ticks(f"/proc/{pid}/stat"), thread_ticks(pid), machine_ticks()
    log0 = os.path.getsize(log)
    peak = 0
    while time.monotonic() < t_end - 0.05:
        peak = max(peak, proc_status(pid).get("VmRSS", 0))
        time.sleep(min(0.5, max(0.01, t_end - 0.05 - time.monotonic())))
    d1, th1, m1 = cpu_ticks(f"/proc/{pid}/stat"), thread_ticks(pid), machine_ticks()
    status = proc_status(pid)
    results = []
    for p, rx in workers:
        if rx.poll(REQUEST_TIMEOUT_S + 10):
            results.append(rx.recv())
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
    time.sleep(0.2)
    log1 = os.path.getsize(log)
    wall = args.duration
    lat = sorted(v * 1000 for r in results for v in array.array("d", r["lat"]))
    errors = {}
    for r in results:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    busiest = sorted(((t1 - th0.get(tid, (c, 0))[1], c, tid) for tid, (c, t1) in th1.items()), reverse=True)
    us, sizes = server_times(log, log0, log1)
    ncpu = os.cpu_count() or 1
    res = {
        "who": who, "clients": args.clients, "procs": nprocs, "requests": len(lat), "rps": len(lat) / wall,
        "p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99), "max": lat[-1] if lat else None,
        "errors": sum(errors.values()) + (nprocs - len(results)), "error_kinds": errors,
        "examples": [e for r in results for e in r["examples"]][:3], "lost_workers": nprocs - len(results),
        "daemon_cpu": 100 * (d1 - d0) / HZ / wall,
        "thread_cpu": 100 * busiest[0][0] / HZ / wall if busiest else 0,
        "thread_name": f"{busiest[0][1]}/{busiest[0][2]}" if busiest else "-",
        "client_cpu": 100 * sum(r["cpu"] for r in results) / wall,
        "machine": 100 * (m1[0] - m0[0]) / max(1, m1[1] - m0[1]),
        "rss": status.get("VmRSS", 0) / 1024, "peak_rss": max(peak, status.get("VmRSS", 0)) / 1024,
        "hwm": status.get("VmHWM", 0) / 1024,
        "srv_p50": pct(us, 50) / 1000 if us else None, "srv_p99": pct(us, 99) / 1000 if us else None,
        "bytes": statistics.mean(sizes) if sizes else 0, "total": total,
        "others": max(0.0, ncpu * 100 * (m1[0] - m0[0]) / max(1, m1[1] - m0[1]) - 100 * (d1 - d0) / HZ / wall
                      - 100 * sum(r["cpu"] for r in results) / wall),
        "reconnects": sum(r["reconnects"] for r in results),
    }
    return res


def check_answer(port, token, want, who):
    """One answer read in full: success, count, total, the ids SQL gives, sorted, in range, active."""
    total, ids = want
    status, body = http_get(port, API_PATH, token, timeout=30)
    if status != 200:
        return f"{who}: HTTP {status}: {body[:200]!r}"
    j = json.loads(body)
    d = j.get("data") or {}
    got = [iv.get("id") for iv in d.get("interviews", [])]
    problems = []
    if j.get("success") is not True:
        problems.append("success is not true")
    if d.get("total") != total or d.get("count") != min(LIMIT, total):
        problems.append(f"count/total {d.get('count')}/{d.get('total')}, SQL says {min(LIMIT, total)}/{total}")
    if got != ids:
        problems.append(f"ids {got[:5]}... differ from SQL's {ids[:5]}...")
    for iv in d.get("interviews", []):
        t = datetime.datetime.fromisoformat(iv["scheduled_datetime"].replace("Z", "+00:00")).timestamp()
        if not NOW <= t < NOW + DAYS_AHEAD * DAY or iv.get("status") not in ACTIVE:
            problems.append(f"#{iv.get('id')} at {iv['scheduled_datetime']} {iv.get('status')} is not upcoming")
            break
        if who == "alice" and "alice" not in iv.get("interviewers", []):
            problems.append(f"#{iv.get('id')} does not have alice on its panel")
            break
    return f"{who}: " + ("; ".join(problems) if problems else
                         f"ok ({d.get('count')} shown of {d.get('total')}, {len(body):,} bytes, same ids as SQL)")


def heaviest(port, token, runs=5):
    """The largest upcoming request the API allows (days_ahead=366, limit=500), one at a time."""
    path = "/api/v1/interviews/upcoming?days_ahead=366&limit=500"
    times, status, body = [], 0, b""
    for _ in range(runs):
        t0 = time.monotonic()
        status, body = http_get(port, path, token, timeout=60)
        times.append((time.monotonic() - t0) * 1000)
    total = number_after(body, b'"total":')
    return (f"{path} as rita, one at a time: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms "
            f"(HTTP {status}, {len(body):,} bytes, total {total})")


def api_phase(args, st, tmp):
    port = free_port()
    cfg = write_config(os.path.join(tmp, "api.toml"), st["big"], port=port)
    log = os.path.join(tmp, "api-daemon.log")
    notify = Notify(os.path.join(tmp, "notify-api.sock"))
    proc = None
    try:
        _, proc = start_daemon(args.binary, cfg, tmp, notify, log)
        notify.wait_ready(proc, 120)
        idle = proc_status(proc.pid)
        checks = [check_answer(port, st["tokens"][w], st["expected"][w], w) for w in ("rita", "alice")]
        heavy = heaviest(port, st["tokens"]["rita"])
        results = []
        for clients in args.client_list:
            for who, label in (("rita", "recruiter (rita)"), ("alice", "interviewer (alice)")):
                say(f"API: {label}, {clients} connections, {args.warmup:g} + {args.duration:g} s ...")
                a = argparse.Namespace(**vars(args))
                a.clients = clients
                tries = []
                for _ in range(1 + args.retries):  # again while others took the machine; the calmest kept
                    quiet = wait_quiet(args.wait_quiet) if args.wait_quiet > 0 else None
                    res = load_run(a, port, proc.pid, log, label, st["tokens"][who], st["expected"][who])
                    res["quiet"] = quiet
                    tries.append(res)
                    if res["others"] < CONTENDED or res["errors"] or proc.poll() is not None:
                        break
                    say(f"API: other processes took {res['others']:.0f} % of a core meanwhile; again")
                res = min(tries, key=lambda r: r["others"])
                res["tries"] = len(tries)
                results.append(res)
                if proc.poll() is not None:
                    raise RuntimeError(f"the daemon exited with {proc.returncode} during the load")
        errs = sum(1 for line in open(log, errors="replace") if "level=error" in line or "level=warn" in line)
        if errs:
            NOTES.append(f"- the daemon logged {errs} warn/error lines during the API runs, e.g.: "
                         + next(line.strip() for line in open(log, errors="replace")
                                if "level=error" in line or "level=warn" in line)[:300])
        return {"results": results, "checks": checks, "idle_rss": idle.get("VmRSS", 0) / 1024, "heavy": heavy}
    except Exception as exc:
        say(f"API: {exc}\n--- daemon log tail:\n{tail(log)}")
        return {"error": str(exc)}
    finally:
        if proc:
            stop(proc, grace=15.0, kill_wait=3.0)
        notify.close()


# ------------------------------------------------------------------ start-up

def poll_healthz(port, deadline, out):
    while time.monotonic() < deadline:
        try:
            status, _ = http_get(port, "/healthz", timeout=2)
            if status == 200:
                out.append(time.monotonic())
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.001)


def start_phase(args, st, tmp):
    rows, version = {}, []
    notify = Notify(os.path.join(tmp, "notify-start.sock"))
    try:
        for label, db in ((f"{st['n']:,} interviews", st["big"]), ("empty store", st["empty"])):
            if args.wait_quiet > 0:
                NOTES.append(f"- start-up on the {label}: {wait_quiet(args.wait_quiet)}")
            ready, health, exits = [], [], []
            for k in range(args.starts):
                t0 = time.monotonic()  # interleaved with the daemon's starts, so both see the same machine
                subprocess.run([args.binary, "version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, timeout=30, env=daemon_env())
                version.append((time.monotonic() - t0) * 1000)
                port = free_port()
                cfg = write_config(os.path.join(tmp, f"start-{k}.toml"), db, port=port)
                log = os.path.join(tmp, "start-daemon.log")
                t0, proc = start_daemon(args.binary, cfg, tmp, notify, log)
                got = []
                poller = threading.Thread(target=poll_healthz, args=(port, t0 + 60, got), daemon=True)
                poller.start()
                try:
                    ready.append((notify.wait_ready(proc, 60) - t0) * 1000)
                    poller.join(timeout=60)
                    if got:
                        health.append((got[0] - t0) * 1000)
                finally:
                    exits.append(stop(proc, grace=15.0, kill_wait=3.0) * 1000)
                if proc.returncode not in (0, None):
                    NOTES.append(f"- start-up run {k + 1} on the {label} exited with {proc.returncode} after SIGTERM")
            rows[label] = {"ready": ready, "health": health, "exit": exits}
            say(f"start-up, {label}: READY=1 after {', '.join(f'{v:.0f}' for v in ready)} ms")
        rows["`interviewd version` (exec to exit), for scale"] = {"ready": version, "health": [], "exit": []}
        return rows
    except Exception as exc:
        say(f"start-up: {exc}")
        return {"error": str(exc)}
    finally:
        notify.close()


# ------------------------------------------------------------------ idle memory, all parts

class FakeSlack:
    def __init__(self, tmp):
        self.proc = spawn([sys.executable, FAKE, "--port", "0", "--app-token", APP_TOKEN, "--bot-token", BOT_TOKEN,
                           "--max-seconds", str(HARD_LIMIT_S)], os.environ.copy(), tmp,
                          os.path.join(tmp, "fake-slack.log"), stdout=subprocess.PIPE)
        deadline, buf = time.monotonic() + 20, b""
        while time.monotonic() < deadline and b"\n" not in buf:
            if self.proc.poll() is not None:
                break
            buf += os.read(self.proc.stdout.fileno(), 256)
        m = re.match(rb"READY (\d+)", buf)
        if not m:
            raise RuntimeError(f"the fake Slack did not start: {buf!r} {tail(os.path.join(tmp, 'fake-slack.log'))}")
        self.port = int(m.group(1))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        try:
            while self.proc.stdout.read(65536):
                pass
        except (OSError, ValueError):
            pass

    def url(self):
        return f"http://127.0.0.1:{self.port}/api/"

    def wait_hello(self, timeout):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout + 5)
        try:
            conn.request("GET", f"/_control/wait?kind=ready&count=1&timeout={timeout}")
            resp = conn.getresponse()
            resp.read()
            return resp.status == 200
        finally:
            conn.close()


def rss_phase(args, st, tmp):
    mail, fake, out = None, None, {"rows": []}
    try:
        sys.path.insert(0, MAIL_DIR)
        import servers  # noqa: E402  (tests/mail/servers.py)
        mail = servers.start(["bot", "rita", "alice"], MAIL_PASSWORD)
    except Exception as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        out["mail_error"] = why
        NOTES.append(f"- the mail servers could not start ({why[:200]}): idle memory measured without SMTP and IMAP")
        mail = None
    notify = Notify(os.path.join(tmp, "notify-rss.sock"))
    try:
        fake = FakeSlack(tmp)
        for label, db in ((f"{st['n']:,} interviews", st["big"]), ("empty store", st["empty"])):
            port = free_port()
            cfg = write_config(os.path.join(tmp, "rss.toml"), db, port=port, slack_url=fake.url(), mail=mail,
                               outbox_dir=os.path.join(tmp, "rss-mail"))
            log = os.path.join(tmp, "rss-daemon.log")
            t0, proc = start_daemon(args.binary, cfg, tmp, notify, log, headless=False)
            try:
                ready = notify.wait_ready(proc, 60) - t0
                if not fake.wait_hello(20):
                    raise RuntimeError("no Slack socket said hello within 20 s")
                c0, t_idle = cpu_ticks(f"/proc/{proc.pid}/stat"), time.monotonic()
                time.sleep(args.idle)
                c1 = cpu_ticks(f"/proc/{proc.pid}/stat")
                s = proc_status(proc.pid)
                code, body = http_get(port, "/healthz")
                parts = json.loads(body).get("parts", {})
                if proc.poll() is not None:
                    raise RuntimeError(f"the daemon exited with {proc.returncode}")
                out["rows"].append({
                    "label": label, "rss": s.get("VmRSS", 0) / 1024, "hwm": s.get("VmHWM", 0) / 1024,
                    "threads": s.get("Threads", 0), "cpu_ms": (c1 - c0) * 1000 / HZ,
                    "idle_s": time.monotonic() - t_idle, "ready_ms": ready * 1000, "healthz": code,
                    "parts": ", ".join(f"{k} {v.get('state')}" for k, v in parts.items())})
                say(f"idle, {label}: VmRSS {s.get('VmRSS', 0) / 1024:.1f} MiB, parts: {out['rows'][-1]['parts']}")
            finally:
                stop(proc, grace=15.0, kill_wait=3.0)
            with open(log, errors="replace") as fh:
                bad = [line.strip() for line in fh if "level=error" in line]
            if bad:
                NOTES.append(f"- idle run on the {label}: {len(bad)} error lines in the log, e.g. {bad[0][:300]}")
        return out
    except Exception as exc:
        say(f"idle memory: {exc}")
        out["error"] = str(exc)
        return out
    finally:
        notify.close()
        if fake:
            stop(fake.proc, grace=15.0, kill_wait=3.0)
        if mail:
            mail.stop()


# ------------------------------------------------------------------ the report

def f1(v, fmt="{:.1f}"):
    return "—" if v is None else fmt.format(v)


def report(args, st, api, start, rss):
    out = []
    if api is not None:
        out.append(f"### API: GET {API_PATH} ({st['n']:,} interviews, {args.warmup:g} s warm-up + "
                   f"{args.duration:g} s, closed loop, keep-alive)\n")
        if "error" in api:
            out.append(f"could not be measured: {api['error']}\n")
        else:
            out.append("| token | conns | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | "
                       "server ms p50/p99 | CPU % of a core: daemon (busiest thread) / client / other processes "
                       "| daemon RSS MiB end/peak |")
            out.append("|" + "---|" * 12)
            for r in api["results"]:
                out.append(f"| {r['who']} (total {r['total']:,}){' *' if r['others'] >= CONTENDED else ''} | "
                           f"{r['clients']} | {r['requests']:,} | "
                           f"{r['rps']:,.0f} | {f1(r['p50'], '{:.2f}')} | {f1(r['p90'], '{:.2f}')} | "
                           f"{f1(r['p99'], '{:.2f}')} | {f1(r['max'], '{:.1f}')} | {r['errors']} | "
                           f"{f1(r['srv_p50'], '{:.2f}')} / {f1(r['srv_p99'], '{:.2f}')} | "
                           f"{r['daemon_cpu']:.0f} ({r['thread_cpu']:.0f}) / {r['client_cpu']:.0f} / "
                           f"{r['others']:.0f} | {r['rss']:.1f} / {r['peak_rss']:.1f} |")
            out.append("")
            if any(r["others"] >= CONTENDED for r in api["results"]):
                out.append(f"\\* other processes took {CONTENDED:.0f} % of a core or more during this load\n")
            out.append("- answers read in full before the load: " + "; ".join(api["checks"]))
            out.append(f"- daemon RSS after READY, before the load: {api['idle_rss']:.1f} MiB")
            out.append(f"- the heaviest request: {api['heavy']}")
            for r in api["results"]:
                verdict = ("the daemon's serving thread was busy all the time: the daemon is the limit"
                           if r["thread_cpu"] >= 85 else
                           "the machine was saturated and the daemon's thread was not: the client may be the limit"
                           if r["machine"] >= 90 and r["others"] < CONTENDED else
                           "neither side saturated: latency-bound (one request at a time)"
                           if r["clients"] == 1 and r["others"] < CONTENDED else "neither side saturated")
                if r["others"] >= CONTENDED:
                    verdict += (f"; CONTENDED: other processes took {r['others']:.0f} % of a core meanwhile "
                                f"(best of {r['tries']} tries), so these numbers are low")
                out.append(f"- {r['who']}, {r['clients']} conns: answers of {r['bytes']:,.0f} bytes on average; "
                           f"busiest thread {r['thread_name']}; {verdict}"
                           + (f"; errors {r['error_kinds']}, e.g. {r['examples']}" if r["errors"] else "")
                           + (f"; {r['quiet']}" if r.get("quiet") else "")
                           + (f"; {r['reconnects']} reconnects" if r["reconnects"] else ""))
            out.append("")
    if start is not None:
        out.append(f"### Start-up (`run --headless`, HTTP on, median of {args.starts}, warm page cache)\n")
        if "error" in start:
            out.append(f"could not be measured: {start['error']}\n")
        else:
            out.append("| store | exec → READY=1 ms, median (min-max) | exec → first 200 /healthz ms, median | "
                       "SIGTERM → exit ms, median |")
            out.append("|---|---|---|---|")
            for label, r in start.items():
                rd = r["ready"]
                out.append(f"| {label} | {statistics.median(rd):.1f} ({min(rd):.1f}-{max(rd):.1f}) | "
                           f"{f1(statistics.median(r['health']) if r['health'] else None)} | "
                           f"{f1(statistics.median(r['exit']) if r['exit'] else None, '{:.0f}')} |")
            out.append("")
    if rss is not None:
        parts = "Slack (fake), " + ("SMTP + IMAP (OpenSMTPD, Dovecot)" if "mail_error" not in rss
                                    else "no mail servers") + ", clock, HTTP"
        out.append(f"### Idle memory with every part running ({parts}; {args.idle:g} s after READY=1 and the "
                   f"Slack hello)\n")
        if rss.get("rows"):
            out.append("| store | VmRSS MiB | VmHWM MiB | threads | CPU ms while idle | READY=1 ms | /healthz |")
            out.append("|---|---|---|---|---|---|---|")
            for r in rss["rows"]:
                out.append(f"| {r['label']} | {r['rss']:.1f} | {r['hwm']:.1f} | {r['threads']} | "
                           f"{r['cpu_ms']:.0f} in {r['idle_s']:.1f} s | {r['ready_ms']:.0f} | {r['healthz']}: "
                           f"{r['parts']} |")
            out.append("")
        if rss.get("error"):
            out.append(f"could not be measured in full: {rss['error']}\n")
    return "\n".join(out)


def failed(api, start, rss):
    bad = api is not None and ("error" in api or any(r["errors"] for r in api["results"])
                                or any(not c.endswith(")") or ": ok" not in c for c in api["checks"]))
    bad |= start is not None and "error" in start
    bad |= rss is not None and ("error" in rss or any(r["healthz"] != 200 for r in rss.get("rows", [])))
    return bad


# ------------------------------------------------------------------ main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "interviewd"))
    ap.add_argument("--interviews", type=int, default=1000000, help="interviews in the store (default 1000000)")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds measured per API load (default 10)")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds of load before measuring (default 2)")
    ap.add_argument("--clients", default="1,8",
                    help="keep-alive connections; a list runs each in turn (default 1,8: latency alone, then loaded)")
    ap.add_argument("--procs", type=int, default=2, help="client processes the connections are spread over")
    ap.add_argument("--starts", type=int, default=5, help="start-up runs per store (default 5)")
    ap.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading the memory (default 5)")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="S",
                    help="before each load and start-up series, wait up to S seconds for the machine to be idle")
    ap.add_argument("--retries", type=int, default=2,
                    help=f"runs of a load again (at most this often) when other processes took {CONTENDED:.0f} %% of a "
                         "core or more meanwhile; the calmest run is reported (default 2)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached store")
    ap.add_argument("--skip-api", action="store_true")
    ap.add_argument("--skip-start", action="store_true")
    ap.add_argument("--skip-rss", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (stores, configs, logs)")
    args = ap.parse_args(argv)
    try:
        args.client_list = [int(c) for c in args.clients.split(",")]
    except ValueError:
        ap.error("--clients: a number or a list of numbers such as 1,8")
    if (args.interviews < 100 or args.duration <= 0 or args.warmup < 0 or args.procs < 1 or args.starts < 1
            or args.idle < 0 or args.retries < 0 or min(args.client_list) < 1 or max(args.client_list) > 256):
        ap.error("--interviews >= 100; --duration, --procs, --starts, --clients (<= 256) positive")
    if args.duration + args.warmup > 120:
        ap.error("--duration + --warmup: at most 120 s")
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        ap.error(f"{args.binary} is not an executable: build it first (make)")
    return args


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_signal)
    signal.alarm(HARD_LIMIT_S)
    print("```\n" + " ".join(shlex.quote(a) for a in [sys.executable, os.path.relpath(__file__, ROOT)] + argv)
          + "\n```\n", flush=True)
    t0 = time.monotonic()
    load0 = os.getloadavg()
    tmp = tempfile.mkdtemp(prefix="bench-ops-")
    api = start = rss = None
    try:
        st = prepare_store(args, tmp)
        if not args.skip_api:
            api = api_phase(args, st, tmp)
        if not args.skip_start:
            start = start_phase(args, st, tmp)
        if not args.skip_rss:
            rss = rss_phase(args, st, tmp)
    finally:
        stop_all(grace=2.0)
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(report(args, st, api, start, rss))
    try:
        machine = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        machine = "?"
    NOTES.append(f"- machine: {os.cpu_count()} cores ({machine}), SQLite {sqlite3.sqlite_version} (Python's; the "
                 f"daemon links the system's); whole run {time.monotonic() - t0:.0f} s; load average "
                 f"{load0[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print("\n".join(NOTES))
    return 1 if failed(api, start, rss) else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt as exc:
        stop_all(grace=2.0)
        say(f"interrupted ({exc})")
        sys.exit(130)
