/* test-guestscript.c: guest script requests (golden text, refusals) and strict report parsing. */
#include <errno.h>
#include <stdio.h>

#include "core/guestscript.h"
#include "core/profile.h"
#include "tests/harness.h"

#define DATA_OPEN "hvc_main <<'HVCLOCK_DATA_END'\n"
#define DATA_CLOSE "HVCLOCK_DATA_END\n"

/* The embedded scripts are exactly the files in templates/guest/. */
/* The script file with its "# @HVC_LIB@" line replaced by lib.sh, as the build embeds it. */
static char *assembled(const char *dir, const char *name)
{
	_cleanup_free_ char *sp = xasprintf("%s/%s", dir, name), *lp = xasprintf("%s/lib.sh", dir);
	_cleanup_free_ char *script = hvc_test_read_file(sp), *lib = hvc_test_read_file(lp);
	const char *m, *eol;

	if (!script || !lib)
		return NULL;
	m = strstr(script, "\n# @HVC_LIB@");
	if (!m || strstr(m + 1, "\n# @HVC_LIB@"))
		return NULL;
	eol = strchr(m + 1, '\n');
	if (!eol)
		return NULL;
	return xasprintf("%.*s%s%s", (int)(m + 1 - script), script, lib, eol + 1);
}

static void test_embedded_scripts(void)
{
	const char *profiles = getenv("HVCLOCK_PROFILES_DIR");
	_cleanup_free_ char *dir = NULL, *inspect = NULL, *apply = NULL;

	CHECK(profiles != NULL);
	if (!profiles)
		return;
	dir = xasprintf("%s/../guest", profiles);
	inspect = assembled(dir, "inspect.sh");
	apply = assembled(dir, "apply.sh");
	CHECK_STREQ(hvc_script_inspect, inspect);
	CHECK_STREQ(hvc_script_apply, apply);
	CHECK_INTEQ(hvc_script_inspect_len, strlen(hvc_script_inspect));
	CHECK_INTEQ(hvc_script_apply_len, strlen(hvc_script_apply));
	/* lib.sh went in, the marker went out. */
	CHECK(strstr(hvc_script_apply, "\n# @HVC_LIB@") == NULL);
	CHECK(strstr(hvc_script_apply, "\nhvc_put() {") != NULL);
	CHECK(strstr(hvc_script_inspect, "\nhvc_put() {") != NULL);
	/* The here-document opener is appended by the C side, never in the script itself. */
	CHECK(strstr(hvc_script_inspect, "\nHVCLOCK_DATA_END\n") == NULL);
	CHECK(strstr(hvc_script_apply, "\nHVCLOCK_DATA_END\n") == NULL);
}

/* The request is the script, then the data block; returns the data block only. */
static const char *data_of(const char *req, size_t len, const char *script, size_t slen)
{
	CHECK(req != NULL);
	if (!req)
		return "";
	CHECK_INTEQ(len, strlen(req));
	CHECK(len > slen && memcmp(req, script, slen) == 0);
	return req + slen;
}

static void test_inspect_request(void)
{
	char *keys[] = { "xen.independent_wallclock", "kernel.panic", NULL };
	size_t len = 99;
	_cleanup_free_ char *req = hvc_inspect_request(keys, false, 0, &len);
	_cleanup_free_ char *none = NULL;

	CHECK_STREQ(data_of(req, len, hvc_script_inspect, hvc_script_inspect_len),
		DATA_OPEN "sysctl xen.independent_wallclock\n"
			  "sysctl kernel.panic\n" DATA_CLOSE);
	none = hvc_inspect_request(NULL, false, 0, &len);
	CHECK_STREQ(data_of(none, len, hvc_script_inspect, hvc_script_inspect_len),
		DATA_OPEN DATA_CLOSE);
}

static void test_inspect_request_refuses(void)
{
	static const char *const bad[] = {
		"Kernel.panic",
		"kernel",
		".kernel.panic",
		"kernel.panic.",
		"kernel..panic",
		"kernel.pa nic",
		"kernel.panic\nHVCLOCK_DATA_END",
		"$(reboot).x",
		"a;b.c",
		"",
		"net.ipv4/conf",
		"x.y'",
	};
	char **many = NULL;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char *keys[] = { "kernel.panic", (char *)bad[i], NULL };
		size_t len = 7;
		char *req = hvc_inspect_request(keys, false, 0, &len);
		if (req || len != 0)
			printf("# accepted bad key '%s'\n", bad[i]);
		CHECK(req == NULL);
		CHECK_INTEQ(len, 0);
		free(req);
	}
	for (int i = 0; i < 257; i++)
		strv_consume(&many, xasprintf("k.k%d", i));
	CHECK(hvc_inspect_request(many, false, 0, NULL) == NULL);
	strv_free(many);
}

/* --- a plan, built by hand --- */

struct fixture {
	struct hvc_profile profile;
	struct hvc_guest *g;
	struct hvc_guest_plan gp;
};

static struct hvc_action *add(struct fixture *f, enum hvc_action_kind k, enum hvc_action_state s)
{
	struct hvc_action *a;

