/* durl: see durl.h. */
#include "durl.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

int durl_host(const char *address, char *host, size_t host_len)
{
	size_t n = strlen(address);
	char text[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;
	if (n >= 3 && address[0] == '[' && address[n - 1] == ']' && n - 2 < sizeof(text)) {
		memcpy(text, address + 1, n - 2);
		text[n - 2] = '\0';
		if (inet_pton(AF_INET6, text, &a6) == 1 && IN6_IS_ADDR_UNSPECIFIED(&a6)) {
			snprintf(host, host_len, "[::1]");
			return 1;
		}
	} else if (inet_pton(AF_INET, address, &a4) == 1 && a4.s_addr == htonl(INADDR_ANY)) {
		snprintf(host, host_len, "127.0.0.1");
		return 1;
	}
	snprintf(host, host_len, "%s", address);
	return 0;
}

static bool tpg_has_portal(const struct rt_tpg_cfg *g, uint32_t portal)
{
	for (uint32_t i = 0; i < g->portal_count; i++)
		if (g->portals[i] == portal)
			return true;
	return false;
}

static bool lun_in_map(const struct rt_lun_map *m, uint32_t n, uint64_t lun)
{
	for (uint32_t i = 0; i < n; i++)
		if (m[i].lun == lun)
			return true;
	return false;
}

/* Every map of g in order: its own (open access), then each ACL's. */
static uint32_t tpg_map_count(const struct rt_tpg_cfg *g)
{
	return 1 + g->acl_count;
}

static const struct rt_lun_map *tpg_map(const struct rt_tpg_cfg *g, uint32_t m, uint32_t *n)
{
	if (m == 0) {
		*n = g->open_access ? g->lun_count : 0;
		return g->luns;
	}
	*n = g->acls[m - 1].lun_count;
	return g->acls[m - 1].luns;
}

/* Was lun printed before position (tpg t, map m, entry e) of target tc
 * through this portal? Each LUN number is printed once per target and
 * portal. A plain scan: maps hold at most RT_LUNS_MAX entries and this
 * runs once, at start. */
static bool lun_seen(const struct rt_target_cfg *tc, uint32_t portal, uint32_t t, uint32_t m, uint32_t e,
		     uint64_t lun)
{
	for (uint32_t ti = 0; ti <= t; ti++) {
		const struct rt_tpg_cfg *g = &tc->tpgs[ti];
		if (!tpg_has_portal(g, portal))
			continue;
		uint32_t maps = ti == t ? m + 1 : tpg_map_count(g);
		for (uint32_t mi = 0; mi < maps; mi++) {
			uint32_t n;
			const struct rt_lun_map *map = tpg_map(g, mi, &n);
			if (ti == t && mi == m)
				n = e;
			if (lun_in_map(map, n, lun))
				return true;
		}
	}
	return false;
}

/* The URLs of one target through one portal; returns how many. */
static unsigned print_target(FILE *f, const struct rt_target_cfg *tc, uint32_t portal, const char *host,
			     uint16_t port)
{
	unsigned printed = 0;
	for (uint32_t t = 0; t < tc->tpg_count; t++) {
		const struct rt_tpg_cfg *g = &tc->tpgs[t];
		if (!tpg_has_portal(g, portal))
			continue;
		for (uint32_t m = 0; m < tpg_map_count(g); m++) {
			uint32_t n;
			const struct rt_lun_map *map = tpg_map(g, m, &n);
			for (uint32_t e = 0; e < n; e++) {
				if (lun_seen(tc, portal, t, m, e, map[e].lun))
					continue;
				fprintf(f, "iscsi://%s:%u/%s/%llu\n", host, port, tc->name,
					(unsigned long long)map[e].lun);
				printed++;
			}
		}
	}
	return printed;
}

static bool target_on_portal(const struct rt_target_cfg *tc, uint32_t portal)
{
	for (uint32_t t = 0; t < tc->tpg_count; t++)
		if (tpg_has_portal(&tc->tpgs[t], portal))
			return true;
	return false;
}

void durl_print(FILE *f, const struct rt_config *cfg, const uint16_t *ports)
{
	for (uint32_t i = 0; i < cfg->portal_count; i++) {
		const char *address = cfg->portals[i].address;
		char host[DURL_HOST_MAX];
		if (durl_host(address, host, sizeof(host)))
			fprintf(f, "portal %s:%u listens on every %s address of this host; from this host: "
				   "iscsi://%s:%u\n", address, ports[i], address[0] == '[' ? "IPv6" : "IPv4",
				host, ports[i]);
		else
			fprintf(f, "portal %s:%u: iscsi://%s:%u\n", address, ports[i], host, ports[i]);
		for (uint32_t t = 0; t < cfg->target_count; t++) {
			const struct rt_target_cfg *tc = &cfg->targets[t];
			if (target_on_portal(tc, i) && print_target(f, tc, i, host, ports[i]) == 0)
				fprintf(f, "target %s: no LUN through this portal\n", tc->name);
		}
	}
	fflush(f);
}
