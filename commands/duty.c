/* duty.c: planning duties when an interview is made, and carrying them out when due. */
#include "commands/duty.h"
#include "commands/internal.h"
#include "lib/str.h"
#include "lib/tzfmt.h"
#include "lib/log.h"
#include "lib/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_plan_duties(struct cmd_ctx *c, const struct store_interview *iv)
{
	const struct cmd_settings *s = c->set;
	int64_t end = iv->start + (int64_t)iv->duration * 60, now = c->req->now;
	int rc = 0;
	for (int l = 0; l < s->nleads && rc == 0; l++) {
		if (iv->start - s->leads[l] <= now)
			continue; /* scheduled less than a lead time ahead: only the reminders still to come */
		for (int i = 0; i < iv->npanel && rc == 0; i++)
			rc = store_duty_add(c->st, iv->start - s->leads[l], DUTY_REMINDER, iv->id, iv->panel[i].id, s->leads[l]);
		if (rc == 0)
			rc = store_duty_add(c->st, iv->start - s->leads[l], DUTY_REMINDER, iv->id, 0, s->leads[l]);
	}
	for (int i = 0; i < iv->npanel && rc == 0 && s->feedback_request; i++)
		if (store_duty_add(c->st, end, DUTY_FEEDBACK_REQUEST, iv->id, iv->panel[i].id, 0) < 0 ||
		    store_duty_add(c->st, end + s->chase_after, DUTY_FEEDBACK_CHASE, iv->id, iv->panel[i].id, 0) < 0)
			rc = -1;
	if (rc == 0 && s->feedback_request && iv->npanel)
		rc = store_duty_add(c->st, end + s->chase_after + s->escalate_after, DUTY_FEEDBACK_ESCALATE, iv->id, 0, 0);
	if (rc == 0 && s->autostart)
		rc = store_duty_add(c->st, iv->start, DUTY_AUTOSTART, iv->id, 0, 0);
	return rc < 0 ? cmd_store_fail(c) : 0;
}

int cmd_drop_duties(struct cmd_ctx *c, int64_t interview_id, const char *why)
{
	return store_duty_drop(c->st, interview_id, c->req->now, why) < 0 ? cmd_store_fail(c) : 0;
}

/* ---- carrying duties out ---- */

struct run {
	struct store *st;
	const struct cmd_settings *set;
	time_t now;
	struct store_duty_row d;
	struct store_interview iv;
};

static int chat(struct run *r, const char *handle, const char *kind, const char *text)
{
	return store_chat_add(r->st, handle, kind, r->iv.id, text, r->now);
}

static int email(struct run *r, const char *kind, const char *role, const char *to, const char *name, const char *tz)
{
	struct cmd_email m = {.kind = kind, .role = role, .to = to, .name = name, .tz = tz[0] ? tz : r->set->default_tz,
	                      .iv = &r->iv, .sequence = r->iv.sequence};
	if (strcmp(kind, "feedback_request") == 0 && store_freq_add(r->st, r->iv.id, r->d.person_id, r->now, &m.request) < 0)
		return -1;
	return cmd_queue_email(r->st, &m, r->now);
}

static const struct store_panelist *panelist(const struct run *r)
{
	for (int i = 0; i < r->iv.npanel; i++)
		if (r->iv.panel[i].id == r->d.person_id)
			return &r->iv.panel[i];
	return NULL;
}

static const char *zone_of(const struct run *r, const char *tz) { return tz[0] ? tz : r->set->default_tz; }

/* "Jane Doe (Data Scientist, phone, round 1) Tue 10 Mar 14:00 Europe/Berlin, Room 301" */
static void describe(const struct run *r, const char *tz, char *buf, size_t len)
{
	char when[64];
	const struct store_interview *iv = &r->iv;
	snprintf(buf, len, "#%lld %s (%s%s%s, round %d) %s %s%s%s", (long long)iv->id, iv->candidate_name,
	         iv->job_title, iv->job_title[0] ? ", " : "", store_type_name(iv->type), iv->round,
	         tzfmt(zone_of(r, tz), iv->start, TZF_DAY_TIME, when, sizeof when), zone_of(r, tz),
	         iv->location[0] || iv->link[0] ? ", " : "", iv->location[0] ? iv->location : iv->link);
}

static int skip_job(const struct run *r)
{
	for (int i = 0; i < r->set->nskip_jobs; i++)
		if (strcasecmp(r->set->skip_jobs[i], r->iv.job_title) == 0)
			return 1;
	return 0;
}

/* Returns NULL when done, or why the duty was skipped. */
static const char *reminder(struct run *r, int *fail)
{
	char text[900], span[32];
	if (r->iv.status != ST_SCHEDULED)
		return "the interview is no longer scheduled";
	if (r->iv.start <= r->now)
		return "the interview has started";
	if (!r->d.person_id) {
		if (!r->set->remind_candidate || skip_job(r))
			return "candidate reminders are off for this interview";
		*fail = email(r, "reminder", "candidate", r->iv.candidate_email, r->iv.candidate_name, r->iv.candidate_tz);
		return NULL;
	}
	const struct store_panelist *p = panelist(r);
	if (!p)
		return "no longer on the panel";
	int n = snprintf(text, sizeof text, "Reminder: in %s, ", tzfmt_span(r->iv.start - r->now, span, sizeof span));
	describe(r, p->tz, text + n, sizeof text - (size_t)n);
	*fail = chat(r, p->handle, "reminder", text) < 0 ||
	        (r->set->remind_panel_email && email(r, "reminder", "panel", p->email, p->name, p->tz) < 0);
	return NULL;
}

