/* sql.c: every SQL statement interviewd runs, by name. Bound parameters only. */
#include "store/internal.h"

#define PERSON_COLS "SELECT id, handle, name, email, slack_id, matrix_id, tz, role FROM people "
#define CAND_COLS "SELECT id, name, email, tz FROM candidates "
#define ACTIVE "('scheduled', 'in_progress')"
/* Column order is read by store/interviews.c:read_interview. */
#define IV_COLS                                                                                        \
	"SELECT i.id, i.candidate_id, i.job_id, i.created_by, i.start_utc, i.created_at, i.updated_at, "   \
	"i.started_at, i.completed_at, i.rescheduled_from, i.rescheduled_to, i.duration_min, i.round, "    \
	"i.type, i.status, i.location, i.meeting_link, i.notes, i.cancel_reason, c.name, c.email, c.tz, " \
	"j.title, i.root_id, i.sequence "
#define IV_JOINS "JOIN candidates c ON c.id = i.candidate_id LEFT JOIN jobs j ON j.id = i.job_id "
/* ?1 from, ?2 to, ?4 candidate, ?5 person, ?6 job, ?7 limit, ?8..?12 the statuses wanted
 * (the unused ones NULL). A plain IN list compares the status in place; building
 * ',' || status || ',' for instr() allocated a string per row and tripled a count's cost. */
#define F_STATUS "AND i.status IN (?8, ?9, ?10, ?11, ?12) "
#define F_CAND "AND (?4 IS NULL OR i.candidate_id = ?4) "
#define F_PERSON "AND (?5 IS NULL OR EXISTS (SELECT 1 FROM panel q WHERE q.interview_id = i.id AND q.person_id = ?5)) "
#define F_JOB "AND (?6 IS NULL OR i.job_id = ?6) "
/* A candidate or a person filter has statements of its own (store/interviews.c:list_queries). */
#define W_RANGE "WHERE i.start_utc >= ?1 AND i.start_utc < ?2 " F_STATUS F_JOB
#define W_CAND "WHERE i.candidate_id = ?4 AND i.start_utc >= ?1 AND i.start_utc < ?2 " F_STATUS F_PERSON F_JOB
#define FROM_PERSON "FROM panel p JOIN interviews i ON i.id = p.interview_id " IV_JOINS
#define W_PERSON "WHERE p.person_id = ?5 AND p.start_utc >= ?1 AND p.start_utc < ?2 " F_STATUS F_CAND F_JOB

