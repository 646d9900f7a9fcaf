#!/usr/bin/env python3
"""End-to-end tests of interviewd's email in: replies to feedback requests, through real
mail servers (OpenSMTPD + Dovecot on loopback, tests/mail/servers.py) and the real binary.

usage: python3 tests/mail/test_replies.py [BUILD_DIR/interviewd] [CASE...]
       (default binary: build-replies/interviewd, else build/interviewd)

Each case has its own folder, config, database and reply mailbox (bot, botloose, ...:
[mail] from = "Hiring <BOX@example.com>", [imap] user = BOX), and runs
`interviewd -c CONFIG run --as rita --json` with stdin kept open (the console front end:
its chat lines for rita are {"chat": ...} on stdout). Time is moved through
INTERVIEWD_NOW=@FILE: interviews are scheduled on 2031-03-10 at 08:00 UTC, then the clock
file is set past their end, so the clock sends the feedback requests over SMTP; the test
reads them from the interviewers' mailboxes over IMAP, composes replies as mail clients do
and sends them over SMTP to the Reply-To address; the daemon polls IMAP every second.
After each step the store is read with SQL (feedback, interviews, audit, outbox,
inbound_keys, feedback_requests, imap_state), the reply mailbox's INBOX / Processed /
Failed folders over IMAP, and the daemon's log lines ("outcome=... why=...") on stderr.
Every case's messages are told apart by the database's instance name, which is part of
every Message-ID the daemon writes.

Cases (name them on the command line to run a few):
  happy     Gmail-style replies (multipart/alternative, quoted-printable, "On ... wrote:"
            and the quoted request) from both panel members, over implicit TLS IMAP:
            recorded without the quote, moved to Processed, rita told; the interview
            completes only with the second reply ("All feedback is in", once)
  loose     "4 - proceed", "★★★★☆ hire", an HTML-only reply, ISO-8859-1 base64, and a long
            reply full of quotes (pasted test inputs), each on an interview of its own
  update    a second reply replaces the first ("feedback changed" in the audit log)
  dup       one message (one Message-Id) delivered twice, then a third copy with another
            body: recorded once
  forge     a changed mac, another person's token, a valid mac for an unknown request, a
            stranger with ivan's token, no token, each readable and unreadable: refused,
            moved to Failed, nothing recorded, no answer to anyone; a genuine reply
            afterwards still works
  robots    Auto-Submitted, Precedence: bulk, a DSN bounce (multipart/report, empty
            Return-Path), X-Autoreply, List-Id, an empty Return-Path alone, a report alone:
            ignored; then a person's "Auto-Submitted: no" reply is recorded
  nudge     "Thanks, it went fine" gets exactly one polite email (with a signed Reply-To);
            a second unreadable reply gets none; a good answer to the nudge is recorded
  huge      over [mail] max_reply_size (20000): refused unread, moved to Failed; a
            smaller one afterwards is recorded
  broken    garbage bytes (put in by IMAP APPEND: OpenSMTPD refuses them), a multipart
            without its closing boundary, headers only, a multipart without boundary, 250
            nested multiparts, an unknown charset with bad base64: no crash, nothing but
            the move to Failed; the next good reply is recorded
  restart   the daemon stopped while replies wait (none repeated, none skipped:
            imap_state), then the mailbox rebuilt (Dovecot's uidlist removed: UIDVALIDITY
            changes, UIDs restart at 1) with an old reply back in it: read again, the old
            one a duplicate; then the store locked during a poll: the reply stays in the
            INBOX and is recorded by the next poll; over STARTTLS
  ingest    `interviewd ingest-mail < msg`: recorded, duplicate, no Message-ID twice,
            forged, stranger, nudged (sent before it exits), garbage with NUL bytes, empty,
            too big, one byte over the limit: exit 0; the store locked: exit 75 and nothing
            recorded, then recorded on the retry (exactly max_reply_size bytes)
  names     the request's Reply-To shows the sender's name as From does (quotes,
            non-ASCII, a comma), written to the outbox folder (no servers)
  secrets   the IMAP password (password_env) never in any stderr of the whole run, nor
            with a wrong password, nor in check-config's output
  rsvp      calendar answers (iTIP REPLY and COUNTER) in the shapes of real clients
  candidate a candidate's reply reaches rita with the times it names as commands
  commands  [mail] commands = "authenticated": rita schedules (subject and lines, tz
            first), reschedules by replying in the thread, ivan is refused a recruiter's
            command and completes; forged From (no, another server's and failing
            Authentication-Results, another domain's signature), an authenticated
            stranger: refused, unanswered; a message twice runs once; ingest-mail beside
            the daemon: the daemon sends the answer
  tag       [mail] commands = "tag": `mail-address`, mail to rita's own address runs and
            is answered with it as Reply-To; the plain address, her tag from ivan or a
            stranger: refused

Prints one line per failed check (FAIL case: what: expected ..., actual ...), remarks and
timings on stderr ("# case: ..."), and last "N passed, N failed"; exits 0 only when none
failed. Takes about 2 minutes. Run as root (the mail servers need it).
"""

import base64
import datetime
import email
import email.policy
import email.utils
import hashlib
import hmac
import imaplib
import json
import os
import queue
import quopri
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
import traceback
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ left in the tree
import servers  # noqa: E402

# One password for every mailbox; distinctive, so a leak is found by a plain search.
PASSWORD = "Sesame-4e9d1c-Imap"
PASSWORD_ENV = "INTERVIEWD_TEST_IMAP_PASSWORD"
WRONG_PASSWORD = "Wrong-Sesame-77k2q"
BOXES = ["bot", "botrsvp", "botcand", "botcmd", "bottag", "botloose", "botupd", "botdup", "botforge", "botrobot", "botnudge", "bothuge",
         "botbroken", "botrestart", "botingest", "botpw"]
USERS = BOXES + ["ivan", "iris", "rita", "jane", "mallory"]
MAX_REPLY = 20000
START = "2031-03-10T08:00:00+00:00"  # the clock while interviews are scheduled
PEOPLE = {
    "rita": {"name": "Rita Recruiter", "email": "rita@example.com", "role": "recruiter"},
    "ivan": {"name": "Ivan Interviewer", "email": "ivan@example.com"},
    "iris": {"name": "Iris Interviewer", "email": "iris@example.com"},
}
REQUEST_SUBJECT = "Feedback, please"
NUDGE_SUBJECT = "Your feedback on"
LOG_RE = re.compile(r'level=\w+ part=imap msg="message" uid=(\d+) outcome=(\w+) interview=(-?\d+) '
                    r'message_id="(.*?)" why="(.*)" req=e-\d+$')


# ---- results ----------------------------------------------------------------

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tally import T, note  # noqa: E402
from tally import wait_until as _wait_until  # noqa: E402

wait_until = _wait_until


# ---- the daemon --------------------------------------------------------------

