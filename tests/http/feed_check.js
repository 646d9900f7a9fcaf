#!/usr/bin/env node
// Reads one iCalendar feed (a GET /feeds/TOKEN.ics answer) from standard input
// with ical.js (npm, installed in tests/node_modules by tests/deps) and prints
// it as one JSON object:
//
//   {"name": X-WR-CALNAME or null, "method": METHOD or null,
//    "events": [{"uid", "summary", "start", "end", "status", "description"}, ...]}
//
// Times are UTC, "YYYY-MM-DDTHH:MM:SSZ" (a DATE value stays "YYYY-MM-DD"); an
// absent property is null.  Exits 1 with the reason on stderr when ical.js
// refuses the text, when it is not one VCALENDAR, or when a time is floating
// or names a TZID the file does not define.  Used by tests/http/test_http.py.
//
// usage: node feed_check.js < FEED.ics
'use strict';

const fs = require('fs');

let ICAL;
try {
  ICAL = require('ical.js'); // found in tests/node_modules, above this file
} catch (e) {
  process.stderr.write('feed_check.js: ical.js is missing: run tests/deps (npm ci --prefix tests)\n');
  process.exit(1);
}

const pad = (n, w) => String(n).padStart(w || 2, '0');
const text = (v) => (v === null || v === undefined ? null : String(v));

function utc(root, prop, name) {
  if (!prop) return null;
  const t = prop.getFirstValue();
  if (t.isDate) return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
  const tzid = prop.getParameter('tzid');
  if (tzid) {
    const defined = root.getAllSubcomponents('vtimezone').some(
      (z) => String(z.getFirstPropertyValue('tzid')) === tzid);
    if (!defined) throw new Error(`${name}: TZID=${tzid} has no VTIMEZONE in the file`);
  } else if (t.zone !== ICAL.Timezone.utcTimezone) {
    throw new Error(`${name} is a floating time (no Z, no TZID)`);
  }
  const u = t.convertToZone(ICAL.Timezone.utcTimezone);
  return `${pad(u.year, 4)}-${pad(u.month)}-${pad(u.day)}T${pad(u.hour)}:${pad(u.minute)}:${pad(u.second)}Z`;
}

function main() {
  const data = fs.readFileSync(0, 'utf8');
  let jcal;
  try {
    jcal = ICAL.parse(data);
  } catch (e) {
    throw new Error(`parse error: ${e.message}`);
  }
  if (!Array.isArray(jcal) || jcal.length === 0 || Array.isArray(jcal[0])) {
    throw new Error('not exactly one top-level component');
  }
  const root = new ICAL.Component(jcal);
  if (root.name !== 'vcalendar') throw new Error(`top-level component is ${root.name}, not VCALENDAR`);
  const events = root.getAllSubcomponents('vevent').map((ev) => {
    const start = utc(root, ev.getFirstProperty('dtstart'), 'DTSTART');
    let end = utc(root, ev.getFirstProperty('dtend'), 'DTEND');
    const dur = ev.getFirstPropertyValue('duration');
    if (!end && dur && start) {
      const t = ev.getFirstPropertyValue('dtstart').clone();
      t.addDuration(dur);
      end = utc(root, {getFirstValue: () => t, getParameter: () => null}, 'DTSTART+DURATION');
    }
    const status = ev.getFirstPropertyValue('status');
    return {
      uid: text(ev.getFirstPropertyValue('uid')),
      summary: text(ev.getFirstPropertyValue('summary')),
      start,
      end,
      status: status === null ? null : String(status).toUpperCase(),
      description: text(ev.getFirstPropertyValue('description')),
    };
  });
  process.stdout.write(JSON.stringify({
    name: text(root.getFirstPropertyValue('x-wr-calname')),
    method: text(root.getFirstPropertyValue('method')),
    events,
  }) + '\n');
}

try {
  main();
} catch (e) {
  process.stderr.write(`feed_check.js: ${e.message}\n`);
  process.exitCode = 1;
}
