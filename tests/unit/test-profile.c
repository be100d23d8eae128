/* test-profile.c: profile loading, validation errors, and the shipped remedy profiles. */
#include <errno.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arch.h"
#include "core/profile.h"
#include "tests/harness.h"

static const char *profiles_dir(void)
{
	const char *d = getenv("HVCLOCK_PROFILES_DIR");
	return d && *d ? d : "templates/profiles";
}

static const struct hvc_condition *find_cond(
	const struct hvc_condition *c, size_t n, enum hvc_cond_kind kind)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].kind == kind)
			return &c[i];
	return NULL;
}

static const struct hvc_match_block *find_block(const struct hvc_profile *p, const char *label)
{
	for (size_t i = 0; i < p->n_match; i++)
		if (streq(p->match[i].label, label))
			return &p->match[i];
	return NULL;
}

static const struct hvc_sysctl *find_sysctl(const struct hvc_profile *p, const char *key)
{
	for (size_t i = 0; i < p->n_sysctls; i++)
		if (streq(p->sysctls[i].key, key))
			return &p->sysctls[i];
	return NULL;
}

/* The list joined by spaces, for compact comparisons; "" for NULL. Caller frees. */
static char *joined(char *const *l)
{
	return strv_join(l, " ");
}

#define CHECK_LIST(l, expected)                      \
	do {                                         \
		_cleanup_free_ char *_j = joined(l); \
		CHECK_STREQ(_j, expected);           \
	} while (0)

static bool any_glob_matches(const struct hvc_condition *c, const char *s)
{
	if (!c)
		return false;
	STRV_FOREACH (g, c->values)
		if (fnmatch(*g, s, 0) == 0)
			return true;
	return false;
}

/* ---- the enum table --------------------------------------------------------------------- */

static void test_cond_kind_strings(void)
{
	static const char *const names[] = { "hypervisor", "guest-type", "boot-path", "kernel",
		"current-clocksource", "available-clocksource", "symptom", "sysctl-exists",
		"cpu-flags", "os-id", "arch" };

	CHECK_INTEQ(ELEMENTSOF(names), HVC_COND_LAST);
	for (int i = 0; i < HVC_COND_LAST; i++) {
		CHECK_STREQ(hvc_cond_kind_to_string(i), names[i]);
		CHECK_INTEQ(hvc_cond_kind_from_string(names[i]), i);
	}
	CHECK_INTEQ(hvc_cond_kind_from_string("os_id"), -1);
	CHECK_INTEQ(hvc_cond_kind_from_string(NULL), -1);
	CHECK(hvc_cond_kind_to_string(HVC_COND_LAST) == NULL);
	CHECK(hvc_cond_kind_to_string(-1) == NULL);
}

/* ---- good fixtures ---------------------------------------------------------------------- */

static void test_good_full(void)
{
	_cleanup_free_ char *path = hvc_test_data("profiles/good/full.profile");
	struct hvc_error err = { 0 };
	struct hvc_profile *p = NULL;
	const struct hvc_match_block *b;
	const struct hvc_condition *c;
	const struct hvc_sysctl *s;

	CHECK_INTEQ(hvc_profile_load(path, &p, &err), 0);
	CHECK_STREQ(err.msg, "");
	if (!p)
		return;
	CHECK_STREQ(p->path, path);
	CHECK_STREQ(p->name, "full");
	CHECK_STREQ(p->summary,
		"Every section and key, with continuation lines and a second summary line");
	CHECK_STREQ(p->source, "tests/data/profiles/good/full.profile");
	CHECK_STREQ(p->row, "X2/X3");
	CHECK_INTEQ(p->priority, 10);
	CHECK(p->auto_select);

	CHECK_INTEQ(p->n_match, 2);
	b = find_block(p, "");
	CHECK(b && b == &p->match[0]);
	if (b) {
		CHECK_INTEQ(b->n, 9);
		/* Conditions keep file order. */
		for (size_t i = 0; i < b->n && i < 9; i++)
			CHECK_INTEQ(b->conds[i].kind, (int)i);
		c = find_cond(b->conds, b->n, HVC_COND_GUEST_TYPE);
		CHECK_LIST(c ? c->values : NULL, "pv pvh");
		c = find_cond(b->conds, b->n, HVC_COND_BOOT_PATH);
		CHECK_LIST(c ? c->values : NULL, "direct-kernel bootloader");
		/* A continuation line appends; its inline comment is dropped. */
		c = find_cond(b->conds, b->n, HVC_COND_KERNEL);
		CHECK_LIST(c ? c->values : NULL, "2.6.3[2-9]* [3-9].* [1-9][0-9].*");
		c = find_cond(b->conds, b->n, HVC_COND_SYMPTOM);
		CHECK_LIST(c ? c->values : NULL, "clocksource-unstable tsc-unstable");
		c = find_cond(b->conds, b->n, HVC_COND_CPU_FLAGS);
		CHECK_LIST(c ? c->values : NULL, "constant_tsc nonstop_tsc");
	}
	b = find_block(p, "libosinfo");
	CHECK(b != NULL);
	if (b) {
		CHECK_INTEQ(b->n, 2);
		c = find_cond(b->conds, b->n, HVC_COND_OS_ID);
		CHECK_LIST(c ? c->values : NULL, "http://centos.org/centos/6*");
	}

	CHECK_INTEQ(p->n_expect, 1);
	CHECK(p->n_expect == 1 && p->expect[0].kind == HVC_COND_AVAILABLE_CLOCKSOURCE);
	CHECK_INTEQ(p->n_done_if, 1);
	CHECK(p->n_done_if == 1 && p->done_if[0].kind == HVC_COND_CURRENT_CLOCKSOURCE);

	CHECK_LIST(p->cmdline_set, "clocksource=xen notsc");
	CHECK_LIST(p->cmdline_remove, "tsc=reliable no-kvmclock");
	CHECK_INTEQ(p->n_sysctls, 2);
	s = find_sysctl(p, "xen.independent_wallclock");
	CHECK(s && streq(s->value, "1") && s->only_if_exists); /* default: yes */
	s = find_sysctl(p, "kernel.sched_rt_runtime_us");
	CHECK(s && streq(s->value, "-1") && !s->only_if_exists);
	CHECK_LIST(p->live_clocksources, "xen tsc");
	CHECK(p->timesync_required);
	CHECK_LIST(p->host_sysctls, "xen.independent_wallclock=1 kernel.panic=10");
	CHECK_LIST(p->host_cmdline_set, "clocksource=jiffies");
	CHECK(p->host_timesync_required);
	CHECK(hvc_profile_has_host_part(p));
	hvc_profile_free(p);
}

