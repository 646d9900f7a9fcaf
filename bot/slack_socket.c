/* slack_socket.c: see slack_socket.h. The lws thread owns the connections; the
 * dispatcher and the URL fetchers reach it only through the locked queues below and
 * lws_cancel_service(), which wakes the loop. */
#include "bot/slack_socket.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "bot/slack_api.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONN_MAX 8                /* twice the most sockets held: room to replace each */
#define RX_MAX (4 << 20)          /* the largest frame we reassemble */
#define HELLO_WAIT_MS 10000
#define STABLE_MS 30000           /* up this long: the backoff starts again from 1 s */
#define PARK_MS (5 * 60 * 1000)   /* link_disabled, refused token */

enum conn_state { C_FREE, C_FETCHING, C_CONNECTING, C_HELLO, C_READY };

struct frame {
	struct frame *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes, then the text */
};

struct conn {
	int id;                   /* for logs: 1, 2, 3 ... */
	enum conn_state state;
	int retiring;             /* replaced: closes once a successor is ready */
	int closing;
	struct lws *wsi;
	int64_t since, last_rx, last_ping, expires;
	char *rx;
	size_t rxlen;
	struct frame *out, *out_tail;
	int want_ping;
	/* the URL fetch (helper thread; fields below under the socket's lock) */
	pthread_t fetcher;
	int fetch_done, fetch_rc;
	char url[2048], fetch_err[256];
	struct slack_socket *owner;
};

/* An envelope waiting for its ack. */
struct pending {
	struct pending *next;
	char id[128];
	int conn_id;              /* the socket it came on */
	int64_t deadline;
	int ready;                /* the dispatcher answered */
	char *payload;            /* its ack payload, or NULL */
	char *fallback;           /* where the payload goes if no socket can carry it */
};

/* An envelope waiting for the dispatcher. */
struct queued {
	struct queued *next;
	struct slack_inbound in;
};

struct slack_socket {
	const struct cfg *cfg;
	struct lws_context *ctx;
	pthread_t thread;
	lws_sorted_usec_list_t tick;
	struct conn conns[CONN_MAX];
	int next_conn_id;
	int failures;             /* consecutive, for the backoff */
	int64_t next_attempt;     /* no new socket before this */
	/* shared with other threads */
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct pending *pending;
	struct queued *queue, *queue_tail;
	int stop;
};

#define slog(level, ...) log_line("slack", level, __VA_ARGS__)

void slack_inbound_free(struct slack_inbound *in)
{
	free(in->json);
	in->json = NULL;
}

/* ---- outgoing frames ---- */

static void conn_send(struct conn *c, const char *text)
{
	size_t n = strlen(text);
	struct frame *f = malloc(sizeof *f + LWS_PRE + n);
	if (!f)
		return;
	f->next = NULL;
	f->len = n;
	memcpy(f->buf + LWS_PRE, text, n);
	if (c->out_tail)
		c->out_tail->next = f;
	else
		c->out = f;
	c->out_tail = f;
	lws_callback_on_writable(c->wsi);
}

static void conn_drop_frames(struct conn *c)
{
	while (c->out) {
		struct frame *f = c->out;
		c->out = f->next;
		free(f);
	}
	c->out_tail = NULL;
}

