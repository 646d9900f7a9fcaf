/* metrics.c: see metrics.h. One mutex over small tables: reporting is rare next to
 * the work it reports (a command, an email, a reconnect). */
#include "lib/metrics.h"
#include "lib/tzfmt.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PARTS_MAX 8
#define VIAS_MAX 8
#define OUTCOMES 3

static const char *const state_names[] = {"starting", "up", "backing_off", "down"};
static const char *const outcome_names[OUTCOMES] = {"ok", "error", "duplicate"};
/* Upper bounds of the latency buckets, in seconds. */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

static const struct {
	const char *name, *help;
} counter_info[C_COUNTERS] = {
	[C_EMAILS_SENT] = {"interviewd_emails_sent_total", "Emails handed to SMTP or written to the mail folder."},
	[C_EMAILS_FAILED] = {"interviewd_emails_failed_total", "Email attempts that failed (retried or given up)."},
	[C_CHAT_SENT] = {"interviewd_chat_sent_total", "Chat messages posted (Slack, Matrix)."},
	[C_CHAT_FAILED] = {"interviewd_chat_failed_total", "Chat posts that failed (retried or given up)."},
	[C_REMINDERS_SENT] = {"interviewd_reminders_sent_total", "Reminders and feedback chasers carried out."},
	[C_REMINDERS_SKIPPED] = {"interviewd_reminders_skipped_total", "Reminders skipped (too late, interview gone)."},
	[C_DIGESTS_SENT] = {"interviewd_digests_sent_total", "Team digests sent."},
	[C_MAIL_RECEIVED] = {"interviewd_mail_received_total", "Emails read from the mailbox or ingest-mail."},
	[C_RECONNECTS_SLACK] = {"interviewd_reconnects_slack_total", "Slack Socket Mode connections replaced."},
	[C_RECONNECTS_MATRIX] = {"interviewd_reconnects_matrix_total", "Matrix syncs retried after an error."},
	[C_RECONNECTS_IMAP] = {"interviewd_reconnects_imap_total", "IMAP polls that failed and will be tried again."},
	[C_HTTP_REQUESTS] = {"interviewd_http_requests_total", "HTTP requests served."},
};

struct part {
	char name[16];
	enum part_state state;
	time_t since;
	char why[256];
};

