/* http.c: see http.h. One lws context with one vhost; each connection carries a
 * struct conn (lws' per-session data) from the request line to the last byte of the
 * answer, then lws keeps the connection for the next request. */
#include "bot/http.h"
#include "bot/api.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/metrics.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define hlog(level, ...) log_line("http", level, __VA_ARGS__)
#define CHUNK 16384
#define FIELD_MAX 1024

struct http {
	struct app *app;
	struct store *st;
	void (*wake)(void *arg); /* after a request that may have queued messages */
	void *arg;
	int tick_ms;             /* http_service returns at least this often */
	struct lws_context *ctx;
	lws_sorted_usec_list_t tick;
	char host[256];
	int port;
};

struct conn {
	char method[8];
	char path[FIELD_MAX];
	char args[API_ARGS_MAX][256];
	int nargs;
	char auth[FIELD_MAX], key[256], type[128];
	struct buf body;
	int too_big;
	struct api_response rs;
	int answered, headers_sent, close;
	size_t sent;
};

static const struct {
	enum lws_token_indexes token;
	const char *name;
} methods[] = {
	{WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},   {WSI_TOKEN_PUT_URI, "PUT"},
	{WSI_TOKEN_PATCH_URI, "PATCH"},   {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
	{WSI_TOKEN_HEAD_URI, "HEAD"},
};

static struct http *server_of(struct lws *wsi) { return lws_context_user(lws_get_context(wsi)); }

static void header(struct lws *wsi, enum lws_token_indexes t, char *out, size_t len)
{
	out[0] = 0;
	if (lws_hdr_total_length(wsi, t) > 0 && lws_hdr_copy(wsi, out, (int)len, t) < 0)
		out[0] = 0;
}

/* Method, path, query arguments and the headers the answer depends on; a status
 * (414, 400) when the path or the query does not fit, else 0. Nothing is cut short. */
static int read_request(struct lws *wsi, struct conn *c, const char *in, size_t len)
{
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (lws_hdr_total_length(wsi, methods[i].token) > 0)
			snprintf(c->method, sizeof c->method, "%s", methods[i].name);
	if (len >= FIELD_MAX)
		return 414;
	snprintf(c->path, sizeof c->path, "%.*s", (int)len, in ? in : "");
	for (c->nargs = 0; lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, c->nargs) > 0; c->nargs++) {
		if (c->nargs == API_ARGS_MAX)
			return 400;
		if (lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, c->nargs) >= (int)sizeof c->args[0] ||
		    lws_hdr_copy_fragment(wsi, c->args[c->nargs], sizeof c->args[0], WSI_TOKEN_HTTP_URI_ARGS, c->nargs) < 0)
			return 414;
	}
	header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, c->auth, sizeof c->auth);
	header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, c->type, sizeof c->type);
	c->key[0] = 0;
	if (lws_hdr_custom_length(wsi, "idempotency-key:", 16) > 0 &&
	    lws_hdr_custom_copy(wsi, c->key, sizeof c->key, "idempotency-key:", 16) < 0)
		c->key[0] = 0;
	return 0;
}

/* An answer decided here, without the API: oversized or unreadable requests. */
static void plain_answer(struct conn *c, int status, const char *msg)
{
	c->rs.status = status;
	c->rs.content_type = "application/json";
	buf_addf(&c->rs.body, "{\"success\":false,\"error\":\"%s\"}\n", msg);
	c->close = 1;
}

