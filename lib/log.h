/* log: one line per event on standard error, in logfmt after the program's name:
 * "interviewd: part=slack level=info msg=\"connected\" conn=1". FMT writes the fields
 * after level (msg=... and the rest); never pass a token, password or message body. */
#ifndef INTERVIEWD_LOG_H
#define INTERVIEWD_LOG_H

void log_line(const char *part, const char *level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
