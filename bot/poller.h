/* poller: the thread that reads replies from the IMAP mailbox ([imap]) every interval
 * seconds: the messages above the last UID it finished (kept in the store with
 * the mailbox's UIDVALIDITY, so a restart neither repeats nor skips one), each
 * judged by mail/inbound.c, then marked seen and moved to the processed folder — or to
 * the failed folder when it was refused (forged, a stranger's, too big, not an email),
 * with the reason logged. A store failure leaves the message where it is for the next
 * poll.
 * Started by "run" when [imap] host is set; WAKE is called after messages were
 * processed, so the senders post what they queued. */
#ifndef INTERVIEWD_POLLER_H
#define INTERVIEWD_POLLER_H

#include <stddef.h>

#include "bot/app.h"
#include "bot/sender.h"
#include "bot/worker.h"

struct poller {
	struct worker w;
	const struct app *app; /* config and settings; the thread opens its own store */
	void (*wake)(void *arg);
	void *arg;
};

/* Starts the thread (nothing when [imap] host is empty). 0, or -1 with ERR. */
int poller_start(struct poller *p, const struct app *app, void (*wake)(void *), void *arg, char *err, size_t errlen);
/* Asks for a poll now. */
void poller_wake(struct poller *p);
void poller_stop(struct poller *p);

/* A WAKE for poller_start: the mail sender, and the chat front end's pipe (a byte
 * written to CHAT_FD), so that what the replies queued goes out now. */
struct poller_wakes {
	struct sender *mail;
	int chat_fd;
};
void poller_wake_senders(void *arg);

#endif
