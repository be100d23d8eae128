/* plan.c: turn a guest and its chosen remedy into actions with before/after values. */
#include <errno.h>
#include <stdio.h>

#include "core/cmdline.h"
#include "core/plan.h"
#include "core/restart.h"

HVC_ENUM_IMPL(hvc_action_kind, HVC_ACTION_LAST, "host-cmdline", "guest-bootloader", "sysctl",
	"live-clocksource", "timesync", "guest-restore")
HVC_ENUM_IMPL(hvc_action_state, HVC_ACTION_STATE_LAST, "pending", "in-place", "waiting-power-cycle",
	"blocked")
HVC_ENUM_IMPL(hvc_result, HVC_RESULT_LAST, "none", "applied", "in-place", "deferred", "skipped",
	"failed", "stale")
HVC_ENUM_IMPL(hvc_plan_status, HVC_PLAN_STATUS_LAST, "changes-pending", "nothing-to-do",
	"waiting-power-cycle", "no-remedy", "skipped", "blocked", "failed")

#define HVC_SYSCTL_DROPIN "/etc/sysctl.d/90-hvclock.conf"
#define HVC_CLOCKSOURCE_FILE "/sys/devices/system/clocksource/clocksource0/current_clocksource"

bool hvc_action_kind_is_guest_side(enum hvc_action_kind k)
{
	return k != HVC_ACTION_HOST_CMDLINE;
}

static struct hvc_action *add_action(
	struct hvc_guest_plan *gp, enum hvc_action_kind kind, const char *target)
{
	struct hvc_action *a;

	gp->actions = xrealloc(gp->actions, gp->n_actions + 1, sizeof(*gp->actions));
	a = &gp->actions[gp->n_actions++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->target = xstrdup(target);
	return a;
}

void hvc_action_set_result(struct hvc_action *a, enum hvc_result r, const char *fmt, ...)
{
	va_list ap;

	a->result = r;
	a->error_kind = r == HVC_RESULT_STALE            ? HVC_ERRKIND_STALE
		: r != HVC_RESULT_FAILED                 ? HVC_ERRKIND_NONE
		: hvc_action_kind_is_guest_side(a->kind) ? HVC_ERRKIND_GUEST_SCRIPT
							 : HVC_ERRKIND_BACKEND;
	free(a->result_msg);
	a->result_msg = NULL;
	if (fmt) {
		va_start(ap, fmt);
		a->result_msg = xvasprintf(fmt, ap);
		va_end(ap);
	}
}

bool hvc_action_changed(const struct hvc_action *a)
{
	return !a->check_only &&
		(a->result == HVC_RESULT_APPLIED ||
			(a->result == HVC_RESULT_DEFERRED && a->state == HVC_ACTION_PENDING));
}

bool hvc_guest_plan_changed(const struct hvc_guest_plan *gp)
{
	for (size_t i = 0; i < gp->n_actions; i++)
		if (hvc_action_changed(&gp->actions[i]))
			return true;
	return false;
}

/*
 * The state of a cmdline that is already right in the config: in effect, or
 * waiting? The running line is read back as the guest's kernel reads it.
 */
static enum hvc_action_state running_state(
	enum hvc_linux_gen gen, const char *running, char *const *set, char *const *remove)
{
	if (running && !hvc_cmdline_holds_gen(gen, running, set, remove))
		return HVC_ACTION_POWER_CYCLE;
	return HVC_ACTION_IN_PLACE;
}

/*
 * The release of the guest's kernel, for how it reads its line and how long a line it
 * keeps: the inspected uname -r, else the one infer_host_facts() took from the host's
 * kernel file name (hvc_kernel_release_from_path()); NULL: not known.
 */
static const char *guest_release(const struct hvc_guest *g)
{
	return hvc_policy_kernel_release(g);
}

static enum hvc_linux_gen guest_gen(const struct hvc_guest *g)
{
	return hvc_linux_gen_from_release(guest_release(g));
}

/*
 * A boot loader that keeps a command line per file or line (hvc_bootloader_has_items()),
 * or one that cannot be edited safely (bootloader_why): every item's new value computed
 * here; before/after list them all.
 */
static struct hvc_action *plan_boot_items(struct hvc_guest_plan *gp, const struct hvc_profile *p)
{
	const struct hvc_guest *g = gp->guest;
	const struct hvc_facts *f = &g->facts;
	const char *where = g->is_host ? "dom0" : "guest";
	_cleanup_free_ char *target = NULL, *why = NULL;
	struct hvc_boot_edit *e = NULL;
	size_t n = 0;
	bool changed = false;
	struct hvc_action *a;
	int r = f->bootloader_why
		? -EINVAL
		: hvc_boot_items_compute(f->kernel_release, hvc_guest_is_xen_pv(g), f->proc_cmdline,
			  f->boot_items, p->cmdline_set, p->cmdline_remove, &e, &n, &changed, &why);

