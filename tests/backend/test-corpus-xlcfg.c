/*
 * test-corpus-xlcfg.c: every real-world xl/xm config of ../shared/corpus/xlcfg through hvclock's
 * parse + edit (the calls a file-backed Xen guest goes through: hvc_xlcfg_parse() for the guest's
 * line, the plan's hvc_cmdline_edit_gen() for the generation of kernel='s file name and the
 * limit of that kernel (a PV guest's: Xen's), hvc_xlcfg_set_cmdline() for rollout and rollback), each
 * result judged independently: libxlutil parses the texts, and xl's own rules (Xen 4.17
 * tools/xl/xl_parse.c, restated below, not taken from hvclock) say how each file boots and which
 * kernel command line it gives.
 *
 * xl's rules (parse_config_data() and parse_cmdline(), RELEASE-4.17.0):
 *  - type= by prefix, "hvm" then "pv" then "pvh" (strncmp(buf, name, strlen(buf))), an unknown
 *    word is fatal; builder= ("hvm", "generic") likewise, and contradicting type= is fatal;
 *    neither: PV (x86).
 *  - HVM: kernel= whose libxl_basename() is exactly "hvmloader" is dropped (firmware boot); any
 *    other kernel= is direct kernel boot, none is firmware (libxl then refuses a command line:
 *    "direct boot parameters specified but kernel missing").
 *  - PV/PVH: firmware= must be a prefix of pvgrub32/pvgrub64 (and not beside kernel=) and becomes
 *    the PV-GRUB image; bootloader= (pygrub; libxl hands it the command line as --args) makes the
 *    command line reach Linux; a kernel= that is a PV-GRUB/PvhGrub image (file name with "grub")
 *    gives it to GRUB instead; neither kernel= nor bootloader= is fatal.
 *  - command line: cmdline= wins; else "root=R extra", "root=R" or extra; a list value is ignored.
 *
 * Per file: a file xl refuses is refused; firmware/PV-GRUB is refused and not edited; direct kernel
 * and bootloader files are edited with clocksource=jiffies (the xen profiles' [cmdline] set), or
 * refused by the plan with a reason (a line past the limit of its kernel, unknown: 255 bytes), and
 * then: libxlutil gives the planned line as xl builds it, the same boot path, every other key the
 * same value; the text differs by the edited statement's value or one added line; editing again
 * changes nothing; the rollback edit gives back the original byte for byte.
 */
#define LIBXL_API_VERSION 0x041400

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <sys/stat.h>
#include <time.h>

#include "backends/libxl/xlcfg.h"
#include "core/cmdline.h"
#include "core/guest.h"
#include "core/util.h"
#include "tests/backend/xlucheck.h"
#include "tests/harness.h"

enum xl_boot { XL_REFUSED, XL_DIRECT, XL_BOOTLOADER, XL_FIRMWARE, XL_PVGRUB };

static const char *const xl_boot_name[] = { "refused by xl", "direct kernel", "bootloader",
	"HVM firmware", "PV-GRUB" };

struct xl_view {
	enum xl_boot boot;
	const char *why; /* XL_REFUSED: xl's reason */
	char *cmdline; /* effective, NULL: none */
	const char *key; /* the key that holds the line: cmdline when set, else extra */
};

static bool prefix_of(const char *buf, const char *word)
{
	return strncmp(buf, word, strlen(buf)) == 0;
}

/* libxl_basename(): after the last '/', "." for NULL or "". */
static const char *xl_basename(const char *s)
{
	const char *slash;

	if (!s || !*s)
		return ".";
	slash = strrchr(s, '/');
	return slash ? slash + 1 : s;
}

