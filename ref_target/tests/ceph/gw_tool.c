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
 *        gw_tool URL rtpg
 *          REPORT TARGET PORT GROUPS; prints "groups G:ST:P,P G:ST ..."
 *          (each group's id, state AO AN S U T, and relative target port
 *          ids if any, in the order reported), then GOOD.
 *        gw_tool URL stpg GROUP
 *          SET TARGET PORT GROUPS: GROUP active/optimized.
 *        gw_tool URL caw LBA OLD NEW [AT]
 *          COMPARE AND WRITE of one block: compare with OLD (0..255) in
 *          every byte (but byte AT, made different), write NEW; a
 *          MISCOMPARE prints "CHECK e/1d/00 info N" with the INFORMATION
 *          field (SBC-3 §5.2: the first differing byte).
 * A unit attention before the command proper (a new nexus, a state
 * change) is taken and the command sent again, at most GW_UA_TRIES times.
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
#define GW_UA_TRIES 4
#define RTPG_LEN 1024u

static int report(struct iscsi_context *iscsi, struct scsi_task *t);

static int usage(void)
{
	fprintf(stderr, "usage: gw_tool URL write LBA BYTE [GO_FILE] | gw_tool URL read LBA | gw_tool URL rtpg | "
			"gw_tool URL stpg GROUP | gw_tool URL caw LBA OLD NEW [AT]\n");
	return EXIT_USAGE;
}

/* One CDB, sent again after a unit attention. */
static struct scsi_task *command(struct iscsi_context *iscsi, int lun, uint8_t *cdb, int cdb_len, int dir,
				 uint32_t xfer, uint8_t *out, uint32_t out_len)
{
	struct scsi_task *t = NULL;
	for (int i = 0; i < GW_UA_TRIES; i++) {
		if (t != NULL)
			scsi_free_scsi_task(t);
		t = scsi_create_task(cdb_len, cdb, dir, (int)xfer);
		if (t == NULL)
			return NULL;
		struct iscsi_data d = { .size = out_len, .data = out };
		if (iscsi_scsi_command_sync(iscsi, lun, t, out ? &d : NULL) == NULL) {
			scsi_free_scsi_task(t);
			return NULL;
		}
		if (t->status != SCSI_STATUS_CHECK_CONDITION || t->sense.key != SCSI_SENSE_UNIT_ATTENTION)
			break;
	}
	return t;
}

static const char *state_word(uint8_t s)
{
	switch (s & 0x0f) {
	case 0x0: return "AO";
	case 0x1: return "AN";
	case 0x2: return "S";
	case 0x3: return "U";
	case 0xf: return "T";
	}
	return "?";
}

static int rtpg(struct iscsi_context *iscsi, int lun)
{
	uint8_t cdb[12] = { 0xa3, 0x0a, 0, 0, 0, 0, RTPG_LEN >> 24, (RTPG_LEN >> 16) & 0xff, (RTPG_LEN >> 8) & 0xff,
			    RTPG_LEN & 0xff, 0, 0 };
	struct scsi_task *t = command(iscsi, lun, cdb, sizeof(cdb), SCSI_XFER_READ, RTPG_LEN, NULL, 0);
	if (t != NULL && t->status == SCSI_STATUS_GOOD && t->datain.size >= 4) {
		const uint8_t *p = t->datain.data;
		uint32_t len = 4u + ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
		if (len > (uint32_t)t->datain.size)
			len = (uint32_t)t->datain.size;
		printf("groups");
		for (uint32_t off = 4; off + 8 <= len; off += 8u + 4u * p[off + 7]) {
			printf(" %u:%s", (unsigned)(p[off + 2] << 8 | p[off + 3]), state_word(p[off]));
			for (uint32_t k = 0; k < p[off + 7] && off + 12 + 4 * k <= len; k++)
				printf("%c%u", k ? ',' : ':', (unsigned)(p[off + 8 + 4 * k + 2] << 8 | p[off + 8 + 4 * k + 3]));
		}
		printf("\n");
	}
	return report(iscsi, t);
}

static int stpg(struct iscsi_context *iscsi, int lun, uint16_t group)
{
	uint8_t param[8] = { 0, 0, 0, 0, 0x00 /* active/optimized */, 0, (uint8_t)(group >> 8), (uint8_t)group };
	uint8_t cdb[12] = { 0xa4, 0x0a, 0, 0, 0, 0, 0, 0, 0, sizeof(param), 0, 0 };
	return report(iscsi, command(iscsi, lun, cdb, sizeof(cdb), SCSI_XFER_WRITE, sizeof(param), param,
				     sizeof(param)));
}