	switch (f->bootloader) {
	case HVC_BOOTLOADER_RPM_OSTREE: {
		_cleanup_free_ char *del = NULL;
		if (r == 0 && changed) {
			_cleanup_strv_free_ char **args = NULL;
			STRV_FOREACH (t, e[0].grubby_remove)
				strv_consume(&args, xasprintf("--delete=%s", *t));
			STRV_FOREACH (t, e[0].grubby_add)
				strv_consume(&args, xasprintf("--append=%s", *t));
			del = strv_join(args, " ");
			target = xasprintf("%s boot loader: rpm-ostree kargs %s", where, del);
		} else {
			target = xasprintf("%s boot loader: rpm-ostree kargs", where);
		}
		break;
	}
	case HVC_BOOTLOADER_SYSTEMD_BOOT:
		target = xasprintf("%s /etc/kernel/cmdline and the loader entries' options lines "
				   "(systemd-boot, no kernel-install run)",
			where);
		break;
	case HVC_BOOTLOADER_BLS:
		target = xasprintf("%s BLS entries' options lines (/boot/loader/entries, no "
				   "grubby) and /etc/kernel/cmdline",
			where);
		break;
	case HVC_BOOTLOADER_UPDATE_EXTLINUX:
		target = xasprintf("%s /etc/update-extlinux.conf default_kernel_opts, then "
				   "update-extlinux",
			where);
		break;
	case HVC_BOOTLOADER_EXTLINUX:
		target = xasprintf("%s extlinux/syslinux APPEND lines", where);
		break;
	case HVC_BOOTLOADER_MENU_LST:
		target = xasprintf("%s /boot/grub/menu.lst kernel lines (every entry)", where);
		break;
	default:
		target = xasprintf("%s boot loader", where);
		break;
	}
	a = add_action(gp, HVC_ACTION_GUEST_BOOTLOADER, target);
	a->takes_effect = xstrdup("reboot");
	a->before = f->boot_items ? hvc_boot_items_text(f->boot_items, NULL) : NULL;
	if (f->bootloader_why || r < 0) {
		a->state = HVC_ACTION_BLOCKED;
		a->note = xasprintf("%s's boot loader cannot be edited: %s",
			g->is_host ? "dom0" : "the guest",
			f->bootloader_why ? f->bootloader_why : why);
	} else {
		a->after = hvc_boot_items_text(f->boot_items, e);
		if (changed) {
			a->state = HVC_ACTION_PENDING;
			a->note = xstrdup(g->is_host ? "takes effect at the host's next reboot"
						     : "takes effect at the guest's next reboot");
		} else {
			a->state = running_state(
				guest_gen(g), f->proc_cmdline, p->cmdline_set, p->cmdline_remove);
			if (a->state == HVC_ACTION_POWER_CYCLE)
				a->note = xstrdup(g->is_host
						? "configured; waiting for the host to reboot"
						: "configured; waiting for the guest to reboot");
		}
	}
	hvc_boot_edits_free(e, n);
	return a;
}

/*
 * For the GRUB defaults families: true, with *ret_why, if a winning assignment of
 * GRUB_CMDLINE_LINUX or _DEFAULT is in a file whose name hvclock does not send, or holds a
 * value built with shell quoting or expansions (e.g. "$GRUB_CMDLINE_LINUX_DEFAULT foo" in a
 * grub.d override): the reason names the file. hvc_boot_edit_compute() checks the rest.
 */
static bool grub_files_why(const struct hvc_facts *f, char **ret_why)
{
	const char *why = NULL;

	if (f->bootloader != HVC_BOOTLOADER_UPDATE_GRUB &&
		f->bootloader != HVC_BOOTLOADER_GRUB2_MKCONFIG &&
		f->bootloader != HVC_BOOTLOADER_GRUB_MKCONFIG)
		return false;
	if (f->grub_cmdline_file && !hvc_grub_file_sendable(f->grub_cmdline_file)) {
		*ret_why = xasprintf("GRUB_CMDLINE_LINUX wins in '%s', a file name hvclock "
				     "does not handle",
			f->grub_cmdline_file);
		return true;
	}
	if (f->grub_cmdline_default && f->grub_cmdline_default_file &&
		!hvc_grub_file_sendable(f->grub_cmdline_default_file)) {
		*ret_why = xasprintf("GRUB_CMDLINE_LINUX_DEFAULT wins in '%s', a file name "
				     "hvclock does not handle",
			f->grub_cmdline_default_file);
		return true;
	}
	if (f->grub_cmdline && f->grub_cmdline_file &&
		hvc_cmdline_text_check(f->grub_cmdline, true, &why) < 0) {
		*ret_why = xasprintf("GRUB_CMDLINE_LINUX in %s %s", f->grub_cmdline_file, why);
		return true;
	}
	if (f->grub_cmdline_default && f->grub_cmdline_default_file &&
		hvc_cmdline_text_check(f->grub_cmdline_default, true, &why) < 0) {
		*ret_why = xasprintf(
			"GRUB_CMDLINE_LINUX_DEFAULT in %s %s", f->grub_cmdline_default_file, why);
		return true;
	}
	return false;
}

static void plan_cmdline(struct hvc_guest_plan *gp, const struct hvc_profile *p)
{
	struct hvc_guest *g = gp->guest;
	const struct hvc_facts *f = &g->facts;
	struct hvc_action *a;
	bool changed = false;
	enum hvc_linux_gen gen = guest_gen(g);

	if (!p->cmdline_set && !p->cmdline_remove)
		return;

	if (hvc_boot_path_host_cmdline_reaches_kernel(g->boot)) {
		/* The host holds the kernel line: edit it there (libvirt <cmdline>, xl extra=). */
		a = add_action(gp, HVC_ACTION_HOST_CMDLINE,
			g->cmdline_location ? g->cmdline_location : "host configuration");
		/* Xen hands a PV guest at most MAX_GUEST_CMDLINE bytes (start_info). */
		bool xen_pv = hvc_guest_is_xen_pv(g);
		_cleanup_free_ char *why = NULL;

		a->before = xstrdup_or_null(g->has_cmdline ? g->cmdline : NULL);
		a->after =
			hvc_cmdline_edit_gen(gen, hvc_linux_cmdline_max(guest_release(g), xen_pv),
				g->has_cmdline ? g->cmdline : "", p->cmdline_set, p->cmdline_remove,
				&changed, &why);
		/*
		 * The guest's kernel may get more than this value (pygrub: the guest's entry,
		 * then extra=): with its running line known, check the whole line grown.
		 */
		if (a->after && changed &&
			hvc_cmdline_fits_running(guest_release(g), xen_pv, f->proc_cmdline,
				hvc_cmdline_growth(a->before, a->after), &why) < 0) {
			free(a->after);
			a->after = NULL;
		}
		a->takes_effect = xstrdup(g->reboot_applies ? "reboot" : "power-cycle");
		if (!a->after) {
			/* Refused here: a line the guest's kernel would read otherwise. */
			a->state = HVC_ACTION_BLOCKED;
			a->note = xasprintf("the kernel line in %s cannot be edited: %s",
				g->cmdline_location ? g->cmdline_location
						    : "the host configuration",
				why);
		} else if (changed) {
			a->state = HVC_ACTION_PENDING;
			a->note = xstrdup(g->reboot_applies
					? "takes effect when the guest next reboots"
					: "takes effect at the next power-cycle (shutdown or "
					  "destroy, "
					  "then start), not at a reboot");
		} else {
			/* Config is right; is the running kernel? Prefer the guest's own view. */
			const char *running = f->proc_cmdline ? f->proc_cmdline : g->live_cmdline;
			a->state = running_state(gen, running, p->cmdline_set, p->cmdline_remove);
			if (a->state == HVC_ACTION_POWER_CYCLE)
				a->note =
					xasprintf("configured; the running guest still has the old "
						  "command line until it is %s",
						g->reboot_applies ? "rebooted" : "power-cycled");
		}
	} else if (hvc_bootloader_has_items(f->bootloader) ||
		(f->bootloader_why && f->bootloader != HVC_BOOTLOADER_NONE)) {
		a = plan_boot_items(gp, p);
	} else {
		/*
		 * The host has no kernel line that reaches Linux (firmware boot, pvgrub):
		 * a host-side <cmdline>/extra= would break the next start, so the
		 * change goes into the guest's own boot loader.
		 */
		const char *where = g->is_host ? "dom0" : "guest";
		/* the file whose assignment wins (an /etc/default/grub.d override) */
		const char *gfile =
			f->grub_cmdline_file ? f->grub_cmdline_file : "/etc/default/grub";
		_cleanup_free_ char *target = NULL, *why = NULL;
		_cleanup_free_ char *what = hvc_boot_value_label(f, false);
		_cleanup_free_ char *default_what = hvc_boot_value_label(f, true);
		struct hvc_boot_edit edit = { 0 };
		switch (f->bootloader) {
		case HVC_BOOTLOADER_GRUBBY:
			target = xasprintf("%s boot loader: grubby --update-kernel=ALL", where);
			break;
		case HVC_BOOTLOADER_UPDATE_GRUB:
			target = xasprintf(
				"%s %s GRUB_CMDLINE_LINUX, then update-grub", where, gfile);
			break;
		case HVC_BOOTLOADER_GRUB2_MKCONFIG:
			target = xasprintf(
				"%s %s GRUB_CMDLINE_LINUX, then grub2-mkconfig", where, gfile);
			break;
		case HVC_BOOTLOADER_GRUB_MKCONFIG:
			target = xasprintf("%s %s GRUB_CMDLINE_LINUX, then grub-mkconfig -o "
					   "/boot/grub/grub.cfg",
				where, gfile);
			break;
		case HVC_BOOTLOADER_GRUB_LEGACY:
			target = xasprintf("%s /boot/grub/menu.lst '# kopt=', then update-grub "
					   "(grub-legacy)",
				where);
			break;
		default:
			target = xasprintf("%s boot loader (grubby, or /etc/default/grub "
					   "GRUB_CMDLINE_LINUX)",
				where);
			break;
		}
		a = add_action(gp, HVC_ACTION_GUEST_BOOTLOADER, target);
		a->takes_effect = xstrdup("reboot");
		a->before = xstrdup_or_null(f->grub_cmdline);
		if (f->bootloader == HVC_BOOTLOADER_NONE) {
			a->state = HVC_ACTION_BLOCKED;
			a->note = xasprintf("%s has no boot loader hvclock can edit: %s",
				g->is_host ? "dom0" : "the guest",
				f->bootloader_why ? f->bootloader_why
						  : "found no grubby, no /etc/default/grub");
		} else if (grub_files_why(f, &why)) {
			/* Refused here: a winning assignment hvclock cannot name or edit. */
			a->state = HVC_ACTION_BLOCKED;
			a->note = xasprintf("%s's boot loader cannot be edited: %s",
				g->is_host ? "dom0" : "the guest", why);
		} else if (g->is_host && !f->grub_cmdline) {
			a->state = HVC_ACTION_PENDING;
			a->note = xstrdup("dom0's kernel line is known after inspecting dom0");
		} else if (!f->grub_cmdline) {
			a->state = HVC_ACTION_PENDING;
			a->note = xstrdup(g->boot == HVC_BOOT_PVGRUB
					? "the host config boots pvgrub, so the kernel line lives "
					  "in the "
					  "guest's GRUB; current value known after inspection"
					: "the host config has no kernel, so the kernel line lives "
					  "in the "
					  "guest's boot loader; current value known after "
					  "inspection");
		} else if (hvc_boot_edit_compute(f->kernel_release, hvc_guest_is_xen_pv(g),
				   f->proc_cmdline, f->bootloader == HVC_BOOTLOADER_GRUBBY, what,
				   f->grub_cmdline, default_what, f->grub_cmdline_default,
				   p->cmdline_set, p->cmdline_remove, &edit, &why) < 0) {
			/* Refused here, not guessed in the guest. */
			a->state = HVC_ACTION_BLOCKED;
			a->note = xasprintf("%s's boot loader cannot be edited: %s",
				g->is_host ? "dom0" : "the guest", why);
		} else {
			a->after = xstrdup(edit.new);
			if (edit.changed) {
				a->state = HVC_ACTION_PENDING;
				if (edit.default_old && !streq(edit.default_old, edit.default_new))
					a->note = xasprintf("%s; %s becomes '%s' so that it cannot "
							    "override the change",
						g->is_host
							? "takes effect at the host's next reboot"
							: "takes effect at the guest's next reboot",
						default_what, edit.default_new);
				else
					a->note = xstrdup(g->is_host ? "takes effect at the host's "
								       "next reboot (the "
								       "hypervisor's own options "
								       "are not touched)"
								     : "takes effect at the "
								       "guest's next reboot");
			} else {
				a->state = running_state(
					gen, f->proc_cmdline, p->cmdline_set, p->cmdline_remove);
				if (a->state == HVC_ACTION_POWER_CYCLE) {
					free(a->takes_effect);
					a->takes_effect = xstrdup("reboot");
					a->note = xstrdup(g->is_host
							? "configured; waiting for the host to "
							  "reboot"
							: "configured; waiting for the guest to "
							  "reboot");
				}
			}
		}
		hvc_boot_edit_done(&edit);
	}
	a->set = strv_copy(p->cmdline_set);
	a->remove = strv_copy(p->cmdline_remove);
}

const char *hvc_facts_sysctl_live(const struct hvc_facts *f, const char *key)
{
	size_t n = strlen(key);
	STRV_FOREACH (s, f->sysctls)
		if (strncmp(*s, key, n) == 0 && (*s)[n] == '=')
			return *s + n + 1;
	return NULL;
}

static bool dropin_has(const struct hvc_facts *f, const char *key, const char *value)
{
	_cleanup_free_ char *line = xasprintf("%s = %s", key, value);
	_cleanup_strv_free_ char **lines =
		f->sysctl_dropin ? strv_split(f->sysctl_dropin, "\n") : NULL;
	return strv_contains(lines, line);
}

/* The guest's boot reads only /etc/sysctl.conf: hvclock's keys go into its marked block. */
static bool sysctl_conf_only(const struct hvc_facts *f)
{
	return f->sysctl_boot && streq(f->sysctl_boot, "sysctl.conf");
}

/*
 * A key planned into /etc/sysctl.conf: in place when the file's last assignment of it (what
 * sysctl -p leaves at boot: it applies in order) is hvclock's, with the value; the note names
 * why the file and the admin's own lines for the key, which the block (always last) overrides.
 */
static void plan_sysctl_conf(const struct hvc_facts *f, const struct hvc_sysctl *s,
	const char *live, struct hvc_action *a)
{
	const struct hvc_sysctl_line *last = NULL;
	_cleanup_free_ char *note = NULL;

	note = xasprintf("this guest's boot reads only " HVC_SYSCTL_CONF_PATH " (%s%s): hvclock's "
			 "marked block, last in the file",
		f->sysctl_boot_evidence ? "seen in " : "no /etc/sysctl.d reader found",
		f->sysctl_boot_evidence ? f->sysctl_boot_evidence : "");
	for (size_t i = 0; i < f->n_sysctl_conf; i++) {
		const struct hvc_sysctl_line *l = &f->sysctl_conf[i];
		if (!streq(l->key, s->key))
			continue;
		last = l;
		if (!l->hvclock && !streq(l->value, s->value)) {
			char *n = xasprintf("%s; overrides '%s = %s' at line %ld", note, l->key,
				l->value, l->line);
			free(note);
			note = n;
		}
	}
	if (f->sysctl_conf_open) {
		a->state = HVC_ACTION_BLOCKED;
		a->note = xasprintf(HVC_SYSCTL_CONF_PATH
			" has hvclock's begin marker at line %ld without "
			"its end marker: mend it by hand",
			f->sysctl_conf_open);
		return;
	}
	if (live && streq(live, s->value) && last && last->hvclock && streq(last->value, s->value))
		a->state = HVC_ACTION_IN_PLACE;
	else
		a->state = HVC_ACTION_PENDING;
	a->note = TAKE_PTR(note);
}

/*
 * Who reads the sysctl files at boot, from the inspection's sysctl-boot evidence:
 * systemd-sysctl (sysctl.d(5), systemd 252: *.conf in /etc, /run, /usr/local/lib, /usr/lib,
 * /lib sysctl.d; a name in an earlier directory hides it further down; all sorted by file name;
 * a later assignment overrides; /etc/sysctl.conf only through a link such as Debian's
 * /etc/sysctl.d/99-sysctl.conf), Red Hat initscripts' apply_sysctl (EL6: /etc/sysctl.conf first,
 * then every /etc/sysctl.d/ file in glob order but editor and rpm backups), or another script
 * (procps "sysctl --system", Upstart's procps job, OpenRC: the *.conf files by name, then
 * /etc/sysctl.conf last; names are not taken as hiding each other: the safe reading).
 */
enum sysctl_reader { SYSCTL_READER_SYSTEMD, SYSCTL_READER_EL6, SYSCTL_READER_SCRIPT };

static const char *const sysctl_dirs[] = { "/etc/sysctl.d", "/run/sysctl.d",
	"/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d", NULL };

static enum sysctl_reader sysctl_reader(const struct hvc_facts *f)
{
	const char *e = f->sysctl_boot_evidence;
	if (e && str_endswith(e, "/systemd-sysctl"))
		return SYSCTL_READER_SYSTEMD;
	if (e && (streq(e, "/etc/rc.d/rc.sysinit") || streq(e, "/etc/rc.d/init.d/functions")))
		return SYSCTL_READER_EL6;
	return SYSCTL_READER_SCRIPT;
}

struct sysctl_read {
	const struct hvc_sysctl_file *file;
	const char *name;
	size_t dir, idx;
};

static int sysctl_read_cmp(const void *a, const void *b)
{
	const struct sysctl_read *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->dir != y->dir ? (x->dir < y->dir ? -1 : 1) : (x->idx < y->idx ? -1 : 1);
}

/* Does the reader read this file (DIR the index in sysctl_dirs, NAME its file name)? */
static bool sysctl_file_read(enum sysctl_reader r, size_t dir, const char *name)
{
	static const char *const el6_ignored[] = { "~", ".bak", ".orig", ".rpmnew", ".rpmorig",
		".rpmsave", NULL };
	if (r != SYSCTL_READER_EL6)
		return str_endswith(name, ".conf");
	if (dir != 0)
		return false;
	for (const char *const *x = el6_ignored; *x; x++)
		if (str_endswith(name, *x))
			return false;
	return true;
}

/*
 * The assignment of KEY the guest's next boot applies last after hvclock's drop-in, from the
 * inspection's facts, or NULL; *via the symlink's target for the message.
 */
static const struct hvc_sysctl_line *sysctl_boot_winner(
	const struct hvc_facts *f, const char *key, const char **via)
{
	enum sysctl_reader r = sysctl_reader(f);
	const char *ours = strrchr(HVC_SYSCTL_DROPIN, '/') + 1;
	const struct hvc_sysctl_line *win = NULL;
	struct sysctl_read *v = xcalloc(f->n_sysctl_files + 1, sizeof(struct sysctl_read));
	size_t n = 0;

	*via = NULL;
	for (size_t i = 0; i < f->n_sysctl_files; i++) {
		const struct hvc_sysctl_file *sf = &f->sysctl_files[i];
		const char *name = strrchr(sf->path, '/') + 1;
		size_t d = 0;
		while (sysctl_dirs[d] &&
			!(strlen(sysctl_dirs[d]) == (size_t)(name - 1 - sf->path) &&
				strncmp(sf->path, sysctl_dirs[d], strlen(sysctl_dirs[d])) == 0))
			d++;
		if (!sysctl_dirs[d] || !sysctl_file_read(r, d, name) || strcmp(name, ours) <= 0)
			continue;
		v[n++] = (struct sysctl_read){ sf, name, d, i };
	}
	qsort(v, n, sizeof(*v), sysctl_read_cmp);
	for (size_t i = 0; i < n; i++) {
		/* systemd-sysctl: the first directory's file of a name hides the others */
		if (r == SYSCTL_READER_SYSTEMD && i > 0 && streq(v[i].name, v[i - 1].name)) {
			v[i].file = v[i - 1].file;
			continue;
		}
		for (size_t j = 0; j < f->n_sysctl_sets; j++) {
			const struct hvc_sysctl_line *l = &f->sysctl_sets[j];
			if (streq(l->path, v[i].file->path) && streq(l->key, key)) {
				win = l;
				*via = v[i].file->target;
			}
		}
	}
	free(v);
	if (r == SYSCTL_READER_SCRIPT) /* /etc/sysctl.conf last */
		for (size_t i = 0; i < f->n_sysctl_conf; i++)
			if (!f->sysctl_conf[i].hvclock && streq(f->sysctl_conf[i].key, key)) {
				win = &f->sysctl_conf[i];
				*via = NULL;
			}
	return win;
}

/* Blocks A when another assignment of S's key, with another value, wins at the next boot. */
static bool sysctl_overridden(
	const struct hvc_guest *g, const struct hvc_sysctl *s, struct hvc_action *a)
{
	const struct hvc_facts *f = &g->facts;
	const char *via = NULL;
	const struct hvc_sysctl_line *w;
	static const char *const readers[] = { "systemd-sysctl", "apply_sysctl",
		"sysctl --system" };

	if (!f->sysctl_boot || !streq(f->sysctl_boot, "sysctl.d"))
		return false;
	w = sysctl_boot_winner(f, s->key, &via);
	if (!w || streq(w->value, s->value))
		return false;
	a->state = HVC_ACTION_BLOCKED;
	free(a->note);
	a->note = xasprintf(
		"at %s's next boot %s%s%s line %ld '%s = %s' is read after " HVC_SYSCTL_DROPIN
		" (%s) and wins: hvclock does not edit files "
		"it does not own, an operator must decide",
		g->name, w->path ? w->path : HVC_SYSCTL_CONF_PATH, via ? " -> " : "",
		via ? via : "", w->line, w->key, w->value, readers[sysctl_reader(f)]);
	return true;
}

static void plan_sysctls(struct hvc_guest_plan *gp, const struct hvc_profile *p)
{
	const struct hvc_guest *g = gp->guest;
	const struct hvc_facts *f = &g->facts;
	bool conf = sysctl_conf_only(f);

	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct hvc_sysctl *s = &p->sysctls[i];
		struct hvc_condition c = { HVC_COND_SYSCTL_EXISTS, (char *[]){ s->key, NULL } };
		enum hvc_tristate exists = hvc_condition_eval(&c, g);
		const char *live = hvc_facts_sysctl_live(f, s->key);
		struct hvc_action *a;

		if (exists == HVC_NO && s->only_if_exists)
			continue; /* key absent in this kernel: pushing it would break sysctl -p */
		a = add_action(
			gp, HVC_ACTION_SYSCTL, conf ? HVC_SYSCTL_CONF_PATH : HVC_SYSCTL_DROPIN);
		a->key = xstrdup(s->key);
		a->before = xstrdup_or_null(live);
		a->after = xstrdup(s->value);
		a->takes_effect = xstrdup("now");
		if (exists == HVC_UNKNOWN) {
			a->state = HVC_ACTION_PENDING;
			a->note = s->only_if_exists
				? xasprintf("only if the key exists in %s",
					  g->is_host ? "dom0" : "the guest")
				: xstrdup("current value known after inspection");
		} else if (exists == HVC_NO) {
			a->state = HVC_ACTION_BLOCKED;
			a->note = xasprintf("the key does not exist in %s kernel",
				g->is_host ? "dom0's" : "the guest's");
		} else if (conf) {
			plan_sysctl_conf(f, s, live, a);
		} else if (sysctl_overridden(g, s, a)) {
			continue;
		} else if (live && streq(live, s->value) && dropin_has(f, s->key, s->value)) {
			a->state = HVC_ACTION_IN_PLACE;
		} else {
			a->state = HVC_ACTION_PENDING;
			if (live && streq(live, s->value))
				a->note = xstrdup("live value is right but not persisted");
		}
	}
}

