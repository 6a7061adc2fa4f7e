/* host/cap_iscsi: see host/cap_iscsi.h. */
#include "sim/host/cap_iscsi.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/isim.h"
#include "sim/initiator/crc32c.h"

typedef unsigned long long ull;

struct fmap {
	uint64_t off;   /* stream offset of the first byte of a chunk */
	uint64_t frame;
};

struct side {
	bool syncing;       /* looking for a BHS in scan[] */
	bool joined;        /* syncing because the capture joined mid-stream (not a loss) */
	bool forgot;        /* the oracle already forgot what the lost bytes held */
	uint8_t *scan;
	size_t nscan, scan_from; /* offsets below scan_from were ruled out */
	uint64_t scan_base; /* stream offset of scan[0] */
	uint64_t stream;    /* stream offset of the next byte delivered */
	uint64_t delta;     /* stream offset - oracle offset (o.taken) */
	struct fmap map[CAP_FRAME_MAP_MAX];
	unsigned map_first, nmap;
};

struct conn {
	struct cap_run *run;
	struct cap_tcp_conn *tc;
	struct oproto o;
	char name[136];
	bool fed;           /* the oracle has seen bytes */
	bool digests_known; /* from the login, --digests, or recognised */
	bool hd, dd;
	struct side side[2];
};

static const char *who(enum cap_dir d) { return d == CAP_TO_SERVER ? "initiator" : "target"; }

