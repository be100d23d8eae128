/* test-xlcfg.c: the xl.cfg rewrite on fixtures (checked by libxlutil itself), and libxl's open off Xen. */
#define LIBXL_API_VERSION 0x041400

#include <dirent.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libxlutil.h>

#include "config.h"
#include "backends/libxl/xlcfg.h"
#include "backends/libxl/xlstore.h"
#include "backends/registry.h"
#include "core/backend.h"
#include "core/util.h"
#include "tests/backend/xlucheck.h"
#include "tests/harness.h"

/*
 * How a result is checked, independently of xlcfg.c's own checks:
 *
 *  - bytes: the whole result against a reviewed golden file
 *    (tests/data/xlcfg/expected/ROW.cfg; HVC_TEST_REGENERATE=1 rewrites them);
 *  - meaning: the original and the result are both parsed by libxlutil, and
 *    every key is compared value by value (strings, lists item by item,
 *    nested), except the one key the row changes, whose new value is checked
 *    exactly. libxlutil has no key iteration API, so the key list comes from
 *    a simple scan of both texts for `key =` / `key +=` at the start of a line
 *    or after a ';' (regex below; a false hit inside a string is harmless: it
 *    is absent from both parses);
 *  - idempotence: editing the result again with the same line changes no byte.
 */

static char *fixture_path(const char *file)
{
	_cleanup_free_ char *rel = xasprintf("xlcfg/%s", file);
	return hvc_test_data(rel);
}

static char *fixture(const char *file)
{
	_cleanup_free_ char *path = fixture_path(file);
	char *text = hvc_test_read_file(path);

	if (!text) {
		printf("# cannot read %s\n", path);
		exit(1);
	}
	return text;
}

/* ---- the independent check (xlucheck.c): libxlutil parses, key scan, deep compare ---- */

/* Every key but `key` has the same value in both; `key` is `value` (NULL: absent) in the result. */
static void check_meaning(const char *orig, const char *result, const char *key, const char *value)
{
	struct xlu_parsed a, b;
	bool ok_a = xlu_parse(orig, &a), ok_b = xlu_parse(result, &b);
	const struct xlu_parsed *bad = !ok_a ? &a : !ok_b ? &b : NULL;
	_cleanup_strv_free_ char **keys = NULL;
	const char *got = NULL;
	int r;

	if (bad)
		printf("# libxlutil rejects the %s: %s", bad == &a ? "original" : "result",
			bad->buf ? bad->buf : "?\n");
	CHECK(!bad);
	if (!a.cfg || !b.cfg || hvc_test_case_failed)
		goto out;
	keys = xlu_scan_keys(orig, keys);
	keys = xlu_scan_keys(result, keys);
	CHECK(strv_length(keys) > 0);
	STRV_FOREACH (k, keys) {
		if (streq(*k, key))
			continue;
		if (!xlu_value_eq(&a, &b, *k)) {
			printf("# key %s= differs after the rewrite\n", *k);
			hvc_test_case_failed = 1;
		}
	}
	r = xlu_cfg_get_string(b.cfg, key, &got, 1);
	if (value) {
		CHECK_INTEQ(r, 0);
		CHECK_STREQ(r == 0 ? got : NULL, value);
	} else {
		CHECK_INTEQ(r, ESRCH);
	}
out:
	xlu_parsed_close(&a);
	xlu_parsed_close(&b);
}

/* ---- reading: what a file boots and its command line ---- */

struct read_row {
	const char *file;
	enum hvc_guest_type type;
	enum hvc_boot_path boot;
	const char *cmdline; /* NULL: none */
	const char *key;
	const char *error; /* parse refused with this in the message */
};

