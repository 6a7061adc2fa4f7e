/* limits: every bound the engine enforces, named once, with its source.
 *
 * RFC 7143 gives the protocol's own ranges; the rest are ours, chosen so
 * that memory per connection stays bounded under any input.
 */
#ifndef RT_LIMITS_H
#define RT_LIMITS_H

/* RFC 7143 §11.2: Basic Header Segment. */
#define ISCSI_BHS_LEN 48u
/* RFC 7143 §11.2.1.5: TotalAHSLength counts 4-byte words in one byte. */
#define ISCSI_AHS_MAX_LEN (255u * 4u)
/* RFC 7143 §11.2.1.3: DataSegmentLength is 24 bits. */
#define ISCSI_DSL_MAX 0xffffffu
/* RFC 7143 §11.2.3/§11.2.4: digests are CRC32C, 4 bytes. */
#define ISCSI_DIGEST_LEN 4u
/* RFC 7143 §11.2.1.4: data segments are padded to 4 bytes. */
#define ISCSI_PAD 4u
/* RFC 7143 §11.3.5: CDBs longer than 16 bytes continue in an extended-CDB AHS. */
#define ISCSI_CDB_LEN 16u
#define SCSI_CDB_MAX 260u

/* RFC 7143 §13.12: MaxRecvDataSegmentLength 512..2^24-1, default 8192. */
#define ISCSI_MRDSL_MIN 512u
#define ISCSI_MRDSL_MAX 16777215u
#define ISCSI_MRDSL_DEFAULT 8192u
/* RFC 7143 §13.13/§13.14: MaxBurstLength, FirstBurstLength 512..2^24-1. */
#define ISCSI_BURST_MIN 512u
#define ISCSI_BURST_MAX 16777215u
#define ISCSI_MAX_BURST_DEFAULT 262144u
#define ISCSI_FIRST_BURST_DEFAULT 65536u
/* RFC 7143 §13.17: MaxOutstandingR2T 1..65535. */
#define ISCSI_MAX_R2T_MAX 65535u
/* Ours: what the target accepts and offers by default (cfg_params_default),
 * the values production targets ship (LIO's and istgt's configurations:
 * 256 KiB PDUs, 1 MiB bursts, 256 KiB unsolicited, several R2Ts in
 * flight). Negotiation still goes down to whatever the initiator asks:
 * MaxBurstLength, FirstBurstLength and MaxOutstandingR2T take the minimum
 * (§13.13, §13.14, §13.17), InitialR2T=No needs the initiator's No too
 * (OR, §13.10); MaxRecvDataSegmentLength is declared (§13.12), ours alone.
 * Memory per connection stays bounded: a data segment not bound for a
 * task (NOP-Out, Text, ...) lands in the connection's pdu_buf, at most
 * RT_OFFER_MRDSL_DEFAULT (was 8 KiB), so one connection holds at most
 * CONN_STAGE_LEN + MaxRecvDataSegmentLength + conn_unsent_max_bytes
 * (64 KiB + 256 KiB + 4 MiB) outside task buffers; task buffers (immediate
 * and unsolicited data included, FirstBurstLength at most) count against
 * the session's share (RT_SESSION_MEM_MAX_DEFAULT); all of it against the
 * target's budget (RT_MEM_BUDGET_DEFAULT), which every allocation passes. */
/* TMFs one task in its abort may hold back at once (task.h abort_tmf):
 * its ABORT TASK, and the ABORT TASK SET, LOGICAL UNIT RESET or target
 * reset that reach it while its disk I/O is still in flight, each
 * answered only once the task is gone (SAM-5 §7.1). Past it a TMF is
 * answered FUNCTION REJECTED rather than complete too early. */
#define RT_TASK_TMF_WAITERS_MAX 4u

#define RT_OFFER_MRDSL_DEFAULT 262144u
#define RT_OFFER_MAX_BURST_DEFAULT 1048576u
#define RT_OFFER_FIRST_BURST_DEFAULT 262144u
#define RT_OFFER_MAX_R2T_DEFAULT 16u
/* RFC 7143 §13.2: MaxConnections 1..65535. */
#define ISCSI_MAX_CONNS_MAX 65535u
/* RFC 7143 §13.15/§13.16: Time2Wait 0..3600, Time2Retain 0..3600. */
#define ISCSI_TIME2_MAX 3600u
/* RFC 7143 §13.20: ErrorRecoveryLevel 0..2. */
#define ISCSI_ERL_MAX 2u
/* Ours: the highest level implemented (§7.1.5: level 1, recovery within
 * a command and within a connection, core/recovery.h; level 2, connection
 * recovery, core/erl2.h). The configured error_recovery_level is the most
 * the target offers, up to this; by default RT_ERL_DEFAULT, 2, as LIO
 * allows (issue 19). The level in force is the lower of both offers
 * (§13.20), so an initiator that offers 0 or 1 (or says nothing: 0)
 * negotiates what it did before. One that offers 2 gets connection
 * recovery: a lost connection's tasks are kept for DefaultTime2Wait +
 * DefaultTime2Retain (negotiated, the target offers 2 + 20 s) instead of
 * ending at once, and a session with no connection stays open that long;
 * it asked for that. A configuration that wants failures to end tasks at
 * once for every initiator sets error_recovery_level 1 (or
 * default_time2retain 0: nothing kept, §13.16). */
