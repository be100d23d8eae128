/* fuzz-cmdline: the kernel command-line editor (core/cmdline.c). Input: the command line, then
 * optional lines "+PARAM" (set) and "-PARAM" (remove). Checks the editor's own promises: an edit
 * applied to its own output changes nothing (it settles); for each Linux generation (and the
 * unknown one, every reading at once) an edit that is not refused reads back as planned under
 * that generation's reading, settles, and stays within the length limit given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdline.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1), *text, *line, *save = NULL;
	char **set = NULL, **remove = NULL;
	struct hvc_cmdline cl;

	memcpy(buf, data, size);
	buf[size] = '\0';
	text = buf;
	line = strchr(buf, '\n');
	if (line) {
		*line++ = '\0';
		for (char *p = strtok_r(line, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
			if (p[0] == '+')
				strv_consume(&set, xstrdup(p + 1));
			else if (p[0] == '-')
				strv_consume(&remove, xstrdup(p + 1));
		}
	}

	hvc_cmdline_parse(&cl, text);
	free(hvc_cmdline_format(&cl));
	free(hvc_cmdline_get_value(&cl, "clocksource"));
	hvc_cmdline_finish(&cl);

	bool changed = false;
	char *once = hvc_cmdline_edit(text, set, remove, &changed, NULL);
	if (once) {
		bool again = false;
		char *twice = hvc_cmdline_edit(once, set, remove, &again, NULL);
		if (!twice || again || strcmp(once, twice) != 0)
			abort(); /* the edit does not settle */
		free(twice);
	}
	free(once);

	for (int gen = HVC_LINUX_GEN_UNKNOWN; gen < HVC_LINUX_GEN_LAST; gen++) {
		char *why = NULL, *why2 = NULL;
		bool ch = false, ch2 = false;
		char *out = hvc_cmdline_edit_gen(
			(enum hvc_linux_gen)gen, 255, text, set, remove, &ch, &why);
		if (!out != !!why)
			abort(); /* refused without a reason, or a reason without a refusal */
		if (out) {
			if (!hvc_cmdline_holds_gen((enum hvc_linux_gen)gen, out, set, remove))
				abort(); /* the planned line does not read back */
			if (strlen(out) > 255 && strlen(out) > strlen(text))
				abort(); /* pushed past the limit */
			char *again = hvc_cmdline_edit_gen(
				(enum hvc_linux_gen)gen, 0, out, set, remove, &ch2, &why2);
			if (!again || ch2 || strcmp(out, again) != 0)
				abort(); /* does not settle under this generation */
			free(again);
		}
		free(why);
		free(why2);
		free(out);
	}
	strv_free(set);
	strv_free(remove);
	free(buf);
	return 0;
}
