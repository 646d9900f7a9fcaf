/* str: small string helpers shared by the config reader, the command language and the
 * mail composer: bounded copies, edit distance for "did you mean", email syntax.
 * Pure functions; no allocation. */
#ifndef INTERVIEWD_STR_H
#define INTERVIEWD_STR_H

#include <stddef.h>

/* Copies SRC into DST (size LEN, always terminated); -1 if it did not fit. */
int str_copy(char *dst, size_t len, const char *src);

/* Case-insensitive edit distance (insertions, deletions, substitutions, swaps of two
 * neighbours), capped at 99. */
int str_distance(const char *a, const char *b);

/* Keeps the closest of the words offered to it, for "did you mean ...?". */
struct str_suggest {
	const char *word;   /* what was typed */
	char best[64];      /* closest so far; empty if none is close enough */
	int dist;
};
void str_suggest_init(struct str_suggest *s, const char *word);
void str_suggest_offer(struct str_suggest *s, const char *candidate);

/* 1 if S looks like local@domain.tld with no spaces, quotes, brackets or control
 * characters, at most 254 bytes. */
int str_is_email(const char *s);

/* 1 if S holds a byte below 0x20 or 0x7f (CR, LF, NUL-free control characters). */
int str_has_control(const char *s);

/* Copies SRC (NULL: "") into DST (size LEN, always terminated), control characters
 * (CR, LF, TAB...) made spaces: text bound for a header or one line of a log. */
void str_copy_clean(char *dst, size_t len, const char *src);

/* 1 if S is valid UTF-8. */
int str_is_utf8(const char *s);

#endif
