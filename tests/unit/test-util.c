/* test-util.c: the one escape for text from guests (terminal and JSON), its checks, the natural
 * order of names and the error kind table. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "tests/harness.h"

struct row {
	const char *name, *in, *terminal, *json;
};

static const struct row rows[] = {
	{ "plain ASCII and UTF-8 kept", "web-1 Ωμέγα 🕐 \xc2\xa0nbsp", "web-1 Ωμέγα 🕐 \xc2\xa0nbsp",
		"web-1 Ωμέγα 🕐 \xc2\xa0nbsp" },
	{ "ESC, OSC title with BEL", "\x1b]0;pwned\x07x", "\\x1b]0;pwned\\x07x",
		"\x1b]0;pwned\x07x" },
	{ "CSI clear screen", "\x1b[2J", "\\x1b[2J", "\x1b[2J" },
	{ "tab, CR, LF escaped", "a\tb\rc\nd", "a\\x09b\\x0dc\\x0ad", "a\tb\rc\nd" },
	{ "DEL", "a\x7f", "a\\x7f", "a\x7f" },
	{ "C1 CSI as a UTF-8 code point (U+009B)",
		"\xc2\x9b"
		"2J",
		"\\u009b2J",
		"\xc2\x9b"
		"2J" },
	{ "C1 range ends: U+0080 and U+009F", "\xc2\x80\xc2\x9f", "\\u0080\\u009f",
		"\xc2\x80\xc2\x9f" },
	{ "raw C1 byte 0x9b (invalid UTF-8)",
		"a\x9b"
		"2J",
		"a\\x9b2J", "a\\x9b2J" },
	{ "invalid bytes 0xff 0xfe", "\xff\xfe", "\\xff\\xfe", "\\xff\\xfe" },
	{ "overlong NUL and overlong slash", "\xc0\x80\xe0\x80\xaf", "\\xc0\\x80\\xe0\\x80\\xaf",
		"\\xc0\\x80\\xe0\\x80\\xaf" },
	{ "surrogate U+D800", "\xed\xa0\x80", "\\xed\\xa0\\x80", "\\xed\\xa0\\x80" },
	{ "past U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "\\xf4\\x90\\x80\\x80" },
	{ "sequence cut at the end", "ok\xe2\x82", "ok\\xe2\\x82", "ok\\xe2\\x82" },
	{ "sequence cut by an ASCII byte", "\xe2\x82x", "\\xe2\\x82x", "\\xe2\\x82x" },
	{ "backslash kept", "C:\\x1b", "C:\\x1b", "C:\\x1b" },
	{ "empty", "", "", "" },
};

static void test_escape_rows(void)
{
	ROW_BEGIN();
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		_cleanup_free_ char *t = hvc_escape_terminal(rows[i].in);
		_cleanup_free_ char *j = hvc_utf8_sanitize(rows[i].in);
		_cleanup_free_ char *tt = hvc_escape_terminal(t);
		CHECK_STREQ(t, rows[i].terminal);
		CHECK_STREQ(j, rows[i].json);
		/* Idempotent: escaping escaped text changes nothing. */
		CHECK_STREQ(tt, t);
		CHECK(string_is_printable(t));
		CHECK(string_is_printable(rows[i].in) == streq(rows[i].in, rows[i].terminal));
		ROW_END(rows[i].name);
	}
	ROWS_DONE();
}

static void test_escape_flags(void)
{
	static const char in[] = "line 1 \x1b[31m\nline 2\t\xff\n";
	_cleanup_free_ char *keep =
		hvc_escape(in, sizeof(in) - 1, HVC_ESCAPE_CONTROLS | HVC_ESCAPE_KEEP_NEWLINE);
	_cleanup_free_ char *all = hvc_escape(in, sizeof(in) - 1, HVC_ESCAPE_CONTROLS);
	/* A NUL inside a length-given buffer is a control too. */
	_cleanup_free_ char *nul = hvc_escape("a\0b", 3, HVC_ESCAPE_CONTROLS);

	CHECK_STREQ(keep, "line 1 \\x1b[31m\nline 2\\x09\\xff\n");
	CHECK_STREQ(all, "line 1 \\x1b[31m\\x0aline 2\\x09\\xff\\x0a");
	CHECK_STREQ(nul, "a\\x00b");
	CHECK_STREQ(hvc_utf8_sanitize(NULL), NULL);
	_cleanup_free_ char *empty = hvc_escape_terminal(NULL);
	CHECK_STREQ(empty, "");
}

