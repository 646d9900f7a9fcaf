/* Unit tests for mail/reply: the corpus of real-looking replies, tables of edge cases,
 * random and truncated input, and the time a megabyte takes.
 *
 * The corpus: tests/mail/replies/ (or $REPLY_FIXTURES), one fixture per NAME:
 *   NAME.txt    a text/plain body as the client wrote it, already decoded to UTF-8
 *   NAME.html   an HTML-only reply, decoded to UTF-8
 *   NAME.eml    a whole message for the MIME layer (transfer encodings, charsets,
 *               RFC 2047, multipart); here only its .expect is checked, see below
 *   NAME.expect what the pipeline gives — for .txt reply_new_text, for .html
 *               reply_html_to_text then reply_new_text, for .eml the text/plain part
 *               (else the HTML one) decoded to UTF-8 and then the same — followed by
 *               reply_feedback_parse:
 *       # a comment (any number of lines, before the others)
 *       rating: 4                  (0: none)
 *       recommendation: proceed    (none | proceed | hire | reject | maybe)
 *       new:                       (optional; required for .eml) every line up to
 *       ...                        "text:" is the expected new text
 *       text:                      every line after it, to the end of the file, is the
 *       ...                        expected feedback (the file's last line end is not
 *                                  part of it; "text:" at the end means "")
 * Every body needs an .expect and every .expect a body. The test fails when it finds
 * fewer than MIN_FIXTURES of them, so a wrong working directory cannot pass quietly.
 * The .eml fixtures were checked against GMime 3 (charset filter + dos2unix) and
 * Python's email package when they were written; they are the MIME layer's to run.
 * Run from the repository root (make check does), or set REPLY_FIXTURES. */
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
#include "mail/parse.h"
#include "mail/reply.h"
#include <gmime/gmime.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MIN_FIXTURES 60
#define SHOW_MAX 2000 /* bytes of an input shown when a test fails */

static const char *const rec_names[] = {"none", "proceed", "hire", "reject", "maybe"};

/* ---- small helpers ---- */

#include "tests/unit/fixture.h"

/* What every returned text must be: no CR, no trailing white space on a line, no
 * blank line at either end, never two blank lines in a row. */
static int tidy_ok(const char *s)
{
	size_t n = strlen(s);
	if (strchr(s, '\r') || (n && (s[0] == '\n' || s[n - 1] == '\n')) || strstr(s, "\n\n\n"))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return 0;
	return !(n && (s[n - 1] == ' ' || s[n - 1] == '\t'));
}

/* ---- the corpus ---- */

enum kind { K_TXT, K_HTML, K_EML };
static const char *const kind_ext[] = {"txt", "html", "eml"};

struct fixture {
	char name[128];
	char body_path[512], expect_path[512];
	enum kind kind;
	int orphan; /* a body without .expect, or the reverse */
};

struct expect {
	int rating, rec;
	char *new_text; /* NULL: not given */
	char *text;
};

/* Parses an .expect file; 0, or -1 with the reason in ERR. */
static int expect_parse(char *s, struct expect *e, char *err, size_t errlen)
{
	int have_rating = 0, have_rec = 0;
	memset(e, 0, sizeof *e);
	while (*s) {
		char *nl = strchr(s, '\n');
		char *line = s, *next = nl ? nl + 1 : s + strlen(s);
		if (nl)
			*nl = 0;
		if (line[0] == '#') {
			s = next;
		} else if (strncmp(line, "rating: ", 8) == 0) {
			char *end;
			long r = strtol(line + 8, &end, 10);
			if (*end || r < 0 || r > 5) {
				snprintf(err, errlen, "bad rating line \"%s\"", line);
				return -1;
			}
			e->rating = (int)r;
			have_rating = 1;
			s = next;
		} else if (strncmp(line, "recommendation: ", 16) == 0) {
			size_t i;
			for (i = 0; i < ARRAY_LEN(rec_names) && strcmp(rec_names[i], line + 16); i++)
				;
			if (i == ARRAY_LEN(rec_names)) {
				snprintf(err, errlen, "unknown recommendation \"%s\"", line + 16);
				return -1;
			}
			e->rec = (int)i;
			have_rec = 1;
			s = next;
		} else if (strcmp(line, "new:") == 0) {
			/* up to the line "text:"; right after "new:" it means "" */
			static char empty[1];
			char *t = NULL;
			if (strncmp(next, "text:", 5) == 0 && (next[5] == '\n' || next[5] == 0)) {
				e->new_text = empty;
				s = next;
			} else if ((t = strstr(next, "\ntext:\n")) || ((t = strstr(next, "\ntext:")) && t[6] == 0)) {
				*t = 0;
				e->new_text = next;
				s = t + 1;
			} else {
				snprintf(err, errlen, "\"new:\" without a \"text:\" line after it");
				return -1;
			}
		} else if (strcmp(line, "text:") == 0) {
			size_t n = strlen(next);
			if (n && next[n - 1] == '\n')
				next[n - 1] = 0;
			e->text = next;
			break;
		} else {
			snprintf(err, errlen, "unexpected line \"%s\"", line);
			return -1;
		}
	}
	if (!have_rating || !have_rec || !e->text) {
		snprintf(err, errlen, "needs \"rating:\", \"recommendation:\" and \"text:\" lines");
		return -1;
	}
	return 0;
}

