/* access: the secret tokens of the HTTP endpoint — a person's bearer token for the
 * API ('a'), a person's calendar feed ('f'), a team's feed ('t', the [digest.NAME]).
 * A token is KIND SUBJECT-GENERATION-MAC, the MAC an HMAC-SHA256 keyed by the
 * database's access_secret, so a token can be shown again without being stored, and
 * rotating (the next generation) ends the old one. Also the chat command "feed". */
#ifndef INTERVIEWD_ACCESS_H
#define INTERVIEWD_ACCESS_H

#include <stddef.h>
#include <time.h>

#include "store/store.h"

#define ACCESS_TOKEN_MAX 160

/* The current token of KIND for SUBJECT (a person's id in decimal, or a team's name)
 * into OUT; made on first use; ROTATE makes the next one. Inside the caller's
 * transaction when ROTATE or new. 0, or -1 (store error). */
int access_token(struct store *st, char kind, const char *subject, int rotate, time_t now, char out[ACCESS_TOKEN_MAX]);

/* 1 when TOKEN is the current token of its kind and subject (*KIND and SUBJECT set), 0
 * when not (forged, rotated, unreadable), -1 on a store error. Constant time in the MAC. */
int access_check(struct store *st, const char *token, char *kind, char subject[STORE_NAME_MAX + 1]);

/* The feed address of TOKEN under BASE (ending in '/'): BASE feeds/TOKEN.ics. */
void access_feed_url(const char *base, const char *token, char *out, size_t outlen);

#endif
