#!/usr/bin/env python3
"""End-to-end tests of interviewd's email notices: the real binary, real mail servers.

usage: python3 tests/mail/test_notices.py BUILD_DIR/interviewd [CASE...]

Starts OpenSMTPD + Dovecot once (tests/mail/servers.py), then runs each case with its
own temporary folder, config and database, driving `interviewd -c CONFIG console --as
rita --json` with commands on stdin on the real clock (no INTERVIEWD_NOW: the mail
thread's retries need time to pass), interviews in 2031. Every mailbox is read back
over IMAP; a case's messages are told from earlier cases' by the database's instance
name, which is part of every Message-ID. Calendars are read by both checkers
(ics_check.js on ical.js, ics_check.py on python3-icalendar) and by a small reader
here that looks at the bytes (folding, CRLF, DESCRIPTION).

Cases (name them on the command line to run a few):
  chain     schedule -> reschedule (bob dropped, carol added) -> cancel over
            STARTTLS + AUTH: counts per person, headers, threading, MIME layout,
            iTIP (UID, SEQUENCE, METHOD, times, attendees), line lengths, who
            sees the cancel reason and the notes
  tls       implicit TLS; tls = "optional"; tls = "off" to the plain port; and
            tls = "starttls" (required) against a server without STARTTLS, which
            must send nothing
  outage    100 interviews (200 notices) while SMTP is stopped after the 20th
            command and started again about 3 s later: each message exactly once
  permanent a panelist the server refuses (5xx): the row failed, the others sent,
            the recruiter told in the console's JSON ({"chat": ...}), once
  baddata   quotes, commas, non-ASCII, a 200-byte name, a literal "\\r\\nBcc:" in a
            name, a 2000-byte note: encoded headers decode to the input, no Bcc
  password  a wrong SMTP password keeps the rows pending; fixed, they are sent
  crash     the console killed (SIGKILL) while it sends: a new run sends the rest,
            and nothing twice

What the test server does, not interviewd, and how the checks allow for it:
- OpenSMTPD delivers in parallel, so an INBOX may list a person's messages in another
  order than they were sent; SEQUENCE and threading are checked in the order sent
  (by outbox row, which every Message-ID names; see in_send_order).
- OpenSMTPD stopped while it delivers delivers some messages again from its queue
  after start_smtp(); a message counts once per SMTP transaction of the daemon
  (the "with ESMTPSA id" hop; see check_once), and such copies are only noted.
- OpenSMTPD rewrites a bare "<word>" in a To display name to "<word@localhost>",
  even inside quotes; the names here carry no such part.
- Python 3.11 keeps a space between two encoded-words of a display name, and each
  calendar checker has one quirk with a literal backslash-n (see _quirk_free); the
  test decodes those values itself and notes the checkers' difference.
- The outage case keeps the console running until the outbox is drained (its retries
  run on the real clock); at exit the mail thread sends only what is due, so a
  second console run finishes whatever is left, and the case says when it needed one.

Prints one line per failed check (FAIL case: what: expected ..., actual ...), the
case timings and remarks on stderr ("# case: ..."), and last "N passed, N failed";
exits 0 only when none failed. Takes about 35 s. Run as root (the servers need it),
with Debian's python3-icalendar and what tests/deps installs.
"""

import base64
import collections
import concurrent.futures
import datetime
import email
import email.policy
import email.utils
import html
import json
import os
import queue
import quopri
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import servers  # noqa: E402
import ics_agree  # noqa: E402  (its CHECKERS and run(): both calendar parsers)

PASSWORD = "secret"
PASSWORD_ENV = "INTERVIEWD_TEST_SMTP_PASSWORD"
BERLIN = "Europe/Berlin"  # [general] timezone: rita types in it, candidates read in it
# Mailboxes on the test server. cand/pan (outage) and cx/px (crash) take +N tags.
USERS = ["jane", "alice", "bob", "carol", "rita", "bot", "zoe", "mallory", "kim", "dora", "eve",
         "cand", "pan", "cx", "px"]
UTC_FMT = "%Y-%m-%dT%H:%M:%SZ"

# The configured people of every case ([people.X]); alice and carol read times in
# zones of their own, so their subjects show that the recipient's zone is used.
PEOPLE = {
    "rita": {"name": "Rita Recruiter", "email": "rita@example.com", "role": "recruiter"},
    "alice": {"name": "Alice Example", "email": "alice@example.com", "timezone": "America/New_York"},
    "bob": {"name": "Bob Builder", "email": "bob@example.com"},
    "carol": {"name": "Carol Chen", "email": "carol@example.com", "timezone": "Asia/Tokyo"},
}

# Subjects by (role, kind), from mail/templates/*.subject; {when} and {day} are in the
# recipient's zone.
SUBJECTS = {
    ("candidate", "scheduled"): "Your interview for {job}: {when}",
    ("candidate", "rescheduled"): "Your interview for {job} has moved: {when}",
    ("candidate", "cancelled"): "Your interview for {job} on {day} is cancelled",
    ("panel", "scheduled"): "Interview: {candidate} ({job}), round {round}, {when}",
    ("panel", "rescheduled"): "Moved: interview with {candidate} ({job}), now {when}",
    ("panel", "cancelled"): "Cancelled: interview with {candidate} ({job}), {day}",
    ("panel", "removed"): "Removed from the panel: interview with {candidate}, {day}",
}


# ---- results ----------------------------------------------------------------

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tally import T, note  # noqa: E402
from tally import wait_until as _wait_until  # noqa: E402


def wait_until(cond, timeout, interval=0.2):
    return _wait_until(cond, timeout, interval)


# ---- times ------------------------------------------------------------------

