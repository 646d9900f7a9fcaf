/* sender: the email sender's thread. It opens its own store connection and drains the
 * email outbox (mail/outbox.c) whenever it is woken (a command queued mail), when the
 * next retry falls due, and once more when it is stopped; in between it sleeps (no
 * polling). Started by the front ends' main loop; talks to them only through the store
 * and a pipe that wakes it — also on SIGUSR1 (worker_on_signal), which ingest-mail or
 * a console beside the daemon sends it after queuing mail, so that one process sends
 * the outbox. */
#ifndef INTERVIEWD_SENDER_H
#define INTERVIEWD_SENDER_H

#include <pthread.h>
#include <stddef.h>

#include "bot/cfg.h"
#include "bot/worker.h"
#include "mail/outbox.h"

struct sender {
	struct worker w;
	const struct cfg *cfg;
	struct mail_settings ms;
};

/* Starts the thread. 0, or -1 with a reason in ERR (bad templates, no store). */
int sender_start(struct sender *s, const struct cfg *cfg, char *err, size_t errlen);
/* Asks for a pass now. */
void sender_wake(struct sender *s);
/* Does a last pass, stops the thread and waits for it. */
void sender_stop(struct sender *s);

#endif
