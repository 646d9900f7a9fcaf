/* mail_outbox: the email sender. Drains the store's "email" outbox rows: composes each
 * (mail/notice.c) and hands it to SMTP (mail/smtp.c) or, until SMTP is configured,
 * writes it to a folder as a .eml file named by the row id (so a retry after a crash
 * rewrites the same file instead of making a second one).
 * A row is marked sent in the step right after the server accepted it (or the file was
 * renamed into place); temporary failures are retried with exponential backoff until
 * the row is max_age old; permanent failures (5xx, or too old) are marked failed and
 * the recruiter who scheduled the interview is told in chat (a "chat" outbox row).
 * One struct per thread: it uses the caller's store connection. */
#ifndef INTERVIEWD_MAIL_OUTBOX_H
#define INTERVIEWD_MAIL_OUTBOX_H

#include <stddef.h>
#include <time.h>

#include "mail/notice.h"
#include "mail/smtp.h"
#include "store/store.h"

struct mail_settings {
	struct notice_settings notice;
	const char *dir;         /* the .eml folder, used when smtp.host is empty */
	struct smtp_settings smtp;
	long retry_base;         /* seconds before the first retry; doubles each time */
	long retry_max;          /* the longest wait between two tries */
	long max_age;            /* seconds after which a message is given up */
};

struct mail_outbox;

/* NULL with a reason in ERR (bad templates, out of memory). */
struct mail_outbox *mail_outbox_new(struct store *st, const struct mail_settings *ms, char *err, size_t errlen);
void mail_outbox_free(struct mail_outbox *mo);

/* Sends every row due at NOW. Returns how many were delivered, or -1 with a reason
 * in ERR when the store fails (delivery failures are recorded on the rows instead). */
int mail_outbox_drain(struct mail_outbox *mo, time_t now, char *err, size_t errlen);

/* When the next row falls due (0: none waiting). */
time_t mail_outbox_next_due(struct mail_outbox *mo);

#endif
