// Reference Matrix bot for tests/bench/bench_matrix.py, written with matrix-bot-sdk
// (turt2live; pinned in package.json): a MatrixClient long-polling /sync, with
// AutojoinRoomsMixin and a storage provider for its sync token.
//
// It answers `!interview ...` in any joined room the way interviewd does, so the benchmark
// can compare the two against the same fake homeserver (tests/matrix/fake_matrix.py):
//   !interview schedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-10 14:00"
//              [job:Backend] [with:ivan,...] [duration:60m] [force:yes]
//   !interview list today | list week | show #12 | stats | candidate jane@example.com | help
// Each command gets one m.notice that replies to it (client.replyNotice: m.relates_to
// m.in_reply_to, a plain body and an org.matrix.custom.html formatted_body, with the SDK's
// rich-reply fallback quoting the command). The bot ignores its own events, m.notice
// events and edits.
//
// This favours the SDK bot, as bolt/app.js favours Bolt: interviews live in memory only
// (no database, no transaction, no fsync, no audit log, no email outbox, nothing survives
// a restart, only the sync token is kept), times are read in one zone (SDK_TZ, default UTC
// as in the bench config), and the conflict check covers the panel and the candidate only.
//
// Environment: MATRIX_HOMESERVER (e.g. http://127.0.0.1:PORT), MATRIX_TOKEN (the bot's
// access token), MATRIX_USER (the bot's user id, e.g. @interviewd:hs.test), MATRIX_STORAGE
// (a JSON file for SimpleFsStorageProvider; unset: MemoryStorageProvider), SDK_TZ (default
// UTC). Prints "READY" once client.start() resolved (the first /sync is then under way).
'use strict';

const Module = require('module');
const path = require('path');

// matrix-bot-sdk requires its end-to-end encryption binding (@matrix-org/matrix-sdk-crypto-
// nodejs) when it is loaded, and that package's native library is fetched from GitHub by a
// postinstall script, which cannot run where only the npm registry is reachable (npm 11 does
// not run it anyway unless allowed). This bot gives MatrixClient no crypto store, so the SDK
// never calls into the binding; when it cannot load, an empty module stands in for it.
function stubCryptoBindingIfMissing() {
  let file;
  try {
    const sdkDir = path.dirname(require.resolve('matrix-bot-sdk'));
    file = require.resolve('@matrix-org/matrix-sdk-crypto-nodejs', { paths: [sdkDir] });
  } catch (_) {
    return; // not installed: the SDK's own require will say so
  }
  try {
    require(file);
  } catch (_) {
    const stub = new Module(file, module);
    stub.filename = file;
    stub.loaded = true;
    stub.exports = {};
    require.cache[file] = stub;
    console.error('app.js: no native crypto binding; running without end-to-end encryption');
  }
}
stubCryptoBindingIfMissing();

const {
  MatrixClient, SimpleFsStorageProvider, MemoryStorageProvider, AutojoinRoomsMixin, LogService, LogLevel,
} = require('matrix-bot-sdk');

const TZ = process.env.SDK_TZ || 'UTC';
const PREFIX = '!interview ';
const PEOPLE = [
  { handle: 'rita', name: 'Rita Recruiter', mxid: '@rita:hs.test', role: 'recruiter' },
  { handle: 'ivan', name: 'Ivan Interviewer', mxid: '@ivan:hs.test', role: 'interviewer' },
  { handle: 'iris', name: 'Iris Interviewer', mxid: '@iris:hs.test', role: 'interviewer' },
];
const ACTIVE = new Set(['scheduled', 'in_progress']);
const LISTED = new Set(['scheduled', 'in_progress', 'completed']);
const LIST_LIMIT = 50;
const HOUR = 3600e3;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------- the store (memory)
const interviews = new Map(); // id -> interview
const candidates = new Map(); // email -> { name, email, ids: [] }
const byPerson = new Map(); // handle or candidate email -> [interview]
let nextId = 1;

function personOf(word) {
  const w = word.toLowerCase();
  return PEOPLE.find((p) => p.handle === w || p.mxid === w);
}

function remember(key, iv) {
  if (!byPerson.has(key)) byPerson.set(key, []);
  byPerson.get(key).push(iv);
}

function conflicts(keys, start, end) {
  const found = new Set();
  for (const key of keys) {
    for (const iv of byPerson.get(key) || []) {
      if (ACTIVE.has(iv.status) && iv.start < end && start < iv.start + iv.duration * 60e3) found.add(iv);
    }
  }
  return [...found];
}

// ---------------------------------------------------------------- time zone helpers
const partsFmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short',
});

function localParts(ms) {
  const p = {};
  for (const { type, value } of partsFmt.formatToParts(new Date(ms))) p[type] = value;
  return p;
}

function offsetAt(ms) {
  const p = localParts(ms);
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
}

