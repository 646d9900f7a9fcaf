/* reply.c: see reply.h.
 * Everything here is linear in the input. Each line is looked at a bounded number of
 * times, and the tests that need more than a line's first few hundred bytes (quote
 * headers, footers, header keys) give up on longer lines: no header is that long. The
 * look-aheads (a header wrapped over three lines, an Outlook block's next lines) are
 * bounded too. The patterns below were written from what the clients produce (see
 * tests/mail/replies/ for one sample of each), in the spirit of GitHub's
 * email_reply_parser, Mailgun's talon and Discourse's email_reply_trimmer. */
#include "mail/reply.h"
#include "lib/buf.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void put_char(struct buf *b, char c) { buf_put(b, &c, 1); }

/* ---- UTF-8 ---- */

/* Reads the code point at S (N > 0 bytes left) into CP and returns its length. An
 * invalid or cut sequence reads as U+FFFD, one byte long, so every byte is consumed. */
static size_t utf8_next(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned c = u[0], min;
	size_t len;
	*cp = 0xfffd;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 1;
	}
	if (len > n)
		return 1;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 1;
		c = c << 6 | (u[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 1;
	*cp = c;
	return len;
}

/* Writes CP as UTF-8 into B (room for 4) and returns the length; invalid ones as U+FFFD. */
static size_t utf8_encode(unsigned cp, char *b)
{
	unsigned char *u = (unsigned char *)b;
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* White space inside a line: ASCII, no-break and the Unicode spaces, ideographic space. */
static int is_space_cp(unsigned cp)
{
	return cp == ' ' || cp == '\t' || cp == '\f' || cp == '\v' || cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200a) ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Case folding for comparisons: ASCII, Latin-1, basic Cyrillic; white space becomes
 * ' ', the fullwidth colon ':', curly apostrophes '\''; 0 for what comparisons skip
 * (zero-width characters, byte order marks). */
static unsigned fold_cp(unsigned cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 32;
	if (cp >= 0x410 && cp <= 0x42f)
		return cp + 32;
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 80;
	if (is_space_cp(cp))
		return ' ';
	if (cp == 0xff1a)
		return ':';
	if (cp == 0x2018 || cp == 0x2019)
		return '\'';
	if (cp == 0xfeff || (cp >= 0x200b && cp <= 0x200d) || cp == 0x2060)
		return 0;
	return cp;
}

/* ---- lines ---- */

/* One line: without its line end, and (when split) without trailing white space. */
struct line {
	const char *s;
	size_t n;
};

/* Length of S[0..N) without trailing white space (ASCII, U+00A0, U+202F, U+3000). */
static size_t rtrim_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	while (n > 0) {
		if (u[n - 1] == ' ' || u[n - 1] == '\t' || u[n - 1] == '\f' || u[n - 1] == '\v' || u[n - 1] == '\r')
			n--;
		else if (n >= 2 && u[n - 2] == 0xc2 && u[n - 1] == 0xa0)
			n -= 2;
		else if (n >= 3 && u[n - 3] == 0xe2 && u[n - 2] == 0x80 && u[n - 1] == 0xaf)
			n -= 3;
		else if (n >= 3 && u[n - 3] == 0xe3 && u[n - 2] == 0x80 && u[n - 1] == 0x80)
			n -= 3;
		else
			break;
	}
	return n;
}

/* The line starting at *P (before END): returns it and moves *P past its line end
 * (CRLF, CR or LF). */
static struct line next_line(const char **p, const char *end)
{
	struct line l = {*p, 0};
	const char *q = *p;
	while (q < end && *q != '\n' && *q != '\r')
		q++;
	l.n = (size_t)(q - l.s);
	if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n')
		q += 2;
	else if (q < end)
		q++;
	*p = q;
	return l;
}

/* TEXT as an array of right-trimmed lines (a leading byte order mark dropped); NULL if
 * out of memory. */
static struct line *split_lines(const char *text, size_t *count)
{
	size_t len = strlen(text), n = 0, cap = 16;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3, len -= 3;
	const char *p = text, *end = text + len;
	struct line *l = malloc(cap * sizeof *l);
	if (!l)
		return NULL;
	while (p < end) {
		if (n == cap) {
			struct line *grown = realloc(l, cap * 2 * sizeof *l);
			if (!grown) {
				free(l);
				return NULL;
			}
			l = grown;
			cap *= 2;
		}
		l[n] = next_line(&p, end);
		l[n].n = rtrim_len(l[n].s, l[n].n);
		n++;
	}
	*count = n;
	return l;
}

/* Joins lines with "\n" as every function here returns text: trailing white space
 * gone, runs of blank lines as one, no blank lines at either end. */
struct tidy {
	struct buf o;
	int started, blank;
};

static void tidy_line(struct tidy *t, const char *s, size_t n)
{
	n = rtrim_len(s, n);
	if (n == 0) {
		t->blank = t->started;
		return;
	}
	if (t->started)
		buf_put(&t->o, "\n\n", t->blank ? 2 : 1);
	buf_put(&t->o, s, n);
	t->started = 1;
	t->blank = 0;
}

/* ---- folded lines, for the boundary tests ---- */

#define FOLD_MAX 480

/* Up to three lines as the boundary tests read them: case folded, white space runs as
 * one space, no space before ':' (French "a écrit :"), no '*' (bold markup, "*From:*"),
 * trimmed. OVER: longer than FOLD_MAX, so no header. */
struct folded {
	char s[FOLD_MAX + 8];
	size_t len;
	int space, over;
};

static void fold_add(struct folded *f, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && !f->over) {
		unsigned cp = (unsigned char)p[i];
		if (cp < 0x80)
			i++;
		else
			i += utf8_next(p + i, n - i, &cp);
		cp = fold_cp(cp);
		if (cp == 0 || cp == '*')
			continue;
		if (cp == ' ') {
			f->space = 1;
			continue;
		}
		if (f->space && f->len && cp != ':')
			f->s[f->len++] = ' ';
		f->space = 0;
		if (f->len + 4 > FOLD_MAX) {
			f->over = 1;
			break;
		}
		f->len += utf8_encode(cp, f->s + f->len);
	}
	f->s[f->len] = 0;
}

static void fold_line(struct folded *f, const struct line *l)
{
	f->len = 0;
	f->space = 0;
	f->over = 0;
	f->s[0] = 0;
	fold_add(f, l->s, l->n);
}

static int has_prefix(const struct folded *f, const char *p)
{
	if (f->len == 0 || f->s[0] != p[0])
		return 0;
	size_t n = strlen(p);
	return f->len >= n && memcmp(f->s, p, n) == 0;
}

static int has_suffix(const struct folded *f, const char *p)
{
	size_t n = strlen(p);
	return n && f->len >= n && f->s[f->len - 1] == p[n - 1] && memcmp(f->s + f->len - n, p, n) == 0;
}

static int prefix_in(const struct folded *f, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (has_prefix(f, list[i]))
			return 1;
	return 0;
}

static int suffix_in(const struct folded *f, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (has_suffix(f, list[i]))
			return 1;
	return 0;
}

static int contains_in(const struct folded *f, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(f->s, list[i]))
			return 1;
	return 0;
}

/* ---- where new text ends ---- */

/* The end of a quote header, folded: "On ... wrote:", "Le ... a écrit :", Gmail
 * Japanese/Russian "<date> Rita <rita@example.com>:" (the last one, with an '@'). */
