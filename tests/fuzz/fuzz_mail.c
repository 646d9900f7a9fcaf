/* fuzz_mail: a libFuzzer target for the inbound email path. Each input is read three
 * ways: as a whole message (mail_parse, then reply_feedback_parse on its new text, and
 * mail_token_of / mail_token_check on each recipient), as an HTML body
 * (reply_html_to_text, then reply_new_text and reply_feedback_parse on the result) and
 * as a plain text body (reply_new_text, then reply_feedback_parse on the result).
 * Besides what ASan, LeakSanitizer and UBSan catch, it checks what the headers promise
 * (fuzz_check aborts): results are never NULL (nothing runs out of memory here),
 * ratings are 0..5 and recommendations enum store_rec values, tidied text has no CR and
 * no blank line at either end nor two in a row, HTML turned to text is valid UTF-8, a
 * token that verifies carries the mac mail_token_make makes for its id, an
 * Authentication-Results header (mail/authres.c) is judged yes or no-with-a-reason.
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined); run: tests/fuzz/run.sh. */
#include "lib/str.h"
#include "mail/authres.h"
#include "mail/parse.h"
#include "mail/reply.h"
#include "mail/token.h"

#include <gmime/gmime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The bot's address and secret the recipients are checked against; the seed
 * token_valid.eml holds a reply address genuine for these (request 42). */
#define FUZZ_BASE "interviews@example.com"
#define FUZZ_SECRET "fuzz-secret"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_mail: contract broken: %s\n", what);
		abort();
	}
}

/* Text as reply_new_text / reply_html_to_text / reply_feedback_parse return it. */
static void check_tidy(const char *s, const char *who)
{
	size_t n = strlen(s);
	char what[128];
	snprintf(what, sizeof what, "%s: no CR, no blank line at either end or twice", who);
	fuzz_check(!strchr(s, '\r'), what);
	fuzz_check(n == 0 || (s[0] != '\n' && s[n - 1] != '\n'), what);
	fuzz_check(!strstr(s, "\n\n\n"), what);
}

static void check_feedback(const char *text, const char *who)
{
	struct reply_feedback fb;
	fuzz_check(reply_feedback_parse(text, &fb) == 0, "reply_feedback_parse returns 0");
	fuzz_check(fb.feedback != NULL, "reply_feedback_parse sets feedback");
	fuzz_check(fb.rating >= 0 && fb.rating <= 5, "rating is 0..5");
	fuzz_check(fb.rec >= REC_NONE && fb.rec < REC_COUNT, "rec is an enum store_rec");
	check_tidy(fb.feedback, who);
	reply_feedback_free(&fb);
	fuzz_check(fb.feedback == NULL, "reply_feedback_free clears feedback");
}

static void check_token(const char *rcpt)
{
	char token[MAIL_TOKEN_MAX];
	int64_t id = 0;
	/* the token part of any plus address, so that mail_token_check sees fuzzed tokens
	 * even when the domain does not match */
	const char *plus = strchr(rcpt, '+'), *at = strrchr(rcpt, '@');
	if (plus && at && at > plus && (size_t)(at - plus - 1) < sizeof token) {
		memcpy(token, plus + 1, (size_t)(at - plus - 1));
		token[at - plus - 1] = 0;
		(void)mail_token_check(FUZZ_SECRET, token, &id);
	}
	memset(token, 0, sizeof token);
	if (!mail_token_of(FUZZ_BASE, rcpt, token))
		return;
	fuzz_check(memchr(token, 0, sizeof token) != NULL, "mail_token_of terminates TOKEN");
	if (mail_token_check(FUZZ_SECRET, token, &id)) {
		/* the mac must be the one made for that id; the number may be written
		 * differently ("f042-..." is accepted as 42) */
		char made[MAIL_TOKEN_MAX], addr[STORE_EMAIL_MAX + 1];
		int64_t again = 0;
		fuzz_check(id > 0, "a genuine token has an id > 0");
		mail_token_make(FUZZ_SECRET, id, made);
		size_t tn = strlen(token), mn = strlen(made);
		fuzz_check(tn >= 20 && mn >= 20 && strcasecmp(made + mn - 20, token + tn - 20) == 0,
		           "a genuine token carries the mac mail_token_make makes for its id");
		fuzz_check(mail_token_check(FUZZ_SECRET, made, &again) && again == id, "mail_token_make's token checks");
		fuzz_check(mail_token_address(FUZZ_BASE, made, addr, sizeof addr) == 0, "mail_token_address fits");
		fuzz_check(mail_token_of(FUZZ_BASE, addr, token) && strcmp(token, made) == 0,
		           "mail_token_of reads back what mail_token_address wrote");
	}
}

