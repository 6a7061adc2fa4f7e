/* oracle/protocol: see oracle/protocol.h. */
#include "sim/oracle/protocol.h"
#include "sim/oracle/protocol_int.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

typedef unsigned long long ull;

/* protocol_int.h: one rule broken. */
bool oproto_fail(struct oproto *o, const char *section, const char *fmt, ...)
{
	if (o->violations++ == 0) {
		int n = snprintf(o->why, sizeof(o->why), "conn %u pdu %llu: ", o->conn, (ull)o->pdus);
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(o->why + n, sizeof(o->why) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	if (o->on_violation != NULL) {
		char text[sizeof(o->why)];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		o->on_violation(o->on_violation_ctx, o, o->dir_now, section, text);
	}
	return false;
}

void oproto_init(struct oproto *o, const struct sim_mem *mem, uint32_t conn, uint32_t cmd_window_max)
{
	memset(o, 0, sizeof(*o));
	o->mem = mem;
	o->conn = conn;
	o->cs = &o->own_cs;
	o->cmd_window_max = cmd_window_max;
	iparams_default(&o->params);
	/* Login PDUs are bounded by the default MaxRecvDataSegmentLength (§13.12). */
	ipdu_rx_init(&o->rx[DIR_INI], mem, ISCSI_MRDSL_DEFAULT);
	ipdu_rx_init(&o->rx[DIR_TGT], mem, ISCSI_MRDSL_DEFAULT);
	/* Payloads are the data oracle's business; this one needs headers. */
	o->rx[DIR_INI].skip_bulk = o->rx[DIR_TGT].skip_bulk = true;
	o->tasks = sim_zalloc(mem, sizeof(*o->tasks) * OPROTO_TASKS_MAX);
	for (unsigned i = 0; i < OPROTO_PINGS_MAX; i++)
		o->nop_itt[i] = ISCSI_TAG_RESERVED;
	for (unsigned i = 0; i < OPROTO_TMFS_MAX; i++)
		o->tmf_itt[i] = ISCSI_TAG_RESERVED;
	for (unsigned i = 0; i < OPROTO_ABORTED_MAX; i++)
		o->aborted[i] = ISCSI_TAG_RESERVED;
	for (unsigned i = 0; i < OPROTO_ENDED_MAX; i++)
		o->ended_itt[i] = ISCSI_TAG_RESERVED;
	for (unsigned i = 0; i < OPROTO_LOGOUTS_MAX; i++)
		o->logout_itt[i] = ISCSI_TAG_RESERVED;
	for (unsigned i = 0; i < OPROTO_SNACKED_MAX; i++)
		o->snacked[i] = ISCSI_TAG_RESERVED;
	for (unsigned i = 0; i < OPROTO_REASSIGNED_MAX; i++)
		o->reassigned[i] = ISCSI_TAG_RESERVED;
	o->text_itt = ISCSI_TAG_RESERVED;
}

void oproto_set_session(struct oproto *o, const struct iparams *sess)
{
	o->sess = *sess;
	o->have_sess = true;
}

const struct iparams *oproto_session_keys(const struct oproto *o)
{
	return &o->params;
}

void oproto_share_cmdsn(struct oproto *o, struct oproto_cmdsn *cs)
{
	assert(o->pdus == 0 && cs != NULL);
	o->cs = cs;
}

void oproto_fini(struct oproto *o)
{
	ipdu_rx_fini(&o->rx[0]);
	ipdu_rx_fini(&o->rx[1]);
	sim_free(o->mem, o->tasks, sizeof(*o->tasks) * OPROTO_TASKS_MAX);
}

static struct oproto_task *task_find(struct oproto *o, uint32_t itt)
{
	for (unsigned i = 0; i < o->ntasks; i++)
		if (o->tasks[i].itt == itt)
			return &o->tasks[i];
	return NULL;
}

static void task_end(struct oproto *o, struct oproto_task *t)
{
	*t = o->tasks[--o->ntasks];
}

/* A task ends by an answer with this StatSN. A write whose data had not
 * all arrived may still have Data-Out on the wire that the initiator sent
 * before the answer reached it (§11.4: a target may answer before it has
 * all the data; §11.5.1: the initiator answers R2Ts until the TMF
 * response): remember it (OPROTO_ENDED_MAX). */
static void task_close(struct oproto *o, struct oproto_task *t, uint32_t statsn)
{
	if (t->write && t->received < t->edtl) {
		unsigned i = o->ended_next++ % OPROTO_ENDED_MAX;
		o->ended_itt[i] = t->itt;
		o->ended_statsn[i] = statsn;
	}
	task_end(o, t);
}

/* A Data-Out for no live task crossed that task's answer on the wire when
 * the initiator had not yet acknowledged the answer: its ExpStatSN does
 * not pass the answer's StatSN. An initiator that had seen the answer and
 * still sends Data-Out for it is wrong, if its ExpStatSN says so. */
static bool crossed_answer(const struct oproto *o, uint32_t itt, uint32_t exp_statsn)
{
	for (unsigned i = 0; i < OPROTO_ENDED_MAX; i++)
		if (o->ended_itt[i] == itt && !sn_lt(o->ended_statsn[i], exp_statsn))
			return true;
	return false;
}

static bool erl1(const struct oproto *o)
{
	return o->params.error_recovery_level >= 1;
}

/* ERL 1: the initiator asked for this task's Data-In or R2Ts again. */
static bool was_snacked(const struct oproto *o, uint32_t itt)
{
	for (unsigned i = 0; i < OPROTO_SNACKED_MAX; i++)
		if (o->snacked[i] == itt)
			return true;
	return false;
}

/* ERL 2 in force, as far as this connection can tell: a connection
 * that joined a session whose keys it was not given does not know. */
static bool erl2_known(const struct oproto *o, bool *erl2)
{
	*erl2 = o->params.error_recovery_level >= 2;
	return !o->joining || o->have_sess;
}

static bool was_reassigned(const struct oproto *o, uint32_t itt)
{
	for (unsigned i = 0; i < OPROTO_REASSIGNED_MAX; i++)
		if (o->reassigned[i] == itt)
			return true;
	return false;
}

static bool was_aborted(const struct oproto *o, uint32_t itt)
{
	for (unsigned i = 0; i < OPROTO_ABORTED_MAX; i++)
		if (o->aborted[i] == itt)
			return true;
	return false;
}

static bool take_slot(uint32_t *arr, unsigned n, uint32_t itt)
{
	for (unsigned i = 0; i < n; i++) {
		if (arr[i] == itt) {
			arr[i] = ISCSI_TAG_RESERVED;
			return true;
		}
	}
	return false;
}

static void put_slot(uint32_t *arr, unsigned n, uint32_t itt)
{
	for (unsigned i = 0; i < n; i++) {
		if (arr[i] == ISCSI_TAG_RESERVED) {
			arr[i] = itt;
			return;
		}
	}
	arr[0] = itt; /* full: the oldest guess is overwritten, never a crash */
}

/* ---- initiator PDUs ---- */

/* Every non-immediate command PDU takes the next CmdSN inside the
 * window (§4.2.2.1, §3.2.2.1): SCSI commands, and NOP-Out, Text, TMF and
 * Logout requests sent without the I bit. */
static bool ini_cmdsn(struct oproto *o, const uint8_t *bhs)
{
	uint32_t cmdsn = pdu_w(bhs, PDU_INI_CMDSN);
	if (pdu_immediate(bhs))
		return true;
	if (o->cs->have_window && sn_lt(o->cs->max_cmdsn, cmdsn))
		return oproto_fail(o, "§4.2.2.1", "initiator CmdSN %u beyond MaxCmdSN %u", cmdsn, o->cs->max_cmdsn);
	/* MC/S (a shared record): the CmdSNs skipped went out on another
	 * connection of the session that failed before its bytes reached
	 * the wire; the target waits for them (their retry, §7.2.1). */
	bool shared = o->cs != &o->own_cs;
	if (o->cs->have_cmdsn && cmdsn != o->cs->next_cmdsn && !(shared && sn_lt(o->cs->next_cmdsn, cmdsn)))
		return oproto_fail(o, "§4.2.2.1", "initiator CmdSN %u, expected %u", cmdsn, o->cs->next_cmdsn);
	o->cs->next_cmdsn = cmdsn + 1;
	o->cs->have_cmdsn = true; /* already so after a login; after oproto_resync, from here on */
	return true;
}

static bool ini_cmd(struct oproto *o, const struct ipdu_rx *rx)
{
	const uint8_t *bhs = rx->bhs;
	uint32_t itt = pdu_itt(bhs), cmdsn = pdu_w(bhs, PDU_INI_CMDSN);
	if (erl1(o) && !pdu_immediate(bhs) && o->cs->have_cmdsn && sn_lt(cmdsn, o->cs->next_cmdsn)) {
		/* §7.2.1: a retry, same ITT, its old CmdSN. Of a live task
		 * nothing changes (the target ignores the copy or has lost
		 * the original); one a Reject ended starts again below. */
		struct oproto_task *live = task_find(o, itt);
		if (live != NULL)
			return live->cmdsn == cmdsn ? true
						    : oproto_fail(o, "§7.2.1", "retry of ITT 0x%x with CmdSN %u, the task's is %u", itt,
							      cmdsn, live->cmdsn);
	} else if (!ini_cmdsn(o, bhs)) {
		return false;
	}
	if (task_find(o, itt) != NULL)
		return oproto_fail(o, "§11.2.1.8", "ITT 0x%x reused while its task is live", itt);
	/* The ITT names this task now, not an ended one (§11.2.1.8). */
	for (unsigned i = 0; i < OPROTO_ENDED_MAX; i++)
		if (o->ended_itt[i] == itt)
			o->ended_itt[i] = ISCSI_TAG_RESERVED;
	if (o->ntasks == OPROTO_TASKS_MAX && o->keep_going) {
		/* A capacity of this oracle, not a rule: a target may open a
		 * wider window (tgt does). Tasks beyond it are not followed. */
		o->partial = true;
		return true;
	}
	if (o->ntasks == OPROTO_TASKS_MAX)
		return oproto_fail(o, "§4.2.2.1", "more than %u tasks live", OPROTO_TASKS_MAX);
	struct oproto_task *t = &o->tasks[o->ntasks++];
	uint8_t flags = pdu_flags(bhs);
	*t = (struct oproto_task){ .itt = itt, .read = (flags & ISCSI_CMD_READ) != 0,
		.write = (flags & ISCSI_CMD_WRITE) != 0, .edtl = pdu_w(bhs, PDU_SCSI_CMD_EDTL), .cmdsn = cmdsn,
		.received = rx->dsl, .unsolicited = rx->dsl, .unsol_ended = (flags & ISCSI_FLAG_FINAL) != 0 };
	if (rx->dsl > 0 && !o->params.immediate_data)
		return oproto_fail(o, "§13.11", "immediate data with ImmediateData=No");
	if (rx->dsl > o->params.first_burst_length || rx->dsl > t->edtl)
		return oproto_fail(o, "§13.14", "immediate data of %u bytes beyond FirstBurstLength/EDTL", rx->dsl);
	if (!(flags & ISCSI_FLAG_FINAL) && o->params.initial_r2t)
		return oproto_fail(o, "§13.10", "unsolicited Data-Out announced with InitialR2T=Yes");
	return true;
}

static bool ini_data_out(struct oproto *o, const struct ipdu_rx *rx)
{
	const uint8_t *bhs = rx->bhs;
	struct oproto_task *t = task_find(o, pdu_itt(bhs));
	if (t == NULL && o->partial)
		return true; /* a task from before the capture joined */
	if (t == NULL && crossed_answer(o, pdu_itt(bhs), pdu_w(bhs, PDU_INI_EXPSTATSN)))
		return true;
	if (t == NULL && erl1(o) && was_snacked(o, pdu_itt(bhs)))
		return true; /* answering a resent R2T of a task that ended since */
	if (t == NULL && was_reassigned(o, pdu_itt(bhs)))
		return true; /* ERL 2: a task moved here; its shape is the old connection's */
	if (t == NULL || !t->write)
		return oproto_fail(o, "§11.7", "Data-Out for ITT 0x%x, no write task", pdu_itt(bhs));
	uint32_t off = pdu_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET), ttt = pdu_w(bhs, PDU_DATA_OUT_TTT);
	if (erl1(o) && ttt != ISCSI_TAG_RESERVED) {
		/* ERL 1: data sent again for a recovery or resent R2T (§7.8):
		 * only the task's bounds hold. */
		if (off > t->edtl || rx->dsl > t->edtl - off)
			return oproto_fail(o, "§11.7", "Data-Out at %u+%u beyond the expected data transfer length %u", off, rx->dsl,
				t->edtl);
		if (pdu_final(bhs) && t->r2t_open > 0)
			t->r2t_open--;
		/* Bytes sent twice count once (at most the EDTL arrives). */
		t->received = rx->dsl > t->edtl - t->received ? t->edtl : t->received + rx->dsl;
		return true;
	}
	if (ttt == ISCSI_TAG_RESERVED) {
		/* §11.7.1: the F bit ends the unsolicited sequence (on the
		 * command, none follows); what comes after is the initiator's
		 * error, and the target's later R2Ts start where it ended. */
		if (t->unsol_ended)
			return oproto_fail(o, "§11.7.1", "unsolicited Data-Out at %u after the F bit ended the first burst", off);
		if (off != t->unsolicited || t->unsolicited + rx->dsl > o->params.first_burst_length)
			return oproto_fail(o, "§13.14", "unsolicited Data-Out at %u beyond the first burst", off);
		t->unsolicited += rx->dsl;
		t->unsol_ended = pdu_final(bhs);
	} else if (o->params.max_outstanding_r2t == 1) {
		if (t->r2t_open == 0 || off != t->r2t_next_off || off + rx->dsl > t->r2t_end)
			return oproto_fail(o, "§11.8", "Data-Out at %u+%u outside the R2T range", off, rx->dsl);
		t->r2t_next_off += rx->dsl;
		if (t->r2t_next_off == t->r2t_end)
			t->r2t_open--;
	} else if (pdu_final(bhs) && t->r2t_open > 0) {
		/* §11.7.1: the F bit ends the Data-Out sequence one R2T asked
		 * for; with several R2Ts outstanding that one is answered. */
		t->r2t_open--;
	}
	t->received += rx->dsl;
	if (t->received > t->edtl)
		return oproto_fail(o, "§11.7", "Data-Out beyond the expected data transfer length %u", t->edtl);
	return true;
}

static bool ini_pdu(struct oproto *o, const struct ipdu_rx *rx)
{
	if (!o->ffp)
		return oproto_login_req(o, rx);
	const uint8_t *bhs = rx->bhs;
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_SCSI_CMD:
		return ini_cmd(o, rx);
	case ISCSI_OP_DATA_OUT:
		return ini_data_out(o, rx);
	case ISCSI_OP_NOP_OUT:
		if (pdu_itt(bhs) != ISCSI_TAG_RESERVED)
			put_slot(o->nop_itt, OPROTO_PINGS_MAX, pdu_itt(bhs));
		return ini_cmdsn(o, bhs);
	case ISCSI_OP_TMF_REQ: {
		if (!ini_cmdsn(o, bhs))
			return false;
		uint8_t fn = pdu_flags(bhs) & ISCSI_FUNCTION_MASK;
		/* Kept before it is judged: a request sent against the rule on
		 * purpose (the protocol suite's reassign tests) still gets an
		 * answer the target's side is judged by. */
		for (unsigned i = 0; i < OPROTO_TMFS_MAX; i++) {
			if (o->tmf_itt[i] == ISCSI_TAG_RESERVED) {
				o->tmf_itt[i] = pdu_itt(bhs);
				o->tmf_ref[i] = pdu_w(bhs, PDU_TMF_REF_TASK_TAG);
				o->tmf_fn[i] = fn;
				break;
			}
		}
		bool erl2;
		if (fn == ISCSI_TMF_TASK_REASSIGN && erl2_known(o, &erl2) && !erl2)
			return oproto_fail(o, "§11.5.1", "TASK REASSIGN at ErrorRecoveryLevel %u (needs 2)",
				o->params.error_recovery_level);
		return true;
	}
	case ISCSI_OP_LOGOUT_REQ:
		/* Each Logout Request is answered on its own (§11.14): one may
		 * close another connection (reason 1, its CID) before this one's. */
		put_slot(o->logout_itt, OPROTO_LOGOUTS_MAX, pdu_itt(bhs));
		return ini_cmdsn(o, bhs);
	case ISCSI_OP_TEXT_REQ:
		/* §11.10: at most one outstanding Text Request on a connection;
		 * a new exchange may replace one whose request was answered
		 * (§11.10.4), not one still waiting. */
		if (o->text_waiting && o->text_itt != ISCSI_TAG_RESERVED)
			return oproto_fail(o, "§11.10", "Text Request ITT 0x%x while ITT 0x%x's has no answer yet (§11.10)", pdu_itt(bhs),
				o->text_itt);
		o->text_itt = pdu_itt(bhs);
		o->text_waiting = true;
		return ini_cmdsn(o, bhs);
	case ISCSI_OP_SNACK:
		/* A task SNACKed again keeps its one place: an initiator that
		 * repeats its SNACKs every second for a paused target would
		 * otherwise push out a task it asked for once (five-flag
		 * swarm seed 1314: an R2T resent for an early SNACK). */
		if (((pdu_flags(bhs) & 0x0fu) == ISCSI_SNACK_DATA_R2T || (pdu_flags(bhs) & 0x0fu) == ISCSI_SNACK_RDATA) &&
			!was_snacked(o, pdu_itt(bhs)))
			o->snacked[o->snacked_next++ % OPROTO_SNACKED_MAX] = pdu_itt(bhs);
		return true;
	default:
		return oproto_fail(o, "§11.2.1.2", "initiator sent opcode 0x%02x", pdu_opcode(bhs));
	}
}

