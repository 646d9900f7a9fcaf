/* Unit tests for mail/itip: calendar clients' answers to an invite, as fixtures, then
 * tables of edge cases, and random, mutated, truncated and huge input.
 *
 * The fixtures: tests/mail/itip/ (or $ITIP_FIXTURES), one per NAME:
 *   NAME.ics     a text/calendar part as a client sends it (Google, Exchange/Outlook,
 *                Apple, Thunderbird; edge_* are hand-made edge cases)
 *   NAME.eml     a whole email as the client sends it; its calendar part is found by
 *                mail_parse (mail/parse.c), then read by itip_parse
 *   NAME.expect  what itip_parse gives: "key: value" lines, '#' lines are comments
 *       method:    REPLY | COUNTER | none (none: itip_parse refuses it)
 *       error:     with "none", a piece of the reason that must appear in ERR
 *       uid, sequence, attendee, name (the CN), partstat (itip_partstat_name),
 *       start, end (ISO 8601 UTC "2025-03-12T15:00:00Z", or 0), comment ("\n" is a line
 *       break): all required with REPLY and COUNTER
 *       from:      .eml only, required: the sender mail_parse reads
 * Every body needs an .expect and every .expect a body; fewer than MIN_FIXTURES
 * fixtures fail the run, so that a wrong working directory cannot pass quietly.
 * Run from the repository root (make check does), or set ITIP_FIXTURES. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/str.h"
#include "lib/tz.h"
#include "mail/itip.h"
#include "mail/parse.h"
#include <gmime/gmime.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MIN_FIXTURES 60
#define SHOW_MAX 1500

/* ---- small helpers ---- */

#include "tests/unit/fixture.h"

/* "2025-03-12T15:00:00Z" for T, "0" for 0. */
static void iso(long long t, char *buf, size_t len)
{
	struct tz_local lt;
	if (t == 0 || tz_from_utc("UTC", (time_t)t, &lt, NULL) != TZ_OK) {
		snprintf(buf, len, "%lld", t);
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", lt.year, lt.mon, lt.day, lt.hour, lt.min, lt.sec);
}

/* What itip_parse promises of any answer, whatever the input. */
static int invariants_hold(int rc, const struct itip *it, const char *err)
{
	if (rc != 0 && rc != -1)
		return 0;
	if (!memchr(it->uid, 0, sizeof it->uid) || !memchr(it->attendee, 0, sizeof it->attendee) ||
	    !memchr(it->attendee_name, 0, sizeof it->attendee_name) || !memchr(it->comment, 0, sizeof it->comment))
		return 0;
	if (rc == -1)
		return err[0] && it->method == ITIP_NONE && !it->uid[0] && !it->attendee[0] && !it->attendee_name[0] &&
		       !it->comment[0] && it->sequence == -1 && it->partstat == PS_NONE && !it->start && !it->end;
	return (it->method == ITIP_REPLY || it->method == ITIP_COUNTER) && it->uid[0] && !str_has_control(it->uid) &&
	       str_is_email(it->attendee) && it->partstat >= PS_NONE && it->partstat <= PS_NEEDS_ACTION &&
	       it->sequence >= -1 && it->start >= 0 && it->start < 7258118400LL && it->end >= 0 &&
	       it->end < 7258118400LL + 4000LL * 86400 && (!it->end || it->end >= it->start) &&
	       (it->method != ITIP_COUNTER || it->start > 0) && str_is_utf8(it->attendee_name) &&
	       !str_has_control(it->attendee_name) && str_is_utf8(it->comment) &&
	       !strpbrk(it->comment, "\r\t\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x1b\x7f");
}

/* Runs itip_parse on IN (N bytes, in a buffer of exactly N + 1 so that ASan sees a read
 * past the end) and checks the invariants. Returns rc. */
static int run_checked(const char *label, const char *in, size_t n, struct itip *it)
{
	char *s = dup_n(in, n), err[256];
	memset(it, 0x5a, sizeof *it); /* garbage in, so that a field left unset shows */
	int rc = itip_parse(s, it, err, sizeof err);
	int ok = invariants_hold(rc, it, err);
	if (!ok) {
		char a[32], b[32];
		iso(it->start, a, sizeof a);
		iso(it->end, b, sizeof b);
		print_error("%s: an invariant does not hold (rc %d, err \"%s\")\n", label, rc, rc ? err : "");
		show("input", s);
		print_error("  method %d uid \"%.40s\" attendee \"%.60s\" partstat %d start %s end %s\n", it->method,
		            it->uid, it->attendee, (int)it->partstat, a, b);
	}
	free(s);
	if (!ok)
		fail();
	return rc;
}

/* ---- the fixtures ---- */

enum kind { K_ICS, K_EML };

struct fixture {
	char name[128];
	char body_path[512], expect_path[512];
	enum kind kind;
	int orphan; /* a body without .expect, the reverse, or two bodies */
};

static struct fixture *g_fixtures;
static size_t g_nfixtures;

static const char *fixture_dir(void)
{
	const char *env = getenv("ITIP_FIXTURES");
	DIR *d;
	if (env && *env)
		return env;
	if ((d = opendir("tests/mail/itip"))) {
		closedir(d);
		return "tests/mail/itip";
	}
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct fixture *)a)->name, ((const struct fixture *)b)->name);
}

/* Files NAME.ics, NAME.eml and NAME.expect of DIR become fixtures, sorted by NAME; a
 * NAME with two bodies, or with a body and no .expect (or the reverse), is an orphan. */
