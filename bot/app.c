/* app.c: see app.h. */
#include "bot/app.h"
#include "mail/notice.h"
#include "lib/log.h"
#include "lib/str.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

/* The clear reason when a configured person's email belongs to someone else already
 * (say, an interviewer first named by email in a command). */
static int email_taken(struct store *st, const struct cfg *cfg, const struct cfg_person *c, char *err,
                       size_t errlen)
{
	struct store_person other;
	if (c->email[0] && store_person_by_email(st, c->email, &other) == 1 && strcasecmp(other.handle, c->handle) != 0)
		snprintf(err, errlen, "%s: [people.%s]: %s already belongs to \"%s\" in %s; name that table "
		                      "[people.%s] instead",
		         cfg->path, c->handle, c->email, other.handle, cfg->database, other.handle);
	else
		snprintf(err, errlen, "%s: %s", cfg->database, store_error(st));
	return -1;
}

/* Writes the people of CFG into ST, inside one transaction. */
static int sync_people(struct store *st, const struct cfg *cfg, char *err, size_t errlen)
{
	if (store_begin(st) < 0)
		goto fail;
	if (store_people_unconfigure(st) < 0) {
		store_rollback(st);
		goto fail;
	}
	for (int i = 0; i < cfg->npeople; i++) {
		const struct cfg_person *c = &cfg->people[i];
		struct store_person p = {0};
		str_copy(p.handle, sizeof p.handle, c->handle);
		str_copy(p.name, sizeof p.name, c->name);
		str_copy(p.email, sizeof p.email, c->email);
		str_copy(p.slack_id, sizeof p.slack_id, c->slack_id);
		str_copy(p.matrix_id, sizeof p.matrix_id, c->matrix_id);
		str_copy(p.tz, sizeof p.tz, c->timezone);
		p.role = (enum store_role)store_role_parse(c->role);
		if (store_person_upsert(st, &p) < 0) {
			store_rollback(st);
			return email_taken(st, cfg, c, err, errlen);
		}
	}
	if (store_commit(st) == 0)
		return 0;
fail:
	snprintf(err, errlen, "%s: %s", cfg->database, store_error(st));
	return -1;
}

void app_inbound_settings(const struct cfg *cfg, struct inbound_settings *in, char addr[STORE_EMAIL_MAX + 1])
{
	notice_reply_address(cfg->mail_reply_to[0] ? cfg->mail_reply_to : cfg->mail_from, addr, STORE_EMAIL_MAX + 1);
	in->reply_address = addr;
	in->secret = cfg->mail_token_secret;
	in->max_bytes = (size_t)cfg->mail_max_reply_size;
	in->commands = strcmp(cfg->mail_commands, "tag") == 0             ? IN_COMMANDS_TAG
	               : strcmp(cfg->mail_commands, "authenticated") == 0 ? IN_COMMANDS_AUTHENTICATED
	                                                                  : IN_COMMANDS_OFF;
	in->authserv_id = cfg->mail_authserv_id;
}

void app_clock_settings(const struct cfg *cfg, struct cmd_settings *set)
{
	set->nleads = cfg->reminder_leads.n;
	for (int i = 0; i < set->nleads; i++)
		set->leads[i] = cfg->reminder_leads.v[i];
	set->remind_panel_email = (int)cfg->remind_panel_email;
	set->remind_candidate = (int)cfg->remind_candidate;
	set->nskip_jobs = cfg->remind_skip_jobs.n;
	for (int i = 0; i < set->nskip_jobs; i++)
		set->skip_jobs[i] = cfg->remind_skip_jobs.v[i];
	set->feedback_request = (int)cfg->feedback_request;
	set->chase_after = cfg->feedback_chase_after;
	set->escalate_after = cfg->feedback_escalate_after;
	set->autostart = (int)cfg->clock_autostart;
}

int app_open(struct app *app, const char *config, char *err, size_t errlen)
{
	memset(app, 0, sizeof *app);
	app->lock_fd = -1;
	if (cfg_load(config, &app->cfg, err, errlen) < 0)
		return -1;
	app->set.default_tz = app->cfg.timezone;
	app->set.default_duration = (int)app->cfg.default_duration;
	app->set.default_type = (enum store_type)store_type_parse(app->cfg.default_type);
	app_clock_settings(&app->cfg, &app->set);
	app_inbound_settings(&app->cfg, &app->in, app->reply_address);
	if (app->cfg.http_public_url[0])
		snprintf(app->feed_base, sizeof app->feed_base, "%s", app->cfg.http_public_url);
	else if (app->cfg.http_listen[0])
		snprintf(app->feed_base, sizeof app->feed_base, "http://%s/", app->cfg.http_listen);
	app->set.feed_base = app->feed_base;
	app->st = store_open(app->cfg.database, err, errlen);
	log_set_level((enum log_level)log_level_of(app->cfg.log_level));
	if (!app->st || sync_people(app->st, &app->cfg, err, errlen) < 0) {
		app_close(app);
		return -1;
	}
	return 0;
}

