/* bench_core: the latency benchmark of the command core (make bench).
 * Builds a store with a million interviews (once: the file is cached under the build
 * directory, keyed by the generator version and the migrations), copies it, opens the copy
 * with store_open as the app does and times cmd_execute + render_json with a fixed "now"
 * for the commands people type most. Prints the machine, the store, and n, p50, p99 and
 * max per command against the goal (p99 under 2 ms). Exits 0 when it measured, goal met or
 * not; 1 when it could not measure (no store, or a command failed that should not).
 * The loader writes with its own sqlite3 connection: it is test code, not the store.
 * Results and the command line: tests/bench/RESULTS.md. */
#include "bot/render.h"
#include "commands/cmd.h"
#include "lib/tz.h"
#include "lib/tzfmt.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Bump when the generated data changes: a cached store of another version is rebuilt. */
#define GEN_VERSION 4

#define N_INTERVIEWS 1000000
#define N_CANDIDATES 300000
#define N_INTERVIEWERS 2000
#define N_RECRUITERS 5
#define N_JOBS 200
#define POOL 24                /* interviewers a job draws its panels from */
#define SPAN_DAYS 548          /* interviews start from now - SPAN to now + SPAN */
#define GOAL_NS 2000000LL      /* p99 goal: 2 ms */
#define DIR_MAX 1024           /* the cache directory's path */
#define PATH_LEN (DIR_MAX + 80)

/* The fixed "now": Wednesday 12 March 2025, 10:30 in Berlin. */
static const struct tz_local NOW_UTC = {2025, 3, 12, 9, 30, 0, 0};

/* ---- deterministic randomness (splitmix64) ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int below(struct rng *r, int n) { return (int)(rnd(r) % (uint64_t)n); }

/* Index into W (N weights), drawn with probability proportional to its weight. */
static int weighted(struct rng *r, const int *w, int n)
{
	int sum = 0;
	for (int i = 0; i < n; i++)
		sum += w[i];
	int x = below(r, sum);
	for (int i = 0; i < n; i++)
		if ((x -= w[i]) < 0)
			return i;
	return n - 1;
}

#define WEIGHTED(r, w) weighted((r), (w), (int)(sizeof(w) / sizeof((w)[0])))
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the world: zones, people, jobs ---- */

struct zone {
	const char *name;   /* IANA */
	const char *stored; /* people.tz: NULL for the configured default */
	const char *office;
	int weight;         /* percent of interviewers, jobs */
};

static const struct zone zones[] = {
	{"Europe/Berlin", NULL, "Berlin Office", 50},
	{"Europe/London", "Europe/London", "London Office", 20},
	{"America/New_York", "America/New_York", "New York Office", 20},
	{"Asia/Kolkata", "Asia/Kolkata", "Bangalore Office", 10},
};
#define N_ZONES ((int)COUNT(zones))

static const char *const first_names[] = {
	"Anna", "Ben", "Carla", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Liam",
	"Maya", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sami", "Tara", "Uwe", "Vera", "Wei", "Xenia",
	"Yusuf", "Zoe", "Aisha", "Bruno", "Chloe", "Dmitri", "Emma", "Felix", "Hana", "Ivan", "Julia", "Kenji",
	"Lena", "Marco", "Nina", "Omar", "Priya", "Rahul", "Sofia", "Tom", "Ursula", "Victor", "Wanda", "Yara"};
static const char *const last_names[] = {
	"Schmidt", "Smith", "Garcia", "Muller", "Nguyen", "Kowalski", "Rossi", "Patel", "Johnson", "Dubois",
	"Yilmaz", "Novak", "Silva", "Kim", "Fischer", "Brown", "Lopez", "Weber", "Sato", "Ivanova", "Jensen",
	"Okafor", "Meyer", "Wagner", "Costa", "Haddad", "Larsen", "Moreau", "Singh", "Tanaka", "Walker",
	"Hoffmann", "Becker", "Santos", "Khan", "Murphy", "Bauer", "Richter", "Klein", "Wolf", "Schulz",
	"Neumann", "Schwarz", "Zimmermann", "Braun", "Kruger", "Hofmann", "Hartmann"};
static const char *const roles[] = {
	"Backend Engineer", "Frontend Engineer", "Data Scientist", "Data Engineer", "Product Manager",
	"Product Designer", "SRE", "Security Engineer", "Mobile Engineer", "QA Engineer", "Engineering Manager",
	"ML Engineer", "Solutions Architect", "Technical Writer", "Support Engineer", "Sales Engineer",
	"Recruiter", "Analyst", "Platform Engineer", "Staff Engineer"};
static const char *const teams[] = {"Payments", "Search", "Growth", "Core", "Mobile",
                                    "Identity", "Billing", "Infra", "Insights", "Marketplace"};
static const char *const recruiter_handles[N_RECRUITERS] = {"rita", "rob", "rosa", "raj", "rina"};

/* The zone of the Nth of COUNT things spread by the zones' weights. */
static int zone_of(int n, int count)
{
	int cum = 0;
	for (int z = 0; z < N_ZONES; z++) {
		cum += zones[z].weight;
		if (n < count * cum / 100)
			return z;
	}
	return N_ZONES - 1;
}

/* First interviewer index (0-based) of zone Z and how many there are. */
static void zone_range(int z, int *lo, int *n)
{
	int cum = 0;
	for (int i = 0; i < z; i++)
		cum += zones[i].weight;
	*lo = N_INTERVIEWERS * cum / 100;
	*n = N_INTERVIEWERS * (cum + zones[z].weight) / 100 - *lo;
}

static int job_zone(int job) { return zone_of(job, N_JOBS); }

/* The Mth interviewer (0-based index) of JOB's pool: POOL neighbours from the job's zone,
 * the zone's jobs laid side by side around its interviewers, so that everyone sits in
 * two or three pools. */
static int pool_member(int job, int m)
{
	int z = job_zone(job), first = job, lo, n;
	while (first > 0 && job_zone(first - 1) == z)
		first--;
	zone_range(z, &lo, &n);
	return lo + ((job - first) * POOL + m) % n;
}

static int64_t interviewer_id(int k) { return N_RECRUITERS + 1 + k; }

static void job_title(int job, char *buf, size_t len)
{
	snprintf(buf, len, "%s (%s)", roles[job % COUNT(roles)], teams[job / COUNT(roles) % COUNT(teams)]);
}

/* ---- calendar: days since the epoch, offsets per zone and day ---- */

static int wday_of(int64_t day) { return (int)((day % 7 + 11) % 7); } /* 0 = Sunday */

/* N working days (Monday to Friday) after DAY. */
static int64_t add_workdays(int64_t day, int n)
{
	while (n > 0)
		if (wday_of(++day) != 0 && wday_of(day) != 6)
			n--;
	return day;
}

