/* poller.c: see poller.h. */
#include "bot/poller.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "mail/imap.h"
#include "mail/inbound.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 200 /* messages looked at per poll */

#define plog(level, ...) log_line("imap", level, __VA_ARGS__)
#include "lib/metrics.h"

struct pass {
	const struct app *app;
	struct store *st;
	struct imap *im;
	int64_t uidvalidity, last;
	int done;
};

/* Where message UID ends up after it was judged. */
static const char *folder_for(const struct cfg *cfg, enum inbound_outcome o)
{
	return o == IN_REFUSED ? cfg->imap_failed : cfg->imap_processed;
}

/* One message: judged, filed, remembered. -1 when the pass must stop (it stays unseen). */
static int handle(struct pass *p, int64_t uid, time_t now);

/* ONE with a request id on its log lines, the live settings held. */
static int one(struct pass *p, int64_t uid, time_t now)
{
	char req[32];
	log_new_request("e", req, sizeof req);
	log_request(req);
	app_hold();
	int rc = handle(p, uid, now);
	app_release();
	log_request(NULL);
	return rc;
}

static int handle(struct pass *p, int64_t uid, time_t now)
{
	const struct cfg *cfg = &p->app->cfg;
	char err[512], *raw = NULL;
	size_t size = 0, len = 0;
	struct inbound_result res;
	if (imap_size(p->im, cfg->imap_folder, uid, &size, err, sizeof err) < 0)
		return plog("warn", "msg=\"%s\"", err), -1;
	if (size > p->app->in.max_bytes) {
		memset(&res, 0, sizeof res);
		res.outcome = IN_REFUSED;
		snprintf(res.why, sizeof res.why, "%zu bytes, over the limit of %zu: not read", size, p->app->in.max_bytes);
	} else if (imap_fetch(p->im, cfg->imap_folder, uid, &raw, &len, err, sizeof err) < 0) {
		return plog("warn", "msg=\"%s\"", err), -1;
	} else {
		inbound_process(p->st, &p->app->set, &p->app->in, raw, len, now, &res);
		free(raw);
	}
	plog(res.outcome == IN_REFUSED ? "warn" : "info",
	     "msg=\"message\" uid=%" PRId64 " outcome=%s interview=%lld message_id=\"%.200s\" why=\"%s\"", uid,
	     inbound_outcome_name(res.outcome), res.interview, res.message_id, res.why);
	if (res.outcome == IN_FAILED)
		return -1;
	p->done++;
	if (imap_file(p->im, cfg->imap_folder, uid, folder_for(cfg, res.outcome), err, sizeof err) < 0)
		plog("warn", "msg=\"could not move the message\" uid=%" PRId64 " why=\"%s\"", uid, err);
	p->last = uid;
	if (store_imap_put(p->st, cfg->imap_folder, p->uidvalidity, uid) < 0)
		plog("error", "msg=\"%s\"", store_error(p->st));
	return 0;
}

/* Every new unseen message, oldest first. */
static void poll_once(struct pass *p)
{
	const struct cfg *cfg = &p->app->cfg;
	char err[512];
	int64_t uids[BATCH], known;
	int n = 0;
	time_t now;
	if (imap_uidvalidity(p->im, cfg->imap_folder, &p->uidvalidity, err, sizeof err) < 0 ||
	    store_imap_get(p->st, cfg->imap_folder, &known, &p->last) < 0) {
		plog("warn", "msg=\"%s\"", err);
		metrics_part("imap", PART_BACKOFF, err);
		metrics_count(C_RECONNECTS_IMAP, 1);
		return;
	}
	if (known != p->uidvalidity) {
		if (known)
			plog("warn", "msg=\"the mailbox was rebuilt (UIDVALIDITY changed); reading it again, duplicates "
			             "are recognised by Message-Id\" folder=\"%s\"", cfg->imap_folder);
		p->last = 0;
	}
	if (imap_after(p->im, cfg->imap_folder, p->last, uids, BATCH, &n, err, sizeof err) < 0) {
		plog("warn", "msg=\"%s\"", err);
		metrics_part("imap", PART_BACKOFF, err);
		return;
	}
	metrics_part("imap", PART_UP, NULL);
	metrics_count(C_MAIL_RECEIVED, n);
	for (int i = 0; i < n; i++)
		if (clock_now(&now, err, sizeof err) < 0 || one(p, uids[i], now) < 0)
			break;
}

static void *run(void *arg)
{
	struct poller *pl = arg;
	const struct cfg *cfg = &pl->app->cfg;
	char err[512];
	struct imap_settings is = {cfg->imap_host, (int)cfg->imap_port, cfg->imap_tls, cfg->imap_user,
	                           cfg->imap_password, cfg->imap_ca_file, (long)cfg->imap_timeout};
	struct pass p = {.app = pl->app};
	p.st = store_open(cfg->database, err, sizeof err);
	p.im = p.st ? imap_new(&is) : NULL;
	if (!p.im) {
		plog("error", "msg=\"%s\"", p.st ? "could not start curl" : err);
		store_close(p.st);
		return NULL;
	}
	plog("info", "msg=\"polling\" host=%s folder=\"%s\" every_s=%lld", cfg->imap_host, cfg->imap_folder,
	     cfg->imap_interval);
	do {
		p.done = 0;
		poll_once(&p);
		if (p.done && pl->wake)
			pl->wake(pl->arg);
	} while (!worker_sleep(&pl->w, (int)cfg->imap_interval * 1000));
	imap_free(p.im);
	store_close(p.st);
	return NULL;
}

int poller_start(struct poller *p, const struct app *app, void (*wake)(void *), void *arg, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	p->app = app;
	p->wake = wake;
	p->arg = arg;
	if (!app->cfg.imap_host[0])
		return 0;
	return worker_start(&p->w, run, p, err, errlen);
}

void poller_wake(struct poller *p)
{
	if (p->app && p->app->cfg.imap_host[0])
		worker_wake(&p->w);
}

void poller_stop(struct poller *p)
{
	if (p->app && p->app->cfg.imap_host[0])
		worker_stop(&p->w);
}

void poller_wake_senders(void *arg)
{
	struct poller_wakes *w = arg;
	sender_wake(w->mail);
	ssize_t n = write(w->chat_fd, "w", 1);
	(void)n;
}
