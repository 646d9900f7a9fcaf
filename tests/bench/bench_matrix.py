#!/usr/bin/python3
"""Matrix front end under load: interviewd against a reference matrix-bot-sdk bot.

usage: python3 tests/bench/bench_matrix.py [--rate 100] [--seconds 60]
           [--target both|interviewd|sdk] [--binary build/interviewd] [--threads 8]
           [--fake tests/matrix/fake_matrix.py] [--keep]

For each target, against a fresh fake homeserver (tests/matrix/fake_matrix.py, rate
limiting off) with users @rita (recruiter), @ivan and @iris (interviewers) and one room
where rita, ivan and the bot (@interviewd:hs.test, the fake's bot token) are joined:
- it starts the target and waits until it is syncing (the fake holds a /sync of it on
  two polls in a row), then 5 s idle, and reads the idle RSS (VmRSS of the target's main
  process);
- a warm-up `!interview stats` must get its reply (retried for at most 30 s), then 20
  schedules in the coming hours give show, candidate and the lists something to find;
  none of these is counted;
- then rita sends RATE `!interview ...` messages a second for SECONDS through the fake's
  POST /_fake/send, from a few threads (about 40 % schedule of unique candidates at
  distinct future times, 30 % list today/week, 15 % show #N of existing ids, 10 % stats,
  5 % candidate lookups: the mix of bench_slack.py);
- the latency of a command is the fake's time of storing the bot's answer (received_t of
  an m.notice from the bot whose m.relates_to.m.in_reply_to.event_id is the command)
  minus the fake's time of storing the command ("t" of /_fake/send): both on the fake's
  clock, so the benchmark's own polling adds nothing;
- the peak VmRSS is sampled every 0.5 s during the load;
- it waits at most 10 s for stragglers, and prints a Markdown table of both targets with
  the ratios interviewd/sdk: commands sent and answered, commands/s answered, latency
  p50/p99/max, idle and peak RSS, the /sync requests and sends of the target during the
  load (from the fake's request log), and the fake's own round trip on a kept-alive
  connection (measured before the target starts; every /sync answer pays it, so a note
  says when it is large enough to dominate the latencies).

The sdk target is tests/bench/matrix_sdk/app.js (matrix-bot-sdk, pinned in its
package.json, installed with `npm ci --ignore-scripts` when its node_modules is missing);
it keeps interviews in memory. The interviewd target runs `BINARY -c CONFIG run` with a
[matrix] section (homeserver, user_id, access_token_env = INTERVIEWD_MATRIX_TOKEN,
device_id, send_interval_ms = 0: no pacing per room, as the sdk bot has none and as a
homeserver with the bot's rate limit lifted allows) and TZ=UTC, on the real clock like bench_slack.py (INTERVIEWD_NOW unset): the
load schedules are in 2031, the seeds in the coming hours.

Exit status: 0 when every command was answered; 1 otherwise (or when a target could not
be started or measured); 2 on bad arguments; 130 on Ctrl-C or SIGTERM. Every wait has a
hard timeout; the children (fake, daemon, node) are killed on exit, Ctrl-C and SIGTERM,
and die with this process even if it is killed (PR_SET_PDEATHSIG).
"""
import argparse
import ctypes
import datetime
import http.client
import json
import math
import os
import random
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from children import CHILDREN, on_signal, stop, stop_all  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SDK_DIR = os.path.join(ROOT, "tests", "bench", "matrix_sdk")
FAKE = os.path.join(ROOT, "tests", "matrix", "fake_matrix.py")
BOT, BOT_TOKEN, DEVICE = "@interviewd:hs.test", "syt_test", "INTERVIEWD"
RITA, IVAN, IRIS = "@rita:hs.test", "@ivan:hs.test", "@iris:hs.test"
PREFIX = "!interview "
TZ = "UTC"
IDLE_SECONDS, STRAGGLER_SECONDS, SAMPLE_SECONDS = 5.0, 10.0, 0.5
START_SECONDS, WARMUP_SECONDS, SEED_WAIT_SECONDS = 30.0, 30.0, 15.0
SEED_SCHEDULES = 20
SLOW_FAKE_MS = 10.0
MIX = ["schedule"] * 8 + ["list today"] * 3 + ["list week"] * 3 + ["show"] * 3 + ["stats"] * 2 + ["candidate"]



# ------------------------------------------------------------------ children and signals

