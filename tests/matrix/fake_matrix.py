#!/usr/bin/env python3
"""A fake Matrix homeserver for interviewd's tests: the Client-Server API subset the
daemon uses plus a control API, on one HTTP/1.1 port on 127.0.0.1 (Python 3.11
standard library only; ThreadingHTTPServer, one thread per connection, so each
held /sync costs a thread).

It imitates what shared/reference/matrix.md sections 1-5 and 8 describe: password
login with a fixed or generated device (a new login on a device revokes that
device's older tokens), Bearer tokens, filters (timeline limit/types/not_types/
senders, state and account_data types, rooms), a long-polling /sync over one global
stream (next_batch "s<pos>", held on a condition variable until something the user
can see happens), sends with per-device txnId deduplication kept in two maps like
Synapse (an in-memory cache that /_fake/restart drops and a "persisted" map it
keeps), rooms, invites, joins, leaves, DMs via createRoom (fake users auto-join),
profiles with m.tz, global account data, /messages gap filling, a per-user token
bucket on sends, and faults armed per path.

    python3 tests/matrix/fake_matrix.py [--port 0] [--server-name hs.test]
        [--bot-user @interviewd:hs.test] [--bot-token syt_test] [--bot-password secret]
        [--timeline-limit 50] [--rate PER_SECOND --burst N] [--log FILE]
        [--max-seconds 900]

prints "READY <port>", serves until SIGTERM/SIGINT, stdin EOF (when stdin is a pipe
or socket) or --max-seconds, then exits 0.  The bot user exists with --bot-token on
device "INTERVIEWD" and with --bot-password.  No other user exists until the control
API creates one.

Client-Server API (/_matrix/client/v3/..., r0 accepted too; token only from the
"Authorization: Bearer" header: none -> 401 M_MISSING_TOKEN, unknown -> 401
M_UNKNOWN_TOKEN; unknown path -> 404 M_UNRECOGNIZED, known path with another
method -> 405 M_UNRECOGNIZED; body not JSON -> 400 M_NOT_JSON, JSON of the wrong
shape -> 400 M_BAD_JSON; bad query parameter -> 400 M_INVALID_PARAM):
  GET versions (no auth)          GET/POST login, POST logout, POST logout/all
  GET account/whoami              POST user/{u}/filter, GET user/{u}/filter/{id}
  GET sync?since&timeout&filter&full_state&set_presence
  PUT rooms/{r}/send/{type}/{txn} (403 not joined, 413 over 65536 bytes, 429 rate)
  GET rooms/{r}/state, GET/PUT rooms/{r}/state/{type}[/{key}]
  POST rooms/{r}/join, join/{idOrAlias}, rooms/{r}/leave, rooms/{r}/invite
  POST createRoom                 GET joined_rooms, rooms/{r}/joined_members
  GET profile/{u}[/{key}]         GET/PUT user/{u}/account_data/{type}
  GET rooms/{r}/messages?dir&from&to&limit&filter
  PUT rooms/{r}/typing/{u}, POST rooms/{r}/receipt/{type}/{event} (accepted, ignored)
Stream tokens are "s<pos>": a token N stands between stream positions N and N+1;
prev_batch is the position just before a timeline's first event, so
/messages?dir=f&from=<since>&to=<prev_batch> returns exactly the gap.

Control API (no auth, JSON in and out, errors {"ok":false,"error"} with 400/404):
  POST /_fake/users     {"@ana:hs.test": {"displayname","avatar_url","m.tz",
                        "auto_join": true|false|"all", "join_delay": s, "password"}
                        | null, ...}   create/update (merge) or delete users.
                        auto_join true (default): join DM invites (is_direct);
                        "all": any invite; false: stay invited.
  POST /_fake/room      {"room_id"?, "name"?, "creator", "members": [joined],
                        "invite": [invited, may be the bot], "is_direct"?, "encrypted"?,
                        "public"?, "alias"?, "topic"?} -> {"room_id"}
  POST /_fake/send      {"room_id","sender","content","type"?="m.room.message",
                        "state_key"?, "encrypt"?} -> {"event_id","ts","t","pos"}; the
                        sender must be joined (400 otherwise); "encrypt": true in an
                        encrypted room stores an opaque m.room.encrypted event instead;
                        "t" is the time.monotonic() at which it was stored.
  POST /_fake/invite    {"room_id","sender","user"?=bot,"is_direct"?} -> {"event_id"}
  POST /_fake/kick      {"room_id","sender","user"?=bot,"reason"?,"ban"?} -> {"event_id"}
  POST /_fake/encrypt   {"room_id","sender"} -> {"event_id"}  (m.room.encryption state)
  POST /_fake/misbehave {"path": regex (searched in the raw and the decoded path),
                        "method"?, "count"?: N (default 1, -1 = until cleared),
                        "action": ...} arms a fault on client requests (rules are tried
                        in the order armed, the first match is used):
      status       {"status": 502, "body"?: text or JSON}   answer that, do nothing
      ratelimit    {"retry_after_ms"?: 1000, "header"?: true} 429 M_LIMIT_EXCEEDED;
                   Retry-After = ceil(ms/1000) s when header is true
      unknown_token {"soft_logout"?: false, "revoke"?: false} 401 M_UNKNOWN_TOKEN; the
                   token only really stops working when revoke is true
      delay        {"seconds"} hold, then answer normally
      hang         {"seconds"?: 60} hold, then close without an answer
      drop_after   do the request (e.g. commit the send), close without an answer
      drop_before  close without doing anything
      garbage      200 with a body that is not valid JSON (the request is not done)
      duplicate    sync only: the timeline also repeats the previous non-empty
                   batch's events (returns at once when there are any)
      limited      sync only: every room with new events gets only its last event,
                   limited:true and prev_batch (arrange the events first)
                        {"clear": true} removes every rule.
  POST /_fake/ratelimit {"per_second": 0.2, "burst": 10} | {"off": true}, optional
                        "user" for a per-user override (per_second <= 0 or off: exempt);
                        buckets restart full.
  POST /_fake/restart   {"all"?: false} drops the in-memory txn cache (the persisted
                        map stays) and closes idle keep-alive connections (all of
                        them, held syncs included, with "all": true).
  GET  /_fake/log?since=N[&method=PUT][&path=regex] -> {"next", "entries": [{"n", "t"
                        (monotonic at arrival), "dt", "method", "path", "query",
                        "status" (null: no answer), "user", "device", "body", "txn",
                        "fault", "dedup"}]}  client requests only, logged when done.
  GET  /_fake/events?room_id=R[&since=POS][&sender=S][&type=T] -> {"next", "events":
                        [client events + "received_t" (monotonic), "pos", "txn_id",
                        "device_id" (sends only)]}
  GET  /_fake/wait?room_id=R&sender=S&count=N&timeout=SECONDS[&since=POS][&type=T]
                        [&msgtype=m.notice][&contains=TEXT] -> 200 {"next","events"}
                        once N match, else 408 with what there is.
  GET  /_fake/state     rooms, users, account data, txn map sizes, tokens, devices,
                        rate limits, syncs in flight, stream position.
  POST /_fake/reset_log clears the request log (numbers keep counting).
"""

import argparse
import base64
import collections
import ctypes
import json
import math
import os
import re
import secrets
import signal
import socket
import stat
import string
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_BODY = 4 << 20
MAX_EVENT = 65536
PDU_OVERHEAD = 400        # hashes, signatures, prev/auth events, depth of the federation form
MAX_LOG = 100000
MAX_HOLD = 300.0          # seconds any one request may be held
STRIPPED_TYPES = ("m.room.create", "m.room.join_rules", "m.room.name", "m.room.avatar",
                  "m.room.canonical_alias", "m.room.encryption", "m.room.topic")
PROFILE_INTERNAL = ("auto_join", "join_delay", "password")
MEGOLM = "m.megolm.v1.aes-sha2"


def jdump(o):
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def now_ms():
    return int(time.time() * 1000)


