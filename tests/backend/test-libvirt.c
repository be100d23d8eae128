/* test-libvirt.c: the libvirt backend against libvirt's own test driver, and its XML conversion. */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include <libvirt/virterror.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "config.h"
#include "backends/libvirt/libvirt-xml.h"
#include "backends/libvirt/libvirt.h"
#include "backends/registry.h"
#include "core/backend.h"
#include "core/plan.h"
#include "core/util.h"
#include "tests/harness.h"

/* Failures of a table row get their own TAP line, and roll up into the test's line. */

/* "test:///ABS/PATH" for a file under tests/data: the test driver wants an absolute path. */
static char *fleet_uri(const char *rel)
{
	_cleanup_free_ char *path = hvc_test_data(rel);
	char abs[PATH_MAX];

	if (!realpath(path, abs)) {
		printf("# cannot resolve %s\n", path);
		exit(1);
	}
	return xasprintf("test://%s", abs);
}

static struct hvc_backend *open_fleet(const char *rel, bool read_only)
{
	_cleanup_free_ char *uri = fleet_uri(rel);
	struct hvc_error err = { 0 };
	struct hvc_backend *b = NULL;

	if (hvc_libvirt_backend_impl.open(uri, read_only, &b, &err) < 0) {
		printf("# cannot open %s: %s\n", uri, err.msg);
		exit(1);
	}
	return b;
}

static struct hvc_guest *find_guest(const struct hvc_guest_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->guests[i]->name, name))
			return l->guests[i];
	printf("# guest '%s' not listed\n", name);
	hvc_test_case_failed = 1;
	return NULL;
}

/* List all guests and return a freshly read copy of one of them (caller frees), or NULL. */
static struct hvc_guest *reread(struct hvc_backend *b, const char *name)
{
	struct hvc_guest_list l = { 0 };
	struct hvc_error err = { 0 };
	struct hvc_guest *g = NULL;

	if (hvc_backend_list_guests(b, true, &l, &err) < 0) {
		printf("# listing failed: %s\n", err.msg);
		hvc_test_case_failed = 1;
		return NULL;
	}
	for (size_t i = 0; i < l.n; i++)
		if (streq(l.guests[i]->name, name)) {
			g = l.guests[i];
			l.guests[i] = hvc_guest_new();
		}
	hvc_guest_list_finish(&l);
	if (!g) {
		printf("# guest '%s' not listed\n", name);
		hvc_test_case_failed = 1;
	}
	return g;
}

static struct hvc_record make_record(const char *profile, const char *old, const char *new_)
{
	struct hvc_record r = {
		.profile = xstrdup(profile),
		.time = xstrdup("2025-01-02T03:04:05Z"),
		.cmdline_changed = true,
		.had_cmdline = old != NULL,
		.old_cmdline = xstrdup_or_null(old),
		.new_cmdline = xstrdup_or_null(new_),
	};
	return r;
}

/* ---- connection and errors ---- */

static void test_open_error_is_one_silent_line(void)
{
	const char *uri = "test:///nonexistent-hvclock-fleet.xml";
	char tmpl[] = "/tmp/hvc-test-libvirt-stderr-XXXXXX";
	struct hvc_backend *b = NULL;
	struct hvc_error err = { 0 };
	_cleanup_free_ char *captured = NULL;
	int fd, saved, r;

	fd = mkstemp(tmpl);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);

	r = hvc_libvirt_backend_impl.open(uri, true, &b, &err);

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	captured = hvc_test_read_file(tmpl);
	unlink(tmpl);

	CHECK(r < 0);
	CHECK(b == NULL);
	CHECK_INTEQ(err.code, r);
	CHECK(captured != NULL);
	if (captured && *captured) {
		printf("# libvirt wrote to stderr: %s\n", captured);
		hvc_test_case_failed = 1;
	}
	CHECK(strncmp(err.msg, "cannot connect to 'test:///nonexistent-hvclock-fleet.xml': ",
		      strlen("cannot connect to 'test:///nonexistent-hvclock-fleet.xml': ")) == 0);
	CHECK(strlen(err.msg) > strlen("cannot connect to '': ") + strlen(uri));
	CHECK(strchr(err.msg, '\n') == NULL);
	printf("# %s\n", err.msg);
}

static void test_open_uri_and_name(void)
{
	_cleanup_free_ char *uri = fleet_uri("libvirt/fleet.xml");
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", true);

	CHECK_STREQ(b->impl->name, "libvirt");
	CHECK(b->impl == &hvc_libvirt_backend_impl);
	CHECK_STREQ(b->uri, uri);
	CHECK(b->read_only);
	hvc_backend_destroy(b);
	hvc_backend_destroy(NULL);
}

/* ---- listing ---- */

static const char *const all_names[] = {
	"db1", "disk1", "off1", "trans1", "uefi1", "web 01 (spaces)", "web1", "xenpv1", "xenpvgrub",
	"xenpvh1", "xenpygrub", "Ωmega \"quoted\" guest", /* UTF-8 sorts after ASCII */
};

/* Xen's Domain-0 in the fleet is the host: never a guest; the test driver has no host row. */
static void test_dom0_is_not_a_guest(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", true);
	struct hvc_guest_list l = { 0 };
	struct hvc_error err = { 0 };
	struct hvc_guest *host = (struct hvc_guest *)1;

	CHECK_INTEQ(hvc_backend_list_guests(b, true, &l, &err), 0);
	for (size_t i = 0; i < l.n; i++)
		CHECK(!streq(l.guests[i]->name, "Domain-0"));
	CHECK_INTEQ(hvc_backend_host(b, &host, &err), 0);
	CHECK(host == NULL);
	hvc_guest_list_finish(&l);
	hvc_backend_destroy(b);
}

static void test_list_active_sorted(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", true);
	struct hvc_guest_list l = { 0 };
	struct hvc_error err = { 0 };
	size_t j = 0;

	CHECK_INTEQ(hvc_backend_list_guests(b, false, &l, &err), 0);
	CHECK_INTEQ(l.n, ELEMENTSOF(all_names) - 1);
	for (size_t i = 0; i < ELEMENTSOF(all_names); i++) {
		if (streq(all_names[i], "off1"))
			continue;
		if (j < l.n)
			CHECK_STREQ(l.guests[j]->name, all_names[i]);
		j++;
	}
	for (size_t i = 0; i < l.n; i++) {
		CHECK(l.guests[i]->state != HVC_STATE_SHUTOFF);
		CHECK_STREQ(l.guests[i]->backend, "libvirt");
		CHECK_STREQ(l.guests[i]->uri, b->uri);
	}
	hvc_guest_list_finish(&l);
	hvc_backend_destroy(b);
}

static void test_list_all_states(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", true);
	struct hvc_guest_list l = { 0 };
	struct hvc_error err = { 0 };
	struct hvc_guest *g;

	CHECK_INTEQ(hvc_backend_list_guests(b, true, &l, &err), 0);
	CHECK_INTEQ(l.n, ELEMENTSOF(all_names));
	for (size_t i = 0; i < l.n && i < ELEMENTSOF(all_names); i++)
		CHECK_STREQ(l.guests[i]->name, all_names[i]);

	if ((g = find_guest(&l, "off1"))) {
		CHECK_INTEQ(g->state, HVC_STATE_SHUTOFF);
		CHECK(g->persistent);
		CHECK(g->live_cmdline == NULL);
	}
	if ((g = find_guest(&l, "xenpygrub"))) {
		CHECK_INTEQ(g->state, HVC_STATE_PAUSED);
		CHECK(g->persistent);
	}
	if ((g = find_guest(&l, "trans1"))) {
		CHECK_INTEQ(g->state, HVC_STATE_RUNNING);
		CHECK(!g->persistent);
	}
	if ((g = find_guest(&l, "web1"))) {
		CHECK_INTEQ(g->state, HVC_STATE_RUNNING);
		CHECK(g->persistent);
		CHECK_STREQ(g->uuid, "c10c0000-0000-4000-8000-000000000001");
	}
	hvc_guest_list_finish(&l);
	hvc_backend_destroy(b);
}

struct classify_case {
	const char *name;
	enum hvc_hypervisor hv;
	enum hvc_guest_type type;
	enum hvc_boot_path boot;
	const char *detail;
	const char *kernel;
	const char *cmdline; /* NULL = no <cmdline> */
	const char *live; /* expected live_cmdline */
	const char *os_id;
};

#define EL6_KERNEL "/var/lib/libvirt/boot/vmlinuz-2.6.32-754.35.1.el6.x86_64"

