/* fuzz-profile: a remedy profile (hand-written) through hvc_profile_load; the file is fuzz.profile,
 * so "name = fuzz" matches. */
#include <stdint.h>

#include "core/error.h"
#include "core/profile.h"
#include "tests/fuzz/fuzz-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvc_profile *p = NULL;
	struct hvc_error err = { 0 };

	if (hvc_profile_load(fuzz_file(data, size, "fuzz.profile"), &p, &err) == 0)
		hvc_profile_free(p);
	hvc_error_clear(&err);
	return 0;
}
