/* tzday.c: local calendar days in a zone — where a day starts and date arithmetic.
 * Declared in lib/tz.h. */
#include "lib/tz.h"

int tz_add_days(struct tz_local *lt, long long n)
{
	struct tz_local d = {lt->year, lt->mon, lt->day, 12, 0, 0, 0};
	time_t t = tz_timegm(&d) + (time_t)(n * 86400);
	if (tz_from_utc("UTC", t, &d, NULL) != TZ_OK)
		return TZ_EINVAL;
	lt->year = d.year;
	lt->mon = d.mon;
	lt->day = d.day;
	lt->wday = d.wday;
	return TZ_OK;
}

/* 1 if the local date of T in ZONE is before Y-M-D. */
static int before_day(const char *zone, time_t t, int y, int m, int d)
{
	struct tz_local l;
	tz_from_utc(zone, t, &l, NULL);
	if (l.year != y)
		return l.year < y;
	if (l.mon != m)
		return l.mon < m;
	return l.day < d;
}

/* Local midnight when it exists once; else searches between 16 h before and 14 h after
 * the UTC midnight of that date for the first instant whose local date is the day (no
 * zone is more than 14 h from UTC). */
time_t tz_day_start(const char *zone, int year, int mon, int day)
{
	struct tz_local d = {year, mon, day, 0, 0, 0, 0};
	char err[8];
	time_t t;
	if (tz_to_utc(zone, &d, &t, err, sizeof err) == TZ_OK)
		return t;
	time_t lo = tz_timegm(&d) - 16 * 3600, hi = tz_timegm(&d) + 14 * 3600;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (before_day(zone, mid, year, mon, day))
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}