static void test_read_table(void)
{
	static const struct read_row rows[] = {
		{ "pv-extra-dq.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
			"console=hvc0 hvip=10.99.0.2", "extra", NULL },
		{ "pv-extra-sq-comment.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
			"console=xvc0 xencons=tty", "extra", NULL },
		{ "pv-cmdline-root-extra.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
			"root=/dev/xvda1 ro console=hvc0 quiet", "cmdline", NULL },
		{ "pv-root-extra.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
			"root=/dev/xvda2 ro console=hvc0 elevator=noop", "extra", NULL },
		{ "pv-root-only.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
			"root=/dev/xvda1 ro", "extra", NULL },
		{ "pv-no-extra.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL, NULL, "extra",
			NULL },
		{ "pv-multiline.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
			"console=hvc0 root=/dev/xvda", "extra", NULL },
		{ "pygrub.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_BOOTLOADER, "clocksource=jiffies",
			"extra", NULL },
		{ "pygrub-no-extra.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_BOOTLOADER, NULL, "extra",
			NULL },
		{ "hvm-no-kernel.cfg", HVC_GUEST_TYPE_HVM, HVC_BOOT_FIRMWARE, NULL, "extra", NULL },
		{ "hvm-kernel.cfg", HVC_GUEST_TYPE_HVM, HVC_BOOT_DIRECT_KERNEL,
			"console=ttyS0 root=/dev/xvda1", "cmdline", NULL },
		{ "builder-hvm.cfg", HVC_GUEST_TYPE_HVM, HVC_BOOT_FIRMWARE, NULL, "extra", NULL },
		/* xl drops an HVM kernel= named hvmloader: firmware boot. */
		{ "hvm-hvmloader.cfg", HVC_GUEST_TYPE_HVM, HVC_BOOT_FIRMWARE, NULL, "extra", NULL },
		/* ...for HVM only: a PV kernel of that name is a kernel. */
		{ "pv-hvmloader-name.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
			"console=hvc0", "extra", NULL },
		{ "type-prefix.cfg", HVC_GUEST_TYPE_HVM, HVC_BOOT_FIRMWARE, NULL, "extra", NULL },
		{ "pvgrub-kernel.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_PVGRUB,
			"(hd0,0)/boot/grub/menu.lst", "extra", NULL },
		{ "pvgrub-firmware.cfg", HVC_GUEST_TYPE_PVH, HVC_BOOT_PVGRUB, NULL, "extra", NULL },
		{ "pvh-direct.cfg", HVC_GUEST_TYPE_PVH, HVC_BOOT_DIRECT_KERNEL,
			"console=hvc0 root=/dev/xvda1", "extra", NULL },
		{ "semicolons.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL, "quiet", "extra",
			NULL },
		{ "no-final-newline.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL, "console=hvc0",
			"extra", NULL },
		{ "dup-extra.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL, "console=hvc0",
			"extra", NULL },
		{ "escapes.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
			"console=hvc0 acpi_osi=\"Linux\" path=C:\\boot", "extra", NULL },
		{ "plus-equals.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL,
			"console=hvc0 quiet", "extra", NULL },
		/* A list extra= is ignored by xl (parse_cmdline's xlu_cfg_get_string fails). */
		{ "extra-list.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_DIRECT_KERNEL, NULL, "extra",
			NULL },
		{ "no-kernel.cfg", HVC_GUEST_TYPE_PV, HVC_BOOT_UNKNOWN, NULL, "extra", NULL },
		{ "bad-python.cfg", 0, 0, NULL, NULL,
			"bad-python.cfg:2: config parsing error near `os': syntax error" },
		{ "bad-unterminated.cfg", 0, 0, NULL, NULL,
			"bad-unterminated.cfg:1: config parsing error near" },
		{ "bad-crlf.cfg", 0, 0, NULL, NULL, "bad-crlf.cfg:1: config parsing error near" },
		{ "bad-comment-at-eof.cfg", 0, 0, NULL, NULL,
			"bad-comment-at-eof.cfg:3: config parsing error near `#': lexical error" },
		{ "bad-uppercase.cfg", 0, 0, NULL, NULL,
			"bad-uppercase.cfg:1: config parsing error near `Name" },
	};
	ROW_BEGIN();

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		const struct read_row *row = &rows[i];
		_cleanup_free_ char *text = fixture(row->file), *path = fixture_path(row->file);
		_cleanup_free_ char *name = xasprintf("read %s", row->file);
		struct hvc_xlcfg c;
		struct hvc_error err = { 0 };
		int r = hvc_xlcfg_parse(text, path, &c, &err);

		if (row->error) {
			CHECK(r == -EINVAL);
			CHECK(strstr(err.msg, "cannot parse the xl config: ") == err.msg);
			if (!strstr(err.msg, row->error)) {
				printf("# message: %s\n", err.msg);
				hvc_test_case_failed = 1;
			}
			CHECK(!strchr(err.msg, '\n'));
		} else {
			CHECK_INTEQ(r, 0);
			if (r == 0) {
				CHECK_INTEQ(c.type, row->type);
				CHECK_INTEQ(c.boot, row->boot);
				CHECK_INTEQ(c.has_cmdline, row->cmdline != NULL);
				CHECK_STREQ(c.cmdline, row->cmdline);
				CHECK_STREQ(c.cmdline_key, row->key);
				CHECK(c.boot_detail && *c.boot_detail);
				hvc_xlcfg_finish(&c);
			} else {
				printf("# %s\n", err.msg);
			}
		}
		ROW_END(name);
	}
	ROWS_DONE();
}

/* ---- the rewrite ---- */

struct edit_row {
	const char *name; /* golden file expected/NAME.cfg */
	const char *file;
	const char *new_cmdline;
	const char *key; /* the key changed */
	const char *value; /* its value afterwards, NULL = no such key */
};

