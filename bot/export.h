/* export: every interview with its feedback, written out for people and other tools —
 * CSV (one row per interview and interviewer's feedback, RFC 4180), JSON (one object
 * {"interviews": [INTERVIEW...]} with the fields of console --json) or iCalendar (the
 * feed's events, all of them). Walks the store an interview at a time, so its memory
 * does not grow with the database. Used by "interviewd export". */
#ifndef INTERVIEWD_EXPORT_H
#define INTERVIEWD_EXPORT_H

#include <stdio.h>

#include "bot/app.h"

/* Writes FORMAT ("csv", "json", "ics") to OUT. 0, or -1 with ERR. */
int export_write(struct app *app, const char *format, FILE *out, char *err, size_t errlen);

#endif