/* xl's decision for a text libxlutil accepted. */
static void xl_decide(const struct xlu_parsed *p, struct xl_view *v)
{
	const char *type = xlu_str(p, "type"), *builder = xlu_str(p, "builder");
	const char *kernel = xlu_str(p, "kernel"), *bootloader = xlu_str(p, "bootloader");
	const char *firmware = xlu_str(p, "firmware");
	const char *cmdline = xlu_str(p, "cmdline"), *root = xlu_str(p, "root"),
		   *extra = xlu_str(p, "extra");
	int t = 0; /* 0 unset, 1 hvm, 2 pv, 3 pvh */

	memset(v, 0, sizeof(*v));
	if (type) {
		t = prefix_of(type, "hvm")       ? 1
			: prefix_of(type, "pv")  ? 2
			: prefix_of(type, "pvh") ? 3
						 : -1;
		if (t < 0) {
			v->why = "Invalid domain type";
			return;
		}
	}
	if (builder) {
		int b = prefix_of(builder, "hvm") ? 1 : prefix_of(builder, "generic") ? 2 : -1;
		if (b < 0) {
			v->why = "Invalid domain type (builder=)";
			return;
		}
		if (t && t != b) {
			v->why = "Contradicting \"builder\" and \"type\" options specified";
			return;
		}
		t = b;
	}
	if (!t)
		t = 2;

	if (cmdline)
		v->cmdline = xstrdup(cmdline);
	else if (root && extra)
		v->cmdline = xasprintf("root=%s %s", root, extra);
	else if (root)
		v->cmdline = xasprintf("root=%s", root);
	else if (extra)
		v->cmdline = xstrdup(extra);
	v->key = cmdline ? "cmdline" : "extra";

	if (t == 1) {
		if (kernel && streq(xl_basename(kernel), "hvmloader"))
			kernel = NULL;
		v->boot = kernel ? XL_DIRECT : XL_FIRMWARE;
		return;
	}
	if (firmware) {
		if (kernel) {
			v->why = "both kernel and firmware specified";
			return;
		}
		if (!prefix_of(firmware, "pvgrub32") && !prefix_of(firmware, "pvgrub64")) {
			v->why = "only pvgrub{32|64} supported as firmware options";
			return;
		}
		kernel = firmware; /* XENFIRMWAREDIR/pvgrubNN.bin */
	}
	if (!bootloader && !kernel) {
		v->why = "Neither kernel nor bootloader specified";
		return;
	}
	if (bootloader)
		v->boot = XL_BOOTLOADER;
	else if (firmware || strstr(xl_basename(kernel), "grub"))
		v->boot = XL_PVGRUB;
	else
		v->boot = XL_DIRECT;
}

static const char *norm(const char *s)
{
	return s && *s ? s : NULL;
}

/* Split text at '\n' into lines (without the newlines); *n lines. */
static char **lines_of(const char *text, size_t *n)
{
	char **l = strv_split(text, "\n");
	*n = strv_length(l);
	return l;
}

/*
 * The only change from before to after: the string value of key's statement on one line, or one
 * added line that libxlutil reads as exactly `key = value`. NULL when so, else what is wrong.
 */
static char *check_diff(const char *before, const char *after, const char *key, const char *value)
{
	_cleanup_strv_free_ char **b = NULL, **a = NULL;
	size_t nb, na, pre = 0, suf = 0;

	if (strchr(before, '\n') == NULL && !*before)
		return xstrdup("empty original");
	b = lines_of(before, &nb);
	a = lines_of(after, &na);
	while (pre < nb && pre < na && streq(b[pre], a[pre]))
		pre++;
	while (suf < nb - pre && suf < na - pre && streq(b[nb - 1 - suf], a[na - 1 - suf]))
		suf++;
	if (nb - pre - suf == 0 && na - pre - suf == 1) {
		struct xlu_parsed p;
		_cleanup_strv_free_ char **keys = NULL;
		const char *line = a[pre];
		_cleanup_free_ char *alone = xasprintf("%s\n", line);
		char *why = NULL;

		if (!xlu_parse(alone, &p))
			why = xasprintf("the added line '%s' does not parse alone", line);
		else if (!streq_ptr(xlu_str(&p, key), value))
			why = xasprintf(
				"the added line '%s' does not set %s=\"%s\"", line, key, value);
		else if (strv_length(keys = xlu_scan_keys(alone, NULL)) != 1)
			why = xasprintf("the added line '%s' sets more than %s=", line, key);
		xlu_parsed_close(&p);
		return why;
	}
	if (nb - pre - suf == 1 && na - pre - suf == 1) {
		const char *lb = b[pre], *la = a[pre];
		size_t lenb = strlen(lb), lena = strlen(la), cp = 0, cs = 0, klen = strlen(key);

		while (cp < lenb && cp < lena && lb[cp] == la[cp])
			cp++;
		while (cs < lenb - cp && cs < lena - cp && lb[lenb - 1 - cs] == la[lena - 1 - cs])
			cs++;
		/* The change must sit inside the quotes of a `key = "..."` of that line. */
		for (const char *k = strstr(lb, key); k; k = strstr(k + 1, key)) {
			const char *q = k + klen, *end;
			size_t open, close;

			if (k > lb && k[-1] != ' ' && k[-1] != '\t' && k[-1] != ';')
				continue;
			q += strspn(q, " \t");
			if (*q != '=')
				continue;
			q++;
			q += strspn(q, " \t");
			if (*q != '"' && *q != '\'')
				continue;
			for (end = q + 1; *end && *end != *q; end++)
				if (*end == '\\' && end[1])
					end++;
			if (!*end)
				continue;
			open = (size_t)(q - lb);
			close = (size_t)(end - lb);
			if (cp > open && lenb - cs <= close)
				return NULL;
		}
		return xasprintf(
			"line %zu changed outside %s=\"...\": '%s' -> '%s'", pre + 1, key, lb, la);
	}
	return xasprintf("%zu line(s) replaced by %zu (from line %zu)", nb - pre - suf,
		na - pre - suf, pre + 1);
}

