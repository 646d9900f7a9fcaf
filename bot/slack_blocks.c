/* slack_blocks.c: see slack_blocks.h. Text is built in a growing buffer (lib/buf.h) and
 * every piece of user text is escaped and clipped there, at a character boundary and
 * never inside an entity, so each block is within Slack's limits by construction. */
#include "bot/slack_blocks.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/tz.h"
#include "lib/tzfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ELLIPSIS "\xe2\x80\xa6" /* … */

/* ---- a growing string (lib/buf.h) ---- */

static const char *sb_str(const struct buf *b) { return b->s && !b->oom ? b->s : ""; }

static void sb_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = 0;
}

static void sb_free(struct buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

/* ---- escaping (reference/slack.md §5.2) ---- */

static const char *entity(char c)
{
	return c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : NULL;
}

/* Bytes of the UTF-8 character at P (1 for a stray byte), never past the end. */
static size_t char_len(const char *p)
{
	unsigned char c = (unsigned char)*p;
	size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	for (size_t i = 1; i < n; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			return i;
	return n;
}

static size_t escaped_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += entity(*s) ? strlen(entity(*s)) : 1;
	return n;
}

/* Appends S escaped, in at most MAX (≥ 3) bytes: a longer text is cut after a whole
 * character or entity and ends with "…". */
static void sb_esc(struct buf *b, const char *s, size_t max)
{
	if (!s)
		return;
	int clip = escaped_len(s) > max;
	size_t room = clip ? max - strlen(ELLIPSIS) : max, used = 0;
	while (*s) {
		const char *e = entity(*s);
		size_t n = e ? strlen(e) : char_len(s);
		if (used + n > room)
			break;
		buf_put(b, e ? e : s, n);
		used += n;
		s += e ? 1 : n;
	}
	if (clip)
		buf_add(b, ELLIPSIS);
}

char *slack_escape(const char *s)
{
	struct buf b = {0};
	sb_esc(&b, s ? s : "", (size_t)-1);
	buf_put(&b, "", 0);
	if (b.oom) {
		sb_free(&b);
		return NULL;
	}
	return b.s;
}

/* ---- blocks ---- */

static cJSON *text_obj(const char *type, const char *text)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "text", text);
	return o;
}

static cJSON *add_block(cJSON *blocks, const char *type)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddItemToArray(blocks, o);
	return o;
}

static void add_section(cJSON *blocks, const char *mrkdwn)
{
	cJSON_AddItemToObject(add_block(blocks, "section"), "text", text_obj("mrkdwn", mrkdwn));
}

/* A context block of one mrkdwn element; returns its elements, for more. */
static cJSON *add_context(cJSON *blocks, const char *mrkdwn)
{
	cJSON *elements = cJSON_AddArrayToObject(add_block(blocks, "context"), "elements");
	cJSON_AddItemToArray(elements, text_obj("mrkdwn", mrkdwn));
	return elements;
}

static int nblocks(const cJSON *blocks) { return cJSON_GetArraySize(blocks); }

static const char *zone_or_utc(const char *tz) { return tz && *tz ? tz : "UTC"; }

/* A date token for T: rendered in the viewer's zone, with a fallback in TZ that names it
 * (reference/slack.md §5.3). */
static void sb_date(struct buf *b, time_t t, const char *tz, const char *tokens, enum tzfmt_style style)
{
	char when[64];
	tzfmt(tz, t, style, when, sizeof when);
	buf_addf(b, "<!date^%lld^%s|%s ", (long long)t, tokens, when);
	sb_esc(b, tz, STORE_TZ_MAX * 5);
	buf_add(b, ">");
}

/* Handles are short in practice; a configured one is clipped so that ten of them stay
 * small in a row or a field. */
static void sb_handle(struct buf *b, const char *handle) { sb_esc(b, handle, 40); }

static void sb_start(struct buf *b, const struct store_interview *iv, const char *tz)
{
	sb_date(b, iv->start, tz, "{date_short_pretty} {time}", TZF_DAY_TIME);
}

static const char *said_status(enum store_status s)
{
	return s == ST_IN_PROGRESS ? "in progress" : store_status_name(s);
}

/* ---- the card ---- */

static void card_header(cJSON *blocks, const struct store_interview *iv)
{
	struct buf b = {0};
	char tail[64];
	snprintf(tail, sizeof tail, " \xc2\xb7 %s \xc2\xb7 round %d", store_type_name(iv->type), iv->round);
	size_t room = SLACK_MAX_HEADER - strlen(tail);
	sb_esc(&b, iv->candidate_name, iv->job_title[0] ? room / 2 : room);
	if (iv->job_title[0]) {
		buf_add(&b, " \xe2\x80\x94 "); /* — */
		sb_esc(&b, iv->job_title, room - b.len);
	}
	buf_add(&b, tail);
	cJSON_AddItemToObject(add_block(blocks, "header"), "text", text_obj("plain_text", sb_str(&b)));
	sb_free(&b);
}

/* Slack ids are upper-case letters and digits (U0123ABCD, W...); anything else is not
 * put in a mention, where it could be a link or a broadcast. */
static int slack_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 2 || n > 32)
		return 0;
	for (; *id; id++)
		if (!((*id >= 'A' && *id <= 'Z') || (*id >= '0' && *id <= '9')))
			return 0;
	return 1;
}

/* A link Slack may render as <url|label>: http(s), no character that ends the token. */
static int link_ok(const char *url)
{
	return (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) && !strpbrk(url, "|<> \t\r\n");
}

