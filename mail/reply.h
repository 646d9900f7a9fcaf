/* reply: what a person wrote in an email reply, without what they quoted — pure text
 * functions over UTF-8, used by the mail poller once MIME is decoded (GMime, elsewhere).
 * Owns the rules for where new text ends (quote headers, quoted lines, signatures, phone
 * footers, forwards), HTML to text, and reading a rating and a recommendation from what
 * is left. Never does I/O, never decodes MIME or charsets, never touches the store.
 * Every function takes NULL as "" and returns memory the caller frees. */
#ifndef INTERVIEWD_REPLY_H
#define INTERVIEWD_REPLY_H

#include "store/store.h"

/* The new text of a reply body: cuts the quoted history and the signature. TEXT is the
 * text/plain body (UTF-8, any line ends: CRLF, CR, LF). Reading line by line:
 *  - lines whose first non-blank character is '>' are dropped, wherever they are;
 *  - the text ends at the first quote header: "On <date>, <who> wrote:" (Gmail, also
 *    wrapped over two or three lines; Apple Mail; Thunderbird; Yahoo; Fastmail), its
 *    localized forms ("Am ... schrieb ...:", "Le ... a écrit :", "El ... escribió:",
 *    "Op ... schreef ...:", "Il ... ha scritto:", "Em ... escreveu:", "Den ... skrev ...:",
 *    "W dniu ... pisze:" / "napisał(a):", "...のメッセージ:", "...写道：", "...пишет:",
 *    Gmail's "<date> <who> <addr>:"), at "-----Original Message-----" and its kin
 *    (ProtonMail's "------- Original Message -------", localized), at Outlook header
 *    blocks ("From: / Sent: / To: / Subject:", localized, bold or not, after a line of
 *    underscores or not), at forwarded messages ("---------- Forwarded message ---------",
 *    "Begin forwarded message:"), and at a "-- " signature separator;
 *  - phone and webmail footers ("Sent from my iPhone", "Get Outlook for iOS", "Von meinem
 *    iPhone gesendet", "Envoyé de mon iPhone", "Sent with Proton Mail secure email.")
 *    end the text too.
 * Bottom-posting: when nothing but blank lines and footers come before a quote header
 * that is followed by '>' lines (or before the first '>' line), the new text is the
 * unquoted lines after it, up to the next boundary — this also reads replies written
 * inline below a header. A header followed by unquoted history (Outlook, Yahoo) always
 * ends the text: what follows it cannot be told apart from history.
 * Lines lose trailing white space, runs of blank lines become one, blank lines at both
 * ends go. Returns a malloc'd string (possibly ""); NULL only if out of memory. */
char *reply_new_text(const char *text);

/* HTML to plain text for a reply that has only an HTML part: drops <head>, <style>,
 * <script>, <title>, comments and declarations; <br> is a line break; <p>, headings,
 * <blockquote>, lists, tables and <hr> start a paragraph; <div>, <li>, <tr> start a line;
 * white space collapses (also &nbsp; and U+00A0, which become plain spaces) except in
 * <pre>. Decodes entities: amp lt gt quot apos nbsp, a few typographic and Latin-1 ones,
 * and numeric &#..; &#x..; to UTF-8 (&#128;..&#159; as windows-1252, invalid ones as
 * U+FFFD); an unknown entity stays as written. Quoted history ends the text at its
 * first element: <blockquote>, Gmail's class="gmail_quote", Thunderbird's
 * "moz-cite-prefix", Yahoo's "yahoo_quoted", ProtonMail's "protonmail_quote", Outlook's
 * id="divRplyFwdMsg" / "appendonsend" / "OLK_SRC_BODY_SECTION" /
 * "mail-editor-reference-message-container" and its "border-top:solid #E1E1E1" (or
 * #B5C4DF) div; Gmail's signature (class="gmail_signature") is skipped. As in
 * reply_new_text, a quote element with no text before it is skipped instead (bottom-
 * posting), except Outlook's, whose history follows the marker unmarked.
 * Returns malloc'd UTF-8 text, tidied as reply_new_text's; NULL only if out of memory. */
char *reply_html_to_text(const char *html);

/* What the text says about feedback. */
struct reply_feedback {
	int rating;     /* 1..5, 0: none found */
	int rec;        /* enum store_rec: REC_PROCEED.., REC_NONE (0): none found */
	char *feedback; /* malloc'd: the rest of the text (after the rating/recommendation
	                   lines are taken out), trimmed; "" if nothing; NULL if OOM */
};

/* Reads a rating and a recommendation from the new text of a reply, in the forms people
 * write: "Rating: 4/5", "Rating: 4", "rating 4, hire", "4 - proceed", "4/5 hire", "Score:
 * 4 out of 5", "★★★★☆" (★ U+2605 and ⭐ U+2B50 count, ☆ U+2606 does not), "4 stars",
 * "Recommendation: proceed", "recommend: maybe", "Recommend hire", "Decision: reject",
 * "Hire: yes", and bare words on a line of their own ("Hire", "proceed."). Both may be on
 * one line. Case-insensitive; markdown (*bold*, _em_, `code`), bullets, emoji and
 * surrounding punctuation are ignored.
 * Recommendation words (English; keys also in the languages reply_new_text knows):
 *   proceed: proceed, proceeding, advance, next round, next stage, move forward, move
 *            ahead, progress, "proceed to <the next step>"
 *   hire:    hire, hiring, strong hire, would hire, strong yes, offer, make an offer
 *   reject:  reject, rejected, decline, no hire, strong no hire, not hire, do not / don't
 *            / would not hire, do not proceed, strong no, no go
 *   maybe:   maybe, unsure, not sure, on the fence, undecided, borderline, neutral, weak
 *            hire, weak no hire, lean(ing) hire, lean(ing) no hire
 *   "yes" / "no" only after a key naming the question ("Hire: no" → reject, "Proceed? yes").
 * Conservative: a line is read only when it is nothing but ratings, recommendations, their
 * keys and separators; or when it starts with a key ("Rating:", "Recommendation:") or is
 * the first non-blank line (a greeting such as "Hi Rita," before it aside), and what it
 * read is followed by punctuation ("Hire. She was great") — then the rest of the line
 * stays in the feedback. A bare number counts only next to a recommendation or on the
 * first line; "1." starting a line is a list item. Words inside prose ("I would not hire
 * him yet but maybe later") never count. A rating outside 1..5, a fraction not out of 5
 * ("7/10") or a decimal ("3.5") is not read, and its line stays in the feedback; so
 * does a line that contradicts an earlier reading (the first reading wins) or contradicts
 * itself. The lines that gave the rating/recommendation are removed from feedback; runs
 * of blank lines become one. Returns 0; -1 if out of memory (OUT then holds nothing to
 * free) or OUT is NULL. */
int reply_feedback_parse(const char *text, struct reply_feedback *out);

/* Frees what F owns; F itself is the caller's. NULL is fine. */
void reply_feedback_free(struct reply_feedback *f);

#endif
