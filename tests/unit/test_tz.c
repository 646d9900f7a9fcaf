/* Unit tests for lib/tz: each table row is one case; a failing row prints its input, the
 * expected and the actual value. DST dates checked against glibc's zoneinfo (`TZ=... date`):
 *   Europe/Berlin     2031: Mar 30 02:00->03:00, Oct 26 03:00->02:00; 2032: Mar 28, Oct 31
 *   America/New_York  2031: Mar 9 02:00->03:00, Nov 2 02:00->01:00;   2032: Mar 14, Nov 7
 *   Australia/Sydney  2031: Apr 6 03:00->02:00, Oct 5 02:00->03:00 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tz.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* "2031-03-10T13:00:00Z" for T. */
static void fmt_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- tz_to_utc ---- */

struct to_utc_case {
	const char *zone;
	struct tz_local lt;
	int rc;
	const char *want; /* TZ_OK: the UTC instant; otherwise a substring of the error */
};

/* clang-format off */
static const struct to_utc_case to_utc_cases[] = {
	/* plain winter and summer times */
	{ "Europe/Berlin", { 2031, 3, 10, 14, 0, 0, 0 }, TZ_OK, "2031-03-10T13:00:00Z" },
	{ "Europe/Berlin", { 2031, 7, 1, 9, 0, 0, 0 }, TZ_OK, "2031-07-01T07:00:00Z" },
	{ "Europe/Berlin", { 2031, 12, 31, 23, 59, 59, 0 }, TZ_OK, "2031-12-31T22:59:59Z" },
	{ "America/New_York", { 2031, 1, 15, 9, 0, 0, 0 }, TZ_OK, "2031-01-15T14:00:00Z" },
	{ "America/New_York", { 2031, 7, 15, 9, 0, 0, 0 }, TZ_OK, "2031-07-15T13:00:00Z" },
	{ "Australia/Sydney", { 2031, 1, 15, 9, 0, 0, 0 }, TZ_OK, "2031-01-14T22:00:00Z" },
	{ "Australia/Sydney", { 2031, 7, 15, 9, 0, 0, 0 }, TZ_OK, "2031-07-14T23:00:00Z" },
	{ "Asia/Kolkata", { 2031, 3, 10, 14, 0, 0, 0 }, TZ_OK, "2031-03-10T08:30:00Z" },
	{ "Asia/Kolkata", { 2031, 3, 10, 0, 0, 0, 0 }, TZ_OK, "2031-03-09T18:30:00Z" },
	{ "UTC", { 2031, 3, 30, 2, 30, 0, 0 }, TZ_OK, "2031-03-30T02:30:00Z" },
	{ "Etc/UTC", { 2031, 10, 26, 2, 30, 0, 0 }, TZ_OK, "2031-10-26T02:30:00Z" },
	{ "GMT", { 2032, 2, 29, 12, 0, 0, 0 }, TZ_OK, "2032-02-29T12:00:00Z" },
	{ "US/Eastern", { 2031, 7, 15, 9, 0, 0, 0 }, TZ_OK, "2031-07-15T13:00:00Z" },
	/* the edges of Berlin's spring gap 2031-03-30 02:00-03:00 */
	{ "Europe/Berlin", { 2031, 3, 30, 1, 59, 59, 0 }, TZ_OK, "2031-03-30T00:59:59Z" },
	{ "Europe/Berlin", { 2031, 3, 30, 2, 0, 0, 0 }, TZ_EGAP, "2031-03-30 02:00 does not exist" },
	{ "Europe/Berlin", { 2031, 3, 30, 2, 30, 0, 0 }, TZ_EGAP,
	  "2031-03-30 02:30 does not exist in Europe/Berlin (clocks go from 02:00 to 03:00); "
	  "write 01:30 (+01:00) or 03:30 (+02:00)" },
	{ "Europe/Berlin", { 2031, 3, 30, 2, 59, 59, 0 }, TZ_EGAP, "02:59:59 does not exist" },
	{ "Europe/Berlin", { 2031, 3, 30, 3, 0, 0, 0 }, TZ_OK, "2031-03-30T01:00:00Z" },
	/* the edges of Berlin's autumn overlap 2031-10-26 02:00-03:00 */
	{ "Europe/Berlin", { 2031, 10, 26, 1, 59, 59, 0 }, TZ_OK, "2031-10-25T23:59:59Z" },
	{ "Europe/Berlin", { 2031, 10, 26, 2, 0, 0, 0 }, TZ_EOVERLAP, "2031-10-26 02:00 happens twice" },
	{ "Europe/Berlin", { 2031, 10, 26, 2, 30, 0, 0 }, TZ_EOVERLAP,
	  "2031-10-26 02:30 happens twice in Europe/Berlin (clocks go back from 03:00 to 02:00); "
	  "write 2031-10-26T02:30+02:00 or 2031-10-26T02:30+01:00" },
	{ "Europe/Berlin", { 2031, 10, 26, 2, 30, 15, 0 }, TZ_EOVERLAP,
	  "write 2031-10-26T02:30:15+02:00 or 2031-10-26T02:30:15+01:00" },
	{ "Europe/Berlin", { 2031, 10, 26, 3, 0, 0, 0 }, TZ_OK, "2031-10-26T02:00:00Z" },
	/* 2032 */
	{ "Europe/Berlin", { 2032, 3, 28, 2, 15, 0, 0 }, TZ_EGAP, "2032-03-28 02:15 does not exist" },
	{ "Europe/Berlin", { 2032, 10, 31, 2, 15, 0, 0 }, TZ_EOVERLAP, "2032-10-31 02:15 happens twice" },
	/* New York */
	{ "America/New_York", { 2031, 3, 9, 1, 59, 0, 0 }, TZ_OK, "2031-03-09T06:59:00Z" },
	{ "America/New_York", { 2031, 3, 9, 2, 30, 0, 0 }, TZ_EGAP,
	  "2031-03-09 02:30 does not exist in America/New_York (clocks go from 02:00 to 03:00); "
	  "write 01:30 (-05:00) or 03:30 (-04:00)" },
	{ "America/New_York", { 2031, 3, 9, 3, 0, 0, 0 }, TZ_OK, "2031-03-09T07:00:00Z" },
	{ "America/New_York", { 2031, 11, 2, 0, 59, 0, 0 }, TZ_OK, "2031-11-02T04:59:00Z" },
	{ "America/New_York", { 2031, 11, 2, 1, 30, 0, 0 }, TZ_EOVERLAP,
	  "2031-11-02 01:30 happens twice in America/New_York (clocks go back from 02:00 to 01:00); "
	  "write 2031-11-02T01:30-04:00 or 2031-11-02T01:30-05:00" },
	{ "America/New_York", { 2031, 11, 2, 2, 0, 0, 0 }, TZ_OK, "2031-11-02T07:00:00Z" },
	{ "America/New_York", { 2032, 3, 14, 2, 30, 0, 0 }, TZ_EGAP, "does not exist in America/New_York" },
	{ "America/New_York", { 2032, 11, 7, 1, 30, 0, 0 }, TZ_EOVERLAP, "happens twice in America/New_York" },
	/* southern hemisphere: Sydney goes back in April and forward in October */
	{ "Australia/Sydney", { 2031, 4, 6, 2, 30, 0, 0 }, TZ_EOVERLAP,
	  "2031-04-06 02:30 happens twice in Australia/Sydney (clocks go back from 03:00 to 02:00); "
	  "write 2031-04-06T02:30+11:00 or 2031-04-06T02:30+10:00" },
	{ "Australia/Sydney", { 2031, 10, 5, 2, 30, 0, 0 }, TZ_EGAP,
	  "2031-10-05 02:30 does not exist in Australia/Sydney (clocks go from 02:00 to 03:00); "
	  "write 01:30 (+10:00) or 03:30 (+11:00)" },
	/* odd transitions: half an hour, at midnight, a whole day */
	{ "Australia/Lord_Howe", { 2031, 10, 5, 2, 15, 0, 0 }, TZ_EGAP,
	  "(clocks go from 02:00 to 02:30); write 01:45 (+10:30) or 02:45 (+11:00)" },
	{ "Australia/Lord_Howe", { 2031, 4, 6, 1, 45, 0, 0 }, TZ_EOVERLAP,
	  "(clocks go back from 02:00 to 01:30); write 2031-04-06T01:45+11:00 or 2031-04-06T01:45+10:30" },
	{ "America/Santiago", { 2031, 9, 7, 0, 30, 0, 0 }, TZ_EGAP,
	  "(clocks go from 00:00 to 01:00); write 2031-09-06 23:30 (-04:00) or 01:30 (-03:00)" },
	{ "Pacific/Apia", { 2011, 12, 30, 12, 0, 0, 0 }, TZ_EGAP,
	  "2011-12-30 12:00 does not exist in Pacific/Apia (clocks go from 2011-12-30 00:00 to "
	  "2011-12-31 00:00); write 2011-12-29 12:00 (-10:00) or 2011-12-31 12:00 (+14:00)" },
	/* refusals */
	{ "Mars/Olympus_Mons", { 2031, 3, 10, 14, 0, 0, 0 }, TZ_EINVAL, "unknown time zone \"Mars/Olympus_Mons\"" },
	{ "europe/berlin", { 2031, 3, 10, 14, 0, 0, 0 }, TZ_EINVAL, "unknown time zone" },
	{ "../../../etc/passwd", { 2031, 3, 10, 14, 0, 0, 0 }, TZ_EINVAL, "unknown time zone" },
	{ "Europe/Berlin", { 2031, 2, 29, 10, 0, 0, 0 }, TZ_EINVAL, "2031-02-29 10:00:00 is not a valid" },
	{ "Europe/Berlin", { 2031, 13, 1, 10, 0, 0, 0 }, TZ_EINVAL, "is not a valid date and time" },
	{ "Europe/Berlin", { 2031, 0, 1, 10, 0, 0, 0 }, TZ_EINVAL, "is not a valid date and time" },
	{ "Europe/Berlin", { 2031, 4, 31, 10, 0, 0, 0 }, TZ_EINVAL, "is not a valid date and time" },
	{ "Europe/Berlin", { 2031, 3, 0, 10, 0, 0, 0 }, TZ_EINVAL, "is not a valid date and time" },
	{ "Europe/Berlin", { 2031, 3, 10, 24, 0, 0, 0 }, TZ_EINVAL, "is not a valid date and time" },
	{ "Europe/Berlin", { 2031, 3, 10, 12, 60, 0, 0 }, TZ_EINVAL, "is not a valid date and time" },
	{ "Europe/Berlin", { 2031, 3, 10, 12, 0, 60, 0 }, TZ_EINVAL, "is not a valid date and time" },
	{ "Europe/Berlin", { 2031, 3, 10, -1, 0, 0, 0 }, TZ_EINVAL, "is not a valid date and time" },
	{ "Europe/Berlin", { 1899, 12, 31, 12, 0, 0, 0 }, TZ_EINVAL, "the year 1899 is out of range" },
	{ "Europe/Berlin", { 2200, 1, 1, 12, 0, 0, 0 }, TZ_EINVAL, "the year 2200 is out of range" },
	{ "Europe/Berlin", { 2199, 12, 31, 12, 0, 0, 0 }, TZ_OK, "2199-12-31T11:00:00Z" },
};
/* clang-format on */

