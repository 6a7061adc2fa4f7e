/* ctl: see ctl.h. The socket half (accept, read one bounded line, answer,
 * close) and the apply half (model -> dcfg -> engine). */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/reconfig.h"
#include "ctl_req.h"
#include "dcfg_save.h"
#include "dlog.h"

/* The name the model's text goes by in dcfg's messages (then cut off). */
#define CTL_SOURCE "control"

struct ctl_client {
	int fd;
	uint64_t deadline_ns;
	size_t in_len;
	char *in;            /* CTL_REQ_MAX + 1 bytes */
	char *out;           /* the answer line, malloc'd */
	size_t out_len, out_off;
};

struct ctl {
	struct loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_target t;
	struct dcfg *first;  /* the daemon's: not ours to free */
	struct dcfg *owned;  /* the one we loaded last, if the engine reads it */
	json_t *model;
	bool retired[STORE_LUS_MAX]; /* engine LU i no longer in the model */
	struct ctl_client cl[CTL_CLIENTS_MAX];
};

/* A dcfg we loaded (its arena is its own). */
struct ctl_dcfg {
	struct dcfg d;
};

static void ctl_dcfg_free(struct dcfg *d)
{
	if (d != NULL) {
		dcfg_free(d);
		free((struct ctl_dcfg *)d);
	}
}

/* ---- the apply half ---- */

