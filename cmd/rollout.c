/* rollout.c: `hvclock rollout`: apply the plan to the named guests or to all of them. */
#include "cmd/command.h"
#include "cmd/run.h"

static int rollout_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_rollout = {
	.name = "rollout",
	.usage = "[--profile NAME] [--restart] (--all-guests | GUEST...)",
	.summary = "apply the remedies, verify them by reading back, record what changed",
	.in = HVC_IN_ROLLOUT,
	.run = rollout_run,
};

static int rollout_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	return hvc_run_argv(ctx, &hvc_cmd_rollout, HVC_ENGINE_ROLLOUT, argc, argv);
}