static int conn_writeable(struct conn *c)
{
	if (c->closing) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	if (c->out) {
		struct frame *f = c->out;
		if (lws_write(c->wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
			return -1;
		c->out = f->next;
		if (!c->out)
			c->out_tail = NULL;
		free(f);
	} else if (c->want_ping) {
		unsigned char ping[LWS_PRE + 16];
		memcpy(ping + LWS_PRE, "interviewd", 10);
		c->want_ping = 0;
		if (lws_write(c->wsi, ping + LWS_PRE, 10, LWS_WRITE_PING) < 10)
			return -1;
	}
	if (c->out || c->want_ping)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* ---- acks ---- */

static struct conn *conn_by_id(struct slack_socket *s, int id)
{
	for (int i = 0; i < CONN_MAX; i++)
		if (s->conns[i].id == id && s->conns[i].state == C_READY && !s->conns[i].closing)
			return &s->conns[i];
	return NULL;
}

static struct conn *any_ready(struct slack_socket *s)
{
	for (int i = 0; i < CONN_MAX; i++)
		if (s->conns[i].state == C_READY && !s->conns[i].closing)
			return &s->conns[i];
	return NULL;
}

static void queue_work(struct slack_socket *s, const char *id, char *json);

/* No socket can carry the ack: a reply in it goes back to the dispatcher, which
 * delivers it by response_url (Slack does not send a slash command again). */
static void unsent_reply(struct slack_socket *s, const struct pending *p)
{
	slog("warn", "msg=\"no socket to acknowledge on; Slack will redeliver or time out\" envelope=%s%s", p->id,
	     p->payload && p->fallback ? " reply=response_url" : "");
	if (!p->payload || !p->fallback)
		return;
	cJSON *env = cJSON_CreateObject(), *payload = cJSON_Parse(p->payload);
	cJSON_AddStringToObject(env, "type", "interviewd.unsent_reply");
	cJSON_AddStringToObject(env, "response_url", p->fallback);
	cJSON_AddItemToObject(env, "payload", payload ? payload : cJSON_CreateObject());
	char *json = cJSON_PrintUnformatted(env);
	cJSON_Delete(env);
	if (json)
		queue_work(s, p->id, json);
}

static void send_ack(struct slack_socket *s, const struct pending *p)
{
	struct conn *c = conn_by_id(s, p->conn_id);
	if (!c)
		c = any_ready(s); /* the socket it came on is gone: any other will do */
	if (!c) {
		unsent_reply(s, p);
		return;
	}
	cJSON *ack = cJSON_CreateObject();
	cJSON_AddStringToObject(ack, "envelope_id", p->id);
	cJSON *payload = p->payload ? cJSON_Parse(p->payload) : NULL;
	if (payload)
		cJSON_AddItemToObject(ack, "payload", payload);
	char *text = cJSON_PrintUnformatted(ack);
	if (text)
		conn_send(c, text);
	free(text);
	cJSON_Delete(ack);
}

static void pending_free(struct pending *p)
{
	free(p->payload);
	free(p->fallback);
	free(p);
}

/* Sends the acks that are answered or due; returns how many still wait. */
static int flush_acks(struct slack_socket *s, int64_t now)
{
	int left = 0;
	struct pending *due = NULL;
	pthread_mutex_lock(&s->lock);
	for (struct pending **pp = &s->pending; *pp;) {
		struct pending *p = *pp;
		if (p->ready || now >= p->deadline) {
			*pp = p->next;
			p->next = due;
			due = p;
			continue;
		}
		left++;
		pp = &p->next;
	}
	pthread_mutex_unlock(&s->lock);
	while (due) {
		struct pending *p = due;
		due = p->next;
		send_ack(s, p);
		pending_free(p);
	}
	return left;
}

int slack_socket_reply(struct slack_socket *s, const char *id, const char *payload, const char *fallback_url)
{
	int taken = 0;
	pthread_mutex_lock(&s->lock);
	for (struct pending *p = s->pending; p; p = p->next)
		if (!p->ready && strcmp(p->id, id) == 0) {
			p->ready = 1;
			p->payload = payload ? strdup(payload) : NULL;
			p->fallback = fallback_url && *fallback_url ? strdup(fallback_url) : NULL;
			taken = !payload || p->payload;
			break;
		}
	pthread_mutex_unlock(&s->lock);
	lws_cancel_service(s->ctx);
	return taken;
}

/* ---- incoming frames ---- */

/* Hands JSON (taken over) to the dispatcher as work ID. */
static void queue_work(struct slack_socket *s, const char *id, char *json)
{
	struct queued *q = calloc(1, sizeof *q);
	if (!q) {
		free(json);
		return;
	}
	snprintf(q->in.id, sizeof q->in.id, "%s", id);
	q->in.json = json;
	q->in.received_ms = clock_mono_ms();
	pthread_mutex_lock(&s->lock);
	if (s->queue_tail)
		s->queue_tail->next = q;
	else
		s->queue = q;
	s->queue_tail = q;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->lock);
}

/* An envelope: its ack waits (at most reply_wait_ms) and its work is queued. */
static void enqueue(struct slack_socket *s, struct conn *c, const char *id, const char *text)
{
	struct pending *p = calloc(1, sizeof *p);
	char *json = strdup(text);
	if (!p || !json) {
		free(p), free(json);
		return;
	}
	snprintf(p->id, sizeof p->id, "%s", id);
	p->conn_id = c->id;
	p->deadline = clock_mono_ms() + s->cfg->slack_reply_wait_ms;
	pthread_mutex_lock(&s->lock);
	p->next = s->pending;
	s->pending = p;
	pthread_mutex_unlock(&s->lock);
	queue_work(s, id, json);
}

static void on_hello(struct slack_socket *s, struct conn *c, const cJSON *j)
{
	const cJSON *dbg = cJSON_GetObjectItem(j, "debug_info");
	const cJSON *life = cJSON_GetObjectItem(dbg, "approximate_connection_time");
	const cJSON *host = cJSON_GetObjectItem(dbg, "host");
	const cJSON *num = cJSON_GetObjectItem(j, "num_connections");
	int64_t now = clock_mono_ms();
	c->state = C_READY;
	c->since = now;
	/* replace it a little before Slack says it will end */
	c->expires = cJSON_IsNumber(life) && life->valuedouble > 60 ? now + (int64_t)(life->valuedouble - 30) * 1000 : 0;
	metrics_part("slack", PART_UP, NULL);
	slog("info", "msg=\"connected\" conn=%d host=%s num_connections=%d lifetime_s=%d", c->id,
	     cJSON_IsString(host) ? host->valuestring : "?", cJSON_IsNumber(num) ? num->valueint : 0,
	     cJSON_IsNumber(life) ? life->valueint : 0);
}

static void on_disconnect(struct slack_socket *s, struct conn *c, const cJSON *j)
{
	const cJSON *r = cJSON_GetObjectItem(j, "reason");
	const char *why = cJSON_IsString(r) ? r->valuestring : "?";
	slog("info", "msg=\"Slack asks to disconnect\" conn=%d reason=%s", c->id, why);
	if (strcmp(why, "link_disabled") == 0) {
		slog("error", "msg=\"Socket Mode is turned off for this app; turn it on in the app settings\"");
		s->next_attempt = clock_mono_ms() + PARK_MS;
		c->closing = 1;
	} else if (strcmp(why, "too_many_websockets") == 0) {
		s->failures++;
		s->next_attempt = clock_mono_ms() + 10000;
		c->closing = 1;
	} else {
		c->retiring = 1; /* warning, refresh_requested: a successor opens first */
	}
	if (c->closing)
		lws_callback_on_writable(c->wsi);
}

static void on_message(struct slack_socket *s, struct conn *c, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	const cJSON *type = cJSON_GetObjectItem(j, "type"), *id = cJSON_GetObjectItem(j, "envelope_id");
	if (!cJSON_IsObject(j)) {
		slog("warn", "msg=\"dropped a frame that is not JSON\" conn=%d bytes=%zu", c->id, strlen(text));
	} else if (cJSON_IsString(id) && id->valuestring[0] && strlen(id->valuestring) < 128) {
		enqueue(s, c, id->valuestring, text);
	} else if (cJSON_IsString(type) && strcmp(type->valuestring, "hello") == 0) {
		on_hello(s, c, j);
	} else if (cJSON_IsString(type) && strcmp(type->valuestring, "disconnect") == 0) {
		on_disconnect(s, c, j);
	} else {
		slog("warn", "msg=\"dropped a frame of an unknown kind\" conn=%d type=%s", c->id,
		     cJSON_IsString(type) ? type->valuestring : "none");
	}
	cJSON_Delete(j);
}

static void on_receive(struct slack_socket *s, struct conn *c, const void *in, size_t len)
{
	c->last_rx = clock_mono_ms();
	if (lws_frame_is_binary(c->wsi)) {
		if (lws_is_final_fragment(c->wsi))
			slog("warn", "msg=\"dropped a binary frame\" conn=%d", c->id);
		return;
	}
	if (c->rxlen + len > RX_MAX) {
		c->rxlen = RX_MAX + 1; /* too big: skip the rest of this message */
	} else {
		char *grown = realloc(c->rx, c->rxlen + len + 1);
		if (!grown)
			return;
		c->rx = grown;
		memcpy(c->rx + c->rxlen, in, len);
		c->rxlen += len;
		c->rx[c->rxlen] = 0;
	}
	if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi))
		return;
	if (c->rxlen > RX_MAX)
		slog("warn", "msg=\"dropped a frame over 4 MiB\" conn=%d", c->id);
	else
		on_message(s, c, c->rx);
	c->rxlen = 0;
}

