#!/usr/bin/env python3
"""Runs both calendar checkers (ics_check.js on ical.js, ics_check.py on Debian's
python3-icalendar) on each file and reports where they refuse or disagree.

  python3 tests/mail/ics_agree.py FILE.ics...

Per file, by its name:
  bad-*.ics       both checkers must refuse it (exit 1);
  X.ics + X.json  both must print exactly the JSON object in X.json;
  any other       both must accept it and print the same object.
One line per problem ("FILE: ..."), then "N passed, N failed" counting files;
exit 0 only when every file passed.
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 30  # seconds per checker run


def _python():
    # python3-icalendar is in Debian's dist-packages, seen by Debian's python only
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


CHECKERS = (
    ("ical.js", lambda f: [shutil.which("node") or "node",
                           os.path.join(HERE, "ics_check.js"), f]),
    ("icalendar", lambda f: [_python(), os.path.join(HERE, "ics_check.py"), f]),
)


def run(argv):
    """(object or None, error text or None) for one checker run; argv[-1] is
    the file, which the checkers put before their message and we drop."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "could not run: %s" % e
    if p.returncode != 0:
        msg = (p.stderr.strip() or "exit %d" % p.returncode).splitlines()[-1]
        prefix = argv[-1] + ": "
        return None, msg[len(prefix):] if msg.startswith(prefix) else msg
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, "printed no JSON object (%s): %r" % (e, p.stdout[:200])


def _show(v):
    return json.dumps(v, ensure_ascii=False)


def diff(a, b):
    """Keys on which two outputs differ, attendees compared as a whole."""
    return [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def check_file(path):
    """Problems found in one file (empty list = passed)."""
    name = os.path.basename(path)
    results = [(label, run(cmd(path))) for label, cmd in CHECKERS]
    problems = []
    if name.startswith("bad-"):
        for label, (obj, _) in results:
            if obj is not None:
                problems.append("%s accepted a file it must refuse: %s" % (label, _show(obj)))
        return problems
    for label, (_, err) in results:
        if err is not None:
            problems.append("%s refused: %s" % (label, err))
    if problems:
        return problems
    (la, (a, _)), (lb, (b, _)) = results
    for k in diff(a, b):
        problems.append("disagree on %s: %s %s, %s %s" % (
            k, la, _show(a.get(k)), lb, _show(b.get(k))))
    expected_path = os.path.splitext(path)[0] + ".json"
    if not problems and os.path.exists(expected_path):
        with open(expected_path, encoding="utf-8") as f:
            want = json.load(f)
        for k in diff(want, a):
            problems.append("%s: expected %s, both checkers say %s" % (
                k, _show(want.get(k)), _show(a.get(k))))
    return problems


def main(argv):
    if len(argv) < 2:
        print("usage: ics_agree.py FILE.ics...", file=sys.stderr)
        return 2
    passed = failed = 0
    for path in argv[1:]:
        problems = check_file(path)
        for p in problems:
            print("%s: %s" % (path, p))
        if problems:
            failed += 1
        else:
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
