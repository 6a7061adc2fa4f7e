/* ctl_tool: one initiator under load while the target is reconfigured
 * live (ctl_live.sh). Writes a block, reads it back and compares, over
 * and over on one LUN for SECONDS, counting what happens: commands done,
 * data mismatches, 3F/0E REPORTED LUNS DATA HAS CHANGED unit attentions
 * (SPC-4 §6.37), other errors, and whether the session was lost (libiscsi's
 * reconnect is off, so a session the target ends stays ended).
 *
 *   ctl_tool -i INITIATOR URL SECONDS
 * prints: ops=N mismatches=N ua_luns_changed=N errors=N lost=0|1 lost_after_ops=N
 */
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK 512u
#define LBAS 64u /* the blocks the loop cycles over */
#define ASCQ_LUNS_CHANGED 0x3f0e

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 0 good, 1 UA 3F/0E, 2 another status, 3 session lost */
static int verdict(struct iscsi_context *iscsi, struct scsi_task *t)
{
	/* no task or a transport failure: with reconnection off, the
	 * connection is gone and the session with it */
	(void)iscsi;
	if (t == NULL)
		return 3;
	int v = 2;
	if (t->status == SCSI_STATUS_GOOD)
		v = 0;
	else if (t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_UNIT_ATTENTION &&
		 t->sense.ascq == ASCQ_LUNS_CHANGED)
		v = 1;
	else if (t->status == SCSI_STATUS_CANCELLED || t->status == SCSI_STATUS_ERROR)
		v = 3;
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 5 || strcmp(argv[1], "-i") != 0) {
		fprintf(stderr, "usage: ctl_tool -i INITIATOR URL SECONDS\n");
		return 2;
	}
	struct iscsi_context *iscsi = iscsi_create_context(argv[2]);
	struct iscsi_url *url = iscsi ? iscsi_parse_full_url(iscsi, argv[3]) : NULL;
	if (url == NULL) {
		fprintf(stderr, "ctl_tool: bad URL %s\n", argv[3]);
		return 1;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_noautoreconnect(iscsi, 1);
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun) != 0) {
		fprintf(stderr, "ctl_tool: login: %s\n", iscsi_get_error(iscsi));
		return 1;
	}
	printf("logged in\n");
	fflush(stdout);
	double end = now_s() + atof(argv[4]);
	unsigned long ops = 0, mismatch = 0, ua = 0, errors = 0;
	int lost = 0;
	unsigned char out[BLOCK];
	for (uint32_t i = 0; now_s() < end && !lost; i++) {
		uint32_t lba = i % LBAS;
		memset(out, (int)(i & 0xff), sizeof(out));
		memcpy(out, &i, sizeof(i));
		struct scsi_task *t = iscsi_write16_sync(iscsi, url->lun, lba, out, BLOCK, BLOCK, 0, 0, 0, 0, 0);
		int v = verdict(iscsi, t);
		if (t)
			scsi_free_scsi_task(t);
		if (v == 0) {
			t = iscsi_read16_sync(iscsi, url->lun, lba, BLOCK, BLOCK, 0, 0, 0, 0, 0);
			v = verdict(iscsi, t);
			if (v == 0 && (t->datain.size != (int)BLOCK || memcmp(t->datain.data, out, BLOCK) != 0))
				mismatch++;
			if (t)
				scsi_free_scsi_task(t);
		}
		ua += v == 1;
		errors += v == 2;
		lost = v == 3;
		ops += v == 0;
	}
	printf("ops=%lu mismatches=%lu ua_luns_changed=%lu errors=%lu lost=%d\n", ops, mismatch, ua, errors, lost);
	if (!lost)
		iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return 0;
}
