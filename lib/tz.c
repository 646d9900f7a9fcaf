/* tz: IANA time zones through libical's zone database; see lib/tz.h.
 *
 * Calendar arithmetic (UTC date <-> time_t) is done here with plain integer maths; libical
 * is asked only one question: "what is the UTC offset of ZONE at this UTC instant?"
 * (icaltimezone_get_utc_offset_of_utc_time). Every local -> UTC answer is derived from
 * that question, which is how gaps and overlaps are detected: libical itself silently
 * picks a reading for a nonexistent or doubled local time (reference/libraries.md).
 *
 * Threads. libical's zone table is global and lazily built, and
 * icaltimezone_get_builtin_timezone() appends to it without a lock for zones missing from
 * zone.tab (e.g. "Etc/UTC", "US/Eastern"). So:
 *   - tz_init() (once, through pthread_once) builds libical's table and the UTC zone;
 *     main must call it before starting threads. Every entry point also runs the same
 *     pthread_once, so a forgotten tz_init() is still correct in a single thread.
 *   - zone lookups go through one mutex and a cache of name -> icaltimezone*; a zone
 *     first used after threads started is looked up *and* loaded from its file under
 *     that mutex (a lazy load rewrites fields the lookup of another zone reads). Cached
 *     pointers stay valid (libical's icalarray stores elements in chunks that never move).
 *   - the offset query itself takes libical's internal changes mutex (3.0.16 is built
 *     with pthreads), which also guards the lazy expansion of a zone's transitions.
 * Nothing else in this process may call icaltimezone_get_builtin_timezone() directly. */
#include "lib/tz.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TZ_NAME_MAX  64
#define TZ_CACHE_MAX 512
#define TZ_DAY	     86400
/* The years libical is asked about. Its transition table is expanded lazily up to the
 * latest year requested, so an unbounded year would make one call arbitrarily slow. */
#define TZ_YEAR_MIN 1900
#define TZ_YEAR_MAX 2199
#define TZ_T_MIN    (-2208988800LL) /* 1900-01-01T00:00:00Z */
#define TZ_T_END    7258118400LL    /* 2200-01-01T00:00:00Z */

struct tz_zone {
	char name[TZ_NAME_MAX];
	icaltimezone *ical; /* libical's UTC zone for the UTC aliases */
};

/* The cache is append-only: an entry, once written under tz_lock, never changes. */
static pthread_once_t tz_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz_zone tz_cache[TZ_CACHE_MAX];
static size_t tz_ncache;

static void tz_prepare(void)
{
	(void)icaltimezone_get_builtin_timezones();
	(void)icaltimezone_get_utc_timezone();
}

void tz_init(void)
{
	pthread_once(&tz_once, tz_prepare);
}

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static long long floor_div(long long a, long long b)
{
	long long q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* After H. Hinnant, "chrono-Compatible Low-Level Date Algorithms": eras of 400 years. */
static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, struct tz_local *lt)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	lt->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	lt->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	lt->year = (int)(yoe + era * 400 + (lt->mon <= 2));
}

static void utc_breakdown(long long t, struct tz_local *lt)
{
	long long days = floor_div(t, TZ_DAY);
	long long secs = t - days * TZ_DAY;

	civil_from_days(days, lt);
	lt->hour = (int)(secs / 3600);
	lt->min = (int)(secs / 60 % 60);
	lt->sec = (int)(secs % 60);
	lt->wday = (int)(days + 4 - floor_div(days + 4, 7) * 7); /* 1970-01-01 was a Thursday */
}

int tz_days_in_month(int year, int mon)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (mon < 1 || mon > 12)
		return 0;
	return days[mon - 1] + (mon == 2 && leap);
}

/* Like timegm, out-of-range fields carry over (month 13 is January of the next year,
 * day 0 the last day of the previous month), which callers use for date arithmetic. */
time_t tz_timegm(const struct tz_local *lt)
{
	long long y = lt->year + floor_div(lt->mon - 1, 12);
	int m = (int)(lt->mon - 1 - floor_div(lt->mon - 1, 12) * 12) + 1;
	long long days = days_from_civil(y, m, 1) + lt->day - 1;

	return (time_t)(days * TZ_DAY + lt->hour * 3600LL + lt->min * 60LL + lt->sec);
}

/* ---- zones ---- */

