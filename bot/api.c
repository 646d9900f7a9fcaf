/* api.c: see api.h. The API's writes are commands: each request becomes one line of
 * the command language (values quoted, so a value never becomes an option), run as
 * the token's person with via "api" — the permissions, lifecycle rules, notices and
 * audit are the chat's, by construction. */
#include "bot/api.h"
#include "bot/feed.h"
#include "bot/frontend.h"
#include "bot/render.h"
#include "commands/access.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/tzfmt.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void fail(struct api_response *rs, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(struct api_response *rs, int status, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON *env = cJSON_CreateObject();
	cJSON_AddFalseToObject(env, "success");
	cJSON_AddStringToObject(env, "error", msg);
	char *s = cJSON_PrintUnformatted(env);
	cJSON_Delete(env);
	rs->status = status;
	rs->content_type = "application/json";
	buf_add(&rs->body, s ? s : "{\"success\": false}");
	buf_add(&rs->body, "\n");
	free(s);
}

static int method_is(const struct api_request *rq, const char *m, struct api_response *rs, const char *allow)
{
	if (strcmp(rq->method, m) == 0 || (strcmp(m, "GET") == 0 && strcmp(rq->method, "HEAD") == 0))
		return 1;
	snprintf(rs->allow, sizeof rs->allow, "%s", allow);
	fail(rs, 405, "%s takes %s, not %s", rq->path, allow, rq->method[0] ? rq->method : "this method");
	return 0;
}

/* "/a/b/c" split into at most MAX segments (pointers into BUF). -1 when empty ones. */
static int segments(const char *path, char *buf, size_t len, char **seg, int max)
{
	int n = 0;
	snprintf(buf, len, "%s", path);
	for (char *p = buf; *p == '/' && n < max;) {
		*p++ = 0;
		seg[n++] = p;
		p += strcspn(p, "/");
		if (p == seg[n - 1] && *p)
			return -1;
	}
	return n;
}

static int64_t parse_id(const char *s)
{
	if (!isdigit((unsigned char)s[0]))
		return 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	return *end || v <= 0 || v > 1000000000000LL ? 0 : v;
}

/* The person of the bearer token, or 0 with the 401 written. */
static int authenticate(struct store *st, const struct api_request *rq, struct api_response *rs,
                        struct store_person *who)
{
	char kind, subject[STORE_NAME_MAX + 1];
	const char *a = rq->authorization;
	if (!a || strncasecmp(a, "Bearer ", 7) != 0) {
		rs->challenge = 1;
		fail(rs, 401, "this needs a token: Authorization: Bearer TOKEN (interviewd api-token HANDLE prints one)");
		return 0;
	}
	int rc = access_check(st, a + 7 + strspn(a + 7, " "), &kind, subject);
	if (rc < 0) {
		fail(rs, 500, "the database failed: %s", store_error(st));
		return 0;
	}
	if (rc == 0 || kind != 'a' || store_person_by_id(st, parse_id(subject), who) != 1 || who->role == ROLE_NONE) {
		rs->challenge = 1;
		fail(rs, 401, "the token is not valid (rotated, mistyped, or its person was removed)");
		return 0;
	}
	return 1;
}

static int status_of(const struct cmd_reply *r)
{
	if (r->kind != REPLY_ERROR)
		return 200;
	switch (r->error) {
	case CMD_E_DENIED: return 403;
	case CMD_E_NOT_FOUND: return 404;
	case CMD_E_CONFLICT: return 409;
	case CMD_E_STORE: return 500;
	default: return 400;
	}
}

struct change {
	const struct app *app;
	char key[400];    /* api:PERSON:KEY, "" without an Idempotency-Key */
	char which[480];  /* api:PERSON:KEY#HASH, the request done with it */
	time_t now;
};

/* Inside the command's transaction: the key of what was done with the request's
 * Idempotency-Key, so the same key on another request is told apart; and what the
 * chat front end posts to the team about the change (a Slack card). */
