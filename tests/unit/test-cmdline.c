/* test-cmdline.c: table-driven tests of kernel command line tokenizing and set-like editing. */
#include <errno.h>

#include "core/cmdline.h"
#include "core/util.h"
#include "tests/harness.h"

/* TAP diagnostics are line-based: a raw newline in a command line would end the "#" comment. */
static void print_escaped(const char *label, const char *s)
{
	printf("#   %s", label);
	if (!s) {
		printf("(null)\n");
		return;
	}
	putchar('"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			printf("\\x%02x", *c);
		else
			putchar(*c);
	}
	printf("\"\n");
}

static void check_text(const char *what, const char *got, const char *expected)
{
	if (streq_ptr(got, expected))
		return;
	printf("# %s differs\n", what);
	print_escaped("got:      ", got);
	print_escaped("expected: ", expected);
	hvc_test_case_failed = 1;
}

/* Runs one table row: failures of the row are reported on its own TAP line, and roll up. */

#include "tests/unit/cmdline-cases.h"

static char *edit(const char *in, const char *const *set, const char *const *remove, bool *changed)
{
	const char *bad = (const char *)1;
	char *out = hvc_cmdline_edit(in, (char *const *)set, (char *const *)remove, changed, &bad);

	CHECK(out != NULL);
	CHECK(bad == NULL);
	return out;
}

static void test_edit_table(void)
{
	ROW_BEGIN();

	for (size_t i = 0; i < ELEMENTSOF(edit_cases); i++) {
		const struct edit_case *c = &edit_cases[i];
		_cleanup_free_ char *out = NULL, *again = NULL, *name = NULL;
		bool changed = !c->changed, changed_again = true;

		out = edit(c->in, c->set, c->remove, &changed);
		check_text("output", out, c->out);
		CHECK_INTEQ(changed, c->changed);
		if (!changed)
			check_text("unchanged output vs input", out, c->in);

		/* The same edit on its own output must be a no-op, or a fleet run would flap. */
		again = edit(out ? out : "", c->set, c->remove, &changed_again);
		check_text("output of second edit", again, out);
		CHECK_INTEQ(changed_again, false);

		name = xasprintf("edit: %s", c->name);
		ROW_END(name);
	}
	ROWS_DONE();
}

struct token_case {
	const char *in;
	size_t n;
	const char *tokens[6];
};

static const struct token_case token_cases[] = {
	{ "", 0, { 0 } },
	{ " \t\n\r\v\f ", 0, { 0 } },
	{ "ro quiet", 2, { "ro", "quiet" } },
	{ "  ro   quiet  ", 2, { "ro", "quiet" } },
	{ "a=\"b c\" d", 2, { "a=\"b c\"", "d" } },
	{ "\"a=b c\" d", 2, { "\"a=b c\"", "d" } },
	{ "x\"y z\"w v", 2, { "x\"y z\"w", "v" } },
	{ "a=\"b c", 1, { "a=\"b c" } },
	{ "a=\"b c  \n", 1, { "a=\"b c  \n" } },
	{ "a=\"\" b", 2, { "a=\"\"", "b" } },
	{ "a\tb\nc\rd\ve\ff", 6, { "a", "b", "c", "d", "e", "f" } },
	{ "a\xa0"
	  "b",
		2, { "a", "b" } },
	{ "ro -- init x", 4, { "ro", "--", "init", "x" } },
	{ "\"", 1, { "\"" } },
};

static void test_tokenize_table(void)
{
	ROW_BEGIN();

	for (size_t i = 0; i < ELEMENTSOF(token_cases); i++) {
		const struct token_case *c = &token_cases[i];
		struct hvc_cmdline cl;
		_cleanup_free_ char *name = NULL, *formatted = NULL;

		hvc_cmdline_parse(&cl, c->in);
		CHECK_INTEQ(cl.n, c->n);
		CHECK_INTEQ(strv_length(cl.tokens), c->n);
		for (size_t j = 0; j < c->n && j < cl.n; j++)
			check_text("token", cl.tokens[j], c->tokens[j]);
		CHECK(!cl.changed);
		formatted = hvc_cmdline_format(&cl);
		check_text("format of unedited line", formatted, c->in);
		hvc_cmdline_finish(&cl);

		name = xasprintf("tokenize: row %zu (%zu tokens)", i, c->n);
		ROW_END(name);
	}
	ROWS_DONE();
}

