/* cfg.c: see cfg.h. Every key is a row of the tables below: its section, name, type,
 * where it lands in struct cfg and how it is checked. */
#include "bot/cfg.h"
#include "bot/toml.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/tz.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum kind {
	K_STRING, K_INT, K_ZONE, K_TYPE, K_ROLE, K_EMAIL, K_ADDRESS, K_HANDLE, K_TLS,
	K_BOOL,  /* true/false into a long long */
	K_SPAN,  /* "90m", "24h", "2d" into seconds (long long) */
	K_CLOCK, /* "08:30" into minutes after midnight (long long) */
	K_SPANS, /* an array of spans into struct cfg_spans */
	K_DAYS,  /* an array of weekday names into bits (long long), bit 0 = Sunday */
	K_WORDS, /* an array of strings into struct cfg_words */
	K_URL,   /* http:// or https://, ending in '/' */
	K_FOLDER,/* an IMAP folder: no quotes, backslashes or control characters */
	K_MAILCMD, /* off, authenticated or tag */
	K_MXID,  /* a Matrix user id, @localpart:server */
	K_LEVEL, /* a log level: error, warn, info or debug */
	K_LISTEN,/* host:port to listen on */
};

struct key {
	const char *name;
	enum kind kind;
	size_t off, size;     /* into struct cfg, or struct cfg_person for [people.X] */
	long long min, max;   /* K_INT */
	int secret;           /* may be given as NAME_env = "VARIABLE"; masked when printed */
};

/* The kinds held in a long long, and the array kinds; every other kind is a string. */
static int is_number(enum kind k) { return k == K_INT || k == K_BOOL || k == K_SPAN || k == K_CLOCK; }
static int is_array(enum kind k) { return k == K_SPANS || k == K_DAYS || k == K_WORDS; }
static int is_text(enum kind k) { return !is_number(k) && !is_array(k); }

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
#define SPAN(name, field, lo, hi) {name, K_SPAN, offsetof(struct cfg, field), sizeof(long long), lo, hi, 0}
#define SECRET(name, field) {name, K_STRING, offsetof(struct cfg, field), sizeof(((struct cfg *)0)->field), 0, 0, 1}
static const struct key keys_mail[] = {
	KEY("from", mail_from, K_ADDRESS),
	KEY("reply_to", mail_reply_to, K_ADDRESS),
	KEY("outbox_dir", mail_dir, K_STRING),
	KEY("templates_dir", mail_templates, K_STRING),
	INT("retry_after", mail_retry_after, 1, 86400),
	INT("retry_max", mail_retry_max, 1, 86400),
	INT("give_up_after", mail_give_up_after, 60, 30 * 86400),
	SECRET("token_secret", mail_token_secret),
	INT("max_reply_size", mail_max_reply_size, 1024, 100 << 20),
	KEY("commands", mail_commands, K_MAILCMD),
	KEY("authserv_id", mail_authserv_id, K_STRING),
	{0}};
