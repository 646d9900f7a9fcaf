/* Unit tests for bot/toml.c. The two tables below are the specification: inputs the
 * parser accepts with the tree it must build (written in file order as
 * {key=value, ...}, strings in '...', bytes below 0x20 as \xNN), and inputs it refuses
 * with the exact message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/toml.h"

struct toml_case {
	const char *input;
	const char *expect; /* the tree, or the error message */
};

static const struct toml_case valid_cases[] = {
	{ "", "{}" },
	{ "# only a comment\n", "{}" },
	{ "\n\n  \t\n", "{}" },
	{ "a = 1", "{a=1}" },
	{ "a = 1\n", "{a=1}" },
	{ "a=1\nb = -2\nc = +3\n", "{a=1, b=-2, c=3}" },
	{ "n = 1_000_000\nm = 1_2_3\n", "{n=1000000, m=123}" },
	{ "n = 0\nm = -0\np = +0\n", "{n=0, m=0, p=0}" },
	{ "max = 9223372036854775807\nmin = -9223372036854775808\n",
	  "{max=9223372036854775807, min=-9223372036854775808}" },
	{ "t = true\nf = false\n", "{t=true, f=false}" },
	{ "s = \"a\\tb\\n\\\"q\\\" \\\\ \\b\\f\\r\"\n", "{s='a\\x09b\\x0a\"q\" \\\\ \\x08\\x0c\\x0d'}" },
	{ "s = \"\\u00e9\\u20AC\\U0001F600\"\n", "{s='é€😀'}" },
	{ "s = \"\\u0041\\U00000042\\uFFFD\\U0010FFFF\"",
	  "{s='AB\xef\xbf\xbd\xf4\x8f\xbf\xbf'}" },
	{ "p = 'C:\\Users\\x'\n", "{p='C:\\\\Users\\\\x'}" },
	{ "p = 'say \"hi\" \\n'\n", "{p='say \"hi\" \\\\n'}" },
	{ "s = \"it's\"\n", "{s='it\\'s'}" },
	{ "a = \"\"\nb = ''\n", "{a='', b=''}" },
	{ "name = \"Zoë 日本\"\n", "{name='Zoë 日本'}" },
	{ "s = \"a\tb\"\nt = 'c\td'\n", "{s='a\\x09b', t='c\\x09d'}" },
	{ "s = \"\xc2\x85\"\n", "{s='\xc2\x85'}" },
	{ "s = \"# not a comment\" # a comment\n", "{s='# not a comment'}" },
	{ "\"a b\" = 1\n'c.d' = 2\n\"\" = 3\n\"é\" = 4\n", "{'a b'=1, 'c.d'=2, ''=3, 'é'=4}" },
	{ "\"q\\\"k\" = 1\n\"\\u0041\" = 2\n", "{'q\"k'=1, A=2}" },
	{ "1234 = 1\na-b_c = 2\ntrue = 3\n- = 4\n", "{1234=1, a-b_c=2, true=3, -=4}" },
	{ "a\t=\t1\n  b = 2  \n", "{a=1, b=2}" },
	{ "[a]\nx = 1\n[b]\ny = 2\n", "{a={x=1}, b={y=2}}" },
	{ "[a.b.c]\nx = 1\n", "{a={b={c={x=1}}}}" },
	{ "[a.b]\nx = 1\n[a]\ny = 2\n", "{a={b={x=1}, y=2}}" },
	{ "[a]\n[a.b]\n", "{a={b={}}}" },
	{ "[a.b]\n[a.c]\n", "{a={b={}, c={}}}" },
	{ "[a.b]\n[a.b.c]\n[a]\n", "{a={b={c={}}}}" },
	{ "[ a . b ]\n", "{a={b={}}}" },
	{ "[ a.\"b c\".'d' ]\n", "{a={'b c'={d={}}}}" },
	{ "[\"a.b\"]\nx = 1\n", "{'a.b'={x=1}}" },
	{ "[people.\"bob smith\"]\nemail = 'b@x'\n", "{people={'bob smith'={email='b@x'}}}" },
	{ "[a]\n[b]\n", "{a={}, b={}}" },
	{ "  [a]\n\tx = 1\n", "{a={x=1}}" },
	{ "[a]\nx = 1\n[b]\nx = 2\n", "{a={x=1}, b={x=2}}" },
	{ "[a]\nb = 1\n[c.b]\n", "{a={b=1}, c={b={}}}" },
	{ "a = []\nb = [ ]\nc = [\n]\n", "{a=[], b=[], c=[]}" },
	{ "a = [\"x\"]\nb = [ \"x\", 'y', ]\n", "{a=['x'], b=['x', 'y']}" },
	{ "a = [\"\", '']\n", "{a=['', '']}" },
	{ "a = [ # first\n  \"x\", # one\n\n  # between\n  'y' # two\n  , \"z\"\n] # end\n",
	  "{a=['x', 'y', 'z']}" },
	{ "a = [\"x\",\n\"y\",]\nb = 1\n", "{a=['x', 'y'], b=1}" },
	{ "a = 1\r\nb = 'x'\r\n[t]\r\nc = [\r\n \"y\", # c\r\n]\r\n",
	  "{a=1, b='x', t={c=['y']}}" },
	{ "# c\r\n\r\n", "{}" },
	{ "a = 1 # c\n[t] # c\nb = \"x\" #c\n", "{a=1, t={b='x'}}" },
	{ "a = 1#c\n[t]#c\n", "{a=1, t={}}" },
	{ "#\tü ✓ \"'[]=\n", "{}" },
	{ "a = 1 #end", "{a=1}" },
	{ "a = 'x\\'\n", "{a='x\\\\'}" },
	{ "a = 1\n\n\n[b]\n\n\nc = 2\n\n", "{a=1, b={c=2}}" },
};

