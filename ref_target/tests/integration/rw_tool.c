/* rw_tool: a well-behaved initiator for daemon_membudget.sh: one session
 * through libiscsi's sync API that writes a pattern with WRITE(10), reads
 * it back with READ(10) and compares, LEN bytes at LBA. Not part of the
 * target: a tool.
 *
 * usage: rw_tool URL LBA LEN
 * Exit status: 0 the data came back, 1 any error (the message says which:
 * a TASK SET FULL or a timeout is an error here), 2 usage.
 */
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_ERR 1
#define EXIT_USAGE 2
#define BLOCK 512u
#define INITIATOR "iqn.2026-11.org.iscsi-sim:rw-tool"

static int fail(struct iscsi_context *iscsi, const char *what, struct scsi_task *task)
{
	fprintf(stderr, "rw_tool: %s: %s (status 0x%02x)\n", what, iscsi_get_error(iscsi),
		task ? (unsigned)task->status : 0xffu);
	if (task)
		scsi_free_scsi_task(task);
	return EXIT_ERR;
}

static int rw(struct iscsi_context *iscsi, int lun, uint32_t lba, uint32_t len)
{
	uint8_t *out = malloc(len);
	if (out == NULL)
		return EXIT_ERR;
	for (uint32_t i = 0; i < len; i++)
		out[i] = (uint8_t)(i * 13 + lba);
	struct scsi_task *t = iscsi_write10_sync(iscsi, lun, lba, out, len, BLOCK, 0, 0, 0, 0, 0);
	if (t == NULL || t->status != SCSI_STATUS_GOOD) {
		free(out);
		return fail(iscsi, "WRITE(10)", t);
	}
	scsi_free_scsi_task(t);
	t = iscsi_read10_sync(iscsi, lun, lba, len, BLOCK, 0, 0, 0, 0, 0);
	if (t == NULL || t->status != SCSI_STATUS_GOOD || t->datain.size != (int)len) {
		free(out);
		return fail(iscsi, "READ(10)", t);
	}
	int same = memcmp(t->datain.data, out, len) == 0;
	scsi_free_scsi_task(t);
	free(out);
	if (!same) {
		fprintf(stderr, "rw_tool: the data read back differs\n");
		return EXIT_ERR;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: rw_tool URL LBA LEN\n");
		return EXIT_USAGE;
	}
	uint32_t lba = (uint32_t)strtoul(argv[2], NULL, 0), len = (uint32_t)strtoul(argv[3], NULL, 0);
	if (len == 0 || len % BLOCK != 0) {
		fprintf(stderr, "rw_tool: LEN must be a multiple of %u\n", BLOCK);
		return EXIT_USAGE;
	}
	struct iscsi_context *iscsi = iscsi_create_context(INITIATOR);
	struct iscsi_url *url = iscsi ? iscsi_parse_full_url(iscsi, argv[1]) : NULL;
	if (url == NULL) {
		fprintf(stderr, "rw_tool: bad URL %s\n", argv[1]);
		return EXIT_USAGE;
	}
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	int rc = EXIT_ERR;
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun) != 0) {
		fprintf(stderr, "rw_tool: login: %s\n", iscsi_get_error(iscsi));
	} else {
		/* the first command of a new nexus meets the power-on unit
		 * attention (SPC-4 §5.14): take it with TEST UNIT READY */
		struct scsi_task *t = iscsi_testunitready_sync(iscsi, url->lun);
		if (t)
			scsi_free_scsi_task(t);
		rc = rw(iscsi, url->lun, lba, len);
		iscsi_logout_sync(iscsi);
	}
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return rc;
}
