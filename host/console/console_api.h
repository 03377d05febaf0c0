/* console_api.h: the handlers of the API's routes (console_api.c lists them). */
#ifndef NMOD_CONSOLE_API_H
#define NMOD_CONSOLE_API_H

#include "console_http.h"

/* console_api_users.c: the accounts (admin). */
void console_api_users(console_req *rq, console_resp *rs);
void console_api_user_add(console_req *rq, console_resp *rs);
void console_api_user_disable(console_req *rq, console_resp *rs);
void console_api_user_enable(console_req *rq, console_resp *rs);
/* console_api_audit.c: the audit trail, newest first. */
void console_api_audit(console_req *rq, console_resp *rs);
/* console_api_diary.c: the patient's diary page and its links. */
#define CONSOLE_DIARY_ROUTES 7
extern const console_route console_routes_diary[CONSOLE_DIARY_ROUTES];

#endif
