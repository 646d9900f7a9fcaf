/* inbound.c: see inbound.h. */
#include "mail/inbound.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/parse.h"
#include "mail/reply.h"
#include "mail/itip.h"
#include "mail/token.h"
#include "lib/tzfmt.h"
#include "commands/when.h"

#include <ctype.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FEEDBACK_MAX 3000 /* bytes of the reply's words kept (the command line holds 4000) */

const char *inbound_outcome_name(enum inbound_outcome o)
{
	static const char *const names[] = {"recorded", "nudged", "unreadable", "duplicate", "ignored", "refused", "failed"};
	return names[o];
}

__attribute__((format(printf, 3, 4))) static void result(struct inbound_result *r, enum inbound_outcome o,
                                                         const char *fmt, ...)
{
	va_list ap;
	r->outcome = o;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
}

/* The idempotency key of M: its Message-Id, else a hash of the whole message. */
static void key_of(const struct mail_msg *m, const char *raw, size_t len, char *key, size_t keylen)
{
	if (m->message_id[0]) {
		snprintf(key, keylen, "mail:%s", m->message_id);
		return;
	}
	gchar *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)raw, len);
	snprintf(key, keylen, "mail-sha256:%s", sum ? sum : "");
	g_free(sum);
}

/* Remembers KEY on its own (a message judged without a command), so a second copy is
 * a duplicate. */
static void remember(struct store *st, const char *key, time_t now)
{
	if (store_begin(st) == 0 && store_inbound_seen(st, key, "email", now) >= 0)
		store_commit(st);
	else
		store_rollback(st);
}

/* The genuine token in a recipient address of M: its kind ('f' a feedback request,
 * 'c' a candidate's interview chain) with *ID, or 0. */
static int token_in(struct store *st, const struct inbound_settings *is, const struct mail_msg *m, int64_t *id)
{
	char secret[256], token[MAIL_TOKEN_MAX];
	if (is->secret && *is->secret)
		snprintf(secret, sizeof secret, "%s", is->secret);
	else if (store_meta(st, "reply_secret", secret, sizeof secret) != 1)
		return 0;
	for (int i = 0; i < m->nrcpt; i++) {
		int kind = mail_token_of(is->reply_address, m->rcpt[i], token) ? mail_token_read(secret, token, id) : 0;
		if (kind)
			return kind;
	}
	return 0;
}

/* The reply's words as one value of the command language: white space (line breaks
 * too) made single spaces, quotes and backslashes escaped, at most FEEDBACK_MAX bytes
 * written (escapes count), cut at a character boundary. */
static void quote_words(struct buf *b, const char *text)
{
	size_t start = b->len;
	int space = 0;
	buf_add(b, "\"");
	for (const char *p = text; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			space = b->len > start + 1;
			continue;
		}
		size_t need = (size_t)space + 1 + (*p == '"' || *p == '\\');
		if (b->len - start - 1 + need > FEEDBACK_MAX)
			break;
		if (space)
			buf_add(b, " ");
		space = 0;
		if (*p == '"' || *p == '\\')
			buf_add(b, "\\");
		buf_put(b, p, 1);
	}
	while (b->len > start + 1 && ((unsigned char)b->s[b->len - 1] & 0xc0) == 0x80)
		b->len--; /* a character cut in two: drop its continuation bytes and its lead */
	if (b->len > start + 1 && (unsigned char)b->s[b->len - 1] >= 0xc0)
		b->len--;
	if (b->s)
		b->s[b->len] = 0;
	buf_add(b, "\"");
}

/* Records the feedback F of WHO on interview IV through the core, with KEY. */
static void record(struct store *st, const struct cmd_settings *set, const struct store_person *who, int64_t iv,
                   const struct reply_feedback *f, const char *key, time_t now, struct inbound_result *res)
{
	struct buf cmd = {0};
	buf_addf(&cmd, "feedback #%lld rating:%d recommendation:%s", (long long)iv, f->rating,
	         store_rec_name((enum store_rec)f->rec));
	if (f->feedback && *f->feedback) {
		buf_add(&cmd, " feedback:");
		quote_words(&cmd, f->feedback);
	}
	char *text = buf_take(&cmd);
	struct cmd_request req = {.text = text ? text : "", .via = "email", .key = key, .actor = *who, .now = now};
	struct cmd_reply r;
	cmd_execute(st, set, &req, &r);
	if (r.kind == REPLY_DUPLICATE)
		result(res, IN_DUPLICATE, "Message-Id seen before");
	else if (r.kind == REPLY_ERROR && strncmp(r.message, "the database failed", 19) == 0)
		result(res, IN_FAILED, "%s", r.message);
	else if (r.kind == REPLY_ERROR)
		result(res, IN_IGNORED, "the core refused it: %s", r.message), remember(st, key, now);
	else
		result(res, IN_RECORDED, "feedback of %s: %d/5, %s", who->handle, f->rating,
		       store_rec_name((enum store_rec)f->rec));
	cmd_reply_free(&r);
	free(text);
}

