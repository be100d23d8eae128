/* rollout.c: carry out planned actions, host side through the backend, and judge the result. */
#include <errno.h>

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

static void apply_action(struct hvc_backend *b, struct hvc_guest_plan *gp, struct hvc_action *a)
{
	switch (a->state) {
	case HVC_ACTION_IN_PLACE:
		hvc_action_set_result(a, HVC_RESULT_IN_PLACE, NULL);
		return;
	case HVC_ACTION_POWER_CYCLE:
		hvc_action_set_result(a, HVC_RESULT_DEFERRED, "%s", strna(a->note));
		return;
	case HVC_ACTION_BLOCKED:
		hvc_action_set_result(a, a->check_only ? HVC_RESULT_SKIPPED : HVC_RESULT_FAILED,
			"%s", strna(a->note));
		return;
	case HVC_ACTION_PENDING:
	case HVC_ACTION_STATE_LAST:
		break;
	}
	if (a->kind == HVC_ACTION_HOST_CMDLINE) {
		apply_host_cmdline(b, gp, a);
		return;
	}
	if (gp->guest->state == HVC_STATE_PAUSED) {
		hvc_action_set_result(a, a->check_only ? HVC_RESULT_SKIPPED : HVC_RESULT_FAILED,
			"the guest is paused and cannot be reached");
		return;
	}
	hvc_action_set_result(a, a->check_only ? HVC_RESULT_SKIPPED : HVC_RESULT_FAILED,
		"needs access to the guest over SSH, which this build of hvclock does not have");
}

static void set_guest_result(struct hvc_guest_plan *gp, enum hvc_result r, const char *msg)
{
	gp->result = r;
	free_and_strdup(&gp->result_msg, msg);
}

void hvc_rollout_guest(struct hvc_backend *b, struct hvc_guest_plan *gp)
{
	const char *first_failure = NULL;
	bool deferred = false, applied = false;

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

	for (size_t i = 0; i < gp->n_actions; i++) {
		struct hvc_action *a = &gp->actions[i];
		apply_action(b, gp, a);
		switch (a->result) {
		case HVC_RESULT_FAILED:
			if (!first_failure)
				first_failure = a->result_msg;
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
		set_guest_result(gp, HVC_RESULT_FAILED, m);
	} else if (deferred) {
		set_guest_result(gp, HVC_RESULT_DEFERRED,
			gp->guest->reboot_applies
				? "takes effect at the next reboot"
				: "takes effect at the next power-cycle, not reboot");
	} else if (applied) {
		set_guest_result(gp, HVC_RESULT_APPLIED, NULL);
	} else {
		set_guest_result(gp, HVC_RESULT_IN_PLACE, "already in place");
	}
}
