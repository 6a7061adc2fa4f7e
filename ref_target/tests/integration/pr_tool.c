/* pr_tool: one persistent-reservation step (SPC-4 §5.13, PERSISTENT RESERVE
 * OUT §6.16, PERSISTENT RESERVE IN §6.15) against a real target, through
 * libiscsi's sync API; for the daemon_pr_restart.sh integration test and
 * ref_target/tests/ceph/pr.sh. Not part of the target: a tool.
 *
 * Each run is one session. The ISID is fixed, so runs with the same
 * initiator name are the same I_T nexus, as a real initiator keeps its
 * ISID for a target (RFC 7143's ISID RULE); a registration made by one run
 * is the next run's.
 *
 * usage: pr_tool [-i INITIATOR] URL COMMAND [ARGS]
 *   register KEY [aptpl]   REGISTER an unregistered nexus (APTPL bit as asked)
 *   reserve KEY TYPE       RESERVE; TYPE we, ea, we-ro, ea-ro, we-ar, ea-ar
 *   unregister KEY         REGISTER with SERVICE ACTION RESERVATION KEY 0
 *   clear KEY              CLEAR
 *   preempt KEY SAKEY TYPE PREEMPT the registrations of SAKEY (and their
 *                          reservation, taken as TYPE)
 *   read-keys              prints "generation N", then "key 0xK" per key
 *   read-reservation       prints "generation N", then "key 0xK type T" or "none"
 *   caps                   REPORT CAPABILITIES: "ptpl_c B ptpl_a B"
 *   write LBA              WRITE(10) one block of zeros at LBA
 * Exit status: 0 done, 1 any error (the message says which), 2 usage,
 * 3 RESERVATION CONFLICT.
 */
#include <getopt.h>
#include <inttypes.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_ERR 1
#define EXIT_USAGE 2
#define EXIT_CONFLICT 3
#define PRIN_ALLOC 8192u /* room for every key (8 bytes each) */
#define ISID_RANDOM 0x505254u /* "PRT": any fixed value will do */
/* REPORT CAPABILITIES (SPC-4 §6.15.4): byte 2 bit 0, byte 3 bit 0 */
#define RCAP_PTPL_C 0x01
#define RCAP_PTPL_A 0x01
#define DEFAULT_INITIATOR "iqn.2026-11.org.iscsi-sim:pr-tool"

static const struct {
	const char *name;
	enum scsi_persistent_out_type type;
} pr_types[] = {
	{ "we", SCSI_PERSISTENT_RESERVE_TYPE_WRITE_EXCLUSIVE },
	{ "ea", SCSI_PERSISTENT_RESERVE_TYPE_EXCLUSIVE_ACCESS },
	{ "we-ro", SCSI_PERSISTENT_RESERVE_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY },
	{ "ea-ro", SCSI_PERSISTENT_RESERVE_TYPE_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY },
	{ "we-ar", SCSI_PERSISTENT_RESERVE_TYPE_WRITE_EXCLUSIVE_ALL_REGISTRANTS },
	{ "ea-ar", SCSI_PERSISTENT_RESERVE_TYPE_EXCLUSIVE_ACCESS_ALL_REGISTRANTS },
};

static void usage(void)
{
	fprintf(stderr, "usage: pr_tool [-i INITIATOR] URL register KEY [aptpl] | reserve KEY TYPE |\n"
			"       preempt KEY SAKEY TYPE | unregister KEY | clear KEY | read-keys |\n"
			"       read-reservation | caps |\n"
			"       write LBA\n");
	exit(EXIT_USAGE);
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (*s == '\0' || *end != '\0')
		usage();
	return v;
}

static const char *type_name(int type)
{
	for (size_t i = 0; i < sizeof(pr_types) / sizeof(pr_types[0]); i++)
		if ((int)pr_types[i].type == type)
			return pr_types[i].name;
	return "unknown";
}