def utc_of(local, zone=BERLIN):
    """'2031-03-10 14:00' read in zone -> aware UTC datetime."""
    naive = datetime.datetime.strptime(local, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(datetime.timezone.utc)


def day_of(start, zone):
    l = start.astimezone(zoneinfo.ZoneInfo(zone))
    return "%s %d %s %04d" % (l.strftime("%a"), l.day, l.strftime("%b"), l.year)


def when_of(start, minutes, zone):
    """As lib/tzfmt.c writes it: 'Mon 10 Mar 2031 14:00-15:00'."""
    z = zoneinfo.ZoneInfo(zone)
    l, e = start.astimezone(z), (start + datetime.timedelta(minutes=minutes)).astimezone(z)
    return "%s %s-%s" % (day_of(start, zone), l.strftime("%H:%M"), e.strftime("%H:%M"))


# ---- the daemon -------------------------------------------------------------

def toml_str(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


_folders = []  # every Daemon's folder, removed at the end even when a case breaks


class Daemon:
    """One interviewd: a temporary folder with its config and database."""

    def __init__(self, binary, srv, name, people=None, **smtp):
        self.binary, self.srv = binary, srv
        self.dir = tempfile.mkdtemp(prefix="interviewd-mail-%s-" % name)
        _folders.append(self.dir)
        self.db = os.path.join(self.dir, "interviewd.db")
        self.path = os.path.join(self.dir, "config.toml")
        self.people = dict(PEOPLE, **(people or {}))
        self.env = dict(os.environ, TZ="UTC")
        self.env.pop("INTERVIEWD_NOW", None)
        self.configure(**smtp)

    def configure(self, tls="starttls", port=None, user="bot", password=PASSWORD):
        """Writes the config; user=None leaves AUTH out."""
        port = port if port is not None else self.srv.smtp_tls_port
        lines = ["[store]", "path = %s" % toml_str(self.db),
                 "[general]", "timezone = %s" % toml_str(BERLIN),
                 "[console]", 'as = "rita"',
                 "[mail]", 'from = "Interviews <bot@example.com>"',
                 "outbox_dir = %s" % toml_str(os.path.join(self.dir, "mail")),
                 "retry_after = 1", "retry_max = 2",
                 "[smtp]", 'host = "127.0.0.1"', "port = %d" % port, "tls = %s" % toml_str(tls),
                 "ca_file = %s" % toml_str(self.srv.cert), "timeout = 5"]
        if user:
            lines += ["user = %s" % toml_str(user), "password_env = %s" % toml_str(PASSWORD_ENV)]
            self.env[PASSWORD_ENV] = password
        for handle, p in self.people.items():
            lines.append("[people.%s]" % handle)
            lines += ["%s = %s" % (k, toml_str(v)) for k, v in p.items()]
        with open(self.path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    def argv(self):
        return [self.binary, "-c", self.path, "console", "--as", "rita", "--json"]

    def run(self, commands, timeout=60):
        """One console run with COMMANDS on stdin; returns a Run."""
        p = subprocess.run(self.argv(), input="".join(c + "\n" for c in commands),
                           capture_output=True, text=True, encoding="utf-8", env=self.env,
                           cwd=self.dir, timeout=timeout)
        return Run(p.returncode, p.stdout.splitlines(), p.stderr)

    def console(self):
        return Console(self)

    def sql(self, query, args=()):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()

    def instance(self):
        return self.sql("SELECT value FROM meta WHERE key = 'instance'")[0][0]

    def pending(self):
        return self.sql("SELECT count(*) FROM outbox WHERE transport = 'email' AND sent_at IS NULL "
                        "AND failed_at IS NULL")[0][0]

    def email_rows(self):
        """{recipient: [row dict, ...]} of the email outbox, in id order."""
        out = collections.defaultdict(list)
        for r in self.sql("SELECT id, kind, recipient, interview_id, attempts, next_try, last_error, "
                          "sent_at, failed_at FROM outbox WHERE transport = 'email' ORDER BY id"):
            out[r[2]].append(dict(zip(("id", "kind", "recipient", "interview", "attempts", "next_try",
                                       "last_error", "sent_at", "failed_at"), r)))
        return out

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Run:
    """What one console run printed: replies, and {"chat": ...} lines apart."""

    def __init__(self, rc, lines, stderr):
        self.rc, self.stderr = rc, stderr
        self.replies, self.chats, self.other = [], [], []
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                self.other.append(line)
                continue
            if isinstance(obj, dict) and set(obj) == {"chat"}:
                self.chats.append(obj["chat"])
            else:
                self.replies.append(obj)


class Console:
    """A console kept running (stdin open), as the daemon runs: send() one command
    and wait for its reply; close() ends stdin and waits for the exit."""

    def __init__(self, daemon):
        self.p = subprocess.Popen(daemon.argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                  env=daemon.env, cwd=daemon.dir)
        self.lines = queue.Queue()
        self.replies, self.chats, self.stderr = [], [], []
        self.readers = [threading.Thread(target=self._read, args=(self.p.stdout, self.lines.put)),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.stderr.append))]
        for t in self.readers:
            t.daemon = True
            t.start()

    @staticmethod
    def _read(stream, put):
        for line in stream:
            put(line)

    def _take(self, line):
        try:
            obj = json.loads(line)
        except ValueError:
            return None
        if isinstance(obj, dict) and set(obj) == {"chat"}:
            self.chats.append(obj["chat"])
            return None
        self.replies.append(obj)
        return obj

    def send(self, command, timeout=10):
        """The reply to COMMAND, or None if none came in time."""
        self.p.stdin.write(command + "\n")
        self.p.stdin.flush()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                obj = self._take(self.lines.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
            if obj is not None:
                return obj
        return None

    def _drain(self):
        for t in self.readers:
            t.join(5)
        while not self.lines.empty():
            self._take(self.lines.get())

    def close(self, timeout=30):
        """Ends stdin; the exit status (None if it did not exit in time: then killed)."""
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(5)
            rc = None
        self._drain()
        return rc

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(5)
        self._drain()


# ---- mailboxes --------------------------------------------------------------

def _header_value(raw, name):
    head = raw.split(b"\r\n\r\n", 1)[0]
    m = re.search(rb"(?im)^" + re.escape(name.encode()) + rb":[ \t]*([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)",
                  head)
    return m.group(1).decode("latin-1").replace("\r\n", "") if m else ""


def count(srv, user, instance):
    """How many messages of this database's instance USER's INBOX holds."""
    m = srv.imap(user)
    try:
        m.select("INBOX", readonly=True)
        typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", instance)
        return len(data[0].split()) if typ == "OK" and data and data[0] else 0
    finally:
        try:
            m.logout()
        except Exception:
            pass


def mailbox(srv, user, instance):
    """USER's messages of this instance, oldest first, as raw bytes."""
    return [raw for raw in srv.messages(user) if instance in _header_value(raw, "Message-ID")]


def collect(srv, instance, expect, timeout=15, settle=0.7):
    """Waits (bounded) until each user of EXPECT ({user: n}) holds at least n messages
    of INSTANCE, then SETTLE seconds more so a late duplicate shows; returns
    {user: [raw...]} (checked by the caller, so a shortfall is a failed check)."""
    deadline = time.monotonic() + timeout
    waiting = [u for u, n in expect.items() if n]
    while waiting and time.monotonic() < deadline:
        waiting = [u for u in waiting if count(srv, u, instance) < expect[u]]
        if waiting:
            time.sleep(0.2)
    time.sleep(settle)
    return {u: mailbox(srv, u, instance) for u in expect}


_WORD = re.compile(r'=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=|"((?:\\.|[^"\\])*)"|(\s+)|([^\s"]+)')


def _encoded_word(charset, enc, text):
    charset = charset.split("*")[0]  # RFC 2231 language tag
    if enc.upper() == "B":
        data = base64.b64decode(text + "=" * (-len(text) % 4))
    else:
        data = quopri.decodestring(text.replace("_", " ").encode("ascii"), header=True)
    return data.decode(charset, "replace")


def decode_mailbox(value):
    """(display name, address) of "phrase <addr>" by RFC 5322 and RFC 2047: folds
    unfolded, quoted-strings unquoted, encoded-words decoded, and the whitespace
    between two adjacent encoded-words dropped."""
    m = re.fullmatch(r"(.*?)\s*<([^<>]*)>\s*", value.replace("\r\n", ""), re.S)
    if not m:
        return ("", value.strip())
    out, prev, gap = [], None, ""
    for ew_cs, ew_enc, ew_text, quoted, space, atom in _WORD.findall(m.group(1)):
        if space:
            gap = " "
            continue
        kind = "ew" if ew_cs else "other"
        if out and gap and not (kind == "ew" and prev == "ew"):
            out.append(" ")
        gap = ""
        if ew_cs:
            out.append(_encoded_word(ew_cs, ew_enc, ew_text))
        elif quoted or atom == "":
            out.append(re.sub(r"\\(.)", r"\1", quoted))
        else:
            out.append(atom)
        prev = kind
    return ("".join(out).strip(), m.group(2))


class Mail:
    """One delivered message, parsed, with the parts the layout promises."""

    def __init__(self, raw, user):
        self.raw, self.user = raw, user
        self.msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.head = raw.split(b"\r\n\r\n", 1)[0]
        self.message_id = self.msg.get("Message-ID", "").strip()
        self.interview = _header_value(raw, "X-Interviewd-Interview").strip()
        # The SMTP transaction that took it from the daemon: Dovecot submission's id,
        # else (tls = "off") OpenSMTPD's.
        unfolded = re.sub(rb"\r\n[ \t]+", b" ", self.head)
        t = re.search(rb"with ESMTPSA id (\S+)", unfolded) or re.search(rb"\(OpenSMTPD\) with E?SMTP id (\S+)",
                                                                      unfolded)
        self.transaction = t.group(1).decode() if t else None
        self.plain = self.html = self.attachment = None
        self.cal = b""
        self.cal_part = self.att_part = None
        try:
            mixed = list(self.msg.iter_parts())
            alt = list(mixed[0].iter_parts())
            self.plain, self.html = alt[0].get_content(), alt[1].get_content()
            self.cal_part, self.att_part = alt[2], mixed[1]
            self.cal = alt[2].get_payload(decode=True) or b""
            self.attachment = mixed[1].get_payload(decode=True)
        except Exception:
            pass  # shape() reports what is missing

    def shape(self):
        def walk(part):
            if part.is_multipart():
                return (part.get_content_type(), [walk(p) for p in part.iter_parts()])
            return part.get_content_type()
        return walk(self.msg)

    def address(self, name):
        """(display name, address) of header NAME's only mailbox. Python's parser finds
        the mailboxes; the display name is decoded by decode_mailbox() below, since
        Python 3.11 keeps the folding space between two encoded-words of a display
        name, which RFC 2047 6.2 says to drop."""
        try:
            a = self.msg[name].addresses
        except Exception as e:
            return ("<unparsable: %s>" % e, "")
        if len(a) != 1:
            return ("<%d addresses: %s>" % (len(a), [x.addr_spec for x in a]), "")
        return decode_mailbox(_header_value(self.raw, name))

    def everything(self):
        """All a reader may see: decoded headers, text parts and the calendar."""
        view = ["%s: %s" % (k, v) for k, v in self.msg.items()]
        view += [self.plain or "", self.html or "", self.cal.decode("utf-8", "replace"),
                 ics_text(" ".join(v for _, v in ics_props(self.cal).get("DESCRIPTION", [])))]
        return "\n".join(view)


# ---- calendars --------------------------------------------------------------

def ics_props(data):
    """{NAME: [(name;params, value), ...]} of the unfolded content lines."""
    text = data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").decode("utf-8", "replace")
    props = collections.defaultdict(list)
    for line in text.split("\r\n"):
        quoted, cut = False, len(line)
        for i, ch in enumerate(line):
            if ch == '"':
                quoted = not quoted
            elif ch == ":" and not quoted:
                cut = i
                break
        if line:
            props[line[:cut].split(";", 1)[0].upper()].append((line[:cut], line[cut + 1:]))
    return props


def ics_text(v):
    """An iCalendar TEXT value unescaped (RFC 5545 3.3.11)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), v)


def lint_ics(label, data):
    """CRLF, 75-octet content lines, folds between characters (RFC 5545 3.1)."""
    lines = data.split(b"\r\n")
    T.check(label + ": .ics ends with CRLF", data.endswith(b"\r\n"), "CRLF at the end", data[-20:])
    lines = lines[:-1] if lines and lines[-1] == b"" else lines
    bare = [l for l in lines if b"\r" in l or b"\n" in l]
    T.check(label + ": .ics lines end in CRLF (no bare CR or LF)", not bare, "none", bare[:2])
    long = [l for l in lines if len(l) > 75]
    T.check(label + ": .ics content lines <= 75 octets", not long, "none longer",
            ["%d octets: %r" % (len(l), l[:80]) for l in long[:2]])
    split = []
    for l in lines:
        try:
            l.decode("utf-8")
        except UnicodeDecodeError:
            split.append(l[:80])
    T.check(label + ": .ics folds never split a UTF-8 sequence", not split, "none", split[:2])


def _quirk_free(v):
    """V with every newline written back as backslash-n. Each checker mis-reads one
    place where text holds a literal backslash followed by "n" (as "Mallory \\r\\n"
    does): icalendar 4.0.3 unescapes "\\\\n" in a TEXT value as a backslash and a
    newline; ical.js 2.2.1 applies TEXT escapes to parameter values (CN="a\\nb" becomes
    a newline), where RFC 5545 3.2 has none. Our inputs never hold a real newline in
    the fields the checkers print (commands refuse control characters), so a
    difference that this removes is one of those two quirks."""
    if isinstance(v, str):
        return v.replace("\n", "\\n")
    if isinstance(v, list):
        return [_quirk_free(x) for x in v]
    if isinstance(v, dict):
        return {k: _quirk_free(x) for k, x in v.items()}
    return v


def read_calendars(items):
    """Runs both checkers on each (label, ics bytes); checks they accept and agree;
    returns the parsed objects (icalendar's, or ical.js's if only it accepted)."""
    tmp = tempfile.mkdtemp(prefix="interviewd-ics-")
    try:
        jobs = []
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            for i, (label, data) in enumerate(items):
                path = os.path.join(tmp, "%03d.ics" % i)
                with open(path, "wb") as f:
                    f.write(data)
                jobs.append([ex.submit(ics_agree.run, argv(path)) for _, argv in ics_agree.CHECKERS])
        out = []
        for (label, _), futures in zip(items, jobs):
            (js, js_err), (py, py_err) = (f.result() for f in futures)
            T.check(label + ": ical.js accepts the calendar", js_err is None, "accepted", js_err)
            T.check(label + ": icalendar accepts the calendar", py_err is None, "accepted", py_err)
            if js is not None and py is not None:
                diff = [k for k in sorted(set(js) | set(py)) if js.get(k) != py.get(k)]
                quirk = diff and all(_quirk_free(js.get(k)) == _quirk_free(py.get(k)) for k in diff)
                if quirk:
                    note("%s: the checkers differ only by their known reading of a literal "
                         "backslash-n (%s); the bytes are checked instead" % (label, ", ".join(diff)))
                T.check(label + ": ical.js and icalendar agree", not diff or quirk, "the same",
                        {k: (js.get(k), py.get(k)) for k in diff})
            # icalendar's reading when both have one: it keeps parameter values as
            # written (RFC 5545 gives them no escapes); a disagreement is reported above.
            out.append(py if py is not None else js)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- checks shared by the cases ----------------------------------------------

def check_message(label, m, method):
    """What every notice must be, whoever it is for: headers, layout, line lengths,
    the calendar part's parameters, and the attachment equal to the inline calendar."""
    for name in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Auto-Submitted"):
        T.eq(label + ": one %s header" % name, 1, len(m.msg.get_all(name) or []))
    T.eq(label + ": From", ("Interviews", "bot@example.com"), m.address("From"))
    T.eq(label + ": MIME-Version", "1.0", str(m.msg.get("MIME-Version", "")).strip())
    T.eq(label + ": Auto-Submitted", "auto-generated", str(m.msg.get("Auto-Submitted", "")).strip())
    T.check(label + ": Message-ID <local@example.com>",
            re.fullmatch(r"<[^<>@\s]+@example\.com>", m.message_id) is not None, "<...@example.com>",
            m.message_id)
    T.eq(label + ": no Bcc or Cc header", [], [k for k in m.msg.keys() if k.lower() in ("bcc", "cc")])
    long = [l[:60] for l in m.raw.split(b"\r\n") if len(l) > 998]
    T.check(label + ": every line of the message <= 998 octets", not long, "none longer", long[:2])
    want = ("multipart/mixed", [("multipart/alternative", ["text/plain", "text/html", "text/calendar"]),
                                "application/ics"])
    shape = m.shape()
    if shape != want and isinstance(shape, tuple) and len(shape[1]) == 2 and shape[1][1] == "text/calendar":
        shape = (shape[0], [shape[1][0], "application/ics"])  # either type is fine for the attachment
    T.eq(label + ": MIME layout", want, shape)
    if m.cal_part is None:
        return
    T.eq(label + ": text/calendar method=", method, m.cal_part.get_param("method"))
    T.eq(label + ": text/calendar charset=", "utf-8", (m.cal_part.get_param("charset") or "").lower())
    T.eq(label + ": attachment named invite.ics", "invite.ics", m.att_part.get_filename())
    T.eq(label + ": attachment disposition", "attachment", m.att_part.get_content_disposition())
    T.check(label + ": invite.ics identical to the inline calendar", m.attachment == m.cal,
            m.cal[:120], (m.attachment or b"")[:120])
    T.eq(label + ": METHOD in the calendar = method= of the part", method,
         ics_props(m.cal).get("METHOD", [("", "")])[0][1])
    lint_ics(label, m.cal)


def in_send_order(user, mails, rows):
    """MAILS (one person's, as their INBOX lists them) in the order the daemon sent
    them: by outbox row. OpenSMTPD delivers in parallel, so a mailbox may list a
    later message first (seen: bob's removal CANCEL before his first invite); no
    SMTP client can prevent that, and SEQUENCE is what lets calendars cope. The
    first notice of a chain is named interview-ROOT...; every other outbox-ROW...."""
    def row(m):
        n = re.match(r"<outbox-(\d+)\.", m.message_id)
        if n:
            return int(n.group(1))
        first = [r["id"] for r in rows if r["kind"] == "scheduled" and str(r["interview"]) == m.interview]
        return first[0] if first else 1 << 40
    ordered = sorted(mails, key=row)
    T.eq(user + ": each message names its own outbox row", len(mails), len({row(m) for m in mails}))
    if [m.message_id for m in ordered] != [m.message_id for m in mails]:
        note("%s: the mailbox lists the messages in another order than they were sent "
             "(the server's doing); checked in the order sent" % user)
    return ordered


def check_thread(label, mails):
    """One person's messages about one interview, in the order sent: the first starts
    the thread; every later one answers it (In-Reply-To and References)."""
    if not mails:
        return
    first = mails[0]
    T.eq(label + " #1: no In-Reply-To (it starts the thread)", None, first.msg.get("In-Reply-To"))
    for i, m in enumerate(mails[1:], 2):
        T.eq("%s #%d: In-Reply-To = Message-ID of the first" % (label, i), first.message_id,
             str(m.msg.get("In-Reply-To", "")).strip() or None)
        T.eq("%s #%d: References = Message-ID of the first" % (label, i), first.message_id,
             str(m.msg.get("References", "")).strip() or None)


def check_attendee(label, cal, address):
    mine = [a for a in (cal or {}).get("attendees", []) if a.get("email") == address]
    if T.eq(label + ": the recipient is an ATTENDEE once", 1, len(mine)):
        a = mine[0]
        T.eq(label + ": the recipient's ATTENDEE parameters",
             {"role": "REQ-PARTICIPANT", "partstat": "NEEDS-ACTION", "rsvp": True},
             {k: a.get(k) for k in ("role", "partstat", "rsvp")})
    return mine[0] if mine else {}


def check_dtstamp(label, m, t0, t1):
    stamp = ics_props(m.cal).get("DTSTAMP", [("", "")])[0][1]
    try:
        at = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        ok = t0 - 5 <= at.timestamp() <= t1 + 5
    except ValueError:
        ok = False
    T.check(label + ": DTSTAMP in UTC, when the message was made", ok,
            "between %s and %s" % (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t0)),
                                   time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t1))), stamp)
    try:
        date = email.utils.parsedate_to_datetime(str(m.msg.get("Date"))).timestamp()
        ok = t0 - 5 <= date <= t1 + 5
    except (TypeError, ValueError):
        ok = False
    T.check(label + ": Date header, when the message was made", ok, "within the run",
            m.msg.get("Date"))


