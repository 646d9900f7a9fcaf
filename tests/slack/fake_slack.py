#!/usr/bin/env python3
"""A fake Slack for interviewd's tests: Web API, Socket Mode, response_url and a
control API, all on one HTTP port on 127.0.0.1 (Python 3.11 standard library only).

It imitates what shared/reference/slack.md sections 1-4 and 6 describe: one-use
Socket Mode tickets from apps.connections.open (app token), a WebSocket at /link/
that says hello, pings, answers pings, accepts JSON acks and records their latency,
redelivers unacked events_api envelopes (retry_attempt 1..3, "timeout"), caps
sockets at 10, sends disconnects (and refreshes itself near the hello lifetime);
the bot-token Web API methods the daemon uses (auth.test, chat.postMessage,
chat.postEphemeral, chat.update, views.open/update/push, conversations.open,
users.info, users.lookupByEmail) with Slack's error names and limits; response_urls (5 uses, 30 min).

    python3 tests/slack/fake_slack.py [--port 0] [--app-token xapp-test]
        [--bot-token xoxb-test] [--hello-lifetime 18060] [--ping-interval 10]
        [--log FILE] [--max-seconds 900] [--no-refresh]

prints "READY <port>", serves until SIGTERM/SIGINT, stdin EOF (when it is a pipe)
or --max-seconds.  Control API (JSON in and out):
  POST /_control/users     {"U1":{"name","real_name","email","tz"}|null, ...}
  POST /_control/command   {"user","channel","text","command","conn"?}
  POST /_control/action    {"user","channel","message_ts"|"view_id","action_id",...}
  POST /_control/submit    {"user","view_id"|"view","values","closed"?}
  POST /_control/envelope  {"type","payload","accepts_response_payload","twice"?,...}
  POST /_control/event     {"event":{...},"event_id"?,"redeliver"?}
  POST /_control/misbehave {close_all|disconnect|garbage|no_pong|silent|ignore_close|
                            keep_tcp|upgrade_status|fail|delay|scopes|delay_ws|expire|clear}
  GET  /_control/log?since=N[&kind=K]    GET /_control/wait?kind=K&count=N&timeout=S&field=value
  GET  /_control/state     POST /_control/reset_log
The WebSocket framing helpers (encode_frame, FrameDecoder, MessageAssembler) are
reusable by clients: test_fake.py beside this file builds its client on them.
"""

import argparse
import asyncio
import base64
import copy
import ctypes
import hashlib
import json
import os
import random
import re
import secrets
import signal
import stat
import struct
import threading
import time
import traceback
import uuid
from collections import deque
from datetime import datetime
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover
    ZoneInfo = None

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BIN, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
APP_ID, TEAM_ID, BOT_USER, BOT_ID = "A0FAKE0001", "T0FAKE0001", "U0BOT00001", "B0FAKE0001"
DEFAULT_SCOPES = "commands,chat:write,chat:write.public,im:write,users:read,users:read.email"
NEEDED_SCOPE = {"chat.postMessage": "chat:write", "chat.postEphemeral": "chat:write",
                "chat.update": "chat:write", "conversations.open": "im:write",
                "users.info": "users:read", "users.lookupByEmail": "users:read.email"}
DEFAULT_USERS = {
    "U0REC00001": {"name": "rita", "real_name": "Rita Recruiter", "email": "rita@example.com", "tz": "Europe/London"},
    "U0INT00001": {"name": "ivan", "real_name": "Ivan Interviewer", "email": "ivan@example.com", "tz": "America/New_York"},
    "U0INT00002": {"name": "iris", "real_name": "Iris Interviewer", "email": "iris@example.com", "tz": "Asia/Tokyo"},
}
MAX_CONNS = 10
ACK_DEADLINE = 3.0        # seconds before an events_api envelope is redelivered
TRIGGER_LIFETIME = 3.0
RESPONSE_URL_USES, RESPONSE_URL_LIFETIME = 5, 1800.0
MAX_BODY = 32 << 20
MAX_EVENTS = 200000


# ---------------------------------------------------------------- RFC 6455 framing

class ProtocolError(Exception):
    """The peer broke RFC 6455; code is the close code to answer with."""

    def __init__(self, msg, code=1002):
        super().__init__(msg)
        self.code = code


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def _mask(data, key):
    n = len(data)
    if not n:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def encode_frame(op, payload=b"", fin=True, mask=False):
    """One frame; 7-, 16- or 64-bit length; masked with a random key if mask."""
    if isinstance(payload, str):
        payload = payload.encode()
    n, mbit = len(payload), 0x80 if mask else 0
    head = bytearray([(0x80 if fin else 0) | op])
    if n < 126:
        head.append(mbit | n)
    elif n < 1 << 16:
        head.append(mbit | 126)
        head += struct.pack(">H", n)
    else:
        head.append(mbit | 127)
        head += struct.pack(">Q", n)
    if mask:
        key = os.urandom(4)
        head += key
        payload = _mask(payload, key)
    return bytes(head) + payload


def encode_message(op, payload, frag_size=None, mask=False):
    """The frames of one message, split into frag_size-byte fragments if given."""
    if isinstance(payload, str):
        payload = payload.encode()
    if not frag_size or len(payload) <= frag_size:
        return [encode_frame(op, payload, True, mask)]
    chunks = [payload[i:i + frag_size] for i in range(0, len(payload), frag_size)]
    return [encode_frame(op if i == 0 else OP_CONT, c, i == len(chunks) - 1, mask)
            for i, c in enumerate(chunks)]