struct lookup_case {
	const char *in;
	const char *name;
	bool has;
	const char *value;
};

static const struct lookup_case lookup_cases[] = {
	{ "ro clocksource=tsc", "clocksource", true, "tsc" },
	{ "clocksource=tsc clocksource=hpet", "clocksource", true, "hpet" },
	{ "clocksource=hpet clocksource", "clocksource", true, NULL },
	{ "clocksource_failover=x", "clocksource", false, NULL },
	{ "clocksource=x", "clocksource_failover", false, NULL },
	{ "clocksource=tsc -- clocksource=hpet", "clocksource", true, "tsc" },
	{ "-- clocksource=hpet", "clocksource", false, NULL },
	{ "\"--\" clocksource=hpet", "clocksource", false, NULL },
	{ "a=\"x -- b=1", "b", false, NULL },
	{ "clocksource=\"tsc\"", "clocksource", true, "tsc" },
	{ "\"clocksource=a b\"", "clocksource", true, "a b" },
	{ "x=\"a\"b", "x", true, "a\"b" },
	{ "a=\"", "a", true, "" },
	{ "quiet=", "quiet", true, "" },
	{ "no-kvmclock", "no_kvmclock", true, NULL },
	{ "tsc_early_khz=1", "tsc-early-khz", true, "1" },
	{ "root=UUID=abc", "root", true, "UUID=abc" },
	{ "=x", "x", false, NULL },
	{ "=x", "=x", true, NULL },
	{ "=a=b", "=a", true, "b" },
	{ "Quiet", "quiet", false, NULL },
	{ "ro", "", false, NULL },
	{ "", "ro", false, NULL },
};

static void test_lookup_table(void)
{
	ROW_BEGIN();

	for (size_t i = 0; i < ELEMENTSOF(lookup_cases); i++) {
		const struct lookup_case *c = &lookup_cases[i];
		struct hvc_cmdline cl;
		_cleanup_free_ char *value = NULL, *name = NULL;

		hvc_cmdline_parse(&cl, c->in);
		CHECK_INTEQ(hvc_cmdline_has(&cl, c->name), c->has);
		value = hvc_cmdline_get_value(&cl, c->name);
		check_text("value", value, c->value);
		hvc_cmdline_finish(&cl);

		name = xasprintf("lookup: '%s' in row %zu", c->name, i);
		ROW_END(name);
	}
	ROWS_DONE();
}

struct valid_case {
	const char *param;
	bool valid;
};

/*
 * Values are refused when a boot config would split, unquote or expand them
 * (shell and grub metacharacters), so one value means the same on every path.
 */
static const struct valid_case valid_cases[] = {
	{ "quiet", true },
	{ "clocksource=tsc", true },
	{ "key=", true },
	{ "root=UUID=abc-1", true },
	{ "console=ttyS0,115200n8", true },
	{ "kvm.ignore_msrs=1", true },
	{ "no-kvmclock", true },
	{ "_x", true },
	{ "isolcpus=1-3,5", true },
	{ "a.b-c_d=x:y/z+@%!~", true },
	{ NULL, false },
	{ "", false },
	{ "=x", false },
	{ "=", false },
	{ "a b", false },
	{ "a=\"x\"", false },
	{ "a=x\n", false },
	{ "a;b", false },
	{ "a=x;y", false },
	{ "a=x y", false },
	{ "a=x\ty", false },
	{ "a\t=x", false },
	{ "--", false },
	{ "-x", false },
	{ "-", false },
	{ "a=$x", false },
	{ "a=`x`", false },
	{ "a='x'", false },
	{ "a=x\\y", false },
	{ "a=x|y", false },
	{ "a=x>y", false },
	{ "a=x&y", false },
	{ "a=\x7f", false },
	{ "a=\xc3\xa0", false },
	{ "\xc3\xa9=1", false },
	{ "a\"=b", false },
	{ "a/b", false },
};

