/* query.c: the commands that read — list, show, candidate, stats — and tz, which sets
 * the reader's own zone. Day and week boundaries are the reader's local ones. */
#include "commands/internal.h"
#include "lib/str.h"
#include "lib/tz.h"
#include "lib/tzfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTIVE_MASK (1u << ST_SCHEDULED | 1u << ST_IN_PROGRESS)
#define HELD_MASK (ACTIVE_MASK | 1u << ST_COMPLETED)

static int read_int(struct cmd_ctx *c, const char *key, int lo, int hi, int *out)
{
	const char *v = cmd_opt(c->args, key);
	char *end;
	if (!v)
		return 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < lo || n > hi)
		return cmd_bad(c, "%s: must be a whole number from %d to %d, not \"%s\"", key, lo, hi, v);
	*out = (int)n;
	return 0;
}

static int read_statuses(struct cmd_ctx *c, unsigned *mask)
{
	const char *v = cmd_opt(c->args, "status");
	char list[256], *save = NULL;
	if (!v)
		return 0;
	if (str_copy(list, sizeof list, v) < 0)
		return cmd_bad(c, "status: is too long");
	*mask = 0;
	for (char *w = strtok_r(list, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		int s = store_status_parse(w);
		if (s < 0)
			return cmd_bad(c, "status: \"%s\" is not one of scheduled, in_progress, completed, cancelled, "
			                  "rescheduled", w);
		*mask |= 1u << s;
	}
	return 0;
}

/* The time range and default statuses of "list today|week|upcoming|all". */
static int read_range(struct cmd_ctx *c, struct store_filter *f, const char **what)
{
	int64_t day[2], week[2];
	int days = 7;
	*what = c->args->npos ? c->args->pos[0] : "upcoming";
	if (c->args->npos > 1)
		return cmd_bad(c, "unexpected \"%s\" (options are written key:value)", c->args->pos[1]);
	if (read_int(c, "days", 1, 366, &days) < 0)
		return -1;
	tz_day_week(cmd_zone(c), c->req->now, day, week);
	f->status_mask = HELD_MASK;
	if (strcmp(*what, "today") == 0) {
		f->from = day[0];
		f->to = day[1];
	} else if (strcmp(*what, "week") == 0) {
		f->from = week[0];
		f->to = week[1];
	} else if (strcmp(*what, "upcoming") == 0) {
		f->from = c->req->now;
		f->to = c->req->now + (int64_t)days * 86400;
		f->status_mask = ACTIVE_MASK;
	} else if (strcmp(*what, "all") == 0) {
		f->status_mask = 0;
	} else {
		return cmd_bad(c, "list what? today, week, upcoming or all, not \"%s\"", *what);
	}
	return 0;
}

/* candidate:, interviewer:, job: narrow the list; interviewers see only their own. */
static int read_who(struct cmd_ctx *c, struct store_filter *f)
{
	const char *cand = cmd_opt(c->args, "candidate"), *who = cmd_opt(c->args, "interviewer");
	const char *job = cmd_opt(c->args, "job");
	struct store_candidate cd;
	struct store_person p;
	if (cand && !c->recruiter)
		return cmd_refuse(c, CMD_E_DENIED, "only recruiters may look candidates up; list shows you your own interviews");
	if (cand && cmd_find_candidate(c, cand, &cd) < 0)
		return -1;
	f->candidate_id = cand ? cd.id : 0;
	if (who && cmd_find_person(c, who, 0, &p) < 0)
		return -1;
	f->person_id = who ? p.id : 0;
	if (!c->recruiter) {
		if (who && p.id != c->actor->id)
			return cmd_refuse(c, CMD_E_DENIED, "you can list only your own interviews; only recruiters may list %s's", p.handle);
		f->person_id = c->actor->id;
	}
	if (!job)
		return 0;
	int rc = store_job_find(c->st, job, &f->job_id);
	if (rc < 0)
		return cmd_store_fail(c);
	return rc ? 0 : cmd_bad(c, "no job is called \"%s\"", job);
}

static int fill_list(struct cmd_ctx *c, const struct store_filter *f)
{
	struct store_interview *ivs;
	int n, total;
	if (store_interview_list(c->st, f, &ivs, &n, &total) < 0)
		return cmd_store_fail(c);
	c->out->items = ivs;
	c->out->nitems = n;
	c->out->total = total;
	return 0;
}

int cmd_list(struct cmd_ctx *c)
{
	struct store_filter f = {.limit = 50};
	const char *what, *sort;
	if (read_range(c, &f, &what) < 0 || read_statuses(c, &f.status_mask) < 0 || read_who(c, &f) < 0 ||
	    read_int(c, "limit", 1, 500, &f.limit) < 0)
		return -1;
	sort = cmd_opt(c->args, "sort");
	if (sort && strcmp(sort, "asc") != 0 && strcmp(sort, "desc") != 0)
		return cmd_bad(c, "sort: must be asc or desc, not \"%s\"", sort);
	f.desc = sort && strcmp(sort, "desc") == 0;
	if (fill_list(c, &f) < 0)
		return -1;
	c->out->kind = REPLY_LIST;
	snprintf(c->out->message, sizeof c->out->message, "%d interview%s (%s)", c->out->total,
	         c->out->total == 1 ? "" : "s", what);
	return 0;
}

int cmd_show(struct cmd_ctx *c)
{
	struct store_interview iv;
	if (cmd_target(c, &iv, 1) < 0)
		return -1;
	snprintf(c->out->message, sizeof c->out->message, "#%lld: %s", (long long)iv.id, iv.candidate_name);
	c->out->kind = REPLY_INTERVIEW;
	return cmd_reply_add(c, &iv);
}

int cmd_candidate(struct cmd_ctx *c)
{
	char who[512] = "";
	for (int i = 0; i < c->args->npos; i++)
		snprintf(who + strlen(who), sizeof who - strlen(who), "%s%s", i ? " " : "", c->args->pos[i]);
	if (cmd_find_candidate(c, who, &c->out->candidate) < 0)
		return -1;
	struct store_filter f = {.candidate_id = c->out->candidate.id, .limit = 100};
	if (fill_list(c, &f) < 0)
		return -1;
	for (int i = 0; i < c->out->nitems; i++)
		if (store_interview_feedback(c->st, &c->out->items[i]) < 0)
			return cmd_store_fail(c);
	c->out->kind = REPLY_CANDIDATE;
	snprintf(c->out->message, sizeof c->out->message, "%s <%s>: %d interview%s", c->out->candidate.name,
	         c->out->candidate.email, c->out->total, c->out->total == 1 ? "" : "s");
	return 0;
}

int cmd_stats(struct cmd_ctx *c)
{
	int64_t day[2], week[2];
	if (c->args->npos)
		return cmd_bad(c, "stats takes no words, but \"%s\" was given", c->args->pos[0]);
	tz_day_week(cmd_zone(c), c->req->now, day, week);
	if (store_stats(c->st, c->recruiter ? 0 : c->actor->id, day[0], day[1], week[0], week[1], &c->out->stats) < 0)
		return cmd_store_fail(c);
	c->out->kind = REPLY_STATS;
	snprintf(c->out->message, sizeof c->out->message, "%s", c->recruiter ? "Interviews" : "Your interviews");
	return 0;
}

int cmd_tz(struct cmd_ctx *c)
{
	char now[64];
	c->out->kind = REPLY_TEXT;
	if (c->args->npos == 0) {
		snprintf(c->out->message, sizeof c->out->message, "Your time zone is %s%s (it is %s there)", cmd_zone(c),
		         c->actor->tz[0] ? "" : " (the default)", tzfmt(cmd_zone(c), c->req->now, TZF_DAY_TIME, now, sizeof now));
		return 0;
	}
	const char *zone = c->args->pos[0];
	if (c->args->npos > 1)
		return cmd_bad(c, "give one zone, such as Europe/Berlin");
	if (!tz_valid(zone))
		return cmd_bad(c, "unknown time zone \"%s\"; use an IANA name such as Europe/Berlin or America/New_York", zone);
	if (c->actor->id == 0)
		return cmd_fail(c, "you are not set up here, so your time zone cannot be saved");
	if (store_person_set_tz(c->st, c->actor->id, zone) < 0)
		return cmd_store_fail(c);
	if (cmd_audit(c, "set time zone", 0, "%s", zone) < 0)
		return -1;
	str_copy(c->out->tz, sizeof c->out->tz, zone);
	snprintf(c->out->message, sizeof c->out->message, "Your time zone is now %s (it is %s there)", zone,
	         tzfmt(zone, c->req->now, TZF_DAY_TIME, now, sizeof now));
	return 0;
}

int cmd_whoami(struct cmd_ctx *c)
{
	const struct store_person *p = c->actor;
	c->out->kind = REPLY_TEXT;
	if (p->id == 0) {
		snprintf(c->out->message, sizeof c->out->message,
		         "You are not set up here: ask an administrator to add you to [people] in the config");
		return 0;
	}
	snprintf(c->out->message, sizeof c->out->message, "You are %s (%s%s%s%s), %s; your times are in %s%s", p->handle,
	         p->name, p->email[0] ? " <" : "", p->email, p->email[0] ? ">" : "",
	         p->role == ROLE_RECRUITER ? "a recruiter" : "an interviewer", cmd_zone(c),
	         p->tz[0] ? "" : " (the default)");
	return 0;
}

int cmd_help(struct cmd_ctx *c)
{
	const char *name = c->args->npos ? c->args->pos[0] : NULL;
	if (c->args->npos > 1)
		return cmd_bad(c, "help takes one command name, not \"%s\"", c->args->pos[1]);
	if (name && strcmp(cmd_usage(name), cmd_usage(NULL)) == 0)
		return cmd_bad(c, "there is no command \"%s\"", name);
	c->out->kind = REPLY_TEXT;
	snprintf(c->out->message, sizeof c->out->message, "%s", name ? name : "interviewd commands");
	str_copy(c->out->text, sizeof c->out->text, cmd_usage(name));
	return 0;
}
