/* slack_out.c: see slack_out.h. */
#include "bot/slack_out.h"
#include "bot/slack_api.h"
#include "bot/slack_blocks.h"
#include "bot/slack_socket.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/log.h"
#include "lib/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GIVE_UP_AFTER 86400   /* seconds a row is retried */
#define RETRY_MAX 300         /* the longest backoff between tries, seconds */
#define PACED 128             /* channels whose last post we remember */

int slack_queue(struct store *st, const char *kind, const char *method, const char *channel, const char *url,
                int64_t iv, cJSON *body, int64_t now)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "method", method);
	if (url)
		cJSON_AddStringToObject(p, "url", url);
	cJSON_AddItemToObject(p, "body", body);
	char *json = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	int rc = json ? store_outbox_add(st, "slack", kind, channel, iv, json, now) : -1;
	free(json);
	return rc;
}

int slack_queue_text(struct store *st, const char *kind, const char *channel, int64_t iv, const char *text,
                     int64_t now)
{
	cJSON *body = cJSON_CreateObject();
	size_t n = strlen(text);
	char *quoted = malloc(n + 8);
	if (!quoted) {
		cJSON_Delete(body);
		return -1;
	}
	snprintf(quoted, n + 8, "```%s```", text);
	char *safe = slack_escape(quoted); /* a digest names candidates: no mentions or links from them */
	free(quoted);
	if (!safe) {
		cJSON_Delete(body);
		return -1;
	}
	cJSON_AddStringToObject(body, "channel", channel);
	cJSON_AddStringToObject(body, "text", safe);
	free(safe);
	return slack_queue(st, kind, "chat.postMessage", channel, NULL, iv, body, now);
}

/* The card of interview IV as a message {"channel", "text", "blocks"} (panel by
 * Slack mention where known, times shown in each reader's zone). */
cJSON *slack_card_message(struct store *st, const char *tz, const struct store_interview *iv, const char *channel)
{
	char ids[STORE_PANEL_MAX][STORE_SLACK_ID_MAX + 1];
	const char *panel[STORE_PANEL_MAX];
	for (int i = 0; i < iv->npanel; i++) {
		struct store_person p;
		ids[i][0] = 0;
		if (store_person_by_handle(st, iv->panel[i].handle, &p) == 1)
			str_copy(ids[i], sizeof ids[i], p.slack_id);
		panel[i] = ids[i];
	}
	struct store_interview with = *iv; /* the card shows the answers to the invite too */
	with.feedback = NULL, with.nfeedback = 0;
	if (!iv->nrsvp)
		store_interview_rsvps(st, &with);
	iv = &with;
	cJSON *msg = cJSON_CreateObject(), *blocks = cJSON_CreateArray();
	char text[600];
	snprintf(text, sizeof text, "Interview #%lld: %.200s (%s)", (long long)iv->id, iv->candidate_name,
	         store_status_name(iv->status));
	char *safe = slack_escape(text);
	cJSON_AddStringToObject(msg, "channel", channel);
	cJSON_AddStringToObject(msg, "text", safe ? safe : "Interview");
	free(safe);
	slack_card_blocks(blocks, iv, tz, panel);
	cJSON_AddItemToObject(msg, "blocks", blocks);
	return msg;
}

/* The thread's state: its store, its Web API client, the pacing of channels and
 * methods. */
struct pace {
	char key[64];
	int64_t free_at; /* ms, monotonic */
};
struct out {
	struct slack_out *o;
	struct store *st;
	struct slack_api api;
	struct pace channels[PACED], methods[16];
	int auth_logged;
	int stopping; /* asked to stop: no waiting for a busy channel */
};

static struct pace *pace_of(struct pace *p, int n, const char *key)
{
	struct pace *oldest = &p[0];
	for (int i = 0; i < n; i++) {
		if (strcmp(p[i].key, key) == 0)
			return &p[i];
		if (p[i].free_at < oldest->free_at)
			oldest = &p[i];
	}
	snprintf(oldest->key, sizeof oldest->key, "%s", key);
	oldest->free_at = 0;
	return oldest;
}

static void olog(const char *level, const struct store_outbox_row *row, const char *method, const char *what)
{
	log_line("slack", level, "msg=\"%s\" row=%lld kind=%s method=%s channel=%s", what,
	        (long long)row->id, row->kind, method, row->recipient);
}

