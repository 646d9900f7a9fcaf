/* console.c: see console.h. */
#include "bot/console.h"
#include "bot/daemon.h"
#include "bot/render.h"
#include "lib/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

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
	app_hold();
	cmd_execute(app->st, &app->set, &req, &r);
	app_release();
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
	while (store_outbox_next_to(app->st, "chat", me->handle, now, &row) == 1) {
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
		fflush(out); /* shown before it is marked: a crash between shows it twice, never loses it */
		store_outbox_sent(app->st, row.id, now);
		store_outbox_clear(&row);
	}
}

/* Lines typed at the console, read with poll() so that chat messages (reminders, a
 * digest) show while nobody types. */
struct reader {
	int fd;
	int notify; /* readable when the clock queued chat messages */
	char buf[8192];
	size_t len;
	int eof;
};

/* The next line into LINE: 1 a line, 0 none yet (chat messages were queued), -1 end of
 * input. Sleeps until one of those happens. */
static int next_line(struct reader *r, char *line, size_t cap, int timeout_ms)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		if (nl || (r->eof && r->len) || r->len == sizeof r->buf) {
			size_t n = nl ? (size_t)(nl - r->buf) : r->len;
			size_t keep = n < cap ? n : cap - 1;
			memcpy(line, r->buf, keep);
			line[keep] = 0;
			size_t used = nl ? n + 1 : n;
			memmove(r->buf, r->buf + used, r->len - used);
			r->len -= used;
			return 1;
		}
		if (r->eof)
			return -1;
		struct pollfd p[2] = {{r->fd, POLLIN, 0}, {r->notify, POLLIN, 0}};
		int ready = poll(p, 2, timeout_ms);
		if (ready < 0 && errno == EINTR)
			return 0; /* a signal: the caller looks whether it was told to stop */
		if (ready > 0 && (p[1].revents & POLLIN)) {
			char drain[64];
			while (read(r->notify, drain, sizeof drain) > 0)
				;
			if (!(p[0].revents & (POLLIN | POLLHUP)))
				return 0;
		}
		if (ready == 0)
			return 0;
		ssize_t got = ready < 0 ? -1 : read(r->fd, r->buf + r->len, sizeof r->buf - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			r->eof = 1;
		else
			r->len += (size_t)got;
	}
}

int console_run(struct app *app, const struct console_opts *o, FILE *in, FILE *out)
{
	struct store_person me;
	char err[512], line[8192];
	if (app_actor(app, o->as, &me, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	int tty = isatty(fileno(in)) && isatty(fileno(out)) && !o->json;
	if (tty)
		fprintf(out, "interviewd console, acting as %s (%s). Type help, or quit.\n", me.handle,
		        store_role_name(me.role));
	struct daemon parts;
	int chat[2];
	if (pipe2(chat, O_CLOEXEC | O_NONBLOCK) < 0 || daemon_start(&parts, app, o->daemon, chat[1], o->serve, err, sizeof err) < 0) {
		fprintf(stderr, "interviewd: %s\n", err);
		return 1;
	}
	struct reader rd = {.fd = fileno(in), .notify = chat[0]};
	daemon_ready(&parts, "running (console)");
	int rc = 0, prompt = 1;
	show_chat(app, &me, o, out);
	for (;;) {
		if (tty && prompt)
			fputs("interview> ", out), fflush(out);
		int got = next_line(&rd, line, sizeof line, -1);
		prompt = got != 0;
		if (got <= 0) {
			daemon_wake(&parts, 0); /* the clock may have queued emails too */
			show_chat(app, &me, o, out); /* while nobody types: reminders, a digest */
			fflush(out);
			if (got < 0 || daemon_stopping)
				break;
			continue;
		}
		line[strcspn(line, "\r")] = 0;
		if (blank_or_comment(line))
			continue;
		if (strcmp(line, "quit") == 0 || strcmp(line, "exit") == 0)
			break;
		if (run_line(app, o, me.id, line, out) < 0) {
			rc = 1;
			break;
		}
		daemon_wake(&parts, 1);
		show_chat(app, &me, o, out);
		fflush(out);
	}
	daemon_stop(&parts);
	show_chat(app, &me, o, out);
	close(chat[0]);
	close(chat[1]);
	return rc;
}
