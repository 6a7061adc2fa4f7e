/* hold_write: makes a file slow on demand, for daemon_slow_disk.sh. One
 * write(2) to FILE is kept waiting inside the kernel, with the file's inode
 * lock held, until we say: its source buffer is a userfaultfd page that is
 * filled only then. Every other write to FILE (the target's) waits for
 * that lock meanwhile, as on a disk that does not answer: no timing, no
 * device mapper, no FUSE. Not part of the target: a tool.
 *
 * usage: hold_write FILE OFFSET
 * Prints "held" once the write waits in the kernel (the lock is ours),
 * then waits for a line or EOF on stdin (at most HOLD_MAX_MS), lets the
 * write finish, prints "released" and exits 0. Exit 1 on any error (the
 * message says which: userfaultfd needs root, or vm.unprivileged_userfaultfd
 * = 1, to catch a fault the kernel takes), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXIT_ERR 1
#define EXIT_USAGE 2
/* How long the first fault may take to come, and the hold may last. */
#define FAULT_MAX_MS 10000
#define HOLD_MAX_MS 60000
#define FILL 0x77

struct writer {
	int fd;
	off_t off;
	uint8_t *page;
	size_t len;
	ssize_t rc;
	int err;
};

static void *write_it(void *arg)
{
	struct writer *w = arg;
	w->rc = pwrite(w->fd, w->page, w->len, w->off);
	w->err = errno;
	return NULL;
}

static int die(const char *what)
{
	fprintf(stderr, "hold_write: %s: %s\n", what, strerror(errno));
	return EXIT_ERR;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hold_write FILE OFFSET\n");
		return EXIT_USAGE;
	}
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct writer w = {.off = (off_t)strtoull(argv[2], NULL, 0), .len = page};
	w.fd = open(argv[1], O_WRONLY | O_CLOEXEC);
	if (w.fd < 0)
		return die(argv[1]);
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		return die("userfaultfd");
	struct uffdio_api api = {.api = UFFD_API};
	if (ioctl(uffd, UFFDIO_API, &api) != 0)
		return die("UFFDIO_API");
	w.page = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w.page == MAP_FAILED)
		return die("mmap");
	struct uffdio_register reg = {
		.range = {.start = (uintptr_t)w.page, .len = page}, .mode = UFFDIO_REGISTER_MODE_MISSING};
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0)
		return die("UFFDIO_REGISTER");

	pthread_t t;
	if (pthread_create(&t, NULL, write_it, &w) != 0)
		return die("pthread_create");
	/* the writer's copy from the page faults: the kernel holds the inode
	 * lock and waits for us */
	struct pollfd pf = {.fd = uffd, .events = POLLIN};
	struct uffd_msg msg;
	if (poll(&pf, 1, FAULT_MAX_MS) != 1 || read(uffd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		fprintf(stderr, "hold_write: the write did not fault in %d ms\n", FAULT_MAX_MS);
		return EXIT_ERR;
	}
	printf("held\n");
	fflush(stdout);

	struct pollfd in = {.fd = STDIN_FILENO, .events = POLLIN};
	if (poll(&in, 1, HOLD_MAX_MS) == 0)
		fprintf(stderr, "hold_write: nobody said release in %d ms: releasing\n", HOLD_MAX_MS);
	uint8_t *src = malloc(page);
	if (src == NULL)
		return die("malloc");
	memset(src, FILL, page);
	struct uffdio_copy copy = {.dst = (uintptr_t)w.page, .src = (uintptr_t)src, .len = page};
	if (ioctl(uffd, UFFDIO_COPY, &copy) != 0)
		return die("UFFDIO_COPY");
	pthread_join(t, NULL);
	if (w.rc != (ssize_t)page) {
		errno = w.err;
		return die("the held write");
	}
	printf("released\n");
	free(src);
	return 0;
}
