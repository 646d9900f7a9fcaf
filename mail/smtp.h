/* smtp: hands one message to an SMTP server with libcurl — smtp:// with STARTTLS
 * required, optional or off, or smtps:// (implicit TLS); AUTH with a user and password;
 * connect and transfer timeouts; the server's certificate verified (against the system's
 * CAs or a configured file). One struct smtp keeps its connection between messages.
 * Knows nothing of the outbox: mail/outbox.c decides what a failure means.
 * Blocking: used only from the mail sender's thread. */
#ifndef INTERVIEWD_SMTP_H
#define INTERVIEWD_SMTP_H

#include <stddef.h>

struct smtp_settings {
	const char *host;
	int port;           /* 0: 587 for STARTTLS, 465 for implicit TLS, 25 with TLS off */
	const char *tls;    /* "starttls" (required), "optional", "implicit" or "off" */
	const char *user;   /* NULL or empty: no AUTH */
	const char *password;
	const char *ca_file;/* NULL: the system's CAs */
	long timeout;       /* seconds, for connecting and for each server reply */
};

enum smtp_result {
	SMTP_SENT = 0,      /* the server accepted the message (250 after DATA) */
	SMTP_TEMPORARY = 1, /* try again later: 4xx, network, TLS or timeout */
	SMTP_PERMANENT = 2, /* the server refused it for good: 5xx */
};

struct smtp;

struct smtp *smtp_new(const struct smtp_settings *s);
void smtp_free(struct smtp *c);

/* Sends MSG (a whole RFC 5322 message, CRLF line ends) from FROM to RCPT (bare
 * addresses). On failure ERR says what the server or the network said, never the
 * password. */
enum smtp_result smtp_send(struct smtp *c, const char *from, const char *rcpt, const char *msg, char *err,
                           size_t errlen);

#endif
