/* toml: the subset of TOML that interviewd's config uses, parsed into a tree.
 * Owns the syntax: tables ([a], [a.b]), bare and quoted keys, basic strings with
 * escapes, literal strings, integers, booleans, arrays of strings, comments. Everything
 * else (floats, dates, inline tables, arrays of tables, multi-line strings, mixed
 * arrays) is refused with "file:line:col: what is wrong" (columns count characters).
 * Limits: files of at most 1 MiB, tables nested at most 64 deep, 64-bit integers, no
 * \u0000 in strings. Knows nothing of which keys mean what: bot/cfg.c does. */
#ifndef INTERVIEWD_TOML_H
#define INTERVIEWD_TOML_H

#include <stddef.h>

enum toml_type { TOML_STRING, TOML_INT, TOML_BOOL, TOML_ARRAY, TOML_TABLE };

struct toml_value;

/* One key = value pair, in file order. LINE and COL locate the key (1-based). */
struct toml_kv {
	char *key;
	struct toml_value *value;
	int line, col;
};

struct toml_value {
	enum toml_type type;
	int line, col;        /* where the value (or the table header) starts */
	char *s;              /* TOML_STRING: UTF-8, NUL-terminated (no NULs inside) */
	long long i;          /* TOML_INT */
	int b;                /* TOML_BOOL: 0 or 1 */
	char **items;         /* TOML_ARRAY: strings */
	size_t nitems;
	struct toml_kv *kv;   /* TOML_TABLE: members (sub-tables included) in file order */
	size_t nkv;
};

/* Parses TEXT (NUL-terminated); FILENAME is only used in messages. Returns the root
 * table (caller frees with toml_free), or NULL with "FILENAME:LINE:COL: reason" in ERR. */
struct toml_value *toml_parse(const char *text, const char *filename, char *err, size_t errlen);

/* Reads and parses a whole file; NULL with a reason in ERR if it cannot be read
 * ("PATH: cannot open: ...", "PATH: larger than 1 MiB; ..."). Tables are located at
 * their header (a table made implicitly by [a.b] at that header, until [a] comes). */
struct toml_value *toml_parse_file(const char *path, char *err, size_t errlen);

/* The member KEY of TABLE, or NULL. */
const struct toml_kv *toml_get(const struct toml_value *table, const char *key);

void toml_free(struct toml_value *v);

#endif
