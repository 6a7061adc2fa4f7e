/* infra/disk_state: the simulated disk's small keyed store (disk.h,
 * disk_state_save/disk_state_load): what a gateway keeps beside the blocks
 * across its restarts (the engine's APTPL persistent reservations through
 * rt_env's state door), DISK_STATE_KEYS keys of at most DISK_STATE_MAX
 * bytes each. Apart from disk.c because it touches no block, lock or
 * in-flight request: it survives power loss and crashes as the blocks'
 * durable copy does. Owns the values it copies (freed by disk_fini). */
#include <stdio.h>
#include <string.h>

#include "sim/infra/disk.h"

int disk_state_save(struct disk *d, const char *key, const void *buf, size_t len)
{
	if (strlen(key) >= sizeof(d->state[0].key) || len > DISK_STATE_MAX)
		return -1;
	int slot = -1;
	for (unsigned i = 0; i < DISK_STATE_KEYS; i++) {
		if (d->state[i].key[0] != '\0' && strcmp(d->state[i].key, key) == 0) {
			slot = (int)i;
			break;
		}
		if (slot < 0 && d->state[i].key[0] == '\0')
			slot = (int)i;
	}
	if (slot < 0)
		return -1;
	sim_free(d->mem, d->state[slot].val, d->state[slot].len);
	d->state[slot].val = len ? sim_zalloc(d->mem, len) : NULL;
	if (len > 0)
		memcpy(d->state[slot].val, buf, len);
	d->state[slot].len = len;
	snprintf(d->state[slot].key, sizeof(d->state[slot].key), "%s", key);
	return 0;
}

long disk_state_load(const struct disk *d, const char *key, void *buf, size_t cap)
{
	for (unsigned i = 0; i < DISK_STATE_KEYS; i++) {
		if (d->state[i].key[0] == '\0' || strcmp(d->state[i].key, key) != 0)
			continue;
		size_t n = d->state[i].len < cap ? d->state[i].len : cap;
		if (n > 0)
			memcpy(buf, d->state[i].val, n);
		return (long)d->state[i].len;
	}
	return -1;
}