static const char *const header_ends[] = {
	"wrote:", "writes:", "a écrit:", "escribió:", "escribio:", "ha scritto:", "escreveu:", "pisze:",
	"napisał(a):", "napisał:", "napisała:", "napsal(a):", "napsal:", "kirjoitti:", "skrev:", "schrieb:",
	"schreef:", "のメッセージ:", "のメール:", "は書きました:", "写道:", "寫道:", "작성:", "пишет:",
	"написал(а):", "написал:", "написала:",
};

/* Verbs followed by the writer: "Am ... schrieb Rita <rita@example.com>:". */
static const char *const header_verbs[] = {" schrieb ", " schreef ", " skrev "};

/* How headers that carry a date start: "On", "Am", "Le", "El", "Op", "Il", "Em", "Den",
 * "W dniu", "Dne", AOL's "In a message dated". */
static const char *const header_leads[] = {
	"on ", "am ", "le ", "el ", "op ", "il ", "em ", "den ", "w dniu ", "dne ", "in a message dated ",
};

/* Inside a line of dashes: "-----Original Message-----", "---------- Forwarded message
 * ---------", ProtonMail's "------- Original Message -------", and their translations. */
static const char *const dashed_words[] = {
	"original message", "forwarded message", "original mail", "ursprüngliche nachricht", "original-nachricht",
	"originalnachricht", "weitergeleitete nachricht", "message d'origine", "message transféré",
	"message original", "mensaje original", "mensaje reenviado", "oorspronkelijk bericht",
	"origineel bericht", "doorgestuurd bericht", "messaggio originale", "messaggio inoltrato",
	"mensagem original", "mensagem encaminhada", "ursprungligt meddelande", "vidarebefordrat meddelande",
	"oprindelig meddelelse", "videresendt meddelelse", "opprinnelig melding", "videresendt melding",
	"oryginalna wiadomość", "wiadomość przekazana dalej", "przekazana wiadomość", "元のメッセージ",
	"転送されたメッセージ", "原始邮件", "转发的邮件", "исходное сообщение", "пересылаемое сообщение",
	"пересланное сообщение",
};

/* Apple Mail's forward, and its translations. */
static const char *const forward_starts[] = {
	"begin forwarded message:", "anfang der weitergeleiteten nachricht:", "début du message réexpédié:",
	"début du message transféré:", "inicio del mensaje reenviado:", "begin doorgestuurd bericht:",
	"inizio messaggio inoltrato:", "início da mensagem reencaminhada:", "início da mensagem encaminhada:",
	"början på vidarebefordrat brev:", "vidarebefordrat brev:", "początek przekazywanej wiadomości:",
	"転送されたメッセージ:",
};

/* Footers phones and webmail add under the text: "Sent from my iPhone". The second
 * string, when set, must end the line too ("Von meinem iPhone gesendet"), so that a
 * sentence starting "Von meinem Standpunkt ..." is not one. */
static const struct footer {
	const char *start, *end;
} footers[] = {
	{"sent from my ", NULL}, {"sent from mail for windows", NULL}, {"sent from outlook", NULL},
	{"sent from yahoo mail", NULL}, {"sent from proton mail", NULL}, {"sent from protonmail", NULL},
	{"sent with proton mail", NULL}, {"sent with protonmail", NULL}, {"sent with [proton mail]", NULL},
	{"sent from aol", NULL}, {"sent from the all new aol app", NULL}, {"sent from samsung", NULL},
	{"sent via the samsung", NULL}, {"sent from fastmail", NULL}, {"get outlook for ios", NULL},
	{"get outlook for android", NULL}, {"von meinem ", "gesendet"}, {"von meinem ", "gesendet."},
	{"gesendet von meinem ", NULL}, {"gesendet von outlook", NULL}, {"gesendet mit der ", NULL},
	{"holen sie sich outlook für", NULL}, {"envoyé de mon ", NULL}, {"envoyé depuis mon ", NULL},
	{"obtenir outlook pour", NULL}, {"enviado desde mi ", NULL}, {"enviado desde outlook", NULL},
	{"obtener outlook para", NULL}, {"enviado do meu ", NULL}, {"enviado de meu ", NULL},
	{"obter o outlook para", NULL}, {"verzonden vanaf mijn ", NULL}, {"verstuurd vanaf mijn ", NULL},
	{"verzonden vanuit outlook", NULL}, {"inviato da iphone", NULL}, {"inviato dal mio ", NULL},
	{"inviato da outlook", NULL}, {"skickat från min ", NULL}, {"skickat från outlook", NULL},
	{"sendt fra min ", NULL}, {"sendt fra outlook", NULL}, {"wysłane z mojego ", NULL},
	{"wysłane z iphone", NULL}, {"wysłane z outlook", NULL}, {"iphoneから送信", NULL},
	{"androidから送信", NULL}, {"发自我的", NULL}, {"从我的iphone发送", NULL},
	{"отправлено с iphone", NULL}, {"отправлено с моего ", NULL},
};

/* The keys of an Outlook header block, folded: the first line's, then the others'. */
static const char *const from_keys[] = {
	"from", "von", "de", "van", "da", "från", "fra", "od", "lähettäjä", "feladó", "差出人", "发件人", "寄件者", "от",
};
static const char *const block_keys[] = {
	"sent", "date", "to", "cc", "bcc", "subject", "reply-to", "gesendet", "datum", "an", "betreff", "envoyé", "à",
	"objet", "enviado", "fecha", "para", "asunto", "verzonden", "aan", "onderwerp", "inviato", "data", "a",
	"oggetto", "enviada em", "enviado em", "assunto", "skickat", "till", "ämne", "sendt", "til", "emne",
	"wysłano", "wysłane", "do", "temat", "送信日時", "宛先", "件名", "日付", "发送时间", "时间", "收件人", "主题",
	"отправлено", "дата", "кому", "тема", "kopie", "cci",
};

static int is_quoted(const struct line *l)
{
	size_t i = 0;
	while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	return i < l->n && l->s[i] == '>';
}

/* "-- " (the signature separator; many clients lose its space). */
static int is_signature(const struct line *l) { return l->n == 2 && l->s[0] == '-' && l->s[1] == '-'; }

static int is_underscores(const struct line *l)
{
	size_t i = 0, k = 0;
	while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	for (; i < l->n; i++, k++)
		if (l->s[i] != '_')
			return 0;
	return k >= 8;
}

/* The key of a "Key: value" line when it is one of LIST. */
static int key_in(const struct folded *f, const char *const *list, size_t n)
{
	const char *colon = memchr(f->s, ':', f->len < 40 ? f->len : 40);
	if (!colon)
		return 0;
	size_t klen = (size_t)(colon - f->s);
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == klen && memcmp(f->s, list[i], klen) == 0)
			return 1;
	return 0;
}

static int is_dashed_marker(const struct folded *f)
{
	return f->len > 6 && has_prefix(f, "--") && has_suffix(f, "--") &&
	       contains_in(f, dashed_words, ARRAY_LEN(dashed_words));
}

static int is_footer(const struct folded *f)
{
	if (f->len > 120)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(footers); i++)
		if (has_prefix(f, footers[i].start) && (!footers[i].end || has_suffix(f, footers[i].end)))
			return 1;
	return 0;
}

/* The first non-blank line at or after I (N if none), looking at most LIMIT lines on. */
static size_t next_nonblank(const struct line *l, size_t n, size_t i, size_t limit)
{
	size_t stop = n - i > limit ? i + limit : n;
	while (i < stop && l[i].n == 0)
		i++;
	return i < stop ? i : n;
}

/* An Outlook header block at line I: a From line, and at least two of Sent/To/Subject/..
 * among the next few lines (blank lines between them are fine). */
