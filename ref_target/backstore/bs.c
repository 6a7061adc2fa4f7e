/* bs: the backstore registry: a type name to its implementation. */
#include "bs.h"

#include <string.h>

static const struct bs_ops *const bs_types[] = {
	&bs_ram_ops,
	&bs_file_ops,
	&bs_block_ops,
#ifdef BS_HAVE_RBD
	&bs_rbd_ops,
#endif
};

const struct bs_ops *bs_find(const char *type)
{
	for (size_t i = 0; i < sizeof(bs_types) / sizeof(bs_types[0]); i++)
		if (type != NULL && strcmp(bs_types[i]->name, type) == 0)
			return bs_types[i];
	return NULL;
}

bool bs_io_start(const struct bs *bs, struct rt_disk_io *io)
{
	io->status = RT_DISK_OK;
	if (io->op == RT_DISK_PR_LOAD || io->op == RT_DISK_PR_STORE || io->op == RT_DISK_ALUA_SET) {
		/* a record beside the blocks, or the ownership of shared
		 * storage: only a backstore that keeps one (rbd with pr_shared,
		 * or alua_group) serves these, and it does so before this */
		io->status = RT_DISK_ERR_UNSUPPORTED;
		return false;
	}
	if (io->op == RT_DISK_COMPARE_WRITE &&
	    (!(bs->caps & BS_CAP_COMPARE_WRITE) || io->len > bs->compare_write_max)) {
		io->status = RT_DISK_ERR_UNSUPPORTED;
		return false;
	}
	if (io->op != RT_DISK_FLUSH && (io->offset > bs->size_bytes || io->len > bs->size_bytes - io->offset)) {
		io->status = io->op == RT_DISK_READ ? RT_DISK_ERR_READ : RT_DISK_ERR_WRITE;
		return false;
	}
	return true;
}

int bs_event_fd(const struct bs *bs)
{
	return bs->ops->event_fd ? bs->ops->event_fd(bs) : -1;
}

void bs_reap(struct bs *bs)
{
	if (bs->ops->reap)
		bs->ops->reap(bs);
}

void bs_drain(struct bs *bs)
{
	if (bs->ops->drain)
		bs->ops->drain(bs);
}

void bs_kick(struct bs *bs)
{
	if (bs->ops->kick)
		bs->ops->kick(bs);
}

uint64_t bs_deadline(const struct bs *bs)
{
	return bs->ops->deadline ? bs->ops->deadline(bs) : UINT64_MAX;
}
