/* bench_replies: how many feedback replies per second one core reads — the whole job the
 * mail poller does for each message it fetches: mail_parse (GMime: headers, MIME, transfer
 * encodings, charsets, the new text) and reply_feedback_parse on the new text. Part of
 * `make bench` through tests/bench/bench_replies.py, which prepares the corpus (the .eml
 * fixtures of tests/mail/replies as they are, the .txt/.html ones wrapped into whole
 * messages) and runs tests/bench/replies_node/bench.js on the same files.
 *
 * usage: bench_replies [--seconds S] [--warmup S] [--dump] DIR
 *
 * Loads every DIR/ *.eml into memory (sorted by name), runs the corpus over and over
 * for --warmup seconds (default 0.5, at least one pass), then again until --seconds
 * (default 3) have passed, timing each message (parse + feedback + free). Prints one
 * JSON line: messages, passes, msgs/s, MB/s, p50/p99/max µs, its own peak RSS, and a
 * checksum of one pass (sum of the ratings found, how many ratings and recommendations
 * were found, bytes of new text) for comparing with the Node side. --dump prints
 * "NAME<TAB>RATING<TAB>RECOMMENDATION<TAB>NEW TEXT BYTES" for each file
 * instead, and measures nothing.
 * Exits 1 if a file cannot be read or a message cannot be parsed. */
#include "mail/parse.h"
#include "mail/reply.h"
#include "store/store.h"

#include <dirent.h>
#include <gmime/gmime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *const rec_names[] = {"none", "proceed", "hire", "reject", "maybe"};

struct file {
	char *name; /* without .eml */
	char *data;
	size_t len;
};

struct checksum {
	long rating_sum, ratings, recs, new_bytes;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->name, ((const struct file *)b)->name);
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 8192, n = 0, got;
	char *s = malloc(cap);
	while (s && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			char *t = realloc(s, cap * 2);
			if (!t) {
				free(s);
				s = NULL;
				break;
			}
			s = t;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(s);
		s = NULL;
	}
	fclose(f);
	if (s) {
		s[n] = 0;
		*len = n;
	}
	return s;
}

/* Every DIR/ *.eml, sorted by name; the count, or -1. */
static int load(const char *dir, struct file **out)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return -1;
	}
	struct file *fs = NULL;
	int n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= 4 || strcmp(de->d_name + l - 4, ".eml") != 0)
			continue;
		if (n == cap) {
			int more = cap ? cap * 2 : 256;
			struct file *t = realloc(fs, (size_t)more * sizeof *fs);
			if (!t)
				goto fail;
			fs = t;
			cap = more;
		}
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		fs[n].data = read_all(path, &fs[n].len);
		fs[n].name = strndup(de->d_name, l - 4);
		if (!fs[n].data || !fs[n].name) {
			fprintf(stderr, "bench_replies: cannot read %s\n", path);
			free(fs[n].data);
			free(fs[n].name);
			goto fail;
		}
		n++;
	}
	closedir(d);
	qsort(fs, (size_t)n, sizeof *fs, by_name);
	*out = fs;
	return n;
fail:
	closedir(d);
	for (int i = 0; i < n; i++) {
		free(fs[i].name);
		free(fs[i].data);
	}
	free(fs);
	return -1;
}

/* The job for one message; 0, or -1 (with a message on stderr) if it is no message. */
static int one(const struct file *f, struct checksum *sum)
{
	struct mail_msg m;
	struct reply_feedback fb = {0};
	char err[256];
	int rc = mail_parse(f->data, f->len, &m, err, sizeof err);
	if (rc == 0 && reply_feedback_parse(m.new_text, &fb) < 0) {
		snprintf(err, sizeof err, "out of memory");
		rc = -1;
	}
	if (rc == 0 && sum) {
		sum->rating_sum += fb.rating;
		sum->ratings += fb.rating != 0;
		sum->recs += fb.rec != REC_NONE;
		sum->new_bytes += m.new_text ? (long)strlen(m.new_text) : 0;
	}
	mail_msg_free(&m);
	reply_feedback_free(&fb);
	if (rc < 0)
		fprintf(stderr, "bench_replies: %s: %s\n", f->name, err);
	return rc;
}

