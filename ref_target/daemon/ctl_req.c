/* ctl_req: see ctl_req.h. The parser (one bounded JSON line) and the
 * dispatch by path and command; the edits of the model live in ctl_cmd.c. */
#include "ctl_req.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"

int ctl_fail(struct ctl_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->err, sizeof(res->err), fmt, ap);
	va_end(ap);
	res->action = CTL_ERROR;
	return -1;
}

static int req_fail(char *err, size_t err_len, const char *why)
{
	snprintf(err, err_len, "request: %s", why);
	return -1;
}

/* "/a/b/c" into parts, in a copy; empty parts ("//") are skipped. */
static int split_path(struct ctl_req *r, const char *path, char *err, size_t err_len)
{
	size_t n = strlen(path);
	if (n >= sizeof(r->path_buf))
		return req_fail(err, err_len, "path longer than CTL_ARG_MAX");
	memcpy(r->path_buf, path, n + 1);
	r->path_text = path;
	r->nparts = 0;
	for (char *p = r->path_buf; *p;) {
		while (*p == '/')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (r->nparts == CTL_PATH_PARTS_MAX)
			return req_fail(err, err_len, "path has too many parts");
		r->parts[r->nparts++] = p;
		while (*p && *p != '/')
			p++;
	}
	return 0;
}

static int parse_arg(struct ctl_req *r, unsigned i, json_t *v, char *err, size_t err_len)
{
	if (!json_is_string(v))
		return req_fail(err, err_len, "args must be strings");
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (n >= CTL_ARG_MAX || memchr(s, '\0', n) != NULL)
		return req_fail(err, err_len, "an argument is longer than CTL_ARG_MAX or holds a NUL");
	char *b = r->arg_buf[i];
	memcpy(b, s, n + 1);
	char *eq = strchr(b, '=');
	/* a value that starts with '/' (a path) may hold '=' without being key=value */
	if (eq != NULL && b[0] != '/' && eq != b) {
		*eq = '\0';
		r->args[i] = (struct ctl_arg){ b, eq + 1 };
	} else {
		r->args[i] = (struct ctl_arg){ NULL, b };
	}
	return 0;
}

int ctl_req_parse(struct ctl_req *r, const char *text, size_t len, char *err, size_t err_len)
{
	memset(r->parts, 0, sizeof(r->parts));
	r->nparts = r->nargs = 0;
	r->cmd = NULL;
	r->root = NULL;
	if (len > CTL_REQ_MAX)
		return req_fail(err, err_len, "longer than CTL_REQ_MAX (64 KiB)");
	json_error_t je;
	r->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (r->root == NULL) {
		snprintf(err, err_len, "request: not JSON: %s (column %d)", je.text, je.column);
		return -1;
	}
	if (!json_is_object(r->root))
		return req_fail(err, err_len, "must be a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(r->root, key, v) {
		if (strcmp(key, "path") != 0 && strcmp(key, "cmd") != 0 && strcmp(key, "args") != 0)
			return req_fail(err, err_len, "unknown key (path, cmd, args)");
	}
	json_t *path = json_object_get(r->root, "path");
	json_t *cmd = json_object_get(r->root, "cmd");
	json_t *args = json_object_get(r->root, "args");
	if (!json_is_string(cmd) || json_string_length(cmd) == 0 || json_string_length(cmd) >= CTL_ARG_MAX)
		return req_fail(err, err_len, "cmd must be a non-empty string");
	r->cmd = json_string_value(cmd);
	if (path != NULL && !json_is_string(path))
		return req_fail(err, err_len, "path must be a string");
	if (split_path(r, path ? json_string_value(path) : "/", err, err_len) != 0)
		return -1;
	if (args == NULL)
		return 0;
	if (!json_is_array(args))
		return req_fail(err, err_len, "args must be an array");
	if (json_array_size(args) > CTL_ARGS_MAX)
		return req_fail(err, err_len, "more than CTL_ARGS_MAX (16) args");
	for (unsigned i = 0; i < json_array_size(args); i++) {
		if (parse_arg(r, i, json_array_get(args, i), err, err_len) != 0)
			return -1;
		r->nargs = i + 1;
	}
	return 0;
}