/* ---- target PDUs ---- */

static bool carries_status(const uint8_t *bhs)
{
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_SCSI_RSP:
	case ISCSI_OP_TMF_RSP:
	case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_TEXT_RSP:
	case ISCSI_OP_ASYNC:
	case ISCSI_OP_REJECT:
		return true;
	case ISCSI_OP_DATA_IN:
		return (pdu_flags(bhs) & ISCSI_DATAIN_STATUS) != 0;
	case ISCSI_OP_NOP_IN:
		return pdu_itt(bhs) != ISCSI_TAG_RESERVED;
	default:
		return false;
	}
}

static bool check_sn(struct oproto *o, const uint8_t *bhs)
{
	o->resent = false;
	if (carries_status(bhs)) {
		uint32_t statsn = pdu_w(bhs, PDU_TGT_STATSN);
		/* ERL 1: a status sent again (a Status SNACK's answer, or a
		 * Data-In resent with its status) keeps its StatSN. */
		o->resent = erl1(o) && o->have_statsn && sn_lt(statsn, o->exp_statsn);
		if (o->resent)
			statsn = o->exp_statsn - 1;
		else if (o->have_statsn && statsn != o->exp_statsn)
			return oproto_fail(o, "§4.2.2.2", "%s with StatSN %u, expected %u (§4.2.2.2)", pdu_opcode_name(pdu_opcode(bhs)),
				statsn, o->exp_statsn);
		o->exp_statsn = statsn + 1;
		o->have_statsn = true;
	}
	uint32_t exp = pdu_w(bhs, PDU_TGT_EXPCMDSN), max = pdu_w(bhs, PDU_TGT_MAXCMDSN);
	if (sn_lt(max, exp - 1))
		return oproto_fail(o, "§4.2.2.1", "MaxCmdSN %u below ExpCmdSN %u - 1 (§4.2.2.1)", max, exp);
	if (o->cs->have_cmdsn && sn_lt(o->cs->next_cmdsn, exp))
		return oproto_fail(o, "§4.2.2.1", "ExpCmdSN %u acknowledges commands never sent (next CmdSN %u)", exp, o->cs->next_cmdsn);
	if (!o->cs->have_window) { /* after oproto_resync: learn the window again */
		o->cs->exp_cmdsn = exp;
		o->cs->max_cmdsn = max;
		o->cs->have_window = true;
	}
	uint32_t window = max - exp + 1;
	if (o->cmd_window_max != 0 && window > o->cmd_window_max && !sn_lt(max, exp))
		return oproto_fail(o, "§4.2.2.1", "command window %u wider than the configured %u (MaxCmdSN %u, ExpCmdSN %u)", window,
			o->cmd_window_max, max, exp);
	if (sn_lt(o->cs->exp_cmdsn, exp))
		o->cs->exp_cmdsn = exp;
	if (sn_lt(o->cs->max_cmdsn, max))
		o->cs->max_cmdsn = max;
	return true;
}