/* What an unreadable reply said and lacked, for the nudge. */
static void understood(const struct reply_feedback *f, char *got, size_t glen, char *missing, size_t mlen)
{
	char rating[32];
	snprintf(rating, sizeof rating, "a rating of %d/5", f->rating);
	snprintf(got, glen, "%s%s%s%s", f->rating ? rating : "", f->rating && f->rec ? " and " : "",
	         f->rec ? "the recommendation " : "", f->rec ? store_rec_name((enum store_rec)f->rec) : "");
	if (!got[0])
		snprintf(got, glen, "your message");
	snprintf(missing, mlen, "%s%s%s", f->rating ? "" : "a rating (1 to 5)", !f->rating && !f->rec ? " or " : "",
	         f->rec ? "" : "a recommendation (proceed, hire, reject or maybe)");
}

/* One polite email per request; the message's key is kept either way. */
static void nudge(struct store *st, const struct cmd_settings *set, int64_t request, const struct reply_feedback *f,
                  const char *key, time_t now, struct inbound_result *res)
{
	char got[200], missing[200];
	understood(f, got, sizeof got, missing, sizeof missing);
	if (store_begin(st) < 0) {
		result(res, IN_FAILED, "%s", store_error(st));
		return;
	}
	int seen = store_inbound_seen(st, key, "email", now);
	int first = seen == 0 ? store_freq_nudge(st, request, now) : 0;
	if (seen < 0 || first < 0 || (first == 1 && cmd_nudge_feedback(st, set, request, got, missing, now) < 0) ||
	    store_commit(st) < 0) {
		store_rollback(st);
		result(res, IN_FAILED, "%s", store_error(st));
	} else if (seen) {
		result(res, IN_DUPLICATE, "Message-Id seen before");
	} else {
		result(res, first ? IN_NUDGED : IN_UNREADABLE, "the reply lacks %s%s", missing,
		       first ? "; asked once more" : "; asked before, not again");
	}
}

/* A person's reply to request ID: the sender must be the interviewer it went to. */
static void judge_reply(struct store *st, const struct cmd_settings *set, const struct mail_msg *m, int64_t id,
                        const char *key, time_t now, struct inbound_result *res)
{
	struct store_freq f;
	struct store_person who;
	struct reply_feedback fb = {0, 0, NULL};
	if (store_freq_get(st, id, &f) != 1 || store_person_by_id(st, f.person_id, &who) != 1) {
		result(res, IN_REFUSED, "feedback request %lld is not known here", (long long)id);
		return;
	}
	res->interview = f.interview_id;
	if (!m->from[0] || strcasecmp(m->from, who.email) != 0) {
		result(res, IN_REFUSED, "sent by %s, but request %lld went to %s", m->from[0] ? m->from : "nobody",
		       (long long)id, who.email);
		return;
	}
	int given = 0;
	if (reply_feedback_parse(m->new_text, &fb) < 0) {
		result(res, IN_FAILED, "out of memory");
	} else if ((!fb.rating || !fb.rec) && (given = store_feedback_given(st, f.interview_id, who.id)) != 0) {
		result(res, given < 0 ? IN_FAILED : IN_UNREADABLE, "%s",
		       given < 0 ? store_error(st) : "no rating and recommendation, and the feedback is in already: not asked again");
		if (given > 0)
			remember(st, key, now);
	} else if (!fb.rating || !fb.rec) {
		nudge(st, set, id, &fb, key, now, res);
	} else {
		record(st, set, &who, f.interview_id, &fb, key, now, res);
	}
	reply_feedback_free(&fb);
}

/* "2031-03-11 15:00" in ZONE: a time the command language reads back. */
static void when_text(const char *zone, time_t t, char *buf, size_t len)
{
	char iso[64];
	tzfmt(zone, t, TZF_ISO, iso, sizeof iso);
	snprintf(buf, len, "%.10s %.5s", iso, iso + 11);
}