static void answer(struct lws *wsi, struct conn *c)
{
	struct http *h = server_of(wsi);
	int64_t t0 = clock_mono_us();
	char req[32];
	log_new_request("h", req, sizeof req);
	log_request(req);
	if (!c->rs.status) {
		struct api_request rq = {.method = c->method, .path = c->path, .nargs = c->nargs};
		for (int i = 0; i < c->nargs; i++)
			rq.args[i] = c->args[i];
		rq.authorization = c->auth[0] ? c->auth : NULL;
		rq.idempotency_key = c->key[0] ? c->key : NULL;
		rq.content_type = c->type[0] ? c->type : NULL;
		rq.body = c->body.s ? c->body.s : "";
		rq.body_len = c->body.len;
		char err[256];
		if (clock_now((time_t *)&rq.now, err, sizeof err) < 0)
			plain_answer(c, 500, "the clock cannot be read");
		else
			api_handle(h->app, h->st, &rq, &c->rs);
	}
	if (c->rs.body.oom) {
		buf_free(&c->rs.body);
		plain_answer(c, 500, "out of memory");
	}
	metrics_count(C_HTTP_REQUESTS, 1);
	if (strcmp(c->method, "POST") == 0 && c->rs.status < 300 && h->wake)
		h->wake(h->arg); /* the command's notices, cards and duties go out now */
	/* the path may hold a feed's secret: only its first segment is logged */
	/* a 503 is /healthz saying a part is down: the part logs why, a probe must not flood errors */
	hlog(c->rs.status >= 500 && c->rs.status != 503 ? "error" : "info", "msg=\"request\" method=%s path=/%.*s status=%d bytes=%zu us=%lld",
	     c->method[0] ? c->method : "-", (int)strcspn(c->path + (c->path[0] == '/'), "/"),
	     c->path + (c->path[0] == '/'), c->rs.status, c->rs.body.len, (long long)(clock_mono_us() - t0));
	log_request(NULL);
	c->answered = 1;
	lws_callback_on_writable(wsi);
}

static int write_headers(struct lws *wsi, struct conn *c)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
	if (lws_add_http_common_headers(wsi, (unsigned)c->rs.status, c->rs.content_type, c->rs.body.len, &p, end))
		return -1;
	if (c->rs.allow[0] && lws_add_http_header_by_name(wsi, (const unsigned char *)"allow:",
	                                                  (const unsigned char *)c->rs.allow, (int)strlen(c->rs.allow),
	                                                  &p, end))
		return -1;
	static const char bearer[] = "Bearer realm=\"interviewd\"";
	if (c->rs.challenge && lws_add_http_header_by_name(wsi, (const unsigned char *)"www-authenticate:",
	                                                   (const unsigned char *)bearer, (int)sizeof bearer - 1, &p, end))
		return -1;
	static const char nostore[] = "no-store";
	if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:", (const unsigned char *)nostore,
	                                (int)sizeof nostore - 1, &p, end))
		return -1;
	if (c->close && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5, &p, end))
		return -1;
	return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

