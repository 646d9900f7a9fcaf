/* imap.c: see imap.h. Each command is one curl request on a kept connection; the
 * untagged answers of a custom command arrive through the write callback. */
#include "mail/imap.h"
#include "lib/buf.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct imap {
	CURL *curl;
	struct imap_settings s;
	char base[600];      /* imap[s]://host:port/ */
};

struct imap *imap_new(const struct imap_settings *s)
{
	struct imap *im = calloc(1, sizeof *im);
	if (!im || !(im->curl = curl_easy_init())) {
		free(im);
		return NULL;
	}
	im->s = *s;
	int implicit = strcmp(s->tls, "implicit") == 0;
	snprintf(im->base, sizeof im->base, "%s://%s:%d/", implicit ? "imaps" : "imap", s->host,
	         s->port ? s->port : implicit ? 993 : 143);
	return im;
}

void imap_free(struct imap *im)
{
	if (!im)
		return;
	curl_easy_cleanup(im->curl);
	free(im);
}

/* One request: the URL is the base plus FOLDER (escaped here when ESCAPE, else a path
 * given ready, with ";UID=" parts); COMMAND a custom command, or NULL to fetch. The
 * answer's text into OUT. */
static int request(struct imap *im, const char *folder, const char *command, struct buf *out, char *err,
                   size_t errlen, int escape)
{
	char url[1200];
	char *esc = folder && escape ? curl_easy_escape(im->curl, folder, 0) : NULL;
	snprintf(url, sizeof url, "%s%s", im->base, esc ? esc : folder ? folder : "");
	curl_free(esc);
	CURL *c = im->curl;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, command);
	curl_easy_setopt(c, CURLOPT_USERNAME, im->s.user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, im->s.password);
	curl_easy_setopt(c, CURLOPT_USE_SSL, strcmp(im->s.tls, "starttls") == 0  ? (long)CURLUSESSL_ALL
	                                     : strcmp(im->s.tls, "optional") == 0 ? (long)CURLUSESSL_TRY
	                                                                          : (long)CURLUSESSL_NONE);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_curl_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, im->s.timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, im->s.timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	if (im->s.ca_file && *im->s.ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, im->s.ca_file);
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "IMAP %s%s%s: %s", command ? command : "fetch", folder ? " in " : "",
		         folder ? folder : "", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

int imap_uidvalidity(struct imap *im, const char *folder, int64_t *uidvalidity, char *err, size_t errlen)
{
	struct buf out = {0};
	char cmd[300];
	snprintf(cmd, sizeof cmd, "STATUS \"%s\" (UIDVALIDITY)", folder);
	int rc = request(im, NULL, cmd, &out, err, errlen, 1);
	const char *v = out.s ? strstr(out.s, "UIDVALIDITY ") : NULL;
	if (rc == 0 && !v) {
		snprintf(err, errlen, "IMAP STATUS %s: no UIDVALIDITY in the answer", folder);
		rc = -1;
	}
	if (rc == 0)
		*uidvalidity = strtoll(v + 12, NULL, 10);
	buf_free(&out);
	return rc;
}

int imap_after(struct imap *im, const char *folder, int64_t after, int64_t *uids, int max, int *n, char *err,
               size_t errlen)
{
	struct buf out = {0};
	char cmd[100];
	snprintf(cmd, sizeof cmd, "UID SEARCH UNDELETED UID %" PRId64 ":*", after + 1);
	int rc = request(im, folder, cmd, &out, err, errlen, 1);
	*n = 0;
	const char *p = out.s ? strstr(out.s, "* SEARCH") : NULL;
	for (p = p ? p + 8 : NULL; rc == 0 && p && *p && *p != '\r' && *p != '\n' && *n < max;) {
		char *end;
		long long uid = strtoll(p, &end, 10);
		if (end == p)
			break;
		if (uid > after) /* "N:*" also gives the highest UID when it is below N */
			uids[(*n)++] = uid;
		p = end;
	}
	buf_free(&out);
	for (int i = 1; i < *n; i++) /* ascending, whatever order the server chose */
		for (int j = i; j > 0 && uids[j - 1] > uids[j]; j--) {
			int64_t t = uids[j];
			uids[j] = uids[j - 1];
			uids[j - 1] = t;
		}
	return rc;
}

int imap_size(struct imap *im, const char *folder, int64_t uid, size_t *size, char *err, size_t errlen)
{
	struct buf out = {0};
	char cmd[100];
	snprintf(cmd, sizeof cmd, "UID FETCH %" PRId64 " (RFC822.SIZE)", uid);
	int rc = request(im, folder, cmd, &out, err, errlen, 1);
	const char *v = out.s ? strstr(out.s, "RFC822.SIZE ") : NULL;
	if (rc == 0 && !v) {
		snprintf(err, errlen, "IMAP: message %" PRId64 " is gone", uid);
		rc = -1;
	}
	if (rc == 0)
		*size = (size_t)strtoull(v + 12, NULL, 10);
	buf_free(&out);
	return rc;
}

int imap_fetch(struct imap *im, const char *folder, int64_t uid, char **msg, size_t *len, char *err, size_t errlen)
{
	struct buf out = {0};
	char path[400];
	char *esc = curl_easy_escape(im->curl, folder, 0);
	snprintf(path, sizeof path, "%s/;UID=%" PRId64, esc ? esc : "", uid);
	curl_free(esc);
	int rc = request(im, path, NULL, &out, err, errlen, 0);
	if (rc == 0) {
		*len = out.len;
		*msg = buf_take(&out);
		if (!*msg) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	buf_free(&out);
	return rc;
}

int imap_file(struct imap *im, const char *folder, int64_t uid, const char *to, char *err, size_t errlen)
{
	struct buf out = {0};
	char cmd[400], ignored[256];
	snprintf(cmd, sizeof cmd, "UID STORE %" PRId64 " +FLAGS (\\Seen)", uid);
	int rc = request(im, folder, cmd, &out, err, errlen, 1);
	snprintf(cmd, sizeof cmd, "CREATE \"%s\"", to);
	request(im, NULL, cmd, &out, ignored, sizeof ignored, 1); /* fails when it exists: fine */
	snprintf(cmd, sizeof cmd, "UID MOVE %" PRId64 " \"%s\"", uid, to);
	if (rc == 0 && request(im, folder, cmd, &out, ignored, sizeof ignored, 1) < 0) {
		snprintf(cmd, sizeof cmd, "UID COPY %" PRId64 " \"%s\"", uid, to); /* a server without MOVE */
		rc = request(im, folder, cmd, &out, err, errlen, 1);
		snprintf(cmd, sizeof cmd, "UID STORE %" PRId64 " +FLAGS (\\Deleted)", uid);
		if (rc == 0)
			rc = request(im, folder, cmd, &out, err, errlen, 1);
		if (rc == 0)
			rc = request(im, folder, "EXPUNGE", &out, err, errlen, 1);
	}
	buf_free(&out);
	return rc;
}
