/* sender.c: see sender.h. */
#include "bot/sender.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/metrics.h"

#include <stdio.h>
#include <string.h>

/* The mail settings a config gives (pointers into CFG). */
static void sender_settings(const struct cfg *cfg, struct mail_settings *ms)
{
	memset(ms, 0, sizeof *ms);
	ms->notice.from = cfg->mail_from;
	ms->notice.reply_to = cfg->mail_reply_to;
	ms->notice.templates_dir = cfg->mail_templates;
	ms->notice.token_secret = cfg->mail_token_secret;
	ms->dir = cfg->mail_dir;
	ms->smtp.host = cfg->smtp_host;
	ms->smtp.port = (int)cfg->smtp_port;
	ms->smtp.tls = cfg->smtp_tls;
	ms->smtp.user = cfg->smtp_user;
	ms->smtp.password = cfg->smtp_password;
	ms->smtp.ca_file = cfg->smtp_ca_file;
	ms->smtp.timeout = (long)cfg->smtp_timeout;
	ms->retry_base = (long)cfg->mail_retry_after;
	ms->retry_max = (long)cfg->mail_retry_max;
	ms->max_age = (long)cfg->mail_give_up_after;
}

/* Milliseconds to sleep until the next row is due, at most an hour. */
static int wait_ms(struct mail_outbox *mo, time_t now)
{
	if (clock_from_file())
		return 50; /* time moves in a file: look at it often (lib/clock.h) */
	return worker_due_ms(mail_outbox_next_due(mo), now, 3600000); /* nothing waits: until woken, an hour at most */
}

static void pass(struct mail_outbox *mo, time_t *now)
{
	char err[512];
	if (clock_now(now, err, sizeof err) < 0 || mail_outbox_drain(mo, *now, err, sizeof err) < 0)
		log_line("mail", "error", "msg=\"%s\"", err);
}

static void *run(void *arg)
{
	struct sender *s = arg;
	char err[512];
	struct store *st = store_open(s->cfg->database, err, sizeof err);
	struct mail_outbox *mo = st ? mail_outbox_new(st, &s->ms, err, sizeof err) : NULL;
	if (!mo) {
		log_line("mail", "error", "msg=\"%s\"", err);
		store_close(st);
		return NULL;
	}
	metrics_part("mail", PART_UP, NULL);
	time_t checkpointed = 0;
	for (int stop = 0; !stop;) {
		time_t now;
		pass(mo, &now);
		if (now - checkpointed >= STORE_CHECKPOINT_EVERY) {
			if (store_checkpoint(st) < 0)
				log_line("store", "error", "msg=\"checkpoint: %s\"", store_error(st));
			checkpointed = now;
		}
		stop = worker_sleep(&s->w, wait_ms(mo, now));
	}
	time_t now;
	pass(mo, &now); /* what the last commands queued */
	mail_outbox_free(mo);
	store_close(st);
	return NULL;
}

int sender_start(struct sender *s, const struct cfg *cfg, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	sender_settings(cfg, &s->ms);
	struct notices *check = notice_new(&s->ms.notice, err, errlen); /* refuse bad templates now */
	if (!check)
		return -1;
	notice_free(check);
	if (worker_start(&s->w, run, s, err, errlen) < 0)
		return -1;
	worker_on_signal(&s->w, 1);
	return 0;
}

void sender_wake(struct sender *s) { worker_wake(&s->w); }

void sender_stop(struct sender *s)
{
	worker_on_signal(&s->w, 0);
	worker_stop(&s->w);
}
