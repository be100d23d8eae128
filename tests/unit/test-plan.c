/* test-plan.c: planning rules: where a cmdline change goes, before/after, states, skips. */
#include "core/plan.h"
#include "core/rollout.h"
#include "tests/harness.h"

/* A profile built in memory, so each case states exactly what the remedy asks for. */
static struct hvc_profile *profile(
	const char *set, const char *sysctl, const char *live, bool timesync)
{
	struct hvc_profile *p = xcalloc(1, sizeof(*p));
	p->name = xstrdup("test-remedy");
	p->summary = xstrdup("a remedy for tests");
	p->row = xstrdup("T1");
	p->auto_select = true;
	p->match = xcalloc(1, sizeof(*p->match));
	p->n_match = 1;
	p->match[0].label = xstrdup("");
	p->match[0].conds = xcalloc(1, sizeof(struct hvc_condition));
	p->match[0].n = 1;
	p->match[0].conds[0].kind = HVC_COND_HYPERVISOR;
	p->match[0].conds[0].values = strv_split("kvm xen", " ");
	if (set)
		p->cmdline_set = strv_split(set, " ");
	if (sysctl) {
		char *eq;
		p->sysctls = xcalloc(1, sizeof(*p->sysctls));
		p->n_sysctls = 1;
		p->sysctls[0].key = xstrdup(sysctl);
		eq = strchr(p->sysctls[0].key, '=');
		*eq = '\0';
		p->sysctls[0].value = xstrdup(eq + 1);
		p->sysctls[0].only_if_exists = true;
	}
	if (live)
		p->live_clocksources = strv_split(live, " ");
	p->timesync_required = timesync;
	return p;
}

struct fixture {
	struct hvc_profile_set set;
	struct hvc_guest *g;
	struct hvc_guest_plan gp;
};

static void setup(
	struct fixture *f, struct hvc_profile *p, enum hvc_boot_path boot, const char *cmdline)
{
	memset(f, 0, sizeof(*f));
	f->set.profiles = xcalloc(1, sizeof(*f->set.profiles));
	f->set.profiles[0] = p;
	f->set.n = 1;
	f->g = hvc_guest_new();
	f->g->name = xstrdup("g1");
	f->g->state = HVC_STATE_RUNNING;
	f->g->persistent = true;
	f->g->hypervisor = HVC_HYPERVISOR_KVM;
	f->g->type = HVC_GUEST_TYPE_KVM;
	f->g->boot = boot;
	f->g->cmdline_location = xstrdup("domain XML <os><cmdline>");
	if (boot == HVC_BOOT_DIRECT_KERNEL)
		f->g->kernel = xstrdup("/boot/vmlinuz-6.1.0-26-amd64");
	if (cmdline) {
		f->g->has_cmdline = true;
		f->g->cmdline = xstrdup(cmdline);
	}
}

static void teardown(struct fixture *f)
{
	hvc_guest_plan_finish(&f->gp);
	hvc_guest_free(f->g);
	hvc_profile_set_finish(&f->set);
}

static const struct hvc_action *find(const struct hvc_guest_plan *gp, enum hvc_action_kind k)
{
	for (size_t i = 0; i < gp->n_actions; i++)
		if (gp->actions[i].kind == k)
			return &gp->actions[i];
	return NULL;
}

static void test_direct_boot_host_cmdline(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup(&f, profile("clocksource_failover=acpi_pm", NULL, NULL, false),
		HVC_BOOT_DIRECT_KERNEL, "ro root=/dev/vda1  quiet");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a != NULL);
	CHECK(find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER) == NULL);
	if (a) {
		CHECK_STREQ(a->before, "ro root=/dev/vda1  quiet");
		CHECK_STREQ(a->after, "ro root=/dev/vda1 quiet clocksource_failover=acpi_pm");
		CHECK_INTEQ(a->state, HVC_ACTION_PENDING);
		CHECK_STREQ(a->takes_effect, "power-cycle");
		CHECK(a->note && strstr(a->note, "not at a reboot"));
	}
	CHECK_INTEQ(f.gp.status, HVC_PLAN_PENDING);
	teardown(&f);
}

/*
 * §3e: x86-only parameters never go to a guest of another architecture, even from a
 * profile without an arch condition: not chosen automatically, and refused (blocked,
 * nothing planned) when forced. A guest whose arch is unknown is not refused.
 */
static void test_arch_misfit(void)
{
	struct fixture f;

	setup(&f, profile("clocksource=kvm-clock", NULL, NULL, false), HVC_BOOT_DIRECT_KERNEL,
		"ro");
	f.g->arch = xstrdup("aarch64");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_NO_REMEDY);
	CHECK(f.gp.decision.profile == NULL);
	CHECK_STREQ(f.gp.decision.reason,
		"no profile applies: contradicted by the guest: test-remedy (sets "
		"clocksource=kvm-clock, x86 only; arch aarch64)");

	hvc_plan_guest(&f.set, f.g, f.set.profiles[0], &f.gp);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_BLOCKED);
	CHECK_INTEQ(f.gp.n_actions, 0);
	CHECK(f.gp.decision.refused);
	CHECK_STREQ(f.gp.status_reason,
		"profile test-remedy refused for guest g1: it sets clocksource=kvm-clock, which "
		"exists on x86 only, and the guest's arch is aarch64");
	teardown(&f);

	/* A [live] x86 clocksource alone is enough. */
	setup(&f, profile(NULL, NULL, "hpet", false), HVC_BOOT_DIRECT_KERNEL, "ro");
	f.g->arch = xstrdup("ppc64le");
	hvc_plan_guest(&f.set, f.g, f.set.profiles[0], &f.gp);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_BLOCKED);
	CHECK(f.gp.status_reason && strstr(f.gp.status_reason, "sets live clocksource hpet"));
	teardown(&f);

	/* x86 guests and guests of unknown arch get the change. */
	for (int i = 0; i < 3; i++) {
		static const char *const arches[] = { "x86_64", "i686", NULL };
		setup(&f, profile("clocksource=kvm-clock", NULL, NULL, false),
			HVC_BOOT_DIRECT_KERNEL, "ro");
		f.g->arch = xstrdup_or_null(arches[i]);
		hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
		CHECK_INTEQ(f.gp.status, HVC_PLAN_PENDING);
		hvc_plan_guest(&f.set, f.g, f.set.profiles[0], &f.gp);
		CHECK_INTEQ(f.gp.status, HVC_PLAN_PENDING);
		teardown(&f);
	}
}

static void test_xen_reboot_applies(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup(&f, profile("clocksource=jiffies", NULL, NULL, false), HVC_BOOT_DIRECT_KERNEL,
		"root=/dev/xvda1 clocksource=xen");
	f.g->hypervisor = HVC_HYPERVISOR_XEN;
	f.g->type = HVC_GUEST_TYPE_PV;
	f.g->reboot_applies = true;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a != NULL);
	if (a) {
		CHECK_STREQ(a->after, "root=/dev/xvda1 clocksource=jiffies");
		CHECK_STREQ(a->takes_effect, "reboot");
	}
	teardown(&f);
}

static void test_no_cmdline_element(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup(&f, profile("clocksource_failover=acpi_pm", NULL, NULL, false),
		HVC_BOOT_DIRECT_KERNEL, NULL);
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->before == NULL);
	CHECK(a && a->after && streq(a->after, "clocksource_failover=acpi_pm"));
	teardown(&f);
}

