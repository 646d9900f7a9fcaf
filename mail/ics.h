/* ics: the iCalendar object (RFC 5545) of an invite, as an iTIP (RFC 5546) REQUEST or
 * CANCEL, built with libical: one VEVENT with a UID that lasts the life of an interview
 * (reschedules included), its SEQUENCE, times in UTC, organizer and attendees.
 * libical folds lines at 75 octets, ends them in CRLF and escapes text values.
 * Pure: no store, no clock. Called by the notice composer (mail/notice.c). */
#ifndef INTERVIEWD_ICS_H
#define INTERVIEWD_ICS_H

#include <time.h>

struct ics_person {
	const char *name;  /* may be empty */
	const char *email;
};

struct ics_invite {
	int cancel;        /* METHOD:CANCEL and STATUS:CANCELLED, else REQUEST/CONFIRMED */
	const char *uid;
	int sequence;
	time_t stamp;      /* DTSTAMP: when the message was made */
	time_t start, end;
	const char *summary, *location, *description;
	struct ics_person organizer;
	const struct ics_person *attendees;
	int nattendees;
};

/* Returns the VCALENDAR text, malloc'd (caller frees), or NULL if out of memory. */
char *ics_build(const struct ics_invite *inv);

/* A calendar to subscribe to (METHOD:PUBLISH, X-WR-CALNAME NAME) holding the N
 * events, attendees without RSVP requests; malloc'd, or NULL if out of memory. */
char *ics_feed(const char *name, const struct ics_invite *events, int n);
/* The N events alone (BEGIN:VEVENT ... END:VEVENT each), for writing a long calendar
 * in pieces between ics_feed(NAME, NULL, 0) without its END:VCALENDAR line and that
 * line; malloc'd, or NULL if out of memory. */
char *ics_events(const struct ics_invite *events, int n);

#endif
