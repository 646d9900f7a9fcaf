/* parse.c: see parse.h. */
#include "mail/parse.h"
#include "lib/str.h"
#include "mail/reply.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void add_rcpts(struct mail_msg *m, InternetAddressList *list)
{
	int n = list ? internet_address_list_length(list) : 0;
	for (int i = 0; i < n && m->nrcpt < MAIL_RCPT_MAX; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
		if (addr && str_copy(m->rcpt[m->nrcpt], sizeof m->rcpt[0], addr) == 0) {
			lower(m->rcpt[m->nrcpt]);
			m->nrcpt++;
		}
	}
}

static void add_header_rcpts(struct mail_msg *m, GMimeObject *o, const char *name)
{
	const char *v = g_mime_object_get_header(o, name);
	InternetAddressList *list = v ? internet_address_list_parse(NULL, v) : NULL;
	add_rcpts(m, list);
	if (list)
		g_object_unref(list);
}

static void read_from(struct mail_msg *m, GMimeMessage *msg)
{
	InternetAddressList *from = g_mime_message_get_from(msg);
	InternetAddress *a = from && internet_address_list_length(from) > 0 ? internet_address_list_get_address(from, 0)
	                                                                     : NULL;
	if (!a || !INTERNET_ADDRESS_IS_MAILBOX(a))
		return;
	const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
	if (addr && str_is_email(addr) && str_copy(m->from, sizeof m->from, addr) == 0)
		lower(m->from);
	str_copy_clean(m->from_name, sizeof m->from_name, internet_address_get_name(a));
}

/* Why a robot sent MSG (RFC 3834 and the common practice), or NULL. */
static const char *robot(GMimeMessage *msg)
{
	GMimeObject *o = GMIME_OBJECT(msg);
	const char *v;
	if ((v = g_mime_object_get_header(o, "Auto-Submitted")) && strncasecmp(v + strspn(v, " "), "no", 2) != 0)
		return "Auto-Submitted";
	if ((v = g_mime_object_get_header(o, "Precedence")) &&
	    (strcasestr(v, "bulk") || strcasestr(v, "junk") || strcasestr(v, "list")))
		return "Precedence";
	if (g_mime_object_get_header(o, "X-Autoreply") || g_mime_object_get_header(o, "X-Autorespond") ||
	    g_mime_object_get_header(o, "X-Auto-Response-Suppress"))
		return "an auto-reply header";
	if (g_mime_object_get_header(o, "List-Id"))
		return "List-Id";
	if ((v = g_mime_object_get_header(o, "Return-Path")) && strcmp(v + strspn(v, " <"), ">") == 0)
		return "an empty Return-Path (a bounce)";
	GMimeContentType *ct = g_mime_object_get_content_type(g_mime_message_get_mime_part(msg));
	if (ct && g_mime_content_type_is_type(ct, "multipart", "report"))
		return "a delivery status report";
	if (ct && g_mime_content_type_is_type(ct, "message", "delivery-status"))
		return "a delivery status report";
	return NULL;
}

/* The parts worth reading: the first text/plain and text/html that are not
 * attachments, and a text/calendar part. */
struct parts {
	GMimeTextPart *plain, *html, *calendar;
};

static void visit(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	struct parts *p = data;
	(void)parent;
	if (!GMIME_IS_TEXT_PART(part))
		return;
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	int attached = GMIME_IS_PART(part) && g_mime_part_is_attachment(GMIME_PART(part));
	if (g_mime_content_type_is_type(ct, "text", "calendar")) {
		if (!p->calendar)
			p->calendar = GMIME_TEXT_PART(part);
	} else if (!attached && g_mime_content_type_is_type(ct, "text", "plain")) {
		if (!p->plain)
			p->plain = GMIME_TEXT_PART(part);
	} else if (!attached && g_mime_content_type_is_type(ct, "text", "html")) {
		if (!p->html)
			p->html = GMIME_TEXT_PART(part);
	}
}

/* g_mime_text_part_get_text as malloc'd memory ("" if none). */
static char *text_of(GMimeTextPart *t)
{
	char *g = t ? g_mime_text_part_get_text(t) : NULL;
	char *s = strdup(g ? g : "");
	g_free(g);
	return s;
}

static int read_body(struct mail_msg *m, GMimeMessage *msg)
{
	struct parts p = {0};
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	if (top && GMIME_IS_MULTIPART(top))
		g_mime_multipart_foreach(GMIME_MULTIPART(top), visit, &p);
	else if (top)
		visit(NULL, top, &p);
	if (p.plain || !p.html) {
		m->text = text_of(p.plain);
	} else {
		char *html = text_of(p.html);
		m->text = html ? reply_html_to_text(html) : NULL;
		free(html);
	}
	if (p.calendar)
		m->calendar = text_of(p.calendar);
	m->new_text = m->text ? reply_new_text(m->text) : NULL;
	return m->text && m->new_text && (!p.calendar || m->calendar) ? 0 : -1;
}

/* The References header, its newest ids when it is long (an answer cites them). */
static void read_references(struct mail_msg *m, GMimeObject *msg)
{
	const char *refs = g_mime_object_get_header(msg, "References");
	size_t n = refs ? strlen(refs) : 0;
	if (n >= sizeof m->references) {
		const char *tail = strchr(refs + n - sizeof m->references + 1, '<');
		refs = tail ? tail : "";
	}
	str_copy_clean(m->references, sizeof m->references, refs);
}

int mail_parse(const char *raw, size_t len, struct mail_msg *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!msg || !g_mime_object_get_header(GMIME_OBJECT(msg), "From")) {
		snprintf(err, errlen, "not an email message (no headers, or no From)");
		if (msg)
			g_object_unref(msg);
		return -1;
	}
	str_copy_clean(m->message_id, sizeof m->message_id, g_mime_message_get_message_id(msg));
	str_copy_clean(m->subject, sizeof m->subject, g_mime_message_get_subject(msg));
	str_copy_clean(m->auth_results, sizeof m->auth_results,
	           g_mime_object_get_header(GMIME_OBJECT(msg), "Authentication-Results"));
	read_references(m, GMIME_OBJECT(msg));
	read_from(m, msg);
	add_rcpts(m, g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO));
	add_rcpts(m, g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC));
	add_header_rcpts(m, GMIME_OBJECT(msg), "Delivered-To");
	add_header_rcpts(m, GMIME_OBJECT(msg), "X-Original-To");
	m->robot = robot(msg);
	int rc = read_body(m, msg);
	g_object_unref(msg);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

void mail_msg_free(struct mail_msg *m)
{
	free(m->text);
	free(m->new_text);
	free(m->calendar);
	m->text = m->new_text = m->calendar = NULL;
}
