/* frontend.c: see frontend.h. */
#include "bot/frontend.h"
#include "bot/matrix.h"
#include "bot/slack.h"

static const struct frontend frontends[] = {
	{"slack", cfg_slack_on, slack_run, slack_check, slack_team_card},
	{"matrix", cfg_matrix_on, matrix_run, matrix_check, NULL},
};

const struct frontend *frontend_of(const struct cfg *cfg)
{
	for (size_t i = 0; i < sizeof frontends / sizeof frontends[0]; i++)
		if (frontends[i].on(cfg))
			return &frontends[i];
	return NULL;
}
