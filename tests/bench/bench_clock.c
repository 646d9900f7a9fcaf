/* bench_clock: what the clock costs (make bench). On a copy of bench_core's cached store of a
 * million interviews (the cache is built as bench_core builds it when it is missing):
 *   1. digest_render for a team channel filtered to jobs with about 500 interviews this week,
 *      for one filtered to interviewers (as many as a config may name), and for an
 *      unfiltered channel: p50/p99 of wall and thread CPU time, and whether the counts in
 *      the text are the store's (a digest that is fast but wrong is no result);
 *   2. one wake-up of the clock thread with nothing due, with 10,000 pending reminders:
 *      store_duty_next_due + duty_run + tz_next_local (the next digest);
 *   3. the real daemon idle for a minute (build/interviewd console --as rita, stdin a pipe
 *      kept open, the real clock): its CPU time and its wake-ups per thread, from /proc
 *      (voluntary context switches; --strace adds a second window under strace to show
 *      each thread's poll calls and timeouts).
 * Prints tables; exits 0 when it measured, whether or not a goal was met, 1 when it could
 * not measure. The generator and the cache naming are bench_core's own: this file includes
 * bench_core.c (its main renamed) rather than copying 1,300 lines. Setup queries use a
 * plain sqlite3 connection: this is test code, not the store. */

/* bench_core.c's main, renamed so this file can have its own; never called. */
int bench_core_main(int argc, char **argv);
#define main bench_core_main
#include "bench_core.c"
#undef main

#include "commands/digest.h"
#include "commands/duty.h"

#include <signal.h>
#include <sys/wait.h>

#define DIGEST_RUNS 200
#define DIGEST_WARMUP 5
#define WAKEUPS 10000
#define WAKE_WARMUP 200
#define N_DUTIES 10000
#define IDLE_SECONDS 60
#define TARGET_WEEK 500    /* interviews this week wanted for the job-filtered channel */
#define MAX_WORDS 16       /* CFG_WORDS_MAX: a [digest.X] names at most 16 jobs or interviewers */
#define TEXT_LINE 4096

/* The week and the day of NOW in ZONE, as commands/digest.c computes them. */
static void week_of(const char *zone, time_t now, int64_t day[2], int64_t week[2])
{
	struct tz_local l, x;
	tz_from_utc(zone, now, &l, NULL);
	x = l;
	tz_add_days(&x, 1);
	day[0] = tz_day_start(zone, l.year, l.mon, l.day);
	day[1] = tz_day_start(zone, x.year, x.mon, x.day);
	x = l;
	tz_add_days(&x, -((l.wday + 6) % 7));
	week[0] = tz_day_start(zone, x.year, x.mon, x.day);
	tz_add_days(&x, 7);
	week[1] = tz_day_start(zone, x.year, x.mon, x.day);
}

struct series {
	const char *name;
	int n;
	int64_t *ns, *cpu;
};

static int series_init(struct series *s, const char *name, int n)
{
	s->name = name;
	s->n = n;
	s->ns = calloc((size_t)n, sizeof *s->ns);
	s->cpu = calloc((size_t)n, sizeof *s->cpu);
	return s->ns && s->cpu ? 0 : -1;
}

static void series_free(struct series *s)
{
	free(s->ns);
	free(s->cpu);
}

static void print_series_head(const char *what)
{
	printf("\n%-44s %6s %9s %9s %9s %9s %9s\n", what, "n", "p50 us", "p99 us", "max us", "cpu p50", "cpu p99");
}

static void print_series(struct series *s)
{
	qsort(s->ns, (size_t)s->n, sizeof *s->ns, cmp_ns);
	qsort(s->cpu, (size_t)s->n, sizeof *s->cpu, cmp_ns);
	printf("%-44s %6d %9.1f %9.1f %9.1f %9.1f %9.1f\n", s->name, s->n, (double)pct(s->ns, s->n, 0.50) / 1e3,
	       (double)pct(s->ns, s->n, 0.99) / 1e3, (double)s->ns[s->n - 1] / 1e3, (double)pct(s->cpu, s->n, 0.50) / 1e3,
	       (double)pct(s->cpu, s->n, 0.99) / 1e3);
}

struct stamp {
	struct timespec wall, cpu;
};

static void stamp(struct stamp *t)
{
	clock_gettime(CLOCK_MONOTONIC, &t->wall);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t->cpu);
}

static void record(struct series *s, int i, const struct stamp *a, const struct stamp *z)
{
	s->ns[i] = elapsed_ns(&a->wall, &z->wall);
	s->cpu[i] = elapsed_ns(&a->cpu, &z->cpu);
}

/* ---- options and the scratch store ---- */

struct clock_opts {
	char dir[DIR_MAX];
	char binary[DIR_MAX];
	int runs, wakeups, idle, strace, regenerate;
};

