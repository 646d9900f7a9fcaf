/* render_text.c: replies as plain text for the console. Times are in the reader's
 * zone, named once per reply. */
#include "bot/render.h"
#include "lib/tzfmt.h"

#include <stdlib.h>
#include <string.h>

static void times(const struct cmd_reply *r, const struct store_interview *iv, char *buf, size_t len)
{
	char day[64], end[16];
	tzfmt(r->tz, iv->start, TZF_DAY_TIME, day, sizeof day);
	tzfmt(r->tz, iv->start + iv->duration * 60, TZF_TIME, end, sizeof end);
	snprintf(buf, len, "%s-%s", day, end);
}

static void panel(const struct store_interview *iv, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (int i = 0; i < iv->npanel && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", iv->panel[i].handle);
}

static void line(FILE *out, const char *label, const char *value)
{
	if (value && *value)
		fprintf(out, "  %-10s %s\n", label, value);
}

static void status_line(const struct cmd_reply *r, const struct store_interview *iv, FILE *out)
{
	char span[32], at[16];
	if (iv->status == ST_IN_PROGRESS && iv->started_at) {
		fprintf(out, "  %-10s in progress for %s (started %s)\n", "status",
		        tzfmt_span(r->now - iv->started_at, span, sizeof span),
		        tzfmt(r->tz, iv->started_at, TZF_TIME, at, sizeof at));
		return;
	}
	line(out, "status", store_status_name(iv->status));
	if (iv->rescheduled_to)
		fprintf(out, "  %-10s #%lld\n", "moved to", (long long)iv->rescheduled_to);
	if (iv->rescheduled_from)
		fprintf(out, "  %-10s #%lld\n", "moved from", (long long)iv->rescheduled_from);
	line(out, iv->status == ST_RESCHEDULED ? "why" : "reason", iv->cancel_reason);
}

static void feedback(const struct store_interview *iv, FILE *out)
{
	for (int i = 0; i < iv->nfeedback; i++) {
		const struct store_feedback *f = &iv->feedback[i];
		fprintf(out, "  %-10s %s:", i ? "" : "feedback", f->handle);
		if (f->rating)
			fprintf(out, " %d/5", f->rating);
		if (f->rec)
			fprintf(out, " %s", store_rec_name(f->rec));
		if (f->feedback)
			fprintf(out, " \"%s\"", f->feedback);
		if (f->notes)
			fprintf(out, " (notes: %s)", f->notes);
		fputc('\n', out);
	}
}

/* The answers attendees' calendars sent (shown with the feedback, by "show"). */
static void answers(const struct store_interview *iv, FILE *out)
{
	for (int i = 0; i < iv->nrsvp; i++)
		fprintf(out, "  %-10s %s %s\n", i ? "" : "answers", iv->rsvp[i].email, iv->rsvp[i].partstat);
}

static void actions(const struct store_interview *iv, FILE *out)
{
	unsigned a = cmd_actions(iv);
	long long id = (long long)iv->id;
	if (!a)
		return;
	fprintf(out, "  %-10s", "next");
	const char *sep = " ";
	if (a & ACT_RESCHEDULE)
		fprintf(out, "%sreschedule #%lld when:...", sep, id), sep = " | ";
	if (a & ACT_CANCEL)
		fprintf(out, "%scancel #%lld reason:...", sep, id), sep = " | ";
	if (a & ACT_START)
		fprintf(out, "%sstart #%lld", sep, id), sep = " | ";
	if (a & ACT_COMPLETE)
		fprintf(out, "%scomplete #%lld rating:... recommendation:...", sep, id), sep = " | ";
	else if (a & ACT_FEEDBACK)
		fprintf(out, "%sfeedback #%lld rating:... recommendation:...", sep, id);
	fputc('\n', out);
}

static void card(const struct cmd_reply *r, const struct store_interview *iv, FILE *out)
{
	char buf[600];
	times(r, iv, buf, sizeof buf);
	fprintf(out, "  #%-9lld %s (%s)\n", (long long)iv->id, buf, r->tz);
	snprintf(buf, sizeof buf, "%s <%s>", iv->candidate_name, iv->candidate_email);
	line(out, "candidate", buf);
	line(out, "job", iv->job_title);
	snprintf(buf, sizeof buf, "%s, round %d, %d min", store_type_name(iv->type), iv->round, iv->duration);
	line(out, "type", buf);
	panel(iv, buf, sizeof buf);
	line(out, "panel", buf);
	line(out, "location", iv->location);
	line(out, "link", iv->link);
	line(out, "notes", iv->notes);
	status_line(r, iv, out);
	feedback(iv, out);
	answers(iv, out);
	actions(iv, out);
}

/* One line per interview, for lists and a candidate's history. */
static void row(const struct cmd_reply *r, const struct store_interview *iv, FILE *out)
{
	char when[64], who[400];
	tzfmt(r->tz, iv->start, TZF_DAY_TIME, when, sizeof when);
	panel(iv, who, sizeof who);
	fprintf(out, "  #%-6lld %s %3dm  %s%s%s  %s r%d  %s  [%s]", (long long)iv->id, when, iv->duration,
	        iv->candidate_name, iv->job_title[0] ? " - " : "", iv->job_title, store_type_name(iv->type), iv->round,
	        who[0] ? who : "(no panel)", store_status_name(iv->status));
	for (int i = 0; i < iv->nfeedback; i++)
		fprintf(out, "%s%s %d/5 %s", i ? ", " : "  ", iv->feedback[i].handle, iv->feedback[i].rating,
		        store_rec_name(iv->feedback[i].rec));
	fputc('\n', out);
}

static void rows(const struct cmd_reply *r, FILE *out)
{
	if (r->nitems)
		fprintf(out, "  (times in %s)\n", r->tz);
	for (int i = 0; i < r->nitems; i++)
		row(r, &r->items[i], out);
	if (r->total > r->nitems)
		fprintf(out, "  ... and %d more (add limit:%d to see them)\n", r->total - r->nitems,
		        r->total < 500 ? r->total : 500);
}

static void error(const struct cmd_reply *r, FILE *out)
{
	fprintf(out, "error: %s\n", r->message);
	for (int i = 0; i < r->nitems; i++)
		row(r, &r->items[i], out);
	if (r->usage)
		fprintf(out, "usage: %s\n", r->usage);
}

void render_text(const struct cmd_reply *r, FILE *out)
{
	if (r->kind == REPLY_ERROR) {
		error(r, out);
		return;
	}
	fprintf(out, "%s\n", r->message);
	switch (r->kind) {
	case REPLY_INTERVIEW: card(r, &r->items[0], out); break;
	case REPLY_LIST:
	case REPLY_CANDIDATE: rows(r, out); break;
	case REPLY_STATS:
		fprintf(out, "  today %d | this week %d | completed %d | cancelled %d\n", r->stats.today,
		        r->stats.this_week, r->stats.completed, r->stats.cancelled);
		break;
	case REPLY_TEXT:
		if (r->text[0])
			fprintf(out, "%s\n", r->text);
		break;
	default: break;
	}
	for (int i = 0; i < r->nnotes; i++)
		fprintf(out, "  note: %s\n", r->notes[i]);
}

char *render_text_string(const struct cmd_reply *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	render_text(r, f);
	if (fclose(f) == 0)
		return text;
	free(text);
	return NULL;
}