static struct oproto_task *live_task(struct oproto *o, uint32_t itt, const char *what)
{
	struct oproto_task *t = task_find(o, itt);
	if (t != NULL || o->partial)
		return t; /* partial: a task from before the capture joined */
	if (was_reassigned(o, itt)) {
		/* ERL 2: moved here by TASK REASSIGN; its status ends it, a
		 * second one is flagged below as for any ended task. */
		if (strcmp(what, "SCSI Response") == 0)
			take_slot(o->reassigned, OPROTO_REASSIGNED_MAX, itt);
		return NULL;
	}
	if (erl1(o) && was_snacked(o, itt) && strcmp(what, "SCSI Response") != 0)
		return NULL; /* a copy the initiator asked for, of a task that ended since */
	if (was_aborted(o, itt))
		oproto_fail(o, "§11.5.1", "%s for ITT 0x%x after ABORT TASK completed (§11.5.1)", what, itt);
	else
		oproto_fail(o, "§11.2.1.8", "%s for ITT 0x%x, which names no live task", what, itt);
	return NULL;
}

/* §11.4.5: with U set, the Residual Count is the bytes "not transferred
 * out of the number of bytes expected" (the EDTL). For a read the oracle
 * sees every byte transferred (Data-In), so the residual is exact. For a
 * write the target transfers what its command needs, which the CDB says
 * and the oracle does not decode (block sizes): a WRITE of 1 block with
 * EDTL 10000 transfers 512 bytes, residual 9488, however many unsolicited
 * bytes the initiator sent. So the residual may leave at most the bytes
 * received as transferred: EDTL - received <= residual <= EDTL.
 * `unused_max`: the bytes the initiator sent unasked (immediate and
 * unsolicited data), which a command that transfers the other way did not
 * use (see the overflow case below). */
