/* test-policy.c: which shipped profile the policy picks per guest kind (docs/remedies.md §4). */
#include <stdio.h>

#include "core/policy.h"
#include "tests/harness.h"

static struct hvc_profile_set profiles;

struct policy_case {
	const char *name;
	enum hvc_hypervisor hv;
	enum hvc_guest_type type;
	const char *kernel; /* uname -r from an inspection; NULL = not inspected */
	const char *os_id;
	const char *current; /* current clocksource */
	const char *available; /* available clocksources */
	enum hvc_symptom symptom; /* HVC_SYMPTOM_LAST = none */
	enum hvc_tristate wallclock; /* /proc/sys/xen/independent_wallclock exists */
	const char *forced;
	/* expected */
	const char *profile; /* NULL = no remedy */
	bool nothing_to_do;
	const char *reason_has;
	const char *unverified_has;
	const char *arch; /* the guest's; NULL = x86_64, "-" = unknown */
};

static const struct policy_case cases[] = {
	{ "X1 classic XenLinux PV with the sysctl", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV,
		"2.6.18-419.el5xen", NULL, "xen", "xen jiffies", HVC_SYMPTOM_TIME_WENT_BACKWARDS,
		HVC_YES, NULL, "xen-wa1", false, "kernel 2.6.18-419.el5xen", NULL },
	{ "X1 SLES 10 kernel release", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, "2.6.16.60-0.21-xen",
		NULL, "xen", "xen jiffies", HVC_SYMPTOM_LAST, HVC_YES, NULL, "xen-wa1", false, NULL,
		NULL },
	{ "X1 unknown release but the sysctl exists", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV,
		"2.6.32.59-0.7-xen", NULL, "xen", "xen", HVC_SYMPTOM_LAST, HVC_YES, NULL, "xen-wa1",
		false, "sysctl keys", NULL },
	{ "X1 by libosinfo EL5 before inspection", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, NULL,
		"http://centos.org/centos/5.11", NULL, NULL, HVC_SYMPTOM_LAST, HVC_UNKNOWN, NULL,
		"xen-wa1", false, "libosinfo", "sysctl-exists xen.independent_wallclock" },
	{ "X1 kernel looks classic but has no independent_wallclock: contradicted",
		HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, "2.6.18-8-xen", NULL, "xen", "xen tsc",
		HVC_SYMPTOM_LAST, HVC_NO, NULL, NULL, false, "contradicted by the guest: xen-wa1",
		NULL },
	{ "X2 pvops PV on xen: time sync only", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV,
		"6.1.0-26-amd64", NULL, "xen", "xen tsc", HVC_SYMPTOM_LAST, HVC_NO, NULL,
		"xen-pvops", false, NULL, NULL },
	{ "X2 pvops PV left xen for an unstable tsc", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV,
		"4.19.0-21-amd64", NULL, "tsc", "xen tsc", HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE, HVC_NO,
		NULL, "xen-pvops-tsc-unstable", false, NULL, NULL },
	{ "X3 PVH pvops", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PVH, "5.10.0-30-amd64", NULL, "xen",
		"xen tsc", HVC_SYMPTOM_LAST, HVC_NO, NULL, "xen-pvops", false, NULL, NULL },
	{ "X4 Xen HVM on an unstable tsc", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_HVM,
		"5.14.21-150400.24-default", NULL, "tsc", "xen tsc hpet acpi_pm",
		HVC_SYMPTOM_TSC_UNSTABLE, HVC_NO, NULL, "xen-hvm", false, NULL, NULL },
	{ "K2 EL6 on tsc", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, "2.6.32-754.35.1.el6.x86_64",
		NULL, "tsc", "kvm-clock tsc hpet acpi_pm", HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE, HVC_NO,
		NULL, "el6-kvm", false, "kernel 2.6.32-754.35.1.el6.x86_64", NULL },
	{ "K2 EL6 already on kvm-clock: nothing to do", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM,
		"2.6.32-696.el6.x86_64", NULL, "kvm-clock", "kvm-clock tsc hpet acpi_pm",
		HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE, HVC_NO, NULL, "el6-kvm", true,
		"current clocksource kvm-clock", NULL },
	{ "K2 EL6 by libosinfo before inspection", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, NULL,
		"http://centos.org/centos/6.10", NULL, NULL, HVC_SYMPTOM_LAST, HVC_UNKNOWN, NULL,
		"el6-kvm", false, "OS http://centos.org/centos/6.10 (libosinfo)", NULL },
	{ "libosinfo says EL6 but the kernel is a 4.x mainline one: the kernel decides",
		HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, "4.4.246-1.el6.elrepo.x86_64",
		"http://centos.org/centos/6.10", "kvm-clock", "kvm-clock tsc", HVC_SYMPTOM_LAST,
		HVC_NO, NULL, NULL, false, "already on kvm-clock", NULL },
	{ "K3 modern KVM on kvm-clock: no remedy", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM,
		"6.1.0-26-amd64", NULL, "kvm-clock", "kvm-clock tsc hpet acpi_pm", HVC_SYMPTOM_LAST,
		HVC_NO, NULL, NULL, false, "already on kvm-clock", NULL },
	{ "K3 modern KVM fell back to tsc after a watchdog hit", HVC_HYPERVISOR_KVM,
		HVC_GUEST_TYPE_KVM, "5.15.0-91-generic", NULL, "tsc", "kvm-clock tsc acpi_pm",
		HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE, HVC_NO, NULL, "kvm-modern-tsc-unstable", false,
		NULL, NULL },
	{ "K3 modern KVM on tsc without symptoms: left alone", HVC_HYPERVISOR_KVM,
		HVC_GUEST_TYPE_KVM, "6.1.0-26-amd64", NULL, "tsc", "tsc hpet acpi_pm",
		HVC_SYMPTOM_LAST, HVC_NO, NULL, NULL, false, "already on tsc", NULL },
	{ "modern KVM not inspected: no remedy, inspection needed", HVC_HYPERVISOR_KVM,
		HVC_GUEST_TYPE_KVM, NULL, "http://debian.org/debian/12", NULL, NULL,
		HVC_SYMPTOM_LAST, HVC_UNKNOWN, NULL, NULL, false, "after inspecting it", NULL },
	{ "EL5 KVM profiles are never chosen by themselves", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM,
		"2.6.18-419.el5", NULL, "tsc", "tsc acpi_pm", HVC_SYMPTOM_LAST, HVC_NO, NULL, NULL,
		false, NULL, NULL },
	{ "forced workaround #2 on a guest it does not match", HVC_HYPERVISOR_KVM,
		HVC_GUEST_TYPE_KVM, "6.1.0-26-amd64", NULL, "kvm-clock", "kvm-clock",
		HVC_SYMPTOM_LAST, HVC_NO, "xen-wa2", "xen-wa2", false, "does not hold", NULL },
	/* Architecture (§3e): the x86 profiles hold for x86 guests only. */
	{ "aarch64 EL6-like KVM guest on tsc gets no x86 profile", HVC_HYPERVISOR_KVM,
		HVC_GUEST_TYPE_KVM, "2.6.32-754.35.1.el6.x86_64", NULL, "tsc",
		"kvm-clock tsc hpet acpi_pm", HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE, HVC_NO, NULL, NULL,
		false, NULL, NULL, "aarch64" },
	{ "aarch64 modern KVM fell back after a watchdog hit: no x86 profile", HVC_HYPERVISOR_KVM,
		HVC_GUEST_TYPE_KVM, "6.1.0-26-arm64", NULL, "arch_sys_counter", "arch_sys_counter",
		HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE, HVC_NO, NULL, NULL, false, NULL, NULL,
		"aarch64" },
	{ "aarch64 Xen PV pvops: time sync only (no x86 parameter)", HVC_HYPERVISOR_XEN,
		HVC_GUEST_TYPE_PV, "6.1.0-26-arm64", NULL, "arch_sys_counter", "arch_sys_counter",
		HVC_SYMPTOM_LAST, HVC_NO, NULL, "xen-pvops", false, NULL, NULL, "aarch64" },
	{ "i686 EL6 on tsc: x86", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM,
		"2.6.32-754.35.1.el6.i686", NULL, "tsc", "kvm-clock tsc hpet acpi_pm",
		HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE, HVC_NO, NULL, "el6-kvm", false, "arch i686", NULL,
		"i686" },
	{ "arch unknown: the x86 profiles' [match] does not hold", HVC_HYPERVISOR_KVM,
		HVC_GUEST_TYPE_KVM, "2.6.32-754.35.1.el6.x86_64", NULL, "tsc",
		"kvm-clock tsc hpet acpi_pm", HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE, HVC_NO, NULL, NULL,
		false, NULL, NULL, "-" },
	{ "forced x86 profile on an aarch64 guest: refused, naming guest, profile and arch",
		HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, "6.1.0-26-arm64", NULL, "arch_sys_counter",
		"arch_sys_counter", HVC_SYMPTOM_LAST, HVC_NO, "kvm-modern-tsc-unstable", NULL,
		false,
		"profile kvm-modern-tsc-unstable refused for guest g: it sets "
		"clocksource=kvm-clock, "
		"which exists on x86 only, and the guest's arch is aarch64",
		NULL, "aarch64" },
	{ "forced profile without x86 parameters on an aarch64 guest: used", HVC_HYPERVISOR_XEN,
		HVC_GUEST_TYPE_PV, "6.1.0-26-arm64", NULL, "arch_sys_counter", "arch_sys_counter",
		HVC_SYMPTOM_LAST, HVC_NO, "xen-pvops", "xen-pvops", false, "chosen by the operator",
		NULL, "aarch64" },
	{ "forced x86 profile on an arch-unknown guest: used (not refused on an unknown)",
		HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, "6.1.0-26-amd64", NULL, "tsc", "tsc",
		HVC_SYMPTOM_LAST, HVC_NO, "tsc-reliable", "tsc-reliable", false, "does not hold",
		NULL, "-" },
	{ "unknown hypervisor", HVC_HYPERVISOR_UNKNOWN, HVC_GUEST_TYPE_UNKNOWN, NULL, NULL, NULL,
		NULL, HVC_SYMPTOM_LAST, HVC_UNKNOWN, NULL, NULL, false, "hypervisor unknown",
		NULL },
};

