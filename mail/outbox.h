/* mail_outbox: the email sender. Drains the store's "email" outbox rows: composes each
 * (mail/notice.c) and delivers it — for now to a folder of .eml files, one per row,
 * named by the row id so a retry after a crash rewrites the same file instead of
 * making a second one. A row is marked sent only after the file is safely renamed in
 * place; write failures are retried with backoff. Called by the front ends' loops. */
#ifndef INTERVIEWD_MAIL_OUTBOX_H
#define INTERVIEWD_MAIL_OUTBOX_H

#include <stddef.h>
#include <time.h>

#include "store/store.h"

struct mail_settings {
	const char *from; /* "Name <addr>" */
	const char *dir;  /* where .eml files go */
};

/* Sends every row due at NOW. Returns how many were delivered, or -1 with a reason
 * in ERR when the store fails (delivery failures are recorded on the rows instead). */
int mail_outbox_drain(struct store *st, const struct mail_settings *ms, time_t now, char *err, size_t errlen);

#endif
