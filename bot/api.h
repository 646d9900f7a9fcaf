/* api: what the HTTP endpoint answers, apart from HTTP itself (bot/http.c): /healthz,
 * /metrics, the seed's API under /api/v1 (bearer tokens of people, the command
 * language's permissions and lifecycle, the {"success", "data"} envelope) and the
 * calendar feeds under /feeds (bot/feed.c). Pure request in, response out, on the
 * caller's store: the tests call it without a socket. */
#ifndef INTERVIEWD_API_H
#define INTERVIEWD_API_H

#include <stddef.h>
#include <time.h>

#include "bot/app.h"
#include "lib/buf.h"

#define API_ARGS_MAX 16

struct api_request {
	const char *method;        /* "GET", "POST", ... */
	const char *path;          /* decoded and normalised by the server */
	const char *args[API_ARGS_MAX]; /* query arguments, "name=value", decoded */
	int nargs;
	const char *authorization; /* the header, or NULL */
	const char *idempotency_key;
	const char *content_type;
	const char *body;
	size_t body_len;
	time_t now;
};

struct api_response {
	int status;
	const char *content_type;
	struct buf body;
	char allow[32];            /* 405: the methods the path takes */
	int challenge;             /* 401: send WWW-Authenticate: Bearer */
};

/* Answers RQ into RS (RS->body malloc'd: buf_free it). */
void api_handle(struct app *app, struct store *st, const struct api_request *rq, struct api_response *rs);

#endif
