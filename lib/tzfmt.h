/* tzfmt: formats instants for people, in their zone (through lib/tz).
 * Called by the renderers and by messages of the command handlers. */
#ifndef INTERVIEWD_TZFMT_H
#define INTERVIEWD_TZFMT_H

#include <stddef.h>
#include <time.h>

enum tzfmt_style {
	TZF_DAY_TIME, /* "Tue 10 Mar 2031 14:00" */
	TZF_TIME,     /* "14:00" */
	TZF_DAY,      /* "Tue 10 Mar 2031" */
	TZF_ISO,      /* "2031-03-10T14:00:00+01:00" */
	TZF_UTC,      /* "2031-03-10T13:00:00Z" (ZONE ignored) */
};

/* Writes T in ZONE in STYLE to BUF; returns BUF. An unknown zone falls back to UTC. */
char *tzfmt(const char *zone, time_t t, enum tzfmt_style style, char *buf, size_t len);

/* "2 h 05 min", "3 days" — the length of a span of seconds for people. */
char *tzfmt_span(long long seconds, char *buf, size_t len);

#endif
