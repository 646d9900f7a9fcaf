/* sdnotify: the systemd notification protocol (sd_notify(3)) without libsystemd: one
 * datagram "READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=..." to $NOTIFY_SOCKET (a
 * path, or '@' for the abstract namespace). A no-op when not started by systemd. */
#ifndef INTERVIEWD_SDNOTIFY_H
#define INTERVIEWD_SDNOTIFY_H

#include <stdint.h>

/* Sends STATE (newline-separated assignments). 1 sent, 0 no socket, -1 failed. */
int sdnotify(const char *state);

/* The watchdog interval systemd asked for ($WATCHDOG_USEC, for this pid), in ms; 0 when
 * none. Pings are due at half of it. */
int64_t sdnotify_watchdog_ms(void);

#endif