static int parse_clock_opts(int argc, char **argv, struct clock_opts *o)
{
	char self[DIR_MAX];
	if (strlen(argv[0]) + 16 >= sizeof self)
		return -1;
	snprintf(self, sizeof self, "%s", argv[0]);
	char *bindir = dirname(self); /* $(BUILD)/tests */
	snprintf(o->dir, sizeof o->dir, "%s/../bench", bindir);
	snprintf(o->binary, sizeof o->binary, "%s/../interviewd", bindir);
	o->runs = DIGEST_RUNS;
	o->wakeups = WAKEUPS;
	o->idle = IDLE_SECONDS;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			o->runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--wakeups") == 0 && i + 1 < argc)
			o->wakeups = atoi(argv[++i]);
		else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc)
			o->idle = atoi(argv[++i]);
		else if (strcmp(argv[i], "--strace") == 0)
			o->strace = 1;
		else if (strcmp(argv[i], "--regenerate") == 0)
			o->regenerate = 1;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc && strlen(argv[i + 1]) < sizeof o->dir)
			snprintf(o->dir, sizeof o->dir, "%s", argv[++i]);
		else if (strcmp(argv[i], "--binary") == 0 && i + 1 < argc && strlen(argv[i + 1]) < sizeof o->binary)
			snprintf(o->binary, sizeof o->binary, "%s", argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--runs N] [--wakeups N] [--idle SECONDS (0: skip)] [--strace] [--dir DIR]\n"
			                "       [--binary PATH] [--regenerate]\n"
			                "--strace: after the idle minute, a second window of the same length under\n"
			                "          strace -f -e trace=poll,ppoll, to show each thread's poll timeouts\n",
			        argv[0]);
			return -1;
		}
	}
	if (o->runs <= 0 || o->wakeups <= 0 || o->idle < 0)
		return -1;
	if (mkdir(o->dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "bench: cannot create %s: %s\n", o->dir, strerror(errno));
		return -1;
	}
	char *canon = realpath(o->dir, NULL);
	if (canon && strlen(canon) < sizeof o->dir)
		snprintf(o->dir, sizeof o->dir, "%s", canon);
	free(canon);
	canon = realpath(o->binary, NULL);
	if (canon && strlen(canon) < sizeof o->binary)
		snprintf(o->binary, sizeof o->binary, "%s", canon);
	free(canon);
	return 0;
}

/* bench_core's cache (built the way bench_core builds it when missing), copied to
 * DIR/clock.db: bench_core's own copy, run.db, is left alone. */
static int scratch_store(const struct clock_opts *o, time_t now, char run[PATH_LEN])
{
	char name[64], cache[PATH_LEN], tmp[PATH_LEN + 8], side[PATH_LEN + 8];
	struct timespec t0;
	snprintf(name, sizeof name, "store-g%d-s%08x.db", GEN_VERSION, schema_hash());
	snprintf(cache, sizeof cache, "%s/%s", o->dir, name);
	snprintf(run, PATH_LEN, "%s/clock.db", o->dir);
	prune_cache(o->dir, name);
	if (o->regenerate)
		unlink(cache);
	if (file_size(cache) > 0) {
		printf("store: reusing bench_core's cache %s\n", cache);
	} else {
		printf("store: %s is missing (none yet, or made under another schema): generating it as bench_core "
		       "does, about 30 s ...\n", cache);
		snprintf(tmp, sizeof tmp, "%s.tmp", cache);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		unlink(tmp);
		if (generate(tmp, now) < 0 || rename(tmp, cache) < 0) {
			unlink(tmp);
			return -1;
		}
		printf("  load time %.1f s\n", seconds_since(&t0));
	}
	snprintf(side, sizeof side, "%s-wal", run);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", run);
	unlink(side);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (copy_file(cache, run) < 0)
		return -1;
	printf("store: copied to %s in %.1f s (duties and the daemon's writes go to the copy)\n", run, seconds_since(&t0));
	return 0;
}

static int64_t one_int(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench: %s: %s\n", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_bind_parameter_count(s) >= 2) {
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* ---- 1. the digest ---- */

struct channel {
	const char *name;
	char words[MAX_WORDS][STORE_TEXT_MAX + 1];
	const char *ptr[MAX_WORDS];
	int nwords, by_people;
	struct digest_spec spec;
	int64_t true_day, true_week; /* the store's counts for the channel */
	int shown_day, shown_week;   /* what the text says */
	size_t bytes;
	int lines;
	char overdue_shown[512], overdue_store[512]; /* handles, sorted, space-separated */
};

#define ACTIVE_OR_DONE "('scheduled', 'in_progress', 'completed')"

/* The channel's words as an SQL list: 'a', 'b', ... */
static void quoted_list(const struct channel *c, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (int i = 0; i < c->nwords && off < len; i++) {
		char *q = sqlite3_mprintf("%s%Q", i ? ", " : "", c->words[i]);
		off += (size_t)snprintf(buf + off, len - off, "%s", q);
		sqlite3_free(q);
	}
}

/* The SQL condition on interviews i that the channel's filters mean: "" or "AND ...". */
static void filter_sql(const struct channel *c, char *buf, size_t len)
{
	char list[4096];
	quoted_list(c, list, sizeof list);
	if (!c->nwords)
		buf[0] = 0;
	else if (c->by_people)
		snprintf(buf, len, "AND EXISTS (SELECT 1 FROM panel q JOIN people qe ON qe.id = q.person_id WHERE "
		                   "q.interview_id = i.id AND qe.handle IN (%s))", list);
	else
		snprintf(buf, len, "AND i.job_id IN (SELECT id FROM jobs WHERE title IN (%s))", list);
}

/* The channel's interviews in [from, to) as the digest means them, by SQL. */
static int64_t true_count(sqlite3 *db, const struct channel *c, int64_t from, int64_t to)
{
	char filter[6144], sql[8192];
	filter_sql(c, filter, sizeof filter);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM interviews i WHERE i.start_utc >= ?1 AND i.start_utc < ?2 AND "
	                          "i.status IN " ACTIVE_OR_DONE " %s", filter);
	return one_int(db, sql, from, to);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* N handles sorted and joined with spaces into OUT. */
static void join_sorted(char **h, int n, char *out, size_t len)
{
	size_t off = 0;
	qsort(h, (size_t)n, sizeof *h, cmp_str);
	out[0] = 0;
	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? " " : "", h[i]);
}

