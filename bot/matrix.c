/* matrix.c: see matrix.h. */
#include "bot/matrix.h"
#include "bot/matrix_api.h"
#include "bot/matrix_out.h"
#include "bot/matrix_render.h"
#include "bot/daemon.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/str.h"
#include "lib/tz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define mlog(level, ...) log_line("matrix", level, __VA_ARGS__)

#define JOINS_MAX 32
#define PROFILE_TTL 86400
#define CMD_MAX 4000

static const char FILTER[] =
	"{\"presence\":{\"not_types\":[\"*\"]},\"account_data\":{\"types\":[\"m.direct\"]},"
	"\"room\":{\"timeline\":{\"limit\":50,\"types\":[\"m.room.message\",\"m.room.member\",\"m.room.encrypted\","
	"\"m.room.encryption\"]},\"state\":{\"types\":[\"m.room.encryption\"]},\"ephemeral\":{\"not_types\":[\"*\"]},"
	"\"account_data\":{\"not_types\":[\"*\"]}}}";

static const char ENCRYPTED[] =
	"This room is end-to-end encrypted, and interviewd cannot read encrypted messages (it keeps no "
	"encryption keys), so it does not see commands typed here. Please use a room without encryption: "
	"create a new room with encryption turned off (Element: \"Enable end-to-end encryption\" off when "
	"creating it; it cannot be turned off later) and invite the bot there.";

static const char MISSED[] =
	"I may have missed messages in this room: the server sent only the latest ones. If a command of "
	"yours got no answer, please send it again.";

struct join {
	char room[STORE_MATRIX_ID_MAX + 1];
	int tries;
	int64_t at; /* ms, monotonic: the next try */
};

struct mx {
	struct app *app;
	struct mx_api api;
	struct matrix_out out;
	volatile int *stop;
	char token[512];
	char filter[64];
	char since[512];
	struct join joins[JOINS_MAX];
	int njoins;
	int64_t backoff_ms;
	int logins; /* password logins this run */
};

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Sleeps MS, waking early to stop. 1 when asked to stop. */
static int nap(struct mx *m, int64_t ms)
{
	for (int64_t end = clock_mono_ms() + ms; clock_mono_ms() < end;) {
		if (*m->stop || m->out.token_refused)
			return 1;
		usleep(50000);
	}
	return *m->stop != 0;
}

/* After a failure: a random wait up to the current step (full jitter), the step
 * doubling to [matrix] backoff_max. */
static int back_off(struct mx *m, const char *what, const char *err)
{
	int64_t cap = m->app->cfg.matrix_backoff_max * 1000;
	m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : 1000;
	if (m->backoff_ms > cap)
		m->backoff_ms = cap;
	int64_t wait = m->api.retry_after_ms ? m->api.retry_after_ms : 200 + random() % m->backoff_ms;
	mlog("warn", "msg=\"%s failed: trying again\" in_ms=%lld why=\"%s\"", what, (long long)wait, err);
	metrics_part("matrix", PART_BACKOFF, err);
	metrics_count(C_RECONNECTS_MATRIX, 1);
	return nap(m, wait);
}

/* ---- logging in ---- */