static void test_configured_waiting_power_cycle(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup(&f, profile("clocksource_failover=acpi_pm", NULL, NULL, false),
		HVC_BOOT_DIRECT_KERNEL, "ro clocksource_failover=acpi_pm");
	f.g->live_cmdline = xstrdup("ro");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_POWER_CYCLE);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_POWER_CYCLE);
	teardown(&f);

	/* The guest's own /proc/cmdline wins over the host's live XML. */
	setup(&f, profile("clocksource_failover=acpi_pm", NULL, NULL, false),
		HVC_BOOT_DIRECT_KERNEL, "ro clocksource_failover=acpi_pm");
	f.g->live_cmdline = xstrdup("ro");
	f.g->facts.proc_cmdline = xstrdup("ro clocksource_failover=acpi_pm");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_IN_PLACE);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_NOTHING);
	teardown(&f);
}

static void test_firmware_goes_to_guest_bootloader(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup(&f, profile("clocksource=kvm-clock", NULL, NULL, false), HVC_BOOT_FIRMWARE, NULL);
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	CHECK(find(&f.gp, HVC_ACTION_HOST_CMDLINE) == NULL);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a != NULL);
	if (a) {
		CHECK(a->before == NULL && a->after == NULL);
		CHECK_INTEQ(a->state, HVC_ACTION_PENDING);
		CHECK(strv_contains(a->set, "clocksource=kvm-clock"));
		CHECK_STREQ(a->takes_effect, "reboot");
	}
	teardown(&f);

	/* Even with a host-side cmdline present (a broken config), pvgrub never gets one. */
	setup(&f, profile("clocksource=jiffies", NULL, NULL, false), HVC_BOOT_PVGRUB, "(hd0,0)");
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_UPDATE_GRUB;
	f.g->facts.grub_cmdline = xstrdup("quiet");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	CHECK(find(&f.gp, HVC_ACTION_HOST_CMDLINE) == NULL);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->after && streq(a->after, "quiet clocksource=jiffies"));
	CHECK(a && strstr(a->target, "update-grub"));
	teardown(&f);
}

/*
 * xen-classic-ntp on a grubby guest whose args hold clocksource="jiffies": the kernel sees
 * jiffies, so the remove applies; once grubby holds the new args the plan is in place.
 */
static void test_bootloader_converges_on_quoted_value(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup(&f, profile(NULL, NULL, NULL, false), HVC_BOOT_PVGRUB, NULL);
	f.set.profiles[0]->cmdline_remove = strv_split("clocksource=jiffies", " ");
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_GRUBBY;
	f.g->facts.grub_cmdline = xstrdup("ro root=/dev/xvda1 clocksource=\"jiffies\" quiet");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_PENDING);
	CHECK(a && streq_ptr(a->after, "ro root=/dev/xvda1 quiet"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));

	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("ro root=/dev/xvda1 quiet");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_IN_PLACE);
	teardown(&f);
}

/* A value hvclock does not edit blocks the action at plan time, naming the file and why. */
static void test_bootloader_value_not_edited_blocks(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup(&f, profile("clocksource=tsc", NULL, NULL, false), HVC_BOOT_FIRMWARE, NULL);
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_UPDATE_GRUB;
	f.g->facts.grub_cmdline = xstrdup("ro $EXTRA");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED);
	CHECK(a && a->note && strstr(a->note, "GRUB_CMDLINE_LINUX in /etc/default/grub holds"));
	CHECK_INTEQ(f.gp.status, HVC_PLAN_BLOCKED);
	teardown(&f);
}

/* A Xen PV guest booted directly with kernel (a file name that tells the release) and cmdline. */
static void setup_xen_pv(
	struct fixture *f, const char *set, const char *kernel, const char *cmdline)
{
	setup(f, profile(set, NULL, NULL, false), HVC_BOOT_DIRECT_KERNEL, cmdline);
	f->g->hypervisor = HVC_HYPERVISOR_XEN;
	f->g->type = HVC_GUEST_TYPE_PV;
	f->g->reboot_applies = true;
	free(f->g->kernel);
	f->g->kernel = xstrdup(kernel);
}

/*
 * EL6 (2.6.32) parses what follows `--` as kernel parameters, the last winning (parse_args()
 * stops at `--` only from 3.15): `clocksource=xen -- clocksource=tsc` runs on tsc, so the edit
 * changes the value after `--` too, and a line that only holds before `--` is not in place.
 */
static void test_el6_dashdash(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup_xen_pv(&f, "clocksource=jiffies", "/boot/vmlinuz-2.6.32-754.el6.x86_64",
		"ro root=/dev/xvda1 clocksource=xen -- clocksource=tsc");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_PENDING);
	CHECK_STREQ(a ? a->after : NULL,
		"ro root=/dev/xvda1 clocksource=jiffies -- clocksource=jiffies");
	teardown(&f);

	/* Holds before `--` only: not "already holds" on EL6. */
	setup_xen_pv(&f, "clocksource=jiffies", "/boot/vmlinuz-2.6.32-754.el6.x86_64",
		"ro clocksource=jiffies -- clocksource=tsc");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_PENDING);
	CHECK_STREQ(a ? a->after : NULL, "ro clocksource=jiffies -- clocksource=jiffies");
	teardown(&f);

	/* The same line on 4.2+: init's arguments after `--` stay as they are. */
	setup_xen_pv(&f, "clocksource=jiffies", "/boot/vmlinuz-6.1.0-26-amd64",
		"ro clocksource=jiffies -- clocksource=tsc");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_IN_PLACE);
	CHECK_STREQ(a ? a->after : NULL, "ro clocksource=jiffies -- clocksource=tsc");
	teardown(&f);

	/* Config right, but the running EL6 kernel read tsc after `--`: waiting, not in place. */
	setup_xen_pv(&f, "clocksource=jiffies", "/boot/vmlinuz-2.6.32-754.el6.x86_64",
		"ro clocksource=jiffies -- single");
	f.g->facts.proc_cmdline = xstrdup("ro clocksource=jiffies -- clocksource=tsc");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_POWER_CYCLE);
	teardown(&f);

	/* In the guest's own boot loader (inspected release): GRUB_CMDLINE_LINUX the same way... */
	setup(&f, profile("clocksource=jiffies", NULL, NULL, false), HVC_BOOT_PVGRUB, NULL);
	f.g->facts.inspected = true;
	f.g->facts.kernel_release = xstrdup("2.6.32-754.el6.x86_64");
	f.g->facts.kernel_release_source = xstrdup("guest");
	f.g->facts.bootloader = HVC_BOOTLOADER_UPDATE_GRUB;
	f.g->facts.grub_cmdline = xstrdup("ro clocksource=xen -- clocksource=tsc");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_PENDING);
	CHECK_STREQ(a ? a->after : NULL, "ro clocksource=jiffies -- clocksource=jiffies");
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));

	/* ...and grubby, which cannot make that line, blocks with the reason. */
	f.g->facts.bootloader = HVC_BOOTLOADER_GRUBBY;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED);
	CHECK(a && a->note && strstr(a->note, "grubby cannot make exactly"));
	teardown(&f);
}

/*
 * EL5 (2.6.18) separates parameters only at spaces (next_arg() up to 2.6.25): `ro<TAB>root=...`
 * is one parameter there, so an edit keeps the tab; where the tab glues the parameter to be
 * edited, no edit is right and the plan blocks, naming the cause.
 */