static int is_outlook_block(const struct line *l, size_t n, size_t i, const struct folded *f)
{
	if (!key_in(f, from_keys, ARRAY_LEN(from_keys)))
		return 0;
	int hits = 0;
	struct folded g;
	for (size_t j = i + 1; j < n && j <= i + 12 && hits < 2; j++) {
		if (l[j].n == 0)
			continue;
		fold_line(&g, &l[j]);
		if (!key_in(&g, block_keys, ARRAY_LEN(block_keys)))
			break;
		hits++;
	}
	return hits >= 2;
}

/* A line of underscores over a From line (Outlook's separator). */
static int is_outlook_rule(const struct line *l, size_t n, size_t i)
{
	if (!is_underscores(&l[i]))
		return 0;
	size_t j = next_nonblank(l, n, i + 1, 3);
	if (j == n)
		return 0;
	struct folded g;
	fold_line(&g, &l[j]);
	return key_in(&g, from_keys, ARRAY_LEN(from_keys));
}

static int has_digit(const struct folded *f)
{
	for (size_t i = 0; i < f->len; i++)
		if (f->s[i] >= '0' && f->s[i] <= '9')
			return 1;
	return 0;
}

/* Whether L ends with ':' or '：' (bold markup after it aside), as every header does. */
static int ends_colon(const struct line *l)
{
	size_t n = l->n;
	while (n > 0 && l->s[n - 1] == '*')
		n--;
	return (n >= 1 && l->s[n - 1] == ':') || (n >= 3 && memcmp(l->s + n - 3, "\xef\xbc\x9a", 3) == 0);
}

static int header_text(const struct folded *f)
{
	if (suffix_in(f, header_ends, ARRAY_LEN(header_ends)))
		return 1;
	if (has_suffix(f, ":") && contains_in(f, header_verbs, ARRAY_LEN(header_verbs)))
		return 1;
	return has_suffix(f, ">:") && strchr(f->s, '@') != NULL;
}

/* A quote header starting at line I (F: that line, folded): returns how many lines it
 * spans (0: none) and sets *QUOTED when the next non-blank line after it is quoted. A
 * header on one line counts when quoted lines follow it, or when it starts like one
 * and holds a date ("On 1 Dec ... wrote:" over unquoted history, Yahoo's way). Wrapped
 * over two or three lines (Gmail wraps at 78 columns) it needs both: prose such as
 * "On her CV she wrote "10 years of Rust". / She wrote:" must not end the text. */
static size_t quote_header(const struct line *l, size_t n, size_t i, const struct folded *f, int *quoted)
{
	int lead = prefix_in(f, header_leads, ARRAY_LEN(header_leads));
	if (ends_colon(&l[i]) && header_text(f)) {
		size_t j = next_nonblank(l, n, i + 1, n);
		*quoted = j < n && is_quoted(&l[j]);
		if (*quoted || (lead && has_digit(f)))
			return 1;
	}
	if (!lead)
		return 0;
	struct folded joined = *f;
	for (size_t k = 2; k <= 3 && i + k <= n; k++) {
		const struct line *e = &l[i + k - 1];
		if (e->n == 0 || e->n > FOLD_MAX || is_quoted(e))
			return 0;
		joined.space = 1;
		fold_add(&joined, e->s, e->n);
		if (joined.over)
			return 0;
		if (!ends_colon(e) || !header_text(&joined) || !has_digit(&joined))
			continue;
		size_t j = next_nonblank(l, n, i + k, n);
		*quoted = j < n && is_quoted(&l[j]);
		if (*quoted)
			return k;
	}
	return 0;
}

enum step { KEEP, SKIP, STOP };

/* What line I is to the new text: part of it, a line to drop (*SKIP of them), or its
 * end. HAVE: some new text came before. */
static enum step classify(const struct line *l, size_t n, size_t i, int have, size_t *skip)
{
	const struct line *e = &l[i];
	*skip = 1;
	if (e->n == 0)
		return KEEP;
	if (is_quoted(e))
		return SKIP;
	if (is_signature(e))
		return STOP;
	if (is_outlook_rule(l, n, i))
		return STOP;
	if (e->n > FOLD_MAX * 2)
		return KEEP; /* no marker, header or footer is that long */
	struct folded f;
	fold_line(&f, e);
	if (f.len == 0 || f.over)
		return KEEP;
	if (is_dashed_marker(&f) || prefix_in(&f, forward_starts, ARRAY_LEN(forward_starts)))
		return STOP;
	if (is_outlook_block(l, n, i, &f))
		return STOP;
	int quoted = 0;
	size_t k = quote_header(l, n, i, &f, &quoted);
	if (k) {
		*skip = k;
		return have || !quoted ? STOP : SKIP;
	}
	if (is_footer(&f))
		return have ? STOP : SKIP;
	return KEEP;
}

char *reply_new_text(const char *text)
{
	size_t n = 0, i = 0, skip;
	struct line *l = split_lines(text ? text : "", &n);
	if (!l)
		return NULL;
	struct tidy t = {.started = 0};
	int have = 0;
	while (i < n) {
		enum step s = classify(l, n, i, have, &skip);
		if (s == STOP)
			break;
		if (s == KEEP) {
			tidy_line(&t, l[i].s, l[i].n);
			have |= t.started;
		}
		i += skip;
	}
	free(l);
	return buf_take(&t.o);
}

/* ---- HTML to text ---- */

struct html {
	const char *p, *end;
	struct buf o;
	int nl;          /* line ends at the end of the output, up to 2 */
	int space;       /* white space since the last character */
	int text;        /* visible text was written */
	int head, pre, stop;
	char skip[16];   /* the element whose content is being skipped, */
	int skip_depth;  /* and how deep inside it we are (0: not skipping) */
};

static int hidden(const struct html *h) { return h->head || h->skip_depth > 0; }

/* A visible character (S, N bytes). */
static void h_char(struct html *h, const char *s, size_t n)
{
	if (hidden(h))
		return;
	if (h->space && h->nl == 0 && h->o.len)
		put_char(&h->o, ' ');
	h->space = 0;
	buf_put(&h->o, s, n);
	h->nl = 0;
	h->text = 1;
}

static void h_cp(struct html *h, unsigned cp)
{
	char b[4];
	h_char(h, b, utf8_encode(cp, b));
}

/* White space in the source: one space at most, and none at a line start (except in
 * <pre>, where it is kept as written). */
static void h_space(struct html *h, char c)
{
	if (hidden(h))
		return;
	if (!h->pre) {
		h->space = 1;
		return;
	}
	if (c == '\n') {
		put_char(&h->o, '\n');
		h->nl = h->nl < 2 ? h->nl + 1 : 2;
	} else if (c != '\r') {
		put_char(&h->o, ' ');
		h->nl = 0;
	}
}

/* <br>: a line end, always. */
static void h_br(struct html *h)
{
	if (hidden(h))
		return;
	put_char(&h->o, '\n');
	h->nl = h->nl < 2 ? h->nl + 1 : 2;
	h->space = 0;
}

/* A block's edge: WANT 1 starts a line, 2 a paragraph (a blank line before). */
static void h_block(struct html *h, int want)
{
	if (hidden(h))
		return;
	h->space = 0;
	if (h->o.len == 0)
		return;
	while (h->nl < want) {
		put_char(&h->o, '\n');
		h->nl++;
	}
}