static bool cmdline_sets_clocksource(const struct hvc_profile *p, const char *name)
{
	_cleanup_free_ char *param = xasprintf("clocksource=%s", name);
	return strv_contains(p->cmdline_set, param);
}

static void plan_live(struct hvc_guest_plan *gp, const struct hvc_profile *p)
{
	const struct hvc_facts *f = &gp->guest->facts;
	struct hvc_action *a;
	const char *target = NULL;
	_cleanup_free_ char *wanted = NULL;

	if (!p->live_clocksources)
		return;
	wanted = strv_join(p->live_clocksources, " ");
	a = add_action(gp, HVC_ACTION_LIVE_CLOCKSOURCE, HVC_CLOCKSOURCE_FILE);
	a->before = xstrdup_or_null(f->current_clocksource);
	a->takes_effect = xstrdup("now");

	if (!f->available_clocksources) {
		a->state = HVC_ACTION_PENDING;
		a->note = xasprintf("the first the guest offers of: %s", wanted);
		return;
	}
	STRV_FOREACH (c, p->live_clocksources)
		if (strv_contains(f->available_clocksources, *c)) {
			target = *c;
			break;
		}
	if (target) {
		a->after = xstrdup(target);
		a->state = f->current_clocksource && streq(f->current_clocksource, target)
			? HVC_ACTION_IN_PLACE
			: HVC_ACTION_PENDING;
		return;
	}
	_cleanup_free_ char *avail = strv_join(f->available_clocksources, " ");
	a->after = xstrdup(p->live_clocksources[0]);
	if (f->current_clocksource && streq(f->current_clocksource, p->live_clocksources[0])) {
		a->state = HVC_ACTION_IN_PLACE;
	} else if (cmdline_sets_clocksource(p, p->live_clocksources[0])) {
		/* e.g. jiffies on a tickless kernel: not offered live, the boot parameter does it. */
		a->state = HVC_ACTION_POWER_CYCLE;
		a->note = xasprintf("not offered by the running kernel (available: %s); the boot "
				    "parameter applies it at the next boot",
			avail);
	} else {
		a->state = HVC_ACTION_BLOCKED;
		a->note = xasprintf(
			"none of %s is offered by the guest (available: %s)", wanted, avail);
	}
}