static int on_change(struct store *st, const struct cmd_reply *r, void *arg)
{
	const struct change *k = arg;
	const struct frontend *fe = frontend_of(&k->app->cfg);
	if (k->key[0] && store_inbound_seen(st, k->which, "api", k->now) < 0)
		return -1;
	return fe && fe->team_card ? fe->team_card(st, &k->app->cfg, r, k->now) : 0;
}

/* Runs the command TEXT as WHO and answers with its reply in the envelope. With an
 * Idempotency-Key the command runs once per key and person; the key on a different
 * request is refused (422). */
static void run(struct app *app, struct store *st, const struct api_request *rq, const struct store_person *who,
                const char *text, struct api_response *rs)
{
	struct change k = {.app = app, .now = rq->now};
	struct cmd_reply r;
	struct cmd_request req = {.text = text, .via = "api", .actor = *who, .now = rq->now, .on_change = on_change,
	                          .arg = &k};
	if (rq->idempotency_key && strcmp(rq->method, "POST") == 0) { /* per person: two people's keys never meet */
		gchar *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
		snprintf(k.key, sizeof k.key, "api:%" PRId64 ":%.300s", who->id, rq->idempotency_key);
		snprintf(k.which, sizeof k.which, "%s#%.32s", k.key, hash ? hash : "");
		g_free(hash);
		req.key = k.key;
		int used = store_inbound_known(st, k.key), same = used == 1 ? store_inbound_known(st, k.which) : 1;
		if (used < 0 || same < 0) {
			fail(rs, 500, "the database failed: %s", store_error(st));
			return;
		}
		if (!same) {
			fail(rs, 422, "this Idempotency-Key was used for a different request; use a new key");
			return;
		}
	}
	app_hold();
	cmd_execute(st, &app->set, &req, &r);
	app_release();
	r.usage = NULL; /* the command language's usage means nothing to an API client */
	char *json = render_json(&r);
	rs->status = json ? status_of(&r) : 500;
	rs->content_type = "application/json";
	buf_add(&rs->body, json ? json : "{\"success\": false, \"error\": \"out of memory\"}");
	buf_add(&rs->body, "\n");
	log_line("http", "debug", "msg=\"command\" person=%s command=%s status=%d", who->handle,
	         r.command[0] ? r.command : "-", rs->status);
	free(json);
	cmd_reply_free(&r);
}

/* A command value in quotes: " and \ escaped, so it stays one value. */
static void quoted(struct buf *b, const char *key, const char *v)
{
	buf_addf(b, " %s:\"", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			buf_put(b, "\\", 1);
		buf_put(b, v, 1);
	}
	buf_put(b, "\"", 1);
}

/* The field NAME of FIELDS ("json_name:option:type ..."): its option and type, or 0. */
static int field_of(const char *fields, const char *name, char opt[32], char *type)
{
	for (const char *w = fields; *w; w += strcspn(w, " "), w += strspn(w, " ")) {
		size_t n = strcspn(w, ":");
		if (*name && n == strlen(name) && strncmp(w, name, n) == 0)
			return sscanf(w + n, ":%31[a-z_]:%c", opt, type) == 2;
	}
	return 0;
}

/* The JSON names of FIELDS, for an error message. */
static void field_names(const char *fields, char *out, size_t len)
{
	size_t used = 0;
	out[0] = 0;
	for (const char *w = fields; *w && used < len; w += strcspn(w, " "), w += strspn(w, " "))
		used += (size_t)snprintf(out + used, len - used, "%s%.*s", used ? ", " : "", (int)strcspn(w, ":"), w);
}

