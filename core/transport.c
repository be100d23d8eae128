/* transport.c: what every transport's callers share: freeing an exec result. */
#include "core/transport.h"

void hvc_exec_result_finish(struct hvc_exec_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->out_len = r->err_len = 0;
}
