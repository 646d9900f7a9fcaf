/* smtp.c: see smtp.h. libesmtp 1.1, as packaged, cannot speak implicit TLS (smtps), so
 * the SMTP client is libcurl's, which the project needs anyway (README). */
#include "mail/smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct smtp {
	CURL *curl;
	struct smtp_settings s;
	char url[600];
};

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct reader *r = arg;
	size_t want = size * n < r->left ? size * n : r->left;
	memcpy(buf, r->p, want);
	r->p += want;
	r->left -= want;
	return want;
}

struct smtp *smtp_new(const struct smtp_settings *s)
{
	struct smtp *c = calloc(1, sizeof *c);
	if (!c || !(c->curl = curl_easy_init())) {
		free(c);
		return NULL;
	}
	c->s = *s;
	int implicit = strcmp(s->tls, "implicit") == 0, off = strcmp(s->tls, "off") == 0;
	int port = s->port ? s->port : implicit ? 465 : off ? 25 : 587;
	snprintf(c->url, sizeof c->url, "%s://%s:%d", implicit ? "smtps" : "smtp", s->host, port);
	return c;
}

void smtp_free(struct smtp *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

static void configure(struct smtp *c, struct curl_slist *rcpts, struct reader *r, const char *from, char *errbuf)
{
	CURL *h = c->curl;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, r);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* without it a 4 KiB message waited on delayed ACKs: 40 instead of 110 a second */
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->s.timeout);
	/* a reply slower than the timeout is a stalled server */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->s.timeout);
	if (strcmp(c->s.tls, "starttls") == 0)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	else if (strcmp(c->s.tls, "optional") == 0)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (c->s.ca_file && *c->s.ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->s.ca_file);
	if (c->s.user && *c->s.user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->s.user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->s.password ? c->s.password : "");
	}
}

/* A 5xx reply is the server's final word about this message. Everything else — 4xx,
 * no connection, TLS or login failing, a timeout — is worth another try: even a wrong
 * password is a setting to fix, and the mail should wait for it. */
static enum smtp_result classify(CURLcode rc, long code)
{
	if (rc == CURLE_OK)
		return SMTP_SENT;
	if (code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED)
		return SMTP_PERMANENT;
	return SMTP_TEMPORARY;
}

enum smtp_result smtp_send(struct smtp *c, const char *from, const char *rcpt, const char *msg, char *err,
                           size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct reader r = {msg, strlen(msg)};
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	if (!rcpts) {
		snprintf(err, errlen, "out of memory");
		return SMTP_TEMPORARY;
	}
	configure(c, rcpts, &r, from, errbuf);
	CURLcode rc = curl_easy_perform(c->curl);
	long code = 0, reused = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &reused);
	enum smtp_result res = classify(rc, code);
	if (res == SMTP_TEMPORARY && reused == 0) {
		/* The kept connection said no (a server limits messages per session, 452, or
		 * closed it while idle): once more on a new one before counting a failure. */
		configure(c, rcpts, &(struct reader){msg, strlen(msg)}, from, errbuf);
		curl_easy_setopt(c->curl, CURLOPT_FRESH_CONNECT, 1L);
		rc = curl_easy_perform(c->curl);
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
		res = classify(rc, code);
	}
	curl_slist_free_all(rcpts);
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	if (res != SMTP_SENT && code)
		snprintf(err, errlen, "%s: %s (server said %ld)", c->url, why, code);
	else if (res != SMTP_SENT)
		snprintf(err, errlen, "%s: %s", c->url, why);
	return res;
}
