#!/usr/bin/env python3
"""End-to-end scenarios: drive the real interviewd binary and check what comes out.

usage: tests/e2e/run.py BINARY [SCENARIO.t ...]

A scenario (tests/e2e/*.t) is a list of steps; each runs in a fresh temporary folder
with its own database and mail folder. The step language:

  now 2031-03-09T09:00:00+01:00   INTERVIEWD_NOW for the commands that follow
  tz Europe/Berlin                the machine's zone (TZ) for the commands that follow
  env NAME=VALUE                  an environment variable for the commands that follow
  as alice                        act as this person (console --as)
  config ... end                  the lines between are the config file (store/mail paths
                                  are added); without it the embedded defaults are used
  > COMMAND                       run COMMAND with console --json; it must succeed
  >! COMMAND                      it must fail, print its usage, and change nothing in
                                  the database (compared by a full dump before and after)
  >x COMMAND                      it must fail (changing nothing), usage not required
  >t COMMAND                      run it in text mode
  $ ARGS                          run the binary with ARGS (stdin empty); then
  exit N                          expect that exit status
  = PATH VALUE                    the reply's JSON at PATH (a.b.0.c) equals VALUE (JSON,
                                  or else a plain string)
  ~ PATH TEXT                     ... contains TEXT; in text mode or after $: "~ TEXT"
  !~ TEXT                         the text output does not contain TEXT
  # PATH                          the JSON at PATH is absent or null
  chat N                          the last command printed N chat lines ({"chat": ...})
  chat ~ TEXT                     one of them contains TEXT
  sql QUERY => ROWS               the query's rows, cells joined by | and rows by ;
  sqlx STATEMENTS                  change the database behind the binary's back (sqlx @FILE:
                                  run the SQL in FILE, relative to the repository)
  mail N                          the mail folder holds N .eml files
  mail GLOB ~ TEXT                every .eml matching GLOB contains TEXT (!~: does not), in
                                  its decoded headers and text parts
Lines starting with "--" are comments. Prints one line per failure and, at the end,
"N passed, N failed" (one check each).
"""
import email
import email.policy
import fnmatch
import glob
import json
import os
import sqlite3
import subprocess
import sys
import tempfile


