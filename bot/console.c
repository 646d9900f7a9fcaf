/* console.c: see console.h. */
#include "bot/console.h"
#include "bot/render.h"
#include "lib/clock.h"
#include "bot/sender.h"

#include <cjson/cJSON.h>

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

/* Chat messages for the person at the console (a notice that could not be delivered,
 * later reminders): printed, then marked sent. */
static void show_chat(struct app *app, const struct store_person *me, const struct console_opts *o, FILE *out)
{
	struct store_outbox_row row;
	char err[256];
	time_t now;
	if (clock_now(&now, err, sizeof err) < 0)
		return;
	while (store_outbox_next_to(app->st, "console", me->handle, now, &row) == 1) {
		cJSON *j = cJSON_Parse(row.payload ? row.payload : "");
		const cJSON *text = cJSON_GetObjectItem(j, "text");
		if (o->json) {
			cJSON *env = cJSON_CreateObject();
			cJSON_AddStringToObject(env, "chat", cJSON_IsString(text) ? text->valuestring : "");
			char *line = cJSON_PrintUnformatted(env);
			fprintf(out, "%s\n", line ? line : "{}");
			free(line);
			cJSON_Delete(env);
		} else {
			fprintf(out, "* %s\n", cJSON_IsString(text) ? text->valuestring : "(unreadable message)");
		}
		cJSON_Delete(j);
		store_outbox_sent(app->st, row.id, now);
		store_outbox_clear(&row);
	}
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
	struct sender mail;
	if (sender_start(&mail, &app->cfg, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	show_chat(app, &me, o, out);
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
		sender_wake(&mail);
		show_chat(app, &me, o, out);
		fflush(out);
	}
	free(line);
	sender_stop(&mail);
	show_chat(app, &me, o, out);
	return rc;
}
