/* outbox.c: the email sender, delivering to a folder of .eml files (see outbox.h). */
#include "mail/outbox.h"
#include "mail/notice.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Retry after 1, 2, 4 ... minutes, at most an hour apart. */
static time_t backoff(int attempts)
{
	int shift = attempts < 6 ? attempts : 6;
	time_t wait = (time_t)60 << shift;
	return wait > 3600 ? 3600 : wait;
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

/* Composes and delivers one row; records the outcome on it. 1 delivered, 0 not. */
static int send_row(struct store *st, const struct mail_settings *ms, const struct store_outbox_row *row,
                    time_t now)
{
	char err[1024], name[64];
	char *msg = notice_compose(st, row, ms->from, now, err, sizeof err);
	if (!msg)
		return store_outbox_failed(st, row->id, now, err) < 0 ? -1 : 0;
	snprintf(name, sizeof name, "%06lld-%s.eml", (long long)row->id, row->kind);
	int rc = deliver_file(ms->dir, name, msg, err, sizeof err);
	free(msg);
	if (rc < 0)
		return store_outbox_retry(st, row->id, now + backoff(row->attempts), err) < 0 ? -1 : 0;
	return store_outbox_sent(st, row->id, now) < 0 ? -1 : 1;
}

int mail_outbox_drain(struct store *st, const struct mail_settings *ms, time_t now, char *err, size_t errlen)
{
	struct store_outbox_row row;
	int sent = 0, rc;
	/* A row that fails is marked failed or moved to a later next_try, so it is not
	 * picked again in this pass. */
	while ((rc = store_outbox_next(st, "email", now, &row)) == 1) {
		int r = send_row(st, ms, &row, now);
		store_outbox_clear(&row);
		if (r < 0) {
			rc = -1;
			break;
		}
		sent += r;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", store_error(st));
		return -1;
	}
	return sent;
}
