/* host/psuite_acl: who may see what, through the iSCSI layer.
 *
 * An initiator whose name the target's access list does not hold is
 * refused at login with an initiator error (§11.13.5, status class 2;
 * 0x0202 "Authorization failure" names the cause). The control is a login
 * under the suite's own name first: only a target that admits the suite
 * and refuses a stranger has an access list to test, and one that admits
 * both is NA (it has none: demo mode, generate_node_acls, tgt's -I ALL).
 *
 * A LUN not mapped to this initiator is absent from its REPORT LUNS and is
 * an incorrect logical unit (SAM-5, "incorrect logical unit selection"):
 * INQUIRY answers with peripheral qualifier 011b and device type 1Fh
 * (SPC-4 §6.6.2), any other command with CHECK CONDITION, ILLEGAL
 * REQUEST, LOGICAL UNIT NOT SUPPORTED (25h/00h). The iSCSI layer carries the LUN field (§11.3.4):
 * a target that answers for a LUN it does not map leaks another
 * initiator's storage.
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/psuite.h"

#define ACL_REPORT_LUNS_MAX 256u /* LUNs read from one REPORT LUNS */
#define ACL_REPORT_LEN (8u + 8u * ACL_REPORT_LUNS_MAX)
#define ACL_INQUIRY_LEN 36u
#define SCSI_CHECK_CONDITION 0x02u
#define SCSI_GOOD 0x00u
#define SENSE_ILLEGAL_REQUEST 0x05u
#define ASC_LU_NOT_SUPPORTED 0x25u

/* ---- an initiator not in the access list ---- */

/* Log in under `name` on a new connection: 0 admitted (then dropped),
 * 1 refused with *status, -1 when no Login Response came (detail set). */
static int try_login(struct ps_ctx *c, const char *name, uint16_t *status)
{
	struct ps_sess *s = ps_connect(c, false);
	*status = 0;
	if (s == NULL)
		return -1;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	cfg.initiator_name = name;
	int rc = ps_login(c, s, &cfg);
	*status = s->login_status;
	if (rc == 0) {
		/* Dropped, not logged out: the test is about the login, and a
		 * target's Logout Response is other tests' business. */
		ps_disconnect(s);
		return 0;
	}
	ps_disconnect(s);
	return *status != 0 ? 1 : -1;
}

/* The control and the stranger; PS_PASS when the stranger was refused
 * (its status in *status), else the verdict to return. */
static enum ps_verdict stranger(struct ps_ctx *c, uint16_t *status)
{
	uint16_t own;
	int rc = try_login(c, PS_INITIATOR_NAME, &own);
	if (rc < 0)
		return PS_FAIL;
	if (rc > 0)
		return ps_na(c, "the suite's own name (%s) is refused too (status 0x%04x): give the URL of a target "
				"whose access list admits it", PS_INITIATOR_NAME, own);
	rc = try_login(c, PS_STRANGER_NAME, status);
	if (rc < 0)
		return PS_FAIL;
	if (rc == 0)
		return ps_na(c, "%s logged in as well as the suite's own name: this target has no access list "
				"(open to any initiator)", PS_STRANGER_NAME);
	return PS_PASS;
}

static enum ps_verdict acl_refused(struct ps_ctx *c)
{
	uint16_t st;
	enum ps_verdict v = stranger(c, &st);
	if (v != PS_PASS)
		return v;
	if (st >> 8 != 0x02)
		return ps_fail(c, "an initiator not in the access list got status 0x%04x: want class 2 "
				  "(initiator error), not %s", st,
			st >> 8 == 0x03 ? "a target error (which invites a retry)" : "this class");
	return ps_pass(c, "refused with status 0x%04x", st);
}

static enum ps_verdict acl_status(struct ps_ctx *c)
{
	uint16_t st;
	enum ps_verdict v = stranger(c, &st);
	if (v != PS_PASS)
		return v;
	if (st != 0x0202)
		return ps_fail(c, "an initiator not in the access list got status 0x%04x, not 0x0202 (Authorization "
				  "failure: \"not allowed access to the given target\")", st);
	return ps_pass(c, "status 0x0202");
}

/* ---- a LUN not mapped to this initiator ---- */

/* The first LUN (0-255) the target's REPORT LUNS leaves out, in *lun;
 * PS_PASS, or the verdict to return. */
static enum ps_verdict unmapped_lun(struct ps_ctx *c, struct ps_sess *s, uint64_t *lun)
{
	static uint8_t buf[ACL_REPORT_LEN];
	struct ps_scsi cmd = { .read = true, .buf = buf, .len = sizeof(buf) };
	memset(buf, 0, sizeof(buf));
	cmd.cdb[0] = 0xa0; /* REPORT LUNS, SELECT REPORT 0 (SPC-4 §6.33) */
	put_be32(cmd.cdb + 6, sizeof(buf));
	if (ps_scsi_run(c, s, &cmd) != 0)
		return PS_FAIL;
	if (cmd.status != SCSI_GOOD)
		return ps_fail(c, "REPORT LUNS: status 0x%02x", cmd.status);
	uint32_t n = get_be32(buf) / 8;
	if (n > ACL_REPORT_LUNS_MAX)
		n = ACL_REPORT_LUNS_MAX;
	bool listed[256] = { false }, ours = false;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = buf + 8 + 8 * i;
		/* peripheral (00b) or flat (01b) addressing, one level */
		uint64_t l = ((uint64_t)(e[0] & 0x3f) << 8) | e[1];
		if (l < 256)
			listed[l] = true;
		ours |= l == c->cfg->t1.lun;
	}
	if (!ours)
		return ps_fail(c, "REPORT LUNS (%u LUNs) does not list LUN %llu, which this session uses", n,
			(unsigned long long)c->cfg->t1.lun);
	for (uint64_t l = 0; l < 256; l++)
		if (!listed[l]) {
			*lun = l;
			return PS_PASS;
		}
	return ps_na(c, "every LUN 0-255 is mapped to this initiator");
}

