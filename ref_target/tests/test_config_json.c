/* Tests of the daemon's JSON configuration (daemon/dcfg_json.c), the key
 * path locator (daemon/dcfg_locate.c) and cfg_validate as the daemon
 * reports it: every refused config must name the right line, the right key
 * path, and why.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/dcfg.h"
#include "daemon/dcfg_locate.h"

/* One line each, so expected line numbers can be counted by eye. */
#define OPEN "{\n"                                                                  /* 1 */
#define PORTALS " \"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}, {\"address\": \"[::1]\"}],\n"
#define LUS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"s0\"}],\n"
#define TPG_BODY "\"portals\": [0], \"open_access\": true, \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}]"
#define TARGET(body) " \"targets\": [{\"name\": \"iqn.2026-11.org.iscsi-sim:t0\", \"tpgs\": [{" body "}]}]"
#define TARGETS TARGET(TPG_BODY) "\n"
#define CLOSE "}\n"

/* Load and validate; returns the message, "" if accepted. */
static const char *load(const char *text, struct dcfg *d)
{
	static char err[DCFG_ERR_MAX];
	memset(d, 0, sizeof(*d));
	err[0] = '\0';
	if (dcfg_load_json(d, "config.json", text, strlen(text), err, sizeof(err)) == 0 &&
	    dcfg_derive_ids(d, 42, err, sizeof(err)) == 0)
		dcfg_validate(d, err, sizeof(err));
	return err;
}

/* An rbd LU's ALUA follows the lock for this gateway's group: a portal
 * group of that tag must map the LU (its size is the image's, filled in
 * at open: set here as open would). */
START_TEST(config_rbd_alua_group_must_be_a_portal_group_of_the_lu)
{
	static const char text[] = OPEN PORTALS
		" \"lus\": [{\"name\": \"d0\", \"backstore\": \"rbd\",\n"
		"  \"rbd\": {\"pool\": \"p\", \"image\": \"i\", \"alua_group\": %u}}],\n" TARGETS CLOSE;
	static const char *const want[] = { "", "config.json:4: lus[0].rbd.alua_group: no portal group with tag 2 maps this LU" };
	for (unsigned group = 1; group <= 2; group++) {
		char buf[1024], err[DCFG_ERR_MAX] = "";
		snprintf(buf, sizeof(buf), text, group);
		struct dcfg d;
		memset(&d, 0, sizeof(d));
		ck_assert_int_eq(dcfg_load_json(&d, "config.json", buf, strlen(buf), err, sizeof(err)), 0);
		d.lus[0].blocks = 2048;
		ck_assert_int_eq(dcfg_derive_ids(&d, 42, err, sizeof(err)), 0);
		ck_assert_int_eq(dcfg_validate(&d, err, sizeof(err)), group == 1 ? 0 : -1);
		ck_assert_str_eq(group == 1 ? "" : err, want[group - 1]);
		dcfg_free(&d);
	}
}
END_TEST

START_TEST(config_good_file_is_accepted)
{
	struct dcfg d;
	const char *err = load(OPEN PORTALS LUS TARGETS CLOSE, &d);
	ck_assert_str_eq(err, "");
	dcfg_free(&d);
}
END_TEST

struct bad_case {
	const char *name;
	const char *text;
	const char *want_where; /* "config.json:LINE: path: " */
	const char *want_why;   /* a substring of the reason */
};

