/* test-restart.c: rollout --restart: which restart a plan needs, what is verified in the new boot, the batches' per-host cap. */
#include <errno.h>

#include "core/restart.h"
#include "tests/harness.h"

static struct hvc_action *add(struct hvc_guest_plan *gp, enum hvc_action_kind kind,
	enum hvc_result result, const char *takes_effect)
{
	struct hvc_action *a;

	gp->actions = xrealloc(gp->actions, gp->n_actions + 1, sizeof(*gp->actions));
	a = &gp->actions[gp->n_actions++];
	*a = (struct hvc_action){ .kind = kind, .result = result };
	a->takes_effect = xstrdup_or_null(takes_effect);
	return a;
}

static void test_needed(void)
{
	struct hvc_guest_plan gp = { 0 };

	CHECK_INTEQ(hvc_restart_needed(&gp), HVC_RESTART_ACTION_NONE);
	add(&gp, HVC_ACTION_SYSCTL, HVC_RESULT_APPLIED, "now");
	CHECK_INTEQ(hvc_restart_needed(&gp), HVC_RESTART_ACTION_NONE);
	/* A guest boot loader change: a reboot. */
	add(&gp, HVC_ACTION_GUEST_BOOTLOADER, HVC_RESULT_DEFERRED, "reboot");
	CHECK_INTEQ(hvc_restart_needed(&gp), HVC_RESTART_ACTION_REBOOT);
	/* A libvirt/QEMU <cmdline> too: the power-cycle serves both. */
	add(&gp, HVC_ACTION_HOST_CMDLINE, HVC_RESULT_DEFERRED, "power-cycle");
	CHECK_INTEQ(hvc_restart_needed(&gp), HVC_RESTART_ACTION_SHUTDOWN_START);
	hvc_guest_plan_finish(&gp);
	/* A change that failed needs no restart. */
	add(&gp, HVC_ACTION_HOST_CMDLINE, HVC_RESULT_FAILED, "power-cycle");
	CHECK_INTEQ(hvc_restart_needed(&gp), HVC_RESTART_ACTION_NONE);
	hvc_guest_plan_finish(&gp);
}

static void test_verify(void)
{
	struct hvc_guest_plan gp = { 0 };
	struct hvc_facts f;
	struct hvc_action *a;
	char **d;

	hvc_facts_init(&f);
	a = add(&gp, HVC_ACTION_HOST_CMDLINE, HVC_RESULT_DEFERRED, "power-cycle");
	a->set = strv_split("clocksource=jiffies nohz=off notsc", " ");
	a->remove = strv_split("clocksource_failover", " ");
	a = add(&gp, HVC_ACTION_LIVE_CLOCKSOURCE, HVC_RESULT_DEFERRED, "now");
	a->after = xstrdup("jiffies");
	a = add(&gp, HVC_ACTION_SYSCTL, HVC_RESULT_APPLIED, "now");
	a->key = xstrdup("xen.independent_wallclock");
	a->after = xstrdup("1");
	add(&gp, HVC_ACTION_TIMESYNC, HVC_RESULT_SKIPPED, NULL)->check_only = true;

	/* All in effect. */
	f.proc_cmdline = xstrdup("ro root=/dev/vda nohz=off clocksource=jiffies notsc");
	f.current_clocksource = xstrdup("jiffies");
	strv_push(&f.sysctls, "xen.independent_wallclock=1");
	d = hvc_restart_verify(&gp, &f);
	CHECK(d == NULL);
	strv_free(d);

	/* Each difference, one line each. */
	free_and_strdup(
		&f.proc_cmdline, "ro clocksource=tsc nohz=off clocksource_failover=acpi_pm");
	free_and_strdup(&f.current_clocksource, "tsc");
	strv_free(f.sysctls);
	f.sysctls = strv_split("xen.independent_wallclock=0", " ");
	d = hvc_restart_verify(&gp, &f);
	CHECK_INTEQ(strv_length(d), 5);
	CHECK(strv_contains(d, "/proc/cmdline: clocksource=jiffies wanted, clocksource=tsc found"));
	CHECK(strv_contains(d, "/proc/cmdline: notsc missing"));
	CHECK(strv_contains(
		d, "/proc/cmdline: clocksource_failover still there (removed by the plan)"));
	CHECK(strv_contains(d, "current_clocksource: jiffies wanted, tsc found"));
	CHECK(strv_contains(d, "sysctl xen.independent_wallclock: 1 wanted, 0 found"));
	strv_free(d);

	/* Nothing read: said so, never taken as in effect. */
	hvc_facts_finish(&f);
	hvc_facts_init(&f);
	d = hvc_restart_verify(&gp, &f);
	CHECK(strv_contains(d, "/proc/cmdline: not read"));
	CHECK(strv_contains(d, "current_clocksource: jiffies wanted, nothing readable found"));
	CHECK(strv_contains(d, "sysctl xen.independent_wallclock: 1 wanted, no value found"));
	strv_free(d);
	hvc_facts_finish(&f);
	hvc_guest_plan_finish(&gp);
}