try:
    PRCTL = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the forked child
except (OSError, AttributeError):
    PRCTL = None


def die_with_parent():
    """In the child: SIGKILL when the benchmark dies, even by SIGKILL (Linux PR_SET_PDEATHSIG)."""
    if PRCTL:
        PRCTL(1, signal.SIGKILL)


def spawn(argv, env=None, cwd=None, log_path=None):
    """Starts a child in its own process group, remembered so it is killed on exit."""
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=out, start_new_session=True, preexec_fn=die_with_parent)
    finally:
        if log_path:
            out.close()
    CHILDREN.append(proc)
    return proc


def read_line(proc, timeout, want):
    """The first stdout line of `proc` that starts with `want`, within `timeout` seconds."""
    deadline, buf = time.monotonic() + timeout, b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
        for line in buf.decode(errors="replace").splitlines():
            if line.startswith(want):
                return line
    raise RuntimeError(f"{proc.args[0]}: no '{want}' line within {timeout:.0f} s (exit {proc.poll()}): {buf[-300:]!r}")


def drain(proc):
    """Reads a child's stdout until it closes, so it never blocks on a full pipe."""
    def run():
        try:
            while proc.stdout.read(65536):
                pass
        except (OSError, ValueError):
            pass
    threading.Thread(target=run, daemon=True).start()


# ------------------------------------------------------------------ the fake homeserver

class Fake:
    """The fake homeserver process and its control API (one HTTP connection per thread)."""

    def __init__(self, tmp, script, max_seconds):
        self.proc = spawn([sys.executable, script, "--port", "0", "--bot-user", BOT, "--bot-token", BOT_TOKEN,
                           "--max-seconds", str(int(max_seconds))],
                          log_path=os.path.join(tmp, "fake.log"))
        self.port = int(read_line(self.proc, 15, "READY").split()[1])
        drain(self.proc)
        self.local = threading.local()
        self.room_id = None

    def request(self, method, path, body=None, timeout=10.0, ok=(200,)):
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
            try:
                data = json.dumps(body).encode() if body is not None else None
                conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                if resp.status not in ok:
                    raise RuntimeError(f"fake {path.split('?')[0]}: HTTP {resp.status}: {raw[:200]!r}")
                return json.loads(raw)
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise

    def setup(self):
        """Rate limiting off, the three people, the room with rita, ivan and the bot joined."""
        self.request("POST", "/_fake/ratelimit", {"off": True})
        self.request("POST", "/_fake/users", {RITA: {"displayname": "Rita Recruiter"},
                                              IVAN: {"displayname": "Ivan Interviewer"},
                                              IRIS: {"displayname": "Iris Interviewer"}})
        self.room_id = self.request("POST", "/_fake/room", {"creator": RITA, "members": [IVAN, BOT],
                                                           "name": "Hiring"})["room_id"]

    def send(self, text):
        """Posts `!interview text` as rita: {"event_id", "t" (the fake's monotonic), "pos", ...}."""
        return self.request("POST", "/_fake/send", {"room_id": self.room_id, "sender": RITA,
                                                    "content": {"msgtype": "m.text", "body": PREFIX + text}})

    def bot_events(self, since):
        q = urllib.parse.urlencode({"room_id": self.room_id, "since": since, "sender": BOT, "type": "m.room.message"})
        return self.request("GET", f"/_fake/events?{q}", timeout=30.0)

    def state(self):
        return self.request("GET", "/_fake/state")

    def log_next(self):
        """The request log's current number (nothing matches the empty-path regex '^$')."""
        return self.request("GET", "/_fake/log?since=999999999999&path=%5E%24")["next"]

    def log_count(self, since, path, method=None):
        q = {"since": since, "path": path}
        if method:
            q["method"] = method
        return len(self.request("GET", "/_fake/log?" + urllib.parse.urlencode(q), timeout=30.0)["entries"])

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def round_trip_ms(self, count=10):
        """Median ms of GET /_matrix/client/versions on one keep-alive connection: what the fake
        itself adds to every request and /sync answer of a target."""
        conn, out = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10), []
        try:
            for _ in range(count):
                t = time.monotonic()
                conn.request("GET", "/_matrix/client/versions")
                conn.getresponse().read()
                out.append((time.monotonic() - t) * 1000)
        finally:
            conn.close()
        return pct(out, 50)


