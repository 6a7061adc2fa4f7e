/* iscsi_params: the operational values one connection and its session run
 * with, as the login negotiated them (RFC 7143 §13).
 *
 * Produced by the login (core/login), read by the connection, session and
 * task code. Plain data, owned by whoever embeds it.
 */
#ifndef RT_ISCSI_PARAMS_H
#define RT_ISCSI_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

struct iscsi_params {
	/* per connection */
	uint32_t max_recv_dsl; /* what we declared: the most we accept per PDU (§13.12) */
	uint32_t max_xmit_dsl; /* what the initiator declared: the most we may send per PDU */
	bool header_digest;    /* CRC32C on headers (§13.1) */
	bool data_digest;      /* CRC32C on data segments */
	/* per session */
	uint32_t max_connections;     /* §13.2 */
	bool initial_r2t;             /* §13.10 */
	bool immediate_data;          /* §13.11 */
	uint32_t max_burst_length;    /* §13.13 */
	uint32_t first_burst_length;  /* §13.14 */
	uint32_t default_time2wait;   /* §13.15, seconds */
	uint32_t default_time2retain; /* §13.16, seconds */
	uint32_t max_outstanding_r2t; /* §13.17 */
	bool data_pdu_in_order;       /* §13.18 */
	bool data_sequence_in_order;  /* §13.19 */
	uint32_t error_recovery_level; /* §13.20 */
};

#endif
