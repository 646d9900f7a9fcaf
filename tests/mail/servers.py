#!/usr/bin/env python3
"""Real mail servers on loopback for interviewd's tests: OpenSMTPD in, Dovecot out.

    srv = servers.start(["jane", "alice", "bot"], "secret")
    try:
        ... point the daemon at 127.0.0.1:srv.smtp_port, then
        msgs = srv.wait_for("jane", 1, timeout=10)   # raw RFC 5322 bytes
    finally:
        srv.stop()

Mail to <user>@example.com (and <user>+tag@example.com) goes OpenSMTPD ->
Dovecot LMTP -> Maildir in a per-run temporary directory, and is read back over
IMAP.  The STARTTLS and SMTPS ports (AUTH required) are Dovecot's submission
service relaying into OpenSMTPD, because Debian 12's OpenSMTPD cannot do TLS
(see _configure_submission).  Only 127.0.0.1 is used; every wait has a
deadline; stop() ends what start() started and removes the directory.  See README.md beside this file and
shared/reference/mail-test-servers.md for the recipe this follows.

CLI: python3 tests/mail/servers.py selftest   (last line "N passed, N failed")
     python3 tests/mail/servers.py run [USER...]  (start, print ports, wait for ^C)
"""

import atexit
import ctypes
import imaplib
import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

DOMAIN = "example.com"
MAIL_UID = 8  # Debian's "mail" user; Dovecot refuses uid 0 for mail
MAIL_GID = 8
START_TIMEOUT = 15.0  # seconds for both servers to accept connections
STOP_TIMEOUT = 5.0  # seconds for a server to exit after SIGTERM
USER_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # no "+": it is the detail delimiter

_running = []  # instances not yet stopped, stopped at interpreter exit


class ServerError(RuntimeError):
    """A server did not start or stop in time; the message carries its log."""


def _pdeathsig():
    # Children get SIGTERM when the harness dies (even by SIGKILL), so a crashed
    # test leaves no server behind.  Linux fires it when the *thread* that
    # started them ends: start servers from a thread that outlives them.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (held open together, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _port_closed(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


def _tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return "(no log: %s)" % e
    return "\n".join(data[-lines:])


def _write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def _run(argv, timeout=10):
    return subprocess.run(argv, check=True, capture_output=True, text=True,
                          timeout=timeout).stdout


def _can_unshare():
    try:
        subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                       check=True, capture_output=True, timeout=5)
        return True
    except (OSError, subprocess.SubprocessError):
        return False