def replies_ok(label, commands, replies):
    for i, cmd in enumerate(commands):
        r = replies[i] if i < len(replies) else None
        T.check("%s: reply to %s" % (label, cmd[:60]), isinstance(r, dict) and r.get("success") is True,
                "success", r)


def check_once(mails, want, in_flight=0):
    """Each (interview id, recipient) of WANT arrived, and was handed over by the
    daemon exactly once. A message is one SMTP transaction of the daemon when its
    copies share the submission's transaction id (the "with ESMTPSA id ..." hop):
    OpenSMTPD, stopped while it delivers, delivers that message again from its
    queue after the restart; that is the test server's doing and is only noted.
    IN_FLIGHT: how many messages may have been handed over twice because the daemon
    was killed between the server's final 250 and recording the row as sent; no
    SMTP client can close that window (RFC 1047), the single mail thread keeps it
    to the one message it was sending."""
    by_key, copies, transactions = collections.defaultdict(set), collections.Counter(), \
        collections.defaultdict(set)
    for m in mails:
        by_key[(m.interview, m.address("To")[1])].add(m.message_id)
        copies[m.message_id] += 1
        transactions[m.message_id].add(m.transaction)
    ok = T.eq("every copy names the SMTP transaction it came in", [],
              sorted(m.message_id for m in mails if not m.transaction)[:5])
    ok &= T.eq("missing (interview, recipient)", [], sorted(want - set(by_key))[:10])
    ok &= T.eq("unexpected (interview, recipient)", [], sorted(set(by_key) - want)[:10])
    ok &= T.eq("(interview, recipient) sent under several Message-IDs", [],
               sorted((k, sorted(v)) for k, v in by_key.items() if len(v) > 1)[:5])
    twice = sorted((k, sorted(v)) for k, v in transactions.items() if len(v) > 1)
    if twice and len(twice) <= in_flight and all(len(v) == 2 for _, v in twice):
        note("handed over twice, being in flight when the daemon was killed: %s" % twice)
    ok &= T.check("Message-IDs the daemon handed over more than once (distinct SMTP transactions)%s"
                  % (", beyond %d in flight at a kill" % in_flight if in_flight else ""),
                  len(twice) <= in_flight and all(len(v) == 2 for _, v in twice),
                  "none" if not in_flight else "at most %d, twice" % in_flight, twice[:5])
    redelivered = sorted(k for k, n in copies.items() if n > 1 and len(transactions[k]) == 1)
    if redelivered:
        note("the test server delivered %d message(s) twice from its queue after being stopped "
             "mid-delivery (one SMTP transaction each, so interviewd sent them once): %s"
             % (len(redelivered), ", ".join(redelivered[:4])))
    ok &= T.eq("messages arrived, counting each SMTP transaction once", len(want),
               sum(len(v) for v in transactions.values()) - len(twice if len(twice) <= in_flight else []))
    return ok