static void test_el5_tab(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup_xen_pv(&f, "clocksource=jiffies", "/boot/vmlinuz-2.6.18-419.el5xen",
		"ro\troot=/dev/xvda1 console=xvc0");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_PENDING);
	CHECK_STREQ(a ? a->after : NULL, "ro\troot=/dev/xvda1 console=xvc0 clocksource=jiffies");
	teardown(&f);

	setup_xen_pv(&f, "clocksource=jiffies", "/boot/vmlinuz-2.6.18-419.el5xen",
		"root=/dev/xvda1\tclocksource=xen");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && a->after == NULL);
	CHECK(a && a->note && strstr(a->note, "domain XML <os><cmdline>") &&
		strstr(a->note, "Linux 2.6.18-2.6.25"));
	CHECK_INTEQ(f.gp.status, HVC_PLAN_BLOCKED);
	teardown(&f);
}

/* 2.6.18 keeps 255 bytes (COMMAND_LINE_SIZE 256): an edit past that is refused. */
static void test_cmdline_too_long_blocks(void)
{
	struct fixture f;
	const struct hvc_action *a;
	_cleanup_free_ char *line = xasprintf("root=/dev/xvda1 %0240d", 0);

	setup_xen_pv(&f, "clocksource=jiffies", "/boot/vmlinuz-2.6.18-419.el5xen", line);
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_BLOCKED);
	CHECK(a && a->note && strstr(a->note, "more than the 255"));
	teardown(&f);
}

/* A running line of exactly len bytes, as GRUB builds it (BOOT_IMAGE= root= then the values). */
static char *running_line(size_t len)
{
	char *l = xasprintf("BOOT_IMAGE=/vmlinuz-5.10.0-28-amd64 root=/dev/vda1 ro quiet %0*d",
		(int)(len - strlen("BOOT_IMAGE=/vmlinuz-5.10.0-28-amd64 root=/dev/vda1 ro quiet ")),
		0);
	return l;
}

/*
 * The kernel gets more than the value hvclock edits (GRUB: BOOT_IMAGE= root= + _LINUX +
 * _DEFAULT; pygrub: the guest's entry, then extra=) and cuts the end, where the edit goes:
 * with the running line known, the whole line grown by the edit is checked against the
 * limit of the guest's kernel (1023 bytes for a Xen PV guest).
 */
static void test_running_line_too_long_blocks(void)
{
	struct fixture f;
	const struct hvc_action *a;

	/* GRUB: GRUB_CMDLINE_LINUX is short, the line the kernel gets is 2040 bytes */
	setup(&f, profile("clocksource=jiffies", NULL, NULL, false), HVC_BOOT_FIRMWARE, NULL);
	f.g->facts.inspected = true;
	f.g->facts.kernel_release = xstrdup("5.10.0-28-amd64");
	f.g->facts.bootloader = HVC_BOOTLOADER_UPDATE_GRUB;
	f.g->facts.grub_cmdline = xstrdup("");
	f.g->facts.grub_cmdline_default = xstrdup("quiet");
	f.g->facts.proc_cmdline = running_line(2040);
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED);
	CHECK(a && a->note &&
		strstr(a->note,
			"(/proc/cmdline, 2040 bytes) would grow to 2060 bytes, past the "
			"limit of 2047 bytes for Linux 5.10.0-28-amd64"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));
	/* the same edit on a running line with room: planned */
	free(f.g->facts.proc_cmdline);
	f.g->facts.proc_cmdline = running_line(2027);
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_PENDING && streq_ptr(a->after, "clocksource=jiffies"));
	teardown(&f);

	/* pygrub: extra= is short, the guest's entry makes the line 1010 bytes (Xen PV: 1023) */
	setup_xen_pv(&f, "clocksource=jiffies", "/boot/vmlinuz-5.10.0-28-amd64", "console=hvc0");
	f.g->boot = HVC_BOOT_BOOTLOADER;
	free(f.g->kernel);
	f.g->kernel = NULL;
	f.g->facts.inspected = true;
	f.g->facts.kernel_release = xstrdup("5.10.0-28-amd64");
	f.g->facts.proc_cmdline = running_line(1010);
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && !a->after);
	CHECK(a && a->note &&
		strstr(a->note,
			"1010 bytes) would grow to 1030 bytes, past the limit of 1023 "
			"bytes for Linux 5.10.0-28-amd64 as a Xen PV guest"));
	teardown(&f);

	/* a Xen PV guest's own boot loader: its limit is 1023, also for the value alone */
	setup_xen_pv(&f, "clocksource=jiffies", "/boot/vmlinuz-5.10.0-28-amd64", NULL);
	f.g->boot = HVC_BOOT_PVGRUB;
	f.g->facts.inspected = true;
	f.g->facts.kernel_release = xstrdup("5.10.0-28-amd64");
	f.g->facts.bootloader = HVC_BOOTLOADER_BLS;
	strv_consume(&f.g->facts.boot_items, xasprintf("/boot/loader/entries/a.conf %01010d", 0));
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && a->note && strstr(a->note, "1023"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));
	/* ... and the running line with initrd= etc. counts, with a short options value */
	strv_free(f.g->facts.boot_items);
	f.g->facts.boot_items = strv_split("/boot/loader/entries/a.conf ro", "|");
	f.g->facts.proc_cmdline = running_line(1010);
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && a->note &&
		strstr(a->note, "would grow to 1030 bytes, past the limit of 1023 bytes"));
	teardown(&f);
}

/*
 * A direct-kernel guest not yet inspected: the release comes from the host's kernel file
 * name (vmlinuz-5.10.0-...), so its generation and its 2047-byte limit apply, not the 255
 * bytes of an unknown kernel.
 */
static void test_release_from_kernel_file_name(void)
{
	struct fixture f;
	const struct hvc_action *a;
	_cleanup_free_ char *line = xasprintf("root=/dev/vda1 %0284d", 0);

	setup(&f, profile("clocksource=jiffies", NULL, NULL, false), HVC_BOOT_DIRECT_KERNEL, line);
	free(f.g->kernel);
	f.g->kernel = xstrdup("/var/lib/libvirt/boot/vmlinuz-5.10.0-28-amd64");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_HOST_CMDLINE);
	CHECK(a && a->state == HVC_ACTION_PENDING && a->after &&
		strlen(a->after) == strlen(line) + strlen(" clocksource=jiffies"));
	teardown(&f);
}

/* The item families: every item's before and after; rpm-ostree's exact command; blocked. */
static void test_bootloader_items(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup(&f, profile("clocksource_failover=acpi_pm", NULL, NULL, false), HVC_BOOT_FIRMWARE,
		NULL);
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_EXTLINUX;
	strv_push(&f.g->facts.boot_items, "/boot/extlinux/extlinux.conf:1 ro quiet");
	strv_push(&f.g->facts.boot_items, "/boot/extlinux/extlinux.conf:2 single");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_PENDING);
	CHECK(a &&
		streq_ptr(a->before,
			"/boot/extlinux/extlinux.conf:1: ro quiet; "
			"/boot/extlinux/extlinux.conf:2: single"));
	CHECK(a &&
		streq_ptr(a->after,
			"/boot/extlinux/extlinux.conf:1: ro quiet clocksource_failover=acpi_pm; "
			"/boot/extlinux/extlinux.conf:2: single clocksource_failover=acpi_pm"));
	CHECK(a && strstr(a->target, "APPEND lines"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));

	/* every item already holds it: in place (the running kernel has it too) */
	strv_free(f.g->facts.boot_items);
	f.g->facts.boot_items = NULL;
	strv_push(&f.g->facts.boot_items, "rpm-ostree rw clocksource_failover=hpet quiet");
	f.g->facts.bootloader = HVC_BOOTLOADER_RPM_OSTREE;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a &&
		streq_ptr(a->target,
			"guest boot loader: rpm-ostree kargs "
			"--delete=clocksource_failover=hpet --delete=quiet "
			"--append=clocksource_failover=acpi_pm --append=quiet"));
	CHECK(a && streq_ptr(a->after, "rpm-ostree: rw clocksource_failover=acpi_pm quiet"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));

	f.g->facts.bootloader_why = xstrdup("/boot/extlinux.conf has INCLUDE lines");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED);
	CHECK(a && a->note && strstr(a->note, "/boot/extlinux.conf has INCLUDE lines"));
	teardown(&f);
}

