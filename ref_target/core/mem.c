/* mem: see mem.h. */
#include "mem.h"

#include <assert.h>

#include "conn.h"
#include "engine_int.h"
#include "session.h"
#include "task_buf.h"

/* A zero in the configuration (a creator that did not start from
 * cfg_params_default) means the default, as cmd_window does. */
static uint64_t knob(uint64_t v, uint64_t dflt)
{
	return v != 0 ? v : dflt;
}

static uint64_t mem_budget(const struct rt_engine *eng)
{
	return knob(eng->cfg->params.mem_budget_bytes, RT_MEM_BUDGET_DEFAULT);
}

static uint64_t mem_tight_mark(const struct rt_engine *eng)
{
	return mem_budget(eng) / 100u * RT_MEM_TIGHT_PCT;
}

static uint64_t session_max(const struct rt_engine *eng)
{
	return knob(eng->cfg->params.session_mem_max_bytes, RT_SESSION_MEM_MAX_DEFAULT);
}

static uint64_t session_min(const struct rt_engine *eng)
{
	return knob(eng->cfg->params.session_mem_min_bytes, RT_SESSION_MEM_MIN_DEFAULT);
}

static uint64_t conn_unsent_max(const struct rt_engine *eng)
{
	return knob(eng->cfg->params.conn_unsent_max_bytes, RT_CONN_UNSENT_MAX_DEFAULT);
}

static void mem_note_peak(struct rt_engine *eng)
{
	uint64_t used = mem_used(eng);
	if (used > eng->mem.peak_bytes)
		eng->mem.peak_bytes = used;
}

void mem_allocated(struct rt_engine *eng, uint64_t bytes)
{
	eng->mem.alloc_bytes += bytes;
	mem_note_peak(eng);
}

void mem_freed(struct rt_engine *eng, uint64_t bytes)
{
	assert(eng->mem.alloc_bytes >= bytes);
	eng->mem.alloc_bytes -= bytes;
	eng->mem.relief = true;
}

uint64_t mem_used(const struct rt_engine *eng)
{
	return eng->mem.alloc_bytes + eng->mem.unsent_bytes;
}

bool mem_tight(const struct rt_engine *eng)
{
	return mem_used(eng) > mem_tight_mark(eng);
}

uint64_t mem_session_charge(const struct session *s)
{
	uint64_t charge = s->buf_bytes;
	for (const struct conn *c = s->conns; c; c = c->sess_next)
		charge += c->unsent;
	return charge;
}

/* The admission rule of mem.h, for len more bytes (0: "any at all"). */
static bool mem_fits(const struct session *s, uint64_t len)
{
	const struct rt_engine *eng = s->eng;
	uint64_t charge = mem_session_charge(s) + len;
	uint64_t used = mem_used(eng) + len;
	if (len == 0) {
		/* the window: open while one more byte would still fit */
		charge++;
		used++;
	}
	if (charge > session_max(eng) || used > mem_budget(eng))
		return false;
	/* Tight: what is left is kept for sessions under their minimum. */
	return used <= mem_tight_mark(eng) || charge <= session_min(eng);
}

bool mem_admit(struct session *s, uint64_t len)
{
	/* cached buffers are the session's own: they go before a refusal */
	while (s->nbuf_cache > 0 && !mem_fits(s, len))
		task_buf_cache_pop(s);
	if (mem_fits(s, len))
		return true;
	s->eng->stats.mem_refusals++;
	return false;
}

bool mem_may_cache(const struct session *s, uint64_t len)
{
	(void)len; /* a cached buffer is charged as it was in use */
	return !s->closed && !mem_tight(s->eng) && mem_session_charge(s) <= session_max(s->eng);
}

bool mem_window_may_grow(struct session *s)
{
	struct rt_engine *eng = s->eng;
	bool grow = mem_fits(s, 0);
	if (grow && s->window_held) {
		s->window_held = false;
		eng->mem.held--;
	} else if (!grow && !s->window_held) {
		s->window_held = true;
		eng->mem.held++;
		eng->stats.mem_window_holds++;
		eng_log(eng, RT_LOG_INFO, "session tsih=%u: MaxCmdSN held at %u: %llu bytes charged, target %llu",
			s->tsih, s->max_cmd_sn, (unsigned long long)mem_session_charge(s),
			(unsigned long long)mem_used(eng));
	}
	return grow;
}

void mem_conn_unsent(struct conn *c, uint64_t unsent)
{
	struct rt_engine *eng = c->eng;
	if (unsent == c->unsent)
		return;
	if (unsent < c->unsent) {
		eng->mem.unsent_bytes -= c->unsent - unsent;
		c->unsent = unsent;
		eng->mem.relief = true;
		return;
	}
	eng->mem.unsent_bytes += unsent - c->unsent;
	c->unsent = unsent;
	mem_note_peak(eng);
	/* Data-In moved from a task buffer into the environment: the buffer
	 * must not linger in the cache when memory is short. */
	struct session *s = c->sess;
	if (s != NULL && (mem_tight(eng) || mem_session_charge(s) > session_max(eng)))
		task_buf_cache_drop(s);
}

bool mem_conn_readable(struct conn *c)
{
	struct rt_engine *eng = c->eng;
	if (c->unsent == 0) {
		/* nothing waits on the peer: a pause here could never end */
		c->rx_held = false;
		return true;
	}
	uint64_t max = conn_unsent_max(eng);
	if (c->rx_held) {
		if (c->unsent <= max / RT_CONN_UNSENT_RESUME_DIV && !mem_tight(eng))
			c->rx_held = false;
	} else if (c->unsent > max || mem_tight(eng)) {
		c->rx_held = true;
		eng->stats.mem_rx_pauses++;
	}
	return !c->rx_held;
}

void mem_conn_freed(struct conn *c)
{
	struct rt_engine *eng = c->eng;
	/* What the environment still flushes after conn_close is its own:
	 * bounded by what it held here, and by its linger time. */
	eng->mem.unsent_bytes -= c->unsent;
	c->unsent = 0;
	eng->mem.relief = true;
}

void mem_relieve(struct rt_engine *eng)
{
	if (!eng->mem.relief)
		return;
	eng->mem.relief = false;
	if (eng->mem.held == 0)
		return;
	for (struct session *s = eng->sessions; s; s = s->next) {
		if (!s->window_held || s->closed)
			continue;
		uint32_t before = s->max_cmd_sn;
		sess_window_refresh(s);
		/* §11.19: a NOP-In carries a changed MaxCmdSN when no other
		 * PDU would for a while: a held window may have no task left
		 * whose answer would. */
		if (s->max_cmd_sn != before && s->conns != NULL)
			conn_announce_window(s->conns);
	}
}
