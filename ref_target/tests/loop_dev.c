/* loop_dev: see loop_dev.h. */
#include "loop_dev.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* How many free devices to try: another process may take the one
 * LOOP_CTL_GET_FREE named before LOOP_SET_FD (EBUSY). */
#define LOOP_DEV_TRIES 8

bool loop_dev_attach(const char *file, char *dev, size_t cap)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	dev[0] = '\0';
	if (ctl < 0)
		return false;
	int fd = open(file, O_RDWR | O_CLOEXEC);
	bool ok = false;
	for (int tries = 0; fd >= 0 && !ok && tries < LOOP_DEV_TRIES; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			break;
		snprintf(dev, cap, "/dev/loop%d", n);
		int d = open(dev, O_RDWR | O_CLOEXEC);
		if (d < 0)
			break;
		ok = ioctl(d, LOOP_SET_FD, fd) == 0; /* EBUSY: someone took it, try again */
		close(d);
	}
	if (fd >= 0)
		close(fd);
	close(ctl);
	if (!ok)
		dev[0] = '\0';
	return ok;
}

void loop_dev_detach(char *dev)
{
	if (dev[0] == '\0')
		return;
	int d = open(dev, O_RDWR | O_CLOEXEC);
	if (d >= 0) {
		ioctl(d, LOOP_CLR_FD, 0);
		close(d);
	}
	dev[0] = '\0';
}
