/* console_reply.c: JSON responses, the one error shape, and reading JSON request bodies. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "console_http.h"

static void set_raw(console_resp *rs, int status, const char *text) {
  free(rs->body);
  rs->body = strdup(text);
  rs->len = rs->body ? strlen(text) : 0;
  rs->status = status;
  rs->type = NULL;
}

int console_json_open(console_resp *rs, js_w *w) {
  if (rs->mem) fclose(rs->mem);
  free(rs->body);
  rs->body = NULL;
  rs->len = 0;
  rs->mem = open_memstream(&rs->body, &rs->len);
  if (!rs->mem) {
    set_raw(rs, 500, "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}\n");
    return -1;
  }
  jw_init(w, rs->mem);
  return 0;
}

void console_json_close(console_resp *rs, js_w *w, int status) {
  jw_end(w);
  int bad = ferror(rs->mem);
  fclose(rs->mem);
  rs->mem = NULL;
  rs->status = status;
  rs->type = NULL;
  if (bad || !rs->body) set_raw(rs, 500, "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}\n");
}

/* The error shape, with the member "field" (and "max") when field is not NULL. */
static void fail_v(console_resp *rs, int status, const char *code, const char *field, long max, const char *fmt,
                   va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  /* One line: a message never carries a newline into the client's display. */
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "error");
  jw_obj(&w);
  jw_key(&w, "code");
  jw_str(&w, code);
  jw_key(&w, "message");
  jw_str(&w, msg);
  if (field) {
    jw_key(&w, "field");
    jw_str(&w, field);
    jw_key(&w, "max");
    jw_int(&w, max);
  }
  jw_obj_end(&w);
  jw_obj_end(&w);
  console_json_close(rs, &w, status);
}

void console_fail(console_resp *rs, int status, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail_v(rs, status, code, NULL, 0, fmt, ap);
  va_end(ap);
}

void console_fail_field(console_resp *rs, int status, const char *code, const char *field, long max, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail_v(rs, status, code, field, max, fmt, ap);
  va_end(ap);
}

void console_resp_header(console_resp *rs, const char *name, const char *value) {
  snprintf(rs->hdr_name, sizeof rs->hdr_name, "%s", name);
  snprintf(rs->hdr_val, sizeof rs->hdr_val, "%s", value);
}

void console_resp_free(console_resp *rs) {
  if (rs->mem) fclose(rs->mem);
  free(rs->body);
  sodium_memzero(rs, sizeof *rs); /* the cookie may hold a session token */
}

const char *console_param(const console_req *rq, const char *name) {
  for (int i = 0; i < rq->nparams; i++)
    if (strcmp(rq->param_name[i], name) == 0) return rq->param[i];
  return NULL;
}

js_val *console_body_object(const console_req *rq, console_resp *rs) {
  char err[200];
  if (rq->body_len == 0) {
    console_fail(rs, 400, "bad_request", "the request needs a JSON object as its body");
    return NULL;
  }
  js_val *v = js_parse(rq->body, rq->body_len, err, sizeof err);
  if (!v) {
    console_fail(rs, 400, "bad_json", "the body is not valid JSON: %s", err);
    return NULL;
  }
  if (v->type != JS_OBJ) {
    console_fail(rs, 400, "bad_json", "the body must be a JSON object, not %s", js_type_name(v->type));
    js_free(v);
    return NULL;
  }
  return v;
}

const char *console_body_str(const js_val *o, const char *key, size_t max_len, console_resp *rs) {
  const js_val *v = js_get(o, key);
  if (!v) {
    console_fail(rs, 400, "missing_field", "the body has no \"%s\"", key);
    return NULL;
  }
  if (v->type != JS_STR) {
    console_fail(rs, 400, "bad_field", "\"%s\" must be a string, not %s", key, js_type_name(v->type));
    return NULL;
  }
  if (v->str_len == 0 || v->str_len > max_len) {
    console_fail(rs, 400, "bad_field", "\"%s\" must be 1 to %zu bytes long", key, max_len);
    return NULL;
  }
  return v->str;
}

void console_body_free_secret(js_val *body, const char *key) {
  if (!body) return;
  const js_val *v = js_get(body, key);
  if (v && v->type == JS_STR) sodium_memzero(v->str, v->str_len);
  js_free(body);
}