/* Up to MAX moments named in TEXT ("Thursday 3pm", "march 14 10:00") after NOW, read
 * in ZONE by the command language's own date reader: the longest run of up to four
 * words, holding a digit, that reads as a time in the next 120 days. */
static int times_in(const char *text, const char *zone, time_t now, time_t *out, int max)
{
	char words[64][32], window[140], err[256];
	int n = 0, found = 0;
	for (const char *p = text; *p && n < 64;) {
		size_t len = 0;
		while (*p && !(isalnum((unsigned char)*p) || *p == ':'))
			p++;
		while (*p && (isalnum((unsigned char)*p) || *p == ':') && len < 31)
			words[n][len++] = (char)tolower((unsigned char)*p++);
		while (*p && (isalnum((unsigned char)*p) || *p == ':'))
			p++;
		words[n][len] = 0;
		n += len > 0;
	}
	for (int i = 0; i < n && found < max; i++)
		for (int k = i + 4 > n ? n - i : 4; k >= 1; k--) {
			window[0] = 0;
			for (int j = i; j < i + k; j++)
				snprintf(window + strlen(window), sizeof window - strlen(window), "%s%s", j > i ? " " : "", words[j]);
			time_t t;
			if (!strpbrk(window, "0123456789") || when_parse(window, zone, now, &t, err, sizeof err) < 0 ||
			    t <= now || t > now + 120 * 86400 || (found && out[found - 1] == t))
				continue;
			out[found++] = t;
			i += k - 1;
			break;
		}
	return found;
}

/* The candidate's words, for the recruiter's chat: on one line, at most 600 bytes. */
static void one_line(const char *text, char *out, size_t len)
{
	size_t n = 0;
	for (const char *p = text; *p && n + 4 < len; p++)
		out[n++] = (unsigned char)*p < ' ' ? ' ' : *p;
	while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80 && n + 4 >= len)
		n--;
	out[n] = 0;
}

/* The recruiter's chat line about the candidate's message, with any times it names as
 * ready reschedule commands. */
static int tell_candidate(struct store *st, const struct cmd_settings *set, const struct store_interview *iv,
                          const char *words, time_t now)
{
	struct store_person rec;
	char text[2000], said[620], when[64];
	time_t times[2];
	if (!iv->created_by || store_person_by_id(st, iv->created_by, &rec) != 1)
		return 0;
	const char *zone = rec.tz[0] ? rec.tz : set->default_tz;
	one_line(words, said, sizeof said);
	int n = snprintf(text, sizeof text, "%s (candidate of #%lld) wrote by email: \"%s\"", iv->candidate_name,
	                 (long long)iv->id, said[0] ? said : "(nothing but quoted text)");
	int k = times_in(words, iv->candidate_tz[0] ? iv->candidate_tz : set->default_tz, now, times, 2);
	for (int i = 0; i < k && n > 0 && (size_t)n < sizeof text; i++) {
		when_text(zone, times[i], when, sizeof when);
		n += snprintf(text + n, sizeof text - (size_t)n, "%s reschedule #%lld when:\"%s\"",
		              i ? " or" : ". To move it:", (long long)iv->id, when);
	}
	return store_chat_add(st, rec.handle, "candidate wrote", iv->id, text, now);
}

/* A candidate's answer to one of their emails (a 'c' token): never a command; their
 * words go to the recruiter, in the audit log too. */
static void judge_candidate(struct store *st, const struct cmd_settings *set, const struct mail_msg *m, int64_t root,
                            const char *key, time_t now, struct inbound_result *res)
{
	struct store_interview iv;
	int64_t id;
	if (store_chain_current(st, root, &id) != 1 || store_interview_get(st, id, &iv, 0) != 1) {
		result(res, IN_REFUSED, "interview chain %lld is not known here", (long long)root);
		return;
	}
	res->interview = iv.id;
	if (!m->from[0] || strcasecmp(m->from, iv.candidate_email) != 0) {
		result(res, IN_REFUSED, "sent by %s, but #%lld's candidate is %s", m->from[0] ? m->from : "nobody",
		       (long long)iv.id, iv.candidate_email);
	} else if (store_begin(st) < 0) {
		result(res, IN_FAILED, "%s", store_error(st));
	} else {
		int seen = store_inbound_seen(st, key, "email", now);
		if (seen == 0 && (store_audit(st, now, 0, "email", "candidate wrote", iv.id, m->new_text) < 0 ||
		                  tell_candidate(st, set, &iv, m->new_text, now) < 0))
			seen = -1;
		if (seen != 0 || store_commit(st) < 0) {
			store_rollback(st);
			result(res, seen > 0 ? IN_DUPLICATE : IN_FAILED, "%s", seen > 0 ? "Message-Id seen before" : store_error(st));
		} else {
			result(res, IN_RECORDED, "the candidate's message went to the recruiter of #%lld", (long long)iv.id);
		}
	}
	store_interview_clear(&iv);
}

