/* schedule.c: the commands that create an interview — schedule, reschedule and next —
 * sharing one path: read the plan, check conflicts, insert, audit, queue the notices. */
#include "commands/internal.h"
#include "commands/when.h"
#include "lib/str.h"
#include "lib/tz.h"
#include "lib/tzfmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_when(struct cmd_ctx *c, struct store_interview *iv)
{
	const char *when = cmd_opt(c->args, "when");
	char err[512], at[64];
	time_t t;
	if (!when || !*when)
		return cmd_bad(c, "when is it? add when:\"2031-03-10 14:00\" (or \"tomorrow 2pm\", \"mon 10:30\")");
	if (when_parse(when, cmd_zone(c), c->req->now, &t, err, sizeof err) < 0)
		return cmd_bad(c, "when: %s", err);
	if (t <= c->req->now)
		return cmd_bad(c, "when: %s (%s) is in the past; pick a time after now",
		                tzfmt(cmd_zone(c), t, TZF_DAY_TIME, at, sizeof at), cmd_zone(c));
	iv->start = t;
	return 0;
}

static int read_type(struct cmd_ctx *c, struct store_interview *iv)
{
	const char *v = cmd_opt(c->args, "type");
	if (!v)
		return 0;
	char word[16];
	str_copy(word, sizeof word, v);
	for (char *p = word; *p; p++)
		*p = *p == '-' || *p == ' ' ? '_' : (char)tolower((unsigned char)*p);
	int t = store_type_parse(strcmp(word, "inperson") == 0 || strcmp(word, "onsite") == 0 ? "in_person" : word);
	if (t < 0)
		return cmd_bad(c, "type: must be phone, video, in_person, technical, hr or final, not \"%s\"", v);
	iv->type = (enum store_type)t;
	return 0;
}

static int read_link(struct cmd_ctx *c, struct store_interview *iv)
{
	const char *v = cmd_opt(c->args, "link");
	if (!v)
		return 0;
	if (*v && ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) || strchr(v, ' ')))
		return cmd_bad(c, "link: must be a web address starting with https://, not \"%s\"", v);
	if (cmd_check_text(c, "link", v, STORE_TEXT_MAX) < 0)
		return -1;
	str_copy(iv->link, sizeof iv->link, v);
	return 0;
}

/* location:, notes: — free text, replacing what the interview had. */
static int read_texts(struct cmd_ctx *c, struct store_interview *iv)
{
	const char *loc = cmd_opt(c->args, "location"), *notes = cmd_opt(c->args, "notes");
	if (cmd_check_text(c, "location", loc, STORE_TEXT_MAX) < 0 || cmd_check_text(c, "notes", notes, STORE_NOTES_MAX) < 0)
		return -1;
	if (loc)
		str_copy(iv->location, sizeof iv->location, loc);
	if (notes)
		str_copy(iv->notes, sizeof iv->notes, notes);
	return 0;
}

static int add_panelist(struct cmd_ctx *c, struct store_interview *iv, const char *who)
{
	struct store_person p;
	if (cmd_find_person(c, who, 1, &p) < 0)
		return -1;
	for (int i = 0; i < iv->npanel; i++)
		if (iv->panel[i].id == p.id)
			return 0;
	if (iv->npanel == STORE_PANEL_MAX)
		return cmd_bad(c, "with: at most %d interviewers", STORE_PANEL_MAX);
	struct store_panelist *pl = &iv->panel[iv->npanel++];
	pl->id = p.id;
	str_copy(pl->handle, sizeof pl->handle, p.handle);
	str_copy(pl->name, sizeof pl->name, p.name);
	str_copy(pl->email, sizeof pl->email, p.email);
	str_copy(pl->tz, sizeof pl->tz, p.tz);
	return 0;
}

/* with:alice,bob — handles, emails or mentions, separated by commas or spaces;
 * replaces the panel. */
static int read_panel(struct cmd_ctx *c, struct store_interview *iv)
{
	const char *v = cmd_opt(c->args, "with");
	if (!v)
		return 0;
	char list[1024];
	if (str_copy(list, sizeof list, v) < 0)
		return cmd_bad(c, "with: is too long");
	iv->npanel = 0;
	char *save = NULL;
	for (char *w = strtok_r(list, ", ", &save); w; w = strtok_r(NULL, ", ", &save))
		if (add_panelist(c, iv, w) < 0)
			return -1;
	return 0;
}

