/* toml: see toml.h. A recursive-descent parser over the whole text. The text is
 * checked for valid UTF-8 (and NUL bytes) before parsing, so later stages can copy
 * bytes and count columns in code points without checking again. The first error
 * stops the parse; every function returns 0 or -1 with the message already written. */
#include "bot/toml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOML_MAX_FILE  (1024 * 1024)
#define TOML_MAX_DEPTH 64 /* bounds the recursion of toml_free */

/* Every value is allocated as a node. V is the first member, so a struct toml_value *
 * handed out is also the address of its node. */
struct node {
	struct toml_value v;
	size_t cap;     /* slots allocated in v.kv (table) or v.items (array) */
	int has_header; /* table: defined by its own [header], not only implied by [a.b] */
	size_t *index;  /* table: hash of v.kv by key, open addressing; holds i + 1, 0 is */
	size_t nindex;  /* free; NINDEX is a power of two at least twice v.nkv */
};

struct parser {
	const char *text;
	size_t len, pos;
	const char *filename;
	char *err;
	size_t errlen;
	struct toml_value *root, *cur; /* cur: the table that key = value lines go to */
	size_t at_off, at_bol;         /* where() cache: AT_OFF is on line AT_LINE, */
	int at_line;                   /* which starts at offset AT_BOL */
};

struct buf {
	char *p;
	size_t len, cap;
};

static struct node *node_of(struct toml_value *v)
{
	return (struct node *)v;
}

static int at(const struct parser *P, size_t off)
{
	return off < P->len ? (unsigned char)P->text[off] : 0;
}

static int cur(const struct parser *P)
{
	return at(P, P->pos);
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' ||
	       c == '-';
}

static int is_control(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* End of line at OFF: LF or CRLF; end of file counts too. */
static int is_eol(const struct parser *P, size_t off)
{
	int c = at(P, off);

	return c == 0 || c == '\n' || (c == '\r' && at(P, off + 1) == '\n');
}

/* Length of the UTF-8 sequence a valid lead byte C starts. */
static int utf8_len(int c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xE0)
		return 2;
	return c < 0xF0 ? 3 : 4;
}

/* Line and column (1-based, in code points) of offset OFF. Lookups move forward or stay
 * on the current line (a key is located after its value), so the scan resumes from the
 * previous one and a whole parse stays linear. */
static void where(struct parser *P, size_t off, int *line, int *col)
{
	if (off < P->at_bol) {
		P->at_off = P->at_bol = 0;
		P->at_line = 1;
	}
	if (off < P->at_off)
		P->at_off = off;
	for (; P->at_off < off; P->at_off++) {
		if (P->text[P->at_off] == '\n') {
			P->at_line++;
			P->at_bol = P->at_off + 1;
		}
	}
	*line = P->at_line;
	*col = 1;
	for (size_t i = P->at_bol; i < off; i++)
		if (((unsigned char)P->text[i] & 0xC0) != 0x80)
			(*col)++;
}

__attribute__((format(printf, 3, 4))) static int fail(struct parser *P, size_t off,
                                                      const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	where(P, off, &line, &col);
	if (P->errlen)
		snprintf(P->err, P->errlen, "%s:%d:%d: %s", P->filename, line, col, reason);
	return -1;
}

static int oom(struct parser *P)
{
	return fail(P, P->pos, "out of memory");
}

/* The character at OFF as a message shows it: "x", '"', end of line, U+0001. */
static const char *describe(const struct parser *P, size_t off, char *out, size_t n)
{
	int c = at(P, off);

	if (c == 0)
		return "end of file";
	if (is_eol(P, off))
		return "end of line";
	if (c == '"')
		return "'\"'";
	if (is_control(c))
		snprintf(out, n, "control character U+%04X", (unsigned)c);
	else
		snprintf(out, n, "\"%.*s\"", utf8_len(c), P->text + off);
	return out;
}

/* KEY as a message shows it: in double quotes, with quotes and controls escaped,
 * cut short (at a character boundary) if it does not fit in OUT. */
