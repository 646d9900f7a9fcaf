/* slack.c: see slack.h. The dispatcher: one thread (the caller's) that takes
 * envelopes from the socket loop in order and answers each. */
#include "bot/slack.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "bot/daemon.h"
#include "bot/slack_api.h"
#include "bot/slack_blocks.h"
#include "bot/slack_out.h"
#include "bot/slack_socket.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/tz.h"
#include "lib/tzfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_TTL 86400 /* users.info answers are asked again after a day */

struct slack {
	struct app *app;
	struct slack_socket *sock;
	struct slack_api api;
	struct slack_out out;
	int64_t slow_ms; /* a reply later than this is logged */
};

/* What one envelope is about, for the hook that writes its posts. */
struct ctx {
	struct slack *sl;
	const char *envelope, *user, *channel, *ts; /* ts: the card to update in place */
	int post_card;                               /* a command: post the card to the team */
	time_t now;
};

#define slog(level, ...) log_line("slack", level, __VA_ARGS__)

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- text ---- */

static size_t put(char *out, size_t len, size_t o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o + 1 < len; i++)
		out[o++] = s[i];
	return o;
}

void slack_decode(const char *in, char *out, size_t len)
{
	size_t o = 0;
	while (*in && o + 1 < len) {
		const char *end = *in == '<' ? strchr(in, '>') : NULL;
		if (end) {
			size_t n = (size_t)(end - in - 1);
			const char *bar = memchr(in + 1, '|', n);
			size_t head = bar ? (size_t)(bar - in - 1) : n;
			if (strncmp(in + 1, "mailto:", 7) == 0)
				o = put(out, len, o, in + 8, head - 7);
			else if (strncmp(in + 1, "http://", 7) == 0 || strncmp(in + 1, "https://", 8) == 0)
				o = put(out, len, o, in + 1, head);
			else
				o = put(out, len, o, in, n + 2); /* mentions, channels: the core reads them */
			in = end + 1;
		} else if (strncmp(in, "&amp;", 5) == 0) {
			out[o++] = '&', in += 5;
		} else if (strncmp(in, "&lt;", 4) == 0) {
			out[o++] = '<', in += 4;
		} else if (strncmp(in, "&gt;", 4) == 0) {
			out[o++] = '>', in += 4;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = 0;
}

/* ---- who is typing ---- */

/* users.info for ID, from the store when asked within a day. 1 known, 0 not. */
static int slack_user(struct slack *sl, const char *id, time_t now, struct store_slack_user *u)
{
	int have = store_slack_user_get(sl->app->st, id, u) == 1;
	if (have && now - u->fetched_at < USER_TTL && now >= u->fetched_at)
		return 1;
	cJSON *body = cJSON_CreateObject(), *resp = NULL;
	char err[256];
	cJSON_AddStringToObject(body, "user", id);
	int rc = slack_api_call(&sl->api, "users.info", body, &resp, err, sizeof err);
	cJSON_Delete(body);
	const cJSON *user = cJSON_GetObjectItem(resp, "user");
	if (rc == SLACK_OK && cJSON_IsObject(user)) {
		memset(u, 0, sizeof *u);
		str_copy(u->user_id, sizeof u->user_id, id);
		const char *real = jstr(user, "real_name");
		str_copy(u->name, sizeof u->name, *real ? real : jstr(user, "name"));
		str_copy(u->email, sizeof u->email, jstr(cJSON_GetObjectItem(user, "profile"), "email"));
		str_copy(u->tz, sizeof u->tz, tz_valid(jstr(user, "tz")) ? jstr(user, "tz") : "");
		u->fetched_at = now;
		store_slack_user_put(sl->app->st, u);
		have = 1;
	} else {
		slog("warn", "msg=\"users.info failed\" user=%s why=\"%s\"", id, err);
	}
	cJSON_Delete(resp);
	return have;
}

/* The person Slack user ID is: by Slack id, else by the email Slack knows (which then
 * links the two). p->id 0: nobody we know. The Slack zone fills in a missing one. */
static void person_of(struct slack *sl, const char *id, time_t now, struct store_person *p)
{
	struct store_slack_user u;
	int known = store_person_by_slack(sl->app->st, id, p) == 1;
	int have = slack_user(sl, id, now, &u);
	if (!known && have && u.email[0] && store_person_by_email(sl->app->st, u.email, p) == 1 && !p->slack_id[0]) {
		known = store_person_set_slack(sl->app->st, p->id, id) == 0;
		str_copy(p->slack_id, sizeof p->slack_id, id);
		slog("info", "msg=\"linked a Slack user to a person by email\" user=%s handle=%s", id, p->handle);
	}
	if (!known)
		memset(p, 0, sizeof *p);
	if (!p->tz[0] && have && u.tz[0])
		str_copy(p->tz, sizeof p->tz, u.tz);
}

/* Makes sure every <@U...> in TEXT that is not linked yet is linked by email. */
static void link_mentions(struct slack *sl, const char *text, time_t now)
{
	for (const char *m = strstr(text, "<@"); m; m = strstr(m + 2, "<@")) {
		char id[STORE_SLACK_ID_MAX + 1];
		size_t n = strcspn(m + 2, "|>");
		if (n == 0 || n > STORE_SLACK_ID_MAX || !m[2 + n])
			continue;
		memcpy(id, m + 2, n);
		id[n] = 0;
		struct store_person p;
		if (store_person_by_slack(sl->app->st, id, &p) != 1)
			person_of(sl, id, now, &p);
	}
}

/* ---- posts ---- */

/* Which interview a reply is about: the new one of a reschedule, else the first. */
static const struct store_interview *subject(const struct cmd_reply *r)
{
	return r->kind == REPLY_INTERVIEW && r->nitems > 0 ? &r->items[0] : NULL;
}

/* The card of R's interview when R made, moved or cancelled one, to channel CH
 * (NULL: the job's, else [slack] channel, else none). */
static int post_card(struct store *st, const struct cfg *cfg, const struct cmd_reply *r, const char *ch, time_t now)
{
	const struct store_interview *iv = subject(r);
	int moved = strcmp(r->command, "schedule") == 0 || strcmp(r->command, "next") == 0 ||
	            strcmp(r->command, "reschedule") == 0 || strcmp(r->command, "cancel") == 0;
	if (!iv || !moved)
		return 0;
	const char *team = cfg_slack_channel(cfg, iv->job_title);
	ch = *team ? team : ch;
	if (!ch || !*ch)
		return 0;
	return slack_queue(st, "card", "chat.postMessage", ch, NULL, iv->id, slack_card_message(st, cfg->timezone, iv, ch),
	                   now);
}

int slack_team_card(struct store *st, const struct cfg *cfg, const struct cmd_reply *r, time_t now)
{
	return post_card(st, cfg, r, NULL, now);
}

/* Inside the command's transaction: the card posted to the team (a command), or the
 * card the button or form came from updated in place. */
static int on_change(struct store *st, const struct cmd_reply *r, void *arg)
{
	struct ctx *x = arg;
	const struct store_interview *iv = subject(r);
	if (!iv)
		return 0;
	if (x->ts && x->ts[0]) {
		cJSON *msg = slack_card_message(st, x->sl->app->cfg.timezone, iv, x->channel);
		cJSON_AddStringToObject(msg, "ts", x->ts);
		return slack_queue(st, "card", "chat.update", x->channel, NULL, iv->id, msg, x->now);
	}
	return x->post_card ? post_card(st, &x->sl->app->cfg, r, x->channel, x->now) : 0;
}

/* Runs TEXT as the Slack user of X; fills R. */
static void execute(struct ctx *x, const char *text, const char *key, struct cmd_reply *r)
{
	struct cmd_request req = {.text = text, .via = "slack", .key = key, .now = x->now, .on_change = on_change, .arg = x};
	person_of(x->sl, x->user, x->now, &req.actor);
	link_mentions(x->sl, text, x->now);
	int64_t t0 = clock_mono_ms();
	cmd_execute(x->sl->app->st, &x->sl->app->set, &req, r);
	int64_t took = clock_mono_ms() - t0;
	slog("info", "msg=\"command\" envelope=%s user=%s command=%s outcome=%s ms=%lld", x->envelope, x->user,
	     r->command[0] ? r->command : "-", r->kind == REPLY_ERROR ? "error" : r->kind == REPLY_DUPLICATE ? "duplicate" : "ok",
	     (long long)took);
	slack_out_wake(&x->sl->out);
}

/* The typist's reply: on the ack if it is still waiting, else by response_url (or,
 * without one, as an ephemeral message). */
static void reply_to_typist(struct ctx *x, const char *id, cJSON *msg, const char *response_url)
{
	cJSON_AddStringToObject(msg, "response_type", "ephemeral");
	char *json = cJSON_PrintUnformatted(msg);
	if (json && slack_socket_reply(x->sl->sock, id, json, response_url)) {
		cJSON_Delete(msg);
	} else if (*response_url) {
		slack_queue(x->sl->app->st, "reply", "response_url", x->channel, response_url, 0, msg, x->now);
		slack_out_wake(&x->sl->out);
	} else {
		cJSON_AddStringToObject(msg, "channel", x->channel);
		cJSON_AddStringToObject(msg, "user", x->user);
		slack_queue(x->sl->app->st, "reply", "chat.postEphemeral", x->channel, NULL, 0, msg, x->now);
		slack_out_wake(&x->sl->out);
	}
	free(json);
}

static cJSON *text_message(const char *text)
{
	cJSON *msg = cJSON_CreateObject();
	char *safe = slack_escape(text);
	cJSON_AddStringToObject(msg, "text", safe ? safe : "");
	free(safe);
	return msg;
}

/* ---- modals ---- */

static char *meta_of(int64_t iv, const char *channel, const char *ts)
{
	cJSON *m = cJSON_CreateObject();
	if (iv)
		cJSON_AddNumberToObject(m, "iv", (double)iv);
	cJSON_AddStringToObject(m, "ch", channel);
	if (ts && *ts)
		cJSON_AddStringToObject(m, "ts", ts);
	char *s = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return s;
}

/* views.open with VIEW (deleted here); 0, or -1 with the reason in ERR. */
static int open_view(struct slack *sl, const char *trigger, cJSON *view, char *err, size_t errlen)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "trigger_id", trigger);
	cJSON_AddItemToObject(body, "view", view);
	int rc = slack_api_call(&sl->api, "views.open", body, NULL, err, errlen);
	cJSON_Delete(body);
	if (rc != SLACK_OK)
		slog("warn", "msg=\"could not open a form\" why=\"%s\"", err);
	return rc == SLACK_OK ? 0 : -1;
}

