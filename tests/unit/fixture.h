/* fixture.h: what the corpus-driven unit tests share (test_reply.c, test_itip.c):
 * reading a fixture file whole, copying a piece of it, showing an input in a failure
 * message. Static functions, included by each test; define SHOW_MAX first. cmocka's
 * headers must come before it. */
#ifndef INTERVIEWD_TESTS_FIXTURE_H
#define INTERVIEWD_TESTS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0, got;
	char *s = malloc(cap);
	while (s && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			char *grown = realloc(s, cap * 2);
			if (!grown) {
				free(s);
				s = NULL;
				break;
			}
			s = grown;
			cap *= 2;
		}
	}
	fclose(f);
	if (!s)
		return NULL;
	s[n] = 0;
	*len = n;
	return s;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	assert_non_null(d);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

/* Shows S for a failure message: at most SHOW_MAX bytes, then how much was left out. */
static void show(const char *label, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (!s) {
		print_error("  %s (null)\n", label);
		return;
	}
	print_error("  %s \"%.*s\"%s\n", label, (int)(n > SHOW_MAX ? SHOW_MAX : n), s,
	            n > SHOW_MAX ? " [...]" : "");
	if (n > SHOW_MAX)
		print_error("  (%zu bytes in all)\n", n);
}

#endif