/* Zone names are file names under /usr/share/zoneinfo for libical; refusing '.' and
 * empty components keeps a name from ever walking out of that directory. */
static int name_is_plausible(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			 (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' || c == '+';

		if (!ok || (c == '/' && name[i + 1] == '/'))
			return 0;
	}
	return 1;
}

static int is_utc_alias(const char *name)
{
	static const char *const aliases[] = { "UTC",  "Etc/UTC",  "GMT",	"Etc/GMT",
					       "Zulu", "Etc/Zulu", "Universal", "Etc/Universal" };
	size_t i;

	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(name, aliases[i]) == 0)
			return 1;
	return 0;
}

/* Call with tz_lock held. Returns NULL for an unknown zone (not cached: rare, cheap). */
static const struct tz_zone *zone_load(const char *name)
{
	struct tz_zone *z;
	icaltimezone *ical;
	size_t i;

	for (i = 0; i < tz_ncache; i++)
		if (strcmp(tz_cache[i].name, name) == 0)
			return &tz_cache[i];
	if (tz_ncache == TZ_CACHE_MAX)
		return NULL; /* more distinct zones than exist in tzdata: someone is probing */
	if (is_utc_alias(name))
		ical = icaltimezone_get_utc_timezone();
	else if ((ical = icaltimezone_get_builtin_timezone(name)) == NULL)
		return NULL;
	/* libical reads a zone's file on its first conversion and then replaces the zone's
	 * location string, which icaltimezone_get_builtin_timezone() compares against in
	 * every lookup; loading it here, under tz_lock, keeps the two apart. */
	else if (icaltimezone_get_component(ical) == NULL)
		return NULL;
	z = &tz_cache[tz_ncache++];
	snprintf(z->name, sizeof z->name, "%s", name);
	z->ical = ical;
	return z;
}

static const struct tz_zone *zone_find(const char *name)
{
	const struct tz_zone *z;

	if (name == NULL || !name_is_plausible(name))
		return NULL;
	tz_init();
	pthread_mutex_lock(&tz_lock);
	z = zone_load(name);
	pthread_mutex_unlock(&tz_lock);
	return z;
}

int tz_valid(const char *name)
{
	return zone_find(name) != NULL;
}

static int year_supported(int year)
{
	return year >= TZ_YEAR_MIN && year <= TZ_YEAR_MAX;
}

/* UTC offset (seconds east) of ZONE at instant T; T's year must be supported. */
static int zone_offset(const struct tz_zone *z, long long t)
{
	struct icaltimetype it = icaltime_null_time();
	struct tz_local u;

	if (z->ical == icaltimezone_get_utc_timezone())
		return 0;
	utc_breakdown(t, &u);
	it.year = u.year;
	it.month = u.mon;
	it.day = u.day;
	it.hour = u.hour;
	it.minute = u.min;
	it.second = u.sec;
	return icaltimezone_get_utc_offset_of_utc_time(z->ical, &it, NULL);
}

int tz_from_utc(const char *zone, time_t t, struct tz_local *lt, int *offset)
{
	const struct tz_zone *z = zone_find(zone);
	int off;

	if (z == NULL || (long long)t < TZ_T_MIN || (long long)t >= TZ_T_END)
		return TZ_EINVAL;
	off = zone_offset(z, t);
	utc_breakdown((long long)t + off, lt);
	if (offset != NULL)
		*offset = off;
	return TZ_OK;
}

/* ---- local -> UTC ---- */

static int local_in_range(const struct tz_local *lt)
{
	return lt->mon >= 1 && lt->mon <= 12 && lt->day >= 1 &&
	       lt->day <= tz_days_in_month(lt->year, lt->mon) && lt->hour >= 0 && lt->hour <= 23 &&
	       lt->min >= 0 && lt->min <= 59 && lt->sec >= 0 && lt->sec <= 59;
}

/* The instants whose wall-clock time in Z is L (L = the local time read as if UTC):
 * 0 (gap), 1, or 2 (overlap), ascending. The offsets a day either side cover any
 * single transition near L; each candidate offset is kept only if it reproduces L. */
