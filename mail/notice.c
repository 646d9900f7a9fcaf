/* notice.c: see notice.h. Plain text UTF-8; header values from people (names) are
 * RFC 2047-encoded when they are not plain ASCII, and never carry CR or LF. */
#include "mail/notice.h"
#include "lib/str.h"
#include "lib/tzfmt.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing string. */
struct buf {
	char *s;
	size_t len, cap;
	int oom;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0 || b->oom)
			return;
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x7f || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/* RFC 2047 B-encoding in words of at most 45 input bytes, never splitting a UTF-8
 * sequence; ASCII text is written as it is. */
static void encoded(struct buf *b, const char *s)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (ascii(s)) {
		put(b, "%s", s);
		return;
	}
	size_t n = strlen(s);
	for (size_t at = 0; at < n;) {
		size_t take = n - at < 45 ? n - at : 45;
		while (at + take < n && ((unsigned char)s[at + take] & 0xc0) == 0x80)
			take--;
		put(b, "%s=?UTF-8?B?", at ? "\r\n " : "");
		for (size_t i = 0; i < take; i += 3) {
			unsigned v = (unsigned char)s[at + i] << 16;
			if (i + 1 < take)
				v |= (unsigned char)s[at + i + 1] << 8;
			if (i + 2 < take)
				v |= (unsigned char)s[at + i + 2];
			put(b, "%c%c%c%c", b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < take ? b64[v >> 6 & 63] : '=',
			    i + 2 < take ? b64[v & 63] : '=');
		}
		put(b, "?=");
		at += take;
	}
}

/* A display name as a header phrase: quoted if ASCII with specials, else encoded. */
static void phrase(struct buf *b, const char *name)
{
	if (!ascii(name)) {
		encoded(b, name);
		return;
	}
	put(b, "\"");
	for (; *name; name++)
		put(b, "%s%c", *name == '"' || *name == '\\' ? "\\" : "", *name);
	put(b, "\"");
}

static void address(struct buf *b, const char *name, const char *email)
{
	if (name && *name) {
		phrase(b, name);
		put(b, " ");
	}
	put(b, "<%s>", email);
}

struct notice {
	const char *event, *role, *name, *tz;
	int64_t previous;
	struct store_interview iv, old;
};

/* The domain of the sender's address, for Message-IDs. */
static void domain_of(const char *from, char *buf, size_t len)
{
	const char *at = strrchr(from, '@');
	snprintf(buf, len, "%.*s", at ? (int)strcspn(at + 1, ">") : 9, at ? at + 1 : "localhost");
}

/* The first interview of a chain of reschedules: every mail about it threads there. */
static int64_t thread_root(struct store *st, const struct store_interview *iv)
{
	int64_t root = iv->id, from = iv->rescheduled_from;
	struct store_interview prev;
	for (int i = 0; from && i < 100; i++) {
		root = from;
		if (store_interview_get(st, from, &prev, 0) <= 0)
			break;
		from = prev.rescheduled_from;
	}
	return root;
}

static void subject(struct buf *b, const struct notice *n, const char *when)
{
	char s[1200];
	const char *who = n->iv.candidate_name, *job = n->iv.job_title;
	int cand = strcmp(n->role, "candidate") == 0;
	const char *what = strcmp(n->event, "scheduled") == 0     ? "scheduled"
	                   : strcmp(n->event, "rescheduled") == 0 ? "moved"
	                   : strcmp(n->event, "cancelled") == 0   ? "cancelled"
	                                                          : "no longer on your calendar";
	if (cand)
		snprintf(s, sizeof s, "Your interview%s%s on %s: %s", *job ? " for " : "", job, when, what);
	else
		snprintf(s, sizeof s, "Interview %s: %s%s%s, %s", what, who, *job ? " - " : "", job, when);
	put(b, "Subject: ");
	encoded(b, s);
	put(b, "\r\n");
}