static bool residual_ok(struct oproto *o, const uint8_t *bhs, const struct oproto_task *t, uint32_t moved,
	uint32_t unused_max)
{
	uint8_t flags = pdu_flags(bhs), status = bhs[PDU_SCSI_RSP_STATUS];
	if (status != 0 || moved >= t->edtl)
		return true;
	/* Nothing moved the way the R/W bits said but what the initiator sent
	 * unasked, and overflow: the CDB transfers the other way (a WRITE sent
	 * with R=1, a REPORT LUNS with W=1 and immediate data), which the
	 * initiator expected none of (§11.4.5.1; libiscsi's iSCSIResiduals
	 * tests want this of every target). The oracle does not know the
	 * CDB's length. */
	if (moved <= unused_max && (flags & ISCSI_RSP_OVERFLOW))
		return true;
	if (!(flags & ISCSI_RSP_UNDERFLOW))
		return oproto_fail(o, "§11.4.5", "GOOD with %u of %u bytes moved and no underflow (§11.4.5)", moved, t->edtl);
	uint32_t residual = pdu_w(bhs, PDU_SCSI_RSP_RESIDUAL_COUNT);
	if (t->read && !t->write && residual != t->edtl - moved)
		return oproto_fail(o, "§11.4.5", "residual %u, but %u of %u bytes moved", residual, moved, t->edtl);
	if (residual < t->edtl - moved || residual > t->edtl)
		return oproto_fail(o, "§11.4.5", "write residual %u: more than the %u of %u bytes received, or beyond the EDTL", residual,
			moved, t->edtl);
	return true;
}