static void test_to_utc(void **state)
{
	const struct to_utc_case *c = *state;
	char err[512] = "", got[64];
	time_t out = (time_t)-7;
	int rc = tz_to_utc(c->zone, &c->lt, &out, err, sizeof err);

	if (rc == TZ_OK)
		fmt_utc(out, got, sizeof got);
	else
		snprintf(got, sizeof got, "(not written)");
	if (rc != c->rc || (rc == TZ_OK && strcmp(got, c->want) != 0) ||
	    (rc != TZ_OK && (strstr(err, c->want) == NULL || out != (time_t)-7))) {
		print_error("tz_to_utc(%s, %04d-%02d-%02d %02d:%02d:%02d)\n"
			    "  expected %d %s\n  actual   %d %s / %s\n",
			    c->zone, c->lt.year, c->lt.mon, c->lt.day, c->lt.hour, c->lt.min,
			    c->lt.sec, c->rc, c->want, rc, got, err);
		fail();
	}
}

/* ---- tz_from_utc ---- */

struct from_utc_case {
	const char *zone;
	time_t t;
	int rc;
	const char *want; /* "2031-03-10 14:00:00" */
	int offset, wday;
};

/* clang-format off */
static const struct from_utc_case from_utc_cases[] = {
	{ "Europe/Berlin", 1930914000, TZ_OK, "2031-03-10 14:00:00", 3600, 1 },
	{ "UTC", 1930914000, TZ_OK, "2031-03-10 13:00:00", 0, 1 },
	{ "Etc/UTC", 0, TZ_OK, "1970-01-01 00:00:00", 0, 4 },
	{ "UTC", -1, TZ_OK, "1969-12-31 23:59:59", 0, 3 },
	{ "Asia/Kolkata", 1930914000, TZ_OK, "2031-03-10 18:30:00", 19800, 1 },
	{ "America/New_York", 1930914000, TZ_OK, "2031-03-10 09:00:00", -14400, 1 },
	{ "Australia/Sydney", 1930914000, TZ_OK, "2031-03-11 00:00:00", 39600, 2 },
	/* either side of Berlin's jumps: 2031-03-30T01:00Z and 2031-10-26T01:00Z */
	{ "Europe/Berlin", 1932598799, TZ_OK, "2031-03-30 01:59:59", 3600, 0 },
	{ "Europe/Berlin", 1932598800, TZ_OK, "2031-03-30 03:00:00", 7200, 0 },
	{ "Europe/Berlin", 1950742799, TZ_OK, "2031-10-26 02:59:59", 7200, 0 },
	{ "Europe/Berlin", 1950742800, TZ_OK, "2031-10-26 02:00:00", 3600, 0 },
	{ "UTC", 951827696, TZ_OK, "2000-02-29 12:34:56", 0, 2 },
	{ "UTC", 4107542400, TZ_OK, "2100-03-01 00:00:00", 0, 1 },
	{ "UTC", 2147483648, TZ_OK, "2038-01-19 03:14:08", 0, 2 },
	{ "Nowhere/Zone", 0, TZ_EINVAL, NULL, 0, 0 },
	{ NULL, 0, TZ_EINVAL, NULL, 0, 0 },
	{ "", 0, TZ_EINVAL, NULL, 0, 0 },
	{ "UTC", 13574563200, TZ_EINVAL, NULL, 0, 0 }, /* 2400: beyond the supported years */
	{ "UTC", -2208988800, TZ_OK, "1900-01-01 00:00:00", 0, 1 },
	{ "UTC", -2208988801, TZ_EINVAL, NULL, 0, 0 },
	{ "UTC", 7258118399, TZ_OK, "2199-12-31 23:59:59", 0, 2 },
	{ "UTC", 7258118400, TZ_EINVAL, NULL, 0, 0 },
	{ "Europe/Berlin", (time_t)INT64_MAX, TZ_EINVAL, NULL, 0, 0 },
	{ "Europe/Berlin", (time_t)INT64_MIN, TZ_EINVAL, NULL, 0, 0 },
};
/* clang-format on */