/* The new text of a body: a whole message through the MIME layer (mail/parse.c), an
 * HTML body through reply_html_to_text; *TEXT is the decoded text when it differs. */
static char *new_text_of(const struct fixture *fx, const char *body, size_t len, char **text)
{
	*text = NULL;
	if (fx->kind == K_EML) {
		struct mail_msg m;
		char err[256];
		char *nt = NULL;
		if (mail_parse(body, len, &m, err, sizeof err) == 0) {
			nt = m.new_text, m.new_text = NULL;
			*text = m.text, m.text = NULL;
		} else {
			print_error("%s: %s\n", fx->name, err);
		}
		mail_msg_free(&m);
		return nt;
	}
	if (fx->kind == K_HTML)
		*text = reply_html_to_text(body);
	return reply_new_text(fx->kind == K_HTML ? *text : body);
}

/* The pipeline on a body; 1 if it gives what E says. */
static int pipeline_ok(const struct fixture *fx, const char *body, size_t len, const struct expect *e)
{
	char *text;
	char *nt = new_text_of(fx, body, len, &text);
	struct reply_feedback fb = {0, 0, NULL};
	int ok = nt && reply_feedback_parse(nt, &fb) == 0 && fb.feedback;
	ok = ok && fb.rating == e->rating && fb.rec == e->rec && strcmp(fb.feedback, e->text) == 0 &&
	     (!e->new_text || strcmp(nt, e->new_text) == 0);
	if (!ok) {
		print_error("%s (%s):\n", fx->name, kind_ext[fx->kind]);
		show("input    ", body);
		if (text)
			show("as text  ", text);
		if (e->new_text && (!nt || strcmp(nt, e->new_text)))
			show("new text expected", e->new_text);
		show("new text actual  ", nt);
		print_error("  rating          expected %d, actual %d\n", e->rating, fb.rating);
		print_error("  recommendation  expected %s, actual %s\n", rec_names[e->rec], rec_names[fb.rec]);
		show("feedback expected", e->text);
		show("feedback actual  ", fb.feedback);
	}
	reply_feedback_free(&fb);
	free(nt);
	free(text);
	return ok;
}

static void test_fixture(void **state)
{
	const struct fixture *fx = *state;
	char err[256];
	size_t blen = 0, elen = 0;
	if (fx->orphan) {
		print_error("%s: %s has no partner (each body needs NAME.expect, each .expect a body)\n", fx->name,
		            fx->body_path[0] ? fx->body_path : fx->expect_path);
		fail();
	}
	char *body = read_file(fx->body_path, &blen), *ex = read_file(fx->expect_path, &elen);
	struct expect e;
	int ok = body && ex;
	if (!ok)
		print_error("%s: cannot read %s\n", fx->name, body ? fx->expect_path : fx->body_path);
	if (ok && expect_parse(ex, &e, err, sizeof err) < 0) {
		print_error("%s: %s\n", fx->expect_path, err);
		ok = 0;
	}
	if (ok && fx->kind != K_EML && strlen(body) != blen) {
		print_error("%s: the body holds a NUL byte\n", fx->name);
		ok = 0;
	}
	if (ok && fx->kind == K_EML && !e.new_text) {
		print_error("%s: a whole message needs a \"new:\" section\n", fx->name);
		ok = 0;
	}
	if (ok)
		ok = pipeline_ok(fx, body, blen, &e);
	free(body);
	free(ex);
	if (!ok)
		fail();
}

static const char *fixture_dir(void)
{
	static const char *const tries[] = {"tests/mail/replies", "../tests/mail/replies", "../../tests/mail/replies"};
	const char *env = getenv("REPLY_FIXTURES");
	if (env && *env)
		return env;
	for (size_t i = 0; i < ARRAY_LEN(tries); i++) {
		DIR *d = opendir(tries[i]);
		if (d) {
			closedir(d);
			return tries[i];
		}
	}
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct fixture *)a)->name, ((const struct fixture *)b)->name);
}

