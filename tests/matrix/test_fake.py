#!/usr/bin/env python3
"""Self-test of fake_matrix.py: starts it (stdin a pipe, so it dies with us), talks
to it over urllib the way the daemon will (login, filter, long-poll sync, sends with
txnIds, rooms, DMs, account data, profiles) and arms every fault kind once.

    /usr/bin/python3 tests/matrix/test_fake.py

Prints one line per failed check ("FAIL case: what: expected ..., actual ..."),
remarks on stderr ("# case: ..."), then "N passed, M failed" (what tests/run
counts) and last "matrix fake: N passed, M failed"; exits 0 only when none failed.
Takes about 10 s; a 90 s alarm bounds it.
"""

import http.client
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from tally import T, note, wait_until  # noqa: E402

FAKE = os.path.join(HERE, "fake_matrix.py")
HS = "hs.test"
BOT, TOK, PW = "@interviewd:hs.test", "syt_test", "secret"
ANA, IVAN, OLGA = "@ana:hs.test", "@ivan:hs.test", "@olga:hs.test"
TIME_LIMIT = 90
BASE = None
R = {}          # room ids by name, shared between cases
S = {}          # sync tokens and other carried state


class Resp:
    def __init__(self, status, headers, data, elapsed):
        self.status, self.headers, self.data, self.elapsed = status, headers, data, elapsed

    @property
    def json(self):
        try:
            return json.loads(self.data)
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def errcode(self):
        j = self.json
        return j.get("errcode") if isinstance(j, dict) else None

    def __repr__(self):
        return "<%s %s>" % (self.status, self.data[:300])


def q(s):
    return urllib.parse.quote(s, safe="")


def call(method, path, body=None, token=TOK, timeout=10, raw=None, query=None, headers=None):
    url = BASE + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Resp(r.status, r.headers, r.read(), time.monotonic() - t0)
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers, e.read(), time.monotonic() - t0)


def cs(method, path, body=None, **kw):
    return call(method, "/_matrix/client/v3/" + path, body, **kw)


def ctl(name, body=None, **query):
    r = call("GET" if body is None else "POST", "/_fake/" + name, body, token=None,
             query={k: str(v) for k, v in query.items()} or None, timeout=30)
    return r.status, r.json


def failed_to_answer(fn):
    """(True, seconds) when FN's request got no HTTP answer (closed or timed out)."""
    t0 = time.monotonic()
    try:
        r = fn()
        return False, r
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError):
        return True, time.monotonic() - t0


def sync(since=None, timeout=0, flt=None, token=TOK, client_timeout=15, **extra):
    query = {"timeout": str(timeout), **extra}
    if since is not None:
        query["since"] = since
    if flt is not None:
        query["filter"] = flt if isinstance(flt, str) else json.dumps(flt)
    r = cs("GET", "sync", token=token, timeout=client_timeout, query=query)
    return r


def send(room, body, txn, token=TOK, etype="m.room.message"):
    return cs("PUT", "rooms/%s/send/%s/%s" % (q(room), etype, q(txn)), body, token=token)


def timeline(resp, room, section="join"):
    j = resp.json or {}
    return j.get("rooms", {}).get(section, {}).get(room, {}).get("timeline", {})


def bodies(evs):
    return [e.get("content", {}).get("body") for e in evs]


def inject(room, sender, text, **kw):
    st, r = ctl("send", {"room_id": room, "sender": sender, "content": {"msgtype": "m.text", "body": text}, **kw})
    T.eq("inject %r" % text, 200, st)
    return r


def events(room, **query):
    return ctl("events", room_id=room, **query)[1]["events"]


def login(user, password, device=None, ident=True):
    b = {"type": "m.login.password", "password": password}
    if ident:
        b["identifier"] = {"type": "m.id.user", "user": user}
    else:
        b["user"] = user
    if device:
        b["device_id"] = device
    return cs("POST", "login", b, token=None)


def head_sync(token=TOK):
    """A fresh since token: everything so far is behind it."""
    r = sync(token=token)
    return r.json["next_batch"]


# ---------------------------------------------------------------- cases

def case_auth():
    r = call("GET", "/_matrix/client/versions", token=None)
    T.check("versions", r.status == 200 and "v1.11" in r.json.get("versions", []), "200 + v1.11", r)
    r = cs("GET", "login", token=None)
    T.check("login flows", r.status == 200 and {"type": "m.login.password"} in r.json["flows"], "m.login.password", r)
    r = login("interviewd", "wrong")
    T.eq("wrong password", (403, "M_FORBIDDEN"), (r.status, r.errcode))
    r = login("nobody", PW)
    T.eq("unknown user", (403, "M_FORBIDDEN"), (r.status, r.errcode))
    r = login("interviewd", PW, "TESTDEV")
    T.check("login by localpart", r.status == 200 and r.json["user_id"] == BOT and r.json["device_id"] == "TESTDEV"
            and r.json["access_token"] != TOK, "200 TESTDEV", r)
    tok1 = r.json["access_token"]
    r = cs("GET", "account/whoami", token=tok1)
    T.eq("whoami new token", {"user_id": BOT, "device_id": "TESTDEV", "is_guest": False}, r.json)
    r = cs("GET", "account/whoami")
    T.eq("whoami preset token", (200, BOT, "INTERVIEWD"), (r.status, r.json["user_id"], r.json["device_id"]))
    r = login(BOT, PW, "TESTDEV", ident=False)
    T.eq("login by MXID, legacy user field", (200, "TESTDEV"), (r.status, r.json.get("device_id")))
    tok2 = S["testdev"] = r.json["access_token"]
    T.check("new token each login", tok2 != tok1, "different", tok2)
    r = cs("GET", "account/whoami", token=tok1)
    T.eq("the device's old token is revoked", (401, "M_UNKNOWN_TOKEN"), (r.status, r.errcode))
    T.eq("the new one works", 200, cs("GET", "account/whoami", token=tok2).status)
    T.eq("the preset token of another device still works", 200, cs("GET", "account/whoami").status)
    r = login("interviewd", PW)
    T.check("a device is generated", r.status == 200 and r.json["device_id"] not in ("TESTDEV", "INTERVIEWD"),
            "new device id", r)
    r = cs("GET", "account/whoami", token=None)
    T.eq("no token", (401, "M_MISSING_TOKEN"), (r.status, r.errcode))
    r = cs("GET", "account/whoami", token=None, query={"access_token": TOK})
    T.eq("query-string token is not accepted", (401, "M_MISSING_TOKEN"), (r.status, r.errcode))
    r = cs("GET", "account/whoami", token="syt_nope")
    T.eq("unknown token", (401, "M_UNKNOWN_TOKEN"), (r.status, r.errcode))
    r = login("ana", "anapw", "ANADEV")
    T.eq("another fake user logs in", 200, r.status)
    S["ana"] = r.json["access_token"]


