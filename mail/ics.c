/* ics.c: see ics.h. Only UTC times are written, so no VTIMEZONE is needed: every
 * calendar client understands ...Z (reference/libraries.md). */
#include "mail/ics.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct icaltimetype utc(time_t t)
{
	return icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
}

/* A CN parameter value: DQUOTE may not appear in a quoted parameter (RFC 5545 3.2), and
 * control characters never; both become spaces. */
static icalparameter *cn(const char *name)
{
	char clean[256];
	size_t n = 0;
	for (; *name && n + 1 < sizeof clean; name++)
		clean[n++] = *name == '"' || (unsigned char)*name < 0x20 ? ' ' : *name;
	clean[n] = 0;
	return icalparameter_new_cn(clean);
}

static icalproperty *person(icalproperty *p, const struct ics_person *who)
{
	if (who->name && *who->name)
		icalproperty_add_parameter(p, cn(who->name));
	return p;
}

static icalproperty *organizer(const struct ics_person *who)
{
	char mailto[300];
	snprintf(mailto, sizeof mailto, "mailto:%s", who->email);
	return person(icalproperty_new_organizer(mailto), who);
}

static icalproperty *attendee(const struct ics_person *who, int rsvp)
{
	char mailto[300];
	snprintf(mailto, sizeof mailto, "mailto:%s", who->email);
	icalproperty *p = person(icalproperty_new_attendee(mailto), who);
	icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	if (rsvp) {
		icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
		icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
	}
	return p;
}

static icalcomponent *event(const struct ics_invite *inv, int rsvp)
{
	icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	icalcomponent_add_property(ev, icalproperty_new_uid(inv->uid));
	icalcomponent_add_property(ev, icalproperty_new_sequence(inv->sequence));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc(inv->stamp)));
	icalcomponent_add_property(ev, icalproperty_new_dtstart(utc(inv->start)));
	icalcomponent_add_property(ev, icalproperty_new_dtend(utc(inv->end)));
	icalcomponent_add_property(ev, icalproperty_new_summary(inv->summary));
	if (inv->location && *inv->location)
		icalcomponent_add_property(ev, icalproperty_new_location(inv->location));
	if (inv->description && *inv->description)
		icalcomponent_add_property(ev, icalproperty_new_description(inv->description));
	icalcomponent_add_property(ev, organizer(&inv->organizer));
	for (int i = 0; i < inv->nattendees; i++)
		icalcomponent_add_property(ev, attendee(&inv->attendees[i], rsvp));
	icalcomponent_add_property(ev, icalproperty_new_status(inv->cancel ? ICAL_STATUS_CANCELLED
	                                                                   : ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
	return ev;
}

static icalcomponent *calendar(icalproperty_method method)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//interviewd//interviewd 0.1//EN"));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(method));
	return cal;
}

static char *text_of(icalcomponent *cal)
{
	char *text = icalcomponent_as_ical_string_r(cal);
	icalcomponent_free(cal);
	return text;
}

char *ics_build(const struct ics_invite *inv)
{
	icalcomponent *cal = calendar(inv->cancel ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST);
	icalcomponent_add_component(cal, event(inv, 1));
	return text_of(cal);
}

char *ics_events(const struct ics_invite *events, int n)
{
	size_t len = 0;
	char *all = calloc(1, 1);
	for (int i = 0; all && i < n; i++) {
		icalcomponent *ev = event(&events[i], 0);
		char *one = icalcomponent_as_ical_string_r(ev);
		icalcomponent_free(ev);
		size_t k = one ? strlen(one) : 0;
		char *grown = one ? realloc(all, len + k + 1) : NULL;
		if (grown)
			memcpy(grown + len, one, k + 1);
		else
			free(all);
		all = grown;
		len += k;
		free(one);
	}
	return all;
}

char *ics_feed(const char *name, const struct ics_invite *events, int n)
{
	icalcomponent *cal = calendar(ICAL_METHOD_PUBLISH);
	icalproperty *x = icalproperty_new_x(name);
	icalproperty_set_x_name(x, "X-WR-CALNAME");
	icalcomponent_add_property(cal, x);
	for (int i = 0; i < n; i++)
		icalcomponent_add_component(cal, event(&events[i], 0));
	return text_of(cal);
}
