/* Unit tests for tz_next_local (lib/tzday.c): each table row is one case; a failing row
 * prints its input, the expected and the actual value. Rows marked "chain" take as AFTER
 * the previous row's answer, the way the daemon's clock calls it. Transitions checked
 * with zdump against the system's tzdata (and libical agrees at each of them):
 *   Europe/Berlin     2031: Mar 30 02:00->03:00 (01:00Z), Oct 26 03:00->02:00 (01:00Z);
 *                     2032: Mar 28, Oct 31
 *   America/New_York  2031: Mar 9 02:00->03:00 (07:00Z), Nov 2 02:00->01:00 (06:00Z);
 *                     2032: Mar 14, Nov 7
 *   Australia/Sydney  2031: Apr 6 03:00->02:00 (Apr 5 16:00Z), Oct 5 02:00->03:00
 *                     (Oct 4 16:00Z); 2032: Apr 4, Oct 3
 *   America/Havana    2031: Mar 9 00:00->01:00 (05:00Z), Nov 2 01:00->00:00 (05:00Z)
 *   America/Santiago  2031: Apr 5 24:00->23:00 (Apr 6 03:00Z), Sep 7 00:00->01:00 (04:00Z)
 *   America/Sao_Paulo 2018: Nov 4 00:00->01:00 (03:00Z), its last spring-forward
 *   Pacific/Apia      2011: Dec 29 24:00 -10 -> Dec 31 00:00 +14 (Dec 30 10:00Z)
 *   America/Moncton   1993: Apr 4 00:01->01:01 (04:01Z), Oct 31 00:01->Oct 30 23:01 (03:01Z)
 *   Pacific/Kwajalein 1969: Sep 30 24:00 +11 -> Sep 30 01:00 -12 (13:00Z);
 *                     1993: Aug 20 24:00 -12 -> Aug 22 00:00 +12 (Aug 21 12:00Z)
 *   Asia/Kolkata, Pacific/Kiritimati (+14), Pacific/Pago_Pago (-11), UTC: none. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tz.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define SUN	 0x01
#define MON	 0x02
#define SAT	 0x40
#define MON_FRI	 0x3e
#define ALL_DAYS 0x7f

/* "2031-03-10T13:00:00Z" for T. */
static void fmt_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "2031-03-10T14:00:00+01:00" or "...Z" to an instant, with glibc rather than lib/tz. */
static time_t parse_iso(const char *s)
{
	struct tm tm = { 0 };
	int n = 0, oh = 0, om = 0;
	char sign = 'Z';

	if (sscanf(s, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &n) != 6)
		fail_msg("bad ISO time in the table: %s", s);
	if (s[n] != 'Z' && sscanf(s + n, "%c%d:%d", &sign, &oh, &om) != 3)
		fail_msg("bad UTC offset in the table: %s", s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm) - (sign == '-' ? -1 : sign == '+' ? 1 : 0) * (oh * 3600 + om * 60);
}

/* ---- the table ---- */

struct next_case {
	const char *zone;
	int hour, minute;
	unsigned days;
	const char *after; /* ISO with offset; "chain": the previous row's answer */
	const char *want;  /* UTC, or "!" for -1 */
};

