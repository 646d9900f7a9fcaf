/* digest.c: see digest.h. */
#include "commands/digest.h"
#include "lib/tz.h"
#include "lib/tzfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DIGEST_ROWS 2000 /* interviews read for a day; a team has far fewer */
#define DIGEST_SHOWN 100 /* lines of today's interviews in one message */

struct text {
	char *s;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !t->s)
		return;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->cap + (size_t)n + 1) * 2;
		char *s = realloc(t->s, cap);
		if (!s) {
			free(t->s);
			t->s = NULL;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

int digest_wanted(const struct digest_spec *d, const struct store_interview *iv)
{
	int job = d->njobs == 0, who = d->npeople == 0;
	for (int i = 0; !job && i < d->njobs; i++)
		job = strcasecmp(d->jobs[i], iv->job_title) == 0;
	for (int i = 0; !who && i < d->npeople; i++)
		for (int j = 0; j < iv->npanel; j++)
			who |= strcasecmp(d->people[i], iv->panel[j].handle) == 0;
	return job && who;
}

/* Appends what the query F finds to *OUT (*N rows), leaving out interviews already
 * there and those the channel does not want. */
static int gather(struct store *st, const struct digest_spec *d, const struct store_filter *f,
                  struct store_interview **out, int *n)
{
	struct store_interview *got;
	int ngot, total;
	if (store_interview_list(st, f, &got, &ngot, &total) < 0)
		return -1;
	struct store_interview *grown = realloc(*out, (size_t)(*n + ngot + 1) * sizeof *grown);
	if (!grown) {
		store_interviews_free(got, ngot);
		return -1;
	}
	*out = grown;
	for (int i = 0; i < ngot; i++) {
		int dup = 0;
		for (int j = 0; j < *n && !dup; j++)
			dup = (*out)[j].id == got[i].id;
		if (!dup && digest_wanted(d, &got[i]))
			(*out)[(*n)++] = got[i]; /* lists carry no feedback: a plain copy owns nothing */
	}
	free(got);
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct store_interview *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start ? 1 : (x->id > y->id) - (x->id < y->id);
}

/* The channel's interviews starting in [from, to) into *OUT (malloc'd, *N of them), and
 * how many there are in *COUNT. A channel with filters asks the store per interviewer
 * (the panel index) or per job; one without reads the range, and with ROWS 0 only
 * counts it. */
static int read_range(struct store *st, const struct digest_spec *d, int64_t from, int64_t to, int rows,
                      struct store_interview **out, int *n, int *count)
{
	int filtered = d->njobs || d->npeople;
	struct store_filter f = {.from = from, .to = to, .limit = rows || filtered ? DIGEST_ROWS : 1,
	                         .status_mask = 1u << ST_SCHEDULED | 1u << ST_IN_PROGRESS | 1u << ST_COMPLETED};
	struct store_person p;
	*out = NULL;
	*n = 0;
	if (!filtered)
		return store_interview_list(st, &f, out, n, count);
	for (int i = 0; i < d->npeople; i++) {
		int rc = store_person_by_handle(st, d->people[i], &p);
		if (rc < 0)
			return -1;
		f.person_id = p.id;
		if (rc == 1 && gather(st, d, &f, out, n) < 0)
			return -1;
	}
	for (int i = 0; !d->npeople && i < d->njobs; i++) {
		int rc = store_job_find(st, d->jobs[i], &f.job_id);
		if (rc < 0 || (rc == 1 && gather(st, d, &f, out, n) < 0))
			return -1;
	}
	if (*n)
		qsort(*out, (size_t)*n, sizeof **out, by_start);
	*count = *n;
	return 0;
}

static void line(struct text *t, const struct digest_spec *d, const struct store_interview *iv)
{
	char from[16], to[16];
	add(t, "  %s-%s  #%lld %s%s%s, %s, round %d", tzfmt(d->zone, iv->start, TZF_TIME, from, sizeof from),
	    tzfmt(d->zone, iv->start + iv->duration * 60, TZF_TIME, to, sizeof to), (long long)iv->id, iv->candidate_name,
	    iv->job_title[0] ? " - " : "", iv->job_title, store_type_name(iv->type), iv->round);
	for (int i = 0; i < iv->npanel; i++)
		add(t, "%s%s", i ? ", " : " | ", iv->panel[i].handle);
	if (iv->location[0] || iv->link[0])
		add(t, " | %s", iv->location[0] ? iv->location : iv->link);
	add(t, "%s\n", iv->status == ST_SCHEDULED ? "" : iv->status == ST_IN_PROGRESS ? " (in progress)" : " (done)");
}

/* Pairs of today's active interviews that overlap and share a panel member. */
static void conflicts(struct text *t, const struct store_interview *ivs, int n)
{
	int found = 0;
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n && ivs[b].start < ivs[a].start + ivs[a].duration * 60; b++)
			for (int i = 0; i < ivs[a].npanel; i++)
				for (int j = 0; j < ivs[b].npanel; j++)
					if (ivs[a].panel[i].id == ivs[b].panel[j].id && ivs[a].status != ST_COMPLETED) {
						add(t, "%s#%lld and #%lld overlap for %s", found++ ? "; " : "Conflicts: ",
						    (long long)ivs[a].id, (long long)ivs[b].id, ivs[a].panel[i].handle);
						i = ivs[a].npanel, j = ivs[b].npanel;
					}
	if (found)
		add(t, "\n");
}

