/* rollout.h: carry out a guest's planned actions (or undo them) and record each outcome. */
#pragma once

#include "core/backend.h"
#include "core/plan.h"
#include "core/transport.h"

/* How a worker can reach its guest. */
struct hvc_guest_access {
	struct hvc_transport *transport;
	struct hvc_session *session; /* NULL: the guest cannot be reached */
	const char *why_not; /* why session is NULL, for the report */
	enum hvc_error_kind why_not_kind; /* its kind */
};

/*
 * Apply gp's pending actions: the guest-side ones in one exec of the apply
 * script (which reads every value back), then the host-side ones through
 * backend b. If the guest exec itself fails (connection lost, timeout),
 * nothing more is changed. Fills every action's result and gp->result.
 * A blocked, skipped or failed guest is not touched.
 */
void hvc_rollout_guest(
	struct hvc_backend *b, struct hvc_guest_plan *gp, const struct hvc_guest_access *ga);

/* The record to store with a host-side change: keeps the first original cmdline. */
void hvc_rollout_make_record(
	const struct hvc_guest_plan *gp, const char *new_cmdline, struct hvc_record *ret);

/*
 * Plan a rollback from what hvclock recorded: the host cmdline back to the
 * value before hvclock's first change, and the guest's own backups restored.
 */
void hvc_rollback_plan_guest(struct hvc_guest *g, struct hvc_guest_plan *gp);
/* Carry out a rollback plan; the guest side first, then the host side. */
void hvc_rollback_guest(
	struct hvc_backend *b, struct hvc_guest_plan *gp, const struct hvc_guest_access *ga);