def rand_id(n=18, alphabet=string.ascii_letters):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def new_event_id():
    return "$" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


class MxError(Exception):
    """A Matrix error answer: {"errcode","error", **extra}."""

    def __init__(self, status, errcode, error, headers=None, **extra):
        super().__init__(error)
        self.status, self.body, self.headers = status, {"errcode": errcode, "error": error, **extra}, headers or {}


class CtlError(Exception):
    def __init__(self, status, error):
        super().__init__(error)
        self.status, self.error = status, error


class Drop(Exception):
    """Close the connection without an answer."""


# ---------------------------------------------------------------- filters

def _glob(patterns, value):
    return any(re.fullmatch(".*".join(map(re.escape, p.split("*"))), value) for p in patterns)


def event_ok(flt, ev):
    """Whether an event passes an EventFilter / RoomEventFilter (types, not_types with
    '*', senders, not_senders); an absent filter lets everything through."""
    if not flt:
        return True
    t, s = ev.get("type", ""), ev.get("sender", "")
    if "not_types" in flt and _glob(flt["not_types"], t):
        return False
    if "types" in flt and not _glob(flt["types"], t):
        return False
    if "not_senders" in flt and s in flt["not_senders"]:
        return False
    if "senders" in flt and s not in flt["senders"]:
        return False
    return True


def check_filter(f):
    """None if F is a usable filter, else what is wrong with it."""
    if not isinstance(f, dict):
        return "a filter must be a JSON object"

    def evf(o, where, room_event=False):
        if o is None:
            return None
        if not isinstance(o, dict):
            return f"{where} must be an object"
        for k in ("types", "not_types", "senders", "not_senders", "rooms", "not_rooms"):
            if k in o and not (isinstance(o[k], list) and all(isinstance(x, str) for x in o[k])):
                return f"{where}.{k} must be a list of strings"
        if "limit" in o and not (isinstance(o["limit"], int) and not isinstance(o["limit"], bool) and o["limit"] > 0):
            return f"{where}.limit must be an integer > 0"
        return None

    for k in ("presence", "account_data"):
        if p := evf(f.get(k), k):
            return p
    room = f.get("room")
    if room is not None:
        if not isinstance(room, dict):
            return "room must be an object"
        if p := evf(room, "room"):
            return p
        for k in ("timeline", "state", "ephemeral", "account_data"):
            if p := evf(room.get(k), "room." + k):
                return p
    return None


# ---------------------------------------------------------------- the server state

class Room:
    def __init__(self, room_id):
        self.id = room_id
        self.events = []       # stored events, in stream order
        self.state = {}        # (type, state_key) -> event
        self.members = {}      # user -> [(pos, membership)]
        self.is_direct = False

    def membership(self, user, at=None):
        hist = self.members.get(user)
        if not hist:
            return None
        if at is None:
            return hist[-1][1]
        m = None
        for pos, mm in hist:
            if pos > at:
                break
            m = mm
        return m

    def joined(self):
        return [u for u, h in self.members.items() if h[-1][1] == "join"]

    def encrypted(self):
        ev = self.state.get(("m.room.encryption", ""))
        return bool(ev and ev["content"].get("algorithm"))