/* One field's value as the option OPT of the command: 0, or -1 for the wrong type. */
static int option_of(const cJSON *f, const char *opt, char type, struct buf *cmd)
{
	if (type == 'i' && cJSON_IsNumber(f) && f->valuedouble == (double)(long long)f->valuedouble &&
	    fabs(f->valuedouble) < 1e9) {
		buf_addf(cmd, " %s:%lld", opt, (long long)f->valuedouble);
	} else if (type == 's' && cJSON_IsString(f)) {
		quoted(cmd, opt, f->valuestring);
	} else if (type == 'b' && (cJSON_IsBool(f) || cJSON_IsString(f))) {
		if (cJSON_IsString(f) ? strcmp(f->valuestring, "yes") == 0 : cJSON_IsTrue(f))
			buf_addf(cmd, " %s:yes", opt);
	} else if (type == 'l' && cJSON_IsArray(f) && cJSON_GetArraySize(f) > 0) {
		struct buf list = {0};
		for (const cJSON *e = f->child; e && !list.oom; e = e->next)
			if (cJSON_IsString(e) && e->valuestring[0] && !strchr(e->valuestring, ','))
				buf_addf(&list, "%s%s", list.len ? "," : "", e->valuestring);
			else
				list.oom = 2;
		if (!list.oom)
			quoted(cmd, opt, list.s);
		int rc = list.oom ? -1 : 0;
		buf_free(&list);
		return rc;
	} else {
		return -1;
	}
	return 0;
}

/* The JSON body's fields as options of the command; -1 with the 4xx written for a
 * body that is not a JSON object, an unknown field or a value of the wrong type.
 * FIELDS is "json_name:option:type ..." with type s (string), i (integer), b (true or
 * "yes") or l (a list of strings, joined by commas). */
static int options_of(const struct api_request *rq, const char *fields, struct buf *cmd, struct api_response *rs)
{
	const char *ct = rq->content_type;
	if (ct && (strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' '))) {
		fail(rs, 415, "the body must be JSON (Content-Type: application/json), not %s", ct);
		return -1;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, 0);
	while (j && end && end < rq->body + rq->body_len && isspace((unsigned char)*end))
		end++;
	if (!j || end != rq->body + rq->body_len) {
		fail(rs, 400, "the body is not JSON%s", rq->body_len ? " (or has something after it)" : " (it is empty)");
		cJSON_Delete(j);
		return -1;
	}
	int rc = 0;
	if (!cJSON_IsObject(j)) {
		fail(rs, 400, "the body must be a JSON object");
		rc = -1;
	}
	for (const cJSON *f = j->child; f && rc == 0; f = f->next) {
		char opt[32], type, names[300];
		if (!f->string || !field_of(fields, f->string, opt, &type)) {
			field_names(fields, names, sizeof names);
			fail(rs, 400, "unknown field \"%.100s\" (this takes: %s)", f->string ? f->string : "", names);
			rc = -1;
		} else if (option_of(f, opt, type, cmd) < 0) {
			fail(rs, 400, "\"%s\" must be %s", f->string,
			     type == 'i' ? "a whole number" : type == 'l' ? "a list of handles or emails" : type == 'b' ? "true or false"
			                                                                                    : "a string");
			rc = -1;
		}
	}
	cJSON_Delete(j);
	return rc;
}

static const char complete_fields[] = "rating:rating:i recommendation:recommendation:s feedback:feedback:s "
                                      "notes:notes:s";
static const char reschedule_fields[] = "scheduled_datetime:when:s duration_minutes:duration:i interview_type:type:s "
                                        "location:location:s meeting_link:link:s notes:notes:s reason:reason:s "
                                        "interviewers:with:l force:force:b";
static const char cancel_fields[] = "reason:reason:s";

/* POST /api/v1/interviews/ID/ACTION */
static void interview_action(struct app *app, struct store *st, const struct api_request *rq, int64_t id,
                             const char *action, const struct store_person *who, struct api_response *rs)
{
	const char *fields = strcmp(action, "complete") == 0     ? complete_fields
	                     : strcmp(action, "reschedule") == 0 ? reschedule_fields
	                     : strcmp(action, "cancel") == 0     ? cancel_fields
	                                                         : NULL;
	struct buf cmd = {0};
	if (!fields) {
		fail(rs, 404, "no such action \"%s\": complete, reschedule or cancel", action);
		return;
	}
	if (!method_is(rq, "POST", rs, "POST"))
		return;
	buf_addf(&cmd, "%s #%" PRId64, action, id);
	if (options_of(rq, fields, &cmd, rs) == 0) {
		if (cmd.oom)
			fail(rs, 500, "out of memory");
		else
			run(app, st, rq, who, cmd.s, rs);
	}
	buf_free(&cmd);
}