/* Location and link within one field (2000): 800 + 1 + 1000 + the link's label. */
static void field_where(struct buf *b, const struct store_interview *iv)
{
	buf_add(b, "*Where*\n");
	sb_esc(b, iv->location, 800);
	if (iv->location[0] && iv->link[0])
		buf_add(b, "\n");
	if (!iv->link[0])
		return;
	/* an address cannot be cut: one too long to show whole is shown as text */
	if (!link_ok(iv->link) || escaped_len(iv->link) > 1000) {
		sb_esc(b, iv->link, 1000);
		return;
	}
	buf_add(b, "<");
	sb_esc(b, iv->link, 1000); /* & inside the address as &amp; too */
	buf_add(b, "|");
	sb_esc(b, strstr(iv->link, "://") + 3, 60);
	buf_add(b, ">");
}

static void field_panel(struct buf *b, const struct store_interview *iv, const char *const *panel_slack)
{
	buf_add(b, "*Panel*\n");
	for (int i = 0; i < iv->npanel; i++) {
		const char *id = panel_slack ? panel_slack[i] : NULL;
		buf_add(b, i ? ", " : "");
		if (slack_id_ok(id))
			buf_addf(b, "<@%s>", id);
		else
			sb_handle(b, iv->panel[i].handle);
	}
}

static void field_status(struct buf *b, const struct store_interview *iv, const char *tz)
{
	buf_addf(b, "*Status*\n%s", said_status(iv->status));
	if (iv->status == ST_IN_PROGRESS && iv->started_at) {
		buf_add(b, ", started ");
		sb_date(b, iv->started_at, tz, "{time}", TZF_TIME);
	}
	if (iv->rescheduled_to)
		buf_addf(b, " \xe2\x80\x94 moved to #%lld", (long long)iv->rescheduled_to);
	if (iv->cancel_reason[0]) {
		buf_add(b, iv->rescheduled_to ? "\n" : " \xe2\x80\x94 ");
		sb_esc(b, iv->cancel_reason, 1000);
	}
}

static void add_field(cJSON *fields, struct buf *b)
{
	cJSON_AddItemToArray(fields, text_obj("mrkdwn", sb_str(b)));
	sb_reset(b);
}

static void card_fields(cJSON *blocks, const struct store_interview *iv, const char *tz,
                        const char *const *panel_slack)
{
	cJSON *fields = cJSON_AddArrayToObject(add_block(blocks, "section"), "fields");
	struct buf b = {0};
	buf_add(&b, "*When*\n");
	sb_start(&b, iv, tz);
	buf_add(&b, " \xe2\x80\x93 "); /* – */
	sb_date(&b, iv->start + iv->duration * 60, tz, "{time}", TZF_TIME);
	add_field(fields, &b);
	buf_addf(&b, "*Duration*\n%d min", iv->duration);
	add_field(fields, &b);
	if (iv->location[0] || iv->link[0]) {
		field_where(&b, iv);
		add_field(fields, &b);
	}
	if (iv->npanel) {
		field_panel(&b, iv, panel_slack);
		add_field(fields, &b);
	}
	field_status(&b, iv, tz);
	add_field(fields, &b);
	if (iv->nrsvp) { /* what the attendees' calendars answered */
		buf_add(&b, "*Answers*");
		for (int i = 0; i < iv->nrsvp; i++) {
			buf_add(&b, "\n");
			sb_esc(&b, iv->rsvp[i].email, 300);
			buf_addf(&b, " %s", iv->rsvp[i].partstat);
		}
		add_field(fields, &b);
	}
	sb_free(&b);
}

/* "alice 4/5 hire, bob maybe" — ratings and recommendations only: the feedback text
 * stays out of channels. */
static void sb_ratings(struct buf *b, const struct store_interview *iv)
{
	for (int i = 0; i < iv->nfeedback && i < STORE_PANEL_MAX; i++) {
		const struct store_feedback *f = &iv->feedback[i];
		buf_add(b, i ? ", " : "");
		sb_handle(b, f->handle);
		if (f->rating)
			buf_addf(b, " %d/5", f->rating);
		if (f->rec)
			buf_addf(b, " %s", store_rec_name(f->rec));
	}
}

static void card_context(cJSON *blocks, const struct store_interview *iv)
{
	struct buf b = {0};
	cJSON *elements = NULL;
	if (iv->notes[0]) {
		buf_add(&b, "*Notes:* ");
		sb_esc(&b, iv->notes, 1500);
		elements = add_context(blocks, sb_str(&b));
	}
	if (iv->nfeedback) {
		sb_reset(&b);
		buf_add(&b, "*Feedback:* ");
		sb_ratings(&b, iv);
		if (elements)
			cJSON_AddItemToArray(elements, text_obj("mrkdwn", sb_str(&b)));
		else
			add_context(blocks, sb_str(&b));
	}
	sb_free(&b);
}