static struct fixture *load_fixtures(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0, cap = 1024;
	struct fixture *fx = calloc(cap, sizeof *fx);
	if (!d || !fx) {
		if (d)
			closedir(d);
		free(fx);
		return NULL;
	}
	while ((e = readdir(d)) && n < cap) {
		const char *dot = strrchr(e->d_name, '.');
		int is_expect = dot && strcmp(dot, ".expect") == 0;
		if (!dot || (!is_expect && strcmp(dot, ".ics") && strcmp(dot, ".eml")) ||
		    (size_t)(dot - e->d_name) >= sizeof fx->name)
			continue;
		struct fixture *f = NULL;
		for (size_t i = 0; i < n && !f; i++)
			if (strlen(fx[i].name) == (size_t)(dot - e->d_name) &&
			    strncmp(fx[i].name, e->d_name, (size_t)(dot - e->d_name)) == 0)
				f = &fx[i];
		if (!f) {
			f = &fx[n++];
			snprintf(f->name, sizeof f->name, "%.*s", (int)(dot - e->d_name), e->d_name);
		}
		char *path = is_expect ? f->expect_path : f->body_path;
		f->orphan |= !is_expect && f->body_path[0]; /* two bodies */
		snprintf(path, sizeof f->body_path, "%s/%s", dir, e->d_name);
		if (!is_expect)
			f->kind = strcmp(dot, ".eml") == 0 ? K_EML : K_ICS;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		fx[i].orphan |= !fx[i].body_path[0] || !fx[i].expect_path[0];
	qsort(fx, n, sizeof *fx, by_name);
	*count = n;
	return fx;
}

struct expect {
	char method[16], error[256], uid[512], attendee[300], name[300], partstat[32];
	char start[32], end[32], comment[2048], from[300];
	int sequence, have;
};

enum {
	H_METHOD = 1, H_ERROR = 2, H_UID = 4, H_SEQ = 8, H_ATT = 16, H_NAME = 32, H_PS = 64,
	H_START = 128, H_END = 256, H_COMMENT = 512, H_FROM = 1024,
	H_ALL = H_METHOD | H_UID | H_SEQ | H_ATT | H_NAME | H_PS | H_START | H_END | H_COMMENT,
};

/* "\n" in a comment value stands for a line break. */
static void unescape(char *dst, size_t len, const char *src)
{
	size_t n = 0;
	for (; *src && n + 1 < len; src++) {
		if (src[0] == '\\' && src[1] == 'n') {
			dst[n++] = '\n';
			src++;
		} else {
			dst[n++] = *src;
		}
	}
	dst[n] = 0;
}

/* Parses an .expect file; 0, or -1 with the reason in ERR. */
static int expect_parse(char *s, struct expect *e, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		int bit;
		size_t off, size;
	} keys[] = {
		{"method", H_METHOD, offsetof(struct expect, method), sizeof e->method},
		{"error", H_ERROR, offsetof(struct expect, error), sizeof e->error},
		{"uid", H_UID, offsetof(struct expect, uid), sizeof e->uid},
		{"attendee", H_ATT, offsetof(struct expect, attendee), sizeof e->attendee},
		{"name", H_NAME, offsetof(struct expect, name), sizeof e->name},
		{"partstat", H_PS, offsetof(struct expect, partstat), sizeof e->partstat},
		{"start", H_START, offsetof(struct expect, start), sizeof e->start},
		{"end", H_END, offsetof(struct expect, end), sizeof e->end},
		{"comment", H_COMMENT, offsetof(struct expect, comment), sizeof e->comment},
		{"from", H_FROM, offsetof(struct expect, from), sizeof e->from},
	};
	memset(e, 0, sizeof *e);
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		char *colon = strchr(line, ':');
		if (!colon) {
			snprintf(err, errlen, "a line without ':': \"%s\"", line);
			return -1;
		}
		*colon = 0;
		const char *v = colon + 1 + (colon[1] == ' ');
		int found = 0;
		if (strcmp(line, "sequence") == 0) {
			e->sequence = atoi(v);
			e->have |= H_SEQ;
			continue;
		}
		for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
			if (strcmp(line, keys[i].key))
				continue;
			unescape((char *)e + keys[i].off, keys[i].size, v);
			e->have |= keys[i].bit;
			found = 1;
		}
		if (!found) {
			snprintf(err, errlen, "unknown key \"%s\"", line);
			return -1;
		}
	}
	int none = strcmp(e->method, "none") == 0;
	if (!(e->have & H_METHOD) || (none && !(e->have & H_ERROR)) || (!none && (e->have & H_ALL) != H_ALL)) {
		snprintf(err, errlen, "missing keys (method; error with none; else uid, sequence, attendee, "
		                      "name, partstat, start, end, comment)");
		return -1;
	}
	return 0;
}

