/* render_json.c: replies as one line of JSON in the seed API's envelope, with the
 * seed's field names for interviews (README: "console --json"). */
#include "bot/render.h"
#include "lib/tzfmt.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

static void add_text(cJSON *o, const char *key, const char *v)
{
	if (v && *v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static void add_id(cJSON *o, const char *key, int64_t v)
{
	if (v)
		cJSON_AddNumberToObject(o, key, (double)v);
	else
		cJSON_AddNullToObject(o, key);
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
	char buf[32];
	if (t)
		cJSON_AddStringToObject(o, key, tzfmt("UTC", t, TZF_UTC, buf, sizeof buf));
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *feedback(const struct store_interview *iv)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < iv->nfeedback; i++) {
		const struct store_feedback *f = &iv->feedback[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "interviewer", f->handle);
		if (f->rating)
			cJSON_AddNumberToObject(o, "rating", f->rating);
		else
			cJSON_AddNullToObject(o, "rating");
		add_text(o, "recommendation", f->rec ? store_rec_name(f->rec) : NULL);
		add_text(o, "feedback", f->feedback);
		add_text(o, "notes", f->notes);
		cJSON_AddStringToObject(o, "source", f->source);
		add_time(o, "updated_at", f->updated_at);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *actions(const struct store_interview *iv)
{
	static const char *const names[] = {"reschedule", "cancel", "start", "complete", "feedback"};
	cJSON *a = cJSON_CreateArray();
	unsigned bits = cmd_actions(iv);
	for (int i = 0; i < 5; i++)
		if (bits & (1u << i))
			cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
	return a;
}

cJSON *render_json_interview(const struct store_interview *iv)
{
	cJSON *o = cJSON_CreateObject(), *panel = cJSON_CreateArray();
	cJSON_AddNumberToObject(o, "id", (double)iv->id);
	cJSON_AddNumberToObject(o, "candidate_id", (double)iv->candidate_id);
	add_id(o, "job_id", iv->job_id);
	add_time(o, "scheduled_datetime", iv->start);
	cJSON_AddStringToObject(o, "interview_type", store_type_name(iv->type));
	cJSON_AddNumberToObject(o, "duration_minutes", iv->duration);
	cJSON_AddStringToObject(o, "status", store_status_name(iv->status));
	add_text(o, "location", iv->location);
	add_text(o, "meeting_link", iv->link);
	add_text(o, "notes", iv->notes);
	cJSON_AddNumberToObject(o, "round", iv->round);
	cJSON_AddStringToObject(o, "candidate_name", iv->candidate_name);
	cJSON_AddStringToObject(o, "candidate_email", iv->candidate_email);
	add_text(o, "job_title", iv->job_title);
	for (int i = 0; i < iv->npanel; i++)
		cJSON_AddItemToArray(panel, cJSON_CreateString(iv->panel[i].handle));
	cJSON_AddItemToObject(o, "interviewers", panel);
	add_id(o, "rescheduled_from", iv->rescheduled_from);
	add_id(o, "rescheduled_to", iv->rescheduled_to);
	add_text(o, "cancel_reason", iv->cancel_reason);
	cJSON_AddItemToObject(o, "feedback", feedback(iv));
	if (iv->nrsvp) { /* what the attendees' calendars answered ("show") */
		cJSON *answers = cJSON_AddArrayToObject(o, "responses");
		for (int i = 0; i < iv->nrsvp; i++) {
			cJSON *a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "email", iv->rsvp[i].email);
			cJSON_AddStringToObject(a, "response", iv->rsvp[i].partstat);
			cJSON_AddItemToArray(answers, a);
		}
	}
	add_time(o, "started_at", iv->started_at);
	add_time(o, "completed_at", iv->completed_at);
	add_time(o, "created_at", iv->created_at);
	cJSON_AddItemToObject(o, "actions", actions(iv));
	return o;
}

static cJSON *interviews(const struct cmd_reply *r, int from)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = from; i < r->nitems; i++)
		cJSON_AddItemToArray(a, render_json_interview(&r->items[i]));
	return a;
}

static void notes(const struct cmd_reply *r, cJSON *data)
{
	if (!r->nnotes)
		return;
	cJSON *a = cJSON_AddArrayToObject(data, "notes");
	for (int i = 0; i < r->nnotes; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(r->notes[i]));
}

static cJSON *data(const struct cmd_reply *r)
{
	cJSON *d = cJSON_CreateObject(), *c;
	if (r->kind == REPLY_STATS) {
		cJSON_AddNumberToObject(d, "today", r->stats.today);
		cJSON_AddNumberToObject(d, "this_week", r->stats.this_week);
		cJSON_AddNumberToObject(d, "completed", r->stats.completed);
		cJSON_AddNumberToObject(d, "cancelled", r->stats.cancelled);
		return d;
	}
	cJSON_AddStringToObject(d, "message", r->message);
	switch (r->kind) {
	case REPLY_INTERVIEW:
		cJSON_AddItemToObject(d, "interview", render_json_interview(&r->items[0]));
		if (r->nitems > 1)
			cJSON_AddItemToObject(d, "previous", render_json_interview(&r->items[1]));
		break;
	case REPLY_CANDIDATE:
		c = cJSON_AddObjectToObject(d, "candidate");
		cJSON_AddNumberToObject(c, "id", (double)r->candidate.id);
		cJSON_AddStringToObject(c, "name", r->candidate.name);
		cJSON_AddStringToObject(c, "email", r->candidate.email);
		/* fall through */
	case REPLY_LIST:
		cJSON_AddItemToObject(d, "interviews", interviews(r, 0));
		cJSON_AddNumberToObject(d, "count", r->nitems);
		cJSON_AddNumberToObject(d, "total", r->total);
		cJSON_AddStringToObject(d, "tz", r->tz);
		break;
	case REPLY_TEXT:
		add_text(d, "text", r->text);
		cJSON_AddStringToObject(d, "tz", r->tz);
		break;
	case REPLY_DUPLICATE: cJSON_AddTrueToObject(d, "duplicate"); break;
	default: break;
	}
	notes(r, d);
	return d;
}

char *render_json(const struct cmd_reply *r)
{
	cJSON *env = cJSON_CreateObject();
	if (r->kind == REPLY_ERROR) {
		cJSON_AddFalseToObject(env, "success");
		cJSON_AddStringToObject(env, "error", r->message);
		if (r->usage)
			cJSON_AddStringToObject(env, "usage", r->usage);
		if (r->nitems)
			cJSON_AddItemToObject(env, "conflicts", interviews(r, 0));
	} else {
		cJSON_AddTrueToObject(env, "success");
		cJSON_AddItemToObject(env, "data", data(r));
	}
	char *s = cJSON_PrintUnformatted(env);
	cJSON_Delete(env);
	return s;
}