/* Every NAME.expect and body in DIR, sorted; NULL on failure. Orphans are listed too
 * (and fail). */
static struct fixture *load_fixtures(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, cap = 64;
	struct fixture *fx = calloc(cap, sizeof *fx);
	if (!d || !fx) {
		if (d)
			closedir(d);
		free(fx);
		return NULL;
	}
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		int kind = -1;
		if (!dot || dot == de->d_name || (size_t)(dot - de->d_name) >= sizeof fx->name)
			continue;
		for (int k = 0; k < 3; k++)
			if (strcmp(dot + 1, kind_ext[k]) == 0)
				kind = k;
		if (kind < 0 && strcmp(dot + 1, "expect") != 0)
			continue;
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)(dot - de->d_name), de->d_name);
		size_t i;
		for (i = 0; i < n && strcmp(fx[i].name, name); i++)
			;
		if (i == n) {
			if (n == cap) {
				struct fixture *grown = realloc(fx, cap * 2 * sizeof *fx);
				if (!grown) {
					free(fx);
					closedir(d);
					return NULL;
				}
				fx = grown;
				cap *= 2;
			}
			memset(&fx[n], 0, sizeof fx[n]);
			snprintf(fx[n].name, sizeof fx[n].name, "%s", name);
			n++;
		}
		if (kind < 0) {
			snprintf(fx[i].expect_path, sizeof fx[i].expect_path, "%s/%s", dir, de->d_name);
		} else {
			if (fx[i].body_path[0])
				fx[i].orphan = 1; /* two bodies for one name */
			fx[i].kind = (enum kind)kind;
			snprintf(fx[i].body_path, sizeof fx[i].body_path, "%s/%s", dir, de->d_name);
		}
	}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		if (!fx[i].body_path[0] || !fx[i].expect_path[0])
			fx[i].orphan = 1;
	qsort(fx, n, sizeof *fx, by_name);
	*count = n;
	return fx;
}

/* ---- tables of edge cases ---- */

struct text_case {
	const char *in, *want;
};

/* reply_new_text */
static const struct text_case new_cases[] = {
	{NULL, ""},
	{"", ""},
	{"Hello\r\n\r\n\r\nWorld\r\n", "Hello\n\nWorld"},
	{"one\rtwo\r", "one\ntwo"},
	{"\xef\xbb\xbf", ""},
	{"\xef\xbb\xbfHi", "Hi"},
	{"a\n>b\nc", "a\nc"},
	{"   > indented quote\nnew", "new"},
	{"a\n>\n>\nb", "a\nb"},
	{"text\n-- \nsig", "text"},
	{"text\n--\nsig", "text"},
	{"text\n --\nnot a separator", "text\n --\nnot a separator"},
	{"text\n---\nmore", "text\n---\nmore"},
	{"Sent from my iPhone", ""},
	{"hi\nSent from my iPhone\nmore", "hi"},
	{"Sent from my iPhone\nhi", "hi"},
	{"Von meinem Standpunkt aus: gut.\nNext", "Von meinem Standpunkt aus: gut.\nNext"},
	{"Von meinem iPhone gesendet", ""},
	{"X\nOn Mon, Rita wrote:\n> q", "X"},
	{"X\nRita wrote:\nnot quoted", "X\nRita wrote:\nnot quoted"},
	{"X\n\nOn 1 Dec 2026 Rita wrote:\nhistory", "X"},
	{"On 1 Dec 2026 Rita wrote:\nhistory", ""},
	{"On Monday Rita wrote:\nnot history, no date, nothing quoted",
	 "On Monday Rita wrote:\nnot history, no date, nothing quoted"},
	{"a\n__________\nb", "a\n__________\nb"},
	{"a\n________________________________\nFrom: x", "a"},
	{"a\n________________________________\n\nVon: x", "a"},
	{"a\nFrom: x\nTo: y", "a\nFrom: x\nTo: y"},
	{"a\nFrom: x\nTo: y\nSubject: z", "a"},
	{"a\nFrom: x\n\nSent: y\n\nTo: z", "a"},
	{"X\n---------- Forwarded message ---------\nY", "X"},
	{"X\n--- Notes ---\nY", "X\n--- Notes ---\nY"},
	{"X\n-----Original Message-----\nY", "X"},
	{"X\n-----Message d'origine-----\nY", "X"},
	{"a\xff\xfe" "b\n\xc3", "a\xff\xfe" "b\n\xc3"},
	{"x  \t\n\n\n\ny\xc2\xa0\n\n", "x\n\ny"},
	{"On 1 Dec 2026, Rita wrote:\n> q\nnew\nOn 2 Dec 2026, Ivan wrote:\n> older\nold", "new"},
};

