/* when: the grammar of "when:" and "duration:" values; see commands/when.h.
 *
 * The text is lowercased and cut into words at spaces and commas; each rule below
 * consumes whole words, and a value is accepted only if every word was consumed.
 *
 *   moment  := iso-datetime [offset]
 *            | [on] day [at] time  |  [at] time [[on] day]
 *            | "in" N ("hours" | "minutes")          exact: NOW + N, no time of day
 *   day     := today | tomorrow | yesterday | [this | next] weekday
 *            | "in" N ("days" | "weeks") | month D[th] [YYYY] | D[th] month [YYYY]
 *            | YYYY-MM-DD
 *   time    := H:MM[:SS] | H[:MM] am/pm (also "2 pm", "2:30 p.m.") | noon | midnight
 *   offset  := z | +HH:MM | +HHMM | +HH  (only after an ISO date)
 *
 * Days are counted on the wall-clock calendar of ZONE (so "tomorrow 9am" across a DST
 * change is 9am local), and the final wall-clock time goes through tz_to_utc(), which
 * refuses a time in a DST gap or overlap. */
#include "commands/when.h"

#include "lib/tz.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define WHEN_TEXT_MAX	128 /* longer input is not a date */
#define WHEN_TOK_MAX	12
#define WHEN_SHOW_MAX	48 /* how much of the input an error message quotes */
#define WHEN_OFFSET_MAX (14 * 3600)

struct word {
	const char *name;
	int value;
};

static const struct word weekdays[] = {
	{ "sun", 0 },  { "sunday", 0 },	  { "mon", 1 },	     { "monday", 1 },	 { "tue", 2 },
	{ "tues", 2 }, { "tuesday", 2 },  { "wed", 3 },	     { "wednesday", 3 }, { "thu", 4 },
	{ "thur", 4 }, { "thurs", 4 },	  { "thursday", 4 }, { "fri", 5 },	 { "friday", 5 },
	{ "sat", 6 },  { "saturday", 6 }, { NULL, 0 },
};

static const struct word months[] = {
	{ "jan", 1 },  { "january", 1 },   { "feb", 2 },    { "february", 2 },
	{ "mar", 3 },  { "march", 3 },	   { "apr", 4 },    { "april", 4 },
	{ "may", 5 },  { "jun", 6 },	   { "june", 6 },   { "jul", 7 },
	{ "july", 7 }, { "aug", 8 },	   { "august", 8 }, { "sep", 9 },
	{ "sept", 9 }, { "september", 9 }, { "oct", 10 },   { "october", 10 },
	{ "nov", 11 }, { "november", 11 }, { "dec", 12 },   { "december", 12 },
	{ NULL, 0 },
};

static const char *const month_names[] = { "January",	"February", "March",	"April",
					   "May",	"June",	    "July",	"August",
					   "September", "October",  "November", "December" };

enum when_day {
	DAY_TODAY,    /* no day given */
	DAY_DATE,     /* D: a calendar date */
	DAY_WEEKDAY,  /* WDAY, the first on or (NEXT) after today */
	DAY_YEARLESS, /* D without its year: the next occurrence */
	DAY_EXACT,    /* NOW + DELTA seconds; no time of day */
};

/* What the words said, before it is resolved against NOW. */
struct when_spec {
	enum when_day day;
	struct tz_local d;
	int wday, next;
	long long delta;
	int iso; /* the date was YYYY-MM-DD, so an offset may follow the time */
	int has_time, hour, min, sec;
	int has_offset, offset;
};

struct when_in {
	char buf[WHEN_TEXT_MAX];
	const char *tok[WHEN_TOK_MAX];
	int ntok, pos;
	char shown[WHEN_SHOW_MAX + 4]; /* the input as typed, trimmed, for messages */
	const char *zone;
	struct tz_local nowl; /* NOW on the wall clock of ZONE */
	char *err;
	size_t errlen;
};

/* ---- words ---- */

static const char *peek(const struct when_in *in, int k)
{
	return in->pos + k < in->ntok ? in->tok[in->pos + k] : NULL;
}

static int is_word(const struct when_in *in, int k, const char *word)
{
	const char *t = peek(in, k);

	return t != NULL && strcmp(t, word) == 0;
}