/* ---- connection lifecycle ---- */

static int64_t backoff_ms(struct slack_socket *s)
{
	int n = s->failures < 16 ? s->failures : 16;
	int64_t cap = s->cfg->slack_backoff_max * 1000, d = 1000LL << n;
	if (d > cap)
		d = cap;
	return d / 2 + (int64_t)(rand() % (int)(d / 2 + 1)); /* jitter: half to all of it */
}

static void conn_gone(struct slack_socket *s, struct conn *c, const char *why)
{
	int64_t now = clock_mono_ms();
	int was_ready = c->state == C_READY;
	if (!c->retiring && !c->closing) {
		if (!was_ready || now - c->since < STABLE_MS)
			s->failures++;
		else
			s->failures = 0;
		int64_t next = now + backoff_ms(s);
		if (next > s->next_attempt)
			s->next_attempt = next;
		metrics_count(C_RECONNECTS_SLACK, 1);
		int up = 0;
		for (int i = 0; i < CONN_MAX; i++)
			up |= &s->conns[i] != c && s->conns[i].state == C_READY;
		if (!up)
			metrics_part("slack", PART_BACKOFF, why);
		slog(was_ready ? "info" : "warn", "msg=\"socket lost; reconnecting\" conn=%d why=\"%s\" retry_in_ms=%lld",
		     c->id, why, (long long)(s->next_attempt - now));
	}
	conn_drop_frames(c);
	free(c->rx);
	memset(c, 0, sizeof *c);
}

