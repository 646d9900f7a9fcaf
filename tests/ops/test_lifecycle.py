#!/usr/bin/python3
"""The daemon's life as an operator sees it, through the real binary (issue 9, parts 1-3):

  notify    systemd's protocol: READY=1 once the parts run, WATCHDOG=1 at half of
            WATCHDOG_USEC, RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM
            (a datagram socket of the test's own stands in for systemd's NOTIFY_SOCKET)
  reload    SIGHUP applies [people.*] and [digest.*] at once (a new person's token works,
            a new team's feed exists), logs [http] listen as needing a restart, refuses
            a broken file and keeps serving
  grace     SIGTERM while the mail sender is stuck on an SMTP server that never
            answers: exit 0 after [daemon] stop_grace, the rows still due; the next
            start sends them
  lock      a second run on the same database is refused, naming the first's pid;
            backup while it runs
  export    csv, json and ics of every interview (quotes, commas, statuses, links),
            bad formats and outputs; a backup restored as the README says
  warn      a world-readable config with a secret in it is warned about; _env is not;
            [log] level = "warn" drops info lines
  logs      every line of every case is logfmt (ts= level= part= msg=), no secret

    /usr/bin/python3 tests/ops/test_lifecycle.py --binary build/interviewd
"""

import argparse
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from endpoint import free_port  # noqa: E402
from tally import T, note, wait_until  # noqa: E402

NOW = "2031-03-10T09:00:00+01:00"
SECRET = "s3cr3t-token-secret-value"
LOG_LINE = re.compile(r'^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(error|warn|info|debug) part=[a-z]+ msg=')


def config(d, port, extra="", people="", mail=""):
    return """[store]
path = "%(d)s/db.sqlite"
[general]
timezone = "Europe/Berlin"
[mail]
%(mail)s
outbox_dir = "%(d)s/mail"
from = "Interviews <interviews@example.com>"
[http]
listen = "127.0.0.1:%(port)d"
[people.rita]
name = "Rita"
email = "rita@example.com"
role = "recruiter"
[people.alice]
email = "alice@example.com"
%(people)s
%(extra)s
""" % {"d": d, "port": port, "people": people, "extra": extra, "mail": mail}


class Daemon:
    def __init__(self, binary, d, cfg, env=None, args=("run", "--headless")):
        self.d, self.cfg = d, cfg
        self.err_path = os.path.join(d, "stderr-%d.txt" % time.monotonic_ns())
        self.err = open(self.err_path, "w")
        e = dict(os.environ, INTERVIEWD_NOW=NOW)
        e.update(env or {})
        self.proc = subprocess.Popen([binary, "-c", cfg] + list(args), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.err, env=e)

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self.err.close()


def get(port, path, token=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 headers={"Authorization": "Bearer " + token} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=3) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


def up(port):
    return wait_until(lambda: get(port, "/healthz")[0] == 200, 8)


def write(path, text, mode=None):
    with open(path, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)


def started(binary, d, text, env=None):
    """Writes the config TEXT (its port is PORT) to d/c.toml, starts a headless daemon on
    it and waits for /healthz: (config path, port, daemon)."""
    cfg, port = os.path.join(d, "c.toml"), free_port()
    write(cfg, text(port))
    dm = Daemon(binary, d, cfg, env)
    T.check("up", up(port), True, get(port, "/healthz"))
    return cfg, port, dm


def tool(binary, cfg, *args):
    r = subprocess.run([binary, "-c", cfg] + list(args), capture_output=True, text=True,
                       env=dict(os.environ, INTERVIEWD_NOW=NOW), timeout=20)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


