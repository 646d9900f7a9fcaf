/* main.c: the interviewd binary — subcommands, options, and the wiring of config,
 * store and front ends. The only place that exits. */
#include "bot/app.h"
#include "bot/cfg.h"
#include "bot/console.h"
#include "bot/daemon.h"
#include "bot/export.h"
#include "commands/access.h"
#include "bot/frontend.h"
#include "bot/sender.h"
#include "bot/timer.h"
#include "lib/clock.h"
#include "lib/tz.h"
#include "mail/bymail.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION "0.1.0"

static const char usage_main[] =
	"usage: interviewd [-c FILE] COMMAND [options]\n"
	"\n"
	"An interview-scheduling assistant: recruiters schedule, reschedule, cancel and\n"
	"complete interviews by typing commands; everything is kept in SQLite.\n"
	"\n"
	"commands:\n"
	"  run            run the daemon: Slack or Matrix when configured, else the console\n"
	"  console        type commands as a configured person and read the replies\n"
	"  check-config   validate a config file and print the effective settings\n"
	"  digest         print a team channel's digest now (--channel NAME)\n"
	"  ingest-mail    read one email from standard input (feedback, RSVPs, candidates)\n"
	"  mail-address   print the addresses people send commands by email to\n"
	"  api-token      print a person's bearer token for the HTTP API\n"
	"  feed-url       print a person's or a team's calendar feed address\n"
	"  backup         copy the database to a file, safely while the daemon runs\n"
	"  export         write every interview and its feedback as CSV, JSON or iCalendar\n"
	"  version        print the version\n"
	"  help           print this help\n"
	"\n"
	"options:\n"
	"  -c, --config FILE   settings (see config.example.toml); without it the embedded\n"
	"                      defaults: ./interviewd.db, the machine's time zone, emails\n"
	"                      written to ./interviewd-mail/\n"
	"  -h, --help          help for interviewd or for a command\n"
	"\n"
	"environment:\n"
	"  INTERVIEWD_NOW      fix the clock, e.g. 2031-03-10T09:00:00+01:00 (for tests)\n";

static const char usage_console[] =
	"usage: interviewd [-c FILE] console [--as HANDLE] [--json]\n"
	"\n"
	"Reads commands from standard input, one per line (\"/interview\" in front is\n"
	"optional; lines starting with # are skipped), and prints each reply. Type \"help\"\n"
	"for the commands, \"quit\" to leave.\n"
	"\n"
	"  --as HANDLE   act as this configured person (default: [console] as, or with no\n"
	"                people configured, the local recruiter \"local\")\n"
	"  --json        print each reply as one line of JSON: {\"success\": ..., \"data\": ...}\n"
	"\n"
	"Beside a running daemon (run) on the same database it only runs the commands and\n"
	"shows your chat lines; the daemon sends the mail and runs the clock.\n";

static const char usage_run[] =
	"usage: interviewd [-c FILE] run [--as HANDLE] [--json] | run --headless\n"
	"\n"
	"Runs the assistant. With [slack] configured (both tokens) it connects to Slack over\n"
	"Socket Mode and serves /interview, buttons and forms; with [matrix] homeserver set\n"
	"it syncs with the Matrix homeserver and serves !interview in its rooms. Either way\n"
	"it sends email and runs the clock until SIGTERM or SIGINT (exit 0; 1 when Matrix\n"
	"refused its token); logs go to standard error. With neither configured\n"
	"it runs the console front end on standard input (same options as \"console\"),\n"
	"writing emails to the mail folder. Either way, with [imap] host set it also reads\n"
	"the replies that arrive in that mailbox (feedback, answers to invites, candidates).\n"
	"One run per database: a second one is refused (DATABASE.lock).\n"
	"\n"
	"  --headless   no console: only email, the clock and the HTTP endpoint (for a service\n"
	"               manager, when no chat front end is configured)\n"
	"\n"
	"Signals: SIGTERM or SIGINT stop it (exit 0 within [daemon] stop_grace seconds); SIGHUP\n"
	"reads the config again and applies [reminders], [feedback], [clock], [daemon], [log],\n"
	"[people.*], [digest.*], [slack] channel and [slack.jobs], logging any other change as\n"
	"needing a restart. Under systemd (Type=notify) it reports READY, RELOADING, STOPPING\n"
	"and feeds the watchdog. With [http] listen set it serves /healthz, /metrics, the API\n"
	"and the calendar feeds.\n";