static cJSON *cancel_confirm(const struct store_interview *iv, const char *tz)
{
	cJSON *c = cJSON_CreateObject();
	struct buf b = {0};
	char when[64];
	buf_addf(&b, "#%lld with ", (long long)iv->id);
	sb_esc(&b, iv->candidate_name, 120);
	buf_addf(&b, ", %s (", tzfmt(tz, iv->start, TZF_DAY_TIME, when, sizeof when));
	sb_esc(&b, tz, STORE_TZ_MAX * 5);
	buf_add(&b, "), will be cancelled; you give the reason next.");
	cJSON_AddItemToObject(c, "title", text_obj("plain_text", "Cancel this interview?"));
	cJSON_AddItemToObject(c, "text", text_obj("plain_text", sb_str(&b)));
	cJSON_AddItemToObject(c, "confirm", text_obj("plain_text", "Go on"));
	cJSON_AddItemToObject(c, "deny", text_obj("plain_text", "Keep it"));
	cJSON_AddStringToObject(c, "style", "danger");
	sb_free(&b);
	return c;
}

struct button {
	unsigned act;
	const char *action_id, *label, *style;
};

static const struct button buttons[] = {
	{ACT_RESCHEDULE, "iv.reschedule", "Reschedule", NULL},
	{ACT_CANCEL, "iv.cancel", "Cancel", "danger"},
	{ACT_START, "iv.start", "Start", NULL},
	{ACT_COMPLETE, "iv.complete", "Mark complete", "primary"},
};

static cJSON *button(const struct button *bt, const struct store_interview *iv, const char *tz)
{
	char value[64];
	cJSON *o = cJSON_CreateObject();
	snprintf(value, sizeof value, "%lld:%s", (long long)iv->id, store_status_name(iv->status));
	cJSON_AddStringToObject(o, "type", "button");
	cJSON_AddStringToObject(o, "action_id", bt->action_id);
	cJSON_AddItemToObject(o, "text", text_obj("plain_text", bt->label));
	cJSON_AddStringToObject(o, "value", value);
	if (bt->style)
		cJSON_AddStringToObject(o, "style", bt->style);
	if (bt->act == ACT_CANCEL)
		cJSON_AddItemToObject(o, "confirm", cancel_confirm(iv, tz));
	return o;
}

static void card_actions(cJSON *blocks, const struct store_interview *iv, const char *tz)
{
	unsigned allowed = cmd_actions(iv);
	char id[64];
	if (!(allowed & (ACT_RESCHEDULE | ACT_CANCEL | ACT_START | ACT_COMPLETE)))
		return;
	cJSON *block = add_block(blocks, "actions");
	snprintf(id, sizeof id, "iv.%lld.%s", (long long)iv->id, store_status_name(iv->status));
	cJSON_AddStringToObject(block, "block_id", id);
	cJSON *elements = cJSON_AddArrayToObject(block, "elements");
	for (size_t i = 0; i < sizeof buttons / sizeof buttons[0]; i++)
		if (allowed & buttons[i].act)
			cJSON_AddItemToArray(elements, button(&buttons[i], iv, tz));
}

void slack_card_blocks(cJSON *blocks, const struct store_interview *iv, const char *tz,
                       const char *const *panel_slack)
{
	tz = zone_or_utc(tz);
	card_header(blocks, iv);
	card_fields(blocks, iv, tz, panel_slack);
	card_context(blocks, iv);
	card_actions(blocks, iv, tz);
}

/* ---- replies ---- */

/* One line per interview, for lists, a candidate's rounds and conflicts. */
static void sb_row(struct buf *b, const struct store_interview *iv, const char *tz)
{
	buf_addf(b, "*#%lld* \xc2\xb7 ", (long long)iv->id);
	sb_start(b, iv, tz);
	buf_addf(b, " \xc2\xb7 %d min \xc2\xb7 *", iv->duration);
	sb_esc(b, iv->candidate_name, 100);
	buf_add(b, "*");
	if (iv->job_title[0]) {
		buf_add(b, " \xe2\x80\x94 ");
		sb_esc(b, iv->job_title, 100);
	}
	buf_addf(b, " \xc2\xb7 %s, round %d \xc2\xb7 ", store_type_name(iv->type), iv->round);
	for (int i = 0; i < iv->npanel; i++) {
		buf_add(b, i ? ", " : "");
		sb_handle(b, iv->panel[i].handle);
	}
	buf_addf(b, "%s_%s_", iv->npanel ? " \xc2\xb7 " : "", said_status(iv->status));
	if (iv->nfeedback) {
		buf_add(b, " \xc2\xb7 ");
		sb_ratings(b, iv);
	}
}

/* A section of MESSAGE after PREFIX (nothing for an empty message); returns its length.
 * A headline is short: 1000 bytes leave the rest of the message its room. */
static size_t headline(cJSON *blocks, const char *prefix, const char *message)
{
	struct buf b = {0};
	if (!message[0])
		return 0;
	buf_add(&b, prefix);
	sb_esc(&b, message, 1000);
	add_section(blocks, sb_str(&b));
	size_t n = b.len;
	sb_free(&b);
	return n;
}

static void context_esc(cJSON *blocks, const char *text)
{
	struct buf b = {0};
	sb_esc(&b, text[0] ? text : "-", SLACK_MAX_FIELD);
	add_context(blocks, sb_str(&b));
	sb_free(&b);
}

/* Rows of R's items while the message has room; *USED counts the text so far. Returns
 * how many were shown. */
static int rows(cJSON *blocks, const struct cmd_reply *r, size_t *used)
{
	struct buf b = {0};
	int shown = 0;
	for (; shown < r->nitems; shown++) {
		sb_reset(&b);
		sb_row(&b, &r->items[shown], zone_or_utc(r->tz));
		/* one block and some text stay free for the "more" hint */
		if (nblocks(blocks) >= SLACK_MAX_BLOCKS - 1 || *used + b.len > SLACK_MSG_BUDGET - 300)
			break;
		add_section(blocks, sb_str(&b));
		*used += b.len;
	}
	sb_free(&b);
	return shown;
}

