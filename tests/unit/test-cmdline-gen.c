/*
 * test-cmdline-gen.c: the editor per Linux generation (core/cmdline.h, enum hvc_linux_gen).
 *
 * Each row names the source of the rule it rests on (github:torvalds/linux unless said):
 *   [P25]  kernel/params.c next_arg() up to v2.6.25: a parameter ends at ' ' only
 *          (`if (args[i] == ' ' && !in_quote)`), and only ' ' is skipped between them;
 *   [P26]  kernel/params.c next_arg() from v2.6.26: isspace() ends it (tab, newline, 0xA0 ...);
 *   [P314] kernel/params.c parse_args() up to v3.14: no test for `--`: every token is parsed,
 *          `--` itself goes to init, the last occurrence of a parameter wins;
 *   [P315] kernel/params.c parse_args() from v3.15 ("param: hand arguments after -- straight
 *          to init"): `if (!val && strcmp(param, "--") == 0) return args;`;
 *   [Q41]  next_arg() before v4.2: `if (quoted && args[i-1] == '"')` sits inside the branch for
 *          a value, so a quoted flag keeps its closing quote (`"quiet"` is `quiet"`) and `"--"`
 *          is no `--`; from v4.2 the test is outside it (lib/cmdline.c today);
 *   [S26]  init/main.c obsolete_checksetup()/do_early_param() in 2.6.x: strncmp()/strcmp()
 *          on __setup/early_param names (no '-'/'_' folding, unlike parameq());
 *   [CLS]  x86 COMMAND_LINE_SIZE: 256 in 2.6.18 (include/asm-x86_64/setup.h,
 *          include/asm-i386/param.h), 2048 in arch/x86/include/asm/setup.h of later kernels;
 *   [XEN]  xen/include/public/xen.h: `#define MAX_GUEST_CMDLINE 1024`, start_info.cmd_line.
 */
#include "core/cmdline.h"
#include "core/util.h"
#include "tests/harness.h"

#define U HVC_LINUX_GEN_UNKNOWN
#define G18 HVC_LINUX_GEN_2_6_18
#define G26 HVC_LINUX_GEN_2_6_26
#define G315 HVC_LINUX_GEN_3_15
#define G42 HVC_LINUX_GEN_4_2

static void test_release_to_generation(void)
{
	static const struct {
		const char *release;
		enum hvc_linux_gen gen;
	} rows[] = {
		{ "2.6.18-419.el5xen", G18 }, /* EL5 */
		{ "2.6.18-8.el5", G18 },
		{ "2.6.25.20", G18 },
		{ "2.6.26-2-xen-amd64", G26 }, /* Debian 5 */
		{ "2.6.32-754.el6.x86_64", G26 }, /* EL6 */
		{ "3.10.0-1160.el7.x86_64", G26 }, /* EL7 */
		{ "3.14.79", G26 },
		{ "3.15.0", G315 },
		{ "3.16.0-4-amd64", G315 }, /* Debian 8 */
		{ "4.1.52", G315 },
		{ "4.2.0", G42 },
		{ "4.18.0-553.el8_10.x86_64", G42 },
		{ "6.1.0-26-amd64", G42 },
		{ NULL, U },
		{ "", U },
		{ "vmlinuz", U },
		{ "2.4.21", U },
	};

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		enum hvc_linux_gen got = hvc_linux_gen_from_release(rows[i].release);
		if (got != rows[i].gen) {
			printf("# %s: got %s, expected %s\n", strna(rows[i].release),
				hvc_linux_gen_to_string(got), hvc_linux_gen_to_string(rows[i].gen));
			hvc_test_case_failed = 1;
		}
	}
}

/* [CLS] [XEN] */
static void test_length_limits(void)
{
	CHECK_INTEQ(hvc_linux_cmdline_max("2.6.18-419.el5", false), 255);
	CHECK_INTEQ(hvc_linux_cmdline_max("2.6.18-419.el5xen", true), 255);
	CHECK_INTEQ(hvc_linux_cmdline_max("2.6.26-2-xen-amd64", false), 255); /* the safe side */
	CHECK_INTEQ(hvc_linux_cmdline_max("2.6.32-754.el6.x86_64", false), 2047);
	CHECK_INTEQ(hvc_linux_cmdline_max("2.6.32-754.el6.x86_64", true), 1023);
	CHECK_INTEQ(hvc_linux_cmdline_max("6.1.0-26-amd64", true), 1023);
	CHECK_INTEQ(hvc_linux_cmdline_max(NULL, false), 255);
}

