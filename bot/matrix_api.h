/* matrix_api: the Matrix client-server API over libcurl — JSON in and out, the access
 * token as "Authorization: Bearer", paths percent-encoded by the caller (mx_escape).
 * Classifies each outcome: done, refused for good (4xx: the errcode is kept), try again
 * (network, 5xx, 429 with its wait, an answer that is not JSON), or the token refused
 * (M_UNKNOWN_TOKEN, M_MISSING_TOKEN). Never logs the token. Blocking; one per thread
 * (each owns a curl handle). */
#ifndef INTERVIEWD_MATRIX_API_H
#define INTERVIEWD_MATRIX_API_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "bot/cfg.h"

enum mx_result {
	MX_OK = 0,
	MX_REFUSED = -1, /* 4xx: errcode says why; another try will not help */
	MX_RETRY = -2,   /* network, 5xx, 429 (retry_after_ms), not JSON */
	MX_AUTH = -3,    /* the token was refused */
};

struct mx_api {
	CURL *curl;
	const struct cfg *cfg;
	char token[512];
	long status;          /* of the last answer (0: none) */
	char errcode[64];     /* of the last error answer, "" otherwise */
	long retry_after_ms;  /* of the last 429 (Retry-After, else retry_after_ms, at least 1 s) */
	int soft_logout;      /* the last M_UNKNOWN_TOKEN said soft_logout: true */
	volatile int *stop;   /* when set and non-zero, a request in flight is abandoned */
};

int mx_api_init(struct mx_api *a, const struct cfg *cfg, const char *token);
void mx_api_free(struct mx_api *a);

/* METHOD ("GET", "POST", "PUT") to PATH (after "_matrix/client/", e.g. "v3/sync?since=s1")
 * with BODY (NULL: none) within TIMEOUT seconds. On MX_OK and RESP non-NULL, *RESP is
 * the answer (caller deletes). Otherwise ERR says why (method, path without its query,
 * status, errcode). */
int mx_call(struct mx_api *a, const char *method, const char *path, const cJSON *body, long timeout, cJSON **resp,
            char *err, size_t errlen);

/* S percent-encoded for a path segment or a query value: unreserved characters kept. */
void mx_escape(const char *s, char *out, size_t len);

#endif
