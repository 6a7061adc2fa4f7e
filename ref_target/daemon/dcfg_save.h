/* dcfg_save: a loaded configuration as a JSON tree of our own format
 * (dcfg_json.c), which dcfg_load_tree reads back to the same rt_config. */
#ifndef RT_DCFG_SAVE_H
#define RT_DCFG_SAVE_H

#include <jansson.h>

#include "dcfg.h"

/* A new tree (the caller json_decref's it); NULL when out of memory. */
json_t *dcfg_to_json(const struct dcfg *d);

/* Our model (dcfg_json.c's format) as targetcli-fb's saveconfig.json,
 * which dcfg_load_lio reads back (dcfg_lio_save.c). NULL with err set. */
json_t *ctl_lio_save(json_t *model, char *err, size_t err_len);

#endif
