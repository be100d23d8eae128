/* plan.h: what hvclock would change for a guest, as a list of actions with before/after. */
#pragma once

#include "core/guest.h"
#include "core/policy.h"

enum hvc_action_kind {
	HVC_ACTION_HOST_CMDLINE, /* host-held cmdline: libvirt <os><cmdline>, xl extra=/cmdline= */
	HVC_ACTION_GUEST_BOOTLOADER, /* the guest's GRUB: grubby, or GRUB_CMDLINE_LINUX + regenerate */
	HVC_ACTION_SYSCTL, /* sysctl drop-in in the guest */
	HVC_ACTION_LIVE_CLOCKSOURCE, /* current_clocksource in the guest */
	HVC_ACTION_TIMESYNC, /* check only: a time sync daemon must run in the guest */
	HVC_ACTION_GUEST_RESTORE, /* rollback: restore the guest's files and clocksource */
	HVC_ACTION_LAST,
};
HVC_ENUM_DECL(
	hvc_action_kind); /* "host-cmdline", "guest-bootloader", "sysctl", "live-clocksource", "timesync", "guest-restore" */

/* Whether an action happens on the host or inside the guest (over the transport). */
bool hvc_action_kind_is_guest_side(enum hvc_action_kind k);

enum hvc_action_state {
	HVC_ACTION_PENDING, /* a change rollout would make */
	HVC_ACTION_IN_PLACE, /* already as wanted */
	HVC_ACTION_POWER_CYCLE, /* config already changed, running guest waits for a power-cycle/reboot */
	HVC_ACTION_BLOCKED, /* wanted, but cannot be done (note says why) */
	HVC_ACTION_STATE_LAST,
};
HVC_ENUM_DECL(hvc_action_state); /* "pending", "in-place", "waiting-power-cycle", "blocked" */

/* Outcome of carrying an action out (rollout). */
enum hvc_result {
	HVC_RESULT_NONE, /* not attempted */
	HVC_RESULT_APPLIED,
	HVC_RESULT_IN_PLACE, /* already in place, nothing done */
	HVC_RESULT_DEFERRED, /* written, takes effect at the next power-cycle / reboot */
	HVC_RESULT_SKIPPED,
	HVC_RESULT_FAILED,
	HVC_RESULT_STALE, /* the guest changed since the plan: nothing done, plan again */
	HVC_RESULT_LAST,
};
HVC_ENUM_DECL(
	hvc_result); /* "none", "applied", "in-place", "deferred", "skipped", "failed", "stale" */

/* Where a guest whose boot reads only /etc/sysctl.conf keeps hvclock's sysctls (a marked
 * block, last in the file): the sysctl action's target, and what apply.sh is told. */
#define HVC_SYSCTL_CONF_PATH "/etc/sysctl.conf"

struct hvc_action {
	enum hvc_action_kind kind;
	enum hvc_action_state state;
	bool check_only; /* verifies something hvclock does not change (time sync) */
	char *target; /* where the change goes, for people */
	char *key; /* sysctl key; NULL for other kinds */
	char *before; /* NULL = not known (or absent, see note) */
	char *after; /* NULL = not known until the guest is inspected */
	char **set; /* cmdline parameters to set */
	char **remove; /* cmdline parameters to remove */
	char *note; /* why blocked, conditions, when it takes effect */
	char *takes_effect; /* "now", "power-cycle", "reboot"; NULL for checks */

	enum hvc_result result;
	char *result_msg;
	enum hvc_error_kind error_kind; /* why result is failed or stale; NONE otherwise */
};

enum hvc_plan_status {
	HVC_PLAN_PENDING, /* changes pending */
	HVC_PLAN_NOTHING, /* nothing to do */
	HVC_PLAN_POWER_CYCLE, /* nothing to change, waiting for power-cycle/reboot */
	HVC_PLAN_NO_REMEDY, /* no profile applies (reason says why) */
	HVC_PLAN_SKIPPED, /* not considered: transient, shut off, configured skip */
	HVC_PLAN_BLOCKED, /* a wanted change cannot be made */
	HVC_PLAN_FAILED, /* the guest could not be read/inspected */
	HVC_PLAN_STATUS_LAST,
};
HVC_ENUM_DECL(hvc_plan_status);
/* "changes-pending", "nothing-to-do", "waiting-power-cycle", "no-remedy", "skipped", "blocked", "failed" */

struct hvc_restart; /* core/restart.h: rollout --restart's outcome for one guest */

/* What reaching a guest found out. */
struct hvc_reach {
	char *address; /* "host:port" */
	/* "--guest-address", "configuration", "domain metadata", "libvirt lease", "libvirt arp",
	 * "libvirt agent" */
	char *address_source;
	char *jump; /* the label of the host the guest was reached through, NULL: directly */
	char *inspect_error; /* set when the guest could not be inspected (plan is host-only) */
	enum hvc_identity identity; /* is the guest reached the domain meant? */
	char *identity_detail; /* what was compared, for people */
	char **addresses_refused; /* "ADDRESS (SOURCE): why", addresses hvclock would not use */
	enum hvc_error_kind error_kind; /* the kind of inspect_error (NONE without one) */
};

