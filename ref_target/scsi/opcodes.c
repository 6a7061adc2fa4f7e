/* opcodes: the command table, one row per supported command (and per
 * service action), sorted by (opcode, service action); scsi_op_find
 * searches it by bisection.
 *
 * The usage bytes are the CDB USAGE DATA of REPORT SUPPORTED OPERATION
 * CODES (SPC-4): a one bit is a bit the device server examines. Every
 * other bit of a CDB must be zero (cmd.c), which rejects reserved fields,
 * protection information fields (RDPROTECT/WRPROTECT/VRPROTECT: we have
 * no protection information, SBC-3 §4.22), and the NACA and vendor bits of
 * the CONTROL byte (SAM-5 §5.10: ACA is not supported, NormACA 0).
 * A service-action command has its service action in usage byte 1 (with
 * the other bits it uses there, e.g. SANITIZE's IMMED).
 *
 * Reservation classes (SPC-4 §5.13.1 and SBC-3's table of commands in the
 * presence of reservations; SPC-2 §5.5.1 for RESERVE): MEDIUM_READ passes
 * Write Exclusive; INFO passes every reservation; the rest conflict.
 * ALUA classes (SPC-4 §5.15.2.4): INFO passes every state, management
 * (OP_ALUA_STANDBY_OK) passes standby; the rest need an active state.
 */
#include "alua.h"
#include "cmd.h"
#include "medium.h"
#include "mode.h"
#include "pr.h"
#include "reserve.h"
#include "sanitize.h"
#include "sbc.h"
#include "spc.h"

/* Common CDB field shapes. */
#define U4 0xff, 0xff, 0xff, 0xff     /* 4-byte LBA or length */
#define U8 U4, U4                      /* 8-byte LBA */
#define U_GROUP 0x1f                   /* GROUP NUMBER (accepted, ignored) */
#define U_CONTROL 0x00                 /* CONTROL: NACA, vendor bits unsupported */
#define U_RW 0x1a                      /* DPO, FUA, FUA_NV */
#define U_VERIFY 0x16                  /* DPO, BYTCHK (2 bits) */
#define U_WRITE_VERIFY 0x12            /* DPO, BYTCHK */

/* Command classes. */
#define MEDIUM_READ (OP_MEDIUM | OP_PR_READ)
#define MEDIUM_WRITE (OP_MEDIUM | OP_WRITE)
#define INFO (OP_RSV2_OK | OP_PR_OK | OP_ALUA_ANY_OK) /* identification, sense, capabilities */
#define INFO_ANY_LUN (INFO | OP_NO_LU | OP_NO_UA)
#define PR_CMD (OP_PR_OK | OP_ALUA_STANDBY_OK) /* PR IN/OUT judge persistent reservations themselves */
#define CAPACITY (OP_MEDIUM | OP_PR_OK | OP_ALUA_STANDBY_OK) /* a standby path still tells its size */
#define RESERVE_CMD (OP_RSV2_OK | OP_PR_OK | OP_PR_STATE) /* RESERVE/RELEASE judge all reservations themselves */

#define PR_IN(sa, name) \
	{0x5e, sa, 10, OP_SA | PR_CMD, "PERSISTENT RESERVE IN/" name, \
	 {0x5e, sa, 0, 0, 0, 0, 0, 0xff, 0xff, U_CONTROL}, pr_in_decode, pr_in_exec, pr_in_io_done}
#define PR_OUT(sa, name) \
	{0x5f, sa, 10, OP_SA | PR_CMD, "PERSISTENT RESERVE OUT/" name, \
	 {0x5f, sa, 0xff, 0, 0, U4, U_CONTROL}, pr_out_decode, pr_out_exec, pr_out_io_done}