def case_errors():
    r = cs("GET", "no/such/thing", token=None)
    T.eq("unknown endpoint (before auth)", (404, "M_UNRECOGNIZED"), (r.status, r.errcode))
    r = cs("GET", "createRoom")
    T.eq("wrong method", (405, "M_UNRECOGNIZED"), (r.status, r.errcode))
    r = cs("POST", "createRoom", raw=b"{bad")
    T.eq("bad JSON", (400, "M_NOT_JSON"), (r.status, r.errcode))
    r = cs("POST", "createRoom", [1, 2])
    T.eq("JSON, not an object", (400, "M_BAD_JSON"), (r.status, r.errcode))
    r = cs("POST", "createRoom", {"invite": "@ana:hs.test"})
    T.eq("invite not a list", (400, "M_BAD_JSON"), (r.status, r.errcode))
    r = sync(since="bogus")
    T.eq("malformed since", (400, "M_INVALID_PARAM"), (r.status, r.errcode))
    r = sync(since="s999999")
    T.eq("since from the future", (400, "M_INVALID_PARAM"), (r.status, r.errcode))
    r = sync(timeout="abc")
    T.eq("bad timeout", (400, "M_INVALID_PARAM"), (r.status, r.errcode))
    r = cs("GET", "account/whoami", token=None)
    T.check("errors carry errcode and error", set(r.json) >= {"errcode", "error"}, "both keys", r.json)


def case_filter():
    f = {"room": {"timeline": {"limit": 3}, "state": {"lazy_load_members": True}},
         "presence": {"not_types": ["*"]}}
    r = cs("POST", "user/%s/filter" % q(BOT), f)
    T.check("filter created", r.status == 200 and isinstance(r.json.get("filter_id"), str), "filter_id", r)
    S["filter"] = fid = r.json["filter_id"]
    r = cs("GET", "user/%s/filter/%s" % (q(BOT), fid))
    T.eq("filter read back", f, r.json)
    r = cs("POST", "user/%s/filter" % q(ANA), f)
    T.eq("filter for someone else", (403, "M_FORBIDDEN"), (r.status, r.errcode))
    r = cs("POST", "user/%s/filter" % q(BOT), {"room": {"timeline": {"limit": 0}}})
    T.eq("limit 0 refused", (400, "M_BAD_JSON"), (r.status, r.errcode))
    r = cs("GET", "user/%s/filter/99" % q(BOT))
    T.eq("unknown filter", (404, "M_NOT_FOUND"), (r.status, r.errcode))


def case_first_sync():
    st, r = ctl("room", {"creator": ANA, "members": [BOT, IVAN], "name": "Hiring"})
    T.eq("control room", 200, st)
    R["team"] = team = r["room_id"]
    for i in range(5):
        inject(team, ANA, "backlog %d" % i)
    st, r = ctl("room", {"creator": ANA, "invite": [BOT], "is_direct": True, "name": "Ana and the bot"})
    R["dm_in"] = dm = r["room_id"]
    st, r = ctl("room", {"creator": ANA, "name": "Private"})
    R["priv"] = r["room_id"]
    r = sync(flt=S["filter"], timeout=5000)
    T.check("initial sync answers at once", r.status == 200 and r.elapsed < 1.0, "< 1 s", (r.status, r.elapsed))
    j = r.json
    T.check("next_batch is a string", isinstance(j.get("next_batch"), str), "string", j.get("next_batch"))
    tl = timeline(r, team)
    T.eq("last 3 of the backlog", ["backlog 2", "backlog 3", "backlog 4"], bodies(tl.get("events", [])))
    T.check("limited + prev_batch", tl.get("limited") is True and isinstance(tl.get("prev_batch"), str), "limited", tl)
    ev = tl["events"][0]
    T.check("event fields", ev["event_id"].startswith("$") and ev["sender"] == ANA and ev["type"] == "m.room.message"
            and isinstance(ev["origin_server_ts"], int) and "transaction_id" not in ev.get("unsigned", {}),
            "id/sender/type/ts", ev)
    state = j["rooms"]["join"][team]["state"]["events"]
    types = {e["type"] for e in state}
    T.check("state of the room", {"m.room.create", "m.room.name", "m.room.member"} <= types
            and all("state_key" in e for e in state), "create, name, members", types)
    inv = j["rooms"].get("invite", {}).get(dm, {}).get("invite_state", {}).get("events", [])
    me = [e for e in inv if e["type"] == "m.room.member" and e["state_key"] == BOT]
    T.check("pending invite with is_direct", len(me) == 1 and me[0]["content"].get("membership") == "invite"
            and me[0]["content"].get("is_direct") is True and me[0]["sender"] == ANA, "bot's invite member event", inv)
    T.check("stripped state: no event_id", all("event_id" not in e for e in inv), "none", inv)
    T.check("invite_state has the name", any(e["type"] == "m.room.name" and e["content"]["name"] == "Ana and the bot"
                                              for e in inv), "m.room.name", inv)
    T.check("no other rooms", set(j["rooms"]["join"]) == {team}, {team}, set(j["rooms"]["join"]))
    S["since"] = j["next_batch"]
    r = sync(flt={"room": {"timeline": {"types": ["m.room.mem*"], "limit": 50}}})
    T.check("inline filter, types with *", {e["type"] for e in timeline(r, team).get("events", [])} == {"m.room.member"},
            "members only", timeline(r, team))
    r = sync(flt={"room": {"timeline": {"not_types": ["m.room.message"]}}})
    T.check("not_types", all(e["type"] != "m.room.message" for e in timeline(r, team).get("events", [])), "no messages",
            timeline(r, team))