static const struct entity {
	const char *name;
	unsigned cp;
} entities[] = {
	{"amp", '&'},      {"lt", '<'},         {"gt", '>'},         {"quot", '"'},       {"apos", '\''},
	{"nbsp", 0xa0},    {"ensp", 0x2002},    {"emsp", 0x2003},    {"thinsp", 0x2009},  {"ndash", 0x2013},
	{"mdash", 0x2014}, {"lsquo", 0x2018},   {"rsquo", 0x2019},   {"sbquo", 0x201a},   {"ldquo", 0x201c},
	{"rdquo", 0x201d}, {"bdquo", 0x201e},   {"hellip", 0x2026},  {"bull", 0x2022},    {"middot", 0xb7},
	{"laquo", 0xab},   {"raquo", 0xbb},     {"euro", 0x20ac},    {"pound", 0xa3},     {"copy", 0xa9},
	{"reg", 0xae},     {"trade", 0x2122},   {"deg", 0xb0},       {"times", 0xd7},     {"iexcl", 0xa1},
	{"iquest", 0xbf},  {"szlig", 0xdf},     {"agrave", 0xe0},    {"aacute", 0xe1},    {"acirc", 0xe2},
	{"atilde", 0xe3},  {"auml", 0xe4},      {"aring", 0xe5},     {"aelig", 0xe6},     {"ccedil", 0xe7},
	{"egrave", 0xe8},  {"eacute", 0xe9},    {"ecirc", 0xea},     {"euml", 0xeb},      {"igrave", 0xec},
	{"iacute", 0xed},  {"icirc", 0xee},     {"iuml", 0xef},      {"ntilde", 0xf1},    {"ograve", 0xf2},
	{"oacute", 0xf3},  {"ocirc", 0xf4},     {"otilde", 0xf5},    {"ouml", 0xf6},      {"oslash", 0xf8},
	{"ugrave", 0xf9},  {"uacute", 0xfa},    {"ucirc", 0xfb},     {"uuml", 0xfc},      {"yacute", 0xfd},
	{"yuml", 0xff},    {"oelig", 0x153},    {"star", 0x2606},    {"starf", 0x2605},   {"hearts", 0x2665},
};

/* &#128;..&#159; mean windows-1252 (HTML5 says so; Outlook writes &#150;). */
static const unsigned short cp1252[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

static int is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* A named entity (NAME, N bytes, without '&' and ';'): its code point, 0 if unknown.
 * "&Eacute;" is "&eacute;" in upper case. */
static unsigned entity_named(const char *name, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(entities); i++)
		if (strlen(entities[i].name) == n && memcmp(entities[i].name, name, n) == 0)
			return entities[i].cp;
	if (n > 1 && name[0] >= 'A' && name[0] <= 'Z')
		for (size_t i = 0; i < ARRAY_LEN(entities); i++)
			if (strlen(entities[i].name) == n && entities[i].name[0] == lower(name[0]) &&
			    memcmp(entities[i].name + 1, name + 1, n - 1) == 0 && entities[i].cp >= 0xe0 &&
			    entities[i].cp <= 0xfe && entities[i].cp != 0xf7)
				return entities[i].cp - 0x20;
	return 0;
}

/* "&#...;" at P: the code point it means (U+FFFD if none), *NEXT past it; 0 if P does
 * not hold one. */
static unsigned entity_numeric(const char *p, const char *end, const char **next)
{
	const char *q = p + 2;
	int hex = q < end && (*q == 'x' || *q == 'X');
	unsigned long v = 0;
	int digits = 0;
	if (hex)
		q++;
	for (; q < end; q++, digits++) {
		int d = *q >= '0' && *q <= '9' ? *q - '0' : -1;
		if (hex && d < 0 && lower(*q) >= 'a' && lower(*q) <= 'f')
			d = lower(*q) - 'a' + 10;
		if (d < 0)
			break;
		if (v <= 0x10ffff)
			v = v * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (!digits)
		return 0;
	if (q < end && *q == ';')
		q++;
	*next = q;
	if (v >= 0x80 && v <= 0x9f)
		return cp1252[v - 0x80];
	if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0xfffd;
	return (unsigned)v;
}

/* An entity at P ('&'): writes what it means, returns what follows it. */
static const char *h_entity(struct html *h, const char *p)
{
	const char *q = p + 1, *end = h->end;
	unsigned cp = 0;
	if (q < end && *q == '#') {
		cp = entity_numeric(p, end, &q);
	} else {
		while (q < end && q - p <= 10 && is_alnum(*q))
			q++;
		if (q < end && *q == ';' && q > p + 1 && (cp = entity_named(p + 1, (size_t)(q - p - 1))))
			q++;
	}
	if (!cp) {
		h_char(h, "&", 1);
		return p + 1;
	}
	if (cp == 0xa0 || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r')
		h_space(h, (char)(cp == 0xa0 ? ' ' : cp));
	else if (cp >= 0x20)
		h_cp(h, cp);
	return q;
}

/* Lower-cased attributes without white space, for the quote markers: the first
 * bytes only (markers sit in class, id and style, early in the tag). */
#define ATTR_MAX 1024

static void attrs_fold(const char *a, size_t n, char *buf)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < ATTR_MAX; i++)
		if (a[i] != ' ' && a[i] != '\t' && a[i] != '\n' && a[i] != '\r')
			buf[k++] = lower(a[i]);
	buf[k] = 0;
}

enum quote_kind { Q_NONE, Q_SOFT, Q_HARD, Q_HIDE };

/* Elements that hold quoted history (SOFT: the history is inside them), that mark
 * where Outlook's unmarked history starts (HARD), or that hold a signature (HIDE). */
static const char *const soft_marks[] = {"gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote",
                                         "gmail_extra"};
static const char *const hard_marks[] = {"divrplyfwdmsg", "appendonsend", "olk_src_body_section",
                                         "mail-editor-reference-message-container",
                                         "border-top:solid#e1e1e1", "border-top:solid#b5c4df"};
static const char *const hide_marks[] = {"gmail_signature"};

static enum quote_kind quote_kind(const char *name, const char *a, size_t n)
{
	char buf[ATTR_MAX + 1];
	if (strcmp(name, "blockquote") == 0)
		return Q_SOFT;
	if (n == 0)
		return Q_NONE;
	attrs_fold(a, n, buf);
	for (size_t i = 0; i < ARRAY_LEN(hard_marks); i++)
		if (strstr(buf, hard_marks[i]))
			return Q_HARD;
	for (size_t i = 0; i < ARRAY_LEN(soft_marks); i++)
		if (strstr(buf, soft_marks[i]))
			return Q_SOFT;
	for (size_t i = 0; i < ARRAY_LEN(hide_marks); i++)
		if (strstr(buf, hide_marks[i]))
			return Q_HIDE;
	return Q_NONE;
}

static int name_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static const char *const raw_elements[] = {"script", "style", "title", "textarea", "xml", "template"};
static const char *const para_elements[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol",
                                            "dl", "table", "hr", "pre"};
static const char *const line_elements[] = {"div", "li", "tr", "dd", "dt", "section", "article", "header",
                                            "footer", "center", "address", "form", "fieldset", "figure",
                                            "main", "nav", "aside", "caption", "body"};
static const char *const void_elements[] = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base",
                                            "wbr", "source", "embed", "param", "track"};

/* Past the end of "</NAME ...>" after P, case-insensitive; END if it never comes. */
static const char *skip_raw(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	while ((p = memchr(p, '<', (size_t)(end - p)))) {
		if (end - p > (ptrdiff_t)(n + 2) && p[1] == '/') {
			size_t k = 0;
			while (k < n && lower(p[2 + k]) == name[k])
				k++;
			if (k == n && !is_alnum(p[2 + n])) {
				const char *gt = memchr(p, '>', (size_t)(end - p));
				return gt ? gt + 1 : end;
			}
		}
		p++;
	}
	return end;
}

