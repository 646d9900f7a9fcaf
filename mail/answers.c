/* answers.c: see answers.h. */
#include "mail/answers.h"
#include "commands/when.h"
#include "lib/str.h"
#include "lib/tzfmt.h"
#include "mail/itip.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* "2031-03-11 15:00" in ZONE: a time the command language reads back. */
static void when_text(const char *zone, time_t t, char *buf, size_t len)
{
	char iso[64];
	tzfmt(zone, t, TZF_ISO, iso, sizeof iso);
	snprintf(buf, len, "%.10s %.5s", iso, iso + 11);
}

/* Up to MAX moments named in TEXT ("Thursday 3pm", "march 14 10:00") after NOW, read
 * in ZONE by the command language's own date reader: the longest run of up to four
 * words, holding a digit, that reads as a time in the next 120 days. */
static int times_in(const char *text, const char *zone, time_t now, time_t *out, int max)
{
	char words[64][32], window[140], err[256];
	int n = 0, found = 0;
	for (const char *p = text; *p && n < 64;) {
		size_t len = 0;
		while (*p && !(isalnum((unsigned char)*p) || *p == ':'))
			p++;
		while (*p && (isalnum((unsigned char)*p) || *p == ':') && len < 31)
			words[n][len++] = (char)tolower((unsigned char)*p++);
		while (*p && (isalnum((unsigned char)*p) || *p == ':'))
			p++;
		words[n][len] = 0;
		n += len > 0;
	}
	for (int i = 0; i < n && found < max; i++)
		for (int k = i + 4 > n ? n - i : 4; k >= 1; k--) {
			window[0] = 0;
			for (int j = i; j < i + k; j++)
				snprintf(window + strlen(window), sizeof window - strlen(window), "%s%s", j > i ? " " : "", words[j]);
			time_t t;
			if (!strpbrk(window, "0123456789") || when_parse(window, zone, now, &t, err, sizeof err) < 0 ||
			    t <= now || t > now + 120 * 86400 || (found && out[found - 1] == t))
				continue;
			out[found++] = t;
			i += k - 1;
			break;
		}
	return found;
}

/* The candidate's words, for the recruiter's chat: on one line, at most 600 bytes. */
static void one_line(const char *text, char *out, size_t len)
{
	size_t n = 0;
	for (const char *p = text; *p && n + 4 < len; p++)
		out[n++] = (unsigned char)*p < ' ' ? ' ' : *p;
	while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80 && n + 4 >= len)
		n--;
	out[n] = 0;
}

/* The recruiter's chat line about the candidate's message, with any times it names as
 * ready reschedule commands. */
static int tell_candidate(struct store *st, const struct cmd_settings *set, const struct store_interview *iv,
                          const char *words, time_t now)
{
	struct store_person rec;
	char text[2000], said[620], when[64];
	time_t times[2];
	if (!iv->created_by || store_person_by_id(st, iv->created_by, &rec) != 1)
		return 0;
	const char *zone = rec.tz[0] ? rec.tz : set->default_tz;
	one_line(words, said, sizeof said);
	int n = snprintf(text, sizeof text, "%s (candidate of #%lld) wrote by email: \"%s\"", iv->candidate_name,
	                 (long long)iv->id, said[0] ? said : "(nothing but quoted text)");
	int k = times_in(words, iv->candidate_tz[0] ? iv->candidate_tz : set->default_tz, now, times, 2);
	for (int i = 0; i < k && n > 0 && (size_t)n < sizeof text; i++) {
		when_text(zone, times[i], when, sizeof when);
		n += snprintf(text + n, sizeof text - (size_t)n, "%s reschedule #%lld when:\"%s\"",
		              i ? " or" : ". To move it:", (long long)iv->id, when);
	}
	return store_chat_add(st, rec.handle, "candidate wrote", iv->id, text, now);
}

/* A candidate's answer to one of their emails (a 'c' token): never a command; their
 * words go to the recruiter, in the audit log too. */
