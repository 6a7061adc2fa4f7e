/* rbd_alua: see rbd_alua.h. */
#include "rbd_alua.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One unsigned decimal at *p, ending at end or at a delimiter. */
static int rbda_number(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		uint64_t d = (uint64_t)(*s - '0');
		if (v > (max - d) / 10u)
			return -1;
		v = v * 10u + d;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

/* The literal word at *p. */
static int rbda_word(const char **p, const char *end, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(end - *p) < n || memcmp(*p, word, n) != 0)
		return -1;
	*p += n;
	return 0;
}

static int rbda_parse(struct rbda_record *r, const char *p, const char *end)
{
	uint64_t v;
	if (rbda_word(&p, end, RBDA_MAGIC " gen=") || rbda_number(&p, end, UINT64_MAX, &r->gen) ||
	    rbda_word(&p, end, " owner=") || rbda_number(&p, end, UINT16_MAX, &v) || rbda_word(&p, end, " t="))
		return -1;
	r->owner = (uint16_t)v;
	while (p < end && *p != '\n') {
		if (r->ntimes == RBDA_TRANSFERS_MAX || rbda_number(&p, end, UINT64_MAX, &r->times[r->ntimes]))
			return -1;
		if (r->ntimes > 0 && r->times[r->ntimes] < r->times[r->ntimes - 1])
			return -1; /* oldest first */
		r->ntimes++;
		if (p < end && *p == ',')
			p++;
	}
	if (p < end && *p == '\n')
		p++;
	return p == end ? 0 : -1;
}

int rbda_decode(struct rbda_record *r, const char *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	if (len == 0)
		return 0;
	if (rbda_parse(r, buf, buf + len) == 0)
		return 0;
	memset(r, 0, sizeof(*r));
	return -1;
}

size_t rbda_encode(const struct rbda_record *r, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, RBDA_MAGIC " gen=%" PRIu64 " owner=%u t=", r->gen, (unsigned)r->owner);
	size_t len = n > 0 ? (size_t)n : 0;
	for (uint32_t i = 0; i < r->ntimes && len < cap; i++) {
		n = snprintf(buf + len, cap - len, "%s%" PRIu64, i ? "," : "", r->times[i]);
		len += n > 0 ? (size_t)n : 0;
	}
	if (len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "\n");
	return len < cap ? len : cap - 1;
}

uint32_t rbda_recent(const struct rbda_record *r, uint64_t now_s)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->ntimes; i++)
		if (r->times[i] + RBDA_WINDOW_S > now_s)
			n++;
	return n;
}

bool rbda_may_transfer(const struct rbda_record *r, uint64_t now_s)
{
	return rbda_recent(r, now_s) < RBDA_TRANSFERS_MAX;
}

void rbda_transferred(struct rbda_record *r, uint16_t to_group, uint64_t now_s)
{
	if (r->ntimes == RBDA_TRANSFERS_MAX) {
		memmove(r->times, r->times + 1, (RBDA_TRANSFERS_MAX - 1u) * sizeof(r->times[0]));
		r->ntimes--;
	}
	/* a clock that went back must not make the list unsorted (decode
	 * would refuse it) */
	uint64_t last = r->ntimes ? r->times[r->ntimes - 1] : 0;
	r->times[r->ntimes++] = now_s > last ? now_s : last;
	r->owner = to_group;
	r->gen++;
}

enum rt_alua_state rbda_state(uint16_t owner, uint16_t moving, uint16_t stranded, uint16_t group,
			      enum rt_alua_state non_owner)
{
	if (moving != 0 && group == moving)
		return RT_ALUA_TRANSITIONING;
	bool owns = (owner == 0 || group == owner) && !(stranded != 0 && group == stranded);
	if (owns)
		return RT_ALUA_ACTIVE_OPTIMIZED;
	return non_owner == RT_ALUA_ACTIVE_NONOPTIMIZED ? RT_ALUA_ACTIVE_NONOPTIMIZED : RT_ALUA_STANDBY;
}

enum rbda_handover rbda_handover_next(const struct rbda_record *r, uint64_t released_gen, uint64_t released_ms,
				      uint64_t now_ms, bool lock_held_elsewhere)
{
	if (r->gen != released_gen)
		return RBDA_HANDOVER_RECORDED;
	/* (a clock before the release: within the bound, never past it) */
	if (now_ms < released_ms || now_ms - released_ms < RBDA_TRANSITION_MAX_MS)
		return RBDA_HANDOVER_WAIT;
	return lock_held_elsewhere ? RBDA_HANDOVER_STRANDED : RBDA_HANDOVER_RESUME;
}