/* P's Slack id, found by the email Slack knows (users.lookupByEmail) when the config
 * gives none; the link is remembered. SLACK_ codes; ERR says why not. */
static int slack_id_of(struct out *x, struct store_person *p, char *err, size_t errlen)
{
	if (p->slack_id[0])
		return SLACK_OK;
	if (!p->email[0]) {
		snprintf(err, errlen, "%.40s has no Slack id and no email: set slack_id in [people.%.40s]", p->handle,
		         p->handle);
		return SLACK_REFUSED;
	}
	cJSON *body = cJSON_CreateObject(), *resp = NULL;
	cJSON_AddStringToObject(body, "email", p->email);
	int rc = slack_api_call(&x->api, "users.lookupByEmail", body, &resp, err, errlen);
	cJSON_Delete(body);
	const cJSON *id = cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "user"), "id");
	if (rc == SLACK_OK && cJSON_IsString(id) && strlen(id->valuestring) < sizeof p->slack_id) {
		snprintf(p->slack_id, sizeof p->slack_id, "%s", id->valuestring);
		store_person_set_slack(x->st, p->id, p->slack_id);
	} else if (rc == SLACK_OK || (rc == SLACK_REFUSED && strcmp(x->api.error, "users_not_found") == 0)) {
		snprintf(err, errlen, "no Slack user has the email of %.40s: set slack_id in [people.%.40s]", p->handle,
		         p->handle);
		rc = SLACK_REFUSED;
	}
	cJSON_Delete(resp);
	return rc;
}

/* The DM channel of person HANDLE: 0, or -1 with the reason in ERR (then *PERMANENT
 * says whether a retry can help). */
static int dm_channel(struct out *x, const char *handle, char *channel, char *err, size_t errlen, int *permanent)
{
	struct store_person p;
	*permanent = 1;
	if (store_person_by_handle(x->st, handle, &p) != 1) {
		snprintf(err, errlen, "nobody is called %.40s", handle);
		return -1;
	}
	int found = slack_id_of(x, &p, err, errlen);
	if (found != SLACK_OK) {
		*permanent = found == SLACK_REFUSED;
		return -1;
	}
	if (store_slack_dm_get(x->st, p.slack_id, channel) == 1)
		return 0;
	cJSON *body = cJSON_CreateObject(), *resp = NULL;
	cJSON_AddStringToObject(body, "users", p.slack_id);
	int rc = slack_api_call(&x->api, "conversations.open", body, &resp, err, errlen);
	cJSON_Delete(body);
	const cJSON *id = cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "channel"), "id");
	if (rc == SLACK_OK && cJSON_IsString(id) && strlen(id->valuestring) <= STORE_SLACK_ID_MAX) {
		snprintf(channel, STORE_SLACK_ID_MAX + 1, "%s", id->valuestring);
		store_slack_dm_put(x->st, p.slack_id, channel);
	} else if (rc == SLACK_OK) {
		snprintf(err, errlen, "conversations.open gave no channel id");
		rc = SLACK_RETRY;
	}
	cJSON_Delete(resp);
	*permanent = rc == SLACK_REFUSED;
	return rc == SLACK_OK ? 0 : -1;
}

/* What ROW asks for: METHOD, the pacing CHANNEL, URL and BODY (caller deletes). For a
 * "chat" row, the DM to the person. 0, or -1 (ERR, *PERMANENT). */
static int call_of(struct out *x, const struct store_outbox_row *row, char *method, char *channel, char *url,
                   cJSON **body, char *err, size_t errlen, int *permanent)
{
	cJSON *p = cJSON_Parse(row->payload ? row->payload : "");
	*permanent = 1;
	*body = NULL;
	if (strcmp(row->transport, "chat") == 0) {
		const cJSON *text = cJSON_GetObjectItem(p, "text");
		int rc = cJSON_IsString(text) ? dm_channel(x, row->recipient, channel, err, errlen, permanent) : -1;
		if (rc == 0) {
			strcpy(method, "chat.postMessage");
			*body = cJSON_CreateObject();
			cJSON_AddStringToObject(*body, "channel", channel);
			char *safe = slack_escape(text->valuestring); /* names typed by people: no mentions */
			cJSON_AddStringToObject(*body, "text", safe ? safe : "");
			free(safe);
		} else if (!cJSON_IsString(text)) {
			snprintf(err, errlen, "a chat row without text");
		}
		cJSON_Delete(p);
		return rc;
	}
	const cJSON *m = cJSON_GetObjectItem(p, "method"), *u = cJSON_GetObjectItem(p, "url");
	cJSON *b = cJSON_DetachItemFromObject(p, "body");
	if (!cJSON_IsString(m) || strlen(m->valuestring) > 63 || !cJSON_IsObject(b)) {
		snprintf(err, errlen, "an outbox row this interviewd cannot read");
		cJSON_Delete(b), cJSON_Delete(p);
		return -1;
	}
	snprintf(method, 64, "%s", m->valuestring);
	snprintf(url, 1024, "%s", cJSON_IsString(u) ? u->valuestring : "");
	snprintf(channel, STORE_SLACK_ID_MAX + 1, "%.63s", row->recipient);
	*body = b;
	cJSON_Delete(p);
	return 0;
}