static const char *show_key(char *out, size_t n, const char *key)
{
	size_t o = 0;

	out[o++] = '"';
	for (const unsigned char *s = (const unsigned char *)key; *s;) {
		size_t need = is_control(*s) ? 6 : (size_t)utf8_len(*s) + 1;

		if (o + need + 5 > n) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		if (is_control(*s)) {
			o += (size_t)snprintf(out + o, n - o, "\\u%04X", *s++);
			continue;
		}
		for (int k = utf8_len(*s); k > 0; k--)
			out[o++] = (char)*s++;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* Table name as in its header: a.b."c d". */
static const char *show_name(char *out, size_t n, char **parts, size_t count)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < count && o + 1 < n; i++) {
		size_t k = strspn(parts[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		                            "0123456789_-");
		char q[128];

		if (parts[i][k] != '\0' || k == 0)
			show_key(q, sizeof q, parts[i]);
		else
			snprintf(q, sizeof q, "%s", parts[i]);
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? "." : "", q);
	}
	return out;
}

/* Length of a valid UTF-8 sequence at S (N bytes available), or 0: no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	int len = utf8_len(s[0]);
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xC0 || s[0] > 0xF4 || (size_t)len > n)
		return 0;
	cp = s[0] & (0x7F >> len);
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

static int check_text(struct parser *P)
{
	const unsigned char *s = (const unsigned char *)P->text;

	if (P->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		return fail(P, 0, "the file starts with a byte order mark; save it as UTF-8 "
		                  "without BOM");
	for (size_t i = 0; i < P->len;) {
		int n;

		if (s[i] == 0)
			return fail(P, i, "NUL byte in file (is it a text file?)");
		n = utf8_valid(s + i, P->len - i);
		if (n == 0)
			return fail(P, i, "invalid UTF-8 (byte 0x%02X); save the file as UTF-8",
			            s[i]);
		i += (size_t)n;
	}
	return 0;
}

static int buf_add(struct parser *P, struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return oom(P);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* ARR if it has room for one more element, else ARR grown (or NULL, ARR intact). */
static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 4;
	void *p;

	if (n < *cap)
		return arr;
	p = realloc(arr, ncap * size);
	if (p)
		*cap = ncap;
	return p;
}

static struct toml_value *new_value(struct parser *P, enum toml_type type, size_t off)
{
	struct node *nd = calloc(1, sizeof *nd);

	if (!nd) {
		oom(P);
		return NULL;
	}
	nd->v.type = type;
	where(P, off, &nd->v.line, &nd->v.col);
	return &nd->v;
}

/* FNV-1a */
static size_t hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *s = (const unsigned char *)key; *s; s++)
		h = (h ^ *s) * 16777619u;
	return h;
}

/* Index of member KEY in table T, or T->nkv. A hash, so that a 1 MiB file of
 * thousands of keys or tables is not quadratic. */
static size_t find(const struct toml_value *t, const char *key)
{
	const struct node *nd = (const struct node *)t;
	size_t mask = nd->nindex - 1;

	if (!nd->nindex)
		return t->nkv;
	for (size_t h = hash(key) & mask;; h = (h + 1) & mask) {
		size_t i = nd->index[h];

		if (i == 0 || strcmp(t->kv[i - 1].key, key) == 0)
			return i ? i - 1 : t->nkv;
	}
}

static void index_put(struct node *nd, size_t i)
{
	size_t mask = nd->nindex - 1, h = hash(nd->v.kv[i].key) & mask;

	while (nd->index[h])
		h = (h + 1) & mask;
	nd->index[h] = i + 1;
}

/* Adds the last member of table ND to its index, growing the index if it is half full. */
static int index_last(struct node *nd)
{
	size_t n = nd->v.nkv, size = nd->nindex ? nd->nindex : 8;
	size_t *index;

	if (2 * n <= nd->nindex) {
		index_put(nd, n - 1);
		return 0;
	}
	while (2 * n > size)
		size *= 2;
	index = calloc(size, sizeof *index);
	if (!index)
		return -1;
	free(nd->index);
	nd->index = index;
	nd->nindex = size;
	for (size_t i = 0; i < n; i++)
		index_put(nd, i);
	return 0;
}

/* Appends KEY = V to table T; both are owned by T afterwards, or freed on failure. */
static int add_member(struct parser *P, struct toml_value *t, char *key,
                      struct toml_value *v, size_t off)
{
	struct toml_kv *kv = grow(t->kv, &node_of(t)->cap, t->nkv, sizeof *kv);

