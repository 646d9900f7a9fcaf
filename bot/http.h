/* http: the daemon's HTTP endpoint, libwebsockets' HTTP/1.1 server on [http] listen
 * (off unless set; loopback is the sane choice, TLS is a reverse proxy's job). Owns
 * the transport: methods, headers, query arguments, bodies up to [http] max_body
 * (413 beyond), keep-alive and writing the answer in pieces; what to answer is
 * bot/api.c's. Serviced by the daemon's operations thread (bot/daemon.c). */
#ifndef INTERVIEWD_HTTP_H
#define INTERVIEWD_HTTP_H

#include <stddef.h>

#include "bot/app.h"
#include "bot/worker.h"

struct http;

/* Listens on APP's [http] listen, answering on ST (the calling thread's: the one that
 * services); WAKE(ARG) after a POST that succeeded, so what it queued is sent now;
 * http_service returns at least every TICK_MS (the caller's own timers).
 * NULL with ERR when it cannot (bad host, port taken). */
struct http *http_open(struct app *app, struct store *st, void (*wake)(void *), void *arg, int tick_ms, char *err,
                       size_t errlen);
/* Serves for a while (at most TICK_MS, less when woken); 1 when W was asked to stop
 * meanwhile, else 0. */
int http_service(struct http *h, struct worker *w);
/* Makes http_service return now (any thread). */
void http_wake(struct http *h);
/* Closes every connection and the listener; NULL is fine. */
void http_close(struct http *h);

#endif
