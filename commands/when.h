/* when: reads the date-times and durations people type into commands.
 * Owns the grammar of "when:" values (ISO 8601 with or without an offset, and the
 * natural forms: "tomorrow 2pm", "mon 10:30", "next friday 9am", "in 2 days 15:00",
 * "oct 20 14:00") and of "duration:" values ("60m", "1h", "1h30m", "90").
 * A time without an offset is read in the typist's zone, through lib/tz; impossible and
 * ambiguous local times are refused with both readings spelled out, never guessed.
 * Pure functions of their arguments: "now" is passed in, nothing is read from the clock.
 * Called by the command handlers (commands/). */
#ifndef INTERVIEWD_WHEN_H
#define INTERVIEWD_WHEN_H

#include <stddef.h>
#include <time.h>

/* Parses TEXT as a moment, relative to NOW, reading local times in ZONE.
 * Returns 0 and sets *OUT, or -1 with a one-line human reason in ERR (which names the
 * text that could not be read and what forms are accepted). Does not refuse the past:
 * the caller decides whether a past moment is acceptable. */
int when_parse(const char *text, const char *zone, time_t now, time_t *out, char *err, size_t errlen);

/* Parses a duration: "45m", "45min", "1h", "2h", "1h30m", "1.5h", "90" (minutes).
 * Returns 0 and sets *MINUTES (1..1440), or -1 with a reason in ERR. */
int when_duration(const char *text, int *minutes, char *err, size_t errlen);

#endif