static void test_good_small(void)
{
	_cleanup_free_ char *claim = hvc_test_data("profiles/good/claim.profile");
	_cleanup_free_ char *low = hvc_test_data("profiles/good/low.profile");
	struct hvc_error err = { 0 };
	struct hvc_profile *p = NULL;

	/* No action but a [done-if]: allowed; auto and priority defaults. */
	CHECK_INTEQ(hvc_profile_load(claim, &p, &err), 0);
	CHECK_STREQ(err.msg, "");
	if (p) {
		CHECK(!p->auto_select);
		CHECK(p->row == NULL && p->source == NULL);
		CHECK(!p->cmdline_set && !p->live_clocksources && !p->timesync_required);
		CHECK_INTEQ(p->n_done_if, 1);
		hvc_profile_free(p);
	}

	/* A UTF-8 BOM, CRLF line ends, a negative priority. */
	p = NULL;
	CHECK_INTEQ(hvc_profile_load(low, &p, &err), 0);
	CHECK_STREQ(err.msg, "");
	if (p) {
		CHECK_STREQ(p->name, "low");
		CHECK_STREQ(p->summary, "Negative priority, CRLF line ends and a BOM");
		CHECK_INTEQ(p->priority, -5);
		CHECK_LIST(p->cmdline_set, "tsc=unstable");
		hvc_profile_free(p);
	}
}

static void test_good_set(void)
{
	_cleanup_free_ char *dir = hvc_test_data("profiles/good");
	static const char *const order[] = { "claim", "full", "minimal-timesync", "low" };
	struct hvc_profile_set set = { 0 };
	struct hvc_error err = { 0 };

	CHECK_INTEQ(hvc_profile_set_load(dir, &set, &err), 0);
	CHECK_STREQ(err.msg, "");
	CHECK_INTEQ(set.n, ELEMENTSOF(order));
	/* Priority descending, then name. */
	for (size_t i = 0; i < set.n && i < ELEMENTSOF(order); i++)
		CHECK_STREQ(set.profiles[i]->name, order[i]);
	CHECK(set.n == ELEMENTSOF(order) && hvc_profile_set_find(&set, "full") == set.profiles[1]);
	CHECK(hvc_profile_set_find(&set, "nope") == NULL);
	hvc_profile_set_finish(&set);
	CHECK(set.n == 0 && set.profiles == NULL);
	hvc_profile_set_finish(&set); /* twice is harmless */
}

/* ---- broken fixtures -------------------------------------------------------------------- */

static const struct {
	const char *file;
	int line;
	const char *phrase;
} broken[] = {
	{ "unknown-key.profile", 5, "unknown key 'colour' in [profile]" },
	{ "unknown-section.profile", 6, "unknown section [matches]" },
	{ "bad-boolean.profile", 5, "bad boolean 'maybe' for auto" },
	{ "bad-hypervisor.profile", 7, "unknown hypervisor 'vmware' (expected kvm, xen)" },
	{ "bad-guest-type.profile", 8, "unknown guest-type 'hvm-pv'" },
	{ "bad-boot-path.profile", 7, "unknown boot-path 'unknown'" },
	{ "bad-symptom.profile", 7, "unknown symptom 'time-went-forwards'" },
	{ "bad-cmdline.profile", 13,
		"invalid kernel command line parameter 'clocksource=$(reboot)'" },
	{ "cmdline-dashdash.profile", 13, "invalid kernel command line parameter '--'" },
	{ "lpj.profile", 13,
		"lpj= is specific to one host CPU and must not be set by a profile "
		"(docs/remedies.md §2a" },
	{ "set-twice.profile", 13, "'clocksource=tsc': the parameter is set twice" },
	{ "set-and-remove.profile", 14, "'clocksource=tsc' is both set and removed" },
	{ "name-mismatch.profile", 3,
		"name 'something-else' does not match the file name 'name-mismatch.profile'" },
	{ "not-a-profile.conf", 3, "does not match the file name 'not-a-profile.conf'" },
	{ "missing-name.profile", 3, "[profile] has no 'name'" },
	{ "missing-summary.profile", 2, "[profile] has no 'summary'" },
	{ "no-profile-section.profile", 1, "no [profile] section" },
	{ "duplicate-key.profile", 5, "duplicate key 'name' in [profile]" },
	{ "duplicate-section.profile", 15, "duplicate section [expect] (first at line 12)" },
	{ "duplicate-label.profile", 9, "duplicate section [match:a]" },
	{ "bad-priority.profile", 5, "bad priority 'high'" },
	{ "priority-range.profile", 5, "bad priority '100000'" },
	{ "Bad_Name.profile", 3, "invalid name 'Bad_Name'" },
	{ "bad-sysctl-key.profile", 12, "invalid sysctl key 'independent_wallclock'" },
	{ "bad-sysctl-value.profile", 13, "invalid sysctl value '\"1\"'" },
	{ "sysctl-no-value.profile", 12, "[sysctl:xen.independent_wallclock] has no 'value'" },
	{ "bad-only-if-exists.profile", 14, "bad boolean '1' for only-if-exists" },
	{ "bad-clocksource.profile", 13, "invalid clocksource name 'KVM-Clock'" },
	{ "no-action.profile", 2, "profile changes nothing" },
	{ "no-match.profile", 2, "no [match] section" },
	{ "os-id-with-kernel.profile", 9, "os-id and kernel in the same [match] block" },
	{ "os-id-in-expect.profile", 13, "allowed only in [match] blocks" },
	{ "key-outside-section.profile", 2, "'name' is outside of any section" },
	{ "syntax-error.profile", 7, "expected 'key = value'" },
	{ "unterminated-section.profile", 6, "section header without a closing ']'" },
	{ "text-after-section.profile", 6, "unexpected text after ']' of [match]" },
	{ "empty-section.profile", 6, "section [expect] is empty" },
	{ "long-line.profile", 7, "line is longer than" },
	{ "continuation-scalar.profile", 6, "auto takes one value" },
	{ "listed-twice.profile", 7, "'xen' is listed twice in hypervisor" },
	{ "bad-cpu-flag.profile", 7, "unknown CPU flag 'avx2'" },
	{ "bad-host-sysctl.profile", 13,
		"host sysctl 'xen.independent_wallclock': expected KEY=VALUE" },
	{ "bad-glob.profile", 7, "kernel pattern '2.6.18-[0-9*' has an unterminated '['" },
	{ "bad-row.profile", 5, "invalid row 'x1' (expected a docs/remedies.md §4 row" },
	{ "empty-value.profile", 5, "key 'source' has no value" },
	{ "bad-label.profile", 6, "invalid block label in [match:Lib Osinfo]" },
	/* Two errors: the first one (line 5) is reported, not the later bad hypervisor. */
	{ "two-errors.profile", 5, "bad boolean 'sometimes'" },
};

