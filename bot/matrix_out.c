/* matrix_out.c: see matrix_out.h. */
#include "bot/matrix_out.h"
#include "bot/matrix_api.h"
#include "bot/matrix_render.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PACED 32
#define RETRY_MAX 600         /* seconds: the longest wait between tries of a row */
#define GIVE_UP_AFTER 82800   /* 23 h: after that a send could post twice (txn ids are kept ~24 h) */
#define WAIT_IN_PLACE_MS 30000 /* a 429 shorter than this is waited out in place */

#define olog(level, ...) log_line("matrix", level, __VA_ARGS__)

int matrix_queue(struct store *st, const char *kind, const char *room, int64_t iv, cJSON *content, int64_t now)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddItemToObject(p, "content", content);
	char *json = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	int rc = json ? store_outbox_add(st, "matrix", kind, room, iv, json, now) : -1;
	free(json);
	return rc < 0 ? -1 : 0;
}

struct pace {
	char room[STORE_MATRIX_ID_MAX + 1];
	int64_t free_at; /* ms, monotonic */
};

struct out {
	struct matrix_out *o;
	struct store *st;
	struct mx_api api;
	struct pace rooms[PACED];
	char instance[64];
	int stopping;
};

static struct pace *pace_of(struct out *x, const char *room)
{
	struct pace *oldest = &x->rooms[0];
	for (int i = 0; i < PACED; i++) {
		if (strcmp(x->rooms[i].room, room) == 0)
			return &x->rooms[i];
		if (x->rooms[i].free_at < oldest->free_at)
			oldest = &x->rooms[i];
	}
	snprintf(oldest->room, sizeof oldest->room, "%s", room);
	oldest->free_at = 0;
	return oldest;
}

/* Adds ROOM to the bot's m.direct account data for USER (clients show it as a DM). */
static void mark_direct(struct out *x, const char *user, const char *room)
{
	char me[STORE_MATRIX_ID_MAX * 3 + 1], path[1024], err[512];
	cJSON *data = NULL;
	mx_escape(x->o->cfg->matrix_user_id, me, sizeof me);
	snprintf(path, sizeof path, "v3/user/%s/account_data/m.direct", me);
	int rc = mx_call(&x->api, "GET", path, NULL, 30, &data, err, sizeof err);
	if (rc != MX_OK && strcmp(x->api.errcode, "M_NOT_FOUND") != 0) {
		olog("warn", "msg=\"m.direct not updated\" why=\"%s\"", err);
		return;
	}
	if (!data)
		data = cJSON_CreateObject();
	cJSON *list = cJSON_GetObjectItem(data, user);
	if (!cJSON_IsArray(list)) {
		cJSON_DeleteItemFromObject(data, user);
		list = cJSON_AddArrayToObject(data, user);
	}
	cJSON_AddItemToArray(list, cJSON_CreateString(room));
	if (mx_call(&x->api, "PUT", path, data, 30, NULL, err, sizeof err) != MX_OK)
		olog("warn", "msg=\"m.direct not updated\" why=\"%s\"", err);
	cJSON_Delete(data);
}

/* USER's DM room, made when there is none. MX_ codes; ROOM set on MX_OK. */
static int dm_room(struct out *x, const char *user, char room[STORE_MATRIX_ID_MAX + 1], char *err, size_t errlen)
{
	if (store_matrix_dm_get(x->st, user, room) == 1)
		return MX_OK;
	cJSON *body = cJSON_CreateObject(), *resp = NULL;
	cJSON_AddStringToObject(body, "preset", "trusted_private_chat");
	cJSON_AddBoolToObject(body, "is_direct", 1);
	cJSON_AddStringToObject(body, "name", "interviewd");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "invite"), cJSON_CreateString(user));
	int rc = mx_call(&x->api, "POST", "v3/createRoom", body, 30, &resp, err, errlen);
	cJSON_Delete(body);
	const cJSON *id = cJSON_GetObjectItem(resp, "room_id");
	if (rc == MX_OK && cJSON_IsString(id) && strlen(id->valuestring) <= STORE_MATRIX_ID_MAX) {
		snprintf(room, STORE_MATRIX_ID_MAX + 1, "%s", id->valuestring);
		if (store_matrix_dm_put(x->st, user, room) < 0)
			olog("warn", "msg=\"%s\"", store_error(x->st));
		mark_direct(x, user, room);
		olog("info", "msg=\"opened a direct room\" user=%s room=%s", user, room);
	} else if (rc == MX_OK) {
		snprintf(err, errlen, "createRoom gave no room_id");
		rc = MX_RETRY;
	}
	cJSON_Delete(resp);
	return rc;
}

