/* log.c: see log.h. One fprintf per line, so lines of threads never interleave. */
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>

void log_line(const char *part, const char *level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "interviewd: part=%s level=%s %s\n", part, level, msg);
}