/* An element's edges: line breaks, paragraph breaks, a cell's space. */
static void h_layout(struct html *h, const char *name)
{
	if (strcmp(name, "br") == 0)
		h_br(h);
	else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		h->space = 1;
	else if (name_in(name, para_elements, ARRAY_LEN(para_elements)))
		h_block(h, 2);
	else if (name_in(name, line_elements, ARRAY_LEN(line_elements)))
		h_block(h, 1);
}

static void h_open(struct html *h, const char *name, const char *a, size_t an, int selfclose)
{
	int is_void = selfclose || name_in(name, void_elements, ARRAY_LEN(void_elements));
	if (h->skip_depth) {
		if (!is_void && strcmp(name, h->skip) == 0)
			h->skip_depth++;
		return;
	}
	if (strcmp(name, "head") == 0) {
		h->head = 1;
		return;
	}
	if (strcmp(name, "body") == 0)
		h->head = 0;
	enum quote_kind q = quote_kind(name, a, an);
	if (q == Q_HARD || (q == Q_SOFT && h->text)) {
		h->stop = 1;
		return;
	}
	h_layout(h, name);
	if (q != Q_NONE && !is_void) {
		/* history with nothing before it (bottom-posting), or a signature: skip it */
		memcpy(h->skip, name, sizeof h->skip);
		h->skip_depth = 1;
		return;
	}
	if (strcmp(name, "pre") == 0 && !is_void)
		h->pre++;
}

static void h_close(struct html *h, const char *name)
{
	if (h->skip_depth) {
		if (strcmp(name, h->skip) != 0 || --h->skip_depth > 0)
			return;
	}
	if (strcmp(name, "head") == 0)
		h->head = 0;
	if (strcmp(name, "pre") == 0 && h->pre > 0)
		h->pre--;
	if (strcmp(name, "br") != 0)
		h_layout(h, name);
}

/* A tag, comment or declaration at P ('<'): handles it, returns what follows it. */
static const char *h_tag(struct html *h, const char *p)
{
	const char *q = p + 1, *end = h->end;
	if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
		if (end - p >= 5 && p[4] == '>')
			return p + 5;
		for (q = p + 4; end - q >= 3; q++)
			if (q[0] == '-' && q[1] == '-' && q[2] == '>')
				return q + 3;
		return end;
	}
	if (q < end && (*q == '!' || *q == '?')) {
		q = memchr(q, '>', (size_t)(end - q));
		return q ? q + 1 : end;
	}
	int closing = q < end && *q == '/';
	if (closing)
		q++;
	if (q >= end || !((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))) {
		h_char(h, "<", 1);
		return p + 1;
	}
	char name[16];
	size_t k = 0;
	for (; q < end && (is_alnum(*q) || *q == ':' || *q == '-' || *q == '_'); q++)
		if (k < sizeof name - 1)
			name[k++] = lower(*q);
	name[k] = 0;
	const char *a = q;
	while (q < end && *q != '>') {
		if (*q == '"' || *q == '\'') {
			const char *close = memchr(q + 1, *q, (size_t)(end - q - 1));
			q = close ? close + 1 : end;
		} else {
			q++;
		}
	}
	int selfclose = q > a && q[-1] == '/';
	const char *next = q < end ? q + 1 : end;
	if (closing) {
		h_close(h, name);
		return next;
	}
	if (!h->skip_depth && name_in(name, raw_elements, ARRAY_LEN(raw_elements)) && !selfclose)
		return skip_raw(next, end, name);
	h_open(h, name, a, (size_t)(q - a), selfclose);
	return next;
}

char *reply_html_to_text(const char *html)
{
	struct html h = {.p = html ? html : ""};
	h.end = h.p + strlen(h.p);
	const char *p = h.p;
	while (p < h.end && !h.stop) {
		unsigned char c = (unsigned char)*p;
		if (c == '<') {
			p = h_tag(&h, p);
		} else if (c == '&') {
			p = h_entity(&h, p);
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			h_space(&h, (char)c);
			p++;
		} else if (c < 0x80) {
			h_char(&h, p, 1);
			p++;
		} else {
			unsigned cp;
			size_t n = utf8_next(p, (size_t)(h.end - p), &cp);
			if (cp == 0xa0)
				h_space(&h, ' ');
			else if (cp == 0xfeff)
				; /* invisible; Apple Mail starts quotes with one */
			else if (cp == 0xfffd && n == 1)
				h_cp(&h, cp);
			else
				h_char(&h, p, n);
			p += n;
		}
	}
	if (h.o.oom) {
		buf_free(&h.o);
		return NULL;
	}
	/* tidy the lines as reply_new_text does */
	struct tidy t = {.started = 0};
	const char *s = h.o.s ? h.o.s : "", *end = s + h.o.len;
	while (s < end) {
		struct line l = next_line(&s, end);
		tidy_line(&t, l.s, l.n);
	}
	buf_free(&h.o);
	return buf_take(&t.o);
}

/* ---- reading a rating and a recommendation ---- */

enum tok_kind { TK_WORD, TK_NUM, TK_STARS, TK_PUNCT, TK_OTHER };

struct tok {
	enum tok_kind kind;
	size_t at, end; /* bytes of the line */
	int num;        /* TK_NUM: the value (capped); TK_STARS: the black stars */
	int dec;        /* TK_NUM: had a fraction ("3.5", "3,5") */
	char punct;     /* TK_PUNCT: , ; . ! ? : = ( ) [ ] / - | & + # */
};

/* A rating or recommendation line is short: a line with more tokens is read only up to
 * its first TOK_MAX (the rest can only be prose). */
#define TOK_MAX 48

struct toks {
	const char *s;
	struct tok t[TOK_MAX];
	int n, more;
};

enum cclass { C_SPACE, C_PUNCT, C_STAR, C_DIGIT, C_WORD, C_OTHER };

/* The punctuation a code point stands for, 0 if none. */
static char punct_of(unsigned cp)
{
	static const char ascii[] = ",;.!?:=()[]/-|&+#";
	if (cp < 0x80)
		return cp && strchr(ascii, (int)cp) ? (char)cp : 0;
	switch (cp) {
	case 0x2012: case 0x2013: case 0x2014: case 0x2015: case 0x2212: case 0x2192: case 0x21d2:
	case 0x2022: case 0x2023: case 0xb7: case 0x25cf: case 0x25aa: case 0x25e6:
		return '-';
	case 0x2026: case 0x3002: case 0xff0e:
		return '.';
	case 0x3001: case 0xff0c:
		return ',';
	case 0xff1a:
		return ':';
	case 0xff1b:
		return ';';
	case 0xff01:
		return '!';
	case 0xff1f:
		return '?';
	case 0xff08:
		return '(';
	case 0xff09:
		return ')';
	case 0xff0f:
		return '/';
	default:
		return 0;
	}
}

