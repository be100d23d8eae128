/* address.c: the rules for addresses a guest reports about itself. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include "core/address.h"
#include "core/util.h"

/* Is this one of the host's own interface addresses (in hvclock's network namespace)? */
static bool host_has(int family, const void *bin)
{
	struct ifaddrs *ifa = NULL;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (struct ifaddrs *i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family)
			continue;
		if (family == AF_INET)
			found = memcmp(&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, bin,
					4) == 0;
		else
			found = memcmp(&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
					bin, 16) == 0;
	}
	freeifaddrs(ifa);
	return found;
}

static const char *v4_refusal(const unsigned char *a, unsigned prefix)
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];

	if (a[0] == 0)
		return "unspecified (0.0.0.0/8)";
	if (a[0] == 127)
		return "loopback";
	if (a[0] == 169 && a[1] == 254)
		return "link-local";
	if (a[0] >= 224 && a[0] < 240)
		return "multicast";
	if (v == 0xffffffffu)
		return "broadcast";
	if (a[0] >= 240)
		return "reserved (240.0.0.0/4)";
	if (prefix >= 1 && prefix <= 30 && (v | (0xffffffffu << (32 - prefix))) == 0xffffffffu)
		return "the broadcast address of its subnet";
	if (host_has(AF_INET, a))
		return "this host's own address";
	return NULL;
}

const char *hvc_address_refusal(const char *addr, unsigned prefix)
{
	unsigned char bin[16];

	if (!addr || !*addr || strlen(addr) > 45)
		return "not a numeric IP address";
	if (inet_pton(AF_INET, addr, bin) == 1)
		return v4_refusal(bin, prefix);
	if (inet_pton(AF_INET6, addr, bin) != 1)
		return "not a numeric IP address";
	{
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
			0xff };
		static const unsigned char zero[16];
		static const unsigned char one[16] = { [15] = 1 };

		if (memcmp(bin, mapped, 12) == 0)
			return v4_refusal(bin + 12, 0);
		if (memcmp(bin, zero, 16) == 0)
			return "unspecified (::)";
		if (memcmp(bin, one, 16) == 0)
			return "loopback";
		if (bin[0] == 0xff)
			return "multicast";
		if (bin[0] == 0xfe && (bin[1] & 0xc0) == 0x80)
			return "link-local";
		if (host_has(AF_INET6, bin))
			return "this host's own address";
	}
	return NULL;
}

void hvc_guest_addresses_free(struct hvc_guest_address *a, unsigned n)
{
	for (unsigned i = 0; a && i < n; i++)
		free(a[i].address);
	free(a);
}