/* Every key of both texts but key has the same value; libxlutil says so. NULL or what differs. */
static char *check_keys(const struct xlu_parsed *a, const struct xlu_parsed *b, const char *ta,
	const char *tb, const char *key)
{
	_cleanup_strv_free_ char **keys = xlu_scan_keys(tb, xlu_scan_keys(ta, NULL));

	STRV_FOREACH (k, keys)
		if (!streq(*k, key) && !xlu_value_eq(a, b, *k))
			return xasprintf("%s= differs after the edit", *k);
	return NULL;
}

static char *const set_jiffies[] = { "clocksource=jiffies", NULL };

struct counts {
	int edited, unchanged, refused, invalid, failed;
};

/*
 * The plan's edit of this file's line (core/plan.c for a guest not inspected): the release
 * from kernel='s file name (as infer_host_facts()), its generation, and the limit of that
 * kernel, Xen's for a PV guest. NULL with *why when the plan refuses.
 */
static char *plan_edit(const struct hvc_xlcfg *c, const char *line, bool *changed, char **why)
{
	_cleanup_free_ char *release = hvc_kernel_release_from_path(c->kernel);
	struct hvc_guest g = { .hypervisor = HVC_HYPERVISOR_XEN, .type = c->type };

	return hvc_cmdline_edit_gen(hvc_linux_gen_from_release(release),
		hvc_linux_cmdline_max(release, hvc_guest_is_xen_pv(&g)), line, set_jiffies, NULL,
		changed, why);
}