static int store_token(struct mx *m, const char *token)
{
	struct store *st = m->app->st;
	if (store_begin(st) < 0 || store_meta_put(st, "matrix_token", token) < 0 || store_commit(st) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* A password login with the fixed device id; the token is kept in the store. */
static int login(struct mx *m, char *err, size_t errlen)
{
	const struct cfg *cfg = &m->app->cfg;
	cJSON *body = cJSON_CreateObject(), *id = cJSON_AddObjectToObject(body, "identifier"), *resp = NULL;
	cJSON_AddStringToObject(body, "type", "m.login.password");
	cJSON_AddStringToObject(id, "type", "m.id.user");
	cJSON_AddStringToObject(id, "user", cfg->matrix_user_id);
	cJSON_AddStringToObject(body, "password", cfg->matrix_password);
	cJSON_AddStringToObject(body, "device_id", cfg->matrix_device_id);
	cJSON_AddStringToObject(body, "initial_device_display_name", "interviewd");
	m->api.token[0] = 0;
	int rc = mx_call(&m->api, "POST", "v3/login", body, 30, &resp, err, errlen);
	cJSON_Delete(body);
	const char *token = jstr(resp, "access_token");
	if (rc == MX_OK && (!*token || strlen(token) >= sizeof m->token)) {
		snprintf(err, errlen, "the login answer has no usable access_token");
		rc = MX_REFUSED;
	}
	if (rc == MX_OK) {
		snprintf(m->token, sizeof m->token, "%s", token);
		snprintf(m->api.token, sizeof m->api.token, "%s", token);
		if (store_token(m, token) < 0)
			mlog("warn", "msg=\"the new token is not kept: %s\"", store_error(m->app->st));
		mlog("info", "msg=\"logged in\" user=%s device=%s", cfg->matrix_user_id, cfg->matrix_device_id);
	}
	cJSON_Delete(resp);
	return rc;
}

/* The token refused: with a password, one login again per run; else the end. */
static int token_refused(struct mx *m, const char *err)
{
	char why[512];
	if (m->app->cfg.matrix_password[0] && !m->logins++) {
		mlog("warn", "msg=\"the access token was refused (%s): logging in again\"", m->api.errcode);
		int rc;
		while ((rc = login(m, why, sizeof why)) == MX_RETRY)
			if (back_off(m, "login", why))
				return -1;
		if (rc == MX_OK)
			return 0;
		err = why;
	}
	mlog("error", "msg=\"the access token was refused (%s); set a valid [matrix] access_token%s\" why=\"%s\"",
	     m->api.errcode[0] ? m->api.errcode : "M_UNKNOWN_TOKEN",
	     m->app->cfg.matrix_password[0] ? " (the password login did not help)" : " or a password", err);
	return -1;
}

/* whoami until it answers; the token must be the configured user's. */
static int authenticate(struct mx *m)
{
	char err[512], meta[512];
	const struct cfg *cfg = &m->app->cfg;
	if (cfg->matrix_access_token[0])
		snprintf(m->token, sizeof m->token, "%s", cfg->matrix_access_token);
	else if (store_meta(m->app->st, "matrix_token", meta, sizeof meta) == 1)
		snprintf(m->token, sizeof m->token, "%s", meta);
	snprintf(m->api.token, sizeof m->api.token, "%s", m->token);
	for (;;) {
		cJSON *resp = NULL;
		int rc = m->token[0] ? mx_call(&m->api, "GET", "v3/account/whoami", NULL, 30, &resp, err, sizeof err)
		                     : (m->api.errcode[0] = 0, MX_AUTH);
		const char *who = jstr(resp, "user_id");
		if (rc == MX_OK && strcmp(who, cfg->matrix_user_id) != 0) {
			mlog("error", "msg=\"the access token is %s's, not [matrix] user_id %s\"", who, cfg->matrix_user_id);
			rc = MX_REFUSED;
		}
		cJSON_Delete(resp);
		if (rc == MX_OK)
			return 0;
		if (rc == MX_AUTH && token_refused(m, m->token[0] ? err : "no token yet") == 0)
			continue;
		if (rc == MX_AUTH || rc == MX_REFUSED) {
			if (rc == MX_REFUSED)
				mlog("error", "msg=\"whoami refused\" why=\"%s\"", err);
			return -1;
		}
		if (back_off(m, "whoami", err))
			return -1;
	}
}

/* The filter, made once per run (the server keeps it). */
static void make_filter(struct mx *m)
{
	char me[STORE_MATRIX_ID_MAX * 3 + 1], path[1024], err[512];
	cJSON *body = cJSON_Parse(FILTER), *resp = NULL;
	mx_escape(m->app->cfg.matrix_user_id, me, sizeof me);
	snprintf(path, sizeof path, "v3/user/%s/filter", me);
	if (mx_call(&m->api, "POST", path, body, 30, &resp, err, sizeof err) == MX_OK && *jstr(resp, "filter_id"))
		snprintf(m->filter, sizeof m->filter, "%.63s", jstr(resp, "filter_id"));
	else
		mlog("warn", "msg=\"no filter: syncing everything\" why=\"%s\"", err);
	cJSON_Delete(body);
	cJSON_Delete(resp);
}

/* ---- who typed it ---- */

/* The zone USER's profile gives (m.tz), asked once a day. */
static void profile_zone(struct mx *m, const char *user, time_t now, int may_ask, char tz[STORE_TZ_MAX + 1])
{
	int64_t at = 0;
	char u[STORE_MATRIX_ID_MAX * 3 + 1], path[1024], err[512];
	int known = store_matrix_user_get(m->app->st, user, tz, &at);
	if (known != 1)
		tz[0] = 0;
	if ((known == 1 && now - at < PROFILE_TTL) || !may_ask)
		return;
	tz[0] = 0;
	cJSON *resp = NULL;
	mx_escape(user, u, sizeof u);
	snprintf(path, sizeof path, "v3/profile/%s/m.tz", u);
	int rc = mx_call(&m->api, "GET", path, NULL, 10, &resp, err, sizeof err);
	const char *zone = jstr(resp, "m.tz");
	if (rc == MX_OK && tz_valid(zone) && strlen(zone) <= STORE_TZ_MAX)
		snprintf(tz, STORE_TZ_MAX + 1, "%s", zone);
	cJSON_Delete(resp);
	if (rc == MX_OK || rc == MX_REFUSED) /* no m.tz (404) is an answer too */
		store_matrix_user_put(m->app->st, user, tz, now);
}

/* The person SENDER is (id 0: nobody set up), with their profile's zone when they set
 * none here. MAY_ASK: the server may be asked (warm_profiles, before the batch's
 * transaction); inside the transaction the store's answer is used. */
static void person_of(struct mx *m, const char *sender, time_t now, int may_ask, struct store_person *p)
{
	char tz[STORE_TZ_MAX + 1] = "";
	memset(p, 0, sizeof *p);
	if (store_person_by_matrix(m->app->st, sender, p) != 1)
		memset(p, 0, sizeof *p);
	if (!p->tz[0]) {
		profile_zone(m, sender, now, may_ask, tz);
		str_copy(p->tz, sizeof p->tz, tz);
	}
}

/* ---- one message ---- */

/* BODY without a reply fallback ("> ..." lines, then a blank line). */
static const char *unquoted(const char *body)
{
	const char *p = body;
	if (strncmp(p, "> ", 2) != 0)
		return body;
	while (*p == '>') {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return body;
		p = nl + 1;
	}
	return *p == '\n' ? p + 1 : p;
}

/* The command after the prefix, or NULL when BODY is not one. */
static const char *command_of(const char *body, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncasecmp(body, prefix, n) != 0 || (body[n] && !isspace((unsigned char)body[n])))
		return NULL;
	for (body += n; isspace((unsigned char)*body);)
		body++;
	return body;
}

/* The next pill of HTML from *P: its user id and shown name. 0 at the end. */
static int next_pill(const char **p, char id[STORE_MATRIX_ID_MAX + 1], char *name, size_t namelen)
{
	static const char href[] = "href=\"https://matrix.to/#/";
	for (const char *h; (h = strstr(*p, href));) {
		const char *s = h + sizeof href - 1, *q = strchr(s, '"'), *gt = q ? strchr(q, '>') : NULL;
		const char *end = gt ? strstr(gt, "</a>") : NULL;
		*p = end ? end + 4 : s;
		if (!end)
			return 0;
		size_t o = 0;
		for (; s < q && o < STORE_MATRIX_ID_MAX; s++) { /* %40 and %3A as matrix.to writes them */
			unsigned hex;
			if (*s == '%' && q - s > 2 && sscanf(s + 1, "%2x", &hex) == 1)
				id[o++] = (char)hex, s += 2;
			else
				id[o++] = *s;
		}
		id[o] = 0;
		snprintf(name, namelen, "%.*s", (int)(end - gt - 1), gt + 1);
		if (id[0] == '@' && strchr(id, ':') && name[0] && !strchr(name, '<'))
			return 1;
	}
	return 0;
}

/* TEXT with each pill's shown name (its first appearance) replaced by the user id. */
static char *with_pills(const char *text, const char *html)
{
	char *out = strdup(text);
	char id[STORE_MATRIX_ID_MAX + 1], name[256];
	for (const char *p = html; out && next_pill(&p, id, name, sizeof name);) {
		char *at = strstr(out, name);
		if (!at)
			continue;
		struct buf b = {0};
		buf_put(&b, out, (size_t)(at - out));
		buf_add(&b, id);
		buf_add(&b, at + strlen(name));
		free(out);
		out = buf_take(&b);
	}
	return out;
}

/* An encrypted room is told once that the bot cannot read it. */
static int encrypted(struct mx *m, const char *room, time_t now)
{
	int first = store_matrix_told_encrypted(m->app->st, room, now);
	if (first <= 0)
		return first;
	mlog("warn", "msg=\"an encrypted room: the bot cannot read it, and says so\" room=%s", room);
	return matrix_queue(m->app->st, "encrypted", room, 0, matrix_notice(ENCRYPTED, NULL), now);
}

/* Runs the command of message EV in ROOM and queues its reply. <0 on a store error. */
static int run_command(struct mx *m, const char *room, const cJSON *ev, const char *text, time_t now)
{
	struct store *st = m->app->st;
	const char *event_id = jstr(ev, "event_id"), *sender = jstr(ev, "sender");
	char key[STORE_MATRIX_ID_MAX + 16];
	snprintf(key, sizeof key, "matrix:%s", event_id);
	int seen = store_inbound_seen(st, key, "matrix", now);
	if (seen != 0)
		return seen < 0 ? -1 : 0;
	struct cmd_request req = {.text = text, .via = "matrix", .now = now};
	person_of(m, sender, now, 0, &req.actor); /* in the batch's transaction: the store only */
	struct cmd_reply r;
	cmd_execute(st, &m->app->set, &req, &r);
	size_t n = strlen(r.message);
	if (!req.actor.id && strstr(r.message, "[people]")) /* say what to add */
		snprintf(r.message + n, sizeof r.message - n, " (their matrix_id = \"%.300s\")", sender);
	int rc = 0;
	if (r.kind == REPLY_ERROR && strncmp(r.message, "the database failed", 19) == 0)
		rc = -1;
	else if (r.kind != REPLY_DUPLICATE)
		rc = matrix_queue(st, "reply", room, r.kind == REPLY_INTERVIEW && r.nitems ? r.items[0].id : 0,
		                  matrix_reply(&r, m->app->cfg.matrix_prefix, event_id), now);
	mlog("info", "msg=\"command\" room=%s event=%s sender=%s command=%s ok=%d", room, event_id, sender,
	     r.command[0] ? r.command : "-", r.kind != REPLY_ERROR);
	cmd_reply_free(&r);
	return rc;
}

/* One timeline event of ROOM. <0 on a store error. */
static int on_event(struct mx *m, const char *room, const cJSON *ev, time_t now)
{
	const char *type = jstr(ev, "type"), *sender = jstr(ev, "sender");
	const cJSON *content = cJSON_GetObjectItem(ev, "content");
	if (strcmp(sender, m->app->cfg.matrix_user_id) == 0)
		return 0; /* our own echo */
	if (strcmp(type, "m.room.encrypted") == 0 || strcmp(type, "m.room.encryption") == 0)
		return encrypted(m, room, now);
	if (strcmp(type, "m.room.message") != 0 || strcmp(jstr(content, "msgtype"), "m.text") != 0 ||
	    !*jstr(ev, "event_id"))
		return 0; /* notices (other bots), images, ... */
	const cJSON *rel = cJSON_GetObjectItem(content, "m.relates_to");
	const char *text = command_of(unquoted(jstr(content, "body")), m->app->cfg.matrix_prefix);
	if (!text)
		return 0;
	if (strcmp(jstr(rel, "rel_type"), "m.replace") == 0) {
		mlog("info", "msg=\"an edited command: not run again\" room=%s event=%s", room, jstr(ev, "event_id"));
		return 0;
	}
	if (strlen(text) > CMD_MAX)
		text = "help"; /* no command is this long; the core's help says what is */
	char *cmd = strcmp(jstr(content, "format"), "org.matrix.custom.html") == 0
	                ? with_pills(text, jstr(content, "formatted_body"))
	                : strdup(text);
	int rc = cmd ? run_command(m, room, ev, cmd, now) : -1;
	free(cmd);
	return rc;
}

/* ---- one batch ---- */

static int allowed_inviter(const struct cfg *cfg, const char *who)
{
	const char *server = strchr(who, ':');
	if (!server)
		return 0;
	if (!cfg->matrix_allow_invites.n)
		return strcasecmp(server, strchr(cfg->matrix_user_id, ':')) == 0;
	for (int i = 0; i < cfg->matrix_allow_invites.n; i++) {
		const char *a = cfg->matrix_allow_invites.v[i];
		if (strcmp(a, who) == 0 || (a[0] == ':' && strcasecmp(a, server) == 0))
			return 1;
	}
	return 0;
}

static void want_join(struct mx *m, const char *room)
{
	for (int i = 0; i < m->njoins; i++)
		if (strcmp(m->joins[i].room, room) == 0)
			return;
	if (m->njoins < JOINS_MAX && strlen(room) <= STORE_MATRIX_ID_MAX) {
		struct join *j = &m->joins[m->njoins++];
		snprintf(j->room, sizeof j->room, "%s", room);
		j->tries = 0;
		j->at = 0;
	}
}

/* The invites of a batch: joined when an allowed inviter sent them. */
static void on_invites(struct mx *m, const cJSON *invites)
{
	const cJSON *room;
	cJSON_ArrayForEach(room, invites)
	{
		const cJSON *ev, *state = cJSON_GetObjectItem(cJSON_GetObjectItem(room, "invite_state"), "events");
		const char *inviter = "";
		cJSON_ArrayForEach(ev, state)
		{
			if (strcmp(jstr(ev, "type"), "m.room.member") == 0 &&
			    strcmp(jstr(ev, "state_key"), m->app->cfg.matrix_user_id) == 0)
				inviter = jstr(ev, "sender");
		}
		if (!room->string)
			continue;
		if (allowed_inviter(&m->app->cfg, inviter)) {
			mlog("info", "msg=\"invited: joining\" room=%s by=%s", room->string, inviter);
			want_join(m, room->string);
		} else {
			mlog("warn", "msg=\"an invite from someone not allowed ([matrix] allow_invites_from): not joined\" "
			             "room=%s by=%s", room->string, inviter[0] ? inviter : "?");
		}
	}
}

/* EV is the bot's own join (not a change of its name while joined). */
static int own_join(const struct mx *m, const cJSON *ev)
{
	const cJSON *prev = cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "unsigned"), "prev_content");
	return strcmp(jstr(ev, "type"), "m.room.member") == 0 &&
	       strcmp(jstr(ev, "state_key"), m->app->cfg.matrix_user_id) == 0 &&
	       strcmp(jstr(cJSON_GetObjectItem(ev, "content"), "membership"), "join") == 0 &&
	       strcmp(jstr(prev, "membership"), "join") != 0;
}