static void test_from_utc(void **state)
{
	const struct from_utc_case *c = *state;
	struct tz_local lt = { 0 };
	char got[64] = "(not written)";
	int off = 12345, rc = tz_from_utc(c->zone, c->t, &lt, &off);

	if (rc == TZ_OK)
		snprintf(got, sizeof got, "%04d-%02d-%02d %02d:%02d:%02d", lt.year, lt.mon, lt.day,
			 lt.hour, lt.min, lt.sec);
	if (rc != c->rc || (rc == TZ_OK && (strcmp(got, c->want) != 0 || off != c->offset ||
					    lt.wday != c->wday))) {
		print_error("tz_from_utc(%s, %lld)\n  expected %d %s offset %d wday %d\n"
			    "  actual   %d %s offset %d wday %d\n",
			    c->zone ? c->zone : "NULL", (long long)c->t, c->rc,
			    c->want ? c->want : "-", c->offset, c->wday, rc, got, off, lt.wday);
		fail();
	}
}

/* ---- tz_valid ---- */

struct valid_case {
	const char *name;
	int want;
};

/* clang-format off */
static const struct valid_case valid_cases[] = {
	{ "Europe/Berlin", 1 },	   { "UTC", 1 },	     { "Etc/UTC", 1 },
	{ "GMT", 1 },		   { "America/New_York", 1 }, { "Asia/Kolkata", 1 },
	{ "Australia/Sydney", 1 }, { "US/Eastern", 1 },	     { "America/Argentina/Buenos_Aires", 1 },
	{ "Etc/GMT+5", 1 },	   { "europe/berlin", 0 },    { "Europe/Berlinn", 0 },
	{ "", 0 },		   { NULL, 0 },		     { "../etc/passwd", 0 },
	{ "/etc/localtime", 0 },   { "Europe//Berlin", 0 },   { "Europe/", 0 },
	{ "Europe", 0 },	   { "zone.tab", 0 },	     { "Europe/Berlin ", 0 },
	{ "Local", 0 },
};
/* clang-format on */

