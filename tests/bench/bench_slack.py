#!/usr/bin/python3
"""Slack front end under load: interviewd against a reference Bolt for JavaScript app.

usage: python3 tests/bench/bench_slack.py [--rate 200] [--seconds 60]
           [--target both|interviewd|bolt] [--binary build/interviewd] [--threads 16]
           [--fake tests/slack/fake_slack.py] [--keep]

For each target, against a fresh fake Slack (tests/slack/fake_slack.py), it measures:
- idle RSS (VmRSS of the target's main process) after the sockets said hello and 5 s idle;
- under a steady RATE of `/interview` slash commands a second for SECONDS (about 40 %
  schedule of unique candidates at distinct future times, 30 % list today/week, 15 %
  show #N of existing ids, 10 % stats, 5 % candidate lookups), sent by a few threads:
  - the ack latency of every command, as the fake recorded it (ack time - envelope sent);
  - the reply latency: the ack time when the ack carried a message (text or blocks), else
    the time of the response_url post, or of the chat.postEphemeral / chat.postMessage
    that answers it;
  - the peak VmRSS, sampled every 0.5 s;
  - how many schedules came back with an id, and how many of their cards were posted
    (interviewd paces chat.postMessage to about 1 a second per channel, as Slack asks);
  then waits at most 10 s for stragglers, and prints a Markdown table of both targets with
  the ratios interviewd/bolt. The Bolt app (tests/bench/bolt/app.js) keeps everything in
  memory. Before the load, 20 schedules in the coming hours give show, candidate and the
  lists something to find; they are not counted.

Exit status: 0 when every command was acked within 3 s and answered; 1 otherwise (or when
a target could not be started); 2 on bad arguments; 130 on Ctrl-C or SIGTERM. Every wait
has a hard timeout; the children (fake, daemon, node) are killed on exit, Ctrl-C and
SIGTERM, and die with this process even if it is killed (PR_SET_PDEATHSIG).
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
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from children import CHILDREN, on_signal, stop, stop_all  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BOLT_DIR = os.path.join(ROOT, "tests", "bench", "bolt")
FAKE = os.path.join(ROOT, "tests", "slack", "fake_slack.py")
APP_TOKEN, BOT_TOKEN = "xapp-test", "xoxb-test"
USER, CHANNEL = "U0REC00001", "C0HIRING01"
TZ = "Europe/London"
IDLE_SECONDS, STRAGGLER_SECONDS, SAMPLE_SECONDS = 5.0, 10.0, 0.5
ACK_LIMIT_MS = 3000.0
SEED_SCHEDULES = 20
MIX = ["schedule"] * 8 + ["list today"] * 3 + ["list week"] * 3 + ["show"] * 3 + ["stats"] * 2 + ["candidate"]
REPLY_METHODS = ("chat.postEphemeral", "chat.postMessage")



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
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=out, start_new_session=True, preexec_fn=die_with_parent)
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


# ------------------------------------------------------------------ the fake Slack

class Fake:
    """The fake Slack process and its control API (one HTTP connection per thread)."""

    def __init__(self, tmp, script, max_seconds):
        self.proc = spawn([sys.executable, script, "--port", "0", "--app-token", APP_TOKEN, "--bot-token", BOT_TOKEN,
                           "--max-seconds", str(int(max_seconds))],
                          log_path=os.path.join(tmp, "fake.log"))
        self.port = int(read_line(self.proc, 15, "READY").split()[1])
        drain(self.proc)
        self.local = threading.local()

    def request(self, method, path, body=None, timeout=10.0):
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            conn.timeout = timeout
            try:
                data = json.dumps(body).encode() if body is not None else None
                conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"fake {path}: HTTP {resp.status}: {raw[:200]!r}")
                return json.loads(raw)
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise

    def command(self, text):
        return self.request("POST", "/_control/command", {"user": USER, "channel": CHANNEL, "text": text})

    def log(self, since):
        return self.request("GET", f"/_control/log?since={since}", timeout=30.0)

    def wait_ready(self, count, timeout):
        """The open sockets that said hello, once there are `count` (408 from the fake: too few)."""
        try:
            return self.request("GET", f"/_control/wait?kind=ready&count={count}&timeout={timeout}",
                                timeout=timeout + 5)["events"]
        except RuntimeError as exc:
            raise RuntimeError(f"fewer than {count} sockets said hello within {timeout} s ({exc})") from None

    def api_url(self):
        return f"http://127.0.0.1:{self.port}/api/"


# ------------------------------------------------------------------ the targets

def bolt_ready():
    if not os.path.isdir(os.path.join(BOLT_DIR, "node_modules", "@slack", "bolt")):
        print("bench_slack: npm ci --prefix tests/bench/bolt", file=sys.stderr)
        subprocess.run(["npm", "ci", "--prefix", BOLT_DIR, "--no-audit", "--no-fund"], check=True, timeout=300,
                       stdout=sys.stderr)


def target_env(fake):
    env = dict(os.environ, SLACK_APP_TOKEN=APP_TOKEN, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.api_url())
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
[slack]
app_token_env = "SLACK_APP_TOKEN"
bot_token_env = "SLACK_BOT_TOKEN"
api_url = "{fake.api_url()}"
[people.rita]
name = "Rita Recruiter"
email = "rita@example.com"
role = "recruiter"
slack_id = "{USER}"
[people.ivan]
name = "Ivan Interviewer"
email = "ivan@example.com"
role = "interviewer"
slack_id = "U0INT00001"
""")
    return path


