/* feed: the calendar feeds — /feeds/TOKEN.ics, one person's interviews (their panels)
 * or one team's ([digest.NAME]'s filters) from 30 days back to 90 ahead, as an
 * iCalendar to subscribe to — and the same calendar for "export --format ics".
 * Cancelled interviews stay in, STATUS:CANCELLED, so subscribed calendars drop them;
 * the originals of reschedules are left out (their successor is the event). */
#ifndef INTERVIEWD_FEED_H
#define INTERVIEWD_FEED_H

#include <time.h>

#include "bot/api.h"
#include "bot/app.h"

/* Answers GET /feeds/FILE (TOKEN.ics) into RS: 404 for a token that is not genuine. */
void feed_answer(struct app *app, struct store *st, const char *file, time_t now, struct api_response *rs);

/* The VCALENDAR named NAME of the N interviews IVS, malloc'd; NULL when out of
 * memory or the store failed. With NAME NULL only their VEVENTs (ics_events). */
char *feed_calendar(const struct app *app, struct store *st, const char *name, const struct store_interview *ivs,
                    int n, time_t now);

#endif