/* One joined room of a batch. FIRST: its backlog is skipped, as is the history before
 * the bot's own join. */
static int on_room(struct mx *m, const char *room, const cJSON *r, int first, time_t now)
{
	const cJSON *timeline = cJSON_GetObjectItem(r, "timeline"), *ev;
	const cJSON *state = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "state"), "events");
	cJSON_ArrayForEach(ev, state)
	{
		if (strcmp(jstr(ev, "type"), "m.room.encryption") == 0 && encrypted(m, room, now) < 0)
			return -1;
	}
	if (first)
		return 0;
	const cJSON *events = cJSON_GetObjectItem(timeline, "events"), *joined = NULL;
	cJSON_ArrayForEach(ev, events)
	{
		if (own_join(m, ev))
			joined = ev; /* just joined: what came before is the room's history, not for us */
	}
	if (!joined && cJSON_IsTrue(cJSON_GetObjectItem(timeline, "limited"))) {
		mlog("warn", "msg=\"the server left messages out of this room's timeline (limited)\" room=%s", room);
		if (matrix_queue(m->app->st, "missed", room, 0, matrix_notice(MISSED, NULL), now) < 0)
			return -1;
	}
	for (ev = joined ? joined->next : events ? events->child : NULL; ev; ev = ev->next) {
		char req[32];
		log_new_request("m", req, sizeof req); /* ties the event's log lines together */
		log_request(req);
		int rc = on_event(m, room, ev, now);
		log_request(NULL);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Reads the profiles of the batch's typists before its transaction: no request to
 * the server while the store is locked for writing. */
static void warm_profiles(struct mx *m, const cJSON *room, time_t now)
{
	const cJSON *ev;
	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(cJSON_GetObjectItem(room, "timeline"), "events"))
	{
		const cJSON *content = cJSON_GetObjectItem(ev, "content");
		struct store_person p;
		if (strcmp(jstr(ev, "type"), "m.room.message") == 0 &&
		    command_of(unquoted(jstr(content, "body")), m->app->cfg.matrix_prefix) &&
		    strcmp(jstr(ev, "sender"), m->app->cfg.matrix_user_id) != 0)
			person_of(m, jstr(ev, "sender"), now, 1, &p);
	}
}