/* clang-format off */
static const struct next_case next_cases[] = {
	/* Berlin's working-day digest at 08:30 across the spring-forward weekend: 07:30Z in
	 * CET, 06:30Z in CEST. The first AFTER is Wednesday's firing itself. */
	{ "Europe/Berlin", 8, 30, MON_FRI, "2031-03-26T08:30:00+01:00", "2031-03-27T07:30:00Z" }, /* Thu */
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-03-28T07:30:00Z" }, /* Fri CET */
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-03-31T06:30:00Z" }, /* Mon CEST */
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-04-01T06:30:00Z" },
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-04-02T06:30:00Z" },
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-04-03T06:30:00Z" },
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-04-04T06:30:00Z" }, /* Fri */
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-04-07T06:30:00Z" }, /* Mon */
	/* ... and across the fall-back weekend */
	{ "Europe/Berlin", 8, 30, MON_FRI, "2031-10-22T08:30:00+02:00", "2031-10-23T06:30:00Z" }, /* Thu */
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-10-24T06:30:00Z" }, /* Fri CEST */
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-10-27T07:30:00Z" }, /* Mon CET */
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-10-28T07:30:00Z" },
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-10-29T07:30:00Z" },
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-10-30T07:30:00Z" },
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-10-31T07:30:00Z" }, /* Fri */
	{ "Europe/Berlin", 8, 30, MON_FRI, "chain", "2031-11-03T07:30:00Z" }, /* Mon */
	/* Friday evening gives Monday; a second early gives today; every day: Sunday too */
	{ "Europe/Berlin", 8, 30, MON_FRI, "2031-03-28T18:00:00+01:00", "2031-03-31T06:30:00Z" },
	{ "Europe/Berlin", 8, 30, MON_FRI, "2031-03-28T08:29:59+01:00", "2031-03-28T07:30:00Z" },
	{ "Europe/Berlin", 8, 30, ALL_DAYS, "2031-03-29T08:30:00+01:00", "2031-03-30T06:30:00Z" },
	{ "Europe/Berlin", 8, 30, ALL_DAYS, "2031-10-25T08:30:00+02:00", "2031-10-26T07:30:00Z" },

	/* New York's 08:30 digest: 13:30Z in EST, 12:30Z in EDT */
	{ "America/New_York", 8, 30, MON_FRI, "2031-03-05T08:30:00-05:00", "2031-03-06T13:30:00Z" }, /* Thu */
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-03-07T13:30:00Z" }, /* Fri EST */
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-03-10T12:30:00Z" }, /* Mon EDT */
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-03-11T12:30:00Z" },
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-03-12T12:30:00Z" },
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-03-13T12:30:00Z" },
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-03-14T12:30:00Z" }, /* Fri */
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-03-17T12:30:00Z" }, /* Mon */
	{ "America/New_York", 8, 30, MON_FRI, "2031-10-29T08:30:00-04:00", "2031-10-30T12:30:00Z" }, /* Thu */
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-10-31T12:30:00Z" }, /* Fri EDT */
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-11-03T13:30:00Z" }, /* Mon EST */
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-11-04T13:30:00Z" },
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-11-05T13:30:00Z" },
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-11-06T13:30:00Z" },
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-11-07T13:30:00Z" }, /* Fri */
	{ "America/New_York", 8, 30, MON_FRI, "chain", "2031-11-10T13:30:00Z" }, /* Mon */

	/* 02:30 every day in Berlin over the gap night: fires at 03:00 CEST (01:00Z) */
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2031-03-29T02:30:00+01:00", "2031-03-30T01:00:00Z" },
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "chain", "2031-03-31T00:30:00Z" }, /* AFTER = the firing */
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2031-03-30T00:59:59Z", "2031-03-30T01:00:00Z" },
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2031-03-30T00:30:00+01:00", "2031-03-30T01:00:00Z" },
	/* AFTER written with the old offset inside the gap: 02:15+01:00 is 03:15 CEST */
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2031-03-30T02:15:00+01:00", "2031-03-31T00:30:00Z" },
	{ "Europe/Berlin", 2, 0, ALL_DAYS, "2031-03-29T12:00:00Z", "2031-03-30T01:00:00Z" },
	{ "Europe/Berlin", 3, 0, ALL_DAYS, "2031-03-29T12:00:00Z", "2031-03-30T01:00:00Z" },
	{ "Europe/Berlin", 1, 59, ALL_DAYS, "2031-03-29T12:00:00Z", "2031-03-30T00:59:00Z" },
	/* ... and over the overlap night: the first 02:30 (CEST, 00:30Z) only */
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2031-10-25T02:30:00+02:00", "2031-10-26T00:30:00Z" },
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "chain", "2031-10-27T01:30:00Z" }, /* not 10-26T01:30Z */
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2031-10-26T00:29:59Z", "2031-10-26T00:30:00Z" },
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2031-10-26T02:45:00+02:00", "2031-10-27T01:30:00Z" },
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2031-10-26T02:15:00+01:00", "2031-10-27T01:30:00Z" },
	{ "Europe/Berlin", 2, 0, ALL_DAYS, "2031-10-25T12:00:00Z", "2031-10-26T00:00:00Z" },
	{ "Europe/Berlin", 3, 0, ALL_DAYS, "2031-10-25T12:00:00Z", "2031-10-26T02:00:00Z" },

	/* New York 01:30 over Nov 2 2031: 01:30 EDT (05:30Z) fires, 01:30 EST (06:30Z) not */
	{ "America/New_York", 1, 30, ALL_DAYS, "2031-11-01T01:30:00-04:00", "2031-11-02T05:30:00Z" },
	{ "America/New_York", 1, 30, ALL_DAYS, "chain", "2031-11-03T06:30:00Z" },
	{ "America/New_York", 1, 30, ALL_DAYS, "2031-11-02T01:10:00-05:00", "2031-11-03T06:30:00Z" },
	{ "America/New_York", 1, 30, ALL_DAYS, "2031-11-02T01:45:00-04:00", "2031-11-03T06:30:00Z" },
	{ "America/New_York", 2, 30, ALL_DAYS, "2031-03-08T12:00:00-05:00", "2031-03-09T07:00:00Z" },
	{ "America/New_York", 2, 30, ALL_DAYS, "chain", "2031-03-10T06:30:00Z" },

	/* Sydney: fall back on Apr 6, spring forward on Oct 5 2031 */
	{ "Australia/Sydney", 2, 30, ALL_DAYS, "2031-04-05T02:30:00+11:00", "2031-04-05T15:30:00Z" },
	{ "Australia/Sydney", 2, 30, ALL_DAYS, "chain", "2031-04-06T16:30:00Z" },
	{ "Australia/Sydney", 2, 30, ALL_DAYS, "2031-10-04T12:00:00+10:00", "2031-10-04T16:00:00Z" },
	{ "Australia/Sydney", 2, 30, ALL_DAYS, "chain", "2031-10-05T15:30:00Z" },
	{ "Australia/Sydney", 8, 30, MON_FRI, "2031-10-03T08:30:00+10:00", "2031-10-05T21:30:00Z" },
	{ "Australia/Sydney", 8, 30, MON_FRI, "2031-04-04T08:30:00+11:00", "2031-04-06T22:30:00Z" },

	/* 2032's transition days */
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2032-03-27T12:00:00Z", "2032-03-28T01:00:00Z" },
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "2032-10-30T12:00:00Z", "2032-10-31T00:30:00Z" },
	{ "Europe/Berlin", 2, 30, ALL_DAYS, "chain", "2032-11-01T01:30:00Z" },
	{ "America/New_York", 2, 30, ALL_DAYS, "2032-03-13T12:00:00Z", "2032-03-14T07:00:00Z" },
	{ "America/New_York", 1, 30, ALL_DAYS, "2032-11-07T05:30:00Z", "2032-11-08T06:30:00Z" },
	{ "Australia/Sydney", 2, 30, ALL_DAYS, "2032-10-02T12:00:00Z", "2032-10-02T16:00:00Z" },
	{ "Australia/Sydney", 2, 30, ALL_DAYS, "2032-04-03T12:00:00Z", "2032-04-03T15:30:00Z" },

	/* year ends, and zones far from UTC: the weekday is the local one */
	{ "Europe/Berlin", 8, 30, ALL_DAYS, "2031-12-31T08:30:00+01:00", "2032-01-01T07:30:00Z" },
	{ "Europe/Berlin", 8, 30, MON_FRI, "2031-12-31T12:00:00Z", "2032-01-01T07:30:00Z" }, /* Wed->Thu */
	{ "UTC", 0, 0, ALL_DAYS, "2031-12-31T23:59:59Z", "2032-01-01T00:00:00Z" },
	{ "UTC", 23, 59, ALL_DAYS, "2031-12-31T23:59:00Z", "2032-01-01T23:59:00Z" },
	{ "Pacific/Kiritimati", 0, 0, ALL_DAYS, "2031-12-31T23:59:59+14:00", "2031-12-31T10:00:00Z" },
	{ "Pacific/Kiritimati", 8, 30, MON, "2031-12-28T00:00:00Z", "2031-12-28T18:30:00Z" }, /* a Sunday in UTC */
	{ "Pacific/Pago_Pago", 23, 30, ALL_DAYS, "2031-12-31T12:00:00Z", "2032-01-01T10:30:00Z" },
	{ "Pacific/Pago_Pago", 20, 0, SAT, "2032-01-01T00:00:00Z", "2032-01-04T07:00:00Z" }, /* a Sunday in UTC */

	/* leap days */
	{ "Europe/Berlin", 8, 30, ALL_DAYS, "2032-02-28T08:30:00+01:00", "2032-02-29T07:30:00Z" },
	{ "Europe/Berlin", 8, 30, ALL_DAYS, "chain", "2032-03-01T07:30:00Z" },
	{ "UTC", 12, 0, ALL_DAYS, "2031-02-28T12:00:00Z", "2031-03-01T12:00:00Z" },
	{ "UTC", 12, 0, SUN, "2032-02-27T00:00:00Z", "2032-02-29T12:00:00Z" },
	{ "UTC", 12, 0, ALL_DAYS, "2100-02-28T12:00:00Z", "2100-03-01T12:00:00Z" },

	/* no DST, UTC, and weekday masks */
	{ "Asia/Kolkata", 8, 30, ALL_DAYS, "2031-03-30T00:00:00Z", "2031-03-30T03:00:00Z" },
	{ "Asia/Kolkata", 0, 0, ALL_DAYS, "2032-01-01T00:00:00+05:30", "2032-01-01T18:30:00Z" },
	{ "Asia/Kolkata", 23, 59, MON_FRI, "2031-10-24T23:59:00+05:30", "2031-10-27T18:29:00Z" },
	{ "UTC", 8, 30, MON_FRI, "2031-03-28T18:00:00Z", "2031-03-31T08:30:00Z" },
	{ "UTC", 8, 30, SAT | SUN, "2031-03-31T00:00:00Z", "2031-04-05T08:30:00Z" },
	{ "UTC", 8, 30, MON, "2031-03-31T08:30:00Z", "2031-04-07T08:30:00Z" }, /* a week on */
	{ "UTC", 8, 30, MON, "2031-03-31T08:29:00Z", "2031-03-31T08:30:00Z" },
	{ "UTC", 8, 30, 0xff, "2031-03-31T08:29:00Z", "2031-03-31T08:30:00Z" },

	/* midnight skipped: Havana every March, Santiago every September, Sao Paulo in 2018 */
	{ "America/Havana", 0, 0, ALL_DAYS, "2031-03-08T12:00:00-05:00", "2031-03-09T05:00:00Z" },
	{ "America/Havana", 0, 0, ALL_DAYS, "chain", "2031-03-10T04:00:00Z" },
	{ "America/Havana", 0, 30, ALL_DAYS, "2031-03-08T12:00:00-05:00", "2031-03-09T05:00:00Z" },
	{ "America/Havana", 0, 0, SUN, "2031-03-03T00:00:00Z", "2031-03-09T05:00:00Z" },
	{ "America/Havana", 0, 30, ALL_DAYS, "2031-11-01T12:00:00Z", "2031-11-02T04:30:00Z" },
	{ "America/Havana", 0, 30, ALL_DAYS, "chain", "2031-11-03T05:30:00Z" },
	{ "America/Santiago", 0, 0, ALL_DAYS, "2031-09-06T12:00:00Z", "2031-09-07T04:00:00Z" },
	{ "America/Santiago", 23, 30, ALL_DAYS, "2031-04-05T12:00:00Z", "2031-04-06T02:30:00Z" },
	{ "America/Santiago", 23, 30, ALL_DAYS, "chain", "2031-04-07T03:30:00Z" },
	{ "America/Sao_Paulo", 0, 0, ALL_DAYS, "2018-11-03T12:00:00Z", "2018-11-04T03:00:00Z" },
	/* Samoa skipped Friday 2011-12-30 whole: its time fires when the day would have
	 * begun, Saturday 00:00 +14, and Saturday's own time follows as usual */
	{ "Pacific/Apia", 8, 30, ALL_DAYS, "2011-12-29T08:30:00-10:00", "2011-12-30T10:00:00Z" },
	{ "Pacific/Apia", 8, 30, ALL_DAYS, "chain", "2011-12-30T18:30:00Z" },
	/* Moncton fell back at 00:01 to 23:01 the day before (1993-10-31 03:01Z): Sunday
	 * 00:00 came once at 03:00Z; seen from the repeated Saturday evening it has passed */
	{ "America/Moncton", 0, 0, ALL_DAYS, "1993-10-30T12:00:00Z", "1993-10-31T03:00:00Z" },
	{ "America/Moncton", 0, 0, ALL_DAYS, "chain", "1993-11-01T04:00:00Z" },
	{ "America/Moncton", 0, 0, SUN, "1993-10-30T23:30:00-04:00", "1993-11-07T04:00:00Z" },
	{ "America/Moncton", 0, 30, ALL_DAYS, "1993-04-03T12:00:00Z", "1993-04-04T04:01:00Z" },
	/* Kwajalein went from +11 to -12 (1969-09-30 13:00Z), living Tuesday twice, and
	 * skipped Saturday 1993-08-21 going back */
	{ "Pacific/Kwajalein", 8, 30, ALL_DAYS, "1969-09-29T08:30:00+11:00", "1969-09-29T21:30:00Z" },
	{ "Pacific/Kwajalein", 8, 30, ALL_DAYS, "chain", "1969-10-01T20:30:00Z" },
	{ "Pacific/Kwajalein", 8, 30, SAT, "1993-08-20T12:00:00-12:00", "1993-08-21T12:00:00Z" },

	/* refusals, and the edges of the supported years */
	{ "Europe/Berlin", 8, 30, 0, "2031-03-10T12:00:00Z", "!" },
	{ "Europe/Berlin", 8, 30, 0x80, "2031-03-10T12:00:00Z", "!" },
	{ "Nowhere/Zone", 8, 30, ALL_DAYS, "2031-03-10T12:00:00Z", "!" },
	{ NULL, 8, 30, ALL_DAYS, "2031-03-10T12:00:00Z", "!" },
	{ "", 8, 30, ALL_DAYS, "2031-03-10T12:00:00Z", "!" },
	{ "Europe/Berlin", 24, 0, ALL_DAYS, "2031-03-10T12:00:00Z", "!" },
	{ "Europe/Berlin", -1, 0, ALL_DAYS, "2031-03-10T12:00:00Z", "!" },
	{ "Europe/Berlin", 8, 60, ALL_DAYS, "2031-03-10T12:00:00Z", "!" },
	{ "Europe/Berlin", 8, -1, ALL_DAYS, "2031-03-10T12:00:00Z", "!" },
	{ "UTC", 8, 30, ALL_DAYS, "2199-12-31T00:00:00Z", "2199-12-31T08:30:00Z" },
	{ "UTC", 8, 30, ALL_DAYS, "2199-12-31T12:00:00Z", "!" }, /* the answer is in 2200 */
	{ "UTC", 8, 30, ALL_DAYS, "1899-12-31T23:59:59Z", "!" },
	{ "UTC", 8, 30, ALL_DAYS, "1900-01-01T00:00:00Z", "1900-01-01T08:30:00Z" },
};
/* clang-format on */

