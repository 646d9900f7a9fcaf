#!/usr/bin/python3
"""Feedback replies read per second: interviewd's C reader against Node's mailparser +
email-reply-parser, in the same run, on the same files.

usage: python3 tests/bench/bench_replies.py BUILD_DIR [--seconds 3] [--warmup 0.5]
           [--fixtures tests/mail/replies] [--keep]

Builds nothing: BUILD_DIR/tests/bench_replies must exist (make BUILD_DIR/tests/bench_replies).
Installs the Node side (npm ci --prefix tests/bench/replies_node) when its node_modules
is missing.

1. The corpus, written once into a temporary folder so that both sides read the same
   bytes: every NAME.eml of the fixtures as it is, and every NAME.txt / NAME.html
   wrapped into a whole RFC 5322 message as a mail client sends a reply to interviewd's
   feedback request (From, To, Subject with RFC 2047, Date, Message-Id, In-Reply-To,
   References, MIME-Version, Content-Type text/plain or text/html; charset=utf-8,
   Content-Transfer-Encoding: quoted-printable, CRLF line ends). The body's bytes are
   kept (invalid UTF-8 too); its line breaks (CRLF, CR or LF) become CRLF, as on the wire.
2. BUILD_DIR/tests/bench_replies (tests/bench/bench_replies.c): mail_parse +
   reply_feedback_parse per message; then tests/bench/replies_node/bench.js: simpleParser
   + EmailReplyParser + a few regular expressions. Each warms up, then loops over the
   corpus for SECONDS, timing every message, and prints one JSON line.
3. Both again with --dump (one pass, rating and recommendation per file), compared with
   the fixtures' .expect files: how many of each side's readings are right.
4. A Markdown table: messages, msgs/s, MB/s, p50/p99 µs, peak RSS (from wait4), the
   checksum (sum of ratings found / ratings found / recommendations found), the ratio C/Node,
   and the command line.

Exit status: 0 when both sides ran; 1 when either failed (exit status, a message it could
not parse, bad output, a time-out); 2 on bad arguments. Every child has a time-out; the
whole run takes about 2 × (SECONDS + WARMUP) + 6 s (+ npm ci the first time), and never more
than 55 s (or 2 × (SECONDS + WARMUP) + 45 s when that is more).
"""
import argparse
import datetime
import email.header
import email.utils
import json
import os
import quopri
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
NODE_DIR = os.path.join(HERE, "replies_node")
CET = datetime.timezone(datetime.timedelta(hours=1))

PEOPLE = [("Ivan Petrov", "ivan@example.com"), ("Zoë Müller", "zoe.mueller@example.de"),
          ("Aiko Tanaka", "aiko@example.jp"), ("María José García", "mjgarcia@example.es"),
          ("Bob Smith", "bob@example.org"), ("Łukasz Nowak", "lukasz@example.pl")]
CANDIDATES = ["Jane Doe", "Renée Lefèvre", "Jürgen Groß", "Sam O'Neil", "李雷", "Ana Sousa"]
JOBS = ["Backend Engineer", "Data Scientist", "Product Designer", "SRE"]


def header(name, value):
    """One header field, RFC 2047-encoded when not ASCII, folded at white space before 78."""
    if not value.isascii():
        return f"{name}: " + email.header.Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    line, out = f"{name}: {value}", []
    while len(line) > 78 and (cut := line.rfind(" ", len(name) + 2, 78)) > 0:
        out.append(line[:cut])
        line = line[cut:]  # the continuation starts with the space
    return "\r\n".join(out + [line])


def wrap(name, body, subtype, i):
    """NAME's body (bytes) as a whole reply to feedback request number I, as bytes."""
    who, addr = PEOPLE[i % len(PEOPLE)]
    cand, job = CANDIDATES[i % len(CANDIDATES)], JOBS[i % len(JOBS)]
    when = 1_900_000_000 + i * 7_777  # 2030-03-17 and after
    day = time.strftime("%a %-d %b", time.gmtime(when - 86_400))
    ref = f"<interviewd.{1000 + i}.feedback.1@example.com>"
    fields = [
        ("From", email.utils.formataddr((who, addr), charset="utf-8")),
        ("To", f"interviewd <interviews+{1000 + i}@example.com>"),
        ("Subject", f"Re: Feedback, please: interview with {cand} ({job}), {day}"),
        ("Date", email.utils.format_datetime(datetime.datetime.fromtimestamp(when, CET))),
        ("Message-Id", f"<{when:x}.{i}.reply@mail.example.net>"),
        ("In-Reply-To", ref),
        ("References", ref),
        ("MIME-Version", "1.0"),
        ("Content-Type", f"text/{subtype}; charset=utf-8"),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ]
    head = "".join(header(k, v) + "\r\n" for k, v in fields).encode("ascii")
    # The body's own bytes (invalid UTF-8 too), line by line: = and bytes outside printable
    # ASCII as =XX, trailing blanks encoded, soft line breaks at 76; then CRLF line ends.
    qp = quopri.encodestring(re.sub(rb"\r\n|\r|\n", b"\n", body), quotetabs=False)
    return head + b"\r\n" + qp.replace(b"\n", b"\r\n")