/* Every room of batch B and its token, in one transaction. 0, or -1 (nothing kept). */
static int on_batch(struct mx *m, const cJSON *b, int first, time_t now)
{
	struct store *st = m->app->st;
	const cJSON *rooms = cJSON_GetObjectItem(b, "rooms"), *r;
	const char *next = jstr(b, "next_batch");
	if (!*next || strlen(next) >= sizeof m->since) {
		mlog("warn", "msg=\"a sync answer without a usable next_batch: ignored\"");
		return -1;
	}
	on_invites(m, cJSON_GetObjectItem(rooms, "invite"));
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(rooms, "join"))
	{
		if (!first)
			warm_profiles(m, r, now);
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(rooms, "leave"))
	{
		mlog("info", "msg=\"the bot is out of a room (left, kicked or banned)\" room=%s", r->string ? r->string : "?");
	}
	if (store_begin_outer(st) < 0)
		return -1;
	int rc = 0;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(rooms, "join"))
	{
		if (rc == 0 && r->string)
			rc = on_room(m, r->string, r, first, now);
	}
	if (rc < 0 || store_meta_put(st, "matrix_next_batch", next) < 0 || store_commit(st) < 0) {
		mlog("error", "msg=\"the batch is not kept; it will come again\" why=\"%s\"", store_error(st));
		store_rollback(st);
		return -1;
	}
	snprintf(m->since, sizeof m->since, "%s", next);
	return 0;
}