static const struct toml_case invalid_cases[] = {
	/* outside the subset */
	{ "port = 8.5\n", "t.toml:1:8: floats are not supported here (use an integer)" },
	{ "a = 1e3", "t.toml:1:5: floats are not supported here (use an integer)" },
	{ "a = 3.14", "t.toml:1:5: floats are not supported here (use an integer)" },
	{ "a = inf", "t.toml:1:5: floats are not supported here (use an integer)" },
	{ "a = -nan", "t.toml:1:5: floats are not supported here (use an integer)" },
	{ "[[x]]\n", "t.toml:1:1: arrays of tables ([[x]]) are not supported" },
	{ "a = {b = 1}\n", "t.toml:1:5: inline tables are not supported (use a [table] header)" },
	{ "a = \"\"\"x\"\"\"\n", "t.toml:1:5: multi-line strings are not supported" },
	{ "a = '''x'''\n", "t.toml:1:5: multi-line strings are not supported" },
	{ "\"\"\"a\"\"\" = 1\n", "t.toml:1:1: multi-line strings are not supported" },
	{ "d = 1979-05-27\n", "t.toml:1:5: dates and times are not supported; write them as strings" },
	{ "t = 07:32:00\n", "t.toml:1:5: dates and times are not supported; write them as strings" },
	{ "d = 1979-05-27T07:32:00Z",
	  "t.toml:1:5: dates and times are not supported; write them as strings" },
	{ "d = 1979-05-27 07:32:00",
	  "t.toml:1:5: dates and times are not supported; write them as strings" },
	{ "a = [1, 2]\n", "t.toml:1:6: arrays may only hold strings (found \"1\")" },
	{ "a = [\"x\", 1]\n", "t.toml:1:11: arrays may only hold strings (found \"1\")" },
	{ "a = [[\"x\"]]", "t.toml:1:6: arrays may only hold strings (found \"[\")" },
	{ "a = [true]", "t.toml:1:6: arrays may only hold strings (found \"t\")" },
	{ "a = \"x\" # ok\n[b]\nc = [\n  \"y\",\n  z\n]\n",
	  "t.toml:5:3: arrays may only hold strings (found \"z\")" },
	{ "a.b = 1\n", "t.toml:1:1: dotted keys are not supported (use a [table] header)" },
	{ "a . b = 1\n", "t.toml:1:1: dotted keys are not supported (use a [table] header)" },
	{ "a = 0x1F\n", "t.toml:1:5: hexadecimal, octal and binary integers are not supported "
	                "(write it in decimal)" },
	{ "a = 0o17\n", "t.toml:1:5: hexadecimal, octal and binary integers are not supported "
	                "(write it in decimal)" },
	{ "a = 0b1\n", "t.toml:1:5: hexadecimal, octal and binary integers are not supported "
	               "(write it in decimal)" },
	{ "a = \"\\u0000\"", "t.toml:1:6: invalid escape \"\\u0000\": strings cannot contain NUL" },
	/* keys and tables defined twice */
	{ "port = 1\nport = 2\n", "t.toml:2:1: duplicate key \"port\" (first defined at line 1)" },
	{ "\"a\" = 1\na = 2", "t.toml:2:1: duplicate key \"a\" (first defined at line 1)" },
	{ "a = 1 # c\n\n  'a' = 2", "t.toml:3:3: duplicate key \"a\" (first defined at line 1)" },
	{ "[slack]\n[slack]\n", "t.toml:2:1: table [slack] defined twice (first at line 1)" },
	{ "[a.b]\n[a]\n[a]\n", "t.toml:3:1: table [a] defined twice (first at line 2)" },
	{ "[a]\n[A]\nx=1\n[ a ]", "t.toml:4:1: table [a] defined twice (first at line 1)" },
	{ "[\"x y\"]\n['x y']\n", "t.toml:2:1: table [\"x y\"] defined twice (first at line 1)" },
	{ "[a.b.c]\nx = 1\n[a.b]\n[a.b.c]\n",
	  "t.toml:4:1: table [a.b.c] defined twice (first at line 1)" },
	{ "a = 1\n[a]\n", "t.toml:2:1: key \"a\" is already defined as a value (line 1); it "
	                  "cannot also be a table" },
	{ "[a]\nb = 1\n[a.b.c]\n", "t.toml:3:1: key \"b\" is already defined as a value (line 2); "
	                           "it cannot also be a table" },
	{ "[a.b]\n[a]\nb = 1\n", "t.toml:3:1: key \"b\" is already a table (defined at line 1)" },
	/* keys */
	{ "x 1\n", "t.toml:1:3: expected \"=\" after key \"x\"" },
	{ "x\n", "t.toml:1:2: expected \"=\" after key \"x\"" },
	{ "a b = 1", "t.toml:1:3: expected \"=\" after key \"a\"" },
	{ "\"a\\\"b\" 1", "t.toml:1:8: expected \"=\" after key \"a\\\"b\"" },
	{ "= 1", "t.toml:1:1: missing key before \"=\"" },
	{ "ключ = 1", "t.toml:1:1: invalid character \"к\" in key (bare keys may only use "
	              "A-Z a-z 0-9 _ -; put the key in quotes)" },
	{ "ab! = 1", "t.toml:1:3: invalid character \"!\" in key (bare keys may only use "
	             "A-Z a-z 0-9 _ -; put the key in quotes)" },
	{ "{a} = 1", "t.toml:1:1: invalid character \"{\" in key (bare keys may only use "
	             "A-Z a-z 0-9 _ -; put the key in quotes)" },
	{ ".a = 1", "t.toml:1:1: expected a key, found \".\"" },
	/* table headers */
	{ "[]\n", "t.toml:1:2: expected a key, found \"]\"" },
	{ "[a.]\n", "t.toml:1:4: expected a key, found \"]\"" },
	{ "[a..b]\n", "t.toml:1:4: expected a key, found \".\"" },
	{ "[a\n", "t.toml:1:3: missing \"]\" at end of table header" },
	{ "[a", "t.toml:1:3: missing \"]\" at end of table header" },
	{ "[a b]\n", "t.toml:1:4: expected \".\" or \"]\" in table header, found \"b\"" },
	{ "[a] x\n", "t.toml:1:5: unexpected \"x\" after table header (expected end of line or "
	             "# comment)" },
	{ "[a]]\n", "t.toml:1:4: unexpected \"]\" after table header (expected end of line or "
	            "# comment)" },
	/* values */
	{ "a = ", "t.toml:1:5: missing value after \"=\"" },
	{ "a =\n", "t.toml:1:4: missing value after \"=\"" },
	{ "a = # c\n", "t.toml:1:5: missing value after \"=\"" },
	{ "a\t=\t", "t.toml:1:5: missing value after \"=\"" },
	{ "a = @", "t.toml:1:5: expected a value (string, integer, boolean or array of strings), "
	           "found \"@\"" },
	{ "a = 1 2\n", "t.toml:1:7: unexpected \"2\" after value (expected end of line or # "
	               "comment)" },
	{ "a = \"x\" y", "t.toml:1:9: unexpected \"y\" after value (expected end of line or # "
	                 "comment)" },
	{ "a = \"x\"\"y\"", "t.toml:1:8: unexpected '\"' after value (expected end of line or # "
	                    "comment)" },
	{ "a = 1,\n", "t.toml:1:6: unexpected \",\" after value (expected end of line or # "
	              "comment)" },
	{ "s = \"é\" x", "t.toml:1:9: unexpected \"x\" after value (expected end of line or # "
	                 "comment)" },
	{ "a = [ 'x' ]]", "t.toml:1:12: unexpected \"]\" after value (expected end of line or # "
	                  "comment)" },
	{ "a = hello", "t.toml:1:5: invalid value \"hello\" (strings must be quoted: \"hello\")" },
	{ "a = _1", "t.toml:1:5: invalid value \"_1\" (strings must be quoted: \"_1\")" },
	{ "a = truex", "t.toml:1:5: invalid value \"truex\" (strings must be quoted: \"truex\")" },
	{ "a = True", "t.toml:1:5: booleans are written in lowercase: true or false" },
	/* integers */
	{ "a = 012", "t.toml:1:5: leading zeros are not allowed in integers" },
	{ "a = -00", "t.toml:1:5: leading zeros are not allowed in integers" },
	{ "a = 1__2", "t.toml:1:5: an underscore in an integer must sit between two digits" },
	{ "a = 1_", "t.toml:1:5: an underscore in an integer must sit between two digits" },
	{ "a = +_1", "t.toml:1:5: invalid integer \"+_1\"" },
	{ "a = +", "t.toml:1:5: invalid integer \"+\"" },
	{ "a = - 1", "t.toml:1:5: invalid integer \"-\"" },
	{ "a = 12ab", "t.toml:1:5: invalid integer \"12ab\"" },
	{ "a = 9223372036854775808", "t.toml:1:5: integer out of range (-9223372036854775808 to "
	                             "9223372036854775807)" },
	{ "a = -9223372036854775809", "t.toml:1:5: integer out of range (-9223372036854775808 to "
	                              "9223372036854775807)" },
	{ "a = 99999999999999999999999", "t.toml:1:5: integer out of range "
	                                 "(-9223372036854775808 to 9223372036854775807)" },
	/* strings */
	{ "a = \"abc\n", "t.toml:1:5: unterminated string (missing closing '\"' before end of "
	                 "line)" },
	{ "a = 'abc", "t.toml:1:5: unterminated string (missing closing \"'\" before end of line)" },
	{ "a = \"abc\r\n\"", "t.toml:1:5: unterminated string (missing closing '\"' before end "
	                     "of line)" },
	{ "a = \"\\q\"\n", "t.toml:1:6: invalid escape \"\\q\" (use \\b \\t \\n \\f \\r \\\" \\\\ "
	                   "\\uXXXX or \\UXXXXXXXX)" },
	{ "a = \"\\e\"\n", "t.toml:1:6: invalid escape \"\\e\" (use \\b \\t \\n \\f \\r \\\" \\\\ "
	                   "\\uXXXX or \\UXXXXXXXX)" },
	{ "a = \"\\é\"\n", "t.toml:1:6: invalid escape \"\\é\" (use \\b \\t \\n \\f \\r \\\" \\\\ "
	                   "\\uXXXX or \\UXXXXXXXX)" },
	{ "a = \"\\u12G4\"", "t.toml:1:6: invalid escape: \\u must be followed by 4 hex digits" },
	{ "a = \"\\u12\"", "t.toml:1:6: invalid escape: \\u must be followed by 4 hex digits" },
	{ "a = \"\\U0001F60\"", "t.toml:1:6: invalid escape: \\U must be followed by 8 hex digits" },
	{ "a = \"\\uD800\"", "t.toml:1:6: invalid escape \"\\uD800\": not a Unicode scalar value" },
	{ "a = \"\\U00110000\"",
	  "t.toml:1:6: invalid escape \"\\U00110000\": not a Unicode scalar value" },
	{ "a = \"x\\\n", "t.toml:1:7: backslash at end of line (line continuations need "
	                 "multi-line strings, which are not supported)" },
	{ "a = \"\\\x01\"", "t.toml:1:6: invalid escape: backslash before control character "
	                    "U+0001" },
	{ "a = \"\x01\"", "t.toml:1:6: control character U+0001 in string (write it as \\u0001 in "
	                  "a \"...\" string)" },
	{ "a = \"\x7f\"", "t.toml:1:6: control character U+007F in string (write it as \\u007F in "
	                  "a \"...\" string)" },
	{ "x = \"\t\x0c\"", "t.toml:1:7: control character U+000C in string (write it as \\u000C "
	                    "in a \"...\" string)" },
	{ "a = 'x\x01'", "t.toml:1:7: control character U+0001 in string (write it as \\u0001 in "
	                 "a \"...\" string)" },
	{ "a = \"x\ry\"", "t.toml:1:7: control character U+000D in string (write it as \\u000D in "
	                  "a \"...\" string)" },
	/* arrays */
	{ "a = [\"x\" \"y\"]", "t.toml:1:10: expected \",\" or \"]\" after array item, found '\"'" },
	{ "a = [\"x\",", "t.toml:1:5: unterminated array (missing \"]\")" },
	{ "a = [\"x\"\n", "t.toml:1:5: unterminated array (missing \"]\")" },
	{ "a = [\"x\" # comment\n", "t.toml:1:5: unterminated array (missing \"]\")" },
	{ "a = [", "t.toml:1:5: unterminated array (missing \"]\")" },
	{ "a = [,]", "t.toml:1:6: expected a string or \"]\", found \",\"" },
	{ "a = [\"x\",,]", "t.toml:1:10: expected a string or \"]\", found \",\"" },
	{ "a = [\"x\"\nb = 1\n", "t.toml:2:1: expected \",\" or \"]\" after array item, found \"b\"" },
	/* line endings, comments, encoding */
	{ "a = 1\rb = 2", "t.toml:1:6: carriage return without line feed (end lines with LF or "
	                  "CRLF)" },
	{ "\r", "t.toml:1:1: carriage return without line feed (end lines with LF or CRLF)" },
	{ "a = [\r'x']", "t.toml:1:6: carriage return without line feed (end lines with LF or "
	                 "CRLF)" },
	{ "# a\x01" "b\n", "t.toml:1:4: control character U+0001 in comment" },
	{ "a = 1 # \x7f\n", "t.toml:1:9: control character U+007F in comment" },
	{ "# a\rb\n", "t.toml:1:4: control character U+000D in comment" },
	{ "\xef\xbb\xbf" "a = 1", "t.toml:1:1: the file starts with a byte order mark; save it as "
	                          "UTF-8 without BOM" },
	{ "a = \"\xff\"", "t.toml:1:6: invalid UTF-8 (byte 0xFF); save the file as UTF-8" },
	{ "a = \"\xc0\xaf\"", "t.toml:1:6: invalid UTF-8 (byte 0xC0); save the file as UTF-8" },
	{ "a = \"\xe0\x80\xaf\"", "t.toml:1:6: invalid UTF-8 (byte 0xE0); save the file as UTF-8" },
	{ "a = \"\xed\xa0\x80\"", "t.toml:1:6: invalid UTF-8 (byte 0xED); save the file as UTF-8" },
	{ "a = \"\xf4\x90\x80\x80\"", "t.toml:1:6: invalid UTF-8 (byte 0xF4); save the file as "
	                              "UTF-8" },
	{ "a = \"\xe2\x82\"", "t.toml:1:6: invalid UTF-8 (byte 0xE2); save the file as UTF-8" },
	{ "a = \"\x80\"", "t.toml:1:6: invalid UTF-8 (byte 0x80); save the file as UTF-8" },
	{ "é = 1\n\xe9", "t.toml:2:1: invalid UTF-8 (byte 0xE9); save the file as UTF-8" },
};

