/*
 * restart.h: `rollout --restart`: after the rollout, bring each guest whose
 * change waits for a restart through exactly the restart it needs (a
 * power-cycle: graceful shutdown, bounded wait, start; or a reboot), staged in
 * batches, then reach it again, inspect it with the same engine and verify
 * the remedy inside it.
 */
#pragma once

#include "core/engine.h"

/* The restart a guest needs, or the one done. */
enum hvc_restart_action {
	HVC_RESTART_ACTION_NONE,
	HVC_RESTART_ACTION_SHUTDOWN_START, /* graceful shutdown, wait, start (libvirt/QEMU <cmdline>) */
	HVC_RESTART_ACTION_REBOOT, /* the domain reboot API (Xen, the guest's boot loader) */
	HVC_RESTART_ACTION_FORCE_OFF, /* --force-off after the graceful timeout, then start */
	HVC_RESTART_ACTION_LAST,
};
HVC_ENUM_DECL(hvc_restart_action); /* "none", "shutdown-start", "reboot", "force-off" */

enum hvc_restart_result {
	HVC_RESTART_NOT_NEEDED, /* nothing of the rollout waits for a restart */
	HVC_RESTART_SKIPPED, /* never restarted: paused, transient, restart = no, not reached */
	HVC_RESTART_NOT_STARTED, /* the run stopped before its batch (canary, --max-failed, Ctrl-C) */
	HVC_RESTART_LEFT_RUNNING, /* did not come down within the timeout: left running */
	HVC_RESTART_FAILED, /* refused by the hypervisor, or not back within the timeout */
	HVC_RESTART_DONE, /* restarted and inspected again: see the verification */
	HVC_RESTART_RESULT_LAST,
};
HVC_ENUM_DECL(hvc_restart_result);
/* "not-needed", "skipped", "not-started", "left-running", "failed", "restarted" */

enum hvc_verify_result {
	HVC_VERIFY_NONE, /* not restarted: nothing to verify */
	HVC_VERIFY_VERIFIED,
	HVC_VERIFY_FAILED,
	HVC_VERIFY_LAST,
};
HVC_ENUM_DECL(hvc_verify_result); /* "none", "verified", "failed" */

struct hvc_restart {
	enum hvc_restart_action needed; /* what the rollout's deferred actions need */
	enum hvc_restart_action action; /* what was done */
	enum hvc_restart_result result;
	char *reason; /* one line: why not restarted, what failed, or how it went */
	char *boot_id_before, *boot_id_after; /* NULL: not known */
	enum hvc_verify_result verification;
	char **differences; /* what differed from the plan, one line each */
};

struct hvc_restart_options {
	int batch; /* guests restarted at once (>= 1) */
	bool canary; /* the first guest alone; stop if it fails */
	int max_failed; /* start no new batch once this many failed (0: no limit) */
	bool force_off; /* power off a guest that did not come down within down_timeout_s */
	int down_timeout_s; /* graceful shutdown or reboot: the guest is down within this */
	int up_timeout_s; /* back on SSH (a new boot) within this */
};

void hvc_restart_free(struct hvc_restart *rs);

/*
 * The restart gp's rollout needs: shutdown-start when a deferred action takes
 * effect at a power-cycle, else reboot when one is deferred; none otherwise.
 */
enum hvc_restart_action hvc_restart_needed(const struct hvc_guest_plan *gp);

/*
 * Verify the remedy of gp's rollout in after (the facts of the new boot): each
 * command-line parameter set is in /proc/cmdline with its value and each
 * removed one is gone, the current clocksource is the planned one, each sysctl
 * holds its value. Returns the differences, one line each (NULL: none).
 */
char **hvc_restart_verify(const struct hvc_guest_plan *gp, const struct hvc_facts *after);

/* Whether rs counts as a failure (exit status 1, --max-failed, the canary). */
bool hvc_restart_failed(const struct hvc_restart *rs);

/*
 * The restart phase, after hvc_engine_run() of a rollout over the same
 * targets: every plan->guests[i] gets its restart (targets[i]'s), the
 * candidates in plan order, in batches of o->batch (the first alone with
 * o->canary), each batch in parallel; no new batch once e->stop is set, the
 * canary failed, or o->max_failed guests failed. Borrows everything.
 */
void hvc_engine_restart(const struct hvc_engine *e, const struct hvc_engine_target *targets,
	size_t n, const struct hvc_restart_options *o, struct hvc_plan *plan);