def case_join():
    dm = R["dm_in"]
    r = cs("POST", "rooms/%s/join" % q(dm), {})
    T.eq("join the invite", (200, {"room_id": dm}), (r.status, r.json))
    r = sync(since=S["since"], flt=S["filter"])
    j = r.json
    T.check("invite gone, room joined", dm in j.get("rooms", {}).get("join", {}) and dm not in j["rooms"].get("invite", {}),
            "join only", j)
    evs = timeline(r, dm).get("events", [])
    T.check("own join in the timeline", evs and evs[-1]["type"] == "m.room.member" and evs[-1]["state_key"] == BOT
            and evs[-1]["content"]["membership"] == "join", "join event", evs)
    T.check("newly joined room comes with state", any(e["type"] == "m.room.create"
                                                      for e in j["rooms"]["join"][dm]["state"]["events"]
                                                      + evs), "m.room.create", j["rooms"]["join"][dm])
    T.check("the unchanged room is absent", R["team"] not in j["rooms"]["join"], "absent", list(j["rooms"]["join"]))
    S["since"] = j["next_batch"]
    r = cs("POST", "rooms/%s/join" % q(R["priv"]))
    T.eq("join without invite", (403, "M_FORBIDDEN"), (r.status, r.errcode))
    r = cs("POST", "join/%s" % q("#nowhere:hs.test"))
    T.eq("join unknown alias", (404, "M_NOT_FOUND"), (r.status, r.errcode))
    st, r = ctl("room", {"creator": ANA, "public": True, "alias": "lobby"})
    r = cs("POST", "join/%s" % q("#lobby:hs.test"), {})
    T.eq("join a public room by alias", 200, r.status)
    R["lobby"] = r.json["room_id"]
    r = cs("GET", "joined_rooms")
    T.check("joined_rooms", set(r.json["joined_rooms"]) == {R["team"], dm, R["lobby"]}, "3 rooms", r.json)
    r = cs("GET", "rooms/%s/joined_members" % q(R["team"]))
    T.eq("joined_members", {"display_name": "Ana", "avatar_url": None}, r.json["joined"].get(ANA))
    T.eq("joined_members lists all", {ANA, BOT, IVAN}, set(r.json["joined"]))
    r = cs("GET", "rooms/%s/joined_members" % q(R["priv"]))
    T.eq("joined_members of a room I'm not in", 403, r.status)
    r = cs("POST", "rooms/%s/leave" % q(R["lobby"]), {})
    T.eq("leave", (200, {}), (r.status, r.json))
    r = sync(since=S["since"])
    lv = timeline(r, R["lobby"], "leave").get("events", [])
    T.check("own leave under rooms.leave", lv and lv[-1]["content"]["membership"] == "leave", "leave event", r.json)
    S["since"] = r.json["next_batch"]


def case_wake():
    since, out = S["since"], {}

    def poll():
        out["r"] = sync(since=since, timeout=5000)
    th = threading.Thread(target=poll)
    th.start()
    time.sleep(0.3)
    st, r = ctl("state")
    T.eq("one sync in flight", 1, r["syncs_in_flight"])
    sent = inject(R["team"], ANA, "!interview list today")
    th.join(8)
    res = out.get("r")
    T.check("the held sync wakes on the event", res is not None and res.status == 200 and res.elapsed < 1.5,
            "< 1.5 s of 5", res and res.elapsed)
    evs = timeline(res, R["team"]).get("events", [])
    T.eq("it carries the event", ["!interview list today"], bodies(evs))
    T.eq("same event id as injected", sent["event_id"], evs[0]["event_id"] if evs else None)
    T.check("/_fake/send gives ts and monotonic t", isinstance(sent["ts"], int) and abs(sent["t"] - time.monotonic()) < 5,
            "ts, t", sent)
    stored = events(R["team"], since=sent["pos"] - 1)
    T.check("/_fake/events: received_t == t", stored and stored[0]["received_t"] == sent["t"], sent["t"], stored)
    note("sync woke %.0f ms after the hold began (event injected at ~300 ms)" % (res.elapsed * 1000))
    S["since"] = since = res.json["next_batch"]

    out.clear()

    def poll2():
        out["r"] = sync(since=since, timeout=1000)
    th = threading.Thread(target=poll2)
    th.start()
    time.sleep(0.2)
    inject(R["priv"], ANA, "nobody here sees this")
    th.join(5)
    res = out.get("r")
    T.check("an empty sync times out after ~timeout", res is not None and 0.9 <= res.elapsed < 2.0, "1 s",
            res and res.elapsed)
    T.check("irrelevant events do not wake it nor show", res and res.status == 200 and "rooms" not in res.json,
            "no rooms", res)
    T.check("next_batch still usable", res and isinstance(res.json.get("next_batch"), str), "string", res)
    S["since"] = res.json["next_batch"]
    r = sync(since=S["since"], timeout=3000, full_state="true")
    T.check("full_state answers at once with state", r.elapsed < 1.0 and R["team"] in r.json.get("rooms", {}).get("join", {}),
            "< 1 s", (r.elapsed, r.json))
    r = sync(since=S["since"], timeout=0)
    T.check("timeout=0 answers at once", r.status == 200 and r.elapsed < 0.5, "< 0.5 s", r.elapsed)