/* Who the "Feedback overdue" line should name: Q_OVERDUE (store/sql.c) with the channel's
 * filters, in handle order; the digest lists the first 40 (handle, job) rows of it, so
 * the check compares the first handles, as many as the text shows. */
static void store_overdue_of(sqlite3 *db, struct channel *c, time_t now, long long chase_after)
{
	char filter[6144], sql[8192], *h[64];
	sqlite3_stmt *s;
	int n = 0;
	if (c->by_people) { /* their overdue feedback, on any interview: the digest names only them */
		char list[4096];
		quoted_list(c, list, sizeof list);
		snprintf(filter, sizeof filter, "AND pe.handle IN (%s)", list);
	} else {
		filter_sql(c, filter, sizeof filter);
	}
	snprintf(sql, sizeof sql,
	         "SELECT pe.handle FROM interviews i JOIN panel p ON p.interview_id = i.id JOIN people pe ON "
	         "pe.id = p.person_id WHERE i.start_utc >= ?2 AND i.start_utc < ?1 AND i.start_utc + i.duration_min * 60 "
	         "<= ?3 AND i.status IN " ACTIVE_OR_DONE " %s AND NOT EXISTS (SELECT 1 FROM feedback f WHERE "
	         "f.interview_id = i.id AND f.person_id = p.person_id AND (f.rating IS NOT NULL OR f.recommendation IS NOT "
	         "NULL)) GROUP BY pe.handle, i.job_id ORDER BY pe.handle LIMIT 40",
	         filter);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(c->overdue_store, sizeof c->overdue_store, "(query failed: %s)", sqlite3_errmsg(db));
		return;
	}
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, now - 14 * 86400);
	sqlite3_bind_int64(s, 3, now - chase_after);
	while (n < 64 && sqlite3_step(s) == SQLITE_ROW) {
		const char *handle = (const char *)sqlite3_column_text(s, 0);
		if (n == 0 || strcmp(h[n - 1], handle) != 0) /* one name for the rows of each handle */
			h[n++] = strdup(handle);
	}
	sqlite3_finalize(s);
	join_sorted(h, n, c->overdue_store, sizeof c->overdue_store);
	for (int i = 0; i < n; i++)
		free(h[i]);
}

/* The handles the text's "Feedback overdue: h #1 #2; h #3" line names. */
static void shown_overdue(const char *text, struct channel *c)
{
	char *h[64];
	int n = 0;
	const char *p = strstr(text, "Feedback overdue: ");
	c->overdue_shown[0] = 0;
	if (!p)
		return;
	p += 18;
	while (n < 64 && *p && *p != '\n') {
		size_t len = strcspn(p, " \n");
		h[n++] = strndup(p, len);
		const char *next = strstr(p, "; ");
		const char *eol = strchr(p, '\n');
		if (!next || (eol && next > eol) || strncmp(next + 2, "and ", 4) == 0)
			break;
		p = next + 2;
	}
	join_sorted(h, n, c->overdue_shown, sizeof c->overdue_shown);
	for (int i = 0; i < n; i++)
		free(h[i]);
}

/* Jobs in id order (bench_core lays a team's 20 jobs side by side) until the week holds
 * about TARGET_WEEK interviews, at most MAX_WORDS of them. */