# ------------------------------------------------------------------ the targets

def sdk_ready():
    if not shutil.which("node"):
        raise RuntimeError("node is not installed")
    if not os.path.isdir(os.path.join(SDK_DIR, "node_modules", "matrix-bot-sdk")):
        print("bench_matrix: npm ci --ignore-scripts --prefix tests/bench/matrix_sdk", file=sys.stderr)
        subprocess.run(["npm", "ci", "--prefix", SDK_DIR, "--no-audit", "--no-fund", "--ignore-scripts"],
                       check=True, timeout=300, stdout=sys.stderr, stdin=subprocess.DEVNULL)


def base_env():
    env = dict(os.environ, TZ=TZ)
    env.pop("INTERVIEWD_NOW", None)
    return env


def write_config(tmp, fake):
    path = os.path.join(tmp, "config.toml")
    with open(path, "w") as fh:
        fh.write(f"""[store]
path = "{tmp}/bench.db"
[general]
timezone = "{TZ}"
[mail]
outbox_dir = "{tmp}/mail"
[matrix]
homeserver = "{fake.url()}/"
user_id = "{BOT}"
access_token_env = "INTERVIEWD_MATRIX_TOKEN"
device_id = "{DEVICE}"
send_interval_ms = 0
[people.rita]
name = "Rita Recruiter"
email = "rita@example.com"
role = "recruiter"
matrix_id = "{RITA}"
[people.ivan]
name = "Ivan Interviewer"
email = "ivan@example.com"
matrix_id = "{IVAN}"
[people.iris]
name = "Iris Interviewer"
email = "iris@example.com"
matrix_id = "{IRIS}"
""")
    return path


def start_target(name, args, fake, tmp):
    log = os.path.join(tmp, f"{name}.log")
    if name == "sdk":
        env = dict(base_env(), MATRIX_HOMESERVER=fake.url(), MATRIX_TOKEN=BOT_TOKEN, MATRIX_USER=BOT,
                   MATRIX_STORAGE=os.path.join(tmp, "sdk-storage.json"), SDK_TZ=TZ)
        proc = spawn(["node", os.path.join(SDK_DIR, "app.js")], env=env, cwd=SDK_DIR, log_path=log)
    else:
        binary = os.path.abspath(args.binary)
        env = dict(base_env(), INTERVIEWD_MATRIX_TOKEN=BOT_TOKEN)
        proc = spawn([binary, "-c", write_config(tmp, fake), "run"], env=env, cwd=tmp, log_path=log)
    drain(proc)
    return proc


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# ------------------------------------------------------------------ commands and their answers

class Record:
    """One command: what was sent, when the fake stored it, and when the bot's reply came."""
    __slots__ = ("i", "kind", "text", "marker", "seed", "event_id", "sent_t", "reply_t", "reply_ms",
                 "reply_text", "new_id", "lag", "done")

    def __init__(self, i, kind, text, marker, seed):
        self.i, self.kind, self.text, self.marker, self.seed = i, kind, text, marker, seed
        self.event_id = self.sent_t = self.reply_t = self.reply_ms = self.reply_text = self.new_id = None
        self.lag = self.done = 0.0


def email_of(marker):
    return f"cand-{marker}@bench.example"


def reply_text(content):
    """The body of a reply without the rich-reply fallback (the leading '> ' lines)."""
    lines = str(content.get("body", "")).split("\n")
    k = 0
    while k < len(lines) and lines[k].startswith(">"):
        k += 1
    if k and k < len(lines) and lines[k] == "":
        k += 1
    return "\n".join(lines[k:])