static const struct classify_case fleet_cases[] = {
	{ "web1", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel " EL6_KERNEL, EL6_KERNEL, "console=ttyS0 quiet", "console=ttyS0 quiet",
		NULL },
	{ "db1", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel " EL6_KERNEL, EL6_KERNEL, "console=ttyS0 clocksource=tsc",
		"console=ttyS0 clocksource=tsc", "http://centos.org/centos/6.10" },
	/* Firmware and pvgrub: the host's line does not reach the kernel, the live XML is not read. */
	{ "disk1", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_FIRMWARE, "firmware", NULL,
		NULL, NULL, "http://debian.org/debian/12" },
	{ "xenpv1", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
		"kernel /var/lib/xen/images/vmlinuz-2.6.18-419.el5xen",
		"/var/lib/xen/images/vmlinuz-2.6.18-419.el5xen", "root=/dev/xvda1 ro console=xvc0",
		"root=/dev/xvda1 ro console=xvc0", NULL },
	{ "xenpvgrub", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_PVGRUB,
		"pvgrub /usr/lib/xen/boot/pv-grub-x86_64.gz", NULL, "(hd0,0)/boot/grub/menu.lst",
		NULL, NULL },
	{ "xenpygrub", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_BOOTLOADER,
		"bootloader pygrub", NULL, NULL, "", NULL },
	{ "xenpvh1", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PVH, HVC_BOOT_DIRECT_KERNEL,
		"kernel /boot/vmlinuz-6.1.0-26-amd64", "/boot/vmlinuz-6.1.0-26-amd64",
		"root=/dev/xvda1", "root=/dev/xvda1", NULL },
	{ "off1", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel " EL6_KERNEL, EL6_KERNEL, "ro root=/dev/vda1", NULL, NULL },
	{ "trans1", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel " EL6_KERNEL, EL6_KERNEL, "ro", "ro", NULL },
	{ "web 01 (spaces)", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel /var/lib/libvirt/boot/vmlinuz-2.6.32-696.el6.x86_64",
		"/var/lib/libvirt/boot/vmlinuz-2.6.32-696.el6.x86_64", NULL, "", NULL },
	{ "Ωmega \"quoted\" guest", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel /boot/vmlinuz-6.1.0-26-amd64", "/boot/vmlinuz-6.1.0-26-amd64",
		"root=/dev/vda1 console=ttyS0 clocksource=tsc tsc=reliable",
		"root=/dev/vda1 console=ttyS0 clocksource=tsc tsc=reliable", NULL },
	{ "uefi1", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_FIRMWARE,
		"firmware /usr/share/OVMF/OVMF_CODE.fd", NULL, NULL, NULL, NULL },
};

static void check_classified(const struct hvc_guest *g, const struct classify_case *c)
{
	CHECK_STREQ(hvc_hypervisor_to_string(g->hypervisor), hvc_hypervisor_to_string(c->hv));
	CHECK_STREQ(hvc_guest_type_to_string(g->type), hvc_guest_type_to_string(c->type));
	CHECK_STREQ(hvc_boot_path_to_string(g->boot), hvc_boot_path_to_string(c->boot));
	CHECK_STREQ(g->boot_detail, c->detail);
	CHECK_STREQ(g->kernel, c->kernel);
	CHECK_INTEQ(g->has_cmdline, c->cmdline != NULL);
	CHECK_STREQ(g->cmdline, c->cmdline);
	CHECK_STREQ(g->os_id, c->os_id);
	CHECK_STREQ(g->cmdline_location, "domain XML <os><cmdline>");
	CHECK_INTEQ(g->reboot_applies, c->hv == HVC_HYPERVISOR_XEN);
}

static void test_fleet_classification(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", true);
	struct hvc_guest_list l = { 0 };
	struct hvc_error err = { 0 };
	ROW_BEGIN();

	CHECK_INTEQ(hvc_backend_list_guests(b, true, &l, &err), 0);
	ROW_END("fleet lists");
	for (size_t i = 0; i < ELEMENTSOF(fleet_cases); i++) {
		const struct classify_case *c = &fleet_cases[i];
		struct hvc_guest *g = find_guest(&l, c->name);
		_cleanup_free_ char *row = xasprintf("classify '%s'", c->name);

		if (g) {
			check_classified(g, c);
			CHECK_STREQ(g->live_cmdline, c->live);
			/* g->error marks an unreadable guest: none here. */
			CHECK(g->error == NULL);
		}
		ROW_END(row);
	}
	ROWS_DONE();
	hvc_guest_list_finish(&l);
	hvc_backend_destroy(b);
}

static void test_fleet_record_parsed(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", true);
	struct hvc_guest_list l = { 0 };
	struct hvc_error err = { 0 };
	struct hvc_guest *g;

	CHECK_INTEQ(hvc_backend_list_guests(b, true, &l, &err), 0);
	if ((g = find_guest(&l, "db1"))) {
		CHECK(g->has_record);
		CHECK_STREQ(g->record.profile, "kvm-el6");
		CHECK_STREQ(g->record.time, "2024-05-01T10:00:00Z");
		CHECK(g->record.cmdline_changed);
		CHECK(g->record.had_cmdline);
		CHECK_STREQ(g->record.old_cmdline, "console=ttyS0");
		CHECK_STREQ(g->record.new_cmdline, "console=ttyS0 clocksource=tsc");
		CHECK_STREQ(g->record.address, "192.0.2.10");
		CHECK_INTEQ(g->record.port, 2222);
	}
	if ((g = find_guest(&l, "web1"))) {
		CHECK(!g->has_record);
		CHECK(g->record.profile == NULL);
	}
	hvc_guest_list_finish(&l);
	hvc_backend_destroy(b);
}

/* ---- changing the definition (all in one connection: the test driver keeps state there) ---- */

static void test_set_cmdline_roundtrip(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	struct hvc_record rec = make_record(
		"kvm-el6", "console=ttyS0 quiet", "console=ttyS0 quiet clocksource=hpet");
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "web1"), *after;
	int r;

	if (!g)
		goto out;
	r = hvc_backend_set_boot_cmdline(
		b, g, "console=ttyS0 quiet", "console=ttyS0 quiet clocksource=hpet", &rec, &err);
	CHECK_INTEQ(r, 0);
	if (r < 0)
		printf("# %s\n", err.msg);

	after = reread(b, "web1");
	if (after) {
		CHECK_STREQ(after->cmdline, "console=ttyS0 quiet clocksource=hpet");
		/* The running instance keeps its cmdline until a power-cycle. */
		CHECK_STREQ(after->live_cmdline, "console=ttyS0 quiet");
		CHECK_STREQ(after->uuid, g->uuid);
		CHECK(after->has_record);
		CHECK_STREQ(after->record.profile, "kvm-el6");
		CHECK_STREQ(after->record.time, "2025-01-02T03:04:05Z");
		CHECK_STREQ(after->record.old_cmdline, "console=ttyS0 quiet");
		CHECK_STREQ(after->record.new_cmdline, "console=ttyS0 quiet clocksource=hpet");
		CHECK(after->record.had_cmdline);
		CHECK(after->record.cmdline_changed);
		CHECK(after->record.address == NULL);
		/* Metadata was created (web1 had a title and description, no <metadata>). */
		CHECK_STREQ(after->boot_detail, "kernel " EL6_KERNEL);
		hvc_guest_free(after);
	}

	/* Idempotent: the same change again succeeds and leaves the same definition. */
	hvc_error_clear(&err);
	r = hvc_backend_set_boot_cmdline(b, g, "console=ttyS0 quiet clocksource=hpet",
		"console=ttyS0 quiet clocksource=hpet", &rec, &err);
	CHECK_INTEQ(r, 0);
	after = reread(b, "web1");
	if (after) {
		CHECK_STREQ(after->cmdline, "console=ttyS0 quiet clocksource=hpet");
		CHECK_STREQ(after->record.old_cmdline, "console=ttyS0 quiet");
		hvc_guest_free(after);
	}

	/* Stale: expect_old no longer matches; nothing changes. */
	hvc_error_clear(&err);
	r = hvc_backend_set_boot_cmdline(b, g, "console=ttyS0 quiet", "console=ttyS0", &rec, &err);
	CHECK_INTEQ(r, -ESTALE);
	CHECK_STREQ(err.msg, "guest 'web1': kernel command line changed since it was read");
	after = reread(b, "web1");
	if (after) {
		CHECK_STREQ(after->cmdline, "console=ttyS0 quiet clocksource=hpet");
		hvc_guest_free(after);
	}
out:
	hvc_record_finish(&rec);
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

static void test_set_creates_cmdline(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	struct hvc_record rec = make_record("kvm-el6", NULL, "clocksource=acpi_pm");
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "web 01 (spaces)"), *after;
	int r;

	rec.address = xstrdup("web01.example.org");
	rec.port = 22;
	if (!g)
		goto out;
	CHECK(!g->has_cmdline);
	r = hvc_backend_set_boot_cmdline(b, g, NULL, "clocksource=acpi_pm", &rec, &err);
	CHECK_INTEQ(r, 0);
	if (r < 0)
		printf("# %s\n", err.msg);
	after = reread(b, "web 01 (spaces)");
	if (after) {
		CHECK(after->has_cmdline);
		CHECK_STREQ(after->cmdline, "clocksource=acpi_pm");
		CHECK_STREQ(after->live_cmdline, "");
		CHECK(after->has_record);
		CHECK(!after->record.had_cmdline);
		CHECK(after->record.old_cmdline == NULL);
		CHECK_STREQ(after->record.address, "web01.example.org");
		CHECK_INTEQ(after->record.port, 22);
		hvc_guest_free(after);
	}
out:
	hvc_record_finish(&rec);
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

static void test_set_refuses_disk_booted(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	struct hvc_record rec = make_record("kvm-modern", NULL, "clocksource=kvm-clock");
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "disk1"), *after;
	int r;

	if (!g)
		goto out;
	r = hvc_backend_set_boot_cmdline(b, g, NULL, "clocksource=kvm-clock", &rec, &err);
	CHECK_INTEQ(r, -EINVAL);
	CHECK(strstr(err.msg, "guest 'disk1': no <kernel> in <os>") == err.msg);
	after = reread(b, "disk1");
	if (after) {
		CHECK(!after->has_cmdline);
		CHECK(!after->has_record);
		CHECK_STREQ(after->os_id, "http://debian.org/debian/12");
		hvc_guest_free(after);
	}
out:
	hvc_record_finish(&rec);
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

static void test_set_refuses_transient(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	struct hvc_record rec = make_record("kvm-el6", "ro", "ro clocksource=hpet");
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "trans1"), *after;
	int r;

	if (!g)
		goto out;
	r = hvc_backend_set_boot_cmdline(b, g, "ro", "ro clocksource=hpet", &rec, &err);
	CHECK_INTEQ(r, -EPERM);
	CHECK_STREQ(err.msg, "guest 'trans1': transient guest: no persistent definition to change");
	after = reread(b, "trans1");
	if (after) {
		CHECK(!after->persistent);
		CHECK_STREQ(after->cmdline, "ro");
		hvc_guest_free(after);
	}
out:
	hvc_record_finish(&rec);
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

static void test_set_read_only_refused(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", true);
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "web1");

	if (g) {
		CHECK_INTEQ(
			hvc_backend_set_boot_cmdline(b, g, "console=ttyS0 quiet", "x", NULL, &err),
			-EROFS);
		hvc_guest_free(g);
	}
	hvc_backend_destroy(b);
}

static void test_set_odd_names_and_xen(void)
{
	static const struct {
		const char *name, *old, *new_;
	} cases[] = {
		{ "Ωmega \"quoted\" guest",
			"root=/dev/vda1 console=ttyS0 clocksource=tsc tsc=reliable",
			"root=/dev/vda1 console=ttyS0 clocksource=kvm-clock & <quoted> \"x\"" },
		{ "xenpv1", "root=/dev/xvda1 ro console=xvc0",
			"root=/dev/xvda1 ro console=xvc0 clocksource=jiffies" },
		{ "xenpvh1", "root=/dev/xvda1", "root=/dev/xvda1 clocksource=tsc" },
		/* Whitespace is kept verbatim, in <cmdline> and in the record. */
		{ "xenpvh1", "root=/dev/xvda1 clocksource=tsc",
			"  root=/dev/xvda1  tsc=reliable " },
		/* pygrub appends the host cmdline to the guest's GRUB entry: allowed without <kernel>. */
		{ "xenpygrub", NULL, "clocksource=xen" },
		/* Removal. */
		{ "off1", "ro root=/dev/vda1", NULL },
	};
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	ROW_BEGIN();

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct hvc_record rec = make_record("p", cases[i].old, cases[i].new_);
		struct hvc_error err = { 0 };
		struct hvc_guest *g = reread(b, cases[i].name), *after;
		_cleanup_free_ char *row = xasprintf("set cmdline of '%s'", cases[i].name);

		if (g) {
			int r = hvc_backend_set_boot_cmdline(
				b, g, cases[i].old, cases[i].new_, &rec, &err);
			CHECK_INTEQ(r, 0);
			if (r < 0)
				printf("# %s\n", err.msg);
			after = reread(b, cases[i].name);
			if (after) {
				CHECK_STREQ(after->cmdline, cases[i].new_);
				CHECK_INTEQ(after->has_cmdline, cases[i].new_ != NULL);
				CHECK_STREQ(after->record.old_cmdline, cases[i].old);
				CHECK_STREQ(after->record.new_cmdline, cases[i].new_);
				CHECK_INTEQ(after->hypervisor, g->hypervisor);
				CHECK_INTEQ(after->boot, g->boot);
				hvc_guest_free(after);
			}
			hvc_guest_free(g);
		}
		hvc_record_finish(&rec);
		ROW_END(row);
	}
	ROWS_DONE();
	hvc_backend_destroy(b);
}

