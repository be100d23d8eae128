/* fuzz-inspect: the guest's inspect report (untrusted: it comes from the guest) through hvc_inspect_parse. */
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest.h"
#include "core/guestscript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvc_facts f;
	struct hvc_error err = { 0 };

	hvc_facts_init(&f);
	(void)hvc_inspect_parse((const char *)data, size, &f, &err);
	hvc_facts_finish(&f);
	hvc_error_clear(&err);
	return 0;
}
