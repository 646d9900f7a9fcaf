// The Node reference for tests/bench/bench_replies.py: the job of tests/bench/bench_replies.c
// (read a feedback reply: parse the message, keep what the person wrote, read a rating and a
// recommendation) done the way a Node app would, with npm's mailparser (simpleParser) and
// email-reply-parser, on the same files.
//
// usage: node bench.js [--seconds S] [--warmup S] [--dump] [--defaults] DIR
//
// Loads every DIR/*.eml into memory (sorted by name), runs the corpus over and over for
// --warmup seconds (default 0.5, at least one pass; the JIT warms up), then again until
// --seconds (default 3) have passed, timing each message. Prints one JSON line with the
// same fields as the C side. --dump prints "NAME<TAB>RATING<TAB>RECOMMENDATION<TAB>NEW TEXT BYTES"
// for each file instead and measures nothing.
//
// For each message:
//   - simpleParser(buffer, {skipTextToHtml, skipImageLinks}): the two options only skip
//     work the job does not use (textAsHtml, cid: images inlined as data: URLs in the
//     HTML); text/html-only messages still get `text` from html-to-text. --defaults runs
//     simpleParser with no options instead.
//   - new EmailReplyParser().read(text).getVisibleText(): drops quoted text, quote headers
//     and signatures.
//   - readFeedback(visible): the few regular expressions below, what a Node app would
//     write for "Rating: 4", "4/5 hire", "Score: 4 out of 5", "★★★★", "Recommendation:
//     hire"... They are deliberately simpler than mail/reply.c's reply_feedback_parse:
//     a keyword anywhere counts (also in prose: "I would not hire him yet but maybe later"
//     reads as reject), no localized keys, no "Hire: no", no check against a line that
//     contradicts the first, no list-item or "7/10" or "3.5" rules beyond a digit check,
//     and the feedback text is not rebuilt.
import fs from "node:fs";
import path from "node:path";
import { simpleParser } from "mailparser";
import EmailReplyParser from "email-reply-parser";