static const struct bad_case bad_cases[] = {
	{ "syntax error names jansson's line", OPEN PORTALS LUS " \"targets\": [,]\n" CLOSE,
	  "config.json:4: ", "unexpected token" },
	{ "duplicate key", OPEN PORTALS PORTALS LUS TARGETS CLOSE, "config.json:3: ", "duplicate" },
	{ "root not an object", "[1, 2]\n", "config.json:1: (top level): ", "must be an object" },
	{ "unknown top-level key", OPEN PORTALS LUS TARGETS ",\n \"tragets\": []\n" CLOSE,
	  "config.json:6: tragets: ", "unknown key" },
	{ "missing portals", OPEN LUS TARGETS CLOSE, "config.json:1: (top level): ",
	  "missing required key 'portals'" },
	{ "missing targets", OPEN " \"portals\": [{\"address\": \"127.0.0.1\"}]\n" CLOSE,
	  "config.json:1: (top level): ", "missing required key 'targets'" },
	{ "portals not an array", OPEN " \"portals\": {},\n" LUS TARGETS CLOSE, "config.json:2: portals: ",
	  "must be an array, not an object" },
	{ "portal not an object", OPEN " \"portals\": [\"127.0.0.1\"],\n" LUS TARGETS CLOSE,
	  "config.json:2: portals[0]: ", "must be an object, not a string" },
	{ "portal unknown key", OPEN " \"portals\": [{\"address\": \"127.0.0.1\",\n \"prot\": 1}],\n" LUS TARGETS CLOSE,
	  "config.json:3: portals[0].prot: ", "known here: address, port" },
	{ "portal without address", OPEN " \"portals\": [{\"port\": 3260}],\n" LUS TARGETS CLOSE,
	  "config.json:2: portals[0]: ", "missing required key 'address'" },
	{ "port out of range", OPEN " \"portals\": [{\"address\": \"127.0.0.1\", \"port\": 70000}],\n" LUS TARGETS CLOSE,
	  "config.json:2: portals[0].port: ", "0..65535" },
	{ "port zero", OPEN " \"portals\": [{\"address\": \"127.0.0.1\", \"port\": 0}],\n" LUS TARGETS CLOSE,
	  "config.json:2: portals[0].port: ", "1..65535" },
	{ "port as string", OPEN " \"portals\": [{\"address\": \"127.0.0.1\", \"port\": \"3260\"}],\n" LUS TARGETS CLOSE,
	  "config.json:2: portals[0].port: ", "not a string" },
	{ "address not literal", OPEN " \"portals\": [{\"address\": \"localhost\"}],\n" LUS TARGETS CLOSE,
	  "config.json:2: portals[0].address: ", "not an IPv4 address" },
	{ "IPv6 without brackets", OPEN " \"portals\": [{\"address\": \"::1\"}],\n" LUS TARGETS CLOSE,
	  "config.json:2: portals[0].address: ", "bracketed IPv6" },
	{ "duplicate portal", OPEN " \"portals\": [{\"address\": \"127.0.0.1\"},\n {\"address\": \"127.0.0.1\"}],\n" LUS TARGETS CLOSE,
	  "config.json:3: portals[1].port: ", "also portals[0]" },
	{ "no portals", OPEN " \"portals\": [],\n" LUS TARGETS CLOSE, "config.json:2: portals: ",
	  "at least one portal" },
	{ "tpg names a portal that does not exist",
	  OPEN PORTALS LUS
	  " \"targets\": [{\"name\": \"iqn.2026-11.org.iscsi-sim:t0\",\n"
	  "  \"tpgs\": [{\n"
	  "   \"open_access\": true,\n"
	  "   \"portals\": [0,\n"
	  "                 2]}]}]\n" CLOSE,
	  "config.json:8: targets[0].tpgs[0].portals[1]: ", "no such portal (2 defined)" },
	{ "tpg portal negative", OPEN PORTALS LUS TARGET("\"portals\": [-1], \"open_access\": true") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].portals[0]: ", "must be an integer 0..4294967295" },
	{ "tpg portal listed twice", OPEN PORTALS LUS TARGET("\"portals\": [1, 1], \"open_access\": true") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].portals[1]: ", "listed twice" },
	{ "tpg without portals", OPEN PORTALS LUS TARGET("\"portals\": [], \"open_access\": true") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].portals: ", "at least one portal" },
	{ "portal in two groups of a target",
	  OPEN PORTALS LUS
	  " \"targets\": [{\"name\": \"iqn.2026-11.org.iscsi-sim:t0\", \"tpgs\": [\n"
	  "  {\"portals\": [0, 1], \"open_access\": true},\n"
	  "  {\"portals\": [1], \"open_access\": true}]}]\n" CLOSE,
	  "config.json:6: targets[0].tpgs[1].portals[0]: ", "one portal group" },
	{ "duplicate tpg tag",
	  OPEN PORTALS LUS
	  " \"targets\": [{\"name\": \"iqn.2026-11.org.iscsi-sim:t0\", \"tpgs\": [\n"
	  "  {\"tag\": 7, \"portals\": [0], \"open_access\": true},\n"
	  "  {\"tag\": 7, \"portals\": [1], \"open_access\": true}]}]\n" CLOSE,
	  "config.json:6: targets[0].tpgs[1].tag: ", "tag 7 is also targets[0].tpgs[0]" },
	{ "two portal groups with one relative port (SPC-4 §7.8.6.7)",
	  OPEN PORTALS LUS
	  " \"targets\": [{\"name\": \"iqn.2026-11.org.iscsi-sim:t0\", \"tpgs\": [\n"
	  "  {\"portals\": [0], \"open_access\": true},\n"
	  "  {\"relative_port\": 1, \"portals\": [1], \"open_access\": true}]}]\n" CLOSE,
	  "config.json:6: targets[0].tpgs[1].relative_port: ", "relative port 1 is also targets[0].tpgs[0]'s" },
	{ "tpg unknown key", OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_acess\": true") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].open_acess: ", "unknown key" },
	{ "open_access not a boolean", OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_access\": 1") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].open_access: ", "must be a boolean, not an integer" },
	{ "acl target_reset not a boolean",
	  OPEN PORTALS LUS TARGET("\"portals\": [0], \"acls\": [{\"initiator\": \"iqn.2026-11.org.sim:i\", \"target_reset\": \"yes\"}]") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].acls[0].target_reset: ", "must be a boolean" },
	{ "tpg target_reset not a boolean", OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_access\": true, \"target_reset\": 1") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].target_reset: ", "must be a boolean" },
	{ "tpg nobody can enter", OPEN PORTALS LUS TARGET("\"portals\": [0]") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0]: ", "no initiator can log in" },
	{ "missing target name", OPEN PORTALS LUS " \"targets\": [{\"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:4: targets[0]: ", "missing required key 'name'" },
	{ "target name malformed", OPEN PORTALS LUS " \"targets\": [{\"name\": \"iqn.2026.x\", \"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:4: targets[0].name: ", "iqn.yyyy-mm" },
	{ "target name uppercase", OPEN PORTALS LUS " \"targets\": [{\"name\": \"iqn.2026-11.org.Sim:t\", \"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:4: targets[0].name: ", "a-z 0-9" },
	{ "target name bad month", OPEN PORTALS LUS " \"targets\": [{\"name\": \"iqn.2026-13.org.sim\", \"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:4: targets[0].name: ", "month" },
	{ "eui name of wrong length", OPEN PORTALS LUS " \"targets\": [{\"name\": \"eui.0123\", \"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:4: targets[0].name: ", "16 hex digits" },
	{ "naa name with non-hex", OPEN PORTALS LUS " \"targets\": [{\"name\": \"naa.0123456789abcdeg\", \"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:4: targets[0].name: ", "16 or 32 hex digits" },
	{ "unknown name type", OPEN PORTALS LUS " \"targets\": [{\"name\": \"disk0\", \"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:4: targets[0].name: ", "must start with iqn., eui. or naa." },
	{ "duplicate target name",
	  OPEN PORTALS LUS
	  " \"targets\": [{\"name\": \"iqn.2026-11.org.sim:a\", \"tpgs\": [{" TPG_BODY "}]},\n"
	  "  {\"name\": \"iqn.2026-11.org.sim:a\", \"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:5: targets[1].name: ", "also targets[0]" },
	{ "target without tpgs", OPEN PORTALS LUS " \"targets\": [{\"name\": \"iqn.2026-11.org.sim:a\"}]\n" CLOSE,
	  "config.json:4: targets[0]: ", "missing required key 'tpgs'" },
	{ "target with empty tpgs", OPEN PORTALS LUS " \"targets\": [{\"name\": \"iqn.2026-11.org.sim:a\", \"tpgs\": []}]\n" CLOSE,
	  "config.json:4: targets[0].tpgs: ", "at least one portal group" },
	{ "alias with newline", OPEN PORTALS LUS " \"targets\": [{\"name\": \"iqn.2026-11.org.sim:a\", \"alias\": \"a\\nb\", \"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:4: targets[0].alias: ", "printable" },
	{ "no targets", OPEN PORTALS LUS " \"targets\": []\n" CLOSE, "config.json:4: targets: ",
	  "at least one target" },
	{ "lun names an unknown lu", OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_access\": true,\n \"luns\": [{\"lun\": 0, \"lu\": \"d9\"}]") "\n" CLOSE,
	  "config.json:5: targets[0].tpgs[0].luns[0].lu: ", "no LU named 'd9'" },
	{ "lun number twice",
	  OPEN PORTALS
	  " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"s0\"}, {\"name\": \"d1\", \"size\": 4096, \"serial\": \"s1\"}],\n"
	  TARGET("\"portals\": [0], \"open_access\": true, \"luns\": [\n {\"lun\": 3, \"lu\": \"d0\"},\n {\"lun\": 3, \"lu\": \"d1\"}]") "\n" CLOSE,
	  "config.json:6: targets[0].tpgs[0].luns[1].lun: ", "LUN 3 is also targets[0].tpgs[0].luns[0]" },
	{ "lun number too large", OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_access\": true, \"luns\": [{\"lun\": 16384, \"lu\": \"d0\"}]") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].luns[0].lun: ", "above 16383" },
	{ "lun without lu", OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_access\": true, \"luns\": [{\"lun\": 1}]") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].luns[0]: ", "missing required key 'lu'" },
	{ "lun unknown key", OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_access\": true, \"luns\": [{\"lun\": 1, \"lu\": \"d0\", \"ro\": true}]") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].luns[0].ro: ", "known here: lun, lu, read_only" },
	{ "short CHAP secret", OPEN PORTALS LUS TARGET(TPG_BODY ",\n \"auth\": {\"chap\": {\"user\": \"u\", \"secret\": \"short\"}}") "\n" CLOSE,
	  "config.json:5: targets[0].tpgs[0].auth.chap.secret: ", "12..255" },
	{ "CHAP without secret", OPEN PORTALS LUS TARGET(TPG_BODY ", \"auth\": {\"chap\": {\"user\": \"u\"}}") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].auth.chap: ", "missing required key 'secret'" },
	{ "mutual CHAP without CHAP", OPEN PORTALS LUS TARGET(TPG_BODY ", \"auth\": {\"mutual_chap\": {\"user\": \"t\", \"secret\": \"0123456789abc\"}}") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].auth.mutual_chap: ", "needs chap" },
	{ "mutual CHAP reuses the secret",
	  OPEN PORTALS LUS
	  TARGET(TPG_BODY ", \"auth\": {\n"
		 "  \"chap\": {\"user\": \"u\", \"secret\": \"0123456789abc\"},\n"
		 "  \"mutual_chap\": {\"user\": \"t\", \"secret\": \"0123456789abc\"}}") "\n" CLOSE,
	  "config.json:6: targets[0].tpgs[0].auth.mutual_chap: ", "MUST NOT" },
	{ "auth unknown key", OPEN PORTALS LUS TARGET(TPG_BODY ", \"auth\": {\"chapp\": {}}") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].auth.chapp: ", "known here: chap, mutual_chap" },
	{ "acl initiator malformed",
	  OPEN PORTALS LUS
	  TARGET("\"portals\": [0], \"acls\": [\n  {\"initiator\": \"iqn.1993-08.org.debian:01:a\"},\n  {\"initiator\": \"bob\"}]") "\n" CLOSE,
	  "config.json:6: targets[0].tpgs[0].acls[1].initiator: ", "iqn., eui. or naa." },
	{ "acl twice",
	  OPEN PORTALS LUS
	  TARGET("\"portals\": [0], \"acls\": [\n  {\"initiator\": \"iqn.1993-08.org.debian:01:a\"},\n  {\"initiator\": \"iqn.1993-08.org.debian:01:a\"}]") "\n" CLOSE,
	  "config.json:6: targets[0].tpgs[0].acls[1].initiator: ", "also targets[0].tpgs[0].acls[0]" },
	{ "acl lun to unknown lu",
	  OPEN PORTALS LUS
	  TARGET("\"portals\": [0], \"acls\": [{\"initiator\": \"iqn.1993-08.org.debian:01:a\",\n  \"luns\": [{\"lun\": 0, \"lu\": \"nope\"}]}]") "\n" CLOSE,
	  "config.json:5: targets[0].tpgs[0].acls[0].luns[0].lu: ", "no LU named 'nope'" },
	{ "acl CHAP secret too short",
	  OPEN PORTALS LUS
	  TARGET("\"portals\": [0], \"acls\": [{\"initiator\": \"iqn.1993-08.org.debian:01:a\",\n  \"auth\": {\"chap\": {\"user\": \"u\", \"secret\": \"x\"}}}]") "\n" CLOSE,
	  "config.json:5: targets[0].tpgs[0].acls[0].auth.chap.secret: ", "RFC 7143 §12.1.3" },
	{ "redirect kind unknown", OPEN PORTALS LUS TARGET(TPG_BODY ", \"redirect\": \"sometimes\"") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].redirect: ", "not none, temporary or permanent" },
	{ "redirect without address", OPEN PORTALS LUS TARGET("\"portals\": [0], \"redirect\": \"temporary\"") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].redirect_address: ", "missing" },
	{ "redirect address without redirect", OPEN PORTALS LUS TARGET(TPG_BODY ",\n \"redirect_address\": \"10.0.0.2:3260,1\"") "\n" CLOSE,
	  "config.json:5: targets[0].tpgs[0].redirect_address: ", "redirect is none" },
	{ "lu without name", OPEN PORTALS " \"lus\": [{\"size\": \"1M\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0]: ", "missing required key 'name'" },
	{ "ram lu without size", OPEN PORTALS " \"lus\": [{\"name\": \"d0\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0]: ", "a ram backstore needs one" },
	{ "ram lu with path", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"path\": \"/x\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].path: ", "ram backstore has no path" },
	{ "file lu without path", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"backstore\": \"file\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0]: ", "missing required key 'path'" },
	{ "unknown backstore", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"backstore\": \"nvme\", \"size\": 512}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].backstore: ", "'nvme' is not ram, file, block or rbd" },
	{ "size not a size", OPEN PORTALS " \"lus\": [{\"name\": \"d0\",\n \"size\": \"1X\"}],\n" TARGETS CLOSE,
	  "config.json:4: lus[0].size: ", "K, M, G, T or P" },
	{ "size not a multiple of the block", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": 1000}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].size: ", "1000 bytes is not a multiple of block_size 512" },
	{ "block size 1024", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"s\",\n \"block_size\": 1024}],\n" TARGETS CLOSE,
	  "config.json:4: lus[0].block_size: ", "512 or 4096" },
	{ "unknown lu flag", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"flags\": [\"thin\",\n \"fast\"]}],\n" TARGETS CLOSE,
	  "config.json:4: lus[0].flags[1]: ", "not a flag (thin, lbprz, removable, read_only, sanitize, wce, atomic)" },
	{ "lbprz without thin", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"s\", \"flags\": [\"lbprz\"]}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].flags: ", "lbprz needs thin" },
	{ "duplicate lu name",
	  OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"a\"},\n {\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"b\"}],\n" TARGETS CLOSE,
	  "config.json:4: lus[1].name: ", "also lus[0]" },
	{ "duplicate serial",
	  OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"a\"},\n {\"name\": \"d1\", \"size\": \"1M\",\n  \"serial\": \"a\"}],\n" TARGETS CLOSE,
	  "config.json:5: lus[1].serial: ", "serials identify LUs" },
	{ "vendor too long", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"a\", \"vendor\": \"ABCDEFGHI\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].vendor: ", "at most 8" },
	{ "product too long", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"a\", \"product\": \"0123456789abcdefg\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].product: ", "at most 16" },
	{ "naa id too wide", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"a\", \"naa_id\": \"0x1000000000\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].naa_id: ", "36 bits" },
	{ "naa id negative hex", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"naa_id\": \"0x-1\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].naa_id: ", "hex string" },
	{ "lu unknown key", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"blocksize\": 512}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].blocksize: ", "known here: name, backstore, path, size, block_size" },
	{ "revision too long", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\",\n \"revision\": \"12345\"}],\n" TARGETS CLOSE,
	  "config.json:4: lus[0].revision: ", "1..4 printable ASCII characters" },
	{ "revision empty", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"revision\": \"\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].revision: ", "1..4 printable" },
	{ "revision with a control character", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"revision\": \"a\\tb\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].revision: ", "printable" },
	{ "revision not a string", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"revision\": 1}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].revision: ", "must be a string, not an integer" },
	{ "lbppbe above the 4-bit field", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\",\n \"lbppbe\": 16}],\n" TARGETS CLOSE,
	  "config.json:4: lus[0].lbppbe: ", "0..15, not out of range" },
	{ "lbppbe as string", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"lbppbe\": \"3\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].lbppbe: ", "0..15, not a string" },
	{ "alua not an array", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua\": {}}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].alua: ", "must be an array, not an object" },
	{ "alua entry without tpg", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\",\n \"alua\": [{\"state\": \"standby\"}]}],\n" TARGETS CLOSE,
	  "config.json:4: lus[0].alua[0]: ", "missing required key 'tpg'" },
	{ "alua tpg above 16 bits", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua\": [{\"tpg\": 65536}]}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].alua[0].tpg: ", "0..65535" },
	{ "alua unknown state", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua\": [\n  {\"tpg\": 1, \"state\": \"offline\"}]}],\n" TARGETS CLOSE,
	  "config.json:4: lus[0].alua[0].state: ",
	  "not an ALUA state (active_optimized, active_nonoptimized, standby, unavailable, transitioning)" },
	{ "alua state not a string", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua\": [{\"tpg\": 1, \"state\": 2}]}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].alua[0].state: ", "must be a string, not an integer" },
	{ "alua preferred not a boolean", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua\": [{\"tpg\": 1, \"preferred\": \"yes\"}]}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].alua[0].preferred: ", "must be a boolean" },
	{ "alua unknown key", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua\": [{\"tpg\": 1, \"pref\": true}]}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].alua[0].pref: ", "known here: tpg, state, preferred" },
	{ "alua names a portal group that does not exist",
	  OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua\": [\n  {\"tpg\": 1},\n  {\"tpg\": 9}]}],\n" TARGETS CLOSE,
	  "config.json:5: lus[0].alua[1].tpg: ", "no portal group with tag 9 maps this LU" },
	{ "alua names a portal group that does not map the LU",
	  OPEN PORTALS
	  " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"a\"},\n"
	  "  {\"name\": \"d1\", \"size\": \"1M\", \"serial\": \"b\", \"alua\": [{\"tpg\": 1}]}],\n" TARGETS CLOSE,
	  "config.json:4: lus[1].alua[0].tpg: ", "no portal group with tag 1 maps this LU" },
	{ "alua lists a group twice",
	  OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua\": [{\"tpg\": 1},\n  {\"tpg\": 1, \"state\": \"standby\"}]}],\n" TARGETS CLOSE,
	  "config.json:4: lus[0].alua[1].tpg: ", "tag 1 is also lus[0].alua[0]" },
	{ "alua mode unknown", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\",\n \"alua_modes\": [\"explicit\", \"automatic\"]}],\n" TARGETS CLOSE,
	  "config.json:4: lus[0].alua_modes[1]: ", "not an ALUA mode (implicit, explicit)" },
	{ "alua modes not an array", OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua_modes\": \"implicit\"}],\n" TARGETS CLOSE,
	  "config.json:3: lus[0].alua_modes: ", "must be an array, not a string" },
	{ "params unknown key", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"max_burst\": 1}\n" CLOSE,
	  "config.json:6: params.max_burst: ", "unknown key" },
	{ "params not an object", OPEN PORTALS LUS TARGETS ",\n \"params\": 3\n" CLOSE,
	  "config.json:6: params: ", "must be an object, not an integer" },
	{ "mrdsl too small", OPEN PORTALS LUS TARGETS ",\n \"params\": {\n  \"max_recv_data_segment_length\": 511}\n" CLOSE,
	  "config.json:7: params.max_recv_data_segment_length: ", "outside 512..16777215" },
	{ "first burst above max burst", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"max_burst_length\": 4096,\n  \"first_burst_length\": 8192}\n" CLOSE,
	  "config.json:7: params.first_burst_length: ", "at most max_burst_length" },
	{ "error recovery level 3", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"error_recovery_level\": 3}\n" CLOSE,
	  "config.json:6: params.error_recovery_level: ", "outside 0..2" },
	{ "time2wait above 3600", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"default_time2wait\": 3601}\n" CLOSE,
	  "config.json:6: params.default_time2wait: ", "RFC 7143 §13.15" },
	{ "max connections zero", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"max_connections\": 0}\n" CLOSE,
	  "config.json:6: params.max_connections: ", "outside 1..65535" },
	{ "cmd window too deep", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"cmd_window\": 100000}\n" CLOSE,
	  "config.json:6: params.cmd_window: ", "outside 1..512" },
	{ "prelogin timeout above the login timeout", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"login_timeout_ms\": 2000,\n  \"prelogin_timeout_ms\": 2500}\n" CLOSE,
	  "config.json:7: params.prelogin_timeout_ms: ", "outside 1..2000" },
	{ "logins per source above connections per source", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"max_conns_per_source\": 8,\n  \"max_login_conns_per_source\": 9}\n" CLOSE,
	  "config.json:7: params.max_login_conns_per_source: ", "at most max_conns_per_source" },
	{ "every connection slot reserved", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"reserved_session_conns\": 1024}\n" CLOSE,
	  "config.json:6: params.reserved_session_conns: ", "outside 0..1023" },
	{ "a rate without a burst", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"login_rate_per_source\": 5,\n  \"login_burst_per_source\": 0}\n" CLOSE,
	  "config.json:7: params.login_burst_per_source: ", "at least one" },
	{ "session quota zero", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"max_sessions_per_initiator\": 0}\n" CLOSE,
	  "config.json:6: params.max_sessions_per_initiator: ", "outside 1..512" },
	{ "source session quota above the table", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"max_sessions_per_source\": 513}\n" CLOSE,
	  "config.json:6: params.max_sessions_per_source: ", "outside 1..512" },
	{ "boolean param as string", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"initial_r2t\": \"Yes\"}\n" CLOSE,
	  "config.json:6: params.initial_r2t: ", "must be a boolean, not a string" },
	{ "param above 32 bits", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"max_burst_length\": 4294967296}\n" CLOSE,
	  "config.json:6: params.max_burst_length: ", "0..4294967295" },
	{ "ping without deadline", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"nop_in_interval_ms\": 1000, \"nop_in_timeout_ms\": 0}\n" CLOSE,
	  "config.json:6: params.nop_in_timeout_ms: ", "deadline" },
	{ "memory budget not a size", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"mem_budget_bytes\": \"lots\"}\n" CLOSE,
	  "config.json:6: params.mem_budget_bytes: ", "must be bytes, or a number with K, M, G, T or P" },
	{ "memory budget too small", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"mem_budget_bytes\": \"1M\"}\n" CLOSE,
	  "config.json:6: params.mem_budget_bytes: ", "1048576 is outside 16777216..1099511627776" },
	{ "session share above the budget", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"mem_budget_bytes\": \"64M\",\n  \"session_mem_max_bytes\": \"128M\"}\n" CLOSE,
	  "config.json:7: params.session_mem_max_bytes: ", "at most mem_budget_bytes" },
	{ "session minimum above its share", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"session_mem_max_bytes\": \"4M\"}\n" CLOSE,
	  "config.json:6: params.session_mem_min_bytes: ", "at most session_mem_max_bytes" },
	{ "unsent bound too small", OPEN PORTALS LUS TARGETS ",\n \"params\": {\"conn_unsent_max_bytes\": 4096}\n" CLOSE,
	  "config.json:6: params.conn_unsent_max_bytes: ", "at least 64 KiB" },
	{ "discovery auth short secret", OPEN PORTALS LUS TARGETS ",\n \"discovery_auth\": {\"chap\":\n  {\"user\": \"u\", \"secret\": \"s\"}}\n" CLOSE,
	  "config.json:7: discovery_auth.chap.secret: ", "12..255" },
};

