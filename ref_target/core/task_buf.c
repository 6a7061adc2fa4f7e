/* task_buf: see task_buf.h. */
#include "task_buf.h"

#include <string.h>

#include "engine_int.h"
#include "mem.h"
#include "session.h"

static void task_buf_release(struct session *s, uint8_t *p, uint32_t len)
{
	eng_free(s->eng, p, len);
	s->buf_bytes -= len;
}

void task_buf_cache_pop(struct session *s)
{
	s->nbuf_cache--;
	task_buf_release(s, s->buf_cache[s->nbuf_cache].p, s->buf_cache[s->nbuf_cache].len);
}

void task_buf_cache_drop(struct session *s)
{
	while (s->nbuf_cache > 0)
		task_buf_cache_pop(s);
}

/* A buffer of at least len bytes (*cap gets its real size): a cached one
 * no more than twice as large, or a new one the memory budget grants
 * (mem_admit evicts cached buffers to make room first). */
static uint8_t *task_buf_alloc(struct session *s, uint32_t len, uint32_t *cap)
{
	for (uint32_t i = 0; i < s->nbuf_cache; i++) {
		uint32_t have = s->buf_cache[i].len;
		if (have >= len && have / 2 <= len) {
			uint8_t *p = s->buf_cache[i].p;
			s->buf_cache[i] = s->buf_cache[--s->nbuf_cache];
			*cap = have;
			return p;
		}
	}
	if (!mem_admit(s, len))
		return NULL;
	uint8_t *p = eng_alloc(s->eng, len);
	if (p == NULL)
		return NULL;
	s->buf_bytes += len;
	*cap = len;
	return p;
}

void task_buf_free(struct task *t)
{
	struct session *s = t->sess;
	if (t->buf == NULL)
		return;
	if (s->nbuf_cache < SESS_BUF_CACHE && mem_may_cache(s, t->buf_len)) {
		s->buf_cache[s->nbuf_cache].p = t->buf;
		s->buf_cache[s->nbuf_cache].len = t->buf_len;
		s->nbuf_cache++;
	} else {
		task_buf_release(s, t->buf, t->buf_len);
	}
	t->buf = NULL;
	t->buf_len = 0;
}

int task_buf_grow(struct task *t, uint32_t len)
{
	if (len <= t->buf_len)
		return 0;
	uint32_t cap;
	uint8_t *p = task_buf_alloc(t->sess, len, &cap);
	if (p == NULL)
		return -1;
	if (t->buf)
		memcpy(p, t->buf, t->buf_len);
	task_buf_free(t);
	t->buf = p;
	t->buf_len = cap;
	return 0;
}
