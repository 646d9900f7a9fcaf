/* Unit tests for bot/slack_blocks.c, as tables: escaping, the interview card per
 * status, replies as Block Kit messages within Slack's limits, the four modals, the
 * reading of a submitted modal back into a command (hostile text goes through the
 * core's own lexer, cmd_lex, and must come back unchanged) and the mapping of the
 * core's errors onto modal fields. No store: interviews are built by hand.
 *
 * The interview of most rows: #42, Ada Lovelace <ada@example.com> for Backend, video,
 * round 1, with alice and bob, Tue 2026-12-01 14:30 UTC (15:30 in Europe/Berlin). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/slack_blocks.h"
#include "commands/internal.h"
#include "lib/tz.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define START 1796135400 /* Tue 2026-12-01 14:30 UTC */
#define HOSTILE "<!channel> & <@U1>"
#define HOSTILE_ESC "&lt;!channel&gt; &amp; &lt;@U1&gt;"

static struct store_interview interview(int64_t id, enum store_status status)
{
	struct store_interview iv;
	memset(&iv, 0, sizeof iv);
	iv.id = id;
	iv.candidate_id = 7;
	iv.start = START;
	iv.duration = 60;
	iv.round = 1;
	iv.type = TYPE_VIDEO;
	iv.status = status;
	strcpy(iv.candidate_name, "Ada Lovelace");
	strcpy(iv.candidate_email, "ada@example.com");
	strcpy(iv.job_title, "Backend");
	iv.npanel = 2;
	strcpy(iv.panel[0].handle, "alice");
	strcpy(iv.panel[1].handle, "bob");
	return iv;
}

/* ---- reading JSON ---- */

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

static const char *text_of(const cJSON *o, const char *key)
{
	return str_of(cJSON_GetObjectItemCaseSensitive(o, key), "text");
}

/* The NTH block of TYPE (0 first), or NULL. */
static const cJSON *nth_block(const cJSON *blocks, const char *type, int nth)
{
	const cJSON *b;
	cJSON_ArrayForEach(b, blocks)
	{
		const char *t = str_of(b, "type");
		if (t && strcmp(t, type) == 0 && nth-- == 0)
			return b;
	}
	return NULL;
}

static const cJSON *block_by_id(const cJSON *blocks, const char *id)
{
	const cJSON *b;
	cJSON_ArrayForEach(b, blocks)
	{
		const char *bid = str_of(b, "block_id");
		if (bid && strcmp(bid, id) == 0)
			return b;
	}
	return NULL;
}

/* The text of field I of the card's section, or NULL. */
static const char *card_field(const cJSON *blocks, int i)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(nth_block(blocks, "section", 0), "fields");
	return str_of(cJSON_GetArrayItem(fields, i), "text");
}

/* The field that starts with LABEL ("*Where*"), or NULL. */
static const char *field_labelled(const cJSON *blocks, const char *label)
{
	for (int i = 0; card_field(blocks, i); i++)
		if (strncmp(card_field(blocks, i), label, strlen(label)) == 0)
			return card_field(blocks, i);
	return NULL;
}

static void each_string(const cJSON *j, void (*fn)(const char *s, void *arg), void *arg)
{
	const cJSON *c;
	if (cJSON_IsString(j))
		fn(j->valuestring, arg);
	cJSON_ArrayForEach(c, j) each_string(c, fn, arg);
}

static void add_len(const char *s, void *arg) { *(size_t *)arg += strlen(s); }

/* ---- Slack's limits (reference/slack.md §5.1, §3.2), in bytes ---- */

static void check_len(const char *what, const char *s, size_t max)
{
	if (!s)
		fail_msg("%s: missing", what);
	else if (!*s)
		fail_msg("%s: empty", what);
	else if (strlen(s) > max)
		fail_msg("%s: %zu bytes, at most %zu: \"%.80s...\"", what, strlen(s), max, s);
}

static void check_count(const char *what, const cJSON *a, int max)
{
	if (cJSON_GetArraySize(a) > max)
		fail_msg("%s: %d items, at most %d", what, cJSON_GetArraySize(a), max);
}

static void check_typed(const cJSON *j, const char *type)
{
	if (!strcmp(type, "mrkdwn") || !strcmp(type, "plain_text"))
		check_len("text object", str_of(j, "text"), SLACK_MAX_TEXT);
	else if (!strcmp(type, "section")) {
		const cJSON *fields = cJSON_GetObjectItemCaseSensitive(j, "fields"), *f;
		if (cJSON_GetObjectItemCaseSensitive(j, "text"))
			check_len("section text", text_of(j, "text"), SLACK_MAX_TEXT);
		assert_true(cJSON_GetObjectItemCaseSensitive(j, "text") || fields);
		check_count("section fields", fields, 10);
		cJSON_ArrayForEach(f, fields) check_len("section field", str_of(f, "text"), SLACK_MAX_FIELD);
	} else if (!strcmp(type, "header"))
		check_len("header", text_of(j, "text"), SLACK_MAX_HEADER);
	else if (!strcmp(type, "button")) {
		check_len("button text", text_of(j, "text"), 75);
		check_len("button value", str_of(j, "value"), SLACK_MAX_BUTTON_VALUE);
		check_len("action_id", str_of(j, "action_id"), 255);
	} else if (!strcmp(type, "context"))
		check_count("context elements", cJSON_GetObjectItemCaseSensitive(j, "elements"), 10);
	else if (!strcmp(type, "actions")) {
		check_count("actions elements", cJSON_GetObjectItemCaseSensitive(j, "elements"), 25);
		check_len("block_id", str_of(j, "block_id"), 255);
	} else if (!strcmp(type, "modal")) {
		check_len("modal title", text_of(j, "title"), SLACK_MAX_TITLE);
		check_len("modal submit", text_of(j, "submit"), SLACK_MAX_TITLE);
		check_len("modal close", text_of(j, "close"), SLACK_MAX_TITLE);
		check_count("modal blocks", cJSON_GetObjectItemCaseSensitive(j, "blocks"), 100);
		if (str_of(j, "private_metadata"))
			assert_true(strlen(str_of(j, "private_metadata")) <= SLACK_MAX_META);
	} else if (!strcmp(type, "plain_text_input") && cJSON_GetObjectItemCaseSensitive(j, "max_length")) {
		int max = cJSON_GetObjectItemCaseSensitive(j, "max_length")->valueint;
		assert_true(max >= 1 && max <= 3000);
	}
}

/* Walks J and fails at the first object that breaks one of Slack's limits. */
static void check_limits(const cJSON *j)
{
	const cJSON *c;
	const char *type = str_of(j, "type");
	if (cJSON_IsObject(j) && type)
		check_typed(j, type);
	else if (cJSON_IsObject(j) && cJSON_GetObjectItemCaseSensitive(j, "value")) { /* an option */
		check_len("option text", text_of(j, "text"), SLACK_MAX_OPTION_TEXT);
		check_len("option value", str_of(j, "value"), 150);
	} else if (cJSON_IsObject(j) && cJSON_GetObjectItemCaseSensitive(j, "deny")) { /* a confirm dialog */
		check_len("confirm title", text_of(j, "title"), 100);
		check_len("confirm text", text_of(j, "text"), 300);
		check_len("confirm button", text_of(j, "confirm"), 30);
		check_len("deny button", text_of(j, "deny"), 30);
	}
	cJSON_ArrayForEach(c, j) check_limits(c);
}

static void check_message(const cJSON *msg)
{
	const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(msg, "blocks");
	size_t total = 0;
	check_len("message text", str_of(msg, "text"), 4000);
	assert_true(cJSON_IsArray(blocks));
	check_count("message blocks", blocks, SLACK_MAX_BLOCKS);
	check_limits(blocks);
	each_string(blocks, add_len, &total);
	if (total > 12000)
		fail_msg("the blocks hold %zu bytes of text; Slack refuses ~13000 (msg_blocks_too_long)", total);
}

/* ---- slack_escape ---- */

struct escape_case {
	const char *in, *want;
};