static void plan_timesync(struct hvc_guest_plan *gp, const struct hvc_profile *p)
{
	const struct hvc_facts *f = &gp->guest->facts;
	const char *where = gp->guest->is_host ? "dom0" : "the guest";
	struct hvc_action *a;

	if (!p->timesync_required)
		return;
	a = add_action(gp, HVC_ACTION_TIMESYNC,
		gp->guest->is_host ? "time sync daemon in dom0" : "time sync daemon in the guest");
	a->check_only = true;
	a->before = xstrdup_or_null(f->timesync);
	if (f->timesync_active == HVC_YES) {
		a->state = HVC_ACTION_IN_PLACE;
	} else if (f->timesync_active == HVC_NO) {
		a->state = HVC_ACTION_BLOCKED;
		a->note = xasprintf("this remedy needs a running time sync daemon (chrony or ntpd) "
				    "in %s; hvclock does not install one",
			where);
	} else {
		a->state = HVC_ACTION_PENDING;
		a->note = xasprintf("this remedy needs a running time sync daemon in %s "
				    "(checked at inspection)",
			where);
	}
}

void hvc_guest_plan_update_status(struct hvc_guest_plan *gp)
{
	bool pending = false, waiting = false;

	if (gp->status == HVC_PLAN_SKIPPED || gp->status == HVC_PLAN_FAILED ||
		gp->status == HVC_PLAN_NO_REMEDY)
		return;
	free(gp->status_reason);
	gp->status_reason = NULL;
	for (size_t i = 0; i < gp->n_actions; i++) {
		const struct hvc_action *a = &gp->actions[i];
		if (a->check_only)
			continue;
		switch (a->state) {
		case HVC_ACTION_BLOCKED:
			if (!gp->status_reason)
				gp->status_reason = xasprintf("%s: %s",
					hvc_action_kind_to_string(a->kind), strna(a->note));
			break;
		case HVC_ACTION_PENDING:
			pending = true;
			break;
		case HVC_ACTION_POWER_CYCLE:
			waiting = true;
			break;
		default:
			break;
		}
	}
	if (gp->status_reason)
		gp->status = HVC_PLAN_BLOCKED;
	else if (pending)
		gp->status = HVC_PLAN_PENDING;
	else if (waiting)
		gp->status = HVC_PLAN_POWER_CYCLE;
	else
		gp->status = HVC_PLAN_NOTHING;
	gp->error_kind = gp->status == HVC_PLAN_BLOCKED ? HVC_ERRKIND_BLOCKED : HVC_ERRKIND_NONE;
}