/* reply_html_to_text */
static const struct text_case html_cases[] = {
	{NULL, ""},
	{"", ""},
	{"plain", "plain"},
	{"a<br>b", "a\nb"},
	{"a<BR/>b<br />c", "a\nb\nc"},
	{"<p>a</p><p>b</p>", "a\n\nb"},
	{"<div>a</div><div>b</div>", "a\nb"},
	{"<div><br></div><div><br></div><div>x</div>", "x"},
	{"a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"},
	{"&quot;&apos;&#39;", "\"''"},
	{"&#65;&#x42;&#X43;&#68", "ABCD"},
	{"&#x110000;|&#55296;|&#0;", "\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd"},
	{"&#128;&#150;&#153;", "\xe2\x82\xac\xe2\x80\x93\xe2\x84\xa2"},
	{"&AMP; &bogus; &amp &; &#; &#x;", "&AMP; &bogus; &amp &; &#; &#x;"},
	{"&Uuml;ber &eacute;t&eacute; &szlig;", "\xc3\x9c" "ber \xc3\xa9t\xc3\xa9 \xc3\x9f"},
	{"&nbsp;x&nbsp;&nbsp;&nbsp;y&#160;z", "x y z"},
	{"a\xc2\xa0\xc2\xa0" "b", "a b"},
	{"  lots   of\n\n white\tspace  ", "lots of white space"},
	{"<!-- x --><!---->y", "y"},
	{"<!-->z", "z"},
	{"a<!--unclosed", "a"},
	{"<!DOCTYPE html><?xml version=\"1.0\"?>ok", "ok"},
	{"<script>if (a<b) x='</scr'+'ipt>';</script>ok", "ok"},
	{"<STYLE>p{}</STYLE>Text", "Text"},
	{"<style>never closed", ""},
	{"x < y and y > z", "x < y and y > z"},
	{"<", "<"},
	{"</", "</"},
	{"<a href='x>y'>link</a>", "link"},
	{"<a href=\"never closed>text", ""},
	{"<div>a<blockquote>q</blockquote>b</div>", "a"},
	{"<blockquote>q<blockquote>qq</blockquote>q</blockquote><p>b</p>", "b"},
	{"<div class=\"gmail_quote\">On .. wrote:<blockquote>q</blockquote></div>after", "after"},
	{"<div id=divRplyFwdMsg>From: x</div>history", ""},
	{"new<div ID=\"divRplyFwdMsg\">From: x</div>history", "new"},
	{"new<div style=\"border:none; border-top:solid #E1E1E1 1.0pt\">From</div>", "new"},
	{"new<span class=gmail_signature_prefix>-- </span><div class=gmail_signature>Ivan</div>more", "new\nmore"},
	{"<pre>a  b\n  c</pre>", "a  b\n  c"},
	{"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
	{"<ul><li>one<li>two</ul>", "one\ntwo"},
	{"<h1>Title</h1>text", "Title\n\ntext"},
	{"caf\xc3\xa9 \xff", "caf\xc3\xa9 \xef\xbf\xbd"},
	{"<head><title>t</title>hidden</head><body>shown", "shown"},
	{"<html><head><meta charset=utf-8><body><p>x", "x"},
	{"<br/><br />a", "a"},
	{"<o:p>Outlook</o:p> <w:Sdt>tags</w:Sdt>", "Outlook tags"},
	{"&gt; quoted in HTML<br>&gt; more", "> quoted in HTML\n> more"},
};

struct feedback_case {
	const char *in;
	int rating, rec;
	const char *feedback;
};

/* reply_feedback_parse */
static const struct feedback_case feedback_cases[] = {
	{NULL, 0, REC_NONE, ""},
	{"", 0, REC_NONE, ""},
	{"Rating: 5/5", 5, REC_NONE, ""},
	{"RATING: 3", 3, REC_NONE, ""},
	{"rating:2", 2, REC_NONE, ""},
	{"Rating = 4", 4, REC_NONE, ""},
	{"Rating is 4", 4, REC_NONE, ""},
	{"Rating:\t4\t/\t5", 4, REC_NONE, ""},
	{"Rating \xe2\x80\x93 4", 4, REC_NONE, ""},
	{"\xe2\x80\xa2 Rating: 4", 4, REC_NONE, ""},
	{"Rating (1-5): 3", 3, REC_NONE, ""},
	{"Rating: 4 of 5", 4, REC_NONE, ""},
	{"Rating: 6", 0, REC_NONE, "Rating: 6"},
	{"Rating: 4 out of 10", 0, REC_NONE, "Rating: 4 out of 10"},
	{"10/10", 0, REC_NONE, "10/10"},
	{"4/5", 4, REC_NONE, ""},
	{"Rating: 4/5\nRating: 4/5", 4, REC_NONE, ""},
	{"Rating: 4/5 because the design was good", 0, REC_NONE, "Rating: 4/5 because the design was good"},
	{"Rating: 4/5. The design was good.", 4, REC_NONE, "The design was good."},
	{"Hire: yes", 0, REC_HIRE, ""},
	{"Proceed? no", 0, REC_REJECT, ""},
	{"next round: yep", 0, REC_PROCEED, ""},
	{"Recommendation: yes", 0, REC_NONE, "Recommendation: yes"},
	{"No.", 0, REC_NONE, "No."},
	{"Yes", 0, REC_NONE, "Yes"},
	{"Strong no hire", 0, REC_REJECT, ""},
	{"Lean hire", 0, REC_MAYBE, ""},
	{"Weak no-hire", 0, REC_MAYBE, ""},
	{"Don\xe2\x80\x99t hire", 0, REC_REJECT, ""},
	{"do not hire.", 0, REC_REJECT, ""},
	{"not sure", 0, REC_MAYBE, ""},
	{"Maybe later", 0, REC_NONE, "Maybe later"},
	{"I'd hire her", 0, REC_NONE, "I'd hire her"},
	{"I would not hire him yet but maybe later", 0, REC_NONE, "I would not hire him yet but maybe later"},
	{"4 hire", 4, REC_HIRE, ""},
	{"Hire 4", 4, REC_HIRE, ""},
	{"4, 3", 0, REC_NONE, "4, 3"},
	{"hire, reject", 0, REC_NONE, "hire, reject"},
	{"5 \xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85", 5, REC_NONE, ""},
	{"\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85", 0, REC_NONE,
	 "\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85"},
	{"\xe2\x98\x86\xe2\x98\x86\xe2\x98\x86", 0, REC_NONE, "\xe2\x98\x86\xe2\x98\x86\xe2\x98\x86"},
	{"\xe2\xad\x90\xef\xb8\x8f\xe2\xad\x90\xef\xb8\x8f\xe2\xad\x90\xef\xb8\x8f", 3, REC_NONE, ""},
	{"\xe2\x98\x85 \xe2\x98\x85 \xe2\x98\x86", 2, REC_NONE, ""},
	{"4\xe2\xad\x90", 4, REC_NONE, ""},
	{"Score: 4/5 and hire", 4, REC_HIRE, ""},
	{"Hire!!!", 0, REC_HIRE, ""},
	{"`hire`", 0, REC_HIRE, ""},
	{"Recommendation: *strong hire*", 0, REC_HIRE, ""},
	{"Recommendation: proceed to next round, she was great", 0, REC_PROCEED, "she was great"},
	{"Proceed \xe2\x80\x94 great.", 0, REC_PROCEED, "great."},
	{"Thanks for asking.\nProceed \xe2\x80\x94 great.", 0, REC_NONE, "Thanks for asking.\nProceed \xe2\x80\x94 great."},
	{"Hello\nProceed \xe2\x80\x94 great.", 0, REC_PROCEED, "Hello\ngreat."},
	{"Hi Rita,\n\nHire - she was great", 0, REC_HIRE, "Hi Rita,\n\nshe was great"},
	{"Hi Rita, thanks for the reminder, I was going to write\nHire - she was great", 0, REC_NONE,
	 "Hi Rita, thanks for the reminder, I was going to write\nHire - she was great"},
	{"Rating: 4/5 \xe2\x80\x94 *great* work", 4, REC_NONE, "*great* work"},
	{"Rating: 4/5\r\nHire\r\n\r\nok\r\n", 4, REC_HIRE, "ok"},
	{"Rating: 4\n\n\n\nHire\n\n\n\nok", 4, REC_HIRE, "ok"},
	{"a\n\nHire\n\nb", 0, REC_HIRE, "a\n\nb"},
	{"Rating: four", 4, REC_NONE, ""},
	{"four", 0, REC_NONE, "four"},
	{"> Rating: 4/5", 0, REC_NONE, "> Rating: 4/5"},
	{"Rating: \xd9\xa4", 0, REC_NONE, "Rating: \xd9\xa4"},
	{"1. hire", 0, REC_HIRE, ""},
	{"Rating: 4/5\nRecommendation: hire\nRating: 2/5", 4, REC_HIRE, "Rating: 2/5"},
	{"Overall: 4/5", 4, REC_NONE, ""},
	{"Overall, I think she did well.", 0, REC_NONE, "Overall, I think she did well."},
	{"Thanks!", 0, REC_NONE, "Thanks!"},
	{"Rating: 4\xff\n", 0, REC_NONE, "Rating: 4\xff"},
};

static void test_new_text_cases(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(new_cases); i++) {
		char *got = reply_new_text(new_cases[i].in);
		assert_non_null(got);
		if (strcmp(got, new_cases[i].want)) {
			print_error("reply_new_text, case %zu:\n", i);
			show("input   ", new_cases[i].in);
			show("expected", new_cases[i].want);
			show("actual  ", got);
			bad++;
		}
		free(got);
	}
	assert_int_equal(bad, 0);
}