static bool check_broken(const char *file, int line, const char *phrase)
{
	_cleanup_free_ char *rel = xasprintf("profiles/broken/%s", file);
	_cleanup_free_ char *path = hvc_test_data(rel);
	_cleanup_free_ char *prefix = xasprintf("%s:%d: ", path, line);
	struct hvc_error err = { 0 };
	struct hvc_profile *p = (struct hvc_profile *)&err; /* must be reset to NULL */
	int r = hvc_profile_load(path, &p, &err);
	bool ok = r == -EINVAL && err.code == -EINVAL && p == NULL &&
		strncmp(err.msg, prefix, strlen(prefix)) == 0 && strstr(err.msg, phrase) &&
		!strchr(err.msg, '\n');

	if (!ok)
		printf("# %s: r=%d, got \"%s\"\n#   want prefix \"%s\" and \"%s\"\n", file, r,
			err.msg, prefix, phrase);
	if (r == 0)
		hvc_profile_free(p);
	return ok;
}

static void test_broken_fixtures(void)
{
	for (size_t i = 0; i < ELEMENTSOF(broken); i++) {
		_cleanup_free_ char *name = xasprintf("broken %s", broken[i].file);
		bool ok = check_broken(broken[i].file, broken[i].line, broken[i].phrase);
		hvc_test_report(name, ok);
		if (!ok)
			hvc_test_case_failed = 1;
	}
}

static void test_two_errors_keeps_first(void)
{
	_cleanup_free_ char *path = hvc_test_data("profiles/broken/two-errors.profile");
	struct hvc_error err = { 0 };
	struct hvc_profile *p = NULL;

	CHECK(hvc_profile_load(path, &p, &err) < 0);
	CHECK(strstr(err.msg, "vmware") == NULL);
	/* Callers that only want the code may pass no error object. */
	CHECK(hvc_profile_load(path, &p, NULL) == -EINVAL);
	CHECK(p == NULL);
}

static void test_missing_file(void)
{
	struct hvc_error err = { 0 };
	struct hvc_profile *p = NULL;

	CHECK_INTEQ(hvc_profile_load("/nonexistent/x.profile", &p, &err), -ENOENT);
	CHECK(p == NULL);
	CHECK(strstr(err.msg, "/nonexistent/x.profile: cannot open profile") != NULL);
}

/* Write a profile file into dir (NUL bytes allowed); returns its path. Caller frees. */
static char *write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "we");

	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(data, 1, len, f) == len);
		fclose(f);
	}
	return path;
}

/* A valid profile whose [live] line is exactly len characters long. Caller frees. */
static char *profile_with_line_of(const char *name, size_t len)
{
	_cleanup_free_ char *line = xstrdup("clocksource =");

	/* Distinct names ("aaa...", "bbb...") of at most 31 characters. */
	for (char c = 'a'; strlen(line) < len; c++) {
		size_t left = len - strlen(line) - 1;
		size_t n = left < 31 ? left : 31;
		char *next = xasprintf("%s %*s", line, (int)n, "");
		memset(next + strlen(line) + 1, c, n);
		free(line);
		line = next;
	}
	return xasprintf("[profile]\nname = %s\nsummary = x\n\n[match]\nhypervisor = kvm\n\n"
			 "[live]\n%s\n",
		name, line);
}