/* A working day of DAY's week, each equally likely. */
static int64_t some_workday_of_week(struct rng *r, int64_t day)
{
	return day - (wday_of(day) + 6) % 7 + below(r, 5);
}

/* Proleptic-Gregorian date of DAY (H. Hinnant's civil_from_days). */
static void civil(int64_t day, int *y, int *m, int *d)
{
	int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* UTC offsets of each zone at noon of each day of the generated range: working hours
 * never fall in a DST change, so one offset per local day is exact for them. */
struct offsets {
	int64_t first;
	int ndays;
	int *off[N_ZONES];
};

static int offsets_init(struct offsets *o, int64_t first, int ndays)
{
	o->first = first;
	o->ndays = ndays;
	for (int z = 0; z < N_ZONES; z++) {
		if (!(o->off[z] = malloc((size_t)ndays * sizeof(int))))
			return -1;
		for (int d = 0; d < ndays; d++) {
			struct tz_local l;
			if (tz_from_utc(zones[z].name, (time_t)((first + d) * 86400 + 43200), &l, &o->off[z][d]) != TZ_OK)
				return -1;
		}
	}
	return 0;
}

static void offsets_free(struct offsets *o)
{
	for (int z = 0; z < N_ZONES; z++)
		free(o->off[z]);
}

static int64_t local_to_utc(const struct offsets *o, int z, int64_t day, int minute_of_day)
{
	int64_t i = day - o->first;
	int off = o->off[z][i < 0 ? 0 : i >= o->ndays ? o->ndays - 1 : i];
	return day * 86400 + minute_of_day * 60 - off;
}

/* A working-hours start, local minutes after midnight. */
static int work_minute(struct rng *r)
{
	static const int hour_w[] = {10, 14, 14, 6, 10, 14, 14, 12, 6}; /* 9:00 .. 17:00 */
	static const int min_w[] = {60, 5, 30, 5};                      /* :00 :15 :30 :45 */
	return (9 + WEIGHTED(r, hour_w)) * 60 + 15 * WEIGHTED(r, min_w);
}

/* ---- the generator: a plan in memory, sorted by creation, then written ---- */

struct gen_row {
	int64_t start, created, updated, started, completed;
	int32_t cand;
	int32_t link;       /* index of the replacement (rescheduled) or the original (replacement); -1 */
	int16_t job, panel[3];
	uint8_t npanel, dur, type, status, round, is_repl, room, zone;
};

struct gen {
	struct rng r;
	int64_t now, today;
	struct offsets off;
	struct gen_row *rows;
	int nrows;
	int64_t *cand_created;
};

static int pick_type(struct rng *r, int round, int rounds)
{
	static const int first_w[] = {60, 30, 0, 0, 10, 0};
	static const int mid_w[] = {0, 35, 20, 35, 10, 0};
	static const int last_w[] = {0, 0, 25, 0, 15, 60};
	if (round == 1)
		return WEIGHTED(r, first_w);
	return round == rounds && rounds >= 3 ? WEIGHTED(r, last_w) : WEIGHTED(r, mid_w);
}

static int pick_duration(struct rng *r, int type)
{
	static const int durations[] = {30, 45, 60, 90};
	static const int w[TYPE_COUNT][4] = {
		[TYPE_PHONE] = {70, 30, 0, 0},     [TYPE_VIDEO] = {10, 40, 50, 0}, [TYPE_IN_PERSON] = {0, 0, 60, 40},
		[TYPE_TECHNICAL] = {0, 0, 50, 50}, [TYPE_HR] = {60, 40, 0, 0},     [TYPE_FINAL] = {0, 30, 40, 30},
	};
	return durations[weighted(r, w[type], 4)];
}

static int panel_size(struct rng *r, int type)
{
	switch (type) {
	case TYPE_PHONE:
	case TYPE_HR: return 1;
	case TYPE_VIDEO: return below(r, 10) < 7 ? 1 : 2;
	case TYPE_TECHNICAL: return below(r, 10) < 6 ? 2 : 3;
	default: return below(r, 2) ? 2 : 3;
	}
}

static void pick_panel(struct rng *r, int job, int n, int16_t *out)
{
	int m[3];
	for (int i = 0; i < n; i++) {
		int again;
		do {
			m[i] = below(r, POOL);
			again = 0;
			for (int j = 0; j < i; j++)
				again |= m[j] == m[i];
		} while (again);
		out[i] = (int16_t)pool_member(job, m[i]);
	}
}

/* Status and lifecycle times of a row that was neither rescheduled nor cancelled, from
 * where its time lies relative to now. */
static void settle(struct gen *g, struct gen_row *w)
{
	int64_t end = w->start + w->dur * 60;
	w->updated = w->created;
	if (end <= g->now) {
		w->status = ST_COMPLETED;
		w->started = w->start + below(&g->r, 300);
		w->completed = end - 300 + below(&g->r, 900);
		w->updated = w->completed;
	} else if (w->start <= g->now && below(&g->r, 100) < 85) {
		w->status = ST_IN_PROGRESS;
		w->started = w->start + below(&g->r, 300);
		w->updated = w->started;
	} else {
		w->status = ST_SCHEDULED;
	}
}

static struct gen_row *new_row(struct gen *g, int cand, int job, int64_t day, int round, int type,
                               const int16_t *panel, int npanel)
{
	struct gen_row *w = &g->rows[g->nrows++];
	memset(w, 0, sizeof *w);
	w->zone = (uint8_t)job_zone(job);
	w->start = local_to_utc(&g->off, w->zone, day, work_minute(&g->r));
	w->cand = cand;
	w->link = -1;
	w->job = (int16_t)job;
	w->round = (uint8_t)round;
	w->type = (uint8_t)type;
	w->dur = (uint8_t)pick_duration(&g->r, type);
	w->npanel = (uint8_t)npanel;
	memcpy(w->panel, panel, (size_t)npanel * sizeof *panel);
	w->room = type == TYPE_IN_PERSON || type == TYPE_FINAL ? (uint8_t)(1 + below(&g->r, 12)) : 0;
	w->created = w->start - (1 + below(&g->r, 14)) * 86400LL - below(&g->r, 86400);
	return w;
}

/* One candidate's rounds: ROUNDS of them from FIRST_DAY, with the rounds in RESCHED
 * (bit r-1) rescheduled once, and the last one cancelled when CANCEL. */
static void gen_candidate(struct gen *g, int cand, int64_t first_day, int rounds, unsigned resched, int cancel)
{
	int job = below(&g->r, N_JOBS);
	int64_t day = some_workday_of_week(&g->r, first_day), first_created = INT64_MAX;
	for (int round = 1; round <= rounds; round++) {
		int type = pick_type(&g->r, round, rounds);
		int16_t panel[3];
		int np = panel_size(&g->r, type);
		pick_panel(&g->r, job, np, panel);
		struct gen_row *w = new_row(g, cand, job, day, round, type, panel, np);
		if (w->created < first_created)
			first_created = w->created;
		if (resched & (1u << (round - 1))) {
			int orig = g->nrows - 1;
			day = add_workdays(day, 1 + below(&g->r, 5));
			struct gen_row *n = new_row(g, cand, job, day, round, type, panel, np);
			struct gen_row *o = &g->rows[orig];
			n->created = o->start - 3600 - below(&g->r, 72000);
			if (n->created < o->created + 600)
				n->created = o->created + 600;
			n->is_repl = 1;
			n->link = orig;
			o->link = g->nrows - 1;
			o->status = ST_RESCHEDULED;
			o->updated = n->created;
			settle(g, n);
		} else if (cancel && round == rounds) {
			w->status = ST_CANCELLED;
			w->updated = w->start - 3600 - below(&g->r, 3 * 86400);
			if (w->updated < w->created)
				w->updated = w->created;
		} else {
			settle(g, w);
		}
		day = add_workdays(day, 2 + below(&g->r, 6));
	}
	g->cand_created[cand] = first_created - 3600;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Rounds per candidate (1-6, mean 3.15) and which are rescheduled (6 %), nudged so the
 * rows add up to exactly N_INTERVIEWS. */
static void plan_rounds(struct gen *g, uint8_t *rounds, uint8_t *resched, uint8_t *cancel)
{
	static const int rounds_w[] = {18, 20, 22, 18, 13, 9};
	long total = 0;
	for (int c = 0; c < N_CANDIDATES; c++) {
		rounds[c] = (uint8_t)(1 + WEIGHTED(&g->r, rounds_w));
		resched[c] = 0;
		for (int k = 0; k < rounds[c]; k++)
			if (below(&g->r, 100) < 6)
				resched[c] |= (uint8_t)(1u << k);
		cancel[c] = below(&g->r, 100) < 8;
		total += rounds[c] + __builtin_popcount(resched[c]);
	}
	while (total < N_INTERVIEWS) {
		int c = below(&g->r, N_CANDIDATES), k = below(&g->r, rounds[c]);
		if (!(resched[c] & (1u << k))) {
			resched[c] |= (uint8_t)(1u << k);
			total++;
		}
	}
	while (total > N_INTERVIEWS) {
		int c = below(&g->r, N_CANDIDATES);
		if (resched[c]) {
			resched[c] &= (uint8_t)(resched[c] - 1);
			total--;
		}
	}
}

static int gen_plan(struct gen *g)
{
	uint8_t *rounds = malloc(N_CANDIDATES), *resched = malloc(N_CANDIDATES), *cancel = malloc(N_CANDIDATES);
	int64_t *first = malloc(N_CANDIDATES * sizeof *first);
	g->rows = malloc(N_INTERVIEWS * sizeof *g->rows);
	g->cand_created = malloc(N_CANDIDATES * sizeof *g->cand_created);
	int rc = -1;
	if (!rounds || !resched || !cancel || !first || !g->rows || !g->cand_created)
		goto out;
	plan_rounds(g, rounds, resched, cancel);
	/* Candidates are numbered in the order they came: by their first day. */
	for (int c = 0; c < N_CANDIDATES; c++)
		first[c] = g->today - SPAN_DAYS - 7 + below(&g->r, 2 * SPAN_DAYS - 14);
	qsort(first, N_CANDIDATES, sizeof *first, cmp_i64);
	for (int c = 0; c < N_CANDIDATES; c++)
		gen_candidate(g, c, first[c], rounds[c], resched[c], cancel[c] && !resched[c]);
	rc = g->nrows == N_INTERVIEWS ? 0 : -1;
out:
	free(rounds);
	free(resched);
	free(cancel);
	free(first);
	return rc;
}

/* ---- writing the plan ---- */

struct loader {
	sqlite3 *db;
	sqlite3_stmt *person, *job, *cand, *iv, *panel, *fb;
	struct gen *g;
	int64_t nfeedback, npanel;
};

static int sql_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "bench: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

static int step_done(sqlite3 *db, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE)
		return 0;
	fprintf(stderr, "bench: insert: %s\n", sqlite3_errmsg(db));
	return -1;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void bind_time(sqlite3_stmt *s, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int load_people(struct loader *l)
{
	char name[128], email[128], handle[16];
	int64_t created = l->g->now - 4 * 365 * 86400LL;
	for (int i = 0; i < N_RECRUITERS + N_INTERVIEWERS; i++) {
		int k = i - N_RECRUITERS, z = k < 0 ? 0 : zone_of(k, N_INTERVIEWERS);
		const char *fn = first_names[i % COUNT(first_names)];
		const char *ln = last_names[(i / COUNT(first_names) + i) % COUNT(last_names)];
		if (k < 0)
			snprintf(handle, sizeof handle, "%s", recruiter_handles[i]);
		else
			snprintf(handle, sizeof handle, "i%04d", k + 1);
		snprintf(name, sizeof name, "%s %s", fn, ln);
		snprintf(email, sizeof email, "%s@corp.example", handle);
		sqlite3_bind_int64(l->person, 1, i + 1);
		sqlite3_bind_text(l->person, 2, handle, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(l->person, 3, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(l->person, 4, email, -1, SQLITE_TRANSIENT);
		bind_text(l->person, 5, zones[z].stored);
		sqlite3_bind_text(l->person, 6, k < 0 ? "recruiter" : "interviewer", -1, SQLITE_STATIC);
		sqlite3_bind_int64(l->person, 7, created);
		if (step_done(l->db, l->person) < 0)
			return -1;
	}
	for (int j = 0; j < N_JOBS; j++) {
		char title[128];
		job_title(j, title, sizeof title);
		sqlite3_bind_int64(l->job, 1, j + 1);
		sqlite3_bind_text(l->job, 2, title, -1, SQLITE_TRANSIENT);
		if (step_done(l->db, l->job) < 0)
			return -1;
	}
	return 0;
}

/* Candidate C's name and email, the same in the generator and the benchmark. */
static void candidate_name(int c, char *name, size_t nlen, char *email, size_t elen)
{
	uint64_t h = (uint64_t)c * 0x9e3779b97f4a7c15ULL;
	const char *fn = first_names[(h >> 20) % COUNT(first_names)];
	const char *ln = last_names[(h >> 40) % COUNT(last_names)];
	snprintf(name, nlen, "%s %s", fn, ln);
	snprintf(email, elen, "%s.%s.%d@mail.example", fn, ln, c + 1);
	for (char *p = email; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

static int load_candidates(struct loader *l)
{
	char name[128], email[128];
	for (int c = 0; c < N_CANDIDATES; c++) {
		candidate_name(c, name, sizeof name, email, sizeof email);
		sqlite3_bind_int64(l->cand, 1, c + 1);
		sqlite3_bind_text(l->cand, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(l->cand, 3, email, -1, SQLITE_TRANSIENT);
		bind_text(l->cand, 4, below(&l->g->r, 100) < 20 ? zones[zone_of(c % 100, 100)].stored : NULL);
		sqlite3_bind_int64(l->cand, 5, l->g->cand_created[c]);
		if (step_done(l->db, l->cand) < 0)
			return -1;
	}
	return 0;
}

static int load_feedback(struct loader *l, int64_t id, const struct gen_row *w)
{
	static const char *const open[] = {"Strong fundamentals", "Solid communication", "Good problem decomposition",
	                                   "Struggled with the design part", "Clear, structured answers",
	                                   "Needed hints on the algorithm", "Deep knowledge of the domain",
	                                   "Rusty on the basics"};
	static const char *const mid[] = {"; wrote clean, tested code", "; asked good questions about the team",
	                                  "; slow on the follow-up questions", "; explained trade-offs well",
	                                  "; the take-home was thorough", "; good ownership stories"};
	static const char *const end[] = {". Would like a second opinion on the level.", ". Recommend moving forward.",
	                                  ". Not a fit for this level.", ". Would enjoy working with them."};
	static const char *const sources[] = {"chat", "email", "api"};
	static const int source_w[] = {60, 35, 5}, rating_w[] = {5, 15, 30, 35, 15}, rec_w[] = {40, 15, 30, 15};
	for (int i = 0; i < w->npanel; i++) {
		if (below(&l->g->r, 100) >= 90)
			continue;
		char text[256];
		snprintf(text, sizeof text, "%s%s%s", open[below(&l->g->r, (int)COUNT(open))],
		         mid[below(&l->g->r, (int)COUNT(mid))], end[below(&l->g->r, (int)COUNT(end))]);
		int64_t at = w->completed + 600 + below(&l->g->r, 3 * 86400);
		sqlite3_bind_int64(l->fb, 1, id);
		sqlite3_bind_int64(l->fb, 2, interviewer_id(w->panel[i]));
		sqlite3_bind_int(l->fb, 3, 1 + WEIGHTED(&l->g->r, rating_w));
		sqlite3_bind_text(l->fb, 4, store_rec_name((enum store_rec)(1 + WEIGHTED(&l->g->r, rec_w))), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(l->fb, 5, text, -1, SQLITE_TRANSIENT);
		bind_text(l->fb, 6, below(&l->g->r, 100) < 15 ? "see the take-home review in the ATS" : NULL);
		sqlite3_bind_text(l->fb, 7, sources[WEIGHTED(&l->g->r, source_w)], -1, SQLITE_STATIC);
		sqlite3_bind_int64(l->fb, 8, at);
		if (step_done(l->db, l->fb) < 0)
			return -1;
		l->nfeedback++;
	}
	return 0;
}

static int load_panel(struct loader *l, int64_t id, const struct gen_row *w)
{
	for (int i = 0; i < w->npanel; i++) {
		sqlite3_bind_int64(l->panel, 1, id);
		sqlite3_bind_int64(l->panel, 2, interviewer_id(w->panel[i]));
		sqlite3_bind_int(l->panel, 3, i);
		sqlite3_bind_int64(l->panel, 4, w->start);
		sqlite3_bind_int64(l->panel, 5, w->start + w->dur * 60);
		if (step_done(l->db, l->panel) < 0)
			return -1;
		l->npanel++;
	}
	return 0;
}

static int load_interview(struct loader *l, int64_t id, const struct gen_row *w, int64_t link_id)
{
	char loc[96] = "", link[96] = "", key[96] = "";
	if (w->room) {
		snprintf(loc, sizeof loc, "%s, Room %d.%02d", zones[w->zone].office, 1 + w->room / 5, w->room);
		store_location_key(loc, key, sizeof key); /* what the app writes for the room */
	} else if (w->type != TYPE_PHONE) {
		snprintf(link, sizeof link, "https://meet.example.com/%08llx", (unsigned long long)(id * 2654435761u));
	}
	sqlite3_stmt *s = l->iv;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, w->cand + 1);
	sqlite3_bind_int64(s, 3, w->job + 1);
	sqlite3_bind_int64(s, 4, w->start);
	sqlite3_bind_int(s, 5, w->dur);
	sqlite3_bind_text(s, 6, store_type_name((enum store_type)w->type), -1, SQLITE_STATIC);
	bind_text(s, 7, loc);
	bind_text(s, 8, key);
	bind_text(s, 9, link);
	bind_text(s, 10, id % 10 == 0 ? "bring the portfolio" : NULL);
	sqlite3_bind_text(s, 11, store_status_name((enum store_status)w->status), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 12, w->round);
	sqlite3_bind_int64(s, 13, 1 + id % N_RECRUITERS);
	bind_text(s, 14, w->status == ST_CANCELLED ? "candidate withdrew" : NULL);
	bind_time(s, 15, w->is_repl ? link_id : 0);
	bind_time(s, 16, w->is_repl ? 0 : link_id);
	/* Chains are one reschedule long: the replacement's root is the original, and each
	 * reschedule or cancellation raises the calendar sequence (commands/schedule.c). */
	bind_time(s, 21, w->is_repl ? link_id : 0);
	sqlite3_bind_int(s, 22, w->is_repl + (w->status == ST_CANCELLED));
	bind_time(s, 17, w->started);
	bind_time(s, 18, w->completed);
	sqlite3_bind_int64(s, 19, w->created);
	sqlite3_bind_int64(s, 20, w->updated);
	if (step_done(l->db, s) < 0 || load_panel(l, id, w) < 0)
		return -1;
	return w->status == ST_COMPLETED ? load_feedback(l, id, w) : 0;
}

struct order {
	int64_t created;
	int32_t idx;
};

static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	if (x->created != y->created)
		return (x->created > y->created) - (x->created < y->created);
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Interviews get ids in the order they were created, as they would in production. */
static int load_interviews(struct loader *l)
{
	struct gen *g = l->g;
	struct order *ord = malloc((size_t)g->nrows * sizeof *ord);
	int32_t *id_of = malloc((size_t)g->nrows * sizeof *id_of);
	int rc = -1;
	if (!ord || !id_of)
		goto out;
	for (int i = 0; i < g->nrows; i++)
		ord[i] = (struct order){g->rows[i].created, i};
	qsort(ord, (size_t)g->nrows, sizeof *ord, cmp_order);
	for (int i = 0; i < g->nrows; i++)
		id_of[ord[i].idx] = i + 1;
	for (int i = 0; i < g->nrows; i++) {
		const struct gen_row *w = &g->rows[ord[i].idx];
		if (i % 100000 == 0 && i && (sql_exec(l->db, "COMMIT") < 0 || sql_exec(l->db, "BEGIN") < 0))
			goto out;
		if (load_interview(l, i + 1, w, w->link >= 0 ? id_of[w->link] : 0) < 0)
			goto out;
	}
	rc = 0;
out:
	free(ord);
	free(id_of);
	return rc;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(db, sql, -1, s, NULL) == SQLITE_OK)
		return 0;
	fprintf(stderr, "bench: prepare %s: %s\n", sql, sqlite3_errmsg(db));
	return -1;
}

static int loader_prepare(struct loader *l)
{
	const struct {
		sqlite3_stmt **stmt;
		const char *sql;
	} all[] = {
		{&l->person, "INSERT INTO people (id, handle, name, email, tz, role, created_at) "
		             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
		{&l->job, "INSERT INTO jobs (id, title) VALUES (?1, ?2)"},
		{&l->cand, "INSERT INTO candidates (id, name, email, tz, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"},
		{&l->iv, "INSERT INTO interviews (id, candidate_id, job_id, start_utc, duration_min, type, location, "
		         "location_key, meeting_link, notes, status, round, created_by, cancel_reason, rescheduled_from, "
		         "rescheduled_to, started_at, completed_at, created_at, updated_at, root_id, sequence) VALUES (?1, "
		         "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"},
		{&l->panel, "INSERT INTO panel (interview_id, person_id, position, start_utc, end_utc) "
		            "VALUES (?1, ?2, ?3, ?4, ?5)"},
		{&l->fb, "INSERT INTO feedback (interview_id, person_id, rating, recommendation, feedback, notes, source, "
		         "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"},
	};
	for (size_t i = 0; i < COUNT(all); i++)
		if (prepare(l->db, all[i].sql, all[i].stmt) < 0)
			return -1;
	return 0;
}

static void loader_finish(struct loader *l)
{
	sqlite3_stmt *all[] = {l->person, l->job, l->cand, l->iv, l->panel, l->fb};
	for (size_t i = 0; i < COUNT(all); i++)
		sqlite3_finalize(all[i]);
	sqlite3_close(l->db);
}

/* The status_counts rows the triggers kept must equal a count of the rows. */
static int check_counts(sqlite3 *db)
{
	sqlite3_stmt *s;
	int bad = 0;
	if (prepare(db, "SELECT c.status, c.n, (SELECT count(*) FROM interviews i WHERE i.status = c.status) "
	                "FROM status_counts c", &s) < 0)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW)
		if (sqlite3_column_int64(s, 1) != sqlite3_column_int64(s, 2)) {
			fprintf(stderr, "bench: status_counts says %lld %s, the table has %lld\n",
			        (long long)sqlite3_column_int64(s, 1), sqlite3_column_text(s, 0),
			        (long long)sqlite3_column_int64(s, 2));
			bad = 1;
		}
	sqlite3_finalize(s);
	return bad ? -1 : 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Writes the store to PATH: the schema through store_open (the migrations), then the rows
 * with plain SQL in a few big transactions, journal off (a crash here only loses a file
 * the next run rebuilds). */
static int generate(const char *path, time_t now)
{
	char err[512];
	struct store *st = store_open(path, err, sizeof err);
	if (!st) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	store_close(st);
	struct gen g = {.r = {0x1d5a7c0ffee + GEN_VERSION}, .now = now, .today = now / 86400};
	struct loader l = {.g = &g};
	struct timespec t0;
	int rc = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (offsets_init(&g.off, g.today - SPAN_DAYS - 30, 2 * SPAN_DAYS + 120) < 0 || gen_plan(&g) < 0) {
		fprintf(stderr, "bench: could not plan the data\n");
		goto out;
	}
	printf("  planned %d interviews of %d candidates in %.1f s\n", g.nrows, N_CANDIDATES, seconds_since(&t0));
	if (sqlite3_open_v2(path, &l.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sql_exec(l.db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; "
	                   "PRAGMA locking_mode = EXCLUSIVE; PRAGMA temp_store = MEMORY") < 0 ||
	    loader_prepare(&l) < 0 || sql_exec(l.db, "BEGIN") < 0 || load_people(&l) < 0 || load_candidates(&l) < 0 ||
	    load_interviews(&l) < 0 || sql_exec(l.db, "COMMIT") < 0 || check_counts(l.db) < 0 ||
	    sql_exec(l.db, "PRAGMA journal_mode = WAL") < 0)
		goto out;
	printf("  wrote %d interviews, %lld panel rows, %lld feedback rows in %.1f s\n", g.nrows, (long long)l.npanel,
	       (long long)l.nfeedback, seconds_since(&t0));
	rc = 0;
out:
	loader_finish(&l);
	offsets_free(&g.off);
	free(g.rows);
	free(g.cand_created);
	return rc;
}

/* ---- the cache ---- */

/* FNV-1a of every migration: a cached store made under another schema is rebuilt. */
extern const char *const store_migrations[];

static uint32_t schema_hash(void)
{
	uint32_t h = 2166136261u;
	for (int i = 0; store_migrations[i]; i++)
		for (const char *p = store_migrations[i]; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

static int64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

/* Removes cached stores of other generator versions or schemas from DIR. */
static void prune_cache(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[DIR_MAX + 300];
	if (!d)
		return;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "store-", 6) == 0 && strcmp(e->d_name, keep) != 0) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (unlink(path) == 0)
				printf("  removed the stale cache %s\n", path);
		}
	closedir(d);
}

static int copy_file(const char *from, const char *to)
{
	static char buf[1 << 20];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n = 0;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	int rc = in >= 0 && out >= 0 && n == 0 ? 0 : -1;
	if (rc < 0)
		fprintf(stderr, "bench: copying %s to %s: %s\n", from, to, strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		rc = -1;
	return rc;
}

/* ---- the machine ---- */

/* Other work on the machine shows up in the wall-clock p99: say how busy it was. */
static void print_load(const char *when)
{
	double l1, l5, l15;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f && fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
		printf("load average %s: %.2f %.2f %.2f (%ld cores)\n", when, l1, l5, l15, sysconf(_SC_NPROCESSORS_ONLN));
	if (f)
		fclose(f);
}

static void machine_facts(void)
{
	char line[512], model[512] = "unknown";
	long mem_kb = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "model name", 10) == 0) {
			char *v = strchr(line, ':');
			snprintf(model, sizeof model, "%s", v ? v + 2 : line);
			model[strcspn(model, "\n")] = 0;
			break;
		}
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "MemTotal: %ld kB", &mem_kb) == 1)
			break;
	if (f)
		fclose(f);
	printf("machine: nproc %ld, CPU \"%s\", %.1f GiB RAM; SQLite %s; cc %s%s\n", sysconf(_SC_NPROCESSORS_ONLN),
	       model, (double)mem_kb / 1048576.0, sqlite3_libversion(), __VERSION__,
#ifdef __OPTIMIZE__
	       " (optimised)"
#else
	       " (NOT optimised: numbers are pessimistic)"
#endif
	);
	print_load("at start");
}

/* ---- the measurement ---- */

#define MAX_TEXT 1024

struct bench {
	struct store *st;
	struct cmd_settings set;
	time_t now;
	struct rng r;
	struct store_person recruiter;
	struct store_person *interviewers; /* N_INTERVIEWERS, by index */
	char (*histories)[256];            /* emails of candidates with several rounds */
	int nhistories;
	int64_t *busy_start;               /* future scheduled interviews: start and a panelist */
	int *busy_person;
	int nbusy;
	int new_candidates, conflicts;     /* schedule: how many were new, how many clashed */
};

struct sample {
	const char *name;
	int n, bad;
	int64_t *ns;  /* wall time (CLOCK_MONOTONIC) of each run: what the goal is about */
	int64_t *cpu; /* this thread's CPU time of each run: the same minus waiting for a core */
	char first_bad[512];
};

/* What a run's reply must be; anything else is counted and shown, and fails the bench. */
enum expect { EXPECT_OK, EXPECT_SCHEDULED, EXPECT_REFUSED };

/* Writes the command text of run I into TEXT (MAX_TEXT bytes). */
typedef void (*make_fn)(struct bench *b, int i, char *text);

enum actor { BY_RECRUITER, BY_INTERVIEWER }; /* rita, or an interviewer drawn anew each run */

/* One row of the table: a fixed TEXT, or MAKE for texts that vary. VIA "slack" runs
 * carry an idempotency key, as Slack events do (the key is checked and recorded). */
struct bench_case {
	const char *name;
	const char *text;
	make_fn make;
	enum actor actor;
	const char *via;
	enum expect expect;
};

static int as_expected(struct bench *b, enum expect e, int rc, const struct cmd_reply *r)
{
	switch (e) {
	case EXPECT_OK: return rc == 0;
	case EXPECT_REFUSED: return rc < 0 && r->kind == REPLY_ERROR && r->nitems > 0;
	case EXPECT_SCHEDULED: break;
	}
	for (int i = 0; i < r->nnotes; i++) {
		if (strncmp(r->notes[i], "scheduled over ", 15) == 0)
			b->conflicts++;
		if (strncmp(r->notes[i], "new candidate", 13) == 0)
			b->new_candidates++;
	}
	return rc == 0 && r->kind == REPLY_INTERVIEW;
}

static int64_t elapsed_ns(const struct timespec *a, const struct timespec *z)
{
	return (int64_t)(z->tv_sec - a->tv_sec) * 1000000000LL + (z->tv_nsec - a->tv_nsec);
}

/* One timed execution: cmd_execute + render_json, what stands between a typed command
 * and its reply (freeing them happens after the reply is sent, so it is not timed).
 * Sets *CPU to the thread's CPU time of it; returns the wall time. */
static int64_t run_once(struct bench *b, const struct cmd_request *req, enum expect e, struct sample *s,
                        int64_t *cpu)
{
	struct cmd_reply r;
	struct timespec t0, t1, c0, c1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = cmd_execute(b->st, &b->set, req, &r);
	char *json = render_json(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	if ((!as_expected(b, e, rc, &r) || !json) && !s->bad++)
		snprintf(s->first_bad, sizeof s->first_bad, "%s => %.300s", req->text, json ? json : "render_json failed");
	free(json);
	cmd_reply_free(&r);
	*cpu = elapsed_ns(&c0, &c1);
	return elapsed_ns(&t0, &t1);
}

/* WARMUP untimed runs, then N timed ones into S. */
static void measure(struct bench *b, const struct bench_case *bc, struct sample *s, int warmup, int n)
{
	char text[MAX_TEXT], key[64];
	s->name = bc->name;
	s->n = n;
	s->ns = malloc((size_t)n * sizeof *s->ns);
	s->cpu = malloc((size_t)n * sizeof *s->cpu);
	for (int i = 0; i < warmup + n && s->ns && s->cpu; i++) {
		struct cmd_request req = {.text = text, .via = bc->via, .now = b->now};
		int64_t cpu;
		req.actor = bc->actor == BY_RECRUITER ? b->recruiter : b->interviewers[below(&b->r, N_INTERVIEWERS)];
		if (strcmp(bc->via, "slack") == 0) {
			snprintf(key, sizeof key, "bench-%s-%d", bc->name, i);
			req.key = key;
		}
		if (bc->make)
			bc->make(b, i, text);
		else
			snprintf(text, sizeof text, "%s", bc->text);
		int64_t ns = run_once(b, &req, bc->expect, s, &cpu);
		if (i % 64 == 63) /* untimed, about every 1000 WAL pages of schedule: the mail thread's job */
			store_checkpoint(b->st);
		if (i >= warmup) {
			s->ns[i - warmup] = ns;
			s->cpu[i - warmup] = cpu;
		}
	}
}

/* The history of a candidate with several rounds, a different one each run. */
static void make_candidate(struct bench *b, int i, char *text)
{
	snprintf(text, MAX_TEXT, "candidate %s", b->histories[i % b->nhistories]);
}

/* A Berlin working-hours time 1 to 30 working days ahead, as people type it. */
static void future_when(struct bench *b, char *buf, size_t len)
{
	int64_t day = add_workdays(b->now / 86400, 1 + below(&b->r, 30));
	int y, m, d, minute = work_minute(&b->r);
	civil(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", y, m, d, minute / 60, minute % 60);
}

/* schedule, as a recruiter on Slack types it: half new candidates, half known ones
 * (by "Name <email>" or the bare email), a panel from the job's pool, the job's kind of
 * place; force:yes so it commits when it clashes (the check runs either way). */
static void make_schedule(struct bench *b, int i, char *text)
{
	static const char *const types[] = {"phone", "video", "technical", "in_person", "hr", "final"};
	static const char *const durations[] = {"30m", "45m", "60m", "90m"};
	char cand[300], when[32], title[128], with[64], place[160];
	int job = below(&b->r, N_JOBS), type = below(&b->r, (int)COUNT(types)), np = 1 + below(&b->r, 3);
	int16_t panel[3];
	int kind = below(&b->r, 4);
	if (kind < 2) {
		char fn[64];
		snprintf(fn, sizeof fn, "%s", first_names[below(&b->r, (int)COUNT(first_names))]);
		snprintf(cand, sizeof cand, "candidate:\"%s Newcomer <bench.%d@new.example>\"", fn, i);
	} else {
		char name[128], email[128];
		candidate_name(below(&b->r, N_CANDIDATES), name, sizeof name, email, sizeof email);
		if (kind == 2)
			snprintf(cand, sizeof cand, "candidate:\"%s <%s>\" round:%d", name, email, 2 + below(&b->r, 3));
		else
			snprintf(cand, sizeof cand, "candidate:%s round:%d", email, 2 + below(&b->r, 3));
	}
	pick_panel(&b->r, job, np, panel);
	int off = snprintf(with, sizeof with, "with:");
	for (int k = 0; k < np; k++)
		off += snprintf(with + off, sizeof with - (size_t)off, "%si%04d", k ? "," : "", panel[k] + 1);
	if (strcmp(types[type], "in_person") == 0 || strcmp(types[type], "final") == 0)
		snprintf(place, sizeof place, "location:\"%s, Room %d.%02d\"", zones[job_zone(job)].office,
		         1 + below(&b->r, 3), 1 + below(&b->r, 12));
	else
		snprintf(place, sizeof place, "link:https://meet.example.com/b%06d", i);
	future_when(b, when, sizeof when);
	job_title(job, title, sizeof title);
	snprintf(text, MAX_TEXT, "schedule %s job:\"%s\" when:\"%s\" duration:%s type:%s %s %s force:yes", cand,
	         title, when, durations[below(&b->r, 4)], types[type], with, place);
}

/* schedule onto a panelist's existing interview without force: refused, with the
 * conflicting interviews loaded into the reply; nothing is written. */
static void make_refused(struct bench *b, int i, char *text)
{
	char when[64];
	int k = i % b->nbusy;
	tzfmt("Europe/Berlin", (time_t)b->busy_start[k], TZF_ISO, when, sizeof when);
	snprintf(text, MAX_TEXT, "schedule candidate:\"Refused Person <refused.%d@new.example>\" when:\"%s\" "
	                         "duration:60m with:i%04d", i, when, b->busy_person[k] + 1);
}

/* ---- inputs read from the store before the clock runs ---- */

static int pick_inputs(struct bench *b, const char *path, int n)
{
	sqlite3 *db;
	sqlite3_stmt *s = NULL, *q = NULL;
	int rc = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	b->histories = malloc((size_t)n * sizeof *b->histories);
	b->busy_start = malloc((size_t)n * sizeof *b->busy_start);
	b->busy_person = malloc((size_t)n * sizeof *b->busy_person);
	if (!b->histories || !b->busy_start || !b->busy_person ||
	    prepare(db, "SELECT count(*) FROM interviews WHERE candidate_id = ?1", &s) < 0)
		goto out;
	/* Candidates with at least four rows: several rounds, or a reschedule among them. */
	for (int tries = 0; b->nhistories < n && tries < 100 * n; tries++) {
		int c = below(&b->r, N_CANDIDATES);
		sqlite3_bind_int(s, 1, c + 1);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) >= 4) {
			char name[128];
			candidate_name(c, name, sizeof name, b->histories[b->nhistories], sizeof b->histories[0]);
			b->nhistories++;
		}
		sqlite3_reset(s);
	}
	if (prepare(db, "SELECT i.start_utc, p.person_id FROM interviews i JOIN panel p ON p.interview_id = i.id "
	                "WHERE i.start_utc >= ?1 AND i.start_utc < ?2 AND i.status = 'scheduled' "
	                "ORDER BY i.start_utc LIMIT ?3", &q) < 0)
		goto out;
	sqlite3_bind_int64(q, 1, b->now + 86400);
	sqlite3_bind_int64(q, 2, b->now + 30 * 86400);
	sqlite3_bind_int(q, 3, 20 * n);
	for (int k = 0; sqlite3_step(q) == SQLITE_ROW; k++)
		if (k % 20 == 0 && b->nbusy < n) {
			b->busy_start[b->nbusy] = sqlite3_column_int64(q, 0);
			b->busy_person[b->nbusy++] = (int)(sqlite3_column_int64(q, 1) - N_RECRUITERS - 1);
		}
	rc = b->nhistories > 0 && b->nbusy > 0 ? 0 : -1;
out:
	if (rc < 0)
		fprintf(stderr, "bench: cannot read the benchmark's inputs from %s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return rc;
}

static int load_actors(struct bench *b)
{
	char handle[16];
	if (store_person_by_handle(b->st, "rita", &b->recruiter) != 1)
		return -1;
	b->interviewers = calloc(N_INTERVIEWERS, sizeof *b->interviewers);
	for (int k = 0; b->interviewers && k < N_INTERVIEWERS; k++) {
		snprintf(handle, sizeof handle, "i%04d", k + 1);
		if (store_person_by_handle(b->st, handle, &b->interviewers[k]) != 1)
			return -1;
	}
	return b->interviewers ? 0 : -1;
}

/* ---- the report ---- */

static int cmp_ns(const void *a, const void *b) { return cmp_i64(a, b); }

static int64_t pct(const int64_t *v, int n, double q)
{
	int i = (int)ceil(q * n) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static void print_table(struct sample *s, int ns, int *missed, int *bad)
{
	printf("\n%-36s %5s %9s %9s %9s  %-11s %9s %9s\n", "command (cmd_execute + render_json)", "n", "p50 us",
	       "p99 us", "max us", "p99 < 2 ms", "cpu p50", "cpu p99");
	for (int i = 0; i < ns; i++) {
		qsort(s[i].ns, (size_t)s[i].n, sizeof *s[i].ns, cmp_ns);
		qsort(s[i].cpu, (size_t)s[i].n, sizeof *s[i].cpu, cmp_ns);
		int64_t p50 = pct(s[i].ns, s[i].n, 0.50), p99 = pct(s[i].ns, s[i].n, 0.99), max = s[i].ns[s[i].n - 1];
		int ok = p99 < GOAL_NS;
		printf("%-36s %5d %9.1f %9.1f %9.1f  %-11s %9.1f %9.1f\n", s[i].name, s[i].n, (double)p50 / 1e3,
		       (double)p99 / 1e3, (double)max / 1e3, ok ? "yes" : "NO (missed)",
		       (double)pct(s[i].cpu, s[i].n, 0.50) / 1e3, (double)pct(s[i].cpu, s[i].n, 0.99) / 1e3);
		*missed += !ok;
		*bad += s[i].bad > 0;
	}
	for (int i = 0; i < ns; i++)
		if (s[i].bad)
			printf("UNEXPECTED REPLY in %s (%d of %d runs), first: %s\n", s[i].name, s[i].bad, s[i].n,
			       s[i].first_bad);
}

struct options {
	int warmup, iterations, regenerate;
	const char *only;
	char dir[DIR_MAX];
};

static int parse_options(int argc, char **argv, struct options *o)
{
	char self[DIR_MAX];
	if (strlen(argv[0]) + 10 >= sizeof self)
		return -1;
	snprintf(self, sizeof self, "%s", argv[0]);
	snprintf(o->dir, sizeof o->dir, "%s/../bench", dirname(self)); /* $(BUILD)/bench */
	o->warmup = 200;
	o->iterations = 2000;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--regenerate") == 0)
			o->regenerate = 1;
		else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
			o->iterations = atoi(argv[++i]);
		else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
			o->warmup = atoi(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			o->only = argv[++i];
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc && strlen(argv[i + 1]) < sizeof o->dir)
			snprintf(o->dir, sizeof o->dir, "%s", argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--iterations N] [--warmup N] [--only NAME-PREFIX] [--dir DIR] "
			                "[--regenerate]\n", argv[0]);
			return -1;
		}
	}
	if (o->iterations <= 0 || o->warmup < 0)
		return -1;
	if (mkdir(o->dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "bench: cannot create %s: %s\n", o->dir, strerror(errno));
		return -1;
	}
	char *canon = realpath(o->dir, NULL); /* build/tests/../bench reads better as build/bench */
	if (canon && strlen(canon) < sizeof o->dir)
		snprintf(o->dir, sizeof o->dir, "%s", canon);
	free(canon);
	return 0;
}

/* Makes sure the cached store exists (building it if not) and copies it to RUN. */
static int prepare_store(const struct options *o, time_t now, char run[PATH_LEN])
{
	char name[64], cache[PATH_LEN], tmp[PATH_LEN + 8], side[PATH_LEN + 8];
	struct timespec t0;
	snprintf(name, sizeof name, "store-g%d-s%08x.db", GEN_VERSION, schema_hash());
	snprintf(cache, sizeof cache, "%s/%s", o->dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", cache);
	snprintf(run, PATH_LEN, "%s/run.db", o->dir);
	prune_cache(o->dir, name);
	if (o->regenerate)
		unlink(cache);
	if (file_size(cache) > 0) {
		printf("store: reusing the cached %s (generator %d; delete it or pass --regenerate to rebuild)\n", cache,
		       GEN_VERSION);
	} else {
		printf("store: generating %s (generator %d) ...\n", cache, GEN_VERSION);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		unlink(tmp);
		if (generate(tmp, now) < 0 || rename(tmp, cache) < 0) {
			unlink(tmp);
			return -1;
		}
		printf("  load time %.1f s (schema, plan, rows, checks)\n", seconds_since(&t0));
	}
	snprintf(side, sizeof side, "%s-wal", run);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", run);
	unlink(side);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (copy_file(cache, run) < 0)
		return -1;
	printf("store: %.1f MiB; copied to %s in %.1f s (schedule commits go to the copy)\n",
	       (double)file_size(run) / 1048576.0, run, seconds_since(&t0));
	return 0;
}

static void print_store_facts(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM candidates), "
	                           "(SELECT count(*) FROM jobs), (SELECT sum(n) FROM status_counts), "
	                           "(SELECT group_concat(status || ' ' || n, ', ') FROM status_counts), "
	                           "(SELECT count(*) FROM panel), (SELECT count(*) FROM feedback)",
	                       -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		printf("store: %lld people, %lld candidates, %lld jobs, %lld interviews (%s), %lld panel rows, "
		       "%lld feedback rows\n", (long long)sqlite3_column_int64(s, 0), (long long)sqlite3_column_int64(s, 1),
		       (long long)sqlite3_column_int64(s, 2), (long long)sqlite3_column_int64(s, 3),
		       sqlite3_column_text(s, 4), (long long)sqlite3_column_int64(s, 5),
		       (long long)sqlite3_column_int64(s, 6));
	sqlite3_finalize(s);
	sqlite3_close(db);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	char run[PATH_LEN], err[512], now_text[64];
	if (parse_options(argc, argv, &o) < 0 || store_init() < 0)
		return 1;
	tz_init();
	machine_facts();
	time_t now = tz_timegm(&NOW_UTC);
	if (prepare_store(&o, now, run) < 0)
		return 1;
	print_store_facts(run);
	struct bench b = {.set = {.default_tz = "Europe/Berlin", .default_duration = 60, .default_type = TYPE_VIDEO},
	                  .now = now, .r = {42}};
	if (pick_inputs(&b, run, o.iterations + o.warmup) < 0)
		return 1;
	if (!(b.st = store_open(run, err, sizeof err))) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	if (load_actors(&b) < 0) {
		fprintf(stderr, "bench: rita or an interviewer is missing: %s\n", store_error(b.st));
		return 1;
	}
	printf("now: %s (fixed); %d warm-up runs, then %d timed runs per command\n",
	       tzfmt("Europe/Berlin", now, TZF_ISO, now_text, sizeof now_text), o.warmup, o.iterations);
	static const struct bench_case cases[] = {
		{"list today (recruiter rita)", "list today", NULL, BY_RECRUITER, "api", EXPECT_OK},
		{"list today (interviewer, random)", "list today", NULL, BY_INTERVIEWER, "api", EXPECT_OK},
		{"list week (recruiter rita)", "list week", NULL, BY_RECRUITER, "api", EXPECT_OK},
		{"list week (interviewer, random)", "list week", NULL, BY_INTERVIEWER, "api", EXPECT_OK},
		{"candidate EMAIL (4+ rounds)", NULL, make_candidate, BY_RECRUITER, "api", EXPECT_OK},
		{"stats (recruiter rita)", "stats", NULL, BY_RECRUITER, "api", EXPECT_OK},
		{"stats (interviewer, random)", "stats", NULL, BY_INTERVIEWER, "api", EXPECT_OK},
		{"schedule ... force:yes (commits)", NULL, make_schedule, BY_RECRUITER, "slack", EXPECT_SCHEDULED},
		{"schedule onto a conflict (refused)", NULL, make_refused, BY_RECRUITER, "api", EXPECT_REFUSED},
	};
	struct sample s[COUNT(cases)];
	int ns = 0, missed = 0, bad = 0;
	for (size_t i = 0; i < COUNT(cases); i++) {
		if (o.only && strncmp(cases[i].name, o.only, strlen(o.only)) != 0)
			continue;
		s[ns] = (struct sample){0};
		measure(&b, &cases[i], &s[ns], o.warmup, o.iterations);
		if (!s[ns].ns || !s[ns].cpu) {
			fprintf(stderr, "bench: out of memory\n");
			return 1;
		}
		ns++;
	}
	print_table(s, ns, &missed, &bad);
	if (b.conflicts || b.new_candidates)
		printf("schedule: %d of %d runs clashed (conflict noted, forced), %d added a new candidate\n",
		       b.conflicts, o.warmup + o.iterations, b.new_candidates);
	char wal[PATH_LEN + 8];
	snprintf(wal, sizeof wal, "%s-wal", run);
	int64_t walsize = file_size(wal);
	printf("store after the runs: %.1f MiB + %.1f MiB WAL\n", (double)file_size(run) / 1048576.0,
	       (double)(walsize > 0 ? walsize : 0) / 1048576.0);
	print_load("at the end");
	if (!ns)
		printf("nothing measured (--only matched no command)\n");
	else if (missed)
		printf("GOAL MISSED: %d of %d commands have p99 >= 2 ms (see tests/bench/RESULTS.md)\n", missed, ns);
	else
		printf("goal met: every command has p99 < 2 ms\n");
	for (int i = 0; i < ns; i++) {
		free(s[i].ns);
		free(s[i].cpu);
	}
	free(b.interviewers);
	free(b.histories);
	free(b.busy_start);
	free(b.busy_person);
	store_close(b.st);
	return bad ? 1 : 0;
}
