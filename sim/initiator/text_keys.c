/* initiator/text_keys: see initiator/text_keys.h. */
#include "sim/initiator/text_keys.h"

#include <stdio.h>
#include <string.h>

#include "core/limits.h"

void iparams_default(struct iparams *p)
{
	*p = (struct iparams){
		.ini_mrdsl = ISCSI_MRDSL_DEFAULT,
		.tgt_mrdsl = ISCSI_MRDSL_DEFAULT,
		.max_connections = 1,
		.initial_r2t = true,
		.immediate_data = true,
		.max_burst_length = ISCSI_MAX_BURST_DEFAULT,
		.first_burst_length = ISCSI_FIRST_BURST_DEFAULT,
		.default_time2wait = 2,
		.default_time2retain = 20,
		.max_outstanding_r2t = 1,
		.data_pdu_in_order = true,
		.data_sequence_in_order = true,
		.error_recovery_level = 0,
	};
}

bool ikeys_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > hi)
			return false;
	}
	if (v < lo)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "Yes") == 0)
		*out = true;
	else if (strcmp(s, "No") == 0)
		*out = false;
	else
		return false;
	return true;
}

static bool parse_digest(const char *s, bool *out)
{
	if (strcmp(s, "CRC32C") == 0)
		*out = true;
	else if (strcmp(s, "None") == 0)
		*out = false;
	else
		return false;
	return true;
}

struct num_key {
	const char *name;
	size_t off;
	uint32_t lo, hi;
};

#define NUM(n, f, lo, hi) { n, offsetof(struct iparams, f), lo, hi }
static const struct num_key num_keys[] = {
	NUM("MaxConnections", max_connections, 1, ISCSI_MAX_CONNS_MAX),
	NUM("MaxBurstLength", max_burst_length, ISCSI_BURST_MIN, ISCSI_BURST_MAX),
	NUM("FirstBurstLength", first_burst_length, ISCSI_BURST_MIN, ISCSI_BURST_MAX),
	NUM("DefaultTime2Wait", default_time2wait, 0, ISCSI_TIME2_MAX),
	NUM("DefaultTime2Retain", default_time2retain, 0, ISCSI_TIME2_MAX),
	NUM("MaxOutstandingR2T", max_outstanding_r2t, 1, ISCSI_MAX_R2T_MAX),
	NUM("ErrorRecoveryLevel", error_recovery_level, 0, ISCSI_ERL_MAX),
};

struct bool_key {
	const char *name;
	size_t off;
};

#define BOOL(n, f) { n, offsetof(struct iparams, f) }
static const struct bool_key bool_keys[] = {
	BOOL("InitialR2T", initial_r2t),
	BOOL("ImmediateData", immediate_data),
	BOOL("DataPDUInOrder", data_pdu_in_order),
	BOOL("DataSequenceInOrder", data_sequence_in_order),
};

enum ikeys_verdict ikeys_apply(struct iparams *p, const char *key, const char *value, bool from_target)
{
	uint8_t *base = (uint8_t *)p;
	if (strcmp(key, "MaxRecvDataSegmentLength") == 0) {
		uint32_t v;
		if (!ikeys_parse_u32(value, ISCSI_MRDSL_MIN, ISCSI_MRDSL_MAX, &v))
			return IKEYS_BAD_VALUE;
		*(from_target ? &p->tgt_mrdsl : &p->ini_mrdsl) = v;
		return IKEYS_OK;
	}
	if (strcmp(key, "HeaderDigest") == 0)
		return parse_digest(value, &p->header_digest) ? IKEYS_OK : IKEYS_BAD_VALUE;
	if (strcmp(key, "DataDigest") == 0)
		return parse_digest(value, &p->data_digest) ? IKEYS_OK : IKEYS_BAD_VALUE;
	for (size_t i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
		if (strcmp(key, num_keys[i].name) != 0)
			continue;
		uint32_t v;
		if (!ikeys_parse_u32(value, num_keys[i].lo, num_keys[i].hi, &v))
			return IKEYS_BAD_VALUE;
		memcpy(base + num_keys[i].off, &v, sizeof(v));
		return IKEYS_OK;
	}
	for (size_t i = 0; i < sizeof(bool_keys) / sizeof(bool_keys[0]); i++) {
		if (strcmp(key, bool_keys[i].name) != 0)
			continue;
		bool v;
		if (!parse_bool(value, &v))
			return IKEYS_BAD_VALUE;
		memcpy(base + bool_keys[i].off, &v, sizeof(v));
		return IKEYS_OK;
	}
	return IKEYS_UNKNOWN;
}

/* Split one "key=value" pair at data[*pos]; advances *pos past its NUL. */
static bool next_pair(const uint8_t *data, size_t len, size_t *pos, char *key, size_t kcap, char *val,
	size_t vcap, bool *fits)
{
	size_t start = *pos;
	size_t end = start;
	while (end < len && data[end] != '\0')
		end++;
	*pos = end + 1;
	const uint8_t *eq = memchr(data + start, '=', end - start);
	if (eq == NULL)
		return false;
	size_t klen = (size_t)(eq - (data + start));
	size_t vlen = end - start - klen - 1;
	*fits = klen < kcap && vlen < vcap;
	if (*fits) {
		memcpy(key, data + start, klen);
		key[klen] = '\0';
		memcpy(val, eq + 1, vlen);
		val[vlen] = '\0';
	}
	return true;
}

bool ikeys_get(const uint8_t *data, size_t len, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);
	size_t pos = 0;
	while (pos < len) {
		size_t start = pos;
		while (pos < len && data[pos] != '\0')
			pos++;
		size_t plen = pos - start;
		pos++;
		if (plen > klen && data[start + klen] == '=' && memcmp(data + start, key, klen) == 0) {
			size_t vlen = plen - klen - 1;
			if (vlen >= cap)
				return false;
			memcpy(out, data + start + klen + 1, vlen);
			out[vlen] = '\0';
			return true;
		}
	}
	return false;
}

bool ikeys_each(const uint8_t *data, size_t len, void (*fn)(void *ctx, const char *key, const char *value),
	void *ctx)
{
	char key[ISCSI_KEY_NAME_MAX + 1];
	char val[ISCSI_VALUE_LARGE_MAX * 2 + 8];
	size_t pos = 0;
	while (pos < len) {
		/* Trailing NULs (padding in a text segment) end the list. */
		if (data[pos] == '\0') {
			pos++;
			continue;
		}
		bool fits;
		if (!next_pair(data, len, &pos, key, sizeof(key), val, sizeof(val), &fits) || !fits)
			return false;
		fn(ctx, key, val);
	}
	return true;
}

bool ikeys_add(uint8_t *buf, size_t *len, size_t cap, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	if (*len + klen + vlen + 2 > cap)
		return false;
	memcpy(buf + *len, key, klen);
	buf[*len + klen] = '=';
	memcpy(buf + *len + klen + 1, value, vlen);
	buf[*len + klen + 1 + vlen] = '\0';
	*len += klen + vlen + 2;
	return true;
}

bool ikeys_add_u32(uint8_t *buf, size_t *len, size_t cap, const char *key, uint32_t value)
{
	char v[16];
	snprintf(v, sizeof(v), "%u", value);
	return ikeys_add(buf, len, cap, key, v);
}