/* ---- envelopes ---- */

static int blank_or_schedule(const char *t)
{
	t += strspn(t, " \t");
	if (!*t)
		return 1;
	if (strncmp(t, "schedule", 8) != 0)
		return 0;
	t += 8;
	return !t[strspn(t, " \t")];
}

static void on_command(struct slack *sl, const char *id, const cJSON *p, time_t now)
{
	struct ctx x = {sl, id, jstr(p, "user_id"), jstr(p, "channel_id"), NULL, 1, now};
	char text[SLACK_CMD_MAX], key[160], err[256];
	slack_decode(jstr(p, "text"), text, sizeof text);
	if (blank_or_schedule(text)) {
		char *meta = meta_of(0, x.channel, NULL);
		struct store_person me;
		person_of(sl, x.user, now, &me);
		int ok = open_view(sl, jstr(p, "trigger_id"), slack_view_schedule(meta ? meta : "{}", me.tz[0] ? me.tz : sl->app->cfg.timezone, now), err, sizeof err);
		free(meta);
		if (ok < 0)
			reply_to_typist(&x, id, text_message("Could not open the schedule form; type the command instead "
			                                     "(/interview help schedule)."), jstr(p, "response_url"));
		else
			slack_socket_reply(sl->sock, id, NULL, NULL);
		return;
	}
	struct cmd_reply r;
	snprintf(key, sizeof key, "slack:%s", id);
	execute(&x, text, key, &r);
	if (r.kind == REPLY_DUPLICATE)
		slack_socket_reply(sl->sock, id, NULL, NULL);
	else
		reply_to_typist(&x, id, slack_reply_message(&r), jstr(p, "response_url"));
	cmd_reply_free(&r);
}

