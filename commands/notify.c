/* notify.c: which emails an event causes, one per person, queued in the outbox inside
 * the event's transaction. mail/ composes and sends them later from the payload. */
#include "commands/internal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

int cmd_queue_email(struct store *st, const struct cmd_email *m, time_t now)
{
	if (!m->to[0])
		return 0;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "event", m->kind);
	cJSON_AddStringToObject(p, "role", m->role);
	cJSON_AddStringToObject(p, "name", m->name);
	cJSON_AddStringToObject(p, "tz", m->tz);
	cJSON_AddNumberToObject(p, "interview", (double)m->iv->id);
	cJSON_AddNumberToObject(p, "sequence", m->sequence);
	if (m->old)
		cJSON_AddNumberToObject(p, "previous", (double)m->old->id);
	if (m->request)
		cJSON_AddNumberToObject(p, "request", (double)m->request);
	if (m->understood)
		cJSON_AddStringToObject(p, "understood", m->understood);
	if (m->missing)
		cJSON_AddStringToObject(p, "missing", m->missing);
	char *json = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	int rc = json ? store_outbox_add(st, "email", m->kind, m->to, m->iv->id, json, now) : -1;
	free(json);
	return rc;
}

/* One email: KIND about IV to one person, with the calendar SEQUENCE the event has
 * now (taken here, at the event, since the mail is composed later). */
static int queue(struct cmd_ctx *c, const char *kind, const char *role, const char *email, const char *name,
                 const char *tz, const struct store_interview *iv, const struct store_interview *old, int sequence)
{
	struct cmd_email m = {.kind = kind, .role = role, .to = email, .name = name,
	                      .tz = tz[0] ? tz : c->set->default_tz, .iv = iv, .old = old, .sequence = sequence};
	return cmd_queue_email(c->st, &m, c->req->now) < 0 ? cmd_store_fail(c) : 0;
}

static int in_panel(const struct store_interview *iv, int64_t id)
{
	for (int i = 0; iv && i < iv->npanel; i++)
		if (iv->panel[i].id == id)
			return 1;
	return 0;
}

int cmd_notify(struct cmd_ctx *c, const char *kind, const struct store_interview *iv,
               const struct store_interview *old)
{
	int seq = iv->sequence;
	if (queue(c, kind, "candidate", iv->candidate_email, iv->candidate_name, iv->candidate_tz, iv, old, seq) < 0)
		return -1;
	for (int i = 0; i < iv->npanel; i++) {
		const struct store_panelist *p = &iv->panel[i];
		const char *k = old && !in_panel(old, p->id) ? "scheduled" : kind;
		if (queue(c, k, "panel", p->email, p->name, p->tz, iv, old, seq) < 0)
			return -1;
	}
	for (int i = 0; old && i < old->npanel; i++) {
		const struct store_panelist *p = &old->panel[i];
		if (!in_panel(iv, p->id) && queue(c, "removed", "panel", p->email, p->name, p->tz, old, NULL, seq) < 0)
			return -1;
	}
	return 0;
}

int cmd_nudge_feedback(struct store *st, const struct cmd_settings *set, int64_t request, const char *understood,
                       const char *missing, time_t now)
{
	struct store_freq f;
	struct store_person p;
	struct store_interview iv;
	if (store_freq_get(st, request, &f) != 1 || store_person_by_id(st, f.person_id, &p) != 1 ||
	    store_interview_get(st, f.interview_id, &iv, 0) != 1)
		return -1;
	struct cmd_email m = {.kind = "feedback_unreadable", .role = "panel", .to = p.email, .name = p.name,
	                      .tz = p.tz[0] ? p.tz : set->default_tz, .iv = &iv, .sequence = iv.sequence,
	                      .request = request, .understood = understood, .missing = missing};
	int rc = cmd_queue_email(st, &m, now);
	store_interview_clear(&iv);
	return rc;
}
