/* sender.c: see sender.h. */
#include "bot/sender.h"
#include "lib/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void sender_settings(const struct cfg *cfg, struct mail_settings *ms)
{
	memset(ms, 0, sizeof *ms);
	ms->notice.from = cfg->mail_from;
	ms->notice.reply_to = cfg->mail_reply_to;
	ms->notice.templates_dir = cfg->mail_templates;
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

/* Milliseconds to sleep until the next row is due, at most a minute. */
static int wait_ms(struct mail_outbox *mo, time_t now)
{
	time_t due = mail_outbox_next_due(mo);
	if (!due || due - now > 60)
		return 60000;
	return due <= now ? 0 : (int)(due - now) * 1000;
}

/* Reads what woke the thread; 1 when asked to stop. */
static int woken(struct sender *s)
{
	char buf[64];
	int stop = 0;
	ssize_t n;
	while ((n = read(s->pipe[0], buf, sizeof buf)) > 0)
		stop |= memchr(buf, 'q', (size_t)n) != NULL;
	return stop;
}

static void pass(struct mail_outbox *mo, time_t *now)
{
	char err[512];
	if (clock_now(now, err, sizeof err) < 0 || mail_outbox_drain(mo, *now, err, sizeof err) < 0)
		fprintf(stderr, "interviewd: part=mail level=error msg=\"%s\"\n", err);
}

static void *run(void *arg)
{
	struct sender *s = arg;
	char err[512];
	struct store *st = store_open(s->cfg->database, err, sizeof err);
	struct mail_outbox *mo = st ? mail_outbox_new(st, &s->ms, err, sizeof err) : NULL;
	if (!mo) {
		fprintf(stderr, "interviewd: part=mail level=error msg=\"%s\"\n", err);
		store_close(st);
		return NULL;
	}
	time_t checkpointed = 0;
	for (int stop = 0; !stop;) {
		time_t now;
		pass(mo, &now);
		if (now - checkpointed >= STORE_CHECKPOINT_EVERY) {
			if (store_checkpoint(st) < 0)
				fprintf(stderr, "interviewd: part=store level=error msg=\"checkpoint: %s\"\n", store_error(st));
			checkpointed = now;
		}
		struct pollfd p = {s->pipe[0], POLLIN, 0};
		int rc = poll(&p, 1, wait_ms(mo, now));
		if (rc > 0)
			stop = woken(s);
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
	if (pipe2(s->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		snprintf(err, errlen, "cannot start the mail thread");
		close(s->pipe[0]);
		close(s->pipe[1]);
		return -1;
	}
	return 0;
}

void sender_wake(struct sender *s)
{
	ssize_t n = write(s->pipe[1], "w", 1);
	(void)n; /* a full pipe already wakes it */
}

void sender_stop(struct sender *s)
{
	while (write(s->pipe[1], "q", 1) < 0 && errno == EINTR)
		;
	pthread_join(s->thread, NULL);
	close(s->pipe[0]);
	close(s->pipe[1]);
}
