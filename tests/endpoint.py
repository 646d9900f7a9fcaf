"""What the end-to-end tests share to look at a running daemon's HTTP endpoint
([http] listen): a free loopback port, a GET, /healthz parsed, one sample of /metrics.
Used by tests/slack/test_slack.py and tests/matrix/test_matrix.py ("ops" cases),
tests/ops/test_lifecycle.py and tests/http/test_http.py.

    from endpoint import free_port, healthz, part_of, metric_now
"""

import http.client
import json
import re
import socket


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, timeout=3.0):
    """GET http://127.0.0.1:PORT/PATH: (status, body text); (0, error) when unreachable."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    except (http.client.HTTPException, OSError) as e:
        return 0, "%s: %s" % (type(e).__name__, e)
    finally:
        c.close()


def healthz(port):
    """(status, parsed JSON or None, raw body) of /healthz."""
    st, body = http_get(port, "/healthz")
    try:
        return st, json.loads(body), body
    except ValueError:
        return st, None, body


def part_of(j, part):
    return ((j or {}).get("parts") or {}).get(part) or {}


def metric(text, name, **labels):
    """The value of sample NAME{LABELS} (exactly those labels) in Prometheus TEXT, or None."""
    for ln in text.splitlines():
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)", ln.strip())
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if got == {k: str(v) for k, v in labels.items()}:
            return float(m.group(3))
    return None


def metric_now(port, name, **labels):
    st, text = http_get(port, "/metrics")
    return metric(text, name, **labels) if st == 200 else None