static int readings(const struct tz_zone *z, long long l, long long u[2])
{
	int cand[3], i, j, n = 0;

	cand[0] = zone_offset(z, l - TZ_DAY);
	cand[1] = zone_offset(z, l);
	cand[2] = zone_offset(z, l + TZ_DAY);
	for (i = 0; i < 3; i++) {
		long long t = l - cand[i];
		int dup = 0;

		for (j = 0; j < n; j++)
			dup |= u[j] == t;
		if (!dup && n < 2 && zone_offset(z, t) == cand[i])
			u[n++] = t;
	}
	if (n == 2 && u[0] > u[1]) {
		long long t = u[0];

		u[0] = u[1];
		u[1] = t;
	}
	return n;
}

/* A change of offset: from BEFORE to AFTER at instant AT. */
struct tz_jump {
	long long at;
	int before, after;
};

/* The transition near L: the first instant with the offset in force a day after L. */
static void transition(const struct tz_zone *z, long long l, struct tz_jump *j)
{
	long long lo = l - TZ_DAY, hi = l + TZ_DAY;

	j->before = zone_offset(z, lo);
	j->after = zone_offset(z, hi);
	while (hi - lo > 1) {
		long long mid = lo + (hi - lo) / 2;

		if (zone_offset(z, mid) == j->before)
			lo = mid;
		else
			hi = mid;
	}
	j->at = hi;
}

/* "+02:00", or "+05:30:12" for the odd historical offset with seconds. */
static void fmt_offset(char *buf, size_t len, int off)
{
	char sign = off < 0 ? '-' : '+';
	int a = off < 0 ? -off : off;

	if (a % 60)
		snprintf(buf, len, "%c%02d:%02d:%02d", sign, a / 3600, a / 60 % 60, a % 60);
	else
		snprintf(buf, len, "%c%02d:%02d", sign, a / 3600, a / 60 % 60);
}

/* "02:30", or "02:30:15" when the seconds matter. */
static void fmt_clock(char *buf, size_t len, const struct tz_local *lt)
{
	if (lt->sec)
		snprintf(buf, len, "%02d:%02d:%02d", lt->hour, lt->min, lt->sec);
	else
		snprintf(buf, len, "%02d:%02d", lt->hour, lt->min);
}

static void fmt_date(char *buf, size_t len, const struct tz_local *lt)
{
	snprintf(buf, len, "%04d-%02d-%02d", lt->year, lt->mon, lt->day);
}

/* A gap reading: the wall clock at T + OFF, with the date only if it is not LT's. */
static void fmt_reading(char *buf, size_t len, const struct tz_local *lt, long long t, int off)
{
	struct tz_local r;
	char date[16], clock[16], o[16];

	utc_breakdown(t + off, &r);
	fmt_clock(clock, sizeof clock, &r);
	fmt_offset(o, sizeof o, off);
	if (r.year == lt->year && r.mon == lt->mon && r.day == lt->day) {
		snprintf(buf, len, "%s (%s)", clock, o);
		return;
	}
	fmt_date(date, sizeof date, &r);
	snprintf(buf, len, "%s %s (%s)", date, clock, o);
}

/* "from 02:00 to 03:00"; dates are added only when the jump crosses midnight
 * (Pacific/Apia skipped 2011-12-30 entirely). */
static void fmt_jump(char *buf, size_t len, const struct tz_jump *j)
{
	struct tz_local from, to;
	char dfrom[16] = "", dto[16] = "", cfrom[16], cto[16];

	utc_breakdown(j->at + j->before, &from);
	utc_breakdown(j->at + j->after, &to);
	fmt_clock(cfrom, sizeof cfrom, &from);
	fmt_clock(cto, sizeof cto, &to);
	if (from.day != to.day) {
		fmt_date(dfrom, sizeof dfrom - 1, &from);
		fmt_date(dto, sizeof dto - 1, &to);
		strcat(dfrom, " ");
		strcat(dto, " ");
	}
	snprintf(buf, len, "from %s%s to %s%s", dfrom, cfrom, dto, cto);
}

static void gap_error(const struct tz_zone *z, const struct tz_local *lt, long long l, char *err,
		      size_t errlen)
{
	char date[16], clock[16], jump[96], r1[64], r2[64];
	struct tz_jump j;

	transition(z, l, &j);
	fmt_jump(jump, sizeof jump, &j);
	fmt_date(date, sizeof date, lt);
	fmt_clock(clock, sizeof clock, lt);
	/* L read with the new offset lands before the jump, with the old one after it. */
	fmt_reading(r1, sizeof r1, lt, l - j.after, j.before);
	fmt_reading(r2, sizeof r2, lt, l - j.before, j.after);
	snprintf(err, errlen, "%s %s does not exist in %s (clocks go %s); write %s or %s", date,
		 clock, z->name, jump, r1, r2);
}

