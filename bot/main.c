/* main.c: the interviewd binary — subcommands, options, and the wiring of config,
 * store and front ends. The only place that exits. */
#include "bot/app.h"
#include "bot/cfg.h"
#include "bot/console.h"
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
	"usage: interviewd [-c FILE] run [--as HANDLE] [--json]\n"
	"\n"
	"Runs the assistant. With [slack] configured (both tokens) it connects to Slack over\n"
	"Socket Mode and serves /interview, buttons and forms; with [matrix] homeserver set\n"
	"it syncs with the Matrix homeserver and serves !interview in its rooms. Either way\n"
	"it sends email and runs the clock until SIGTERM or SIGINT (exit 0; 1 when Matrix\n"
	"refused its token); logs go to standard error. With neither configured\n"
	"it runs the console front end on standard input (same options as \"console\"),\n"
	"writing emails to the mail folder. Either way, with [imap] host set it also reads\n"
	"the replies that arrive in that mailbox (feedback, answers to invites, candidates).\n"
	"One run per database: a second one is refused (DATABASE.lock).\n";

static const char usage_check[] =
	"usage: interviewd check-config [FILE]\n"
	"\n"
	"Validates FILE (or the -c FILE) and prints the effective settings, secrets masked.\n"
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
	const struct frontend *fe = frontend_of(&cfg);
	int rc = fe ? fe->check(&cfg, stdout) : 0;
	cfg_free(&cfg);
	return rc;
}

static volatile int stopping;
static void on_signal(int sig) { stopping = sig; }

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
	if (!fe)
		return cmd_console(config, argc, argv, usage_run);
	if (argc > 0)
		return usage_error(usage_run, "unexpected argument (--as and --json are for the console)", argv[0]);
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
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int rc = frontend_of(&app.cfg)->run(&app, &stopping);
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

static int print_address(struct app *app, const char *handle)
{
	struct store_person p;
	char addr[STORE_EMAIL_MAX + 64];
	int found = store_person_by_handle(app->st, handle, &p);
	if (found <= 0 || p.role == ROLE_NONE) {
		fprintf(stderr, "interviewd: %s: %s\n", handle,
		        found < 0 ? store_error(app->st) : "no recruiter or interviewer has this handle");
		return -1;
	}
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
	if (strcmp(cmd, "version") == 0)
		return printf("interviewd %s (schema %d)\n", VERSION, store_schema_version()), 0;
	if (strcmp(cmd, "help") == 0)
		return fputs(usage_main, stdout), 0;
	return usage_error(usage_main, "unknown command", cmd);
}
