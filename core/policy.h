/* policy.h: choose a remedy profile for a guest from the facts it offers. */
#pragma once

#include "core/guest.h"
#include "core/profile.h"

struct hvc_decision {
	const struct hvc_profile *profile; /* NULL = no remedy */
	bool forced; /* chosen by --profile / configuration, not by matching */
	/* The forced profile does not fit the guest (its arch): profile NULL, reason says why. */
	bool refused;
	bool nothing_to_do; /* the profile's [done-if] holds */
	char *reason; /* one line: why this profile, why none, or why nothing to do */
	char **unverified; /* [expect] conditions whose facts are not known yet */
};

/* Free what d owns (reason, unverified); the profile is borrowed from the set. */
void hvc_decision_finish(struct hvc_decision *d);

/* Evaluate one condition against a guest: HVC_YES, HVC_NO or HVC_UNKNOWN. */
enum hvc_tristate hvc_condition_eval(const struct hvc_condition *c, const struct hvc_guest *g);

/*
 * The kernel release to decide with: the guest's own uname -r if inspected,
 * else one inferred from the host kernel path (facts.kernel_release_source says which).
 */
const char *hvc_policy_kernel_release(const struct hvc_guest *g);

/*
 * Pick a profile: forced (if non-NULL) wins, unless it sets x86-only parameters
 * and the guest's arch is known and not x86 (then refused, no profile);
 * otherwise the first auto profile (by priority) whose [match] holds, whose
 * [expect] is not contradicted and whose parameters fit the guest's arch.
 * Always fills ret->reason.
 */
void hvc_policy_decide(const struct hvc_profile_set *set, const struct hvc_guest *g,
	const struct hvc_profile *forced, struct hvc_decision *ret);