/*
 * Architecture (<os><type arch>) in the model, and the policy on it through the test
 * driver: an aarch64 guest gets no x86 profile, and a forced one is refused for it; an
 * i686 guest is x86. A Xen PV guest with neither <kernel> nor <bootloader> plans and
 * takes a host cmdline as with pygrub (libvirt's libxl driver default).
 */
static void test_arch_fleet(void)
{
	struct hvc_backend *b = open_fleet("libvirt/arch.xml", false);
	struct hvc_profile_set set = { 0 };
	struct hvc_error err = { 0 };
	struct hvc_guest *arm = reread(b, "arm1"), *i686 = reread(b, "el6i686");
	struct hvc_guest *pv = reread(b, "xenpvdefault"), *after;
	struct hvc_guest_plan gp = { 0 };
	const char *dir = getenv("HVCLOCK_PROFILES_DIR");

	CHECK_INTEQ(hvc_profile_set_load(dir ? dir : "templates/profiles", &set, &err), 0);
	if (!arm || !i686 || !pv || set.n == 0)
		goto out;
	CHECK_STREQ(arm->arch, "aarch64");
	CHECK_STREQ(i686->arch, "i686");
	CHECK_STREQ(pv->arch, "x86_64");

	/* The host-side guess of the kernel says EL6: el6-kvm, but for x86 only. */
	hvc_plan_guest(&set, arm, NULL, &gp);
	CHECK_INTEQ(gp.status, HVC_PLAN_NO_REMEDY);
	CHECK(gp.decision.profile == NULL);
	hvc_plan_guest(&set, arm, hvc_profile_set_find(&set, "el6-kvm"), &gp);
	CHECK_INTEQ(gp.status, HVC_PLAN_BLOCKED);
	CHECK_STREQ(gp.status_reason,
		"profile el6-kvm refused for guest arm1: it sets clocksource_failover=acpi_pm, "
		"which exists on x86 only, and the guest's arch is aarch64");
	hvc_plan_guest(&set, i686, NULL, &gp);
	CHECK(gp.decision.profile && streq(gp.decision.profile->name, "el6-kvm"));
	CHECK_INTEQ(gp.status, HVC_PLAN_PENDING);

	/* pygrub by default: the host cmdline is where the change goes, and it can be written. */
	CHECK_INTEQ(pv->boot, HVC_BOOT_BOOTLOADER);
	CHECK(hvc_boot_path_host_cmdline_reaches_kernel(pv->boot));
	CHECK_INTEQ(hvc_backend_set_boot_cmdline(b, pv, NULL, "clocksource=xen", NULL, &err), 0);
	after = reread(b, "xenpvdefault");
	if (after) {
		CHECK_STREQ(after->cmdline, "clocksource=xen");
		CHECK_INTEQ(after->boot, HVC_BOOT_BOOTLOADER);
		hvc_guest_free(after);
	}
out:
	hvc_guest_plan_finish(&gp);
	hvc_profile_set_finish(&set);
	hvc_guest_free(arm);
	hvc_guest_free(i686);
	hvc_guest_free(pv);
	hvc_backend_destroy(b);
}

static void test_set_replaces_and_removes_record(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	struct hvc_record rec = make_record(
		"kvm-el6-v2", "console=ttyS0 clocksource=tsc", "console=ttyS0 clocksource=hpet");
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "db1"), *after;

	if (!g)
		goto out;
	CHECK_INTEQ(hvc_backend_set_boot_cmdline(b, g, "console=ttyS0 clocksource=tsc",
			    "console=ttyS0 clocksource=hpet", &rec, &err),
		0);
	after = reread(b, "db1");
	if (after) {
		CHECK_STREQ(after->record.profile, "kvm-el6-v2");
		CHECK(after->record.address == NULL);
		/* The libosinfo element next to the record is kept. */
		CHECK_STREQ(after->os_id, "http://centos.org/centos/6.10");
		hvc_guest_free(after);
	}
	/* Rollback: old cmdline back, record removed. */
	CHECK_INTEQ(hvc_backend_set_boot_cmdline(b, g, "console=ttyS0 clocksource=hpet",
			    "console=ttyS0 clocksource=tsc", NULL, &err),
		0);
	after = reread(b, "db1");
	if (after) {
		CHECK_STREQ(after->cmdline, "console=ttyS0 clocksource=tsc");
		CHECK(!after->has_record);
		CHECK_STREQ(after->os_id, "http://centos.org/centos/6.10");
		hvc_guest_free(after);
	}