# ---- case: schedule -> reschedule -> cancel ----------------------------------

A_LOCAL, B_LOCAL, MINUTES = "2031-03-10 14:00", "2031-03-11 15:00", 60
JOB, CANDIDATE, LINK, ROOM = "Data Scientist", "Jane Doe", "https://meet.example.com/abc", "Room 301"
NOTES = "bring portfolio; referred by Bob, internal"
REASON = "budget freeze, internal only"
CHAIN_COMMANDS = [
    'schedule candidate:"Jane Doe <jane@example.com>" job:"%s" when:"%s" duration:%dm type:video '
    'with:alice,bob location:"%s" link:%s notes:"%s"' % (JOB, A_LOCAL, MINUTES, ROOM, LINK, NOTES),
    'reschedule #1 when:"%s" with:alice,carol' % B_LOCAL,
    'cancel #2 reason:"%s"' % REASON,
]
# What each person must get, in order: (kind, interview id, start, SEQUENCE, the
# ATTENDEE addresses of the calendar). The candidate's calendar lists the candidate;
# the panel's the candidate and the panel; the CANCEL to a removed panelist lists only
# the people being removed (RFC 5546 3.2.5; reference/email.md "Removing one person
# from a panel = a CANCEL to that person only").
A, B = "A", "B"
CHAIN = {
    "jane": [("scheduled", 1, A, 0, "jane"), ("rescheduled", 2, B, 1, "jane"),
             ("cancelled", 2, B, 2, "jane")],
    "alice": [("scheduled", 1, A, 0, "jane alice bob"), ("rescheduled", 2, B, 1, "jane alice carol"),
              ("cancelled", 2, B, 2, "jane alice carol")],
    "bob": [("scheduled", 1, A, 0, "jane alice bob"), ("removed", 1, A, 1, "bob")],
    "carol": [("scheduled", 2, B, 1, "jane alice carol"), ("cancelled", 2, B, 2, "jane alice carol")],
    "rita": [],
    "bot": [],
}