	f->gp.actions = xrealloc(f->gp.actions, f->gp.n_actions + 1, sizeof(*a));
	a = &f->gp.actions[f->gp.n_actions++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->state = s;
	a->target = xstrdup("t");
	return a;
}

static struct hvc_action *add_sysctl(
	struct fixture *f, const char *key, const char *value, enum hvc_action_state s)
{
	struct hvc_action *a = add(f, HVC_ACTION_SYSCTL, s);
	a->key = xstrdup(key);
	a->after = xstrdup(value);
	return a;
}

/* An EL5 XenLinux-like remedy: boot param, two sysctls, a live switch, a time sync check. */
static void setup(struct fixture *f)
{
	struct hvc_action *a;

	memset(f, 0, sizeof(*f));
	f->profile.name = "test";
	f->profile.live_clocksources = strv_split("jiffies tsc", " ");
	f->g = hvc_guest_new();
	f->gp.guest = f->g;
	f->gp.decision.profile = &f->profile;
	add(f, HVC_ACTION_HOST_CMDLINE, HVC_ACTION_PENDING)->after = xstrdup("ro");
	f->g->facts.bootloader = HVC_BOOTLOADER_GRUBBY;
	f->g->facts.grub_cmdline = xstrdup("ro clocksource=tsc quiet notsc");
	a = add(f, HVC_ACTION_GUEST_BOOTLOADER, HVC_ACTION_PENDING);
	a->set = strv_split("clocksource=jiffies independent_wallclock=1", " ");
	a->remove = strv_split("clocksource=tsc notsc", " ");
	add_sysctl(f, "xen.independent_wallclock", "1", HVC_ACTION_PENDING);
	add_sysctl(f, "kernel.panic", "5", HVC_ACTION_IN_PLACE);
	add_sysctl(f, "xen.absent_key", "1", HVC_ACTION_BLOCKED);
	add(f, HVC_ACTION_LIVE_CLOCKSOURCE, HVC_ACTION_PENDING)->after = xstrdup("jiffies");
	add(f, HVC_ACTION_TIMESYNC, HVC_ACTION_PENDING)->check_only = true;
}

static void teardown(struct fixture *f)
{
	strv_free(f->profile.live_clocksources);
	f->gp.decision.profile = NULL;
	hvc_guest_plan_finish(&f->gp);
	hvc_guest_free(f->g);
}

static void test_apply_request(void)
{
	struct fixture f;
	struct hvc_error err = { 0 };
	size_t len = 0;
	char *req;

	setup(&f);
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK_STREQ(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
		DATA_OPEN "mode apply\n"
			  "bootloader grubby\n"
			  "boot-old ro clocksource=tsc quiet notsc\n"
			  "boot-new ro quiet clocksource=jiffies independent_wallclock=1\n"
			  "boot-grubby-remove clocksource=tsc\n"
			  "boot-grubby-remove notsc\n"
			  "boot-grubby-add clocksource=jiffies\n"
			  "boot-grubby-add independent_wallclock=1\n"
			  "sysctl xen.independent_wallclock 1\n"
			  "sysctl kernel.panic 5\n"
			  "clocksource jiffies tsc\n"
			  "timesync\n" DATA_CLOSE);
	CHECK(!hvc_error_is_set(&err));
	free(req);

	/* /etc/default/grub: both assignments, old and new, as computed on the host */
	f.g->facts.bootloader = HVC_BOOTLOADER_UPDATE_GRUB;
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("");
	f.g->facts.grub_cmdline_default = xstrdup("quiet notsc clocksource=hpet");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK_STREQ(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
		DATA_OPEN "mode apply\n"
			  "bootloader update-grub\n"
			  "boot-old\n"
			  "boot-new clocksource=jiffies independent_wallclock=1\n"
			  "boot-default-old quiet notsc clocksource=hpet\n"
			  "boot-default-new quiet\n"
			  "sysctl xen.independent_wallclock 1\n"
			  "sysctl kernel.panic 5\n"
			  "clocksource jiffies tsc\n"
			  "timesync\n" DATA_CLOSE);
	CHECK(!hvc_error_is_set(&err));
	free(req);

	/* a value hvclock does not edit is refused, not sent */
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("ro $EXTRA");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK(!req);
	CHECK(strstr(err.msg, "GRUB_CMDLINE_LINUX in /etc/default/grub holds one of"));
	hvc_error_clear(&err);
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("ro clocksource=tsc quiet notsc");
	free(f.g->facts.grub_cmdline_default);
	f.g->facts.grub_cmdline_default = NULL;
	f.g->facts.bootloader = HVC_BOOTLOADER_GRUBBY;
	free(req);

	/* rollback: every guest-side step, without its values */
	req = hvc_apply_request(&f.gp, true, 0, &len, &err);
	CHECK_STREQ(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
		DATA_OPEN "mode rollback\n"
			  "bootloader\n"
			  "sysctl xen.independent_wallclock 1\n"
			  "sysctl kernel.panic 5\n"
			  "sysctl xen.absent_key 1\n"
			  "clocksource jiffies tsc\n"
			  "timesync\n" DATA_CLOSE);
	free(req);

	/* nothing pending among the sysctls: none is sent, in-place ones neither */
	f.gp.actions[2].state = HVC_ACTION_IN_PLACE;
	f.gp.actions[1].state = HVC_ACTION_IN_PLACE;
	f.gp.actions[6].state = HVC_ACTION_IN_PLACE;
	free(f.gp.actions[5].after);
	f.gp.actions[5].after = xstrdup("tsc"); /* the planned target goes first */
	free(f.profile.live_clocksources[0]);
	f.profile.live_clocksources[0] = xstrdup("hpet");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK_STREQ(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
		DATA_OPEN "mode apply\n"
			  "clocksource hpet tsc\n" DATA_CLOSE);
	free(req);
	teardown(&f);

	/* a rollback plan from core/rollout.c: one guest-restore action */
	setup(&f);
	for (size_t i = 0; i < f.gp.n_actions; i++)
		f.gp.actions[i].kind = HVC_ACTION_HOST_CMDLINE;
	add(&f, HVC_ACTION_GUEST_RESTORE, HVC_ACTION_PENDING);
	req = hvc_apply_request(&f.gp, true, 0, &len, &err);
	CHECK_STREQ(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
		DATA_OPEN "mode rollback\n" DATA_CLOSE);
	free(req);
	/* and nothing to apply is an error, not an empty request */
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK(req == NULL);
	CHECK_INTEQ(err.code, -EINVAL);
	teardown(&f);
}

/*
 * The guest request computes the boot loader edit the plan shows, by the same kernel release:
 * on EL6 (2.6.32, which parses what follows `--` too) the value a remove names goes from after
 * `--` as well.
 */
static void test_apply_request_by_release(void)
{
	struct fixture f;
	struct hvc_error err = { 0 };
	size_t len = 0;
	char *req;

	setup(&f);
	f.g->facts.bootloader = HVC_BOOTLOADER_UPDATE_GRUB;
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("ro clocksource=tsc -- clocksource=tsc");
	f.g->facts.kernel_release = xstrdup("2.6.32-754.el6.x86_64");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK(req &&
		strstr(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
			"boot-new ro clocksource=jiffies independent_wallclock=1 --\n"));
	CHECK(!hvc_error_is_set(&err));
	free(req);

	/* 4.2 and later hand what follows `--` to init: it stays. */
	free(f.g->facts.kernel_release);
	f.g->facts.kernel_release = xstrdup("6.1.0-26-amd64");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK(req &&
		strstr(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
			"boot-new ro clocksource=jiffies independent_wallclock=1 -- "
			"clocksource=tsc\n"));
	CHECK(!hvc_error_is_set(&err));
	free(req);
	teardown(&f);
}

/*
 * The guest request computes what the plan does: the running line (/proc/cmdline) grown by
 * the edit must fit the guest kernel's limit, a Xen PV guest's 1023 bytes included.
 */
static void test_apply_request_running_length(void)
{
	struct fixture f;
	struct hvc_error err = { 0 };
	size_t len = 0;
	char *req;

	setup(&f);
	f.g->facts.bootloader = HVC_BOOTLOADER_UPDATE_GRUB;
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("ro");
	f.g->facts.kernel_release = xstrdup("5.10.0-28-amd64");
	f.g->facts.proc_cmdline = xasprintf("BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro %01000d", 0);
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK(req != NULL);
	CHECK(!hvc_error_is_set(&err));
	free(req);

	f.g->hypervisor = HVC_HYPERVISOR_XEN;
	f.g->type = HVC_GUEST_TYPE_PV;
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK(req == NULL);
	CHECK(strstr(err.msg,
		"(/proc/cmdline, 1038 bytes) would grow to 1082 bytes, past the "
		"limit of 1023 bytes for Linux 5.10.0-28-amd64 as a Xen PV guest"));
	free(req);
	teardown(&f);
}

/* Issue 11: the GRUB families' protocol lines (the files that win, menu.lst's entries). */
static void test_apply_request_grub_families(void)
{
	struct fixture f;
	struct hvc_error err = { 0 };
	size_t len = 0;
	char *req;

	size_t n_actions;

	setup(&f);
	n_actions = f.gp.n_actions;
	f.gp.n_actions = 2; /* the host cmdline and the boot loader */
	f.gp.actions[0].state = HVC_ACTION_IN_PLACE;
	/* an /etc/default/grub.d override wins: both files are named for the guest to check */
	f.g->facts.bootloader = HVC_BOOTLOADER_UPDATE_GRUB;
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = xstrdup("net.ifnames=0 clocksource=tsc");
	f.g->facts.grub_cmdline_file = xstrdup("/etc/default/grub.d/60-site.cfg");
	f.g->facts.grub_cmdline_default = xstrdup("console=ttyS0");
	f.g->facts.grub_cmdline_default_file = xstrdup("/etc/default/grub.d/50-cloudimg.cfg");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK_STREQ(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
		DATA_OPEN "mode apply\n"
			  "bootloader update-grub\n"
			  "boot-old net.ifnames=0 clocksource=tsc\n"
			  "boot-new net.ifnames=0 clocksource=jiffies independent_wallclock=1\n"
			  "boot-default-old console=ttyS0\n"
			  "boot-default-new console=ttyS0\n"
			  "boot-file /etc/default/grub.d/60-site.cfg\n"
			  "boot-default-file /etc/default/grub.d/50-cloudimg.cfg\n" DATA_CLOSE);
	CHECK(!hvc_error_is_set(&err));
	free(req);
	/* a file name hvclock does not send is refused, not sent */
	free(f.g->facts.grub_cmdline_file);
	f.g->facts.grub_cmdline_file = xstrdup("/etc/default/grub.d/my site.cfg");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK(!req);
	CHECK(strstr(err.msg, "GRUB defaults file name"));
	hvc_error_clear(&err);

	/* menu.lst alone: an item per kernel line ("FILE:N"), old and new */
	f.g->facts.bootloader = HVC_BOOTLOADER_MENU_LST;
	free(f.g->facts.grub_cmdline_file);
	f.g->facts.grub_cmdline_file = NULL;
	free(f.g->facts.grub_cmdline_default);
	f.g->facts.grub_cmdline_default = NULL;
	free(f.g->facts.grub_cmdline);
	f.g->facts.grub_cmdline = NULL;
	f.g->facts.boot_items = strv_split("/boot/grub/menu.lst:1 ro root=/dev/xvda1 notsc|"
					   "/boot/grub/menu.lst:2 ro single",
		"|");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK_STREQ(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
		DATA_OPEN
		"mode apply\n"
		"bootloader menu-lst\n"
		"boot-item-old /boot/grub/menu.lst:1 ro root=/dev/xvda1 notsc\n"
		"boot-item-new /boot/grub/menu.lst:1 ro root=/dev/xvda1 clocksource=jiffies "
		"independent_wallclock=1\n"
		"boot-item-old /boot/grub/menu.lst:2 ro single\n"
		"boot-item-new /boot/grub/menu.lst:2 ro single clocksource=jiffies "
		"independent_wallclock=1\n" DATA_CLOSE);
	CHECK(!hvc_error_is_set(&err));
	free(req);
	f.gp.n_actions = n_actions;
	teardown(&f);
}

static void test_apply_request_refuses(void)
{
	static const struct {
		const char *name;
		int action; /* index in the fixture */
		const char *set, *key, *value, *clocksource;
	} cases[] = {
		{ "param with $()", 1, "clocksource=$(reboot)", NULL, NULL, NULL },
		{ "param with quote", 1, "a=\"b", NULL, NULL, NULL },
		{ "param that is the terminator's line", 1, "x=\nHVCLOCK_DATA_END", NULL, NULL,
			NULL },
		{ "param starting with -", 1, "--", NULL, NULL, NULL },
		{ "param with backtick", 1, "a=`id`", NULL, NULL, NULL },
		{ "sysctl key uppercase", 2, NULL, "Xen.wallclock", "1", NULL },
		{ "sysctl key without dot", 2, NULL, "panic", "1", NULL },
		{ "sysctl value with space", 2, NULL, "kernel.panic", "1 2", NULL },
		{ "sysctl value with ;", 2, NULL, "kernel.panic", "1;reboot", NULL },
		{ "sysctl value empty", 2, NULL, "kernel.panic", "", NULL },
		{ "sysctl value with newline", 2, NULL, "kernel.panic", "1\nmode rollback", NULL },
		{ "clocksource with /", 5, NULL, NULL, NULL, "../tsc" },
		{ "clocksource with space", 5, NULL, NULL, NULL, "tsc hpet" },
		{ "clocksource uppercase", 5, NULL, NULL, NULL, "TSC" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct fixture f;
		struct hvc_error err = { 0 };
		struct hvc_action *a;
		size_t len = 5;
		char *req;
		bool ok;

		setup(&f);
		a = &f.gp.actions[cases[i].action];
		if (cases[i].set)
			strv_push(&a->set, cases[i].set);
		if (cases[i].key) {
			free(a->key);
			a->key = xstrdup(cases[i].key);
			free(a->after);
			a->after = xstrdup(cases[i].value);
		}
		if (cases[i].clocksource) {
			free(a->after);
			a->after = xstrdup(cases[i].clocksource);
		}
		req = hvc_apply_request(&f.gp, false, 0, &len, &err);
		ok = req == NULL && len == 0 && err.code == -EINVAL;
		if (!ok)
			printf("# %s: request %s, error '%s'\n", cases[i].name,
				req ? "built" : "refused", err.msg);
		hvc_test_report(cases[i].name, ok);
		free(req);
		teardown(&f);
	}
}

/* --- inspect reports --- */

static const char good_report[] =
	"hvclock-inspect 1\n"
	"kernel-release 2.6.18-419.el5xen\n"
	"os-release CentOS release 5.11 (Final)\n"
	"clocksource-current xen\n"
	"clocksource-available xen jiffies\n"
	"cmdline root=/dev/xvda1 ro $(touch /tmp/pwned) `id` ;\"' clocksource=xen\n"
	"independent-wallclock present 0\n"
	"cpu-flags constant_tsc nonstop_tsc\n"
	"timesync ntpd active\n"
	"bootloader grubby\n"
	"bootloader-args ro root=/dev/xvda1 clocksource=jiffies\n"
	"uptime 183211\n"
	"boot-id 0f3c1e52-8a1b-4c2d-9e7f-1234567890ab\n"
	"sysctl xen.independent_wallclock 0\n"
	"sysctl kernel.printk 4 4 1 7\n"
	"sysctl kernel.empty \n"
	"sysctl-absent vm.nothing\n"
	"dropin-begin\n"
	"dropin # Written by hvclock\n"
	"dropin\n"
	"dropin xen.independent_wallclock = 1\n"
	"dropin-end\n"
	"state present\n"
	"state-clocksource jiffies\n"
	"state-sysctl xen.independent_wallclock 0\n"
	"state-bootloader grubby\n"
	"log-source kern.log\n"
	"log clocksource/0: Time went backwards: delta=-118088543 shadow=1213418403585\n"
	"log [ 1.0] Switched to clocksource xen\n"
	"log [ 2.0] Xen version: 3.4.3 (preserve-AD)\n"
	"end\n";

static void test_inspect_parse_good(void)
{
	struct hvc_facts f;
	struct hvc_error err = { 0 };

	hvc_facts_init(&f);
	f.kernel_release = xstrdup("2.6.18-from-host-path");
	f.kernel_release_source = xstrdup("host kernel path");
	CHECK_INTEQ(hvc_inspect_parse(good_report, strlen(good_report), &f, &err), 0);
	CHECK_STREQ(err.msg, "");
	CHECK(f.inspected);
	CHECK_STREQ(f.kernel_release, "2.6.18-419.el5xen");
	CHECK_STREQ(f.kernel_release_source, "guest");
	CHECK_STREQ(f.os_release, "CentOS release 5.11 (Final)");
	CHECK_STREQ(f.current_clocksource, "xen");
	CHECK_INTEQ(strv_length(f.available_clocksources), 2);
	CHECK(strv_contains(f.available_clocksources, "jiffies"));
	/* guest text is data: kept as it is, never interpreted */
	CHECK_STREQ(
		f.proc_cmdline, "root=/dev/xvda1 ro $(touch /tmp/pwned) `id` ;\"' clocksource=xen");
	CHECK_INTEQ(f.has_independent_wallclock, HVC_YES);
	CHECK_INTEQ(f.independent_wallclock, 0);
	CHECK_INTEQ(f.constant_tsc, HVC_YES);
	CHECK_INTEQ(f.nonstop_tsc, HVC_YES);
	CHECK_INTEQ(f.tsc_reliable, HVC_NO);
	CHECK_STREQ(f.timesync, "ntpd");
	CHECK_INTEQ(f.timesync_active, HVC_YES);
	CHECK_INTEQ(f.bootloader, HVC_BOOTLOADER_GRUBBY);
	CHECK_STREQ(f.grub_cmdline, "ro root=/dev/xvda1 clocksource=jiffies");
	CHECK_INTEQ(f.uptime_seconds, 183211);
	CHECK_STREQ(f.boot_id, "0f3c1e52-8a1b-4c2d-9e7f-1234567890ab");
	CHECK_INTEQ(strv_length(f.sysctls), 3);
	CHECK(strv_contains(f.sysctls, "kernel.printk=4 4 1 7"));
	CHECK(strv_contains(f.sysctls, "xen.independent_wallclock=0"));
	CHECK(strv_contains(f.sysctls, "kernel.empty="));
	CHECK_STREQ(f.sysctl_dropin, "# Written by hvclock\n\nxen.independent_wallclock = 1\n");
	CHECK(f.has_guest_state);
	CHECK_STREQ(f.guest_state_clocksource, "jiffies");
	CHECK_INTEQ(strv_length(f.guest_state_sysctls), 1);
	CHECK(strv_contains(f.guest_state_sysctls, "xen.independent_wallclock=0"));
	CHECK(f.guest_state_bootloader);
	CHECK_STREQ(f.log_source, "kern.log");
	CHECK_INTEQ(f.n_log, 3);
	CHECK(hvc_facts_has_symptom(&f, HVC_SYMPTOM_TIME_WENT_BACKWARDS));
	CHECK(hvc_facts_has_symptom(&f, HVC_SYMPTOM_SWITCHED));
	CHECK(hvc_facts_has_symptom(&f, HVC_SYMPTOM_OTHER));
	hvc_facts_finish(&f);
}

/* Which sysctl files the boot reads, and the key's assignments in /etc/sysctl.conf. */
static void test_inspect_parse_sysctl_boot(void)
{
	static const char report[] = "hvclock-inspect 1\n"
				     "kernel-release 2.6.18-238.el5xen\n"
				     "independent-wallclock present 0\n"
				     "timesync none inactive\n"
				     "bootloader grubby\n"
				     "sysctl-boot sysctl.conf /etc/rc.d/rc.sysinit\n"
				     "sysctl-conf 4 admin xen.independent_wallclock 0\n"
				     "sysctl-conf 6 hvclock xen.independent_wallclock 1\n"
				     "sysctl-conf 9 admin kernel.printk 4 4 1 7\n"
				     "state absent\n"
				     "log-source none\n"
				     "end\n";
	static const char *const bad[] = {
		"sysctl-boot sysctl.x /etc/rc.d/rc.sysinit\n",
		"sysctl-boot sysctl.d /etc/$(id)\n",
		"sysctl-boot sysctl.d relative/path\n",
		"sysctl-conf 0 admin kernel.printk 4\n",
		"sysctl-conf 4 root kernel.printk 4\n",
		"sysctl-conf 4 admin kernel..printk 4\n",
		"sysctl-conf-open x\n",
	};
	struct hvc_facts f;
	struct hvc_error err = { 0 };

	hvc_facts_init(&f);
	CHECK_INTEQ(hvc_inspect_parse(report, strlen(report), &f, &err), 0);
	CHECK_STREQ(f.sysctl_boot, "sysctl.conf");
	CHECK_STREQ(f.sysctl_boot_evidence, "/etc/rc.d/rc.sysinit");
	CHECK_INTEQ(f.n_sysctl_conf, 3);
	CHECK(f.n_sysctl_conf == 3 && f.sysctl_conf[0].line == 4 && !f.sysctl_conf[0].hvclock &&
		streq(f.sysctl_conf[0].value, "0"));
	CHECK(f.n_sysctl_conf == 3 && f.sysctl_conf[1].hvclock &&
		streq(f.sysctl_conf[1].key, "xen.independent_wallclock"));
	CHECK(f.n_sysctl_conf == 3 && streq(f.sysctl_conf[2].value, "4 4 1 7"));
	CHECK_INTEQ(f.sysctl_conf_open, 0);
	hvc_facts_finish(&f);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_free_ char *r = xasprintf("hvclock-inspect 1\nkernel-release 2.6.18\n"
						   "independent-wallclock absent\n"
						   "timesync none inactive\nbootloader none\n%s"
						   "state absent\nlog-source none\nend\n",
			bad[i]);
		struct hvc_error e = { 0 };
		hvc_facts_init(&f);
		CHECK_INTEQ(hvc_inspect_parse(r, strlen(r), &f, &e), -EPROTO);
		hvc_facts_finish(&f);
	}
}

/* The sysctl.d files the boot may read and the requested keys' assignments in them. */
static void test_inspect_parse_sysctl_files(void)
{
	static const char report[] =
		"hvclock-inspect 1\n"
		"kernel-release 6.1.0-18-amd64\n"
		"independent-wallclock absent\n"
		"timesync none inactive\n"
		"bootloader none\n"
		"sysctl-boot sysctl.d /usr/lib/systemd/systemd-sysctl\n"
		"sysctl-file /etc/sysctl.d/99-sysctl.conf /etc/sysctl.conf\n"
		"sysctl-set /etc/sysctl.d/99-sysctl.conf 4 xen.independent_wallclock 0\n"
		"sysctl-file /etc/sysctl.d/README\n"
		"sysctl-file /usr/lib/sysctl.d/50-default.conf\n"
		"sysctl-set /usr/lib/sysctl.d/50-default.conf 12 kernel.printk 4  4 1 7\n"
		"state absent\n"
		"log-source none\n"
		"end\n";
	static const char *const bad[] = {
		"sysctl-file etc/sysctl.d/a.conf\n",
		"sysctl-file /etc/sysctl.d/a b.conf\n",
		"sysctl-file /etc/sysctl.d/a.conf $(id)\n",
		"sysctl-file /etc/sysctl.d/a.conf /x /y\n",
		"sysctl-set /etc/sysctl.d/a.conf 1 kernel.printk 4\n", /* file not listed */
		"sysctl-file /etc/sysctl.d/a.conf\nsysctl-set /etc/sysctl.d/a.conf 0 vm.x 4\n",
		"sysctl-file /etc/sysctl.d/a.conf\nsysctl-set /etc/sysctl.d/a.conf 1 kernel..x 4\n",
		"sysctl-file /etc/sysctl.d/a.conf\nsysctl-set /etc/sysctl.d/a.conf 1\n",
	};
	struct hvc_facts f;
	struct hvc_error err = { 0 };

	hvc_facts_init(&f);
	CHECK_INTEQ(hvc_inspect_parse(report, strlen(report), &f, &err), 0);
	CHECK_INTEQ(f.n_sysctl_files, 3);
	CHECK(f.n_sysctl_files == 3 &&
		streq(f.sysctl_files[0].path, "/etc/sysctl.d/99-sysctl.conf") &&
		streq_ptr(f.sysctl_files[0].target, "/etc/sysctl.conf") &&
		streq(f.sysctl_files[1].path, "/etc/sysctl.d/README") && !f.sysctl_files[1].target);
	CHECK_INTEQ(f.n_sysctl_sets, 2);
	CHECK(f.n_sysctl_sets == 2 &&
		streq(f.sysctl_sets[0].path, "/etc/sysctl.d/99-sysctl.conf") &&
		f.sysctl_sets[0].line == 4 &&
		streq(f.sysctl_sets[0].key, "xen.independent_wallclock") &&
		streq(f.sysctl_sets[0].value, "0") && f.sysctl_sets[1].line == 12 &&
		streq(f.sysctl_sets[1].path, "/usr/lib/sysctl.d/50-default.conf"));
	hvc_facts_finish(&f);

	/* At most 200 files: more is a protocol error, not a silent cut. */
	{
		_cleanup_free_ char *many = xstrdup("");
		_cleanup_free_ char *r = NULL;
		struct hvc_error e = { 0 };
		for (int i = 0; i <= 200; i++) {
			char *n = xasprintf("%ssysctl-file /etc/sysctl.d/%d.conf\n", many, i);
			free(many);
			many = n;
		}
		r = xasprintf(
			"hvclock-inspect 1\nkernel-release 6.1\nindependent-wallclock absent\n"
			"timesync none inactive\nbootloader none\n%sstate absent\n"
			"log-source none\nend\n",
			many);
		hvc_facts_init(&f);
		CHECK_INTEQ(hvc_inspect_parse(r, strlen(r), &f, &e), -EPROTO);
		hvc_facts_finish(&f);
	}

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_free_ char *r = xasprintf("hvclock-inspect 1\nkernel-release 6.1\n"
						   "independent-wallclock absent\n"
						   "timesync none inactive\nbootloader none\n%s"
						   "state absent\nlog-source none\nend\n",
			bad[i]);
		struct hvc_error e = { 0 };
		hvc_facts_init(&f);
		_cleanup_free_ char *name = xstrdup(bad[i]);
		for (char *c = name; *c; c++)
			if (*c == '\n')
				*c = *(c + 1) ? ';' : '\0';
		hvc_test_report(name, hvc_inspect_parse(r, strlen(r), &f, &e) == -EPROTO);
		hvc_facts_finish(&f);
	}
}