out:
	hvc_record_finish(&rec);
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

static void test_set_vanished_guest(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	struct hvc_guest *g = hvc_guest_new();
	struct hvc_error err = { 0 };

	g->name = xstrdup("ghost");
	snprintf(g->uuid, sizeof(g->uuid), "%s", "c10c0000-0000-4000-8000-0000000000ff");
	CHECK_INTEQ(hvc_backend_set_boot_cmdline(b, g, NULL, "ro", NULL, &err), -ENOENT);
	CHECK(strncmp(err.msg, "guest 'ghost': no longer defined: ", 34) == 0);
	CHECK(strchr(err.msg, '\n') == NULL);
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

/* ---- secure data (console passwords...) survives a rewrite and its rollback ---- */

/* The definition with its secrets, as "virsh dumpxml --inactive --security-info" shows it. */
static char *secure_xml(struct hvc_backend *b, const char *name)
{
	virDomainPtr dom = virDomainLookupByName(hvc_libvirt_backend_connection(b), name);
	char *xml;

	if (!dom) {
		printf("# no domain '%s'\n", name);
		hvc_test_case_failed = 1;
		return NULL;
	}
	xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
	if (!xml) {
		printf("# cannot read the secure XML of '%s': %s\n", name,
			virGetLastErrorMessage());
		hvc_test_case_failed = 1;
	}
	virDomainFree(dom);
	return xml;
}

static void strip_blank_text(xmlNodePtr node)
{
	xmlNodePtr next;

	for (xmlNodePtr c = node->children; c; c = next) {
		next = c->next;
		if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else if (c->type == XML_ELEMENT_NODE) {
			strip_blank_text(c);
		}
	}
}

/*
 * The document in canonical form (C14N 1.0) without what hvclock may change:
 * /domain/os/cmdline and hvclock's record in /domain/metadata; blank text
 * between elements dropped. NULL if it does not parse.
 */
static char *canonical_without_hvclock(const char *xml)
{
	xmlDocPtr doc = xml
		? xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET)
		: NULL;
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr obj;
	xmlChar *out = NULL;
	char *ret = NULL;

	if (!doc)
		return NULL;
	ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "hvclock", BAD_CAST HVC_LIBVIRT_XML_NS);
	obj = xmlXPathEvalExpression(
		BAD_CAST "/domain/os/cmdline | /domain/metadata/hvclock:state", ctx);
	if (obj && obj->nodesetval)
		for (int i = 0; i < obj->nodesetval->nodeNr; i++) {
			xmlNodePtr n = obj->nodesetval->nodeTab[i];
			obj->nodesetval->nodeTab[i] = NULL;
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	strip_blank_text(xmlDocGetRootElement(doc));
	if (xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0, &out) >= 0 && out)
		ret = xstrdup((const char *)out);
	xmlFree(out);
	xmlFreeDoc(doc);
	return ret;
}

static void check_same_but_hvclock(const char *before, const char *after, const char *what)
{
	_cleanup_free_ char *a = canonical_without_hvclock(before);
	_cleanup_free_ char *b = canonical_without_hvclock(after);

	CHECK(a != NULL);
	CHECK(b != NULL);
	if (a && b && !streq(a, b)) {
		printf("# %s: the definition differs beyond <os><cmdline> and hvclock's record\n",
			what);
		printf("#   before: %s\n#   after:  %s\n", a, b);
		hvc_test_case_failed = 1;
	}
}

static void test_set_keeps_secure_data(void)
{
	static const char *const old = "root=/dev/vda1 ro console=ttyS0";
	static const char *const new_ = "root=/dev/vda1 ro console=ttyS0 clocksource=hpet";
	struct hvc_backend *b = open_fleet("libvirt/secure.xml", false);
	struct hvc_record rec = make_record("kvm-modern", old, new_);
	_cleanup_free_ char *before = NULL, *after = NULL, *restored = NULL;
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "vault1");
	int r;

	before = secure_xml(b, "vault1");
	if (!g || !before)
		goto out;
	/* The fleet file is what it should be, and libvirt's test driver honours SECURE. */
	CHECK(strstr(before, "passwd='vnc-s3cret'"));
	CHECK(strstr(before, "passwd='spice-s3cret'"));
	CHECK(strstr(before, "<sysinfo type='smbios'>"));
	CHECK(strstr(before, "<app:owner team=\"ops\">console &amp; backups</app:owner>"));
	CHECK(strstr(before, "<seclabel type='static' model='selinux' relabel='no'>"));

	/* Rollout direction: new <cmdline> and hvclock's record. */
	r = hvc_backend_set_boot_cmdline(b, g, old, new_, &rec, &err);
	CHECK_INTEQ(r, 0);
	if (r < 0)
		printf("# %s\n", err.msg);
	after = secure_xml(b, "vault1");
	if (!after)
		goto out;
	CHECK(strstr(after, "passwd='vnc-s3cret'"));
	CHECK(strstr(after, "passwd='spice-s3cret'"));
	CHECK(strstr(after, "clocksource=hpet</cmdline>"));
	CHECK(strstr(after, "<hvclock:state"));
	check_same_but_hvclock(before, after, "after set_boot_cmdline");

	/* Rollback direction: the old <cmdline>, no record: the definition as it was. */
	hvc_error_clear(&err);
	r = hvc_backend_set_boot_cmdline(b, g, new_, old, NULL, &err);
	CHECK_INTEQ(r, 0);
	if (r < 0)
		printf("# %s\n", err.msg);
	restored = secure_xml(b, "vault1");
	if (!restored)
		goto out;
	CHECK(strstr(restored, "passwd='vnc-s3cret'"));
	CHECK(strstr(restored, "passwd='spice-s3cret'"));
	check_same_but_hvclock(before, restored, "after the rollback");
	CHECK_STREQ(restored, before);
out:
	hvc_record_finish(&rec);
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

/* Plan's read-only connection never asks for secure data (libvirt refuses SECURE there). */
static void test_list_read_only_without_secure(void)
{
	struct hvc_backend *b = open_fleet("libvirt/secure.xml", true);
	struct hvc_guest *g = reread(b, "vault1");

	if (g) {
		CHECK(g->error == NULL);
		CHECK_STREQ(g->cmdline, "root=/dev/vda1 ro console=ttyS0");
		CHECK_INTEQ(g->boot, HVC_BOOT_DIRECT_KERNEL);
		hvc_guest_free(g);
	}
	hvc_backend_destroy(b);
}

/* ---- the README demo fleet ---- */

