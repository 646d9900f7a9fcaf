/* buf: a growing string, for code that writes text piece by piece (templates, Slack
 * blocks, reply extraction). Running out of memory is sticky: later writes are
 * dropped and oom stays set, so a caller checks once at the end. */
#ifndef INTERVIEWD_BUF_H
#define INTERVIEWD_BUF_H

#include <stddef.h>

struct buf {
	char *s;      /* NUL-terminated once anything was written; malloc'd */
	size_t len, cap;
	int oom;
};

void buf_put(struct buf *b, const char *s, size_t n);
void buf_add(struct buf *b, const char *s);
/* S with & < > " written as HTML entities. */
void buf_add_html(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text ("" when nothing was written), handed to the caller; NULL when out of
 * memory. The buf is empty afterwards. */
char *buf_take(struct buf *b);
/* A libcurl write callback (CURLOPT_WRITEFUNCTION) appending to the struct buf ARG; it
 * ends the transfer past BUF_CURL_MAX bytes or when out of memory. */
#define BUF_CURL_MAX (128u << 20)
size_t buf_curl_write(char *data, size_t size, size_t n, void *arg);
void buf_free(struct buf *b);

#endif