static void list_blocks(cJSON *blocks, const struct cmd_reply *r)
{
	size_t used = headline(blocks, "", r->message[0] ? r->message : "Interviews");
	int shown = rows(blocks, r, &used);
	int all = r->total > r->nitems ? r->total : r->nitems;
	if (all <= shown)
		return;
	char more[300];
	snprintf(more, sizeof more,
	         ELLIPSIS " and %d more \xe2\x80\x94 narrow the list with `list today`, `list week`, `days:`, "
	                  "`status:`, `candidate:` or `interviewer:`",
	         all - shown);
	add_context(blocks, more);
}

static void error_blocks(cJSON *blocks, const struct cmd_reply *r)
{
	size_t used = headline(blocks, ":warning: ", r->message) + SLACK_MAX_TEXT; /* the usage's room */
	rows(blocks, r, &used);
	if (!r->usage)
		return;
	struct buf b = {0};
	buf_add(&b, "```");
	sb_esc(&b, r->usage, SLACK_MAX_TEXT - 6);
	buf_add(&b, "```");
	add_context(blocks, sb_str(&b));
	sb_free(&b);
}

static void interview_blocks(cJSON *blocks, const struct cmd_reply *r)
{
	char moved[64];
	headline(blocks, "", r->message);
	slack_card_blocks(blocks, &r->items[0], zone_or_utc(r->tz), NULL);
	int64_t from = r->nitems > 1 ? r->items[1].id : 0;
	if (from) {
		snprintf(moved, sizeof moved, "moved from #%lld", (long long)from);
		add_context(blocks, moved);
	}
}

static void notes_blocks(cJSON *blocks, const struct cmd_reply *r)
{
	cJSON *elements = NULL;
	for (int i = 0; i < r->nnotes && i < 10; i++) {
		struct buf note = {0};
		sb_esc(&note, r->notes[i][0] ? r->notes[i] : "-", 500);
		if (elements)
			cJSON_AddItemToArray(elements, text_obj("mrkdwn", sb_str(&note)));
		else
			elements = add_context(blocks, sb_str(&note));
		sb_free(&note);
	}
}

static void stats_blocks(cJSON *blocks, const struct cmd_reply *r)
{
	const char *const labels[] = {"Today", "This week", "Completed", "Cancelled"};
	const int counts[] = {r->stats.today, r->stats.this_week, r->stats.completed, r->stats.cancelled};
	cJSON *section = add_block(blocks, "section");
	char *msg = slack_escape(r->message[0] ? r->message : "Interviews");
	char field[64];
	cJSON_AddItemToObject(section, "text", text_obj("mrkdwn", msg ? msg : ""));
	free(msg);
	cJSON *fields = cJSON_AddArrayToObject(section, "fields");
	for (int i = 0; i < 4; i++) {
		snprintf(field, sizeof field, "*%s*\n%d", labels[i], counts[i]);
		cJSON_AddItemToArray(fields, text_obj("mrkdwn", field));
	}
}

/* Bytes of P that make the next section: up to ROOM, ending after a line when one
 * ends in time, else after a whole character and outside an entity. */
static size_t chunk_len(const char *p, size_t room)
{
	size_t n = strlen(p);
	if (n <= room)
		return n;
	for (size_t i = room; i > room / 2; i--)
		if (p[i - 1] == '\n')
			return i;
	n = room;
	while (n > 1 && ((unsigned char)p[n] & 0xc0) == 0x80)
		n--;
	/* every & of escaped text starts an entity (at most 5 bytes): one not closed
	 * by a ; before N is cut before */
	for (size_t i = n; i > 1 && n - i < 5 && p[i - 1] != ';'; i--)
		if (p[i - 1] == '&')
			return i - 1;
	return n;
}

static void text_blocks(cJSON *blocks, const struct cmd_reply *r)
{
	size_t used = headline(blocks, "", r->message);
	char *text = slack_escape(r->text);
	struct buf b = {0};
	for (const char *p = text ? text : ""; *p;) {
		size_t n = chunk_len(p, SLACK_MAX_TEXT - 8);
		if (nblocks(blocks) >= SLACK_MAX_BLOCKS - 1 || used + n > SLACK_MSG_BUDGET - 100) {
			add_context(blocks, ELLIPSIS " the rest is too long for one message");
			break;
		}
		used += n;
		sb_reset(&b);
		buf_add(&b, "```\n");
		buf_put(&b, p, n && p[n - 1] == '\n' ? n - 1 : n);
		buf_add(&b, "\n```");
		add_section(blocks, sb_str(&b));
		p += n;
	}
	sb_free(&b);
	free(text);
}

static char *fallback(const struct cmd_reply *r)
{
	struct buf b = {0};
	if (r->kind == REPLY_ERROR)
		buf_add(&b, "Error: ");
	sb_esc(&b, r->message[0] ? r->message : r->command, SLACK_MAX_TEXT - 100);
	if (r->kind == REPLY_STATS)
		buf_addf(&b, ": today %d, this week %d, completed %d, cancelled %d", r->stats.today, r->stats.this_week,
		        r->stats.completed, r->stats.cancelled);
	if (!b.len)
		buf_add(&b, "interviewd");
	if (b.oom)
		sb_free(&b);
	return b.s;
}

