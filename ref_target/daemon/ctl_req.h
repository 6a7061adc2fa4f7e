/* ctl_req: the control socket's requests, parsed and applied to the
 * configuration model, with targetcli-fb's vocabulary.
 *
 * A request is one line of JSON, at most CTL_REQ_MAX bytes:
 *   {"path": "/iscsi/iqn.x/tpg1/luns", "cmd": "create",
 *    "args": ["storage_object=/backstores/fileio/disk0", "lun=0"]}
 * (args: "key=value" or positional values, in targetcli's order). The
 * answer is one line: {"ok": true, "out": "..."} or {"ok": false,
 * "error": "path: why"}.
 *
 * The model is the configuration in the daemon's own JSON format
 * (dcfg_json.c). ctl_apply edits a copy; the caller loads it (dcfg), and
 * only if the engine takes it does the copy become the model. Pure: no
 * I/O here (saveconfig, restoreconfig are returned to the caller to do),
 * so the fuzzer drives it in-process.
 */
#ifndef RT_CTL_REQ_H
#define RT_CTL_REQ_H

#include <stdbool.h>
#include <stddef.h>

/* One request line, newline included: anything longer is refused. */
#define CTL_REQ_MAX (64u * 1024u)
/* Arguments per request, and bytes per argument. */
#define CTL_ARGS_MAX 16u
#define CTL_ARG_MAX 1024u
/* Path components ("/iscsi/IQN/tpg1/acls/IQN" has five). */
#define CTL_PATH_PARTS_MAX 8u
/* Room for one error message. */
#define CTL_ERR_MAX 512u

struct json_t;

struct ctl_arg {
	const char *key; /* NULL: positional */
	const char *value;
};

struct ctl_req {
	const char *path_text;
	const char *parts[CTL_PATH_PARTS_MAX];
	unsigned nparts;
	const char *cmd;
	struct ctl_arg args[CTL_ARGS_MAX];
	unsigned nargs;
	struct json_t *root; /* owns every string above */
	char path_buf[CTL_ARG_MAX];
	char arg_buf[CTL_ARGS_MAX][CTL_ARG_MAX];
};

/* Parse one request (len bytes, no NUL needed). 0, or -1 with err set. */
int ctl_req_parse(struct ctl_req *r, const char *text, size_t len, char *err, size_t err_len);
void ctl_req_fini(struct ctl_req *r);

enum ctl_action {
	CTL_ERROR = -1,
	CTL_SHOW = 0,    /* answer out, the model unchanged (ls, get) */
	CTL_CHANGED,     /* *model edited: load it, reconfigure, then keep it */
	CTL_SAVE,        /* saveconfig: write the model to *file in *format */
	CTL_RESTORE,     /* restoreconfig: the model from *file in *format */
};

enum ctl_format {
	CTL_FMT_OURS = 0, /* dcfg_json.c */
	CTL_FMT_LIO,      /* targetcli-fb's saveconfig.json */
};

struct ctl_result {
	enum ctl_action action;
	const char *file;        /* CTL_SAVE, CTL_RESTORE: points into the request */
	enum ctl_format format;
	char *out;               /* CTL_SHOW: malloc'd text, the caller frees */
	char err[CTL_ERR_MAX];
};

/* Apply the request to model (our format, edited in place on
 * CTL_CHANGED: give a copy). A refused request (CTL_ERROR) leaves the
 * model as it was. */
void ctl_apply(struct json_t *model, const struct ctl_req *r, struct ctl_result *res);

/* The ls tree of a model, targetcli's way (malloc'd; NULL: out of memory). */
char *ctl_render(struct json_t *model);

#endif