static pthread_rwlock_t live = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int reloads;

int app_reloads(void) { return atomic_load(&reloads); }

void app_hold(void) { pthread_rwlock_rdlock(&live); }
void app_release(void) { pthread_rwlock_unlock(&live); }

int app_reload(struct app *app, struct store *st, char *restart, size_t rlen, char *err, size_t errlen)
{
	struct cfg fresh;
	restart[0] = 0;
	if (!app->cfg.path[0]) {
		snprintf(err, errlen, "no config file to read again (started on the embedded defaults)");
		return -1;
	}
	if (cfg_load(app->cfg.path, &fresh, err, errlen) < 0)
		return -1;
	if (sync_people(st, &fresh, err, errlen) < 0) {
		cfg_free(&fresh);
		return -1;
	}
	cfg_restart_keys(&app->cfg, &fresh, restart, rlen);
	pthread_rwlock_wrlock(&live);
	cfg_apply_live(&app->cfg, &fresh);
	app_clock_settings(&app->cfg, &app->set);
	log_set_level((enum log_level)log_level_of(app->cfg.log_level));
	atomic_fetch_add(&reloads, 1);
	pthread_rwlock_unlock(&live);
	cfg_free(&fresh);
	return 0;
}

void app_close(struct app *app)
{
	if (app->lock_fd >= 0)
		close(app->lock_fd);
	app->lock_fd = -1;
	store_close(app->st);
	app->st = NULL;
	cfg_free(&app->cfg);
}

static void lock_path(const struct app *app, char path[CFG_PATH_MAX + 8])
{
	snprintf(path, CFG_PATH_MAX + 8, "%s.lock", app->cfg.database);
}

/* The holder's "pid role" line from the lock file FD. */
static void holder_of(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

int app_lock(struct app *app, const char *role, char *err, size_t errlen)
{
	char path[CFG_PATH_MAX + 8], holder[64] = "";
	lock_path(app, path);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited++) {
		if (errno != EWOULDBLOCK) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		holder_of(fd, holder, sizeof holder);
		if (!strstr(holder, " ingest-mail") || waited >= 600) { /* a message being read: it ends soon */
			snprintf(err, errlen, "another interviewd (pid %s) is running on %s; one daemon per database: "
			                      "stop it first", holder[0] ? holder : "?", app->cfg.database);
			close(fd);
			return -1;
		}
		usleep(100000);
	}
	snprintf(holder, sizeof holder, "%ld %s\n", (long)getpid(), role);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, holder, strlen(holder), 0) < 0) {
		/* the line only serves the messages of the others */
	}
	app->lock_fd = fd;
	return 0;
}

long app_lock_holder(const struct app *app)
{
	char path[CFG_PATH_MAX + 8], holder[64] = "";
	lock_path(app, path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	holder_of(fd, holder, sizeof holder);
	close(fd);
	long v = strtol(holder, NULL, 10);
	return v > 1 && !strstr(holder, " ingest-mail") ? v : 0;
}

/* The recruiter of the embedded default, for a console with nobody configured. */
static int local_recruiter(struct app *app, struct store_person *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	str_copy(p->handle, sizeof p->handle, "local");
	str_copy(p->name, sizeof p->name, "Local recruiter");
	p->role = ROLE_RECRUITER;
	if (store_person_upsert(app->st, p) < 0) {
		snprintf(err, errlen, "%s", store_error(app->st));
		return -1;
	}
	return 0;
}

int app_actor(struct app *app, const char *handle, struct store_person *p, char *err, size_t errlen)
{
	if (!handle && app->cfg.console_as[0])
		handle = app->cfg.console_as;
	if (!handle && app->cfg.npeople == 0)
		return local_recruiter(app, p, err, errlen);
	if (!handle) {
		snprintf(err, errlen, "say who you are: --as HANDLE (or [console] as = \"...\" in %s)", app->cfg.path);
		return -1;
	}
	int rc = store_person_by_handle(app->st, handle, p);
	if (rc > 0)
		return 0;
	if (rc < 0)
		snprintf(err, errlen, "%s", store_error(app->st));
	else
		snprintf(err, errlen, "nobody is called \"%s\"; people are configured in [people.HANDLE]", handle);
	return -1;
}