/* Writes the headers, then the body a chunk per writeable callback. -1 closes. */
static int write_some(struct lws *wsi, struct conn *c)
{
	if (!c->headers_sent) {
		c->headers_sent = 1;
		if (write_headers(wsi, c) < 0)
			return -1;
		if (c->rs.body.len || strcmp(c->method, "HEAD") != 0) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	}
	size_t left = strcmp(c->method, "HEAD") == 0 ? 0 : c->rs.body.len - c->sent;
	size_t n = left < CHUNK ? left : CHUNK;
	unsigned char buf[LWS_PRE + CHUNK];
	if (n)
		memcpy(buf + LWS_PRE, c->rs.body.s + c->sent, n);
	int last = n == left;
	if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return -1;
	c->sent += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	int close = c->close;
	buf_free(&c->rs.body);
	buf_free(&c->body);
	memset(c, 0, sizeof *c);
	return close || lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* A request with a body waits for it; one without is answered now. */
static int on_request(struct lws *wsi, struct conn *c, const char *in, size_t len)
{
	struct http *h = server_of(wsi);
	char clen[32], te[32];
	memset(c, 0, sizeof *c);
	int bad = read_request(wsi, c, in, len);
	header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, clen, sizeof clen);
	header(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING, te, sizeof te);
	long long n = clen[0] ? atoll(clen) : 0;
	if (bad) {
		plain_answer(c, bad, bad == 414 ? "the path or a query argument is too long"
		                                : "too many query arguments");
		answer(wsi, c);
	} else if (te[0]) { /* lws reads no chunked request bodies: say so rather than hang */
		plain_answer(c, 411, "send the body with a Content-Length, not chunked");
		answer(wsi, c);
	} else if (n > h->app->cfg.http_max_body) {
		char msg[96];
		snprintf(msg, sizeof msg, "the body is larger than %lld bytes ([http] max_body)", h->app->cfg.http_max_body);
		plain_answer(c, 413, msg);
		answer(wsi, c);
	} else if (n <= 0 && !te[0]) {
		answer(wsi, c);
	}
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct conn *c = user;
	struct http *h = server_of(wsi);
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return on_request(wsi, c, in, len);
	case LWS_CALLBACK_HTTP_BODY:
		if (c->answered)
			return 0;
		if (c->body.len + len > (size_t)h->app->cfg.http_max_body)
			c->too_big = 1;
		else
			buf_put(&c->body, in, len);
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (c->answered)
			return 0;
		if (c->too_big)
			plain_answer(c, 413, "the body is larger than [http] max_body");
		answer(wsi, c);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c && c->answered ? write_some(wsi, c) : 0;
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (c) {
			buf_free(&c->body);
			buf_free(&c->rs.body);
			memset(c, 0, sizeof *c);
		}
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols protocols[] = {
	{"http", callback, sizeof(struct conn), 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void tick(lws_sorted_usec_list_t *sul)
{
	struct http *h = lws_container_of(sul, struct http, tick);
	lws_sul_schedule(h->ctx, 0, &h->tick, tick, h->tick_ms * LWS_US_PER_MS);
}

static void lws_to_log(int level, const char *line)
{
	char clean[400];
	snprintf(clean, sizeof clean, "%s", line);
	clean[strcspn(clean, "\r\n")] = 0;
	hlog(level == LLL_ERR ? "error" : "warn", "msg=\"libwebsockets: %s\"", clean);
}

struct http *http_open(struct app *app, struct store *st, void (*wake)(void *), void *arg, int tick_ms, char *err,
                       size_t errlen)
{
	struct http *h = calloc(1, sizeof *h);
	const char *colon = strrchr(app->cfg.http_listen, ':');
	if (!h || !colon) {
		snprintf(err, errlen, h ? "[http] listen is not host:port" : "out of memory");
		free(h);
		return NULL;
	}
	h->app = app;
	h->st = st;
	h->wake = wake;
	h->arg = arg;
	h->tick_ms = tick_ms;
	snprintf(h->host, sizeof h->host, "%.*s", (int)(colon - app->cfg.http_listen), app->cfg.http_listen);
	if (h->host[0] == '[' && h->host[strlen(h->host) - 1] == ']') {
		memmove(h->host, h->host + 1, strlen(h->host));
		h->host[strlen(h->host) - 1] = 0;
	}
	h->port = atoi(colon + 1);
	lws_set_log_level(LLL_ERR, lws_to_log);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = h->port;
	info.iface = h->host;
	info.protocols = protocols;
	info.user = h;
	info.vhost_name = "interviewd";
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND |
	               (strchr(h->host, ':') ? 0 : LWS_SERVER_OPTION_DISABLE_IPV6);
	info.timeout_secs = 30;
	info.max_http_header_data = 16384; /* a longer request line or headers: the connection is closed */
	h->ctx = lws_create_context(&info);
	if (!h->ctx) {
		snprintf(err, errlen, "cannot listen on %s ([http] listen): the address is not this machine's, or the port is "
		         "taken", app->cfg.http_listen);
		free(h);
		return NULL;
	}
	lws_sul_schedule(h->ctx, 0, &h->tick, tick, h->tick_ms * LWS_US_PER_MS);
	metrics_part("http", PART_UP, NULL);
	hlog("info", "msg=\"listening\" address=%s", app->cfg.http_listen);
	return h;
}

int http_service(struct http *h, struct worker *w)
{
	lws_service(h->ctx, 0);
	return worker_sleep(w, 0);
}

void http_wake(struct http *h) { lws_cancel_service(h->ctx); }

void http_close(struct http *h)
{
	if (!h)
		return;
	lws_context_destroy(h->ctx);
	free(h);
}