/* A reply linked by the token in its address: to a feedback request, or from a
 * candidate. */
static void judge_token(struct store *st, const struct cmd_settings *set, const struct inbound_settings *is,
                        const struct mail_msg *m, const char *key, time_t now, struct inbound_result *res)
{
	int64_t id = 0;
	int kind = token_in(st, is, m, &id);
	if (kind == 'f')
		judge_reply(st, set, m, id, key, now, res);
	else if (kind == 'c')
		judge_candidate(st, set, m, id, key, now, res);
	else
		result(res, IN_REFUSED, "no genuine reply token in its addresses (from %s)", m->from[0] ? m->from : "nobody");
}

/* Who answered invite IV: the candidate (*ROLE "candidate") or a panel member (P),
 * by address; 0 when it is neither. */
static int attendee_of(struct store *st, const struct store_interview *iv, const char *email, struct store_person *p,
                       const char **role)
{
	memset(p, 0, sizeof *p);
	if (strcasecmp(email, iv->candidate_email) == 0) {
		str_copy(p->name, sizeof p->name, iv->candidate_name);
		*role = "candidate";
		return 1;
	}
	for (int i = 0; i < iv->npanel; i++)
		if (strcasecmp(email, iv->panel[i].email) == 0 && store_person_by_id(st, iv->panel[i].id, p) == 1) {
			*role = "panel";
			return 1;
		}
	return 0;
}


/* The recruiter's chat line about an answer that asks for their action: a decline (with
 * a reschedule ready to fill in) or a proposed time (with the reschedule ready). */
static int tell_answer(struct store *st, const struct cmd_settings *set, const struct store_interview *iv,
                       const struct itip *it, const char *who, time_t now)
{
	struct store_person rec;
	char text[1800], when[64], at[64];
	if (!iv->created_by || store_person_by_id(st, iv->created_by, &rec) != 1)
		return 0;
	const char *zone = rec.tz[0] ? rec.tz : set->default_tz;
	tzfmt(zone, iv->start, TZF_DAY_TIME, at, sizeof at);
	if (it->method == ITIP_COUNTER && it->start > 0) {
		when_text(zone, (time_t)it->start, when, sizeof when);
		snprintf(text, sizeof text, "%s proposes another time for #%lld %s (%s %s): %s %s. To accept it: reschedule #%lld "
		                            "when:\"%s\"%s%.800s%s", who, (long long)iv->id, iv->candidate_name, at, zone, when, zone,
		         (long long)iv->id, when, it->comment[0] ? " — they wrote: \"" : "", it->comment, it->comment[0] ? "\"" : "");
	} else if (it->partstat == PS_DECLINED) {
		snprintf(text, sizeof text, "%s declined #%lld %s (%s %s)%s%.800s%s. To move it: reschedule #%lld when:\"...\"", who,
		         (long long)iv->id, iv->candidate_name, at, zone, it->comment[0] ? ": \"" : "", it->comment,
		         it->comment[0] ? "\"" : "", (long long)iv->id);
	} else {
		return 0;
	}
	return store_chat_add(st, rec.handle, it->method == ITIP_COUNTER ? "counter" : "declined", iv->id, text, now);
}