def case_send():
    team = R["team"]
    content = {"msgtype": "m.notice", "body": "Scheduled: Dana", "m.mentions": {}}
    r1 = send(team, content, "ivd.1.1000")
    r2 = send(team, content, "ivd.1.1000")
    T.check("send", r1.status == 200 and r1.json["event_id"].startswith("$"), "event_id", r1)
    T.eq("same txnId, same event_id", r1.json["event_id"], r2.json.get("event_id"))
    eid = r1.json["event_id"]
    T.eq("stored once", 1, len([e for e in events(team, sender=BOT) if e.get("txn_id") == "ivd.1.1000"]))
    st, log = ctl("log", method="PUT", path="/send/")
    T.eq("log: the repeat was a cache hit", "cache", log["entries"][-1]["dedup"] if log["entries"] else None)
    T.eq("log: txn and user", ("ivd.1.1000", BOT, "INTERVIEWD"),
         (log["entries"][-1]["txn"], log["entries"][-1]["user"], log["entries"][-1]["device"]))
    r = sync(since=S["since"])
    echo = [e for e in timeline(r, team).get("events", []) if e["event_id"] == eid]
    T.eq("echo with transaction_id to the same device", "ivd.1.1000",
         echo[0].get("unsigned", {}).get("transaction_id") if echo else None)
    S["since"] = r.json["next_batch"]
    r = sync(token=S["testdev"])
    echo = [e for e in timeline(r, team).get("events", []) if e["event_id"] == eid]
    T.check("no transaction_id for another device", echo and "transaction_id" not in echo[0]["unsigned"],
            "absent", echo)
    r = send(team, content, "ivd.1.1000", token=S["testdev"])
    T.check("same txnId on another device is a new event", r.status == 200 and r.json["event_id"] != eid, "new id", r)
    st, rs = ctl("restart", {})
    T.check("restart drops the cache", st == 200 and rs["txn_cache_dropped"] >= 2 and rs["persisted"] >= 2, "dropped", rs)
    r = send(team, content, "ivd.1.1000")
    T.eq("dedup across restart", eid, r.json.get("event_id"))
    st, log = ctl("log", method="PUT", path="/send/")
    T.eq("log: a persisted hit", "persisted", log["entries"][-1]["dedup"])
    T.eq("still stored once", 1, len([e for e in events(team, sender=BOT) if e.get("txn_id") == "ivd.1.1000"
                                      and e.get("device_id") == "INTERVIEWD"]))
    r = send(R["priv"], content, "t-priv")
    T.eq("send to a room I'm not in", (403, "M_FORBIDDEN"), (r.status, r.errcode))
    r = cs("PUT", "rooms/%s/send/m.room.message/t-bad" % q(team), raw=b"{nope")
    T.eq("send bad JSON", (400, "M_NOT_JSON"), (r.status, r.errcode))
    r = cs("PUT", "rooms/%s/send/m.room.message/t-arr" % q(team), ["x"])
    T.eq("send a JSON array", (400, "M_BAD_JSON"), (r.status, r.errcode))
    r = send(team, {"msgtype": "m.text", "body": "x" * 70000}, "t-big")
    T.eq("send too large", (413, "M_TOO_LARGE"), (r.status, r.errcode))
    r = send(team, {"msgtype": "m.text", "body": "x" * 60000}, "t-fits")
    T.eq("a 60 kB event fits", 200, r.status)


def case_drop():
    team = R["team"]
    content = {"msgtype": "m.notice", "body": "reply"}
    ctl("misbehave", {"path": r"/send/", "method": "PUT", "action": "drop_after"})
    dropped, _ = failed_to_answer(lambda: send(team, content, "ivd.2.2000"))
    T.check("drop_after: no answer", dropped, "connection closed", dropped)
    first = [e for e in events(team) if e.get("txn_id") == "ivd.2.2000"]
    T.eq("drop_after: the send was committed", 1, len(first))
    r = send(team, content, "ivd.2.2000")
    T.eq("retry with the same txnId answers the same event", first[0]["event_id"] if first else None, r.json.get("event_id"))
    T.eq("exactly one event", 1, len([e for e in events(team) if e.get("txn_id") == "ivd.2.2000"]))
    st, log = ctl("log", path="/send/")
    e = [x for x in log["entries"] if x["txn"] == "ivd.2.2000"]
    T.eq("log: the dropped request has no status", [(None, "drop_after"), (200, None)],
         [(x["status"], x["fault"]) for x in e])
    ctl("misbehave", {"path": r"/send/", "action": "drop_before"})
    dropped, _ = failed_to_answer(lambda: send(team, content, "ivd.3.3000"))
    T.check("drop_before: no answer", dropped, "connection closed", dropped)
    T.eq("drop_before: nothing stored", 0, len([e for e in events(team) if e.get("txn_id") == "ivd.3.3000"]))
    r = send(team, content, "ivd.3.3000")
    T.eq("drop_before: the retry stores it", (200, 1),
         (r.status, len([e for e in events(team) if e.get("txn_id") == "ivd.3.3000"])))


def case_429():
    team = R["team"]
    ctl("misbehave", {"path": r"/send/", "action": "ratelimit", "retry_after_ms": 1500})
    r = send(team, {"msgtype": "m.text", "body": "later"}, "ivd.4.4000")
    T.eq("429 M_LIMIT_EXCEEDED", (429, "M_LIMIT_EXCEEDED"), (r.status, r.errcode))
    T.eq("Retry-After header, whole seconds", "2", r.headers.get("Retry-After"))
    T.eq("retry_after_ms in the body", 1500, (r.json or {}).get("retry_after_ms"))
    T.eq("nothing stored", 0, len([e for e in events(team) if e.get("txn_id") == "ivd.4.4000"]))
    r = send(team, {"msgtype": "m.text", "body": "later"}, "ivd.4.4000")
    T.eq("the retry is not a cached 429", (200, 1),
         (r.status, len([e for e in events(team) if e.get("txn_id") == "ivd.4.4000"])))
    ctl("misbehave", {"path": r"/send/", "action": "ratelimit", "retry_after_ms": 300, "header": False})
    r = send(team, {"msgtype": "m.text", "body": "x"}, "ivd.5.5000")
    T.eq("429 without the header", (429, None, 300), (r.status, r.headers.get("Retry-After"), r.json.get("retry_after_ms")))


