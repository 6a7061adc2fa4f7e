/* dcfg_quick: the configuration from quick command-line flags, and the
 * embedded default (no arguments at all).
 *
 * One target with one portal group (tag 1) on every given portal, LUNs
 * 0..n-1 in the order given, CHAP (and mutual CHAP) if asked; with
 * --initiator only the named initiators get in (one ACL each, same LUNs),
 * otherwise anyone (open access). Target resets only with
 * --allow-target-reset (tmf.c). Discovery stays open. Thin provisioning
 * and the write cache follow what each backstore can do (store.c).
 */
#include "dcfg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUICK_SOURCE "command line"

/* An IPv4 address in dotted form, or an IPv6 one in brackets (what
 * net_listen takes); no host names: the target would not know which
 * address it listens on. */
static bool portal_address_ok(const char *a)
{
	char host[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;
	size_t n = strlen(a);
	if (n >= 3 && a[0] == '[' && a[n - 1] == ']' && n - 2 < sizeof(host)) {
		memcpy(host, a + 1, n - 2);
		host[n - 2] = '\0';
		return inet_pton(AF_INET6, host, &a6) == 1;
	}
	return inet_pton(AF_INET, a, &a4) == 1;
}

/* "a.b.c.d[:port]" or "[v6][:port]"; without a port, DCFG_DEFAULT_PORT
 * and the portal's bit in port_defaulted (the daemon says so). */
static int parse_portal(struct dcfg *d, const char *s, uint32_t i, struct rt_portal_cfg *p, char *err,
			size_t err_len)
{
	const char *colon;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		colon = close && close[1] == ':' ? close + 1 : NULL;
		if (close == NULL || (close[1] != '\0' && colon == NULL)) {
			snprintf(err, err_len, "--portal '%s': expected [IPv6]:port", s);
			return -1;
		}
		p->address = dcfg_strndup(d, s, (size_t)(close + 1 - s));
	} else {
		colon = strrchr(s, ':');
		p->address = colon ? dcfg_strndup(d, s, (size_t)(colon - s)) : dcfg_strdup(d, s);
	}
	p->port = DCFG_DEFAULT_PORT;
	if (colon) {
		char *end;
		unsigned long port = strtoul(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || port == 0 || port > 65535) {
			snprintf(err, err_len, "--portal '%s': port must be 1..65535", s);
			return -1;
		}
		p->port = (uint16_t)port;
	} else {
		d->port_defaulted |= 1ull << i;
	}
	if (p->address == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	if (!portal_address_ok(p->address)) {
		snprintf(err, err_len,
			 "--portal '%s': '%s' is not an IPv4 address or a bracketed IPv6 address"
			 " (ADDR[:PORT], e.g. 127.0.0.1:3260 or [::1]:3260)", s, p->address);
		return -1;
	}
	return 0;
}

/* "ram:SIZE", "file:PATH[:SIZE]", "block:PATH". */
static int parse_lun(struct dcfg *d, const char *s, struct dcfg_lu *st, char *err, size_t err_len)
{
	const char *colon = strchr(s, ':');
	const char *rest = colon ? colon + 1 : "";
	size_t type_len = colon ? (size_t)(colon - s) : strlen(s);
	if (type_len == 3 && strncmp(s, "ram", 3) == 0) {
		st->backstore = "ram";
		if (dcfg_parse_size(rest, &st->size_bytes) != 0 || st->size_bytes == 0) {
			snprintf(err, err_len, "--lun '%s': expected ram:SIZE, e.g. ram:1G", s);
			return -1;
		}
		return 0;
	}
	if ((type_len == 4 && strncmp(s, "file", 4) == 0) || (type_len == 5 && strncmp(s, "block", 5) == 0)) {
		st->backstore = type_len == 4 ? "file" : "block";
		/* A trailing ":SIZE" is a size when it reads as one. */
		const char *last = strrchr(rest, ':');
		size_t path_len = strlen(rest);
		if (last && dcfg_parse_size(last + 1, &st->size_bytes) == 0)
			path_len = (size_t)(last - rest);
		if (path_len == 0) {
			snprintf(err, err_len, "--lun '%s': expected %s:PATH%s", s, st->backstore,
				 type_len == 4 ? "[:SIZE]" : "");
			return -1;
		}
		st->path = dcfg_strndup(d, rest, path_len);
		if (st->path == NULL) {
			snprintf(err, err_len, "out of memory");
			return -1;
		}
		return 0;
	}
	snprintf(err, err_len, "--lun '%s': expected ram:SIZE, file:PATH[:SIZE] or block:PATH", s);
	return -1;
}

/* "user:secret"; the user name cannot hold ':', the secret can. */
static int parse_cred(struct dcfg *d, const char *flag, const char *s, struct rt_chap_cred *c, char *err,
		      size_t err_len)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	if (s == NULL)
		return 0;
	if (colon == NULL || colon == s) {
		snprintf(err, err_len, "%s: expected user:secret", flag);
		return -1;
	}
	c->user = dcfg_strndup(d, s, (size_t)(colon - s));
	c->secret = dcfg_strdup(d, colon + 1);
	if (c->user == NULL || c->secret == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	return 0;
}

static int quick_lus(struct dcfg *d, const struct dcfg_quick *q, struct rt_lun_map **map, char *err,
		     size_t err_len)
{
	static const char *const default_lun[] = { DCFG_DEFAULT_LUN };
	const char *const *specs = q->lun_count ? q->luns : default_lun;
	uint32_t n = q->lun_count ? q->lun_count : 1;
	d->lus = dcfg_alloc(d, n * sizeof(*d->lus));
	d->stores = dcfg_alloc(d, n * sizeof(*d->stores));
	*map = dcfg_alloc(d, n * sizeof(**map));
	if (d->lus == NULL || d->stores == NULL || *map == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), "lun%u", i);
		d->lus[i].name = dcfg_strdup(d, name);
		d->lus[i].block_size = 512;
		d->lus[i].alua_modes = DCFG_DEFAULT_ALUA_MODES;
		d->stores[i].flags_from_caps = true;
		if (d->lus[i].name == NULL) {
			snprintf(err, err_len, "out of memory");
			return -1;
		}
		if (parse_lun(d, specs[i], &d->stores[i], err, err_len) != 0)
			return -1;
		if (d->stores[i].size_bytes % d->lus[i].block_size != 0) {
			snprintf(err, err_len, "--lun '%s': the size must be a multiple of %u bytes", specs[i],
				 d->lus[i].block_size);
			return -1;
		}
		d->lus[i].blocks = d->stores[i].size_bytes / d->lus[i].block_size;
		(*map)[i] = (struct rt_lun_map){ .lun = i, .lu = i };
	}
	d->cfg.lus = d->lus;
	d->cfg.lu_count = n;
	return 0;
}

