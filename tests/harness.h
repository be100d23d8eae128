/* harness.h: a tiny TAP test harness (one "ok"/"not ok" line per test case), golden files, skip. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int hvc_test_case_failed;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond)) {                                                            \
			printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			hvc_test_case_failed = 1;                                         \
		}                                                                         \
	} while (0)

#define CHECK_STREQ(a, b)                                                                         \
	do {                                                                                      \
		const char *_a = (a), *_b = (b);                                                  \
		if (!((_a == NULL && _b == NULL) || (_a && _b && strcmp(_a, _b) == 0))) {         \
			printf("# %s:%d: %s == %s\n#   got:      \"%s\"\n#   expected: \"%s\"\n", \
				__FILE__, __LINE__, #a, #b, _a ? _a : "(null)",                   \
				_b ? _b : "(null)");                                              \
			hvc_test_case_failed = 1;                                                 \
		}                                                                                 \
	} while (0)

#define CHECK_INTEQ(a, b)                                                                          \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b) {                                                                    \
			printf("# %s:%d: %s == %s: got %lld, expected %lld\n", __FILE__, __LINE__, \
				#a, #b, _a, _b);                                                   \
			hvc_test_case_failed = 1;                                                  \
		}                                                                                  \
	} while (0)

struct hvc_test {
	const char *name;
	void (*fn)(void);
};

#define HVC_TEST(fn)    \
	{               \
#fn, fn \
	}

/* Run the table as a TAP stream, then hvc_test_finish(); returns the process exit code. */
int hvc_test_run(const struct hvc_test *tests, size_t n);
/* Print the TAP plan for every case reported so far; returns the process exit code. */
int hvc_test_finish(void);
/*
 * Skip the whole file: prints "1..0 # SKIP reason"; returns the exit code (0). meson (1.0.1, Debian
 * 12) reports a TAP test with that plan as SKIP, but an exit 77 of a TAP test as an ERROR.
 */
int hvc_test_skip_all(const char *reason);

/*
 * Run one named sub-case inside a test (table-driven tests): prints its own
 * TAP line. Use from a test function that loops over a table.
 */
void hvc_test_report(const char *name, bool ok);
/*
 * Corpus tests: one TAP line for file, "FILE: WHAT" ('#' and newlines blanked), ok unless why
 * (then also a "# FILE: WHY" comment); and the line that checked equals the files pattern
 * matches, and is not 0.
 */
void hvc_test_report_file(const char *file, const char *what, const char *why);
void hvc_test_report_all_checked(size_t checked, const char *pattern);

/*
 * Table rows inside one test function, each with its own TAP line:
 * ROW_BEGIN() once, ROW_END("row name") after each row's checks, ROWS_DONE()
 * at the end so the function's own line fails if any row did.
 */
#define ROW_BEGIN() int row_failed_any_ = 0
#define ROW_END(name)                                         \
	do {                                                  \
		hvc_test_report(name, !hvc_test_case_failed); \
		row_failed_any_ |= hvc_test_case_failed;      \
		hvc_test_case_failed = 0;                     \
	} while (0)
#define ROWS_DONE() (hvc_test_case_failed = row_failed_any_)

/*
 * Compare text with the golden file at path. With HVC_TEST_REGENERATE=1 in
 * the environment the file is rewritten instead (review the diff!).
 * Returns true on match.
 */
bool hvc_test_compare_file(const char *text, const char *path);

/* Read a whole file; NULL on error. Caller frees. */
char *hvc_test_read_file(const char *path);

/* Path of a file under tests/data (HVC_TEST_DATA_DIR is set by meson). */
char *hvc_test_data(const char *rel);
