// Reference Slack app for tests/bench/bench_slack.py, written with Slack's official
// Bolt for JavaScript (@slack/bolt, pinned in package.json) in Socket Mode.
//
// It answers `/interview` the way interviewd does, so the benchmark can compare the two
// against the same fake Slack (tests/slack/fake_slack.py):
//   schedule candidate:"Jane Doe <jane@example.com>" when:"2031-03-10 14:00" [job:Backend]
//            [with:ivan,...] [duration:60m] [force:yes]
//   list today | list week | show #12 | stats | candidate jane@example.com | help
// Each command is acked with an ephemeral Block Kit reply in the ack payload; a schedule
// then also posts the interview's card to the channel with chat.postMessage.
//
// This favours Bolt: interviews live in memory only (no database, no transaction, no
// fsync, no audit log, no email outbox, nothing survives a restart), times are read in
// one zone ([general] timezone of the bench config, Europe/London), and the conflict
// check covers the panel and the candidate only.
//
// Environment: SLACK_APP_TOKEN (xapp-...), SLACK_BOT_TOKEN (xoxb-...), SLACK_API_URL
// (the Web API base, e.g. http://127.0.0.1:PORT/api/; Socket Mode's apps.connections.open
// goes there too, as Bolt hands clientOptions to its SocketModeClient), BOLT_TZ
// (default Europe/London), BOLT_REPLY (default "ack"; "response_url" or "ephemeral" ack
// empty and answer with respond() or chat.postEphemeral instead: for checking the
// benchmark's other reply paths). Prints "READY" once app.start() resolved.
'use strict';

const { App, LogLevel } = require('@slack/bolt');

const TZ = process.env.BOLT_TZ || 'Europe/London';
const PEOPLE = [
  { handle: 'rita', name: 'Rita Recruiter', slack: 'U0REC00001', role: 'recruiter' },
  { handle: 'ivan', name: 'Ivan Interviewer', slack: 'U0INT00001', role: 'interviewer' },
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
  const m = /^<@([A-Z0-9]+)(\|[^>]*)?>$/.exec(word);
  return PEOPLE.find((p) => (m ? p.slack === m[1] : p.handle === word.toLowerCase()));
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

// ---------------------------------------------------------------- Block Kit
function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function message(text, lines = []) {
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: esc(text) } }];
  for (let i = 0; i < lines.length; i += 10) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.slice(i, i + 10).join('\n') } });
  }
  return { response_type: 'ephemeral', text, blocks };
}

function line(iv) {
  return `*#${iv.id}* ${fmtLocal(iv.start)} · ${esc(iv.candidate.name)} · ${esc(iv.job)} · ` +
    `${iv.panel.join(', ')} · _${iv.status}_`;
}

function button(actionId, label, iv, style) {
  const b = { type: 'button', action_id: actionId, text: { type: 'plain_text', text: label }, value: `${iv.id}:1` };
  return style ? { ...b, style } : b;
}

function card(iv) {
  const text = `Interview #${iv.id}: ${iv.candidate.name} (${iv.job}), ${fmtLocal(iv.start)}`;
  const when = `<!date^${Math.floor(iv.start / 1000)}^{date_short_pretty} at {time}|${fmtLocal(iv.start)} ${TZ}>`;
  const email = esc(iv.candidate.email);
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Interview #${iv.id}: ${iv.candidate.name}`.slice(0, 150) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*When*\n${when}` },
          { type: 'mrkdwn', text: `*Job*\n${esc(iv.job)}` },
          { type: 'mrkdwn', text: `*Candidate*\n${esc(iv.candidate.name)} <mailto:${email}|${email}>` },
          { type: 'mrkdwn', text: `*Panel*\n${iv.panel.map(esc).join(', ') || '—'}` },
        ],
      },
      {
        type: 'actions',
        block_id: `iv.${iv.id}.v1`,
        elements: [button('iv.reschedule', 'Reschedule', iv), button('iv.cancel', 'Cancel', iv, 'danger')],
      },
    ],
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
    return { error, lines: clash.map(line) };
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
  const text = `Scheduled #${iv.id}: ${c.name}, round ${iv.round}, ${fmtLocal(start)} (${TZ}).`;
  return { reply: message(text, [line(iv)]), card: card(iv) };
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
  const shown = rows.slice(0, LIST_LIMIT).map(line);
  const more = rows.length > LIST_LIMIT ? `, first ${LIST_LIMIT} shown` : '';
  return { reply: message(`${rows.length} interview(s) ${which === 'today' ? 'today' : 'this week'}${more}`, shown) };
}