static void test_no_bootloader_blocks(void)
{
	struct fixture f;

	setup(&f, profile("clocksource=kvm-clock", NULL, NULL, false), HVC_BOOT_FIRMWARE, NULL);
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_NONE;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_BLOCKED);
	CHECK(f.gp.status_reason && strstr(f.gp.status_reason, "no boot loader"));
	teardown(&f);
}

/* Issue 11: the GRUB families in the plan: the winning file named, blocks with reasons. */
static void test_grub_families(void)
{
	struct fixture f;
	const struct hvc_action *a;

	/* the "no boot loader" reason says what the guest has and what it lacks */
	setup(&f, profile("clocksource=kvm-clock", NULL, NULL, false), HVC_BOOT_FIRMWARE, NULL);
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_NONE;
	f.g->facts.bootloader_why = xstrdup("found /etc/default/grub, but no update-grub, "
					    "grub-mkconfig or grub2-mkconfig");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && a->note &&
		strstr(a->note, "found /etc/default/grub, but no update-grub"));
	teardown(&f);

	/* grub-mkconfig; the override in grub.d that wins is the target */
	setup(&f, profile("clocksource=kvm-clock", NULL, NULL, false), HVC_BOOT_FIRMWARE, NULL);
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_GRUB_MKCONFIG;
	f.g->facts.grub_cmdline = xstrdup("ro");
	f.g->facts.grub_cmdline_file = xstrdup("/etc/default/grub.d/60-site.cfg");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_PENDING);
	CHECK(a &&
		streq(a->target,
			"guest /etc/default/grub.d/60-site.cfg GRUB_CMDLINE_LINUX, "
			"then grub-mkconfig -o /boot/grub/grub.cfg"));
	CHECK(a && streq_ptr(a->before, "ro") && streq_ptr(a->after, "ro clocksource=kvm-clock"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));
	/* ... a value built from an expansion there blocks, naming that file */
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("\"$GRUB_CMDLINE_LINUX ro\"");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && a->note &&
		strstr(a->note, "GRUB_CMDLINE_LINUX in /etc/default/grub.d/60-site.cfg"));
	teardown(&f);

	/* menu.lst alone: an item per kernel line, every one planned; one that cannot be
	 * edited blocks, naming its line */
	setup(&f, profile("clocksource=kvm-clock", NULL, NULL, false), HVC_BOOT_FIRMWARE, NULL);
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_MENU_LST;
	f.g->facts.boot_items = strv_split("/boot/grub/menu.lst:1 ro clocksource=kvm-clock|"
					   "/boot/grub/menu.lst:2 ro single",
		"|");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	/* the first entry holds it already, the second does not: still pending */
	CHECK(a && a->state == HVC_ACTION_PENDING);
	CHECK(a && streq(a->target, "guest /boot/grub/menu.lst kernel lines (every entry)"));
	CHECK_STREQ(a ? a->before : NULL,
		"/boot/grub/menu.lst:1: ro clocksource=kvm-clock; /boot/grub/menu.lst:2: ro "
		"single");
	CHECK_STREQ(a ? a->after : NULL,
		"/boot/grub/menu.lst:1: ro clocksource=kvm-clock; "
		"/boot/grub/menu.lst:2: ro single clocksource=kvm-clock");
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));
	strv_free(f.g->facts.boot_items);
	f.g->facts.boot_items = strv_split("/boot/grub/menu.lst:1 ro clocksource=kvm-clock|"
					   "/boot/grub/menu.lst:2 ro $X",
		"|");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && a->note &&
		strstr(a->note, "/boot/grub/menu.lst:2 holds one of"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));
	/* what the guest reported instead of items (bootloader-why) blocks with its text */
	strv_free(f.g->facts.boot_items);
	f.g->facts.boot_items = NULL;
	f.g->facts.bootloader_why = xstrdup("/boot/grub/menu.lst has no kernel line");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && a->note &&
		strstr(a->note, "cannot be edited: /boot/grub/menu.lst has no kernel line"));
	teardown(&f);

	/* grub-legacy: kopt is the target */
	setup(&f, profile("clocksource=kvm-clock", NULL, NULL, false), HVC_BOOT_FIRMWARE, NULL);
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_GRUB_LEGACY;
	f.g->facts.grub_cmdline = xstrdup("root=/dev/sda1 ro");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_PENDING &&
		strstr(a->target, "'# kopt=', then update-grub"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));
	/* ... and what messages name: the kopt and defoptions lines of menu.lst */
	f.g->facts.grub_cmdline_default = xstrdup("quiet clocksource=tsc");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_PENDING && a->note &&
		strstr(a->note, "'# defoptions=' in /boot/grub/menu.lst becomes 'quiet'"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("root=/dev/sda1 ro $X");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && a->note &&
		strstr(a->note,
			"cannot be edited: '# kopt=' in /boot/grub/menu.lst holds one of") &&
		!strstr(a->note, "GRUB_CMDLINE_LINUX"));
	hvc_guest_plan_finish(&f.gp);
	memset(&f.gp, 0, sizeof(f.gp));
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("root=/dev/sda1 ro");
	free(f.g->facts.grub_cmdline_default);
	f.g->facts.grub_cmdline_default = xstrdup("quiet `x`");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_GUEST_BOOTLOADER);
	CHECK(a && a->state == HVC_ACTION_BLOCKED && a->note &&
		strstr(a->note, "cannot be edited: '# defoptions=' in /boot/grub/menu.lst holds"));
	teardown(&f);
}

static void test_blocked_guest_is_not_touched(void)
{
	struct fixture f;

	setup(&f, profile("clocksource=kvm-clock", NULL, NULL, false), HVC_BOOT_FIRMWARE, NULL);
	f.g->facts.inspected = true;
	f.g->facts.bootloader = HVC_BOOTLOADER_NONE;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	/* No backend: any attempt to apply something would crash, and must not happen. */
	hvc_rollout_guest(NULL, &f.gp, NULL);
	CHECK_INTEQ(f.gp.result, HVC_RESULT_FAILED);
	CHECK(f.gp.result_msg && strstr(f.gp.result_msg, "no boot loader"));
	for (size_t i = 0; i < f.gp.n_actions; i++)
		CHECK_INTEQ(f.gp.actions[i].result, HVC_RESULT_NONE);
	teardown(&f);
}

static void test_skips(void)
{
	struct fixture f;

	setup(&f, profile("a=1", NULL, NULL, false), HVC_BOOT_DIRECT_KERNEL, "x");
	f.g->persistent = false;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_SKIPPED);
	CHECK(strstr(f.gp.status_reason, "transient"));
	CHECK_INTEQ(f.gp.n_actions, 0);
	teardown(&f);

	setup(&f, profile("a=1", NULL, NULL, false), HVC_BOOT_DIRECT_KERNEL, "x");
	f.g->state = HVC_STATE_SHUTOFF;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_SKIPPED);
	CHECK_STREQ(f.gp.status_reason, "not running");
	teardown(&f);

	/* No profile matches an unknown hypervisor. */
	setup(&f, profile("a=1", NULL, NULL, false), HVC_BOOT_DIRECT_KERNEL, "x");
	f.g->hypervisor = HVC_HYPERVISOR_UNKNOWN;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_NO_REMEDY);
	CHECK(f.gp.decision.reason && strstr(f.gp.decision.reason, "hypervisor unknown"));
	teardown(&f);
}

