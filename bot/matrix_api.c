/* matrix_api.c: see matrix_api.h. */
#include "bot/matrix_api.h"
#include "lib/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct mx_api *a = arg;
	size_t len = size * n;
	if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
		char v[64];
		snprintf(v, sizeof v, "%.*s", (int)(len - 12 < sizeof v - 1 ? len - 12 : sizeof v - 1), data + 12);
		char *end;
		long s = strtol(v, &end, 10);
		/* seconds; an HTTP date is rare here and counts as 5 s */
		a->retry_after_ms = end != v && s >= 0 ? s * 1000 : 5000;
	}
	return len;
}

/* Abandons a transfer (a held sync) once the daemon is asked to stop. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	struct mx_api *a = arg;
	return a->stop && *a->stop;
}

int mx_api_init(struct mx_api *a, const struct cfg *cfg, const char *token)
{
	memset(a, 0, sizeof *a);
	a->cfg = cfg;
	snprintf(a->token, sizeof a->token, "%s", token ? token : "");
	a->curl = curl_easy_init();
	return a->curl ? 0 : -1;
}

void mx_api_free(struct mx_api *a)
{
	if (a->curl)
		curl_easy_cleanup(a->curl);
	a->curl = NULL;
}

void mx_escape(const char *s, char *out, size_t len)
{
	size_t o = 0;
	for (; *s && o + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, len - o, "%%%02X", c);
	}
	out[o] = 0;
}

/* One request; the answer's text into *OUT. */
static CURLcode perform(struct mx_api *a, const char *method, const char *path, const char *json, long timeout,
                        struct buf *out)
{
	char url[2048], auth[600];
	snprintf(url, sizeof url, "%s_matrix/client/%s", a->cfg->matrix_homeserver, path);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	if (a->token[0]) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", a->token);
		h = curl_slist_append(h, auth);
	}
	CURL *c = a->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (json)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_curl_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "interviewd");
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, a);
	if (a->cfg->matrix_ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, a->cfg->matrix_ca_file);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	return rc;
}

/* The outcome of an answer with STATUS and JSON J (NULL: not JSON). */
static int classify(struct mx_api *a, const cJSON *j)
{
	const cJSON *code = cJSON_GetObjectItem(j, "errcode"), *ms = cJSON_GetObjectItem(j, "retry_after_ms");
	snprintf(a->errcode, sizeof a->errcode, "%s", cJSON_IsString(code) ? code->valuestring : "");
	if (a->status == 200)
		return cJSON_IsObject(j) ? MX_OK : MX_RETRY;
	if (a->status == 429 || strcmp(a->errcode, "M_LIMIT_EXCEEDED") == 0) {
		if (cJSON_IsNumber(ms) && ms->valuedouble > a->retry_after_ms && ms->valuedouble < 3600e3)
			a->retry_after_ms = (long)ms->valuedouble;
		if (a->retry_after_ms < 1000)
			a->retry_after_ms = 1000;
		return MX_RETRY;
	}
	if (a->status >= 500 || a->status < 200)
		return MX_RETRY;
	if (strcmp(a->errcode, "M_UNKNOWN_TOKEN") == 0 || strcmp(a->errcode, "M_MISSING_TOKEN") == 0) {
		a->soft_logout = cJSON_IsTrue(cJSON_GetObjectItem(j, "soft_logout"));
		return MX_AUTH;
	}
	return MX_REFUSED;
}

int mx_call(struct mx_api *a, const char *method, const char *path, const cJSON *body, long timeout, cJSON **resp,
            char *err, size_t errlen)
{
	struct buf out = {0};
	char *json = body ? cJSON_PrintUnformatted(body) : NULL;
	int bare = (int)strcspn(path, "?");
	if (resp)
		*resp = NULL;
	a->status = 0;
	a->errcode[0] = 0;
	a->retry_after_ms = 0;
	a->soft_logout = 0;
	CURLcode rc = perform(a, method, path, json ? json : (strcmp(method, "GET") ? "{}" : NULL), timeout, &out);
	free(json);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s %.*s: %s", method, bare, path, curl_easy_strerror(rc));
		free(out.s);
		return MX_RETRY;
	}
	curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &a->status);
	cJSON *j = cJSON_Parse(out.s ? out.s : "");
	int result = classify(a, j);
	if (result == MX_OK && resp)
		*resp = j, j = NULL;
	else if (result != MX_OK) {
		const cJSON *e = cJSON_GetObjectItem(j, "error");
		snprintf(err, errlen, "%s %.*s: HTTP %ld%s%s%s%.200s", method, bare, path, a->status, a->errcode[0] ? " " : "",
		         a->errcode, cJSON_IsString(e) ? ": " : j ? "" : " (not JSON)", cJSON_IsString(e) ? e->valuestring : "");
	}
	cJSON_Delete(j);
	free(out.s);
	return result;
}
