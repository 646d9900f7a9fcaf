/* Unit tests for mail/authres: does an Authentication-Results header vouch for a From? */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "mail/authres.h"

static int vouches(const char *header, const char *from)
{
	char why[512];
	return authres_vouches(header, "mx.example.com", from, why, sizeof why);
}

/* Headers as Gmail, Microsoft 365, Postfix with OpenDKIM/OpenDMARC, rspamd and Fastmail write them. */
static void test_passes(void **state)
{
	(void)state;
	const char *ok[] = {
		"mx.example.com; dkim=pass header.i=@example.com header.s=s1 header.b=abc; spf=pass (google.com: domain of "
		"ana@example.com designates 1.2.3.4 as permitted sender) smtp.mailfrom=ana@example.com; dmarc=pass (p=NONE) "
		"header.from=example.com",
		"mx.example.com; spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=example.com; dkim=none (message not signed) "
		"header.d=none;",
		"MX.Example.COM 1; dkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com",
		"mx.example.com;\r\n\tdkim=pass (1024-bit key) header.d=mail.example.com;\r\n\tspf=none",
		"mx.example.com; dmarc=pass (policy=reject) header.from=example.com; dkim=fail header.d=example.com",
		"mx.example.com; dkim=pass header.d=\"example.com\"",
		"mx.example.com; dkim=fail reason=\"bad sig\" header.d=example.com; dkim=pass header.d=example.com",
		"mx.example.com; spf=pass smtp.mailfrom=bounces+x=example.com@example.com",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		print_message("%zu\n", i);
		assert_int_equal(vouches(ok[i], "ana@example.com"), 1);
	}
	assert_int_equal(vouches("mx.example.com; dkim=pass header.d=example.com", "ana@eu.example.com"), 1); /* relaxed */
}

static void test_refusals(void **state)
{
	(void)state;
	const char *no[] = {
		"",
		"mx.example.com; none",
		"mx.example.com",
		"mx.evil.com; dkim=pass header.d=example.com",                       /* not our server */
		"evil.com; mx.example.com; dkim=pass header.d=example.com",          /* still not */
		"(mx.example.com) evil; dkim=pass header.d=example.com",             /* a comment is no id */
		"mx.example.com; dkim=fail header.d=example.com; spf=softfail smtp.mailfrom=example.com",
		"mx.example.com; dkim=pass header.d=evil.com",                       /* signed, by someone else */
		"mx.example.com; dkim=pass header.d=example.com.evil.com",
		"mx.example.com; dkim=pass header.d=notexample.com",
		"mx.example.com; dkim=pass header.d=com",                            /* a suffix, no dot */
		"mx.example.com; spf=pass smtp.mailfrom=x@evil.com",
		"mx.example.com; dkim=pass (header.d=example.com) header.d=evil.com", /* the comment is not read */
		"mx.example.com; dkim=pass header.d=\"evil.com; dkim=pass header.d=example.com\"",
		"mx.example.com; dkim=neutral header.d=example.com",
		"mx.example.com; arc=pass header.d=example.com",                     /* ARC is not asked for */
		"mx.example.com; dmarc=pass header.from=evil.com",
		"mx.example.com; spf=pass smtp.helo=example.com",                    /* HELO is no sender */
		"mx.example.com; dkim=pass",
		"mx.example.com; =pass header.d=example.com; dkim",
		"mx.example.com; dkim=pass header.d=example.com (unterminated",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		print_message("%zu\n", i);
		assert_int_equal(vouches(no[i], "ana@example.com"), 0);
	}
	assert_int_equal(vouches("mx.example.com; dkim=pass header.d=example.com", "ana"), 0);
	assert_int_equal(vouches("mx.example.com; dkim=pass header.d=example.com", NULL), 0);
}

static void test_reasons(void **state)
{
	(void)state;
	char why[512];
	authres_vouches("mx.evil.com; dkim=pass header.d=example.com", "mx.example.com", "a@example.com", why, sizeof why);
	assert_non_null(strstr(why, "mx.evil.com"));
	authres_vouches("mx.example.com; dkim=fail header.d=example.com", "mx.example.com", "a@example.com", why,
	                sizeof why);
	assert_non_null(strstr(why, "dkim=fail header.d=example.com"));
	authres_vouches(NULL, "mx.example.com", "a@example.com", why, sizeof why);
	assert_non_null(strstr(why, "no Authentication-Results"));
}

static void test_long_header(void **state)
{
	(void)state;
	char big[4096];
	memset(big, '(', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(vouches(big, "ana@example.com"), 0);
	memset(big, 'a', sizeof big - 1);
	memcpy(big, "mx.example.com; dkim=pass header.d=", 35);
	assert_int_equal(vouches(big, "ana@example.com"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passes),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_long_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
