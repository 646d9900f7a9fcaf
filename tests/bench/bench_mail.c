/* bench_mail: how many notices per second one core composes (MIME + iCalendar invite,
 * from the templates), the work the mail thread does for every outbox row before it
 * talks to a server. Part of `make bench`.
 *
 * It schedules, reschedules and cancels interviews through the command layer in a
 * scratch store, then composes every queued row again and again, timing each call. */
#include "commands/cmd.h"
#include "lib/tz.h"
#include "mail/notice.h"
#include "store/store.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROWS 600
#define ROUNDS 10

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(struct store *st, const struct cmd_settings *set, const struct store_person *me, time_t now,
                const char *text)
{
	struct cmd_request req = {text, "console", NULL, *me, now};
	struct cmd_reply r;
	if (cmd_execute(st, set, &req, &r) < 0) {
		fprintf(stderr, "bench_mail: %s: %s\n", text, r.message);
		exit(1);
	}
	cmd_reply_free(&r);
}

/* Schedules, moves and cancels interviews until about ROWS notices are queued. */
static void fill(struct store *st, const struct cmd_settings *set, const struct store_person *me, time_t now)
{
	char cmd[600];
	for (int i = 0; i < ROWS / 9; i++) {
		snprintf(cmd, sizeof cmd,
		         "schedule candidate:\"Zoë Müller-%d <cand%d@example.com>\" job:\"Data Scientist\" "
		         "when:\"2031-03-%02d %02d:00\" type:video with:p%da@example.com,p%db@example.com "
		         "link:https://meet.example.com/r%d notes:\"bring portfolio; ask about the thesis\"",
		         i, i, 10 + i % 15, 8 + i % 9, i, i, i);
		run(st, set, me, now, cmd);
		snprintf(cmd, sizeof cmd, "reschedule #%d when:\"2031-04-%02d %02d:30\"", 2 * i + 1, 1 + i % 28, 8 + i % 9);
		run(st, set, me, now, cmd);
		snprintf(cmd, sizeof cmd, "cancel #%d reason:\"candidate withdrew\"", 2 * i + 2);
		run(st, set, me, now, cmd);
	}
}

int main(void)
{
	char path[] = "/tmp/interviewd-bench-mail-XXXXXX", err[512], db[600];
	tz_init();
	g_mime_init();
	if (!mkdtemp(path))
		return 1;
	snprintf(db, sizeof db, "%s/bench.db", path);
	struct store *st = store_open(db, err, sizeof err);
	struct cmd_settings set = {.default_tz = "Europe/Berlin", .default_duration = 60, .default_type = TYPE_VIDEO};
	struct store_person me = {.handle = "rita", .name = "Rita", .email = "rita@example.com", .role = ROLE_RECRUITER};
	struct notice_settings ns = {"Interviews <bot@example.com>", "", ""};
	struct notices *n = st ? notice_new(&ns, err, sizeof err) : NULL;
	if (!n || store_person_upsert(st, &me) < 0) {
		fprintf(stderr, "bench_mail: %s\n", err);
		return 1;
	}
	time_t now = 1930000000; /* 2031-02-28 */
	fill(st, &set, &me, now);
	struct store_outbox_row rows[ROWS];
	int count = 0;
	while (count < ROWS && store_outbox_next(st, "email", now, &rows[count]) == 1) {
		store_outbox_sent(st, rows[count].id, now); /* so the next call finds the next row */
		count++;
	}
	size_t bytes = 0;
	double t0 = seconds();
	for (int round = 0; round < ROUNDS; round++)
		for (int i = 0; i < count; i++) {
			char *msg = notice_compose(n, st, &rows[i], now, err, sizeof err);
			if (!msg) {
				fprintf(stderr, "bench_mail: %s\n", err);
				return 1;
			}
			bytes += strlen(msg);
			free(msg);
		}
	double dt = seconds() - t0;
	int total = count * ROUNDS;
	printf("compose: %d notices (scheduled, rescheduled, cancelled; candidate and panel) in %.2f s on one core\n",
	       total, dt);
	printf("compose: %.0f notices/s, %.1f us each, %.1f KiB average  (goal: >= 2000/s: %s)\n", total / dt,
	       dt / total * 1e6, (double)bytes / total / 1024, total / dt >= 2000 ? "met" : "NOT met");
	for (int i = 0; i < count; i++)
		store_outbox_clear(&rows[i]);
	notice_free(n);
	store_close(st);
	snprintf(db, sizeof db, "rm -rf %s", path);
	return system(db) == 0 ? 0 : 1;
}
