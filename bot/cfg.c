/* cfg.c: see cfg.h. Every key is a row of the tables below: its section, name, type,
 * where it lands in struct cfg and how it is checked. */
#include "bot/cfg.h"
#include "bot/toml.h"
#include "lib/str.h"
#include "lib/tz.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_STRING, K_INT, K_ZONE, K_TYPE, K_ROLE, K_EMAIL, K_ADDRESS, K_HANDLE, K_TLS };

struct key {
	const char *name;
	enum kind kind;
	size_t off, size;     /* into struct cfg, or struct cfg_person for [people.X] */
	long long min, max;   /* K_INT */
	int secret;           /* may be given as NAME_env = "VARIABLE"; masked when printed */
};

#define S(field, kind) {#field, kind, offsetof(struct cfg, field), sizeof(((struct cfg *)0)->field), 0, 0, 0}
#define KEY(name, field, kind) {name, kind, offsetof(struct cfg, field), sizeof(((struct cfg *)0)->field), 0, 0, 0}
#define P(field, kind) {#field, kind, offsetof(struct cfg_person, field), sizeof(((struct cfg_person *)0)->field), 0, 0, 0}

static const struct key keys_store[] = {KEY("path", database, K_STRING), {0}};
static const struct key keys_general[] = {
	S(timezone, K_ZONE),
	{"default_duration", K_INT, offsetof(struct cfg, default_duration), sizeof(long long), 1, 1440, 0},
	S(default_type, K_TYPE),
	{0}};
static const struct key keys_console[] = {KEY("as", console_as, K_HANDLE), {0}};
#define INT(name, field, lo, hi) {name, K_INT, offsetof(struct cfg, field), sizeof(long long), lo, hi, 0}
static const struct key keys_mail[] = {
	KEY("from", mail_from, K_ADDRESS),
	KEY("reply_to", mail_reply_to, K_ADDRESS),
	KEY("outbox_dir", mail_dir, K_STRING),
	KEY("templates_dir", mail_templates, K_STRING),
	INT("retry_after", mail_retry_after, 1, 86400),
	INT("retry_max", mail_retry_max, 1, 86400),
	INT("give_up_after", mail_give_up_after, 60, 30 * 86400),
	{0}};
static const struct key keys_smtp[] = {
	KEY("host", smtp_host, K_STRING),
	INT("port", smtp_port, 0, 65535),
	KEY("tls", smtp_tls, K_TLS),
	KEY("user", smtp_user, K_STRING),
	{"password", K_STRING, offsetof(struct cfg, smtp_password), sizeof(((struct cfg *)0)->smtp_password), 0, 0, 1},
	KEY("ca_file", smtp_ca_file, K_STRING),
	INT("timeout", smtp_timeout, 1, 600),
	{0}};
static const struct key keys_person[] = {P(name, K_STRING),     P(email, K_EMAIL),     P(role, K_ROLE),
                                         P(timezone, K_ZONE),   P(slack_id, K_STRING), P(matrix_id, K_STRING),
                                         {0}};

struct section {
	const char *name;
	const struct key *keys;
};
static const struct section sections[] = {
	{"store", keys_store}, {"general", keys_general}, {"console", keys_console},
	{"mail", keys_mail},   {"smtp", keys_smtp},       {0}};

void cfg_defaults(struct cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	str_copy(cfg->database, sizeof cfg->database, "interviewd.db");
	tz_system_zone(cfg->timezone, sizeof cfg->timezone);
	cfg->default_duration = 60;
	str_copy(cfg->default_type, sizeof cfg->default_type, "video");
	str_copy(cfg->mail_from, sizeof cfg->mail_from, "interviewd <interviewd@localhost>");
	str_copy(cfg->mail_dir, sizeof cfg->mail_dir, "interviewd-mail");
	cfg->mail_retry_after = 60;
	cfg->mail_retry_max = 3600;
	cfg->mail_give_up_after = 2 * 86400;
	str_copy(cfg->smtp_tls, sizeof cfg->smtp_tls, "starttls");
	cfg->smtp_timeout = 30;
}