static const struct escape_case escape_cases[] = {
	{"", ""},
	{"Ada Lovelace", "Ada Lovelace"},
	{HOSTILE, HOSTILE_ESC},
	{"&amp;", "&amp;amp;"},
	{"a<b>c", "a&lt;b&gt;c"},
	{"<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
	{"*bold* _it_ `code` \"q\"", "*bold* _it_ `code` \"q\""},
	{"Zo\xc3\xab & Bj\xc3\xb6rk", "Zo\xc3\xab &amp; Bj\xc3\xb6rk"},
};

static void test_escape(void **state)
{
	const struct escape_case *c = *state;
	char *got = slack_escape(c->in);
	assert_non_null(got);
	assert_string_equal(got, c->want);
	free(got);
}

static void test_escape_null(void **state)
{
	(void)state;
	char *got = slack_escape(NULL);
	assert_string_equal(got, "");
	free(got);
}

/* ---- the card ---- */

static cJSON *card(const struct store_interview *iv, const char *tz, const char *const *panel_slack)
{
	cJSON *blocks = cJSON_CreateArray();
	slack_card_blocks(blocks, iv, tz, panel_slack);
	check_limits(blocks);
	check_count("card blocks", blocks, 5);
	return blocks;
}

/* Each row: a status, what cmd_actions allows for it and the buttons the card shows
 * (action ids in order; "" for no actions block). */
struct status_case {
	enum store_status status;
	unsigned actions;
	const char *buttons;
};

static const struct status_case status_cases[] = {
	{ST_SCHEDULED, ACT_RESCHEDULE | ACT_CANCEL | ACT_START | ACT_COMPLETE,
	 "iv.reschedule iv.cancel iv.start iv.complete"},
	{ST_IN_PROGRESS, ACT_CANCEL | ACT_COMPLETE | ACT_FEEDBACK, "iv.cancel iv.complete"},
	{ST_COMPLETED, ACT_FEEDBACK, ""},
	{ST_CANCELLED, ACT_RESCHEDULE, "iv.reschedule"},
	{ST_RESCHEDULED, 0, ""},
};

static void check_button(const cJSON *b, const char *status)
{
	char value[64];
	const char *id = str_of(b, "action_id"), *style = str_of(b, "style");
	snprintf(value, sizeof value, "42:%s", status);
	assert_string_equal(str_of(b, "value"), value);
	if (!strcmp(id, "iv.cancel")) {
		assert_string_equal(style, "danger");
		const cJSON *confirm = cJSON_GetObjectItemCaseSensitive(b, "confirm");
		assert_non_null(confirm);
		assert_non_null(strstr(text_of(confirm, "text"), "#42 with Ada Lovelace, Tue 1 Dec 2026 15:30 (Europe/Berlin)"));
		assert_string_equal(text_of(confirm, "deny"), "Keep it");
	} else if (!strcmp(id, "iv.complete")) {
		assert_string_equal(style, "primary");
		assert_string_equal(text_of(b, "text"), "Mark complete");
	} else
		assert_null(style);
}

static void test_card_buttons(void **state)
{
	const struct status_case *c = *state;
	struct store_interview iv = interview(42, c->status);
	char want_id[64], got[256] = "";
	assert_int_equal(cmd_actions(&iv), c->actions);
	cJSON *blocks = card(&iv, "Europe/Berlin", NULL);
	const cJSON *actions = nth_block(blocks, "actions", 0), *b;
	snprintf(want_id, sizeof want_id, "iv.42.%s", store_status_name(c->status));
	if (!*c->buttons)
		assert_null(actions);
	else
		assert_string_equal(str_of(actions, "block_id"), want_id);
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(actions, "elements"))
	{
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", *got ? " " : "", str_of(b, "action_id"));
		check_button(b, store_status_name(c->status));
	}
	assert_string_equal(got, c->buttons);
	cJSON_Delete(blocks);
}

static void test_card_when(void **state)
{
	(void)state;
	struct store_interview iv = interview(42, ST_SCHEDULED);
	cJSON *blocks = card(&iv, "Europe/Berlin", NULL);
	assert_string_equal(card_field(blocks, 0), "*When*\n<!date^1796135400^{date_short_pretty} {time}|Tue 1 Dec 2026 "
	                                           "15:30 Europe/Berlin> \xe2\x80\x93 <!date^1796139000^{time}|16:30 "
	                                           "Europe/Berlin>");
	assert_string_equal(card_field(blocks, 1), "*Duration*\n60 min");
	assert_string_equal(field_labelled(blocks, "*Panel*"), "*Panel*\nalice, bob");
	assert_string_equal(field_labelled(blocks, "*Status*"), "*Status*\nscheduled");
	assert_null(field_labelled(blocks, "*Where*"));
	cJSON_Delete(blocks);
	/* the same instant read in New York */
	blocks = card(&iv, "America/New_York", NULL);
	assert_non_null(strstr(card_field(blocks, 0), "<!date^1796135400^{date_short_pretty} {time}|Tue 1 Dec 2026 09:30 "
	                                              "America/New_York>"));
	cJSON_Delete(blocks);
}

static void test_card_header(void **state)
{
	(void)state;
	struct store_interview iv = interview(42, ST_SCHEDULED);
	cJSON *blocks = card(&iv, "UTC", NULL);
	const cJSON *h = nth_block(blocks, "header", 0);
	assert_string_equal(str_of(cJSON_GetObjectItemCaseSensitive(h, "text"), "type"), "plain_text");
	assert_string_equal(text_of(h, "text"), "Ada Lovelace \xe2\x80\x94 Backend \xc2\xb7 video \xc2\xb7 round 1");
	cJSON_Delete(blocks);
	iv.job_title[0] = 0;
	iv.type = TYPE_IN_PERSON;
	iv.round = 3;
	blocks = card(&iv, "UTC", NULL);
	assert_string_equal(text_of(nth_block(blocks, "header", 0), "text"),
	                    "Ada Lovelace \xc2\xb7 in_person \xc2\xb7 round 3");
	cJSON_Delete(blocks);
}

/* A 200-byte name and a 500-byte job of characters that escape to 5 bytes: the header
 * keeps its end (type and round) and shows where it was cut. */
static void test_card_header_long(void **state)
{
	(void)state;
	struct store_interview iv = interview(42, ST_SCHEDULED);
	memset(iv.candidate_name, '&', STORE_NAME_MAX);
	iv.candidate_name[STORE_NAME_MAX] = 0;
	memset(iv.job_title, 'j', STORE_TEXT_MAX);
	iv.job_title[STORE_TEXT_MAX] = 0;
	cJSON *blocks = card(&iv, "UTC", NULL);
	const char *h = text_of(nth_block(blocks, "header", 0), "text");
	const char *tail = "\xe2\x80\xa6 \xc2\xb7 video \xc2\xb7 round 1";
	assert_true(strlen(h) <= SLACK_MAX_HEADER);
	assert_string_equal(h + strlen(h) - strlen(tail), tail);
	assert_non_null(strstr(h, "&amp;&amp;\xe2\x80\xa6 \xe2\x80\x94 jjj"));
	cJSON_Delete(blocks);
}

/* Each row: location and link, and the Where field (NULL: no such field). */
struct where_case {
	const char *location, *link, *want;
};

static const struct where_case where_cases[] = {
	{"", "", NULL},
	{"Room 1", "", "*Where*\nRoom 1"},
	{"", "https://meet.example.com/abc", "*Where*\n<https://meet.example.com/abc|meet.example.com/abc>"},
	{"Room <1>", "http://x.example/?a=1&b=2", "*Where*\nRoom &lt;1&gt;\n<http://x.example/?a=1&amp;b=2|x.example/?a=1&amp;b=2>"},
	{"", "https://evil.example/|<!channel>", "*Where*\nhttps://evil.example/|&lt;!channel&gt;"},
	{"", "https://evil.example/>x", "*Where*\nhttps://evil.example/&gt;x"},
	{"", "javascript:alert(1)", "*Where*\njavascript:alert(1)"},
	{"", "ftp://files.example", "*Where*\nftp://files.example"},
};

static void test_card_where(void **state)
{
	const struct where_case *c = *state;
	struct store_interview iv = interview(42, ST_SCHEDULED);
	strcpy(iv.location, c->location);
	strcpy(iv.link, c->link);
	cJSON *blocks = card(&iv, "UTC", NULL);
	const char *got = field_labelled(blocks, "*Where*");
	if (c->want)
		assert_string_equal(got, c->want);
	else
		assert_null(got);
	cJSON_Delete(blocks);
}

/* Each row: how the interview ended up, and its Status field. */
struct status_field_case {
	enum store_status status;
	const char *reason;
	int64_t moved_to, started_at;
	const char *want;
};

static const struct status_field_case status_field_cases[] = {
	{ST_SCHEDULED, "", 0, 0, "*Status*\nscheduled"},
	{ST_IN_PROGRESS, "", 0, START + 120,
	 "*Status*\nin progress, started <!date^1796135520^{time}|14:32 UTC>"},
	{ST_COMPLETED, "", 0, 0, "*Status*\ncompleted"},
	{ST_CANCELLED, "candidate <withdrew>", 0, 0, "*Status*\ncancelled \xe2\x80\x94 candidate &lt;withdrew&gt;"},
	{ST_RESCHEDULED, "", 43, 0, "*Status*\nrescheduled \xe2\x80\x94 moved to #43"},
	{ST_RESCHEDULED, "asked by Ada", 43, 0, "*Status*\nrescheduled \xe2\x80\x94 moved to #43\nasked by Ada"},
};

static void test_card_status(void **state)
{
	const struct status_field_case *c = *state;
	struct store_interview iv = interview(42, c->status);
	strcpy(iv.cancel_reason, c->reason);
	iv.rescheduled_to = c->moved_to;
	iv.started_at = c->started_at;
	cJSON *blocks = card(&iv, "UTC", NULL);
	assert_string_equal(field_labelled(blocks, "*Status*"), c->want);
	cJSON_Delete(blocks);
}

/* Known Slack ids become mentions; unknown or malformed ones leave the handle. */
static void test_card_panel(void **state)
{
	(void)state;
	struct store_interview iv = interview(42, ST_SCHEDULED);
	const char *const ids[] = {"U0IVWD0300", "", "U1>|<!channel", "u1"};
	iv.npanel = 4;
	strcpy(iv.panel[2].handle, "carol");
	strcpy(iv.panel[3].handle, "dan");
	cJSON *blocks = card(&iv, "UTC", ids);
	assert_string_equal(field_labelled(blocks, "*Panel*"), "*Panel*\n<@U0IVWD0300>, bob, carol, dan");
	cJSON_Delete(blocks);
	iv.npanel = 0;
	blocks = card(&iv, "UTC", NULL);
	assert_null(field_labelled(blocks, "*Panel*"));
	cJSON_Delete(blocks);
}