/* The tree in file order, into a bounded buffer. */
struct out {
	char s[4096];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->n >= sizeof o->s)
		return;
	va_start(ap, fmt);
	o->n += (size_t)vsnprintf(o->s + o->n, sizeof o->s - o->n, fmt, ap);
	va_end(ap);
}

static void put_str(struct out *o, const char *s)
{
	put(o, "'");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\'' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			put(o, "\\x%02x", c);
		else
			put(o, "%c", c);
	}
	put(o, "'");
}

static void put_key(struct out *o, const char *k)
{
	size_t n = strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

	if (n && k[n] == '\0')
		put(o, "%s", k);
	else
		put_str(o, k);
}

static void put_value(struct out *o, const struct toml_value *v)
{
	switch (v->type) {
	case TOML_STRING:
		put_str(o, v->s);
		break;
	case TOML_INT:
		put(o, "%lld", v->i);
		break;
	case TOML_BOOL:
		put(o, v->b ? "true" : "false");
		break;
	case TOML_ARRAY:
		put(o, "[");
		for (size_t i = 0; i < v->nitems; i++) {
			put(o, i ? ", " : "");
			put_str(o, v->items[i]);
		}
		put(o, "]");
		break;
	case TOML_TABLE:
		put(o, "{");
		for (size_t i = 0; i < v->nkv; i++) {
			put(o, i ? ", " : "");
			put_key(o, v->kv[i].key);
			put(o, "=");
			put_value(o, v->kv[i].value);
		}
		put(o, "}");
		break;
	}
}