static const struct edit_row edit_rows[] = {
	{ "pv-extra-dq", "pv-extra-dq.cfg", "console=hvc0 hvip=10.99.0.2 clocksource=jiffies",
		"extra", "console=hvc0 hvip=10.99.0.2 clocksource=jiffies" },
	{ "pv-extra-sq-comment", "pv-extra-sq-comment.cfg",
		"console=xvc0 xencons=tty clocksource=jiffies", "extra",
		"console=xvc0 xencons=tty clocksource=jiffies" },
	{ "pv-cmdline-root-extra", "pv-cmdline-root-extra.cfg",
		"root=/dev/xvda1 ro console=hvc0 quiet clocksource=tsc", "cmdline",
		"root=/dev/xvda1 ro console=hvc0 quiet clocksource=tsc" },
	{ "pv-root-extra", "pv-root-extra.cfg",
		"root=/dev/xvda2 ro console=hvc0 elevator=noop clocksource=jiffies", "extra",
		"console=hvc0 elevator=noop clocksource=jiffies" },
	{ "pv-root-only", "pv-root-only.cfg", "root=/dev/xvda1 ro clocksource=jiffies", "extra",
		"clocksource=jiffies" },
	{ "pv-no-extra", "pv-no-extra.cfg", "clocksource=tsc tsc=reliable", "extra",
		"clocksource=tsc tsc=reliable" },
	{ "pv-multiline", "pv-multiline.cfg", "console=hvc0 root=/dev/xvda clocksource=xen",
		"extra", "console=hvc0 root=/dev/xvda clocksource=xen" },
	{ "pygrub", "pygrub.cfg", "clocksource=jiffies independent_wallclock=1", "extra",
		"clocksource=jiffies independent_wallclock=1" },
	{ "pygrub-no-extra", "pygrub-no-extra.cfg", "clocksource=jiffies", "extra",
		"clocksource=jiffies" },
	{ "hvm-kernel", "hvm-kernel.cfg", "console=ttyS0 root=/dev/xvda1 clocksource=xen",
		"cmdline", "console=ttyS0 root=/dev/xvda1 clocksource=xen" },
	{ "pvh-direct", "pvh-direct.cfg", "console=hvc0 root=/dev/xvda1 clocksource=tsc", "extra",
		"console=hvc0 root=/dev/xvda1 clocksource=tsc" },
	{ "semicolons", "semicolons.cfg", "quiet clocksource=jiffies", "extra",
		"quiet clocksource=jiffies" },
	{ "no-final-newline", "no-final-newline.cfg", "console=hvc0 clocksource=jiffies", "extra",
		"console=hvc0 clocksource=jiffies" },
	{ "no-final-newline-add", "no-final-newline-add.cfg", "clocksource=jiffies", "extra",
		"clocksource=jiffies" },
	{ "dup-extra", "dup-extra.cfg", "console=hvc0 clocksource=jiffies", "extra",
		"console=hvc0 clocksource=jiffies" },
	{ "escapes", "escapes.cfg",
		"console=hvc0 acpi_osi=\"Linux\" path=C:\\boot clocksource=jiffies it's", "extra",
		"console=hvc0 acpi_osi=\"Linux\" path=C:\\boot clocksource=jiffies it's" },
	{ "escapes-sq", "pv-extra-sq-comment.cfg", "console=xvc0 it's \"quoted\" a\\b", "extra",
		"console=xvc0 it's \"quoted\" a\\b" },
	{ "tabs", "tabs.cfg", "clocksource=jiffies", "extra", "clocksource=jiffies" },
	/* Removal (rollback to "no command line"): the statement goes, nothing else. */
	{ "pv-extra-dq-remove", "pv-extra-dq.cfg", NULL, "extra", NULL },
	{ "semicolons-remove", "semicolons.cfg", "", "extra", NULL },
	{ "dup-extra-remove", "dup-extra.cfg", NULL, "extra", NULL },
	{ "pv-root-extra-to-root", "pv-root-extra.cfg", "root=/dev/xvda2 ro", "extra", NULL },
};

static void test_rewrite_table(void)
{
	ROW_BEGIN();

	for (size_t i = 0; i < ELEMENTSOF(edit_rows); i++) {
		const struct edit_row *row = &edit_rows[i];
		_cleanup_free_ char *text = fixture(row->file), *path = fixture_path(row->file);
		_cleanup_free_ char *golden = NULL, *out = NULL, *again = NULL;
		_cleanup_free_ char *name = xasprintf("rewrite %s", row->name);
		struct hvc_error err = { 0 };
		struct hvc_xlcfg c = { 0 };
		const char *key = NULL;
		int r;

		r = hvc_xlcfg_set_cmdline(text, path, row->new_cmdline, &out, &key, &err);
		CHECK_INTEQ(r, 0);
		if (r < 0) {
			printf("# %s\n", err.msg);
			ROW_END(name);
			continue;
		}
		CHECK_STREQ(key, row->key);
		golden = xasprintf("xlcfg/expected/%s.cfg", row->name);
		{
			_cleanup_free_ char *gp = hvc_test_data(golden);
			CHECK(hvc_test_compare_file(out, gp));
		}
		check_meaning(text, out, row->key, row->value);

		/* The effective line, as xl builds it, is the new one. */
		CHECK_INTEQ(hvc_xlcfg_parse(out, path, &c, &err), 0);
		CHECK_STREQ(
			c.cmdline, row->new_cmdline && *row->new_cmdline ? row->new_cmdline : NULL);
		hvc_xlcfg_finish(&c);

		/* Idempotent: the same edit on the result changes no byte. */
		CHECK_INTEQ(
			hvc_xlcfg_set_cmdline(out, path, row->new_cmdline, &again, NULL, &err), 0);
		CHECK_STREQ(again, out);
		ROW_END(name);
	}
	ROWS_DONE();
}

struct refuse_row {
	const char *file;
	const char *new_cmdline;
	const char *error;
};

static void test_refusals(void)
{
	static const struct refuse_row rows[] = {
		{ "hvm-no-kernel.cfg", "clocksource=xen", "HVM guest without kernel=" },
		{ "builder-hvm.cfg", "clocksource=xen", "HVM guest without kernel=" },
		{ "hvm-hvmloader.cfg", "clocksource=xen",
			"its kernel= is hvmloader, which xl drops" },
		{ "type-prefix.cfg", "clocksource=xen", "HVM guest without kernel=" },
		{ "pvgrub-kernel.cfg", "clocksource=jiffies", "boots PV-GRUB" },
		{ "pvgrub-firmware.cfg", "clocksource=jiffies", "boots PV-GRUB" },
		{ "no-kernel.cfg", "clocksource=jiffies", "neither kernel= nor bootloader=" },
		{ "plus-equals.cfg", "console=hvc0 quiet clocksource=jiffies",
			"extra= is built with '+=' (line 4)" },
		{ "extra-list.cfg", "clocksource=jiffies", "extra= is a list" },
		{ "pv-root-extra.cfg", "console=hvc0 clocksource=jiffies",
			"root=/dev/xvda2 ro is set" },
		{ "pv-root-only.cfg", NULL, "root=/dev/xvda1 ro is set" },
		{ "pv-cmdline-root-extra.cfg", NULL, "removing cmdline=" },
		{ "pv-extra-dq.cfg", "console=hvc0\nquiet", "control characters" },
		{ "bad-python.cfg", "clocksource=jiffies", "config parsing error" },
		{ "bad-unterminated.cfg", "clocksource=jiffies", "lexical error" },
		{ "bad-crlf.cfg", "clocksource=jiffies", "lexical error" },
		{ "bad-comment-at-eof.cfg", "clocksource=jiffies", "lexical error" },
		{ "bad-uppercase.cfg", "clocksource=jiffies", "lexical error" },
	};
	ROW_BEGIN();

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		const struct refuse_row *row = &rows[i];
		_cleanup_free_ char *text = fixture(row->file), *path = fixture_path(row->file);
		_cleanup_free_ char *name =
			xasprintf("refuse %s%s", row->file, row->new_cmdline ? "" : " (remove)");
		char *out = (char *)"untouched";
		struct hvc_error err = { 0 };
		int r = hvc_xlcfg_set_cmdline(text, path, row->new_cmdline, &out, NULL, &err);

		CHECK_INTEQ(r, -EINVAL);
		CHECK_STREQ(out, "untouched");
		CHECK(!strchr(err.msg, '\n'));
		CHECK(strstr(err.msg, path) != NULL); /* names the file */
		if (!strstr(err.msg, row->error)) {
			printf("# message: %s\n", err.msg);
			hvc_test_case_failed = 1;
		}
		ROW_END(name);
	}
	ROWS_DONE();
}

