/* itip: what a calendar client answered to an invite — an iTIP REPLY (RFC 5546 3.2.3:
 * accepted, tentative, declined) or COUNTER (3.2.7: a proposed new time) — read with
 * libical from the text/calendar part of an email (mail_parse's `calendar`).
 * Pure: no store, no clock, no global state of its own; never trusts the sender (the
 * caller checks ATTENDEE against the From and the UID against its own invites).
 * Named zones go through lib/tz (tz_init() before threads start, as bot/main.c does). */
#ifndef INTERVIEWD_ITIP_H
#define INTERVIEWD_ITIP_H

#include <stddef.h>

/* Inputs longer than this are refused unread. */
#define ITIP_TEXT_MAX (1024 * 1024)

enum itip_method { ITIP_NONE, ITIP_REPLY, ITIP_COUNTER };
enum itip_partstat { PS_NONE, PS_ACCEPTED, PS_TENTATIVE, PS_DECLINED, PS_DELEGATED, PS_NEEDS_ACTION };

struct itip {
	enum itip_method method;
	char uid[400];             /* as sent; a longer UID, or one with control characters,
	                              is refused (it cannot be one of ours) */
	int sequence;              /* -1 when absent or negative */
	char attendee[255];        /* the answering ATTENDEE: mailto: stripped (or its EMAIL
	                              parameter when the value is no mailto:), lower case */
	char attendee_name[201];   /* its CN, control characters removed (line breaks and
	                              tabs become spaces), cut at a UTF-8 boundary */
	enum itip_partstat partstat; /* PS_NONE when absent, or a value not listed here
	                              (COMPLETED, IN-PROCESS, X-...) */
	long long start, end;      /* UTC epoch seconds, 0 when absent or unreadable. COUNTER: the
	                              proposed time. REPLY: the time the replier's copy shows
	                              (informational). See "Times" below. */
	char comment[1001];        /* the note: the VEVENT's COMMENT (Outlook, Thunderbird,
	                              Apple), else Google's X-RESPONSE-COMMENT parameter on the
	                              ATTENDEE (HTML entities and \; decoded); newlines kept,
	                              other control characters removed, trimmed, cut at a UTF-8
	                              boundary; "" if none */
};

/* Reads TEXT (a VCALENDAR, folded or not). 0 with OUT filled; -1 with a
 * reason in ERR (may be NULL) and OUT cleared (method ITIP_NONE, sequence -1) when it is
 * not an iTIP REPLY or COUNTER we can use: over ITIP_TEXT_MAX bytes, 5000 lines or 200
 * components, no complete VCALENDAR (the first one is read), a METHOD other than REPLY or
 * COUNTER or none, no VEVENT (the first one is read), no UID, no ATTENDEE, an ATTENDEE
 * without an email address; a COUNTER without a readable DTSTART, or ending before it
 * starts. Lines may end in CRLF, LF or a lone CR.
 *
 * The attendee. A REPLY names exactly the one attendee who answers, but clients
 * sometimes send more, and COUNTERs often carry the whole list (Thunderbird, with the
 * organizer as an ACCEPTED CHAIR). So: ATTENDEEs with the ORGANIZER's address are set
 * aside (unless that leaves none); of the others the only one, else the first whose
 * PARTSTAT is present and not NEEDS-ACTION, else the first with any PARTSTAT; a REPLY
 * whose several ATTENDEEs carry no PARTSTAT at all is refused (a COUNTER takes the
 * first). The caller must still check the attendee against the message's sender.
 *
 * Times. DTSTART/DTEND (or DTSTART + DURATION; a DATE DTSTART alone lasts one day):
 * ...Z is UTC; TZID= uses the object's VTIMEZONE of that name when its rules are
 * plausible (yearly rules, a bounded number of transitions), else the TZID as an IANA
 * name (also after a "/prefix/", as old Lightning wrote "/mozilla.org/20070129_1/
 * Europe/Berlin"), else a small table of Outlook's Windows zone names (W. Europe, Central
 * Europe, Central European, Romance, GMT, UTC, Eastern, Central, Mountain, Pacific,
 * India, China, Tokyo, AUS Eastern "Standard Time"); floating times and DATE values are
 * read as UTC (we invite in UTC; an all-day DATE starts at 00:00Z). A local time that
 * does not exist or exists twice in its zone, an unknown zone, or a year outside
 * 1970-2199 leaves the time unreadable: a COUNTER is then refused with the reason, a
 * REPLY gets start = end = 0. Never crashes; work is bounded for any input. */
int itip_parse(const char *text, struct itip *out, char *err, size_t errlen);

/* "accepted", "tentative", "declined", "delegated", "needs-action"; "none" for PS_NONE
 * and anything out of range. */
const char *itip_partstat_name(enum itip_partstat p);

/* "REPLY", "COUNTER"; "none" for ITIP_NONE and anything out of range. */
const char *itip_method_name(enum itip_method m);

#endif
