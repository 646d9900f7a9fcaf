/* fuzz_itip: a libFuzzer target for mail/itip. Each input, NUL-terminated, is read by
 * itip_parse as the text/calendar part of an email. Besides what the sanitizers catch,
 * it checks what mail/itip.h promises (fuzz_check): 0 or -1; on -1 a reason and OUT
 * cleared; on 0 a REPLY or COUNTER with a UID free of control characters, an attendee
 * that is an email address, a name and a comment that are UTF-8 without control
 * characters (the comment keeps line breaks), times in 1970-2199 with the end not before
 * the start, a COUNTER with a start; every string field terminated; the same answer
 * twice for the same input; a 1-byte ERR never overrun.
 * Seeds: tests/fuzz/corpus_itip/ (the .ics fixtures of tests/mail/itip/).
 * Build like fuzz_mail (clang, -fsanitize=fuzzer,address,undefined). */
#include "lib/str.h"
#include "lib/tz.h"
#include "mail/itip.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T_END 7258118400LL /* 2200-01-01T00:00:00Z */

static void fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_itip: contract broken: %s\n", what);
		abort();
	}
}

static int terminated(const char *s, size_t size)
{
	return memchr(s, 0, size) != NULL;
}

/* No control character but, when NEWLINES is set, '\n'. */
static int clean_text(const char *s, int newlines)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(newlines && *s == '\n')) || *s == 0x7f)
			return 0;
	return 1;
}

static void check_answer(int rc, const struct itip *it, const char *err)
{
	fuzz_check(rc == 0 || rc == -1, "itip_parse returns 0 or -1");
	fuzz_check(terminated(it->uid, sizeof it->uid) && terminated(it->attendee, sizeof it->attendee) &&
	               terminated(it->attendee_name, sizeof it->attendee_name) &&
	               terminated(it->comment, sizeof it->comment),
	           "the string fields are terminated");
	if (rc < 0) {
		fuzz_check(err[0] != 0, "a refusal gives a reason");
		fuzz_check(it->method == ITIP_NONE && it->sequence == -1 && it->partstat == PS_NONE && !it->uid[0] &&
		               !it->attendee[0] && !it->attendee_name[0] && !it->comment[0] && !it->start && !it->end,
		           "a refusal clears OUT");
		return;
	}
	fuzz_check(it->method == ITIP_REPLY || it->method == ITIP_COUNTER, "an answer is a REPLY or a COUNTER");
	fuzz_check(it->uid[0] && !str_has_control(it->uid), "the UID is there, without control characters");
	fuzz_check(str_is_email(it->attendee), "the attendee is an email address");
	fuzz_check(str_is_utf8(it->attendee_name) && clean_text(it->attendee_name, 0),
	           "the name is UTF-8 without control characters");
	fuzz_check(str_is_utf8(it->comment) && clean_text(it->comment, 1),
	           "the comment is UTF-8 without control characters but line breaks");
	fuzz_check(it->partstat >= PS_NONE && it->partstat <= PS_NEEDS_ACTION, "partstat is an enum itip_partstat");
	fuzz_check(strcmp(itip_partstat_name(it->partstat), "") != 0, "partstat has a name");
	fuzz_check(it->sequence >= -1, "sequence is -1 or more");
	fuzz_check(it->start >= 0 && it->start < T_END, "start is 0 or in 1970-2199");
	fuzz_check(it->end >= 0 && it->end < T_END + 3700LL * 86400, "end is 0 or near 1970-2199");
	fuzz_check(!it->end || it->end >= it->start, "it does not end before it starts");
	fuzz_check(it->method != ITIP_COUNTER || it->start > 0, "a COUNTER proposes a start");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	tz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256], tiny[1];
	struct itip it, again;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	memset(&it, 0x5a, sizeof it); /* garbage in: a field left unset shows */
	int rc = itip_parse(text, &it, err, sizeof err);
	check_answer(rc, &it, err);
	int rc2 = itip_parse(text, &again, tiny, sizeof tiny);
	fuzz_check(rc2 == rc && tiny[0] == 0, "the same answer twice; a 1-byte ERR holds just its terminator");
	fuzz_check(memcmp(&it, &again, sizeof it) == 0, "the same fields twice");
	free(text);
	return 0;
}