class Tracker:
    """Matches the bot's replies to the commands sent, by the event id they reply to; knows
    the interview ids and candidate emails made so far."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records, self.by_event, self.early = [], {}, {}
        self.unmatched, self.duplicates, self.not_notice = 0, 0, 0
        self.ids, self.emails = [], []

    def add(self, rec):
        with self.lock:
            self.records.append(rec)

    def sent(self, rec, answer):
        with self.lock:
            rec.event_id, rec.sent_t = answer["event_id"], float(answer["t"])
            self.by_event[rec.event_id] = rec
            ev = self.early.pop(rec.event_id, None)
            if ev is not None:
                self._reply(rec, ev)

    def event(self, ev):
        """One m.room.message of the bot."""
        content = ev.get("content") or {}
        target = ((content.get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id")
        with self.lock:
            if not target:
                self.unmatched += 1
                return
            if content.get("msgtype") != "m.notice":
                self.not_notice += 1
            rec = self.by_event.get(target)
            if rec is None:  # before the fake's answer reached the sender thread
                if target in self.early:
                    self.duplicates += 1
                else:
                    self.early[target] = ev
                return
            self._reply(rec, ev)

    def _reply(self, rec, ev):
        if rec.reply_t is not None:
            self.duplicates += 1
            return
        rec.reply_t = float(ev["received_t"])
        rec.reply_ms = (rec.reply_t - rec.sent_t) * 1000
        rec.reply_text = reply_text(ev.get("content") or {})
        text = rec.reply_text
        if rec.kind == "schedule" and not re.search(r"(?i)error|conflict|refus", text):
            m = re.search(r"#(\d+)", text)  # the new id; an error's #N would be another interview's
            if m:
                rec.new_id = int(m.group(1))
                self.ids.append(rec.new_id)
                self.emails.append(email_of(rec.marker))

    def pick_id(self, rng):
        with self.lock:
            return rng.choice(self.ids) if self.ids else 1

    def pick_email(self, rng):
        with self.lock:
            return rng.choice(self.emails) if self.emails else "nobody@bench.example"

    def pending(self, seed):
        """(unanswered, total) of the records whose seed is `seed` ("warmup", True or False)."""
        with self.lock:
            recs = [r for r in self.records if r.seed == seed]
            return sum(1 for r in recs if r.reply_t is None), len(recs)

    def answered(self, seed):
        with self.lock:
            return sum(1 for r in self.records if r.seed == seed and r.reply_t is not None)


class Collector(threading.Thread):
    """Polls the fake for the bot's messages in the room and feeds the tracker."""

    def __init__(self, fake, tracker):
        super().__init__(daemon=True)
        self.fake, self.tracker, self.pos = fake, tracker, 0
        self.halt, self.error = threading.Event(), None
        self.lock = threading.Lock()

    def run(self):
        while not self.halt.is_set():
            try:
                self.poll()
            except Exception as exc:  # reported at the end; the run goes on
                self.error = exc
            self.halt.wait(0.2)

    def poll(self):
        with self.lock:
            out = self.fake.bot_events(self.pos)
            for ev in out.get("events", []):
                self.pos = max(self.pos, int(ev.get("pos", self.pos)))
                self.tracker.event(ev)
            self.pos = max(self.pos, int(out.get("next", self.pos)))


# ------------------------------------------------------------------ the load