class FrameDecoder:
    """Incremental frame parser: feed(bytes) -> [(fin, opcode, payload)].
    masked: whether frames must be masked (True on a server, False on a client)."""

    def __init__(self, masked, max_frame=MAX_BODY):
        self.masked, self.max_frame, self.buf = masked, max_frame, bytearray()

    def feed(self, data):
        self.buf += data
        out = []
        while (f := self._one()) is not None:
            out.append(f)
        return out

    def _one(self):
        b = self.buf
        if len(b) < 2:
            return None
        fin, rsv, op, masked, n = b[0] >> 7, b[0] & 0x70, b[0] & 0x0F, b[1] >> 7, b[1] & 0x7F
        if rsv:
            raise ProtocolError("reserved bits set (no extension was negotiated)")
        if op not in (OP_CONT, OP_TEXT, OP_BIN, OP_CLOSE, OP_PING, OP_PONG):
            raise ProtocolError(f"unknown opcode {op}")
        if masked != self.masked:
            raise ProtocolError("client frames must be masked" if self.masked else "server frames must not be masked")
        pos = 2
        if n == 126:
            if len(b) < 4:
                return None
            n, pos = struct.unpack_from(">H", b, 2)[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, pos = struct.unpack_from(">Q", b, 2)[0], 10
            if n >> 63:
                raise ProtocolError("64-bit length with the top bit set")
        if op >= 8 and (not fin or n > 125):
            raise ProtocolError("control frame fragmented or longer than 125 bytes")
        if n > self.max_frame:
            raise ProtocolError(f"frame of {n} bytes is too big", 1009)
        key = None
        if masked:
            if len(b) < pos + 4:
                return None
            key, pos = bytes(b[pos:pos + 4]), pos + 4
        if len(b) < pos + n:
            return None
        payload = bytes(b[pos:pos + n])
        del b[:pos + n]
        return bool(fin), op, _mask(payload, key) if key else payload


class MessageAssembler:
    """Joins fragments: add(fin, op, payload) -> (op, data) for a complete message
    or a control frame, else None.  nframes: frames in the last data message."""

    def __init__(self, max_message=MAX_BODY):
        self.max, self.op, self.parts, self.size, self.nframes = max_message, None, [], 0, 0

    def add(self, fin, op, payload):
        if op >= 8:
            return op, payload
        if op == OP_CONT:
            if self.op is None:
                raise ProtocolError("continuation frame without a message to continue")
        else:
            if self.op is not None:
                raise ProtocolError("new data frame inside a fragmented message")
            self.op, self.parts, self.size = op, [], 0
        self.parts.append(payload)
        self.size += len(payload)
        if self.size > self.max:
            raise ProtocolError("message too big", 1009)
        if not fin:
            return None
        msg, op, self.nframes = b"".join(self.parts), self.op, len(self.parts)
        self.op, self.parts = None, []
        return op, msg


# ---------------------------------------------------------------- helpers

def jdump(o):
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def sval(v):
    return "true" if v is True else "false" if v is False else "null" if v is None else str(v)


def tz_info(name):
    try:
        now = datetime.now(ZoneInfo(name))
        return int(now.utcoffset().total_seconds()), now.tzname()
    except Exception:
        return 0, name


def _plain(o, limit):
    return isinstance(o, dict) and isinstance(o.get("text"), str) and 1 <= len(o["text"]) <= limit


def block_problem(blocks, limit):
    """None if the blocks respect Block Kit's limits, else a message like Slack's."""
    if not isinstance(blocks, list):
        return "blocks must be an array"
    if len(blocks) > limit:
        return f"no more than {limit} items allowed [json-pointer:/blocks]"
    for i, b in enumerate(blocks):
        where = f"[json-pointer:/blocks/{i}]"
        if not isinstance(b, dict) or not isinstance(b.get("type"), str):
            return f"a block must be an object with a type {where}"
        bid = b.get("block_id")
        if bid is not None and not (isinstance(bid, str) and 1 <= len(bid) <= 255):
            return f"block_id must be 1-255 chars {where}"
        t, els = b["type"], b.get("elements")
        if t == "section":
            if b.get("text") is None and not b.get("fields"):
                return f"section needs text or fields {where}"
            if b.get("text") is not None and not _plain(b["text"], 3000):
                return f"must be between 1 and 3000 characters [json-pointer:/blocks/{i}/text/text]"
            f = b.get("fields", [])
            if not isinstance(f, list) or len(f) > 10 or not all(_plain(x, 2000) for x in f):
                return f"fields: at most 10, each 1-2000 chars {where}"
        elif t == "header" and not _plain(b.get("text"), 150):
            return f"header text must be 1-150 chars {where}"
        elif t in ("actions", "context"):
            cap = 25 if t == "actions" else 10
            if not isinstance(els, list) or not 1 <= len(els) <= cap:
                return f"{t} needs 1-{cap} elements {where}"
            for el in els:
                if not isinstance(el, dict):
                    return f"elements must be objects {where}"
                if el.get("type") == "button" and (not _plain(el.get("text"), 75) or len(str(el.get("value", ""))) > 2000
                                                   or len(str(el.get("action_id", ""))) > 255):
                    return f"button text 1-75, value <= 2000, action_id <= 255 chars {where}"
    return None


def view_problem(v):
    if not isinstance(v, dict) or v.get("type") != "modal":
        return "view.type must be modal"
    for k in ("title", "submit", "close"):
        o = v.get(k)
        if o is None and k != "title":
            continue
        if not (isinstance(o, dict) and o.get("type") == "plain_text" and _plain(o, 24)):
            return f"{k} must be plain_text of 1-24 characters"
    p = block_problem(v.get("blocks"), 100)
    if p:
        return p
    if any(b.get("type") == "input" for b in v["blocks"]) and not v.get("submit"):
        return "a view with input blocks needs submit"
    if len(str(v.get("callback_id", ""))) > 255 or len(str(v.get("private_metadata", ""))) > 3000:
        return "callback_id <= 255, private_metadata <= 3000 chars"
    return None


def maybe_json(v):
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


class CtlError(Exception):
    def __init__(self, status, error):
        super().__init__(error)
        self.status, self.error = status, error


class Request:
    def __init__(self, method, target, version, headers, body=b""):
        u = urlsplit(target)
        self.method, self.path, self.version, self.headers, self.body = method, u.path, version, headers, body
        self.query = dict(parse_qsl(u.query, keep_blank_values=True))


# ---------------------------------------------------------------- a WebSocket connection

class Conn:
    def __init__(self, fake, cid, writer, ticket, debug):
        self.fake, self.id, self.writer, self.ticket, self.debug_reconnects = fake, cid, writer, ticket, debug
        self.host = f"applink-fake-{cid}"
        self.opened_at, self.last_in = time.time(), None
        self.ready = self.draining = self.closed = self.close_sent = False
        self.end, self.close_rcvd, self.flags, self.tasks = None, None, {}, []
        self.msg_lock = asyncio.Lock()
        self.stats = {"pings_in": 0, "pongs_in": 0, "pings_out": 0, "frames_in": 0}

    def flag(self, name):
        return bool(self.flags.get(name) or self.fake.flags.get(name))

    def info(self):
        return {"id": self.id, "ready": self.ready, "opened_at": self.opened_at, "ticket": self.ticket,
                "draining": self.draining, "closing": self.close_sent, "debug_reconnects": self.debug_reconnects,
                "flags": {k: v for k, v in self.flags.items() if v}, "last_in": self.last_in, **self.stats}

    async def send_frames(self, frames, closing=False):
        """Write frames; False if nothing went out (closed, silent = half-open,
        or a Close frame already sent: nothing may follow it)."""
        if self.closed or self.flag("silent") or (self.close_sent and not closing):
            return False
        for fr in frames:
            if self.fake.delay_ws:
                await asyncio.sleep(self.fake.delay_ws / 1000)
            if self.closed:
                return False
            try:
                self.writer.write(fr)
                await self.writer.drain()
            except (ConnectionError, RuntimeError):
                self.abort("write_failed")
                return False
        return True

    async def send_message(self, data, op=OP_TEXT, frag=None, ping_mid=False):
        frames = encode_message(op, data, frag)
        if ping_mid and len(frames) > 2:
            frames.insert(len(frames) // 2, encode_frame(OP_PING, b"mid-message ping"))
        async with self.msg_lock:  # fragments of one message stay together
            return await self.send_frames(frames)

    async def send_control(self, op, payload=b""):
        return await self.send_frames([encode_frame(op, payload)], closing=op == OP_CLOSE)

    async def close(self, code=1000, reason=""):
        """Close frame now, TCP 1 s later unless the client closed it first."""
        if self.closed or self.close_sent:
            return
        self.close_sent, self.draining, self.end = True, True, self.end or "server_close"
        self.fake.changed()
        await self.send_control(OP_CLOSE, struct.pack(">H", code) + reason.encode()[:120])
        if not self.flag("keep_tcp"):
            self.fake.later(1.0, lambda: self.abort("server_close"))

    def abort(self, why):
        if not self.closed:
            self.closed, self.end = True, self.end or why
            self.writer.transport.abort()


# ---------------------------------------------------------------- the fake

class Fake:
    def __init__(self, args):
        self.args, self.port = args, None
        self.app_token, self.bot_token, self.ping_interval = args.app_token, args.bot_token, args.ping_interval
        self.events, self.seq, self.logf = deque(maxlen=MAX_EVENTS), 0, None
        self._changed = asyncio.Event()
        self.users = copy.deepcopy(DEFAULT_USERS)
        self.scopes, self.flags, self.fails, self.delays = DEFAULT_SCOPES, {}, {}, {}
        self.upgrade_fail, self.delay_ws = None, 0
        self.tickets, self.conns, self.nconn, self.rr = {}, {}, 0, 0
        self.sent, self.chains = {}, {}
        self.messages, self.ephemerals, self.views, self.nview, self.ims = {}, [], {}, 0, set()
        self.triggers, self.resp_urls, self.last_ts, self.nevent = {}, {}, 0, 0
        self.bg = set()
        self.api = {"apps.connections.open": self.api_connections_open, "auth.test": self.api_auth_test,
                    "chat.postMessage": self.api_post_message, "chat.postEphemeral": self.api_post_ephemeral,
                    "chat.update": self.api_update, "views.open": self.api_views_open,
                    "views.update": self.api_views_update, "views.push": self.api_views_push,
                    "conversations.open": self.api_conversations_open, "users.info": self.api_users_info,
                    "users.lookupByEmail": self.api_users_lookup}
        self.control = {"users": self.ctl_users, "command": self.ctl_command, "action": self.ctl_action,
                        "submit": self.ctl_submit, "envelope": self.ctl_envelope, "event": self.ctl_event,
                        "misbehave": self.ctl_misbehave, "log": self.ctl_log, "wait": self.ctl_wait,
                        "state": self.ctl_state, "reset_log": self.ctl_reset_log}

    # -- event log
    def changed(self):
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, timeout):
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def record(self, kind, **kw):
        self.seq += 1
        ev = {"seq": self.seq, "t": round(time.time(), 6), "kind": kind, **kw}
        self.events.append(ev)
        if self.logf:
            try:
                self.logf.write(jdump(ev) + "\n")
                self.logf.flush()
            except (OSError, ValueError):
                pass
        self.changed()
        return ev

    def error(self, error, **kw):
        return self.record("error", error=error, **kw)

    def spawn(self, coro):
        t = asyncio.get_running_loop().create_task(coro)
        self.bg.add(t)
        t.add_done_callback(self.bg.discard)
        return t

    def later(self, delay, fn):
        async def run():
            await asyncio.sleep(delay)
            r = fn()
            if asyncio.iscoroutine(r):
                await r
        return self.spawn(run())

    # -- ids
    def new_ts(self):
        us = max(int(time.time() * 1e6), self.last_ts + 1)
        self.last_ts = us
        return f"{us // 1000000}.{us % 1000000:06d}"

    def new_trigger(self, view_id=None):
        tid = f"{int(time.time())}{random.randint(100, 999)}.{random.randint(10**9, 10**10)}.{secrets.token_hex(16)}"
        self.triggers[tid] = {"t": time.monotonic(), "used": False, "view_id": view_id}
        return tid

    def new_response_url(self, **origin):
        rid = secrets.token_hex(12)
        self.resp_urls[rid] = {"t": time.monotonic(), "uses": 0, **origin}
        return f"http://127.0.0.1:{self.port}/response/{rid}", rid

    def user_ref(self, uid):
        name = self.users.get(uid, {}).get("name", uid.lower())
        return {"id": uid, "username": name, "name": name, "team_id": TEAM_ID}

    def resolve_channel(self, ch):
        if not isinstance(ch, str) or not ch:
            return None
        if re.fullmatch(r"[UW][A-Z0-9]+", ch):
            return "D" + ch[1:] if ch in self.users else None
        if re.fullmatch(r"[CDG][A-Z0-9]+", ch) or re.fullmatch(r"#?[a-z0-9][a-z0-9._-]*", ch):
            return ch
        return None

    def post(self, ch, text, blocks, thread_ts=None, user=BOT_USER):
        ts = self.new_ts()
        msg = {"type": "message", "ts": ts, "user": user, "text": text or ""}
        if user == BOT_USER:
            msg["bot_id"] = BOT_ID
        if blocks:
            msg["blocks"] = blocks
        if thread_ts:
            msg["thread_ts"] = thread_ts
        self.messages.setdefault(ch, {})[ts] = msg
        return msg

    # -- Web API
    async def web_api(self, req, method):
        args, warn, status, headers, resp = dict(req.query), [], 200, {}, None
        auth = req.headers.get("authorization", "")
        m = re.fullmatch(r"\s*Bearer\s+(\S+)\s*", auth, re.I)
        tok = m.group(1) if m else None
        kind = None if tok is None else "app" if tok == self.app_token else "bot" if tok == self.bot_token else "invalid"
        body, err = self.parse_body(req, warn)
        if isinstance(body, dict):
            args.update(body)
        need = "app" if method == "apps.connections.open" else "bot"
        if method not in self.api:
            resp = {"ok": False, "error": "unknown_method"}
        elif kind is None:
            resp = {"ok": False, "error": "not_authed"}
        elif kind != need:
            resp = {"ok": False, "error": "invalid_auth"}
        elif err:
            resp = {"ok": False, "error": err}
        else:
            rule = self.take_rule(self.delays, method)
            if rule:
                await asyncio.sleep(rule.get("ms", 0) / 1000)
            rule = self.take_rule(self.fails, method)
            if rule:
                status = int(rule.get("status", 200))
                resp = {"ok": False, "error": rule.get("error") or ("ratelimited" if status == 429 else "internal_error")}
                if status == 429 or "retry_after" in rule:
                    headers["Retry-After"] = str(rule.get("retry_after", 1))
            elif NEEDED_SCOPE.get(method) and NEEDED_SCOPE[method] not in self.scopes.split(","):
                resp = {"ok": False, "error": "missing_scope", "needed": NEEDED_SCOPE[method], "provided": self.scopes}
            else:
                try:
                    resp = self.api[method](args)
                except (TypeError, ValueError, KeyError, AttributeError) as e:  # e.g. a list where Slack wants a string
                    resp = {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [f"[ERROR] {e}"]}}
        if warn:
            resp["warning"] = ",".join(warn)
            resp.setdefault("response_metadata", {})["warnings"] = warn
        if kind == "bot":
            headers["x-oauth-scopes"] = self.scopes
        self.record("api", method=method, token=kind, http=req.method, content_type=req.headers.get("content-type"),
                    body=args, status=status, response=resp)
        return status, headers, resp

    @staticmethod
    def take_rule(rules, method):
        key = method if method in rules else "*" if "*" in rules else None
        if key is None:
            return None
        rule = rules[key]
        rule["count"] = rule.get("count", 1) - 1
        if rule["count"] == 0:
            del rules[key]
        return rule

    @staticmethod
    def parse_body(req, warn):
        ctype = req.headers.get("content-type", "")
        mime, _, params = ctype.partition(";")
        mime, params = mime.strip().lower(), params.lower()
        if not req.body.strip():
            return {}, None
        if mime == "application/json":
            if "charset" not in params:
                warn.append("missing_charset")
            try:
                obj = json.loads(req.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                return None, "invalid_json"
            return (obj, None) if isinstance(obj, dict) else (None, "json_not_object")
        if mime in ("application/x-www-form-urlencoded", ""):
            if "charset" in params:
                warn.append("superfluous_charset")
            form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
            for k in ("blocks", "view", "attachments", "metadata"):
                if k in form:
                    form[k] = maybe_json(form[k])
            return form, None
        return None, "invalid_form_data"

    def api_connections_open(self, a):
        ticket = str(uuid.uuid4())
        self.tickets[ticket] = {"t": time.monotonic(), "used": False}
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={APP_ID}"}

    def api_auth_test(self, a):
        return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "interviewd",
                "team_id": TEAM_ID, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}

    def check_message(self, a, limit=50):
        text, blocks = a.get("text"), a.get("blocks")
        if text is not None and not isinstance(text, str):
            return {"ok": False, "error": "invalid_arguments"}
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if blocks is not None and (p := block_problem(blocks, limit)):
            return {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": ["[ERROR] " + p]}}
        return None

    def api_post_message(self, a):
        ch = self.resolve_channel(a.get("channel"))
        if not ch:
            return {"ok": False, "error": "channel_not_found"}
        bad = self.check_message(a)
        if bad:
            return bad
        msg = self.post(ch, a.get("text"), a.get("blocks"), a.get("thread_ts"))
        return {"ok": True, "channel": ch, "ts": msg["ts"], "message": msg}

    def api_post_ephemeral(self, a):
        ch = self.resolve_channel(a.get("channel"))
        if not ch:
            return {"ok": False, "error": "channel_not_found"}
        if a.get("user") not in self.users:
            return {"ok": False, "error": "user_not_in_channel"}
        bad = self.check_message(a)
        if bad:
            return bad
        ts = self.new_ts()
        self.ephemerals.append({"channel": ch, "user": a["user"], "ts": ts, "text": a.get("text"), "blocks": a.get("blocks")})
        return {"ok": True, "message_ts": ts}

    def api_update(self, a):
        ch = self.resolve_channel(a.get("channel"))
        msg = self.messages.get(ch, {}).get(a.get("ts"))
        if msg is None:
            return {"ok": False, "error": "message_not_found" if ch else "channel_not_found"}
        bad = self.check_message(a)
        if bad:
            return bad
        msg["text"] = a.get("text") or ""
        msg.pop("blocks", None)  # Slack drops blocks that are not sent again
        if a.get("blocks"):
            msg["blocks"] = a["blocks"]
        msg["edited"] = {"user": BOT_USER, "ts": self.new_ts()}
        return {"ok": True, "channel": ch, "ts": msg["ts"], "text": msg["text"], "message": msg}

    def take_trigger(self, tid):
        t = self.triggers.get(tid)
        if t is None:
            return None, "invalid_trigger_id"
        if t["used"]:
            return None, "exchanged_trigger_id"
        if time.monotonic() - t["t"] > TRIGGER_LIFETIME:
            return None, "expired_trigger_id"
        return t, None

    def store_view(self, view, root=None, prev=None, vid=None):
        if vid is None:
            self.nview += 1
            vid = f"V0FAKE{self.nview:05d}"
        v = dict(view)
        for k, d in (("callback_id", ""), ("private_metadata", ""), ("external_id", ""), ("clear_on_close", False),
                     ("notify_on_close", False), ("submit", None), ("close", None)):
            v.setdefault(k, d)
        v.update(id=vid, team_id=TEAM_ID, state={"values": {}}, hash=f"{int(time.time())}.{secrets.token_hex(4)}",
                 root_view_id=root or vid, previous_view_id=prev, app_id=APP_ID, bot_id=BOT_ID,
                 app_installed_team_id=TEAM_ID)
        self.views[vid] = {"view": v, "root": root or vid, "closed": False}
        return v

    def view_arg(self, a):
        v = maybe_json(a.get("view"))
        p = view_problem(v)
        return (None, {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": ["[ERROR] " + p]}}) \
            if p else (v, None)

    def api_views_open(self, a, push=False):
        t, err = self.take_trigger(a.get("trigger_id"))
        if err:
            return {"ok": False, "error": err}
        v, bad = self.view_arg(a)
        if bad:
            return bad
        root = prev = None
        if push and t.get("view_id") in self.views:
            prev, root = t["view_id"], self.views[t["view_id"]]["root"]
            if sum(1 for r in self.views.values() if r["root"] == root and not r["closed"]) >= 3:
                return {"ok": False, "error": "push_limit_reached"}
        t["used"] = True
        return {"ok": True, "view": self.store_view(v, root, prev)}

    def api_views_push(self, a):
        return self.api_views_open(a, push=True)

    def api_views_update(self, a):
        vid = a.get("view_id")
        if not vid and a.get("external_id"):
            vid = next((k for k, r in self.views.items() if r["view"].get("external_id") == a["external_id"]), None)
        rec = self.views.get(vid)
        if rec is None:
            return {"ok": False, "error": "not_found" if vid or a.get("external_id") else "invalid_arguments"}
        if a.get("hash") and a["hash"] != rec["view"]["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        v, bad = self.view_arg(a)
        if bad:
            return bad
        return {"ok": True, "view": self.store_view(v, rec["root"], rec["view"]["previous_view_id"], vid)}

    def api_conversations_open(self, a):
        users = a.get("users")
        users = [u.strip() for u in (users if isinstance(users, list) else str(users or "").split(",")) if u.strip()]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        cid = "D" + users[0][1:] if len(users) == 1 else "G" + hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:9].upper()
        already = cid in self.ims
        self.ims.add(cid)
        return {"ok": True, "no_op": already, "already_open": already, "channel": {"id": cid}}

    def api_users_info(self, a):
        uid = a.get("user")
        u = self.users.get(uid)
        if u is None:
            return {"ok": False, "error": "user_not_found"}
        tz = u.get("tz", "UTC")
        off, label = tz_info(tz)
        prof = {"real_name": u.get("real_name", ""), "display_name": u.get("display_name", u.get("name", ""))}
        if "users:read.email" in self.scopes.split(",") and u.get("email"):
            prof["email"] = u["email"]
        return {"ok": True, "user": {"id": uid, "team_id": TEAM_ID, "name": u.get("name", ""), "real_name": u.get("real_name", ""),
                                     "tz": tz, "tz_label": label, "tz_offset": off, "deleted": bool(u.get("deleted")),
                                     "is_bot": bool(u.get("is_bot")), "profile": prof}}

    def api_users_lookup(self, a):
        email = str(a.get("email", "")).lower()
        uid = next((k for k, u in self.users.items() if u and str(u.get("email", "")).lower() == email), None)
        return self.api_users_info({"user": uid}) if uid else {"ok": False, "error": "users_not_found"}

    # -- response_url
    def response_url(self, req, rid):
        r, effect = self.resp_urls.get(rid), None
        try:
            body = json.loads(req.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            body = None
        if r is None:
            status, text = 404, "no_service"
        elif time.monotonic() - r["t"] > RESPONSE_URL_LIFETIME:
            status, text = 404, "expired_url"
        elif r["uses"] >= RESPONSE_URL_USES:
            status, text = 404, "used_url"
        elif not isinstance(body, dict):
            status, text = 400, "invalid_payload"
        elif not body.get("delete_original") and not body.get("text") and not body.get("blocks"):
            status, text = 400, "no_text"
        elif body.get("blocks") is not None and block_problem(body["blocks"], 50):
            status, text = 400, "invalid_blocks"
        else:
            r["uses"] += 1
            status, text = 200, "ok"
            ch, ts = r.get("channel"), r.get("message_ts")
            orig = self.messages.get(ch, {}).get(ts)
            if body.get("delete_original") and orig:
                del self.messages[ch][ts]
                effect = "deleted"
            elif body.get("replace_original") and orig:
                orig["text"], effect = body.get("text") or "", "replaced"
                orig.pop("blocks", None)
                if body.get("blocks"):
                    orig["blocks"] = body["blocks"]
            elif body.get("response_type") == "in_channel" and ch:
                effect = "posted:" + self.post(ch, body.get("text"), body.get("blocks"), body.get("thread_ts"))["ts"]
            else:
                self.ephemerals.append({"channel": ch, "user": r.get("user"), "ts": self.new_ts(),
                                        "text": body.get("text"), "blocks": body.get("blocks")})
                effect = "ephemeral"
        self.record("response_url", id=rid, envelope_id=(r or {}).get("envelope_id"), use=(r or {}).get("uses"),
                    body=body if body is not None else req.body[:500].decode("utf-8", "replace"),
                    status=status, response=text, effect=effect)
        return status, text

    # -- Socket Mode
    async def ws_session(self, req, reader, writer):
        key, ticket = req.headers.get("sec-websocket-key", ""), req.query.get("ticket", "")
        try:
            key_ok = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            key_ok = False
        if (req.method != "GET" or req.headers.get("upgrade", "").lower() != "websocket"
                or req.headers.get("sec-websocket-version") != "13" or not key_ok):
            self.error("bad_upgrade", path=req.path, headers=req.headers)
            return await self.respond(writer, 400, "bad websocket upgrade", False)
        t = self.tickets.get(ticket)
        if t is not None and not t["used"] and self.upgrade_fail:
            t["used"] = True
            status = self.upgrade_fail["status"]
            self.upgrade_fail["count"] -= 1
            if self.upgrade_fail["count"] == 0:
                self.upgrade_fail = None
            self.record("upgrade_refused", ticket=ticket, status=status)
            return await self.respond(writer, status, "refused by test", False)
        if t is None or t["used"]:
            status = 401 if t is None else 403
            self.error("ticket_reused" if t else "unknown_ticket", ticket=ticket, status=status)
            return await self.respond(writer, status, "invalid ticket", False)
        t["used"] = True
        writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n").encode())
        self.nconn += 1
        debug = req.query.get("debug_reconnects") == "true"
        c = Conn(self, f"c{self.nconn}", writer, ticket, debug)
        self.conns[c.id] = c
        dec, asm = FrameDecoder(True), MessageAssembler()
        try:
            n = sum(1 for x in self.conns.values() if not x.closed)
            if n > MAX_CONNS:
                self.record("conn_open", conn=c.id, ticket=ticket, num_connections=n, rejected="too_many_websockets")
                await self.send_disconnect(c, "too_many_websockets", close_after=1.0)
            else:
                life = 360 if debug else self.args.hello_lifetime
                ok = await c.send_message(jdump({
                    "type": "hello", "num_connections": n, "connection_info": {"app_id": APP_ID},
                    "debug_info": {"host": c.host, "build_number": 1, "approximate_connection_time": life}}))
                c.ready = True
                self.record("conn_open", conn=c.id, ticket=ticket, num_connections=n, debug_reconnects=debug,
                            hello_sent=ok, approximate_connection_time=life)
                if self.ping_interval > 0:
                    c.tasks.append(self.spawn(self.pinger(c)))
                if not self.args.no_refresh:
                    c.tasks.append(self.spawn(self.lifetime(c, life)))
            while not c.closed:
                data = await reader.read(65536)
                if not data:
                    break
                t_in = time.monotonic()
                try:
                    for fin, op, payload in dec.feed(data):
                        msg = asm.add(fin, op, payload)
                        if msg and not c.closed:
                            await self.ws_message(c, msg[0], msg[1], t_in)
                except ProtocolError as e:
                    self.error("ws_protocol", conn=c.id, detail=str(e))
                    await c.close(e.code, str(e))
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            self.error("internal", conn=c.id, detail=traceback.format_exc())
        finally:
            for task in c.tasks:
                task.cancel()
            c.abort(c.end or "eof")
            self.conns.pop(c.id, None)
            self.record("conn_close", conn=c.id, by=c.end, code=(c.close_rcvd or (None,))[0],
                        reason=(c.close_rcvd or (None, None))[1], duration=round(time.time() - c.opened_at, 3))

    async def ws_message(self, c, op, data, t_in):
        c.stats["frames_in"] += 1
        c.last_in = time.time()
        if c.flag("silent"):
            return
        if op == OP_PING:
            c.stats["pings_in"] += 1
            if not c.flag("no_pong"):
                await c.send_control(OP_PONG, data)
        elif op == OP_PONG:
            c.stats["pongs_in"] += 1
        elif op == OP_CLOSE:
            code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else 1005
            c.close_rcvd, c.end = (code, data[2:].decode("utf-8", "replace")), c.end or "client_close"
            if c.flag("ignore_close"):
                return
            if not c.close_sent:
                c.close_sent = True
                await c.send_control(OP_CLOSE, data[:2])
            if not c.flag("keep_tcp"):
                c.abort("client_close")
        elif op == OP_BIN:
            self.error("binary_frame", conn=c.id, size=len(data))
        else:
            self.on_ack(c, data, t_in)

    def on_ack(self, c, data, t_in):
        try:
            obj = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return self.error("malformed_json", conn=c.id, text=data[:300].decode("utf-8", "replace"))
        if not isinstance(obj, dict) or not isinstance(obj.get("envelope_id"), str):
            return self.error("not_an_ack", conn=c.id, text=data[:300].decode("utf-8", "replace"))
        eid = obj["envelope_id"]
        env = self.sent.get(eid)
        if env is None:
            return self.error("unknown_envelope_id", conn=c.id, envelope_id=eid, payload=obj.get("payload"))
        env["acked"] += 1
        extra = self.ack_effect(env, obj.get("payload"), "payload" in obj)
        self.record("ack", envelope_id=eid, payload=obj.get("payload"), latency_ms=round((t_in - env["mono"]) * 1000, 3),
                    conn=c.id, sent_conn=env["conn"], type=env["type"], duplicate=env["acked"] > 1, **extra)

    def ack_effect(self, env, payload, given):
        """Apply what Slack would do with the ack payload; report what was wrong."""
        inner, kind = env["payload"] if isinstance(env["payload"], dict) else {}, env["type"]
        if given and not env["accepts"]:
            return {"payload_ignored": True}
        if given and not isinstance(payload, dict):
            return {"payload_error": "payload_not_object"}
        payload = payload or {}
        if kind == "slash_commands" and (payload.get("text") or payload.get("blocks")):
            if payload.get("blocks") is not None and (p := block_problem(payload["blocks"], 50)):
                return {"payload_error": "invalid_blocks: " + p}
            if payload.get("response_type") == "in_channel":
                return {"posted_ts": self.post(inner.get("channel_id"), payload.get("text"), payload.get("blocks"))["ts"]}
            self.ephemerals.append({"channel": inner.get("channel_id"), "user": inner.get("user_id"),
                                    "ts": self.new_ts(), "text": payload.get("text"), "blocks": payload.get("blocks")})
        elif kind == "interactive" and inner.get("type") == "view_submission":
            rec = self.views.get((inner.get("view") or {}).get("id"))
            ra = payload.get("response_action")
            if ra == "errors":
                errs = payload.get("errors")
                inputs = {b.get("block_id") for b in (rec or {"view": inner.get("view", {})})["view"].get("blocks", [])
                          if isinstance(b, dict) and b.get("type") == "input"}
                if not isinstance(errs, dict) or not errs:
                    return {"payload_error": "errors must be a non-empty object"}
                if inputs and (bad := [k for k in errs if k not in inputs]):
                    return {"payload_error": f"errors keys are not input block_ids: {bad}"}
            elif ra in ("update", "push"):
                if p := view_problem(payload.get("view")):
                    return {"payload_error": "invalid view: " + p}
                if rec and ra == "update":
                    self.store_view(payload["view"], rec["root"], rec["view"]["previous_view_id"], rec["view"]["id"])
                elif rec:
                    self.store_view(payload["view"], rec["root"], rec["view"]["id"])
            elif ra in (None, "clear"):
                for r in self.views.values():
                    if rec and (r is rec or (ra == "clear" and r["root"] == rec["root"])):
                        r["closed"] = True
            else:
                return {"payload_error": f"unknown response_action {ra!r}"}
        return {}

    async def pinger(self, c):
        while not c.closed:
            await asyncio.sleep(self.ping_interval)
            if not c.closed and not c.close_sent and await c.send_control(OP_PING, f"Ping from {c.host}".encode()):
                c.stats["pings_out"] += 1

    async def lifetime(self, c, secs):
        await asyncio.sleep(max(0.0, secs - 10))
        await self.send_disconnect(c, "warning")
        await asyncio.sleep(min(10, secs))
        await self.send_disconnect(c, "refresh_requested")

    async def send_disconnect(self, c, reason, close_after=None):
        msg = {"type": "disconnect", "reason": reason, "debug_info": {"host": c.host}}
        if reason == "too_many_websockets":
            msg.update(num_connections=sum(1 for x in self.conns.values() if not x.closed),
                       connection_info={"app_id": APP_ID})
        ok = await c.send_message(jdump(msg))
        self.record("disconnect_sent", conn=c.id, reason=reason, dropped=not ok)
        if reason != "warning":
            c.draining = True
            self.changed()
        if close_after is None and reason == "refresh_requested":
            close_after = 10.0
        if close_after is not None:
            self.later(float(close_after), lambda: c.close(1001, reason))

    async def pick(self, cid=None, wait=5.0):
        """A READY connection: the one named, else round robin among the open ones."""
        deadline = time.monotonic() + wait
        if cid is not None and not str(cid).startswith("c"):
            cid = f"c{cid}"
        while True:
            if cid is not None:
                c = self.conns.get(cid)
                if c is None or c.closed:
                    raise CtlError(404, f"no open connection {cid}")
                if c.ready:
                    return c
            else:
                ok = [c for c in self.conns.values() if c.ready and not c.closed and not c.draining]
                if ok:
                    self.rr += 1
                    return ok[self.rr % len(ok)]
            rem = deadline - time.monotonic()
            if rem <= 0:
                raise CtlError(503, "no_ready_socket")
            await self.wait_change(rem)

    async def deliver(self, env, conn=None, wait=5.0, twice=False, frag=None, ping_mid=False, redeliver=True):
        c = await self.pick(conn, wait)
        text, eid = jdump(env), env.get("envelope_id")
        res = {"ok": True, "envelope_id": eid, "conn": c.id}
        for i in range(2 if twice else 1):
            ok = await c.send_message(text, frag=frag, ping_mid=ping_mid)
            mono, now = time.monotonic(), time.time()
            if i == 0:
                res.update(sent_at=now, dropped=not ok)
                if isinstance(eid, str) and eid not in self.sent:
                    self.sent[eid] = {"type": env.get("type"), "payload": env.get("payload"), "conn": c.id, "mono": mono,
                                      "accepts": bool(env.get("accepts_response_payload")), "acked": 0}
                tid = (env.get("payload") or {}).get("trigger_id") if isinstance(env.get("payload"), dict) else None
                if tid in self.triggers:
                    self.triggers[tid]["t"] = mono  # the 3 s start when Slack sends it
            self.record("envelope_sent", envelope_id=eid, type=env.get("type"), conn=c.id, bytes=len(text),
                        fragments=-(-len(text.encode()) // frag) if frag else 1,
                        retry_attempt=env.get("retry_attempt"), dropped=not ok, duplicate=i == 1,
                        envelope=env if len(text) <= 16384 else None)
        if redeliver and env.get("type") == "events_api" and isinstance(eid, str):
            self.spawn(self.redeliver(env, [eid]))
        return res

    async def redeliver(self, env, ids):
        for attempt in range(1, 4):
            await asyncio.sleep(ACK_DEADLINE)
            if any(self.sent.get(e, {}).get("acked") for e in ids):
                return
            again = dict(env, envelope_id=str(uuid.uuid4()), retry_attempt=attempt, retry_reason="timeout")
            try:
                await self.deliver(again, wait=60.0, redeliver=False)
                ids.append(again["envelope_id"])
            except CtlError:
                pass

    # -- control API
    async def ctl_users(self, req, b):
        for uid, u in b.items():
            if u is None:
                self.users.pop(uid, None)
            elif isinstance(u, dict):
                self.users[uid] = {**self.users.get(uid, {}), **u}
            else:
                raise CtlError(400, f"user {uid} must be an object or null")
        return 200, {"ok": True, "users": sorted(self.users)}

    def channel_name(self, b, ch):
        return b.get("channel_name") or ("directmessage" if ch.startswith("D") else ch.lower())

    def command_envelope(self, b):
        user, ch, eid = b.get("user", "U0REC00001"), b.get("channel", "C0HIRING01"), str(uuid.uuid4())
        tid = self.new_trigger()
        url, rid = self.new_response_url(channel=ch, user=user, envelope_id=eid)
        payload = {"token": "fakeverificationtoken", "team_id": TEAM_ID, "team_domain": "fake", "channel_id": ch,
                   "channel_name": self.channel_name(b, ch), "user_id": user, "user_name": self.user_ref(user)["name"],
                   "command": b.get("command", "/interview"), "text": b.get("text", ""), "api_app_id": APP_ID,
                   "is_enterprise_install": "false", "response_url": url, "trigger_id": tid}
        return {"envelope_id": eid, "type": "slash_commands", "accepts_response_payload": True, "payload": payload}

    async def ctl_command(self, req, b):
        env = self.command_envelope(b)
        res = await self.deliver(env, b.get("conn"))
        return 200, dict(res, response_url=env["payload"]["response_url"], trigger_id=env["payload"]["trigger_id"])

    async def ctl_action(self, req, b):
        user, ch, mts, vid, aid = b.get("user", "U0REC00001"), b.get("channel", "C0HIRING01"), b.get("message_ts"), \
            b.get("view_id"), b.get("action_id")
        if not aid:
            raise CtlError(400, "action_id is required")
        if vid and vid not in self.views:
            raise CtlError(404, f"unknown view {vid}")
        src = self.views[vid]["view"] if vid else self.messages.get(ch, {}).get(mts)
        block_id, el = None, {}
        for blk in (src or {}).get("blocks", []) or []:
            for e in (blk.get("elements") or []) + ([blk["accessory"]] if blk.get("accessory") else []):
                if isinstance(e, dict) and e.get("action_id") == aid:
                    block_id, el = blk.get("block_id"), e
        eid = str(uuid.uuid4())
        action = {"type": b.get("action_type", el.get("type", "button")), "action_id": aid,
                  "block_id": b.get("block_id") or block_id or "b0", "text": el.get("text") or {"type": "plain_text", "text": aid},
                  "value": b.get("value", el.get("value")), "action_ts": self.new_ts()}
        if "selected_option" in b:
            action["selected_option"] = b["selected_option"]
        if action["value"] is None:
            del action["value"]
        payload = {"type": "block_actions", "user": self.user_ref(user), "api_app_id": APP_ID, "token": "fakeverificationtoken",
                   "trigger_id": self.new_trigger(vid), "team": {"id": TEAM_ID, "domain": "fake"}, "enterprise": None,
                   "is_enterprise_install": False, "state": {"values": b.get("state", {})}, "actions": [action]}
        if vid:
            payload.update(container={"type": "view", "view_id": vid}, view=self.views[vid]["view"])
        else:
            msg = src or {"type": "message", "ts": mts, "text": ""}
            url, _ = self.new_response_url(channel=ch, message_ts=mts, user=user, envelope_id=eid)
            payload.update(container={"type": "message", "message_ts": mts, "channel_id": ch, "is_ephemeral": False},
                           channel={"id": ch, "name": self.channel_name(b, ch)}, message=msg, response_url=url)
        env = {"envelope_id": eid, "type": "interactive", "payload": payload,
               "accepts_response_payload": bool(b.get("accepts_response_payload", False))}
        res = await self.deliver(env, b.get("conn"))
        return 200, dict(res, response_url=payload.get("response_url"), trigger_id=payload["trigger_id"])

    async def ctl_submit(self, req, b):
        vid, user = b.get("view_id"), b.get("user", "U0REC00001")
        if vid:
            if vid not in self.views:
                raise CtlError(404, f"unknown view {vid}")
            view = copy.deepcopy(self.views[vid]["view"])
        elif isinstance(b.get("view"), dict):
            view = dict({"type": "modal", "id": "V0FAKE99999", "hash": f"{int(time.time())}.fake"}, **b["view"])
        else:
            raise CtlError(400, "view_id or view is required")
        view["state"] = {"values": b.get("values", {})}
        payload = {"type": "view_submission", "team": {"id": TEAM_ID, "domain": "fake"}, "user": self.user_ref(user),
                   "api_app_id": APP_ID, "token": "fakeverificationtoken", "trigger_id": self.new_trigger(view["id"]),
                   "view": view, "response_urls": [], "enterprise": None, "is_enterprise_install": False}
        if b.get("closed"):
            payload.update(type="view_closed", is_cleared=False)
            for k in ("trigger_id", "response_urls"):
                del payload[k]
        env = {"envelope_id": str(uuid.uuid4()), "type": "interactive", "payload": payload,
               "accepts_response_payload": not b.get("closed")}
        res = await self.deliver(env, b.get("conn"))
        return 200, dict(res, trigger_id=payload.get("trigger_id"), view_id=view["id"])

    async def ctl_envelope(self, req, b):
        env = {"envelope_id": b.get("envelope_id") or str(uuid.uuid4()), "type": b.get("type"),
               "accepts_response_payload": bool(b.get("accepts_response_payload", False)), "payload": b.get("payload", {})}
        if env["type"] == "events_api":
            env.update(retry_attempt=b.get("retry_attempt", 0), retry_reason=b.get("retry_reason", ""))
        return 200, await self.deliver(env, b.get("conn"), twice=bool(b.get("twice")), redeliver=b.get("redeliver", True))

    async def ctl_event(self, req, b):
        if not isinstance(b.get("event"), dict):
            raise CtlError(400, "event must be an object")
        self.nevent += 1
        evid = b.get("event_id") or f"Ev0FAKE{self.nevent:05d}"
        payload = {"token": "fakeverificationtoken", "team_id": TEAM_ID, "api_app_id": APP_ID, "event": b["event"],
                   "type": "event_callback", "event_id": evid, "event_time": int(time.time()),
                   "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER, "is_bot": True,
                                       "is_enterprise_install": False}], "is_ext_shared_channel": False}
        env = {"envelope_id": str(uuid.uuid4()), "type": "events_api", "accepts_response_payload": False,
               "retry_attempt": 0, "retry_reason": "", "payload": payload}
        res = await self.deliver(env, b.get("conn"), twice=bool(b.get("twice")), redeliver=b.get("redeliver", True))
        return 200, dict(res, event_id=evid)

    MISBEHAVE = {"close_all", "disconnect", "conn", "close_after", "garbage", "fragment_size", "ping_mid", "no_pong",
                 "silent", "ignore_close", "keep_tcp", "upgrade_status", "count", "fail", "delay", "scopes",
                 "delay_ws", "expire", "clear", "text"}

    async def ctl_misbehave(self, req, b):
        if unknown := set(b) - self.MISBEHAVE:
            raise CtlError(400, f"unknown keys {sorted(unknown)}")
        out, cid = {"ok": True}, b.get("conn")
        if cid is not None and not str(cid).startswith("c"):
            cid = f"c{cid}"
        if cid is not None and cid not in self.conns:
            raise CtlError(404, f"no open connection {cid}")
        targets = [self.conns[cid]] if cid else [c for c in self.conns.values() if not c.closed]
        if b.get("clear"):
            self.flags, self.fails, self.delays, self.upgrade_fail, self.delay_ws, self.scopes = {}, {}, {}, None, 0, DEFAULT_SCOPES
            for c in self.conns.values():
                c.flags = {}
        for f in ("no_pong", "silent", "ignore_close", "keep_tcp"):
            if f in b:
                (self.conns[cid].flags if cid else self.flags)[f] = bool(b[f])
        if "upgrade_status" in b:
            self.upgrade_fail = {"status": int(b["upgrade_status"]), "count": int(b.get("count", 1))}
        for key, rules in (("fail", self.fails), ("delay", self.delays)):
            if key in b:
                if not isinstance(b[key], dict) or not b[key].get("method"):
                    raise CtlError(400, f"{key} needs a method")
                rules[b[key]["method"]] = dict(b[key], count=int(b[key].get("count", 1)))
        if "scopes" in b:
            self.scopes = str(b["scopes"])
        if "delay_ws" in b:
            d = b["delay_ws"]
            self.delay_ws = float(d.get("ms", 0) if isinstance(d, dict) else d or 0)
        if isinstance(b.get("expire"), dict):
            for key, table in (("response_url", self.resp_urls), ("trigger_id", self.triggers)):
                ids = list(table) if b["expire"].get(key) == "*" else [b["expire"].get(key)]
                for i in ids:
                    if i in table:
                        table[i]["t"] -= RESPONSE_URL_LIFETIME + TRIGGER_LIFETIME + 1
        if b.get("close_all"):
            out["closed"] = [c.id for c in targets]
            for c in targets:
                c.abort("server_drop")
        if "disconnect" in b:
            reason = b["disconnect"]
            if reason not in ("warning", "refresh_requested", "link_disabled", "too_many_websockets"):
                raise CtlError(400, f"unknown disconnect reason {reason!r}")
            for c in targets:
                await self.send_disconnect(c, reason, b.get("close_after"))
            out["conns"] = [c.id for c in targets]
        if "garbage" in b:
            out.update(await self.garbage(b))
        return 200, out

    async def garbage(self, b):
        kind, cid = b["garbage"], b.get("conn")
        if kind in ("binary", "malformed"):
            c = await self.pick(cid)
            ok = await c.send_message(b"\x00\xffbinary garbage\x00", OP_BIN) if kind == "binary" else \
                await c.send_message('{"envelope_id": "oops", "type": "slash_commands", "payload": {nope')
            self.record("garbage_sent", conn=c.id, what=kind, dropped=not ok)
            return {"conn": c.id}
        if kind == "oversized":
            env = {"envelope_id": str(uuid.uuid4()), "type": "fake_unknown_type", "accepts_response_payload": False,
                   "payload": {"blob": "x" * 200000}}
            return await self.deliver(env, cid)
        if kind == "fragmented_envelope":
            env = self.command_envelope({"text": b.get("text", "help"), "conn": cid})
            env["payload"]["x_fake_padding"] = "p" * 70000  # an unknown field: ~70 KB in all
            res = await self.deliver(env, cid, frag=int(b.get("fragment_size", 512)), ping_mid=bool(b.get("ping_mid")))
            return dict(res, response_url=env["payload"]["response_url"], trigger_id=env["payload"]["trigger_id"])
        raise CtlError(400, f"unknown garbage {kind!r}")

    async def ctl_log(self, req, b):
        since, kind = int(req.query.get("since", 0)), req.query.get("kind")
        return 200, {"seq": self.seq, "events": [e for e in self.events if e["seq"] > since and kind in (None, e["kind"])]}

    async def ctl_wait(self, req, b):
        q = req.query
        kind, count = q.get("kind"), int(q.get("count", 1))
        timeout, since = min(float(q.get("timeout", 5)), 300.0), int(q.get("since", 0))
        filters = {k: v for k, v in q.items() if k not in ("kind", "count", "timeout", "since")}
        deadline = time.monotonic() + timeout
        while True:
            if kind == "ready":
                got = [c.info() for c in self.conns.values() if c.ready and not c.closed]
            else:
                got = [e for e in self.events if e["seq"] > since and kind in (None, e["kind"])
                       and all(sval(e.get(k)) == v for k, v in filters.items())]
            if len(got) >= count:
                return 200, {"ok": True, "seq": self.seq, "events": got}
            if time.monotonic() >= deadline:
                return 408, {"ok": False, "error": "timeout", "seq": self.seq, "events": got}
            await self.wait_change(deadline - time.monotonic())

    async def ctl_state(self, req, b):
        return 200, {"open_sockets": sum(1 for c in self.conns.values() if not c.closed),
                     "connections": [c.info() for c in self.conns.values() if not c.closed],
                     "messages": {ch: list(m.values()) for ch, m in self.messages.items()},
                     "ephemerals": self.ephemerals, "views": self.views, "users": self.users, "scopes": self.scopes,
                     "acks": sum(e["acked"] for e in self.sent.values()),
                     "unacked": [k for k, e in self.sent.items() if not e["acked"]]}

    async def ctl_reset_log(self, req, b):
        self.events.clear()
        return 200, {"ok": True, "seq": self.seq}

    # -- HTTP plumbing
    async def respond(self, writer, status, body, keep, ctype="text/plain; charset=utf-8", headers=None):
        if not isinstance(body, (bytes, str)):
            body, ctype = jdump(body), "application/json; charset=utf-8"
        body = body.encode() if isinstance(body, str) else body
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Status"
        head = [f"HTTP/1.1 {status} {phrase}", f"Content-Type: {ctype}", f"Content-Length: {len(body)}",
                "Connection: " + ("keep-alive" if keep else "close")]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        try:
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            await writer.drain()
        except (ConnectionError, RuntimeError):
            pass

    async def read_request(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as e:
            if e.partial.strip():
                raise CtlError(400, "truncated request head")
            return None
        except asyncio.LimitOverrunError:
            raise CtlError(431, "request head too large")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise CtlError(400, f"bad request line {lines[0][:100]!r}")
        headers = {}
        for ln in lines[1:]:
            if ln:
                k, sep, v = ln.partition(":")
                if not sep:
                    raise CtlError(400, f"bad header line {ln[:100]!r}")
                headers[k.strip().lower()] = v.strip()
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    break
                if sum(map(len, chunks)) + size > MAX_BODY:
                    raise CtlError(413, "body too large")
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(chunks)
        elif headers.get("content-length"):
            n = int(headers["content-length"])
            if not 0 <= n <= MAX_BODY:
                raise CtlError(413, "body too large")
            body = await reader.readexactly(n)
        return Request(parts[0], parts[1], parts[2], headers, body)

    async def handle_client(self, reader, writer):
        try:
            while True:
                try:
                    req = await self.read_request(reader, writer)
                except (CtlError, ValueError) as e:
                    status = getattr(e, "status", 400)
                    self.error("bad_http", detail=str(e))
                    await self.respond(writer, status, str(e), False)
                    return
                if req is None:
                    return
                keep = req.version == "HTTP/1.1" and req.headers.get("connection", "").lower() != "close"
                if req.path in ("/link", "/link/"):
                    if "upgrade" in req.headers.get("connection", "").lower():
                        return await self.ws_session(req, reader, writer)
                status, headers, body = await self.route(req)
                await self.respond(writer, status, body, keep, headers=headers)
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except Exception:
            self.error("internal", detail=traceback.format_exc())
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def route(self, req):
        p = req.path
        try:
            if p.startswith("/api/"):
                return await self.web_api(req, p[5:])
            if p.startswith("/response/") and req.method == "POST":
                status, text = self.response_url(req, p[10:])
                return status, {}, text
            if p.startswith("/_control/") and p[10:] in self.control:
                b = {}
                if req.body.strip():
                    try:
                        b = json.loads(req.body)
                    except ValueError:
                        raise CtlError(400, "control body is not JSON")
                    if not isinstance(b, dict):
                        raise CtlError(400, "control body must be an object")
                status, obj = await self.control[p[10:]](req, b)
                return status, {}, obj
            if p in ("/link", "/link/"):
                self.error("bad_upgrade", path=p, headers=req.headers)
                return 400, {}, "expected a websocket upgrade"
            self.error("not_found", path=p, method=req.method)
            return 404, {}, "not found"
        except CtlError as e:
            return e.status, {}, {"ok": False, "error": e.error}
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            self.error("bad_request", path=p, detail=repr(e))
            return 400, {}, {"ok": False, "error": "bad_request", "detail": repr(e)}
        except Exception:
            self.error("internal", path=p, detail=traceback.format_exc())
            return 500, {}, {"ok": False, "error": "fake_internal_error"}

    async def run(self):
        loop, stop = asyncio.get_running_loop(), asyncio.Event()
        if self.args.log:
            self.logf = open(self.args.log, "a", encoding="utf-8")
        server = await asyncio.start_server(self.handle_client, "127.0.0.1", self.args.port, limit=1 << 20, backlog=256)
        self.port = server.sockets[0].getsockname()[1]
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.call_later(self.args.max_seconds, stop.set)
        try:
            mode = os.fstat(0).st_mode
        except OSError:
            mode = 0
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            def watch_stdin():
                try:
                    while os.read(0, 65536):
                        pass
                except OSError:
                    pass
                loop.call_soon_threadsafe(stop.set)
            threading.Thread(target=watch_stdin, daemon=True).start()
        print(f"READY {self.port}", flush=True)
        await stop.wait()
        server.close()
        for c in list(self.conns.values()):
            c.abort("shutdown")
        if self.logf:
            self.logf.close()
            self.logf = None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--app-token", default="xapp-test")
    ap.add_argument("--bot-token", default="xoxb-test")
    ap.add_argument("--hello-lifetime", type=int, default=18060, help="approximate_connection_time in hello")
    ap.add_argument("--ping-interval", type=float, default=10.0, help="seconds between server pings (0: none)")
    ap.add_argument("--log", help="append every event to FILE as JSON lines")
    ap.add_argument("--max-seconds", type=float, default=900.0, help="hard stop")
    ap.add_argument("--no-refresh", action="store_true", help="never send warning/refresh_requested at the lifetime")
    args = ap.parse_args(argv)
    try:  # die with the parent (Linux PR_SET_PDEATHSIG)
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except Exception:
        pass
    asyncio.run(Fake(args).run())


if __name__ == "__main__":
    main()