static int check_case(const struct toml_case *c, int want_ok)
{
	char err[512] = "";
	struct toml_value *root = toml_parse(c->input, "t.toml", err, sizeof err);
	struct out o = { .n = 0 }, in = { .n = 0 };
	const char *actual = err;

	if (root) {
		put_value(&o, root);
		actual = o.s;
	}
	toml_free(root);
	if (!!root == want_ok && strcmp(actual, c->expect) == 0)
		return 0;
	put_str(&in, c->input); /* bytes outside printable ASCII escaped */
	fprintf(stderr, "FAIL (%s)\n  input:    %s\n  expected: %s\n  actual:   %s\n",
	        want_ok ? "should parse" : "should be refused",
	        in.s, c->expect, actual);
	return 1;
}

static void test_valid(void **state)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++)
		failed += check_case(&valid_cases[i], 1);
	assert_int_equal(failed, 0);
}

static void test_invalid(void **state)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++)
		failed += check_case(&invalid_cases[i], 0);
	assert_int_equal(failed, 0);
}

static void assert_at(const struct toml_kv *kv, int kline, int kcol, int vline, int vcol)
{
	assert_non_null(kv);
	assert_int_equal(kv->line, kline);
	assert_int_equal(kv->col, kcol);
	assert_int_equal(kv->value->line, vline);
	assert_int_equal(kv->value->col, vcol);
}

