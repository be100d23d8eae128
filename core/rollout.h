/* rollout.h: carry out a guest's planned actions and record the outcome per action. */
#pragma once

#include "core/backend.h"
#include "core/plan.h"

/*
 * Apply gp's pending actions. Host-side actions go through backend b;
 * guest-side actions need a guest transport, which this build does not have
 * yet, so they fail with that reason. Fills every action's result and
 * gp->result/result_msg. Never stops at the first failure of a guest's
 * action that does not depend on it.
 */
void hvc_rollout_guest(struct hvc_backend *b, struct hvc_guest_plan *gp);

/* The record to store with a host-side change: keeps the first original cmdline. */
void hvc_rollout_make_record(
	const struct hvc_guest_plan *gp, const char *new_cmdline, struct hvc_record *ret);