/* The value of T in TABLE, also accepting an abbreviation with a dot ("sept."), or -1. */
static int lookup(const struct word *table, const char *t)
{
	size_t n;
	int i;

	if (t == NULL)
		return -1;
	n = strlen(t);
	if (n > 1 && t[n - 1] == '.')
		n--;
	for (i = 0; table[i].name != NULL; i++)
		if (strlen(table[i].name) == n && strncmp(table[i].name, t, n) == 0)
			return table[i].value;
	return -1;
}

/* Reads 1..MAXDIGITS digits at *S into *OUT and advances *S. */
static int read_digits(const char **s, int maxdigits, int *out)
{
	int n = 0, v = 0;

	while (isdigit((unsigned char)**s) && n < maxdigits) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	if (n == 0 || isdigit((unsigned char)**s))
		return 0;
	*out = v;
	return n;
}

/* T is all digits, at most MAXDIGITS of them. */
static int whole_number(const char *t, int maxdigits, int *out)
{
	return t != NULL && read_digits(&t, maxdigits, out) > 0 && *t == '\0';
}

/* ---- errors ---- */

static int failf(struct when_in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int failf(struct when_in *in, const char *fmt, ...)
{
	va_list ap;

	if (in->err == NULL || in->errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(in->err, in->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int unreadable(struct when_in *in)
{
	return failf(in,
		     "cannot read \"%s\" as a date and time; try \"2031-03-10 14:00\", "
		     "\"tomorrow 2pm\", \"mon 10:30\", \"next friday 9am\", \"in 2 days 15:00\" "
		     "or \"oct 20 14:00\"",
		     in->shown);
}

/* Keeps the text for messages: trimmed, runs of spaces as one, control characters and
 * quotes as '?', and cut at WHEN_SHOW_MAX bytes (never inside a UTF-8 sequence) with "...". */
static void keep_shown(struct when_in *in, const char *p)
{
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	for (; *p != '\0' && n < WHEN_SHOW_MAX; p++) {
		unsigned char c = (unsigned char)*p;

		if (isspace(c) && in->shown[n - 1] == ' ')
			continue;
		if (isspace(c))
			c = ' ';
		else if (c < 0x20 || c == 0x7f || c == '"')
			c = '?';
		in->shown[n++] = (char)c;
	}
	if (((unsigned char)*p & 0xc0) == 0x80) {
		while (n > 0 && ((unsigned char)in->shown[n - 1] & 0xc0) == 0x80)
			n--;
		n -= n > 0; /* the sequence's first byte */
	}
	while (n > 0 && in->shown[n - 1] == ' ')
		n--;
	in->shown[n] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		strcat(in->shown, "...");
}

/* ---- the text into words ---- */

static int is_separator(char c)
{
	return isspace((unsigned char)c) || c == ',';
}

static int tokenize(struct when_in *in, const char *text)
{
	char *p;
	size_t i, n = strlen(text);

	if (n >= sizeof in->buf)
		return -1;
	for (i = 0; i <= n; i++)
		in->buf[i] = (char)tolower((unsigned char)text[i]);
	in->ntok = 0;
	for (p = in->buf; *p != '\0';) {
		if (is_separator(*p)) {
			*p++ = '\0';
			continue;
		}
		if (in->ntok == WHEN_TOK_MAX)
			return -1;
		in->tok[in->ntok++] = p;
		while (*p != '\0' && !is_separator(*p))
			p++;
	}
	return 0;
}

/* ---- calendar ---- */

/* D moved by N days on the calendar (time of day untouched); fills the weekday. */
static int add_days(struct when_in *in, struct tz_local *d, long long n)
{
	if (tz_add_days(d, n) != TZ_OK)
		return failf(in, "\"%s\" is too far away", in->shown);
	return 0;
}

/* Refuses 2031-13-01, feb 30, apr 31 and, when YEAR is known (not -1), feb 29 of a
 * common year. */
static int check_date(struct when_in *in, int year, int mon, int day)
{
	int max;

	if (mon < 1 || mon > 12)
		return failf(in, "there is no month %d (in \"%s\")", mon, in->shown);
	max = tz_days_in_month(year >= 0 ? year : 2000, mon);
	if (day >= 1 && day <= max)
		return 0;
	if (year >= 0 && mon == 2 && day == 29)
		return failf(in, "there is no February 29 in %d (it is not a leap year)", year);
	return failf(in, "there is no %s %d", month_names[mon - 1], day);
}

/* ---- times ---- */

/* "am"/"pm" with or without dots: 0 for am, 12 for pm, -1 for anything else. */
static int meridiem(const char *s)
{
	if (strcmp(s, "am") == 0 || strcmp(s, "a.m.") == 0 || strcmp(s, "a.m") == 0)
		return 0;
	if (strcmp(s, "pm") == 0 || strcmp(s, "p.m.") == 0 || strcmp(s, "p.m") == 0)
		return 12;
	return -1;
}

/* Exactly two digits at *S. */
static int two_digits(const char **s, int *out)
{
	if (!isdigit((unsigned char)(*s)[0]) || !isdigit((unsigned char)(*s)[1]))
		return 0;
	*out = ((*s)[0] - '0') * 10 + (*s)[1] - '0';
	*s += 2;
	return 1;
}

/* An offset: "z", "+02:00", "+0200", "+02". Returns 1 with *SECS, 0 if S is no offset. */
static int read_offset(const char *s, int *secs)
{
	int sign, h, m = 0;

	if (strcmp(s, "z") == 0) {
		*secs = 0;
		return 1;
	}
	if (*s != '+' && *s != '-')
		return 0;
	sign = *s++ == '-' ? -1 : 1;
	if (!two_digits(&s, &h))
		return 0;
	if (*s == ':' && s[1] != '\0')
		s++;
	if (*s != '\0' && !two_digits(&s, &m))
		return 0;
	if (*s != '\0' || m > 59)
		return 0;
	*secs = sign * (h * 3600 + m * 60);
	return 1;
}

/* Splits "14:00+02:00", "14:00z" into the clock and the offset part (kept in OFF);
 * 0 if the clock part is too long to be one. */
static int split_offset(const char *t, char *clock, size_t len, const char **off)
{
	size_t n = strcspn(t, "+-z");

	if (n >= len)
		return 0;
	*off = t[n] != '\0' ? t + n : NULL;
	memcpy(clock, t, n);
	clock[n] = '\0';
	return 1;
}

/* Why H:M:S (am/pm if PM >= 0) is no time of day, or NULL. */
static const char *clock_problem(int h, int m, int sec, int pm)
{
	if (pm >= 0 && (h < 1 || h > 12))
		return "with am/pm the hour is 1 to 12 (midnight is 12am, noon is 12pm)";
	if (h == 24 && m == 0 && sec == 0)
		return "use 00:00 of the next day, e.g. \"tomorrow 00:00\"";
	if (h > 23)
		return "the hour must be 0 to 23";
	if (m > 59)
		return "the minutes must be 0 to 59";
	if (sec > 59)
		return "the seconds must be 0 to 59";
	return NULL;
}

/* H[:MM[:SS]] followed by nothing or by am/pm (in T or as the word SUFFIX).
 * Returns 1, 0 (not a time) or -1 (a time that cannot be). */
static int read_clock(struct when_in *in, const char *t, const char *suffix, struct when_spec *sp)
{
	const char *s = t, *problem;
	int h, m = 0, sec = 0, colon = 0, pm = -1;

	if (read_digits(&s, 2, &h) == 0)
		return 0;
	if (*s == ':') {
		s++;
		colon = 1;
		if (read_digits(&s, 2, &m) != 2)
			return 0;
	}
	if (colon && *s == ':') {
		s++;
		if (read_digits(&s, 2, &sec) != 2)
			return 0;
	}
	if (*s != '\0')
		pm = meridiem(s);
	else if (suffix != NULL)
		pm = meridiem(suffix);
	if (*s != '\0' && pm < 0)
		return 0;
	if (!colon && pm < 0)
		return 0; /* a bare number is a day or a year, not a time */
	if ((problem = clock_problem(h, m, sec, pm)) != NULL)
		return failf(in, "\"%s%s%s\": %s", t, *s == '\0' && pm >= 0 ? " " : "",
			     *s == '\0' && pm >= 0 ? suffix : "", problem);
	sp->hour = pm < 0 ? h : h % 12 + pm;
	sp->min = m;
	sp->sec = sec;
	return 1;
}

static int take_offset(struct when_in *in, const char *off, struct when_spec *sp)
{
	int secs;

	if (!read_offset(off, &secs))
		return unreadable(in);
	if (!sp->iso)
		return failf(in,
			     "an offset such as \"%s\" needs a full date: write e.g. "
			     "\"2031-03-10T14:00%s\"",
			     off, off);
	if (secs > WHEN_OFFSET_MAX || secs < -12 * 3600)
		return failf(in, "the offset \"%s\" is out of range (-12:00 to +14:00)", off);
	sp->has_offset = 1;
	sp->offset = secs;
	return 0;
}

/* A time of day at the current word, with its am/pm word and offset word if any. */
static int parse_time(struct when_in *in, struct when_spec *sp)
{
	const char *t = peek(in, 0), *next = peek(in, 1), *off;
	char clock[16];
	int r, used_suffix;

	if (t == NULL)
		return 0;
	if (strcmp(t, "noon") == 0 || strcmp(t, "midnight") == 0) {
		sp->hour = t[0] == 'n' ? 12 : 0;
		sp->min = sp->sec = 0;
		sp->has_time = 1;
		in->pos++;
		return 1;
	}
	if (!split_offset(t, clock, sizeof clock, &off))
		return 0;
	used_suffix = off == NULL && *clock != '\0' &&
		      isdigit((unsigned char)clock[strlen(clock) - 1]) && next != NULL &&
		      meridiem(next) >= 0;
	r = read_clock(in, clock, used_suffix ? next : NULL, sp);
	if (r <= 0)
		return r;
	sp->has_time = 1;
	in->pos += 1 + used_suffix;
	t = peek(in, 0);
	if (off == NULL && t != NULL && (*t == '+' || *t == '-' || strcmp(t, "z") == 0))
		off = in->tok[in->pos++]; /* "14:00 +02:00" */
	if (off != NULL && take_offset(in, off, sp) < 0)
		return -1;
	return 1;
}

/* ---- days ---- */

static int relative_day(struct when_in *in, struct when_spec *sp, int n)
{
	sp->day = DAY_DATE;
	sp->d = in->nowl;
	in->pos++;
	return add_days(in, &sp->d, n) < 0 ? -1 : 1;
}

static int weekday(struct when_in *in, struct when_spec *sp)
{
	int next = is_word(in, 0, "next"), skip = next || is_word(in, 0, "this");
	int w = lookup(weekdays, peek(in, skip));

	if (w < 0)
		return skip ? unreadable(in) : 0;
	sp->day = DAY_WEEKDAY;
	sp->wday = w;
	sp->next = next;
	in->pos += skip + 1;
	return 1;
}

/* "in N days|weeks" (a day) and "in N hours|minutes" (an exact moment). */
static int in_n_units(struct when_in *in, struct when_spec *sp)
{
	static const struct word units[] = {
		{ "day", 86400 }, { "days", 86400 }, { "week", 604800 }, { "weeks", 604800 },
		{ "hour", 3600 }, { "hours", 3600 }, { "hr", 3600 },	 { "hrs", 3600 },
		{ "minute", 60 }, { "minutes", 60 }, { "min", 60 },	 { "mins", 60 },
		{ NULL, 0 },
	};
	const char *count = peek(in, 1);
	int n, unit;

	if (!is_word(in, 0, "in"))
		return 0;
	if (count != NULL && (strcmp(count, "a") == 0 || strcmp(count, "an") == 0))
		n = 1;
	else if (!whole_number(count, 4, &n))
		return unreadable(in);
	unit = lookup(units, peek(in, 2));
	if (unit < 0)
		return unreadable(in);
	in->pos += 3;
	if (unit < 86400) {
		sp->day = DAY_EXACT;
		sp->delta = (long long)n * unit;
		return 1;
	}
	sp->day = DAY_DATE;
	sp->d = in->nowl;
	return add_days(in, &sp->d, (long long)n * (unit / 86400)) < 0 ? -1 : 1;
}

/* A day of the month, "20" or "20th" (any of st/nd/rd/th). */
static int day_of_month(const char *t, int *day)
{
	if (t == NULL || read_digits(&t, 2, day) == 0)
		return 0;
	return *t == '\0' || strcmp(t, "st") == 0 || strcmp(t, "nd") == 0 || strcmp(t, "rd") == 0 ||
	       strcmp(t, "th") == 0;
}

/* "oct 20 [2031]" and "20 oct [2031]". */
static int month_date(struct when_in *in, struct when_spec *sp)
{
	int mon, day, year = -1, used;

	if ((mon = lookup(months, peek(in, 0))) > 0 && day_of_month(peek(in, 1), &day))
		used = 2;
	else if (day_of_month(peek(in, 0), &day) && (mon = lookup(months, peek(in, 1))) > 0)
		used = 2;
	else
		return 0;
	if (whole_number(peek(in, used), 4, &year) && strlen(peek(in, used)) == 4)
		used++;
	else
		year = -1;
	if (check_date(in, year, mon, day) < 0)
		return -1;
	in->pos += used;
	sp->day = year >= 0 ? DAY_DATE : DAY_YEARLESS;
	sp->d.year = year;
	sp->d.mon = mon;
	sp->d.day = day;
	return 1;
}

/* "2031-03-10", or "2031-03-10t14:00[offset]" in one word. */
static int iso_date(struct when_in *in, struct when_spec *sp)
{
	const char *s = peek(in, 0);
	int y, m, d, r;

	if (s == NULL || read_digits(&s, 4, &y) != 4 || *s++ != '-' ||
	    read_digits(&s, 2, &m) == 0 || *s++ != '-' || read_digits(&s, 2, &d) == 0 ||
	    (*s != '\0' && *s != 't'))
		return 0;
	if (check_date(in, y, m, d) < 0)
		return -1;
	sp->day = DAY_DATE;
	sp->iso = 1;
	sp->d.year = y;
	sp->d.mon = m;
	sp->d.day = d;
	if (*s == '\0') {
		in->pos++;
		return 1;
	}
	if (sp->has_time)
		return unreadable(in); /* "14:00 2031-03-10t15:00" */
	/* the time part, read as if it were the whole word */
	in->tok[in->pos] = s + 1;
	r = parse_time(in, sp);
	return r == 0 ? unreadable(in) : r;
}

/* "3/10", "10/03/2031": refused, as nobody can tell the month from the day. */
static int slash_date(struct when_in *in)
{
	const char *t = peek(in, 0), *s = t;
	int a, b, y = in->nowl.year;

	if (t == NULL || strchr(t, '/') == NULL)
		return 0;
	if (read_digits(&s, 2, &a) == 0 || *s++ != '/' || read_digits(&s, 2, &b) == 0)
		return unreadable(in);
	if (*s == '/') {
		s++;
		if (read_digits(&s, 4, &y) != 4)
			return unreadable(in);
	}
	if (*s != '\0')
		return unreadable(in);
	if (a > 12 && b <= 12) { /* only day/month makes sense; suggest that one */
		int c = a;

		a = b;
		b = c;
	}
	if (a < 1 || a > 12 || b < 1 || b > tz_days_in_month(y, a))
		return unreadable(in);
	return failf(in,
		     "numeric dates such as \"%s\" are ambiguous (month/day or day/month?); "
		     "write %04d-%02d-%02d or \"%c%c%c %d\"",
		     t, y, a, b, tolower((unsigned char)month_names[a - 1][0]),
		     month_names[a - 1][1], month_names[a - 1][2], b);
}

static int parse_day_word(struct when_in *in, struct when_spec *sp)
{
	int r;

	if (is_word(in, 0, "today"))
		return relative_day(in, sp, 0);
	if (is_word(in, 0, "tomorrow"))
		return relative_day(in, sp, 1);
	if (is_word(in, 0, "yesterday"))
		return relative_day(in, sp, -1);
	if ((r = weekday(in, sp)) != 0 || (r = in_n_units(in, sp)) != 0 ||
	    (r = iso_date(in, sp)) != 0 || (r = month_date(in, sp)) != 0 ||
	    (r = slash_date(in)) != 0)
		return r;
	return 0;
}

/* [on] day, where "on" promises a day. */
static int parse_day(struct when_in *in, struct when_spec *sp)
{
	int on = is_word(in, 0, "on"), r;

	in->pos += on;
	r = parse_day_word(in, sp);
	return r == 0 && on ? unreadable(in) : r;
}

/* [at] time, where "at" promises a time. */
static int parse_at_time(struct when_in *in, struct when_spec *sp)
{
	int at = is_word(in, 0, "at"), r;

	in->pos += at;
	r = parse_time(in, sp);
	return r == 0 && at ? unreadable(in) : r;
}

/* day [at] time | [at] time [day]; every word must be used. */
static int parse_words(struct when_in *in, struct when_spec *sp)
{
	int r = parse_day(in, sp);

	if (r < 0)
		return -1;
	if (r > 0 && !sp->has_time && parse_at_time(in, sp) < 0)
		return -1;
	if (r == 0 && (r = parse_at_time(in, sp)) < 0)
		return -1;
	if (r > 0 && sp->day == DAY_TODAY && parse_day(in, sp) < 0)
		return -1;
	return in->pos == in->ntok && in->ntok > 0 ? 0 : unreadable(in);
}

/* ---- resolving against NOW ---- */

/* Wall-clock times compare as if they were UTC. */
static long long wall_key(const struct tz_local *d, const struct when_spec *sp)
{
	struct tz_local x = *d;

	x.hour = sp->hour;
	x.min = sp->min;
	x.sec = sp->sec;
	return (long long)tz_timegm(&x);
}

static int resolve_weekday(struct when_in *in, struct when_spec *sp, struct tz_local *d)
{
	int ahead = (sp->wday - in->nowl.wday + 7) % 7;

	*d = in->nowl;
	if (ahead == 0 && (sp->next || wall_key(d, sp) <= (long long)tz_timegm(&in->nowl)))
		ahead = 7;
	return add_days(in, d, ahead);
}

/* The first year, from NOW's, in which the date exists and is still ahead ("feb 29"
 * can wait up to eight years, across a skipped leap year such as 2100). */
static int resolve_yearless(struct when_in *in, struct when_spec *sp, struct tz_local *d)
{
	int y;

	*d = sp->d;
	for (y = in->nowl.year; y <= in->nowl.year + 8; y++) {
		d->year = y;
		if (sp->d.day <= tz_days_in_month(y, sp->d.mon) &&
		    wall_key(d, sp) > (long long)tz_timegm(&in->nowl))
			return 0;
	}
	return failf(in, "there is no %s %d", month_names[sp->d.mon - 1], sp->d.day);
}

static int resolve(struct when_in *in, struct when_spec *sp, time_t *out)
{
	struct tz_local d = in->nowl;

	if (sp->day == DAY_WEEKDAY && resolve_weekday(in, sp, &d) < 0)
		return -1;
	if (sp->day == DAY_YEARLESS && resolve_yearless(in, sp, &d) < 0)
		return -1;
	if (sp->day == DAY_DATE)
		d = sp->d;
	d.hour = sp->hour;
	d.min = sp->min;
	d.sec = sp->sec;
	if (sp->has_offset) {
		*out = tz_timegm(&d) - sp->offset;
		return 0;
	}
	return tz_to_utc(in->zone, &d, out, in->err, in->errlen) == TZ_OK ? 0 : -1;
}

static int check_spec(struct when_in *in, const struct when_spec *sp)
{
	if (sp->day == DAY_EXACT && sp->has_time)
		return failf(in,
			     "\"%s\": \"in N hours\" and \"in N minutes\" are already a moment; "
			     "leave out the time of day, or write e.g. \"in 2 days 15:00\"",
			     in->shown);
	if (sp->day == DAY_EXACT)
		return 0;
	if (!sp->has_time && sp->day != DAY_TODAY)
		return failf(in, "\"%s\" has no time; give a time as well, e.g. \"%s 14:00\"",
			     in->shown, in->shown);
	return sp->has_time ? 0 : unreadable(in);
}

int when_parse(const char *text, const char *zone, time_t now, time_t *out, char *err,
	       size_t errlen)
{
	struct when_in in = { .zone = zone, .err = err, .errlen = errlen };
	struct when_spec sp = { .day = DAY_TODAY };

	keep_shown(&in, text != NULL ? text : "");
	if (!tz_valid(zone))
		return failf(&in, "unknown time zone \"%s\"", zone != NULL ? zone : "");
	if (tz_from_utc(zone, now, &in.nowl, NULL) != TZ_OK)
		return failf(&in, "the current time (%lld) is out of range", (long long)now);
	if (text == NULL || tokenize(&in, text) < 0)
		return unreadable(&in);
	if (parse_words(&in, &sp) < 0 || check_spec(&in, &sp) < 0)
		return -1;
	if (sp.day == DAY_EXACT) {
		*out = now + (time_t)sp.delta;
		return 0;
	}
	return resolve(&in, &sp, out);
}

/* ---- durations ---- */

static int duration_unreadable(const char *text, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen,
			 "cannot read \"%.40s\" as a duration; write e.g. \"45m\", \"45 minutes\", "
			 "\"1h\", \"1h30m\", \"1.5h\" or \"90\" (minutes)",
			 text);
	return -1;
}

/* A number with at most two decimals, in hundredths: "1.5" -> 150. */
static int read_hundredths(const char **s, long long *out)
{
	int whole, frac = 0, n;

	if (read_digits(s, 6, &whole) == 0)
		return 0;
	*out = whole * 100LL;
	if (**s != '.')
		return 1;
	(*s)++;
	if ((n = read_digits(s, 2, &frac)) == 0)
		return 0;
	*out += n == 1 ? frac * 10 : frac;
	return 1;
}

/* A unit word at *S (after optional spaces): 60 for hours, 1 for minutes, 0 for none,
 * -1 for an unknown word. */
static int read_unit(const char **s)
{
	static const struct word units[] = {
		{ "h", 60 },	 { "hr", 60 },	   { "hrs", 60 }, { "hour", 60 },
		{ "hours", 60 }, { "m", 1 },	   { "min", 1 },  { "mins", 1 },
		{ "minute", 1 }, { "minutes", 1 }, { NULL, 0 },
	};
	char word[16];
	size_t n = 0;

	while (**s == ' ')
		(*s)++;
	while (isalpha((unsigned char)(*s)[n]) && n < sizeof word - 1) {
		word[n] = (*s)[n];
		n++;
	}
	word[n] = '\0';
	*s += n;
	return n == 0 ? 0 : lookup(units, word);
}

/* TEXT lowercased and trimmed into BUF; tabs become spaces. */
static int duration_text(const char *text, char *buf, size_t len)
{
	size_t i, n;

	while (isspace((unsigned char)*text))
		text++;
	n = strlen(text);
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		buf[i] = isspace(c) ? ' ' : (char)tolower(c);
	}
	buf[n] = '\0';
	return 0;
}

/* The minutes after an hour count ("1h30", "1h 30m", "1 hour 30 minutes"): 0..59. */
static int trailing_minutes(const char **s, long long *minutes)
{
	int m, unit;

	while (**s == ' ')
		(*s)++;
	if (**s == '\0')
		return 0;
	if (read_digits(s, 2, &m) == 0 || m > 59)
		return -1;
	unit = read_unit(s);
	if (unit < 0 || unit == 60)
		return -1;
	*minutes += m;
	return 0;
}

static int duration_minutes(const char *s, long long *minutes)
{
	long long hundredths;
	int unit;

	if (!read_hundredths(&s, &hundredths) || (unit = read_unit(&s)) < 0)
		return -1;
	if (unit == 60) {
		if (hundredths * 60 % 100 != 0)
			return -1; /* "1.01h" is not a whole number of minutes */
		*minutes = hundredths * 60 / 100;
		if (hundredths % 100 == 0 && trailing_minutes(&s, minutes) < 0)
			return -1;
	} else {
		if (hundredths % 100 != 0)
			return -1; /* no fractions of a minute */
		*minutes = hundredths / 100;
	}
	return *s == '\0' ? 0 : -1;
}

int when_duration(const char *text, int *minutes, char *err, size_t errlen)
{
	char buf[64];
	long long m;

	if (text == NULL || duration_text(text, buf, sizeof buf) < 0 ||
	    duration_minutes(buf, &m) < 0)
		return duration_unreadable(text != NULL ? text : "", err, errlen);
	if (m < 1 || m > 1440) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen,
				 "duration must be between 1 minute and 24 hours "
				 "(\"%s\" is %lld minutes)",
				 buf, m);
		return -1;
	}
	*minutes = (int)m;
	return 0;
}
