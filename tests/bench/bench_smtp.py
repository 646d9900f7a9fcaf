#!/usr/bin/python3
"""Delivery throughput of interviewd's mail thread to a local SMTP server.

usage: tests/bench/bench_smtp.py BUILD/interviewd [INTERVIEWS]

Starts real OpenSMTPD + Dovecot on loopback (tests/mail/servers.py), queues
INTERVIEWS schedules (each: a notice to the candidate and one to the panelist) in one
console run while the servers are up, and measures how long the mail thread takes to
hand every notice to SMTP (outbox rows marked sent), and until the last one is
readable over IMAP. Part of `make bench`."""
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mail"))
import servers  # noqa: E402


def main():
    binary = os.path.abspath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    with servers.start(["cand", "panel", "rita", "bot"], "secret") as srv, tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "config.toml"), "w") as fh:
            fh.write(f"""[store]
path = "{d}/bench.db"
[mail]
from = "Interviews <bot@example.com>"
[smtp]
host = "127.0.0.1"
port = {srv.smtp_port}
tls = "off"
[people.rita]
email = "rita@example.com"
role = "recruiter"
[people.panel]
email = "panel@example.com"
""")
        lines = []
        for i in range(count):
            day, hour = 1 + i // 9 % 28, 8 + i % 9
            month = 1 + i // (9 * 28)
            lines.append(f'schedule candidate:"Cand {i} <cand+{i}@example.com>" '
                         f'when:"2031-{month:02d}-{day:02d} {hour:02d}:00" with:panel force:yes')
        env = dict(os.environ)
        env.pop("INTERVIEWD_NOW", None)
        start = time.monotonic()
        p = subprocess.run([binary, "-c", os.path.join(d, "config.toml"), "console", "--as", "rita", "--json"],
                           input="\n".join(lines) + "\n", capture_output=True, text=True, env=env, timeout=600)
        handed = time.monotonic() - start
        failures = [line for line in p.stdout.splitlines() if '"success":false' in line]
        if failures:
            print(f"bench_smtp: {len(failures)} commands failed, e.g. {failures[0][:300]}")
            return 1
        con = sqlite3.connect(os.path.join(d, "bench.db"))
        sent, pending = con.execute("SELECT count(sent_at), count(*) - count(sent_at) FROM outbox "
                                    "WHERE transport = 'email'").fetchone()
        con.close()
        srv.wait_for("panel", count, timeout=120)
        srv.wait_for("cand", count, timeout=120)
        visible = time.monotonic() - start
        if p.returncode != 0 or pending:
            print(f"bench_smtp: exit {p.returncode}, {pending} notices not sent: {p.stderr[-500:]}")
            return 1
        print(f"smtp: {sent} notices of {count} schedules, commands and sending in {handed:.2f} s "
              f"({sent / handed:.0f} notices/s handed to SMTP, one connection, plain SMTP on loopback)")
        print(f"smtp: all {sent} readable over IMAP after {visible:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
