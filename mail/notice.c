/* notice.c: see notice.h. Names and text from people go into headers through GMime,
 * which encodes them (RFC 2047); control characters are turned into spaces first, so a
 * "\r\nBcc:" in a name stays a harmless part of that name. */
#include "mail/notice.h"
#include "mail/token.h"
#include "lib/str.h"
#include "lib/tzfmt.h"
#include "mail/ics.h"
#include "mail/template.h"

#include <cjson/cJSON.h>
#include <gmime/gmime.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated from mail/templates by the Makefile: pairs of file name and text. */
extern const char *const mail_templates[];

enum { T_CAND_SUBJECT, T_CAND_TXT, T_CAND_HTML, T_PANEL_SUBJECT, T_PANEL_TXT, T_PANEL_HTML, T_COUNT };
static const char *const template_names[T_COUNT] = {"candidate.subject", "candidate.txt", "candidate.html",
                                                    "panel.subject",     "panel.txt",     "panel.html"};

struct notices {
	char *tpl[T_COUNT];
	char from_name[STORE_NAME_MAX + 1];
	char from_addr[STORE_EMAIL_MAX + 1];
	char reply_to[STORE_NAME_MAX + STORE_EMAIL_MAX + 4];
	char domain[STORE_EMAIL_MAX + 1];
	char secret[256];         /* signs reply tokens; "": the database's own */
};

/* The variables every template may use; their values are set per message. */
enum {
	V_NAME, V_CANDIDATE, V_JOB, V_WHEN, V_DAY, V_ZONE, V_WAS, V_DURATION, V_TYPE, V_ROUND, V_LOCATION,
	V_LINK, V_PANEL, V_NOTES, V_REASON, V_ID, V_ORGANIZER, V_SCHEDULED, V_RESCHEDULED, V_CANCELLED,
	V_REMOVED, V_REMINDER, V_FEEDBACK, V_UNREADABLE, V_UNDERSTOOD, V_MISSING, V_COUNT
};
static const char *const var_names[V_COUNT] = {
	"name",  "candidate", "job",   "when",  "day",    "zone",      "was",       "duration",    "type_label",
	"round", "location",  "link",  "panel", "notes",  "reason",    "id",        "organizer",   "scheduled",
	"rescheduled", "cancelled", "removed", "reminder", "feedback_request", "feedback_unreadable", "understood",
	"missing"};

void notice_address(const char *from, char *buf, size_t len)
{
	const char *lt = strrchr(from, '<');
	if (!lt) {
		snprintf(buf, len, "%s", from);
		return;
	}
	snprintf(buf, len, "%.*s", (int)strcspn(lt + 1, ">"), lt + 1);
}

void notice_reply_address(const char *from, char *buf, size_t len)
{
	notice_address(from, buf, len);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	char *plus = strchr(buf, '+'), *at = strrchr(buf, '@');
	if (plus && at && plus < at)
		memmove(plus, at, strlen(at) + 1);
}

static void split_from(struct notices *n, const char *from)
{
	const char *lt = strrchr(from, '<');
	size_t k = lt ? (size_t)(lt - from) : 0;
	while (k && from[k - 1] == ' ')
		k--;
	snprintf(n->from_name, sizeof n->from_name, "%.*s", (int)k, from);
	if (n->from_name[0] == '"' && k > 1 && n->from_name[k - 1] == '"')
		snprintf(n->from_name, sizeof n->from_name, "%.*s", (int)k - 2, from + 1);
	notice_address(from, n->from_addr, sizeof n->from_addr);
	const char *at = strrchr(n->from_addr, '@');
	snprintf(n->domain, sizeof n->domain, "%s", at ? at + 1 : "localhost");
}

void notice_uid(const char *from, const char *instance, int64_t root, char *buf, size_t len)
{
	char addr[STORE_EMAIL_MAX + 1];
	notice_address(from, addr, sizeof addr);
	const char *at = strrchr(addr, '@');
	snprintf(buf, len, "interview-%lld.%s@%s", (long long)root, instance, at ? at + 1 : "localhost");
}

static const char *builtin(const char *name)
{
	for (int i = 0; mail_templates[2 * i]; i++)
		if (strcmp(mail_templates[2 * i], name) == 0)
			return mail_templates[2 * i + 1];
	return NULL;
}