static int pick_jobs(sqlite3 *db, struct channel *c, const int64_t week[2])
{
	sqlite3_stmt *s;
	int64_t sum = 0;
	if (sqlite3_prepare_v2(db, "SELECT j.title, count(*) FROM interviews i JOIN jobs j ON j.id = i.job_id "
	                           "WHERE i.start_utc >= ?1 AND i.start_utc < ?2 AND i.status IN " ACTIVE_OR_DONE
	                           " GROUP BY j.id ORDER BY j.id",
	                       -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, week[0]);
	sqlite3_bind_int64(s, 2, week[1]);
	while (c->nwords < MAX_WORDS && sqlite3_step(s) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(s, 1);
		if (sum > 0 && llabs((long long)(sum + n - TARGET_WEEK)) > llabs((long long)(sum - TARGET_WEEK)))
			break;
		snprintf(c->words[c->nwords++], sizeof c->words[0], "%s", (const char *)sqlite3_column_text(s, 0));
		sum += n;
	}
	sqlite3_finalize(s);
	return c->nwords ? 0 : -1;
}

/* The first MAX_WORDS interviewers of job 0's pool: one team's panel. */
static void pick_people(struct channel *c)
{
	for (int m = 0; m < MAX_WORDS; m++)
		snprintf(c->words[c->nwords++], sizeof c->words[0], "i%04d", pool_member(0, m) + 1);
	c->by_people = 1;
}

static void channel_spec(struct channel *c, const char *zone)
{
	for (int i = 0; i < c->nwords; i++)
		c->ptr[i] = c->words[i];
	c->spec = (struct digest_spec){c->name, zone, c->by_people ? NULL : c->ptr, c->by_people ? 0 : c->nwords,
	                               c->by_people ? c->ptr : NULL, c->by_people ? c->nwords : 0};
}

static void save_text(const char *dir, const char *name, const char *text)
{
	char path[PATH_LEN];
	snprintf(path, sizeof path, "%s/clock-digest-%s.txt", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Renders once (checking the counts), then WARMUP + N timed runs. */
static int bench_digest(struct store *st, const struct cmd_settings *set, struct channel *c, time_t now, int n,
                        const char *dir, struct series *s)
{
	char err[512];
	char *text = digest_render(st, set, &c->spec, now, err, sizeof err);
	if (!text) {
		fprintf(stderr, "bench: digest_render %s: %s\n", c->name, err);
		return -1;
	}
	const char *counts = strstr(text, "\nToday ");
	c->shown_day = c->shown_week = -1;
	if (counts)
		sscanf(counts + 1, "Today %d | this week %d", &c->shown_day, &c->shown_week);
	shown_overdue(text, c);
	c->bytes = strlen(text);
	for (const char *p = text; *p; p++)
		c->lines += *p == '\n';
	save_text(dir, c->name, text);
	free(text);
	if (series_init(s, c->name, n) < 0)
		return -1;
	for (int i = 0; i < DIGEST_WARMUP + n; i++) {
		struct stamp a, z;
		stamp(&a);
		text = digest_render(st, set, &c->spec, now, err, sizeof err);
		stamp(&z);
		if (!text) {
			fprintf(stderr, "bench: digest_render %s: %s\n", c->name, err);
			return -1;
		}
		free(text);
		if (i >= DIGEST_WARMUP)
			record(s, i - DIGEST_WARMUP, &a, &z);
	}
	return 0;
}

/* ---- 2. a wake-up with nothing due ---- */

/* N_DUTIES reminders (one panel member's, lead 24 h) of the first scheduled interviews
 * starting two days or more after NOW: all due a day or more ahead. */
static int add_duties(sqlite3 *db, struct store *st, time_t now, int64_t *first_due)
{
	sqlite3_stmt *s;
	int n = 0;
	struct timespec t0;
	if (sqlite3_prepare_v2(db, "SELECT i.id, i.start_utc, (SELECT p.person_id FROM panel p WHERE p.interview_id = i.id "
	                           "LIMIT 1) FROM interviews i WHERE i.start_utc >= ?1 AND i.status = 'scheduled' "
	                           "ORDER BY i.start_utc LIMIT ?2",
	                       -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, now + 2 * 86400);
	sqlite3_bind_int(s, 2, N_DUTIES);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (store_begin(st) < 0)
		goto fail;
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t start = sqlite3_column_int64(s, 1), due = start - 86400;
		if (store_duty_add(st, due, DUTY_REMINDER, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 2), 86400) < 0) {
			store_rollback(st);
			goto fail;
		}
		if (!n++)
			*first_due = due;
	}
	if (store_commit(st) < 0)
		goto fail;
	sqlite3_finalize(s);
	printf("duties: %d pending reminders added (store_duty_add, one transaction) in %.1f ms; the first is due %.1f "
	       "days after now\n",
	       n, seconds_since(&t0) * 1e3, (double)(*first_due - now) / 86400.0);
	return n == N_DUTIES ? 0 : -1;
fail:
	fprintf(stderr, "bench: adding duties: %s\n", store_error(st));
	sqlite3_finalize(s);
	return -1;
}

static void query_plan(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	char q[512];
	snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK)
		return;
	printf("  plan of %s\n", sql);
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("    %s\n", (const char *)sqlite3_column_text(s, 3));
	sqlite3_finalize(s);
}

/* ---- 3. the daemon, idle ---- */

struct task {
	int tid;
	long long ticks;  /* utime + stime, clock ticks */
	long long run_ns; /* schedstat: time on a CPU */
	long vol, invol;  /* context switches */
	long sysno, arg1, arg2; /* what it is blocked in: syscall number, poll's nfds and timeout */
};

struct snap {
	int n;
	struct task t[16];
	long long proc_ticks;
};

static int read_file_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}

/* utime + stime from a stat line (the fields after the comm's closing parenthesis). */
static long long stat_ticks(const char *line)
{
	const char *p = strrchr(line, ')');
	unsigned long long ut = 0, stime = 0;
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stime) == 2)
		return (long long)(ut + stime);
	return -1;
}

static int cmp_task(const void *a, const void *b)
{
	return ((const struct task *)a)->tid - ((const struct task *)b)->tid;
}

static int take_snap(pid_t pid, struct snap *sn)
{
	char path[128], buf[TEXT_LINE];
	DIR *d;
	struct dirent *e;
	memset(sn, 0, sizeof *sn);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_file_line(path, buf, sizeof buf) < 0)
		return -1;
	sn->proc_ticks = stat_ticks(buf);
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d)) && sn->n < (int)COUNT(sn->t)) {
		if (e->d_name[0] == '.')
			continue;
		struct task *t = &sn->t[sn->n++];
		t->tid = atoi(e->d_name);
		t->sysno = t->arg1 = t->arg2 = -1;
		snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, t->tid);
		if (read_file_line(path, buf, sizeof buf) == 0)
			t->ticks = stat_ticks(buf);
		snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)pid, t->tid);
		if (read_file_line(path, buf, sizeof buf) == 0)
			t->run_ns = atoll(buf);
		snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid, t->tid);
		if (read_file_line(path, buf, sizeof buf) == 0) {
			char *v = strstr(buf, "\nvoluntary_ctxt_switches:"), *nv = strstr(buf, "\nnonvoluntary_ctxt_switches:");
			t->vol = v ? atol(v + 25) : -1;
			t->invol = nv ? atol(nv + 28) : -1;
		}
		snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid, t->tid);
		if (read_file_line(path, buf, sizeof buf) == 0) {
			unsigned long a0, a1, a2;
			t->sysno = atol(buf);
			if (sscanf(buf, "%*d %lx %lx %lx", &a0, &a1, &a2) == 3) {
				t->arg1 = (long)a1;
				t->arg2 = (int)(unsigned)a2; /* an int: -1 is "no timeout" */
			}
		}
	}
	closedir(d);
	qsort(sn->t, (size_t)sn->n, sizeof sn->t[0], cmp_task);
	return 0;
}

