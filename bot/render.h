/* render: turns a command reply (commands/cmd.h) into what a reader sees — plain text
 * for the console (render_text.c) and one line of JSON in the seed API's envelope
 * (render_json.c). Never touches the store. Called by the console, Matrix and
 * email front ends. */
#ifndef INTERVIEWD_RENDER_H
#define INTERVIEWD_RENDER_H

#include <stdio.h>

#include "commands/cmd.h"

void render_text(const struct cmd_reply *r, FILE *out);
/* The same text in a malloc'd string (caller frees); NULL if out of memory. */
char *render_text_string(const struct cmd_reply *r);

/* {"success": true, "data": ...} or {"success": false, "error": "..."}; returns a
 * malloc'd string without a newline, caller frees; NULL if out of memory. */
char *render_json(const struct cmd_reply *r);
/* One INTERVIEW object of that JSON (caller deletes). */
struct cJSON *render_json_interview(const struct store_interview *iv);

#endif
