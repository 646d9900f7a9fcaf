/* authres: whether an Authentication-Results header (RFC 8601) vouches for the From
 * address of a message — the proof commands by email ask for when [mail] commands =
 * "authenticated". The header must be written by the site's own receiving server (its
 * authserv-id, [mail] authserv_id) and report one of: dkim=pass with a signing domain
 * (header.d, else header.i's) aligned with the From domain; spf=pass for an envelope
 * sender (smtp.mailfrom) of an aligned domain; dmarc=pass for the From domain.
 * Aligned: the same domain, or one a subdomain of the other (DMARC's relaxed mode
 * without the public-suffix list, so a signing domain must have a dot). Comments and
 * quoted values are read as the RFC says. Pure. */
#ifndef INTERVIEWD_AUTHRES_H
#define INTERVIEWD_AUTHRES_H

#include <stddef.h>

/* 1 when HEADER, by AUTHSERV_ID, vouches for FROM ("user@domain"); 0 otherwise, with
 * WHY saying what was missing (for the log). */
int authres_vouches(const char *header, const char *authserv_id, const char *from, char *why, size_t len);

#endif