const char *const store_sql[Q_COUNT] = {
	[Q_PERSON_BY_ID] = PERSON_COLS "WHERE id = ?1",
	[Q_PERSON_BY_HANDLE] = PERSON_COLS "WHERE handle = ?1",
	[Q_PERSON_BY_EMAIL] = PERSON_COLS "WHERE email = ?1",
	[Q_PERSON_BY_SLACK] = PERSON_COLS "WHERE slack_id = ?1",
	[Q_PERSON_BY_MATRIX] = PERSON_COLS "WHERE matrix_id = ?1",
	[Q_PERSON_UPSERT] = "INSERT INTO people (handle, name, email, slack_id, matrix_id, tz, role, configured, "
	                    "created_at) "
	                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, strftime('%s', 'now')) "
	                    "ON CONFLICT (handle) DO UPDATE SET name = ?2, email = ?3, slack_id = ?4, "
	                    "matrix_id = ?5, tz = coalesce(?6, people.tz), role = ?7, configured = 1 RETURNING id",
	[Q_PEOPLE_UNCONFIGURE] = "UPDATE people SET role = 'interviewer', configured = 0 WHERE configured = 1",
	[Q_PERSON_INSERT] = "INSERT INTO people (handle, name, email, slack_id, matrix_id, tz, role, created_at) "
	                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_PERSON_SET_TZ] = "UPDATE people SET tz = ?2 WHERE id = ?1",
	[Q_PERSON_HANDLES] = "SELECT handle FROM people ORDER BY handle",

	[Q_CAND_BY_EMAIL] = CAND_COLS "WHERE email = ?1",
	[Q_CAND_BY_ID] = CAND_COLS "WHERE id = ?1",
	[Q_CAND_SEARCH] = CAND_COLS "WHERE instr(lower(name), lower(?1)) > 0 OR instr(lower(email), lower(?1)) > 0 "
	                            "ORDER BY name LIMIT ?2",
	[Q_CAND_INSERT] = "INSERT INTO candidates (name, email, tz, created_at) VALUES (?1, ?2, ?3, ?4)",
	[Q_CAND_SET_TZ] = "UPDATE candidates SET tz = ?2 WHERE id = ?1",

	[Q_JOB_BY_TITLE] = "SELECT id FROM jobs WHERE title = ?1",
	[Q_JOB_INSERT] = "INSERT INTO jobs (title) VALUES (?1)",

	[Q_IV_INSERT] = "INSERT INTO interviews (candidate_id, job_id, start_utc, duration_min, type, location, "
	                "location_key, meeting_link, notes, status, round, created_by, rescheduled_from, created_at, "
	                "updated_at, root_id, sequence) "
	                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?14, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?15, ?16)",
	[Q_PANEL_INSERT] = "INSERT INTO panel (interview_id, person_id, position, start_utc, end_utc) "
	                   "VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_IV_GET] = IV_COLS "FROM interviews i " IV_JOINS "WHERE i.id = ?1",
	[Q_IV_UPDATE] = "UPDATE interviews SET status = ?2, cancel_reason = ?3, rescheduled_to = ?4, "
	                "started_at = ?5, completed_at = ?6, updated_at = ?7, sequence = ?8 WHERE id = ?1",
	[Q_PANEL_OF] = "SELECT pe.id, pe.handle, pe.name, pe.email, pe.tz FROM panel p "
	               "JOIN people pe ON pe.id = p.person_id WHERE p.interview_id = ?1 ORDER BY p.position",
	[Q_FEEDBACK_OF] = "SELECT f.person_id, pe.handle, f.rating, f.recommendation, f.feedback, f.notes, "
	                  "f.source, f.updated_at FROM feedback f JOIN people pe ON pe.id = f.person_id "
	                  "WHERE f.interview_id = ?1 ORDER BY f.created_at, pe.handle",

	[Q_LIST_RANGE_ASC] = IV_COLS "FROM interviews i " IV_JOINS W_RANGE "ORDER BY i.start_utc, i.id LIMIT ?7",
	[Q_LIST_RANGE_DESC] = IV_COLS "FROM interviews i " IV_JOINS W_RANGE
	                              "ORDER BY i.start_utc DESC, i.id DESC LIMIT ?7",
	/* Without a job, the count reads interviews_start(start_utc, status) only, no rows. */
	[Q_COUNT_RANGE] = "SELECT count(*) FROM interviews i WHERE i.start_utc >= ?1 AND i.start_utc < ?2 " F_STATUS,
	[Q_COUNT_RANGE_JOB] = "SELECT count(*) FROM interviews i " W_RANGE,
	[Q_LIST_CAND_ASC] = IV_COLS "FROM interviews i " IV_JOINS W_CAND "ORDER BY i.start_utc, i.id LIMIT ?7",
	[Q_LIST_CAND_DESC] = IV_COLS "FROM interviews i " IV_JOINS W_CAND
	                             "ORDER BY i.start_utc DESC, i.id DESC LIMIT ?7",
	[Q_COUNT_CAND] = "SELECT count(*) FROM interviews i " W_CAND,
	[Q_LIST_PERSON_ASC] = IV_COLS FROM_PERSON W_PERSON "ORDER BY p.start_utc, i.id LIMIT ?7",
	[Q_LIST_PERSON_DESC] = IV_COLS FROM_PERSON W_PERSON "ORDER BY p.start_utc DESC, i.id DESC LIMIT ?7",
	[Q_COUNT_PERSON] = "SELECT count(*) FROM panel p JOIN interviews i ON i.id = p.interview_id " W_PERSON,

	/* ?1 start, ?2 end, ?3 candidate, ?4 JSON array of person ids, ?5 location key,
	 * ?6 interview to leave out, ?7 limit. No interview lasts over a day, so rows
	 * starting a day before ?1 bound the index range. */
	[Q_CONFLICTS] = "SELECT id FROM interviews WHERE candidate_id = ?3 AND start_utc > ?1 - 86400 "
	                "AND start_utc < ?2 AND start_utc + duration_min * 60 > ?1 AND status IN " ACTIVE
	                " AND id <> ?6 "
	                "UNION SELECT p.interview_id FROM panel p JOIN interviews i ON i.id = p.interview_id "
	                "WHERE p.person_id IN (SELECT value FROM json_each(?4)) AND p.start_utc > ?1 - 86400 "
	                "AND p.start_utc < ?2 AND p.end_utc > ?1 AND i.status IN " ACTIVE " AND i.id <> ?6 "
	                "UNION SELECT id FROM interviews WHERE location_key = ?5 AND start_utc > ?1 - 86400 "
	                "AND start_utc < ?2 AND start_utc + duration_min * 60 > ?1 AND status IN " ACTIVE
	                " AND id <> ?6 ORDER BY 1 LIMIT ?7",
	[Q_LATEST] = "SELECT id FROM interviews WHERE candidate_id = ?1 AND status <> 'rescheduled' "
	             "ORDER BY round DESC, start_utc DESC LIMIT 1",
	[Q_FEEDBACK_PUT] = "INSERT INTO feedback (interview_id, person_id, rating, recommendation, feedback, notes, "
	                   "source, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
	                   "ON CONFLICT (interview_id, person_id) DO UPDATE SET rating = coalesce(?3, rating), "
	                   "recommendation = coalesce(?4, recommendation), feedback = coalesce(?5, feedback), "
	                   "notes = coalesce(?6, notes), source = ?7, updated_at = ?8",

	[Q_STATS_RANGE] = "SELECT count(*) FROM interviews WHERE start_utc >= ?1 AND start_utc < ?2 "
	                  "AND status IN ('scheduled', 'in_progress', 'completed')",
	[Q_STATS_TOTALS] = "SELECT status, n FROM status_counts WHERE status IN ('completed', 'cancelled')",
	[Q_STATS_PERSON_RANGE] = "SELECT count(*) FROM panel p JOIN interviews i ON i.id = p.interview_id "
	                         "WHERE p.person_id = ?3 AND p.start_utc >= ?1 AND p.start_utc < ?2 "
	                         "AND i.status IN ('scheduled', 'in_progress', 'completed')",
	[Q_STATS_PERSON_STATUS] = "SELECT coalesce((SELECT n FROM person_status_counts WHERE person_id = ?1 "
	                          "AND status = ?2), 0)",

	[Q_DUTY_ADD] = "INSERT INTO duties (due_at, kind, interview_id, person_id, lead) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_DUTY_DROP] = "UPDATE duties SET done_at = ?2, skipped = ?3 WHERE interview_id = ?1 AND done_at IS NULL",
	[Q_DUTY_NEXT] = "SELECT id, due_at, kind, interview_id, person_id, lead FROM duties "
	                "WHERE done_at IS NULL AND due_at <= ?1 ORDER BY due_at, id LIMIT 1",
	[Q_DUTY_NEXT_DUE] = "SELECT min(due_at) FROM duties WHERE done_at IS NULL",
	[Q_DUTY_DONE] = "UPDATE duties SET done_at = ?2, skipped = ?3 WHERE id = ?1",
	[Q_DIGEST_SENT] = "SELECT count(*) FROM digests_sent WHERE channel = ?1 AND day = ?2",
	[Q_DIGEST_ADD] = "INSERT INTO digests_sent (channel, day, due_at, sent_at) VALUES (?1, ?2, ?3, ?4)",
	[Q_FEEDBACK_GIVEN] = "SELECT count(*) FROM feedback WHERE interview_id = ?1 AND person_id = ?2 "
	                     "AND (rating IS NOT NULL OR recommendation IS NOT NULL)",
	/* ?1 now, ?2 oldest start considered, ?3 end at or before which feedback is due */
	[Q_OVERDUE] = "SELECT pe.handle, coalesce(j.title, ''), count(*), group_concat('#' || i.id, ' ') "
	              "FROM interviews i JOIN panel p ON p.interview_id = i.id JOIN people pe ON pe.id = p.person_id "
	              "LEFT JOIN jobs j ON j.id = i.job_id "
	              "WHERE i.start_utc >= ?2 AND i.start_utc < ?1 AND i.start_utc + i.duration_min * 60 <= ?3 "
	              "AND i.status IN ('scheduled', 'in_progress', 'completed') AND NOT EXISTS (SELECT 1 FROM feedback f "
	              "WHERE f.interview_id = i.id AND f.person_id = p.person_id AND (f.rating IS NOT NULL "
	              "OR f.recommendation IS NOT NULL)) GROUP BY pe.handle, i.job_id ORDER BY pe.handle",
	[Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[Q_AUDIT] = "INSERT INTO audit (at, actor_id, via, action, interview_id, detail) "
	            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_INBOUND_SEEN] = "SELECT 1 FROM inbound_keys WHERE key = ?1",
	[Q_INBOUND_ADD] = "INSERT INTO inbound_keys (key, via, at) VALUES (?1, ?2, ?3)",

	[Q_OUTBOX_ADD] = "INSERT INTO outbox (created_at, transport, kind, recipient, interview_id, payload, next_try) "
	                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?1)",
	[Q_OUTBOX_NEXT] = "SELECT id, interview_id, created_at, next_try, attempts, transport, kind, recipient, "
	                  "payload FROM outbox WHERE transport = ?1 AND next_try <= ?2 AND sent_at IS NULL "
	                  "AND failed_at IS NULL ORDER BY next_try, id LIMIT 1",
	[Q_OUTBOX_NEXT_TO] = "SELECT id, interview_id, created_at, next_try, attempts, transport, kind, recipient, "
	                     "payload FROM outbox WHERE transport = ?1 AND next_try <= ?2 AND recipient = ?3 "
	                     "AND sent_at IS NULL AND failed_at IS NULL ORDER BY next_try, id LIMIT 1",
	[Q_OUTBOX_EARLIER] = "SELECT count(*) FROM outbox o JOIN interviews i ON i.id = o.interview_id "
	                     "WHERE o.recipient = ?1 AND o.id < ?2 AND o.transport = 'email' "
	                     "AND coalesce(i.root_id, i.id) = ?3",
	[Q_OUTBOX_SENT] = "UPDATE outbox SET sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
	[Q_OUTBOX_RETRY] = "UPDATE outbox SET next_try = ?2, attempts = attempts + 1, last_error = ?3 WHERE id = ?1",
	[Q_OUTBOX_FAILED] = "UPDATE outbox SET failed_at = ?2, attempts = attempts + 1, last_error = ?3 WHERE id = ?1",
	[Q_OUTBOX_NEXT_DUE] = "SELECT min(next_try) FROM outbox WHERE transport = ?1 AND sent_at IS NULL "
	                      "AND failed_at IS NULL",
	[Q_OUTBOX_PENDING] = "SELECT count(*), coalesce(min(next_try), 0) FROM outbox "
	                     "WHERE transport = ?1 AND sent_at IS NULL AND failed_at IS NULL",
	[Q_OUTBOX_DEFER] = "UPDATE outbox SET next_try = ?2 WHERE id = ?1",
	[Q_PERSON_SET_SLACK] = "UPDATE people SET slack_id = ?2 WHERE id = ?1",
	[Q_SLACK_USER_GET] = "SELECT user_id, name, email, tz, fetched_at FROM slack_users WHERE user_id = ?1",
	[Q_SLACK_USER_PUT] = "INSERT INTO slack_users (user_id, name, email, tz, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5) "
	                     "ON CONFLICT (user_id) DO UPDATE SET name = ?2, email = ?3, tz = ?4, fetched_at = ?5",
	[Q_SLACK_DM_GET] = "SELECT channel FROM slack_dms WHERE user_id = ?1",
	[Q_SLACK_DM_PUT] = "INSERT OR REPLACE INTO slack_dms (user_id, channel) VALUES (?1, ?2)",
	[Q_SLACK_CARD_PUT] = "INSERT OR IGNORE INTO slack_cards (interview_id, channel, ts, posted_at) "
	                     "VALUES (?1, ?2, ?3, ?4)",
	[Q_SLACK_CARDS] = "SELECT channel, ts FROM slack_cards WHERE interview_id = ?1 ORDER BY posted_at DESC, ts DESC "
	                  "LIMIT ?2",
	[Q_FREQ_ADD] = "INSERT INTO feedback_requests (interview_id, person_id, created_at) VALUES (?1, ?2, ?3) "
	               "ON CONFLICT (interview_id, person_id) DO UPDATE SET created_at = created_at RETURNING id",
	[Q_FREQ_GET] = "SELECT id, interview_id, person_id, created_at, coalesce(nudged_at, 0) FROM feedback_requests "
	               "WHERE id = ?1",
	[Q_FREQ_NUDGE] = "UPDATE feedback_requests SET nudged_at = ?2 WHERE id = ?1 AND nudged_at IS NULL",
	[Q_IMAP_GET] = "SELECT uidvalidity, last_uid FROM imap_state WHERE mailbox = ?1",
	[Q_IMAP_PUT] = "INSERT OR REPLACE INTO imap_state (mailbox, uidvalidity, last_uid) VALUES (?1, ?2, ?3)",
	[Q_CHAIN_CURRENT] = "SELECT id FROM interviews WHERE id = ?1 OR root_id = ?1 ORDER BY id DESC LIMIT 1",
	[Q_RSVP_PUT] = "INSERT INTO rsvps (interview_id, email, partstat, comment, at) VALUES (?1, ?2, ?3, ?4, ?5) "
	               "ON CONFLICT (interview_id, email) DO UPDATE SET partstat = ?3, comment = ?4, at = ?5",
	[Q_RSVPS_OF] = "SELECT email, partstat, coalesce(comment, ''), at FROM rsvps WHERE interview_id = ?1 ORDER BY email",
	[Q_META_PUT] = "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
	[Q_MATRIX_USER_GET] = "SELECT coalesce(tz, ''), fetched_at FROM matrix_users WHERE user_id = ?1",
	[Q_MATRIX_USER_PUT] = "INSERT OR REPLACE INTO matrix_users (user_id, tz, fetched_at) VALUES (?1, ?2, ?3)",
	[Q_MATRIX_DM_GET] = "SELECT room_id FROM matrix_dms WHERE user_id = ?1",
	[Q_MATRIX_DM_PUT] = "INSERT OR REPLACE INTO matrix_dms (user_id, room_id) VALUES (?1, ?2)",
	[Q_MATRIX_DM_DROP] = "DELETE FROM matrix_dms WHERE user_id = ?1",
	[Q_MATRIX_TOLD] = "INSERT OR IGNORE INTO matrix_encrypted (room_id, told_at) VALUES (?1, ?2)",
	[Q_MAX_INTERVIEW] = "SELECT coalesce(max(id), 0) FROM interviews",
	[Q_ACCESS_GET] = "SELECT generation FROM access_tokens WHERE kind = ?1 AND subject = ?2",
	[Q_ACCESS_BUMP] = "INSERT INTO access_tokens (kind, subject, generation, rotated_at) VALUES (?1, ?2, 1, ?3) "
	                  "ON CONFLICT (kind, subject) DO UPDATE SET generation = generation + 1, rotated_at = ?3",
};
