/* guestscript.c: build the requests for the fixed guest scripts, parse their reports strictly. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "core/cmdline.h"
#include "core/guestscript.h"
#include "core/profile.h"
#include "core/token.h"

#define DATA_OPEN "hvc_main <<'" HVC_GUEST_DATA_END "'\n"
#define DATA_CLOSE HVC_GUEST_DATA_END "\n"
#define MAX_KEYS 256
#define MAX_CLOCKSOURCES 32
#define MAX_TIMESYNC_OUT 120 /* timesync-out lines: 40 per tool */
#define MAX_DROPIN_LINES 200

/* --- tokens (core/token.h decides what is valid) --- */

static bool valid_sysctl_key(const char *s)
{
	return hvc_token_valid(HVC_TOKEN_SYSCTL_KEY, s);
}

static bool valid_sysctl_value(const char *s)
{
	return hvc_token_valid(HVC_TOKEN_SYSCTL_VALUE, s);
}

static bool valid_clocksource(const char *s)
{
	return hvc_token_valid(HVC_TOKEN_CLOCKSOURCE, s);
}

/* For error messages about config- or guest-supplied text: escaped, bounded. */
static const char *safe(const char *s, char *buf, size_t n)
{
	_cleanup_free_ char *e = NULL;

	if (!s)
		return "(null)";
	e = hvc_escape_terminal(s);
	snprintf(buf, n, "%s", e);
	return buf;
}

/* --- requests --- */

/* Requests grow in the one output buffer (core/util.h). */
static void buf_add(struct hvc_obuf *b, const char *s, size_t n)
{
	hvc_obuf_append(b, s, n);
}