def case_chain(binary, srv):
    d = Daemon(binary, srv, "chain")
    logins = len(srv.smtp_logins())
    t0 = time.time()
    run = d.run(CHAIN_COMMANDS)
    t1 = time.time()
    T.eq("console exit status", 0, run.rc)
    replies_ok("chain", CHAIN_COMMANDS, run.replies)
    T.eq("no chat lines (nothing failed)", [], run.chats)
    inst = d.instance()
    boxes = collect(srv, inst, {u: len(v) for u, v in CHAIN.items()})
    new = srv.smtp_logins()[logins:]
    T.check("STARTTLS: every login of the daemon was over TLS, as bot",
            new and all(l == {"user": "bot", "tls": True} for l in new), "[{user: bot, tls: True}...]", new)
    starts = {A: utc_of(A_LOCAL), B: utc_of(B_LOCAL)}
    mails, calendars, rows = {}, [], d.email_rows()
    for user, steps in CHAIN.items():
        got = [Mail(raw, user) for raw in boxes[user]]
        T.eq("%s: messages (%s)" % (user, ", ".join(s[0] for s in steps) or "none"), len(steps), len(got))
        mails[user] = in_send_order(user, got, rows.get("%s@example.com" % user, []))
        calendars += [("%s #%d" % (user, i + 1), m.cal) for i, m in enumerate(mails[user])]
    parsed = iter(read_calendars(calendars))
    ids, uids = [], set()
    for user, steps in CHAIN.items():
        person = PEOPLE.get(user, {"name": CANDIDATE})
        zone = person.get("timezone", BERLIN)
        role = "candidate" if user == "jane" else "panel"
        seqs = []
        for i, (m, step) in enumerate(zip(mails[user], steps)):
            kind, interview, which, seq, attendees = step
            label = "%s #%d (%s)" % (user, i + 1, kind)
            cal = next(parsed) or {}
            method = "CANCEL" if kind in ("cancelled", "removed") else "REQUEST"
            start = starts[which]
            check_message(label, m, method)
            check_dtstamp(label, m, t0, t1)
            ids.append(m.message_id)
            T.eq(label + ": To", (person["name"], "%s@example.com" % user), m.address("To"))
            T.eq(label + ": Subject", SUBJECTS[(role, kind)].format(
                job=JOB, candidate=CANDIDATE, round=1, when=when_of(start, MINUTES, zone),
                day=day_of(start, zone)), str(m.msg.get("Subject")))
            T.eq(label + ": X-Interviewd-Interview", str(interview), m.interview)
            greeting = ("Dear %s," if role == "candidate" else "Hello %s,") % person["name"]
            T.check(label + ": text greets the recipient", greeting in (m.plain or ""), greeting, m.plain)
            T.eq(label + ": METHOD", method, cal.get("method"))
            T.eq(label + ": STATUS", "CANCELLED" if method == "CANCEL" else "CONFIRMED", cal.get("status"))
            T.eq(label + ": SEQUENCE (0, then +1 per change of the chain)", seq, cal.get("sequence"))
            seqs.append(cal.get("sequence"))
            uids.add(cal.get("uid"))
            T.eq(label + ": DTSTART/DTEND in UTC as scheduled",
                 (start.strftime(UTC_FMT), (start + datetime.timedelta(minutes=MINUTES)).strftime(UTC_FMT)),
                 (cal.get("dtstart_utc"), cal.get("dtend_utc")))
            T.eq(label + ": SUMMARY", "Interview: %s" % JOB if role == "candidate" else
                 "Interview: %s (%s), round 1" % (CANDIDATE, JOB), cal.get("summary"))
            T.eq(label + ": LOCATION", ROOM, cal.get("location"))
            T.eq(label + ": ORGANIZER = From", "bot@example.com", cal.get("organizer"))
            T.eq(label + ": ATTENDEE addresses", sorted("%s@example.com" % a for a in attendees.split()),
                 sorted(a.get("email") for a in cal.get("attendees", [])))
            check_attendee(label, cal, "%s@example.com" % user)
            desc = ics_text(" ".join(v for _, v in ics_props(m.cal).get("DESCRIPTION", [])))
            if method == "REQUEST":
                T.check(label + ": DESCRIPTION has the meeting link", LINK in desc, LINK, desc)
                T.check(label + ": text has the meeting link", LINK in (m.plain or ""), LINK, m.plain)
            if kind == "rescheduled":
                was = "Was:      %s %s" % (day_of(starts[A], zone),
                                           starts[A].astimezone(zoneinfo.ZoneInfo(zone)).strftime("%H:%M"))
                T.check(label + ": text says what the time was", was in (m.plain or ""), was, m.plain)
            everything = m.everything()
            if role == "candidate":
                T.check(label + ": the candidate never sees the cancel reason", REASON not in everything,
                        "no %r" % REASON, everything)
                T.check(label + ": the candidate never sees the internal notes", NOTES not in everything,
                        "no %r" % NOTES, everything)
            elif kind == "cancelled":
                T.check(label + ": the reason in the panel's text/plain", REASON in (m.plain or ""),
                        REASON, m.plain)
                T.check(label + ": the reason in the panel's text/html", REASON in html.unescape(m.html or ""),
                        REASON, m.html)
            elif kind in ("scheduled", "rescheduled"):
                T.check(label + ": the notes in the panel's text/plain", NOTES in (m.plain or ""), NOTES,
                        m.plain)
                T.check(label + ": the notes in the panel's DESCRIPTION", NOTES in desc, NOTES, desc)
        T.check(user + ": SEQUENCE strictly increasing in the order sent",
                all(isinstance(s, int) for s in seqs) and all(a < b for a, b in zip(seqs, seqs[1:])),
                "increasing", seqs)
        check_thread(user, mails[user])
    T.eq("one UID for the whole chain, for everyone", 1, len(uids - {None}) if uids else 0)
    T.check("the UID names the sender's domain", all(u and u.endswith("@example.com") for u in uids),
            "...@example.com", sorted(map(str, uids)))
    T.eq("Message-IDs unique", len(ids), len(set(ids)))
    rows = [r for rs in d.email_rows().values() for r in rs]
    T.eq("outbox: every email row sent", [], [(r["id"], r["recipient"], r["last_error"]) for r in rows
                                              if not r["sent_at"] or r["failed_at"]])
    T.eq("outbox: one row per message", sum(len(v) for v in CHAIN.values()), len(rows))
    d.remove()


