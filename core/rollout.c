/* rollout.c: carry out planned actions, host side through the backend, and judge the result. */
#include <errno.h>

#include "core/guestscript.h"
#include "core/rollout.h"

void hvc_rollout_make_record(
	const struct hvc_guest_plan *gp, const char *new_cmdline, struct hvc_record *r)
{
	const struct hvc_guest *g = gp->guest;

	memset(r, 0, sizeof(*r));
	r->profile = xstrdup(gp->decision.profile ? gp->decision.profile->name : "none");
	r->time = now_iso8601();
	r->cmdline_changed = true;
	if (g->has_record && g->record.cmdline_changed) {
		/* Changed before: what rollback must restore is still the very first value. */
		r->had_cmdline = g->record.had_cmdline;
		r->old_cmdline = xstrdup_or_null(g->record.old_cmdline);
	} else {
		r->had_cmdline = g->has_cmdline;
		r->old_cmdline = xstrdup_or_null(g->has_cmdline ? g->cmdline : NULL);
	}
	r->new_cmdline = xstrdup_or_null(new_cmdline);
	if (g->has_record) {
		r->address = xstrdup_or_null(g->record.address);
		r->port = g->record.port;
	}
}

static void apply_host_cmdline(
	struct hvc_backend *b, struct hvc_guest_plan *gp, struct hvc_action *a)
{
	struct hvc_record rec;
	struct hvc_error err = { 0 };
	const struct hvc_guest *g = gp->guest;

	hvc_rollout_make_record(gp, a->after, &rec);
	if (hvc_backend_set_boot_cmdline(
		    b, g, g->has_cmdline ? g->cmdline : NULL, a->after, &rec, &err) < 0)
		hvc_action_set_result(a, HVC_RESULT_FAILED, "%s", err.msg);
	else
		hvc_action_set_result(a, HVC_RESULT_DEFERRED,
			"written and read back; takes effect at the next %s",
			g->reboot_applies ? "reboot" : "power-cycle (not a reboot)");
	hvc_record_finish(&rec);
}

/* Run the apply script (rollout or rollback) for gp's pending guest-side actions. */
static int run_guest_script(struct hvc_guest_plan *gp, const struct hvc_guest_access *ga,
	bool rollback, struct hvc_error *err)
{
	struct hvc_exec_result res = { 0 };
	_cleanup_free_ char *req = NULL;
	size_t len = 0;
	int r;

	if (!ga || !ga->session)
		return hvc_error_set(err, -ENOTCONN, "cannot reach the guest: %s",
			ga && ga->why_not ? ga->why_not : "no guest access");
	req = hvc_apply_request(gp, rollback,
		hvc_guest_deadline_s(ga->transport->options.command_timeout_ms), &len, err);
	if (!req)
		return -EINVAL;
	r = hvc_session_exec(ga->transport, ga->session, HVC_GUEST_COMMAND, req, len, &res, err);
	if (r < 0)
		return r;
	r = hvc_apply_parse(res.out, res.out_len, gp, err);
	if (r >= 0 && res.exit_status != 0 && !hvc_error_is_set(err))
		r = hvc_error_set(err, -EIO, "apply script exited with status %d", res.exit_status);
	hvc_exec_result_finish(&res);
	return r;
}

static bool wants_guest(const struct hvc_guest_plan *gp)
{
	for (size_t i = 0; i < gp->n_actions; i++) {
		const struct hvc_action *a = &gp->actions[i];
		if (hvc_action_kind_is_guest_side(a->kind) && a->state == HVC_ACTION_PENDING)
			return true;
	}
	return false;
}

/* Every guest-side action still without a result gets this failure, of kind. */
static void fail_guest_side(struct hvc_guest_plan *gp, const char *msg, enum hvc_error_kind kind)
{
	for (size_t i = 0; i < gp->n_actions; i++) {
		struct hvc_action *a = &gp->actions[i];
		if (!hvc_action_kind_is_guest_side(a->kind) || a->result != HVC_RESULT_NONE)
			continue;
		hvc_action_set_result(
			a, a->check_only ? HVC_RESULT_SKIPPED : HVC_RESULT_FAILED, "%s", msg);
		if (a->result == HVC_RESULT_FAILED)
			a->error_kind = kind;
	}
}