static bool tgt_data_in(struct oproto *o, const struct ipdu_rx *rx)
{
	const uint8_t *bhs = rx->bhs;
	if ((pdu_flags(bhs) & ISCSI_DATAIN_STATUS) && task_find(o, pdu_itt(bhs)) == NULL && !o->partial &&
		take_slot(o->reassigned, OPROTO_REASSIGNED_MAX, pdu_itt(bhs)))
		return true; /* ERL 2: the status of a task moved here ends it */
	struct oproto_task *t = live_task(o, pdu_itt(bhs), "Data-In");
	if (t == NULL)
		return false;
	uint32_t sn = pdu_w(bhs, PDU_DATA_IN_DATASN), off = pdu_w(bhs, PDU_DATA_IN_BUFFER_OFFSET);
	if (!t->read && rx->dsl > 0)
		return oproto_fail(o, "§11.7", "Data-In with data for a task that reads nothing");
	if (erl1(o) && sn_lt(sn, t->data_in_sn) && was_snacked(o, t->itt))
		return true; /* a copy the initiator asked for (§11.16.1) */
	if (sn != t->data_in_sn)
		return oproto_fail(o, "§11.7.5", "Data-In DataSN %u, expected %u (§11.7.5)", sn, t->data_in_sn);
	if (off != t->data_in_off)
		return oproto_fail(o, "§13.18", "Data-In BufferOffset %u, expected %u with DataPDUInOrder=Yes", off, t->data_in_off);
	if (off + rx->dsl > t->edtl)
		return oproto_fail(o, "§11.7.6", "Data-In beyond the expected length %u", t->edtl);
	t->data_in_sn++;
	t->data_in_off += rx->dsl;
	t->burst += rx->dsl;
	if (t->burst > o->params.max_burst_length)
		return oproto_fail(o, "§13.13", "Data-In sequence of %u bytes beyond MaxBurstLength", t->burst);
	uint8_t flags = pdu_flags(bhs);
	if (flags & ISCSI_FLAG_FINAL)
		t->burst = 0;
	if (!(flags & ISCSI_DATAIN_STATUS))
		return true;
	if (!(flags & ISCSI_FLAG_FINAL))
		return oproto_fail(o, "§11.7.1", "Data-In with status but without the F bit (§11.7.1)");
	bool ok = residual_ok(o, bhs, t, t->data_in_off, 0);
	task_close(o, t, pdu_w(bhs, PDU_TGT_STATSN));
	return ok;
}