/* The query argument NAME as a number in [LO, HI] (DEF when absent); -1 with a 400. */
static int arg_int(const struct api_request *rq, const char *name, int lo, int hi, int def, struct api_response *rs)
{
	size_t n = strlen(name);
	for (int i = 0; i < rq->nargs; i++) {
		if (strncmp(rq->args[i], name, n) != 0 || rq->args[i][n] != '=')
			continue;
		char *end;
		long v = strtol(rq->args[i] + n + 1, &end, 10);
		if (*end || end == rq->args[i] + n + 1 || v < lo || v > hi) {
			fail(rs, 400, "%s must be a whole number from %d to %d", name, lo, hi);
			return -1;
		}
		return (int)v;
	}
	return def;
}

/* 1 when every query argument is one of KNOWN (space-separated names), else a 400. */
static int args_known(const struct api_request *rq, const char *known, struct api_response *rs)
{
	for (int i = 0; i < rq->nargs; i++) {
		size_t n = strcspn(rq->args[i], "=");
		int ok = 0;
		for (const char *w = known; *w && !ok; w += strcspn(w, " "), w += strspn(w, " "))
			ok = n && strcspn(w, " ") == n && strncmp(w, rq->args[i], n) == 0;
		for (int j = 0; ok && j < i; j++)
			if (strncmp(rq->args[j], rq->args[i], n) == 0 && rq->args[j][n] == '=') {
				fail(rs, 400, "the query argument \"%.*s\" is given twice", (int)n, rq->args[i]);
				return 0;
			}
		if (!ok) {
			fail(rs, 400, "unknown query argument \"%.*s\"%s%s%s", (int)n, rq->args[i],
			     *known ? " (this takes: " : " (this takes none)", known, *known ? ")" : "");
			return 0;
		}
	}
	return 1;
}

static void api_v1(struct app *app, struct store *st, const struct api_request *rq, char **seg, int n,
                   struct api_response *rs)
{
	struct store_person who;
	char cmd[128];
	int64_t id = n >= 4 ? parse_id(seg[3]) : 0;
	int upcoming = n == 4 && strcmp(seg[2], "interviews") == 0 && strcmp(seg[3], "upcoming") == 0;
	int candidate = n == 5 && strcmp(seg[2], "candidates") == 0 && id && strcmp(seg[4], "interviews") == 0;
	int show = n == 4 && strcmp(seg[2], "interviews") == 0 && id;
	int action = n == 5 && strcmp(seg[2], "interviews") == 0 && id;
	if (!upcoming && !candidate && !show && !action) {
		fail(rs, 404, "no such path %s (see the README, \"HTTP API\")", rq->path);
		return;
	}
	if (!authenticate(st, rq, rs, &who))
		return;
	if (action) {
		interview_action(app, st, rq, id, seg[4], &who, rs);
		return;
	}
	if (!method_is(rq, "GET", rs, "GET, HEAD") || !args_known(rq, upcoming ? "days_ahead limit" : "", rs))
		return;
	if (upcoming) {
		int days = arg_int(rq, "days_ahead", 1, 366, 7, rs), limit = days < 0 ? -1 : arg_int(rq, "limit", 1, 500, 50, rs);
		if (days < 0 || limit < 0)
			return;
		snprintf(cmd, sizeof cmd, "list upcoming days:%d limit:%d sort:asc", days, limit);
	} else {
		snprintf(cmd, sizeof cmd, "%s #%" PRId64, candidate ? "candidate" : "show", id);
	}
	run(app, st, rq, &who, cmd, rs);
}

#define NTRANSPORTS 4
static const char *const transports[NTRANSPORTS] = {"email", "chat", "slack", "matrix"};

/* How many rows of each transport wait (N, 0 when the store failed) and the earliest
 * next try among them (DUE, 0: none). 0, or -1 when the store failed. */
static int outbox_state(struct store *st, int n[NTRANSPORTS], int64_t due[NTRANSPORTS])
{
	int rc = 0;
	for (int i = 0; i < NTRANSPORTS; i++) {
		due[i] = 0;
		n[i] = store_outbox_pending(st, transports[i], &due[i]);
		if (n[i] < 0)
			n[i] = 0, due[i] = 0, rc = -1;
	}
	return rc;
}

