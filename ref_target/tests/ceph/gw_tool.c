/* gw_tool: one initiator step for the gateway failover test (failover.sh),
 * through libiscsi's sync API: write or read 4 KiB at an LBA. Not part of
 * the target: a tool.
 *
 * usage: gw_tool URL write LBA BYTE [GO_FILE]
 *          WRITE(10) 8 blocks of BYTE (0..255) at LBA. With GO_FILE: log
 *          in, create GO_FILE.ready, wait until GO_FILE exists (at most
 *          GW_WAIT_S), then write: the test pauses the target in between,
 *          so the write reaches it while it is stopped.
 *        gw_tool URL read LBA
 *          READ(10) 8 blocks; prints "byte 0xNN" if all bytes are NN,
 *          else "mixed".
 * Prints "GOOD", or "CHECK key/asc/ascq"; exit status 0 GOOD, 3 CHECK
 * CONDITION, 1 any other error, 2 usage.
 */
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_ERR 1
#define EXIT_USAGE 2
#define EXIT_CHECK 3
#define BLOCK 512u
#define BLOCKS 8u
#define GW_WAIT_S 60
#define INITIATOR "iqn.2026-11.org.iscsi-sim:gw-tool"

static int usage(void)
{
	fprintf(stderr, "usage: gw_tool URL write LBA BYTE [GO_FILE] | gw_tool URL read LBA\n");
	return EXIT_USAGE;
}

/* GOOD or CHECK CONDITION as the exit status says; the task is freed. */
static int report(struct iscsi_context *iscsi, struct scsi_task *t)
{
	if (t == NULL) {
		fprintf(stderr, "gw_tool: %s\n", iscsi_get_error(iscsi));
		return EXIT_ERR;
	}
	int rc = EXIT_ERR;
	if (t->status == SCSI_STATUS_GOOD) {
		printf("GOOD\n");
		rc = 0;
	} else if (t->status == SCSI_STATUS_CHECK_CONDITION) {
		printf("CHECK %x/%02x/%02x\n", (unsigned)t->sense.key, (unsigned)(t->sense.ascq >> 8),
		       (unsigned)(t->sense.ascq & 0xff));
		rc = EXIT_CHECK;
	} else {
		printf("STATUS 0x%02x\n", (unsigned)t->status);
	}
	scsi_free_scsi_task(t);
	return rc;
}

static int wait_go(const char *go)
{
	char ready[4096];
	snprintf(ready, sizeof(ready), "%s.ready", go);
	FILE *f = fopen(ready, "w");
	if (f == NULL)
		return -1;
	fclose(f);
	for (int i = 0; i < GW_WAIT_S * 20; i++) {
		if (access(go, F_OK) == 0)
			return 0;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	bool write = strcmp(argv[2], "write") == 0;
	if ((!write && strcmp(argv[2], "read") != 0) || (write && argc < 5))
		return usage();
	uint32_t lba = (uint32_t)strtoul(argv[3], NULL, 0);
	struct iscsi_context *iscsi = iscsi_create_context(INITIATOR);
	struct iscsi_url *url = iscsi ? iscsi_parse_full_url(iscsi, argv[1]) : NULL;
	if (url == NULL) {
		fprintf(stderr, "gw_tool: bad URL %s\n", argv[1]);
		return EXIT_USAGE;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun) != 0) {
		fprintf(stderr, "gw_tool: login: %s\n", iscsi_get_error(iscsi));
		return EXIT_ERR;
	}
	/* A unit attention (power on, reset) is not what this step is about:
	 * one TEST UNIT READY takes it. */
	struct scsi_task *tur = iscsi_testunitready_sync(iscsi, url->lun);
	if (tur)
		scsi_free_scsi_task(tur);
	uint8_t buf[BLOCKS * BLOCK];
	int rc;
	if (write) {
		memset(buf, (int)strtoul(argv[4], NULL, 0), sizeof(buf));
		if (argc > 5 && wait_go(argv[5]) != 0) {
			fprintf(stderr, "gw_tool: no go from %s\n", argv[5]);
			return EXIT_ERR;
		}
		rc = report(iscsi, iscsi_write10_sync(iscsi, url->lun, lba, buf, sizeof(buf), BLOCK, 0, 0, 0, 0, 0));
	} else {
		struct scsi_task *t = iscsi_read10_sync(iscsi, url->lun, lba, sizeof(buf), BLOCK, 0, 0, 0, 0, 0);
		if (t != NULL && t->status == SCSI_STATUS_GOOD && t->datain.size == (int)sizeof(buf)) {
			bool same = true;
			for (size_t i = 1; i < sizeof(buf); i++)
				same = same && t->datain.data[i] == t->datain.data[0];
			if (same)
				printf("byte 0x%02x\n", t->datain.data[0]);
			else
				printf("mixed\n");
		}
		rc = report(iscsi, t);
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return rc;
}