def case_faults():
    ctl("misbehave", {"path": "whoami", "action": "status", "status": 502})
    r = cs("GET", "account/whoami")
    T.eq("502 injected", 502, r.status)
    T.eq("count 1: the next is fine", 200, cs("GET", "account/whoami").status)
    ctl("misbehave", {"path": "whoami", "action": "status", "status": 503, "body": "Service Unavailable", "count": 2})
    r1, r2, r3 = (cs("GET", "account/whoami") for _ in range(3))
    T.eq("503 with a text body, twice", [(503, b"Service Unavailable")] * 2 + [(200, r3.data)],
         [(x.status, x.data) for x in (r1, r2, r3)])
    ctl("misbehave", {"path": "/sync$", "action": "garbage"})
    r = sync(since=S["since"])
    T.check("garbage: 200 that is not JSON", r.status == 200 and r.json is None, "unparsable", r)
    ctl("misbehave", {"path": "/sync$", "action": "hang", "seconds": 2})
    t0 = time.monotonic()
    dropped, dt = failed_to_answer(lambda: sync(since=S["since"], timeout=500, client_timeout=1))
    T.check("hang outlasts the client timeout", dropped and 0.9 <= dt < 1.8, "client timeout ~1 s", (dropped, dt))
    ctl("misbehave", {"path": "whoami", "action": "hang", "seconds": 0.3})
    dropped, dt = failed_to_answer(lambda: cs("GET", "account/whoami", timeout=5))
    T.check("hang then close without an answer", dropped and 0.25 <= dt < 2, "closed after 0.3 s", (dropped, dt))
    note("hang: client gave up after %.2f s" % (time.monotonic() - t0))
    ctl("misbehave", {"path": "whoami", "action": "delay", "seconds": 0.5})
    r = cs("GET", "account/whoami")
    T.check("delay, then the normal answer", r.status == 200 and 0.45 <= r.elapsed < 2, "200 after 0.5 s", (r, r.elapsed))
    ctl("misbehave", {"path": "nothing-matches-this", "action": "status", "status": 500})
    ctl("misbehave", {"clear": True})
    T.eq("clear", 200, cs("GET", "account/whoami").status)
    st, s = ctl("state")
    T.eq("no rules left", [], s["faults"])

    r = login("interviewd", PW, "SOFTDEV")
    tok = r.json["access_token"]
    eid = send(R["team"], {"msgtype": "m.text", "body": "soft"}, "ivd.6.6000", token=tok).json["event_id"]
    ctl("misbehave", {"path": "whoami", "action": "unknown_token", "soft_logout": True})
    r = cs("GET", "account/whoami", token=tok)
    T.eq("401 soft_logout", (401, "M_UNKNOWN_TOKEN", True), (r.status, r.errcode, r.json.get("soft_logout")))
    T.eq("not revoked: the token still works", 200, cs("GET", "account/whoami", token=tok).status)
    ctl("misbehave", {"path": "/sync", "action": "unknown_token", "soft_logout": True, "revoke": True})
    r = sync(token=tok)
    T.eq("401 on sync, revoked", (401, "M_UNKNOWN_TOKEN"), (r.status, r.errcode))
    r = cs("GET", "account/whoami", token=tok)
    T.eq("the token is dead now", (401, "M_UNKNOWN_TOKEN", False), (r.status, r.errcode, r.json.get("soft_logout")))
    r = login("interviewd", PW, "SOFTDEV")
    tok = r.json["access_token"]
    r = send(R["team"], {"msgtype": "m.text", "body": "soft"}, "ivd.6.6000", token=tok)
    T.eq("re-login on the same device keeps the txn scope", eid, r.json.get("event_id"))


def case_duplicate():
    team = R["team"]
    since = head_sync()
    inject(team, ANA, "dup one")
    r = sync(since=since, timeout=2000)
    T.eq("batch A", ["dup one"], bodies(timeline(r, team).get("events", [])))
    a = r.json["next_batch"]
    inject(team, ANA, "dup two")
    ctl("misbehave", {"path": "/sync$", "action": "duplicate"})
    r = sync(since=a, timeout=2000)
    evs = timeline(r, team).get("events", [])
    T.eq("batch B repeats batch A's events", ["dup one", "dup two"], bodies(evs))
    r2 = sync(since=r.json["next_batch"])
    T.check("the next batch is empty again", "rooms" not in r2.json, "empty", r2.json)
    ctl("misbehave", {"path": "/sync$", "action": "duplicate"})
    r3 = sync(since=r2.json["next_batch"], timeout=2000)
    T.check("duplicate with nothing new answers at once with the repeat",
            r3.elapsed < 1 and bodies(timeline(r3, team).get("events", [])) == ["dup two"],
            "the previous non-empty batch (s(a)..B]", (r3.elapsed, r3.json))
    S["since"] = head_sync()