static int read_plan(struct cmd_ctx *c, struct store_interview *iv)
{
	const char *d = cmd_opt(c->args, "duration");
	char err[256];
	if (read_when(c, iv) < 0)
		return -1;
	if (d && when_duration(d, &iv->duration, err, sizeof err) < 0)
		return cmd_bad(c, "duration: %s", err);
	return read_type(c, iv) < 0 || read_link(c, iv) < 0 || read_texts(c, iv) < 0 || read_panel(c, iv) < 0 ? -1 : 0;
}

static int read_force(struct cmd_ctx *c, int *force)
{
	const char *v = cmd_opt(c->args, "force");
	*force = 0;
	if (!v)
		return 0;
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0)
		*force = 1;
	else if (strcasecmp(v, "no") != 0 && strcasecmp(v, "false") != 0)
		return cmd_bad(c, "force: must be yes or no, not \"%s\"", v);
	return 0;
}

/* Why OTHER clashes with IV: the shared candidate, panel member or room. */
static void clash_reason(const struct store_interview *iv, const struct store_interview *other, char *buf,
                         size_t len)
{
	if (other->candidate_id == iv->candidate_id) {
		snprintf(buf, len, "%s has #%lld then", iv->candidate_name, (long long)other->id);
		return;
	}
	for (int i = 0; i < iv->npanel; i++)
		for (int j = 0; j < other->npanel; j++)
			if (iv->panel[i].id == other->panel[j].id) {
				snprintf(buf, len, "%s is on #%lld then", iv->panel[i].handle, (long long)other->id);
				return;
			}
	const char *room = other->location + strspn(other->location, " \t");
	int n = (int)strlen(room);
	while (n > 0 && isspace((unsigned char)room[n - 1]))
		n--;
	snprintf(buf, len, "%.*s is taken by #%lld then", n < 300 ? n : 300, room, (long long)other->id);
}

/* Refuses the plan when it overlaps an active interview, unless FORCE: then the clash
 * is noted and written to FORCED (create() puts it in the audit log). */
static int check_conflicts(struct cmd_ctx *c, struct store_interview *iv, int64_t exclude, int force,
                           char *forced, size_t len)
{
	struct store_interview found[8];
	int64_t ids[STORE_PANEL_MAX];
	char key[STORE_TEXT_MAX + 1], why[400];
	for (int i = 0; i < iv->npanel; i++)
		ids[i] = iv->panel[i].id;
	store_location_key(iv->location, key, sizeof key);
	int n = store_interview_conflicts(c->st, iv->start, iv->start + iv->duration * 60, iv->candidate_id, ids,
	                                  iv->npanel, key, exclude, found, 8);
	if (n < 0)
		return cmd_store_fail(c);
	if (n == 0)
		return 0;
	clash_reason(iv, &found[0], why, sizeof why);
	int rc = 0;
	for (int i = 0; i < n && !force && rc == 0; i++)
		rc = cmd_reply_add(c, &found[i]);
	for (int i = 0; i < n; i++)
		store_interview_clear(&found[i]);
	if (rc < 0)
		return -1;
	if (!force)
		return cmd_refuse(c, CMD_E_CONFLICT, "that overlaps %d active interview%s: %s; add force:yes to schedule it anyway", n,
		                n == 1 ? "" : "s", why);
	cmd_note(c, "scheduled over %d conflict%s (force:yes): %s", n, n == 1 ? "" : "s", why);
	snprintf(forced, len, "%d conflicting interview%s, the first: %s", n, n == 1 ? "" : "s", why);
	return 0;
}

/* Inserts IV (status scheduled), audits it and queues its notices; the reply shows the
 * stored row. */
static int create(struct cmd_ctx *c, struct store_interview *iv, const struct store_interview *old,
                  const char *forced)
{
	iv->status = ST_SCHEDULED;
	iv->created_by = c->actor->id;
	iv->created_at = iv->updated_at = c->req->now;
	iv->rescheduled_from = old ? old->id : 0;
	if (store_interview_insert(c->st, iv) < 0)
		return cmd_store_fail(c);
	if (cmd_audit(c, old ? "reschedule" : "schedule", iv->id, old ? "from #%lld" : NULL, (long long)iv->rescheduled_from) < 0)
		return -1;
	if (forced[0] && cmd_audit(c, "forced conflict", iv->id, "%s", forced) < 0)
		return -1;
	struct store_interview stored; /* with the candidate's and panel's addresses */
	if (store_interview_get(c->st, iv->id, &stored, 0) <= 0)
		return cmd_store_fail(c);
	if (old && cmd_drop_duties(c, old->id, "the interview was rescheduled") < 0)
		return -1;
	return cmd_plan_duties(c, &stored) < 0 ? -1 : cmd_notify(c, old ? "rescheduled" : "scheduled", &stored, old);
}