	if (!kv) {
		free(key);
		toml_free(v);
		return oom(P);
	}
	t->kv = kv;
	kv = &t->kv[t->nkv++];
	kv->key = key;
	kv->value = v;
	where(P, off, &kv->line, &kv->col);
	return index_last(node_of(t)) ? oom(P) : 0;
}

static void skip_ws(struct parser *P)
{
	while (cur(P) == ' ' || cur(P) == '\t')
		P->pos++;
}

/* Skips a # comment if there is one, up to (not over) the end of the line. */
static int skip_comment(struct parser *P)
{
	if (cur(P) != '#')
		return 0;
	for (P->pos++; !is_eol(P, P->pos); P->pos++) {
		int c = cur(P);

		if (is_control(c))
			return fail(P, P->pos, "control character U+%04X in comment", (unsigned)c);
	}
	return 0;
}

/* Consumes a line ending if there is one; 1 if it did, 0 if not, -1 on a bare CR. */
static int skip_newline(struct parser *P)
{
	if (cur(P) == '\n') {
		P->pos++;
		return 1;
	}
	if (cur(P) != '\r')
		return 0;
	if (at(P, P->pos + 1) != '\n')
		return fail(P, P->pos, "carriage return without line feed (end lines with LF "
		                       "or CRLF)");
	P->pos += 2;
	return 1;
}

/* After a header or a value: only blanks and a comment may follow on the line. */
static int end_line(struct parser *P, const char *after)
{
	char d[64];
	int rc;

	skip_ws(P);
	if (skip_comment(P))
		return -1;
	if (cur(P) == 0)
		return 0;
	rc = skip_newline(P);
	if (rc)
		return rc < 0 ? -1 : 0;
	return fail(P, P->pos, "unexpected %s after %s (expected end of line or # comment)",
	            describe(P, P->pos, d, sizeof d), after);
}

/* Blanks, comments and line endings, as allowed between array items. */
static int skip_blank(struct parser *P)
{
	for (;;) {
		int rc;

		skip_ws(P);
		if (skip_comment(P))
			return -1;
		rc = skip_newline(P);
		if (rc <= 0)
			return rc;
	}
}

/* Appends the UTF-8 encoding of scalar value CP. */
static int put_utf8(struct parser *P, struct buf *b, uint32_t cp)
{
	char s[4];
	size_t n;

	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | cp >> 6);
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | cp >> 12);
		n = 3;
	} else {
		s[0] = (char)(0xF0 | cp >> 18);
		n = 4;
	}
	for (size_t i = 1; i < n; i++)
		s[i] = (char)(0x80 | ((cp >> (6 * (n - 1 - i))) & 0x3F));
	return buf_add(P, b, s, n);
}

