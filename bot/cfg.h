/* cfg: interviewd's settings — the embedded defaults, and the TOML file that overrides
 * them (parsed by bot/toml.c). Owns the list of keys, their types and checks, the
 * "key_env" form for secrets, and printing the effective settings with secrets masked.
 * Unknown keys are errors, with a "did you mean". Built by main; a reload (SIGHUP)
 * replaces its live part (cfg_apply_live) while the workers that read it are held. */
#ifndef INTERVIEWD_CFG_H
#define INTERVIEWD_CFG_H

#include <stdio.h>

#include "store/store.h"

#define CFG_PATH_MAX 1024

/* A person from a [people.HANDLE] table. */
struct cfg_person {
	char handle[STORE_HANDLE_MAX + 1];
	char name[STORE_NAME_MAX + 1];
	char email[STORE_EMAIL_MAX + 1];
	char role[16];
	char timezone[STORE_TZ_MAX + 1];
	char slack_id[64];
	char matrix_id[256];
	int line, col; /* of its table, for messages */
};

#define CFG_WORDS_MAX 16
/* An array of strings from the file: job titles, handles. */
struct cfg_words {
	char v[CFG_WORDS_MAX][STORE_NAME_MAX + 1];
	int n;
};

/* Lead times of reminders, seconds before the start. */
#define CFG_LEADS_MAX 4
struct cfg_spans {
	long long v[CFG_LEADS_MAX];
	int n;
};

/* A team channel's daily digest, from a [digest.NAME] table. */
struct cfg_digest {
	char name[STORE_HANDLE_MAX + 1];
	long long at;                   /* time = "08:30": minutes after local midnight */
	char timezone[STORE_TZ_MAX + 1];/* default [general] timezone */
	long long days;                 /* weekday bits, bit 0 = Sunday; default Mon-Fri */
	struct cfg_words jobs;          /* only these jobs (none: all) */
	struct cfg_words interviewers;  /* only interviews with one of these (none: all) */
	char console[STORE_HANDLE_MAX + 1]; /* delivered to this person's console */
	char slack_channel[64];         /* and/or posted to this Slack channel */
	char matrix_room[256];          /* and/or posted to this Matrix room (!id:server) */
	int line, col;
};

/* A job whose cards go to their own channel ([slack.jobs]). */
struct cfg_job_channel {
	char job[STORE_TEXT_MAX + 1];
	char channel[64];
};