/* The kind of a failed run_guest_script(): no session, or what broke the run. */
static enum hvc_error_kind script_error_kind(const struct hvc_guest_access *ga, int r)
{
	if (!ga || !ga->session)
		return ga && ga->why_not_kind != HVC_ERRKIND_NONE ? ga->why_not_kind
								  : HVC_ERRKIND_NO_ACCESS;
	return hvc_error_kind_of(r, HVC_ERRKIND_GUEST_SCRIPT);
}

/* The guest's result; a failed one keeps the kind the plan or its first failed action gave. */
static void set_guest_result(struct hvc_guest_plan *gp, enum hvc_result r, const char *msg)
{
	gp->result = r;
	free_and_strdup(&gp->result_msg, msg);
	if (r != HVC_RESULT_FAILED)
		gp->error_kind = HVC_ERRKIND_NONE;
	else if (gp->error_kind == HVC_ERRKIND_NONE)
		gp->error_kind = HVC_ERRKIND_OTHER;
}

/* Actions that need no work get their result from their planned state. */
static void settle_unchanged(struct hvc_action *a)
{
	if (a->result != HVC_RESULT_NONE)
		return;
	switch (a->state) {
	case HVC_ACTION_IN_PLACE:
		hvc_action_set_result(a, HVC_RESULT_IN_PLACE, NULL);
		break;
	case HVC_ACTION_POWER_CYCLE:
		hvc_action_set_result(a, HVC_RESULT_DEFERRED, "%s", strna(a->note));
		break;
	case HVC_ACTION_BLOCKED:
		hvc_action_set_result(a, a->check_only ? HVC_RESULT_SKIPPED : HVC_RESULT_FAILED,
			"%s", strna(a->note));
		if (a->result == HVC_RESULT_FAILED)
			a->error_kind = HVC_ERRKIND_BLOCKED;
		break;
	default:
		break;
	}
}

/* When a deferred change takes effect: the host config waits for a power-cycle (libvirt/QEMU). */
static const char *deferred_message(const struct hvc_guest_plan *gp)
{
	bool host = false;
	for (size_t i = 0; i < gp->n_actions; i++)
		if (gp->actions[i].kind == HVC_ACTION_HOST_CMDLINE &&
			gp->actions[i].result == HVC_RESULT_DEFERRED)
			host = true;
	if (host && !gp->guest->reboot_applies)
		return "takes effect at the next power-cycle, not reboot";
	if (gp->guest->is_host)
		return "takes effect at the host's next reboot";
	return "takes effect at the guest's next reboot";
}

/* The guest's overall result from its actions. */
static void judge(struct hvc_guest_plan *gp)
{
	const char *first_failure = NULL;
	enum hvc_error_kind kind = HVC_ERRKIND_NONE;
	bool deferred = false, applied = false;

	for (size_t i = 0; i < gp->n_actions; i++) {
		struct hvc_action *a = &gp->actions[i];
		switch (a->result) {
		case HVC_RESULT_FAILED:
		case HVC_RESULT_STALE:
			if (!first_failure) {
				first_failure = a->result_msg;
				kind = a->error_kind;
			}
			break;
		case HVC_RESULT_DEFERRED:
			deferred = true;
			break;
		case HVC_RESULT_APPLIED:
			applied = true;
			break;
		default:
			break;
		}
	}
	if (first_failure) {
		_cleanup_free_ char *m = xstrdup(first_failure);
		gp->error_kind = kind;
		set_guest_result(gp, HVC_RESULT_FAILED, m);
	} else if (deferred) {
		set_guest_result(gp, HVC_RESULT_DEFERRED, deferred_message(gp));
	} else if (applied) {
		set_guest_result(gp, HVC_RESULT_APPLIED, NULL);
	} else {
		set_guest_result(gp, HVC_RESULT_IN_PLACE, "already in place");
	}
}