def case_limited():
    team = R["team"]
    since = head_sync()
    for b in ("gap one", "gap two", "gap three"):
        inject(team, ANA, b)
    ctl("misbehave", {"path": "/sync$", "action": "limited"})
    r = sync(since=since, timeout=2000)
    tl = timeline(r, team)
    T.eq("limited: only the last event", (["gap three"], True), (bodies(tl.get("events", [])), tl.get("limited")))
    m = cs("GET", "rooms/%s/messages" % q(team), query={"dir": "f", "from": since, "to": tl["prev_batch"], "limit": "100"})
    T.eq("/messages fills the gap", (200, ["gap one", "gap two"]), (m.status, bodies(m.json.get("chunk", []))))
    T.check("/messages shape", m.json.get("start") == since and m.json.get("state") == [], "start, state", m.json)
    m = cs("GET", "rooms/%s/messages" % q(team), query={"dir": "b", "from": tl["prev_batch"], "limit": "2"})
    T.eq("/messages backwards", ["gap two", "gap one"], bodies(m.json.get("chunk", [])))
    m2 = cs("GET", "rooms/%s/messages" % q(team), query={"dir": "b", "from": m.json.get("end", ""), "limit": "1"})
    T.eq("/messages end token pages on", 200, m2.status)
    T.eq("/messages without dir", 400, cs("GET", "rooms/%s/messages" % q(team)).status)
    # more than the filter's limit of new events: limited by itself
    since = r.json["next_batch"]
    for i in range(5):
        inject(team, ANA, "burst %d" % i)
    r = sync(since=since, flt=S["filter"])
    tl = timeline(r, team)
    T.eq("over the limit: last 3 + limited", (["burst 2", "burst 3", "burst 4"], True),
         (bodies(tl.get("events", [])), tl.get("limited")))
    m = cs("GET", "rooms/%s/messages" % q(team), query={"dir": "f", "from": since, "to": tl["prev_batch"]})
    T.eq("and the gap", ["burst 0", "burst 1"], bodies(m.json.get("chunk", [])))
    S["since"] = r.json["next_batch"]


def case_create_room():
    since = head_sync()
    r = cs("POST", "createRoom", {"preset": "trusted_private_chat", "is_direct": True, "invite": [IVAN],
                                  "name": "interviewd"})
    T.check("createRoom", r.status == 200 and r.json["room_id"].startswith("!") and r.json["room_id"].endswith(":" + HS),
            "room_id", r)
    dm = R["dm_ivan"] = r.json["room_id"]
    mem = [e for e in events(dm, type="m.room.member") if e["state_key"] == IVAN]
    T.eq("invite with is_direct, then auto-join", [("invite", True), ("join", None)],
         [(e["content"]["membership"], e["content"].get("is_direct")) for e in mem])
    r = cs("GET", "rooms/%s/joined_members" % q(dm))
    T.eq("both joined", {BOT, IVAN}, set(r.json["joined"]))
    r = sync(since=since)
    T.check("the new room arrives joined", dm in r.json.get("rooms", {}).get("join", {}), "joined", r.json)
    r = cs("POST", "createRoom", {"preset": "trusted_private_chat", "is_direct": True, "invite": [OLGA]})
    dm2 = r.json["room_id"]
    st, s = ctl("state")
    T.eq("auto_join false: stays invited", ([OLGA], True), (s["rooms"][dm2]["invited"], s["rooms"][dm2]["is_direct"]))
    r = cs("GET", "rooms/%s/state/m.room.encryption/" % q(dm2))
    T.eq("no encryption state in a fresh DM", (404, "M_NOT_FOUND"), (r.status, r.errcode))
    r = cs("POST", "createRoom", {"preset": "private_chat", "name": "Panel"})
    panel = r.json["room_id"]
    r = cs("POST", "rooms/%s/invite" % q(panel), {"user_id": ANA})
    T.eq("invite", (200, {}), (r.status, r.json))
    st, s = ctl("state")
    T.eq("not a DM: ana stays invited", [ANA], s["rooms"][panel]["invited"])
    r = cs("POST", "rooms/%s/invite" % q(panel), {"user_id": "@ghost:hs.test"})
    T.eq("invite an unknown local user", (404, "M_NOT_FOUND"), (r.status, r.errcode))
    r = cs("POST", "rooms/%s/invite" % q(R["priv"]), {"user_id": ANA})
    T.eq("invite into a room I'm not in", (403, "M_FORBIDDEN"), (r.status, r.errcode))
    r = cs("POST", "createRoom", {"initial_state": [{"type": "m.room.guest_access", "content": {"guest_access": "forbidden"}}]})
    T.eq("initial_state", {"guest_access": "forbidden"},
         cs("GET", "rooms/%s/state/m.room.guest_access" % q(r.json["room_id"])).json)
    r = cs("GET", "rooms/%s/state" % q(dm))
    T.check("GET state lists events", r.status == 200 and {"m.room.create", "m.room.name"} <= {e["type"] for e in r.json},
            "list", r)


def case_account_data():
    path = "user/%s/account_data/m.direct" % q(BOT)
    r = cs("GET", path)
    T.eq("absent account data", (404, "M_NOT_FOUND"), (r.status, r.errcode))
    since = head_sync()
    direct = {IVAN: [R["dm_ivan"]]}
    T.eq("PUT m.direct", (200, {}), (lambda x: (x.status, x.json))(cs("PUT", path, direct)))
    T.eq("GET it back", direct, cs("GET", path).json)
    r = sync(since=since, timeout=2000)
    T.eq("in the next sync's account_data", [{"type": "m.direct", "content": direct}],
         r.json.get("account_data", {}).get("events"))
    r = sync(flt={"account_data": {"not_types": ["*"]}})
    T.check("account_data filter", "account_data" not in r.json, "absent", r.json.get("account_data"))
    r = sync()
    T.check("initial sync has it too", {"type": "m.direct", "content": direct} in r.json["account_data"]["events"],
            "present", r.json.get("account_data"))
    T.eq("someone else's account data", (403, "M_FORBIDDEN"),
         (lambda x: (x.status, x.errcode))(cs("GET", "user/%s/account_data/m.direct" % q(ANA))))
    T.eq("PUT an array", (400, "M_BAD_JSON"), (lambda x: (x.status, x.errcode))(cs("PUT", path, [1])))
    T.eq("ana's own is separate", 404, cs("GET", "user/%s/account_data/m.direct" % q(ANA), token=S["ana"]).status)