class Ctx:
    """One client request as the endpoint handlers see it."""

    def __init__(self, method, path, query, body, token):
        self.method, self.path, self.query, self.raw, self.token = method, path, query, body, token
        self.user = self.device = None
        self.txn = self.dedup = None
        self.fault = None
        self.parsed = None

    def json(self, allow_empty=False):
        if not self.raw.strip():
            if allow_empty:
                return {}
            raise MxError(400, "M_NOT_JSON", "Content not JSON.")
        try:
            obj = json.loads(self.raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise MxError(400, "M_NOT_JSON", "Content not JSON.")
        if not isinstance(obj, dict):
            raise MxError(400, "M_BAD_JSON", "Content must be a JSON object.")
        self.parsed = obj
        return obj


class Fake:
    def __init__(self, args):
        self.args = args
        self.server_name = args.server_name
        self.bot = args.bot_user or f"@interviewd:{args.server_name}"
        self.cond = threading.Condition(threading.RLock())
        self.stopping = threading.Event()
        self.pos = 0
        self.rooms, self.aliases = {}, {}
        self.users = {self.bot: {"displayname": "interviewd"}}
        self.passwords = {self.bot: args.bot_password}
        self.tokens = {args.bot_token: (self.bot, "INTERVIEWD")}
        self.devices = {(self.bot, "INTERVIEWD"): {"created": time.time()}}
        self.filters = {}                  # user -> {filter_id: filter}
        self.account_data = {}             # user -> {type: (pos, content)}
        self.txn_cache, self.txn_persisted = {}, {}
        self.last_batch = {}               # (user, device) -> (since, next) of the last non-empty sync
        self.faults = []
        self.rate = None if args.rate is None else {"per_second": args.rate, "burst": args.burst}
        self.rate_users, self.buckets = {}, {}
        self.log = collections.deque(maxlen=MAX_LOG)
        self.log_n = 0
        self.logf = None
        self.syncs_in_flight = 0
        self.handlers = set()
        self.port = None
        self.routes = self.make_routes()
        self.control = {("POST", "users"): self.ctl_users, ("POST", "room"): self.ctl_room,
                        ("POST", "send"): self.ctl_send, ("POST", "invite"): self.ctl_invite,
                        ("POST", "kick"): self.ctl_kick, ("POST", "encrypt"): self.ctl_encrypt,
                        ("POST", "misbehave"): self.ctl_misbehave, ("POST", "ratelimit"): self.ctl_ratelimit,
                        ("POST", "restart"): self.ctl_restart, ("GET", "log"): self.ctl_log,
                        ("GET", "events"): self.ctl_events, ("GET", "wait"): self.ctl_wait,
                        ("GET", "state"): self.ctl_state, ("POST", "reset_log"): self.ctl_reset_log}

    # -- ids and users
    def mxid(self, user):
        """A full MXID from a localpart or an MXID."""
        return user if user.startswith("@") else f"@{user}:{self.server_name}"

    def local(self, user):
        return user.endswith(":" + self.server_name)

    def displayname(self, user):
        return (self.users.get(user) or {}).get("displayname")

    # -- the stream
    def add_event(self, room, etype, sender, content, state_key=None, txn=None):
        """Store one event at the next stream position and wake every waiter."""
        with self.cond:
            self.pos += 1
            ev = {"type": etype, "sender": sender, "content": content, "event_id": new_event_id(),
                  "origin_server_ts": now_ms(), "room_id": room.id,
                  "_pos": self.pos, "_t": time.monotonic(), "_txn": txn}
            if state_key is not None:
                ev["state_key"] = state_key
                room.state[(etype, state_key)] = ev
                if etype == "m.room.member":
                    room.members.setdefault(state_key, []).append((self.pos, content.get("membership")))
            room.events.append(ev)
            self.cond.notify_all()
            return ev

    @staticmethod
    def render(ev, user=None, device=None, room_id=True):
        """The client form of a stored event; unsigned.transaction_id only for the
        device that sent it."""
        out = {k: v for k, v in ev.items() if not k.startswith("_") and (room_id or k != "room_id")}
        unsigned = {"age": max(0, now_ms() - ev["origin_server_ts"])}
        if ev["_txn"] and user is not None and ev["_txn"][:2] == (user, device):
            unsigned["transaction_id"] = ev["_txn"][2]
        out["unsigned"] = unsigned
        return out

    @staticmethod
    def stripped(ev):
        return {"type": ev["type"], "state_key": ev["state_key"], "sender": ev["sender"], "content": ev["content"]}

    def room(self, room_id, ctl=False):
        r = self.rooms.get(room_id)
        if r is None:
            if ctl:
                raise CtlError(404, f"no room {room_id}")
            raise MxError(404, "M_NOT_FOUND", f"Unknown room {room_id}")
        return r

    # -- membership changes
    def member_content(self, user, membership, is_direct=False, reason=None):
        c = {"membership": membership}
        if membership in ("join", "invite"):
            if dn := self.displayname(user):
                c["displayname"] = dn
            if av := (self.users.get(user) or {}).get("avatar_url"):
                c["avatar_url"] = av
        if is_direct:
            c["is_direct"] = True
        if reason:
            c["reason"] = reason
        return c

    def do_join(self, room, user):
        m = room.membership(user)
        if m == "join":
            return None
        if m == "ban":
            raise MxError(403, "M_FORBIDDEN", "You are banned from this room")
        rule = room.state.get(("m.room.join_rules", ""))
        public = rule is not None and rule["content"].get("join_rule") == "public"
        if m != "invite" and not public:
            raise MxError(403, "M_FORBIDDEN", "You are not invited to this room.")
        return self.add_event(room, "m.room.member", user, self.member_content(user, "join"), user)

    def do_invite(self, room, sender, user, is_direct=False):
        if room.membership(sender) != "join":
            raise MxError(403, "M_FORBIDDEN", f"{sender} is not in room {room.id}")
        m = room.membership(user)
        if m == "join":
            raise MxError(403, "M_FORBIDDEN", f"{user} is already in the room.")
        if m == "ban":
            raise MxError(403, "M_FORBIDDEN", f"{user} is banned from the room")
        if self.local(user) and user not in self.users:
            raise MxError(404, "M_NOT_FOUND", f"Unknown user {user}")
        ev = self.add_event(room, "m.room.member", sender, self.member_content(user, "invite", is_direct), user)
        self.maybe_auto_join(room, user, is_direct or room.is_direct)
        return ev

    def maybe_auto_join(self, room, user, direct):
        info = self.users.get(user)
        if user == self.bot or info is None:
            return
        aj = info.get("auto_join", True)
        if not (aj == "all" or (aj is True and direct)):
            return

        def join():
            with self.cond:
                if room.membership(user) == "invite":
                    self.add_event(room, "m.room.member", user, self.member_content(user, "join"), user)
        delay = float(info.get("join_delay") or 0)
        if delay > 0:
            t = threading.Timer(delay, join)
            t.daemon = True
            t.start()
        else:
            join()

    def do_leave(self, room, user, sender=None, reason=None, ban=False):
        return self.add_event(room, "m.room.member", sender or user,
                              self.member_content(user, "ban" if ban else "leave", reason=reason), user)

    def create_room(self, creator, room_id=None, name=None, topic=None, preset="private_chat", is_direct=False,
                    invite=(), members=(), initial_state=(), encrypted=False, alias=None):
        with self.cond:
            room_id = room_id or f"!{rand_id()}:{self.server_name}"
            if room_id in self.rooms:
                raise MxError(400, "M_ROOM_IN_USE", f"Room {room_id} already exists")
            if alias:
                alias = alias if alias.startswith("#") else f"#{alias}:{self.server_name}"
                if alias in self.aliases:
                    raise MxError(400, "M_ROOM_IN_USE", "Room alias already taken")
            room = Room(room_id)
            room.is_direct = bool(is_direct)
            self.rooms[room_id] = room
            self.add_event(room, "m.room.create", creator, {"creator": creator, "room_version": "10"}, "")
            self.add_event(room, "m.room.member", creator, self.member_content(creator, "join"), creator)
            users = {creator: 100}
            if preset == "trusted_private_chat":
                users.update({u: 100 for u in invite})
            self.add_event(room, "m.room.power_levels", creator,
                           {"users": users, "users_default": 0, "events_default": 0, "state_default": 50,
                            "ban": 50, "kick": 50, "redact": 50, "invite": 0}, "")
            self.add_event(room, "m.room.join_rules", creator,
                           {"join_rule": "public" if preset == "public_chat" else "invite"}, "")
            self.add_event(room, "m.room.history_visibility", creator, {"history_visibility": "shared"}, "")
            if alias:
                self.aliases[alias] = room_id
                self.add_event(room, "m.room.canonical_alias", creator, {"alias": alias}, "")
            if name is not None:
                self.add_event(room, "m.room.name", creator, {"name": name}, "")
            if topic is not None:
                self.add_event(room, "m.room.topic", creator, {"topic": topic}, "")
            for st in initial_state:
                self.add_event(room, st["type"], creator, st["content"], st.get("state_key", ""))
            if encrypted and not room.encrypted():
                self.add_event(room, "m.room.encryption", creator, {"algorithm": MEGOLM}, "")
            for u in members:
                if room.membership(u) != "join":
                    self.add_event(room, "m.room.member", u, self.member_content(u, "join"), u)
            for u in invite:
                if room.membership(u) is None:
                    self.do_invite(room, creator, u, is_direct)
            return room

    # -- rate limiting (token bucket per user)
    def take_token(self, user):
        """None if USER may send now, else the milliseconds to wait."""
        cfg = self.rate_users.get(user, self.rate)
        if not cfg or cfg.get("off") or cfg["per_second"] <= 0:
            return None
        rate, burst = float(cfg["per_second"]), float(cfg["burst"])
        now = time.monotonic()
        b = self.buckets.get(user)
        if b is None:
            b = self.buckets[user] = {"tokens": burst, "t": now}
        b["tokens"] = min(burst, b["tokens"] + (now - b["t"]) * rate)
        b["t"] = now
        if b["tokens"] >= 1:
            b["tokens"] -= 1
            return None
        return max(1, math.ceil((1 - b["tokens"]) / rate * 1000))

    # -- faults
    def take_fault(self, method, raw_path, path):
        is_sync = bool(re.search(r"/sync$", path))
        with self.cond:
            for rule in self.faults:
                if rule.get("method") and rule["method"].upper() != method:
                    continue
                if not (re.search(rule["path"], raw_path) or re.search(rule["path"], path)):
                    continue
                if rule["action"] in ("duplicate", "limited") and not is_sync:
                    continue
                if rule["count"] > 0:
                    rule["count"] -= 1
                    if rule["count"] == 0:
                        self.faults.remove(rule)
                return dict(rule)
        return None

    # -- request log
    def record(self, entry):
        with self.cond:
            self.log_n += 1
            entry["n"] = self.log_n
            self.log.append(entry)
            if self.logf:
                try:
                    self.logf.write(jdump(entry) + "\n")
                    self.logf.flush()
                except (OSError, ValueError):
                    pass

    # ------------------------------------------------------------ the Client-Server API
    def make_routes(self):
        v = r"/_matrix/client/(?:v3|r0)/"
        seg = r"([^/]+)"
        table = [
            ("GET", r"/_matrix/client/versions", self.versions, False),
            ("GET", v + "login", self.login_flows, False),
            ("POST", v + "login", self.login, False),
            ("POST", v + "logout", self.logout, True),
            ("POST", v + "logout/all", self.logout_all, True),
            ("GET", v + "account/whoami", self.whoami, True),
            ("POST", v + f"user/{seg}/filter", self.filter_post, True),
            ("GET", v + f"user/{seg}/filter/{seg}", self.filter_get, True),
            ("GET", v + "sync", self.sync, True),
            ("PUT", v + f"rooms/{seg}/send/{seg}/{seg}", self.send, True),
            ("GET", v + f"rooms/{seg}/state", self.state_all, True),
            ("GET", v + f"rooms/{seg}/state/{seg}(?:/([^/]*))?", self.state_get, True),
            ("PUT", v + f"rooms/{seg}/state/{seg}(?:/([^/]*))?", self.state_put, True),
            ("POST", v + f"rooms/{seg}/join", self.join_room, True),
            ("POST", v + f"join/{seg}", self.join_any, True),
            ("POST", v + f"rooms/{seg}/leave", self.leave, True),
            ("POST", v + f"rooms/{seg}/invite", self.invite, True),
            ("POST", v + "createRoom", self.create_room_api, True),
            ("GET", v + "joined_rooms", self.joined_rooms, True),
            ("GET", v + f"rooms/{seg}/joined_members", self.joined_members, True),
            ("GET", v + f"profile/{seg}", self.profile, False),
            ("GET", v + f"profile/{seg}/{seg}", self.profile_key, False),
            ("GET", v + f"user/{seg}/account_data/{seg}", self.account_data_get, True),
            ("PUT", v + f"user/{seg}/account_data/{seg}", self.account_data_put, True),
            ("GET", v + f"rooms/{seg}/messages", self.messages, True),
            ("PUT", v + f"rooms/{seg}/typing/{seg}", self.ignored, True),
            ("POST", v + f"rooms/{seg}/receipt/{seg}/{seg}", self.ignored, True),
        ]
        return [(m, re.compile(p), fn, auth) for m, p, fn, auth in table]

    def route(self, method, raw_path):
        """(handler, decoded params, needs auth) or an MxError 404/405."""
        matched = False
        for m, rx, fn, auth in self.routes:
            mo = rx.fullmatch(raw_path)
            if mo:
                matched = True
                if m == method:
                    return fn, [unquote(g) if g is not None else None for g in mo.groups()], auth
        if matched:
            raise MxError(405, "M_UNRECOGNIZED", "Unrecognized request")
        raise MxError(404, "M_UNRECOGNIZED", "Unrecognized request")

    def authenticate(self, ctx):
        if ctx.token is None:
            raise MxError(401, "M_MISSING_TOKEN", "Missing access token.")
        with self.cond:
            who = self.tokens.get(ctx.token)
        if who is None:
            raise MxError(401, "M_UNKNOWN_TOKEN", "Unknown access token.", soft_logout=False)
        ctx.user, ctx.device = who

    # -- auth endpoints
    def versions(self, ctx):
        return 200, {"versions": ["v1.11", "v1.12"], "unstable_features": {}}

    def login_flows(self, ctx):
        return 200, {"flows": [{"type": "m.login.password"}]}

    def login(self, ctx):
        b = ctx.json()
        if b.get("type") != "m.login.password":
            raise MxError(400, "M_UNKNOWN", "Unknown login type %r" % b.get("type"))
        ident = b.get("identifier")
        if ident is not None:
            if not isinstance(ident, dict) or ident.get("type") != "m.id.user":
                raise MxError(400, "M_UNKNOWN", "Unknown identifier type")
            name = ident.get("user")
        else:
            name = b.get("user")
        if not isinstance(name, str) or not name or not isinstance(b.get("password"), str):
            raise MxError(400, "M_BAD_JSON", "user and password must be strings")
        dev = b.get("device_id")
        if dev is not None and (not isinstance(dev, str) or not dev):
            raise MxError(400, "M_BAD_JSON", "device_id must be a string")
        user = self.mxid(name)
        with self.cond:
            if user not in self.users or self.passwords.get(user) is None or self.passwords[user] != b["password"]:
                raise MxError(403, "M_FORBIDDEN", "Invalid username or password")
            dev = dev or ("FAKE" + rand_id(8, string.ascii_uppercase))
            for t in [t for t, w in self.tokens.items() if w == (user, dev)]:
                del self.tokens[t]
            token = "syt_%s_%s" % (base64.urlsafe_b64encode(user[1:].split(":")[0].encode()).decode().rstrip("="),
                                   secrets.token_urlsafe(18))
            self.tokens[token] = (user, dev)
            self.devices.setdefault((user, dev), {"created": time.time()})
            if isinstance(b.get("initial_device_display_name"), str):
                self.devices[(user, dev)]["display_name"] = b["initial_device_display_name"]
        ctx.user, ctx.device = user, dev
        return 200, {"user_id": user, "access_token": token, "device_id": dev, "home_server": self.server_name}

    def drop_device(self, user, dev):
        for t in [t for t, w in self.tokens.items() if w == (user, dev)]:
            del self.tokens[t]
        self.devices.pop((user, dev), None)
        for m in (self.txn_cache, self.txn_persisted):
            for k in [k for k in m if k[0] == user and k[1] == dev]:
                del m[k]

    def logout(self, ctx):
        with self.cond:
            self.drop_device(ctx.user, ctx.device)
        return 200, {}

    def logout_all(self, ctx):
        with self.cond:
            for user, dev in [w for w in self.devices if w[0] == ctx.user]:
                self.drop_device(user, dev)
            for t in [t for t, w in self.tokens.items() if w[0] == ctx.user]:
                del self.tokens[t]
        return 200, {}

    def whoami(self, ctx):
        return 200, {"user_id": ctx.user, "device_id": ctx.device, "is_guest": False}

    # -- filters
    def filter_post(self, ctx, user):
        if user != ctx.user:
            raise MxError(403, "M_FORBIDDEN", "Cannot create filters for other users")
        f = ctx.json()
        if p := check_filter(f):
            raise MxError(400, "M_BAD_JSON", p)
        with self.cond:
            mine = self.filters.setdefault(user, {})
            fid = str(len(mine))
            mine[fid] = f
        return 200, {"filter_id": fid}

    def filter_get(self, ctx, user, fid):
        if user != ctx.user:
            raise MxError(403, "M_FORBIDDEN", "Cannot get filters for other users")
        f = self.filters.get(user, {}).get(fid)
        if f is None:
            raise MxError(404, "M_NOT_FOUND", "No such filter")
        return 200, f

    def sync_filter(self, ctx):
        raw = ctx.query.get("filter")
        if raw is None or raw == "":
            return {}
        if raw.lstrip().startswith("{"):
            try:
                f = json.loads(raw)
            except ValueError:
                raise MxError(400, "M_NOT_JSON", "Invalid filter JSON")
            if p := check_filter(f):
                raise MxError(400, "M_BAD_JSON", p)
            return f
        if not raw.isdigit():
            raise MxError(400, "M_INVALID_PARAM", "Invalid filter ID")
        f = self.filters.get(ctx.user, {}).get(raw)
        if f is None:
            raise MxError(404, "M_NOT_FOUND", "No such filter")
        return f

    # -- sync
    def parse_token(self, tok, name="since"):
        mo = re.fullmatch(r"s(\d+)", tok or "")
        if not mo or int(mo.group(1)) > self.pos:
            raise MxError(400, "M_INVALID_PARAM", f"Invalid {name} token {tok!r}")
        return int(mo.group(1))

    def sync(self, ctx):
        q = ctx.query
        try:
            timeout = int(q.get("timeout", "0"))
            if timeout < 0:
                raise ValueError
        except ValueError:
            raise MxError(400, "M_INVALID_PARAM", "timeout must be a non-negative integer")
        if q.get("full_state", "false") not in ("true", "false"):
            raise MxError(400, "M_INVALID_PARAM", "full_state must be true or false")
        if q.get("set_presence", "online") not in ("online", "offline", "unavailable"):
            raise MxError(400, "M_INVALID_PARAM", "set_presence must be online, offline or unavailable")
        full_state = q.get("full_state") == "true"
        flt = self.sync_filter(ctx)
        with self.cond:
            since = None if "since" not in q else self.parse_token(q["since"])
        fault = ctx.fault["action"] if ctx.fault else None
        tl_since = None
        if fault == "duplicate" and since is not None:
            prev = self.last_batch.get((ctx.user, ctx.device))
            tl_since = prev[0] if prev and prev[0] is not None and prev[0] < since else 0
        deadline = time.monotonic() + min(timeout / 1000.0, MAX_HOLD)
        with self.cond:
            self.syncs_in_flight += 1
            try:
                while True:
                    body, nonempty = self.build_sync(ctx.user, ctx.device, since, flt, full_state, tl_since,
                                                     fault == "limited")
                    left = deadline - time.monotonic()
                    if nonempty or since is None or full_state or left <= 0 or self.stopping.is_set():
                        break
                    self.cond.wait(left)
                if nonempty:
                    self.last_batch[(ctx.user, ctx.device)] = (since, int(body["next_batch"][1:]))
            finally:
                self.syncs_in_flight -= 1
        return 200, body

    def timeline(self, evs, limit, user, device, force_limited=False):
        """{"events","limited","prev_batch"} of the last LIMIT of EVS (stored events)."""
        limited = len(evs) > limit
        evs = evs[-limit:]
        if force_limited and evs:
            evs, limited = evs[-1:], True
        tl = {"events": [self.render(e, user, device, room_id=False) for e in evs], "limited": limited}
        if evs:
            tl["prev_batch"] = "s%d" % (evs[0]["_pos"] - 1)
        return tl, evs

    def build_sync(self, user, device, since, flt, full_state, tl_since=None, force_limited=False):
        """The /sync answer for USER from SINCE (None: initial) and whether it has anything."""
        rf = flt.get("room") or {}
        tlf, stf = rf.get("timeline") or {}, rf.get("state") or {}
        limit = tlf.get("limit") or self.args.timeline_limit
        join, invite, leave = {}, {}, {}
        for room in self.rooms.values():
            if "rooms" in rf and room.id not in rf["rooms"]:
                continue
            if "not_rooms" in rf and room.id in rf["not_rooms"]:
                continue
            hist = room.members.get(user)
            if not hist:
                continue
            m_pos, m_now = hist[-1]
            m_before = None if since is None else room.membership(user, since)
            if m_now == "join":
                lo = since if tl_since is None else tl_since
                newly = since is None or m_before != "join"
                evs = [e for e in room.events if (lo is None or e["_pos"] > lo) and event_ok(tlf, e)]
                if not evs and not newly and not full_state:
                    continue
                tl, shown = self.timeline(evs, limit, user, device, force_limited)
                first = shown[0]["_pos"] if shown else self.pos + 1
                ids = {e["event_id"] for e in shown}
                if newly or full_state:
                    st = [e for e in room.state.values() if e["event_id"] not in ids]
                elif tl["limited"]:  # state that changed in the gap
                    st = [e for e in room.state.values() if since < e["_pos"] < first]
                else:
                    st = []
                st = sorted((e for e in st if event_ok(stf, e)), key=lambda e: e["_pos"])
                join[room.id] = {"timeline": tl, "state": {"events": [self.render(e, user, device, False) for e in st]},
                                 "account_data": {"events": []}, "ephemeral": {"events": []},
                                 "unread_notifications": {"highlight_count": 0, "notification_count": 0},
                                 "summary": {}}
            elif m_now == "invite":
                if since is not None and m_pos <= since:
                    continue
                inv = [self.stripped(room.state[k]) for k in room.state
                       if k[0] in STRIPPED_TYPES]
                inviter = room.state[("m.room.member", user)]["sender"]
                for who in (inviter, user):
                    if ("m.room.member", who) in room.state:
                        inv.append(self.stripped(room.state[("m.room.member", who)]))
                invite[room.id] = {"invite_state": {"events": inv}}
            elif m_now in ("leave", "ban"):
                if since is None or m_pos <= since:
                    continue
                was_in = m_before in ("join", "invite") or any(p > since and mm in ("join", "invite") for p, mm in hist)
                if not was_in:
                    continue
                evs = [e for e in room.events if since < e["_pos"] <= m_pos and event_ok(tlf, e)]
                if room.membership(user, since) != "join" and not any(p > since and mm == "join" for p, mm in hist):
                    evs = [e for e in evs if e["_pos"] == m_pos]  # a withdrawn invite: only the leave
                tl, _ = self.timeline(evs, limit, user, device)
                leave[room.id] = {"timeline": tl, "state": {"events": []}, "account_data": {"events": []}}
        adf = flt.get("account_data") or {}
        ad = [{"type": t, "content": c} for t, (p, c) in sorted(self.account_data.get(user, {}).items(), key=lambda x: x[1][0])
              if (since is None or p > since) and event_ok(adf, {"type": t})]
        body = {"next_batch": "s%d" % self.pos}
        rooms = {k: v for k, v in (("join", join), ("invite", invite), ("leave", leave)) if v}
        if rooms:
            body["rooms"] = rooms
        if ad:
            body["account_data"] = {"events": ad}
        return body, bool(rooms or ad)

    # -- sending
    def send(self, ctx, room_id, etype, txn):
        key = (ctx.user, ctx.device, room_id, etype, txn)
        ctx.txn = txn
        with self.cond:
            eid = self.txn_cache.get(key)
            if eid is not None:
                ctx.dedup = "cache"
                return 200, {"event_id": eid}
            eid = self.txn_persisted.get(key)
            if eid is not None:
                ctx.dedup = "persisted"
                self.txn_cache[key] = eid
                return 200, {"event_id": eid}
        content = ctx.json()
        with self.cond:
            room = self.rooms.get(room_id)
            if room is None or room.membership(ctx.user) != "join":
                raise MxError(403, "M_FORBIDDEN", f"User {ctx.user} not in room {room_id}")
            wait = self.take_token(ctx.user)
            if wait is not None:
                raise MxError(429, "M_LIMIT_EXCEEDED", "Too Many Requests", retry_after_ms=wait,
                              headers={"Retry-After": str(math.ceil(wait / 1000))})
            size = len(jdump({"type": etype, "room_id": room_id, "sender": ctx.user, "content": content,
                              "origin_server_ts": now_ms(), "event_id": new_event_id()}).encode()) + PDU_OVERHEAD
            if size > MAX_EVENT:
                raise MxError(413, "M_TOO_LARGE", f"Event too large: {size} > {MAX_EVENT} bytes")
            ev = self.add_event(room, etype, ctx.user, content, txn=(ctx.user, ctx.device, txn))
            self.txn_cache[key] = self.txn_persisted[key] = ev["event_id"]
        return 200, {"event_id": ev["event_id"]}

    # -- state
    def visible_room(self, ctx, room_id):
        room = self.room(room_id)
        if room.membership(ctx.user) != "join":
            raise MxError(403, "M_FORBIDDEN", f"User {ctx.user} not in room {room_id}")
        return room

    def state_all(self, ctx, room_id):
        with self.cond:
            room = self.visible_room(ctx, room_id)
            return 200, [self.render(e) for e in sorted(room.state.values(), key=lambda e: e["_pos"])]

    def state_get(self, ctx, room_id, etype, key):
        with self.cond:
            room = self.visible_room(ctx, room_id)
            ev = room.state.get((etype, key or ""))
            if ev is None:
                raise MxError(404, "M_NOT_FOUND", "Event not found.")
            return 200, ev["content"]

    def state_put(self, ctx, room_id, etype, key):
        content = ctx.json()
        if etype == "m.room.member":
            raise MxError(400, "M_BAD_JSON", "use join/leave/invite for membership (fake)")
        with self.cond:
            room = self.visible_room(ctx, room_id)
            ev = self.add_event(room, etype, ctx.user, content, key or "")
        return 200, {"event_id": ev["event_id"]}

    # -- membership
    def join_room(self, ctx, room_id):
        ctx.json(allow_empty=True)
        with self.cond:
            self.do_join(self.room(room_id), ctx.user)
        return 200, {"room_id": room_id}

    def join_any(self, ctx, target):
        if target.startswith("#"):
            room_id = self.aliases.get(target)
            if room_id is None:
                raise MxError(404, "M_NOT_FOUND", f"Room alias {target} not found")
        else:
            room_id = target
        return self.join_room(ctx, room_id)

    def leave(self, ctx, room_id):
        b = ctx.json(allow_empty=True)
        with self.cond:
            room = self.room(room_id)
            m = room.membership(ctx.user)
            if m is None:
                raise MxError(403, "M_FORBIDDEN", f"User {ctx.user} not in room {room_id}")
            if m in ("join", "invite"):
                self.do_leave(room, ctx.user, reason=b.get("reason") if isinstance(b.get("reason"), str) else None)
        return 200, {}

    def invite(self, ctx, room_id):
        b = ctx.json()
        user = b.get("user_id")
        if not isinstance(user, str) or not re.fullmatch(r"@[^:]+:.+", user):
            raise MxError(400, "M_BAD_JSON", "user_id must be a user ID")
        with self.cond:
            room = self.room(room_id)
            self.do_invite(room, ctx.user, user, bool(b.get("is_direct")))
        return 200, {}

    def create_room_api(self, ctx):
        b = ctx.json()
        preset = b.get("preset", "public_chat" if b.get("visibility") == "public" else "private_chat")
        if preset not in ("private_chat", "trusted_private_chat", "public_chat"):
            raise MxError(400, "M_INVALID_PARAM", f"Unknown preset {preset!r}")
        inv = b.get("invite", [])
        if not isinstance(inv, list) or not all(isinstance(u, str) and re.fullmatch(r"@[^:]+:.+", u) for u in inv):
            raise MxError(400, "M_BAD_JSON", "invite must be a list of user IDs")
        st = b.get("initial_state", [])
        if not isinstance(st, list) or not all(isinstance(e, dict) and isinstance(e.get("type"), str)
                                               and isinstance(e.get("content"), dict)
                                               and isinstance(e.get("state_key", ""), str) for e in st):
            raise MxError(400, "M_BAD_JSON", "initial_state must be a list of {type, state_key, content}")
        for k in ("name", "topic", "room_alias_name"):
            if k in b and not isinstance(b[k], str):
                raise MxError(400, "M_BAD_JSON", f"{k} must be a string")
        with self.cond:
            for u in inv:
                if self.local(u) and u not in self.users:
                    raise MxError(404, "M_NOT_FOUND", f"Unknown user {u}")
            room = self.create_room(ctx.user, name=b.get("name"), topic=b.get("topic"), preset=preset,
                                    is_direct=bool(b.get("is_direct")), invite=inv, initial_state=st,
                                    alias=b.get("room_alias_name"))
        return 200, {"room_id": room.id}

    # -- read-only views
    def joined_rooms(self, ctx):
        with self.cond:
            return 200, {"joined_rooms": [r.id for r in self.rooms.values() if r.membership(ctx.user) == "join"]}

    def joined_members(self, ctx, room_id):
        with self.cond:
            room = self.visible_room(ctx, room_id)
            out = {}
            for u in room.joined():
                c = room.state[("m.room.member", u)]["content"]
                out[u] = {"display_name": c.get("displayname"), "avatar_url": c.get("avatar_url")}
            return 200, {"joined": out}

    def profile_of(self, user):
        info = self.users.get(user)
        if info is None:
            raise MxError(404, "M_NOT_FOUND", "Profile was not found")
        return {k: v for k, v in info.items() if k not in PROFILE_INTERNAL and v is not None}

    def profile(self, ctx, user):
        with self.cond:
            return 200, self.profile_of(user)

    def profile_key(self, ctx, user, key):
        with self.cond:
            p = self.profile_of(user)
        if key not in p:
            raise MxError(404, "M_NOT_FOUND", f"The requested profile key {key} does not exist.")
        return 200, {key: p[key]}

    def account_data_get(self, ctx, user, etype):
        if user != ctx.user:
            raise MxError(403, "M_FORBIDDEN", "Cannot get account data for other users.")
        with self.cond:
            got = self.account_data.get(user, {}).get(etype)
        if got is None:
            raise MxError(404, "M_NOT_FOUND", "Account data not found")
        return 200, got[1]

    def account_data_put(self, ctx, user, etype):
        if user != ctx.user:
            raise MxError(403, "M_FORBIDDEN", "Cannot add account data for other users.")
        content = ctx.json()
        with self.cond:
            self.pos += 1
            self.account_data.setdefault(user, {})[etype] = (self.pos, content)
            self.cond.notify_all()
        return 200, {}

    def messages(self, ctx, room_id):
        q = ctx.query
        d = q.get("dir")
        if d is None:
            raise MxError(400, "M_MISSING_PARAM", "Missing dir parameter")
        if d not in ("f", "b"):
            raise MxError(400, "M_INVALID_PARAM", "dir must be f or b")
        try:
            limit = int(q.get("limit", "10"))
            if limit < 0:
                raise ValueError
        except ValueError:
            raise MxError(400, "M_INVALID_PARAM", "limit must be a non-negative integer")
        limit = min(limit, 1000)
        flt = {}
        if q.get("filter"):
            try:
                flt = json.loads(q["filter"])
            except ValueError:
                raise MxError(400, "M_NOT_JSON", "Invalid filter JSON")
            if not isinstance(flt, dict):
                raise MxError(400, "M_BAD_JSON", "filter must be an object")
        with self.cond:
            room = self.room(room_id)
            hist = room.members.get(ctx.user) or []
            if not any(m == "join" for _, m in hist):
                raise MxError(403, "M_FORBIDDEN", f"User {ctx.user} not in room {room_id}")
            upto = self.pos if hist[-1][1] == "join" else hist[-1][0]
            frm = self.parse_token(q["from"], "from") if q.get("from") else (0 if d == "f" else self.pos)
            to = self.parse_token(q["to"], "to") if q.get("to") else None
            if d == "f":
                hi = min(upto, to if to is not None else upto)
                cand = [e for e in room.events if frm < e["_pos"] <= hi and event_ok(flt, e)]
                chunk, more = cand[:limit], len(cand) > limit
                end = "s%d" % chunk[-1]["_pos"] if chunk else None
            else:
                lo = to if to is not None else 0
                cand = [e for e in reversed(room.events) if lo < e["_pos"] <= min(frm, upto) and event_ok(flt, e)]
                chunk, more = cand[:limit], len(cand) > limit
                end = "s%d" % (chunk[-1]["_pos"] - 1) if chunk else None
            body = {"start": "s%d" % frm, "chunk": [self.render(e, ctx.user, ctx.device) for e in chunk], "state": []}
            if more and end:
                body["end"] = end
            return 200, body

    def ignored(self, ctx, *params):
        ctx.json(allow_empty=True)
        return 200, {}

    # ------------------------------------------------------------ control API
    @staticmethod
    def need(b, key, kind=str):
        v = b.get(key)
        if not isinstance(v, kind):
            raise CtlError(400, f"{key} is required ({kind.__name__})")
        return v

    def ctl_joined(self, room, sender):
        if room.membership(sender) != "join":
            raise CtlError(400, f"{sender} is not joined to {room.id} (membership {room.membership(sender)})")

    def ctl_users(self, q, b):
        with self.cond:
            for user, info in b.items():
                if not user.startswith("@") or ":" not in user:
                    raise CtlError(400, f"{user!r} is not a user ID")
                if info is None:
                    self.users.pop(user, None)
                    self.passwords.pop(user, None)
                    continue
                if not isinstance(info, dict):
                    raise CtlError(400, f"the profile of {user} must be an object or null")
                rec = self.users.setdefault(user, {})
                for k, v in info.items():
                    if k == "password":
                        self.passwords[user] = v
                    elif v is None:
                        rec.pop(k, None)
                    else:
                        rec[k] = v
            return 200, {"ok": True, "users": sorted(self.users)}

    def ctl_room(self, q, b):
        creator = self.need(b, "creator")
        members, inv = b.get("members", []), b.get("invite", [])
        if not isinstance(members, list) or not isinstance(inv, list):
            raise CtlError(400, "members and invite must be lists")
        with self.cond:
            for u in [creator] + members + inv:
                if self.local(u) and u not in self.users:
                    raise CtlError(400, f"unknown user {u} (POST /_fake/users first)")
            try:
                room = self.create_room(creator, room_id=b.get("room_id"), name=b.get("name"), topic=b.get("topic"),
                                        preset="public_chat" if b.get("public") else "private_chat",
                                        is_direct=bool(b.get("is_direct")), invite=inv, members=members,
                                        encrypted=bool(b.get("encrypted")), alias=b.get("alias"))
            except MxError as e:
                raise CtlError(400, e.body["error"])
            return 200, {"ok": True, "room_id": room.id}

    def ctl_send(self, q, b):
        sender = self.need(b, "sender")
        content = self.need(b, "content", dict)
        etype = b.get("type", "m.room.message")
        with self.cond:
            room = self.room(self.need(b, "room_id"), ctl=True)
            self.ctl_joined(room, sender)
            if b.get("encrypt"):
                if not room.encrypted():
                    raise CtlError(400, f"{room.id} is not encrypted")
                content = {"algorithm": MEGOLM,
                           "ciphertext": base64.b64encode(secrets.token_bytes(96 + len(jdump(content)))).decode().rstrip("="),
                           "session_id": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
                           "sender_key": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
                           "device_id": "FAKEDEVICE"}
                etype = "m.room.encrypted"
            ev = self.add_event(room, etype, sender, content, b.get("state_key"))
            return 200, {"ok": True, "event_id": ev["event_id"], "ts": ev["origin_server_ts"], "t": ev["_t"],
                         "pos": ev["_pos"]}

    def ctl_invite(self, q, b):
        sender, user = self.need(b, "sender"), b.get("user", self.bot)
        with self.cond:
            room = self.room(self.need(b, "room_id"), ctl=True)
            self.ctl_joined(room, sender)
            try:
                ev = self.do_invite(room, sender, user, bool(b.get("is_direct")))
            except MxError as e:
                raise CtlError(400, e.body["error"])
            return 200, {"ok": True, "event_id": ev["event_id"]}

    def ctl_kick(self, q, b):
        sender, user = self.need(b, "sender"), b.get("user", self.bot)
        with self.cond:
            room = self.room(self.need(b, "room_id"), ctl=True)
            self.ctl_joined(room, sender)
            if room.membership(user) not in ("join", "invite") and not b.get("ban"):
                raise CtlError(400, f"{user} is neither joined nor invited")
            ev = self.do_leave(room, user, sender, b.get("reason"), bool(b.get("ban")))
            return 200, {"ok": True, "event_id": ev["event_id"]}

    def ctl_encrypt(self, q, b):
        sender = self.need(b, "sender")
        with self.cond:
            room = self.room(self.need(b, "room_id"), ctl=True)
            self.ctl_joined(room, sender)
            ev = self.add_event(room, "m.room.encryption", sender, {"algorithm": MEGOLM}, "")
            return 200, {"ok": True, "event_id": ev["event_id"]}

    ACTIONS = {"status", "ratelimit", "unknown_token", "delay", "hang", "drop_after", "drop_before", "garbage",
               "duplicate", "limited"}

    def ctl_misbehave(self, q, b):
        with self.cond:
            if b.get("clear"):
                self.faults.clear()
                return 200, {"ok": True, "rules": 0}
            action = b.get("action")
            if action not in self.ACTIONS:
                raise CtlError(400, f"action must be one of {sorted(self.ACTIONS)}")
            path = self.need(b, "path")
            try:
                re.compile(path)
            except re.error as e:
                raise CtlError(400, f"bad path regex: {e}")
            rule = dict(b, count=int(b.get("count", 1)))
            if rule["count"] == 0:
                raise CtlError(400, "count must be >= 1 or -1")
            self.faults.append(rule)
            return 200, {"ok": True, "rules": len(self.faults)}

    def ctl_ratelimit(self, q, b):
        with self.cond:
            if b.get("off"):
                cfg = None
            else:
                try:
                    cfg = {"per_second": float(b["per_second"]), "burst": float(b["burst"])}
                except (KeyError, TypeError, ValueError):
                    raise CtlError(400, "per_second and burst (numbers) or off")
            if "user" in b:
                self.rate_users[b["user"]] = cfg or {"off": True}
                self.buckets.pop(b["user"], None)
            else:
                self.rate = cfg
                self.buckets.clear()
            return 200, {"ok": True, "rate": self.rate, "users": self.rate_users}

    def ctl_restart(self, q, b):
        with self.cond:
            dropped = len(self.txn_cache)
            self.txn_cache.clear()
            closed = 0
            for h in list(self.handlers):
                if b.get("all") or not h.busy:
                    try:
                        h.connection.shutdown(socket.SHUT_RDWR)
                        closed += 1
                    except OSError:
                        pass
            return 200, {"ok": True, "txn_cache_dropped": dropped, "persisted": len(self.txn_persisted),
                         "connections_closed": closed}

    def ctl_log(self, q, b):
        since = int(q.get("since", 0))
        method, rx = q.get("method"), re.compile(q["path"]) if q.get("path") else None
        with self.cond:
            out = [e for e in self.log if e["n"] > since and (method is None or e["method"] == method.upper())
                   and (rx is None or rx.search(e["path"]))]
            return 200, {"next": self.log_n, "entries": out}

    def ctl_reset_log(self, q, b):
        with self.cond:
            self.log.clear()
            return 200, {"ok": True, "next": self.log_n}

    def matching_events(self, q):
        room = self.room(q.get("room_id", ""), ctl=True)
        since = int(q.get("since", 0))
        out = []
        for e in room.events:
            if e["_pos"] <= since:
                continue
            if "sender" in q and e["sender"] != q["sender"]:
                continue
            if "type" in q and e["type"] != q["type"]:
                continue
            if "msgtype" in q and (e["content"].get("msgtype") != q["msgtype"]):
                continue
            if "contains" in q and q["contains"] not in str(e["content"].get("body", "")):
                continue
            r = self.render(e)
            r.update(received_t=e["_t"], pos=e["_pos"])
            if e["_txn"]:
                r.update(txn_id=e["_txn"][2], device_id=e["_txn"][1])
            out.append(r)
        return out

    def ctl_events(self, q, b):
        with self.cond:
            return 200, {"next": self.pos, "events": self.matching_events(q)}

    def ctl_wait(self, q, b):
        count, timeout = int(q.get("count", 1)), min(float(q.get("timeout", 5)), MAX_HOLD)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = self.matching_events(q)
                if len(got) >= count:
                    return 200, {"ok": True, "next": self.pos, "events": got}
                left = deadline - time.monotonic()
                if left <= 0 or self.stopping.is_set():
                    return 408, {"ok": False, "error": "timeout", "next": self.pos, "events": got}
                self.cond.wait(left)

    def ctl_state(self, q, b):
        with self.cond:
            rooms = {}
            for r in self.rooms.values():
                rooms[r.id] = {
                    "members": {u: h[-1][1] for u, h in r.members.items()},
                    "joined": r.joined(), "invited": [u for u, h in r.members.items() if h[-1][1] == "invite"],
                    "state": {f"{t}|{k}": e["content"] for (t, k), e in r.state.items()},
                    "encrypted": r.encrypted(), "is_direct": r.is_direct, "events": len(r.events)}
            return 200, {
                "pos": self.pos, "rooms": rooms, "aliases": self.aliases, "users": self.users,
                "account_data": {u: {t: c for t, (p, c) in d.items()} for u, d in self.account_data.items()},
                "txn_cache": len(self.txn_cache), "txn_persisted": len(self.txn_persisted),
                "tokens": {t: {"user": u, "device": d} for t, (u, d) in self.tokens.items()},
                "devices": [{"user": u, "device": d, **info} for (u, d), info in self.devices.items()],
                "filters": self.filters, "faults": self.faults, "rate": self.rate, "rate_users": self.rate_users,
                "syncs_in_flight": self.syncs_in_flight, "connections": len(self.handlers), "bot": self.bot}


# ---------------------------------------------------------------- HTTP plumbing

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-matrix/1"
    timeout = 600

    def setup(self):
        super().setup()
        # one reply is written in two pieces (headers, body): without this each waits
        # for the client's delayed ACK (~40 ms)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.busy = False
        self.fake = self.server.fake
        with self.fake.cond:
            self.fake.handlers.add(self)

    def finish(self):
        with self.fake.cond:
            self.fake.handlers.discard(self)
        try:
            super().finish()
        except OSError:
            pass

    def handle_one_request(self):
        self.busy = False
        super().handle_one_request()
        self.busy = False

    def parse_request(self):
        self.busy = True
        return super().parse_request()

    def log_message(self, fmt, *args):
        pass

    def __getattr__(self, name):  # do_GET, do_PUT, ...: every method goes to dispatch
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise MxError(413, "M_TOO_LARGE", "Request body too large")
                parts.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            self.close_connection = True
            raise MxError(413, "M_TOO_LARGE", "Request body too large")
        return self.rfile.read(n) if n else b""

    def answer(self, status, body, headers=None):
        if isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
            ctype = "text/plain; charset=utf-8"
        else:
            data, ctype = jdump(body).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def hold(self, seconds):
        self.fake.stopping.wait(max(0.0, min(float(seconds), MAX_HOLD)))

    def dispatch(self):
        fake, t0 = self.fake, time.monotonic()
        u = urlsplit(self.path)
        raw_path, query = u.path, dict(parse_qsl(u.query, keep_blank_values=True))
        method = self.command
        if raw_path.startswith("/_fake/"):
            return self.control(method, raw_path[7:], query)
        auth = self.headers.get("Authorization", "")
        mo = re.fullmatch(r"\s*Bearer\s+(\S+)\s*", auth)
        ctx = Ctx(method, raw_path, query, b"", mo.group(1) if mo else None)
        entry = {"t": t0, "method": method, "path": raw_path, "query": query, "status": None, "user": None,
                 "device": None, "body": None, "txn": None, "fault": None, "dedup": None}
        status, body, headers, drop = 500, None, {}, False
        try:
            try:
                ctx.raw = self.read_body()
            finally:
                try:
                    entry["body"] = json.loads(ctx.raw) if ctx.raw else None
                except (ValueError, UnicodeDecodeError):
                    entry["body"] = ctx.raw.decode("utf-8", "replace")[:2000]
            rule = fake.take_fault(method, raw_path, unquote(raw_path))
            ctx.fault = rule
            act = rule["action"] if rule else None
            entry["fault"] = act
            if act:
                if ctx.token:
                    who = fake.tokens.get(ctx.token)
                    if who:
                        entry["user"], entry["device"] = who
                if act == "drop_before":
                    raise Drop()
                if act == "hang":
                    self.hold(rule.get("seconds", 60))
                    raise Drop()
                if act == "delay":
                    self.hold(rule.get("seconds", 1))
                elif act == "status":
                    st = int(rule.get("status", 502))
                    raise MxError(st, "M_UNKNOWN", "fake status %d" % st) if "body" not in rule else \
                        _Canned(st, rule["body"])
                elif act == "ratelimit":
                    ms = int(rule.get("retry_after_ms", 1000))
                    hdr = {"Retry-After": str(max(0, math.ceil(ms / 1000)))} if rule.get("header", True) else {}
                    raise MxError(429, "M_LIMIT_EXCEEDED", "Too Many Requests", headers=hdr, retry_after_ms=ms)
                elif act == "unknown_token":
                    if rule.get("revoke") and ctx.token:
                        with fake.cond:
                            fake.tokens.pop(ctx.token, None)
                    raise MxError(401, "M_UNKNOWN_TOKEN", "Access token has expired" if rule.get("soft_logout")
                                  else "Invalid access token passed.", soft_logout=bool(rule.get("soft_logout")))
                elif act == "garbage":
                    raise _Canned(200, b'{"next_batch":"s1","rooms":{"join":{"!x:' + b"\xff\x00" + b'garbage',
                                  "application/json")
                drop = act == "drop_after"
            fn, params, need_auth = fake.route(method, raw_path)
            if need_auth:
                fake.authenticate(ctx)
            elif ctx.token is not None:
                try:
                    fake.authenticate(ctx)
                except MxError:
                    pass
            status, body, *rest = fn(ctx, *params)
            headers = rest[0] if rest else {}
        except Drop:
            drop = True
        except _Canned as c:
            status, body, headers = c.status, c.body, {"Content-Type": c.ctype} if c.ctype else {}
        except MxError as e:
            status, body, headers = e.status, e.body, e.headers
        except Exception as e:  # a bug in the fake: say so, loudly
            import traceback
            traceback.print_exc()
            status, body = 500, {"errcode": "M_UNKNOWN", "error": f"fake internal error: {e!r}"}
        entry.update(user=ctx.user or entry["user"], device=ctx.device or entry["device"], txn=ctx.txn,
                     dedup=ctx.dedup, dt=round(time.monotonic() - t0, 6))
        if drop:
            entry["status"] = None
            fake.record(entry)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        entry["status"] = status
        fake.record(entry)
        try:
            if isinstance(body, (bytes, str)) and "Content-Type" in headers:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", headers["Content-Type"])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
            else:
                self.answer(status, body, headers)
        except OSError:
            self.close_connection = True
        self.busy = False

    def control(self, method, name, query):
        fake = self.fake
        try:
            raw = self.read_body()
            fn = fake.control.get((method, name))
            if fn is None:
                other = [m for m, n in fake.control if n == name]
                raise CtlError(405 if other else 404, f"no control endpoint {method} /_fake/{name}")
            b = {}
            if raw.strip():
                try:
                    b = json.loads(raw)
                except ValueError:
                    raise CtlError(400, "control body is not JSON")
                if not isinstance(b, dict):
                    raise CtlError(400, "control body must be an object")
            status, obj = fn(query, b)
        except CtlError as e:
            status, obj = e.status, {"ok": False, "error": e.error}
        except MxError as e:
            status, obj = 400, {"ok": False, "error": e.body["error"]}
        except (ValueError, TypeError, KeyError, AttributeError, re.error) as e:
            status, obj = 400, {"ok": False, "error": f"bad request: {e!r}"}
        try:
            self.answer(status, obj)
        except OSError:
            self.close_connection = True


class _Canned(Exception):
    """A fixed answer (status + raw text or JSON) from a fault rule."""

    def __init__(self, status, body, ctype=None):
        super().__init__(status)
        self.status, self.ctype = status, ctype
        if ctype is None and isinstance(body, (dict, list)):
            self.body = body
        elif ctype is None:
            self.body, self.ctype = str(body), "text/plain; charset=utf-8"
        else:
            self.body = body


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a client that went away (or a connection /_fake/restart closed)
        super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--server-name", default="hs.test")
    ap.add_argument("--bot-user", default=None, help="default @interviewd:<server-name>")
    ap.add_argument("--bot-token", default="syt_test")
    ap.add_argument("--bot-password", default="secret")
    ap.add_argument("--timeline-limit", type=int, default=50, help="timeline events per room when no filter says")
    ap.add_argument("--rate", type=float, default=None, help="sends per second per user (token bucket)")
    ap.add_argument("--burst", type=float, default=10, help="bucket size with --rate")
    ap.add_argument("--log", help="append every client request to FILE as JSON lines")
    ap.add_argument("--max-seconds", type=float, default=900.0, help="hard stop")
    args = ap.parse_args(argv)
    if args.timeline_limit < 1:
        ap.error("--timeline-limit must be >= 1")
    try:  # die with the parent (Linux PR_SET_PDEATHSIG)
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except Exception:
        pass
    fake = Fake(args)
    if args.log:
        fake.logf = open(args.log, "a", encoding="utf-8")
    server = Server(("127.0.0.1", args.port), Handler)
    server.fake = fake
    fake.port = server.server_address[1]
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
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
            stop.set()
        threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    print(f"READY {fake.port}", flush=True)
    deadline = time.monotonic() + args.max_seconds
    while not stop.is_set() and time.monotonic() < deadline:
        stop.wait(min(0.5, max(0.0, deadline - time.monotonic())))
    fake.stopping.set()
    with fake.cond:
        fake.cond.notify_all()
    server.shutdown()
    server.server_close()
    for h in list(fake.handlers):
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    if fake.logf:
        fake.logf.close()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
