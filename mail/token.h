/* token: reply addresses that prove what they answer. A feedback request goes out with
 * Reply-To "bot+f42-<mac>@domain" (plus-addressing, as GitHub's reply-by-email does):
 * 42 is the request (store: feedback_requests), <mac> the first 80 bits of
 * HMAC-SHA256(secret, "interviewd feedback 42") in hex. A reply is linked to its
 * request only when the mac verifies (compared in constant time), so neither the
 * subject nor a guessed number can point a reply elsewhere. Emails to a candidate carry
 * "bot+c<chain>-<mac>" the same way (the MAC covers the kind too), and a person who may
 * send commands by email ([mail] commands = "tag") writes to their own
 * "bot+p<person>-<mac>". Pure functions
 * (GLib's HMAC). */
#ifndef INTERVIEWD_TOKEN_H
#define INTERVIEWD_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define MAIL_TOKEN_MAX 48

/* The token of request ID, "f42-0123456789abcdef0123". */
void mail_token_make(const char *secret, int64_t id, char token[MAIL_TOKEN_MAX]);
/* 1 with *ID when TOKEN is a genuine feedback request's (case-insensitive); 0 otherwise. */
int mail_token_check(const char *secret, const char *token, int64_t *id);
/* The candidate's token of the reschedule chain ROOT, "c12-<mac>": on the Reply-To of
 * every email to the candidate, so their answer reaches the recruiter. */
void mail_token_make_candidate(const char *secret, int64_t root, char token[MAIL_TOKEN_MAX]);
/* PERSON's tag, "p3-<mac>": their address for commands by email. */
void mail_token_make_person(const char *secret, int64_t person, char token[MAIL_TOKEN_MAX]);
/* Any genuine token: its kind ('f' a feedback request, 'c' a candidate's chain, 'p' a
 * person's tag) with *ID, or 0. */
int mail_token_read(const char *secret, const char *token, int64_t *id);
/* ADDR ("local@domain") with TOKEN: "local+TOKEN@domain". -1 if it does not fit or
 * ADDR is not an address. */
int mail_token_address(const char *addr, const char *token, char *buf, size_t len);
/* The token in RCPT when it is BASE's local part + "+" + token @ BASE's domain
 * (case-insensitive): 1 and TOKEN set, else 0. */
int mail_token_of(const char *base, const char *rcpt, char token[MAIL_TOKEN_MAX]);

#endif
