/* Unit tests for commands/when: the grammar of "when:" and "duration:" as a table.
 * Each row: what was typed, the typist's zone, NOW (ISO with offset), and the expected
 * UTC instant, or "!" followed by a substring of the expected error.
 * DST dates (checked with `TZ=... date`):
 *   Europe/Berlin     2031: Mar 30 02:00->03:00, Oct 26 03:00->02:00; 2032: Mar 28, Oct 31
 *   America/New_York  2031: Mar 9 02:00->03:00, Nov 2 02:00->01:00;   2032: Mar 14, Nov 7
 *   Australia/Sydney  2031: Apr 6 03:00->02:00, Oct 5 02:00->03:00
 * Weekdays: 2031-03-10 Mon, 2031-01-31 Fri, 2031-12-31 Wed, 2031-03-29 Sat, 2032-02-29 Sun. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands/when.h"
#include "lib/tz.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The NOW most rows use: Monday 2031-03-10 10:00 in Berlin (09:00Z), and the same
 * wall-clock moment in New York (already on summer time) and in Kolkata. */
#define MON    "2031-03-10T10:00:00+01:00"
#define MON_NY "2031-03-10T10:00:00-04:00"
#define MON_IN "2031-03-10T10:00:00+05:30"

struct when_case {
	const char *text, *zone, *now;
	const char *want; /* "2031-03-10T13:00:00Z", or "!" + part of the error */
};