static void test_valid(void **state)
{
	const struct valid_case *c = *state;
	int got = tz_valid(c->name);

	if (got != c->want) {
		print_error("tz_valid(\"%s\")\n  expected %d\n  actual   %d\n",
			    c->name ? c->name : "NULL", c->want, got);
		fail();
	}
}

/* ---- tz_days_in_month ---- */

struct dim_case {
	int year, mon, want;
};

/* clang-format off */
static const struct dim_case dim_cases[] = {
	{ 2031, 1, 31 }, { 2031, 2, 28 }, { 2032, 2, 29 }, { 2100, 2, 28 }, { 2000, 2, 29 },
	{ 1900, 2, 28 }, { 2031, 4, 30 }, { 2031, 6, 30 }, { 2031, 9, 30 }, { 2031, 11, 30 },
	{ 2031, 12, 31 }, { 2031, 7, 31 }, { 2031, 8, 31 }, { 2031, 13, 0 }, { 2031, 0, 0 },
};
/* clang-format on */

static void test_days_in_month(void **state)
{
	const struct dim_case *c = *state;
	int got = tz_days_in_month(c->year, c->mon);

	if (got != c->want) {
		print_error("tz_days_in_month(%d, %d)\n  expected %d\n  actual   %d\n", c->year,
			    c->mon, c->want, got);
		fail();
	}
}