static void *fetch(void *arg)
{
	struct conn *c = arg;
	struct slack_socket *s = c->owner;
	struct slack_api api;
	cJSON *resp = NULL;
	char err[256] = "";
	int rc = slack_api_init(&api, s->cfg) < 0 ? SLACK_RETRY
	                                           : slack_api_call(&api, "apps.connections.open", NULL, &resp, err, sizeof err);
	const cJSON *url = cJSON_GetObjectItem(resp, "url");
	pthread_mutex_lock(&s->lock);
	c->fetch_rc = rc;
	if (rc == SLACK_OK && cJSON_IsString(url))
		snprintf(c->url, sizeof c->url, "%s%s", url->valuestring,
		         s->cfg->slack_debug_reconnects ? "&debug_reconnects=true" : "");
	else if (rc == SLACK_OK)
		c->fetch_rc = SLACK_RETRY, snprintf(err, sizeof err, "apps.connections.open gave no url");
	snprintf(c->fetch_err, sizeof c->fetch_err, "%s", err);
	c->fetch_done = 1;
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(resp);
	slack_api_free(&api);
	lws_cancel_service(s->ctx);
	return NULL;
}

static void start_fetch(struct slack_socket *s, struct conn *c)
{
	memset(c, 0, sizeof *c);
	c->id = ++s->next_conn_id;
	c->owner = s;
	c->state = C_FETCHING;
	c->since = clock_mono_ms();
	if (pthread_create(&c->fetcher, NULL, fetch, c) != 0) {
		c->fetch_done = 1;
		c->fetch_rc = SLACK_RETRY;
		snprintf(c->fetch_err, sizeof c->fetch_err, "could not start a thread");
		c->fetcher = 0;
	}
}