struct gen_case {
	const char *source;
	enum hvc_linux_gen gen;
	const char *in;
	const char *set[3];
	const char *remove[3];
	const char *out; /* NULL: refused */
	bool changed;
	const char *why; /* refused: a part of the reason */
};

static const struct gen_case gen_cases[] = {
	/* `--` before 3.15: what follows is parsed, the last wins. */
	{ "P314", G26, "ro clocksource=xen -- clocksource=tsc", { "clocksource=jiffies" }, { 0 },
		"ro clocksource=jiffies -- clocksource=jiffies", true, NULL },
	{ "P314", G26, "ro clocksource=jiffies -- clocksource=tsc", { "clocksource=jiffies" },
		{ 0 }, "ro clocksource=jiffies -- clocksource=jiffies", true, NULL },
	{ "P314", G26, "ro notsc -- notsc single", { 0 }, { "notsc" }, "ro -- single", true, NULL },
	{ "P314", G26, "ro clocksource=jiffies -- single", { "clocksource=jiffies" }, { 0 },
		"ro clocksource=jiffies -- single", false, NULL },
	{ "P315", G315, "ro clocksource=xen -- clocksource=tsc", { "clocksource=jiffies" }, { 0 },
		"ro clocksource=jiffies -- clocksource=tsc", true, NULL },
	{ "P315", G42, "ro clocksource=jiffies -- clocksource=tsc", { "clocksource=jiffies" },
		{ 0 }, "ro clocksource=jiffies -- clocksource=tsc", false, NULL },
	{ "P314 P315", U, "ro clocksource=xen -- clocksource=tsc", { "clocksource=jiffies" }, { 0 },
		"ro clocksource=jiffies -- clocksource=jiffies", true, NULL },

	/* Quoted flags and "--" before 4.2. */
	{ "Q41", G315, "ro \"quiet\"", { "quiet" }, { 0 }, "ro quiet", true, NULL },
	{ "Q41", G42, "ro \"quiet\"", { "quiet" }, { 0 }, "ro \"quiet\"", false, NULL },
	{ "Q41", G315, "ro \"--\" clocksource=tsc", { "clocksource=hpet" }, { 0 },
		"ro clocksource=hpet \"--\" clocksource=hpet", true, NULL },
	{ "Q41", G42, "ro \"--\" clocksource=tsc", { "clocksource=hpet" }, { 0 },
		"ro clocksource=hpet \"--\" clocksource=tsc", true, NULL },
	{ "Q41", U, "ro \"quiet\" clocksource=tsc", { "clocksource=tsc" }, { 0 },
		"ro \"quiet\" clocksource=tsc", false, NULL },

	/* Only spaces separate up to 2.6.25. */
	{ "P25", G18, "ro\troot=/dev/xvda1 console=xvc0", { "clocksource=jiffies" }, { 0 },
		"ro\troot=/dev/xvda1 console=xvc0 clocksource=jiffies", true, NULL },
	{ "P25", U, "ro\troot=/dev/xvda1 console=xvc0", { "clocksource=jiffies" }, { 0 },
		"ro\troot=/dev/xvda1 console=xvc0 clocksource=jiffies", true, NULL },
	{ "P25", G18, "ro\tclocksource=xen", { "clocksource=jiffies" }, { 0 }, NULL, false,
		"Linux 2.6.18-2.6.25" },
	{ "P26", G26, "ro\tclocksource=xen", { "clocksource=jiffies" }, { 0 },
		"ro\tclocksource=jiffies", true, NULL },
	{ "P25 P26", U, "ro\tclocksource=xen", { "clocksource=jiffies" }, { 0 }, NULL, false,
		"release is not known" },
	{ "P25", G18, "ro root=/dev/xvda1  quiet", { "clocksource=jiffies" }, { 0 },
		"ro root=/dev/xvda1 quiet clocksource=jiffies", true, NULL },

	/* Names: strcmp() before 4.2 (hvclock's reading), parameq() from 4.2. */
	{ "S26", G26, "ro no-kvmclock", { "no_kvmclock" }, { 0 }, "ro no_kvmclock", true, NULL },
	{ "S26", G42, "ro no-kvmclock", { "no_kvmclock" }, { 0 }, "ro no-kvmclock", false, NULL },
	{ "S26", G18, "ro no_kvmclock", { 0 }, { "no-kvmclock" }, "ro", true, NULL },
};

