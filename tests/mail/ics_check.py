#!/usr/bin/python3
"""Reads one iCalendar file with Debian's python3-icalendar and prints what an
invite says, as one JSON object (the same one tests/mail/ics_check.js prints):

  {"method", "uid", "sequence", "status", "dtstart_utc", "dtend_utc",
   "summary", "location", "organizer",
   "attendees": [{"email", "role", "partstat", "rsvp", "cn"}, ...]}

A property that is absent is null.  Times are "YYYY-MM-DDTHH:MM:SSZ" (a DATE
value stays "YYYY-MM-DD").  Exits 1 with the reason on stderr when the parser
fails or the file is not one usable event (see README.md beside this file).

Time zones: a TZID that names an IANA zone is converted with the system's zone
database (zoneinfo), as Google Calendar does; any other TZID (Outlook's
"W. Europe Standard Time") with the file's own VTIMEZONE.  ics_check.js always
uses the file's VTIMEZONE, as Outlook and Thunderbird do, so the two disagree
when a VTIMEZONE contradicts its IANA name.

Runs under /usr/bin/python3 (python3-icalendar lives in Debian's dist-packages).
usage: ics_check.py FILE.ics
"""

import datetime
import json
import sys

try:
    import zoneinfo
except ImportError:  # Python < 3.9
    zoneinfo = None

try:
    import icalendar
except ImportError:
    sys.exit("ics_check.py: python3-icalendar is missing: run tests/deps, and use "
             "Debian's /usr/bin/python3 (got %s)" % sys.executable)


class Refused(Exception):
    pass


def _text(comp, name):
    v = comp.get(name)
    return None if v is None else str(v)


def _upper(v):
    return None if v is None else str(v).upper()


def _address(v):
    """'mailto:Jane@Example.COM' -> 'jane@example.com'."""
    if v is None:
        return None
    s = str(v).strip()
    if s.lower().startswith("mailto:"):
        s = s[len("mailto:"):]
    return s.lower()


def _rsvp(v):
    if v is None:
        return None
    return str(v).upper() == "TRUE"


def _zone(cal, tzid):
    """tzinfo for tzid: the IANA database when it knows the name, else the
    file's VTIMEZONE.  Either way the file must define it (RFC 5545 3.2.19)."""
    defs = [tz for tz in cal.walk("VTIMEZONE") if str(tz.get("TZID")) == tzid]
    if not defs:
        raise Refused("TZID=%s has no VTIMEZONE in the file" % tzid)
    if zoneinfo is not None:
        try:
            return zoneinfo.ZoneInfo(tzid)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return defs[0].to_tz()


def _localize(tz, wall):
    if hasattr(tz, "localize"):  # pytz-style zones from VTIMEZONE.to_tz()
        return tz.localize(wall)
    return wall.replace(tzinfo=tz)


def _utc(cal, prop, name, extra=None):
    """Property prop (a vDDDTypes) as a UTC string; extra is a timedelta added
    to the wall-clock time (DTSTART + DURATION, as ical.js adds it)."""
    dt = prop.dt
    if not isinstance(dt, datetime.datetime):  # a DATE value
        if extra is not None:
            dt = dt + extra
        return dt.isoformat()
    tzid = prop.params.get("TZID")
    wall = dt.replace(tzinfo=None)
    if extra is not None:
        wall = wall + extra
    if tzid:
        aware = _localize(_zone(cal, str(tzid)), wall)
    elif dt.tzinfo is not None:  # a value ending in Z
        aware = wall.replace(tzinfo=datetime.timezone.utc)
    else:
        raise Refused("%s is a floating time (no Z, no TZID): clients would show it "
                      "in their own zone" % name)
    return aware.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _attendee(a):
    p = a.params
    return {
        "email": _address(a),
        "role": _upper(p.get("ROLE")),
        "partstat": _upper(p.get("PARTSTAT")),
        "rsvp": _rsvp(p.get("RSVP")),
        "cn": None if p.get("CN") is None else str(p.get("CN")),
    }


def check(data):
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # the parser's own error, whatever its class
        msg = str(e)  # icalendar quotes the whole input: keep the start
        raise Refused("parse error: %s" % (msg[:160] + "..." if len(msg) > 160 else msg))
    if cal.name != "VCALENDAR":
        raise Refused("top-level component is %s, not VCALENDAR" % cal.name)
    events = cal.walk("VEVENT")
    if len(events) != 1:
        raise Refused("expected exactly one VEVENT, found %d" % len(events))
    ev = events[0]
    for comp in cal.walk():
        if comp.errors:  # icalendar keeps going past bad values in a VEVENT
            raise Refused("parse error in %s: %s" % (comp.name, "; ".join(
                "%s: %s" % (n, m) for n, m in comp.errors)))
    if ev.get("UID") is None:
        raise Refused("VEVENT has no UID")
    seq = ev.get("SEQUENCE")
    dtstart = ev.get("DTSTART")
    start = _utc(cal, dtstart, "DTSTART") if dtstart is not None else None
    end = None
    if ev.get("DTEND") is not None:
        end = _utc(cal, ev.get("DTEND"), "DTEND")
    elif ev.get("DURATION") is not None and dtstart is not None:
        end = _utc(cal, dtstart, "DTSTART", ev.get("DURATION").dt)
    attendees = ev.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    people = sorted((_attendee(a) for a in attendees),
                    key=lambda x: (x["email"] or "", json.dumps(x, sort_keys=True)))
    return {
        "method": _upper(cal.get("METHOD")),
        "uid": _text(ev, "UID"),
        "sequence": None if seq is None else int(seq),
        "status": _upper(ev.get("STATUS")),
        "dtstart_utc": start,
        "dtend_utc": end,
        "summary": _text(ev, "SUMMARY"),
        "location": _text(ev, "LOCATION"),
        "organizer": _address(ev.get("ORGANIZER")),
        "attendees": people,
    }


def main(argv):
    if len(argv) != 2:
        print("usage: ics_check.py FILE.ics", file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            data = f.read()
        out = check(data)
    except (OSError, Refused) as e:
        print("%s: %s" % (argv[1], e), file=sys.stderr)
        return 1
    except Exception as e:  # a value the parser accepted but we cannot use
        print("%s: %s: %s" % (argv[1], type(e).__name__, e), file=sys.stderr)
        return 1
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