def start_target(name, args, fake, tmp):
    log = os.path.join(tmp, f"{name}.log")
    if name == "bolt":
        proc = spawn(["node", os.path.join(BOLT_DIR, "app.js")], env=target_env(fake), cwd=BOLT_DIR, log_path=log)
    else:
        binary = os.path.abspath(args.binary)
        proc = spawn([binary, "-c", write_config(tmp, fake), "run"], env=target_env(fake), cwd=tmp, log_path=log)
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
    """One command: what was sent and when its ack, reply and card came."""
    __slots__ = ("i", "kind", "text", "marker", "seed", "sent_at", "envelope_id", "response_url",
                 "ack_t", "ack_ms", "reply_ms", "reply_via", "card_t", "new_id", "lag", "done")

    def __init__(self, i, kind, text, marker, seed):
        self.i, self.kind, self.text, self.marker, self.seed = i, kind, text, marker, seed
        self.sent_at = self.envelope_id = self.response_url = None
        self.ack_t = self.ack_ms = self.reply_ms = self.reply_via = self.card_t = self.new_id = None
        self.lag = self.done = 0.0


def since_sent(rec, ev):
    """ms from the envelope's sending to this event (both the fake's wall clock)."""
    return (ev["t"] - rec.sent_at) * 1000


def email_of(marker):
    return f"cand-{marker}@bench.example"


def has_message(payload):
    return isinstance(payload, dict) and bool(payload.get("text") or payload.get("blocks"))


