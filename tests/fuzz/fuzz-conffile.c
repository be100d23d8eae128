/* fuzz-conffile: hvclock.conf (hand-written) through hvc_config_load. */
#include <stdint.h>
#include <string.h>

#include "core/conffile.h"
#include "core/error.h"
#include "tests/fuzz/fuzz-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvc_config c;
	struct hvc_error err = { 0 };

	memset(&c, 0, sizeof(c));
	if (hvc_config_load(fuzz_file(data, size, "hvclock.conf"), true, &c, &err) == 0)
		hvc_config_finish(&c);
	hvc_error_clear(&err);
	return 0;
}