#define RT_ERL_IMPLEMENTED 2u
#define RT_ERL_DEFAULT 2u
/* Ours: failed connections whose tasks one session keeps for reassignment
 * at ERL 2 at once (erl2.h). A connection that fails while all are in use
 * loses its tasks as at level 0. 8: every connection of an MC/S session
 * of eight failing together (a switch going down); each record lives at
 * most Time2Wait + Time2Retain and keeps at most what its connection kept
 * for SNACK (RT_RCV_BYTES_MAX), so a session holds at most 8 of those. */
#define RT_ERL2_FAILED_CONNS_MAX 8u
/* Ours: what one connection keeps for SNACK at ERL >= 1 (recovery.h):
 * copies of the Data-In, R2T and numbered responses not yet acknowledged.
 * Past either bound a PDU is sent but not kept, and a SNACK asking for it
 * gets Reject "Protocol Error" (RFC 7143 §11.16); the initiator then
 * retries the command (§7.2.1). 4 MiB: sixteen 256 KiB reads in flight
 * (MaxBurstLength's default), what a loopback socket buffers anyway
 * (RT_CONN_UNSENT_MAX_DEFAULT); the bytes also count against the memory
 * budget (mem.h), and nothing new is kept once it is tight
 * (RT_MEM_TIGHT_PCT), so copies never take what tasks need. 1024 PDUs: a walk of the store per acknowledged
 * status stays cheap. */
#define RT_RCV_BYTES_MAX (4ull << 20)
#define RT_RCV_PDUS_MAX 1024u
/* RFC 7143 §6.1: text key names up to 63 bytes, values up to 255 bytes
 * unless the key says otherwise; binary/large values up to 8192 bytes
 * (§6.1, "Any key ... 8192 bytes" for CHAP_C etc., §13). */
#define ISCSI_KEY_NAME_MAX 63u
#define ISCSI_VALUE_MAX 255u
#define ISCSI_VALUE_LARGE_MAX 8192u
/* RFC 7143 §4.2.7.1: iSCSI names up to 223 bytes. */
#define ISCSI_NAME_MAX 223u
/* RFC 7143 §6.2: text/login data across C-bit continuations: our bound on
 * one logical text message. */
#define RT_TEXT_MAX 65536u
/* Number of keys in one logical text message we are willing to answer. */
#define RT_TEXT_KEYS_MAX 128u
/* Login PDUs exchanged in one login before we give up (RFC 7143 §6.1.1). */
#define RT_LOGIN_PDUS_MAX 64u
/* RFC 7143 §12.1.3: CHAP secrets 12..255 bytes (shorter ones are refused). */
#define RT_CHAP_SECRET_MIN 12u
#define RT_CHAP_SECRET_MAX 255u
#define RT_CHAP_NAME_MAX 255u
/* Largest digest among CHAP algorithms (SHA-256, SHA3-256). */
#define RT_CHAP_DIGEST_MAX 32u
/* Our challenge length in bytes (RFC 1994 §2.2 allows any; LIO uses 16). */
#define RT_CHAP_CHALLENGE_LEN 32u
/* Largest challenge we accept from an initiator (mutual CHAP). */
#define RT_CHAP_CHALLENGE_MAX 1024u

/* Ours: the largest SCSI transfer one command may ask for. Advertised as
 * MAXIMUM TRANSFER LENGTH in the Block Limits VPD (SBC-3 §6.5.3). */
#define RT_XFER_MAX (8u * 1024u * 1024u)
/* Ours: CmdSN window depth bounds (tasks per session). */
#define RT_CMD_WINDOW_MAX 512u
#define RT_CMD_WINDOW_DEFAULT 128u
/* Ours: immediate commands (I bit) that may be outstanding beyond the window. */
#define RT_IMMEDIATE_MAX 16u
/* Ours: memory (core/mem.h). One budget for the whole target: every byte
 * the engine allocates and every byte the environment holds unsent for it
 * (rt_env conn_send) counts against it. Defaults sized for a 24 GiB
 * machine that also runs other services: 1 GiB is ~4% of it, and holds
 * 128 commands of RT_XFER_MAX in flight, or 16 sessions at their full share. */
#define RT_MEM_BUDGET_DEFAULT (1ull << 30)
/* Below this a handful of connections' staging buffers (CONN_STAGE_LEN)
 * fill the budget and no command could ever run. */
#define RT_MEM_BUDGET_MIN (16ull << 20)
/* 1 TiB: a sanity bound on the configured value, not a goal. */
#define RT_MEM_BUDGET_MAX (1ull << 40)
/* One session's share: task data buffers plus its connections' unsent
 * bytes; beyond it MaxCmdSN stops growing and commands get TASK SET FULL.
 * 64 MiB: 8 commands of RT_XFER_MAX, or 256 of 256 KiB, in flight. */