START_TEST(config_bad_file_names_line_key_and_reason)
{
	const struct bad_case *c = &bad_cases[_i];
	struct dcfg d;
	const char *err = load(c->text, &d);
	ck_assert_msg(strncmp(err, c->want_where, strlen(c->want_where)) == 0 && strstr(err, c->want_why),
		      "case '%s': got \"%s\", want \"%s...%s...\"", c->name, err, c->want_where, c->want_why);
	dcfg_free(&d);
}
END_TEST

START_TEST(config_good_file_fills_every_field)
{
	static const char text[] =
		"{\n"
		" \"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3261}, {\"address\": \"[::1]\"}],\n"
		" \"lus\": [\n"
		"  {\"name\": \"r\", \"size\": \"1G\", \"flags\": [\"thin\", \"lbprz\", \"wce\", \"atomic\"],\n"
		"   \"serial\": \"s-r\", \"vendor\": \"ACME\", \"product\": \"DISK\", \"revision\": \"R2\",\n"
		"   \"lbppbe\": 3, \"alua_modes\": [\"explicit\"],\n"
		"   \"alua\": [{\"tpg\": 5, \"state\": \"standby\", \"preferred\": true}]},\n"
		"  {\"name\": \"f\", \"backstore\": \"file\", \"path\": \"/tmp/f.img\", \"block_size\": 4096,\n"
		"   \"flags\": [\"removable\", \"read_only\", \"sanitize\"], \"naa_id\": \"0xabc\"}],\n"
		" \"targets\": [{\"name\": \"iqn.2026-11.org.sim:a\", \"alias\": \"A\", \"tpgs\": [\n"
		"  {\"tag\": 5, \"portals\": [1, 0], \"open_access\": true, \"target_reset\": true,\n"
		"   \"auth\": {\"chap\": {\"user\": \"u\", \"secret\": \"0123456789ab\"},\n"
		"            \"mutual_chap\": {\"user\": \"t\", \"secret\": \"ba9876543210\"}},\n"
		"   \"luns\": [{\"lun\": 0, \"lu\": \"r\"}, {\"lun\": 7, \"lu\": \"f\", \"read_only\": true}],\n"
		"   \"acls\": [{\"initiator\": \"iqn.1993-08.org.debian:01:x\", \"luns\": [{\"lun\": 3, \"lu\": \"f\"}],\n"
		"             \"target_reset\": true}]},\n"
		"  {\"portals\": [], \"redirect\": \"permanent\", \"redirect_address\": \"10.0.0.2:3260,1\"}]}],\n"
		" \"discovery_auth\": {\"chap\": {\"user\": \"d\", \"secret\": \"discovery-secret\"}},\n"
		" \"params\": {\"max_recv_data_segment_length\": 262144, \"max_burst_length\": 1048576,\n"
		"   \"first_burst_length\": 262144, \"max_outstanding_r2t\": 4, \"max_connections\": 2,\n"
		"   \"default_time2wait\": 0, \"default_time2retain\": 0, \"error_recovery_level\": 2,\n"
		"   \"initial_r2t\": false, \"immediate_data\": false, \"data_pdu_in_order\": false,\n"
		"   \"data_sequence_in_order\": false, \"header_digest\": true, \"data_digest\": true,\n"
		"   \"cmd_window\": 32, \"nop_in_interval_ms\": 0, \"nop_in_timeout_ms\": 0,\n"
		"   \"login_timeout_ms\": 1000, \"logout_timeout_ms\": 2000}\n"
		"}\n";
	struct dcfg d = { 0 };
	char err[DCFG_ERR_MAX] = "";
	ck_assert_msg(dcfg_load_json(&d, "c.json", text, sizeof(text) - 1, err, sizeof(err)) == 0, "%s", err);
	const struct rt_config *c = &d.cfg;
	ck_assert_uint_eq(c->portal_count, 2);
	ck_assert_str_eq(c->portals[0].address, "127.0.0.1");
	ck_assert_uint_eq(c->portals[0].port, 3261);
	ck_assert_str_eq(c->portals[1].address, "[::1]");
	ck_assert_uint_eq(c->portals[1].port, 3260);

	ck_assert_uint_eq(c->lu_count, 2);
	ck_assert_str_eq(c->lus[0].name, "r");
	ck_assert_uint_eq(c->lus[0].blocks, (1ull << 30) / 512);
	ck_assert_uint_eq(c->lus[0].block_size, 512);
	ck_assert_uint_eq(c->lus[0].flags, RT_LU_THIN | RT_LU_LBPRZ | RT_LU_WCE | RT_LU_ATOMIC);
	ck_assert_str_eq(c->lus[0].serial, "s-r");
	ck_assert_str_eq(c->lus[0].vendor, "ACME");
	ck_assert_str_eq(c->lus[0].product, "DISK");
	ck_assert_str_eq(c->lus[0].revision, "R2");
	ck_assert_uint_eq(c->lus[0].lbppbe, 3);
	ck_assert_uint_eq(c->lus[0].alua_modes, RT_ALUA_EXPLICIT);
	ck_assert_uint_eq(c->lus[0].alua_count, 1);
	ck_assert_uint_eq(c->lus[0].alua[0].tpg_tag, 5);
	ck_assert_uint_eq(c->lus[0].alua[0].state, RT_ALUA_STANDBY);
	ck_assert(c->lus[0].alua[0].preferred);
	ck_assert_str_eq(d.stores[0].backstore, "ram");
	ck_assert_ptr_null(d.stores[0].path);
	ck_assert(d.stores[0].serial_given);
	ck_assert_uint_eq(c->lus[1].blocks, 0); /* the file's size, at open */
	ck_assert_uint_eq(c->lus[1].block_size, 4096);
	ck_assert_uint_eq(c->lus[1].flags, RT_LU_REMOVABLE | RT_LU_READ_ONLY | RT_LU_SANITIZE);
	ck_assert_uint_eq(c->lus[1].naa_id, 0xabc);
	ck_assert_ptr_null(c->lus[1].revision);
	ck_assert_uint_eq(c->lus[1].lbppbe, 0);
	ck_assert_uint_eq(c->lus[1].alua_count, 0);
	ck_assert_uint_eq(c->lus[1].alua_modes, RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT);
	ck_assert_ptr_null(c->lus[1].serial);
	ck_assert(!d.stores[1].serial_given);
	ck_assert_str_eq(d.stores[1].backstore, "file");
	ck_assert_str_eq(d.stores[1].path, "/tmp/f.img");
	ck_assert_uint_eq(d.stores[1].size_bytes, 0);

	ck_assert_uint_eq(c->target_count, 1);
	const struct rt_target_cfg *t = &c->targets[0];
	ck_assert_str_eq(t->name, "iqn.2026-11.org.sim:a");
	ck_assert_str_eq(t->alias, "A");
	ck_assert_uint_eq(t->tpg_count, 2);
	const struct rt_tpg_cfg *g = &t->tpgs[0];
	ck_assert_uint_eq(g->tag, 5);
	ck_assert_uint_eq(g->portal_count, 2);
	ck_assert_uint_eq(g->portals[0], 1);
	ck_assert_uint_eq(g->portals[1], 0);
	ck_assert(g->open_access);
	ck_assert_str_eq(g->auth.in.user, "u");
	ck_assert_str_eq(g->auth.in.secret, "0123456789ab");
	ck_assert_str_eq(g->auth.out.user, "t");
	ck_assert_str_eq(g->auth.out.secret, "ba9876543210");
	ck_assert_uint_eq(g->lun_count, 2);
	ck_assert_uint_eq(g->luns[1].lun, 7);
	ck_assert_uint_eq(g->luns[1].lu, 1);
	ck_assert(g->luns[1].read_only);
	ck_assert(!g->luns[0].read_only);
	ck_assert_uint_eq(g->acl_count, 1);
	ck_assert_str_eq(g->acls[0].initiator, "iqn.1993-08.org.debian:01:x");
	ck_assert_ptr_null(g->acls[0].auth.in.user);
	ck_assert_uint_eq(g->acls[0].lun_count, 1);
	ck_assert_uint_eq(g->acls[0].luns[0].lun, 3);
	ck_assert(g->target_reset && g->acls[0].target_reset);
	ck_assert(!t->tpgs[1].target_reset); /* default: target resets refused */
	ck_assert_uint_eq(g->redirect, RT_REDIRECT_NONE);
	ck_assert_uint_eq(t->tpgs[1].tag, 2); /* position + 1 */
	ck_assert_uint_eq(t->tpgs[1].redirect, RT_REDIRECT_PERMANENT);
	ck_assert_str_eq(t->tpgs[1].redirect_address, "10.0.0.2:3260,1");

	ck_assert_str_eq(c->discovery_auth.in.user, "d");
	const struct rt_params_cfg *p = &c->params;
	ck_assert_uint_eq(p->max_recv_data_segment_length, 262144);
	ck_assert_uint_eq(p->max_burst_length, 1048576);
	ck_assert_uint_eq(p->first_burst_length, 262144);
	ck_assert_uint_eq(p->max_outstanding_r2t, 4);
	ck_assert_uint_eq(p->max_connections, 2);
	ck_assert_uint_eq(p->default_time2wait, 0);
	ck_assert_uint_eq(p->default_time2retain, 0);
	ck_assert_uint_eq(p->error_recovery_level, 2);
	ck_assert(!p->initial_r2t && !p->immediate_data && !p->data_pdu_in_order &&
		  !p->data_sequence_in_order);
	ck_assert(p->header_digest && p->data_digest);
	ck_assert_uint_eq(p->cmd_window, 32);
	ck_assert_uint_eq(p->nop_in_interval_ms, 0);
	ck_assert_uint_eq(p->login_timeout_ms, 1000);
	ck_assert_uint_eq(p->logout_timeout_ms, 2000);
	dcfg_free(&d);
}
END_TEST