/* The template NAME from DIR if the file is there, else the built-in one. */
static char *load_template(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[1200];
	if (!dir || !*dir)
		return strdup(builtin(name));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup(builtin(name));
	char *text = calloc(1, 65537);
	size_t n = text ? fread(text, 1, 65536, f) : 0;
	int big = text && fgetc(f) != EOF;
	fclose(f);
	if (!text || big || !str_is_utf8(text)) {
		snprintf(err, errlen, "%s: %s", path, !text ? "out of memory" : big ? "larger than 64 KiB" : "not UTF-8");
		free(text);
		return NULL;
	}
	text[n] = 0;
	return text;
}

/* Fills each template once with every value set, so unknown names fail now. */
static int check_templates(struct notices *n, const char *dir, char *err, size_t errlen)
{
	struct tpl_var vars[V_COUNT];
	char why[256];
	for (int i = 0; i < V_COUNT; i++)
		vars[i] = (struct tpl_var){var_names[i], "x"};
	for (int t = 0; t < T_COUNT; t++) {
		char *out = tpl_render(n->tpl[t], vars, V_COUNT, 0, why, sizeof why);
		if (!out) {
			snprintf(err, errlen, "template %s%s%s: %s", dir && *dir ? dir : "", dir && *dir ? "/" : "",
			         template_names[t], why);
			return -1;
		}
		free(out);
	}
	return 0;
}

struct notices *notice_new(const struct notice_settings *ns, char *err, size_t errlen)
{
	struct notices *n = calloc(1, sizeof *n);
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	split_from(n, ns->from);
	snprintf(n->reply_to, sizeof n->reply_to, "%s", ns->reply_to ? ns->reply_to : "");
	snprintf(n->secret, sizeof n->secret, "%s", ns->token_secret ? ns->token_secret : "");
	for (int t = 0; t < T_COUNT; t++)
		if (!(n->tpl[t] = load_template(ns->templates_dir, template_names[t], err, errlen))) {
			notice_free(n);
			return NULL;
		}
	if (check_templates(n, ns->templates_dir, err, errlen) < 0) {
		notice_free(n);
		return NULL;
	}
	return n;
}

void notice_free(struct notices *n)
{
	if (!n)
		return;
	for (int t = 0; t < T_COUNT; t++)
		free(n->tpl[t]);
	free(n);
}

/* What the payload of an outbox row says (commands/notify.c writes it). */
struct event {
	const char *kind, *role, *name, *tz, *recipient;
	const char *understood, *missing; /* a nudge about an unreadable reply */
	int64_t previous;
	int64_t request;                  /* a feedback request: replies come back signed */
	char reply_to[STORE_EMAIL_MAX + MAIL_TOKEN_MAX + 2]; /* the signed reply address */
	int sequence;
	int candidate; /* the recipient is the candidate */
	int first;     /* the first email of this chain to this person: it starts the thread */
	struct store_interview iv, old;
};

static int read_payload(const char *json, struct event *e, cJSON **root)
{
	*root = cJSON_Parse(json ? json : "");
	const cJSON *kind = cJSON_GetObjectItem(*root, "event"), *role = cJSON_GetObjectItem(*root, "role");
	const cJSON *name = cJSON_GetObjectItem(*root, "name"), *tz = cJSON_GetObjectItem(*root, "tz");
	const cJSON *prev = cJSON_GetObjectItem(*root, "previous"), *seq = cJSON_GetObjectItem(*root, "sequence");
	if (!cJSON_IsString(kind) || !cJSON_IsString(role) || !cJSON_IsString(name) || !cJSON_IsString(tz))
		return -1;
	e->kind = kind->valuestring;
	e->role = role->valuestring;
	e->name = name->valuestring;
	e->tz = tz->valuestring;
	const cJSON *req = cJSON_GetObjectItem(*root, "request"), *und = cJSON_GetObjectItem(*root, "understood");
	const cJSON *mis = cJSON_GetObjectItem(*root, "missing");
	e->request = cJSON_IsNumber(req) ? (int64_t)req->valuedouble : 0;
	e->understood = cJSON_IsString(und) ? und->valuestring : NULL;
	e->missing = cJSON_IsString(mis) ? mis->valuestring : NULL;
	e->previous = cJSON_IsNumber(prev) ? (int64_t)prev->valuedouble : 0;
	e->sequence = cJSON_IsNumber(seq) ? seq->valueint : 0;
	e->candidate = strcmp(e->role, "candidate") == 0;
	return 0;
}

