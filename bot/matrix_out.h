/* matrix_out: everything interviewd posts to Matrix, through the store's outbox. Writers
 * (the sync loop's command transactions, the clock's digests) queue rows of transport
 * "matrix" to a room with the event's content ({"content": {...}}); "chat" rows (a
 * line for a person: reminders, news for the recruiter) go to the person's DM room as
 * m.text that mentions them — the room made on demand (createRoom is_direct,
 * trusted_private_chat, unencrypted), remembered in the store and in the bot's m.direct
 * account data, and made again when the person left it. A thread of its own drains
 * them with PUT .../send/m.room.message/<txn>, the txn id "ivd.<database>.<row>" the
 * same on every try, so a retry after a timeout or a crash never posts twice (the
 * server deduplicates per device; the device id is fixed). Sends are paced per room;
 * 429 waits Retry-After (else retry_after_ms) and tries the same row again, 5xx and
 * network errors back off; a refusal (M_FORBIDDEN...) fails the row, logged; a refused
 * token pauses the sender and tells the sync loop, which logs in again or stops. */
#ifndef INTERVIEWD_MATRIX_OUT_H
#define INTERVIEWD_MATRIX_OUT_H

#include <pthread.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "bot/cfg.h"
#include "bot/worker.h"
#include "store/store.h"

/* Queues CONTENT (taken over and deleted) to ROOM about interview IV (0: none), inside
 * the caller's transaction if it has one. 0, or <0. */
int matrix_queue(struct store *st, const char *kind, const char *room, int64_t iv, cJSON *content, int64_t now);

struct matrix_out {
	struct worker w;
	const struct cfg *cfg;
	pthread_mutex_t lock; /* guards token */
	char token[512];
	volatile int token_refused; /* set by the thread: it waits for a new token */
};

int matrix_out_start(struct matrix_out *o, const struct cfg *cfg, const char *token, char *err, size_t errlen);
void matrix_out_wake(struct matrix_out *o);
/* A new token (after a login again): the thread sends again. */
void matrix_out_set_token(struct matrix_out *o, const char *token);
void matrix_out_stop(struct matrix_out *o);

#endif