struct overdue {
	struct text *t;
	const struct digest_spec *d;
	int n, more;
	char last[STORE_HANDLE_MAX + 1];
};

/* One interviewer's overdue feedback on one job, kept if the channel wants both; rows
 * of one handle come together and are joined. */
static void overdue_row(const char *handle, const char *job, int n, const char *ids, void *arg)
{
	struct overdue *o = arg;
	int who = o->d->npeople == 0, what = o->d->njobs == 0;
	for (int i = 0; !who && i < o->d->npeople; i++)
		who = strcasecmp(o->d->people[i], handle) == 0;
	for (int i = 0; !what && i < o->d->njobs; i++)
		what = strcasecmp(o->d->jobs[i], job) == 0;
	if (!who || !what)
		return;
	if (o->n >= 40) { /* one chat message: the rest is counted, not listed */
		o->more += n;
		return;
	}
	(void)n;
	if (strcmp(o->last, handle) != 0)
		add(o->t, "%s%s", o->n ? "; " : "Feedback overdue: ", handle);
	add(o->t, " %s", ids); /* "Feedback overdue: alice #12 #15; bob #17" */
	o->n++;
	snprintf(o->last, sizeof o->last, "%s", handle);
}

char *digest_render(struct store *st, const struct cmd_settings *set, const struct digest_spec *d, time_t now,
                    char *err, size_t errlen)
{
	struct text t = {malloc(1024), 0, 1024};
	struct store_interview *today = NULL, *week = NULL;
	struct store_stats totals;
	int ntoday = 0, nweek = 0, count_today = 0, count_week = 0;
	int64_t day[2], wk[2];
	char title[64];
	tz_day_week(d->zone, now, day, wk);
	tzfmt(d->zone, now, TZF_DAY, title, sizeof title);
	if (!t.s || read_range(st, d, day[0], day[1], 1, &today, &ntoday, &count_today) < 0 ||
	    read_range(st, d, wk[0], wk[1], 0, &week, &nweek, &count_week) < 0 ||
	    store_stats(st, 0, day[0], day[1], wk[0], wk[1], &totals) < 0) {
		snprintf(err, errlen, "%s", t.s ? store_error(st) : "out of memory");
		free(t.s);
		t.s = NULL;
		goto out;
	}
	t.s[0] = 0;
	add(&t, "Digest for %s, %s (times in %s)\n", d->name, title, d->zone);
	add(&t, "Today %d | this week %d | completed %d | cancelled %d%s\n", count_today, count_week, totals.completed,
	    totals.cancelled, d->njobs || d->npeople ? " (completed and cancelled: all teams)" : "");
	for (int i = 0; i < ntoday && i < DIGEST_SHOWN; i++)
		line(&t, d, &today[i]);
	if (count_today > DIGEST_SHOWN)
		add(&t, "  ... and %d more today (list today shows them all)\n", count_today - DIGEST_SHOWN);
	if (!ntoday)
		add(&t, "  No interviews today.\n");
	conflicts(&t, today, ntoday);
	struct overdue o = {&t, d, 0, 0, ""};
	if (store_overdue(st, now, now - 14 * 86400, now - set->chase_after, overdue_row, &o) < 0) {
		snprintf(err, errlen, "%s", store_error(st));
		free(t.s);
		t.s = NULL;
	} else if (o.n) {
		if (o.more)
			add(&t, "; and %d more interviews", o.more);
		add(&t, "\n");
	}
out:
	store_interviews_free(today, ntoday);
	store_interviews_free(week, nweek);
	return t.s;
}
