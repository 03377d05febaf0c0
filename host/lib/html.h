/* html.h: text into HTML or SVG, escaped (the console's pages, plot-history's SVG). */
#ifndef NMOD_HTML_H
#define NMOD_HTML_H

#include <stdio.h>

/* Write s to f with & < > " ' as entities and control characters left out, so that any text
 * (a patient's name, a serial, a path) shows as itself in an element or a quoted attribute. */
void html_escape(FILE *f, const char *s);

#endif