static void overlap_error(const struct tz_zone *z, const struct tz_local *lt, long long l,
			  const long long u[2], char *err, size_t errlen)
{
	char date[16], clock[16], jump[96], o1[16], o2[16];
	struct tz_jump j;

	transition(z, l, &j);
	fmt_jump(jump, sizeof jump, &j);
	fmt_date(date, sizeof date, lt);
	fmt_clock(clock, sizeof clock, lt);
	fmt_offset(o1, sizeof o1, (int)(l - u[0]));
	fmt_offset(o2, sizeof o2, (int)(l - u[1]));
	snprintf(err, errlen,
		 "%s %s happens twice in %s (clocks go back %s); write %sT%s%s or %sT%s%s", date,
		 clock, z->name, jump, date, clock, o1, date, clock, o2);
}

static int einval(const char *zone, const struct tz_local *lt, char *err, size_t errlen)
{
	if (err == NULL || errlen == 0)
		return TZ_EINVAL;
	if (!tz_valid(zone))
		snprintf(err, errlen, "unknown time zone \"%s\"", zone ? zone : "");
	else if (!local_in_range(lt))
		snprintf(err, errlen, "%04d-%02d-%02d %02d:%02d:%02d is not a valid date and time",
			 lt->year, lt->mon, lt->day, lt->hour, lt->min, lt->sec);
	else
		snprintf(err, errlen, "the year %d is out of range (%d-%d)", lt->year, TZ_YEAR_MIN,
			 TZ_YEAR_MAX);
	return TZ_EINVAL;
}

int tz_to_utc(const char *zone, const struct tz_local *lt, time_t *out, char *err, size_t errlen)
{
	const struct tz_zone *z = zone_find(zone);
	long long l, u[2];
	int n;

	if (z == NULL || !local_in_range(lt) || !year_supported(lt->year))
		return einval(zone, lt, err, errlen);
	l = (long long)tz_timegm(lt);
	n = readings(z, l, u);
	if (n == 1) {
		*out = (time_t)u[0];
		return TZ_OK;
	}
	if (err == NULL || errlen == 0)
		return n == 0 ? TZ_EGAP : TZ_EOVERLAP;
	if (n == 0) {
		gap_error(z, lt, l, err, errlen);
		return TZ_EGAP;
	}
	overlap_error(z, lt, l, u, err, errlen);
	return TZ_EOVERLAP;
}

/* ---- the machine's zone ---- */

/* Copies NAME (or what follows "zoneinfo/" in a path, minus a "posix/" tree) into BUF
 * if it is a known zone. */
static int try_zone(const char *name, char *buf, size_t len)
{
	const char *p = strstr(name, "zoneinfo/");

	if (p != NULL)
		name = p + strlen("zoneinfo/");
	if (strncmp(name, "posix/", 6) == 0)
		name += 6;
	if (strlen(name) >= len || !tz_valid(name))
		return 0;
	snprintf(buf, len, "%s", name);
	return 1;
}

static int zone_from_file(const char *path, char *buf, size_t len)
{
	char line[TZ_NAME_MAX * 2];
	FILE *f = fopen(path, "r");
	int ok = 0;

	if (f == NULL)
		return 0;
	if (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, " \t\r\n")] = '\0';
		ok = try_zone(line, buf, len);
	}
	fclose(f);
	return ok;
}

static int zone_from_link(const char *path, char *buf, size_t len)
{
	char target[512];
	ssize_t n = readlink(path, target, sizeof target - 1);

	if (n <= 0)
		return 0;
	target[n] = '\0';
	return strstr(target, "zoneinfo/") != NULL && try_zone(target, buf, len);
}

void tz_system_zone(char *buf, size_t len)
{
	const char *env = getenv("TZ");

	if (buf == NULL || len == 0)
		return;
	if (env != NULL && *env == ':')
		env++;
	if (env != NULL && *env != '\0' && try_zone(env, buf, len))
		return;
	if (zone_from_file("/etc/timezone", buf, len))
		return;
	if (zone_from_link("/etc/localtime", buf, len))
		return;
	snprintf(buf, len, "UTC");
}