static void headers(struct buf *b, const struct store_outbox_row *row, const struct notice *n, const char *from,
                    time_t now, const char *when, int64_t root)
{
	char date[64], domain[256];
	domain_of(from, domain, sizeof domain);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	const char *lt = strrchr(from, '<');
	put(b, "From: ");
	if (lt) {
		char name[256];
		size_t k = (size_t)(lt - from) < sizeof name ? (size_t)(lt - from) : sizeof name - 1;
		memcpy(name, from, k);
		while (k && name[k - 1] == ' ')
			k--;
		name[k] = 0;
		if (k) {
			phrase(b, name);
			put(b, " ");
		}
		put(b, "%s\r\n", lt);
	} else {
		put(b, "<%s>\r\n", from);
	}
	put(b, "To: ");
	address(b, n->name, row->recipient);
	put(b, "\r\nDate: %s\r\n", date);
	put(b, "Message-ID: <outbox-%lld@%s>\r\n", (long long)row->id, domain);
	put(b, "References: <interview-%lld@%s>\r\n", (long long)root, domain);
	subject(b, n, when);
	put(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n");
	put(b, "Auto-Submitted: auto-generated\r\nX-Interviewd-Interview: %lld\r\n\r\n", (long long)n->iv.id);
}

static void field(struct buf *b, const char *label, const char *value)
{
	if (value && *value)
		put(b, "%-10s %s\r\n", label, value);
}

static void body(struct buf *b, const struct notice *n, const char *when)
{
	const struct store_interview *iv = &n->iv;
	int panel = strcmp(n->role, "panel") == 0;
	char line[1200], team[800] = "";
	put(b, "Hello %s,\r\n\r\n", n->name);
	if (strcmp(n->event, "removed") == 0)
		put(b, "You are no longer on the panel of this interview; it has left your calendar.\r\n\r\n");
	else if (panel)
		put(b, "The interview with %s is %s.\r\n\r\n", iv->candidate_name,
		    strcmp(n->event, "rescheduled") == 0 ? "moved" : n->event);
	else
		put(b, "Your interview%s%s is %s.\r\n\r\n", iv->job_title[0] ? " for " : "", iv->job_title,
		    strcmp(n->event, "rescheduled") == 0 ? "moved to a new time" : n->event);
	field(b, "When:", when);
	snprintf(line, sizeof line, "%s, round %d, %d minutes", store_type_name(iv->type), iv->round, iv->duration);
	field(b, "Type:", line);
	field(b, "Where:", iv->location);
	field(b, "Link:", iv->link);
	for (int i = 0; i < iv->npanel; i++)
		snprintf(team + strlen(team), sizeof team - strlen(team), "%s%s", i ? ", " : "", iv->panel[i].name);
	field(b, "Panel:", team);
	if (panel) {
		field(b, "Candidate:", iv->candidate_name);
		field(b, "Notes:", iv->notes);
		field(b, "Reason:", strcmp(n->event, "cancelled") == 0 ? iv->cancel_reason : NULL);
	}
	if (n->old.id) {
		char was[64];
		field(b, "Was:", tzfmt(n->tz, n->old.start, TZF_DAY_TIME, was, sizeof was));
	}
	put(b, "\r\nInterview #%lld. This message was sent by interviewd.\r\n", (long long)iv->id);
}

static int read_payload(const char *json, struct notice *n, cJSON **root)
{
	*root = cJSON_Parse(json ? json : "");
	const cJSON *ev = cJSON_GetObjectItem(*root, "event"), *role = cJSON_GetObjectItem(*root, "role");
	const cJSON *name = cJSON_GetObjectItem(*root, "name"), *tz = cJSON_GetObjectItem(*root, "tz");
	const cJSON *prev = cJSON_GetObjectItem(*root, "previous");
	if (!cJSON_IsString(ev) || !cJSON_IsString(role) || !cJSON_IsString(name) || !cJSON_IsString(tz))
		return -1;
	n->event = ev->valuestring;
	n->role = role->valuestring;
	n->name = name->valuestring;
	n->tz = tz->valuestring;
	n->previous = cJSON_IsNumber(prev) ? (int64_t)prev->valuedouble : 0;
	return 0;
}

char *notice_compose(struct store *st, const struct store_outbox_row *row, const char *from, time_t now,
                     char *err, size_t errlen)
{
	struct notice n = {0};
	struct buf b = {0};
	cJSON *root;
	char when[160], day[64], end[16];
	if (read_payload(row->payload, &n, &root) < 0) {
		snprintf(err, errlen, "outbox row %lld has an unreadable payload", (long long)row->id);
	} else if (store_interview_get(st, row->interview_id, &n.iv, 0) <= 0 ||
	           (n.previous && store_interview_get(st, n.previous, &n.old, 0) <= 0)) {
		snprintf(err, errlen, "outbox row %lld: interview #%lld cannot be read", (long long)row->id,
		         (long long)row->interview_id);
	} else {
		snprintf(when, sizeof when, "%s-%s (%s)", tzfmt(n.tz, n.iv.start, TZF_DAY_TIME, day, sizeof day),
		         tzfmt(n.tz, n.iv.start + n.iv.duration * 60, TZF_TIME, end, sizeof end), n.tz);
		headers(&b, row, &n, from, now, when, thread_root(st, &n.iv));
		body(&b, &n, when);
	}
	cJSON_Delete(root);
	if (b.oom) {
		snprintf(err, errlen, "out of memory");
		free(b.s);
		return NULL;
	}
	return b.s;
}