/* ---- the loop ---- */

/* The joins that are due: a 403 can race the invite, so up to three tries. */
static void join_rooms(struct mx *m)
{
	char path[1024], r[STORE_MATRIX_ID_MAX * 3 + 1], err[512];
	int64_t now = clock_mono_ms();
	for (int i = 0; i < m->njoins;) {
		struct join *j = &m->joins[i];
		if (j->at > now) {
			i++;
			continue;
		}
		mx_escape(j->room, r, sizeof r);
		snprintf(path, sizeof path, "v3/rooms/%s/join", r);
		int rc = mx_call(&m->api, "POST", path, NULL, 30, NULL, err, sizeof err);
		if (rc == MX_OK || ++j->tries >= 3 || rc == MX_AUTH) {
			mlog(rc == MX_OK ? "info" : "warn", "msg=\"%s\" room=%s%s%s%s", rc == MX_OK ? "joined" : "could not join",
			     j->room, rc ? " why=\"" : "", rc ? err : "", rc ? "\"" : "");
			*j = m->joins[--m->njoins];
			continue;
		}
		j->at = now + (j->tries == 1 ? 1000 : 5000);
		i++;
	}
}

/* A 400 about the stored token (the server forgot it, or it is another server's). */
static int stale_token(const struct mx *m)
{
	return m->api.status == 400 &&
	       (strcmp(m->api.errcode, "M_INVALID_PARAM") == 0 || strcmp(m->api.errcode, "M_UNKNOWN") == 0);
}