static const char *type_label(enum store_type t)
{
	static const char *const labels[TYPE_COUNT] = {"phone call", "video call", "in person", "technical interview",
	                                               "HR interview", "final interview"};
	return labels[t];
}

/* Text values for one message; buffers live in the caller's struct texts. */
struct texts {
	char when[160], day[64], was[64], duration[16], round[16], panel[2200], id[24];
};

static void fill_vars(const struct notices *n, const struct event *e, struct texts *t, struct tpl_var *v)
{
	const struct store_interview *iv = &e->iv;
	char end[16];
	snprintf(t->when, sizeof t->when, "%s-%s", tzfmt(e->tz, iv->start, TZF_DAY_TIME, t->day, sizeof t->day),
	         tzfmt(e->tz, iv->start + iv->duration * 60, TZF_TIME, end, sizeof end));
	tzfmt(e->tz, iv->start, TZF_DAY, t->day, sizeof t->day);
	t->was[0] = 0;
	if (e->old.id)
		tzfmt(e->tz, e->old.start, TZF_DAY_TIME, t->was, sizeof t->was);
	snprintf(t->duration, sizeof t->duration, "%d", iv->duration);
	snprintf(t->round, sizeof t->round, "%d", iv->round);
	snprintf(t->id, sizeof t->id, "#%lld", (long long)iv->id);
	t->panel[0] = 0;
	for (int i = 0; i < iv->npanel; i++)
		snprintf(t->panel + strlen(t->panel), sizeof t->panel - strlen(t->panel), "%s%s", i ? ", " : "",
		         iv->panel[i].name);
	const char *values[V_COUNT] = {
		e->name, iv->candidate_name, iv->job_title, t->when, t->day, e->tz, t->was, t->duration,
		type_label(iv->type), t->round, iv->location, iv->link, t->panel,
		e->candidate ? NULL : iv->notes, e->candidate ? NULL : iv->cancel_reason, t->id,
		n->from_name[0] ? n->from_name : n->from_addr,
		strcmp(e->kind, "scheduled") == 0 ? "1" : NULL, strcmp(e->kind, "rescheduled") == 0 ? "1" : NULL,
		strcmp(e->kind, "cancelled") == 0 ? "1" : NULL, strcmp(e->kind, "removed") == 0 ? "1" : NULL,
		strcmp(e->kind, "reminder") == 0 ? "1" : NULL, strcmp(e->kind, "feedback_request") == 0 ? "1" : NULL,
		strcmp(e->kind, "feedback_unreadable") == 0 ? "1" : NULL, e->understood, e->missing};
	for (int i = 0; i < V_COUNT; i++)
		v[i] = (struct tpl_var){var_names[i], values[i]};
}

/* The calendar object: the candidate sees themself as the attendee; the panel sees the
 * whole panel and the candidate; a removed panelist gets a CANCEL naming only them. */
static char *invite(const struct notices *n, const struct event *e, const char *uid, time_t now,
                    const char *description)
{
	const struct store_interview *iv = &e->iv;
	struct ics_person who[STORE_PANEL_MAX + 1];
	int count = 0;
	char summary[800];
	int removed = strcmp(e->kind, "removed") == 0;
	if (removed) /* a CANCEL names only the attendees it removes (RFC 5546 3.2.5) */
		who[count++] = (struct ics_person){e->name, e->recipient};
	else
		who[count++] = (struct ics_person){iv->candidate_name, iv->candidate_email};
	for (int i = 0; !e->candidate && !removed && i < iv->npanel; i++)
		if (iv->panel[i].email[0])
			who[count++] = (struct ics_person){iv->panel[i].name, iv->panel[i].email};
	if (e->candidate)
		snprintf(summary, sizeof summary, "Interview%s%s", iv->job_title[0] ? ": " : "", iv->job_title);
	else
		snprintf(summary, sizeof summary, "Interview: %s%s%s%s, round %d", iv->candidate_name,
		         iv->job_title[0] ? " (" : "", iv->job_title, iv->job_title[0] ? ")" : "", iv->round);
	int cancel = strcmp(e->kind, "cancelled") == 0 || strcmp(e->kind, "removed") == 0;
	struct ics_invite inv = {cancel, uid, e->sequence, now, iv->start, iv->start + iv->duration * 60, summary,
	                         iv->location, description, {n->from_name, n->from_addr}, who, count};
	return ics_build(&inv);
}

