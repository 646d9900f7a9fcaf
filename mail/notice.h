/* notice: composes the email an outbox row asks for — scheduled, rescheduled, cancelled
 * or removed-from-panel — for one recipient, in their time zone, as a complete RFC 5322
 * message. Reads the interview from the store; never sends (mail/outbox.c does).
 * Called by the email sender. */
#ifndef INTERVIEWD_NOTICE_H
#define INTERVIEWD_NOTICE_H

#include <stddef.h>
#include <time.h>

#include "store/store.h"

/* Returns the message (CRLF line ends), malloc'd, caller frees; NULL with a reason in
 * ERR when the row cannot become a message (its interview is gone, bad payload): such a
 * row will never succeed. FROM is "Name <addr>" or "addr". */
char *notice_compose(struct store *st, const struct store_outbox_row *row, const char *from, time_t now,
                     char *err, size_t errlen);

#endif
