/* itip.c: see itip.h. libical parses; what it cannot be trusted with is done here first:
 *   - the size cap, and the lines, which are split here and handed to libical one at a
 *     time after a look (read_vcalendar): its parser is quadratic in bad lines, frees a
 *     component tree recursively and prints to stderr on a stray END.
 *   - a VTIMEZONE's rules. libical expands every transition of a zone up to the year it
 *     is asked about, so a zone with RRULE:FREQ=MINUTELY took minutes and gigabytes;
 *     zones whose rules are not the yearly kind real clients write are not used.
 *   - zone lookups by name go through lib/tz (libical's builtin table is not
 *     thread-safe), so DTSTART/DTEND are read as plain values (icalvalue_get_datetime),
 *     never with icalproperty_get_dtstart(), which looks names up by itself. */
#include "mail/itip.h"

#include "lib/str.h"
#include "lib/tz.h"

#include <libical/ical.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COMPONENTS_MAX 200    /* BEGIN lines; a real reply has under 10 */
#define LINES_MAX 5000        /* content lines; a real reply has under 100 */
#define ZONE_PARTS_MAX 64     /* STANDARD/DAYLIGHT blocks in one VTIMEZONE */
#define ZONE_CHANGES_MAX 20000 /* transitions libical may expand for one VTIMEZONE */
#define YEAR_MIN 1970
#define YEAR_MAX 2199
#define T_END 7258118400LL    /* 2200-01-01T00:00:00Z */
#define DAY 86400LL
#define TZID_MAX 200
#define BOM "\xef\xbb\xbf"

const char *itip_partstat_name(enum itip_partstat p)
{
	switch (p) {
	case PS_ACCEPTED: return "accepted";
	case PS_TENTATIVE: return "tentative";
	case PS_DECLINED: return "declined";
	case PS_DELEGATED: return "delegated";
	case PS_NEEDS_ACTION: return "needs-action";
	case PS_NONE: break;
	}
	return "none";
}

const char *itip_method_name(enum itip_method m)
{
	switch (m) {
	case ITIP_REPLY: return "REPLY";
	case ITIP_COUNTER: return "COUNTER";
	case ITIP_NONE: break;
	}
	return "none";
}

static void clear(struct itip *out)
{
	memset(out, 0, sizeof *out);
	out->method = ITIP_NONE;
	out->partstat = PS_NONE;
	out->sequence = -1;
}