/* Fill in what the host alone tells about the guest kernel. */
static void infer_host_facts(struct hvc_guest *g)
{
	if (g->facts.kernel_release || !g->kernel)
		return;
	g->facts.kernel_release = hvc_kernel_release_from_path(g->kernel);
	if (g->facts.kernel_release)
		g->facts.kernel_release_source = xstrdup("host kernel path");
}

static void skip(struct hvc_guest_plan *gp, const char *why)
{
	gp->status = HVC_PLAN_SKIPPED;
	gp->status_reason = xstrdup(why);
}

void hvc_plan_guest(const struct hvc_profile_set *set, struct hvc_guest *g,
	const struct hvc_profile *forced, struct hvc_guest_plan *gp)
{
	const struct hvc_profile *p;

	hvc_guest_plan_reset(gp, g);

	if (g->state != HVC_STATE_RUNNING && g->state != HVC_STATE_PAUSED) {
		skip(gp, "not running");
		return;
	}
	if (!g->persistent) {
		skip(gp,
			"transient guest: no persistent definition to change "
			"(make it persistent with 'virsh define' first)");
		return;
	}
	infer_host_facts(g);
	hvc_policy_decide(set, g, forced, &gp->decision);
	p = gp->decision.profile;
	if (!p && gp->decision.refused) {
		gp->status = HVC_PLAN_BLOCKED;
		gp->error_kind = HVC_ERRKIND_BLOCKED;
		gp->status_reason = xstrdup(gp->decision.reason);
		return;
	}
	if (!p) {
		gp->status = HVC_PLAN_NO_REMEDY;
		return;
	}
	if (gp->decision.nothing_to_do) {
		gp->status = HVC_PLAN_NOTHING;
		return;
	}
	plan_cmdline(gp, p);
	plan_sysctls(gp, p);
	plan_live(gp, p);
	plan_timesync(gp, p);
	gp->status = HVC_PLAN_PENDING;
	hvc_guest_plan_update_status(gp);
}