cJSON *slack_reply_message(const struct cmd_reply *r)
{
	cJSON *msg = cJSON_CreateObject();
	char *text = fallback(r);
	cJSON_AddStringToObject(msg, "text", text ? text : "");
	cJSON *blocks = cJSON_AddArrayToObject(msg, "blocks");
	switch (r->kind) {
	case REPLY_ERROR: error_blocks(blocks, r); break;
	case REPLY_INTERVIEW:
		if (r->nitems)
			interview_blocks(blocks, r);
		break;
	case REPLY_LIST:
	case REPLY_CANDIDATE: list_blocks(blocks, r); break;
	case REPLY_STATS: stats_blocks(blocks, r); break;
	case REPLY_TEXT: text_blocks(blocks, r); break;
	case REPLY_DUPLICATE: context_esc(blocks, r->message); break;
	}
	if (r->kind != REPLY_ERROR)
		notes_blocks(blocks, r);
	if (!nblocks(blocks)) /* an empty text or a reply without its interview */
		add_section(blocks, text ? text : "-");
	free(text);
	return msg;
}

/* ---- modals ---- */

static cJSON *view_new(const char *callback_id, const char *title, const char *submit, const char *close,
                       const char *meta)
{
	if (meta && strlen(meta) > SLACK_MAX_META)
		return NULL;
	cJSON *v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "type", "modal");
	cJSON_AddStringToObject(v, "callback_id", callback_id);
	cJSON_AddItemToObject(v, "title", text_obj("plain_text", title));
	cJSON_AddItemToObject(v, "submit", text_obj("plain_text", submit));
	cJSON_AddItemToObject(v, "close", text_obj("plain_text", close));
	if (meta)
		cJSON_AddStringToObject(v, "private_metadata", meta);
	cJSON_AddArrayToObject(v, "blocks");
	return v;
}

static cJSON *view_blocks(cJSON *v) { return cJSON_GetObjectItemCaseSensitive(v, "blocks"); }

/* Every input element answers as action "v" of its block. */
static cJSON *element(const char *type)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddStringToObject(e, "action_id", "v");
	return e;
}

static cJSON *text_input(int multiline, int max)
{
	cJSON *e = element("plain_text_input");
	if (multiline)
		cJSON_AddTrueToObject(e, "multiline");
	cJSON_AddNumberToObject(e, "max_length", max);
	return e;
}

static cJSON *add_input(cJSON *blocks, const char *block_id, const char *label, cJSON *el, int optional)
{
	cJSON *b = add_block(blocks, "input");
	cJSON_AddStringToObject(b, "block_id", block_id);
	cJSON_AddItemToObject(b, "label", text_obj("plain_text", label));
	cJSON_AddItemToObject(b, "element", el);
	if (optional)
		cJSON_AddTrueToObject(b, "optional");
	return b;
}

struct choice {
	const char *value, *label;
};

#define NCHOICES(a) (sizeof(a) / sizeof((a)[0]))

static const struct choice durations[] = {
	{"30m", "30 min"}, {"45m", "45 min"}, {"60m", "1 hour"}, {"90m", "1 h 30 min"}, {"120m", "2 hours"},
};
static const struct choice types[] = {
	{"phone", "Phone"}, {"video", "Video"}, {"in_person", "In person"},
	{"technical", "Technical"}, {"hr", "HR"}, {"final", "Final"},
};
static const struct choice ratings[] = {
	{"1", "\xe2\x98\x85 1 \xe2\x80\x94 poor"}, {"2", "\xe2\x98\x85\xe2\x98\x85 2"},
	{"3", "\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85 3"}, {"4", "\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85 4"},
	{"5", "\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85 5 \xe2\x80\x94 excellent"},
};
static const struct choice recommendations[] = {
	{"proceed", "Proceed to the next round"}, {"hire", "Hire"}, {"reject", "Reject"}, {"maybe", "Maybe"},
};

static cJSON *option(const struct choice *c)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "text", text_obj("plain_text", c->label));
	cJSON_AddStringToObject(o, "value", c->value);
	return o;
}

static cJSON *select_el(const struct choice *choices, size_t n, const char *initial)
{
	cJSON *e = element("static_select");
	cJSON *options = cJSON_AddArrayToObject(e, "options");
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(options, option(&choices[i]));
		if (initial && strcmp(initial, choices[i].value) == 0)
			cJSON_AddItemToObject(e, "initial_option", option(&choices[i]));
	}
	return e;
}

/* Date and time pickers showing L, which is a wall-clock time in TZ. */
static void add_when(cJSON *blocks, const struct tz_local *l, const char *tz)
{
	char date[32], time[16], hint[STORE_TZ_MAX + 32];
	snprintf(date, sizeof date, "%04d-%02d-%02d", l->year, l->mon, l->day);
	snprintf(time, sizeof time, "%02d:%02d", l->hour, l->min);
	snprintf(hint, sizeof hint, "All times in %s", tz);
	cJSON *d = element("datepicker"), *t = element("timepicker");
	cJSON_AddStringToObject(d, "initial_date", date);
	cJSON_AddStringToObject(t, "initial_time", time);
	add_input(blocks, "date", "Date", d, 0);
	cJSON_AddItemToObject(add_input(blocks, "time", "Time", t, 0), "hint", text_obj("plain_text", hint));
}

static void local_time(const char *tz, time_t t, struct tz_local *l)
{
	if (tz_from_utc(tz, t, l, NULL) != TZ_OK)
		tz_from_utc("UTC", t, l, NULL);
}