static bool tgt_r2t(struct oproto *o, const uint8_t *bhs)
{
	struct oproto_task *t = live_task(o, pdu_itt(bhs), "R2T");
	if (t == NULL)
		return false;
	uint32_t sn = pdu_w(bhs, PDU_R2T_R2TSN), off = pdu_w(bhs, PDU_R2T_BUFFER_OFFSET);
	uint32_t len = pdu_w(bhs, PDU_R2T_DESIRED_LENGTH);
	if (!t->write)
		return oproto_fail(o, "§11.8", "R2T for a task that writes nothing");
	if (erl1(o) && sn_lt(sn, t->r2tsn) && was_snacked(o, t->itt))
		return true; /* a copy the initiator asked for (§11.16.1) */
	if (erl1(o) && sn == t->r2tsn && len != 0 && len <= o->params.max_burst_length && off <= t->edtl &&
		len <= t->edtl - off) {
		/* §7.8-§7.9: a recovery R2T may ask for data sent before
		 * (unsolicited, or in an R2T's burst whose PDU was lost). */
		t->r2tsn++;
		t->r2t_open = t->r2t_open < o->params.max_outstanding_r2t ? t->r2t_open + 1 : t->r2t_open;
		t->r2t_next_off = off;
		t->r2t_end = off + len;
		return true;
	}
	if (sn != t->r2tsn)
		return oproto_fail(o, "§11.8.2", "R2TSN %u, expected %u (§11.8.2)", sn, t->r2tsn);
	if (len == 0 || len > o->params.max_burst_length)
		return oproto_fail(o, "§13.13", "R2T for %u bytes, MaxBurstLength %u (§13.13)", len, o->params.max_burst_length);
	if (off < t->unsolicited || off + len > t->edtl)
		return oproto_fail(o, "§11.8", "R2T for %u+%u: outside what is left of %u bytes", off, len, t->edtl);
	if (t->r2t_open + 1 > o->params.max_outstanding_r2t)
		return oproto_fail(o, "§13.17", "more than MaxOutstandingR2T=%u R2Ts outstanding", o->params.max_outstanding_r2t);
	t->r2tsn++;
	t->r2t_open++;
	t->r2t_next_off = off;
	t->r2t_end = off + len;
	return true;
}