/* The interview a button is about, if its card is current: 1, or 0 after telling the
 * clicker why not (a card out of date is brought up to date). */
static int button_target(struct ctx *x, const char *value, const char *response_url, struct store_interview *iv)
{
	struct slack *sl = x->sl;
	long long id = strtoll(value, NULL, 10);
	const char *status = strchr(value, ':');
	if (id <= 0 || store_interview_get(sl->app->st, id, iv, 0) != 1) {
		reply_to_typist(x, "", text_message("That interview is not known here any more."), response_url);
		return 0;
	}
	if (!status || strcmp(status + 1, store_status_name(iv->status)) == 0)
		return 1;
	char msg[200];
	snprintf(msg, sizeof msg, "This card was out of date: #%lld is %s now. The card shows it as it is.", id,
	         store_status_name(iv->status));
	reply_to_typist(x, "", text_message(msg), response_url);
	if (*x->ts) {
		cJSON *card = slack_card_message(sl->app->st, sl->app->cfg.timezone, iv, x->channel);
		cJSON_AddStringToObject(card, "ts", x->ts);
		slack_queue(sl->app->st, "card", "chat.update", x->channel, NULL, id, card, x->now);
		slack_out_wake(&sl->out);
	}
	store_interview_clear(iv);
	return 0;
}