/* A section that restates which interview the modal is about: LEAD, then its row. */
static void add_summary(cJSON *blocks, const char *lead, const struct store_interview *iv, const char *tz,
                        const char *tail)
{
	struct buf b = {0};
	buf_add(&b, lead);
	sb_row(&b, iv, tz);
	buf_add(&b, tail);
	add_section(blocks, sb_str(&b));
	sb_free(&b);
}

cJSON *slack_view_schedule(const char *meta, const char *tz, time_t now)
{
	cJSON *v = view_new("iv.schedule", "Schedule an interview", "Schedule", "Close", meta);
	struct tz_local l;
	if (!v)
		return NULL;
	cJSON *blocks = view_blocks(v);
	tz = zone_or_utc(tz);
	local_time(tz, now, &l);
	tz_add_days(&l, 1);
	l.hour = 10;
	l.min = 0;
	add_input(blocks, "candidate", "Candidate's name", text_input(0, STORE_NAME_MAX), 0);
	add_input(blocks, "email", "Candidate's email", element("email_text_input"), 0);
	add_input(blocks, "job", "Job", text_input(0, STORE_NAME_MAX), 1);
	add_when(blocks, &l, tz);
	add_input(blocks, "duration", "Duration", select_el(durations, NCHOICES(durations), "60m"), 0);
	add_input(blocks, "type", "Type", select_el(types, NCHOICES(types), "video"), 0);
	cJSON *panel = element("multi_users_select");
	cJSON_AddNumberToObject(panel, "max_selected_items", STORE_PANEL_MAX);
	add_input(blocks, "panel", "Panel", panel, 1);
	add_input(blocks, "location", "Location", text_input(0, STORE_TEXT_MAX), 1);
	add_input(blocks, "link", "Meeting link", element("url_text_input"), 1);
	add_input(blocks, "notes", "Notes", text_input(1, STORE_NOTES_MAX), 1);
	return v;
}

cJSON *slack_view_reschedule(const struct store_interview *iv, const char *meta, const char *tz)
{
	cJSON *v = view_new("iv.reschedule", "Reschedule interview", "Reschedule", "Close", meta);
	struct tz_local l;
	if (!v)
		return NULL;
	cJSON *blocks = view_blocks(v);
	tz = zone_or_utc(tz);
	local_time(tz, iv->start, &l);
	add_summary(blocks, "Moves ", iv, tz, " to a new time; the original is kept, linked to the new one.");
	add_when(blocks, &l, tz);
	add_input(blocks, "reason", "Reason", text_input(0, STORE_TEXT_MAX), 1);
	return v;
}

cJSON *slack_view_cancel(const struct store_interview *iv, const char *meta)
{
	cJSON *v = view_new("iv.cancel", "Cancel interview", "Cancel interview", "Keep it", meta);
	if (!v)
		return NULL;
	cJSON *blocks = view_blocks(v);
	add_summary(blocks, "This cancels ", iv, "UTC", ".\nThe candidate and the panel are told.");
	add_input(blocks, "reason", "Reason", text_input(1, STORE_TEXT_MAX), 0);
	return v;
}

/* Feedback and notes share the core's 4000-byte command line (commands/lex.c). */
#define COMPLETE_FEEDBACK_MAX 3000
#define COMPLETE_NOTES_MAX 800

cJSON *slack_view_complete(const struct store_interview *iv, const char *meta)
{
	cJSON *v = view_new("iv.complete", "Complete interview", "Mark complete", "Close", meta);
	if (!v)
		return NULL;
	cJSON *blocks = view_blocks(v);
	add_summary(blocks, "Completes ", iv, "UTC", ".");
	add_input(blocks, "rating", "Rating", select_el(ratings, NCHOICES(ratings), NULL), 0);
	add_input(blocks, "recommendation", "Recommendation",
	          select_el(recommendations, NCHOICES(recommendations), NULL), 0);
	add_input(blocks, "feedback", "Feedback", text_input(1, COMPLETE_FEEDBACK_MAX), 1);
	add_input(blocks, "notes", "Notes", text_input(1, COMPLETE_NOTES_MAX), 1);
	return v;
}

/* ---- reading a submitted modal ---- */

struct form {
	const cJSON *view, *values;
	struct buf cmd;
	cJSON *errors;
	const char *longest; /* the block of the longest quoted value */
	size_t longest_len;
};

static void form_error(struct form *f, const char *block, const char *message)
{
	if (!cJSON_GetObjectItemCaseSensitive(f->errors, block))
		cJSON_AddStringToObject(f->errors, block, message);
}

static const cJSON *form_element(const struct form *f, const char *block)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f->values, block), "v");
}

static const char *form_string(const struct form *f, const char *block, const char *member)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(form_element(f, block), member);
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

static int blank(const char *s)
{
	for (; s && *s; s++)
		if (!strchr(" \t\r\n", *s))
			return 0;
	return 1;
}

/* The text typed into BLOCK, or NULL when empty (an error MISSING when given). */
static const char *form_text(struct form *f, const char *block, const char *missing)
{
	const char *v = form_string(f, block, "value");
	if (blank(v)) {
		if (missing)
			form_error(f, block, missing);
		return NULL;
	}
	if (!str_is_utf8(v)) {
		form_error(f, block, "This is not valid UTF-8 text.");
		return NULL;
	}
	return v;
}