static void test_card_notes(void **state)
{
	(void)state;
	struct store_interview iv = interview(42, ST_COMPLETED);
	struct store_feedback fb[2] = {{.handle = "alice", .rating = 4, .rec = REC_HIRE},
	                               {.handle = "bob", .rec = REC_MAYBE, .feedback = "secret text"}};
	strcpy(iv.notes, "bring a <laptop>");
	iv.feedback = fb;
	iv.nfeedback = 2;
	cJSON *blocks = card(&iv, "UTC", NULL);
	const cJSON *ctx = nth_block(blocks, "context", 0);
	const cJSON *el = cJSON_GetObjectItemCaseSensitive(ctx, "elements");
	assert_string_equal(str_of(cJSON_GetArrayItem(el, 0), "text"), "*Notes:* bring a &lt;laptop&gt;");
	assert_string_equal(str_of(cJSON_GetArrayItem(el, 1), "text"), "*Feedback:* alice 4/5 hire, bob maybe");
	char *all = cJSON_PrintUnformatted(blocks);
	assert_null(strstr(all, "secret text"));
	free(all);
	cJSON_Delete(blocks);
	iv.notes[0] = 0;
	iv.nfeedback = 0;
	blocks = card(&iv, "UTC", NULL);
	assert_null(nth_block(blocks, "context", 0));
	cJSON_Delete(blocks);
}

/* Every text field full, of characters that escape to 5 bytes: still within limits. */
static struct store_interview interview_at_max(void)
{
	struct store_interview iv = interview(999999999999LL, ST_CANCELLED);
	memset(iv.candidate_name, '<', STORE_NAME_MAX);
	memset(iv.job_title, '&', STORE_TEXT_MAX);
	memset(iv.location, '>', STORE_TEXT_MAX);
	memset(iv.link, '&', STORE_TEXT_MAX);
	memcpy(iv.link, "https://", 8);
	memset(iv.notes, '&', STORE_NOTES_MAX);
	memset(iv.cancel_reason, '<', STORE_TEXT_MAX);
	iv.npanel = STORE_PANEL_MAX;
	for (int i = 0; i < STORE_PANEL_MAX; i++)
		memset(iv.panel[i].handle, '&', STORE_HANDLE_MAX);
	return iv;
}

static void test_card_at_max(void **state)
{
	(void)state;
	struct store_interview iv = interview_at_max();
	cJSON *blocks = card(&iv, "America/Argentina/ComodRivadavia", NULL);
	assert_non_null(field_labelled(blocks, "*Where*"));
	cJSON_Delete(blocks);
}

/* ---- replies ---- */

static struct cmd_reply reply(enum cmd_reply_kind kind, const char *message)
{
	struct cmd_reply r;
	memset(&r, 0, sizeof r);
	r.kind = kind;
	strcpy(r.message, message);
	strcpy(r.tz, "Europe/Berlin");
	r.now = START - 86400;
	return r;
}

static cJSON *message(const struct cmd_reply *r)
{
	cJSON *msg = slack_reply_message(r);
	assert_non_null(msg);
	check_message(msg);
	return msg;
}

static const cJSON *blocks_of(const cJSON *msg) { return cJSON_GetObjectItemCaseSensitive(msg, "blocks"); }

static void test_reply_interview(void **state)
{
	(void)state;
	struct cmd_reply r = reply(REPLY_INTERVIEW, "Rescheduled #43: Ada Lovelace for Backend, video, round 1 (was #42)");
	struct store_interview ivs[2] = {interview(43, ST_SCHEDULED), interview(42, ST_RESCHEDULED)};
	ivs[0].rescheduled_from = 42;
	ivs[1].rescheduled_to = 43;
	r.items = ivs;
	r.nitems = 2;
	strcpy(r.notes[0], "Ada Lovelace <ada@example.com> is new here");
	r.nnotes = 1;
	cJSON *msg = message(&r);
	const cJSON *blocks = blocks_of(msg);
	assert_string_equal(str_of(msg, "text"), "Rescheduled #43: Ada Lovelace for Backend, video, round 1 (was #42)");
	assert_string_equal(text_of(nth_block(blocks, "section", 0), "text"), str_of(msg, "text"));
	assert_non_null(nth_block(blocks, "header", 0));
	assert_non_null(block_by_id(blocks, "iv.43.scheduled"));
	const cJSON *moved = nth_block(blocks, "context", 0), *note = nth_block(blocks, "context", 1);
	assert_string_equal(str_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(moved, "elements"), 0), "text"),
	                    "moved from #42");
	assert_string_equal(str_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(note, "elements"), 0), "text"),
	                    "Ada Lovelace &lt;ada@example.com&gt; is new here");
	cJSON_Delete(msg);
}

/* Every text of the interview, the headline and the notes at their longest, of
 * characters that escape to 5 bytes: the message stays within Slack's limits. */
static void test_reply_interview_at_max(void **state)
{
	(void)state;
	struct cmd_reply r = reply(REPLY_INTERVIEW, "");
	struct store_interview ivs[2] = {interview_at_max(), interview_at_max()};
	struct store_feedback fb[STORE_PANEL_MAX];
	memset(fb, 0, sizeof fb);
	for (int i = 0; i < STORE_PANEL_MAX; i++) {
		memset(fb[i].handle, '&', STORE_HANDLE_MAX);
		fb[i].rating = 5;
		fb[i].rec = REC_PROCEED;
	}
	ivs[0].status = ST_SCHEDULED;
	ivs[0].feedback = fb;
	ivs[0].nfeedback = STORE_PANEL_MAX;
	memset(r.message, '<', sizeof r.message - 1);
	for (int i = 0; i < CMD_NOTES_MAX; i++)
		memset(r.notes[i], '>', sizeof r.notes[i] - 1);
	r.nnotes = CMD_NOTES_MAX;
	r.items = ivs;
	r.nitems = 2;
	cJSON *msg = message(&r);
	assert_non_null(block_by_id(blocks_of(msg), "iv.999999999999.scheduled"));
	cJSON_Delete(msg);
}

static void test_reply_error(void **state)
{
	(void)state;
	struct cmd_reply r = reply(REPLY_ERROR, "that overlaps 1 active interview: #7 (alice has #7 then)");
	struct store_interview conflict = interview(7, ST_SCHEDULED);
	r.usage = cmd_usage("schedule");
	r.items = &conflict;
	r.nitems = 1;
	cJSON *msg = message(&r);
	const cJSON *blocks = blocks_of(msg);
	assert_string_equal(str_of(msg, "text"), "Error: that overlaps 1 active interview: #7 (alice has #7 then)");
	assert_string_equal(text_of(nth_block(blocks, "section", 0), "text"),
	                    ":warning: that overlaps 1 active interview: #7 (alice has #7 then)");
	assert_non_null(strstr(text_of(nth_block(blocks, "section", 1), "text"), "*#7* \xc2\xb7 <!date^1796135400^"));
	const char *usage =
	        str_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(nth_block(blocks, "context", 0), "elements"), 0),
	               "text");
	assert_non_null(usage);
	assert_memory_equal(usage, "```schedule candidate:\"Jane Doe &lt;jane@example.com&gt;\"", 55);
	assert_string_equal(usage + strlen(usage) - 3, "```");
	cJSON_Delete(msg);
}

static void test_reply_duplicate(void **state)
{
	(void)state;
	struct cmd_reply r = reply(REPLY_DUPLICATE, "already done (event Ev1 was delivered twice)");
	cJSON *msg = message(&r);
	const cJSON *blocks = blocks_of(msg);
	assert_int_equal(cJSON_GetArraySize(blocks), 1);
	assert_string_equal(str_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(nth_block(blocks, "context", 0),
	                                                                                "elements"),
	                                              0),
	                           "text"),
	                    "already done (event Ev1 was delivered twice)");
	cJSON_Delete(msg);
}

/* Each row: a list of NITEMS interviews (of TOTAL that matched) of short or long
 * texts; the message must stay within Slack's limits and say how many it left out. */
struct list_case {
	enum cmd_reply_kind kind;
	int nitems, total, at_max;
	int min_rows; /* at least this many rows must fit */
};

static const struct list_case list_cases[] = {
	{REPLY_LIST, 0, 0, 0, 0},     {REPLY_LIST, 3, 3, 0, 3},       {REPLY_LIST, 3, 40, 0, 3},
	{REPLY_LIST, 48, 48, 0, 48},  {REPLY_LIST, 49, 49, 0, 47},    {REPLY_LIST, 200, 200, 0, 45},
	{REPLY_LIST, 200, 500, 0, 45}, {REPLY_CANDIDATE, 200, 200, 0, 45}, {REPLY_LIST, 200, 200, 1, 10},
};