/* A session, and the first LUN its REPORT LUNS leaves out; PS_PASS, or
 * the verdict to return. */
static enum ps_verdict open_beside_unmapped(struct ps_ctx *c, struct ps_sess **s, uint64_t *lun)
{
	*s = ps_open(c);
	return *s == NULL ? PS_FAIL : unmapped_lun(c, *s, lun);
}

static enum ps_verdict lun_unmapped_command(struct ps_ctx *c)
{
	struct ps_sess *s;
	uint64_t lun;
	enum ps_verdict v = open_beside_unmapped(c, &s, &lun);
	if (v != PS_PASS)
		return v;
	struct ps_scsi cmd;
	ps_cdb_tur(&cmd);
	cmd.other_lun = true;
	cmd.lun = lun;
	if (ps_scsi_run(c, s, &cmd) != 0)
		return PS_FAIL;
	if (cmd.status != SCSI_CHECK_CONDITION)
		return ps_fail(c, "TEST UNIT READY to LUN %llu, which REPORT LUNS leaves out: status 0x%02x, want "
				  "CHECK CONDITION", (unsigned long long)lun, cmd.status);
	uint8_t key, asc, ascq;
	const uint8_t *sn = cmd.sense;
	if (cmd.sense_len >= 14 && (sn[0] & 0x7e) == 0x70) {
		key = sn[2] & 0x0f, asc = sn[12], ascq = sn[13];
	} else if (cmd.sense_len >= 4 && (sn[0] & 0x7e) == 0x72) {
		key = sn[1] & 0x0f, asc = sn[2], ascq = sn[3];
	} else {
		return ps_fail(c, "TEST UNIT READY to LUN %llu: CHECK CONDITION without usable sense data (%u bytes)",
			(unsigned long long)lun, cmd.sense_len);
	}
	if (key != SENSE_ILLEGAL_REQUEST || asc != ASC_LU_NOT_SUPPORTED || ascq != 0)
		return ps_fail(c, "TEST UNIT READY to LUN %llu: sense %xh/%02xh/%02xh, want ILLEGAL REQUEST, LOGICAL "
				  "UNIT NOT SUPPORTED (5h/25h/00h)", (unsigned long long)lun, key, asc, ascq);
	return ps_pass(c, "LUN %llu: CHECK CONDITION, 5h/25h/00h", (unsigned long long)lun);
}

static enum ps_verdict lun_unmapped_inquiry(struct ps_ctx *c)
{
	struct ps_sess *s;
	uint64_t lun;
	enum ps_verdict v = open_beside_unmapped(c, &s, &lun);
	if (v != PS_PASS)
		return v;
	uint8_t inq[ACL_INQUIRY_LEN];
	memset(inq, 0xee, sizeof(inq));
	struct ps_scsi cmd = { .read = true, .buf = inq, .len = sizeof(inq), .other_lun = true, .lun = lun };
	cmd.cdb[0] = 0x12; /* INQUIRY, standard data */
	put_be16(cmd.cdb + 3, sizeof(inq));
	if (ps_scsi_run(c, s, &cmd) != 0)
		return PS_FAIL;
	if (cmd.status != SCSI_GOOD)
		return ps_fail(c, "INQUIRY to LUN %llu, which REPORT LUNS leaves out: status 0x%02x, want GOOD with "
				  "peripheral qualifier 011b", (unsigned long long)lun, cmd.status);
	if (cmd.data_in == 0)
		return ps_fail(c, "INQUIRY to LUN %llu: GOOD without data", (unsigned long long)lun);
	if (inq[0] != 0x7f)
		return ps_fail(c, "INQUIRY to LUN %llu: byte 0 is 0x%02x (qualifier %u, type 0x%02x), want 0x7f "
				  "(qualifier 011b, type 1Fh: no logical unit here)",
			(unsigned long long)lun, inq[0], inq[0] >> 5, inq[0] & 0x1f);
	return ps_pass(c, "LUN %llu: INQUIRY byte 0 is 0x7f", (unsigned long long)lun);
}

const struct ps_test ps_tests_acl[] = {
	{ "acl.not-listed-refused", "11.13.5", PS_MUST,
		"an initiator not in the access list is refused with an initiator error (class 2)", acl_refused },
	{ "acl.not-listed-status", "11.13.5", PS_SHOULD,
		"... and the status says why: 0x0202 Authorization failure", acl_status },
	{ "lun.unmapped-command", "11.3.4", PS_MUST,
		"a command to a LUN not mapped to this initiator: CHECK CONDITION, LOGICAL UNIT NOT SUPPORTED (SAM-5)", lun_unmapped_command },
	{ "lun.unmapped-inquiry", "11.3.4", PS_MUST,
		"INQUIRY to a LUN not mapped to this initiator: qualifier 011b, type 1Fh (SPC-4 6.6.2)",
		lun_unmapped_inquiry },
};
const unsigned ps_tests_acl_n = sizeof(ps_tests_acl) / sizeof(ps_tests_acl[0]);