def _group_alive(pgid):
    """True while any live (non-zombie) process is in process group pgid."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                rest = f.read().split(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if rest[0] != "Z" and int(rest[2]) == pgid:
            return True
    return False


def _wait_greeting(port, prefix, deadline, tls_ctx=None, child=None):
    """Connect until the server greets with prefix (b"220", b"* OK"), or raise
    TimeoutError; at once when child, the server's process, has exited."""
    last = None
    while time.monotonic() < deadline:
        if child is not None and not child.alive():
            raise TimeoutError("%s exited with status %s" % (child.name,
                                                             child.proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if tls_ctx is not None:
                    s = tls_ctx.wrap_socket(s, server_hostname="localhost")
                s.settimeout(min(1.0, max(0.2, deadline - time.monotonic())))
                line = s.recv(512)
                if line.startswith(prefix):
                    return
                last = line
        except OSError as e:
            last = e
        time.sleep(0.05)
    raise TimeoutError("127.0.0.1:%d did not greet with %r in time (last: %r)"
                       % (port, prefix, last))


class _Child:
    """One server process started by us, in its own process group."""

    def __init__(self, name, argv, log):
        self.name = name
        self.log = log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT,
                                         start_new_session=True,
                                         preexec_fn=_pdeathsig)
        self.pgid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def terminate(self, sig=signal.SIGTERM):
        if sig == signal.SIGKILL:
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                pass
        elif self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self):
        """Wait for the process and its group to end; SIGKILL what is left."""
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + STOP_TIMEOUT
        while _group_alive(self.pgid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _group_alive(self.pgid):
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _group_alive(self.pgid) and time.monotonic() < deadline:
            time.sleep(0.02)


def _stop_children(children, sig=signal.SIGTERM):
    """Signal all at once, then wait for each (Dovecot takes 1.1 s after SIGTERM)."""
    children = [c for c in children if c is not None]
    for c in children:
        c.terminate(sig)
    for c in children:
        c.wait()


class MailServers:
    """Running OpenSMTPD + two Dovecot instances; made by start().  Attributes:

    smtp_port      OpenSMTPD: plain SMTP, no AUTH, no TLS; takes mail for
                   <user>[+tag]@example.com only (others: 5xx, nothing relayed)
    smtp_tls_port  Dovecot submission: STARTTLS offered, AUTH required before
                   MAIL (on 127.0.0.1 AUTH also works without STARTTLS: check
                   smtp_logins()); relays to smtp_port
    smtps_port     the same over implicit TLS (SMTPS)
    imap_port      IMAP, plaintext LOGIN allowed, STARTTLS offered
    imaps_port     IMAP over implicit TLS
    dir            the per-run directory (configs, logs, maildirs, queue)
    cert           PEM self-signed certificate (CN=localhost; SAN localhost and
                   127.0.0.1) of every TLS listener: use it as the CA file
    users, password, domain   as given; every user logs in to IMAP and
                   authenticates to SMTP with that password
    isolated       True when OpenSMTPD runs in its own mount namespace (its own
                   queue and control socket under dir); False: the system's
                   /var/spool/smtpd and /run/smtpd.sock (one instance per machine)
    """

    def __init__(self, users, password, domain, base):
        for u in users:
            if not USER_RE.match(u):
                raise ValueError("user %r: use lower-case letters, digits, . _ -" % u)
        if not password or re.search(r"[:\s]", password):
            raise ValueError("password must be non-empty, without ':' or spaces")
        self.users = list(users)
        self.password = password
        self.domain = domain
        self.dir = tempfile.mkdtemp(prefix="interviewd-mail-", dir=base)
        os.chmod(self.dir, 0o755)  # uid mail (LMTP delivery, IMAP) walks through it
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        self.smtpd_log = os.path.join(self.dir, "smtpd.log")
        self.dovecot_log = os.path.join(self.dir, "dovecot.log")
        self.isolated = _can_unshare()
        self._smtpd = self._submission = self._dovecot = None
        (self.smtp_port, self.smtp_tls_port, self.smtps_port,
         self.imap_port, self.imaps_port) = _free_ports(5)

    # ---- configuration -------------------------------------------------

    def _p(self, *names):
        return os.path.join(self.dir, *names)

    def _configure(self):
        _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
              "-subj", "/CN=localhost", "-keyout", self.key, "-out", self.cert,
              # 127.0.0.1 also as a DNS name, for clients (libESMTP) that
              # compare the host name with DNS entries only
              "-addext", "subjectAltName=DNS:localhost,DNS:127.0.0.1,IP:127.0.0.1",
              "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
              "-addext", "extendedKeyUsage=serverAuth"])
        os.chmod(self.key, 0o600)
        os.chmod(self.cert, 0o644)
        for d in ("run", "run-submission", "maildir", "vspool", "srun"):
            os.makedirs(self._p(d), exist_ok=True)
        for u in self.users:
            os.makedirs(self._p("maildir", u), exist_ok=True)
        self._chown_maildirs()
        self._configure_dovecot()
        self._configure_submission()
        self._configure_smtpd()

    def _chown_maildirs(self):
        for root, dirs, files in os.walk(self._p("maildir")):
            for n in dirs + files:
                os.lchown(os.path.join(root, n), MAIL_UID, MAIL_GID)
        os.chown(self._p("maildir"), MAIL_UID, MAIL_GID)

    def _users_file(self, name, scheme_password):
        # passwd-file lines serve as passdb (LOGIN/AUTH) and userdb (uid, home).
        _write(self._p(name), "".join(
            "%s:%s:%d:%d::%s::\n" % (u, scheme_password, MAIL_UID, MAIL_GID,
                                     self._p("maildir", u)) for u in self.users))

    def _dovecot_conf(self, name, run, log, protocols, users, extra):
        conf = """\
# written by tests/mail/servers.py for one test run
instance_name = {name}
base_dir = {d}/{run}
state_dir = {d}/{run}
log_path = {d}/{log}
protocols = {protocols}
listen = 127.0.0.1
hostname = localhost
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
auth_mechanisms = plain login
auth_verbose = yes
# A wrong password: no 2 s failure delay (about 0.5 s remain), and no anvil penalty
# (which slows every later login from 127.0.0.1 by 2-15 s).
auth_failure_delay = 0
# LMTP gets RCPT TO:<user+tag@example.com>: the detail goes by
# recipient_delimiter, the domain by %n, and the rest is lower-cased.
auth_username_format = %Ln
recipient_delimiter = +
mail_location = maildir:{d}/maildir/%u
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
passdb {{
  driver = passwd-file
  args = username_format=%Ln {d}/{users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%Ln {d}/{users}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
""".format(name=name, d=self.dir, run=run, log=log, protocols=protocols,
           users=users, uid=MAIL_UID, gid=MAIL_GID)
        _write(self._p(name + ".conf"), conf + extra)

    def _configure_dovecot(self):
        # IMAP (plaintext LOGIN allowed, STARTTLS offered), IMAPS, and LMTP on
        # a unix socket for OpenSMTPD.
        self._users_file("users", "{PLAIN}" + self.password)
        self._dovecot_conf("dovecot", "run", "dovecot.log", "imap lmtp", "users", """\
disable_plaintext_auth = no
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
""".format(imap=self.imap_port, imaps=self.imaps_port))

    def _configure_submission(self):
        # Debian 12's OpenSMTPD 6.8.0p2 cannot serve TLS with OpenSSL 3 (every
        # handshake fails: "missing private key" / "EVP lib", RSA and ECDSA
        # alike; OpenSMTPD issues #1171, #1239, fixed upstream in 7.x).  So the
        # STARTTLS and SMTPS ports are a second Dovecot instance running its
        # submission service: TLS with our certificate, AUTH required, then
        # relaying every message to OpenSMTPD's plain port.  The password hash
        # is still made by smtpctl encrypt (SHA512-CRYPT, read as {CRYPT}).
        hashed = _run(["smtpctl", "encrypt", self.password]).strip()
        self._users_file("submission-users", "{CRYPT}" + hashed)
        self._dovecot_conf("submission", "run-submission", "submission.log",
                           "submission", "submission-users", """\
# AUTH only after STARTTLS (or on the SMTPS port); no MAIL before AUTH.
disable_plaintext_auth = yes
submission_relay_host = 127.0.0.1
submission_relay_port = {smtp}
submission_relay_ssl = no
submission_relay_connect_timeout = 5 secs
service submission-login {{
  chroot =
  inet_listener submission {{
    address = 127.0.0.1
    port = {tls}
  }}
  inet_listener submissions {{
    address = 127.0.0.1
    port = {smtps}
    ssl = yes
  }}
}}
""".format(smtp=self.smtp_port, tls=self.smtp_tls_port, smtps=self.smtps_port))

    def _configure_smtpd(self):
        _write(self._p("vusers"), "".join("%s@%s %s\n" % (u, self.domain, u)
                                          for u in self.users))
        _write(self._p("userinfo"), "".join("%s %d:%d:%s\n" % (
            u, MAIL_UID, MAIL_GID, self._p("maildir", u)) for u in self.users))
        # OpenSMTPD's resolver reads "lookup": answer from /etc/hosts only, so a
        # reverse lookup of 127.0.0.1 never leaves the machine.
        _write(self._p("resolv.conf"), "nameserver 127.0.0.1\nlookup file\n")
        conf = """\
# written by tests/mail/servers.py for one test run
table vusers file:{d}/vusers
table userinfo file:{d}/userinfo
listen on 127.0.0.1 port {smtp} hostname localhost
action "deliver" lmtp "{d}/run/lmtp" rcpt-to virtual <vusers> userbase <userinfo>
match from any for domain "{domain}" action "deliver"
""".format(d=self.dir, smtp=self.smtp_port, domain=self.domain)
        _write(self._p("smtpd.conf"), conf, 0o600)  # smtpd refuses a readable config
        _run(["smtpd", "-n", "-f", self._p("smtpd.conf")])

    # ---- processes -----------------------------------------------------

    def _smtpd_argv(self):
        smtpd = ["smtpd", "-d", "-f", self._p("smtpd.conf")]
        if not self.isolated:
            return smtpd
        # A private mount namespace gives this instance its own queue
        # (/var/spool -> dir/vspool, kept across stop_smtp/start_smtp), its own
        # control socket (/run -> dir/srun) and resolver config; smtpd is
        # exec'd, so the child's pid is smtpd's.
        script = ('set -e; mount --bind "$1/vspool" /var/spool; '
                  'mount --bind "$1/srun" /run; '
                  'mount --bind "$1/resolv.conf" /etc/resolv.conf; shift; exec "$@"')
        return ["unshare", "--mount", "--propagation", "private", "--",
                "sh", "-c", script, "sh", self.dir] + smtpd

    def _fail(self, what, err):
        logs = "".join("\n--- %s (tail) ---\n%s" % (f, _tail(self._p(f)))
                       for f in ("smtpd.log", "submission.log", "submission.out",
                                 "dovecot.log", "dovecot.out"))
        raise ServerError("%s: %s%s" % (what, err, logs))

    def _start_dovecot_instance(self, name, ready):
        # In the foreground (-F) as our child: no daemonizing, so the pid we hold
        # is the master's (it still writes master.pid in its base_dir) and its
        # process group holds its children.  ready() raises TimeoutError.
        child = _Child(name, ["dovecot", "-F", "-c", self._p(name + ".conf")],
                       self._p(name + ".out"))
        try:
            ready(time.monotonic() + START_TIMEOUT, child)
        except TimeoutError as e:
            _stop_children([child])
            self._fail("%s did not start" % name, e)
        return child

    def _wait_closed(self, what, ports):
        deadline = time.monotonic() + STOP_TIMEOUT
        for port in ports:
            while not _port_closed(port):
                if time.monotonic() > deadline:
                    self._fail("%s did not release port %d" % (what, port), "")
                time.sleep(0.05)

    def start_dovecot(self):
        """Start Dovecot (IMAP, IMAPS, LMTP) on the same ports and maildirs."""
        if self._dovecot is not None and self._dovecot.alive():
            return

        def ready(deadline, child):
            _wait_greeting(self.imap_port, b"* OK", deadline, child=child)
            _wait_greeting(self.imaps_port, b"* OK", deadline, self.client_tls(), child)
            while not os.path.exists(self._p("run", "lmtp")):
                if time.monotonic() > deadline:
                    raise TimeoutError("no LMTP socket")
                time.sleep(0.05)
        self._dovecot = self._start_dovecot_instance("dovecot", ready)

    def stop_dovecot(self):
        """Stop Dovecot: IMAP ports refuse connections; OpenSMTPD keeps what it
        accepts queued (LMTP fails with a temporary error) until flush()."""
        _stop_children([self._dovecot])
        self._dovecot = None
        self._wait_closed("dovecot", (self.imap_port, self.imaps_port))

    def start_smtp(self):
        """Start OpenSMTPD and the submission service on the same ports.  The
        queue (dir/vspool) is the one the last instance left: mail accepted but
        not yet delivered keeps its retry time (about 10 s after its first
        failed try, later after more); flush() retries it at once."""
        if self._smtpd is None or not self._smtpd.alive():
            with open(self.smtpd_log, "ab") as f:
                f.write(b"--- servers.py: starting smtpd at %.3f\n" % time.time())
            self._smtpd = _Child("smtpd", self._smtpd_argv(), self.smtpd_log)
            try:
                _wait_greeting(self.smtp_port, b"220", time.monotonic() + START_TIMEOUT,
                               child=self._smtpd)
            except TimeoutError as e:
                _stop_children([self._smtpd])
                self._smtpd = None
                self._fail("smtpd did not start", e)
        if self._submission is not None and self._submission.alive():
            return

        def ready(deadline, child):
            _wait_greeting(self.smtp_tls_port, b"220", deadline, child=child)
            _wait_greeting(self.smtps_port, b"220", deadline, self.client_tls(), child)
        self._submission = self._start_dovecot_instance("submission", ready)

    def stop_smtp(self):
        """Stop OpenSMTPD and the submission service (SIGTERM, then wait until
        they are gone): all three SMTP ports then refuse connections
        (ECONNREFUSED).  The queue directory is kept for start_smtp()."""
        _stop_children([self._submission, self._smtpd])
        self._submission = self._smtpd = None
        self._wait_closed("smtp", (self.smtp_port, self.smtp_tls_port, self.smtps_port))

    def flush(self):
        """Ask OpenSMTPD to retry every queued message now (smtpctl schedule all);
        after a failed delivery it would otherwise wait minutes before retrying."""
        argv = ["smtpctl", "schedule", "all"]
        if self.isolated:
            if self._smtpd is None or not self._smtpd.alive():
                raise ServerError("flush: smtpd is not running")
            argv = ["nsenter", "-t", str(self._smtpd.proc.pid), "-m", "--"] + argv
        _run(argv)

    def stop(self):
        """Stop both servers, wait until they and their children are gone, and
        remove the directory.  Safe to call twice."""
        try:
            # SIGTERM, not SIGKILL, although Dovecot then takes 1.1 s: its master
            # reaps its children, where SIGKILL would leave them to init as
            # zombies for a while.
            _stop_children([self._submission, self._smtpd, self._dovecot])
        finally:
            self._submission = self._smtpd = self._dovecot = None
            if self in _running:
                _running.remove(self)
            if self.dir and os.path.isdir(self.dir):
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ---- clients -------------------------------------------------------

    def client_tls(self):
        """An ssl.SSLContext that trusts exactly this run's certificate."""
        return ssl.create_default_context(cafile=self.cert)

    def address(self, user, tag=None):
        return "%s%s@%s" % (user, "+" + tag if tag else "", self.domain)

    def smtp_logins(self):
        """AUTH logins on the STARTTLS/SMTPS ports so far, oldest first, as dicts
        {"user", "tls"}.  Dovecot lets a client on 127.0.0.1 authenticate without
        STARTTLS (it counts loopback as secured), so a test that must prove a
        client used TLS checks "tls" here."""
        out = []
        try:
            with open(self._p("submission.log"), errors="replace") as f:
                for line in f:
                    m = re.search(r"submission-login: Info: Login: user=<([^>]*)>.*?"
                                  r", (TLS|secured)[,:]", line)
                    if m:
                        out.append({"user": m.group(1), "tls": m.group(2) == "TLS"})
        except OSError:
            pass
        return out

    def send(self, from_addr, to_addrs, message, timeout=10):
        """Send message (bytes or str) over the plain SMTP port; returns smtplib's
        refused-recipients dict (empty when all were accepted)."""
        if isinstance(to_addrs, str):
            to_addrs = [to_addrs]
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=timeout) as s:
            return s.sendmail(from_addr, to_addrs, message)

    def imap(self, user, timeout=10):
        """A logged-in imaplib.IMAP4 for user (caller logs out)."""
        m = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=timeout)
        try:
            m.login(user, self.password)
        except Exception:
            m.shutdown()
            raise
        return m

    def messages(self, user, timeout=10):
        """Every message in user's INBOX, oldest first, as raw RFC 5322 bytes.
        Read-only (EXAMINE, BODY.PEEK): flags such as \\Seen are left alone."""
        m = self.imap(user, timeout)
        try:
            typ, _ = m.select("INBOX", readonly=True)
            if typ != "OK":
                raise ServerError("EXAMINE INBOX for %s: %s" % (user, typ))
            typ, data = m.uid("SEARCH", None, "ALL")
            uids = data[0].split() if typ == "OK" and data and data[0] else []
            out = []
            for uid in uids:
                typ, data = m.uid("FETCH", uid, "(BODY.PEEK[])")
                if typ != "OK":
                    raise ServerError("UID FETCH %s for %s: %s" % (uid, user, data))
                out.extend(part[1] for part in data if isinstance(part, tuple))
            return out
        finally:
            try:
                m.logout()
            except Exception:
                pass

    def wait_for(self, user, n, timeout=10.0, interval=0.1):
        """Poll IMAP until user's INBOX holds at least n messages; returns them.
        Raises TimeoutError (with both servers' logs) after timeout seconds."""
        deadline = time.monotonic() + timeout
        have = []
        last_err = None
        while True:
            try:
                have = self.messages(user, timeout=max(1.0, deadline - time.monotonic()))
                last_err = None
                if len(have) >= n:
                    return have
            except (OSError, imaplib.IMAP4.error) as e:
                last_err = e
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        raise TimeoutError("%s: %d of %d messages after %.1fs%s\n--- smtpd ---\n%s\n"
                           "--- dovecot ---\n%s" % (
                               user, len(have), n, timeout,
                               " (last error: %s)" % last_err if last_err else "",
                               _tail(self.smtpd_log), _tail(self.dovecot_log)))