struct cfg {
	char path[CFG_PATH_MAX];        /* the file read; empty: embedded defaults */
	char database[CFG_PATH_MAX];    /* [store] path */
	char timezone[STORE_TZ_MAX + 1];/* [general] timezone: for people without one */
	long long default_duration;     /* [general] default_duration, minutes */
	char default_type[16];          /* [general] default_type */
	char console_as[STORE_HANDLE_MAX + 1]; /* [console] as */
	int console_as_line, console_as_col;
	char mail_from[STORE_NAME_MAX + STORE_EMAIL_MAX + 4]; /* [mail] from */
	char mail_dir[CFG_PATH_MAX];    /* [mail] outbox_dir: .eml files until SMTP is set */
	char mail_reply_to[STORE_NAME_MAX + STORE_EMAIL_MAX + 4]; /* [mail] reply_to */
	char mail_templates[CFG_PATH_MAX]; /* [mail] templates_dir */
	long long mail_retry_after, mail_retry_max, mail_give_up_after; /* seconds */
	char mail_token_secret[256];    /* [mail] token_secret: signs reply addresses */
	long long mail_max_reply_size;  /* [mail] max_reply_size: bytes; larger replies are refused */
	char mail_commands[16];         /* [mail] commands: off, authenticated or tag */
	char mail_authserv_id[256];     /* [mail] authserv_id: the receiving server's name in Authentication-Results */
	char imap_host[256];            /* [imap] host: empty = no poller */
	long long imap_port;
	char imap_tls[16];              /* implicit, starttls, optional, off */
	char imap_user[256];
	char imap_password[256];        /* secret */
	char imap_folder[128], imap_processed[128], imap_failed[128];
	char imap_ca_file[CFG_PATH_MAX];
	long long imap_interval;        /* seconds between polls */
	long long imap_timeout;
	char smtp_host[256];            /* [smtp] host: empty = no SMTP, the folder */
	long long smtp_port;
	char smtp_tls[16];              /* starttls, optional, implicit, off */
	char smtp_user[256];
	char smtp_password[256];        /* secret */
	char smtp_ca_file[CFG_PATH_MAX];
	long long smtp_timeout;
	struct cfg_spans reminder_leads;      /* [reminders] lead_times */
	long long remind_panel_email;         /* [reminders] panel_email: also by email */
	long long remind_candidate;           /* [reminders] candidate */
	struct cfg_words remind_skip_jobs;    /* [reminders] candidate_skip_jobs */
	long long feedback_request;           /* [feedback] request: ask at the end */
	long long feedback_chase_after;       /* [feedback] chase_after, seconds */
	long long feedback_escalate_after;    /* [feedback] escalate_after, seconds */
	long long clock_autostart;            /* [clock] autostart */
	long long clock_digest_catch_up;      /* [clock] digest_catch_up_until, minutes */
	/* [slack]: the Slack front end, on when both tokens are set. */
	char slack_app_token[256];            /* secret: xapp-..., opens sockets */
	char slack_bot_token[256];            /* secret: xoxb-..., everything else */
	char slack_api_url[512];              /* Web API base, ".../api/" */
	long long slack_connections;          /* sockets held at once (1-4) */
	char slack_command[32];               /* "/interview" */
	char slack_channel[64];               /* cards go here; empty: where typed */
	char slack_ca_file[CFG_PATH_MAX];
	long long slack_debug_reconnects;     /* ask for short-lived sockets (tests) */
	long long slack_reply_wait_ms;        /* how long an ack waits for the reply */
	long long slack_post_interval_ms;     /* pacing of posts per channel */
	long long slack_ping_interval;        /* seconds between our pings */
	long long slack_stale_after;          /* seconds of silence that end a socket */
	long long slack_backoff_max;          /* seconds: cap of the reconnect backoff */
	struct cfg_job_channel *slack_jobs;   /* [slack.jobs] "Job title" = "C0123" */
	int nslack_jobs;
	/* [matrix]: the Matrix front end, on when homeserver is set. */
	char matrix_homeserver[512];          /* base URL, ending in '/' */
	char matrix_user_id[256];             /* the bot's @user:server */
	char matrix_access_token[512];        /* secret */
	char matrix_password[256];            /* secret: to log in when there is no token */
	char matrix_device_id[64];            /* fixed: txn ids are deduplicated per device */
	char matrix_prefix[32];               /* "!interview" */
	struct cfg_words matrix_allow_invites;/* inviters (@user:server or :server) whose invites are taken */
	long long matrix_send_interval_ms;    /* pacing of sends per room */
	long long matrix_sync_timeout;        /* seconds the server may hold a sync */
	long long matrix_backoff_max;         /* seconds: cap of the retry backoff */
	char matrix_ca_file[CFG_PATH_MAX];
	long long daemon_stop_grace;          /* [daemon] stop_grace: seconds SIGTERM waits */
	char log_level[8];                    /* [log] level: error, warn, info, debug */
	char http_listen[272];                /* [http] listen: host:port; empty = off */
	char http_public_url[512];            /* [http] public_url: base of feed URLs, ending in '/' */
	long long http_max_body;              /* [http] max_body: bytes of a request body */
	int secrets_in_file;                  /* a secret is written in the file, not _env */
	struct cfg_person *people;
	int npeople;
	struct cfg_digest *digests;
	int ndigests;
};

/* Fills CFG with the embedded defaults (./interviewd.db, the machine's zone, ...). */
void cfg_defaults(struct cfg *cfg);

/* Defaults, then the file at PATH. 0, or -1 with "PATH:LINE:COL: reason" in ERR. */
int cfg_load(const char *path, struct cfg *cfg, char *err, size_t errlen);

void cfg_free(struct cfg *cfg);

/* 1 when [slack] names both tokens: the Slack front end runs. */
int cfg_slack_on(const struct cfg *cfg);
/* The channel for cards about JOB ([slack.jobs], else [slack] channel; "" if none). */
const char *cfg_slack_channel(const struct cfg *cfg, const char *job);

/* 1 when [matrix] homeserver is set: the Matrix front end runs. */
int cfg_matrix_on(const struct cfg *cfg);

/* 1 with a warning in WHY when the file holds a secret and its group or others may
 * read it; else 0. */
int cfg_exposed(const struct cfg *cfg, char *why, size_t whylen);

/* What a reload (SIGHUP) cannot apply: the keys whose values differ between OLD and NEW
 * outside the live tables, as "[smtp] host, [http] listen" into OUT ("" when none). */
void cfg_restart_keys(const struct cfg *old, const struct cfg *new, char *out, size_t outlen);
/* Moves what a reload applies from NEW into CFG: [reminders], [feedback], [clock],
 * [daemon], [log], [slack] channel and [slack.jobs], [people.*] and [digest.*]. NEW
 * gets CFG's old arrays, for cfg_free. */
void cfg_apply_live(struct cfg *cfg, struct cfg *new);

/* Prints the effective settings as TOML, secrets shown as "********". */
void cfg_print(const struct cfg *cfg, FILE *out);

#endif
