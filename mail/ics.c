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

static icalproperty *attendee(const struct ics_person *who)
{
	char mailto[300];
	snprintf(mailto, sizeof mailto, "mailto:%s", who->email);
	icalproperty *p = person(icalproperty_new_attendee(mailto), who);
	icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
	icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
	return p;
}

static icalcomponent *event(const struct ics_invite *inv)
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
		icalcomponent_add_property(ev, attendee(&inv->attendees[i]));
	icalcomponent_add_property(ev, icalproperty_new_status(inv->cancel ? ICAL_STATUS_CANCELLED
	                                                                   : ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
	return ev;
}

char *ics_build(const struct ics_invite *inv)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//interviewd//interviewd 0.1//EN"));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(inv->cancel ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST));
	icalcomponent_add_component(cal, event(inv));
	char *text = icalcomponent_as_ical_string_r(cal);
	icalcomponent_free(cal);
	return text;
}