START_TEST(config_params_left_out_keep_defaults)
{
	struct dcfg d;
	const char *err = load(OPEN PORTALS LUS TARGETS ",\n \"params\": {\"cmd_window\": 16}\n" CLOSE, &d);
	ck_assert_str_eq(err, "");
	struct rt_params_cfg def;
	cfg_params_default(&def);
	const struct rt_params_cfg *p = &d.cfg.params;
	ck_assert_uint_eq(p->cmd_window, 16);
#define SAME(f) ck_assert_uint_eq(p->f, def.f)
	SAME(max_recv_data_segment_length); SAME(max_burst_length); SAME(first_burst_length);
	SAME(max_outstanding_r2t); SAME(max_connections); SAME(default_time2wait);
	SAME(default_time2retain); SAME(error_recovery_level); SAME(initial_r2t); SAME(immediate_data);
	SAME(data_pdu_in_order); SAME(data_sequence_in_order); SAME(header_digest); SAME(data_digest);
	SAME(nop_in_interval_ms); SAME(nop_in_timeout_ms); SAME(login_timeout_ms); SAME(logout_timeout_ms);
	SAME(mem_budget_bytes); SAME(session_mem_max_bytes); SAME(session_mem_min_bytes);
	SAME(conn_unsent_max_bytes);
	SAME(prelogin_timeout_ms); SAME(max_conns_per_source); SAME(max_login_conns_per_source);
	SAME(login_rate_per_source); SAME(login_burst_per_source); SAME(reserved_session_conns);
	SAME(max_sessions_per_initiator); SAME(max_sessions_per_source);
#undef SAME
	dcfg_free(&d);
}
END_TEST

