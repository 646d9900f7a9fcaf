/* export.c: see export.h. */
#include "bot/export.h"
#include "bot/feed.h"
#include "bot/render.h"
#include "lib/tzfmt.h"
#include "mail/ics.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void iso(FILE *out, int64_t t)
{
	char buf[32];
	fputs(t ? tzfmt("UTC", (time_t)t, TZF_UTC, buf, sizeof buf) : "", out);
}

/* One CSV field, quoted when it must be (RFC 4180), then SEP. */
static void field(FILE *out, const char *v, char sep)
{
	if (v && strpbrk(v, ",\"\r\n")) {
		fputc('"', out);
		for (; *v; v++) {
			if (*v == '"')
				fputc('"', out);
			fputc(*v, out);
		}
		fputc('"', out);
	} else if (v) {
		fputs(v, out);
	}
	fputc(sep, out);
}

static void num(FILE *out, long long v, int blank_zero)
{
	if (v || !blank_zero)
		fprintf(out, "%lld", v);
	fputc(',', out);
}

static const char csv_head[] = "id,round,status,scheduled_datetime,duration_minutes,interview_type,candidate_id,"
                               "candidate_name,candidate_email,job_title,interviewers,location,meeting_link,notes,"
                               "rescheduled_from,rescheduled_to,cancel_reason,created_at,completed_at,"
                               "feedback_interviewer,rating,recommendation,feedback,feedback_notes,feedback_at\r\n";

static void csv_row(FILE *out, const struct store_interview *iv, const struct store_feedback *f)
{
	char panel[STORE_PANEL_MAX * (STORE_HANDLE_MAX + 1) + 1] = "";
	for (int i = 0; i < iv->npanel; i++)
		snprintf(panel + strlen(panel), sizeof panel - strlen(panel), "%s%s", i ? " " : "", iv->panel[i].handle);
	num(out, iv->id, 0);
	num(out, iv->round, 0);
	field(out, store_status_name(iv->status), ',');
	iso(out, iv->start), fputc(',', out);
	num(out, iv->duration, 0);
	field(out, store_type_name(iv->type), ',');
	num(out, iv->candidate_id, 0);
	field(out, iv->candidate_name, ',');
	field(out, iv->candidate_email, ',');
	field(out, iv->job_title, ',');
	field(out, panel, ',');
	field(out, iv->location, ',');
	field(out, iv->link, ',');
	field(out, iv->notes, ',');
	num(out, iv->rescheduled_from, 1);
	num(out, iv->rescheduled_to, 1);
	field(out, iv->cancel_reason, ',');
	iso(out, iv->created_at), fputc(',', out);
	iso(out, iv->completed_at), fputc(',', out);
	field(out, f ? f->handle : "", ',');
	num(out, f ? f->rating : 0, 1);
	field(out, f && f->rec ? store_rec_name(f->rec) : "", ',');
	field(out, f ? f->feedback : "", ',');
	field(out, f ? f->notes : "", ',');
	iso(out, f ? f->updated_at : 0);
	fputs("\r\n", out);
}

static int one(struct app *app, const char *format, const struct store_interview *iv, int first, FILE *out)
{
	if (format[0] == 'c') {
		for (int i = 0; i < iv->nfeedback; i++)
			csv_row(out, iv, &iv->feedback[i]);
		if (!iv->nfeedback)
			csv_row(out, iv, NULL);
		return 0;
	}
	if (format[0] == 'j') {
		cJSON *o = render_json_interview(iv);
		char *s = o ? cJSON_PrintUnformatted(o) : NULL;
		cJSON_Delete(o);
		if (s)
			fprintf(out, "%s\n  %s", first ? "" : ",", s);
		free(s);
		return s ? 0 : -1;
	}
	if (iv->status == ST_RESCHEDULED)
		return 0;
	char *ev = feed_calendar(app, app->st, NULL, iv, 1, time(NULL));
	if (ev)
		fputs(ev, out);
	free(ev);
	return ev ? 0 : -1;
}

int export_write(struct app *app, const char *format, FILE *out, char *err, size_t errlen)
{
	char *head = NULL;
	if (format[0] == 'c')
		fputs(csv_head, out);
	else if (format[0] == 'j')
		fputs("{\"interviews\": [", out);
	else if ((head = ics_feed("Interviews", NULL, 0)) && strstr(head, "END:VCALENDAR"))
		fwrite(head, 1, (size_t)(strstr(head, "END:VCALENDAR") - head), out);
	free(head);
	int64_t max = store_begin_read(app->st) < 0 ? -1 : store_interview_max_id(app->st); /* in the snapshot */
	if (max < 0) {
		snprintf(err, errlen, "%s", store_error(app->st));
		store_rollback(app->st);
		return -1;
	}
	int rc = 0, first = 1;
	for (int64_t id = 1; id <= max && rc == 0; id++) {
		struct store_interview iv;
		int got = store_interview_get(app->st, id, &iv, 1);
		if (got == 1) {
			rc = one(app, format, &iv, first, out);
			first = 0;
			store_interview_clear(&iv);
		} else if (got < 0) {
			rc = -1;
		}
	}
	store_rollback(app->st);
	if (rc < 0) {
		snprintf(err, errlen, "%s", store_error(app->st)[0] ? store_error(app->st) : "out of memory");
		return -1;
	}
	fputs(format[0] == 'c' ? "" : format[0] == 'j' ? "\n]}\n" : "END:VCALENDAR\r\n", out);
	return ferror(out) ? (snprintf(err, errlen, "could not write the export"), -1) : 0;
}