void cfg_free(struct cfg *cfg)
{
	free(cfg->people);
	cfg->people = NULL;
	cfg->npeople = 0;
}

__attribute__((format(printf, 6, 7))) static int fail(char *err, size_t errlen, const char *file, int line,
                                                       int col, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%d:%d: %s", file, line, col, what);
	return -1;
}

static int valid_handle(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > STORE_HANDLE_MAX || !isalnum((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

/* "Name <addr@host>" or "addr@host". */
static int valid_address(const char *s)
{
	const char *lt = strrchr(s, '<');
	if (!lt)
		return str_is_email(s);
	size_t n = strlen(lt);
	if (n < 3 || lt[n - 1] != '>' || str_has_control(s))
		return 0;
	char addr[STORE_EMAIL_MAX + 1];
	if (n - 2 > STORE_EMAIL_MAX)
		return 0;
	memcpy(addr, lt + 1, n - 2);
	addr[n - 2] = 0;
	return str_is_email(addr);
}

/* Checks a string value for its kind: NULL when it is fine, else what is expected. */
static const char *check_string(enum kind kind, const char *v)
{
	switch (kind) {
	case K_ZONE: return tz_valid(v) ? NULL : "is not a time zone (use an IANA name such as \"Europe/Berlin\")";
	case K_TYPE: return store_type_parse(v) >= 0 ? NULL : "is not an interview type (phone, video, in_person, technical, hr or final)";
	case K_ROLE: return store_role_parse(v) >= 0 ? NULL : "is not a role (recruiter or interviewer)";
	case K_EMAIL: return str_is_email(v) ? NULL : "is not an email address";
	case K_ADDRESS: return valid_address(v) ? NULL : "is not an address (write \"Name <name@example.com>\" or \"name@example.com\")";
	case K_HANDLE: return valid_handle(v) ? NULL : "is not a handle (letters, digits, '.', '_' or '-', at most 32)";
	case K_TLS:
		return strcmp(v, "starttls") == 0 || strcmp(v, "optional") == 0 || strcmp(v, "implicit") == 0 ||
		               strcmp(v, "off") == 0
		           ? NULL
		           : "is not a TLS mode (starttls, optional, implicit or off)";
	default: return str_has_control(v) ? "holds control characters" : NULL;
	}
}

static int set_value(const struct key *k, void *base, const struct toml_kv *kv, const char *file, char *err,
                     size_t errlen)
{
	const struct toml_value *v = kv->value;
	char *dst = (char *)base + k->off;
	if (k->kind == K_INT) {
		if (v->type != TOML_INT)
			return fail(err, errlen, file, v->line, v->col, "\"%s\" takes an integer", kv->key);
		if (v->i < k->min || v->i > k->max)
			return fail(err, errlen, file, v->line, v->col, "\"%s\" must be from %lld to %lld", kv->key,
			            k->min, k->max);
		*(long long *)(void *)dst = v->i;
		return 0;
	}
	if (v->type != TOML_STRING)
		return fail(err, errlen, file, v->line, v->col, "\"%s\" takes a string", kv->key);
	const char *why = check_string(k->kind, v->s);
	if (why) {
		char shown[128]; /* the value as typed, control characters shown as '?' */
		size_t n = 0;
		for (const char *p = v->s; *p && n + 1 < sizeof shown; p++)
			shown[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
		shown[n] = 0;
		return fail(err, errlen, file, v->line, v->col, "\"%s\" %s", shown, why);
	}
	if (str_copy(dst, k->size, v->s) < 0)
		return fail(err, errlen, file, v->line, v->col, "\"%s\" is too long (at most %zu bytes)", kv->key,
		            k->size - 1);
	return 0;
}

/* NAME_env = "VAR": the value of a secret comes from the environment. */
static int set_from_env(const struct key *k, void *base, const struct toml_kv *kv, const char *file, char *err,
                        size_t errlen)
{
	const struct toml_value *v = kv->value;
	if (v->type != TOML_STRING)
		return fail(err, errlen, file, v->line, v->col, "\"%s\" takes the name of an environment variable",
		            kv->key);
	const char *val = getenv(v->s);
	if (!val || !*val)
		return fail(err, errlen, file, v->line, v->col, "environment variable %s (named by \"%s\") is not set",
		            v->s, kv->key);
	if (str_copy((char *)base + k->off, k->size, val) < 0)
		return fail(err, errlen, file, v->line, v->col, "environment variable %s is too long", v->s);
	return 0;
}

static const struct key *find_key(const struct key *keys, const char *name, int *from_env)
{
	size_t n = strlen(name);
	*from_env = 0;
	for (const struct key *k = keys; k->name; k++) {
		if (strcmp(k->name, name) == 0)
			return k;
		if (k->secret && n == strlen(k->name) + 4 && strncmp(name, k->name, n - 4) == 0 &&
		    strcmp(name + n - 4, "_env") == 0) {
			*from_env = 1;
			return k;
		}
	}
	return NULL;
}

static int unknown_key(const struct key *keys, const struct toml_kv *kv, const char *where, const char *file,
                       char *err, size_t errlen)
{
	struct str_suggest sg;
	char hint[160] = "";
	str_suggest_init(&sg, kv->key);
	for (const struct key *k = keys; k->name; k++)
		str_suggest_offer(&sg, k->name);
	if (sg.best[0])
		snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", sg.best);
	return fail(err, errlen, file, kv->line, kv->col, "unknown key \"%s\" in %s%s", kv->key, where, hint);
}

static int apply_table(const struct key *keys, void *base, const struct toml_value *t, const char *where,
                       const char *file, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->nkv; i++) {
		const struct toml_kv *kv = &t->kv[i];
		int from_env;
		const struct key *k = find_key(keys, kv->key, &from_env);
		if (!k)
			return unknown_key(keys, kv, where, file, err, errlen);
		int rc = from_env ? set_from_env(k, base, kv, file, err, errlen)
		                  : set_value(k, base, kv, file, err, errlen);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int add_person(struct cfg *cfg, const struct toml_kv *kv, const char *file, char *err, size_t errlen)
{
	if (kv->value->type != TOML_TABLE)
		return fail(err, errlen, file, kv->line, kv->col, "\"%s\" in [people] must be a table [people.%s]",
		            kv->key, kv->key);
	if (!valid_handle(kv->key))
		return fail(err, errlen, file, kv->line, kv->col, "\"%s\" is not a handle (letters, digits, '.', '_' or "
		                                                  "'-', starting with a letter or digit, at most 32)",
		            kv->key);
	struct cfg_person *grown = realloc(cfg->people, (size_t)(cfg->npeople + 1) * sizeof *grown);
	if (!grown)
		return fail(err, errlen, file, kv->line, kv->col, "out of memory");
	cfg->people = grown;
	struct cfg_person *p = &cfg->people[cfg->npeople++];
	memset(p, 0, sizeof *p);
	str_copy(p->handle, sizeof p->handle, kv->key);
	p->line = kv->line;
	p->col = kv->col;
	char where[64];
	snprintf(where, sizeof where, "[people.%s]", kv->key);
	if (apply_table(keys_person, p, kv->value, where, file, err, errlen) < 0)
		return -1;
	if (!p->role[0])
		str_copy(p->role, sizeof p->role, "interviewer");
	if (!p->name[0])
		str_copy(p->name, sizeof p->name, p->handle);
	return 0;
}

static int apply_people(struct cfg *cfg, const struct toml_kv *sec, const char *file, char *err, size_t errlen)
{
	for (size_t i = 0; i < sec->value->nkv; i++)
		if (add_person(cfg, &sec->value->kv[i], file, err, errlen) < 0)
			return -1;
	return 0;
}

static int apply_section(struct cfg *cfg, const struct toml_kv *sec, const char *file, char *err, size_t errlen)
{
	if (sec->value->type != TOML_TABLE)
		return fail(err, errlen, file, sec->line, sec->col, "\"%s\" must be a table ([%s]), not a top-level key",
		            sec->key, sec->key);
	if (strcmp(sec->key, "people") == 0)
		return apply_people(cfg, sec, file, err, errlen);
	struct str_suggest sg;
	str_suggest_init(&sg, sec->key);
	str_suggest_offer(&sg, "people");
	for (const struct section *s = sections; s->name; s++) {
		char where[64];
		snprintf(where, sizeof where, "[%s]", s->name);
		if (strcmp(s->name, sec->key) == 0) {
			const struct toml_kv *as = toml_get(sec->value, "as");
			if (as && strcmp(s->name, "console") == 0) {
				cfg->console_as_line = as->value->line;
				cfg->console_as_col = as->value->col;
			}
			return apply_table(s->keys, cfg, sec->value, where, file, err, errlen);
		}
		str_suggest_offer(&sg, s->name);
	}
	char hint[100] = "";
	if (sg.best[0])
		snprintf(hint, sizeof hint, " (did you mean [%s]?)", sg.best);
	return fail(err, errlen, file, sec->line, sec->col, "unknown table [%s]%s", sec->key, hint);
}

/* Checks that need several keys at once. */
static int check_people(const struct cfg *cfg, const char *file, char *err, size_t errlen)
{
	for (int i = 0; i < cfg->npeople; i++)
		for (int j = 0; j < i; j++)
			if (cfg->people[i].email[0] && strcasecmp(cfg->people[i].email, cfg->people[j].email) == 0)
				return fail(err, errlen, file, cfg->people[i].line, cfg->people[i].col,
				            "[people.%s] has the same email as [people.%s] (line %d)", cfg->people[i].handle,
				            cfg->people[j].handle, cfg->people[j].line);
	if (!cfg->console_as[0])
		return 0;
	for (int i = 0; i < cfg->npeople; i++)
		if (strcasecmp(cfg->people[i].handle, cfg->console_as) == 0)
			return 0;
	return fail(err, errlen, file, cfg->console_as_line, cfg->console_as_col,
	            "[console] as = \"%s\" names nobody in [people]", cfg->console_as);
}

int cfg_load(const char *path, struct cfg *cfg, char *err, size_t errlen)
{
	cfg_defaults(cfg);
	if (!path)
		return 0;
	struct toml_value *root = toml_parse_file(path, err, errlen);
	if (!root)
		return -1;
	str_copy(cfg->path, sizeof cfg->path, path);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < root->nkv; i++)
		rc = apply_section(cfg, &root->kv[i], path, err, errlen);
	toml_free(root);
	if (rc == 0)
		rc = check_people(cfg, path, err, errlen);
	if (rc < 0)
		cfg_free(cfg);
	return rc;
}

/* Prints a TOML basic string with the escapes TOML needs. */
static void print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void print_keys(FILE *out, const struct key *keys, const void *base)
{
	for (const struct key *k = keys; k->name; k++) {
		const char *v = (const char *)base + k->off;
		if (k->kind == K_INT) {
			fprintf(out, "%s = %lld\n", k->name, *(const long long *)(const void *)v);
			continue;
		}
		if (!*v)
			continue;
		fprintf(out, "%s = ", k->name);
		print_string(out, k->secret ? "********" : v);
		fputc('\n', out);
	}
}

void cfg_print(const struct cfg *cfg, FILE *out)
{
	fprintf(out, "# effective settings (%s)\n", cfg->path[0] ? cfg->path : "embedded defaults");
	for (const struct section *s = sections; s->name; s++) {
		fprintf(out, "\n[%s]\n", s->name);
		print_keys(out, s->keys, cfg);
	}
	for (int i = 0; i < cfg->npeople; i++) {
		fprintf(out, "\n[people.%s]\n", cfg->people[i].handle);
		print_keys(out, keys_person, &cfg->people[i]);
	}
}