def expectations(fixtures):
    """{NAME: (rating, recommendation)} from every NAME.expect."""
    out = {}
    for fn in sorted(os.listdir(fixtures)):
        if not fn.endswith(".expect"):
            continue
        rating, rec = None, None
        with open(os.path.join(fixtures, fn), encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("rating: "):
                    rating = int(line[8:])
                elif line.startswith("recommendation: "):
                    rec = line[16:].strip()
                elif line.rstrip("\n") in ("new:", "text:"):
                    break
        out[fn[:-7]] = (rating, rec)
    return out


def prepare(fixtures, out):
    """Writes the corpus into OUT; the number of files of each kind."""
    kinds = {"eml": 0, "txt": 0, "html": 0}
    for i, fn in enumerate(sorted(os.listdir(fixtures))):
        name, _, ext = fn.rpartition(".")
        if ext not in kinds:
            continue
        with open(os.path.join(fixtures, fn), "rb") as fh:
            data = fh.read()
        if ext != "eml":
            data = wrap(name, data, "plain" if ext == "txt" else "html", i)
        with open(os.path.join(out, name + ".eml"), "wb") as fh:
            fh.write(data)
        kinds[ext] += 1
    return kinds


def run(cmd, timeout, cwd=None):
    """Runs CMD; (exit status, stdout, stderr, peak RSS in KiB from wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                status = -1
                break
            time.sleep(0.02)
        p.returncode = 0  # reaped here; keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        rc = -1 if status == -1 else os.waitstatus_to_exitcode(status)
        return rc, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), ru.ru_maxrss


def node_ready(timeout):
    if os.path.isfile(os.path.join(NODE_DIR, "node_modules", "mailparser", "package.json")) and \
            os.path.isfile(os.path.join(NODE_DIR, "node_modules", "email-reply-parser", "package.json")):
        return True
    npm = shutil.which("npm")
    if not npm:
        print("bench_replies: npm not found (tests/deps installs node and npm)", file=sys.stderr)
        return False
    print("bench_replies: npm ci --prefix tests/bench/replies_node", file=sys.stderr)
    try:
        p = subprocess.run([npm, "ci", "--prefix", NODE_DIR, "--no-audit", "--no-fund", "--loglevel=error"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print("bench_replies: npm ci timed out", file=sys.stderr)
        return False
    if p.returncode != 0:
        print(f"bench_replies: npm ci failed:\n{p.stdout}{p.stderr}", file=sys.stderr)
        return False
    return True


def side(label, cmd, timeout, files, cwd=None):
    """Runs one side's benchmark; its result dict, or None (after saying why)."""
    rc, out, err, rss = run(cmd, timeout, cwd)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if rc != 0 or len(lines) != 1:
        why = "timed out" if rc == -1 else f"exit status {rc}"
        print(f"bench_replies: {label} failed ({why}): {' '.join(map(shlex.quote, cmd))}\n{out}{err}",
              file=sys.stderr)
        return None
    try:
        res = json.loads(lines[0])
    except ValueError:
        print(f"bench_replies: {label}: not JSON: {lines[0]}", file=sys.stderr)
        return None
    if res.get("files") != files:
        print(f"bench_replies: {label} read {res.get('files')} files of {files}", file=sys.stderr)
        return None
    res["wait4_rss_kb"] = rss
    if err.strip():
        res["stderr"] = err.strip()
    return res


def dump(label, cmd, timeout, cwd=None):
    """{NAME: (rating, recommendation)} from a side's --dump; None on failure."""
    rc, out, err, _ = run(cmd, timeout, cwd)
    if rc != 0:
        print(f"bench_replies: {label} --dump failed (exit status {rc}):\n{err}", file=sys.stderr)
        return None
    got = {}
    for line in out.splitlines():
        name, rating, rec = line.split("\t")[:3]
        got[name] = (int(rating), rec)
    return got


def agreement(got, want):
    """(right, of) and the names read wrong."""
    wrong = [n for n in sorted(want) if n in got and got[n] != want[n]]
    return len([n for n in want if n in got]) - len(wrong), len(want), wrong


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build_dir")
    ap.add_argument("--seconds", type=float, default=3.0, help="timed loop of each side (default 3)")
    ap.add_argument("--warmup", type=float, default=0.5, help="untimed warm-up of each side (default 0.5)")
    ap.add_argument("--fixtures", default=os.path.join(ROOT, "tests", "mail", "replies"))
    ap.add_argument("--keep", action="store_true", help="keep the corpus folder and print its path")
    args = ap.parse_args()
    if not 0 < args.seconds <= 20 or not 0 <= args.warmup <= 5:
        ap.error("--seconds must be in (0, 20], --warmup in [0, 5]")
    started, load = time.monotonic(), os.getloadavg()
    # Every child gets what is left of the budget at most: under a minute in all with the
    # defaults, npm ci included.
    deadline = started + max(55.0, 2 * (args.seconds + args.warmup) + 45)

    def left(most):
        return max(0.1, min(most, deadline - time.monotonic()))
    binary = os.path.abspath(os.path.join(args.build_dir, "tests", "bench_replies"))
    if not os.access(binary, os.X_OK):
        print(f"bench_replies: {binary} is missing: make BUILD={args.build_dir} "
              f"{args.build_dir}/tests/bench_replies", file=sys.stderr)
        return 1
    node = shutil.which("node")
    if not node:
        print("bench_replies: node not found", file=sys.stderr)
        return 1
    if not node_ready(max(1.0, deadline - time.monotonic() - 2 * (args.seconds + args.warmup) - 15)):
        return 1

    corpus = tempfile.mkdtemp(prefix="interviewd-bench-replies-")
    try:
        kinds = prepare(args.fixtures, corpus)
        files = sorted(os.listdir(corpus))
        size = sum(os.path.getsize(os.path.join(corpus, f)) for f in files)
        if not files:
            print(f"bench_replies: no fixtures in {args.fixtures}", file=sys.stderr)
            return 1
        timing = ["--seconds", str(args.seconds), "--warmup", str(args.warmup)]
        limit = args.seconds + args.warmup + 10
        c_cmd = [binary] + timing + [corpus]
        n_cmd = [node, os.path.join(NODE_DIR, "bench.js")] + timing + [corpus]
        c = side("C", c_cmd, left(limit), len(files))
        n = side("Node", n_cmd, left(limit), len(files), cwd=NODE_DIR)
        want = expectations(args.fixtures)
        c_dump = dump("C", [binary, "--dump", corpus], left(10)) if c else None
        n_dump = dump("Node", [node, os.path.join(NODE_DIR, "bench.js"), "--dump", corpus], left(10), NODE_DIR) \
            if n else None
    finally:
        if args.keep:
            print(f"bench_replies: corpus kept in {corpus}", file=sys.stderr)
        else:
            shutil.rmtree(corpus, ignore_errors=True)

    print(f"### Feedback replies: parse + extract, C vs Node ({len(files)} messages: {kinds['eml']} .eml as "
          f"they are, {kinds['txt']} .txt and {kinds['html']} .html wrapped; {size / 1024:.0f} KiB)\n")
    print("| implementation | messages | msgs/s | MB/s | p50 µs | p99 µs | max µs | peak RSS | "
          "checksum: Σ ratings / ratings / recs | right vs .expect |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for res, d in ((c, c_dump), (n, n_dump)):
        if not res:
            continue
        right = ""
        if d is not None:
            ok, of, _ = agreement(d, want)
            right = f"{ok}/{of}"
        print(f"| {res['impl']} | {res['messages']:,} ({res['passes']} passes) | {res['msgs_per_s']:,.0f} | "
              f"{res['mb_per_s']:.2f} | {res['p50_us']:.1f} | {res['p99_us']:.1f} | {res['max_us']:.0f} | "
              f"{res['wait4_rss_kb'] / 1024:.1f} MiB | {res['rating_sum']} / {res['ratings']} / {res['recs']} | "
              f"{right} |")
    if c and n:
        print(f"\nratio C/Node: **{c['msgs_per_s'] / n['msgs_per_s']:.1f}×** messages/s, "
              f"latency p50 {n['p50_us'] / c['p50_us']:.1f}× and p99 {n['p99_us'] / c['p99_us']:.1f}× shorter; "
              f"peak RSS {c['wait4_rss_kb'] / n['wait4_rss_kb']:.2f}× Node's")
    if c_dump is not None and n_dump is not None:
        _, _, n_wrong = agreement(n_dump, want)
        _, _, c_wrong = agreement(c_dump, want)
        if c_wrong:
            print(f"\nC read differently from .expect: {', '.join(c_wrong)}")
        print(f"\nNode read {len(n_wrong)} of {len(want)} differently from .expect (its regular expressions are "
              "simpler than reply_feedback_parse; see replies_node/bench.js)")
    for label, res in (("C", c), ("Node", n)):
        if res and res.get("stderr"):
            print(f"\n{label} said on stderr:\n```\n{res['stderr'][:2000]}\n```")
    print("\n```sh\n" + " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv) + "\n"
          + "# which ran, on the corpus in a temporary folder (--keep keeps it):\n"
          + " ".join(map(shlex.quote, c_cmd)) + "\n" + f"(cd {shlex.quote(NODE_DIR)} && "
          + " ".join(map(shlex.quote, n_cmd)) + ")\n```")
    print(f"\nmachine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start "
          f"(both sides are single-threaded; other work on the machine slows them)")
    print(f"\nbench_replies: {time.monotonic() - started:.1f} s in all")
    return 0 if c and n and c_dump is not None and n_dump is not None else 1


if __name__ == "__main__":
    sys.exit(main())