/* Adding extra= and removing it again gives the original back, byte for byte (rollout, rollback). */
static void test_add_then_remove_is_identity(void)
{
	static const char *const files[] = { "pv-no-extra.cfg", "pygrub-no-extra.cfg", "tabs.cfg",
		"no-final-newline-add.cfg", "pv-root-only.cfg" };

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *text = fixture(files[i]), *path = fixture_path(files[i]);
		_cleanup_free_ char *added = NULL, *removed = NULL, *line = NULL;
		struct hvc_xlcfg c = { 0 };
		struct hvc_error err = { 0 };

		CHECK_INTEQ(hvc_xlcfg_parse(text, path, &c, &err), 0);
		line = c.cmdline ? xasprintf("%s clocksource=jiffies", c.cmdline)
				 : xstrdup("clocksource=jiffies");
		CHECK_INTEQ(hvc_xlcfg_set_cmdline(text, path, line, &added, NULL, &err), 0);
		CHECK_INTEQ(hvc_xlcfg_set_cmdline(
				    added ? added : text, path, c.cmdline, &removed, NULL, &err),
			0);
		if (!streq_ptr(removed, text)) {
			printf("# %s: not the original after add + remove:\n%s", files[i],
				strna(removed));
			hvc_test_case_failed = 1;
		}
		hvc_xlcfg_finish(&c);
	}
}

/* Whatever the value holds, libxlutil reads back exactly that (quote and backslash escaping). */
static void test_quoting_round_trip(void)
{
	static const char *const values[] = {
		"plain",
		"a \"double\" b",
		"it's",
		"back\\slash",
		"\\\"'\\'",
		"# not a comment",
		"x=[1,2]; y=3",
		"",
	};
	static const char *const texts[] = {
		"name = \"q\"\nkernel = \"/k\"\nextra = \"old\"\n",
		"name = 'q'\nkernel = '/k'\nextra = 'old'\n",
		"name = 'q'\nkernel = '/k'\n",
	};

	for (size_t t = 0; t < ELEMENTSOF(texts); t++)
		for (size_t i = 0; i < ELEMENTSOF(values); i++) {
			_cleanup_free_ char *out = NULL;
			struct hvc_xlcfg c = { 0 };
			struct hvc_error err = { 0 };

			if (!*values[i])
				continue; /* "" removes; covered by the table */
			CHECK_INTEQ(hvc_xlcfg_set_cmdline(
					    texts[t], "q.cfg", values[i], &out, NULL, &err),
				0);
			CHECK_INTEQ(hvc_xlcfg_parse(out ? out : "", "q.cfg", &c, &err), 0);
			CHECK_STREQ(c.cmdline, values[i]);
			hvc_xlcfg_finish(&c);
		}
}

static void test_keys(void)
{
	_cleanup_free_ char *text = fixture("pv-multiline.cfg");
	_cleanup_strv_free_ char **keys = hvc_xlcfg_keys(text), **semi = NULL, **bad = NULL;
	_cleanup_free_ char *joined = strv_join(keys, " ");
	_cleanup_free_ char *stext = fixture("semicolons.cfg"), *btext = fixture("bad-crlf.cfg");
	_cleanup_free_ char *sjoined = NULL;

	CHECK_STREQ(joined, "name kernel vif disk extra cpus on_reboot");
	semi = hvc_xlcfg_keys(stext);
	sjoined = strv_join(semi, " ");
	CHECK_STREQ(sjoined, "name kernel extra memory vcpus");
	bad = hvc_xlcfg_keys(btext);
	CHECK(bad == NULL);
}

