/* plan.c: `hvclock plan`: show per guest the evidence, the remedy and the exact changes. */
#include "cmd/command.h"
#include "cmd/run.h"

static int plan_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_plan = {
	.name = "plan",
	.usage = "[--profile NAME] [--all-guests | GUEST...]",
	.summary = "show what rollout would change, per guest, and why",
	.in = HVC_IN_PLAN,
	.run = plan_run,
};

static int plan_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	struct hvc_run run = { .ctx = ctx, .cmd = &hvc_cmd_plan, .mode = HVC_ENGINE_PLAN };
	int r;

	if (hvc_options_parse(ctx, run.cmd, argc, argv, hvc_run_option, &run, &r) < 0)
		return r;
	run.names = argv + optind;
	run.n_names = (size_t)(argc - optind);
	return hvc_run(&run);
}