static bool tgt_scsi_rsp(struct oproto *o, const uint8_t *bhs)
{
	struct oproto_task *t = live_task(o, pdu_itt(bhs), "SCSI Response");
	if (t == NULL)
		return false;
	bool ok = true;
	if (bhs[PDU_SCSI_RSP_RESPONSE] == ISCSI_RESPONSE_COMPLETED && t->write)
		ok = residual_ok(o, bhs, t, t->received, t->unsolicited);
	else if (bhs[PDU_SCSI_RSP_RESPONSE] == ISCSI_RESPONSE_COMPLETED && t->read)
		ok = residual_ok(o, bhs, t, t->data_in_off, 0);
	task_close(o, t, pdu_w(bhs, PDU_TGT_STATSN));
	return ok;
}

static bool tgt_tmf_rsp(struct oproto *o, const uint8_t *bhs)
{
	uint32_t itt = pdu_itt(bhs);
	for (unsigned i = 0; i < OPROTO_TMFS_MAX; i++) {
		if (o->tmf_itt[i] != itt)
			continue;
		o->tmf_itt[i] = ISCSI_TAG_RESERVED;
		if (o->tmf_fn[i] == ISCSI_TMF_TASK_REASSIGN) {
			/* §11.5.1: the task answers here from now on. */
			bool erl2;
			if (bhs[PDU_TMF_RESPONSE] != ISCSI_TMF_RSP_COMPLETE)
				return true;
			if (erl2_known(o, &erl2) && !erl2)
				return oproto_fail(o, "§11.6.1", "TASK REASSIGN answered Function complete at ErrorRecoveryLevel %u",
					o->params.error_recovery_level);
			put_slot(o->reassigned, OPROTO_REASSIGNED_MAX, o->tmf_ref[i]);
			return true;
		}
		if (bhs[PDU_TMF_RESPONSE] == ISCSI_TMF_RSP_COMPLETE || bhs[PDU_TMF_RESPONSE] == ISCSI_TMF_RSP_NO_TASK) {
			struct oproto_task *t = task_find(o, o->tmf_ref[i]);
			if (t != NULL)
				task_close(o, t, pdu_w(bhs, PDU_TGT_STATSN));
			o->aborted[o->aborted_next++ % OPROTO_ABORTED_MAX] = o->tmf_ref[i];
		}
		return true;
	}
	if (o->partial)
		return true;
	return oproto_fail(o, "§11.6", "TMF response for ITT 0x%x, no such request", itt);
}

static bool tgt_pdu(struct oproto *o, const struct ipdu_rx *rx)
{
	if (!o->ffp)
		return oproto_login_rsp(o, rx);
	const uint8_t *bhs = rx->bhs;
	uint8_t op = pdu_opcode(bhs);
	if (op == ISCSI_OP_LOGIN_RSP || op < ISCSI_OP_NOP_IN)
		return oproto_fail(o, "§11.2.1.2", "target sent opcode 0x%02x in full feature phase", op);
	if (!check_sn(o, bhs))
		return false;
	if (o->resent)
		return true; /* a copy of what was checked when first sent */
	switch (op) {
	case ISCSI_OP_DATA_IN:
		return tgt_data_in(o, rx);
	case ISCSI_OP_R2T:
		return tgt_r2t(o, bhs);
	case ISCSI_OP_SCSI_RSP:
		return tgt_scsi_rsp(o, bhs);
	case ISCSI_OP_TMF_RSP:
		return tgt_tmf_rsp(o, bhs);
	case ISCSI_OP_NOP_IN:
		if (pdu_itt(bhs) != ISCSI_TAG_RESERVED && !take_slot(o->nop_itt, OPROTO_PINGS_MAX, pdu_itt(bhs)) &&
			!o->partial)
			return oproto_fail(o, "§11.19", "NOP-In for ITT 0x%x, no such ping", pdu_itt(bhs));
		if (pdu_itt(bhs) != ISCSI_TAG_RESERVED && pdu_w(bhs, PDU_NOP_TTT) != ISCSI_TAG_RESERVED)
			return oproto_fail(o, "§11.19.1", "NOP-In answers a ping and asks for one at once (§11.19.1)");
		return true;
	case ISCSI_OP_LOGOUT_RSP:
		if (!take_slot(o->logout_itt, OPROTO_LOGOUTS_MAX, pdu_itt(bhs)) && !o->partial)
			return oproto_fail(o, "§11.15", "Logout Response for ITT 0x%x, no such request", pdu_itt(bhs));
		return true;
	case ISCSI_OP_REJECT: {
		if (rx->dsl < ISCSI_BHS_LEN)
			return oproto_fail(o, "§11.17.3", "Reject without the rejected header (§11.17.3)");
		struct oproto_task *t = task_find(o, pdu_itt(rx->data));
		/* ERL 1: a retry that found its command in progress (§11.17.1)
		 * leaves it live. */
		if (erl1(o) && bhs[PDU_REJECT_REASON] == ISCSI_REJECT_TASK_IN_PROGRESS)
			return true;
		if (t != NULL && pdu_opcode(rx->data) == ISCSI_OP_SCSI_CMD)
			task_close(o, t, pdu_w(bhs, PDU_TGT_STATSN));
		return true;
	}
	case ISCSI_OP_ASYNC:
		return true;
	case ISCSI_OP_TEXT_RSP:
		/* §11.11: a Text Response answers the Text Request in progress. */
		if ((pdu_itt(bhs) != o->text_itt || o->text_itt == ISCSI_TAG_RESERVED) && !o->partial)
			return oproto_fail(o, "§11.11", "Text Response for ITT 0x%x without a Text Request", pdu_itt(bhs));
		o->text_waiting = false;
		if (pdu_final(bhs))
			o->text_itt = ISCSI_TAG_RESERVED;
		return true;
	default:
		return oproto_fail(o, "§11.2.1.2", "target sent reserved opcode 0x%02x", op);
	}
}