static int connect_url(struct slack_socket *s, struct conn *c)
{
	char copy[2048], path[2048];
	const char *prot, *addr, *p;
	int port;
	snprintf(copy, sizeof copy, "%s", c->url);
	if (lws_parse_uri(copy, &prot, &addr, &port, &p) != 0 || (strcmp(prot, "wss") && strcmp(prot, "ws"))) {
		snprintf(c->fetch_err, sizeof c->fetch_err, "apps.connections.open gave a URL that is not ws(s)://");
		return -1;
	}
	snprintf(path, sizeof path, "/%s", p);
	struct lws_client_connect_info i;
	memset(&i, 0, sizeof i);
	i.context = s->ctx;
	i.address = addr;
	i.port = port;
	i.path = path;
	i.host = addr;
	i.origin = addr;
	i.ssl_connection = strcmp(prot, "wss") == 0 ? LCCSCF_USE_SSL : 0;
	i.local_protocol_name = "slack";
	i.opaque_user_data = c;
	i.pwsi = &c->wsi;
	c->state = C_CONNECTING;
	c->since = clock_mono_ms();
	if (!lws_client_connect_via_info(&i) && c->state == C_CONNECTING) {
		snprintf(c->fetch_err, sizeof c->fetch_err, "could not start connecting to %s", addr);
		return -1;
	}
	return 0;
}

/* A finished URL fetch: connect, or count a failure. */
static void fetched(struct slack_socket *s, struct conn *c)
{
	if (c->fetcher)
		pthread_join(c->fetcher, NULL);
	c->fetcher = 0;
	if (c->fetch_rc == SLACK_OK && connect_url(s, c) == 0)
		return;
	if (c->fetch_rc == SLACK_AUTH) {
		slog("error", "msg=\"the app token was refused; check [slack] app_token (xapp-..., scope "
		              "connections:write)\" why=\"%s\"", c->fetch_err);
		s->next_attempt = clock_mono_ms() + PARK_MS;
		c->retiring = 1; /* counted already */
	}
	conn_gone(s, c, c->fetch_err);
}

static void keep_alive(struct slack_socket *s, struct conn *c, int64_t now)
{
	if (c->state == C_HELLO && now - c->since > HELLO_WAIT_MS) {
		slog("warn", "msg=\"no hello within 10 s\" conn=%d", c->id);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC); /* a failure: backs off */
		c->since = now;
	}
	if (c->state != C_READY || c->closing)
		return;
	if (now - c->last_rx > s->cfg->slack_stale_after * 1000) {
		slog("warn", "msg=\"socket silent; replacing it\" conn=%d silent_s=%lld", c->id,
		     (long long)(now - c->last_rx) / 1000);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC); /* half-open: cut it */
		return;
	}
	if (now - c->last_ping >= s->cfg->slack_ping_interval * 1000) {
		c->last_ping = now;
		c->want_ping = 1;
		lws_callback_on_writable(c->wsi);
	}
	if (c->expires && now >= c->expires && !c->retiring) {
		slog("info", "msg=\"socket nears its end; replacing it\" conn=%d", c->id);
		c->retiring = 1;
	}
}

/* Keeps [slack] connections sockets that are not retiring, and closes retiring ones
 * once that many are ready. */
static void manage(struct slack_socket *s, int64_t now)
{
	int live = 0, ready = 0, free_slot = -1;
	for (int i = 0; i < CONN_MAX; i++) {
		struct conn *c = &s->conns[i];
		if (c->state == C_FETCHING && c->fetch_done)
			fetched(s, c);
		if (c->state == C_FREE) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		keep_alive(s, c, now);
		if (!c->retiring && !c->closing) {
			live++;
			ready += c->state == C_READY;
		}
	}
	if (ready >= s->cfg->slack_connections)
		for (int i = 0; i < CONN_MAX; i++)
			if (s->conns[i].retiring && s->conns[i].state == C_READY && !s->conns[i].closing) {
				s->conns[i].closing = 1;
				lws_callback_on_writable(s->conns[i].wsi);
				lws_set_timeout(s->conns[i].wsi, PENDING_TIMEOUT_CLOSE_ACK, 1); /* ≤1 s for the close */
			}
	if (live < s->cfg->slack_connections && free_slot >= 0 && now >= s->next_attempt) {
		start_fetch(s, &s->conns[free_slot]);
		s->next_attempt = now + 250; /* one new socket at a time */
	}
}