/* Writes " KEY:"V"", escaping " and \ as commands/lex.c unescapes them inside quotes:
 * whatever V holds (quotes, "with:") stays this one value. Line breaks and tabs of a
 * multi-line field become spaces: the command language is one line of text. */
static void put_quoted(struct form *f, const char *key, const char *block, const char *v)
{
	size_t start = f->cmd.len;
	buf_addf(&f->cmd, " %s:\"", key);
	for (; *v; v++) {
		if (*v == '\r' && v[1] == '\n')
			continue;
		if (*v == '\n' || *v == '\r' || *v == '\t') {
			buf_put(&f->cmd, " ", 1);
			continue;
		}
		if (*v == '"' || *v == '\\')
			buf_put(&f->cmd, "\\", 1);
		buf_put(&f->cmd, v, 1);
	}
	buf_add(&f->cmd, "\"");
	if (f->cmd.len - start > f->longest_len) {
		f->longest = block;
		f->longest_len = f->cmd.len - start;
	}
}

static void put_text(struct form *f, const char *block, const char *key, const char *missing)
{
	const char *v = form_text(f, block, missing);
	if (v)
		put_quoted(f, key, block, v);
}

/* A choice of a static select, checked against the ones the modal offered. */
static void put_choice(struct form *f, const char *block, const char *key, const struct choice *choices, size_t n,
                       const char *missing)
{
	const cJSON *option = cJSON_GetObjectItemCaseSensitive(form_element(f, block), "selected_option");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(option, "value");
	if (!cJSON_IsString(v) || !*v->valuestring) {
		if (missing)
			form_error(f, block, missing);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(v->valuestring, choices[i].value) == 0) {
			buf_addf(&f->cmd, " %s:%s", key, choices[i].value);
			return;
		}
	form_error(f, block, "Pick one of the choices.");
}

/* S has SHAPE, where 9 stands for a digit. */
static int shaped(const char *s, const char *shape)
{
	for (; *shape; s++, shape++)
		if (*shape == '9' ? !(*s >= '0' && *s <= '9') : *s != *shape)
			return 0;
	return *s == 0;
}

/* The pickers give a wall-clock time of the submitting user, which the core reads in
 * that user's zone. */
static void put_when(struct form *f)
{
	const char *d = form_string(f, "date", "selected_date"), *t = form_string(f, "time", "selected_time");
	int date_ok = d && shaped(d, "9999-99-99"), time_ok = t && shaped(t, "99:99");
	if (!date_ok)
		form_error(f, "date", "Pick a date.");
	if (!time_ok)
		form_error(f, "time", "Pick a time.");
	if (date_ok && time_ok)
		buf_addf(&f->cmd, " when:\"%s %s\"", d, t);
}

static void put_panel(struct form *f)
{
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(form_element(f, "panel"), "selected_users"), *u;
	int n = cJSON_GetArraySize(users), i = 0;
	if (n > STORE_PANEL_MAX) {
		form_error(f, "panel", "Pick at most 10 interviewers.");
		return;
	}
	cJSON_ArrayForEach(u, users)
	{
		if (!cJSON_IsString(u) || !slack_id_ok(u->valuestring)) {
			form_error(f, "panel", "This is not a Slack user.");
			return;
		}
	}
	if (n)
		buf_add(&f->cmd, " with:");
	cJSON_ArrayForEach(u, users)
	{
		buf_addf(&f->cmd, "%s<@%s>", i++ ? "," : "", u->valuestring);
	}
}

/* "42", "#42" */
static long long parse_id(const char *s)
{
	char *end;
	if (*s == '#')
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return 0;
	long long id = strtoll(s, &end, 10);
	return *end || id > 1000000000000LL ? 0 : id;
}

/* The interview the modal is about, from the private metadata's "iv"; 0 if none. */
static long long meta_interview(const cJSON *view)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(view, "private_metadata");
	cJSON *meta = cJSON_IsString(m) ? cJSON_Parse(m->valuestring) : NULL;
	const cJSON *iv = cJSON_GetObjectItemCaseSensitive(meta, "iv");
	long long id = 0;
	if (cJSON_IsNumber(iv) && iv->valuedouble >= 1 && iv->valuedouble <= 1e12 &&
	    iv->valuedouble == (double)(long long)iv->valuedouble)
		id = (long long)iv->valuedouble;
	else if (cJSON_IsString(iv))
		id = parse_id(iv->valuestring);
	cJSON_Delete(meta);
	return id;
}

static void put_target(struct form *f, const char *verb, const char *block)
{
	long long id = meta_interview(f->view);
	buf_add(&f->cmd, verb);
	if (id)
		buf_addf(&f->cmd, " #%lld", id);
	else
		form_error(f, block, "This form lost track of its interview: close it and use the interview's button again.");
}

static void read_schedule(struct form *f)
{
	const char *name = form_text(f, "candidate", "Give the candidate's name.");
	const char *email = form_text(f, "email", "Give the candidate's email.");
	if (email && !str_is_email(email)) {
		form_error(f, "email", "This is not an email address.");
		email = NULL;
	}
	buf_add(&f->cmd, "schedule");
	if (name && email) {
		struct buf who = {0};
		buf_add(&who, name);
		buf_addf(&who, " <%s>", email);
		put_quoted(f, "candidate", "candidate", sb_str(&who));
		f->cmd.oom |= who.oom;
		sb_free(&who);
	}
	put_when(f);
	put_text(f, "job", "job", NULL);
	put_choice(f, "duration", "duration", durations, NCHOICES(durations), NULL);
	put_choice(f, "type", "type", types, NCHOICES(types), NULL);
	put_panel(f);
	put_text(f, "location", "location", NULL);
	put_text(f, "link", "link", NULL);
	put_text(f, "notes", "notes", NULL);
}

