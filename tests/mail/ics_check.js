#!/usr/bin/env node
// Reads one iCalendar file with ical.js (npm, installed in tests/node_modules
// by tests/deps) and prints what an invite says, as one JSON object -- the
// same one tests/mail/ics_check.py prints:
//
//   {"method", "uid", "sequence", "status", "dtstart_utc", "dtend_utc",
//    "summary", "location", "organizer",
//    "attendees": [{"email", "role", "partstat", "rsvp", "cn"}, ...]}
//
// A property that is absent is null.  Times are "YYYY-MM-DDTHH:MM:SSZ" (a DATE
// value stays "YYYY-MM-DD").  Exits 1 with the reason on stderr when the parser
// fails or the file is not one usable event (see README.md beside this file).
//
// Time zones: a TZID is converted with the file's own VTIMEZONE, as Outlook and
// Thunderbird do (ics_check.py prefers the IANA database, as Google does).
//
// usage: node ics_check.js FILE.ics
'use strict';

const fs = require('fs');

let ICAL;
try {
  ICAL = require('ical.js');
} catch (e) {
  process.stderr.write('ics_check.js: ical.js is missing: run tests/deps ' +
                       '(npm ci --prefix tests)\n');
  process.exit(1);
}

class Refused extends Error {}

const text = (v) => (v === null || v === undefined ? null : String(v));
const upper = (v) => (v === null || v === undefined ? null : String(v).toUpperCase());

// 'mailto:Jane@Example.COM' -> 'jane@example.com'
function address(v) {
  if (v === null || v === undefined) return null;
  let s = String(v).trim();
  if (s.toLowerCase().startsWith('mailto:')) s = s.slice('mailto:'.length);
  return s.toLowerCase();
}

function rsvp(v) {
  if (v === null || v === undefined) return null;
  return String(v).toUpperCase() === 'TRUE';
}

function pad(n, w) {
  return String(n).padStart(w || 2, '0');
}

// ical.js rolls an out-of-range value over ("20261310T..." becomes January
// 2027); refuse it instead, as icalendar does.
function checkRange(prop, name) {
  const v = String(prop.jCal[3]);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z?)?$/.exec(v);
  if (!m) throw new Refused(`${name}: invalid date or date-time value "${v}"`);
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x || 0));
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d ||
      t.getUTCHours() !== h || t.getUTCMinutes() !== mi || t.getUTCSeconds() !== s) {
    throw new Refused(`${name}: date or time out of range: "${v}"`);
  }
}

// A property's ICAL.Time as a UTC string; dur (ICAL.Duration) is added to
// the wall-clock time first (DTSTART + DURATION).
function utc(root, prop, name, dur) {
  checkRange(prop, name);
  let t = prop.getFirstValue().clone();
  if (dur) t.addDuration(dur);
  if (t.isDate) {
    return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
  }
  const tzid = prop.getParameter('tzid');
  if (tzid) {
    // RFC 5545 3.2.19: every TZID must have its VTIMEZONE in the same object.
    // Without it ical.js quietly treats the time as floating.
    const defined = root.getAllSubcomponents('vtimezone').some(
      (z) => String(z.getFirstPropertyValue('tzid')) === tzid);
    if (!defined) throw new Refused(`TZID=${tzid} has no VTIMEZONE in the file`);
  } else if (t.zone !== ICAL.Timezone.utcTimezone) {
    throw new Refused(`${name} is a floating time (no Z, no TZID): clients ` +
                      'would show it in their own zone');
  }
  const u = t.convertToZone(ICAL.Timezone.utcTimezone);
  return `${pad(u.year, 4)}-${pad(u.month)}-${pad(u.day)}T` +
         `${pad(u.hour)}:${pad(u.minute)}:${pad(u.second)}Z`;
}

function attendee(p) {
  return {
    email: address(p.getFirstValue()),
    role: upper(p.getParameter('role')),
    partstat: upper(p.getParameter('partstat')),
    rsvp: rsvp(p.getParameter('rsvp')),
    cn: text(p.getParameter('cn')),
  };
}

function check(data) {
  let jcal;
  try {
    jcal = ICAL.parse(data);
  } catch (e) {
    throw new Refused(`parse error: ${e.message}`);
  }
  // ICAL.parse returns an array when the text holds several top-level objects.
  if (Array.isArray(jcal) && Array.isArray(jcal[0])) {
    throw new Refused(`found ${jcal.length} top-level components, expected one`);
  }
  if (!Array.isArray(jcal) || jcal.length === 0) {
    throw new Refused('parse error: no component found');
  }
  const root = new ICAL.Component(jcal);
  if (root.name !== 'vcalendar') {
    throw new Refused(`top-level component is ${root.name.toUpperCase()}, not VCALENDAR`);
  }
  const events = root.getAllSubcomponents('vevent');
  if (events.length !== 1) {
    throw new Refused(`expected exactly one VEVENT, found ${events.length}`);
  }
  const ev = events[0];
  const uid = ev.getFirstPropertyValue('uid');
  if (uid === null) throw new Refused('VEVENT has no UID');
  const seq = ev.getFirstPropertyValue('sequence');
  const dtstart = ev.getFirstProperty('dtstart');
  const dtend = ev.getFirstProperty('dtend');
  const duration = ev.getFirstPropertyValue('duration');
  const start = dtstart ? utc(root, dtstart, 'DTSTART') : null;
  let end = null;
  if (dtend) end = utc(root, dtend, 'DTEND');
  else if (duration && dtstart) end = utc(root, dtstart, 'DTSTART', duration);
  const people = ev.getAllProperties('attendee').map(attendee);
  people.sort((a, b) => {
    const ka = a.email || '';
    const kb = b.email || '';
    if (ka !== kb) return ka < kb ? -1 : 1;
    const ja = JSON.stringify(a);
    const jb = JSON.stringify(b);
    return ja < jb ? -1 : ja > jb ? 1 : 0;
  });
  const organizer = ev.getFirstProperty('organizer');
  return {
    method: upper(root.getFirstPropertyValue('method')),
    uid: text(uid),
    sequence: seq === null ? null : Number(seq),
    status: upper(ev.getFirstPropertyValue('status')),
    dtstart_utc: start,
    dtend_utc: end,
    summary: text(ev.getFirstPropertyValue('summary')),
    location: text(ev.getFirstPropertyValue('location')),
    organizer: organizer ? address(organizer.getFirstValue()) : null,
    attendees: people,
  };
}

function main(argv) {
  if (argv.length !== 1) {
    process.stderr.write('usage: node ics_check.js FILE.ics\n');
    return 2;
  }
  const file = argv[0];
  let out;
  try {
    out = check(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    // Refused, a read error, or a value ical.js took but cannot convert
    const kind = e instanceof Refused ? '' : `${e.name}: `;
    process.stderr.write(`${file}: ${kind}${e.message}\n`);
    return 1;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