static void test_sysctl(void)
{
	struct fixture f;
	const struct hvc_action *a;

	/* Unknown whether the key exists: pending, with the condition spelled out. */
	setup(&f, profile(NULL, "xen.independent_wallclock=1", NULL, false), HVC_BOOT_DIRECT_KERNEL,
		"x");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_SYSCTL);
	CHECK(a && a->state == HVC_ACTION_PENDING && strstr(a->note, "only if the key exists"));
	CHECK(a && streq(a->key, "xen.independent_wallclock") && streq(a->after, "1"));
	teardown(&f);

	/* Key absent (pvops kernel): no action at all, a stale line would break sysctl -p. */
	setup(&f, profile(NULL, "xen.independent_wallclock=1", NULL, false), HVC_BOOT_DIRECT_KERNEL,
		"x");
	f.g->facts.inspected = true;
	f.g->facts.has_independent_wallclock = HVC_NO;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	CHECK(find(&f.gp, HVC_ACTION_SYSCTL) == NULL);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_NOTHING);
	teardown(&f);

	/* Present, live value right, persisted: in place. Live right but not persisted: pending. */
	for (int persisted = 0; persisted <= 1; persisted++) {
		setup(&f, profile(NULL, "xen.independent_wallclock=1", NULL, false),
			HVC_BOOT_DIRECT_KERNEL, "x");
		f.g->facts.inspected = true;
		f.g->facts.has_independent_wallclock = HVC_YES;
		strv_push(&f.g->facts.sysctls, "xen.independent_wallclock=1");
		if (persisted)
			f.g->facts.sysctl_dropin =
				xstrdup("# hvclock\nxen.independent_wallclock = 1\n");
		hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
		a = find(&f.gp, HVC_ACTION_SYSCTL);
		CHECK(a && a->state == (persisted ? HVC_ACTION_IN_PLACE : HVC_ACTION_PENDING));
		CHECK(a && streq(a->before, "1"));
		teardown(&f);
	}
}

/* Where the boot reads only /etc/sysctl.conf: the target is that file; in place only when its
 * last assignment of the key is hvclock's with the value; an unterminated block blocks. */
static void test_sysctl_conf(void)
{
	static const struct {
		const char *name;
		long open;
		struct hvc_sysctl_line lines[2];
		size_t n;
		enum hvc_action_state want;
		const char *note;
	} rows[] = {
		{ "no line for the key", 0, { { 0 } }, 0, HVC_ACTION_PENDING, "seen in /etc/rc.d" },
		{ "hvclock's block is last", 0,
			{ { 4, false, "xen.independent_wallclock", "0" },
				{ 6, true, "xen.independent_wallclock", "1" } },
			2, HVC_ACTION_IN_PLACE,
			"overrides 'xen.independent_wallclock = 0' at line 4" },
		{ "an admin line after the block wins at boot", 0,
			{ { 3, true, "xen.independent_wallclock", "1" },
				{ 7, false, "xen.independent_wallclock", "0" } },
			2, HVC_ACTION_PENDING, "at line 7" },
		{ "begin marker without end", 5, { { 0 } }, 0, HVC_ACTION_BLOCKED,
			"line 5 without its end marker" },
	};
	struct fixture f;
	const struct hvc_action *a;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		setup(&f, profile(NULL, "xen.independent_wallclock=1", NULL, false),
			HVC_BOOT_DIRECT_KERNEL, "x");
		f.g->facts.inspected = true;
		f.g->facts.has_independent_wallclock = HVC_YES;
		strv_push(&f.g->facts.sysctls, "xen.independent_wallclock=1");
		f.g->facts.sysctl_boot = xstrdup("sysctl.conf");
		f.g->facts.sysctl_boot_evidence = xstrdup("/etc/rc.d/rc.sysinit");
		f.g->facts.sysctl_conf_open = rows[i].open;
		f.g->facts.sysctl_conf = xcalloc(2, sizeof(struct hvc_sysctl_line));
		for (size_t j = 0; j < rows[i].n; j++) {
			f.g->facts.sysctl_conf[j] = rows[i].lines[j];
			f.g->facts.sysctl_conf[j].key = xstrdup(rows[i].lines[j].key);
			f.g->facts.sysctl_conf[j].value = xstrdup(rows[i].lines[j].value);
		}
		f.g->facts.n_sysctl_conf = rows[i].n;
		hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
		a = find(&f.gp, HVC_ACTION_SYSCTL);
		hvc_test_report(rows[i].name,
			a && streq(a->target, "/etc/sysctl.conf") && a->state == rows[i].want &&
				a->note && strstr(a->note, rows[i].note));
		teardown(&f);
	}

	/* The boot reads /etc/sysctl.d: the drop-in, as before. */
	setup(&f, profile(NULL, "xen.independent_wallclock=1", NULL, false), HVC_BOOT_DIRECT_KERNEL,
		"x");
	f.g->facts.inspected = true;
	f.g->facts.has_independent_wallclock = HVC_YES;
	f.g->facts.sysctl_boot = xstrdup("sysctl.d");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_SYSCTL);
	CHECK(a && streq(a->target, "/etc/sysctl.d/90-hvclock.conf"));
	teardown(&f);
}

/*
 * Where the boot reads /etc/sysctl.d: what overrides hvclock's drop-in at the next boot, from
 * the inspection's files and assignments, as each reader orders them (systemd 252 sysctl.d(5);
 * procps "sysctl --system" reads /etc/sysctl.conf last; EL6 apply_sysctl reads it first, then
 * /etc/sysctl.d/ only). FILES: "PATH[>TARGET]"; SETS: "PATH:LINE:VALUE"; CONF: sysctl.conf's
 * admin lines "LINE:VALUE". The drop-in and the live value already hold 1.
 */