/* One file; returns NULL when right, else what is wrong. *what says the category. */
static char *check_file(const char *path, const char *text, struct counts *n, char **what)
{
	struct xlu_parsed p = { 0 }, q = { 0 };
	struct xl_view v = { 0 }, v2 = { 0 };
	struct hvc_xlcfg c = { 0 };
	struct hvc_error err = { 0 };
	_cleanup_free_ char *newline = NULL, *out = NULL, *again = NULL, *back = NULL;
	_cleanup_free_ char *plan_why = NULL;
	char *why = NULL;
	const char *key = NULL;
	bool changed = false;
	int r;

	if (!xlu_parse(text, &p)) {
		/* libxlutil (so xl) rejects it: hvclock must refuse it, with libxlutil's words. */
		for (char *ch = p.buf; ch && *ch; ch++) /* one TAP comment line */
			if (*ch == '\n')
				*ch = ' ';
		r = hvc_xlcfg_set_cmdline(text, path, "clocksource=jiffies", &out, NULL, &err);
		if (r != -EINVAL)
			why = xasprintf("libxlutil rejects it (%s) but hvclock's edit returned %d",
				p.buf ? strstrip(p.buf) : "?", r);
		else if (!strstr(err.msg, "config parsing error"))
			why = xasprintf("refused, but not with libxlutil's reason: %s", err.msg);
		printf("# %s: libxlutil: %s\n", path, p.buf ? strstrip(p.buf) : "?");
		*what = xstrdup("invalid input (libxlutil rejects it), refused");
		n->invalid++;
		goto out;
	}
	xl_decide(&p, &v);

	r = hvc_xlcfg_parse(text, path, &c, &err);
	if (v.boot == XL_REFUSED) {
		int r2 = hvc_xlcfg_set_cmdline(text, path, "clocksource=jiffies", &out, NULL, &err);
		if (r2 != -EINVAL)
			why = xasprintf(
				"xl refuses it (%s) but hvclock's edit returned %d", v.why, r2);
		printf("# %s\n", err.msg);
		*what = xasprintf("refused (xl: %s)", v.why);
		n->refused++;
		goto out;
	}
	if (r < 0) {
		why = xasprintf("xl boots it (%s) but hvclock cannot read it: %s",
			xl_boot_name[v.boot], err.msg);
		goto out;
	}
	if (!streq_ptr(norm(c.cmdline), norm(v.cmdline))) {
		why = xasprintf("hvclock reads the command line '%s', xl builds '%s'",
			strna(c.cmdline), strna(v.cmdline));
		goto out;
	}

	if (v.boot == XL_FIRMWARE || v.boot == XL_PVGRUB) {
		/* The line would not reach Linux: the plan must go to the guest, the edit refused. */
		if (hvc_boot_path_host_cmdline_reaches_kernel(c.boot))
			why = xasprintf("xl boots it via %s, hvclock plans a host-side edit (%s)",
				xl_boot_name[v.boot], c.boot_detail);
		r = hvc_xlcfg_set_cmdline(text, path, "clocksource=jiffies", &out, NULL, &err);
		if (!why && r != -EINVAL)
			why = xasprintf(
				"xl boots it via %s, but hvclock edited it", xl_boot_name[v.boot]);
		if (!why && v.boot == XL_PVGRUB && !strstr(err.msg, "PV-GRUB"))
			why = xasprintf("refused, but not for PV-GRUB: %s", err.msg);
		if (r < 0)
			printf("# %s\n", err.msg);
		*what = xasprintf("refused (%s)", xl_boot_name[v.boot]);
		n->refused++;
		goto out;
	}

	/* Direct kernel or bootloader: the plan edits the host's line, and the edit must work. */
	if (!hvc_boot_path_host_cmdline_reaches_kernel(c.boot)) {
		why = xasprintf(
			"xl boots it via %s, hvclock says %s", xl_boot_name[v.boot], c.boot_detail);
		goto out;
	}
	newline = plan_edit(&c, c.has_cmdline ? c.cmdline : "", &changed, &plan_why);
	if (!newline) {
		/* The plan refuses (a line past its kernel's limit): with a reason, nothing edited. */
		if (!plan_why || !*plan_why)
			why = xstrdup("the plan refuses the edit without a reason");
		else
			printf("# %s: the plan refuses: %s\n", path, plan_why);
		*what = xasprintf("refused by the plan (%s)", xl_boot_name[v.boot]);
		n->refused++;
		goto out;
	}
	r = hvc_xlcfg_set_cmdline(text, path, newline, &out, &key, &err);
	if (r < 0) {
		const char *dummy;
		/* hvclock edits only a plain `key = "string"`: a list is a refusal xl agrees with. */
		if (r == -EINVAL && xlu_cfg_get_string(p.cfg, v.key, &dummy, 1) == EINVAL) {
			printf("# %s\n", err.msg);
			*what = xasprintf("refused (%s= is a list)", v.key);
			n->refused++;
			goto out;
		}
		why = xasprintf("xl boots it via %s, but hvclock refused the edit: %s",
			xl_boot_name[v.boot], err.msg);
		goto out;
	}
	if (!streq_ptr(key, v.key)) {
		why = xasprintf(
			"hvclock edited %s=, xl reads the line from %s=", strna(key), v.key);
		goto out;
	}
	if (!xlu_parse(out, &q)) {
		why = xasprintf("libxlutil rejects the edited text: %s", strstrip(q.buf));
		goto out;
	}
	xl_decide(&q, &v2);
	if (v2.boot != v.boot) {
		why = xasprintf("the edit changed the boot path: %s -> %s", xl_boot_name[v.boot],
			xl_boot_name[v2.boot]);
		goto out;
	}
	if (!streq_ptr(norm(v2.cmdline), norm(newline))) {
		why = xasprintf("xl builds '%s' from the edited text, the plan said '%s'",
			strna(v2.cmdline), strna(newline));
		goto out;
	}
	/* The planned line ends the clocksource question with jiffies (last occurrence wins). */
	{
		const char *last = NULL;
		for (const char *s = newline; (s = strstr(s, "clocksource=")); s++)
			if (s == newline || s[-1] == ' ')
				last = s;
		if (!last || strncmp(last, "clocksource=jiffies", 19) != 0 ||
			(last[19] && last[19] != ' ')) {
			why = xasprintf("the planned line '%s' does not end on clocksource=jiffies",
				newline);
			goto out;
		}
	}
	why = check_keys(&p, &q, text, out, v.key);
	if (why)
		goto out;
	if (streq(out, text)) {
		if (changed) {
			why = xstrdup("the plan changes the line but the text is the same");
			goto out;
		}
	} else {
		why = check_diff(text, out, v.key, xlu_str(&q, v.key));
		if (why)
			goto out;
	}
	/* Idempotent: the edited file plans no change, and the same edit again changes no byte. */
	{
		struct hvc_xlcfg c2 = { 0 };
		_cleanup_free_ char *plan2 = NULL;
		bool changed2 = true;

		if (hvc_xlcfg_parse(out, path, &c2, &err) < 0) {
			why = xasprintf("hvclock cannot read its own edit: %s", err.msg);
			goto out;
		}
		_cleanup_free_ char *why2 = NULL;
		plan2 = plan_edit(&c2, c2.has_cmdline ? c2.cmdline : "", &changed2, &why2);
		hvc_xlcfg_finish(&c2);
		if (!plan2) {
			why = xasprintf("the plan refuses the edited file: %s", strna(why2));
			goto out;
		}
		if (changed2) {
			why = xasprintf("the edited file still plans a change ('%s')", plan2);
			goto out;
		}
	}
	if (hvc_xlcfg_set_cmdline(out, path, newline, &again, NULL, &err) < 0) {
		why = xasprintf("editing again is refused: %s", err.msg);
		goto out;
	}
	if (!streq(again, out)) {
		why = xstrdup("editing again changed the text");
		goto out;
	}
	/* Rollback: the recorded old line (none: NULL) back, byte for byte. */
	if (hvc_xlcfg_set_cmdline(out, path, c.has_cmdline ? c.cmdline : NULL, &back, NULL, &err) <
		0) {
		why = xasprintf("the rollback edit is refused: %s", err.msg);
		goto out;
	}
	if (!streq(back, text)) {
		why = xstrdup("the rollback does not give back the original byte for byte");
		goto out;
	}
	if (streq(out, text)) {
		*what = xasprintf("%s, already holds clocksource=jiffies", xl_boot_name[v.boot]);
		n->unchanged++;
	} else {
		*what = xasprintf("edited (%s, %s=)", xl_boot_name[v.boot], v.key);
		n->edited++;
	}
out:
	if (why)
		n->failed++;
	hvc_xlcfg_finish(&c);
	free(v.cmdline);
	free(v2.cmdline);
	xlu_parsed_close(&p);
	xlu_parsed_close(&q);
	return why;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *dir = getenv("HVC_CORPUS_DIR");
	_cleanup_free_ char *xldir = NULL;
	_cleanup_strv_free_ char **files = NULL;
	struct counts n = { 0 };
	size_t checked = 0;
	struct timespec t0, t1;
	struct dirent *de;
	DIR *d;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!dir)
		return hvc_test_skip_all("HVC_CORPUS_DIR is not set");
	xldir = xasprintf("%s/xlcfg", dir);
	d = opendir(xldir);
	if (!d) {
		_cleanup_free_ char *reason =
			xasprintf("no corpus at %s: %s", xldir, strerror(errno));
		return hvc_test_skip_all(reason);
	}
	while ((de = readdir(d)))
		if (strlen(de->d_name) > 4 && streq(de->d_name + strlen(de->d_name) - 4, ".cfg"))
			strv_push(&files, de->d_name);
	closedir(d);
	if (files)
		qsort(files, strv_length(files), sizeof(char *), cmp_names);

	STRV_FOREACH (f, files) {
		_cleanup_free_ char *path = xasprintf("%s/%s", xldir, *f);
		_cleanup_free_ char *text = hvc_test_read_file(path);
		_cleanup_free_ char *what = NULL, *why = NULL;

		if (!text) {
			printf("# %s: cannot read: %s\n", path, strerror(errno));
			hvc_test_report(*f, false);
			n.failed++;
			continue;
		}
		/* The source name in messages: the file name (the engine passes the file's path). */
		why = check_file(*f, text, &n, &what);
		hvc_test_report_file(*f, what, why);
		checked++;
	}
	/* The corpus is there: every file in it was checked, and there are some. */
	{
		_cleanup_free_ char *pattern = xasprintf("%s/*.cfg", xldir);
		hvc_test_report_all_checked(checked, pattern);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# xlcfg corpus: %zu files: %d edited, %d already right, %d refused-with-reason, %d "
	       "invalid-input, %d failures (%.1f s)\n",
		strv_length(files), n.edited, n.unchanged, n.refused, n.invalid, n.failed,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return hvc_test_finish();
}
