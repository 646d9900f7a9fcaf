/* parse: reads one inbound email (GMime) into what interviewd judges it by — who sent
 * it, to which addresses, whether a robot did (auto-replies, bounces, lists), its
 * Message-Id — and its text: the text/plain part converted to UTF-8 (quoted-printable,
 * base64, any charset GMime knows), else the HTML part as text, without attachments or
 * forwarded messages; and the new text of it (mail/reply.c: no quoted history, no
 * signature). A calendar part (text/calendar, inline or attached) is kept as text.
 * Pure: never touches the store. Call g_mime_init() once before. */
#ifndef INTERVIEWD_PARSE_H
#define INTERVIEWD_PARSE_H

#include <stddef.h>

#include "store/store.h"

#define MAIL_RCPT_MAX 32

struct mail_msg {
	char message_id[256];            /* without < >; "" if the message has none */
	char from[STORE_EMAIL_MAX + 1];  /* the From address, lower case; "" if unreadable */
	char from_name[STORE_NAME_MAX + 1];
	char subject[512];               /* decoded (RFC 2047), control characters as spaces */
	char rcpt[MAIL_RCPT_MAX][STORE_EMAIL_MAX + 1]; /* To, Cc, Delivered-To, X-Original-To */
	int nrcpt;
	const char *robot;               /* why a robot sent it (NULL: a person did) */
	char *text;                      /* the body as UTF-8 text; "" if none (malloc'd) */
	char *new_text;                  /* TEXT without quoted history and signature */
	char *calendar;                  /* a text/calendar part, or NULL */
	char auth_results[1024];         /* the topmost Authentication-Results header */
	char references[1000];           /* the References header (its newest ids) */
};

/* Parses RAW (LEN bytes). 0, or -1 with a reason in ERR (not a message at all); free
 * M with mail_msg_free either way. */
int mail_parse(const char *raw, size_t len, struct mail_msg *m, char *err, size_t errlen);
void mail_msg_free(struct mail_msg *m);

#endif