void answers_candidate(struct store *st, const struct cmd_settings *set, const struct mail_msg *m, int64_t root,
                            const char *key, time_t now, struct inbound_result *res)
{
	struct store_interview iv;
	int64_t id;
	if (store_chain_current(st, root, &id) != 1 || store_interview_get(st, id, &iv, 0) != 1) {
		inbound_result(res, IN_REFUSED, "interview chain %lld is not known here", (long long)root);
		return;
	}
	res->interview = iv.id;
	if (!m->from[0] || strcasecmp(m->from, iv.candidate_email) != 0) {
		inbound_result(res, IN_REFUSED, "sent by %s, but #%lld's candidate is %s", m->from[0] ? m->from : "nobody",
		       (long long)iv.id, iv.candidate_email);
	} else if (store_begin(st) < 0) {
		inbound_result(res, IN_FAILED, "%s", store_error(st));
	} else {
		int seen = store_inbound_seen(st, key, "email", now);
		if (seen == 0 && (store_audit(st, now, 0, "email", "candidate wrote", iv.id, m->new_text) < 0 ||
		                  tell_candidate(st, set, &iv, m->new_text, now) < 0))
			seen = -1;
		if (seen != 0 || store_commit(st) < 0) {
			store_rollback(st);
			inbound_result(res, seen > 0 ? IN_DUPLICATE : IN_FAILED, "%s", seen > 0 ? "Message-Id seen before" : store_error(st));
		} else {
			inbound_result(res, IN_RECORDED, "the candidate's message went to the recruiter of #%lld", (long long)iv.id);
		}
	}
	store_interview_clear(&iv);
}

/* Who answered invite IV: the candidate (*ROLE "candidate") or a panel member (P),
 * by address; 0 when it is neither. */
static int attendee_of(struct store *st, const struct store_interview *iv, const char *email, struct store_person *p,
                       const char **role)
{
	memset(p, 0, sizeof *p);
	if (strcasecmp(email, iv->candidate_email) == 0) {
		str_copy(p->name, sizeof p->name, iv->candidate_name);
		*role = "candidate";
		return 1;
	}
	for (int i = 0; i < iv->npanel; i++)
		if (strcasecmp(email, iv->panel[i].email) == 0 && store_person_by_id(st, iv->panel[i].id, p) == 1) {
			*role = "panel";
			return 1;
		}
	return 0;
}


/* The recruiter's chat line about an answer that asks for their action: a decline (with
 * a reschedule ready to fill in) or a proposed time (with the reschedule ready). */
static int tell_answer(struct store *st, const struct cmd_settings *set, const struct store_interview *iv,
                       const struct itip *it, const char *who, time_t now)
{
	struct store_person rec;
	char text[1800], when[64], at[64];
	if (!iv->created_by || store_person_by_id(st, iv->created_by, &rec) != 1)
		return 0;
	const char *zone = rec.tz[0] ? rec.tz : set->default_tz;
	tzfmt(zone, iv->start, TZF_DAY_TIME, at, sizeof at);
	if (it->method == ITIP_COUNTER && it->start > 0) {
		when_text(zone, (time_t)it->start, when, sizeof when);
		snprintf(text, sizeof text, "%s proposes another time for #%lld %s (%s %s): %s %s. To accept it: reschedule #%lld "
		                            "when:\"%s\"%s%.800s%s", who, (long long)iv->id, iv->candidate_name, at, zone, when, zone,
		         (long long)iv->id, when, it->comment[0] ? " — they wrote: \"" : "", it->comment, it->comment[0] ? "\"" : "");
	} else if (it->partstat == PS_DECLINED) {
		snprintf(text, sizeof text, "%s declined #%lld %s (%s %s)%s%.800s%s. To move it: reschedule #%lld when:\"...\"", who,
		         (long long)iv->id, iv->candidate_name, at, zone, it->comment[0] ? ": \"" : "", it->comment,
		         it->comment[0] ? "\"" : "", (long long)iv->id);
	} else {
		return 0;
	}
	return store_chat_add(st, rec.handle, it->method == ITIP_COUNTER ? "counter" : "declined", iv->id, text, now);
}