void ctl_req_fini(struct ctl_req *r)
{
	json_decref(r->root);
	r->root = NULL;
}

const char *ctl_arg(const struct ctl_req *r, const char *const *order, const char *key)
{
	for (unsigned i = 0; i < r->nargs; i++)
		if (r->args[i].key != NULL && strcmp(r->args[i].key, key) == 0)
			return r->args[i].value;
	/* positional: the n-th positional argument is order[n] */
	unsigned pos = 0;
	for (unsigned i = 0; i < r->nargs; i++) {
		if (r->args[i].key != NULL)
			continue;
		if (order != NULL && order[pos] != NULL && strcmp(order[pos], key) == 0)
			return r->args[i].value;
		if (order == NULL || order[pos] == NULL)
			break;
		pos++;
	}
	return NULL;
}

int ctl_args_known(const struct ctl_req *r, const char *const *order, const char *const *keys,
		   struct ctl_result *res)
{
	unsigned npos = 0, nmax = 0;
	while (order != NULL && order[nmax] != NULL)
		nmax++;
	for (unsigned i = 0; i < r->nargs; i++) {
		if (r->args[i].key == NULL) {
			if (npos++ >= nmax)
				return ctl_fail(res, "%s %s: too many positional arguments", r->path_text, r->cmd);
			continue;
		}
		bool ok = false;
		for (unsigned k = 0; keys[k] != NULL && !ok; k++)
			ok = strcmp(keys[k], r->args[i].key) == 0;
		if (!ok)
			return ctl_fail(res, "%s %s: unknown argument '%s'", r->path_text, r->cmd, r->args[i].key);
	}
	return 0;
}

/* The part of the tree a path names. */
static bool is(const struct ctl_req *r, unsigned i, const char *word)
{
	return r->nparts > i && strcmp(r->parts[i], word) == 0;
}

static void dispatch_saverestore(const struct ctl_req *r, struct ctl_result *res, bool save)
{
	static const char *const order[] = { "savefile", NULL };
	static const char *const keys[] = { "savefile", "format", NULL };
	if (ctl_args_known(r, order, keys, res) != 0)
		return;
	res->file = ctl_arg(r, order, "savefile");
	const char *fmt = ctl_arg(r, NULL, "format");
	if (res->file == NULL) {
		ctl_fail(res, "%s: savefile=FILE is required (the daemon writes nothing implicitly)", r->cmd);
		return;
	}
	if (fmt == NULL || strcmp(fmt, "reftarget") == 0)
		res->format = CTL_FMT_OURS;
	else if (strcmp(fmt, "lio") == 0 || strcmp(fmt, "targetcli") == 0)
		res->format = CTL_FMT_LIO;
	else {
		ctl_fail(res, "%s: format '%s' is not reftarget or lio", r->cmd, fmt);
		return;
	}
	res->action = save ? CTL_SAVE : CTL_RESTORE;
}

void ctl_apply(json_t *model, const struct ctl_req *r, struct ctl_result *res)
{
	memset(res, 0, sizeof(*res));
	res->action = CTL_CHANGED;
	const char *cmd = r->cmd;
	if (strcmp(cmd, "ls") == 0) {
		res->action = CTL_SHOW;
		res->out = ctl_render(model);
		if (res->out == NULL)
			ctl_fail(res, "ls: out of memory");
		return;
	}
	if (strcmp(cmd, "saveconfig") == 0 || strcmp(cmd, "restoreconfig") == 0) {
		dispatch_saverestore(r, res, cmd[0] == 's');
		return;
	}
	if (is(r, 0, "backstores"))
		ctl_backstores(model, r, res);
	else if (is(r, 0, "iscsi") && r->nparts == 1)
		ctl_iscsi(model, r, res);
	else if (is(r, 0, "iscsi") && r->nparts >= 3)
		ctl_tpg(model, r, res);
	else
		ctl_fail(res, "%s: no such path (/backstores, /iscsi, /iscsi/IQN/tpgN[/luns|/acls|/portals])",
			 r->path_text);
}
