/* daemon: see daemon.h. */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/engine.h"
#include "ctl.h"
#include "dlog.h"
#include "durl.h"
#include "env.h"
#include "loop.h"
#include "net.h"
#include "store.h"

struct daemon {
	struct dcfg *cfg;
	struct loop *loop;
	struct net *net;
	struct store store;
	struct denv env;
	struct rt_engine *eng;
	struct ctl *ctl; /* NULL: no control socket */
	const char *ctl_path;
	int sigfd;
	bool draining;
	uint64_t drain_deadline;
	int status;
	/* LUs whose ALUA ownership moved during this event (on_alua_changed):
	 * their states are set in after_event, before the completions that
	 * event queued reach the engine (a SET TARGET PORT GROUPS answers
	 * GOOD only after the states are), and never from inside the
	 * engine's own call into the environment (disk_submit) */
	bool alua_dirty[STORE_LUS_MAX];
	bool alua_any;
};

/* net -> engine */
static int on_accept(void *ctx, rt_conn_id c, uint32_t portal, const struct rt_peer *peer)
{
	struct daemon *dm = ctx;
	return rt_on_accept(dm->eng, c, portal, peer);
}

static size_t on_rx_space(void *ctx, rt_conn_id c, void **buf)
{
	struct daemon *dm = ctx;
	return rt_rx_space(dm->eng, c, buf);
}

static void on_rx_commit(void *ctx, rt_conn_id c, size_t len)
{
	struct daemon *dm = ctx;
	rt_rx_commit(dm->eng, c, len);
}

static void on_closed(void *ctx, rt_conn_id c)
{
	struct daemon *dm = ctx;
	rt_on_conn_closed(dm->eng, c);
}

static void on_sent(void *ctx, rt_conn_id c, size_t unsent)
{
	struct daemon *dm = ctx;
	rt_on_conn_sent(dm->eng, c, unsent);
}

/* loop hooks */
static uint64_t next_deadline(void *ctx)
{
	struct daemon *dm = ctx;
	/* Disk completions still queued are due now (after_event). */
	if (dm->env.done_head != NULL)
		return loop_now_ns();
	uint64_t t = rt_next_deadline(dm->eng);
	uint64_t n = net_next_deadline(dm->net);
	uint64_t m = store_next_deadline(&dm->store);
	if (n < t)
		t = n;
	if (m < t)
		t = m;
	if (ctl_next_deadline(dm->ctl) < t)
		t = ctl_next_deadline(dm->ctl);
	if (dm->draining && dm->drain_deadline < t)
		t = dm->drain_deadline;
	return t;
}

static void on_time(void *ctx)
{
	struct daemon *dm = ctx;
	uint64_t now = loop_now_ns();
	if (rt_next_deadline(dm->eng) <= now)
		rt_on_time(dm->eng);
	net_on_time(dm->net, now);
	store_on_time(&dm->store, now);
	ctl_on_time(dm->ctl, now);
	if (dm->draining && dm->drain_deadline <= now) {
		dlog(RT_LOG_WARN, "stopping with %u connection(s) still open: the drain took too long",
		     net_conn_count(dm->net));
		loop_stop(dm->loop);
	}
}

/* LU lu's ALUA states follow its backstore's ownership (RT_LU_ALUA_SHARED):
 * set every group's, the groups its "alua" lists and this gateway's own,
 * as every gateway derives them from the same record (backstore/rbd_alua.h). */
static void alua_apply(struct daemon *dm, uint32_t lu)
{
	const struct rt_config *cfg = &dm->cfg->cfg;
	if (dm->eng == NULL || lu >= cfg->lu_count || !(cfg->lus[lu].flags & RT_LU_ALUA_SHARED))
		return;
	const struct rt_lu_cfg *lc = &cfg->lus[lu];
	uint16_t own = dm->cfg->stores[lu].rbd.alua_group;
	bool own_listed = false;
	for (uint32_t i = 0; i <= lc->alua_count; i++) {
		uint16_t group = i < lc->alua_count ? lc->alua[i].tpg_tag : own;
		enum rt_alua_state non_owner = RT_ALUA_STANDBY;
		if (i < lc->alua_count && lc->alua[i].state == RT_ALUA_ACTIVE_NONOPTIMIZED)
			non_owner = RT_ALUA_ACTIVE_NONOPTIMIZED;
		if (i == lc->alua_count && own_listed)
			break;
		own_listed = own_listed || group == own;
		int st = store_alua_state(&dm->store, lu, group, non_owner);
		if (st < 0 || rt_set_alua_state(dm->eng, lu, group, (enum rt_alua_state)st) != 0)
			dlog(RT_LOG_WARN, "LU %u: no ALUA state for target port group %u", lu, (unsigned)group);
	}
}

