/* reftarget-ctl: the command line of a running reftarget's control socket
 * (ref_target/daemon/ctl.h), in targetcli-fb's one-shot form:
 *
 *   reftarget-ctl [-s SOCKET] [PATH] COMMAND [key=value | value ...]
 *   reftarget-ctl /backstores/fileio create name=disk1 file_or_dev=/srv/d1.img size=1G
 *   reftarget-ctl /iscsi/iqn.x:t/tpg1/luns create /backstores/fileio/disk1
 *   reftarget-ctl /iscsi/iqn.x:t/tpg1/acls delete wwn=iqn.y:host
 *   reftarget-ctl ls;  reftarget-ctl saveconfig savefile=/etc/reftarget.json
 *
 * Sends one JSON line, prints the answer's text; exit 0 when the daemon
 * did it, 1 when it refused (the reason on stderr), 2 for a bad command
 * line or no daemon at the socket.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/ctl.h"
#include "daemon/ctl_req.h"

/* The longest answer we read (ls of a large tree, saveconfig's message). */
#define CLIENT_ANSWER_MAX (16u * 1024u * 1024u)

static int usage(void)
{
	fprintf(stderr, "usage: reftarget-ctl [-s SOCKET] [PATH] COMMAND [key=value ...]\n"
			"  SOCKET defaults to " CTL_SOCKET_ROOT " as root, " CTL_SOCKET_USER " otherwise\n"
			"  commands: ls; create/delete under /backstores/{fileio,block,ramdisk}, /iscsi,\n"
			"  /iscsi/IQN/tpgN/{luns,acls,portals}; set auth|attribute|parameter under\n"
			"  /iscsi/IQN/tpgN (and set auth under .../acls/IQN); saveconfig/restoreconfig\n"
			"  savefile=FILE [format=reftarget|lio]\n");
	return 2;
}

static char *request(int argc, char **argv, int i)
{
	json_t *args = json_array();
	const char *path = "/";
	if (i < argc && argv[i][0] == '/')
		path = argv[i++];
	if (i >= argc) {
		json_decref(args);
		return NULL;
	}
	const char *cmd = argv[i++];
	for (; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	json_t *req = json_pack("{s:s, s:s, s:o}", "path", path, "cmd", cmd, "args", args);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	return text;
}

int main(int argc, char **argv)
{
	const char *sock = geteuid() == 0 ? CTL_SOCKET_ROOT : CTL_SOCKET_USER;
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "-s") == 0) {
		sock = argv[i + 1];
		i += 2;
	}
	if (i < argc && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0))
		return usage() - 2;
	char *text = request(argc, argv, i);
	if (text == NULL)
		return usage();
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "reftarget-ctl: %s: %s (is reftarget running with --ctl?)\n", sock, strerror(errno));
		return 2;
	}
	size_t len = strlen(text);
	text[len] = '\0';
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		fprintf(stderr, "reftarget-ctl: %s: %s\n", sock, strerror(errno));
		return 2;
	}
	free(text);
	char *ans = malloc(CLIENT_ANSWER_MAX);
	size_t got = 0;
	ssize_t n;
	while (ans != NULL && got < CLIENT_ANSWER_MAX && (n = read(fd, ans + got, CLIENT_ANSWER_MAX - got)) > 0)
		got += (size_t)n;
	close(fd);
	json_error_t je;
	json_t *a = ans ? json_loadb(ans, got, 0, &je) : NULL;
	free(ans);
	if (a == NULL) {
		fprintf(stderr, "reftarget-ctl: no answer from %s\n", sock);
		return 2;
	}
	int ok = json_is_true(json_object_get(a, "ok"));
	const char *msg = json_string_value(json_object_get(a, ok ? "out" : "error"));
	if (ok)
		printf("%s%s", msg ? msg : "", msg && msg[0] && msg[strlen(msg) - 1] != '\n' ? "\n" : "");
	else
		fprintf(stderr, "reftarget-ctl: %s\n", msg ? msg : "refused");
	json_decref(a);
	return ok ? 0 : 1;
}