static const struct key keys_imap[] = {
	KEY("host", imap_host, K_STRING),
	INT("port", imap_port, 0, 65535),
	KEY("tls", imap_tls, K_TLS),
	KEY("user", imap_user, K_STRING),
	SECRET("password", imap_password),
	KEY("folder", imap_folder, K_FOLDER),
	KEY("processed_folder", imap_processed, K_FOLDER),
	KEY("failed_folder", imap_failed, K_FOLDER),
	KEY("ca_file", imap_ca_file, K_STRING),
	INT("interval", imap_interval, 1, 86400),
	INT("timeout", imap_timeout, 1, 600),
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
static const struct key keys_reminders[] = {
	{"lead_times", K_SPANS, offsetof(struct cfg, reminder_leads), sizeof(struct cfg_spans), 60, 30 * 86400, 0},
	KEY("panel_email", remind_panel_email, K_BOOL),
	KEY("candidate", remind_candidate, K_BOOL),
	KEY("candidate_skip_jobs", remind_skip_jobs, K_WORDS),
	{0}};
static const struct key keys_feedback[] = {
	KEY("request", feedback_request, K_BOOL),
	SPAN("chase_after", feedback_chase_after, 60, 30 * 86400),
	SPAN("escalate_after", feedback_escalate_after, 60, 30 * 86400),
	{0}};
static const struct key keys_slack[] = {
	SECRET("app_token", slack_app_token),
	SECRET("bot_token", slack_bot_token),
	KEY("api_url", slack_api_url, K_URL),
	INT("connections", slack_connections, 1, 4),
	KEY("command", slack_command, K_STRING),
	KEY("channel", slack_channel, K_STRING),
	KEY("ca_file", slack_ca_file, K_STRING),
	KEY("debug_reconnects", slack_debug_reconnects, K_BOOL),
	INT("reply_wait_ms", slack_reply_wait_ms, 0, 2500),
	INT("post_interval_ms", slack_post_interval_ms, 0, 60000),
	INT("ping_interval", slack_ping_interval, 1, 300),
	INT("stale_after", slack_stale_after, 2, 900),
	INT("backoff_max", slack_backoff_max, 1, 3600),
	{0}};
static const struct key keys_matrix[] = {
	KEY("homeserver", matrix_homeserver, K_URL),
	KEY("user_id", matrix_user_id, K_MXID),
	SECRET("access_token", matrix_access_token),
	SECRET("password", matrix_password),
	KEY("device_id", matrix_device_id, K_HANDLE),
	KEY("prefix", matrix_prefix, K_STRING),
	KEY("allow_invites_from", matrix_allow_invites, K_WORDS),
	INT("send_interval_ms", matrix_send_interval_ms, 0, 60000),
	INT("sync_timeout", matrix_sync_timeout, 1, 60),
	INT("backoff_max", matrix_backoff_max, 1, 3600),
	KEY("ca_file", matrix_ca_file, K_STRING),
	{0}};
static const struct key keys_clock[] = {
	KEY("autostart", clock_autostart, K_BOOL),
	KEY("digest_catch_up_until", clock_digest_catch_up, K_CLOCK),
	{0}};
static const struct key keys_daemon[] = {INT("stop_grace", daemon_stop_grace, 1, 300), {0}};
static const struct key keys_log[] = {KEY("level", log_level, K_LEVEL), {0}};
static const struct key keys_http[] = {
	KEY("listen", http_listen, K_LISTEN),
	KEY("public_url", http_public_url, K_URL),
	INT("max_body", http_max_body, 1024, 1 << 20),
	{0}};
#define D(field, kind) {#field, kind, offsetof(struct cfg_digest, field), sizeof(((struct cfg_digest *)0)->field), 0, 0, 0}
static const struct key keys_digest[] = {
	{"time", K_CLOCK, offsetof(struct cfg_digest, at), sizeof(long long), 0, 0, 0},
	D(timezone, K_ZONE), D(days, K_DAYS), D(jobs, K_WORDS), D(interviewers, K_WORDS), D(console, K_HANDLE),
	D(slack_channel, K_STRING), D(matrix_room, K_STRING), {0}};
static const struct key keys_person[] = {P(name, K_STRING),     P(email, K_EMAIL),     P(role, K_ROLE),
                                         P(timezone, K_ZONE),   P(slack_id, K_STRING), P(matrix_id, K_STRING),
                                         {0}};

struct section {
	const char *name;
	const struct key *keys;
	int live; /* a reload (SIGHUP) applies it; else a change needs a restart */
};
static const struct section sections[] = {
	{"store", keys_store, 0},         {"general", keys_general, 0}, {"console", keys_console, 0},
	{"mail", keys_mail, 0},           {"smtp", keys_smtp, 0},       {"imap", keys_imap, 0},
	{"reminders", keys_reminders, 1}, {"feedback", keys_feedback, 1}, {"clock", keys_clock, 1},
	{"slack", keys_slack, 0},         {"matrix", keys_matrix, 0},   {"daemon", keys_daemon, 1},
	{"log", keys_log, 1},             {"http", keys_http, 0},       {0}};

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
	cfg->mail_max_reply_size = 10 << 20;
	str_copy(cfg->mail_commands, sizeof cfg->mail_commands, "off");
	str_copy(cfg->matrix_device_id, sizeof cfg->matrix_device_id, "INTERVIEWD");
	str_copy(cfg->matrix_prefix, sizeof cfg->matrix_prefix, "!interview");
	cfg->matrix_send_interval_ms = 200;
	cfg->matrix_sync_timeout = 30;
	cfg->matrix_backoff_max = 60;
	str_copy(cfg->imap_tls, sizeof cfg->imap_tls, "implicit");
	str_copy(cfg->imap_folder, sizeof cfg->imap_folder, "INBOX");
	str_copy(cfg->imap_processed, sizeof cfg->imap_processed, "Processed");
	str_copy(cfg->imap_failed, sizeof cfg->imap_failed, "Failed");
	cfg->imap_interval = 15;
	cfg->imap_timeout = 30;
	cfg->reminder_leads = (struct cfg_spans){{86400, 3600}, 2};
	cfg->remind_panel_email = 1;
	cfg->remind_candidate = 1;
	cfg->feedback_request = 1;
	cfg->feedback_chase_after = 86400;
	cfg->feedback_escalate_after = 2 * 86400;
	cfg->clock_digest_catch_up = 12 * 60;
	str_copy(cfg->slack_api_url, sizeof cfg->slack_api_url, "https://slack.com/api/");
	cfg->slack_connections = 2;
	str_copy(cfg->slack_command, sizeof cfg->slack_command, "/interview");
	cfg->slack_reply_wait_ms = 1500;
	cfg->slack_post_interval_ms = 1000;
	cfg->slack_ping_interval = 10;
	cfg->slack_stale_after = 30;
	cfg->slack_backoff_max = 60;
	cfg->daemon_stop_grace = 10;
	str_copy(cfg->log_level, sizeof cfg->log_level, "info");
	cfg->http_max_body = 65536;
}

