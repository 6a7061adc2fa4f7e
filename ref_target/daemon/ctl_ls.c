/* ctl_ls: the model as targetcli's ls draws it (ctl_req.h, ctl_render). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl_cmd.h"

struct out {
	FILE *f;
};

__attribute__((format(printf, 3, 4)))
static void line(struct out *o, int depth, const char *fmt, ...)
{
	fprintf(o->f, "%*so- ", depth * 2, "");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	fputc('\n', o->f);
}

static const char *s_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

static void luns(struct out *o, int depth, json_t *holder, const char *word)
{
	json_t *ls = json_object_get(holder, "luns");
	line(o, depth, "%s [%zu]", word, json_array_size(ls));
	for (size_t i = 0; i < json_array_size(ls); i++) {
		json_t *l = json_array_get(ls, i);
		line(o, depth + 1, "%s%lld [%s%s]", word[0] == 'l' ? "lun" : "mapped_lun",
		     (long long)json_integer_value(json_object_get(l, "lun")), s_or(l, "lu", "?"),
		     json_is_true(json_object_get(l, "read_only")) ? " (ro)" : "");
	}
}

static const char *auth_word(json_t *holder)
{
	json_t *a = json_object_get(holder, "auth");
	if (json_object_get(a, "mutual_chap"))
		return "mutual CHAP";
	return json_object_get(a, "chap") ? "CHAP" : "no auth";
}

static void tpg(struct out *o, json_t *model, json_t *g, size_t pos)
{
	json_t *tag = json_object_get(g, "tag");
	line(o, 2, "tpg%lld [%s, %s]", tag ? (long long)json_integer_value(tag) : (long long)pos + 1,
	     json_is_true(json_object_get(g, "open_access")) ? "generate_node_acls" : "acls only", auth_word(g));
	json_t *acls = json_object_get(g, "acls");
	line(o, 3, "acls [%zu]", json_array_size(acls));
	for (size_t a = 0; a < json_array_size(acls); a++) {
		json_t *acl = json_array_get(acls, a);
		line(o, 4, "%s [%s]", s_or(acl, "initiator", "?"), auth_word(acl));
		luns(o, 5, acl, "mapped_luns");
	}
	luns(o, 3, g, "luns");
	json_t *ps = json_object_get(g, "portals");
	line(o, 3, "portals [%zu]", json_array_size(ps));
	for (size_t k = 0; k < json_array_size(ps); k++) {
		json_t *p = json_array_get(json_object_get(model, "portals"),
					   (size_t)json_integer_value(json_array_get(ps, k)));
		json_t *port = json_object_get(p, "port");
		line(o, 4, "%s:%lld", s_or(p, "address", "?"), port ? (long long)json_integer_value(port) : 3260LL);
	}
}

char *ctl_render(json_t *model)
{
	char *buf = NULL;
	size_t len = 0;
	struct out o = { open_memstream(&buf, &len) };
	if (o.f == NULL)
		return NULL;
	line(&o, 0, "/");
	json_t *lus = json_object_get(model, "lus");
	line(&o, 0, "backstores [%zu]", json_array_size(lus));
	for (size_t i = 0; i < json_array_size(lus); i++) {
		json_t *lu = json_array_get(lus, i);
		json_t *size = json_object_get(lu, "size");
		line(&o, 1, "%s [%s%s%s, %lld bytes]", s_or(lu, "name", "?"), s_or(lu, "backstore", "ram"),
		     json_object_get(lu, "path") ? " " : "", s_or(lu, "path", ""),
		     json_is_integer(size) ? (long long)json_integer_value(size) : 0LL);
	}
	json_t *ts = json_object_get(model, "targets");
	line(&o, 0, "iscsi [%zu]", json_array_size(ts));
	for (size_t t = 0; t < json_array_size(ts); t++) {
		json_t *target = json_array_get(ts, t);
		line(&o, 1, "%s", s_or(target, "name", "?"));
		json_t *tpgs = json_object_get(target, "tpgs");
		for (size_t g = 0; g < json_array_size(tpgs); g++)
			tpg(&o, model, json_array_get(tpgs, g), g);
	}
	fclose(o.f);
	return buf;
}