/* The task, if it ended GOOD; otherwise says why and exits. */
static struct scsi_task *done(struct iscsi_context *iscsi, struct scsi_task *task, const char *what)
{
	if (task == NULL) {
		fprintf(stderr, "pr_tool: %s: %s\n", what, iscsi_get_error(iscsi));
		exit(EXIT_ERR);
	}
	if (task->status == SCSI_STATUS_RESERVATION_CONFLICT) {
		fprintf(stderr, "pr_tool: %s: RESERVATION CONFLICT\n", what);
		exit(EXIT_CONFLICT);
	}
	if (task->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "pr_tool: %s: status 0x%02x, sense %s ascq 0x%04x: %s\n", what, task->status,
			scsi_sense_key_str(task->sense.key), task->sense.ascq, iscsi_get_error(iscsi));
		exit(EXIT_ERR);
	}
	return task;
}

static void *unmarshall(struct iscsi_context *iscsi, struct scsi_task *task, const char *what)
{
	void *d = scsi_datain_unmarshall(task);
	if (d == NULL) {
		fprintf(stderr, "pr_tool: %s: cannot parse the data-in: %s\n", what, iscsi_get_error(iscsi));
		exit(EXIT_ERR);
	}
	return d;
}

static void prout(struct iscsi_context *iscsi, int lun, int sa, int type, struct scsi_persistent_reserve_out_basic *p,
		  const char *what)
{
	scsi_free_scsi_task(done(iscsi, iscsi_persistent_reserve_out_sync(iscsi, lun, sa,
									 SCSI_PERSISTENT_RESERVE_SCOPE_LU, type, p),
				 what));
}

static struct scsi_task *prin(struct iscsi_context *iscsi, int lun, int sa, const char *what)
{
	return done(iscsi, iscsi_persistent_reserve_in_sync(iscsi, lun, sa, PRIN_ALLOC), what);
}