struct via {
	char name[16];
	long count[OUTCOMES];
	long buckets[NBOUNDS]; /* cumulative at render time, per bucket here */
	long n;
	double sum;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct part parts[PARTS_MAX];
static int nparts;
static long counters[C_COUNTERS];
static struct via vias[VIAS_MAX];
static int nvias;

/* The entry named NAME among the *N entries of SIZE bytes at BASE (each starting with
 * its char name[16]), added when new and there is room; -1 when full. */
static int slot(void *base, size_t size, int *n, int max, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (strcmp((const char *)base + (size_t)i * size, name) == 0)
			return i;
	if (*n == max)
		return -1;
	snprintf((char *)base + (size_t)*n * size, 16, "%s", name);
	return (*n)++;
}

void metrics_part(const char *part, enum part_state state, const char *why)
{
	pthread_mutex_lock(&mu);
	int i = slot(parts, sizeof parts[0], &nparts, PARTS_MAX, part);
	if (i >= 0) {
		if (parts[i].state != state || !parts[i].since)
			parts[i].since = time(NULL);
		parts[i].state = state;
		if (why && (state == PART_BACKOFF || state == PART_DOWN))
			snprintf(parts[i].why, sizeof parts[i].why, "%s", why);
	}
	pthread_mutex_unlock(&mu);
}

void metrics_count(enum counter c, long n)
{
	pthread_mutex_lock(&mu);
	counters[c] += n;
	pthread_mutex_unlock(&mu);
}

void metrics_command(const char *via, const char *outcome, double ms)
{
	int o = 0;
	while (o < OUTCOMES - 1 && strcmp(outcome_names[o], outcome) != 0)
		o++;
	pthread_mutex_lock(&mu);
	int i = slot(vias, sizeof vias[0], &nvias, VIAS_MAX, via);
	if (i >= 0) {
		struct via *v = &vias[i];
		v->count[o]++;
		v->n++;
		v->sum += ms / 1000;
		for (size_t b = 0; b < NBOUNDS; b++)
			if (ms / 1000 <= bounds[b]) {
				v->buckets[b]++;
				break;
			}
	}
	pthread_mutex_unlock(&mu);
}

void metrics_parts_json(struct buf *out, int *healthy)
{
	*healthy = 1;
	buf_add(out, "{");
	pthread_mutex_lock(&mu);
	for (int i = 0; i < nparts; i++) {
		char since[32];
		tzfmt("UTC", parts[i].since, TZF_UTC, since, sizeof since);
		buf_addf(out, "%s\"%s\": {\"state\": \"%s\", \"since\": \"%s\", \"last_error\": ", i ? ", " : "",
		         parts[i].name, state_names[parts[i].state], since);
		if (parts[i].why[0]) {
			buf_add(out, "\"");
			for (const char *p = parts[i].why; *p; p++)
				if (*p == '"' || *p == '\\')
					buf_addf(out, "\\%c", *p);
				else if ((unsigned char)*p < 0x20)
					buf_addf(out, "\\u%04x", *p);
				else
					buf_put(out, p, 1);
			buf_add(out, "\"}");
		} else {
			buf_add(out, "null}");
		}
		*healthy &= parts[i].state == PART_UP;
	}
	pthread_mutex_unlock(&mu);
	buf_add(out, "}");
}

void metrics_prometheus(struct buf *out)
{
	pthread_mutex_lock(&mu);
	for (int c = 0; c < C_COUNTERS; c++)
		buf_addf(out, "# HELP %s %s\n# TYPE %s counter\n%s %ld\n", counter_info[c].name, counter_info[c].help,
		         counter_info[c].name, counter_info[c].name, counters[c]);
	buf_add(out, "# HELP interviewd_commands_total Commands run, by front end and outcome.\n"
	             "# TYPE interviewd_commands_total counter\n");
	for (int i = 0; i < nvias; i++)
		for (int o = 0; o < OUTCOMES; o++)
			buf_addf(out, "interviewd_commands_total{frontend=\"%s\",outcome=\"%s\"} %ld\n", vias[i].name,
			         outcome_names[o], vias[i].count[o]);
	buf_add(out, "# HELP interviewd_command_duration_seconds Time to run a command, store commit included.\n"
	             "# TYPE interviewd_command_duration_seconds histogram\n");
	for (int i = 0; i < nvias; i++) {
		long cum = 0;
		for (size_t b = 0; b < NBOUNDS; b++) {
			cum += vias[i].buckets[b];
			buf_addf(out, "interviewd_command_duration_seconds_bucket{frontend=\"%s\",le=\"%g\"} %ld\n",
			         vias[i].name, bounds[b], cum);
		}
		buf_addf(out, "interviewd_command_duration_seconds_bucket{frontend=\"%s\",le=\"+Inf\"} %ld\n",
		         vias[i].name, vias[i].n);
		buf_addf(out, "interviewd_command_duration_seconds_sum{frontend=\"%s\"} %.6f\n", vias[i].name, vias[i].sum);
		buf_addf(out, "interviewd_command_duration_seconds_count{frontend=\"%s\"} %ld\n", vias[i].name, vias[i].n);
	}
	buf_add(out, "# HELP interviewd_part_up Whether each part is up (1) or not (0).\n# TYPE interviewd_part_up gauge\n");
	for (int i = 0; i < nparts; i++)
		buf_addf(out, "interviewd_part_up{part=\"%s\"} %d\n", parts[i].name, parts[i].state == PART_UP);
	pthread_mutex_unlock(&mu);
}