/* Keys are located at the key, values at the value, tables at their header; a table
 * implied by [a.b] moves to its own [a] header when that comes. Columns count code
 * points. */
static void test_positions(void **state)
{
	const char *text = "a = 1\n  [t.u]\n\"é\" =\t'x'\n[t]\nb = [\n 'y']\n";
	char err[256];
	struct toml_value *root = toml_parse(text, "t.toml", err, sizeof err);
	const struct toml_kv *t;

	assert_non_null(root);
	assert_int_equal(root->type, TOML_TABLE);
	assert_at(toml_get(root, "a"), 1, 1, 1, 5);
	t = toml_get(root, "t");
	assert_at(t, 4, 1, 4, 1);
	assert_at(toml_get(t->value, "u"), 2, 3, 2, 3);
	assert_at(toml_get(toml_get(t->value, "u")->value, "é"), 3, 1, 3, 7);
	assert_at(toml_get(t->value, "b"), 5, 1, 5, 5);
	toml_free(root);
}

static void test_get(void **state)
{
	char err[256];
	struct toml_value *root = toml_parse("s = 'x'\n[t]\nn = 7\n", "t.toml", err, sizeof err);
	const struct toml_kv *kv;

	assert_non_null(root);
	kv = toml_get(root, "s");
	assert_non_null(kv);
	assert_string_equal(kv->key, "s");
	assert_int_equal(kv->value->type, TOML_STRING);
	assert_string_equal(kv->value->s, "x");
	assert_null(toml_get(root, "n"));
	assert_null(toml_get(root, "S"));
	assert_null(toml_get(root, ""));
	assert_null(toml_get(kv->value, "x"));
	assert_null(toml_get(NULL, "s"));
	kv = toml_get(toml_get(root, "t")->value, "n");
	assert_int_equal(kv->value->type, TOML_INT);
	assert_int_equal(kv->value->i, 7);
	toml_free(root);
	toml_free(NULL);
}