int cfg_matrix_on(const struct cfg *cfg) { return cfg->matrix_homeserver[0] != 0; }

int cfg_slack_on(const struct cfg *cfg)
{
	return cfg->slack_app_token[0] && cfg->slack_bot_token[0];
}

const char *cfg_slack_channel(const struct cfg *cfg, const char *job)
{
	for (int i = 0; job && *job && i < cfg->nslack_jobs; i++)
		if (strcasecmp(cfg->slack_jobs[i].job, job) == 0)
			return cfg->slack_jobs[i].channel;
	return cfg->slack_channel;
}

void cfg_free(struct cfg *cfg)
{
	free(cfg->people);
	cfg->people = NULL;
	cfg->npeople = 0;
	free(cfg->digests);
	cfg->digests = NULL;
	cfg->ndigests = 0;
	free(cfg->slack_jobs);
	cfg->slack_jobs = NULL;
	cfg->nslack_jobs = 0;
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

/* "host:port" with a port from 1 to 65535 ("" is fine: off). */
static int valid_listen(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (!*s)
		return 1;
	if (!colon || colon == s || str_has_control(s) || strchr(s, ' '))
		return 0;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	return *end == 0 && end != colon + 1 && port > 0 && port < 65536;
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
	case K_FOLDER:
		return *v && !strpbrk(v, "\"\\") && !str_has_control(v) ? NULL
		                                                        : "is not a folder name (no quotes or backslashes)";
	case K_URL:
		return (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0) && v[strlen(v) - 1] == '/' &&
		               !str_has_control(v) && !strchr(v, ' ')
		           ? NULL
		           : "is not a base URL (http:// or https://, ending in '/')";
	case K_MXID:
		return v[0] == '@' && strchr(v, ':') && strchr(v, ':') > v + 1 && strchr(v, ':')[1] && !strchr(v, ' ') &&
		               !str_has_control(v)
		           ? NULL
		           : "is not a Matrix user id (@name:server)";
	case K_MAILCMD:
		return strcmp(v, "off") == 0 || strcmp(v, "authenticated") == 0 || strcmp(v, "tag") == 0
		           ? NULL
		           : "is not a way to accept commands by email (off, authenticated or tag)";
	case K_LEVEL: return log_level_of(v) >= 0 ? NULL : "is not a log level (error, warn, info or debug)";
	case K_LISTEN: return valid_listen(v) ? NULL : "is not an address to listen on (host:port, e.g. \"127.0.0.1:8470\")";
	case K_TLS:
		return strcmp(v, "starttls") == 0 || strcmp(v, "optional") == 0 || strcmp(v, "implicit") == 0 ||
		               strcmp(v, "off") == 0
		           ? NULL
		           : "is not a TLS mode (starttls, optional, implicit or off)";
	default: return str_has_control(v) ? "holds control characters" : NULL;
	}
}