// Local wall time (y, m, d, h, min) in TZ -> UTC ms; null if it does not exist (DST gap).
function localToUtc(y, mo, d, h, mi) {
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let t = wall - offsetAt(wall);
  t = wall - offsetAt(t);
  const p = localParts(t);
  return +p.hour === h && +p.minute === mi ? t : null;
}

function parseWhen(text) {
  if (/T.*(Z|[+-]\d\d:?\d\d)$/i.test(text)) {
    const t = Date.parse(text);
    return Number.isNaN(t) ? null : t;
  }
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d?):(\d\d)$/.exec(text.trim());
  return m ? localToUtc(+m[1], +m[2], +m[3], +m[4], +m[5]) : null;
}

function fmtLocal(ms) {
  const p = localParts(ms);
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

function todayRange(now) {
  const p = localParts(now);
  const start = localToUtc(+p.year, +p.month, +p.day, 0, 0);
  return [start, start + DAY + (offsetAt(start) - offsetAt(start + DAY))];
}

function weekRange(now) {
  const p = localParts(now);
  const dow = (new Date(Date.UTC(+p.year, +p.month - 1, +p.day)).getUTCDay() + 6) % 7; // Monday = 0
  const monday = new Date(Date.UTC(+p.year, +p.month - 1, +p.day - dow));
  const sunday = new Date(monday.getTime() + 7 * DAY);
  const at = (d) => localToUtc(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0);
  return [at(monday), at(sunday)];
}

// ---------------------------------------------------------------- parsing
function tokenize(text) {
  const out = { words: [], opts: {} };
  const re = /([a-z_]+):"([^"]*)"|([a-z_]+):(\S+)|"([^"]*)"|(\S+)/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) out.opts[m[1].toLowerCase()] = m[2];
    else if (m[3] !== undefined && !/^https?$/i.test(m[3])) out.opts[m[3].toLowerCase()] = m[4];
    else out.words.push(m[5] !== undefined ? m[5] : m[0]);
  }
  return out;
}

function parseCandidate(text) {
  const m = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text || '');
  if (m) return { name: m[1] || m[2], email: m[2].toLowerCase() };
  if (/^[^\s@]+@[^\s@]+$/.test(text || '')) return { name: text, email: text.toLowerCase() };
  return null;
}

function parseDuration(text) {
  if (!text) return 60;
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+)m?)?$/.exec(text);
  if (!m || (!m[1] && !m[2])) return null;
  return Math.round((m[1] ? parseFloat(m[1]) * 60 : 0) + (m[2] ? +m[2] : 0));
}

// ---------------------------------------------------------------- replies (plain + HTML)
function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// A reply: `head` and one row per interview, as plain text and as HTML.
function message(head, rows = []) {
  const text = [head, ...rows.map((r) => r.text)].join('\n');
  let html = `<p>${esc(head).replace(/\n/g, '<br>')}</p>`;
  if (rows.length) html += `<ul>${rows.map((r) => `<li>${r.html}</li>`).join('')}</ul>`;
  return { text, html };
}

function row(iv) {
  const parts = [fmtLocal(iv.start), iv.candidate.name, iv.job, iv.panel.join(', ')];
  return {
    text: `#${iv.id} ${parts.join(' · ')} · ${iv.status}`,
    html: `<b>#${iv.id}</b> ${parts.map(esc).join(' · ')} · <i>${iv.status}</i>`,
  };
}

// ---------------------------------------------------------------- commands
const USAGE = 'usage: schedule candidate:"Name <email>" when:"YYYY-MM-DD HH:MM" [job:] [with:a,b] ' +
  '[duration:60m] [force:yes] | list today|week | show #N | stats | candidate EMAIL';

function schedule(actor, { opts }, now) {
  const cand = parseCandidate(opts.candidate);
  if (!cand) return { error: 'candidate: needs "Name <email>" or an email' };
  const start = parseWhen(opts.when || '');
  if (start === null) return { error: `when: cannot read "${opts.when || ''}"` };
  if (start <= now) return { error: 'when: that is in the past' };
  const duration = parseDuration(opts.duration);
  if (duration === null) return { error: `duration: cannot read "${opts.duration}"` };
  const panel = [];
  for (const w of (opts.with || '').split(',').filter(Boolean)) {
    const p = personOf(w);
    if (!p) return { error: `with: no person "${w}"` };
    panel.push(p.handle);
  }
  const clash = conflicts([...panel, cand.email], start, start + duration * 60e3);
  if (clash.length && opts.force !== 'yes') {
    const error = `conflicts with ${clash.length} interview(s); add force:yes to book anyway`;
    return { error, rows: clash.map(row) };
  }
  if (!candidates.has(cand.email)) candidates.set(cand.email, { ...cand, ids: [] });
  const c = candidates.get(cand.email);
  const iv = {
    id: nextId++, candidate: c, start, duration, job: opts.job || 'General', panel,
    status: 'scheduled', round: c.ids.length + 1, createdBy: actor.handle, createdAt: now,
  };
  interviews.set(iv.id, iv);
  c.ids.push(iv.id);
  for (const key of [...panel, c.email]) remember(key, iv);
  return { reply: message(`Scheduled #${iv.id}: ${c.name}, round ${iv.round}, ${fmtLocal(start)} (${TZ}).`, [row(iv)]) };
}

