/* clock: what time it is. The real clock, unless INTERVIEWD_NOW holds an ISO 8601
 * date-time with an offset ("2031-03-10T09:00:00+01:00"), which tests use to fix "now"
 * the way git's GIT_TEST_DATE_NOW does; or "@FILE", a file holding such a date-time,
 * read at every call, so a test moves time forward while the daemon runs.
 * Called by main, the front ends and the daemon's threads. */
#ifndef INTERVIEWD_CLOCK_H
#define INTERVIEWD_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Sets *NOW; -1 with a reason in ERR if INTERVIEWD_NOW is set but unreadable. */
int clock_now(time_t *now, char *err, size_t errlen);

/* 1 when time comes from a file (INTERVIEWD_NOW=@FILE): sleepers must then look at
 * the file often instead of sleeping until the next due time. */
int clock_from_file(void);

/* Milliseconds on the monotonic clock (for pacing and timeouts, never for dates). */
int64_t clock_mono_ms(void);
/* Microseconds on the monotonic clock (for latencies). */
int64_t clock_mono_us(void);

#endif
