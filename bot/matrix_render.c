/* matrix_render.c: see matrix_render.h. */
#include "bot/matrix_render.h"
#include "bot/render.h"
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* R as the console shows it, without its "next" line (the follow-ups come with the
 * prefix instead). */
static char *text_of(const struct cmd_reply *r)
{
	char *text = render_text_string(r);
	if (!text)
		return NULL;
	char *next = strstr(text, "\n  next ");
	if (next) {
		char *end = strchr(next + 1, '\n');
		memmove(next + 1, end ? end + 1 : next + strlen(next), strlen(end ? end + 1 : "") + 1);
	}
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')
		text[--n] = 0;
	return text;
}

/* The follow-up commands of interview IV, one per line, into TXT and HTML. */
static void follow_ups(const struct store_interview *iv, const char *prefix, struct buf *txt, struct buf *html)
{
	static const struct {
		unsigned bit;
		const char *verb, *rest;
	} acts[] = {
		{ACT_RESCHEDULE, "reschedule", " when:..."},
		{ACT_CANCEL, "cancel", " reason:..."},
		{ACT_START, "start", ""},
		{ACT_COMPLETE, "complete", " rating:... recommendation:..."},
		{ACT_FEEDBACK, "feedback", " rating:... recommendation:..."},
	};
	unsigned a = cmd_actions(iv);
	if (a & ACT_COMPLETE)
		a &= ~(unsigned)ACT_FEEDBACK;
	if (!a)
		return;
	buf_add(txt, "\n\nNext:");
	buf_add(html, "<p>Next:</p>\n<ul>\n");
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		if (!(a & acts[i].bit))
			continue;
		char line[200];
		snprintf(line, sizeof line, "%s %s #%lld%s", prefix, acts[i].verb, (long long)iv->id, acts[i].rest);
		buf_addf(txt, "\n%s", line);
		buf_add(html, "<li><code>");
		buf_add_html(html, line);
		buf_add(html, "</code></li>\n");
	}
	buf_add(html, "</ul>");
}

/* {"msgtype", "body", "format", "formatted_body", "m.mentions": {}} + the thread. */
static cJSON *content(const char *msgtype, char *body, char *html, const char *event_id)
{
	cJSON *c = cJSON_CreateObject();
	if (!c || !body || !html) {
		free(body), free(html), cJSON_Delete(c);
		return NULL;
	}
	cJSON_AddStringToObject(c, "msgtype", msgtype);
	cJSON_AddStringToObject(c, "body", body);
	cJSON_AddStringToObject(c, "format", "org.matrix.custom.html");
	cJSON_AddStringToObject(c, "formatted_body", html);
	cJSON_AddItemToObject(c, "m.mentions", cJSON_CreateObject());
	if (event_id) {
		cJSON *rel = cJSON_AddObjectToObject(c, "m.relates_to");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rel, "m.in_reply_to"), "event_id", event_id);
	}
	free(body);
	free(html);
	return c;
}

/* TEXT's first line in bold, the rest preformatted. */
static void html_of(struct buf *html, const char *text)
{
	size_t head = strcspn(text, "\n");
	char *first = strndup(text, head);
	buf_add(html, "<p><b>");
	buf_add_html(html, first ? first : "");
	buf_add(html, "</b></p>");
	free(first);
	if (text[head]) {
		buf_add(html, "\n<pre><code>");
		buf_add_html(html, text + head + 1);
		buf_add(html, "</code></pre>");
	}
}

cJSON *matrix_reply(const struct cmd_reply *r, const char *prefix, const char *event_id)
{
	struct buf txt = {0}, html = {0};
	char *text = text_of(r);
	if (!text)
		return NULL;
	buf_add(&txt, text);
	html_of(&html, text);
	free(text);
	if (r->kind == REPLY_INTERVIEW && r->nitems > 0)
		follow_ups(&r->items[0], prefix, &txt, &html);
	char *t = buf_take(&txt), *h = buf_take(&html);
	return content("m.notice", t, h, event_id);
}

cJSON *matrix_notice(const char *text, const char *event_id)
{
	struct buf html = {0};
	html_of(&html, text);
	return content("m.notice", strdup(text), buf_take(&html), event_id);
}

cJSON *matrix_mention(const char *text, const char *user, const char *name)
{
	struct buf txt = {0}, html = {0};
	if (user) {
		buf_addf(&txt, "%s: ", name && *name ? name : user);
		buf_add(&html, "<a href=\"https://matrix.to/#/");
		buf_add_html(&html, user);
		buf_add(&html, "\">");
		buf_add_html(&html, name && *name ? name : user);
		buf_add(&html, "</a>: ");
	}
	buf_add(&txt, text);
	buf_add_html(&html, text);
	cJSON *c = content("m.text", buf_take(&txt), buf_take(&html), NULL);
	if (c && user) {
		cJSON *ids = cJSON_AddArrayToObject(cJSON_GetObjectItem(c, "m.mentions"), "user_ids");
		cJSON_AddItemToArray(ids, cJSON_CreateString(user));
	}
	return c;
}
