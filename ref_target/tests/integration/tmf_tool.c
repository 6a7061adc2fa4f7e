/* tmf_tool: a target reset from one initiator while another has a WRITE
 * waiting for its Data-Out, through libiscsi; for target_reset.sh. Not part
 * of the target: a tool.
 *
 *   1. B logs in (LUN 0) with InitialR2T=Yes and ImmediateData=No, takes
 *      its unit attentions, and sends WRITE(10) of one block at LBA 0; the
 *      target's R2T reaches B's socket and stays unread, so the task waits
 *      at the target for its Data-Out.
 *   2. A logs in (LUN 0), takes its unit attentions, and sends TARGET WARM
 *      RESET or TARGET COLD RESET (RFC 7143 §11.5.1).
 *   3. B reads the R2T, sends the data and waits for the status; then a
 *      TEST UNIT READY from B and from A.
 *
 * usage: tmf_tool PORTAL TARGET INITIATOR_A INITIATOR_B warm|cold
 * Prints one line per fact, each "name value":
 *   tmf_response N     the TMF Response code (or "none")
 *   b_write S          GOOD, "status-N", "ended" (the connection went) or
 *                      "no-answer" after 5 s
 *   b_tur S            GOOD or "KEY/ASC/ASCQ" in hex, "no-answer", "ended"
 *                      (the connection is gone), "error"
 *   a_tur S            the same for A
 * Exit status: 0 the facts were printed, 1 setup failed, 2 usage.
 */
#include <inttypes.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_ERR 1
#define EXIT_USAGE 2
#define BLOCK 512
#define WAIT_MS 5000 /* a Data-Out or TMF answer not back by then never will be */
#define UA_MAX 8     /* unit attentions taken after login */

