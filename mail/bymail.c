/* bymail.c: see bymail.h. */
#include "mail/bymail.h"
#include "bot/render.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/authres.h"
#include "mail/token.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SKIPPED_SHOWN 5

struct lines {
	char *v[BYMAIL_LINES];
	int n, dropped;               /* dropped: commands past BYMAIL_LINES */
	char *skipped[SKIPPED_SHOWN]; /* lines that are no command ("Thanks!"), not run */
	int nskipped;
};

/* Is the sender believable under IS? 1, or 0 with RES refused. */
static int believed(const struct inbound_settings *is, const struct mail_msg *m, const struct store_person *who,
                    int64_t tag, struct inbound_result *res)
{
	char why[512];
	if (is->commands == IN_COMMANDS_OFF) {
		inbound_result(res, IN_REFUSED, "commands by email are off ([mail] commands), from %s", m->from);
		return 0;
	}
	if (is->commands == IN_COMMANDS_TAG && tag != who->id) {
		if (tag)
			inbound_result(res, IN_REFUSED, "from %s, but to the tag address of another person (#%lld)", m->from,
			               (long long)tag);
		else
			inbound_result(res, IN_REFUSED, "from %s, not to their tag address ([mail] commands = \"tag\")",
			               m->from);
		return 0;
	}
	if (is->commands == IN_COMMANDS_AUTHENTICATED &&
	    !authres_vouches(m->auth_results, is->authserv_id, m->from, why, sizeof why)) {
		inbound_result(res, IN_REFUSED, "from %s, not authenticated: %s", m->from, why);
		return 0;
	}
	return 1;
}

/* A subject that is a reply or a forward ("Re:", "AW: Fwd:"...). */
static int replying(const char *subject)
{
	static const char *const prefixes[] = {"re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "tr", "rif", NULL};
	while (isspace((unsigned char)*subject))
		subject++;
	for (int i = 0; prefixes[i]; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncasecmp(subject, prefixes[i], n) == 0 && subject[n] == ':')
			return 1;
	}
	return 0;
}

/* 1 when TEXT's first word (after "/interview" or "!interview") names a command. */
static int commandlike(const char *text)
{
	char word[24];
	while (isspace((unsigned char)*text))
		text++;
	if ((*text == '/' || *text == '!') && strncasecmp(text + 1, "interview", 9) == 0)
		for (text += 10; isspace((unsigned char)*text);)
			text++;
	size_t n = strcspn(text, " \t");
	if (!n || n >= sizeof word)
		return 0;
	memcpy(word, text, n);
	word[n] = 0;
	return cmd_known(word);
}

/* Keeps the line S (N bytes) trimmed: a command, else one to say was not run. */
static int add_line(struct lines *l, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	char *line = n ? strndup(s, n) : NULL;
	if (!n || !line)
		return n ? -1 : 0;
	int command = commandlike(line);
	if (command && l->n < BYMAIL_LINES) {
		l->v[l->n++] = line;
	} else if (!command && l->nskipped < SKIPPED_SHOWN) {
		l->skipped[l->nskipped++] = line;
	} else {
		l->dropped += command;
		l->nskipped += !command;
		free(line);
	}
	return 0;
}

/* The commands of M: its subject (see bymail.h), then each non-empty line of its new
 * text. */
static int read_lines(const struct mail_msg *m, struct lines *l)
{
	if (!replying(m->subject) && !m->references[0] && commandlike(m->subject) &&
	    add_line(l, m->subject, strlen(m->subject)) < 0) /* a subject that is no command is just a subject */
		return -1;
	for (const char *p = m->new_text ? m->new_text : ""; *p;) {
		size_t n = strcspn(p, "\n");
		if (add_line(l, p, n) < 0)
			return -1;
		p += n + (p[n] == '\n');
	}
	return 0;
}

