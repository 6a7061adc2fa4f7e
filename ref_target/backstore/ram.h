/* ram: what the RAM backstore tells beyond bs.h (see ram.c). */
#ifndef RT_BS_RAM_H
#define RT_BS_RAM_H

#include <stdint.h>

#include "bs.h"

/* Bytes of chunk memory currently held: what thin provisioning costs. */
uint64_t bs_ram_allocated_bytes(const struct bs *bs);

#endif