static void read_reschedule(struct form *f)
{
	put_target(f, "reschedule", "date");
	put_when(f);
	put_text(f, "reason", "reason", NULL);
}

static void read_cancel(struct form *f)
{
	put_target(f, "cancel", "reason");
	put_text(f, "reason", "reason", "Say why it is cancelled.");
}

static void read_complete(struct form *f)
{
	put_target(f, "complete", "rating");
	put_choice(f, "rating", "rating", ratings, NCHOICES(ratings), "Pick a rating.");
	put_choice(f, "recommendation", "recommendation", recommendations, NCHOICES(recommendations),
	           "Pick a recommendation.");
	put_text(f, "feedback", "feedback", NULL);
	put_text(f, "notes", "notes", NULL);
}

struct modal {
	const char *callback_id;
	void (*read)(struct form *f);
	const char *blocks[12]; /* the input blocks, first one first */
};

static const struct modal modals[] = {
	{"iv.schedule", read_schedule,
	 {"candidate", "email", "job", "date", "time", "duration", "type", "panel", "location", "link", "notes"}},
	{"iv.reschedule", read_reschedule, {"date", "time", "reason"}},
	{"iv.cancel", read_cancel, {"reason"}},
	{"iv.complete", read_complete, {"rating", "recommendation", "feedback", "notes"}},
};

static const struct modal *find_modal(const char *callback_id)
{
	for (size_t i = 0; callback_id && i < sizeof modals / sizeof modals[0]; i++)
		if (strcmp(modals[i].callback_id, callback_id) == 0)
			return &modals[i];
	return NULL;
}

/* A form that reads well but is longer than the caller's buffer or the core's line
 * is refused at its longest value. */
static void check_length(struct form *f, const struct modal *m, size_t len)
{
	if (f->cmd.len < len && f->cmd.len <= SLACK_CMD_MAX)
		return;
	form_error(f, f->longest ? f->longest : m->blocks[0],
	           "This is too long: the whole form holds at most 4000 characters (quotes and backslashes count "
	           "twice).");
}

int slack_view_command(const cJSON *view, char *cmd, size_t len, cJSON **errors)
{
	const cJSON *cb = cJSON_GetObjectItemCaseSensitive(view, "callback_id");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(view, "state");
	const struct modal *m = find_modal(cJSON_IsString(cb) ? cb->valuestring : NULL);
	struct form f = {view, cJSON_GetObjectItemCaseSensitive(state, "values"), {0}, NULL, NULL, 0};
	*errors = NULL;
	if (!m || !cJSON_IsObject(f.values) || !(f.errors = cJSON_CreateObject()))
		return -1;
	m->read(&f);
	if (!f.errors->child)
		check_length(&f, m, len);
	if (f.cmd.oom)
		form_error(&f, m->blocks[0], "Out of memory; try again.");
	if (f.errors->child) {
		*errors = f.errors;
		sb_free(&f.cmd);
		return -1;
	}
	memcpy(cmd, f.cmd.s, f.cmd.len + 1);
	cJSON_Delete(f.errors);
	sb_free(&f.cmd);
	return 0;
}

/* ---- the core's errors, by field ---- */

/* Option names the core puts before its errors ("duration: ..."), and their blocks. */
static const struct {
	const char *key, *block;
} keyed[] = {
	{"candidate", "candidate"}, {"when", "date"},         {"job", "job"},
	{"duration", "duration"},   {"type", "type"},         {"with", "panel"},
	{"location", "location"},   {"link", "link"},         {"notes", "notes"},
	{"reason", "reason"},       {"rating", "rating"},     {"recommendation", "recommendation"},
	{"feedback", "feedback"},
};

/* How the core starts the errors that carry no option name. */
static const struct {
	const char *phrase, *block;
} phrases[] = {
	{"nobody is called", "panel"},       {"nobody has the email", "panel"}, {"Slack user", "panel"},
	{"no candidate", "candidate"},       {"who is the candidate", "candidate"}, {"when is it", "date"},
	{"that overlaps", "date"},           {"a reason is required", "reason"},
	{"give at least one of rating", "rating"},
};

static const char *block_of(const char *message)
{
	for (size_t i = 0; i < sizeof keyed / sizeof keyed[0]; i++) {
		size_t n = strlen(keyed[i].key);
		if (strncmp(message, keyed[i].key, n) != 0 || message[n] != ':')
			continue;
		if (strcmp(keyed[i].key, "candidate") == 0 && strstr(message, "is not an email address"))
			return "email";
		return keyed[i].block;
	}
	for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
		if (strncmp(message, phrases[i].phrase, strlen(phrases[i].phrase)) == 0)
			return phrases[i].block;
	return NULL;
}

const char *slack_error_block(const char *callback_id, const char *message)
{
	const struct modal *m = find_modal(callback_id);
	const char *block = message ? block_of(message) : NULL;
	for (size_t i = 0; m && block && i < sizeof m->blocks / sizeof m->blocks[0] && m->blocks[i]; i++)
		if (strcmp(m->blocks[i], block) == 0)
			return m->blocks[i];
	return NULL;
}
