/* infra/simnet_fault: the faults and node states of the simulated network
 * (simnet.h): link partitions, slow and noisy links, stalls, readers that
 * stop or hold, and a gateway paused, crashed with resets or crashed
 * silently (a powered-off machine: what it had queued dies with it).
 * Apart from simnet.c, which carries bytes, opens and closes connections;
 * both share simnet_int.h. Owns nothing of its own. */
#include "sim/infra/simnet.h"
#include "sim/infra/simnet_int.h"

#include "sim/base/time.h"

static void reschedule_link(struct simnet *n, int ini, int gw)
{
	for (size_t i = 0; i < n->nconns; i++) {
		struct simnet_conn *c = n->conns[i];
		if (c->ini == ini && c->gw == gw && !c->dead) {
			snet_pipe_schedule(n, c, SIMNET_INI);
			snet_pipe_schedule(n, c, SIMNET_GW);
		}
	}
}

void simnet_set_blocked(struct simnet *n, int ini, int gw, enum simnet_side from, bool on)
{
	n->links[ini * n->gws + gw].blocked[from] = on;
	if (!on)
		reschedule_link(n, ini, gw);
}

void simnet_set_slow(struct simnet *n, int ini, int gw, uint64_t bandwidth_Bps, uint64_t extra_latency_ns)
{
	struct simnet_link *l = &n->links[ini * n->gws + gw];
	l->bandwidth_Bps = bandwidth_Bps;
	l->extra_latency_ns = extra_latency_ns;
}

void simnet_set_noise(struct simnet *n, int ini, int gw, enum simnet_side from, uint32_t ppm)
{
	n->links[ini * n->gws + gw].noise_ppm[from] = ppm;
}

static void ev_unstall(void *a, void *b, uint64_t arg)
{
	(void)arg;
	struct simnet *n = a;
	struct simnet_conn *c = b;
	snet_pipe_schedule(n, c, SIMNET_INI);
	snet_pipe_schedule(n, c, SIMNET_GW);
}

void simnet_stall(struct simnet *n, struct simnet_conn *c, uint64_t until)
{
	if (c->dead || until <= c->stalled_until)
		return;
	c->stalled_until = until;
	snet_trace_conn(n, c, "stall", "");
	evq_push(n->q, until, ev_unstall, n, c, 0);
}

void simnet_stop_reading(struct simnet *n, struct simnet_conn *c, enum simnet_side side)
{
	(void)n;
	c->no_read[side] = true;
}

void simnet_hold_reading(struct simnet *n, struct simnet_conn *c, enum simnet_side side, bool hold)
{
	if (c->read_held[side] == hold)
		return;
	c->read_held[side] = hold;
	if (hold)
		n->stats_read_holds++;
	if (!c->dead)
		snet_trace_conn(n, c, hold ? "read_hold" : "read_again", side == SIMNET_INI ? "ini" : "gw");
	if (!hold)
		snet_pipe_schedule(n, c, snet_peer_of(side));
}

void simnet_gw_state(struct simnet *n, int gw, enum simnet_node_state st)
{
	enum simnet_node_state old = n->gw_state[gw];
	n->gw_state[gw] = st;
	if (old != SIMNET_NODE_PAUSED || st == SIMNET_NODE_PAUSED)
		return;
	for (size_t i = 0; i < n->nconns; i++) {
		struct simnet_conn *c = n->conns[i];
		if (c->gw != gw || c->dead)
			continue;
		if (c->syn_held) {
			c->syn_held = false;
			evq_push(n->q, n->q->now, snet_ev_syn, n, c, 0);
		} else {
			snet_pipe_schedule(n, c, SIMNET_INI);
		}
	}
}

void simnet_gw_crash_rst(struct simnet *n, int gw)
{
	for (size_t i = 0; i < n->nconns; i++) {
		struct simnet_conn *c = n->conns[i];
		if (c->gw != gw || c->dead)
			continue;
		c->closed[SIMNET_GW] = true;
		c->orphan_gw = true;
		if (!c->established) {
			c->dead = true;
			evq_push(n->q, n->q->now + n->p.rst_latency_ns, snet_ev_connected, n, c, 0);
			continue;
		}
		simnet_reset(n, c, "gateway crashed");
	}
}

/* The machine's kernel dies with its socket buffers: bytes sent toward
 * it are lost, and of what it had sent, only what a flowing link was
 * already carrying arrives (due within a one-way latency). What a
 * partition, a stall or a shut window held back sat in its send buffer
 * waiting to be retransmitted, and no longer exists: nothing of it may
 * reach the initiator when the partition heals. (A slow link's bytes
 * still waiting for serialization count as carried: the model keeps no
 * line between the two.) */
void simnet_gw_crash_silent(struct simnet *n, int gw)
{
	for (size_t i = 0; i < n->nconns; i++) {
		struct simnet_conn *c = n->conns[i];
		if (c->gw != gw || c->dead)
			continue;
		c->closed[SIMNET_GW] = true;
		c->orphan_gw = true;
		snet_pipe_clear(n, c, SIMNET_INI);
		if (snet_link_of(n, c)->blocked[SIMNET_GW] || n->q->now < c->stalled_until || snet_window_shut(c, SIMNET_GW))
			snet_pipe_clear(n, c, SIMNET_GW);
		if (!c->established)
			c->dead = true; /* a SYN to a dead machine: the initiator times out */
	}
}