static void one_pdu(struct oproto *o, bool from_target, const struct ipdu_rx *rx)
{
	o->pdus++;
	if (o->on_pdu != NULL)
		o->on_pdu(o->on_pdu_ctx, o, from_target, rx);
	if (from_target)
		tgt_pdu(o, rx);
	else
		ini_pdu(o, rx);
}

bool oproto_bytes(struct oproto *o, bool from_target, const uint8_t *p, size_t len)
{
	int d = from_target ? DIR_TGT : DIR_INI;
	struct ipdu_rx *rx = &o->rx[d];
	o->dir_now = from_target;
	while (len > 0 && (o->violations == 0 || o->keep_going)) {
		/* Framing lost earlier (an objection its owner chose to pass
		 * over, host/pwire): the framer takes no byte any more. A
		 * capture finds the next PDU itself (oproto_resync). */
		if (rx->state == IPDU_BROKEN)
			return o->keep_going ? false
					     : oproto_fail(o, "§7.8", "%s byte stream can no longer be framed",
						     from_target ? "target" : "initiator");
		if (rx->state == IPDU_DONE || (rx->state == IPDU_BHS && rx->got == 0))
			o->pdu_off[d] = o->taken[d];
		size_t used;
		enum ipdu_rx_result r = ipdu_rx_feed(rx, p, len, &used);
		p += used;
		len -= used;
		o->taken[d] += used;
		switch (r) {
		case IPDU_MORE:
			break;
		case IPDU_READY:
			one_pdu(o, from_target, rx);
			if (o->framing_pending[d])
				oproto_ffp_framing(o, d);
			break;
		case IPDU_BAD_HDIGEST:
			return oproto_fail(o, "§11.2.3", "%s header digest wrong", from_target ? "target" : "initiator");
		case IPDU_BAD_DDIGEST:
			oproto_fail(o, "§11.2.3", "%s data digest wrong", from_target ? "target" : "initiator");
			if (!o->keep_going)
				return false;
			/* The header is sound: what it says still counts. */
			one_pdu(o, from_target, rx);
			if (o->framing_pending[d])
				oproto_ffp_framing(o, d);
			break;
		case IPDU_TOO_LONG:
			return oproto_fail(o, "§13.12", "%s PDU of %u data bytes above the peer's MaxRecvDataSegmentLength %u",
				from_target ? "target" : "initiator", rx->dsl, rx->data_cap);
		}
	}
	return o->keep_going ? rx->state != IPDU_BROKEN : o->violations == 0;
}

bool oproto_framing_lost(const struct oproto *o, bool from_target)
{
	return o->rx[from_target ? DIR_TGT : DIR_INI].state == IPDU_BROKEN;
}

/* Everything that depended on the lost bytes is forgotten; what comes
 * after is checked as from a fresh start, except that tasks, pings and
 * requests not seen are not judged (o->partial). */
void oproto_restart_framing(struct oproto *o, bool from_target)
{
	int d = from_target ? DIR_TGT : DIR_INI;
	o->rx[d].state = IPDU_BHS;
	o->rx[d].got = 0;
	o->pdu_off[d] = o->taken[d];
	if (o->framing_pending[d])
		oproto_ffp_framing(o, d);
}

void oproto_resync(struct oproto *o, bool from_target)
{
	oproto_restart_framing(o, from_target);
	o->partial = true;
	o->ntasks = 0;
	if (from_target) {
		o->have_statsn = false;
		o->cs->have_window = false;
	} else {
		o->cs->have_cmdsn = false;
	}
}

void oproto_assume_ffp(struct oproto *o, bool header_digest, bool data_digest, uint32_t data_cap)
{
	o->ffp = true;
	o->partial = true;
	for (int d = 0; d < 2; d++) {
		o->rx[d].header_digest = header_digest;
		o->rx[d].data_digest = data_digest;
		ipdu_rx_set_cap(&o->rx[d], data_cap);
	}
}