static int hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \uXXXX (N = 4) or \UXXXXXXXX (N = 8) at P->pos. */
static int parse_unicode(struct parser *P, struct buf *b, int n)
{
	size_t off = P->pos;
	const char *digits = P->text + off + 2;
	uint32_t cp = 0;

	for (int i = 0; i < n; i++) {
		int h = hex_value(at(P, off + 2 + (size_t)i));

		if (h < 0)
			return fail(P, off, "invalid escape: \\%c must be followed by %d hex digits",
			            n == 4 ? 'u' : 'U', n);
		cp = cp << 4 | (uint32_t)h;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return fail(P, off, "invalid escape \"\\%c%.*s\": not a Unicode scalar value",
		            n == 4 ? 'u' : 'U', n, digits);
	if (cp == 0)
		return fail(P, off, "invalid escape \"\\%c%.*s\": strings cannot contain NUL",
		            n == 4 ? 'u' : 'U', n, digits);
	P->pos += 2 + (size_t)n;
	return put_utf8(P, b, cp);
}

/* A backslash escape in a basic string, at P->pos. */
static int parse_escape(struct parser *P, struct buf *b)
{
	static const char names[] = "btnfr\"\\", chars[] = "\b\t\n\f\r\"\\";
	size_t off = P->pos;
	int c = at(P, off + 1);
	const char *p = c ? strchr(names, c) : NULL;

	if (p) {
		P->pos += 2;
		return buf_add(P, b, &chars[p - names], 1);
	}
	if (c == 'u' || c == 'U')
		return parse_unicode(P, b, c == 'u' ? 4 : 8);
	if (is_eol(P, off + 1))
		return fail(P, off, "backslash at end of line (line continuations need "
		                    "multi-line strings, which are not supported)");
	if (is_control(c))
		return fail(P, off, "invalid escape: backslash before control character U+%04X",
		            (unsigned)c);
	return fail(P, off, "invalid escape \"\\%.*s\" (use \\b \\t \\n \\f \\r \\\" \\\\ "
	                    "\\uXXXX or \\UXXXXXXXX)", utf8_len(c), P->text + off + 1);
}

/* A "basic" or 'literal' single-line string at P->pos, into malloc'd *OUT. */
static int parse_string(struct parser *P, char **out)
{
	size_t open = P->pos;
	int q = cur(P), rc = 0;
	struct buf b = { 0 };

	if (at(P, open + 1) == q && at(P, open + 2) == q)
		return fail(P, open, "multi-line strings are not supported");
	for (P->pos++; rc == 0 && cur(P) != q;) {
		int c = cur(P);

		if (is_eol(P, P->pos))
			rc = fail(P, open, "unterminated string (missing closing %s before end of "
			                   "line)", q == '"' ? "'\"'" : "\"'\"");
		else if (c == '\\' && q == '"')
			rc = parse_escape(P, &b);
		else if (is_control(c))
			rc = fail(P, P->pos, "control character U+%04X in string (write it as "
			                     "\\u%04X in a \"...\" string)", (unsigned)c, (unsigned)c);
		else
			rc = buf_add(P, &b, P->text + P->pos++, 1);
	}
	if (rc == 0 && !b.p)
		rc = buf_add(P, &b, "", 0);
	if (rc) {
		free(b.p);
		return -1;
	}
	P->pos++;
	*out = b.p;
	return 0;
}

/* A bare or quoted key at P->pos, into malloc'd *OUT. */
static int parse_key(struct parser *P, char **out)
{
	size_t start = P->pos;
	char d[64];
	int c = cur(P);

	if (c == '"' || c == '\'')
		return parse_string(P, out);
	while (is_bare(cur(P)))
		P->pos++;
	c = cur(P);
	if (c >= 0x80 || (c > ' ' && c < 0x7f && !strchr("=.]#", c)))
		return fail(P, P->pos, "invalid character %s in key (bare keys may only use "
		                       "A-Z a-z 0-9 _ -; put the key in quotes)",
		            describe(P, P->pos, d, sizeof d));
	if (P->pos == start)
		return fail(P, start, "expected a key, found %s", describe(P, start, d, sizeof d));
	*out = malloc(P->pos - start + 1);
	if (!*out)
		return oom(P);
	memcpy(*out, P->text + start, P->pos - start);
	(*out)[P->pos - start] = '\0';
	return 0;
}

static int is_word(const char *t, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(t, word, n) == 0;
}

static int is_datetime(const char *t, size_t n)
{
	if (n >= 5 && is_digit(t[0]) && is_digit(t[1]) && is_digit(t[2]) && is_digit(t[3]) &&
	    t[4] == '-')
		return 1;
	return n >= 3 && is_digit(t[0]) && is_digit(t[1]) && t[2] == ':';
}

/* A word that is no integer: say what it looks like. */
static int bad_word(struct parser *P, size_t off, size_t n)
{
	const char *t = P->text + off;
	const char *u = t + (t[0] == '+' || t[0] == '-');
	size_t un = n - (size_t)(u - t);
	int len = n > 40 ? 40 : (int)n;

	if (is_word(u, un, "inf") || is_word(u, un, "nan"))
		return fail(P, off, "floats are not supported here (use an integer)");
	if (is_word(t, n, "True") || is_word(t, n, "False") || is_word(t, n, "TRUE") ||
	    is_word(t, n, "FALSE"))
		return fail(P, off, "booleans are written in lowercase: true or false");
	if (u == t && !is_digit(t[0]))
		return fail(P, off, "invalid value \"%.*s\" (strings must be quoted: \"%.*s\")",
		            len, t, len, t);
	return fail(P, off, "invalid integer \"%.*s\"", len, t);
}

/* The digits of the word of N characters at OFF, after a sign of SKIP characters, into
 * ACC; LIMIT is the magnitude allowed. The first digit is known to be one. */
static int parse_digits(struct parser *P, size_t off, size_t n, size_t skip,
                        unsigned long long limit, unsigned long long *acc)
{
	const char *d = P->text + off;

	*acc = 0;
	for (size_t j = skip; j < n; j++) {
		unsigned dig = (unsigned)(d[j] - '0');

		if (d[j] == '_' && j + 1 < n && is_digit(d[j - 1]) && is_digit(d[j + 1]))
			continue;
		if (d[j] == '_')
			return fail(P, off, "an underscore in an integer must sit between two digits");
		if (!is_digit(d[j]))
			return bad_word(P, off, n);
		if (*acc > (limit - dig) / 10)
			return fail(P, off, "integer out of range (-9223372036854775808 to "
			                    "9223372036854775807)");
		*acc = *acc * 10 + dig;
	}
	return 0;
}

/* The word of N characters at OFF as a decimal integer. */
static int parse_int(struct parser *P, size_t off, size_t n, struct toml_value **out)
{
	const char *t = P->text + off;
	int neg = t[0] == '-';
	const char *d = t + (neg || t[0] == '+');
	size_t dn = n - (size_t)(d - t);
	unsigned long long acc;

	if (dn == 0 || !is_digit(d[0]))
		return bad_word(P, off, n);
	if (dn >= 2 && d[0] == '0' && strchr("xob", d[1]))
		return fail(P, off, "hexadecimal, octal and binary integers are not supported "
		                    "(write it in decimal)");
	if (memchr(d, '.', dn) || memchr(d, 'e', dn) || memchr(d, 'E', dn))
		return fail(P, off, "floats are not supported here (use an integer)");
	if (dn >= 2 && d[0] == '0')
		return fail(P, off, "leading zeros are not allowed in integers");
	if (parse_digits(P, off, n, n - dn, neg ? 9223372036854775808ULL : 9223372036854775807ULL,
	                 &acc))
		return -1;
	*out = new_value(P, TOML_INT, off);
	if (!*out)
		return -1;
	(*out)->i = neg && acc ? -(long long)(acc - 1) - 1 : (long long)acc;
	return 0;
}

static int is_word_char(int c)
{
	return is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* A value that is not a string or an array: a boolean, an integer or an error. */
static int parse_scalar(struct parser *P, struct toml_value **out)
{
	size_t off = P->pos, n = 0;
	const char *t = P->text + off;
	int c = cur(P);

	while (is_word_char(at(P, off + n)))
		n++;
	if (n == 0 && (c == '#' || is_eol(P, off)))
		return fail(P, off, "missing value after \"=\"");
	if (n == 0) {
		char d[64];

		return fail(P, off, "expected a value (string, integer, boolean or array of "
		                    "strings), found %s", describe(P, off, d, sizeof d));
	}
	if (is_datetime(t, n))
		return fail(P, off, "dates and times are not supported; write them as strings");
	if (!is_word(t, n, "true") && !is_word(t, n, "false")) {
		if (parse_int(P, off, n, out))
			return -1;
	} else {
		*out = new_value(P, TOML_BOOL, off);
		if (!*out)
			return -1;
		(*out)->b = t[0] == 't';
	}
	P->pos += n;
	return 0;
}

/* One item of an array at P->pos: a string, or a reason why not. */
static int parse_item(struct parser *P, struct toml_value *a, size_t open)
{
	char **items, *s;
	int c = cur(P);

	if (c == 0)
		return fail(P, open, "unterminated array (missing \"]\")");
	if (c == ',')
		return fail(P, P->pos, "expected a string or \"]\", found \",\"");
	if (c != '"' && c != '\'') {
		char d[64];

		return fail(P, P->pos, "arrays may only hold strings (found %s)",
		            describe(P, P->pos, d, sizeof d));
	}
	if (parse_string(P, &s))
		return -1;
	items = grow(a->items, &node_of(a)->cap, a->nitems, sizeof *items);
	if (!items) {
		free(s);
		return oom(P);
	}
	a->items = items;
	a->items[a->nitems++] = s;
	return 0;
}

static int parse_array_items(struct parser *P, struct toml_value *a, size_t open)
{
	char d[64];

	for (;;) {
		if (skip_blank(P))
			return -1;
		if (cur(P) == ']')
			return 0;
		if (parse_item(P, a, open) || skip_blank(P))
			return -1;
		if (cur(P) == ']')
			return 0;
		if (cur(P) == 0)
			return fail(P, open, "unterminated array (missing \"]\")");
		if (cur(P) != ',')
			return fail(P, P->pos, "expected \",\" or \"]\" after array item, found %s",
			            describe(P, P->pos, d, sizeof d));
		P->pos++;
	}
}

static int parse_array(struct parser *P, struct toml_value **out)
{
	size_t open = P->pos;
	struct toml_value *a = new_value(P, TOML_ARRAY, open);

	if (!a)
		return -1;
	P->pos++;
	if (parse_array_items(P, a, open)) {
		toml_free(a);
		return -1;
	}
	P->pos++;
	*out = a;
	return 0;
}

static int parse_value(struct parser *P, struct toml_value **out)
{
	size_t off = P->pos;
	int c = cur(P);

	if (c == '[')
		return parse_array(P, out);
	if (c == '{')
		return fail(P, off, "inline tables are not supported (use a [table] header)");
	if (c != '"' && c != '\'')
		return parse_scalar(P, out);
	*out = new_value(P, TOML_STRING, off);
	if (!*out)
		return -1;
	if (parse_string(P, &(*out)->s) == 0)
		return 0;
	toml_free(*out);
	return -1;
}

/* Refuses KEY at OFF if the current table has it already. */
static int check_new_key(struct parser *P, const char *key, size_t off)
{
	size_t k = find(P->cur, key);
	const struct toml_kv *kv;
	char q[128];

	if (k == P->cur->nkv)
		return 0;
	kv = &P->cur->kv[k];
	if (kv->value->type == TOML_TABLE)
		return fail(P, off, "key %s is already a table (defined at line %d)",
		            show_key(q, sizeof q, key), kv->line);
	return fail(P, off, "duplicate key %s (first defined at line %d)",
	            show_key(q, sizeof q, key), kv->line);
}

/* key = value */
static int parse_keyval(struct parser *P)
{
	size_t off = P->pos;
	struct toml_value *v = NULL;
	char *key, q[128];
	int rc;

	if (cur(P) == '=')
		return fail(P, off, "missing key before \"=\"");
	if (parse_key(P, &key))
		return -1;
	skip_ws(P);
	if (cur(P) == '.')
		rc = fail(P, off, "dotted keys are not supported (use a [table] header)");
	else if (cur(P) != '=')
		rc = fail(P, P->pos, "expected \"=\" after key %s", show_key(q, sizeof q, key));
	else
		rc = check_new_key(P, key, off);
	if (rc == 0) {
		P->pos++;
		skip_ws(P);
		rc = parse_value(P, &v);
	}
	if (rc) {
		free(key);
		return -1;
	}
	if (add_member(P, P->cur, key, v, off))
		return -1;
	return end_line(P, "value");
}

/* The dotted name inside [ ], after the opening bracket, into PARTS[*N]. */
static int parse_header_name(struct parser *P, char **parts, size_t *n)
{
	char d[64];

	for (;;) {
		skip_ws(P);
		if (*n == TOML_MAX_DEPTH)
			return fail(P, P->pos, "tables nested more than %d deep are not supported",
			            TOML_MAX_DEPTH);
		if (parse_key(P, &parts[*n]))
			return -1;
		(*n)++;
		skip_ws(P);
		if (cur(P) == ']') {
			P->pos++;
			return 0;
		}
		if (cur(P) != '.' && (cur(P) == '#' || is_eol(P, P->pos)))
			return fail(P, P->pos, "missing \"]\" at end of table header");
		if (cur(P) != '.')
			return fail(P, P->pos, "expected \".\" or \"]\" in table header, found %s",
			            describe(P, P->pos, d, sizeof d));
		P->pos++;
	}
}

/* The member *KEY of T, a table, created (implied) if absent; takes *KEY if it does. */
static struct toml_kv *sub_table(struct parser *P, struct toml_value *t, char **key,
                                 size_t open)
{
	size_t k = find(t, *key);
	struct toml_value *sub;

	if (k < t->nkv && t->kv[k].value->type != TOML_TABLE) {
		char q[128];

		fail(P, open, "key %s is already defined as a value (line %d); it cannot also be "
		              "a table", show_key(q, sizeof q, *key), t->kv[k].line);
		return NULL;
	}
	if (k < t->nkv)
		return &t->kv[k];
	sub = new_value(P, TOML_TABLE, open);
	if (!sub || add_member(P, t, *key, sub, open))
		return NULL;
	*key = NULL;
	return &t->kv[t->nkv - 1];
}

/* Makes the table named by PARTS current, as the header at OPEN asks. */
static int open_table(struct parser *P, char **parts, size_t n, size_t open)
{
	struct toml_value *t = P->root;
	struct toml_kv *kv = NULL;

	for (size_t i = 0; i < n; i++) {
		kv = sub_table(P, t, &parts[i], open);
		if (!kv)
			return -1;
		t = kv->value;
	}
	if (node_of(t)->has_header) {
		char name[256];

		return fail(P, open, "table [%s] defined twice (first at line %d)",
		            show_name(name, sizeof name, parts, n), t->line);
	}
	/* [a] after [a.b] is a's one definition: from now on it is located here. */
	node_of(t)->has_header = 1;
	where(P, open, &t->line, &t->col);
	kv->line = t->line;
	kv->col = t->col;
	P->cur = t;
	return 0;
}

/* [a.b."c d"] */
static int parse_header(struct parser *P)
{
	size_t open = P->pos, n = 0;
	char *parts[TOML_MAX_DEPTH];
	int rc;

	if (at(P, open + 1) == '[')
		return fail(P, open, "arrays of tables ([[x]]) are not supported");
	P->pos++;
	rc = parse_header_name(P, parts, &n);
	if (rc == 0)
		rc = open_table(P, parts, n, open);
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	if (rc)
		return -1;
	return end_line(P, "table header");
}

static int parse_lines(struct parser *P)
{
	while (P->pos < P->len) {
		int c, rc;

		skip_ws(P);
		c = cur(P);
		if (c == '[')
			rc = parse_header(P);
		else if (c == '#' || c == '\r' || is_eol(P, P->pos))
			rc = end_line(P, "blanks");
		else
			rc = parse_keyval(P);
		if (rc)
			return -1;
	}
	return 0;
}

static struct toml_value *parse_text(const char *text, size_t len, const char *filename,
                                     char *err, size_t errlen)
{
	struct parser P = { .text = text, .len = len, .at_line = 1 };

	P.filename = filename ? filename : "(input)";
	P.err = err;
	P.errlen = err ? errlen : 0;
	if (P.errlen)
		err[0] = '\0';
	if (!text) {
		fail(&P, 0, "no text to parse");
		return NULL;
	}
	if (check_text(&P))
		return NULL;
	P.root = P.cur = new_value(&P, TOML_TABLE, 0);
	if (!P.root)
		return NULL;
	node_of(P.root)->has_header = 1;
	if (parse_lines(&P) == 0)
		return P.root;
	toml_free(P.root);
	return NULL;
}

struct toml_value *toml_parse(const char *text, const char *filename, char *err,
                              size_t errlen)
{
	return parse_text(text, text ? strlen(text) : 0, filename, err, errlen);
}

__attribute__((format(printf, 3, 4))) static void file_error(char *err, size_t errlen,
                                                            const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct toml_value *toml_parse_file(const char *path, char *err, size_t errlen)
{
	struct toml_value *root = NULL;
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t n = 0;
	int rc = 0;

	if (!f) {
		file_error(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(TOML_MAX_FILE + 1);
	if (text) {
		n = fread(text, 1, TOML_MAX_FILE + 1, f);
		rc = ferror(f) ? (errno ? errno : EIO) : 0;
	}
	fclose(f);
	if (!text)
		file_error(err, errlen, "%s: out of memory", path);
	else if (rc)
		file_error(err, errlen, "%s: cannot read: %s", path, strerror(rc));
	else if (n > TOML_MAX_FILE)
		file_error(err, errlen, "%s: larger than 1 MiB; is this the right file?", path);
	else
		root = parse_text(text, n, path, err, errlen);
	free(text);
	return root;
}

const struct toml_kv *toml_get(const struct toml_value *table, const char *key)
{
	size_t k;

	if (!table || table->type != TOML_TABLE || !key)
		return NULL;
	k = find(table, key);
	return k < table->nkv ? &table->kv[k] : NULL;
}

void toml_free(struct toml_value *v)
{
	if (!v)
		return;
	free(v->s);
	for (size_t i = 0; i < v->nitems; i++)
		free(v->items[i]);
	free(v->items);
	for (size_t i = 0; i < v->nkv; i++) {
		free(v->kv[i].key);
		toml_free(v->kv[i].value);
	}
	free(v->kv);
	free(node_of(v)->index);
	free(node_of(v));
}
