/* inbound.c: see inbound.h. */
#include "mail/inbound.h"
#include "mail/answers.h"
#include "mail/bymail.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/parse.h"
#include "mail/reply.h"
#include "mail/token.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FEEDBACK_MAX 3000 /* bytes of the reply's words kept (the command line holds 4000) */

const char *inbound_outcome_name(enum inbound_outcome o)
{
	static const char *const names[] = {"recorded", "nudged", "answered", "unreadable", "duplicate", "ignored", "refused", "failed"};
	return names[o];
}

void inbound_result(struct inbound_result *r, enum inbound_outcome o, const char *fmt, ...)
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
void inbound_remember(struct store *st, const char *key, time_t now)
{
	if (store_begin(st) == 0 && store_inbound_seen(st, key, "email", now) >= 0)
		store_commit(st);
	else
		store_rollback(st);
}

int inbound_secret(struct store *st, const struct inbound_settings *is, char *buf, size_t len)
{
	if (is->secret && *is->secret)
		return snprintf(buf, len, "%s", is->secret) < (int)len ? 0 : -1;
	return store_meta(st, "reply_secret", buf, len) == 1 ? 0 : -1;
}

/* The genuine token in a recipient address of M: its kind ('f' a feedback request,
 * 'c' a candidate's interview chain, 'p' a person's tag) with *ID, or 0. */
static int token_in(struct store *st, const struct inbound_settings *is, const struct mail_msg *m, int64_t *id)
{
	char secret[256], token[MAIL_TOKEN_MAX];
	if (inbound_secret(st, is, secret, sizeof secret) < 0)
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
		inbound_result(res, IN_DUPLICATE, "Message-Id seen before");
	else if (r.kind == REPLY_ERROR && strncmp(r.message, "the database failed", 19) == 0)
		inbound_result(res, IN_FAILED, "%s", r.message);
	else if (r.kind == REPLY_ERROR)
		inbound_result(res, IN_IGNORED, "the core refused it: %s", r.message), inbound_remember(st, key, now);
	else
		inbound_result(res, IN_RECORDED, "feedback of %s: %d/5, %s", who->handle, f->rating,
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
		inbound_result(res, IN_FAILED, "%s", store_error(st));
		return;
	}
	int seen = store_inbound_seen(st, key, "email", now);
	int first = seen == 0 ? store_freq_nudge(st, request, now) : 0;
	if (seen < 0 || first < 0 || (first == 1 && cmd_nudge_feedback(st, set, request, got, missing, now) < 0) ||
	    store_commit(st) < 0) {
		store_rollback(st);
		inbound_result(res, IN_FAILED, "%s", store_error(st));
	} else if (seen) {
		inbound_result(res, IN_DUPLICATE, "Message-Id seen before");
	} else {
		inbound_result(res, first ? IN_NUDGED : IN_UNREADABLE, "the reply lacks %s%s", missing,
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
		inbound_result(res, IN_REFUSED, "feedback request %lld is not known here", (long long)id);
		return;
	}
	res->interview = f.interview_id;
	if (!m->from[0] || strcasecmp(m->from, who.email) != 0) {
		inbound_result(res, IN_REFUSED, "sent by %s, but request %lld went to %s", m->from[0] ? m->from : "nobody",
		       (long long)id, who.email);
		return;
	}
	int given = 0;
	if (reply_feedback_parse(m->new_text, &fb) < 0) {
		inbound_result(res, IN_FAILED, "out of memory");
	} else if ((!fb.rating || !fb.rec) && (given = store_feedback_given(st, f.interview_id, who.id)) != 0) {
		inbound_result(res, given < 0 ? IN_FAILED : IN_UNREADABLE, "%s",
		       given < 0 ? store_error(st) : "no rating and recommendation, and the feedback is in already: not asked again");
		if (given > 0)
			inbound_remember(st, key, now);
	} else if (!fb.rating || !fb.rec) {
		nudge(st, set, id, &fb, key, now, res);
	} else {
		record(st, set, &who, f.interview_id, &fb, key, now, res);
	}
	reply_feedback_free(&fb);
}

/* A message linked by the token in its address: a reply to a feedback request, from a
 * candidate, or commands to a person's tag; without one, commands if they are on. */
static void judge_token(struct store *st, const struct cmd_settings *set, const struct inbound_settings *is,
                        const struct mail_msg *m, const char *key, time_t now, struct inbound_result *res)
{
	int64_t id = 0;
	int kind = token_in(st, is, m, &id);
	if (kind == 'f')
		judge_reply(st, set, m, id, key, now, res);
	else if (kind == 'c')
		answers_candidate(st, set, m, id, key, now, res);
	else if (kind == 'p' || (kind == 0 && is->commands != IN_COMMANDS_OFF))
		bymail_run(st, set, is, m, kind == 'p' ? id : 0, key, now, res);
	else
		inbound_result(res, IN_REFUSED, "no genuine reply token in its addresses (from %s)", m->from[0] ? m->from : "nobody");
}

void inbound_process(struct store *st, const struct cmd_settings *set, const struct inbound_settings *is,
                     const char *raw, size_t len, time_t now, struct inbound_result *res)
{
	struct mail_msg m;
	char err[256], key[320];
	memset(res, 0, sizeof *res);
	if (len > is->max_bytes) {
		inbound_result(res, IN_REFUSED, "%zu bytes, over the limit of %zu: not read", len, is->max_bytes);
		return;
	}
	if (mail_parse(raw, len, &m, err, sizeof err) < 0) {
		inbound_result(res, IN_REFUSED, "%s", err);
		mail_msg_free(&m);
		return;
	}
	str_copy(res->message_id, sizeof res->message_id, m.message_id);
	key_of(&m, raw, len, key, sizeof key);
	int seen = store_begin_read(st) == 0 ? store_inbound_known(st, key) : -1;
	store_rollback(st);
	if (seen != 0)
		inbound_result(res, seen < 0 ? IN_FAILED : IN_DUPLICATE, "%s", seen < 0 ? store_error(st) : "Message-Id seen before");
	else if (m.robot)
		inbound_result(res, IN_IGNORED, "sent by a robot (%s)", m.robot), inbound_remember(st, key, now);
	else if (!answers_invite(st, set, &m, key, now, res)) /* not an answer to an invite: a reply? */
		judge_token(st, set, is, &m, key, now, res);
	mail_msg_free(&m);
}
