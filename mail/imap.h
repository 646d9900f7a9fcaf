/* imap: the few IMAP commands the reply poller needs, over libcurl (which has no IDLE:
 * the poller asks on an interval). TLS as the config says: implicit (imaps://, port
 * 993), starttls (required), optional, or off (port 143); the password never appears
 * in a log or an error. Blocking; one per thread. */
#ifndef INTERVIEWD_IMAP_H
#define INTERVIEWD_IMAP_H

#include <stddef.h>
#include <stdint.h>

struct imap_settings {
	const char *host;
	int port;              /* 0: 993 with implicit TLS, else 143 */
	const char *tls;       /* implicit, starttls, optional, off */
	const char *user, *password;
	const char *ca_file;   /* "": the system's CAs */
	long timeout;          /* seconds */
};

struct imap;

struct imap *imap_new(const struct imap_settings *s);
void imap_free(struct imap *im);

/* Each returns 0, or -1 with a reason in ERR. */
int imap_uidvalidity(struct imap *im, const char *folder, int64_t *uidvalidity, char *err, size_t errlen);
/* The messages of FOLDER with a UID above AFTER (seen or not: one fetched just before
 * a crash is seen already), ascending, at most MAX. */
int imap_after(struct imap *im, const char *folder, int64_t after, int64_t *uids, int max, int *n, char *err,
               size_t errlen);
int imap_size(struct imap *im, const char *folder, int64_t uid, size_t *size, char *err, size_t errlen);
/* The whole message (malloc'd, *LEN bytes); the server marks it seen. */
int imap_fetch(struct imap *im, const char *folder, int64_t uid, char **msg, size_t *len, char *err, size_t errlen);
/* Marks it seen and moves it to TO (created if missing; MOVE, else COPY + EXPUNGE). */
int imap_file(struct imap *im, const char *folder, int64_t uid, const char *to, char *err, size_t errlen);

#endif
