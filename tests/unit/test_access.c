/* Unit tests for commands/access: the HTTP endpoint's tokens (API, person and team
 * feeds), on an in-memory store. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "commands/access.h"

static struct store *open_store(void)
{
	char err[256];
	struct store *st = store_open(":memory:", err, sizeof err);
	assert_non_null(st);
	return st;
}

static char *token_of(struct store *st, char kind, const char *subject, int rotate, char out[ACCESS_TOKEN_MAX])
{
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(access_token(st, kind, subject, rotate, 1000, out), 0);
	assert_int_equal(store_commit(st), 0);
	return out;
}

static void test_round_trip(void **state)
{
	(void)state;
	struct store *st = open_store();
	char a[ACCESS_TOKEN_MAX], again[ACCESS_TOKEN_MAX], subject[STORE_NAME_MAX + 1], kind = 0;
	token_of(st, 'a', "12", 0, a);
	assert_int_equal(strncmp(a, "a12-1-", 6), 0);
	assert_int_equal(strlen(a), 6 + 32);
	assert_int_equal(access_check(st, a, &kind, subject), 1);
	assert_int_equal(kind, 'a');
	assert_string_equal(subject, "12");
	token_of(st, 'a', "12", 0, again); /* shown again: the same token */
	assert_string_equal(a, again);
	char team[ACCESS_TOKEN_MAX];
	token_of(st, 't', "sales-emea.2", 0, team); /* dashes and dots in a team's name */
	assert_int_equal(access_check(st, team, &kind, subject), 1);
	assert_int_equal(kind, 't');
	assert_string_equal(subject, "sales-emea.2");
	store_close(st);
}

static void test_rotation(void **state)
{
	(void)state;
	struct store *st = open_store();
	char old[ACCESS_TOKEN_MAX], fresh[ACCESS_TOKEN_MAX], other[ACCESS_TOKEN_MAX], subject[STORE_NAME_MAX + 1], kind;
	token_of(st, 'f', "7", 0, old);
	token_of(st, 'f', "8", 0, other);
	token_of(st, 'f', "7", 1, fresh);
	assert_string_not_equal(old, fresh);
	assert_int_equal(strncmp(fresh, "f7-2-", 5), 0);
	assert_int_equal(access_check(st, old, &kind, subject), 0); /* the old address stops */
	assert_int_equal(access_check(st, fresh, &kind, subject), 1);
	assert_int_equal(access_check(st, other, &kind, subject), 1); /* others are untouched */
	store_close(st);
}

static void test_forgeries(void **state)
{
	(void)state;
	struct store *st = open_store();
	char a[ACCESS_TOKEN_MAX], f[ACCESS_TOKEN_MAX], forged[ACCESS_TOKEN_MAX], subject[STORE_NAME_MAX + 1], kind;
	token_of(st, 'a', "12", 0, a);
	token_of(st, 'f', "12", 0, f);
	snprintf(forged, sizeof forged, "f%s", a + 1); /* the API token's MAC as a feed's */
	assert_int_equal(access_check(st, forged, &kind, subject), 0);
	snprintf(forged, sizeof forged, "a13%s", a + 3); /* another person's id */
	assert_int_equal(access_check(st, forged, &kind, subject), 0);
	snprintf(forged, sizeof forged, "%s", a);
	forged[strlen(forged) - 1] ^= 1; /* one character off */
	assert_int_equal(access_check(st, forged, &kind, subject), 0);
	snprintf(forged, sizeof forged, "a12-2%s", a + 5); /* a generation not yet made */
	assert_int_equal(access_check(st, forged, &kind, subject), 0);
	const char *bad[] = {"", "a", "a12", "a12-", "a12-1", "a12-1-", "-1-abc", "x12-1-0123456789abcdef0123456789abcdef",
	                     "a-1-0123456789abcdef0123456789abcdef", "a12--0123456789abcdef0123456789abcdef",
	                     "a12-0-0123456789abcdef0123456789abcdef", "a12-x-0123456789abcdef0123456789abcdef",
	                     "a12-1-0123456789abcdef0123456789abcde"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(access_check(st, bad[i], &kind, subject), 0);
	char huge[400];
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = 0;
	assert_int_equal(access_check(st, huge, &kind, subject), 0);
	store_close(st);
}

static void test_feed_url(void **state)
{
	(void)state;
	char url[200];
	access_feed_url("https://iv.example.com/", "f7-1-abc", url, sizeof url);
	assert_string_equal(url, "https://iv.example.com/feeds/f7-1-abc.ics");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_forgeries),
		cmocka_unit_test(test_feed_url),
	};
	store_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