def case_profile():
    r = cs("GET", "profile/%s" % q(ANA))
    T.eq("profile", {"displayname": "Ana", "m.tz": "Europe/Berlin"}, r.json)
    r = cs("GET", "profile/%s/m.tz" % q(ANA))
    T.eq("profile m.tz", {"m.tz": "Europe/Berlin"}, r.json)
    r = cs("GET", "profile/%s/m.tz" % q(IVAN))
    T.eq("absent key", (404, "M_NOT_FOUND"), (r.status, r.errcode))
    r = cs("GET", "profile/%s" % q("@nobody:hs.test"))
    T.eq("unknown user", (404, "M_NOT_FOUND"), (r.status, r.errcode))
    ctl("users", {IVAN: {"m.tz": "America/New_York"}})
    T.eq("updated by control", {"m.tz": "America/New_York"}, cs("GET", "profile/%s/m.tz" % q(IVAN)).json)
    ctl("users", {"@temp:hs.test": {"displayname": "Temp"}})
    ctl("users", {"@temp:hs.test": None})
    T.eq("null deletes", 404, cs("GET", "profile/%s" % q("@temp:hs.test")).status)


def case_encrypted():
    since = head_sync()
    st, r = ctl("room", {"creator": ANA, "invite": [BOT], "encrypted": True, "name": "Secret"})
    enc = r["room_id"]
    r = sync(since=since)
    inv = r.json["rooms"]["invite"][enc]["invite_state"]["events"]
    T.check("invite_state shows encryption", any(e["type"] == "m.room.encryption" for e in inv), "m.room.encryption", inv)
    cs("POST", "rooms/%s/join" % q(enc), {})
    r = cs("GET", "rooms/%s/state/m.room.encryption/" % q(enc))
    T.eq("encryption state", {"algorithm": "m.megolm.v1.aes-sha2"}, r.json)
    r_since = head_sync()
    st, sent = ctl("send", {"room_id": enc, "sender": ANA, "encrypt": True,
                            "content": {"msgtype": "m.text", "body": "!interview list"}})
    T.eq("encrypted injection", 200, st)
    r = sync(since=r_since, timeout=2000)
    evs = timeline(r, enc).get("events", [])
    T.check("an opaque m.room.encrypted", len(evs) == 1 and evs[0]["type"] == "m.room.encrypted"
            and evs[0]["content"]["algorithm"] == "m.megolm.v1.aes-sha2" and "ciphertext" in evs[0]["content"]
            and "body" not in evs[0]["content"], "encrypted", evs)
    st, e = ctl("send", {"room_id": R["team"], "sender": ANA, "encrypt": True, "content": {"body": "x"}})
    T.eq("encrypt in a plain room refused", 400, st)
    since = r.json["next_batch"]
    T.eq("team not encrypted yet", 404, cs("GET", "rooms/%s/state/m.room.encryption" % q(R["team"])).status)
    st, _ = ctl("encrypt", {"room_id": R["team"], "sender": ANA})
    T.eq("encrypt later", 200, st)
    r = sync(since=since, timeout=2000)
    evs = timeline(r, R["team"]).get("events", [])
    T.check("m.room.encryption arrives as a state event", [(e["type"], e.get("state_key")) for e in evs]
            == [("m.room.encryption", "")], "one state event", evs)
    T.eq("and is readable", 200, cs("GET", "rooms/%s/state/m.room.encryption" % q(R["team"])).status)
    st, s = ctl("state")
    T.eq("state says encrypted", (True, True), (s["rooms"][enc]["encrypted"], s["rooms"][R["team"]]["encrypted"]))
    S["since"] = r.json["next_batch"]


def case_kick():
    st, r = ctl("room", {"creator": ANA, "members": [BOT], "name": "Doomed"})
    doomed = r["room_id"]
    since = head_sync()
    st, k = ctl("kick", {"room_id": doomed, "sender": ANA, "reason": "bye"})
    T.eq("kick", 200, st)
    r = sync(since=since, timeout=2000)
    lv = timeline(r, doomed, "leave").get("events", [])
    T.check("kick under rooms.leave", lv and lv[-1]["type"] == "m.room.member" and lv[-1]["state_key"] == BOT
            and lv[-1]["sender"] == ANA and lv[-1]["content"]["membership"] == "leave", "leave by ana", r.json)
    T.check("not under join", doomed not in r.json.get("rooms", {}).get("join", {}), "absent", r.json)
    T.check("joined_rooms forgets it", doomed not in cs("GET", "joined_rooms").json["joined_rooms"], "absent", None)
    T.eq("send after the kick", 403, send(doomed, {"msgtype": "m.text", "body": "x"}, "after-kick").status)
    st, iv = ctl("invite", {"room_id": doomed, "sender": ANA, "is_direct": True})
    r = sync(since=r.json["next_batch"], timeout=2000)
    T.check("re-invited", doomed in r.json.get("rooms", {}).get("invite", {}), "invite", r.json)
    st, e = ctl("send", {"room_id": doomed, "sender": IVAN, "content": {"body": "x"}})
    T.check("control send by a non-member: 400 with a message", st == 400 and "not joined" in e["error"], "400", (st, e))


def case_ratelimit():
    team = R["team"]
    ctl("ratelimit", {"per_second": 0.5, "burst": 2})
    codes = [send(team, {"msgtype": "m.notice", "body": "digest %d" % i}, "rl.%d" % i) for i in range(3)]
    T.eq("burst 2, then 429", [200, 200, 429], [c.status for c in codes])
    ms = codes[2].json.get("retry_after_ms", 0)
    T.check("retry_after_ms from the bucket", 1000 < ms <= 2000, "(1000, 2000]", ms)
    T.eq("Retry-After = ceil", "2", codes[2].headers.get("Retry-After"))
    T.eq("a deduplicated repeat is not limited", 200, send(team, {"body": "x"}, "rl.0").status)
    ana = [send(team, {"msgtype": "m.text", "body": "ana %d" % i}, "ana.%d" % i, token=S["ana"]).status for i in range(2)]
    T.eq("another user has their own bucket", [200, 200], ana)
    ctl("ratelimit", {"user": BOT, "off": True})
    T.eq("per-user override", 200, send(team, {"body": "x"}, "rl.over").status)
    T.eq("ana is still limited", 429, send(team, {"body": "x"}, "ana.3", token=S["ana"]).status)
    ctl("ratelimit", {"off": True})
    T.eq("off", 200, send(team, {"body": "x"}, "ana.3", token=S["ana"]).status)


