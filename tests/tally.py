"""The counting the end-to-end test scripts share (tests/mail/test_replies.py,
tests/slack/test_slack.py): one check per line, a FAIL line with expected and actual
for each that fails, notes on stderr, and a bounded wait.

    from tally import T, note, wait_until
    T.case = "happy"; T.eq("status", "scheduled", actual)
    ... print("%d passed, %d failed" % (T.passed, T.failed))
"""

import sys
import time


def _show(v, limit=400):
    s = v if isinstance(v, str) and v.isprintable() else repr(v)
    return s if len(s) <= limit else s[:limit] + "...(%d more)" % (len(s) - limit)


class Tally:
    def __init__(self):
        self.passed = self.failed = 0
        self.case = "-"

    def check(self, what, ok, expected="", actual=""):
        if ok:
            self.passed += 1
            return True
        self.failed += 1
        print("FAIL %s: %s: expected %s, actual %s" % (self.case, what, _show(expected), _show(actual)),
              flush=True)
        return False

    def eq(self, what, expected, actual):
        return self.check(what, expected == actual, expected, actual)


T = Tally()


def note(text):
    print("# %s: %s" % (T.case, text), file=sys.stderr, flush=True)


def wait_until(cond, timeout, interval=0.1):
    """COND's value once it is true, or its last value when TIMEOUT seconds passed."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)