# ---- case: the TLS modes -----------------------------------------------------

def one_notice(binary, srv, name, when, **smtp):
    """A daemon that schedules one interview with jane only; returns (daemon, run, logins)."""
    d = Daemon(binary, srv, name, **smtp)
    logins = len(srv.smtp_logins())
    cmd = 'schedule candidate:"Jane Doe <jane@example.com>" job:"%s" when:"%s"' % (JOB, when)
    run = d.run([cmd])
    T.eq(name + ": console exit status", 0, run.rc)
    replies_ok(name, [cmd], run.replies)
    return d, run, srv.smtp_logins()[logins:]


def case_tls(binary, srv):
    for name, tls, port, user, via_submission in (
            ("implicit", "implicit", srv.smtps_port, "bot", True),
            ("optional", "optional", srv.smtp_tls_port, "bot", True),
            ("off", "off", srv.smtp_port, None, False)):
        d, run, logins = one_notice(binary, srv, name, "2031-03-12 10:00", tls=tls, port=port, user=user)
        got = collect(srv, d.instance(), {"jane": 1})["jane"]
        T.eq("%s (port %d): messages to jane" % (name, port), 1, len(got))
        if via_submission:
            T.check(name + ": the daemon logged in over TLS", logins and all(
                l == {"user": "bot", "tls": True} for l in logins), "[{user: bot, tls: True}]", logins)
        else:
            T.eq(name + ": no login on the submission ports", [], logins)
        for raw in got:
            m = Mail(raw, "jane")
            check_message(name, m, "REQUEST")
            T.eq(name + ": came through the submission service (ESMTPSA)", via_submission,
                 b"with ESMTPSA" in m.head)
        d.remove()
    # STARTTLS required, but the plain port offers none: nothing may go out in clear.
    d, run, logins = one_notice(binary, srv, "required", "2031-03-12 11:00", tls="starttls",
                                port=srv.smtp_port, user=None)
    time.sleep(1.0)
    T.eq("required vs no STARTTLS: messages to jane", 0, count(srv, "jane", d.instance()))
    rows = [r for rs in d.email_rows().values() for r in rs]
    T.check("required vs no STARTTLS: the row waits (not sent, not failed) with an error",
            len(rows) == 1 and not rows[0]["sent_at"] and not rows[0]["failed_at"] and rows[0]["last_error"],
            "1 pending row with last_error", rows)
    T.eq("required vs no STARTTLS: no chat line (it is not given up)", [], run.chats)
    note("required vs no STARTTLS: last_error %s" % (rows[0]["last_error"] if rows else "-"))
    d.remove()


# ---- case: SMTP outage during a burst -----------------------------------------

OUTAGE_N, OUTAGE_STOP_AFTER, OUTAGE_DOWN_S = 100, 20, 3.0


def outage_command(i):
    day, hour = 1 + (i - 1) // 10, 8 + (i - 1) % 10
    return ('schedule candidate:"Candidate %d <cand+%d@example.com>" job:"Outage" '
            'when:"2031-05-%02d %02d:00" with:pan+%d@example.com' % (i, i, day, hour, i))


def case_outage(binary, srv):
    d = Daemon(binary, srv, "outage")
    con = d.console()
    ids, stopped, t_stop = {}, False, None
    sent = lambda: d.sql("SELECT count(*) FROM outbox WHERE transport = 'email' AND sent_at IS NOT NULL")[0][0]
    try:
        for i in range(1, OUTAGE_N + 1):
            r = con.send(outage_command(i))
            if isinstance(r, dict) and r.get("success"):
                ids[i] = r["data"]["interview"]["id"]
            if i < OUTAGE_STOP_AFTER:
                time.sleep(0.05)  # the mail thread sends some before the outage, some while it starts
            if i == OUTAGE_STOP_AFTER:
                sent_before, t = sent(), time.monotonic()
                srv.stop_smtp()
                stopped, t_stop = True, time.monotonic()
                note("SMTP stopped after command %d: %d rows sent before, %d more while stop_smtp "
                     "ran (%.1fs)" % (i, sent_before, sent() - sent_before, t_stop - t))
                sent_stopped = sent()
        T.eq("all %d schedule commands succeeded" % OUTAGE_N, OUTAGE_N, len(ids))
        time.sleep(max(0.0, OUTAGE_DOWN_S - (time.monotonic() - t_stop)))
        pending_down, sent_down = d.pending(), sent()
    finally:
        if stopped:
            srv.start_smtp()
    note("SMTP started again, %d rows waiting" % pending_down)
    T.check("the outage held messages back", pending_down > 0, "> 0 rows pending while down", pending_down)
    T.eq("rows marked sent while no SMTP server ran", 0, sent_down - sent_stopped)
    # The daemon keeps running: its retries (retry_after = 1, retry_max = 2) drain the outbox.
    t = time.monotonic()
    left = wait_until(lambda: d.pending() == 0, 25, 0.3)
    rc = con.close()
    T.eq("console exit status", 0, rc)
    note("outbox drained %.1fs after the restart by the running console" % (time.monotonic() - t)
         if left else "outbox NOT drained by the running console")
    if d.pending():
        note("%d rows still pending after exit: a second console run finishes them" % d.pending())
        con2 = d.console()
        wait_until(lambda: d.pending() == 0, 20, 0.3)
        con2.close()
    inst = d.instance()
    boxes = collect(srv, inst, {"cand": OUTAGE_N, "pan": OUTAGE_N}, timeout=30, settle=1.5)
    want = {(str(iv), "%s+%d@example.com" % (who, i)) for i, iv in ids.items() for who in ("cand", "pan")}
    mails = [Mail(raw, user) for user in ("cand", "pan") for raw in boxes[user]]
    if not check_once(mails, want):
        note("server logs:\n--- smtpd ---\n%s\n--- submission ---\n%s" % (
            servers._tail(srv.smtpd_log, 30), servers._tail(os.path.join(srv.dir, "submission.log"), 30)))
    rows = [r for rs in d.email_rows().values() for r in rs]
    T.eq("outbox rows", 2 * len(ids), len(rows))
    T.eq("outbox rows not sent", [], [(r["id"], r["recipient"], r["last_error"]) for r in rows
                                      if not r["sent_at"] or r["failed_at"]][:5])
    retried = sum(1 for r in rows if r["attempts"] > 1)
    T.check("some rows were sent after a retry", retried > 0, "> 0", retried)
    T.eq("no chat lines (nothing was given up)", [], con.chats)
    note("%d of %d rows needed more than one attempt" % (retried, len(rows)))
    d.remove()


# ---- case: a permanent failure --------------------------------------------------

