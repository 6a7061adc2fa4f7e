/* task_buf: the data buffers of a session's tasks, granted by the memory
 * budget (mem.h: beyond the session's share or the target's budget a
 * command gets TASK SET FULL) and recycled through a small per-session
 * cache (SESS_BUF_CACHE) while memory is plentiful, so a stream of
 * same-sized commands allocates nothing after the first ones.
 * Owns the session's buf_bytes and buf_cache; a task owns its buf.
 */
#ifndef RT_TASK_BUF_H
#define RT_TASK_BUF_H

#include <stdint.h>

#include "task.h"

/* Make t's buffer at least len bytes, keeping what is in it. Returns -1
 * (the buffer unchanged) if the session's budget or memory is exhausted. */
int task_buf_grow(struct task *t, uint32_t len);

/* Give t's buffer back: to the cache, or freed. */
void task_buf_free(struct task *t);

/* Free the session's cached task buffers (when the session goes, or
 * memory is short); _pop frees one of them (there must be one). */
void task_buf_cache_drop(struct session *s);
void task_buf_cache_pop(struct session *s);

#endif
