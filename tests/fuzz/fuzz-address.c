/* fuzz-address: guest addresses (reported by libvirt, the agent, or given by hand) through
 * hvc_address_refusal and hvc_parse_address. Input: a prefix length byte, then the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/address.h"
#include "core/conffile.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *host = NULL;
	unsigned prefix, port = 0;

	if (size < 1)
		return 0;
	prefix = data[0];
	s = xmalloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	(void)hvc_address_refusal(s, prefix);
	if (hvc_parse_address(s, &host, &port) == 0)
		free(host);
	free(s);
	return 0;
}