/* Records the answer IT of WHO (P, ROLE) to IV, with KEY, in one transaction. */
static void record_answer(struct store *st, const struct cmd_settings *set, const struct store_interview *iv,
                          const struct itip *it, const struct store_person *p, const char *key, time_t now,
                          struct inbound_result *res)
{
	char detail[300];
	const char *what = it->method == ITIP_COUNTER ? "proposed another time" : itip_partstat_name(it->partstat);
	snprintf(detail, sizeof detail, "%s %s by email", it->attendee, what);
	if (store_begin(st) < 0) {
		inbound_result(res, IN_FAILED, "%s", store_error(st));
		return;
	}
	int seen = store_inbound_seen(st, key, "email", now);
	if (seen == 0 && ((it->method == ITIP_REPLY &&
	                   (store_rsvp_put(st, iv->id, it->attendee, itip_partstat_name(it->partstat), it->comment, now) < 0 ||
	                    store_slack_refresh(st, iv->id, now) < 0)) ||
	                  store_audit(st, now, p->id, "email", it->method == ITIP_COUNTER ? "counter" : "rsvp", iv->id,
	                              detail) < 0 ||
	                  tell_answer(st, set, iv, it, p->name[0] ? p->name : it->attendee, now) < 0))
		seen = -1;
	if (seen != 0 || store_commit(st) < 0) {
		store_rollback(st);
		if (seen > 0)
			inbound_result(res, IN_DUPLICATE, "Message-Id seen before");
		else
			inbound_result(res, IN_FAILED, "%s", store_error(st));
		return;
	}
	inbound_result(res, IN_RECORDED, "%s", detail);
}

/* An answer to one of our invites (iTIP REPLY or COUNTER): 1 when M is one (RES set),
 * 0 when it is not. The UID names the interview's chain and this database; the
 * answering attendee must be the sender and on the invite. */
int answers_invite(struct store *st, const struct cmd_settings *set, const struct mail_msg *m, const char *key,
                        time_t now, struct inbound_result *res)
{
	struct itip it;
	struct store_interview iv;
	struct store_person p;
	char err[256], inst[64], mine[64];
	long long root;
	int64_t id;
	const char *role;
	if (!m->calendar || itip_parse(m->calendar, &it, err, sizeof err) < 0)
		return 0;
	if (sscanf(it.uid, "interview-%lld.%63[^@]@", &root, inst) != 2 || store_instance(st, mine, sizeof mine) < 0 ||
	    strcmp(inst, mine) != 0 || store_chain_current(st, root, &id) != 1 || store_interview_get(st, id, &iv, 0) != 1) {
		inbound_result(res, IN_REFUSED, "an answer to an invite that is not ours (UID %.100s)", it.uid);
		return 1;
	}
	res->interview = iv.id;
	if (strcasecmp(it.attendee, m->from) != 0 || !attendee_of(st, &iv, it.attendee, &p, &role))
		inbound_result(res, IN_REFUSED, "an answer for %s sent by %s, who is not on the invite as that attendee", it.attendee,
		       m->from[0] ? m->from : "nobody");
	else if (it.sequence >= 0 && it.sequence < iv.sequence)
		inbound_result(res, IN_IGNORED, "answers an older version of the invite (SEQUENCE %d, now %d)", it.sequence,
		       iv.sequence), inbound_remember(st, key, now);
	else if (it.method == ITIP_REPLY && it.partstat == PS_NONE)
		inbound_result(res, IN_IGNORED, "a reply without an answer (no PARTSTAT)"), inbound_remember(st, key, now);
	else
		record_answer(st, set, &iv, &it, &p, key, now, res);
	store_interview_clear(&iv);
	return 1;
}

