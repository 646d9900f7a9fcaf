/* console.c: see console.h. */
#include "bot/console.h"
#include "bot/render.h"
#include "lib/clock.h"
#include "mail/outbox.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int blank_or_comment(const char *s)
{
	s += strspn(s, " \t");
	return *s == 0 || *s == '#';
}

static void reply(const struct cmd_reply *r, const struct console_opts *o, FILE *out)
{
	if (!o->json) {
		render_text(r, out);
		return;
	}
	char *json = render_json(r);
	fprintf(out, "%s\n", json ? json : "{\"success\": false, \"error\": \"out of memory\"}");
	free(json);
}

/* Runs one line as PERSON; the person is read again each time, since "tz" changes it. */
static int run_line(struct app *app, const struct console_opts *o, int64_t person, const char *line, FILE *out)
{
	struct cmd_request req = {.text = line, .via = "console"};
	struct cmd_reply r;
	char err[512];
	if (clock_now(&req.now, err, sizeof err) < 0 || store_person_by_id(app->st, person, &req.actor) != 1) {
		fprintf(stderr, "interviewd: %s\n", err[0] ? err : store_error(app->st));
		return -1;
	}
	cmd_execute(app->st, &app->set, &req, &r);
	reply(&r, o, out);
	cmd_reply_free(&r);
	return 0;
}

static void drain_mail(struct app *app, const struct console_opts *o, FILE *out)
{
	struct mail_settings ms = {app->cfg.mail_from, app->cfg.mail_dir};
	char err[512];
	time_t now;
	if (clock_now(&now, err, sizeof err) < 0)
		return;
	int n = mail_outbox_drain(app->st, &ms, now, err, sizeof err);
	if (n < 0)
		fprintf(stderr, "interviewd: part=mail %s\n", err);
	else if (n > 0 && !o->json)
		fprintf(out, "  mail: %d message%s written to %s/\n", n, n == 1 ? "" : "s", app->cfg.mail_dir);
}

int console_run(struct app *app, const struct console_opts *o, FILE *in, FILE *out)
{
	struct store_person me;
	char err[512];
	if (app_actor(app, o->as, &me, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	int tty = isatty(fileno(in)) && isatty(fileno(out)) && !o->json;
	if (tty)
		fprintf(out, "interviewd console, acting as %s (%s). Type help, or quit.\n", me.handle,
		        store_role_name(me.role));
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	drain_mail(app, o, out);
	for (;;) {
		if (tty)
			fputs("interview> ", out), fflush(out);
		ssize_t n = getline(&line, &cap, in);
		if (n < 0)
			break;
		line[strcspn(line, "\r\n")] = 0;
		if (blank_or_comment(line))
			continue;
		if (strcmp(line, "quit") == 0 || strcmp(line, "exit") == 0)
			break;
		if (run_line(app, o, me.id, line, out) < 0) {
			rc = 1;
			break;
		}
		drain_mail(app, o, out);
		fflush(out);
	}
	free(line);
	return rc;
}