static void test_reply_list(void **state)
{
	const struct list_case *c = *state;
	struct cmd_reply r = reply(c->kind, "200 interviews (all)");
	struct store_interview *ivs = calloc((size_t)c->nitems + 1, sizeof *ivs);
	for (int i = 0; i < c->nitems; i++)
		ivs[i] = c->at_max ? interview_at_max() : interview(i + 1, ST_SCHEDULED);
	r.items = ivs;
	r.nitems = c->nitems;
	r.total = c->total;
	cJSON *msg = message(&r);
	const cJSON *blocks = blocks_of(msg), *last = cJSON_GetArrayItem(blocks, cJSON_GetArraySize(blocks) - 1);
	int rows = 0;
	while (nth_block(blocks, "section", rows + 1))
		rows++;
	assert_true(rows >= c->min_rows);
	if (rows == c->total) {
		assert_string_equal(str_of(last, "type"), "section");
	} else {
		char want[64];
		snprintf(want, sizeof want, "\xe2\x80\xa6 and %d more \xe2\x80\x94 narrow the list with ", c->total - rows);
		const char *hint = str_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(last, "elements"), 0), "text");
		assert_string_equal(str_of(last, "type"), "context");
		assert_memory_equal(hint, want, strlen(want));
	}
	if (rows)
		assert_non_null(strstr(text_of(nth_block(blocks, "section", 1), "text"), c->at_max ? "*#999999999999* \xc2\xb7 <!date^" : "*#1* \xc2\xb7 <!date^1796135400^{date_short_pretty} {time}|Tue 1 Dec 2026 15:30 Europe/Berlin> \xc2\xb7 60 min \xc2\xb7 *Ada Lovelace* \xe2\x80\x94 Backend \xc2\xb7 video, round 1 \xc2\xb7 alice, bob \xc2\xb7 _scheduled_"));
	cJSON_Delete(msg);
	free(ivs);
}

/* A message always has a block: Slack shows nothing for an empty list of blocks. */
static void test_reply_empty(void **state)
{
	(void)state;
	struct cmd_reply r = reply(REPLY_TEXT, "");
	strcpy(r.command, "tz");
	cJSON *msg = message(&r);
	assert_string_equal(str_of(msg, "text"), "tz");
	assert_string_equal(text_of(cJSON_GetArrayItem(blocks_of(msg), 0), "text"), "tz");
	cJSON_Delete(msg);
	r = reply(REPLY_INTERVIEW, "Scheduled #1: <b>");
	msg = message(&r);
	assert_string_equal(text_of(cJSON_GetArrayItem(blocks_of(msg), 0), "text"), "Scheduled #1: &lt;b&gt;");
	cJSON_Delete(msg);
}

static void test_reply_stats(void **state)
{
	(void)state;
	struct cmd_reply r = reply(REPLY_STATS, "Interviews");
	r.stats = (struct store_stats){3, 11, 120, 9};
	cJSON *msg = message(&r);
	const cJSON *s = nth_block(blocks_of(msg), "section", 0);
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(s, "fields");
	const char *want[] = {"*Today*\n3", "*This week*\n11", "*Completed*\n120", "*Cancelled*\n9"};
	assert_int_equal(cJSON_GetArraySize(fields), 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(str_of(cJSON_GetArrayItem(fields, i), "text"), want[i]);
	assert_string_equal(str_of(msg, "text"), "Interviews: today 3, this week 11, completed 120, cancelled 9");
	cJSON_Delete(msg);
}

/* The inner texts of the preformatted sections, joined with SEP. */
static void join_preformatted(const cJSON *blocks, const char *sep, char *out, size_t len)
{
	const cJSON *b;
	out[0] = 0;
	cJSON_ArrayForEach(b, blocks)
	{
		const char *t = text_of(b, "text");
		if (!t || strncmp(t, "```\n", 4) != 0)
			continue;
		assert_string_equal(t + strlen(t) - 4, "\n```");
		snprintf(out + strlen(out), len - strlen(out), "%s%.*s", *out ? sep : "", (int)(strlen(t) - 8), t + 4);
	}
}

/* Every & of a chunk starts a whole entity: no chunk was cut inside one. */
static void check_entities(const cJSON *blocks)
{
	const cJSON *b;
	cJSON_ArrayForEach(b, blocks)
	{
		const char *t = text_of(b, "text");
		for (const char *p = t ? strchr(t, '&') : NULL; p; p = strchr(p + 1, '&'))
			if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4))
				fail_msg("a chunk cut inside an entity: \"%.10s\"", p);
	}
}

/* Each row: a text for REPLY_TEXT, made of N lines of LINE (no newline between them
 * when JOIN is ""), how many sections it must take and whether the rest is cut (too
 * long for one message once escaped). */
struct text_case {
	const char *name, *line, *join;
	int n, sections, cut;
};

#define AMPS "&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&" /* 39 of them: 195 bytes escaped */

static const struct text_case text_cases[] = {
	{"short", "help [command]", "\n", 1, 1, 0},
	{"lines, 4500 bytes escaped", "schedule candidate:\"Jane <j@x.org>\" x", "\n", 100, 2, 0},
	{"one line, 7000 bytes escaped", "a&<", "", 700, 3, 0},
	{"lines, 7840 bytes escaped", AMPS, "\n", 40, 3, 0},
	{"one line, 13000 bytes escaped", "a&<", "", 1300, 3, 1},
	{"lines, 19600 bytes escaped", AMPS, "\n", 100, 3, 1},
};

static void test_reply_text(void **state)
{
	const struct text_case *c = *state;
	struct cmd_reply r = reply(REPLY_TEXT, "interviewd commands");
	static char joined[40000];
	for (int i = 0; i < c->n; i++)
		snprintf(r.text + strlen(r.text), sizeof r.text - strlen(r.text), "%s%s", i ? c->join : "", c->line);
	cJSON *msg = message(&r);
	const cJSON *blocks = blocks_of(msg);
	char *want = slack_escape(r.text);
	assert_string_equal(text_of(nth_block(blocks, "section", 0), "text"), "interviewd commands");
	assert_int_equal(cJSON_GetArraySize(blocks), 1 + c->sections + c->cut);
	join_preformatted(blocks, c->join, joined, sizeof joined);
	if (c->cut) {
		const cJSON *last = cJSON_GetArrayItem(blocks, c->sections + 1);
		assert_string_equal(str_of(last, "type"), "context");
		assert_memory_equal(want, joined, strlen(joined));
		assert_true(strlen(joined) < strlen(want));
	} else
		assert_string_equal(joined, want);
	check_entities(blocks);
	free(want);
	cJSON_Delete(msg);
}

static void test_reply_help(void **state)
{
	(void)state;
	struct cmd_reply r = reply(REPLY_TEXT, "");
	strcpy(r.text, cmd_usage(NULL));
	cJSON *msg = message(&r);
	const cJSON *blocks = blocks_of(msg);
	assert_int_equal(cJSON_GetArraySize(blocks), 1);
	assert_non_null(strstr(text_of(cJSON_GetArrayItem(blocks, 0), "text"), "```\nCommands (options are key:value"));
	cJSON_Delete(msg);
}

/* ---- hostile text is escaped everywhere ---- */

struct hostile_count {
	int escaped;
};

static void no_raw_control(const char *s, void *arg)
{
	struct hostile_count *h = arg;
	if (strstr(s, "<!channel>") || strstr(s, "<@U1>"))
		fail_msg("unescaped user text in \"%.120s\"", s);
	if (strstr(s, HOSTILE_ESC))
		h->escaped++;
}

static struct store_interview hostile_interview(void)
{
	struct store_interview iv = interview(42, ST_CANCELLED);
	strcpy(iv.candidate_name, HOSTILE);
	strcpy(iv.job_title, HOSTILE);
	strcpy(iv.location, HOSTILE);
	strcpy(iv.notes, HOSTILE);
	strcpy(iv.cancel_reason, HOSTILE);
	strcpy(iv.link, "https://x.example/" HOSTILE);
	strcpy(iv.panel[0].handle, HOSTILE);
	return iv;
}

/* Checks that J shows HOSTILE only escaped, at least MIN times. */
static void check_hostile(const char *what, const cJSON *j, int min)
{
	struct hostile_count h = {0};
	each_string(j, no_raw_control, &h);
	if (h.escaped < min)
		fail_msg("%s: the escaped name appears %d times, expected at least %d", what, h.escaped, min);
}

static void test_hostile_everywhere(void **state)
{
	(void)state;
	struct store_interview iv = hostile_interview();
	struct cmd_reply r = reply(REPLY_INTERVIEW, "Cancelled #42: " HOSTILE);
	r.items = &iv;
	r.nitems = 1;
	strcpy(r.notes[0], HOSTILE);
	r.nnotes = 1;
	cJSON *j = message(&r);
	/* text, headline, header, where, panel, status, notes, the reply's note (cancelled:
	 * no Cancel button, so no confirm dialog) */
	check_hostile("interview reply", j, 8);
	cJSON_Delete(j);
	r.kind = REPLY_LIST;
	r.total = 1;
	j = message(&r);
	check_hostile("list reply", j, 3);
	cJSON_Delete(j);
	r.kind = REPLY_ERROR;
	r.usage = HOSTILE;
	j = message(&r);
	check_hostile("error reply", j, 4);
	cJSON_Delete(j);
	j = slack_view_reschedule(&iv, "{}", "UTC");
	check_hostile("reschedule view", j, 1);
	cJSON_Delete(j);
	j = slack_view_cancel(&iv, "{}");
	check_hostile("cancel view", j, 1);
	cJSON_Delete(j);
	j = slack_view_complete(&iv, "{}");
	check_hostile("complete view", j, 1);
	cJSON_Delete(j);
}