static const struct classify_case demo_cases[] = {
	{ "centos6-db", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel " EL6_KERNEL, EL6_KERNEL, "ro root=/dev/vda1 console=ttyS0 rhgb quiet",
		"ro root=/dev/vda1 console=ttyS0 rhgb quiet", "http://centos.org/centos/6.10" },
	{ "debian12-web", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_FIRMWARE, "firmware",
		NULL, NULL, NULL, "http://debian.org/debian/12" },
	{ "el6-batch-paused", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel " EL6_KERNEL, EL6_KERNEL, "ro root=/dev/vda1 clocksource=tsc",
		"ro root=/dev/vda1 clocksource=tsc", NULL },
	{ "legacy app (centos 6)", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_FIRMWARE,
		"firmware", NULL, NULL, NULL, "http://centos.org/centos/6.10" },
	{ "retired-vm", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel " EL6_KERNEL, EL6_KERNEL, "ro root=/dev/vda1 console=ttyS0", NULL, NULL },
	{ "transient-el6", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel " EL6_KERNEL, EL6_KERNEL, "ro root=/dev/vda1 console=ttyS0",
		"ro root=/dev/vda1 console=ttyS0", NULL },
	{ "web 01 (spaces)", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel /var/lib/libvirt/boot/vmlinuz-2.6.32-696.el6.x86_64",
		"/var/lib/libvirt/boot/vmlinuz-2.6.32-696.el6.x86_64", NULL, "", NULL },
	{ "xen-classic-web", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
		"kernel /var/lib/xen/images/vmlinuz-2.6.18-419.el5xen",
		"/var/lib/xen/images/vmlinuz-2.6.18-419.el5xen", "root=/dev/xvda1 ro console=xvc0",
		"root=/dev/xvda1 ro console=xvc0", NULL },
	{ "xen-pvops-mail", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_BOOTLOADER,
		"bootloader pygrub", NULL, NULL, "", "http://debian.org/debian/11" },
	{ "Ωmega \"quoted\" guest", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel /boot/vmlinuz-6.1.0-26-amd64", "/boot/vmlinuz-6.1.0-26-amd64",
		"root=/dev/vda1 console=ttyS0 clocksource=tsc tsc=reliable",
		"root=/dev/vda1 console=ttyS0 clocksource=tsc tsc=reliable", NULL },
};

static void test_demo_fleet(void)
{
	static const enum hvc_state states[] = {
		HVC_STATE_RUNNING,
		HVC_STATE_RUNNING,
		HVC_STATE_PAUSED,
		HVC_STATE_RUNNING,
		HVC_STATE_SHUTOFF,
		HVC_STATE_RUNNING,
		HVC_STATE_RUNNING,
		HVC_STATE_RUNNING,
		HVC_STATE_RUNNING,
		HVC_STATE_RUNNING,
	};
	struct hvc_backend *b = open_fleet("demo-fleet.xml", true);
	struct hvc_guest_list l = { 0 };
	struct hvc_error err = { 0 };

	_Static_assert(ELEMENTSOF(states) == ELEMENTSOF(demo_cases), "one state per demo guest");
	CHECK_INTEQ(hvc_backend_list_guests(b, true, &l, &err), 0);
	CHECK_INTEQ(l.n, ELEMENTSOF(demo_cases));
	for (size_t i = 0; i < l.n && i < ELEMENTSOF(demo_cases); i++) {
		struct hvc_guest *g = l.guests[i];

		CHECK_STREQ(g->name, demo_cases[i].name);
		check_classified(g, &demo_cases[i]);
		CHECK_STREQ(g->live_cmdline, demo_cases[i].live);
		CHECK_INTEQ(g->state, states[i]);
		CHECK_INTEQ(g->persistent, !streq(g->name, "transient-el6"));
		CHECK(!g->has_record);
	}
	hvc_guest_list_finish(&l);

	/* Active only: everything but the shut-off guest. */
	CHECK_INTEQ(hvc_backend_list_guests(b, false, &l, &err), 0);
	CHECK_INTEQ(l.n, ELEMENTSOF(demo_cases) - 1);
	for (size_t i = 0; i < l.n; i++)
		CHECK(!streq(l.guests[i]->name, "retired-vm"));
	hvc_guest_list_finish(&l);
	hvc_backend_destroy(b);
}

/* ---- pure XML conversion ---- */

/* The start of a domain XML of each type, with name "g" and a fixed uuid. */
#define DOMAIN_IDS "<name>g</name><uuid>c10c0000-0000-4000-8000-0000000000aa</uuid>"
#define HEAD_KVM "<domain type='kvm'>" DOMAIN_IDS
#define HEAD_QEMU "<domain type='qemu'>" DOMAIN_IDS
#define HEAD_XEN "<domain type='xen'>" DOMAIN_IDS
#define HEAD_TEST "<domain type='test'>" DOMAIN_IDS
#define HEAD_LXC "<domain type='lxc'>" DOMAIN_IDS

static void test_xml_parse_errors(void)
{
	static const char *const no_os[] = {
		HEAD_KVM "<memory>1</memory></domain>",
		HEAD_KVM "<os><kernel>/k</kernel></os></domain>",
	};
	struct hvc_error err = { 0 };
	struct hvc_guest *g = hvc_guest_new();

	for (size_t i = 0; i < ELEMENTSOF(no_os); i++) {
		hvc_error_clear(&err);
		CHECK_INTEQ(hvc_libvirt_xml_parse(no_os[i], g, &err), -EINVAL);
		CHECK_STREQ(err.msg, "domain XML has no <os> element");
		/* Name and uuid are known even so, for the per-guest report. */
		CHECK_STREQ(g->name, "g");
		CHECK_STREQ(g->uuid, "c10c0000-0000-4000-8000-0000000000aa");
	}

	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_parse("<domain type='kvm'><name>x</nam></domain>", g, &err),
		-EINVAL);
	CHECK(strncmp(err.msg, "cannot parse domain XML: line 1: ", 33) == 0);
	CHECK(strchr(err.msg, '\n') == NULL);
	printf("# %s\n", err.msg);

	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_parse("<network><name>x</name></network>", g, &err), -EINVAL);
	CHECK_STREQ(err.msg, "cannot parse domain XML: the root element is not <domain>");

	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_parse("", g, &err), -EINVAL);
	CHECK(strncmp(err.msg, "cannot parse domain XML: ", 25) == 0);
	hvc_guest_free(g);
}

struct xml_case {
	const char *name;
	const char *xml;
	enum hvc_hypervisor hv;
	enum hvc_guest_type type;
	enum hvc_boot_path boot;
	const char *detail;
	const char *kernel;
	const char *cmdline;
};

#define PYGRUB_DEFAULT                                                                 \
	"bootloader pygrub (libvirt's default for a Xen PV guest without <kernel> or " \
	"<bootloader>)"