static void buf_puts(struct hvc_obuf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_line(struct hvc_obuf *b, const char *word, const char *arg)
{
	buf_puts(b, word);
	if (arg) {
		buf_puts(b, " ");
		buf_puts(b, arg);
	}
	buf_puts(b, "\n");
}

static void buf_start(struct hvc_obuf *b, const char *script, size_t len)
{
	memset(b, 0, sizeof(*b));
	buf_add(b, script, len);
	buf_puts(b, DATA_OPEN);
}

static char *buf_finish(struct hvc_obuf *b, size_t *len)
{
	size_t n;
	char *s;

	buf_puts(b, DATA_CLOSE);
	s = hvc_obuf_take(b, &n);
	if (len)
		*len = n;
	return s;
}

/* "deadline SECONDS": the scripts end their own process group once it has passed. */
static void add_deadline(struct hvc_obuf *b, int deadline_s)
{
	char n[16];

	if (deadline_s <= 0)
		return;
	snprintf(n, sizeof(n), "%d", deadline_s > 86400 ? 86400 : deadline_s);
	buf_line(b, "deadline", n);
}

char *hvc_inspect_request(char *const *sysctl_keys, bool dom0, int deadline_s, size_t *len)
{
	return hvc_inspect_request_check(sysctl_keys, dom0, false, deadline_s, len);
}

char *hvc_inspect_request_check(
	char *const *sysctl_keys, bool dom0, bool check, int deadline_s, size_t *len)
{
	struct hvc_obuf b;

	if (len)
		*len = 0;
	if (strv_length(sysctl_keys) > MAX_KEYS)
		return NULL;
	STRV_FOREACH (k, sysctl_keys)
		if (!valid_sysctl_key(*k))
			return NULL;
	buf_start(&b, hvc_script_inspect, hvc_script_inspect_len);
	STRV_FOREACH (k, sysctl_keys)
		buf_line(&b, "sysctl", *k);
	if (dom0)
		buf_line(&b, "dom0", NULL);
	if (check)
		buf_line(&b, "check", NULL);
	add_deadline(&b, deadline_s);
	return buf_finish(&b, len);
}

/* Actions the apply script handles, and the report's name for each. */
static const char *step_name(enum hvc_action_kind k)
{
	switch (k) {
	case HVC_ACTION_GUEST_BOOTLOADER:
		return "bootloader";
	case HVC_ACTION_SYSCTL:
		return "sysctl";
	case HVC_ACTION_LIVE_CLOCKSOURCE:
		return "clocksource";
	case HVC_ACTION_TIMESYNC:
		return "timesync";
	case HVC_ACTION_GUEST_RESTORE:
		return "restore";
	default:
		return NULL;
	}
}

static bool sysctl_pending(const struct hvc_guest_plan *gp)
{
	for (size_t i = 0; i < gp->n_actions; i++)
		if (gp->actions[i].kind == HVC_ACTION_SYSCTL &&
			gp->actions[i].state == HVC_ACTION_PENDING)
			return true;
	return false;
}

bool hvc_apply_carries(const struct hvc_guest_plan *gp, size_t i, bool rollback)
{
	const struct hvc_action *a = &gp->actions[i];

	if (!step_name(a->kind))
		return false;
	if (rollback)
		return true;
	if (a->kind == HVC_ACTION_GUEST_RESTORE)
		return false;
	if (a->kind == HVC_ACTION_SYSCTL)
		return a->state != HVC_ACTION_BLOCKED && sysctl_pending(gp);
	return a->state == HVC_ACTION_PENDING;
}

/* Live switch candidates: the profile's list in order, the planned target first if not in it. */
static char **clocksource_candidates(const struct hvc_guest_plan *gp, const struct hvc_action *a)
{
	char **l = NULL;

	if (a->after &&
		!(gp->decision.profile &&
			strv_contains(gp->decision.profile->live_clocksources, a->after)))
		strv_push(&l, a->after);
	if (gp->decision.profile)
		STRV_FOREACH (c, gp->decision.profile->live_clocksources)
			if (!strv_contains(l, *c))
				strv_push(&l, *c);
	return l;
}

/* A data line whose argument may be empty ("WORD" alone then). */
static void buf_text_line(struct hvc_obuf *b, const char *word, const char *text)
{
	buf_line(b, word, text && *text ? text : NULL);
}

/*
 * The item families: per item "boot-item-old ID OLD" and "boot-item-new ID NEW" (the same
 * computation as the plan's), and for rpm-ostree the kargs lists.
 */
static int add_boot_items(struct hvc_obuf *b, const struct hvc_guest *g, const struct hvc_action *a,
	struct hvc_error *err)
{
	const struct hvc_facts *f = &g->facts;
	struct hvc_boot_edit *e = NULL;
	size_t n = 0;
	bool changed = false;
	_cleanup_free_ char *why = NULL;

	if (f->bootloader_why)
		return hvc_error_set(err, -EINVAL, "%s", f->bootloader_why);
	if (hvc_boot_items_compute(f->kernel_release, hvc_guest_is_xen_pv(g), f->proc_cmdline,
		    f->boot_items, a->set, a->remove, &e, &n, &changed, &why) < 0)
		return hvc_error_set(err, -EINVAL, "%s", why);
	for (size_t i = 0; i < n; i++) {
		const char *sp = strchr(f->boot_items[i], ' ');
		_cleanup_free_ char *id = sp
			? xstrndup(f->boot_items[i], (size_t)(sp - f->boot_items[i]))
			: xstrdup(f->boot_items[i]);
		_cleanup_free_ char *o = xasprintf("%s%s%s", id, *e[i].old ? " " : "", e[i].old);
		_cleanup_free_ char *nw = xasprintf("%s%s%s", id, *e[i].new ? " " : "", e[i].new);
		buf_line(b, "boot-item-old", o);
		buf_line(b, "boot-item-new", nw);
		STRV_FOREACH (t, e[i].grubby_remove)
			buf_line(b, "boot-ostree-delete", *t);
		STRV_FOREACH (t, e[i].grubby_add)
			buf_line(b, "boot-ostree-append", *t);
	}
	hvc_boot_edits_free(e, n);
	return 0;
}

/*
 * The boot loader edit, computed here from what the inspection reported (the
 * same computation as the plan's): the expected old values, the new ones, and
 * grubby's argument lists; every value checked again.
 */
static int add_boot_edit(struct hvc_obuf *b, const struct hvc_guest_plan *gp,
	const struct hvc_action *a, struct hvc_error *err)
{
	const struct hvc_facts *f = &gp->guest->facts;
	bool grubby = f->bootloader == HVC_BOOTLOADER_GRUBBY;
	struct hvc_boot_edit e;
	_cleanup_free_ char *why = NULL, *what = NULL, *default_what = NULL;

	if (hvc_bootloader_has_items(f->bootloader))
		return add_boot_items(b, gp->guest, a, err);
	if (!f->grub_cmdline)
		return hvc_error_set(err, -EINVAL,
			"the boot loader's kernel arguments are not known (not inspected)");
	what = hvc_boot_value_label(f, false);
	default_what = hvc_boot_value_label(f, true);
	if (hvc_boot_edit_compute(f->kernel_release, hvc_guest_is_xen_pv(gp->guest),
		    f->proc_cmdline, grubby, what, f->grub_cmdline, default_what,
		    f->grub_cmdline_default, a->set, a->remove, &e, &why) < 0)
		return hvc_error_set(err, -EINVAL, "%s", why);
	buf_text_line(b, "boot-old", e.old);
	buf_text_line(b, "boot-new", e.new);
	if (e.default_old) {
		buf_text_line(b, "boot-default-old", e.default_old);
		buf_text_line(b, "boot-default-new", e.default_new);
	}
	/* The files whose assignments the edit planned from (the guest checks they still win). */
	if (!grubby && f->grub_cmdline_file) {
		if (!hvc_grub_file_sendable(f->grub_cmdline_file) ||
			(e.default_old && f->grub_cmdline_default_file &&
				!hvc_grub_file_sendable(f->grub_cmdline_default_file))) {
			hvc_boot_edit_done(&e);
			return hvc_error_set(err, -EINVAL,
				"a GRUB defaults file name hvclock does not send to the guest");
		}
		buf_line(b, "boot-file", f->grub_cmdline_file);
		if (e.default_old && f->grub_cmdline_default_file)
			buf_line(b, "boot-default-file", f->grub_cmdline_default_file);
	}
	STRV_FOREACH (t, e.grubby_remove)
		buf_line(b, "boot-grubby-remove", *t);
	STRV_FOREACH (t, e.grubby_add)
		buf_line(b, "boot-grubby-add", *t);
	hvc_boot_edit_done(&e);
	return 0;
}

static int add_action(struct hvc_obuf *b, const struct hvc_guest_plan *gp,
	const struct hvc_action *a, bool rollback, struct hvc_error *err)
{
	char t[128];

	switch (a->kind) {
	case HVC_ACTION_GUEST_BOOTLOADER: {
		enum hvc_bootloader bl = gp->guest->facts.bootloader;
		if (rollback) {
			buf_line(b, "bootloader", NULL);
			return 0;
		}
		/* the family planned for: the guest reports "stale" if it has another now */
		if (bl == HVC_BOOTLOADER_UNKNOWN || bl == HVC_BOOTLOADER_NONE)
			return hvc_error_set(err, -EINVAL, "no boot loader hvclock can edit");
		buf_line(b, "bootloader", hvc_bootloader_to_string(bl));
		return add_boot_edit(b, gp, a, err);
	}
	case HVC_ACTION_SYSCTL: {
		/* A rollback does not use the value; the line keeps one shape. */
		const char *v = rollback && !valid_sysctl_value(a->after) ? "-" : a->after;
		_cleanup_free_ char *arg = NULL;
		if (!valid_sysctl_key(a->key))
			return hvc_error_set(err, -EINVAL,
				"sysctl key '%s' cannot be sent to the guest",
				safe(a->key, t, sizeof(t)));
		if (!valid_sysctl_value(v))
			return hvc_error_set(err, -EINVAL,
				"sysctl value '%s' for %s cannot be sent to the guest",
				safe(v, t, sizeof(t)), a->key);
		arg = xasprintf("%s %s", a->key, v);
		buf_line(b, "sysctl", arg);
		return 0;
	}
	case HVC_ACTION_LIVE_CLOCKSOURCE: {
		_cleanup_strv_free_ char **c = clocksource_candidates(gp, a);
		_cleanup_free_ char *arg = NULL;
		if (!c && !rollback)
			return hvc_error_set(err, -EINVAL, "no clocksource to switch to");
		if (strv_length(c) > MAX_CLOCKSOURCES)
			return hvc_error_set(err, -EINVAL, "too many clocksource candidates");
		STRV_FOREACH (n, c)
			if (!valid_clocksource(*n))
				return hvc_error_set(err, -EINVAL,
					"clocksource '%s' cannot be sent to the guest",
					safe(*n, t, sizeof(t)));
		arg = c ? strv_join(c, " ") : NULL;
		buf_line(b, "clocksource", arg);
		return 0;
	}
	case HVC_ACTION_TIMESYNC:
		buf_line(b, "timesync", NULL);
		return 0;
	default:
		/* the guest-restore is what "mode rollback" does; it has no directive */
		return 0;
	}
}

char *hvc_apply_request(const struct hvc_guest_plan *gp, bool rollback, int deadline_s, size_t *len,
	struct hvc_error *err)
{
	struct hvc_obuf b;
	size_t n = 0;
	bool persist_sent = false;

	if (len)
		*len = 0;
	buf_start(&b, hvc_script_apply, hvc_script_apply_len);
	buf_line(&b, "mode", rollback ? "rollback" : "apply");
	if (gp->guest && gp->guest->is_host)
		buf_line(&b, "dom0", NULL);
	add_deadline(&b, deadline_s);
	for (size_t i = 0; i < gp->n_actions; i++) {
		if (!hvc_apply_carries(gp, i, rollback))
			continue;
		n++;
		/* Where sysctls persist is the plan's decision (its target), sent once. */
		if (!rollback && !persist_sent && gp->actions[i].kind == HVC_ACTION_SYSCTL &&
			streq(gp->actions[i].target, HVC_SYSCTL_CONF_PATH)) {
			buf_line(&b, "sysctl-persist", "sysctl.conf");
			persist_sent = true;
		}
		if (add_action(&b, gp, &gp->actions[i], rollback, err) < 0) {
			free(b.data);
			return NULL;
		}
	}
	if (!n && !rollback) {
		free(b.data);
		hvc_error_set(err, -EINVAL, "no guest-side action to apply");
		return NULL;
	}
	return buf_finish(&b, len);
}

/* --- reports --- */

struct line {
	const char *key; /* NUL-terminated copies inside the report's buffer */
	const char *value; /* "" when absent */
	size_t no; /* 1-based */
};

struct report {
	char *text;
	struct line *lines;
	size_t n;
};

static void report_finish(struct report *r)
{
	free(r->text);
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

/*
 * Split a report into KEY/VALUE lines after checking the byte-level rules;
 * checks the first line against "<magic> 1" and that "end" is the last line.
 */
static int report_split(
	const char *out, size_t len, const char *magic, struct report *r, struct hvc_error *err)
{
	size_t start = 0, no = 0;
	char *p;

	memset(r, 0, sizeof(*r));
	if (!out || !len)
		return hvc_error_set(err, -EPROTO, "the guest script printed nothing");
	if (len > HVC_GUEST_MAX_OUTPUT)
		return hvc_error_set(err, -EMSGSIZE, "guest output is larger than %d bytes (%zu)",
			HVC_GUEST_MAX_OUTPUT, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c == '\n') {
			if (i - start > HVC_GUEST_MAX_LINE)
				return hvc_error_set(err, -EMSGSIZE,
					"guest output line %zu is longer than %d bytes", no + 1,
					HVC_GUEST_MAX_LINE);
			start = i + 1;
			no++;
		} else if (c < 0x20 || c >= 0x7f) {
			return hvc_error_set(err, -EBADMSG,
				"guest output line %zu has a byte outside printable ASCII (0x%02x)",
				no + 1, c);
		} else if (i - start >= HVC_GUEST_MAX_LINE) {
			return hvc_error_set(err, -EMSGSIZE,
				"guest output line %zu is longer than %d bytes", no + 1,
				HVC_GUEST_MAX_LINE);
		}
	}
	if (out[len - 1] != '\n')
		return hvc_error_set(err, -EBADMSG,
			"guest output is truncated (line %zu has no end of line)", no + 1);

	r->text = xstrndup(out, len);
	r->lines = xcalloc(no, sizeof(*r->lines));
	p = r->text;
	for (size_t i = 0; i < no; i++) {
		char *nl = strchr(p, '\n'), *sp;
		*nl = '\0';
		sp = strchr(p, ' ');
		if (sp)
			*sp = '\0';
		r->lines[i].key = p;
		r->lines[i].value = sp ? sp + 1 : "";
		r->lines[i].no = i + 1;
		p = nl + 1;
	}
	r->n = no;

	if (!streq(r->lines[0].key, magic)) {
		char t[81];
		int e = hvc_error_set(err, -EPROTO, "not an %s report: the first line is '%s'",
			magic + 8, safe(r->lines[0].key, t, sizeof(t)));
		report_finish(r);
		return e;
	}
	if (!streq(r->lines[0].value, "1")) {
		char t[33];
		int e = hvc_error_set(err, -EPROTONOSUPPORT,
			"the guest speaks %s protocol version '%s'; this hvclock speaks 1", magic,
			safe(r->lines[0].value, t, sizeof(t)));
		report_finish(r);
		return e;
	}
	for (size_t i = 1; i + 1 < r->n; i++)
		if (streq(r->lines[i].key, "end") && !*r->lines[i].value) {
			int e = hvc_error_set(
				err, -EPROTO, "guest output goes on after 'end' (line %zu)", i + 1);
			report_finish(r);
			return e;
		}
	if (r->n < 2 || !streq(r->lines[r->n - 1].key, "end") || *r->lines[r->n - 1].value) {
		report_finish(r);
		return hvc_error_set(err, -EPROTO, "guest output is truncated (no 'end' line)");
	}
	return 0;
}

static int bad_line(struct hvc_error *err, const struct line *l, const char *what)
{
	char t[65];
	return hvc_error_set(err, -EPROTO, "guest report line %zu ('%s'): %s", l->no,
		safe(l->key, t, sizeof(t)), what);
}

/* "error TEXT" replaces a report's body. */
static int check_error_report(const struct report *r, struct hvc_error *err)
{
	for (size_t i = 1; i + 1 < r->n; i++)
		if (streq(r->lines[i].key, "error"))
			return hvc_error_set(err, -EPROTO,
				"the guest script refused its data: %.200s", r->lines[i].value);
	return 0;
}

enum hvc_symptom hvc_symptom_classify(const char *line)
{
	static const struct {
		const char *needle;
		enum hvc_symptom s;
	} rules[] = {
		/* most specific first: "tsc: Marking TSC unstable due to check_tsc_sync_source" */
		{ "marking tsc unstable", HVC_SYMPTOM_TSC_UNSTABLE },
		{ "tsc warp", HVC_SYMPTOM_TSC_UNSTABLE },
		{ "check_tsc_sync", HVC_SYMPTOM_TSC_UNSTABLE },
		{ "turning off tsc", HVC_SYMPTOM_TSC_UNSTABLE },
		{ "time went backwards", HVC_SYMPTOM_TIME_WENT_BACKWARDS },
		{ "override clocksource", HVC_SYMPTOM_OVERRIDE_REFUSED },
		{ "not hrt compatible", HVC_SYMPTOM_OVERRIDE_REFUSED },
		{ "cannot switch while in hrt", HVC_SYMPTOM_OVERRIDE_REFUSED },
		{ "skew is too large", HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE },
		{ "as unstable", HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE },
		{ "unstable (delta", HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE },
		{ "switched to clocksource", HVC_SYMPTOM_SWITCHED },
		{ "switching to clocksource", HVC_SYMPTOM_SWITCHED },
		{ "soft lockup", HVC_SYMPTOM_LOCKUP },
		{ "self-detected stall", HVC_SYMPTOM_LOCKUP },
		{ "hrtimer: interrupt took", HVC_SYMPTOM_LOCKUP },
	};
	char low[HVC_GUEST_MAX_LINE + 1];
	size_t i;

	for (i = 0; line[i] && i < HVC_GUEST_MAX_LINE; i++)
		low[i] = (line[i] >= 'A' && line[i] <= 'Z') ? (char)(line[i] - 'A' + 'a') : line[i];
	low[i] = '\0';
	for (i = 0; i < ELEMENTSOF(rules); i++)
		if (strstr(low, rules[i].needle))
			return rules[i].s;
	return HVC_SYMPTOM_OTHER;
}

/* menu.lst kernel argument lists the guest reports (inspect.sh sends at most 32). */

/* The inspect keys, with how often each may appear and whether it must. */
enum ikey {
	K_KERNEL_RELEASE,
	K_OS_RELEASE,
	K_UUID_DMI,
	K_BOOT_ID,
	K_UUID_XEN,
	K_CS_CURRENT,
	K_CS_AVAILABLE,
	K_CMDLINE,
	K_XEN_WALLCLOCK,
	K_CPU_FLAGS,
	K_TIMESYNC,
	K_BOOTLOADER,
	K_BOOTLOADER_ARGS,
	K_BOOTLOADER_DEFAULT_ARGS,
	K_BOOTLOADER_ITEM,
	K_BOOTLOADER_FILE,
	K_BOOTLOADER_DEFAULT_FILE,
	K_BOOTLOADER_WHY,
	K_UPTIME,
	K_SYSCTL,
	K_SYSCTL_ABSENT,
	K_DROPIN_BEGIN,
	K_DROPIN,
	K_DROPIN_END,
	K_SYSCTL_BOOT,
	K_SYSCTL_CONF,
	K_SYSCTL_CONF_OPEN,
	K_SYSCTL_FILE,
	K_SYSCTL_SET,
	K_STATE,
	K_STATE_CS,
	K_STATE_SYSCTL,
	K_STATE_BOOTLOADER,
	K_LOG_SOURCE,
	K_LOG,
	K_TIMESYNC_OUT,
	K_LAST,
};

static const struct {
	const char *name;
	bool repeat, required;
} ikeys[K_LAST] = {
	[K_KERNEL_RELEASE] = { "kernel-release", false, true },
	[K_OS_RELEASE] = { "os-release", false, false },
	[K_UUID_DMI] = { "uuid-dmi", false, false },
	[K_BOOT_ID] = { "boot-id", false, false },
	[K_UUID_XEN] = { "uuid-xen", false, false },
	[K_CS_CURRENT] = { "clocksource-current", false, false },
	[K_CS_AVAILABLE] = { "clocksource-available", false, false },
	[K_CMDLINE] = { "cmdline", false, false },
	[K_XEN_WALLCLOCK] = { "independent-wallclock", false, true },
	[K_CPU_FLAGS] = { "cpu-flags", false, false },
	[K_TIMESYNC] = { "timesync", false, true },
	[K_BOOTLOADER] = { "bootloader", false, true },
	[K_BOOTLOADER_ARGS] = { "bootloader-args", false, false },
	[K_BOOTLOADER_DEFAULT_ARGS] = { "bootloader-default-args", false, false },
	[K_BOOTLOADER_ITEM] = { "bootloader-item", true, false },
	[K_BOOTLOADER_FILE] = { "bootloader-file", false, false },
	[K_BOOTLOADER_DEFAULT_FILE] = { "bootloader-default-file", false, false },
	[K_BOOTLOADER_WHY] = { "bootloader-why", false, false },
	[K_UPTIME] = { "uptime", false, false },
	[K_SYSCTL] = { "sysctl", true, false },
	[K_SYSCTL_ABSENT] = { "sysctl-absent", true, false },
	[K_DROPIN_BEGIN] = { "dropin-begin", false, false },
	[K_DROPIN] = { "dropin", true, false },
	[K_DROPIN_END] = { "dropin-end", false, false },
	[K_SYSCTL_BOOT] = { "sysctl-boot", false, false },
	[K_SYSCTL_CONF] = { "sysctl-conf", true, false },
	[K_SYSCTL_CONF_OPEN] = { "sysctl-conf-open", false, false },
	[K_SYSCTL_FILE] = { "sysctl-file", true, false },
	[K_SYSCTL_SET] = { "sysctl-set", true, false },
	[K_STATE] = { "state", false, true },
	[K_STATE_CS] = { "state-clocksource", false, false },
	[K_STATE_SYSCTL] = { "state-sysctl", true, false },
	[K_STATE_BOOTLOADER] = { "state-bootloader", false, false },
	[K_LOG_SOURCE] = { "log-source", false, true },
	[K_LOG] = { "log", true, false },
	[K_TIMESYNC_OUT] = { "timesync-out", true, false },
};

static int ikey_lookup(const char *name)
{
	for (int i = 0; i < K_LAST; i++)
		if (streq(ikeys[i].name, name))
			return i;
	return -1;
}

static bool one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (streq(v, *set))
			return true;
	return false;
}