/* 1 when the daemon's three threads are all asleep in poll (SYS_poll 7 on x86-64; ppoll
 * elsewhere shows no timeout here). */
static int settled(const struct snap *sn)
{
	int polling = 0;
	for (int i = 0; i < sn->n; i++)
		polling += sn->t[i].sysno == 7 || sn->t[i].sysno == 271;
	return sn->n >= 3 && polling == sn->n;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *thread_name(const struct snap *sn, int i, pid_t pid)
{
	if (sn->t[i].tid == pid)
		return "main: console";
	return i == 1 ? "mail sender" : i == 2 ? "clock (bot/timer.c)" : "other";
}

/* Moves the duties so that they fall due days after the real clock's now. */
static int shift_duties(const char *path, time_t fixed_now, time_t real_now, int64_t *first_due)
{
	sqlite3 *db;
	char sql[256];
	int rc = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		goto out;
	snprintf(sql, sizeof sql, "UPDATE duties SET due_at = due_at + %lld WHERE done_at IS NULL",
	         (long long)(real_now - fixed_now));
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	*first_due = one_int(db, "SELECT min(due_at) FROM duties WHERE done_at IS NULL", 0, 0);
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "bench: moving the duties: %s\n", sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc;
}

static int write_config(const char *cfgpath, const char *dir, const char *store_path, time_t real_now, char at[8])
{
	struct tz_local l;
	tz_from_utc("Europe/Berlin", real_now + 3 * 3600, &l, NULL);
	snprintf(at, 8, "%02d:%02d", l.hour, l.min);
	FILE *f = fopen(cfgpath, "w");
	if (!f)
		return -1;
	fprintf(f,
	        "# written by bench_clock: the idle daemon of part 3\n"
	        "[store]\npath = \"%s\"\n\n"
	        "[general]\ntimezone = \"Europe/Berlin\"\n\n"
	        "[console]\nas = \"rita\"\n\n"
	        "[mail]\noutbox_dir = \"%s/clock-mail\"\n\n"
	        "[people.rita]\nemail = \"rita@corp.example\"\nrole = \"recruiter\"\n\n"
	        "# three hours from now: not in the next minute, and never caught up at the start\n"
	        "[digest.team]\ntime = \"%s\"\ntimezone = \"Europe/Berlin\"\nconsole = \"rita\"\n"
	        "jobs = [\"Backend Engineer (Payments)\", \"Frontend Engineer (Payments)\"]\n",
	        store_path, dir, at);
	return fclose(f);
}

static pid_t spawn(const char *binary, const char *cfgpath, const char *logpath, int *stdin_w)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(p[0], 0);
		if (log >= 0) {
			dup2(log, 1);
			dup2(log, 2);
		}
		close(p[0]);
		close(p[1]);
		unsetenv("INTERVIEWD_NOW");
		execl(binary, binary, "-c", cfgpath, "console", "--as", "rita", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	*stdin_w = p[1];
	return pid;
}

/* Waits up to SECONDS for PID; its status, or -1 if it still runs. */
static int reap(pid_t pid, double seconds, double *took)
{
	struct timespec t0;
	int status;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		*took = seconds_since(&t0);
		if (r == pid)
			return status;
		if (r < 0 || *took > seconds)
			return -1;
		sleep_s(0.01);
	}
}

/* strace -f -e trace=poll,ppoll on PID for SECONDS: poll calls per thread (SN's threads
 * first, in order) and their timeouts. */