static void test_html_cases(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(html_cases); i++) {
		char *got = reply_html_to_text(html_cases[i].in);
		assert_non_null(got);
		if (strcmp(got, html_cases[i].want)) {
			print_error("reply_html_to_text, case %zu:\n", i);
			show("input   ", html_cases[i].in);
			show("expected", html_cases[i].want);
			show("actual  ", got);
			bad++;
		}
		free(got);
	}
	assert_int_equal(bad, 0);
}

static void test_feedback_cases(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(feedback_cases); i++) {
		const struct feedback_case *c = &feedback_cases[i];
		struct reply_feedback fb;
		assert_int_equal(reply_feedback_parse(c->in, &fb), 0);
		assert_non_null(fb.feedback);
		if (fb.rating != c->rating || fb.rec != c->rec || strcmp(fb.feedback, c->feedback)) {
			print_error("reply_feedback_parse, case %zu:\n", i);
			show("input   ", c->in);
			print_error("  expected %d %s ", c->rating, rec_names[c->rec]);
			show("", c->feedback);
			print_error("  actual   %d %s ", fb.rating, rec_names[fb.rec]);
			show("", fb.feedback);
			bad++;
		}
		reply_feedback_free(&fb);
	}
	assert_int_equal(bad, 0);
}

static void test_feedback_free(void **state)
{
	(void)state;
	struct reply_feedback fb;
	reply_feedback_free(NULL);
	assert_int_equal(reply_feedback_parse("Rating: 4\nfine", &fb), 0);
	reply_feedback_free(&fb);
	assert_null(fb.feedback);
	reply_feedback_free(&fb); /* twice is fine */
	assert_int_equal(reply_feedback_parse("x", NULL), -1);
}

