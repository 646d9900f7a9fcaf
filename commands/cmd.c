/* cmd.c: runs one request — lex, find the command, check who may run it, then the
 * handler inside one transaction — and the helpers every handler shares. */
#include "commands/internal.h"
#include "lib/clock.h"
#include "lib/metrics.h"
#include "lib/str.h"
#include "lib/tz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum who { WHO_ANYONE, WHO_PANEL, WHO_RECRUITER };

struct spec {
	const char *name;
	int (*run)(struct cmd_ctx *c);
	const char *options; /* the options it takes, space-separated */
	int write;           /* runs in a write transaction */
	enum who who;
	const char *what;    /* for "only recruiters may ..." */
};

#define PLAN_OPTS "when duration type with location link notes force"
static const struct spec specs[] = {
	{"schedule", cmd_schedule, "candidate candidate_tz job round " PLAN_OPTS, 1, WHO_RECRUITER,
	 "schedule interviews"},
	{"reschedule", cmd_reschedule, "reason " PLAN_OPTS, 1, WHO_RECRUITER, "reschedule interviews"},
	{"next", cmd_next, "candidate_tz job " PLAN_OPTS, 1, WHO_RECRUITER, "schedule interviews"},
	{"cancel", cmd_cancel, "reason", 1, WHO_RECRUITER, "cancel interviews"},
	{"start", cmd_start, "", 1, WHO_PANEL, "start interviews"},
	{"complete", cmd_complete, "rating recommendation feedback notes", 1, WHO_PANEL, "complete interviews"},
	{"feedback", cmd_feedback, "rating recommendation feedback notes", 1, WHO_PANEL, "give feedback"},
	{"list", cmd_list, "days status candidate interviewer job sort limit", 0, WHO_PANEL, "list interviews"},
	{"show", cmd_show, "", 0, WHO_PANEL, "see interviews"},
	{"candidate", cmd_candidate, "", 0, WHO_RECRUITER, "see a candidate's history"},
	{"stats", cmd_stats, "", 0, WHO_PANEL, "see the counts"},
	{"tz", cmd_tz, "", 1, WHO_ANYONE, ""},
	{"whoami", cmd_whoami, "", 0, WHO_ANYONE, ""},
	{"feed", cmd_feed, "", 1, WHO_PANEL, "get a calendar feed"},
	{"help", cmd_help, "", 0, WHO_ANYONE, ""},
	{0},
};

__attribute__((format(printf, 3, 0))) static int vfail(struct cmd_ctx *c, const char *usage, const char *fmt,
                                                       va_list ap)
{
	vsnprintf(c->out->message, sizeof c->out->message, fmt, ap);
	c->out->kind = REPLY_ERROR;
	c->out->error = CMD_E_INPUT;
	if (usage)
		c->out->usage = usage;
	return -1;
}

int cmd_fail(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(c, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

/* Sets the usage of the running command on the reply and fails: for input that could
 * not be read, where the usage helps. */
int cmd_bad(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(c, cmd_usage(c->args->name), fmt, ap);
	va_end(ap);
	return -1;
}

int cmd_refuse(struct cmd_ctx *c, enum cmd_error why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(c, NULL, fmt, ap);
	va_end(ap);
	c->out->error = why;
	return -1;
}

int cmd_store_fail(struct cmd_ctx *c)
{
	return cmd_refuse(c, CMD_E_STORE, "the database failed: %s", store_error(c->st));
}

void cmd_note(struct cmd_ctx *c, const char *fmt, ...)
{
	if (c->out->nnotes == CMD_NOTES_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->out->notes[c->out->nnotes++], sizeof c->out->notes[0], fmt, ap);
	va_end(ap);
}

int cmd_audit(struct cmd_ctx *c, const char *action, int64_t interview_id, const char *fmt, ...)
{
	char detail[1024] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof detail, fmt, ap);
		va_end(ap);
	}
	if (store_audit(c->st, c->req->now, c->actor->id, c->req->via, action, interview_id, detail) < 0)
		return cmd_store_fail(c);
	return 0;
}

const char *cmd_zone(const struct cmd_ctx *c)
{
	return c->actor->tz[0] ? c->actor->tz : c->set->default_tz;
}

int cmd_check_text(struct cmd_ctx *c, const char *key, const char *v, size_t max)
{
	if (!v)
		return 0;
	if (strlen(v) > max)
		return cmd_bad(c, "%s: is too long (%zu bytes; at most %zu)", key, strlen(v), max);
	if (str_has_control(v))
		return cmd_bad(c, "%s: must not contain control characters", key);
	return 0;
}

int cmd_reply_add(struct cmd_ctx *c, struct store_interview *iv)
{
	struct store_interview *grown = realloc(c->out->items, (size_t)(c->out->nitems + 1) * sizeof *grown);
	if (!grown)
		return cmd_fail(c, "out of memory");
	c->out->items = grown;
	grown[c->out->nitems++] = *iv;
	iv->feedback = NULL; /* now owned by the reply */
	iv->nfeedback = 0;
	return 0;
}

void cmd_reply_free(struct cmd_reply *r)
{
	store_interviews_free(r->items, r->nitems);
	r->items = NULL;
	r->nitems = 0;
}

unsigned cmd_actions(const struct store_interview *iv)
{
	switch (iv->status) {
	case ST_SCHEDULED: return ACT_RESCHEDULE | ACT_CANCEL | ACT_START | ACT_COMPLETE;
	case ST_IN_PROGRESS: return ACT_CANCEL | ACT_COMPLETE | ACT_FEEDBACK;
	case ST_COMPLETED: return ACT_FEEDBACK;
	case ST_CANCELLED: return ACT_RESCHEDULE;
	default: return 0;
	}
}

