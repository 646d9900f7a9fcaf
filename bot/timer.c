/* timer.c: see timer.h. */
#include "bot/timer.h"
#include "bot/matrix_out.h"
#include "bot/matrix_render.h"
#include "bot/slack_out.h"
#include "commands/digest.h"
#include "commands/duty.h"
#include "lib/clock.h"
#include "lib/tz.h"
#include "lib/tzfmt.h"
#include "lib/log.h"
#include "lib/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CHANNELS 32

struct state {
	struct timer *t;
	struct store *st;
	time_t next[MAX_CHANNELS]; /* each channel's next digest */
	int queued;                /* chat messages queued in this pass */
	int reloads;               /* app_reloads() when next[] was computed */
};

static void log_error(const char *what, const char *why)
{
	log_line("clock", "error", "msg=\"%s: %s\"", what, why);
}

static time_t next_digest(const struct cfg_digest *d, time_t after)
{
	time_t at = 0;
	if (tz_next_local(d->timezone, (int)(d->at / 60), (int)(d->at % 60), (unsigned)d->days, after, &at) < 0)
		return 0;
	return at;
}

/* The filters of D as commands/digest.c takes them (pointers into D and the arrays). */
void timer_digest_spec(const struct cfg_digest *d, struct digest_spec *spec, const char **jobs, const char **people)
{
	for (int i = 0; i < d->jobs.n; i++)
		jobs[i] = d->jobs.v[i];
	for (int i = 0; i < d->interviewers.n; i++)
		people[i] = d->interviewers.v[i];
	*spec = (struct digest_spec){d->name, d->timezone, jobs, d->jobs.n, people, d->interviewers.n};
}

int timer_digest_print(struct app *app, const char *name, time_t now, FILE *out, char *err, size_t errlen)
{
	const char *jobs[CFG_WORDS_MAX], *people[CFG_WORDS_MAX];
	struct digest_spec spec;
	for (int i = 0; i < app->cfg.ndigests; i++) {
		if (strcmp(app->cfg.digests[i].name, name) != 0)
			continue;
		timer_digest_spec(&app->cfg.digests[i], &spec, jobs, people);
		char *text = digest_render(app->st, &app->set, &spec, now, err, errlen);
		if (!text)
			return 1;
		fputs(text, out);
		free(text);
		return 0;
	}
	snprintf(err, errlen, "no channel [digest.%s] in %s", name, app->cfg.path[0] ? app->cfg.path : "the config");
	return 1;
}

/* Sends channel D's digest due at DUE (its local day), once: the row that records it
 * and the message commit together. */
/* The message of channel D's digest: its text rendered in a read transaction (so a
 * command never waits on it); NULL on failure (logged). */
static char *render(struct state *s, const struct cfg_digest *d, time_t now)
{
	const char *jobs[CFG_WORDS_MAX], *people[CFG_WORDS_MAX];
	struct digest_spec spec;
	char err[256], *text = NULL;
	timer_digest_spec(d, &spec, jobs, people);
	if (store_begin_read(s->st) == 0) {
		text = digest_render(s->st, s->t->set, &spec, now, err, sizeof err);
		store_rollback(s->st);
	} else {
		snprintf(err, sizeof err, "%s", store_error(s->st));
	}
	if (!text)
		log_error("digest", err);
	return text;
}

/* Sends channel D's digest due at DUE (its local day), once: the message and the row
 * that records it commit together, and a day already recorded is never sent again. */
static void send_digest(struct state *s, const struct cfg_digest *d, time_t due, time_t now)
{
	char day[16];
	struct tz_local l;
	tz_from_utc(d->timezone, due, &l, NULL);
	snprintf(day, sizeof day, "%04d-%02d-%02d", l.year, l.mon, l.day);
	if (store_digest_sent(s->st, d->name, day) != 0)
		return;
	char *text = render(s, d, now);
	if (!text)
		return;
	if (store_begin(s->st) < 0)
		log_error("digest", store_error(s->st));
	else if (store_digest_sent(s->st, d->name, day) != 0 ||
	         (d->console[0] && store_chat_add(s->st, d->console, "digest", 0, text, now) < 0) ||
	         (d->slack_channel[0] && slack_queue_text(s->st, "digest", d->slack_channel, 0, text, now) < 0) ||
	         (d->matrix_room[0] && matrix_queue(s->st, "digest", d->matrix_room, 0, matrix_notice(text, NULL), now) < 0) ||
	         store_digest_add(s->st, d->name, day, due, now) < 0 || store_commit(s->st) < 0)
		store_rollback(s->st); /* sent meanwhile by another run, or the store failed */
	else if (++s->queued) {
		metrics_count(C_DIGESTS_SENT, 1);
		log_line("clock", "info", "msg=\"digest sent\" channel=%s day=%s", d->name, day);
	}
	free(text);
}