struct done {
	int finished;
	int status;
	uint32_t response;
	struct scsi_task *task;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Run ctx's event loop until *flag or WAIT_MS; 0 if flag was set. */
static int loop_until(struct iscsi_context *ctx, const int *flag)
{
	long end = now_ms() + WAIT_MS;
	while (!*flag) {
		long left = end - now_ms();
		if (left <= 0)
			return -1;
		struct pollfd p = { .fd = iscsi_get_fd(ctx), .events = (short)iscsi_which_events(ctx) };
		int n = poll(&p, 1, (int)(left < 100 ? left : 100));
		if (n < 0)
			return -1;
		if (iscsi_service(ctx, n > 0 ? p.revents : 0) < 0)
			return -1;
	}
	return 0;
}

static void cmd_cb(struct iscsi_context *ctx, int status, void *data, void *priv)
{
	struct done *d = priv;
	(void)ctx;
	d->finished = 1;
	d->status = status;
	d->task = data;
}

static void tmf_cb(struct iscsi_context *ctx, int status, void *data, void *priv)
{
	struct done *d = priv;
	(void)ctx;
	d->finished = 1;
	d->status = status;
	d->response = (status == SCSI_STATUS_GOOD && data != NULL) ? *(uint32_t *)data : 0xffffffffu;
}

static struct iscsi_context *login(const char *portal, const char *target, const char *initiator, int hold_data)
{
	struct iscsi_context *ctx = iscsi_create_context(initiator);
	if (ctx == NULL)
		return NULL;
	iscsi_set_targetname(ctx, target);
	iscsi_set_session_type(ctx, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(ctx, ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_noautoreconnect(ctx, 1);
	if (hold_data) {
		/* the target must ask for the data with an R2T */
		iscsi_set_initial_r2t(ctx, ISCSI_INITIAL_R2T_YES);
		iscsi_set_immediate_data(ctx, ISCSI_IMMEDIATE_DATA_NO);
	}
	if (iscsi_full_connect_sync(ctx, portal, 0) != 0) {
		fprintf(stderr, "tmf_tool: %s: login failed: %s\n", initiator, iscsi_get_error(ctx));
		iscsi_destroy_context(ctx);
		return NULL;
	}
	return ctx;
}

/* TEST UNIT READY once, described as GOOD, KEY/ASC/ASCQ, no-answer, ended
 * (the connection is gone) or error. */
static void tur(struct iscsi_context *ctx, char *out, size_t len)
{
	struct done d = { 0 };
	if (iscsi_testunitready_task(ctx, 0, cmd_cb, &d) == NULL) {
		snprintf(out, len, "error");
		return;
	}
	if (loop_until(ctx, &d.finished) != 0) {
		snprintf(out, len, "no-answer");
		return;
	}
	if (d.status == SCSI_STATUS_GOOD)
		snprintf(out, len, "GOOD");
	else if (d.status == SCSI_STATUS_CHECK_CONDITION && d.task)
		snprintf(out, len, "%02x/%02x/%02x", (unsigned)d.task->sense.key, (unsigned)(d.task->sense.ascq >> 8),
			 (unsigned)(d.task->sense.ascq & 0xff));
	else if (d.status == SCSI_STATUS_CANCELLED || d.status == SCSI_STATUS_ERROR)
		snprintf(out, len, "ended"); /* libiscsi's own: the connection went */
	else
		snprintf(out, len, "status-%d", d.status);
	if (d.task)
		scsi_free_scsi_task(d.task);
}

/* TURs until GOOD: the power-on unit attention of a new nexus. */
static int settle(struct iscsi_context *ctx)
{
	char s[32];
	for (int k = 0; k < UA_MAX; k++) {
		tur(ctx, s, sizeof(s));
		if (strcmp(s, "GOOD") == 0)
			return 0;
		if (strchr(s, '/') == NULL)
			return -1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc != 6 || (strcmp(argv[5], "warm") != 0 && strcmp(argv[5], "cold") != 0)) {
		fprintf(stderr, "usage: tmf_tool PORTAL TARGET INITIATOR_A INITIATOR_B warm|cold\n");
		return EXIT_USAGE;
	}
	const char *portal = argv[1], *target = argv[2];
	int cold = strcmp(argv[5], "cold") == 0;
	struct iscsi_context *b = login(portal, target, argv[4], 1);
	struct iscsi_context *a = b ? login(portal, target, argv[3], 0) : NULL;
	if (a == NULL || settle(b) != 0 || settle(a) != 0) {
		fprintf(stderr, "tmf_tool: setup failed\n");
		return EXIT_ERR;
	}

	/* 1. B's write: the command goes out, its R2T comes back unread. */
	static unsigned char data[BLOCK];
	memset(data, 0x5b, sizeof(data));
	struct done w = { 0 };
	if (iscsi_write10_task(b, 0, 0, data, BLOCK, BLOCK, 0, 0, 0, 0, 0, cmd_cb, &w) == NULL) {
		fprintf(stderr, "tmf_tool: write: %s\n", iscsi_get_error(b));
		return EXIT_ERR;
	}
	while (iscsi_which_events(b) & POLLOUT)
		if (iscsi_service(b, POLLOUT) < 0)
			return EXIT_ERR;
	struct pollfd p = { .fd = iscsi_get_fd(b), .events = POLLIN };
	if (poll(&p, 1, WAIT_MS) != 1) {
		fprintf(stderr, "tmf_tool: no R2T for the write\n");
		return EXIT_ERR;
	}

	/* 2. A's target reset. */
	struct done t = { 0 };
	int rc = cold ? iscsi_task_mgmt_target_cold_reset_async(a, tmf_cb, &t)
		      : iscsi_task_mgmt_target_warm_reset_async(a, tmf_cb, &t);
	if (rc != 0 || loop_until(a, &t.finished) != 0 || t.status != SCSI_STATUS_GOOD)
		printf("tmf_response none\n");
	else
		printf("tmf_response %" PRIu32 "\n", t.response);

	/* 3. B goes on: the R2T is answered, the write should end. */
	if (loop_until(b, &w.finished) != 0)
		printf("b_write no-answer\n");
	else if (w.status == SCSI_STATUS_GOOD)
		printf("b_write GOOD\n");
	else if (w.status == SCSI_STATUS_CANCELLED || w.status == SCSI_STATUS_ERROR)
		printf("b_write ended\n");
	else
		printf("b_write status-%d\n", w.status);
	char s[32];
	tur(b, s, sizeof(s));
	printf("b_tur %s\n", s);
	tur(a, s, sizeof(s));
	printf("a_tur %s\n", s);
	fflush(stdout);
	/* the contexts are not torn down politely: a dead connection (cold
	 * reset) would make a logout wait */
	iscsi_destroy_context(a);
	iscsi_destroy_context(b);
	return 0;
}