__attribute__((format(printf, 4, 5)))
static int fail(struct itip *out, char *err, size_t errlen, const char *fmt, ...)
{
	clear(out);
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- text ---- */

/* Length of the well-formed UTF-8 sequence at S (1-4), 0 if none starts there. */
static int utf8_seq(const unsigned char *s)
{
	int n;
	unsigned char lo = 0x80, hi = 0xbf;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing above U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Copies SRC into DST (size LEN): valid UTF-8 only (a stray byte becomes '?'), control
 * characters (C0, DEL, C1) dropped, except line breaks — kept as '\n' when NEWLINES is
 * set, else spaces, like tabs — white space trimmed at both ends, cut at a character
 * boundary when it does not fit. */
static void clean(char *dst, size_t len, const char *src, int newlines)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	size_t n = 0;
	if (len == 0)
		return;
	s += strspn((const char *)s, " \t\r\n");
	while (*s) {
		int k = utf8_seq(s);
		const char *add = (const char *)s;
		char one;
		size_t addn = (size_t)k;
		if (k == 0 || *s == '\r' || *s == '\n' || *s == '\t') {
			one = k == 0 ? '?' : *s != '\t' && newlines ? '\n' : ' ';
			k = *s == '\r' && s[1] == '\n' ? 2 : 1;
			add = &one;
			addn = 1;
		} else if ((k == 1 && (*s < 0x20 || *s == 0x7f)) || (k == 2 && s[0] == 0xc2 && s[1] < 0xa0)) {
			s += k;
			continue;
		}
		if (n + addn >= len)
			break;
		memcpy(dst + n, add, addn);
		n += addn;
		s += k;
	}
	while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\n'))
		n--;
	dst[n] = 0;
}

/* SRC for an error message: at most 60 bytes, cleaned, "..." when cut. */
static const char *quote(char *buf, size_t len, const char *src)
{
	char cut[64];
	clean(cut, sizeof cut, src, 0);
	snprintf(buf, len, "%s%s", cut, src && strlen(src) > strlen(cut) + 2 ? "..." : "");
	return buf;
}

/* Appends code point CP to D as UTF-8; returns the bytes written (0: not a character). */
static int put_utf8(char *d, unsigned long cp)
{
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int digit(char c, int hex)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (hex && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (hex && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One HTML character reference at S ("&amp;", "&#39;", "&#x27;"): writes it to D and
 * returns the bytes of S it took, or 0 if S holds none. */
static size_t entity(const char *s, char *d, int *wrote)
{
	static const struct { const char *name; char c; } named[] = {
		{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''},
	};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		size_t n = strlen(named[i].name);
		if (strncmp(s, named[i].name, n) == 0) {
			*d = named[i].c;
			*wrote = 1;
			return n;
		}
	}
	if (s[1] != '#')
		return 0;
	int hex = s[2] == 'x' || s[2] == 'X';
	const char *p = s + 2 + hex;
	unsigned long cp = 0;
	size_t digits = 0;
	for (int v; digits < 7 && (v = digit(*p, hex)) >= 0; p++, digits++)
		cp = cp * (hex ? 16 : 10) + (unsigned long)v;
	if (digits == 0 || *p != ';' || !(*wrote = put_utf8(d, cp)))
		return 0;
	return (size_t)(p + 1 - s);
}

/* Google's X-RESPONSE-COMMENT parameter holds the note HTML-escaped, with iCalendar
 * text escapes on top ("it&#39\;s"): both are undone. Returns malloc'd text. */
static char *google_note(const char *s)
{
	char *d = malloc(strlen(s) + 1), *o = d;
	if (!d)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' && s[1] && strchr(";,\\nN", s[1])) {
			s++;
			*o++ = *s == 'n' || *s == 'N' ? '\n' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	/* entities, in place: one never takes fewer bytes than the character it stands for */
	for (char *r = d, *w = d; ; ) {
		int wrote = 0;
		size_t took = *r == '&' ? entity(r, w, &wrote) : 0;
		if (took) {
			r += took;
			w += wrote;
		} else if (!(*w++ = *r++)) {
			break;
		}
	}
	return d;
}

enum line_kind { LINE_OTHER, LINE_BEGIN, LINE_END };

/* BEGIN, END or anything else, as libical's parser tells them: the name is what comes
 * before the first ':' or ';' that is neither inside double quotes nor after a backslash
 * (never the line's first character), trailing blanks dropped, any case. */
static enum line_kind line_kind(const char *line)
{
	int quoted = 0;
	size_t i, n;
	for (i = 1; line[0] && line[i]; i++) {
		if (line[i - 1] == '\\')
			continue;
		if (line[i] == '"')
			quoted = !quoted;
		else if (!quoted && (line[i] == ':' || line[i] == ';'))
			break;
	}
	if (!line[0] || !line[i])
		return LINE_OTHER;
	for (n = i; n > 0 && strchr(" \t\n\v\f\r", line[n - 1]); n--)
		;
	if (n == 5 && strncasecmp(line, "BEGIN", 5) == 0)
		return LINE_BEGIN;
	return n == 3 && strncasecmp(line, "END", 3) == 0 ? LINE_END : LINE_OTHER;
}

/* The first VCALENDAR of TEXT (LEN bytes), or NULL with the reason. libical is handed
 * one content line at a time, split and unfolded here — a line ends in LF, CRLF or a lone
 * CR, and one starting with a space or tab continues the one before (RFC 5545 3.1) — so
 * that each is looked at first: libical's parser removes a bad property by walking the
 * list from its start (1 MiB of "X-A:" lines took over a minute), frees a component tree
 * recursively (so nesting must be bounded), and prints to stderr on an END that closes
 * nothing. */
static icalcomponent *read_vcalendar(const char *text, size_t len, char *why, size_t whylen)
{
	char *line = malloc(len + 1);
	icalparser *parser = line ? icalparser_new() : NULL;
	icalcomponent *cal = NULL;
	const char *p = text + (len >= 3 && memcmp(text, BOM, 3) == 0 ? 3 : 0);
	int lines = 0, begins = 0, level = 0;
	snprintf(why, whylen, "not iCalendar (no complete VCALENDAR)");
	while (parser && *p && !cal) {
		size_t n = 0;
		for (;;) {
			size_t k = strcspn(p, "\r\n");
			memcpy(line + n, p, k);
			n += k;
			p += k;
			p += p[0] == '\r' && p[1] == '\n' ? 2 : p[0] != 0;
			if (*p != ' ' && *p != '\t')
				break;
			p++; /* a fold */
		}
		line[n] = 0;
		enum line_kind kind = line_kind(line);
		if (++lines > LINES_MAX || (kind == LINE_BEGIN && ++begins > COMPONENTS_MAX)) {
			snprintf(why, whylen, "the calendar has over %d %s", lines > LINES_MAX ? LINES_MAX : COMPONENTS_MAX,
			         lines > LINES_MAX ? "lines" : "components");
			break;
		}
		if (kind == LINE_END && level == 0) {
			snprintf(why, whylen, "not iCalendar (END with no BEGIN on line %d)", lines);
			break;
		}
		level += kind == LINE_BEGIN ? 1 : kind == LINE_END ? -1 : 0;
		icalcomponent *c = icalparser_add_line(parser, line);
		if (c && icalcomponent_isa(c) == ICAL_VCALENDAR_COMPONENT)
			cal = c;
		else if (c)
			icalcomponent_free(c);
	}
	if (!parser)
		snprintf(why, whylen, "out of memory");
	if (parser)
		icalparser_free(parser);
	free(line);
	return cal;
}

/* ---- people ---- */

/* The value of an ORGANIZER or ATTENDEE as written ("mailto:..."), or NULL. */
static const char *cal_address(icalproperty *p)
{
	icalvalue *v = icalproperty_get_value(p);
	return v && icalvalue_isa(v) == ICAL_CALADDRESS_VALUE ? icalvalue_get_caladdress(v) : NULL;
}

/* The email address of an ORGANIZER or ATTENDEE into BUF (lower case): its mailto:
 * value, else its EMAIL parameter (RFC 7986, for urn:uuid: values). 0, or -1 if there
 * is none that looks like an address. */
static int address_of(icalproperty *p, char *buf, size_t len)
{
	const char *v = cal_address(p);
	char *email = NULL;
	int rc = -1;
	if (v) {
		v += strspn(v, " \t");
		if (strncasecmp(v, "mailto:", 7) == 0)
			v += 7 + strspn(v + 7, " \t");
		else
			v = email = icalproperty_get_parameter_as_string_r(p, "EMAIL");
	}
	if (v && strlen(v) < len) {
		size_t n = 0;
		for (; v[n]; n++)
			buf[n] = v[n] >= 'A' && v[n] <= 'Z' ? (char)(v[n] - 'A' + 'a') : v[n];
		while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
			n--;
		buf[n] = 0;
		rc = str_is_email(buf) ? 0 : -1;
	}
	free(email);
	if (rc < 0 && len)
		buf[0] = 0;
	return rc;
}

static enum itip_partstat partstat_of(icalproperty *p)
{
	icalparameter *ps = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
	switch (ps ? icalparameter_get_partstat(ps) : ICAL_PARTSTAT_NONE) {
	case ICAL_PARTSTAT_ACCEPTED: return PS_ACCEPTED;
	case ICAL_PARTSTAT_TENTATIVE: return PS_TENTATIVE;
	case ICAL_PARTSTAT_DECLINED: return PS_DECLINED;
	case ICAL_PARTSTAT_DELEGATED: return PS_DELEGATED;
	case ICAL_PARTSTAT_NEEDSACTION: return PS_NEEDS_ACTION;
	default: return PS_NONE;
	}
}

static int is_answer(enum itip_partstat ps)
{
	return ps == PS_ACCEPTED || ps == PS_TENTATIVE || ps == PS_DECLINED || ps == PS_DELEGATED;
}

/* The answering ATTENDEE of EV (see itip.h for the rule), or NULL with the reason. */
static icalproperty *pick_attendee(icalcomponent *ev, const char *organizer, enum itip_method m,
                                   char *why, size_t whylen)
{
	for (int skip_org = 1; skip_org >= 0; skip_org--) {
		icalproperty *first = NULL, *answered = NULL, *any = NULL;
		int n = 0;
		for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
		     p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
			char addr[255];
			if (skip_org && *organizer && address_of(p, addr, sizeof addr) == 0 &&
			    strcmp(addr, organizer) == 0)
				continue;
			n++;
			first = first ? first : p;
			if (!answered && is_answer(partstat_of(p)))
				answered = p;
			if (!any && icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER))
				any = p;
		}
		if (n == 0)
			continue;
		if (n == 1 || answered || any || m == ITIP_COUNTER)
			return n == 1 ? first : answered ? answered : any ? any : first;
		snprintf(why, whylen, "the REPLY names %d ATTENDEEs and none has a PARTSTAT", n);
		return NULL;
	}
	snprintf(why, whylen, "the %s names no ATTENDEE", itip_method_name(m));
	return NULL;
}

/* ---- times ---- */

/* A DTSTART or DTEND as written: a wall-clock time and how to read it. */
struct when {
	struct tz_local lt;
	int is_date;
	icaltimezone *vtz; /* the object's own VTIMEZONE, or NULL */
	char zone[64];     /* else an IANA zone name; "" for UTC (Z, floating, DATE) */
};

static int rule_count(const short *a, int size)
{
	int n = 0;
	while (n < size && a[n] != ICAL_RECURRENCE_ARRAY_MAX)
		n++;
	return n;
}

/* Transitions a year of R yields at most; -1 for a rule no time zone has (only
 * FREQ=YEARLY with BYMONTH, BYMONTHDAY and BYDAY is written by real clients). */
static long long rule_per_year(const struct icalrecurrencetype *r)
{
	if (r->freq != ICAL_YEARLY_RECURRENCE || r->interval < 1 ||
	    rule_count(r->by_second, ICAL_BY_SECOND_SIZE) || rule_count(r->by_minute, ICAL_BY_MINUTE_SIZE) ||
	    rule_count(r->by_hour, ICAL_BY_HOUR_SIZE) || rule_count(r->by_year_day, ICAL_BY_YEARDAY_SIZE) ||
	    rule_count(r->by_week_no, ICAL_BY_WEEKNO_SIZE) || rule_count(r->by_set_pos, ICAL_BY_SETPOS_SIZE))
		return -1;
	int months = rule_count(r->by_month, ICAL_BY_MONTH_SIZE);
	int mdays = rule_count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE);
	int wdays = rule_count(r->by_day, ICAL_BY_DAY_SIZE), plain = 0;
	for (int i = 0; i < wdays; i++)
		plain += icalrecurrencetype_day_position(r->by_day[i]) == 0;
	if (months == 0)
		months = mdays || wdays ? 12 : 1;
	return (long long)months * (mdays ? mdays : wdays ? wdays + 4 * plain : 1);
}