void hvc_rollout_guest(
	struct hvc_backend *b, struct hvc_guest_plan *gp, const struct hvc_guest_access *ga)
{
	struct hvc_error err = { 0 };
	bool guest_lost = false;
	int r;

	switch (gp->status) {
	case HVC_PLAN_SKIPPED:
		set_guest_result(gp, HVC_RESULT_SKIPPED, gp->status_reason);
		return;
	case HVC_PLAN_NO_REMEDY:
		set_guest_result(gp, HVC_RESULT_SKIPPED, gp->decision.reason);
		return;
	case HVC_PLAN_FAILED:
		set_guest_result(gp, HVC_RESULT_FAILED, gp->status_reason);
		return;
	case HVC_PLAN_NOTHING:
		set_guest_result(gp, HVC_RESULT_IN_PLACE, "nothing to do");
		return;
	case HVC_PLAN_BLOCKED:
		/* Half a remedy can be worse than none: change nothing, say why. */
		set_guest_result(gp, HVC_RESULT_FAILED, gp->status_reason);
		return;
	default:
		break;
	}

	for (size_t i = 0; i < gp->n_actions; i++)
		settle_unchanged(&gp->actions[i]);

	if (wants_guest(gp)) {
		if (gp->guest->state == HVC_STATE_PAUSED) {
			fail_guest_side(gp, "the guest is paused and cannot be reached",
				HVC_ERRKIND_PAUSED);
		} else if ((r = run_guest_script(gp, ga, false, &err)) < 0) {
			/* A session that existed and broke: stop here, change nothing on the host. */
			guest_lost = ga && ga->session;
			fail_guest_side(gp, err.msg, script_error_kind(ga, r));
		}
		fail_guest_side(gp, "the apply script reported nothing for this step",
			HVC_ERRKIND_GUEST_SCRIPT);
	}

	for (size_t i = 0; i < gp->n_actions; i++) {
		struct hvc_action *a = &gp->actions[i];
		if (a->kind != HVC_ACTION_HOST_CMDLINE || a->result != HVC_RESULT_NONE)
			continue;
		if (guest_lost)
			hvc_action_set_result(a, HVC_RESULT_SKIPPED,
				"not changed: the guest-side steps failed first");
		else
			apply_host_cmdline(b, gp, a);
	}
	judge(gp);
}