/* An Authentication-Results header: an answer, and a reason when it is no. */
static void check_authres(const char *header, const char *from)
{
	char why[512];
	why[0] = 0;
	int ok = authres_vouches(header, "mx.example.com", from, why, sizeof why);
	fuzz_check(ok == 0 || ok == 1, "authres_vouches returns 0 or 1");
	fuzz_check(ok || (why[0] && memchr(why, 0, sizeof why)), "authres_vouches says why not");
}

static void fuzz_message(const uint8_t *data, size_t size)
{
	struct mail_msg m;
	char err[256];
	err[0] = 0;
	int rc = mail_parse((const char *)data, size, &m, err, sizeof err);
	fuzz_check(rc == 0 || rc == -1, "mail_parse returns 0 or -1");
	fuzz_check(rc == 0 || err[0], "mail_parse gives a reason");
	fuzz_check(m.nrcpt >= 0 && m.nrcpt <= MAIL_RCPT_MAX, "nrcpt is 0..MAIL_RCPT_MAX");
	fuzz_check(memchr(m.message_id, 0, sizeof m.message_id) && memchr(m.from, 0, sizeof m.from) &&
	               memchr(m.from_name, 0, sizeof m.from_name) && memchr(m.subject, 0, sizeof m.subject) &&
	               memchr(m.auth_results, 0, sizeof m.auth_results),
	           "the header fields are terminated");
	if (rc == 0) {
		fuzz_check(m.text && m.new_text, "a parsed message has text and new_text");
		check_tidy(m.new_text, "mail_parse new_text");
		check_feedback(m.new_text, "reply_feedback_parse(new_text)");
		for (int i = 0; i < m.nrcpt; i++) {
			fuzz_check(memchr(m.rcpt[i], 0, sizeof m.rcpt[i]) != NULL, "recipients are terminated");
			check_token(m.rcpt[i]);
		}
		check_authres(m.auth_results, m.from);
	}
	mail_msg_free(&m);
	fuzz_check(!m.text && !m.new_text && !m.calendar, "mail_msg_free clears the texts");
}

static void fuzz_text(const uint8_t *data, size_t size)
{
	char *raw = malloc(size + 1);
	if (!raw)
		return;
	memcpy(raw, data, size);
	raw[size] = 0;

	char *html = reply_html_to_text(raw);
	fuzz_check(html != NULL, "reply_html_to_text returns text");
	fuzz_check(str_is_utf8(html), "reply_html_to_text returns UTF-8");
	check_tidy(html, "reply_html_to_text");
	char *html_new = reply_new_text(html);
	fuzz_check(html_new != NULL, "reply_new_text(html) returns text");
	check_tidy(html_new, "reply_new_text(html)");
	check_feedback(html_new, "reply_feedback_parse(html new text)");
	free(html_new);
	free(html);

	char *text = reply_new_text(raw);
	fuzz_check(text != NULL, "reply_new_text returns text");
	check_tidy(text, "reply_new_text");
	check_feedback(text, "reply_feedback_parse(new text)");
	free(text);
	free(raw);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	g_mime_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_message(data, size);
	fuzz_text(data, size);
	return 0;
}