def toml_str(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


_folders = []   # removed at the end
_procs = []     # every child started, killed at the end if still running
ALL_STDERR = []  # (label, text) of every daemon and ingest-mail run, for the secrets case


class Proc:
    """One `interviewd run --as rita --json` with stdin kept open."""

    def __init__(self, daemon, label):
        self.label = label
        self.p = subprocess.Popen(daemon.argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
                                  env=daemon.env, cwd=daemon.dir)
        _procs.append(self.p)
        self.lines = queue.Queue()
        self.replies, self.chats, self.err = [], [], []
        self.lock = threading.Lock()
        self.readers = [threading.Thread(target=self._read_out, daemon=True),
                        threading.Thread(target=self._read_err, daemon=True)]
        for t in self.readers:
            t.start()
        ALL_STDERR.append((label, self.err))

    def _read_out(self):
        for line in self.p.stdout:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and set(obj) == {"chat"}:
                with self.lock:
                    self.chats.append(obj["chat"])
            else:
                self.lines.put(obj)

    def _read_err(self):
        for line in self.p.stderr:
            with self.lock:
                self.err.append(line.rstrip("\n"))

    def send(self, command, timeout=10):
        try:
            self.p.stdin.write(command + "\n")
            self.p.stdin.flush()
        except OSError:
            return None
        try:
            obj = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        self.replies.append(obj)
        return obj

    def alive(self):
        return self.p.poll() is None

    def outcomes(self):
        with self.lock:
            lines = list(self.err)
        out = []
        for l in lines:
            m = LOG_RE.search(l)
            if m:
                out.append({"uid": int(m.group(1)), "outcome": m.group(2), "interview": int(m.group(3)),
                            "message_id": m.group(4), "why": m.group(5)})
        return out

    def stderr(self):
        with self.lock:
            return "\n".join(self.err)

    def chat_list(self):
        with self.lock:
            return list(self.chats)

    def stop(self, timeout=20):
        """quit, then stdin closed; the exit status (None: had to be killed)."""
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.flush()
            self.p.stdin.close()
        except OSError:
            pass
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(5)
            rc = None
        for t in self.readers:
            t.join(5)
        return rc


class Daemon:
    """One case's interviewd: folder, config, database, clock file and reply mailbox."""

    def __init__(self, binary, srv, name, box, imap_tls="off", imap=True, max_reply=MAX_REPLY, smtp=True,
                 from_name="Hiring", extra_mail=()):
        self.binary, self.srv, self.name, self.box = binary, srv, name, box
        self.extra_mail = list(extra_mail)
        self.dir = tempfile.mkdtemp(prefix="interviewd-replies-%s-" % name)
        _folders.append(self.dir)
        self.db = os.path.join(self.dir, "interviewd.db")
        self.path = os.path.join(self.dir, "config.toml")
        self.nowfile = os.path.join(self.dir, "now")
        self.set_time(START)
        self.env = dict(os.environ, TZ="UTC", INTERVIEWD_NOW="@" + self.nowfile)
        self.env[PASSWORD_ENV] = PASSWORD
        self.proc = None
        self.runs = 0
        self.address = "%s@example.com" % box
        self.from_name = from_name
        self.outbox_dir = os.path.join(self.dir, "mail")
        self.configure(imap_tls, imap, max_reply, smtp=smtp)

    def configure(self, imap_tls="off", imap=True, max_reply=MAX_REPLY, extra_imap=(), smtp=True):
        srv = self.srv
        lines = ["[store]", "path = %s" % toml_str(self.db),
                 "[general]", 'timezone = "UTC"',
                 "[console]", 'as = "rita"',
                 "[mail]", "from = %s" % toml_str("%s <%s>" % (self.from_name, self.address)),
                 "outbox_dir = %s" % toml_str(self.outbox_dir),
                 "retry_after = 1", "retry_max = 2", "max_reply_size = %d" % max_reply] + self.extra_mail
        if smtp:
            lines += ["[smtp]", 'host = "127.0.0.1"', "port = %d" % srv.smtp_port, 'tls = "off"', "timeout = 5"]
        lines += ["[reminders]", "panel_email = false", "candidate = false"]
        if imap:
            port = srv.imaps_port if imap_tls == "implicit" else srv.imap_port
            lines += ["[imap]", 'host = "127.0.0.1"', "port = %d" % port, "tls = %s" % toml_str(imap_tls),
                      "user = %s" % toml_str(self.box), "password_env = %s" % toml_str(PASSWORD_ENV),
                      "ca_file = %s" % toml_str(srv.cert), 'folder = "INBOX"', 'processed_folder = "Processed"',
                      'failed_folder = "Failed"', "interval = 1", "timeout = 10"]
            lines += list(extra_imap)
        for handle, p in PEOPLE.items():
            lines.append("[people.%s]" % handle)
            lines += ["%s = %s" % (k, toml_str(v)) for k, v in p.items()]
        with open(self.path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    def argv(self):
        return [self.binary, "-c", self.path, "run", "--as", "rita", "--json"]

    def set_time(self, iso):
        tmp = self.nowfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(iso + "\n")
        os.replace(tmp, self.nowfile)

    def start(self):
        self.runs += 1
        self.proc = Proc(self, "%s run %d" % (self.name, self.runs))
        r = self.proc.send("stats")
        T.check("daemon run %d answers a command" % self.runs, isinstance(r, dict) and r.get("success") is True,
                "a reply to stats", r)
        return self.proc

    def stop(self):
        rc = self.proc.stop() if self.proc else 0
        T.eq("daemon run %d exits 0 on quit" % self.runs, 0, rc)
        return rc

    def cmd(self, text):
        r = self.proc.send(text)
        T.check("command %s" % text[:70], isinstance(r, dict) and r.get("success") is True, "success", r)
        return r if isinstance(r, dict) else {}

    def schedule(self, candidate, when, panel, minutes=60, job="Engineer"):
        r = self.cmd('schedule candidate:"%s" job:"%s" when:"%s" duration:%dm type:video with:%s'
                     % (candidate, job, when, minutes, panel))
        return ((r.get("data") or {}).get("interview") or {}).get("id")

    def sql(self, query, args=()):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()

    def one(self, query, args=()):
        rows = self.sql(query, args)
        return rows[0][0] if rows else None

    def instance(self):
        return self.one("SELECT value FROM meta WHERE key = 'instance'")

    def secret(self):
        return self.one("SELECT value FROM meta WHERE key = 'reply_secret'")

    def person(self, handle):
        return self.one("SELECT id FROM people WHERE handle = ?", (handle,))

    def request_id(self, interview, handle):
        return self.one("SELECT id FROM feedback_requests WHERE interview_id = ? AND person_id = ?",
                        (interview, self.person(handle)))

    def feedback(self, interview=None):
        """{(interview, handle): {rating, recommendation, feedback, source, created_at, updated_at}}"""
        rows = self.sql("SELECT f.interview_id, p.handle, f.rating, f.recommendation, f.feedback, f.source, "
                        "f.created_at, f.updated_at FROM feedback f JOIN people p ON p.id = f.person_id"
                        + (" WHERE f.interview_id = %d" % interview if interview else ""))
        return {(r[0], r[1]): dict(zip(("rating", "recommendation", "feedback", "source", "created_at",
                                        "updated_at"), r[2:])) for r in rows}

    def audit(self, interview=None):
        """[(action, via, handle, detail)] in order."""
        return [tuple(r) for r in self.sql(
            "SELECT a.action, a.via, coalesce(p.handle, ''), coalesce(a.detail, '') FROM audit a "
            "LEFT JOIN people p ON p.id = a.actor_id"
            + (" WHERE a.interview_id = %d" % interview if interview else "") + " ORDER BY a.id")]

    def audit_feedback(self, interview=None):
        return [a for a in self.audit(interview) if a[0].startswith("feedback")]

    def status(self, interview):
        return self.one("SELECT status FROM interviews WHERE id = ?", (interview,))

    def emails(self, kind=None):
        """[(kind, recipient, sent_at)] of the email outbox, in order."""
        return [tuple(r) for r in self.sql("SELECT kind, recipient, sent_at FROM outbox WHERE transport = "
                                           "'email'" + (" AND kind = '%s'" % kind if kind else "") + " ORDER BY id")]

    def chat_rows(self, handle="rita"):
        return [(r[0], json.loads(r[1]).get("text")) for r in self.sql(
            "SELECT kind, payload FROM outbox WHERE transport = 'chat' AND recipient = ? ORDER BY id", (handle,))]

    def keys(self):
        return [r[0] for r in self.sql("SELECT key FROM inbound_keys ORDER BY key")]

    def imap_state(self):
        return [tuple(r) for r in self.sql("SELECT mailbox, uidvalidity, last_uid FROM imap_state")]

    def outcomes(self):
        return self.proc.outcomes() if self.proc else []

    def wait_outcomes(self, n, timeout=15):
        """Waits until this run logged N outcomes and the poller recorded its place after the
        last one (so its move is done); returns the outcomes."""
        def done():
            o = self.outcomes()
            if len(o) < n:
                return None
            st = self.imap_state()  # written right after the move; equal once it is done
            return o if len(o) > n or (st and st[0][2] == o[n - 1]["uid"]) else None
        got = wait_until(done, timeout)
        if not got:
            T.check("the daemon judged %d messages within %ds" % (n, timeout), False, n, len(self.outcomes()))
            return self.outcomes()
        time.sleep(0.3)  # the pass ends: the senders are woken, chat lines shown
        return got

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- mailboxes -------------------------------------------------------------------

def imap_search(srv, user, folder, *criteria):
    """[(uid, raw, flags)] of FOLDER matching CRITERIA (read-only); [] if FOLDER does not exist."""
    m = srv.imap(user)
    try:
        typ, _ = m.select('"%s"' % folder, readonly=True)
        if typ != "OK":
            return []
        typ, data = m.uid("SEARCH", None, *(criteria or ("ALL",)))
        uids = data[0].split() if typ == "OK" and data and data[0] else []
        out = []
        for uid in uids:
            typ, data = m.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
            for part in data:
                if isinstance(part, tuple):
                    flags = re.search(rb"FLAGS \(([^)]*)\)", part[0] + b"".join(
                        x for x in data if isinstance(x, bytes)))
                    out.append((int(uid), part[1], flags.group(1).decode() if flags else ""))
        return out
    except imaplib.IMAP4.error:
        return []
    finally:
        try:
            m.logout()
        except Exception:
            pass


def folder_ids(srv, user, folder):
    """Message-IDs (with <>) of every message in FOLDER, in UID order."""
    return [Mail(raw).message_id for _, raw, _ in imap_search(srv, user, folder)]


def uid_status(srv, user, folder="INBOX"):
    m = srv.imap(user)
    try:
        typ, data = m.status(folder, "(UIDVALIDITY UIDNEXT MESSAGES)")
        s = data[0].decode() if typ == "OK" else ""
        get = lambda k: int(re.search(k + r" (\d+)", s).group(1)) if re.search(k + r" (\d+)", s) else None
        return {"uidvalidity": get("UIDVALIDITY"), "uidnext": get("UIDNEXT"), "messages": get("MESSAGES")}
    finally:
        m.logout()


def of_instance(srv, user, instance, subject=None):
    """USER's INBOX messages whose Message-ID names INSTANCE (and whose Subject starts with
    SUBJECT), as Mail, oldest first."""
    crit = ["HEADER", "Message-ID", instance]
    mails = [Mail(raw) for _, raw, _ in imap_search(srv, user, "INBOX", *crit)]
    return [m for m in mails if subject is None or m.subject.startswith(subject)]


def wait_mail(srv, user, instance, subject, n, timeout=15):
    got = wait_until(lambda: (lambda ms: ms if len(ms) >= n else None)(of_instance(srv, user, instance, subject)),
                     timeout, 0.2)
    if not got:
        got = of_instance(srv, user, instance, subject)
        T.check("%s gets %d message(s) '%s...' within %ds" % (user, n, subject, timeout), False, n, len(got))
    return got


class Mail:
    def __init__(self, raw):
        self.raw = raw
        self.msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.message_id = str(self.msg.get("Message-ID", "")).strip()
        self.subject = str(self.msg.get("Subject", "")).strip()
        self.interview = str(self.msg.get("X-Interviewd-Interview", "")).strip()
        try:
            body = self.msg.get_body(("plain",))
            self.plain = body.get_content().replace("\r\n", "\n") if body is not None else ""
        except Exception:
            self.plain = ""
        try:
            self.reply_to = [(a.display_name, a.addr_spec) for a in self.msg["Reply-To"].addresses]
        except Exception:
            self.reply_to = []
        self.date = str(self.msg.get("Date", ""))

    @property
    def reply_address(self):
        return self.reply_to[0][1] if len(self.reply_to) == 1 else ""


def token_of(address, box):
    m = re.fullmatch(r"%s\+f(\d+)-([0-9a-f]{20})@example\.com" % re.escape(box), address or "")
    return (int(m.group(1)), m.group(2)) if m else (None, None)


def mac(secret, request):
    return hmac.new(secret.encode(), b"interviewd feedback %d" % request, hashlib.sha256).hexdigest()[:20]


def token_address(box, request, mac_hex):
    return "%s+f%d-%s@example.com" % (box, request, mac_hex)


# ---- composing replies ----------------------------------------------------------

def crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


def qp(text, charset="utf-8"):
    return quopri.encodestring(text.encode(charset)).decode("ascii")


def new_id(domain="mail.gmail.com"):
    return "<CA%s@%s>" % (uuid.uuid4().hex.upper(), domain)


def addr(name, address):
    return email.utils.formataddr((name, address), charset="utf-8") if name else address


def epoch(iso):
    return int(datetime.datetime.fromisoformat(iso).timestamp())


def headers(frm, to, subject, msgid, reply_of=None, extra=()):
    h = ["MIME-Version: 1.0", "Date: %s" % email.utils.formatdate(1931000000, localtime=False),
         "Message-ID: %s" % msgid, "Subject: %s" % subject, "From: %s" % frm, "To: %s" % to]
    if reply_of is not None:
        h += ["In-Reply-To: %s" % reply_of.message_id, "References: %s" % reply_of.message_id]
    return h + list(extra)


def quoted(text):
    return "\n".join(">" if not l.strip() else "> " + l for l in text.rstrip("\n").split("\n"))


def gmail_attribution(req):
    """Gmail's 'On <date> <name> <address> wrote:' about REQ, wrapped before the address as
    Gmail wraps a long one."""
    return "On Mon, Mar 10, 2031 at 11:05 AM Hiring <\n%s> wrote:" % req.msg["From"].addresses[0].addr_spec


def gmail_reply(req, sender_name, sender, new_text, to=None, msgid=None, extra=(), subject=None):
    """As Gmail sends it: multipart/alternative, text and HTML in quoted-printable, the new
    text on top, then the attribution and the whole request quoted."""
    msgid = msgid or new_id()
    to = to or req.reply_address
    boundary = "000000000000%s" % uuid.uuid4().hex[:16]
    plain = new_text.rstrip("\n") + "\n\n" + gmail_attribution(req) + "\n\n" + quoted(req.plain) + "\n"
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    html_new = "".join("<div>%s</div>" % (esc(l) if l else "<br>") for l in new_text.rstrip("\n").split("\n"))
    html = ('<div dir="ltr">%s</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            'On Mon, Mar 10, 2031 at 11:05 AM Hiring &lt;<a href="mailto:%s">%s</a>&gt; wrote:<br></div>'
            '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
            'rgb(204,204,204);padding-left:1ex">%s</blockquote></div>\n'
            % (html_new, req.reply_address, req.reply_address, esc(req.plain).replace("\n", "<br>")))
    h = headers(addr(sender_name, sender), addr("Hiring", to), subject or "Re: " + req.subject, msgid, req,
                extra)
    h.append('Content-Type: multipart/alternative; boundary="%s"' % boundary)
    body = ("--{b}\nContent-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: quoted-printable\n\n"
            "{p}\n--{b}\nContent-Type: text/html; charset=\"UTF-8\"\nContent-Transfer-Encoding: quoted-printable\n\n"
            "{h}\n--{b}--\n").format(b=boundary, p=qp(plain), h=qp(html))
    return crlf(("\n".join(h) + "\n\n" + body).encode("ascii")), msgid


def simple(frm, to, subject, body, msgid=None, extra=(), ctype='text/plain; charset="UTF-8"', cte="8bit",
           reply_of=None):
    """A one-part message; BODY is str (encoded as UTF-8) or bytes (already encoded)."""
    msgid = msgid or new_id("example.com")
    h = headers(frm, to, subject, msgid, reply_of, extra)
    if ctype:
        h.append("Content-Type: %s" % ctype)
    if cte:
        h.append("Content-Transfer-Encoding: %s" % cte)
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    return crlf("\n".join(h).encode("utf-8") + b"\n\n" + data), msgid


GOOD = "Rating: 5/5\nRecommendation: hire\n\nWould hire tomorrow."


# ---- shared steps ------------------------------------------------------------------

def send(srv, envelope_from, to, raw):
    try:
        refused = srv.send(envelope_from, to, raw)
        T.eq("the server takes the message for %s" % to, {}, refused)
    except Exception as e:
        T.check("the server takes the message for %s" % to, False, "accepted", "%s: %s" % (type(e).__name__, e))


def outcome_of(outcomes, msgid):
    """Outcomes logged for MSGID (with or without <>)."""
    bare = msgid.strip("<>")
    return [o["outcome"] for o in outcomes if o["message_id"] == bare]


def check_outcome(d, outcomes, msgid, want, label):
    got = outcome_of(outcomes, msgid)
    T.eq("%s: logged outcome" % label, [want], got)
    if got != [want]:
        note("%s: %s" % (label, [o for o in outcomes if o["message_id"] == msgid.strip("<>")]))


def check_folders(d, want, label):
    """WANT: {folder: [msgid, ...]} exactly (in any order); INBOX too."""
    for folder, ids in want.items():
        T.eq("%s: %s holds" % (label, folder), sorted(ids), sorted(folder_ids(d.srv, d.box, folder)))


def wait_chats(d, n, pattern, timeout=5):
    """The console's chat lines for rita matching PATTERN, once there are N (or the timeout)."""
    rx = re.compile(pattern)
    match = lambda: [c for c in d.proc.chat_list() if rx.search(c)]
    wait_until(lambda: len(match()) >= n, timeout)
    return match()


def check_recorded(d, interview, handle, rating, rec, text, label):
    fb = d.feedback(interview).get((interview, handle))
    T.check("%s: a feedback row of %s on #%s" % (label, handle, interview), fb is not None, "a row", fb)
    if fb:
        T.eq("%s: rating, recommendation, source" % label, (rating, rec, "email"),
             (fb["rating"], fb["recommendation"], fb["source"]))
        if text is not None:
            T.eq("%s: the feedback text (new text only, no quote)" % label, text, fb["feedback"])
    return fb


def verify_request(d, req, handle, interview, label):
    """The request's Reply-To: "Hiring" <BOX+f<id>-<mac>@example.com>, the id the request of
    HANDLE on INTERVIEW, the mac HMAC-SHA256(reply_secret, "interviewd feedback <id>")."""
    T.eq(label + ": one Reply-To, named Hiring", 1, len(req.reply_to))
    if req.reply_to:
        T.eq(label + ": Reply-To display name", "Hiring", req.reply_to[0][0])
    rid, m = token_of(req.reply_address, d.box)
    T.check(label + ": Reply-To is %s+f<id>-<20 hex>@example.com" % d.box, rid is not None,
            "%s+f<id>-<mac>@example.com" % d.box, req.reply_address)
    T.eq(label + ": the token names the request of %s on #%s" % (handle, interview),
         d.request_id(interview, handle), rid)
    if rid is not None:
        T.eq(label + ": the mac is HMAC-SHA256(reply_secret, 'interviewd feedback %d')[:20]" % rid,
             mac(d.secret(), rid), m)
    T.eq(label + ": From", [("Hiring", d.address)], [(a.display_name, a.addr_spec)
                                                     for a in req.msg["From"].addresses])
    T.eq(label + ": Auto-Submitted", "auto-generated", str(req.msg.get("Auto-Submitted", "")).strip())
    return rid


def no_mail_back(d, expect, label):
    """The outbox holds exactly EXPECT {kind: n} email rows."""
    got = {}
    for kind, _, _ in d.emails():
        got[kind] = got.get(kind, 0) + 1
    T.eq("%s: email rows in the outbox by kind" % label, expect, got)


# Mailbox counts checked once at the very end (after a settle), per case instance.
FINAL_MAIL = []  # (case, instance, {user: n of that instance})


def expect_mail(d, counts):
    FINAL_MAIL.append((T.case, d.instance(), counts))


def prepare(d, panels, end="2031-03-10T14:00:00+00:00", candidate="Jane Doe <jane@example.com>"):
    """Starts D, schedules one interview per PANELS entry (hourly from 09:00, 30 min), moves
    the clock to END and waits for each panel member's request; returns (ids, {(iv, handle):
    request Mail})."""
    d.start()
    ids = []
    for i, panel in enumerate(panels):
        c = candidate if len(panels) == 1 else candidate.replace("Jane Doe", "Jane Doe %d" % (i + 1)).replace(
            "jane@", "jane+%d@" % (i + 1))
        ids.append(d.schedule(c, "2031-03-10 %02d:00" % (9 + i), panel, minutes=30))
    d.set_time(end)
    handles = sorted({h for p in panels for h in p.split(",")})
    counts = {h: sum(1 for p in panels if h in p.split(",")) for h in handles}
    reqs = {}
    for h in handles:
        for m in wait_mail(d.srv, h, d.instance(), REQUEST_SUBJECT, counts[h]):
            if m.interview.isdigit():
                reqs[(int(m.interview), h)] = m
    return ids, reqs


# ---- case: the happy path ------------------------------------------------------------

def case_happy(binary, srv):
    d = Daemon(binary, srv, "happy", "bot", imap_tls="implicit")
    ids, reqs = prepare(d, ["ivan,iris"], end="2031-03-10T11:05:00+00:00")
    iv = ids[0]
    ivan_req, iris_req = reqs.get((iv, "ivan")), reqs.get((iv, "iris"))
    if not (ivan_req and iris_req):
        T.check("both requests arrived", False, "ivan and iris", sorted(reqs))
        d.stop()
        return
    verify_request(d, ivan_req, "ivan", iv, "ivan's request")
    verify_request(d, iris_req, "iris", iv, "iris's request")
    T.check("the request's text shows 'Rating: 4/5' and 'rating 1 to 5' (so the quote holds ratings)",
            "Rating: 4/5" in ivan_req.plain and "rating 1 to 5" in ivan_req.plain, "in the text", ivan_req.plain)
    T.eq("two feedback_requests rows", 2, d.one("SELECT count(*) FROM feedback_requests WHERE interview_id = ?",
                                                (iv,)))
    T.eq("the requests were sent (outbox)", [("feedback_request", "ivan@example.com"),
                                             ("feedback_request", "iris@example.com")],
         [(k, r) for k, r, s in d.emails("feedback_request") if s])

    words = 'Jane explained the caching layer clearly; a bit slow on "SQL" joins \\ indexes.'
    raw, ivan_id = gmail_reply(ivan_req, "Ivan Interviewer", "ivan@example.com",
                               "Rating: 5/5\nRecommendation: hire\n\n" + words.replace("; ", ";\n"))
    send(srv, "ivan@example.com", ivan_req.reply_address, raw)
    out = d.wait_outcomes(1)
    check_outcome(d, out, ivan_id, "recorded", "ivan's reply")
    check_recorded(d, iv, "ivan", 5, "hire", words, "ivan's reply")
    T.eq("only one panel member answered: the interview is not completed", "scheduled", d.status(iv))
    T.eq("audit: ivan's feedback, via email", [("feedback", "email", "ivan", "rating 5, recommendation hire")],
         d.audit_feedback(iv))
    T.eq("the Message-Id is kept as idempotency key", ["mail:" + ivan_id.strip("<>")], d.keys())
    told = wait_chats(d, 1, r"answered by email")
    T.eq("rita is told in chat, once", ["ivan answered by email with feedback on #%d Jane Doe: 5/5, hire" % iv],
         told)
    T.eq("no 'All feedback is in' after the first reply", [], [c for c in d.proc.chat_list() if "All feedback" in c])
    check_folders(d, {"INBOX": [], "Processed": [ivan_id], "Failed": []}, "after ivan's reply")
    seen = [f for _, raw, f in imap_search(srv, "bot", "Processed")]
    T.check("the processed message is marked \\Seen", seen and all("\\Seen" in f for f in seen), "\\Seen", seen)
    st = uid_status(srv, "bot")
    T.eq("imap_state: INBOX, the mailbox's UIDVALIDITY, the message's UID",
         [("INBOX", st["uidvalidity"], out[0]["uid"] if out else None)], d.imap_state())
    T.eq("imap_state's last UID is the highest the INBOX gave out", st["uidnext"] - 1,
         (d.imap_state() or [(0, 0, 0)])[0][2])

    iris_words = "Solid, but I'd like a second technical round."
    raw, iris_id = gmail_reply(iris_req, "Iris Interviewer", "iris@example.com",
                               "Rating: 3/5\nRecommendation: maybe\n\n" + iris_words)
    send(srv, "iris@example.com", iris_req.reply_address, raw)
    out = d.wait_outcomes(2)
    check_outcome(d, out, iris_id, "recorded", "iris's reply")
    check_recorded(d, iv, "iris", 3, "maybe", iris_words, "iris's reply")
    T.eq("both answered: the interview is completed", "completed", d.status(iv))
    T.check("completed_at set", d.one("SELECT completed_at FROM interviews WHERE id = ?", (iv,)) is not None,
            "a time", None)
    T.eq("audit: complete, 'all feedback is in', once",
         [("complete", "all feedback is in")], [(a[0], a[3]) for a in d.audit(iv) if a[0] == "complete"])
    allin = wait_chats(d, 1, r"All feedback is in")
    T.eq("'All feedback is in' once", 1, len(allin))
    if allin:
        T.check("'All feedback is in' names the interview and both answers",
                allin[0].startswith("All feedback is in for #%d Jane Doe" % iv) and "ivan 5/5 hire" in allin[0]
                and "iris 3/5 maybe" in allin[0], "#%d, ivan 5/5 hire, iris 3/5 maybe" % iv, allin[0])
    chats = d.proc.chat_list()
    # The summary should follow the answer that completed it, as it is read on the console.
    T.eq("rita's chat lines in order", ["ivan answered", "iris answered", "All feedback is in"],
         [c.split(" by email")[0] if "answered" in c else "All feedback is in" for c in chats
          if "answered" in c or "All feedback" in c])
    T.eq("rita's chat rows in the outbox", ["feedback by email", "feedback by email", "feedback complete"],
         sorted(k for k, _ in d.chat_rows()))
    check_folders(d, {"INBOX": [], "Processed": [ivan_id, iris_id], "Failed": []}, "after iris's reply")
    no_mail_back(d, {"scheduled": 3, "feedback_request": 2}, "no email back")
    expect_mail(d, {"ivan": 2, "iris": 2, "rita": 0, "jane": 1})
    d.stop()
    d.remove()


# ---- case: looser forms ------------------------------------------------------------------

def case_loose(binary, srv):
    d = Daemon(binary, srv, "loose", "botloose")
    ids, reqs = prepare(d, ["ivan"] * 5)
    if len(reqs) != 5:
        T.check("five requests arrived", False, 5, len(reqs))
        d.stop()
        return
    r = [reqs[(iv, "ivan")] for iv in ids]
    sent = []
    # 1. "4 - proceed" as the first line, plain text, 7bit, with a quote holding "Rating: 4/5"
    raw, m1 = simple("Ivan Interviewer <ivan@example.com>", r[0].reply_address, "Re: " + r[0].subject,
                     "4 - proceed\n\nSolid fundamentals, explained trade-offs well.\n\n" + gmail_attribution(r[0])
                     + "\n\n" + quoted(r[0].plain) + "\n", reply_of=r[0], cte="7bit")
    sent.append((raw, m1, "ivan@example.com", r[0].reply_address))
    # 2. stars and a word on the first line, Gmail-style; From in capitals
    raw, m2 = gmail_reply(r[1], "Ivan Interviewer", "IVAN@EXAMPLE.COM", "★★★★☆ hire\nCommunicates clearly.")
    sent.append((raw, m2, "ivan@example.com", r[1].reply_address))
    # 3. HTML only, with its quote in a gmail_quote blockquote
    html = ('<html><head><style>p {color: red}</style></head><body><div dir="ltr"><div>Rating: 2/5</div>'
            '<div>Recommendation: reject</div><div><br></div><div>Struggled with &lt;basic&gt; recursion &amp; '
            'testing.</div></div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, Mar 10, 2031 '
            'Hiring wrote:</div><blockquote class="gmail_quote">Rating: 4/5<br>Recommendation: proceed'
            '</blockquote></div></body></html>')
    raw, m3 = simple("Ivan Interviewer <ivan@example.com>", r[2].reply_address, "Re: " + r[2].subject,
                     qp(html), ctype='text/html; charset="UTF-8"', cte="quoted-printable", reply_of=r[2])
    sent.append((raw, m3, "ivan@example.com", r[2].reply_address))
    # 4. ISO-8859-1 in base64, an encoded Subject and display name
    latin = "Rating: 3/5\nRecommendation: maybe\n\nGuter Eindruck, aber zögerlich bei Fragen zur Größe.\n"
    b64 = base64.encodebytes(latin.replace("\n", "\r\n").encode("iso-8859-1")).decode("ascii")
    raw, m4 = simple("=?ISO-8859-1?Q?Iv=E1n_Interviewer?= <ivan@example.com>", r[3].reply_address,
                     "=?ISO-8859-1?Q?Re:_R=FCckmeldung?=", b64, ctype="text/plain; charset=ISO-8859-1",
                     cte="base64", reply_of=r[3])
    sent.append((raw, m4, "ivan@example.com", r[3].reply_address))
    # 5. a long answer (over the 3000 bytes kept) pasting the test inputs she used, which are
    #    full of quotes (LeetCode's "Valid Sudoku" boards)
    board = "".join('  [%s],\n' % ", ".join('"%s"' % c for c in row) for row in
                    ["53..7....", "6..195...", ".98....6.", "8...6...3", "4..8.3..1", "7...2...6",
                     ".6....28.", "...419..5", "....8..79"])
    long_words = "Her solver was right on every board she tried:\n\n"
    long_words += "".join("Board %d:\n[\n%s]\n" % (i, board) for i in range(1, 9))
    long_text = "Rating: 4/5\nRecommendation: proceed\n\n" + long_words
    raw, m5 = simple("Ivan Interviewer <ivan@example.com>", r[4].reply_address, "Re: " + r[4].subject, qp(long_text),
                     cte="quoted-printable", reply_of=r[4])
    sent.append((raw, m5, "ivan@example.com", r[4].reply_address))
    for raw, _, env_from, to in sent:
        send(srv, env_from, to, raw)
    out = d.wait_outcomes(5, timeout=20)
    for msgid, label in ((m1, "'4 - proceed'"), (m2, "'★★★★☆ hire'"), (m3, "HTML only"), (m4, "ISO-8859-1 base64"),
                         (m5, "a long reply full of quotes")):
        check_outcome(d, out, msgid, "recorded", label)
    check_recorded(d, ids[0], "ivan", 4, "proceed", "Solid fundamentals, explained trade-offs well.", "'4 - proceed'")
    check_recorded(d, ids[1], "ivan", 4, "hire", "Communicates clearly.", "'★★★★☆ hire' (From in capitals)")
    check_recorded(d, ids[2], "ivan", 2, "reject", "Struggled with <basic> recursion & testing.", "HTML only")
    check_recorded(d, ids[3], "ivan", 3, "maybe", "Guter Eindruck, aber zögerlich bei Fragen zur Größe.",
                   "ISO-8859-1 base64")
    fb = check_recorded(d, ids[4], "ivan", 4, "proceed", None, "a long reply full of quotes")
    if fb:
        want = " ".join(long_words.split())
        # cut so that the words, quotes and backslashes escaped, take at most 3000 bytes
        # of the command (the core reads lines of 4000 at most)
        escaped = len(fb["feedback"].encode()) + fb["feedback"].count('"') + fb["feedback"].count("\\")
        T.check("a long reply full of quotes: the feedback is its words (white space made single), cut where "
                "they take 3000 bytes escaped",
                fb["feedback"] and want.startswith(fb["feedback"]) and 2990 <= escaped <= 3000,
                want[:60] + "... (2990-3000 bytes escaped)", "%d bytes escaped: %s" % (escaped, fb["feedback"]))
    if outcome_of(out, m5) != ["recorded"]:
        note("a long reply full of quotes (%d bytes of words, %d quotes): %s" % (len(long_words.encode()),
             long_words.count('"'), [o["why"] for o in out if o["message_id"] == m5.strip("<>")]))
    # The first four complete their interviews (the fifth is checked above, once).
    for iv in ids[:4]:
        T.eq("#%d completed (its only panel member answered)" % iv, "completed", d.status(iv))
    told = wait_chats(d, 5, r"answered by email", timeout=3)
    T.eq("rita told of each of the first four answers (in any order: the server delivers in parallel)",
         ["#%d" % iv for iv in ids[:4]],
         sorted(re.search(r"#\d+", c).group(0) for c in told if re.search(r"#\d+", c).group(0) != "#%d" % ids[4]))
    T.eq("'All feedback is in' for each of the first four", 4,
         len([c for c in wait_chats(d, 4, r"All feedback is in") if "#%d " % ids[4] not in c]))
    check_folders(d, {"INBOX": [], "Processed": [m1, m2, m3, m4, m5], "Failed": []}, "folders")
    no_mail_back(d, {"scheduled": 10, "feedback_request": 5}, "no email back")
    expect_mail(d, {"ivan": 10, "iris": 0})
    d.stop()
    d.remove()


# ---- case: a second reply updates ---------------------------------------------------------

def case_update(binary, srv):
    d = Daemon(binary, srv, "update", "botupd")
    ids, reqs = prepare(d, ["ivan"])
    iv, req = ids[0], reqs.get((ids[0], "ivan"))
    if not req:
        d.stop()
        return
    raw, m1 = gmail_reply(req, "Ivan Interviewer", "ivan@example.com",
                          "Rating: 3/5\nRecommendation: maybe\n\nFirst impression: unsure.")
    send(srv, "ivan@example.com", req.reply_address, raw)
    d.wait_outcomes(1)
    first = check_recorded(d, iv, "ivan", 3, "maybe", "First impression: unsure.", "first reply")
    d.set_time("2031-03-10T15:30:00+00:00")
    raw, m2 = gmail_reply(req, "Ivan Interviewer", "ivan@example.com",
                          "Rating: 4/5\nRecommendation: proceed\n\nThought it over: stronger than I said.")
    send(srv, "ivan@example.com", req.reply_address, raw)
    out = d.wait_outcomes(2)
    check_outcome(d, out, m2, "recorded", "second reply")
    second = check_recorded(d, iv, "ivan", 4, "proceed", "Thought it over: stronger than I said.", "second reply")
    T.eq("one feedback row", 1, d.one("SELECT count(*) FROM feedback WHERE interview_id = ?", (iv,)))
    if first and second:
        T.eq("created_at kept, updated_at moved to the second reply's time",
             (first["created_at"], epoch("2031-03-10T15:30:00+00:00")), (second["created_at"], second["updated_at"]))
    T.eq("audit: feedback, then feedback changed",
         [("feedback", "email", "ivan", "rating 3, recommendation maybe"),
          ("feedback changed", "email", "ivan", "rating 4, recommendation proceed")], d.audit_feedback(iv))
    T.eq("audit: completed once", 1, len([a for a in d.audit(iv) if a[0] == "complete"]))
    told = wait_chats(d, 2, r"answered by email")
    T.eq("rita told of both answers", ["ivan answered by email with feedback on #%d Jane Doe: 3/5, maybe" % iv,
                                       "ivan answered by email with feedback on #%d Jane Doe: 4/5, proceed" % iv], told)
    T.eq("'All feedback is in' once, not again on the change", 1, len(wait_chats(d, 1, r"All feedback is in")))
    check_folders(d, {"INBOX": [], "Processed": [m1, m2], "Failed": []}, "folders")
    no_mail_back(d, {"scheduled": 2, "feedback_request": 1}, "no email back")
    expect_mail(d, {"ivan": 2})
    d.stop()
    d.remove()


# ---- case: one message delivered twice ---------------------------------------------------------

def case_dup(binary, srv):
    d = Daemon(binary, srv, "dup", "botdup")
    ids, reqs = prepare(d, ["ivan"])
    iv, req = ids[0], reqs.get((ids[0], "ivan"))
    if not req:
        d.stop()
        return
    raw, mid = gmail_reply(req, "Ivan Interviewer", "ivan@example.com",
                           "Rating: 4/5\nRecommendation: proceed\n\nGood.")
    send(srv, "ivan@example.com", req.reply_address, raw)
    send(srv, "ivan@example.com", req.reply_address, raw)
    out = d.wait_outcomes(2)
    T.eq("the two copies: recorded, then duplicate", ["recorded", "duplicate"], outcome_of(out, mid))
    check_recorded(d, iv, "ivan", 4, "proceed", "Good.", "recorded once")
    T.eq("one feedback row", 1, d.one("SELECT count(*) FROM feedback"))
    T.eq("one audit row for the feedback", [("feedback", "email", "ivan", "rating 4, recommendation proceed")],
         d.audit_feedback(iv))
    T.eq("one idempotency key", ["mail:" + mid.strip("<>")], d.keys())
    T.eq("one chat line for rita", 1, len(wait_chats(d, 1, r"answered by email", timeout=2)))
    # The same Message-Id with another body (a client resending an edited copy): still the first.
    raw3, _ = gmail_reply(req, "Ivan Interviewer", "ivan@example.com",
                          "Rating: 1/5\nRecommendation: reject\n\nChanged my mind.", msgid=mid)
    send(srv, "ivan@example.com", req.reply_address, raw3)
    out = d.wait_outcomes(3)
    T.eq("a third copy, other words, same Message-Id: duplicate", ["recorded", "duplicate", "duplicate"],
         outcome_of(out, mid))
    check_recorded(d, iv, "ivan", 4, "proceed", "Good.", "after the third copy")
    T.eq("still one audit row for the feedback", 1, len(d.audit_feedback(iv)))
    time.sleep(0.3)
    T.eq("still one chat line for rita", 1, len([c for c in d.proc.chat_list() if "answered by email" in c]))
    T.eq("chat rows for rita in the outbox", ["feedback by email", "feedback complete"],
         sorted(k for k, _ in d.chat_rows()))
    check_folders(d, {"INBOX": [], "Processed": [mid, mid, mid], "Failed": []}, "folders")
    no_mail_back(d, {"scheduled": 2, "feedback_request": 1}, "no email back")
    expect_mail(d, {"ivan": 2})
    d.stop()
    d.remove()


# ---- case: forged and foreign replies --------------------------------------------------------------

def case_forge(binary, srv):
    d = Daemon(binary, srv, "forge", "botforge")
    ids, reqs = prepare(d, ["ivan,iris"])
    iv = ids[0]
    ivan_req, iris_req = reqs.get((iv, "ivan")), reqs.get((iv, "iris"))
    if not (ivan_req and iris_req):
        d.stop()
        return
    mallory_before = len(srv.messages("mallory"))
    rid, good_mac = token_of(ivan_req.reply_address, d.box)
    flipped = good_mac[:-1] + ("0" if good_mac[-1] != "0" else "1")
    unknown = 999
    cases = [
        ("a changed mac", "ivan@example.com", "Ivan Interviewer", token_address(d.box, rid, flipped)),
        ("iris's genuine token, from ivan", "ivan@example.com", "Ivan Interviewer", iris_req.reply_address),
        ("a genuine mac for an unknown request", "ivan@example.com", "Ivan Interviewer",
         token_address(d.box, unknown, mac(d.secret(), unknown))),
        ("mallory with ivan's genuine token", "mallory@example.com", "Mallory", ivan_req.reply_address),
        ("no token (the plain address)", "ivan@example.com", "Ivan Interviewer", d.address),
    ]
    sent = []
    # Each twice: readable (must not be recorded) and unreadable (must not be nudged).
    for label, frm, name, to in cases:
        for text, what in ((GOOD, "readable"), ("lol, fine", "unreadable")):
            raw, mid = gmail_reply(ivan_req, name, frm, text, to=to)
            send(srv, frm, to, raw)
            sent.append(("%s (%s)" % (label, what), mid))
    out = d.wait_outcomes(len(sent))
    for label, mid in sent:
        check_outcome(d, out, mid, "refused", label)
    T.eq("nothing recorded", {}, d.feedback())
    T.eq("no feedback in the audit log", [], d.audit_feedback())
    T.eq("no idempotency key kept for refused messages", [], d.keys())
    T.eq("no request marked nudged", [None, None], [r[0] for r in d.sql("SELECT nudged_at FROM feedback_requests")])
    T.eq("interview still scheduled", "scheduled", d.status(iv))
    no_mail_back(d, {"scheduled": 3, "feedback_request": 2}, "nothing sent back")
    T.eq("no chat line for rita", [], [c for c in d.proc.chat_list() if "answered" in c or "feedback" in c.lower()])
    T.eq("no chat row for rita in the outbox", [], d.chat_rows())
    check_folders(d, {"INBOX": [], "Processed": [], "Failed": [m for _, m in sent]}, "refused ones in Failed")
    # The genuine reply still works after the forgeries.
    raw, mid = gmail_reply(ivan_req, "Ivan Interviewer", "ivan@example.com", GOOD)
    send(srv, "ivan@example.com", ivan_req.reply_address, raw)
    out = d.wait_outcomes(len(sent) + 1)
    check_outcome(d, out, mid, "recorded", "ivan's genuine reply afterwards")
    check_recorded(d, iv, "ivan", 5, "hire", "Would hire tomorrow.", "ivan's genuine reply afterwards")
    T.eq("iris has no feedback", None, d.feedback(iv).get((iv, "iris")))
    T.eq("mallory got no mail", mallory_before, len(srv.messages("mallory")))
    expect_mail(d, {"ivan": 2, "iris": 2, "rita": 0})
    d.stop()
    d.remove()


# ---- case: robots -------------------------------------------------------------------------------------

def dsn(req, to, readable, from_addr="MAILER-DAEMON@example.com"):
    """A delivery status notification about REQ (as Postfix writes one), to TO, whose first
    part also holds READABLE."""
    boundary = "report-%s" % uuid.uuid4().hex[:12]
    msgid = new_id("example.com")
    body = """--{b}
Content-Type: text/plain; charset=us-ascii

{readable}

This is the mail system at host example.com. I'm sorry to have to inform you
that your message could not be delivered to one or more recipients.

--{b}
Content-Type: message/delivery-status

Reporting-MTA: dns; example.com
Arrival-Date: Mon, 10 Mar 2031 11:06:00 +0000

Final-Recipient: rfc822; nobody@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--{b}
Content-Type: text/rfc822-headers

From: Hiring <{frm}>
To: Ivan Interviewer <ivan@example.com>
Subject: {subject}
Message-ID: {rid}

--{b}--
""".format(b=boundary, readable=readable, frm=to, subject=req.subject, rid=req.message_id)
    h = headers("Mail Delivery System <%s>" % from_addr, to, "Undelivered Mail Returned to Sender", msgid)
    h.append('Content-Type: multipart/report; report-type=delivery-status; boundary="%s"' % boundary)
    return crlf(("\n".join(h) + "\n\n" + body).encode()), msgid


def case_robots(binary, srv):
    d = Daemon(binary, srv, "robots", "botrobot")
    ids, reqs = prepare(d, ["ivan"])
    iv, req = ids[0], reqs.get((ids[0], "ivan"))
    if not req:
        d.stop()
        return
    to = req.reply_address
    ivan = "Ivan Interviewer <ivan@example.com>"
    sent = []  # (label, msgid, envelope from, raw)
    raw, mid = simple(ivan, to, "Automatic reply: " + req.subject,
                      GOOD + "\n\nI am out of the office until Monday.", extra=["Auto-Submitted: auto-replied"])
    sent.append(("Auto-Submitted: auto-replied", mid, "ivan@example.com", raw))
    raw, mid = simple(ivan, to, "Re: " + req.subject, GOOD, extra=["Precedence: bulk"])
    sent.append(("Precedence: bulk", mid, "ivan@example.com", raw))
    raw, mid = dsn(req, to, GOOD)
    sent.append(("a DSN bounce (multipart/report, empty Return-Path)", mid, "", raw))
    raw, mid = simple(ivan, to, "Re: " + req.subject, GOOD, extra=["X-Autoreply: yes"])
    sent.append(("X-Autoreply", mid, "ivan@example.com", raw))
    raw, mid = simple(ivan, to, "Re: " + req.subject, GOOD, extra=["List-Id: Hiring team <team.example.com>"])
    sent.append(("List-Id", mid, "ivan@example.com", raw))
    raw, mid = simple(ivan, to, "Re: " + req.subject, GOOD)
    sent.append(("an empty Return-Path alone (MAIL FROM:<>)", mid, "", raw))
    raw, mid = dsn(req, to, GOOD, from_addr="ivan@example.com")
    sent.append(("a multipart/report alone, from ivan, with a sender", mid, "ivan@example.com", raw))
    for label, mid, env, raw in sent:
        send(srv, env, to, raw)
    out = d.wait_outcomes(len(sent))
    for label, mid, _, _ in sent:
        check_outcome(d, out, mid, "ignored", label)
    T.eq("nothing recorded", {}, d.feedback())
    T.eq("no feedback in the audit log", [], d.audit_feedback())
    T.eq("no request marked nudged", [None], [r[0] for r in d.sql("SELECT nudged_at FROM feedback_requests")])
    no_mail_back(d, {"scheduled": 2, "feedback_request": 1}, "no answer to robots")
    T.eq("no chat row for rita", [], d.chat_rows())
    check_folders(d, {"INBOX": [], "Processed": [m for _, m, _, _ in sent], "Failed": []}, "robots in Processed")
    # A person may write "Auto-Submitted: no" (RFC 3834): that is no robot.
    raw, mid = simple(ivan, to, "Re: " + req.subject, "Rating: 2/5\nRecommendation: reject\n\nNot ready.",
                      extra=["Auto-Submitted: no"])
    send(srv, "ivan@example.com", to, raw)
    out = d.wait_outcomes(len(sent) + 1)
    check_outcome(d, out, mid, "recorded", "Auto-Submitted: no")
    check_recorded(d, iv, "ivan", 2, "reject", "Not ready.", "Auto-Submitted: no")
    expect_mail(d, {"ivan": 2})
    d.stop()
    d.remove()


# ---- case: unreadable replies and the one nudge ---------------------------------------------------------

def case_nudge(binary, srv):
    d = Daemon(binary, srv, "nudge", "botnudge")
    ids, reqs = prepare(d, ["ivan"])
    iv, req = ids[0], reqs.get((ids[0], "ivan"))
    if not req:
        d.stop()
        return
    rid = d.request_id(iv, "ivan")
    raw, m1 = gmail_reply(req, "Ivan Interviewer", "ivan@example.com", "Thanks, it went fine!")
    send(srv, "ivan@example.com", req.reply_address, raw)
    out = d.wait_outcomes(1)
    check_outcome(d, out, m1, "nudged", "'Thanks, it went fine' (the quote's 'Rating: 4/5' not read)")
    T.eq("nothing recorded", {}, d.feedback())
    T.eq("one feedback_unreadable email queued, to ivan", [("feedback_unreadable", "ivan@example.com")],
         [(k, r) for k, r, _ in d.emails("feedback_unreadable")])
    T.check("feedback_requests.nudged_at set", d.one("SELECT nudged_at FROM feedback_requests WHERE id = ?", (rid,)),
            "a time", None)
    nudges = wait_mail(srv, "ivan", d.instance(), NUDGE_SUBJECT, 1)
    if nudges:
        n = nudges[0]
        T.eq("the nudge's subject", "Your feedback on Jane Doe: we need a little more", n.subject)
        nid, nmac = token_of(n.reply_address, d.box)
        T.eq("the nudge's Reply-To carries the same request's token", (rid, mac(d.secret(), rid)), (nid, nmac))
        T.check("the nudge says what it read and what is missing",
                "we read your message, but not a rating (1 to 5) or a recommendation (proceed, hire, reject or maybe)"
                in " ".join(n.plain.split()), "we read your message, but not a rating ... or a recommendation ...",
                n.plain)
        T.eq("the nudge is Auto-Submitted", "auto-generated", str(n.msg.get("Auto-Submitted", "")).strip())
    T.eq("no chat line for rita", [], d.chat_rows())
    # A second unreadable reply: no second email.
    raw, m2 = simple("Ivan Interviewer <ivan@example.com>", req.reply_address, "Re: " + req.subject,
                     "Rating: 4/5\n\nI forgot the rest.", reply_of=req)
    send(srv, "ivan@example.com", req.reply_address, raw)
    out = d.wait_outcomes(2)
    check_outcome(d, out, m2, "unreadable", "a second unreadable reply")
    T.eq("still one feedback_unreadable email", 1, len(d.emails("feedback_unreadable")))
    T.eq("still nothing recorded", {}, d.feedback())
    # The good answer, to the nudge, quoting it.
    if nudges:
        raw, m3 = gmail_reply(nudges[0], "Ivan Interviewer", "ivan@example.com",
                              "Rating: 2/5\nRecommendation: reject\n\nCould not explain her own project.")
        send(srv, "ivan@example.com", nudges[0].reply_address, raw)
        out = d.wait_outcomes(3)
        check_outcome(d, out, m3, "recorded", "the good answer to the nudge")
        check_recorded(d, iv, "ivan", 2, "reject", "Could not explain her own project.", "the good answer")
        T.eq("rita told once", 1, len(wait_chats(d, 1, r"answered by email")))
        check_folders(d, {"INBOX": [], "Processed": [m1, m2, m3], "Failed": []}, "folders")
    no_mail_back(d, {"scheduled": 2, "feedback_request": 1, "feedback_unreadable": 1}, "exactly one nudge")
    expect_mail(d, {"ivan": 3})
    d.stop()
    d.remove()


# ---- case: a message over the size limit -------------------------------------------------------------------

def with_attachment(req, text, size):
    boundary = "mixed-%s" % uuid.uuid4().hex[:12]
    blob = base64.encodebytes(random.Random(size).randbytes(size)).decode()
    body = ("--{b}\nContent-Type: text/plain; charset=UTF-8\n\n{t}\n--{b}\nContent-Type: application/pdf; "
            "name=notes.pdf\nContent-Disposition: attachment; filename=notes.pdf\nContent-Transfer-Encoding: "
            "base64\n\n{blob}--{b}--\n").format(b=boundary, t=text, blob=blob)
    msgid = new_id()
    h = headers("Ivan Interviewer <ivan@example.com>", req.reply_address, "Re: " + req.subject, msgid, req)
    h.append('Content-Type: multipart/mixed; boundary="%s"' % boundary)
    return crlf(("\n".join(h) + "\n\n" + body).encode()), msgid


def case_huge(binary, srv):
    d = Daemon(binary, srv, "huge", "bothuge")
    ids, reqs = prepare(d, ["ivan"])
    iv, req = ids[0], reqs.get((ids[0], "ivan"))
    if not req:
        d.stop()
        return
    big, m1 = with_attachment(req, "Rating: 5/5\nRecommendation: hire\n\nSee the attached notes.", 30000)
    T.check("the big message is over the limit", len(big) > MAX_REPLY, "> %d" % MAX_REPLY, len(big))
    send(srv, "ivan@example.com", req.reply_address, big)
    out = d.wait_outcomes(1)
    # Unread, so the log line cannot name its Message-Id: it is the first and only one.
    T.eq("over max_reply_size: logged outcome (no Message-Id: not read)", [("refused", "")],
         [(o["outcome"], o["message_id"]) for o in out])
    why = [o["why"] for o in out]
    T.check("the log says it was not read", any("over the limit of %d: not read" % MAX_REPLY in w for w in why),
            "... over the limit of %d: not read" % MAX_REPLY, why)
    T.eq("nothing recorded", {}, d.feedback())
    T.eq("no idempotency key (it was never read)", [], d.keys())
    no_mail_back(d, {"scheduled": 2, "feedback_request": 1}, "no answer to the big one")
    check_folders(d, {"INBOX": [], "Processed": [], "Failed": [m1]}, "the big one in Failed")
    small, m2 = with_attachment(req, "Rating: 3/5\nRecommendation: maybe\n\nSee the attached notes.", 8000)
    T.check("the small message is under the limit (with the servers' headers)", len(small) + 1500 < MAX_REPLY,
            "< %d" % (MAX_REPLY - 1500), len(small))
    send(srv, "ivan@example.com", req.reply_address, small)
    out = d.wait_outcomes(2)
    check_outcome(d, out, m2, "recorded", "under max_reply_size")
    check_recorded(d, iv, "ivan", 3, "maybe", "See the attached notes.", "under max_reply_size")
    check_folders(d, {"INBOX": [], "Processed": [m2], "Failed": [m1]}, "folders")
    expect_mail(d, {"ivan": 2})
    d.stop()
    d.remove()


# ---- case: broken MIME --------------------------------------------------------------------------------------

def broken_messages(to, req):
    """(label, raw, marker) of messages a parser may choke on; each names MARKER in a
    header where it has headers (to find it in the folders), none carries a token."""
    out = []
    mid = new_id("example.com")
    mid = new_id("example.com")
    out.append(("a multipart without its closing boundary", crlf((
        "From: Ivan Interviewer <ivan@example.com>\nTo: %s\nSubject: cut\nMessage-ID: %s\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"cut-here\"\n\n--cut-here\nContent-Type: text/plain\n\n"
        "Rating: 4/5\nRecommendation: proceed\n\n--cut-here\nContent-Type: application/octet-stream\n"
        "Content-Transfer-Encoding: base64\n\nAAAAAAAAAAAAAAAAAAAA\nAAAAAAAA" % (to, mid)).encode()), mid))
    mid = new_id("example.com")
    out.append(("headers only, no body", crlf(("From: Ivan Interviewer <ivan@example.com>\nTo: %s\nSubject: h\n"
                                               "Message-ID: %s" % (to, mid)).encode()), mid))
    mid = new_id("example.com")
    out.append(("a multipart without a boundary parameter", crlf((
        "From: Ivan Interviewer <ivan@example.com>\nTo: %s\nSubject: nb\nMessage-ID: %s\nMIME-Version: 1.0\n"
        "Content-Type: multipart/alternative\n\n--x\nContent-Type: text/plain\n\nRating: 4/5\n--x--\n"
        % (to, mid)).encode()), mid))
    mid = new_id("example.com")
    depth = 250
    nested = "".join('--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n' % (i, i + 1) for i in range(depth))
    nested += "--b%d\nContent-Type: text/plain\n\nRating: 4/5 proceed\n" % depth
    nested += "".join("--b%d--\n" % i for i in range(depth, -1, -1))
    out.append(("250 nested multiparts", crlf((
        "From: Ivan Interviewer <ivan@example.com>\nTo: %s\nSubject: deep\nMessage-ID: %s\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"b0\"\n\n%s" % (to, mid, nested)).encode()), mid))
    mid = new_id("example.com")
    out.append(("an unknown charset, 8-bit bytes, bad base64", crlf((
        "From: =?x-unknown?B?@@@?= <ivan@example.com>\nTo: %s\nSubject: =?utf-8?q?=FF=FE?=\nMessage-ID: %s\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"q\"\n\n--q\nContent-Type: text/plain; "
        "charset=x-no-such-charset\nContent-Transfer-Encoding: 8bit\n\n" % (to, mid)).encode()
        + b"Rating \xff\xfe\xc3\x28 4/5\n--q\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: "
          b"base64\n\n@@@@!!!!====\n--q\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
          b"quoted-printable\n\n=ZZ=4=\n--q--\n"), mid))
    return out


def case_broken(binary, srv):
    d = Daemon(binary, srv, "broken", "botbroken")
    ids, reqs = prepare(d, ["ivan"])
    iv, req = ids[0], reqs.get((ids[0], "ivan"))
    if not req:
        d.stop()
        return
    # Garbage bytes: OpenSMTPD refuses them ("not RFC 2822 compliant"), so they go into the
    # mailbox by IMAP APPEND, as another delivery path could put them there.
    rng = random.Random(7)
    garbage = bytes(rng.choice(b"\x01\x02\x7f\x80\xff\xfe\xc3\x28ABCxyz<>=:;\"{}\t ") for _ in range(4000))
    garbage = crlf(b"\xff\xfegarbage\x01 no header here\n" + b"\n".join(garbage[i:i + 60] for i in range(0, 4000, 60)))
    m = srv.imap(d.box)
    try:
        typ, data = m.append("INBOX", None, None, garbage)
        T.eq("garbage bytes appended to the INBOX", "OK", typ)
    finally:
        m.logout()
    msgs = [("garbage bytes", garbage, None)] + broken_messages(d.address, req)
    for label, raw, _ in msgs[1:]:
        T.check("%s: under max_reply_size" % label, len(raw) + 1500 < MAX_REPLY, "< %d" % (MAX_REPLY - 1500), len(raw))
        send(srv, "ivan@example.com", d.address, raw)
    out = d.wait_outcomes(len(msgs), timeout=20)
    T.check("the daemon still runs", d.proc.alive(), "running", "exited %s" % d.proc.p.returncode)
    T.eq("each broken message judged once, all refused", ["refused"] * len(msgs), [o["outcome"] for o in out])
    for label, _, mid in msgs:
        if mid:
            T.eq("%s: logged once" % label, 1, len(outcome_of(out, mid)))
    T.eq("nothing recorded", {}, d.feedback())
    T.eq("no feedback in the audit log", [], d.audit_feedback())
    no_mail_back(d, {"scheduled": 2, "feedback_request": 1}, "nothing sent")
    T.eq("INBOX empty", 0, len(imap_search(srv, d.box, "INBOX")))
    T.eq("all moved to Failed", len(msgs), len(imap_search(srv, d.box, "Failed")))
    raw, mid = gmail_reply(req, "Ivan Interviewer", "ivan@example.com", GOOD)
    send(srv, "ivan@example.com", req.reply_address, raw)
    out = d.wait_outcomes(len(msgs) + 1)
    check_outcome(d, out, mid, "recorded", "the good reply after the broken ones")
    check_recorded(d, iv, "ivan", 5, "hire", "Would hire tomorrow.", "the good reply after the broken ones")
    expect_mail(d, {"ivan": 2})
    d.stop()
    d.remove()


# ---- case: restart and UIDVALIDITY ----------------------------------------------------------------------------

def case_restart(binary, srv):
    d = Daemon(binary, srv, "restart", "botrestart", imap_tls="starttls")
    ids, reqs = prepare(d, ["ivan,iris", "ivan"])
    if len(reqs) != 3:
        T.check("three requests arrived", False, 3, sorted(reqs))
        d.stop()
        return
    iv1, iv2 = ids
    raw_a, a = gmail_reply(reqs[(iv1, "ivan")], "Ivan Interviewer", "ivan@example.com",
                           "Rating: 4/5\nRecommendation: proceed\n\nA.")
    send(srv, "ivan@example.com", reqs[(iv1, "ivan")].reply_address, raw_a)
    out1 = d.wait_outcomes(1)
    check_outcome(d, out1, a, "recorded", "A, run 1")
    run1 = d.proc
    d.stop()
    state1 = d.imap_state()
    # While it is stopped: two replies wait.
    raw_b, b = gmail_reply(reqs[(iv1, "iris")], "Iris Interviewer", "iris@example.com",
                           "Rating: 3/5\nRecommendation: maybe\n\nB.")
    raw_c, c = gmail_reply(reqs[(iv2, "ivan")], "Ivan Interviewer", "ivan@example.com",
                           "Rating: 5/5\nRecommendation: hire\n\nC.")
    send(srv, "iris@example.com", reqs[(iv1, "iris")].reply_address, raw_b)
    send(srv, "ivan@example.com", reqs[(iv2, "ivan")].reply_address, raw_c)
    waiting = wait_until(lambda: len(imap_search(srv, d.box, "INBOX")) >= 2, 10)
    T.check("B and C wait in the INBOX while the daemon is stopped", waiting, 2,
            len(imap_search(srv, d.box, "INBOX")))
    inbox_uids = sorted(u for u, _, _ in imap_search(srv, d.box, "INBOX"))
    d.start()
    out2 = d.wait_outcomes(2)
    T.eq("run 2 judged B and C, each once, in UID order", [(u, o) for u, o in zip(inbox_uids, ["recorded"] * 2)],
         [(o["uid"], o["outcome"]) for o in out2])
    T.eq("run 2 did not look at A again", [], outcome_of(out2, a))
    check_outcome(d, out2, b, "recorded", "B, run 2")
    check_outcome(d, out2, c, "recorded", "C, run 2")
    st = uid_status(srv, d.box)
    T.eq("imap_state after run 2: the last UID is C's", [("INBOX", st["uidvalidity"], max(inbox_uids or [0]))],
         d.imap_state())
    T.check("imap_state moved on from run 1", state1 and d.imap_state() and d.imap_state()[0][2] > state1[0][2],
            "above %s" % state1, d.imap_state())
    T.eq("#%d completed by B" % iv1, "completed", d.status(iv1))
    T.eq("#%d completed by C" % iv2, "completed", d.status(iv2))
    d.stop()
    # The mailbox is rebuilt while the daemon is stopped: an old reply (A) is back in it,
    # a new one (D, ivan changing his mind on #2) arrives, and UIDVALIDITY changes with
    # the UIDs starting again at 1 — below the last UID the store remembers.
    processed = imap_search(srv, d.box, "Processed")
    raw_a_back = next((raw for _, raw, _ in processed if Mail(raw).message_id == a), None)
    m = srv.imap(d.box)
    try:
        m.append("INBOX", None, None, raw_a_back or raw_a)
    finally:
        m.logout()
    raw_d, dd = gmail_reply(reqs[(iv2, "ivan")], "Ivan Interviewer", "ivan@example.com",
                            "Rating: 4/5\nRecommendation: hire\n\nD.")
    send(srv, "ivan@example.com", reqs[(iv2, "ivan")].reply_address, raw_d)
    wait_until(lambda: len(imap_search(srv, d.box, "INBOX")) >= 2, 10)
    before = uid_status(srv, d.box)
    time.sleep(1.1)  # Dovecot's new UIDVALIDITY comes from the clock
    root = os.path.join(srv.dir, "maildir", d.box)
    for f in os.listdir(root):
        if f == "dovecot-uidlist" or f.startswith("dovecot.index") or f.startswith("dovecot-uidvalidity"):
            os.remove(os.path.join(root, f))
    after = uid_status(srv, d.box)
    inbox_uids = sorted(u for u, _, _ in imap_search(srv, d.box, "INBOX"))
    T.check("precondition: UIDVALIDITY changed and the UIDs restarted below the stored last UID",
            after["uidvalidity"] != before["uidvalidity"] and inbox_uids and max(inbox_uids) < d.imap_state()[0][2],
            "new UIDVALIDITY, UIDs < %s" % (d.imap_state(),), (before, after, inbox_uids))
    d.start()
    out3 = d.wait_outcomes(2)
    T.check("the log says the mailbox was rebuilt", "UIDVALIDITY changed" in d.proc.stderr(), "a warning",
            d.proc.stderr()[-500:])
    check_outcome(d, out3, a, "duplicate", "A again after the rebuild")
    check_outcome(d, out3, dd, "recorded", "D after the rebuild")
    T.eq("imap_state after the rebuild: the new UIDVALIDITY, the highest UID",
         [("INBOX", after["uidvalidity"], max(inbox_uids or [0]))], d.imap_state())
    fb = d.feedback()
    T.eq("feedback: A, B once; C changed by D",
         {(iv1, "ivan"): (4, "proceed", "A."), (iv1, "iris"): (3, "maybe", "B."), (iv2, "ivan"): (4, "hire", "D.")},
         {k: (v["rating"], v["recommendation"], v["feedback"]) for k, v in fb.items()})
    T.eq("audit: each reply once (B and C in the order the server delivered them)",
         sorted([("feedback", "ivan"), ("feedback", "iris"), ("feedback", "ivan"), ("feedback changed", "ivan")]),
         sorted((a_[0], a_[2]) for a_ in d.audit_feedback()))
    every = run1.outcomes() + out2 + out3
    T.eq("each message judged once over three runs (A's copy: once more, as a duplicate)",
         {a: ["recorded", "duplicate"], b: ["recorded"], c: ["recorded"], dd: ["recorded"]},
         {x: outcome_of(every, x) for x in (a, b, c, dd)})
    T.eq("rita's chat rows: 'answered' for A, B, C, D and two 'All feedback is in'",
         ["feedback by email"] * 4 + ["feedback complete"] * 2, sorted(k for k, _ in d.chat_rows()))
    check_folders(d, {"INBOX": [], "Failed": []}, "after the rebuild")
    T.eq("Processed holds A twice, B, C, D", sorted([a, a, b, c, dd]), sorted(folder_ids(srv, d.box, "Processed")))
    # The store locked by another writer while a reply (E) comes in: the poll fails, E
    # stays in the INBOX, and the next poll after the lock is gone records it, once.
    n_before = len(d.outcomes())
    con = sqlite3.connect(d.db, timeout=1, isolation_level=None)
    try:
        con.execute("BEGIN EXCLUSIVE")
        raw_e, e = gmail_reply(reqs[(iv1, "iris")], "Iris Interviewer", "iris@example.com",
                               "Rating: 4/5\nRecommendation: proceed\n\nE.")
        send(srv, "iris@example.com", reqs[(iv1, "iris")].reply_address, raw_e)
        wait_until(lambda: len(d.outcomes()) > n_before, 15)
        T.eq("store locked: the poll logs 'failed' for E", ["failed"], outcome_of(d.outcomes(), e))
        T.eq("store locked: E stays in the INBOX", [e], folder_ids(srv, d.box, "INBOX"))
    finally:
        con.execute("ROLLBACK")
        con.close()
    wait_until(lambda: "recorded" in outcome_of(d.outcomes(), e), 15)
    time.sleep(0.3)
    T.eq("the lock gone: E recorded on the next poll", ["failed", "recorded"], outcome_of(d.outcomes(), e))
    check_recorded(d, iv1, "iris", 4, "proceed", "E.", "E")
    check_folders(d, {"INBOX": [], "Failed": []}, "after E")
    T.eq("Processed holds E once", 1, folder_ids(srv, d.box, "Processed").count(e))
    expect_mail(d, {"ivan": 4, "iris": 2})
    d.stop()
    d.remove()


# ---- case: ingest-mail ----------------------------------------------------------------------------------------

def GOOD_IRIS_MSG(req, _made={}):
    """iris's good reply (the same bytes on every call)."""
    if "m" not in _made:
        _made["m"] = gmail_reply(req, "Iris Interviewer", "iris@example.com",
                                 "Rating: 2/5\nRecommendation: reject\n\nNo.")
    return _made["m"]


def pad(raw, size):
    """RAW with X-Pad header lines added so that it is exactly SIZE bytes."""
    head, body = raw.split(b"\r\n\r\n", 1)
    need = size - len(raw)
    lines = []
    while need > 0:
        n = min(need, 900)
        if n < 10:  # too short for a header line of its own: widen the last one
            lines[-1] += b"x" * n
            break
        lines.append(b"X-Pad: " + b"x" * (n - 9))
        need -= n
    out = head + b"".join(b"\r\n" + l for l in lines) + b"\r\n\r\n" + body
    assert len(out) == size, (len(out), size)
    return out


def ingest(d, raw, timeout=30):
    p = subprocess.run([d.binary, "-c", d.path, "ingest-mail"], input=raw, capture_output=True, env=d.env,
                       cwd=d.dir, timeout=timeout)
    ALL_STDERR.append(("%s ingest-mail" % d.name, p.stderr.decode("utf-8", "replace").splitlines()))
    return p.returncode, p.stdout.decode("utf-8", "replace").strip(), p.stderr.decode("utf-8", "replace")


def case_ingest(binary, srv):
    d = Daemon(binary, srv, "ingest", "botingest", imap=False)
    ids, reqs = prepare(d, ["ivan,iris"])
    iv = ids[0]
    ivan_req, iris_req = reqs.get((iv, "ivan")), reqs.get((iv, "iris"))
    d.stop()
    if not (ivan_req and iris_req):
        return
    mallory_before = len(srv.messages("mallory"))

    def run(label, raw, want_rc, want_out):
        rc, out, err = ingest(d, raw)
        T.eq("%s: exit status" % label, want_rc, rc)
        T.check("%s: prints '%s'" % (label, want_out), re.fullmatch(want_out, out) is not None, want_out, out)
        return out

    good, gid = gmail_reply(ivan_req, "Ivan Interviewer", "ivan@example.com",
                            "Rating: 4/5\nRecommendation: proceed\n\nSteady and careful.")
    run("a good reply", good, 0, r"recorded: feedback of ivan: 4/5, proceed")
    check_recorded(d, iv, "ivan", 4, "proceed", "Steady and careful.", "a good reply")
    T.eq("audit row", [("feedback", "email", "ivan", "rating 4, recommendation proceed")], d.audit_feedback(iv))
    T.eq("rita's chat row", [("feedback by email", "ivan answered by email with feedback on #%d Jane Doe: 4/5, "
                                                   "proceed" % iv)], d.chat_rows())
    run("the same again", good, 0, r"duplicate: .*")
    T.eq("still one audit row", 1, len(d.audit_feedback(iv)))
    # Without a Message-ID (an MTA would add one; stdin gets it as it is): the same bytes twice.
    noid = re.sub(rb"Message-ID: [^\r]*\r\n", b"", gmail_reply(
        ivan_req, "Ivan Interviewer", "ivan@example.com", "Rating: 3/5\nRecommendation: maybe\n\nSecond thoughts.")[0])
    T.check("precondition: the message has no Message-ID", b"Message-ID" not in noid, "none", noid[:300])
    run("no Message-ID", noid, 0, r"recorded: feedback of ivan: 3/5, maybe")
    run("no Message-ID, the same bytes again", noid, 0, r"duplicate: .*")
    T.eq("audit: feedback, then changed once", ["feedback", "feedback changed"],
         [a[0] for a in d.audit_feedback(iv)])
    rid, m_ = token_of(iris_req.reply_address, d.box)
    forged, _ = gmail_reply(iris_req, "Iris Interviewer", "iris@example.com", GOOD,
                            to=token_address(d.box, rid, "0" * 20))
    run("a forged token", forged, 0, r"refused: no genuine reply token .*")
    stranger, _ = gmail_reply(iris_req, "Mallory", "mallory@example.com", GOOD)
    run("a stranger with iris's token", stranger, 0,
        r"refused: sent by mallory@example\.com, but request %d went to iris@example\.com" % rid)
    T.eq("iris has no feedback", None, d.feedback(iv).get((iv, "iris")))
    unread, _ = gmail_reply(iris_req, "Iris Interviewer", "iris@example.com", "Sure, will do later.")
    run("an unreadable reply", unread, 0, r"nudged: .*")
    T.eq("the nudge was sent before ingest-mail exited", [("feedback_unreadable", "iris@example.com", True)],
         [(k, r, s is not None) for k, r, s in d.emails("feedback_unreadable")])
    nudges = wait_mail(srv, "iris", d.instance(), NUDGE_SUBJECT, 1)
    T.eq("iris got the nudge", 1, len(nudges))
    nul = b"From: ivan@example.com\x00\r\n\x00\x00\xff" + bytes(range(256)) * 4
    run("garbage with NUL bytes", nul, 0, r"refused: .*")
    run("empty input", b"", 0, r"refused: .*")
    big, _ = with_attachment(ivan_req, GOOD, 30000)
    run("too big", big, 0, r"refused: %d bytes, over the limit of %d: not read" % (len(big), MAX_REPLY))
    over = pad(GOOD_IRIS_MSG(iris_req)[0], MAX_REPLY + 1)
    run("one byte over max_reply_size", over, 0, r"refused: %d bytes, over the limit of %d: not read"
        % (MAX_REPLY + 1, MAX_REPLY))
    # The store locked by another writer for longer than the busy timeout: EX_TEMPFAIL.
    good_iris = pad(GOOD_IRIS_MSG(iris_req)[0], MAX_REPLY)  # exactly at the limit: read
    con = sqlite3.connect(d.db, timeout=1, isolation_level=None)
    try:
        con.execute("BEGIN EXCLUSIVE")
        t0 = time.monotonic()
        rc, out, err = ingest(d, good_iris)
        note("locked store: exit %s after %.1fs: %s / %s" % (rc, time.monotonic() - t0, out, err.strip()[:200]))
        T.eq("the store locked: exit status 75 (EX_TEMPFAIL)", 75, rc)
    finally:
        con.execute("ROLLBACK")
        con.close()
    T.eq("nothing recorded while it was locked", None, d.feedback(iv).get((iv, "iris")))
    run("delivered again once the store is free", good_iris, 0, r"recorded: feedback of iris: 2/5, reject")
    T.eq("all feedback in: completed", "completed", d.status(iv))
    T.eq("'All feedback is in' row for rita", 1, len([1 for k, _ in d.chat_rows() if k == "feedback complete"]))
    check_recorded(d, iv, "ivan", 3, "maybe", "Second thoughts.", "ivan at the end")
    no_mail_back(d, {"scheduled": 3, "feedback_request": 2, "feedback_unreadable": 1}, "emails")
    T.eq("mallory got no mail", mallory_before, len(srv.messages("mallory")))
    expect_mail(d, {"ivan": 2, "iris": 3})
    d.remove()


# ---- case: the password -----------------------------------------------------------------------------------------

def case_secrets(binary, srv):
    d = Daemon(binary, srv, "secrets", "botpw")
    d.env[PASSWORD_ENV] = WRONG_PASSWORD
    raw, mid = simple("ivan@example.com", d.address, "hello", "waiting")
    send(srv, "ivan@example.com", d.address, raw)
    wait_until(lambda: len(imap_search(srv, d.box, "INBOX")) >= 1, 10)
    d.start()
    wait_until(lambda: "level=warn" in d.proc.stderr() and "imap" in d.proc.stderr(), 8)
    err = d.proc.stderr()
    T.check("a wrong password is logged as an IMAP failure", re.search(r"level=(warn|error) part=imap", err),
            "an imap warning", err[-400:])
    d.stop()
    T.eq("the waiting message is untouched", [mid], folder_ids(srv, d.box, "INBOX"))
    # check-config with the password in the file itself: masked.
    d.configure(extra_imap=['password = "%s"' % PASSWORD])
    text = open(d.path).read().replace('password_env = "%s"\n' % PASSWORD_ENV, "")
    with open(d.path, "w") as f:
        f.write(text)
    p = subprocess.run([binary, "-c", d.path, "check-config"], capture_output=True, text=True, env=d.env, timeout=20)
    T.eq("check-config accepts the file", 0, p.returncode)
    T.check("check-config masks the IMAP password", PASSWORD not in p.stdout + p.stderr and "********" in p.stdout,
            "********", [l for l in p.stdout.splitlines() if "password" in l])
    leaks = [label for label, lines in ALL_STDERR if any(PASSWORD in l or WRONG_PASSWORD in l for l in lines)]
    T.eq("no stderr of the %d runs holds the password" % len(ALL_STDERR), [], leaks)
    note("searched %d lines of stderr from %d runs" % (sum(len(lines) for _, lines in ALL_STDERR),
                                                         len(ALL_STDERR)))
    d.remove()


# ---- case: the Reply-To's display name ----------------------------------------------------------------------

def case_names(binary, srv):
    """The request's Reply-To names the sender as its From does, whatever the name holds
    (no servers: the requests are written to the outbox folder)."""
    for name in ('Acme "Hiring" Team', "Équipe Recrutement, Zürich"):
        d = Daemon(binary, srv, "names", "bot", imap=False, smtp=False, from_name=name)
        d.start()
        d.schedule("Jane Doe <jane@example.com>", "2031-03-10 09:00", "ivan", minutes=30)
        d.set_time("2031-03-10T10:00:00+00:00")
        files = wait_until(lambda: [f for f in os.listdir(d.outbox_dir) if "feedback_request" in f]
                           if os.path.isdir(d.outbox_dir) else [], 10)
        d.stop()
        T.eq("%s: one feedback request written" % name, 1, len(files or []))
        if files:
            with open(os.path.join(d.outbox_dir, files[0]), "rb") as f:
                m = Mail(f.read())
            frm = [(a.display_name, a.addr_spec) for a in m.msg["From"].addresses]
            T.eq("%s: From" % name, [(name, d.address)], frm)
            T.eq("%s: the Reply-To's display name is the From's" % name, [name], [n for n, _ in m.reply_to])
            rid, mac_hex = token_of(m.reply_address, d.box)
            T.check("%s: the Reply-To carries the token" % name, rid is not None, "bot+f<id>-<mac>@example.com",
                    m.reply_to)
        d.remove()


# ---- main ---------------------------------------------------------------------------------------------------------

# ---- case: answers to invites (iTIP REPLY and COUNTER) -------------------------------------

def itip(method, uid, attendee, name, partstat, organizer, prodid, comment=None, start="20310310T090000Z",
         end="20310310T093000Z", sequence=0):
    lines = ["BEGIN:VCALENDAR", "PRODID:%s" % prodid, "VERSION:2.0", "METHOD:%s" % method, "BEGIN:VEVENT",
             "DTSTART:%s" % start, "DTEND:%s" % end, "DTSTAMP:20310309T100000Z",
             "ORGANIZER;CN=Hiring:mailto:%s" % organizer, "UID:%s" % uid, "SEQUENCE:%d" % sequence,
             "ATTENDEE;CN=%s;PARTSTAT=%s:mailto:%s" % (name, partstat, attendee)]
    if comment:
        lines.append("COMMENT:%s" % comment)
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def answer(frm, to, subject, cal, method, shape):
    """An RSVP mail: "inline" (Google: text + text/calendar alternative), "attached" (only
    an invite.ics attachment, as some Apple and mobile clients send), "both" (Outlook:
    the alternative and the attached copy)."""
    msgid = new_id("calendar.example.net")
    h = headers(frm, to, subject, msgid)
    b = "==rsvp-%s==" % msgid.strip("<>").split("@")[0]
    part_cal = ['Content-Type: text/calendar; charset="UTF-8"; method=%s' % method,
                "Content-Transfer-Encoding: 7bit", "", cal]
    part_att = ['Content-Type: application/ics; name="invite.ics"',
                'Content-Disposition: attachment; filename="invite.ics"', "Content-Transfer-Encoding: 7bit", "", cal]
    part_txt = ['Content-Type: text/plain; charset="UTF-8"', "", subject, ""]
    if shape == "inline":
        body = ["Content-Type: multipart/alternative; boundary=\"%s\"" % b, "", "--" + b] + part_txt + \
               ["--" + b] + part_cal + ["--%s--" % b, ""]
    elif shape == "attached":
        body = ["Content-Type: multipart/mixed; boundary=\"%s\"" % b, "", "--" + b] + part_txt + \
               ["--" + b, 'Content-Type: text/calendar; charset="UTF-8"; method=%s; name="invite.ics"' % method,
                'Content-Disposition: attachment; filename="invite.ics"', "", cal, "--%s--" % b, ""]
    else:
        inner = b + "-alt"
        body = ["Content-Type: multipart/mixed; boundary=\"%s\"" % b, "", "--" + b,
                "Content-Type: multipart/alternative; boundary=\"%s\"" % inner, "", "--" + inner] + part_txt + \
               ["--" + inner] + part_cal + ["--%s--" % inner, "--" + b] + part_att + ["--%s--" % b, ""]
    return crlf("\n".join(h + body).encode("utf-8")), msgid


def case_rsvp(binary, srv):
    d = Daemon(binary, srv, "rsvp", "botrsvp")
    d.start()
    iv = d.schedule("Jane Doe <jane@example.com>", "2031-03-10 09:00", "ivan", minutes=30)
    uid = "interview-%s.%s@example.com" % (iv, d.instance())
    org = d.address
    google, outlook = "-//Google Inc//Google Calendar 70.9054//EN", "Microsoft Exchange Server 2010"
    apple = "-//Apple Inc.//macOS 14.0//EN"
    steps = [
        ("ivan accepts (Google: inline)", "ivan@example.com", "Ivan Interviewer", "ACCEPTED", "REPLY", google,
         "inline", None, "recorded"),
        ("jane is tentative (attachment only)", "jane@example.com", "Jane Doe", "TENTATIVE", "REPLY", apple,
         "attached", None, "recorded"),
        ("ivan declines (Outlook: inline and attached)", "ivan@example.com", "Ivan Interviewer", "DECLINED", "REPLY",
         outlook, "both", "Sorry\\, I am on leave that day.", "recorded"),
    ]
    for label, who, name, ps, method, prodid, shape, comment, want in steps:
        raw, mid = answer(addr(name, who), org, "%s: Interview" % ps.title(), itip(method, uid, who, name, ps, org,
                                                                                   prodid, comment), method, shape)
        send(srv, who, org, raw)
        out = d.wait_outcomes(len(d.outcomes()) + 1)
        check_outcome(d, out, mid, want, label)
    T.eq("the answers kept: the newest of each attendee",
         [("ivan@example.com", "declined", "Sorry, I am on leave that day."), ("jane@example.com", "tentative", "")],
         [tuple(r) for r in d.sql("SELECT email, partstat, coalesce(comment, '') FROM rsvps WHERE interview_id = ? "
                                  "ORDER BY email", (iv,))])
    declined = wait_chats(d, 1, r"declined")
    T.check("the decline reaches rita's chat with the reschedule ready",
            len(declined) == 1 and ("declined #%s Jane Doe" % iv) in declined[0] and
            ('reschedule #%s when:"..."' % iv) in declined[0] and "on leave" in declined[0],
            "Ivan Interviewer declined #%s ... reschedule #%s when:\"...\"" % (iv, iv), declined)
    r = d.cmd("show #%s" % iv)
    T.eq("show lists each answer", [{"email": "ivan@example.com", "response": "declined"},
                                    {"email": "jane@example.com", "response": "tentative"}],
         ((r.get("data") or {}).get("interview") or {}).get("responses"))
    raw, mid = answer(addr("Jane Doe", "jane@example.com"), org, "New time proposed: Interview",
                      itip("COUNTER", uid, "jane@example.com", "Jane Doe", "NEEDS-ACTION", org, google,
                           start="20310311T150000Z", end="20310311T153000Z"), "COUNTER", "inline")
    send(srv, "jane@example.com", org, raw)
    out = d.wait_outcomes(len(d.outcomes()) + 1)
    check_outcome(d, out, mid, "recorded", "jane's COUNTER")
    counter = wait_chats(d, 1, r"proposes another time")
    T.check("the COUNTER becomes a ready reschedule command in rita's zone",
            len(counter) == 1 and ('reschedule #%s when:"2031-03-11 15:00"' % iv) in counter[0],
            'reschedule #%s when:"2031-03-11 15:00"' % iv, counter)
    T.eq("nothing moved without rita", "scheduled", d.status(iv))
    before = d.sql("SELECT email, partstat FROM rsvps ORDER BY email")
    forged = [("mallory answers for ivan", "mallory@example.com", "ivan@example.com", uid),
              ("a stranger answers as herself", "mallory@example.com", "mallory@example.com", uid),
              ("ivan answers an invite of another database", "ivan@example.com", "ivan@example.com",
               "interview-%s.0000deadbeef@example.com" % iv)]
    for label, sender, attendee, u in forged:
        raw, mid = answer(addr("Someone", sender), org, "Accepted: Interview",
                          itip("REPLY", u, attendee, "Someone", "ACCEPTED", org, google), "REPLY", "inline")
        send(srv, sender, org, raw)
        out = d.wait_outcomes(len(d.outcomes()) + 1)
        check_outcome(d, out, mid, "refused", label)
    T.eq("the forged answers changed nothing", before, d.sql("SELECT email, partstat FROM rsvps ORDER BY email"))
    T.eq("audit: the three answers and the proposal, by email",
         [("rsvp", "ivan@example.com accepted by email"), ("rsvp", "jane@example.com tentative by email"),
          ("rsvp", "ivan@example.com declined by email"), ("counter", "jane@example.com proposed another time by email")],
         [(a, det) for a, det in d.sql("SELECT action, detail FROM audit WHERE interview_id = ? AND action IN "
                                       "('rsvp', 'counter') ORDER BY id", (iv,))])
    d.stop()
    d.remove()


# ---- case: a candidate answers their invite ---------------------------------------------

def case_candidate(binary, srv):
    d = Daemon(binary, srv, "candidate", "botcand")
    d.start()  # Monday 10 March 2031, 08:00 UTC
    iv = d.schedule("Jane Doe <jane@example.com>", "2031-03-12 10:00", "ivan", minutes=30)
    got = wait_mail(srv, "jane", d.instance(), "Your interview", 1)
    invite = got[0] if got else None
    T.check("the candidate's invite carries a signed Reply-To (bot+c<chain>-...)",
            invite is not None and re.match(r"^botcand\+c%s-[0-9a-f]{20}@example\.com$" % iv, invite.reply_address or ""),
            "botcand+c%s-<mac>@example.com" % iv, invite and invite.reply_to)
    if not invite or not invite.reply_address:
        d.stop()
        return
    words = "Hello! Something came up at work. Could we do Thursday 3pm instead? Friday 10:30 works too."
    raw, mid = gmail_reply(invite, "Jane Doe", "jane@example.com", words)
    send(srv, "jane@example.com", invite.reply_address, raw)
    out = d.wait_outcomes(1)
    check_outcome(d, out, mid, "recorded", "the candidate's reply")
    told = wait_chats(d, 1, r"candidate of #%s" % iv)
    T.check("rita reads the candidate's words, with the times offered as ready commands",
            len(told) == 1 and "Could we do Thursday 3pm instead?" in told[0] and
            ('reschedule #%s when:"2031-03-13 15:00"' % iv) in told[0] and
            ('reschedule #%s when:"2031-03-14 10:30"' % iv) in told[0] and "wrote:" not in told[0],
            'her words and reschedule #%s when:"2031-03-13 15:00" or ... "2031-03-14 10:30"' % iv, told)
    T.eq("the audit log keeps it", [("candidate wrote", words)],
         [(a, det) for a, det in d.sql("SELECT action, detail FROM audit WHERE interview_id = ? AND action = "
                                       "'candidate wrote'", (iv,))])
    T.eq("nothing moved: it is not a command", "scheduled", d.status(iv))
    raw, mid = gmail_reply(invite, "Jane Doe", "mallory@example.com", "reschedule #%s when:\"2031-03-20 10:00\"" % iv)
    send(srv, "mallory@example.com", invite.reply_address, raw)
    out = d.wait_outcomes(2)
    check_outcome(d, out, mid, "refused", "a stranger with the candidate's token")
    T.eq("still one chat line about the candidate", 1, len(wait_chats(d, 1, r"candidate of #%s" % iv, timeout=1)))
    T.eq("nothing moved", "scheduled", d.status(iv))
    d.stop()
    d.remove()


AUTH_ID = "mx.example.com"


def authres(sender_domain="example.com", by=AUTH_ID, verdict="pass"):
    """The Authentication-Results our receiving server would put on top (tests/mail has no
    DKIM verifier: the test plays that server)."""
    return "Authentication-Results: %s; dkim=%s (2048-bit key) header.d=%s header.i=@%s header.s=s1; " \
           "spf=%s smtp.mailfrom=%s" % (by, verdict, sender_domain, sender_domain, verdict, sender_domain)


def answers(srv, user, instance, n, timeout=15):
    """USER's answers to commands (Message-ID answer-...) of INSTANCE, once there are N."""
    pick = lambda: [m for m in of_instance(srv, user, instance) if m.message_id.startswith("<answer-")]
    got = wait_until(lambda: (lambda ms: ms if len(ms) >= n else None)(pick()), timeout, 0.2) or pick()
    T.eq("%s holds %d answer(s)" % (user, n), n, len(got))
    return got


def html_of(mail):
    body = mail.msg.get_body(("html",))
    return body.get_content() if body is not None else ""


def case_commands(binary, srv):
    """Commands by email, [mail] commands = "authenticated": a recruiter schedules,
    reschedules (replying in the thread) and an interviewer completes, all from a mail
    client; forged and strangers' mail changes nothing and gets no answer."""
    d = Daemon(binary, srv, "commands", "botcmd",
               extra_mail=['commands = "authenticated"', 'authserv_id = "%s"' % AUTH_ID])
    d.start()  # Monday 10 March 2031, 08:00 UTC
    inst = d.instance()
    body = ('Hi,\ntz America/New_York\nschedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-12 10:00" '
            'with:ivan job:"Engineer" type:video\nlist week\n\nThanks!\n\n-- \nRita\n')
    raw, mid1 = simple(addr("Rita Recruiter", "rita@example.com"), d.address, "stats", body, extra=[authres()])
    send(srv, "rita@example.com", d.address, raw)
    out = d.wait_outcomes(1)
    check_outcome(d, out, mid1, "answered", "rita's commands")
    T.eq("the interview is there, at 10:00 in New York (14:00 UTC)", [(1, "scheduled", epoch("2031-03-12T14:00:00+00:00"))],
         d.sql("SELECT id, status, start_utc FROM interviews"))
    got = answers(srv, "rita", inst, 1)
    a1 = got[0] if got else None
    if a1:
        T.eq("the answer is threaded under her message", (mid1, mid1), (str(a1.msg["In-Reply-To"]).strip(),
                                                                     str(a1.msg["References"]).strip()))
        T.eq("its subject", "Re: stats", a1.subject)
        T.check("it answers each command, the times in her zone (text)",
                all(x in a1.plain for x in ("> stats", "> tz America/New_York", "> schedule candidate:",
                                            "Scheduled #1", "Wed 12 Mar 2031 10:00-11:00 (America/New_York)",
                                            "> list week", "Not commands, so not run:", "Thanks!")) and
                "Hi," not in a1.plain.split("Not commands")[0],
                "each command and its answer", a1.plain)
        T.check("and in HTML, escaped", "Scheduled #1" in html_of(a1) and "&lt;jane@example.com&gt;" in html_of(a1),
                "the card in HTML", html_of(a1)[:300])
        T.eq("it is marked as an automatic reply", "auto-replied", str(a1.msg["Auto-Submitted"]))
    wait_mail(srv, "jane", inst, "Your interview", 1)
    # rita answers in the thread: a new command on top, the answer quoted below
    if a1:
        raw, mid2 = gmail_reply(a1, "Rita Recruiter", "rita@example.com",
                                'reschedule #1 when:"2031-03-13 15:00" reason:"panel moved"', extra=[authres()],
                                to=d.address)
        send(srv, "rita@example.com", d.address, raw)
        out = d.wait_outcomes(2)
        check_outcome(d, out, mid2, "answered", "rita's reply in the thread")
        T.eq("#1 moved to #2 (the quoted commands not run again)", [(1, "rescheduled"), (2, "scheduled")],
             d.sql("SELECT id, status FROM interviews ORDER BY id"))
        got = answers(srv, "rita", inst, 2)
        a2 = [m for m in got if m.message_id != a1.message_id]
        if a2:
            T.eq("the second answer threads under her reply", mid2, str(a2[0].msg["In-Reply-To"]).strip())
            T.check("its References keep the thread", a1.message_id in str(a2[0].msg["References"]) and
                    mid2 in str(a2[0].msg["References"]), "both ids", str(a2[0].msg["References"]))
            T.check("it shows the new time", "Thu 13 Mar 2031 15:00-16:00 (America/New_York)" in a2[0].plain,
                    "the card", a2[0].plain)
    # forgeries: rita's From without the proof, each refused, unanswered, nothing changed
    forged = [("no Authentication-Results", []), ("another server's", [authres(by="mx.evil.com")]),
              ("DKIM and SPF fail", [authres(verdict="fail")]), ("signed by evil.com", [authres("evil.com")])]
    n = 2
    for label, extra in forged:
        raw, mid = simple(addr("Rita Recruiter", "rita@example.com"), d.address, "cancel #2 reason:forged",
                          "cancel #2 reason:forged\n", extra=extra)
        send(srv, "mallory@example.com", d.address, raw)
        n += 1
        out = d.wait_outcomes(n)
        check_outcome(d, out, mid, "refused", "forged (%s)" % label)
    raw, mid = simple(addr("Mallory", "mallory@example.com"), d.address, "list all", "list all\n", extra=[authres()])
    send(srv, "mallory@example.com", d.address, raw)
    n += 1
    out = d.wait_outcomes(n)
    check_outcome(d, out, mid, "refused", "an authenticated stranger")
    T.eq("nothing was cancelled", "scheduled", d.status(2))
    # the same message twice: run once
    raw, mid = simple(addr("Rita Recruiter", "rita@example.com"), d.address, "note", 'cancel #2 reason:"twice?"\n',
                      extra=[authres()])
    send(srv, "rita@example.com", d.address, raw)
    send(srv, "rita@example.com", d.address, raw)
    n += 2
    out = d.wait_outcomes(n)
    T.eq("delivered twice: answered once, then a duplicate", ["answered", "duplicate"], outcome_of(out, mid))
    T.eq("#2 is cancelled once", 1, d.one("SELECT count(*) FROM audit WHERE interview_id = 2 AND action = 'cancel'"))
    answers(srv, "rita", inst, 3)
    # an interviewer completes by email, after the interview
    raw, mid = simple(addr("Ivan Interviewer", "ivan@example.com"), d.address, "done",
                      'reschedule #2 when:"2031-03-14 10:00"\n', extra=[authres()])
    send(srv, "ivan@example.com", d.address, raw)
    n += 1
    out = d.wait_outcomes(n)
    check_outcome(d, out, mid, "answered", "an interviewer's command above their role")
    got = answers(srv, "ivan", inst, 1)
    T.check("the answer says why not", bool(got) and "only recruiters may reschedule" in got[0].plain,
            "only recruiters may reschedule", got and got[0].plain)
    raw, mid = simple(addr("Rita Recruiter", "rita@example.com"), d.address, 'reschedule #2 when:"2031-03-14 10:00"',
                      "", extra=[authres()])
    send(srv, "rita@example.com", d.address, raw)
    n += 1
    out = d.wait_outcomes(n)
    check_outcome(d, out, mid, "answered", "a command in the subject alone")
    T.eq("#3 is scheduled", "scheduled", d.status(3))
    d.set_time("2031-03-14T16:00:00+00:00")  # after #3 (10:00 New York = 14:00 UTC)
    raw, mid = simple(addr("Ivan Interviewer", "ivan@example.com"), d.address, "feedback",
                      "complete #3 rating:4 recommendation:hire feedback:\"Clear thinker\"\n", extra=[authres()])
    send(srv, "ivan@example.com", d.address, raw)
    n += 1
    out = d.wait_outcomes(n)
    check_outcome(d, out, mid, "answered", "ivan completes #3")
    T.eq("#3 completed with ivan's rating", ("completed", 4, "hire"),
         (d.status(3),) + tuple(d.sql("SELECT rating, recommendation FROM feedback WHERE interview_id = 3")[0]
                                if d.sql("SELECT rating FROM feedback WHERE interview_id = 3") else (None, None)))
    answers(srv, "ivan", inst, 2)
    # ingest-mail beside the running daemon: it records, and the daemon (woken with
    # SIGUSR1, the pid from the database's lock) sends the answer: one sender, no race
    raw, mid = simple(addr("Rita Recruiter", "rita@example.com"), d.address, "list today", "", extra=[authres()])
    rc, out, err = ingest(d, raw)
    T.check("ingest-mail beside the daemon: answered", rc == 0 and out.startswith("answered:"), "answered: ...",
            (rc, out, err[-300:]))
    got = answers(srv, "rita", inst, 5)
    T.eq("... and the daemon sent the answer, once", 1, len([m for m in got if m.subject == "Re: list today"]))
    d.stop()
    expect_mail(d, {"rita": 5})
    d.remove()


def case_tag(binary, srv):
    """[mail] commands = "tag": only mail to the person's own signed address runs."""
    d = Daemon(binary, srv, "tag", "bottag", extra_mail=['commands = "tag"'])
    d.start()
    inst = d.instance()
    r = subprocess.run([binary, "-c", d.path, "mail-address"], capture_output=True, text=True, env=d.env, timeout=10)
    tags = dict(l.split("\t") for l in r.stdout.splitlines() if "\t" in l)
    T.check("mail-address prints each person's address", r.returncode == 0 and
            re.fullmatch(r"bottag\+p\d+-[0-9a-f]{20}@example\.com", tags.get("rita", "")) and
            tags.get("ivan") and tags["ivan"] != tags["rita"], "handle<TAB>bottag+p<id>-<mac>@example.com", r.stdout)
    rita = tags.get("rita", d.address)
    raw, mid = simple(addr("Rita Recruiter", "rita@example.com"), rita, "x",
                      'schedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-12 10:00" with:ivan\n')
    send(srv, "rita@example.com", rita, raw)
    out = d.wait_outcomes(1)
    check_outcome(d, out, mid, "answered", "to her tag address")
    got = answers(srv, "rita", inst, 1)
    T.check("the answer's Reply-To is her tag address", bool(got) and got[0].reply_address == rita, rita,
            got and got[0].reply_to)
    for label, frm, to in [("the plain address", "rita@example.com", d.address),
                           ("rita's tag, from ivan", "ivan@example.com", rita),
                           ("rita's tag, from a stranger", "mallory@example.com", rita)]:
        raw, mid = simple(frm, to, "cancel", "cancel #1 reason:x\n")
        send(srv, frm, to, raw)
        n = len(d.outcomes()) + 1
        out = d.wait_outcomes(n)
        check_outcome(d, out, mid, "refused", label)
    T.eq("nothing was cancelled", "scheduled", d.status(1))
    d.stop()
    expect_mail(d, {"rita": 1})
    d.remove()


CASES = [("happy", case_happy), ("loose", case_loose), ("update", case_update), ("dup", case_dup),
         ("forge", case_forge), ("robots", case_robots), ("nudge", case_nudge), ("huge", case_huge),
         ("broken", case_broken), ("restart", case_restart), ("ingest", case_ingest), ("names", case_names),
         ("secrets", case_secrets), ("rsvp", case_rsvp),
         ("candidate", case_candidate), ("commands", case_commands), ("tag", case_tag)]


def final_mail(srv):
    """Every case's instance: each person holds exactly the messages expected, after a
    settle, so nothing was sent back late; mallory holds nothing at all."""
    time.sleep(1.0)
    for case, inst, counts in FINAL_MAIL:
        T.case = case
        for user, n in counts.items():
            got = of_instance(srv, user, inst)
            T.eq("%s holds %d message(s) of this case at the end" % (user, n), n, len(got))
            if len(got) != n:
                note("%s: %s" % (user, [m.subject for m in got]))
    T.case = "all"
    T.eq("mallory never got mail", 0, len(srv.messages("mallory")))


def main(argv):
    names = [n for n, _ in CASES]
    args = argv[1:]
    binary = None
    if args and args[0] not in names:
        binary = args.pop(0)
    else:
        for cand in ("build-replies/interviewd", "build/interviewd"):
            if os.access(os.path.join(ROOT, cand), os.X_OK):
                binary = os.path.join(ROOT, cand)
                break
    unknown = [a for a in args if a not in names]
    if not binary or not os.access(binary, os.X_OK) or unknown:
        print("usage: test_replies.py [BUILD_DIR/interviewd] [CASE...]   (cases: %s)" % " ".join(names),
              file=sys.stderr)
        return 2
    chosen = [c for c in CASES if not args or c[0] in args]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t_all = time.monotonic()
    bindir = tempfile.mkdtemp(prefix="interviewd-bin-")
    _folders.append(bindir)
    copy = os.path.join(bindir, "interviewd")
    shutil.copy2(binary, copy)
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
                fn(copy, srv)
            except Exception as e:
                traceback.print_exc(file=sys.stderr)
                T.check("the case ran to its end", False, "no exception", "%s: %s" % (type(e).__name__, e))
            note("%.1fs" % (time.monotonic() - t))
        if srv is not None and chosen:
            final_mail(srv)
    finally:
        for p in _procs:
            if isinstance(p, subprocess.Popen) and p.poll() is None:
                p.kill()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    pass
        if srv is not None:
            srv.stop()
        for folder in _folders:
            shutil.rmtree(folder, ignore_errors=True)
    T.case = "all"
    note("%.1fs in all" % (time.monotonic() - t_all))
    print("%d passed, %d failed" % (T.passed, T.failed))
    return 0 if T.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