/* A row's AFTER; "chain" is the answer of the row above. */
static time_t row_after(const struct next_case *c)
{
	if (strcmp(c->after, "chain") != 0)
		return parse_iso(c->after);
	if (c == next_cases)
		fail_msg("the first row cannot chain");
	return parse_iso(c[-1].want);
}

static void test_next(void **state)
{
	const struct next_case *c = *state;
	time_t after = row_after(c), out = 12345;
	char got[64] = "!";
	int rc = tz_next_local(c->zone, c->hour, c->minute, c->days, after, &out);

	if (rc == TZ_OK)
		fmt_utc(out, got, sizeof got);
	else if (out != 12345)
		snprintf(got, sizeof got, "! but *out written");
	if (strcmp(got, c->want) != 0 || (rc != TZ_OK && rc != TZ_EINVAL)) {
		char in[64];

		fmt_utc(after, in, sizeof in);
		print_error("tz_next_local(%s, %02d:%02d, days 0x%02x, after %s = %s)\n"
			    "  expected %s\n  actual   %s (rc %d)\n",
			    c->zone ? c->zone : "NULL", c->hour, c->minute, c->days, c->after, in,
			    c->want, got, rc);
		fail();
	}
}

/* ---- a year of chained calls ---- */

/* T's wall clock in ZONE as seconds on a UTC-like scale, so that local times compare. */
static long long wall(const char *zone, time_t t)
{
	struct tz_local lt;

	assert_int_equal(tz_from_utc(zone, t, &lt, NULL), TZ_OK);
	return (long long)tz_timegm(&lt);
}

