/* slack_socket: Slack's Socket Mode, on a thread of its own running libwebsockets'
 * loop. It keeps [slack] connections sockets open: each gets a fresh one-time URL from
 * apps.connections.open (fetched on a short-lived helper thread, so a slow Web API
 * never holds up an ack), is ready after "hello", is pinged and declared dead after
 * stale_after seconds without a frame, and is replaced before it goes: on a
 * "disconnect" warning or refresh, or when its announced lifetime nears, a new socket
 * opens first and the old one closes only once the new one said hello. Failures
 * reconnect after a jittered exponential backoff (capped at backoff_max), reset only
 * after a socket stayed up 30 s; link_disabled and refused tokens park it for longer.
 *
 * Every envelope is acknowledged: its work is queued for the dispatcher
 * (slack_socket_next), and the ack leaves when the dispatcher answers
 * (slack_socket_reply, optionally with a payload for the ack) or when reply_wait_ms
 * have passed, whichever comes first — never later than that. Frames may arrive in
 * fragments (reassembled up to 4 MiB); binary and unreadable frames are logged and
 * dropped. */
#ifndef INTERVIEWD_SLACK_SOCKET_H
#define INTERVIEWD_SLACK_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "bot/cfg.h"

struct slack_socket;

/* An envelope to work on: its id and the whole frame as received. */
struct slack_inbound {
	char id[128];
	char *json;          /* malloc'd; slack_inbound_free frees */
	int64_t received_ms; /* monotonic */
};
void slack_inbound_free(struct slack_inbound *in);

/* Starts the thread. NULL with a reason in ERR. */
struct slack_socket *slack_socket_start(const struct cfg *cfg, char *err, size_t errlen);
/* Closes every socket (envelopes not yet acknowledged stay with Slack, which sends
 * them again) and waits for the thread. */
void slack_socket_stop(struct slack_socket *s);

/* The next envelope for the dispatcher, waiting up to TIMEOUT_MS: 1 one, 0 none yet,
 * -1 stopping. */
int slack_socket_next(struct slack_socket *s, struct slack_inbound *in, int timeout_ms);

/* Answers envelope ID: acknowledged now, with PAYLOAD (JSON text; NULL: none) in the
 * ack. Returns 1 when the payload will go with the ack, 0 when the ack already left
 * without it (too late: the caller delivers the reply another way). If no socket is
 * left to carry the ack, a payload with a FALLBACK_URL comes back to the dispatcher as
 * an envelope of type "interviewd.unsent_reply" ({"response_url", "payload"}). */
int slack_socket_reply(struct slack_socket *s, const char *id, const char *payload, const char *fallback_url);

#endif