#define RT_SESSION_MEM_MAX_DEFAULT (64ull << 20)
/* What every session may still take once the budget is tight (past
 * RT_MEM_TIGHT_PCT of it): one command of RT_XFER_MAX, so a good
 * initiator is served while others hold the rest. */
#define RT_SESSION_MEM_MIN_DEFAULT ((unsigned long long)RT_XFER_MAX)
/* The smallest share worth configuring: one 1 MiB command. */
#define RT_SESSION_MEM_FLOOR (1ull << 20)
/* The budget is tight past this percentage of it: only sessions under
 * their guaranteed minimum get new buffers, and connections with unsent
 * bytes are not read (the rest is kept for sessions that behave). */
#define RT_MEM_TIGHT_PCT 75u
/* A connection whose unsent bytes pass this is not read until they fall
 * to a quarter of it (backpressure: a peer that does not read cannot make
 * us buffer its answers). 4 MiB: what a loopback or 10GbE socket buffer
 * holds anyway (tcp_wmem max), so a reading peer seldom meets it. */
#define RT_CONN_UNSENT_MAX_DEFAULT (4ull << 20)
#define RT_CONN_UNSENT_MIN (64ull << 10)
#define RT_CONN_UNSENT_RESUME_DIV 4u
/* Ours: connections per engine, sessions per engine. */
#define RT_CONNS_MAX 1024u
#define RT_SESSIONS_MAX 512u
/* Ours: admission control, the defences against hostile clients (admit.h).
 * Each *_DEFAULT is the default of a knob of the same name in rt_params_cfg
 * (the daemon's "params"), chosen for a production target: a real
 * initiator never comes near them, an attacker from one address cannot
 * fill the tables, and logged-in sessions keep room under a flood. */
/* A connection that has not delivered its first whole Login PDU by then is
 * closed: real initiators send it at once after connecting, an idle or
 * trickling socket only holds a slot (prelogin_timeout_ms). */
#define RT_PRELOGIN_TIMEOUT_MS_DEFAULT 3000u
/* Connections one source address may hold before full feature phase
 * (max_login_conns_per_source): open-iscsi logs in to every node at
 * boot in parallel, a few dozen at most. */
#define RT_LOGIN_CONNS_PER_SOURCE_DEFAULT 32u
/* New connections one source address may open: a sustained rate per
 * second and a burst (login_rate_per_source, login_burst_per_source; a
 * token bucket on the environment's clock). 0 turns the rate off. Sized
 * for the busiest honest client we know, libiscsi's test suite, which
 * logs in about 25 times a second on average from one address, peaking
 * at 108 in one second (measured in conformance/, where 20/s with a burst
 * of 64 refused its connections from the 55th test on); a host at boot
 * or failover logs in once per session. What the rate adds
 * to the per-source caps is a bound on churn: the accept/close work and
 * how fast many addresses together can evict logins. */
#define RT_LOGIN_RATE_PER_SOURCE_DEFAULT 100u
#define RT_LOGIN_BURST_PER_SOURCE_DEFAULT 256u
#define RT_LOGIN_RATE_MAX 1000000u
#define RT_LOGIN_BURST_MAX 65535u
/* Connection slots that only connections in full feature phase may take
 * (reserved_session_conns): connections still logging in use at most
 * RT_CONNS_MAX minus this; a new one beyond it evicts the oldest. */
#define RT_RESERVED_SESSION_CONNS_DEFAULT 256u
/* Sessions (normal and discovery) one initiator name, and one source
 * address, may hold at once (max_sessions_per_initiator,
 * max_sessions_per_source). */
#define RT_SESSIONS_PER_INITIATOR_DEFAULT 64u
#define RT_SESSIONS_PER_SOURCE_DEFAULT 128u
/* Connections one source address may hold, in any phase
 * (max_conns_per_source): every session its quota allows (one connection
 * each at the default MaxConnections) and the logins in flight, so that a
 * session beyond the quota meets its Login status rather than a closed
 * socket. */
#define RT_CONNS_PER_SOURCE_DEFAULT (RT_SESSIONS_PER_SOURCE_DEFAULT + RT_LOGIN_CONNS_PER_SOURCE_DEFAULT)
/* Source addresses whose connection rate the engine remembers at once; a
 * new one beyond them replaces the one whose bucket is fullest. */
#define RT_RATE_SOURCES_MAX 1024u
/* SAM-5 §4.7.7: LUN numbers that fit the flat space addressing method. */
#define RT_LUN_MAX 16383u
/* Ours: configuration sizes. */
#define RT_PORTALS_MAX 64u
#define RT_TARGETS_MAX 256u
#define RT_TPGS_MAX 16u
#define RT_ACLS_MAX 256u
#define RT_LUS_MAX 256u
#define RT_LUNS_MAX 256u
/* Ours: a PERSISTENT RESERVE OUT on an LU whose reservations are shared
 * through its backstore (scsi/pr_shared.c) reloads and reapplies itself
 * when another gateway stored first; after this many lost races it
 * answers BUSY (the initiator retries) rather than spin. */
#define RT_PR_SHARED_TRIES_MAX 8u

#endif