static void strace_window(pid_t pid, const struct snap *sn, int seconds, const char *dir)
{
	char out[PATH_LEN], spid[16], line[TEXT_LINE];
	snprintf(out, sizeof out, "%s/clock-idle.strace", dir);
	snprintf(spid, sizeof spid, "%d", (int)pid);
	unlink(out);
	pid_t sp = fork();
	if (sp == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		execlp("strace", "strace", "-f", "-qq", "-e", "trace=poll,ppoll", "-o", out, "-p", spid, (char *)NULL);
		_exit(127);
	}
	if (sp < 0)
		return;
	sleep_s(seconds);
	kill(sp, SIGINT);
	int status;
	waitpid(sp, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		printf("strace: not available\n");
		return;
	}
	struct {
		int tid, calls;
		char timeouts[128];
	} per[8] = {{0}};
	int nper = 0;
	for (; nper < sn->n && nper < 8; nper++)
		per[nper].tid = sn->t[nper].tid;
	FILE *f = fopen(out, "r");
	while (f && fgets(line, sizeof line, f)) {
		int tid = atoi(line);
		char *call = strstr(line, " poll(");
		if (!call)
			call = strstr(line, " ppoll(");
		if (!call || strstr(line, "resumed>"))
			continue;
		int k = 0;
		while (k < nper && per[k].tid != tid)
			k++;
		if (k == nper && nper < 8)
			per[nper++].tid = tid;
		if (k == 8)
			continue;
		per[k].calls++;
		char *end = strstr(call, "}], "); /* poll(FDS, NFDS, TIMEOUT) */
		end = end ? strstr(end + 4, ", ") : NULL;
		if (end) {
			char tmo[24];
			snprintf(tmo, sizeof tmo, "%ld", atol(end + 2));
			if (!strstr(per[k].timeouts, tmo) && strlen(per[k].timeouts) + strlen(tmo) + 2 < sizeof per[k].timeouts)
				snprintf(per[k].timeouts + strlen(per[k].timeouts), sizeof per[k].timeouts - strlen(per[k].timeouts),
				         "%s%s", per[k].timeouts[0] ? " " : "", tmo);
		}
	}
	if (f)
		fclose(f);
	printf("\nstrace -f -e trace=poll,ppoll -p %d for %d s (a second window; ptrace stops inflate CPU there):\n",
	       (int)pid, seconds);
	printf("  %-24s %-8s %-8s %s\n", "thread", "tid", "polls", "timeouts seen (ms)");
	for (int k = 0; k < nper; k++)
		printf("  %-24s %-8d %-8d %s\n", k < sn->n ? thread_name(sn, k, pid) : "other", per[k].tid, per[k].calls,
		       per[k].timeouts);
	printf("  (raw trace: %s)\n", out);
}

struct idle_result {
	int measured, clock_ok;
	int clock_wakeups, console_wakeups;
};