static void test_failed(void)
{
	struct hvc_restart rs = { .result = HVC_RESTART_DONE, .verification = HVC_VERIFY_VERIFIED };

	CHECK(!hvc_restart_failed(NULL));
	CHECK(!hvc_restart_failed(&rs));
	rs.verification = HVC_VERIFY_FAILED;
	CHECK(hvc_restart_failed(&rs));
	rs.result = HVC_RESTART_LEFT_RUNNING;
	CHECK(hvc_restart_failed(&rs));
	rs.result = HVC_RESTART_NOT_STARTED;
	CHECK(hvc_restart_failed(&rs));
	rs.result = HVC_RESTART_SKIPPED;
	CHECK(!hvc_restart_failed(&rs));
	rs.result = HVC_RESTART_NOT_NEEDED;
	CHECK(!hvc_restart_failed(&rs));
}

/* A backend whose every power request is refused at once: the restart's scheduling is all that runs. */
static int power_refused(_unused_ struct hvc_backend *b, _unused_ const struct hvc_guest *g,
	_unused_ enum hvc_power what, struct hvc_error *err)
{
	return hvc_error_set(err, -EPERM, "refused");
}

/*
 * Twelve guests waiting for a power-cycle, six on host a and six on host b, all in one batch of
 * twelve, each host capped at per_host (0: none): the most of one host in flight at once
 * (e.test_max_per_host: the engine's count, without timing).
 */
static int restart_max_per_host(int per_host)
{
	static const struct hvc_backend_impl impl = { .name = "test",
		.power = power_refused,
		.power_ops = 1u << HVC_POWER_SHUTDOWN | 1u << HVC_POWER_START };
	struct hvc_backend b = { .impl = &impl, .uri = (char *)"test:///x" };
	struct hvc_restart_options o = { .batch = 12, .down_timeout_s = 1, .up_timeout_s = 1 };
	struct hvc_profile_set set = { 0 };
	struct hvc_engine_target t[12];
	struct hvc_plan plan = { 0 };
	struct hvc_engine e;
	int max = 0;

	hvc_engine_init(&e, HVC_ENGINE_ROLLOUT, &set);
	e.test_max_per_host = &max;
	for (size_t i = 0; i < 12; i++) {
		struct hvc_guest *g = hvc_guest_new();
		struct hvc_guest_plan *gp = hvc_plan_add(&plan);

		g->name = xasprintf("g%zu", i);
		g->state = HVC_STATE_RUNNING;
		g->persistent = true;
		g->facts.boot_id = xstrdup("boot-1");
		gp->guest = g;
		gp->result = HVC_RESULT_DEFERRED;
		gp->reach.identity = HVC_IDENTITY_VERIFIED;
		add(gp, HVC_ACTION_HOST_CMDLINE, HVC_RESULT_DEFERRED, "power-cycle");
		t[i] = (struct hvc_engine_target){ .guest = g,
			.backend = &b,
			.host = i < 6 ? "a" : "b",
			.host_parallel = per_host };
	}
	hvc_engine_restart(&e, t, 12, &o, &plan);
	for (size_t i = 0; i < plan.n; i++) {
		CHECK_INTEQ(plan.guests[i].restart->result, HVC_RESTART_FAILED);
		CHECK_STREQ(plan.guests[i].restart->reason, "refused");
		hvc_guest_free(plan.guests[i].guest);
		plan.guests[i].guest = NULL;
	}
	hvc_plan_finish(&plan);
	hvc_engine_finish(&e);
	return max;
}

/* A batch restarts its guests at once, but no more of one host than --parallel-per-host. */
static void test_batch_per_host(void)
{
	CHECK_INTEQ(restart_max_per_host(0), 6);
	CHECK_INTEQ(restart_max_per_host(1), 1);
	CHECK_INTEQ(restart_max_per_host(2), 2);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_needed),
		HVC_TEST(test_verify),
		HVC_TEST(test_failed),
		HVC_TEST(test_batch_per_host),
	};

	return hvc_test_run(tests, ELEMENTSOF(tests));
}
