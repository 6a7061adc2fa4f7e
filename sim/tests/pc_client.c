/* pc_client: a small, bounded iSCSI session through libiscsi (a real
 * initiator, not ours) for the pcap oracle test (sim/tests/oracle_pcap.sh):
 * TEST UNIT READY, INQUIRY, READ CAPACITY(10), WRITE(10) of 1 MiB (R2Ts
 * beyond the first burst), READ(10) of 1 MiB (several Data-In PDUs), and a
 * few one-block writes and reads, then logout. Not part of the target or
 * the simulator: a test tool, built by the test.
 *
 * usage: pc_client URL [crc32c]   (crc32c: offer only CRC32C header digests)
 * Exit status: 0 done, 1 an error (the message says which), 2 usage.
 */
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512u
#define BIG (1u << 20)  /* above FirstBurstLength and MaxRecvDataSegmentLength */
#define SMALL_IOS 8

static int check(struct iscsi_context *iscsi, struct scsi_task *t, const char *what)
{
	int ok = t != NULL && t->status == SCSI_STATUS_GOOD;
	if (!ok)
		fprintf(stderr, "pc_client: %s: %s\n", what, iscsi_get_error(iscsi));
	if (t != NULL)
		scsi_free_scsi_task(t);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "crc32c") != 0)) {
		fprintf(stderr, "usage: pc_client URL [crc32c]\n");
		return 2;
	}
	struct iscsi_context *iscsi = iscsi_create_context("iqn.2026-12.org.iscsi-sim:pc-client");
	struct iscsi_url *url = iscsi == NULL ? NULL : iscsi_parse_full_url(iscsi, argv[1]);
	if (url == NULL) {
		fprintf(stderr, "pc_client: bad URL %s\n", argv[1]);
		return 2;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, argc == 3 ? ISCSI_HEADER_DIGEST_CRC32C : ISCSI_HEADER_DIGEST_NONE);
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun) != 0) {
		fprintf(stderr, "pc_client: login failed: %s\n", iscsi_get_error(iscsi));
		return 1;
	}
	int lun = url->lun, bad = 0;
	static unsigned char buf[BIG];
	for (unsigned i = 0; i < BIG; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	bad |= check(iscsi, iscsi_testunitready_sync(iscsi, lun), "TEST UNIT READY");
	bad |= check(iscsi, iscsi_inquiry_sync(iscsi, lun, 0, 0, 255), "INQUIRY");
	bad |= check(iscsi, iscsi_readcapacity10_sync(iscsi, lun, 0, 0), "READ CAPACITY(10)");
	bad |= check(iscsi, iscsi_write10_sync(iscsi, lun, 0, buf, BIG, BLOCK, 0, 0, 0, 0, 0), "WRITE(10) 1 MiB");
	struct scsi_task *t = iscsi_read10_sync(iscsi, lun, 0, BIG, BLOCK, 0, 0, 0, 0, 0);
	if (t != NULL && t->status == SCSI_STATUS_GOOD && (t->datain.size != (int)BIG || memcmp(t->datain.data, buf, BIG) != 0)) {
		fprintf(stderr, "pc_client: READ(10) 1 MiB: not what was written\n");
		bad = 1;
	}
	bad |= check(iscsi, t, "READ(10) 1 MiB");
	for (unsigned i = 0; i < SMALL_IOS; i++) {
		bad |= check(iscsi, iscsi_write10_sync(iscsi, lun, 4096 + i, buf + i, BLOCK, BLOCK, 0, 0, 0, 0, 0), "WRITE(10)");
		bad |= check(iscsi, iscsi_read10_sync(iscsi, lun, 4096 + i, BLOCK, BLOCK, 0, 0, 0, 0, 0), "READ(10)");
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return bad;
}