static void run_case(const struct policy_case *c)
{
	struct hvc_guest *g = hvc_guest_new();
	struct hvc_decision d;
	const struct hvc_profile *forced = NULL;
	bool ok = true;

	g->name = xstrdup("g");
	g->hypervisor = c->hv;
	g->type = c->type;
	g->boot = HVC_BOOT_DIRECT_KERNEL;
	g->os_id = xstrdup_or_null(c->os_id);
	if (!c->arch || !streq(c->arch, "-"))
		g->arch = xstrdup(c->arch ? c->arch : "x86_64");
	if (c->kernel) {
		g->facts.inspected = true;
		g->facts.kernel_release = xstrdup(c->kernel);
		g->facts.kernel_release_source = xstrdup("guest");
		g->facts.current_clocksource = xstrdup_or_null(c->current);
		g->facts.available_clocksources =
			c->available ? strv_split(c->available, " ") : NULL;
		g->facts.has_independent_wallclock = c->wallclock;
		if (c->symptom != HVC_SYMPTOM_LAST)
			hvc_facts_add_log(&g->facts, c->symptom, "a symptom line");
		g->facts.constant_tsc = g->facts.nonstop_tsc = HVC_NO;
	}
	if (c->forced) {
		forced = hvc_profile_set_find(&profiles, c->forced);
		ok = ok && forced;
	}
	hvc_policy_decide(&profiles, g, forced, &d);

	if (!streq_ptr(d.profile ? d.profile->name : NULL, c->profile)) {
		printf("#   profile: got %s, expected %s\n", d.profile ? d.profile->name : "(none)",
			c->profile ? c->profile : "(none)");
		ok = false;
	}
	/* Refused exactly when forced and the profile's parameters do not fit the arch. */
	if (d.refused != (c->forced && !c->profile)) {
		printf("#   refused: got %d\n", d.refused);
		ok = false;
	}
	if (d.nothing_to_do != c->nothing_to_do) {
		printf("#   nothing_to_do: got %d\n", d.nothing_to_do);
		ok = false;
	}
	if (!d.reason || (c->reason_has && !strstr(d.reason, c->reason_has))) {
		printf("#   reason: \"%s\" lacks \"%s\"\n", strna(d.reason), strna(c->reason_has));
		ok = false;
	}
	if (c->unverified_has) {
		_cleanup_free_ char *u = strv_join(d.unverified, "; ");
		if (!strstr(u, c->unverified_has)) {
			printf("#   unverified: \"%s\" lacks \"%s\"\n", u, c->unverified_has);
			ok = false;
		}
	}
	hvc_test_report(c->name, ok);
	hvc_decision_finish(&d);
	hvc_guest_free(g);
}