/* One sync; its batch handled. -1 when the front end must stop. */
static int sync_once(struct mx *m, struct daemon *d)
{
	char path[2048], since[1600], filter[200], err[512] = "";
	int first = !m->since[0];
	long hold = first ? 0 : (long)m->app->cfg.matrix_sync_timeout * 1000;
	mx_escape(m->since, since, sizeof since);
	mx_escape(m->filter, filter, sizeof filter);
	snprintf(path, sizeof path, "v3/sync?timeout=%ld&set_presence=offline%s%s%s%s", hold,
	         m->filter[0] ? "&filter=" : "", filter, first ? "" : "&since=", first ? "" : since);
	cJSON *b = NULL;
	int rc = mx_call(&m->api, "GET", path, NULL, hold / 1000 + (first ? 300 : 15), &b, err, sizeof err);
	if (rc == MX_OK) {
		time_t now;
		app_hold();
		int ok = clock_now(&now, err, sizeof err) == 0 && on_batch(m, b, first, now) == 0;
		app_release();
		cJSON_Delete(b);
		if (!ok)
			return back_off(m, "keeping a batch", err[0] ? err : "see above"), 0;
		m->backoff_ms = 0;
		if (first)
			mlog("info", "msg=\"first start: the rooms' backlog is skipped\"");
		matrix_out_wake(&m->out);
		daemon_wake(d, 1);
		metrics_part("matrix", PART_UP, NULL);
		return 0;
	}
	if (rc == MX_AUTH) {
		if (token_refused(m, err) < 0)
			return -1;
		matrix_out_set_token(&m->out, m->token);
		return 0;
	}
	if (rc == MX_REFUSED && !first && stale_token(m)) {
		mlog("error", "msg=\"the server refused the stored sync token; starting afresh (what was sent since "
		              "the last batch is skipped)\" why=\"%s\"", err);
		m->since[0] = 0;
		return 0;
	}
	if (!*m->stop)
		back_off(m, "sync", err);
	return 0;
}

