/* infra/fproxy_spec: the proxy's rules as people write them: the fault
 * spec language of `isim proxy --fault` ("partition at=2s for=3s
 * dir=to_gw", "hold_r2t hold=500ms" ...; keys in sim/README.md,
 * "Fault-injecting proxy") and the mapping from a scenario's network and
 * disk faults to rules on one initiator-gateway link. Opcode names follow
 * RFC 7143 §11.1.1. Declared in infra/fproxy.h; owns nothing.
 */
#include "sim/infra/fproxy.h"

#include <stdio.h>
#include <string.h>

#include "sim/spec/scenario.h"

static const char *const kind_names[FPX_KINDS] = {
	[FPX_LATENCY] = "latency", [FPX_STALL] = "stall", [FPX_RESET] = "reset",
	[FPX_PARTITION] = "partition", [FPX_BLACKHOLE] = "blackhole", [FPX_SLICER] = "slicer",
	[FPX_BANDWIDTH] = "bandwidth", [FPX_LIMIT_DATA] = "limit_data", [FPX_CUT_PDU] = "drop_at_pdu",
	[FPX_HOLD_PDU] = "hold_pdu",
};

struct op_name {
	const char *name;
	uint8_t op;
};

static const struct op_name op_names[] = {
	{ "nop_out", ISCSI_OP_NOP_OUT }, { "scsi_cmd", ISCSI_OP_SCSI_CMD }, { "tmf_req", ISCSI_OP_TMF_REQ },
	{ "login_req", ISCSI_OP_LOGIN_REQ }, { "text_req", ISCSI_OP_TEXT_REQ }, { "data_out", ISCSI_OP_DATA_OUT },
	{ "logout_req", ISCSI_OP_LOGOUT_REQ }, { "snack", ISCSI_OP_SNACK }, { "nop_in", ISCSI_OP_NOP_IN },
	{ "scsi_rsp", ISCSI_OP_SCSI_RSP }, { "tmf_rsp", ISCSI_OP_TMF_RSP }, { "login_rsp", ISCSI_OP_LOGIN_RSP },
	{ "text_rsp", ISCSI_OP_TEXT_RSP }, { "data_in", ISCSI_OP_DATA_IN }, { "logout_rsp", ISCSI_OP_LOGOUT_RSP },
	{ "r2t", ISCSI_OP_R2T }, { "async", ISCSI_OP_ASYNC }, { "reject", ISCSI_OP_REJECT },
};

const char *fpx_op_name(uint8_t op)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (op_names[i].op == op)
			return op_names[i].name;
	return "unknown";
}

/* Initiator opcodes travel to the gateway, target opcodes back (§11.1.1). */
static unsigned op_dirs(uint8_t op)
{
	return FPX_DIR_BIT(op < ISCSI_OP_NOP_IN ? FPX_TO_GW : FPX_TO_INI);
}

const char *fpx_dir_name(enum fpx_dir d)
{
	return d == FPX_TO_GW ? "to_gw" : "to_ini";
}

/* ---- parsing ---- */

static bool parse_u64(const char *s, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return false;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return *s == '\0';
}

static bool parse_op(const char *s, uint8_t *op)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strcmp(s, op_names[i].name) == 0) {
			*op = op_names[i].op;
			return true;
		}
	return false;
}

static bool parse_dir(const char *v, unsigned *dirs)
{
	if (strcmp(v, "both") == 0)
		*dirs = FPX_BOTH;
	else if (strcmp(v, "to_gw") == 0)
		*dirs = FPX_DIR_BIT(FPX_TO_GW);
	else if (strcmp(v, "to_ini") == 0)
		*dirs = FPX_DIR_BIT(FPX_TO_INI);
	else
		return false;
	return true;
}