/* The tokenizer reads a line's first 48 tokens: a long line of recommendation words
 * is not read, and the line stays. */
static void test_long_word_line(void **state)
{
	(void)state;
	char line[64 * 5 + 1] = "";
	for (int i = 0; i < 64; i++)
		strcat(line, "hire ");
	struct reply_feedback fb;
	assert_int_equal(reply_feedback_parse(line, &fb), 0);
	assert_int_equal(fb.rec, REC_NONE);
	assert_int_equal(strlen(fb.feedback), strlen(line) - 1);
	reply_feedback_free(&fb);
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

/* Runs all three on IN (N bytes in a buffer of exactly N + 1, so that ASan sees any
 * read past the end) and checks what must always hold. */
static void run_all(const char *label, const char *in, size_t n)
{
	char *s = dup_n(in, n);
	int utf8 = str_is_utf8(s);
	char *html = reply_html_to_text(s);
	char *nt = reply_new_text(s);
	char *nt2 = html ? reply_new_text(html) : NULL;
	struct reply_feedback fb = {0, 0, NULL}, fb2 = {0, 0, NULL};
	int rc = nt ? reply_feedback_parse(nt, &fb) : -1;
	int rc2 = reply_feedback_parse(s, &fb2);
	int ok = html && nt && nt2 && rc == 0 && rc2 == 0 && fb.feedback && fb2.feedback;
	ok = ok && fb.rating >= 0 && fb.rating <= 5 && fb.rec >= REC_NONE && fb.rec < REC_COUNT;
	ok = ok && fb2.rating >= 0 && fb2.rating <= 5 && fb2.rec >= REC_NONE && fb2.rec < REC_COUNT;
	ok = ok && tidy_ok(html) && tidy_ok(nt) && tidy_ok(nt2) && tidy_ok(fb.feedback) && tidy_ok(fb2.feedback);
	ok = ok && strlen(nt) <= n && strlen(fb2.feedback) <= n && strlen(fb.feedback) <= strlen(nt);
	ok = ok && (!utf8 || (str_is_utf8(html) && str_is_utf8(nt) && str_is_utf8(fb.feedback)));
	if (!ok) {
		print_error("%s: an invariant does not hold\n", label);
		show("input", s);
		show("html ", html);
		show("new  ", nt);
		show("feedback", fb.feedback);
	}
	reply_feedback_free(&fb);
	reply_feedback_free(&fb2);
	free(html);
	free(nt);
	free(nt2);
	free(s);
	if (!ok)
		fail();
}

static const char *const pieces[] = {
	"\n", "\r\n", "\r", "\n\n", ">", "> ", "-- ", "--", "-", ":", " ", "\t", "\xc2\xa0", "\xe2\x80\xaf",
	"On 1 Dec 2026, Rita <r@x.com> wrote:", "On Tue,", " wrote:", "Am 1.12. schrieb ", "a \xc3\xa9\x63rit :",
	"From: x", "Sent: y", "To: z", "Subject: s", "Von: ", "________________________________",
	"-----Original Message-----", "---------- Forwarded message ---------", "Begin forwarded message:",
	"Sent from my iPhone", "Rating: ", "Recommendation: ", "4/5", "4", "0", "7/10", "3.5", "hire", "no hire",
	"proceed to", "maybe", "yes", "no", "\xe2\x98\x85", "\xe2\x98\x86", "\xe2\xad\x90", "\xef\xb8\x8f", "(", ")",
	"*", "_", "<", "</", "<div>", "</div>", "<blockquote>", "</blockquote>", "<br>", "<p>", "<pre>", "</pre>",
	"<!--", "-->", "<script>", "</script>", "<style>", "<head>", "&", "&#", "&#x", ";", "amp", "nbsp", "'", "\"",
	"=", "class=\"gmail_quote\"", "id=divRplyFwdMsg", "<div class=gmail_signature>", "\xc3\xa9", "\xe6\x97\xa5",
	"\xff", "\xe2\x98", "\xf0\x9f\x9a\x80", "\xef\xbb\xbf", "\xe2\x80\x8b", "x", "Hello world.",
};

static void test_random_pieces(void **state)
{
	(void)state;
	struct rng r = {0x9e3779b97f4a7c15ull};
	char buf[4096], label[64];
	for (int t = 0; t < 3000; t++) {
		size_t n = 0;
		int count = (int)(rng_next(&r) % 60);
		for (int i = 0; i < count; i++) {
			const char *p = pieces[rng_next(&r) % ARRAY_LEN(pieces)];
			size_t len = strlen(p);
			if (n + len >= sizeof buf)
				break;
			memcpy(buf + n, p, len);
			n += len;
		}
		snprintf(label, sizeof label, "random pieces #%d", t);
		run_all(label, buf, n);
	}
}

static void test_random_bytes(void **state)
{
	(void)state;
	struct rng r = {0x2545f4914f6cdd1dull};
	char buf[1024], label[64];
	for (int t = 0; t < 3000; t++) {
		size_t n = rng_next(&r) % sizeof buf;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)(1 + rng_next(&r) % 255); /* no NUL: these are C strings */
		snprintf(label, sizeof label, "random bytes #%d", t);
		run_all(label, buf, n);
	}
}

