/* console_html.h: the little HTML the server writes itself (a page for a path that is not
 * there), with every text escaped by html_escape (host/lib/html.h): & < > " ' become entities,
 * so a path or name holding <script> shows as text. The front end builds its pages with DOM
 * text nodes only. */
#ifndef NMOD_CONSOLE_HTML_H
#define NMOD_CONSOLE_HTML_H

#include <stdio.h>

#include "console_http.h"

/* A 404 page naming path. */
void console_html_not_found(console_resp *rs, const char *path);

#endif
