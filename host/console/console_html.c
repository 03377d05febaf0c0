/* console_html.c: escaped HTML (console_html.h). */
#define _POSIX_C_SOURCE 200809L
#include "console_html.h"

#include "html.h"

#include <stdlib.h>
#include <string.h>

void console_html_not_found(console_resp *rs, const char *path) {
  free(rs->body);
  rs->body = NULL;
  rs->len = 0;
  FILE *f = open_memstream(&rs->body, &rs->len);
  if (!f) {
    console_fail(rs, 404, "not_found", "no such page");
    return;
  }
  fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found - nmod console</title>"
        "<link rel=\"stylesheet\" href=\"/style.css\"></head>\n<body><main><h1>Not found</h1><p>There is no page <code>",
        f);
  html_escape(f, path);
  fputs("</code> here.</p><p><a href=\"/\">Back to the console</a></p></main></body></html>\n", f);
  fclose(f);
  rs->status = 404;
  rs->type = "text/html; charset=utf-8";
}
