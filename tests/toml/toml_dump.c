/* toml_dump FILE: prints FILE's tree as json.dumps(tomllib.load(f), sort_keys=True)
 * would, byte for byte, so that tests/toml/compare.py can diff bot/toml.c against
 * Python's tomllib. On a parse error: the message on stderr, exit 1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/toml.h"

static void dump_value(const struct toml_value *v);

/* Decodes the UTF-8 sequence at *S (valid: toml.c checked it) and advances *S. */
static uint32_t next_char(const unsigned char **s)
{
	const unsigned char *p = *s;
	int len = p[0] < 0x80 ? 1 : p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
	uint32_t cp = len == 1 ? p[0] : p[0] & (0x7Fu >> len);

	for (int i = 1; i < len; i++)
		cp = cp << 6 | (p[i] & 0x3Fu);
	*s = p + len;
	return cp;
}

/* Python's json with ensure_ascii=True: short escapes, else \uxxxx (lowercase hex,
 * surrogate pairs above U+FFFF) for everything outside ' '..'~'. */
static void dump_string(const char *str)
{
	static const char shorts[] = "\"\\\b\f\n\r\t", names[] = "\"\\bfnrt";
	const unsigned char *s = (const unsigned char *)str;

	putchar('"');
	while (*s) {
		uint32_t cp = next_char(&s);
		const char *p = cp ? strchr(shorts, (int)cp) : NULL;

		if (p && cp < 0x80)
			printf("\\%c", names[p - shorts]);
		else if (cp >= 0x20 && cp < 0x7f)
			putchar((int)cp);
		else if (cp < 0x10000)
			printf("\\u%04x", (unsigned)cp);
		else
			printf("\\u%04x\\u%04x", (unsigned)(0xD800 + ((cp - 0x10000) >> 10)),
			       (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
	}
	putchar('"');
}

static int by_key(const void *a, const void *b)
{
	const struct toml_kv *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

static void dump_table(const struct toml_value *t)
{
	const struct toml_kv **kv = calloc(t->nkv + 1, sizeof *kv);

	if (!kv) {
		perror("toml_dump");
		exit(2);
	}
	for (size_t i = 0; i < t->nkv; i++)
		kv[i] = &t->kv[i];
	qsort(kv, t->nkv, sizeof *kv, by_key);
	putchar('{');
	for (size_t i = 0; i < t->nkv; i++) {
		fputs(i ? ", " : "", stdout);
		dump_string(kv[i]->key);
		fputs(": ", stdout);
		dump_value(kv[i]->value);
	}
	putchar('}');
	free(kv);
}

static void dump_value(const struct toml_value *v)
{
	switch (v->type) {
	case TOML_STRING:
		dump_string(v->s);
		break;
	case TOML_INT:
		printf("%lld", v->i);
		break;
	case TOML_BOOL:
		fputs(v->b ? "true" : "false", stdout);
		break;
	case TOML_ARRAY:
		putchar('[');
		for (size_t i = 0; i < v->nitems; i++) {
			fputs(i ? ", " : "", stdout);
			dump_string(v->items[i]);
		}
		putchar(']');
		break;
	case TOML_TABLE:
		dump_table(v);
		break;
	}
}

int main(int argc, char **argv)
{
	char err[512];
	struct toml_value *root;

	if (argc != 2) {
		fprintf(stderr, "usage: toml_dump FILE\n");
		return 2;
	}
	root = toml_parse_file(argv[1], err, sizeof err);
	if (!root) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	dump_value(root);
	putchar('\n');
	toml_free(root);
	return 0;
}
