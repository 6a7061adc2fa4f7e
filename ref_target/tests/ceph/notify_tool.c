/* notify_tool: send one notify on a RADOS object, as a gateway asking
 * another for something through the ownership record does (alua.sh:
 * a "release" from a would-be owner that then never takes the lock, what
 * a new owner that dies mid hand-over leaves). Not part of the target: a
 * tool.
 *
 * usage: notify_tool CEPH_CONF POOL OBJECT PAYLOAD TIMEOUT_MS
 * Prints "acked" when every watcher acknowledged within TIMEOUT_MS, else
 * "notify: <error>"; exit status 0 either way once the notify was sent
 * (a watcher that is gone times out: the test looks at the gateways),
 * 1 if it could not be sent, 2 usage.
 */
#include <rados/librados.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: notify_tool CEPH_CONF POOL OBJECT PAYLOAD TIMEOUT_MS\n");
		return 2;
	}
	rados_t cluster;
	rados_ioctx_t io;
	int rc = rados_create(&cluster, NULL);
	if (rc == 0)
		rc = rados_conf_read_file(cluster, argv[1]);
	if (rc == 0)
		rc = rados_connect(cluster);
	if (rc == 0)
		rc = rados_ioctx_create(cluster, argv[2], &io);
	if (rc < 0) {
		fprintf(stderr, "notify_tool: connect: %s\n", strerror(-rc));
		return 1;
	}
	char *reply = NULL;
	size_t reply_len = 0;
	rc = rados_notify2(io, argv[3], argv[4], (int)strlen(argv[4]), strtoull(argv[5], NULL, 10), &reply,
			   &reply_len);
	if (rc == 0)
		printf("acked\n");
	else
		printf("notify: %s\n", strerror(-rc));
	if (reply != NULL)
		rados_buffer_free(reply);
	rados_ioctx_destroy(io);
	rados_shutdown(cluster);
	return 0;
}