const struct scsi_op scsi_ops[] = {
	{0x00, 0, 6, OP_MEDIUM | OP_PR_OK, "TEST UNIT READY", {0x00, 0, 0, 0, 0, U_CONTROL},
	 spc_no_data_decode, spc_tur_exec, NULL},
	{0x03, 0, 6, INFO_ANY_LUN, "REQUEST SENSE", {0x03, 0x01, 0, 0, 0xff, U_CONTROL},
	 spc_request_sense_decode, spc_request_sense_exec, NULL},
	{0x08, 0, 6, MEDIUM_READ, "READ(6)", {0x08, 0x1f, 0xff, 0xff, 0xff, U_CONTROL},
	 sbc_read_decode, sbc_read_exec, sbc_read_done},
	{0x0a, 0, 6, MEDIUM_WRITE, "WRITE(6)", {0x0a, 0x1f, 0xff, 0xff, 0xff, U_CONTROL},
	 sbc_write_decode, sbc_write_exec, sbc_write_done},
	{0x12, 0, 6, INFO_ANY_LUN, "INQUIRY", {0x12, 0x01, 0xff, 0xff, 0xff, U_CONTROL},
	 inquiry_decode, inquiry_exec, NULL},
	{0x15, 0, 6, OP_ALUA_STANDBY_OK, "MODE SELECT(6)", {0x15, 0x11, 0, 0, 0xff, U_CONTROL},
	 mode_select_decode, mode_select_exec, NULL},
	{0x16, 0, 6, RESERVE_CMD, "RESERVE(6)", {0x16, 0, 0, 0, 0, U_CONTROL},
	 reserve_decode, reserve_exec, NULL},
	{0x17, 0, 6, RESERVE_CMD, "RELEASE(6)", {0x17, 0, 0, 0, 0, U_CONTROL},
	 reserve_decode, release_exec, NULL},
	{0x1a, 0, 6, OP_PR_READ | OP_ALUA_STANDBY_OK, "MODE SENSE(6)", {0x1a, 0x08, 0xff, 0xff, 0xff, U_CONTROL},
	 mode_sense_decode, mode_sense_exec, NULL},
	{0x1b, 0, 6, 0, "START STOP UNIT", {0x1b, 0x01, 0, 0x0f, 0xf7, U_CONTROL},
	 medium_start_stop_decode, medium_start_stop_exec, NULL},
	{0x1e, 0, 6, 0, "PREVENT ALLOW MEDIUM REMOVAL", {0x1e, 0, 0, 0, 0x03, U_CONTROL},
	 medium_prevent_allow_decode, medium_prevent_allow_exec, NULL},
	{0x25, 0, 10, CAPACITY, "READ CAPACITY(10)", {0x25, 0, 0, 0, 0, 0, 0, 0, 0, U_CONTROL},
	 sbc_read_capacity10_decode, sbc_read_capacity10_exec, NULL},
	{0x28, 0, 10, MEDIUM_READ, "READ(10)", {0x28, U_RW, U4, U_GROUP, 0xff, 0xff, U_CONTROL},
	 sbc_read_decode, sbc_read_exec, sbc_read_done},
	{0x2a, 0, 10, MEDIUM_WRITE, "WRITE(10)", {0x2a, U_RW, U4, U_GROUP, 0xff, 0xff, U_CONTROL},
	 sbc_write_decode, sbc_write_exec, sbc_write_done},
	{0x2e, 0, 10, MEDIUM_WRITE, "WRITE AND VERIFY(10)",
	 {0x2e, U_WRITE_VERIFY, U4, U_GROUP, 0xff, 0xff, U_CONTROL},
	 sbc_write_verify_decode, sbc_write_verify_exec, sbc_verify_done},
	{0x2f, 0, 10, MEDIUM_READ, "VERIFY(10)", {0x2f, U_VERIFY, U4, U_GROUP, 0xff, 0xff, U_CONTROL},
	 sbc_verify_decode, sbc_verify_exec, sbc_verify_done},
	{0x34, 0, 10, MEDIUM_READ, "PRE-FETCH(10)", {0x34, 0x02, U4, U_GROUP, 0xff, 0xff, U_CONTROL},
	 sbc_prefetch_decode, sbc_prefetch_exec, NULL},
	{0x35, 0, 10, MEDIUM_READ, "SYNCHRONIZE CACHE(10)", {0x35, 0x06, U4, U_GROUP, 0xff, 0xff, U_CONTROL},
	 sbc_sync_cache_decode, sbc_sync_cache_exec, sbc_sync_cache_done},
	{0x37, 0, 10, MEDIUM_READ, "READ DEFECT DATA(10)", {0x37, 0, 0x1f, 0, 0, 0, 0, 0xff, 0xff, U_CONTROL},
	 sbc_read_defect_decode, sbc_read_defect_exec, NULL},
	{0x41, 0, 10, MEDIUM_WRITE, "WRITE SAME(10)", {0x41, 0x18, U4, U_GROUP, 0xff, 0xff, U_CONTROL},
	 sbc_write_same_decode, sbc_write_same_exec, sbc_write_same_done},
	{0x42, 0, 10, MEDIUM_WRITE, "UNMAP", {0x42, 0x01, 0, 0, 0, 0, U_GROUP, 0xff, 0xff, U_CONTROL},
	 sbc_unmap_decode, sbc_unmap_exec, sbc_unmap_done, RT_LU_THIN},
	{0x48, 0x01, 10, OP_SA | MEDIUM_WRITE | OP_ATOMIC, "SANITIZE/OVERWRITE",
	 {0x48, 0xa1, 0, 0, 0, 0, 0, 0xff, 0xff, U_CONTROL}, /* IMMED, AUSE */
	 sanitize_overwrite_decode, sanitize_overwrite_exec, sanitize_overwrite_done, RT_LU_SANITIZE,
	 sanitize_abandon},
	{0x48, 0x02, 10, OP_SA | MEDIUM_WRITE | OP_ATOMIC, "SANITIZE/BLOCK ERASE",
	 {0x48, 0xa2, 0, 0, 0, 0, 0, 0xff, 0xff, U_CONTROL}, /* IMMED, AUSE */
	 sanitize_erase_decode, sanitize_erase_exec, sanitize_erase_done, RT_LU_SANITIZE | RT_LU_THIN,
	 sanitize_abandon},
	{0x48, 0x1f, 10, OP_SA, "SANITIZE/EXIT FAILURE MODE", {0x48, 0xbf, 0, 0, 0, 0, 0, 0xff, 0xff, U_CONTROL},
	 sanitize_exit_decode, sanitize_exit_exec, NULL, RT_LU_SANITIZE},
	{0x55, 0, 10, OP_ALUA_STANDBY_OK, "MODE SELECT(10)", {0x55, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff, U_CONTROL},
	 mode_select_decode, mode_select_exec, NULL},
	{0x56, 0, 10, RESERVE_CMD, "RESERVE(10)", {0x56, 0, 0, 0, 0, 0, 0, 0, 0, U_CONTROL},
	 reserve_decode, reserve_exec, NULL},
	{0x57, 0, 10, RESERVE_CMD, "RELEASE(10)", {0x57, 0, 0, 0, 0, 0, 0, 0, 0, U_CONTROL},
	 reserve_decode, release_exec, NULL},
	{0x5a, 0, 10, OP_PR_READ | OP_ALUA_STANDBY_OK, "MODE SENSE(10)", {0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, U_CONTROL},
	 mode_sense_decode, mode_sense_exec, NULL},
	PR_IN(0x00, "READ KEYS"),
	PR_IN(0x01, "READ RESERVATION"),
	PR_IN(0x02, "REPORT CAPABILITIES"),
	PR_IN(0x03, "READ FULL STATUS"),
	PR_OUT(0x00, "REGISTER"),
	PR_OUT(0x01, "RESERVE"),
	PR_OUT(0x02, "RELEASE"),
	PR_OUT(0x03, "CLEAR"),
	PR_OUT(0x04, "PREEMPT"),
	PR_OUT(0x05, "PREEMPT AND ABORT"),
	PR_OUT(0x06, "REGISTER AND IGNORE EXISTING KEY"),
	PR_OUT(0x07, "REGISTER AND MOVE"),
	{0x83, 0x00, 16, OP_SA | MEDIUM_WRITE, "EXTENDED COPY(LID1)",
	 {0x83, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, U4, 0, U_CONTROL},
	 xcopy_decode, xcopy_exec, xcopy_done, 0, xcopy_abandon},
	{0x84, 0x00, 16, OP_SA | OP_PR_READ, "RECEIVE COPY RESULTS/COPY STATUS",
	 {0x84, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, U4, 0, U_CONTROL},
	 xcopy_results_decode, xcopy_results_exec, NULL},
	{0x84, 0x03, 16, OP_SA | OP_PR_READ, "RECEIVE COPY RESULTS/OPERATING PARAMETERS",
	 {0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, U4, 0, U_CONTROL},
	 xcopy_results_decode, xcopy_results_exec, NULL},
	{0x88, 0, 16, MEDIUM_READ, "READ(16)", {0x88, U_RW, U8, U4, U_GROUP, U_CONTROL},
	 sbc_read_decode, sbc_read_exec, sbc_read_done},
	{0x89, 0, 16, MEDIUM_WRITE | OP_ATOMIC, "COMPARE AND WRITE",
	 {0x89, U_RW, U8, 0, 0, 0, 0xff, U_GROUP, U_CONTROL},
	 sbc_caw_decode, sbc_caw_exec, sbc_caw_done},
	{0x8a, 0, 16, MEDIUM_WRITE, "WRITE(16)", {0x8a, U_RW, U8, U4, U_GROUP, U_CONTROL},
	 sbc_write_decode, sbc_write_exec, sbc_write_done},
	{0x8b, 0, 16, MEDIUM_WRITE | OP_ATOMIC, "ORWRITE(16)", {0x8b, U_RW, U8, U4, U_GROUP, U_CONTROL},
	 sbc_orwrite_decode, sbc_orwrite_exec, sbc_orwrite_done},
	{0x8e, 0, 16, MEDIUM_WRITE, "WRITE AND VERIFY(16)", {0x8e, U_WRITE_VERIFY, U8, U4, U_GROUP, U_CONTROL},
	 sbc_write_verify_decode, sbc_write_verify_exec, sbc_verify_done},
	{0x8f, 0, 16, MEDIUM_READ, "VERIFY(16)", {0x8f, U_VERIFY, U8, U4, U_GROUP, U_CONTROL},
	 sbc_verify_decode, sbc_verify_exec, sbc_verify_done},
	{0x90, 0, 16, MEDIUM_READ, "PRE-FETCH(16)", {0x90, 0x02, U8, U4, U_GROUP, U_CONTROL},
	 sbc_prefetch_decode, sbc_prefetch_exec, NULL},
	{0x91, 0, 16, MEDIUM_READ, "SYNCHRONIZE CACHE(16)", {0x91, 0x06, U8, U4, U_GROUP, U_CONTROL},
	 sbc_sync_cache_decode, sbc_sync_cache_exec, sbc_sync_cache_done},
	{0x93, 0, 16, MEDIUM_WRITE, "WRITE SAME(16)", {0x93, 0x19, U8, U4, U_GROUP, U_CONTROL},
	 sbc_write_same_decode, sbc_write_same_exec, sbc_write_same_done},
	{SBC_OP_WRITE_ATOMIC16, 0, 16, MEDIUM_WRITE, "WRITE ATOMIC(16)",
	 {SBC_OP_WRITE_ATOMIC16, 0x18, U8, 0, 0, 0xff, 0xff, U_GROUP, U_CONTROL}, /* DPO, FUA; no boundary */
	 sbc_write_atomic_decode, sbc_write_atomic_exec, sbc_write_done, RT_LU_ATOMIC},
	{0x9e, 0x10, 16, OP_SA | CAPACITY, "READ CAPACITY(16)",
	 {0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, U4, 0, U_CONTROL},
	 sbc_read_capacity16_decode, sbc_read_capacity16_exec, NULL},
	{0x9e, 0x12, 16, OP_SA | MEDIUM_READ, "GET LBA STATUS", {0x9e, 0x12, U8, U4, 0, U_CONTROL},
	 sbc_get_lba_status_decode, sbc_get_lba_status_exec, sbc_get_lba_status_done},
	{0xa0, 0, 12, INFO_ANY_LUN, "REPORT LUNS", {0xa0, 0, 0xff, 0, 0, 0, U4, 0, U_CONTROL},
	 spc_report_luns_decode, spc_report_luns_exec, NULL},
	{0xa3, 0x0a, 12, OP_SA | INFO, "REPORT TARGET PORT GROUPS", {0xa3, 0xea, 0, 0, 0, 0, U4, 0, U_CONTROL},
	 alua_rtpg_decode, alua_rtpg_exec, NULL},
	{0xa3, 0x0c, 12, OP_SA | INFO, "REPORT SUPPORTED OPERATION CODES",
	 {0xa3, 0x0c, 0x87, 0xff, 0xff, 0xff, U4, 0, U_CONTROL},
	 spc_rsoc_decode, spc_rsoc_exec, NULL},
	{0xa3, 0x0d, 12, OP_SA | INFO, "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS",
	 {0xa3, 0x0d, 0, 0, 0, 0, U4, 0, U_CONTROL},
	 spc_rstmf_decode, spc_rstmf_exec, NULL},
	{0xa4, 0x0a, 12, OP_SA | OP_ALUA_ANY_OK, "SET TARGET PORT GROUPS", {0xa4, 0x0a, 0, 0, 0, 0, U4, 0, U_CONTROL},
	 alua_stpg_decode, alua_stpg_exec, alua_stpg_io_done, LU_CAP_STPG},
	{0xa8, 0, 12, MEDIUM_READ, "READ(12)", {0xa8, U_RW, U4, U4, U_GROUP, U_CONTROL},
	 sbc_read_decode, sbc_read_exec, sbc_read_done},
	{0xaa, 0, 12, MEDIUM_WRITE, "WRITE(12)", {0xaa, U_RW, U4, U4, U_GROUP, U_CONTROL},
	 sbc_write_decode, sbc_write_exec, sbc_write_done},
	{0xae, 0, 12, MEDIUM_WRITE, "WRITE AND VERIFY(12)", {0xae, U_WRITE_VERIFY, U4, U4, U_GROUP, U_CONTROL},
	 sbc_write_verify_decode, sbc_write_verify_exec, sbc_verify_done},
	{0xaf, 0, 12, MEDIUM_READ, "VERIFY(12)", {0xaf, U_VERIFY, U4, U4, U_GROUP, U_CONTROL},
	 sbc_verify_decode, sbc_verify_exec, sbc_verify_done},
	{0xb7, 0, 12, MEDIUM_READ, "READ DEFECT DATA(12)", {0xb7, 0x1f, U4, U4, 0, U_CONTROL},
	 sbc_read_defect_decode, sbc_read_defect_exec, NULL},
};

const size_t scsi_ops_count = sizeof(scsi_ops) / sizeof(scsi_ops[0]);