static void test_valid_table(void)
{
	ROW_BEGIN();

	for (size_t i = 0; i < ELEMENTSOF(valid_cases); i++) {
		const struct valid_case *c = &valid_cases[i];
		_cleanup_free_ char *name = NULL;
		struct hvc_cmdline cl;

		CHECK_INTEQ(hvc_cmdline_param_valid(c->param), c->valid ? 0 : -EINVAL);
		if (!c->valid) {
			/* An invalid parameter must be refused by set() and remove() too, untouched. */
			_cleanup_free_ char *formatted = NULL;

			hvc_cmdline_parse(&cl, "ro  a=1");
			CHECK_INTEQ(hvc_cmdline_set(&cl, c->param), -EINVAL);
			CHECK_INTEQ(hvc_cmdline_remove(&cl, c->param), -EINVAL);
			CHECK(!cl.changed);
			formatted = hvc_cmdline_format(&cl);
			check_text("line after refused edit", formatted, "ro  a=1");
			hvc_cmdline_finish(&cl);
		}

		name = xasprintf("param_valid: row %zu %s", i, c->valid ? "accepted" : "refused");
		ROW_END(name);
	}
	ROWS_DONE();
}

static void test_set_remove_returns(void)
{
	struct hvc_cmdline cl;
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

	hvc_cmdline_parse(&cl, " ro\tclocksource=hpet ");
	CHECK_INTEQ(hvc_cmdline_set(&cl, "clocksource=hpet"), 0);
	CHECK(!cl.changed);
	CHECK_INTEQ(hvc_cmdline_set(&cl, "clocksource=tsc"), 1);
	CHECK(cl.changed);
	CHECK_INTEQ(cl.n, 2);
	a = hvc_cmdline_format(&cl);
	check_text("after set", a, "ro\tclocksource=tsc");
	CHECK_INTEQ(hvc_cmdline_remove(&cl, "clocksource=hpet"), 0);
	CHECK_INTEQ(hvc_cmdline_remove(&cl, "clocksource=tsc"), 1);
	CHECK_INTEQ(hvc_cmdline_remove(&cl, "clocksource"), 0);
	CHECK(hvc_cmdline_has(&cl, "ro"));
	CHECK(!hvc_cmdline_has(&cl, "clocksource"));

	/* Back to the original tokens: the original bytes come back, whitespace and all. */
	CHECK_INTEQ(hvc_cmdline_set(&cl, "clocksource=hpet"), 1);
	CHECK(!cl.changed);
	b = hvc_cmdline_format(&cl);
	check_text("after restoring", b, " ro\tclocksource=hpet ");
	hvc_cmdline_finish(&cl);
	CHECK(cl.tokens == NULL && cl.original == NULL && cl.n == 0);

	hvc_cmdline_parse(&cl, NULL);
	CHECK_INTEQ(cl.n, 0);
	CHECK(cl.tokens && !cl.tokens[0]);
	c = hvc_cmdline_format(&cl);
	check_text("format of NULL line", c, "");
	hvc_cmdline_finish(&cl);
}

static void test_edit_invalid(void)
{
	const char *sets[] = { "clocksource=tsc", "bad param", NULL };
	const char *removes[] = { "quiet", NULL };
	const char *bad_removes[] = { "quiet", "=x", NULL };
	const char *bad = NULL;
	bool changed = true;
	char *out;

	out = hvc_cmdline_edit(
		"quiet", (char *const *)sets, (char *const *)removes, &changed, &bad);
	CHECK(out == NULL);
	CHECK(bad == sets[1]);
	CHECK(!changed);
	free(out);

	bad = NULL;
	changed = true;
	out = hvc_cmdline_edit("quiet", NULL, (char *const *)bad_removes, &changed, &bad);
	CHECK(out == NULL);
	CHECK(bad == bad_removes[1]);
	CHECK(!changed);
	free(out);

	/* Out parameters are optional; NULL lists and NULL text are empty. */
	out = hvc_cmdline_edit(NULL, NULL, NULL, NULL, NULL);
	check_text("edit of NULL text", out, "");
	free(out);
	out = hvc_cmdline_edit("ro", (char *const *)sets, NULL, NULL, NULL);
	CHECK(out == NULL);
	free(out);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_edit_table),
		HVC_TEST(test_tokenize_table),
		HVC_TEST(test_lookup_table),
		HVC_TEST(test_valid_table),
		HVC_TEST(test_set_remove_returns),
		HVC_TEST(test_edit_invalid),
	};

	return hvc_test_run(tests, ELEMENTSOF(tests));
}
