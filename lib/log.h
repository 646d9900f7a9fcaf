/* log: one line per event on standard error, in logfmt:
 * ts=2026-11-26T17:30:00.123Z level=info part=slack msg="connected" conn=1 req=s-42
 * FMT writes the fields after part (msg=... and the rest); never pass a token,
 * password, message body or feedback text. Lines below the level set are dropped;
 * a thread's request id (log_request) ends every line it writes while set. */
#ifndef INTERVIEWD_LOG_H
#define INTERVIEWD_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_line(const char *part, const char *level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The level named NAME ("error", "warn", "info", "debug"), else -1. */
int log_level_of(const char *name);
/* Lines less severe than LEVEL are dropped from now on (default LOG_INFO). */
void log_set_level(enum log_level level);
/* 1 when lines of LEVEL are written: for callers that would work to build one. */
int log_enabled(enum log_level level);

/* S as the inside of a quoted logfmt value (" and \ escaped) into OUT; returns OUT. */
const char *log_quote(const char *s, char *out, size_t outlen);

/* Tags this thread's lines with req=ID until log_request(NULL); ID is copied. A front
 * end sets it around one command, so every line the command causes shares it. */
void log_request(const char *id);
/* A new request id for this process: PREFIX-N ("c-12"), into OUT. */
void log_new_request(const char *prefix, char *out, size_t outlen);

#endif