/* The backstore's ownership of LU lu moved: its states, after this event. */
static void on_alua_changed(void *ctx, uint32_t lu)
{
	struct daemon *dm = ctx;
	if (lu < STORE_LUS_MAX) {
		dm->alua_dirty[lu] = true;
		dm->alua_any = true;
	}
}

/* After every event: hand the engine the disk I/O that completed before
 * it (never from inside disk_submit), hand the kernel the disk I/O the
 * event submitted (one batch per backstore), send what the event
 * answered, then see whether a drain is done. Only what was queued when it starts: I/O
 * those completions submit finishes in a later round, after the sockets
 * had their turn (next_deadline says "now" meanwhile), so a long chain of
 * I/O (a 4 GiB SANITIZE) cannot starve every connection. */
static void after_event(void *ctx)
{
	struct daemon *dm = ctx;
	for (uint32_t i = 0; dm->alua_any && i < dm->store.count; i++) {
		if (dm->alua_dirty[i])
			alua_apply(dm, i);
		dm->alua_dirty[i] = false;
	}
	dm->alua_any = false;
	struct rt_disk_io *last = dm->env.done_tail, *io;
	while (last != NULL && (io = denv_next_done(&dm->env)) != NULL) {
		bool was_last = io == last; /* io may be queued again below */
		rt_on_disk_done(dm->eng, io);
		if (was_last)
			break;
	}
	store_kick(&dm->store);
	net_flush(dm->net);
	if (dm->draining && rt_engine_idle(dm->eng) && net_conn_count(dm->net) == 0) {
		dlog(RT_LOG_INFO, "every session ended: exiting");
		loop_stop(dm->loop);
	}
}

static void start_drain(struct daemon *dm, const char *signame)
{
	uint32_t ms = dm->cfg->cfg.params.logout_timeout_ms + DAEMON_DRAIN_SLACK_MS;
	dlog(RT_LOG_INFO, "%s: stopping; asking %u connection(s) to log out, waiting at most %u ms", signame,
	     net_conn_count(dm->net), ms);
	net_stop_listening(dm->net);
	ctl_close(dm->ctl);
	rt_engine_shutdown(dm->eng);
	dm->draining = true;
	dm->drain_deadline = loop_now_ns() + (uint64_t)ms * 1000000u;
}

/* Another gateway stored LU lu's shared reservations (store.h). */
static void on_pr_changed(void *ctx, uint32_t lu)
{
	struct daemon *dm = ctx;
	if (dm->eng != NULL)
		rt_lu_pr_invalidate(dm->eng, lu);
}

static void on_signal(struct loop *l, int fd, void *data, uint32_t events)
{
	struct daemon *dm = data;
	struct signalfd_siginfo si;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) { /* an operator's failover */
			dlog(RT_LOG_INFO, "SIGUSR1: taking over shared storage");
			store_takeover(&dm->store);
			/* the previous owner may have changed shared
			 * reservations this gateway has not read */
			for (uint32_t i = 0; i < dm->store.count; i++)
				rt_lu_pr_invalidate(dm->eng, i);
			continue;
		}
		const char *name = si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
		if (!dm->draining) {
			start_drain(dm, name);
			continue;
		}
		dlog(RT_LOG_WARN, "%s during the drain: exiting now", name);
		dm->status = 128 + (int)si.ssi_signo;
		loop_stop(l);
		return;
	}
}

