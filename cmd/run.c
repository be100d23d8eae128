/* run.c: the pipeline behind `plan` and `rollout`: connect, select, plan, apply, report. */
#include <getopt.h>
#include <stdio.h>

#include "cmd/run.h"
#include "core/report.h"
#include "core/rollout.h"

int hvc_run_bad_option(const struct hvc_command *cmd, char **argv, const char *with_arg)
{
	if (optopt && optopt < 0x100 && strchr(with_arg, optopt))
		return hvc_usage_error(cmd, "option '-%c' needs an argument", optopt);
	if (optopt && optopt < 0x100)
		return hvc_usage_error(cmd, "unknown option '-%c'", optopt);
	return hvc_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
}

static int exit_code(const struct hvc_plan *plan, bool apply)
{
	bool pending = false;

	for (size_t i = 0; i < plan->n; i++) {
		const struct hvc_guest_plan *gp = &plan->guests[i];
		if (apply) {
			if (gp->result == HVC_RESULT_FAILED)
				return HVC_EXIT_FAILED;
			continue;
		}
		if (gp->status == HVC_PLAN_FAILED || gp->status == HVC_PLAN_BLOCKED)
			return HVC_EXIT_FAILED;
		if (gp->status == HVC_PLAN_PENDING)
			pending = true;
	}
	return pending ? HVC_EXIT_PENDING : HVC_EXIT_OK;
}

int hvc_run_plan(struct hvc_run *run, bool apply)
{
	struct hvc_ctx *ctx = run->ctx;
	struct hvc_profile_set profiles = { 0 };
	const struct hvc_profile *forced = NULL;
	struct hvc_fleet fleet = { 0 };
	struct hvc_plan plan = { 0 };
	struct hvc_guest **guests = NULL;
	struct hvc_backend **backends = NULL;
	size_t n = 0;
	int r;

	if (hvc_ctx_load_profiles(ctx, &profiles) < 0)
		return HVC_EXIT_CANNOT_START;
	if (run->profile_name) {
		forced = hvc_profile_set_find(&profiles, run->profile_name);
		if (!forced) {
			_cleanup_strv_free_ char **names = NULL;
			for (size_t i = 0; i < profiles.n; i++)
				strv_push(&names, profiles.profiles[i]->name);
			_cleanup_free_ char *list = strv_join(names, ", ");
			hvc_profile_set_finish(&profiles);
			return hvc_usage_error(run->cmd, "unknown profile '%s' (known: %s)",
				run->profile_name, list);
		}
	}
	/* plan never writes: a read-only connection is enough and safer. */
	if (hvc_fleet_open(ctx, !apply, true, &fleet) < 0) {
		hvc_profile_set_finish(&profiles);
		return HVC_EXIT_CANNOT_START;
	}
	if (hvc_fleet_select(&fleet, run->names, run->n_names, &guests, &backends, &n) < 0) {
		hvc_fleet_close(&fleet);
		hvc_profile_set_finish(&profiles);
		return HVC_EXIT_CANNOT_START;
	}

	for (size_t i = 0; i < n; i++) {
		struct hvc_guest_plan *gp = hvc_plan_add(&plan);
		if (guests[i]->error)
			hvc_plan_guest_failed(guests[i], guests[i]->error, gp);
		else
			hvc_plan_guest(&profiles, guests[i], forced, gp);
		if (apply)
			hvc_rollout_guest(backends[i], gp);
	}

	if (ctx->json) {
		struct json_object *doc =
			hvc_report_plan_json(&plan, apply ? HVC_REPORT_ROLLOUT : HVC_REPORT_PLAN);
		hvc_report_print_json(stdout, doc);
		json_object_put(doc);
	} else {
		hvc_report_plan_text(stdout, &plan, apply ? HVC_REPORT_ROLLOUT : HVC_REPORT_PLAN,
			ctx->verbose > 0, ctx->quiet);
	}
	fflush(stdout);

	r = exit_code(&plan, apply);
	hvc_plan_finish(&plan);
	free(guests);
	free(backends);
	hvc_fleet_close(&fleet);
	hvc_profile_set_finish(&profiles);
	return r;
}
