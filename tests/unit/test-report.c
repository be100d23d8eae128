/* test-report.c: golden files for the plan/rollout/list text and JSON output. */
#include <stdio.h>

#include "core/plan.h"
#include "core/report.h"
#include "tests/harness.h"

/*
 * The golden files live in tests/data/report/. After an intended output change,
 * regenerate them with HVC_TEST_REGENERATE=1 meson test -C build report and review
 * the diff before committing it.
 */

static struct hvc_profile_set profiles;
static struct hvc_guest_list guests;
static struct hvc_guest *dom0; /* the host row: a classic XenLinux dom0 with GRUB */

static struct hvc_guest *guest(const char *name, enum hvc_hypervisor hv, enum hvc_guest_type t,
	enum hvc_boot_path boot, const char *kernel, const char *cmdline)
{
	struct hvc_guest *g = hvc_guest_new();
	g->backend = xstrdup("libvirt");
	g->uri = xstrdup("test:///fleet.xml");
	g->name = xstrdup(name);
	snprintf(g->uuid, sizeof(g->uuid), "00000000-0000-4000-8000-%012zu", guests.n + 1);
	g->state = HVC_STATE_RUNNING;
	g->persistent = true;
	g->hypervisor = hv;
	g->type = t;
	g->boot = boot;
	g->kernel = xstrdup_or_null(kernel);
	g->has_cmdline = cmdline != NULL;
	g->cmdline = xstrdup_or_null(cmdline);
	g->live_cmdline = xstrdup_or_null(cmdline);
	g->cmdline_location = xstrdup("domain XML <os><cmdline>");
	g->reboot_applies = hv == HVC_HYPERVISOR_XEN;
	g->arch = xstrdup("x86_64");
	hvc_guest_list_append(&guests, g);
	return g;
}

static void build_fleet(void)
{
	struct hvc_guest *g;

	guest("el6-direct", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"/boot/vmlinuz-2.6.32-754.el6.x86_64", "ro root=/dev/vda1 quiet");

	g = guest("el6 disk \x1b[31mred", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_FIRMWARE,
		NULL, NULL);
	g->os_id = xstrdup("http://centos.org/centos/6.10");

	/* An inspected classic Xen guest, with evidence. */
	g = guest("xen-old", HVC_HYPERVISOR_XEN, HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
		"/var/lib/xen/vmlinuz-2.6.18-419.el5xen", "root=/dev/xvda1 ro clocksource=jiffies");
	g->facts.inspected = true;
	g->facts.kernel_release = xstrdup("2.6.18-419.el5xen");
	g->facts.kernel_release_source = xstrdup("guest");
	g->facts.os_release = xstrdup("CentOS release 5.11 (Final)");
	g->facts.current_clocksource = xstrdup("xen");
	g->facts.available_clocksources = strv_split("xen jiffies", " ");
	g->facts.proc_cmdline = xstrdup("root=/dev/xvda1 ro");
	g->facts.has_independent_wallclock = HVC_YES;
	g->facts.independent_wallclock = 0;
	strv_push(&g->facts.sysctls, "xen.independent_wallclock=0");
	g->facts.timesync = xstrdup("ntpd");
	g->facts.timesync_active = HVC_YES;
	g->facts.bootloader = HVC_BOOTLOADER_GRUB2_MKCONFIG;
	g->facts.uptime_seconds = 86400;
	g->facts.sysctl_boot = xstrdup("sysctl.d");
	g->facts.sysctl_boot_evidence = xstrdup("/usr/lib/systemd/systemd-sysctl");
	hvc_facts_add_log(&g->facts, HVC_SYMPTOM_TIME_WENT_BACKWARDS,
		"clocksource/0: Time went backwards: delta=-118088543 shadow=1 offset=2");

	/* An inspected modern KVM guest that needs nothing. */
	g = guest("modern", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_FIRMWARE, NULL, NULL);
	g->facts.inspected = true;
	g->facts.kernel_release = xstrdup("6.1.0-26-amd64");
	g->facts.kernel_release_source = xstrdup("guest");
	g->facts.current_clocksource = xstrdup("kvm-clock");
	g->facts.available_clocksources = strv_split("kvm-clock tsc hpet acpi_pm", " ");
	g->facts.constant_tsc = HVC_YES;
	g->facts.nonstop_tsc = HVC_NO;
	g->facts.tsc_reliable = HVC_NO;

	g = guest("transient", HVC_HYPERVISOR_KVM, HVC_GUEST_TYPE_KVM, HVC_BOOT_DIRECT_KERNEL,
		"/boot/vmlinuz-2.6.32-754.el6.x86_64", "ro");
	g->persistent = false;

	g = guest("broken", HVC_HYPERVISOR_UNKNOWN, HVC_GUEST_TYPE_UNKNOWN, HVC_BOOT_UNKNOWN, NULL,
		NULL);
	g->error = xstrdup("domain XML has no <os> element");

	dom0 = hvc_guest_new_dom0("libxl", "xl:///", "Domain-0",
		"00000000-0000-0000-0000-000000000000", HVC_GUEST_TYPE_PV);
	dom0->facts.inspected = true;
	dom0->facts.kernel_release = xstrdup("2.6.18-419.el5xen");
	dom0->facts.kernel_release_source = xstrdup("guest");
	dom0->facts.current_clocksource = xstrdup("xen");
	dom0->facts.available_clocksources = strv_split("xen jiffies", " ");
	dom0->facts.proc_cmdline = xstrdup("ro root=/dev/sda1");
	dom0->facts.has_independent_wallclock = HVC_YES;
	strv_push(&dom0->facts.sysctls, "xen.independent_wallclock=0");
	dom0->facts.bootloader = HVC_BOOTLOADER_GRUBBY;
	dom0->facts.grub_cmdline = xstrdup("ro root=/dev/sda1");
}

