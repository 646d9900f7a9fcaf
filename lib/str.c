/* str.c: see str.h. */
#include "lib/str.h"

#include <ctype.h>
#include <string.h>

int str_copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);
	if (len == 0)
		return -1;
	if (n >= len) {
		memcpy(dst, src, len - 1);
		dst[len - 1] = 0;
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

static int min3(int a, int b, int c)
{
	int m = a < b ? a : b;
	return m < c ? m : c;
}

int str_distance(const char *a, const char *b)
{
	enum { MAX = 64 };
	int la = (int)strlen(a), lb = (int)strlen(b);
	if (la >= MAX || lb >= MAX)
		return 99;
	int d[MAX + 1][MAX + 1];
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			int cost = ca != cb;
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	return d[la][lb] > 99 ? 99 : d[la][lb];
}

void str_suggest_init(struct str_suggest *s, const char *word)
{
	s->word = word;
	s->best[0] = 0;
	s->dist = 99;
}

/* A suggestion is offered only when it is close for the word's length: one edit for
 * short words, up to a third of the letters for long ones, or when one is a prefix of
 * the other. */
void str_suggest_offer(struct str_suggest *s, const char *candidate)
{
	size_t lw = strlen(s->word), lc = strlen(candidate);
	int d = str_distance(s->word, candidate);
	int limit = lw <= 4 ? 1 : (int)lw / 3 + 1;
	if (lw >= 3 && lc > lw && strncasecmp(s->word, candidate, lw) == 0)
		d = d < limit ? d : limit;
	if (d <= limit && d < s->dist) {
		s->dist = d;
		str_copy(s->best, sizeof s->best, candidate);
	}
}

int str_is_email(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n == 0 || n > 254 || !at || at == s || strchr(at + 1, '@'))
		return 0;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("\"(),:;<>[\\]", *p) || (unsigned char)*p == 0x7f)
			return 0;
	const char *dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] != 0 && at[1] != '.';
}

int str_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

/* Length of the UTF-8 sequence led by C, 0 if C cannot lead one. */
static int utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

int str_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = utf8_len(*p);
		if (!n)
			return 0;
		for (int i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		if ((n == 3 && p[0] == 0xe0 && p[1] < 0xa0) || (n == 3 && p[0] == 0xed && p[1] > 0x9f) ||
		    (n == 4 && p[0] == 0xf0 && p[1] < 0x90) || (n == 4 && p[0] == 0xf4 && p[1] > 0x8f))
			return 0;
		p += n;
	}
	return 1;
}

void str_copy_clean(char *dst, size_t len, const char *src)
{
	size_t n = 0;
	for (; src && *src && n + 1 < len; src++)
		dst[n++] = (unsigned char)*src < 0x20 || *src == 0x7f ? ' ' : *src;
	dst[n] = 0;
}