struct hvc_guest_plan {
	struct hvc_guest *guest; /* borrowed */
	struct hvc_decision decision;
	enum hvc_plan_status status;
	char *status_reason; /* skipped/blocked/failed: why */
	struct hvc_action *actions;
	size_t n_actions;

	/* How the guest was reached: kept by every plan function (not part of a plan). */
	struct hvc_reach reach;

	/* rollout outcome for the whole guest */
	enum hvc_result result;
	char *result_msg;

	/* rollout --restart: the restart and the verification after it (NULL: no --restart). */
	struct hvc_restart *restart;
	/* why the plan failed or is blocked, or (rollout) why result is failed */
	enum hvc_error_kind error_kind;
	/* hvc_engine_run()/hvc_engine_host(): ms (monotonic) from a worker taking the guest to its
	 * result; 0: not run by the engine */
	int64_t elapsed_ms;
};

/* A hypervisor host of the run (JSON "hosts"): its connection opened and listed, or not. */
struct hvc_plan_host {
	char *name; /* its label, as the guests' host */
	char *uri;
	char *error; /* NULL: opened and listed; else one line (the host's guests are not in guests) */
	enum hvc_error_kind error_kind;
	size_t guests; /* how many guests it listed */
};

struct hvc_plan {
	struct hvc_guest_plan *guests;
	size_t n;
	struct hvc_plan_host *hosts; /* every host of the run, in the run's order (owned) */
	size_t n_hosts;
	/* The host row (Xen dom0), or NULL: see hvc_plan_host(). */
	struct hvc_guest_plan *host;
	struct hvc_profile *host_profile; /* what host's actions come from (owned) */
};

/*
 * Every function that (re)plans a guest takes a zeroed or previously planned
 * gp, frees what it held except gp->reach, and keeps gp->reach as it was.
 */

/* Plan one guest. forced = profile from --profile (may be NULL). */
void hvc_plan_guest(const struct hvc_profile_set *set, struct hvc_guest *g,
	const struct hvc_profile *forced, struct hvc_guest_plan *ret);

/*
 * Plan the host row: host (is_host, inspected locally) gets the union of the
 * [host] sections of the profiles chosen for the guests of plan on its own host
 * (those whose host label is host->host; NULL: every guest) (cmdline-set
 * as a guest-bootloader action on the host's own boot loader, sysctls only
 * where the key exists on the host). Two profiles that want different values
 * for one parameter or key block the row. Without any [host] part the row is
 * left out (plan->host stays NULL) unless named, when it says "nothing to
 * do". host is borrowed; the plan owns the row and the profile it built.
 */
void hvc_plan_host(struct hvc_plan *plan, struct hvc_guest *host, bool named);

/* Mark a guest as skipped before planning (e.g. by configuration). */
void hvc_plan_guest_skipped(struct hvc_guest *g, const char *why, struct hvc_guest_plan *ret);

/* Mark a guest as failed before planning (e.g. its XML could not be read), of kind. */
void hvc_plan_guest_failed(
	struct hvc_guest *g, enum hvc_error_kind kind, const char *why, struct hvc_guest_plan *ret);

/* Recompute the guest status from its actions (after planning or rollout). */
void hvc_guest_plan_update_status(struct hvc_guest_plan *gp);

/* Free everything, reach too. */
void hvc_guest_plan_finish(struct hvc_guest_plan *gp);
/* Free everything but gp->reach and point gp at g: the start of every plan function. */
void hvc_guest_plan_reset(struct hvc_guest_plan *gp, struct hvc_guest *g);
void hvc_reach_finish(struct hvc_reach *r);
/* A new zeroed guest plan at the end of plan (owned by plan; moves on the next add). */
struct hvc_guest_plan *hvc_plan_add(struct hvc_plan *plan);
/* Free every guest plan and the host row. */
void hvc_plan_finish(struct hvc_plan *plan);

/* The live value of a sysctl key as the guest reported it, or NULL when not known. */
const char *hvc_facts_sysctl_live(const struct hvc_facts *f, const char *key);

/*
 * Set a's result and its message (printf-style; NULL fmt: no message), replacing earlier ones.
 * error_kind becomes "stale" for stale, for failed "guest-script" (guest side) or "backend"
 * (host side), else none: a caller that knows better sets it after.
 */
void hvc_action_set_result(struct hvc_action *a, enum hvc_result r, const char *fmt, ...)
	_printf_(3, 4);

/*
 * Whether this run changed something for a (the JSON "changed"): applied, or
 * written now for a later boot (deferred from a pending state). Never a check, never in a plan.
 */
bool hvc_action_changed(const struct hvc_action *a);
/* Whether any action of gp changed something in this run. */
bool hvc_guest_plan_changed(const struct hvc_guest_plan *gp);

struct hvc_plan_counts {
	size_t guests, pending, nothing, power_cycle, no_remedy, skipped, blocked, failed;
};
/* How many guests of plan (not the host row) are in each status. */
void hvc_plan_count(const struct hvc_plan *plan, struct hvc_plan_counts *ret);
