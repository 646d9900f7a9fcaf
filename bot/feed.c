/* feed.c: see feed.h. */
#include "bot/feed.h"
#include "bot/timer.h"
#include "commands/access.h"
#include "commands/digest.h"
#include "mail/ics.h"
#include "mail/notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_MAX 5000 /* events in one feed: far more than 120 days of anyone's panels */

struct ev_text {
	char uid[400], summary[600], description[1500];
	struct ics_person who[STORE_PANEL_MAX + 1];
};

static void describe(const struct app *app, const struct store_interview *iv, struct ev_text *t, const char *instance)
{
	size_t used = 0;
	notice_uid(app->cfg.mail_from, instance, iv->root_id ? iv->root_id : iv->id, t->uid, sizeof t->uid);
	snprintf(t->summary, sizeof t->summary, "Interview: %s%s%s%s, round %d", iv->candidate_name,
	         iv->job_title[0] ? " (" : "", iv->job_title, iv->job_title[0] ? ")" : "", iv->round);
	used += (size_t)snprintf(t->description, sizeof t->description, "#%lld, %s, %d minutes, %s.", (long long)iv->id,
	                         store_type_name(iv->type), iv->duration, store_status_name(iv->status));
	if (iv->link[0] && used < sizeof t->description)
		used += (size_t)snprintf(t->description + used, sizeof t->description - used, "\nJoin: %s", iv->link);
	for (int i = 0; i < iv->npanel && used < sizeof t->description; i++)
		used += (size_t)snprintf(t->description + used, sizeof t->description - used, "%s%s", i ? ", " : "\nPanel: ",
		                         iv->panel[i].name);
	if (iv->notes[0] && used < sizeof t->description)
		snprintf(t->description + used, sizeof t->description - used, "\nNotes: %s", iv->notes);
}

char *feed_calendar(const struct app *app, struct store *st, const char *name, const struct store_interview *ivs,
                    int n, time_t now)
{
	char instance[64];
	if (store_instance(st, instance, sizeof instance) < 0)
		return NULL;
	struct ics_invite *evs = calloc((size_t)n + 1, sizeof *evs);
	struct ev_text *texts = calloc((size_t)n + 1, sizeof *texts);
	char *cal = NULL;
	if (evs && texts) {
		for (int i = 0; i < n; i++) {
			const struct store_interview *iv = &ivs[i];
			struct ev_text *t = &texts[i];
			int count = 0;
			describe(app, iv, t, instance);
			t->who[count++] = (struct ics_person){iv->candidate_name, iv->candidate_email};
			for (int k = 0; k < iv->npanel; k++)
				if (iv->panel[k].email[0])
					t->who[count++] = (struct ics_person){iv->panel[k].name, iv->panel[k].email};
			evs[i] = (struct ics_invite){iv->status == ST_CANCELLED, t->uid, 0, now, iv->start,
			                             iv->start + iv->duration * 60, t->summary, iv->location[0] ? iv->location
			                                                                                        : iv->link,
			                             t->description, {"", app->reply_address}, t->who, count};
		}
		cal = name ? ics_feed(name, evs, n) : ics_events(evs, n);
	}
	free(evs);
	free(texts);
	return cal;
}

/* The interviews of the feed: a person's panels, or those a team's digest would show. */
static int feed_interviews(struct app *app, struct store *st, char kind, const char *subject, time_t now,
                           struct store_interview **ivs, int *n, char *name, size_t namelen)
{
	struct store_filter f = {.from = now - 30 * 86400, .to = now + 90 * 86400, .limit = FEED_MAX};
	struct store_person p;
	int total, found = 0;
	f.status_mask = ~(1u << ST_RESCHEDULED);
	if (kind == 'f') {
		if (store_person_by_id(st, atoll(subject), &p) != 1 || p.role == ROLE_NONE)
			return 0;
		f.person_id = p.id;
		snprintf(name, namelen, "Interviews: %s", p.name[0] ? p.name : p.handle);
		return store_interview_list(st, &f, ivs, n, &total) < 0 ? -1 : 1;
	}
	const char *jobs[CFG_WORDS_MAX], *people[CFG_WORDS_MAX];
	struct digest_spec spec;
	app_hold();
	for (int i = 0; i < app->cfg.ndigests && !found; i++)
		if (strcmp(app->cfg.digests[i].name, subject) == 0) {
			timer_digest_spec(&app->cfg.digests[i], &spec, jobs, people);
			found = 1;
		}
	if (found && store_interview_list(st, &f, ivs, n, &total) < 0)
		found = -1;
	int keep = 0;
	for (int i = 0; found == 1 && i < *n; i++) {
		if (digest_wanted(&spec, &(*ivs)[i]))
			(*ivs)[keep++] = (*ivs)[i];
		else
			store_interview_clear(&(*ivs)[i]);
	}
	if (found == 1)
		*n = keep;
	app_release();
	snprintf(name, namelen, "Interviews: %s", subject);
	return found;
}

void feed_answer(struct app *app, struct store *st, const char *file, time_t now, struct api_response *rs)
{
	char token[ACCESS_TOKEN_MAX], subject[STORE_NAME_MAX + 1], kind = 0, name[300];
	size_t n = strlen(file);
	struct store_interview *ivs = NULL;
	int count = 0, rc = 0;
	rs->content_type = "application/json";
	if (n > 4 && n - 4 < sizeof token && strcmp(file + n - 4, ".ics") == 0) {
		snprintf(token, sizeof token, "%.*s", (int)(n - 4), file);
		rc = access_check(st, token, &kind, subject);
	}
	if (rc == 1 && kind != 'a')
		rc = feed_interviews(app, st, kind, subject, now, &ivs, &count, name, sizeof name);
	else if (rc == 1)
		rc = 0; /* an API token is no feed */
	char *cal = rc == 1 ? feed_calendar(app, st, name, ivs, count, now) : NULL;
	store_interviews_free(ivs, count);
	if (rc == 1 && cal) {
		rs->status = 200;
		rs->content_type = "text/calendar; charset=utf-8";
		buf_add(&rs->body, cal);
	} else {
		rs->status = rc < 0 || rc == 1 ? 500 : 404;
		buf_add(&rs->body, rs->status == 404 ? "{\"success\": false, \"error\": \"no such feed (the address was "
		                                       "rotated or mistyped)\"}\n"
		                                     : "{\"success\": false, \"error\": \"the feed could not be made\"}\n");
	}
	free(cal);
}