static void make_plan(struct hvc_plan *plan)
{
	for (size_t i = 0; i < guests.n; i++) {
		struct hvc_guest_plan *gp = hvc_plan_add(plan);
		if (guests.guests[i]->error)
			hvc_plan_guest_failed(
				guests.guests[i], HVC_ERRKIND_BACKEND, guests.guests[i]->error, gp);
		else
			hvc_plan_guest(&profiles, guests.guests[i], NULL, gp);
	}
	hvc_plan_host(plan, dom0, false);
}

static char *render_text(const struct hvc_plan *plan, enum hvc_report_kind kind)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hvc_report_opts o = { 0 };
	hvc_report_plan_text(f, stderr, plan, kind, &o);
	fclose(f);
	return buf;
}

static char *render_json(struct json_object *doc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	hvc_report_print_json(f, doc);
	fclose(f);
	json_object_put(doc);
	return buf;
}

static void compare(const char *text, const char *golden)
{
	_cleanup_free_ char *path = hvc_test_data(golden);
	CHECK(hvc_test_compare_file(text, path));
}

static void test_plan_text(void)
{
	struct hvc_plan plan = { 0 };
	make_plan(&plan);
	_cleanup_free_ char *t = render_text(&plan, HVC_REPORT_PLAN);
	compare(t, "report/plan.txt");
	/* Whatever the golden file says: a terminal escape from a guest name never gets through. */
	CHECK(strchr(t, '\x1b') == NULL);
	hvc_plan_finish(&plan);
}

/* More rows than compact_over: the table, then in detail only the rows that need attention. */
static void test_plan_compact_and_quiet(void)
{
	struct hvc_plan plan = { 0 };
	struct hvc_report_opts o = { .compact_over = 6 };
	char *buf = NULL, *ebuf = NULL;
	size_t len = 0, elen = 0;
	FILE *f, *e;

	make_plan(&plan);
	f = open_memstream(&buf, &len);
	hvc_report_plan_text(f, stderr, &plan, HVC_REPORT_PLAN, &o);
	fclose(f);
	CHECK(strstr(buf, "\nmodern  ") && strstr(buf, "\ntransient  ")); /* in the table */
	CHECK(strstr(buf, "\nel6-direct: changes pending\n") && strstr(buf, "\nbroken: failed\n") &&
		strstr(buf, "\nDomain-0: changes pending\n"));
	CHECK(!strstr(buf, "\nmodern: ") && !strstr(buf, "\ntransient: "));
	CHECK(strstr(buf,
		"\n5 of 7 guests in detail: those that need attention (-v shows every "
		"guest)\n"));
	free(buf);

	/* 7 rows fit in 7: every guest in detail; and with verbose whatever the size. */
	for (int i = 0; i < 2; i++) {
		o = (struct hvc_report_opts){ .compact_over = i ? 1 : 7, .verbose = i };
		f = open_memstream(&buf, &len);
		hvc_report_plan_text(f, stderr, &plan, HVC_REPORT_PLAN, &o);
		fclose(f);
		CHECK(strstr(buf, "\nmodern: no remedy\n") && !strstr(buf, "guests in detail"));
		free(buf);
	}

	/* -q: the names that need attention on f, why the failed one failed on err. */
	o = (struct hvc_report_opts){ .quiet = true };
	f = open_memstream(&buf, &len);
	e = open_memstream(&ebuf, &elen);
	hvc_report_plan_text(f, e, &plan, HVC_REPORT_PLAN, &o);
	fclose(f);
	fclose(e);
	CHECK(streq(buf, "el6-direct\nel6 disk \\x1b[31mred\nxen-old\nbroken\nDomain-0\n"));
	CHECK(strncmp(ebuf, "hvclock: broken: failed: ", 25) == 0 && !strchr(ebuf + 25, '\n')[1]);
	if (hvc_test_case_failed)
		printf("# %s# %s", buf, ebuf);
	free(buf);
	free(ebuf);
	hvc_plan_finish(&plan);
}