/* A minimal report: only the lines that are always there; unknowns stay unknown. */
static void test_inspect_parse_minimal(void)
{
	static const char rep[] = "hvclock-inspect 1\n"
				  "kernel-release 6.1.0-28-amd64\n"
				  "independent-wallclock absent\n"
				  "timesync none inactive\n"
				  "bootloader none\n"
				  "state absent\n"
				  "log-source none\n"
				  "end\n";
	struct hvc_facts f;

	hvc_facts_init(&f);
	CHECK_INTEQ(hvc_inspect_parse(rep, strlen(rep), &f, NULL), 0);
	CHECK(f.inspected);
	CHECK(f.current_clocksource == NULL);
	CHECK(f.available_clocksources == NULL);
	CHECK_INTEQ(f.constant_tsc, HVC_UNKNOWN);
	CHECK_INTEQ(f.has_independent_wallclock, HVC_NO);
	CHECK_INTEQ(f.timesync_active, HVC_NO);
	CHECK_INTEQ(f.bootloader, HVC_BOOTLOADER_NONE);
	CHECK(f.grub_cmdline == NULL);
	CHECK_INTEQ(f.uptime_seconds, -1);
	CHECK(f.sysctl_dropin == NULL);
	CHECK(!f.has_guest_state);
	CHECK_INTEQ(f.n_log, 0);
	hvc_facts_finish(&f);
}