/* Cases a committed fixture cannot hold well: NUL bytes, an empty file, generated lines. */
static void test_generated(void)
{
	static const char nul[] = "[profile]\nname = nul\nsumm\0ary = x\n";
	char tmp[] = "/tmp/hvc-test-profile-XXXXXX";

	if (!mkdtemp(tmp)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		hvc_test_case_failed = 1;
		return;
	}

	struct {
		const char *name;
		char *data;
		size_t len;
		int line; /* 0: loads */
		const char *phrase;
	} cases[] = {
		{ "nul.profile", NULL, sizeof(nul) - 1, 3, "line contains a NUL byte" },
		{ "empty.profile", xstrdup(""), 0, 1, "no [profile] section" },
		{ "long-section.profile",
			xstrdup("[profile]\nname = long-section\nsummary = x\n\n"
				"[sysctl:net.ipv4.conf.default.a_very_long_sysctl_key_name]\n"),
			0, 5, "is longer than 49 characters" },
		/* One-value keys take no indented line: [host] timesync used to (the reader
		 * now has one rule, hvclock.conf's stricter one, for every key that is not a list). */
		{ "host-cont.profile",
			xstrdup("[profile]\nname = host-cont\nsummary = x\n\n[match]\nhypervisor = "
				"xen\n\n[host]\ntimesync = yes\n\tno\n"),
			0, 10, "timesync takes one value" },
		{ "bad-arch.profile",
			xstrdup("[profile]\nname = bad-arch\nsummary = x\n\n[match]\narch = x86_64 "
				"X86\n\n[timesync]\nrequired = yes\n"),
			0, 6, "invalid architecture 'X86'" },
		/* 198 characters fit (libinih's old 200-byte buffer, kept as the limit); 199 do not. */
		{ "fits.profile", profile_with_line_of("fits", 198), 0, 0, NULL },
		{ "too-long.profile", profile_with_line_of("too-long", 199), 0, 9,
			"line is longer than 198 characters" },
	};

	cases[0].data = xmalloc(sizeof(nul));
	memcpy(cases[0].data, nul, sizeof(nul));
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].data);
		_cleanup_free_ char *path = write_file(tmp, cases[i].name, cases[i].data, len);
		_cleanup_free_ char *prefix = xasprintf("%s:%d: ", path, cases[i].line);
		struct hvc_error err = { 0 };
		struct hvc_profile *p = NULL;
		int r = hvc_profile_load(path, &p, &err);

		if (!cases[i].phrase) {
			CHECK_INTEQ(r, 0);
			CHECK_STREQ(err.msg, "");
			CHECK(p && strv_length(p->live_clocksources) == 6);
			hvc_profile_free(p);
		} else if (r != -EINVAL || strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
			!strstr(err.msg, cases[i].phrase)) {
			printf("# %s: r=%d, got \"%s\", want \"%s\" and \"%s\"\n", cases[i].name, r,
				err.msg, prefix, cases[i].phrase);
			hvc_test_case_failed = 1;
		}
		unlink(path);
		free(cases[i].data);
	}
	rmdir(tmp);
}

/* ---- profile sets ----------------------------------------------------------------------- */

static void check_set_error(const char *dir, int code, const char *want)
{
	struct hvc_profile_set set = { 0 };
	struct hvc_error err = { 0 };
	int r = hvc_profile_set_load(dir, &set, &err);

	CHECK_INTEQ(r, code);
	CHECK(set.n == 0 && set.profiles == NULL);
	if (!strstr(err.msg, want)) {
		printf("# %s: got \"%s\", want \"%s\"\n", dir, err.msg, want);
		hvc_test_case_failed = 1;
	}
	hvc_profile_set_finish(&set);
}