/* Whether libical may expand the rules of VTZ (a VTIMEZONE) up to YEAR_MAX quickly. */
static int zone_plausible(icalcomponent *vtz)
{
	long long changes = 0;
	int parts = 0;
	for (icalcomponent *c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind k = icalcomponent_isa(c);
		if (++parts > ZONE_PARTS_MAX)
			return 0;
		if (k != ICAL_XSTANDARD_COMPONENT && k != ICAL_XDAYLIGHT_COMPONENT)
			continue;
		/* libical reads these DTSTARTs with icalproperty_get_dtstart(), which would look
		 * a TZID up in its builtin table: real zones have none */
		icalproperty *ds = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
		icalvalue *v = ds ? icalproperty_get_value(ds) : NULL;
		if (!v || icalvalue_isa(v) != ICAL_DATETIME_VALUE ||
		    icalproperty_get_first_parameter(ds, ICAL_TZID_PARAMETER))
			return 0;
		int year = icalvalue_get_datetime(v).year;
		if (year < 1600 || year > YEAR_MAX)
			return 0;
		for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY); p;
		     p = icalcomponent_get_next_property(c, ICAL_RRULE_PROPERTY)) {
			struct icalrecurrencetype r = icalproperty_get_rrule(p);
			long long per = rule_per_year(&r);
			if (per < 0)
				return 0;
			changes += per * (YEAR_MAX + 6 - year);
		}
		for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_RDATE_PROPERTY); p;
		     p = icalcomponent_get_next_property(c, ICAL_RDATE_PROPERTY)) {
			if (icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER))
				return 0;
			changes++;
		}
		if (changes > ZONE_CHANGES_MAX)
			return 0;
	}
	return 1;
}