/* One command and what it answered, in both parts of the email. */
static void answer_one(struct buf *txt, struct buf *html, const char *line, const struct cmd_reply *r)
{
	char *out = render_text_string(r);
	buf_addf(txt, "> %s\n%s\n", line, out ? out : "(out of memory)\n");
	buf_add(html, "<p style=\"margin:18px 0 4px\"><code style=\"font-weight:bold\">");
	buf_add_html(html, line);
	buf_addf(html, "</code></p>\n<pre style=\"margin:0;font-family:monospace;white-space:pre-wrap;color:%s\">",
	         r->kind == REPLY_ERROR ? "#a00" : "#000");
	buf_add_html(html, out ? out : "(out of memory)");
	buf_add(html, "</pre>\n");
	free(out);
}

static void answer_head(struct buf *txt, struct buf *html, const struct store_person *who, const struct lines *l)
{
	buf_addf(txt, "Hello %s,\n\n", who->name[0] ? who->name : who->handle);
	buf_add(html, "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n<p>Hello ");
	buf_add_html(html, who->name[0] ? who->name : who->handle);
	buf_add(html, ",</p>\n");
	if (!l->n) {
		buf_add(txt, "your message had no commands in it, so here is what I understand:\n\n");
		buf_add(html, "<p>your message had no commands in it, so here is what I understand:</p>\n");
	}
}

static void answer_tail(struct buf *txt, struct buf *html, const struct lines *l)
{
	static const char *const foot = "Each line of a message to this address is one command; \"help\" lists them.";
	if (l->dropped) {
		buf_addf(txt, "Only the first %d commands were run; %d more were not.\n\n", BYMAIL_LINES, l->dropped);
		buf_addf(html, "<p><b>Only the first %d commands were run; %d more were not.</b></p>\n", BYMAIL_LINES,
		         l->dropped);
	}
	if (l->nskipped) {
		buf_add(txt, "Not commands, so not run:\n");
		buf_add(html, "<p>Not commands, so not run:</p>\n<ul>\n");
	}
	for (int i = 0; i < l->nskipped && i < SKIPPED_SHOWN; i++) {
		buf_addf(txt, "  %s\n", l->skipped[i]);
		buf_add(html, "<li>");
		buf_add_html(html, l->skipped[i]);
		buf_add(html, "</li>\n");
	}
	if (l->nskipped > SKIPPED_SHOWN)
		buf_addf(txt, "  ... and %d more\n", l->nskipped - SKIPPED_SHOWN);
	if (l->nskipped) {
		buf_add(txt, "\n");
		buf_add(html, "</ul>\n");
	}
	buf_addf(txt, "-- \ninterviewd. %s\n", foot);
	buf_add(html, "<p style=\"color:#666;font-size:small\">interviewd. ");
	buf_add_html(html, foot);
	buf_add(html, "</p>\n</body></html>\n");
}

/* The answer's outbox row: where it goes and what it says, composed by mail/notice.c. */
static int queue_answer(struct store *st, const struct inbound_settings *is, const struct mail_msg *m,
                        const struct store_person *who, char *txt, char *html, time_t now)
{
	char subject[600], refs[1300], reply_to[STORE_EMAIL_MAX + MAIL_TOKEN_MAX + 2] = "";
	snprintf(subject, sizeof subject, "%s%s", replying(m->subject) ? "" : "Re: ",
	         m->subject[0] ? m->subject : "your commands");
	snprintf(refs, sizeof refs, "%s%s<%s>", m->references, m->references[0] ? " " : "", m->message_id);
	if (is->commands == IN_COMMANDS_TAG && bymail_tag_address(st, is, who->id, reply_to, sizeof reply_to) < 0)
		return -1;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "subject", subject);
	cJSON_AddStringToObject(o, "name", who->name);
	if (m->message_id[0]) {
		char irt[300];
		snprintf(irt, sizeof irt, "<%s>", m->message_id);
		cJSON_AddStringToObject(o, "in_reply_to", irt);
		cJSON_AddStringToObject(o, "references", refs);
	}
	cJSON_AddStringToObject(o, "reply_to", reply_to);
	cJSON_AddStringToObject(o, "text", txt);
	cJSON_AddStringToObject(o, "html", html);
	char *payload = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	int rc = payload ? store_outbox_add(st, "email", "answer", who->email, 0, payload, now) : -1;
	free(payload);
	return rc < 0 ? -1 : 0;
}