class Mix:
    """The command texts: the kind of slot i, unique candidates at distinct future times."""

    def __init__(self, tracker, tag):
        self.tracker, self.tag = tracker, tag
        self.rng, self.lock = random.Random(20310310), threading.Lock()
        self.slot = 0
        self.base = datetime.date(2031, 1, 6)

    def make(self, i, seed=False, when=None):
        kind = "schedule" if seed else self.block_kind(i)
        if kind == "schedule":
            return self.schedule(i, seed, when)
        if kind == "show":
            return Record(i, kind, f"show #{self.tracker.pick_id(self.rng)}", None, seed)
        if kind == "candidate":
            return Record(i, kind, f"candidate {self.tracker.pick_email(self.rng)}", None, seed)
        return Record(i, kind, kind, None, seed)

    @staticmethod
    def block_kind(i):
        """Slot i's kind: MIX shuffled afresh (but reproducibly) for every block of 20."""
        block = MIX[:]
        random.Random(i // len(MIX)).shuffle(block)
        return block[i % len(MIX)]

    def schedule(self, i, seed, when):
        """Every load schedule at its own hour (9 a day from 09:00, 60 min): no conflicts."""
        marker = f"{self.tag}-{'s' if seed else ''}{i}"
        if when is None:
            with self.lock:
                slot, self.slot = self.slot, self.slot + 1
            day = self.base + datetime.timedelta(days=slot // 9)
            when = f"{day.isoformat()} {9 + slot % 9:02d}:00"
        text = (f'schedule candidate:"Cand {marker} <{email_of(marker)}>" when:"{when}" '
                f'job:"Backend" with:ivan')
        return Record(i, "schedule", text, marker, seed)


def seed_times(count):
    """Whole hours from now + 2 h, 08:00-19:00 local, so today's and this week's lists have rows."""
    zone = zoneinfo.ZoneInfo(TZ)
    t = datetime.datetime.now(zone).replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=2)
    out = []
    while len(out) < count:
        if 8 <= t.hour < 20:
            out.append(t.strftime("%Y-%m-%d %H:%M"))
        t += datetime.timedelta(hours=1)
    return out


def send(fake, tracker, rec, due=None):
    rec.lag = time.monotonic() - due if due else 0.0
    tracker.add(rec)
    try:
        tracker.sent(rec, fake.send(rec.text))
    except Exception as exc:
        print(f"bench_matrix: sending #{rec.i} failed: {exc}", file=sys.stderr)
    rec.done = time.monotonic()


def sender(fake, tracker, mix, t0, rate, total, lane, lanes, halt):
    """Sends slots lane, lane+lanes, ... each at t0 + i/rate (late ones at once, none skipped)."""
    for i in range(lane, total, lanes):
        due = t0 + i / rate
        delay = due - time.monotonic()
        if delay > 0 and halt.wait(delay):
            return
        if halt.is_set():
            return
        send(fake, tracker, mix.make(i), due)


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.halt = pid, 0, threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            self.halt.wait(SAMPLE_SECONDS)


def drive(fake, tracker, mix, args):
    total = int(args.rate * args.seconds)
    halt, t0 = threading.Event(), time.monotonic() + 0.2
    threads = [threading.Thread(target=sender, args=(fake, tracker, mix, t0, args.rate, total, k, args.threads, halt),
                                daemon=True) for k in range(args.threads)]
    for th in threads:
        th.start()
    try:
        for th in threads:
            th.join(timeout=max(0.1, t0 + args.seconds + 30 - time.monotonic()))
    finally:
        halt.set()
    for th in threads:  # a sender still inside a request: at most its 10 s timeout (x2) more
        th.join(timeout=max(0.1, t0 + args.seconds + 60 - time.monotonic()))
    return t0


def wait_answers(tracker, seed, timeout, proc):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if tracker.pending(seed)[0] == 0:
            return True
        time.sleep(0.1)
    return tracker.pending(seed)[0] == 0


# ------------------------------------------------------------------ one target

def run_target(name, args):
    """Starts a fresh fake and the target, measures, and returns the summary dict."""
    tmp = tempfile.mkdtemp(prefix=f"bench-matrix-{name}-")
    if args.keep:
        print(f"bench_matrix: {name}: logs and store kept in {tmp}", file=sys.stderr)
    fake = proc = None
    try:
        fake = Fake(tmp, args.fake, args.seconds + 300)
        fake.setup()
        rtt = fake.round_trip_ms()
        proc = start_target(name, args, fake, tmp)
        res = measure(name, args, fake, proc)
        res["fake_rtt"] = rtt
        return res
    except Exception as exc:
        print(f"bench_matrix: {name}: {exc}", file=sys.stderr)
        print(f"--- {name} log tail:\n{tail(os.path.join(tmp, name + '.log'))}", file=sys.stderr)
        return {"target": name, "error": str(exc)}
    finally:
        if proc:
            stop(proc)
        if fake:
            stop(fake.proc)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def wait_syncing(name, fake, proc, timeout=START_SECONDS):
    """Until the fake holds a /sync (two polls in a row), giving up at once if the target exits."""
    deadline, seen = time.monotonic() + timeout, 0
    while True:
        check_alive(name, proc)
        seen = seen + 1 if fake.state().get("syncs_in_flight", 0) > 0 else 0
        if seen >= 2:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no /sync held for it within {timeout:.0f} s")
        time.sleep(0.3)


def warm_up(name, fake, tracker, collector, proc):
    """`!interview stats` until one is answered (each try waits 5 s), at most WARMUP_SECONDS."""
    deadline, k = time.monotonic() + WARMUP_SECONDS, 0
    while time.monotonic() < deadline:
        check_alive(name, proc)
        send(fake, tracker, Record(k, "stats", "stats", None, "warmup"))
        k += 1
        until = min(deadline, time.monotonic() + 5.0)
        while time.monotonic() < until:
            collector.poll()
            if tracker.answered("warmup"):
                return
            time.sleep(0.1)
    raise RuntimeError(f"no reply to {k} warm-up command(s) within {WARMUP_SECONDS:.0f} s")


def measure(name, args, fake, proc):
    wait_syncing(name, fake, proc)
    time.sleep(IDLE_SECONDS)
    check_alive(name, proc)
    idle = rss_kib(proc.pid)
    tracker = Tracker()
    collector = Collector(fake, tracker)
    warm_up(name, fake, tracker, collector, proc)
    collector.start()
    tag = f"{name[0]}{os.getpid()}"
    mix = Mix(tracker, tag)
    seed(fake, tracker, mix, proc)
    log0 = fake.log_next()
    sampler = Sampler(proc.pid)
    sampler.start()
    t0 = drive(fake, tracker, mix, args)
    wait_answers(tracker, False, STRAGGLER_SECONDS, proc)
    sampler.halt.set()
    collector.halt.set()
    collector.join(timeout=35)
    collector.poll()  # the last replies, on this thread
    check_alive(name, proc)
    res = summarize(name, tracker, collector, idle, sampler.peak, t0)
    res["syncs"] = fake.log_count(log0, r"/sync$", "GET")
    res["puts"] = fake.log_count(log0, r"/send/", "PUT")
    return res


def seed(fake, tracker, mix, proc):
    """A few schedules in the coming hours, so show/candidate/list have something to find."""
    for i, when in enumerate(seed_times(SEED_SCHEDULES)):
        send(fake, tracker, mix.make(i, seed=True, when=when))
    if not wait_answers(tracker, True, SEED_WAIT_SECONDS, proc):
        print(f"bench_matrix: {tracker.pending(True)[0]} of {SEED_SCHEDULES} seed schedules unanswered",
              file=sys.stderr)


def check_alive(name, proc):
    if proc.poll() is not None:
        raise RuntimeError(f"{name} exited with {proc.returncode}")


def tail(path, n=15):
    try:
        with open(path, errors="replace") as fh:
            return "".join(fh.readlines()[-n:])
    except OSError:
        return ""


# ------------------------------------------------------------------ the report

def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]  # nearest rank