static enum cclass cclass_of(unsigned cp)
{
	if (cp >= '0' && cp <= '9')
		return C_DIGIT;
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
		return C_WORD;
	if (cp == 0x2605 || cp == 0x2606 || cp == 0x2b50)
		return C_STAR;
	if (punct_of(cp))
		return C_PUNCT;
	/* white space, markdown, quotes, and emoji and symbols (read as decoration) */
	if (is_space_cp(cp) || cp == '\r' || cp == '\n' || cp == '*' || cp == '_' || cp == '`' || cp == '~' ||
	    cp == '"' || cp == '\'' || (cp >= 0x2018 && cp <= 0x201f) || cp == 0xab || cp == 0xbb ||
	    (cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 || cp == 0xfeff || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	    (cp >= 0x2600 && cp <= 0x27bf) || (cp >= 0x2b00 && cp <= 0x2bff) || (cp >= 0x1f000 && cp <= 0x1faff) ||
	    (cp >= 0x1f3fb && cp <= 0x1f3ff) || cp == 0x20e3)
		return C_SPACE;
	if (cp < 0x80 || cp == 0xfffd)
		return C_OTHER;
	return C_WORD;
}

static int is_word_cp(unsigned cp) { return cclass_of(cp) == C_WORD || (cp >= '0' && cp <= '9'); }

/* Splits S (N bytes) into tokens: words (letters of any script, with inner
 * apostrophes), numbers, runs of stars, punctuation, other characters. */
static void tokenize(const char *s, size_t n, struct toks *tk)
{
	size_t i = 0;
	tk->s = s;
	tk->n = 0;
	tk->more = 0;
	while (i < n) {
		unsigned cp;
		size_t len = utf8_next(s + i, n - i, &cp);
		enum cclass c = cclass_of(cp);
		if (c == C_SPACE) {
			i += len;
			continue;
		}
		if (tk->n == TOK_MAX) {
			tk->more = 1;
			return;
		}
		struct tok *t = &tk->t[tk->n++];
		memset(t, 0, sizeof *t);
		t->at = i;
		i += len;
		if (c == C_PUNCT) {
			t->kind = TK_PUNCT;
			t->punct = punct_of(cp);
		} else if (c == C_STAR) {
			/* a run of stars, spaces between them allowed: "★★★★☆", "★ ★ ★" */
			t->kind = TK_STARS;
			t->num = cp != 0x2606;
			t->end = i;
			while (i < n) {
				len = utf8_next(s + i, n - i, &cp);
				if (cp == 0x2605 || cp == 0x2b50)
					t->num++;
				else if (cp != 0x2606 && cp != ' ' && cp != 0xfe0f)
					break;
				i += len;
				if (cp != ' ' && cp != 0xfe0f)
					t->end = i;
			}
			i = t->end;
			continue;
		} else if (c == C_DIGIT) {
			t->kind = TK_NUM;
			t->num = (int)(cp - '0');
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				if (t->num < 100000)
					t->num = t->num * 10 + (s[i] - '0');
				i++;
			}
			if (i + 1 < n && (s[i] == '.' || s[i] == ',') && s[i + 1] >= '0' && s[i + 1] <= '9') {
				t->dec = 1;
				for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
					;
			}
		} else if (c == C_WORD) {
			t->kind = TK_WORD;
			while (i < n) {
				len = utf8_next(s + i, n - i, &cp);
				if (is_word_cp(cp)) {
					i += len;
					continue;
				}
				/* an apostrophe between letters: "don't", "don’t" */
				unsigned next = 0;
				if ((cp == '\'' || cp == 0x2019) && i + len < n)
					utf8_next(s + i + len, n - i - len, &next);
				if (next && cclass_of(next) == C_WORD) {
					i += len;
					continue;
				}
				break;
			}
		} else {
			t->kind = TK_OTHER;
		}
		t->end = i;
	}
}

/* Whether token T is the word W (WN bytes, folded, lower-case UTF-8). */
static int tok_is(const struct toks *tk, const struct tok *t, const char *w, size_t wn)
{
	if (t->kind != TK_WORD)
		return 0;
	const char *s = tk->s + t->at;
	size_t n = t->end - t->at, i = 0, j = 0;
	unsigned char c = (unsigned char)s[0];
	/* most comparisons fail on the first letter: settle those without decoding */
	if (c < 0x80 && (unsigned char)w[0] < 0x80 && (char)(c >= 'A' && c <= 'Z' ? c + 32 : c) != w[0])
		return 0;
	while (i < n && j < wn) {
		unsigned a, b;
		i += utf8_next(s + i, n - i, &a);
		j += utf8_next(w + j, wn - j, &b);
		if (fold_cp(a) != b)
			return 0;
	}
	return i == n && j == wn;
}

static int tok_punct(const struct toks *tk, int k, const char *set)
{
	return k < tk->n && tk->t[k].kind == TK_PUNCT && strchr(set, tk->t[k].punct);
}

/* How many tokens from K make the phrase P (words separated by single spaces; a '-'
 * may join them: "no-hire"); 0 if they do not. */
static int match_phrase(const struct toks *tk, int k, const char *p)
{
	int start = k;
	while (*p) {
		size_t n = 0;
		while (p[n] && p[n] != ' ')
			n++;
		if (k > start && tok_punct(tk, k, "-"))
			k++;
		if (k >= tk->n || !tok_is(tk, &tk->t[k], p, n))
			return 0;
		k++;
		p += n;
		if (*p == ' ')
			p++;
	}
	return k - start;
}

/* A phrase and what it means. Every table of them is sorted by its first byte (the
 * phrases with the same first byte keep the order they read best in): match_list finds
 * the candidates by binary search. */
struct phrase {
	const char *words;
	int value;
};

/* The longest phrase of LIST (N, sorted by first byte) at K: its length in tokens, its
 * value in *VALUE. */
static int match_list(const struct toks *tk, int k, const struct phrase *list, size_t n, int *value)
{
	int best = 0;
	if (k >= tk->n || tk->t[k].kind != TK_WORD)
		return 0;
	unsigned c = (unsigned char)tk->s[tk->t[k].at];
	if (c >= 'A' && c <= 'Z')
		c += 32;
	/* a non-ASCII first letter can only match a non-ASCII one; fold_cp may change its
	 * first byte (Cyrillic), so those are all tried */
	int ascii = c < 0x80;
	unsigned want = ascii ? c : 0x80;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((unsigned)(unsigned char)list[mid].words[0] < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && (!ascii || (unsigned char)list[i].words[0] == c); i++) {
		assert(i == 0 || (unsigned char)list[i - 1].words[0] <= (unsigned char)list[i].words[0]);
		int m = match_phrase(tk, k, list[i].words);
		if (m > best) {
			best = m;
			*value = list[i].value;
		}
	}
	return best;
}

static const struct phrase rec_words[] = {
	{"advance", REC_PROCEED}, {"advancing", REC_PROCEED}, {"borderline", REC_MAYBE},
	{"decline", REC_REJECT}, {"do not hire", REC_REJECT}, {"don't hire", REC_REJECT},
	{"dont hire", REC_REJECT}, {"do not proceed", REC_REJECT}, {"don't proceed", REC_REJECT},
	{"extend an offer", REC_HIRE}, {"hire", REC_HIRE}, {"hiring", REC_HIRE}, {"lean hire", REC_MAYBE},
	{"leaning hire", REC_MAYBE}, {"lean no hire", REC_MAYBE}, {"leaning no hire", REC_MAYBE},
	{"move forward", REC_PROCEED}, {"moving forward", REC_PROCEED}, {"move ahead", REC_PROCEED},
	{"make an offer", REC_HIRE}, {"make offer", REC_HIRE}, {"maybe", REC_MAYBE},
	{"next round", REC_PROCEED}, {"next stage", REC_PROCEED}, {"no hire", REC_REJECT},
	{"not hire", REC_REJECT}, {"not proceed", REC_REJECT}, {"no go", REC_REJECT}, {"not sure", REC_MAYBE},
	{"neutral", REC_MAYBE}, {"offer", REC_HIRE}, {"on the fence", REC_MAYBE}, {"proceed", REC_PROCEED},
	{"proceeding", REC_PROCEED}, {"progress", REC_PROCEED}, {"reject", REC_REJECT},
	{"rejected", REC_REJECT}, {"strong hire", REC_HIRE}, {"strong yes", REC_HIRE},
	{"strong no hire", REC_REJECT}, {"strong no", REC_REJECT}, {"unsure", REC_MAYBE},
	{"undecided", REC_MAYBE}, {"would hire", REC_HIRE}, {"would not hire", REC_REJECT},
	{"wouldn't hire", REC_REJECT}, {"weak hire", REC_MAYBE}, {"weak no hire", REC_MAYBE},
};