/* The kind and its defaults (names as the user wrote them). */
static bool rule_kind(const char *k, struct fpx_rule *r)
{
	static const char *const aliases[][2] = {
		{ "cut_after_dataout", "drop_at_pdu" }, { "hold_r2t", "hold_pdu" },
	};
	const char *base = k;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(k, aliases[i][0]) == 0)
			base = aliases[i][1];
	for (int i = 0; i < FPX_KINDS; i++)
		if (strcmp(base, kind_names[i]) == 0) {
			r->kind = (enum fpx_kind)i;
			r->name = base == k ? kind_names[i] : (strcmp(k, "hold_r2t") == 0 ? "hold_r2t" : "cut_after_dataout");
			r->dirs = FPX_BOTH;
			r->conn = -1;
			r->n = 1;
			r->slice_min = 1;
			r->slice_max = 64;
			if (strcmp(k, "cut_after_dataout") == 0)
				r->op = ISCSI_OP_DATA_OUT;
			if (strcmp(k, "hold_r2t") == 0)
				r->op = ISCSI_OP_R2T;
			if (r->kind == FPX_LIMIT_DATA)
				r->dirs = FPX_DIR_BIT(FPX_TO_INI);
			return true;
		}
	return false;
}

static bool rule_key(struct fpx_rule *r, const char *k, const char *v)
{
	uint64_t u;
	if (strcmp(k, "at") == 0)
		return scenario_parse_time(v, &r->at_ns);
	if (strcmp(k, "for") == 0)
		return scenario_parse_time(v, &r->dur_ns);
	if (strcmp(k, "dir") == 0)
		return parse_dir(v, &r->dirs);
	if (strcmp(k, "lat") == 0 || strcmp(k, "hold") == 0)
		return scenario_parse_time(v, &r->lat_ns);
	if (strcmp(k, "jitter") == 0)
		return scenario_parse_time(v, &r->jitter_ns);
	if (strcmp(k, "delay") == 0)
		return scenario_parse_time(v, &r->delay_ns);
	if (strcmp(k, "op") == 0)
		return parse_op(v, &r->op);
	if (!parse_u64(v, &u))
		return false;
	if (strcmp(k, "conn") == 0)
		return u < UINT32_MAX && ((r->conn = (int)u), true);
	if (strcmp(k, "after") == 0)
		return (r->after = u, r->by_bytes = true);
	if (strcmp(k, "n") == 0)
		return u > 0 && ((r->n = u), true);
	if (strcmp(k, "rate") == 0)
		return u > 0 && ((r->rate = u), true);
	if (strcmp(k, "min") == 0)
		return u > 0 && u <= FPX_PIPE_BYTES && ((r->slice_min = (uint32_t)u), true);
	if (strcmp(k, "max") == 0)
		return u > 0 && u <= FPX_PIPE_BYTES && ((r->slice_max = (uint32_t)u), true);
	if (strcmp(k, "conns") == 0)
		return u <= UINT32_MAX && ((r->conns_max = (uint32_t)u), true);
	return false;
}