/* Start: runs at once; the card is updated in the command's transaction. */
static void button_start(struct ctx *x, const struct store_interview *iv, const char *response_url)
{
	struct cmd_reply r;
	char cmd[64], key[160];
	snprintf(cmd, sizeof cmd, "start #%lld", (long long)iv->id);
	snprintf(key, sizeof key, "slack:%s", x->envelope);
	execute(x, cmd, key, &r);
	if (r.kind == REPLY_ERROR)
		reply_to_typist(x, "", slack_reply_message(&r), response_url);
	cmd_reply_free(&r);
}

/* Reschedule, Cancel, Mark complete: their form, opened at once (the trigger lasts 3 s). */
static void button_form(struct ctx *x, const char *action, const struct store_interview *iv, const cJSON *p)
{
	struct slack *sl = x->sl;
	struct store_person me;
	char err[256];
	person_of(sl, x->user, x->now, &me);
	const char *tz = me.tz[0] ? me.tz : sl->app->cfg.timezone;
	if (strcmp(action, "iv.complete") == 0 && iv->status == ST_SCHEDULED && x->now < iv->start) {
		char msg[200], when[64]; /* the form would only be refused */
		snprintf(msg, sizeof msg, "#%lld has not started yet (it starts %s); it can be completed once it has begun.",
		         (long long)iv->id, tzfmt(tz, iv->start, TZF_DAY_TIME, when, sizeof when));
		reply_to_typist(x, "", text_message(msg), jstr(p, "response_url"));
		return;
	}
	char *meta = meta_of(iv->id, x->channel, x->ts);
	cJSON *view = strcmp(action, "iv.reschedule") == 0 ? slack_view_reschedule(iv, meta, tz)
	              : strcmp(action, "iv.cancel") == 0   ? slack_view_cancel(iv, meta)
	              : strcmp(action, "iv.complete") == 0 ? slack_view_complete(iv, meta)
	                                                   : NULL;
	if (view && open_view(sl, jstr(p, "trigger_id"), view, err, sizeof err) < 0)
		reply_to_typist(x, "", text_message("Could not open the form; use the command instead."),
		                jstr(p, "response_url"));
	free(meta);
}

/* A button on a card: acknowledged first, then its work. */
static void on_button(struct slack *sl, const char *id, const cJSON *p, time_t now)
{
	const cJSON *act = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "actions"), 0);
	const cJSON *cont = cJSON_GetObjectItem(p, "container");
	const char *action = jstr(act, "action_id");
	struct ctx x = {sl, id, jstr(cJSON_GetObjectItem(p, "user"), "id"), jstr(cont, "channel_id"),
	                jstr(cont, "message_ts"), 0, now};
	struct store_interview iv;
	slack_socket_reply(sl->sock, id, NULL, NULL);
	if (!button_target(&x, jstr(act, "value"), jstr(p, "response_url"), &iv))
		return;
	if (strcmp(action, "iv.start") == 0)
		button_start(&x, &iv, jstr(p, "response_url"));
	else
		button_form(&x, action, &iv, p);
	store_interview_clear(&iv);
}