static void test_edit_per_generation(void)
{
	for (size_t i = 0; i < ELEMENTSOF(gen_cases); i++) {
		const struct gen_case *c = &gen_cases[i];
		_cleanup_free_ char *why = NULL, *out = NULL, *again = NULL, *why2 = NULL;
		bool changed = true, changed2 = true;
		int failed = hvc_test_case_failed;

		hvc_test_case_failed = 0;
		out = hvc_cmdline_edit_gen(c->gen, 0, c->in, (char *const *)c->set,
			(char *const *)c->remove, &changed, &why);
		CHECK_STREQ(out, c->out);
		if (out) {
			CHECK_INTEQ(changed, c->changed);
			CHECK(hvc_cmdline_holds_gen(
				c->gen, out, (char *const *)c->set, (char *const *)c->remove));
			/* Settles: the edit of its own output changes nothing. */
			again = hvc_cmdline_edit_gen(c->gen, 0, out, (char *const *)c->set,
				(char *const *)c->remove, &changed2, &why2);
			CHECK_STREQ(again, out);
			CHECK(!changed2);
		} else {
			CHECK(why && c->why && strstr(why, c->why));
		}
		if (hvc_test_case_failed)
			printf("# row %zu [%s] %s on \"%s\"%s%s\n", i, c->source,
				hvc_linux_gen_to_string(c->gen), c->in, why ? ": " : "",
				why ? why : "");
		hvc_test_case_failed |= failed;
	}
}

/* The read-back: what the kernel of each generation sees, not what the 4.2 tokenizer sees. */
static void test_read_back(void)
{
	char *const tsc[] = { "clocksource=tsc", NULL }, *const quiet[] = { "quiet", NULL };

	/* [P314] [P315] */
	CHECK(!hvc_cmdline_holds_gen(G26, "clocksource=tsc -- clocksource=hpet", tsc, NULL));
	CHECK(hvc_cmdline_holds_gen(G315, "clocksource=tsc -- clocksource=hpet", tsc, NULL));
	CHECK(!hvc_cmdline_holds_gen(U, "clocksource=tsc -- clocksource=hpet", tsc, NULL));
	/* [Q41] */
	CHECK(!hvc_cmdline_holds_gen(G315, "ro \"quiet\"", quiet, NULL));
	CHECK(hvc_cmdline_holds_gen(G42, "ro \"quiet\"", quiet, NULL));
	/* [P25] */
	CHECK(!hvc_cmdline_holds_gen(G18, "ro\tclocksource=tsc", tsc, NULL));
	CHECK(hvc_cmdline_holds_gen(G26, "ro\tclocksource=tsc", tsc, NULL));
	/* [P315]: after `--` is init's from 3.15: a remove does not see it. */
	CHECK(hvc_cmdline_holds_gen(G42, "ro -- clocksource=tsc", NULL, tsc));
	CHECK(!hvc_cmdline_holds_gen(G26, "ro -- clocksource=tsc", NULL, tsc));
}

/* [CLS] [XEN]: an edit that pushes the line past the limit is refused; one that does not grow
 * a line already past it is not. */
static void test_length_refused(void)
{
	char *const set[] = { "clocksource=jiffies", NULL }, *const rm[] = { "quiet", NULL };
	_cleanup_free_ char *line = xasprintf("root=/dev/xvda1 %0240d", 0);
	_cleanup_free_ char *pv = xasprintf("root=/dev/xvda1 %01000d", 0);
	_cleanup_free_ char *long_quiet = xasprintf("quiet %0300d", 0);
	char *why = NULL, *out = NULL;
	bool changed;

	out = hvc_cmdline_edit_gen(G18, hvc_linux_cmdline_max("2.6.18-419.el5xen", true), line, set,
		NULL, &changed, &why);
	CHECK(out == NULL && why && strstr(why, "more than the 255"));
	free(why);
	why = NULL;
	out = hvc_cmdline_edit_gen(G26, hvc_linux_cmdline_max("2.6.32-754.el6.x86_64", false), line,
		set, NULL, &changed, &why);
	CHECK(out != NULL && why == NULL);
	free(out);
	out = hvc_cmdline_edit_gen(
		G42, hvc_linux_cmdline_max("6.1.0-26-amd64", true), pv, set, NULL, &changed, &why);
	CHECK(out == NULL && why && strstr(why, "more than the 1023"));
	free(why);
	why = NULL;
	out = hvc_cmdline_edit_gen(G18, 255, long_quiet, NULL, rm, &changed, &why);
	CHECK(out != NULL && changed && why == NULL);
	free(out);
	free(why);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_release_to_generation),
		HVC_TEST(test_length_limits),
		HVC_TEST(test_edit_per_generation),
		HVC_TEST(test_read_back),
		HVC_TEST(test_length_refused),
	};

	return hvc_test_run(tests, ELEMENTSOF(tests));
}