static const struct xml_case xml_cases[] = {
	{ "kvm direct kernel",
		HEAD_KVM "<os><type>hvm</type><kernel>/b/vmlinuz-6.1</kernel>"
			 "<cmdline> ro quiet </cmdline></os></domain>",
		HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel /b/vmlinuz-6.1", "/b/vmlinuz-6.1", " ro quiet " },
	{ "qemu (TCG) disk boot", HEAD_QEMU "<os><type>hvm</type><boot dev='hd'/></os></domain>",
		HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_FIRMWARE, "firmware", NULL, NULL },
	{ "kvm empty cmdline is none",
		HEAD_KVM "<os><type>hvm</type><kernel>/k</kernel><cmdline/></os></domain>",
		HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL, "kernel /k", "/k",
		NULL },
	{ "xen pv direct kernel",
		HEAD_XEN "<os><type>xen</type><kernel>/x/vmlinuz-2.6.18-419.el5xen</kernel>"
			 "<cmdline>root=/dev/xvda1</cmdline></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
		"kernel /x/vmlinuz-2.6.18-419.el5xen", "/x/vmlinuz-2.6.18-419.el5xen",
		"root=/dev/xvda1" },
	{ "xen pv os type linux",
		HEAD_XEN "<os><type>linux</type><kernel>/k</kernel></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL, "kernel /k", "/k",
		NULL },
	{ "xen pvh", HEAD_XEN "<os><type>xenpvh</type><kernel>/k</kernel></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PVH, HVC_BOOT_DIRECT_KERNEL, "kernel /k", "/k",
		NULL },
	{ "xen hvm",
		HEAD_XEN "<os><type>hvm</type><loader>/usr/lib/xen/boot/hvmloader</loader>"
			 "<boot dev='hd'/></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_HVM, HVC_BOOT_FIRMWARE,
		"firmware /usr/lib/xen/boot/hvmloader", NULL, NULL },
	{ "xen pv pygrub",
		HEAD_XEN "<bootloader>/usr/bin/pygrub</bootloader>"
			 "<bootloader_args>-q</bootloader_args><os><type>xen</type></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_BOOTLOADER, "bootloader pygrub",
		NULL, NULL },
	/* libvirt's libxl driver (libxl_conf.c): PV without <kernel>/<bootloader> runs pygrub. */
	{ "xen pv neither kernel nor bootloader = libvirt's pygrub",
		HEAD_XEN "<os><type>xen</type><boot dev='hd'/></os></domain>", HVC_HYPERVISOR_XEN,
		HVC_GUEST_TYPE_PV, HVC_BOOT_BOOTLOADER, PYGRUB_DEFAULT, NULL, NULL },
	{ "xen pv os type linux, empty kernel and bootloader = libvirt's pygrub",
		HEAD_XEN "<bootloader/><os><type>linux</type><kernel></kernel></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_BOOTLOADER, PYGRUB_DEFAULT, NULL,
		NULL },
	{ "test driver xen pv without kernel = libvirt's pygrub",
		HEAD_TEST "<os><type>xen</type></os></domain>", HVC_HYPERVISOR_XEN,
		HVC_GUEST_TYPE_PV, HVC_BOOT_BOOTLOADER, PYGRUB_DEFAULT, NULL, NULL },
	/* ...PVH and HVM get no default boot loader; HVM ignores a <bootloader>. */
	{ "xen pvh neither kernel nor bootloader", HEAD_XEN "<os><type>xenpvh</type></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PVH, HVC_BOOT_FIRMWARE, "firmware", NULL, NULL },
	{ "xen pvh with bootloader",
		HEAD_XEN
		"<bootloader>/usr/bin/pygrub</bootloader><os><type>xenpvh</type></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PVH, HVC_BOOT_BOOTLOADER, "bootloader pygrub",
		NULL, NULL },
	{ "xen hvm ignores bootloader",
		HEAD_XEN
		"<bootloader>/usr/bin/pygrub</bootloader><os><type>hvm</type></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_HVM, HVC_BOOT_FIRMWARE, "firmware", NULL, NULL },
	{ "xen pv pv-grub",
		HEAD_XEN "<os><type>xen</type><kernel>/usr/lib/xen/boot/pv-grub-x86_64.gz"
			 "</kernel><cmdline>(hd0)/boot/grub/menu.lst</cmdline></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_PVGRUB,
		"pvgrub /usr/lib/xen/boot/pv-grub-x86_64.gz", NULL, "(hd0)/boot/grub/menu.lst" },
	{ "xen pvh PvhGrub",
		HEAD_XEN "<os><type>xenpvh</type><kernel>/usr/lib/grub-xen/grub-i386-xen_pvh.bin"
			 "</kernel></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PVH, HVC_BOOT_PVGRUB,
		"pvgrub /usr/lib/grub-xen/grub-i386-xen_pvh.bin", NULL, NULL },
	{ "xen pv pvgrub2",
		HEAD_XEN "<os><type>xen</type><kernel>/usr/lib/xen/boot/pvgrub64.bin"
			 "</kernel></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_PVGRUB,
		"pvgrub /usr/lib/xen/boot/pvgrub64.bin", NULL, NULL },
	{ "kvm kernel named grub is still a kernel",
		HEAD_KVM "<os><type>hvm</type><kernel>/grub/vmlinuz</kernel></os></domain>",
		HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"kernel /grub/vmlinuz", "/grub/vmlinuz", NULL },
	{ "test driver xen = xen pv",
		HEAD_TEST "<os><type>xen</type><kernel>/k</kernel></os></domain>",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL, "kernel /k", "/k",
		NULL },
	{ "test driver hvm = kvm", HEAD_TEST "<os><type>hvm</type></os></domain>",
		HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_FIRMWARE, "firmware", NULL, NULL },
	{ "lxc is unknown", HEAD_LXC "<os><type>exe</type><init>/sbin/init</init></os></domain>",
		HVC_HYPERVISOR_UNKNOWN, HVC_GUEST_TYPE_UNKNOWN, HVC_BOOT_FIRMWARE, "firmware", NULL,
		NULL },
};

static void test_xml_classification(void)
{
	ROW_BEGIN();

	for (size_t i = 0; i < ELEMENTSOF(xml_cases); i++) {
		const struct xml_case *c = &xml_cases[i];
		struct hvc_guest *g = hvc_guest_new();
		struct hvc_error err = { 0 };
		_cleanup_free_ char *row = xasprintf("parse: %s", c->name);

		CHECK_INTEQ(hvc_libvirt_xml_parse(c->xml, g, &err), 0);
		CHECK_STREQ(err.msg, "");
		CHECK_STREQ(
			hvc_hypervisor_to_string(g->hypervisor), hvc_hypervisor_to_string(c->hv));
		CHECK_STREQ(hvc_guest_type_to_string(g->type), hvc_guest_type_to_string(c->type));
		CHECK_STREQ(hvc_boot_path_to_string(g->boot), hvc_boot_path_to_string(c->boot));
		CHECK_STREQ(g->boot_detail, c->detail);
		CHECK_STREQ(g->kernel, c->kernel);
		CHECK_STREQ(g->cmdline, c->cmdline);
		CHECK_INTEQ(g->has_cmdline, c->cmdline != NULL);
		CHECK_INTEQ(g->reboot_applies, c->hv == HVC_HYPERVISOR_XEN);
		CHECK(!g->has_record);
		CHECK(g->os_id == NULL);
		hvc_guest_free(g);
		ROW_END(row);
	}
	ROWS_DONE();
}

static void test_xml_metadata(void)
{
	static const char *const xml = HEAD_KVM
		"<metadata>"
		"<libosinfo:libosinfo "
		"xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>"
		"<libosinfo:os id='http://centos.org/centos/6.10'/></libosinfo:libosinfo>"
		"<h:state xmlns:h='http://hvclock.org/xmlns/state/1' profile='el6' "
		"time='2025-01-01T00:00:00Z' cmdline-changed='yes' had-cmdline='no'>"
		"<h:new-cmdline>clocksource=hpet &amp; more</h:new-cmdline>"
		"<h:address host='10.0.0.5'/></h:state>"
		"<other:state xmlns:other='http://example.org/other'><other:x/></other:state>"
		"</metadata><os><type>hvm</type><kernel>/k</kernel></os></domain>";
	static const char *const bad_port = HEAD_KVM
		"<metadata><hvclock:state xmlns:hvclock='http://hvclock.org/xmlns/state/1'>"
		"<hvclock:old-cmdline></hvclock:old-cmdline>"
		"<hvclock:address host='h' port='99999'/></hvclock:state></metadata>"
		"<os><type>hvm</type></os></domain>";
	static const char *const wrong_ns =
		HEAD_KVM "<metadata><hvclock:state xmlns:hvclock='http://example.org/not-hvclock' "
			 "profile='x'/>"
			 "</metadata><os><type>hvm</type></os></domain>";
	struct hvc_guest *g = hvc_guest_new();
	struct hvc_error err = { 0 };

	CHECK_INTEQ(hvc_libvirt_xml_parse(xml, g, &err), 0);
	CHECK_STREQ(g->os_id, "http://centos.org/centos/6.10");
	CHECK(g->has_record);
	CHECK_STREQ(g->record.profile, "el6");
	CHECK_STREQ(g->record.time, "2025-01-01T00:00:00Z");
	CHECK(g->record.cmdline_changed);
	CHECK(!g->record.had_cmdline);
	CHECK(g->record.old_cmdline == NULL);
	CHECK_STREQ(g->record.new_cmdline, "clocksource=hpet & more");
	CHECK_STREQ(g->record.address, "10.0.0.5");
	CHECK_INTEQ(g->record.port, 0);

	/* Parsing again replaces, never accumulates. */
	CHECK_INTEQ(hvc_libvirt_xml_parse(bad_port, g, &err), 0);
	CHECK(g->has_record);
	CHECK(g->record.profile == NULL);
	CHECK_STREQ(g->record.old_cmdline, "");
	CHECK_STREQ(g->record.address, "h");
	CHECK_INTEQ(g->record.port, 0);
	CHECK(g->os_id == NULL);

	CHECK_INTEQ(hvc_libvirt_xml_parse(wrong_ns, g, &err), 0);
	CHECK(!g->has_record);
	CHECK(g->record.profile == NULL);
	hvc_guest_free(g);
}

/* Position of needle in s, or -1. */
static long pos(const char *s, const char *needle)
{
	const char *p = s ? strstr(s, needle) : NULL;
	return p ? p - s : -1;
}

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_xml_set_cmdline(void)
{
	/* clang-format off */
	static const char *const with_initrd =
		"<!-- kept -->\n"
		"<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
		"  <name>a&amp;b</name>\n"
		"  <uuid>c10c0000-0000-4000-8000-0000000000aa</uuid>\n"
		"  <title>T</title>\n"
		"  <description>D</description>\n"
		"  <os>\n"
		"    <type arch='x86_64'>hvm</type>\n"
		"    <kernel>/k</kernel>\n"
		"    <initrd>/i</initrd>\n"
		"    <boot dev='hd'/>\n"
		"  </os>\n"
		"  <devices><disk type='file'><source file='/Ω.img'/></disk></devices>\n"
		"  <qemu:commandline><qemu:arg value='-no-hpet'/></qemu:commandline>\n"
		"</domain>\n";
	/* clang-format on */
	static const char *const kernel_only =
		HEAD_KVM "<os><type>hvm</type><kernel>/k</kernel><boot dev='hd'/></os></domain>";
	static const char *const disk =
		HEAD_KVM "<os><type>hvm</type><boot dev='hd'/></os></domain>";
	static const char *const pygrub = HEAD_XEN
		"<bootloader>/usr/bin/pygrub</bootloader><os><type>xen</type></os></domain>";
	static const char *const pv_default = HEAD_XEN "<os><type>xen</type></os></domain>";
	static const char *const pvh_none = HEAD_XEN "<os><type>xenpvh</type></os></domain>";
	static const char *const kvm_empty_kernel =
		HEAD_KVM "<os><type>hvm</type><kernel/><boot dev='hd'/></os></domain>";
	static const char *const hvm_bootloader = HEAD_XEN
		"<bootloader>/usr/bin/pygrub</bootloader><os><type>hvm</type></os></domain>";
	struct hvc_record rec = make_record("el6", NULL, "clocksource=hpet \"a\" <b> & c");
	struct hvc_error err = { 0 };
	_cleanup_free_ char *out = NULL, *out2 = NULL, *out3 = NULL, *tmp = NULL;
	struct hvc_guest *g = hvc_guest_new();

	rec.address = xstrdup("10.0.0.7");
	rec.port = 2200;

	/* Created right after <initrd>, metadata after <description>; the rest kept. */
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(
			    with_initrd, NULL, "clocksource=hpet \"a\" <b> & c", &rec, &out, &err),
		0);
	CHECK(pos(out, "</initrd>") >= 0 && pos(out, "</initrd>") < pos(out, "<cmdline>"));
	CHECK(pos(out, "<cmdline>") < pos(out, "<boot dev"));
	CHECK(pos(out, "</description>") >= 0 &&
		pos(out, "</description>") < pos(out, "<metadata>"));
	CHECK(pos(out, "<metadata>") < pos(out, "<os>"));
	CHECK(pos(out, "<!-- kept -->") == 0);
	CHECK(pos(out, "<?xml") < 0);
	CHECK(pos(out, "/Ω.img") >= 0);
	CHECK(pos(out, "<qemu:arg value=\"-no-hpet\"/>") >= 0 ||
		pos(out, "<qemu:arg value='-no-hpet'/>") >= 0);
	CHECK(pos(out, "<name>a&amp;b</name>") >= 0);
	CHECK(pos(out, "&lt;b&gt; &amp; c</cmdline>") >= 0);
	CHECK_INTEQ(
		hvc_libvirt_xml_check_written(out, "clocksource=hpet \"a\" <b> & c", &rec, &err),
		0);
	CHECK_INTEQ(hvc_libvirt_xml_parse(out, g, &err), 0);
	CHECK_STREQ(g->name, "a&b");
	CHECK_STREQ(g->cmdline, "clocksource=hpet \"a\" <b> & c");
	CHECK_STREQ(g->record.new_cmdline, "clocksource=hpet \"a\" <b> & c");
	CHECK_STREQ(g->record.address, "10.0.0.7");
	CHECK_INTEQ(g->record.port, 2200);

	/* Again: the record is replaced, not duplicated; the cmdline replaced in place. */
	free_and_strdup(&rec.profile, "el6-v2");
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(
			    out, "clocksource=hpet \"a\" <b> & c", "ro", &rec, &out2, &err),
		0);
	CHECK_INTEQ(count(out2, "<hvclock:state"), 1);
	CHECK_INTEQ(count(out2, "<metadata"), 1);
	CHECK_INTEQ(count(out2, "<cmdline>"), 1);
	CHECK(pos(out2, "profile=\"el6-v2\"") >= 0);
	CHECK(pos(out2, "<cmdline>ro</cmdline>") >= 0);

	/* Stale before-value: -ESTALE, no output. */
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(out2, "quiet", "x", &rec, &tmp, &err), -ESTALE);
	CHECK_STREQ(err.msg, "kernel command line changed since it was read");
	CHECK(tmp == NULL);
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(out2, NULL, "x", &rec, &tmp, &err), -ESTALE);
	CHECK(tmp == NULL);

	/* Remove cmdline and record (empty new cmdline = remove). */
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(out2, "ro", "", NULL, &out3, &err), 0);
	CHECK_INTEQ(count(out3, "cmdline>"), 0);
	CHECK_INTEQ(count(out3, "hvclock"), 0);
	CHECK_INTEQ(hvc_libvirt_xml_check_written(out3, NULL, NULL, &err), 0);
	free(out3);
	out3 = NULL;

	/* Without initrd: right after <kernel>. Metadata after <uuid>. */
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(kernel_only, NULL, "quiet", &rec, &out3, &err), 0);
	CHECK(pos(out3, "</kernel><cmdline>quiet</cmdline><boot") >= 0);
	CHECK(pos(out3, "</uuid><metadata>") >= 0);
	free(out3);
	out3 = NULL;

	/* Disk-booted: refused, nothing produced. */
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(disk, NULL, "quiet", &rec, &out3, &err), -EINVAL);
	CHECK(strncmp(err.msg, "no <kernel> in <os>", 19) == 0);
	CHECK(out3 == NULL);
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(hvm_bootloader, NULL, "quiet", &rec, &out3, &err),
		-EINVAL);
	CHECK(out3 == NULL);
	/* ...but recording without a cmdline is fine there. */
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(disk, NULL, NULL, &rec, &out3, &err), 0);
	CHECK_INTEQ(count(out3, "cmdline>"), 2); /* the record's new-cmdline, no <os><cmdline> */
	free(out3);
	out3 = NULL;

	/* Xen PV without <kernel> or <bootloader>: libvirt runs pygrub, so allowed as with one. */
	CHECK_INTEQ(
		hvc_libvirt_xml_set_cmdline(pv_default, NULL, "clocksource=xen", NULL, &out3, &err),
		0);
	CHECK(pos(out3, "<type>xen</type><cmdline>clocksource=xen</cmdline>") >= 0);
	free(out3);
	out3 = NULL;
	/* ...not PVH (no default boot loader there), nor an empty <kernel/> on KVM (= none). */
	hvc_error_clear(&err);
	CHECK_INTEQ(
		hvc_libvirt_xml_set_cmdline(pvh_none, NULL, "quiet", NULL, &out3, &err), -EINVAL);
	CHECK(strncmp(err.msg, "no <kernel> in <os>", 19) == 0);
	CHECK(out3 == NULL);
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(kvm_empty_kernel, NULL, "quiet", NULL, &out3, &err),
		-EINVAL);
	CHECK(out3 == NULL);

	/* Xen PV + pygrub: allowed, after <type>. */
	CHECK_INTEQ(
		hvc_libvirt_xml_set_cmdline(pygrub, NULL, "clocksource=xen", NULL, &out3, &err), 0);
	CHECK(pos(out3, "<type>xen</type><cmdline>clocksource=xen</cmdline>") >= 0);
	free(out3);
	out3 = NULL;

	/* Control characters cannot live in XML 1.0; refused up front. */
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(kernel_only, NULL, "a\x01b", NULL, &out3, &err),
		-EINVAL);
	CHECK(out3 == NULL);
	CHECK_INTEQ(
		hvc_libvirt_xml_set_cmdline(kernel_only, NULL, "a\rb", NULL, &out3, &err), -EINVAL);
	CHECK(out3 == NULL);
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(kernel_only, NULL, "a\xff", NULL, &out3, &err),
		-EINVAL);
	CHECK(out3 == NULL);
	/* Tab and newline are fine and come back as they were. */
	CHECK_INTEQ(
		hvc_libvirt_xml_set_cmdline(kernel_only, NULL, "a\tb\nc", NULL, &out3, &err), 0);
	CHECK_INTEQ(hvc_libvirt_xml_check_written(out3, "a\tb\nc", NULL, &err), 0);
	free(out3);
	out3 = NULL;

	/* No <os>: the same error as parsing. */
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_set_cmdline(HEAD_KVM "</domain>", NULL, "x", NULL, &out3, &err),
		-EINVAL);
	CHECK_STREQ(err.msg, "domain XML has no <os> element");

	/* The read-back check notices a difference. */
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_libvirt_xml_check_written(out2, "quiet", &rec, &err), -EIO);
	CHECK(pos(err.msg, "kernel command line 'ro' instead of 'quiet'") >= 0);
	hvc_error_clear(&err);
	free_and_strdup(&rec.profile, "other");
	CHECK_INTEQ(hvc_libvirt_xml_check_written(out2, "ro", &rec, &err), -EIO);
	CHECK(pos(err.msg, "another profile") >= 0);

	hvc_guest_free(g);
	hvc_record_finish(&rec);
}