class Tracker:
    """Matches the fake's log events to the commands sent; knows the ids made so far.

    Acks and response_url posts match by envelope_id; chat.post* calls by the unique
    marker of a schedule (in the candidate's name and email) when that schedule has no
    reply yet, and otherwise, for chat.postEphemeral, by order: the oldest acked command
    without a reply (an approximation: nothing else ties an ephemeral to its command)."""

    def __init__(self, tag):
        self.marker = re.compile(rf"\b{tag}-s?\d+\b")
        self.lock = threading.Lock()
        self.records, self.by_envelope, self.by_marker, self.early = [], {}, {}, {}
        self.rejected, self.fake_errors = 0, []
        self.unmatched, self.fifo = [], 0
        self.ids, self.emails = [], []

    def add(self, rec):
        with self.lock:
            self.records.append(rec)
            if rec.marker:
                self.by_marker[rec.marker] = rec

    def sent(self, rec, answer):
        with self.lock:
            rec.sent_at, rec.envelope_id = answer["sent_at"], answer["envelope_id"]
            rec.response_url = answer.get("response_url")
            self.by_envelope[rec.envelope_id] = rec
            for ev in self.early.pop(rec.envelope_id, []):
                self._by_envelope(rec, ev)
            for ev in self.early.pop(rec.marker, []):
                self._api(ev)

    def event(self, ev):
        with self.lock:
            kind = ev.get("kind")
            if kind in ("ack", "response_url"):
                rec = self.by_envelope.get(ev.get("envelope_id"))
                if rec:
                    self._by_envelope(rec, ev)
                else:
                    self.early.setdefault(ev.get("envelope_id"), []).append(ev)
            elif kind == "api" and ev.get("method") in REPLY_METHODS:
                self._api(ev)
            elif kind == "error" or (kind == "ack" and ev.get("payload_error")):
                self.fake_errors.append(ev)

    def _by_envelope(self, rec, ev):
        if ev["kind"] == "ack":
            if ev.get("payload_error"):
                self.rejected += 1
                self.fake_errors.append(ev)
            if rec.ack_t is None:
                rec.ack_t, rec.ack_ms = ev["t"], float(ev["latency_ms"])
                if has_message(ev.get("payload")) and not ev.get("payload_error"):
                    self._reply(rec, rec.ack_ms, "ack", ev.get("payload"))
        elif ev.get("status") != 200:
            self.rejected += 1
            self.fake_errors.append(ev)
        elif rec.reply_ms is None:
            self._reply(rec, since_sent(rec, ev), "response_url", ev.get("body"))

    def _api(self, ev):
        if not (ev.get("response") or {}).get("ok"):
            self.rejected += 1
            self.fake_errors.append(ev)
            return
        m = self.marker.search(json.dumps(ev.get("body")))
        rec = self.by_marker.get(m.group(0)) if m else None
        if rec and rec.sent_at is None:  # before the fake's answer to the sender
            self.early.setdefault(rec.marker, []).append(ev)
            return
        if rec and ev["method"] == "chat.postMessage" and rec.card_t is None:
            rec.card_t = ev["t"]
            if rec.reply_ms is None and rec.ack_t is not None:
                self._reply(rec, since_sent(rec, ev), "chat.postMessage", ev.get("body"))
            return
        if ev["method"] == "chat.postEphemeral":
            rec = rec if rec and rec.reply_ms is None else self._oldest_unanswered()
            if rec:
                self._reply(rec, since_sent(rec, ev), "chat.postEphemeral", ev.get("body"))
                return
        self.unmatched.append(ev)

    def _oldest_unanswered(self):
        """The oldest acked command still without a reply, other than a schedule (whose reply names
        its own marker)."""
        while self.fifo < len(self.records) and self.records[self.fifo].reply_ms is not None:
            self.fifo += 1
        return next((r for r in self.records[self.fifo:]
                     if r.reply_ms is None and r.ack_t is not None and r.kind != "schedule"), None)

    def _reply(self, rec, ms, via, body):
        rec.reply_ms, rec.reply_via = ms, via
        if rec.kind == "schedule":
            m = re.search(r"#(\d+)", json.dumps(body))
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
        with self.lock:
            recs = [r for r in self.records if r.seed == seed]
            return sum(1 for r in recs if r.ack_t is None or r.reply_ms is None), len(recs)


class Collector(threading.Thread):
    """Polls the fake's event log and feeds the tracker."""

    def __init__(self, fake, tracker):
        super().__init__(daemon=True)
        self.fake, self.tracker, self.seq = fake, tracker, 0
        self.halt, self.error = threading.Event(), None
        self.hellos = self.closes = 0

    def run(self):
        while not self.halt.is_set():
            try:
                self.poll()
            except Exception as exc:  # reported at the end; the run goes on
                self.error = exc
            self.halt.wait(0.2)

    def poll(self):
        out = self.fake.log(self.seq)
        for ev in out.get("events", []):
            self.seq = max(self.seq, ev.get("seq", self.seq))
            if ev.get("kind") == "conn_open" and ev.get("hello_sent"):
                self.hellos += 1
            elif ev.get("kind") == "conn_close":
                self.closes += 1
            self.tracker.event(ev)
        self.seq = max(self.seq, out.get("seq", self.seq))


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
        tracker.sent(rec, fake.command(rec.text))
    except Exception as exc:
        print(f"bench_slack: sending #{rec.i} failed: {exc}", file=sys.stderr)
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
    with tempfile.TemporaryDirectory(prefix=f"bench-slack-{name}-") as tmp:
        if args.keep:
            tmp = tempfile.mkdtemp(prefix=f"bench-slack-{name}-")
            print(f"bench_slack: {name}: logs and store kept in {tmp}", file=sys.stderr)
        fake = Fake(tmp, args.fake, args.seconds + 300)
        proc = start_target(name, args, fake, tmp)
        try:
            return measure(name, args, fake, proc)
        except Exception as exc:
            print(f"bench_slack: {name}: {exc}", file=sys.stderr)
            print(f"--- {name} log tail:\n{tail(os.path.join(tmp, name + '.log'))}", file=sys.stderr)
            return {"target": name, "error": str(exc)}
        finally:
            stop(proc)
            stop(fake.proc)


