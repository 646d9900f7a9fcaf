/* template.c: see template.h. */
#include "mail/template.h"
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_escaped(struct buf *o, const char *s, int html)
{
	if (html)
		buf_add_html(o, s);
	else
		buf_add(o, s);
}

struct ctx {
	const struct tpl_var *vars;
	int nvars, html;
	char *err;
	size_t errlen;
};

static const struct tpl_var *find(const struct ctx *c, const char *name, size_t n)
{
	for (int i = 0; i < c->nvars; i++)
		if (strlen(c->vars[i].name) == n && strncmp(c->vars[i].name, name, n) == 0)
			return &c->vars[i];
	return NULL;
}

/* Renders from P until the end or the {{/name}} closing NAME (if given); returns where
 * it stopped, or NULL on error. With EMIT 0 it only finds the end. */
static const char *render(struct ctx *c, const char *p, const char *close, size_t closelen, int emit,
                          struct buf *o)
{
	for (;;) {
		const char *tag = strstr(p, "{{");
		if (!tag) {
			if (close) {
				snprintf(c->err, c->errlen, "section {{#%.*s}} is not closed", (int)closelen, close);
				return NULL;
			}
			if (emit)
				buf_put(o, p, strlen(p));
			return p + strlen(p);
		}
		if (emit)
			buf_put(o, p, (size_t)(tag - p));
		const char *end = strstr(tag, "}}");
		if (!end) {
			snprintf(c->err, c->errlen, "\"{{\" without \"}}\"");
			return NULL;
		}
		char kind = tag[2];
		const char *name = tag + 2 + (kind == '#' || kind == '^' || kind == '/');
		size_t n = (size_t)(end - name);
		const struct tpl_var *v = find(c, name, n);
		if (!v) {
			snprintf(c->err, c->errlen, "unknown name {{%.*s}}", (int)(end - tag - 2), tag + 2);
			return NULL;
		}
		p = end + 2;
		if (kind == '/') {
			if (!close || n != closelen || strncmp(name, close, n) != 0) {
				snprintf(c->err, c->errlen, "{{/%.*s}} closes no open section", (int)n, name);
				return NULL;
			}
			return p;
		}
		if (kind == '#' || kind == '^') {
			int full = v->value && *v->value;
			p = render(c, p, name, n, emit && (kind == '#' ? full : !full), o);
			if (!p)
				return NULL;
			continue;
		}
		if (emit && v->value)
			put_escaped(o, v->value, c->html);
	}
}

char *tpl_render(const char *tpl, const struct tpl_var *vars, int nvars, int html, char *err, size_t errlen)
{
	struct ctx c = {vars, nvars, html, err, errlen};
	struct buf o = {0};
	buf_put(&o, "", 0);
	if (!render(&c, tpl, NULL, 0, 1, &o) || o.oom) {
		if (o.oom)
			snprintf(err, errlen, "out of memory");
		free(o.s);
		return NULL;
	}
	return o.s;
}