static void test_boot_path_rules(void)
{
	CHECK(hvc_xl_kernel_is_grub("/usr/lib/xen/boot/pv-grub-x86_64.gz"));
	CHECK(hvc_xl_kernel_is_grub("/usr/lib/xen-4.17/boot/pvgrub64.bin"));
	CHECK(hvc_xl_kernel_is_grub("/usr/lib/grub-xen/grub-x86_64-xen.bin"));
	CHECK(hvc_xl_kernel_is_grub("/usr/lib/grub-xen/grub-i386-xen_pvh.bin"));
	CHECK(!hvc_xl_kernel_is_grub("/boot/vmlinuz-6.1.0-18-amd64"));
	CHECK(!hvc_xl_kernel_is_grub("/srv/grub/vmlinuz")); /* only the file name counts */
	CHECK(!hvc_xl_kernel_is_grub(NULL));

	CHECK_INTEQ(hvc_xl_boot_path(HVC_GUEST_TYPE_HVM, NULL, "pygrub", NULL), HVC_BOOT_FIRMWARE);
	CHECK_INTEQ(hvc_xl_boot_path(HVC_GUEST_TYPE_HVM, "/boot/vmlinuz", NULL, NULL),
		HVC_BOOT_DIRECT_KERNEL);
	CHECK_INTEQ(hvc_xl_boot_path(HVC_GUEST_TYPE_PV, "/boot/vmlinuz", "pygrub", NULL),
		HVC_BOOT_BOOTLOADER);
	CHECK_INTEQ(hvc_xl_boot_path(HVC_GUEST_TYPE_PVH, NULL, NULL, "pvgrub64"), HVC_BOOT_PVGRUB);
	CHECK_INTEQ(hvc_xl_boot_path(HVC_GUEST_TYPE_PV, "", "", NULL), HVC_BOOT_UNKNOWN);

	/* xl_parse.c (Xen 4.17): an HVM kernel= whose libxl_basename() is "hvmloader" is dropped. */
	CHECK(hvc_xl_kernel_is_hvmloader("/usr/lib/xen/boot/hvmloader"));
	CHECK(hvc_xl_kernel_is_hvmloader("/usr/lib/xen-4.17/boot/hvmloader"));
	CHECK(hvc_xl_kernel_is_hvmloader("hvmloader"));
	CHECK(!hvc_xl_kernel_is_hvmloader("/usr/lib/xen/boot/hvmloader.gz"));
	CHECK(!hvc_xl_kernel_is_hvmloader("/usr/lib/xen/boot/HVMLoader")); /* strcmp */
	CHECK(!hvc_xl_kernel_is_hvmloader("/usr/lib/xen/boot/hvmloader/")); /* basename "" */
	CHECK(!hvc_xl_kernel_is_hvmloader("/hvmloader/vmlinuz"));
	CHECK(!hvc_xl_kernel_is_hvmloader(NULL));
	CHECK_INTEQ(hvc_xl_boot_path(HVC_GUEST_TYPE_HVM, "/usr/lib/xen/boot/hvmloader", NULL, NULL),
		HVC_BOOT_FIRMWARE);
	CHECK_INTEQ(
		hvc_xl_boot_path(HVC_GUEST_TYPE_HVM, "hvmloader", NULL, NULL), HVC_BOOT_FIRMWARE);
	CHECK_INTEQ(hvc_xl_boot_path(HVC_GUEST_TYPE_HVM, "/boot/hvmloader.bin", NULL, NULL),
		HVC_BOOT_DIRECT_KERNEL);
	CHECK_INTEQ(hvc_xl_boot_path(HVC_GUEST_TYPE_PV, "/srv/hvmloader", NULL, NULL),
		HVC_BOOT_DIRECT_KERNEL);
	CHECK_INTEQ(hvc_xl_boot_path(HVC_GUEST_TYPE_PVH, "/srv/hvmloader", NULL, NULL),
		HVC_BOOT_DIRECT_KERNEL);
}

/* ---- the files in dom0: finding a domain's config, rewriting it, backups, records ---- */

static void put(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("# cannot write %s\n", p);
		exit(1);
	}
}

static char *get(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	return hvc_test_read_file(p);
}

/* No temporary file left behind: nothing dot-named in dir. */
static bool no_dot_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool ok = true;

	while (d && (de = readdir(d)))
		if (de->d_name[0] == '.' && !streq(de->d_name, ".") && !streq(de->d_name, "..")) {
			printf("# left behind: %s/%s\n", dir, de->d_name);
			ok = false;
		}
	if (d)
		closedir(d);
	return ok;
}

struct bed {
	char root[32];
	char *etc, *autodir, *state;
	struct hvc_xl_store store;
};

static void bed_up(struct bed *b)
{
	snprintf(b->root, sizeof(b->root), "/tmp/hvc-xlstore-XXXXXX");
	if (!mkdtemp(b->root))
		exit(1);
	b->etc = xasprintf("%s/etc", b->root);
	b->autodir = xasprintf("%s/auto", b->root);
	b->state = xasprintf("%s/state", b->root);
	mkdir(b->etc, 0755);
	mkdir(b->autodir, 0755);
	{
		_cleanup_free_ char *dirs = xasprintf("%s:%s", b->etc, b->autodir);
		setenv("HVCLOCK_XEN_CONFIG_DIRS", dirs, 1);
		setenv("HVCLOCK_STATE_DIR", b->state, 1);
		hvc_xl_store_init(&b->store);
	}
	put(b->etc, "web1.cfg",
		"# the web server\nname = \"web1\"\nkernel = \"/boot/vmlinuz-2.6.18-xen\"\n"
		"extra = \"console=xvc0\"  # keep\nmemory = 512\n");
	put(b->etc, "database.cfg", "name = 'db1'\nkernel = '/boot/vmlinuz'\n");
	put(b->etc, "x1.cfg", "name = \"dup\"\nkernel = \"/k\"\n");
	put(b->etc, "x2.cfg", "name = \"dup\"\nkernel = \"/k\"\n");
	put(b->etc, "broken.cfg", "name = \"broken\nkernel = \"/k\"\n");
	put(b->etc, "mism.cfg", "name = \"someone-else\"\nkernel = \"/k\"\n");
	put(b->etc, "win.cfg", "name = \"win\"\ntype = \"hvm\"\n");
	put(b->etc, "web2-real.cfg", "name = \"web2\"\nkernel = \"/k\"\n");
	put(b->autodir, "inauto.cfg", "name = \"inauto\"\nkernel = \"/k\"\n");
	{
		_cleanup_free_ char *link = xasprintf("%s/web2.cfg", b->autodir);
		if (symlink("../etc/web2-real.cfg", link) < 0)
			exit(1);
	}
}