/* What ROW sends: its ROOM and CONTENT (caller deletes). MX_ codes. */
static int what_of(struct out *x, const struct store_outbox_row *row, char room[STORE_MATRIX_ID_MAX + 1],
                   cJSON **content, char *err, size_t errlen)
{
	cJSON *p = cJSON_Parse(row->payload ? row->payload : "");
	*content = NULL;
	if (strcmp(row->transport, "chat") == 0) {
		struct store_person who;
		const cJSON *text = cJSON_GetObjectItem(p, "text");
		int rc = MX_REFUSED;
		if (!cJSON_IsString(text))
			snprintf(err, errlen, "a chat row without text");
		else if (store_person_by_handle(x->st, row->recipient, &who) != 1 || !who.matrix_id[0])
			snprintf(err, errlen, "%s has no matrix_id in [people]: the message cannot reach them", row->recipient);
		else if ((rc = dm_room(x, who.matrix_id, room, err, errlen)) == MX_OK)
			*content = matrix_mention(text->valuestring, who.matrix_id, who.name);
		cJSON_Delete(p);
		return rc;
	}
	cJSON *c = cJSON_DetachItemFromObject(p, "content");
	cJSON_Delete(p);
	if (!cJSON_IsObject(c) || strlen(row->recipient) > STORE_MATRIX_ID_MAX) {
		snprintf(err, errlen, "an outbox row this interviewd cannot read");
		cJSON_Delete(c);
		return MX_REFUSED;
	}
	snprintf(room, STORE_MATRIX_ID_MAX + 1, "%s", row->recipient);
	*content = c;
	return MX_OK;
}

static int64_t backoff(int attempts, int64_t cap)
{
	int64_t wait = 2;
	for (int i = 0; i < attempts && wait < cap; i++)
		wait *= 2;
	return wait < cap ? wait : cap;
}

/* Waits until UNTIL (ms, monotonic); a wake-up does not cut it short, a stop does. */
static int hold(struct out *x, int64_t until)
{
	for (int64_t ms; !x->stopping && (ms = clock_mono_ms()) < until;)
		x->stopping = worker_sleep(&x->o->w, (int)(until - ms));
	return x->stopping;
}

/* PUT the event; a short 429 is waited out and the same txn tried again. */
static int send_event(struct out *x, const struct store_outbox_row *row, const char *room, const cJSON *content,
                      char *err, size_t errlen)
{
	char path[1024], r[STORE_MATRIX_ID_MAX * 3 + 1], txn[128];
	mx_escape(room, r, sizeof r);
	snprintf(txn, sizeof txn, "ivd.%s.%lld", x->instance, (long long)row->id);
	snprintf(path, sizeof path, "v3/rooms/%s/send/m.room.message/%s", r, txn);
	for (;;) {
		int rc = mx_call(&x->api, "PUT", path, content, 30, NULL, err, errlen);
		if (rc != MX_RETRY || !x->api.retry_after_ms || x->api.retry_after_ms > WAIT_IN_PLACE_MS)
			return rc;
		olog("info", "msg=\"rate limited: waiting\" ms=%ld room=%s row=%lld", x->api.retry_after_ms, room,
		     (long long)row->id);
		if (hold(x, clock_mono_ms() + x->api.retry_after_ms))
			return MX_RETRY;
	}
}

/* Records the outcome RC of ROW. */
static void outcome(struct out *x, const struct store_outbox_row *row, const char *room, int rc, const char *err,
                    time_t now)
{
	if (rc == MX_OK) {
		store_outbox_sent(x->st, row->id, now);
		metrics_count(C_CHAT_SENT, 1);
		return;
	}
	metrics_count(C_CHAT_FAILED, 1);
	if (rc == MX_AUTH) {
		x->o->token_refused = 1;
		olog("error", "msg=\"the access token was refused (%s): sending stops\" row=%lld", x->api.errcode,
		     (long long)row->id);
		return;
	}
	if (rc == MX_REFUSED || now - row->created_at > GIVE_UP_AFTER) {
		olog("error", "msg=\"not sent\" row=%lld kind=%s room=%s why=\"%s\"", (long long)row->id, row->kind,
		     room[0] ? room : "-", err);
		store_outbox_failed(x->st, row->id, now, err);
		return;
	}
	int64_t wait = x->api.retry_after_ms ? (x->api.retry_after_ms + 999) / 1000
	                                     : backoff(row->attempts, x->o->cfg->matrix_backoff_max);
	olog("warn", "msg=\"will try again\" row=%lld room=%s in_s=%lld why=\"%s\"", (long long)row->id,
	     room[0] ? room : "-", (long long)wait, err);
	store_outbox_retry(x->st, row->id, now + (wait < RETRY_MAX ? wait : RETRY_MAX), err);
}

