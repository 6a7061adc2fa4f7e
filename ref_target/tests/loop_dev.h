/* loop_dev: a loop device over a file, for the block backstore tests
 * (test_bs_store.c, test_bs_errors.c). Attaching needs root and
 * /dev/loop-control; where this machine does not let us, the tests that
 * need one say so and pass. The caller owns the name buffer.
 */
#ifndef LOOP_DEV_H
#define LOOP_DEV_H

#include <stdbool.h>
#include <stddef.h>

/* Attach file to a free loop device, its name into dev (cap bytes); false,
 * with dev empty, if this machine does not let us. */
bool loop_dev_attach(const char *file, char *dev, size_t cap);

/* Detach dev if attached (dev not empty) and empty it. */
void loop_dev_detach(char *dev);

#endif
