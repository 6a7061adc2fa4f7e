/* loop: the daemon's event loop, in the manner of Redis's ae.c.
 *
 * epoll (level-triggered) over file descriptors, each with one handler;
 * one deadline asked of the owner before every wait (the engine's next
 * timer, lingering closes, the shutdown bound); and an "after event" hook
 * run after every handler, where the daemon delivers work that an event
 * produced but must not be delivered inside it (disk completions, by
 * rt_env's re-entrancy rule). Knows nothing of iSCSI.
 *
 * Owns the epoll descriptor and a table of handlers indexed by fd (so an
 * event for a descriptor removed earlier in the same batch is dropped, as
 * in ae.c). Does not own the watched descriptors.
 */
#ifndef RT_LOOP_H
#define RT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define LOOP_READ 0x1u
#define LOOP_WRITE 0x2u

struct loop;

/* A descriptor is ready: events is LOOP_READ and/or LOOP_WRITE (errors and
 * hang-ups come as whichever of the two is watched, so the handler meets
 * them in its own read or write). */
typedef void (*loop_proc)(struct loop *l, int fd, void *data, uint32_t events);

struct loop_hooks {
	void *ctx;
	/* Monotonic time (loop_now_ns) of the next timed work; UINT64_MAX: none. */
	uint64_t (*next_deadline)(void *ctx);
	/* Called once the deadline has passed. */
	void (*on_time)(void *ctx);
	/* Called after every handler and after on_time. */
	void (*after_event)(void *ctx);
};

/* fd_max bounds the descriptors the loop can watch (0..fd_max-1). */
struct loop *loop_create(uint32_t fd_max, const struct loop_hooks *hooks);
void loop_destroy(struct loop *l);

/* Watch fd for mask with proc; again to change mask or handler; a zero
 * mask unwatches. -1 on failure (fd beyond fd_max, or epoll refused;
 * errno says why). */
int loop_watch(struct loop *l, int fd, uint32_t mask, loop_proc proc, void *data);
void loop_unwatch(struct loop *l, int fd);

/* Run until loop_stop; returns 0, or -1 if epoll failed. */
int loop_run(struct loop *l);
/* One round: wait for events until the deadline, handle them, then timed
 * work if due. What loop_run repeats; tests drive the loop with it. */
int loop_run_once(struct loop *l);
void loop_stop(struct loop *l);

/* CLOCK_MONOTONIC in nanoseconds: the clock of deadlines and of env->now_ns. */
uint64_t loop_now_ns(void);

#endif