static int reply_created(struct cmd_ctx *c, int64_t id, const char *verb)
{
	struct store_interview iv;
	if (store_interview_get(c->st, id, &iv, 0) <= 0)
		return cmd_store_fail(c);
	snprintf(c->out->message, sizeof c->out->message, "%s #%lld: %s%s%s, %s, round %d", verb, (long long)iv.id,
	         iv.candidate_name, iv.job_title[0] ? " for " : "", iv.job_title, store_type_name(iv.type), iv.round);
	c->out->kind = REPLY_INTERVIEW;
	return cmd_reply_add(c, &iv);
}

/* Reads the plan over what IV holds, then checks it against the calendar. */
static int plan_and_check(struct cmd_ctx *c, struct store_interview *iv, int64_t exclude, char *forced,
                          size_t len)
{
	int force;
	if (read_force(c, &force) < 0 || read_plan(c, iv) < 0)
		return -1;
	return check_conflicts(c, iv, exclude, force, forced, len);
}

/* "Jane Doe <jane@example.com>" → name and email. */
static int split_address(const char *v, char *name, size_t nlen, char *email, size_t elen)
{
	const char *lt = strrchr(v, '<');
	size_t n = strlen(v);
	if (!lt || n < 3 || v[n - 1] != '>')
		return -1;
	size_t e = (size_t)(v + n - 1 - (lt + 1));
	if (e >= elen)
		return -1;
	memcpy(email, lt + 1, e);
	email[e] = 0;
	size_t k = (size_t)(lt - v);
	while (k && v[k - 1] == ' ')
		k--;
	if (k >= nlen)
		return -1;
	memcpy(name, v, k);
	name[k] = 0;
	return 0;
}

static int new_candidate(struct cmd_ctx *c, const char *name, const char *email, struct store_candidate *cand)
{
	if (!*name)
		return cmd_bad(c, "candidate: a new candidate needs a name: candidate:\"Jane Doe <%s>\"", email);
	if (cmd_check_text(c, "candidate", name, STORE_NAME_MAX) < 0)
		return -1;
	memset(cand, 0, sizeof *cand);
	str_copy(cand->name, sizeof cand->name, name);
	str_copy(cand->email, sizeof cand->email, email);
	if (store_candidate_insert(c->st, cand, c->req->now) < 0)
		return cmd_store_fail(c);
	cmd_note(c, "new candidate %s <%s>", name, email);
	return 0;
}

/* candidate: "Name <email>" (added if new), an email, or a part of a known name. */
static int schedule_candidate(struct cmd_ctx *c, const char *v, struct store_candidate *cand)
{
	char name[STORE_NAME_MAX + 1], email[STORE_EMAIL_MAX + 1];
	if (!v || !*v)
		return cmd_bad(c, "who is the candidate? add candidate:\"Jane Doe <jane@example.com>\"");
	if (split_address(v, name, sizeof name, email, sizeof email) < 0) {
		if (strchr(v, '@') && !str_is_email(v))
			return cmd_bad(c, "candidate: \"%s\" is not an email address", v);
		if (strchr(v, '@') && store_candidate_by_email(c->st, v, cand) == 0)
			return cmd_bad(c, "candidate: %s is new; give a name too: candidate:\"Jane Doe <%s>\"", v, v);
		return cmd_find_candidate(c, v, cand);
	}
	if (!str_is_email(email))
		return cmd_bad(c, "candidate: \"%s\" is not an email address", email);
	int rc = store_candidate_by_email(c->st, email, cand);
	if (rc < 0)
		return cmd_store_fail(c);
	return rc ? 0 : new_candidate(c, name, email, cand);
}

/* candidate_tz: the zone the candidate reads their emails in, kept with the candidate. */
static int read_candidate_tz(struct cmd_ctx *c, struct store_candidate *cand)
{
	const char *zone = cmd_opt(c->args, "candidate_tz");
	if (!zone)
		return 0;
	if (!tz_valid(zone))
		return cmd_bad(c, "candidate_tz: unknown time zone \"%s\"; use an IANA name such as Europe/Paris", zone);
	if (store_candidate_set_tz(c->st, cand->id, zone) < 0)
		return cmd_store_fail(c);
	str_copy(cand->tz, sizeof cand->tz, zone);
	return 0;
}

static int read_job(struct cmd_ctx *c, struct store_interview *iv)
{
	const char *job = cmd_opt(c->args, "job");
	if (!job)
		return 0;
	if (!*job) {
		iv->job_id = 0;
		return 0;
	}
	if (cmd_check_text(c, "job", job, STORE_NAME_MAX) < 0)
		return -1;
	if (store_job_ensure(c->st, job, &iv->job_id) < 0)
		return cmd_store_fail(c);
	return 0;
}

