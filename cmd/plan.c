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
	return hvc_run_argv(ctx, &hvc_cmd_plan, HVC_ENGINE_PLAN, argc, argv);
}