/* ---- tz_timegm ---- */

struct timegm_case {
	struct tz_local lt;
	long long want;
};

/* clang-format off */
static const struct timegm_case timegm_cases[] = {
	{ { 1970, 1, 1, 0, 0, 0, 0 }, 0 },
	{ { 2031, 3, 10, 13, 0, 0, 0 }, 1930914000 },
	{ { 2000, 2, 29, 12, 34, 56, 0 }, 951827696 },
	{ { 1969, 12, 31, 23, 59, 59, 0 }, -1 },
	{ { 1900, 1, 1, 0, 0, 0, 0 }, -2208988800 },
	{ { 2400, 2, 29, 0, 0, 0, 0 }, 13574563200 },
	{ { 2038, 1, 19, 3, 14, 8, 0 }, 2147483648 },
	{ { 2100, 3, 1, 0, 0, 0, 0 }, 4107542400 },
	/* out-of-range fields carry over, like timegm */
	{ { 2031, 12, 32, 0, 0, 0, 0 }, 1956528000 }, /* 2032-01-01 */
	{ { 2031, 13, 1, 0, 0, 0, 0 }, 1956528000 },
	{ { 2031, 3, 0, 0, 0, 0, 0 }, 1930003200 },   /* 2031-02-28 */
	{ { 2031, 2, 27, 24, 0, 0, 0 }, 1930003200 },
	{ { 2031, 3, 10, 12, 60, 0, 0 }, 1930914000 },
};
/* clang-format on */

