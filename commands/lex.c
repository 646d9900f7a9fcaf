/* lex.c: splits a command line into words and key:value options. Quotes: "...",
 * and the curly quotes phones and Slack substitute for them. */
#include "commands/internal.h"
#include "lib/str.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Length of an opening quote at S (1 for ", 3 for U+201C), else 0. */
static int open_quote(const char *s)
{
	if (*s == '"')
		return 1;
	if (strncmp(s, "\xe2\x80\x9c", 3) == 0 || strncmp(s, "\xe2\x80\x9d", 3) == 0)
		return 3;
	return 0;
}

static int close_quote(const char *s, int kind)
{
	if (kind == 1)
		return *s == '"' ? 1 : 0;
	if (strncmp(s, "\xe2\x80\x9d", 3) == 0 || strncmp(s, "\xe2\x80\x9c", 3) == 0)
		return 3;
	return 0;
}

struct lexer {
	const char *p;
	char *out, *end;
	char *err;
	size_t errlen;
};

/* Copies one word (quoted parts unquoted, \" and \\ unescaped inside quotes) to the
 * buffer; sets *QUOTED to 2 if it starts with a quote, 1 if a later part was quoted. */
static char *read_word(struct lexer *lx, int *quoted)
{
	char *start = lx->out;
	*quoted = 0;
	while (*lx->p && !isspace((unsigned char)*lx->p)) {
		int q = open_quote(lx->p);
		if (!q) {
			if (lx->out + 1 >= lx->end)
				return NULL;
			*lx->out++ = *lx->p++;
			continue;
		}
		if (!*quoted)
			*quoted = lx->out == start ? 2 : 1;
		lx->p += q;
		int c;
		while (*lx->p && !(c = close_quote(lx->p, q))) {
			if (q == 1 && *lx->p == '\\' && (lx->p[1] == '"' || lx->p[1] == '\\'))
				lx->p++;
			if (lx->out + 1 >= lx->end)
				return NULL;
			*lx->out++ = *lx->p++;
		}
		if (!*lx->p) {
			snprintf(lx->err, lx->errlen, "a quote is not closed: add the closing quote");
			return NULL;
		}
		lx->p += c;
	}
	*lx->out++ = 0;
	return start;
}

/* If WORD is key:value with a lower-case key, splits it and returns the value. A word
 * that starts with a quote is never an option, nor is a web address (https://...). */
static char *split_option(char *word, int quoted)
{
	char *colon = strchr(word, ':');
	if (quoted == 2 || !colon || colon == word || colon - word >= 24 || strncmp(colon, "://", 3) == 0)
		return NULL;
	for (char *k = word; k < colon; k++)
		if (!islower((unsigned char)*k) && *k != '_')
			return NULL;
	*colon = 0;
	return colon + 1;
}

/* Appends WORD to the last option's value, with one space between. The value is the
 * last thing written before WORD in the buffer, so joining them is turning the NUL
 * between into a space. */
static void continue_value(struct cmd_args *a, char *word)
{
	struct cmd_kv *kv = &a->kv[a->nkv - 1];
	if (!*kv->value) {
		kv->value = word;
		return;
	}
	word[-1] = ' ';
}

static int add_option(struct cmd_args *a, struct lexer *lx, char *key, char *value)
{
	for (int i = 0; i < a->nkv; i++)
		if (strcmp(a->kv[i].key, key) == 0) {
			snprintf(lx->err, lx->errlen, "%s: is given twice", key);
			return -1;
		}
	if (a->nkv == ARGS_KV_MAX) {
		snprintf(lx->err, lx->errlen, "too many options (at most %d)", ARGS_KV_MAX);
		return -1;
	}
	struct cmd_kv *kv = &a->kv[a->nkv++];
	str_copy(kv->key, sizeof kv->key, key);
	kv->value = value;
	kv->used = 0;
	return 0;
}

static int add_word(struct cmd_args *a, struct lexer *lx, char *word, int quoted)
{
	char *value = split_option(word, quoted);
	if (value)
		return add_option(a, lx, word, value);
	if (a->nkv > 0) {
		continue_value(a, word);
		return 0;
	}
	if (a->npos == ARGS_POS_MAX) {
		snprintf(lx->err, lx->errlen, "too many words before the first option (at most %d)", ARGS_POS_MAX);
		return -1;
	}
	a->pos[a->npos++] = word;
	return 0;
}

/* Skips a leading "/interview" or "!interview". */
static const char *skip_prefix(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	if ((*p == '/' || *p == '!') && strncmp(p + 1, "interview", 9) == 0 &&
	    (p[10] == 0 || isspace((unsigned char)p[10])))
		p += 10;
	return p;
}

static int lex_words(struct cmd_args *a, struct lexer *lx)
{
	for (;;) {
		while (isspace((unsigned char)*lx->p))
			lx->p++;
		if (!*lx->p)
			return 0;
		int quoted;
		char *word = read_word(lx, &quoted);
		if (!word) {
			if (!lx->err[0])
				snprintf(lx->err, lx->errlen, "the command is too long");
			return -1;
		}
		if (!a->name[0]) {
			if (strlen(word) >= sizeof a->name) {
				snprintf(lx->err, lx->errlen, "unknown command \"%.40s\"", word);
				return -1;
			}
			for (char *w = word; *w; w++)
				*w = (char)tolower((unsigned char)*w);
			str_copy(a->name, sizeof a->name, word);
			continue;
		}
		if (add_word(a, lx, word, quoted) < 0)
			return -1;
	}
}

int cmd_lex(const char *text, struct cmd_args *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	err[0] = 0;
	if (strlen(text) > 4000) {
		snprintf(err, errlen, "the command is too long (at most 4000 characters)");
		return -1;
	}
	if (!str_is_utf8(text)) {
		snprintf(err, errlen, "the command is not valid UTF-8 text");
		return -1;
	}
	struct lexer lx = {skip_prefix(text), a->buf, a->buf + sizeof a->buf, err, errlen};
	return lex_words(a, &lx);
}

const char *cmd_opt(struct cmd_args *a, const char *key)
{
	for (int i = 0; i < a->nkv; i++)
		if (strcmp(a->kv[i].key, key) == 0) {
			a->kv[i].used = 1;
			return a->kv[i].value;
		}
	return NULL;
}