static int64_t backoff(int attempts)
{
	int64_t wait = 2;
	for (int i = 0; i < attempts && wait < RETRY_MAX; i++)
		wait *= 2;
	return wait < RETRY_MAX ? wait : RETRY_MAX;
}

/* Records the outcome RC of ROW's call. */
static void outcome(struct out *x, const struct store_outbox_row *row, const char *method, int rc, const char *err,
                    time_t now)
{
	if (rc == SLACK_OK) {
		store_outbox_sent(x->st, row->id, now);
		x->auth_logged = 0;
		metrics_count(C_CHAT_SENT, 1);
		return;
	}
	metrics_count(C_CHAT_FAILED, 1);
	if (rc == SLACK_REFUSED || now - row->created_at > GIVE_UP_AFTER) {
		olog("error", row, method, err);
		store_outbox_failed(x->st, row->id, now, err);
		return;
	}
	int64_t wait = backoff(row->attempts);
	if (rc == SLACK_AUTH) {
		wait = RETRY_MAX;
		if (!x->auth_logged++)
			olog("error", row, method, "the bot token was refused; check [slack] bot_token (xoxb-...)");
	} else if (x->api.retry_after > 0) {
		wait = x->api.retry_after;
		pace_of(x->methods, 16, method)->free_at = clock_mono_ms() + wait * 1000;
	}
	olog("warn", row, method, err);
	store_outbox_retry(x->st, row->id, now + wait, err);
}

/* Redraws every card of ROW's interview in place (a "refresh" row). */
static void refresh(struct out *x, const struct store_outbox_row *row, time_t now)
{
	struct store_slack_card cards[8];
	struct store_interview iv;
	char err[512] = "";
	int rc = SLACK_OK, n = store_slack_cards(x->st, row->interview_id, cards, 8);
	if (n < 0 || store_interview_get(x->st, row->interview_id, &iv, 0) <= 0) {
		snprintf(err, sizeof err, "interview #%lld cannot be read: %s", (long long)row->interview_id,
		         store_error(x->st));
		outcome(x, row, "chat.update", SLACK_RETRY, err, now);
		return;
	}
	for (int i = 0; rc == SLACK_OK && i < n; i++) {
		cJSON *msg = slack_card_message(x->st, x->o->cfg->timezone, &iv, cards[i].channel);
		cJSON_AddStringToObject(msg, "ts", cards[i].ts);
		rc = slack_api_call(&x->api, "chat.update", msg, NULL, err, sizeof err);
		cJSON_Delete(msg);
	}
	store_interview_clear(&iv);
	outcome(x, row, "chat.update", rc, err, now);
}

/* A card Slack took: where it is, so that later news can update it. */
static void remember_card(struct out *x, const struct store_outbox_row *row, const cJSON *resp, time_t now)
{
	const cJSON *ch = cJSON_GetObjectItem(resp, "channel"), *ts = cJSON_GetObjectItem(resp, "ts");
	if (row->interview_id && cJSON_IsString(ch) && cJSON_IsString(ts) &&
	    strlen(ch->valuestring) <= STORE_SLACK_ID_MAX && strlen(ts->valuestring) < 32 &&
	    store_slack_card_put(x->st, row->interview_id, ch->valuestring, ts->valuestring, now) < 0)
		olog("warn", row, "chat.postMessage", store_error(x->st));
}

/* Sends ROW unless its channel or method must wait; 1 when it was deferred, 2 when
 * it must wait and the thread is stopping (it stays due for the next start). */
