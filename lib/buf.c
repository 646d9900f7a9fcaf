/* buf.c: see buf.h. */
#include "lib/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *grown = realloc(b->s, cap);
		if (!grown) {
			b->oom = 1;
			return;
		}
		b->s = grown;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void buf_add(struct buf *b, const char *s) { buf_put(b, s, strlen(s)); }

void buf_addf(struct buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		buf_put(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_put(b, big, (size_t)n);
	free(big);
}

char *buf_take(struct buf *b)
{
	char *s = b->oom ? NULL : b->s ? b->s : strdup("");
	if (b->oom)
		free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
	return s;
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void buf_add_html(struct buf *b, const char *s)
{
	for (const char *run = s;; s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '"' ? "&quot;" : NULL;
		if (!e && *s)
			continue;
		buf_put(b, run, (size_t)(s - run));
		if (!*s)
			return;
		buf_add(b, e);
		run = s + 1;
	}
}

size_t buf_curl_write(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	if (b->len + size * n > BUF_CURL_MAX)
		return 0;
	buf_put(b, data, size * n);
	return b->oom ? 0 : size * n;
}