static void test_sysctl_boot_order(void)
{
	static const char SYSTEMD[] = "/usr/lib/systemd/systemd-sysctl";
	static const struct {
		const char *name, *evidence, *files, *sets, *conf;
		enum hvc_action_state want;
		const char *note;
	} rows[] = {
		{ "systemd: Debian's 99-sysctl.conf link, an admin's 0 in sysctl.conf wins",
			SYSTEMD, "/etc/sysctl.d/99-sysctl.conf>/etc/sysctl.conf",
			"/etc/sysctl.d/99-sysctl.conf:4:0", "4:0", HVC_ACTION_BLOCKED,
			"at g1's next boot /etc/sysctl.d/99-sysctl.conf -> /etc/sysctl.conf line 4 "
			"'xen.independent_wallclock = 0' is read after "
			"/etc/sysctl.d/90-hvclock.conf "
			"(systemd-sysctl) and wins" },
		{ "systemd: the link without such a line", SYSTEMD,
			"/etc/sysctl.d/99-sysctl.conf>/etc/sysctl.conf", "", "",
			HVC_ACTION_IN_PLACE, NULL },
		{ "systemd: sysctl.conf itself is not read", SYSTEMD, "", "", "4:0",
			HVC_ACTION_IN_PLACE, NULL },
		{ "systemd: a vendor drop-in after hvclock's", SYSTEMD,
			"/etc/sysctl.d/10-a.conf /usr/lib/sysctl.d/95-xen.conf",
			"/etc/sysctl.d/10-a.conf:1:0 /usr/lib/sysctl.d/95-xen.conf:7:0", "",
			HVC_ACTION_BLOCKED, "/usr/lib/sysctl.d/95-xen.conf line 7" },
		{ "systemd: hidden by the same name in /etc/sysctl.d", SYSTEMD,
			"/etc/sysctl.d/95-xen.conf>/dev/null /usr/lib/sysctl.d/95-xen.conf",
			"/usr/lib/sysctl.d/95-xen.conf:7:0", "", HVC_ACTION_IN_PLACE, NULL },
		{ "systemd: /run/sysctl.d hides the same name in /usr/lib/sysctl.d", SYSTEMD,
			"/usr/lib/sysctl.d/95-x.conf /run/sysctl.d/95-x.conf",
			"/usr/lib/sysctl.d/95-x.conf:1:0 /run/sysctl.d/95-x.conf:2:1", "",
			HVC_ACTION_IN_PLACE, NULL },
		{ "systemd: the last one read wins", SYSTEMD,
			"/run/sysctl.d/95-x.conf /usr/lib/sysctl.d/96-y.conf",
			"/run/sysctl.d/95-x.conf:1:1 /usr/lib/sysctl.d/96-y.conf:2:0", "",
			HVC_ACTION_BLOCKED, "/usr/lib/sysctl.d/96-y.conf line 2" },
		{ "systemd: names not ending .conf are not read", SYSTEMD,
			"/etc/sysctl.d/99-x.conf.dpkg-old /etc/sysctl.d/README",
			"/etc/sysctl.d/99-x.conf.dpkg-old:1:0", "", HVC_ACTION_IN_PLACE, NULL },
		{ "systemd: an earlier name loses", SYSTEMD, "/etc/sysctl.d/89-z.conf",
			"/etc/sysctl.d/89-z.conf:1:0", "", HVC_ACTION_IN_PLACE, NULL },
		{ "systemd: a later assignment of the same value", SYSTEMD,
			"/etc/sysctl.d/99-x.conf", "/etc/sysctl.d/99-x.conf:1:1", "",
			HVC_ACTION_IN_PLACE, NULL },
		{ "procps script: /etc/sysctl.conf is read last", "/etc/init.d/procps", "", "",
			"4:0", HVC_ACTION_BLOCKED,
			"/etc/sysctl.conf line 4 "
			"'xen.independent_wallclock = 0' is read after "
			"/etc/sysctl.d/90-hvclock.conf (sysctl --system)" },
		{ "procps script: a later drop-in in any directory", "/etc/init/procps.conf",
			"/lib/sysctl.d/99-x.conf", "/lib/sysctl.d/99-x.conf:2:0", "",
			HVC_ACTION_BLOCKED, "/lib/sysctl.d/99-x.conf line 2" },
		{ "EL6 apply_sysctl: /etc/sysctl.conf is read first", "/etc/rc.d/init.d/functions",
			"/usr/lib/sysctl.d/99-x.conf /etc/sysctl.d/99-x.conf.rpmsave",
			"/usr/lib/sysctl.d/99-x.conf:1:0 /etc/sysctl.d/99-x.conf.rpmsave:1:0",
			"4:0", HVC_ACTION_IN_PLACE, NULL },
		{ "EL6 apply_sysctl: every /etc/sysctl.d file after hvclock's",
			"/etc/rc.d/rc.sysinit", "/etc/sysctl.d/zz-local",
			"/etc/sysctl.d/zz-local:3:0", "", HVC_ACTION_BLOCKED,
			"/etc/sysctl.d/zz-local line 3 'xen.independent_wallclock = 0' is read "
			"after "
			"/etc/sysctl.d/90-hvclock.conf (apply_sysctl)" },
	};
	struct fixture f;
	const struct hvc_action *a;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		_cleanup_strv_free_ char **files = strv_split(rows[i].files, " ");
		_cleanup_strv_free_ char **sets = strv_split(rows[i].sets, " ");
		_cleanup_strv_free_ char **conf = strv_split(rows[i].conf, " ");
		struct hvc_facts *fa;

		setup(&f, profile(NULL, "xen.independent_wallclock=1", NULL, false),
			HVC_BOOT_DIRECT_KERNEL, "x");
		fa = &f.g->facts;
		fa->inspected = true;
		fa->has_independent_wallclock = HVC_YES;
		strv_push(&fa->sysctls, "xen.independent_wallclock=1");
		fa->sysctl_dropin = xstrdup("xen.independent_wallclock = 1\n");
		fa->sysctl_boot = xstrdup("sysctl.d");
		fa->sysctl_boot_evidence = xstrdup(rows[i].evidence);
		fa->sysctl_files = xcalloc(strv_length(files) + 1, sizeof(*fa->sysctl_files));
		STRV_FOREACH (p, files) {
			char *gt = strchr(*p, '>');
			fa->sysctl_files[fa->n_sysctl_files++] = (struct hvc_sysctl_file){
				.path = gt ? xstrndup(*p, (size_t)(gt - *p)) : xstrdup(*p),
				.target = gt ? xstrdup(gt + 1) : NULL,
			};
		}
		fa->sysctl_sets = xcalloc(strv_length(sets) + 1, sizeof(*fa->sysctl_sets));
		STRV_FOREACH (p, sets) {
			_cleanup_strv_free_ char **w = strv_split(*p, ":");
			fa->sysctl_sets[fa->n_sysctl_sets++] = (struct hvc_sysctl_line){
				.line = atol(w[1]),
				.key = xstrdup("xen.independent_wallclock"),
				.value = xstrdup(w[2]),
				.path = xstrdup(w[0]),
			};
		}
		fa->sysctl_conf = xcalloc(strv_length(conf) + 1, sizeof(*fa->sysctl_conf));
		STRV_FOREACH (p, conf) {
			_cleanup_strv_free_ char **w = strv_split(*p, ":");
			fa->sysctl_conf[fa->n_sysctl_conf++] = (struct hvc_sysctl_line){
				.line = atol(w[0]),
				.key = xstrdup("xen.independent_wallclock"),
				.value = xstrdup(w[1]),
			};
		}
		hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
		a = find(&f.gp, HVC_ACTION_SYSCTL);
		hvc_test_report(rows[i].name,
			a && streq(a->target, "/etc/sysctl.d/90-hvclock.conf") &&
				a->state == rows[i].want &&
				(!rows[i].note || (a->note && strstr(a->note, rows[i].note))));
		if (a && a->state != rows[i].want)
			fprintf(stderr, "# %s: state %d, note %s\n", rows[i].name, a->state,
				strna(a->note));
		teardown(&f);
	}
}

static void test_live_clocksource(void)
{
	struct fixture f;
	const struct hvc_action *a;

	/* First listed one the guest offers. */
	setup(&f, profile(NULL, NULL, "kvm-clock hpet acpi_pm", false), HVC_BOOT_DIRECT_KERNEL,
		"x");
	f.g->facts.inspected = true;
	f.g->facts.available_clocksources = strv_split("tsc hpet acpi_pm", " ");
	f.g->facts.current_clocksource = xstrdup("tsc");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_LIVE_CLOCKSOURCE);
	CHECK(a && streq(a->after, "hpet") && streq(a->before, "tsc"));
	CHECK(a && a->state == HVC_ACTION_PENDING);
	teardown(&f);

	/* jiffies not offered on a tickless kernel, but the boot parameter sets it: wait. */
	setup(&f, profile("clocksource=jiffies", NULL, "jiffies", false), HVC_BOOT_DIRECT_KERNEL,
		"x clocksource=jiffies");
	f.g->facts.inspected = true;
	f.g->facts.available_clocksources = strv_split("xen tsc", " ");
	f.g->facts.current_clocksource = xstrdup("xen");
	f.g->facts.proc_cmdline = xstrdup("x clocksource=jiffies");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_LIVE_CLOCKSOURCE);
	CHECK(a && a->state == HVC_ACTION_POWER_CYCLE);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_POWER_CYCLE);
	teardown(&f);

	/* Nothing offered and no boot parameter: blocked. */
	setup(&f, profile(NULL, NULL, "kvm-clock", false), HVC_BOOT_DIRECT_KERNEL, "x");
	f.g->facts.inspected = true;
	f.g->facts.available_clocksources = strv_split("tsc hpet", " ");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	CHECK_INTEQ(f.gp.status, HVC_PLAN_BLOCKED);
	teardown(&f);
}