START_TEST(config_memory_budget_takes_sizes_and_bytes)
{
	struct dcfg d;
	const char *err = load(OPEN PORTALS LUS TARGETS ",\n \"params\": {\"mem_budget_bytes\": \"64M\",\n"
			       "  \"session_mem_max_bytes\": 16777216, \"session_mem_min_bytes\": \"2M\",\n"
			       "  \"conn_unsent_max_bytes\": \"1M\"}\n" CLOSE, &d);
	ck_assert_str_eq(err, "");
	const struct rt_params_cfg *p = &d.cfg.params;
	ck_assert_uint_eq(p->mem_budget_bytes, 64ull << 20);
	ck_assert_uint_eq(p->session_mem_max_bytes, 16ull << 20);
	ck_assert_uint_eq(p->session_mem_min_bytes, 2ull << 20);
	ck_assert_uint_eq(p->conn_unsent_max_bytes, 1ull << 20);
	dcfg_free(&d);
}
END_TEST

START_TEST(config_alua_states_default_and_empty_modes_turn_alua_off)
{
	static const char *const states[] = { "active_optimized", "active_nonoptimized", "standby",
					      "unavailable", "transitioning" };
	static const enum rt_alua_state want[] = { RT_ALUA_ACTIVE_OPTIMIZED, RT_ALUA_ACTIVE_NONOPTIMIZED,
						   RT_ALUA_STANDBY, RT_ALUA_UNAVAILABLE,
						   RT_ALUA_TRANSITIONING };
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		char text[1024];
		snprintf(text, sizeof(text),
			 OPEN PORTALS
			 " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua_modes\": [],\n"
			 "  \"alua\": [{\"tpg\": 1, \"state\": \"%s\"}]}],\n" TARGETS CLOSE, states[i]);
		struct dcfg d;
		const char *err = load(text, &d);
		ck_assert_msg(err[0] == '\0', "%s: %s", states[i], err);
		ck_assert_uint_eq(d.cfg.lus[0].alua[0].state, want[i]);
		ck_assert(!d.cfg.lus[0].alua[0].preferred);
		ck_assert_uint_eq(d.cfg.lus[0].alua_modes, 0);
		dcfg_free(&d);
	}
	struct dcfg d;
	const char *err = load(OPEN PORTALS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"alua\": [{\"tpg\": 1}]}],\n"
			       TARGETS CLOSE, &d);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(d.cfg.lus[0].alua[0].state, RT_ALUA_ACTIVE_OPTIMIZED);
	ck_assert_uint_eq(d.cfg.lus[0].alua_modes, DCFG_DEFAULT_ALUA_MODES);
	dcfg_free(&d);
}
END_TEST