static int read_round(struct cmd_ctx *c, struct store_interview *iv)
{
	const char *v = cmd_opt(c->args, "round");
	char *end;
	if (!v)
		return 0;
	long r = strtol(v, &end, 10);
	if (!*v || *end || r < 1 || r > 50)
		return cmd_bad(c, "round: must be a whole number from 1 to 50, not \"%s\"", v);
	iv->round = (int)r;
	return 0;
}

static int no_words(struct cmd_ctx *c)
{
	if (c->args->npos)
		return cmd_bad(c, "unexpected \"%s\" (options are written key:value)", c->args->pos[0]);
	return 0;
}

int cmd_schedule(struct cmd_ctx *c)
{
	struct store_interview iv;
	struct store_candidate cand;
	char forced[512] = "";
	memset(&iv, 0, sizeof iv);
	iv.duration = c->set->default_duration;
	iv.type = c->set->default_type;
	iv.round = 1;
	if (no_words(c) < 0 || schedule_candidate(c, cmd_opt(c->args, "candidate"), &cand) < 0 ||
	    read_candidate_tz(c, &cand) < 0)
		return -1;
	iv.candidate_id = cand.id;
	str_copy(iv.candidate_name, sizeof iv.candidate_name, cand.name);
	if (read_job(c, &iv) < 0 || read_round(c, &iv) < 0 || plan_and_check(c, &iv, 0, forced, sizeof forced) < 0 ||
	    create(c, &iv, NULL, forced) < 0)
		return -1;
	return reply_created(c, iv.id, "Scheduled");
}

int cmd_reschedule(struct cmd_ctx *c)
{
	struct store_interview old, iv;
	char forced[512] = "";
	const char *reason = cmd_opt(c->args, "reason");
	if (cmd_target(c, &old, 0) < 0)
		return -1;
	if (old.status != ST_SCHEDULED && old.status != ST_CANCELLED) {
		cmd_transition(c, &old, ST_RESCHEDULED); /* refuses, saying what can be done */
		store_interview_clear(&old);
		return -1;
	}
	iv = old;
	iv.id = 0;
	iv.root_id = old.root_id ? old.root_id : old.id; /* one calendar event for the chain */
	iv.sequence = old.sequence + 1;
	iv.cancel_reason[0] = 0;
	iv.started_at = iv.completed_at = iv.rescheduled_to = 0;
	int rc = -1;
	if (cmd_check_text(c, "reason", reason, STORE_TEXT_MAX) == 0 &&
	    plan_and_check(c, &iv, old.id, forced, sizeof forced) == 0 && create(c, &iv, &old, forced) == 0) {
		old.rescheduled_to = iv.id;
		if (reason)
			str_copy(old.cancel_reason, sizeof old.cancel_reason, reason);
		if (cmd_transition(c, &old, ST_RESCHEDULED) == 0 && reply_created(c, iv.id, "Rescheduled") == 0) {
			snprintf(c->out->message + strlen(c->out->message), sizeof c->out->message - strlen(c->out->message),
			         " (was #%lld)", (long long)old.id);
			rc = cmd_reply_add(c, &old);
		}
	}
	store_interview_clear(&old);
	return rc;
}

/* next CANDIDATE when:... — round + 1, with the job, type, duration and panel of the
 * candidate's latest round unless the command changes them. */
int cmd_next(struct cmd_ctx *c)
{
	struct store_candidate cand;
	struct store_interview iv;
	char who[512] = "", forced[512] = "";
	for (int i = 0; i < c->args->npos; i++)
		snprintf(who + strlen(who), sizeof who - strlen(who), "%s%s", i ? " " : "", c->args->pos[i]);
	if (cmd_find_candidate(c, who, &cand) < 0 || read_candidate_tz(c, &cand) < 0)
		return -1;
	int rc = store_interview_latest(c->st, cand.id, &iv);
	if (rc < 0)
		return cmd_store_fail(c);
	if (rc == 0)
		return cmd_fail(c, "%s has no interviews yet; use schedule for the first round", cand.name);
	store_interview_clear(&iv);
	iv.round++;
	iv.root_id = iv.sequence = 0;
	iv.id = iv.rescheduled_from = iv.rescheduled_to = iv.started_at = iv.completed_at = 0;
	iv.location[0] = iv.link[0] = iv.notes[0] = iv.cancel_reason[0] = 0;
	if (read_job(c, &iv) < 0 || plan_and_check(c, &iv, 0, forced, sizeof forced) < 0 ||
	    create(c, &iv, NULL, forced) < 0)
		return -1;
	return reply_created(c, iv.id, "Scheduled");
}