/* The first field of each form, where an error that fits no field is shown. */
static const char *first_block(const char *callback)
{
	return strcmp(callback, "iv.schedule") == 0   ? "candidate"
	       : strcmp(callback, "iv.cancel") == 0   ? "reason"
	       : strcmp(callback, "iv.complete") == 0 ? "rating"
	                                              : "date";
}

static void errors_ack(struct slack *sl, const char *id, cJSON *errors)
{
	cJSON *ack = cJSON_CreateObject();
	cJSON_AddStringToObject(ack, "response_action", "errors");
	cJSON_AddItemToObject(ack, "errors", errors);
	char *json = cJSON_PrintUnformatted(ack);
	slack_socket_reply(sl->sock, id, json, NULL);
	free(json);
	cJSON_Delete(ack);
}

/* A submitted form: its command runs; errors go back next to the fields. */
static void on_submit(struct slack *sl, const char *id, const cJSON *p, time_t now)
{
	const cJSON *view = cJSON_GetObjectItem(p, "view");
	cJSON *meta = cJSON_Parse(jstr(view, "private_metadata"));
	const char *callback = jstr(view, "callback_id");
	struct ctx x = {sl, id, jstr(cJSON_GetObjectItem(p, "user"), "id"), jstr(meta, "ch"), jstr(meta, "ts"), 1, now};
	char cmd[SLACK_CMD_MAX], key[160];
	cJSON *errors = NULL;
	if (slack_view_command(view, cmd, sizeof cmd, &errors) < 0) {
		if (errors)
			errors_ack(sl, id, errors);
		else /* not one of our forms */
			slack_socket_reply(sl->sock, id, NULL, NULL);
		cJSON_Delete(meta);
		return;
	}
	struct cmd_reply r;
	snprintf(key, sizeof key, "slack-view:%s", jstr(view, "id"));
	execute(&x, cmd, key, &r);
	if (r.kind == REPLY_ERROR) {
		const char *block = slack_error_block(callback, r.message);
		errors = cJSON_CreateObject();
		cJSON_AddStringToObject(errors, block ? block : first_block(callback), r.message);
		errors_ack(sl, id, errors);
	} else {
		slack_socket_reply(sl->sock, id, NULL, NULL); /* closes the form */
		if (*x.channel && r.kind != REPLY_DUPLICATE) {
			cJSON *msg = text_message(r.message);
			cJSON_AddStringToObject(msg, "channel", x.channel);
			cJSON_AddStringToObject(msg, "user", x.user);
			slack_queue(sl->app->st, "reply", "chat.postEphemeral", x.channel, NULL, 0, msg, now);
			slack_out_wake(&sl->out);
		}
	}
	cmd_reply_free(&r);
	cJSON_Delete(meta);
}

/* Events: nothing is subscribed yet; each is acknowledged and its id remembered, so
 * Slack's retries of one event are recognised. */
static void on_event(struct slack *sl, const char *id, const cJSON *p, time_t now)
{
	char key[160];
	slack_socket_reply(sl->sock, id, NULL, NULL);
	snprintf(key, sizeof key, "slack-event:%s", jstr(p, "event_id"));
	if (store_inbound_seen(sl->app->st, key, "slack", now) == 1)
		slog("info", "msg=\"event delivered again; ignored\" event=%s", jstr(p, "event_id"));
}