/* Every single byte and every two-byte string: the terminal form is printable UTF-8. */
static void test_escape_exhaustive(void)
{
	char in[3] = { 0 };

	for (int a = 1; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			_cleanup_free_ char *t = hvc_escape_terminal(in);
			_cleanup_free_ char *j = hvc_utf8_sanitize(in);
			_cleanup_free_ char *jj = hvc_utf8_sanitize(j);
			for (const unsigned char *p = (const unsigned char *)t; *p; p++)
				if (*p < 0x20 || *p == 0x7f) {
					printf("# control byte 0x%02x left in \"%s\"\n", *p, t);
					hvc_test_case_failed = 1;
					return;
				}
			if (!string_is_printable(t) || !streq(j, jj)) {
				printf("# %02x %02x: \"%s\" / \"%s\"\n", a, b, t, j);
				hvc_test_case_failed = 1;
				return;
			}
		}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted, joined by spaces. */
static char *dir_names(const char *dir)
{
	_cleanup_strv_free_ char **l = NULL;
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			strv_push(&l, de->d_name);
	if (d)
		closedir(d);
	qsort(l, strv_length(l), sizeof(char *), cmp_str);
	return strv_join(l, " ");
}

static char *slurp(const char *path)
{
	char buf[256];
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

/* The one atomic write: mode, a symlink replaced (not followed), nothing left behind. */
static void test_write_atomic(void)
{
	char dir[] = "/tmp/hvc-util-XXXXXX";
	struct hvc_error err = { 0 };
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	_cleanup_free_ char *path = xasprintf("%s/f", dir);
	_cleanup_free_ char *victim = xasprintf("%s/victim", dir);
	FILE *f = fopen(victim, "we");
	fputs("keep", f);
	fclose(f);

	CHECK_INTEQ(hvc_write_file_atomic(path, "one", 3, 0640, &err), 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
	_cleanup_free_ char *one = slurp(path);
	CHECK_STREQ(one, "one");

	/* A symlink at path is replaced, its target untouched. */
	CHECK(unlink(path) == 0 && symlink(victim, path) == 0);
	CHECK_INTEQ(hvc_write_file_atomic(path, "two", 3, 0600, &err), 0);
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
	_cleanup_free_ char *kept = slurp(victim);
	CHECK_STREQ(kept, "keep");

	/* _like: the mode (and owner) of an existing file, not the mode argument. */
	CHECK(chmod(path, 0604) == 0 && stat(path, &st) == 0);
	CHECK_INTEQ(hvc_write_file_atomic_like(path, "three", 5, 0600, &st, &err), 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0604 && st.st_uid == geteuid());
	_cleanup_free_ char *three = slurp(path);
	CHECK_STREQ(three, "three");
	_cleanup_free_ char *names = dir_names(dir);
	CHECK_STREQ(names, "f victim");

	/* A missing directory: one line naming the path; nothing created. */
	_cleanup_free_ char *missing = xasprintf("%s/no/f", dir);
	CHECK_INTEQ(hvc_write_file_atomic(missing, "x", 1, 0600, &err), -ENOENT);
	CHECK(strstr(err.msg, "/no/f: cannot create a temporary file in ") != NULL);

	unlink(path);
	unlink(victim);
	rmdir(dir);
}

static int natural_qsort(const void *a, const void *b)
{
	return hvc_natural_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* Natural order of guest names: numbers as numbers, the rest byte by byte, a total order. */
static void test_natural_cmp(void)
{
	static const struct {
		const char *a, *b;
		int want;
	} cmp_rows[] = {
		{ "guest2", "guest10", -1 },
		{ "guest10", "guest2", 1 },
		{ "guest10", "guest10", 0 },
		{ "web9-db", "web10-db", -1 },
		{ "a2b10", "a2b9", 1 },
		{ "guest", "guest1", -1 },
		{ "guest01", "guest1", -1 }, /* equal as numbers: byte order decides */
		{ "guest007", "guest8", -1 },
		{ "99999999999999999999999", "100000000000000000000000", -1 }, /* past 64 bits */
		{ "Web", "web", -1 },
		{ "x-1", "x1", -1 }, /* '-' < '1' byte-wise */
		{ "Ωmega2", "Ωmega10", -1 },
		{ "", "a", -1 },
		{ NULL, "", 0 },
	};
	const char *names[] = { "guest10", "guest2", "guest1", "guest01", "db", "guest", "guest20a",
		"guest20" };
	_cleanup_strv_free_ char **sorted = NULL;
	_cleanup_free_ char *joined = NULL;

	for (size_t i = 0; i < ELEMENTSOF(cmp_rows); i++) {
		int r = hvc_natural_cmp(cmp_rows[i].a, cmp_rows[i].b);
		int s = hvc_natural_cmp(cmp_rows[i].b, cmp_rows[i].a);
		CHECK_INTEQ((r > 0) - (r < 0), cmp_rows[i].want);
		CHECK_INTEQ((s > 0) - (s < 0), -cmp_rows[i].want);
	}
	qsort(names, ELEMENTSOF(names), sizeof(*names), natural_qsort);
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		strv_push(&sorted, names[i]);
	joined = strv_join(sorted, " ");
	CHECK_STREQ(joined, "db guest guest01 guest1 guest2 guest10 guest20 guest20a");
}

/* The one table from an error code to the JSON error_kind; unknown codes take the fallback. */
static void test_error_kind(void)
{
	CHECK_STREQ(hvc_error_kind_to_string(hvc_error_kind_of(-ECONNREFUSED, HVC_ERRKIND_OTHER)),
		"refused");
	CHECK_STREQ(hvc_error_kind_to_string(hvc_error_kind_of(-ETIMEDOUT, HVC_ERRKIND_OTHER)),
		"timeout");
	CHECK_STREQ(hvc_error_kind_to_string(hvc_error_kind_of(-ENOKEY, HVC_ERRKIND_OTHER)),
		"host-key");
	CHECK_STREQ(hvc_error_kind_to_string(hvc_error_kind_of(-EKEYREJECTED, HVC_ERRKIND_OTHER)),
		"host-key");
	CHECK_STREQ(
		hvc_error_kind_to_string(hvc_error_kind_of(-EACCES, HVC_ERRKIND_OTHER)), "auth");
	CHECK_STREQ(hvc_error_kind_to_string(hvc_error_kind_of(-EHOSTUNREACH, HVC_ERRKIND_OTHER)),
		"unreachable");
	CHECK_STREQ(hvc_error_kind_to_string(hvc_error_kind_of(-EPROTO, HVC_ERRKIND_OTHER)),
		"guest-script");
	CHECK_STREQ(hvc_error_kind_to_string(hvc_error_kind_of(-EIO, HVC_ERRKIND_UNREACHABLE)),
		"unreachable");
	CHECK_STREQ(hvc_error_kind_to_string(hvc_error_kind_of(-EIO, HVC_ERRKIND_GUEST_SCRIPT)),
		"guest-script");
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_natural_cmp),
		HVC_TEST(test_error_kind),
		HVC_TEST(test_escape_rows),
		HVC_TEST(test_escape_flags),
		HVC_TEST(test_escape_exhaustive),
		HVC_TEST(test_write_atomic),
	};
	return hvc_test_run(tests, ELEMENTSOF(tests));
}