static void test_host_kernel_path_release(void)
{
	static const char *const rows[][2] = {
		{ "/var/lib/libvirt/boot/vmlinuz-2.6.32-754.35.1.el6.x86_64",
			"2.6.32-754.35.1.el6.x86_64" },
		{ "/boot/vmlinux-6.1.0-26-amd64", "6.1.0-26-amd64" },
		{ "vmlinuz-2.6.18-419.el5xen", "2.6.18-419.el5xen" },
		{ "/boot/vmlinuz", NULL },
		{ "/boot/vmlinuz-1", NULL },
		{ "/usr/lib/xen/boot/pv-grub-x86_64.gz", NULL },
		{ NULL, NULL },
	};
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		_cleanup_free_ char *r = hvc_kernel_release_from_path(rows[i][0]);
		CHECK_STREQ(r, rows[i][1]);
	}
}

/* `arch = x86` is the named set: exactly hvc_arch_is_x86()'s names; other names compare as they are. */
static void test_arch_set(void)
{
	static const struct {
		const char *values, *arch;
		enum hvc_tristate want;
	} rows[] = {
		{ "x86", "x86_64", HVC_YES },
		{ "x86", "i686", HVC_YES },
		{ "x86", "i386", HVC_YES },
		{ "x86", "aarch64", HVC_NO },
		{ "x86", "x86_64x", HVC_NO },
		{ "x86", NULL, HVC_UNKNOWN },
		{ "aarch64 x86", "i586", HVC_YES },
		{ "aarch64", "aarch64", HVC_YES },
		{ "i686", "x86_64", HVC_NO },
	};
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct hvc_guest *g = hvc_guest_new();
		struct hvc_condition c = { .kind = HVC_COND_ARCH };

		c.values = strv_split(rows[i].values, " ");
		g->arch = xstrdup_or_null(rows[i].arch);
		if (hvc_condition_eval(&c, g) != rows[i].want) {
			printf("# arch = %s, guest %s: not %d\n", rows[i].values,
				strna(rows[i].arch), rows[i].want);
			hvc_test_case_failed = 1;
		}
		strv_free(c.values);
		hvc_guest_free(g);
	}
}

int main(void)
{
	const char *dir = getenv("HVCLOCK_PROFILES_DIR");
	struct hvc_error err = { 0 };

	if (hvc_profile_set_load(dir ? dir : "templates/profiles", &profiles, &err) < 0) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		hvc_test_case_failed = 0;
		run_case(&cases[i]);
	}
	hvc_test_case_failed = 0;
	test_host_kernel_path_release();
	hvc_test_report("kernel release from a host kernel path", !hvc_test_case_failed);
	hvc_test_case_failed = 0;
	test_arch_set();
	hvc_test_report("arch = x86 is the named set of x86 names", !hvc_test_case_failed);
	hvc_profile_set_finish(&profiles);
	return hvc_test_finish();
}