/* ---- the modals ---- */

enum view_kind { V_SCHEDULE, V_RESCHEDULE, V_CANCEL, V_COMPLETE };

static cJSON *make_modal(enum view_kind k, const char *meta, const char *tz)
{
	struct store_interview iv = interview(42, ST_SCHEDULED);
	switch (k) {
	case V_SCHEDULE: return slack_view_schedule(meta, tz, 1774740600); /* Sat 2026-03-28 23:30 UTC */
	case V_RESCHEDULE: return slack_view_reschedule(&iv, meta, tz);
	case V_CANCEL: return slack_view_cancel(&iv, meta);
	default: return slack_view_complete(&iv, meta);
	}
}

/* Each row: the modal's callback_id, title, submit and close, and its blocks:
 * "block_id:element type" for inputs ("?" when optional), "-:type" for others. */
struct view_case {
	enum view_kind kind;
	const char *callback_id, *title, *submit, *close, *blocks;
};

static const struct view_case view_cases[] = {
	{V_SCHEDULE, "iv.schedule", "Schedule an interview", "Schedule", "Close",
	 "candidate:plain_text_input email:email_text_input job:plain_text_input? date:datepicker time:timepicker "
	 "duration:static_select type:static_select panel:multi_users_select? location:plain_text_input? "
	 "link:url_text_input? notes:plain_text_input?"},
	{V_RESCHEDULE, "iv.reschedule", "Reschedule interview", "Reschedule", "Close",
	 "-:section date:datepicker time:timepicker reason:plain_text_input?"},
	{V_CANCEL, "iv.cancel", "Cancel interview", "Cancel interview", "Keep it", "-:section reason:plain_text_input"},
	{V_COMPLETE, "iv.complete", "Complete interview", "Mark complete", "Close",
	 "-:section rating:static_select recommendation:static_select feedback:plain_text_input? notes:plain_text_input?"},
};

static void describe_blocks(const cJSON *blocks, char *out, size_t len)
{
	const cJSON *b;
	out[0] = 0;
	cJSON_ArrayForEach(b, blocks)
	{
		const cJSON *el = cJSON_GetObjectItemCaseSensitive(b, "element");
		const char *type = str_of(b, "type");
		if (strcmp(type, "input") == 0) {
			assert_string_equal(str_of(el, "action_id"), "v");
			snprintf(out + strlen(out), len - strlen(out), "%s%s:%s%s", *out ? " " : "", str_of(b, "block_id"),
			         str_of(el, "type"), cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "optional")) ? "?" : "");
		} else
			snprintf(out + strlen(out), len - strlen(out), "%s-:%s", *out ? " " : "", type);
	}
}

static void test_view(void **state)
{
	const struct view_case *c = *state;
	const char *meta = "{\"iv\":42,\"ch\":\"C0IVWD0100\",\"ts\":\"1796000000.000100\"}";
	char got[1024];
	cJSON *v = make_modal(c->kind, meta, "Europe/Berlin");
	assert_non_null(v);
	check_limits(v);
	assert_string_equal(str_of(v, "type"), "modal");
	assert_string_equal(str_of(v, "callback_id"), c->callback_id);
	assert_string_equal(text_of(v, "title"), c->title);
	assert_string_equal(text_of(v, "submit"), c->submit);
	assert_string_equal(text_of(v, "close"), c->close);
	assert_string_equal(str_of(v, "private_metadata"), meta);
	describe_blocks(cJSON_GetObjectItemCaseSensitive(v, "blocks"), got, sizeof got);
	assert_string_equal(got, c->blocks);
	cJSON_Delete(v);
}

/* private_metadata holds at most 3000 characters: the caller must learn it did not fit. */
static void test_view_meta_too_long(void **state)
{
	(void)state;
	char meta[SLACK_MAX_META + 2];
	memset(meta, 'x', sizeof meta - 1);
	meta[sizeof meta - 1] = 0;
	for (int k = V_SCHEDULE; k <= V_COMPLETE; k++)
		assert_null(make_modal((enum view_kind)k, meta, "UTC"));
	meta[SLACK_MAX_META] = 0;
	for (int k = V_SCHEDULE; k <= V_COMPLETE; k++) {
		cJSON *v = make_modal((enum view_kind)k, meta, "UTC");
		assert_non_null(v);
		cJSON_Delete(v);
	}
}

static const cJSON *element_of(const cJSON *view, const char *block)
{
	return cJSON_GetObjectItemCaseSensitive(block_by_id(cJSON_GetObjectItemCaseSensitive(view, "blocks"), block),
	                                        "element");
}

static const char *initial_option(const cJSON *view, const char *block)
{
	return str_of(cJSON_GetObjectItemCaseSensitive(element_of(view, block), "initial_option"), "value");
}

/* Option values of BLOCK, space-separated. */
static void option_values(const cJSON *view, const char *block, char *out, size_t len)
{
	const cJSON *o;
	out[0] = 0;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(element_of(view, block), "options"))
	        snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? " " : "", str_of(o, "value"));
}

/* Proposes tomorrow 10:00 in the reader's zone: at 23:30 UTC on Saturday it is
 * already Sunday in Berlin, so tomorrow is Monday there and Sunday in UTC. */
static void test_view_schedule_initial(void **state)
{
	(void)state;
	char values[256];
	cJSON *v = make_modal(V_SCHEDULE, NULL, "Europe/Berlin");
	assert_null(str_of(v, "private_metadata"));
	assert_string_equal(str_of(element_of(v, "date"), "initial_date"), "2026-03-30");
	assert_string_equal(str_of(element_of(v, "time"), "initial_time"), "10:00");
	assert_string_equal(text_of(block_by_id(cJSON_GetObjectItemCaseSensitive(v, "blocks"), "time"), "hint"),
	                    "All times in Europe/Berlin");
	assert_string_equal(initial_option(v, "duration"), "60m");
	assert_string_equal(initial_option(v, "type"), "video");
	option_values(v, "duration", values, sizeof values);
	assert_string_equal(values, "30m 45m 60m 90m 120m");
	option_values(v, "type", values, sizeof values);
	assert_string_equal(values, "phone video in_person technical hr final");
	for (int t = 0; t < TYPE_COUNT; t++)
		assert_non_null(strstr(values, store_type_name((enum store_type)t)));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(element_of(v, "panel"), "max_selected_items")->valueint,
	                 STORE_PANEL_MAX);
	cJSON_Delete(v);
	v = make_modal(V_SCHEDULE, NULL, "UTC");
	assert_string_equal(str_of(element_of(v, "date"), "initial_date"), "2026-03-29");
	cJSON_Delete(v);
}

static void test_view_reschedule_initial(void **state)
{
	(void)state;
	cJSON *v = make_modal(V_RESCHEDULE, "{}", "Europe/Berlin");
	assert_string_equal(str_of(element_of(v, "date"), "initial_date"), "2026-12-01");
	assert_string_equal(str_of(element_of(v, "time"), "initial_time"), "15:30");
	assert_non_null(strstr(text_of(nth_block(cJSON_GetObjectItemCaseSensitive(v, "blocks"), "section", 0), "text"),
	                       "*#42*"));
	cJSON_Delete(v);
	v = make_modal(V_RESCHEDULE, "{}", "America/New_York");
	assert_string_equal(str_of(element_of(v, "time"), "initial_time"), "09:30");
	cJSON_Delete(v);
}

/* The cancel modal is its own confirmation: it says which interview goes. */
static void test_view_cancel_text(void **state)
{
	(void)state;
	cJSON *v = make_modal(V_CANCEL, "{}", NULL);
	const char *text = text_of(nth_block(cJSON_GetObjectItemCaseSensitive(v, "blocks"), "section", 0), "text");
	assert_memory_equal(text, "This cancels *#42* \xc2\xb7 <!date^1796135400^", 30);
	assert_non_null(strstr(text, "*Ada Lovelace* \xe2\x80\x94 Backend"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(element_of(v, "reason"), "multiline")));
	cJSON_Delete(v);
}

static void test_view_complete_options(void **state)
{
	(void)state;
	char values[256];
	cJSON *v = make_modal(V_COMPLETE, "{}", NULL);
	option_values(v, "rating", values, sizeof values);
	assert_string_equal(values, "1 2 3 4 5");
	option_values(v, "recommendation", values, sizeof values);
	assert_string_equal(values, "proceed hire reject maybe");
	for (int r = REC_PROCEED; r < REC_COUNT; r++)
		assert_non_null(strstr(values, store_rec_name((enum store_rec)r)));
	assert_null(initial_option(v, "rating"));
	cJSON_Delete(v);
}

/* ---- slack_view_command ---- */

/* One answer in view.state.values: KIND t(ext), d(ate), h(our), s(elect) or u(sers,
 * comma-separated); a NULL text value is JSON null (a field left empty). */