static int find_running(const struct ctl *c, const struct dcfg *old, const char *name)
{
	for (uint32_t i = 0; i < old->cfg.lu_count; i++)
		if (!c->retired[i] && strcmp(old->lus[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool same_store(const struct dcfg_lu *a, const struct dcfg_lu *b)
{
	return strcmp(a->backstore, b->backstore) == 0 &&
	       ((a->path == NULL && b->path == NULL) || (a->path && b->path && strcmp(a->path, b->path) == 0));
}

/* A naa_id used by no LU of the table (retired LUs need one, unique). */
static uint64_t free_naa(const struct rt_lu_cfg *lus, uint32_t n, uint64_t start)
{
	for (uint64_t v = start;; v--) {
		bool used = false;
		for (uint32_t i = 0; i < n && !used; i++)
			used = lus[i].naa_id == v;
		if (!used)
			return v;
	}
}

/* nd (loaded from the model) laid out in the engine's LU order: every
 * running LU at its index, retired ones renamed, new ones appended; the
 * LUN maps renumbered to match. map: nd index -> engine index. */
static int merge_lus(struct ctl *c, struct dcfg *nd, bool *retired, char *err, size_t err_len)
{
	const struct dcfg *old = *c->t.live;
	uint32_t n_old = old->cfg.lu_count, n_nd = nd->cfg.lu_count, n = n_old;
	uint32_t map[STORE_LUS_MAX];
	bool taken[STORE_LUS_MAX] = { false };
	for (uint32_t j = 0; j < n_nd; j++) {
		int i = find_running(c, old, nd->lus[j].name);
		if (i >= 0 && !same_store(&old->stores[i], &nd->stores[j])) {
			snprintf(err, err_len, "lus[%u]: '%s' is running on another backstore (delete it first)", j,
				 nd->lus[j].name);
			return -1;
		}
		if (i < 0 && n >= STORE_LUS_MAX) {
			snprintf(err, err_len, "lus: more than %u LUs created during this run (retired ones count "
				 "until a restart)", STORE_LUS_MAX);
			return -1;
		}
		map[j] = i >= 0 ? (uint32_t)i : n++;
		if (i >= 0)
			taken[i] = true;
	}
	struct rt_lu_cfg *lus = dcfg_alloc(nd, (n ? n : 1) * sizeof(*lus));
	struct dcfg_lu *st = dcfg_alloc(nd, (n ? n : 1) * sizeof(*st));
	if (lus == NULL || st == NULL)
		goto oom;
	for (uint32_t j = 0; j < n_nd; j++) {
		lus[map[j]] = nd->lus[j];
		st[map[j]] = nd->stores[j];
	}
	for (uint32_t i = 0; i < n_old; i++) {
		const struct rt_lu_cfg *o = &old->lus[i];
		retired[i] = !taken[i];
		if (taken[i]) {
			/* A running LU keeps its geometry and identity (SPC-4
			 * §7.8.6) unless the model names others. */
			lus[i].blocks = o->blocks;
			if (!st[i].serial_given || lus[i].serial == NULL) {
				lus[i].serial = dcfg_strdup(nd, o->serial);
				lus[i].naa_id = o->naa_id;
			}
			/* Flags that follow the backstore (the quick flags) are
			 * left out of the model (ctl_model_of) and so load as
			 * none: the running LU keeps its own unless the model
			 * names some. */
			if (old->stores[i].flags_from_caps && lus[i].flags == 0) {
				lus[i].flags = o->flags;
				st[i].flags_from_caps = true;
			}
			st[i].serial_given = true;
			if (lus[i].serial == NULL)
				goto oom;
			continue;
		}
		char name[32];
		snprintf(name, sizeof(name), "~retired%u", i);
		lus[i] = *o;
		lus[i].name = dcfg_strdup(nd, name);
		lus[i].serial = dcfg_strdup(nd, name);
		lus[i].vendor = o->vendor ? dcfg_strdup(nd, o->vendor) : NULL;
		lus[i].product = o->product ? dcfg_strdup(nd, o->product) : NULL;
		lus[i].revision = o->revision ? dcfg_strdup(nd, o->revision) : NULL;
		lus[i].alua = NULL;
		lus[i].alua_count = 0;
		st[i] = old->stores[i];
		st[i].backstore = dcfg_strdup(nd, old->stores[i].backstore);
		st[i].path = old->stores[i].path ? dcfg_strdup(nd, old->stores[i].path) : NULL;
		/* the rbd strings too: the old configuration's memory goes
		 * with it, a retired LU's store outlives it */
		const struct bs_rbd_params *orbd = &old->stores[i].rbd;
		st[i].rbd.pool = orbd->pool ? dcfg_strdup(nd, orbd->pool) : NULL;
		st[i].rbd.image = orbd->image ? dcfg_strdup(nd, orbd->image) : NULL;
		st[i].rbd.conf = orbd->conf ? dcfg_strdup(nd, orbd->conf) : NULL;
		st[i].rbd.client = orbd->client ? dcfg_strdup(nd, orbd->client) : NULL;
		st[i].rbd.keyring = orbd->keyring ? dcfg_strdup(nd, orbd->keyring) : NULL;
		st[i].serial_given = true;
		if (lus[i].name == NULL || lus[i].serial == NULL || st[i].backstore == NULL ||
			(orbd->pool && !st[i].rbd.pool) || (orbd->image && !st[i].rbd.image) ||
			(orbd->conf && !st[i].rbd.conf) || (orbd->client && !st[i].rbd.client) ||
			(orbd->keyring && !st[i].rbd.keyring))
			goto oom;
	}
	for (uint32_t i = 0; i < n_old; i++)
		if (retired[i])
			lus[i].naa_id = free_naa(lus, n, 0xfffffffffull - i);
	/* the LUN maps: nd indices to engine indices */
	for (uint32_t t = 0; t < nd->cfg.target_count; t++) {
		const struct rt_target_cfg *target = &nd->cfg.targets[t];
		for (uint32_t g = 0; g < target->tpg_count; g++) {
			const struct rt_tpg_cfg *tpg = &target->tpgs[g];
			for (uint32_t k = 0; k < tpg->lun_count; k++)
				((struct rt_lun_map *)(uintptr_t)tpg->luns)[k].lu = map[tpg->luns[k].lu];
			for (uint32_t a = 0; a < tpg->acl_count; a++)
				for (uint32_t k = 0; k < tpg->acls[a].lun_count; k++)
					((struct rt_lun_map *)(uintptr_t)tpg->acls[a].luns)[k].lu = map[tpg->acls[a].luns[k].lu];
		}
	}
	for (uint32_t i = n_old; i < n; i++)
		retired[i] = false;
	nd->lus = lus;
	nd->cfg.lus = lus;
	nd->stores = st;
	nd->cfg.lu_count = n;
	return 0;
oom:
	snprintf(err, err_len, "out of memory");
	return -1;
}

/* The edited model becomes the running configuration, or nothing changes. */
static int ctl_reconfigure(struct ctl *c, json_t *model, char *out, size_t out_len, char *err, size_t err_len)
{
	struct dcfg *old = *c->t.live;
	struct ctl_dcfg *cd = calloc(1, sizeof(*cd));
	char *text = json_dumps(model, JSON_INDENT(1));
	bool retired[STORE_LUS_MAX];
	int rc = -1;
	if (cd == NULL || text == NULL) {
		snprintf(err, err_len, "out of memory");
		goto out;
	}
	struct dcfg *nd = &cd->d;
	if (dcfg_load_json(nd, CTL_SOURCE, text, strlen(text), err, err_len) != 0 ||
	    merge_lus(c, nd, retired, err, err_len) != 0 ||
	    dcfg_derive_ids(nd, c->t.random(), err, err_len) != 0)
		goto out;
	/* as at start (daemon.c): a configuration refused creates no file, so
	 * check it before the new backstores open, a file LU without a size
	 * counting as one block until then */
	uint32_t before = c->t.store->count;
	for (uint32_t i = before; i < nd->cfg.lu_count; i++)
		if (nd->stores[i].size_bytes == 0)
			nd->lus[i].blocks = 1;
	int pre = dcfg_validate(nd, err, err_len);
	for (uint32_t i = before; i < nd->cfg.lu_count; i++)
		if (nd->stores[i].size_bytes == 0)
			nd->lus[i].blocks = 0;
	if (pre != 0 || store_grow(c->t.store, nd, err, err_len) != 0)
		goto out;
	struct rt_reconfig_result res;
	if (dcfg_validate(nd, err, err_len) != 0 ||
	    rt_engine_reconfigure(c->t.eng, &nd->cfg, &res, err, err_len) != 0) {
		store_truncate(c->t.store, before);
		goto out;
	}
	int said = snprintf(out, out_len, "applied: %u session(s) ended, %u told REPORTED LUNS DATA HAS CHANGED, %u "
			    "login(s) dropped, %u LU(s) added", res.sessions_ended, res.sessions_remapped,
			    res.logins_dropped, res.lus_added);
	/* The engine has taken the change: a new portal that cannot listen
	 * is said in the answer, not only in the log (the caller sees what
	 * did not happen). */
	for (uint32_t i = old->cfg.portal_count; i < nd->cfg.portal_count; i++) {
		char why[DCFG_ERR_MAX / 2];
		const struct rt_portal_cfg *p = &nd->cfg.portals[i];
		if (net_listen(c->t.net, i, p->address, p->port, why, sizeof(why)) != 0) {
			dlog(RT_LOG_ERR, "control: portal %s:%u: %s", p->address, p->port, why);
			if (said >= 0 && (size_t)said < out_len)
				said += snprintf(out + said, out_len - (size_t)said, "; portals[%u] does not listen: %s", i,
						 why);
		} else {
			dlog(RT_LOG_INFO, "listening on %s:%u", p->address, net_port(c->t.net, i));
		}
	}
	memcpy(c->retired, retired, sizeof(retired));
	*c->t.live = nd;
	/* the engine reads nd now: the one before goes (unless the daemon's) */
	if (old != c->first)
		ctl_dcfg_free(old);
	c->owned = nd;
	cd = NULL;
	rc = 0;
out:
	/* the model's text is ours, not the user's: its line numbers mean
	 * nothing to them, the key path does */
	if (rc != 0 && strncmp(err, CTL_SOURCE ":", sizeof(CTL_SOURCE)) == 0) {
		const char *p = strchr(err + sizeof(CTL_SOURCE), ':');
		if (p != NULL && p[1] == ' ')
			memmove(err, p + 2, strlen(p + 2) + 1);
	}
	if (cd != NULL) {
		dcfg_free(&cd->d);
		free(cd);
	}
	free(text);
	return rc;
}

/* The model of a loaded configuration: what the configuration said, not
 * what the storage filled in (sizes of file LUs that named none, flags
 * that follow the backstore's capabilities), so that a saved file means
 * the same on other storage. Identities stay (keep_ids) as the running
 * LUs have them: a restored file shows the same devices (SPC-4 §7.8.6). */
static json_t *ctl_model_of(const struct dcfg *d, bool keep_ids)
{
	json_t *m = dcfg_to_json(d);
	json_t *lus = json_object_get(m, "lus");
	for (uint32_t i = 0; m != NULL && i < d->cfg.lu_count; i++) {
		json_t *lu = json_array_get(lus, i);
		if (d->stores[i].size_bytes == 0)
			json_object_del(lu, "size");
		if (!keep_ids && !d->stores[i].serial_given) {
			json_object_del(lu, "serial");
			json_object_del(lu, "naa_id");
		}
		if (d->stores[i].flags_from_caps)
			json_object_del(lu, "flags");
	}
	return m;
}

/* saveconfig / restoreconfig: files named by the request (root asked). */
static int ctl_save(struct ctl *c, const struct ctl_result *r, char *err, size_t err_len)
{
	json_t *doc = r->format == CTL_FMT_LIO ? ctl_lio_save(c->model, err, err_len) : json_incref(c->model);
	if (doc == NULL)
		return -1;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", r->file);
	int rc = json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(doc);
	if (rc != 0 || rename(tmp, r->file) != 0) {
		snprintf(err, err_len, "saveconfig: %s: %s", r->file, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static json_t *ctl_restore(const struct ctl_result *r, char *err, size_t err_len)
{
	struct dcfg d = { 0 };
	if ((r->format == CTL_FMT_LIO ? dcfg_load_lio_file(&d, r->file, err, err_len)
				      : dcfg_load_file(&d, r->file, err, err_len)) != 0) {
		dcfg_free(&d);
		return NULL;
	}
	json_t *m = ctl_model_of(&d, false);
	dcfg_free(&d);
	return m;
}

/* One request line to one answer line (malloc'd). */
static char *ctl_handle(struct ctl *c, const char *line, size_t len)
{
	struct ctl_req *req = calloc(1, sizeof(*req));
	struct ctl_result res = { .action = CTL_ERROR };
	char out[512] = "", err[CTL_ERR_MAX] = "";
	json_t *edit = NULL;
	if (req == NULL) {
		snprintf(err, sizeof(err), "out of memory");
	} else if (ctl_req_parse(req, line, len, err, sizeof(err)) == 0) {
		edit = json_deep_copy(c->model);
		ctl_apply(edit, req, &res);
		if (res.action == CTL_ERROR)
			snprintf(err, sizeof(err), "%s", res.err);
		else if (res.action == CTL_CHANGED && ctl_reconfigure(c, edit, out, sizeof(out), err, sizeof(err)) == 0) {
			json_decref(c->model);
			c->model = edit;
			edit = NULL;
			dlog(RT_LOG_INFO, "control: %s %s: %s", req->path_text, req->cmd, out);
		} else if (res.action == CTL_SAVE && ctl_save(c, &res, err, sizeof(err)) == 0) {
			snprintf(out, sizeof(out), "saved to %s", res.file);
		} else if (res.action == CTL_RESTORE) {
			json_t *m = ctl_restore(&res, err, sizeof(err));
			if (m != NULL && ctl_reconfigure(c, m, out, sizeof(out), err, sizeof(err)) == 0) {
				json_decref(c->model);
				c->model = m;
				m = NULL;
			}
			json_decref(m);
		}
	}
	json_t *ans = err[0] ? json_pack("{s:b, s:s}", "ok", 0, "error", err)
			     : json_pack("{s:b, s:s}", "ok", 1, "out", res.out ? res.out : out);
	if (err[0])
		dlog(RT_LOG_WARN, "control: %s", err);
	char *text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
	json_decref(ans);
	json_decref(edit);
	free(res.out);
	if (req != NULL)
		ctl_req_fini(req);
	free(req);
	return text;
}

/* ---- the socket half ---- */

static void client_close(struct ctl *c, struct ctl_client *k)
{
	loop_unwatch(c->loop, k->fd);
	close(k->fd);
	free(k->in);
	free(k->out);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

static void on_client(struct loop *l, int fd, void *data, uint32_t events);

static void client_answer(struct ctl *c, struct ctl_client *k, size_t len)
{
	char *text = ctl_handle(c, k->in, len);
	if (text == NULL) {
		client_close(c, k);
		return;
	}
	k->out_len = strlen(text) + 1;
	k->out = text;
	k->out[k->out_len - 1] = '\n';
	k->out_off = 0;
	loop_watch(c->loop, k->fd, LOOP_WRITE, on_client, c);
}

static void on_client(struct loop *l, int fd, void *data, uint32_t events)
{
	struct ctl *c = data;
	(void)l;
	struct ctl_client *k = NULL;
	for (uint32_t i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->cl[i].fd == fd)
			k = &c->cl[i];
	if (k == NULL)
		return;
	if (k->out != NULL) {
		ssize_t n = send(fd, k->out + k->out_off, k->out_len - k->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			k->out_off += (size_t)n;
		if ((n < 0 && errno != EAGAIN && errno != EINTR) || k->out_off == k->out_len)
			client_close(c, k);
		return;
	}
	(void)events;
	ssize_t n = recv(fd, k->in + k->in_len, CTL_REQ_MAX + 1 - k->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* EOF: what came is the request */
		if (k->in_len == 0)
			client_close(c, k);
		else
			client_answer(c, k, k->in_len);
		return;
	}
	k->in_len += (size_t)n;
	char *nl = memchr(k->in, '\n', k->in_len);
	if (nl != NULL)
		client_answer(c, k, (size_t)(nl - k->in));
	else if (k->in_len > CTL_REQ_MAX)
		client_answer(c, k, k->in_len); /* refused by its length */
}

static void on_accept(struct loop *l, int fd, void *data, uint32_t events)
{
	struct ctl *c = data;
	(void)events;
	int s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0)
		return;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 || cred.uid != geteuid()) {
		dlog(RT_LOG_WARN, "control: refused a peer of uid %d", (int)cred.uid);
		close(s);
		return;
	}
	struct ctl_client *k = NULL;
	for (uint32_t i = 0; i < CTL_CLIENTS_MAX && k == NULL; i++)
		if (c->cl[i].fd < 0)
			k = &c->cl[i];
	if (k == NULL || (k->in = malloc(CTL_REQ_MAX + 1)) == NULL ||
	    loop_watch(l, s, LOOP_READ, on_client, c) != 0) {
		if (k != NULL)
			free(k->in), k->in = NULL;
		close(s);
		return;
	}
	k->fd = s;
	k->deadline_ns = loop_now_ns() + (uint64_t)CTL_CLIENT_TIMEOUT_MS * 1000000u;
}

/* A socket file at path: -1 if a daemon answers there or it is not a
 * socket; else it is stale and goes. */
static int ctl_claim(const char *path, const struct sockaddr_un *sa, char *err, size_t err_len)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, err_len, "control socket %s: exists and is not a socket", path);
		return -1;
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live = s >= 0 && connect(s, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	if (s >= 0)
		close(s);
	if (live) {
		snprintf(err, err_len, "control socket %s: another daemon answers there", path);
		return -1;
	}
	unlink(path);
	return 0;
}

struct ctl *ctl_open(struct loop *l, const char *path, const struct ctl_target *t, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "control socket %s: path longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (ctl_claim(path, &sa, err, err_len) != 0)
		return NULL;
	struct ctl *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	c->loop = l;
	c->t = *t;
	c->first = *t->live;
	snprintf(c->path, sizeof(c->path), "%s", path);
	for (uint32_t i = 0; i < CTL_CLIENTS_MAX; i++)
		c->cl[i].fd = -1;
	c->model = ctl_model_of(*t->live, true);
	/* 0600 from the start: no window in which another user may connect */
	mode_t old = umask(0177);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool bound = c->fd >= 0 && bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	int rc = !bound || listen(c->fd, 8) != 0;
	umask(old);
	if (rc || c->model == NULL || chmod(path, 0600) != 0 || loop_watch(l, c->fd, LOOP_READ, on_accept, c) != 0) {
		snprintf(err, err_len, "control socket %s: %s", path, strerror(errno));
		if (bound) /* the file bind made: no stale socket left for the next start */
			unlink(path);
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		json_decref(c->model);
		free(c);
		return NULL;
	}
	dlog(RT_LOG_INFO, "control socket %s", path);
	return c;
}

void ctl_close(struct ctl *c)
{
	if (c == NULL || c->fd < 0)
		return;
	for (uint32_t i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->cl[i].fd >= 0)
			client_close(c, &c->cl[i]);
	loop_unwatch(c->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	unlink(c->path);
	json_decref(c->model);
	c->model = NULL;
}

void ctl_free(struct ctl *c)
{
	if (c == NULL)
		return;
	ctl_close(c);
	ctl_dcfg_free(c->owned);
	free(c);
}

uint64_t ctl_next_deadline(const struct ctl *c)
{
	uint64_t t = UINT64_MAX;
	for (uint32_t i = 0; c != NULL && i < CTL_CLIENTS_MAX; i++)
		if (c->cl[i].fd >= 0 && c->cl[i].deadline_ns < t)
			t = c->cl[i].deadline_ns;
	return t;
}

void ctl_on_time(struct ctl *c, uint64_t now_ns)
{
	for (uint32_t i = 0; c != NULL && i < CTL_CLIENTS_MAX; i++)
		if (c->cl[i].fd >= 0 && c->cl[i].deadline_ns <= now_ns)
			client_close(c, &c->cl[i]);
}
