/* access.c: see access.h. */
#include "commands/access.h"
#include "commands/internal.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAC_HEX 32 /* 128 bits */

static int secret_of(struct store *st, char secret[128])
{
	return store_meta(st, "access_secret", secret, 128) == 1 && secret[0] ? 0 : -1;
}

static void make(const char *secret, char kind, const char *subject, int64_t gen, char out[ACCESS_TOKEN_MAX])
{
	char msg[STORE_NAME_MAX + 64];
	snprintf(msg, sizeof msg, "interviewd access %c %s %" PRId64, kind, subject, gen);
	gchar *hex = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)secret, strlen(secret), msg, -1);
	snprintf(out, ACCESS_TOKEN_MAX, "%c%s-%" PRId64 "-%.*s", kind, subject, gen, MAC_HEX, hex ? hex : "");
	g_free(hex);
}

int access_token(struct store *st, char kind, const char *subject, int rotate, time_t now, char out[ACCESS_TOKEN_MAX])
{
	char secret[128];
	int64_t gen;
	int have = rotate ? 0 : store_access_get(st, kind, subject, &gen);
	if (have < 0 || (!have && store_access_bump(st, kind, subject, now, &gen) < 0) || secret_of(st, secret) < 0)
		return -1;
	make(secret, kind, subject, gen, out);
	return 0;
}

int access_check(struct store *st, const char *token, char *kind, char subject[STORE_NAME_MAX + 1])
{
	char secret[128], want[ACCESS_TOKEN_MAX];
	size_t n = strlen(token);
	const char *mac = strrchr(token, '-');
	if (n < 4 || n >= ACCESS_TOKEN_MAX || !strchr("aft", token[0]) || !mac || mac == token)
		return 0;
	const char *dash = mac - 1;
	while (dash > token && *dash != '-')
		dash--;
	if (*dash != '-' || dash == token + 1 || (size_t)(dash - token - 1) > STORE_NAME_MAX)
		return 0;
	char *end;
	long long gen = strtoll(dash + 1, &end, 10);
	if (end != mac || gen <= 0)
		return 0;
	snprintf(subject, STORE_NAME_MAX + 1, "%.*s", (int)(dash - token - 1), token + 1);
	int64_t current;
	int rc = store_access_get(st, token[0], subject, &current);
	if (rc < 0)
		return -1;
	if (rc == 0 || current != gen)
		return 0; /* never made, or rotated since */
	if (secret_of(st, secret) < 0)
		return -1;
	make(secret, token[0], subject, gen, want);
	if (strlen(want) != n)
		return 0;
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(want[i] ^ token[i]);
	*kind = token[0];
	return diff == 0;
}

void access_feed_url(const char *base, const char *token, char *out, size_t outlen)
{
	snprintf(out, outlen, "%sfeeds/%s.ics", base, token);
}

/* feed [rotate]: the person's feed address, sent to them privately (a chat DM; the
 * reply itself too where only they read it: the console, an email, the API). */
int cmd_feed(struct cmd_ctx *c)
{
	char subject[32], token[ACCESS_TOKEN_MAX], url[1024], text[1200];
	int rotate = c->args->npos == 1 && strcmp(c->args->pos[0], "rotate") == 0;
	if (c->args->npos > 1 || (c->args->npos == 1 && !rotate))
		return cmd_bad(c, "feed takes nothing, or rotate; not \"%s\"", c->args->pos[0]);
	if (!c->set->feed_base || !c->set->feed_base[0])
		return cmd_fail(c, "calendar feeds are off here: an administrator sets [http] listen (and public_url) in "
		                   "the config to turn them on");
	snprintf(subject, sizeof subject, "%" PRId64, c->actor->id);
	if (access_token(c->st, 'f', subject, rotate, c->req->now, token) < 0)
		return cmd_store_fail(c);
	access_feed_url(c->set->feed_base, token, url, sizeof url);
	snprintf(text, sizeof text, "Your interview calendar (past 30 and next 90 days), to subscribe to in your "
	         "calendar app; keep it secret:\n%s%s", url, rotate ? "\nThe old address no longer works." : "");
	if (store_chat_add(c->st, c->actor->handle, "feed", 0, text, c->req->now) < 0)
		return cmd_store_fail(c);
	int private = strcmp(c->req->via, "console") == 0 || strcmp(c->req->via, "email") == 0 ||
	              strcmp(c->req->via, "api") == 0;
	c->out->kind = REPLY_TEXT;
	snprintf(c->out->message, sizeof c->out->message, "%s", rotate ? "Your feed has a new address" : "Your feed");
	snprintf(c->out->text, sizeof c->out->text, "%s", private ? text : "I sent you its address in a direct message.");
	return cmd_audit(c, rotate ? "feed rotated" : "feed sent", 0, "%s", "the calendar feed's address");
}