static int dump(const struct file *fs, int n)
{
	for (int i = 0; i < n; i++) {
		struct mail_msg m;
		struct reply_feedback fb = {0};
		char err[256];
		if (mail_parse(fs[i].data, fs[i].len, &m, err, sizeof err) < 0 ||
		    reply_feedback_parse(m.new_text, &fb) < 0) {
			fprintf(stderr, "bench_replies: %s: %s\n", fs[i].name, err);
			mail_msg_free(&m);
			return 1;
		}
		printf("%s\t%d\t%s\t%zu\n", fs[i].name, fb.rating, rec_names[fb.rec >= 0 && fb.rec < REC_COUNT ? fb.rec : 0],
		       m.new_text ? strlen(m.new_text) : 0);
		mail_msg_free(&m);
		reply_feedback_free(&fb);
	}
	return 0;
}

/* The warm-up and the timed loop; prints the JSON line. 0, or 1 if a message failed. */
static int measure(const struct file *fs, int n, double seconds, double warmup)
{
	size_t corpus = 0;
	for (int i = 0; i < n; i++)
		corpus += fs[i].len;

	/* Warm-up; its first pass gives the checksum. */
	struct checksum sum = {0};
	uint64_t start = now_ns();
	int first = 1;
	do {
		for (int i = 0; i < n; i++)
			if (one(&fs[i], first ? &sum : NULL) < 0)
				return 1;
		first = 0;
	} while ((double)(now_ns() - start) / 1e9 < warmup);

	size_t cap = (size_t)n * 64, count = 0;
	uint64_t *lat = malloc(cap * sizeof *lat);
	long passes = 0;
	if (!lat)
		return 1;
	start = now_ns();
	uint64_t end;
	do {
		if (count + (size_t)n > cap) {
			uint64_t *t = realloc(lat, (cap *= 2) * sizeof *lat);
			if (!t)
				goto fail;
			lat = t;
		}
		for (int i = 0; i < n; i++) {
			uint64_t t0 = now_ns();
			if (one(&fs[i], NULL) < 0)
				goto fail;
			lat[count++] = now_ns() - t0;
		}
		passes++;
		end = now_ns();
	} while ((double)(end - start) / 1e9 < seconds);
	double dt = (double)(end - start) / 1e9;
	qsort(lat, count, sizeof *lat, by_value);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"impl\": \"C (GMime %u.%u.%u + mail/reply.c)\", \"files\": %d, \"corpus_bytes\": %zu, "
	       "\"passes\": %ld, \"messages\": %zu, \"seconds\": %.3f, \"msgs_per_s\": %.1f, \"mb_per_s\": %.2f, "
	       "\"p50_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f, \"peak_rss_kb\": %ld, "
	       "\"rating_sum\": %ld, \"ratings\": %ld, \"recs\": %ld, \"new_text_bytes\": %ld}\n",
	       gmime_major_version, gmime_minor_version, gmime_micro_version, n, corpus, passes, count, dt,
	       (double)count / dt, (double)corpus * (double)passes / dt / 1e6, (double)lat[count / 2] / 1e3,
	       (double)lat[count * 99 / 100] / 1e3, (double)lat[count - 1] / 1e3, ru.ru_maxrss, sum.rating_sum,
	       sum.ratings, sum.recs, sum.new_bytes);
	free(lat);
	return 0;
fail:
	free(lat);
	return 1;
}

int main(int argc, char **argv)
{
	double seconds = 3, warmup = 0.5;
	int want_dump = 0;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
			warmup = atof(argv[++i]);
		else if (strcmp(argv[i], "--dump") == 0)
			want_dump = 1;
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else
			dir = NULL, i = argc;
	}
	if (!dir) {
		fprintf(stderr, "usage: bench_replies [--seconds S] [--warmup S] [--dump] DIR\n");
		return 2;
	}
	g_mime_init();
	struct file *fs;
	int n = load(dir, &fs);
	if (n <= 0) {
		if (n == 0)
			fprintf(stderr, "bench_replies: no .eml files in %s\n", dir);
		return 1;
	}
	int rc = want_dump ? dump(fs, n) : measure(fs, n, seconds, warmup);
	for (int i = 0; i < n; i++) {
		free(fs[i].name);
		free(fs[i].data);
	}
	free(fs);
	return rc;
}