static struct fixture *g_fixtures;
static size_t g_nfixtures;

/* Every prefix of every small fixture (and evenly spaced ones of the big ones). */
static void test_truncated_fixtures(void **state)
{
	(void)state;
	char label[200];
	for (size_t f = 0; f < g_nfixtures; f++) {
		size_t len;
		if (g_fixtures[f].orphan)
			continue;
		char *body = read_file(g_fixtures[f].body_path, &len);
		assert_non_null(body);
		size_t step = len <= 1500 ? 1 : len / 300;
		for (size_t cut = 0; cut <= len; cut += step) {
			snprintf(label, sizeof label, "%s cut at %zu", g_fixtures[f].name, cut);
			run_all(label, body, cut);
		}
		free(body);
	}
}

/* ---- time ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A megabyte of REPEATED (or of one line, when REPEATED is NULL: 'a' and spaces). */
static char *megabyte(const char *repeated)
{
	size_t size = 1 << 20, n = 0;
	char *s = malloc(size + 1);
	assert_non_null(s);
	if (!repeated) {
		for (; n < size; n++)
			s[n] = n % 7 == 6 ? ' ' : 'a';
	} else {
		size_t len = strlen(repeated);
		for (; n + len <= size; n += len)
			memcpy(s + n, repeated, len);
	}
	s[n] = 0;
	return s;
}