/* Raise the soft descriptor limit toward DAEMON_FD_MAX: every connection
 * is a descriptor, and the usual soft limit (1024) is below RT_CONNS_MAX
 * plus backstores. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= DAEMON_FD_MAX)
		return;
	rl.rlim_cur = rl.rlim_max < DAEMON_FD_MAX ? rl.rlim_max : DAEMON_FD_MAX;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int listen_all(struct daemon *dm, char *err, size_t err_len)
{
	const struct rt_config *cfg = &dm->cfg->cfg;
	for (uint32_t i = 0; i < cfg->portal_count; i++) {
		const struct rt_portal_cfg *p = &cfg->portals[i];
		char why[DCFG_ERR_MAX], tail[DCFG_ERR_MAX / 2];
		if (net_listen(dm->net, i, p->address, p->port, tail, sizeof(tail)) != 0) {
			snprintf(why, sizeof(why), "portals[%u]: %s", i, tail);
			dcfg_explain(dm->cfg, why, err, err_len);
			return -1;
		}
		if (i < DCFG_PORT_NOTES_MAX && (dm->cfg->port_defaulted >> i & 1u))
			dlog(RT_LOG_INFO, "portal %s:%u (no port given: %u, the RFC 7143 well-known port)",
			     p->address, net_port(dm->net, i), DCFG_DEFAULT_PORT);
		dlog(RT_LOG_INFO, "listening on %s:%u", p->address, net_port(dm->net, i));
	}
	return 0;
}

/* What a person or a script connects to: on stdout, flushed at once (a
 * pipe would otherwise hold it until exit). */
static void print_urls(const struct daemon *dm)
{
	const struct rt_config *cfg = &dm->cfg->cfg;
	uint16_t ports[RT_PORTALS_MAX];
	for (uint32_t i = 0; i < cfg->portal_count && i < RT_PORTALS_MAX; i++)
		ports[i] = net_port(dm->net, i);
	durl_print(stdout, cfg, ports);
}

static void log_config(const struct rt_config *cfg)
{
	for (uint32_t i = 0; i < cfg->target_count; i++)
		dlog(RT_LOG_INFO, "target %s: %u portal group(s)", cfg->targets[i].name, cfg->targets[i].tpg_count);
	for (uint32_t i = 0; i < cfg->lu_count; i++)
		dlog(RT_LOG_INFO, "LU %s: %llu blocks of %u bytes, serial %s", cfg->lus[i].name,
		     (unsigned long long)cfg->lus[i].blocks, cfg->lus[i].block_size, cfg->lus[i].serial);
}

static uint64_t instance_random(void)
{
	uint64_t r = 0;
	while (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r) && errno == EINTR)
		;
	return r;
}

