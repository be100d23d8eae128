/* test-token.c: one rule per token kind, and the modules that used to have their own copy. */
#include <errno.h>
#include <stdio.h>

#include "core/guestscript.h"
#include "core/token.h"
#include "tests/harness.h"

#define C33 "abcdefghijklmnopqrstuvwxyz0123456" /* 33 characters */

static const struct {
	enum hvc_token kind;
	const char *s;
	bool valid;
} rows[] = {
	{ HVC_TOKEN_NAME, "el6-kvm", true },
	{ HVC_TOKEN_NAME, "-el6", false },
	{ HVC_TOKEN_NAME, "EL6", false },
	{ HVC_TOKEN_NAME, "", false },
	{ HVC_TOKEN_CLOCKSOURCE, "kvm-clock", true },
	{ HVC_TOKEN_CLOCKSOURCE, "acpi_pm", true },
	/* profile.c allowed 32 characters, guestscript.c 64: the kernel's CS_NAME_LEN wins. */
	{ HVC_TOKEN_CLOCKSOURCE, C33, false },
	{ HVC_TOKEN_CLOCKSOURCE, "Xen", false },
	{ HVC_TOKEN_SYSCTL_KEY, "xen.independent_wallclock", true },
	{ HVC_TOKEN_SYSCTL_KEY, "independent_wallclock", false },
	{ HVC_TOKEN_SYSCTL_KEY, "a..b", false },
	{ HVC_TOKEN_SYSCTL_KEY, ".a.b", false },
	{ HVC_TOKEN_SYSCTL_VALUE, "1", true },
	{ HVC_TOKEN_SYSCTL_VALUE, "a b", false },
	{ HVC_TOKEN_SYSCTL_VALUE, "\"1\"", false },
	{ HVC_TOKEN_PARAM, "clocksource=tsc", true },
	{ HVC_TOKEN_PARAM, "--", false },
	{ HVC_TOKEN_PARAM, "a=$(x)", false },
	{ HVC_TOKEN_USER, "admin.x_y-z", true },
	{ HVC_TOKEN_USER, "root;rm", false },
};

static void test_table(void)
{
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		if (hvc_token_valid(rows[i].kind, rows[i].s) != rows[i].valid) {
			printf("# kind %d '%s': want %s\n", rows[i].kind, rows[i].s,
				rows[i].valid ? "valid" : "invalid");
			hvc_test_case_failed = 1;
		}
	}
	CHECK(!hvc_token_valid(HVC_TOKEN_NAME, NULL));
	CHECK(!hvc_token_valid(HVC_TOKEN_LAST, "x"));
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Lengths at the limit and one past it, for every kind with a character class. */
static void test_limits(void)
{
	_cleanup_free_ char *name = repeat('a', HVC_TOKEN_NAME_MAX + 1);
	_cleanup_free_ char *cs = repeat('a', HVC_TOKEN_CLOCKSOURCE_MAX + 1);
	_cleanup_free_ char *val = repeat('1', HVC_TOKEN_SYSCTL_MAX + 1);

	CHECK(!hvc_token_valid(HVC_TOKEN_NAME, name));
	name[HVC_TOKEN_NAME_MAX] = '\0';
	CHECK(hvc_token_valid(HVC_TOKEN_NAME, name));
	CHECK(!hvc_token_valid(HVC_TOKEN_CLOCKSOURCE, cs));
	cs[HVC_TOKEN_CLOCKSOURCE_MAX] = '\0';
	CHECK(hvc_token_valid(HVC_TOKEN_CLOCKSOURCE, cs));
	CHECK(!hvc_token_valid(HVC_TOKEN_SYSCTL_VALUE, val));
	val[HVC_TOKEN_SYSCTL_MAX] = '\0';
	CHECK(hvc_token_valid(HVC_TOKEN_SYSCTL_VALUE, val));
}

/* The guest report parser used the 64-character copy: a 33-character name is refused now. */
static void test_inspect_report_clocksource(void)
{
	static const char rep[] = "hvclock-inspect 1\nclocksource-current " C33 "\nend\n";
	struct hvc_facts f = { 0 };
	struct hvc_error err = { 0 };

	CHECK(hvc_inspect_parse(rep, sizeof(rep) - 1, &f, &err) < 0);
	CHECK(strstr(err.msg, "not a clocksource name") != NULL);
	if (!strstr(err.msg, "not a clocksource name"))
		printf("# got \"%s\"\n", err.msg);
	hvc_facts_finish(&f);
}

/* The inspect request used 256 characters for a sysctl key, profiles 128. */
static void test_inspect_request_sysctl_key(void)
{
	_cleanup_free_ char *key = repeat('a', HVC_TOKEN_SYSCTL_MAX + 1);
	char *keys[] = { key, NULL };
	size_t len;

	key[1] = '.';
	CHECK(hvc_inspect_request(keys, false, 0, &len) == NULL);
	key[HVC_TOKEN_SYSCTL_MAX] = '\0';
	_cleanup_free_ char *req = hvc_inspect_request(keys, false, 0, &len);
	CHECK(req != NULL);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_table),
		HVC_TEST(test_limits),
		HVC_TEST(test_inspect_report_clocksource),
		HVC_TEST(test_inspect_request_sysctl_key),
	};
	return hvc_test_run(tests, ELEMENTSOF(tests));
}
