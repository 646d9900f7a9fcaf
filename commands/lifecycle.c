/* lifecycle.c: the one place that says which status may follow which, and the
 * handlers that only move an interview along it: cancel, start, complete, feedback.
 *
 *   scheduled ──▶ in_progress ──▶ completed
 *       │  └──────────────────────▲ (once its start time has come)
 *       ├──▶ cancelled ◀── in_progress
 *       └──▶ rescheduled ◀── cancelled   (a new interview takes its place)
 */
#include "commands/internal.h"
#include "lib/str.h"
#include "lib/tzfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned allowed[ST_COUNT] = {
	[ST_SCHEDULED] = 1u << ST_IN_PROGRESS | 1u << ST_COMPLETED | 1u << ST_CANCELLED | 1u << ST_RESCHEDULED,
	[ST_IN_PROGRESS] = 1u << ST_COMPLETED | 1u << ST_CANCELLED,
	[ST_CANCELLED] = 1u << ST_RESCHEDULED,
};

static const char *const verbs[ST_COUNT] = {
	[ST_IN_PROGRESS] = "started", [ST_COMPLETED] = "completed", [ST_CANCELLED] = "cancelled",
	[ST_RESCHEDULED] = "rescheduled"};

/* A status as a sentence says it: "in progress". */
static const char *said_status(enum store_status s)
{
	return s == ST_IN_PROGRESS ? "in progress" : store_status_name(s);
}

/* What can still be done with an interview in its status, for refusals. */
static void what_next(const struct store_interview *iv, char *buf, size_t len)
{
	long long id = (long long)iv->id;
	switch (iv->status) {
	case ST_SCHEDULED: snprintf(buf, len, "it can be started, completed, cancelled or rescheduled"); break;
	case ST_IN_PROGRESS: snprintf(buf, len, "it can be completed (complete #%lld) or cancelled", id); break;
	case ST_COMPLETED:
		snprintf(buf, len, "feedback can still be given: feedback #%lld rating:4 recommendation:proceed", id);
		break;
	case ST_CANCELLED: snprintf(buf, len, "it can only be rescheduled: reschedule #%lld when:...", id); break;
	default: snprintf(buf, len, "it was moved to #%lld; use that one", (long long)iv->rescheduled_to);
	}
}

int cmd_transition(struct cmd_ctx *c, struct store_interview *iv, enum store_status to)
{
	if (!(allowed[iv->status] & (1u << to))) {
		char next[160];
		what_next(iv, next, sizeof next);
		return cmd_refuse(c, CMD_E_CONFLICT, "#%lld is %s, so it cannot be %s; %s", (long long)iv->id, said_status(iv->status),
		                verbs[to], next);
	}
	if (to == ST_COMPLETED && iv->status == ST_SCHEDULED && c->req->now < iv->start) {
		char when[64];
		return cmd_refuse(c, CMD_E_CONFLICT, "#%lld has not started yet (it starts %s); it can be completed once it has begun",
		                (long long)iv->id, tzfmt(cmd_zone(c), iv->start, TZF_DAY_TIME, when, sizeof when));
	}
	iv->status = to;
	iv->updated_at = c->req->now;
	if (to == ST_IN_PROGRESS)
		iv->started_at = c->req->now;
	if (to == ST_COMPLETED)
		iv->completed_at = c->req->now;
	if (store_interview_update(c->st, iv) < 0)
		return cmd_store_fail(c);
	return 0;
}

/* Loads the target, moves it to TO and replies with it; the caller adds notes first. */
static int reply_with(struct cmd_ctx *c, struct store_interview *iv, const char *verb)
{
	snprintf(c->out->message, sizeof c->out->message, "%s #%lld: %s", verb, (long long)iv->id, iv->candidate_name);
	c->out->kind = REPLY_INTERVIEW;
	return cmd_reply_add(c, iv);
}

static int reload(struct cmd_ctx *c, struct store_interview *iv)
{
	int64_t id = iv->id;
	store_interview_clear(iv);
	if (store_interview_get(c->st, id, iv, 1) <= 0)
		return cmd_store_fail(c);
	return 0;
}