def wait_hello(name, fake, proc, timeout=30):
    """Waits for the target's first socket, giving up at once if the target exits."""
    deadline = time.monotonic() + timeout
    while True:
        check_alive(name, proc)
        try:
            return fake.wait_ready(1, 1)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise


def measure(name, args, fake, proc):
    wait_hello(name, fake, proc)
    tag = f"{name[0]}{os.getpid()}"
    tracker = Tracker(tag)
    collector = Collector(fake, tracker)
    collector.start()
    time.sleep(IDLE_SECONDS)
    check_alive(name, proc)
    idle = rss_kib(proc.pid)
    sockets = len(fake.wait_ready(1, 5))
    mix = Mix(tracker, tag)
    seed(fake, tracker, mix, proc)
    sampler = Sampler(proc.pid)
    sampler.start()
    t0 = drive(fake, tracker, mix, args)
    wait_answers(tracker, False, STRAGGLER_SECONDS, proc)
    time.sleep(1.0)  # chat.postMessage calls still in flight after the last reply
    sampler.halt.set()
    collector.halt.set()
    collector.join(timeout=5)
    collector.poll()  # the last events, on this thread
    check_alive(name, proc)
    res = summarize(name, tracker, collector, idle, sampler.peak, t0)
    res["sockets"] = sockets
    return res