static void test_timesync_is_a_check(void)
{
	struct fixture f;
	const struct hvc_action *a;

	setup(&f, profile(NULL, NULL, NULL, true), HVC_BOOT_DIRECT_KERNEL, "x");
	f.g->facts.inspected = true;
	f.g->facts.timesync = xstrdup("none");
	f.g->facts.timesync_active = HVC_NO;
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	a = find(&f.gp, HVC_ACTION_TIMESYNC);
	CHECK(a && a->check_only && a->state == HVC_ACTION_BLOCKED);
	/* A missing daemon is reported but is not a change hvclock makes or a failure. */
	CHECK_INTEQ(f.gp.status, HVC_PLAN_NOTHING);
	teardown(&f);
}

static void test_record_keeps_first_original(void)
{
	struct fixture f;
	struct hvc_record r;

	setup(&f, profile("clocksource=jiffies", NULL, NULL, false), HVC_BOOT_DIRECT_KERNEL,
		"ro clocksource=hpet");
	hvc_plan_guest(&f.set, f.g, NULL, &f.gp);
	hvc_rollout_make_record(&f.gp, "ro clocksource=jiffies", &r);
	CHECK(r.had_cmdline);
	CHECK_STREQ(r.old_cmdline, "ro clocksource=hpet");
	CHECK_STREQ(r.profile, "test-remedy");
	hvc_record_finish(&r);

	/* A second change keeps what rollback must restore: the value before the first. */
	f.g->has_record = true;
	f.g->record.cmdline_changed = true;
	f.g->record.had_cmdline = false;
	f.g->record.address = xstrdup("10.0.0.5");
	f.g->record.port = 2222;
	hvc_rollout_make_record(&f.gp, "ro clocksource=jiffies", &r);
	CHECK(!r.had_cmdline);
	CHECK(r.old_cmdline == NULL);
	CHECK_STREQ(r.address, "10.0.0.5");
	CHECK_INTEQ(r.port, 2222);
	hvc_record_finish(&r);
	teardown(&f);
}

/* --- the host row (Xen dom0) --- */

static struct hvc_profile *host_profile(const char *name, const char *cmdline, const char *sysctls)
{
	struct hvc_profile *p = profile(NULL, NULL, NULL, false);
	free(p->name);
	p->name = xstrdup(name);
	if (cmdline)
		p->host_cmdline_set = strv_split(cmdline, " ");
	if (sysctls)
		p->host_sysctls = strv_split(sysctls, " ");
	return p;
}

struct host_fixture {
	struct hvc_plan plan;
	struct hvc_guest *guests[4];
	struct hvc_profile *profiles[4];
	size_t n;
	struct hvc_guest *dom0;
};

/* A guest planned with profile p (its plan status given), as run.c leaves it. */
static void host_add_guest(
	struct host_fixture *f, const char *name, struct hvc_profile *p, enum hvc_plan_status st)
{
	struct hvc_guest_plan *gp = hvc_plan_add(&f->plan);
	struct hvc_guest *g = hvc_guest_new();

	g->name = xstrdup(name);
	gp->guest = g;
	gp->decision.profile = p;
	gp->status = st;
	f->guests[f->n] = g;
	f->profiles[f->n++] = p;
}

static void host_setup(struct host_fixture *f, const char *grub, const char *proc)
{
	memset(f, 0, sizeof(*f));
	f->dom0 = hvc_guest_new_dom0("libxl", "xl:///", "Domain-0",
		"00000000-0000-0000-0000-000000000000", HVC_GUEST_TYPE_PV);
	f->dom0->facts.inspected = true;
	f->dom0->facts.bootloader = grub ? HVC_BOOTLOADER_UPDATE_GRUB : HVC_BOOTLOADER_NONE;
	f->dom0->facts.grub_cmdline = xstrdup_or_null(grub);
	f->dom0->facts.proc_cmdline = xstrdup_or_null(proc);
	f->dom0->facts.has_independent_wallclock = HVC_NO;
}

static void host_teardown(struct host_fixture *f)
{
	hvc_plan_finish(&f->plan);
	for (size_t i = 0; i < f->n; i++) {
		hvc_guest_free(f->guests[i]);
		/* one profile may serve several guests */
		for (size_t k = i + 1; k < f->n; k++)
			if (f->profiles[k] == f->profiles[i])
				f->profiles[k] = NULL;
		hvc_profile_free(f->profiles[i]);
	}
	hvc_guest_free(f->dom0);
}

static void test_host_row(void)
{
	struct host_fixture f;
	struct hvc_profile *wa2 = host_profile("xen-wa2", "clocksource=jiffies", NULL);
	wa2->host_timesync_required = true;
	struct hvc_profile *wa1 = host_profile("xen-wa1", NULL, "xen.independent_wallclock=1");
	const struct hvc_action *a;

	host_setup(&f, "console=hvc0 quiet", "placeholder root=/dev/vda1 console=hvc0 quiet");
	host_add_guest(&f, "d1", wa2, HVC_PLAN_PENDING);
	host_add_guest(&f, "d2", wa1, HVC_PLAN_NOTHING);
	host_add_guest(&f, "d3", wa2, HVC_PLAN_POWER_CYCLE);
	hvc_plan_host(&f.plan, f.dom0, false);
	CHECK(f.plan.host != NULL);
	if (f.plan.host) {
		const struct hvc_guest_plan *h = f.plan.host;
		CHECK_STREQ(h->decision.profile->name, "xen-wa2+xen-wa1");
		CHECK(h->decision.reason &&
			strstr(h->decision.reason, "xen-wa2 (chosen for d1, d3)"));
		/* The key does not exist in this dom0: said, and no sysctl action. */
		CHECK(strstr(h->decision.reason,
			"xen.independent_wallclock does not exist in dom0: left out"));
		CHECK(find(h, HVC_ACTION_SYSCTL) == NULL);
		a = find(h, HVC_ACTION_GUEST_BOOTLOADER);
		CHECK(a && strstr(a->target, "dom0 /etc/default/grub GRUB_CMDLINE_LINUX"));
		CHECK(a && streq(a->before, "console=hvc0 quiet"));
		CHECK(a && streq(a->after, "console=hvc0 quiet clocksource=jiffies"));
		CHECK(a && a->state == HVC_ACTION_PENDING && streq(a->takes_effect, "reboot"));
		CHECK(a && strstr(a->note, "host's next reboot"));
		CHECK(find(h, HVC_ACTION_HOST_CMDLINE) == NULL);
		/* xen-wa2 wants NTP in dom0: a check there, which never blocks the row. */
		a = find(h, HVC_ACTION_TIMESYNC);
		CHECK(a && a->check_only && streq(a->target, "time sync daemon in dom0"));
		CHECK(a && a->state == HVC_ACTION_PENDING && strstr(a->note, "in dom0"));
		CHECK_INTEQ(h->status, HVC_PLAN_PENDING);
	}
	host_teardown(&f);

	/* Configured and booted with it: nothing to do; configured only: waiting for a reboot. */
	for (int booted = 0; booted <= 1; booted++) {
		host_setup(&f, "quiet clocksource=jiffies",
			booted ? "placeholder quiet clocksource=jiffies" : "placeholder quiet");
		host_add_guest(&f, "d1", host_profile("xen-wa2", "clocksource=jiffies", NULL),
			HVC_PLAN_NOTHING);
		hvc_plan_host(&f.plan, f.dom0, false);
		a = f.plan.host ? find(f.plan.host, HVC_ACTION_GUEST_BOOTLOADER) : NULL;
		CHECK(a && a->state == (booted ? HVC_ACTION_IN_PLACE : HVC_ACTION_POWER_CYCLE));
		CHECK(f.plan.host &&
			f.plan.host->status == (booted ? HVC_PLAN_NOTHING : HVC_PLAN_POWER_CYCLE));
		CHECK(booted ||
			(a && a->note && strstr(a->note, "waiting for the host to reboot")));
		host_teardown(&f);
	}

	/* The key exists in dom0 (classic XenLinux dom0): a sysctl action in dom0. */
	host_setup(&f, "quiet", "quiet");
	f.dom0->facts.has_independent_wallclock = HVC_YES;
	strv_push(&f.dom0->facts.sysctls, "xen.independent_wallclock=0");
	host_add_guest(&f, "d2", host_profile("xen-wa1", NULL, "xen.independent_wallclock=1"),
		HVC_PLAN_PENDING);
	hvc_plan_host(&f.plan, f.dom0, false);
	a = f.plan.host ? find(f.plan.host, HVC_ACTION_SYSCTL) : NULL;
	CHECK(a && streq(a->key, "xen.independent_wallclock") && streq(a->before, "0") &&
		streq(a->after, "1") && a->state == HVC_ACTION_PENDING);
	CHECK(f.plan.host && find(f.plan.host, HVC_ACTION_GUEST_BOOTLOADER) == NULL);
	host_teardown(&f);
}