/* The INFORMATION field of a CHECK CONDITION's sense data (SPC-4
 * §4.5.2.2 descriptor 00h, §4.5.3 fixed format with VALID), or -1. This
 * libiscsi (1.19) keeps the sense as received in datain: a two-byte
 * length, then the bytes. */
static long long sense_info(const struct scsi_task *t)
{
	const uint8_t *d = t->datain.data;
	int n = t->datain.size;
	if (d == NULL || n < 2 + 8)
		return -1;
	const uint8_t *sb = d + 2;
	n -= 2;
	if ((sb[0] & 0x7f) == 0x70 || (sb[0] & 0x7f) == 0x71)
		return (sb[0] & 0x80) ? (long long)((uint32_t)sb[3] << 24 | sb[4] << 16 | sb[5] << 8 | sb[6]) : -1;
	for (int off = 8; off + 2 <= n && off + 2 + sb[off + 1] <= n; off += 2 + sb[off + 1]) {
		if (sb[off] != 0x00 || sb[off + 1] != 0x0a || !(sb[off + 2] & 0x80))
			continue;
		unsigned long long v = 0;
		for (int i = 0; i < 8; i++)
			v = v << 8 | sb[off + 4 + i];
		return (long long)v;
	}
	return -1;
}

static int caw(struct iscsi_context *iscsi, int lun, uint32_t lba, int old, int new, long at)
{
	uint8_t data[2 * BLOCK];
	memset(data, old, BLOCK);
	memset(data + BLOCK, new, BLOCK);
	if (at >= 0 && at < (long)BLOCK)
		data[at] = (uint8_t)~old;
	uint8_t cdb[16] = { 0x89 };
	for (int i = 0; i < 4; i++)
		cdb[6 + i] = (uint8_t)(lba >> (24 - 8 * i));
	cdb[13] = 1;
	struct scsi_task *t = command(iscsi, lun, cdb, sizeof(cdb), SCSI_XFER_WRITE, sizeof(data), data,
				      sizeof(data));
	if (t != NULL && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_MISCOMPARE) {
		printf("CHECK e/%02x/%02x info %lld\n", (unsigned)(t->sense.ascq >> 8),
		       (unsigned)(t->sense.ascq & 0xff), sense_info(t));
		scsi_free_scsi_task(t);
		return EXIT_CHECK;
	}
	return report(iscsi, t);
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
	if (argc < 3)
		return usage();
	bool write = strcmp(argv[2], "write") == 0;
	bool alua = strcmp(argv[2], "rtpg") == 0 || strcmp(argv[2], "stpg") == 0;
	bool is_caw = strcmp(argv[2], "caw") == 0;
	if (is_caw && argc < 6)
		return usage();
	if (!alua && !is_caw && ((!write && strcmp(argv[2], "read") != 0) || (write && argc < 5) || argc < 4))
		return usage();
	if (strcmp(argv[2], "stpg") == 0 && argc < 4)
		return usage();
	uint32_t lba = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 0;
	struct iscsi_context *iscsi = iscsi_create_context(INITIATOR);
	struct iscsi_url *url = iscsi ? iscsi_parse_full_url(iscsi, argv[1]) : NULL;
	if (url == NULL) {
		fprintf(stderr, "gw_tool: bad URL %s\n", argv[1]);
		return EXIT_USAGE;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	/* not iscsi_full_connect_sync: its TEST UNIT READY fails the login
	 * on a standby path, which is what some steps look at */
	if (iscsi_connect_sync(iscsi, url->portal) != 0 || iscsi_login_sync(iscsi) != 0) {
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
	if (strcmp(argv[2], "rtpg") == 0) {
		rc = rtpg(iscsi, url->lun);
	} else if (is_caw) {
		rc = caw(iscsi, url->lun, lba, (int)strtoul(argv[4], NULL, 0), (int)strtoul(argv[5], NULL, 0),
			 argc > 6 ? strtol(argv[6], NULL, 0) : -1);
	} else if (strcmp(argv[2], "stpg") == 0) {
		rc = stpg(iscsi, url->lun, (uint16_t)lba);
	} else if (write) {
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
