/* time: simulated time units. All simulated time is uint64_t nanoseconds
 * since the world started; nothing here reads a real clock. */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stdint.h>

#define SIM_US(x) ((uint64_t)(x) * 1000ull)
#define SIM_MS(x) ((uint64_t)(x) * 1000000ull)
#define SIM_S(x) ((uint64_t)(x) * 1000000000ull)
#define SIM_NEVER UINT64_MAX

#endif