/* Many members and items: the arrays grow. */
static void test_many(void **state)
{
	size_t cap = 200000, n = 0;
	char *text = malloc(cap), err[256];
	struct toml_value *root;
	const struct toml_kv *kv;

	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n, "a = [");
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(text + n, cap - n, "'%d',", i);
	n += (size_t)snprintf(text + n, cap - n, "]\n");
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(text + n, cap - n, "k%d = %d\n", i, i);
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(text + n, cap - n, "[t%d]\n", i);
	root = toml_parse(text, "t.toml", err, sizeof err);
	assert_non_null(root);
	assert_int_equal(root->nkv, 2001);
	kv = toml_get(root, "a");
	assert_int_equal(kv->value->nitems, 1000);
	assert_string_equal(kv->value->items[999], "999");
	assert_int_equal(toml_get(root, "t999")->value->type, TOML_TABLE);
	toml_free(root);
	free(text);
}

static char *nested(int depth)
{
	char *s = malloc((size_t)depth * 2 + 4);
	size_t n = 0;

	assert_non_null(s);
	s[n++] = '[';
	for (int i = 0; i < depth; i++) {
		s[n++] = i ? '.' : 'a';
		if (i)
			s[n++] = 'a';
	}
	s[n++] = ']';
	s[n] = '\0';
	return s;
}

