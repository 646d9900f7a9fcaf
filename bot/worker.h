/* worker: a thread that sleeps on a pipe — the shape the mail thread and the clock
 * share. Woken by a byte, stopped by "q"; the thread's own loop decides how long it
 * sleeps between passes. Used by bot/sender.c and bot/timer.c. */
#ifndef INTERVIEWD_WORKER_H
#define INTERVIEWD_WORKER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct worker {
	pthread_t thread;
	int pipe[2];
};

/* Starts FN(ARG) on a new thread. 0, or -1 with a reason in ERR. */
int worker_start(struct worker *w, void *(*fn)(void *), void *arg, char *err, size_t errlen);
/* Asks for a pass now. */
void worker_wake(struct worker *w);
/* Asks the thread to stop, and waits for it. */
void worker_stop(struct worker *w);
/* From the thread: sleeps up to TIMEOUT_MS (-1: until woken) for a wake-up; returns 1
 * when asked to stop. */
int worker_sleep(struct worker *w, int timeout_ms);
/* ON: SIGUSR1 wakes W too (another interviewd process queued work for it: ingest-mail,
 * or a console beside the daemon; they find the pid in the database's lock). OFF
 * before worker_stop. At most four workers at once; SIGUSR1 is ignored when none. */
void worker_on_signal(struct worker *w, int on);
/* How long to sleep, in ms, until DUE (a time; 0: nothing is due) at NOW: at most
 * CAP_MS, 0 when it is due already. */
int worker_due_ms(int64_t due, time_t now, int cap_ms);

#endif
