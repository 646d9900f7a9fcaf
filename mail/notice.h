/* notice: composes the email an outbox row asks for — scheduled, rescheduled, cancelled
 * or removed-from-panel — for one recipient, in their time zone: a MIME message
 * (GMime) of text, HTML and an iTIP calendar invite (mail/ics.c), the same invite
 * attached as invite.ics, from templates (mail/templates, or a folder of one's own).
 * Reads the interview from the store; never sends (mail/outbox.c does).
 * Call g_mime_init() once before the first notice_new(). */
#ifndef INTERVIEWD_NOTICE_H
#define INTERVIEWD_NOTICE_H

#include <stddef.h>
#include <time.h>

#include "store/store.h"

struct notice_settings {
	const char *from;          /* "Name <addr>" or "addr": From and organizer */
	const char *reply_to;      /* NULL or "": none */
	const char *templates_dir; /* NULL or "": the built-in templates */
	const char *token_secret;  /* signs reply addresses; NULL or "": the database's own */
};

struct notices;

/* Loads and checks the templates (each is filled once with every value set, so a
 * typo fails here). NULL with a reason in ERR. */
struct notices *notice_new(const struct notice_settings *ns, char *err, size_t errlen);
void notice_free(struct notices *n);

/* Returns the message (CRLF line ends), malloc'd, caller frees; NULL with a reason in
 * ERR when the row cannot become a message (its interview is gone, bad payload): such a
 * row will never succeed. */
char *notice_compose(struct notices *n, struct store *st, const struct store_outbox_row *row, time_t now,
                     char *err, size_t errlen);

/* The bare address of FROM ("Name <a@b>" → "a@b"), for the SMTP envelope. */
void notice_address(const char *from, char *buf, size_t len);
/* The same: the address replies go to, lower case, without a +detail. */
void notice_reply_address(const char *from, char *buf, size_t len);
/* The iCalendar UID of the interview chain ROOT (its first interview's id), the same in
 * every invite and every feed: "interview-ROOT.INSTANCE@DOMAIN", DOMAIN that of FROM. */
void notice_uid(const char *from, const char *instance, int64_t root, char *buf, size_t len);

#endif