/* clang-format off */
static const struct when_case when_cases[] = {
	/* ISO 8601, with and without an offset */
	{ "2031-03-10 14:00", "Europe/Berlin", MON, "2031-03-10T13:00:00Z" },
	{ "2031-03-10T14:00", "Europe/Berlin", MON, "2031-03-10T13:00:00Z" },
	{ "2031-03-10T14:00:30", "Europe/Berlin", MON, "2031-03-10T13:00:30Z" },
	{ "2031-03-10 14:00:30", "Europe/Berlin", MON, "2031-03-10T13:00:30Z" },
	{ "2031-03-10T14:00Z", "Europe/Berlin", MON, "2031-03-10T14:00:00Z" },
	{ "2031-03-10T14:00:00Z", "Europe/Berlin", MON, "2031-03-10T14:00:00Z" },
	{ "2031-03-10t14:00z", "Europe/Berlin", MON, "2031-03-10T14:00:00Z" },
	{ "2031-03-10 14:00 Z", "Europe/Berlin", MON, "2031-03-10T14:00:00Z" },
	{ "2031-03-10T14:00+02:00", "Europe/Berlin", MON, "2031-03-10T12:00:00Z" },
	{ "2031-03-10T14:00+0200", "Europe/Berlin", MON, "2031-03-10T12:00:00Z" },
	{ "2031-03-10T14:00+02", "Europe/Berlin", MON, "2031-03-10T12:00:00Z" },
	{ "2031-03-10T14:00-05:00", "Europe/Berlin", MON, "2031-03-10T19:00:00Z" },
	{ "2031-03-10 14:00 +05:30", "Europe/Berlin", MON, "2031-03-10T08:30:00Z" },
	{ "2031-03-10 14:00-03:00", "Europe/Berlin", MON, "2031-03-10T17:00:00Z" },
	{ "2031-03-10T23:30-03:00", "Europe/Berlin", MON, "2031-03-11T02:30:00Z" },
	{ "2031-03-10T00:30+05:30", "Europe/Berlin", MON, "2031-03-09T19:00:00Z" },
	{ "2031-03-10 at 2pm", "Europe/Berlin", MON, "2031-03-10T13:00:00Z" },
	{ "2031-03-10 2:30 pm", "Europe/Berlin", MON, "2031-03-10T13:30:00Z" },
	{ "2031-07-01 09:00", "Europe/Berlin", MON, "2031-07-01T07:00:00Z" },
	{ "2031-3-9 14:00", "Europe/Berlin", MON, "2031-03-09T13:00:00Z" },
	{ "2032-02-29 10:00", "Europe/Berlin", MON, "2032-02-29T09:00:00Z" },
	{ "2031-03-10T14:00+15:00", "Europe/Berlin", MON, "!the offset \"+15:00\" is out of range" },
	{ "2031-03-10T14:00+02:60", "Europe/Berlin", MON, "!cannot read" },
	{ "2031-03-10", "Europe/Berlin", MON,
	  "!\"2031-03-10\" has no time; give a time as well, e.g. \"2031-03-10 14:00\"" },
	{ "2031-02-29 10:00", "Europe/Berlin", MON, "!there is no February 29 in 2031" },
	{ "2031-13-01 10:00", "Europe/Berlin", MON, "!there is no month 13" },
	{ "2031-00-10 10:00", "Europe/Berlin", MON, "!there is no month 0" },
	{ "2031-04-31 10:00", "Europe/Berlin", MON, "!there is no April 31" },
	{ "2031-03-00 10:00", "Europe/Berlin", MON, "!there is no March 0" },
	{ "2031-03-10T", "Europe/Berlin", MON, "!cannot read \"2031-03-10T\" as a date and time" },
	{ "2031-03-10T25:00", "Europe/Berlin", MON, "!the hour must be 0 to 23" },
	{ "2031-03-10 14:00 extra", "Europe/Berlin", MON, "!cannot read" },
	{ "20310310T1400", "Europe/Berlin", MON, "!cannot read" },
	{ "2031-03-10T14:00:00.000Z", "Europe/Berlin", MON, "!cannot read" },
	{ "2031-03-10 14:00 +02:00 +03:00", "Europe/Berlin", MON, "!cannot read" },
	{ "1850-03-10 14:00", "Europe/Berlin", MON, "!the year 1850 is out of range" },

	/* a time alone is today in ZONE, past or not */
	{ "3pm", "Europe/Berlin", MON, "2031-03-10T14:00:00Z" },
	{ "15:00", "Europe/Berlin", MON, "2031-03-10T14:00:00Z" },
	{ "9:05", "Europe/Berlin", MON, "2031-03-10T08:05:00Z" },
	{ "2pm", "Europe/Berlin", MON, "2031-03-10T13:00:00Z" },
	{ "2:30pm", "Europe/Berlin", MON, "2031-03-10T13:30:00Z" },
	{ "2 pm", "Europe/Berlin", MON, "2031-03-10T13:00:00Z" },
	{ "2:30 p.m.", "Europe/Berlin", MON, "2031-03-10T13:30:00Z" },
	{ "2:30 P.M.", "Europe/Berlin", MON, "2031-03-10T13:30:00Z" },
	{ "11 a.m.", "Europe/Berlin", MON, "2031-03-10T10:00:00Z" },
	{ "11am", "Europe/Berlin", MON, "2031-03-10T10:00:00Z" },
	{ "9AM", "Europe/Berlin", MON, "2031-03-10T08:00:00Z" },
	{ "12am", "Europe/Berlin", MON, "2031-03-09T23:00:00Z" },
	{ "12pm", "Europe/Berlin", MON, "2031-03-10T11:00:00Z" },
	{ "12:30am", "Europe/Berlin", MON, "2031-03-09T23:30:00Z" },
	{ "12:30pm", "Europe/Berlin", MON, "2031-03-10T11:30:00Z" },
	{ "noon", "Europe/Berlin", MON, "2031-03-10T11:00:00Z" },
	{ "NOON", "Europe/Berlin", MON, "2031-03-10T11:00:00Z" },
	{ "midnight", "Europe/Berlin", MON, "2031-03-09T23:00:00Z" },
	{ "at 3pm", "Europe/Berlin", MON, "2031-03-10T14:00:00Z" },
	{ "00:00", "Europe/Berlin", MON, "2031-03-09T23:00:00Z" },
	{ "23:59", "Europe/Berlin", MON, "2031-03-10T22:59:00Z" },
	{ "14:00:45", "Europe/Berlin", MON, "2031-03-10T13:00:45Z" },
	{ "13pm", "Europe/Berlin", MON, "!\"13pm\": with am/pm the hour is 1 to 12" },
	{ "0am", "Europe/Berlin", MON, "!\"0am\": with am/pm the hour is 1 to 12 (midnight is 12am" },
	{ "0pm", "Europe/Berlin", MON, "!with am/pm the hour is 1 to 12" },
	{ "14:00pm", "Europe/Berlin", MON, "!with am/pm the hour is 1 to 12" },
	{ "24:00", "Europe/Berlin", MON, "!\"24:00\": use 00:00 of the next day, e.g. \"tomorrow 00:00\"" },
	{ "tomorrow 13pm", "Europe/Berlin", MON, "!\"13pm\": with am/pm the hour is 1 to 12" },
	{ "tomorrow 13 pm", "Europe/Berlin", MON, "!\"13 pm\": with am/pm the hour is 1 to 12" },
	{ "2031-03-10T24:00", "Europe/Berlin", MON, "!\"24:00\": use 00:00 of the next day" },
	{ "14:60", "Europe/Berlin", MON, "!\"14:60\": the minutes must be 0 to 59" },
	{ "12:60pm", "Europe/Berlin", MON, "!the minutes must be 0 to 59" },
	{ "25:00", "Europe/Berlin", MON, "!\"25:00\": the hour must be 0 to 23" },
	{ "14:00:60", "Europe/Berlin", MON, "!the seconds must be 0 to 59" },
	{ "9:5", "Europe/Berlin", MON, "!cannot read \"9:5\"" },
	{ "14", "Europe/Berlin", MON, "!cannot read" },
	{ "1400", "Europe/Berlin", MON, "!cannot read" },
	{ "at", "Europe/Berlin", MON, "!cannot read" },
	{ "at at 3pm", "Europe/Berlin", MON, "!cannot read" },
	{ "9am am", "Europe/Berlin", MON, "!cannot read" },
	{ "", "Europe/Berlin", MON,
	  "!cannot read \"\" as a date and time; try \"2031-03-10 14:00\", \"tomorrow 2pm\", \"mon 10:30\", "
	  "\"next friday 9am\", \"in 2 days 15:00\" or \"oct 20 14:00\"" },
	{ "   ", "Europe/Berlin", MON, "!cannot read \"\"" },

	/* today, tomorrow, yesterday */
	{ "today 15:00", "Europe/Berlin", MON, "2031-03-10T14:00:00Z" },
	{ "tomorrow 9am", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "yesterday 9am", "Europe/Berlin", MON, "2031-03-09T08:00:00Z" },
	{ "tomorrow at 9am", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "TOMORROW 9AM", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "  tomorrow   9am  ", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "tomorrow\t9am", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "9am tomorrow", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "tomorrow noon", "Europe/Berlin", MON, "2031-03-11T11:00:00Z" },
	{ "tomorrow midnight", "Europe/Berlin", MON, "2031-03-10T23:00:00Z" },
	{ "tomorrow 12am", "Europe/Berlin", MON, "2031-03-10T23:00:00Z" },
	{ "tomorrow", "Europe/Berlin", MON, "!\"tomorrow\" has no time; give a time as well, e.g. \"tomorrow 14:00\"" },
	{ "today", "Europe/Berlin", MON, "!has no time" },
	{ "tommorow 9am", "Europe/Berlin", MON, "!cannot read \"tommorow 9am\"" },
	{ "tomorrow tomorrow 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "tomorrow 9am 10am", "Europe/Berlin", MON, "!cannot read" },

	/* weekdays: NOW is Monday 10:00 */
	{ "mon 10:30", "Europe/Berlin", MON, "2031-03-10T09:30:00Z" },
	{ "mon 9am", "Europe/Berlin", MON, "2031-03-17T08:00:00Z" },
	{ "mon 10:00", "Europe/Berlin", MON, "2031-03-17T09:00:00Z" },
	{ "monday 11am", "Europe/Berlin", MON, "2031-03-10T10:00:00Z" },
	{ "this monday 11am", "Europe/Berlin", MON, "2031-03-10T10:00:00Z" },
	{ "this mon 9am", "Europe/Berlin", MON, "2031-03-17T08:00:00Z" },
	{ "next monday 11am", "Europe/Berlin", MON, "2031-03-17T10:00:00Z" },
	{ "next mon 9am", "Europe/Berlin", MON, "2031-03-17T08:00:00Z" },
	{ "tue 9am", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "tues 9am", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "tuesday 9am", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "next tuesday 9am", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "wed 14:00", "Europe/Berlin", MON, "2031-03-12T13:00:00Z" },
	{ "wednesday 2pm", "Europe/Berlin", MON, "2031-03-12T13:00:00Z" },
	{ "thu 9am", "Europe/Berlin", MON, "2031-03-13T08:00:00Z" },
	{ "thur 9am", "Europe/Berlin", MON, "2031-03-13T08:00:00Z" },
	{ "thurs 9am", "Europe/Berlin", MON, "2031-03-13T08:00:00Z" },
	{ "thursday 9am", "Europe/Berlin", MON, "2031-03-13T08:00:00Z" },
	{ "fri 9am", "Europe/Berlin", MON, "2031-03-14T08:00:00Z" },
	{ "fri. 9am", "Europe/Berlin", MON, "2031-03-14T08:00:00Z" },
	{ "friday 9am", "Europe/Berlin", MON, "2031-03-14T08:00:00Z" },
	{ "next friday 9am", "Europe/Berlin", MON, "2031-03-14T08:00:00Z" },
	{ "Next Friday 9AM", "Europe/Berlin", MON, "2031-03-14T08:00:00Z" },
	{ "sat 10:00", "Europe/Berlin", MON, "2031-03-15T09:00:00Z" },
	{ "saturday 10:00", "Europe/Berlin", MON, "2031-03-15T09:00:00Z" },
	{ "sun 10:00", "Europe/Berlin", MON, "2031-03-16T09:00:00Z" },
	{ "sunday 10:00", "Europe/Berlin", MON, "2031-03-16T09:00:00Z" },
	{ "next sunday 10am", "Europe/Berlin", MON, "2031-03-16T09:00:00Z" },
	{ "on friday at 3pm", "Europe/Berlin", MON, "2031-03-14T14:00:00Z" },
	{ "on on friday 3pm", "Europe/Berlin", MON, "!cannot read" },
	{ "on 3pm", "Europe/Berlin", MON, "!cannot read" },
	{ "3pm fri", "Europe/Berlin", MON, "2031-03-14T14:00:00Z" },
	{ "3pm on fri", "Europe/Berlin", MON, "2031-03-14T14:00:00Z" },
	{ "friday", "Europe/Berlin", MON, "!\"friday\" has no time; give a time as well, e.g. \"friday 14:00\"" },
	{ "next", "Europe/Berlin", MON, "!cannot read" },
	{ "next week 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "this 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "mon 9am", "Europe/Berlin", "2031-01-31T10:00:00+01:00", "2031-02-03T08:00:00Z" },
	{ "next wed 9am", "Europe/Berlin", "2031-12-31T10:00:00+01:00", "2032-01-07T08:00:00Z" },
	{ "wed 11am", "Europe/Berlin", "2031-12-31T10:00:00+01:00", "2031-12-31T10:00:00Z" },
	{ "wed 9am", "Europe/Berlin", "2031-12-31T10:00:00+01:00", "2032-01-07T08:00:00Z" },
	{ "sun 10:00", "Europe/Berlin", "2031-03-24T10:00:00+01:00", "2031-03-30T08:00:00Z" },
	{ "sun 2:30am", "Europe/Berlin", "2031-03-24T10:00:00+01:00", "!2031-03-30 02:30 does not exist" },
	{ "sun 2:30am", "Europe/Berlin", "2031-10-20T10:00:00+02:00", "!2031-10-26 02:30 happens twice" },

	/* in N days / weeks (a day, time needed) and in N hours / minutes (exact) */
	{ "in 2 days 15:00", "Europe/Berlin", MON, "2031-03-12T14:00:00Z" },
	{ "in 2 days at 3pm", "Europe/Berlin", MON, "2031-03-12T14:00:00Z" },
	{ "in 1 days 9am", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "in 1 day 9am", "Europe/Berlin", MON, "2031-03-11T08:00:00Z" },
	{ "in 1 week 9am", "Europe/Berlin", MON, "2031-03-17T08:00:00Z" },
	{ "in 2 weeks 10:00", "Europe/Berlin", MON, "2031-03-24T09:00:00Z" },
	{ "in 3 weeks 10:00", "Europe/Berlin", MON, "2031-03-31T08:00:00Z" },
	{ "in a day 10am", "Europe/Berlin", MON, "2031-03-11T09:00:00Z" },
	{ "in 100 days 9am", "Europe/Berlin", MON, "2031-06-18T07:00:00Z" },
	{ "9am in 2 days", "Europe/Berlin", MON, "2031-03-12T08:00:00Z" },
	{ "in 3 hours", "Europe/Berlin", MON, "2031-03-10T12:00:00Z" },
	{ "in 1 hour", "Europe/Berlin", MON, "2031-03-10T10:00:00Z" },
	{ "in an hour", "Europe/Berlin", MON, "2031-03-10T10:00:00Z" },
	{ "in 90 minutes", "Europe/Berlin", MON, "2031-03-10T10:30:00Z" },
	{ "in 90 mins", "Europe/Berlin", MON, "2031-03-10T10:30:00Z" },
	{ "in 5 min", "Europe/Berlin", MON, "2031-03-10T09:05:00Z" },
	{ "in 2 hrs", "Europe/Berlin", MON, "2031-03-10T11:00:00Z" },
	{ "in 0 minutes", "Europe/Berlin", MON, "2031-03-10T09:00:00Z" },
	{ "IN 45 MINUTES", "Europe/Berlin", MON, "2031-03-10T09:45:00Z" },
	{ "in 2 days", "Europe/Berlin", MON, "!\"in 2 days\" has no time; give a time as well, e.g. \"in 2 days 14:00\"" },
	{ "in 3 hours 14:00", "Europe/Berlin", MON, "!are already a moment; leave out the time of day" },
	{ "14:00 in 3 hours", "Europe/Berlin", MON, "!are already a moment" },
	{ "in 2 fortnights 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "in two days 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "in -2 days 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "in 9999 weeks 9am", "Europe/Berlin", MON, "!is too far away" },
	{ "in 24 hours", "Europe/Berlin", "2031-03-29T10:00:00+01:00", "2031-03-30T09:00:00Z" },
	{ "in 2 hours", "Europe/Berlin", "2031-03-30T00:30:00+01:00", "2031-03-30T01:30:00Z" },

	/* month names, with and without the year */
	{ "oct 20 14:00", "Europe/Berlin", MON, "2031-10-20T12:00:00Z" },
	{ "october 20 2pm", "Europe/Berlin", MON, "2031-10-20T12:00:00Z" },
	{ "20 oct 14:00", "Europe/Berlin", MON, "2031-10-20T12:00:00Z" },
	{ "oct 20 2031 14:00", "Europe/Berlin", MON, "2031-10-20T12:00:00Z" },
	{ "oct 20, 2031 14:00", "Europe/Berlin", MON, "2031-10-20T12:00:00Z" },
	{ "20 october 2031 9am", "Europe/Berlin", MON, "2031-10-20T07:00:00Z" },
	{ "oct 20th 9am", "Europe/Berlin", MON, "2031-10-20T07:00:00Z" },
	{ "Oct 20TH 9AM", "Europe/Berlin", MON, "2031-10-20T07:00:00Z" },
	{ "on oct 20 at 9am", "Europe/Berlin", MON, "2031-10-20T07:00:00Z" },
	{ "9am oct 20", "Europe/Berlin", MON, "2031-10-20T07:00:00Z" },
	{ "mar 1st 9am", "Europe/Berlin", MON, "2032-03-01T08:00:00Z" },
	{ "apr 2nd 9am", "Europe/Berlin", MON, "2031-04-02T07:00:00Z" },
	{ "apr 3rd 9am", "Europe/Berlin", MON, "2031-04-03T07:00:00Z" },
	{ "mar 10 9am", "Europe/Berlin", MON, "2032-03-10T08:00:00Z" },
	{ "mar 10 11am", "Europe/Berlin", MON, "2031-03-10T10:00:00Z" },
	{ "sept 5 10:00", "Europe/Berlin", MON, "2031-09-05T08:00:00Z" },
	{ "sep 5 10:00", "Europe/Berlin", MON, "2031-09-05T08:00:00Z" },
	{ "september 5 10:00", "Europe/Berlin", MON, "2031-09-05T08:00:00Z" },
	{ "sept. 5 10:00", "Europe/Berlin", MON, "2031-09-05T08:00:00Z" },
	{ "jan 15 9am", "Europe/Berlin", MON, "2032-01-15T08:00:00Z" },
	{ "dec 31 23:00", "Europe/Berlin", MON, "2031-12-31T22:00:00Z" },
	{ "may 5 9am", "Europe/Berlin", MON, "2031-05-05T07:00:00Z" },
	{ "feb 29 9am", "Europe/Berlin", MON, "2032-02-29T08:00:00Z" },
	{ "feb 29 2032 9am", "Europe/Berlin", MON, "2032-02-29T08:00:00Z" },
	{ "feb 29 2031 9am", "Europe/Berlin", MON, "!there is no February 29 in 2031" },
	{ "feb 30 9am", "Europe/Berlin", MON, "!there is no February 30" },
	{ "apr 31 10:00", "Europe/Berlin", MON, "!there is no April 31" },
	{ "oct 32 10:00", "Europe/Berlin", MON, "!there is no October 32" },
	{ "oct 0 10:00", "Europe/Berlin", MON, "!there is no October 0" },
	{ "oct 20", "Europe/Berlin", MON, "!\"oct 20\" has no time; give a time as well, e.g. \"oct 20 14:00\"" },
	{ "oct 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "oct 2031 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "octember 20 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "oct 20 1850 14:00", "Europe/Berlin", MON, "!the year 1850 is out of range" },
	{ "mar 30 2:30am", "Europe/Berlin", MON, "!2031-03-30 02:30 does not exist in Europe/Berlin" },
	{ "oct 26 2:30am", "Europe/Berlin", MON, "!2031-10-26 02:30 happens twice in Europe/Berlin" },

	/* numeric dates with slashes are refused */
	{ "3/10", "Europe/Berlin", MON,
	  "!numeric dates such as \"3/10\" are ambiguous (month/day or day/month?); write 2031-03-10 or \"mar 10\"" },
	{ "3/10 14:00", "Europe/Berlin", MON, "!write 2031-03-10 or \"mar 10\"" },
	{ "10/03/2031 14:00", "Europe/Berlin", MON, "!\"10/03/2031\" are ambiguous" },
	{ "25/12 10:00", "Europe/Berlin", MON, "!write 2031-12-25 or \"dec 25\"" },
	{ "3/10/31 9am", "Europe/Berlin", MON, "!cannot read" },
	{ "13/13 9am", "Europe/Berlin", MON, "!cannot read" },

	/* Berlin's DST changes */
	{ "2031-03-30 02:30", "Europe/Berlin", MON,
	  "!2031-03-30 02:30 does not exist in Europe/Berlin (clocks go from 02:00 to 03:00); write 01:30 "
	  "(+01:00) or 03:30 (+02:00)" },
	{ "2031-03-30 02:00", "Europe/Berlin", MON, "!2031-03-30 02:00 does not exist" },
	{ "2031-03-30 01:59", "Europe/Berlin", MON, "2031-03-30T00:59:00Z" },
	{ "2031-03-30 03:00", "Europe/Berlin", MON, "2031-03-30T01:00:00Z" },
	{ "2031-10-26 02:30", "Europe/Berlin", MON,
	  "!2031-10-26 02:30 happens twice in Europe/Berlin (clocks go back from 03:00 to 02:00); write "
	  "2031-10-26T02:30+02:00 or 2031-10-26T02:30+01:00" },
	{ "2031-10-26 02:00", "Europe/Berlin", MON, "!2031-10-26 02:00 happens twice" },
	{ "2031-10-26 02:59:59", "Europe/Berlin", MON, "!2031-10-26 02:59:59 happens twice" },
	{ "2031-10-26 03:00", "Europe/Berlin", MON, "2031-10-26T02:00:00Z" },
	{ "2031-10-26 01:59", "Europe/Berlin", MON, "2031-10-25T23:59:00Z" },
	{ "2031-10-26T02:30+02:00", "Europe/Berlin", MON, "2031-10-26T00:30:00Z" },
	{ "2031-10-26T02:30+01:00", "Europe/Berlin", MON, "2031-10-26T01:30:00Z" },
	{ "2031-03-30T02:30+01:00", "Europe/Berlin", MON, "2031-03-30T01:30:00Z" },
	{ "tomorrow 2:30am", "Europe/Berlin", "2031-03-29T10:00:00+01:00", "!2031-03-30 02:30 does not exist" },
	{ "tomorrow 9am", "Europe/Berlin", "2031-03-29T10:00:00+01:00", "2031-03-30T07:00:00Z" },
	{ "tomorrow 9am", "Europe/Berlin", "2031-10-25T10:00:00+02:00", "2031-10-26T08:00:00Z" },
	{ "in 1 days 9am", "Europe/Berlin", "2031-03-29T10:00:00+01:00", "2031-03-30T07:00:00Z" },
	{ "today 2:30am", "Europe/Berlin", "2031-10-26T12:00:00+01:00", "!happens twice" },
	{ "2032-03-28 02:15", "Europe/Berlin", MON, "!2032-03-28 02:15 does not exist in Europe/Berlin" },
	{ "2032-10-31 02:15", "Europe/Berlin", MON, "!2032-10-31 02:15 happens twice in Europe/Berlin" },

	/* New York's */
	{ "2031-03-09 02:30", "America/New_York", MON_NY,
	  "!2031-03-09 02:30 does not exist in America/New_York (clocks go from 02:00 to 03:00); write "
	  "01:30 (-05:00) or 03:30 (-04:00)" },
	{ "2031-03-09 01:59", "America/New_York", MON_NY, "2031-03-09T06:59:00Z" },
	{ "2031-03-09 03:00", "America/New_York", MON_NY, "2031-03-09T07:00:00Z" },
	{ "2031-11-02 01:30", "America/New_York", MON_NY,
	  "!2031-11-02 01:30 happens twice in America/New_York (clocks go back from 02:00 to 01:00); "
	  "write 2031-11-02T01:30-04:00 or 2031-11-02T01:30-05:00" },
	{ "2031-11-02 00:59", "America/New_York", MON_NY, "2031-11-02T04:59:00Z" },
	{ "2031-11-02 02:00", "America/New_York", MON_NY, "2031-11-02T07:00:00Z" },
	{ "tomorrow 9am", "America/New_York", "2031-03-08T12:00:00-05:00", "2031-03-09T13:00:00Z" },
	{ "tomorrow 9am", "America/New_York", "2031-11-01T12:00:00-04:00", "2031-11-02T14:00:00Z" },
	{ "tomorrow 2:15am", "America/New_York", "2031-03-08T12:00:00-05:00", "!does not exist in America/New_York" },
	{ "sun 1:30am", "America/New_York", "2031-10-27T10:00:00-04:00", "!happens twice in America/New_York" },
	{ "2032-03-14 02:30", "America/New_York", MON_NY, "!2032-03-14 02:30 does not exist" },
	{ "2032-11-07 01:30", "America/New_York", MON_NY, "!2032-11-07 01:30 happens twice" },
	{ "3pm", "America/New_York", MON_NY, "2031-03-10T19:00:00Z" },

	/* Sydney: summer time from October to April */
	{ "2031-10-05 02:30", "Australia/Sydney", MON,
	  "!2031-10-05 02:30 does not exist in Australia/Sydney (clocks go from 02:00 to 03:00); write "
	  "01:30 (+10:00) or 03:30 (+11:00)" },
	{ "2031-04-06 02:30", "Australia/Sydney", MON,
	  "!2031-04-06 02:30 happens twice in Australia/Sydney (clocks go back from 03:00 to 02:00); "
	  "write 2031-04-06T02:30+11:00 or 2031-04-06T02:30+10:00" },
	{ "2031-01-15 09:00", "Australia/Sydney", MON, "2031-01-14T22:00:00Z" },
	{ "2031-07-15 09:00", "Australia/Sydney", MON, "2031-07-14T23:00:00Z" },
	{ "tomorrow 9am", "Australia/Sydney", "2031-10-04T12:00:00+10:00", "2031-10-04T22:00:00Z" },
	{ "tomorrow 9am", "Australia/Sydney", "2031-04-05T12:00:00+11:00", "2031-04-05T23:00:00Z" },
	{ "oct 5 2:30am", "Australia/Sydney", "2031-03-10T10:00:00+11:00", "!does not exist in Australia/Sydney" },

	/* Kolkata: +05:30, and a NOW whose local date is a day ahead of its UTC date */
	{ "2031-03-10 14:00", "Asia/Kolkata", MON_IN, "2031-03-10T08:30:00Z" },
	{ "tomorrow 9am", "Asia/Kolkata", MON_IN, "2031-03-11T03:30:00Z" },
	{ "midnight", "Asia/Kolkata", MON_IN, "2031-03-09T18:30:00Z" },
	{ "today 9am", "Asia/Kolkata", "2031-03-10T20:00:00Z", "2031-03-11T03:30:00Z" },
	{ "tue 9am", "Asia/Kolkata", "2031-03-10T20:00:00Z", "2031-03-11T03:30:00Z" },

	/* UTC */
	{ "tomorrow 9am", "UTC", "2031-03-10T10:00:00Z", "2031-03-11T09:00:00Z" },
	{ "2031-10-26 02:30", "UTC", "2031-03-10T10:00:00Z", "2031-10-26T02:30:00Z" },
	{ "2031-03-30 02:30", "Etc/UTC", "2031-03-10T10:00:00Z", "2031-03-30T02:30:00Z" },
	{ "noon", "Etc/UTC", "2031-03-10T10:00:00Z", "2031-03-10T12:00:00Z" },
	{ "tomorrow 9am", "Mars/Olympus_Mons", MON, "!unknown time zone \"Mars/Olympus_Mons\"" },

	/* month, year and leap-day boundaries */
	{ "tomorrow 9am", "Europe/Berlin", "2031-01-31T10:00:00+01:00", "2031-02-01T08:00:00Z" },
	{ "in 1 days 9am", "Europe/Berlin", "2031-12-31T10:00:00+01:00", "2032-01-01T08:00:00Z" },
	{ "tomorrow 9am", "Europe/Berlin", "2031-12-31T10:00:00+01:00", "2032-01-01T08:00:00Z" },
	{ "jan 1 9am", "Europe/Berlin", "2031-12-31T10:00:00+01:00", "2032-01-01T08:00:00Z" },
	{ "dec 31 9am", "Europe/Berlin", "2031-12-31T10:00:00+01:00", "2032-12-31T08:00:00Z" },
	{ "dec 31 11am", "Europe/Berlin", "2031-12-31T10:00:00+01:00", "2031-12-31T10:00:00Z" },
	{ "tomorrow 9am", "Europe/Berlin", "2032-02-28T10:00:00+01:00", "2032-02-29T08:00:00Z" },
	{ "tomorrow 9am", "Europe/Berlin", "2031-02-28T10:00:00+01:00", "2031-03-01T08:00:00Z" },
	{ "feb 29 9am", "Europe/Berlin", "2032-02-29T10:00:00+01:00", "2036-02-29T08:00:00Z" },
	{ "feb 29 11am", "Europe/Berlin", "2032-02-29T10:00:00+01:00", "2032-02-29T10:00:00Z" },
	{ "in 1 days 9am", "Europe/Berlin", "2031-11-30T10:00:00+01:00", "2031-12-01T08:00:00Z" },
	{ "yesterday 9am", "Europe/Berlin", "2031-03-01T10:00:00+01:00", "2031-02-28T08:00:00Z" },
	{ "yesterday 9am", "Europe/Berlin", "2032-01-01T10:00:00+01:00", "2031-12-31T08:00:00Z" },
	{ "in 1 week 9am", "Europe/Berlin", "2031-12-28T10:00:00+01:00", "2032-01-04T08:00:00Z" },

	/* what the error quotes: trimmed, and cut when long */
	{ "  next   fortnight  ", "Europe/Berlin", MON, "!cannot read \"next fortnight\" as a date" },
	{ "tomorrow at 9am and then again and again and again and again and again and again", "Europe/Berlin",
	  MON, "!cannot read \"tomorrow at 9am and then again and again and aga...\" as" },
};
/* clang-format on */

/* "2031-03-10T10:00:00+01:00" or "...Z" into *T. */
static int parse_instant(const char *s, time_t *t)
{
	struct tm tm = { 0 };
	int n = 0, oh = 0, om = 0, sign = 1;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	s += n;
	if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (sscanf(s + 1, "%2d:%2d", &oh, &om) != 2)
			return -1;
	} else if (strcmp(s, "Z") != 0) {
		return -1;
	}
	*t = timegm(&tm) - sign * (oh * 3600 + om * 60);
	return 0;
}

static void fmt_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void test_when(void **state)
{
	const struct when_case *c = *state;
	char err[512] = "", got[600];
	time_t now = 0, out = 0;
	int rc, ok;

	assert_int_equal(parse_instant(c->now, &now), 0);
	rc = when_parse(c->text, c->zone, now, &out, err, sizeof err);
	if (rc == 0)
		fmt_utc(out, got, sizeof got);
	else
		snprintf(got, sizeof got, "!%s", err);
	ok = c->want[0] == '!' ? rc == -1 && strstr(err, c->want + 1) != NULL
			       : rc == 0 && strcmp(got, c->want) == 0;
	if (!ok) {
		print_error("when_parse(\"%s\", %s, now %s)\n  expected %s\n  actual   %s\n",
			    c->text, c->zone, c->now, c->want, got);
		fail();
	}
}

/* ---- durations ---- */

struct duration_case {
	const char *text;
	int minutes;	 /* 0: an error is expected */
	const char *err; /* part of it */
};

/* clang-format off */
static const struct duration_case duration_cases[] = {
	{ "45m", 45, NULL },
	{ "45min", 45, NULL },
	{ "45 mins", 45, NULL },
	{ "45 minutes", 45, NULL },
	{ "1 min", 1, NULL },
	{ "1h", 60, NULL },
	{ "1hr", 60, NULL },
	{ "2HRS", 120, NULL },
	{ "1 hour", 60, NULL },
	{ "2 hours", 120, NULL },
	{ "1h30m", 90, NULL },
	{ "1h30", 90, NULL },
	{ "1h 30m", 90, NULL },
	{ "1 hour 30 minutes", 90, NULL },
	{ "1.5h", 90, NULL },
	{ "1.25 hours", 75, NULL },
	{ "0.5h", 30, NULL },
	{ "90", 90, NULL },
	{ "1", 1, NULL },
	{ "1440", 1440, NULL },
	{ "24h", 1440, NULL },
	{ "  60M ", 60, NULL },
	{ "0", 0, "duration must be between 1 minute and 24 hours" },
	{ "0m", 0, "duration must be between 1 minute and 24 hours" },
	{ "1441", 0, "duration must be between 1 minute and 24 hours (\"1441\" is 1441 minutes)" },
	{ "25h", 0, "duration must be between 1 minute and 24 hours" },
	{ "100000", 0, "duration must be between 1 minute and 24 hours" },
	{ "1.5", 0, "cannot read \"1.5\" as a duration; write e.g. \"45m\"" },
	{ "1.5m", 0, "cannot read" },
	{ "1.01h", 0, "cannot read" },
	{ "1h90m", 0, "cannot read" },
	{ "1h30h", 0, "cannot read" },
	{ "1h30x", 0, "cannot read" },
	{ "1.5h30m", 0, "cannot read" },
	{ "abc", 0, "cannot read \"abc\" as a duration" },
	{ "", 0, "cannot read" },
	{ "h", 0, "cannot read" },
	{ "-5", 0, "cannot read" },
	{ "1,5h", 0, "cannot read" },
	{ "45 sec", 0, "cannot read" },
	{ "1d", 0, "cannot read" },
	{ "1234567", 0, "cannot read" },
	{ "1 1", 0, "cannot read" },
};
/* clang-format on */

static void test_duration(void **state)
{
	const struct duration_case *c = *state;
	char err[256] = "";
	int m = -1, rc = when_duration(c->text, &m, err, sizeof err);
	int ok = c->minutes ? rc == 0 && m == c->minutes
			    : rc == -1 && m == -1 && strstr(err, c->err) != NULL;

	if (!ok) {
		print_error("when_duration(\"%s\")\n  expected %d %s\n  actual   %d %d %s\n",
			    c->text, c->minutes, c->err ? c->err : "", rc, m, err);
		fail();
	}
}

/* A NULL error buffer is allowed, and the output is untouched on failure. */
static void test_null_err(void **state)
{
	time_t out = 7;
	int m = 7;

	(void)state;
	assert_int_equal(when_parse("blah", "UTC", 0, &out, NULL, 0), -1);
	assert_int_equal(when_parse("2031-03-30 02:30", "Europe/Berlin", 1930914000, &out, NULL, 0),
			 -1);
	assert_int_equal(out, 7);
	assert_int_equal(when_duration("blah", &m, NULL, 0), -1);
	assert_int_equal(m, 7);
}

/* ---- the runner: one cmocka test per row, named after its input ---- */

int main(void)
{
	size_t nw = ARRAY_LEN(when_cases), nd = ARRAY_LEN(duration_cases), i, n = 0;
	struct CMUnitTest *tests = calloc(nw + nd + 1, sizeof *tests);
	char (*names)[96] = calloc(nw + nd, sizeof *names);
	int failed;

	assert_non_null(tests);
	assert_non_null(names);
	tz_init();
	for (i = 0; i < nw; i++, n++) {
		snprintf(names[n], sizeof names[n], "when \"%s\" %s", when_cases[i].text,
			 when_cases[i].zone);
		tests[n].name = names[n];
		tests[n].test_func = test_when;
		tests[n].initial_state = (void *)&when_cases[i];
	}
	for (i = 0; i < nd; i++, n++) {
		snprintf(names[n], sizeof names[n], "duration \"%s\"", duration_cases[i].text);
		tests[n].name = names[n];
		tests[n].test_func = test_duration;
		tests[n].initial_state = (void *)&duration_cases[i];
	}
	tests[n].name = "null_err";
	tests[n++].test_func = test_null_err;
	failed = _cmocka_run_group_tests("when", tests, n, NULL, NULL);
	free(tests);
	free(names);
	return failed;
}
