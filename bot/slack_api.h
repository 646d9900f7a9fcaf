/* slack_api: Slack's Web API over libcurl — JSON in and out, the app token for
 * apps.connections.open and the bot token for every other method, posts to a
 * response_url. It classifies each outcome (done, refused for good, try again later,
 * bad credentials) and logs Slack's error with the method's name, never a token.
 * Blocking; one per thread (each owns a curl handle). */
#ifndef INTERVIEWD_SLACK_API_H
#define INTERVIEWD_SLACK_API_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "bot/cfg.h"

enum slack_result {
	SLACK_OK = 0,
	SLACK_REFUSED = -1, /* ok:false with an error that a retry will not change */
	SLACK_RETRY = -2,   /* 429 (see retry_after), 5xx, ratelimited, network */
	SLACK_AUTH = -3,    /* not_authed, invalid_auth, account_inactive, ... */
};

struct slack_api {
	CURL *curl;
	const struct cfg *cfg;
	long timeout;           /* seconds per request */
	long retry_after;       /* the last 429's Retry-After, seconds (0: none) */
	char scopes[512];       /* the last answer's x-oauth-scopes header */
	char error[128];        /* the last ok:false error, "" otherwise */
};

int slack_api_init(struct slack_api *a, const struct cfg *cfg);
void slack_api_free(struct slack_api *a);

/* Calls METHOD with BODY (a JSON object; NULL: none). On SLACK_OK and RESP non-NULL,
 * *RESP is the answer (caller deletes). Otherwise ERR says why. */
int slack_api_call(struct slack_api *a, const char *method, const cJSON *body, cJSON **resp, char *err,
                   size_t errlen);

/* Posts BODY to a response_url (which answers "ok", not JSON). */
int slack_api_respond(struct slack_api *a, const char *url, const cJSON *body, char *err, size_t errlen);

#endif