/* "90m", "24h", "2d" → seconds; -1 if unreadable. */
static long long parse_span(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);
	if (end == s || n < 0 || n > 100000 || end[1] != 0)
		return -1;
	return *end == 'm' ? n * 60 : *end == 'h' ? n * 3600 : *end == 'd' ? n * 86400 : -1;
}

/* "08:30" → minutes after midnight; -1 if unreadable. */
static long long parse_clock(const char *s)
{
	int h, m, used = 0;
	if (sscanf(s, "%2d:%2d%n", &h, &m, &used) != 2 || s[used] || h < 0 || h > 23 || m < 0 || m > 59 ||
	    strlen(s) != 5)
		return -1;
	return h * 60 + m;
}

static int parse_weekday(const char *s)
{
	static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	static const char *const full[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
	for (int i = 0; i < 7; i++)
		if (strcasecmp(s, names[i]) == 0 || strcasecmp(s, full[i]) == 0)
			return i;
	return -1;
}

/* One item of an array-valued key. */
static int set_item(const struct key *k, char *dst, const struct toml_kv *kv, const char *item, const char *file,
                    char *err, size_t errlen)
{
	const struct toml_value *v = kv->value;
	if (k->kind == K_DAYS) {
		int d = parse_weekday(item);
		if (d < 0)
			return fail(err, errlen, file, v->line, v->col, "\"%s\" in \"%s\" is not a weekday (mon ... sun)",
			            item, kv->key);
		*(long long *)(void *)dst |= 1LL << d;
		return 0;
	}
	if (k->kind == K_SPANS) {
		struct cfg_spans *sp = (struct cfg_spans *)(void *)dst;
		long long secs = parse_span(item);
		if (secs < k->min || secs > k->max)
			return fail(err, errlen, file, v->line, v->col, "\"%s\" in \"%s\" is not a length of time such as "
			                                                "\"24h\", \"90m\" or \"2d\" (1 minute to 30 days)",
			            item, kv->key);
		if (sp->n == CFG_LEADS_MAX)
			return fail(err, errlen, file, v->line, v->col, "\"%s\" takes at most %d values", kv->key, CFG_LEADS_MAX);
		sp->v[sp->n++] = secs;
		return 0;
	}
	struct cfg_words *w = (struct cfg_words *)(void *)dst;
	if (w->n == CFG_WORDS_MAX)
		return fail(err, errlen, file, v->line, v->col, "\"%s\" takes at most %d values", kv->key, CFG_WORDS_MAX);
	if (str_has_control(item) || str_copy(w->v[w->n], sizeof w->v[0], item) < 0)
		return fail(err, errlen, file, v->line, v->col, "a value in \"%s\" is too long or holds control characters",
		            kv->key);
	w->n++;
	return 0;
}

static int set_array(const struct key *k, char *dst, const struct toml_kv *kv, const char *file, char *err,
                     size_t errlen)
{
	const struct toml_value *v = kv->value;
	if (v->type != TOML_ARRAY)
		return fail(err, errlen, file, v->line, v->col, "\"%s\" takes an array of strings, e.g. [\"%s\"]", kv->key,
		            k->kind == K_DAYS ? "mon" : k->kind == K_SPANS ? "24h" : "...");
	memset(dst, 0, k->size);
	for (size_t i = 0; i < v->nitems; i++)
		if (set_item(k, dst, kv, v->items[i], file, err, errlen) < 0)
			return -1;
	if (k->kind == K_DAYS && *(long long *)(void *)dst == 0)
		return fail(err, errlen, file, v->line, v->col, "\"%s\" needs at least one weekday", kv->key);
	return 0;
}

/* K_BOOL, K_SPAN and K_CLOCK: one value read into a long long. */
static int set_number(const struct key *k, char *dst, const struct toml_kv *kv, const char *file, char *err,
                      size_t errlen)
{
	const struct toml_value *v = kv->value;
	long long *out = (long long *)(void *)dst;
	if (k->kind == K_BOOL) {
		if (v->type != TOML_BOOL)
			return fail(err, errlen, file, v->line, v->col, "\"%s\" takes true or false", kv->key);
		*out = v->b;
		return 0;
	}
	long long n = v->type != TOML_STRING ? -1 : k->kind == K_SPAN ? parse_span(v->s) : parse_clock(v->s);
	if (k->kind == K_CLOCK && n < 0)
		return fail(err, errlen, file, v->line, v->col, "\"%s\" takes a time of day such as \"08:30\"", kv->key);
	if (k->kind == K_SPAN && (n < k->min || n > k->max))
		return fail(err, errlen, file, v->line, v->col, "\"%s\" takes a length of time such as \"24h\", \"90m\" "
		                                                "or \"2d\" (1 minute to 30 days)", kv->key);
	*out = n;
	return 0;
}

static int set_value(const struct key *k, void *base, const struct toml_kv *kv, const char *file, char *err,
                     size_t errlen)
{
	const struct toml_value *v = kv->value;
	char *dst = (char *)base + k->off;
	if (is_array(k->kind))
		return set_array(k, dst, kv, file, err, errlen);
	if (k->kind == K_BOOL || k->kind == K_SPAN || k->kind == K_CLOCK)
		return set_number(k, dst, kv, file, err, errlen);
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
		if (k->secret && !from_env && kv->value->type == TOML_STRING && kv->value->s[0])
			((struct cfg *)base)->secrets_in_file = 1; /* only struct cfg's tables have secrets */
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

static int add_digest(struct cfg *cfg, const struct toml_kv *kv, const char *file, char *err, size_t errlen)
{
	if (kv->value->type != TOML_TABLE)
		return fail(err, errlen, file, kv->line, kv->col, "\"%s\" in [digest] must be a table [digest.%s]",
		            kv->key, kv->key);
	if (!valid_handle(kv->key))
		return fail(err, errlen, file, kv->line, kv->col, "\"%s\" is not a channel name (letters, digits, '.', "
		                                                  "'_' or '-', at most 32)", kv->key);
	struct cfg_digest *grown = realloc(cfg->digests, (size_t)(cfg->ndigests + 1) * sizeof *grown);
	if (!grown)
		return fail(err, errlen, file, kv->line, kv->col, "out of memory");
	cfg->digests = grown;
	struct cfg_digest *d = &cfg->digests[cfg->ndigests++];
	memset(d, 0, sizeof *d);
	str_copy(d->name, sizeof d->name, kv->key);
	d->at = 8 * 60 + 30;
	d->days = 0x3e; /* Monday to Friday */
	d->line = kv->line;
	d->col = kv->col;
	char where[64];
	snprintf(where, sizeof where, "[digest.%s]", kv->key);
	if (apply_table(keys_digest, d, kv->value, where, file, err, errlen) < 0)
		return -1;
	if (!d->console[0] && !d->slack_channel[0] && !d->matrix_room[0])
		return fail(err, errlen, file, kv->line, kv->col, "[digest.%s] says nowhere to deliver: add console = "
		            "\"HANDLE\" (the person whose console shows it), slack_channel = \"C0123\" or matrix_room = "
		            "\"!room:server\"", kv->key);
	return 0;
}

/* [slack.jobs]: "Job title" = "C0123" pairs. */
static int add_job_channels(struct cfg *cfg, const struct toml_kv *kv, const char *file, char *err, size_t errlen)
{
	const struct toml_value *t = kv->value;
	free(cfg->slack_jobs);
	cfg->nslack_jobs = 0;
	cfg->slack_jobs = calloc(t->nkv ? t->nkv : 1, sizeof *cfg->slack_jobs);
	if (!cfg->slack_jobs)
		return fail(err, errlen, file, kv->line, kv->col, "out of memory");
	for (size_t i = 0; i < t->nkv; i++) {
		const struct toml_kv *j = &t->kv[i];
		struct cfg_job_channel *c = &cfg->slack_jobs[cfg->nslack_jobs++];
		if (j->value->type != TOML_STRING || !j->value->s[0] || str_has_control(j->value->s))
			return fail(err, errlen, file, j->line, j->col, "[slack.jobs] \"%s\" takes a channel id such as "
			                                                "\"C0123ABCD\"", j->key);
		if (str_copy(c->job, sizeof c->job, j->key) < 0 || str_copy(c->channel, sizeof c->channel, j->value->s) < 0)
			return fail(err, errlen, file, j->line, j->col, "[slack.jobs] \"%s\" is too long", j->key);
	}
	return 0;
}

/* [slack]: its keys, and the [slack.jobs] table inside. */
static int apply_slack(struct cfg *cfg, const struct toml_value *t, const char *file, char *err, size_t errlen)
{
	struct toml_value keys = *t;
	struct toml_kv kvs[64];
	keys.nkv = 0;
	keys.kv = kvs;
	for (size_t i = 0; i < t->nkv; i++) {
		if (strcmp(t->kv[i].key, "jobs") == 0 && t->kv[i].value->type == TOML_TABLE) {
			if (add_job_channels(cfg, &t->kv[i], file, err, errlen) < 0)
				return -1;
		} else if (keys.nkv < sizeof kvs / sizeof kvs[0]) {
			kvs[keys.nkv++] = t->kv[i];
		}
	}
	return apply_table(keys_slack, cfg, &keys, "[slack]", file, err, errlen);
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
	if (strcmp(sec->key, "digest") == 0) {
		for (size_t i = 0; i < sec->value->nkv; i++)
			if (add_digest(cfg, &sec->value->kv[i], file, err, errlen) < 0)
				return -1;
		return 0;
	}
	struct str_suggest sg;
	str_suggest_init(&sg, sec->key);
	str_suggest_offer(&sg, "people");
	str_suggest_offer(&sg, "digest");
	for (const struct section *s = sections; s->name; s++) {
		char where[64];
		snprintf(where, sizeof where, "[%s]", s->name);
		if (strcmp(s->name, sec->key) == 0) {
			const struct toml_kv *as = toml_get(sec->value, "as");
			if (strcmp(s->name, "slack") == 0)
				return apply_slack(cfg, sec->value, file, err, errlen);
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

/* Checks that need several keys at once: unique emails, names that must name people,
 * digest zones that default to [general]'s. */
static int check_names(const struct cfg *cfg, const char *file, char *err, size_t errlen)
{
	for (int i = 0; i < cfg->npeople; i++)
		for (int j = 0; j < i; j++)
			if (cfg->people[i].email[0] && strcasecmp(cfg->people[i].email, cfg->people[j].email) == 0)
				return fail(err, errlen, file, cfg->people[i].line, cfg->people[i].col,
				            "[people.%s] has the same email as [people.%s] (line %d)", cfg->people[i].handle,
				            cfg->people[j].handle, cfg->people[j].line);
	for (int i = 0; i < cfg->ndigests; i++) {
		struct cfg_digest *d = &cfg->digests[i];
		if (!d->timezone[0])
			str_copy(d->timezone, sizeof d->timezone, cfg->timezone);
		int known = !d->console[0];
		for (int j = 0; j < cfg->npeople; j++)
			known |= strcasecmp(cfg->people[j].handle, d->console) == 0;
		if (!known)
			return fail(err, errlen, file, d->line, d->col, "[digest.%s] console = \"%s\" names nobody in [people]",
			            d->name, d->console);
	}
	if (!cfg->slack_app_token[0] != !cfg->slack_bot_token[0])
		return fail(err, errlen, file, 1, 1, "[slack] needs both app_token (xapp-...) and bot_token (xoxb-...); "
		                                     "only %s is set", cfg->slack_app_token[0] ? "app_token" : "bot_token");
	for (int i = 0; i < cfg->ndigests; i++)
		if (cfg->digests[i].slack_channel[0] && !cfg_slack_on(cfg))
			return fail(err, errlen, file, cfg->digests[i].line, cfg->digests[i].col,
			            "[digest.%s] slack_channel needs the Slack front end: set [slack] app_token and bot_token",
			            cfg->digests[i].name);
	if (cfg_matrix_on(cfg) && cfg_slack_on(cfg))
		return fail(err, errlen, file, 1, 1, "[matrix] and [slack] are both set: run one chat front end per "
		                                     "database (two daemons, two databases, if you need both)");
	if (cfg_matrix_on(cfg) && (!cfg->matrix_user_id[0] || (!cfg->matrix_access_token[0] && !cfg->matrix_password[0])))
		return fail(err, errlen, file, 1, 1, "[matrix] needs user_id and access_token (or password, to log in "
		                                     "once)");
	for (int i = 0; i < cfg->ndigests; i++)
		if (cfg->digests[i].matrix_room[0] && !cfg_matrix_on(cfg))
			return fail(err, errlen, file, cfg->digests[i].line, cfg->digests[i].col,
			            "[digest.%s] matrix_room needs the Matrix front end: set [matrix] homeserver",
			            cfg->digests[i].name);
	if (strcmp(cfg->mail_commands, "authenticated") == 0 && !cfg->mail_authserv_id[0])
		return fail(err, errlen, file, 1, 1, "[mail] commands = \"authenticated\" needs authserv_id: the name your "
		                                     "receiving server writes at the start of its Authentication-Results");
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
		rc = check_names(cfg, path, err, errlen);
	if (rc < 0)
		cfg_free(cfg);
	return rc;
}


/* [slack] channel is read for each card, so it changes live although [slack] does not. */
static int key_live(const struct section *s, const struct key *k)
{
	return s->live || (strcmp(s->name, "slack") == 0 && strcmp(k->name, "channel") == 0);
}

void cfg_restart_keys(const struct cfg *old, const struct cfg *new, char *out, size_t outlen)
{
	size_t used = 0;
	out[0] = 0;
	for (const struct section *s = sections; s->name; s++)
		for (const struct key *k = s->keys; k->name; k++) {
			const char *a = (const char *)old + k->off, *b = (const char *)new + k->off;
			if (key_live(s, k) || (is_text(k->kind) ? strcmp(a, b) == 0 : memcmp(a, b, k->size) == 0))
				continue;
			int n = snprintf(out + used, outlen - used, "%s[%s] %s", used ? ", " : "", s->name, k->name);
			if (n < 0 || (size_t)n >= outlen - used)
				return;
			used += (size_t)n;
		}
}

#define SWAP(a, b) do { __typeof__(a) t_ = (a); (a) = (b); (b) = t_; } while (0)

void cfg_apply_live(struct cfg *cfg, struct cfg *new)
{
	for (const struct section *s = sections; s->name; s++)
		for (const struct key *k = s->keys; k->name; k++)
			if (key_live(s, k))
				memcpy((char *)cfg + k->off, (const char *)new + k->off, k->size);
	SWAP(cfg->people, new->people);
	SWAP(cfg->npeople, new->npeople);
	SWAP(cfg->digests, new->digests);
	SWAP(cfg->ndigests, new->ndigests);
	SWAP(cfg->slack_jobs, new->slack_jobs);
	SWAP(cfg->nslack_jobs, new->nslack_jobs);
}

int cfg_exposed(const struct cfg *cfg, char *why, size_t whylen)
{
	struct stat sb;
	if (!cfg->secrets_in_file || !cfg->path[0] || stat(cfg->path, &sb) < 0 || !(sb.st_mode & (S_IRWXG | S_IRWXO)))
		return 0;
	snprintf(why, whylen, "%s holds secrets and is readable by %s (mode %04o): chmod 600 it, or give them as "
	         "NAME_env = \"VARIABLE\"", cfg->path, sb.st_mode & S_IRWXO ? "others" : "its group",
	         (unsigned)(sb.st_mode & 07777));
	return 1;
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

static void print_span(FILE *out, long long s)
{
	if (s % 86400 == 0)
		fprintf(out, "\"%lldd\"", s / 86400);
	else if (s % 3600 == 0)
		fprintf(out, "\"%lldh\"", s / 3600);
	else
		fprintf(out, "\"%lldm\"", s / 60);
}

/* The array-valued kinds, as TOML arrays. */
static void print_array(FILE *out, const struct key *k, const char *v)
{
	static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	const char *sep = "";
	fprintf(out, "%s = [", k->name);
	if (k->kind == K_DAYS) {
		long long mask = *(const long long *)(const void *)v;
		for (int d = 0; d < 7; d++)
			if (mask & (1LL << d)) {
				fprintf(out, "%s\"%s\"", sep, days[d]);
				sep = ", ";
			}
	} else if (k->kind == K_SPANS) {
		const struct cfg_spans *sp = (const void *)v;
		for (int i = 0; i < sp->n; i++, sep = ", ") {
			fputs(sep, out);
			print_span(out, sp->v[i]);
		}
	} else {
		const struct cfg_words *w = (const void *)v;
		for (int i = 0; i < w->n; i++, sep = ", ") {
			fputs(sep, out);
			print_string(out, w->v[i]);
		}
	}
	fputs("]\n", out);
}

/* The kinds held in a long long. */
static void print_number(FILE *out, const struct key *k, long long n)
{
	fprintf(out, "%s = ", k->name);
	if (k->kind == K_BOOL)
		fputs(n ? "true" : "false", out);
	else if (k->kind == K_SPAN)
		print_span(out, n);
	else if (k->kind == K_CLOCK)
		fprintf(out, "\"%02lld:%02lld\"", n / 60, n % 60);
	else
		fprintf(out, "%lld", n);
	fputc('\n', out);
}

static void print_keys(FILE *out, const struct key *keys, const void *base)
{
	for (const struct key *k = keys; k->name; k++) {
		const char *v = (const char *)base + k->off;
		if (is_array(k->kind)) {
			print_array(out, k, v);
			continue;
		}
		if (is_number(k->kind)) {
			print_number(out, k, *(const long long *)(const void *)v);
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
	if (cfg->nslack_jobs)
		fputs("\n[slack.jobs]\n", out);
	for (int i = 0; i < cfg->nslack_jobs; i++) {
		print_string(out, cfg->slack_jobs[i].job);
		fputs(" = ", out);
		print_string(out, cfg->slack_jobs[i].channel);
		fputc('\n', out);
	}
	for (int i = 0; i < cfg->ndigests; i++) {
		fprintf(out, "\n[digest.%s]\n", cfg->digests[i].name);
		print_keys(out, keys_digest, &cfg->digests[i]);
	}
}
