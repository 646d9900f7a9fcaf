/* template: fills the text of a notice template. {{name}} inserts a value (HTML-escaped
 * in HTML templates), {{#name}}...{{/name}} keeps its text only when the value is not
 * empty, {{^name}}...{{/name}} only when it is. Sections nest. A name that is not among
 * the variables, or a section left open, is an error, so a typo in a template is found
 * when the daemon starts, not in a sent mail. Called by mail/notice.c. */
#ifndef INTERVIEWD_TEMPLATE_H
#define INTERVIEWD_TEMPLATE_H

#include <stddef.h>

struct tpl_var {
	const char *name;
	const char *value; /* NULL is empty */
};

/* Returns the filled text, malloc'd (caller frees), or NULL with the reason in ERR. */
char *tpl_render(const char *tpl, const struct tpl_var *vars, int nvars, int html, char *err, size_t errlen);

#endif
