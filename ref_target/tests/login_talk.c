/* login_talk: see login_talk.h. */
#include "login_talk.h"

#include <check.h>

struct fx x;
struct fx_req r;
struct pdu resp;
enum login_verdict v;

void talk_setup(void)
{
	fx_init(&x);
}

void talk_teardown(void)
{
	fx_fini(&x);
}

enum login_verdict talk_send(void)
{
	return v = fx_send(&x, &r, &resp);
}

/* The request failed with status, and the connection is to close. */
void talk_fail(uint16_t status)
{
	ck_assert_msg(fx_status(&resp) == status, "status 0x%04x, want 0x%04x (%s)", fx_status(&resp),
		      status, x.login.why ? x.login.why : "");
	ck_assert_int_eq(v, LOGIN_REPLY_CLOSE);
	ck_assert_int_eq(x.login.phase, LOGIN_FAILED);
	if (status >> 8 != 1)
		ck_assert_uint_eq(resp.data_len, 0);
}

void talk_ok(void)
{
	ck_assert_msg(fx_status(&resp) == 0, "status 0x%04x (%s)", fx_status(&resp),
		      x.login.why ? x.login.why : "");
	ck_assert_int_ne(v, LOGIN_REPLY_CLOSE);
}

/* A first request in the operational stage asking for full feature phase. */
void talk_op_request(const char *initiator, unsigned ti)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, initiator, ti);
}

/* A first request in the security stage asking for the operational stage. */
void talk_sec_request(const char *initiator, unsigned ti, const char *auth_method)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, 0);
	fx_identity(&r, initiator, ti);
	if (auth_method)
		fx_keys(&r, auth_method, NULL);
}