static int run(struct iscsi_context *iscsi, int lun, int argc, char **argv)
{
	const char *cmd = argv[0];
	struct scsi_persistent_reserve_out_basic p;
	memset(&p, 0, sizeof(p));
	if (strcmp(cmd, "register") == 0 && (argc == 2 || (argc == 3 && strcmp(argv[2], "aptpl") == 0))) {
		p.service_action_reservation_key = parse_u64(argv[1]);
		p.aptpl = argc == 3;
		prout(iscsi, lun, SCSI_PERSISTENT_RESERVE_REGISTER, 0, &p, "REGISTER");
	} else if (strcmp(cmd, "reserve") == 0 && argc == 3) {
		size_t i = 0, n = sizeof(pr_types) / sizeof(pr_types[0]);
		while (i < n && strcmp(pr_types[i].name, argv[2]) != 0)
			i++;
		if (i == n)
			usage();
		p.reservation_key = parse_u64(argv[1]);
		prout(iscsi, lun, SCSI_PERSISTENT_RESERVE_RESERVE, (int)pr_types[i].type, &p, "RESERVE");
	} else if (strcmp(cmd, "unregister") == 0 && argc == 2) {
		p.reservation_key = parse_u64(argv[1]);
		prout(iscsi, lun, SCSI_PERSISTENT_RESERVE_REGISTER, 0, &p, "REGISTER (unregister)");
	} else if (strcmp(cmd, "preempt") == 0 && argc == 4) {
		size_t i = 0, n = sizeof(pr_types) / sizeof(pr_types[0]);
		while (i < n && strcmp(pr_types[i].name, argv[3]) != 0)
			i++;
		if (i == n)
			usage();
		p.reservation_key = parse_u64(argv[1]);
		p.service_action_reservation_key = parse_u64(argv[2]);
		prout(iscsi, lun, SCSI_PERSISTENT_RESERVE_PREEMPT, (int)pr_types[i].type, &p, "PREEMPT");
	} else if (strcmp(cmd, "clear") == 0 && argc == 2) {
		p.reservation_key = parse_u64(argv[1]);
		prout(iscsi, lun, SCSI_PERSISTENT_RESERVE_CLEAR, 0, &p, "CLEAR");
	} else if (strcmp(cmd, "read-keys") == 0 && argc == 1) {
		struct scsi_task *t = prin(iscsi, lun, SCSI_PERSISTENT_RESERVE_READ_KEYS, "READ KEYS");
		struct scsi_persistent_reserve_in_read_keys *rk = unmarshall(iscsi, t, "READ KEYS");
		printf("generation %" PRIu32 "\n", rk->prgeneration);
		for (int i = 0; i < rk->num_keys; i++)
			printf("key 0x%" PRIx64 "\n", rk->keys[i]);
		scsi_free_scsi_task(t);
	} else if (strcmp(cmd, "read-reservation") == 0 && argc == 1) {
		struct scsi_task *t = prin(iscsi, lun, SCSI_PERSISTENT_RESERVE_READ_RESERVATION, "READ RESERVATION");
		struct scsi_persistent_reserve_in_read_reservation *rr = unmarshall(iscsi, t, "READ RESERVATION");
		printf("generation %" PRIu32 "\n", rr->prgeneration);
		if (rr->reserved)
			printf("key 0x%" PRIx64 " type %s\n", rr->reservation_key, type_name(rr->pr_type));
		else
			printf("none\n");
		scsi_free_scsi_task(t);
	} else if (strcmp(cmd, "caps") == 0 && argc == 1) {
		/* read from the bytes: libiscsi 1.19's unmarshaller never sets ptpl_a */
		struct scsi_task *t = prin(iscsi, lun, SCSI_PERSISTENT_RESERVE_REPORT_CAPABILITIES,
					   "REPORT CAPABILITIES");
		if (t->datain.size < 4) {
			fprintf(stderr, "pr_tool: REPORT CAPABILITIES: %d bytes, want 8\n", t->datain.size);
			return EXIT_ERR;
		}
		printf("ptpl_c %d ptpl_a %d\n", t->datain.data[2] & RCAP_PTPL_C, t->datain.data[3] & RCAP_PTPL_A);
		scsi_free_scsi_task(t);
	} else if (strcmp(cmd, "write") == 0 && argc == 2) {
		uint64_t lba = parse_u64(argv[1]);
		struct scsi_task *t = done(iscsi, iscsi_readcapacity10_sync(iscsi, lun, 0, 0), "READ CAPACITY(10)");
		struct scsi_readcapacity10 *cap = unmarshall(iscsi, t, "READ CAPACITY(10)");
		uint32_t bs = cap->block_size;
		scsi_free_scsi_task(t);
		unsigned char *zeros = calloc(1, bs);
		if (zeros == NULL || lba > UINT32_MAX) {
			fprintf(stderr, "pr_tool: write: %s\n", zeros == NULL ? "no memory" : "LBA too large");
			return EXIT_ERR;
		}
		scsi_free_scsi_task(done(iscsi, iscsi_write10_sync(iscsi, lun, (uint32_t)lba, zeros, bs, (int)bs, 0, 0, 0, 0, 0),
					 "WRITE(10)"));
		free(zeros);
	} else {
		usage();
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *initiator = DEFAULT_INITIATOR;
	int c;
	while ((c = getopt(argc, argv, "i:")) != -1) {
		if (c != 'i')
			usage();
		initiator = optarg;
	}
	if (argc - optind < 2)
		usage();
	struct iscsi_context *iscsi = iscsi_create_context(initiator);
	if (iscsi == NULL) {
		fprintf(stderr, "pr_tool: cannot create a libiscsi context\n");
		return EXIT_ERR;
	}
	iscsi_set_isid_random(iscsi, ISID_RANDOM, 0);
	struct iscsi_url *url = iscsi_parse_full_url(iscsi, argv[optind]);
	if (url == NULL) {
		fprintf(stderr, "pr_tool: bad URL %s: %s\n", argv[optind], iscsi_get_error(iscsi));
		return EXIT_USAGE;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun) != 0) {
		fprintf(stderr, "pr_tool: login to %s failed: %s\n", argv[optind], iscsi_get_error(iscsi));
		return EXIT_ERR;
	}
	int rc = run(iscsi, url->lun, argc - optind - 1, argv + optind + 1);
	iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return rc;
}