static void describe(const struct event *e, const char *panel, char *buf, size_t len)
{
	const struct store_interview *iv = &e->iv;
	snprintf(buf, len, "%s, round %d, %d minutes.%s%s%s%s%s%s", type_label(iv->type), iv->round, iv->duration,
	         iv->link[0] ? "\nJoin: " : "", iv->link, panel[0] ? "\nPanel: " : "", panel,
	         !e->candidate && iv->notes[0] ? "\nNotes: " : "", !e->candidate ? iv->notes : "");
}

static GMimePart *calendar_part(const char *ics, const char *method, int attachment)
{
	GMimePart *part = g_mime_part_new_with_type(attachment ? "application" : "text", attachment ? "ics" : "calendar");
	GMimeObject *obj = GMIME_OBJECT(part);
	if (!attachment) {
		g_mime_object_set_content_type_parameter(obj, "method", method);
		g_mime_object_set_content_type_parameter(obj, "charset", "UTF-8");
	}
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(ics, strlen(ics));
	GMimeDataWrapper *content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(stream);
	if (attachment) {
		g_mime_part_set_filename(part, "invite.ics");
		g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	} else {
		g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	}
	return part;
}

/* A text part in UTF-8 (g_mime_text_part_set_text would pick Latin-1 where it can). */
static GMimeObject *text_part(const char *subtype, const char *text)
{
	GMimePart *part = g_mime_part_new_with_type("text", subtype);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	GMimeDataWrapper *content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_object_unref(stream);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(part);
}

/* multipart/mixed [ multipart/alternative [plain, html, calendar], invite.ics ], or
 * without an invite (ICS NULL: reminders, feedback requests) multipart/alternative
 * [plain, html]. */
static GMimeObject *body(const char *txt, const char *html, const char *ics, const char *method)
{
	if (!ics) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
		GMimeObject *parts[] = {text_part("plain", txt), text_part("html", html)};
		for (int i = 0; i < 2; i++) {
			g_mime_multipart_add(alt, parts[i]);
			g_object_unref(parts[i]);
		}
		return GMIME_OBJECT(alt);
	}
	GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
	GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
	GMimeObject *parts[] = {text_part("plain", txt), text_part("html", html),
	                        GMIME_OBJECT(calendar_part(ics, method, 0))};
	for (int i = 0; i < 3; i++) {
		g_mime_multipart_add(alt, parts[i]);
		g_object_unref(parts[i]);
	}
	GMimePart *attached = calendar_part(ics, method, 1);
	g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
	g_mime_multipart_add(mixed, GMIME_OBJECT(attached));
	g_object_unref(alt);
	g_object_unref(attached);
	return GMIME_OBJECT(mixed);
}

/* Message-IDs: the chain's first notice to a person (whenever they joined it) is the
 * thread they all answer to; every other one is named by its outbox row. Both stay the
 * same on a retry. */
static void thread_ids(const struct notices *n, const struct store_outbox_row *row, const struct event *e,
                       const char *instance, char *self, char *thread, size_t len)
{
	int64_t root = e->iv.root_id ? e->iv.root_id : e->iv.id;
	unsigned long long h = 1469598103934665603ULL; /* FNV-1a of the address */
	for (const char *p = row->recipient; *p; p++)
		h = (h ^ (unsigned char)(*p | 0x20)) * 1099511628211ULL;
	snprintf(thread, len, "interview-%lld.%llx.%s@%s", (long long)root, h, instance, n->domain);
	if (e->first)
		snprintf(self, len, "%s", thread);
	else
		snprintf(self, len, "outbox-%lld.%s@%s", (long long)row->id, instance, n->domain);
}

/* From, To (NAME <TO>), Reply-To REPLY_TO when it is a signed address ("": none here),
 * Subject and Date: what every message of ours has. */
static void envelope(const struct notices *n, GMimeMessage *m, const char *name, const char *to,
                     const char *reply_to, const char *subject, time_t now)
{
	char clean[STORE_NAME_MAX + 1], subj[2048];
	str_copy_clean(clean, sizeof clean, n->from_name);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, clean, n->from_addr);
	str_copy_clean(clean, sizeof clean, name);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, clean, to);
	if (reply_to[0]) { /* GMime quotes the name as it must */
		str_copy_clean(clean, sizeof clean, n->from_name[0] ? n->from_name : "interviewd");
		g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_REPLY_TO, clean, reply_to);
	}
	str_copy_clean(subj, sizeof subj, subject);
	g_mime_message_set_subject(m, subj, "utf-8");
	GDateTime *date = g_date_time_new_from_unix_utc(now);
	g_mime_message_set_date(m, date);
	g_date_time_unref(date);
}