def mail_view(path):
    """A message as a reader sees it: its headers decoded, then every text part
    decoded (quoted-printable, base64, charsets), one after the other."""
    with open(path, "rb") as fh:
        msg = email.message_from_binary_file(fh, policy=email.policy.default)
    view = [f"{k}: {v}" for k, v in msg.items()]
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            view.append("")
            view.append(part.get_content())
    return "\n".join(view)


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Scenario:
    def __init__(self, binary, path):
        self.binary = os.path.abspath(binary)
        self.path = path
        self.dir = tempfile.mkdtemp(prefix="interviewd-e2e-")
        self.env = dict(os.environ)
        self.env.pop("INTERVIEWD_NOW", None)
        self.env["TZ"] = "UTC"
        self.actor = None
        self.chats = []
        self.config = None
        self.reply = None
        self.text = ""
        self.status = 0
        self.passed = 0
        self.failed = 0
        self.line = 0

    def fail(self, what, expected, actual):
        self.failed += 1
        print(f"FAIL {self.path}:{self.line}: {what}\n  expected: {expected}\n  actual:   {actual}")

    def check(self, ok, what, expected, actual):
        if ok:
            self.passed += 1
        else:
            self.fail(what, expected, actual)

    def db(self):
        return os.path.join(self.dir, "interviewd.db")

    def dump(self):
        if not os.path.exists(self.db()):
            return []
        con = sqlite3.connect(self.db())
        try:
            return list(con.iterdump())
        finally:
            con.close()

    def args(self):
        args = [self.binary]
        if self.config is not None:
            args += ["-c", os.path.join(self.dir, "config.toml")]
        return args

    def run(self, argv, stdin=""):
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True, cwd=self.dir,
                           env=self.env, timeout=30)
        self.status = p.returncode
        self.text = p.stdout + p.stderr
        return p

    def command(self, mode, cmd):
        argv = self.args() + ["console"]
        if self.actor:
            argv += ["--as", self.actor]
        if mode != "t":
            argv += ["--json"]
        before = self.dump() if mode in ("!", "x") else None
        p = self.run(argv, cmd + "\n")
        what = f"> {cmd}"
        self.check(p.returncode == 0, what + " (exit status)", "exit 0", f"exit {p.returncode}: {self.text[-2000:]}")
        if mode == "t":
            return
        self.reply, self.chats = None, []
        for line in p.stdout.strip().splitlines():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and "chat" in obj:
                self.chats.append(obj["chat"])
            elif isinstance(obj, dict):
                self.reply = obj
        if not isinstance(self.reply, dict):
            self.fail(what, "one JSON reply", self.text)
            return
        ok = self.reply.get("success")
        if mode == "":
            self.check(ok is True, what, "success", json.dumps(self.reply)[:600])
            return
        self.check(ok is False, what, "failure", json.dumps(self.reply)[:600])
        if mode == "!":
            self.check(bool(self.reply.get("usage")), what, "the command's usage", self.reply.get("usage"))
        self.check(before == self.dump(), what + " (store unchanged)", "no change", "the database changed")

    def lookup(self, path):
        cur = self.reply
        for part in path.split("."):
            if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
                cur = cur[int(part)]
            elif isinstance(cur, dict) and part in cur:
                cur = cur[part]
            else:
                return None
        return cur

    def step(self, line):
        word, _, rest = line.partition(" ")
        if word == "now":
            self.env["INTERVIEWD_NOW"] = rest
        elif word == "env":
            name, _, value = rest.partition("=")
            self.env[name] = value
        elif word == "tz":
            self.env["TZ"] = rest
        elif word == "as":
            self.actor = rest
        elif word.startswith(">"):
            self.command(word[1:], rest)
        elif word == "$":
            self.run(self.args() + rest.split(), "")
        elif word == "exit":
            self.check(self.status == int(rest), line, rest, f"{self.status}: {self.text[:400]}")
        elif word == "=":
            path, _, value = rest.partition(" ")
            try:
                want = json.loads(value)
            except json.JSONDecodeError:
                want = value
            got = self.lookup(path)
            self.check(got == want, line, json.dumps(want), json.dumps(got))
        elif word == "~":
            self.contains(rest, line)
        elif word == "!~":
            self.check(rest not in self.text, line, f"no {rest!r}", self.text[:800])
        elif word == "#":
            self.check(self.lookup(rest) is None, line, "null", json.dumps(self.lookup(rest)))
        elif word == "chat":
            if rest.isdigit():
                self.check(len(self.chats) == int(rest), line, rest, json.dumps(self.chats)[:800])
            else:
                text = rest.partition("~ ")[2]
                self.check(any(text in c for c in self.chats), line, f"a chat line with {text!r}",
                           json.dumps(self.chats)[:800])
        elif word == "sqlx":
            con = sqlite3.connect(self.db())
            con.executescript(rest if not rest.startswith("@") else open(os.path.join(REPO, rest[1:])).read())
            con.commit()
            con.close()
        elif word == "sql":
            self.sql(rest, line)
        elif word == "mail":
            self.mail(rest, line)
        else:
            raise SystemExit(f"{self.path}:{self.line}: unknown step {line!r}")

    def contains(self, rest, line):
        if self.reply is not None and not self.text_mode:
            path, _, text = rest.partition(" ")
            got = self.lookup(path)
            got = got if isinstance(got, str) else json.dumps(got)
            self.check(text in got, line, f"contains {text!r}", got)
        else:
            self.check(rest in self.text, line, f"contains {rest!r}", self.text[:1500])

    def sql(self, rest, line):
        query, _, want = rest.partition(" => ")
        con = sqlite3.connect(self.db())
        try:
            rows = con.execute(query).fetchall()
        finally:
            con.close()
        got = ";".join("|".join("" if c is None else str(c) for c in r) for r in rows)
        self.check(got == want.strip(), line, want.strip(), got)

    def mail(self, rest, line):
        files = sorted(glob.glob(os.path.join(self.dir, "interviewd-mail", "*.eml")))
        if rest.isdigit():
            self.check(len(files) == int(rest), line, rest, f"{len(files)}: {[os.path.basename(f) for f in files]}")
            return
        negate = " !~ " in rest
        pattern, _, text = rest.partition(" !~ " if negate else " ~ ")
        chosen = [f for f in files if fnmatch.fnmatch(os.path.basename(f), pattern)]
        if not chosen:
            self.fail(line, f"a file matching {pattern}", "none")
        for f in chosen:
            body = mail_view(f)
            self.check((text in body) != negate, f"{line} [{os.path.basename(f)}]",
                       f"{'no' if negate else 'contains'} {text!r}", body[:1500])

    def write_config(self, lines):
        text = "\n".join(lines) + "\n"
        if "[store]" not in text:
            text += '\n[store]\npath = "interviewd.db"\n'
        with open(os.path.join(self.dir, "config.toml"), "w", encoding="utf-8") as fh:
            fh.write(text)
        self.config = text

    def play(self):
        with open(self.path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        i = 0
        self.text_mode = False
        while i < len(lines):
            self.line = i + 1
            line = lines[i].rstrip()
            i += 1
            if not line or line.startswith("--"):
                continue
            if line == "config":
                body = []
                while lines[i].strip() != "end":
                    body.append(lines[i])
                    i += 1
                i += 1
                self.write_config(body)
                continue
            if line.startswith(">t ") or line.startswith("$ "):
                self.text_mode, self.reply = True, None
            elif line.startswith(">"):
                self.text_mode = False
            self.step(line)


def main():
    binary = sys.argv[1]
    paths = sys.argv[2:] or sorted(glob.glob(os.path.join(os.path.dirname(__file__), "*.t")))
    passed = failed = 0
    for path in paths:
        s = Scenario(binary, path)
        s.play()
        passed += s.passed
        failed += s.failed
        print(f"e2e {os.path.basename(path)}: {s.passed} passed, {s.failed} failed", file=sys.stderr)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