function visible(actor, iv) {
  return actor.role === 'recruiter' || iv.panel.includes(actor.handle);
}

function inRange(actor, [from, to]) {
  return [...interviews.values()]
    .filter((iv) => iv.start >= from && iv.start < to && LISTED.has(iv.status) && visible(actor, iv));
}

function list(actor, { words }, now) {
  const which = (words[1] || 'today').toLowerCase();
  if (which !== 'today' && which !== 'week') return { error: `list: "${which}" is not today or week` };
  const rows = inRange(actor, which === 'today' ? todayRange(now) : weekRange(now)).sort((a, b) => a.start - b.start);
  const more = rows.length > LIST_LIMIT ? `, first ${LIST_LIMIT} shown` : '';
  const head = `${rows.length} interview(s) ${which === 'today' ? 'today' : 'this week'}${more}`;
  return { reply: message(head, rows.slice(0, LIST_LIMIT).map(row)) };
}

function show(actor, { words }) {
  const id = parseInt((words[1] || '').replace(/^#/, ''), 10);
  const iv = interviews.get(id);
  if (!iv || !visible(actor, iv)) return { error: `no interview #${words[1] || ''}` };
  const head = `Interview #${iv.id}, round ${iv.round}, ${iv.duration} min, created by ${iv.createdBy}`;
  return { reply: message(head, [row(iv)]) };
}

function stats(actor, _cmd, now) {
  const mine = [...interviews.values()].filter((iv) => visible(actor, iv));
  const count = (s) => mine.filter((iv) => iv.status === s).length;
  const today = inRange(actor, todayRange(now)).length;
  const week = inRange(actor, weekRange(now)).length;
  return { reply: message(`Today ${today} · this week ${week} · completed ${count('completed')} · cancelled ${count('cancelled')}`) };
}

function candidate(actor, { words }) {
  const q = (words[1] || '').toLowerCase();
  let c = candidates.get(q);
  if (!c) {
    const hits = [...candidates.values()].filter((x) => x.name.toLowerCase().includes(q));
    if (hits.length !== 1) return { error: `candidate: ${hits.length} match "${q}"` };
    [c] = hits;
  }
  const rows = c.ids.map((id) => interviews.get(id)).filter((iv) => visible(actor, iv));
  return { reply: message(`${c.name} <${c.email}>: ${rows.length} round(s)`, rows.map(row)) };
}

const HANDLERS = { schedule, list, show, stats, candidate };

function execute(sender, text, now) {
  const actor = PEOPLE.find((p) => p.mxid === sender);
  const cmd = tokenize(text || '');
  const verb = (cmd.words[0] || 'help').toLowerCase();
  if (!actor) return message('You are not in the people list of this bot.');
  const handler = HANDLERS[verb];
  if (!handler) return message(USAGE);
  if (actor.role !== 'recruiter' && verb !== 'list' && verb !== 'show' && verb !== 'stats') {
    return message(`${verb}: recruiters only`);
  }
  const out = handler(actor, cmd, now);
  return out.error ? message(`Error: ${out.error}\n${USAGE}`, out.rows || []) : out.reply;
}

// ---------------------------------------------------------------- the bot
function makeClient() {
  const homeserver = (process.env.MATRIX_HOMESERVER || 'http://127.0.0.1:8008').replace(/\/+$/, '');
  const storage = process.env.MATRIX_STORAGE
    ? new SimpleFsStorageProvider(process.env.MATRIX_STORAGE)
    : new MemoryStorageProvider();
  const client = new MatrixClient(homeserver, process.env.MATRIX_TOKEN, storage);
  AutojoinRoomsMixin.setupOnClient(client);
  const me = process.env.MATRIX_USER;

  client.on('room.message', async (roomId, event) => {
    const content = event.content || {};
    if (event.sender === me || content.msgtype === 'm.notice') return;
    if ((content['m.relates_to'] || {}).rel_type === 'm.replace') return; // edits do not re-run commands
    const body = typeof content.body === 'string' ? content.body : '';
    if (!body.startsWith(PREFIX)) return;
    const { text, html } = execute(event.sender, body.slice(PREFIX.length), Date.now());
    try {
      await client.replyNotice(roomId, event, text, html);
    } catch (err) {
      LogService.error('app.js', `reply to ${event.event_id}: ${err.message || err}`);
    }
  });
  return client;
}

async function main() {
  LogService.setLevel(LogLevel.WARN);
  if (!process.env.MATRIX_TOKEN || !process.env.MATRIX_USER) {
    throw new Error('MATRIX_TOKEN and MATRIX_USER are required');
  }
  const client = makeClient();
  const stop = () => {
    client.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await client.start();
  console.log('READY');
}

main().catch((err) => {
  console.error(`app.js: ${err.stack || err}`);
  process.exit(1);
});