def case_permanent(binary, srv):
    d = Daemon(binary, srv, "permanent")
    cmd = ('schedule candidate:"Jane Doe <jane@example.com>" job:"%s" when:"2031-03-13 10:00" '
           'with:alice,nosuch@example.com' % JOB)
    run = d.run([cmd])
    T.eq("console exit status", 0, run.rc)
    replies_ok("permanent", [cmd], run.replies)
    iv = (run.replies[0].get("data") or {}).get("interview", {}).get("id") if run.replies else None
    boxes = collect(srv, d.instance(), {"jane": 1, "alice": 1})
    T.eq("jane got the invite", 1, len(boxes["jane"]))
    T.eq("alice got the invite", 1, len(boxes["alice"]))
    rows = d.email_rows()
    bad = rows.get("nosuch@example.com", [])
    T.eq("one row for nosuch@example.com", 1, len(bad))
    if bad:
        r = bad[0]
        T.check("nosuch row marked failed, not sent", r["failed_at"] and not r["sent_at"],
                "failed_at set, sent_at NULL", r)
        T.check("nosuch row: the server's 5xx in last_error",
                re.search(r"\b5\d\d\b", r["last_error"] or "") is not None, "a 5xx code", r["last_error"])
        T.eq("nosuch row: tried once (a 5xx is not retried)", 1, r["attempts"])
    for who in ("jane@example.com", "alice@example.com"):
        T.check(who + " row sent", all(r["sent_at"] for r in rows.get(who, [])) and rows.get(who),
                "sent", rows.get(who))
    tell = [c for c in run.chats if "nosuch@example.com" in c and "#%s" % iv in c]
    T.eq("the recruiter is told once in chat, naming #id and the address", 1, len(tell))
    T.eq("chat lines", 1, len(run.chats))
    note("chat: %s" % (run.chats[:1] or ["(none)"])[0])
    console = d.sql("SELECT recipient, sent_at FROM outbox WHERE transport = 'chat'")
    T.check("the chat row is for rita and marked shown", len(console) == 1 and console[0][0] == "rita"
            and console[0][1], "[('rita', <sent_at>)]", console)
    again = d.run(["stats"])
    T.eq("the chat line is not shown a second time", [], again.chats)
    d.remove()


# ---- case: bad data ------------------------------------------------------------

ZOE = 'Zoë O\'Brien, "ZB"'
MALLORY = "Mallory \\r\\nBcc: eve@evil.example"  # a literal backslash-r backslash-n, as typed


def _fill(piece, limit):
    """PIECE repeated, as many whole characters as fit in LIMIT bytes of UTF-8."""
    s = ""
    for ch in piece * limit:
        if len((s + ch).encode()) > limit:
            break
        s += ch
    return s


KIM = _fill("Kïm Łøng-Ñame Ω ", 199).strip()  # a name near the 200-byte limit, mostly non-ASCII
# An address-like part with a domain: OpenSMTPD (the test server) appends "@localhost" to a
# bare "<word>" even inside a quoted display name, which would show as a false failure.
DORA = 'Dörte "Dee" Ünal-Ørsted; <dee@team.example>, Ph.D.'
BAD_JOB = 'Ingénieur·e "Backend"; Zürich'
BAD_ROOM = 'Salle Été, 3ᵉ étage; Bâtiment "B" \\ annexe'
BAD_LINK = "https://meet.example.com/a,b;c?x=1&y=2"


def _note_2000():
    piece = 'Zoë said "ok"; a,b \\ c: ünïcødé ☃ 𝄞 — <b>bold</b> & more. '
    s = ""
    while len((s + piece).encode()) <= 2000:
        s += piece
    return s + "x" * (2000 - len(s.encode()))


NOTE_2000 = _note_2000()


def cmd_quote(s):
    """A value inside "...": backslash and quote escaped (commands/lex.c)."""
    return s.replace("\\", "\\\\").replace('"', '\\"')


def case_baddata(binary, srv):
    assert len(NOTE_2000.encode()) == 2000 and len(KIM.encode()) <= 200
    people = {"dora": {"name": DORA, "email": "dora@example.com"}}
    d = Daemon(binary, srv, "baddata", people=people)
    cmds = [
        'schedule candidate:"%s <zoe@example.com>" job:"%s" when:"2031-03-14 10:00" with:dora '
        'location:"%s" link:%s notes:"%s"' % (cmd_quote(ZOE), cmd_quote(BAD_JOB), cmd_quote(BAD_ROOM),
                                               BAD_LINK, cmd_quote(NOTE_2000)),
        'schedule candidate:"%s <mallory@example.com>" job:"%s" when:"2031-03-14 12:00" with:dora'
        % (cmd_quote(MALLORY), cmd_quote(BAD_JOB)),
        'schedule candidate:"%s <kim@example.com>" job:"%s" when:"2031-03-14 14:00" with:dora'
        % (cmd_quote(KIM), cmd_quote(BAD_JOB)),
    ]
    t0 = time.time()
    run = d.run(cmds)
    t1 = time.time()
    T.eq("console exit status", 0, run.rc)
    replies_ok("baddata", cmds, run.replies)
    stored = [((r.get("data") or {}).get("interview") or {}) for r in run.replies]
    T.eq("names stored as typed", [ZOE, MALLORY, KIM], [s.get("candidate_name") for s in stored])
    T.eq("notes stored as typed", NOTE_2000, stored[0].get("notes") if stored else None)
    inst = d.instance()
    boxes = collect(srv, inst, {"zoe": 1, "mallory": 1, "kim": 1, "dora": 3, "eve": 0})
    for user, n in (("zoe", 1), ("mallory", 1), ("kim", 1), ("dora", 3)):
        T.eq(user + ": messages", n, len(boxes[user]))
    T.eq("eve: nothing (an injected Bcc must not deliver)", 0, len(srv.messages("eve")))
    start = {1: utc_of("2031-03-14 10:00"), 2: utc_of("2031-03-14 12:00"), 3: utc_of("2031-03-14 14:00")}
    names = {1: ZOE, 2: MALLORY, 3: KIM}
    mails = [(Mail(raw, u), u) for u in ("zoe", "mallory", "kim", "dora") for raw in boxes[u]]
    parsed = read_calendars([("%s %s" % (u, m.interview), m.cal) for m, u in mails])
    for (m, user), cal in zip(mails, parsed):
        cal = cal or {}
        iv = int(m.interview) if m.interview.isdigit() else 0
        label = "%s about #%s" % (user, m.interview)
        candidate = names.get(iv, "?")
        role = "panel" if user == "dora" else "candidate"
        check_message(label, m, "REQUEST")
        check_dtstamp(label, m, t0, t1)
        T.check(label + ": no header line starts with Bcc:",
                not re.search(rb"(?im)^bcc:", m.head), "none", m.head[-300:])
        T.eq(label + ": To decodes to the name as typed",
             (DORA if role == "panel" else candidate, "%s@example.com" % user), m.address("To"))
        when = when_of(start.get(iv, start[1]), 60, BERLIN)
        T.eq(label + ": Subject decodes to the text as typed", SUBJECTS[(role, "scheduled")].format(
            job=BAD_JOB, candidate=candidate, round=1, when=when, day=""), str(m.msg.get("Subject")))
        for hname in ("To", "Subject"):
            rawh = _header_value(m.raw, hname)
            T.check(label + ": raw %s is 7-bit (RFC 2047 encoded)" % hname, rawh.isascii(), "ASCII",
                    rawh)
        props = ics_props(m.cal)
        summary = ics_text(props.get("SUMMARY", [("", "")])[0][1])
        T.eq(label + ": SUMMARY (read from the bytes)", "Interview: %s" % BAD_JOB if role == "candidate" else
             "Interview: %s (%s), round 1" % (candidate, BAD_JOB), summary)
        me = check_attendee(label, cal, "%s@example.com" % user)
        cns = {}
        for head, value in props.get("ATTENDEE", []):
            cn = re.search(r';CN=("([^"]*)"|[^;:]*)', head)
            cns[value.lower()] = (cn.group(2) if cn.group(2) is not None else cn.group(1)) if cn else None
        for who, name in (("mailto:%s@example.com" % user, DORA if role == "panel" else candidate),):
            T.check(label + ": the recipient's CN in the bytes is the name (a DQUOTE may become a space)",
                    cns.get(who) in (name, name.replace('"', " ")), name, cns.get(who))
        cn_want = DORA if role == "panel" else candidate
        T.check(label + ": the recipient's CN is the name (a DQUOTE may become a space)",
                me.get("cn") in (cn_want, cn_want.replace('"', " "), cn_want.replace('"', "'")),
                cn_want, me.get("cn"))
        desc = ics_text(" ".join(v for _, v in ics_props(m.cal).get("DESCRIPTION", [])))
        if iv == 1:
            T.eq(label + ": LOCATION", BAD_ROOM, cal.get("location"))
            T.check(label + ": DESCRIPTION has the link", BAD_LINK in desc, BAD_LINK, desc)
            if role == "panel":
                T.check(label + ": the 2000-byte note intact in text/plain", NOTE_2000 in (m.plain or ""),
                        NOTE_2000, m.plain)
                T.check(label + ": the 2000-byte note intact in text/html",
                        NOTE_2000 in html.unescape(m.html or ""), NOTE_2000, m.html)
                T.check(label + ": the 2000-byte note intact in DESCRIPTION (unfolded)",
                        "Notes: " + NOTE_2000 in desc, "Notes: " + NOTE_2000, desc)
                T.check(label + ": the note is HTML-escaped in text/html", "<b>bold</b>" not in (m.html or ""),
                        "&lt;b&gt;", m.html)
            else:
                T.check(label + ": the candidate does not see the note", NOTE_2000[:40] not in m.everything(),
                        "absent", "present")
    d.remove()