/* --- the host row --- */

/* The name part of a kernel parameter or "key=value" sysctl, '-' and '_' equal for params. */
static char *param_name(const char *param, bool kernel)
{
	char *name = xstrndup(param, strcspn(param, "="));
	if (kernel)
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
	return name;
}

/*
 * Add each of items to *into unless there; an item with the name of one
 * there but another value is a conflict: returns it (nothing added after it).
 */
static const char *merge_items(
	char ***into, char **ret_conflict, char *const *items, bool kernel, const char *profile)
{
	STRV_FOREACH (it, items) {
		_cleanup_free_ char *name = param_name(*it, kernel);
		bool found = false;

		for (size_t i = 0; (*into) && (*into)[i]; i++) {
			_cleanup_free_ char *other = param_name((*into)[i], kernel);
			const char *v1 = strchr(*it, '='), *v2 = strchr((*into)[i], '=');
			if (!streq(name, other))
				continue;
			if (!streq_ptr(v1, v2)) {
				*ret_conflict =
					xasprintf("'%s' (%s) and '%s'", *it, profile, (*into)[i]);
				return *it;
			}
			found = true;
		}
		if (!found)
			strv_push(into, *it);
	}
	return NULL;
}

/* "xen-wa2 (chosen for domu1, domu2 and 3 more)": profile with the first guests that chose it. */
static char *profile_users(const struct hvc_plan *plan, const struct hvc_profile *p)
{
	_cleanup_strv_free_ char **users = NULL;
	size_t n = 0;

	for (size_t i = 0; i < plan->n; i++)
		if (plan->guests[i].decision.profile == p) {
			if (n++ < 3)
				strv_push(&users, plan->guests[i].guest->name);
		}
	_cleanup_free_ char *list = strv_join(users, ", ");
	if (n > 3)
		return xasprintf("%s (chosen for %s and %zu more)", p->name, list, n - 3);
	return xasprintf("%s (chosen for %s)", p->name, list);
}