static void deliver(struct out *x, const struct store_outbox_row *row, time_t now)
{
	char room[STORE_MATRIX_ID_MAX + 1] = "", err[512] = "";
	cJSON *content = NULL;
	int rc = what_of(x, row, room, &content, err, sizeof err);
	if (rc == MX_OK) {
		struct pace *p = pace_of(x, room);
		hold(x, p->free_at);
		rc = send_event(x, row, room, content, err, sizeof err);
		p->free_at = clock_mono_ms() + x->o->cfg->matrix_send_interval_ms;
		if (rc == MX_REFUSED && strcmp(row->transport, "chat") == 0 &&
		    strcmp(x->api.errcode, "M_FORBIDDEN") == 0) { /* they left the DM: a new one next time */
			struct store_person who;
			if (store_person_by_handle(x->st, row->recipient, &who) == 1)
				store_matrix_dm_put(x->st, who.matrix_id, NULL);
			rc = MX_RETRY;
		}
	}
	cJSON_Delete(content);
	outcome(x, row, room, rc, err, now);
}

static void pass(struct out *x, time_t *now)
{
	char err[256];
	struct store_outbox_row row;
	if (clock_now(now, err, sizeof err) < 0)
		return;
	pthread_mutex_lock(&x->o->lock);
	snprintf(x->api.token, sizeof x->api.token, "%s", x->o->token);
	pthread_mutex_unlock(&x->o->lock);
	for (int n = 0; n < 10000 && !x->o->token_refused && !x->stopping; n++) {
		int got = store_outbox_next(x->st, "matrix", *now, &row);
		if (got != 1)
			got = store_outbox_next(x->st, "chat", *now, &row);
		if (got != 1)
			break;
		deliver(x, &row, *now);
		store_outbox_clear(&row);
	}
}

static int wait_ms(struct out *x, time_t now)
{
	if (clock_from_file())
		return 50;
	/* at most 2 s: rows another process wrote (ingest-mail) show that soon */
	return worker_due_ms(store_outbox_next_due2(x->st, "matrix", "chat"), now, 2000);
}

static void *run(void *arg)
{
	struct out x = {.o = arg};
	char err[512];
	x.st = store_open(x.o->cfg->database, err, sizeof err);
	if (!x.st || store_instance(x.st, x.instance, sizeof x.instance) < 0 ||
	    mx_api_init(&x.api, x.o->cfg, x.o->token) < 0) {
		olog("error", "msg=\"sender: %s\"", x.st ? store_error(x.st) : err);
		store_close(x.st);
		return NULL;
	}
	time_t now;
	while (!x.stopping) {
		pass(&x, &now);
		x.stopping |= worker_sleep(&x.o->w, wait_ms(&x, now));
	}
	mx_api_free(&x.api);
	store_close(x.st);
	return NULL;
}

int matrix_out_start(struct matrix_out *o, const struct cfg *cfg, const char *token, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->cfg = cfg;
	pthread_mutex_init(&o->lock, NULL);
	snprintf(o->token, sizeof o->token, "%s", token);
	return worker_start(&o->w, run, o, err, errlen);
}

void matrix_out_set_token(struct matrix_out *o, const char *token)
{
	pthread_mutex_lock(&o->lock);
	snprintf(o->token, sizeof o->token, "%s", token);
	pthread_mutex_unlock(&o->lock);
	o->token_refused = 0;
	worker_wake(&o->w);
}

void matrix_out_wake(struct matrix_out *o) { worker_wake(&o->w); }

void matrix_out_stop(struct matrix_out *o)
{
	worker_stop(&o->w);
	pthread_mutex_destroy(&o->lock);
}