/* good_report with line `from` (a whole line, with "\n") replaced by `to`. */
static char *edit_report(const char *from, const char *to)
{
	const char *p = strstr(good_report, from);
	if (!p)
		return xstrdup("");
	return xasprintf("%.*s%s%s", (int)(p - good_report), good_report, to, p + strlen(from));
}

/* Issue 11: what the guest says about its GRUB files, its menu.lst entries, a missing tool. */
static void test_inspect_parse_grub_families(void)
{
	struct hvc_facts f;
	struct hvc_error err = { 0 };
	const char *good = "hvclock-inspect 1\n"
			   "kernel-release 6.1.0-28-amd64\n"
			   "independent-wallclock absent\n"
			   "timesync none inactive\n"
			   "bootloader update-grub\n"
			   "bootloader-args net.ifnames=0\n"
			   "bootloader-file /etc/default/grub.d/60-site.cfg\n"
			   "bootloader-default-args quiet\n"
			   "bootloader-default-file /etc/default/grub\n"
			   "state absent\nlog-source none\nend\n";
	const char *menu = "hvclock-inspect 1\n"
			   "kernel-release 2.6.18-419.el5\n"
			   "independent-wallclock absent\n"
			   "timesync none inactive\n"
			   "bootloader menu-lst\n"
			   "bootloader-item /boot/grub/menu.lst:1 ro root=/dev/sda1\n"
			   "bootloader-item /boot/grub/menu.lst:2\n"
			   "state absent\nlog-source none\nend\n";
	const char *none = "hvclock-inspect 1\n"
			   "kernel-release 6.1.0-28-amd64\n"
			   "independent-wallclock absent\n"
			   "timesync none inactive\n"
			   "bootloader none\n"
			   "bootloader-why found /etc/default/grub, but no update-grub\n"
			   "state absent\nlog-source none\nend\n";

	hvc_facts_init(&f);
	CHECK_INTEQ(hvc_inspect_parse(good, strlen(good), &f, &err), 0);
	CHECK_STREQ(f.grub_cmdline_file, "/etc/default/grub.d/60-site.cfg");
	CHECK_STREQ(f.grub_cmdline_default_file, "/etc/default/grub");
	hvc_facts_finish(&f);
	CHECK_INTEQ(hvc_inspect_parse(menu, strlen(menu), &f, &err), 0);
	CHECK_INTEQ(f.bootloader, HVC_BOOTLOADER_MENU_LST);
	CHECK(hvc_bootloader_has_items(f.bootloader));
	CHECK_INTEQ(strv_length(f.boot_items), 2);
	CHECK(f.boot_items && streq(f.boot_items[0], "/boot/grub/menu.lst:1 ro root=/dev/sda1") &&
		streq(f.boot_items[1], "/boot/grub/menu.lst:2"));
	hvc_facts_finish(&f);
	CHECK_INTEQ(hvc_inspect_parse(none, strlen(none), &f, &err), 0);
	CHECK_STREQ(f.bootloader_why, "found /etc/default/grub, but no update-grub");
	hvc_facts_finish(&f);

	/* a file outside /etc/default/grub is refused; so is a second bootloader-why */
	_cleanup_free_ char *bad = xstrdup(good);
	memcpy(strstr(bad, "/etc/default/grub.d/60"), "/etc/passwd/grub.d/60", 21);
	CHECK_INTEQ(hvc_inspect_parse(bad, strlen(bad), &f, &err), -EPROTO);
	CHECK(strstr(err.msg, "not a GRUB defaults file"));
	hvc_error_clear(&err);
	_cleanup_free_ char *rep = xasprintf("%.*sbootloader-why no /boot/grub/menu.lst\n%s",
		(int)(strstr(none, "bootloader-why") - none), none, strstr(none, "bootloader-why"));
	CHECK_INTEQ(hvc_inspect_parse(rep, strlen(rep), &f, &err), -EPROTO);
	hvc_error_clear(&err);
	hvc_facts_finish(&f);
	/* the item families' old "bootloader-blocked" line is gone: bootloader-why serves all */
	_cleanup_free_ char *old = xasprintf("%.*sbootloader-blocked x\n%s",
		(int)(strstr(none, "state") - none), none, strstr(none, "state"));
	CHECK_INTEQ(hvc_inspect_parse(old, strlen(old), &f, &err), -EPROTO);
	hvc_error_clear(&err);
}

