/* tz: IANA time zones, through libical's zone database.
 * Owns every conversion between a UTC instant (time_t) and a wall-clock time in a
 * named zone, and the detection of local times that do not exist (DST gap) or exist
 * twice (DST overlap): it never guesses, it reports both readings instead.
 * Called by the date parser (commands/when.c), the renderers and the clock.
 * Thread-safe after tz_init(); never writes anything but the caller's buffers. */
#ifndef INTERVIEWD_TZ_H
#define INTERVIEWD_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A wall-clock time: month 1-12, day 1-31, hour 0-23, minute 0-59, second 0-59,
 * weekday 0=Sunday..6=Saturday (filled by tz_from_utc, ignored by tz_to_utc). */
struct tz_local {
	int year, mon, day, hour, min, sec, wday;
};

enum {
	TZ_OK = 0,
	TZ_EINVAL = -1,   /* unknown zone or out-of-range field */
	TZ_EGAP = -2,     /* the local time does not exist in that zone (spring forward) */
	TZ_EOVERLAP = -3, /* the local time exists twice (fall back) */
};

/* Loads libical's zone table once; call from main before any thread starts. No other
 * module may call libical's zone lookup directly: tz.c serialises the lazy loading of
 * zones, which libical does not make thread-safe. Years outside 1900-2199 are refused
 * with TZ_EINVAL by the conversions (libical would expand its rules that far). */
void tz_init(void);

/* 1 if NAME is a known IANA zone name ("Europe/Berlin", "UTC"), else 0. */
int tz_valid(const char *name);

/* The machine's zone from $TZ, /etc/timezone or the /etc/localtime link; "UTC" when
 * none can be read. Writes into BUF. */
void tz_system_zone(char *buf, size_t len);

/* Converts a wall-clock time in ZONE to UTC. On any error ERR says why; on TZ_EGAP
 * and TZ_EOVERLAP
 * which local time, in which zone, and spells out the two possible readings with
 * their UTC offsets, e.g.
 *   "2031-03-30 02:30 does not exist in Europe/Berlin (clocks go from 02:00 to 03:00);
 *    write 01:30 (+01:00) or 03:30 (+02:00)"
 * and never writes *OUT. */
int tz_to_utc(const char *zone, const struct tz_local *lt, time_t *out, char *err, size_t errlen);

/* Converts an instant to the wall-clock time in ZONE; *OFFSET (may be NULL) receives
 * the UTC offset in seconds (east positive). Returns TZ_OK or TZ_EINVAL. */
int tz_from_utc(const char *zone, time_t t, struct tz_local *lt, int *offset);

/* Days in month MON (1-12) of YEAR, leap years included. */
int tz_days_in_month(int year, int mon);

/* UTC instant of a proleptic-Gregorian UTC date-time (like timegm, no TZ state). */
time_t tz_timegm(const struct tz_local *lt);

/* The first instant of the local day YEAR-MON-DAY in ZONE (local midnight, or the
 * first moment after it when midnight falls in a DST gap). Defined in lib/tzday.c. */
time_t tz_day_start(const char *zone, int year, int mon, int day);

/* The first instant strictly after AFTER at which the local wall clock in ZONE reads
 * HOUR:MINUTE on a day whose weekday is in DAYS (bit 0 = Sunday ... bit 6 = Saturday).
 * A time that does not exist that day (DST gap) fires at the first instant after the
 * gap (02:30 on a spring-forward night in Berlin fires at 03:00 CEST, 01:00 UTC); a
 * time that exists twice (fall back) fires at its first occurrence only, never twice.
 * Returns 0, or -1 if DAYS is 0 or ZONE is unknown; also -1 (TZ_EINVAL) when HOUR:MINUTE
 * is not a time of day or AFTER or the answer lies outside 1900-2199. Bits of DAYS above
 * bit 6 are ignored. Writes *OUT only on success. Defined in lib/tzday.c. */
int tz_next_local(const char *zone, int hour, int minute, unsigned days, time_t after,
		  time_t *out);

/* [from, to) of the local day and of the local week (Monday to Monday) around NOW in
 * ZONE. Defined in lib/tzday.c. */
void tz_day_week(const char *zone, time_t now, int64_t day[2], int64_t week[2]);

/* Moves the calendar date of LT by N days (may be negative), leaving the time of day,
 * and fills the weekday. TZ_EINVAL when the result leaves 1900-2199. Defined in
 * lib/tzday.c. */
int tz_add_days(struct tz_local *lt, long long n);

#endif