/* Records the answer IT of WHO (P, ROLE) to IV, with KEY, in one transaction. */
static void record_answer(struct store *st, const struct cmd_settings *set, const struct store_interview *iv,
                          const struct itip *it, const struct store_person *p, const char *key, time_t now,
                          struct inbound_result *res)
{
	char detail[300];
	const char *what = it->method == ITIP_COUNTER ? "proposed another time" : itip_partstat_name(it->partstat);
	snprintf(detail, sizeof detail, "%s %s by email", it->attendee, what);
	if (store_begin(st) < 0) {
		result(res, IN_FAILED, "%s", store_error(st));
		return;
	}
	int seen = store_inbound_seen(st, key, "email", now);
	if (seen == 0 && ((it->method == ITIP_REPLY &&
	                   store_rsvp_put(st, iv->id, it->attendee, itip_partstat_name(it->partstat), it->comment, now) < 0) ||
	                  store_audit(st, now, p->id, "email", it->method == ITIP_COUNTER ? "counter" : "rsvp", iv->id,
	                              detail) < 0 ||
	                  tell_answer(st, set, iv, it, p->name[0] ? p->name : it->attendee, now) < 0))
		seen = -1;
	if (seen != 0 || store_commit(st) < 0) {
		store_rollback(st);
		if (seen > 0)
			result(res, IN_DUPLICATE, "Message-Id seen before");
		else
			result(res, IN_FAILED, "%s", store_error(st));
		return;
	}
	result(res, IN_RECORDED, "%s", detail);
}

/* An answer to one of our invites (iTIP REPLY or COUNTER): 1 when M is one (RES set),
 * 0 when it is not. The UID names the interview's chain and this database; the
 * answering attendee must be the sender and on the invite. */
static int judge_answer(struct store *st, const struct cmd_settings *set, const struct mail_msg *m, const char *key,
                        time_t now, struct inbound_result *res)
{
	struct itip it;
	struct store_interview iv;
	struct store_person p;
	char err[256], inst[64], mine[64];
	long long root;
	int64_t id;
	const char *role;
	if (!m->calendar || itip_parse(m->calendar, &it, err, sizeof err) < 0 || it.method == ITIP_NONE)
		return 0;
	if (sscanf(it.uid, "interview-%lld.%63[^@]@", &root, inst) != 2 || store_instance(st, mine, sizeof mine) < 0 ||
	    strcmp(inst, mine) != 0 || store_chain_current(st, root, &id) != 1 || store_interview_get(st, id, &iv, 0) != 1) {
		result(res, IN_REFUSED, "an answer to an invite that is not ours (UID %.100s)", it.uid);
		return 1;
	}
	res->interview = iv.id;
	if (strcasecmp(it.attendee, m->from) != 0 || !attendee_of(st, &iv, it.attendee, &p, &role))
		result(res, IN_REFUSED, "an answer for %s sent by %s, who is not on the invite as that attendee", it.attendee,
		       m->from[0] ? m->from : "nobody");
	else if (it.sequence >= 0 && it.sequence < iv.sequence)
		result(res, IN_IGNORED, "answers an older version of the invite (SEQUENCE %d, now %d)", it.sequence,
		       iv.sequence), remember(st, key, now);
	else if (it.method == ITIP_REPLY && it.partstat == PS_NONE)
		result(res, IN_IGNORED, "a reply without an answer (no PARTSTAT)"), remember(st, key, now);
	else
		record_answer(st, set, &iv, &it, &p, key, now, res);
	store_interview_clear(&iv);
	return 1;
}

void inbound_process(struct store *st, const struct cmd_settings *set, const struct inbound_settings *is,
                     const char *raw, size_t len, time_t now, struct inbound_result *res)
{
	struct mail_msg m;
	char err[256], key[320];
	memset(res, 0, sizeof *res);
	if (len > is->max_bytes) {
		result(res, IN_REFUSED, "%zu bytes, over the limit of %zu: not read", len, is->max_bytes);
		return;
	}
	if (mail_parse(raw, len, &m, err, sizeof err) < 0) {
		result(res, IN_REFUSED, "%s", err);
		mail_msg_free(&m);
		return;
	}
	str_copy(res->message_id, sizeof res->message_id, m.message_id);
	key_of(&m, raw, len, key, sizeof key);
	int seen = store_begin_read(st) == 0 ? store_inbound_known(st, key) : -1;
	store_rollback(st);
	if (seen != 0)
		result(res, seen < 0 ? IN_FAILED : IN_DUPLICATE, "%s", seen < 0 ? store_error(st) : "Message-Id seen before");
	else if (m.robot)
		result(res, IN_IGNORED, "sent by a robot (%s)", m.robot), remember(st, key, now);
	else if (!judge_answer(st, set, &m, key, now, res)) /* not an answer to an invite: a reply? */
		judge_token(st, set, is, &m, key, now, res);
	mail_msg_free(&m);
}
