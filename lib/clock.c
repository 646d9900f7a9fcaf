/* clock.c: see clock.h. */
#include "lib/clock.h"
#include "commands/when.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An offset is required so the override means the same instant on every machine. */
static int has_offset(const char *v)
{
	size_t n = strlen(v);
	if (n && (v[n - 1] == 'Z' || v[n - 1] == 'z'))
		return 1;
	const char *t = strchr(v, 'T');
	if (!t)
		t = strchr(v, ' ');
	return t && (strchr(t, '+') || strchr(t, '-'));
}

int clock_from_file(void)
{
	const char *v = getenv("INTERVIEWD_NOW");
	return v && v[0] == '@';
}

/* The first line of FILE, for INTERVIEWD_NOW=@FILE. */
static const char *read_now(const char *file, char *buf, size_t len)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return NULL;
	char *ok = fgets(buf, (int)len, f);
	fclose(f);
	if (!ok)
		return NULL;
	buf[strcspn(buf, "\r\n")] = 0;
	return buf;
}

int clock_now(time_t *now, char *err, size_t errlen)
{
	const char *v = getenv("INTERVIEWD_NOW");
	char why[256], line[128];
	if (!v || !*v) {
		*now = time(NULL);
		return 0;
	}
	if (v[0] == '@' && !(v = read_now(v + 1, line, sizeof line))) {
		snprintf(err, errlen, "INTERVIEWD_NOW names a file that cannot be read: %s", getenv("INTERVIEWD_NOW") + 1);
		return -1;
	}
	if (!has_offset(v) || when_parse(v, "UTC", 0, now, why, sizeof why) < 0) {
		snprintf(err, errlen, "INTERVIEWD_NOW=\"%s\" is not an ISO 8601 date-time with an offset, such as "
		                      "2031-03-10T09:00:00+01:00",
		         v);
		return -1;
	}
	return 0;
}

int64_t clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
