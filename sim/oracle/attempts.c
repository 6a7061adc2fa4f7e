/* oracle/attempts: see oracle/attempts.h. */
#include "sim/oracle/attempts.h"

void oatt_init(struct oatt *o, const struct sim_mem *mem, struct odata *od)
{
	memset(o, 0, sizeof(*o));
	o->mem = mem;
	o->od = od;
}

void oatt_fini(struct oatt *o)
{
	for (size_t i = 0; i < o->nc; i++)
		sim_free(o->mem, o->c[i].a, o->c[i].cap * sizeof(*o->c[i].a));
	sim_free(o->mem, o->c, o->ccap * sizeof(*o->c));
	sim_free(o->mem, o->v, o->vcap * sizeof(*o->v));
}

static struct oatt_ver *ver_of(struct oatt *o, uint64_t ver)
{
	if (ver >= o->nv) {
		o->v = sim_grow(o->mem, o->v, sizeof(*o->v), &o->vcap, ver + 1);
		o->nv = ver + 1;
	}
	return &o->v[ver];
}

static struct oatt_conn *conn_of(struct oatt *o, uint32_t conn)
{
	if (conn >= o->nc) {
		size_t old = o->nc;
		o->c = sim_grow(o->mem, o->c, sizeof(*o->c), &o->ccap, (size_t)conn + 1);
		for (size_t i = old; i <= conn; i++)
			o->c[i].gw = -1;
		o->nc = (size_t)conn + 1;
	}
	return &o->c[conn];
}

/* An attempt on gateway gw is resolved; closed: its connection was gone
 * there before (it counted as unsettled). */
static void resolve(struct oatt *o, uint64_t ver, int gw, bool closed, uint64_t t)
{
	struct oatt_ver *v = &o->v[ver];
	assert(v->unresolved > 0);
	v->unresolved--;
	assert(o->pending_on[gw] > 0);
	o->pending_on[gw]--;
	if (closed) {
		assert(v->unsettled_on[gw] > 0);
		v->unsettled_on[gw]--;
	}
	if (t > v->settle_max)
		v->settle_max = t;
	odata_settle(o->od, ver, v->unresolved == 0, v->settle_max);
}

static void att_add(struct oatt *o, uint64_t ver, uint32_t conn, int gw, bool copy);

void oatt_sent(struct oatt *o, uint64_t ver, uint32_t conn, int gw)
{
	att_add(o, ver, conn, gw, true);
}

void oatt_moved(struct oatt *o, uint64_t ver, uint32_t conn, int gw)
{
	att_add(o, ver, conn, gw, false);
}

static void att_add(struct oatt *o, uint64_t ver, uint32_t conn, int gw, bool copy)
{
	assert(gw >= 0 && (unsigned)gw < OATT_GWS_MAX);
	struct oatt_ver *v = ver_of(o, ver);
	struct oatt_conn *c = conn_of(o, conn);
	c->gw = gw;
	c->a = sim_grow(o->mem, c->a, sizeof(*c->a), &c->cap, c->n + 1);
	c->a[c->n++] = (struct oatt_att){ .ver = ver };
	v->unresolved++;
	o->pending_on[gw]++;
	v->sent_on |= (uint16_t)(1u << gw);
	if (!c->closed)
		v->open_on[gw]++;
	else
		v->unsettled_on[gw]++;
	if (copy)
		odata_copy(o->od, ver);
	odata_settle(o->od, ver, false, v->settle_max);
}

void oatt_answered(struct oatt *o, uint64_t ver, uint32_t conn, uint64_t t)
{
	if (conn >= o->nc || ver >= o->nv)
		return;
	struct oatt_conn *c = &o->c[conn];
	for (size_t i = c->n; i-- > 0;) {
		struct oatt_att *a = &c->a[i];
		if (a->ver != ver || a->answered)
			continue;
		a->answered = true;
		if (!c->closed)
			o->v[ver].open_on[c->gw]--;
		resolve(o, ver, c->gw, c->closed, t);
		return;
	}
}

bool oatt_closed(struct oatt *o, uint32_t conn)
{
	if (conn >= o->nc || o->c[conn].closed)
		return false;
	struct oatt_conn *c = &o->c[conn];
	c->closed = true;
	bool pending = false;
	for (size_t i = 0; i < c->n; i++) {
		if (c->a[i].answered)
			continue;
		o->v[c->a[i].ver].open_on[c->gw]--;
		o->v[c->a[i].ver].unsettled_on[c->gw]++;
		pending = true;
	}
	return pending;
}

void oatt_settled(struct oatt *o, uint32_t conn, uint64_t t)
{
	if (conn >= o->nc)
		return;
	struct oatt_conn *c = &o->c[conn];
	for (size_t i = 0; i < c->n; i++)
		if (!c->a[i].answered)
			resolve(o, c->a[i].ver, c->gw, true, t);
	sim_free(o->mem, c->a, c->cap * sizeof(*c->a));
	c->a = NULL;
	c->n = c->cap = 0;
}

bool oatt_may_write(const struct oatt *o, uint64_t ver, int gw)
{
	if (ver >= o->nv || !((o->v[ver].sent_on >> gw) & 1u))
		return true; /* not ours to judge: never sent there */
	return o->v[ver].open_on[gw] > 0;
}

bool oatt_may_land(const struct oatt *o, uint64_t ver, int gw)
{
	if (ver >= o->nv || !((o->v[ver].sent_on >> gw) & 1u))
		return true;
	return o->v[ver].open_on[gw] > 0 || o->v[ver].unsettled_on[gw] > 0;
}

bool oatt_conn_open(const struct oatt *o, uint32_t conn, int gw)
{
	return conn < o->nc && o->c[conn].gw == gw && !o->c[conn].closed;
}
