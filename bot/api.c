/* api.c: see api.h. The API's writes are commands: each request becomes one line of
 * the command language (values quoted, so a value never becomes an option), run as
 * the token's person with via "api" — the permissions, lifecycle rules, notices and
 * audit are the chat's, by construction. */
#include "bot/api.h"
#include "bot/feed.h"
#include "bot/render.h"
#include "commands/access.h"
#include "lib/log.h"
#include "lib/metrics.h"

#include <cjson/cJSON.h>
#include <ctype.h>
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

/* Runs the command TEXT as WHO and answers with its reply in the envelope. */
static void run(struct app *app, struct store *st, const struct api_request *rq, const struct store_person *who,
                const char *text, struct api_response *rs)
{
	char key[400];
	struct cmd_reply r;
	struct cmd_request req = {.text = text, .via = "api", .actor = *who, .now = rq->now};
	if (rq->idempotency_key) { /* scoped to the person: two people's keys never meet */
		snprintf(key, sizeof key, "api:%" PRId64 ":%.300s", who->id, rq->idempotency_key);
		req.key = key;
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
	log_line("http", "info", "msg=\"command\" person=%s command=%s status=%d", who->handle,
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

/* The JSON body's fields as options of the command; -1 with the 400 written for a
 * body that is not an object, an unknown field or a value of the wrong type. FIELDS
 * is "json_name:option:type ..." with type s (string), i (integer) or l (list of
 * strings, joined by commas). */
static int options_of(const struct api_request *rq, const char *fields, struct buf *cmd, struct api_response *rs)
{
	if (rq->content_type && strncasecmp(rq->content_type, "application/json", 16) != 0) {
		fail(rs, 415, "the body must be JSON (Content-Type: application/json), not %s", rq->content_type);
		return -1;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, 0);
	if (!j || end != rq->body + rq->body_len) {
		fail(rs, 400, "the body is not JSON%s", rq->body_len ? " (or has something after it)" : " (it is empty)");
		cJSON_Delete(j);
		return -1;
	}
	if (!cJSON_IsObject(j)) {
		fail(rs, 400, "the body must be a JSON object");
		cJSON_Delete(j);
		return -1;
	}
	for (cJSON *f = j->child; f; f = f->next) {
		char spec[64], opt[32], type;
		const char *at = f->string ? strstr(fields, f->string) : NULL;
		size_t n = f->string ? strlen(f->string) : 0;
		while (at && ((at != fields && at[-1] != ' ') || at[n] != ':'))
			at = strstr(at + 1, f->string);
		if (!at || sscanf(at + n, ":%31[a-z_]:%c", opt, &type) != 2) {
			fail(rs, 400, "unknown field \"%s\" (this takes: %s)", f->string ? f->string : "", fields);
			cJSON_Delete(j);
			return -1;
		}
		(void)spec;
		if (type == 'i' && cJSON_IsNumber(f) && f->valuedouble == (double)(long long)f->valuedouble) {
			buf_addf(cmd, " %s:%lld", opt, (long long)f->valuedouble);
		} else if (type == 's' && cJSON_IsString(f)) {
			quoted(cmd, opt, f->valuestring);
		} else if (type == 'l' && cJSON_IsArray(f)) {
			struct buf list = {0};
			for (cJSON *e = f->child; e; e = e->next)
				if (cJSON_IsString(e) && !strchr(e->valuestring, ','))
					buf_addf(&list, "%s%s", list.len ? "," : "", e->valuestring);
				else
					list.oom = 2;
			if (list.oom || !list.len) {
				buf_free(&list);
				fail(rs, 400, "\"%s\" must be a list of handles or emails", f->string);
				cJSON_Delete(j);
				return -1;
			}
			quoted(cmd, opt, list.s);
			buf_free(&list);
		} else {
			fail(rs, 400, "\"%s\" must be %s", f->string,
			     type == 'i' ? "a whole number" : type == 'l' ? "a list of strings" : "a string");
			cJSON_Delete(j);
			return -1;
		}
	}
	cJSON_Delete(j);
	return 0;
}

static const char complete_fields[] = "rating:rating:i recommendation:recommendation:s feedback:feedback:s "
                                      "notes:notes:s";
static const char reschedule_fields[] = "scheduled_datetime:when:s duration_minutes:duration:i interview_type:type:s "
                                        "location:location:s meeting_link:link:s notes:notes:s reason:reason:s "
                                        "interviewers:with:l force:force:s";
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
	if (action)
		return interview_action(app, st, rq, id, seg[4], &who, rs);
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

static void healthz(struct store *st, struct api_response *rs, time_t now)
{
	static const char *const transports[] = {"email", "chat", "slack", "matrix"};
	struct buf parts = {0};
	int healthy, waiting = 0, n[4];
	int64_t oldest = 0;
	metrics_parts_json(&parts, &healthy);
	for (size_t i = 0; i < 4; i++) {
		int64_t due = 0;
		n[i] = store_outbox_pending(st, transports[i], &due);
		healthy &= n[i] >= 0;
		waiting += n[i] > 0 ? n[i] : 0;
		if (n[i] > 0 && due && (!oldest || due < oldest))
			oldest = due;
	}
	char iso[40] = "null";
	if (oldest) {
		time_t t = (time_t)oldest;
		struct tm tm;
		strftime(iso, sizeof iso, "\"%Y-%m-%dT%H:%M:%SZ\"", gmtime_r(&t, &tm));
	}
	buf_addf(&rs->body, "{\"status\": \"%s\", \"parts\": %s, \"outbox\": {", healthy ? "ok" : "degraded",
	         parts.s ? parts.s : "{}");
	for (size_t i = 0; i < 4; i++)
		buf_addf(&rs->body, "\"%s\": %d, ", transports[i], n[i] < 0 ? 0 : n[i]);
	buf_addf(&rs->body, "\"depth\": %d, \"oldest_due\": %s, \"oldest_due_age_seconds\": %lld}}\n", waiting, iso,
	         (long long)(oldest && now > oldest ? now - oldest : 0));
	buf_free(&parts);
	rs->status = healthy ? 200 : 503;
	rs->content_type = "application/json";
}

static void metrics(struct store *st, struct api_response *rs, time_t now)
{
	static const char *const transports[] = {"email", "chat", "slack", "matrix"};
	metrics_prometheus(&rs->body);
	buf_add(&rs->body, "# HELP interviewd_outbox_depth Messages waiting to be sent, by transport.\n"
	                   "# TYPE interviewd_outbox_depth gauge\n");
	int64_t due[4] = {0};
	for (size_t i = 0; i < 4; i++) {
		int n = store_outbox_pending(st, transports[i], &due[i]);
		buf_addf(&rs->body, "interviewd_outbox_depth{transport=\"%s\"} %d\n", transports[i], n < 0 ? 0 : n);
	}
	buf_add(&rs->body, "# HELP interviewd_outbox_oldest_due_age_seconds How long the oldest due message has "
	                   "waited (0: none is due).\n# TYPE interviewd_outbox_oldest_due_age_seconds gauge\n");
	for (size_t i = 0; i < 4; i++)
		buf_addf(&rs->body, "interviewd_outbox_oldest_due_age_seconds{transport=\"%s\"} %lld\n", transports[i],
		         due[i] && due[i] < now ? (long long)(now - due[i]) : 0LL);
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void api_handle(struct app *app, struct store *st, const struct api_request *rq, struct api_response *rs)
{
	char buf[1100], *seg[8];
	memset(rs, 0, sizeof *rs);
	int n = segments(rq->path, buf, sizeof buf, seg, 8);
	if (n < 1 || !rq->method[0]) {
		fail(rs, n < 1 ? 404 : 405, "no such path %s", rq->path);
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
