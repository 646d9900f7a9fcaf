/* daemon.c: see daemon.h. */
#include "bot/daemon.h"
#include "bot/http.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/sdnotify.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define dlog(level, ...) log_line("daemon", level, __VA_ARGS__)

volatile int daemon_stopping;
static volatile sig_atomic_t reload_asked;
static volatile sig_atomic_t grace_s = 10;
static volatile sig_atomic_t ops_fd = -1; /* the operations thread's wake-up pipe */

/* Wakes the operations thread from a signal handler (write is async-signal-safe). */
static void poke_ops(void)
{
	if (ops_fd >= 0) {
		ssize_t n = write(ops_fd, "w", 1);
		(void)n;
	}
}

static void on_stop(int sig)
{
	if (!daemon_stopping)
		alarm((unsigned)grace_s);
	daemon_stopping = sig;
	poke_ops();
}

static void on_hup(int sig)
{
	(void)sig;
	reload_asked = 1;
	poke_ops();
}

static void on_grace_over(int sig)
{
	static const char line[] = "level=warn part=daemon msg=\"stop_grace is over: exiting with work in flight; "
	                           "unsent rows stay due\"\n";
	(void)sig;
	ssize_t n = write(2, line, sizeof line - 1);
	(void)n;
	_exit(0);
}

void daemon_signals(long long grace)
{
	struct sigaction sa = {0};
	grace_s = (sig_atomic_t)grace;
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_grace_over;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void reload(struct daemon *d)
{
	char restart[1024], err[1024];
	reload_asked = 0;
	sdnotify("RELOADING=1\nSTATUS=reloading the config");
	if (app_reload(d->app, d->st, restart, sizeof restart, err, sizeof err) < 0) {
		char why[1100];
		dlog("error", "msg=\"reload refused; the running settings stay\" why=\"%s\"", log_quote(err, why, sizeof why));
		sdnotify("READY=1\nSTATUS=reload refused: the config has an error (see the log)");
		return;
	}
	grace_s = (sig_atomic_t)d->app->cfg.daemon_stop_grace;
	dlog("info", "msg=\"reloaded\" people=%d digests=%d", d->app->cfg.npeople, d->app->cfg.ndigests);
	if (restart[0])
		dlog("warn", "msg=\"changed settings that apply at the next restart\" keys=\"%s\"", restart);
	timer_wake(&d->clock); /* digest times and lead times may have moved */
	sdnotify("READY=1\nSTATUS=running");
}

/* The watchdog is fed while the front end goes round its loop (a Matrix sync may hold
 * it a while), or always when the front end never reports (headless). */
static void feed_watchdog(struct daemon *d, int64_t *last)
{
	int64_t now = clock_mono_ms(), beat = atomic_load(&d->beat);
	if (!d->watchdog_ms || now - *last < d->watchdog_ms / 2)
		return;
	if (beat && now - beat > 120000) {
		dlog("warn", "msg=\"the front end has not gone round its loop for %lld s; not feeding the watchdog\"",
		     (long long)(now - beat) / 1000);
		return;
	}
	sdnotify("WATCHDOG=1");
	*last = now;
}

static void *ops_main(void *arg)
{
	struct daemon *d = arg;
	int64_t fed = 0;
	for (;;) {
		int stop = d->http ? http_service(d->http, &d->ops) : worker_sleep(&d->ops, d->tick_ms);
		if (stop)
			break;
		if (reload_asked && !daemon_stopping)
			reload(d);
		feed_watchdog(d, &fed);
	}
	return NULL;
}

/* After an API command: its emails, chat messages and duties. */
static void wake_all(void *arg)
{
	struct daemon *d = arg;
	poller_wake_senders(&d->wakes);
	timer_wake(&d->clock);
}

static int start_ops(struct daemon *d, char *err, size_t errlen)
{
	char why[1200];
	if (cfg_exposed(&d->app->cfg, why, sizeof why))
		dlog("warn", "msg=\"%s\"", why);
	d->watchdog_ms = sdnotify_watchdog_ms();
	/* Idle, the thread wakes only for the watchdog, and with the HTTP endpoint once a
	 * second to look for a reload (a signal cannot wake libwebsockets' loop). */
	d->tick_ms = d->watchdog_ms ? (int)(d->watchdog_ms / 4 < 1000 ? d->watchdog_ms / 4 : 1000)
	                            : d->app->cfg.http_listen[0] ? 1000 : -1;
	if (!(d->st = store_open(d->app->cfg.database, err, errlen)))
		return -1;
	if (d->app->cfg.http_listen[0] &&
	    !(d->http = http_open(d->app, d->st, wake_all, d, d->tick_ms, err, errlen)))
		return -1;
	if (worker_start(&d->ops, ops_main, d, err, errlen) < 0)
		return -1;
	ops_fd = d->ops.pipe[1];
	return 0;
}

int daemon_start(struct daemon *d, struct app *app, long beside, int chat_fd, int serve, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	d->app = app;
	d->beside = beside;
	d->wakes = (struct poller_wakes){&d->mail, chat_fd};
	if (beside)
		return 0;
	d->serving = serve;
	if (serve && start_ops(d, err, errlen) < 0) {
		http_close(d->http);
		store_close(d->st);
		return -1;
	}
	if (sender_start(&d->mail, &app->cfg, err, errlen) < 0 ||
	    timer_start(&d->clock, &app->cfg, &app->set, chat_fd, err, errlen) < 0 ||
	    poller_start(&d->replies, app, poller_wake_senders, &d->wakes, err, errlen) < 0)
		return -1; /* the process exits: no need to stop what started */
	metrics_part("clock", PART_UP, NULL);
	return 0;
}

void daemon_ready(struct daemon *d, const char *status)
{
	char msg[300];
	if (!d->serving)
		return;
	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status);
	sdnotify(msg);
}

void daemon_wake(struct daemon *d, int clock)
{
	if (d->beside) {
		if (clock)
			kill((pid_t)d->beside, SIGUSR1);
		return;
	}
	sender_wake(&d->mail);
	if (clock)
		timer_wake(&d->clock);
}

void daemon_beat(struct daemon *d) { atomic_store(&d->beat, clock_mono_ms()); }

void daemon_stop(struct daemon *d)
{
	if (d->beside)
		return;
	if (d->serving) {
		sdnotify("STOPPING=1\nSTATUS=stopping");
		dlog("info", "msg=\"stopping\" grace_s=%d", (int)grace_s);
		ops_fd = -1;
		if (d->http)
			http_wake(d->http);
		worker_stop(&d->ops);
		http_close(d->http);
	}
	poller_stop(&d->replies);
	timer_stop(&d->clock);
	sender_stop(&d->mail);
	if (d->serving)
		store_close(d->st);
}

int daemon_headless(struct app *app)
{
	struct daemon d;
	char err[1024];
	if (daemon_start(&d, app, 0, -1, 1, err, sizeof err) < 0) {
		dlog("error", "msg=\"could not start\" why=\"%s\"", err);
		return 1;
	}
	dlog("info", "msg=\"started\" frontend=none http=%s", app->cfg.http_listen[0] ? app->cfg.http_listen : "off");
	daemon_ready(&d, "running (no chat front end)");
	while (!daemon_stopping)
		pause();
	daemon_stop(&d);
	return 0;
}
