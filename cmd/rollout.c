/* rollout.c: `hvclock rollout`: apply the plan to the named guests or to all of them. */
#include "cmd/command.h"
#include "cmd/run.h"

static int rollout_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_rollout = {
	.name = "rollout",
	.usage = "[--profile NAME] (--all-guests | GUEST...)",
	.summary = "apply the remedies, verify them by reading back, record what changed",
	.in = HVC_IN_ROLLOUT,
	.run = rollout_run,
};

static int rollout_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	struct hvc_run run = { .ctx = ctx, .cmd = &hvc_cmd_rollout, .mode = HVC_ENGINE_ROLLOUT };
	int r;

	if (hvc_options_parse(ctx, run.cmd, argc, argv, hvc_run_option, &run, &r) < 0)
		return r;
	run.names = argv + optind;
	run.n_names = (size_t)(argc - optind);
	return hvc_run(&run);
}
