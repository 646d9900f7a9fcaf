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

int clock_now(time_t *now, char *err, size_t errlen)
{
	const char *v = getenv("INTERVIEWD_NOW");
	char why[256];
	if (!v || !*v) {
		*now = time(NULL);
		return 0;
	}
	if (!has_offset(v) || when_parse(v, "UTC", 0, now, why, sizeof why) < 0) {
		snprintf(err, errlen, "INTERVIEWD_NOW=\"%s\" is not an ISO 8601 date-time with an offset, such as "
		                      "2031-03-10T09:00:00+01:00",
		         v);
		return -1;
	}
	return 0;
}
