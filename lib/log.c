/* log.c: see log.h. One fprintf per line, so lines of threads never interleave. */
#include "lib/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *const names[] = {"error", "warn", "info", "debug"};
static atomic_int threshold = LOG_INFO;
static atomic_long requests;
static _Thread_local char request[64];

int log_level_of(const char *name)
{
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

void log_set_level(enum log_level level) { atomic_store(&threshold, (int)level); }

int log_enabled(enum log_level level) { return (int)level <= atomic_load(&threshold); }

void log_request(const char *id) { snprintf(request, sizeof request, "%s", id ? id : ""); }

void log_new_request(const char *prefix, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s-%ld", prefix, atomic_fetch_add(&requests, 1) + 1);
}

const char *log_quote(const char *s, char *out, size_t outlen)
{
	size_t n = 0;
	for (; *s && n + 2 < outlen; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = 0;
	return out;
}

void log_line(const char *part, const char *level, const char *fmt, ...)
{
	int lv = log_level_of(level);
	if (lv >= 0 && !log_enabled((enum log_level)lv))
		return;
	char msg[1024], ts[32];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", gmtime_r(&tv.tv_sec, &tm));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++) /* one line per event, whatever a value held */
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	fprintf(stderr, "ts=%s.%03dZ level=%s part=%s %s%s%s\n", ts, (int)(tv.tv_usec / 1000), level, part, msg,
	        request[0] ? " req=" : "", request);
}
