/* fuzz-apply: the guest's apply report (untrusted) through hvc_apply_parse, against a plan with one
 * action of each guest-side kind (as the unit test's fixture, tests/unit/test-guestscript.c) and 200
 * blocked sysctl actions. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "core/guest.h"
#include "core/guestscript.h"
#include "core/plan.h"
#include "core/profile.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hvc_action *add(
	struct hvc_guest_plan *gp, enum hvc_action_kind k, enum hvc_action_state s)
{
	struct hvc_action *a;

	gp->actions = xrealloc(gp->actions, gp->n_actions + 1, sizeof(*a));
	a = &gp->actions[gp->n_actions++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->state = s;
	a->target = xstrdup("t");
	return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvc_profile profile;
	struct hvc_guest_plan gp;
	struct hvc_error err = { 0 };
	struct hvc_action *a;

	memset(&profile, 0, sizeof(profile));
	memset(&gp, 0, sizeof(gp));
	profile.name = "fuzz";
	profile.live_clocksources = strv_split("jiffies tsc", " ");
	gp.guest = hvc_guest_new();
	gp.decision.profile = &profile;
	add(&gp, HVC_ACTION_HOST_CMDLINE, HVC_ACTION_PENDING)->after = xstrdup("ro");
	a = add(&gp, HVC_ACTION_GUEST_BOOTLOADER, HVC_ACTION_PENDING);
	a->set = strv_split("clocksource=jiffies", " ");
	a->remove = strv_split("clocksource=tsc notsc", " ");
	/* A profile may carry up to 256 sysctl keys: many blocked ones before the pending one. */
	for (int i = 0; i < 200; i++) {
		a = add(&gp, HVC_ACTION_SYSCTL, HVC_ACTION_BLOCKED);
		a->key = xasprintf("k.b%d", i);
		a->after = xstrdup("1");
	}
	a = add(&gp, HVC_ACTION_SYSCTL, HVC_ACTION_PENDING);
	a->key = xstrdup("xen.independent_wallclock");
	a->after = xstrdup("1");
	a = add(&gp, HVC_ACTION_SYSCTL, HVC_ACTION_BLOCKED);
	a->key = xstrdup("xen.absent_key");
	a->after = xstrdup("1");
	add(&gp, HVC_ACTION_LIVE_CLOCKSOURCE, HVC_ACTION_PENDING)->after = xstrdup("jiffies");
	add(&gp, HVC_ACTION_TIMESYNC, HVC_ACTION_PENDING)->check_only = true;

	(void)hvc_apply_parse((const char *)data, size, &gp, &err);

	hvc_error_clear(&err);
	strv_free(profile.live_clocksources);
	gp.decision.profile = NULL;
	struct hvc_guest *g = gp.guest;
	hvc_guest_plan_finish(&gp);
	hvc_guest_free(g);
	return 0;
}