static void test_plan_json(void)
{
	struct hvc_plan plan = { 0 };
	make_plan(&plan);
	_cleanup_free_ char *t = render_json(hvc_report_plan_json(&plan, HVC_REPORT_PLAN));
	compare(t, "report/plan.json");
	/* The JSON must parse and keep the raw name. */
	struct json_object *o = json_tokener_parse(t);
	CHECK(o != NULL);
	if (o) {
		struct json_object *gs, *g1, *name;
		CHECK(json_object_object_get_ex(o, "guests", &gs));
		g1 = json_object_array_get_idx(gs, 1);
		CHECK(json_object_object_get_ex(g1, "name", &name));
		CHECK_STREQ(json_object_get_string(name), "el6 disk \x1b[31mred");
		/* The host row: its own key, not one of the guests. */
		struct json_object *h, *hn;
		CHECK(json_object_object_get_ex(o, "host", &h) && h);
		CHECK(h && json_object_object_get_ex(h, "name", &hn) &&
			streq(json_object_get_string(hn), "Domain-0"));
		CHECK_INTEQ(json_object_array_length(gs), guests.n);
		json_object_put(o);
	}
	hvc_plan_finish(&plan);
}

/* Outcomes as a rollout would leave them, set by hand: the report is what is under test. */
static void fake_rollout(struct hvc_plan *plan)
{
	for (size_t i = 0; i < plan->n + !!plan->host; i++) {
		struct hvc_guest_plan *gp = i < plan->n ? &plan->guests[i] : plan->host;
		for (size_t k = 0; k < gp->n_actions; k++) {
			struct hvc_action *a = &gp->actions[k];
			if (a->kind == HVC_ACTION_HOST_CMDLINE)
				hvc_action_set_result(a, HVC_RESULT_DEFERRED,
					"written and read back; takes effect at the next "
					"power-cycle");
			else if (a->state == HVC_ACTION_IN_PLACE)
				hvc_action_set_result(a, HVC_RESULT_IN_PLACE, NULL);
			else
				hvc_action_set_result(a, HVC_RESULT_APPLIED, NULL);
		}
		gp->result = gp->status == HVC_PLAN_SKIPPED ? HVC_RESULT_SKIPPED
			: gp->status == HVC_PLAN_FAILED     ? HVC_RESULT_FAILED
			: gp->status == HVC_PLAN_NO_REMEDY  ? HVC_RESULT_SKIPPED
			: gp->status == HVC_PLAN_NOTHING    ? HVC_RESULT_IN_PLACE
							    : HVC_RESULT_DEFERRED;
		gp->result_msg = xstrdup_or_null(gp->status_reason);
	}
}

static void test_rollout_text_and_json(void)
{
	struct hvc_plan plan = { 0 };
	make_plan(&plan);
	fake_rollout(&plan);
	_cleanup_free_ char *t = render_text(&plan, HVC_REPORT_ROLLOUT);
	_cleanup_free_ char *j = render_json(hvc_report_plan_json(&plan, HVC_REPORT_ROLLOUT));
	compare(t, "report/rollout.txt");
	compare(j, "report/rollout.json");
	hvc_plan_finish(&plan);
}

static void test_list(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	hvc_report_list_text(f, &guests, &(struct hvc_table_opts){ 0 });
	fclose(f);
	compare(buf, "report/list.txt");
	free(buf);
	/* hosts[]: the same objects as plan's, one answered and one that failed. */
	const struct hvc_plan_host hosts[] = {
		{ .name = "localhost", .uri = "test:///default", .guests = guests.n },
		{ .name = "kvm2",
			.uri = "qemu+ssh://kvm2/system",
			.error = "cannot connect to 'qemu+ssh://kvm2/system': Connection refused",
			.error_kind = HVC_ERRKIND_BACKEND },
	};
	_cleanup_free_ char *j = render_json(hvc_report_list_json(&guests, hosts, 2));
	compare(j, "report/list.json");
}