/* "2031-03-30 02:30:00" for a wall clock W. */
static void fmt_wall(long long w, char *buf, size_t len)
{
	fmt_utc((time_t)w, buf, len);
	buf[10] = ' ';
	buf[19] = '\0';
}

struct year_case {
	const char *zone;
	int hour, minute;
	const char *start; /* first AFTER: a minute before the first day */
	int gaps, overlaps; /* days on which the time does not exist / exists twice */
};

/* clang-format off */
static const struct year_case year_cases[] = {
	{ "Europe/Berlin", 2, 30, "2030-12-31T23:59:00+01:00", 1, 1 },
	{ "Europe/Berlin", 8, 30, "2030-12-31T23:59:00+01:00", 0, 0 },
	{ "America/New_York", 1, 30, "2030-12-31T23:59:00-05:00", 0, 1 },
	{ "America/New_York", 2, 30, "2030-12-31T23:59:00-05:00", 1, 0 },
	{ "Australia/Sydney", 2, 30, "2030-12-31T23:59:00+11:00", 1, 1 },
	{ "America/Havana", 0, 0, "2030-12-31T23:59:00-05:00", 1, 1 },
	{ "America/Santiago", 23, 30, "2030-12-31T23:59:00-03:00", 0, 1 },
	{ "Asia/Kolkata", 8, 30, "2030-12-31T23:59:00+05:30", 0, 0 },
	{ "Pacific/Kiritimati", 0, 0, "2030-12-31T23:59:00+14:00", 0, 0 },
	{ "Pacific/Pago_Pago", 23, 59, "2030-12-31T23:59:00-11:00", 0, 0 },
	{ "UTC", 0, 0, "2030-12-31T23:59:00Z", 0, 0 },
};
/* clang-format on */

