/* slack_out: everything interviewd posts to Slack, through the store's outbox. Writers
 * (the dispatcher's command transactions, the clock's digests) queue rows of transport
 * "slack" whose payload says the call: {"method": "chat.postMessage" | "chat.update" |
 * "chat.postEphemeral" | "response_url", "url": ..., "body": {...}}. A thread of its
 * own drains them, and also delivers "chat" rows (a line for a person) as a DM
 * (conversations.open once per person, its channel remembered in the store).
 * Posts are paced per channel ([slack] post_interval_ms); 429 waits Retry-After; 5xx,
 * network errors and refused tokens back off and retry; errors Slack will repeat
 * (channel_not_found, invalid_blocks, ...) fail the row and are logged with the
 * method and Slack's error. A row is marked sent right after Slack accepted it. The
 * cards it posts are remembered (store: slack_cards); a "refresh" row (news that came
 * another way, such as an answer to the invite) redraws each card of its interview
 * from the store with chat.update. */
#ifndef INTERVIEWD_SLACK_OUT_H
#define INTERVIEWD_SLACK_OUT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "bot/cfg.h"
#include "bot/worker.h"
#include "store/store.h"

/* Queues METHOD with BODY (taken over and deleted) to go to CHANNEL (the pacing key)
 * about interview IV (0: none); URL only for "response_url". Inside the caller's
 * transaction, if it has one. 0 or <0 (store error). */
int slack_queue(struct store *st, const char *kind, const char *method, const char *channel, const char *url,
                int64_t iv, cJSON *body, int64_t now);
/* A plain text message (a digest) to CHANNEL, shown as preformatted text. */
int slack_queue_text(struct store *st, const char *kind, const char *channel, int64_t iv, const char *text,
                     int64_t now);

/* The card of interview IV as a message {"channel", "text", "blocks"}: the panel by
 * Slack mention where known, the answers to the invite, times shown in each reader's
 * zone (TZ for the fallback text). */
cJSON *slack_card_message(struct store *st, const char *tz, const struct store_interview *iv, const char *channel);

struct slack_out {
	struct worker w;
	const struct cfg *cfg;
};

/* Starts the thread. 0, or -1 with a reason in ERR. */
int slack_out_start(struct slack_out *o, const struct cfg *cfg, char *err, size_t errlen);
void slack_out_wake(struct slack_out *o);
/* One last pass, then stops the thread and waits for it. */
void slack_out_stop(struct slack_out *o);

#endif
