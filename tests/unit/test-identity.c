/* test-identity.c: is the guest reached the domain meant (UUIDs), and which addresses are taken. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>

#include "core/address.h"
#include "core/guest.h"
#include "core/guestscript.h"
#include "tests/harness.h"

#define DOMAIN "5e1a0000-0000-4000-8000-000000000007"

static enum hvc_identity check(const char *dmi, const char *xen, bool allow, char **detail)
{
	struct hvc_facts f;
	enum hvc_identity r;

	hvc_facts_init(&f);
	f.uuid_dmi = xstrdup_or_null(dmi);
	f.uuid_xen = xstrdup_or_null(xen);
	r = hvc_identity_check(DOMAIN, &f, allow, detail);
	hvc_facts_finish(&f);
	return r;
}

static void test_identity(void)
{
	static const struct {
		const char *name, *dmi, *xen;
		bool allow;
		enum hvc_identity want;
		const char *detail;
	} rows[] = {
		{ "SMBIOS, same", DOMAIN, NULL, false, HVC_IDENTITY_VERIFIED,
			"SMBIOS product_uuid" },
		{ "SMBIOS, upper case", "5E1A0000-0000-4000-8000-000000000007", NULL, false,
			HVC_IDENTITY_VERIFIED, "is the domain's UUID" },
		/* SMBIOS < 2.6 byte order: 5e1a0000 -> 00001a5e, 0000 -> 0000, 4000 -> 0040 */
		{ "SMBIOS, byte-swapped fields", "00001a5e-0000-0040-8000-000000000007", NULL,
			false, HVC_IDENTITY_VERIFIED, "(SMBIOS byte order)" },
		{ "Xen PV", NULL, DOMAIN, false, HVC_IDENTITY_VERIFIED, "/sys/hypervisor/uuid" },
		{ "Xen HVM: SMBIOS other, Xen's the domain's",
			"11111111-2222-3333-4444-555555555555", DOMAIN, false,
			HVC_IDENTITY_VERIFIED, "/sys/hypervisor/uuid" },
		{ "another guest", "5e1a0000-0000-4000-8000-000000000008", NULL, false,
			HVC_IDENTITY_MISMATCH, "000000000008, not this domain's UUID " DOMAIN },
		{ "another guest, even when unverified ones are allowed",
			"5e1a0000-0000-4000-8000-000000000008", NULL, true, HVC_IDENTITY_MISMATCH,
			"not this domain's" },
		{ "last field differs: no byte-swap excuse", "00001a5e-0000-0040-8000-000000000070",
			NULL, false, HVC_IDENTITY_MISMATCH, "SMBIOS product_uuid 00001a5e" },
		{ "no UUID", NULL, NULL, false, HVC_IDENTITY_UNKNOWN, "reports no UUID" },
		{ "no UUID, allowed", NULL, NULL, true, HVC_IDENTITY_ALLOWED, "reports no UUID" },
		{ "malformed UUID counts as none", "not-a-uuid", NULL, false, HVC_IDENTITY_UNKNOWN,
			"reports no UUID" },
	};

	ROW_BEGIN();
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		_cleanup_free_ char *detail = NULL;
		enum hvc_identity got = check(rows[i].dmi, rows[i].xen, rows[i].allow, &detail);
		bool ok = got == rows[i].want && detail && strstr(detail, rows[i].detail);

		if (!ok)
			printf("# %s: got %s '%s'\n", rows[i].name, hvc_identity_to_string(got),
				strna(detail));
		CHECK(ok);
		ROW_END(rows[i].name);
	}
	ROWS_DONE();
}

/* The inspect report carries the UUIDs; a malformed one rejects the report. */
static void test_inspect_uuid_lines(void)
{
	static const char head[] = "hvclock-inspect 1\nkernel-release 6.1.0\n";
	static const char tail[] = "independent-wallclock absent\ntimesync none inactive\n"
				   "bootloader none\nstate absent\nlog-source none\nend\n";
	struct hvc_facts f;
	_cleanup_free_ char *good = xasprintf("%suuid-dmi %s\nuuid-xen %s\n%s", head, DOMAIN,
		"00000000-0000-0000-0000-00000000000a", tail);
	_cleanup_free_ char *bad = xasprintf("%suuid-dmi 5e1a0000\n%s", head, tail);
	_cleanup_free_ char *twice =
		xasprintf("%suuid-dmi %s\nuuid-dmi %s\n%s", head, DOMAIN, DOMAIN, tail);

	hvc_facts_init(&f);
	CHECK_INTEQ(hvc_inspect_parse(good, strlen(good), &f, NULL), 0);
	CHECK_STREQ(f.uuid_dmi, DOMAIN);
	CHECK_STREQ(f.uuid_xen, "00000000-0000-0000-0000-00000000000a");
	CHECK_INTEQ(hvc_inspect_parse(bad, strlen(bad), &f, NULL), -EPROTO);
	CHECK_INTEQ(hvc_inspect_parse(twice, strlen(twice), &f, NULL), -EPROTO);
	hvc_facts_finish(&f);
}

