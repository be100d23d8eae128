/* fuzz-xlcfg: an xl.cfg (hand-written) through hvc_xlcfg_parse, hvc_xlcfg_keys and
 * hvc_xlcfg_set_cmdline (set, then remove). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/libxl/xlcfg.h"
#include "core/error.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvc_xlcfg c;
	struct hvc_error err = { 0 };
	char *text, *out = NULL;

	if (memchr(data, '\0', size))
		return 0; /* the reader hands over NUL-terminated text */
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&c, 0, sizeof(c));
	if (hvc_xlcfg_parse(text, "fuzz.cfg", &c, &err) == 0)
		hvc_xlcfg_finish(&c);
	hvc_error_clear(&err);
	strv_free(hvc_xlcfg_keys(text));
	if (hvc_xlcfg_set_cmdline(text, "fuzz.cfg", "root=/dev/xvda1 ro clocksource=jiffies", &out,
		    NULL, &err) == 0) {
		free(out);
		out = NULL;
	}
	hvc_error_clear(&err);
	if (hvc_xlcfg_set_cmdline(text, "fuzz.cfg", NULL, &out, NULL, &err) == 0)
		free(out);
	hvc_error_clear(&err);
	free(text);
	return 0;
}