def summarize(name, tracker, collector, idle_kib, peak_kib, t0):
    with tracker.lock:
        recs = [r for r in tracker.records if r.seed is False]
        dup, unmatched, not_notice = tracker.duplicates, tracker.unmatched, tracker.not_notice
    elapsed = max((r.done for r in recs), default=t0) - t0
    sent = [r for r in recs if r.event_id]
    answered = [r for r in sent if r.reply_t is not None]
    lat = [r.reply_ms for r in answered]
    span = (max(r.reply_t for r in answered) - min(r.sent_t for r in sent)) if answered else 0
    schedules = [r for r in sent if r.kind == "schedule"]
    return {
        "target": name,
        "sent": len(sent), "unsent": len(recs) - len(sent), "rate": len(recs) / elapsed if elapsed > 0 else 0,
        "lag_p99": pct([r.lag * 1000 for r in recs], 99),
        "answered": len(answered), "unanswered": len(sent) - len(answered),
        "answered_rate": len(answered) / span if span > 0 else 0,
        "lat_p50": pct(lat, 50), "lat_p99": pct(lat, 99), "lat_max": max(lat, default=None),
        "idle_mib": idle_kib / 1024, "peak_mib": peak_kib / 1024,
        "schedules": len(schedules), "booked": sum(1 for r in schedules if r.new_id is not None),
        "duplicates": dup, "unmatched": unmatched, "not_notice": not_notice,
        "log_error": str(collector.error) if collector.error else None,
    }


ROWS = [
    ("commands sent", "sent", "{:d}"), ("send rate achieved /s", "rate", "{:.1f}"),
    ("send lag p99 ms (behind schedule)", "lag_p99", "{:.1f}"), ("answered", "answered", "{:d}"),
    ("unanswered (after a 10 s wait)", "unanswered", "{:d}"), ("commands/s answered", "answered_rate", "{:.1f}"),
    ("latency p50 ms", "lat_p50", "{:.1f}"), ("latency p99 ms", "lat_p99", "{:.1f}"),
    ("latency max ms", "lat_max", "{:.1f}"), ("idle RSS MiB", "idle_mib", "{:.1f}"),
    ("loaded peak RSS MiB", "peak_mib", "{:.1f}"),
    ("schedules / booked (#id in reply)", ("schedules", "booked"), "{} / {}"),
    ("/sync requests during the load", "syncs", "{:d}"), ("sends (PUT) during the load", "puts", "{:d}"),
    ("fake's keep-alive round trip ms (before the start)", "fake_rtt", "{:.2f}"),
]
RATIO_KEYS = {"answered_rate", "lat_p50", "lat_p99", "lat_max", "idle_mib", "peak_mib", "syncs", "puts"}