static void test_host_row_absent_blocked(void)
{
	struct host_fixture f;
	const struct hvc_action *a;

	/* No chosen profile has a [host] part: no host row, unless the host was named. */
	for (int named = 0; named <= 1; named++) {
		host_setup(&f, "quiet", "quiet");
		host_add_guest(&f, "k1", host_profile("el6-kvm", NULL, NULL), HVC_PLAN_PENDING);
		/* Guests that were skipped, failed or have no remedy do not count. */
		host_add_guest(&f, "x1", host_profile("xen-wa2", "clocksource=jiffies", NULL),
			HVC_PLAN_FAILED);
		host_add_guest(&f, "x2", host_profile("xen-wa2", "clocksource=jiffies", NULL),
			HVC_PLAN_SKIPPED);
		hvc_plan_host(&f.plan, f.dom0, named);
		CHECK((f.plan.host != NULL) == named);
		CHECK(!named ||
			(f.plan.host && f.plan.host->status == HVC_PLAN_NOTHING &&
				f.plan.host->n_actions == 0));
		host_teardown(&f);
	}

	/* Two remedies want different values of one parameter ('-' == '_'): blocked, no action. */
	host_setup(&f, "quiet", "quiet");
	host_add_guest(
		&f, "a", host_profile("one", "clock-source=jiffies", NULL), HVC_PLAN_PENDING);
	host_add_guest(&f, "b", host_profile("two", "clock_source=tsc", NULL), HVC_PLAN_PENDING);
	hvc_plan_host(&f.plan, f.dom0, false);
	CHECK(f.plan.host && f.plan.host->status == HVC_PLAN_BLOCKED);
	CHECK(f.plan.host && f.plan.host->n_actions == 0);
	CHECK(f.plan.host && strstr(f.plan.host->status_reason, "'clock_source=tsc' (two)") &&
		strstr(f.plan.host->status_reason, "'clock-source=jiffies'"));
	host_teardown(&f);

	/* Same parameter, same value from two profiles: merged once. Sysctl conflict: blocked. */
	host_setup(&f, "quiet", "quiet");
	host_add_guest(&f, "a", host_profile("one", "clocksource=jiffies", "kernel.x=1"),
		HVC_PLAN_PENDING);
	host_add_guest(&f, "b", host_profile("two", "clocksource=jiffies", "kernel.x=2"),
		HVC_PLAN_PENDING);
	hvc_plan_host(&f.plan, f.dom0, false);
	CHECK(f.plan.host && f.plan.host->status == HVC_PLAN_BLOCKED &&
		strstr(f.plan.host->status_reason, "'kernel.x=2' (two) and 'kernel.x=1'"));
	host_teardown(&f);

	/* Several hosts in the run: the dom0 row takes only its own host's guests' parts. */
	host_setup(&f, "quiet", "quiet");
	f.dom0->host = xstrdup("xen-a");
	host_add_guest(&f, "a", host_profile("one", "clocksource=jiffies", NULL), HVC_PLAN_PENDING);
	host_add_guest(&f, "b", host_profile("two", "clocksource=tsc", NULL), HVC_PLAN_PENDING);
	f.guests[0]->host = xstrdup("xen-a");
	f.guests[1]->host = xstrdup("xen-b");
	hvc_plan_host(&f.plan, f.dom0, false);
	CHECK(f.plan.host && f.plan.host->status == HVC_PLAN_PENDING &&
		streq(f.plan.host->decision.profile->name, "one"));
	a = f.plan.host ? find(f.plan.host, HVC_ACTION_GUEST_BOOTLOADER) : NULL;
	CHECK(a && streq(a->after, "quiet clocksource=jiffies"));
	host_teardown(&f);

	/* dom0 without a boot loader hvclock can edit: blocked, said so. */
	host_setup(&f, NULL, "quiet");
	host_add_guest(
		&f, "a", host_profile("xen-wa2", "clocksource=jiffies", NULL), HVC_PLAN_PENDING);
	hvc_plan_host(&f.plan, f.dom0, false);
	CHECK(f.plan.host && f.plan.host->status == HVC_PLAN_BLOCKED &&
		strstr(f.plan.host->status_reason, "dom0 has no boot loader hvclock can edit"));
	host_teardown(&f);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_direct_boot_host_cmdline),
		HVC_TEST(test_arch_misfit),
		HVC_TEST(test_xen_reboot_applies),
		HVC_TEST(test_no_cmdline_element),
		HVC_TEST(test_configured_waiting_power_cycle),
		HVC_TEST(test_firmware_goes_to_guest_bootloader),
		HVC_TEST(test_bootloader_converges_on_quoted_value),
		HVC_TEST(test_bootloader_value_not_edited_blocks),
		HVC_TEST(test_el6_dashdash),
		HVC_TEST(test_el5_tab),
		HVC_TEST(test_cmdline_too_long_blocks),
		HVC_TEST(test_running_line_too_long_blocks),
		HVC_TEST(test_release_from_kernel_file_name),
		HVC_TEST(test_bootloader_items),
		HVC_TEST(test_no_bootloader_blocks),
		HVC_TEST(test_grub_families),
		HVC_TEST(test_blocked_guest_is_not_touched),
		HVC_TEST(test_skips),
		HVC_TEST(test_sysctl),
		HVC_TEST(test_sysctl_conf),
		HVC_TEST(test_sysctl_boot_order),
		HVC_TEST(test_live_clocksource),
		HVC_TEST(test_timesync_is_a_check),
		HVC_TEST(test_record_keeps_first_original),
		HVC_TEST(test_host_row),
		HVC_TEST(test_host_row_absent_blocked),
	};
	return hvc_test_run(tests, ELEMENTSOF(tests));
}