static const struct {
	const char *what, *repeated;
} big_inputs[] = {
	{"one line", NULL},
	{"prose", "Strong on systems design, a bit slow on the coding exercise. Would like someone to probe.\n"},
	{"blank lines", "\n"},
	{"quoted lines", "> Rating: 4/5\n"},
	{"header-like lines", "On Tue, 1 Dec 2026 at 14:30, Rita <rita@example.com>\n"},
	{"Outlook-like lines", "From: x\nTo: y\n"},
	{"rating lines", "Rating: 4/5\n"},
	{"recommendation words", "hire proceed maybe reject strong no hire "},
	{"stars", "\xe2\x98\x85"},
	{"digits", "4"},
	{"nested divs", "<div>"},
	{"blockquotes", "<blockquote>"},
	{"entities", "&amp;&#x1F600;&nbsp;&bogus;"},
	{"angle brackets", "<"},
	{"comment openers", "<!--"},
	{"declarations", "<!x"},
	{"script tags", "<script></scrip"},
	{"quote in a tag", "<a href=\"x"},
};

static void test_megabyte(void **state)
{
	(void)state;
	double worst = 0;
	const char *worst_what = "";
	for (size_t i = 0; i < ARRAY_LEN(big_inputs); i++) {
		char *s = megabyte(big_inputs[i].repeated);
		double t0 = now_s();
		char *html = reply_html_to_text(s);
		double t1 = now_s();
		char *nt = reply_new_text(s);
		double t2 = now_s();
		struct reply_feedback fb;
		assert_int_equal(reply_feedback_parse(s, &fb), 0);
		double t3 = now_s();
		assert_non_null(html);
		assert_non_null(nt);
		double times[3] = {t1 - t0, t2 - t1, t3 - t2};
		for (int k = 0; k < 3; k++) {
			if (times[k] > worst) {
				worst = times[k];
				worst_what = big_inputs[i].what;
			}
			if (times[k] >= 1.0) {
				print_error("1 MB of %s: %s took %.3f s\n", big_inputs[i].what,
				            k == 0 ? "reply_html_to_text" : k == 1 ? "reply_new_text" : "reply_feedback_parse",
				            times[k]);
				fail();
			}
		}
		reply_feedback_free(&fb);
		free(html);
		free(nt);
		free(s);
	}
	print_message("slowest call on 1 MB: %.3f s (%s)\n", worst, worst_what);
}

/* ---- the runner: one test per fixture, named after it ---- */

int main(void)
{
	g_mime_init();
	const char *dir = fixture_dir();
	if (!dir || !(g_fixtures = load_fixtures(dir, &g_nfixtures))) {
		fprintf(stderr, "test_reply: no fixture folder (tried $REPLY_FIXTURES and tests/mail/replies from "
		                "the repository root)\n[  FAILED  ] 1 test(s)\n");
		return 1;
	}
	if (g_nfixtures < MIN_FIXTURES) {
		fprintf(stderr, "test_reply: %zu fixtures in %s, expected at least %d\n[  FAILED  ] 1 test(s)\n",
		        g_nfixtures, dir, MIN_FIXTURES);
		free(g_fixtures);
		return 1;
	}
	static const struct CMUnitTest singles[] = {
		cmocka_unit_test(test_new_text_cases),   cmocka_unit_test(test_html_cases),
		cmocka_unit_test(test_feedback_cases),   cmocka_unit_test(test_feedback_free),
		cmocka_unit_test(test_long_word_line),   cmocka_unit_test(test_random_pieces),
		cmocka_unit_test(test_random_bytes),     cmocka_unit_test(test_truncated_fixtures),
		cmocka_unit_test(test_megabyte),
	};
	size_t n = g_nfixtures + ARRAY_LEN(singles);
	struct CMUnitTest *tests = calloc(n, sizeof *tests);
	char (*names)[200] = calloc(g_nfixtures, sizeof *names);
	assert_non_null(tests);
	assert_non_null(names);
	for (size_t i = 0; i < g_nfixtures; i++) {
		const struct fixture *fx = &g_fixtures[i];
		if (fx->kind == K_EML)
			snprintf(names[i], sizeof names[i], "fixture %s (a whole message, through mail/parse.c)",
			         fx->name);
		else
			snprintf(names[i], sizeof names[i], "fixture %s (%s)", fx->name, kind_ext[fx->kind]);
		tests[i].name = names[i];
		tests[i].test_func = test_fixture;
		tests[i].initial_state = (void *)(uintptr_t)fx;
	}
	memcpy(tests + g_nfixtures, singles, sizeof singles);
	int failed = _cmocka_run_group_tests("reply", tests, n, NULL, NULL);
	free(tests);
	free(names);
	free(g_fixtures);
	return failed;
}
