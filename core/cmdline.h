/* cmdline.h: a Linux kernel command line as a list of tokens, edited as a set of parameters. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Tokenizing follows the kernel's next_arg() (lib/cmdline.c, kernel/params.c):
 * parameters are separated by the kernel's isspace() (space, \t \n \v \f \r
 * and also 0xA0, its ctype being Latin-1); a double quote toggles quoting, so
 * `a="x y"` and `"a=x y"` are single tokens (quotes are kept in the token text
 * and ignored when comparing, exactly as next_arg() strips them: a leading
 * quote of the token or of the value and the token's last character if it is
 * a quote; `x="a"b` has value `a"b`). The name ends at the first '=' not at
 * index 0. An unbalanced quote runs to the end of the line, trailing
 * whitespace included, swallowing any `--` after it.
 * Everything from the first `--` token on (a parameter named `--` without a
 * value, so `"--"` counts too, as in parse_args()) belongs to init and is never
 * matched or edited; new parameters are inserted before it, and before a last
 * token with an unbalanced quote (that would swallow them).
 *
 * Parameter names compare with '-' and '_' equal (the kernel's parameq()).
 * A "flag" is a token without '=' (`notsc`); `key=value` has one. The kernel
 * lets the last occurrence of a parameter win, so the *effective* value is
 * the last one before `--`.
 */
struct hvc_cmdline {
	char **tokens; /* NULL-terminated */
	size_t n;
	/* Per token: its index among original's tokens, SIZE_MAX for one an edit put in. */
	size_t *origin;
	/* original's tokens as byte offsets into original: [start, end) each. */
	size_t *orig_start, *orig_end, orig_n;
	/* The text parsed, returned unchanged by format() while nothing was edited. */
	char *original;
	/* The tokens differ from original's: an edit that is undone is no change. */
	bool changed;
};

/* Parse text (NULL = empty) into an uninitialized cl. Never fails: any text is a command line. */
void hvc_cmdline_parse(struct hvc_cmdline *cl, const char *text);
void hvc_cmdline_finish(struct hvc_cmdline *cl);

/*
 * The command line as text: the original text if nothing changed, else the
 * tokens joined by single spaces, except that the text between two tokens
 * that were neighbours in the original stays as it was if it holds anything
 * but spaces (a tab, newline or 0xA0: Linux <= 2.6.25 separates only at
 * spaces, so `ro<TAB>quiet` is one parameter there), as does such text
 * before the original first and after the original last token. Caller frees.
 */
char *hvc_cmdline_format(const struct hvc_cmdline *cl);

/*
 * Check a parameter given to set()/remove(): `name` or `name=value`, name
 * non-empty, made of [A-Za-z0-9_.-] and not starting with '-' (keeps `--` out);
 * value possibly empty (`key=`, which the kernel accepts), printable ASCII
 * without space and without the characters a boot config would unquote or
 * expand: " ' \ ` $ ; & | < >. Returns 0 or -EINVAL.
 */
int hvc_cmdline_param_valid(const char *param);

/* True if parameter name occurs (as a flag or with a value) before `--`. */
bool hvc_cmdline_has(const struct hvc_cmdline *cl, const char *name);
/*
 * Copy of the effective value of name, unquoted; NULL if absent or a flag,
 * "" for `name=`. Caller frees.
 */
char *hvc_cmdline_get_value(const struct hvc_cmdline *cl, const char *name);

/*
 * Make `param` hold: for `name=value`, the effective value becomes value; for
 * a flag, the effective (last) occurrence becomes the flag (`quiet=1` does not
 * count, nor does `quiet` for `quiet=`). If it already holds, nothing changes
 * (idempotent; earlier duplicates stay). Otherwise every occurrence of name
 * is removed and param is put where the last occurrence was (or appended,
 * before `--`, if absent); other tokens keep their text and order.
 * Returns 1 if changed, 0 if it already held, -EINVAL if param is invalid.
 */
int hvc_cmdline_set(struct hvc_cmdline *cl, const char *param);

/*
 * Remove a parameter: `name` removes every occurrence (flag or any value);
 * `name=value` removes only occurrences with exactly that (unquoted) value;
 * `name=` removes only empty values, never the flag.
 * Returns 1 if changed, 0 if there was nothing to remove, -EINVAL if invalid.
 */
int hvc_cmdline_remove(struct hvc_cmdline *cl, const char *param);

/*
 * Convenience: apply removes then sets to text and return the new text
 * (caller frees); *ret_changed tells whether the tokens differ from text's.
 * Removes spare the effective occurrence of a name when it already holds
 * what the sets leave for that name (the last set of it wins), so the edit
 * settles: applying it to its own output never changes it. Every
 * parameter is checked before any is applied: returns NULL with *ret_bad set
 * to the offending parameter (a pointer into set/remove) if one is invalid.
 * NULL text or lists are empty; ret_changed and ret_bad may be NULL.
 */
