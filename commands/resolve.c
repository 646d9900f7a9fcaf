/* resolve.c: turns what people type for an interview, a candidate or a person into
 * rows, with errors that say what was meant. */
#include "commands/internal.h"
#include "lib/str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads "#42" or "42". */
static int parse_id(const char *s, int64_t *id)
{
	if (*s == '#')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || v <= 0 || v > 1000000000000LL)
		return -1;
	*id = v;
	return 0;
}

static int on_panel(const struct store_interview *iv, int64_t person_id)
{
	for (int i = 0; i < iv->npanel; i++)
		if (iv->panel[i].id == person_id)
			return 1;
	return 0;
}

/* Loads interview TOKEN ("#42") with feedback when asked; refuses interviews the actor
 * may not see. */
static int load_interview(struct cmd_ctx *c, const char *token, struct store_interview *iv, int with_feedback)
{
	int64_t id;
	if (parse_id(token, &id) < 0)
		return cmd_bad(c, "\"%s\" is not an interview id (write it as #42)", token);
	int rc = store_interview_get(c->st, id, iv, with_feedback);
	if (rc < 0)
		return cmd_store_fail(c);
	if (rc == 0)
		return cmd_bad(c, "there is no interview #%lld", (long long)id), c->out->error = CMD_E_NOT_FOUND, -1;
	if (!c->recruiter && !on_panel(iv, c->actor->id)) {
		store_interview_clear(iv);
		return cmd_refuse(c, CMD_E_DENIED, "#%lld is not one of your interviews; only recruiters and its panel can see it",
		                (long long)id);
	}
	return 0;
}

int cmd_target(struct cmd_ctx *c, struct store_interview *iv, int with_feedback)
{
	if (c->args->npos == 0)
		return cmd_bad(c, "which interview? give its id, e.g. %s #42", c->args->name);
	if (c->args->npos > 1)
		return cmd_bad(c, "unexpected \"%s\" after %s (options are written key:value)", c->args->pos[1],
		               c->args->pos[0]);
	return load_interview(c, c->args->pos[0], iv, with_feedback);
}

static int list_matches(struct cmd_ctx *c, const char *what, const struct store_candidate *m, int n)
{
	char names[700] = "";
	size_t off = 0;
	for (int i = 0; i < n && i < 5 && off < sizeof names; i++)
		off += (size_t)snprintf(names + off, sizeof names - off, "%s%s <%s>", i ? ", " : "", m[i].name,
		                        m[i].email);
	return cmd_bad(c, "\"%s\" matches %s%d candidates: %s%s; give the email to say which", what,
	                n > 5 ? "more than " : "", n > 5 ? 5 : n, names, n > 5 ? ", ..." : "");
}

int cmd_find_candidate(struct cmd_ctx *c, const char *what, struct store_candidate *cand)
{
	struct store_candidate m[6];
	int64_t id;
	if (!what || !*what)
		return cmd_bad(c, "which candidate? give an email or a part of the name");
	if (what[0] == '#' && parse_id(what, &id) == 0) {
		int rc = store_candidate_by_id(c->st, id, cand);
		if (rc < 0)
			return cmd_store_fail(c);
		return rc ? 0 : cmd_refuse(c, CMD_E_NOT_FOUND, "there is no candidate #%lld", (long long)id);
	}
	if (strchr(what, '@')) {
		int rc = store_candidate_by_email(c->st, what, cand);
		if (rc < 0)
			return cmd_store_fail(c);
		return rc ? 0 : cmd_bad(c, "no candidate has the email %s", what);
	}
	int n = store_candidate_search(c->st, what, m, 6);
	if (n < 0)
		return cmd_store_fail(c);
	if (n == 0)
		return cmd_bad(c, "no candidate matches \"%s\"", what);
	int exact = -1, nexact = 0;
	for (int i = 0; i < n; i++)
		if (strcasecmp(m[i].name, what) == 0) {
			exact = i;
			nexact++;
		}
	if (n == 1 || nexact == 1) {
		*cand = m[n == 1 ? 0 : exact];
		return 0;
	}
	return list_matches(c, what, m, n);
}