int cmd_cancel(struct cmd_ctx *c)
{
	struct store_interview iv;
	const char *reason = cmd_opt(c->args, "reason");
	if (cmd_target(c, &iv, 0) < 0)
		return -1;
	int rc = -1;
	if (!reason || !*reason)
		cmd_bad(c, "a reason is required: cancel #%lld reason:\"candidate withdrew\"", (long long)iv.id);
	else if (cmd_check_text(c, "reason", reason, STORE_TEXT_MAX) == 0) {
		str_copy(iv.cancel_reason, sizeof iv.cancel_reason, reason);
		iv.sequence++; /* the calendar event changes: a CANCEL */
		if (cmd_transition(c, &iv, ST_CANCELLED) == 0 && cmd_audit(c, "cancel", iv.id, "%s", reason) == 0 &&
		    cmd_drop_duties(c, iv.id, "the interview was cancelled") == 0 && cmd_notify(c, "cancelled", &iv, NULL) == 0)
			rc = reply_with(c, &iv, "Cancelled");
	}
	store_interview_clear(&iv);
	return rc;
}

int cmd_start(struct cmd_ctx *c)
{
	struct store_interview iv;
	if (cmd_target(c, &iv, 0) < 0)
		return -1;
	int rc = -1;
	if (cmd_transition(c, &iv, ST_IN_PROGRESS) == 0 && cmd_audit(c, "start", iv.id, NULL) == 0)
		rc = reply_with(c, &iv, "Started");
	store_interview_clear(&iv);
	return rc;
}

/* rating:4, rating:4/5 or rating:★★★★ */
static int parse_rating(const char *s, int *rating)
{
	int stars = 0;
	for (const char *p = s; *p; p += 3) {
		if (strncmp(p, "\xe2\x98\x85", 3) == 0) /* ★ */
			stars++;
		else if (strncmp(p, "\xe2\x98\x86", 3) != 0) /* ☆ */
			break;
		if (!p[3]) {
			*rating = stars;
			return stars >= 1 && stars <= 5 ? 0 : -1;
		}
	}
	if (s[0] >= '1' && s[0] <= '5' && (s[1] == 0 || strcmp(s + 1, "/5") == 0)) {
		*rating = s[0] - '0';
		return 0;
	}
	return -1;
}

/* What a complete or feedback command says about the interview. */
struct said {
	int rating; /* 0: not given */
	enum store_rec rec;
	const char *text, *notes;
	int any; /* something was given */
};

static int read_said(struct cmd_ctx *c, struct said *f)
{
	const char *r = cmd_opt(c->args, "rating"), *m = cmd_opt(c->args, "recommendation");
	memset(f, 0, sizeof *f);
	f->text = cmd_opt(c->args, "feedback");
	f->notes = cmd_opt(c->args, "notes");
	f->any = r || m || f->text || f->notes;
	if (r && parse_rating(r, &f->rating) < 0)
		return cmd_bad(c, "rating: must be a whole number from 1 to 5, not \"%s\"", r);
	if (m) {
		int v = store_rec_parse(m);
		if (v < 0)
			return cmd_bad(c, "recommendation: must be proceed, hire, reject or maybe, not \"%s\"", m);
		f->rec = (enum store_rec)v;
	}
	if (cmd_check_text(c, "feedback", f->text, STORE_FEEDBACK_MAX) < 0 ||
	    cmd_check_text(c, "notes", f->notes, STORE_NOTES_MAX) < 0)
		return -1;
	return 0;
}

static int save_said(struct cmd_ctx *c, const struct store_interview *iv, const struct said *f)
{
	const char *via = c->req->via;
	const char *source = strcmp(via, "email") == 0 ? "email" : strcmp(via, "api") == 0 ? "api" : "chat";
	int had = 0;
	for (int i = 0; i < iv->nfeedback; i++)
		had |= iv->feedback[i].person_id == c->actor->id;
	if (store_feedback_put(c->st, iv->id, c->actor->id, f->rating, f->rec, f->text, f->notes, source,
	                       c->req->now) < 0)
		return cmd_store_fail(c);
	return cmd_audit(c, had ? "feedback changed" : "feedback", iv->id, "rating %d, recommendation %s", f->rating,
	                 f->rec ? store_rec_name(f->rec) : "none");
}

/* Reads what was said and loads the target interview with its feedback. */
static int said_about(struct cmd_ctx *c, struct said *f, struct store_interview *iv)
{
	return read_said(c, f) < 0 || cmd_target(c, iv, 1) < 0 ? -1 : 0;
}