static void note(struct conn *c, uint64_t frame, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(struct conn *c, uint64_t frame, const char *fmt, ...)
{
	c->run->notes++;
	if (c->run->quiet)
		return;
	fprintf(c->run->out, "note: frame %llu: conn %u %s: ", (ull)frame, c->tc->id, c->name);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(c->run->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->run->out);
}

/* ---- frames of stream offsets ---- */

static void map_add(struct side *s, uint64_t off, uint64_t frame)
{
	if (s->nmap > 0 && s->map[(s->map_first + s->nmap - 1) % CAP_FRAME_MAP_MAX].frame == frame)
		return;
	if (s->nmap == CAP_FRAME_MAP_MAX) { /* the oldest goes: PDUs that long name their earliest known frame */
		s->map_first = (s->map_first + 1) % CAP_FRAME_MAP_MAX;
		s->nmap--;
	}
	s->map[(s->map_first + s->nmap++) % CAP_FRAME_MAP_MAX] = (struct fmap){ off, frame };
}

static uint64_t map_frame(const struct side *s, uint64_t off)
{
	uint64_t frame = s->nmap > 0 ? s->map[s->map_first].frame : 0;
	for (unsigned i = 0; i < s->nmap; i++) {
		const struct fmap *m = &s->map[(s->map_first + i) % CAP_FRAME_MAP_MAX];
		if (m->off > off)
			break;
		frame = m->frame;
	}
	return frame;
}

/* ---- the PDU, in words ---- */

void cap_pdu_describe(char *buf, size_t size, const uint8_t *b)
{
	uint8_t op = pdu_opcode(b);
	int n = snprintf(buf, size, "%s%s ITT 0x%x", pdu_opcode_name(op), pdu_immediate(b) ? " (I)" : "", pdu_itt(b));
	if (n < 0 || (size_t)n >= size)
		return;
	char *p = buf + n;
	size_t left = size - (size_t)n;
	switch (op) {
	case ISCSI_OP_SCSI_CMD:
		snprintf(p, left, " CmdSN %u EDTL %u CDB 0x%02x%s%s DSL %u", pdu_w(b, PDU_INI_CMDSN),
			pdu_w(b, PDU_SCSI_CMD_EDTL), b[PDU_SCSI_CMD_CDB], (b[1] & ISCSI_CMD_READ) ? " R" : "",
			(b[1] & ISCSI_CMD_WRITE) ? " W" : "", pdu_dsl(b));
		break;
	case ISCSI_OP_DATA_OUT:
		snprintf(p, left, " TTT 0x%x DataSN %u BufferOffset %u DSL %u%s", pdu_w(b, PDU_DATA_OUT_TTT),
			pdu_w(b, PDU_DATA_OUT_DATASN), pdu_w(b, PDU_DATA_OUT_BUFFER_OFFSET), pdu_dsl(b),
			pdu_final(b) ? " F" : "");
		break;
	case ISCSI_OP_DATA_IN:
		snprintf(p, left, " DataSN %u BufferOffset %u DSL %u%s%s StatSN %u", pdu_w(b, PDU_DATA_IN_DATASN),
			pdu_w(b, PDU_DATA_IN_BUFFER_OFFSET), pdu_dsl(b), pdu_final(b) ? " F" : "",
			(b[1] & ISCSI_DATAIN_STATUS) ? " S" : "", pdu_w(b, PDU_TGT_STATSN));
		break;
	case ISCSI_OP_R2T:
		snprintf(p, left, " TTT 0x%x R2TSN %u BufferOffset %u Desired %u", pdu_w(b, PDU_R2T_TTT),
			pdu_w(b, PDU_R2T_R2TSN), pdu_w(b, PDU_R2T_BUFFER_OFFSET), pdu_w(b, PDU_R2T_DESIRED_LENGTH));
		break;
	case ISCSI_OP_SCSI_RSP:
		snprintf(p, left, " StatSN %u response 0x%02x status 0x%02x residual %u ExpCmdSN %u MaxCmdSN %u",
			pdu_w(b, PDU_TGT_STATSN), b[PDU_SCSI_RSP_RESPONSE], b[PDU_SCSI_RSP_STATUS],
			pdu_w(b, PDU_SCSI_RSP_RESIDUAL_COUNT), pdu_w(b, PDU_TGT_EXPCMDSN), pdu_w(b, PDU_TGT_MAXCMDSN));
		break;
	case ISCSI_OP_TMF_REQ:
		snprintf(p, left, " function %u RefITT 0x%x CmdSN %u", b[1] & ISCSI_FUNCTION_MASK,
			pdu_w(b, PDU_TMF_REF_TASK_TAG), pdu_w(b, PDU_INI_CMDSN));
		break;
	case ISCSI_OP_NOP_OUT:
	case ISCSI_OP_LOGIN_REQ:
	case ISCSI_OP_TEXT_REQ:
	case ISCSI_OP_LOGOUT_REQ:
		snprintf(p, left, " CmdSN %u ExpStatSN %u DSL %u", pdu_w(b, PDU_INI_CMDSN), pdu_w(b, PDU_INI_EXPSTATSN),
			pdu_dsl(b));
		break;
	case ISCSI_OP_SNACK:
		snprintf(p, left, " type %u BegRun %u RunLength %u", b[1] & 0x0f, pdu_w(b, PDU_SNACK_BEGRUN),
			pdu_w(b, PDU_SNACK_RUNLENGTH));
		break;
	default: /* the other target PDUs: the sequence numbers */
		if (op >= ISCSI_OP_NOP_IN)
			snprintf(p, left, " StatSN %u ExpCmdSN %u MaxCmdSN %u DSL %u", pdu_w(b, PDU_TGT_STATSN),
				pdu_w(b, PDU_TGT_EXPCMDSN), pdu_w(b, PDU_TGT_MAXCMDSN), pdu_dsl(b));
		break;
	}
}

static void on_violation(void *ctx, const struct oproto *o, bool from_target, const char *section, const char *text)
{
	struct conn *c = ctx;
	enum cap_dir d = from_target ? CAP_TO_CLIENT : CAP_TO_SERVER;
	struct side *s = &c->side[d];
	uint64_t frame = map_frame(s, o->pdu_off[d] + s->delta);
	char pdu[200];
	cap_pdu_describe(pdu, sizeof(pdu), o->rx[d].bhs);
	c->run->violations++;
	fprintf(c->run->out, "frame %llu: conn %u %s: %s %s: %s [RFC 7143 %s]\n", (ull)frame, c->tc->id, c->name,
		who(d), pdu, text, section);
}

/* ---- finding a BHS ---- */

/* §11.2.1.1-§11.2.2 and each PDU's layout in §11: what a BHS of this
 * direction can look like. The F bit is fixed to 1 in the PDUs listed. */
static bool plausible_bhs(const uint8_t *b, enum cap_dir d)
{
	uint8_t op = pdu_opcode(b);
	if (b[0] & 0x80)
		return false; /* reserved bit */
	bool f_fixed;
	if (d == CAP_TO_SERVER) {
		if (op > ISCSI_OP_LOGOUT_REQ && op != ISCSI_OP_SNACK)
			return false;
		f_fixed = op == ISCSI_OP_NOP_OUT || op == ISCSI_OP_TMF_REQ || op == ISCSI_OP_LOGOUT_REQ ||
			op == ISCSI_OP_SNACK;
	} else {
		if (b[0] & ISCSI_FLAG_IMMEDIATE)
			return false; /* targets never set I */
		if ((op < ISCSI_OP_NOP_IN || op > ISCSI_OP_LOGOUT_RSP) && op != ISCSI_OP_R2T && op != ISCSI_OP_ASYNC &&
			op != ISCSI_OP_REJECT)
			return false;
		f_fixed = op != ISCSI_OP_DATA_IN && op != ISCSI_OP_LOGIN_RSP && op != ISCSI_OP_TEXT_RSP;
		if (op == ISCSI_OP_DATA_IN && (b[1] & ISCSI_DATAIN_STATUS) && !pdu_final(b))
			return false;
	}
	if (f_fixed && !pdu_final(b))
		return false;
	if (b[PDU_TOTAL_AHS_LEN] != 0 && (op != ISCSI_OP_SCSI_CMD || b[PDU_TOTAL_AHS_LEN] > CAP_RESYNC_AHS_WORDS_MAX))
		return false;
	return pdu_dsl(b) <= CAP_RESYNC_DSL_MAX;
}

static size_t pdu_wire_len(const uint8_t *b, bool hd, bool dd)
{
	uint32_t dsl = pdu_dsl(b);
	return ISCSI_BHS_LEN + pdu_ahs_len(b) + (hd ? ISCSI_DIGEST_LEN : 0) + dsl + pdu_pad(dsl) +
		(dd && dsl > 0 ? ISCSI_DIGEST_LEN : 0);
}

static bool hdigest_ok(const uint8_t *b, size_t avail)
{
	size_t hl = ISCSI_BHS_LEN + pdu_ahs_len(b);
	return avail >= hl + ISCSI_DIGEST_LEN && sim_crc32c(b, hl) == sim_digest_get(b + hl);
}

enum verdict { NO, YES, WAIT };

/* Is there a PDU at b (avail bytes from it)? With digests unknown, settles
 * them (*hd, *dd) when the evidence does. */
static enum verdict pdu_at(const struct conn *c, enum cap_dir d, const uint8_t *b, size_t avail, bool *hd, bool *dd)
{
	if (avail < ISCSI_BHS_LEN)
		return WAIT;
	if (!plausible_bhs(b, d))
		return NO;
	size_t hl = ISCSI_BHS_LEN + pdu_ahs_len(b);
	bool known = c->digests_known;
	*hd = c->hd;
	if (!known) {
		if (avail < hl + ISCSI_DIGEST_LEN)
			return WAIT;
		*hd = hdigest_ok(b, avail);
	} else if (*hd && avail >= hl + ISCSI_DIGEST_LEN && !hdigest_ok(b, avail)) {
		return NO;
	}
	/* The PDU after it decides (and, unknown, whether data digests are on). */
	for (int try = 0; try < 2; try++) {
		*dd = known ? c->dd : try == 1;
		size_t len = pdu_wire_len(b, *hd, *dd);
		if (len + ISCSI_BHS_LEN > CAP_SCAN_BYTES_MAX)
			return *hd ? YES : (known || try == 1 ? YES : NO); /* cannot hold both: one BHS must do */
		if (avail < len + ISCSI_BHS_LEN)
			return WAIT;
		if (plausible_bhs(b + len, d) && (!*hd || avail < len + hl + ISCSI_DIGEST_LEN || hdigest_ok(b + len, avail - len)))
			return YES;
		if (known || pdu_dsl(b) == 0)
			break;
	}
	return NO;
}

/* The scan buffer holds a BHS at i: from there the oracle frames. */
static void synced(struct conn *c, enum cap_dir d, size_t i, bool hd, bool dd)
{
	struct side *s = &c->side[d];
	uint8_t op = pdu_opcode(s->scan + i);
	uint64_t at = s->scan_base + i, frame = map_frame(s, at);
	bool login = op == ISCSI_OP_LOGIN_REQ || op == ISCSI_OP_LOGIN_RSP;
	if (!c->fed && !login) {
		if (c->run->digests == CAP_DIGESTS_GIVEN)
			note(c, frame, "login not captured: digests from --digests (header %s, data %s)",
				hd ? "CRC32C" : "None", dd ? "CRC32C" : "None");
		else
			note(c, frame, "login not captured: header digests %s, data digests %s (recognised from the stream)",
				hd ? "CRC32C" : "None", dd ? "CRC32C" : "None");
		c->digests_known = true;
		c->hd = hd;
		c->dd = dd;
		oproto_assume_ffp(&c->o, hd, dd, CAP_ASSUMED_MRDSL);
	}
	if (s->forgot)
		oproto_restart_framing(&c->o, d == CAP_TO_CLIENT);
	else if (c->fed || !login)
		oproto_resync(&c->o, d == CAP_TO_CLIENT);
	s->forgot = false;
	c->fed = true;
	if (i > 0 || !s->joined)
		note(c, frame, "%s stream resynchronized on a %s after skipping %zu bytes", who(d), pdu_opcode_name(op), i);
	s->syncing = false;
	s->joined = false;
	s->delta = at - c->o.taken[d];
}

/* The first BHS in the scan buffer from scan_from, or -1 (more bytes
 * needed, or none there). */
static long scan(struct conn *c, enum cap_dir d, bool *hd, bool *dd)
{
	struct side *s = &c->side[d];
	for (size_t i = s->scan_from; i < s->nscan; i++) {
		enum verdict v = pdu_at(c, d, s->scan + i, s->nscan - i, hd, dd);
		if (v == WAIT)
			break;
		if (v == YES)
			return (long)i;
		s->scan_from = i + 1;
	}
	if (s->nscan == CAP_SCAN_BYTES_MAX) { /* full: what was ruled out goes */
		size_t drop = s->scan_from > 0 ? s->scan_from : CAP_SCAN_BYTES_MAX / 2;
		memmove(s->scan, s->scan + drop, s->nscan - drop);
		s->nscan -= drop;
		s->scan_base += drop;
		s->scan_from = 0;
	}
	return -1;
}

static void resync_start(struct conn *c, enum cap_dir d, bool joined, uint64_t at)
{
	struct side *s = &c->side[d];
	if (s->scan == NULL)
		s->scan = malloc(CAP_SCAN_BYTES_MAX);
	if (s->scan == NULL)
		abort();
	s->syncing = true;
	s->joined = joined;
	s->nscan = s->scan_from = 0;
	s->scan_base = at;
	if (c->o.ffp && c->fed && !c->digests_known) { /* a login was seen: its digests */
		c->digests_known = true;
		c->hd = c->o.params.header_digest;
		c->dd = c->o.params.data_digest;
	}
	/* Forget now what the lost bytes held: the other direction's PDUs
	 * until this one is framed again may answer them. */
	s->forgot = c->fed;
	if (s->forgot)
		oproto_resync(&c->o, d == CAP_TO_CLIENT);
}

/* Bytes to the oracle; true, or false when it lost the framing (then
 * *used says how many it took). */
static bool to_oracle(struct conn *c, enum cap_dir d, const uint8_t *p, size_t len, size_t *used, uint64_t frame)
{
	uint64_t before = c->o.taken[d];
	c->fed = true;
	if (oproto_bytes(&c->o, d == CAP_TO_CLIENT, p, len))
		return true;
	*used = (size_t)(c->o.taken[d] - before);
	if (*used == 0)
		*used = 1; /* never the same byte twice */
	note(c, frame, "%s stream cannot be framed any more: looking for the next BHS", who(d));
	return false;
}

/* While syncing: find a BHS, hand the oracle what follows it; if the
 * oracle loses the framing again, look again in what is left. A loop, not
 * recursion: garbage can do this many times in one buffer. */
static void scan_all(struct conn *c, enum cap_dir d, uint64_t frame)
{
	struct side *s = &c->side[d];
	bool hd, dd;
	long i;
	while (s->syncing && (i = scan(c, d, &hd, &dd)) >= 0) {
		synced(c, d, (size_t)i, hd, dd);
		const uint8_t *q = s->scan + i;
		size_t n = s->nscan - (size_t)i, used;
		if (to_oracle(c, d, q, n, &used, frame)) {
			s->nscan = 0;
			return;
		}
		uint64_t at = s->scan_base + (size_t)i + used;
		resync_start(c, d, false, at);
		memmove(s->scan, q + used, n - used);
		s->nscan = n - used;
	}
}

/* In-order bytes of one direction: to the oracle, or to the scan buffer. */
static void feed(struct conn *c, enum cap_dir d, const uint8_t *p, size_t len, uint64_t frame)
{
	struct side *s = &c->side[d];
	while (len > 0) {
		if (!s->syncing) {
			size_t used;
			if (to_oracle(c, d, p, len, &used, frame))
				return;
			p += used;
			len -= used;
			resync_start(c, d, false, c->o.taken[d] + s->delta);
			continue;
		}
		size_t n = CAP_SCAN_BYTES_MAX - s->nscan;
		if (n > len)
			n = len;
		memcpy(s->scan + s->nscan, p, n);
		s->nscan += n;
		p += n;
		len -= n;
		scan_all(c, d, frame);
	}
}

/* ---- cap_tcp callbacks ---- */

static void *conn_open(void *ctx, struct cap_tcp_conn *tc, uint64_t frame)
{
	(void)frame;
	struct cap_run *run = ctx;
	struct conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		abort();
	c->run = run;
	c->tc = tc;
	char a[64], b[64];
	cap_endpoint(a, sizeof(a), tc->family, tc->addr[0], tc->port[0]);
	cap_endpoint(b, sizeof(b), tc->family, tc->addr[1], tc->port[1]);
	snprintf(c->name, sizeof(c->name), "%s > %s", a, b);
	oproto_init(&c->o, &host_mem, tc->id, 0);
	c->o.keep_going = true;
	c->o.on_violation = on_violation;
	c->o.on_violation_ctx = c;
	if (run->digests == CAP_DIGESTS_GIVEN) {
		c->digests_known = true;
		c->hd = run->header_digest;
		c->dd = run->data_digest;
	}
	run->conns++;
	return c;
}

static void conn_data(void *ctx, struct cap_tcp_conn *tc, enum cap_dir d, const uint8_t *p, size_t len, uint64_t frame)
{
	(void)ctx;
	struct conn *c = tc->user;
	struct side *s = &c->side[d];
	map_add(s, s->stream, frame);
	s->stream += len;
	feed(c, d, p, len, frame);
}

static void conn_event(void *ctx, struct cap_tcp_conn *tc, enum cap_dir d, enum cap_tcp_event ev, uint64_t frame,
	uint64_t detail)
{
	struct cap_run *run = ctx;
	if (tc == NULL) { /* CAP_EV_CONNS_FULL */
		run->notes++;
		if (!run->quiet)
			fprintf(run->out, "note: frame %llu: more than %u connections open at once: this one is not followed\n",
				(ull)frame, CAP_TCP_CONNS_MAX);
		return;
	}
	struct conn *c = tc->user;
	switch (ev) {
	case CAP_EV_NO_SYN:
		note(c, frame, "no SYN seen for the %s stream: the capture joined mid-connection; looking for a BHS",
			who(d));
		resync_start(c, d, true, c->side[d].stream);
		break;
	case CAP_EV_GAP:
		note(c, frame, "%llu bytes of the %s stream missing from the capture before this frame; looking for a BHS",
			(ull)detail, who(d));
		resync_start(c, d, c->side[d].joined && c->side[d].syncing, c->side[d].stream);
		break;
	case CAP_EV_OVERLAP_DIFFERS:
		note(c, frame, "retransmitted %s bytes differ from the first copy in %llu places (the first copy is checked)",
			who(d), (ull)detail);
		break;
	case CAP_EV_DATA_AFTER_FIN:
		note(c, frame, "%llu %s bytes after its FIN ignored", (ull)detail, who(d));
		break;
	case CAP_EV_RST:
		note(c, frame, "reset by the %s", who(d));
		break;
	case CAP_EV_FIN:
	case CAP_EV_CONNS_FULL:
		break;
	}
}

static void conn_close(void *ctx, struct cap_tcp_conn *tc)
{
	struct cap_run *run = ctx;
	struct conn *c = tc->user;
	for (int d = 0; d < 2; d++) {
		struct side *s = &c->side[d];
		if (s->syncing && s->nscan > 0)
			note(c, tc->last_frame, "%s stream ended with %zu bytes in which no BHS was found", who((enum cap_dir)d),
				s->nscan);
		else if (!s->syncing && c->o.rx[d].state != IPDU_BHS && c->o.rx[d].state != IPDU_DONE &&
			c->o.rx[d].state != IPDU_BROKEN)
			note(c, tc->last_frame, "%s stream ended inside a PDU", who((enum cap_dir)d));
		free(s->scan);
		s->scan = NULL;
	}
	run->pdus += c->o.pdus;
	oproto_fini(&c->o);
	free(c);
	tc->user = NULL;
}

const struct cap_tcp_ops cap_iscsi_ops = { conn_open, conn_data, conn_event, conn_close };