void hvc_plan_host(struct hvc_plan *plan, struct hvc_guest *host, bool named)
{
	_cleanup_strv_free_ char **names = NULL, **why = NULL, **cmdline = NULL, **sysctls = NULL;
	_cleanup_strv_free_ char **absent = NULL;
	_cleanup_free_ char *conflict = NULL;
	struct hvc_guest_plan *gp;
	struct hvc_profile *hp;
	bool timesync = false;

	for (size_t i = 0; i < plan->n; i++) {
		const struct hvc_guest_plan *g = &plan->guests[i];
		const struct hvc_profile *p = g->decision.profile;

		if (!p || g->status == HVC_PLAN_SKIPPED || g->status == HVC_PLAN_FAILED ||
			g->status == HVC_PLAN_NO_REMEDY || !hvc_profile_has_host_part(p))
			continue;
		/* Several hosts in the run: only this dom0's own guests (host->host, its label). */
		if (host->host && !streq_ptr(g->guest->host, host->host))
			continue;
		if (strv_contains(names, p->name))
			continue;
		if (merge_items(&cmdline, &conflict, p->host_cmdline_set, true, p->name) ||
			merge_items(&sysctls, &conflict, p->host_sysctls, false, p->name))
			break;
		strv_push(&names, p->name);
		strv_consume(&why, profile_users(plan, p));
		timesync = timesync || p->host_timesync_required;
	}
	if (!names && !conflict && !named)
		return;

	hp = xcalloc(1, sizeof(*hp));
	hp->name = names ? strv_join(names, "+") : xstrdup("none");
	hp->summary = xstrdup("the dom0 side ([host]) of the remedies chosen for the guests");
	hp->cmdline_set = TAKE_PTR(cmdline);
	hp->timesync_required = timesync;
	STRV_FOREACH (kv, sysctls) {
		const char *eq = strchr(*kv, '=');
		hp->sysctls = xrealloc(hp->sysctls, hp->n_sysctls + 1, sizeof(*hp->sysctls));
		hp->sysctls[hp->n_sysctls++] = (struct hvc_sysctl){
			.key = xstrndup(*kv, (size_t)(eq - *kv)),
			.value = xstrdup(eq + 1),
			.only_if_exists = true,
		};
	}
	plan->host_profile = hp;
	plan->host = gp = xcalloc(1, sizeof(*gp));
	gp->guest = host;
	gp->decision.profile = hp;

	if (conflict) {
		gp->status = HVC_PLAN_BLOCKED;
		gp->error_kind = HVC_ERRKIND_BLOCKED;
		gp->status_reason = xasprintf(
			"the guests' remedies want different values in dom0: %s", conflict);
		gp->decision.reason = xstrdup(gp->status_reason);
		return;
	}
	if (!names) {
		gp->status = HVC_PLAN_NOTHING;
		gp->decision.reason =
			xstrdup("no remedy chosen for the selected guests changes dom0");
		return;
	}
	for (size_t i = 0; i < hp->n_sysctls; i++) {
		struct hvc_condition c = { HVC_COND_SYSCTL_EXISTS,
			(char *[]){ hp->sysctls[i].key, NULL } };
		if (hvc_condition_eval(&c, host) == HVC_NO)
			strv_push(&absent, hp->sysctls[i].key);
	}
	_cleanup_free_ char *list = strv_join(why, "; ");
	_cleanup_free_ char *abs = strv_join(absent, " ");
	gp->decision.reason = xasprintf("needed in dom0 by %s%s%s%s", list, absent ? "; " : "", abs,
		!absent                           ? ""
			: strv_length(absent) > 1 ? " do not exist in dom0: left out"
						  : " does not exist in dom0: left out");
	plan_cmdline(gp, hp);
	plan_sysctls(gp, hp);
	plan_timesync(gp, hp);
	gp->status = HVC_PLAN_PENDING;
	hvc_guest_plan_update_status(gp);
}

