/* harness ctl: the daemon's control socket requests (daemon/ctl_req.c,
 * ctl_cmd.c, ctl_ls.c) applied to a configuration model, and the model
 * loaded and saved again (dcfg_json.c, dcfg_save.c): everything between
 * the socket's bytes and rt_engine_reconfigure, in process.
 *
 * Input: up to CTL_FZ_REQS requests separated by newlines, each applied
 * to the model the previous ones left (as a control session would), the
 * last one possibly longer than CTL_REQ_MAX.
 *
 * Oracles:
 *  - a request that does not parse gets an error message; one that parses
 *    gets exactly one action, an error with its message, or a result;
 *  - ls renders (CTL_SHOW has text); saveconfig/restoreconfig name a file;
 *  - an edited model that loads and validates (what the daemon hands the
 *    engine) saves (dcfg_to_json) to a tree that loads and validates
 *    again and saves to the same text: saveconfig's round trip;
 *  - saveconfig format=lio of such a model either names what LIO cannot
 *    say, or writes a file our --lio-config loader reads and validates;
 *  - a request that is refused, or shows, leaves the model as it was;
 *  - an edited model that does not load is never kept, the previous one
 *    stays (the daemon's rule), and nothing leaks (LeakSanitizer).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl_req.h"
#include "daemon/dcfg.h"
#include "daemon/dcfg_save.h"
#include "fz.h"

#define CTL_FZ_REQS 8u

static const char base_model[] =
	"{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}],"
	" \"lus\": [{\"name\": \"d0\", \"size\": \"8M\"}, {\"name\": \"d1\", \"size\": \"4M\"}],"
	" \"targets\": [{\"name\": \"iqn.2026-12.org.iscsi-sim:fz\", \"tpgs\": [{\"portals\": [0],"
	"   \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}],"
	"   \"acls\": [{\"initiator\": \"iqn.2026-12.org.iscsi-sim:a\", \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}]}]}]}]}";

static char *dump(json_t *j)
{
	return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
}

/* Load text as the daemon does; 0 and a valid config, or -1. */
static int load(struct dcfg *d, const char *text)
{
	char err[DCFG_ERR_MAX] = "";
	int rc = dcfg_load_json(d, "fz", text, strlen(text), err, sizeof(err));
	if (rc == 0)
		rc = dcfg_derive_ids(d, 1, err, sizeof(err));
	if (rc == 0)
		rc = dcfg_validate(d, err, sizeof(err));
	FZ_CHECK(rc == 0 || err[0] != '\0', "a refused configuration names why");
	return rc;
}

/* saveconfig's round trip on a model the daemon would run. */
static void round_trip(const struct dcfg *d1)
{
	json_t *j2 = dcfg_to_json(d1);
	FZ_CHECK(j2 != NULL, "dcfg_to_json");
	char *t2 = dump(j2);
	struct dcfg d2 = { 0 };
	FZ_CHECK(load(&d2, t2) == 0, "a saved configuration loads again: %s", t2);
	json_t *j3 = dcfg_to_json(&d2);
	char *t3 = dump(j3);
	FZ_CHECK(strcmp(t2, t3) == 0, "saving twice gives the same file:\n%s\n%s", t2, t3);
	free(t3);
	json_decref(j3);
	dcfg_free(&d2);
	free(t2);
	json_decref(j2);
}

/* saveconfig format=lio, read back by dcfg_load_lio. */
static void lio_trip(json_t *model)
{
	char err[CTL_ERR_MAX] = "";
	json_t *lio = ctl_lio_save(model, err, sizeof(err));
	if (lio == NULL) {
		FZ_CHECK(err[0] != '\0', "a refused LIO save names why");
		return;
	}
	char *t = dump(lio);
	struct dcfg d = { 0 };
	char lerr[DCFG_ERR_MAX] = "";
	int rc = dcfg_load_lio(&d, "fz-lio", t, strlen(t), lerr, sizeof(lerr));
	if (rc == 0)
		rc = dcfg_derive_ids(&d, 1, lerr, sizeof(lerr));
	if (rc == 0)
		rc = dcfg_validate(&d, lerr, sizeof(lerr));
	FZ_CHECK(rc == 0, "a written LIO file loads: %s\n%s", lerr, t);
	dcfg_free(&d);
	free(t);
	json_decref(lio);
}

/* One request against *model; the model moves on only if the edit loads. */
static void one(json_t **model, const char *text, size_t len)
{
	struct ctl_req *r = calloc(1, sizeof(*r));
	FZ_CHECK(r != NULL, "calloc");
	char err[CTL_ERR_MAX] = "";
	if (ctl_req_parse(r, text, len, err, sizeof(err)) != 0) {
		FZ_CHECK(err[0] != '\0', "a request refused by the parser has a reason");
		ctl_req_fini(r);
		free(r);
		return;
	}
	json_t *edit = json_deep_copy(*model);
	struct ctl_result res;
	ctl_apply(edit, r, &res);
	/* only an edit changes the model; a refusal leaves it as it was
	 * (ctl_req.h) */
	FZ_CHECK(res.action == CTL_CHANGED || json_equal(edit, *model), "a request that is no edit changed the model");
	switch (res.action) {
	case CTL_ERROR:
		FZ_CHECK(res.err[0] != '\0', "an error has a message");
		break;
	case CTL_SHOW:
		FZ_CHECK(res.out != NULL || strcmp(r->cmd, "ls") != 0, "ls renders");
		break;
	case CTL_SAVE:
	case CTL_RESTORE:
		FZ_CHECK(res.file != NULL, "saveconfig/restoreconfig name a file");
		break;
	case CTL_CHANGED: {
		FZ_CHECK(json_is_object(edit), "the model stays an object");
		char *t = dump(edit);
		struct dcfg d = { 0 };
		if (t != NULL && load(&d, t) == 0) {
			round_trip(&d);
			lio_trip(edit);
			json_decref(*model);
			*model = edit;
			edit = NULL;
		}
		dcfg_free(&d);
		free(t);
		break;
	}
	default:
		FZ_CHECK(0, "action %d is none of ctl_action", (int)res.action);
	}
	free(res.out);
	json_decref(edit);
	ctl_req_fini(r);
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *model = json_loads(base_model, 0, NULL);
	FZ_CHECK(model != NULL, "the base model parses");
	const char *p = (const char *)data, *end = p + size;
	for (unsigned n = 0; p < end && n < CTL_FZ_REQS; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		one(&model, p, len);
		p += len + (nl != NULL);
	}
	json_decref(model);
	return 0;
}