/* 400 days in a row: each answer is the next local day at HOUR:MINUTE, or on a gap day
 * the first instant past it; on an overlap day the earlier of the two readings. */
static void test_year(void **state)
{
	const struct year_case *c = *state;
	time_t t = parse_iso(c->start), n;
	long long day = wall(c->zone, t) / 86400;
	int i, gaps = 0, overlaps = 0;

	for (i = 0; i < 400; i++, t = n) {
		long long l = (++day * 24 + c->hour) * 3600 + c->minute * 60;
		struct tz_local want;
		time_t u;
		int rc;

		rc = tz_next_local(c->zone, c->hour, c->minute, ALL_DAYS, t, &n);
		assert_int_equal(rc, TZ_OK);
		assert_int_equal(tz_from_utc("UTC", (time_t)l, &want, NULL), TZ_OK);
		rc = tz_to_utc(c->zone, &want, &u, NULL, 0);
		/* the first instant at which the wall clock reads WANT or later */
		if (n <= t || wall(c->zone, n - 1) >= l || wall(c->zone, n) < l ||
		    (rc != TZ_EGAP && wall(c->zone, n) != l)) {
			char in[32], got[32], w[32], r[32];

			fmt_utc(t, in, sizeof in);
			fmt_utc(n, got, sizeof got);
			fmt_wall(l, w, sizeof w);
			fmt_wall(wall(c->zone, n), r, sizeof r);
			print_error("%s %02d:%02d every day, call %d after %s\n"
				    "  expected the first instant reading %s or later\n"
				    "  actual   %s, reading %s\n",
				    c->zone, c->hour, c->minute, i + 1, in, w, got, r);
			fail();
		}
		gaps += rc == TZ_EGAP;
		overlaps += rc == TZ_EOVERLAP;
		/* the earlier reading: no instant in the three hours before reads WANT */
		for (u = n - 3 * 3600; rc == TZ_EOVERLAP && u < n; u += 60)
			assert_true(wall(c->zone, u) != l);
	}
	assert_int_equal(gaps, c->gaps);
	assert_int_equal(overlaps, c->overlaps);
}