static void test_set_errors(void)
{
	_cleanup_free_ char *dup = hvc_test_data("profiles/broken/set-dup");
	_cleanup_free_ char *one = hvc_test_data("profiles/broken/set-one-broken");
	_cleanup_free_ char *missing = hvc_test_data("profiles/does-not-exist");
	_cleanup_free_ char *dup_want =
		xasprintf("%s/b.profile:3: name 'a' does not match the file name 'b.profile'", dup);
	_cleanup_free_ char *one_want =
		xasprintf("%s/oops.profile:7: unknown hypervisor 'bhyve'", one);
	_cleanup_free_ char *missing_want = xasprintf("%s: cannot open profile directory", missing);
	char tmp[] = "/tmp/hvc-test-profile-XXXXXX";
	_cleanup_free_ char *hidden = NULL, *subdir = NULL, *empty_want = NULL;
	_cleanup_free_ char *subdir_want = NULL;
	FILE *f;

	/*
	 * A copied file keeps the old name: with name = file name enforced, this is how a
	 * duplicate name shows up in one directory.
	 */
	check_set_error(dup, -EINVAL, dup_want);
	/* One broken profile fails the whole set: no partial set decides anything. */
	check_set_error(one, -EINVAL, one_want);
	check_set_error(missing, -ENOENT, missing_want);

	if (!mkdtemp(tmp)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		hvc_test_case_failed = 1;
		return;
	}
	/* An empty directory, or one with only hidden leftovers, has no profiles. */
	hidden = xasprintf("%s/.hidden.profile", tmp);
	f = fopen(hidden, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	empty_want = xasprintf("%s: no *.profile files", tmp);
	check_set_error(tmp, -ENOENT, empty_want);
	/* A directory named like a profile. */
	subdir = xasprintf("%s/odd.profile", tmp);
	CHECK(mkdir(subdir, 0700) == 0);
	subdir_want = xasprintf("%s: not a regular file", subdir);
	check_set_error(tmp, -EINVAL, subdir_want);
	rmdir(subdir);
	unlink(hidden);
	rmdir(tmp);
}

/* ---- shipped profiles ------------------------------------------------------------------- */

static const char *const shipped[] = {
	"xen-wa1",
	"xen-wa2",
	"xen-classic-ntp",
	"el6-kvm",
	"el5-kvm-x86-64",
	"el5-kvm-i386",
	"kvm-modern-tsc-unstable",
	"kvm-invtsc-migration",
	"xen-pvops",
	"xen-pvops-tsc-unstable",
	"xen-hvm",
	"tsc-reliable",
};

static struct hvc_profile_set shipped_set;
static bool shipped_loaded;

static const struct hvc_profile *shipped_profile(const char *name)
{
	const struct hvc_profile *p;

	if (!shipped_loaded) {
		struct hvc_error err = { 0 };
		if (hvc_profile_set_load(profiles_dir(), &shipped_set, &err) < 0)
			printf("# loading %s: %s\n", profiles_dir(), err.msg);
		shipped_loaded = true;
	}
	p = hvc_profile_set_find(&shipped_set, name);
	if (!p) {
		printf("# shipped profile '%s' not found in %s\n", name, profiles_dir());
		hvc_test_case_failed = 1;
	}
	return p;
}

static void test_shipped_set(void)
{
	struct hvc_profile_set set = { 0 };
	struct hvc_error err = { 0 };

	CHECK_INTEQ(hvc_profile_set_load(profiles_dir(), &set, &err), 0);
	CHECK_STREQ(err.msg, "");
	CHECK_INTEQ(set.n, ELEMENTSOF(shipped));
	for (size_t i = 0; i < ELEMENTSOF(shipped); i++)
		CHECK(hvc_profile_set_find(&set, shipped[i]) != NULL);
	for (size_t i = 0; i < set.n; i++) {
		const struct hvc_profile *p = set.profiles[i];
		_cleanup_free_ char *file = xasprintf("/%s.profile", p->name);
		size_t pl = strlen(p->path), fl = strlen(file);

		CHECK(pl > fl && streq(p->path + pl - fl, file));
		/* Every shipped profile cites docs/remedies.md (shipped with it) and its §4 row;
		 * never shared/, which users do not have. */
		CHECK(p->source && strstr(p->source, "docs/remedies.md §"));
		CHECK(p->source && !strstr(p->source, "shared/"));
		{
			/* Nor do the comments cite it: the whole shipped file. */
			_cleanup_free_ char *text = hvc_test_read_file(p->path);
			CHECK(text && !strstr(text, "shared/") && !strstr(text, " domain.md"));
		}
		CHECK(p->row != NULL);
		CHECK(p->summary && strlen(p->summary) > 20);
		CHECK(p->n_match >= 1);
		if (i > 0) {
			const struct hvc_profile *q = set.profiles[i - 1];
			CHECK(q->priority > p->priority ||
				(q->priority == p->priority && strcmp(q->name, p->name) < 0));
		}
	}
	hvc_profile_set_finish(&set);
}

static void test_shipped_xen_wa1(void)
{
	const struct hvc_profile *p = shipped_profile("xen-wa1");
	const struct hvc_match_block *b;
	const struct hvc_condition *c;
	const struct hvc_sysctl *s;

	if (!p)
		return;
	CHECK_STREQ(p->row, "X1");
	CHECK(p->auto_select);
	CHECK(p->priority >= 100);
	CHECK_LIST(p->cmdline_set, "clocksource=jiffies");
	CHECK(p->cmdline_remove == NULL);
	CHECK_INTEQ(p->n_sysctls, 1);
	s = find_sysctl(p, "xen.independent_wallclock");
	CHECK(s && streq(s->value, "1") && s->only_if_exists);
	CHECK_LIST(p->live_clocksources, "jiffies");
	CHECK(p->timesync_required);
	CHECK_LIST(p->host_sysctls, "xen.independent_wallclock=1");
	c = find_cond(p->expect, p->n_expect, HVC_COND_SYSCTL_EXISTS);
	CHECK_LIST(c ? c->values : NULL, "xen.independent_wallclock");

	b = find_block(p, "");
	CHECK(b != NULL);
	if (b) {
		c = find_cond(b->conds, b->n, HVC_COND_HYPERVISOR);
		CHECK_LIST(c ? c->values : NULL, "xen");
		c = find_cond(b->conds, b->n, HVC_COND_GUEST_TYPE);
		CHECK_LIST(c ? c->values : NULL, "pv");
		c = find_cond(b->conds, b->n, HVC_COND_KERNEL);
		/* Real classic XenLinux uname -r forms (docs/remedies.md §4 X1). */
		CHECK(any_glob_matches(c, "2.6.18-419.el5xen"));
		CHECK(any_glob_matches(c, "2.6.18-8.el5xen"));
		CHECK(any_glob_matches(c, "2.6.16.60-0.21-xen"));
		CHECK(any_glob_matches(c, "2.6.16.60-0.21-xenpae"));
		CHECK(any_glob_matches(c, "2.6.26-2-xen-amd64"));
		CHECK(any_glob_matches(c, "2.6.18-6-xen-686"));
		CHECK(any_glob_matches(c, "2.6.18.8-xen"));
		CHECK(any_glob_matches(c, "2.6.24-19-xen"));
		/* Not classic: EL5 non-xen, Debian 6 pvops -xen flavour, EL6, modern. */
		CHECK(!any_glob_matches(c, "2.6.18-419.el5"));
		CHECK(!any_glob_matches(c, "2.6.32-5-xen-amd64"));
		CHECK(!any_glob_matches(c, "2.6.32-754.el6.x86_64"));
		CHECK(!any_glob_matches(c, "4.19.0-27-amd64"));
	}
	b = find_block(p, "libosinfo");
	CHECK(b != NULL);
	if (b) {
		c = find_cond(b->conds, b->n, HVC_COND_GUEST_TYPE);
		CHECK_LIST(c ? c->values : NULL, "pv");
		CHECK(find_cond(b->conds, b->n, HVC_COND_KERNEL) == NULL);
		c = find_cond(b->conds, b->n, HVC_COND_OS_ID);
		CHECK(any_glob_matches(c, "http://centos.org/centos/5.11"));
		CHECK(any_glob_matches(c, "http://redhat.com/rhel/5.4"));
		CHECK(!any_glob_matches(c, "http://centos.org/centos/6.10"));
	}
	b = find_block(p, "wallclock-sysctl");
	CHECK(b != NULL);
	if (b) {
		c = find_cond(b->conds, b->n, HVC_COND_SYSCTL_EXISTS);
		CHECK_LIST(c ? c->values : NULL, "xen.independent_wallclock");
	}
}

static void test_shipped_xen_wa2(void)
{
	const struct hvc_profile *p = shipped_profile("xen-wa2");
	const struct hvc_sysctl *s;

	if (!p)
		return;
	CHECK_STREQ(p->row, "X1");
	CHECK(!p->auto_select); /* only when forced */
	CHECK_LIST(p->cmdline_set, "clocksource=jiffies");
	s = find_sysctl(p, "xen.independent_wallclock");
	CHECK(s && streq(s->value, "0") && s->only_if_exists);
	CHECK(!p->timesync_required); /* NTP only in dom0 */
	CHECK(p->live_clocksources == NULL);
	CHECK_LIST(p->host_cmdline_set, "clocksource=jiffies");
	CHECK(p->host_sysctls == NULL);
	CHECK(p->host_timesync_required); /* ... and checked there */
}

/* docs/remedies.md §1: jiffies must not be the only remedy for classic kernels. */
static void test_shipped_xen_classic_ntp(void)
{
	const struct hvc_profile *p = shipped_profile("xen-classic-ntp");
	const struct hvc_sysctl *s;

	if (!p)
		return;
	CHECK_STREQ(p->row, "X1");
	CHECK(!p->auto_select);
	CHECK(p->cmdline_set == NULL);
	CHECK_LIST(p->cmdline_remove, "clocksource=jiffies");
	s = find_sysctl(p, "xen.independent_wallclock");
	CHECK(s && streq(s->value, "1") && s->only_if_exists);
	CHECK_LIST(p->live_clocksources, "xen");
	CHECK(p->timesync_required);
}

static void test_shipped_el6_kvm(void)
{
	const struct hvc_profile *p = shipped_profile("el6-kvm");
	const struct hvc_match_block *b;
	const struct hvc_condition *c;

	if (!p)
		return;
	CHECK_STREQ(p->row, "K2");
	CHECK(p->auto_select);
	CHECK_LIST(p->cmdline_set, "clocksource_failover=acpi_pm");
	CHECK_LIST(p->live_clocksources, "kvm-clock hpet acpi_pm");
	CHECK(p->timesync_required);
	CHECK_INTEQ(p->n_done_if, 1);
	c = find_cond(p->done_if, p->n_done_if, HVC_COND_CURRENT_CLOCKSOURCE);
	CHECK_LIST(c ? c->values : NULL, "kvm-clock");

	b = find_block(p, "");
	CHECK(b != NULL);
	if (b) {
		c = find_cond(b->conds, b->n, HVC_COND_HYPERVISOR);
		CHECK_LIST(c ? c->values : NULL, "kvm");
		c = find_cond(b->conds, b->n, HVC_COND_KERNEL);
		CHECK_LIST(c ? c->values : NULL, "2.6.32-*.el6*");
		CHECK(any_glob_matches(c, "2.6.32-754.el6.x86_64"));
		CHECK(any_glob_matches(c, "2.6.32-71.el6.i686"));
		CHECK(!any_glob_matches(c, "2.6.32-5-amd64"));
		CHECK(!any_glob_matches(c, "3.10.0-1160.el7.x86_64"));
	}
	b = find_block(p, "libosinfo");
	CHECK(b != NULL);
	if (b) {
		c = find_cond(b->conds, b->n, HVC_COND_OS_ID);
		CHECK(any_glob_matches(c, "http://centos.org/centos/6.10"));
		CHECK(any_glob_matches(c, "http://redhat.com/rhel/6.0"));
		CHECK(any_glob_matches(c, "http://oracle.com/ol/6.10"));
		CHECK(any_glob_matches(c, "http://scientificlinux.org/scientificlinux/6.10"));
		CHECK(!any_glob_matches(c, "http://centos.org/centos/7.0"));
		CHECK(!any_glob_matches(c, "http://centos.org/centos/5.11"));
	}
}

static void test_shipped_modern(void)
{
	const struct hvc_profile *k3 = shipped_profile("kvm-modern-tsc-unstable");
	const struct hvc_profile *k4 = shipped_profile("kvm-invtsc-migration");
	const struct hvc_profile *pv = shipped_profile("xen-pvops");
	const struct hvc_profile *pvt = shipped_profile("xen-pvops-tsc-unstable");
	const struct hvc_profile *hvm = shipped_profile("xen-hvm");
	const struct hvc_condition *c;

	if (k3) {
		CHECK_STREQ(k3->row, "K3");
		CHECK(k3->auto_select);
		c = find_cond(k3->match[0].conds, k3->match[0].n, HVC_COND_CURRENT_CLOCKSOURCE);
		CHECK_LIST(c ? c->values : NULL, "tsc");
		c = find_cond(k3->match[0].conds, k3->match[0].n, HVC_COND_SYMPTOM);
		CHECK_LIST(c ? c->values : NULL, "clocksource-unstable tsc-unstable");
		c = find_cond(k3->expect, k3->n_expect, HVC_COND_AVAILABLE_CLOCKSOURCE);
		CHECK_LIST(c ? c->values : NULL, "kvm-clock");
		CHECK_LIST(k3->cmdline_set, "clocksource=kvm-clock");
		CHECK_LIST(k3->live_clocksources, "kvm-clock");
		CHECK(k3->timesync_required);
	}
	if (k4) {
		CHECK_STREQ(k4->row, "K4");
		CHECK(!k4->auto_select);
		CHECK_LIST(k4->cmdline_set, "clocksource=kvm-clock");
	}
	if (pv) {
		CHECK_STREQ(pv->row, "X2/X3");
		CHECK(pv->auto_select);
		/* Keep xen: no cmdline, no sysctl, no live switch; only the time sync check. */
		CHECK(!pv->cmdline_set && !pv->cmdline_remove && pv->n_sysctls == 0);
		CHECK(!pv->live_clocksources && !pv->host_sysctls && !pv->host_cmdline_set);
		CHECK(pv->timesync_required);
		c = find_cond(pv->match[0].conds, pv->match[0].n, HVC_COND_GUEST_TYPE);
		CHECK_LIST(c ? c->values : NULL, "pv pvh");
		c = find_cond(pv->match[0].conds, pv->match[0].n, HVC_COND_KERNEL);
		CHECK(any_glob_matches(c, "2.6.32-5-xen-amd64"));
		CHECK(any_glob_matches(c, "3.2.0-4-amd64"));
		CHECK(any_glob_matches(c, "4.19.0-27-amd64"));
		CHECK(any_glob_matches(c, "5.14.0-427.el9.x86_64"));
		CHECK(any_glob_matches(c, "6.1.0-18-amd64"));
		CHECK(any_glob_matches(c, "10.0.0"));
		CHECK(!any_glob_matches(c, "2.6.18-419.el5xen"));
		CHECK(!any_glob_matches(c, "2.6.26-2-xen-amd64"));
	}
	if (pv && pvt) {
		CHECK(pvt->auto_select && pvt->priority > pv->priority);
		CHECK_LIST(pvt->cmdline_set, "clocksource=xen");
		CHECK_LIST(pvt->live_clocksources, "xen");
	}
	if (hvm) {
		CHECK_STREQ(hvm->row, "X4");
		CHECK(hvm->auto_select);
		c = find_cond(hvm->match[0].conds, hvm->match[0].n, HVC_COND_GUEST_TYPE);
		CHECK_LIST(c ? c->values : NULL, "hvm");
		c = find_cond(hvm->expect, hvm->n_expect, HVC_COND_AVAILABLE_CLOCKSOURCE);
		CHECK_LIST(c ? c->values : NULL, "xen");
		CHECK_LIST(hvm->cmdline_set, "clocksource=xen");
		CHECK_LIST(hvm->live_clocksources, "xen");
		CHECK(hvm->timesync_required);
	}
}

static void test_shipped_el5_and_g(void)
{
	const struct hvc_profile *x64 = shipped_profile("el5-kvm-x86-64");
	const struct hvc_profile *i386 = shipped_profile("el5-kvm-i386");
	const struct hvc_profile *g = shipped_profile("tsc-reliable");
	const struct hvc_condition *c;

	if (x64) {
		CHECK_STREQ(x64->row, "K1");
		CHECK(!x64->auto_select);
		CHECK_LIST(x64->cmdline_set, "notsc");
		c = find_cond(x64->match[0].conds, x64->match[0].n, HVC_COND_KERNEL);
		CHECK(any_glob_matches(c, "2.6.18-419.el5"));
		CHECK(!any_glob_matches(c, "2.6.18-419.el5xen"));
		CHECK(!any_glob_matches(c, "2.6.18-419.el5PAE"));
	}
	if (i386) {
		CHECK_STREQ(i386->row, "K1");
		CHECK(!i386->auto_select);
		CHECK_LIST(i386->cmdline_set, "clocksource=acpi_pm");
	}
	if (g) {
		CHECK_STREQ(g->row, "G");
		CHECK(!g->auto_select);
		CHECK_LIST(g->cmdline_set, "tsc=reliable");
	}
}

/* Rules from docs/remedies.md that every shipped profile must keep. */
static void test_shipped_domain_rules(void)
{
	struct hvc_profile_set set = { 0 };
	struct hvc_error err = { 0 };

	if (hvc_profile_set_load(profiles_dir(), &set, &err) < 0) {
		printf("# %s\n", err.msg);
		hvc_test_case_failed = 1;
		return;
	}
	for (size_t i = 0; i < set.n; i++) {
		const struct hvc_profile *p = set.profiles[i];
		bool sets_failover = false, sets_jiffies = false;

		STRV_FOREACH (s, p->cmdline_set) {
			/* §2a: never invent lpj=. */
			CHECK(strncmp(*s, "lpj=", 4) != 0);
			/* §2a: divider= panics RHEL 5 before 5.8. */
			CHECK(strncmp(*s, "divider=", 8) != 0);
			sets_failover |= strncmp(*s, "clocksource_failover", 20) == 0;
			sets_jiffies |= streq(*s, "clocksource=jiffies");
		}
		/* §2b: clocksource_failover only for EL6 kernels (or EL6 os-ids). */
		if (sets_failover)
			for (size_t b = 0; b < p->n_match; b++) {
				const struct hvc_match_block *m = &p->match[b];
				const struct hvc_condition *k =
					find_cond(m->conds, m->n, HVC_COND_KERNEL);
				const struct hvc_condition *o =
					find_cond(m->conds, m->n, HVC_COND_OS_ID);
				CHECK(k || o);
				STRV_FOREACH (v, k ? k->values : NULL)
					CHECK(strstr(*v, ".el6") != NULL);
				STRV_FOREACH (v, o ? o->values : NULL)
					CHECK(strstr(*v, "/6") != NULL);
			}
		/* §3b: xen.independent_wallclock only where it exists. */
		for (size_t k = 0; k < p->n_sysctls; k++)
			if (streq(p->sysctls[k].key, "xen.independent_wallclock")) {
				const struct hvc_condition *e =
					find_cond(p->expect, p->n_expect, HVC_COND_SYSCTL_EXISTS);
				CHECK(p->sysctls[k].only_if_exists);
				CHECK(e && strv_contains(e->values, "xen.independent_wallclock"));
			}
		/* §3a: a live jiffies switch may be refused; the boot parameter must back it. */
		if (strv_contains(p->live_clocksources, "jiffies"))
			CHECK(sets_jiffies);
		/* §1: jiffies with an independent wallclock needs NTP in the guest. */
		if (sets_jiffies && p->n_sysctls && streq(p->sysctls[0].value, "1"))
			CHECK(p->timesync_required);
		if (hvc_test_case_failed) {
			printf("# in profile %s\n", p->name);
			break;
		}
	}
	hvc_profile_set_finish(&set);
}

/*
 * §3e: a shipped profile that writes an x86-only parameter (core/arch.c's table) holds for
 * x86 guests only: every [match] block has the condition `arch = x86` (the one list in arch.c);
 * one that writes none has no arch condition (it fits every guest).
 */
static void test_shipped_arch(void)
{
	struct hvc_profile_set set = { 0 };
	struct hvc_error err = { 0 };
	size_t x86_only = 0;

	if (hvc_profile_set_load(profiles_dir(), &set, &err) < 0) {
		printf("# %s\n", err.msg);
		hvc_test_case_failed = 1;
		return;
	}
	for (size_t i = 0; i < set.n; i++) {
		const struct hvc_profile *p = set.profiles[i];
		_cleanup_free_ char *misfit = hvc_arch_profile_misfit(p, "aarch64");

		CHECK(hvc_arch_profile_misfit(p, "x86_64") == NULL);
		CHECK(hvc_arch_profile_misfit(p, NULL) == NULL);
		x86_only += misfit != NULL;
		for (size_t b = 0; b < p->n_match; b++) {
			const struct hvc_match_block *m = &p->match[b];
			const struct hvc_condition *a = find_cond(m->conds, m->n, HVC_COND_ARCH);

			CHECK(!a == !misfit);
			/* the named set, which means exactly hvc_arch_is_x86() */
			CHECK(!a ||
				(strv_length(a->values) == 1 &&
					streq(a->values[0], HVC_ARCH_SET_X86)));
		}
		if (hvc_test_case_failed) {
			printf("# in profile %s (%s)\n", p->name, strna(misfit));
			break;
		}
	}
	/* el5 x2, el6, kvm-invtsc, kvm-modern, tsc-reliable, xen-classic-ntp, xen-hvm, pvops-tsc */
	CHECK_INTEQ(x86_only, 9);
	hvc_profile_set_finish(&set);
}

/* The table itself: names compare with '-' and '_' equal; a value only where listed. */
static void test_arch_table(void)
{
	CHECK(hvc_arch_param_x86_only("clocksource=kvm-clock"));
	CHECK(hvc_arch_param_x86_only("clocksource=acpi_pm"));
	CHECK(hvc_arch_param_x86_only("clocksource=tsc"));
	CHECK(hvc_arch_param_x86_only("clocksource=hpet"));
	CHECK(hvc_arch_param_x86_only("clocksource_failover=acpi_pm"));
	CHECK(hvc_arch_param_x86_only("clocksource-failover"));
	CHECK(hvc_arch_param_x86_only("tsc=reliable"));
	CHECK(hvc_arch_param_x86_only("notsc"));
	CHECK(hvc_arch_param_x86_only("no_kvmclock"));
	CHECK(hvc_arch_param_x86_only("no-kvmclock"));
	CHECK(!hvc_arch_param_x86_only("clocksource=jiffies"));
	CHECK(!hvc_arch_param_x86_only("clocksource=arch_sys_counter"));
	CHECK(!hvc_arch_param_x86_only("clocksource"));
	CHECK(!hvc_arch_param_x86_only("quiet"));
	CHECK(hvc_arch_clocksource_x86_only("kvm-clock"));
	CHECK(!hvc_arch_clocksource_x86_only("jiffies"));
	CHECK(hvc_arch_is_x86("x86_64") && hvc_arch_is_x86("i686") && hvc_arch_is_x86("i386"));
	CHECK(!hvc_arch_is_x86("aarch64") && !hvc_arch_is_x86("ppc64le") && !hvc_arch_is_x86(NULL));
	CHECK(hvc_arch_name_valid("aarch64") && hvc_arch_name_valid("x86_64"));
	CHECK(!hvc_arch_name_valid("") && !hvc_arch_name_valid("X86") &&
		!hvc_arch_name_valid("a-b"));
}

/* The README's table lists exactly the shipped profiles. */
static void test_readme_table(void)
{
	_cleanup_free_ char *path = xasprintf("%s/README.md", profiles_dir());
	_cleanup_free_ char *text = hvc_test_read_file(path);
	size_t listed = 0;

	const char *start, *end;

	CHECK(text != NULL);
	if (!text)
		return;
	/* Rows "| `name` | ..." of the table under "## Shipped profiles". */
	start = strstr(text, "\n## Shipped profiles\n");
	CHECK(start != NULL);
	if (!start)
		return;
	start++;
	end = strstr(start + 1, "\n## ");
	if (!end)
		end = start + strlen(start);
	for (const char *l = start; l && l < end;
		l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		_cleanup_free_ char *name = NULL;
		const char *e;

		if (strncmp(l, "| `", 3) != 0)
			continue;
		e = strchr(l + 3, '`');
		if (!e)
			continue;
		name = xstrndup(l + 3, (size_t)(e - l - 3));
		listed++;
		if (!shipped_profile(name))
			printf("# README lists '%s', which is not shipped\n", name);
	}
	CHECK_INTEQ(listed, ELEMENTSOF(shipped));
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_cond_kind_strings),
		HVC_TEST(test_good_full),
		HVC_TEST(test_good_small),
		HVC_TEST(test_good_set),
		HVC_TEST(test_broken_fixtures),
		HVC_TEST(test_two_errors_keeps_first),
		HVC_TEST(test_missing_file),
		HVC_TEST(test_generated),
		HVC_TEST(test_set_errors),
		HVC_TEST(test_shipped_set),
		HVC_TEST(test_shipped_xen_wa1),
		HVC_TEST(test_shipped_xen_wa2),
		HVC_TEST(test_shipped_xen_classic_ntp),
		HVC_TEST(test_shipped_el6_kvm),
		HVC_TEST(test_shipped_modern),
		HVC_TEST(test_shipped_el5_and_g),
		HVC_TEST(test_shipped_domain_rules),
		HVC_TEST(test_readme_table),
		HVC_TEST(test_shipped_arch),
		HVC_TEST(test_arch_table),
	};
	int r = hvc_test_run(tests, ELEMENTSOF(tests));

	hvc_profile_set_finish(&shipped_set);
	return r;
}