/* Runs L's commands as WHO inside the open transaction and queues the answer. -1 when
 * the store failed (everything is undone by the caller). */
static int run_all(struct store *st, const struct cmd_settings *set, const struct inbound_settings *is,
                   const struct mail_msg *m, const struct store_person *who, const struct lines *l, const char *key,
                   time_t now, int *failed)
{
	struct buf txt = {0}, html = {0};
	struct store_person me;
	char sub[400];
	int rc = 0;
	answer_head(&txt, &html, who, l);
	for (int i = 0; rc == 0 && i < (l->n ? l->n : 1); i++) {
		snprintf(sub, sizeof sub, "%s#%d", key, i + 1);
		if (store_person_by_id(st, who->id, &me) != 1) { /* as "tz" left them */
			rc = -1;
			break;
		}
		struct cmd_request req = {.text = l->n ? l->v[i] : "help", .via = "email", .key = sub, .actor = me,
		                          .now = now};
		struct cmd_reply r;
		*failed += cmd_execute(st, set, &req, &r) < 0;
		if (r.kind == REPLY_ERROR && strncmp(r.message, "the database failed", 19) == 0)
			rc = -1;
		answer_one(&txt, &html, l->n ? l->v[i] : "help", &r);
		cmd_reply_free(&r);
	}
	answer_tail(&txt, &html, l);
	char *t = buf_take(&txt), *h = buf_take(&html);
	if (rc == 0 && (!t || !h || queue_answer(st, is, m, who, t, h, now) < 0))
		rc = -1;
	free(t);
	free(h);
	return rc;
}

/* The sender: a person with a role here, else 0 with RES refused. */
static int sender(struct store *st, const struct mail_msg *m, struct store_person *who, struct inbound_result *res)
{
	int found = m->from[0] ? store_person_by_email(st, m->from, who) : 0;
	if (found < 0)
		inbound_result(res, IN_FAILED, "%s", store_error(st));
	else if (!found || who->role == ROLE_NONE)
		inbound_result(res, IN_REFUSED, "commands from %s, who is not a recruiter or interviewer here",
		               m->from[0] ? m->from : "nobody");
	return found > 0 && who->role != ROLE_NONE;
}

void bymail_run(struct store *st, const struct cmd_settings *set, const struct inbound_settings *is,
                const struct mail_msg *m, int64_t tag, const char *key, time_t now, struct inbound_result *res)
{
	struct store_person who;
	struct lines l = {0};
	int failed = 0, seen = 0;
	if (!sender(st, m, &who, res) || !believed(is, m, &who, tag, res))
		return;
	if (read_lines(m, &l) < 0 || store_begin_outer(st) < 0) {
		inbound_result(res, IN_FAILED, "%s", store_error(st));
	} else if ((seen = store_inbound_seen(st, key, "email", now)) != 0) {
		store_rollback(st);
		inbound_result(res, seen < 0 ? IN_FAILED : IN_DUPLICATE, "%s",
		               seen < 0 ? store_error(st) : "Message-Id seen before");
	} else if (run_all(st, set, is, m, &who, &l, key, now, &failed) < 0 || store_commit(st) < 0) {
		store_rollback(st);
		inbound_result(res, IN_FAILED, "the store failed running the commands of %s: %s", who.handle,
		               store_error(st));
	} else {
		inbound_result(res, IN_ANSWERED, "%d command%s of %s run (%d refused), answer queued", l.n ? l.n : 1,
		               l.n == 1 ? "" : "s", who.handle, failed);
	}
	for (int i = 0; i < l.n; i++)
		free(l.v[i]);
	for (int i = 0; i < l.nskipped && i < SKIPPED_SHOWN; i++)
		free(l.skipped[i]);
}

int bymail_tag_address(struct store *st, const struct inbound_settings *is, int64_t person, char *buf, size_t len)
{
	char secret[256], token[MAIL_TOKEN_MAX];
	if (inbound_secret(st, is, secret, sizeof secret) < 0)
		return -1;
	mail_token_make_person(secret, person, token);
	return mail_token_address(is->reply_address, token, buf, len);
}