struct field {
	const char *block;
	char kind;
	const char *value;
};

#define FIELDS_MAX 12

static cJSON *answer(char kind, const char *value)
{
	cJSON *a = cJSON_CreateObject(), *users;
	switch (kind) {
	case 'd': cJSON_AddStringToObject(a, "selected_date", value); break;
	case 'h': cJSON_AddStringToObject(a, "selected_time", value); break;
	case 's':
		cJSON_AddStringToObject(cJSON_AddObjectToObject(a, "selected_option"), "value", value);
		break;
	case 'u':
		users = cJSON_AddArrayToObject(a, "selected_users");
		for (const char *p = value; *p;) {
			size_t n = strcspn(p, ",");
			char id[64];
			snprintf(id, sizeof id, "%.*s", (int)n, p);
			cJSON_AddItemToArray(users, cJSON_CreateString(id));
			p += n + (p[n] == ',');
		}
		break;
	default:
		if (value)
			cJSON_AddStringToObject(a, "value", value);
		else
			cJSON_AddNullToObject(a, "value");
	}
	return a;
}

/* A submitted view; OVERRIDE (may be NULL) replaces the field of the same block. */
static cJSON *submitted(const char *callback_id, const char *meta, const struct field *fields,
                        const struct field *override)
{
	cJSON *view = cJSON_CreateObject();
	cJSON_AddStringToObject(view, "type", "modal");
	cJSON_AddStringToObject(view, "callback_id", callback_id);
	if (meta)
		cJSON_AddStringToObject(view, "private_metadata", meta);
	cJSON *values = cJSON_AddObjectToObject(cJSON_AddObjectToObject(view, "state"), "values");
	for (int i = 0; i < FIELDS_MAX && fields[i].block; i++) {
		const struct field *f = override && !strcmp(override->block, fields[i].block) ? override : &fields[i];
		cJSON_AddItemToObject(cJSON_AddObjectToObject(values, f->block), "v", answer(f->kind, f->value));
	}
	return view;
}

static void error_keys(const cJSON *errors, char *out, size_t len)
{
	const cJSON *e;
	out[0] = 0;
	cJSON_ArrayForEach(e, errors)
	{
		assert_true(cJSON_IsString(e) && *e->valuestring);
		snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? " " : "", e->string);
	}
}

#define SCHEDULE_BASE                                                                                              \
	{"candidate", 't', "Ada Lovelace"}, {"email", 't', "ada@example.com"}, {"date", 'd', "2026-12-01"},      \
	        {"time", 'h', "14:30"}

/* Each row: a submitted modal and the command it gives, or the blocks of its errors. */
struct command_case {
	const char *name, *callback_id, *meta;
	struct field fields[FIELDS_MAX];
	const char *want, *errors;
};

static const struct command_case command_cases[] = {
	{"schedule, every field", "iv.schedule", NULL,
	 {SCHEDULE_BASE, {"job", 't', "Backend"}, {"duration", 's', "45m"}, {"type", 's', "video"},
	  {"panel", 'u', "U1,U2"}, {"location", 't', "Room 1"}, {"link", 't', "https://meet.example.com/abc"},
	  {"notes", 't', "bring a laptop"}},
	 "schedule candidate:\"Ada Lovelace <ada@example.com>\" when:\"2026-12-01 14:30\" job:\"Backend\" duration:45m "
	 "type:video with:<@U1>,<@U2> location:\"Room 1\" link:\"https://meet.example.com/abc\" notes:\"bring a laptop\"",
	 NULL},
	{"schedule, required fields only", "iv.schedule", NULL, {SCHEDULE_BASE},
	 "schedule candidate:\"Ada Lovelace <ada@example.com>\" when:\"2026-12-01 14:30\"", NULL},
	{"schedule, optional fields left empty", "iv.schedule", NULL,
	 {SCHEDULE_BASE, {"job", 't', NULL}, {"location", 't', ""}, {"notes", 't', " \n "}, {"panel", 'u', ""},
	  {"link", 't', NULL}},
	 "schedule candidate:\"Ada Lovelace <ada@example.com>\" when:\"2026-12-01 14:30\"", NULL},
	{"schedule, nothing given", "iv.schedule", NULL, {{"job", 't', "Backend"}}, NULL,
	 "candidate email date time"},
	{"schedule, blank name", "iv.schedule", NULL,
	 {{"candidate", 't', "   "}, {"email", 't', "ada@example.com"}, {"date", 'd', "2026-12-01"},
	  {"time", 'h', "14:30"}},
	 NULL, "candidate"},
	{"schedule, not an email", "iv.schedule", NULL,
	 {{"candidate", 't', "Ada"}, {"email", 't', "ada at example"}, {"date", 'd', "2026-12-01"},
	  {"time", 'h', "14:30"}},
	 NULL, "email"},
	{"schedule, email with a quote", "iv.schedule", NULL,
	 {{"candidate", 't', "Ada"}, {"email", 't', "a\"@example.com"}, {"date", 'd', "2026-12-01"},
	  {"time", 'h', "14:30"}},
	 NULL, "email"},
	{"schedule, malformed date and time", "iv.schedule", NULL,
	 {{"candidate", 't', "Ada"}, {"email", 't', "ada@example.com"}, {"date", 'd', "2026-12-1"},
	  {"time", 'h', "9:15\" force:yes"}},
	 NULL, "date time"},
	{"schedule, a duration and a type not offered", "iv.schedule", NULL,
	 {SCHEDULE_BASE, {"duration", 's', "17m force:yes"}, {"type", 's', "zoom"}}, NULL, "duration type"},
	{"schedule, not a Slack id", "iv.schedule", NULL, {SCHEDULE_BASE, {"panel", 'u', "U1,U2> force:yes"}}, NULL,
	 "panel"},
	{"schedule, eleven interviewers", "iv.schedule", NULL,
	 {SCHEDULE_BASE, {"panel", 'u', "U1,U2,U3,U4,U5,U6,U7,U8,U9,U10,U11"}}, NULL, "panel"},
	{"schedule, ten interviewers", "iv.schedule", NULL,
	 {SCHEDULE_BASE, {"panel", 'u', "U1,U2,U3,U4,U5,U6,U7,U8,U9,W10"}},
	 "schedule candidate:\"Ada Lovelace <ada@example.com>\" when:\"2026-12-01 14:30\" "
	 "with:<@U1>,<@U2>,<@U3>,<@U4>,<@U5>,<@U6>,<@U7>,<@U8>,<@U9>,<@W10>",
	 NULL},
	{"schedule, not UTF-8", "iv.schedule", NULL, {SCHEDULE_BASE, {"notes", 't', "caf\xe9"}}, NULL, "notes"},
	{"reschedule", "iv.reschedule", "{\"iv\":42,\"ch\":\"C1\"}",
	 {{"date", 'd', "2026-12-02"}, {"time", 'h', "09:15"}, {"reason", 't', "Candidate asked"}},
	 "reschedule #42 when:\"2026-12-02 09:15\" reason:\"Candidate asked\"", NULL},
	{"reschedule, id as a string, no reason", "iv.reschedule", "{\"iv\":\"#42\"}",
	 {{"date", 'd', "2026-12-02"}, {"time", 'h', "09:15"}, {"reason", 't', NULL}},
	 "reschedule #42 when:\"2026-12-02 09:15\"", NULL},
	{"reschedule, no metadata", "iv.reschedule", NULL, {{"date", 'd', "2026-12-02"}, {"time", 'h', "09:15"}}, NULL,
	 "date"},
	{"reschedule, metadata not JSON", "iv.reschedule", "iv=42", {{"date", 'd', "2026-12-02"}, {"time", 'h', "09:15"}},
	 NULL, "date"},
	{"reschedule, id 0", "iv.reschedule", "{\"iv\":0}", {{"date", 'd', "2026-12-02"}, {"time", 'h', "09:15"}}, NULL,
	 "date"},
	{"reschedule, id 4.5", "iv.reschedule", "{\"iv\":4.5}", {{"date", 'd', "2026-12-02"}, {"time", 'h', "09:15"}},
	 NULL, "date"},
	{"reschedule, id with words", "iv.reschedule", "{\"iv\":\"42 force:yes\"}",
	 {{"date", 'd', "2026-12-02"}, {"time", 'h', "09:15"}}, NULL, "date"},
	{"reschedule, no time", "iv.reschedule", "{\"iv\":42}", {{"date", 'd', "2026-12-02"}}, NULL, "time"},
	{"cancel", "iv.cancel", "{\"iv\":42}", {{"reason", 't', "candidate withdrew"}},
	 "cancel #42 reason:\"candidate withdrew\"", NULL},
	{"cancel, no reason", "iv.cancel", "{\"iv\":42}", {{"reason", 't', NULL}}, NULL, "reason"},
	{"cancel, blank reason", "iv.cancel", "{\"iv\":42}", {{"reason", 't', " \t\n"}}, NULL, "reason"},
	{"complete, everything", "iv.complete", "{\"iv\":42}",
	 {{"rating", 's', "4"}, {"recommendation", 's', "hire"}, {"feedback", 't', "strong"}, {"notes", 't', "n"}},
	 "complete #42 rating:4 recommendation:hire feedback:\"strong\" notes:\"n\"", NULL},
	{"complete, rating and recommendation", "iv.complete", "{\"iv\":42}",
	 {{"rating", 's', "5"}, {"recommendation", 's', "proceed"}, {"feedback", 't', NULL}},
	 "complete #42 rating:5 recommendation:proceed", NULL},
	{"complete, nothing chosen", "iv.complete", "{\"iv\":42}", {{"feedback", 't', "x"}}, NULL,
	 "rating recommendation"},
	{"complete, choices not offered", "iv.complete", "{\"iv\":42}",
	 {{"rating", 's', "6"}, {"recommendation", 's', "hire force:yes"}}, NULL, "rating recommendation"},
};

