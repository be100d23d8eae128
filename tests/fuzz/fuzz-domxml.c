/* fuzz-domxml: libvirt domain XML through hvc_libvirt_xml_parse, _get_cmdline and _set_cmdline. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/libvirt/libvirt-xml.h"
#include "core/error.h"
#include "core/guest.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvc_error err = { 0 };
	struct hvc_guest *g = hvc_guest_new();
	char *xml, *cmdline = NULL, *out = NULL;

	xml = xmalloc(size + 1);
	memcpy(xml, data, size);
	xml[size] = '\0';
	(void)hvc_libvirt_xml_parse(xml, g, &err);
	hvc_error_clear(&err);
	if (hvc_libvirt_xml_get_cmdline(xml, &cmdline, &err) == 0) {
		if (hvc_libvirt_xml_set_cmdline(xml, cmdline, "console=ttyS0 clocksource=kvm-clock",
			    NULL, &out, &err) == 0)
			free(out);
		free(cmdline);
	}
	hvc_error_clear(&err);
	hvc_guest_free(g);
	free(xml);
	return 0;
}