static void test_timegm(void **state)
{
	const struct timegm_case *c = *state;
	long long got = (long long)tz_timegm(&c->lt);

	if (got != c->want) {
		print_error("tz_timegm(%04d-%02d-%02d %02d:%02d:%02d)\n"
			    "  expected %lld\n  actual   %lld\n",
			    c->lt.year, c->lt.mon, c->lt.day, c->lt.hour, c->lt.min, c->lt.sec,
			    c->want, got);
		fail();
	}
}

/* ---- properties ---- */

/* Every instant of a year, read on the wall clock and converted back, is either itself
 * or (in the hour that happens twice) refused as an overlap; never a gap. */
static void test_round_trip(void **state)
{
	static const char *const zones[] = { "Europe/Berlin", "America/New_York",
					     "Australia/Sydney", "Asia/Kolkata", "UTC" };
	size_t i;
	long long t;

	(void)state;
	for (i = 0; i < ARRAY_LEN(zones); i++) {
		int overlaps = 0;

		for (t = 1924992000; t < 1956528000; t += 37 * 60) { /* 2031 */
			struct tz_local lt;
			time_t back = 0;
			char err[256];
			int rc;

			assert_int_equal(tz_from_utc(zones[i], (time_t)t, &lt, NULL), TZ_OK);
			rc = tz_to_utc(zones[i], &lt, &back, err, sizeof err);
			overlaps += rc == TZ_EOVERLAP;
			if (rc == TZ_EOVERLAP)
				continue;
			if (rc != TZ_OK || back != (time_t)t) {
				print_error("%s %lld: round trip gave %d %lld (%s)\n", zones[i], t,
					    rc, (long long)back, err);
				fail();
			}
		}
		/* one hour a year happens twice where there is DST: 60/37 samples, rounded */
		assert_true(strcmp(zones[i], "UTC") == 0 || strcmp(zones[i], "Asia/Kolkata") == 0
				    ? overlaps == 0
				    : overlaps >= 1);
	}
}

static void test_err_optional(void **state)
{
	struct tz_local gap = { 2031, 3, 30, 2, 30, 0, 0 };
	time_t out = 5;

	(void)state;
	assert_int_equal(tz_to_utc("Europe/Berlin", &gap, &out, NULL, 0), TZ_EGAP);
	assert_int_equal(out, 5);
	assert_int_equal(tz_from_utc("Europe/Berlin", 1930914000, &gap, NULL), TZ_OK);
}

/* ---- tz_system_zone ---- */

struct system_case {
	const char *env;  /* NULL: unset */
	const char *want; /* NULL: whatever the machine says, as long as it is valid */
};

/* clang-format off */
static const struct system_case system_cases[] = {
	{ "Europe/Paris", "Europe/Paris" },
	{ ":Asia/Tokyo", "Asia/Tokyo" },
	{ "/usr/share/zoneinfo/America/Chicago", "America/Chicago" },
	{ ":/usr/share/zoneinfo/Australia/Sydney", "Australia/Sydney" },
	{ "Nowhere/Land", NULL },
	{ "CET-1CEST,M3.5.0,M10.5.0/3", NULL },
	{ "", NULL },
	{ NULL, NULL },
};
/* clang-format on */

static void test_system_zone(void **state)
{
	const struct system_case *c = *state;
	const char *saved = getenv("TZ");
	char *keep = saved ? strdup(saved) : NULL;
	char buf[64] = "";

	if (c->env != NULL)
		setenv("TZ", c->env, 1);
	else
		unsetenv("TZ");
	tz_system_zone(buf, sizeof buf);
	if (keep != NULL)
		setenv("TZ", keep, 1);
	else
		unsetenv("TZ");
	free(keep);
	if (!tz_valid(buf) || (c->want != NULL && strcmp(buf, c->want) != 0)) {
		print_error("TZ=%s tz_system_zone\n  expected %s\n  actual   %s\n",
			    c->env ? c->env : "(unset)", c->want ? c->want : "(a valid zone)", buf);
		fail();
	}
}

