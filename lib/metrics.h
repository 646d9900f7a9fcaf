/* metrics: what the daemon's parts report about themselves — each part's state
 * (connected, backing off, its last error) and the counters and latency histogram that
 * /healthz and /metrics show (bot/http.c). Process-wide and thread-safe; counts start
 * at zero with each process, as Prometheus expects. Reporting never fails. */
#ifndef INTERVIEWD_METRICS_H
#define INTERVIEWD_METRICS_H

#include "lib/buf.h"

#include <stdint.h>

enum part_state { PART_STARTING, PART_UP, PART_BACKOFF, PART_DOWN };

/* PART ("slack", "matrix", "mail", "imap", "clock", "http") is in STATE; WHY (may be
 * NULL) is kept as its last error when the state is PART_BACKOFF or PART_DOWN. No
 * secrets in WHY. */
void metrics_part(const char *part, enum part_state state, const char *why);

enum counter {
	C_EMAILS_SENT, C_EMAILS_FAILED, C_CHAT_SENT, C_CHAT_FAILED, C_REMINDERS_SENT, C_REMINDERS_SKIPPED,
	C_DIGESTS_SENT, C_MAIL_RECEIVED, C_RECONNECTS_SLACK, C_RECONNECTS_MATRIX, C_RECONNECTS_IMAP,
	C_HTTP_REQUESTS, C_COUNTERS
};
void metrics_count(enum counter c, long n);

/* One command run through VIA ("slack", "console", "api", ...) with OUTCOME ("ok",
 * "error", "duplicate"), taking MS milliseconds. */
void metrics_command(const char *via, const char *outcome, double ms);

/* The parts as a JSON object {"slack": {"state": "up", "since": "...Z", "last_error": ...}}
 * and whether every started part is up. */
void metrics_parts_json(struct buf *out, int *healthy);
/* Counters and the histogram in the Prometheus text format (version 0.0.4). */
void metrics_prometheus(struct buf *out);

#endif