/* Outlook names zones the Windows way ("W. Europe Standard Time") and Exchange sends
 * replies with such a TZID and no VTIMEZONE; the common ones, after CLDR's
 * windowsZones table (the zone of each name's territory "001"). */
static const char *windows_zone(const char *tzid)
{
	static const char *const map[][2] = {
		{"W. Europe Standard Time", "Europe/Berlin"},
		{"Central Europe Standard Time", "Europe/Budapest"},
		{"Central European Standard Time", "Europe/Warsaw"},
		{"Romance Standard Time", "Europe/Paris"},
		{"GMT Standard Time", "Europe/London"},
		{"UTC", "UTC"},
		{"Eastern Standard Time", "America/New_York"},
		{"Central Standard Time", "America/Chicago"},
		{"Mountain Standard Time", "America/Denver"},
		{"Pacific Standard Time", "America/Los_Angeles"},
		{"India Standard Time", "Asia/Kolkata"},
		{"China Standard Time", "Asia/Shanghai"},
		{"Tokyo Standard Time", "Asia/Tokyo"},
		{"AUS Eastern Standard Time", "Australia/Sydney"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(tzid, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* The IANA zone TZID names, into BUF: itself, what follows one of its first slashes
 * ("/mozilla.org/20070129_1/Europe/Berlin"), or a Windows name. 0, or -1. */
static int iana_of(const char *tzid, char *buf, size_t len)
{
	const char *p = tzid, *win = windows_zone(tzid);
	if (win)
		return str_copy(buf, len, win);
	for (int i = 0; p && i < 8; i++, p = *p ? strchr(p + 1, '/') : NULL) {
		const char *name = p + (*p == '/');
		if (tz_valid(name))
			return str_copy(buf, len, name);
	}
	return -1;
}

/* Reads property P (named NAME, of the calendar CAL) into W; 0, or -1 with the reason. */
static int when_of(icalcomponent *cal, icalproperty *p, const char *name, struct when *w, char *why,
                   size_t whylen)
{
	icalvalue *v = icalproperty_get_value(p);
	icalvalue_kind k = v ? icalvalue_isa(v) : ICAL_NO_VALUE;
	char q[80];
	memset(w, 0, sizeof *w);
	if (k != ICAL_DATETIME_VALUE && k != ICAL_DATE_VALUE) {
		snprintf(why, whylen, "%s is not a date or date-time", name);
		return -1;
	}
	struct icaltimetype t = icalvalue_get_datetime(v);
	w->is_date = t.is_date;
	w->lt = (struct tz_local){t.year, t.month, t.day, t.is_date ? 0 : t.hour, t.is_date ? 0 : t.minute,
	                          t.is_date ? 0 : t.second, 0};
	if (t.year < YEAR_MIN || t.year > YEAR_MAX || t.month < 1 || t.month > 12 || t.day < 1 ||
	    t.day > tz_days_in_month(t.year, t.month) || w->lt.hour < 0 || w->lt.hour > 23 ||
	    w->lt.min < 0 || w->lt.min > 59 || w->lt.sec < 0 || w->lt.sec > 59) {
		snprintf(why, whylen, "%s is out of range (%04d-%02d-%02d %02d:%02d:%02d)", name, t.year,
		         t.month, t.day, t.hour, t.minute, t.second);
		return -1;
	}
	icalparameter *tp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	const char *tzid = tp ? icalparameter_get_tzid(tp) : NULL;
	if (t.is_date || icaltime_is_utc(t) || !tzid)
		return 0;
	if (strlen(tzid) <= TZID_MAX) {
		icaltimezone *z = icalcomponent_get_timezone(cal, tzid);
		if (z && zone_plausible(icaltimezone_get_component(z))) {
			w->vtz = z;
			return 0;
		}
		if (iana_of(tzid, w->zone, sizeof w->zone) == 0)
			return 0;
	}
	snprintf(why, whylen, "%s: unknown time zone \"%s\" (no usable VTIMEZONE)", name, quote(q, sizeof q, tzid));
	return -1;
}

/* UTC offset of the object's zone Z at instant T. */
static int vtz_offset(icaltimezone *z, long long t)
{
	struct icaltimetype it = icaltime_from_timet_with_zone((time_t)t, 0, NULL);
	return icaltimezone_get_utc_offset_of_utc_time(z, &it, NULL);
}

/* LT in the object's zone Z to UTC. libical would silently pick a reading for a local
 * time that does not exist or exists twice (reference/libraries.md); as in lib/tz, the
 * offsets a day either side are tried and each kept only if it gives LT back. */
static int vtz_to_utc(icaltimezone *z, const struct tz_local *lt, long long *out, char *why, size_t whylen)
{
	long long l = (long long)tz_timegm(lt), u[2] = {0, 0};
	const int cand[3] = {vtz_offset(z, l - DAY), vtz_offset(z, l), vtz_offset(z, l + DAY)};
	int n = 0;
	for (int i = 0; i < 3; i++) {
		long long t = l - cand[i];
		if ((n == 0 || u[0] != t) && n < 2 && vtz_offset(z, t) == cand[i])
			u[n++] = t;
	}
	if (n == 1) {
		*out = u[0];
		return 0;
	}
	char q[80];
	snprintf(why, whylen, "%04d-%02d-%02d %02d:%02d %s in time zone \"%s\"", lt->year, lt->mon, lt->day,
	         lt->hour, lt->min, n == 0 ? "does not exist" : "exists twice",
	         quote(q, sizeof q, icaltimezone_get_tzid(z)));
	return -1;
}

static int when_to_utc(const struct when *w, const char *name, long long *out, char *why, size_t whylen)
{
	long long t = 0;
	if (w->vtz) {
		if (vtz_to_utc(w->vtz, &w->lt, &t, why, whylen) < 0)
			return -1;
	} else if (w->zone[0]) {
		time_t tt;
		char e[256];
		if (tz_to_utc(w->zone, &w->lt, &tt, e, sizeof e) != TZ_OK) {
			snprintf(why, whylen, "%s: %s", name, e);
			return -1;
		}
		t = (long long)tt;
	} else {
		t = (long long)tz_timegm(&w->lt);
	}
	if (t <= 0 || t >= T_END) { /* 0 stands for "none" */
		snprintf(why, whylen, "%s is out of range", name);
		return -1;
	}
	*out = t;
	return 0;
}

/* END from DTSTART's reading W and a DURATION (days count on the calendar, the rest
 * exactly, RFC 5545 3.3.6). */
static int duration_end(const struct when *w, struct icaldurationtype d, long long *end, char *why,
                        size_t whylen)
{
	struct when e = *w;
	long long days = 7LL * d.weeks + d.days;
	long long secs = 3600LL * d.hours + 60LL * d.minutes + d.seconds;
	if (icaldurationtype_is_bad_duration(d) || d.is_neg || days > 3660 || secs > 3660 * DAY ||
	    tz_add_days(&e.lt, days) != TZ_OK) {
		snprintf(why, whylen, "DURATION is negative or out of range");
		return -1;
	}
	if (when_to_utc(&e, "DURATION", end, why, whylen) < 0)
		return -1;
	*end += secs;
	return 0;
}

/* START and END of EV (see itip.h); 0, or -1 with the reason. */
static int read_times(icalcomponent *cal, icalcomponent *ev, long long *start, long long *end, char *why,
                      size_t whylen)
{
	icalproperty *ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
	icalproperty *pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
	icalproperty *pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
	struct when ws, we;
	*start = *end = 0;
	if (!ps) {
		snprintf(why, whylen, "no DTSTART");
		return -1;
	}
	tz_init();
	if (when_of(cal, ps, "DTSTART", &ws, why, whylen) < 0 || when_to_utc(&ws, "DTSTART", start, why, whylen) < 0)
		return -1;
	if (pe) {
		if (when_of(cal, pe, "DTEND", &we, why, whylen) < 0 || when_to_utc(&we, "DTEND", end, why, whylen) < 0)
			return -1;
	} else if (pd) {
		if (duration_end(&ws, icalproperty_get_duration(pd), end, why, whylen) < 0)
			return -1;
	} else if (ws.is_date) {
		*end = *start + DAY;
	}
	if (*end && *end < *start) {
		snprintf(why, whylen, "it ends before it starts");
		return -1;
	}
	return 0;
}

/* ---- the object ---- */

static enum itip_method method_of(icalcomponent *cal, char *why, size_t whylen)
{
	icalproperty *p = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
	char q[80];
	if (!p) {
		snprintf(why, whylen, "no METHOD (not an iTIP message)");
		return ITIP_NONE;
	}
	switch (icalproperty_get_method(p)) {
	case ICAL_METHOD_REPLY: return ITIP_REPLY;
	case ICAL_METHOD_COUNTER: return ITIP_COUNTER;
	default: break;
	}
	char *v = icalproperty_get_value_as_string_r(p);
	snprintf(why, whylen, "METHOD:%s is not a REPLY or COUNTER", quote(q, sizeof q, v));
	free(v);
	return ITIP_NONE;
}

/* The note: COMMENT, else Google's X-RESPONSE-COMMENT on the answering ATTENDEE. */
static void read_comment(icalcomponent *ev, icalproperty *att, char *buf, size_t len)
{
	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_COMMENT_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_COMMENT_PROPERTY)) {
		clean(buf, len, icalproperty_get_comment(p), 1);
		if (*buf)
			return;
	}
	char *raw = icalproperty_get_parameter_as_string_r(att, "X-RESPONSE-COMMENT");
	char *note = raw ? google_note(raw) : NULL;
	clean(buf, len, note, 1);
	free(note);
	free(raw);
}

static int read_calendar(icalcomponent *cal, struct itip *out, char *err, size_t errlen)
{
	char why[400], q[80], organizer[255] = "";
	enum itip_method m = method_of(cal, why, sizeof why);
	if (m == ITIP_NONE)
		return fail(out, err, errlen, "%s", why);
	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	if (!ev)
		return fail(out, err, errlen, "no VEVENT in the %s", itip_method_name(m));
	icalproperty *up = icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY);
	const char *uid = up ? icalproperty_get_uid(up) : NULL;
	if (!uid || !*uid)
		return fail(out, err, errlen, "the %s has no UID", itip_method_name(m));
	if (strlen(uid) >= sizeof out->uid || str_has_control(uid))
		return fail(out, err, errlen, "UID \"%s\" is too long or holds control characters", quote(q, sizeof q, uid));
	icalproperty *org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
	if (org)
		(void)address_of(org, organizer, sizeof organizer);
	icalproperty *att = pick_attendee(ev, organizer, m, why, sizeof why);
	if (!att)
		return fail(out, err, errlen, "%s", why);
	if (address_of(att, out->attendee, sizeof out->attendee) < 0)
		return fail(out, err, errlen, "ATTENDEE \"%s\" is not an email address",
		            quote(q, sizeof q, cal_address(att)));
	long long start, end;
	if (read_times(cal, ev, &start, &end, why, sizeof why) == 0) {
		out->start = start;
		out->end = end;
	} else if (m == ITIP_COUNTER) {
		return fail(out, err, errlen, "COUNTER: %s", why);
	}
	out->method = m;
	str_copy(out->uid, sizeof out->uid, uid);
	icalproperty *sp = icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY);
	out->sequence = sp ? icalproperty_get_sequence(sp) : -1;
	if (out->sequence < 0)
		out->sequence = -1;
	icalparameter *cn = icalproperty_get_first_parameter(att, ICAL_CN_PARAMETER);
	clean(out->attendee_name, sizeof out->attendee_name, cn ? icalparameter_get_cn(cn) : NULL, 0);
	out->partstat = partstat_of(att);
	read_comment(ev, att, out->comment, sizeof out->comment);
	return 0;
}

int itip_parse(const char *text, struct itip *out, char *err, size_t errlen)
{
	char why[200];
	clear(out);
	if (err && errlen)
		err[0] = 0;
	if (!text)
		return fail(out, err, errlen, "no calendar text");
	size_t len = strnlen(text, (size_t)ITIP_TEXT_MAX + 1);
	if (len > ITIP_TEXT_MAX)
		return fail(out, err, errlen, "the calendar is over %d bytes", ITIP_TEXT_MAX);
	icalcomponent *cal = read_vcalendar(text, len, why, sizeof why);
	if (!cal)
		return fail(out, err, errlen, "%s", why);
	int rc = read_calendar(cal, out, err, errlen);
	icalcomponent_free(cal);
	return rc;
}
