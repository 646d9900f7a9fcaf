/* slack_api.c: see slack_api.h. */
#include "bot/slack_api.h"
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct slack_api *a = arg;
	size_t len = size * n;
	char line[640];
	snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line - 1 ? len : sizeof line - 1), data);
	line[strcspn(line, "\r\n")] = 0;
	if (strncasecmp(line, "retry-after:", 12) == 0)
		a->retry_after = strtol(line + 12, NULL, 10);
	else if (strncasecmp(line, "x-oauth-scopes:", 15) == 0)
		snprintf(a->scopes, sizeof a->scopes, "%s", line + 15 + strspn(line + 15, " "));
	return len;
}

int slack_api_init(struct slack_api *a, const struct cfg *cfg)
{
	memset(a, 0, sizeof *a);
	a->cfg = cfg;
	a->timeout = 10;
	a->curl = curl_easy_init();
	return a->curl ? 0 : -1;
}

void slack_api_free(struct slack_api *a)
{
	if (a->curl)
		curl_easy_cleanup(a->curl);
	a->curl = NULL;
}

/* Errors after which the credentials, not the request, are wrong. */
static int auth_error(const char *e)
{
	static const char *const fatal[] = {"not_authed", "invalid_auth", "account_inactive", "token_revoked",
	                                    "token_expired", "user_removed_from_team", "team_disabled", NULL};
	for (int i = 0; fatal[i]; i++)
		if (strcmp(e, fatal[i]) == 0)
			return 1;
	return 0;
}

/* Errors worth another try later. */
static int passing_error(const char *e)
{
	return strcmp(e, "ratelimited") == 0 || strcmp(e, "rate_limited") == 0 || strcmp(e, "internal_error") == 0 ||
	       strcmp(e, "fatal_error") == 0 || strcmp(e, "service_unavailable") == 0 ||
	       strcmp(e, "request_timeout") == 0;
}

/* One POST of JSON BODY to URL with TOKEN (NULL: none); the answer's text into *OUT. */
static int post(struct slack_api *a, const char *url, const char *token, const cJSON *body, struct buf *out,
                long *status, char *err, size_t errlen)
{
	char *json = body ? cJSON_PrintUnformatted(body) : NULL;
	char auth[300];
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	CURL *c = a->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json ? json : "{}");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_curl_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, a->timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "interviewd");
	if (a->cfg->slack_ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, a->cfg->slack_ca_file);
	a->retry_after = 0;
	a->scopes[0] = 0;
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	free(json);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return SLACK_RETRY;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (*status == 429 || *status >= 500) {
		snprintf(err, errlen, "HTTP %ld%s", *status, *status == 429 ? " (rate limited)" : "");
		if (*status == 429 && a->retry_after <= 0)
			a->retry_after = 30;
		return SLACK_RETRY;
	}
	return SLACK_OK;
}

int slack_api_call(struct slack_api *a, const char *method, const cJSON *body, cJSON **resp, char *err,
                   size_t errlen)
{
	char url[700];
	struct buf out = {0};
	long status = 0;
	int app = strcmp(method, "apps.connections.open") == 0;
	snprintf(url, sizeof url, "%s%s", a->cfg->slack_api_url, method);
	a->error[0] = 0;
	if (resp)
		*resp = NULL;
	int rc = post(a, url, app ? a->cfg->slack_app_token : a->cfg->slack_bot_token, body, &out, &status, err, errlen);
	if (rc == SLACK_OK) {
		cJSON *j = cJSON_Parse(out.s ? out.s : "");
		const cJSON *ok = cJSON_GetObjectItem(j, "ok"), *e = cJSON_GetObjectItem(j, "error");
		if (!cJSON_IsBool(ok)) {
			snprintf(err, errlen, "%s: HTTP %ld with an answer that is not Slack's JSON", method, status);
			rc = SLACK_RETRY;
		} else if (cJSON_IsFalse(ok)) {
			snprintf(a->error, sizeof a->error, "%s", cJSON_IsString(e) ? e->valuestring : "unknown_error");
			snprintf(err, errlen, "%s: %s", method, a->error);
			rc = auth_error(a->error) ? SLACK_AUTH : passing_error(a->error) ? SLACK_RETRY : SLACK_REFUSED;
		} else if (resp) {
			*resp = j;
			j = NULL;
		}
		cJSON_Delete(j);
	} else {
		char why[256];
		snprintf(why, sizeof why, "%s", err);
		snprintf(err, errlen, "%s: %s", method, why);
	}
	free(out.s);
	return rc;
}

int slack_api_respond(struct slack_api *a, const char *url, const cJSON *body, char *err, size_t errlen)
{
	struct buf out = {0};
	long status = 0;
	int rc = post(a, url, NULL, body, &out, &status, err, errlen);
	if (rc == SLACK_OK && status != 200) {
		/* used or expired URLs (404) and the like: another try will not help */
		snprintf(err, errlen, "response_url: HTTP %ld %.80s", status, out.s ? out.s : "");
		rc = SLACK_REFUSED;
	}
	free(out.s);
	return rc;
}