static void tick(lws_sorted_usec_list_t *sul)
{
	struct slack_socket *s = lws_container_of(sul, struct slack_socket, tick);
	int64_t now = clock_mono_ms();
	int waiting = flush_acks(s, now);
	manage(s, now);
	lws_sul_schedule(s->ctx, 0, &s->tick, tick, (waiting ? 50 : 500) * LWS_US_PER_MS);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct slack_socket *s = lws_context_user(lws_get_context(wsi));
	struct conn *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (s) {
			flush_acks(s, clock_mono_ms());
			manage(s, clock_mono_ms());
		}
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->state = C_HELLO;
		c->since = c->last_rx = c->last_ping = clock_mono_ms();
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		on_receive(s, c, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		c->last_rx = clock_mono_ms();
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return conn_writeable(c);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c && c->state != C_FREE) {
			c->wsi = NULL;
			conn_gone(s, c, in && len ? (const char *)in : "connection failed");
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c && c->state != C_FREE)
			conn_gone(s, c, "closed");
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{"slack", callback, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_to_log(int level, const char *line)
{
	char clean[400];
	snprintf(clean, sizeof clean, "%s", line);
	clean[strcspn(clean, "\r\n")] = 0;
	slog(level == LLL_ERR ? "error" : "warn", "msg=\"libwebsockets: %s\"", clean);
}

static void *loop(void *arg)
{
	struct slack_socket *s = arg;
	lws_sul_schedule(s->ctx, 0, &s->tick, tick, 1);
	for (;;) {
		pthread_mutex_lock(&s->lock);
		int stop = s->stop;
		pthread_mutex_unlock(&s->lock);
		if (stop || lws_service(s->ctx, 0) < 0)
			break;
	}
	return NULL;
}

struct slack_socket *slack_socket_start(const struct cfg *cfg, char *err, size_t errlen)
{
	struct slack_socket *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	srand((unsigned)clock_mono_ms());
	lws_set_log_level(LLL_ERR, lws_to_log);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = s;
	if (cfg->slack_ca_file[0])
		info.client_ssl_ca_filepath = cfg->slack_ca_file;
	s->ctx = lws_create_context(&info);
	if (!s->ctx || pthread_create(&s->thread, NULL, loop, s) != 0) {
		snprintf(err, errlen, "could not start the Slack socket loop");
		if (s->ctx)
			lws_context_destroy(s->ctx);
		free(s);
		return NULL;
	}
	return s;
}

void slack_socket_stop(struct slack_socket *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
	lws_cancel_service(s->ctx);
	pthread_join(s->thread, NULL);
	for (int i = 0; i < CONN_MAX; i++)
		if (s->conns[i].state == C_FETCHING && s->conns[i].fetcher)
			pthread_join(s->conns[i].fetcher, NULL);
	lws_context_destroy(s->ctx);
	for (int i = 0; i < CONN_MAX; i++) {
		conn_drop_frames(&s->conns[i]);
		free(s->conns[i].rx);
	}
	while (s->pending) {
		struct pending *p = s->pending;
		s->pending = p->next;
		pending_free(p);
	}
	while (s->queue) {
		struct queued *q = s->queue;
		s->queue = q->next;
		slack_inbound_free(&q->in);
		free(q);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->work);
	free(s);
}

int slack_socket_next(struct slack_socket *s, struct slack_inbound *in, int timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000)
		until.tv_sec++, until.tv_nsec -= 1000000000;
	pthread_mutex_lock(&s->lock);
	while (!s->queue && !s->stop)
		if (pthread_cond_timedwait(&s->work, &s->lock, &until) != 0)
			break;
	int rc = s->stop ? -1 : 0;
	struct queued *q = s->queue;
	if (q && !s->stop) {
		s->queue = q->next;
		if (!s->queue)
			s->queue_tail = NULL;
		*in = q->in;
		free(q);
		rc = 1;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}