static void headers(const struct notices *n, GMimeMessage *m, const struct store_outbox_row *row,
                    const struct event *e, const char *subject, const char *instance, time_t now)
{
	char self[600], thread[600], ref[620];
	GMimeObject *obj = GMIME_OBJECT(m);
	envelope(n, m, e->name, row->recipient, e->reply_to, subject, now);
	if (!e->reply_to[0] && n->reply_to[0]) {
		InternetAddressList *list = internet_address_list_parse(NULL, n->reply_to);
		if (list) {
			internet_address_list_append(g_mime_message_get_reply_to(m), list);
			g_object_unref(list);
		}
	}
	thread_ids(n, row, e, instance, self, thread, sizeof self);
	g_mime_message_set_message_id(m, self);
	if (strcmp(self, thread) != 0) {
		snprintf(ref, sizeof ref, "<%s>", thread);
		g_mime_object_set_header(obj, "In-Reply-To", ref, NULL);
		g_mime_object_set_header(obj, "References", ref, NULL);
	}
	g_mime_object_set_header(obj, "Auto-Submitted", "auto-generated", NULL);
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)e->iv.id);
	g_mime_object_set_header(obj, "X-Interviewd-Interview", id, NULL);
}

/* Serialises M with CRLF line ends into a malloc'd string. */
static char *serialise(GMimeMessage *m)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	char *text = g_mime_object_to_string(GMIME_OBJECT(m), fo);
	g_mime_format_options_free(fo);
	char *out = text ? strdup(text) : NULL;
	g_free(text);
	return out;
}

/* The three filled templates of the recipient's role. */
static int fill(const struct notices *n, const struct event *e, char *out[3], char *err, size_t errlen)
{
	struct tpl_var vars[V_COUNT];
	struct texts t;
	int base = e->candidate ? T_CAND_SUBJECT : T_PANEL_SUBJECT;
	fill_vars(n, e, &t, vars);
	for (int i = 0; i < 3; i++)
		if (!(out[i] = tpl_render(n->tpl[base + i], vars, V_COUNT, i == 2, err, errlen)))
			return -1;
	out[0][strcspn(out[0], "\r\n")] = 0; /* a subject is its first line */
	return 0;
}

static char *build(struct notices *n, const struct store_outbox_row *row, const struct event *e,
                   const char *instance, time_t now, char *err, size_t errlen)
{
	char *parts[3] = {0}, uid[400], description[5000], *ics = NULL, *msg = NULL;
	struct texts t;
	struct tpl_var vars[V_COUNT];
	int invites = strcmp(e->kind, "reminder") != 0 && strncmp(e->kind, "feedback_", 9) != 0;
	int filled = fill(n, e, parts, err, errlen) == 0;
	if (filled && invites) {
		fill_vars(n, e, &t, vars);
		describe(e, t.panel, description, sizeof description);
		notice_uid(n->from_addr, instance, e->iv.root_id ? e->iv.root_id : e->iv.id, uid, sizeof uid);
		if (!(ics = invite(n, e, uid, now, description)))
			snprintf(err, errlen, "out of memory");
	}
	if (filled && (ics || !invites)) {
		int cancel = strcmp(e->kind, "cancelled") == 0 || strcmp(e->kind, "removed") == 0;
		GMimeMessage *m = g_mime_message_new(TRUE);
		headers(n, m, row, e, parts[0], instance, now);
		GMimeObject *b = body(parts[1], parts[2], ics, cancel ? "CANCEL" : "REQUEST");
		g_mime_message_set_mime_part(m, b);
		g_object_unref(b);
		msg = serialise(m);
		g_object_unref(m);
		if (!msg)
			snprintf(err, errlen, "out of memory");
	}
	for (int i = 0; i < 3; i++)
		free(parts[i]);
	free(ics);
	return msg;
}

/* The Reply-To address of a feedback request, or of any email to the candidate: the
 * reply address ([mail] reply_to, else from) with the request's signed token,
 * "bot+f42-...@domain", or the interview chain's, "bot+c12-...@domain". */