static void test_depth(void **state)
{
	char err[256], *ok = nested(64), *deep = nested(65);
	struct toml_value *root = toml_parse(ok, "t.toml", err, sizeof err);

	assert_non_null(root);
	toml_free(root);
	assert_null(toml_parse(deep, "t.toml", err, sizeof err));
	assert_string_equal(err, "t.toml:1:130: tables nested more than 64 deep are not supported");
	free(ok);
	free(deep);
}

static void test_err_buffer(void **state)
{
	char err[12];

	memset(err, 'x', sizeof err);
	assert_null(toml_parse("a = ", "t.toml", err, 8));
	assert_string_equal(err, "t.toml:");
	assert_int_equal(err[9], 'x');
	assert_null(toml_parse("a = ", "t.toml", NULL, 0));
	assert_null(toml_parse("a = ", "t.toml", err, 0));
	assert_null(toml_parse("a = ", NULL, err, sizeof err));
	assert_string_equal(err, "(input):1:5");
	assert_null(toml_parse(NULL, "t.toml", err, sizeof err));
}

/* Writes N bytes of TEXT to a new temporary file named after the template PATH. */
static void write_file(char *path, const char *text, size_t n)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/test_toml_XXXXXX", err[512], want[600];
	struct toml_value *root;

	write_file(path, "[t]\r\nx = 'y'\r\n", 14);
	root = toml_parse_file(path, err, sizeof err);
	assert_non_null(root);
	assert_string_equal(toml_get(toml_get(root, "t")->value, "x")->value->s, "y");
	toml_free(root);
	unlink(path);

	strcpy(path, "/tmp/test_toml_XXXXXX");
	write_file(path, "a = \"\0\"", 7);
	assert_null(toml_parse_file(path, err, sizeof err));
	snprintf(want, sizeof want, "%s:1:6: NUL byte in file (is it a text file?)", path);
	assert_string_equal(err, want);
	unlink(path);

	assert_null(toml_parse_file(path, err, sizeof err));
	snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
	assert_string_equal(err, want);

	assert_null(toml_parse_file("/tmp", err, sizeof err));
	assert_string_equal(err, "/tmp: cannot read: Is a directory");
	assert_null(toml_parse_file("/nonexistent/x", NULL, 0));
}

/* Exactly 1 MiB is read; one byte more is refused before parsing. */
static void test_file_size(void **state)
{
	size_t mib = 1024 * 1024;
	char path[] = "/tmp/test_toml_XXXXXX", err[512], want[600];
	char *text = malloc(mib + 1);
	struct toml_value *root;

	assert_non_null(text);
	memset(text, ' ', mib + 1);
	text[0] = '#';
	write_file(path, text, mib);
	root = toml_parse_file(path, err, sizeof err);
	assert_non_null(root);
	assert_int_equal(root->nkv, 0);
	toml_free(root);
	unlink(path);

	strcpy(path, "/tmp/test_toml_XXXXXX");
	write_file(path, text, mib + 1);
	assert_null(toml_parse_file(path, err, sizeof err));
	snprintf(want, sizeof want, "%s: larger than 1 MiB; is this the right file?", path);
	assert_string_equal(err, want);
	unlink(path);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),      cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_positions),  cmocka_unit_test(test_get),
		cmocka_unit_test(test_many),       cmocka_unit_test(test_depth),
		cmocka_unit_test(test_err_buffer), cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_file_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