int cmd_complete(struct cmd_ctx *c)
{
	struct store_interview iv;
	struct said f;
	if (said_about(c, &f, &iv) < 0)
		return -1;
	int rc = -1;
	if (cmd_transition(c, &iv, ST_COMPLETED) == 0 && cmd_audit(c, "complete", iv.id, NULL) == 0 &&
	    (!f.any || save_said(c, &iv, &f) == 0) && reload(c, &iv) == 0)
		rc = reply_with(c, &iv, "Completed");
	store_interview_clear(&iv);
	return rc;
}

/* 1 when every panel member of IV (loaded with feedback) gave a rating or a
 * recommendation. */
static int all_feedback_in(const struct store_interview *iv)
{
	int in = 0;
	for (int i = 0; i < iv->npanel; i++)
		for (int j = 0; j < iv->nfeedback; j++)
			if (iv->feedback[j].person_id == iv->panel[i].id && (iv->feedback[j].rating || iv->feedback[j].rec)) {
				in++;
				break;
			}
	return iv->npanel > 0 && in == iv->npanel;
}

/* The last panel member's feedback came in: the interview is completed (if it is not
 * yet) and the recruiter who scheduled it is told, with every rating and
 * recommendation. */
static int feedback_complete(struct cmd_ctx *c, struct store_interview *iv)
{
	struct store_person rec;
	char text[1500];
	if (iv->status != ST_COMPLETED && (cmd_transition(c, iv, ST_COMPLETED) < 0 ||
	                                   cmd_audit(c, "complete", iv->id, "all feedback is in") < 0))
		return -1;
	int n = snprintf(text, sizeof text, "All feedback is in for #%lld %s:", (long long)iv->id, iv->candidate_name);
	for (int i = 0; i < iv->nfeedback && n > 0 && (size_t)n < sizeof text; i++) {
		const struct store_feedback *f = &iv->feedback[i];
		n += snprintf(text + n, sizeof text - (size_t)n, "%s %s", i ? ";" : "", f->handle);
		if (f->rating && (size_t)n < sizeof text)
			n += snprintf(text + n, sizeof text - (size_t)n, " %d/5", f->rating);
		if (f->rec && (size_t)n < sizeof text)
			n += snprintf(text + n, sizeof text - (size_t)n, " %s", store_rec_name(f->rec));
	}
	if (!iv->created_by || store_person_by_id(c->st, iv->created_by, &rec) != 1)
		return 0;
	return store_chat_add(c->st, rec.handle, "feedback complete", iv->id, text, c->req->now) < 0 ? cmd_store_fail(c) : 0;
}

/* Feedback that came by email: the recruiter who scheduled the interview hears of it
 * (in chat they saw nothing happen). */
static int tell_by_email(struct cmd_ctx *c, const struct store_interview *iv, const struct said *f)
{
	struct store_person rec;
	char text[600];
	if (strcmp(c->req->via, "email") != 0 || !iv->created_by || store_person_by_id(c->st, iv->created_by, &rec) != 1 ||
	    rec.id == c->actor->id)
		return 0;
	snprintf(text, sizeof text, "%s answered by email with feedback on #%lld %s: %d/5, %s", c->actor->handle,
	         (long long)iv->id, iv->candidate_name, f->rating, f->rec ? store_rec_name(f->rec) : "no recommendation");
	return store_chat_add(c->st, rec.handle, "feedback by email", iv->id, text, c->req->now) < 0 ? cmd_store_fail(c) : 0;
}

int cmd_feedback(struct cmd_ctx *c)
{
	struct store_interview iv;
	struct said f;
	if (said_about(c, &f, &iv) < 0)
		return -1;
	int was_in = all_feedback_in(&iv);
	int rc = -1;
	if (!f.any)
		cmd_bad(c, "give at least one of rating:, recommendation:, feedback: or notes:");
	else if (iv.status != ST_IN_PROGRESS && iv.status != ST_COMPLETED &&
	         !(iv.status == ST_SCHEDULED && iv.start <= c->req->now)) { /* nobody pressed start */
		char next[160];
		what_next(&iv, next, sizeof next);
		cmd_refuse(c, CMD_E_CONFLICT, "#%lld is %s; feedback is given once it has begun, and %s",
		         (long long)iv.id, said_status(iv.status), next);
	}
	else if (save_said(c, &iv, &f) == 0 && reload(c, &iv) == 0 && tell_by_email(c, &iv, &f) == 0 &&
	         (was_in || !all_feedback_in(&iv) || (feedback_complete(c, &iv) == 0 && reload(c, &iv) == 0)))
		rc = reply_with(c, &iv, "Feedback recorded for");
	store_interview_clear(&iv);
	return rc;
}