START_TEST(config_missing_file_is_refused_with_its_name)
{
	struct dcfg d = { 0 };
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(dcfg_load_file(&d, "/nonexistent/reftarget.json", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexistent/reftarget.json: No such file or directory");
	dcfg_free(&d);
}
END_TEST

START_TEST(config_file_larger_than_the_limit_or_not_a_file_is_refused)
{
	struct dcfg d = { 0 };
	char err[DCFG_ERR_MAX], path[64], want[128];
	/* DCFG_FILE_MAX (4 MiB) plus one byte, sparse */
	snprintf(path, sizeof(path), "/tmp/test_config_big_%d.json", (int)getpid());
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, (4L << 20), SEEK_SET), 0);
	ck_assert_int_eq(fputc('}', f), '}');
	fclose(f);
	ck_assert_int_eq(dcfg_load_file(&d, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than 4194304 bytes", path);
	ck_assert_str_eq(err, want);
	unlink(path);
	/* a directory opens but has no readable text */
	ck_assert_int_eq(dcfg_load_file(&d, "/dev/shm", err, sizeof(err)), -1);
	ck_assert_msg(strcmp(err, "/dev/shm: not a regular file") == 0 || strcmp(err, "/dev/shm: read error") == 0,
		      "%s", err);
	dcfg_free(&d);
}
END_TEST

START_TEST(locate_finds_members_elements_and_nearest_ancestor)
{
	static const char text[] =
		"{\n"
		"  \"a\": {\"x\": 1,\n"
		"         \"y\": [10,\n"
		"               {\"z\": \"}]\\\"\"},\n"
		"               {\"w\": true}]},\n"
		"  \"b\\u0063\": [[], {}],\n"
		"  \"d\": 4\n"
		"}\n";
	size_t n = sizeof(text) - 1;
	ck_assert_uint_eq(dcfg_locate(text, n, ""), 1);
	ck_assert_uint_eq(dcfg_locate(text, n, "a"), 2);
	ck_assert_uint_eq(dcfg_locate(text, n, "a.x"), 2);
	ck_assert_uint_eq(dcfg_locate(text, n, "a.y"), 3);
	ck_assert_uint_eq(dcfg_locate(text, n, "a.y[0]"), 3);
	ck_assert_uint_eq(dcfg_locate(text, n, "a.y[1].z"), 4);
	ck_assert_uint_eq(dcfg_locate(text, n, "a.y[2]"), 5);
	ck_assert_uint_eq(dcfg_locate(text, n, "a.y[2].w"), 5);
	ck_assert_uint_eq(dcfg_locate(text, n, "bc[1]"), 6); /* key spelt with an escape */
	ck_assert_uint_eq(dcfg_locate(text, n, "d"), 7);
	/* absent: the deepest ancestor that exists */
	ck_assert_uint_eq(dcfg_locate(text, n, "a.y[9]"), 3);
	ck_assert_uint_eq(dcfg_locate(text, n, "a.y[1].nope"), 4);
	ck_assert_uint_eq(dcfg_locate(text, n, "d.e"), 7);
	ck_assert_uint_eq(dcfg_locate(text, n, "nothing"), 1);
	/* "a.x" is not an ancestor of "a.xy" */
	ck_assert_uint_eq(dcfg_locate(text, n, "a.xy"), 2);
}
END_TEST

START_TEST(path_builder_refuses_overflow)
{
	char p[8] = "";
	size_t n = dcfg_path_key(p, sizeof(p), 0, "abc");
	ck_assert_str_eq(p, "abc");
	n = dcfg_path_index(p, sizeof(p), n, 12);
	ck_assert_str_eq(p, "abc[12]");
	ck_assert_uint_eq(dcfg_path_key(p, sizeof(p), n, "d"), sizeof(p));
	ck_assert_str_eq(p, "abc[12]");
}
END_TEST

START_TEST(size_parser_reads_binary_units)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 0 }, { "4096", 0, 4096 }, { "1K", 0, 1024 }, { "512k", 0, 512 << 10 },
		{ "100M", 0, 100ull << 20 }, { "1G", 0, 1ull << 30 }, { "1GiB", 0, 1ull << 30 },
		{ "2TB", 0, 2ull << 40 }, { "1P", 0, 1ull << 50 }, { "", -1, 0 }, { "G", -1, 0 },
		{ "1.5G", -1, 0 }, { "-1", -1, 0 }, { "1 G", -1, 0 }, { "1X", -1, 0 },
		{ "99999999999999999999", -1, 0 }, { "16384P", -1, 0 }, { "16383P", 0, 16383ull << 50 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		ck_assert_msg(dcfg_parse_size(cases[i].s, &v) == cases[i].rc, "'%s'", cases[i].s);
		if (cases[i].rc == 0)
			ck_assert_msg(v == cases[i].v, "'%s' -> %llu", cases[i].s, (unsigned long long)v);
	}
}
END_TEST

Suite *suite_config_json(void);
Suite *suite_config_json(void)
{
	Suite *s = suite_create("config_json");
	TCase *tc = tcase_create("json");
	tcase_add_test(tc, config_good_file_is_accepted);
	tcase_add_test(tc, config_rbd_alua_group_must_be_a_portal_group_of_the_lu);
	tcase_add_loop_test(tc, config_bad_file_names_line_key_and_reason, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, config_good_file_fills_every_field);
	tcase_add_test(tc, config_params_left_out_keep_defaults);
	tcase_add_test(tc, config_memory_budget_takes_sizes_and_bytes);
	tcase_add_test(tc, config_alua_states_default_and_empty_modes_turn_alua_off);
	tcase_add_test(tc, config_missing_file_is_refused_with_its_name);
	tcase_add_test(tc, config_file_larger_than_the_limit_or_not_a_file_is_refused);
	tcase_add_test(tc, locate_finds_members_elements_and_nearest_ancestor);
	tcase_add_test(tc, path_builder_refuses_overflow);
	tcase_add_test(tc, size_parser_reads_binary_units);
	suite_add_tcase(s, tc);
	return s;
}