static void offer(const char *handle, void *arg) { str_suggest_offer(arg, handle); }

static int unknown_handle(struct cmd_ctx *c, const char *what)
{
	struct str_suggest sg;
	str_suggest_init(&sg, what);
	if (store_person_handles(c->st, offer, &sg) < 0)
		return cmd_store_fail(c);
	if (sg.best[0])
		return cmd_bad(c, "nobody is called \"%s\" (did you mean %s?)", what, sg.best);
	return cmd_bad(c, "nobody is called \"%s\"; name people by handle or by email", what);
}

/* A free handle made from the local part of EMAIL: "bob.smith", "bob.smith2", ... */
static int new_handle(struct cmd_ctx *c, const char *email, char *out, size_t len)
{
	char base[STORE_HANDLE_MAX - 3];
	size_t n = 0;
	for (const char *p = email; *p && *p != '@' && n + 1 < sizeof base; p++)
		if (isalnum((unsigned char)*p) || strchr("._-", *p))
			base[n++] = (char)tolower((unsigned char)*p);
	base[n] = 0;
	if (!n || !isalnum((unsigned char)base[0]))
		snprintf(base, sizeof base, "person");
	for (int i = 1; i < 1000; i++) {
		struct store_person p;
		if (i == 1)
			snprintf(out, len, "%s", base);
		else
			snprintf(out, len, "%s%d", base, i);
		int rc = store_person_by_handle(c->st, out, &p);
		if (rc <= 0)
			return rc;
	}
	return -1;
}

static int add_interviewer(struct cmd_ctx *c, const char *email, struct store_person *p)
{
	memset(p, 0, sizeof *p);
	if (!str_is_email(email))
		return cmd_bad(c, "\"%s\" is not an email address", email);
	if (new_handle(c, email, p->handle, sizeof p->handle) < 0)
		return cmd_store_fail(c);
	str_copy(p->name, sizeof p->name, p->handle);
	str_copy(p->email, sizeof p->email, email);
	p->role = ROLE_INTERVIEWER;
	if (store_person_insert(c->st, p, c->req->now) < 0)
		return cmd_store_fail(c);
	cmd_note(c, "%s is new here: added as interviewer \"%s\"", email, p->handle);
	return cmd_audit(c, "add person", 0, "%s <%s> as interviewer", p->handle, email);
}

/* Slack writes mentions as <@U123> or <@U123|name>. */
static int slack_mention(const char *what, char *id, size_t len)
{
	size_t n = strlen(what);
	if (n < 4 || strncmp(what, "<@", 2) != 0 || what[n - 1] != '>')
		return 0;
	size_t end = strcspn(what + 2, "|>");
	if (end == 0 || end >= len)
		return 0;
	memcpy(id, what + 2, end);
	id[end] = 0;
	return 1;
}

static int found(struct cmd_ctx *c, int rc, const char *what, const char *kind)
{
	if (rc < 0)
		return cmd_store_fail(c);
	if (rc == 0)
		return cmd_bad(c, "%s %s is not set up here; ask an administrator to add them to [people]", kind, what);
	return 0;
}

int cmd_find_person(struct cmd_ctx *c, const char *what, int may_create, struct store_person *p)
{
	char id[64];
	if (slack_mention(what, id, sizeof id))
		return found(c, store_person_by_slack(c->st, id, p), id, "Slack user");
	if (what[0] == '@' && strchr(what, ':'))
		return found(c, store_person_by_matrix(c->st, what, p), what, "Matrix user");
	if (what[0] == '@')
		what++;
	if (!strchr(what, '@')) {
		int rc = store_person_by_handle(c->st, what, p);
		if (rc < 0)
			return cmd_store_fail(c);
		return rc ? 0 : unknown_handle(c, what);
	}
	int rc = store_person_by_email(c->st, what, p);
	if (rc < 0)
		return cmd_store_fail(c);
	if (rc)
		return 0;
	if (!may_create)
		return cmd_bad(c, "nobody has the email %s", what);
	return add_interviewer(c, what, p);
}
