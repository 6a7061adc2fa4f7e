/* login_talk: the conversation the login test suites share: one login
 * (x) fed one request (r) at a time, its answer (resp) and verdict (v),
 * the Check fixture, and checks of the outcome. Built on login_fixture.
 */
#ifndef LOGIN_TALK_H
#define LOGIN_TALK_H

#include <stdint.h>

#include "core/login.h"
#include "login_fixture.h"

extern struct fx x;
extern struct fx_req r;
extern struct pdu resp;
extern enum login_verdict v;

void talk_setup(void);
void talk_teardown(void);
/* Send r; the answer lands in resp and v. */
enum login_verdict talk_send(void);
/* The request failed with status, and the connection is to close. */
void talk_fail(uint16_t status);
void talk_ok(void);
/* A first request in the operational stage asking for full feature phase. */
void talk_op_request(const char *initiator, unsigned ti);
/* A first request in the security stage asking for the operational stage. */
void talk_sec_request(const char *initiator, unsigned ti, const char *auth_method);

#endif