static void bed_down(struct bed *b)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", b->root);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", b->root);
	hvc_xl_store_finish(&b->store);
	free(b->etc);
	free(b->autodir);
	free(b->state);
	unsetenv("HVCLOCK_XEN_CONFIG_DIRS");
	unsetenv("HVCLOCK_STATE_DIR");
}

static void test_store_find_config(void)
{
	struct bed b;
	struct hvc_xl_file f;
	struct hvc_error err = { 0 };
	_cleanup_free_ char *p = NULL;

	bed_up(&b);
	CHECK_INTEQ(hvc_xl_find_config(&b.store, "web1", &f, &err), 0);
	p = xasprintf("%s/web1.cfg", b.etc);
	CHECK_STREQ(f.path, p);
	CHECK(f.parsed);
	CHECK_STREQ(f.why, "named after the domain, and its name= matches");
	CHECK_STREQ(f.cfg.cmdline, "console=xvc0");
	hvc_xl_file_finish(&f);

	/* Not named after the domain: the one *.cfg whose name= matches. */
	CHECK_INTEQ(hvc_xl_find_config(&b.store, "db1", &f, &err), 0);
	CHECK(f.path && strstr(f.path, "/etc/database.cfg"));
	CHECK(f.why && strstr(f.why, "the only *.cfg in "));
	hvc_xl_file_finish(&f);

	/* Two files say the same name: none is chosen. */
	CHECK_INTEQ(hvc_xl_find_config(&b.store, "dup", &f, &err), -EEXIST);
	CHECK(strstr(err.msg, "x1.cfg and ") && strstr(err.msg, "x2.cfg both say name=\"dup\""));
	hvc_error_clear(&err);

	/* Named after the domain but libxlutil rejects it: that file, reported as broken. */
	CHECK_INTEQ(hvc_xl_find_config(&b.store, "broken", &f, &err), 0);
	CHECK(!f.parsed);
	CHECK(f.parse_error && strstr(f.parse_error, "config parsing error"));
	hvc_xl_file_finish(&f);

	/* mism.cfg belongs to "someone-else"; nothing for "mism". */
	CHECK_INTEQ(hvc_xl_find_config(&b.store, "mism", &f, &err), -ENOENT);
	CHECK(strstr(err.msg, "no xl config file found in ") == err.msg);
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_xl_find_config(&b.store, "someone-else", &f, &err), 0);
	hvc_xl_file_finish(&f);

	/* A link in the auto directory is found; a name with '/' never builds a path. */
	CHECK_INTEQ(hvc_xl_find_config(&b.store, "web2", &f, &err), 0);
	CHECK(f.path && strstr(f.path, "/auto/web2.cfg"));
	hvc_xl_file_finish(&f);
	CHECK_INTEQ(hvc_xl_find_config(&b.store, "../etc/web1", &f, &err), -ENOENT);
	bed_down(&b);
}