# ---- case: a wrong password ------------------------------------------------------

PASSWORD_RUN_S = 4.5


def case_password(binary, srv):
    d = Daemon(binary, srv, "password", password="wrong-password")
    cmd = ('schedule candidate:"Jane Doe <jane@example.com>" job:"%s" when:"2031-03-15 10:00" with:alice'
           % JOB)
    # The daemon runs PASSWORD_RUN_S seconds with the wrong password: with retry_after = 1
    # and retry_max = 2 a row is tried at about 0, 1, 3 (and 5) s: 2 to 5 attempts, not one
    # (no retry) and not hundreds (no backoff).
    con = d.console()
    reply = con.send(cmd)
    replies_ok("password", [cmd], [reply])
    time.sleep(PASSWORD_RUN_S)
    T.eq("console exit status", 0, con.close())
    inst = d.instance()
    T.eq("nothing delivered with the wrong password", (0, 0), (count(srv, "jane", inst), count(srv, "alice", inst)))
    rows = [r for rs in d.email_rows().values() for r in rs]
    T.eq("two rows", 2, len(rows))
    T.eq("rows pending (neither sent nor failed), with an error", [],
         [r for r in rows if r["sent_at"] or r["failed_at"] or not r["last_error"]])
    T.check("retried with backoff: 2 to 5 attempts in %.1fs" % PASSWORD_RUN_S,
            all(2 <= r["attempts"] <= 5 for r in rows), "2..5 each", [r["attempts"] for r in rows])
    T.check("the error says the login was refused",
            all(re.search(r"535|[Ll]ogin|auth", r["last_error"] or "") for r in rows), "535 / login denied",
            [r["last_error"] for r in rows])
    T.eq("no chat line (nothing given up)", [], con.chats)
    note("attempts %s; last_error: %s" % ([r["attempts"] for r in rows], rows[0]["last_error"] if rows else "-"))
    # Fixed: the daemon, running again, sends what waited.
    d.configure(password=PASSWORD)
    con = d.console()
    wait_until(lambda: d.pending() == 0, 15, 0.3)
    T.eq("console exit status (second run)", 0, con.close())
    boxes = collect(srv, inst, {"jane": 1, "alice": 1})
    T.eq("jane: messages after the fix", 1, len(boxes["jane"]))
    T.eq("alice: messages after the fix", 1, len(boxes["alice"]))
    T.eq("all rows sent after the fix", [], [r["id"] for rs in d.email_rows().values() for r in rs
                                             if not r["sent_at"]])
    d.remove()


# ---- case: a crash while sending ---------------------------------------------------

CRASH_N = 15


def case_crash(binary, srv):
    d = Daemon(binary, srv, "crash")
    con = d.console()
    ids = {}
    for i in range(1, CRASH_N + 1):
        r = con.send('schedule candidate:"Crash %d <cx+%d@example.com>" when:"2031-06-%02d 10:00" '
                     'with:px+%d@example.com' % (i, i, i, i))
        if isinstance(r, dict) and r.get("success"):
            ids[i] = r["data"]["interview"]["id"]
    # Killed while the mail thread is at work: some rows sent, the rest waiting.
    sent = lambda: d.sql("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")[0][0]
    wait_until(lambda: sent() >= 6, 10, 0.01)
    con.kill()
    T.eq("all schedule commands succeeded before the kill", CRASH_N, len(ids))
    pending = d.pending()
    note("killed with %d of %d rows sent" % (2 * CRASH_N - pending, 2 * CRASH_N))
    T.check("the kill left rows to send", pending > 0, "> 0 pending", pending)
    con2 = d.console()
    wait_until(lambda: d.pending() == 0, 20, 0.3)
    T.eq("console exit status after the crash", 0, con2.close())
    boxes = collect(srv, d.instance(), {"cx": CRASH_N, "px": CRASH_N}, settle=1.0)
    want = {(str(iv), "%s+%d@example.com" % (who, i)) for i, iv in ids.items() for who in ("cx", "px")}
    check_once([Mail(raw, u) for u in ("cx", "px") for raw in boxes[u]], want, in_flight=1)
    T.eq("rows not sent", 0, d.pending())
    d.remove()


# ---- main -----------------------------------------------------------------------

CASES = [("chain", case_chain), ("tls", case_tls), ("outage", case_outage),
         ("permanent", case_permanent), ("baddata", case_baddata), ("password", case_password),
         ("crash", case_crash)]


def main(argv):
    names = [n for n, _ in CASES]
    unknown = [a for a in argv[2:] if a not in names]
    if len(argv) < 2 or not os.access(argv[1], os.X_OK) or unknown:
        print("usage: test_notices.py BUILD_DIR/interviewd [CASE...]   (cases: %s)" % " ".join(names),
              file=sys.stderr)
        return 2
    chosen = [c for c in CASES if len(argv) == 2 or c[0] in argv[2:]]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t_all = time.monotonic()
    # A copy, so a rebuild while the tests run (make relinks in place) cannot break them.
    bindir = tempfile.mkdtemp(prefix="interviewd-bin-")
    binary = os.path.join(bindir, "interviewd")
    shutil.copy2(argv[1], binary)
    srv = None
    try:
        T.case = "servers"
        try:
            srv = servers.start(USERS, PASSWORD)
        except Exception as e:
            T.check("mail servers start", False, "started", e)
            chosen = []
        for name, fn in chosen:
            T.case = name
            t = time.monotonic()
            try:
                fn(binary, srv)
            except Exception as e:  # a case that breaks is one failed check; the rest still run
                traceback.print_exc(file=sys.stderr)
                T.check("the case ran to its end", False, "no exception", "%s: %s" % (type(e).__name__, e))
            note("%.1fs" % (time.monotonic() - t))
    finally:
        if srv is not None:
            srv.stop()
        for folder in [bindir] + _folders:
            shutil.rmtree(folder, ignore_errors=True)
    T.case = "all"
    note("%.1fs in all" % (time.monotonic() - t_all))
    print("%d passed, %d failed" % (T.passed, T.failed))
    return 0 if T.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
