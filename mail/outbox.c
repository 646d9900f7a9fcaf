/* outbox.c: the email sender (see outbox.h). */
#include "mail/outbox.h"

#include "lib/metrics.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct mail_outbox {
	struct store *st;
	struct mail_settings ms;
	struct notices *notices;
	struct smtp *smtp; /* NULL: the .eml folder */
	char from[STORE_EMAIL_MAX + 1];
};

struct mail_outbox *mail_outbox_new(struct store *st, const struct mail_settings *ms, char *err, size_t errlen)
{
	struct mail_outbox *mo = calloc(1, sizeof *mo);
	if (!mo) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	mo->st = st;
	mo->ms = *ms;
	notice_address(ms->notice.from, mo->from, sizeof mo->from);
	mo->notices = notice_new(&ms->notice, err, errlen);
	if (mo->notices && ms->smtp.host && *ms->smtp.host && !(mo->smtp = smtp_new(&ms->smtp)))
		snprintf(err, errlen, "out of memory");
	if (!mo->notices || (ms->smtp.host && *ms->smtp.host && !mo->smtp)) {
		mail_outbox_free(mo);
		return NULL;
	}
	return mo;
}

void mail_outbox_free(struct mail_outbox *mo)
{
	if (!mo)
		return;
	notice_free(mo->notices);
	smtp_free(mo->smtp);
	free(mo);
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes MSG to DIR/NAME through a temporary file, fsync and rename, so the file is
 * either absent or whole. */
static int deliver_file(const char *dir, const char *name, const char *msg, char *err, size_t errlen)
{
	char tmp[1200], path[1200];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %.300s: %s", dir, strerror(errno));
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %.300s: %s", tmp, strerror(errno));
		return -1;
	}
	int ok = write_all(fd, msg, strlen(msg)) == 0 && fsync(fd) == 0;
	if (close(fd) < 0)
		ok = 0;
	if (!ok || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %.300s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static time_t backoff(const struct mail_settings *ms, int attempts)
{
	long wait = ms->retry_base;
	for (int i = 0; i < attempts && wait < ms->retry_max; i++)
		wait *= 2;
	return wait < ms->retry_max ? wait : ms->retry_max;
}

/* Tells the recruiter who scheduled the interview, in their chat, that a notice
 * could not be delivered. */
static int tell_recruiter(struct mail_outbox *mo, const struct store_outbox_row *row, time_t now, const char *why)
{
	struct store_interview iv;
	struct store_person p;
	if (!row->interview_id || store_interview_get(mo->st, row->interview_id, &iv, 0) <= 0 || !iv.created_by ||
	    store_person_by_id(mo->st, iv.created_by, &p) <= 0)
		return 0;
	char text[1200];
	snprintf(text, sizeof text, "The %s notice of #%lld to %s could not be delivered: %s", row->kind,
	         (long long)iv.id, row->recipient, why);
	return store_chat_add(mo->st, p.handle, "mail failed", iv.id, text, now);
}

/* A failure: retried later, or given up (and the recruiter told) when it is permanent
 * or the message has waited max_age. Both steps in one transaction. */
static int failed(struct mail_outbox *mo, const struct store_outbox_row *row, time_t now, int permanent,
                  const char *why)
{
	if (!permanent && now - row->created_at < mo->ms.max_age)
		return store_outbox_retry(mo->st, row->id, now + backoff(&mo->ms, row->attempts), why) < 0 ? -1 : 0;
	if (store_begin(mo->st) < 0)
		return -1;
	if (store_outbox_failed(mo->st, row->id, now, why) < 0 || tell_recruiter(mo, row, now, why) < 0) {
		store_rollback(mo->st);
		return -1;
	}
	return store_commit(mo->st) < 0 ? -1 : 0;
}

/* Composes and delivers one row; records the outcome on it. 1 delivered, 0 not, -1 the
 * store failed. */
static int send_row(struct mail_outbox *mo, const struct store_outbox_row *row, time_t now)
{
	char err[1024], name[64];
	char *msg = notice_compose(mo->notices, mo->st, row, now, err, sizeof err);
	if (!msg)
		return failed(mo, row, now, 1, err);
	int rc;
	if (mo->smtp) {
		rc = smtp_send(mo->smtp, mo->from, row->recipient, msg, err, sizeof err);
	} else {
		snprintf(name, sizeof name, "%06lld-%s.eml", (long long)row->id, row->kind);
		rc = deliver_file(mo->ms.dir, name, msg, err, sizeof err) < 0 ? SMTP_TEMPORARY : SMTP_SENT;
	}
	free(msg);
	/* recorded at once: the server has it, and a crash from here on must not send it again */
	if (rc == SMTP_SENT) {
		metrics_count(C_EMAILS_SENT, 1);
		metrics_part("mail", PART_UP, NULL);
		return store_outbox_sent(mo->st, row->id, now) < 0 ? -1 : 1;
	}
	metrics_count(C_EMAILS_FAILED, 1);
	metrics_part("mail", rc == SMTP_PERMANENT ? PART_UP : PART_BACKOFF, err);
	return failed(mo, row, now, rc == SMTP_PERMANENT, err);
}

int mail_outbox_drain(struct mail_outbox *mo, time_t now, char *err, size_t errlen)
{
	struct store_outbox_row row;
	int sent = 0, rc;
	/* A row that fails is marked failed or moved to a later next_try, so it is not
	 * picked again in this pass. */
	while ((rc = store_outbox_next(mo->st, "email", now, &row)) == 1) {
		int r = send_row(mo, &row, now);
		store_outbox_clear(&row);
		if (r < 0) {
			rc = -1;
			break;
		}
		sent += r;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", store_error(mo->st));
		return -1;
	}
	return sent;
}

time_t mail_outbox_next_due(struct mail_outbox *mo)
{
	return store_outbox_next_due(mo->st, "email");
}