/* The data lines that bound a script's own life, and mark dom0. */
static void test_requests_carry_deadline(void)
{
	size_t len;
	_cleanup_free_ char *req = hvc_inspect_request(NULL, true, 7, &len);

	CHECK(req && strstr(req, "\ndom0\ndeadline 7\nHVCLOCK_DATA_END\n"));
	CHECK_INTEQ(hvc_guest_deadline_s(60000), 62);
	CHECK_INTEQ(hvc_guest_deadline_s(1500), 4);
	CHECK_INTEQ(hvc_guest_deadline_s(0), 0);
}

static void test_address_refusal(void)
{
	static const struct {
		const char *addr;
		unsigned prefix;
		const char *why; /* NULL = usable */
	} rows[] = {
		{ "192.168.122.45", 24, NULL },
		{ "10.0.0.255", 16, NULL }, /* .255 is an ordinary host in a /16 */
		{ "2001:db8::45", 64, NULL },
		{ "10.0.0.255", 24, "the broadcast address of its subnet" },
		{ "255.255.255.255", 0, "broadcast" },
		{ "127.0.0.1", 8, "loopback" },
		{ "127.1.2.3", 8, "loopback" },
		{ "::1", 128, "loopback" },
		{ "::ffff:127.0.0.1", 0, "loopback" },
		{ "0.0.0.0", 0, "unspecified (0.0.0.0/8)" },
		{ "::", 0, "unspecified (::)" },
		{ "224.0.0.251", 0, "multicast" },
		{ "ff02::1", 0, "multicast" },
		{ "169.254.3.4", 16, "link-local" },
		{ "fe80::1", 64, "link-local" },
		{ "guest.example.org", 0, "not a numeric IP address" },
		{ "10.0.0.1 ", 0, "not a numeric IP address" },
		{ "[2001:db8::1]", 0, "not a numeric IP address" },
		{ "fe80::1%eth0", 0, "not a numeric IP address" },
		{ "", 0, "not a numeric IP address" },
	};

	ROW_BEGIN();
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		const char *got = hvc_address_refusal(rows[i].addr, rows[i].prefix);
		bool ok = streq_ptr(got, rows[i].why);

		if (!ok)
			printf("# '%s'/%u: got '%s'\n", rows[i].addr, rows[i].prefix, strna(got));
		CHECK(ok);
		ROW_END(rows[i].addr);
	}
	ROWS_DONE();
}

/* An address of one of this machine's own interfaces (not loopback) is refused. */
static void test_address_host_own(void)
{
	struct ifaddrs *ifa = NULL;
	char buf[INET6_ADDRSTRLEN] = "";

	CHECK(getifaddrs(&ifa) == 0);
	for (struct ifaddrs *i = ifa; i && !*buf; i = i->ifa_next) {
		const void *bin;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		bin = &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		if (((const unsigned char *)bin)[0] == 127 ||
			((const unsigned char *)bin)[0] == 169)
			continue;
		inet_ntop(AF_INET, bin, buf, sizeof(buf));
	}
	freeifaddrs(ifa);
	if (!*buf) {
		printf("# SKIP no non-loopback IPv4 address on this machine\n");
		return;
	}
	printf("# this host's %s\n", buf);
	CHECK_STREQ(hvc_address_refusal(buf, 0), "this host's own address");
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_identity),
		HVC_TEST(test_inspect_uuid_lines),
		HVC_TEST(test_requests_carry_deadline),
		HVC_TEST(test_address_refusal),
		HVC_TEST(test_address_host_own),
	};

	return hvc_test_run(tests, ELEMENTSOF(tests));
}