def seed(fake, tracker, mix, proc):
    """A few schedules in the coming hours, so show/candidate/list have something to find."""
    for i, when in enumerate(seed_times(SEED_SCHEDULES)):
        send(fake, tracker, mix.make(i, seed=True, when=when))
    if not wait_answers(tracker, True, 15, proc):
        print(f"bench_slack: {tracker.pending(True)[0]} of {SEED_SCHEDULES} seed schedules unanswered",
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
    recs = [r for r in tracker.records if not r.seed]
    elapsed = max((r.done for r in recs), default=t0) - t0
    acked = [r for r in recs if r.ack_t is not None]
    ack_ms = [r.ack_ms for r in acked]
    reply_ms = [r.reply_ms for r in recs if r.reply_ms is not None]
    schedules = [r for r in recs if r.kind == "schedule"]
    return {
        "target": name,
        "sent": sum(1 for r in recs if r.envelope_id), "rate": len(recs) / elapsed if elapsed > 0 else 0,
        "lag_p99": pct([r.lag * 1000 for r in recs], 99),
        "acked": len(acked), "slow_acks": sum(1 for v in ack_ms if v > ACK_LIMIT_MS),
        "no_reply": sum(1 for r in recs if r.reply_ms is None),
        "ack_p50": pct(ack_ms, 50), "ack_p99": pct(ack_ms, 99), "ack_max": max(ack_ms, default=None),
        "reply_p50": pct(reply_ms, 50), "reply_p99": pct(reply_ms, 99), "reply_max": max(reply_ms, default=None),
        "idle_mib": idle_kib / 1024, "peak_mib": peak_kib / 1024,
        "schedules": len(schedules), "booked": sum(1 for r in schedules if r.new_id is not None),
        "cards": sum(1 for r in schedules if r.card_t is not None),
        "via": via_counts(recs), "unsent": sum(1 for r in recs if not r.envelope_id),
        "hellos": collector.hellos, "closes": collector.closes, "rejected": tracker.rejected,
        "fake_errors": tracker.fake_errors[:3], "unmatched": len(tracker.unmatched),
        "log_error": str(collector.error) if collector.error else None,
    }


def via_counts(recs):
    out = {}
    for r in recs:
        if r.reply_via:
            out[r.reply_via] = out.get(r.reply_via, 0) + 1
    return out


ROWS = [
    ("commands sent", "sent", "{:d}"), ("achieved rate /s", "rate", "{:.1f}"),
    ("send lag p99 ms (behind schedule)", "lag_p99", "{:.1f}"), ("acked", "acked", "{:d}"),
    ("acks > 3 s", "slow_acks", "{:d}"), ("replies missing", "no_reply", "{:d}"),
    ("ack p50 ms", "ack_p50", "{:.1f}"), ("ack p99 ms", "ack_p99", "{:.1f}"), ("ack max ms", "ack_max", "{:.1f}"),
    ("reply p50 ms", "reply_p50", "{:.1f}"), ("reply p99 ms", "reply_p99", "{:.1f}"),
    ("reply max ms", "reply_max", "{:.1f}"), ("idle RSS MiB", "idle_mib", "{:.1f}"),
    ("loaded peak RSS MiB", "peak_mib", "{:.1f}"), ("schedules / booked (id in reply)", ("schedules", "booked"), "{} / {}"),
    ("cards posted by the end (chat.postMessage)", "cards", "{:d}"),
]
RATIO_KEYS = {"ack_p50", "ack_p99", "ack_max", "reply_p50", "reply_p99", "reply_max", "idle_mib", "peak_mib"}


def cell(res, key, fmt):
    if res is None or "error" in res:
        return "—"
    if isinstance(key, tuple):
        return fmt.format(*(res[k] for k in key))
    return "—" if res.get(key) is None else fmt.format(res[key])


def ratio(results, key):
    a, b = results.get("interviewd"), results.get("bolt")
    if key not in RATIO_KEYS or not a or not b or "error" in a or "error" in b:
        return ""
    x, y = a.get(key), b.get(key)
    return f"{x / y:.2f}" if x is not None and y else ""


def table(results, names):
    head = ["metric"] + names + (["interviewd/bolt"] if len(names) == 2 else [])
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
        out.append(f"- {name}: replies via {res['via']}; {res['sockets']} socket(s) open at rest, "
                   f"{res['hellos']} hello(s) and {res['closes']} close(s) in the whole run"
                   + (f"; {res['unsent']} commands not delivered by the fake" if res["unsent"] else "")
                   + (f"; {res['rejected']} acks/replies refused by the fake, e.g. {res['fake_errors']}"
                      if res["rejected"] or res["fake_errors"] else "")
                   + (f"; {res['unmatched']} chat.post* calls matched no command" if res["unmatched"] else "")
                   + (f"; log polling error: {res['log_error']}" if res["log_error"] else ""))
    return "\n".join(out)


def failed(res):
    return bool("error" in res or res["acked"] < res["sent"] or res["unsent"] or res["slow_acks"] or res["no_reply"])


# ------------------------------------------------------------------ main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=200.0, help="commands a second (default 200)")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the load (default 60)")
    ap.add_argument("--target", choices=("both", "interviewd", "bolt"), default="both")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "interviewd"))
    ap.add_argument("--threads", type=int, default=16, help="sender threads (default 16)")
    ap.add_argument("--keep", action="store_true", help="keep each target's folder (logs, store)")
    ap.add_argument("--fake", default=FAKE, help="the fake Slack script (default tests/slack/fake_slack.py)")
    args = ap.parse_args(argv)
    if args.rate <= 0 or args.seconds <= 0 or args.threads < 1:
        ap.error("--rate, --seconds and --threads must be positive")
    return args


def main(argv):
    args = parse_args(argv)
    names = ["interviewd", "bolt"] if args.target == "both" else [args.target]
    signal.signal(signal.SIGTERM, on_signal)
    if not os.path.exists(args.fake):
        print(f"bench_slack: {args.fake} is missing", file=sys.stderr)
        return 1
    if "bolt" in names:
        bolt_ready()
    results = {}
    try:
        for name in names:
            print(f"bench_slack: {name}: {args.rate:g}/s for {args.seconds:g} s ...", file=sys.stderr)
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
        print("bench_slack: interrupted", file=sys.stderr)
        sys.exit(130)
