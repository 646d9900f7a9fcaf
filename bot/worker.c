/* worker.c: see worker.h. */
#include "bot/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SIGNALLED_MAX 4
static volatile sig_atomic_t signalled[SIGNALLED_MAX] = {-1, -1, -1, -1}; /* write ends woken by SIGUSR1 */

static void on_signal(int sig)
{
	(void)sig;
	for (int i = 0; i < SIGNALLED_MAX; i++) {
		int fd = signalled[i];
		if (fd >= 0) {
			ssize_t n = write(fd, "w", 1); /* async-signal-safe */
			(void)n;
		}
	}
}

void worker_on_signal(struct worker *w, int on)
{
	int any = 0;
	for (int i = 0; i < SIGNALLED_MAX; i++) {
		if (on && signalled[i] < 0) {
			signalled[i] = w->pipe[1];
			on = 0;
		} else if (!on && signalled[i] == w->pipe[1]) {
			signalled[i] = -1;
		}
		any |= signalled[i] >= 0;
	}
	struct sigaction sa = {0};
	sa.sa_handler = any ? on_signal : SIG_IGN;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
}

int worker_start(struct worker *w, void *(*fn)(void *), void *arg, char *err, size_t errlen)
{
	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pthread_create(&w->thread, NULL, fn, arg) != 0) {
		snprintf(err, errlen, "cannot start a thread");
		close(w->pipe[0]);
		close(w->pipe[1]);
		return -1;
	}
	return 0;
}

void worker_wake(struct worker *w)
{
	ssize_t n = write(w->pipe[1], "w", 1);
	(void)n; /* a full pipe already wakes it */
}

void worker_stop(struct worker *w)
{
	while (write(w->pipe[1], "q", 1) < 0 && errno == EINTR)
		;
	pthread_join(w->thread, NULL);
	close(w->pipe[0]);
	close(w->pipe[1]);
}

int worker_sleep(struct worker *w, int timeout_ms)
{
	struct pollfd p = {w->pipe[0], POLLIN, 0};
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	char buf[64];
	int stop = 0;
	ssize_t n;
	while ((n = read(w->pipe[0], buf, sizeof buf)) > 0)
		stop |= memchr(buf, 'q', (size_t)n) != NULL;
	return stop;
}

int worker_due_ms(int64_t due, time_t now, int cap_ms)
{
	if (!due || (due - now) * 1000 > cap_ms)
		return cap_ms;
	return due <= now ? 0 : (int)(due - now) * 1000;
}