static void healthz(struct store *st, struct api_response *rs, time_t now)
{
	struct buf parts = {0};
	int healthy, waiting = 0, n[NTRANSPORTS];
	int64_t due[NTRANSPORTS], oldest = 0;
	metrics_parts_json(&parts, &healthy);
	healthy &= outbox_state(st, n, due) == 0;
	for (int i = 0; i < NTRANSPORTS; i++) {
		waiting += n[i];
		if (n[i] && due[i] && (!oldest || due[i] < oldest))
			oldest = due[i];
	}
	char iso[40] = "null", utc[32];
	if (oldest)
		snprintf(iso, sizeof iso, "\"%s\"", tzfmt("UTC", (time_t)oldest, TZF_UTC, utc, sizeof utc));
	buf_addf(&rs->body, "{\"status\": \"%s\", \"parts\": %s, \"outbox\": {", healthy ? "ok" : "degraded",
	         parts.s ? parts.s : "{}");
	for (int i = 0; i < NTRANSPORTS; i++)
		buf_addf(&rs->body, "\"%s\": %d, ", transports[i], n[i]);
	buf_addf(&rs->body, "\"depth\": %d, \"oldest_due\": %s, \"oldest_due_age_seconds\": %lld}}\n", waiting, iso,
	         (long long)(oldest && now > oldest ? now - oldest : 0));
	buf_free(&parts);
	rs->status = healthy ? 200 : 503;
	rs->content_type = "application/json";
}

static void metrics(struct store *st, struct api_response *rs, time_t now)
{
	int n[NTRANSPORTS];
	int64_t due[NTRANSPORTS];
	outbox_state(st, n, due);
	metrics_prometheus(&rs->body);
	buf_add(&rs->body, "# HELP interviewd_outbox_depth Messages waiting to be sent, by transport.\n"
	                   "# TYPE interviewd_outbox_depth gauge\n");
	for (int i = 0; i < NTRANSPORTS; i++)
		buf_addf(&rs->body, "interviewd_outbox_depth{transport=\"%s\"} %d\n", transports[i], n[i]);
	buf_add(&rs->body, "# HELP interviewd_outbox_oldest_due_age_seconds How long the oldest due message has "
	                   "waited (0: none is due).\n# TYPE interviewd_outbox_oldest_due_age_seconds gauge\n");
	for (int i = 0; i < NTRANSPORTS; i++)
		buf_addf(&rs->body, "interviewd_outbox_oldest_due_age_seconds{transport=\"%s\"} %lld\n", transports[i],
		         n[i] && due[i] && due[i] < now ? (long long)(now - due[i]) : 0LL);
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void api_handle(struct app *app, struct store *st, const struct api_request *rq, struct api_response *rs)
{
	char buf[1100], *seg[8];
	memset(rs, 0, sizeof *rs);
	int n = segments(rq->path, buf, sizeof buf, seg, 8);
	if (!rq->method[0]) {
		fail(rs, 405, "this server takes GET, HEAD and POST");
	} else if (n < 1) {
		fail(rs, 404, "no such path %s", rq->path);
	} else if (n == 1 && (strcmp(seg[0], "healthz") == 0 || strcmp(seg[0], "metrics") == 0)) {
		if (method_is(rq, "GET", rs, "GET, HEAD") && args_known(rq, "", rs))
			(seg[0][0] == 'h' ? healthz : metrics)(st, rs, rq->now);
	} else if (n == 2 && strcmp(seg[0], "feeds") == 0) {
		if (method_is(rq, "GET", rs, "GET, HEAD") && args_known(rq, "", rs))
			feed_answer(app, st, seg[1], rq->now, rs);
	} else if (n >= 3 && strcmp(seg[0], "api") == 0 && strcmp(seg[1], "v1") == 0) {
		api_v1(app, st, rq, seg, n, rs);
	} else {
		fail(rs, 404, "no such path %s", rq->path);
	}
}