function show(actor, { words }) {
  const id = parseInt((words[1] || '').replace(/^#/, ''), 10);
  const iv = interviews.get(id);
  if (!iv || !visible(actor, iv)) return { error: `no interview #${words[1] || ''}` };
  const text = `Interview #${iv.id}, round ${iv.round}, ${iv.duration} min, created by ${iv.createdBy}`;
  return { reply: message(text, [line(iv)]) };
}

function stats(actor, _cmd, now) {
  const mine = [...interviews.values()].filter((iv) => visible(actor, iv));
  const count = (s) => mine.filter((iv) => iv.status === s).length;
  const today = inRange(actor, todayRange(now)).length;
  const week = inRange(actor, weekRange(now)).length;
  const text = `Today ${today} · this week ${week} · completed ${count('completed')} · cancelled ${count('cancelled')}`;
  return { reply: message(text) };
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
  return { reply: message(`${c.name} <${c.email}>: ${rows.length} round(s)`, rows.map(line)) };
}

const HANDLERS = { schedule, list, show, stats, candidate };

function execute(userId, text, now) {
  const actor = PEOPLE.find((p) => p.slack === userId);
  const cmd = tokenize(text || '');
  const verb = (cmd.words[0] || 'help').toLowerCase();
  if (!actor) return { reply: message('You are not in the people list of this app.') };
  const handler = HANDLERS[verb];
  if (!handler) return { reply: message(USAGE) };
  if (actor.role !== 'recruiter' && verb !== 'list' && verb !== 'show' && verb !== 'stats') {
    return { reply: message(`${verb}: recruiters only`) };
  }
  const out = handler(actor, cmd, now);
  return out.error ? { reply: message(`Error: ${out.error}\n${USAGE}`, out.lines || []) } : out;
}

// ---------------------------------------------------------------- the Bolt app
const REPLY = process.env.BOLT_REPLY || 'ack';

async function answer(msg, { command, ack, respond, client }) {
  if (REPLY === 'ack') return ack(msg);
  await ack();
  if (REPLY === 'response_url') return respond(msg);
  const { text, blocks } = msg;
  return client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, text, blocks });
}

function makeApp() {
  const app = new App({
    token: process.env.SLACK_BOT_TOKEN,
    appToken: process.env.SLACK_APP_TOKEN,
    socketMode: true,
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl: process.env.SLACK_API_URL || 'https://slack.com/api/' },
  });
  app.command('/interview', async ({ command, ack, respond, client, logger }) => {
    const out = execute(command.user_id, command.text, Date.now());
    await answer(out.reply, { command, ack, respond, client });
    if (out.card) {
      try {
        await client.chat.postMessage({ channel: command.channel_id, ...out.card });
      } catch (err) {
        logger.error(`chat.postMessage: ${err.message}`);
      }
    }
  });
  app.error(async (err) => console.error(`bolt error: ${err.message}`));
  return app;
}

async function main() {
  const app = makeApp();
  const stop = async () => {
    try { await app.stop(); } finally { process.exit(0); }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await app.start();
  console.log('READY');
}

main().catch((err) => {
  console.error(`app.js: ${err.stack || err}`);
  process.exit(1);
});