static void test_xml_get_cmdline(void)
{
	char *c = (char *)"unset";
	struct hvc_error err = { 0 };

	CHECK_INTEQ(hvc_libvirt_xml_get_cmdline(HEAD_KVM "<os><type>hvm</type>"
							 "<cmdline>a b</cmdline></os></domain>",
			    &c, &err),
		0);
	CHECK_STREQ(c, "a b");
	free(c);
	CHECK_INTEQ(hvc_libvirt_xml_get_cmdline(
			    HEAD_KVM "<os><type>hvm</type></os></domain>", &c, &err),
		0);
	CHECK(c == NULL);
	CHECK_INTEQ(hvc_libvirt_xml_get_cmdline("<domain", &c, &err), -EINVAL);
}

/*
 * hvc_libvirt_xml_get_cmdline() reads with the streaming reader; it must say
 * what the tree read (hvc_libvirt_xml_parse(), g->cmdline) says, as XPath
 * /domain/os/cmdline would: the first in document order, no namespace, the
 * text of every descendant, empty as none.
 */
static void test_xml_get_cmdline_as_tree(void)
{
	static const char *const docs[] = {
		HEAD_KVM
		"<os><type>hvm</type><kernel>/k</kernel><cmdline>a &amp; b</cmdline></os></domain>",
		HEAD_KVM "<os><type>hvm</type><kernel>/k</kernel><cmdline></cmdline></os></domain>",
		HEAD_KVM "<os><type>hvm</type><kernel>/k</kernel><cmdline/></os></domain>",
		HEAD_KVM
		"<os><type>hvm</type><cmdline>x<![CDATA[<y>]]><!-- c -->z</cmdline></os></domain>",
		HEAD_KVM "<os><type>hvm</type><cmdline>a<b>c</b>d</cmdline></os></domain>",
		HEAD_KVM "<devices><os><cmdline>deep</cmdline></os></devices>"
			 "<os><type>hvm</type><cmdline>real</cmdline></os></domain>",
		HEAD_KVM "<os><type>hvm</type></os><os><type>hvm</type><cmdline>second</cmdline></"
			 "os></domain>",
		HEAD_KVM
		"<os><type>hvm</type><x:cmdline xmlns:x='urn:x'>ns</x:cmdline></os></domain>",
		HEAD_KVM "<os xmlns='urn:x'><type>hvm</type><cmdline>ns</cmdline></os>"
			 "<os><type>hvm</type><cmdline>plain</cmdline></os></domain>",
		HEAD_KVM "<os/><os><type>hvm</type><cmdline>after empty os</cmdline></os></domain>",
		"<!DOCTYPE domain [<!ENTITY e 'ent'>]>" HEAD_KVM
		"<os><type>hvm</type><cmdline>a &e; b</cmdline></os></domain>",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct hvc_guest *g = hvc_guest_new();
		struct hvc_error err = { 0 };
		char *c = (char *)"unset";

		CHECK_INTEQ(hvc_libvirt_xml_parse(docs[i], g, &err), 0);
		CHECK_INTEQ(hvc_libvirt_xml_get_cmdline(docs[i], &c, &err), 0);
		if (!streq_ptr(c, g->cmdline))
			printf("# doc %zu: reader '%s', tree '%s'\n", i, c ? c : "(null)",
				g->cmdline ? g->cmdline : "(null)");
		CHECK(streq_ptr(c, g->cmdline));
		free(c);
		hvc_guest_free(g);
	}
	/* Not <domain>, or not XML: the same refusal as the tree read. */
	{
		struct hvc_error e1 = { 0 }, e2 = { 0 };
		struct hvc_guest *g = hvc_guest_new();
		char *c = NULL;

		CHECK_INTEQ(hvc_libvirt_xml_get_cmdline(
				    "<network><os><cmdline>x</cmdline></os></network>", &c, &e1),
			-EINVAL);
		CHECK_INTEQ(hvc_libvirt_xml_parse(
				    "<network><os><cmdline>x</cmdline></os></network>", g, &e2),
			-EINVAL);
		CHECK_STREQ(e1.msg, e2.msg);
		hvc_guest_free(g);
	}
}

