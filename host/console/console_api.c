/* console_api.c: the API's routes, /api/v1 (docs/CONSOLE.md "The API"). A new group of
 * endpoints is a table in its own file, listed in console_route_tables below. */
#include "console_api.h"

#include <string.h>

#include "clinic_int.h"
#include "console_api_clinic.h"
#include "console_auth.h"
#include "console_srv.h"
#include "nmod_version.h"

/* For packaging and monitoring: the process answers and its database is readable. */
static void api_health(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  sqlite3 *db = console_db_take(&srv->db, NULL);
  int v;
  clinic_err e = {0};
  int rc = clinic_store_version(db, &v, &e);
  console_db_give(&srv->db);
  if (rc != CLINIC_E_OK) {
    console_log("health: %s", e.msg);
    console_fail(rs, 503, "database", "the database cannot be read");
    return;
  }
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "status");
  jw_str(&w, "ok");
  jw_key(&w, "version");
  jw_str(&w, NMOD_VERSION);
  jw_key(&w, "schema_version");
  jw_int(&w, v);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
}

/* The table of who may do what, for the front end and for people. */
static void api_roles(console_req *rq, console_resp *rs) {
  (void)rq;
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "actions");
  jw_arr(&w);
  for (int a = 0; a < CP_COUNT; a++) {
    jw_obj(&w);
    jw_key(&w, "name");
    jw_str(&w, console_perms[a].name);
    jw_key(&w, "what");
    jw_str(&w, console_perms[a].what);
    jw_key(&w, "roles");
    jw_arr(&w);
    for (int r = 0; r < CR_COUNT; r++)
      if (console_may((console_role)r, (console_action)a)) jw_str(&w, console_role_name((console_role)r));
    jw_arr_end(&w);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
}

static const console_route core_routes[] = {
    {"GET", "/api/v1/health", CP_PUBLIC, 0, api_health},
    {"POST", "/api/v1/session", CP_PUBLIC, 4096, console_api_login},
    {"GET", "/api/v1/session", CP_SESSION, 0, console_api_whoami},
    {"DELETE", "/api/v1/session", CP_SESSION, 0, console_api_logout},
    {"GET", "/api/v1/roles", CP_SESSION, 0, api_roles},
    {"GET", "/api/v1/users", CP_USER_READ, 0, console_api_users},
    {"POST", "/api/v1/users", CP_USER_WRITE, 4096, console_api_user_add},
    {"POST", "/api/v1/users/{name}/disable", CP_USER_WRITE, 0, console_api_user_disable},
    {"POST", "/api/v1/users/{name}/enable", CP_USER_WRITE, 0, console_api_user_enable},
    {"GET", "/api/v1/audit", CP_AUDIT_READ, 0, console_api_audit},
};

#define TABLE(t) {t, sizeof t / sizeof t[0]}
const console_route_table console_route_tables[] = {
    TABLE(core_routes),
    TABLE(console_routes_patients),
    TABLE(console_routes_views),
    TABLE(console_routes_entry),
    TABLE(console_routes_diary),
};
const size_t console_route_ntables = sizeof console_route_tables / sizeof console_route_tables[0];