static int signed_reply_to(const struct notices *n, struct store *st, struct event *e)
{
	char secret[256], token[MAIL_TOKEN_MAX], base[STORE_EMAIL_MAX + 1], addr[STORE_EMAIL_MAX + MAIL_TOKEN_MAX + 2];
	if (n->secret[0])
		snprintf(secret, sizeof secret, "%s", n->secret);
	else if (store_meta(st, "reply_secret", secret, sizeof secret) != 1)
		return -1;
	notice_reply_address(n->reply_to[0] ? n->reply_to : n->from_addr, base, sizeof base);
	if (e->request)
		mail_token_make(secret, e->request, token);
	else
		mail_token_make_candidate(secret, e->iv.root_id ? e->iv.root_id : e->iv.id, token);
	if (mail_token_address(base, token, addr, sizeof addr) < 0)
		return -1;
	snprintf(e->reply_to, sizeof e->reply_to, "%s", addr);
	return 0;
}

static const char *field(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(o, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The answer to commands by email (mail/bymail.c wrote its texts): threaded under the
 * message it answers, marked as an automatic reply (RFC 3834). */
static char *answer(struct notices *n, struct store *st, const struct store_outbox_row *row, time_t now, char *err,
                    size_t errlen)
{
	char instance[64], id[400], subj[2048];
	cJSON *o = cJSON_Parse(row->payload);
	int readable = o && *field(o, "text") && *field(o, "html");
	if (!readable || store_instance(st, instance, sizeof instance) < 0) {
		snprintf(err, errlen, "outbox row %lld: %s", (long long)row->id, readable ? store_error(st) : "unreadable payload");
		cJSON_Delete(o);
		return NULL;
	}
	GMimeMessage *m = g_mime_message_new(TRUE);
	GMimeObject *obj = GMIME_OBJECT(m);
	envelope(n, m, field(o, "name"), row->recipient, field(o, "reply_to"), field(o, "subject"), now);
	snprintf(id, sizeof id, "answer-%lld.%s@%s", (long long)row->id, instance, n->domain);
	g_mime_message_set_message_id(m, id);
	if (*field(o, "in_reply_to")) {
		str_copy_clean(subj, sizeof subj, field(o, "in_reply_to"));
		g_mime_object_set_header(obj, "In-Reply-To", subj, NULL);
		str_copy_clean(subj, sizeof subj, field(o, "references"));
		g_mime_object_set_header(obj, "References", subj, NULL);
	}
	g_mime_object_set_header(obj, "Auto-Submitted", "auto-replied", NULL);
	GMimeObject *b = body(field(o, "text"), field(o, "html"), NULL, NULL);
	g_mime_message_set_mime_part(m, b);
	g_object_unref(b);
	char *msg = serialise(m);
	g_object_unref(m);
	cJSON_Delete(o);
	if (!msg)
		snprintf(err, errlen, "out of memory");
	return msg;
}

char *notice_compose(struct notices *n, struct store *st, const struct store_outbox_row *row, time_t now,
                     char *err, size_t errlen)
{
	if (strcmp(row->kind, "answer") == 0)
		return answer(n, st, row, now, err, errlen);
	struct event e = {0};
	cJSON *root;
	char instance[64], *msg = NULL;
	if (read_payload(row->payload, &e, &root) < 0)
		snprintf(err, errlen, "outbox row %lld has an unreadable payload", (long long)row->id);
	else if (store_instance(st, instance, sizeof instance) < 0)
		snprintf(err, errlen, "%s", store_error(st));
	else if (store_interview_get(st, row->interview_id, &e.iv, 0) <= 0 ||
	         (e.previous && store_interview_get(st, e.previous, &e.old, 0) <= 0))
		snprintf(err, errlen, "outbox row %lld: interview #%lld cannot be read", (long long)row->id,
		         (long long)row->interview_id);
	else if ((e.first = store_outbox_earlier(st, row, e.iv.root_id ? e.iv.root_id : e.iv.id)) < 0)
		snprintf(err, errlen, "%s", store_error(st));
	else if ((e.request || e.candidate) && signed_reply_to(n, st, &e) < 0)
		snprintf(err, errlen, "outbox row %lld: no reply address: %s", (long long)row->id, store_error(st));
	else {
		e.first = e.first == 0;
		e.recipient = row->recipient;
		msg = build(n, row, &e, instance, now, err, errlen);
	}
	cJSON_Delete(root);
	return msg;
}