/* Berlin's working-day digest chained through 2031: every working day once, 08:30 local. */
static void test_working_days(void **state)
{
	const char *zone = "Europe/Berlin";
	time_t t = parse_iso("2030-12-31T23:59:00+01:00"), n;
	time_t end = parse_iso("2032-01-01T00:00:00+01:00");
	long long prev = wall(zone, t) / 86400;
	int count = 0;

	(void)state;
	while (tz_next_local(zone, 8, 30, MON_FRI, t, &n) == TZ_OK && n < end) {
		struct tz_local lt;
		long long day;

		assert_int_equal(tz_from_utc(zone, n, &lt, NULL), TZ_OK);
		day = wall(zone, n) / 86400;
		assert_true(lt.wday >= 1 && lt.wday <= 5);
		assert_int_equal(lt.hour * 60 + lt.min, 8 * 60 + 30);
		assert_int_equal(lt.sec, 0);
		assert_int_equal(day - prev, lt.wday == 1 ? 3 : 1);
		prev = day;
		t = n;
		count++;
	}
	assert_int_equal(count, 261); /* 2031 has 261 days Monday to Friday */
}

/* ---- the runner: one cmocka test per table row ---- */

struct group {
	const char *name;
	CMUnitTestFunction fn;
	const void *rows;
	size_t size, count;
};

