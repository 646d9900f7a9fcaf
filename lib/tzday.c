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

/* The first instant whose wall clock in ZONE reads LT or later: LT itself when it exists
 * once, its first reading when it exists twice, the end of the jump when it falls in a
 * gap. Only gap days search (about a dozen offset queries for a one-hour jump). */
static int first_at(const char *zone, const struct tz_local *lt, time_t *out)
{
	time_t l = tz_timegm(lt), lo, hi;
	struct tz_local x;
	int rc = tz_to_utc(zone, lt, out, NULL, 0), before, after;

	if (rc == TZ_OK || rc == TZ_EINVAL)
		return rc;
	if (tz_from_utc(zone, l - 86400, &x, &before) != TZ_OK ||
	    tz_from_utc(zone, l + 86400, &x, &after) != TZ_OK)
		return TZ_EINVAL;
	if (rc == TZ_EOVERLAP) {
		*out = l - before; /* read with the offset from before the clocks went back */
		return TZ_OK;
	}
	/* LT read with the new offset lands before the jump, with the old one after it. */
	lo = l - after;
	hi = l - before;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		int off;

		tz_from_utc(zone, mid, &x, &off);
		if (off == before)
			lo = mid;
		else
			hi = mid;
	}
	*out = hi;
	return TZ_OK;
}

/* Tries AFTER's own local date, then the days after it: up to the same weekday a week
 * later, and one day more for a clock set back over midnight (America/Moncton, 1993),
 * after which the next day's time may already have come and gone at its first reading. */
int tz_next_local(const char *zone, int hour, int minute, unsigned days, time_t after, time_t *out)
{
	struct tz_local d;
	time_t t;
	int k;

	if ((days & 0x7f) == 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
	    tz_from_utc(zone, after, &d, NULL) != TZ_OK)
		return TZ_EINVAL;
	d.hour = hour;
	d.min = minute;
	d.sec = 0;
	for (k = 0; k <= 8; k++) {
		if (k > 0 && tz_add_days(&d, 1) != TZ_OK)
			return TZ_EINVAL;
		if (!(days >> d.wday & 1))
			continue;
		if (first_at(zone, &d, &t) != TZ_OK)
			return TZ_EINVAL;
		if (t > after) {
			*out = t;
			return TZ_OK;
		}
	}
	return TZ_EINVAL;
}

void tz_day_week(const char *zone, time_t now, int64_t day[2], int64_t week[2])
{
	struct tz_local l, d;
	tz_from_utc(zone, now, &l, NULL);
	d = l;
	tz_add_days(&d, 1);
	day[0] = tz_day_start(zone, l.year, l.mon, l.day);
	day[1] = tz_day_start(zone, d.year, d.mon, d.day);
	d = l;
	tz_add_days(&d, -((l.wday + 6) % 7));
	week[0] = tz_day_start(zone, d.year, d.mon, d.day);
	tz_add_days(&d, 7);
	week[1] = tz_day_start(zone, d.year, d.mon, d.day);
}
