"""The child processes a benchmark starts (daemons, fakes, mail servers), and stopping
them: each spawn appends to CHILDREN; stop() ends one by its process group, stop_all()
what is left when the benchmark ends or is interrupted (on_signal turns SIGTERM and
SIGALRM into KeyboardInterrupt, so the same cleanup runs). Shared by bench_slack.py,
bench_matrix.py and bench_ops.py.
"""

import os
import signal
import subprocess
import time

CHILDREN = []


def stop(proc, grace=3.0, kill_wait=2.0):
    """SIGTERM to the child's group, SIGKILL after GRACE seconds; the seconds it took."""
    t0 = time.monotonic()
    if proc.poll() is None:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, kill_wait)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
    if proc in CHILDREN:
        CHILDREN.remove(proc)
    return time.monotonic() - t0


def stop_all(grace=1.0):
    for proc in list(CHILDREN):
        stop(proc, grace=grace)


def on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")
