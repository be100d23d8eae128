/* profile.h: remedy profiles, loaded from data files in templates/profiles/. */
#pragma once

#include <stdbool.h>

#include "core/error.h"
#include "core/guest.h"

/*
 * A profile names one remedy: what it changes and where it applies. The file
 * format is INI (core/inifile.h, the schema is the table in profile.c), documented in templates/profiles/README.md:
 *
 *   [profile]   name, summary, source, row (docs/remedies.md §4 row), priority, auto
 *               (name = file name without ".profile"; priority -1000..1000, default 0;
 *               auto defaults to no: only profiles that say auto = yes are chosen by matching)
 *   [match]     conditions that must hold, every one; a fact not known yet fails it.
 *               More blocks may follow as [match:LABEL]; the profile matches if any block holds.
 *   [expect]    conditions that must not be contradicted; unknown passes, shown as unverified
 *   [done-if]   conditions under which the guest needs nothing (profile matched, no action);
 *               all must hold, unknown does not hold
 *   [cmdline]   set = PARAM..., remove = PARAM...   (kernel command line, as a set)
 *   [sysctl:KEY] value = V, only-if-exists = yes|no   (default yes)
 *   [live]      clocksource = NAME...   (first one listed as available in the guest wins)
 *   [timesync]  required = yes|no
 *   [host]      sysctl = KEY=V..., cmdline-set = PARAM..., timesync = yes|no
 *               (dom0 side, Xen; timesync: check that a time sync daemon runs in dom0)
 *
 * Condition keys (values are space-separated lists; any element may match):
 *   hypervisor, guest-type, boot-path, kernel (fnmatch globs on the kernel release),
 *   current-clocksource, available-clocksource, symptom (hvc_symptom names),
 *   sysctl-exists (sysctl key names; all must exist), cpu-flags (all must be set),
 *   os-id (fnmatch globs on the libosinfo id in the domain metadata; a host-side
 *   hint that only counts while the guest's kernel release is not known; allowed
 *   only in [match] blocks, and never in the same block as kernel), arch (the
 *   guest's architecture, libvirt's names: x86_64 i686 aarch64 ...).
 *
 * A profile needs at least one [match] block and must change something ([cmdline],
 * [sysctl:KEY], [live], [host], or [timesync] required = yes); one that changes
 * nothing is accepted only with a [done-if] (it claims matching guests as fine).
 */

enum hvc_cond_kind {
	HVC_COND_HYPERVISOR,
	HVC_COND_GUEST_TYPE,
	HVC_COND_BOOT_PATH,
	HVC_COND_KERNEL,
	HVC_COND_CURRENT_CLOCKSOURCE,
	HVC_COND_AVAILABLE_CLOCKSOURCE,
	HVC_COND_SYMPTOM,
	HVC_COND_SYSCTL_EXISTS,
	HVC_COND_CPU_FLAGS,
	HVC_COND_OS_ID,
	HVC_COND_ARCH,
	HVC_COND_LAST,
};
HVC_ENUM_DECL(hvc_cond_kind);

struct hvc_condition {
	enum hvc_cond_kind kind;
	char **values;
};

struct hvc_match_block {
	char *label; /* "" for [match], LABEL for [match:LABEL] */
	struct hvc_condition *conds;
	size_t n;
};

struct hvc_sysctl {
	char *key;
	char *value;
	bool only_if_exists;
};

struct hvc_profile {
	char *path; /* file it came from */
	char *name;
	char *summary;
	char *source;
	char *row; /* "X1", "K2", ... */
	int priority; /* higher is tried first */
	bool auto_select; /* false: only with --profile or a per-guest config */

	/* [match] blocks: any block holds = match; every condition of a block must hold. */
	struct hvc_match_block *match;
	size_t n_match;
	struct hvc_condition *expect;
	size_t n_expect;
	struct hvc_condition *done_if;
	size_t n_done_if;

	char **cmdline_set;
	char **cmdline_remove;
	struct hvc_sysctl *sysctls;
	size_t n_sysctls;
	char **live_clocksources; /* in order of preference */
	bool timesync_required;

	char **host_sysctls; /* "key=value", dom0 side, only where the key exists */
	char **host_cmdline_set; /* dom0 kernel command line */
	bool host_timesync_required; /* check: a time sync daemon runs in dom0 */
};

/* The profile changes (or checks) something in dom0: [host]. */
bool hvc_profile_has_host_part(const struct hvc_profile *p);

struct hvc_profile_set {
	struct hvc_profile **profiles; /* sorted: priority descending, then name */
	size_t n;
};

/*
 * Load one profile file. On error returns negative (-EINVAL for content, -errno
 * if the file cannot be read), sets *ret to NULL and err to "PATH:LINE: what is
 * wrong" (unknown section or key, bad value, missing name, malformed cmdline
 * parameter, ...; the first error in the file).
 */
int hvc_profile_load(const char *path, struct hvc_profile **ret, struct hvc_error *err);
/* Accepts NULL. */
void hvc_profile_free(struct hvc_profile *p);

/*
 * Load every "*.profile" file of dir (in file-name order; hidden files are
 * skipped). Duplicate names are an error. An empty or missing directory is an
 * error (hvclock cannot decide anything without profiles), and so is any invalid
 * profile: the whole load fails, never a partial set. On error *ret is empty.
 */
int hvc_profile_set_load(const char *dir, struct hvc_profile_set *ret, struct hvc_error *err);
void hvc_profile_set_finish(struct hvc_profile_set *set);
/* The profile called name (borrowed from set), or NULL. */
const struct hvc_profile *hvc_profile_set_find(const struct hvc_profile_set *set, const char *name);