/* "Hire: no", "Proceed? yes". */
static const struct phrase yes_no[] = {
	{"no", 0}, {"nope", 0}, {"strong yes", 1}, {"strong no", 0}, {"yes", 1}, {"yeah", 1}, {"yep", 1},
};

enum key_kind { K_RATING = 1, K_REC, K_HIRE_YN, K_PROCEED_YN };

static const struct phrase keys[] = {
	{"avaliação", K_RATING}, {"aanbeveling", K_REC}, {"advies", K_REC}, {"anbefaling", K_REC},
	{"advance", K_PROCEED_YN}, {"bewertung", K_RATING}, {"beoordeling", K_RATING}, {"betyg", K_RATING},
	{"besluit", K_REC}, {"beslut", K_REC}, {"calificación", K_RATING}, {"cijfer", K_RATING},
	{"classificação", K_RATING}, {"decision", K_REC}, {"décision", K_REC}, {"decisión", K_REC},
	{"decisione", K_REC}, {"decisão", K_REC}, {"decyzja", K_REC}, {"evaluation", K_RATING},
	{"empfehlung", K_REC}, {"entscheidung", K_REC}, {"grade", K_RATING}, {"gesamtbewertung", K_RATING},
	{"hiring recommendation", K_REC}, {"hire recommendation", K_REC}, {"hiring decision", K_REC},
	{"hire", K_HIRE_YN}, {"i recommend", K_REC}, {"i would recommend", K_REC}, {"i'd recommend", K_REC},
	{"my rating", K_RATING}, {"my score", K_RATING}, {"my recommendation", K_REC},
	{"move forward", K_PROCEED_YN}, {"next step", K_REC}, {"next steps", K_REC},
	{"next round", K_PROCEED_YN}, {"overall rating", K_RATING}, {"overall score", K_RATING},
	{"ocena", K_RATING}, {"outcome", K_REC}, {"puntuación", K_RATING}, {"puntuacion", K_RATING},
	{"punteggio", K_RATING}, {"pontuação", K_RATING}, {"proceed", K_PROCEED_YN}, {"rating", K_RATING},
	{"rate", K_RATING}, {"recommendation", K_REC}, {"recommend", K_REC}, {"recommended", K_REC},
	{"rec", K_REC}, {"reco", K_REC}, {"result", K_REC}, {"recommandation", K_REC}, {"recomendación", K_REC},
	{"recomendacion", K_REC}, {"raccomandazione", K_REC}, {"recomendação", K_REC},
	{"rekommendation", K_REC}, {"rekomendacja", K_REC}, {"score", K_RATING}, {"stars", K_RATING},
	{"valoración", K_RATING}, {"valutazione", K_RATING}, {"voto", K_RATING}, {"vurdering", K_RATING},
	{"verdict", K_REC}, {"would hire", K_HIRE_YN}, {"évaluation", K_RATING}, {"оценка", K_RATING},
	{"рекомендация", K_REC}, {"решение", K_REC}, {"判定", K_REC}, {"建议", K_REC}, {"推薦", K_REC},
	{"推奨", K_REC}, {"推荐", K_REC}, {"評価", K_RATING}, {"评分", K_RATING},
};

/* Words around a reading that say nothing: "Overall 4/5", "hire from me", "4 and hire". */
static const struct phrase fillers[] = {
	{"and", 1}, {"absolutely", 1}, {"cheers", 1}, {"definitely", 1}, {"from me", 1}, {"for me", 1},
	{"imo", 1}, {"imho", 1}, {"overall", 1}, {"thanks", 1}, {"thank you", 1},
};

/* How a greeting line starts ("Hi Rita,"): it does not count as the first line. */
static const struct phrase greetings[] = {
	{"bonjour", 1}, {"ciao", 1}, {"cześć", 1}, {"dear", 1}, {"good morning", 1}, {"hallo", 1}, {"hej", 1},
	{"hello", 1}, {"hey", 1}, {"hi", 1}, {"hoi", 1}, {"hola", 1}, {"moin", 1}, {"oi", 1}, {"olá", 1},
	{"salut", 1}, {"witam", 1},
};

static const struct phrase number_words[] = {
	{"four", 4}, {"five", 5}, {"one", 1}, {"two", 2}, {"three", 3},
};

/* What one reading on a line says. */
struct part {
	int rating;  /* 1..5; -1: a rating that cannot be read ("7/10"); 0: not a rating */
	int rec;
	int sure;    /* more than a bare number */
};

/* A rating at K: "4", "4/5", "4 / 5", "4 out of 5", "4 of 5", "4 stars", "4/5 stars",
 * "★★★★☆", and after a key "four". Returns the tokens read. */
static int read_rating(const struct toks *tk, int k, int keyed, struct part *p)
{
	const struct tok *t = &tk->t[k];
	int j = k + 1, value = 0, bad = 0, den = 0, m, sure = keyed;
	if (t->kind == TK_STARS) {
		p->rating = t->num >= 1 && t->num <= 5 ? t->num : -1;
		p->sure = 1;
		return 1;
	}
	if (t->kind == TK_NUM) {
		value = t->num;
		bad = t->dec;
	} else if (keyed && (m = match_list(tk, k, number_words, ARRAY_LEN(number_words), &value))) {
		j = k + m;
	} else {
		return 0;
	}
	if (tok_punct(tk, j, "/") && j + 1 < tk->n && tk->t[j + 1].kind == TK_NUM) {
		den = tk->t[j + 1].dec ? -1 : tk->t[j + 1].num;
		j += 2;
	} else if ((m = match_phrase(tk, j, "out of")) || (m = match_phrase(tk, j, "of"))) {
		if (j + m < tk->n && tk->t[j + m].kind == TK_NUM)
			den = tk->t[j + m].dec ? -1 : tk->t[j + m].num;
		else if (match_phrase(tk, j + m, "five"))
			den = 5;
		else
			return 0;
		j += m + 1;
	}
	if (den)
		sure = 1;
	if ((m = match_phrase(tk, j, "stars")) || (m = match_phrase(tk, j, "star")) ||
	    (m = match_phrase(tk, j, "points"))) {
		j += m;
		sure = 1;
	} else if (j < tk->n && tk->t[j].kind == TK_STARS && tk->t[j].num == 1 &&
	           tk->t[j].end - tk->t[j].at <= 4) {
		j++; /* "4⭐" */
		sure = 1;
	}
	p->rating = bad || value < 1 || value > 5 || (den && den != 5) ? -1 : value;
	p->sure = sure;
	return j - k;
}

