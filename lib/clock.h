/* clock: what time it is. The real clock, unless INTERVIEWD_NOW holds an ISO 8601
 * date-time with an offset ("2031-03-10T09:00:00+01:00"), which tests use to fix "now"
 * the way git's GIT_TEST_DATE_NOW does. Called by main and the front ends. */
#ifndef INTERVIEWD_CLOCK_H
#define INTERVIEWD_CLOCK_H

#include <stddef.h>
#include <time.h>

/* Sets *NOW; -1 with a reason in ERR if INTERVIEWD_NOW is set but unreadable. */
int clock_now(time_t *now, char *err, size_t errlen);

#endif
