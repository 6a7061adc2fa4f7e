/* dcfg_lio_save: our model as targetcli-fb's saveconfig.json. Not written
 * yet: the request is refused by name (never a silent partial file). */
#include <stdio.h>

#include "dcfg_save.h"

json_t *ctl_lio_save(json_t *model, char *err, size_t err_len)
{
	(void)model;
	snprintf(err, err_len, "saveconfig: format=lio is not implemented yet (format=reftarget is)");
	return NULL;
}