char *hvc_cmdline_edit(const char *text, char *const *set, char *const *remove, bool *ret_changed,
	const char **ret_bad);

/*
 * How a Linux release reads its command line (kernel/params.c next_arg() and
 * parse_args(), lib/cmdline.c since 4.x; sources in docs/remedies.md):
 *   2_6_18: <= 2.6.25: only ' ' separates parameters (a tab is part of one);
 *   2_6_26: 2.6.26 - 3.14: any isspace() separates; `--` does not end the
 *           kernel's parameters: what follows is parsed too, the last wins;
 *   3_15:   3.15 - 4.1: `--` ends them; a quoted flag keeps its closing quote
 *           (`"quiet"` is `quiet"`), so `"--"` is no separator;
 *   4_2:    4.2 and later: what the editor above implements.
 * Before 4.2 hvclock compares names as strcmp() does (2.6.x matched __setup
 * and early_param names with strcmp(): `no-kvmclock` is not `no_kvmclock`).
 * UNKNOWN is every reading at once: an edit must be right under each.
 */
enum hvc_linux_gen {
	HVC_LINUX_GEN_UNKNOWN,
	HVC_LINUX_GEN_2_6_18,
	HVC_LINUX_GEN_2_6_26,
	HVC_LINUX_GEN_3_15,
	HVC_LINUX_GEN_4_2,
	HVC_LINUX_GEN_LAST,
};

/*
 * "2.6.32-754.el6.x86_64" -> 2, 6, 32 (a missing part is 0); false if it does not start like
 * a Linux release (2.6 to 99).
 */
bool hvc_linux_release_version(const char *release, unsigned long v[3]);

/* The generation of a release (`uname -r`, or from a kernel file name); NULL or odd: UNKNOWN. */
enum hvc_linux_gen hvc_linux_gen_from_release(const char *release);
/* "unknown", "2.6.18-2.6.25", "2.6.26-3.14", "3.15-4.1", "4.2+" */
const char *hvc_linux_gen_to_string(enum hvc_linux_gen gen);

/*
 * The longest command line (bytes, without the NUL) the kernel of release
 * keeps: x86's COMMAND_LINE_SIZE, 2048 in 2.6.27 and later, 256 before (the
 * 2.6.26/2.6.27 boundary is taken on the safe side), and for a Xen PV guest no
 * more than Xen's MAX_GUEST_CMDLINE (1024). NULL or unknown: the smallest.
 */
size_t hvc_linux_cmdline_max(const char *release, bool xen_pv);

/* How many bytes an edit from old to new adds to the kernel's line (negative: removes). */
long hvc_cmdline_growth(const char *old, const char *new);

/*
 * The kernel receives more than the one value hvclock edits (GRUB's BOOT_IMAGE= root=
 * and _DEFAULT, systemd-boot's initrd=, pygrub's entry with the host's extra=), and cuts
 * the end, where hvclock appends: with running (the line it runs now, /proc/cmdline;
 * NULL: not known, nothing checked) grown by growth bytes past
 * hvc_linux_cmdline_max(release, xen_pv), returns -E2BIG with *ret_why (caller frees)
 * naming both lengths and the limit; an edit that does not grow the line passes.
 */
int hvc_cmdline_fits_running(
	const char *release, bool xen_pv, const char *running, long growth, char **ret_why);

/*
 * hvc_cmdline_edit() for a kernel of generation gen: the edit is planned,
 * then read back the way that kernel reads it (every reading for UNKNOWN):
 * each set effective, nothing a remove names left, every other parameter and
 * init argument as it was. Where the plain edit fails that (a value after
 * `--` that an old kernel still parses, a quoted flag, a '-'/'_' spelling),
 * the edit also changes what follows `--` and rewrites such tokens; if no
 * edit is right under every reading, or the new line would pass max bytes
 * (0: no limit) and is longer than text, returns NULL with *ret_why (caller
 * frees) saying why. Invalid parameters: NULL, *ret_why names the parameter.
 */
char *hvc_cmdline_edit_gen(enum hvc_linux_gen gen, size_t max, const char *text, char *const *set,
	char *const *remove, bool *ret_changed, char **ret_why);

/*
 * Whether the kernel of generation gen (every reading for UNKNOWN) reading
 * text sees each set effective and nothing a remove names: the read-back.
 */
bool hvc_cmdline_holds_gen(
	enum hvc_linux_gen gen, const char *text, char *const *set, char *const *remove);

/* The longest command line hvclock sends or edits: x86's COMMAND_LINE_SIZE without the NUL. */
#define HVC_CMDLINE_MAX 2047