static void test_inspect_parse_bad(void)
{
	static const struct {
		const char *name;
		const char *from, *to; /* edit of good_report, or from == NULL: to is the report */
		int code;
		const char *msg; /* substring of the error */
	} cases[] = {
		{ "empty output", NULL, "", -EPROTO, "printed nothing" },
		{ "truncated mid-line", "\nend\n", "\nen", -EBADMSG, "truncated" },
		{ "truncated before end", "\nend\n", "\n", -EPROTO, "no 'end'" },
		{ "text after end", "\nend\n", "\nend\nlog more\n", -EPROTO, "after 'end'" },
		{ "two ends", "\nend\n", "\nend\nend\n", -EPROTO, "after 'end'" },
		{ "wrong version", "hvclock-inspect 1\n", "hvclock-inspect 2\n", -EPROTONOSUPPORT,
			"version '2'" },
		{ "no version", "hvclock-inspect 1\n", "hvclock-inspect\n", -EPROTONOSUPPORT,
			"version" },
		{ "not a report", NULL, "/bin/sh: 1: awk: not found\nend\n", -EPROTO,
			"not an inspect report" },
		{ "apply report", "hvclock-inspect 1\n", "hvclock-apply 1\n", -EPROTO,
			"not an inspect report" },
		{ "escape sequence", "uptime 183211\n", "uptime 1\033[2J\n", -EBADMSG, "0x1b" },
		{ "tab", "cmdline ", "cmdline \t", -EBADMSG, "0x09" },
		{ "carriage return", "uptime 183211\n", "uptime 183211\r\n", -EBADMSG, "0x0d" },
		{ "NUL byte", "uptime 183211\n", "uptime 18\0", -EBADMSG, "0x00" },
		{ "DEL byte", "uptime 183211\n", "uptime 18\177\n", -EBADMSG, "0x7f" },
		{ "UTF-8", "os-release CentOS", "os-release \xc3\xa9 CentOS", -EBADMSG, "0xc3" },
		{ "unknown key", "uptime 183211\n", "uptime 183211\nfavourite-colour blue\n",
			-EPROTO, "unknown key" },
		{ "empty line", "uptime 183211\n", "uptime 183211\n\n", -EPROTO, "unknown key" },
		{ "repeated single key", "uptime 183211\n", "uptime 183211\nkernel-release 6.1\n",
			-EPROTO, "repeated" },
		{ "missing required line", "bootloader grubby\n", "", -EPROTO,
			"no 'bootloader' line" },
		{ "bad clocksource", "clocksource-current xen\n", "clocksource-current xen;rm\n",
			-EPROTO, "clocksource" },
		{ "bad available", "clocksource-available xen jiffies\n",
			"clocksource-available xen ../jiffies\n", -EPROTO, "clocksource" },
		{ "unknown boot loader", "bootloader grubby\n", "bootloader lilo\n", -EPROTO,
			"boot loader" },
		{ "bad timesync", "timesync ntpd active\n", "timesync ntpd running\n", -EPROTO,
			"active|inactive" },
		{ "unknown timesync daemon", "timesync ntpd active\n", "timesync openntpd active\n",
			-EPROTO, "active|inactive" },
		{ "unknown cpu flag", "cpu-flags constant_tsc", "cpu-flags rdtscp constant_tsc",
			-EPROTO, "CPU flag" },
		{ "bad uptime", "uptime 183211\n", "uptime -5\n", -EPROTO, "seconds" },
		{ "bad boot id", "uptime 183211\n", "uptime 183211\nboot-id 1;reboot\n", -EPROTO,
			"boot id" },
		{ "bad wallclock", "independent-wallclock present 0\n",
			"independent-wallclock maybe\n", -EPROTO, "absent" },
		{ "bad sysctl key", "sysctl kernel.printk", "sysctl Kernel.printk", -EPROTO,
			"sysctl key" },
		{ "repeated sysctl", "sysctl kernel.empty \n",
			"sysctl kernel.empty \nsysctl kernel.empty 1\n", -EPROTO, "repeated key" },
		{ "drop-in line outside", "dropin-begin\n", "dropin x = 1\ndropin-begin\n", -EPROTO,
			"outside" },
		{ "drop-in not ended", "dropin-end\n", "", -EPROTO, "inside the drop-in" },
		{ "drop-in end alone",
			"dropin-begin\ndropin # Written by hvclock\ndropin\n"
			"dropin xen.independent_wallclock = 1\n",
			"", -EPROTO, "no drop-in block" },
		{ "state lines without state", "state present\n", "state absent\n", -EPROTO,
			"no state" },
		{ "unknown log source", "log-source kern.log\n", "log-source /etc/shadow\n",
			-EPROTO, "log source" },
		{ "script error", NULL,
			"hvclock-inspect 1\nerror invalid data line: sysctl key\nend\n", -EPROTO,
			"refused its data: invalid data line" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *rep = NULL;
		struct hvc_facts f;
		struct hvc_error err = { 0 };
		size_t len;
		int r;
		bool ok;

		if (cases[i].from) {
			rep = edit_report(cases[i].from, cases[i].to);
			/* the NUL case: the report's length counts past the NUL */
			len = strlen(rep);
			if (streq(cases[i].name, "NUL byte")) {
				free(rep);
				rep = xasprintf("%s", good_report);
				len = strlen(good_report);
				memcpy(strstr(rep, "uptime 183211") + 9, "\0", 1);
			}
		} else {
			rep = xstrdup(cases[i].to);
			len = strlen(rep);
		}
		hvc_facts_init(&f);
		f.kernel_release = xstrdup("kept");
		r = hvc_inspect_parse(rep, len, &f, &err);
		ok = r == cases[i].code && strstr(err.msg, cases[i].msg) && !f.inspected &&
			streq_ptr(f.kernel_release, "kept") && f.log == NULL;
		if (!ok)
			printf("# %s: got %d '%s'\n", cases[i].name, r, err.msg);
		hvc_test_report(cases[i].name, ok);
		hvc_facts_finish(&f);
	}
}

/* Size limits: a line, the whole output, the number of log lines. */
static void test_inspect_parse_limits(void)
{
	struct hvc_facts f;
	struct hvc_error err = { 0 };
	_cleanup_free_ char *line = xmalloc(HVC_GUEST_MAX_LINE + 2);
	char *rep;
	size_t len;

	/* a line of exactly the limit is fine, one more byte is not */
	memset(line, 'x', HVC_GUEST_MAX_LINE + 1);
	memcpy(line, "cmdline ", 8);
	line[HVC_GUEST_MAX_LINE] = '\0';
	{
		_cleanup_free_ char *l = xasprintf("%s\n", line);
		rep = edit_report("cmdline root=/dev/xvda1 ro $(touch /tmp/pwned) `id` ;\"' "
				  "clocksource=xen\n",
			l);
	}
	hvc_facts_init(&f);
	err.code = 0;
	CHECK_INTEQ(hvc_inspect_parse(rep, strlen(rep), &f, &err), 0);
	CHECK_INTEQ(strlen(f.proc_cmdline), HVC_GUEST_MAX_LINE - 8);
	hvc_facts_finish(&f);
	free(rep);
	line[HVC_GUEST_MAX_LINE] = 'x';
	line[HVC_GUEST_MAX_LINE + 1] = '\0';
	{
		_cleanup_free_ char *l = xasprintf("%s\n", line);
		rep = edit_report("cmdline root=/dev/xvda1 ro $(touch /tmp/pwned) `id` ;\"' "
				  "clocksource=xen\n",
			l);
	}
	hvc_facts_init(&f);
	memset(&err, 0, sizeof(err));
	CHECK_INTEQ(hvc_inspect_parse(rep, strlen(rep), &f, &err), -EMSGSIZE);
	CHECK(strstr(err.msg, "longer than 4096") != NULL);
	CHECK(!f.inspected);
	hvc_facts_finish(&f);
	free(rep);

	/* over 1 MiB in all, even in short lines */
	len = HVC_GUEST_MAX_OUTPUT + 1;
	rep = xmalloc(len + 1);
	memset(rep, 'A', len);
	for (size_t i = 99; i < len; i += 100)
		rep[i] = '\n';
	memcpy(rep, good_report, strlen(good_report));
	rep[len - 1] = '\n';
	rep[len] = '\0';
	hvc_facts_init(&f);
	memset(&err, 0, sizeof(err));
	CHECK_INTEQ(hvc_inspect_parse(rep, len, &f, &err), -EMSGSIZE);
	CHECK(!f.inspected);
	hvc_facts_finish(&f);
	free(rep);

	/* 200 log lines are fine, 201 are not */
	for (int n = 200; n <= 201; n++) {
		char *logs = xstrdup("");
		for (int i = 0; i < n; i++) {
			char *s = xasprintf(
				"%slog [%d] clocksource: Switched to clocksource tsc\n", logs, i);
			free(logs);
			logs = s;
		}
		{
			_cleanup_free_ char *to = xasprintf("%send\n", logs);
			rep = xasprintf("hvclock-inspect 1\nkernel-release 6.1\n"
					"independent-wallclock absent\ntimesync none inactive\n"
					"bootloader none\nstate absent\nlog-source dmesg\n%s",
				to);
		}
		hvc_facts_init(&f);
		memset(&err, 0, sizeof(err));
		CHECK_INTEQ(
			hvc_inspect_parse(rep, strlen(rep), &f, &err), n == 200 ? 0 : -EMSGSIZE);
		CHECK_INTEQ(f.n_log, n == 200 ? 200 : 0);
		hvc_facts_finish(&f);
		free(rep);
		free(logs);
	}
}

static void test_symptoms(void)
{
	static const struct {
		const char *line;
		enum hvc_symptom s;
	} cases[] = {
		{ "clocksource/0: Time went backwards: delta=-118088543 shadow=1 offset=6",
			HVC_SYMPTOM_TIME_WENT_BACKWARDS },
		{ "Timer ISR/0: Time went backwards: delta=-118088543 delta_cpu=1",
			HVC_SYMPTOM_TIME_WENT_BACKWARDS },
		{ "[2423264.824259] Clocksource tsc unstable (delta = 6824818792 ns).  Enable "
		  "clocksource failover by adding clocksource_failover kernel parameter.",
			HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE },
		{ "clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as "
		  "unstable "
		  "because the skew is too large:",
			HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE },
		{ "tsc: Marking TSC unstable due to check_tsc_sync_source failed",
			HVC_SYMPTOM_TSC_UNSTABLE },
		{ "Measured 220 cycles TSC warp between CPUs, turning off TSC clock.",
			HVC_SYMPTOM_TSC_UNSTABLE },
		{ "[    0.452406] clocksource: Switched to clocksource kvm-clock",
			HVC_SYMPTOM_SWITCHED },
		{ "Switching to clocksource xen", HVC_SYMPTOM_SWITCHED },
		{ "Override clocksource jiffies is not currently HRT compatible - deferring",
			HVC_SYMPTOM_OVERRIDE_REFUSED },
		{ "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!", HVC_SYMPTOM_LOCKUP },
		{ "INFO: rcu_sched self-detected stall on CPU", HVC_SYMPTOM_LOCKUP },
		{ "hrtimer: interrupt took 2741130 ns", HVC_SYMPTOM_LOCKUP },
		{ "kvm-clock: Using msrs 4b564d01 and 4b564d00", HVC_SYMPTOM_OTHER },
		{ "tsc: Detected 2299.998 MHz processor", HVC_SYMPTOM_OTHER },
		{ "", HVC_SYMPTOM_OTHER },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		enum hvc_symptom s = hvc_symptom_classify(cases[i].line);
		if (s != cases[i].s)
			printf("# '%s': %s, expected %s\n", cases[i].line, hvc_symptom_to_string(s),
				hvc_symptom_to_string(cases[i].s));
		CHECK_INTEQ(s, cases[i].s);
	}
}

/* --- apply reports --- */

static void check_result(const struct hvc_action *a, enum hvc_result r, const char *msg)
{
	if (a->result != r || !streq_ptr(a->result_msg, msg))
		printf("# %s %s: got %s '%s'\n", hvc_action_kind_to_string(a->kind), strna(a->key),
			hvc_result_to_string(a->result), strna(a->result_msg));
	CHECK_INTEQ(a->result, r);
	CHECK_STREQ(a->result_msg, msg);
}

static void test_apply_parse(void)
{
	static const char rep[] =
		"hvclock-apply 1\n"
		"mode apply\n"
		"result bootloader deferred GRUB_CMDLINE_LINUX set and update-grub ran\n"
		"result sysctl xen.independent_wallclock applied\n"
		"result sysctl xen.absent_key failed not carried: ignored\n"
		"result clocksource deferred the kernel kept xen; jiffies not taken now\n"
		"result timesync failed\n"
		"end\n";
	struct fixture f;
	struct hvc_error err = { 0 };

	setup(&f);
	CHECK_INTEQ(hvc_apply_parse(rep, strlen(rep), &f.gp, &err), 0);
	CHECK(!hvc_error_is_set(&err));
	check_result(&f.gp.actions[0], HVC_RESULT_NONE, NULL); /* host side: not the guest's */
	check_result(&f.gp.actions[1], HVC_RESULT_DEFERRED,
		"GRUB_CMDLINE_LINUX set and update-grub ran");
	check_result(&f.gp.actions[2], HVC_RESULT_APPLIED, NULL);
	check_result(&f.gp.actions[3], HVC_RESULT_FAILED,
		"the guest script reported no result for this step");
	check_result(&f.gp.actions[4], HVC_RESULT_NONE, NULL);
	check_result(&f.gp.actions[5], HVC_RESULT_DEFERRED,
		"the kernel kept xen; jiffies not taken now");
	check_result(&f.gp.actions[6], HVC_RESULT_FAILED, "failed in the guest");
	teardown(&f);
}

/* The boot loader moved since the plan: "stale", kept apart from a failure. */
static void test_apply_parse_stale(void)
{
	static const char rep[] =
		"hvclock-apply 1\n"
		"mode apply\n"
		"result bootloader stale grubby's default kernel command line is now 'ro', not "
		"'ro quiet' as planned; nothing changed (plan again)\n"
		"end\n";
	struct fixture f;
	struct hvc_error err = { 0 };

	setup(&f);
	CHECK_INTEQ(hvc_apply_parse(rep, strlen(rep), &f.gp, &err), 0);
	check_result(&f.gp.actions[1], HVC_RESULT_STALE,
		"grubby's default kernel command line is now 'ro', not 'ro quiet' as planned; "
		"nothing changed (plan again)");
	CHECK_STREQ(hvc_result_to_string(HVC_RESULT_STALE), "stale");
	teardown(&f);
}

static void test_apply_parse_rollback(void)
{
	static const char rep[] = "hvclock-apply 1\n"
				  "mode rollback\n"
				  "result restore applied files, sysctls and clocksource restored\n"
				  "end\n";
	static const char weird[] = "hvclock-apply 1\n"
				    "mode rollback\n"
				    "result restore exploded\n"
				    "end\n";
	struct fixture f;

	setup(&f);
	for (size_t i = 0; i < f.gp.n_actions; i++)
		f.gp.actions[i].kind = HVC_ACTION_HOST_CMDLINE;
	add(&f, HVC_ACTION_GUEST_RESTORE, HVC_ACTION_PENDING);
	CHECK_INTEQ(hvc_apply_parse(rep, strlen(rep), &f.gp, NULL), 0);
	check_result(
		&f.gp.actions[7], HVC_RESULT_APPLIED, "files, sysctls and clocksource restored");
	CHECK_INTEQ(hvc_apply_parse(weird, strlen(weird), &f.gp, NULL), 0);
	check_result(&f.gp.actions[7], HVC_RESULT_FAILED,
		"the guest script reported an unknown result 'exploded'");
	teardown(&f);
}

static void test_apply_parse_bad(void)
{
	static const struct {
		const char *name, *report;
		int code;
		const char *msg;
	} cases[] = {
		{ "truncated", "hvclock-apply 1\nmode apply\nresult bootloader deferred x\n",
			-EPROTO, "no 'end'" },
		{ "no mode", "hvclock-apply 1\nresult bootloader deferred x\nend\n", -EPROTO,
			"no mode" },
		{ "wrong version", "hvclock-apply 7\nmode apply\nend\n", -EPROTONOSUPPORT,
			"version '7'" },
		{ "inspect report", "hvclock-inspect 1\nmode apply\nend\n", -EPROTO,
			"not an apply report" },
		{ "control character",
			"hvclock-apply 1\nmode apply\nresult timesync in-place \033[31m\nend\n",
			-EBADMSG, "0x1b" },
		{ "unknown step", "hvclock-apply 1\nmode apply\nresult reboot applied\nend\n",
			-EPROTO, "unknown step" },
		{ "unknown key", "hvclock-apply 1\nmode apply\nhello world\nend\n", -EPROTO,
			"unknown key" },
		{ "two results for one step",
			"hvclock-apply 1\nmode apply\nresult timesync in-place\n"
			"result timesync failed\nend\n",
			-EPROTO, "second result" },
		{ "script error", "hvclock-apply 1\nerror invalid data line: sysctl value\nend\n",
			-EPROTO, "refused its data" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct fixture f;
		struct hvc_error err = { 0 };
		int r;
		bool ok;

		setup(&f);
		r = hvc_apply_parse(cases[i].report, strlen(cases[i].report), &f.gp, &err);
		ok = r == cases[i].code && strstr(err.msg, cases[i].msg);
		/* every carried action failed with the reason; the others untouched */
		for (size_t a = 0; a < f.gp.n_actions; a++) {
			bool carried = hvc_apply_carries(&f.gp, a, false);
			ok = ok &&
				(carried ? f.gp.actions[a].result == HVC_RESULT_FAILED &&
							streq_ptr(
								f.gp.actions[a].result_msg, err.msg)
					 : f.gp.actions[a].result == HVC_RESULT_NONE);
		}
		if (!ok)
			printf("# %s: got %d '%s'\n", cases[i].name, r, err.msg);
		hvc_test_report(cases[i].name, ok);
		teardown(&f);
	}
}

/* The item families: one old/new pair per item, computed on the host; rpm-ostree's lists. */
static void test_apply_request_items(void)
{
	struct fixture f;
	struct hvc_error err = { 0 };
	size_t len = 0;
	char *req;

	setup(&f);
	f.g->facts.bootloader = HVC_BOOTLOADER_BLS;
	strv_push(&f.g->facts.boot_items, "/boot/loader/entries/a.conf ro clocksource=tsc quiet");
	strv_push(&f.g->facts.boot_items, "/boot/loader/entries/b.conf  root=/dev/vda1 notsc");
	strv_push(&f.g->facts.boot_items, "/etc/kernel/cmdline");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK_STREQ(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
		DATA_OPEN "mode apply\n"
			  "bootloader bls\n"
			  "boot-item-old /boot/loader/entries/a.conf ro clocksource=tsc quiet\n"
			  "boot-item-new /boot/loader/entries/a.conf ro quiet clocksource=jiffies "
			  "independent_wallclock=1\n"
			  "boot-item-old /boot/loader/entries/b.conf  root=/dev/vda1 notsc\n"
			  "boot-item-new /boot/loader/entries/b.conf root=/dev/vda1 "
			  "clocksource=jiffies independent_wallclock=1\n"
			  "boot-item-old /etc/kernel/cmdline\n"
			  "boot-item-new /etc/kernel/cmdline clocksource=jiffies "
			  "independent_wallclock=1\n"
			  "sysctl xen.independent_wallclock 1\n"
			  "sysctl kernel.panic 5\n"
			  "clocksource jiffies tsc\n"
			  "timesync\n" DATA_CLOSE);
	CHECK(!hvc_error_is_set(&err));
	free(req);

	/* rpm-ostree: from the first difference on, deleted and appended */
	f.g->facts.bootloader = HVC_BOOTLOADER_RPM_OSTREE;
	strv_free(f.g->facts.boot_items);
	f.g->facts.boot_items = NULL;
	strv_push(&f.g->facts.boot_items, "rpm-ostree rw clocksource=tsc quiet");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK_STREQ(data_of(req, len, hvc_script_apply, hvc_script_apply_len),
		DATA_OPEN "mode apply\n"
			  "bootloader rpm-ostree\n"
			  "boot-item-old rpm-ostree rw clocksource=tsc quiet\n"
			  "boot-item-new rpm-ostree rw quiet clocksource=jiffies "
			  "independent_wallclock=1\n"
			  "boot-ostree-delete clocksource=tsc\n"
			  "boot-ostree-delete quiet\n"
			  "boot-ostree-append quiet\n"
			  "boot-ostree-append clocksource=jiffies\n"
			  "boot-ostree-append independent_wallclock=1\n"
			  "sysctl xen.independent_wallclock 1\n"
			  "sysctl kernel.panic 5\n"
			  "clocksource jiffies tsc\n"
			  "timesync\n" DATA_CLOSE);
	free(req);

	/* a --delete that would be ambiguous is refused, not sent */
	free(f.g->facts.boot_items[0]);
	f.g->facts.boot_items[0] = xstrdup("rpm-ostree rw quiet clocksource=tsc quiet");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK(!req);
	CHECK(strstr(err.msg, "rpm-ostree kargs --delete=quiet would be ambiguous") != NULL);
	hvc_error_clear(&err);

	/* a blocked family sends nothing */
	f.g->facts.bootloader_why =
		xstrdup("2 extlinux/syslinux configs (a b): which one boots is unknown");
	req = hvc_apply_request(&f.gp, false, 0, &len, &err);
	CHECK(!req);
	CHECK(strstr(err.msg, "which one boots is unknown") != NULL);
	hvc_error_clear(&err);
	teardown(&f);
}

static void test_inspect_parse_items(void)
{
	static const char rep[] = "hvclock-inspect 1\n"
				  "kernel-release 6.1.0-28-amd64\n"
				  "independent-wallclock absent\n"
				  "timesync none inactive\n"
				  "bootloader extlinux\n"
				  "bootloader-item /boot/extlinux/extlinux.conf:1 ro quiet\n"
				  "bootloader-item /boot/extlinux/extlinux.conf:2\n"
				  "state absent\n"
				  "log-source none\n"
				  "end\n";
	static const char *const bad[] = {
		"bootloader-item /boot/../etc/passwd ro\n",
		"bootloader-item $(reboot) ro\n",
		"bootloader-item -x ro\n",
	};
	struct hvc_facts f;
	struct hvc_error err = { 0 };

	hvc_facts_init(&f);
	CHECK_INTEQ(hvc_inspect_parse(rep, strlen(rep), &f, NULL), 0);
	CHECK_INTEQ(f.bootloader, HVC_BOOTLOADER_EXTLINUX);
	CHECK_INTEQ(strv_length(f.boot_items), 2);
	CHECK_STREQ(f.boot_items[0], "/boot/extlinux/extlinux.conf:1 ro quiet");
	CHECK_STREQ(f.boot_items[1], "/boot/extlinux/extlinux.conf:2");
	CHECK(f.bootloader_why == NULL);
	hvc_facts_finish(&f);

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		const char *from = "bootloader-item /boot/extlinux/extlinux.conf:2\n";
		const char *p = strstr(rep, from);
		_cleanup_free_ char *r =
			xasprintf("%.*s%s%s", (int)(p - rep), rep, bad[i], p + strlen(from));
		hvc_facts_init(&f);
		CHECK_INTEQ(hvc_inspect_parse(r, strlen(r), &f, &err), -EPROTO);
		CHECK(strstr(err.msg, "not a boot loader item name") != NULL);
		hvc_error_clear(&err);
		hvc_facts_finish(&f);
	}
	{
		const char *from = "bootloader-item /boot/extlinux/extlinux.conf:1 ro quiet\n"
				   "bootloader-item /boot/extlinux/extlinux.conf:2\n";
		const char *p = strstr(rep, from);
		_cleanup_free_ char *r =
			xasprintf("%.*sbootloader-why /boot/extlinux/extlinux.conf "
				  "has no APPEND line\n%s",
				(int)(p - rep), rep, p + strlen(from));
		hvc_facts_init(&f);
		CHECK_INTEQ(hvc_inspect_parse(r, strlen(r), &f, NULL), 0);
		CHECK_STREQ(f.bootloader_why, "/boot/extlinux/extlinux.conf has no APPEND line");
		hvc_facts_finish(&f);
	}
	{
		/* the same item twice (with or without a value) is refused, not planned twice */
		static const char *const twice[] = {
			"bootloader-item /boot/extlinux/extlinux.conf:1 ro quiet\n"
			"bootloader-item /boot/extlinux/extlinux.conf:1 ro\n",
			"bootloader-item /boot/extlinux/extlinux.conf:1 ro quiet\n"
			"bootloader-item /boot/extlinux/extlinux.conf:1\n",
		};
		const char *from = "bootloader-item /boot/extlinux/extlinux.conf:1 ro quiet\n"
				   "bootloader-item /boot/extlinux/extlinux.conf:2\n";
		const char *p = strstr(rep, from);
		for (size_t i = 0; i < ELEMENTSOF(twice); i++) {
			_cleanup_free_ char *r = xasprintf(
				"%.*s%s%s", (int)(p - rep), rep, twice[i], p + strlen(from));
			hvc_facts_init(&f);
			CHECK_INTEQ(hvc_inspect_parse(r, strlen(r), &f, &err), -EPROTO);
			CHECK(strstr(err.msg, "a boot loader item reported twice") != NULL);
			hvc_error_clear(&err);
			hvc_facts_finish(&f);
		}
	}
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_embedded_scripts),
		HVC_TEST(test_inspect_request),
		HVC_TEST(test_inspect_request_refuses),
		HVC_TEST(test_apply_request),
		HVC_TEST(test_apply_request_by_release),
		HVC_TEST(test_apply_request_running_length),
		HVC_TEST(test_apply_request_grub_families),
		HVC_TEST(test_apply_request_refuses),
		HVC_TEST(test_apply_request_items),
		HVC_TEST(test_inspect_parse_items),
		HVC_TEST(test_inspect_parse_good),
		HVC_TEST(test_inspect_parse_minimal),
		HVC_TEST(test_inspect_parse_grub_families),
		HVC_TEST(test_inspect_parse_bad),
		HVC_TEST(test_inspect_parse_sysctl_boot),
		HVC_TEST(test_inspect_parse_sysctl_files),
		HVC_TEST(test_inspect_parse_limits),
		HVC_TEST(test_symptoms),
		HVC_TEST(test_apply_parse),
		HVC_TEST(test_apply_parse_stale),
		HVC_TEST(test_apply_parse_rollback),
		HVC_TEST(test_apply_parse_bad),
	};

	return hvc_test_run(tests, ELEMENTSOF(tests));
}