static int loop(struct mx *m, struct daemon *d)
{
	while (!*m->stop) {
		daemon_beat(d);
		if (m->out.token_refused) {
			if (token_refused(m, "the sender's token was refused") < 0)
				return 1;
			matrix_out_set_token(&m->out, m->token);
		}
		join_rooms(m);
		if (sync_once(m, d) < 0)
			return 1;
	}
	return 0;
}

int matrix_run(struct app *app, volatile int *stop)
{
	struct mx m = {.app = app, .stop = stop};
	struct daemon d;
	char err[512], since[512];
	srandom((unsigned)getpid() ^ (unsigned)clock_mono_ms());
	if (mx_api_init(&m.api, &app->cfg, NULL) < 0) {
		mlog("error", "msg=\"could not start curl\"");
		return 1;
	}
	m.api.stop = stop;
	if (authenticate(&m) < 0) {
		mx_api_free(&m.api);
		return *stop ? 0 : 1;
	}
	make_filter(&m);
	if (store_meta(app->st, "matrix_next_batch", since, sizeof since) == 1)
		snprintf(m.since, sizeof m.since, "%s", since);
	if (matrix_out_start(&m.out, &app->cfg, m.token, err, sizeof err) < 0) {
		mlog("error", "msg=\"%s\"", err);
		return 1;
	}
	if (daemon_start(&d, app, 0, m.out.w.pipe[1], 1, err, sizeof err) < 0) {
		mlog("error", "msg=\"%s\"", err);
		return 1;
	}
	mlog("info", "msg=\"started\" homeserver=%s user=%s device=%s resume=%s", app->cfg.matrix_homeserver,
	     app->cfg.matrix_user_id, app->cfg.matrix_device_id, m.since[0] ? "yes" : "no (first start)");
	metrics_part("matrix", PART_STARTING, NULL); /* /healthz: 503 until the first sync */
	daemon_ready(&d, "running (Matrix)");
	int rc = loop(&m, &d);
	mlog("info", "msg=\"stopping\"");
	daemon_stop(&d);
	matrix_out_stop(&m.out);
	mx_api_free(&m.api);
	return rc;
}

int matrix_check(const struct cfg *cfg, FILE *out)
{
	struct mx_api api;
	cJSON *resp = NULL;
	char err[512];
	if (mx_api_init(&api, cfg, cfg->matrix_access_token) < 0)
		return 1;
	int bad = 0, rc = mx_call(&api, "GET", "versions", NULL, 10, NULL, err, sizeof err);
	if (rc != MX_OK) {
		fprintf(out, "# matrix: the homeserver does not answer: %s\n", err);
		bad = 1;
	} else if (!cfg->matrix_access_token[0]) {
		fprintf(out, "# matrix: the homeserver answers; no access_token: the daemon logs in with the password "
		             "at its start\n");
	} else if ((rc = mx_call(&api, "GET", "v3/account/whoami", NULL, 10, &resp, err, sizeof err)) != MX_OK) {
		fprintf(out, "# matrix: the access token does not work: %s\n", err);
		bad = 1;
	} else if (strcmp(jstr(resp, "user_id"), cfg->matrix_user_id) != 0) {
		fprintf(out, "# matrix: the access token is %s's, not %s's\n", jstr(resp, "user_id"), cfg->matrix_user_id);
		bad = 1;
	} else {
		fprintf(out, "# matrix: the access token works: %s, device %s\n", cfg->matrix_user_id,
		        *jstr(resp, "device_id") ? jstr(resp, "device_id") : "?");
	}
	cJSON_Delete(resp);
	mx_api_free(&api);
	return bad;
}