static int bench_idle(const struct clock_opts *o, const char *store_path, time_t fixed_now, struct idle_result *res)
{
	char cfgpath[PATH_LEN], logpath[PATH_LEN], at[8], line[TEXT_LINE];
	time_t real_now = time(NULL);
	int64_t first_due = 0;
	struct snap a, z;
	int stdin_w = -1;
	if (access(o->binary, X_OK) < 0) {
		printf("\nidle: cannot run %s (make build/interviewd first): not measured\n", o->binary);
		return -1;
	}
	snprintf(cfgpath, sizeof cfgpath, "%s/clock-idle.toml", o->dir);
	snprintf(logpath, sizeof logpath, "%s/clock-idle.log", o->dir);
	if (shift_duties(store_path, fixed_now, real_now, &first_due) < 0 ||
	    write_config(cfgpath, o->dir, store_path, real_now, at) < 0)
		return -1;
	printf("\n3. the daemon, idle: %s -c %s console --as rita\n", o->binary, cfgpath);
	printf("   stdin a pipe kept open, real clock (INTERVIEWD_NOW unset), digest [digest.team] at %s Berlin "
	       "(Mon-Fri);\n   the 10,000 reminders moved to fall due %.1f days or more after now; stdout+stderr: %s\n",
	       at, (double)(first_due - real_now) / 86400.0, logpath);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = spawn(o->binary, cfgpath, logpath, &stdin_w);
	if (pid < 0) {
		fprintf(stderr, "bench: fork: %s\n", strerror(errno));
		return -1;
	}
	int ok = 0;
	double started = 0;
	while (seconds_since(&t0) < 20) {
		sleep_s(0.1);
		if (take_snap(pid, &a) < 0)
			break;
		if (settled(&a)) {
			ok = 1;
			break;
		}
	}
	started = seconds_since(&t0);
	if (!ok) {
		printf("   the daemon did not settle into poll() within %.0f s (see %s): not measured\n", started, logpath);
		kill(pid, SIGTERM);
		double took;
		if (reap(pid, 5, &took) < 0)
			kill(pid, SIGKILL), waitpid(pid, NULL, 0);
		close(stdin_w);
		return -1;
	}
	printf("   started: %d threads asleep in poll after %.2f s; startup CPU %.2f s (store_open of the 1M store, "
	       "people sync, first duty pass)\n",
	       a.n, started, (double)a.proc_ticks / (double)sysconf(_SC_CLK_TCK));
	sleep_s(1);
	take_snap(pid, &a);
	struct timespec w0;
	clock_gettime(CLOCK_MONOTONIC, &w0);
	sleep_s(o->idle);
	take_snap(pid, &z);
	double window = seconds_since(&w0);
	long hz = sysconf(_SC_CLK_TCK);
	printf("\nidle window %.1f s (per thread: /proc/%d/task/*/{stat,schedstat,status,syscall}; wake-ups = voluntary "
	       "context switches,\n each a return from a sleep in poll)\n",
	       window, (int)pid);
	printf("%-24s %8s %10s %12s %9s %9s %8s  %s\n", "thread", "tid", "cpu ms", "on-cpu us", "wake-ups", "/minute",
	       "invol", "blocked in");
	long long total_run = 0;
	for (int i = 0; i < z.n; i++) {
		const struct task *y = &z.t[i], *x = NULL;
		for (int j = 0; j < a.n; j++)
			if (a.t[j].tid == y->tid)
				x = &a.t[j];
		if (!x)
			continue;
		char blocked[64];
		if (y->sysno == 7 && y->arg2 < 0)
			snprintf(blocked, sizeof blocked, "poll on %ld fds, no timeout", y->arg1);
		else if (y->sysno == 7)
			snprintf(blocked, sizeof blocked, "poll on %ld fd%s, timeout %ld ms", y->arg1, y->arg1 == 1 ? "" : "s",
			         y->arg2);
		else
			snprintf(blocked, sizeof blocked, "syscall %ld", y->sysno);
		long wake = y->vol - x->vol;
		long long run = y->run_ns - x->run_ns;
		total_run += run;
		printf("%-24s %8d %10.1f %12.1f %9ld %9.1f %8ld  %s\n", thread_name(&z, i, pid), y->tid,
		       (double)(y->ticks - x->ticks) * 1000.0 / (double)hz, (double)run / 1e3, wake,
		       (double)wake * 60.0 / window, y->invol - x->invol, blocked);
		if (y->tid == pid)
			res->console_wakeups = (int)wake;
		if (i == 2) {
			res->clock_wakeups = (int)wake;
			res->clock_ok = (double)wake * 60.0 / window <= 2.0;
		}
	}
	printf("%-24s %8s %10.1f %12.1f   (%.4f %% of one core)\n", "process", "",
	       (double)(z.proc_ticks - a.proc_ticks) * 1000.0 / (double)hz, (double)total_run / 1e3,
	       (double)total_run / 1e9 / window * 100.0);
	res->measured = z.n >= 3;
	if (o->strace && o->idle > 0)
		strace_window(pid, &z, o->idle, o->dir);
	/* quit, as a person would type it; the threads must stop promptly */
	ssize_t wr = write(stdin_w, "quit\n", 5);
	(void)wr;
	close(stdin_w);
	double took;
	int status = reap(pid, 10, &took);
	if (status < 0) {
		printf("daemon: still running 10 s after \"quit\": sent SIGTERM\n");
		kill(pid, SIGTERM);
		if (reap(pid, 5, &took) < 0)
			kill(pid, SIGKILL), waitpid(pid, NULL, 0);
	} else {
		printf("daemon: exited %d %.2f s after \"quit\"\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, took);
	}
	FILE *f = fopen(logpath, "r");
	int nlog = 0, nerr = 0;
	while (f && fgets(line, sizeof line, f)) {
		nerr += strstr(line, "level=error") != NULL;
		if (nlog++ < 5)
			printf("  log: %s", line);
	}
	if (f)
		fclose(f);
	printf("daemon log: %d lines, %d errors\n", nlog, nerr);
	return 0;
}

int main(int argc, char **argv)
{
	struct clock_opts o = {0};
	char run[PATH_LEN], err[512], now_text[64];
	if (parse_clock_opts(argc, argv, &o) < 0 || store_init() < 0)
		return 1;
	tz_init();
	machine_facts();
	time_t now = tz_timegm(&NOW_UTC);
	if (scratch_store(&o, now, run) < 0)
		return 1;
	print_store_facts(run);
	sqlite3 *db;
	struct store *st;
	if (sqlite3_open_v2(run, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK || !(st = store_open(run, err, sizeof err))) {
		fprintf(stderr, "bench: opening %s: %s\n", run, sqlite3_errmsg(db));
		return 1;
	}
	/* the embedded defaults of the config (bot/cfg.c), as app_clock_settings copies them */
	struct cmd_settings set = {.default_tz = "Europe/Berlin", .default_duration = 60, .default_type = TYPE_VIDEO,
	                           .leads = {86400, 3600}, .nleads = 2, .remind_panel_email = 1, .remind_candidate = 1,
	                           .feedback_request = 1, .chase_after = 86400, .escalate_after = 2 * 86400};
	printf("now: %s (fixed, bench_core's) for parts 1 and 2; part 3 runs on the real clock\n",
	       tzfmt("Europe/Berlin", now, TZF_ISO, now_text, sizeof now_text));

	/* 1. digests */
	int64_t day[2], week[2];
	week_of("Europe/Berlin", now, day, week);
	static struct channel ch[3] = {{.name = "team-jobs"}, {.name = "team-people"}, {.name = "everyone"}};
	if (pick_jobs(db, &ch[0], week) < 0) {
		fprintf(stderr, "bench: no jobs this week\n");
		return 1;
	}
	pick_people(&ch[1]);
	for (int i = 0; i < 3; i++) {
		channel_spec(&ch[i], "Europe/Berlin");
		ch[i].true_day = true_count(db, &ch[i], day[0], day[1]);
		ch[i].true_week = true_count(db, &ch[i], week[0], week[1]);
		store_overdue_of(db, &ch[i], now, set.chase_after);
	}
	int runs[3] = {o.runs, o.runs / 4 > 0 ? o.runs / 4 : 1, o.runs};
	printf("\n1. digest_render at the fixed now, outside a transaction (as `interviewd digest` runs it), channel zone\n"
	       "   Europe/Berlin; %d warm-up runs, then %d timed (team-people: %d)\n",
	       DIGEST_WARMUP, o.runs, runs[1]);
	printf("  team-jobs:   %d job titles (%s ... %s): the store has %lld interviews this week, %lld today\n",
	       ch[0].nwords, ch[0].words[0], ch[0].words[ch[0].nwords - 1], (long long)ch[0].true_week,
	       (long long)ch[0].true_day);
	printf("  team-people: %d interviewers (%s ... %s, job 0's pool; a config names at most %d): %lld this week, "
	       "%lld today\n",
	       ch[1].nwords, ch[1].words[0], ch[1].words[ch[1].nwords - 1], MAX_WORDS, (long long)ch[1].true_week,
	       (long long)ch[1].true_day);
	printf("  everyone:    no filter: %lld this week, %lld today\n", (long long)ch[2].true_week,
	       (long long)ch[2].true_day);
	struct series ds[3];
	for (int i = 0; i < 3; i++)
		if (bench_digest(st, &set, &ch[i], now, runs[i], o.dir, &ds[i]) < 0)
			return 1;
	print_series_head("digest_render (channel)");
	for (int i = 0; i < 3; i++)
		print_series(&ds[i]);
	int wrong = 0;
	printf("\n%-12s %11s %11s %11s %11s %8s %6s  %-6s %s\n", "channel", "today text", "today store", "week text",
	       "week store", "bytes", "lines", "counts",
	       "feedback overdue: who the text names / the store, filters applied");
	for (int i = 0; i < 3; i++) {
		struct channel *c = &ch[i];
		int counts = c->shown_day == c->true_day && c->shown_week == c->true_week;
		int overdue = strcmp(c->overdue_shown, c->overdue_store) == 0;
		wrong += !counts + !overdue;
		printf("%-12s %11d %11lld %11d %11lld %8zu %6d  %-6s %s\n", c->name, c->shown_day, (long long)c->true_day,
		       c->shown_week, (long long)c->true_week, c->bytes, c->lines, counts ? "right" : "WRONG",
		       overdue ? "right (the same people)" : "WRONG:");
		if (!overdue)
			printf("%-12s text:  %.300s\n%-12s store: %.300s\n", "", c->overdue_shown[0] ? c->overdue_shown : "(nobody)",
			       "", c->overdue_store[0] ? c->overdue_store : "(nobody)");
	}
	printf("(the texts: %s/clock-digest-CHANNEL.txt)\n", o.dir);

	/* 2. wake-ups */
	int64_t first_due = 0;
	printf("\n2. a clock wake-up with nothing due, at the fixed now + i seconds\n");
	if (add_duties(db, st, now, &first_due) < 0)
		return 1;
	query_plan(db, "SELECT min(due_at) FROM duties WHERE done_at IS NULL");
	query_plan(db, "SELECT id, due_at, kind, interview_id, person_id, lead FROM duties WHERE done_at IS NULL AND "
	               "due_at <= 1 ORDER BY due_at, id LIMIT 1");
	struct series ws[4];
	static const char *const wnames[4] = {"wake-up: all three", "  store_duty_next_due", "  duty_run (nothing due)",
	                                      "  tz_next_local (next digest)"};
	for (int k = 0; k < 4; k++)
		if (series_init(&ws[k], wnames[k], o.wakeups) < 0)
			return 1;
	for (int i = 0; i < WAKE_WARMUP + o.wakeups; i++) {
		time_t t = now + i, at = 0;
		struct stamp s0, s1, s2, s3;
		stamp(&s0);
		int64_t next = store_duty_next_due(st);
		stamp(&s1);
		int done = duty_run(st, &set, t, err, sizeof err);
		stamp(&s2);
		int rc = tz_next_local("Europe/Berlin", 8, 30, 0x3e, t, &at);
		stamp(&s3);
		if (next != first_due || done != 0 || rc != 0) {
			fprintf(stderr, "bench: wake-up %d: next due %lld (want %lld), duty_run %d (%s), tz_next_local %d\n", i,
			        (long long)next, (long long)first_due, done, done < 0 ? err : "", rc);
			return 1;
		}
		if (i >= WAKE_WARMUP) {
			int j = i - WAKE_WARMUP;
			record(&ws[0], j, &s0, &s3);
			record(&ws[1], j, &s0, &s1);
			record(&ws[2], j, &s1, &s2);
			record(&ws[3], j, &s2, &s3);
		}
	}
	print_series_head("one wake-up, 10,000 pending duties");
	for (int k = 0; k < 4; k++)
		print_series(&ws[k]);
	for (int i = 0; i < 3; i++)
		series_free(&ds[i]);
	for (int k = 0; k < 4; k++)
		series_free(&ws[k]);
	store_close(st);
	sqlite3_close(db);

	/* 3. idle */
	struct idle_result idle = {0};
	int idle_rc = 0;
	if (o.idle > 0)
		idle_rc = bench_idle(&o, run, now, &idle);
	else
		printf("\n3. idle: skipped (--idle 0)\n");

	print_load("at the end");
	printf("\nsummary:\n");
	printf("  digest texts: %s\n",
	       wrong ? "WRONG for filtered channels (table above); as commands/digest.c stands, their counts come\n"
	               "    from the first 2000 rows of the range (DIGEST_ROWS), and the overdue line is the company's\n"
	               "    top 20 (LIMIT 20 in Q_OVERDUE), filtered afterwards"
	             : "right in every channel");
	if (o.idle > 0 && idle.measured)
		printf("  idle clock thread: %d wake-ups in %d s: %s (goal: at most one a minute when nothing is due)\n",
		       idle.clock_wakeups, o.idle, idle.clock_ok ? "goal met" : "GOAL MISSED");
	if (o.idle > 0 && idle.measured)
		printf("  idle console (main thread): %d wake-ups in %d s\n", idle.console_wakeups, o.idle);
	return idle_rc < 0 ? 1 : 0;
}