def start(users=("jane", "alice", "bot"), password="secret", domain=DOMAIN, base=None):
    """Start Dovecot, OpenSMTPD and Dovecot's submission service for users (local
    parts at domain), each with password.  Returns a MailServers; call its
    stop() (or use it in a with block).  Raises ServerError, with the servers'
    logs, when they do not come up; tries new ports twice if one was taken
    between choosing it and binding it.  MAIL_KEEP_DIR=1 in the environment
    keeps the directory of a failed start for a post-mortem."""
    for attempt in range(3):
        srv = MailServers(users, password, domain, base)
        _running.append(srv)
        try:
            srv._configure()
            srv.start_dovecot()
            srv.start_smtp()
            return srv
        except BaseException as e:
            kept = srv.dir if os.environ.get("MAIL_KEEP_DIR") else None
            if kept:
                srv.dir = None  # stop() then leaves it
            srv.stop()
            if kept:
                print("servers.py: kept %s" % kept, file=sys.stderr)
            if not (isinstance(e, ServerError) and "in use" in str(e)) or attempt == 2:
                raise


@atexit.register
def _stop_all():
    for srv in list(_running):
        srv.stop()


# ---- selftest -------------------------------------------------------------

def _message(subject, marker, to):
    return ("From: Test <test@example.org>\r\nTo: %s\r\nSubject: %s\r\n"
            "Message-ID: <%s@test.invalid>\r\n\r\nmarker %s\r\n"
            % (to, subject, marker, marker)).encode()