void hvc_rollback_plan_guest(struct hvc_guest *g, struct hvc_guest_plan *gp)
{
	struct hvc_action *a;

	hvc_guest_plan_reset(gp, g);

	if (!g->persistent) {
		hvc_plan_guest_skipped(g, "transient guest: hvclock does not change those", gp);
		return;
	}
	if (g->state != HVC_STATE_RUNNING && g->state != HVC_STATE_PAUSED && !g->has_record) {
		hvc_plan_guest_skipped(g, "not running", gp);
		return;
	}
	if (g->has_record && g->record.cmdline_changed) {
		gp->actions = xrealloc(gp->actions, gp->n_actions + 1, sizeof(*gp->actions));
		a = &gp->actions[gp->n_actions++];
		memset(a, 0, sizeof(*a));
		a->kind = HVC_ACTION_HOST_CMDLINE;
		a->target =
			xstrdup(g->cmdline_location ? g->cmdline_location : "host configuration");
		a->before = xstrdup_or_null(g->has_cmdline ? g->cmdline : NULL);
		a->after = xstrdup_or_null(g->record.had_cmdline ? g->record.old_cmdline : NULL);
		a->takes_effect = xstrdup(g->reboot_applies ? "reboot" : "power-cycle");
		a->state =
			streq_ptr(a->before, a->after) ? HVC_ACTION_IN_PLACE : HVC_ACTION_PENDING;
		a->note = xasprintf("restore the command line from before hvclock's change (%s, "
				    "profile %s)",
			strna(g->record.time), strna(g->record.profile));
	}
	/*
	 * Inside the guest: what the guest's own record says, or, when the guest
	 * could not be looked at, what the host's state file says hvclock did there.
	 */
	if (g->facts.has_guest_state || (!g->facts.inspected && g->has_host_state)) {
		gp->actions = xrealloc(gp->actions, gp->n_actions + 1, sizeof(*gp->actions));
		a = &gp->actions[gp->n_actions++];
		memset(a, 0, sizeof(*a));
		a->kind = HVC_ACTION_GUEST_RESTORE;
		a->target = xasprintf("%s files, sysctls and clocksource from hvclock's backups",
			g->is_host ? "dom0" : "guest");
		a->state = HVC_ACTION_PENDING;
		/* Files, sysctls and the clocksource now; a restored kernel line at the next boot. */
		a->takes_effect = xstrdup(g->facts.guest_state_bootloader ? "reboot" : "now");
		if (!g->facts.inspected)
			a->note = xstrdup("the guest could not be checked for hvclock's backups");
		else if (g->facts.guest_state_bootloader)
			a->note = xasprintf(
				"the boot loader's kernel line is restored now and boots at "
				"the %s's next reboot",
				g->is_host ? "host" : "guest");
	}
	gp->status = gp->n_actions ? HVC_PLAN_PENDING : HVC_PLAN_NOTHING;
	if (!gp->n_actions)
		gp->status_reason = xstrdup("hvclock has recorded no change to this guest");
	hvc_guest_plan_update_status(gp);
}

void hvc_rollback_guest(
	struct hvc_backend *b, struct hvc_guest_plan *gp, const struct hvc_guest_access *ga)
{
	struct hvc_error err = { 0 };
	bool guest_failed = false;
	const struct hvc_guest *g = gp->guest;
	int r;

	if (gp->status == HVC_PLAN_SKIPPED || gp->status == HVC_PLAN_NOTHING) {
		set_guest_result(gp,
			gp->status == HVC_PLAN_SKIPPED ? HVC_RESULT_SKIPPED : HVC_RESULT_IN_PLACE,
			gp->status_reason ? gp->status_reason : "nothing to roll back");
		return;
	}
	for (size_t i = 0; i < gp->n_actions; i++)
		settle_unchanged(&gp->actions[i]);
	if (wants_guest(gp)) {
		if ((r = run_guest_script(gp, ga, true, &err)) < 0) {
			guest_failed = true;
			fail_guest_side(gp, err.msg, script_error_kind(ga, r));
		}
		fail_guest_side(gp, "the rollback script reported nothing for this step",
			HVC_ERRKIND_GUEST_SCRIPT);
	}
	for (size_t i = 0; i < gp->n_actions; i++) {
		struct hvc_action *a = &gp->actions[i];
		struct hvc_record rec = { 0 };
		struct hvc_error herr = { 0 };

		if (a->kind != HVC_ACTION_HOST_CMDLINE || a->result != HVC_RESULT_NONE)
			continue;
		if (guest_failed && ga && ga->session) {
			hvc_action_set_result(a, HVC_RESULT_SKIPPED,
				"not changed: the guest-side rollback failed first");
			continue;
		}
		/* Keep only where to reach the guest; the change record goes. */
		rec.address = g->record.address;
		rec.port = g->record.port;
		if (hvc_backend_set_boot_cmdline(b, g, g->has_cmdline ? g->cmdline : NULL, a->after,
			    g->record.address ? &rec : NULL, &herr) < 0)
			hvc_action_set_result(a, HVC_RESULT_FAILED, "%s", herr.msg);
		else
			hvc_action_set_result(a, HVC_RESULT_DEFERRED,
				"restored and read back; takes effect at the next %s",
				g->reboot_applies ? "reboot" : "power-cycle (not a reboot)");
	}
	judge(gp);
}