static void test_fixture(void **state)
{
	const struct fixture *fx = *state;
	char err[256] = "", *expect_text, *body;
	size_t len, elen;
	struct expect e;
	if (fx->orphan) {
		print_error("%s: a fixture is one body (NAME.ics or NAME.eml) and one NAME.expect\n", fx->name);
		fail();
	}
	assert_non_null(body = read_file(fx->body_path, &len));
	assert_non_null(expect_text = read_file(fx->expect_path, &elen));
	if (expect_parse(expect_text, &e, err, sizeof err) < 0) {
		print_error("%s: %s\n", fx->expect_path, err);
		fail();
	}
	const char *calendar = body, *from = "";
	struct mail_msg m;
	int is_eml = fx->kind == K_EML;
	if (is_eml) {
		if (!(e.have & H_FROM)) {
			print_error("%s: an .eml fixture needs \"from:\"\n", fx->expect_path);
			fail();
		}
		if (mail_parse(body, len, &m, err, sizeof err) < 0 || !m.calendar) {
			print_error("%s: mail_parse: %s\n", fx->body_path, m.calendar ? err : "no calendar part");
			mail_msg_free(&m);
			fail();
		}
		calendar = m.calendar;
		from = m.from;
	}
	struct itip it;
	char start[32], end[32];
	(void)run_checked(fx->name, calendar, strlen(calendar), &it);
	err[0] = 0;
	int rc = itip_parse(calendar, &it, err, sizeof err);
	iso(it.start, start, sizeof start);
	iso(it.end, end, sizeof end);
	int bad;
	if (strcmp(e.method, "none") == 0)
		bad = rc != -1 || !strstr(err, e.error);
	else
		bad = rc != 0 || strcmp(itip_method_name(it.method), e.method) || strcmp(it.uid, e.uid) ||
		      it.sequence != e.sequence || strcmp(it.attendee, e.attendee) || strcmp(it.attendee_name, e.name) ||
		      strcmp(itip_partstat_name(it.partstat), e.partstat) || strcmp(start, e.start) ||
		      strcmp(end, e.end) || strcmp(it.comment, e.comment);
	bad |= is_eml && strcmp(from, e.from);
	if (bad) {
		print_error("%s: not what %s says\n", fx->name, fx->expect_path);
		print_error("  expected: method %s error \"%s\" uid %s sequence %d attendee %s name \"%s\" partstat %s "
		            "start %s end %s from %s\n",
		            e.method, e.error, e.uid, e.sequence, e.attendee, e.name, e.partstat, e.start, e.end, e.from);
		show("expected comment", e.comment);
		print_error("  actual:   method %s error \"%s\" uid %s sequence %d attendee %s name \"%s\" partstat %s "
		            "start %s end %s from %s\n",
		            itip_method_name(it.method), rc ? err : "", it.uid, it.sequence, it.attendee, it.attendee_name,
		            itip_partstat_name(it.partstat), start, end, from);
		show("actual comment  ", it.comment);
	}
	if (is_eml)
		mail_msg_free(&m);
	free(body);
	free(expect_text);
	if (bad)
		fail();
}

/* ---- tables ---- */