static const char *feedback(struct run *r, int *fail)
{
	char text[900];
	const struct store_panelist *p = panelist(r);
	int given;
	if (r->iv.status == ST_CANCELLED || r->iv.status == ST_RESCHEDULED)
		return "the interview did not take place";
	if (!p)
		return "no longer on the panel";
	if ((given = store_feedback_given(r->st, r->iv.id, p->id)) != 0) {
		*fail = given < 0;
		return "feedback already given";
	}
	int chase = r->d.kind == DUTY_FEEDBACK_CHASE;
	int n = snprintf(text, sizeof text, chase ? "Feedback still missing on " : "How did it go? Feedback, please, on ");
	describe(r, p->tz, text + n, sizeof text - (size_t)n - 120);
	snprintf(text + strlen(text), sizeof text - strlen(text),
	         ": feedback #%lld rating:1-5 recommendation:proceed|hire|reject|maybe feedback:\"...\"", (long long)r->iv.id);
	*fail = chat(r, p->handle, chase ? "feedback chase" : "feedback request", text) < 0 ||
	        (!chase && email(r, "feedback_request", "panel", p->email, p->name, p->tz) < 0);
	return NULL;
}

/* Tells the recruiter who scheduled it which panel members have given no feedback. */
static const char *escalate(struct run *r, int *fail)
{
	char missing[600] = "", text[1200];
	struct store_person rec;
	if (r->iv.status == ST_CANCELLED || r->iv.status == ST_RESCHEDULED)
		return "the interview did not take place";
	for (int i = 0; i < r->iv.npanel; i++) {
		int given = store_feedback_given(r->st, r->iv.id, r->iv.panel[i].id);
		if (given < 0) {
			*fail = 1;
			return NULL;
		}
		if (!given)
			snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", missing[0] ? ", " : "",
			         r->iv.panel[i].handle);
	}
	if (!missing[0])
		return "all feedback is in";
	if (!r->iv.created_by || store_person_by_id(r->st, r->iv.created_by, &rec) != 1)
		return "nobody to tell: the recruiter is unknown";
	int n = snprintf(text, sizeof text, "Feedback overdue from %s on ", missing);
	describe(r, rec.tz, text + n, sizeof text - (size_t)n);
	*fail = chat(r, rec.handle, "feedback overdue", text) < 0;
	return NULL;
}

static const char *autostart(struct run *r, int *fail)
{
	if (r->iv.status != ST_SCHEDULED)
		return "the interview is no longer scheduled";
	if (r->now >= r->iv.start + (int64_t)r->iv.duration * 60)
		return "the interview is already over";
	r->iv.status = ST_IN_PROGRESS;
	r->iv.started_at = r->iv.updated_at = r->now;
	*fail = store_interview_update(r->st, &r->iv) < 0 ||
	        store_audit(r->st, r->now, 0, "clock", "start", r->iv.id, "automatically, at its start time") < 0;
	return NULL;
}

/* Carries out R->d inside the caller's transaction. 1 done, 0 skipped, -1 store error. */
static int carry_out(struct run *r)
{
	int fail = 0, found = store_interview_get(r->st, r->d.interview_id, &r->iv, 0);
	const char *skipped = found <= 0 ? "the interview is gone" : NULL;
	if (found < 0)
		return -1;
	if (!skipped)
		switch (r->d.kind) {
		case DUTY_REMINDER: skipped = reminder(r, &fail); break;
		case DUTY_FEEDBACK_REQUEST:
		case DUTY_FEEDBACK_CHASE: skipped = feedback(r, &fail); break;
		case DUTY_FEEDBACK_ESCALATE: skipped = escalate(r, &fail); break;
		default: skipped = autostart(r, &fail); break;
		}
	if (fail || store_duty_done(r->st, r->d.id, r->now, skipped) < 0)
		return -1;
	metrics_count(skipped ? C_REMINDERS_SKIPPED : C_REMINDERS_SENT, 1);
	if (skipped)
		log_line("clock", "info", "msg=\"skipped\" duty=%lld kind=%s interview=%lld "
		                "why=\"%s\"",
		        (long long)r->d.id, store_duty_name(r->d.kind), (long long)r->d.interview_id, skipped);
	return skipped ? 0 : 1;
}

int duty_run(struct store *st, const struct cmd_settings *set, time_t now, char *err, size_t errlen)
{
	struct run r = {st, set, now, {0}, {0}};
	int done = 0, rc;
	while ((rc = store_duty_next(st, now, &r.d)) == 1) {
		struct store_duty_row again;
		if (store_begin(st) < 0)
			break;
		/* another daemon on the same file may have done it since we looked */
		if (store_duty_next(st, now, &again) != 1 || again.id != r.d.id) {
			store_rollback(st);
			continue;
		}
		int one = carry_out(&r);
		store_interview_clear(&r.iv);
		if (one < 0 || store_commit(st) < 0) {
			store_rollback(st);
			rc = -1;
			break;
		}
		done += one;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", store_error(st));
		return -1;
	}
	return done;
}
