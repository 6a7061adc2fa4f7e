/* loop: see loop.h. */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/* Events taken from the kernel per epoll_wait. */
#define LOOP_BATCH 128

struct loop_file {
	uint32_t mask; /* 0: not watched */
	loop_proc proc;
	void *data;
};

struct loop {
	int epfd;
	bool stop;
	uint32_t fd_max;
	struct loop_hooks hooks;
	struct loop_file *files; /* fd_max entries, indexed by fd */
};

uint64_t loop_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct loop *loop_create(uint32_t fd_max, const struct loop_hooks *hooks)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->files = calloc(fd_max, sizeof(*l->files));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->files == NULL || l->epfd < 0) {
		if (l->epfd >= 0)
			close(l->epfd);
		free(l->files);
		free(l);
		return NULL;
	}
	l->fd_max = fd_max;
	l->hooks = *hooks;
	return l;
}

void loop_destroy(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l->files);
	free(l);
}

int loop_watch(struct loop *l, int fd, uint32_t mask, loop_proc proc, void *data)
{
	if (fd < 0 || (uint32_t)fd >= l->fd_max) {
		errno = EMFILE;
		return -1;
	}
	if (mask == 0) {
		loop_unwatch(l, fd);
		return 0;
	}
	struct loop_file *f = &l->files[fd];
	struct epoll_event ev = { .data.fd = fd };
	if (mask & LOOP_READ)
		ev.events |= EPOLLIN;
	if (mask & LOOP_WRITE)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(l->epfd, f->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
		return -1;
	f->mask = mask;
	f->proc = proc;
	f->data = data;
	return 0;
}

void loop_unwatch(struct loop *l, int fd)
{
	if (fd < 0 || (uint32_t)fd >= l->fd_max || l->files[fd].mask == 0)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->files[fd] = (struct loop_file){ 0 };
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

/* Milliseconds to wait for a deadline, rounded up so we never wake early
 * and spin; -1 for none. */
static int wait_ms(uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return -1;
	uint64_t now = loop_now_ns();
	if (deadline <= now)
		return 0;
	uint64_t ms = (deadline - now + 999999u) / 1000000u;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void dispatch(struct loop *l, const struct epoll_event *ev)
{
	int fd = ev->data.fd;
	struct loop_file *f = &l->files[fd];
	uint32_t events = 0;
	if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		events |= LOOP_READ;
	if (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		events |= LOOP_WRITE;
	/* mask is read now: a handler earlier in this batch may have
	 * unwatched this fd, or changed what it wants */
	events &= f->mask;
	if (events == 0)
		return;
	f->proc(l, fd, f->data, events);
	l->hooks.after_event(l->hooks.ctx);
}

int loop_run_once(struct loop *l)
{
	struct epoll_event events[LOOP_BATCH];
	int n = epoll_wait(l->epfd, events, LOOP_BATCH, wait_ms(l->hooks.next_deadline(l->hooks.ctx)));
	if (n < 0 && errno != EINTR)
		return -1;
	for (int i = 0; i < n && !l->stop; i++)
		dispatch(l, &events[i]);
	if (!l->stop && l->hooks.next_deadline(l->hooks.ctx) <= loop_now_ns()) {
		l->hooks.on_time(l->hooks.ctx);
		l->hooks.after_event(l->hooks.ctx);
	}
	return 0;
}

int loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop)
		if (loop_run_once(l) != 0)
			return -1;
	return 0;
}