const KEYED_RATING = /\b(?:rating|score)\b[\s:=*_-]*([1-5])(?![\d.,]\d)(?:\s*(?:\/|out of)\s*5\b)?/i;
const LEADING_RATING = /^[\s*_-]*([1-5])(?![\d.])\s*(?:\/\s*5\b|out of 5\b|stars?\b|[-–—,:]|$)/m;
const STARS = /[★⭐]+/u;
const REC = /\b(strong no hire|no hire|not hire|don'?t hire|no go|strong no|reject(?:ed)?|decline|strong hire|would hire|hire|make an offer|offer|proceed|move forward|next round|advance|maybe|unsure|not sure|on the fence|borderline|undecided)\b/i;
const REC_OF = (w) => {
	w = w.toLowerCase();
	if (/no hire|not hire|don'?t hire|no go|strong no|reject|decline/.test(w)) return "reject";
	if (/hire|offer/.test(w)) return "hire";
	if (/proceed|move forward|next round|advance/.test(w)) return "proceed";
	return "maybe";
};

function readFeedback(text) {
	let rating = 0;
	let m = KEYED_RATING.exec(text) || LEADING_RATING.exec(text);
	if (m) {
		rating = Number(m[1]);
	} else if ((m = STARS.exec(text))) {
		const n = [...m[0]].length;
		if (n <= 5) rating = n;
	}
	const r = REC.exec(text);
	return { rating, rec: r ? REC_OF(r[1]) : "none" };
}

const PARSER_OPTIONS = { skipTextToHtml: true, skipImageLinks: true };

async function one(file, options) {
	let mail;
	try {
		mail = await simpleParser(file.data, options);
	} catch (err) {
		throw new Error(`${file.name}: ${err && err.message ? err.message : err}`);
	}
	const text = mail.text || "";
	const visible = new EmailReplyParser().read(text).getVisibleText();
	const fb = readFeedback(visible);
	fb.newBytes = Buffer.byteLength(visible, "utf8");
	return fb;
}

function nowNs() {
	return process.hrtime.bigint();
}

async function main() {
	let seconds = 3, warmup = 0.5, dump = false, options = PARSER_OPTIONS, dir = null;
	const args = process.argv.slice(2);
	for (let i = 0; i < args.length; i++) {
		if (args[i] === "--seconds" && i + 1 < args.length) seconds = Number(args[++i]);
		else if (args[i] === "--warmup" && i + 1 < args.length) warmup = Number(args[++i]);
		else if (args[i] === "--dump") dump = true;
		else if (args[i] === "--defaults") options = undefined;
		else if (!args[i].startsWith("-") && !dir) dir = args[i];
		else {
			dir = null;
			break;
		}
	}
	if (!dir) {
		process.stderr.write("usage: node bench.js [--seconds S] [--warmup S] [--dump] [--defaults] DIR\n");
		return 2;
	}
	const names = fs.readdirSync(dir).filter((n) => n.length > 4 && n.endsWith(".eml")).sort();
	if (!names.length) {
		process.stderr.write(`bench.js: no .eml files in ${dir}\n`);
		return 1;
	}
	const files = names.map((n) => ({ name: n.slice(0, -4), data: fs.readFileSync(path.join(dir, n)) }));
	if (dump) {
		for (const f of files) {
			const fb = await one(f, options);
			process.stdout.write(`${f.name}\t${fb.rating}\t${fb.rec}\t${fb.newBytes}\n`);
		}
		return 0;
	}
	const corpus = files.reduce((s, f) => s + f.data.length, 0);

	// Warm-up; its first pass gives the checksum.
	const sum = { ratingSum: 0, ratings: 0, recs: 0, newBytes: 0 };
	let start = nowNs(), first = true;
	do {
		for (const f of files) {
			const fb = await one(f, options);
			if (first) {
				sum.ratingSum += fb.rating;
				sum.ratings += fb.rating !== 0 ? 1 : 0;
				sum.recs += fb.rec !== "none" ? 1 : 0;
				sum.newBytes += fb.newBytes;
			}
		}
		first = false;
	} while (Number(nowNs() - start) / 1e9 < warmup);

	const lat = [];
	let passes = 0, end;
	start = nowNs();
	do {
		for (const f of files) {
			const t0 = nowNs();
			await one(f, options);
			lat.push(Number(nowNs() - t0));
		}
		passes++;
		end = nowNs();
	} while (Number(end - start) / 1e9 < seconds);
	const dt = Number(end - start) / 1e9;
	lat.sort((a, b) => a - b);
	const count = lat.length;
	const version = (p) => JSON.parse(fs.readFileSync(new URL(`./node_modules/${p}/package.json`, import.meta.url))).version;
	const out = {
		impl: `Node ${process.version} (mailparser ${version("mailparser")} + email-reply-parser ${version("email-reply-parser")}${options ? "" : ", simpleParser defaults"})`,
		files: files.length,
		corpus_bytes: corpus,
		passes,
		messages: count,
		seconds: Number(dt.toFixed(3)),
		msgs_per_s: Number((count / dt).toFixed(1)),
		mb_per_s: Number(((corpus * passes) / dt / 1e6).toFixed(2)),
		p50_us: Number((lat[Math.floor(count / 2)] / 1e3).toFixed(1)),
		p99_us: Number((lat[Math.floor((count * 99) / 100)] / 1e3).toFixed(1)),
		max_us: Number((lat[count - 1] / 1e3).toFixed(1)),
		peak_rss_kb: process.resourceUsage().maxRSS,
		rating_sum: sum.ratingSum,
		ratings: sum.ratings,
		recs: sum.recs,
		new_text_bytes: sum.newBytes,
	};
	process.stdout.write(JSON.stringify(out) + "\n");
	return 0;
}

main().then(
	(rc) => process.exit(rc),
	(err) => {
		process.stderr.write(`bench.js: ${err && err.stack ? err.stack : err}\n`);
		process.exit(1);
	},
);