class Notify:
    """A stand-in for systemd's notification socket: collects the datagrams."""

    def __init__(self, d):
        self.path = os.path.join(d, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.msgs, self.stopped = [], False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopped:
            try:
                self.msgs.append((time.monotonic(), self.sock.recv(4096).decode()))
            except socket.timeout:
                pass

    def seen(self, what):
        return [t for t, m in self.msgs if what in m.split("\n")]

    def close(self):
        self.stopped = True
        self.thread.join()
        self.sock.close()


def case_notify(binary, d):
    T.case = "notify"
    port = free_port()
    cfg = os.path.join(d, "c.toml")
    with open(cfg, "w") as f:
        f.write(config(d, port))
    n = Notify(d)
    t0 = time.monotonic()
    dm = Daemon(binary, d, cfg, {"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "1000000"})
    T.check("READY=1 is sent", wait_until(lambda: n.seen("READY=1"), 8), "READY=1", n.msgs)
    T.check("healthz answers once ready", up(port), 200, get(port, "/healthz"))
    wait_until(lambda: len(n.seen("WATCHDOG=1")) >= 3, 4)
    pings = n.seen("WATCHDOG=1")
    T.check("WATCHDOG=1 about every 0.5 s (WATCHDOG_USEC=1 s)", len(pings) >= 3, ">= 3 in ~2 s", len(pings))
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    T.check("no watchdog gap reaches the interval", gaps and max(gaps) < 0.95, "< 0.95 s", gaps)
    dm.proc.send_signal(signal.SIGHUP)
    T.check("RELOADING=1 on SIGHUP", wait_until(lambda: n.seen("RELOADING=1"), 4), "RELOADING=1", n.msgs[-3:])
    rel = n.seen("RELOADING=1")
    T.check("READY=1 again after the reload", wait_until(
        lambda: [t for t in n.seen("READY=1") if rel and t >= rel[0]], 4), "READY=1 after RELOADING=1", n.msgs[-3:])
    rc = dm.stop()
    T.eq("SIGTERM: exit 0", 0, rc)
    T.check("STOPPING=1 on SIGTERM", wait_until(lambda: n.seen("STOPPING=1"), 2), "STOPPING=1", n.msgs[-3:])
    T.check("STATUS= lines say what it does", any("STATUS=" in m for _, m in n.msgs), "STATUS=...", n.msgs[:2])
    n.close()
    note("started to stopped in %.1f s" % (time.monotonic() - t0))
    return dm.stderr()


def case_reload(binary, d):
    T.case = "reload"
    cfg, port, dm = started(binary, d, lambda port: config(d, port))
    # a new person and a new team channel; the listen address changes too
    with open(cfg, "w") as f:
        f.write(config(d, free_port(), extra='[digest.sales]\ntime = "08:30"\nconsole = "rita"\n',
                       people='[people.carol]\nemail = "carol@example.com"\n'))
    dm.proc.send_signal(signal.SIGHUP)
    T.check("the reload is logged", wait_until(lambda: 'msg="reloaded"' in dm.stderr(), 4), "reloaded", dm.stderr())
    err = dm.stderr()
    T.check("[http] listen is logged as needing a restart",
            re.search(r'level=warn part=daemon msg="changed settings that apply at the next restart" '
                      r'keys="\[http\] listen"', err), "keys=\"[http] listen\"", err[-600:])
    rc, token, why = tool(binary, cfg, "api-token", "carol")
    T.eq("carol has a token", 0, rc)
    T.eq("the old address still serves (moving it needs a restart)", 401,
         get(port, "/api/v1/interviews/upcoming")[0])
    T.eq("carol's token works on the running daemon (she was applied live)", 200,
         get(port, "/api/v1/interviews/upcoming", token)[0])
    rc, url, why = tool(binary, cfg, "feed-url", "--team", "sales")
    T.eq("the new team has a feed", 0, rc)
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
    T.eq("the new team's feed is served", 200, get(port, path)[0])
    with open(cfg, "a") as f:
        f.write("[broken\n")
    dm.proc.send_signal(signal.SIGHUP)
    T.check("a broken file is refused and logged with its line", wait_until(
        lambda: re.search(r'level=error part=daemon msg="reload refused; the running settings stay" '
                          r'why="[^"]*c\.toml:\d+', dm.stderr()), 4), "reload refused ... c.toml:LINE",
        dm.stderr()[-400:])
    T.eq("still serving after the refused reload", 200, get(port, "/healthz")[0])
    T.eq("carol is still there after the refused reload", 200, get(port, "/api/v1/interviews/upcoming", token)[0])
    T.eq("SIGINT: exit 0", 0, dm.stop(signal.SIGINT))
    return dm.stderr()


class Silent:
    """An SMTP server that accepts connections and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def case_grace(binary, d):
    T.case = "grace"
    smtp = Silent()
    extra = '[smtp]\nhost = "127.0.0.1"\nport = %d\ntls = "off"\ntimeout = 60\n[daemon]\nstop_grace = 2\n' % smtp.port
    cfg, port, dm = started(binary, d, lambda port: config(d, port, extra))
    r = subprocess.run([binary, "-c", cfg, "console", "--as", "rita", "--json"], capture_output=True, text=True,
                       input='schedule candidate:"Jane <jane@example.com>" when:"2031-03-11 14:00" with:alice\n',
                       env=dict(os.environ, INTERVIEWD_NOW=NOW), timeout=20)
    T.check("scheduled beside the daemon", '"success":true' in r.stdout, "success", r.stdout + r.stderr)
    T.check("the sender is stuck on the silent server", wait_until(lambda: smtp.conns, 5), "a connection", [])
    t0 = time.monotonic()
    rc = dm.stop(timeout=10)
    took = time.monotonic() - t0
    T.eq("SIGTERM with a send in flight: exit 0", 0, rc)
    T.check("within stop_grace (2 s) and a little", 1.5 < took < 4, "1.5-4 s", round(took, 2))
    T.check("says the grace period ran out", "stop_grace is over" in dm.stderr(), "stop_grace is over",
            dm.stderr()[-300:])
    db = sqlite3.connect(os.path.join(d, "db.sqlite"))
    due = db.execute("SELECT count(*) FROM outbox WHERE transport = 'email' AND sent_at IS NULL "
                     "AND failed_at IS NULL").fetchone()[0]
    T.check("the unsent emails stay due", due >= 2, ">= 2", due)
    T.eq("the database is intact", "ok", db.execute("PRAGMA integrity_check").fetchone()[0])
    db.close()
    smtp.close()
    # the next start sends them, to the folder this time
    cfg, port, dm = started(binary, d, lambda port: config(d, port))
    folder = os.path.join(d, "mail")
    T.check("the next start sends what was due", wait_until(
        lambda: os.path.isdir(folder) and len(os.listdir(folder)) >= 2, 8), ">= 2 .eml", [])
    T.eq("exit 0", 0, dm.stop())
    return dm.stderr()


def case_lock(binary, d):
    T.case = "lock"
    cfg, port, dm = started(binary, d, lambda port: config(d, port))
    second = subprocess.run([binary, "-c", cfg, "run", "--headless"], capture_output=True, text=True,
                            env=dict(os.environ, INTERVIEWD_NOW=NOW), timeout=20)
    T.eq("a second run is refused", 1, second.returncode)
    T.check("naming the first's pid", "pid %d" % dm.proc.pid in second.stderr, "pid %d" % dm.proc.pid,
            second.stderr)
    T.eq("the first still serves", 200, get(port, "/healthz")[0])
    rc, out, err = tool(binary, cfg, "backup", os.path.join(d, "copy.db"))
    T.eq("backup while it runs", 0, rc)
    T.eq("the copy is a sound database", "ok", sqlite3.connect(os.path.join(d, "copy.db")).execute(
        "PRAGMA integrity_check").fetchone()[0])
    T.eq("exit 0", 0, dm.stop())
    return dm.stderr()


def case_export(binary, d):
    """export in its three formats, and a backup restored as the README says."""
    T.case = "export"
    import csv
    import io
    import json
    port = free_port()
    cfg = os.path.join(d, "c.toml")
    with open(cfg, "w") as f:
        f.write(config(d, port, people='[people.bob]\nemail = "bob@example.com"\n'))
    lines = ['schedule candidate:"Jane, \\"JJ\\" Doe <jane@example.com>" when:"2031-03-11 14:00" with:alice,bob '
             'notes:"line, with comma"',
             'schedule candidate:"Max <max@example.com>" when:"2031-03-12 10:00" with:bob',
             'reschedule #2 when:"2031-03-13 10:00"',
             'cancel #1 reason:"candidate withdrew"']
    r = subprocess.run([binary, "-c", cfg, "console", "--as", "rita", "--json"], capture_output=True, text=True,
                       input="\n".join(lines) + "\n", env=dict(os.environ, INTERVIEWD_NOW=NOW), timeout=20)
    T.eq("four commands done", 4, r.stdout.count('"success":true'))
    rc, out, err = tool(binary, cfg, "export", "--format", "csv")
    T.eq("csv: exit 0", 0, rc)
    rows = list(csv.DictReader(io.StringIO(out)))
    T.eq("csv: one row per interview (no feedback yet)", ["1", "2", "3"], [x["id"] for x in rows])
    T.eq("csv: quotes and commas survive", 'Jane, "JJ" Doe', rows[0]["candidate_name"] if rows else None)
    T.eq("csv: notes with a comma", "line, with comma", rows[0]["notes"] if rows else None)
    T.eq("csv: statuses", ["cancelled", "rescheduled", "scheduled"], [x["status"] for x in rows])
    T.eq("csv: the panel", "alice bob", rows[0]["interviewers"] if rows else None)
    T.eq("csv: times in UTC", "2031-03-11T13:00:00Z", rows[0]["scheduled_datetime"] if rows else None)
    out_file = os.path.join(d, "export.json")
    rc, out, err = tool(binary, cfg, "export", "--format", "json", "--output", out_file)
    T.eq("json: exit 0", 0, rc)
    with open(out_file) as f:
        doc = json.load(f)
    ivs = doc.get("interviews", [])
    T.eq("json: every interview", [1, 2, 3], [i["id"] for i in ivs])
    T.eq("json: the seed's field names", "2031-03-12T09:00:00Z", ivs[1]["scheduled_datetime"] if len(ivs) > 1 else None)
    T.eq("json: the reschedule's link", 2, ivs[2]["rescheduled_from"] if len(ivs) > 2 else None)
    T.eq("json: the cancel reason", "candidate withdrew", ivs[0]["cancel_reason"] if ivs else None)
    rc, out, err = tool(binary, cfg, "export", "--format", "ics")
    T.eq("ics: exit 0", 0, rc)
    T.check("ics: one calendar", out.startswith("BEGIN:VCALENDAR") and out.rstrip().endswith("END:VCALENDAR"),
            "BEGIN...END:VCALENDAR", out[:80])
    T.eq("ics: the rescheduled original left out", 2, out.count("BEGIN:VEVENT"))
    T.eq("ics: the cancelled one marked", 1, out.count("STATUS:CANCELLED"))
    rc, out, err = tool(binary, cfg, "export", "--format", "xml")
    T.eq("an unknown format: exit 2", 2, rc)
    T.check("... saying which formats there are", "csv, json or ics" in err, "csv, json or ics", err)
    rc, out, err = tool(binary, cfg, "export", "--format", "csv", "--output", os.path.join(d, "no", "such", "dir"))
    T.eq("an output that cannot be written: exit 1", 1, rc)
    # backup, more changes, restore: the changes are gone, the backup's state is back
    backup = os.path.join(d, "backup.db")
    rc, out, err = tool(binary, cfg, "backup", backup)
    T.eq("backup: exit 0", 0, rc)
    subprocess.run([binary, "-c", cfg, "console", "--as", "rita", "--json"], capture_output=True, text=True,
                   input='cancel #3 reason:"later"\n', env=dict(os.environ, INTERVIEWD_NOW=NOW), timeout=20)
    db = os.path.join(d, "db.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    shutil.copy(backup, db)
    rc, out, err = tool(binary, cfg, "export", "--format", "csv")
    T.eq("restored: #3 is scheduled again", "scheduled", [x["status"] for x in csv.DictReader(io.StringIO(out))][-1])
    rc, out, err = tool(binary, cfg, "backup", os.path.join(d, "nodir", "x.db"))
    T.eq("backup to a folder that does not exist: exit 1", 1, rc)
    T.check("... saying why", "backup failed" in err, "backup failed: ...", err)
    return ""


def case_warn(binary, d):
    T.case = "warn"
    port = free_port()
    cfg = os.path.join(d, "c.toml")
    write(cfg, config(d, port, mail='token_secret = "%s"' % SECRET), 0o644)
    dm = Daemon(binary, d, cfg)
    T.check("up", up(port), True, get(port, "/healthz"))
    T.eq("exit 0", 0, dm.stop())
    err = dm.stderr()
    T.check("a readable config holding a secret is warned about",
            re.search(r'level=warn part=daemon msg=".*c\.toml holds secrets and is readable by others \(mode 0644\)',
                      err), "holds secrets and is readable by others", err[:500])
    T.check("the secret itself is not logged", SECRET not in err, "absent", "present")
    rc, out, why = tool(binary, "/dev/null", "check-config", cfg)
    T.check("check-config warns too", rc == 0 and "# warning: " in out and "readable by others" in out,
            "# warning: ... readable by others", out[-300:])
    T.check("check-config masks the secret", SECRET not in out, "masked", "shown")
    os.chmod(cfg, 0o600)
    dm = Daemon(binary, d, cfg)
    up(port)
    dm.stop()
    T.check("mode 0600: no warning", "holds secrets" not in dm.stderr(), "none", dm.stderr()[:300])
    write(cfg, config(d, port, '[log]\nlevel = "warn"\n', mail='token_secret_env = "SECRET_FROM_ENV"'), 0o644)
    dm = Daemon(binary, d, cfg, {"SECRET_FROM_ENV": SECRET})
    up(port)
    dm.stop()
    T.check("a secret from the environment: no warning", "holds secrets" not in dm.stderr(), "none",
            dm.stderr()[:300])
    T.check("[log] level = \"warn\": no info lines", "level=info" not in dm.stderr(), "none", dm.stderr()[:300])
    return dm.stderr()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default="build/interviewd")
    ap.add_argument("--case", action="append")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    cases = {"notify": case_notify, "reload": case_reload, "grace": case_grace, "lock": case_lock,
             "export": case_export, "warn": case_warn}
    logs = []
    for name, fn in cases.items():
        if a.case and name not in a.case:
            continue
        d = tempfile.mkdtemp(prefix="interviewd-life-")
        try:
            logs.append(fn(binary, d))
        except Exception as e:  # a broken case is a failure, not the end of the run
            T.check("%s ran to its end" % name, False, "no exception", repr(e))
        finally:
            shutil.rmtree(d, ignore_errors=True)
    T.case = "logs"
    lines = [ln for text in logs for ln in text.splitlines() if ln.strip()]
    bad = [ln for ln in lines if not LOG_LINE.match(ln)]
    T.eq("every stderr line is logfmt (ts= level= part= msg=) (%d lines)" % len(lines), [], bad[:5])
    T.check("no secret in any line", not any(SECRET in ln for ln in lines), "absent", "present")
    print("%d passed, %d failed" % (T.passed, T.failed))
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