/* A recommendation at K; "proceed to <where>" reads up to the next punctuation. */
static int read_rec(const struct toks *tk, int k, struct part *p)
{
	int value = 0, m = match_list(tk, k, rec_words, ARRAY_LEN(rec_words), &value);
	if (!m)
		return 0;
	p->rec = value;
	p->sure = 1;
	if (value == REC_PROCEED && match_phrase(tk, k + m, "to")) {
		int j = k + m + 1;
		while (j < tk->n && j < k + m + 8 && (tk->t[j].kind == TK_WORD || tk->t[j].kind == TK_NUM))
			j++;
		if (j == tk->n || tk->t[j].kind == TK_PUNCT)
			m = j - k;
	}
	return m;
}

static int skip_fillers(const struct toks *tk, int k)
{
	int value, m;
	while (k < tk->n && (m = match_list(tk, k, fillers, ARRAY_LEN(fillers), &value)))
		k += m;
	return k;
}

/* A key and its value at K: "Rating: 4/5", "Recommendation - hire", "Recommend hire",
 * "Rating (1-5): 4", "Hire? no". Returns the tokens read, 0 if none. */
static int read_keyed(const struct toks *tk, int k, struct part *p)
{
	int kind = 0, m = match_list(tk, k, keys, ARRAY_LEN(keys), &kind), j = k + m, v;
	if (!m)
		return 0;
	if (tok_punct(tk, j, "(")) { /* "Rating (1-5):" */
		int close = j + 1;
		while (close < tk->n && close < j + 8 && !tok_punct(tk, close, ")"))
			close++;
		if (close < tk->n && tok_punct(tk, close, ")"))
			j = close + 1;
	}
	if (kind == K_HIRE_YN || kind == K_PROCEED_YN) {
		if (!tok_punct(tk, j, ":?="))
			return 0;
		j = skip_fillers(tk, j + 1);
		if (j >= tk->n || !(m = match_list(tk, j, yes_no, ARRAY_LEN(yes_no), &v)))
			return 0;
		p->rec = v ? (kind == K_HIRE_YN ? REC_HIRE : REC_PROCEED) : REC_REJECT;
		p->sure = 1;
		return j + m - k;
	}
	if (tok_punct(tk, j, ":=-"))
		j++;
	else if (match_phrase(tk, j, "is"))
		j++;
	j = skip_fillers(tk, j);
	if (j >= tk->n)
		return 0;
	m = kind == K_RATING ? read_rating(tk, j, 1, p) : read_rec(tk, j, p);
	if (!m)
		return 0;
	p->sure = 1;
	return j + m - k;
}

/* What a line says. */
struct reading {
	int greeting;   /* the line is a greeting, and no reading */
	int rating, rec;
	int parts;
	int bad;        /* a part could not be read ("7/10") */
	int conflict;   /* two parts disagree */
	int unsure;     /* a bare number was read */
	int keyed;      /* the first part had a key */
	int ended;      /* the whole line was read */
	int strong;     /* punctuation between the last part and what could not be read */
	size_t rest;    /* where the unread rest starts */
};

static void add_part(struct reading *r, const struct part *p)
{
	if (p->rating < 0)
		r->bad = 1;
	if (p->rating > 0) {
		if (r->rating && r->rating != p->rating)
			r->conflict = 1;
		r->rating = p->rating;
	}
	if (p->rec) {
		if (r->rec && r->rec != p->rec)
			r->conflict = 1;
		r->rec = p->rec;
	}
	if (!p->sure)
		r->unsure = 1;
	r->parts++;
}

/* Where the rest of a line starts when it is kept: at token K, or at the '(' or '['
 * before it, with the markdown right before it ("— *great*"). */
static size_t rest_at(const struct toks *tk, int k, size_t paren)
{
	size_t at = paren != (size_t)-1 ? paren : tk->t[k].at;
	while (at > 0 && (tk->s[at - 1] == '*' || tk->s[at - 1] == '_' || tk->s[at - 1] == '`'))
		at--;
	return at;
}

static void read_line(const char *s, size_t n, struct reading *r)
{
	struct toks tk;
	int k = 0;
	memset(r, 0, sizeof *r);
	tokenize(s, n, &tk);
	int value;
	r->greeting = tk.n <= 6 && match_list(&tk, 0, greetings, ARRAY_LEN(greetings), &value);
	while (k < tk.n && tk.t[k].kind == TK_PUNCT && strchr("-#|([.", tk.t[k].punct))
		k++; /* bullets and openers */
	if (k + 2 < tk.n && tk.t[k].kind == TK_NUM && !tk.t[k].dec && tok_punct(&tk, k + 1, ".)"))
		k += 2; /* "1. ..." is a list item, not a rating */
	for (;;) {
		size_t paren = (size_t)-1;
		r->strong = 0;
		for (;;) {
			int f = skip_fillers(&tk, k);
			if (f > k) {
				k = f;
				continue;
			}
			if (k >= tk.n || tk.t[k].kind != TK_PUNCT)
				break;
			if (strchr(",;.!?:(-|=[", tk.t[k].punct))
				r->strong = 1;
			if ((tk.t[k].punct == '(' || tk.t[k].punct == '[') && paren == (size_t)-1)
				paren = tk.t[k].at;
			k++;
		}
		if (k >= tk.n) {
			r->ended = !tk.more;
			r->rest = tk.more && tk.n ? tk.t[tk.n - 1].end : n;
			return;
		}
		struct part p = {0, 0, 0};
		int m = read_keyed(&tk, k, &p);
		if (m) {
			if (!r->parts)
				r->keyed = 1;
		} else if (!(m = read_rating(&tk, k, 0, &p)) && !(m = read_rec(&tk, k, &p))) {
			r->rest = rest_at(&tk, k, paren);
			return;
		}
		add_part(r, &p);
		k += m;
	}
}

/* Whether a line's reading is trusted (see reply.h). FIRST: the first non-blank line. */
static int trusted(const struct reading *r, int first)
{
	if (!r->parts || r->conflict)
		return 0;
	if (r->ended)
		return !(r->unsure && r->parts == 1 && !first);
	return r->strong && (r->keyed || first) && !r->unsure;
}

int reply_feedback_parse(const char *text, struct reply_feedback *out)
{
	if (!out)
		return -1;
	const char *p = text ? text : "", *end = p + strlen(p);
	struct tidy t = {.started = 0};
	int first = 1; /* no non-blank line yet but a greeting */
	out->rating = 0;
	out->rec = REC_NONE;
	out->feedback = NULL;
	while (p < end) {
		struct line l = next_line(&p, end);
		struct reading r;
		l.n = rtrim_len(l.s, l.n);
		if (l.n == 0) {
			tidy_line(&t, l.s, 0);
			continue;
		}
		read_line(l.s, l.n, &r);
		int ok = trusted(&r, first);
		first = first && r.greeting && !r.parts;
		if (ok && ((r.rating && out->rating && r.rating != out->rating) || (r.rec && out->rec && r.rec != out->rec)))
			ok = 0; /* the first reading wins; this line stays for a person to read */
		if (!ok) {
			tidy_line(&t, l.s, l.n);
			continue;
		}
		if (r.rating)
			out->rating = r.rating;
		if (r.rec)
			out->rec = r.rec;
		if (r.bad)
			tidy_line(&t, l.s, l.n);
		else if (!r.ended)
			tidy_line(&t, l.s + r.rest, l.n - r.rest);
	}
	out->feedback = buf_take(&t.o);
	if (!out->feedback) {
		out->rating = 0;
		out->rec = REC_NONE;
		return -1;
	}
	return 0;
}

void reply_feedback_free(struct reply_feedback *f)
{
	if (!f)
		return;
	free(f->feedback);
	f->feedback = NULL;
}