/* Errors are keyed by input blocks of the modal that was submitted. */
static void check_keys_are_blocks(const char *callback_id, const cJSON *errors)
{
	const cJSON *e;
	enum view_kind k = !strcmp(callback_id, "iv.schedule")     ? V_SCHEDULE
	                   : !strcmp(callback_id, "iv.reschedule") ? V_RESCHEDULE
	                   : !strcmp(callback_id, "iv.cancel")     ? V_CANCEL
	                                                           : V_COMPLETE;
	cJSON *view = make_modal(k, "{}", "UTC");
	cJSON_ArrayForEach(e, errors)
	{
		const cJSON *b = block_by_id(cJSON_GetObjectItemCaseSensitive(view, "blocks"), e->string);
		if (!b || strcmp(str_of(b, "type"), "input"))
			fail_msg("error on \"%s\", which is not an input block of %s", e->string, callback_id);
	}
	cJSON_Delete(view);
}

/* The command must also be one the core's lexer reads. */
static void lex_ok(const char *cmd, struct cmd_args *a)
{
	char err[256];
	if (cmd_lex(cmd, a, err, sizeof err) < 0)
		fail_msg("cmd_lex refused \"%s\": %s", cmd, err);
}

static void test_command(void **state)
{
	const struct command_case *c = *state;
	char cmd[SLACK_CMD_MAX + 1], keys[256];
	static struct cmd_args args;
	cJSON *errors = (cJSON *)1; /* a stale value the call must clear */
	cJSON *view = submitted(c->callback_id, c->meta, c->fields, NULL);
	int rc = slack_view_command(view, cmd, sizeof cmd, &errors);
	if (c->want) {
		error_keys(errors, keys, sizeof keys);
		if (rc != 0)
			fail_msg("refused with errors on %s", keys);
		assert_null(errors);
		assert_string_equal(cmd, c->want);
		lex_ok(cmd, &args);
	} else {
		assert_int_equal(rc, -1);
		assert_non_null(errors);
		error_keys(errors, keys, sizeof keys);
		assert_string_equal(keys, c->errors);
		check_keys_are_blocks(c->callback_id, errors);
	}
	cJSON_Delete(errors);
	cJSON_Delete(view);
}

/* Not one of our modals: -1, and no errors to show in it. */
static void test_command_not_ours(void **state)
{
	(void)state;
	char cmd[64];
	cJSON *errors = NULL;
	static const struct field none[FIELDS_MAX] = {{"reason", 't', "x"}};
	cJSON *view = submitted("iv.other", "{\"iv\":42}", none, NULL);
	assert_int_equal(slack_view_command(view, cmd, sizeof cmd, &errors), -1);
	assert_null(errors);
	cJSON_Delete(view);
	view = cJSON_Parse("{\"callback_id\":\"iv.cancel\",\"private_metadata\":\"{\\\"iv\\\":42}\"}");
	assert_int_equal(slack_view_command(view, cmd, sizeof cmd, &errors), -1);
	assert_null(errors);
	cJSON_Delete(view);
}

/* Too long for the core's line (4000 bytes; quotes count twice) or for the caller's
 * buffer: refused at the longest value. */
static void test_command_too_long(void **state)
{
	(void)state;
	static char quotes[1951], cmd[SLACK_CMD_MAX + 1];
	char keys[64];
	cJSON *errors = NULL;
	memset(quotes, '"', sizeof quotes - 1);
	struct field fields[FIELDS_MAX] = {SCHEDULE_BASE, {"notes", 't', quotes}, {"location", 't', "Room 1"}};
	cJSON *view = submitted("iv.schedule", NULL, fields, NULL);
	assert_int_equal(slack_view_command(view, cmd, sizeof cmd, &errors), -1);
	error_keys(errors, keys, sizeof keys);
	assert_string_equal(keys, "notes");
	cJSON_Delete(errors);
	quotes[1850] = 0; /* fits now */
	cJSON_Delete(view);
	view = submitted("iv.schedule", NULL, fields, NULL);
	assert_int_equal(slack_view_command(view, cmd, sizeof cmd, &errors), 0);
	assert_true(strlen(cmd) <= SLACK_CMD_MAX);
	assert_int_equal(slack_view_command(view, cmd, 60, &errors), -1); /* the caller's buffer */
	error_keys(errors, keys, sizeof keys);
	assert_string_equal(keys, "notes");
	cJSON_Delete(errors);
	cJSON_Delete(view);
}

/* ---- hostile text through the lexer and back ---- */

static const char *const hostile_values[] = {
	"say \"hi\"",
	"back\\slash, \\\" and \\\\",
	"ends with a backslash \\",
	"\\",
	"\"",
	"line one\nline two\r\n\ttabbed",
	"with:<@U999> force:yes",
	"\" force:yes notes:\"",
	"a \\\" with:alice \\",
	"\xe2\x80\x9c" "curly\xe2\x80\x9d and \xe2\x80\x9d" "odd\xe2\x80\x9c",
	HOSTILE,
	"a:b c:d https://x.example/?q=1 reason:x",
	"  leading and trailing  ",
	"#43",
	"/interview cancel #1 reason:x",
};

/* Where user text goes: the modal, the block, the option it becomes, and the fields
 * of a valid submission around it. */
struct place {
	const char *callback_id, *block, *key, *verb;
	struct field fields[FIELDS_MAX];
};

static const struct place places[] = {
	{"iv.schedule", "candidate", "candidate", "schedule", {SCHEDULE_BASE, {"notes", 't', "x"}}},
	{"iv.schedule", "job", "job", "schedule", {SCHEDULE_BASE, {"job", 't', "x"}, {"panel", 'u', "U1"}}},
	{"iv.schedule", "location", "location", "schedule", {SCHEDULE_BASE, {"location", 't', "x"}}},
	{"iv.schedule", "notes", "notes", "schedule", {SCHEDULE_BASE, {"notes", 't', "x"}, {"link", 't', "x"}}},
	{"iv.reschedule", "reason", "reason", "reschedule",
	 {{"date", 'd', "2026-12-02"}, {"time", 'h', "09:15"}, {"reason", 't', "x"}}},
	{"iv.cancel", "reason", "reason", "cancel", {{"reason", 't', "x"}}},
	{"iv.complete", "feedback", "feedback", "complete",
	 {{"rating", 's', "4"}, {"recommendation", 's', "hire"}, {"feedback", 't', "x"}, {"notes", 't', "y"}}},
	{"iv.complete", "notes", "notes", "complete",
	 {{"rating", 's', "4"}, {"recommendation", 's', "hire"}, {"feedback", 't', "x"}, {"notes", 't', "y"}}},
};