static void dispatch(struct slack *sl, const struct slack_inbound *in)
{
	char err[256];
	time_t now;
	cJSON *env = cJSON_Parse(in->json);
	const char *type = jstr(env, "type");
	const cJSON *p = cJSON_GetObjectItem(env, "payload");
	const char *ptype = jstr(p, "type");
	if (clock_now(&now, err, sizeof err) < 0 || !cJSON_IsObject(p)) {
		slack_socket_reply(sl->sock, in->id, NULL, NULL);
		slog("warn", "msg=\"envelope without a payload acknowledged and dropped\" envelope=%s type=%s", in->id, type);
	} else if (strcmp(type, "slash_commands") == 0) {
		on_command(sl, in->id, p, now);
	} else if (strcmp(type, "interactive") == 0 && strcmp(ptype, "block_actions") == 0) {
		on_button(sl, in->id, p, now);
	} else if (strcmp(type, "interactive") == 0 && strcmp(ptype, "view_submission") == 0) {
		on_submit(sl, in->id, p, now);
	} else if (strcmp(type, "events_api") == 0) {
		on_event(sl, in->id, p, now);
	} else if (strcmp(type, "interviewd.unsent_reply") == 0) { /* from the socket loop */
		slack_queue(sl->app->st, "reply", "response_url", "", jstr(env, "response_url"), 0,
		            cJSON_DetachItemFromObject(env, "payload"), now);
		slack_out_wake(&sl->out);
	} else {
		slack_socket_reply(sl->sock, in->id, NULL, NULL);
	}
	int64_t took = clock_mono_ms() - in->received_ms;
	if (took > sl->slow_ms)
		slog("warn", "msg=\"slow envelope\" envelope=%s ms=%lld", in->id, (long long)took);
	cJSON_Delete(env);
}

int slack_run(struct app *app, volatile int *stop)
{
	struct slack sl = {.app = app, .slow_ms = 2000};
	struct daemon d;
	char err[512];
	if (slack_api_init(&sl.api, &app->cfg) < 0 || slack_out_start(&sl.out, &app->cfg, err, sizeof err) < 0) {
		slog("error", "msg=\"could not start\"");
		return 1;
	}
	if (daemon_start(&d, app, 0, sl.out.w.pipe[1], 1, err, sizeof err) < 0 ||
	    !(sl.sock = slack_socket_start(&app->cfg, err, sizeof err))) {
		slog("error", "msg=\"%s\"", err);
		return 1;
	}
	slog("info", "msg=\"started\" connections=%lld api=%s", app->cfg.slack_connections, app->cfg.slack_api_url);
	metrics_part("slack", PART_STARTING, NULL); /* /healthz: 503 until the first hello */
	daemon_ready(&d, "running (Slack)");
	while (!*stop) {
		daemon_beat(&d);
		struct slack_inbound in;
		int got = slack_socket_next(sl.sock, &in, 200);
		if (got < 0)
			break;
		if (got == 0)
			continue;
		char req[32];
		log_new_request("s", req, sizeof req); /* ties the envelope's log lines together */
		log_request(req);
		app_hold();
		dispatch(&sl, &in);
		app_release();
		log_request(NULL);
		slack_inbound_free(&in);
		daemon_wake(&d, 1);
	}
	slog("info", "msg=\"stopping\"");
	slack_socket_stop(sl.sock);
	daemon_stop(&d);
	slack_out_stop(&sl.out);
	slack_api_free(&sl.api);
	return 0;
}

int slack_check(const struct cfg *cfg, FILE *out)
{
	struct slack_api api;
	cJSON *resp = NULL;
	char err[512];
	int bad = 0;
	if (slack_api_init(&api, cfg) < 0)
		return 1;
	int rc = slack_api_call(&api, "auth.test", NULL, &resp, err, sizeof err);
	if (rc == SLACK_OK) {
		fprintf(out, "# slack: bot token works: team %s, bot user %s\n", jstr(resp, "team"), jstr(resp, "user_id"));
		static const char *const need[] = {"commands", "chat:write", "chat:write.public", "im:write", "users:read",
		                                   "users:read.email", NULL};
		for (int i = 0; need[i]; i++) {
			char padded[600], want[64];
			snprintf(padded, sizeof padded, ",%s,", api.scopes);
			snprintf(want, sizeof want, ",%s,", need[i]);
			if (api.scopes[0] && !strstr(padded, want)) {
				fprintf(out, "# slack: the bot token lacks the scope %s (add it in the app's OAuth settings and "
				             "reinstall the app)\n", need[i]);
				bad = 1;
			}
		}
	} else {
		fprintf(out, "# slack: the bot token does not work: %s\n", err);
		bad = 1;
	}
	cJSON_Delete(resp);
	rc = slack_api_call(&api, "apps.connections.open", NULL, NULL, err, sizeof err);
	if (rc == SLACK_OK)
		fprintf(out, "# slack: app token works (Socket Mode is on)\n");
	else
		fprintf(out, "# slack: the app token does not work: %s\n", err), bad = 1;
	slack_api_free(&api);
	return bad;
}
