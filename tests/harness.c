/* harness.c: TAP output, golden-file comparison with a regenerate switch. */
#include <errno.h>
#include <glob.h>

#include "core/util.h"
#include "tests/harness.h"

int hvc_test_case_failed;
static int test_number;
static int test_failures;

void hvc_test_report(const char *name, bool ok)
{
	test_number++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", test_number, name);
	if (!ok)
		test_failures++;
	fflush(stdout);
}

int hvc_test_finish(void)
{
	printf("1..%d\n", test_number);
	return test_failures ? 1 : 0;
}

int hvc_test_skip_all(const char *reason)
{
	printf("1..0 # SKIP %s\n", reason);
	return 0;
}

int hvc_test_run(const struct hvc_test *tests, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		hvc_test_case_failed = 0;
		tests[i].fn();
		hvc_test_report(tests[i].name, !hvc_test_case_failed);
	}
	return hvc_test_finish();
}

char *hvc_test_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, r;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			buf = xrealloc(buf, cap, 1);
		}
		r = fread(buf + len, 1, 4096, f);
		len += r;
	} while (r > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

bool hvc_test_compare_file(const char *text, const char *path)
{
	const char *regen = getenv("HVC_TEST_REGENERATE");
	_cleanup_free_ char *expected = NULL;

	if (regen && streq(regen, "1")) {
		FILE *f = fopen(path, "we");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
			printf("# cannot write %s: %s\n", path, strerror(errno));
			return false;
		}
		printf("# regenerated %s\n", path);
		return true;
	}
	expected = hvc_test_read_file(path);
	if (!expected) {
		printf("# cannot read golden file %s: %s (HVC_TEST_REGENERATE=1 creates it)\n",
			path, strerror(errno));
		return false;
	}
	if (!streq(expected, text)) {
		printf("# output differs from %s; got:\n", path);
		for (const char *p = text; *p;) {
			const char *e = strchr(p, '\n');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			printf("#   %.*s\n", (int)len, p);
			p += len + (e ? 1 : 0);
		}
		return false;
	}
	return true;
}

char *hvc_test_data(const char *rel)
{
	const char *dir = getenv("HVC_TEST_DATA_DIR");
	return xasprintf("%s/%s", dir ? dir : "tests/data", rel);
}

void hvc_test_report_file(const char *file, const char *what, const char *why)
{
	_cleanup_free_ char *name = xasprintf("%s: %s", file, what ? what : "checked");

	if (why)
		printf("# %s: %s\n", file, why);
	/* A TAP description may not carry '#' (a directive) or a newline. */
	for (char *s = name; *s; s++)
		if (*s == '#' || *s == '\n')
			*s = ' ';
	hvc_test_report(name, !why);
}

void hvc_test_report_all_checked(size_t checked, const char *pattern)
{
	glob_t gl = { 0 };
	size_t present = glob(pattern, 0, NULL, &gl) == 0 ? gl.gl_pathc : 0;
	_cleanup_free_ char *name =
		xasprintf("every corpus file checked: %zu of %zu %s", checked, present, pattern);

	globfree(&gl);
	hvc_test_report(name, checked == present && present > 0);
}