static void test_system_zone_small_buffer(void **state)
{
	char buf[4];

	(void)state;
	setenv("TZ", "America/Argentina/Buenos_Aires", 1);
	tz_system_zone(buf, sizeof buf);
	unsetenv("TZ");
	assert_true(strlen(buf) < sizeof buf);
}

/* ---- threads: zones first used after tz_init, from several threads at once ---- */

struct thread_case {
	const char *zone;
	time_t t;
	int offset;
};

/* clang-format off */
static const struct thread_case thread_cases[] = {
	{ "Europe/Lisbon", 1930914000, 0 },	    { "Asia/Tokyo", 1930914000, 32400 },
	{ "America/Chicago", 1930914000, -18000 },  { "Africa/Cairo", 1930914000, 7200 },
	{ "America/Sao_Paulo", 1930914000, -10800 }, { "Pacific/Auckland", 1930914000, 46800 },
	{ "Europe/Moscow", 1930914000, 10800 },	    { "America/Los_Angeles", 1930914000, -25200 },
	{ "Etc/GMT-3", 1930914000, 10800 },	    { "Asia/Kathmandu", 1930914000, 20700 },
};
/* clang-format on */

static pthread_barrier_t thread_start;

static void *thread_run(void *arg)
{
	size_t start = (size_t)(uintptr_t)arg, i, bad = 0;
	int k;

	pthread_barrier_wait(&thread_start); /* all first uses at once */
	for (k = 0; k < 200; k++) {
		for (i = 0; i < ARRAY_LEN(thread_cases); i++) {
			const struct thread_case *c =
				&thread_cases[(start + i) % ARRAY_LEN(thread_cases)];
			struct tz_local lt;
			time_t back;
			int off;

			if (tz_from_utc(c->zone, c->t, &lt, &off) != TZ_OK || off != c->offset ||
			    tz_to_utc(c->zone, &lt, &back, NULL, 0) != TZ_OK || back != c->t)
				bad++;
		}
	}
	return (void *)(uintptr_t)bad;
}

static void test_threads(void **state)
{
	pthread_t th[8];
	size_t i;

	(void)state;
	assert_int_equal(pthread_barrier_init(&thread_start, NULL, ARRAY_LEN(th)), 0);
	for (i = 0; i < ARRAY_LEN(th); i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_run, (void *)(uintptr_t)i), 0);
	for (i = 0; i < ARRAY_LEN(th); i++) {
		void *bad;

		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_int_equal((uintptr_t)bad, 0);
	}
	pthread_barrier_destroy(&thread_start);
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
		{ "to_utc", test_to_utc, to_utc_cases, sizeof to_utc_cases[0],
		  ARRAY_LEN(to_utc_cases) },
		{ "from_utc", test_from_utc, from_utc_cases, sizeof from_utc_cases[0],
		  ARRAY_LEN(from_utc_cases) },
		{ "valid", test_valid, valid_cases, sizeof valid_cases[0], ARRAY_LEN(valid_cases) },
		{ "days_in_month", test_days_in_month, dim_cases, sizeof dim_cases[0],
		  ARRAY_LEN(dim_cases) },
		{ "timegm", test_timegm, timegm_cases, sizeof timegm_cases[0],
		  ARRAY_LEN(timegm_cases) },
		{ "system_zone", test_system_zone, system_cases, sizeof system_cases[0],
		  ARRAY_LEN(system_cases) },
	};
	const struct CMUnitTest singles[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_err_optional),
		cmocka_unit_test(test_system_zone_small_buffer),
		cmocka_unit_test(test_threads),
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
	failed = _cmocka_run_group_tests("tz", tests, n, NULL, NULL);
	free(tests);
	free(names);
	return failed;
}
