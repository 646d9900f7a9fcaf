/* token.c: see token.h. */
#include "mail/token.h"

#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAC_HEX 20 /* 80 bits */

static void mac_of(const char *secret, char kind, int64_t id, char mac[MAC_HEX + 1])
{
	char msg[64];
	const char *what = kind == 'c' ? "candidate" : kind == 'p' ? "commands of person" : "feedback";
	snprintf(msg, sizeof msg, "interviewd %s %" PRId64, what, id);
	gchar *hex = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)secret, strlen(secret), msg, -1);
	snprintf(mac, MAC_HEX + 1, "%s", hex ? hex : "");
	g_free(hex);
}

static void make(const char *secret, char kind, int64_t id, char token[MAIL_TOKEN_MAX])
{
	char mac[MAC_HEX + 1];
	mac_of(secret, kind, id, mac);
	snprintf(token, MAIL_TOKEN_MAX, "%c%" PRId64 "-%s", kind, id, mac);
}

void mail_token_make(const char *secret, int64_t id, char token[MAIL_TOKEN_MAX]) { make(secret, 'f', id, token); }

void mail_token_make_candidate(const char *secret, int64_t root, char token[MAIL_TOKEN_MAX])
{
	make(secret, 'c', root, token);
}

void mail_token_make_person(const char *secret, int64_t person, char token[MAIL_TOKEN_MAX])
{
	make(secret, 'p', person, token);
}

int mail_token_check(const char *secret, const char *token, int64_t *id)
{
	int64_t n;
	if (mail_token_read(secret, token, &n) != 'f')
		return 0;
	*id = n;
	return 1;
}

int mail_token_read(const char *secret, const char *token, int64_t *id)
{
	char *end;
	char kind = (char)tolower((unsigned char)token[0]);
	if ((kind != 'f' && kind != 'c' && kind != 'p') || !isdigit((unsigned char)token[1]) || token[1] == '0')
		return 0; /* only the form mail_token_make writes: no leading zeros */
	errno = 0;
	long long n = strtoll(token + 1, &end, 10);
	if (n <= 0 || errno == ERANGE || *end != '-' || strlen(end + 1) != MAC_HEX)
		return 0;
	char mac[MAC_HEX + 1];
	mac_of(secret, kind, n, mac);
	unsigned diff = 0;
	for (int i = 0; i < MAC_HEX; i++)
		diff |= (unsigned)(tolower((unsigned char)end[1 + i]) ^ mac[i]);
	if (diff)
		return 0;
	*id = n;
	return kind;
}

int mail_token_address(const char *addr, const char *token, char *buf, size_t len)
{
	const char *at = strrchr(addr, '@');
	if (!at || at == addr)
		return -1;
	int n = snprintf(buf, len, "%.*s+%s%s", (int)(at - addr), addr, token, at);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int mail_token_of(const char *base, const char *rcpt, char token[MAIL_TOKEN_MAX])
{
	const char *at = strrchr(base, '@'), *rat = strrchr(rcpt, '@');
	size_t local = at ? (size_t)(at - base) : 0;
	if (!at || !rat || strcasecmp(at, rat) != 0 || strncasecmp(base, rcpt, local) != 0 || rcpt[local] != '+')
		return 0;
	size_t n = (size_t)(rat - rcpt) - local - 1;
	if (n == 0 || n >= MAIL_TOKEN_MAX)
		return 0;
	memcpy(token, rcpt + local + 1, n);
	token[n] = 0;
	return 1;
}