static void test_names(void **state)
{
	(void)state;
	static const struct {
		enum itip_partstat p;
		const char *name;
	} cases[] = {
		{PS_NONE, "none"},           {PS_ACCEPTED, "accepted"},   {PS_TENTATIVE, "tentative"},
		{PS_DECLINED, "declined"},   {PS_DELEGATED, "delegated"}, {PS_NEEDS_ACTION, "needs-action"},
		{(enum itip_partstat)99, "none"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		assert_string_equal(itip_partstat_name(cases[i].p), cases[i].name);
	assert_string_equal(itip_method_name(ITIP_REPLY), "REPLY");
	assert_string_equal(itip_method_name(ITIP_COUNTER), "COUNTER");
	assert_string_equal(itip_method_name(ITIP_NONE), "none");
	assert_string_equal(itip_method_name((enum itip_method)7), "none");
}

#define HEAD "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:u-1@example.com\r\n"
#define TAIL "END:VEVENT\r\nEND:VCALENDAR\r\n"

/* One property line between HEAD and TAIL. */
static int parse_with(const char *lines, struct itip *it, char *err, size_t errlen)
{
	char buf[8192];
	snprintf(buf, sizeof buf, HEAD "%s" TAIL, lines);
	return itip_parse(buf, it, err, errlen);
}

static void test_api_edges(void **state)
{
	(void)state;
	struct itip it;
	char err[256], tiny[8];
	memset(&it, 0x5a, sizeof it);
	assert_int_equal(itip_parse(NULL, &it, err, sizeof err), -1);
	assert_string_equal(err, "no calendar text");
	assert_int_equal(it.method, ITIP_NONE);
	assert_int_equal(it.sequence, -1);
	assert_int_equal(itip_parse("", &it, NULL, 0), -1);   /* no ERR at all */
	assert_int_equal(itip_parse("x", &it, err, 0), -1);   /* ERR of size 0: untouched */
	assert_int_equal(itip_parse("x", &it, tiny, sizeof tiny), -1);
	assert_int_equal(strlen(tiny), sizeof tiny - 1); /* cut, terminated */
	assert_int_equal(parse_with("ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.com\r\n", &it, NULL, 0), 0);
	assert_string_equal(it.attendee, "a@example.com");
}

/* Comments and names: cleaning, cutting at a character boundary, Google's escapes. */
static void test_text_fields(void **state)
{
	(void)state;
	static const struct {
		const char *params, *lines; /* the ATTENDEE's parameters; lines after it */
		const char *comment, *name;
	} cases[] = {
		{"", "COMMENT:plain", "plain", ""},
		{"", "COMMENT:  \\n\\nblank lines around\\n\\n  ", "blank lines around", ""},
		{"", "COMMENT:a\\nb\\, c\\; d\\\\e", "a\nb, c; d\\e", ""},
		{"", "COMMENT:tab\there", "tab here", ""},
		{"", "COMMENT:bell\x07 esc\x1b del\x7f c1\xc2\x85 gone", "bell esc del c1 gone", ""},
		{"", "COMMENT:bad \xff\xfe utf-8 \xc3", "bad ?? utf-8 ?", ""},
		{"", "COMMENT:overlong \xc0\xaf surrogate \xed\xa0\x80", "overlong ?? surrogate ???", ""},
		{"", "COMMENT:\r\nCOMMENT:second", "second", ""}, /* the first COMMENT with text */
		{";X-RESPONSE-COMMENT=\"it&#39\\;s &lt;fine&gt; &amp; &quot;ok&quot;\"", "", "it's <fine> & \"ok\"", ""},
		{";X-RESPONSE-COMMENT=\"&#x1F600; &#233; &#0; &#xD800; &bogus; &#12\"", "",
		 "\xf0\x9f\x98\x80 \xc3\xa9 &#0; &#xD800; &bogus; &#12", ""},
		{";X-RESPONSE-COMMENT=\"line\\none\\, two\"", "", "line\none, two", ""},
		{";X-RESPONSE-COMMENT=x", "COMMENT:wins", "wins", ""},
		{";CN=\"  spaced  \"", "", "", "spaced"},
		{";CN=\"Zo\xc3\xab ^nO'Brien\"", "", "", "Zo\xc3\xab  O'Brien"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char lines[1024], err[256];
		struct itip it;
		snprintf(lines, sizeof lines, "ATTENDEE;PARTSTAT=ACCEPTED%s:mailto:a@example.com\r\n%s\r\n", cases[i].params,
		         cases[i].lines);
		int rc = parse_with(lines, &it, err, sizeof err);
		if (rc != 0 || strcmp(it.comment, cases[i].comment) || strcmp(it.attendee_name, cases[i].name)) {
			print_error("text case %zu: rc %d %s\n", i, rc, rc ? err : "");
			show("lines           ", lines);
			show("expected comment", cases[i].comment);
			show("actual comment  ", it.comment);
			show("expected name   ", cases[i].name);
			show("actual name     ", it.attendee_name);
			fail();
		}
	}
}

static void test_long_fields(void **state)
{
	(void)state;
	/* 700 two-byte characters: the comment is cut at 1000 bytes, between characters;
	 * the name at 200 */
	size_t n = 700;
	char *lines = malloc(n * 4 + 512);
	assert_non_null(lines);
	strcpy(lines, "ATTENDEE;PARTSTAT=ACCEPTED;CN=\"");
	for (size_t i = 0; i < n / 2; i++)
		strcat(lines, "\xc3\xa9");
	strcat(lines, "x\":mailto:a@example.com\r\nCOMMENT:");
	char *p = lines + strlen(lines);
	*p++ = 'x'; /* odd: the cut must step back over half a character */
	for (size_t i = 0; i < n; i++, p += 2)
		memcpy(p, "\xc3\xa9", 2);
	strcpy(p, "\r\n");
	struct itip it;
	char *text = malloc(strlen(lines) + sizeof HEAD TAIL);
	assert_non_null(text);
	sprintf(text, HEAD "%s" TAIL, lines);
	assert_int_equal(itip_parse(text, &it, NULL, 0), 0);
	assert_int_equal(strlen(it.comment), 999);
	assert_true(str_is_utf8(it.comment));
	assert_int_equal(strlen(it.attendee_name), 200);
	assert_true(str_is_utf8(it.attendee_name));
	free(text);
	free(lines);

	/* a 399-byte UID fits, 400 does not; an address of 254 bytes fits */
	char uid[401], buf[2048];
	memset(uid, 'u', sizeof uid);
	uid[399] = 0;
	snprintf(buf, sizeof buf,
	         "BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:%s\nATTENDEE:mailto:a@example.com\nEND:VEVENT\n"
	         "END:VCALENDAR\n", uid);
	assert_int_equal(itip_parse(buf, &it, NULL, 0), 0);
	assert_int_equal(strlen(it.uid), 399);
	uid[399] = 'u';
	uid[400] = 0;
	snprintf(buf, sizeof buf,
	         "BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:%s\nATTENDEE:mailto:a@example.com\nEND:VEVENT\n"
	         "END:VCALENDAR\n", uid);
	assert_int_equal(itip_parse(buf, &it, NULL, 0), -1);
	char addr[300];
	memset(addr, 'a', 242);
	strcpy(addr + 242, "@example.com"); /* 254 bytes */
	snprintf(buf, sizeof buf, "ATTENDEE;PARTSTAT=DECLINED:mailto:%s\r\n", addr);
	assert_int_equal(parse_with(buf, &it, NULL, 0), 0);
	assert_int_equal(strlen(it.attendee), 254);
	snprintf(buf, sizeof buf, "ATTENDEE;PARTSTAT=DECLINED:mailto:a%s\r\n", addr);
	assert_int_equal(parse_with(buf, &it, NULL, 0), -1);
}

/* Outlook's Windows zone names, without a VTIMEZONE: winter and summer. */
static void test_windows_zones(void **state)
{
	(void)state;
	static const struct {
		const char *tzid, *winter, *summer;
	} cases[] = {
		{"W. Europe Standard Time", "2025-01-15T11:00:00Z", "2025-07-15T10:00:00Z"},
		{"Central Europe Standard Time", "2025-01-15T11:00:00Z", "2025-07-15T10:00:00Z"},
		{"Central European Standard Time", "2025-01-15T11:00:00Z", "2025-07-15T10:00:00Z"},
		{"Romance Standard Time", "2025-01-15T11:00:00Z", "2025-07-15T10:00:00Z"},
		{"GMT Standard Time", "2025-01-15T12:00:00Z", "2025-07-15T11:00:00Z"},
		{"UTC", "2025-01-15T12:00:00Z", "2025-07-15T12:00:00Z"},
		{"Eastern Standard Time", "2025-01-15T17:00:00Z", "2025-07-15T16:00:00Z"},
		{"Central Standard Time", "2025-01-15T18:00:00Z", "2025-07-15T17:00:00Z"},
		{"Mountain Standard Time", "2025-01-15T19:00:00Z", "2025-07-15T18:00:00Z"},
		{"Pacific Standard Time", "2025-01-15T20:00:00Z", "2025-07-15T19:00:00Z"},
		{"India Standard Time", "2025-01-15T06:30:00Z", "2025-07-15T06:30:00Z"},
		{"China Standard Time", "2025-01-15T04:00:00Z", "2025-07-15T04:00:00Z"},
		{"Tokyo Standard Time", "2025-01-15T03:00:00Z", "2025-07-15T03:00:00Z"},
		{"AUS Eastern Standard Time", "2025-01-15T01:00:00Z", "2025-07-15T02:00:00Z"},
		{"pacific standard time", "2025-01-15T20:00:00Z", "2025-07-15T19:00:00Z"},
		/* IANA names, also behind a path prefix (old Lightning) */
		{"Europe/Berlin", "2025-01-15T11:00:00Z", "2025-07-15T10:00:00Z"},
		{"/mozilla.org/20070129_1/America/New_York", "2025-01-15T17:00:00Z", "2025-07-15T16:00:00Z"},
		{"/freeassociation.sourceforge.net/Asia/Kolkata", "2025-01-15T06:30:00Z", "2025-07-15T06:30:00Z"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		for (int summer = 0; summer < 2; summer++) {
			char lines[512], err[256], got[32];
			struct itip it;
			snprintf(lines, sizeof lines,
			         "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.com\r\nDTSTART;TZID=\"%s\":2025%s15T120000\r\n",
			         cases[i].tzid, summer ? "07" : "01");
			int rc = parse_with(lines, &it, err, sizeof err);
			iso(it.start, got, sizeof got);
			const char *want = summer ? cases[i].summer : cases[i].winter;
			if (rc != 0 || strcmp(got, want)) {
				print_error("TZID \"%s\", %s: expected %s, got %s (%s)\n", cases[i].tzid,
				            summer ? "July" : "January", want, got, rc ? err : "");
				fail();
			}
		}
	}
}

/* VTIMEZONEs with rules libical must not be asked to expand: not used, so a TZID that
 * is no IANA name is then unknown. Each case must also be quick. */
static void test_zone_rules(void **state)
{
	(void)state;
	static const struct {
		const char *rules;
		int usable;
	} cases[] = {
		{"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", 1},
		{"RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU", 1},
		{"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3;UNTIL=20060326T010000Z", 1},
		{"RDATE:20250330T020000\r\nRDATE:20260329T020000", 1},
		{"", 1},
		{"RRULE:FREQ=MINUTELY", 0},
		{"RRULE:FREQ=SECONDLY;COUNT=5", 0},
		{"RRULE:FREQ=DAILY", 0},
		{"RRULE:FREQ=MONTHLY;BYDAY=-1SU", 0},
		{"RRULE:FREQ=YEARLY;BYHOUR=1,2,3", 0},
		{"RRULE:FREQ=YEARLY;BYMINUTE=0,30", 0},
		{"RRULE:FREQ=YEARLY;BYSECOND=1", 0},
		{"RRULE:FREQ=YEARLY;BYYEARDAY=1,2,3", 0},
		{"RRULE:FREQ=YEARLY;BYWEEKNO=1", 0},
		{"RRULE:FREQ=YEARLY;BYSETPOS=1;BYDAY=SU", 0},
		{"RRULE:FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", 0}, /* every day of every year */
		{"RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10,11,12", 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		for (int year = 0; year < 2; year++) {
			char buf[2048], err[256];
			struct itip it;
			snprintf(buf, sizeof buf,
			         "BEGIN:VCALENDAR\r\nMETHOD:COUNTER\r\nBEGIN:VTIMEZONE\r\nTZID:Custom Zone\r\n"
			         "BEGIN:DAYLIGHT\r\nDTSTART:%s0101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n%s%s"
			         "END:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:u\r\n"
			         "ATTENDEE;PARTSTAT=TENTATIVE:mailto:a@example.com\r\n"
			         "DTSTART;TZID=Custom Zone:21990615T120000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			         year ? "1601" : "1970", cases[i].rules, *cases[i].rules ? "\r\n" : "");
			clock_t t0 = clock();
			int rc = itip_parse(buf, &it, err, sizeof err);
			double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
			if ((rc == 0) != cases[i].usable || secs > 1.0 ||
			    (!cases[i].usable && !strstr(err, "unknown time zone \"Custom Zone\""))) {
				print_error("zone rules \"%s\" from %s: rc %d (%s) in %.3f s, expected %s\n", cases[i].rules,
				            year ? "1601" : "1970", rc, rc ? err : "", secs, cases[i].usable ? "usable" : "not used");
				fail();
			}
		}
	}
	/* a VTIMEZONE with too many blocks is not used either */
	size_t cap = 70 * 200 + 1024, n = 0;
	char *buf = malloc(cap), err[256];
	struct itip it;
	assert_non_null(buf);
	n += (size_t)sprintf(buf + n, "BEGIN:VCALENDAR\nMETHOD:COUNTER\nBEGIN:VTIMEZONE\nTZID:Custom Zone\n");
	for (int i = 0; i < 65; i++)
		n += (size_t)sprintf(buf + n, "BEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0100\n"
		                              "TZOFFSETTO:+0100\nEND:STANDARD\n");
	sprintf(buf + n, "END:VTIMEZONE\nBEGIN:VEVENT\nUID:u\nATTENDEE;PARTSTAT=TENTATIVE:mailto:a@example.com\n"
	                 "DTSTART;TZID=Custom Zone:20250615T120000\nEND:VEVENT\nEND:VCALENDAR\n");
	assert_int_equal(itip_parse(buf, &it, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown time zone"));
	free(buf);
}

#define TIMES_FORM                                                                                         \
	"BEGIN:VCALENDAR\r\nMETHOD:%s\r\nBEGIN:VEVENT\r\nUID:u\r\nATTENDEE;PARTSTAT=TENTATIVE:mailto:a@example.com\r\n" \
	"%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

/* Times: the arithmetic of DTEND, DURATION and DATE, and what is refused. */
static void test_times(void **state)
{
	(void)state;
	static const struct {
		const char *lines, *start, *end; /* start NULL: the COUNTER is refused */
	} cases[] = {
		{"DTSTART:20250312T150000Z\r\nDTEND:20250312T160000Z", "2025-03-12T15:00:00Z", "2025-03-12T16:00:00Z"},
		{"DTSTART:20250312T150000Z", "2025-03-12T15:00:00Z", "0"},
		{"DTSTART:20250312T150000Z\r\nDURATION:PT1H30M", "2025-03-12T15:00:00Z", "2025-03-12T16:30:00Z"},
		{"DTSTART:20250312T150000Z\r\nDURATION:P1W", "2025-03-12T15:00:00Z", "2025-03-19T15:00:00Z"},
		{"DTSTART;VALUE=DATE:20250312", "2025-03-12T00:00:00Z", "2025-03-13T00:00:00Z"},
		{"DTSTART;VALUE=DATE:20250312\r\nDTEND;VALUE=DATE:20250314", "2025-03-12T00:00:00Z", "2025-03-14T00:00:00Z"},
		{"DTSTART;TZID=Europe/Berlin;VALUE=DATE:20250312", "2025-03-12T00:00:00Z", "2025-03-13T00:00:00Z"},
		{"DTSTART;TZID=Europe/Berlin:20250312T150000Z", "2025-03-12T15:00:00Z", "0"}, /* Z wins */
		{"DTSTART:20250312T150000", "2025-03-12T15:00:00Z", "0"},                    /* floating */
		{"DTSTART;TZID=America/New_York:20251102T013000", NULL, NULL},                  /* twice */
		{"DTSTART;TZID=America/New_York:20250309T023000", NULL, NULL},                  /* never */
		{"DTSTART:19691231T235959Z", NULL, NULL},
		{"DTSTART:19700101T000000Z", NULL, NULL}, /* the epoch itself: 0 means "none" */
		{"DTSTART:19700101T000001Z", "1970-01-01T00:00:01Z", "0"},
		{"DTSTART:22000101T000000Z", NULL, NULL},
		{"DTSTART:21991231T235959Z", "2199-12-31T23:59:59Z", "0"},
		{"DTSTART:20250230T100000Z", NULL, NULL},
		{"DTSTART:20250312T250000Z", NULL, NULL},
		{"DTSTART:nonsense", NULL, NULL},
		{"DTSTART;VALUE=PERIOD:20250312T150000Z/PT1H", NULL, NULL},
		{"DTSTART:20250312T150000Z\r\nDURATION:-PT1H", NULL, NULL},
		{"DTSTART:20250312T150000Z\r\nDURATION:P99999W", NULL, NULL},
		{"DTSTART:20250312T150000Z\r\nDTEND;TZID=Nowhere/Land:20250312T160000", NULL, NULL},
		{"DTSTART;TZID=\"\":20250312T150000", NULL, NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char buf[1024], err[256], s[32], e[32];
		struct itip it;
		snprintf(buf, sizeof buf, TIMES_FORM, "COUNTER", cases[i].lines);
		int rc = itip_parse(buf, &it, err, sizeof err);
		iso(it.start, s, sizeof s);
		iso(it.end, e, sizeof e);
		int want_ok = cases[i].start != NULL;
		if ((rc == 0) != want_ok || (want_ok && (strcmp(s, cases[i].start) || strcmp(e, cases[i].end)))) {
			print_error("times case %zu: \"%s\"\n  expected %s %s, got rc %d %s %s (%s)\n", i, cases[i].lines,
			            want_ok ? cases[i].start : "refused", want_ok ? cases[i].end : "", rc, s, e,
			            rc ? err : "");
			fail();
		}
		/* the same as a REPLY is never refused for its times: they are 0 instead */
		snprintf(buf, sizeof buf, TIMES_FORM, "REPLY", cases[i].lines);
		rc = itip_parse(buf, &it, err, sizeof err);
		if (rc != 0 || it.method != ITIP_REPLY || (!want_ok && (it.start || it.end))) {
			print_error("times case %zu as a REPLY: rc %d (%s), start %lld end %lld\n", i, rc, rc ? err : "",
			            it.start, it.end);
			fail();
		}
	}
}

/* ---- robustness ---- */

struct rng {
	uint64_t s;
};

static uint32_t rng_next(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s >> 11);
}

static const char *const pieces[] = {
	"BEGIN:VCALENDAR\r\n", "END:VCALENDAR\r\n", "BEGIN:VEVENT\r\n", "END:VEVENT\r\n", "BEGIN:VTIMEZONE\r\n",
	"END:VTIMEZONE\r\n", "BEGIN:STANDARD\r\n", "END:STANDARD\r\n", "BEGIN:DAYLIGHT\r\n", "END:DAYLIGHT\r\n",
	"METHOD:REPLY\r\n", "METHOD:COUNTER\r\n", "METHOD:", "UID:u@x\r\n", "UID:", "SEQUENCE:3\r\n",
	"SEQUENCE:-1\r\n", "ATTENDEE", ";PARTSTAT=ACCEPTED", ";PARTSTAT=", ";CN=\"A, B\"", ";CN=", ";EMAIL=e@x.org",
	";X-RESPONSE-COMMENT=\"a&#39\\;b&#x1F600;\"", ":mailto:a@example.com\r\n", ":urn:uuid:1\r\n", ":",
	"ORGANIZER:mailto:o@example.com\r\n", "DTSTART:20250312T150000Z\r\n", "DTSTART;TZID=Europe/Berlin:",
	"DTSTART;TZID=W. Europe Standard Time:", "DTSTART;TZID=Custom:", "DTEND;TZID=Custom:", "20250330T023000",
	"20251026T023000", "20250312T150000\r\n", "99991231T999999Z\r\n", "DTSTART;VALUE=DATE:20250312\r\n",
	"DURATION:P1DT2H\r\n", "DURATION:", "TZID:Custom\r\n", "TZOFFSETFROM:+0100\r\n", "TZOFFSETTO:+0200\r\n",
	"TZOFFSETTO:+9959\r\n", "DTSTART:16010101T020000\r\n", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n",
	"RRULE:FREQ=MINUTELY\r\n", "RRULE:FREQ=YEARLY;BYMONTHDAY=1,2,3,4,5,6,7\r\n", "RDATE:20250330T020000\r\n",
	"COMMENT:note\\, with\\nlines\r\n", "COMMENT:", "\r\n ", "\r\n\t", "\n ", "\r\n", "\n", "\r", " ", ";",
	",", "\"", "\\", "^n", "^'", "\xc3\xa9", "\xff", "\xe2\x80", "\xef\xbb\xbf", "X-FOO:bar\r\n", "BEGIN:X\r\n",
	"END:X\r\n", "BEGIN:", "END:",
};

static void test_random_pieces(void **state)
{
	(void)state;
	struct rng r = {0x9e3779b97f4a7c15ull};
	char buf[8192], label[64];
	struct itip it;
	int parsed = 0;
	for (int t = 0; t < 4000; t++) {
		size_t n = 0;
		int count = (int)(rng_next(&r) % 80);
		/* most of them start like a reply, so that the deeper code is reached */
		if (t % 4) {
			const char *start = HEAD "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.com\r\n";
			n = strlen(start);
			memcpy(buf, start, n);
		}
		for (int i = 0; i < count; i++) {
			const char *p = pieces[rng_next(&r) % ARRAY_LEN(pieces)];
			size_t len = strlen(p);
			if (n + len >= sizeof buf - sizeof TAIL)
				break;
			memcpy(buf + n, p, len);
			n += len;
		}
		if (t % 2) {
			memcpy(buf + n, TAIL, sizeof TAIL - 1);
			n += sizeof TAIL - 1;
		}
		snprintf(label, sizeof label, "random pieces #%d", t);
		parsed += run_checked(label, buf, n, &it) == 0;
	}
	print_message("random pieces: %d of 4000 read as an answer\n", parsed);
	assert_true(parsed > 100); /* the generator does reach the code past the parser */
}

static void test_random_bytes(void **state)
{
	(void)state;
	struct rng r = {0x2545f4914f6cdd1dull};
	char buf[2048], label[64];
	struct itip it;
	for (int t = 0; t < 3000; t++) {
		size_t n = rng_next(&r) % sizeof buf;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)(1 + rng_next(&r) % 255);
		snprintf(label, sizeof label, "random bytes #%d", t);
		run_checked(label, buf, n, &it);
	}
}

/* Every prefix of every .ics fixture, and 100 random mutations of each. */
static void test_truncated_and_mutated(void **state)
{
	(void)state;
	struct rng r = {0x51af3c2d9e8b7a61ull};
	char label[200];
	struct itip it;
	for (size_t f = 0; f < g_nfixtures; f++) {
		size_t len;
		if (g_fixtures[f].orphan || g_fixtures[f].kind != K_ICS)
			continue;
		char *body = read_file(g_fixtures[f].body_path, &len);
		assert_non_null(body);
		for (size_t cut = 0; cut <= len; cut += len <= 3000 ? 1 : len / 1000) {
			snprintf(label, sizeof label, "%s cut at %zu", g_fixtures[f].name, cut);
			run_checked(label, body, cut, &it);
		}
		char *m = dup_n(body, len);
		for (int t = 0; t < 100 && len > 0; t++) {
			memcpy(m, body, len);
			for (int k = 1 + (int)(rng_next(&r) % 8); k > 0; k--) {
				size_t at = rng_next(&r) % len;
				static const char bytes[] = ":;=\",\r\n \t\\^&#0Zz9\xff";
				m[at] = rng_next(&r) % 2 ? bytes[rng_next(&r) % (sizeof bytes - 1)] : (char)(1 + rng_next(&r) % 255);
			}
			snprintf(label, sizeof label, "%s mutation %d", g_fixtures[f].name, t);
			run_checked(label, m, strlen(m), &it);
		}
		free(m);
		free(body);
	}
}

/* ---- size and time ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* HEAD, then REPEATED up to SIZE bytes in all, then TAIL (REPEATED NULL: one long line). */
static char *big(const char *head, const char *repeated, size_t size)
{
	char *s = malloc(size + 1);
	assert_non_null(s);
	size_t n = strlen(head), tail = strlen(TAIL);
	memcpy(s, head, n);
	if (!repeated) {
		memcpy(s + n, "COMMENT:", 8);
		for (n += 8; n + 2 + tail < size; n++)
			s[n] = "abc def "[n % 8];
		memcpy(s + n, "\r\n", 2);
		n += 2;
	} else {
		size_t len = strlen(repeated);
		for (; n + len + tail <= size; n += len)
			memcpy(s + n, repeated, len);
	}
	memcpy(s + n, TAIL, tail);
	s[n + tail] = 0;
	return s;
}

static const struct {
	const char *what, *repeated;
} big_inputs[] = {
	{"one long line", NULL},
	{"properties", "X-A:b\r\n"},
	{"attendees", "ATTENDEE;PARTSTAT=ACCEPTED;CN=Someone:mailto:someone@example.com\r\n"},
	{"attendees without PARTSTAT", "ATTENDEE:mailto:someone@example.com\r\n"},
	{"parameters", ";X-P=v"},
	{"PARTSTAT parameters", ";PARTSTAT=ACCEPTED"},
	{"folds", "a\r\n "},
	{"comments", "COMMENT:\r\n"},
	{"RRULE parts", "RRULE:FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR;BYMONTH=1,2,3\r\n"},
	{"RDATEs in the event", "RDATE:20250330T020000Z\r\n"},
	{"ends", "END:VEVENT\r\n"},
	{"escapes", "COMMENT:\\n\\,\\;\\\\\r\n"},
};

static void test_megabyte(void **state)
{
	(void)state;
	double worst = 0;
	const char *worst_what = "";
	struct itip it;
	char err[256];
	for (size_t i = 0; i < ARRAY_LEN(big_inputs); i++) {
		const char *head = strcmp(big_inputs[i].what, "parameters") == 0 ||
		                           strcmp(big_inputs[i].what, "PARTSTAT parameters") == 0
		                       ? HEAD "ATTENDEE"
		                       : HEAD "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.com\r\n";
		char *s = big(head, big_inputs[i].repeated, ITIP_TEXT_MAX);
		if (strncmp(head + strlen(HEAD), "ATTENDEE", 9) == 0) /* finish the property */
			memcpy(s + strlen(s) - strlen(TAIL) - 1, ":", 1);
		double t0 = now_s();
		int rc = itip_parse(s, &it, err, sizeof err);
		double t = now_s() - t0;
		assert_true(invariants_hold(rc, &it, err));
		if (t > worst) {
			worst = t;
			worst_what = big_inputs[i].what;
		}
		if (t >= 2.0) {
			print_error("1 MiB of %s took %.3f s\n", big_inputs[i].what, t);
			fail();
		}
		free(s);
	}
	print_message("slowest 1 MiB input: %.3f s (%s)\n", worst, worst_what);
	/* one byte over the limit is refused without being read; a huge input as quickly */
	char *s = big(HEAD, "X-A:b\r\n", ITIP_TEXT_MAX + 64);
	assert_int_equal(itip_parse(s, &it, err, sizeof err), -1);
	assert_non_null(strstr(err, "over"));
	free(s);
	size_t huge = 64u << 20;
	s = malloc(huge + 1);
	assert_non_null(s);
	memset(s, 'a', huge);
	s[huge] = 0;
	double t0 = now_s();
	assert_int_equal(itip_parse(s, &it, err, sizeof err), -1);
	assert_true(now_s() - t0 < 0.5);
	free(s);
}

/* ---- the runner: one test per fixture, named after it ---- */

int main(void)
{
	g_mime_init();
	tz_init();
	const char *dir = fixture_dir();
	if (!dir || !(g_fixtures = load_fixtures(dir, &g_nfixtures))) {
		fprintf(stderr, "test_itip: no fixture folder (tried $ITIP_FIXTURES and tests/mail/itip from the "
		                "repository root)\n[  FAILED  ] 1 test(s)\n");
		return 1;
	}
	if (g_nfixtures < MIN_FIXTURES) {
		fprintf(stderr, "test_itip: %zu fixtures in %s, expected at least %d\n[  FAILED  ] 1 test(s)\n",
		        g_nfixtures, dir, MIN_FIXTURES);
		free(g_fixtures);
		return 1;
	}
	static const struct CMUnitTest singles[] = {
		cmocka_unit_test(test_names),         cmocka_unit_test(test_api_edges),
		cmocka_unit_test(test_text_fields),   cmocka_unit_test(test_long_fields),
		cmocka_unit_test(test_windows_zones), cmocka_unit_test(test_zone_rules),
		cmocka_unit_test(test_times),         cmocka_unit_test(test_random_pieces),
		cmocka_unit_test(test_random_bytes),  cmocka_unit_test(test_truncated_and_mutated),
		cmocka_unit_test(test_megabyte),
	};
	size_t n = g_nfixtures + ARRAY_LEN(singles);
	struct CMUnitTest *tests = calloc(n, sizeof *tests);
	char (*names)[200] = calloc(g_nfixtures, sizeof *names);
	if (!tests || !names)
		return 1;
	for (size_t i = 0; i < g_nfixtures; i++) {
		const struct fixture *fx = &g_fixtures[i];
		snprintf(names[i], sizeof names[i], "fixture %s%s", fx->name,
		         fx->kind == K_EML ? " (a whole message, through mail/parse.c)" : "");
		tests[i].name = names[i];
		tests[i].test_func = test_fixture;
		tests[i].initial_state = (void *)(uintptr_t)fx;
	}
	memcpy(tests + g_nfixtures, singles, sizeof singles);
	int failed = _cmocka_run_group_tests("itip", tests, n, NULL, NULL);
	free(tests);
	free(names);
	free(g_fixtures);
	return failed;
}