static void test_store_rewrite_backup_record(void)
{
	struct bed b;
	struct hvc_error err = { 0 };
	struct hvc_record rec = { 0 }, got = { 0 };
	_cleanup_free_ char *orig = NULL, *text = NULL, *path = NULL, *now = NULL, *bak = NULL;
	_cleanup_free_ char *rp = NULL, *cfg = NULL, *sdir = NULL;
	const char *key = NULL;
	struct stat st;
	bool found = false;

	bed_up(&b);
	cfg = xasprintf("%s/web1.cfg", b.etc);
	chmod(cfg, 0640);
	orig = get(b.etc, "web1.cfg");

	rec.profile = (char *)"xenlinux-pv";
	rec.time = (char *)"2024-01-01T00:00:00Z";
	rec.cmdline_changed = true;
	rec.had_cmdline = true;
	rec.old_cmdline = (char *)"console=xvc0";
	rec.new_cmdline = (char *)"console=xvc0 clocksource=jiffies";
	rec.address = (char *)"10.99.0.2";
	rec.port = 2222;

	/* The line changed under us: refused, nothing written. */
	CHECK_INTEQ(hvc_xl_rewrite_config(&b.store, "web1", "uuid-1", "console=tty0",
			    "console=xvc0 clocksource=jiffies", &rec, &text, &path, &key, &err),
		-ESTALE);
	CHECK(strstr(err.msg, "changed since it was read") != NULL);
	hvc_error_clear(&err);
	rp = hvc_xl_record_path(&b.store, "web1");
	CHECK(access(rp, F_OK) < 0);

	CHECK_INTEQ(hvc_xl_rewrite_config(&b.store, "web1", "uuid-1", "console=xvc0",
			    "console=xvc0 clocksource=jiffies", &rec, &text, &path, &key, &err),
		0);
	CHECK_STREQ(key, "extra");
	CHECK_STREQ(path, cfg);
	now = get(b.etc, "web1.cfg");
	CHECK_STREQ(now,
		"# the web server\nname = \"web1\"\nkernel = \"/boot/vmlinuz-2.6.18-xen\"\n"
		"extra = \"console=xvc0 clocksource=jiffies\"  # keep\nmemory = 512\n");
	CHECK_STREQ(text, now);
	CHECK(stat(cfg, &st) == 0 && (st.st_mode & 07777) == 0640); /* mode kept */
	bak = get(b.etc, "web1.cfg" HVC_XL_BACKUP_SUFFIX);
	CHECK_STREQ(bak, orig);
	CHECK(stat(rp, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK_INTEQ(hvc_xl_load_record(&b.store, "web1", &got, &found, &err), 0);
	CHECK(found);
	CHECK_STREQ(got.profile, "xenlinux-pv");
	CHECK_STREQ(got.old_cmdline, "console=xvc0");
	CHECK_STREQ(got.new_cmdline, "console=xvc0 clocksource=jiffies");
	CHECK_STREQ(got.address, "10.99.0.2");
	CHECK_INTEQ(got.port, 2222);
	CHECK(got.cmdline_changed && got.had_cmdline);
	hvc_record_finish(&got);
	free(text);
	free(path);
	free(bak);
	text = path = bak = NULL;

	/* A second change keeps the first original as the backup. */
	CHECK_INTEQ(hvc_xl_rewrite_config(&b.store, "web1", "uuid-1",
			    "console=xvc0 clocksource=jiffies", "console=xvc0 clocksource=tsc",
			    &rec, &text, &path, &key, &err),
		0);
	bak = get(b.etc, "web1.cfg" HVC_XL_BACKUP_SUFFIX);
	CHECK_STREQ(bak, orig);
	free(text);
	free(path);
	text = path = NULL;

	/* Rollback: the old line and no record: the file is the original again, byte for byte. */
	CHECK_INTEQ(
		hvc_xl_rewrite_config(&b.store, "web1", "uuid-1", "console=xvc0 clocksource=tsc",
			"console=xvc0", NULL, &text, &path, &key, &err),
		0);
	free(now);
	now = get(b.etc, "web1.cfg");
	CHECK_STREQ(now, orig);
	CHECK(access(rp, F_OK) < 0);
	CHECK(no_dot_files(b.etc));
	free(text);
	free(path);
	text = path = NULL;

	/* Through a link in the auto directory: the target is written, the link stays a link. */
	CHECK_INTEQ(hvc_xl_rewrite_config(&b.store, "web2", NULL, NULL, "clocksource=jiffies", &rec,
			    &text, &path, &key, &err),
		0);
	{
		_cleanup_free_ char *link = xasprintf("%s/web2.cfg", b.autodir);
		_cleanup_free_ char *real = get(b.etc, "web2-real.cfg");
		_cleanup_free_ char *rbak = get(b.etc, "web2-real.cfg" HVC_XL_BACKUP_SUFFIX);
		CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
		CHECK_STREQ(real,
			"name = \"web2\"\nkernel = \"/k\"\nextra  = \"clocksource=jiffies\"\n");
		CHECK_STREQ(rbak, "name = \"web2\"\nkernel = \"/k\"\n");
		CHECK(path && strstr(path, "/etc/web2-real.cfg"));
	}
	free(text);
	free(path);
	text = path = NULL;

	/* A real file in the auto directory: no backup there (xendomains starts every file in it). */
	CHECK_INTEQ(hvc_xl_rewrite_config(&b.store, "inauto", NULL, NULL, "clocksource=jiffies",
			    &rec, &text, &path, &key, &err),
		0);
	{
		_cleanup_free_ char *in_auto =
			xasprintf("%s/inauto.cfg" HVC_XL_BACKUP_SUFFIX, b.autodir);
		_cleanup_free_ char *in_state =
			xasprintf("%s/xen/inauto.cfg" HVC_XL_BACKUP_SUFFIX, b.state);
		CHECK(access(in_auto, F_OK) < 0);
		CHECK(access(in_state, F_OK) == 0);
		CHECK(no_dot_files(b.autodir));
	}
	free(text);
	free(path);
	text = path = NULL;

	/* Refusals leave no record and no file change. */
	CHECK_INTEQ(hvc_xl_rewrite_config(&b.store, "broken", NULL, NULL, "clocksource=jiffies",
			    &rec, &text, &path, &key, &err),
		-EINVAL);
	CHECK(strstr(err.msg, "broken.cfg: refused: cannot parse the xl config: ") != NULL);
	hvc_error_clear(&err);
	CHECK_INTEQ(hvc_xl_rewrite_config(&b.store, "win", NULL, NULL, "clocksource=xen", &rec,
			    &text, &path, &key, &err),
		-EINVAL);
	CHECK(strstr(err.msg, "HVM guest without kernel=") != NULL);
	{
		_cleanup_free_ char *r1 = hvc_xl_record_path(&b.store, "broken");
		_cleanup_free_ char *r2 = hvc_xl_record_path(&b.store, "win");
		_cleanup_free_ char *w = get(b.etc, "win.cfg");
		CHECK(access(r1, F_OK) < 0 && access(r2, F_OK) < 0);
		CHECK_STREQ(w, "name = \"win\"\ntype = \"hvm\"\n");
	}
	sdir = xasprintf("%s/xen", b.state);
	CHECK(stat(sdir, &st) == 0 && (st.st_mode & 07777) == 0700);
	bed_down(&b);
}

/*
 * The record directory is made with hvc_mkdir_private() (core/util.h), not a second mkdir
 * helper that took any existing directory: one others can write is refused, nothing changes.
 */
static void test_store_state_dir_private(void)
{
	struct bed b;
	struct hvc_error err = { 0 };
	struct hvc_record rec = { .profile = (char *)"xenlinux-pv" };
	_cleanup_free_ char *orig = NULL, *now = NULL, *text = NULL, *path = NULL;
	const char *key = NULL;

	bed_up(&b);
	orig = get(b.etc, "web1.cfg");
	CHECK(mkdir(b.state, 0700) == 0 && chmod(b.state, 0777) == 0);
	CHECK_INTEQ(hvc_xl_rewrite_config(&b.store, "web1", "uuid-1", "console=xvc0",
			    "console=xvc0 clocksource=jiffies", &rec, &text, &path, &key, &err),
		-EPERM);
	CHECK(strstr(err.msg, "/state: writable by others: refusing") != NULL);
	if (!strstr(err.msg, "/state: writable by others: refusing"))
		printf("# got \"%s\"\n", err.msg);
	now = get(b.etc, "web1.cfg");
	CHECK_STREQ(now, orig);
	bed_down(&b);
}

static void test_store_record_path(void)
{
	struct hvc_xl_store s = { .state_dir = (char *)"/var/lib/hvclock" };
	_cleanup_free_ char *a = hvc_xl_record_path(&s, "web1");
	_cleanup_free_ char *b = hvc_xl_record_path(&s, "../x y");
	_cleanup_free_ char *c = hvc_xl_record_path(&s, ".hidden");

	CHECK_STREQ(a, "/var/lib/hvclock/xen/web1.record");
	CHECK_STREQ(b, "/var/lib/hvclock/xen/%2E.%2Fx%20y.record");
	CHECK_STREQ(c, "/var/lib/hvclock/xen/%2Ehidden.record");
}

/* ---- the backend's open on a machine without Xen ---- */

static int open_xl(const char *uri, struct hvc_error *err)
{
	struct hvc_backend *b = NULL;
	int r = hvc_backend_open(uri, true, &b, err);

	hvc_backend_destroy(b);
	return r;
}

static void test_open_not_dom0(void)
{
	struct hvc_error err = { 0 };

	if (access("/proc/xen/capabilities", F_OK) == 0) {
		printf("# /proc/xen/capabilities exists: this machine runs on Xen; case skipped\n");
		return;
	}
	CHECK(open_xl("xl:///", &err) < 0);
	CHECK_STREQ(err.msg,
		"this host is not a Xen dom0 (/proc/xen/capabilities does not "
		"exist: not running on Xen, or xenfs is not mounted)");
	hvc_error_clear(&err);
	CHECK(open_xl("libxl:///system", &err) < 0);
	CHECK(strstr(err.msg, "not a Xen dom0") != NULL);
}

static void test_open_uri_checks(void)
{
	struct hvc_error err = { 0 };

	CHECK(open_xl("xl://dom0.example/", &err) == -EINVAL);
	CHECK(strstr(err.msg, "reach a remote Xen host through libvirt") != NULL);
	hvc_error_clear(&err);
	CHECK(open_xl("xl:///elsewhere", &err) == -EINVAL);
	CHECK(strstr(err.msg, "unknown path") != NULL);
	CHECK(hvc_uri_is_libxl("xl:///"));
	CHECK(hvc_uri_is_libxl("libxl:///"));
	CHECK(!hvc_uri_is_libxl("xen:///system"));
	CHECK(!hvc_uri_is_libxl("xlx:///"));
	CHECK(!hvc_uri_is_libxl("test:///default"));
}

/* The other refusals, through the test hooks for the two paths. */
static void test_open_dom0_checks(void)
{
	char dir[] = "/tmp/hvc-xl-XXXXXX";
	_cleanup_free_ char *caps = NULL, *sock = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hvc_error err = { 0 };
	FILE *f;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	caps = xasprintf("%s/capabilities", dir);
	sock = xasprintf("%s/socket", dir);
	setenv("HVCLOCK_XEN_CAPABILITIES", caps, 1);
	setenv("HVCLOCK_XENSTORED_SOCKETS", sock, 1);

	/* A domU: xenfs mounted, capabilities empty. */
	f = fopen(caps, "we");
	fclose(f);
	CHECK(open_xl("xl:///", &err) < 0);
	CHECK(strstr(err.msg, "this host is not a Xen dom0 (") == err.msg);
	CHECK(strstr(err.msg, "does not say control_d") != NULL);

	/* dom0 before xenstored: refused before libxl could hang. */
	f = fopen(caps, "we");
	fputs("control_d\n", f);
	fclose(f);
	hvc_error_clear(&err);
	CHECK(open_xl("xl:///", &err) < 0);
	CHECK(strstr(err.msg, "xenstored is not running") != NULL);
	CHECK(strstr(err.msg, sock) != NULL);

	/* Both checks pass here, so libxl itself runs: its own error comes back through the
	 * logger, as one line (with a NULL logger libxl would segfault). */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	if (access("/dev/xen/privcmd", F_OK) != 0 && access("/proc/xen/privcmd", F_OK) != 0) {
		hvc_error_clear(&err);
		CHECK(open_xl("xl:///", &err) < 0);
		CHECK(strstr(err.msg, "cannot open libxenlight: ") == err.msg);
		CHECK(strstr(err.msg, "cannot open libxc handle") != NULL);
		CHECK(!strchr(err.msg, '\n'));
		printf("# %s\n", err.msg);
	}
	close(fd);
	unlink(sock);
	unlink(caps);
	rmdir(dir);
	unsetenv("HVCLOCK_XEN_CAPABILITIES");
	unsetenv("HVCLOCK_XENSTORED_SOCKETS");
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_read_table),
		HVC_TEST(test_rewrite_table),
		HVC_TEST(test_refusals),
		HVC_TEST(test_add_then_remove_is_identity),
		HVC_TEST(test_quoting_round_trip),
		HVC_TEST(test_keys),
		HVC_TEST(test_boot_path_rules),
		HVC_TEST(test_store_find_config),
		HVC_TEST(test_store_rewrite_backup_record),
		HVC_TEST(test_store_state_dir_private),
		HVC_TEST(test_store_record_path),
		HVC_TEST(test_open_not_dom0),
		HVC_TEST(test_open_uri_checks),
		HVC_TEST(test_open_dom0_checks),
	};
	return hvc_test_run(tests, ELEMENTSOF(tests));
}