static const char usage_check[] =
	"usage: interviewd check-config [FILE]\n"
	"\n"
	"Validates FILE (or the -c FILE) and prints the effective settings, secrets masked,\n"
	"with a warning when the file holds a secret that its group or others may read.\n"
	"Exits 1 with file:line:col: reason when something is wrong. With [slack]\n"
	"configured it also tries both tokens (auth.test, apps.connections.open) and says\n"
	"which scopes are missing; with [matrix], the homeserver and the token (whoami).\n"
	"Exits 1 when one does not work.\n";

static const char usage_digest[] =
	"usage: interviewd [-c FILE] digest --channel NAME\n"
	"\n"
	"Prints the digest of the team channel [digest.NAME] as it would be sent now (for\n"
	"testing a channel, and for cron users). Sends nothing and records nothing.\n";

static const char usage_ingest[] =
	"usage: interviewd [-c FILE] ingest-mail < MESSAGE\n"
	"\n"
	"Reads one email (RFC 5322, as an MTA delivers it to a program) from standard input\n"
	"and does what the IMAP poller would: a genuine reply to a feedback request records\n"
	"the feedback, a calendar answer to an invite is recorded, a candidate's reply goes\n"
	"to the recruiter; anything else changes nothing and is answered by nobody. Prints the\n"
	"outcome in one line. Exits 0 when the message was dealt with (recorded, ignored or\n"
	"refused: the MTA must not bounce it), 75 (EX_TEMPFAIL) when the store failed and\n"
	"the MTA should deliver it again later. Emails it queues are sent before it exits,\n"
	"or, while a daemon runs on the database, by that daemon (woken with SIGUSR1).\n"
	"With [mail] commands on, a recruiter's or interviewer's message runs as commands\n"
	"and its answer is queued (and sent) the same way.\n";

static const char usage_address[] =
	"usage: interviewd [-c FILE] mail-address [HANDLE...]\n"
	"\n"
	"Prints, for each person named (default: every configured person), the address\n"
	"they send commands by email to when [mail] commands = \"tag\": the reply address\n"
	"with their own signed tag, \"handle<TAB>address\" per line. Keep them as secret as\n"
	"a password; a new [mail] token_secret changes every one of them.\n";

static const char usage_token[] =
	"usage: interviewd [-c FILE] api-token HANDLE [--rotate]\n"
	"\n"
	"Prints the bearer token with which HANDLE's programs call the HTTP API\n"
	"(Authorization: Bearer TOKEN); the API then lets them do what HANDLE may do in chat.\n"
	"The same token is printed until --rotate makes a new one; the old one then stops\n"
	"working. Keep it as secret as a password.\n";

static const char usage_feed[] =
	"usage: interviewd [-c FILE] feed-url HANDLE [--rotate]\n"
	"       interviewd [-c FILE] feed-url --team NAME [--rotate]\n"
	"\n"
	"Prints the secret address of a calendar feed to subscribe to: HANDLE's interviews, or\n"
	"those of the team channel [digest.NAME] (its jobs and interviewers), from 30 days back\n"
	"to 90 ahead. Served by the HTTP endpoint ([http] listen; the address starts with\n"
	"[http] public_url). --rotate gives it a new address; the old one stops working.\n"
	"People get their own with the chat command \"feed\".\n";

static const char usage_backup[] =
	"usage: interviewd [-c FILE] backup FILE\n"
	"\n"
	"Copies the database to FILE with SQLite's online backup: a consistent copy even while\n"
	"the daemon runs and writes. Written to FILE.tmp, checked, then renamed over FILE.\n"
	"To restore: stop the daemon, copy FILE over [store] path (removing any -wal and -shm\n"
	"files beside it), start the daemon.\n";

static const char usage_export[] =
	"usage: interviewd [-c FILE] export --format csv|json|ics [--output FILE]\n"
	"\n"
	"Writes every interview with its feedback to standard output (or FILE): csv, one row\n"
	"per interview and interviewer's feedback; json, {\"interviews\": [...]} with the\n"
	"fields of console --json; ics, a calendar of them all (reschedules' originals left\n"
	"out). Safe while the daemon runs: it reads one consistent snapshot.\n";

static int wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

/* Prints "interviewd: WHAT ARG" and the usage; returns the usage exit status. */
static int usage_error(const char *usage, const char *what, const char *arg)
{
	fprintf(stderr, "interviewd: %s%s%s%s\n%s", what, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "", usage);
	return 2;
}

static int parse_console(int argc, char **argv, struct console_opts *o, const char *usage)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o->json = 1;
		else if (strcmp(argv[i], "--as") == 0 && i + 1 < argc)
			o->as = argv[++i];
		else if (strncmp(argv[i], "--as=", 5) == 0)
			o->as = argv[i] + 5;
		else
			return usage_error(usage, "unexpected argument", argv[i]);
	}
	return 0;
}