static int quick_portals(struct dcfg *d, const struct dcfg_quick *q, uint32_t **idx, char *err, size_t err_len)
{
	static const char *const default_portal[] = { DCFG_DEFAULT_ADDRESS };
	const char *const *specs = q->portal_count ? q->portals : default_portal;
	uint32_t n = q->portal_count ? q->portal_count : 1;
	struct rt_portal_cfg *p = dcfg_alloc(d, n * sizeof(*p));
	*idx = dcfg_alloc(d, n * sizeof(**idx));
	if (p == NULL || *idx == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (parse_portal(d, specs[i], i, &p[i], err, err_len) != 0)
			return -1;
		(*idx)[i] = i;
	}
	d->cfg.portals = p;
	d->cfg.portal_count = n;
	return 0;
}

int dcfg_load_quick(struct dcfg *d, const struct dcfg_quick *q, char *err, size_t err_len)
{
	struct rt_auth_cfg auth = { { NULL, NULL }, { NULL, NULL } };
	struct rt_lun_map *map;
	uint32_t *portal_idx;
	struct rt_target_cfg *t = dcfg_alloc(d, sizeof(*t));
	struct rt_tpg_cfg *tpg = dcfg_alloc(d, sizeof(*tpg));
	struct rt_acl_cfg *acls = dcfg_alloc(d, (q->initiator_count ? q->initiator_count : 1) * sizeof(*acls));
	d->source = QUICK_SOURCE;
	cfg_params_default(&d->cfg.params);
	if (t == NULL || tpg == NULL || acls == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	if (q->mutual_chap && q->chap == NULL) {
		snprintf(err, err_len, "--mutual-chap needs --chap (RFC 7143 §12.1.3)");
		return -1;
	}
	if (q->mem_budget && dcfg_parse_size(q->mem_budget, &d->cfg.params.mem_budget_bytes) != 0) {
		snprintf(err, err_len, "--mem-budget '%s': expected a size such as 512M or 2G", q->mem_budget);
		return -1;
	}
	if (quick_portals(d, q, &portal_idx, err, err_len) || quick_lus(d, q, &map, err, err_len) ||
	    parse_cred(d, "--chap", q->chap, &auth.in, err, err_len) ||
	    parse_cred(d, "--mutual-chap", q->mutual_chap, &auth.out, err, err_len))
		return -1;
	for (uint32_t i = 0; i < q->initiator_count; i++) {
		acls[i] = (struct rt_acl_cfg){ .initiator = dcfg_strdup(d, q->initiators[i]), .auth = auth,
					       .luns = map, .lun_count = d->cfg.lu_count,
					       .target_reset = q->target_reset };
		if (acls[i].initiator == NULL) {
			snprintf(err, err_len, "out of memory");
			return -1;
		}
	}
	const char *name = dcfg_strdup(d, q->target ? q->target : DCFG_DEFAULT_TARGET);
	if (name == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	*tpg = (struct rt_tpg_cfg){
		.tag = 1,
		.portals = portal_idx,
		.portal_count = d->cfg.portal_count,
		.open_access = q->initiator_count == 0,
		.luns = q->initiator_count == 0 ? map : NULL,
		.lun_count = q->initiator_count == 0 ? d->cfg.lu_count : 0,
		.acls = acls,
		.acl_count = q->initiator_count,
		.target_reset = q->target_reset,
	};
	if (tpg->open_access)
		tpg->auth = auth; /* otherwise each ACL holds it */
	*t = (struct rt_target_cfg){
		.name = name,
		.tpgs = tpg,
		.tpg_count = 1,
	};
	d->cfg.targets = t;
	d->cfg.target_count = 1;
	return 0;
}
