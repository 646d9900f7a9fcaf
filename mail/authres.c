/* authres.c: see authres.h. */
#include "mail/authres.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define AR_MAX 2048

/* HEADER without its comments ("(...)", nested, with \-escapes), quoted strings kept;
 * -1 when a comment or a quoted string is left open (or it does not fit). */
static int uncomment(const char *header, char *out, size_t len)
{
	size_t o = 0;
	int depth = 0, quoted = 0;
	for (const char *p = header; *p && o + 2 < len; p++) {
		if (*p == '\\' && p[1]) { /* an escaped character: dropped in a comment */
			if (!depth)
				out[o++] = p[0], out[o++] = p[1];
			p++;
		} else if (!quoted && *p == '(') {
			depth++;
		} else if (!quoted && depth && *p == ')') {
			depth--;
		} else if (!depth) {
			quoted ^= *p == '"';
			out[o++] = *p;
		}
	}
	out[o] = 0;
	return depth || quoted || strlen(header) >= len ? -1 : 0;
}

/* The next ';'-separated part of *P (outside quotes), cut in place; NULL at the end. */
static char *next_part(char **p)
{
	char *s = *p;
	if (!s)
		return NULL;
	int quoted = 0;
	char *q = s;
	for (; *q && (quoted || *q != ';'); q++)
		quoted ^= *q == '"';
	*p = *q ? q + 1 : NULL;
	*q = 0;
	return s;
}

/* The next white-space-separated word of *P (quotes keep spaces), cut in place. */
static char *next_word(char **p)
{
	char *s = *p;
	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s)
		return NULL;
	int quoted = 0;
	char *q = s;
	for (; *q && (quoted || !isspace((unsigned char)*q)); q++)
		quoted ^= *q == '"';
	*p = *q ? q + 1 : q;
	*q = 0;
	return s;
}

/* The domain a property value names: after its last '@', unquoted, without a final
 * dot, lower case. */
static void domain_of(const char *value, char *out, size_t len)
{
	const char *at = strrchr(value, '@');
	const char *s = at ? at + 1 : value;
	size_t o = 0;
	for (; *s && o + 1 < len; s++)
		if (*s != '"')
			out[o++] = (char)tolower((unsigned char)*s);
	while (o && out[o - 1] == '.')
		o--;
	out[o] = 0;
}

/* The same domain, or one a subdomain of the other; D must have a dot. */
static int aligned(const char *from, const char *d)
{
	size_t nf = strlen(from), nd = strlen(d);
	if (!nd || !strchr(d, '.'))
		return 0;
	if (nf == nd)
		return strcmp(from, d) == 0;
	const char *longer = nf > nd ? from : d, *shorter = nf > nd ? d : from;
	size_t nl = nf > nd ? nf : nd, ns = nf > nd ? nd : nf;
	return longer[nl - ns - 1] == '.' && strcmp(longer + nl - ns, shorter) == 0;
}

/* One result ("dkim=pass header.d=example.com ..."): 1 when it vouches for FROM_DOMAIN;
 * else 0, noting what it said in SEEN. */
static int vouches(char *result, const char *from_domain, char *seen, size_t len)
{
	char *p = result, *word = next_word(&p), *eq = word ? strchr(word, '=') : NULL;
	if (!eq)
		return 0;
	*eq = 0;
	char *slash = strchr(word, '/'); /* method/version */
	if (slash)
		*slash = 0;
	const char *method = word, *verdict = eq + 1, *prop = NULL;
	int dkim = strcasecmp(method, "dkim") == 0, spf = strcasecmp(method, "spf") == 0;
	int dmarc = strcasecmp(method, "dmarc") == 0;
	if (!dkim && !spf && !dmarc)
		return 0;
	char domain[256] = "", d_i[256] = "";
	for (char *w; (w = next_word(&p));) {
		char *v = strchr(w, '=');
		if (!v)
			continue;
		*v++ = 0;
		if ((dkim && strcasecmp(w, "header.d") == 0) || (spf && strcasecmp(w, "smtp.mailfrom") == 0) ||
		    (dmarc && strcasecmp(w, "header.from") == 0))
			domain_of(v, domain, sizeof domain), prop = w;
		else if (dkim && strcasecmp(w, "header.i") == 0)
			domain_of(v, d_i, sizeof d_i);
	}
	if (!domain[0] && d_i[0])
		snprintf(domain, sizeof domain, "%s", d_i), prop = "header.i";
	size_t n = strlen(seen);
	snprintf(seen + n, len - n, "%s%s=%s%s%s%s", n ? ", " : "", method, verdict, prop ? " " : "", prop ? prop : "",
	         prop ? "=" : "");
	n = strlen(seen);
	snprintf(seen + n, len - n, "%s", domain);
	return strcasecmp(verdict, "pass") == 0 && aligned(from_domain, domain);
}

int authres_vouches(const char *header, const char *authserv_id, const char *from, char *why, size_t len)
{
	char copy[AR_MAX], from_domain[256], seen[512] = "";
	const char *at = from ? strrchr(from, '@') : NULL;
	if (!header || !*header) {
		snprintf(why, len, "it has no Authentication-Results header");
		return 0;
	}
	if (!at || !at[1]) {
		snprintf(why, len, "its From has no domain");
		return 0;
	}
	domain_of(at + 1, from_domain, sizeof from_domain);
	if (uncomment(header, copy, sizeof copy) < 0) {
		snprintf(why, len, "its Authentication-Results header is unreadable (an open comment or quote)");
		return 0;
	}
	char *p = copy, *head = next_part(&p), *id = head ? next_word(&head) : NULL;
	if (!id || strcasecmp(id, authserv_id) != 0) {
		snprintf(why, len, "its topmost Authentication-Results is by \"%.100s\", not by %.100s", id ? id : "",
		         authserv_id);
		return 0;
	}
	for (char *part; (part = next_part(&p));)
		if (vouches(part, from_domain, seen, sizeof seen))
			return 1;
	snprintf(why, len, "%.100s found no passing DKIM, SPF or DMARC for %.200s (%.300s)", authserv_id, from_domain,
	         seen[0] ? seen : "no results");
	return 0;
}