static const struct spec *find_spec(const char *name)
{
	for (const struct spec *s = specs; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

int cmd_known(const char *word)
{
	for (const struct spec *s = specs; s->name; s++)
		if (strcasecmp(s->name, word) == 0)
			return 1;
	return 0;
}

static int unknown_command(struct cmd_ctx *c)
{
	struct str_suggest sg;
	str_suggest_init(&sg, c->args->name);
	for (const struct spec *s = specs; s->name; s++)
		str_suggest_offer(&sg, s->name);
	c->out->usage = cmd_usage(NULL);
	if (sg.best[0])
		return cmd_fail(c, "unknown command \"%s\" (did you mean \"%s\"?)", c->args->name, sg.best);
	return cmd_fail(c, "unknown command \"%s\"", c->args->name);
}

/* 1 if KEY is a word of the space-separated LIST. */
static int in_list(const char *list, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = list; (p = strstr(p, key)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return 1;
	return 0;
}

static int check_options(struct cmd_ctx *c, const struct spec *s)
{
	for (int i = 0; i < c->args->nkv; i++) {
		const char *key = c->args->kv[i].key;
		if (in_list(s->options, key))
			continue;
		struct str_suggest sg;
		char word[24];
		str_suggest_init(&sg, key);
		for (const char *p = s->options; sscanf(p, "%23s", word) == 1; p += strlen(word) + 1) {
			str_suggest_offer(&sg, word);
			if (!p[strlen(word)])
				break;
		}
		if (sg.best[0])
			return cmd_fail(c, "%s does not take %s: (did you mean %s:?)", s->name, key, sg.best);
		if (!s->options[0])
			return cmd_fail(c, "%s takes no options, but %s: was given", s->name, key);
		return cmd_fail(c, "%s does not take %s:", s->name, key);
	}
	return 0;
}

static int permitted(struct cmd_ctx *c, const struct spec *s)
{
	if (s->who == WHO_ANYONE)
		return 0;
	if (c->actor->id == 0)
		return cmd_refuse(c, CMD_E_DENIED, "you are not set up as a recruiter or interviewer here; ask an administrator to "
		                   "add you to [people] in the config");
	if (s->who == WHO_RECRUITER && !c->recruiter)
		return cmd_refuse(c, CMD_E_DENIED, "only recruiters may %s; ask a recruiter to do it", s->what);
	return 0;
}

/* Runs the handler inside a transaction; the idempotency key is recorded in the same
 * transaction as the effects, so a redelivered event finds it. */
static int run(struct cmd_ctx *c, const struct spec *s)
{
	if ((s->write ? store_begin(c->st) : store_begin_read(c->st)) < 0)
		return cmd_store_fail(c);
	if (s->write && c->req->key) {
		int seen = store_inbound_seen(c->st, c->req->key, c->req->via, c->req->now);
		if (seen != 0) {
			store_rollback(c->st);
			if (seen < 0)
				return cmd_store_fail(c);
			c->out->kind = REPLY_DUPLICATE;
			snprintf(c->out->message, sizeof c->out->message, "already done (event %.200s was delivered twice)",
			         c->req->key);
			return 0;
		}
	}
	if (s->run(c) < 0) {
		store_rollback(c->st);
		return -1;
	}
	str_copy(c->out->command, sizeof c->out->command, s->name);
	if (s->write && c->req->on_change && c->req->on_change(c->st, c->out, c->req->arg) < 0) {
		store_rollback(c->st);
		return cmd_store_fail(c);
	}
	if (store_commit(c->st) < 0)
		return cmd_store_fail(c);
	return 0;
}

static int execute(struct store *st, const struct cmd_settings *set, const struct cmd_request *req,
                   struct cmd_reply *out)
{
	static const struct store_person nobody;
	struct cmd_args *args = malloc(sizeof *args);
	struct cmd_ctx c = {st, set, req, args, out, &req->actor, req->actor.role == ROLE_RECRUITER};
	char err[512];
	memset(out, 0, sizeof *out);
	out->now = req->now;
	str_copy(out->tz, sizeof out->tz, cmd_zone(&c));
	if (!req->actor.id)
		c.actor = &nobody;
	if (!args)
		return cmd_fail(&c, "out of memory");
	int rc;
	const struct spec *s = NULL;
	if (cmd_lex(req->text, args, err, sizeof err) < 0) {
		s = find_spec(args->name);
		out->usage = cmd_usage(s ? s->name : NULL);
		rc = cmd_fail(&c, "%s", err);
	} else if (!args->name[0]) {
		str_copy(args->name, sizeof args->name, "help");
		rc = run(&c, find_spec("help"));
	} else if (!(s = find_spec(args->name))) {
		rc = unknown_command(&c);
	} else if (check_options(&c, s) < 0) {
		out->usage = cmd_usage(s->name);
		rc = -1;
	} else {
		rc = permitted(&c, s) < 0 ? -1 : run(&c, s);
	}
	str_copy(out->command, sizeof out->command, s ? s->name : "");
	free(args);
	return rc;
}

int cmd_execute(struct store *st, const struct cmd_settings *set, const struct cmd_request *req,
                struct cmd_reply *out)
{
	int64_t t0 = clock_mono_us();
	int rc = execute(st, set, req, out);
	metrics_command(req->via ? req->via : "?", out->kind == REPLY_ERROR ? "error"
	                                           : out->kind == REPLY_DUPLICATE ? "duplicate" : "ok",
	                (double)(clock_mono_us() - t0) / 1000);
	return rc;
}