static int deliver(struct out *x, const struct store_outbox_row *row, time_t now)
{
	char method[64] = "", channel[STORE_SLACK_ID_MAX + 1] = "", url[1024] = "", err[512] = "";
	cJSON *body = NULL;
	int permanent;
	if (call_of(x, row, method, channel, url, &body, err, sizeof err, &permanent) < 0) {
		outcome(x, row, method[0] ? method : "-", permanent ? SLACK_REFUSED : SLACK_RETRY, err, now);
		return 0;
	}
	if (strcmp(method, "refresh") == 0) {
		cJSON_Delete(body);
		refresh(x, row, now);
		return 0;
	}
	int64_t ms = clock_mono_ms();
	struct pace *me = pace_of(x->methods, 16, method);
	if (me->free_at > ms) { /* rate limited: the whole method waits */
		cJSON_Delete(body);
		store_outbox_defer(x->st, row->id, now + (me->free_at - ms + 999) / 1000);
		return 1;
	}
	struct pace *ch = strcmp(method, "chat.postMessage") == 0 ? pace_of(x->channels, PACED, channel) : NULL;
	if (ch && ch->free_at > ms && x->stopping) {
		cJSON_Delete(body);
		return 2;
	}
	if (ch && ch->free_at > ms) /* about one post a second per channel */
		usleep((useconds_t)(ch->free_at - ms) * 1000);
	cJSON *resp = NULL;
	int card = ch && strcmp(row->kind, "card") == 0;
	int rc = strcmp(method, "response_url") == 0 ? slack_api_respond(&x->api, url, body, err, sizeof err)
	                                             : slack_api_call(&x->api, method, body, card ? &resp : NULL, err,
	                                                              sizeof err);
	cJSON_Delete(body);
	if (ch)
		ch->free_at = clock_mono_ms() + x->o->cfg->slack_post_interval_ms;
	int tx = rc == SLACK_OK && card && store_begin(x->st) == 0; /* the card and "sent" together */
	if (rc == SLACK_OK && card)
		remember_card(x, row, resp, now);
	cJSON_Delete(resp);
	outcome(x, row, method, rc, err, now);
	if (tx && store_commit(x->st) < 0)
		olog("warn", row, method, store_error(x->st));
	return 0;
}

/* Sends every due row; returns how many were deferred by pacing. */
static int pass(struct out *x, time_t *now)
{
	char err[256];
	struct store_outbox_row row;
	int deferred = 0;
	if (clock_now(now, err, sizeof err) < 0)
		return 0;
	for (int n = 0; n < 10000; n++) {
		int got = store_outbox_next(x->st, "slack", *now, &row);
		if (got != 1)
			got = store_outbox_next(x->st, "chat", *now, &row);
		if (got != 1)
			break;
		int rc = deliver(x, &row, *now);
		store_outbox_clear(&row);
		if (rc == 2)
			break;
		deferred += rc;
		if (!x->stopping && worker_sleep(&x->o->w, 0)) /* asked to stop meanwhile */
			x->stopping = 1;
	}
	return deferred;
}

static int wait_ms(struct out *x, time_t now, int deferred)
{
	if (clock_from_file() || deferred)
		return deferred ? 200 : 50;
	/* at most 2 s: rows another process wrote (ingest-mail) show that soon */
	return worker_due_ms(store_outbox_next_due2(x->st, "slack", "chat"), now, 2000);
}

static void *run(void *arg)
{
	struct out x = {.o = arg};
	char err[512];
	x.st = store_open(x.o->cfg->database, err, sizeof err);
	if (!x.st || slack_api_init(&x.api, x.o->cfg) < 0) {
		log_line("slack", "error", "msg=\"sender: %s\"", x.st ? "no curl" : err);
		store_close(x.st);
		return NULL;
	}
	time_t now;
	while (!x.stopping) {
		int deferred = pass(&x, &now);
		x.stopping |= worker_sleep(&x.o->w, wait_ms(&x, now, deferred));
	}
	pass(&x, &now); /* what is due and need not wait; the rest stays for the next start */
	slack_api_free(&x.api);
	store_close(x.st);
	return NULL;
}

int slack_out_start(struct slack_out *o, const struct cfg *cfg, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->cfg = cfg;
	return worker_start(&o->w, run, o, err, errlen);
}

void slack_out_wake(struct slack_out *o) { worker_wake(&o->w); }

void slack_out_stop(struct slack_out *o) { worker_stop(&o->w); }