/* "KEY VALUE" with a valid key -> key, value (value may be ""); false if malformed. */
static bool split_key_value(const char *s, char **key, const char **value)
{
	const char *sp = strchr(s, ' ');
	*key = sp ? xstrndup(s, (size_t)(sp - s)) : xstrdup(s);
	*value = sp ? sp + 1 : "";
	if (valid_sysctl_key(*key))
		return true;
	free(*key);
	*key = NULL;
	return false;
}

static bool has_kv_key(char *const *l, const char *key)
{
	size_t n = strlen(key);
	STRV_FOREACH (s, l)
		if (strncmp(*s, key, n) == 0 && (*s)[n] == '=')
			return true;
	return false;
}

static int parse_uint(const char *s, long max, long *ret)
{
	long v = 0;

	if (!*s || strlen(s) > 12)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* A path a guest script names as evidence: absolute, [A-Za-z0-9/._-] only, short. */
static bool valid_guest_path(const char *s)
{
	if (*s != '/' || strlen(s) > 255)
		return false;
	return s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-")] ==
		'\0';
}

static int parse_inspect_line(const struct line *l, enum ikey k, struct hvc_facts *f,
	bool *in_dropin, size_t *dropin_lines, struct hvc_error *err)
{
	static const char *const timesyncs[] = { "chronyd", "ntpd", "systemd-timesyncd", "none",
		NULL };
	static const char *const log_sources[] = { "dmesg", "journalctl", "kern.log", "messages",
		"none", NULL };
	const char *v = l->value;
	_cleanup_free_ char *key = NULL;
	const char *val;
	long n;

	if (*in_dropin && k != K_DROPIN && k != K_DROPIN_END)
		return bad_line(err, l, "inside the drop-in block");
	switch (k) {
	case K_KERNEL_RELEASE:
		if (*v)
			f->kernel_release = xstrdup(v);
		return 0;
	case K_OS_RELEASE:
		if (*v)
			f->os_release = xstrdup(v);
		return 0;
	case K_UUID_DMI:
	case K_UUID_XEN:
		if (!hvc_uuid_valid(v))
			return bad_line(err, l, "not a UUID");
		*(k == K_UUID_DMI ? &f->uuid_dmi : &f->uuid_xen) = xstrdup(v);
		return 0;
	case K_BOOT_ID:
		if (!hvc_uuid_valid(v))
			return bad_line(err, l, "not a boot id");
		f->boot_id = xstrdup(v);
		return 0;
	case K_CS_CURRENT:
		if (!valid_clocksource(v))
			return bad_line(err, l, "not a clocksource name");
		f->current_clocksource = xstrdup(v);
		return 0;
	case K_CS_AVAILABLE: {
		_cleanup_strv_free_ char **names = strv_split(v, " ");
		if (strv_length(names) > MAX_CLOCKSOURCES)
			return bad_line(err, l, "too many clocksources");
		STRV_FOREACH (c, names)
			if (!valid_clocksource(*c))
				return bad_line(err, l, "not a clocksource name");
		f->available_clocksources = names ? TAKE_PTR(names) : xcalloc(1, sizeof(char *));
		return 0;
	}
	case K_CMDLINE:
		f->proc_cmdline = xstrdup(v);
		return 0;
	case K_XEN_WALLCLOCK:
		if (streq(v, "absent")) {
			f->has_independent_wallclock = HVC_NO;
			return 0;
		}
		if (strncmp(v, "present", 7) != 0 || (v[7] && v[7] != ' '))
			return bad_line(err, l, "expected 'absent' or 'present VALUE'");
		f->has_independent_wallclock = HVC_YES;
		f->independent_wallclock =
			v[7] && parse_uint(v + 8, 1000000, &n) == 0 ? (int)n : -1;
		return 0;
	case K_CPU_FLAGS: {
		_cleanup_strv_free_ char **flags = strv_split(v, " ");
		STRV_FOREACH (fl, flags)
			if (!streq(*fl, "constant_tsc") && !streq(*fl, "nonstop_tsc") &&
				!streq(*fl, "tsc_reliable"))
				return bad_line(err, l, "unknown CPU flag");
		f->constant_tsc = strv_contains(flags, "constant_tsc") ? HVC_YES : HVC_NO;
		f->nonstop_tsc = strv_contains(flags, "nonstop_tsc") ? HVC_YES : HVC_NO;
		f->tsc_reliable = strv_contains(flags, "tsc_reliable") ? HVC_YES : HVC_NO;
		return 0;
	}
	case K_TIMESYNC: {
		const char *sp = strchr(v, ' ');
		_cleanup_free_ char *name = sp ? xstrndup(v, (size_t)(sp - v)) : NULL;
		if (!name || !one_of(name, timesyncs) ||
			(!streq(sp + 1, "active") && !streq(sp + 1, "inactive")))
			return bad_line(err, l, "expected 'DAEMON active|inactive'");
		f->timesync = TAKE_PTR(name);
		f->timesync_active = streq(sp + 1, "active") ? HVC_YES : HVC_NO;
		return 0;
	}
	case K_BOOTLOADER: {
		int b = hvc_bootloader_from_string(v);
		if (b < 0 || b == HVC_BOOTLOADER_UNKNOWN)
			return bad_line(err, l, "unknown boot loader");
		f->bootloader = (enum hvc_bootloader)b;
		return 0;
	}
	case K_BOOTLOADER_ARGS:
		f->grub_cmdline = xstrdup(v);
		return 0;
	case K_BOOTLOADER_DEFAULT_ARGS:
		f->grub_cmdline_default = xstrdup(v);
		return 0;
	case K_BOOTLOADER_ITEM: {
		const char *sp = strchr(v, ' ');
		_cleanup_free_ char *id = sp ? xstrndup(v, (size_t)(sp - v)) : xstrdup(v);
		if (!hvc_boot_item_id_valid(id))
			return bad_line(err, l, "not a boot loader item name");
		if (strv_length(f->boot_items) >= HVC_BOOT_ITEMS_MAX)
			return bad_line(err, l, "too many boot loader items");
		STRV_FOREACH (t, f->boot_items) {
			size_t idlen = strlen(id);
			if (strncmp(*t, id, idlen) == 0 &&
				((*t)[idlen] == ' ' || (*t)[idlen] == '\0'))
				return bad_line(err, l, "a boot loader item reported twice");
		}
		strv_push(&f->boot_items, v);
		return 0;
	}
	case K_BOOTLOADER_FILE:
	case K_BOOTLOADER_DEFAULT_FILE:
		/* Any name under /etc/default/grub is kept (the plan blocks one it cannot send). */
		if (strncmp(v, "/etc/default/grub", 17) != 0)
			return bad_line(err, l, "not a GRUB defaults file");
		*(k == K_BOOTLOADER_FILE ? &f->grub_cmdline_file : &f->grub_cmdline_default_file) =
			xstrdup(v);
		return 0;
	case K_BOOTLOADER_WHY: /* a family found but not safe to edit, or none: what was
				  found, what is missing */
		f->bootloader_why = xstrdup(v);
		return 0;
	case K_UPTIME:
		if (parse_uint(v, 1L << 40, &n) < 0)
			return bad_line(err, l, "not a number of seconds");
		f->uptime_seconds = n;
		return 0;
	case K_SYSCTL:
	case K_STATE_SYSCTL:
		if (!split_key_value(v, &key, &val))
			return bad_line(err, l, "not a sysctl key");
		if (has_kv_key(k == K_SYSCTL ? f->sysctls : f->guest_state_sysctls, key))
			return bad_line(err, l, "repeated key");
		if (strv_length(k == K_SYSCTL ? f->sysctls : f->guest_state_sysctls) >= MAX_KEYS)
			return bad_line(err, l, "too many sysctl keys");
		strv_consume(k == K_SYSCTL ? &f->sysctls : &f->guest_state_sysctls,
			xasprintf("%s=%s", key, val));
		return 0;
	case K_SYSCTL_ABSENT:
		if (!valid_sysctl_key(v))
			return bad_line(err, l, "not a sysctl key");
		return 0;
	case K_DROPIN_BEGIN:
		*in_dropin = true;
		f->sysctl_dropin = xstrdup("");
		return 0;
	case K_DROPIN: {
		char *s;
		if (!*in_dropin)
			return bad_line(err, l, "outside the drop-in block");
		if (++*dropin_lines > MAX_DROPIN_LINES)
			return bad_line(err, l, "too many drop-in lines");
		s = xasprintf("%s%s\n", f->sysctl_dropin, v);
		free(f->sysctl_dropin);
		f->sysctl_dropin = s;
		return 0;
	}
	case K_DROPIN_END:
		if (!*in_dropin || *v)
			return bad_line(err, l, "no drop-in block to end");
		*in_dropin = false;
		return 0;
	case K_SYSCTL_BOOT: {
		const char *sp = strchr(v, ' ');
		_cleanup_free_ char *what = sp ? xstrndup(v, (size_t)(sp - v)) : xstrdup(v);
		if (!streq(what, "sysctl.d") && !streq(what, "sysctl.conf"))
			return bad_line(err, l, "expected 'sysctl.d' or 'sysctl.conf'");
		if (sp && !valid_guest_path(sp + 1))
			return bad_line(err, l, "not a path");
		f->sysctl_boot = TAKE_PTR(what);
		f->sysctl_boot_evidence = sp ? xstrdup(sp + 1) : NULL;
		return 0;
	}
	case K_SYSCTL_CONF: {
		_cleanup_strv_free_ char **w = strv_split(v, " ");
		struct hvc_sysctl_line *sl;
		if (strv_length(w) < 3 || parse_uint(w[0], 1L << 30, &n) < 0 || n == 0 ||
			(!streq(w[1], "hvclock") && !streq(w[1], "admin")) ||
			!valid_sysctl_key(w[2]))
			return bad_line(err, l, "expected 'LINE hvclock|admin KEY [VALUE]'");
		if (f->n_sysctl_conf >= MAX_DROPIN_LINES)
			return bad_line(err, l, "too many sysctl.conf lines");
		f->sysctl_conf =
			xrealloc(f->sysctl_conf, f->n_sysctl_conf + 1, sizeof(*f->sysctl_conf));
		sl = &f->sysctl_conf[f->n_sysctl_conf++];
		*sl = (struct hvc_sysctl_line){ .line = n, .hvclock = streq(w[1], "hvclock") };
		sl->key = xstrdup(w[2]);
		sl->value = strv_join(w + 3, " ");
		return 0;
	}
	case K_SYSCTL_FILE: {
		_cleanup_strv_free_ char **w = strv_split(v, " ");
		size_t nw = strv_length(w);
		if (nw < 1 || nw > 2 || !valid_guest_path(w[0]) ||
			(nw == 2 && !valid_guest_path(w[1])))
			return bad_line(err, l, "expected 'PATH [TARGET]'");
		if (f->n_sysctl_files >= MAX_DROPIN_LINES)
			return bad_line(err, l, "too many sysctl.d files");
		f->sysctl_files =
			xrealloc(f->sysctl_files, f->n_sysctl_files + 1, sizeof(*f->sysctl_files));
		f->sysctl_files[f->n_sysctl_files++] = (struct hvc_sysctl_file){
			.path = xstrdup(w[0]),
			.target = nw == 2 ? xstrdup(w[1]) : NULL,
		};
		return 0;
	}
	case K_SYSCTL_SET: {
		_cleanup_strv_free_ char **w = strv_split(v, " ");
		struct hvc_sysctl_line *sl;
		bool listed = false;
		if (strv_length(w) < 3 || !valid_guest_path(w[0]) ||
			parse_uint(w[1], 1L << 30, &n) < 0 || n == 0 || !valid_sysctl_key(w[2]))
			return bad_line(err, l, "expected 'PATH LINE KEY [VALUE]'");
		for (size_t i = 0; i < f->n_sysctl_files; i++)
			listed = listed || streq(f->sysctl_files[i].path, w[0]);
		if (!listed)
			return bad_line(err, l, "a file not listed by sysctl-file");
		if (f->n_sysctl_sets >= MAX_DROPIN_LINES)
			return bad_line(err, l, "too many sysctl.d assignments");
		f->sysctl_sets =
			xrealloc(f->sysctl_sets, f->n_sysctl_sets + 1, sizeof(*f->sysctl_sets));
		sl = &f->sysctl_sets[f->n_sysctl_sets++];
		*sl = (struct hvc_sysctl_line){ .line = n };
		sl->path = xstrdup(w[0]);
		sl->key = xstrdup(w[2]);
		sl->value = strv_join(w + 3, " ");
		return 0;
	}
	case K_SYSCTL_CONF_OPEN:
		if (parse_uint(v, 1L << 30, &n) < 0 || n == 0)
			return bad_line(err, l, "not a line number");
		f->sysctl_conf_open = n;
		return 0;
	case K_STATE:
		if (!streq(v, "present") && !streq(v, "absent"))
			return bad_line(err, l, "expected 'present' or 'absent'");
		f->has_guest_state = streq(v, "present");
		return 0;
	case K_STATE_CS:
		if (*v && !valid_clocksource(v))
			return bad_line(err, l, "not a clocksource name");
		f->guest_state_clocksource = *v ? xstrdup(v) : NULL;
		return 0;
	case K_STATE_BOOTLOADER: {
		int b = hvc_bootloader_from_string(v);
		if (b < 0 || b == HVC_BOOTLOADER_UNKNOWN || b == HVC_BOOTLOADER_NONE)
			return bad_line(err, l, "unknown boot loader");
		f->guest_state_bootloader = true;
		return 0;
	}
	case K_LOG_SOURCE:
		if (!one_of(v, log_sources))
			return bad_line(err, l, "unknown log source");
		f->log_source = xstrdup(v);
		return 0;
	case K_LOG:
		if (f->n_log >= HVC_GUEST_MAX_LOG)
			return hvc_error_set(err, -EMSGSIZE,
				"guest report has more than %d log lines", HVC_GUEST_MAX_LOG);
		if (*v)
			hvc_facts_add_log(f, hvc_symptom_classify(v), v);
		return 0;
	case K_TIMESYNC_OUT: {
		static const char *const tools[] = { "chronyc", "ntpq", "timedatectl", NULL };
		const char *sp = strchr(v, ' ');
		_cleanup_free_ char *tool = sp ? xstrndup(v, (size_t)(sp - v)) : xstrdup(v);
		if (!one_of(tool, tools))
			return bad_line(err, l, "expected 'chronyc|ntpq|timedatectl TEXT'");
		if (strv_length(f->timesync_out) >= MAX_TIMESYNC_OUT)
			return bad_line(err, l, "too many time sync tool lines");
		strv_push(&f->timesync_out, v);
		return 0;
	}
	case K_LAST:
		break;
	}
	return bad_line(err, l, "unknown key");
}

int hvc_inspect_parse(const char *out, size_t len, struct hvc_facts *facts, struct hvc_error *err)
{
	struct report r;
	struct hvc_facts f;
	unsigned seen[K_LAST] = { 0 };
	bool in_dropin = false, state_lines = false;
	size_t dropin_lines = 0;
	int ret;

	ret = report_split(out, len, "hvclock-inspect", &r, err);
	if (ret < 0)
		return ret;
	ret = check_error_report(&r, err);
	if (ret < 0)
		goto out;

	hvc_facts_init(&f);
	for (size_t i = 1; i + 1 < r.n; i++) {
		const struct line *l = &r.lines[i];
		int k = ikey_lookup(l->key);
		if (k < 0) {
			ret = bad_line(err, l, "unknown key");
			break;
		}
		if (seen[k]++ && !ikeys[k].repeat) {
			ret = bad_line(err, l, "repeated");
			break;
		}
		if (k == K_STATE_CS || k == K_STATE_SYSCTL || k == K_STATE_BOOTLOADER)
			state_lines = true;
		ret = parse_inspect_line(l, (enum ikey)k, &f, &in_dropin, &dropin_lines, err);
		if (ret < 0)
			break;
	}
	if (ret >= 0 && in_dropin)
		ret = hvc_error_set(err, -EPROTO, "guest report: the drop-in block has no end");
	for (int k = 0; ret >= 0 && k < K_LAST; k++)
		if (ikeys[k].required && !seen[k])
			ret = hvc_error_set(
				err, -EPROTO, "guest report has no '%s' line", ikeys[k].name);
	if (ret >= 0 && state_lines && !f.has_guest_state)
		ret = hvc_error_set(err, -EPROTO, "guest report has state lines but no state");
	if (ret < 0) {
		hvc_facts_finish(&f);
		goto out;
	}
	f.inspected = true;
	f.kernel_release_source = xstrdup("guest");
	hvc_facts_finish(facts);
	*facts = f;
	ret = 0;
out:
	report_finish(&r);
	return ret;
}

/* --- clock samples (`hvclock check`) --- */

/* Constant, like the scripts: no data. date's %N is GNU's (busybox prints it as is): else
 * whole seconds, which the parser marks as such. */
const char hvc_time_request[] = "echo 'hvclock-time 1'\n"
				"hvc_t=$(date +%s.%N 2>/dev/null </dev/null)\n"
				"case $hvc_t in '' | *[!0-9.]* | .* | *. | *.*.*)\n"
				"\thvc_t=$(date +%s 2>/dev/null </dev/null) ;;\n"
				"esac\n"
				"echo \"clock $hvc_t\"\n"
				"echo end\n";
const size_t hvc_time_request_len = sizeof(hvc_time_request) - 1;

int hvc_time_parse(const char *out, size_t len, int64_t *ret_ns, bool *ret_whole_seconds,
	struct hvc_error *err)
{
	struct report r;
	const char *v, *dot;
	int64_t sec = 0, ns = 0;
	size_t nd, nf = 0;
	int ret;

	ret = report_split(out, len, "hvclock-time", &r, err);
	if (ret < 0)
		return ret;
	if (r.n != 3 || !streq(r.lines[1].key, "clock")) {
		ret = hvc_error_set(err, -EPROTO, "guest clock report: expected one 'clock' line");
		goto out;
	}
	v = r.lines[1].value;
	dot = strchr(v, '.');
	nd = dot ? (size_t)(dot - v) : strlen(v);
	if (dot)
		nf = strlen(dot + 1);
	if (nd < 1 || nd > 10 || strspn(v, "0123456789") != nd || (dot && (nf < 1 || nf > 9)) ||
		(dot && strspn(dot + 1, "0123456789") != nf)) {
		ret = hvc_error_set(
			err, -EPROTO, "guest clock report: 'clock' is not SECONDS[.FRACTION]");
		goto out;
	}
	for (size_t i = 0; i < nd; i++)
		sec = sec * 10 + (v[i] - '0');
	/* 10 digits fit an int64 of seconds, but not every one of nanoseconds */
	if (sec > (INT64_MAX - 999999999) / 1000000000LL) {
		ret = hvc_error_set(err, -EPROTO, "guest clock report: 'clock' is out of range");
		goto out;
	}
	for (size_t i = 0; i < 9; i++)
		ns = ns * 10 + (i < nf ? dot[1 + i] - '0' : 0);
	*ret_ns = sec * 1000000000LL + ns;
	*ret_whole_seconds = !dot;
	ret = 0;
out:
	report_finish(&r);
	return ret;
}

/* --- apply report --- */

static const struct {
	const char *word;
	enum hvc_result r;
} statuses[] = {
	{ "applied", HVC_RESULT_APPLIED },
	{ "in-place", HVC_RESULT_IN_PLACE },
	{ "deferred", HVC_RESULT_DEFERRED },
	{ "skipped", HVC_RESULT_SKIPPED },
	{ "failed", HVC_RESULT_FAILED },
	{ "stale", HVC_RESULT_STALE },
};

/* The carried action a "result STEP [KEY] ..." line is about; rest = after STEP [KEY]. */
static struct hvc_action *result_target(struct hvc_guest_plan *gp, bool rollback, const char *v,
	const char **rest, bool *known_step)
{
	const char *sp = strchr(v, ' ');
	size_t n = sp ? (size_t)(sp - v) : strlen(v);
	const char *after = sp ? sp + 1 : "";
	_cleanup_free_ char *key = NULL;
	static const char *const steps[] = { "bootloader", "sysctl", "clocksource", "timesync",
		"restore", NULL };

	*known_step = false;
	*rest = after;
	for (const char *const *s = steps; *s; s++)
		if (strlen(*s) == n && strncmp(v, *s, n) == 0)
			*known_step = true;
	if (!*known_step)
		return NULL;
	if (n == 6 && strncmp(v, "sysctl", 6) == 0) {
		const char *sp2 = strchr(after, ' ');
		key = sp2 ? xstrndup(after, (size_t)(sp2 - after)) : xstrdup(after);
		*rest = sp2 ? sp2 + 1 : "";
	}
	for (size_t i = 0; i < gp->n_actions; i++) {
		struct hvc_action *a = &gp->actions[i];
		const char *name = step_name(a->kind);
		if (!name || strlen(name) != n || strncmp(name, v, n) != 0 ||
			!hvc_apply_carries(gp, i, rollback))
			continue;
		if (key && !streq_ptr(a->key, key))
			continue;
		return a;
	}
	return NULL;
}

/* A rollback plan is the one with a guest-restore action (core/rollout.c). */
static bool plan_is_rollback(const struct hvc_guest_plan *gp)
{
	for (size_t i = 0; i < gp->n_actions; i++)
		if (gp->actions[i].kind == HVC_ACTION_GUEST_RESTORE)
			return true;
	return false;
}

static void fail_carried(struct hvc_guest_plan *gp, bool rollback, const char *msg)
{
	for (size_t i = 0; i < gp->n_actions; i++)
		if (hvc_apply_carries(gp, i, rollback))
			hvc_action_set_result(&gp->actions[i], HVC_RESULT_FAILED, "%s", msg);
}

int hvc_apply_parse(const char *out, size_t len, struct hvc_guest_plan *gp, struct hvc_error *err)
{
	struct report r;
	struct hvc_error e = { 0 };
	bool rollback = false;
	bool *done = xcalloc(gp->n_actions + 1, sizeof(bool));
	int ret;

	ret = report_split(out, len, "hvclock-apply", &r, &e);
	if (ret < 0)
		goto fail_all;
	ret = check_error_report(&r, &e);
	if (ret < 0)
		goto fail_all;
	if (r.n < 3 || !streq(r.lines[1].key, "mode") ||
		(!streq(r.lines[1].value, "apply") && !streq(r.lines[1].value, "rollback"))) {
		ret = hvc_error_set(&e, -EPROTO, "guest apply report has no mode line");
		goto fail_all;
	}
	rollback = streq(r.lines[1].value, "rollback");
	for (size_t i = 2; i + 1 < r.n; i++) {
		const struct line *l = &r.lines[i];
		const char *rest, *sp, *detail;
		bool known;
		struct hvc_action *a;
		size_t n;
		int status = -1;

		if (!streq(l->key, "result")) {
			ret = bad_line(&e, l, "unknown key");
			goto fail_all;
		}
		a = result_target(gp, rollback, l->value, &rest, &known);
		if (!known) {
			ret = bad_line(&e, l, "unknown step");
			goto fail_all;
		}
		if (!a)
			continue; /* a step this request did not carry */
		if (done[a - gp->actions]) {
			ret = bad_line(&e, l, "second result for the same step");
			goto fail_all;
		}
		done[a - gp->actions] = true;
		sp = strchr(rest, ' ');
		n = sp ? (size_t)(sp - rest) : strlen(rest);
		detail = sp ? sp + 1 : NULL;
		for (size_t s = 0; s < ELEMENTSOF(statuses); s++)
			if (strlen(statuses[s].word) == n &&
				strncmp(rest, statuses[s].word, n) == 0)
				status = (int)statuses[s].r;
		if (status < 0)
			hvc_action_set_result(a, HVC_RESULT_FAILED,
				"the guest script reported an unknown result '%.*s'",
				(int)(n > 32 ? 32 : n), rest);
		else if (detail && *detail)
			hvc_action_set_result(a, (enum hvc_result)status, "%s", detail);
		else
			hvc_action_set_result(a, (enum hvc_result)status,
				status == HVC_RESULT_FAILED ? "failed in the guest"
					: status == HVC_RESULT_STALE
					? "changed in the guest since the plan"
					: NULL);
	}
	for (size_t i = 0; i < gp->n_actions; i++)
		if (hvc_apply_carries(gp, i, rollback) && !done[i])
			hvc_action_set_result(&gp->actions[i], HVC_RESULT_FAILED,
				"the guest script reported no result for this step");
	free(done);
	report_finish(&r);
	return 0;

fail_all:
	/* The mode is not known from a broken report; the plan tells. */
	fail_carried(gp, rollback || plan_is_rollback(gp), e.msg);
	if (err && !hvc_error_is_set(err))
		*err = e;
	free(done);
	report_finish(&r);
	return ret;
}