/* On start: today's digest, if its time has passed, is sent late only before the
 * catch-up time; every channel's next time is set. */
static void catch_up(struct state *s, time_t now)
{
	for (int i = 0; i < s->t->cfg->ndigests && i < MAX_CHANNELS; i++) {
		const struct cfg_digest *d = &s->t->cfg->digests[i];
		struct tz_local l;
		tz_from_utc(d->timezone, now, &l, NULL);
		time_t today = next_digest(d, tz_day_start(d->timezone, l.year, l.mon, l.day) - 1);
		s->next[i] = next_digest(d, now);
		if (!today || today > now || today < tz_day_start(d->timezone, l.year, l.mon, l.day))
			continue;
		if (l.hour * 60 + l.min < s->t->cfg->clock_digest_catch_up)
			send_digest(s, d, today, now);
		else
			log_line("clock", "info", "msg=\"skipped today's digest, too late\" "
			                "channel=%s", d->name);
	}
}

/* Digests whose time has come; when time jumped over several, only the last is sent. */
static void digests(struct state *s, time_t now)
{
	for (int i = 0; i < s->t->cfg->ndigests && i < MAX_CHANNELS; i++) {
		const struct cfg_digest *d = &s->t->cfg->digests[i];
		time_t due = 0;
		while (s->next[i] && s->next[i] <= now) {
			if (due)
				log_line("clock", "info", "msg=\"skipped a missed digest\" channel=%s",
				        d->name);
			due = s->next[i];
			s->next[i] = next_digest(d, due);
		}
		if (due)
			send_digest(s, d, due, now);
	}
}

/* Milliseconds until the next duty or digest, at most an hour. */
static int wait_ms(struct state *s, time_t now)
{
	if (clock_from_file())
		return 50;
	time_t next = store_duty_next_due(s->st);
	for (int i = 0; i < s->t->cfg->ndigests && i < MAX_CHANNELS; i++)
		if (s->next[i] && (!next || s->next[i] < next))
			next = s->next[i];
	if (!next || next - now > 3600) /* an hour at most, in case the wall clock was set */
		return 3600000;
	return next <= now ? 0 : (int)(next - now) * 1000;
}

/* Tells the front end that chat messages were queued in this pass (DONE duties or a
 * digest). */
static void notify(struct state *s, int done)
{
	if ((done > 0 || s->queued) && s->t->notify >= 0) {
		ssize_t n = write(s->t->notify, "c", 1);
		(void)n; /* a full pipe has already said it */
	}
	s->queued = 0;
}

static void *run(void *arg)
{
	struct state s = {arg, NULL, {0}, 0, app_reloads()};
	char err[512];
	time_t now;
	if (!(s.st = store_open(s.t->cfg->database, err, sizeof err)) || clock_now(&now, err, sizeof err) < 0) {
		log_error("start", err);
		store_close(s.st);
		return NULL;
	}
	app_hold(); /* the settings and channels stay put during a pass (a reload waits) */
	catch_up(&s, now);
	app_release();
	notify(&s, 0);
	for (int stop = 0; !stop;) {
		int done = 0;
		app_hold();
		if (clock_now(&now, err, sizeof err) < 0)
			log_error("clock", err);
		else if ((done = duty_run(s.st, s.t->set, now, err, sizeof err)) < 0)
			log_error("duties", err);
		if (s.reloads != app_reloads()) { /* the channels or their times may have changed */
			s.reloads = app_reloads();
			for (int i = 0; i < s.t->cfg->ndigests && i < MAX_CHANNELS; i++)
				s.next[i] = next_digest(&s.t->cfg->digests[i], now);
		}
		digests(&s, now);
		int sleep_ms = wait_ms(&s, now);
		app_release();
		notify(&s, done);
		stop = worker_sleep(&s.t->w, sleep_ms);
	}
	store_close(s.st);
	return NULL;
}

int timer_start(struct timer *t, const struct cfg *cfg, const struct cmd_settings *set, int notify, char *err,
                size_t errlen)
{
	memset(t, 0, sizeof *t);
	t->cfg = cfg;
	t->set = set;
	t->notify = notify;
	if (worker_start(&t->w, run, t, err, errlen) < 0)
		return -1;
	worker_on_signal(&t->w, 1); /* a console beside the daemon scheduled something */
	return 0;
}

void timer_wake(struct timer *t) { worker_wake(&t->w); }

void timer_stop(struct timer *t)
{
	worker_on_signal(&t->w, 0);
	worker_stop(&t->w);
}
