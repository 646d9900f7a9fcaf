/* daemon: what runs around a front end — the mail sender, the clock and the reply
 * poller, and the operations thread: it reloads on SIGHUP, tells systemd how the
 * daemon is doing (READY, RELOADING, STOPPING, WATCHDOG, STATUS) and serves the HTTP
 * endpoint (bot/http.c). Owns the signals of "run": SIGTERM and SIGINT set the stop
 * flag every front end loop watches, and arm the grace period ([daemon] stop_grace)
 * after which the process exits 0 whatever is still in flight (outbox rows not
 * marked sent stay due; un-acked events are delivered again). Beside another daemon
 * (a console next to "run") it starts nothing and wakes that daemon instead. */
#ifndef INTERVIEWD_DAEMON_H
#define INTERVIEWD_DAEMON_H

#include <stdatomic.h>
#include <stdint.h>

#include "bot/app.h"
#include "bot/poller.h"
#include "bot/sender.h"
#include "bot/timer.h"
#include "bot/worker.h"

struct http;

struct daemon {
	struct app *app;
	long beside;               /* pid of the daemon this console runs beside, else 0 */
	struct sender mail;
	struct timer clock;
	struct poller replies;
	struct poller_wakes wakes; /* after the poller read replies: emails out, chat posted */
	struct worker ops;
	struct store *st;          /* the operations thread's */
	struct http *http;         /* NULL unless [http] listen */
	int serving;               /* the operations thread runs ("run") */
	int64_t watchdog_ms;       /* systemd's interval, 0: none */
	int tick_ms;               /* the operations thread's wake-ups when idle (-1: none) */
	atomic_llong beat;         /* when the front end last went round its loop (mono ms) */
};

/* Set by SIGTERM or SIGINT once daemon_signals ran: every front end's loop ends on it. */
extern volatile int daemon_stopping;

/* Installs the handlers of SIGTERM, SIGINT, SIGHUP and the grace period's SIGALRM;
 * GRACE_S is [daemon] stop_grace (a reload may change it). */
void daemon_signals(long long grace_s);

/* Starts the parts for APP, whose chat front end (if any) is woken through CHAT_FD
 * (-1: none) when the clock or the poller queued chat messages; with SERVE ("run", not
 * a console session) the operations thread too. With BESIDE (a pid) only remembers
 * whom to wake. 0, or -1 with ERR (nothing left running). */
int daemon_start(struct daemon *d, struct app *app, long beside, int chat_fd, int serve, char *err, size_t errlen);
/* The front end is ready (its connection is up): READY=1 to systemd with STATUS. */
void daemon_ready(struct daemon *d, const char *status);
/* After a command (CLOCK too: it may have made duties) or while idle. */
void daemon_wake(struct daemon *d, int clock);
/* The front end's loop went round: the watchdog is fed only while it does. */
void daemon_beat(struct daemon *d);
/* STOPPING=1; stops the endpoint, the poller, the clock and the sender (its last pass). */
void daemon_stop(struct daemon *d);

/* "run --headless": the parts alone, no chat and no console, until stopped. 0, or 1
 * when they could not start. */
int daemon_headless(struct app *app);

#endif