static bool known_key(const char *k)
{
	static const char *const keys[] = { "at", "for", "dir", "lat", "hold", "jitter", "delay", "op", "conn",
		"after", "n", "rate", "min", "max", "conns" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

/* What each kind needs, checked once the whole spec is read. */
static const char *rule_check(struct fpx_rule *r, bool have_op)
{
	switch (r->kind) {
	case FPX_BANDWIDTH:
		return r->rate == 0 ? "bandwidth needs rate=BYTES_PER_S" : NULL;
	case FPX_LIMIT_DATA:
		return !r->by_bytes ? "limit_data needs after=BYTES" : NULL;
	case FPX_SLICER:
		return r->slice_min > r->slice_max ? "slicer min= above max=" : NULL;
	case FPX_CUT_PDU:
	case FPX_HOLD_PDU:
		if (!have_op && r->op == 0 && strcmp(r->name, kind_names[r->kind]) == 0)
			return "drop_at_pdu and hold_pdu need op=NAME (data_out, r2t, scsi_cmd, nop_in ...)";
		if (r->kind == FPX_HOLD_PDU && r->lat_ns == 0)
			return "hold_pdu/hold_r2t needs hold=TIME";
		r->dirs = op_dirs(r->op);
		return NULL;
	case FPX_LATENCY:
	case FPX_STALL:
	case FPX_RESET:
	case FPX_PARTITION:
	case FPX_BLACKHOLE:
	case FPX_KINDS:
		break;
	}
	return NULL;
}

bool fpx_parse(const char *spec, struct fpx_rule *r, char *err, size_t err_len)
{
	char buf[512];
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, err_len, "fault spec longer than %zu characters", sizeof(buf) - 1);
		return false;
	}
	strcpy(buf, spec);
	memset(r, 0, sizeof(*r));
	char *save = NULL;
	char *tok = strtok_r(buf, " \t", &save);
	if (tok == NULL || !rule_kind(tok, r)) {
		snprintf(err, err_len, "unknown proxy fault '%s' (latency stall reset partition blackhole slicer "
			"bandwidth limit_data cut_after_dataout drop_at_pdu hold_r2t hold_pdu)", tok ? tok : "");
		return false;
	}
	bool have_op = false;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		char *eq = strchr(tok, '=');
		if (eq == NULL) {
			snprintf(err, err_len, "expected key=value, got '%s'", tok);
			return false;
		}
		*eq = '\0';
		if (!known_key(tok)) {
			snprintf(err, err_len, "unknown key '%s' for %s", tok, r->name);
			return false;
		}
		if (!rule_key(r, tok, eq + 1)) {
			snprintf(err, err_len, "bad value '%s' for %s", eq + 1, tok);
			return false;
		}
		have_op |= strcmp(tok, "op") == 0;
	}
	const char *why = rule_check(r, have_op);
	if (why != NULL) {
		snprintf(err, err_len, "%s", why);
		return false;
	}
	return true;
}

static unsigned fault_dirs(enum fault_dir d)
{
	switch (d) {
	case FD_TO_GW: return FPX_DIR_BIT(FPX_TO_GW);
	case FD_TO_INI: return FPX_DIR_BIT(FPX_TO_INI);
	case FD_BOTH: break;
	}
	return FPX_BOTH;
}

void fpx_from_fault(struct fpx *x, const struct fault *f, int ini, int gw, unsigned *skipped)
{
	struct fpx_rule r = { .conn = -1, .dirs = FPX_BOTH, .at_ns = f->at_ns, .dur_ns = f->dur_ns };
	bool link = fault_scope(f->kind) == FS_LINK && f->ini == ini && f->gw == gw;
	r.name = fault_kind_name(f->kind);
	switch (f->kind) {
	case F_PARTITION:
		r.kind = FPX_PARTITION;
		r.dirs = fault_dirs(f->dir);
		break;
	case F_STALL:
		r.kind = FPX_STALL;
		break;
	case F_RESET:
		r.kind = FPX_RESET;
		break;
	case F_SLOW: /* a: bytes/s, b: extra latency ns */
		if (link && f->b > 0) {
			struct fpx_rule l = r;
			l.kind = FPX_LATENCY;
			l.lat_ns = f->b;
			fpx_add(x, &l);
		}
		r.kind = FPX_BANDWIDTH;
		r.rate = f->a;
		if (f->a == 0)
			return;
		break;
	case F_LOGIN_DROP: /* the next a connections are reset mid-login */
		r.kind = FPX_CUT_PDU;
		r.op = ISCSI_OP_LOGIN_REQ;
		r.dirs = op_dirs(r.op);
		r.conns_max = (uint32_t)f->a;
		break;
	case F_DISK_SLOW:
		/* The gateway's backend answers a ns late: its commands land
		 * then. Live, the nearest a proxy can do: the initiator's bytes
		 * reach the target a ns late (NOP-Outs too, unlike the sim). */
		if (f->gw != gw) {
			return;
		}
		r.kind = FPX_LATENCY;
		r.dirs = FPX_DIR_BIT(FPX_TO_GW);
		r.lat_ns = f->a;
		fpx_add(x, &r);
		return;
	default:
		(*skipped)++;
		return;
	}
	if (link)
		fpx_add(x, &r);
}
