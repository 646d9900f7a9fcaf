/* app: what every subcommand that touches interviews sets up — the config, the store
 * (with the configured people synced into it), the command settings, and the person
 * a front end acts for. Built by main; one per thread that needs a store. */
#ifndef INTERVIEWD_APP_H
#define INTERVIEWD_APP_H

#include "bot/cfg.h"
#include "commands/cmd.h"
#include "mail/inbound.h"
#include "store/store.h"

struct app {
	struct cfg cfg;
	struct store *st;
	struct cmd_settings set;
	char reply_address[STORE_EMAIL_MAX + 1]; /* where replies come: [mail] reply_to, else from */
	struct inbound_settings in;
	int lock_fd; /* the instance lock (app_lock), -1 when not taken */
	char feed_base[600]; /* [http] public_url, else http://LISTEN/; "" without [http] */
};

/* How received email is judged: the reply address and limits of CFG (pointers into
 * CFG and ADDR, which holds the address). */
void app_inbound_settings(const struct cfg *cfg, struct inbound_settings *in, char addr[STORE_EMAIL_MAX + 1]);

/* The reminder, feedback and clock settings of CFG into SET (pointers into CFG). */
void app_clock_settings(const struct cfg *cfg, struct cmd_settings *set);

/* Loads CONFIG (NULL: embedded defaults), opens the store and syncs [people] into it.
 * 0, or -1 with a reason in ERR. */
int app_open(struct app *app, const char *config, char *err, size_t errlen);
void app_close(struct app *app);

/* The live settings (app->cfg's live part, app->set) change under a reload, so every
 * thread reads them between app_hold and app_release: the front end around a command,
 * the clock around a pass, the poller around a message, the HTTP endpoint around a
 * request. Holds are short and may nest across threads, never within one. */
void app_hold(void);
void app_release(void);

/* Reads the config file again and applies its live part (cfg_apply_live; the people
 * written to ST), waiting for the holders. RESTART gets the changed keys that only a
 * restart applies. 0, or -1 with ERR when the file is bad: then nothing changed. */
int app_reload(struct app *app, struct store *st, char *restart, size_t rlen, char *err, size_t errlen);

/* How many reloads applied so far: a thread that derived state from the settings (the
 * clock's next digest times) compares it while holding them. */
int app_reloads(void);

/* Takes the database's instance lock (flock of DATABASE.lock, which then holds "pid
 * ROLE"): one process sends the outbox — a daemon or console, or ingest-mail when none
 * runs — so no row is sent twice. An ingest-mail holding it is waited for (at most a
 * minute); anyone else means -1 with its pid in ERR. Kept until app_close or the
 * process ends (kill -9 too). */
int app_lock(struct app *app, const char *role, char *err, size_t errlen);
/* The pid of the daemon or console holding the lock (after app_lock failed), else 0. */
long app_lock_holder(const struct app *app);

/* The person HANDLE, or with HANDLE NULL the configured [console] as, or, when the
 * config names no people at all, the local recruiter "local" (created on first use).
 * 0, or -1 with a reason in ERR. */
int app_actor(struct app *app, const char *handle, struct store_person *p, char *err, size_t errlen);

#endif