def case_control():
    team = R["team"]
    st, w = ctl("wait", room_id=team, sender=ANA, count=1, timeout=1)
    T.check("wait satisfied at once", st == 200 and len(w["events"]) >= 1, "200", (st, w and len(w["events"])))
    pos = w["next"]
    t0 = time.monotonic()
    st, w = ctl("wait", room_id=team, sender=BOT, since=pos, count=1, timeout=0.3)
    T.check("wait times out with 408", st == 408 and w["events"] == [] and 0.25 < time.monotonic() - t0 < 2, "408",
            (st, w))
    out = {}
    th = threading.Thread(target=lambda: out.update(r=ctl("wait", room_id=team, sender=BOT, since=pos, count=1,
                                                          msgtype="m.notice", timeout=5)))
    th.start()
    time.sleep(0.2)
    send(team, {"msgtype": "m.notice", "body": "waited for"}, "w.1")
    th.join(6)
    st, w = out.get("r", (None, None))
    T.check("wait wakes on the bot's notice", st == 200 and bodies(w["events"]) == ["waited for"], "200", out)
    st, log = ctl("log", since=0, method="PUT")
    T.check("log entries", st == 200 and log["entries"] and all(e["method"] == "PUT" for e in log["entries"])
            and {"n", "t", "path", "query", "status", "user", "device", "body", "txn"} <= set(log["entries"][-1]),
            "PUT entries", log["entries"][-1:] if log else None)
    T.eq("log body is parsed JSON", {"msgtype": "m.notice", "body": "waited for"}, log["entries"][-1]["body"])
    n = log["next"]
    cs("GET", "account/whoami")
    st, log = ctl("log", since=n)
    T.eq("log since", ["/_matrix/client/v3/account/whoami"], [e["path"] for e in log["entries"]])
    ctl("reset_log", {})
    st, log = ctl("log")
    T.eq("reset_log", [], log["entries"])
    st, s = ctl("state")
    T.check("state", s["syncs_in_flight"] == 0 and s["txn_persisted"] >= 1 and s["bot"] == BOT
            and any(d["device"] == "INTERVIEWD" for d in s["devices"]) and s["rooms"][team]["encrypted"], "fields", s.keys())
    # restart closes idle keep-alive connections
    c = http.client.HTTPConnection("127.0.0.1", int(BASE.rsplit(":", 1)[1]), timeout=5)
    c.request("GET", "/_matrix/client/versions")
    r = c.getresponse()
    r.read()
    T.eq("keep-alive connection", 200, r.status)
    time.sleep(0.1)  # let its thread go back to waiting for the next request
    st, rs = ctl("restart", {})
    T.check("restart closed the idle connection", rs["connections_closed"] >= 1, ">= 1", rs)
    try:
        c.request("GET", "/_matrix/client/versions")
        c.getresponse().read()
        ok = False
    except (http.client.HTTPException, ConnectionError, OSError):
        ok = True
    c.close()
    T.check("the old connection is gone", ok, "closed", ok)
    st, e = ctl("nonsense", {})
    T.eq("unknown control endpoint", 404, st)
    st, e = ctl("misbehave", {"path": "x", "action": "explode"})
    T.eq("unknown fault action", 400, st)


CASES = [("auth", case_auth), ("errors", case_errors), ("filter", case_filter), ("first_sync", case_first_sync),
         ("join", case_join), ("wake", case_wake), ("send", case_send), ("drop", case_drop), ("429", case_429),
         ("faults", case_faults), ("duplicate", case_duplicate), ("limited", case_limited),
         ("create_room", case_create_room), ("account_data", case_account_data), ("profile", case_profile),
         ("encrypted", case_encrypted), ("kick", case_kick), ("ratelimit", case_ratelimit), ("control", case_control)]


class TimeUp(Exception):
    pass


def main():
    global BASE

    def time_up(*_):
        raise TimeUp("the whole run took more than %d s" % TIME_LIMIT)
    signal.signal(signal.SIGALRM, time_up)
    signal.alarm(TIME_LIMIT)
    t_all = time.monotonic()
    proc = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--max-seconds", str(TIME_LIMIT + 10)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        T.case = "start"
        ready = select.select([proc.stdout], [], [], 10)[0]
        line = proc.stdout.readline().decode() if ready else ""
        if T.check("READY line", line.startswith("READY "), "READY <port>", line):
            BASE = "http://127.0.0.1:%d" % int(line.split()[1])
            st, _ = ctl("users", {ANA: {"displayname": "Ana", "m.tz": "Europe/Berlin", "password": "anapw"},
                                  IVAN: {"displayname": "Ivan"}, OLGA: {"displayname": "Olga", "auto_join": False}})
            T.eq("users created", 200, st)
            for name, fn in CASES:
                T.case = name
                t = time.monotonic()
                try:
                    fn()
                except Exception as e:  # a case that breaks is one failed check; the rest still run
                    traceback.print_exc(file=sys.stderr)
                    T.check("the case ran to its end", False, "no exception", "%s: %s" % (type(e).__name__, e))
                    if isinstance(e, TimeUp):
                        break
                note("%.2fs" % (time.monotonic() - t))
            T.case = "exit"
            proc.stdin.close()  # stdin EOF must stop it
            rc = wait_until(lambda: proc.poll() is not None, 5)
            T.check("exits 0 on stdin EOF", rc and proc.returncode == 0, 0, proc.returncode)
    finally:
        signal.alarm(0)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    T.case = "all"
    note("%.1fs in all" % (time.monotonic() - t_all))
    print("%d passed, %d failed" % (T.passed, T.failed))
    print("matrix fake: %d passed, %d failed" % (T.passed, T.failed), flush=True)
    return 0 if T.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