void hvc_plan_guest_skipped(struct hvc_guest *g, const char *why, struct hvc_guest_plan *gp)
{
	hvc_guest_plan_reset(gp, g);
	skip(gp, why);
}

void hvc_plan_guest_failed(
	struct hvc_guest *g, enum hvc_error_kind kind, const char *why, struct hvc_guest_plan *gp)
{
	hvc_guest_plan_reset(gp, g);
	gp->status = HVC_PLAN_FAILED;
	gp->error_kind = kind;
	gp->status_reason = xstrdup(why);
}

void hvc_reach_finish(struct hvc_reach *r)
{
	free(r->address);
	free(r->address_source);
	free(r->jump);
	free(r->inspect_error);
	free(r->identity_detail);
	strv_free(r->addresses_refused);
	memset(r, 0, sizeof(*r));
}

void hvc_guest_plan_reset(struct hvc_guest_plan *gp, struct hvc_guest *g)
{
	struct hvc_reach keep = gp->reach;

	memset(&gp->reach, 0, sizeof(gp->reach));
	hvc_guest_plan_finish(gp);
	gp->reach = keep;
	gp->guest = g;
}

void hvc_guest_plan_finish(struct hvc_guest_plan *gp)
{
	for (size_t i = 0; i < gp->n_actions; i++) {
		struct hvc_action *a = &gp->actions[i];
		free(a->target);
		free(a->key);
		free(a->before);
		free(a->after);
		strv_free(a->set);
		strv_free(a->remove);
		free(a->note);
		free(a->takes_effect);
		free(a->result_msg);
	}
	free(gp->actions);
	free(gp->status_reason);
	free(gp->result_msg);
	hvc_restart_free(gp->restart);
	hvc_reach_finish(&gp->reach);
	hvc_decision_finish(&gp->decision);
	memset(gp, 0, sizeof(*gp));
}

struct hvc_guest_plan *hvc_plan_add(struct hvc_plan *plan)
{
	plan->guests = xrealloc(plan->guests, plan->n + 1, sizeof(*plan->guests));
	memset(&plan->guests[plan->n], 0, sizeof(plan->guests[0]));
	return &plan->guests[plan->n++];
}

void hvc_plan_finish(struct hvc_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		hvc_guest_plan_finish(&plan->guests[i]);
	free(plan->guests);
	plan->guests = NULL;
	plan->n = 0;
	if (plan->host) {
		hvc_guest_plan_finish(plan->host);
		free(plan->host);
		plan->host = NULL;
	}
	hvc_profile_free(plan->host_profile);
	plan->host_profile = NULL;
	for (size_t i = 0; i < plan->n_hosts; i++) {
		free(plan->hosts[i].name);
		free(plan->hosts[i].uri);
		free(plan->hosts[i].error);
	}
	free(plan->hosts);
	plan->hosts = NULL;
	plan->n_hosts = 0;
}

void hvc_plan_count(const struct hvc_plan *plan, struct hvc_plan_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < plan->n; i++) {
		c->guests++;
		switch (plan->guests[i].status) {
		case HVC_PLAN_PENDING:
			c->pending++;
			break;
		case HVC_PLAN_NOTHING:
			c->nothing++;
			break;
		case HVC_PLAN_POWER_CYCLE:
			c->power_cycle++;
			break;
		case HVC_PLAN_NO_REMEDY:
			c->no_remedy++;
			break;
		case HVC_PLAN_SKIPPED:
			c->skipped++;
			break;
		case HVC_PLAN_BLOCKED:
			c->blocked++;
			break;
		case HVC_PLAN_FAILED:
		case HVC_PLAN_STATUS_LAST:
			c->failed++;
			break;
		}
	}
}