class _Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok   %s" % name)
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, ": " + str(detail) if detail else ""))
        return ok

    def run(self, name, fn):
        t0 = time.monotonic()
        try:
            fn()
        except Exception as e:  # a failing step prints its cause and goes on
            self.check(name, False, "%s: %s" % (type(e).__name__, e))
        else:
            self.check("%s (%.2fs)" % (name, time.monotonic() - t0), True)


def _has(msgs, marker):
    return sum(1 for m in msgs if b"marker " + marker.encode() in m)


def selftest():
    t = _Tally()
    t0 = time.monotonic()
    try:
        srv = start(["jane", "alice", "bot"], "secret")
    except Exception as e:
        t.check("start", False, e)
        print("%d passed, %d failed" % (t.passed, t.failed))
        return 1
    t.check("start (%.2fs, isolated=%s, smtp %d, starttls %d, smtps %d, imap %d, "
            "imaps %d)" % (time.monotonic() - t0, srv.isolated, srv.smtp_port,
                           srv.smtp_tls_port, srv.smtps_port, srv.imap_port,
                           srv.imaps_port), True)
    ctx = srv.client_tls()
    try:
        def plain():
            t1 = time.monotonic()
            refused = srv.send("test@example.org", "jane@example.com",
                               _message("plain", "m-plain", "jane@example.com"))
            assert not refused, refused
            msgs = srv.wait_for("jane", 1, 10)
            assert _has(msgs, "m-plain") == 1, msgs
            print("     delivered in %.2fs" % (time.monotonic() - t1))
        t.run("plain SMTP -> jane, read over IMAP", plain)

        def starttls():
            with smtplib.SMTP("127.0.0.1", srv.smtp_tls_port, timeout=10) as s:
                s.ehlo("test.invalid")
                assert s.has_extn("starttls"), "no STARTTLS offered"
                code, _ = s.docmd("MAIL FROM:<bot@example.com>")
                assert code == 530, "MAIL before STARTTLS answered %d" % code
                s.starttls(context=ctx)
                s.ehlo("test.invalid")
                assert s.has_extn("auth"), "no AUTH after STARTTLS"
                code, _ = s.docmd("MAIL FROM:<bot@example.com>")
                assert code == 530, "MAIL before AUTH answered %d" % code
                try:
                    s.login("bot", "wrong")
                    raise AssertionError("wrong password accepted")
                except smtplib.SMTPAuthenticationError:
                    pass
                s.login("bot", "secret")
                s.sendmail("bot@example.com", ["alice@example.com"],
                           _message("starttls", "m-starttls", "alice@example.com"))
            assert _has(srv.wait_for("alice", 1, 10), "m-starttls") == 1
            assert srv.smtp_logins()[-1] == {"user": "bot", "tls": True}, \
                srv.smtp_logins()
        t.run("STARTTLS (cert verified) + AUTH -> alice", starttls)

        def no_tls_seen():
            with smtplib.SMTP("127.0.0.1", srv.smtp_tls_port, timeout=10) as s:
                s.ehlo("test.invalid")
                s.login("jane", "secret")  # loopback counts as secured
            assert srv.smtp_logins()[-1] == {"user": "jane", "tls": False}, \
                srv.smtp_logins()
        t.run("AUTH without STARTTLS shows as tls=False in smtp_logins()", no_tls_seen)

        def smtps():
            with smtplib.SMTP_SSL("127.0.0.1", srv.smtps_port, timeout=10,
                                  context=ctx) as s:
                s.login("alice", "secret")
                s.sendmail("alice@example.com", ["bot+req42.abc@example.com"],
                           _message("smtps", "m-smtps", "bot+req42.abc@example.com"))
            msgs = srv.wait_for("bot", 1, 10)
            assert _has(msgs, "m-smtps") == 1, msgs
            head = msgs[0].split(b"\r\n\r\n")[0]
            assert b"Delivered-To: bot+req42.abc@example.com" in head, head
            assert srv.smtp_logins()[-1] == {"user": "alice", "tls": True}
        t.run("SMTPS + AUTH -> bot+tag (in bot's INBOX, Delivered-To kept)", smtps)

        def refused():
            for port, tls in ((srv.smtp_port, False), (srv.smtp_tls_port, True)):
                for rcpt in ("nobody@example.com", "someone@example.org"):
                    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
                        s.ehlo("test.invalid")
                        if tls:
                            s.starttls(context=ctx)
                            s.ehlo("test.invalid")
                            s.login("bot", "secret")
                        s.mail("bot@example.com")
                        code, _ = s.rcpt(rcpt)
                        assert 500 <= code < 600, "%s on %d answered %d" % (
                            rcpt, port, code)
        t.run("unknown user and other domains refused (5xx, no relaying)", refused)

        def imap_tls():
            m = imaplib.IMAP4("127.0.0.1", srv.imap_port, timeout=10)
            m.starttls(ssl_context=ctx)
            m.login("jane", "secret")
            m.logout()
            m = imaplib.IMAP4_SSL("127.0.0.1", srv.imaps_port, ssl_context=ctx,
                                  timeout=10)
            m.login("jane", "secret")
            m.logout()
            m = imaplib.IMAP4("127.0.0.1", srv.imap_port, timeout=10)
            try:
                m.login("jane", "wrong")
                raise AssertionError("wrong IMAP password accepted")
            except imaplib.IMAP4.error:
                pass
            finally:
                m.shutdown()
        t.run("IMAP STARTTLS and IMAPS login, wrong password refused", imap_tls)

        def restart():
            t1 = time.monotonic()
            srv.stop_smtp()
            stop_s = time.monotonic() - t1
            try:
                socket.create_connection(("127.0.0.1", srv.smtp_port), timeout=2).close()
                raise AssertionError("port still open after stop_smtp")
            except ConnectionRefusedError:
                pass
            t1 = time.monotonic()
            srv.start_smtp()
            print("     stop %.2fs, start %.2fs" % (stop_s, time.monotonic() - t1))
            srv.send("test@example.org", "jane@example.com",
                     _message("after restart", "m-restart", "jane@example.com"))
            assert _has(srv.wait_for("jane", 2, 10), "m-restart") == 1
        t.run("stop_smtp refuses connections, start_smtp on the same ports", restart)

        def queue_survives():
            srv.stop_dovecot()
            srv.send("test@example.org", "jane@example.com",
                     _message("queued", "m-queued", "jane@example.com"))
            time.sleep(0.5)  # smtpd tries LMTP, fails, keeps the message queued
            srv.stop_smtp()
            srv.start_smtp()
            srv.start_dovecot()
            srv.flush()
            msgs = srv.wait_for("jane", 3, 10)
            assert _has(msgs, "m-queued") == 1, "queued message delivered %d times" % \
                _has(msgs, "m-queued")
            time.sleep(0.5)
            assert len(srv.messages("jane")) == 3, "a message was delivered twice"
        t.run("queue survives Dovecot down + smtpd restart, delivered once", queue_survives)
    finally:
        d = srv.dir
        t1 = time.monotonic()
        srv.stop()
        t.check("stop (%.2fs) removes %s" % (time.monotonic() - t1, d),
                not os.path.exists(d))
        ports = (srv.smtp_port, srv.smtp_tls_port, srv.smtps_port, srv.imap_port,
                 srv.imaps_port)
        t.check("all ports closed after stop", all(_port_closed(p) for p in ports))
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 0 if t.failed == 0 else 1


def _serve(users):
    srv = start(users or ["jane", "alice", "bot"], "secret")
    print("dir %s\ncert %s\nsmtp %d\nsmtp_tls %d\nsmtps %d\nimap %d\nimaps %d\n"
          "users %s password secret  (^C stops)" % (
              srv.dir, srv.cert, srv.smtp_port, srv.smtp_tls_port, srv.smtps_port,
              srv.imap_port, srv.imaps_port, " ".join(srv.users)), flush=True)
    try:
        signal.pause()
    finally:
        srv.stop()


def main(argv):
    # SIGTERM unwinds like ^C, so finally blocks stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if len(argv) >= 2 and argv[1] == "selftest":
        return selftest()
    if len(argv) >= 2 and argv[1] == "run":
        try:
            _serve(argv[2:])
        except KeyboardInterrupt:
            pass
        return 0
    print(__doc__.strip().splitlines()[-2].strip(), file=sys.stderr)
    print("usage: servers.py selftest | run [USER...]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