static int cmd_console(const char *config, int argc, char **argv, const char *usage)
{
	struct console_opts o = {0};
	struct app app;
	char err[1024];
	time_t now;
	if (wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (parse_console(argc, argv, &o, usage))
		return 2;
	if (clock_now(&now, err, sizeof err) < 0 || app_open(&app, config, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	int daemon = usage == usage_run; /* "run" with no chat front end is this console */
	if (app_lock(&app, daemon ? "run" : "console", err, sizeof err) < 0 &&
	    (daemon || !(o.daemon = app_lock_holder(&app)))) {
		fprintf(stderr, "interviewd: %s\n", err);
		app_close(&app);
		return 1;
	}
	if (daemon)
		daemon_signals(app.cfg.daemon_stop_grace);
	o.serve = daemon;
	int rc = console_run(&app, &o, stdin, stdout);
	app_close(&app);
	return rc;
}

static int cmd_check(const char *config, int argc, char **argv)
{
	struct cfg cfg;
	char err[1024];
	if (wants_help(argc, argv)) {
		fputs(usage_check, stdout);
		return 0;
	}
	if (argc > 1)
		return usage_error(usage_check, "unexpected argument", argv[1]);
	if (argc == 1)
		config = argv[0];
	if (cfg_load(config, &cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	cfg_print(&cfg, stdout);
	char why[1200];
	if (cfg_exposed(&cfg, why, sizeof why))
		printf("\n# warning: %s\n", why);
	const struct frontend *fe = frontend_of(&cfg);
	int rc = fe ? fe->check(&cfg, stdout) : 0;
	cfg_free(&cfg);
	return rc;
}

/* run: the chat front end the config turns on (Slack, Matrix), else the console. */
static int cmd_run(const char *config, int argc, char **argv)
{
	struct cfg probe;
	char err[1024];
	/* a config that does not load: the console reports its error */
	if (wants_help(argc, argv) || cfg_load(config, &probe, err, sizeof err) < 0)
		return cmd_console(config, argc, argv, usage_run);
	const struct frontend *fe = frontend_of(&probe);
	cfg_free(&probe);
	int headless = argc == 1 && strcmp(argv[0], "--headless") == 0;
	if (!fe && !headless)
		return cmd_console(config, argc, argv, usage_run);
	if (argc > 0 && !headless)
		return usage_error(usage_run, "unexpected argument (--as and --json are for the console)", argv[0]);
	if (fe && headless)
		return usage_error(usage_run, "--headless is for a daemon without a chat front end, but this config turns "
		                              "one on:", fe->name);
	struct app app;
	time_t now;
	if (clock_now(&now, err, sizeof err) < 0 || app_open(&app, config, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	if (app_lock(&app, "run", err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		app_close(&app);
		return 1;
	}
	daemon_signals(app.cfg.daemon_stop_grace);
	int rc = fe ? fe->run(&app, &daemon_stopping) : daemon_headless(&app);
	app_close(&app);
	return rc;
}

static int cmd_digest(const char *config, int argc, char **argv)
{
	struct app app;
	char err[1024];
	const char *name = NULL;
	time_t now;
	if (wants_help(argc, argv))
		return fputs(usage_digest, stdout), 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--channel") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strncmp(argv[i], "--channel=", 10) == 0)
			name = argv[i] + 10;
		else
			return usage_error(usage_digest, "unexpected argument", argv[i]);
	}
	if (!name)
		return usage_error(usage_digest, "which channel? --channel NAME", NULL);
	if (clock_now(&now, err, sizeof err) < 0 || app_open(&app, config, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	int rc = timer_digest_print(&app, name, now, stdout, err, sizeof err);
	if (rc)
		fprintf(stderr, "interviewd: %s\n", err);
	app_close(&app);
	return rc;
}

/* Standard input, at most MAX + 1 bytes (more is refused unread anyway). */
static char *read_stdin(size_t max, size_t *len)
{
	size_t cap = 65536;
	char *buf = malloc(cap);
	*len = 0;
	while (buf) {
		if (*len == cap) {
			char *grown = cap > max ? NULL : realloc(buf, cap * 2);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		size_t got = fread(buf + *len, 1, cap - *len, stdin);
		*len += got;
		if (got == 0 || *len > max)
			break;
	}
	return buf;
}

static int cmd_ingest(const char *config, int argc, char **argv)
{
	struct app app;
	struct inbound_result res;
	char err[1024];
	time_t now;
	size_t len;
	if (wants_help(argc, argv))
		return fputs(usage_ingest, stdout), 0;
	if (argc > 0)
		return usage_error(usage_ingest, "unexpected argument", argv[0]);
	if (clock_now(&now, err, sizeof err) < 0 || app_open(&app, config, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 75;
	}
	char *raw = read_stdin(app.in.max_bytes, &len);
	if (!raw) {
		fprintf(stderr, "interviewd: out of memory\n");
		app_close(&app);
		return 75;
	}
	inbound_process(app.st, &app.set, &app.in, raw, len, now, &res);
	free(raw);
	printf("%s: %s\n", inbound_outcome_name(res.outcome), res.why);
	/* What it queued goes out now: sent here when no daemon runs, else the daemon
	 * (which holds the lock) is woken to send it, so that one process sends. */
	struct sender mail;
	long daemon = app_lock(&app, "ingest-mail", err, sizeof err) == 0 ? 0 : app_lock_holder(&app);
	if (daemon > 0 && kill((pid_t)daemon, SIGUSR1) < 0) {
		fprintf(stderr, "interviewd: could not wake the daemon (pid %ld): %s; sending here\n", daemon,
		        strerror(errno));
		daemon = 0;
	}
	if (!daemon && sender_start(&mail, &app.cfg, err, sizeof err) == 0)
		sender_stop(&mail);
	app_close(&app);
	return res.outcome == IN_FAILED ? 75 : 0;
}

/* The recruiter or interviewer HANDLE (mail-address, the token commands); 0 found, -1
 * said why. */
static int known_person(struct app *app, const char *handle, struct store_person *p)
{
	int found = store_person_by_handle(app->st, handle, p);
	if (found == 1 && p->role != ROLE_NONE)
		return 0;
	fprintf(stderr, "interviewd: %s: %s\n", handle,
	        found < 0 ? store_error(app->st) : "no recruiter or interviewer has this handle");
	return -1;
}

static int print_address(struct app *app, const char *handle)
{
	struct store_person p;
	char addr[STORE_EMAIL_MAX + 64];
	if (known_person(app, handle, &p) < 0)
		return -1;
	if (bymail_tag_address(app->st, &app->in, p.id, addr, sizeof addr) < 0) {
		fprintf(stderr, "interviewd: %s: the reply address %s cannot take a tag\n", handle, app->in.reply_address);
		return -1;
	}
	printf("%s\t%s\n", p.handle, addr);
	return 0;
}

static int cmd_address(const char *config, int argc, char **argv)
{
	struct app app;
	char err[1024];
	int rc = 0;
	if (wants_help(argc, argv))
		return fputs(usage_address, stdout), 0;
	if (app_open(&app, config, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	if (app.in.commands != IN_COMMANDS_TAG)
		fprintf(stderr, "interviewd: note: [mail] commands is \"%s\", so these addresses are not needed yet\n",
		        app.cfg.mail_commands);
	for (int i = 0; i < argc; i++)
		rc |= print_address(&app, argv[i]);
	for (int i = 0; !argc && i < app.cfg.npeople; i++)
		rc |= print_address(&app, app.cfg.people[i].handle);
	app_close(&app);
	return rc ? 1 : 0;
}

/* api-token and feed-url: KIND 'a' or 'f'/'t'. */
static int cmd_token(const char *config, int argc, char **argv, char kind, const char *usage)
{
	const char *who = NULL;
	int rotate = 0, team = 0;
	if (wants_help(argc, argv))
		return fputs(usage, stdout), 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--rotate") == 0)
			rotate = 1;
		else if (kind == 'f' && strcmp(argv[i], "--team") == 0 && i + 1 < argc && !who)
			team = 1, who = argv[++i];
		else if (argv[i][0] != '-' && !who)
			who = argv[i];
		else
			return usage_error(usage, "unexpected argument", argv[i]);
	}
	if (!who)
		return usage_error(usage, kind == 'a' ? "whose token? give a HANDLE" : "whose feed? give a HANDLE or --team NAME",
		                   NULL);
	struct app app;
	struct store_person p;
	char err[1024], subject[STORE_NAME_MAX + 1], token[ACCESS_TOKEN_MAX], url[1200];
	time_t now;
	if (clock_now(&now, err, sizeof err) < 0 || app_open(&app, config, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	int rc = 1, known = 0;
	for (int i = 0; team && i < app.cfg.ndigests; i++)
		known |= strcmp(app.cfg.digests[i].name, who) == 0;
	if (team)
		snprintf(subject, sizeof subject, "%s", who);
	if (team && !known) {
		fprintf(stderr, "interviewd: no team channel [digest.%s] in %s\n", who,
		        app.cfg.path[0] ? app.cfg.path : "the config");
	} else if (!team && known_person(&app, who, &p) < 0) {
		/* said why */
	} else if (kind == 'f' && !app.feed_base[0]) {
		fprintf(stderr, "interviewd: calendar feeds are served by the HTTP endpoint: set [http] listen first\n");
	} else {
		if (!team)
			snprintf(subject, sizeof subject, "%lld", (long long)p.id);
		if (store_begin(app.st) < 0 || access_token(app.st, team ? 't' : kind, subject, rotate, now, token) < 0 ||
		    store_commit(app.st) < 0)
			fprintf(stderr, "interviewd: %s\n", store_error(app.st));
		else
			rc = 0;
	}
	if (rc == 0 && kind == 'f')
		access_feed_url(app.feed_base, token, url, sizeof url);
	if (rc == 0)
		printf("%s\n", kind == 'f' ? url : token);
	app_close(&app);
	return rc;
}

static int cmd_backup(const char *config, int argc, char **argv)
{
	struct app app;
	char err[1024];
	if (wants_help(argc, argv))
		return fputs(usage_backup, stdout), 0;
	if (argc != 1 || argv[0][0] == '-')
		return usage_error(usage_backup, argc ? "unexpected argument" : "where to? give a FILE", argc ? argv[argc > 1] : NULL);
	if (app_open(&app, config, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	int rc = store_backup(app.st, argv[0], err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "interviewd: backup failed: %s\n", err);
	else
		printf("backed up %s to %s (schema %d, checked)\n", app.cfg.database, argv[0], store_schema_version());
	app_close(&app);
	return rc < 0 ? 1 : 0;
}

static int cmd_export(const char *config, int argc, char **argv)
{
	const char *format = NULL, *output = NULL;
	if (wants_help(argc, argv))
		return fputs(usage_export, stdout), 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			format = argv[i] + 9;
		else if ((strcmp(argv[i], "--output") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc)
			output = argv[++i];
		else if (strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "--output") == 0 || strcmp(argv[i], "-o") == 0)
			return usage_error(usage_export, "this option needs a value:", argv[i]);
		else
			return usage_error(usage_export, "unexpected argument", argv[i]);
	}
	if (!format || (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0 && strcmp(format, "ics") != 0))
		return usage_error(usage_export, format ? "the format is csv, json or ics, not" : "which format? --format", format);
	struct app app;
	char err[1024];
	if (app_open(&app, config, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	FILE *out = output ? fopen(output, "w") : stdout;
	int rc = out ? export_write(&app, format, out, err, sizeof err) : -1;
	if (!out)
		snprintf(err, sizeof err, "%s: %s", output, strerror(errno));
	if (out && output && fclose(out) != 0 && rc == 0) {
		snprintf(err, sizeof err, "%s: %s", output, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		fprintf(stderr, "interviewd: export failed: %s\n", err);
	app_close(&app);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	int i = 1;
	tz_init();
	if (store_init() < 0) {
		fprintf(stderr, "interviewd: SQLite was in use before store_init\n");
		return 1;
	}
	g_mime_init();
	signal(SIGUSR1, SIG_IGN); /* a wake-up for the mail sender, once it runs (bot/sender.h) */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return fputs(usage_main, stdout), 0;
		else
			return usage_error(usage_main, "unknown option", argv[i]);
	}
	if (i == argc)
		return usage_error(usage_main, "a command is needed", NULL);
	const char *cmd = argv[i++];
	if (strcmp(cmd, "console") == 0)
		return cmd_console(config, argc - i, argv + i, usage_console);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(config, argc - i, argv + i);
	if (strcmp(cmd, "check-config") == 0)
		return cmd_check(config, argc - i, argv + i);
	if (strcmp(cmd, "digest") == 0)
		return cmd_digest(config, argc - i, argv + i);
	if (strcmp(cmd, "ingest-mail") == 0)
		return cmd_ingest(config, argc - i, argv + i);
	if (strcmp(cmd, "mail-address") == 0)
		return cmd_address(config, argc - i, argv + i);
	if (strcmp(cmd, "api-token") == 0)
		return cmd_token(config, argc - i, argv + i, 'a', usage_token);
	if (strcmp(cmd, "feed-url") == 0)
		return cmd_token(config, argc - i, argv + i, 'f', usage_feed);
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(config, argc - i, argv + i);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(config, argc - i, argv + i);
	if (strcmp(cmd, "version") == 0)
		return printf("interviewd %s (schema %d)\n", VERSION, store_schema_version()), 0;
	if (strcmp(cmd, "help") == 0)
		return fputs(usage_main, stdout), 0;
	return usage_error(usage_main, "unknown command", cmd);
}
