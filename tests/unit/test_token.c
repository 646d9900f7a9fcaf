/* Unit tests for mail/token: signed reply addresses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "mail/token.h"

static void test_round_trip(void **state)
{
	(void)state;
	char token[MAIL_TOKEN_MAX], upper[MAIL_TOKEN_MAX];
	int64_t id = 0;
	mail_token_make("s3cret", 42, token);
	assert_int_equal(strncmp(token, "f42-", 4), 0);
	assert_int_equal(strlen(token), 4 + 20);
	assert_int_equal(mail_token_check("s3cret", token, &id), 1);
	assert_int_equal(id, 42);
	for (size_t i = 0; i <= strlen(token); i++) /* some servers upper-case addresses */
		upper[i] = (char)(token[i] >= 'a' && token[i] <= 'z' ? token[i] - 32 : token[i]);
	assert_int_equal(mail_token_check("s3cret", upper, &id), 1);
}

static void test_forgeries(void **state)
{
	(void)state;
	char token[MAIL_TOKEN_MAX], other[MAIL_TOKEN_MAX];
	int64_t id = 0;
	mail_token_make("s3cret", 42, token);
	assert_int_equal(mail_token_check("another", token, &id), 0); /* another key */
	mail_token_make("s3cret", 43, other);
	memcpy(other + 1, "42", 2); /* 43's signature on 42 */
	assert_int_equal(mail_token_check("s3cret", other, &id), 0);
	token[strlen(token) - 1] ^= 1; /* one character off */
	assert_int_equal(mail_token_check("s3cret", token, &id), 0);
	const char *bad[] = {"", "f", "f42", "f42-", "f-0123456789abcdef0123", "g42-0123456789abcdef0123",
	                     "f0-0123456789abcdef0123", "f42-0123456789abcdef012", "f42-0123456789abcdef01234",
	                     "f4 2-0123456789abcdef0123", "f-42-0123456789abcdef012"};
	mail_token_make("s3cret", 42, other);
	memmove(other + 2, other + 1, strlen(other)); /* f042-<mac of 42> */
	other[1] = '0';
	assert_int_equal(mail_token_check("s3cret", other, &id), 0);
	assert_int_equal(mail_token_check("s3cret", "f99999999999999999999-0123456789abcdef0123", &id), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(mail_token_check("s3cret", bad[i], &id), 0);
}

static void test_kinds(void **state)
{
	(void)state;
	char f[MAIL_TOKEN_MAX], c[MAIL_TOKEN_MAX];
	int64_t id = 0;
	mail_token_make("s3cret", 7, f);
	mail_token_make_candidate("s3cret", 7, c);
	assert_int_equal(c[0], 'c');
	assert_string_not_equal(f + 1, c + 1); /* the kind is signed too */
	assert_int_equal(mail_token_read("s3cret", f, &id), 'f');
	assert_int_equal(mail_token_read("s3cret", c, &id), 'c');
	assert_int_equal(id, 7);
	assert_int_equal(mail_token_check("s3cret", c, &id), 0); /* a candidate's token is no feedback request */
	c[0] = 'f';
	assert_int_equal(mail_token_read("s3cret", c, &id), 0); /* nor the other way round */
	char p[MAIL_TOKEN_MAX];
	mail_token_make_person("s3cret", 7, p);
	assert_int_equal(p[0], 'p');
	assert_int_equal(mail_token_read("s3cret", p, &id), 'p');
	assert_int_equal(id, 7);
	p[0] = 'c'; /* a person's tag is no candidate's token, nor the other way round */
	assert_int_equal(mail_token_read("s3cret", p, &id), 0);
	mail_token_make_candidate("s3cret", 7, c);
	c[0] = 'p';
	assert_int_equal(mail_token_read("s3cret", c, &id), 0);
}

static void test_addresses(void **state)
{
	(void)state;
	char addr[128], token[MAIL_TOKEN_MAX];
	assert_int_equal(mail_token_address("bot@example.com", "f1-abc", addr, sizeof addr), 0);
	assert_string_equal(addr, "bot+f1-abc@example.com");
	assert_int_equal(mail_token_address("no-at-sign", "f1-abc", addr, sizeof addr), -1);
	assert_int_equal(mail_token_address("bot@example.com", "f1-abc", addr, 10), -1);
	assert_int_equal(mail_token_of("bot@example.com", "BOT+f1-abc@Example.COM", token), 1);
	assert_string_equal(token, "f1-abc");
	assert_int_equal(mail_token_of("bot@example.com", "bot@example.com", token), 0);
	assert_int_equal(mail_token_of("bot@example.com", "robot+f1-abc@example.com", token), 0);
	assert_int_equal(mail_token_of("bot@example.com", "bot+f1-abc@example.org", token), 0);
	assert_int_equal(mail_token_of("bot@example.com", "bot+@example.com", token), 0);
	assert_int_equal(mail_token_of("bot@example.com", "botx+f1@example.com", token), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_forgeries),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
