/* help.c: the usage of every command, shown by "help", "help NAME" and with errors. */
#include "commands/cmd.h"

#include <string.h>

struct usage {
	const char *name;
	const char *text;
};

static const struct usage usages[] = {
	{"schedule",
	 "schedule candidate:\"Jane Doe <jane@example.com>\" when:\"2031-03-10 14:00\" [job:\"Data Scientist\"]\n"
	 "         [candidate_tz:Europe/Paris]\n"
	 "         [duration:60m] [type:phone|video|in_person|technical|hr|final] [with:alice,bob]\n"
	 "         [location:\"Room 301\"] [link:https://meet.example.com/abc] [round:1] [notes:\"...\"] [force:yes]\n"
	 "  when: takes 2031-03-10 14:00, tomorrow 2pm, mon 10:30, next friday 9am, in 2 days 15:00, oct 20 14:00\n"
	 "  (in your time zone; see tz). force:yes schedules over a conflict."},
	{"reschedule",
	 "reschedule #42 when:\"tomorrow 3pm\" [duration:] [type:] [with:] [location:] [link:] [notes:] [reason:] "
	 "[force:yes]\n"
	 "  moves a scheduled or cancelled interview: the original becomes 'rescheduled' and a new one,\n"
	 "  linked to it, keeps its round and panel unless you change them."},
	{"cancel", "cancel #42 reason:\"candidate withdrew\"\n  a reason is required."},
	{"start", "start #42\n  marks a scheduled interview in progress."},
	{"complete",
	 "complete #42 [rating:1-5] [recommendation:proceed|hire|reject|maybe] [feedback:\"...\"] [notes:\"...\"]\n"
	 "  marks the interview completed and records your feedback if you give it."},
	{"feedback",
	 "feedback #42 [rating:1-5] [recommendation:proceed|hire|reject|maybe] [feedback:\"...\"] [notes:\"...\"]\n"
	 "  records or changes your feedback on an interview in progress or completed."},
	{"list",
	 "list [today|week|upcoming|all] [days:7] [status:scheduled,cancelled] [candidate:jane] [interviewer:alice]\n"
	 "     [job:\"Data Scientist\"] [sort:asc|desc] [limit:50]\n"
	 "  today and week (Monday to Sunday) are your local ones; upcoming is the next days:N days."},
	{"show", "show #42\n  one interview with its panel, status and feedback."},
	{"candidate", "candidate jane@example.com\n  every round of a candidate (by email, a part of the name, or #id)."},
	{"next",
	 "next jane@example.com when:\"...\" [job:] [type:] [duration:] [with:] [location:] [link:] [notes:] [force:yes]\n"
	 "     [candidate_tz:Europe/Paris]\n"
	 "  schedules the next round: round + 1, with the job, type, duration and panel of the last one."},
	{"stats", "stats\n  interviews today, this week, completed and cancelled."},
	{"tz", "tz [Europe/Berlin]\n  shows or sets your time zone (an IANA name)."},
	{"whoami", "whoami\n  who you are here: your handle, role and time zone."},
	{"feed",
	 "feed [rotate]\n  sends you privately the secret address of your interview calendar (past 30 and next 90\n"
	 "  days) to subscribe to; rotate gives it a new address and the old one stops working."},
	{"help", "help [command]"},
	{0},
};

static const char overview[] =
	"Commands (options are key:value; quote values with spaces):\n"
	"  schedule candidate:\"Jane Doe <jane@example.com>\" when:\"tomorrow 2pm\" with:alice  new interview\n"
	"  reschedule #42 when:\"thu 3pm\"           move it (the original is kept, linked)\n"
	"  cancel #42 reason:\"candidate withdrew\"  cancel it\n"
	"  start #42 / complete #42 rating:4 recommendation:proceed\n"
	"  feedback #42 rating:4 recommendation:hire feedback:\"...\"\n"
	"  list [today|week|upcoming|all] [status:] [candidate:] [interviewer:]\n"
	"  show #42 / candidate jane@example.com / next jane@example.com when:\"...\"\n"
	"  stats / tz [Europe/Berlin] / whoami / feed [rotate] / help COMMAND";

const char *cmd_usage(const char *name)
{
	for (const struct usage *u = usages; name && u->name; u++)
		if (strcmp(u->name, name) == 0)
			return u->text;
	return overview;
}