/* ---- power: rollout --restart's shutdown, start, reboot, power-off ---- */

static enum hvc_state state_of(struct hvc_backend *b, const struct hvc_guest *g)
{
	struct hvc_error err = { 0 };
	enum hvc_state st = HVC_STATE_UNKNOWN;

	if (hvc_backend_guest_state(b, g, &st, &err) < 0)
		printf("# state of '%s': %s\n", g->name, err.msg);
	return st;
}

static void test_power_shutdown_start(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "web1");

	if (!g)
		goto out;
	CHECK(hvc_backend_can_power(b, HVC_POWER_SHUTDOWN));
	CHECK(hvc_backend_can_power(b, HVC_POWER_START));
	CHECK_INTEQ(state_of(b, g), HVC_STATE_RUNNING);
	CHECK_INTEQ(hvc_backend_power(b, g, HVC_POWER_SHUTDOWN, &err), 0);
	/* Bounded by the condition, not by a sleep: the test driver is shut off at once. */
	CHECK_INTEQ(hvc_backend_wait_state(b, g, HVC_STATE_SHUTOFF, 10000, 50, &err), 0);
	CHECK_INTEQ(state_of(b, g), HVC_STATE_SHUTOFF);
	CHECK_INTEQ(hvc_backend_power(b, g, HVC_POWER_START, &err), 0);
	CHECK_INTEQ(hvc_backend_wait_state(b, g, HVC_STATE_RUNNING, 10000, 50, &err), 0);
	/* Starting a running guest is the hypervisor's error, quoted in one line. */
	CHECK_INTEQ(hvc_backend_power(b, g, HVC_POWER_START, &err), -EIO);
	CHECK(strncmp(err.msg, "guest 'web1': cannot start it: ", 31) == 0);
	CHECK(!strchr(err.msg, '\n'));
out:
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

static void test_power_reboot_and_off(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "xenpv1");

	if (!g)
		goto out;
	CHECK_INTEQ(hvc_backend_power(b, g, HVC_POWER_REBOOT, &err), 0);
	/* on_reboot restart: the domain is running again. */
	CHECK_INTEQ(state_of(b, g), HVC_STATE_RUNNING);
	CHECK_INTEQ(hvc_backend_power(b, g, HVC_POWER_OFF, &err), 0);
	CHECK_INTEQ(state_of(b, g), HVC_STATE_SHUTOFF);
	/* A shut-off guest cannot be asked to shut down or reboot. */
	CHECK_INTEQ(hvc_backend_power(b, g, HVC_POWER_REBOOT, &err), -EIO);
	CHECK(strstr(err.msg, "guest 'xenpv1': cannot ask it to reboot: ") == err.msg);
out:
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

/* A guest that does not come down (here: nobody asked it to) ends the wait at its bound. */
static void test_wait_state_bounded(void)
{
	struct hvc_backend *b = open_fleet("libvirt/fleet.xml", false);
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(b, "db1");
	int64_t t0 = hvc_now_ms();

	if (!g)
		goto out;
	CHECK_INTEQ(hvc_backend_wait_state(b, g, HVC_STATE_SHUTOFF, 300, 50, &err), -ETIMEDOUT);
	CHECK_STREQ(err.msg, "guest 'db1': still running after 300 ms");
	CHECK(hvc_now_ms() - t0 >= 300);
	CHECK_INTEQ(state_of(b, g), HVC_STATE_RUNNING);
out:
	hvc_guest_free(g);
	hvc_backend_destroy(b);
}

static void test_power_refusals(void)
{
	struct hvc_backend *ro = open_fleet("libvirt/fleet.xml", true);
	struct hvc_backend *rw = open_fleet("libvirt/fleet.xml", false);
	struct hvc_error err = { 0 };
	struct hvc_guest *g = reread(ro, "web1"), *gone = hvc_guest_new();

	if (g) {
		CHECK_INTEQ(hvc_backend_power(ro, g, HVC_POWER_SHUTDOWN, &err), -EROFS);
		CHECK_INTEQ(state_of(ro, g), HVC_STATE_RUNNING);
	}
	gone->name = xstrdup("gone");
	snprintf(gone->uuid, sizeof(gone->uuid), "%s", "00000000-0000-4000-8000-00000000dead");
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_backend_power(rw, gone, HVC_POWER_SHUTDOWN, &err), -ENOENT);
	CHECK(strncmp(err.msg, "guest 'gone': no longer defined: ", 33) == 0);
	hvc_guest_free(gone);
	hvc_guest_free(g);
	hvc_backend_destroy(ro);
	hvc_backend_destroy(rw);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_open_error_is_one_silent_line),
		HVC_TEST(test_open_uri_and_name),
		HVC_TEST(test_list_active_sorted),
		HVC_TEST(test_dom0_is_not_a_guest),
		HVC_TEST(test_list_all_states),
		HVC_TEST(test_fleet_classification),
		HVC_TEST(test_fleet_record_parsed),
		HVC_TEST(test_set_cmdline_roundtrip),
		HVC_TEST(test_set_creates_cmdline),
		HVC_TEST(test_set_refuses_disk_booted),
		HVC_TEST(test_set_refuses_transient),
		HVC_TEST(test_set_read_only_refused),
		HVC_TEST(test_set_odd_names_and_xen),
		HVC_TEST(test_set_replaces_and_removes_record),
		HVC_TEST(test_set_vanished_guest),
		HVC_TEST(test_set_keeps_secure_data),
		HVC_TEST(test_list_read_only_without_secure),
		HVC_TEST(test_demo_fleet),
		HVC_TEST(test_xml_parse_errors),
		HVC_TEST(test_xml_classification),
		HVC_TEST(test_arch_fleet),
		HVC_TEST(test_xml_metadata),
		HVC_TEST(test_xml_set_cmdline),
		HVC_TEST(test_xml_get_cmdline),
		HVC_TEST(test_xml_get_cmdline_as_tree),
		HVC_TEST(test_power_shutdown_start),
		HVC_TEST(test_power_reboot_and_off),
		HVC_TEST(test_wait_state_bounded),
		HVC_TEST(test_power_refusals),
	};

	return hvc_test_run(tests, ELEMENTSOF(tests));
}