/*
 * Whether text (a whole command line, or one grubby argument) may travel to a
 * guest as a data line and be edited there: at most HVC_CMDLINE_MAX bytes of
 * printable ASCII (no tab, newline or 0xA0), none of ' \ ` $ (shell quoting
 * and expansion hvclock does not edit), and for a value that lives inside a
 * shell assignment (in_shell: /etc/default/grub) no double quote either.
 * Returns 0, or -EINVAL with *ret_why (static text, may be NULL) saying why.
 */
int hvc_cmdline_text_check(const char *text, bool in_shell, const char **ret_why);

/*
 * The edit of a guest's own boot loader, computed on the host from what the
 * inspection reported; the guest only checks that old (and default_old) are
 * still there, writes new (and default_new) and reads them back.
 */
struct hvc_boot_edit {
	char *old, *new; /* GRUB_CMDLINE_LINUX's value, or grubby's default entry args */
	/* GRUB_CMDLINE_LINUX_DEFAULT's value (file only); NULL: no such assignment. */
	char *default_old, *default_new;
	/* grubby only: --remove-args and --args lists that turn old into new. */
	char **grubby_remove, **grubby_add;
	bool changed;
};

/*
 * Compute the boot loader edit for the removes then sets (as hvc_cmdline_edit()) for a
 * guest running Linux release (`uname -r`; NULL: not known, so the edit must be right under
 * every reading): new must hold under the reading of release's generation and fit
 * hvc_linux_cmdline_max(release, xen_pv) (xen_pv: hvc_guest_is_xen_pv()), and with running
 * known, the whole line must too (hvc_cmdline_fits_running(), the growth of both values).
 * grubby: old is the default entry's args; the remove/add lists are chosen so
 * that grubby (both its in-place and its remove-and-append semantics) makes
 * exactly new. Else old is GRUB_CMDLINE_LINUX's value and default_old that of
 * GRUB_CMDLINE_LINUX_DEFAULT (NULL: none), which GRUB puts after it: it loses
 * every parameter a remove names and every occurrence of a set's name that does
 * not hold the set's value (tokens equal to a set stay), so it cannot override
 * the edit. Returns 0 and fills *e (release with hvc_boot_edit_done()), or
 * -EINVAL with *ret_why (caller frees) naming the value and the cause: a value
 * that cannot be sent or edited, an invalid parameter, an edit grubby cannot make.
 * what and default_what name old and default_old in those messages
 * (hvc_boot_value_label()); NULL: grubby's default kernel command line, or
 * GRUB_CMDLINE_LINUX (_DEFAULT) in /etc/default/grub.
 */
int hvc_boot_edit_compute(const char *release, bool xen_pv, const char *running, bool grubby,
	const char *what, const char *old, const char *default_what, const char *default_old,
	char *const *set, char *const *remove, struct hvc_boot_edit *e, char **ret_why);
void hvc_boot_edit_done(struct hvc_boot_edit *e);

/*
 * The edit of one command line a boot loader keeps per file or line (a BLS entry's
 * options, /etc/kernel/cmdline, an APPEND line, default_kernel_opts, rpm-ostree's kargs),
 * named what in messages: old and new as hvc_boot_edit_compute() for the guest's
 * kernel release, xen_pv and running line (in_shell: the value
 * sits in a double-quoted shell assignment). ostree: also the lists for `rpm-ostree kargs`
 * in grubby_remove (--delete) and grubby_add (--append): every token from the first
 * difference deleted, new's rest appended; refused unless each deleted token is unique in
 * old and each appended one unique in new (so that the rollback's reverse is exact).
 */
int hvc_boot_line_compute(const char *release, bool xen_pv, const char *running, const char *what,
	const char *old, bool in_shell, bool ostree, char *const *set, char *const *remove,
	struct hvc_boot_edit *e, char **ret_why);

/*
 * hvc_boot_line_compute() for every item "ID ARGS" (ID: no spaces; /etc/update-extlinux.conf
 * is a shell assignment; "rpm-ostree" gets the kargs lists). Returns 0 with *ret (n items,
 * release with hvc_boot_edits_free()) and *ret_changed, or -EINVAL with *ret_why naming the
 * item. Also refuses no items and an ID that cannot travel as a data line.
 */
int hvc_boot_items_compute(const char *release, bool xen_pv, const char *running,
	char *const *items, char *const *set, char *const *remove, struct hvc_boot_edit **ret,
	size_t *ret_n, bool *ret_changed, char **ret_why);
void hvc_boot_edits_free(struct hvc_boot_edit *e, size_t n);
/* Whether an item ID may travel: printable ASCII, no space or shell metacharacter, short. */
bool hvc_boot_item_id_valid(const char *id);
/* "ID: ARGS; ID: ARGS" of items (new values from edits when not NULL): the plan's text. */
char *hvc_boot_items_text(char *const *items, const struct hvc_boot_edit *edits);
