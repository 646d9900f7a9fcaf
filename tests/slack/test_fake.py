#!/usr/bin/env python3
"""Self-test of fake_slack.py: starts it, talks to it as the daemon would (Web API
over http.client, Socket Mode with the tiny client below built on fake_slack's own
framing), prints one "ok ..." line per check and exits non-zero on the first failure.

    /usr/bin/python3 tests/slack/test_fake.py
"""

import base64
import http.client as httpc
import json
import os
import socket
import subprocess
import sys
import time
from collections import deque
from urllib.parse import urlencode, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fake_slack as fs  # noqa: E402

APP, BOT = "xapp-test", "xoxb-test"
PORT = None


class Failed(Exception):
    pass


def check(cond, what, detail=None):
    if not cond:
        raise Failed(f"{what}: {detail!r}" if detail is not None else what)


def http(method, path, body=None, headers=None):
    c = httpc.HTTPConnection("127.0.0.1", PORT, timeout=15)
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def api(method, args=None, token=BOT, ctype="application/json; charset=utf-8"):
    h = {"Content-Type": ctype}
    if token:
        h["Authorization"] = "Bearer " + token
    body = urlencode(args or {}) if ctype.startswith("application/x-www") else json.dumps(args or {})
    status, headers, data = http("POST", "/api/" + method, body, h)
    return status, headers, json.loads(data)


def ctl(name, body=None, **query):
    path = "/_control/" + name + ("?" + urlencode(query) if query else "")
    status, _, data = http("GET" if body is None else "POST", path, body)
    return status, json.loads(data)


class Refused(Exception):
    def __init__(self, status):
        super().__init__(f"upgrade refused with HTTP {status}")
        self.status = status


class WS:
    """A minimal blocking Socket Mode client; recv_size small = odd frame splits."""

    def __init__(self, url, recv_size=65536):
        u = urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=10)
        self.recv_size, key = recv_size, base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path}?{u.query} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("closed during handshake")
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        if status != 101:
            self.sock.close()
            raise Refused(status)
        hdrs = {ln.split(":", 1)[0].lower(): ln.split(":", 1)[1].strip() for ln in lines[1:]}
        check(hdrs.get("sec-websocket-accept") == fs.accept_key(key), "Sec-WebSocket-Accept", hdrs)
        self.dec, self.asm = fs.FrameDecoder(masked=False), fs.MessageAssembler()
        self.frames = deque(self.dec.feed(rest))
        self.pings, self.pongs = 0, []

    def send(self, op, data, fin=True):
        self.sock.sendall(fs.encode_frame(op, data, fin, mask=True))

    def send_json(self, obj):
        self.send(fs.OP_TEXT, json.dumps(obj))

    def recv(self):
        """Next data message or close frame: (op, bytes); answers pings."""
        while True:
            while not self.frames:
                data = self.sock.recv(self.recv_size)
                if not data:
                    raise EOFError("connection closed")
                self.frames.extend(self.dec.feed(data))
            fin, op, payload = self.frames.popleft()
            if op == fs.OP_PING:
                self.pings += 1
                self.send(fs.OP_PONG, payload)
                continue
            if op == fs.OP_PONG:
                self.pongs.append(payload)
                continue
            msg = self.asm.add(fin, op, payload)
            if msg:
                return msg

    def recv_json(self):
        op, data = self.recv()
        check(op == fs.OP_TEXT, "expected a text frame", op)
        return json.loads(data)

    def close(self):
        try:
            self.send(fs.OP_CLOSE, b"\x03\xe8bye")
        except OSError:
            pass
        self.sock.close()


def connect(recv_size=65536):
    _, _, r = api("apps.connections.open", token=APP)
    check(r.get("ok") and r["url"].startswith("ws://127.0.0.1:"), "apps.connections.open", r)
    ws = WS(r["url"], recv_size)
    hello = ws.recv_json()
    check(hello.get("type") == "hello", "hello first", hello)
    return ws, hello, r["url"]