def cell(res, key, fmt):
    if res is None or "error" in res:
        return "—"
    if isinstance(key, tuple):
        return fmt.format(*(res[k] for k in key))
    return "—" if res.get(key) is None else fmt.format(res[key])


def ratio(results, key):
    a, b = results.get("interviewd"), results.get("sdk")
    if key not in RATIO_KEYS or not a or not b or "error" in a or "error" in b:
        return ""
    x, y = a.get(key), b.get(key)
    return f"{x / y:.2f}" if x is not None and y else ""


def table(results, names):
    head = ["metric"] + names + (["interviewd/sdk"] if len(names) == 2 else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, key, fmt in ROWS:
        row = [label] + [cell(results.get(n), key, fmt) for n in names]
        if len(names) == 2:
            row.append(ratio(results, key))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def notes(results):
    out = []
    for name, res in results.items():
        if "error" in res:
            out.append(f"- {name}: could not be measured: {res['error']}")
            continue
        extra = [f"{res['unsent']} commands not stored by the fake" if res["unsent"] else "",
                 f"{res['duplicates']} duplicate replies" if res["duplicates"] else "",
                 f"{res['not_notice']} replies not m.notice" if res["not_notice"] else "",
                 f"{res['unmatched']} bot messages replying to nothing" if res["unmatched"] else "",
                 f"log polling error: {res['log_error']}" if res["log_error"] else ""]
        if res["fake_rtt"] > SLOW_FAKE_MS:
            extra.append(f"the fake took {res['fake_rtt']:.0f} ms to answer a trivial request on a kept-alive "
                         "connection, and every /sync answer and send pays that too: latencies are mostly the "
                         "fake's (a server without TCP_NODELAY that writes headers and body apart meets the "
                         "client's delayed ACK)")
        extra = [e for e in extra if e]
        out.append(f"- {name}: " + ("; ".join(extra) if extra else "every reply an m.notice to its command, none twice"))
    return "\n".join(out)


def failed(res):
    return bool("error" in res or res["unsent"] or res["unanswered"] or res["sent"] == 0)


# ------------------------------------------------------------------ main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=100.0, help="commands a second (default 100)")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the load (default 60)")
    ap.add_argument("--target", choices=("both", "interviewd", "sdk"), default="both")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "interviewd"))
    ap.add_argument("--threads", type=int, default=8, help="sender threads (default 8)")
    ap.add_argument("--keep", action="store_true", help="keep each target's folder (logs, store)")
    ap.add_argument("--fake", default=FAKE, help="the fake homeserver script (default tests/matrix/fake_matrix.py)")
    args = ap.parse_args(argv)
    if not (args.rate > 0 and args.seconds > 0 and args.threads >= 1):
        ap.error("--rate, --seconds and --threads must be positive")
    if args.rate * args.seconds < 1:
        ap.error("--rate x --seconds must make at least one command")
    return args


def main(argv):
    args = parse_args(argv)
    names = ["interviewd", "sdk"] if args.target == "both" else [args.target]
    signal.signal(signal.SIGTERM, on_signal)
    if not os.path.exists(args.fake):
        print(f"bench_matrix: {args.fake} is missing", file=sys.stderr)
        return 1
    results = {}
    try:
        for name in names:
            print(f"bench_matrix: {name}: {args.rate:g}/s for {args.seconds:g} s ...", file=sys.stderr)
            if name == "sdk":
                try:
                    sdk_ready()
                except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
                    print(f"bench_matrix: sdk: {exc}", file=sys.stderr)
                    results[name] = {"target": name, "error": f"matrix_sdk not installed: {exc}"}
                    continue
            results[name] = run_target(name, args)
    finally:
        stop_all()
    print("```\n" + " ".join(shlex.quote(a) for a in [sys.executable, os.path.relpath(__file__, ROOT)] + argv) + "\n```\n")
    print(table(results, names))
    print("\n" + notes(results))
    return 1 if any(failed(r) for r in results.values()) else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        stop_all()
        print("bench_matrix: interrupted", file=sys.stderr)
        sys.exit(130)