int main(void)
{
	const struct group groups[] = {
		{ "next", test_next, next_cases, sizeof next_cases[0], ARRAY_LEN(next_cases) },
		{ "year", test_year, year_cases, sizeof year_cases[0], ARRAY_LEN(year_cases) },
	};
	const struct CMUnitTest singles[] = {
		cmocka_unit_test(test_working_days),
	};
	struct CMUnitTest *tests;
	char (*names)[48];
	size_t g, i, n = ARRAY_LEN(singles);
	int failed;

	tz_init();
	for (g = 0; g < ARRAY_LEN(groups); g++)
		n += groups[g].count;
	tests = calloc(n, sizeof *tests);
	names = calloc(n, sizeof *names);
	assert_non_null(tests);
	assert_non_null(names);
	n = 0;
	for (g = 0; g < ARRAY_LEN(groups); g++) {
		for (i = 0; i < groups[g].count; i++, n++) {
			snprintf(names[n], sizeof names[n], "%s #%zu", groups[g].name, i + 1);
			tests[n].name = names[n];
			tests[n].test_func = groups[g].fn;
			tests[n].initial_state =
				(void *)((const char *)groups[g].rows + i * groups[g].size);
		}
	}
	for (i = 0; i < ARRAY_LEN(singles); i++)
		tests[n++] = singles[i];
	failed = _cmocka_run_group_tests("tznext", tests, n, NULL, NULL);
	free(tests);
	free(names);
	return failed;
}