def run():
    _, _, r = api("auth.test")
    st, hdr, _ = api("auth.test")
    check(r["ok"] and r["user_id"] == "U0BOT00001" and "chat:write" in hdr.get("x-oauth-scopes", ""), "auth.test", (r, hdr))
    check(api("auth.test", token=APP)[2] == {"ok": False, "error": "invalid_auth"}, "app token on auth.test")
    check(api("auth.test", token=None)[2]["error"] == "not_authed", "no token")
    check(api("apps.connections.open", token=BOT)[2]["error"] == "invalid_auth", "bot token on connections.open")
    check(api("nope.never")[2]["error"] == "unknown_method", "unknown method")
    check(api("auth.test", ctype="application/json")[2].get("warning") == "missing_charset", "missing charset warning")
    st, _, data = http("POST", "/api/chat.postMessage", "{bad", {"Authorization": "Bearer " + BOT,
                                                                "Content-Type": "application/json; charset=utf-8"})
    check(json.loads(data)["error"] == "invalid_json", "invalid_json")
    u = api("users.info", {"user": "U0INT00002"}, ctype="application/x-www-form-urlencoded")[2]
    check(u["ok"] and u["user"]["tz"] == "Asia/Tokyo" and u["user"]["tz_offset"] == 32400, "users.info (form)", u)
    st, _, data = http("GET", "/api/users.info?user=U0REC00001", headers={"Authorization": "Bearer " + BOT})
    check(json.loads(data)["user"]["profile"]["email"] == "rita@example.com", "users.info (GET)", data)
    check(api("conversations.open", {"users": "U0INT00001"})[2]["channel"]["id"] == "D0INT00001", "conversations.open")
    print("ok web api auth, errors, users.info, conversations.open")

    ws, hello, url = connect()
    check(hello["num_connections"] == 1 and hello["debug_info"]["approximate_connection_time"] == 18060
          and hello["connection_info"]["app_id"] == "A0FAKE0001", "hello fields", hello)
    st, w = ctl("wait", kind="ready", count=1, timeout=2)
    check(st == 200 and len(w["events"]) == 1, "wait ready", w)
    print("ok connections.open + upgrade + hello")

    st, sent = ctl("command", {"user": "U0REC00001", "channel": "C0HIRING01", "text": "schedule Ada"})
    check(st == 200 and sent["envelope_id"], "control command", sent)
    env = ws.recv_json()
    p = env["payload"]
    check(env["type"] == "slash_commands" and env["envelope_id"] == sent["envelope_id"] and env["accepts_response_payload"]
          and p["text"] == "schedule Ada" and p["user_id"] == "U0REC00001" and p["response_url"] == sent["response_url"],
          "slash command envelope", env)
    time.sleep(0.05)
    ws.send_json({"envelope_id": env["envelope_id"], "payload": {"response_type": "ephemeral", "text": "Scheduled Ada"}})
    st, w = ctl("wait", kind="ack", envelope_id=env["envelope_id"], timeout=3)
    ack = w["events"][0] if w["events"] else {}
    check(st == 200 and ack.get("payload", {}).get("text") == "Scheduled Ada" and ack.get("conn") == "c1"
          and 40 <= ack.get("latency_ms", -1) < 2000, "ack recorded with latency", w)
    print(f"ok command envelope acked, latency {ack['latency_ms']} ms recorded")

    try:
        WS(url)
        raise Failed("a reused ticket was accepted")
    except Refused as e:
        check(e.status in (401, 403), "reused ticket status", e.status)
        refused = e.status
    st, w = ctl("wait", kind="error", error="ticket_reused", timeout=2)
    check(st == 200, "ticket reuse recorded as error", w)
    print(f"ok one-use ticket: reuse refused with HTTP {refused} and logged")

    st, r = ctl("misbehave", {"fail": {"method": "chat.postMessage", "status": 429, "retry_after": 2, "count": 1}})
    check(st == 200, "misbehave fail", r)
    st, hdr, r = api("chat.postMessage", {"channel": "C0HIRING01", "text": "hi"})
    check(st == 429 and hdr.get("retry-after") == "2" and r == {"ok": False, "error": "ratelimited"}, "429 injected", (st, hdr, r))
    blocks = [{"type": "actions", "block_id": "iv.1", "elements": [
        {"type": "button", "action_id": "iv.cancel", "value": "1:1", "text": {"type": "plain_text", "text": "Cancel"}}]}]
    st, _, r = api("chat.postMessage", {"channel": "C0HIRING01", "text": "hi", "blocks": blocks})
    check(st == 200 and r["ok"] and r["ts"], "post after 429", r)
    ts = r["ts"]
    check(api("chat.postMessage", {"channel": "C0HIRING01"})[2]["error"] == "no_text", "no_text")
    check(api("chat.postMessage", {"text": "x"})[2]["error"] == "channel_not_found", "channel_not_found")
    check(api("chat.postMessage", {"channel": "C1X", "blocks": [{"type": "divider"}] * 51})[2]["error"] == "invalid_blocks",
          "51 blocks")
    check(api("chat.postMessage", {"channel": "C1X", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]}
              )[2]["error"] == "invalid_blocks", "3001-char section")
    check(api("chat.update", {"channel": "C0HIRING01", "ts": "1.2", "text": "x"})[2]["error"] == "message_not_found", "update unknown")
    check(api("chat.update", {"channel": "C0HIRING01", "ts": ts, "text": "edited", "blocks": blocks})[2]["ok"], "update")
    print("ok 429 + Retry-After injection, chat.postMessage/update checks")

    rurl = urlsplit(sent["response_url"]).path
    codes = [http("POST", rurl, {"text": f"reply {i}"}, {"Content-Type": "application/json"}) for i in range(6)]
    check([c[0] for c in codes] == [200] * 5 + [404] and codes[0][2] == b"ok" and codes[5][2] == b"used_url",
          "response_url 5 uses", [(c[0], c[2]) for c in codes])
    st, w = ctl("wait", kind="response_url", count=6, timeout=2)
    check(st == 200, "response_url recorded", w)
    print("ok response_url: 5 uses answer ok, the 6th 404 used_url")

    st, r = api("views.open", {"trigger_id": sent["trigger_id"], "view": {"type": "modal", "callback_id": "iv.new",
                "title": {"type": "plain_text", "text": "Schedule"}, "blocks": []}})[1:]
    check(r["ok"] is False and r["error"] == "expired_trigger_id" or r["ok"], "views.open old trigger", r)
    st, act = ctl("action", {"user": "U0REC00001", "channel": "C0HIRING01", "message_ts": ts, "action_id": "iv.cancel"})
    env = ws.recv_json()
    a = env["payload"]["actions"][0]
    check(env["payload"]["type"] == "block_actions" and a["block_id"] == "iv.1" and a["value"] == "1:1"
          and env["payload"]["message"]["text"] == "edited", "block_actions from the stored message", env)
    ws.send_json({"envelope_id": env["envelope_id"]})
    view = {"type": "modal", "callback_id": "iv.cancel", "private_metadata": "{\"iv\":1}",
            "title": {"type": "plain_text", "text": "Cancel interview"}, "submit": {"type": "plain_text", "text": "OK"},
            "blocks": [{"type": "input", "block_id": "reason", "label": {"type": "plain_text", "text": "Why"},
                        "element": {"type": "plain_text_input", "action_id": "r"}}]}
    r = api("views.open", {"trigger_id": act["trigger_id"], "view": view})[2]
    check(r["ok"] and r["view"]["id"].startswith("V"), "views.open", r)
    check(api("views.open", {"trigger_id": act["trigger_id"], "view": view})[2]["error"] == "exchanged_trigger_id", "trigger reuse")
    check(api("views.open", {"trigger_id": "1.2.3", "view": view})[2]["error"] == "invalid_trigger_id", "unknown trigger")
    st, sub = ctl("submit", {"user": "U0REC00001", "view_id": r["view"]["id"],
                             "values": {"reason": {"r": {"type": "plain_text_input", "value": "withdrew"}}}})
    env = ws.recv_json()
    check(env["payload"]["view"]["private_metadata"] == "{\"iv\":1}"
          and env["payload"]["view"]["state"]["values"]["reason"]["r"]["value"] == "withdrew", "view_submission", env)
    ws.send_json({"envelope_id": env["envelope_id"], "payload": {"response_action": "errors", "errors": {"nope": "x"}}})
    st, w = ctl("wait", kind="ack", envelope_id=env["envelope_id"], timeout=2)
    check("payload_error" in w["events"][0], "bad errors key flagged", w)
    print("ok block_actions, views.open trigger rules, view_submission")

    st, g = ctl("misbehave", {"garbage": "fragmented_envelope", "fragment_size": 700, "ping_mid": True})
    check(st == 200, "fragmented garbage", g)
    ws.recv_size = 37  # odd splits across frame headers
    op, data = ws.recv()
    env = json.loads(data)
    check(op == fs.OP_TEXT and len(data) > 70000 and ws.asm.nframes >= 100 and env["envelope_id"] == g["envelope_id"]
          and env["type"] == "slash_commands", "fragmented envelope reassembled", (len(data), ws.asm.nframes))
    ws.recv_size = 65536
    ws.send_json({"envelope_id": env["envelope_id"]})
    check(ctl("wait", kind="ack", envelope_id=env["envelope_id"], timeout=2)[0] == 200, "ack of fragmented envelope")
    print(f"ok fragmented envelope: {len(data)} bytes in {ws.asm.nframes} fragments (+ a ping) reassembled and acked")

    ctl("misbehave", {"garbage": "binary"})
    ctl("misbehave", {"garbage": "malformed"})
    ctl("misbehave", {"garbage": "oversized"})
    check(ws.recv()[0] == fs.OP_BIN, "binary garbage")
    check(ws.recv()[0] == fs.OP_TEXT, "malformed garbage")
    big = ws.recv_json()
    check(big["type"] == "fake_unknown_type" and len(big["payload"]["blob"]) == 200000, "oversized frame")
    ws.send_json({"envelope_id": big["envelope_id"]})
    ws.send(fs.OP_TEXT, b"not json at all")
    ws.send(fs.OP_BIN, b"\x01\x02")
    ws.send_json({"envelope_id": "no-such-envelope"})
    ws.send(fs.OP_TEXT, b'{"env', fin=False)
    ws.send(fs.OP_CONT, b'elope_id":"' + big["envelope_id"].encode() + b'"}', fin=True)
    ws.send(fs.OP_PING, b"client ping")
    st, w = ctl("wait", kind="error", count=3, since=0, timeout=2)
    errs = {e["error"] for e in w["events"]}
    check({"malformed_json", "binary_frame", "unknown_envelope_id"} <= errs, "client garbage recorded as errors", errs)
    st, w = ctl("wait", kind="ack", envelope_id=big["envelope_id"], count=2, timeout=2)
    check(st == 200 and w["events"][1]["duplicate"], "fragmented ack from client", w)
    print("ok garbage both ways: client survives server garbage, server logs client garbage")

    st, ev = ctl("event", {"event": {"type": "app_home_opened", "user": "U0REC00001", "tab": "home"}})
    first = ws.recv_json()
    check(first["retry_attempt"] == 0 and first["retry_reason"] == "", "event first delivery", first)
    t0 = time.monotonic()
    retry = ws.recv_json()
    dt = time.monotonic() - t0
    check(retry["retry_attempt"] == 1 and retry["retry_reason"] == "timeout" and retry["envelope_id"] != first["envelope_id"]
          and retry["payload"]["event_id"] == first["payload"]["event_id"] and 2.5 < dt < 4.5, "event redelivery", (retry, dt))
    ws.send_json({"envelope_id": retry["envelope_id"]})
    print(f"ok unacked events_api redelivered after {dt:.1f} s with retry_attempt 1 / timeout")
    check(ws.pings >= 2, "server pings", ws.pings)
    check(ws.pongs == [b"client ping"], "pong to client ping", ws.pongs)
    print(f"ok heartbeat: {ws.pings} server pings answered, client ping ponged")

    extra = [connect()[0] for _ in range(9)]
    _, _, r = api("apps.connections.open", token=APP)
    ws11 = WS(r["url"])
    msg = ws11.recv_json()
    check(msg == {"type": "disconnect", "reason": "too_many_websockets", "num_connections": 11,
                  "debug_info": {"host": msg["debug_info"]["host"]}, "connection_info": {"app_id": "A0FAKE0001"}},
          "11th socket refused", msg)
    st, s = ctl("state")
    check(s["open_sockets"] == 11 and len(s["unacked"]) == 1, "state", (s["open_sockets"], s["unacked"]))
    for x in extra + [ws11]:
        x.close()
    print("ok 10-socket cap: the 11th gets disconnect too_many_websockets")

    ctl("misbehave", {"upgrade_status": 409, "count": 1})
    _, _, r = api("apps.connections.open", token=APP)
    try:
        WS(r["url"])
        raise Failed("upgrade not refused")
    except Refused as e:
        check(e.status == 409, "409 upgrade", e.status)
    ctl("misbehave", {"close_all": True})
    try:
        while True:
            ws.recv()
    except (EOFError, ConnectionError):
        pass
    check(ctl("wait", kind="conn_close", conn="c1", timeout=2)[0] == 200, "close_all logged")
    print("ok upgrade refused with 409, close_all drops TCP")


def main():
    global PORT
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_slack.py"), "--port", "0",
                             "--ping-interval", "1", "--max-seconds", "60"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = proc.stdout.readline().decode()
    rc = 1
    try:
        check(line.startswith("READY "), "READY line", line)
        PORT = int(line.split()[1])
        print(f"ok fake started on port {PORT}")
        run()
        proc.stdin.close()  # stdin EOF must stop it
        proc.wait(timeout=3)
        check(proc.returncode == 0, "exit status after stdin EOF", proc.returncode)
        print("ok fake exits on stdin EOF")
        rc = 0
    except Exception as e:  # noqa: BLE001
        print(f"FAIL {type(e).__name__}: {e}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"{'ok all' if rc == 0 else 'FAILED'} in {time.monotonic() - t0:.1f} s")
    print("1 passed, 0 failed" if rc == 0 else "0 passed, 1 failed")  # the summary tests/run counts
    return rc


if __name__ == "__main__":
    sys.exit(main())