/* The options of A as "key key key". */
static void option_keys(const struct cmd_args *a, char *out, size_t len)
{
	out[0] = 0;
	for (int i = 0; i < a->nkv; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", a->kv[i].key);
}

static void round_trip(const struct place *p, const char *value)
{
	static struct cmd_args plain, hostile;
	char cmd[SLACK_CMD_MAX + 1], want_keys[256], got_keys[256], want[512];
	struct field f = {p->block, 't', value};
	cJSON *errors = NULL, *view = submitted(p->callback_id, "{\"iv\":42}", p->fields, NULL);
	assert_int_equal(slack_view_command(view, cmd, sizeof cmd, &errors), 0);
	lex_ok(cmd, &plain);
	cJSON_Delete(view);
	view = submitted(p->callback_id, "{\"iv\":42}", p->fields, &f);
	assert_int_equal(slack_view_command(view, cmd, sizeof cmd, &errors), 0);
	lex_ok(cmd, &hostile);
	cJSON_Delete(view);
	option_keys(&plain, want_keys, sizeof want_keys);
	option_keys(&hostile, got_keys, sizeof got_keys);
	if (strcmp(want_keys, got_keys) || strcmp(plain.name, hostile.name) || plain.npos != hostile.npos)
		fail_msg("%s %s: \"%s\" gave options %s (want %s) and %d words: %s", p->callback_id, p->block, value,
		         got_keys, want_keys, hostile.npos, cmd);
	assert_string_equal(hostile.name, p->verb);
	char one_line[256]; /* line breaks and tabs of a form become spaces (CR LF one space) */
	size_t n = 0;
	for (const char *v = value; *v && n + 1 < sizeof one_line; v++)
		if (!(*v == '\r' && v[1] == '\n'))
			one_line[n++] = *v == '\n' || *v == '\r' || *v == '\t' ? ' ' : *v;
	one_line[n] = 0;
	snprintf(want, sizeof want, "%s%s", one_line, strcmp(p->block, "candidate") ? "" : " <ada@example.com>");
	const char *got = cmd_opt(&hostile, p->key);
	if (!got || strcmp(got, want))
		fail_msg("%s %s: sent \"%s\", the core reads \"%s\" from %s", p->callback_id, p->block, want,
		         got ? got : "(nothing)", cmd);
}

static void test_round_trip(void **state)
{
	const char *value = *state;
	for (size_t i = 0; i < ARRAY_LEN(places); i++)
		round_trip(&places[i], value);
}

/* ---- slack_error_block ---- */

struct error_case {
	const char *callback_id, *message, *want;
};

static const struct error_case error_cases[] = {
	{"iv.schedule", "when: 2031-03-30 02:30 does not exist in Europe/Berlin (clocks go from 02:00 to 03:00)", "date"},
	{"iv.schedule", "when is it? add when:\"2031-03-10 14:00\" (or \"tomorrow 2pm\", \"mon 10:30\")", "date"},
	{"iv.reschedule", "when: Tue 1 Dec 2026 15:30 (Europe/Berlin) is in the past; pick a time after now", "date"},
	{"iv.schedule", "that overlaps 1 active interview: #7 (alice has #7 then); add force:yes", "date"},
	{"iv.reschedule", "that overlaps 1 active interview: #7 (alice has #7 then); add force:yes", "date"},
	{"iv.schedule", "duration: \"17\" is not a duration", "duration"},
	{"iv.reschedule", "duration: \"17\" is not a duration", NULL},
	{"iv.schedule", "type: must be phone, video, in_person, technical, hr or final, not \"zoom\"", "type"},
	{"iv.schedule", "link: must be a web address starting with https://, not \"x\"", "link"},
	{"iv.schedule", "location: is too long (600 bytes; at most 500)", "location"},
	{"iv.schedule", "job: must not contain control characters", "job"},
	{"iv.schedule", "notes: must not contain control characters", "notes"},
	{"iv.schedule", "with: at most 10 interviewers", "panel"},
	{"iv.schedule", "nobody is called \"alcie\" (did you mean alice?)", "panel"},
	{"iv.schedule", "Slack user U0IVWD0300 is not set up here; ask an administrator to add them to [people]",
	 "panel"},
	{"iv.schedule", "no candidate matches \"Ada\"", "candidate"},
	{"iv.schedule", "candidate: a new candidate needs a name: candidate:\"Jane Doe <ada@example.com>\"", "candidate"},
	{"iv.schedule", "candidate: \"ada@@example.com\" is not an email address", "email"},
	{"iv.schedule", "candidate_tz: unknown time zone \"Mars\"; use an IANA name such as Europe/Paris", NULL},
	{"iv.schedule", "reason: must not contain control characters", NULL},
	{"iv.schedule", "the database failed: disk I/O error", NULL},
	{"iv.schedule", "only recruiters may schedule interviews; ask a recruiter to do it", NULL},
	{"iv.reschedule", "reason: is too long (600 bytes; at most 500)", "reason"},
	{"iv.reschedule", "#42 is completed, so it cannot be rescheduled; feedback can still be given", NULL},
	{"iv.cancel", "a reason is required: cancel #42 reason:\"candidate withdrew\"", "reason"},
	{"iv.cancel", "reason: must not contain control characters", "reason"},
	{"iv.cancel", "when: x", NULL},
	{"iv.complete", "rating: must be a whole number from 1 to 5, not \"6\"", "rating"},
	{"iv.complete", "recommendation: must be proceed, hire, reject or maybe, not \"x\"", "recommendation"},
	{"iv.complete", "feedback: is too long (5000 bytes; at most 4000)", "feedback"},
	{"iv.complete", "notes: must not contain control characters", "notes"},
	{"iv.complete", "#42 has not started yet (it starts Tue 1 Dec 2026 15:30); it can be completed once it has begun",
	 NULL},
	{"iv.other", "when: x", NULL},
	{NULL, "when: x", NULL},
	{"iv.schedule", NULL, NULL},
};

static void test_error_block(void **state)
{
	const struct error_case *c = *state;
	const char *got = slack_error_block(c->callback_id, c->message);
	if (c->want)
		assert_string_equal(got ? got : "(null)", c->want);
	else if (got)
		fail_msg("\"%s\" was put on block %s", c->message, got);
}

/* ---- the runner: one named test per row ---- */

#define NAME_LEN 120

struct runner {
	struct CMUnitTest *tests;
	char (*names)[NAME_LEN];
	size_t n;
};

static void add(struct runner *r, CMUnitTestFunction fn, const void *row, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct runner *r, CMUnitTestFunction fn, const void *row, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->names[r->n], NAME_LEN, fmt, ap);
	va_end(ap);
	for (char *p = r->names[r->n]; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	r->tests[r->n].name = r->names[r->n];
	r->tests[r->n].test_func = fn;
	r->tests[r->n].initial_state = (void *)(uintptr_t)row;
	r->n++;
}

static void add_rows(struct runner *r)
{
	size_t i;
	for (i = 0; i < ARRAY_LEN(escape_cases); i++)
		add(r, test_escape, &escape_cases[i], "escape \"%s\"", escape_cases[i].in);
	for (i = 0; i < ARRAY_LEN(status_cases); i++)
		add(r, test_card_buttons, &status_cases[i], "card buttons, %s", store_status_name(status_cases[i].status));
	for (i = 0; i < ARRAY_LEN(where_cases); i++)
		add(r, test_card_where, &where_cases[i], "card where: \"%s\" \"%s\"", where_cases[i].location,
		    where_cases[i].link);
	for (i = 0; i < ARRAY_LEN(status_field_cases); i++)
		add(r, test_card_status, &status_field_cases[i], "card status: %s",
		    status_field_cases[i].want + strlen("*Status*\n"));
	for (i = 0; i < ARRAY_LEN(list_cases); i++)
		add(r, test_reply_list, &list_cases[i], "%s of %d (total %d)%s",
		    list_cases[i].kind == REPLY_LIST ? "list" : "candidate", list_cases[i].nitems, list_cases[i].total,
		    list_cases[i].at_max ? ", every text at its longest" : "");
	for (i = 0; i < ARRAY_LEN(text_cases); i++)
		add(r, test_reply_text, &text_cases[i], "text reply: %s", text_cases[i].name);
	for (i = 0; i < ARRAY_LEN(view_cases); i++)
		add(r, test_view, &view_cases[i], "view %s", view_cases[i].callback_id);
	for (i = 0; i < ARRAY_LEN(command_cases); i++)
		add(r, test_command, &command_cases[i], "command: %s", command_cases[i].name);
	for (i = 0; i < ARRAY_LEN(hostile_values); i++)
		add(r, test_round_trip, hostile_values[i], "round trip \"%s\"", hostile_values[i]);
	for (i = 0; i < ARRAY_LEN(error_cases); i++)
		add(r, test_error_block, &error_cases[i], "error block %s: %.60s",
		    error_cases[i].callback_id ? error_cases[i].callback_id : "(null)",
		    error_cases[i].message ? error_cases[i].message : "(null)");
}

static const struct CMUnitTest singles[] = {
	cmocka_unit_test(test_escape_null),
	cmocka_unit_test(test_card_when),
	cmocka_unit_test(test_card_header),
	cmocka_unit_test(test_card_header_long),
	cmocka_unit_test(test_card_panel),
	cmocka_unit_test(test_card_notes),
	cmocka_unit_test(test_card_at_max),
	cmocka_unit_test(test_reply_interview),
	cmocka_unit_test(test_reply_interview_at_max),
	cmocka_unit_test(test_reply_error),
	cmocka_unit_test(test_reply_duplicate),
	cmocka_unit_test(test_reply_empty),
	cmocka_unit_test(test_reply_stats),
	cmocka_unit_test(test_reply_help),
	cmocka_unit_test(test_hostile_everywhere),
	cmocka_unit_test(test_view_meta_too_long),
	cmocka_unit_test(test_view_schedule_initial),
	cmocka_unit_test(test_view_reschedule_initial),
	cmocka_unit_test(test_view_cancel_text),
	cmocka_unit_test(test_view_complete_options),
	cmocka_unit_test(test_command_not_ours),
	cmocka_unit_test(test_command_too_long),
};

int main(void)
{
	size_t max = ARRAY_LEN(escape_cases) + ARRAY_LEN(status_cases) + ARRAY_LEN(where_cases) +
	             ARRAY_LEN(status_field_cases) + ARRAY_LEN(list_cases) + ARRAY_LEN(text_cases) +
	             ARRAY_LEN(view_cases) + ARRAY_LEN(command_cases) + ARRAY_LEN(hostile_values) +
	             ARRAY_LEN(error_cases) + ARRAY_LEN(singles);
	struct runner r = {calloc(max, sizeof *r.tests), calloc(max, sizeof *r.names), 0};
	assert_non_null(r.tests);
	assert_non_null(r.names);
	tz_init();
	for (size_t i = 0; i < ARRAY_LEN(singles); i++)
		r.tests[r.n++] = singles[i];
	add_rows(&r);
	int failed = _cmocka_run_group_tests("slack_blocks", r.tests, r.n, NULL, NULL);
	free(r.tests);
	free(r.names);
	return failed;
}
