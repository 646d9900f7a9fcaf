/* tzfmt.c: see tzfmt.h. */
#include "lib/tzfmt.h"
#include "lib/tz.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char *tzfmt(const char *zone, time_t t, enum tzfmt_style style, char *buf, size_t len)
{
	struct tz_local l;
	int off = 0;
	if (style == TZF_UTC || tz_from_utc(zone, t, &l, &off) != TZ_OK) {
		off = 0;
		tz_from_utc("UTC", t, &l, NULL);
	}
	switch (style) {
	case TZF_UTC:
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", l.year, l.mon, l.day, l.hour, l.min, l.sec);
		break;
	case TZF_ISO:
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", l.year, l.mon, l.day, l.hour, l.min,
		         l.sec, off < 0 ? '-' : '+', abs(off) / 3600, abs(off) % 3600 / 60);
		break;
	case TZF_TIME: snprintf(buf, len, "%02d:%02d", l.hour, l.min); break;
	case TZF_DAY: snprintf(buf, len, "%s %d %s %04d", wdays[l.wday], l.day, months[l.mon - 1], l.year); break;
	default:
		snprintf(buf, len, "%s %d %s %04d %02d:%02d", wdays[l.wday], l.day, months[l.mon - 1], l.year, l.hour,
		         l.min);
	}
	return buf;
}

char *tzfmt_span(long long s, char *buf, size_t len)
{
	if (s < 0)
		s = -s;
	if (s < 3600)
		snprintf(buf, len, "%lld min", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lld h %02lld min", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lld day%s", s / 86400, s / 86400 == 1 ? "" : "s");
	return buf;
}