/* True if t is valid UTF-8 with no C0 control but '\n', no DEL, no C1 code point. */
static bool terminal_safe(const char *t)
{
	_cleanup_free_ char *lines =
		hvc_escape(t, strlen(t), HVC_ESCAPE_CONTROLS | HVC_ESCAPE_KEEP_NEWLINE);
	return streq(lines, t);
}

static bool utf8_valid(const char *t)
{
	_cleanup_free_ char *u = hvc_utf8_sanitize(t);
	return streq(u, t);
}

/*
 * Guest- and network-supplied text in every field a report prints: the text report has no
 * raw control byte, C1 code point or invalid UTF-8; the JSON is valid UTF-8 and parses.
 */
static void test_hostile_fields(void)
{
	static const char bad[] = "\x1b]0;pwned\x07\x1b[2J\xc2\x9b"
				  "31m\x9b\xff\xfe\x7f\r\n";
	_cleanup_free_ char *name = xasprintf("evil%s", bad);
	struct hvc_guest *g = hvc_guest_new();
	struct hvc_plan plan = { 0 };
	struct hvc_guest_plan *gp;
	struct hvc_guest_list one = { 0 };

	g->backend = xstrdup("libvirt");
	g->uri = xasprintf("test:///%s", bad);
	g->name = xstrdup(name);
	g->state = HVC_STATE_RUNNING;
	g->persistent = true;
	g->hypervisor = HVC_HYPERVISOR_KVM;
	g->type = HVC_GUEST_TYPE_KVM;
	g->boot = HVC_BOOT_FIRMWARE;
	g->boot_detail = xstrdup(bad);
	g->facts.inspected = true;
	g->facts.kernel_release = xasprintf("2.6.32%s", bad);
	g->facts.current_clocksource = xstrdup(bad);
	g->facts.available_clocksources = strv_split(bad, " ");
	g->facts.os_release = xstrdup(bad);
	hvc_facts_add_log(&g->facts, HVC_SYMPTOM_TSC_UNSTABLE, bad);
	gp = hvc_plan_add(&plan);
	hvc_plan_guest(&profiles, g, NULL, gp);
	gp->reach.address = xasprintf("10.0.0.1%s", bad);
	gp->reach.address_source = xstrdup("libvirt");
	gp->reach.inspect_error = xasprintf("inspection script exited with status 1: %s", bad);
	free(gp->status_reason);
	gp->status_reason = xasprintf("reason %s", bad);
	gp->result = HVC_RESULT_FAILED;
	gp->result_msg = xasprintf("cannot reach the guest: Protocol mismatch: SSH-1.5-%s", bad);

	for (int k = HVC_REPORT_PLAN; k <= HVC_REPORT_ROLLOUT; k++) {
		_cleanup_free_ char *t = render_text(&plan, k);
		_cleanup_free_ char *j = render_json(hvc_report_plan_json(&plan, k));
		CHECK(terminal_safe(t));
		/* One line per field: a guest's CR/LF never starts a line of its own. */
		CHECK(!strstr(t, "\n,") && !strstr(t, "\n)"));
		CHECK(strstr(t, "evil\\x1b]0;pwned\\x07\\x1b[2J\\u009b31m\\x9b\\xff\\xfe\\x7f"));
		CHECK(utf8_valid(j));
		struct json_object *o = json_tokener_parse(j);
		CHECK(o != NULL);
		json_object_put(o);
		if (hvc_test_case_failed)
			printf("# %s\n", t);
	}
	hvc_guest_list_append(&one, g);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	hvc_report_list_text(f, &one, &(struct hvc_table_opts){ 0 });
	fclose(f);
	CHECK(terminal_safe(buf));
	free(buf);
	_cleanup_free_ char *j = render_json(hvc_report_list_json(&one, NULL, 0));
	CHECK(utf8_valid(j));
	hvc_plan_finish(&plan);
	hvc_guest_list_finish(&one);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_plan_text),
		HVC_TEST(test_plan_compact_and_quiet),
		HVC_TEST(test_plan_json),
		HVC_TEST(test_rollout_text_and_json),
		HVC_TEST(test_list),
		HVC_TEST(test_hostile_fields),
	};
	const char *dir = getenv("HVCLOCK_PROFILES_DIR");
	struct hvc_error err = { 0 };
	int r;

	if (hvc_profile_set_load(dir ? dir : "templates/profiles", &profiles, &err) < 0) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	build_fleet();
	r = hvc_test_run(tests, ELEMENTSOF(tests));
	hvc_guest_list_finish(&guests);
	hvc_guest_free(dom0);
	hvc_profile_set_finish(&profiles);
	return r;
}