/* Everything up to the first event; on failure err says why. */
static int start(struct daemon *dm, sigset_t *sigs, char *err, size_t err_len)
{
	const struct loop_hooks hooks = {
		.ctx = dm, .next_deadline = next_deadline, .on_time = on_time, .after_event = after_event,
	};
	const struct net_ops ops = {
		.ctx = dm, .accept = on_accept, .rx_space = on_rx_space, .rx_commit = on_rx_commit,
		.closed = on_closed,
		.sent = on_sent,
	};

	raise_fd_limit();
	/* a closed stderr pipe must not kill a target serving I/O (sockets
	 * already send with MSG_NOSIGNAL) */
	signal(SIGPIPE, SIG_IGN);
	/* signals are read from a descriptor, in the loop, like any event
	 * (daemon_run blocked them) */
	if ((dm->sigfd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		snprintf(err, err_len, "signalfd: %s", strerror(errno));
		return -1;
	}
	dm->loop = loop_create(DAEMON_FD_MAX, &hooks);
	dm->net = dm->loop ? net_create(dm->loop, &ops, RT_CONNS_MAX + DAEMON_NET_SPARE) : NULL;
	if (dm->net == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	dm->env.net = dm->net;
	dm->eng = rt_engine_create(&dm->env.env, &dm->cfg->cfg);
	if (dm->eng == NULL) {
		snprintf(err, err_len, "cannot create the engine: out of memory");
		return -1;
	}
	dm->store.pr_changed = on_pr_changed;
	dm->store.pr_changed_ctx = dm;
	dm->store.alua_changed = on_alua_changed;
	for (uint32_t i = 0; i < dm->store.count; i++)
		alua_apply(dm, i); /* the states the record gives at start */
	/* finished disk I/O is an event like a readable socket */
	if (loop_watch(dm->loop, dm->sigfd, LOOP_READ, on_signal, dm) != 0 || store_watch(&dm->store, dm->loop) != 0) {
		snprintf(err, err_len, "epoll: %s", strerror(errno));
		return -1;
	}
	if (listen_all(dm, err, err_len) != 0)
		return -1;
	if (dm->ctl_path != NULL) {
		const struct ctl_target t = {
			.live = &dm->cfg, .store = &dm->store, .net = dm->net, .eng = dm->eng, .random = instance_random,
		};
		dm->ctl = ctl_open(dm->loop, dm->ctl_path, &t, err, err_len);
		if (dm->ctl == NULL)
			return -1;
	}
	return 0;
}

static void stop(struct daemon *dm, const sigset_t *sigs)
{
	/* no more input; then the storage finishes or cancels what it holds
	 * (completions land in env's queue and are dropped); only then may
	 * the engine's buffers go */
	net_destroy(dm->net);
	store_close(&dm->store);
	if (dm->eng)
		rt_engine_destroy(dm->eng);
	ctl_free(dm->ctl); /* the engine read its last dcfg until now */
	denv_fini(&dm->env);
	loop_destroy(dm->loop);
	if (dm->sigfd >= 0)
		close(dm->sigfd);
	sigprocmask(SIG_UNBLOCK, sigs, NULL);
}

/* Validate before touching storage, so that a bad config creates no file:
 * an LU whose size comes from its file counts as one block until opened,
 * and is checked again after. */
static int validate_before_open(struct dcfg *d, char *err, size_t err_len)
{
	for (uint32_t i = 0; i < d->cfg.lu_count; i++)
		if (d->stores[i].size_bytes == 0)
			d->lus[i].blocks = 1;
	int rc = dcfg_validate(d, err, err_len);
	for (uint32_t i = 0; i < d->cfg.lu_count; i++)
		if (d->stores[i].size_bytes == 0)
			d->lus[i].blocks = 0;
	return rc;
}

int daemon_run(struct dcfg *d, const struct daemon_opts *o)
{
	char err[DCFG_ERR_MAX];
	struct daemon dm = { .cfg = d, .sigfd = -1, .ctl_path = o->ctl_socket };
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1); /* take over shared storage (store_takeover) */
	/* Blocked before the storage opens: a backstore's threads (librbd)
	 * inherit the mask, so no signal lands on one of them (where
	 * SIGUSR1's default would end the process) instead of the loop's
	 * signalfd. */
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) != 0) {
		dlog(RT_LOG_ERR, "sigprocmask: %s", strerror(errno));
		return 1;
	}
	denv_init(&dm.env, NULL, &dm.store, o->state_dir);
	if (dcfg_derive_ids(d, instance_random(), err, sizeof(err)) != 0 ||
	    validate_before_open(d, err, sizeof(err)) != 0 ||
	    store_open(&dm.store, d, o->sync_io, denv_disk_complete, &dm.env, err, sizeof(err)) != 0) {
		dlog(RT_LOG_ERR, "%s", err);
		denv_fini(&dm.env);
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		return 1;
	}
	if (dcfg_validate(d, err, sizeof(err)) != 0) {
		dlog(RT_LOG_ERR, "%s", err);
		dm.status = 1;
	} else {
		log_config(&d->cfg);
		if (o->check_only) {
			dlog(RT_LOG_INFO, "%s: configuration is valid", d->source);
		} else if (start(&dm, &sigs, err, sizeof(err)) != 0) {
			dlog(RT_LOG_ERR, "%s", err);
			dm.status = 1;
		} else {
			if (!o->quiet_urls)
				print_urls(&dm);
			/* scripts wait for this line (the URLs are out by then) */
			dlog(RT_LOG_INFO, "ready: %u target(s), %u LU(s), %u portal(s)", d->cfg.target_count,
			     d->cfg.lu_count, d->cfg.portal_count);
			if (loop_run(dm.loop) != 0) {
				dlog(RT_LOG_ERR, "epoll_wait: %s", strerror(errno));
				dm.status = 1;
			}
		}
	}
	stop(&dm, &sigs);
	return dm.status;
}
